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
#include "measure.h"
#include "registry.h"
#include "report.h"
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

/* --- what a benchmark may call ------------------------------------------ */

int64_t ipcb_param(const struct ipcb_ctx *ctx, const char *name)
{
	int i = ipcb_param_index(ctx->bench, name);

	return i < 0 ? 0 : ctx->params[i];
}

int ipcb_fail(struct ipcb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
	va_end(ap);
	return -1;
}

void ipcb_lap_record(struct ipcb_ctx *ctx)
{
	uint64_t now = ipcb_ticks_stop();

	ipcb_hist_add(ctx->lap_hist, (uint64_t)ipcb_ticks_to_ns(now - ctx->lap_last));
	ctx->lap_last = now;
}

static json_t *extra_object(struct ipcb_ctx *ctx, const char *key)
{
	json_t *o;

	if (!ctx->extra)
		ctx->extra = json_object();
	o = json_object_get(ctx->extra, key);
	if (!o) {
		o = json_object();
		json_object_set_new(ctx->extra, key, o);
	}
	return o;
}

void ipcb_metric(struct ipcb_ctx *ctx, const char *name, double value, const char *unit)
{
	json_object_set_new(extra_object(ctx, "metrics"), name,
			    json_pack("{s:f, s:s}", "value", value, "unit", unit ? unit : ""));
}

void ipcb_attach(struct ipcb_ctx *ctx, const char *key, json_t *value)
{
	json_object_set_new(extra_object(ctx, "attachments"), key, value);
}

void ipcb_note(struct ipcb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->nnotes >= IPCB_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->notes[ctx->nnotes++], IPCB_NOTE_LEN, fmt, ap);
	va_end(ap);
}

/* --- planning ------------------------------------------------------------ */

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

static size_t nparams(const struct ipcb_bench *b)
{
	size_t n = 0;

	while (b->params && b->params[n].name && n < IPCB_MAX_PARAMS)
		n++;
	return n;
}

/* The value list of each declared parameter: the last matching pattern wins. */
static void param_lists(const struct ipcb_config *c, const struct ipcb_bench *b, json_t **lists)
{
	const char *pattern;
	json_t *set;
	size_t i, n = nparams(b);

	for (i = 0; i < n; i++)
		lists[i] = NULL;
	json_object_foreach(c->params, pattern, set) {
		if (!ipcb_pattern_match(pattern, b->id))
			continue;
		for (i = 0; i < n; i++) {
			json_t *v = json_object_get(set, b->params[i].name);

			if (v)
				lists[i] = v;
		}
	}
}

struct plan {
	struct ipcb_job *jobs;
	size_t n, cap;
};

static struct ipcb_job *plan_add(struct plan *p)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->jobs = realloc(p->jobs, p->cap * sizeof(*p->jobs));
	}
	memset(&p->jobs[p->n], 0, sizeof(p->jobs[0]));
	return &p->jobs[p->n++];
}

static void plan_placements(struct plan *p, const struct ipcb_config *c, const struct ipcb_bench *b,
			    const int64_t *params)
{
	const char *const *names = ipcb_placement_names;
	int i, n;

	if (b->nthreads == 0) {
		struct ipcb_job *j = plan_add(p);

		j->bench = b;
		memcpy(j->params, params, sizeof(j->params));
		j->placement = "team";
		ipcb_topo_team(ipcb_choice_name(b, params, "fill"), j->cpus, 1);
		j->ncpus = 1;
		return;
	}
	if (b->nthreads == 1) {
		struct ipcb_job *j = plan_add(p);

		j->bench = b;
		memcpy(j->params, params, sizeof(j->params));
		j->placement = "single";
		j->cpus[0] = c->have_cpus ? c->cpus[0] : ipcb_topo_single_cpu();
		j->ncpus = 1;
		return;
	}
	if (c->have_cpus == 1) {
		struct ipcb_job *j = plan_add(p);

		j->bench = b;
		memcpy(j->params, params, sizeof(j->params));
		j->placement = "cpus";
		snprintf(j->skip, sizeof(j->skip),
			 "--cpus gave one CPU id (%d): a two-thread benchmark needs two, --cpus A,B", c->cpus[0]);
		return;
	}
	if (c->have_cpus) {
		struct ipcb_job *j = plan_add(p);

		j->bench = b;
		memcpy(j->params, params, sizeof(j->params));
		j->cpus[0] = c->cpus[0];
		j->cpus[1] = c->cpus[1];
		j->ncpus = 2;
		j->placement = ipcb_topo_relation(c->cpus[0], c->cpus[1]);
		if (b->spins && c->cpus[0] == c->cpus[1])
			snprintf(j->skip, sizeof(j->skip),
				 "busy-waiting threads on one CPU only advance at scheduler ticks: refusing same-cpu");
		return;
	}
	n = c->nplacements;
	for (i = 0; n ? i < n : names[i] != NULL; i++) {
		const char *name = n ? c->placements[i] : names[i];
		struct ipcb_job *j = plan_add(p);
		int k;

		j->bench = b;
		memcpy(j->params, params, sizeof(j->params));
		for (k = 0; names[k]; k++)
			if (strcmp(names[k], name) == 0)
				j->placement = names[k];
		j->ncpus = 2;
		if (b->spins && strcmp(name, "same-cpu") == 0)
			snprintf(j->skip, sizeof(j->skip),
				 "busy-waiting threads on one CPU only advance at scheduler ticks: refusing same-cpu");
		else if (ipcb_topo_placement(name, j->cpus, j->skip, sizeof(j->skip)))
			j->ncpus = 0; /* no such pair here: no CPU ids to record */
	}
}

/* A configured value: an integer, or the name of one of the parameter's choices. */
static int param_value(const struct ipcb_bench *b, const struct ipcb_param *prm, json_t *v, int64_t *out,
		       char *err, size_t errlen)
{
	size_t k, used = 0;
	char names[256] = "";

	if (json_is_integer(v) && !prm->choices) {
		*out = json_integer_value(v);
		if (*out >= prm->min && *out <= prm->max)
			return 0;
		snprintf(err, errlen, "%s: parameter %s=%lld is out of range: it must be from %lld to %lld", b->id,
			 prm->name, (long long)*out, (long long)prm->min, (long long)prm->max);
		return -1;
	}
	for (k = 0; prm->choices && prm->choices[k]; k++) {
		if (json_is_string(v) && strcmp(json_string_value(v), prm->choices[k]) == 0) {
			*out = (int64_t)k;
			return 0;
		}
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", k ? ", " : "", prm->choices[k]);
		if (used >= sizeof(names))
			used = sizeof(names) - 1;
	}
	if (prm->choices)
		snprintf(err, errlen, "%s: parameter %s must be one of: %s", b->id, prm->name, names);
	else
		snprintf(err, errlen, "%s: parameter %s must be an integer, not \"%s\"", b->id, prm->name,
			 json_is_string(v) ? json_string_value(v) : "?");
	return -1;
}

/* One job per combination of parameter values (cartesian product) and placement. */
static int plan_bench(struct plan *p, const struct ipcb_config *c, const struct ipcb_bench *b, char *err,
		      size_t errlen)
{
	json_t *lists[IPCB_MAX_PARAMS];
	size_t idx[IPCB_MAX_PARAMS] = { 0 };
	size_t i, n = nparams(b);

	param_lists(c, b, lists);
	for (;;) {
		int64_t params[IPCB_MAX_PARAMS] = { 0 };

		for (i = 0; i < n; i++) {
			params[i] = b->params[i].def;
			if (lists[i] && param_value(b, &b->params[i], json_array_get(lists[i], idx[i]), &params[i], err,
						    errlen))
				return -1;
		}
		plan_placements(p, c, b, params);
		/* advance the odometer */
		for (i = 0; i < n; i++) {
			if (lists[i] && ++idx[i] < json_array_size(lists[i]))
				break;
			idx[i] = 0;
		}
		if (i == n)
			break;
	}
	return 0;
}

/*
 * More threads than CPUs measures the scheduler, not the lock: refused when
 * asked for (exit 2), skipped when it is only a default this machine is too
 * small for.
 */
static int check_threads(const struct ipcb_config *c, struct plan *p, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct ipcb_job *j = &p->jobs[i];
		int k = ipcb_param_index(j->bench, "threads");

		if (k < 0)
			continue;
		if (j->params[k] < 1) {
			snprintf(err, errlen, "%s: threads=%lld must be at least 1", j->bench->id,
				 (long long)j->params[k]);
			return -1;
		}
		if (c->oversubscribe || j->params[k] <= ipcb_topo_ncpus())
			continue;
		if (j->params[k] == j->bench->params[k].def) {
			snprintf(j->skip, sizeof(j->skip),
				 "threads=%lld (the default) is more than the %d CPUs this process may use; --threads or --oversubscribe",
				 (long long)j->params[k], ipcb_topo_ncpus());
			continue;
		}
		snprintf(err, errlen, "%s: threads=%lld is more than the %d CPUs this process may use; pass --oversubscribe to allow it",
			 j->bench->id, (long long)j->params[k], ipcb_topo_ncpus());
		return -1;
	}
	return 0;
}

int ipcb_plan(const struct ipcb_config *c, struct ipcb_job **jobs, size_t *njobs, char *err, size_t errlen)
{
	const struct ipcb_bench **sel = calloc(ipcb_bench_count() + 1, sizeof(*sel));
	char *all[] = { "*" };
	struct plan p = { 0 };
	size_t i, nsel;

	if (ipcb_select(c->npatterns ? c->patterns : all, c->npatterns ? c->npatterns : 1, sel, &nsel, err,
			errlen)) {
		free(sel);
		return -1;
	}
	for (i = 0; i < nsel; i++) {
		if (plan_bench(&p, c, sel[i], err, errlen)) {
			free(sel);
			free(p.jobs);
			return -1;
		}
	}
	free(sel);
	for (i = 0; i < p.n; i++)
		p.jobs[i].timeout_ns = (uint64_t)(c->timeout_s * 1e9);
	if (check_threads(c, &p, err, errlen)) {
		free(p.jobs);
		return -1;
	}
	*jobs = p.jobs;
	*njobs = p.n;
	return 0;
}

void ipcb_job_label(const struct ipcb_job *job, char *buf, size_t len)
{
	const struct ipcb_bench *b = job->bench;
	size_t used = (size_t)snprintf(buf, len, "%s", b->id);
	size_t i, n = nparams(b);

	for (i = 0; i < n && used < len; i++) {
		const struct ipcb_param *prm = &b->params[i];

		if (prm->choices)
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", i ? "," : " ", prm->name,
						 prm->choices[job->params[i]]);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%lld", i ? "," : " ", prm->name,
						 (long long)job->params[i]);
	}
}

/* --- running ------------------------------------------------------------- */

static void ctx_init(struct ipcb_ctx *ctx, const struct ipcb_job *job)
{
	memset(ctx, 0, sizeof(*ctx));
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

int64_t ipcb_job_param(const struct ipcb_job *job, const char *name)
{
	int k = ipcb_param_index(job->bench, name);

	return k < 0 ? -1 : job->params[k];
}

json_t *ipcb_job_cpus(const struct ipcb_job *job)
{
	int k = ipcb_param_index(job->bench, "threads"), n = k < 0 ? 1 : (int)job->params[k], i, *team;
	json_t *cpus = json_array();

	if (job->bench->nthreads != 0 || job->skip[0] || !(team = malloc((size_t)n * sizeof(int)))) {
		for (i = 0; i < job->ncpus; i++)
			json_array_append_new(cpus, json_integer(job->cpus[i]));
		return cpus;
	}
	n = ipcb_topo_team(ipcb_choice_name(job->bench, job->params, "fill"), team, n);
	for (i = 0; i < n; i++)
		json_array_append_new(cpus, json_integer(team[i]));
	free(team);
	return cpus;
}

static json_t *result_new(const struct ipcb_job *job)
{
	const struct ipcb_bench *b = job->bench;
	json_t *r = json_object(), *params = json_object(), *cpus = json_array();
	const char *slash = strchr(b->id, '/');
	size_t i, n = nparams(b);

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
	ctx->lap_hist = h;
	ctx->lap_on = 1;
	while (h->count < 200000 && (double)(ipcb_clock_ns() - start) < budget_ns && !ctx->aborted &&
	       !(o->stop && *o->stop)) {
		ctx->lap_last = ipcb_ticks_start();
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
	if (ctx->extra)
		json_object_update(r, ctx->extra);
	json_decref(ctx->extra);
	ctx->extra = NULL;
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
	if (ctx->peer_tid > 0)
		c[1] = ipcb_counters_open(o->counter_list, ctx->peer_tid);
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
	struct ipcb_ctx ctx;
	json_t *r = result_new(job);
	int failed = 0;

	ctx_init(&ctx, job);
	if (job->skip[0])
		return result_status(r, "skipped", job->skip);
	if (b->supported && b->supported(&ctx, ctx.why, sizeof(ctx.why)))
		return result_status(r, "skipped", ctx.why);
	if (ipcb_pin_self(job->cpus[0]))
		return result_status(r, "skipped", "cannot pin the measuring thread (sched_setaffinity failed)");
	if (b->setup && b->setup(&ctx)) {
		json_decref(ctx.extra);
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
	json_decref(ctx.extra);
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
	struct ipcb_ctx ctx;
	int rc = 0;

	ctx_init(&ctx, job);
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
	json_decref(ctx.extra);
	snprintf(why, whylen, "%s", rc ? ctx.why : (b->check ? "" : "no check: body ran"));
	return rc;
}

/* --- explain hooks: notes that compare results ----------------------------- */

struct ipcb_results {
	json_t *results;
	const json_t *machine;
};

const json_t *ipcb_results_machine(const struct ipcb_results *rs)
{
	return rs->machine;
}

/* Does one "name=value" of a filter hold for these params? */
static int param_matches(json_t *params, const char *name, size_t nlen, const char *value, size_t vlen)
{
	char key[64], val[64], *end;
	json_t *v;

	if (nlen >= sizeof(key) || vlen >= sizeof(val))
		return 0;
	memcpy(key, name, nlen);
	key[nlen] = '\0';
	memcpy(val, value, vlen);
	val[vlen] = '\0';
	v = json_object_get(params, key);
	if (json_is_string(v))
		return strcmp(json_string_value(v), val) == 0;
	if (json_is_integer(v))
		return json_integer_value(v) == strtoll(val, &end, 0) && *end == '\0';
	return 0;
}

static int filter_matches(json_t *params, const char *filter)
{
	const char *p = filter;

	while (p && *p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (!eq || !param_matches(params, p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1)))
			return 0;
		p = comma ? comma + 1 : NULL;
	}
	return 1;
}

static int result_is(json_t *r, const char *id, const char *placement, const char *filter)
{
	return strcmp(json_string_value(json_object_get(r, "id")), id) == 0 &&
	       strcmp(json_string_value(json_object_get(r, "status")), "ok") == 0 &&
	       (!placement ||
		strcmp(json_string_value(json_object_get(json_object_get(r, "placement"), "name")), placement) == 0) &&
	       filter_matches(json_object_get(r, "params"), filter);
}

double ipcb_result_median_where(const struct ipcb_results *rs, const char *id, const char *placement,
				const char *filter)
{
	json_t *r;
	size_t i;

	json_array_foreach(rs->results, i, r)
		if (result_is(r, id, placement, filter))
			return json_number_value(json_object_get(json_object_get(r, "stats"), "median"));
	return -1;
}

double ipcb_result_median(const struct ipcb_results *rs, const char *id, const char *placement)
{
	return ipcb_result_median_where(rs, id, placement, NULL);
}

static void note_where(struct ipcb_results *rs, const char *id, const char *placement, const char *filter,
		       const char *note)
{
	json_t *r;
	size_t i;

	json_array_foreach(rs->results, i, r) {
		if (!result_is(r, id, placement, filter))
			continue;
		if (!json_is_array(json_object_get(r, "notes")))
			json_object_set_new(r, "notes", json_array());
		json_array_append_new(json_object_get(r, "notes"), json_string(note));
	}
}

void ipcb_result_note_where(struct ipcb_results *rs, const char *id, const char *placement, const char *filter,
			    const char *fmt, ...)
{
	char note[IPCB_NOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	note_where(rs, id, placement, filter, note);
}

void ipcb_result_note(struct ipcb_results *rs, const char *id, const char *placement, const char *fmt, ...)
{
	char note[IPCB_NOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	note_where(rs, id, placement, NULL, note);
}

/* The values param takes in ok results of id, ascending; returns how many (at most max). */
static size_t param_values_of(const struct ipcb_results *rs, const char *id, const char *param, int64_t *vals,
			      size_t max)
{
	size_t i, j, n = 0;
	json_t *r;

	json_array_foreach(rs->results, i, r) {
		json_t *v = json_object_get(json_object_get(r, "params"), param);
		int64_t x;

		if (!json_is_integer(v) || !result_is(r, id, NULL, NULL))
			continue;
		x = json_integer_value(v);
		for (j = 0; j < n && vals[j] != x; j++)
			;
		if (j < n || n == max)
			continue;
		for (j = n++; j > 0 && vals[j - 1] > x; j--)
			vals[j] = vals[j - 1];
		vals[j] = x;
	}
	return n;
}

void ipcb_explain_crossover(struct ipcb_results *rs, const char *id, const char *reference, const char *placement,
			    const char *param, const char *filter, const char *own)
{
	char all[160], with[200], ref[200];
	int64_t vals[64];
	size_t i, n = param_values_of(rs, id, param, vals, 64), measured = 0;

	snprintf(all, sizeof(all), "%s%s%s", filter ? filter : "", filter && filter[0] && own && own[0] ? "," : "",
		 own ? own : "");
	for (i = 0; i < n; i++) {
		double m, direct;

		snprintf(with, sizeof(with), "%s=%lld%s%s", param, (long long)vals[i], all[0] ? "," : "", all);
		/* the reference at the same value when it has the param, else its only figure */
		snprintf(ref, sizeof(ref), "%s=%lld%s%s", param, (long long)vals[i], filter && filter[0] ? "," : "",
			 filter ? filter : "");
		direct = ipcb_result_median_where(rs, reference, placement, ref);
		if (direct <= 0)
			direct = ipcb_result_median_where(rs, reference, placement, filter);
		m = ipcb_result_median_where(rs, id, placement, with);
		if (m <= 0 || direct <= 0)
			continue;
		measured++;
		if (m < direct) {
			ipcb_result_note_where(rs, id, placement, all,
					       "cheaper than %s from %s=%lld on (%.0f vs %.0f ns) in this run", reference,
					       param, (long long)vals[i], m, direct);
			return;
		}
	}
	if (measured > 1)
		ipcb_result_note_where(rs, id, placement, all, "dearer than %s at every %s measured, up to %lld",
				       reference, param, (long long)vals[n - 1]);
}

void ipcb_explain(json_t *results, const json_t *machine)
{
	struct ipcb_results rs = { results, machine };
	int f;

	for (f = 0; ipcb_families[f]; f++)
		if (ipcb_families[f]->explain)
			ipcb_families[f]->explain(&rs);
}
