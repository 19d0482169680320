// SPDX-License-Identifier: MIT
/*
 * plot_heatmap.c - the CPU x CPU heatmaps: one per result and quantity of its
 * attachments.matrix, CPUs ordered by the widest cache they share, and one
 * colour range per quantity across the machines unless --scale own.
 */
#include "plot_kind.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The matrices an item draws: its own; a pooled item's cell medians, or the median node's. */
static const json_t *item_matrix(const struct set *s, const struct item *it)
{
	if (it->matrix)
		return it->matrix;
	if (it->nmem)
		return json_object_get(json_object_get(s->raw[it->median_node].r, "attachments"), "matrix");
	return json_object_get(json_object_get(it->r, "attachments"), "matrix");
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
static size_t cpu_order(const json_t *machine, const json_t *cpus, size_t *pos, size_t *bound)
{
	const json_t *caches = json_object_get(json_object_get(machine, "topology"), "caches"), *c, *id;
	size_t n = json_array_size(cpus), i, k, j, nb = 0, at = 0, *group = calloc(n + 1, sizeof(size_t));
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
				if (json_integer_value(id) == json_integer_value(json_array_get(cpus, k)))
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

/* The cells, at their drawn positions; returns how many were not measured. */
static size_t heatmap_data(struct plot *p, const json_t *cpus, const json_t *rows, const size_t *pos)
{
	const json_t *row, *cell;
	size_t i, j, n = json_array_size(cpus), blank = 0;

	fprintf(p->dat, "# column (answering CPU), row (measuring CPU), value (NaN: not measured), label; CPUs by position:");
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (pos[j] == i)
				fprintf(p->dat, " %lld", (long long)json_integer_value(json_array_get(cpus, j)));
	fputc('\n', p->dat);
	for (i = 0; i < n; i++) { /* drawn row i is matrix row r */
		size_t r, c;

		for (r = 0; r < n && pos[r] != i; r++)
			;
		row = json_array_get(rows, r);
		for (j = 0; j < n; j++) {
			double v;

			for (c = 0; c < n && pos[c] != j; c++)
				;
			cell = json_array_get(row, c);
			v = json_is_number(cell) ? json_number_value(cell) : NAN;
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
static void cpu_tics(struct plot *p, const json_t *cpus, const size_t *pos)
{
	size_t n = json_array_size(cpus), step = (n + 15) / 16, i, k, used = 0;
	char *buf = malloc(n * 32 + 8);

	if (!buf)
		return;
	used += (size_t)sprintf(buf, "(");
	for (i = 0; i < n; i += step) {
		for (k = 0; k < n && pos[k] != i; k++)
			;
		used += (size_t)sprintf(buf + used, "%s'%lld' %zu", i ? ", " : "",
					(long long)json_integer_value(json_array_get(cpus, k)), i);
	}
	sprintf(buf + used, ")");
	var_str(p, "cpu_tics", "%s", buf);
	free(buf);
}

/* The range of one matrix quantity over every file: heatmaps side by side compare by colour. */
static void heat_ranges(struct set *s)
{
	const json_t *rows, *row, *cell;
	const char *key;
	size_t i, j, k, q, before;

	for (i = 0; i < s->n; i++)
		json_object_foreach((json_t *)item_matrix(s, &s->v[i]), key, rows) {
			if (!json_is_array(rows) || strcmp(key, "cpus") == 0)
				continue;
			before = s->heat_keys.n;
			q = ipcb_strmap_add(&s->heat_keys, key);
			if (q == before) {
				s->cb_lo = realloc(s->cb_lo, (q + 1) * sizeof(double));
				s->cb_hi = realloc(s->cb_hi, (q + 1) * sizeof(double));
				s->cb_lo[q] = INFINITY;
				s->cb_hi[q] = -INFINITY;
			}
			json_array_foreach(rows, j, row)
				json_array_foreach(row, k, cell)
					if (json_is_number(cell)) {
						s->cb_lo[q] = fmin(s->cb_lo[q], json_number_value(cell));
						s->cb_hi[q] = fmax(s->cb_hi[q], json_number_value(cell));
					}
		}
}

/* What a group's heatmap shows: the median over its nodes per cell, or the median node's. */
static void heatmap_note(const struct set *s, struct plot *p, const struct item *it)
{
	const struct mach *mc = &s->mach[it->mach];

	if (it->matrix)
		note_add(p, "Group %s (%zu nodes): each cell is the median over the nodes that measured it", mc->label,
			 it->nmem);
	else
		note_add(p, "Group %s: its nodes measured different CPU sets, so the cells are the median node's (%s)",
			 mc->label, s->label[s->raw[it->median_node].file]);
}

static void heatmap_plot(struct set *s, const struct item *it, const char *key, const json_t *rows)
{
	const json_t *cpus = json_object_get(item_matrix(s, it), "cpus");
	char stem[MAX_STEM + 24], what[128], buf[600], params[512], title[600];
	const char *parts[] = { "heatmap", it->id, params, it->placement,
				strcmp(key, "round_trip_ns") ? key : NULL, s->nmach > 1 ? s->mach[it->mach].label : NULL };
	size_t n = json_array_size(cpus), q = ipcb_strmap_find(&s->heat_keys, key), blank, nb, k;
	size_t *pos = calloc(n + 1, sizeof(size_t)), *bound = calloc(n + 1, sizeof(size_t));
	struct plot p;

	ipcb_result_params(it->r, NULL, params, sizeof(params));
	make_stem(stem, sizeof(stem), parts, 6);
	if (!pos || !bound || plot_open(&p, KIND_HEATMAP, stem)) {
		free(pos);
		free(bound);
		return;
	}
	plot_uses(s, &p, it);
	nb = cpu_order(json_object_get(s->files[it->file].doc, "machine"), cpus, pos, bound);
	blank = heatmap_data(&p, cpus, rows, pos);
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
	cpu_tics(&p, cpus, pos);
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
	const json_t *m, *rows;
	const char *key;
	size_t i;

	heat_ranges(s);
	for (i = 0; i < s->n; i++) {
		m = item_matrix(s, &s->v[i]);
		json_object_foreach((json_t *)m, key, rows)
			if (json_is_array(rows) && strcmp(key, "cpus"))
				heatmap_plot(s, &s->v[i], key, rows);
	}
}

