// SPDX-License-Identifier: MIT
/*
 * lock.c - what it costs to take and release a lock nobody else wants.
 *
 * One operation is one lock followed by one unlock of the same lock, in one
 * thread, with nothing in between: the toll every critical section pays
 * before any contention. Uncontended, a lock is a few atomic instructions on
 * a line that stays in this core's cache, so the figures rank the atomics
 * themselves and whatever the implementation wraps around them.
 *
 * Why these locks: the glibc ones are what programs actually call (mutex,
 * error-checking mutex, spinlock, rwlock both ways); tas, ttas and ticket are
 * the textbook spinlocks, inlined; futex-mutex is the three-state mutex from
 * Drepper's "Futexes Are Tricky", which is glibc's lock word without the
 * library around it; atomic-cas is one compare-and-swap plus a release store,
 * the floor under all of them. The distance between a row and the floor is
 * what the implementation adds.
 *
 * Every lock's primitives are static inline functions written once and used
 * by both the timed body and the two-thread check, so what is measured is
 * what is checked.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"

#define CACHE_LINE 64
/* Busy-wait this long, then yield: a check squeezed onto one CPU must progress. */
#define SPINS_BEFORE_YIELD 1024
#define CHECK_ITERS_DEFAULT 100000

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

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	/* pause: frees the sibling hyperthread and avoids a pipeline flush on exit */
	__builtin_ia32_pause();
#else
	ipcb_barrier();
#endif
}

/* One round of a busy-wait; past the budget, give the holder our CPU. */
static inline void spin_wait(unsigned int *spins)
{
	if (*spins < SPINS_BEFORE_YIELD) {
		(*spins)++;
		cpu_relax();
	} else {
		sched_yield();
	}
}

/* ---- glibc mutexes ---- */

static int mutex_init_type(struct ipcb_ctx *ctx, struct lock_state *s, int type)
{
	pthread_mutexattr_t attr;
	int rc;

	rc = pthread_mutexattr_init(&attr);
	if (rc)
		return ipcb_fail(ctx, "pthread_mutexattr_init: %s", strerror(rc));
	rc = pthread_mutexattr_settype(&attr, type);
	if (rc) {
		ipcb_fail(ctx, "pthread_mutexattr_settype(%d): %s", type, strerror(rc));
		goto out;
	}
	rc = pthread_mutex_init(&s->mutex, &attr);
	if (rc)
		ipcb_fail(ctx, "pthread_mutex_init: %s", strerror(rc));
out:
	pthread_mutexattr_destroy(&attr);
	return rc ? -1 : 0;
}

/* NORMAL is glibc's default type: what pthread_mutex_init(m, NULL) gives. */
static int mutex_normal_init(struct ipcb_ctx *ctx, struct lock_state *s)
{
	return mutex_init_type(ctx, s, PTHREAD_MUTEX_NORMAL);
}

static int mutex_errorcheck_init(struct ipcb_ctx *ctx, struct lock_state *s)
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

static void mutex_destroy(struct lock_state *s)
{
	pthread_mutex_destroy(&s->mutex);
}

/* ---- glibc spinlock ---- */

static int pspin_init(struct ipcb_ctx *ctx, struct lock_state *s)
{
	int rc = pthread_spin_init(&s->spin, PTHREAD_PROCESS_PRIVATE);

	if (rc)
		return ipcb_fail(ctx, "pthread_spin_init: %s", strerror(rc));
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

static void pspin_destroy(struct lock_state *s)
{
	pthread_spin_destroy(&s->spin);
}

/* ---- glibc rwlock ---- */

static int rwlock_init(struct ipcb_ctx *ctx, struct lock_state *s)
{
	int rc = pthread_rwlock_init(&s->rwlock, NULL);

	if (rc)
		return ipcb_fail(ctx, "pthread_rwlock_init: %s", strerror(rc));
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

static void rwlock_destroy(struct lock_state *s)
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

/* EAGAIN (the word changed) and EINTR need nothing: the caller re-reads the word. */
static void futex_wait(uint32_t *w, uint32_t val)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(uint32_t *w, int n)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/*
 * Out of line like glibc's __lll_lock_wait: the timed loop keeps only the
 * fast path. Setting 2 before sleeping is what makes the unlocker wake us.
 */
__attribute__((noinline)) static void futex_mutex_lock_slow(struct lock_state *s, uint32_t c)
{
	if (c != FMUTEX_WAITERS)
		c = __atomic_exchange_n(&s->word, FMUTEX_WAITERS, __ATOMIC_ACQUIRE);
	while (c != FMUTEX_UNLOCKED) {
		futex_wait(&s->word, FMUTEX_WAITERS);
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

/* ---- setup and teardown, shared by every lock ---- */

static int lock_init(struct ipcb_ctx *ctx, struct lock_state *s, const struct lock_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	return ops->init ? ops->init(ctx, s) : 0;
}

static void lock_destroy(struct lock_state *s)
{
	if (s->ops->destroy)
		s->ops->destroy(s);
}

static int lock_setup(struct ipcb_ctx *ctx, const struct lock_ops *ops)
{
	struct lock_state *s;

	s = aligned_alloc(CACHE_LINE, sizeof(*s));
	if (!s)
		return ipcb_fail(ctx, "aligned_alloc(%d, %zu): %s", CACHE_LINE, sizeof(*s),
				 strerror(errno));
	if (lock_init(ctx, s, ops)) {
		free(s);
		return -1;
	}
	ctx->state = s;
	return 0;
}

static void lock_teardown(struct ipcb_ctx *ctx)
{
	struct lock_state *s = ctx->state;

	if (!s)
		return;
	lock_destroy(s);
	free(s);
	ctx->state = NULL;
}

/* ---- the check: two threads against one lock ---- */

/*
 * The check builds its own lock rather than borrowing ctx->state, so it does
 * not depend on whether the harness ran setup first. The data the lock
 * guards sits on the next line.
 */
struct check_state {
	struct lock_state lock;
	uint64_t counter __attribute__((aligned(CACHE_LINE)));
	uint64_t pair[2]; /* rwlock-read: written together under the write lock */
	uint64_t iters;	  /* per thread */
	int ready;	  /* the start gate: threads that have arrived */
	int torn;	  /* rwlock-read: the reader saw a half-done update */
	uint64_t seen[3]; /* rwlock-read: pair[0], pair[1], previous pair[0] */
};

static struct check_state *check_alloc(struct ipcb_ctx *ctx, const struct lock_ops *ops)
{
	struct check_state *st;

	st = aligned_alloc(CACHE_LINE, sizeof(*st));
	if (!st) {
		ipcb_fail(ctx, "aligned_alloc(%d, %zu): %s", CACHE_LINE, sizeof(*st),
			  strerror(errno));
		return NULL;
	}
	memset(st, 0, sizeof(*st));
	st->iters = ctx->check_iters ? ctx->check_iters : CHECK_ITERS_DEFAULT;
	if (lock_init(ctx, &st->lock, ops)) {
		free(st);
		return NULL;
	}
	return st;
}

static void check_free(struct check_state *st)
{
	lock_destroy(&st->lock);
	free(st);
}

/*
 * Each thread waits until both are running. A gate opened by the creator is
 * not enough: the second thread can take longer to get onto a CPU than the
 * first needs for all its iterations, and a check that never overlaps the
 * two threads passes even with no lock at all.
 */
static void wait_for_peer(struct check_state *st)
{
	unsigned int spins = 0;

	__atomic_add_fetch(&st->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&st->ready, __ATOMIC_ACQUIRE) < 2)
		spin_wait(&spins);
}

/* Run fn[0] and fn[1] on st at the same time, join both. */
static int run_pair(struct ipcb_ctx *ctx, struct check_state *st, void *(*const fn[2])(void *))
{
	pthread_t tid[2];
	int rc = 0, n;

	for (n = 0; n < 2; n++) {
		rc = pthread_create(&tid[n], NULL, fn[n], st);
		if (rc)
			break;
	}
	/* stand in for a thread that never started, or the other waits forever */
	if (n < 2)
		__atomic_add_fetch(&st->ready, 2 - n, __ATOMIC_ACQ_REL);
	while (n-- > 0)
		pthread_join(tid[n], NULL);
	if (rc)
		return ipcb_fail(ctx, "pthread_create: %s", strerror(rc));
	return 0;
}

static void *counter_worker(void *arg)
{
	struct check_state *st = arg;
	const struct lock_ops *ops = st->lock.ops;
	uint64_t i, c;

	wait_for_peer(st);
	for (i = 0; i < st->iters; i++) {
		ops->lock(&st->lock);
		/* a separate load and store: if both threads were inside, one increment is lost */
		c = st->counter;
		ipcb_barrier();
		st->counter = c + 1;
		ops->unlock(&st->lock);
	}
	return NULL;
}

static int counter_check(struct ipcb_ctx *ctx, const struct lock_ops *ops)
{
	static void *(*const workers[2])(void *) = { counter_worker, counter_worker };
	struct check_state *st;
	unsigned long long got, want;
	int rc;

	st = check_alloc(ctx, ops);
	if (!st)
		return -1;
	rc = run_pair(ctx, st, workers);
	if (rc)
		goto out;
	got = st->counter;
	want = 2ull * st->iters;
	if (got != want)
		rc = ipcb_fail(ctx, "mutual exclusion violated: counter %llu, expected %llu", got,
			       want);
out:
	check_free(st);
	return rc;
}

/*
 * rwlock-read measures the read side, so the check exercises the read side
 * against something that can really go wrong: a writer updates a pair of
 * words one after the other under the write lock, a reader reads both under
 * the read lock. If rdlock did not exclude the writer, the reader would
 * sooner or later see pair[0] == pair[1] + 1 (or a value going backwards).
 * Two readers reading a constant could never fail, so that would prove
 * nothing; mutual exclusion between writers is rwlock-write's check.
 */
static void *pair_writer(void *arg)
{
	struct check_state *st = arg;
	uint64_t i;

	wait_for_peer(st);
	for (i = 0; i < st->iters; i++) {
		rwlock_wr_lock(&st->lock);
		st->pair[0] = i + 1;
		ipcb_barrier();
		cpu_relax(); /* widen the window in which the pair is torn */
		st->pair[1] = i + 1;
		rwlock_unlock(&st->lock);
	}
	return NULL;
}

static void *pair_reader(void *arg)
{
	struct check_state *st = arg;
	uint64_t i, a, b, last = 0;

	wait_for_peer(st);
	for (i = 0; i < st->iters; i++) {
		rwlock_rd_lock(&st->lock);
		a = st->pair[0];
		ipcb_barrier();
		b = st->pair[1];
		rwlock_unlock(&st->lock);
		if (a != b || a < last) {
			st->torn = 1;
			st->seen[0] = a;
			st->seen[1] = b;
			st->seen[2] = last;
			break;
		}
		last = a;
	}
	return NULL;
}

/* ---- one row per lock ---- */

/*
 * A lock's ops, its setup, and its timed body. The body names the inline
 * primitives directly (not through ops) so the compiler inlines them: an
 * indirect call would cost as much as the lighter locks. The barrier keeps
 * each pair a separate event; it costs nothing at run time.
 */
#define LOCK_BENCH(name, init_fn, lock_fn, unlock_fn, destroy_fn)                   \
	static const struct lock_ops name##_ops = {                                 \
		.init = init_fn,                                                    \
		.lock = lock_fn,                                                    \
		.unlock = unlock_fn,                                                \
		.destroy = destroy_fn,                                              \
	};                                                                          \
	static int name##_setup(struct ipcb_ctx *ctx)                               \
	{                                                                           \
		return lock_setup(ctx, &name##_ops);                                \
	}                                                                           \
	static void name##_body(struct ipcb_ctx *ctx, uint64_t iters)               \
	{                                                                           \
		struct lock_state *s = ctx->state;                                  \
                                                                                    \
		while (iters--) {                                                   \
			lock_fn(s);                                                 \
			unlock_fn(s);                                               \
			ipcb_barrier();                                             \
		}                                                                   \
	}

#define COUNTER_CHECK(name)                                                         \
	static int name##_check(struct ipcb_ctx *ctx)                               \
	{                                                                           \
		return counter_check(ctx, &name##_ops);                             \
	}

LOCK_BENCH(mutex_normal, mutex_normal_init, mutex_lock, mutex_unlock, mutex_destroy)
LOCK_BENCH(mutex_errorcheck, mutex_errorcheck_init, mutex_lock, mutex_unlock, mutex_destroy)
LOCK_BENCH(pspin, pspin_init, pspin_lock, pspin_unlock, pspin_destroy)
LOCK_BENCH(tas, NULL, tas_lock, word_unlock, NULL)
LOCK_BENCH(ttas, NULL, ttas_lock, word_unlock, NULL)
LOCK_BENCH(ticket, NULL, ticket_lock, ticket_unlock, NULL)
LOCK_BENCH(futex_mutex, NULL, futex_mutex_lock, futex_mutex_unlock, NULL)
LOCK_BENCH(rwlock_read, rwlock_init, rwlock_rd_lock, rwlock_unlock, rwlock_destroy)
LOCK_BENCH(rwlock_write, rwlock_init, rwlock_wr_lock, rwlock_unlock, rwlock_destroy)
LOCK_BENCH(cas, NULL, cas_lock, word_unlock, NULL)

COUNTER_CHECK(mutex_normal)
COUNTER_CHECK(pspin)
COUNTER_CHECK(tas)
COUNTER_CHECK(ttas)
COUNTER_CHECK(ticket)
COUNTER_CHECK(futex_mutex)
COUNTER_CHECK(rwlock_write)
COUNTER_CHECK(cas)

/*
 * Besides excluding, an error-checking mutex must refuse to relock what its
 * owner holds: EDEADLK at once. If the type had silently stayed NORMAL, the
 * figure would be the normal mutex's under the wrong name. timedlock rather
 * than lock, so a NORMAL mutex times out instead of deadlocking the check;
 * relocking rather than unlocking an unheld mutex, so thread sanitizers
 * have nothing to report.
 */
static int mutex_errorcheck_relock(struct ipcb_ctx *ctx, struct lock_state *s)
{
	struct timespec deadline;
	int rc;

	if (clock_gettime(CLOCK_REALTIME, &deadline))
		return ipcb_fail(ctx, "clock_gettime: %s", strerror(errno));
	deadline.tv_sec += 1;
	mutex_lock(s);
	rc = pthread_mutex_timedlock(&s->mutex, &deadline);
	if (rc == 0)
		mutex_unlock(s); /* a recursive mutex: unwind its second level */
	mutex_unlock(s);
	if (rc != EDEADLK)
		return ipcb_fail(ctx, "relocking an error-checking mutex returned %d (%s), "
				 "expected EDEADLK", rc, strerror(rc));
	return 0;
}

static int mutex_errorcheck_check(struct ipcb_ctx *ctx)
{
	struct lock_state s;
	int rc;

	if (counter_check(ctx, &mutex_errorcheck_ops))
		return -1;
	if (lock_init(ctx, &s, &mutex_errorcheck_ops))
		return -1;
	rc = mutex_errorcheck_relock(ctx, &s);
	lock_destroy(&s);
	return rc;
}

static int rwlock_read_check(struct ipcb_ctx *ctx)
{
	static void *(*const workers[2])(void *) = { pair_writer, pair_reader };
	struct check_state *st;
	int rc;

	st = check_alloc(ctx, &rwlock_read_ops);
	if (!st)
		return -1;
	rc = run_pair(ctx, st, workers);
	if (rc)
		goto out;
	if (st->torn)
		rc = ipcb_fail(ctx,
			       "rdlock did not exclude the writer: read pair %llu/%llu after %llu",
			       (unsigned long long)st->seen[0], (unsigned long long)st->seen[1],
			       (unsigned long long)st->seen[2]);
	else if (st->pair[0] != st->iters || st->pair[1] != st->iters)
		rc = ipcb_fail(ctx, "writer's pair ended at %llu/%llu, expected %llu",
			       (unsigned long long)st->pair[0], (unsigned long long)st->pair[1],
			       (unsigned long long)st->iters);
out:
	check_free(st);
	return rc;
}

#define LOCK_ROW(bid, name, desc, why)                                              \
	{                                                                           \
		.id = "lock/" bid,                                                  \
		.what = desc,                                                       \
		.unit_of_work = "lock+unlock",                                      \
		.nthreads = 1,                                                      \
		.setup = name##_setup,                                              \
		.body = name##_body,                                                \
		.check = name##_check,                                              \
		.teardown = lock_teardown,                                          \
		.note = why,                                                        \
	}

static const struct ipcb_bench lock_benches[] = {
	LOCK_ROW("pthread-mutex", mutex_normal,
		 "pthread_mutex_lock+unlock, PTHREAD_MUTEX_NORMAL (glibc's default)",
		 "glibc's uncontended path: one CAS to lock and one atomic exchange to unlock, "
		 "no syscall"),
	LOCK_ROW("pthread-mutex-errorcheck", mutex_errorcheck,
		 "pthread_mutex_lock+unlock, PTHREAD_MUTEX_ERRORCHECK",
		 "the normal mutex's two atomics plus a type dispatch and an owner-tid compare "
		 "on each side"),
	LOCK_ROW("pthread-spin", pspin, "pthread_spin_lock+unlock",
		 "one locked read-modify-write to lock and a plain store to unlock, behind a "
		 "library call"),
	LOCK_ROW("tas", tas,
		 "test-and-set spinlock: atomic exchange to lock, release store to unlock",
		 "one exchange (implicitly locked on x86) and one plain store, inlined"),
	LOCK_ROW("ttas", ttas, "test-and-test-and-set spinlock: read until free, then exchange",
		 "tas plus one load of a line already in this core's cache"),
	LOCK_ROW("ticket", ticket, "ticket spinlock: fetch-and-add a ticket, wait until served",
		 "one locked fetch-and-add, a load, and a plain store to unlock"),
	LOCK_ROW("futex-mutex", futex_mutex,
		 "three-state futex mutex (Drepper, \"Futexes Are Tricky\"), inlined",
		 "no futex syscall when uncontended: a CAS to lock and a locked decrement to "
		 "unlock, glibc's lock-word protocol without the library call"),
	LOCK_ROW("rwlock-read", rwlock_read, "pthread_rwlock_rdlock+unlock, no writer present",
		 "glibc's read side: an atomic add to the reader count, a CAS loop to take it "
		 "back, and a writer-tid test in unlock"),
	LOCK_ROW("rwlock-write", rwlock_write, "pthread_rwlock_wrlock+unlock, no reader present",
		 "glibc's write side keeps more state than a mutex (writer bit, phase, owner tid)"),
	LOCK_ROW("atomic-cas", cas,
		 "one successful compare-and-swap on a free word plus the release store",
		 "the floor: one locked instruction plus a store"),
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_lock = {
	.name = "lock",
	.what = "uncontended lock+unlock in one thread: the toll of a critical section nobody "
		"else wants",
	.benches = lock_benches,
};
