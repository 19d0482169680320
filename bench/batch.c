// SPDX-License-Identifier: MIT
/*
 * batch.c - what one system call costs when calls are batched.
 *
 * One operation is one call: a getpid, a write of `size` bytes (64 by
 * default) or a no-op, however it reaches the kernel:
 *   direct   one syscall per call (the reference; nothing to batch)
 *   writev   `batch` writes coalesced into one writev of `batch` iovecs
 *   kmod     `batch` entries run in one ioctl by the ipcbench module (kmod/),
 *            from the mmap'ed shared table or copied in entry by entry
 *   uring    `batch` SQEs submitted and waited for with one io_uring_enter
 *   sqpoll   io_uring with a kernel thread polling the ring: no syscall at
 *            all while it is awake (the exception-less design)
 * A body of iters calls makes iters/batch submissions of `batch` calls and
 * one of the remainder, so a figure includes 1/batch of a submission's fixed
 * cost: sweeping batch shows where batching starts to pay. Every call's
 * result is checked, as a real program would have to.
 *
 * Writes go to /dev/null (target=devnull: the call without the data's cost)
 * or to a 1 MiB pipe (target=pipe) that a peer thread drains with blocking
 * reads, started in setup and ended by EOF in teardown. The drainer is pinned
 * to the peer CPU: for the one-thread benchmarks the writer's own, so the
 * writer is interrupted only when the pipe fills or the scheduler gives the
 * drainer its turn. A drainer on another CPU is woken by nearly every write
 * instead, and on a VM whose idle vCPUs halt, that wake-up (an IPI to a
 * halted vCPU) nearly doubled write-direct's figure (400 -> 700 ns here).
 * write-uring-sqpoll has two CPUs: the drainer shares the poller's.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipcbench.h"
#include "ipcbench_explain.h"
#include "kmod_client.h"
#include "../kmod/ipcbench_uapi.h"

#define KMOD_DEV "/dev/ipcbench"
#define KMOD_HOWTO "build and load it with `make -C kmod && sudo insmod kmod/ipcbench.ko`"
#define DRAIN_BUF (1 << 20)
#define PIPE_BYTES (1 << 20) /* pipe-max-size's default: fewer waits for the drainer */
#define CHECK_CALLS 16
#define SQPOLL_IDLE_MS 100
#define SPINS_PER_CLOCK_READ 4096
#define MAX_SIZE 65536

enum batch_call { CALL_NOP, CALL_GETPID, CALL_WRITE };
enum batch_target { TARGET_DEVNULL, TARGET_PIPE };
enum batch_table { TABLE_SHARED, TABLE_COPY };

/* The pipe target's reader: reads until EOF. */
struct drainer {
	struct ipcb_peer peer;
	int rfd;
	int started;
	char *buf;
};

struct batch_state {
	const struct batch_kind *kind;
	unsigned int batch; /* calls per submission; UINT_MAX: the method does not batch */
	size_t size;	    /* bytes per write */
	int64_t expect;	    /* every call's result: 0, the pid or size */
	int fd;		    /* where writes go */
	char *buf;	    /* what they write */
	struct drainer drain;
	struct iovec *iov; /* writev */
	struct io_uring ring;
	int have_ring;
	int kfd; /* /dev/ipcbench */
	int shared;
	struct ipcb_entry *table;
	struct ipcb_batch req;
};

/* How calls reach the kernel: one set of functions per mechanism. */
struct batch_method {
	int batches; /* takes the batch parameter */
	int (*open)(struct ipcb_ctx *ctx, struct batch_state *s);
	/* make n calls (n <= batch) and check their results; 0, or -1 after ipcb_abort() */
	int (*submit)(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int n);
	void (*close)(struct batch_state *s);
};

struct batch_kind {
	const char *id;
	enum batch_call call;
	const struct batch_method *method;
};

/* ---- the write target ---- */

static void *drain_main(void *arg)
{
	struct drainer *d = arg;
	ssize_t n;

	/* the only way out is EOF (teardown closed the write end) */
	while ((n = read(d->rfd, d->buf, DRAIN_BUF)) != 0)
		if (n < 0 && errno != EINTR)
			break;
	return NULL;
}

static int pipe_target_open(struct ipcb_ctx *ctx, struct batch_state *s)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return ipcb_skip(ctx, "pipe2: %s", strerror(errno));
	s->fd = p[1];
	s->drain.rfd = p[0];
	if (fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES) < 0)
		ipcb_note(ctx, "F_SETPIPE_SZ(%d): %s: the pipe keeps its default size, the writer waits more often",
			  PIPE_BYTES, strerror(errno));
	s->drain.buf = malloc(DRAIN_BUF);
	if (!s->drain.buf)
		return ipcb_skip(ctx, "out of memory for the drain buffer");
	if (ipcb_peer_thread(ctx, &s->drain.peer, drain_main, &s->drain))
		return -1;
	s->drain.started = 1;
	ipcb_note(ctx, "target=pipe: a thread pinned to CPU %d drains the pipe with blocking reads of up to %d bytes",
		  ctx->cpus[1], DRAIN_BUF);
	return 0;
}

static int target_open(struct ipcb_ctx *ctx, struct batch_state *s)
{
	if (ipcb_param(ctx, "target") == TARGET_PIPE)
		return pipe_target_open(ctx, s);
	s->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (s->fd < 0)
		return ipcb_skip(ctx, "/dev/null: %s", strerror(errno));
	return 0;
}

/* Close the write end, then wait (bounded) for the drainer to see EOF. */
static void target_close(struct ipcb_ctx *ctx, struct batch_state *s)
{
	char why[IPCB_WHY_LEN];

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->drain.started && ipcb_peer_wait(ctx, &s->drain.peer, (int)(ctx->timeout_ns / 1000000))) {
		/* left detached, still reading rfd into buf: both stay its own */
		memcpy(why, ctx->why, sizeof(why));
		ipcb_abort(ctx, "pipe drainer: %s", why);
		return;
	}
	if (s->drain.rfd >= 0)
		close(s->drain.rfd);
	free(s->drain.buf);
}

/* ---- direct: one syscall per call ---- */

static int direct_submit(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int n)
{
	unsigned int i;
	long r;

	for (i = 0; i < n; i++) {
		if (s->kind->call == CALL_GETPID)
			r = syscall(SYS_getpid);
		else
			r = write(s->fd, s->buf, s->size);
		if (r != s->expect)
			return ipcb_abort(ctx, "call returned %ld (%s), expected %lld", r, r < 0 ? strerror(errno) : "short",
					  (long long)s->expect);
	}
	return 0;
}

/* ---- writev: a batch of writes coalesced into one call ---- */

static int writev_open(struct ipcb_ctx *ctx, struct batch_state *s)
{
	unsigned int i;

	s->iov = calloc(s->batch, sizeof(*s->iov));
	if (!s->iov)
		return ipcb_skip(ctx, "out of memory for %u iovecs", s->batch);
	for (i = 0; i < s->batch; i++) {
		s->iov[i].iov_base = s->buf;
		s->iov[i].iov_len = s->size;
	}
	return 0;
}

static int writev_submit(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int n)
{
	ssize_t r = writev(s->fd, s->iov, (int)n);

	if (r != (ssize_t)(n * s->size))
		return ipcb_abort(ctx, "writev of %u x %zu bytes returned %zd (%s)", n, s->size, r,
				  r < 0 ? strerror(errno) : "short");
	return 0;
}

static void writev_close(struct batch_state *s)
{
	free(s->iov);
}

/* ---- kmod: a table of entries run in one ioctl ---- */

static int kmod_open_dev(char *why, size_t whylen)
{
	int fd = open(KMOD_DEV, O_RDWR | O_CLOEXEC);
	long v;

	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(why, whylen, "kernel module not loaded (%s: %s): %s", KMOD_DEV, strerror(errno),
				 KMOD_HOWTO);
		else if (errno == EACCES || errno == EPERM)
			snprintf(why, whylen, "%s: %s: the device is root-only: run as root (granting access: kmod/README.md)",
				 KMOD_DEV, strerror(errno));
		else
			snprintf(why, whylen, "%s: %s", KMOD_DEV, strerror(errno));
		return -1;
	}
	v = ioctl(fd, IPCB_IOC_VERSION);
	if (v != IPCB_ABI_VERSION) {
		snprintf(why, whylen, "%s speaks ABI %ld (errno %d), this ipcbench expects %d: rebuild and reload the module (make -C kmod; sudo rmmod ipcbench; sudo insmod kmod/ipcbench.ko)",
			 KMOD_DEV, v, v < 0 ? errno : 0, IPCB_ABI_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

int ipcb_kmod_supported(const struct ipcb_ctx *ctx, char *why, size_t whylen)
{
	int fd = kmod_open_dev(why, whylen);

	(void)ctx;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int kmod_open(struct ipcb_ctx *ctx, struct batch_state *s)
{
	void *t;

	s->kfd = kmod_open_dev(ctx->why, sizeof(ctx->why));
	if (s->kfd < 0)
		return -1;
	s->shared = ipcb_param(ctx, "table") == TABLE_SHARED;
	s->req.flags = IPCB_BATCH_STOP_ON_ERROR;
	if (s->shared) {
		t = mmap(NULL, IPCB_SHARED_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, s->kfd, 0);
		if (t == MAP_FAILED)
			return ipcb_skip(ctx, "mmap of the shared table: %s", strerror(errno));
		s->table = t;
		s->req.flags |= IPCB_BATCH_SHARED;
		return 0;
	}
	s->table = calloc(s->batch, sizeof(*s->table));
	if (!s->table)
		return ipcb_skip(ctx, "out of memory for %u entries", s->batch);
	s->req.entries = (uintptr_t)s->table;
	return 0;
}

static const uint32_t kmod_ops[] = {
	[CALL_NOP] = IPCB_OP_NOP,
	[CALL_GETPID] = IPCB_OP_GETPID,
	[CALL_WRITE] = IPCB_OP_WRITE,
};

/* Record n calls, as a batching library does between batch_start() and batch_flush(). */
static void kmod_fill(struct batch_state *s, unsigned int n)
{
	uint32_t op = kmod_ops[s->kind->call];
	unsigned int i;

	for (i = 0; i < n; i++) {
		s->table[i].op = op;
		s->table[i].flags = 0;
		s->table[i].args[0] = (uint64_t)s->fd;
		s->table[i].args[1] = (uintptr_t)s->buf;
		s->table[i].args[2] = s->size;
	}
}

static int kmod_submit(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int n)
{
	unsigned int i;
	long r;

	kmod_fill(s, n);
	s->req.count = n;
	r = ioctl(s->kfd, IPCB_IOC_BATCH, &s->req);
	if (r != (long)n)
		return ipcb_abort(ctx, "IPCB_IOC_BATCH of %u entries returned %ld (%s)", n, r,
				  r < 0 ? strerror(errno) : "stopped early");
	for (i = 0; i < n; i++)
		if (s->table[i].ret != s->expect)
			return ipcb_abort(ctx, "entry %u of %u returned %lld, expected %lld", i, n,
					  (long long)s->table[i].ret, (long long)s->expect);
	return 0;
}

static void kmod_close(struct batch_state *s)
{
	if (s->shared && s->table)
		munmap(s->table, IPCB_SHARED_BYTES);
	else
		free(s->table);
	if (s->kfd >= 0)
		close(s->kfd);
}

/* ---- io_uring ---- */

static void uring_why(int err, char *why, size_t whylen)
{
	char v[16] = "";

	ipcb_read_text("/proc/sys/kernel/io_uring_disabled", v, sizeof(v));
	snprintf(why, whylen, "io_uring unavailable: io_uring_setup: %s%s%s%s", strerror(err),
		 v[0] ? " (kernel.io_uring_disabled = " : "", v, v[0] ? ")" : "");
}

static int uring_supported(const struct ipcb_ctx *ctx, char *why, size_t whylen)
{
	struct io_uring_probe *probe;
	struct io_uring ring;
	int err = io_uring_queue_init(2, &ring, 0), ok;

	(void)ctx;
	if (err) {
		uring_why(-err, why, whylen);
		return -1;
	}
	probe = io_uring_get_probe_ring(&ring);
	ok = probe && io_uring_opcode_supported(probe, IORING_OP_WRITE);
	if (probe)
		io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
	if (!ok)
		snprintf(why, whylen, "io_uring has no IORING_OP_WRITE (Linux < 5.6)");
	return ok ? 0 : -1;
}

static unsigned int ring_entries(unsigned int batch)
{
	unsigned int n = 1;

	while (n < batch)
		n <<= 1;
	return n;
}

/* A busy-wait bounded by ctx->timeout_ns; the clock is read once every so many spins. */
struct spin_bound {
	unsigned int spins;
	uint64_t deadline;
};

static int spin_expired(struct ipcb_ctx *ctx, struct spin_bound *b)
{
	if (++b->spins % SPINS_PER_CLOCK_READ)
		return 0;
	if (!b->deadline)
		b->deadline = ipcb_now_ns() + ctx->timeout_ns;
	return ipcb_now_ns() > b->deadline;
}

static int uring_open(struct ipcb_ctx *ctx, struct batch_state *s)
{
	int err = io_uring_queue_init(ring_entries(s->batch), &s->ring, 0);

	if (err)
		return ipcb_skip(ctx, "io_uring_queue_init(%u): %s", ring_entries(s->batch), strerror(-err));
	s->have_ring = 1;
	return 0;
}

static int sqpoll_open(struct ipcb_ctx *ctx, struct batch_state *s)
{
	struct io_uring_params p;
	int err;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
	p.sq_thread_cpu = (unsigned int)ctx->cpus[1];
	p.sq_thread_idle = SQPOLL_IDLE_MS;
	/* twice the batch: the poller frees SQ slots only when it commits its head, after completing */
	err = io_uring_queue_init_params(ring_entries(2 * s->batch), &s->ring, &p);
	if (err)
		return ipcb_skip(ctx, "SQPOLL ring refused: io_uring_setup(IORING_SETUP_SQPOLL|SQ_AFF, CPU %d): %s (errno %d)%s",
				 ctx->cpus[1], strerror(-err), -err,
				 err == -EPERM ? "; before Linux 5.11 SQPOLL needs CAP_SYS_ADMIN, or io_uring is restricted here" :
						 "");
	s->have_ring = 1;
	ipcb_note(ctx, "the SQ polling kernel thread runs on CPU %d, the submitter on CPU %d and busy-polls the CQ ring",
		  ctx->cpus[1], ctx->cpus[0]);
	return 0;
}

static int uring_queue(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int n)
{
	struct spin_bound bound = { 0, 0 };
	struct io_uring_sqe *sqe;
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* only under SQPOLL can the ring be full here: wait for the poller to free slots */
		while (!(sqe = io_uring_get_sqe(&s->ring)))
			if (spin_expired(ctx, &bound))
				return ipcb_abort(ctx, "io_uring: no free SQE for call %u of %u after %.1f s", i, n,
						  ctx->timeout_ns / 1e9);
		if (s->kind->call == CALL_NOP)
			io_uring_prep_nop(sqe);
		else
			io_uring_prep_write(sqe, s->fd, s->buf, (unsigned int)s->size, (uint64_t)-1);
	}
	return 0;
}

/* Take what completed; 0, or -1 after ipcb_abort() on a wrong result. */
static int uring_reap(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int *done)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;
	int bad = 0, res = 0;

	io_uring_for_each_cqe(&s->ring, head, cqe) {
		if (cqe->res != s->expect && !bad++)
			res = cqe->res;
		seen++;
	}
	io_uring_cq_advance(&s->ring, seen);
	*done += seen;
	if (bad)
		return ipcb_abort(ctx, "io_uring: %d completions wrong, e.g. res %d (%s), expected %lld", bad, res,
				  res < 0 ? strerror(-res) : "short", (long long)s->expect);
	return 0;
}

static int uring_submit(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int n)
{
	struct io_uring_cqe *cqe;
	unsigned int done = 0;
	int r;

	if (uring_queue(ctx, s, n))
		return -1;
	r = io_uring_submit_and_wait(&s->ring, n);
	if (r != (int)n)
		return ipcb_abort(ctx, "io_uring_submit_and_wait(%u): %d (%s)", n, r, r < 0 ? strerror(-r) : "short");
	for (;;) {
		if (uring_reap(ctx, s, &done))
			return -1;
		if (done >= n)
			return 0;
		/* woken early (a signal): the rest is still coming */
		r = io_uring_wait_cqe(&s->ring, &cqe);
		if (r && r != -EINTR)
			return ipcb_abort(ctx, "io_uring_wait_cqe: %s", strerror(-r));
	}
}

/* Exception-less: the kernel thread takes the SQEs; we spin on the CQ ring, bounded. */
static int sqpoll_submit(struct ipcb_ctx *ctx, struct batch_state *s, unsigned int n)
{
	struct spin_bound bound = { 0, 0 };
	unsigned int done = 0;
	int r;

	if (uring_queue(ctx, s, n))
		return -1;
	/* publishes the tail; enters the kernel only to wake a poller gone idle */
	r = io_uring_submit(&s->ring);
	if (r < 0)
		return ipcb_abort(ctx, "io_uring_submit (SQPOLL): %s", strerror(-r));
	for (;;) {
		if (uring_reap(ctx, s, &done))
			return -1;
		if (done >= n)
			return 0;
		if (spin_expired(ctx, &bound))
			return ipcb_abort(ctx, "SQPOLL: %u of %u completions after %.1f s", done, n,
					  ctx->timeout_ns / 1e9);
	}
}

static void uring_close(struct batch_state *s)
{
	if (s->have_ring)
		io_uring_queue_exit(&s->ring);
}

/* ---- the generic benchmark ---- */

static const struct batch_method direct_method = {
	.submit = direct_submit,
};
static const struct batch_method writev_method = {
	.batches = 1, .open = writev_open, .submit = writev_submit, .close = writev_close,
};
static const struct batch_method kmod_method = {
	.batches = 1, .open = kmod_open, .submit = kmod_submit, .close = kmod_close,
};
static const struct batch_method uring_method = {
	.batches = 1, .open = uring_open, .submit = uring_submit, .close = uring_close,
};
static const struct batch_method sqpoll_method = {
	.batches = 1, .open = sqpoll_open, .submit = sqpoll_submit, .close = uring_close,
};

static const struct batch_kind batch_kinds[] = {
	{ "batch/getpid-direct", CALL_GETPID, &direct_method },
	{ "batch/getpid-kmod", CALL_GETPID, &kmod_method },
	{ "batch/nop-kmod", CALL_NOP, &kmod_method },
	{ "batch/nop-uring", CALL_NOP, &uring_method },
	{ "batch/write-direct", CALL_WRITE, &direct_method },
	{ "batch/write-writev", CALL_WRITE, &writev_method },
	{ "batch/write-kmod", CALL_WRITE, &kmod_method },
	{ "batch/write-uring", CALL_WRITE, &uring_method },
	{ "batch/write-uring-sqpoll", CALL_WRITE, &sqpoll_method },
};

static const struct batch_kind *kind_of(const struct ipcb_bench *b)
{
	size_t i;

	for (i = 0; i < sizeof(batch_kinds) / sizeof(batch_kinds[0]); i++)
		if (strcmp(batch_kinds[i].id, b->id) == 0)
			return &batch_kinds[i];
	return NULL;
}

static int batch_params(struct ipcb_ctx *ctx, struct batch_state *s)
{
	int64_t batch = ipcb_param(ctx, "batch"), size = ipcb_param(ctx, "size");

	/* batch and size are within their declared ranges: planning refuses others */
	s->batch = s->kind->method->batches ? (unsigned int)batch : UINT_MAX;
	if (s->kind->call != CALL_WRITE)
		return 0;
	/* atomic pipe writes: all or nothing, never a short write to resubmit (io_uring would) */
	if (ipcb_param(ctx, "target") == TARGET_PIPE && size > PIPE_BUF)
		return ipcb_skip(ctx, "size=%lld with target=pipe: at most PIPE_BUF (%d), so every write is atomic",
				 (long long)size, PIPE_BUF);
	s->size = (size_t)size;
	return 0;
}

static void batch_teardown(struct ipcb_ctx *ctx)
{
	struct batch_state *s = ctx->state;

	if (!s)
		return;
	if (s->kind->method->close)
		s->kind->method->close(s);
	target_close(ctx, s);
	free(s->buf);
	free(s);
	ctx->state = NULL;
}

static int batch_setup(struct ipcb_ctx *ctx)
{
	struct batch_state *s = calloc(1, sizeof(*s));

	if (!s)
		return ipcb_skip(ctx, "out of memory");
	ctx->state = s;
	s->fd = s->kfd = s->drain.rfd = -1;
	s->kind = kind_of(ctx->bench);
	if (!s->kind) {
		ipcb_skip(ctx, "%s: not in batch_kinds", ctx->bench->id);
		free(s);
		ctx->state = NULL;
		return -1;
	}
	if (batch_params(ctx, s))
		goto fail;
	if (s->kind->call == CALL_WRITE) {
		s->buf = aligned_alloc(64, (s->size + 63) & ~(size_t)63);
		if (!s->buf || target_open(ctx, s))
			goto fail;
		memset(s->buf, 'x', s->size);
	}
	s->expect = s->kind->call == CALL_GETPID ? getpid() : s->kind->call == CALL_WRITE ? (int64_t)s->size : 0;
	if (s->kind->method->open && s->kind->method->open(ctx, s))
		goto fail;
	return 0;
fail:
	if (!ctx->why[0])
		ipcb_skip(ctx, "out of memory");
	batch_teardown(ctx);
	return -1;
}

static void batch_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	struct batch_state *s = ctx->state;
	int (*submit)(struct ipcb_ctx *, struct batch_state *, unsigned int) = s->kind->method->submit;
	unsigned int n;

	while (iters && !ctx->aborted) {
		n = iters < s->batch ? (unsigned int)iters : s->batch;
		if (submit(ctx, s, n))
			return;
		iters -= n;
	}
}

/* ---- checks: does the mechanism make the calls it claims ---- */

/* Two whole batches and a remainder: the body's own accounting is part of the check. */
static uint64_t check_calls(const struct batch_state *s, uint64_t cap)
{
	uint64_t n = s->kind->method->batches ? 2 * (uint64_t)s->batch + 1 : CHECK_CALLS;

	n = n < cap ? n : cap;
	return n ? n : 1;
}

/* Read a non-blocking pipe dry; the byte count. */
static size_t read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len && (r = read(fd, buf + got, len - got)) > 0)
		got += (size_t)r;
	return got;
}

/*
 * Run the body itself into a private pipe and read back exactly what it
 * wrote: calls x size bytes, every write's bytes intact. The pipe is at most
 * half filled, so a non-blocking write never finds it full.
 */
static int check_writes(struct ipcb_ctx *ctx, struct batch_state *s)
{
	int p[2], saved = s->fd, rc = -1, cap;
	uint64_t n, i;
	char *back = NULL;
	size_t got;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return ipcb_fail(ctx, "check: pipe2: %s", strerror(errno));
	fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES);
	cap = fcntl(p[1], F_GETPIPE_SZ);
	n = check_calls(s, cap > 0 ? (uint64_t)cap / 2 / s->size : 1);
	back = malloc(n * s->size + 1);
	if (!back) {
		ipcb_fail(ctx, "check: out of memory");
		goto out;
	}
	for (i = 0; i < s->size; i++)
		s->buf[i] = (char)('a' + i % 26);
	s->fd = p[1];
	batch_body(ctx, n);
	if (ctx->aborted)
		goto out;
	got = read_all(p[0], back, n * s->size + 1);
	if (got != n * s->size) {
		ipcb_fail(ctx, "check: %llu writes of %zu bytes put %zu bytes into the pipe", (unsigned long long)n,
			  s->size, got);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (memcmp(back + i * s->size, s->buf, s->size)) {
			ipcb_fail(ctx, "check: write %llu of %llu put the wrong bytes into the pipe",
				  (unsigned long long)i, (unsigned long long)n);
			goto out;
		}
	rc = 0;
out:
	s->fd = saved;
	memset(s->buf, 'x', s->size);
	close(p[0]);
	close(p[1]);
	free(back);
	return rc;
}

/*
 * The module's contract from the caller's side: per-entry errors do not stop
 * the batch unless asked, and a malformed request is refused whole.
 */
enum kmod_case_fd { FD_NONE, FD_BAD, FD_RDONLY };

struct kmod_case {
	const char *what;
	uint32_t op, flags;
	enum kmod_case_fd fd;
	int want_pid; /* else want */
	int64_t want;
};

static const struct kmod_case kmod_cases[] = {
	{ "getpid", IPCB_OP_GETPID, 0, FD_NONE, 1, 0 },
	{ "write to a bad fd", IPCB_OP_WRITE, 0, FD_BAD, 0, -EBADF },
	{ "an unknown op", IPCB_OP_COUNT, 0, FD_NONE, 0, -EOPNOTSUPP },
	{ "an entry with flags set", IPCB_OP_NOP, 1, FD_NONE, 0, -EINVAL },
	{ "write to a read-only fd", IPCB_OP_WRITE, 0, FD_RDONLY, 0, -EBADF },
	{ "nop", IPCB_OP_NOP, 0, FD_NONE, 0, 0 },
};

#define NCASES (sizeof(kmod_cases) / sizeof(kmod_cases[0]))

static int kmod_run(struct batch_state *s, struct ipcb_entry *e, unsigned int n, uint32_t flags)
{
	struct ipcb_batch b = { .entries = (uintptr_t)e, .count = n, .flags = flags };

	return ioctl(s->kfd, IPCB_IOC_BATCH, &b);
}

static int kmod_check_requests(struct ipcb_ctx *ctx, struct batch_state *s)
{
	struct ipcb_batch b = { .entries = 0, .count = 1, .flags = 0 };

	if (ioctl(s->kfd, IPCB_IOC_BATCH, &b) != -1 || errno != EFAULT)
		return ipcb_fail(ctx, "a NULL table: expected EFAULT, got errno %d", errno);
	b.count = IPCB_BATCH_MAX + 1;
	if (ioctl(s->kfd, IPCB_IOC_BATCH, &b) != -1 || errno != E2BIG)
		return ipcb_fail(ctx, "count %d: expected E2BIG, got errno %d", IPCB_BATCH_MAX + 1, errno);
	b.count = 0;
	b.flags = 1u << 31;
	if (ioctl(s->kfd, IPCB_IOC_BATCH, &b) != -1 || errno != EINVAL)
		return ipcb_fail(ctx, "unknown batch flags: expected EINVAL, got errno %d", errno);
	if (ioctl(s->kfd, _IO(IPCB_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY)
		return ipcb_fail(ctx, "an unknown ioctl: expected ENOTTY, got errno %d", errno);
	return 0;
}

static int kmod_check_semantics(struct ipcb_ctx *ctx, struct batch_state *s)
{
	struct ipcb_entry e[NCASES];
	int ro = open("/dev/null", O_RDONLY | O_CLOEXEC), r;
	unsigned int i;

	if (ro < 0)
		return ipcb_fail(ctx, "/dev/null: %s", strerror(errno));
	memset(e, 0, sizeof(e));
	for (i = 0; i < NCASES; i++) {
		e[i].op = kmod_cases[i].op;
		e[i].flags = kmod_cases[i].flags;
		e[i].args[0] = (uint64_t)(kmod_cases[i].fd == FD_RDONLY ? ro : kmod_cases[i].fd == FD_BAD ? -1 : 0);
		e[i].args[1] = (uintptr_t)"x";
		e[i].args[2] = 1;
		e[i].ret = INT64_MIN;
	}
	r = kmod_run(s, e, NCASES, 0);
	close(ro);
	if (r != (int)NCASES)
		return ipcb_fail(ctx, "a batch with failing entries ran %d of %zu (errno %d)", r, NCASES, errno);
	for (i = 0; i < NCASES; i++) {
		int64_t want = kmod_cases[i].want_pid ? getpid() : kmod_cases[i].want;

		if (e[i].ret != want)
			return ipcb_fail(ctx, "%s: ret %lld, expected %lld", kmod_cases[i].what, (long long)e[i].ret,
					 (long long)want);
	}
	/* stop on error: the entries after the bad fd do not run */
	e[2].ret = INT64_MIN;
	r = kmod_run(s, e, NCASES, IPCB_BATCH_STOP_ON_ERROR);
	if (r != 2 || e[2].ret != INT64_MIN)
		return ipcb_fail(ctx, "STOP_ON_ERROR: ran %d entries (expected 2), entry 2 ret %lld", r,
				 (long long)e[2].ret);
	return kmod_check_requests(ctx, s);
}

static int batch_check(struct ipcb_ctx *ctx)
{
	struct batch_state *s = ctx->state;

	if (s->kind->call == CALL_WRITE) {
		if (check_writes(ctx, s))
			return -1;
	} else {
		/* every submission checks each result: 0, or the pid */
		batch_body(ctx, check_calls(s, UINT64_MAX));
		if (ctx->aborted)
			return -1;
	}
	if (s->kind->call == CALL_GETPID && syscall(SYS_getpid) != getpid())
		return ipcb_fail(ctx, "syscall(SYS_getpid) = %ld, getpid() = %d", syscall(SYS_getpid), getpid());
	if (s->kind->method == &kmod_method)
		return kmod_check_semantics(ctx, s);
	return 0;
}

/* ---- modeswitch/ioctl-nop ---- */

int ipcb_kmod_nop_setup(struct ipcb_ctx *ctx)
{
	int *fd = malloc(sizeof(*fd));

	if (!fd)
		return ipcb_skip(ctx, "out of memory");
	*fd = kmod_open_dev(ctx->why, sizeof(ctx->why));
	if (*fd < 0) {
		free(fd);
		return -1;
	}
	ctx->state = fd;
	return 0;
}

void ipcb_kmod_nop_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	int fd = *(int *)ctx->state;

	while (iters--)
		if (ioctl(fd, IPCB_IOC_NOP)) {
			ipcb_abort(ctx, "ioctl(IPCB_IOC_NOP): %s", strerror(errno));
			return;
		}
}

int ipcb_kmod_nop_check(struct ipcb_ctx *ctx)
{
	int fd = *(int *)ctx->state;

	if (ioctl(fd, IPCB_IOC_NOP) != 0)
		return ipcb_fail(ctx, "ioctl(IPCB_IOC_NOP): %s", strerror(errno));
	if (ioctl(fd, _IO(IPCB_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY)
		return ipcb_fail(ctx, "an unknown ioctl number: expected ENOTTY, got errno %d", errno);
	return 0;
}

void ipcb_kmod_nop_teardown(struct ipcb_ctx *ctx)
{
	int *fd = ctx->state;

	if (!fd)
		return;
	close(*fd);
	free(fd);
	ctx->state = NULL;
}

/* ---- the table ---- */

static const char *const target_choices[] = { "devnull", "pipe", NULL };
static const char *const table_choices[] = { "shared", "copy", NULL };

#define BATCH_PARAM \
	{ .name = "batch", .def = 1, .what = "calls per submission", .min = 1, .max = IPCB_BATCH_MAX }
#define SIZE_PARAM \
	{ .name = "size", .def = 64, .what = "bytes per write (to a pipe at most 4096)", .min = 1, .max = MAX_SIZE }
#define TARGET_PARAM \
	{ .name = "target", .def = TARGET_DEVNULL, .what = "where writes go", .choices = target_choices }
#define TABLE_PARAM                                                                                  \
	{ .name = "table", .def = TABLE_SHARED, .what = "the mmap'ed shared table, or entries copied in", \
	  .choices = table_choices }

static const struct ipcb_param kmod_params[] = { BATCH_PARAM, TABLE_PARAM, { .name = NULL } };
static const struct ipcb_param uring_params[] = { BATCH_PARAM, { .name = NULL } };
static const struct ipcb_param write_direct_params[] = { TARGET_PARAM, SIZE_PARAM, { .name = NULL } };
static const struct ipcb_param write_batch_params[] = { BATCH_PARAM, TARGET_PARAM, SIZE_PARAM, { .name = NULL } };
static const struct ipcb_param write_kmod_params[] = { BATCH_PARAM, TARGET_PARAM, SIZE_PARAM, TABLE_PARAM,
							{ .name = NULL } };

#define BATCH_BENCH                                                                          \
	.unit_of_work = "call", .nthreads = 1, .setup = batch_setup, .body = batch_body, \
	.check = batch_check, .teardown = batch_teardown

static const struct ipcb_bench batch_benches[] = {
	{
		.id = "batch/getpid-direct",
		.what = "syscall(SYS_getpid), one per call: the reference the batched ones are read against",
		BATCH_BENCH,
		.note = "nothing to batch: every call pays a whole kernel entry and exit",
	},
	{
		.id = "batch/getpid-kmod",
		.what = "getpid entries run by /dev/ipcbench, `batch` per ioctl",
		BATCH_BENCH,
		.params = kmod_params,
		.supported = ipcb_kmod_supported,
		.note = "one kernel entry per batch, then per entry: the table read, the op switch, task_tgid_vnr",
	},
	{
		.id = "batch/nop-kmod",
		.what = "no-op entries run by /dev/ipcbench, `batch` per ioctl: the table walk's own cost",
		BATCH_BENCH,
		.params = kmod_params,
		.supported = ipcb_kmod_supported,
	},
	{
		.id = "batch/nop-uring",
		.what = "IORING_OP_NOP, `batch` per io_uring_enter: io_uring's own per-op floor",
		BATCH_BENCH,
		.params = uring_params,
		.supported = uring_supported,
		.note = "an SQE prepared, consumed, completed and reaped, with no work: what io_uring adds to any op",
	},
	{
		.id = "batch/write-direct",
		.what = "write(2) of `size` bytes, one per call",
		BATCH_BENCH,
		.params = write_direct_params,
		.note = "nothing to batch: every call pays a whole kernel entry, fdget and the file's write_iter",
	},
	{
		.id = "batch/write-writev",
		.what = "`batch` writes coalesced into one writev(2) of `batch` iovecs",
		BATCH_BENCH,
		.params = write_batch_params,
		.note = "what an application can do without any new mechanism, when the writes go to one fd",
	},
	{
		.id = "batch/write-kmod",
		.what = "write entries run by /dev/ipcbench, `batch` per ioctl (vfs_iter_write in the caller's context)",
		BATCH_BENCH,
		.params = write_kmod_params,
		.supported = ipcb_kmod_supported,
	},
	{
		.id = "batch/write-uring",
		.what = "IORING_OP_WRITE, `batch` SQEs per io_uring_enter (submit and wait)",
		BATCH_BENCH,
		.params = write_batch_params,
		.supported = uring_supported,
	},
	{
		.id = "batch/write-uring-sqpoll",
		.what = "IORING_OP_WRITE through an SQPOLL ring: a kernel thread on the peer CPU takes the SQEs",
		.unit_of_work = "call",
		.nthreads = 2,
		.busy_waits = 1,
		.setup = batch_setup,
		.body = batch_body,
		.check = batch_check,
		.teardown = batch_teardown,
		.params = write_batch_params,
		.supported = uring_supported,
		.note = "no syscall while the poller is awake, but a second CPU spent on polling, and the CQ is busy-polled",
	},
	{ .id = NULL },
};

/* ---- explain: from which batch size a batched path beats one syscall per call ---- */

struct crossover {
	const char *id;		/* the batched path */
	const char *reference;	/* the direct path it is read against */
	const char *filter;	/* params both share, e.g. the write target */
	const char *own;	/* params of the batched path only */
};

static const struct crossover crossovers[] = {
	{ "batch/nop-uring", "batch/getpid-direct", "", "" },
	{ "batch/getpid-kmod", "batch/getpid-direct", "", "table=shared" },
	{ "batch/getpid-kmod", "batch/getpid-direct", "", "table=copy" },
	{ "batch/write-writev", "batch/write-direct", "target=devnull", "" },
	{ "batch/write-writev", "batch/write-direct", "target=pipe", "" },
	{ "batch/write-uring", "batch/write-direct", "target=devnull", "" },
	{ "batch/write-uring", "batch/write-direct", "target=pipe", "" },
	{ "batch/write-kmod", "batch/write-direct", "target=devnull", "table=shared" },
	{ "batch/write-kmod", "batch/write-direct", "target=pipe", "table=shared" },
};

static void batch_explain(struct ipcb_results *rs)
{
	size_t i;

	for (i = 0; i < sizeof(crossovers) / sizeof(crossovers[0]); i++)
		ipcb_explain_crossover(rs, crossovers[i].id, crossovers[i].reference, NULL, "batch", crossovers[i].filter,
				       crossovers[i].own);
}

const struct ipcb_family ipcb_family_batch = {
	.name = "batch",
	.what = "batched system calls: direct vs writev vs a kernel-module table vs io_uring",
	.benches = batch_benches,
	.explain = batch_explain,
};
