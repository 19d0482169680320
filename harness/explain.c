// SPDX-License-Identifier: MIT
/* explain.c - after a run, each family's explain hook: queries over the results and notes that compare them. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcbench_explain.h"
#include "registry.h"

/* --- explain hooks: notes that compare results ----------------------------- */

struct ipcb_results {
	struct ipcb_result *r;
	size_t n;
	const json_t *machine;
};

/* Does one "name=value" of a filter hold for this result's params? */
static int param_matches(const struct ipcb_result *r, const char *name, size_t nlen, const char *value, size_t vlen)
{
	const struct ipcb_rparam *p;
	char key[64], val[64], *end;

	if (nlen >= sizeof(key) || vlen >= sizeof(val))
		return 0;
	memcpy(key, name, nlen);
	key[nlen] = '\0';
	memcpy(val, value, vlen);
	val[vlen] = '\0';
	p = ipcb_result_param(r, key);
	if (!p)
		return 0;
	if (p->is_choice)
		return strcmp(p->text, val) == 0;
	return p->value == strtoll(val, &end, 0) && *end == '\0';
}

static int filter_matches(const struct ipcb_result *r, const char *filter)
{
	const char *p = filter;

	while (p && *p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (!eq || !param_matches(r, p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1)))
			return 0;
		p = comma ? comma + 1 : NULL;
	}
	return 1;
}

static int result_is(const struct ipcb_result *r, const char *id, const char *placement, const char *filter)
{
	return strcmp(r->id, id) == 0 && r->status == IPCB_STATUS_OK && (!placement || strcmp(r->placement, placement) == 0) &&
	       filter_matches(r, filter);
}

double ipcb_result_median_where(const struct ipcb_results *rs, const char *id, const char *placement,
				const char *filter)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (result_is(&rs->r[i], id, placement, filter))
			return rs->r[i].has & IPCB_HAS_STATS ? rs->r[i].stats.median : 0;
	return -1;
}

double ipcb_result_median(const struct ipcb_results *rs, const char *id, const char *placement)
{
	return ipcb_result_median_where(rs, id, placement, NULL);
}

void ipcb_result_note_where(struct ipcb_results *rs, const char *id, const char *placement, const char *filter,
			    const char *fmt, ...)
{
	char note[IPCB_NOTE_LEN];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	for (i = 0; i < rs->n; i++)
		if (result_is(&rs->r[i], id, placement, filter))
			ipcb_result_add_note(&rs->r[i], "%s", note);
}

/* The values param takes in ok results of id, ascending; returns how many (at most max). */
static size_t param_values_of(const struct ipcb_results *rs, const char *id, const char *param, int64_t *vals,
			      size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < rs->n; i++) {
		const struct ipcb_rparam *v = ipcb_result_param(&rs->r[i], param);
		int64_t x;

		if (!v || v->is_choice || !result_is(&rs->r[i], id, NULL, NULL))
			continue;
		x = v->value;
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

void ipcb_explain(struct ipcb_result *results, size_t n, const json_t *machine)
{
	struct ipcb_results rs = { results, n, machine };
	int f;

	for (f = 0; ipcb_families[f]; f++)
		if (ipcb_families[f]->explain)
			ipcb_families[f]->explain(&rs);
}

/* --- the recorded machine, typed: what an explain hook may ask of it ------- */

/* The value at a dotted path ("system.cpuidle.states.2.name"): an object's key, or an array's index. */
static const json_t *machine_at(const struct ipcb_results *rs, const char *path)
{
	const json_t *v = rs->machine;
	const char *p = path;
	char key[64], *end;
	size_t n;

	while (v && *p) {
		n = strcspn(p, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (json_is_array(v)) {
			unsigned long i = strtoul(key, &end, 10);

			v = *end || !n ? NULL : json_array_get(v, i);
		} else {
			v = json_object_get(v, key);
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return v;
}

const char *ipcb_machine_string(const struct ipcb_results *rs, const char *path)
{
	return json_string_value(machine_at(rs, path));
}

int ipcb_machine_int(const struct ipcb_results *rs, const char *path, int64_t *v)
{
	const json_t *j = machine_at(rs, path);

	if (!json_is_integer(j))
		return -1;
	*v = json_integer_value(j);
	return 0;
}

int ipcb_machine_true(const struct ipcb_results *rs, const char *path)
{
	return json_is_true(machine_at(rs, path));
}

size_t ipcb_machine_count(const struct ipcb_results *rs, const char *path)
{
	return json_array_size(machine_at(rs, path));
}
