// SPDX-License-Identifier: MIT
/*
 * msg_ring.c - shared-memory channels: one single-producer/single-consumer
 * byte ring per direction, in memory mapped MAP_SHARED|MAP_ANONYMOUS before
 * the fork (nothing in /dev/shm, nothing to leak).
 *
 * A message is copied into the ring by the sender and out of it by the
 * receiver, as a socket copies it into and out of the kernel, so the two
 * kinds compare like for like: what shared memory saves is the system calls
 * and the kernel's buffer management, not the copies. A message larger than
 * the ring streams through it in chunks.
 *
 * Waiting: shm-ring-futex sleeps in FUTEX_WAIT on the position it waits to
 * see move (head for data, tail for space) after announcing how many bytes
 * it waits for; the other side wakes it only once they are there. The
 * announcement and the position are each written then read across a full
 * fence on both sides (Dekker), so a wake-up is never lost. shm-ring-spin never sleeps: the
 * floor of a cross-core message, one cache-line transfer each way.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msg_chan.h"

/* Like a Unix socket's default buffer (net.core.wmem_default = 212992), rounded to a power of two. */
#define RING_CAP (256u * 1024)
/* Move at most this much at a time, so the reader copies out while the writer copies in. */
#define RING_CHUNK (64u * 1024)
#define CACHE_LINE 64
#define SPINS_PER_CHECK 1024

#define RING_CLOSED 2

struct msg_ring {
	uint32_t head __attribute__((aligned(CACHE_LINE))); /* bytes written; the reader's futex word */
	uint32_t reader_waiting; /* bytes the sleeping reader waits for, or 0 */
	uint32_t tail __attribute__((aligned(CACHE_LINE))); /* bytes read; the writer's futex word */
	uint32_t writer_waiting; /* bytes of space the sleeping writer waits for, or 0 */
	uint32_t closed __attribute__((aligned(CACHE_LINE)));
	uint32_t cap;
	int spin;
	int futex_flags;
	unsigned char *data;
};

static size_t ring_shared_bytes(const struct msg_sess *s)
{
	(void)s;
	return 2 * (sizeof(struct msg_ring) + RING_CAP);
}

static int ring_open(struct msg_sess *s, int spin)
{
	unsigned char *base = (unsigned char *)s->sh + s->sh->chan_off;
	struct msg_ring *r = (struct msg_ring *)base;
	int i;

	for (i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].cap = RING_CAP;
		r[i].spin = spin;
		/* private futexes hash by address only: right for threads, wrong across processes */
		r[i].futex_flags = s->process ? 0 : FUTEX_PRIVATE_FLAG;
		r[i].data = base + 2 * sizeof(struct msg_ring) + (size_t)i * RING_CAP;
	}
	s->me.tx = s->peer.rx = &r[0];
	s->me.rx = s->peer.tx = &r[1];
	return 0;
}

static int ring_futex_open(struct msg_sess *s, char *why, size_t len)
{
	(void)why;
	(void)len;
	return ring_open(s, 0);
}

static int ring_spin_open(struct msg_sess *s, char *why, size_t len)
{
	(void)why;
	(void)len;
	return ring_open(s, 1);
}

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

/* Bytes the reader may take, or the writer may fill. */
static inline uint32_t ring_avail(struct msg_ring *r, int writer)
{
	uint32_t used = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	return writer ? r->cap - used : used;
}

/*
 * After moving a position: wake the other side if it sleeps and now has
 * what it waits for (a writer waits for half the ring, like a socket's
 * writer, so it is not woken for every chunk the reader frees).
 */
static inline void ring_wake(struct msg_ring *r, int writer)
{
	uint32_t *waiting = writer ? &r->writer_waiting : &r->reader_waiting;
	uint32_t want;

	if (r->spin)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	want = __atomic_load_n(waiting, __ATOMIC_RELAXED);
	if (want && ring_avail(r, writer) >= want)
		futex(writer ? &r->tail : &r->head, FUTEX_WAKE | r->futex_flags, 1, NULL);
}

/*
 * Between two looks at the ring, now and then: the measuring end gives up
 * when its watchdog expired, and at each of its ticks asks whether the peer
 * is still there. The peer waits until the measuring end closes the rings
 * (or it dies with its parent).
 */
static int ring_overdue(struct msg_end *e, unsigned long *ticks, const char *what)
{
	char status[IPCB_WHY_LEN];

	if (e->is_peer)
		return 0;
	if (e->watch.fired)
		return msg_fail(e, "the peer did not answer within %.1f s (waiting for %s)",
				e->sess->timeout_ns / 1e9, what);
	if (e->watch.ticks == *ticks)
		return 0;
	*ticks = e->watch.ticks;
	msg_peer_status(e, status, sizeof(status));
	return status[0] ? msg_fail(e, "%s while waiting for %s", status, what) : 0;
}

/*
 * Sleep on the position the other side moves, after announcing how much we
 * wait for. No timeout: the watchdog's signal interrupts it.
 */
static void ring_sleep(struct msg_ring *r, int writer, uint32_t want)
{
	uint32_t *word = writer ? &r->tail : &r->head, *waiting = writer ? &r->writer_waiting : &r->reader_waiting;
	uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);

	__atomic_store_n(waiting, want, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (ring_avail(r, writer) < want && !__atomic_load_n(&r->closed, __ATOMIC_RELAXED))
		futex(word, FUTEX_WAIT | r->futex_flags, seen, NULL);
	__atomic_store_n(waiting, 0, __ATOMIC_RELAXED);
}

/* Until want bytes are there to read (or space to write): 0, RING_CLOSED, or -1 with e->why. */
static int ring_wait(struct msg_end *e, struct msg_ring *r, int writer, uint32_t want, const char *what)
{
	unsigned long ticks = e->watch.ticks;
	unsigned int spins = 0;

	for (;;) {
		if (ring_avail(r, writer) >= want)
			return 0;
		/* closed is set after the closer's last publish: look once more */
		if (__atomic_load_n(&r->closed, __ATOMIC_ACQUIRE))
			return ring_avail(r, writer) >= want ? 0 : RING_CLOSED;
		if (r->spin) {
			ipcb_cpu_relax();
			if (++spins % SPINS_PER_CHECK)
				continue;
			/* never starve a task that shares this CPU (e.g. a check's peer) */
			sched_yield();
		} else {
			ring_sleep(r, writer, want);
		}
		if (ring_overdue(e, &ticks, what))
			return -1;
	}
}

static inline size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

static int ring_send(struct msg_end *e, const void *buf, size_t len)
{
	struct msg_ring *r = e->tx;
	const unsigned char *p = buf;
	size_t done = 0;

	while (done < len) {
		uint32_t head = r->head, tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		uint32_t space = r->cap - (head - tail), at = head & (r->cap - 1);
		uint32_t want;
		size_t n;

		if (__atomic_load_n(&r->closed, __ATOMIC_RELAXED))
			return msg_fail(e, "the peer closed the ring after %zu of %zu bytes", done, len);
		if (space == 0) {
			want = r->spin ? 1 : (uint32_t)(len - done < r->cap / 2 ? len - done : r->cap / 2);
			if (ring_wait(e, r, 1, want, "space in the ring") < 0)
				return -1;
			continue;
		}
		n = min3(len - done, space, r->cap - at);
		n = n < RING_CHUNK ? n : RING_CHUNK;
		memcpy(r->data + at, p + done, n);
		__atomic_store_n(&r->head, head + (uint32_t)n, __ATOMIC_RELEASE);
		ring_wake(r, 0);
		done += n;
	}
	return 0;
}

static int ring_recv(struct msg_end *e, void *buf, size_t len)
{
	struct msg_ring *r = e->rx;
	unsigned char *p = buf;
	size_t done = 0;

	while (done < len) {
		uint32_t tail = r->tail, head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		uint32_t avail = head - tail, at = tail & (r->cap - 1);
		size_t n;
		int rc;

		if (avail == 0) {
			rc = ring_wait(e, r, 0, 1, "a message");
			if (rc == RING_CLOSED && done == 0)
				return MSG_EOF;
			if (rc == RING_CLOSED)
				return msg_fail(e, "the ring was closed after %zu of %zu bytes", done, len);
			if (rc < 0)
				return -1;
			continue;
		}
		n = min3(len - done, avail, r->cap - at);
		n = n < RING_CHUNK ? n : RING_CHUNK;
		memcpy(p + done, r->data + at, n);
		__atomic_store_n(&r->tail, tail + (uint32_t)n, __ATOMIC_RELEASE);
		ring_wake(r, 1);
		done += n;
	}
	return 0;
}

/* The conversation is over, both ways: wake whoever sleeps on either ring. */
static void ring_close(struct msg_end *e)
{
	struct msg_ring *rings[2] = { e->tx, e->rx };
	int i;

	for (i = 0; i < 2; i++) {
		struct msg_ring *r = rings[i];

		if (!r)
			continue;
		__atomic_store_n(&r->closed, 1, __ATOMIC_RELEASE);
		if (!r->spin) {
			futex(&r->head, FUTEX_WAKE | r->futex_flags, 1, NULL);
			futex(&r->tail, FUTEX_WAKE | r->futex_flags, 1, NULL);
		}
	}
	e->tx = e->rx = NULL;
}

/* The other process's view of an end holds nothing to close: the mapping goes with the session. */
static void ring_drop(struct msg_end *e)
{
	e->tx = e->rx = NULL;
}

const struct msg_chan msg_chan_ring_futex = {
	.name = "shm-ring-futex",
	.shared_bytes = ring_shared_bytes,
	.open = ring_futex_open,
	.send = ring_send,
	.recv = ring_recv,
	.close = ring_close,
	.drop = ring_drop,
};

const struct msg_chan msg_chan_ring_spin = {
	.name = "shm-ring-spin",
	.shared_bytes = ring_shared_bytes,
	.open = ring_spin_open,
	.send = ring_send,
	.recv = ring_recv,
	.close = ring_close,
	.drop = ring_drop,
};
