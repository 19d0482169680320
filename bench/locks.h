/* SPDX-License-Identifier: MIT */
/*
 * locks.h - the locks of the lock/ family and the waits under them, written
 * once as static inline functions so that lock/ (uncontended), lock-contended/
 * (under contention) and handoff/ (between two threads) measure the same code.
 *
 * IPCB_LOCKS() lists every lock: a family expands it into its own rows, so a
 * lock added here appears in lock/ and lock-contended/ alike.
 *
 * Waits that cannot carry a timeout of their own (pthread_mutex_lock, read(),
 * sem_wait(), sigsuspend()) are bounded by the engine's watchdog (struct
 * ipcb_watchdog in ipcbench.h): rather than swap the API being measured for a
 * timed variant, a thread outside the timed path fails the job when nothing
 * moves for ctx->timeout_ns, and lock_wake_all() wakes whoever is stuck.
 */
#ifndef IPCB_LOCKS_H
#define IPCB_LOCKS_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"

#define CACHE_LINE 64
/* Busy-wait this long, then yield: a lock squeezed onto one CPU must progress. */
#define SPINS_BEFORE_YIELD 1024

/*
 * One lock on a line of its own: the line holds nothing the body does not
 * touch, so the figure never includes a neighbour's traffic.
 */
struct lock_state {
	union {
		pthread_mutex_t mutex;
		pthread_spinlock_t spin;
		pthread_rwlock_t rwlock;
		uint32_t word; /* tas, ttas, cas: 0 free; futex: 0, 1, 2 */
		struct {
			uint32_t next;	  /* the next ticket to hand out */
			uint32_t serving; /* the ticket that holds the lock */
		} ticket;
	};
	const struct lock_ops *ops; /* for teardown; the body never reads it */
} __attribute__((aligned(CACHE_LINE)));

_Static_assert(sizeof(struct lock_state) % CACHE_LINE == 0, "lock_state must fill whole lines");

struct lock_ops {
	/* 0, or -1 with ctx->why set; NULL: all-zero is the unlocked state */
	int (*init)(struct ipcb_ctx *ctx, struct lock_state *s);
	void (*lock)(struct lock_state *s);
	void (*unlock)(struct lock_state *s);
	void (*destroy)(struct lock_state *s); /* or NULL */
};

/* ---- waiting ---- */

/* One round of a busy-wait; past the budget, give the holder our CPU. */
static inline void spin_wait(unsigned int *spins)
{
	if (*spins < SPINS_BEFORE_YIELD) {
		(*spins)++;
		ipcb_cpu_relax();
	} else {
		sched_yield();
	}
}

/*
 * Sleep while *w == val, at most rel (NULL: until woken). 0 when woken
 * (possibly spuriously), else -errno: EAGAIN (the word had changed),
 * ETIMEDOUT, EINTR. Callers re-read the word in every case.
 */
static inline int futex_wait(uint32_t *w, uint32_t val, const struct timespec *rel)
{
	return syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, rel, NULL, 0) ? -errno : 0;
}

static inline void futex_wake(uint32_t *w, int n)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* ---- glibc mutexes ---- */

static inline int mutex_init_type(struct ipcb_ctx *ctx, struct lock_state *s, int type)
{
	pthread_mutexattr_t attr;
	int rc;

	rc = pthread_mutexattr_init(&attr);
	if (rc)
		return ipcb_skip(ctx, "pthread_mutexattr_init: %s", strerror(rc));
	rc = pthread_mutexattr_settype(&attr, type);
	if (rc) {
		ipcb_skip(ctx, "pthread_mutexattr_settype(%d): %s", type, strerror(rc));
		goto out;
	}
	rc = pthread_mutex_init(&s->mutex, &attr);
	if (rc)
		ipcb_skip(ctx, "pthread_mutex_init: %s", strerror(rc));
out:
	pthread_mutexattr_destroy(&attr);
	return rc ? -1 : 0;
}

/* NORMAL is glibc's default type: what pthread_mutex_init(m, NULL) gives. */
static inline int mutex_normal_init(struct ipcb_ctx *ctx, struct lock_state *s)
{
	return mutex_init_type(ctx, s, PTHREAD_MUTEX_NORMAL);
}

static inline int mutex_errorcheck_init(struct ipcb_ctx *ctx, struct lock_state *s)
{
	return mutex_init_type(ctx, s, PTHREAD_MUTEX_ERRORCHECK);
}

static inline void mutex_lock(struct lock_state *s)
{
	pthread_mutex_lock(&s->mutex);
}

static inline void mutex_unlock(struct lock_state *s)
{
	pthread_mutex_unlock(&s->mutex);
}

static inline void mutex_destroy(struct lock_state *s)
{
	pthread_mutex_destroy(&s->mutex);
}

/* ---- glibc spinlock ---- */

static inline int pspin_init(struct ipcb_ctx *ctx, struct lock_state *s)
{
	int rc = pthread_spin_init(&s->spin, PTHREAD_PROCESS_PRIVATE);

	if (rc)
		return ipcb_skip(ctx, "pthread_spin_init: %s", strerror(rc));
	return 0;
}

static inline void pspin_lock(struct lock_state *s)
{
	pthread_spin_lock(&s->spin);
}

static inline void pspin_unlock(struct lock_state *s)
{
	pthread_spin_unlock(&s->spin);
}

static inline void pspin_destroy(struct lock_state *s)
{
	pthread_spin_destroy(&s->spin);
}

/* ---- glibc rwlock ---- */

static inline int rwlock_init(struct ipcb_ctx *ctx, struct lock_state *s)
{
	int rc = pthread_rwlock_init(&s->rwlock, NULL);

	if (rc)
		return ipcb_skip(ctx, "pthread_rwlock_init: %s", strerror(rc));
	return 0;
}

static inline void rwlock_rd_lock(struct lock_state *s)
{
	pthread_rwlock_rdlock(&s->rwlock);
}

static inline void rwlock_wr_lock(struct lock_state *s)
{
	pthread_rwlock_wrlock(&s->rwlock);
}

static inline void rwlock_unlock(struct lock_state *s)
{
	pthread_rwlock_unlock(&s->rwlock);
}

static inline void rwlock_destroy(struct lock_state *s)
{
	pthread_rwlock_destroy(&s->rwlock);
}

/* ---- spinlocks on one word ---- */

/* The unlock of tas, ttas and cas: only the holder writes, so a release store suffices. */
static inline void word_unlock(struct lock_state *s)
{
	__atomic_store_n(&s->word, 0, __ATOMIC_RELEASE);
}

static inline void tas_lock(struct lock_state *s)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&s->word, 1, __ATOMIC_ACQUIRE))
		spin_wait(&spins);
}

/*
 * Test first: waiters spin on a shared copy of the line and only write it
 * (the exchange) when it looks free. Uncontended, that is one extra load.
 */
static inline void ttas_lock(struct lock_state *s)
{
	unsigned int spins = 0;

	do {
		while (__atomic_load_n(&s->word, __ATOMIC_RELAXED))
			spin_wait(&spins);
	} while (__atomic_exchange_n(&s->word, 1, __ATOMIC_ACQUIRE));
}

/* Returns the value seen: `old` on success. */
static inline uint32_t cmpxchg(uint32_t *w, uint32_t old, uint32_t new)
{
	__atomic_compare_exchange_n(w, &old, new, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
	return old;
}

/* Uncontended, exactly one successful compare-and-swap on a free word. */
static inline void cas_lock(struct lock_state *s)
{
	unsigned int spins = 0;

	while (cmpxchg(&s->word, 0, 1) != 0)
		spin_wait(&spins);
}

/* ---- ticket lock ---- */

/* FIFO: take a number, wait until it is served. */
static inline void ticket_lock(struct lock_state *s)
{
	uint32_t me = __atomic_fetch_add(&s->ticket.next, 1, __ATOMIC_RELAXED);
	unsigned int spins = 0;

	while (__atomic_load_n(&s->ticket.serving, __ATOMIC_ACQUIRE) != me)
		spin_wait(&spins);
}

/* Only the holder writes serving, so no locked instruction is needed. */
static inline void ticket_unlock(struct lock_state *s)
{
	uint32_t t = __atomic_load_n(&s->ticket.serving, __ATOMIC_RELAXED);

	__atomic_store_n(&s->ticket.serving, t + 1, __ATOMIC_RELEASE);
}

/* ---- futex mutex (Drepper, "Futexes Are Tricky", mutex3) ---- */

#define FMUTEX_UNLOCKED 0
#define FMUTEX_LOCKED 1
#define FMUTEX_WAITERS 2 /* locked, and someone may sleep on the word */

/*
 * Out of line like glibc's __lll_lock_wait: the timed loop keeps only the
 * fast path. Setting 2 before sleeping is what makes the unlocker wake us.
 */
__attribute__((noinline, unused)) static void futex_mutex_lock_slow(struct lock_state *s, uint32_t c)
{
	if (c != FMUTEX_WAITERS)
		c = __atomic_exchange_n(&s->word, FMUTEX_WAITERS, __ATOMIC_ACQUIRE);
	while (c != FMUTEX_UNLOCKED) {
		/* EAGAIN (the word changed) and EINTR need nothing: the exchange re-reads it */
		futex_wait(&s->word, FMUTEX_WAITERS, NULL);
		c = __atomic_exchange_n(&s->word, FMUTEX_WAITERS, __ATOMIC_ACQUIRE);
	}
}

static inline void futex_mutex_lock(struct lock_state *s)
{
	uint32_t c = cmpxchg(&s->word, FMUTEX_UNLOCKED, FMUTEX_LOCKED);

	if (c != FMUTEX_UNLOCKED)
		futex_mutex_lock_slow(s, c);
}

/* 1 -> 0 needs no syscall; from 2 someone may be asleep, so wake one. */
static inline void futex_mutex_unlock(struct lock_state *s)
{
	if (__atomic_fetch_sub(&s->word, 1, __ATOMIC_RELEASE) != FMUTEX_LOCKED) {
		__atomic_store_n(&s->word, FMUTEX_UNLOCKED, __ATOMIC_RELEASE);
		futex_wake(&s->word, 1);
	}
}

/* ---- the list of locks ---- */

/*
 * X(name, id, init, lock, unlock, destroy, exclusive): name prefixes the C
 * symbols, id is the benchmark name after "lock/"; exclusive is 0 for a
 * shared (read) lock, under which threads do not exclude each other.
 */
#define IPCB_LOCKS(X)                                                                                   \
	X(mutex_normal, "pthread-mutex", mutex_normal_init, mutex_lock, mutex_unlock, mutex_destroy, 1)  \
	X(mutex_errorcheck, "pthread-mutex-errorcheck", mutex_errorcheck_init, mutex_lock, mutex_unlock, \
	  mutex_destroy, 1)                                                                              \
	X(pspin, "pthread-spin", pspin_init, pspin_lock, pspin_unlock, pspin_destroy, 1)                 \
	X(tas, "tas", NULL, tas_lock, word_unlock, NULL, 1)                                              \
	X(ttas, "ttas", NULL, ttas_lock, word_unlock, NULL, 1)                                           \
	X(ticket, "ticket", NULL, ticket_lock, ticket_unlock, NULL, 1)                                   \
	X(futex_mutex, "futex-mutex", NULL, futex_mutex_lock, futex_mutex_unlock, NULL, 1)               \
	X(rwlock_read, "rwlock-read", rwlock_init, rwlock_rd_lock, rwlock_unlock, rwlock_destroy, 0)     \
	X(rwlock_write, "rwlock-write", rwlock_init, rwlock_wr_lock, rwlock_unlock, rwlock_destroy, 1)   \
	X(cas, "atomic-cas", NULL, cas_lock, word_unlock, NULL, 1)

/* name##_ops for every lock: what the checks and setup use; bodies call the inline primitives. */
#define LOCK_OPS(name, id, init_fn, lock_fn, unlock_fn, destroy_fn, excl) \
	static const struct lock_ops name##_ops = {                       \
		.init = init_fn,                                          \
		.lock = lock_fn,                                          \
		.unlock = unlock_fn,                                      \
		.destroy = destroy_fn,                                    \
	};
IPCB_LOCKS(LOCK_OPS)
#undef LOCK_OPS

/* ---- set up and tear down any lock ---- */

static inline int lock_init(struct ipcb_ctx *ctx, struct lock_state *s, const struct lock_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	return ops->init ? ops->init(ctx, s) : 0;
}

static inline void lock_destroy(struct lock_state *s)
{
	if (s->ops->destroy)
		s->ops->destroy(s);
}

/*
 * Wake every thread that may sleep in the kernel on this lock, whatever the
 * lock: FUTEX_WAKE on each of its words. A futex waiter must accept a
 * spurious wake-up, so this is harmless, and it is the rescue for the one
 * realistic stall, a lost wake-up (glibc's mutex and our futex-mutex keep
 * their futex word inside the lock).
 */
static inline void lock_wake_all(struct lock_state *s)
{
	uint32_t *w = (uint32_t *)s;
	size_t i;

	for (i = 0; i < offsetof(struct lock_state, ops) / sizeof(*w); i++)
		futex_wake(&w[i], INT_MAX);
}

#endif
