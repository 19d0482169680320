// SPDX-License-Identifier: MIT
/*
 * msg.c - what it costs to pass a message to another thread or process.
 *
 * One operation of msg/pingpong/CHANNEL is one round trip: a request of
 * `size` bytes (1 KB by default: a 64-byte header, then the payload) goes to
 * the peer, which answers with a reply of the same size. One operation of
 * msg/stream/CHANNEL is one message sent one way, with at most `window`
 * messages not yet acknowledged by the receiver.
 *
 * The format is a serverless runtime's: the header carries the type, the
 * sequence number, the payload length and the sender's timestamp, and is
 * filled on every send and checked (type, sequence, length) on every
 * receive; under `ipcbench test` every payload is also checksummed. The
 * peer is a thread of this process or a forked child (`mode`), pinned by
 * the placement. The channels (msg_fd.c, msg_ring.c, msg_uv.c) only move
 * bytes; the exchanges (msg_sess.c) are the same for all of them, and the
 * checks run the very same exchanges with verification on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcbench_explain.h"
#include "msg_chan.h"

#define MSG_SIZE_MAX (64u << 20)
/* Exchanges in setup, before the harness times anything: this many, or this many bytes' worth. */
#define WARM_UP 64
#define WARM_UP_BYTES (4u << 20)
/* The checks' hanging peer is given up on after this. */
#define FAULT_TIMEOUT_NS 200000000ull
#define CLOCKSOURCE "/sys/devices/system/clocksource/clocksource0/current_clocksource"

static const struct msg_chan *const msg_channels[] = {
	&msg_chan_unix_stream, &msg_chan_unix_seqpacket, &msg_chan_unix_dgram, &msg_chan_pipe,
	&msg_chan_tcp,	       &msg_chan_ring_futex,	 &msg_chan_ring_spin,  &msg_chan_uv,
	NULL,
};

/* ---- the benchmarks ---- */

static const struct msg_chan *chan_of(const struct ipcb_bench *b)
{
	const char *name = strrchr(b->id, '/') + 1;
	int i;

	for (i = 0; msg_channels[i]; i++)
		if (strcmp(msg_channels[i]->name, name) == 0)
			return msg_channels[i];
	return NULL;
}

static int cfg_from(struct ipcb_ctx *ctx, struct msg_cfg *cfg)
{
	int64_t size = ipcb_param(ctx, "size"), window = ipcb_param(ctx, "window");

	memset(cfg, 0, sizeof(*cfg));
	cfg->chan = chan_of(ctx->bench);
	cfg->measure = strncmp(ctx->bench->id, "msg/stream/", 11) == 0 ? MSG_STREAM : MSG_PINGPONG;
	cfg->process = ipcb_param(ctx, "mode") == 1;
	cfg->verify = ctx->check_mode;
	cfg->timeout_ns = ctx->timeout_ns;
	if (!cfg->chan)
		return ipcb_skip(ctx, "%s: no such channel", ctx->bench->id);
	/* size and window are within their declared ranges: planning refuses others */
	cfg->size = (size_t)size;
	cfg->window = cfg->measure == MSG_STREAM ? (uint64_t)window : 1;
	return 0;
}

/*
 * Timestamps taken on two CPUs compare only if their TSCs agree. The kernel
 * checks that at boot and keeps tsc as its clocksource only if they do.
 */
static int tsc_synchronised(char *why, size_t len)
{
	char cs[64] = "", tsc_why[160];

	if (!ipcb_ticks_are_tsc(tsc_why, sizeof(tsc_why))) {
		snprintf(why, len, "no one-way delay: the timer is not the TSC here (%s)", tsc_why);
		return 0;
	}
	if (ipcb_read_text(CLOCKSOURCE, cs, sizeof(cs)))
		cs[0] = '\0';
	if (strcmp(cs, "tsc") != 0) {
		snprintf(why, len, "no one-way delay: the kernel's clocksource is '%s', not tsc, so the two CPUs' TSCs are not known to agree",
			 cs[0] ? cs : "unknown");
		return 0;
	}
	return 1;
}

static void placement_note(struct ipcb_ctx *ctx, const struct msg_chan *c)
{
	if (strcmp(ctx->placement, "same-cpu") == 0)
		ipcb_note(ctx, "same-cpu: the two ends take turns on one CPU, so every message is a context switch and there is no cross-CPU wake-up");
	else if (c != &msg_chan_ring_spin)
		ipcb_note(ctx, "two CPUs: a receiver that found nothing to read sleeps, and the sender wakes it with an interrupt to its CPU; where an idle CPU halts (a VM exits to the hypervisor, bare metal enters a C-state) that wake-up dominates: compare shm-ring-spin, which never sleeps");
}

static uint64_t warm_up_count(size_t size)
{
	uint64_t n = WARM_UP_BYTES / size;

	return n < 1 ? 1 : n > WARM_UP ? WARM_UP : n;
}

/* A job's state: the session, and what its timed runs record besides the median. */
struct msg_job {
	struct msg_sess *s;
	struct msg_record rec;
	char oneway_why[IPCB_NOTE_LEN]; /* why there is no one-way delay */
};

static int msg_setup(struct ipcb_ctx *ctx)
{
	struct msg_cfg cfg;
	struct msg_job *j;
	char why[IPCB_WHY_LEN];

	if (cfg_from(ctx, &cfg))
		return -1;
	j = calloc(1, sizeof(*j));
	if (!j)
		return ipcb_skip(ctx, "out of memory");
	if (cfg.measure == MSG_PINGPONG && !ctx->check_mode &&
	    tsc_synchronised(j->oneway_why, sizeof(j->oneway_why)))
		j->rec.oneway = malloc(MSG_ONEWAY_MAX * sizeof(*j->rec.oneway));
	j->s = msg_sess_open(ctx, &cfg, NULL, why, sizeof(why));
	/*
	 * A few exchanges first: the buffers' and rings' page faults and the
	 * peer's first wake-up would otherwise land in the harness's first
	 * calibration run, and a 50 us first run leaves it at one operation
	 * per sample.
	 */
	if (j->s && (msg_sess_run(j->s, ctx, warm_up_count(cfg.size), NULL) || msg_sess_drain(j->s))) {
		snprintf(why, sizeof(why), "warming up: %.200s", j->s->me.why);
		msg_sess_close(ctx, j->s, NULL, why, 0);
		j->s = NULL;
	}
	if (!j->s) {
		free(j->rec.oneway);
		free(j);
		return ipcb_skip(ctx, "%s", why);
	}
	if (!ctx->check_mode)
		placement_note(ctx, cfg.chan);
	ctx->state = j;
	return 0;
}

static void msg_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	struct msg_job *j = ctx->state;

	if (!ctx->aborted && msg_sess_run(j->s, ctx, iters, &j->rec))
		ipcb_abort(ctx, "%s", j->s->me.why);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void oneway_report(struct ipcb_ctx *ctx, const char *why_not, struct msg_record *rec)
{
	size_t n = rec->oneway_n;

	if (n == 0) {
		if (why_not[0])
			ipcb_note(ctx, "%s", why_not);
		return;
	}
	qsort(rec->oneway, n, sizeof(*rec->oneway), cmp_u32);
	ipcb_metric(ctx, "one_way_p50_ns", rec->oneway[n / 2], "ns");
	ipcb_metric(ctx, "one_way_p99_ns", rec->oneway[n * 99 / 100], "ns");
	ipcb_note(ctx, "one_way_*: one-way delay, not half a round trip: the peer's send timestamp in a reply's header to its receive here (%zu replies of the latency pass); TSC invariant, kernel clocksource tsc%s",
		  n, rec->oneway_negative ? "; some replies arrived before they were sent by the clocks: the TSCs disagree slightly" : "");
}

static void rate_report(struct ipcb_ctx *ctx, const struct msg_sess *s, const struct msg_record *rec)
{
	double mps;

	if (!rec->rate_ticks) {
		if (s->measure == MSG_STREAM)
			ipcb_note(ctx, "no messages_per_s: every sample held a single message (one took longer than the sample target), so no sample has an interval between two sends; the rate is 1e9 / the median");
		return;
	}
	mps = (double)rec->rate_msgs * 1e9 / ipcb_ticks_to_ns(rec->rate_ticks);
	ipcb_metric(ctx, "messages_per_s", mps, "1/s");
	ipcb_metric(ctx, "bytes_per_s", mps * (double)s->size, "B/s");
	ipcb_note(ctx, "messages_per_s, bytes_per_s (whole messages): the sending rate from the send timestamps of the first and last message of each timed batch of %llu; the window (%llu) keeps the sender within reach of the receiver",
		  (unsigned long long)rec->rate_iters, (unsigned long long)s->window);
}

static void msg_teardown(struct ipcb_ctx *ctx)
{
	struct msg_job *j = ctx->state;
	char why[IPCB_WHY_LEN] = "";

	if (!j)
		return;
	if (!ctx->aborted && msg_sess_drain(j->s))
		ipcb_abort(ctx, "%s", j->s->me.why);
	if (!ctx->aborted && !ctx->check_mode) {
		oneway_report(ctx, j->oneway_why, &j->rec);
		rate_report(ctx, j->s, &j->rec);
	}
	if (msg_sess_close(ctx, j->s, NULL, why, sizeof(why)) && !ctx->aborted)
		ipcb_abort(ctx, "%s", why);
	free(j->rec.oneway);
	free(j);
	ctx->state = NULL;
}

/* ---- the checks ---- */

/* Odd sizes too: they straddle the end of a ring and leave a payload tail shorter than a word. */
static const size_t check_sizes[] = { 64, 1001, 1024, 65536, 1048579 };

static uint64_t check_count(size_t size)
{
	return size <= 1024 ? 512 : size <= 65536 ? 64 : 16;
}

/*
 * N messages of one size through a fresh session, checksummed and checked
 * in order on both ends, then counted by the peer. 1: the channel cannot
 * carry this size here, and says why.
 */
static int check_size(struct ipcb_ctx *ctx, const struct msg_cfg *cfg, char *why, size_t len)
{
	uint64_t n = check_count(cfg->size), got = 0;
	struct msg_sess *s;
	int rc, unfit = 0;

	s = msg_sess_open(ctx, cfg, &unfit, why, len);
	if (!s)
		return unfit && why[0] && cfg->size > 65536 ? 1 : -1;
	rc = msg_sess_run(s, ctx, n, NULL);
	if (rc == 0)
		rc = msg_sess_drain(s);
	if (rc)
		snprintf(why, len, "%s", s->me.why);
	if (msg_sess_close(ctx, s, &got, why, rc ? 0 : len))
		rc = -1;
	if (rc == 0 && got != n) {
		snprintf(why, len, "the peer accepted %llu of %llu messages", (unsigned long long)got,
			 (unsigned long long)n);
		rc = -1;
	}
	return rc;
}

/*
 * A peer that dies or hangs at the third request must fail the exchange,
 * promptly and with the reason. The first two round trips run under the
 * job's watchdog, so a loaded machine cannot make them time out first.
 */
static int check_fault(struct ipcb_ctx *ctx, const struct msg_cfg *cfg, int fault, const char *run_says,
		       const char *end_says)
{
	const char *what = fault == MSG_FAULT_DIE ? "killed" : "stopped";
	char why[IPCB_WHY_LEN], end[IPCB_WHY_LEN] = "";
	struct msg_sess *s;
	int rc;

	s = msg_sess_open(ctx, cfg, NULL, why, sizeof(why));
	if (!s)
		return ipcb_fail(ctx, "%s", why);
	rc = msg_sess_run(s, ctx, 2, NULL);
	if (rc == 0) {
		s->timeout_ns = FAULT_TIMEOUT_NS;
		s->sh->fault_after = 3;
		__atomic_store_n(&s->sh->fault, fault, __ATOMIC_RELEASE);
		rc = msg_sess_run(s, ctx, 1, NULL) ? 1 : 0;
	}
	snprintf(why, sizeof(why), "%s", s->me.why);
	msg_sess_close(ctx, s, NULL, end, sizeof(end));
	if (rc < 0)
		return ipcb_fail(ctx, "before the peer was %s: %s", what, why);
	if (rc == 0)
		return ipcb_fail(ctx, "the peer was %s at the third request, yet it was answered", what);
	if (!strstr(why, run_says))
		return ipcb_fail(ctx, "the peer was %s: expected an error saying '%s', got: %s", what, run_says, why);
	if (!strstr(end, end_says))
		return ipcb_fail(ctx, "the peer was %s: expected its end to say '%s', got: %s", what, end_says, end);
	return 0;
}

static int check_faults(struct ipcb_ctx *ctx, const struct msg_cfg *base)
{
	struct msg_cfg cfg = *base;

	cfg.process = 1;
	cfg.size = 1024;
	if (check_fault(ctx, &cfg, MSG_FAULT_DIE, "peer", "signal 9"))
		return -1;
	return check_fault(ctx, &cfg, MSG_FAULT_STALL, "did not answer", "killed");
}

/* Every size in both modes, whatever the job's own mode; then a dying and a hanging peer. */
static int msg_check(struct ipcb_ctx *ctx)
{
	struct msg_cfg cfg;
	char why[IPCB_WHY_LEN];
	size_t k;

	if (cfg_from(ctx, &cfg))
		return -1;
	if (msg_format_check(why, sizeof(why)))
		return ipcb_fail(ctx, "%s", why);
	cfg.window = cfg.window < 8 ? cfg.window : 8;
	for (cfg.process = 0; cfg.process < 2; cfg.process++) {
		for (k = 0; k < sizeof(check_sizes) / sizeof(check_sizes[0]); k++) {
			cfg.size = check_sizes[k];
			why[0] = '\0';
			if (check_size(ctx, &cfg, why, sizeof(why)) < 0)
				return ipcb_fail(ctx, "%s mode, %zu-byte messages: %s",
						 cfg.process ? "process" : "thread", cfg.size, why);
		}
	}
	return cfg.measure == MSG_PINGPONG ? check_faults(ctx, &cfg) : 0;
}

/* ---- the table ---- */

static const char *const mode_choices[] = { "thread", "process", NULL };

#define MODE_PARAM                                                                                   \
	{ .name = "mode", .def = 1, .what = "where the peer runs: a thread of this process, or a forked child process", \
	  .choices = mode_choices }
#define SIZE_PARAM                                                                        \
	{ .name = "size", .def = 1024, .what = "bytes per message, the 64-byte header included", \
	  .min = MSG_HEADER, .max = MSG_SIZE_MAX }

static const struct ipcb_param pingpong_params[] = { MODE_PARAM, SIZE_PARAM, { .name = NULL } };
static const struct ipcb_param stream_params[] = {
	MODE_PARAM,
	SIZE_PARAM,
	{ .name = "window", .def = 64, .what = "messages the sender may have unacknowledged; the receiver acknowledges every window/2",
	  .min = 1, .max = 1 << 20 },
	{ .name = NULL },
};

#define STREAM_NOTE                                                                              \
	"; streaming: the sender waits only when `window` messages are unacknowledged, so this is " \
	"the steady cost per message, not a latency"

/* Every channel: its name, what it is, and what dominates its cost. */
#define MSG_CHANNELS(ROW)                                                                                  \
	ROW("unix-stream", "a Unix SOCK_STREAM socketpair (read/write)",                                   \
	    "write() copies the message into socket buffers queued on the peer, read() copies it out; a "  \
	    "blocked reader is woken by the writer",                                                       \
	    0)                                                                                             \
	ROW("unix-seqpacket", "a Unix SOCK_SEQPACKET socketpair (send/recv)",                              \
	    "as unix-stream, with a record boundary per message: one send and one recv, whole or nothing", \
	    0)                                                                                             \
	ROW("unix-dgram", "a Unix SOCK_DGRAM socketpair (send/recv)",                                      \
	    "one buffer per datagram; the sender's buffer must hold a whole message (net.core.wmem_max) "  \
	    "and net.unix.max_dgram_qlen bounds the queue",                                                \
	    0)                                                                                             \
	ROW("pipe", "two pipes, one per direction (read/write)",                                           \
	    "write() copies into the pipe's pages, read() copies out: the path of lat_pipe and perf bench " \
	    "sched pipe, with a 1 KB message instead of a few bytes",                                      \
	    0)                                                                                             \
	ROW("tcp-loopback", "TCP on 127.0.0.1 with TCP_NODELAY (reference)",                               \
	    "the TCP/IP stack on both sides (segments, ACKs, softirq processing) over loopback: what the " \
	    "local channels avoid",                                                                        \
	    0)                                                                                             \
	ROW("shm-ring-futex", "shared-memory SPSC rings, futex wake-ups",                                  \
	    "no system call while the other side is awake, FUTEX_WAIT/FUTEX_WAKE when it sleeps; the "     \
	    "copies in and out are memcpy in user space",                                                  \
	    0)                                                                                             \
	ROW("shm-ring-spin", "shared-memory SPSC rings, busy-polling (the floor)",                         \
	    "never sleeps: the copies plus cache-line transfers of the data and the ring positions; both " \
	    "CPUs stay busy",                                                                              \
	    1)                                                                                             \
	ROW("unix-stream-libuv", "a Unix stream socket, libuv event loop on both ends",                    \
	    "unix-stream plus, per received message, an epoll_wait, the loop's bookkeeping and a copy out " \
	    "of libuv's 64 KiB read buffer",                                                               \
	    0)

/* A ping-pong is a latency (with a histogram); a stream is a cost per message. */
#define PINGPONG_ROW(cname, desc, why, spin)                                                        \
	{ .id = "msg/pingpong/" cname, .what = "round trip over " desc, .unit_of_work = "round trip", \
	  .nthreads = 2, .busy_waits = spin, .latency = 1, .params = pingpong_params, .setup = msg_setup,  \
	  .body = msg_body, .check = msg_check, .teardown = msg_teardown, .note = why },
#define STREAM_ROW(cname, desc, why, spin)                                                         \
	{ .id = "msg/stream/" cname, .what = "stream over " desc, .unit_of_work = "message",         \
	  .nthreads = 2, .busy_waits = spin, .params = stream_params, .setup = msg_setup, .body = msg_body, \
	  .check = msg_check, .teardown = msg_teardown, .note = why STREAM_NOTE },

static const struct ipcb_bench msg_benches[] = {
	MSG_CHANNELS(PINGPONG_ROW)
	MSG_CHANNELS(STREAM_ROW)
	{ .id = NULL },
};

/*
 * Where shared memory overtakes the socket: per placement, mode and measure,
 * the message size from which shm-ring-futex is cheaper than unix-stream.
 */
static void msg_explain(struct ipcb_results *rs)
{
	static const char *const modes[] = { "mode=thread", "mode=process" };
	static const char *const kinds[][2] = {
		{ "msg/pingpong/shm-ring-futex", "msg/pingpong/unix-stream" },
		{ "msg/stream/shm-ring-futex", "msg/stream/unix-stream" },
		{ "msg/pingpong/unix-stream-libuv", "msg/pingpong/unix-stream" },
	};
	size_t p, m, k;

	for (p = 0; ipcb_placement_names[p]; p++)
		for (m = 0; m < 2; m++)
			for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
				ipcb_explain_crossover(rs, kinds[k][0], kinds[k][1], ipcb_placement_names[p], "size",
						       modes[m], "");
}

const struct ipcb_family ipcb_family_msg = {
	.explain = msg_explain,
	.name = "msg",
	.what = "message passing between two threads or processes: 1 KB round trips and streams over Unix sockets, pipes, TCP loopback, shared-memory rings and libuv",
	.benches = msg_benches,
};
