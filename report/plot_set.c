// SPDX-License-Identifier: MIT
/*
 * plot_set.c - the results a plot run draws, before any figure: the selected
 * ok results of every file (--only, --placement, --role, --param), rescaled
 * (--unit cycles, --baseline), the nodes of a --group pooled into one item,
 * where results meet across files (placement name or role), and the
 * machines' names. The figure kinds read items, not the files. A result is
 * read typed (result.h, as the loader validated it); only the document's
 * machine record (names, TSC rate) is read as JSON.
 */
#include "plot_kind.h"

#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "rfile.h"

static void item_fill(struct item *it, const struct ipcb_result *r, size_t file)
{
	const char *slash;
	size_t i, used = 0;

	memset(it, 0, sizeof(*it));
	it->r = r;
	it->file = file;
	it->id = r->id;
	it->family = r->family;
	it->placement = r->placement;
	it->role = r->role ? r->role : "";
	it->place = it->placement;
	it->per = r->per;
	it->unit = r->unit;
	it->median = r->stats.median;
	/* the reported interval (the wider of within- and between-process); files before it: the CI */
	it->lo = ipcb_res_ci(r, 0);
	it->hi = ipcb_res_ci(r, 1);
	it->scale = 1;
	slash = strchr(it->id, '/');
	it->name = slash ? slash + 1 : it->id;
	for (i = 0; i < r->ncpus; i++)
		if (used < sizeof(it->cpus))
			used += (size_t)snprintf(it->cpus + used, sizeof(it->cpus) - used, "%s%lld", i ? "," : "",
						 (long long)r->cpus[i]);
}

const char *param_value(const struct item *it, const char *name)
{
	const struct ipcb_rparam *p = ipcb_result_param(it->r, name);

	return p ? p->text : "";
}

/* The first --only pattern the id matches (its rank: the order of the plots), or -1. */
static int only_rank(const struct ipcb_plot_select *sel, const char *id)
{
	int i;

	if (!sel || !sel->nonly)
		return 0;
	for (i = 0; i < sel->nonly; i++)
		if (ipcb_only_match(&sel->only[i], 1, id))
			return i;
	return -1;
}

static int any_match(char *const *pats, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (fnmatch(pats[i], s, 0) == 0)
			return 1;
	return n == 0;
}

/* --param k=v: every key named must have one of the values given for it. */
static int params_match(const struct ipcb_plot_select *sel, const struct ipcb_result *r)
{
	int i, j;

	for (i = 0; i < sel->nparam; i++) {
		const char *eq = strchr(sel->param[i], '='), *key = sel->param[i];
		size_t klen = (size_t)(eq - key);
		int ok = 0;

		for (j = 0; j < sel->nparam && !ok; j++) {
			const char *other = sel->param[j];
			const struct ipcb_rparam *p;
			char k[256];

			if (strncmp(other, key, klen) || other[klen] != '=')
				continue;
			snprintf(k, sizeof(k), "%.*s", (int)klen, key);
			p = ipcb_result_param(r, k);
			ok = p && strcmp(p->text, other + klen + 1) == 0;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int selected(const struct ipcb_plot_select *sel, const struct ipcb_result *r, int *rank)
{
	*rank = only_rank(sel, r->id);
	if (*rank < 0)
		return 0;
	if (!sel)
		return 1;
	return any_match(sel->placement, sel->nplacement, r->placement) &&
	       any_match(sel->role, sel->nrole, r->role ? r->role : "") && params_match(sel, r);
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/*
 * The selected ok results, in the order --only gave; 0, or -1 out of memory.
 * The loader has checked every result (ipcb_result_from_json): a malformed
 * histogram or matrix never gets here.
 */
int collect(struct set *s, const struct ipcb_plot_select *sel)
{
	const struct ipcb_result *r;
	struct item *v;
	size_t f, i, cap = 0, seq = 0;
	int rank;

	for (f = 0; f < s->nfiles; f++) {
		for (i = 0; i < s->files[f].nres; i++) {
			r = &s->files[f].res[i];
			if (!selected(sel, r, &rank))
				continue;
			if (r->status != IPCB_STATUS_OK) {
				s->left_out++;
				continue;
			}
			if (s->n == cap) {
				cap = cap ? 2 * cap : 64;
				v = realloc(s->v, cap * sizeof(*s->v));
				if (!v)
					return -1;
				s->v = v;
			}
			item_fill(&s->v[s->n], r, f);
			s->v[s->n].mach = s->mach_of[f];
			s->v[s->n].rank = (size_t)rank;
			s->v[s->n++].seq = seq++;
		}
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_item);
	for (i = 0; i < s->n; i++)
		s->v[i].fam = ipcb_strmap_add(&s->fams, s->v[i].family);
	return 0;
}

/* The median of the baseline result in file f, or NAN. */
static double baseline_of(const struct set *s, size_t f, const char *id)
{
	const struct ipcb_result *r;
	size_t i;

	for (i = 0; i < s->files[f].nres; i++) {
		r = &s->files[f].res[i];
		if (strcmp(r->id, id) == 0 && r->status == IPCB_STATUS_OK)
			return r->stats.median;
	}
	return NAN;
}

/* Rescale every ns item; 0, or -1 with err naming the file that lacks what is needed. */
int apply_units(struct set *s, struct units *u, char *err, size_t errlen)
{
	size_t f, i;

	if (!u->cycles && !u->baseline)
		return 0;
	snprintf(u->unit, sizeof(u->unit), "%s%.100s", u->baseline ? "multiples of " : "cycles",
		 u->baseline ? u->baseline : "");
	for (f = 0; f < s->nfiles; f++) {
		const json_t *hz = json_object_get(json_object_get(s->files[f].doc, "machine"), "tsc_hz");
		double k = 1;

		if (u->baseline) {
			k = 1 / baseline_of(s, f, u->baseline);
			if (!isfinite(k) || !(k > 0)) {
				snprintf(err, errlen, "%s: --baseline %.100s: no ok result with that id (or its median is 0)",
					 s->files[f].path, u->baseline);
				return -1;
			}
		} else if (!(json_number_value(hz) > 0)) {
			snprintf(err, errlen, "%s: --unit cycles: the file records no machine.tsc_hz", s->files[f].path);
			return -1;
		} else {
			k = json_number_value(hz) / 1e9;
		}
		for (i = 0; i < s->n; i++) {
			struct item *it = &s->v[i];

			if (it->file != f || strcmp(it->unit, "ns"))
				continue;
			it->median *= k;
			it->lo *= k;
			it->hi *= k;
			it->scale = k;
			it->unit = u->unit;
		}
	}
	return 0;
}

/* --- groups of nodes pooled (--group) ------------------------------------------------ */

void heat_free(struct heat *h)
{
	size_t g;

	if (!h)
		return;
	for (g = 0; h->own && g < h->ngrids; g++)
		free(h->own[g]);
	free(h->own);
	free(h->value);
	free(h->quantity);
	free(h);
}

/* Append a grid to h (own: cells h frees, else NULL): 0, or -1 (out of memory; own is not h's then). */
static int heat_add(struct heat *h, const char *quantity, const double *value, double *own)
{
	const char **qs;
	const double **vs;
	double **os;

	vs = realloc(h->value, (h->ngrids + 1) * sizeof(*vs));
	if (!vs)
		return -1;
	h->value = vs;
	os = realloc(h->own, (h->ngrids + 1) * sizeof(*os));
	if (!os)
		return -1;
	h->own = os;
	qs = realloc(h->quantity, (h->ngrids + 1) * sizeof(*qs));
	if (!qs)
		return -1;
	h->quantity = qs;
	h->quantity[h->ngrids] = quantity;
	h->value[h->ngrids] = value;
	h->own[h->ngrids++] = own;
	return 0;
}

/* The grids of m: its first drawn from the result in place, a further one copied out (result.c reads it). */
struct heat *heat_of(const struct ipcb_rmatrix *m)
{
	struct heat *h;
	const char *q;
	double *value;

	if (!m || !(h = calloc(1, sizeof(*h))))
		return NULL;
	h->n = m->n;
	h->cpus = m->cpus;
	if (m->quantity && heat_add(h, m->quantity, m->value, NULL))
		goto fail;
	while (h->ngrids) {
		value = malloc((m->n * m->n + 1) * sizeof(double));
		if (!value)
			goto fail;
		q = ipcb_result_matrix_grid(m, h->ngrids, value);
		if (!q) {
			free(value);
			break;
		}
		if (heat_add(h, q, value, value)) {
			free(value);
			goto fail;
		}
	}
	return h;
fail:
	heat_free(h);
	return NULL;
}

/* The cells of grid `quantity` of h, or NULL when h has no such grid. */
static const double *heat_grid(const struct heat *h, const char *quantity)
{
	size_t g;

	for (g = 0; g < h->ngrids; g++)
		if (strcmp(h->quantity[g], quantity) == 0)
			return h->value[g];
	return NULL;
}

/*
 * Each cell of a pooled item's matrices: the median over the nodes that
 * measured it. Only where every node measured the same CPUs (the same ids in
 * the same order): otherwise the item keeps no matrix of its own and the
 * median node's is drawn (plot_heatmap.c).
 */
static void pool_matrix(const struct set *s, struct item *it)
{
	const struct ipcb_rmatrix *first = it->r->matrix, *m;
	double *cell = malloc((it->nmem + 1) * sizeof(double));
	struct heat **node = calloc(it->nmem + 1, sizeof(*node)), *h = NULL;
	size_t k, g, c, got;

	if (!first || !cell || !node)
		goto out;
	for (k = 0; k < it->nmem; k++) {
		m = s->raw[it->mem[k]].r->matrix;
		if (!m || m->n != first->n || memcmp(m->cpus, first->cpus, first->n * sizeof(*m->cpus)))
			goto out;
	}
	for (k = 0; k < it->nmem; k++)
		if (!(node[k] = heat_of(s->raw[it->mem[k]].r->matrix)))
			goto out;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto out;
	h->n = first->n;
	h->cpus = first->cpus;
	for (g = 0; g < node[0]->ngrids; g++) {
		double *pooled = malloc((h->n * h->n + 1) * sizeof(double));

		if (!pooled || heat_add(h, node[0]->quantity[g], pooled, pooled)) {
			free(pooled);
			heat_free(h);
			goto out;
		}
		for (c = 0; c < h->n * h->n; c++) {
			got = 0;
			for (k = 0; k < it->nmem; k++) {
				const double *v = heat_grid(node[k], h->quantity[g]);

				if (v && !isnan(v[c]))
					cell[got++] = v[c];
			}
			pooled[c] = got ? ipcb_group_median(cell, got) : NAN;
		}
	}
	it->pooled = h;
out:
	for (k = 0; node && k < it->nmem; k++)
		heat_free(node[k]);
	free(node);
	free(cell);
}

/* The pooled figures of one item from its members: compare --group's median and spread. */
static void pool_item(const struct set *s, struct item *it)
{
	double *med = malloc((it->nmem + 1) * sizeof(double)), best = INFINITY;
	size_t k;

	if (!med)
		return;
	for (k = 0; k < it->nmem; k++)
		med[k] = s->raw[it->mem[k]].median;
	ipcb_group_pool(med, it->nmem, &it->median, &it->lo, &it->hi);
	for (k = 0; k < it->nmem; k++)
		if (fabs(s->raw[it->mem[k]].median - it->median) < best) {
			best = fabs(s->raw[it->mem[k]].median - it->median);
			it->median_node = it->mem[k];
		}
	free(med);
	pool_matrix(s, it);
}

/*
 * --group: the results of a group's nodes that share (id, params, placement
 * name, and repetition within the file) become one item, as `compare --group`
 * pools a column: the median of the node medians, and as its error bar the
 * lowest and the highest node median (the node-to-node spread, not an
 * interval). The items keep their order; the members stay in s->raw.
 */
int pool_groups(struct set *s)
{
	struct ipcb_strmap keys = { 0 }, occ = { 0 };
	struct item *nv;
	size_t *pos, *count, i, m = 0;
	char params[1024], *base, *key;
	int rc = -1;

	if (s->nmach == s->nfiles)
		return 0;
	nv = calloc(s->n + 1, sizeof(*nv));
	pos = calloc(s->n + 1, sizeof(size_t));
	count = calloc(s->n + 1, sizeof(size_t));
	if (!nv || !pos || !count)
		goto out;
	for (i = 0; i < s->n; i++) {
		const struct item *it = &s->v[i];
		size_t k, before, o;

		if (!s->mach[it->mach].group) {
			nv[m++] = *it;
			continue;
		}
		ipcb_result_params_text(it->r, params, sizeof(params), IPCB_PARAMS_SORTED, NULL, NULL);
		if (asprintf(&base, "%zu\x1f%s\x1f%s\x1f%s", it->mach, it->id, params, it->placement) < 0)
			goto out;
		if (asprintf(&key, "%zu\x1e%s", it->file, base) < 0) {
			free(base);
			goto out;
		}
		o = count[ipcb_strmap_add(&occ, key)]++; /* the o-th of its kind in its file meets the o-th elsewhere */
		free(key);
		key = NULL;
		if (asprintf(&key, "%s\x1f%zu", base, o) < 0)
			key = NULL;
		free(base);
		if (!key)
			goto out;
		before = keys.n;
		k = ipcb_strmap_add(&keys, key);
		free(key);
		if (k == before) {
			pos[k] = m;
			nv[m] = *it;
			nv[m].mem = calloc(s->mach[it->mach].count + 1, sizeof(size_t));
			if (!nv[m++].mem)
				goto out;
		}
		nv[pos[k]].mem[nv[pos[k]].nmem++] = i;
	}
	s->raw = s->v;
	s->nraw = s->n;
	s->v = nv;
	s->n = m;
	nv = NULL;
	for (i = 0; i < s->n; i++)
		if (s->v[i].nmem)
			pool_item(s, &s->v[i]);
	rc = 0;
out:
	for (i = 0; nv && i < m; i++)
		free(nv[i].mem);
	free(nv);
	free(pos);
	free(count);
	ipcb_strmap_free(&keys);
	ipcb_strmap_free(&occ);
	return rc;
}

/* The files that hold each key, as a mask; keys found by hash. */
struct file_masks {
	struct ipcb_strmap keys;
	unsigned long long *mask;
	size_t cap;
};

static void masks_add(struct file_masks *m, const char *key, size_t file)
{
	size_t n = m->keys.n, k = ipcb_strmap_add(&m->keys, key);

	if (k >= m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->mask = realloc(m->mask, m->cap * sizeof(*m->mask));
	}
	if (k == n)
		m->mask[k] = 0;
	m->mask[k] |= 1ull << file;
}

static unsigned long long masks_get(const struct file_masks *m, const char *key)
{
	size_t k = ipcb_strmap_find(&m->keys, key);

	return k == SIZE_MAX ? 0 : m->mask[k];
}

static void masks_free(struct file_masks *m)
{
	ipcb_strmap_free(&m->keys);
	free(m->mask);
}

/*
 * Where results meet across files: by placement name where every file that
 * has the result (id, params) has it at that placement; otherwise by the
 * placement's role, so one machine's same-cache and another's cross-cache
 * nearest-core results are one group. One file: the placement name.
 */
void assign_places(struct set *s)
{
	struct file_masks by_result = { 0 }, by_place = { 0 };
	char params[1024], **key = calloc(s->n + 1, sizeof(char *));
	size_t i, k;

	for (i = 0; i < s->n && key; i++) {
		struct item *it = &s->v[i];

		ipcb_result_params_text(it->r, params, sizeof(params), IPCB_PARAMS_SORTED, NULL, NULL);
		if (asprintf(&key[i], "%s\x1f%s\x1f%s", it->id, params, it->placement) < 0) {
			key[i] = NULL;
			continue;
		}
		masks_add(&by_place, key[i], it->mach);
		*strrchr(key[i], '\x1f') = '\0';
		masks_add(&by_result, key[i], it->mach);
		key[i][strlen(key[i])] = '\x1f';
	}
	for (i = 0; i < s->n && key; i++) {
		struct item *it = &s->v[i];
		unsigned long long all, here;

		if (!key[i])
			continue;
		here = masks_get(&by_place, key[i]);
		*strrchr(key[i], '\x1f') = '\0';
		all = masks_get(&by_result, key[i]);
		it->by_role = s->nmach > 1 && it->role[0] && here != all;
		k = ipcb_strmap_add(&s->places, it->by_role ? it->role : it->placement); /* may move places.v */
		it->place = s->places.str[k];
		free(key[i]);
	}
	free(key);
	masks_free(&by_result);
	masks_free(&by_place);
}

/* --- machine names ---------------------------------------------------------------- */

/* --label FILE=NAME (FILE as given or its base name), machine.label, the short hostname. */
void file_labels(struct set *s, char *const *labels, int nlabels)
{
	size_t f, g;
	char *dup;
	int i;

	for (f = 0; f < s->nfiles; f++) {
		const json_t *m = json_object_get(s->files[f].doc, "machine");
		const char *name = ipcb_jstr(m, "label");
		size_t len;

		if (!name[0])
			name = ipcb_jstr(m, "hostname");
		len = strcspn(name, "."); /* node1.cluster.example.org: node1 */
		if (!len)
			name = base_name(s->files[f].path), len = strlen(name);
		for (i = 0; i < nlabels; i++) {
			const char *eq = strrchr(labels[i], '=');
			size_t flen = (size_t)(eq - labels[i]);

			if ((strlen(s->files[f].path) == flen && !strncmp(labels[i], s->files[f].path, flen)) ||
			    (strlen(base_name(s->files[f].path)) == flen &&
			     !strncmp(labels[i], base_name(s->files[f].path), flen)))
				name = eq + 1, len = strlen(eq + 1);
		}
		snprintf(s->label[f], sizeof(s->label[f]), "%.*s", (int)(len < 200 ? len : 200), name);
		shorten(s->label[f], 24);
	}
	/* the same machine twice (two runs): the letter tells them apart; a group is named by its name */
	for (f = 0; f < s->nmach; f++)
		snprintf(s->mach[f].label, sizeof(s->mach[f].label), "%s",
			 s->mach[f].group ? s->mach[f].group : s->label[s->mach[f].first]);
	for (f = 0; f < s->nmach; f++)
		if (s->mach[f].group)
			shorten(s->mach[f].label, 24);
	dup = calloc(s->nmach + 1, 1);
	for (f = 0; f < s->nmach && dup; f++)
		for (g = 0; g < s->nmach; g++)
			dup[f] |= g != f && !s->mach[f].group && strcmp(s->mach[f].label, s->mach[g].label) == 0;
	for (f = 0; f < s->nmach && dup; f++)
		if (dup[f])
			snprintf(s->mach[f].label + strlen(s->mach[f].label),
				 sizeof(s->mach[f].label) - strlen(s->mach[f].label), " [%c]",
				 s->files[s->mach[f].first].letter);
	free(dup);
}

/*
 * The machines of the figures: one per file, but the files of a --group
 * (contiguous in files[], groups sorted by first) are one. 0, or -1.
 */
int machs_init(struct set *s, const struct ipcb_compare_group *groups, size_t ngroups)
{
	size_t f = 0, g = 0, k;

	s->mach = calloc(s->nfiles + 1, sizeof(*s->mach));
	s->mach_of = calloc(s->nfiles + 1, sizeof(*s->mach_of));
	if (!s->mach || !s->mach_of)
		return -1;
	while (f < s->nfiles) {
		struct mach *m = &s->mach[s->nmach];

		m->first = f;
		m->count = 1;
		if (g < ngroups && groups[g].first == f && groups[g].count) {
			m->group = groups[g].name;
			m->count = groups[g].count;
			g++;
		}
		for (k = f; k < f + m->count && k < s->nfiles; k++)
			s->mach_of[k] = s->nmach;
		f += m->count;
		s->nmach++;
	}
	return 0;
}
