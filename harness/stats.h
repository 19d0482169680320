/* SPDX-License-Identifier: MIT */
/* stats.h - order statistics on samples, CI of the median, log-linear histograms. */
#ifndef IPCB_STATS_H
#define IPCB_STATS_H

#include <stddef.h>
#include <stdint.h>

struct ipcb_stats {
	size_t n;
	double min, max, median, mean, stddev; /* stddev: sample (n-1) */
	double p1, p99;			       /* linear interpolation (type 7) */
	double mad;			       /* median |x - median|, unscaled */
	double ci95_lo, ci95_hi; /* distribution-free CI of the median */
};

/*
 * Compute the statistics of x[0..n). x is not modified. With n == 0 every
 * field is 0. The CI of the median uses order statistics: ranks
 * j = floor(n/2 - 1.96*sqrt(n)/2), k = ceil(n/2 + 1 + 1.96*sqrt(n)/2)
 * (1-based, clamped to [1, n]), so [x(j), x(k)] covers the median with
 * probability >= 95% for any continuous distribution.
 */
void ipcb_stats_compute(const double *x, size_t n, struct ipcb_stats *s);

/* Sort ascending in place. */
void ipcb_sort_doubles(double *x, size_t n);

/* The q-quantile (0..1) of sorted[0..n), linear interpolation. */
double ipcb_quantile_sorted(const double *sorted, size_t n, double q);

/* Half-width of the CI relative to the median: max(hi-med, med-lo)/med. */
double ipcb_stats_ci_rel(const struct ipcb_stats *s);

/*
 * A 95% interval for a figure from n independent replicates x[0..n) (the
 * medians of rounds, each measured in its own process): center +/- (t(0.975,
 * n-1) * s / sqrt(n) + |center - mean|), s the replicates' standard
 * deviation: the interval of their mean, widened by how far the figure
 * reported (the pooled median) sits from that mean. Few replicates give a
 * wide interval, as they should. n < 2: lo = hi = center.
 */
void ipcb_stats_replicate_ci(const double *x, size_t n, double center, double *lo, double *hi);

/*
 * A log-linear histogram of non-negative integer values (nanoseconds):
 * values below 2^IPCB_HIST_SUB_BITS are exact; above, each power of two is
 * split into 2^IPCB_HIST_SUB_BITS linear buckets, so a bucket is at most
 * 1/2^IPCB_HIST_SUB_BITS (3%) wide relative to its value.
 */
#define IPCB_HIST_SUB_BITS 5
#define IPCB_HIST_SUB (1u << IPCB_HIST_SUB_BITS)
#define IPCB_HIST_BUCKETS ((64 - IPCB_HIST_SUB_BITS + 1) * IPCB_HIST_SUB)

struct ipcb_hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t buckets[IPCB_HIST_BUCKETS];
};

void ipcb_hist_init(struct ipcb_hist *h);
void ipcb_hist_add(struct ipcb_hist *h, uint64_t v);
void ipcb_hist_merge(struct ipcb_hist *dst, const struct ipcb_hist *src);
size_t ipcb_hist_bucket(uint64_t v);
uint64_t ipcb_hist_bucket_lo(size_t b); /* smallest value in bucket b */
uint64_t ipcb_hist_bucket_hi(size_t b); /* largest value in bucket b */
/*
 * The q-quantile (0..1): the upper bound of the bucket holding the value of
 * rank ceil(q*count), clamped to [min, max]. 0 when empty.
 */
uint64_t ipcb_hist_quantile(const struct ipcb_hist *h, double q);

#endif
