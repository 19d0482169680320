// SPDX-License-Identifier: MIT
/*
 * result.c - the JSON layout of a result, in one place: written by the
 * engine, read back (and validated) by every reporter. See result.h.
 */
#include "result.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* --- status and small helpers ------------------------------------------------ */

static const char *const status_names[] = { "ok", "skipped", "failed" };

const char *ipcb_status_name(enum ipcb_status s)
{
	return (unsigned)s < 3 ? status_names[s] : "failed";
}

int ipcb_status_parse(const char *name, enum ipcb_status *s)
{
	int i;

	for (i = 0; name && i < 3; i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*s = (enum ipcb_status)i;
			return 0;
		}
	}
	return -1;
}

int ipcb_result_set_str(char **field, const char *s)
{
	char *copy = s ? strdup(s) : NULL;

	if (s && !copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* Where a note goes is where the record stands when the first one is written (see ipcb_notes_slot). */
static void notes_slot_now(struct ipcb_result *r)
{
	if (r->nnotes || (r->has & IPCB_HAS_NOTES))
		return;
	r->notes_slot = !(r->has & IPCB_HAS_STATS)   ? IPCB_NOTES_BEFORE_STATS :
			!(r->has & IPCB_HAS_SAMPLES) ? IPCB_NOTES_AFTER_UNSTABLE :
						       IPCB_NOTES_LAST;
}

static int push_note(struct ipcb_result *r, const char *note)
{
	char **p = realloc(r->notes, (r->nnotes + 1) * sizeof(*p));

	if (!p)
		return -1;
	r->notes = p;
	p[r->nnotes] = strdup(note);
	if (!p[r->nnotes])
		return -1;
	notes_slot_now(r);
	r->nnotes++;
	r->has |= IPCB_HAS_NOTES;
	return 0;
}

int ipcb_result_add_note(struct ipcb_result *r, const char *fmt, ...)
{
	char note[IPCB_NOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	return push_note(r, note);
}

int ipcb_result_add_param(struct ipcb_result *r, const char *name, int64_t value, const char *choice)
{
	struct ipcb_rparam *p;
	char num[24];

	if (r->nparams >= IPCB_MAX_PARAMS)
		return -1;
	p = &r->params[r->nparams];
	snprintf(num, sizeof(num), "%lld", (long long)value);
	p->name = strdup(name);
	p->text = strdup(choice ? choice : num);
	p->is_choice = choice != NULL;
	p->value = value;
	if (!p->name || !p->text) {
		free(p->name);
		free(p->text);
		memset(p, 0, sizeof(*p));
		return -1;
	}
	r->nparams++;
	return 0;
}

const struct ipcb_rparam *ipcb_result_param(const struct ipcb_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return &r->params[i];
	return NULL;
}

int ipcb_param_not(const char *name, void *arg)
{
	return !arg || strcmp(name, (const char *)arg) != 0;
}

static int cmp_param_name(const void *a, const void *b)
{
	return strcmp((*(const struct ipcb_rparam *const *)a)->name, (*(const struct ipcb_rparam *const *)b)->name);
}

char *ipcb_params_text(const char *id, const struct ipcb_rparam *p, size_t n, char *buf, size_t len,
		       unsigned flags, int (*keep)(const char *name, void *arg), void *arg)
{
	const struct ipcb_rparam *few[IPCB_MAX_PARAMS], **order = few;
	size_t i, k = 0, used = 0;
	int first = 1;

	if (!len)
		return buf;
	buf[0] = '\0';
	/* a result has at most IPCB_MAX_PARAMS; a figure's shared params may be more */
	if (n > IPCB_MAX_PARAMS && !(order = malloc(n * sizeof(*order))))
		return buf;
	for (i = 0; i < n; i++)
		if (!keep || keep(p[i].name, arg))
			order[k++] = &p[i];
	if (flags & IPCB_PARAMS_SORTED)
		qsort(order, k, sizeof(order[0]), cmp_param_name);
	if (flags & IPCB_PARAMS_ID)
		used = (size_t)snprintf(buf, len, "%s", id ? id : "");
	for (i = 0; i < k && used < len; i++) {
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
					 first ? (flags & IPCB_PARAMS_ID ? " " : "") : ",", order[i]->name,
					 order[i]->text);
		first = 0;
	}
	if (order != few)
		free(order);
	return buf;
}

char *ipcb_result_params_text(const struct ipcb_result *r, char *buf, size_t len, unsigned flags,
			      int (*keep)(const char *name, void *arg), void *arg)
{
	return ipcb_params_text(r->id, r->params, r->nparams, buf, len, flags, keep, arg);
}

/* --- freeing ------------------------------------------------------------------ */

void ipcb_rcounters_free(struct ipcb_rcounters *c)
{
	size_t i;

	for (i = 0; i < c->nevents; i++) {
		free(c->events[i].name);
		free(c->events[i].reason);
	}
	free(c->events);
	free(c->user_only_note);
	free(c->read_error);
	memset(c, 0, sizeof(*c));
}

static void matrix_free(struct ipcb_rmatrix *m)
{
	if (!m)
		return;
	free(m->cpus);
	free(m->quantity);
	free(m->value);
	free(m->rows);
	free(m->columns);
	free(m->relation);
	json_decref(m->unknown);
	free(m);
}

void ipcb_result_free(struct ipcb_result *r)
{
	size_t i;

	free(r->id);
	free(r->family);
	for (i = 0; i < r->nparams; i++) {
		free(r->params[i].name);
		free(r->params[i].text);
	}
	free(r->placement);
	free(r->relation);
	free(r->role);
	free(r->cpus);
	free(r->unit);
	free(r->per);
	free(r->reason);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->round_medians);
	free(r->interval_basis);
	free(r->stop);
	free(r->samples);
	if (r->histogram) {
		free(r->histogram->unit);
		free(r->histogram->buckets);
		free(r->histogram);
	}
	for (i = 0; i < IPCB_NTHREAD_ROLES; i++)
		ipcb_rcounters_free(&r->counters[i]);
	for (i = 0; i < r->nmetrics; i++) {
		free(r->metrics[i].name);
		free(r->metrics[i].unit);
	}
	free(r->metrics);
	matrix_free(r->matrix);
	free(r->threads);
	json_decref(r->unknown_attachments);
	json_decref(r->unknown);
	memset(r, 0, sizeof(*r));
}

/* --- writing ------------------------------------------------------------------ */

/* A figure the tool writes as an integer; a file by hand may hold a fraction, which stays one. */
static json_t *whole(double v)
{
	return v == floor(v) && fabs(v) < 9e15 ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *reals_json(const double *x, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(x[i]));
	return a;
}

static json_t *ints_json(const int *x, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(x[i]));
	return a;
}

static json_t *pair_json(const double *x)
{
	return json_pack("[f,f]", x[0], x[1]);
}

static json_t *params_json(const struct ipcb_result *r)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < r->nparams; i++)
		json_object_set_new(o, r->params[i].name,
				    r->params[i].is_choice ? json_string(r->params[i].text) :
							     json_integer(r->params[i].value));
	return o;
}

static json_t *placement_json(const struct ipcb_result *r)
{
	json_t *o = json_pack("{s:s, s:o}", "name", r->placement ? r->placement : "",
			      "cpus", ints_json(r->cpus, r->ncpus));

	if (r->relation)
		json_object_set_new(o, "relation", json_string(r->relation));
	if (r->role)
		json_object_set_new(o, "role", json_string(r->role));
	return o;
}

static json_t *histogram_json(const struct ipcb_histogram *h)
{
	json_t *o = json_object(), *b = json_array();
	size_t i;

#define HPUT(bit, key, val) \
	if (h->has & (bit))  \
	json_object_set_new(o, key, val)
	HPUT(IPCB_HIST_HAS_UNIT, "unit", json_string(h->unit ? h->unit : "ns"));
	HPUT(IPCB_HIST_HAS_COUNT, "count", json_integer((json_int_t)h->count));
	HPUT(IPCB_HIST_HAS_MIN, "min", whole(h->min));
	HPUT(IPCB_HIST_HAS_MAX, "max", whole(h->max));
	HPUT(IPCB_HIST_HAS_MEAN, "mean", json_real(h->mean));
	HPUT(IPCB_HIST_HAS_P50, "p50", whole(h->p50));
	HPUT(IPCB_HIST_HAS_P90, "p90", whole(h->p90));
	HPUT(IPCB_HIST_HAS_P99, "p99", whole(h->p99));
	HPUT(IPCB_HIST_HAS_P999, "p999", whole(h->p999));
#undef HPUT
	for (i = 0; i < h->nbuckets; i++)
		json_array_append_new(b, json_pack("[o, o, I]", whole(h->buckets[i].lo), whole(h->buckets[i].hi),
						   (json_int_t)h->buckets[i].count));
	json_object_set_new(o, "buckets", b);
	return o;
}

static json_t *event_json(const struct ipcb_revent *e)
{
	json_t *o;

	if (!e->available)
		return json_pack("{s:b, s:s}", "available", 0, "reason", e->reason ? e->reason : "");
	o = json_pack("{s:b, s:f, s:I, s:b}", "available", 1, "per_op", e->per_op, "total", (json_int_t)e->total,
		      "scaled", e->scaled);
	if (e->has_raw)
		json_object_set_new(o, "raw", json_integer((json_int_t)e->raw));
	return o;
}

json_t *ipcb_rcounters_json(const struct ipcb_rcounters *c)
{
	json_t *o, *events = json_object();
	size_t i;

	for (i = 0; i < c->nevents; i++)
		json_object_set_new(events, c->events[i].name, event_json(&c->events[i]));
	o = json_pack("{s:b, s:o}", "user_only", c->user_only, "events", events);
	if (c->has_ipc)
		json_object_set_new(o, "ipc", json_real(c->ipc));
	if (c->user_only_note)
		json_object_set_new(o, "user_only_note", json_string(c->user_only_note));
	if (c->read_error)
		json_object_set_new(o, "read_error", json_string(c->read_error));
	return o;
}

static const char *const thread_roles[IPCB_NTHREAD_ROLES] = { "measuring_thread", "peer" };

static json_t *counters_json(const struct ipcb_result *r)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < IPCB_NTHREAD_ROLES; i++)
		if (r->counters[i].present)
			json_object_set_new(o, thread_roles[i], ipcb_rcounters_json(&r->counters[i]));
	return o;
}

static json_t *matrix_json(const struct ipcb_rmatrix *m)
{
	json_t *o = json_object(), *grid, *row;
	size_t i, k;

	json_object_set_new(o, "cpus", ints_json(m->cpus, m->n));
	if (m->quantity) {
		grid = json_array();
		for (i = 0; i < m->n; i++) {
			row = json_array();
			for (k = 0; k < m->n; k++) {
				double v = m->value[i * m->n + k];

				json_array_append_new(row, isnan(v) ? json_null() : json_real(v));
			}
			json_array_append_new(grid, row);
		}
		json_object_set_new(o, m->quantity, grid);
	}
	if (m->has_measured)
		json_object_set_new(o, "measured_pairs", json_integer((json_int_t)m->measured));
	if (m->has_total)
		json_object_set_new(o, "total_pairs", json_integer((json_int_t)m->total));
	if (m->rows)
		json_object_set_new(o, "rows", json_string(m->rows));
	if (m->columns)
		json_object_set_new(o, "columns", json_string(m->columns));
	if (m->has_headline) {
		json_t *h = json_pack("{s:[i,i]}", "cpus", m->headline[0], m->headline[1]);

		if (m->relation)
			json_object_set_new(h, "relation", json_string(m->relation));
		json_object_set_new(o, "headline", h);
	}
	if (m->unknown)
		json_object_update(o, m->unknown);
	return o;
}

static json_t *attachments_json(const struct ipcb_result *r)
{
	json_t *o = json_object(), *t;
	size_t i;

	if (r->matrix)
		json_object_set_new(o, "matrix", matrix_json(r->matrix));
	if (r->has_threads) {
		t = json_array();
		for (i = 0; i < r->nthreads; i++)
			json_array_append_new(t, json_pack("{s:i, s:I}", "cpu", r->threads[i].cpu, "acquisitions",
							   (json_int_t)r->threads[i].acquisitions));
		json_object_set_new(o, "threads", t);
	}
	if (r->unknown_attachments)
		json_object_update(o, r->unknown_attachments);
	return o;
}

static json_t *metrics_json(const struct ipcb_result *r)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < r->nmetrics; i++)
		json_object_set_new(o, r->metrics[i].name,
				    json_pack("{s:f, s:s}", "value", r->metrics[i].value, "unit",
					      r->metrics[i].unit ? r->metrics[i].unit : ""));
	return o;
}

static json_t *notes_json(const struct ipcb_result *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->nnotes; i++)
		json_array_append_new(a, json_string(r->notes[i]));
	return a;
}

/* max may be absent from a file by hand: it reads back as NAN and stays absent. */
static json_t *stats_json(const struct ipcb_summary *s)
{
	json_t *o = json_pack("{s:I, s:f}", "n", (json_int_t)s->n, "min", s->min);
	json_t *rest = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:[f,f]}", "median", s->median, "mean", s->mean,
				 "stddev", s->stddev, "p1", s->p1, "p99", s->p99, "mad", s->mad, "ci95", s->ci95[0],
				 s->ci95[1]);

	if (!isnan(s->max))
		json_object_set_new(o, "max", json_real(s->max));
	json_object_update(o, rest);
	json_decref(rest);
	return o;
}

static void put_notes(json_t *j, const struct ipcb_result *r, enum ipcb_notes_slot slot)
{
	if ((r->has & IPCB_HAS_NOTES) && r->notes_slot == slot)
		json_object_set_new(j, "notes", notes_json(r));
}

/* The pooled measurement, in the order the engine writes it. */
static void put_measurement(json_t *j, const struct ipcb_result *r)
{
	unsigned h = r->has;

#define PUT(bit, key, val) \
	if (h & (bit))     \
	json_object_set_new(j, key, val)
	PUT(IPCB_HAS_STATS, "stats", stats_json(&r->stats));
	PUT(IPCB_HAS_ROUND_MEDIANS, "round_medians", reals_json(r->round_medians, r->nround_medians));
	PUT(IPCB_HAS_CI95_REL_SAMPLES, "ci95_rel_samples", json_real(r->ci95_rel_samples));
	PUT(IPCB_HAS_CI95_RUNS, "ci95_runs", pair_json(r->ci95_runs));
	PUT(IPCB_HAS_CI95_REL_RUNS, "ci95_rel_runs", json_real(r->ci95_rel_runs));
	PUT(IPCB_HAS_INTERVAL95, "interval95", pair_json(r->interval95));
	PUT(IPCB_HAS_INTERVAL_BASIS, "interval_basis", json_string(r->interval_basis));
	PUT(IPCB_HAS_CI95_REL, "ci95_rel", json_real(r->ci95_rel));
	PUT(IPCB_HAS_UNSTABLE, "unstable", json_boolean(r->unstable));
	put_notes(j, r, IPCB_NOTES_AFTER_UNSTABLE);
	PUT(IPCB_HAS_ITERS, "iters_per_sample", json_integer((json_int_t)r->iters_per_sample));
	PUT(IPCB_HAS_SAMPLE_NS, "sample_ns", json_real(r->sample_ns));
	PUT(IPCB_HAS_ELAPSED_S, "elapsed_s", json_real(r->elapsed_s));
	PUT(IPCB_HAS_ROUNDS, "rounds", json_integer(r->rounds));
	PUT(IPCB_HAS_DRIFT, "drift", json_real(r->drift));
	PUT(IPCB_HAS_STOP, "stop", json_string(r->stop));
	PUT(IPCB_HAS_SAMPLES, "samples", reals_json(r->samples, r->nsamples));
#undef PUT
}

json_t *ipcb_result_to_json(const struct ipcb_result *r)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	json_object_set_new(j, "id", json_string(r->id ? r->id : ""));
	json_object_set_new(j, "family", json_string(r->family ? r->family : ""));
	json_object_set_new(j, "params", params_json(r));
	json_object_set_new(j, "placement", placement_json(r));
	json_object_set_new(j, "unit", json_string(r->unit ? r->unit : "ns"));
	json_object_set_new(j, "per", json_string(r->per ? r->per : ""));
	if (r->histogram)
		json_object_set_new(j, "histogram", histogram_json(r->histogram));
	json_object_set_new(j, "status", json_string(ipcb_status_name(r->status)));
	if (r->reason)
		json_object_set_new(j, "reason", json_string(r->reason));
	if (r->has & IPCB_HAS_COUNTERS)
		json_object_set_new(j, "counters", counters_json(r));
	if (r->has & IPCB_HAS_ATTACHMENTS)
		json_object_set_new(j, "attachments", attachments_json(r));
	if (r->has & IPCB_HAS_METRICS)
		json_object_set_new(j, "metrics", metrics_json(r));
	put_notes(j, r, IPCB_NOTES_BEFORE_STATS);
	put_measurement(j, r);
	put_notes(j, r, IPCB_NOTES_LAST);
	if (r->unknown)
		json_object_update(j, r->unknown);
	return j;
}

/* --- the schema: what a result record must be ------------------------------------ */

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -1)

static int is_object(const json_t *v) { return json_is_object(v); }
static int is_array(const json_t *v) { return json_is_array(v); }
static int is_string(const json_t *v) { return json_is_string(v); }
static int is_number(const json_t *v) { return json_is_number(v); }
static int is_int(const json_t *v) { return json_is_integer(v); }

static int need(const json_t *o, const char *key, int (*is)(const json_t *), const char *type, char *why,
		size_t whylen)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return WHY("missing \"%s\"", key);
	if (!is(v))
		return WHY("\"%s\" must be %s", key, type);
	return 0;
}

/* An optional member: absent, or of the type */
static int may(const json_t *o, const char *key, int (*is)(const json_t *), const char *type, char *why,
	       size_t whylen)
{
	return json_object_get(o, key) ? need(o, key, is, type, why, whylen) : 0;
}

static int check_stats(const json_t *st, char *why, size_t whylen)
{
	static const char *const nums[] = { "min", "median", "mean", "stddev", "p1", "p99", "mad", NULL };
	const json_t *ci;
	double lo, hi, med;
	int i;

	if (need(st, "n", is_int, "an integer", why, whylen))
		return -1;
	if (json_integer_value(json_object_get(st, "n")) < 1)
		return WHY("stats.n must be >= 1");
	if (json_object_get(st, "max") && !json_is_number(json_object_get(st, "max")))
		return WHY("stats.max must be a number");
	for (i = 0; nums[i]; i++)
		if (need(st, nums[i], is_number, "a number", why, whylen))
			return -1;
	ci = json_object_get(st, "ci95");
	if (!json_is_array(ci) || json_array_size(ci) != 2 || !json_is_number(json_array_get(ci, 0)) ||
	    !json_is_number(json_array_get(ci, 1)))
		return WHY("stats.ci95 must be [lo, hi]");
	lo = json_number_value(json_array_get(ci, 0));
	hi = json_number_value(json_array_get(ci, 1));
	med = json_number_value(json_object_get(st, "median"));
	if (!(lo <= med && med <= hi))
		return WHY("stats.ci95 [%g, %g] does not contain the median %g", lo, hi, med);
	if (json_number_value(json_object_get(st, "min")) > med)
		return WHY("stats.min > stats.median");
	return 0;
}

/* An optional [lo, hi] of numbers with lo <= hi. */
static int may_interval(const json_t *r, const char *key, char *why, size_t whylen)
{
	const json_t *v = json_object_get(r, key);
	double lo, hi;

	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
	    !json_is_number(json_array_get(v, 1)))
		return WHY("%s must be [lo, hi] (two numbers)", key);
	lo = json_number_value(json_array_get(v, 0));
	hi = json_number_value(json_array_get(v, 1));
	if (!(lo <= hi))
		return WHY("%s [%g, %g] has lo > hi", key, lo, hi);
	return 0;
}

/* The between-process members (issue 11); all optional: files written before them lack them. */
static int check_rounds(const json_t *r, char *why, size_t whylen)
{
	const json_t *rm = json_object_get(r, "round_medians"), *v;
	size_t i;

	if (rm) {
		if (!json_is_array(rm) || json_array_size(rm) == 0)
			return WHY("round_medians must be a non-empty array of numbers");
		json_array_foreach(rm, i, v)
			if (!json_is_number(v))
				return WHY("round_medians[%zu] must be a number", i);
	}
	return may_interval(r, "ci95_runs", why, whylen) || may_interval(r, "interval95", why, whylen) ||
			       may(r, "ci95_rel_samples", is_number, "a number", why, whylen) ||
			       may(r, "ci95_rel_runs", is_number, "a number", why, whylen) ||
			       may(r, "interval_basis", is_string, "a string", why, whylen) ?
		       -1 :
		       0;
}

static int check_histogram(const json_t *h, char *why, size_t whylen)
{
	const json_t *b, *e;
	size_t i;

	if (!h)
		return 0;
	if (!json_is_object(h))
		return WHY("histogram must be an object");
	b = json_object_get(h, "buckets");
	if (!json_is_array(b))
		return WHY("histogram.buckets must be an array of [lo, hi, count]");
	json_array_foreach(b, i, e) {
		double lo, hi, c;

		if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_number(json_array_get(e, 0)) ||
		    !json_is_number(json_array_get(e, 1)) || !json_is_number(json_array_get(e, 2)))
			return WHY("histogram.buckets[%zu] must be [lo, hi, count]", i);
		lo = json_number_value(json_array_get(e, 0));
		hi = json_number_value(json_array_get(e, 1));
		c = json_number_value(json_array_get(e, 2));
		if (!(lo >= 0 && lo <= hi && c >= 0))
			return WHY("histogram.buckets[%zu] needs 0 <= lo <= hi and count >= 0", i);
	}
	if ((json_object_get(h, "p99") && !json_is_number(json_object_get(h, "p99"))) ||
	    (json_object_get(h, "p999") && !json_is_number(json_object_get(h, "p999"))))
		return WHY("histogram.p99 and histogram.p999 must be numbers");
	return 0;
}

static int check_matrix(const json_t *m, char *why, size_t whylen)
{
	const json_t *cpus, *rows, *row, *cell;
	const char *key;
	size_t n, i, j;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return WHY("attachments.matrix must be an object");
	cpus = json_object_get(m, "cpus");
	n = json_array_size(cpus);
	if (!json_is_array(cpus) || n < 1 || n > IPCB_MATRIX_MAX)
		return WHY("attachments.matrix.cpus must be an array of 1 to %d CPU ids", IPCB_MATRIX_MAX);
	json_array_foreach(cpus, i, cell)
		if (!json_is_integer(cell))
			return WHY("attachments.matrix.cpus[%zu] must be an integer", i);
	json_object_foreach((json_t *)m, key, rows) {
		if (!json_is_array(rows) || strcmp(key, "cpus") == 0)
			continue;
		if (json_array_size(rows) != n)
			return WHY("attachments.matrix.%.40s must have %zu rows, one per CPU", key, n);
		json_array_foreach(rows, i, row) {
			if (!json_is_array(row) || json_array_size(row) != n)
				return WHY("attachments.matrix.%.40s[%zu] must be a row of %zu numbers or nulls", key, i, n);
			json_array_foreach(row, j, cell)
				if (!json_is_number(cell) && !json_is_null(cell))
					return WHY("attachments.matrix.%.40s[%zu][%zu] must be a number or null", key, i, j);
		}
	}
	return 0;
}

/* The optional members that plots read: attachments (an object), histogram and attachments.matrix. */
static int check_extras(const json_t *r, char *why, size_t whylen)
{
	const json_t *att = json_object_get(r, "attachments");

	if (att && !json_is_object(att))
		return WHY("attachments must be an object");
	if (check_histogram(json_object_get(r, "histogram"), why, whylen))
		return -1;
	return check_matrix(json_object_get(att, "matrix"), why, whylen);
}

static int check_placement(const json_t *r, char *why, size_t whylen)
{
	const json_t *pl = json_object_get(r, "placement"), *c;
	size_t i;

	if (need(r, "placement", is_object, "an object", why, whylen) ||
	    need(pl, "name", is_string, "a string", why, whylen) || need(pl, "cpus", is_array, "an array", why, whylen) ||
	    may(pl, "role", is_string, "a string", why, whylen))
		return -1;
	json_array_foreach(json_object_get(pl, "cpus"), i, c)
		if (!json_is_integer(c))
			return WHY("placement.cpus must hold integers");
	return 0;
}

static int check_measurement(const json_t *r, int partial, char *why, size_t whylen)
{
	const json_t *v;
	size_t i;

	if ((!partial || json_object_get(r, "stats")) &&
	    (need(r, "stats", is_object, "an object", why, whylen) ||
	     check_stats(json_object_get(r, "stats"), why, whylen)))
		return -1;
	if ((!partial || json_object_get(r, "samples")) && need(r, "samples", is_array, "an array", why, whylen))
		return -1;
	json_array_foreach(json_object_get(r, "samples"), i, v)
		if (!json_is_number(v))
			return WHY("samples must be numbers");
	return check_rounds(r, why, whylen);
}

/* What results.c checked before the record was typed, in its order and words. */
static int check_record(const json_t *r, int partial, char *why, size_t whylen)
{
	const char *status;
	const json_t *v;
	size_t i;

	if (!json_is_object(r))
		return WHY("must be an object");
	if (need(r, "id", is_string, "a string", why, whylen))
		return -1;
	if (!strchr(json_string_value(json_object_get(r, "id")), '/'))
		return WHY("id must be family/name");
	if (need(r, "family", is_string, "a string", why, whylen) ||
	    need(r, "params", is_object, "an object", why, whylen) || check_placement(r, why, whylen) ||
	    need(r, "unit", is_string, "a string", why, whylen) || need(r, "per", is_string, "a string", why, whylen) ||
	    need(r, "status", is_string, "a string", why, whylen))
		return -1;
	status = json_string_value(json_object_get(r, "status"));
	if (strcmp(status, "ok") && strcmp(status, "skipped") && strcmp(status, "failed"))
		return WHY("status must be ok, skipped or failed, not \"%s\"", status);
	if (strcmp(status, "ok")) {
		v = json_object_get(r, "reason");
		if (!json_is_string(v) || !json_string_length(v))
			return WHY("a %s result needs a non-empty \"reason\"", status);
	} else if (check_measurement(r, partial, why, whylen)) {
		return -1;
	}
	if (check_extras(r, why, whylen))
		return -1;
	v = json_object_get(r, "notes");
	if (v) {
		if (!json_is_array(v))
			return WHY("notes must be an array of strings");
		json_array_foreach(v, i, r)
			if (!json_is_string(r))
				return WHY("notes must be an array of strings");
	}
	return 0;
}

/* --- reading into the struct -------------------------------------------------------- */

#define NOMEM() WHY("out of memory")

static char *dup_str(const json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static int read_params(const json_t *o, struct ipcb_result *r, char *why, size_t whylen)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		int rc;

		if (r->nparams == IPCB_MAX_PARAMS)
			return WHY("params: more than %d parameters", IPCB_MAX_PARAMS);
		if (json_is_string(v))
			rc = ipcb_result_add_param(r, key, 0, json_string_value(v));
		else if (json_is_integer(v))
			rc = ipcb_result_add_param(r, key, json_integer_value(v), NULL);
		else
			return WHY("params.%.40s must be an integer or a string", key);
		if (rc)
			return NOMEM();
	}
	return 0;
}

static int read_ints(const json_t *a, int **out, size_t *n)
{
	size_t i;

	*n = json_array_size(a);
	*out = calloc(*n ? *n : 1, sizeof(int));
	if (!*out)
		return -1;
	for (i = 0; i < *n; i++)
		(*out)[i] = (int)json_integer_value(json_array_get(a, i));
	return 0;
}

static int read_reals(const json_t *a, double **out, size_t *n)
{
	size_t i;

	*n = json_array_size(a);
	*out = calloc(*n ? *n : 1, sizeof(double));
	if (!*out)
		return -1;
	for (i = 0; i < *n; i++)
		(*out)[i] = json_number_value(json_array_get(a, i));
	return 0;
}

static int read_placement(const json_t *pl, struct ipcb_result *r, char *why, size_t whylen)
{
	if (may(pl, "relation", is_string, "a string", why, whylen))
		return -1;
	r->placement = dup_str(json_object_get(pl, "name"));
	r->relation = dup_str(json_object_get(pl, "relation"));
	r->role = dup_str(json_object_get(pl, "role"));
	if (!r->placement || read_ints(json_object_get(pl, "cpus"), &r->cpus, &r->ncpus))
		return NOMEM();
	return 0;
}

static int read_stats(const json_t *st, struct ipcb_summary *s)
{
	const json_t *ci = json_object_get(st, "ci95");

	s->n = (size_t)json_integer_value(json_object_get(st, "n"));
#define NUM(k) json_number_value(json_object_get(st, #k))
	s->min = NUM(min);
	s->max = json_is_number(json_object_get(st, "max")) ? NUM(max) : NAN;
	s->median = NUM(median);
	s->mean = NUM(mean);
	s->stddev = NUM(stddev);
	s->p1 = NUM(p1);
	s->p99 = NUM(p99);
	s->mad = NUM(mad);
#undef NUM
	s->ci95[0] = json_number_value(json_array_get(ci, 0));
	s->ci95[1] = json_number_value(json_array_get(ci, 1));
	return 0;
}

/* A scalar member of the measurement: its key, its JSON type, where it goes, its has-bit. */
enum kind { K_REAL, K_INT, K_U64, K_BOOL, K_STR, K_PAIR };
struct scalar {
	const char *key;
	enum kind kind;
	size_t off;
	unsigned bit;
};

#define S(key, kind, field, bit) { key, kind, offsetof(struct ipcb_result, field), bit }
static const struct scalar scalars[] = {
	S("ci95_rel_samples", K_REAL, ci95_rel_samples, IPCB_HAS_CI95_REL_SAMPLES),
	S("ci95_runs", K_PAIR, ci95_runs, IPCB_HAS_CI95_RUNS),
	S("ci95_rel_runs", K_REAL, ci95_rel_runs, IPCB_HAS_CI95_REL_RUNS),
	S("interval95", K_PAIR, interval95, IPCB_HAS_INTERVAL95),
	S("interval_basis", K_STR, interval_basis, IPCB_HAS_INTERVAL_BASIS),
	S("ci95_rel", K_REAL, ci95_rel, IPCB_HAS_CI95_REL),
	S("unstable", K_BOOL, unstable, IPCB_HAS_UNSTABLE),
	S("iters_per_sample", K_U64, iters_per_sample, IPCB_HAS_ITERS),
	S("sample_ns", K_REAL, sample_ns, IPCB_HAS_SAMPLE_NS),
	S("elapsed_s", K_REAL, elapsed_s, IPCB_HAS_ELAPSED_S),
	S("rounds", K_INT, rounds, IPCB_HAS_ROUNDS),
	S("drift", K_REAL, drift, IPCB_HAS_DRIFT),
	S("stop", K_STR, stop, IPCB_HAS_STOP),
};
#undef S

static int read_scalar(const json_t *j, const struct scalar *s, struct ipcb_result *r, char *why, size_t whylen)
{
	const json_t *v = json_object_get(j, s->key);
	char *at = (char *)r + s->off;

	if (!v)
		return 0;
	switch (s->kind) {
	case K_REAL:
		if (!json_is_number(v))
			return WHY("\"%s\" must be a number", s->key);
		*(double *)at = json_number_value(v);
		break;
	case K_INT:
	case K_U64:
		if (!json_is_integer(v))
			return WHY("\"%s\" must be an integer", s->key);
		if (s->kind == K_INT)
			*(int *)at = (int)json_integer_value(v);
		else
			*(uint64_t *)at = (uint64_t)json_integer_value(v);
		break;
	case K_BOOL:
		if (!json_is_boolean(v))
			return WHY("\"%s\" must be a boolean", s->key);
		*(int *)at = json_is_true(v);
		break;
	case K_STR:
		if (!json_is_string(v))
			return WHY("\"%s\" must be a string", s->key);
		if (!(*(char **)at = dup_str(v)))
			return NOMEM();
		break;
	case K_PAIR: /* checked by check_rounds */
		((double *)at)[0] = json_number_value(json_array_get(v, 0));
		((double *)at)[1] = json_number_value(json_array_get(v, 1));
		break;
	}
	r->has |= s->bit;
	return 0;
}

static int read_measurement(const json_t *j, struct ipcb_result *r, char *why, size_t whylen)
{
	const json_t *st = json_object_get(j, "stats"), *rm = json_object_get(j, "round_medians");
	const json_t *samples = json_object_get(j, "samples");
	size_t i;

	if (st) {
		/* on an ok record already checked; on another, checked here */
		if (!json_is_object(st))
			return WHY("\"stats\" must be an object");
		if (check_stats(st, why, whylen))
			return -1;
		read_stats(st, &r->stats);
		r->has |= IPCB_HAS_STATS;
	}
	if (check_rounds(j, why, whylen))
		return -1;
	if (rm) {
		if (read_reals(rm, &r->round_medians, &r->nround_medians))
			return NOMEM();
		r->has |= IPCB_HAS_ROUND_MEDIANS;
	}
	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (read_scalar(j, &scalars[i], r, why, whylen))
			return -1;
	r->has_ci95_runs = !!(r->has & IPCB_HAS_CI95_RUNS);
	if (samples) {
		if (!json_is_array(samples))
			return WHY("\"samples\" must be an array");
		json_array_foreach(samples, i, st)
			if (!json_is_number(st))
				return WHY("samples must be numbers");
		if (read_reals(samples, &r->samples, &r->nsamples))
			return NOMEM();
		r->has |= IPCB_HAS_SAMPLES;
	}
	return 0;
}

/* The figures a histogram may hold beside its buckets. */
static const struct {
	const char *key;
	unsigned bit;
	size_t off;
} hist_figures[] = {
	{ "min", IPCB_HIST_HAS_MIN, offsetof(struct ipcb_histogram, min) },
	{ "max", IPCB_HIST_HAS_MAX, offsetof(struct ipcb_histogram, max) },
	{ "mean", IPCB_HIST_HAS_MEAN, offsetof(struct ipcb_histogram, mean) },
	{ "p50", IPCB_HIST_HAS_P50, offsetof(struct ipcb_histogram, p50) },
	{ "p90", IPCB_HIST_HAS_P90, offsetof(struct ipcb_histogram, p90) },
	{ "p99", IPCB_HIST_HAS_P99, offsetof(struct ipcb_histogram, p99) },
	{ "p999", IPCB_HIST_HAS_P999, offsetof(struct ipcb_histogram, p999) },
};

static int read_histogram(const json_t *j, struct ipcb_result *r, char *why, size_t whylen)
{
	const json_t *b = json_object_get(j, "buckets"), *e;
	struct ipcb_histogram *h;
	size_t i;

	if (json_object_get(j, "unit") && !json_is_string(json_object_get(j, "unit")))
		return WHY("histogram.unit must be a string");
	if (json_object_get(j, "count") && !json_is_integer(json_object_get(j, "count")))
		return WHY("histogram.count must be an integer");
	for (i = 0; i < sizeof(hist_figures) / sizeof(hist_figures[0]); i++)
		if (json_object_get(j, hist_figures[i].key) && !json_is_number(json_object_get(j, hist_figures[i].key)))
			return WHY("histogram.%s must be a number", hist_figures[i].key);
	h = r->histogram = calloc(1, sizeof(*h));
	if (!h || !(h->buckets = calloc(json_array_size(b) + 1, sizeof(*h->buckets))))
		return NOMEM();
	if (json_object_get(j, "unit")) {
		h->unit = dup_str(json_object_get(j, "unit"));
		h->has |= IPCB_HIST_HAS_UNIT;
	}
	if (json_object_get(j, "count")) {
		h->count = (uint64_t)json_integer_value(json_object_get(j, "count"));
		h->has |= IPCB_HIST_HAS_COUNT;
	}
	for (i = 0; i < sizeof(hist_figures) / sizeof(hist_figures[0]); i++) {
		const json_t *v = json_object_get(j, hist_figures[i].key);

		if (v) {
			*(double *)((char *)h + hist_figures[i].off) = json_number_value(v);
			h->has |= hist_figures[i].bit;
		}
	}
	json_array_foreach(b, i, e) {
		h->buckets[i].lo = json_number_value(json_array_get(e, 0));
		h->buckets[i].hi = json_number_value(json_array_get(e, 1));
		h->buckets[i].count = (uint64_t)json_number_value(json_array_get(e, 2));
	}
	h->nbuckets = json_array_size(b);
	return 0;
}

static int read_event(const char *name, const json_t *e, struct ipcb_revent *ev, char *why, size_t whylen)
{
	if (!json_is_object(e) || !json_is_boolean(json_object_get(e, "available")))
		return WHY("counters: event %.40s must be an object with \"available\"", name);
	ev->name = strdup(name);
	ev->available = json_is_true(json_object_get(e, "available"));
	if (!ev->available) {
		if (need(e, "reason", is_string, "a string", why, whylen))
			return WHY("counters: event %.40s needs a \"reason\" string", name);
		ev->reason = dup_str(json_object_get(e, "reason"));
		return ev->name && ev->reason ? 0 : NOMEM();
	}
	if (!json_is_number(json_object_get(e, "per_op")) || !json_is_integer(json_object_get(e, "total")) ||
	    !json_is_boolean(json_object_get(e, "scaled")) ||
	    (json_object_get(e, "raw") && !json_is_integer(json_object_get(e, "raw"))))
		return WHY("counters: event %.40s needs per_op (a number), total (an integer), scaled (a boolean)", name);
	ev->per_op = json_number_value(json_object_get(e, "per_op"));
	ev->total = (uint64_t)json_integer_value(json_object_get(e, "total"));
	ev->scaled = json_is_true(json_object_get(e, "scaled"));
	ev->has_raw = json_object_get(e, "raw") != NULL;
	ev->raw = (uint64_t)json_integer_value(json_object_get(e, "raw"));
	return ev->name ? 0 : NOMEM();
}

static int read_thread_counters(const json_t *o, struct ipcb_rcounters *c, char *why, size_t whylen)
{
	const json_t *events = json_object_get(o, "events"), *e;
	const char *key;

	if (!json_is_object(o) || !json_is_boolean(json_object_get(o, "user_only")) || !json_is_object(events) ||
	    (json_object_get(o, "ipc") && !json_is_number(json_object_get(o, "ipc"))) ||
	    may(o, "user_only_note", is_string, "a string", why, whylen) ||
	    may(o, "read_error", is_string, "a string", why, whylen))
		return WHY("counters: a thread's counters need user_only (a boolean) and events (an object)");
	c->present = 1;
	c->user_only = json_is_true(json_object_get(o, "user_only"));
	c->has_ipc = json_object_get(o, "ipc") != NULL;
	c->ipc = json_number_value(json_object_get(o, "ipc"));
	c->user_only_note = dup_str(json_object_get(o, "user_only_note"));
	c->read_error = dup_str(json_object_get(o, "read_error"));
	c->events = calloc(json_object_size(events) + 1, sizeof(*c->events));
	if (!c->events)
		return NOMEM();
	json_object_foreach((json_t *)events, key, e)
		if (read_event(key, e, &c->events[c->nevents++], why, whylen))
			return -1;
	return 0;
}

static int read_counters(const json_t *o, struct ipcb_result *r, char *why, size_t whylen)
{
	const char *key;
	json_t *v;
	int i;

	if (!json_is_object(o))
		return WHY("counters must be an object");
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; i < IPCB_NTHREAD_ROLES && strcmp(key, thread_roles[i]); i++)
			;
		if (i == IPCB_NTHREAD_ROLES)
			return WHY("counters.%.40s: expected measuring_thread or peer", key);
		if (read_thread_counters(v, &r->counters[i], why, whylen))
			return -1;
	}
	r->has |= IPCB_HAS_COUNTERS;
	return 0;
}

static int read_metrics(const json_t *o, struct ipcb_result *r, char *why, size_t whylen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o))
		return WHY("metrics must be an object");
	r->metrics = calloc(json_object_size(o) + 1, sizeof(*r->metrics));
	if (!r->metrics)
		return NOMEM();
	json_object_foreach((json_t *)o, key, v) {
		struct ipcb_rmetric *m = &r->metrics[r->nmetrics++];

		if (!json_is_object(v) || !json_is_number(json_object_get(v, "value")) ||
		    !json_is_string(json_object_get(v, "unit")))
			return WHY("metrics.%.40s must be {\"value\": a number, \"unit\": a string}", key);
		m->name = strdup(key);
		m->value = json_number_value(json_object_get(v, "value"));
		m->unit = dup_str(json_object_get(v, "unit"));
		if (!m->name || !m->unit)
			return NOMEM();
	}
	r->has |= IPCB_HAS_METRICS;
	return 0;
}

/* The first grid of the (checked) matrix is its quantity; a second is kept as read. */
static int read_matrix_grid(const char *key, const json_t *rows, struct ipcb_rmatrix *m)
{
	size_t i, k, n = m->n;

	m->quantity = strdup(key);
	m->value = calloc(n * n, sizeof(double));
	if (!m->quantity || !m->value)
		return -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < n; k++) {
			const json_t *c = json_array_get(json_array_get(rows, i), k);

			m->value[i * n + k] = json_is_number(c) ? json_number_value(c) : NAN;
		}
	return 0;
}

static int matrix_keep(struct ipcb_rmatrix *m, const char *key, json_t *v)
{
	if (!m->unknown && !(m->unknown = json_object()))
		return -1;
	return json_object_set_new(m->unknown, key, json_deep_copy(v));
}

static int read_headline(const json_t *h, struct ipcb_rmatrix *m, char *why, size_t whylen)
{
	const json_t *c = json_object_get(h, "cpus");

	if (!json_is_object(h) || !json_is_array(c) || json_array_size(c) != 2 ||
	    !json_is_integer(json_array_get(c, 0)) || !json_is_integer(json_array_get(c, 1)) ||
	    may(h, "relation", is_string, "a string", why, whylen))
		return WHY("attachments.matrix.headline must be {\"cpus\": [a, b], \"relation\": a string}");
	m->has_headline = 1;
	m->headline[0] = (int)json_integer_value(json_array_get(c, 0));
	m->headline[1] = (int)json_integer_value(json_array_get(c, 1));
	m->relation = dup_str(json_object_get(h, "relation"));
	return 0;
}

/* A count the matrix states; returns 1, its has-flag. */
static int read_count(const json_t *v, size_t *n)
{
	*n = (size_t)json_integer_value(v);
	return 1;
}

static int read_matrix(const json_t *o, struct ipcb_result *r, char *why, size_t whylen)
{
	struct ipcb_rmatrix *m = r->matrix = calloc(1, sizeof(*m));
	const char *key;
	json_t *v;
	int rc = 0;

	if (!m || read_ints(json_object_get(o, "cpus"), &m->cpus, &m->n))
		return NOMEM();
	json_object_foreach((json_t *)o, key, v) {
		if (strcmp(key, "cpus") == 0)
			continue;
		if (json_is_array(v) && !m->quantity)
			rc = read_matrix_grid(key, v, m) ? NOMEM() : 0;
		else if (!strcmp(key, "measured_pairs") && json_is_integer(v))
			m->has_measured = read_count(v, &m->measured);
		else if (!strcmp(key, "total_pairs") && json_is_integer(v))
			m->has_total = read_count(v, &m->total);
		else if (!strcmp(key, "rows") && json_is_string(v))
			rc = (m->rows = dup_str(v)) ? 0 : NOMEM();
		else if (!strcmp(key, "columns") && json_is_string(v))
			rc = (m->columns = dup_str(v)) ? 0 : NOMEM();
		else if (!strcmp(key, "headline"))
			rc = read_headline(v, m, why, whylen);
		else
			rc = matrix_keep(m, key, v) ? NOMEM() : 0;
		if (rc)
			return -1;
	}
	return 0;
}

static int read_threads(const json_t *a, struct ipcb_result *r, char *why, size_t whylen)
{
	const json_t *t;
	size_t i;

	if (!json_is_array(a))
		return WHY("attachments.threads must be an array of {\"cpu\", \"acquisitions\"}");
	r->threads = calloc(json_array_size(a) + 1, sizeof(*r->threads));
	if (!r->threads)
		return NOMEM();
	json_array_foreach(a, i, t) {
		if (!json_is_integer(json_object_get(t, "cpu")) || !json_is_integer(json_object_get(t, "acquisitions")))
			return WHY("attachments.threads[%zu] must be {\"cpu\": an integer, \"acquisitions\": an integer}", i);
		r->threads[i].cpu = (int)json_integer_value(json_object_get(t, "cpu"));
		r->threads[i].acquisitions = (uint64_t)json_integer_value(json_object_get(t, "acquisitions"));
	}
	r->nthreads = json_array_size(a);
	r->has_threads = 1;
	return 0;
}

static int keep_unknown(json_t **where, const char *key, const json_t *v)
{
	if (!*where && !(*where = json_object()))
		return -1;
	return json_object_set_new(*where, key, json_deep_copy(v));
}

static int read_attachments(const json_t *o, struct ipcb_result *r, char *why, size_t whylen)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		int rc;

		if (strcmp(key, "matrix") == 0)
			rc = read_matrix(v, r, why, whylen);
		else if (strcmp(key, "threads") == 0)
			rc = read_threads(v, r, why, whylen);
		else
			rc = keep_unknown(&r->unknown_attachments, key, v) ? NOMEM() : 0;
		if (rc)
			return -1;
	}
	r->has |= IPCB_HAS_ATTACHMENTS;
	return 0;
}

static int read_notes(const json_t *a, struct ipcb_result *r)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (push_note(r, json_string_value(v)))
			return -1;
	r->has |= IPCB_HAS_NOTES;
	return 0;
}

/* The members the struct models; anything else is kept in r->unknown. */
static const char *const modelled[] = {
	"id", "family", "params", "placement", "unit", "per", "histogram", "status", "reason", "counters",
	"attachments", "metrics", "notes", "stats", "round_medians", "ci95_rel_samples", "ci95_runs",
	"ci95_rel_runs", "interval95", "interval_basis", "ci95_rel", "unstable", "iters_per_sample", "sample_ns",
	"elapsed_s", "rounds", "drift", "stop", "samples", NULL
};

static int is_modelled(const char *key)
{
	int i;

	for (i = 0; modelled[i]; i++)
		if (strcmp(key, modelled[i]) == 0)
			return 1;
	return 0;
}

/* The unknown members, and where "notes" stood: before "stats", before "samples", or after both. */
static int read_order(const json_t *j, struct ipcb_result *r)
{
	int seen_stats = 0, seen_samples = 0;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)j, key, v) {
		if (strcmp(key, "stats") == 0)
			seen_stats = 1;
		else if (strcmp(key, "samples") == 0)
			seen_samples = 1;
		else if (strcmp(key, "notes") == 0)
			r->notes_slot = !seen_stats ? IPCB_NOTES_BEFORE_STATS :
					!seen_samples ? IPCB_NOTES_AFTER_UNSTABLE :
							IPCB_NOTES_LAST;
		else if (!is_modelled(key) && keep_unknown(&r->unknown, key, v))
			return -1;
	}
	return 0;
}

static int read_record(const json_t *j, struct ipcb_result *r, char *why, size_t whylen)
{
	const json_t *v;

	r->id = dup_str(json_object_get(j, "id"));
	r->family = dup_str(json_object_get(j, "family"));
	r->unit = dup_str(json_object_get(j, "unit"));
	r->per = dup_str(json_object_get(j, "per"));
	r->reason = dup_str(json_object_get(j, "reason"));
	if (!r->id || !r->family || !r->unit || !r->per)
		return NOMEM();
	if (json_object_get(j, "reason") && !r->reason)
		return WHY("\"reason\" must be a string");
	ipcb_status_parse(json_string_value(json_object_get(j, "status")), &r->status);
	if (read_params(json_object_get(j, "params"), r, why, whylen) ||
	    read_placement(json_object_get(j, "placement"), r, why, whylen) ||
	    read_measurement(j, r, why, whylen))
		return -1;
	if ((v = json_object_get(j, "histogram")) && read_histogram(v, r, why, whylen))
		return -1;
	if ((v = json_object_get(j, "counters")) && read_counters(v, r, why, whylen))
		return -1;
	if ((v = json_object_get(j, "attachments")) && read_attachments(v, r, why, whylen))
		return -1;
	if ((v = json_object_get(j, "metrics")) && read_metrics(v, r, why, whylen))
		return -1;
	if ((v = json_object_get(j, "notes")) && read_notes(v, r))
		return NOMEM();
	return read_order(j, r) ? NOMEM() : 0;
}

static int from_json(const json_t *j, int partial, struct ipcb_result *r, char *why, size_t whylen)
{
	memset(r, 0, sizeof(*r));
	if (check_record(j, partial, why, whylen))
		return -1;
	return read_record(j, r, why, whylen);
}

int ipcb_result_from_json(const json_t *j, struct ipcb_result *r, char *why, size_t whylen)
{
	return from_json(j, 0, r, why, whylen);
}

int ipcb_result_from_json_partial(const json_t *j, struct ipcb_result *r, char *why, size_t whylen)
{
	return from_json(j, 1, r, why, whylen);
}

/* --- the engine's pieces ------------------------------------------------------------ */

struct ipcb_histogram *ipcb_hist_result(const struct ipcb_hist *h, double ns_per_unit)
{
	struct ipcb_histogram *t = calloc(1, sizeof(*t));
	size_t b, n = 0;

	if (!t || !(t->buckets = calloc(IPCB_HIST_BUCKETS, sizeof(*t->buckets))) || !(t->unit = strdup("ns"))) {
		if (t)
			free(t->buckets);
		free(t);
		return NULL;
	}
	/* whole ns, as the file has always held them */
#define NS(x) ((double)(json_int_t)((double)(x) * ns_per_unit))
	for (b = 0; b < IPCB_HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		t->buckets[n].lo = NS(ipcb_hist_bucket_lo(b));
		t->buckets[n].hi = NS(ipcb_hist_bucket_hi(b));
		t->buckets[n++].count = h->buckets[b];
	}
	t->nbuckets = n;
	t->count = h->count;
	t->min = NS(h->min);
	t->max = NS(h->max);
	t->mean = h->count ? h->sum / (double)h->count * ns_per_unit : 0.0;
	t->p50 = NS(ipcb_hist_quantile(h, 0.5));
	t->p90 = NS(ipcb_hist_quantile(h, 0.9));
	t->p99 = NS(ipcb_hist_quantile(h, 0.99));
	t->p999 = NS(ipcb_hist_quantile(h, 0.999));
#undef NS
	t->has = IPCB_HIST_HAS_UNIT | IPCB_HIST_HAS_COUNT | IPCB_HIST_HAS_MIN | IPCB_HIST_HAS_MAX | IPCB_HIST_HAS_MEAN |
		 IPCB_HIST_HAS_P50 | IPCB_HIST_HAS_P90 | IPCB_HIST_HAS_P99 | IPCB_HIST_HAS_P999;
	return t;
}

json_t *ipcb_hist_json(const struct ipcb_hist *h, double ns_per_unit)
{
	struct ipcb_result r = { 0 };
	json_t *j;

	r.histogram = ipcb_hist_result(h, ns_per_unit);
	j = r.histogram ? histogram_json(r.histogram) : NULL;
	ipcb_result_free(&r);
	return j;
}

/* --- what the engine adds to a result ------------------------------------------ */

int ipcb_result_set_metric(struct ipcb_result *r, const char *name, double value, const char *unit)
{
	struct ipcb_rmetric *grown;
	size_t i;

	for (i = 0; i < r->nmetrics && strcmp(r->metrics[i].name, name); i++)
		;
	if (i == r->nmetrics) {
		grown = realloc(r->metrics, (r->nmetrics + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		r->metrics = grown;
		memset(&grown[i], 0, sizeof(grown[i]));
		if (ipcb_result_set_str(&grown[i].name, name))
			return -1;
		r->nmetrics++;
	}
	r->metrics[i].value = value;
	r->has |= IPCB_HAS_METRICS;
	return ipcb_result_set_str(&r->metrics[i].unit, unit ? unit : "");
}

int ipcb_result_set_threads(struct ipcb_result *r, const int *cpu, const uint64_t *acquisitions, size_t n)
{
	struct ipcb_rthread *t = calloc(n + 1, sizeof(*t));
	size_t i;

	if (!t)
		return -1;
	for (i = 0; i < n; i++) {
		t[i].cpu = cpu[i];
		t[i].acquisitions = acquisitions[i];
	}
	free(r->threads);
	r->threads = t;
	r->nthreads = n;
	r->has_threads = 1;
	r->has |= IPCB_HAS_ATTACHMENTS;
	return 0;
}

void ipcb_result_set_matrix(struct ipcb_result *r, struct ipcb_rmatrix *m)
{
	matrix_free(r->matrix);
	r->matrix = m;
	if (m)
		r->has |= IPCB_HAS_ATTACHMENTS;
}

struct ipcb_rmatrix *ipcb_rmatrix_new(size_t n, const char *quantity)
{
	struct ipcb_rmatrix *m = calloc(1, sizeof(*m));
	size_t i;

	if (!m)
		return NULL;
	m->n = n;
	m->cpus = calloc(n + 1, sizeof(*m->cpus));
	m->value = malloc((n * n + 1) * sizeof(*m->value));
	m->quantity = strdup(quantity);
	if (!m->cpus || !m->value || !m->quantity) {
		matrix_free(m);
		return NULL;
	}
	for (i = 0; i < n * n; i++)
		m->value[i] = NAN;
	return m;
}

void ipcb_rmatrix_free(struct ipcb_rmatrix *m)
{
	matrix_free(m);
}

int ipcb_result_take_extras(struct ipcb_result *r, struct ipcb_result *from)
{
	size_t i;

	for (i = 0; i < from->nmetrics; i++)
		if (ipcb_result_set_metric(r, from->metrics[i].name, from->metrics[i].value, from->metrics[i].unit))
			return -1;
	if (from->has_threads) {
		free(r->threads);
		r->threads = from->threads;
		r->nthreads = from->nthreads;
		r->has_threads = 1;
		from->threads = NULL;
		from->nthreads = 0;
		from->has_threads = 0;
		r->has |= IPCB_HAS_ATTACHMENTS;
	}
	if (from->matrix) {
		ipcb_result_set_matrix(r, from->matrix);
		from->matrix = NULL;
	}
	for (i = 0; i < IPCB_NTHREAD_ROLES; i++) {
		if (!from->counters[i].present)
			continue;
		ipcb_rcounters_free(&r->counters[i]);
		r->counters[i] = from->counters[i];
		memset(&from->counters[i], 0, sizeof(from->counters[i]));
		r->has |= IPCB_HAS_COUNTERS;
	}
	return 0;
}

/* The further grids are in m->unknown, checked as grids (n rows of n numbers or nulls) when read. */
const char *ipcb_result_matrix_grid(const struct ipcb_rmatrix *m, size_t k, double *value)
{
	const char *key;
	json_t *rows;
	size_t i, j, n = m->n;

	if (!m->quantity)
		return NULL;
	if (k == 0) {
		memcpy(value, m->value, n * n * sizeof(double));
		return m->quantity;
	}
	json_object_foreach(m->unknown, key, rows) {
		if (!json_is_array(rows) || --k)
			continue;
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++) {
				const json_t *c = json_array_get(json_array_get(rows, i), j);

				value[i * n + j] = json_is_number(c) ? json_number_value(c) : NAN;
			}
		return key;
	}
	return NULL;
}

void ipcb_summary_from_stats(struct ipcb_summary *to, const struct ipcb_stats *s)
{
	to->n = s->n;
	to->min = s->min;
	to->max = s->max;
	to->median = s->median;
	to->mean = s->mean;
	to->stddev = s->stddev;
	to->p1 = s->p1;
	to->p99 = s->p99;
	to->mad = s->mad;
	to->ci95[0] = s->ci95_lo;
	to->ci95[1] = s->ci95_hi;
}
