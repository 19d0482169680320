// SPDX-License-Identifier: MIT
/*
 * plot_cdf.c - the latency CDF figures: one per family and place, a line per
 * result that stored a histogram (a group of nodes: their histograms summed
 * where the buckets agree), p99 and p99.9 marked.
 */
#include "plot_kind.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bucket {
	double lo, hi, count;
};

static int cmp_bucket(const void *pa, const void *pb)
{
	const struct bucket *a = pa, *b = pb;

	return (a->lo > b->lo) - (a->lo < b->lo);
}

/* The histogram's buckets sorted by value; NULL when it holds nothing. */
static struct bucket *buckets_of(const struct item *it, size_t *n, double *total)
{
	const struct ipcb_histogram *h = it->r->histogram;
	struct bucket *v;
	size_t i;

	*n = 0;
	*total = 0;
	if (!h || !h->nbuckets)
		return NULL;
	v = calloc(h->nbuckets, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < h->nbuckets; i++) {
		v[i].lo = h->buckets[i].lo * it->scale;
		v[i].hi = h->buckets[i].hi * it->scale;
		v[i].count = (double)h->buckets[i].count;
		*total += v[i].count;
	}
	*n = i;
	if (!(*total > 0)) {
		free(v);
		return NULL;
	}
	qsort(v, *n, sizeof(*v), cmp_bucket);
	return v;
}

/*
 * The buckets of a pooled item's CDF: its nodes' histograms summed, bucket by
 * bucket. Sound only where the nodes' buckets are the same intervals (the
 * log-linear buckets of one tool version in one unit): where two differ and
 * overlap, a sum would mix unlike buckets, so the median node's histogram is
 * drawn instead (*node: that member; NULL when the sum is drawn).
 */
static struct bucket *pooled_buckets(const struct set *s, const struct item *it, size_t *n, double *total,
				     const struct item **node)
{
	struct bucket *all = NULL, *one;
	size_t k, i, m = 0, nb, cap = 0;
	double t;

	*node = NULL;
	for (k = 0; k < it->nmem; k++) {
		one = buckets_of(&s->raw[it->mem[k]], &nb, &t);
		if (!one)
			continue;
		if (m + nb > cap) {
			cap = 2 * (m + nb);
			all = realloc(all, cap * sizeof(*all));
		}
		if (all)
			memcpy(all + m, one, nb * sizeof(*one));
		m += nb;
		free(one);
	}
	*n = 0;
	*total = 0;
	if (!all)
		return NULL;
	qsort(all, m, sizeof(*all), cmp_bucket);
	for (i = 0; i < m; i++) {
		if (*n && all[i].lo == all[*n - 1].lo && all[i].hi == all[*n - 1].hi) {
			all[*n - 1].count += all[i].count;
		} else if (*n && all[i].lo < all[*n - 1].hi) {
			free(all);
			*node = &s->raw[it->median_node];
			return buckets_of(*node, n, total);
		} else {
			all[(*n)++] = all[i];
		}
		*total += all[i].count;
	}
	return all;
}

/* The buckets a CDF line draws; *own: whose histogram figures (p99, p99.9) apply, NULL: none. */
static struct bucket *line_buckets(const struct set *s, const struct item *it, size_t *n, double *total,
				   const struct item **own, int *median_node)
{
	const struct item *node;
	struct bucket *b;

	*median_node = 0;
	if (!it->nmem) {
		*own = it;
		return buckets_of(it, n, total);
	}
	b = pooled_buckets(s, it, n, total, &node);
	*own = node;
	*median_node = node != NULL;
	return b;
}

/*
 * The p99 (q 0.99) or p99.9 (q 0.999): the histogram's own figure, or the
 * upper bound of the bucket holding that rank.
 */
static double hist_quantile(const struct item *it, double q, const struct bucket *b, size_t n, double total)
{
	const struct ipcb_histogram *h = it ? it->r->histogram : NULL;
	double cum = 0;
	size_t i;

	if (h && q == 0.99 && (h->has & IPCB_HIST_HAS_P99))
		return h->p99 * it->scale;
	if (h && q == 0.999 && (h->has & IPCB_HIST_HAS_P999))
		return h->p999 * it->scale;
	for (i = 0; i < n; i++) {
		cum += b[i].count;
		if (cum >= q * total)
			return b[i].hi;
	}
	return n ? b[n - 1].hi : NAN;
}

/*
 * One block per line: value, F (the fraction of operations at or below it)
 * and "nines", -log10(1 - F) with F at the mid-rank, so that 99% is 2 and
 * 99.9% is 3 and the last point stays finite.
 */
static void cdf_block(struct plot *p, const struct bucket *b, size_t n, double total)
{
	double cum = 0;
	size_t i;

	fprintf(p->dat, "%.10g 0 0\n", b[0].lo);
	for (i = 0; i < n; i++) {
		if (b[i].count <= 0)
			continue;
		cum += b[i].count;
		fprintf(p->dat, "%.10g %.10g %.6f\n", b[i].hi, cum / total, -log10(1 - (cum - 0.5) / total));
	}
}

static int has_histogram(const struct item *it)
{
	size_t n;
	double total;
	struct bucket *b = buckets_of(it, &n, &total);

	free(b);
	return b != NULL;
}

/* One CDF figure: the items idx[i] whose part[i] is which. */
static void cdf_plot(struct set *s, const char *family, const char *place, const size_t *all, const size_t *part,
		     size_t nall, size_t which, const char *suffix)
{
	char **titles = calloc(nall + 1, sizeof(char *));
	size_t *idx = calloc(nall + 1, sizeof(size_t)), i, n = 0, k = 0;
	double xmin = INFINITY, nines = 1, *p99 = calloc(nall + 1, sizeof(double)), *p999 = calloc(nall + 1, sizeof(double));
	char buf[600], name[400], stem[MAX_STEM + 24], title[400];
	const char *parts[] = { "cdf", family, place, suffix };
	const struct item *first;
	struct naming nm;
	struct plot p;

	make_stem(stem, sizeof(stem), parts, 4);
	if (!titles || !idx || !p99 || !p999 || plot_open(&p, KIND_CDF, stem))
		goto out;
	for (i = 0; i < nall; i++)
		if (part[i] == which)
			idx[n++] = all[i];
	first = &s->v[idx[0]];
	naming_init(&nm, s, idx, n, NULL);
	fprintf(p.dat, "# one block per line (gnuplot index): ns, F, -log10(1-F); the last block: line, p99, p99.9\n");
	for (i = 0; i < n; i++) {
		const struct item *it = &s->v[idx[i]], *own;
		size_t nb;
		double total;
		int median_node;
		struct bucket *bk = line_buckets(s, it, &nb, &total, &own, &median_node);

		if (!bk)
			continue;
		item_name(it, &nm, name, sizeof(name));
		series_title(s, it, name, 0, buf, sizeof(buf));
		if (it->by_role && strlen(buf) + 3 < sizeof(buf)) /* which placement the role was here */
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %.30s", it->placement);
		titles[k] = strdup(buf);
		fprintf(p.dat, "%s# line %zu: ", k ? "\n\n" : "", k + 1);
		one_line(p.dat, buf);
		fprintf(p.dat, " (%.0f operations", total);
		if (it->nmem && !median_node)
			fprintf(p.dat, "; the histograms of %zu nodes summed", it->nmem);
		else if (it->nmem)
			fprintf(p.dat, "; the median node's: %s", s->label[own->file]);
		fputs(")\n", p.dat);
		if (it->nmem && !median_node)
			note_add(&p, "%s: the latency histograms of its %zu nodes pooled (bucket counts summed)", buf,
				 it->nmem);
		else if (it->nmem)
			note_add(&p, "%s: its nodes' histogram buckets differ, so the median node's (%s) distribution is drawn",
				 buf, s->label[own->file]);
		cdf_block(&p, bk, nb, total);
		p99[k] = hist_quantile(own, 0.99, bk, nb, total);
		p999[k++] = hist_quantile(own, 0.999, bk, nb, total);
		xmin = fmin(xmin, bk[0].lo);
		nines = fmax(nines, ceil(log10(2 * total)));
		plot_uses(s, &p, it);
		free(bk);
	}
	fprintf(p.dat, "\n\n# marks: line, p99, p99.9 (ns)\n");
	for (i = 0; i < k; i++) {
		fprintf(p.dat, "%zu", i + 1);
		dat_num(p.dat, p99[i]);
		dat_num(p.dat, p999[i]);
		fputc('\n', p.dat);
	}
	snprintf(title, sizeof(title), "%.100s, %.40s: distribution of the latency per %.60s", family, place,
		 nm.per ? "operation" : first->per);
	subtitle_common(s, &p, &nm, idx, n, buf, sizeof(buf));
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; each operation timed alone (includes one timer read)");
	plot_titles(&p, title, buf);
	var_str(&p, "xlabel_text", "latency per %.60s (%.20s)", nm.per ? "operation" : first->per, first->unit);
	var_titles(&p, titles, k, 0, &s->o->size);
	var_int(&p, "logx", xmin > 0);
	var_num(&p, "ymax_nines", fmin(nines, 9));
	plot_close(s, &p);
	naming_free(&nm);
out:
	for (i = 0; titles && i < k; i++)
		free(titles[i]);
	free(titles);
	free(idx);
	free(p99);
	free(p999);
}

/* One CDF per family and place (machines meet there), split when it holds too many lines. */
void plot_cdfs(struct set *s)
{
	struct ipcb_strmap groups = { 0 }, names = { 0 };
	size_t *group = calloc(s->n + 1, sizeof(size_t)), *first, *members, *fill, *part, g, i;
	const char **per, **place;
	char key[600], suffix[200];

	for (i = 0; group && i < s->n; i++) {
		group[i] = SIZE_MAX;
		if (!has_histogram(&s->v[i]))
			continue;
		snprintf(key, sizeof(key), "%.300s\x1f%.200s", s->v[i].family, s->v[i].place);
		group[i] = ipcb_strmap_add(&groups, key);
	}
	first = calloc(groups.n + 2, sizeof(size_t));
	fill = calloc(groups.n + 2, sizeof(size_t));
	members = calloc(s->n + 1, sizeof(size_t));
	part = calloc(s->n + 1, sizeof(size_t));
	per = calloc(s->n + 1, sizeof(char *));
	place = calloc(s->n + 1, sizeof(char *));
	if (!group || !first || !fill || !members || !part || !per || !place)
		goto out;
	for (i = 0; i < s->n; i++) /* counting sort of the items by group, input order kept */
		if (group[i] != SIZE_MAX)
			first[group[i] + 1]++;
	for (g = 0; g < groups.n; g++)
		fill[g] = first[g + 1] += first[g];
	for (g = groups.n; g > 0; g--)
		fill[g] = fill[g - 1];
	fill[0] = 0;
	for (i = 0; i < s->n; i++)
		if (group[i] != SIZE_MAX)
			members[fill[group[i]]++] = i;
	for (g = 0; g < groups.n; g++) {
		size_t m = first[g + 1] - first[g], *mem = members + first[g], np, k;

		for (i = 0; i < m; i++) {
			per[i] = s->v[mem[i]].per;
			place[i] = s->v[mem[i]].place;
		}
		ipcb_strmap_free(&names);
		np = split_series(per, place, m, part, &names);
		for (k = 0; k < np; k++) {
			part_suffix(names.str[k], suffix, sizeof(suffix));
			cdf_plot(s, s->v[mem[0]].family, s->v[mem[0]].place, mem, part, m, k, suffix);
		}
	}
out:
	ipcb_strmap_free(&groups);
	ipcb_strmap_free(&names);
	free(group);
	free(first);
	free(fill);
	free(members);
	free(part);
	free(per);
	free(place);
}
