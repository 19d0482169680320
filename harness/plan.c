// SPDX-License-Identifier: MIT
/* plan.c - from a configuration to jobs: benchmark x parameter values x placement, each with its CPUs or the reason it cannot run here. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "topo.h"

/* --- planning ------------------------------------------------------------ */

/* The value list of each declared parameter: the last matching pattern wins. */
static void param_lists(const struct ipcb_config *c, const struct ipcb_bench *b, json_t **lists)
{
	const char *pattern;
	json_t *set;
	size_t i, n = ipcb_param_count(b);

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
	/* a pair sweep runs on every pair: its job is planned once, from a single CPU */
	if (b->nthreads == 1 || b->pair_sweep) {
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
		if (b->busy_waits && c->cpus[0] == c->cpus[1])
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
		if (b->busy_waits && strcmp(name, "same-cpu") == 0)
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
	size_t i, n = ipcb_param_count(b);

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
	struct ipcb_rparam p[IPCB_MAX_PARAMS];
	char num[IPCB_MAX_PARAMS][24];
	size_t i, n = ipcb_param_count(b);

	/* the one params-to-text rule (result.c), over the job's own strings */
	for (i = 0; i < n && i < IPCB_MAX_PARAMS; i++) {
		const struct ipcb_param *prm = &b->params[i];

		snprintf(num[i], sizeof(num[i]), "%lld", (long long)job->params[i]);
		p[i].name = (char *)prm->name;
		p[i].is_choice = prm->choices != NULL;
		p[i].value = job->params[i];
		p[i].text = prm->choices ? (char *)prm->choices[job->params[i]] : num[i];
	}
	ipcb_params_text(b->id, p, i, buf, len, IPCB_PARAMS_ID, NULL, NULL);
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
