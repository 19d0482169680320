// SPDX-License-Identifier: MIT
/*
 * plot_bars.c - the bars figures: every ok result not drawn in a sweep, its
 * median with its reported 95% interval (a group of nodes: their spread),
 * one cluster per benchmark of a family, one bar per placement and machine;
 * split into several figures when the bars or the series are too many.
 */
#include "plot_kind.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int not_swept(const struct item *it)
{
	return !it->swept;
}

static size_t longest(const struct ipcb_strmap *l)
{
	size_t i, max = 0;

	for (i = 0; i < l->n; i++)
		max = strlen(l->str[i]) > max ? strlen(l->str[i]) : max;
	return max;
}

/* Log scale when the bars span more than this factor: a syscall beside a function call. */
#define LOG_SPAN 30

/* A family's bars: benchmarks (categories) x series (a place and a machine), one pass over its items. */
struct bars_table {
	struct ipcb_strmap cats;
	size_t nser;
	char **titles;		  /* per series; titles may repeat, so not a strmap */
	const char **place, **per;
	const struct item **cell; /* [cat * nser + series] */
};

static void bars_table_free(struct bars_table *t)
{
	size_t i;

	for (i = 0; t->titles && i < t->nser; i++)
		free(t->titles[i]);
	free(t->titles);
	free(t->place);
	free(t->per);
	free(t->cell);
	ipcb_strmap_free(&t->cats);
}

/* Series are ranked by place, then file: the machines of one place stand side by side. */
static int bars_table_fill(const struct set *s, const size_t *idx, size_t n, const struct naming *nm,
			   struct bars_table *t)
{
	struct ipcb_strmap places = { 0 };
	size_t i, *rank = NULL, *ser_of = calloc(n + 1, sizeof(size_t)), *cat_of = calloc(n + 1, sizeof(size_t));
	char buf[600];
	int rc = -1;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++)
		ipcb_strmap_add(&places, s->v[idx[i]].place);
	rank = calloc(places.n * s->nmach + 1, sizeof(size_t));
	if (!rank || !ser_of || !cat_of)
		goto out;
	for (i = 0; i < n; i++)
		rank[ipcb_strmap_find(&places, s->v[idx[i]].place) * s->nmach + s->v[idx[i]].mach] = 1;
	for (i = 0; i < places.n * s->nmach; i++)
		rank[i] = rank[i] ? ++t->nser : 0; /* 1 + the series of each (place, file) present */
	t->titles = calloc(t->nser + 1, sizeof(char *));
	t->place = calloc(t->nser + 1, sizeof(char *));
	t->per = calloc(t->nser + 1, sizeof(char *));
	if (!t->titles || !t->place || !t->per)
		goto out;
	for (i = 0; i < n; i++) {
		const struct item *it = &s->v[idx[i]];
		size_t k = rank[ipcb_strmap_find(&places, it->place) * s->nmach + it->mach] - 1;

		ser_of[i] = k;
		item_name(it, nm, buf, sizeof(buf));
		shorten(buf, MAX_TIC); /* upright under the axis: each character is height */
		cat_of[i] = ipcb_strmap_add(&t->cats, buf);
		if (t->titles[k])
			continue;
		series_title(s, it, "", nm->placement || s->nmach == 1, buf, sizeof(buf));
		t->titles[k] = strdup(buf);
		t->place[k] = it->place;
		t->per[k] = ""; /* the unit of work varies along the axis: one figure holds them all */
	}
	t->cell = calloc(t->cats.n * t->nser + 1, sizeof(*t->cell));
	for (i = 0; t->cell && i < n; i++)
		if (!t->cell[cat_of[i] * t->nser + ser_of[i]])
			t->cell[cat_of[i] * t->nser + ser_of[i]] = &s->v[idx[i]];
	rc = t->cell ? 0 : -1;
out:
	ipcb_strmap_free(&places);
	free(rank);
	free(ser_of);
	free(cat_of);
	return rc;
}

/* One figure of bars: the rows cat[0..ncat) of the table, the series ser[0..nser). */
struct bars_fig {
	const char *family, *suffix;
	const struct bars_table *t;
	const size_t *cat, *ser;
	size_t ncat, nser;
};

static void bars_plot(struct set *s, const struct bars_fig *b, const struct naming *nm, size_t n)
{
	struct ipcb_strmap cats = { 0 };
	char **titles = calloc(b->nser + 1, sizeof(char *));
	double lo = INFINITY, hi = 0;
	char stem[MAX_STEM + 24], buf[600], per[160], title[400];
	const char *parts[] = { "bars", b->family, b->suffix };
	size_t c, k, *used = calloc(n + 1, sizeof(size_t)), nused = 0;
	struct plot p;

	make_stem(stem, sizeof(stem), parts, 3);
	if (!used || !titles || plot_open(&p, KIND_BARS, stem))
		goto out;
	fprintf(p.dat, "# benchmark, then for each series: median, interval95 lo, hi (NaN: not measured);\n"
		       "# a group of nodes: the median of the node medians, the lowest and the highest node median\n");
	for (k = 0; k < b->nser; k++) {
		fprintf(p.dat, "# series %zu: ", k + 1);
		one_line(p.dat, b->t->titles[b->ser[k]]);
		fputc('\n', p.dat);
	}
	for (c = 0; c < b->ncat; c++) {
		ipcb_strmap_add(&cats, b->t->cats.str[b->cat[c]]);
		dat_label(p.dat, b->t->cats.str[b->cat[c]]);
		for (k = 0; k < b->nser; k++) {
			const struct item *hit = b->t->cell[b->cat[c] * b->t->nser + b->ser[k]];

			dat_num(p.dat, hit ? hit->median : NAN);
			dat_num(p.dat, hit ? hit->lo : NAN);
			dat_num(p.dat, hit ? hit->hi : NAN);
			if (!hit)
				continue;
			plot_uses(s, &p, hit);
			lo = fmin(lo, hit->lo);
			hi = fmax(hi, hit->hi);
			used[nused++] = (size_t)(hit - s->v);
		}
		fputc('\n', p.dat);
	}
	for (k = 0; k < b->nser; k++)
		titles[k] = b->t->titles[b->ser[k]];
	per_text(s, used, nused, per, sizeof(per));
	snprintf(title, sizeof(title), "%.100s: median %s, with %s", b->family, per, error_bars(s, &p));
	subtitle_common(s, &p, nm, used, nused, buf, sizeof(buf));
	if (b->nser == 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; %s", titles[0]);
	plot_titles(&p, title, buf);
	group_note(s, &p, "bar");
	var_str(&p, "xlabel_text", "benchmark (%.60s/...)", b->family);
	var_str(&p, "ylabel_text", "%s", per);
	var_titles(&p, titles, b->nser, 0, &s->o->size);
	var_int(&p, "log_y", lo > 0 && hi / lo > LOG_SPAN);
	var_num(&p, "ymin", lo > 0 ? pow(10, floor(log10(lo))) : 0);
	var_int(&p, "rotate_xtics", cats.n > 4 || longest(&cats) > 14);
	var_int(&p, "xtic_chars", (long long)longest(&cats));
	var_int(&p, "ncats", (long long)cats.n);
	fprintf(p.vars, "array cat_label[%zu] = [", cats.n ? cats.n : 1);
	for (c = 0; c < cats.n; c++) {
		fputs(c ? ", " : "", p.vars);
		gp_quoted(p.vars, cats.str[c]);
	}
	fputs(cats.n ? "]\n" : "'']\n", p.vars);
	plot_close(s, &p);
out:
	ipcb_strmap_free(&cats);
	free(titles);
	free(used);
}

/* Bars per figure: about ten bars per inch of width stay readable. */
static size_t cats_per_figure(const struct set *s, size_t nser)
{
	size_t bars = (size_t)(s->o->size.width_in * 10);

	return bars / (nser + 1) ? bars / (nser + 1) : 1;
}

/* The figures of one part of the series: its benchmarks, a figure per screenful. */
static void bars_part(struct set *s, size_t fam, const struct bars_table *t, const size_t *ser, size_t nser,
		      const char *name, const struct naming *nm, size_t n)
{
	size_t *sel = calloc(t->cats.n + 1, sizeof(size_t)), ncat = 0, chunk = cats_per_figure(s, nser), c, i, k;
	size_t *here = calloc(nser + 1, sizeof(size_t)), nhere;
	char suffix[200];

	for (c = 0; sel && c < t->cats.n; c++) {
		for (i = 0; i < nser && !t->cell[c * t->nser + ser[i]]; i++)
			;
		if (i < nser)
			sel[ncat++] = c;
	}
	for (c = 0; sel && here && c < ncat; c += chunk) {
		struct bars_fig b = { .family = s->fams.str[fam], .t = t, .ser = here, .cat = sel + c,
				      .ncat = ncat - c < chunk ? ncat - c : chunk, .suffix = suffix };

		/* a split figure's legend names only the series that have a bar in it */
		for (i = nhere = 0; i < nser; i++) {
			for (k = 0; k < b.ncat && !t->cell[b.cat[k] * t->nser + ser[i]]; k++)
				;
			if (k < b.ncat)
				here[nhere++] = ser[i];
		}
		b.nser = nhere;
		part_suffix(name, suffix, sizeof(suffix));
		if (ncat > chunk)
			snprintf(suffix + strlen(suffix), sizeof(suffix) - strlen(suffix), "%s%zu", suffix[0] ? "-" : "",
				 c / chunk + 1);
		bars_plot(s, &b, nm, n);
	}
	free(here);
	free(sel);
}

static void bars_family(struct set *s, size_t fam)
{
	size_t *idx = calloc(s->n + 1, sizeof(*idx)), *part = NULL, *ser = NULL, n, i, k, nparts;
	struct ipcb_strmap names = { 0 };
	struct bars_table t;
	struct naming nm;

	n = idx ? family_items(s, fam, not_swept, idx) : 0;
	if (!n) {
		free(idx);
		return;
	}
	naming_init(&nm, s, idx, n, NULL);
	if (bars_table_fill(s, idx, n, &nm, &t))
		goto out;
	part = calloc(t.nser + 1, sizeof(size_t));
	ser = calloc(t.nser + 1, sizeof(size_t));
	if (!part || !ser)
		goto out;
	nparts = split_series(t.per, t.place, t.nser, part, &names);
	for (k = 0; k < nparts; k++) {
		size_t nser = 0;

		for (i = 0; i < t.nser; i++)
			if (part[i] == k)
				ser[nser++] = i;
		bars_part(s, fam, &t, ser, nser, names.str[k], &nm, n);
	}
out:
	bars_table_free(&t);
	naming_free(&nm);
	ipcb_strmap_free(&names);
	free(part);
	free(ser);
	free(idx);
}

void plot_bars(struct set *s)
{
	size_t i;

	for (i = 0; i < s->fams.n; i++)
		bars_family(s, i);
}
