// SPDX-License-Identifier: MIT
/*
 * plot_heatmap.c - the CPU x CPU heatmaps: one per result and quantity of its
 * attachments.matrix, CPUs ordered by the widest cache they share, and one
 * colour range per quantity across the machines unless --scale own.
 */
#include "plot_kind.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The matrix an item draws, typed: a pooled item's cell medians, or the
 * median node's, or its own; NULL: none. *own: what the caller frees.
 */
static const struct heat *item_heat(const struct set *s, const struct item *it, struct heat **own)
{
	const struct ipcb_result *r = it->nmem ? s->raw[it->median_node].r : it->r;

	*own = NULL;
	if (it->pooled)
		return it->pooled;
	*own = heat_of(r->matrix);
	return *own;
}

/* "round_trip_ns" -> "round trip (ns)" */
static void matrix_label(const char *key, char *buf, size_t len)
{
	size_t n = strlen(key), i, o = 0;
	int ns = n > 3 && strcmp(key + n - 3, "_ns") == 0;

	for (i = 0; i < (ns ? n - 3 : n) && o + 1 < len; i++)
		buf[o++] = key[i] == '_' ? ' ' : key[i];
	buf[o] = '\0';
	if (ns)
		snprintf(buf + o, len - o, " (ns)");
	shorten(buf, MAX_LABEL);
}

/*
 * The order of the heatmap's CPUs: grouped by the widest cache the machine
 * file says each shares (an L3 is a socket or a CCX), groups in order of
 * their first CPU, CPUs by OS id inside; CPUs it says nothing about keep
 * their order at the end. pos[k]: where matrix CPU k is drawn; bound[]: the
 * positions where a new group starts. Returns how many bounds.
 */
static size_t cpu_order(const json_t *machine, const struct heat *h, size_t *pos, size_t *bound)
{
	const json_t *caches = json_object_get(json_object_get(machine, "topology"), "caches"), *c, *id;
	size_t n = h->n, i, k, j, nb = 0, at = 0, *group = calloc(n + 1, sizeof(size_t));
	long long level = 0;

	if (!group)
		goto identity;
	json_array_foreach(caches, i, c) /* the widest level: the last to share, the first to split packages */
		level = json_integer_value(json_object_get(c, "level")) > level ?
				json_integer_value(json_object_get(c, "level")) : level;
	for (k = 0; k < n; k++) {
		group[k] = SIZE_MAX; /* SIZE_MAX: no cache of that level names it */
		json_array_foreach(caches, i, c) {
			if (json_integer_value(json_object_get(c, "level")) != level)
				continue;
			json_array_foreach(json_object_get(c, "cpus"), j, id)
				if (json_integer_value(id) == (json_int_t)h->cpus[k])
					group[k] = i;
		}
	}
	/* counting out: group by group in order of first appearance, then the unknown */
	for (k = 0; k <= n; k++) {
		size_t g = k < n ? group[k] : SIZE_MAX, m;
		int first = 1;

		if (k < n && (g == SIZE_MAX || g == SIZE_MAX - 1))
			continue;
		for (m = 0; m < n; m++) {
			if (group[m] != g)
				continue;
			if (first && at && g != SIZE_MAX)
				bound[nb++] = at;
			first = 0;
			pos[m] = at++;
			group[m] = SIZE_MAX - 1; /* placed */
		}
	}
	free(group);
	if (at == n)
		return nb;
identity:
	for (k = 0; k < n; k++)
		pos[k] = k;
	return 0;
}

/* The cells of grid g, at their drawn positions; returns how many were not measured. */
static size_t heatmap_data(struct plot *p, const struct heat *h, size_t g, const size_t *pos)
{
	size_t i, j, n = h->n, blank = 0;

	fprintf(p->dat, "# column (answering CPU), row (measuring CPU), value (NaN: not measured), label; CPUs by position:");
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (pos[j] == i)
				fprintf(p->dat, " %lld", (long long)h->cpus[j]);
	fputc('\n', p->dat);
	for (i = 0; i < n; i++) { /* drawn row i is matrix row r */
		size_t r, c;

		for (r = 0; r < n && pos[r] != i; r++)
			;
		for (j = 0; j < n; j++) {
			double v;

			for (c = 0; c < n && pos[c] != j; c++)
				;
			v = r < n && c < n ? h->value[g][r * n + c] : NAN;
			fprintf(p->dat, "%zu %zu", j, i);
			dat_num(p->dat, v);
			blank += isnan(v) ? 1 : 0;
			if (isnan(v))
				fputs(" \"-\"\n", p->dat);
			else
				fprintf(p->dat, fabs(v) >= 10 ? " \"%.0f\"\n" : " \"%.2g\"\n", v);
		}
		fputc('\n', p->dat);
	}
	return blank;
}

/* gnuplot tics: ('0' 0, '1' 1, ...) naming OS CPU ids at their positions; thinned to about 16 labels. */
static void cpu_tics(struct plot *p, const struct heat *h, const size_t *pos)
{
	size_t n = h->n, step = (n + 15) / 16, i, k, used = 0;
	char *buf = malloc(n * 32 + 8);

	if (!buf)
		return;
	used += (size_t)sprintf(buf, "(");
	for (i = 0; i < n; i += step) {
		for (k = 0; k < n && pos[k] != i; k++)
			;
		used += (size_t)sprintf(buf + used, "%s'%lld' %zu", i ? ", " : "",
					k < n ? (long long)h->cpus[k] : 0LL, i);
	}
	sprintf(buf + used, ")");
	var_str(p, "cpu_tics", "%s", buf);
	free(buf);
}

/* The range of one matrix quantity over every file: heatmaps side by side compare by colour. */
static void heat_ranges(struct set *s, const struct heat *const *heat)
{
	size_t i, g, c, q, before;

	for (i = 0; i < s->n; i++)
		for (g = 0; heat[i] && g < heat[i]->ngrids; g++) {
			const double *v = heat[i]->value[g];

			before = s->heat_keys.n;
			q = ipcb_strmap_add(&s->heat_keys, heat[i]->quantity[g]);
			if (q == before) {
				s->cb_lo = realloc(s->cb_lo, (q + 1) * sizeof(double));
				s->cb_hi = realloc(s->cb_hi, (q + 1) * sizeof(double));
				s->cb_lo[q] = INFINITY;
				s->cb_hi[q] = -INFINITY;
			}
			for (c = 0; c < heat[i]->n * heat[i]->n; c++)
				if (!isnan(v[c])) {
					s->cb_lo[q] = fmin(s->cb_lo[q], v[c]);
					s->cb_hi[q] = fmax(s->cb_hi[q], v[c]);
				}
		}
}

/* What a group's heatmap shows: the median over its nodes per cell, or the median node's. */
static void heatmap_note(const struct set *s, struct plot *p, const struct item *it)
{
	const struct mach *mc = &s->mach[it->mach];

	if (it->pooled)
		note_add(p, "Group %s (%zu nodes): each cell is the median over the nodes that measured it", mc->label,
			 it->nmem);
	else
		note_add(p, "Group %s: its nodes measured different CPU sets, so the cells are the median node's (%s)",
			 mc->label, s->label[s->raw[it->median_node].file]);
}

/* The heatmap of grid g of the matrix h that item it draws. */
static void heatmap_plot(struct set *s, const struct item *it, const struct heat *h, size_t g)
{
	const char *key = h->quantity[g];
	char stem[MAX_STEM + 24], what[128], buf[600], params[512], title[600];
	const char *parts[] = { "heatmap", it->id, params, it->placement,
				strcmp(key, "round_trip_ns") ? key : NULL, s->nmach > 1 ? s->mach[it->mach].label : NULL };
	size_t n = h->n, q = ipcb_strmap_find(&s->heat_keys, key), blank, nb, k;
	size_t *pos = calloc(n + 1, sizeof(size_t)), *bound = calloc(n + 1, sizeof(size_t));
	struct plot p;

	ipcb_result_params_text(it->r, params, sizeof(params), IPCB_PARAMS_SORTED, NULL, NULL);
	make_stem(stem, sizeof(stem), parts, 6);
	if (!pos || !bound || plot_open(&p, KIND_HEATMAP, stem)) {
		free(pos);
		free(bound);
		return;
	}
	plot_uses(s, &p, it);
	nb = cpu_order(json_object_get(s->files[it->file].doc, "machine"), h, pos, bound);
	blank = heatmap_data(&p, h, g, pos);
	matrix_label(key, what, sizeof(what));
	snprintf(title, sizeof(title), "%.200s%s%.200s: %s between CPUs", it->id, params[0] ? " " : "", params, what);
	subtitle(s, &p, buf, sizeof(buf));
	if (s->o->shared_scale && s->nmach > 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; colour scale shared by the %zu %s", s->nmach,
			 s->nmach == s->nfiles ? "files" : "machines");
	plot_titles(&p, title, buf);
	if (it->nmem)
		heatmap_note(s, &p, it);
	var_str(&p, "cb_label_text", "%s", what);
	var_int(&p, "ncpu", (long long)n);
	cpu_tics(&p, h, pos);
	var_int(&p, "show_values", n <= 8);
	var_int(&p, "ngroups", (long long)nb + 1);
	fprintf(p.vars, "array group_start[%zu] = [", nb ? nb : 1);
	for (k = 0; k < nb; k++)
		fprintf(p.vars, "%s%zu", k ? ", " : "", bound[k]);
	fputs(nb ? "]\n" : "0]\n", p.vars);
	var_int(&p, "unmeasured_cells", (long long)blank);
	var_int(&p, "key_entries", blank ? 1 : 0);
	var_int(&p, "key_chars", 12);
	if (s->o->shared_scale && q != SIZE_MAX && s->cb_lo[q] <= s->cb_hi[q]) {
		var_num(&p, "cb_min", s->cb_lo[q]);
		var_num(&p, "cb_max", s->cb_hi[q] > s->cb_lo[q] ? s->cb_hi[q] : s->cb_lo[q] + 1);
	}
	plot_close(s, &p);
	free(pos);
	free(bound);
}

void plot_heatmaps(struct set *s)
{
	struct heat **own = calloc(s->n + 1, sizeof(*own));
	const struct heat **heat = calloc(s->n + 1, sizeof(*heat));
	size_t i, g;

	for (i = 0; own && heat && i < s->n; i++)
		heat[i] = item_heat(s, &s->v[i], &own[i]);
	if (own && heat)
		heat_ranges(s, heat);
	for (i = 0; own && heat && i < s->n; i++)
		for (g = 0; heat[i] && g < heat[i]->ngrids; g++)
			heatmap_plot(s, &s->v[i], heat[i], g);
	for (i = 0; own && i < s->n; i++)
		heat_free(own[i]);
	free(own);
	free(heat);
}
