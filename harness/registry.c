// SPDX-License-Identifier: MIT
/*
 * registry.c - the families, and which benchmarks a pattern selects.
 *
 * Adding a family: write bench/<family>.c against ipcbench.h (and
 * ipcbench_explain.h for an explain hook) with one struct ipcb_family,
 * declare it extern below and add it to the table; re-run cmake (the engine's
 * sources are a GLOB) and add the family to the check/ tests in
 * tests/tests.cmake.
 */
#include "registry.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

extern const struct ipcb_family ipcb_family_modeswitch;
extern const struct ipcb_family ipcb_family_lock;
extern const struct ipcb_family ipcb_family_handoff;
extern const struct ipcb_family ipcb_family_lock_contended;
extern const struct ipcb_family ipcb_family_msg;
extern const struct ipcb_family ipcb_family_batch;
extern const struct ipcb_family ipcb_family_pkey;
extern const struct ipcb_family ipcb_family_fault;

const struct ipcb_family *const ipcb_families[] = {
	&ipcb_family_modeswitch,
	&ipcb_family_lock,
	&ipcb_family_handoff,
	&ipcb_family_lock_contended,
	&ipcb_family_msg,
	&ipcb_family_batch,
	&ipcb_family_pkey,
	&ipcb_family_fault,
	NULL,
};

size_t ipcb_bench_count(void)
{
	size_t n = 0;
	int f;

	for (f = 0; ipcb_families[f]; f++) {
		const struct ipcb_bench *b;

		for (b = ipcb_families[f]->benches; b->id; b++)
			n++;
	}
	return n;
}

const struct ipcb_bench *ipcb_bench_at(size_t i)
{
	int f;

	for (f = 0; ipcb_families[f]; f++) {
		const struct ipcb_bench *b;

		for (b = ipcb_families[f]->benches; b->id; b++)
			if (i-- == 0)
				return b;
	}
	return NULL;
}

const struct ipcb_bench *ipcb_bench_find(const char *id)
{
	size_t i, n = ipcb_bench_count();

	for (i = 0; i < n; i++)
		if (strcmp(ipcb_bench_at(i)->id, id) == 0)
			return ipcb_bench_at(i);
	return NULL;
}

int ipcb_pattern_match(const char *pattern, const char *id)
{
	size_t len = strlen(pattern);

	if (fnmatch(pattern, id, 0) == 0)
		return 1;
	/* "lock" and "lock/" mean the whole family */
	if (!strchr(pattern, '*') && len > 0 && strncmp(id, pattern, len) == 0 &&
	    (id[len] == '/' || (pattern[len - 1] == '/')))
		return 1;
	return 0;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[128];

	if (lb >= 127)
		lb = 127;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/* Distance to an id, or to its name without the family, whichever is closer. */
static size_t id_distance(const char *pattern, const char *id)
{
	const char *slash = strchr(id, '/');
	size_t d = edit_distance(pattern, id);

	if (slash && !strchr(pattern, '/')) {
		size_t d2 = edit_distance(pattern, slash + 1);

		if (d2 < d)
			d = d2;
	}
	return d;
}

/* The last path component of a pattern, without wildcards: "modeswitch/getpid" -> "getpid". */
static void pattern_tail(const char *pattern, char *buf, size_t len)
{
	const char *slash = strrchr(pattern, '/');
	size_t n = 0;

	for (pattern = slash ? slash + 1 : pattern; *pattern && n + 1 < len; pattern++)
		if (!strchr("*?[]", *pattern))
			buf[n++] = *pattern;
	buf[n] = '\0';
}

/* Ids that contain the pattern's name come first; otherwise the nearest by edit distance. */
void ipcb_suggest(const char *pattern, char *buf, size_t len)
{
	size_t i, n = ipcb_bench_count(), best = (size_t)-1, used = 0;
	char tail[128];

	buf[0] = '\0';
	pattern_tail(pattern, tail, sizeof(tail));
	for (i = 0; i < n; i++) {
		const char *id = ipcb_bench_at(i)->id;
		size_t d = strlen(tail) >= 3 && strstr(id, tail) ? 0 : id_distance(pattern, id) + 1;

		if (d < best)
			best = d;
	}
	for (i = 0; i < n && used + 2 < len; i++) {
		const char *id = ipcb_bench_at(i)->id;
		size_t d = strlen(tail) >= 3 && strstr(id, tail) ? 0 : id_distance(pattern, id) + 1;

		if (d != best)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", id);
	}
}

int ipcb_select(char *const *patterns, int npatterns, const struct ipcb_bench **out, size_t *nout,
		char *err, size_t errlen)
{
	size_t i, n = ipcb_bench_count();
	int p;

	*nout = 0;
	for (p = 0; p < npatterns; p++) {
		int hits = 0;

		for (i = 0; i < n; i++)
			hits += ipcb_pattern_match(patterns[p], ipcb_bench_at(i)->id);
		if (!hits) {
			char near[256];

			ipcb_suggest(patterns[p], near, sizeof(near));
			snprintf(err, errlen, "no benchmark matches '%s'; nearest: %s (see `ipcbench list`)",
				 patterns[p], near);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		const struct ipcb_bench *b = ipcb_bench_at(i);

		for (p = 0; p < npatterns; p++) {
			if (ipcb_pattern_match(patterns[p], b->id)) {
				out[(*nout)++] = b;
				break;
			}
		}
	}
	return 0;
}

size_t ipcb_param_count(const struct ipcb_bench *b)
{
	size_t n = 0;

	while (b->params && b->params[n].name && n < IPCB_MAX_PARAMS)
		n++;
	return n;
}

int ipcb_param_index(const struct ipcb_bench *b, const char *name)
{
	int i;

	for (i = 0; b->params && b->params[i].name && i < IPCB_MAX_PARAMS; i++)
		if (strcmp(b->params[i].name, name) == 0)
			return i;
	return -1;
}

const char *ipcb_choice_name(const struct ipcb_bench *b, const int64_t *params, const char *name)
{
	int k = ipcb_param_index(b, name);

	if (k < 0 || !b->params[k].choices)
		return NULL;
	return b->params[k].choices[params[k]];
}
