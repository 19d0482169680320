/* SPDX-License-Identifier: MIT */
/*
 * ipcbench.h - the contract between the harness and the benchmark families.
 *
 * A benchmark is data plus a body. A family file (bench/<family>.c) declares
 * a const table of struct ipcb_bench and one struct ipcb_family; the harness
 * owns timing, pinning, statistics and output. A body never reads a clock,
 * prints or exits: it does exactly `iters` operations.
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

#include <jansson.h>
#include <pthread.h>
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
	int spins;		  /* busy-waits: refuses the same-cpu placement */
	int latency;		  /* the body calls ipcb_lap() after each operation: a histogram is kept */
	int pair_sweep;		  /* the engine measures all CPU pairs (ipcb_pair_plan), then a headline pair: one round per run */
	const struct ipcb_param *params; /* NULL-name terminated, or NULL */
	/* 0 if it can run here; otherwise -1 and the precise reason in why */
	int (*supported)(const struct ipcb_ctx *ctx, char *why, size_t whylen);
	/* 0 ok; -1 with ctx->why set: the result is `skipped` */
	int (*setup)(struct ipcb_ctx *ctx);
	/* the timed loop: exactly iters operations */
	void (*body)(struct ipcb_ctx *ctx, uint64_t iters);
	/* `ipcbench test`: 0 if the mechanism works, else -1 with ctx->why */
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
	/* per-operation timing, owned by the harness (see ipcb_lap) */
	int lap_on;
	uint64_t lap_last;
	void *lap_hist;
	json_t *extra;			 /* metrics and attachments for the result */
	pid_t peer_tid;			 /* the peer's thread or process id, for counters */
};

/* The value of a declared parameter (the default if not set). */
int64_t ipcb_param(const struct ipcb_ctx *ctx, const char *name);
/* Set ctx->why printf-style; returns -1 so callers can `return ipcb_fail()`. */
int ipcb_fail(struct ipcb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Add a note printf-style to the result. */
void ipcb_note(struct ipcb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Pin the calling thread to one OS CPU id. 0 on success, -errno on error. */
int ipcb_pin_self(int cpu);
/* The i-th allowed OS CPU id, ascending, round robin past the last (e.g. to enumerate every CPU). */
int ipcb_cpu_for_thread(int i);
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

/*
 * A sweep over the ordered pairs of n CPUs (a core-to-core matrix): how many
 * pairs fit in budget_ms and how long each is sampled. budget_ms 0 means
 * every pair at 10 ms, within 1 s to 10 min; a larger budget gives a pair at
 * most 100 ms, a smaller one a fixed random sample of pairs at 10 ms each.
 */
struct ipcb_pair_plan {
	size_t total;	 /* n(n-1) ordered pairs */
	size_t planned;	 /* how many fit */
	double pair_s;	 /* sampling time of one pair */
	double budget_s; /* planned x pair_s */
};
void ipcb_pair_plan(int ncpus, int64_t budget_ms, struct ipcb_pair_plan *p);

/* A named figure beside the median: "acquisitions_per_s", "rss_saved_bytes", ... */
void ipcb_metric(struct ipcb_ctx *ctx, const char *name, double value, const char *unit);
/* Attach structured data (e.g. a matrix) under key in the result; steals the reference. */
void ipcb_attach(struct ipcb_ctx *ctx, const char *key, json_t *value);

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

/* For explain hooks: the machine the run recorded (its results file's "machine"), never the one explaining. */
const json_t *ipcb_results_machine(const struct ipcb_results *rs);
/* For explain hooks: the median of an ok result (first match), or -1. placement NULL: any. */
double ipcb_result_median(const struct ipcb_results *rs, const char *id, const char *placement);
/* Add a note to every ok result with this id (and placement, unless NULL). */
void ipcb_result_note(struct ipcb_results *rs, const char *id, const char *placement, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * The same, restricted to results whose params match a filter such as
 * "batch=64,target=pipe" (integers compare as numbers, choices by name;
 * params not named are free). NULL or "" matches every result.
 */
double ipcb_result_median_where(const struct ipcb_results *rs, const char *id, const char *placement,
				const char *filter);
/*
 * A sweep's crossover, as a note on id's results: from which value of param
 * (ascending, as found in this run) id's median drops below reference's, or
 * that it never does. filter holds params both share, own those of id only;
 * placement NULL compares across placements.
 */
void ipcb_explain_crossover(struct ipcb_results *rs, const char *id, const char *reference, const char *placement,
			    const char *param, const char *filter, const char *own);
void ipcb_result_note_where(struct ipcb_results *rs, const char *id, const char *placement, const char *filter,
			    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
