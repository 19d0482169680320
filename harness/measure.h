/* SPDX-License-Identifier: MIT */
/* measure.h - iteration calibration, warm-up, the sampling loop and its stop rule. */
#ifndef IPCB_MEASURE_H
#define IPCB_MEASURE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ipcbench.h"
#include "stats.h"

struct ipcb_counters;

struct ipcb_measure_opts {
	double budget_s;      /* sampling ends when this is spent (after min_samples) */
	double min_time_s;    /* ... and never before this, so one quiet burst is not the result */
	double warmup_s;      /* discarded runs before sampling */
	double sample_ns;     /* one sample lasts at least this; 0: max(1000 x timer overhead, 50 us) */
	double ci_target;     /* stop when the CI95 of the median is within +/- this (0.01) */
	int min_samples;      /* 30 */
	int max_samples;      /* memory bound, per round */
	int rounds;	      /* interleave: each job is measured in this many rounds spread over the run */
	volatile sig_atomic_t *stop; /* set by SIGINT: end sampling early */
	const char *counter_list;     /* events to count over the timed samples, or NULL */
	struct ipcb_counters **counters; /* [2]: measuring thread, peer (either may be NULL) */
};

struct ipcb_measurement {
	uint64_t iters;	      /* operations per sample, from calibration */
	double sample_ns;     /* the calibrated duration one sample aimed at */
	double *samples;      /* ns per operation, in time order (malloc'd) */
	size_t n, cap;
	struct ipcb_stats stats;
	double ci_rel;	      /* CI half-width relative to the median */
	int unstable;	      /* ci_rel > ci_target */
	int interrupted;      /* sampling was cut short by SIGINT */
	int hit_budget;	      /* stopped by the budget, not by the CI */
	int hit_max;	      /* stopped by max_samples */
	double elapsed_s;     /* warm-up + calibration + sampling, all rounds */
	int rounds;	      /* how many rounds contributed samples */
	uint64_t ops_counted; /* operations inside counted samples */
	double drift;	      /* max/min of the medians of 8 consecutive blocks of samples */
};

void ipcb_measure_defaults(struct ipcb_measure_opts *o);

/*
 * Measure ctx->bench->body on the calling thread (already pinned, set up):
 * one round, then finish (what handoff's matrix does for each pair). 0 on
 * success; -1 when the body aborted (its reason in ctx->why), or with
 * ctx->why when calibration could not reach the sample duration within the
 * budget or the samples found no memory.
 */
int ipcb_measure(struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o, struct ipcb_measurement *m);
/*
 * One round: calibrate, warm up and append samples to m (zeroed before the
 * first round) until o's stop rule; budget, min_time and max_samples are
 * per round, the CI is over all rounds so far. Then finish once.
 */
int ipcb_measure_round(struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o, struct ipcb_measurement *m);
void ipcb_measure_finish(struct ipcb_measurement *m, const struct ipcb_measure_opts *o);
void ipcb_measurement_free(struct ipcb_measurement *m);

#endif
