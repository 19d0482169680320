// SPDX-License-Identifier: MIT
/*
 * msg_sess.c - the message-passing family's mechanism: the wire format, a
 * session (a channel, its two ends and the peer thread or process), and
 * the exchanges both ends run. The timed bodies and the checks in msg.c
 * call the same exchanges, with verification on for the checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msg_chan.h"

enum { MSG_REQUEST = 1, MSG_REPLY, MSG_DATA, MSG_ACK };

_Static_assert(sizeof(struct msg_header) == MSG_HEADER, "the header is 64 bytes");

int msg_fail(struct msg_end *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- the measuring end's watchdog: the engine's, with a signal that interrupts blocked calls ---- */

static uint64_t watch_count(void *arg)
{
	struct msg_end *e = arg;

	return e->watch_progress;
}

static int watch_make(struct ipcb_ctx *ctx, struct msg_end *e)
{
	e->watch = (struct ipcb_watchdog){
		.ctx = ctx, .progress = watch_count, .arg = e, .interrupt = 1, .timeout_ns = e->sess->timeout_ns,
	};
	return ipcb_watchdog_start(&e->watch) ? msg_fail(e, "%s", ctx->why) : 0;
}

/* A run of exchanges starts: the idle time before it is no silence of the peer's. */
static void watch_begin(struct msg_end *e)
{
	e->watch_progress++;
	e->watch.timeout_ns = e->sess->timeout_ns; /* the checks shorten it */
	ipcb_watchdog_begin(&e->watch);
}

static inline void progress(struct msg_end *e)
{
	e->watch_progress++;
}

/* ---- the wire format ---- */

/* Position-sensitive, so a reordered or misframed chunk is caught too. */
static uint64_t payload_sum(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Each message's payload differs, so one delivered twice or into the wrong place shows. */
static void payload_fill(unsigned char *p, size_t n, uint64_t seq)
{
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		w = seq * 0x9e3779b97f4a7c15ull + i;
		memcpy(p + i, &w, 8);
	}
	for (; i < n; i++)
		p[i] = (unsigned char)(seq + i);
}

/* The header of the next message in e->sbuf; the timestamp last, just before the send. */
static inline struct msg_header *msg_fill(struct msg_end *e, uint32_t type, size_t size)
{
	struct msg_header *h = (struct msg_header *)e->sbuf;

	h->type = type;
	h->len = (uint32_t)(size - MSG_HEADER);
	h->seq = ++e->tx_seq;
	h->checksum = 0;
	if (e->sess->verify) {
		payload_fill(e->sbuf + MSG_HEADER, h->len, h->seq);
		h->checksum = payload_sum(e->sbuf + MSG_HEADER, h->len);
	}
	h->send_tsc = ipcb_ticks();
	return h;
}

static const char *type_name(uint32_t type)
{
	static const char *const names[] = { "?", "request", "reply", "data", "acknowledgement" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* The message in e->rbuf must be the next one of this type and size. */
static inline int msg_accept(struct msg_end *e, uint32_t type, size_t size)
{
	const struct msg_header *h = (const struct msg_header *)e->rbuf;

	if (h->type != type)
		return msg_fail(e, "a message of type %u, expected %u (%s)", h->type, type, type_name(type));
	if (h->seq != e->rx_seq + 1)
		return msg_fail(e, "%s %llu out of order: expected %llu", type_name(type),
				(unsigned long long)h->seq, (unsigned long long)e->rx_seq + 1);
	if (h->len != size - MSG_HEADER)
		return msg_fail(e, "%s %llu: the header says %u payload bytes, expected %zu", type_name(type),
				(unsigned long long)h->seq, h->len, size - MSG_HEADER);
	if (e->sess->verify && payload_sum(e->rbuf + MSG_HEADER, h->len) != h->checksum)
		return msg_fail(e, "%s %llu: payload checksum mismatch (corrupted in transit)", type_name(type),
				(unsigned long long)h->seq);
	e->rx_seq++;
	return 0;
}

/* ---- the peer's health, for error messages ---- */

void msg_peer_status(struct msg_end *e, char *buf, size_t len)
{
	struct msg_sess *s = e->sess;
	siginfo_t si;

	buf[0] = '\0';
	if (e->is_peer)
		return;
	if (__atomic_load_n(&s->sh->peer_failed, __ATOMIC_ACQUIRE)) {
		snprintf(buf, len, "the peer failed: %s", s->sh->peer_why);
		return;
	}
	if (!s->process || !s->peer_started)
		return;
	memset(&si, 0, sizeof(si));
	/* WNOWAIT: look without reaping; ipcb_peer_wait reaps it */
	if (waitid(P_PID, (id_t)s->proc.pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid != s->proc.pid)
		return;
	if (si.si_code == CLD_EXITED)
		snprintf(buf, len, "the peer process %d exited with status %d", s->proc.pid, si.si_status);
	else
		snprintf(buf, len, "the peer process %d was killed by signal %d (%s)", s->proc.pid, si.si_status,
			 strsignal(si.si_status));
}

/*
 * Put what failed in context: which message, what the channel said and
 * how the peer is. A peer process that closed the channel or stopped
 * answering may be exiting still: give it a moment to say how it ended.
 */
static int fail_at(struct msg_end *e, int rc, const char *what, uint64_t n)
{
	char said[IPCB_WHY_LEN], status[IPCB_WHY_LEN], out[3 * IPCB_WHY_LEN];
	int tries, repeated;

	if (rc == MSG_EOF)
		msg_fail(e, "the peer closed the channel");
	snprintf(said, sizeof(said), "%s", e->why);
	msg_peer_status(e, status, sizeof(status));
	for (tries = 0; !status[0] && e->sess->process && tries < 10; tries++) {
		usleep(10000);
		msg_peer_status(e, status, sizeof(status));
	}
	repeated = !status[0] || strstr(said, status);
	snprintf(out, sizeof(out), "%s %llu: %s%s%s", what, (unsigned long long)n, said, repeated ? "" : "; ",
		 repeated ? "" : status);
	return msg_fail(e, "%.*s", (int)sizeof(e->why) - 1, out);
}

/* ---- what the measurement keeps besides the median ---- */

static inline void oneway_add(struct msg_record *rec, uint64_t recv_tsc, uint64_t send_tsc)
{
	double ns;

	if (!rec || !rec->oneway || rec->oneway_n >= MSG_ONEWAY_MAX)
		return;
	if (recv_tsc < send_tsc) {
		rec->oneway_negative++;
		return;
	}
	ns = ipcb_ticks_to_ns(recv_tsc - send_tsc);
	rec->oneway[rec->oneway_n++] = ns > 4e9 ? UINT32_MAX : (uint32_t)ns;
}

/* Calibration runs short batches first; keep only the largest batch size seen. */
static void rate_add(struct msg_record *rec, uint64_t iters, uint64_t ticks)
{
	if (!rec || iters < 2)
		return;
	if (iters > rec->rate_iters) {
		rec->rate_iters = iters;
		rec->rate_msgs = rec->rate_ticks = 0;
	}
	if (iters == rec->rate_iters) {
		rec->rate_msgs += iters - 1;
		rec->rate_ticks += ticks;
	}
}

/* ---- the exchanges: measuring side ---- */

static int pingpong_run(struct msg_sess *s, struct ipcb_ctx *ctx, uint64_t iters, struct msg_record *rec)
{
	const struct msg_chan *c = s->chan;
	struct msg_end *e = &s->me;
	uint64_t i;
	int rc;

	for (i = 0; i < iters; i++) {
		uint64_t t = 0;

		msg_fill(e, MSG_REQUEST, s->size);
		rc = c->send(e, e->sbuf, s->size);
		if (rc)
			return fail_at(e, rc, "request", e->tx_seq);
		rc = c->recv(e, e->rbuf, s->size);
		if (rc)
			return fail_at(e, rc, "reply", e->tx_seq);
		progress(e);
		if (ipcb_lap_on(ctx))
			t = ipcb_ticks();
		if (msg_accept(e, MSG_REPLY, s->size))
			return fail_at(e, 0, "reply", e->tx_seq);
		if (t)
			oneway_add(rec, t, ((struct msg_header *)e->rbuf)->send_tsc);
		ipcb_lap(ctx);
	}
	return 0;
}

static int take_ack(struct msg_sess *s)
{
	struct msg_end *e = &s->me;
	const struct msg_header *h = (const struct msg_header *)e->rbuf;
	int rc = s->chan->recv(e, e->rbuf, MSG_HEADER);

	if (rc || msg_accept(e, MSG_ACK, MSG_HEADER))
		return fail_at(e, rc, "acknowledgement", e->rx_seq + 1);
	if (h->acked <= e->acked || h->acked > e->tx_seq) {
		msg_fail(e, "it acknowledges %llu messages; %llu were sent, %llu acknowledged before",
			 (unsigned long long)h->acked, (unsigned long long)e->tx_seq, (unsigned long long)e->acked);
		return fail_at(e, 0, "acknowledgement", e->rx_seq);
	}
	e->acked = h->acked;
	progress(e);
	return 0;
}

/*
 * Messages still in flight when a sample ends are delivered during the
 * next; the window bounds how far the sender runs ahead.
 */
static int stream_run(struct msg_sess *s, uint64_t iters, struct msg_record *rec)
{
	struct msg_end *e = &s->me;
	uint64_t i, first = 0;
	int rc;

	for (i = 0; i < iters; i++) {
		struct msg_header *h;

		while (e->tx_seq - e->acked >= s->window)
			if (take_ack(s))
				return -1;
		h = msg_fill(e, MSG_DATA, s->size);
		if (i == 0)
			first = h->send_tsc;
		else if (i == iters - 1)
			rate_add(rec, iters, h->send_tsc - first);
		rc = s->chan->send(e, e->sbuf, s->size);
		if (rc)
			return fail_at(e, rc, "message", e->tx_seq);
		progress(e);
	}
	return 0;
}

/* Before closing: take every acknowledgement the receiver will send, so none hits a closed socket. */
static int stream_drain(struct msg_sess *s)
{
	struct msg_end *e = &s->me;
	uint64_t last = e->tx_seq - e->tx_seq % s->ack_every;

	while (e->acked < last)
		if (take_ack(s))
			return -1;
	return 0;
}

/* ---- the peer ---- */

/* Count what the peer accepted; the checks inject a peer's death or hang here. */
static void peer_accepted(struct msg_sess *s, struct msg_end *e)
{
	struct msg_shared *sh = s->sh;

	__atomic_store_n(&sh->peer_received, e->rx_seq, __ATOMIC_RELAXED);
	if (sh->fault != MSG_FAULT_NONE && e->rx_seq == sh->fault_after)
		raise(sh->fault == MSG_FAULT_DIE ? SIGKILL : SIGSTOP);
}

static int peer_pingpong(struct msg_sess *s)
{
	struct msg_end *e = &s->peer;
	int rc;

	for (;;) {
		rc = s->chan->recv(e, e->rbuf, s->size);
		if (rc == MSG_EOF)
			return 0;
		if (rc || msg_accept(e, MSG_REQUEST, s->size))
			return -1;
		peer_accepted(s, e);
		msg_fill(e, MSG_REPLY, s->size);
		if (s->chan->send(e, e->sbuf, s->size))
			return -1;
	}
}

static int peer_stream(struct msg_sess *s)
{
	struct msg_end *e = &s->peer;
	int rc;

	for (;;) {
		rc = s->chan->recv(e, e->rbuf, s->size);
		if (rc == MSG_EOF)
			return 0;
		if (rc || msg_accept(e, MSG_DATA, s->size))
			return -1;
		peer_accepted(s, e);
		if (e->rx_seq % s->ack_every)
			continue;
		((struct msg_header *)e->sbuf)->acked = e->rx_seq;
		msg_fill(e, MSG_ACK, MSG_HEADER);
		if (s->chan->send(e, e->sbuf, MSG_HEADER))
			return -1;
	}
}

/* The report goes out before the close, so the measuring end's error can name it. */
static int peer_run(struct msg_sess *s)
{
	struct msg_end *e = &s->peer;
	int rc = 0;

	if (s->process)
		s->chan->drop(&s->me);
	if (s->chan->attach)
		rc = s->chan->attach(e);
	if (rc == 0)
		rc = s->measure == MSG_PINGPONG ? peer_pingpong(s) : peer_stream(s);
	if (rc) {
		snprintf(s->sh->peer_why, sizeof(s->sh->peer_why), "%s", e->why);
		__atomic_store_n(&s->sh->peer_failed, 1, __ATOMIC_RELEASE);
	}
	s->chan->close(e);
	return rc ? 1 : 0;
}

static void *peer_thread(void *arg)
{
	return (void *)(intptr_t)peer_run(arg);
}

static int peer_process(void *arg)
{
	return peer_run(arg);
}

/* ---- a session: a channel, its two ends and the peer ---- */

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

static int end_buffers(struct msg_end *e, size_t size)
{
	size_t n = (size + 63) / 64 * 64;

	e->sbuf = aligned_alloc(64, n);
	e->rbuf = aligned_alloc(64, n);
	if (!e->sbuf || !e->rbuf)
		return -1;
	memset(e->rbuf, 0, n);
	payload_fill(e->sbuf, n, 0);
	return 0;
}

static void sess_free(struct msg_sess *s)
{
	free(s->me.sbuf);
	free(s->me.rbuf);
	free(s->peer.sbuf);
	free(s->peer.rbuf);
	if (s->sh)
		munmap(s->sh, s->sh_len);
	sigaction(SIGPIPE, &s->old_sigpipe, NULL);
	free(s);
}

/* The session's memory, before any channel exists; NULL with why. */
static struct msg_sess *sess_alloc(const struct msg_cfg *cfg, char *why, size_t len)
{
	const struct msg_chan *c = cfg->chan;
	struct msg_sess *s = calloc(1, sizeof(*s));
	struct sigaction ign = { .sa_handler = SIG_IGN };
	size_t head;

	if (!s) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	s->chan = c;
	s->measure = cfg->measure;
	s->process = cfg->process;
	s->verify = cfg->verify;
	s->size = cfg->size;
	s->window = cfg->window;
	s->ack_every = cfg->window / 2 ? cfg->window / 2 : 1;
	s->timeout_ns = cfg->timeout_ns;
	s->me.sess = s->peer.sess = s;
	s->peer.is_peer = 1;
	s->me.fd[0] = s->me.fd[1] = s->peer.fd[0] = s->peer.fd[1] = -1;
	/* a write to a closed pipe or socket must return EPIPE, not kill the run */
	sigaction(SIGPIPE, &ign, &s->old_sigpipe);
	head = page_round(sizeof(struct msg_shared));
	s->sh_len = head + page_round(c->shared_bytes ? c->shared_bytes(s) : 0);
	s->sh = mmap(NULL, s->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->sh == MAP_FAILED) {
		s->sh = NULL;
		snprintf(why, len, "mmap(MAP_SHARED, %zu bytes): %s", s->sh_len, strerror(errno));
		sess_free(s);
		return NULL;
	}
	s->sh->chan_off = head;
	if (end_buffers(&s->me, s->size) || end_buffers(&s->peer, s->size)) {
		snprintf(why, len, "out of memory for %zu-byte messages", s->size);
		sess_free(s);
		return NULL;
	}
	return s;
}

/*
 * Ends the conversation and waits for the peer. 0 if the peer ended
 * cleanly, else -1 with why. *received: the messages the peer accepted.
 */
int msg_sess_close(struct ipcb_ctx *ctx, struct msg_sess *s, uint64_t *received, char *why, size_t len)
{
	int rc = 0;

	ipcb_watchdog_stop(&s->me.watch);
	s->chan->close(&s->me);
	if (!s->peer_started) {
		s->chan->close(&s->peer);
	} else if (ipcb_peer_wait(ctx, &s->proc, (int)(s->timeout_ns / 1000000))) {
		rc = -1;
		snprintf(why, len, "%s", ctx->why);
		if (!s->process)
			return rc; /* a thread left running still uses the session: leave it be */
	}
	if (s->sh->peer_failed) {
		rc = -1;
		snprintf(why, len, "the peer failed: %s", s->sh->peer_why);
	}
	if (received)
		*received = s->sh->peer_received;
	sess_free(s);
	return rc;
}

/* unfit (may be NULL): set when the channel cannot carry this size here */
struct msg_sess *msg_sess_open(struct ipcb_ctx *ctx, const struct msg_cfg *cfg, int *unfit, char *why,
			       size_t len)
{
	struct msg_sess *s = sess_alloc(cfg, why, len);
	int rc;

	if (!s)
		return NULL;
	rc = s->chan->open(s, why, len);
	if (rc) {
		if (unfit)
			*unfit = rc > 0;
		sess_free(s);
		return NULL;
	}
	if (s->process)
		rc = ipcb_peer_fork(ctx, &s->proc, peer_process, s);
	else
		rc = ipcb_peer_thread(ctx, &s->proc, peer_thread, s);
	if (rc) {
		snprintf(why, len, "%s", ctx->why);
		msg_sess_close(ctx, s, NULL, why, 0);
		return NULL;
	}
	s->peer_started = 1;
	if (s->process)
		s->chan->drop(&s->peer);
	if ((s->chan->attach && s->chan->attach(&s->me)) || (!s->chan->own_watchdog && watch_make(ctx, &s->me))) {
		snprintf(why, len, "%s", s->me.why);
		msg_sess_close(ctx, s, NULL, why, 0);
		return NULL;
	}
	return s;
}

static void run_begin(struct msg_sess *s)
{
	watch_begin(&s->me);
	if (s->chan->begin)
		s->chan->begin(&s->me);
}

int msg_sess_run(struct msg_sess *s, struct ipcb_ctx *ctx, uint64_t iters, struct msg_record *rec)
{
	run_begin(s);
	return s->measure == MSG_PINGPONG ? pingpong_run(s, ctx, iters, rec) : stream_run(s, iters, rec);
}

int msg_sess_drain(struct msg_sess *s)
{
	if (s->measure != MSG_STREAM)
		return 0;
	run_begin(s);
	return stream_drain(s);
}

/* The verifier itself: it must reject what it is there to catch. */
int msg_format_check(char *why, size_t len)
{
	unsigned char buf[256] __attribute__((aligned(64)));
	struct msg_sess s = { .verify = 1, .size = sizeof(buf) };
	struct msg_end e = { .sess = &s, .sbuf = buf, .rbuf = buf };

	const char *wrong = NULL;

	msg_fill(&e, MSG_DATA, sizeof(buf));
	buf[100] ^= 1;
	if (!msg_accept(&e, MSG_DATA, sizeof(buf)))
		wrong = "a corrupted payload passed the checksum";
	buf[100] ^= 1;
	if (!wrong && msg_accept(&e, MSG_DATA, sizeof(buf)))
		wrong = "an intact message was rejected";
	if (!wrong && !msg_accept(&e, MSG_DATA, sizeof(buf)))
		wrong = "a message delivered twice passed the sequence check";
	if (wrong)
		snprintf(why, len, "%s", wrong);
	return wrong ? -1 : 0;
}
