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
 * Every lock's primitives are static inline functions in locks.h, written
 * once and used by the timed body, the two-thread check here, and the
 * contended driver (lock_contended.c), so what is measured is what is checked.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipcbench.h"
#include "lock_threading.h"
#include "locks.h"

#define CHECK_ITERS_DEFAULT 100000

/* ---- setup and teardown, shared by every lock ---- */

/* The lock on its own line(s), and the idle thread of threading=multi after it. */
struct lock_job {
	struct lock_state lock;
	struct lock_helper helper;
};

static int lock_setup(struct ipcb_ctx *ctx, const struct lock_ops *ops)
{
	struct lock_job *s;

	s = aligned_alloc(CACHE_LINE, sizeof(*s));
	if (!s)
		return ipcb_skip(ctx, "aligned_alloc(%d, %zu): %s", CACHE_LINE, sizeof(*s),
				 strerror(errno));
	memset(&s->helper, 0, sizeof(s->helper));
	if (lock_threading_setup(ctx, &s->helper))
		goto fail;
	if (lock_init(ctx, &s->lock, ops)) {
		lock_threading_teardown(&s->helper);
		goto fail;
	}
	ctx->state = s;
	return 0;
fail:
	free(s);
	return -1;
}

static void lock_teardown(struct ipcb_ctx *ctx)
{
	struct lock_job *s = ctx->state;

	if (!s)
		return;
	lock_destroy(&s->lock);
	lock_threading_teardown(&s->helper);
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
		ipcb_cpu_relax(); /* widen the window in which the pair is torn */
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
 * A lock's setup and its timed body (its ops come from locks.h). The body
 * names the inline primitives directly (not through ops) so the compiler
 * inlines them: an indirect call would cost as much as the lighter locks.
 * The barrier keeps each pair a separate event; it costs nothing at run time.
 */
#define LOCK_BENCH(name, id, init_fn, lock_fn, unlock_fn, destroy_fn, excl)         \
	static int name##_setup(struct ipcb_ctx *ctx)                               \
	{                                                                           \
		return lock_setup(ctx, &name##_ops);                                \
	}                                                                           \
	static void name##_body(struct ipcb_ctx *ctx, uint64_t iters)               \
	{                                                                           \
		struct lock_state *s = &((struct lock_job *)ctx->state)->lock;      \
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

IPCB_LOCKS(LOCK_BENCH)

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
		.params = lock_params,                                              \
		.setup = name##_setup,                                              \
		.body = name##_body,                                                \
		.check = name##_check,                                              \
		.teardown = lock_teardown,                                          \
		.note = why,                                                        \
	}

static const struct ipcb_param lock_params[] = {
	LOCK_THREADING_PARAM,
	{ .name = NULL },
};

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
