/* SPDX-License-Identifier: MIT */
/*
 * stats.c - order statistics on samples, CI of the median, log-linear
 * histograms. See stats.h for the contract.
 *
 * Sample sets here are small (tens to thousands of run medians), so the
 * simple approach wins: copy, sort, read order statistics. Histograms hold
 * per-operation latencies and must be cheap to add to and exact to merge,
 * hence fixed log-linear buckets rather than anything adaptive.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * A total order even with NaN in the input: NaNs sort last, so a stray NaN
 * shows up in max rather than corrupting qsort's invariants.
 */
static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return (a > b) - (a < b);
}

void ipcb_sort_doubles(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_double);
}

double ipcb_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t lo;

	if (n == 0)
		return 0;
	/* Written as !(q > 0) so that a NaN q also lands on the minimum. */
	if (!(q > 0))
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];

	/* Type 7 (R's default): h = (n-1)q, interpolate x[floor h] .. x[floor h + 1]. */
	h = (double)(n - 1) * q;
	lo = (size_t)h;
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = h - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/*
 * Two passes: the mean first, then squared deviations from it. The second
 * pass also sums the plain deviations, which are zero in exact arithmetic;
 * subtracting their square corrects the rounding error of the mean (the
 * "corrected two-pass" algorithm of Chan, Golub and LeVeque).
 */
static void mean_stddev(const double *x, size_t n, double *mean, double *sd)
{
	double sum = 0, dev = 0, sq = 0, m;
	size_t i;

	for (i = 0; i < n; i++)
		sum += x[i];
	m = sum / (double)n;

	for (i = 0; i < n; i++) {
		double d = x[i] - m;

		dev += d;
		sq += d * d;
	}
	*mean = m;
	if (n < 2) {
		*sd = 0;
		return;
	}
	sq -= dev * dev / (double)n;
	*sd = sq > 0 ? sqrt(sq / (double)(n - 1)) : 0;
}

/* Clamp a 1-based rank computed in floating point into [1, n]. */
static size_t clamp_rank(double r, size_t n)
{
	if (!(r >= 1))
		return 1;
	if (r >= (double)n)
		return n;
	return (size_t)r;
}

/*
 * Distribution-free CI of the median: the number of samples below the true
 * median is Binomial(n, 1/2), so [x(j), x(k)] covers it with probability
 * P(j <= B < k). The normal approximation picks j and k; floor/ceil make
 * the interval err on the wide side.
 */
static void median_ci(const double *sorted, size_t n, double *lo, double *hi)
{
	double half = 1.96 * sqrt((double)n) / 2;
	size_t j = clamp_rank(floor((double)n / 2 - half), n);
	size_t k = clamp_rank(ceil((double)n / 2 + 1 + half), n);

	*lo = sorted[j - 1];
	*hi = sorted[k - 1];
}

void ipcb_stats_compute(const double *x, size_t n, struct ipcb_stats *s)
{
	double *sorted, *dev;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (n == 0)
		return;

	/* One allocation: the sorted copy, then the absolute deviations. */
	if (n > SIZE_MAX / (2 * sizeof(double)))
		return;
	sorted = malloc(2 * n * sizeof(double));
	if (!sorted)
		return; /* all zero, n included: "no statistics" */
	dev = sorted + n;

	memcpy(sorted, x, n * sizeof(double));
	ipcb_sort_doubles(sorted, n);

	s->n = n;
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->median = ipcb_quantile_sorted(sorted, n, 0.5);
	s->p1 = ipcb_quantile_sorted(sorted, n, 0.01);
	s->p99 = ipcb_quantile_sorted(sorted, n, 0.99);
	mean_stddev(sorted, n, &s->mean, &s->stddev);
	median_ci(sorted, n, &s->ci95_lo, &s->ci95_hi);

	for (i = 0; i < n; i++)
		dev[i] = fabs(sorted[i] - s->median);
	ipcb_sort_doubles(dev, n);
	s->mad = ipcb_quantile_sorted(dev, n, 0.5);

	free(sorted);
}

double ipcb_stats_ci_rel(const struct ipcb_stats *s)
{
	double up, down;

	/* A relative width means nothing without a positive median. */
	if (!(s->median > 0))
		return INFINITY;
	up = s->ci95_hi - s->median;
	down = s->median - s->ci95_lo;
	return (up > down ? up : down) / s->median;
}

/* Student's t, two-sided 95%, for 1..30 degrees of freedom. */
static double t975(size_t df)
{
	static const double t[] = { 0,	   12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
				    2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
				    2.080, 2.074,  2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };

	if (df < sizeof(t) / sizeof(t[0]))
		return t[df];
	return 1.96 + 2.4 / (double)df; /* within 0.3% of the exact value past 30 */
}

void ipcb_stats_replicate_ci(const double *x, size_t n, double center, double *lo, double *hi)
{
	double mean, sd, half;

	*lo = *hi = center;
	if (n < 2)
		return;
	mean_stddev(x, n, &mean, &sd);
	/* the spread is the replicates' about their mean: a center elsewhere widens it by the gap */
	half = t975(n - 1) * sd / sqrt((double)n) + fabs(center - mean);
	*lo = center - half;
	*hi = center + half;
}

/*
 * Histogram. An all-zero struct is a valid empty histogram, so min and max
 * are only meaningful once count > 0 (add and merge check count, not a
 * UINT64_MAX sentinel, which would leak into output of empty histograms).
 */
void ipcb_hist_init(struct ipcb_hist *h)
{
	memset(h, 0, sizeof(*h));
}

/*
 * Below 2^SUB_BITS a value is its own bucket. Above, with the top set bit
 * at h, the group is h - SUB_BITS + 1 and the next SUB_BITS bits below the
 * top bit select one of SUB linear sub-buckets. Group 1 (h == SUB_BITS) has
 * width-1 buckets, so it continues the exact range seamlessly.
 */
size_t ipcb_hist_bucket(uint64_t v)
{
	unsigned int top, shift;

	if (v < IPCB_HIST_SUB)
		return (size_t)v;
	top = 63u - (unsigned int)__builtin_clzll(v);
	shift = top - IPCB_HIST_SUB_BITS;
	return (size_t)(top - IPCB_HIST_SUB_BITS + 1) * IPCB_HIST_SUB +
	       (size_t)((v >> shift) & (IPCB_HIST_SUB - 1));
}

/* Buckets past the end have no values; saturate rather than shift by >= 64. */
uint64_t ipcb_hist_bucket_lo(size_t b)
{
	unsigned int top, shift;

	if (b < IPCB_HIST_SUB)
		return (uint64_t)b;
	if (b >= IPCB_HIST_BUCKETS)
		return UINT64_MAX;
	top = (unsigned int)(b / IPCB_HIST_SUB) + IPCB_HIST_SUB_BITS - 1;
	shift = top - IPCB_HIST_SUB_BITS;
	return (UINT64_C(1) << top) |
	       ((uint64_t)(b % IPCB_HIST_SUB) << shift);
}

uint64_t ipcb_hist_bucket_hi(size_t b)
{
	unsigned int shift;

	if (b < IPCB_HIST_SUB)
		return (uint64_t)b;
	if (b >= IPCB_HIST_BUCKETS)
		return UINT64_MAX;
	shift = (unsigned int)(b / IPCB_HIST_SUB) - 1;
	/* Cannot overflow: the last bucket's hi is exactly UINT64_MAX. */
	return ipcb_hist_bucket_lo(b) + ((UINT64_C(1) << shift) - 1);
}

void ipcb_hist_add(struct ipcb_hist *h, uint64_t v)
{
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (h->count == 0 || v > h->max)
		h->max = v;
	h->count++;
	h->sum += (double)v;
	h->buckets[ipcb_hist_bucket(v)]++;
}

void ipcb_hist_merge(struct ipcb_hist *dst, const struct ipcb_hist *src)
{
	size_t b;

	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (b = 0; b < IPCB_HIST_BUCKETS; b++)
		dst->buckets[b] += src->buckets[b];
}

uint64_t ipcb_hist_quantile(const struct ipcb_hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	double r;
	size_t b;

	if (h->count == 0)
		return 0;
	/* The extremes are known exactly; don't round them to a bucket edge. */
	if (!(q > 0))
		return h->min;
	if (q >= 1)
		return h->max;

	r = ceil(q * (double)h->count);
	rank = r < 1 ? 1 : (r >= (double)h->count ? h->count : (uint64_t)r);

	for (b = 0; b < IPCB_HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			break;
	}
	/* Only reachable if buckets and count disagree (a corrupt struct). */
	if (b == IPCB_HIST_BUCKETS)
		return h->max;

	v = ipcb_hist_bucket_hi(b);
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}
