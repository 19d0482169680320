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

/*
 * A job measured in several rounds interleaved with the other jobs, so that
 * a slow phase of the machine falls on every job alike rather than on
 * whichever ran at that moment. Zero it, call ipcb_run_round for each round
 * (last = 1 on the final one) until run->result is set, then ipcb_run_free.
 */
struct ipcb_run {
	struct ipcb_measurement m;
	struct ipcb_counters *counters[2];
	json_t *result; /* set once the job is done: skipped, failed, or after the last round */
};
void ipcb_run_round(const struct ipcb_job *job, const struct ipcb_measure_opts *o, struct ipcb_run *run, int last);
/* Interrupted between rounds: make a result from the samples so far, if any. */
void ipcb_run_finish_early(const struct ipcb_job *job, const struct ipcb_measure_opts *o, struct ipcb_run *run);
void ipcb_run_free(struct ipcb_run *run);

/* `ipcbench test`: does the mechanism work. 0 pass, 1 skip, -1 fail; why says. */
int ipcb_check_job(const struct ipcb_job *job, char *why, size_t whylen);

/* After a run: every family's explain hook adds notes that compare results. */
void ipcb_explain(json_t *results);

/* A one-line label: id plus non-default parameters and the placement. */
void ipcb_job_label(const struct ipcb_job *job, char *buf, size_t len);

#endif
