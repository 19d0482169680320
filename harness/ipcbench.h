/* SPDX-License-Identifier: MIT */
/*
 * ipcbench.h - the contract between the harness and the benchmark families.
 *
 * A benchmark is data plus a body. A family file (bench/<family>.c) declares
 * a const table of struct ipcb_bench and one struct ipcb_family; the harness
 * owns timing, pinning, statistics and output. A body does not time itself
 * (its clock reads are deadlines, or timestamps that are its data), print or
 * exit: it does exactly `iters` operations, fewer only once aborted.
 *
 * This header and ipcbench_explain.h (the queries of an explain hook) are all
 * a family includes of the harness: everything here is meant for families,
 * and nothing in it is the harness's own state. The harness's part of a
 * context lives behind ctx->engine (harness/ctx.h, the engine's only).
 *
 * Life cycle of one job (benchmark x parameter values x placement):
 *   supported()  may be NULL (= supported); -1 + why -> "skipped"
 *   the measuring thread is pinned to ctx->cpus[0]
 *   setup()      may be NULL; starts peers (ipcb_peer_thread/_fork); -1 -> "skipped"
 *   body()       called many times (calibration, warm-up, samples, latency pass)
 *   teardown()   may be NULL; always called after a successful setup
 * Under `ipcbench test`: supported, setup, check(), body(ctx, 100), teardown.
 * If anything calls ipcb_abort(), the job is "failed" with that reason.
 */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPCB_MAX_PARAMS 8
#define IPCB_MAX_NOTES 8
#define IPCB_WHY_LEN 256
#define IPCB_NOTE_LEN 320

/* Keep the compiler from deleting a value or a loop. */
#define ipcb_keep(v) __asm__ volatile("" : : "r"(v) : "memory")
#define ipcb_barrier() __asm__ volatile("" : : : "memory")

/* One step of a busy-wait: pause frees the sibling hyperthread and avoids a pipeline flush on exit. */
static inline void ipcb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	ipcb_barrier();
#endif
}

/*
 * A declared knob of a benchmark: integer valued, with a default. With
 * choices (NULL terminated), the value is an index into them, and configs,
 * --param and the JSON use the names: "mode": "process". Without, the value
 * must lie in [min, max]: planning refuses anything else (exit 2, naming the
 * range), so a body never sees a value that wrapped or makes no sense.
 */
struct ipcb_param {
	const char *name; /* "size", "batch", ... */
	int64_t def;
	const char *what; /* one line for `ipcbench list -v` */
	const char *const *choices;
	int64_t min, max; /* the accepted range (inclusive); unused with choices */
};

struct ipcb_ctx;

struct ipcb_bench {
	const char *id;		  /* "family/name", fnmatch-able */
	const char *what;	  /* one line for `ipcbench list` */
	const char *unit_of_work; /* "lock+unlock", "round trip", "syscall" */
	int nthreads;		  /* 1, 2 (a peer pinned by placement), or 0: the "threads" parameter */
	int busy_waits;		  /* it busy-waits: refuses the same-cpu placement */
	int latency;		  /* the body calls ipcb_lap() after each operation: a histogram is kept */
	int pair_sweep;		  /* the engine measures all CPU pairs (ipcb_pair_plan), then a headline pair: one round per run */
	const struct ipcb_param *params; /* NULL-name terminated, or NULL */
	/* 0 if it can run here; otherwise -1 and the precise reason in why */
	int (*supported)(const struct ipcb_ctx *ctx, char *why, size_t whylen);
	/* 0 ok; -1 with ctx->why set (ipcb_skip): the result is `skipped` */
	int (*setup)(struct ipcb_ctx *ctx);
	/* the timed loop: exactly iters operations */
	void (*body)(struct ipcb_ctx *ctx, uint64_t iters);
	/* `ipcbench test`: 0 if the mechanism works, else -1 with ctx->why (ipcb_fail) */
	int (*check)(struct ipcb_ctx *ctx);
	void (*teardown)(struct ipcb_ctx *ctx);
	/* a one-line explanation of what dominates the figure, or NULL */
	const char *note;
};

struct ipcb_results; /* the results of this run, for a family's explain hook */

struct ipcb_family {
	const char *name; /* "lock" */
	const char *what;
	const struct ipcb_bench *benches; /* terminated by an entry with id NULL */
	/* after the run: add notes that compare results (e.g. futex vs the spin floor); may be NULL */
	void (*explain)(struct ipcb_results *rs);
};

/* What a benchmark sees: its parameters, its CPUs, a place for its state. */
struct ipcb_ctx {
	const struct ipcb_bench *bench;
	int64_t params[IPCB_MAX_PARAMS]; /* in the order of bench->params */
	int cpus[2];			 /* cpus[0]: the measuring thread */
	const char *placement;		 /* placement name */
	int check_mode;			 /* 1 under `ipcbench test` */
	uint64_t check_iters;		 /* suggested size of a check */
	void *state;			 /* the benchmark's own */
	char why[IPCB_WHY_LEN];		 /* reason for skip or failure */
	int nnotes;
	char notes[IPCB_MAX_NOTES][IPCB_NOTE_LEN];
	/* the watchdog: a wait longer than this ends the benchmark as failed */
	uint64_t timeout_ns;
	volatile int aborted;		 /* set by ipcb_abort(): the body returns at once */
	/*
	 * Read only, written by the harness: 1 while its latency pass times
	 * each operation (ipcb_lap, ipcb_lap_on). A field, not behind engine,
	 * so that ipcb_lap costs one load and one predictable branch.
	 */
	int lap_on;
	struct ipcb_ctx_engine *engine;	 /* the harness's own: laps, metrics, the peer's id */
};

/* The value of a declared parameter (the default if not set). */
int64_t ipcb_param(const struct ipcb_ctx *ctx, const char *name);
/*
 * Two outcomes, one mechanism (ctx->why set printf-style, -1 returned, so a
 * caller can `return ipcb_skip(...)`); the name says which the caller means:
 * ipcb_skip  in setup() and what it calls: the job cannot run here, the
 *            result is `skipped` with the reason;
 * ipcb_fail  in check() and what it calls: the mechanism does not work,
 *            `ipcbench test` says FAIL with the reason.
 */
int ipcb_skip(struct ipcb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ipcb_fail(struct ipcb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Add a note printf-style to the result. */
void ipcb_note(struct ipcb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The CPUs of the n threads of a team (an N-thread benchmark; thread 0 is
 * the measuring thread), placed by the benchmark's `fill` parameter when it
 * declares one (core: one per physical core, package by package; socket;
 * spread), CPU 0 last within its package. Returns n, or 0 when no CPU is
 * known (cpus[] then untouched).
 */
int ipcb_team_cpus(const struct ipcb_ctx *ctx, int *cpus, int n);
/* How many CPUs this process may run on (the affinity mask, not nproc). */
int ipcb_ncpus(void);

/*
 * The watchdog. A body or peer that waits must bound the wait: give up after
 * ctx->timeout_ns, call ipcb_abort() with what it was waiting for, and
 * return. The harness records the result as failed with that reason.
 */
int ipcb_abort(struct ipcb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Keep every CPU out of idle states that exit slower than us microseconds
 * (a PM QoS request on /dev/cpu_dma_latency; root) for as long as the
 * returned fd is open: close it to release. -1 with ctx->why when it cannot.
 */
int ipcb_hold_idle_latency(struct ipcb_ctx *ctx, int us);
/* A monotonic clock for deadlines (never for measuring). */
uint64_t ipcb_now_ns(void);

/*
 * The harness's timer, for a timestamp that is part of what a benchmark
 * measures (a message's send time, read at the other end): ticks, and ticks
 * to nanoseconds. The harness still times the body; these are not for that.
 */
uint64_t ipcb_ticks(void);
double ipcb_ticks_to_ns(uint64_t ticks);
/* 1 when ticks are TSC ticks (comparable across CPUs if the kernel says so); else 0 and why not. */
int ipcb_ticks_are_tsc(char *why, size_t len);

/* The placements, most local first, NULL-terminated: "same-cpu", "smt-sibling", ..., "cross-numa". */
extern const char *const ipcb_placement_names[];

/* Protection keys usable here (CPUID.7.0:ECX[3] PKU and ECX[4] OSPKE): 1, or 0 and why not. */
int ipcb_have_pku(char *why, size_t len);

/*
 * The one reader of small procfs/sysfs files: the text trimmed of blanks
 * and newlines at both ends (truncated to len - 1), 0 or -errno; and the
 * leading integer of a file, or dflt when it cannot be read.
 */
int ipcb_read_text(const char *path, char *buf, size_t len);
long ipcb_read_long(const char *path, long dflt);
/*
 * The value of one field of a "key: value" (or "key value") file such as
 * /proc/meminfo, /proc/vmstat, /proc/self/status or the first block of
 * /proc/cpuinfo, trimmed: 0, -ENOENT when the key is absent, or -errno.
 */
int ipcb_read_field(const char *path, const char *key, char *buf, size_t len);

/*
 * Per-operation latency. A body with .latency set calls ipcb_lap(ctx) after
 * each operation; when the harness's latency pass is on, it records the time
 * since the previous lap (or the start of the body) in a log-linear
 * histogram. Off, it costs one predictable branch.
 */
void ipcb_lap_record(struct ipcb_ctx *ctx);
static inline void ipcb_lap(struct ipcb_ctx *ctx)
{
	if (__builtin_expect(ctx->lap_on, 0))
		ipcb_lap_record(ctx);
}

/* Whether the latency pass is on: a body may take a timestamp only then (as ipcb_lap does). */
static inline int ipcb_lap_on(const struct ipcb_ctx *ctx)
{
	return __builtin_expect(ctx->lap_on, 0);
}

/* A named figure beside the median: "acquisitions_per_s", "rss_saved_bytes", ... */
void ipcb_metric(struct ipcb_ctx *ctx, const char *name, double value, const char *unit);
/*
 * A per-thread table of an N-thread benchmark, in the result as
 * "attachments": {"threads": [{"cpu": .., "acquisitions": ..}, ...]}: thread
 * i ran on cpu[i] and made acquisitions[i] operations.
 */
void ipcb_attach_threads(struct ipcb_ctx *ctx, const int *cpu, const uint64_t *acquisitions, size_t n);

/* A peer of a two-party benchmark: a thread or a forked process pinned to ctx->cpus[1]. */
struct ipcb_peer {
	int is_process;
	pthread_t tid;
	pid_t pid;
};

/* Start fn(arg) on a thread pinned to ctx->cpus[1]; returns once it runs. 0 or -1 with ctx->why. */
int ipcb_peer_thread(struct ipcb_ctx *ctx, struct ipcb_peer *p, void *(*fn)(void *), void *arg);
/*
 * Start fn(arg) on a thread of an N-thread team, pinned to cpu before it runs
 * and named ipcb-worker. 0 or an errno value (pthread_create's convention).
 */
int ipcb_worker_thread(pthread_t *tid, int cpu, void *(*fn)(void *), void *arg);
/*
 * Fork a child pinned to ctx->cpus[1] that runs fn(arg) and exits with its
 * return value; it dies with its parent (PR_SET_PDEATHSIG). 0 or -1 with ctx->why.
 */
int ipcb_peer_fork(struct ipcb_ctx *ctx, struct ipcb_peer *p, int (*fn)(void *), void *arg);
/*
 * Wait for the peer to end, at most timeout_ms; a process still running then
 * is killed. 0 if it ended cleanly (thread returned, child exited 0), else
 * -1 with the reason in ctx->why.
 */
int ipcb_peer_wait(struct ipcb_ctx *ctx, struct ipcb_peer *p, int timeout_ms);

/*
 * The watchdog: the one bound on waits that have no timeout of their own (a
 * blocked read, pthread_mutex_lock, FUTEX_WAIT, a spin). Fill in ctx,
 * progress and arg (and stalled, interrupt, timeout_ns as below), then
 * ipcb_watchdog_start(); ipcb_watchdog_stop() when done (safe on a zeroed
 * one never started). progress() returns a count the waits advance.
 *
 * By default an engine thread named ipcb-watchdog watches, inheriting the
 * caller's CPU, outside any timed path, and looks twice per timeout: if
 * progress() stays the same for a whole timeout while the body is busy
 * (ipcb_watchdog_busy), stalled() runs on that thread; it must ipcb_abort()
 * and wake every waiter.
 *
 * With interrupt set there is no thread (a single-threaded process stays
 * so): a timer signals the calling thread once per timeout, so a blocked
 * call returns EINTR; when a whole period passed without progress, fired is
 * set, and the wait gives up (fired is for the body to read; stalled is not
 * called). ticks counts the periods: a wait may look around at each.
 * progress() then runs in the signal handler: it must only read a counter.
 * ipcb_watchdog_begin() starts a run of waits afresh (the time before it is
 * nobody's silence) with the current timeout_ns.
 */
struct ipcb_watchdog {
	struct ipcb_ctx *ctx;
	uint64_t (*progress)(void *arg);
	void (*stalled)(void *arg, double stalled_s);
	void *arg;
	int interrupt;			   /* a timer signal instead of a thread */
	uint64_t timeout_ns;		   /* 0: ctx->timeout_ns */
	volatile sig_atomic_t fired;	   /* interrupt: a whole period without progress */
	volatile unsigned long ticks;	   /* interrupt: periods so far */
	int busy;			   /* ipcb_watchdog_busy() */
	struct ipcb_watchdog_engine *engine; /* the engine's: its thread or timer; NULL when not started */
};

/* 0, or -1 with ctx->why. */
int ipcb_watchdog_start(struct ipcb_watchdog *w);
/* Idempotent; returns within one tick of the watchdog. */
void ipcb_watchdog_stop(struct ipcb_watchdog *w);
void ipcb_watchdog_begin(struct ipcb_watchdog *w);
/* The body runs (1) or is done (0): only a busy body can stall (the thread's watch). A relaxed store. */
static inline void ipcb_watchdog_busy(struct ipcb_watchdog *w, int busy)
{
	__atomic_store_n(&w->busy, busy, __ATOMIC_RELAXED);
}

#endif
