// SPDX-License-Identifier: MIT
/*
 * runner.c - runs jobs: pins the measuring thread, asks the benchmark
 * whether it can run here, sets it up, measures it and turns the
 * measurement into a result record. Benchmarks never decide exit codes or
 * print: a failed setup becomes `skipped` with its reason.
 */
#include "runner.h"

#include <errno.h>
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
		j->placement = "spread";
		j->cpus[0] = ipcb_cpu_for_thread(0);
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
		return 0;
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
	for (i = 0; i < (size_t)job->ncpus; i++)
		json_array_append_new(cpus, json_integer(job->cpus[i]));
	json_object_set_new(r, "placement", json_pack("{s:s, s:o}", "name", job->placement, "cpus", cpus));
	if (job->ncpus > 1 && !job->skip[0])
		json_object_set_new(json_object_get(r, "placement"), "relation",
				    json_string(ipcb_topo_relation(job->cpus[0], job->cpus[1])));
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

static json_t *stats_json(const struct ipcb_stats *s)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:[f,f]}", "n", (json_int_t)s->n, "min",
			 s->min, "max", s->max, "median", s->median, "mean", s->mean, "stddev", s->stddev, "p1",
			 s->p1, "p99", s->p99, "mad", s->mad, "ci95", s->ci95_lo, s->ci95_hi);
}

/* At most this many samples are stored, evenly thinned in time order. */
#define STORED_SAMPLES 1000

static json_t *samples_json(const struct ipcb_measurement *m)
{
	json_t *a = json_array();
	size_t i, step = (m->n + STORED_SAMPLES - 1) / STORED_SAMPLES;

	if (step == 0)
		step = 1;
	for (i = 0; i < m->n; i += step)
		json_array_append_new(a, json_real(m->samples[i]));
	return a;
}

static void add_measurement(json_t *r, const struct ipcb_measurement *m, const struct ipcb_measure_opts *o)
{
	json_object_set_new(r, "stats", stats_json(&m->stats));
	json_object_set_new(r, "ci95_rel", json_real(m->ci_rel));
	json_object_set_new(r, "unstable", json_boolean(m->unstable));
	json_object_set_new(r, "iters_per_sample", json_integer((json_int_t)m->iters));
	json_object_set_new(r, "sample_ns", json_real(m->sample_ns));
	json_object_set_new(r, "elapsed_s", json_real(m->elapsed_s));
	json_object_set_new(r, "rounds", json_integer(m->rounds));
	json_object_set_new(r, "drift", json_real(m->drift));
	json_object_set_new(r, "stop", json_string(m->interrupted ? "interrupted" :
						     m->hit_budget	   ? "time budget" :
						     m->n >= (size_t)o->max_samples ? "max samples" :
										 "ci target"));
	json_object_set_new(r, "samples", samples_json(m));
}

static void harness_notes(struct ipcb_ctx *ctx, const struct ipcb_measurement *m, const struct ipcb_measure_opts *o)
{
	if (m->unstable)
		ipcb_note(ctx, "unstable: CI95 of the median is +/-%.1f%% (target +/-%.1f%%) after %zu samples in %.2f s; other load, frequency changes or a too short time_budget_s",
			  100 * m->ci_rel, 100 * o->ci_target, m->n, m->elapsed_s);
	if (m->interrupted)
		ipcb_note(ctx, "interrupted: sampling was cut short by a signal");
	if (m->drift > 1.1)
		ipcb_note(ctx, "drift: the medians of 8 consecutive blocks of samples differ by %.2fx; the machine's speed changed during sampling (host contention, frequency, a co-runner), so a rerun may differ by as much",
			  m->drift);
	if (m->stats.p99 > 2 * m->stats.median)
		ipcb_note(ctx, "long tail: p99 is %.1fx the median (interrupts, preemption or wake-ups inside samples)",
			  m->stats.p99 / m->stats.median);
}

/*
 * Time each operation separately, after the amortised measurement: one timer
 * read per operation would otherwise inflate the median of short operations.
 */
static void latency_pass(struct ipcb_ctx *ctx, const struct ipcb_measurement *m, const struct ipcb_measure_opts *o,
			 json_t *r)
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
		ctx->bench->body(ctx, m->iters);
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
	json_t *notes = json_array();
	int i;

	if (ctx->bench->note)
		json_array_append_new(notes, json_string(ctx->bench->note));
	for (i = 0; i < ctx->nnotes; i++)
		json_array_append_new(notes, json_string(ctx->notes[i]));
	json_object_set_new(r, "notes", notes);
}

/* Event counts of the timed samples, per unit of work, for both parties. */
static void open_counters(struct ipcb_run *run, const struct ipcb_ctx *ctx, const struct ipcb_measure_opts *o)
{
	run->counters[0] = ipcb_counters_open(o->counter_list, 0);
	if (ctx->peer_tid > 0)
		run->counters[1] = ipcb_counters_open(o->counter_list, ctx->peer_tid);
}

static void close_counters(struct ipcb_run *run, json_t *r)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (!run->counters[i])
			continue;
		if (r) {
			json_t *c = json_object_get(r, "counters");

			if (!c) {
				c = json_object();
				json_object_set_new(r, "counters", c);
			}
			json_object_set_new(c, i ? "peer" : "measuring_thread",
					    ipcb_counters_json(run->counters[i], (double)run->m.ops_counted));
		}
		ipcb_counters_close(run->counters[i]);
		run->counters[i] = NULL;
	}
}

static void job_done(struct ipcb_run *run, json_t *r, const char *status, const char *why)
{
	result_status(r, status, why);
	run->result = r;
}

void ipcb_run_round(const struct ipcb_job *job, const struct ipcb_measure_opts *o, struct ipcb_run *run, int last)
{
	const struct ipcb_bench *b = job->bench;
	struct ipcb_measure_opts mo = *o;
	struct ipcb_ctx ctx;
	json_t *r = result_new(job);

	ctx_init(&ctx, job);
	if (job->skip[0])
		return job_done(run, r, "skipped", job->skip);
	if (b->supported && b->supported(&ctx, ctx.why, sizeof(ctx.why)))
		return job_done(run, r, "skipped", ctx.why);
	if (ipcb_pin_self(job->cpus[0]))
		return job_done(run, r, "skipped", "cannot pin the measuring thread (sched_setaffinity failed)");
	if (b->setup && b->setup(&ctx)) {
		json_decref(ctx.extra);
		return job_done(run, r, "skipped", ctx.why);
	}
	if (o->counter_list && last)
		open_counters(run, &ctx, o);
	mo.counters = run->counters;
	if (ipcb_measure_round(&ctx, &mo, &run->m) || ctx.aborted) {
		result_status(r, "failed", ctx.why);
		last = 1;
	} else if (last) {
		ipcb_measure_finish(&run->m, o);
		if (b->latency)
			latency_pass(&ctx, &run->m, o, r);
		if (ctx.aborted) {
			result_status(r, "failed", ctx.why);
		} else {
			result_status(r, "ok", NULL);
			add_measurement(r, &run->m, o);
			harness_notes(&ctx, &run->m, o);
		}
	}
	if (b->teardown)
		b->teardown(&ctx);
	if (ctx.aborted) {
		result_status(r, "failed", ctx.why);
		last = 1;
	}
	if (!last) {
		/* more rounds to come: only the final round's record is kept */
		json_decref(ctx.extra);
		json_decref(r);
		return;
	}
	close_counters(run, r);
	add_extra(r, &ctx);
	add_notes(r, &ctx);
	run->result = r;
}

void ipcb_run_finish_early(const struct ipcb_job *job, const struct ipcb_measure_opts *o, struct ipcb_run *run)
{
	struct ipcb_ctx ctx;
	json_t *r;

	if (run->result || run->m.n == 0)
		return;
	ctx_init(&ctx, job);
	r = result_new(job);
	ipcb_measure_finish(&run->m, o);
	result_status(r, "ok", NULL);
	add_measurement(r, &run->m, o);
	run->m.interrupted = 1;
	harness_notes(&ctx, &run->m, o);
	ipcb_note(&ctx, "interrupted after %d round(s): the figure comes from fewer samples than planned",
		  run->m.rounds);
	add_notes(r, &ctx);
	run->result = r;
}

void ipcb_run_free(struct ipcb_run *run)
{
	close_counters(run, NULL);
	ipcb_measurement_free(&run->m);
	run->result = NULL;
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
};

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

void ipcb_explain(json_t *results)
{
	struct ipcb_results rs = { results };
	int f;

	for (f = 0; ipcb_families[f]; f++)
		if (ipcb_families[f]->explain)
			ipcb_families[f]->explain(&rs);
}
