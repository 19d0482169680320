// SPDX-License-Identifier: MIT
/*
 * measure.c - how a number is made.
 *
 * Never time one short operation alone: the body runs `iters` operations per
 * sample, with iters calibrated so that a sample lasts at least 1000x the
 * timer overhead (the overhead is then <0.1% of the sample). The first runs
 * are discarded (lazy binding, cold caches, page faults); samples are taken
 * until the CI95 of the median is within the target, or the budget ends.
 */
#include "measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "timer.h"

void ipcb_measure_defaults(struct ipcb_measure_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->budget_s = 1.0;
	o->min_time_s = 0.2;
	o->warmup_s = 0.05;
	o->ci_target = 0.01;
	o->min_samples = 30;
	o->max_samples = 20000;
	o->rounds = 1;
}

static double run_once(struct ipcb_ctx *ctx, uint64_t iters)
{
	uint64_t t0, t1;

	t0 = ipcb_ticks_start();
	ctx->bench->body(ctx, iters);
	t1 = ipcb_ticks_stop();
	return ipcb_ticks_to_ns(t1 - t0);
}

/* A sample, with the event counters of both parties running only around the timed region. */
static double run_sample(struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o, struct ipcb_measurement *m)
{
	double d;
	int i;

	if (!o->counters)
		return run_once(ctx, m->iters);
	for (i = 0; i < 2; i++)
		if (o->counters[i])
			ipcb_counters_start(o->counters[i]);
	d = run_once(ctx, m->iters);
	for (i = 0; i < 2; i++)
		if (o->counters[i])
			ipcb_counters_stop(o->counters[i]);
	m->ops_counted += m->iters;
	return d;
}

static double target_sample_ns(const struct ipcb_measure_opts *o)
{
	double t = 1000.0 * ipcb_timer()->overhead_ns;

	if (o->sample_ns > 0)
		return o->sample_ns > t ? o->sample_ns : t;
	return t > 50000.0 ? t : 50000.0;
}

/* Grow iters until one sample lasts target ns; gives up after budget_ns. */
static int calibrate(struct ipcb_ctx *ctx, double target, double budget_ns, uint64_t *iters_out)
{
	uint64_t iters = 1, start = ipcb_clock_ns();

	for (;;) {
		double d = run_once(ctx, iters);
		double grow;

		if (ctx->aborted)
			return -1;
		if (d >= target)
			break;
		if ((double)(ipcb_clock_ns() - start) > budget_ns) {
			ipcb_fail(ctx, "calibration: %llu iterations took %.0f ns, short of the %.0f ns sample within the budget",
				  (unsigned long long)iters, d, target);
			return -1;
		}
		/* aim 20% past the target, but grow at most 10x a step: the first runs are cold */
		grow = d > 0 ? target * 1.2 / d : 10.0;
		grow = grow < 2.0 ? 2.0 : (grow > 10.0 ? 10.0 : grow);
		iters = (uint64_t)ceil((double)iters * grow);
	}
	*iters_out = iters;
	return 0;
}

static void warm_up(struct ipcb_ctx *ctx, uint64_t iters, double warmup_s)
{
	uint64_t start = ipcb_clock_ns();

	do
		run_once(ctx, iters);
	while ((double)(ipcb_clock_ns() - start) < warmup_s * 1e9 && !ctx->aborted);
}

/* The stop rule, checked every few samples: statistics are not free. */
static int should_stop(struct ipcb_measurement *m, const struct ipcb_measure_opts *o, size_t in_round,
		       double elapsed_s)
{
	if (o->stop && *o->stop) {
		m->interrupted = 1;
		return 1;
	}
	if (in_round >= (size_t)o->max_samples) {
		m->hit_max = 1;
		return 1;
	}
	/* min_samples wins over the budget, up to 10x the budget for slow bodies */
	if (m->n < (size_t)o->min_samples && elapsed_s < 10 * o->budget_s)
		return 0;
	if (elapsed_s >= o->budget_s) {
		m->hit_budget = 1;
		return 1;
	}
	if (elapsed_s < o->min_time_s || (m->n % 16) != 0)
		return 0;
	ipcb_stats_compute(m->samples, m->n, &m->stats);
	return ipcb_stats_ci_rel(&m->stats) <= o->ci_target;
}

int ipcb_measure_round(struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o, struct ipcb_measurement *m)
{
	uint64_t start = ipcb_clock_ns();
	double target = target_sample_ns(o);

	size_t first;

	if (!m->samples)
		memset(m, 0, sizeof(*m));
	/* max_samples bounds each round: the store grows by that much a round, never past its end */
	if (m->cap - m->n < (size_t)o->max_samples) {
		double *grown = realloc(m->samples, (m->n + (size_t)o->max_samples) * sizeof(double));

		if (!grown)
			return ipcb_fail(ctx, "out of memory for %zu samples", m->n + (size_t)o->max_samples);
		m->samples = grown;
		m->cap = m->n + (size_t)o->max_samples;
	}
	first = m->n;
	m->sample_ns = target;
	if (calibrate(ctx, target, o->budget_s * 1e9, &m->iters))
		return -1;
	warm_up(ctx, m->iters, o->warmup_s);
	for (;;) {
		double elapsed;

		m->samples[m->n++] = run_sample(ctx, o, m) / (double)m->iters;
		if (ctx->aborted)
			return -1;
		elapsed = (double)(ipcb_clock_ns() - start) / 1e9;
		if (should_stop(m, o, m->n - first, elapsed))
			break;
	}
	m->elapsed_s += (double)(ipcb_clock_ns() - start) / 1e9;
	m->rounds++;
	return 0;
}

/*
 * A machine whose speed changes during sampling (a host scheduling another
 * guest on the sibling thread, frequency steps) gives a tight CI within a
 * run and a different median in the next: compare the medians of
 * consecutive blocks of samples to catch it.
 */
static double block_drift(const double *x, size_t n)
{
	enum { BLOCKS = 8 };
	double lo = 0, hi = 0;
	size_t b, len = n / BLOCKS;

	if (len < 8)
		return 1.0;
	for (b = 0; b < BLOCKS; b++) {
		struct ipcb_stats s;

		ipcb_stats_compute(x + b * len, len, &s);
		if (b == 0 || s.median < lo)
			lo = s.median;
		if (b == 0 || s.median > hi)
			hi = s.median;
	}
	return lo > 0 ? hi / lo : 1.0;
}

void ipcb_measure_finish(struct ipcb_measurement *m, const struct ipcb_measure_opts *o)
{
	ipcb_stats_compute(m->samples, m->n, &m->stats);
	m->ci_rel = ipcb_stats_ci_rel(&m->stats);
	m->unstable = m->ci_rel > o->ci_target;
	m->drift = block_drift(m->samples, m->n);
}

int ipcb_measure(struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o, struct ipcb_measurement *m)
{
	memset(m, 0, sizeof(*m));
	if (ipcb_measure_round(ctx, o, m))
		return -1;
	ipcb_measure_finish(m, o);
	return 0;
}

void ipcb_measurement_free(struct ipcb_measurement *m)
{
	free(m->samples);
	m->samples = NULL;
	m->n = m->cap = 0;
}
