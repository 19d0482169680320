/* SPDX-License-Identifier: MIT */
/* runner.h - from a configuration to jobs (benchmark x parameters x placement) to result records. */
#ifndef IPCB_RUNNER_H
#define IPCB_RUNNER_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "measure.h"
#include "ipcbench.h"
#include "result.h"

struct ipcb_job {
	const struct ipcb_bench *bench;
	int64_t params[IPCB_MAX_PARAMS];
	const char *placement; /* "single" for one thread, else a placement name */
	int cpus[2];
	int ncpus;
	char skip[IPCB_WHY_LEN]; /* non-empty: the job cannot run here, and why */
	uint64_t timeout_ns;	 /* the watchdog's bound on any wait */
};

/* SIGINT sets this; sampling ends early and the run stops after the current job. */
extern volatile sig_atomic_t ipcb_interrupted;
void ipcb_install_sigint(void);

/* Expand the configuration into jobs. -1 with err on bad input (exit 2). */
int ipcb_plan(const struct ipcb_config *c, struct ipcb_job **jobs, size_t *njobs, char *err, size_t errlen);

/* A job's parameter by name, or -1 when its benchmark does not declare it. */
int64_t ipcb_job_param(const struct ipcb_job *job, const char *name);

/* The OS CPU ids a job uses, in thread order: the pair, the single CPU, or an N-thread team. */
json_t *ipcb_job_cpus(const struct ipcb_job *job);

/* Into r, a result with no measurement: skipped or failed, and why (free it with ipcb_result_free). */
void ipcb_job_result(const struct ipcb_job *job, enum ipcb_status status, const char *reason, struct ipcb_result *r);

/*
 * One round of a job in this process (a worker's work): into r the result
 * (id, params, placement, status, reason) and, when ok, into *round the
 * round's samples and how sampling ended (else NULL). The last round also
 * carries what is taken once: the latency histogram, counters, metrics,
 * attachments and the benchmark's notes.
 */
void ipcb_round_record(const struct ipcb_job *job, const struct ipcb_measure_opts *o, int last,
		       struct ipcb_result *r, json_t **round);

/*
 * The machine's speed round by round: for each round, the median over the
 * results that ran every round of (that round's median / the result's
 * median). Jobs of one round run close in time, so a round where all of
 * them are slow is the machine slowing down. {"by_round": [...], "spread":
 * max/min}.
 */
json_t *ipcb_round_speed(const struct ipcb_result *results, size_t nresults, int rounds);

/*
 * Progress of the schedule: before a round (result NULL; i counts rounds of
 * n in all) and when a job is done (result set; i is the job's index of n).
 */
typedef void (*ipcb_progress_fn)(const struct ipcb_job *job, size_t i, size_t n, const struct ipcb_result *result,
				 void *arg);

/*
 * The schedule: every job in o->rounds rounds interleaved with the other
 * jobs, so a slow phase of the machine falls on every job alike, each round
 * in a fresh worker process (budget and min_time shared out among the
 * rounds). Fills results (room for njobs) with one result per job that
 * ran, in job order, and sets *nresults; stops early on SIGINT (a job not
 * reached has none). Each is the caller's to ipcb_result_free(). Returns how
 * many results failed.
 */
size_t ipcb_run_jobs(const struct ipcb_job *jobs, size_t njobs, const struct ipcb_measure_opts *o,
		     ipcb_progress_fn progress, void *arg, struct ipcb_result *results, size_t *nresults);

/* What `ipcbench test` found for a job: the mechanism works, cannot run here, or does not work. */
enum ipcb_check { IPCB_CHECK_PASS, IPCB_CHECK_SKIP, IPCB_CHECK_FAIL };

/* `ipcbench test`: does the mechanism work; why says why not (or "no check: body ran"). */
enum ipcb_check ipcb_check_job(const struct ipcb_job *job, char *why, size_t whylen);

/* After a run: every family's explain hook adds notes that compare results (n of them). */
void ipcb_explain(struct ipcb_result *results, size_t n, const json_t *machine);

/* A one-line label: the id and every parameter ("handoff/futex idle_hold=-1"); the placement is not in it. */
void ipcb_job_label(const struct ipcb_job *job, char *buf, size_t len);

#endif
