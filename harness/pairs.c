// SPDX-License-Identifier: MIT
/*
 * pairs.c - the pair sweep: a core-to-core matrix of a two-thread benchmark
 * that declares pair_sweep (handoff/matrix: the spin round trip).
 *
 * Each planned ordered pair a -> b is a small job of its own in this worker
 * process: the measuring thread pinned to a, the benchmark's setup (its
 * peer on b), the sampler of measure.c (calibration, warm-up, stop rule) on
 * the pair's share of budget_ms, teardown. A pair that fails leaves a hole
 * (and a note), not a failed job. The sweep runs once per run, in the only
 * round of its job; that round then measures the headline pair as usual.
 */
#include "pairs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "measure.h"
#include "result.h"
#include "runner.h"
#include "topo.h"

/* What one sweep carries from pair to pair. */
struct sweep {
	struct ipcb_ctx *ctx;
	struct ipcb_rmatrix *mx;
	double pair_s;	/* sampling time of one pair */
	double min, max; /* over the measured pairs */
	size_t failed;
};

int ipcb_pair_peer(struct ipcb_ctx *ctx)
{
	int n = ipcb_ncpus(), i;

	if (n < 2)
		return ipcb_skip(ctx, "a core-to-core matrix needs two CPUs; this process may use %d", n);
	for (i = 0; i < n && ipcb_cpu_for_thread(i) == ctx->cpus[0]; i++)
		;
	ctx->cpus[1] = ipcb_cpu_for_thread(i < n ? i : 0);
	return 0;
}

#define PAIR_MIN_S 0.01
#define PAIR_MAX_S 0.1
#define PAIR_AUTO_MIN_S 1.0
#define PAIR_AUTO_MAX_S 600.0

void ipcb_pair_plan(int ncpus, int64_t budget_ms, struct ipcb_pair_plan *p)
{
	double budget_s = (double)budget_ms / 1e3;

	memset(p, 0, sizeof(*p));
	if (ncpus < 2)
		return;
	p->total = (size_t)ncpus * (size_t)(ncpus - 1);
	if (budget_ms <= 0) {
		budget_s = (double)p->total * PAIR_MIN_S;
		budget_s = budget_s < PAIR_AUTO_MIN_S ? PAIR_AUTO_MIN_S : budget_s > PAIR_AUTO_MAX_S ? PAIR_AUTO_MAX_S : budget_s;
	}
	p->pair_s = budget_s / (double)p->total;
	p->pair_s = p->pair_s < PAIR_MIN_S ? PAIR_MIN_S : p->pair_s > PAIR_MAX_S ? PAIR_MAX_S : p->pair_s;
	p->planned = (size_t)(budget_s / p->pair_s + 1e-9);
	if (p->planned > p->total)
		p->planned = p->total;
	if (p->planned < 1)
		p->planned = 1;
	p->budget_s = (double)p->planned * p->pair_s;
}

/* The median of pair a -> b (a measures, b answers), or -1 with the reason in why. */
static double pair_median(const struct ipcb_ctx *ctx, int a, int b, double pair_s, char *why, size_t len)
{
	const struct ipcb_bench *bench = ctx->bench;
	struct ipcb_measurement m = { 0 };
	struct ipcb_measure_opts o;
	struct ipcb_ctx_engine engine;
	struct ipcb_ctx sub;
	double median = -1;

	memset(&sub, 0, sizeof(sub));
	memset(&engine, 0, sizeof(engine));
	sub.engine = &engine;
	sub.bench = bench;
	memcpy(sub.params, ctx->params, sizeof(sub.params));
	sub.cpus[0] = a;
	sub.cpus[1] = b;
	sub.placement = ipcb_topo_relation(a, b);
	sub.timeout_ns = ctx->timeout_ns;
	ipcb_measure_defaults(&o);
	o.budget_s = pair_s;
	o.min_time_s = pair_s / 4;
	o.warmup_s = pair_s / 10;
	o.stop = &ipcb_interrupted;
	if (ipcb_pin_self(a)) {
		snprintf(why, len, "cannot pin to CPU %d", a);
		return -1;
	}
	if (!bench->setup || bench->setup(&sub) == 0) {
		if (ipcb_measure(&sub, &o, &m) == 0 && !sub.aborted)
			median = m.stats.median;
		if (bench->teardown)
			bench->teardown(&sub);
	}
	if (median < 0)
		snprintf(why, len, "%s", sub.why);
	/* a pair's own notes and attachments describe that pair only */
	ipcb_ctx_extra_free(&sub);
	ipcb_measurement_free(&m);
	return median;
}

/* xorshift64: a fixed seed, so the same machine samples the same pairs every run. */
static uint64_t pick_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Which of the n(n-1) ordered pairs to measure: all, or `want` of them at random. */
static unsigned char *pick_pairs(size_t total, size_t want)
{
	unsigned char *pick = calloc(total, 1);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t chosen = 0, i;

	if (!pick)
		return NULL;
	if (want >= total) {
		memset(pick, 1, total);
		return pick;
	}
	while (chosen < want) {
		i = (size_t)(pick_rand(&seed) % total);
		if (!pick[i]) {
			pick[i] = 1;
			chosen++;
		}
	}
	return pick;
}

/* An n x n matrix over the CPUs this process may use, nothing measured yet. */
static struct ipcb_rmatrix *matrix_new(size_t n)
{
	struct ipcb_rmatrix *mx = ipcb_rmatrix_new(n, "round_trip_ns");
	size_t i;

	if (!mx)
		return NULL;
	mx->has_total = mx->has_measured = 1;
	mx->total = n * (n - 1);
	mx->rows = strdup("measuring CPU");
	mx->columns = strdup("answering CPU");
	if (!mx->rows || !mx->columns) {
		ipcb_rmatrix_free(mx);
		return NULL;
	}
	for (i = 0; i < n; i++)
		mx->cpus[i] = ipcb_cpu_for_thread((int)i);
	return mx;
}

/* Row a: the pairs from cpus[a] to every other CPU that the plan picked. */
static void sweep_row(struct sweep *s, size_t a, const unsigned char *pick)
{
	struct ipcb_rmatrix *mx = s->mx;
	char why[IPCB_WHY_LEN];
	size_t b, n = mx->n;
	double v;

	for (b = 0; b < n; b++) {
		if (b == a || !pick[a * (n - 1) + (b < a ? b : b - 1)] || ipcb_interrupted)
			continue;
		v = pair_median(s->ctx, mx->cpus[a], mx->cpus[b], s->pair_s, why, sizeof(why));
		if (v < 0) {
			if (s->failed++ == 0)
				ipcb_note(s->ctx, "matrix: pair %d -> %d failed: %s", mx->cpus[a], mx->cpus[b], why);
			continue;
		}
		mx->value[a * n + b] = v;
		s->min = mx->measured && s->min < v ? s->min : v;
		s->max = mx->measured && s->max > v ? s->max : v;
		mx->measured++;
	}
}

/* Measure the planned pairs; the headline pair is recorded for the result, whose placement says only "single". */
static int sweep_run(struct sweep *s)
{
	struct ipcb_ctx *ctx = s->ctx;
	struct ipcb_pair_plan pp;
	unsigned char *pick;
	size_t n = (size_t)ipcb_ncpus(), a;

	ipcb_pair_plan((int)n, ipcb_param(ctx, "budget_ms"), &pp);
	s->pair_s = pp.pair_s;
	s->mx = matrix_new(n);
	pick = pick_pairs(pp.total, pp.planned);
	if (!s->mx || !pick) {
		free(pick);
		return ipcb_skip(ctx, "out of memory for %zu pairs", pp.total);
	}
	for (a = 0; a < n; a++)
		sweep_row(s, a, pick);
	free(pick);
	s->mx->has_headline = 1;
	s->mx->headline[0] = ctx->cpus[0];
	s->mx->headline[1] = ctx->cpus[1];
	s->mx->relation = strdup(ipcb_topo_relation(ctx->cpus[0], ctx->cpus[1]));
	if (!s->mx->relation)
		return ipcb_skip(ctx, "out of memory");
	return 0;
}

/* The figures beside the headline: the fastest and slowest pair, and what was measured. */
static int sweep_summary(struct sweep *s)
{
	struct ipcb_ctx *ctx = s->ctx;
	const struct ipcb_rmatrix *mx = s->mx;

	if (ipcb_pin_self(ctx->cpus[0]))
		return ipcb_skip(ctx, "cannot pin back to CPU %d", ctx->cpus[0]);
	if (!mx->measured)
		return ipcb_skip(ctx, "no pair could be measured");
	ipcb_metric(ctx, "pair_min_ns", s->min, "ns");
	ipcb_metric(ctx, "pair_max_ns", s->max, "ns");
	ipcb_note(ctx, "matrix: %zu of %zu ordered pairs measured (%s), %.0f ms each; attachments.matrix, rows measure, columns answer",
		  mx->measured, mx->total,
		  mx->measured + s->failed < mx->total ? "a fixed random sample within budget_ms" : "all",
		  s->pair_s * 1e3);
	ipcb_note(ctx, "headline: the %s CPU %d <-> CPU %d (%s)", ctx->bench->unit_of_work, mx->headline[0],
		  mx->headline[1], mx->relation);
	return 0;
}

int ipcb_pair_sweep(struct ipcb_ctx *ctx)
{
	struct sweep s = { .ctx = ctx };
	int rc = -1;

	if (ipcb_pair_peer(ctx) || sweep_run(&s))
		goto out;
	rc = sweep_summary(&s);
	if (rc == 0) {
		ipcb_result_set_matrix(ipcb_ctx_extra(ctx), s.mx);
		s.mx = NULL;
	}
out:
	ipcb_rmatrix_free(s.mx);
	return rc;
}
