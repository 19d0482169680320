// SPDX-License-Identifier: MIT
/*
 * plot_sweep.c - the sweep figures: a family whose results vary in one
 * integer parameter over three or more values, drawn as lines on log axes
 * (one per benchmark, placement and machine), with the family's results
 * that lack the parameter as horizontal reference lines. Sweeps run before
 * the bars: what they draw leaves the bars (item.swept).
 */
#include "plot_kind.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Units of well-known parameters, for the x axis (the schema does not carry them yet). */
static const struct {
	const char *param, *unit;
} param_units[] = {
	{ "size", "bytes" },   { "bytes", "bytes" },   { "len", "bytes" },	   { "threads", "threads" },
	{ "batch", "operations per batch" }, { "pages", "pages" }, { "depth", "entries" }, { "readers", "threads" },
};

static const char *param_unit(const char *param)
{
	size_t i;

	for (i = 0; i < sizeof(param_units) / sizeof(param_units[0]); i++)
		if (strcmp(param_units[i].param, param) == 0)
			return param_units[i].unit;
	return NULL;
}

static int int_param(const struct item *it, const char *param, long long *v)
{
	const struct ipcb_rparam *p = ipcb_result_param(it->r, param);

	if (!p || p->is_choice)
		return 0;
	*v = (long long)p->value;
	return 1;
}

struct point {
	long long x;
	size_t line;
	struct item *it;
};

static int cmp_point(const void *pa, const void *pb)
{
	const struct point *a = pa, *b = pb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->x != b->x)
		return (a->x > b->x) - (a->x < b->x);
	return (a->it > b->it) - (a->it < b->it); /* input order among equal x: qsort is not stable */
}

/*
 * The points of the family's items that have the integer param, grouped into
 * lines (the same benchmark, other params, placement and file) and sorted by
 * line, then x. Returns the points; *best: the most distinct x on one line.
 */
static struct point *sweep_points(struct set *s, const size_t *idx, size_t n, const char *param,
				  struct ipcb_strmap *lines, size_t *npts, size_t *best)
{
	struct point *pts = calloc(n + 1, sizeof(*pts));
	char rest[512], *key;
	size_t i, m = 0, distinct = 0;

	*best = 0;
	for (i = 0; i < n && pts; i++) {
		struct item *it = &s->v[idx[i]];

		if (!int_param(it, param, &pts[m].x))
			continue;
		ipcb_result_params_text(it->r, rest, sizeof(rest), IPCB_PARAMS_SORTED, ipcb_param_not, (void *)param);
		if (asprintf(&key, "%s\x1f%s\x1f%zu\x1f%s", it->id, it->place, it->mach, rest) < 0)
			continue;
		pts[m].line = ipcb_strmap_add(lines, key);
		pts[m++].it = it;
		free(key);
	}
	if (m)
		qsort(pts, m, sizeof(*pts), cmp_point);
	for (i = 0; i < m; i++) {
		if (i && pts[i].line != pts[i - 1].line)
			distinct = 0;
		distinct += !i || pts[i].line != pts[i - 1].line || pts[i].x != pts[i - 1].x;
		*best = distinct > *best ? distinct : *best;
	}
	*npts = m;
	return pts;
}

/* Log x when the values span 8x or more; base 2 when they are all powers of two. */
static int log_base(const struct point *pts, size_t m)
{
	double xmin = INFINITY, xmax = -INFINITY;
	int pow2 = 1;
	size_t i;

	for (i = 0; i < m; i++) {
		long long v = pts[i].x;

		xmin = fmin(xmin, (double)v);
		xmax = fmax(xmax, (double)v);
		pow2 &= v > 0 && (v & (v - 1)) == 0;
	}
	if (!(xmin > 0) || xmax / xmin < 8)
		return 0;
	return pow2 ? 2 : 10;
}

/* The number of leading '-'-separated words two names share: "write-writev" and "write-direct" 1. */
static size_t shared_words(const char *a, const char *b)
{
	size_t words = 0, i;

	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '-')
			words++;
	return words + (a[i] == b[i] || (!a[i] && b[i] == '-') || (!b[i] && a[i] == '-'));
}

/*
 * How well result c (which lacks the swept parameter) serves as the reference
 * of line l, or -1: the same machine, unit and unit of work; every parameter
 * c has, l has with the same value (write-direct target=pipe serves the
 * target=pipe lines); the same placement, or c runs on one CPU (a plain
 * syscall is the reference wherever a helper thread sits). Twice the
 * parameters matched, plus one for the same placement.
 */
static int ref_score(const struct item *l, const struct item *c)
{
	const struct ipcb_rparam *lp;
	int score = 0;
	size_t i;

	if (l->mach != c->mach || strcmp(l->unit, c->unit) || strcmp(l->per, c->per))
		return -1;
	if (strcmp(l->place, c->place) == 0)
		score = 1;
	else if (c->r->ncpus > 1)
		return -1;
	for (i = 0; i < c->r->nparams; i++) {
		lp = ipcb_result_param(l->r, c->r->params[i].name);
		if (!lp || strcmp(lp->text, c->r->params[i].text))
			return -1;
		score += 2;
	}
	return score;
}

/*
 * The reference lines of one sweep figure: for each of its lines, the
 * results of the family without the swept parameter that serve it best
 * (ref_score; among equals, the names sharing the most leading words), e.g.
 * batch/getpid-direct, one syscall per call, for every batched getpid.
 * refs[] gets indices into s->v in the order of the candidates; returns how
 * many, at most max.
 */
static size_t sweep_refs(const struct set *s, const size_t *cand, size_t ncand, const struct point *pts,
			 const size_t *first, const size_t *part, size_t nlines, size_t which, size_t *refs, size_t max)
{
	char *taken = calloc(ncand + 1, 1);
	size_t l, c, n = 0;

	for (l = 0; taken && l < nlines; l++) {
		const struct item *li = pts[first[l]].it;
		int best = -1, score;
		size_t words = 0;

		if (part[l] != which)
			continue;
		for (c = 0; c < ncand; c++) {
			score = ref_score(li, &s->v[cand[c]]);
			if (score > best || (score == best && shared_words(li->name, s->v[cand[c]].name) > words)) {
				best = score;
				words = shared_words(li->name, s->v[cand[c]].name);
			}
		}
		for (c = 0; best >= 0 && c < ncand; c++)
			taken[c] |= ref_score(li, &s->v[cand[c]]) == best &&
				    shared_words(li->name, s->v[cand[c]].name) == words;
	}
	for (c = 0; taken && c < ncand; c++)
		if (taken[c] && n < max)
			refs[n++] = cand[c];
	free(taken);
	return n;
}

/* A sweep's line or reference line in the key. */
static char *sweep_title(const struct set *s, const struct item *it, const struct naming *nm, int ref)
{
	char name[400], buf[600];

	item_name(it, nm, name, sizeof(name));
	/* a reference on one CPU serves every placement: naming its own says nothing */
	series_title(s, it, name, nm->placement && !(ref && it->r->ncpus <= 1), buf, sizeof(buf));
	if (ref)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (one %.40s each)", it->per);
	return strdup(buf);
}

/* One sweep point or reference end: x, median, interval (a group's: its node spread). */
static void sweep_row(struct plot *p, long long x, const struct item *it)
{
	fprintf(p->dat, "%lld", x);
	dat_num(p->dat, it->median);
	dat_num(p->dat, it->lo);
	dat_num(p->dat, it->hi);
	fputc('\n', p->dat);
}

/* The reference lines a sweep figure may hold: plots/common.gp has this many reference styles. */
#define NREF_STYLES 6

/* One figure of a sweep: the lines whose part is `which`. first[l]..first[l+1]: line l's points. */
static void sweep_plot(struct set *s, const char *family, const char *param, struct point *pts, const size_t *first,
		       const size_t *part, size_t nlines, size_t which, const char *suffix, const size_t *cand,
		       size_t ncand)
{
	size_t *items = calloc(first[nlines] + NREF_STYLES + 1, sizeof(size_t)), refs[NREF_STYLES], nrefs;
	size_t l, i, nitems = 0, k = 0;
	char **titles = calloc(nlines + NREF_STYLES + 1, sizeof(char *));
	char buf[600], per[160], stem[MAX_STEM + 24], title[400];
	const char *unit = param_unit(param), *parts[] = { "sweep", family, param, suffix };
	double ylo = INFINITY, xmin = INFINITY, xmax = -INFINITY;
	struct point *sp = calloc(first[nlines] + 1, sizeof(*sp));
	struct naming nm;
	struct plot p;

	make_stem(stem, sizeof(stem), parts, 4);
	if (!items || !titles || !sp || plot_open(&p, KIND_SWEEP, stem))
		goto out;
	for (l = 0; l < nlines; l++)
		if (part[l] == which)
			for (i = first[l]; i < first[l + 1]; i++) {
				sp[nitems] = pts[i];
				items[nitems++] = (size_t)(pts[i].it - s->v);
				xmin = fmin(xmin, (double)pts[i].x);
				xmax = fmax(xmax, (double)pts[i].x);
			}
	nrefs = sweep_refs(s, cand, ncand, pts, first, part, nlines, which, refs, NREF_STYLES);
	/* the reference lines are named among the lines: write-direct's two targets tell themselves apart */
	memcpy(items + nitems, refs, nrefs * sizeof(size_t));
	naming_init(&nm, s, items, nitems + nrefs, param);
	fprintf(p.dat, "# one block per line (gnuplot index): %.100s, median, interval95 lo, hi; a group of nodes:\n"
		       "# the median of the node medians, the lowest and the highest node median. After the lines,\n"
		       "# the reference lines: a result without %.100s, drawn across the plot at its median\n",
		param, param);
	for (l = 0; l < nlines; l++) {
		if (part[l] != which)
			continue;
		titles[k] = sweep_title(s, pts[first[l]].it, &nm, 0);
		fprintf(p.dat, "%s# line %zu: ", k ? "\n\n" : "", k + 1);
		one_line(p.dat, titles[k] ? titles[k] : "");
		fputc('\n', p.dat);
		for (i = first[l]; i < first[l + 1]; i++) {
			sweep_row(&p, pts[i].x, pts[i].it);
			plot_uses(s, &p, pts[i].it);
			/* log y by the medians: an interval reaching 0 (a noisy VM) is drawn to the axis */
			ylo = fmin(ylo, pts[i].it->median);
		}
		k++;
	}
	for (i = 0; i < nrefs; i++) {
		struct item *r = &s->v[refs[i]];

		titles[k + i] = sweep_title(s, r, &nm, 1);
		fprintf(p.dat, "\n\n# reference %zu: ", i + 1);
		one_line(p.dat, titles[k + i] ? titles[k + i] : "");
		fputc('\n', p.dat);
		sweep_row(&p, (long long)xmin, r);
		sweep_row(&p, (long long)xmax, r);
		plot_uses(s, &p, r);
		ylo = fmin(ylo, r->median); /* drawn without its interval */
		r->swept = 1; /* drawn here: not again as a lone bar */
	}
	per_text(s, items, nitems, per, sizeof(per));
	snprintf(title, sizeof(title), "%.100s: median %s against %.60s, with %s", family, per, param,
		 error_bars(s, &p));
	subtitle_common(s, &p, &nm, items, nitems, buf, sizeof(buf));
	plot_titles(&p, title, buf);
	if (nrefs)
		note_add(&p, "Horizontal lines: for reference, the %.60s result%s without the parameter %.60s, each "
			    "beside the lines whose parameters it shares",
			 family, nrefs > 1 ? "s" : "", param);
	group_note(s, &p, "point");
	var_str(&p, "xlabel_text", "%.60s%s%s%s", param, unit ? " (" : "", unit ? unit : "", unit ? ")" : "");
	var_str(&p, "ylabel_text", "%s", per);
	var_titles(&p, titles, k + nrefs, nrefs, &s->o->size);
	var_int(&p, "logx", log_base(sp, nitems));
	var_num(&p, "xmin", nitems ? xmin : 0);
	var_num(&p, "xmax", nitems ? xmax : 1);
	var_int(&p, "log_y", ylo > 0);
	plot_close(s, &p);
	naming_free(&nm);
out:
	for (l = 0; titles && l < k + NREF_STYLES; l++)
		free(titles[l]);
	free(titles);
	free(items);
	free(sp);
}

static void sweep_param(struct set *s, const char *family, const char *param, const size_t *idx, size_t n)
{
	struct ipcb_strmap lines = { 0 }, names = { 0 };
	size_t npts, best, l, i, nparts, *first = NULL, *part = NULL;
	struct point *pts = sweep_points(s, idx, n, param, &lines, &npts, &best);
	const char **per = NULL, **place = NULL;
	size_t *cand = calloc(n + 1, sizeof(size_t)), ncand = 0;
	char suffix[200];

	if (!pts || !cand || best < 3)
		goto out;
	for (i = 0; i < n; i++) /* the family's results without the parameter: reference lines */
		if (!ipcb_result_param(s->v[idx[i]].r, param))
			cand[ncand++] = idx[i];
	first = calloc(lines.n + 1, sizeof(size_t));
	part = calloc(lines.n + 1, sizeof(size_t));
	per = calloc(lines.n + 1, sizeof(char *));
	place = calloc(lines.n + 1, sizeof(char *));
	if (!first || !part || !per || !place)
		goto out;
	for (i = 0, l = 0; l < lines.n; l++) { /* the points are sorted by line */
		first[l] = i;
		per[l] = pts[i].it->per;
		place[l] = pts[i].it->place;
		while (i < npts && pts[i].line == l)
			pts[i++].it->swept = 1;
	}
	first[lines.n] = npts;
	nparts = split_series(per, place, lines.n, part, &names);
	for (i = 0; i < nparts; i++) {
		part_suffix(names.str[i], suffix, sizeof(suffix));
		sweep_plot(s, family, param, pts, first, part, lines.n, i, suffix, cand, ncand);
	}
out:
	free(cand);
	ipcb_strmap_free(&lines);
	ipcb_strmap_free(&names);
	free(first);
	free(part);
	free(per);
	free(place);
	free(pts);
}

static void sweep_family(struct set *s, size_t fam)
{
	size_t *idx = calloc(s->n + 1, sizeof(*idx)), n, i;
	struct ipcb_strmap params = { 0 };
	const struct ipcb_result *r;
	size_t k;

	n = idx ? family_items(s, fam, NULL, idx) : 0;
	for (i = 0; i < n; i++) {
		r = s->v[idx[i]].r;
		for (k = 0; k < r->nparams; k++)
			if (!r->params[k].is_choice)
				ipcb_strmap_add(&params, r->params[k].name);
	}
	for (i = 0; i < params.n; i++)
		sweep_param(s, s->fams.str[fam], params.str[i], idx, n);
	ipcb_strmap_free(&params);
	free(idx);
}

void plot_sweeps(struct set *s)
{
	size_t i;

	for (i = 0; i < s->fams.n; i++)
		sweep_family(s, i);
}
