// SPDX-License-Identifier: MIT
/*
 * runner.c - from a configuration to jobs, and the schedule that runs them:
 * each round of each job in a worker process (worker.c), where this file
 * pins the measuring thread, asks the benchmark whether it can run here,
 * sets it up and measures it; the manager pools the rounds into one result
 * record per job. Benchmarks never decide exit codes or
 * print: a failed setup becomes `skipped` with its reason.
 */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "ctx.h"
#include "measure.h"
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

static json_t *param_json(const struct ipcb_param *prm, int64_t v)
{
	return prm->choices ? json_string(prm->choices[v]) : json_integer(v);
}


static json_t *result_new(const struct ipcb_job *job)
{
	const struct ipcb_bench *b = job->bench;
	json_t *r = json_object(), *params = json_object(), *cpus = json_array();
	const char *slash = strchr(b->id, '/');
	size_t i, n = ipcb_param_count(b);

	json_object_set_new(r, "id", json_string(b->id));
	json_object_set_new(r, "family", json_stringn(b->id, slash ? (size_t)(slash - b->id) : strlen(b->id)));
	for (i = 0; i < n; i++)
		json_object_set_new(params, b->params[i].name, param_json(&b->params[i], job->params[i]));
	json_object_set_new(r, "params", params);
	json_decref(cpus);
	cpus = ipcb_job_cpus(job);
	json_object_set_new(r, "placement", json_pack("{s:s, s:o}", "name", job->placement, "cpus", cpus));
	if (job->ncpus > 1 && !job->skip[0]) {
		const char *role = ipcb_topo_role(job->placement);

		json_object_set_new(json_object_get(r, "placement"), "relation",
				    json_string(ipcb_topo_relation(job->cpus[0], job->cpus[1])));
		if (role)
			json_object_set_new(json_object_get(r, "placement"), "role", json_string(role));
	}
	json_object_set_new(r, "unit", json_string("ns"));
	json_object_set_new(r, "per", json_string(b->unit_of_work));
	return r;
}

static json_t *result_status(json_t *r, const char *status, const char *reason)
{
	json_object_set_new(r, "status", json_string(status));
	if (reason)
		json_object_set_new(r, "reason", json_string(reason[0] ? reason : "no reason given"));
	return r;
}

json_t *ipcb_job_result(const struct ipcb_job *job, const char *status, const char *reason)
{
	return result_status(result_new(job), status, reason);
}

static json_t *stats_json(const struct ipcb_stats *s)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:[f,f]}", "n", (json_int_t)s->n, "min",
			 s->min, "max", s->max, "median", s->median, "mean", s->mean, "stddev", s->stddev, "p1",
			 s->p1, "p99", s->p99, "mad", s->mad, "ci95", s->ci95_lo, s->ci95_hi);
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
	json_t *result; /* set once the job is done: skipped, failed, or after the last round */
};

static json_t *doubles_json(const double *x, size_t n, size_t max)
{
	json_t *a = json_array();
	size_t i, step = max ? (n + max - 1) / max : 1;

	if (step == 0)
		step = 1;
	for (i = 0; i < n; i += step)
		json_array_append_new(a, json_real(x[i]));
	return a;
}

/* Append a note to a result record. */
static void record_note(json_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void record_note(json_t *r, const char *fmt, ...)
{
	char note[IPCB_NOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	if (!json_is_array(json_object_get(r, "notes")))
		json_object_set_new(r, "notes", json_array());
	json_array_append_new(json_object_get(r, "notes"), json_string(note));
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
static void add_intervals(json_t *r, const struct ipcb_measurement *m, const struct ipcb_run *run,
			  const struct ipcb_measure_opts *o)
{
	const struct ipcb_stats *s = &m->stats;
	double lo = s->ci95_lo, hi = s->ci95_hi, runs_rel = 0;
	int by_rounds = 0;

	json_object_set_new(r, "round_medians", doubles_json(run->round_medians, (size_t)run->nrounds, 0));
	json_object_set_new(r, "ci95_rel_samples", json_real(m->ci_rel));
	if (run->nrounds >= 2) {
		double rlo, rhi;

		ipcb_stats_replicate_ci(run->round_medians, (size_t)run->nrounds, s->median, &rlo, &rhi);
		runs_rel = rel_half_width(rlo, rhi, s->median);
		json_object_set_new(r, "ci95_runs", json_pack("[f,f]", rlo, rhi));
		json_object_set_new(r, "ci95_rel_runs", json_real(runs_rel));
		if (runs_rel > m->ci_rel) {
			lo = rlo;
			hi = rhi;
			by_rounds = 1;
		}
	}
	json_object_set_new(r, "interval95", json_pack("[f,f]", lo, hi));
	json_object_set_new(r, "interval_basis", json_string(by_rounds ? "rounds" : "samples"));
	json_object_set_new(r, "ci95_rel", json_real(by_rounds ? runs_rel : m->ci_rel));
	json_object_set_new(r, "unstable", json_boolean(m->ci_rel > o->ci_target || runs_rel > UNSTABLE_RUNS));
	if (m->ci_rel > o->ci_target)
		record_note(r, "unstable: CI95 of the median within one process is +/-%.1f%% (target +/-%.1f%%) after %zu samples in %.2f s; other load, frequency changes or a too short time_budget_s",
			    100 * m->ci_rel, 100 * o->ci_target, m->n, m->elapsed_s);
	if (runs_rel > UNSTABLE_RUNS)
		record_note(r, "unstable: the medians of the %d rounds (each a fresh process) put the 95%% interval at +/-%.1f%%, over %.0f%%: reruns disagree more than one process's samples suggest",
			    run->nrounds, 100 * runs_rel, 100 * UNSTABLE_RUNS);
	else if (run->nrounds < 2 && !run->pair_sweep)
		record_note(r, "one round: the interval is from one process's samples and may not hold for a rerun; --rounds 5 gives the between-process interval");
	else if (run->nrounds < 2)
		record_note(r, "measured once per run by design (its setup measures every pair): the interval is from one process's samples");
}

static void add_measurement(json_t *r, const struct ipcb_measurement *m, const struct ipcb_run *run,
			    const struct ipcb_measure_opts *o)
{
	json_object_set_new(r, "stats", stats_json(&m->stats));
	add_intervals(r, m, run, o);
	json_object_set_new(r, "iters_per_sample", json_integer((json_int_t)m->iters));
	json_object_set_new(r, "sample_ns", json_real(m->sample_ns));
	json_object_set_new(r, "elapsed_s", json_real(m->elapsed_s));
	json_object_set_new(r, "rounds", json_integer(m->rounds));
	json_object_set_new(r, "drift", json_real(m->drift));
	json_object_set_new(r, "stop", json_string(m->interrupted ? "interrupted" :
						     m->hit_budget  ? "time budget" :
						     m->hit_max	    ? "max samples" :
								      "ci target"));
	json_object_set_new(r, "samples", doubles_json(m->samples, m->n, STORED_SAMPLES));
	if (m->interrupted)
		record_note(r, "interrupted: sampling was cut short by a signal");
	if (m->drift > 1.1)
		record_note(r, "drift: the medians of 8 consecutive blocks of samples differ by %.2fx; the machine's speed changed during sampling (host contention, frequency, a co-runner), so a rerun may differ by as much",
			    m->drift);
	if (m->stats.p99 > 2 * m->stats.median)
		record_note(r, "long tail: p99 is %.1fx the median (interrupts, preemption or wake-ups inside samples)",
			    m->stats.p99 / m->stats.median);
}

/*
 * Time each operation separately, after the amortised measurement: one timer
 * read per operation would otherwise inflate the median of short operations.
 */
static void latency_pass(struct ipcb_ctx *ctx, uint64_t iters, const struct ipcb_measure_opts *o, json_t *r)
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
		json_object_set_new(r, "histogram", ipcb_hist_json(h, 1.0));
		ipcb_note(ctx, "histogram: %llu operations timed one by one; each includes one timer read (~%.0f ns)",
			  (unsigned long long)h->count, ipcb_timer()->overhead_min_ns / 2);
	}
	free(h);
}

static void add_extra(json_t *r, struct ipcb_ctx *ctx)
{
	if (ipcb_ctx_extra(ctx))
		json_object_update(r, ipcb_ctx_extra(ctx));
	ipcb_ctx_extra_free(ctx);
}

static void add_notes(json_t *r, const struct ipcb_ctx *ctx)
{
	int i;

	if (ctx->bench->note)
		record_note(r, "%s", ctx->bench->note);
	for (i = 0; i < ctx->nnotes; i++)
		record_note(r, "%s", ctx->notes[i]);
}

/* Event counts of the timed samples, per unit of work, for both parties. */
static void open_counters(struct ipcb_counters **c, const struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o)
{
	c[0] = ipcb_counters_open(o->counter_list, 0);
	if (ctx->engine->peer_tid > 0)
		c[1] = ipcb_counters_open(o->counter_list, ctx->engine->peer_tid);
}

static void close_counters(struct ipcb_counters **c, uint64_t ops, json_t *r)
{
	int i;

	for (i = 0; i < 2; i++) {
		json_t *all;

		if (!c[i])
			continue;
		all = json_object_get(r, "counters");
		if (!all) {
			all = json_object();
			json_object_set_new(r, "counters", all);
		}
		json_object_set_new(all, i ? "peer" : "measuring_thread", ipcb_counters_json(c[i], (double)ops));
		ipcb_counters_close(c[i]);
		c[i] = NULL;
	}
}

/* What the manager needs of one round to pool it with the others. */
static json_t *round_json(const struct ipcb_measurement *m)
{
	return json_pack("{s:o, s:I, s:f, s:f, s:b, s:b, s:b}", "samples", doubles_json(m->samples, m->n, 0),
			 "iters", (json_int_t)m->iters, "sample_ns", m->sample_ns, "elapsed_s", m->elapsed_s,
			 "interrupted", m->interrupted, "hit_budget", m->hit_budget, "hit_max", m->hit_max);
}

json_t *ipcb_round_record(const struct ipcb_job *job, const struct ipcb_measure_opts *o, int last)
{
	const struct ipcb_bench *b = job->bench;
	struct ipcb_counters *counters[2] = { NULL, NULL };
	struct ipcb_measure_opts mo = *o;
	struct ipcb_measurement m = { 0 };
	struct ipcb_ctx_engine engine;
	struct ipcb_ctx ctx;
	json_t *r = result_new(job);
	int failed = 0;

	ctx_init(&ctx, &engine, job);
	if (job->skip[0])
		return result_status(r, "skipped", job->skip);
	if (b->supported && b->supported(&ctx, ctx.why, sizeof(ctx.why)))
		return result_status(r, "skipped", ctx.why);
	if (ipcb_pin_self(job->cpus[0]))
		return result_status(r, "skipped", "cannot pin the measuring thread (sched_setaffinity failed)");
	if (b->setup && b->setup(&ctx)) {
		ipcb_ctx_extra_free(&ctx);
		return result_status(r, "skipped", ctx.why);
	}
	if (o->counter_list && last)
		open_counters(counters, &ctx, o);
	mo.counters = counters;
	if (ipcb_measure_round(&ctx, &mo, &m) || ctx.aborted) {
		failed = 1;
	} else {
		if (last && b->latency)
			latency_pass(&ctx, m.iters, o, r);
		json_object_set_new(r, "round", round_json(&m));
	}
	if (b->teardown)
		b->teardown(&ctx);
	failed |= ctx.aborted;
	if (failed && !ctx.why[0])
		snprintf(ctx.why, sizeof(ctx.why), "the measurement failed without a reason (a benchmark bug)");
	result_status(r, failed ? "failed" : "ok", failed ? ctx.why : NULL);
	if (failed)
		json_object_del(r, "round");
	close_counters(counters, m.ops_counted, r);
	if (last || failed) {
		add_extra(r, &ctx);
		add_notes(r, &ctx);
	}
	ipcb_ctx_extra_free(&ctx);
	ipcb_measurement_free(&m);
	return r;
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

/* The pooled samples of every round, measured as one. */
static void run_finish(struct ipcb_run *run, const struct ipcb_measure_opts *o, json_t *r)
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
	add_measurement(r, &m, run, o);
	run->result = r;
}

static int run_take_round(struct ipcb_run *run, json_t *round)
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

/* Pool a round record (the reference is stolen); the last one, or any not ok, makes run->result. */
static void run_add_round(struct ipcb_run *run, const struct ipcb_measure_opts *o, json_t *rec, int last)
{
	json_t *round = json_object_get(rec, "round");
	const char *status = json_string_value(json_object_get(rec, "status"));

	if (!status || strcmp(status, "ok") || !round) {
		json_object_del(rec, "round");
		if (!status || !strcmp(status, "ok"))
			result_status(rec, "failed", "the worker returned no samples");
		/* a job that ran before and cannot now is a failure, whatever the round says; its rounds are named */
		if (run->nrounds > 0) {
			char why[IPCB_WHY_LEN + 64];

			snprintf(why, sizeof(why), "round %d (after %d measured, dropped): %s", run->nrounds + 1,
				 run->nrounds, json_string_value(json_object_get(rec, "reason")) ?: "no reason given");
			result_status(rec, "failed", why);
		}
		run->result = rec;
		return;
	}
	if (run_take_round(run, round)) {
		json_object_del(rec, "round");
		result_status(rec, "failed", "out of memory pooling the rounds' samples");
		run->result = rec;
		return;
	}
	json_object_del(rec, "round");
	if (!last) {
		json_decref(rec);
		return;
	}
	run_finish(run, o, rec);
}

/* Interrupted between rounds: make a result from the rounds so far, if any. */
static void run_finish_early(const struct ipcb_job *job, const struct ipcb_measure_opts *o, struct ipcb_run *run)
{
	json_t *r;

	if (run->result || run->n == 0)
		return;
	r = result_new(job);
	result_status(r, "ok", NULL);
	run->interrupted = 1;
	run_finish(run, o, r);
	record_note(r, "interrupted after %d round(s): the figure comes from fewer samples than planned",
		    run->nrounds);
}

static void run_free(struct ipcb_run *run)
{
	free(run->samples);
	free(run->round_medians);
	memset(run, 0, sizeof(*run));
}

/* --- the machine's speed, round by round -------------------------------------- */

json_t *ipcb_round_speed(const json_t *results, int rounds)
{
	double *ratios, lo = 0, hi = 0;
	json_t *r, *by = json_array();
	size_t i, n;
	int k;

	ratios = malloc((json_array_size(results) + 1) * sizeof(double));
	for (k = 0; ratios && k < rounds; k++) {
		struct ipcb_stats s;

		n = 0;
		json_array_foreach(results, i, r) {
			json_t *meds = json_object_get(r, "round_medians");
			double median = json_number_value(json_object_get(json_object_get(r, "stats"), "median"));

			if (json_array_size(meds) == (size_t)rounds && median > 0)
				ratios[n++] = json_number_value(json_array_get(meds, (size_t)k)) / median;
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
		     ipcb_progress_fn progress, void *arg, json_t *results)
{
	struct ipcb_run *runs = calloc(njobs, sizeof(*runs));
	struct ipcb_measure_opts ro = round_opts(o);
	int rounds = o->rounds > 0 ? o->rounds : 1, k;
	size_t i, step = 0, steps = 0, failed = 0;

	if (!runs)
		return njobs;
	/* the rounds that will run: a skip is one step, a pair sweep one round */
	for (i = 0; i < njobs; i++)
		steps += jobs[i].skip[0] || jobs[i].bench->pair_sweep ? 1 : (size_t)rounds;
	for (k = 0; k < rounds && !ipcb_interrupted; k++) {
		for (i = 0; i < njobs && !ipcb_interrupted; i++) {
			/* a job whose setup measures (the matrix) runs once, in the first round, with the whole budget */
			int once = jobs[i].bench->pair_sweep, last = k == rounds - 1 || once;
			const struct ipcb_measure_opts *jo = once ? o : &ro;

			if (runs[i].result)
				continue;
			runs[i].pair_sweep = once;
			if (progress)
				progress(&jobs[i], step++, steps, NULL, arg);
			if (jobs[i].skip[0])
				runs[i].result = ipcb_job_result(&jobs[i], "skipped", jobs[i].skip);
			else
				run_add_round(&runs[i], jo, ipcb_worker_round(&jobs[i], jo, last), last);
			if (runs[i].result && progress)
				progress(&jobs[i], i, njobs, runs[i].result, arg);
		}
	}
	for (i = 0; i < njobs; i++) {
		run_finish_early(&jobs[i], &ro, &runs[i]);
		if (runs[i].result) {
			failed += strcmp(json_string_value(json_object_get(runs[i].result, "status")), "failed") == 0;
			json_array_append_new(results, runs[i].result);
		}
		run_free(&runs[i]);
	}
	free(runs);
	return failed;
}

int ipcb_check_job(const struct ipcb_job *job, char *why, size_t whylen)
{
	const struct ipcb_bench *b = job->bench;
	struct ipcb_ctx_engine engine;
	struct ipcb_ctx ctx;
	int rc = 0;

	ctx_init(&ctx, &engine, job);
	ctx.check_mode = 1;
	ctx.check_iters = 100000;
	if (job->skip[0] || (b->supported && b->supported(&ctx, ctx.why, sizeof(ctx.why)))) {
		snprintf(why, whylen, "%s", job->skip[0] ? job->skip : ctx.why);
		return 1;
	}
	/* a single-thread check spawns its own threads: leave them free to spread over CPUs */
	if (b->nthreads > 1)
		ipcb_pin_self(job->cpus[0]);
	if (b->setup && b->setup(&ctx)) {
		snprintf(why, whylen, "%s", ctx.why);
		return 1;
	}
	if (b->check && b->check(&ctx))
		rc = -1;
	/* and the timed body itself must run to completion */
	if (rc == 0 && !ctx.aborted)
		b->body(&ctx, 100);
	if (b->teardown)
		b->teardown(&ctx);
	if (ctx.aborted)
		rc = -1;
	ipcb_ctx_extra_free(&ctx);
	snprintf(why, whylen, "%s", rc ? ctx.why : (b->check ? "" : "no check: body ran"));
	return rc;
}
