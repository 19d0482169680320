// SPDX-License-Identifier: MIT
/*
 * runner.c - the schedule that runs the jobs plan.c made: each round of each
 * job in a worker process (worker.c), where this file pins the measuring
 * thread, asks the benchmark whether it can run here, sets it up (after the
 * pair sweep, pairs.c, for a benchmark that declares one) and measures it
 * (measure.c) into a struct ipcb_result; the manager pools the rounds into
 * one result per job. Benchmarks never decide exit codes or print: a failed
 * setup becomes `skipped` with its reason. Also `ipcbench test`'s check.
 */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "ctx.h"
#include "measure.h"
#include "pairs.h"
#include "registry.h"
#include "result.h"
#include "stats.h"
#include "timer.h"
#include "topo.h"
#include "worker.h"

volatile sig_atomic_t ipcb_interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	ipcb_interrupted = 1;
	/* a second Ctrl-C kills at once */
	signal(SIGINT, SIG_DFL);
}

void ipcb_install_sigint(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* --- running ------------------------------------------------------------- */

static void ctx_init(struct ipcb_ctx *ctx, struct ipcb_ctx_engine *engine, const struct ipcb_job *job)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(engine, 0, sizeof(*engine));
	ctx->engine = engine;
	ctx->bench = job->bench;
	memcpy(ctx->params, job->params, sizeof(ctx->params));
	ctx->cpus[0] = job->cpus[0];
	ctx->cpus[1] = job->ncpus > 1 ? job->cpus[1] : job->cpus[0];
	ctx->placement = job->placement;
	ctx->timeout_ns = job->timeout_ns ? job->timeout_ns : 2000000000ull;
}

/* The record of a job before anything ran: what it is and where. */
static void result_init(const struct ipcb_job *job, struct ipcb_result *r)
{
	const struct ipcb_bench *b = job->bench;
	const char *slash = strchr(b->id, '/');
	size_t i, n = ipcb_param_count(b);
	json_t *cpus = ipcb_job_cpus(job), *c;

	memset(r, 0, sizeof(*r));
	ipcb_result_set_str(&r->id, b->id);
	r->family = strndup(b->id, slash ? (size_t)(slash - b->id) : strlen(b->id));
	for (i = 0; i < n; i++)
		ipcb_result_add_param(r, b->params[i].name, job->params[i],
				      b->params[i].choices ? b->params[i].choices[job->params[i]] : NULL);
	ipcb_result_set_str(&r->placement, job->placement);
	r->cpus = calloc(json_array_size(cpus) + 1, sizeof(int));
	json_array_foreach(cpus, i, c)
		if (r->cpus)
			r->cpus[r->ncpus++] = (int)json_integer_value(c);
	json_decref(cpus);
	if (job->ncpus > 1 && !job->skip[0]) {
		ipcb_result_set_str(&r->relation, ipcb_topo_relation(job->cpus[0], job->cpus[1]));
		ipcb_result_set_str(&r->role, ipcb_topo_role(job->placement));
	}
	ipcb_result_set_str(&r->unit, "ns");
	ipcb_result_set_str(&r->per, b->unit_of_work);
}

static void result_status(struct ipcb_result *r, enum ipcb_status status, const char *reason)
{
	r->status = status;
	if (reason)
		ipcb_result_set_str(&r->reason, reason[0] ? reason : "no reason given");
}

void ipcb_job_result(const struct ipcb_job *job, enum ipcb_status status, const char *reason, struct ipcb_result *r)
{
	result_init(job, r);
	result_status(r, status, reason);
}

/* At most this many samples are stored, evenly thinned in time order. */
#define STORED_SAMPLES 1000
/* Reruns (rounds, each in its own process) disagreeing by more than this flag a result unstable. */
#define UNSTABLE_RUNS 0.05

/* The rounds of one job, pooled by the manager. */
struct ipcb_run {
	double *samples; /* every round's, in round order */
	size_t n, cap;
	double *round_medians; /* one per round: the replicates */
	size_t rcap;
	int nrounds;
	uint64_t iters;
	double sample_ns, elapsed_s;
	int interrupted, hit_budget, hit_max;
	int pair_sweep; /* one round per run by design */
	int done;	/* result is final: skipped, failed, or after the last round */
	struct ipcb_result result;
};

/* x[0..n) thinned to at most max (0: all), a malloc'd copy. */
static double *thinned(const double *x, size_t n, size_t max, size_t *kept)
{
	size_t i, step = max ? (n + max - 1) / max : 1;
	double *out = malloc((n ? n : 1) * sizeof(double));

	*kept = 0;
	if (!out)
		return NULL;
	if (step == 0)
		step = 1;
	for (i = 0; i < n; i += step)
		out[(*kept)++] = x[i];
	return out;
}

static double rel_half_width(double lo, double hi, double median)
{
	double up = hi - median, down = median - lo;

	return median > 0 ? (up > down ? up : down) / median : INFINITY;
}

/*
 * Two intervals: within one process (the order-statistic CI of the pooled
 * samples) and between processes (from the medians of the rounds). Samples
 * of one process are time-ordered and correlated, so the first describes
 * that process, not a rerun; the reported interval is the wider of the two.
 */
static void add_intervals(struct ipcb_result *r, const struct ipcb_measurement *m, const struct ipcb_run *run,
			  const struct ipcb_measure_opts *o)
{
	const struct ipcb_stats *s = &m->stats;
	double lo = s->ci95_lo, hi = s->ci95_hi, runs_rel = 0;
	int by_rounds = 0;

	r->round_medians = thinned(run->round_medians, (size_t)run->nrounds, 0, &r->nround_medians);
	r->ci95_rel_samples = m->ci_rel;
	r->has |= IPCB_HAS_ROUND_MEDIANS | IPCB_HAS_CI95_REL_SAMPLES;
	if (run->nrounds >= 2) {
		double rlo, rhi;

		ipcb_stats_replicate_ci(run->round_medians, (size_t)run->nrounds, s->median, &rlo, &rhi);
		runs_rel = rel_half_width(rlo, rhi, s->median);
		r->ci95_runs[0] = rlo;
		r->ci95_runs[1] = rhi;
		r->ci95_rel_runs = runs_rel;
		r->has_ci95_runs = 1;
		r->has |= IPCB_HAS_CI95_RUNS | IPCB_HAS_CI95_REL_RUNS;
		if (runs_rel > m->ci_rel) {
			lo = rlo;
			hi = rhi;
			by_rounds = 1;
		}
	}
	r->interval95[0] = lo;
	r->interval95[1] = hi;
	ipcb_result_set_str(&r->interval_basis, by_rounds ? "rounds" : "samples");
	r->ci95_rel = by_rounds ? runs_rel : m->ci_rel;
	r->unstable = m->ci_rel > o->ci_target || runs_rel > UNSTABLE_RUNS;
	r->has |= IPCB_HAS_INTERVAL95 | IPCB_HAS_INTERVAL_BASIS | IPCB_HAS_CI95_REL | IPCB_HAS_UNSTABLE;
	if (m->ci_rel > o->ci_target)
		ipcb_result_add_note(r, "unstable: CI95 of the median within one process is +/-%.1f%% (target +/-%.1f%%) after %zu samples in %.2f s; other load, frequency changes or a too short time_budget_s",
				     100 * m->ci_rel, 100 * o->ci_target, m->n, m->elapsed_s);
	if (runs_rel > UNSTABLE_RUNS)
		ipcb_result_add_note(r, "unstable: the medians of the %d rounds (each a fresh process) put the 95%% interval at +/-%.1f%%, over %.0f%%: reruns disagree more than one process's samples suggest",
				     run->nrounds, 100 * runs_rel, 100 * UNSTABLE_RUNS);
	else if (run->nrounds < 2 && !run->pair_sweep)
		ipcb_result_add_note(r, "one round: the interval is from one process's samples and may not hold for a rerun; --rounds 5 gives the between-process interval");
	else if (run->nrounds < 2)
		ipcb_result_add_note(r, "measured once per run by design (the engine measures every pair in it): the interval is from one process's samples");
}

static void add_measurement(struct ipcb_result *r, const struct ipcb_measurement *m, const struct ipcb_run *run,
			    const struct ipcb_measure_opts *o)
{
	ipcb_summary_from_stats(&r->stats, &m->stats);
	r->has |= IPCB_HAS_STATS;
	add_intervals(r, m, run, o);
	r->iters_per_sample = m->iters;
	r->sample_ns = m->sample_ns;
	r->elapsed_s = m->elapsed_s;
	r->rounds = m->rounds;
	r->drift = m->drift;
	ipcb_result_set_str(&r->stop, m->interrupted ? "interrupted" :
				      m->hit_budget  ? "time budget" :
				      m->hit_max     ? "max samples" :
						       "ci target");
	r->samples = thinned(m->samples, m->n, STORED_SAMPLES, &r->nsamples);
	r->has |= IPCB_HAS_ITERS | IPCB_HAS_SAMPLE_NS | IPCB_HAS_ELAPSED_S | IPCB_HAS_ROUNDS | IPCB_HAS_DRIFT |
		  IPCB_HAS_STOP | IPCB_HAS_SAMPLES;
	if (m->interrupted)
		ipcb_result_add_note(r, "interrupted: sampling was cut short by a signal");
	if (m->drift > 1.1)
		ipcb_result_add_note(r, "drift: the medians of 8 consecutive blocks of samples differ by %.2fx; the machine's speed changed during sampling (host contention, frequency, a co-runner), so a rerun may differ by as much",
				     m->drift);
	if (m->stats.p99 > 2 * m->stats.median)
		ipcb_result_add_note(r, "long tail: p99 is %.1fx the median (interrupts, preemption or wake-ups inside samples)",
				     m->stats.p99 / m->stats.median);
}

/*
 * Time each operation separately, after the amortised measurement: one timer
 * read per operation would otherwise inflate the median of short operations.
 */
static void latency_pass(struct ipcb_ctx *ctx, uint64_t iters, const struct ipcb_measure_opts *o,
			 struct ipcb_result *r)
{
	struct ipcb_hist *h = malloc(sizeof(*h));
	double budget_ns = (o->budget_s * 0.3 > 0.05 ? o->budget_s * 0.3 : 0.05) * 1e9;
	uint64_t start = ipcb_clock_ns();

	if (!h)
		return;
	ipcb_hist_init(h);
	ctx->engine->lap_hist = h;
	ctx->lap_on = 1;
	while (h->count < 200000 && (double)(ipcb_clock_ns() - start) < budget_ns && !ctx->aborted &&
	       !(o->stop && *o->stop)) {
		ctx->engine->lap_last = ipcb_ticks_start();
		ctx->bench->body(ctx, iters);
	}
	ctx->lap_on = 0;
	if (h->count) {
		r->histogram = ipcb_hist_result(h, 1.0);
		ipcb_note(ctx, "histogram: %llu operations timed one by one; each includes one timer read (~%.0f ns)",
			  (unsigned long long)h->count, ipcb_timer()->overhead_min_ns / 2);
	}
	free(h);
}

/* A benchmark's metrics and attachments. */
static void add_extra(struct ipcb_result *r, struct ipcb_ctx *ctx)
{
	if (ipcb_result_take_extras(r, ipcb_ctx_extra(ctx)))
		ipcb_result_add_note(r, "out of memory: some of the benchmark's metrics were dropped");
	ipcb_ctx_extra_free(ctx);
}

static void add_notes(struct ipcb_result *r, const struct ipcb_ctx *ctx)
{
	int i;

	if (ctx->bench->note)
		ipcb_result_add_note(r, "%s", ctx->bench->note);
	for (i = 0; i < ctx->nnotes; i++)
		ipcb_result_add_note(r, "%s", ctx->notes[i]);
}

/* Event counts of the timed samples, per unit of work, for both parties. */
static void open_counters(struct ipcb_counters **c, const struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o)
{
	c[0] = ipcb_counters_open(o->counter_list, 0);
	if (ctx->engine->peer_tid > 0)
		c[1] = ipcb_counters_open(o->counter_list, ctx->engine->peer_tid);
}

static void close_counters(struct ipcb_counters **c, uint64_t ops, struct ipcb_result *r)
{
	int i;

	for (i = 0; i < IPCB_NTHREAD_ROLES; i++) {
		if (!c[i])
			continue;
		if (ipcb_counters_result(c[i], (double)ops, &r->counters[i])) {
			ipcb_rcounters_free(&r->counters[i]);
			ipcb_result_add_note(r, "counters dropped: out of memory");
		} else
			r->has |= IPCB_HAS_COUNTERS;
		ipcb_counters_close(c[i]);
		c[i] = NULL;
	}
}

/* What the manager needs of one round to pool it with the others. */
static json_t *round_json(const struct ipcb_measurement *m)
{
	json_t *samples = json_array();
	size_t i;

	for (i = 0; i < m->n; i++)
		json_array_append_new(samples, json_real(m->samples[i]));
	return json_pack("{s:o, s:I, s:f, s:f, s:b, s:b, s:b}", "samples", samples, "iters", (json_int_t)m->iters,
			 "sample_ns", m->sample_ns, "elapsed_s", m->elapsed_s, "interrupted", m->interrupted,
			 "hit_budget", m->hit_budget, "hit_max", m->hit_max);
}

void ipcb_round_record(const struct ipcb_job *job, const struct ipcb_measure_opts *o, int last,
		       struct ipcb_result *r, json_t **round)
{
	const struct ipcb_bench *b = job->bench;
	struct ipcb_counters *counters[2] = { NULL, NULL };
	struct ipcb_measure_opts mo = *o;
	struct ipcb_measurement m = { 0 };
	struct ipcb_ctx_engine engine;
	struct ipcb_ctx ctx;
	int failed = 0;

	*round = NULL;
	result_init(job, r);
	ctx_init(&ctx, &engine, job);
	if (job->skip[0]) {
		result_status(r, IPCB_STATUS_SKIPPED, job->skip);
		return;
	}
	if (b->supported && b->supported(&ctx, ctx.why, sizeof(ctx.why))) {
		result_status(r, IPCB_STATUS_SKIPPED, ctx.why);
		return;
	}
	if (ipcb_pin_self(job->cpus[0])) {
		result_status(r, IPCB_STATUS_SKIPPED, "cannot pin the measuring thread (sched_setaffinity failed)");
		return;
	}
	if ((b->pair_sweep && ipcb_pair_sweep(&ctx)) || (b->setup && b->setup(&ctx))) {
		ipcb_ctx_extra_free(&ctx);
		result_status(r, IPCB_STATUS_SKIPPED, ctx.why);
		return;
	}
	if (o->counter_list && last)
		open_counters(counters, &ctx, o);
	mo.counters = counters;
	if (ipcb_measure_round(&ctx, &mo, &m) || ctx.aborted) {
		failed = 1;
	} else {
		if (last && b->latency)
			latency_pass(&ctx, m.iters, o, r);
		*round = round_json(&m);
	}
	if (b->teardown)
		b->teardown(&ctx);
	failed |= ctx.aborted;
	if (failed && !ctx.why[0])
		snprintf(ctx.why, sizeof(ctx.why), "the measurement failed without a reason (a benchmark bug)");
	result_status(r, failed ? IPCB_STATUS_FAILED : IPCB_STATUS_OK, failed ? ctx.why : NULL);
	if (failed) {
		json_decref(*round);
		*round = NULL;
	}
	close_counters(counters, m.ops_counted, r);
	if (last || failed) {
		add_extra(r, &ctx);
		add_notes(r, &ctx);
	}
	ipcb_ctx_extra_free(&ctx);
	ipcb_measurement_free(&m);
}

/* --- pooling the rounds of a job (the manager) ------------------------------ */


static int grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void *p;
	size_t n = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*(void **)pp, n * size);
	if (!p)
		return -1;
	*(void **)pp = p;
	*cap = n;
	return 0;
}

/* The pooled samples of every round, measured as one, into run->result. */
static void run_finish(struct ipcb_run *run, const struct ipcb_measure_opts *o)
{
	struct ipcb_measurement m = { 0 };

	m.samples = run->samples;
	m.n = run->n;
	m.iters = run->iters;
	m.sample_ns = run->sample_ns;
	m.elapsed_s = run->elapsed_s;
	m.rounds = run->nrounds;
	m.interrupted = run->interrupted;
	m.hit_budget = run->hit_budget;
	m.hit_max = run->hit_max;
	ipcb_measure_finish(&m, o);
	add_measurement(&run->result, &m, run, o);
	run->done = 1;
}

static int run_take_round(struct ipcb_run *run, const json_t *round)
{
	json_t *samples = json_object_get(round, "samples"), *v;
	size_t i, first = run->n, k = (size_t)run->nrounds;
	struct ipcb_stats s;

	if (grow(&run->samples, &run->cap, run->n + json_array_size(samples), sizeof(double)) ||
	    grow(&run->round_medians, &run->rcap, k + 1, sizeof(double)))
		return -1;
	json_array_foreach(samples, i, v)
		run->samples[run->n++] = json_number_value(v);
	if (run->n == first)
		return 0;
	ipcb_stats_compute(run->samples + first, run->n - first, &s);
	run->round_medians[run->nrounds++] = s.median;
	run->iters = (uint64_t)json_integer_value(json_object_get(round, "iters"));
	run->sample_ns = json_number_value(json_object_get(round, "sample_ns"));
	run->elapsed_s += json_number_value(json_object_get(round, "elapsed_s"));
	run->interrupted |= json_is_true(json_object_get(round, "interrupted"));
	run->hit_budget |= json_is_true(json_object_get(round, "hit_budget"));
	run->hit_max |= json_is_true(json_object_get(round, "hit_max"));
	return 0;
}

/* The job is done with this record (moved into run->result). */
static void run_done(struct ipcb_run *run, struct ipcb_result *rec)
{
	run->result = *rec;
	memset(rec, 0, sizeof(*rec));
	run->done = 1;
}

/*
 * Pool a round: its record (moved out of rec) and samples (round, consumed);
 * the last one, or any not ok, makes run->result.
 */
static void run_add_round(struct ipcb_run *run, const struct ipcb_measure_opts *o, struct ipcb_result *rec,
			  json_t *round, int last)
{
	if (rec->status != IPCB_STATUS_OK || !round) {
		if (rec->status == IPCB_STATUS_OK)
			result_status(rec, IPCB_STATUS_FAILED, "the worker returned no samples");
		/* a job that ran before and cannot now is a failure, whatever the round says; its rounds are named */
		if (run->nrounds > 0) {
			char why[IPCB_WHY_LEN + 64];

			snprintf(why, sizeof(why), "round %d (after %d measured, dropped): %s", run->nrounds + 1,
				 run->nrounds, rec->reason ? rec->reason : "no reason given");
			result_status(rec, IPCB_STATUS_FAILED, why);
		}
		run_done(run, rec);
	} else if (run_take_round(run, round)) {
		result_status(rec, IPCB_STATUS_FAILED, "out of memory pooling the rounds' samples");
		run_done(run, rec);
	} else if (last) {
		run->result = *rec;
		memset(rec, 0, sizeof(*rec));
		run_finish(run, o);
	} else {
		ipcb_result_free(rec);
	}
	json_decref(round);
}

/* Interrupted between rounds: make a result from the rounds so far, if any. */
static void run_finish_early(const struct ipcb_job *job, const struct ipcb_measure_opts *o, struct ipcb_run *run)
{
	if (run->done || run->n == 0)
		return;
	ipcb_job_result(job, IPCB_STATUS_OK, NULL, &run->result);
	run->interrupted = 1;
	run_finish(run, o);
	ipcb_result_add_note(&run->result, "interrupted after %d round(s): the figure comes from fewer samples than planned",
			     run->nrounds);
}

static void run_free(struct ipcb_run *run)
{
	free(run->samples);
	free(run->round_medians);
	if (!run->done)
		ipcb_result_free(&run->result);
	memset(run, 0, sizeof(*run));
}

/* --- the machine's speed, round by round -------------------------------------- */

json_t *ipcb_round_speed(const struct ipcb_result *results, size_t nresults, int rounds)
{
	double *ratios, lo = 0, hi = 0;
	json_t *by = json_array();
	size_t i, n;
	int k;

	ratios = malloc((nresults + 1) * sizeof(double));
	for (k = 0; ratios && k < rounds; k++) {
		struct ipcb_stats s;

		n = 0;
		for (i = 0; i < nresults; i++) {
			const struct ipcb_result *r = &results[i];
			double median = r->has & IPCB_HAS_STATS ? r->stats.median : 0;

			if (r->nround_medians == (size_t)rounds && median > 0)
				ratios[n++] = r->round_medians[k] / median;
		}
		ipcb_stats_compute(ratios, n, &s);
		json_array_append_new(by, json_real(s.median));
		lo = k == 0 || s.median < lo ? s.median : lo;
		hi = k == 0 || s.median > hi ? s.median : hi;
	}
	free(ratios);
	return json_pack("{s:o, s:f, s:s}", "by_round", by, "spread", lo > 0 ? hi / lo : 1.0, "what",
			 "per round, the median over jobs of (that round's median / the job's median): every job moving together is the machine, not a benchmark");
}

/* --- the schedule ------------------------------------------------------------ */

/* The options of one round: the budget, the minimum time and min_samples are shared out among the rounds. */
static struct ipcb_measure_opts round_opts(const struct ipcb_measure_opts *o)
{
	struct ipcb_measure_opts r = *o;
	int rounds = o->rounds > 0 ? o->rounds : 1;

	r.budget_s = o->budget_s / rounds;
	r.min_time_s = o->min_time_s / rounds;
	r.min_samples = (o->min_samples + rounds - 1) / rounds;
	return r;
}

size_t ipcb_run_jobs(const struct ipcb_job *jobs, size_t njobs, const struct ipcb_measure_opts *o,
		     ipcb_progress_fn progress, void *arg, struct ipcb_result *results, size_t *nresults)
{
	struct ipcb_run *runs = calloc(njobs, sizeof(*runs));
	struct ipcb_measure_opts ro = round_opts(o);
	int rounds = o->rounds > 0 ? o->rounds : 1, k;
	size_t i, step = 0, steps = 0, failed = 0;

	*nresults = 0;
	if (!runs)
		return njobs;
	/* the rounds that will run: a skip is one step, a pair sweep one round */
	for (i = 0; i < njobs; i++)
		steps += jobs[i].skip[0] || jobs[i].bench->pair_sweep ? 1 : (size_t)rounds;
	for (k = 0; k < rounds && !ipcb_interrupted; k++) {
		for (i = 0; i < njobs && !ipcb_interrupted; i++) {
			/* a pair sweep (the matrix) runs once, in the first round, with the whole budget */
			int once = jobs[i].bench->pair_sweep, last = k == rounds - 1 || once;
			const struct ipcb_measure_opts *jo = once ? o : &ro;
			struct ipcb_result rec;
			json_t *round;

			if (runs[i].done)
				continue;
			runs[i].pair_sweep = once;
			if (progress)
				progress(&jobs[i], step++, steps, NULL, arg);
			if (jobs[i].skip[0]) {
				ipcb_job_result(&jobs[i], IPCB_STATUS_SKIPPED, jobs[i].skip, &runs[i].result);
				runs[i].done = 1;
			} else {
				ipcb_worker_round(&jobs[i], jo, last, &rec, &round);
				run_add_round(&runs[i], jo, &rec, round, last);
			}
			if (runs[i].done && progress)
				progress(&jobs[i], i, njobs, &runs[i].result, arg);
		}
	}
	for (i = 0; i < njobs; i++) {
		run_finish_early(&jobs[i], &ro, &runs[i]);
		if (runs[i].done) {
			failed += runs[i].result.status == IPCB_STATUS_FAILED;
			results[(*nresults)++] = runs[i].result;
			runs[i].done = 0;
			memset(&runs[i].result, 0, sizeof(runs[i].result));
		}
		run_free(&runs[i]);
	}
	free(runs);
	return failed;
}

enum ipcb_check ipcb_check_job(const struct ipcb_job *job, char *why, size_t whylen)
{
	const struct ipcb_bench *b = job->bench;
	struct ipcb_ctx_engine engine;
	struct ipcb_ctx ctx;
	enum ipcb_check rc = IPCB_CHECK_PASS;

	ctx_init(&ctx, &engine, job);
	ctx.check_mode = 1;
	ctx.check_iters = 100000;
	if (job->skip[0] || (b->supported && b->supported(&ctx, ctx.why, sizeof(ctx.why)))) {
		snprintf(why, whylen, "%s", job->skip[0] ? job->skip : ctx.why);
		return IPCB_CHECK_SKIP;
	}
	/* a single-thread check spawns its own threads: leave them free to spread over CPUs */
	if (b->nthreads > 1)
		ipcb_pin_self(job->cpus[0]);
	/* a pair sweep is checked on its headline pair, like any two-thread job */
	if ((b->pair_sweep && ipcb_pair_peer(&ctx)) || (b->setup && b->setup(&ctx))) {
		snprintf(why, whylen, "%s", ctx.why);
		ipcb_ctx_extra_free(&ctx);
		return IPCB_CHECK_SKIP;
	}
	if (b->check && b->check(&ctx))
		rc = IPCB_CHECK_FAIL;
	/* and the timed body itself must run to completion */
	if (rc == IPCB_CHECK_PASS && !ctx.aborted)
		b->body(&ctx, 100);
	if (b->teardown)
		b->teardown(&ctx);
	if (ctx.aborted)
		rc = IPCB_CHECK_FAIL;
	ipcb_ctx_extra_free(&ctx);
	snprintf(why, whylen, "%s", rc == IPCB_CHECK_FAIL ? ctx.why : (b->check ? "" : "no check: body ran"));
	return rc;
}
