// SPDX-License-Identifier: MIT
/*
 * lock_contended.c - what a lock costs when threads fight over it.
 *
 * One operation is one acquisition by any thread of the team: acquire, a
 * critical section of cs_work dependent multiply-adds on the data the lock
 * guards, release, then delay_work of the same arithmetic outside the lock.
 * `threads` threads (the measuring thread is one of them, the others pinned
 * to the next allowed CPUs) share each body call's `iters` acquisitions
 * among themselves: whoever gets the lock takes the next one. So the median
 * is the team's time per acquisition, the inverse of its throughput
 * (acquisitions/s = 1e9 / median), and how the acquisitions fell to each
 * thread is the lock's fairness.
 *
 * Every lock of the lock/ family is here, from the same list (locks.h) and
 * the same inline primitives, so lock/X and lock-contended/X differ only in
 * the contention. The driver is the lock-bench one: per-thread counts give
 * the min and max share and Jain's index; the histogram is the measuring
 * thread's time per acquisition of its own, whose varying part is the wait.
 *
 * A shared (read) lock does not exclude: its readers would all take the
 * lock at once, so each thread does an equal quota instead of racing for
 * the next acquisition, and the figure is what the reader count's line
 * costs when it bounces between CPUs.
 *
 * Waits: the workers' start gate and the measuring thread's wait for them
 * spin briefly, then sleep or yield; a lock's own wait is the lock's code,
 * unchanged. All are bounded by the engine's watchdog (ipcb_watchdog): no
 * acquisition for ctx->timeout_ns fails the job, stops the team and wakes
 * every futex sleeper (the rescue for a lost wake-up). Under `ipcbench test` the
 * measuring thread only watches, so even a lock that never opens cannot
 * hold it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcbench.h"
#include "lock_threading.h"
#include "locks.h"

/* Gate polls before a waiting worker sleeps: ~2 ms, longer than the harness between two samples. */
#define GATE_SPINS 65536

struct team;

/* One thread of the team; written by that thread alone. */
struct member {
	uint64_t acquired; /* over the whole job: progress for the watchdog, fairness at the end */
	uint64_t quota;	   /* shared locks: this body call's acquisitions */
	uint64_t mix;	   /* the thread's arithmetic state */
	struct team *team;
	pthread_t tid;
	int cpu;
	int started;
} __attribute__((aligned(CACHE_LINE)));

struct contended_kind {
	const struct lock_ops *ops;
	/* this thread's share of one body call; lap: the measuring thread's ctx, else NULL */
	void (*run)(struct team *t, struct member *me, struct ipcb_ctx *lap);
	int exclusive;
};

struct team {
	struct lock_state lock;
	/* what the lock guards, on the next line: a counter and the critical section's result */
	struct {
		uint64_t count;
		uint64_t mix;
	} data __attribute__((aligned(CACHE_LINE)));
	uint64_t target __attribute__((aligned(CACHE_LINE))); /* exclusive: stop when count reaches it */
	uint32_t gen __attribute__((aligned(CACHE_LINE)));    /* the start gate, bumped per body call */
	uint32_t sleepers;				      /* workers asleep on gen */
	uint32_t done __attribute__((aligned(CACHE_LINE)));   /* workers finished with this call */
	int stop __attribute__((aligned(CACHE_LINE)));
	const struct contended_kind *kind;
	struct ipcb_ctx *ctx;
	int nthreads;	  /* the team */
	int first_worker; /* 1: the measuring thread is member 0; 0 (check): it only watches */
	int oversubscribed;
	int64_t cs_work, delay_work;
	struct ipcb_watchdog wd;
	struct member m[]; /* nthreads */
};

static inline int team_stopped(struct team *t)
{
	return __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
}

/* steps dependent multiply-adds (an LCG): a chain the compiler can neither drop nor shorten. */
static inline uint64_t burn(uint64_t x, int64_t steps)
{
	while (steps-- > 0) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/*
 * One thread's part of a body call, generic and inlined per lock. The
 * counter is read and written as two accesses: if two threads were ever
 * inside together, an increment would be lost and the check would see it.
 */
static inline __attribute__((always_inline)) void
contend(struct team *t, struct member *me, struct ipcb_ctx *lap, void (*lock)(struct lock_state *),
	void (*unlock)(struct lock_state *), int exclusive)
{
	uint64_t target = t->target, start = me->acquired, n = start, x = me->mix, c;

	for (;;) {
		if (!exclusive && n - start >= me->quota)
			break;
		lock(&t->lock);
		if (exclusive) {
			c = __atomic_load_n(&t->data.count, __ATOMIC_RELAXED);
			if (c >= target) {
				unlock(&t->lock);
				break;
			}
			__atomic_store_n(&t->data.count, c + 1, __ATOMIC_RELAXED);
			x = burn(x ^ t->data.mix, t->cs_work);
			t->data.mix = x;
		} else {
			x = burn(x ^ t->data.mix, t->cs_work); /* readers only read */
		}
		unlock(&t->lock);
		__atomic_store_n(&me->acquired, ++n, __ATOMIC_RELAXED);
		x = burn(x, t->delay_work);
		if (lap)
			ipcb_lap(lap);
		if (team_stopped(t))
			break;
	}
	me->mix = x;
}

/* ---- the gate: workers wait for each body call ---- */

/* Spin while the next call is likely soon; then sleep. Returns the new generation. */
static uint32_t gate_wait(struct team *t, uint32_t seen)
{
	unsigned int spins = 0;
	uint32_t g;

	while ((g = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE)) == seen && !team_stopped(t)) {
		if (!t->oversubscribed && spins++ < GATE_SPINS) {
			ipcb_cpu_relax();
			continue;
		}
		/* counted before the futex re-reads gen: an opener either sees us or we see it */
		__atomic_add_fetch(&t->sleepers, 1, __ATOMIC_SEQ_CST);
		futex_wait(&t->gen, seen, NULL);
		__atomic_sub_fetch(&t->sleepers, 1, __ATOMIC_SEQ_CST);
	}
	return g;
}

static void gate_open(struct team *t)
{
	__atomic_add_fetch(&t->gen, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&t->sleepers, __ATOMIC_SEQ_CST))
		futex_wake(&t->gen, INT_MAX);
}

static void *worker_main(void *arg)
{
	struct member *me = arg;
	struct team *t = me->team;
	uint32_t seen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);

	__atomic_store_n(&me->started, 1, __ATOMIC_RELEASE);
	for (;;) {
		seen = gate_wait(t, seen);
		if (team_stopped(t))
			break;
		t->kind->run(t, me, NULL);
		__atomic_add_fetch(&t->done, 1, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

/* ---- the body ---- */

static int nworkers(const struct team *t)
{
	return t->nthreads - t->first_worker;
}

/* Shared locks: iters split as evenly as threads allow. */
static void set_quotas(struct team *t, uint64_t iters)
{
	int i;

	for (i = 0; i < t->nthreads; i++)
		t->m[i].quota = iters / (uint64_t)t->nthreads + ((uint64_t)i < iters % (uint64_t)t->nthreads);
}

/* Spin, then yield: under `ipcbench test` a worker shares this CPU. Bounded by the watchdog. */
static void wait_done(struct team *t)
{
	unsigned int spins = 0;

	while (__atomic_load_n(&t->done, __ATOMIC_ACQUIRE) < (uint32_t)nworkers(t) && !team_stopped(t))
		spin_wait(&spins);
}

static void team_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	struct team *t = ctx->state;

	if (team_stopped(t))
		return;
	ipcb_watchdog_busy(&t->wd, 1);
	__atomic_store_n(&t->done, 0, __ATOMIC_RELAXED);
	if (t->kind->exclusive)
		t->target = __atomic_load_n(&t->data.count, __ATOMIC_RELAXED) + iters;
	else
		set_quotas(t, iters);
	gate_open(t);
	if (t->first_worker)
		t->kind->run(t, &t->m[0], ctx);
	wait_done(t);
	ipcb_watchdog_busy(&t->wd, 0);
}

/* ---- the watchdog's view ---- */

static uint64_t team_acquired(struct team *t)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < t->nthreads; i++)
		sum += __atomic_load_n(&t->m[i].acquired, __ATOMIC_RELAXED);
	return sum;
}

static uint64_t team_progress(void *arg)
{
	return team_acquired(arg);
}

static void team_wake_all(struct team *t)
{
	futex_wake(&t->gen, INT_MAX);
	lock_wake_all(&t->lock);
}

static void team_stalled(void *arg, double stalled_s)
{
	struct team *t = arg;

	ipcb_abort(t->ctx, "%s: no acquisition for %.1f s with %d threads (a thread stuck in the lock: a lost wake-up?)",
		   t->ctx->bench->id, stalled_s, t->nthreads);
	__atomic_store_n(&t->stop, 1, __ATOMIC_SEQ_CST);
	team_wake_all(t);
}

/* ---- setup and teardown ---- */

static int start_worker(struct ipcb_ctx *ctx, struct team *t, struct member *me)
{
	int rc;

	me->started = -1; /* to be joined; worker_main sets 1 once it runs */
	rc = ipcb_worker_thread(&me->tid, me->cpu, worker_main, me);
	if (rc) {
		me->started = 0;
		return ipcb_skip(ctx, "cannot start a worker on CPU %d: %s", me->cpu, strerror(rc));
	}
	return 0;
}

static int wait_started(struct ipcb_ctx *ctx, struct team *t)
{
	uint64_t deadline = ipcb_now_ns() + ctx->timeout_ns;
	int i;

	for (i = t->first_worker; i < t->nthreads; i++) {
		while (__atomic_load_n(&t->m[i].started, __ATOMIC_ACQUIRE) != 1) {
			if (ipcb_now_ns() > deadline)
				return ipcb_skip(ctx, "worker %d did not start within %.1f s", i,
						 ctx->timeout_ns / 1e9);
			sched_yield();
		}
	}
	return 0;
}

/* Join every worker that was created; 0 if all ended, else -1 (they may still touch t). */
static int stop_workers(struct ipcb_ctx *ctx, struct team *t)
{
	uint64_t limit_ns = 2 * ctx->timeout_ns;
	struct timespec ts;
	int i, rc = 0;

	__atomic_store_n(&t->stop, 1, __ATOMIC_SEQ_CST);
	team_wake_all(t);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(limit_ns / 1000000000);
	for (i = t->first_worker; i < t->nthreads; i++) {
		if (!t->m[i].started)
			continue;
		if (pthread_timedjoin_np(t->m[i].tid, NULL, &ts)) {
			pthread_detach(t->m[i].tid);
			ipcb_abort(ctx, "%s: worker on CPU %d did not stop within %.1f s (left detached)",
				   ctx->bench->id, t->m[i].cpu, limit_ns / 1e9);
			rc = -1;
		}
	}
	return rc;
}

/* Every thread's CPU and acquisitions, as the result's per-thread table. */
static void attach_threads(struct ipcb_ctx *ctx, const struct team *t)
{
	size_t i, n = t->nthreads > 0 ? (size_t)t->nthreads : 0;
	uint64_t *acquired = calloc(n ? n : 1, sizeof(*acquired));
	int *cpu = calloc(n ? n : 1, sizeof(*cpu));

	if (cpu && acquired) {
		for (i = 0; i < n; i++) {
			cpu[i] = t->m[i].cpu;
			acquired[i] = t->m[i].acquired;
		}
		ipcb_attach_threads(ctx, cpu, acquired, n);
	}
	free(cpu);
	free(acquired);
}

/* Each thread's share of every acquisition of the job; 1/threads each is fair. */
static void report_fairness(struct ipcb_ctx *ctx, struct team *t)
{
	uint64_t total = team_acquired(t);
	double min = 1, max = 0, sum_sq = 0, share;
	int i;

	for (i = 0; i < t->nthreads; i++) {
		share = total ? (double)t->m[i].acquired / (double)total : 0;
		min = share < min ? share : min;
		max = share > max ? share : max;
		sum_sq += share * share;
	}
	attach_threads(ctx, t);
	if (!t->kind->exclusive || !total)
		return;
	ipcb_metric(ctx, "share_min", min, "fraction");
	ipcb_metric(ctx, "share_max", max, "fraction");
	ipcb_metric(ctx, "jain_fairness", 1.0 / ((double)t->nthreads * sum_sq), "index");
	ipcb_note(ctx, "fairness over all %llu acquisitions of the job: shares from %.3f to %.3f of %d threads (fair: %.3f each), Jain's index %.3f",
		  (unsigned long long)total, min, max, t->nthreads, 1.0 / t->nthreads,
		  1.0 / ((double)t->nthreads * sum_sq));
}

static void team_teardown(struct ipcb_ctx *ctx)
{
	struct team *t = ctx->state;

	if (!t)
		return;
	ctx->state = NULL;
	ipcb_watchdog_stop(&t->wd);
	if (stop_workers(ctx, t))
		return; /* a worker may still use t: leave it allocated */
	if (!ctx->aborted && !ctx->check_mode)
		report_fairness(ctx, t);
	lock_destroy(&t->lock);
	free(t);
}

static struct team *team_alloc(struct ipcb_ctx *ctx, const struct contended_kind *kind, int nthreads)
{
	size_t size = sizeof(struct team) + (size_t)nthreads * sizeof(struct member);
	struct team *t = aligned_alloc(CACHE_LINE, (size + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
	int i, *cpus;

	if (!t) {
		ipcb_skip(ctx, "aligned_alloc(%zu): %s", size, strerror(errno));
		return NULL;
	}
	memset(t, 0, size);
	t->kind = kind;
	t->ctx = ctx;
	t->nthreads = nthreads;
	t->first_worker = ctx->check_mode ? 0 : 1;
	t->oversubscribed = nthreads > ipcb_ncpus();
	t->cs_work = ipcb_param(ctx, "cs_work");
	t->delay_work = ipcb_param(ctx, "delay_work");
	cpus = malloc((size_t)nthreads * sizeof(int));
	if (!cpus || ipcb_team_cpus(ctx, cpus, nthreads) != nthreads) {
		free(cpus);
		free(t);
		ipcb_skip(ctx, "no CPUs to place %d threads on (out of memory, or no allowed CPU known)", nthreads);
		return NULL;
	}
	for (i = 0; i < nthreads; i++) {
		t->m[i].team = t;
		t->m[i].cpu = cpus[i];
		t->m[i].mix = (uint64_t)i + 1;
	}
	free(cpus);
	if (lock_init(ctx, &t->lock, kind->ops)) {
		free(t);
		return NULL;
	}
	return t;
}

/* threading=single, measured (not checked): the measuring thread is the whole team. */
static int single_alone(const struct ipcb_ctx *ctx, const struct team *t)
{
	return ipcb_param(ctx, "threading") == THREADING_SINGLE && t->first_worker == 1 && t->nthreads == 1;
}

static int team_start(struct ipcb_ctx *ctx, const struct contended_kind *kind)
{
	int nthreads = (int)ipcb_param(ctx, "threads"), i;
	struct team *t;

	if (nthreads < 1)
		return ipcb_skip(ctx, "threads=%d: at least one thread is needed", nthreads);
	if (ipcb_param(ctx, "threading") == THREADING_SINGLE && nthreads > 1)
		return ipcb_skip(ctx, "threading=single with threads=%d: a team of threads is a multi-threaded process by nature; single applies to threads=1 only",
				 nthreads);
	/* the team (or the watchdog, at threads=1) is the other thread multi asks for */
	if (lock_threading_setup(ctx, NULL))
		return -1;
	t = team_alloc(ctx, kind, nthreads);
	if (!t)
		return -1;
	ctx->state = t;
	t->wd = (struct ipcb_watchdog){ .ctx = ctx, .progress = team_progress, .stalled = team_stalled, .arg = t };
	for (i = t->first_worker; i < nthreads; i++)
		if (start_worker(ctx, t, &t->m[i]))
			goto fail;
	if (wait_started(ctx, t))
		goto fail;
	/*
	 * A lone measuring thread waits for nobody, so there is nothing to watch;
	 * and a watchdog thread would make the single-threaded process multi.
	 */
	if (!single_alone(ctx, t) && ipcb_watchdog_start(&t->wd))
		goto fail;
	if (t->oversubscribed)
		ipcb_note(ctx, "oversubscribed: %d threads on %d CPUs, so the figure includes the scheduler's time slices",
			  nthreads, ipcb_ncpus());
	return 0;
fail:
	team_teardown(ctx);
	return -1;
}

/*
 * `ipcbench test`: check_iters acquisitions by the team through the timed
 * code, the measuring thread only watching. Exact: the guarded counter rose
 * by exactly the number of acquisitions the threads counted, and that is
 * check_iters. A lost increment means two threads were inside at once.
 */
static int team_check(struct ipcb_ctx *ctx)
{
	struct team *t = ctx->state;
	uint64_t before = team_acquired(t), count0 = t->data.count, n = ctx->check_iters, got, rose;

	team_body(ctx, n);
	if (ctx->aborted)
		return -1;
	got = team_acquired(t) - before;
	rose = t->data.count - count0;
	if (got != n)
		return ipcb_fail(ctx, "%d threads counted %llu acquisitions, expected %llu", t->nthreads,
				 (unsigned long long)got, (unsigned long long)n);
	if (t->kind->exclusive && rose != n)
		return ipcb_fail(ctx, "mutual exclusion violated: the guarded counter rose by %llu in %llu acquisitions by %d threads",
				 (unsigned long long)rose, (unsigned long long)n, t->nthreads);
	return 0;
}

/* ---- one row per lock of the lock/ family ---- */

#define CONTENDED(name, bid, init_fn, lock_fn, unlock_fn, destroy_fn, excl)              \
	static void name##_run(struct team *t, struct member *me, struct ipcb_ctx *lap) \
	{                                                                               \
		contend(t, me, lap, lock_fn, unlock_fn, excl);                          \
	}                                                                               \
	static const struct contended_kind name##_kind = { &name##_ops, name##_run, excl }; \
	static int name##_setup(struct ipcb_ctx *ctx)                                   \
	{                                                                               \
		return team_start(ctx, &name##_kind);                                   \
	}
IPCB_LOCKS(CONTENDED)
#undef CONTENDED

static const char *const fill_choices[] = { "core", "socket", "spread", NULL };

static const struct ipcb_param contended_params[] = {
	{ .name = "threads", .def = 2, .min = 1, .max = 4096,
	  .what = "threads in the team, the measuring thread included (more than CPUs: --oversubscribe)" },
	{ .name = "cs_work", .def = 80, .min = 0, .max = 1000000,
	  .what = "critical section: dependent multiply-adds on the guarded data (~1.3 ns each at 3 GHz; 80 ~ 100 ns)" },
	{ .name = "delay_work", .def = 0, .min = 0, .max = 1000000,
	  .what = "multiply-adds between a release and the next acquire (0: maximal contention)" },
	LOCK_THREADING_PARAM,
	{ .name = "fill", .def = 0, .choices = fill_choices,
	  .what = "where the threads go: core (one per physical core, one package first, then the next; SMT siblings last), socket (every hardware thread of a package first), spread (the packages in turn); CPU 0 last" },
	{ .name = NULL },
};

#define EXCLUSIVE_NOTE                                                                           \
	"ns per acquisition of the whole team, the inverse of its throughput (acquisitions/s = 1e9 / median); " \
	"the histogram is the measuring thread's own acquisitions: wait + critical section + release + delay"
#define SHARED_NOTE                                                                              \
	"readers do not exclude: each thread takes an equal quota, so no fairness is measured; the figure is " \
	"the reader count's cache line moving between CPUs on every lock and unlock"

#define CONTENDED_ROW(name, bid, init_fn, lock_fn, unlock_fn, destroy_fn, excl)          \
	{                                                                               \
		.id = "lock-contended/" bid,                                            \
		.what = bid " under contention: `threads` threads acquire, work cs_work, release, delay", \
		.unit_of_work = "acquisition",                                          \
		.nthreads = 0,                                                          \
		.latency = 1,                                                           \
		.params = contended_params,                                             \
		.setup = name##_setup,                                                  \
		.body = team_body,                                                      \
		.check = team_check,                                                    \
		.teardown = team_teardown,                                              \
		.note = (excl) ? EXCLUSIVE_NOTE : SHARED_NOTE,                          \
	},

static const struct ipcb_bench lock_contended_benches[] = {
	IPCB_LOCKS(CONTENDED_ROW)
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_lock_contended = {
	.name = "lock-contended",
	.what = "every lock of lock/ under contention: team throughput, per-thread fairness, acquisition latency",
	.benches = lock_contended_benches,
};
