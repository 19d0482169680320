/* SPDX-License-Identifier: MIT */
/*
 * test_stats.c - checks harness/stats.c against hand-computed values.
 *
 * Standalone: exits nonzero if any check fails, prints each failure with
 * file:line and expected/actual, and ends with one summary line.
 * Everything is deterministic (fixed PRNG seed); nothing here is timing.
 */
#include "stats.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned int passed, failed;

static void check(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("%s:%d: FAIL %s\n", file, line, what);
}

static void check_near(double exp, double act, double tol, const char *file,
		       int line, const char *what)
{
	/* Equal infinities compare equal; NaN never passes. */
	if (exp == act || fabs(exp - act) <= tol) {
		passed++;
		return;
	}
	failed++;
	printf("%s:%d: FAIL %s: expected %.17g, got %.17g (tol %g)\n", file,
	       line, what, exp, act, tol);
}

static void check_u64(uint64_t exp, uint64_t act, const char *file, int line,
		      const char *what)
{
	if (exp == act) {
		passed++;
		return;
	}
	failed++;
	printf("%s:%d: FAIL %s: expected %" PRIu64 ", got %" PRIu64 "\n", file,
	       line, what, exp, act);
}

#define CHECK(c) check(!!(c), __FILE__, __LINE__, #c)
#define NEAR(exp, act) check_near((exp), (act), 1e-9, __FILE__, __LINE__, #act)
#define EQ(exp, act)                                                           \
	check_u64((uint64_t)(exp), (uint64_t)(act), __FILE__, __LINE__, #act)

#define TOL 1e-9

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* xorshift64 (Marsaglia): fixed seed, so every run draws the same data. */
static uint64_t xorshift64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform on (0, 1): 53 random bits, offset by half a step so never 0. */
static double uniform01(void)
{
	return ((double)(xorshift64() >> 11) + 0.5) * 0x1p-53;
}

/* Fisher-Yates, so the "sorted" inputs really exercise the sort. */
static void shuffle(double *x, size_t n)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = (size_t)(xorshift64() % i);
		double t = x[i - 1];

		x[i - 1] = x[j];
		x[j] = t;
	}
}

static void test_empty(void)
{
	struct ipcb_stats s;

	memset(&s, 0xff, sizeof(s));
	ipcb_stats_compute(NULL, 0, &s);
	EQ(0, s.n);
	NEAR(0, s.min);
	NEAR(0, s.max);
	NEAR(0, s.median);
	NEAR(0, s.mean);
	NEAR(0, s.stddev);
	NEAR(0, s.p1);
	NEAR(0, s.p99);
	NEAR(0, s.mad);
	NEAR(0, s.ci95_lo);
	NEAR(0, s.ci95_hi);
	/* median 0: a relative width is meaningless, so "huge". */
	CHECK(ipcb_stats_ci_rel(&s) > 1e300);
	NEAR(0, ipcb_quantile_sorted(NULL, 0, 0.5));
}

/* n = 1: every statistic is the value, spreads are 0, CI is [x, x]. */
static void test_one(void)
{
	const double x[] = { 7.25 };
	struct ipcb_stats s;

	ipcb_stats_compute(x, 1, &s);
	EQ(1, s.n);
	NEAR(7.25, s.min);
	NEAR(7.25, s.max);
	NEAR(7.25, s.median);
	NEAR(7.25, s.mean);
	NEAR(0, s.stddev);
	NEAR(7.25, s.p1);
	NEAR(7.25, s.p99);
	NEAR(0, s.mad);
	NEAR(7.25, s.ci95_lo);
	NEAR(7.25, s.ci95_hi);
	NEAR(0, ipcb_stats_ci_rel(&s));
}

/*
 * {5,1,4,2,3}, sorted 1 2 3 4 5:
 *   median = x(3) = 3; mean = 15/5 = 3
 *   stddev: deviations -2 -1 0 1 2, squares sum 10, 10/4 = 2.5, sqrt 2.5
 *   p1: h = 4*0.01 = 0.04 -> 1 + 0.04*(2-1) = 1.04
 *   p99: h = 4*0.99 = 3.96 -> 4 + 0.96*(5-4) = 4.96
 *   mad: |x-3| = 2 1 0 1 2 -> sorted 0 1 1 2 2, median 1
 *   CI: half = 1.96*sqrt(5)/2 = 2.1913; j = floor(2.5-2.19) = 0 -> 1,
 *       k = ceil(3.5+2.19) = 6 -> 5; so [1, 5]
 *   ci_rel = max(5-3, 3-1)/3 = 2/3
 */
static void test_five(void)
{
	const double x[] = { 5, 1, 4, 2, 3 };
	struct ipcb_stats s;

	ipcb_stats_compute(x, 5, &s);
	EQ(5, s.n);
	NEAR(1, s.min);
	NEAR(5, s.max);
	NEAR(3, s.median);
	NEAR(3, s.mean);
	NEAR(sqrt(2.5), s.stddev);
	NEAR(1.04, s.p1);
	NEAR(4.96, s.p99);
	NEAR(1, s.mad);
	NEAR(1, s.ci95_lo);
	NEAR(5, s.ci95_hi);
	NEAR(2.0 / 3.0, ipcb_stats_ci_rel(&s));
}

/*
 * {10,2,8,4,6,12}, sorted 2 4 6 8 10 12:
 *   median = (6+8)/2 = 7 (type 7: h = 5*0.5 = 2.5); mean = 42/6 = 7
 *   stddev: deviations -5 -3 -1 1 3 5, squares 25+9+1+1+9+25 = 70,
 *           70/5 = 14, sqrt 14
 *   p1: h = 0.05 -> 2 + 0.05*2 = 2.1;  p99: h = 4.95 -> 10 + 0.95*2 = 11.9
 *   mad: |x-7| = 5 3 1 1 3 5 -> sorted 1 1 3 3 5 5, median (3+3)/2 = 3
 *   CI: half = 1.96*sqrt(6)/2 = 2.4005; j = floor(3-2.4) = 0 -> 1,
 *       k = ceil(4+2.4) = 7 -> 6; so [2, 12]
 */
static void test_six(void)
{
	const double x[] = { 10, 2, 8, 4, 6, 12 };
	struct ipcb_stats s;

	ipcb_stats_compute(x, 6, &s);
	EQ(6, s.n);
	NEAR(2, s.min);
	NEAR(12, s.max);
	NEAR(7, s.median);
	NEAR(7, s.mean);
	NEAR(sqrt(14), s.stddev);
	NEAR(2.1, s.p1);
	NEAR(11.9, s.p99);
	NEAR(3, s.mad);
	NEAR(2, s.ci95_lo);
	NEAR(12, s.ci95_hi);
}

/*
 * {1,1,2,2,4,6,9}: median x(4) = 2; |x-2| = 1 1 0 0 2 4 7 -> sorted
 * 0 0 1 1 2 4 7, median 1. mean = 25/7. Given shuffled.
 */
static void test_mad(void)
{
	const double x[] = { 9, 2, 1, 6, 2, 4, 1 };
	struct ipcb_stats s;

	ipcb_stats_compute(x, 7, &s);
	NEAR(2, s.median);
	NEAR(1, s.mad);
	NEAR(25.0 / 7.0, s.mean);
}

/*
 * {1e9+1, 1e9+2, 1e9+3}: mean 1e9+2, deviations -1 0 1, stddev
 * sqrt(2/2) = 1. A one-pass sum-of-squares formula loses this: x^2 ~ 1e18
 * is beyond 2^53, so the difference is rounding noise.
 */
static void test_stable_stddev(void)
{
	const double x[] = { 1e9 + 1, 1e9 + 3, 1e9 + 2 };
	struct ipcb_stats s;

	ipcb_stats_compute(x, 3, &s);
	NEAR(1e9 + 2, s.mean);
	NEAR(1, s.stddev);
}

/*
 * 1..30 shuffled: half = 1.96*sqrt(30)/2 = 5.3677,
 *   j = floor(15 - 5.3677) = floor(9.632) = 9, k = ceil(16 + 5.3677) = 22,
 *   so the CI is [x(9), x(22)] = [9, 22]; median (15+16)/2 = 15.5.
 */
static void test_ci_30(void)
{
	double x[30];
	struct ipcb_stats s;
	size_t i;

	for (i = 0; i < 30; i++)
		x[i] = (double)(i + 1);
	shuffle(x, 30);
	ipcb_stats_compute(x, 30, &s);
	NEAR(15.5, s.median);
	NEAR(9, s.ci95_lo);
	NEAR(22, s.ci95_hi);
	/* max(22-15.5, 15.5-9)/15.5 = 6.5/15.5 */
	NEAR(6.5 / 15.5, ipcb_stats_ci_rel(&s));
}

/*
 * 1..100 shuffled: half = 1.96*10/2 = 9.8, j = floor(50-9.8) = 40,
 *   k = ceil(51+9.8) = 61 -> CI [40, 61]; median (50+51)/2 = 50.5;
 *   p1: h = 99*0.01 = 0.99 -> 1.99;  p99: h = 98.01 -> 99 + 0.01 = 99.01;
 *   mean 50.5; stddev sqrt(n(n+1)/12) = sqrt(100*101/12) = sqrt(841.666..);
 *   mad: |x-50.5| takes 0.5, 1.5, .., 49.5 twice each; sorted, the 50th
 *   and 51st are 24.5 and 25.5, so the median is 25;
 *   ci_rel = max(61-50.5, 50.5-40)/50.5 = 10.5/50.5.
 */
static void test_ci_100(void)
{
	double x[100];
	struct ipcb_stats s;
	size_t i;

	for (i = 0; i < 100; i++)
		x[i] = (double)(i + 1);
	shuffle(x, 100);
	ipcb_stats_compute(x, 100, &s);
	NEAR(50.5, s.median);
	NEAR(40, s.ci95_lo);
	NEAR(61, s.ci95_hi);
	NEAR(1.99, s.p1);
	NEAR(99.01, s.p99);
	NEAR(50.5, s.mean);
	NEAR(sqrt(100.0 * 101.0 / 12.0), s.stddev);
	NEAR(25, s.mad);
	NEAR(10.5 / 50.5, ipcb_stats_ci_rel(&s));
}

/* A non-positive median has no relative CI width. */
static void test_ci_rel_nonpositive(void)
{
	const double x[] = { -3, -1, -2 };
	struct ipcb_stats s;

	ipcb_stats_compute(x, 3, &s);
	NEAR(-2, s.median);
	CHECK(ipcb_stats_ci_rel(&s) > 1e300);
}

/*
 * Coverage of the median CI: 2000 data sets of n = 31 from Exp(1), whose
 * true median is ln 2. For n = 31, j = floor(15.5 - 5.456) = 10 and
 * k = ceil(16.5 + 5.456) = 22; the interval covers iff 10 <= B <= 21 with
 * B ~ Binomial(31, 1/2), exactly 0.9706. The sd of the observed fraction
 * over 2000 sets is sqrt(.97*.03/2000) = 0.0038, so 0.93 is > 10 sd away.
 */
static void test_ci_coverage(void)
{
	enum { SETS = 2000, N = 31 };
	const double ln2 = log(2.0);
	double x[N];
	struct ipcb_stats s;
	unsigned int hit = 0, set;
	size_t i;

	for (set = 0; set < SETS; set++) {
		for (i = 0; i < N; i++)
			x[i] = -log(uniform01());
		ipcb_stats_compute(x, N, &s);
		if (s.ci95_lo <= ln2 && ln2 <= s.ci95_hi)
			hit++;
	}
	check_near(0.97, (double)hit / SETS, 0.04, __FILE__, __LINE__,
		   "coverage of the median CI (must be >= 0.93)");
	CHECK((double)hit / SETS >= 0.93);
}

/* ipcb_stats_compute works on a copy: the caller's order survives. */
static void test_input_untouched(void)
{
	double x[64], copy[64];
	struct ipcb_stats s;
	size_t i;

	for (i = 0; i < 64; i++)
		x[i] = uniform01() * 1000;
	memcpy(copy, x, sizeof(x));
	ipcb_stats_compute(x, 64, &s);
	CHECK(memcmp(copy, x, sizeof(x)) == 0);
	CHECK(s.min <= s.median && s.median <= s.max);
}

/* Type 7 directly, including out-of-range q. Sorted {10, 20, 30, 40}. */
static void test_quantile_sorted(void)
{
	const double x[] = { 10, 20, 30, 40 };

	NEAR(10, ipcb_quantile_sorted(x, 4, 0));
	NEAR(40, ipcb_quantile_sorted(x, 4, 1));
	NEAR(10, ipcb_quantile_sorted(x, 4, -1));
	NEAR(40, ipcb_quantile_sorted(x, 4, 2));
	/* h = 3*0.25 = 0.75 -> 10 + 0.75*10 = 17.5 */
	NEAR(17.5, ipcb_quantile_sorted(x, 4, 0.25));
	/* h = 1.5 -> 25 */
	NEAR(25, ipcb_quantile_sorted(x, 4, 0.5));
	/* h = 2.7 -> 30 + 0.7*10 = 37 */
	NEAR(37, ipcb_quantile_sorted(x, 4, 0.9));
}

/*
 * v must lie in [lo, hi] of its bucket, exactly (lo == hi == v) below 32,
 * and within relative width 1/2^SUB_BITS above: width * 32 <= v, since
 * v >= 2^top and the width is 2^(top - SUB_BITS). Prints what broke.
 */
static int roundtrip_ok(uint64_t v, int line)
{
	size_t b = ipcb_hist_bucket(v);
	uint64_t lo = ipcb_hist_bucket_lo(b), hi = ipcb_hist_bucket_hi(b);
	int ok = b < IPCB_HIST_BUCKETS && lo <= v && v <= hi;

	if (ok && v < IPCB_HIST_SUB)
		ok = lo == v && hi == v;
	else if (ok)
		ok = hi - lo + 1 <= v / IPCB_HIST_SUB;
	if (!ok)
		printf("%s:%d: FAIL v=%" PRIu64 ": bucket %zu is [%" PRIu64
		       ", %" PRIu64 "], expected it to hold v, width <= "
		       "max(1, v/32)\n", __FILE__, line, v, b, lo, hi);
	return ok;
}

/*
 * Hand values: 64..127 has top bit 6, group 2, width 2: bucket(64) =
 * bucket(65) = 64, bucket(66) = 65. 1000 has top bit 9 (512..1023), group
 * 5, width 16: 160 + ((1000 >> 4) & 31) = 160 + 30 = 190, [992, 1007].
 * UINT64_MAX: top 63, group 59, sub 31 -> 59*32+31 = 1919, the last.
 */
static void test_hist_buckets(void)
{
	static const uint64_t vals[] = {
		0, 1, 2, 31, 32, 33, 63, 64, 65, 66, 127, 128, 1000, 1023,
		1024, 1u << 20, (1ull << 40) - 1, 1ull << 40, (1ull << 40) + 1,
		1ull << 63, UINT64_MAX - 1, UINT64_MAX,
	};
	size_t i, b;
	int ok;

	EQ(0, ipcb_hist_bucket(0));
	EQ(31, ipcb_hist_bucket(31));
	EQ(32, ipcb_hist_bucket(32));
	EQ(63, ipcb_hist_bucket(63));
	EQ(64, ipcb_hist_bucket(64));
	EQ(64, ipcb_hist_bucket(65));
	EQ(65, ipcb_hist_bucket(66));
	EQ(190, ipcb_hist_bucket(1000));
	EQ(992, ipcb_hist_bucket_lo(190));
	EQ(1007, ipcb_hist_bucket_hi(190));
	EQ(IPCB_HIST_BUCKETS - 1, ipcb_hist_bucket(UINT64_MAX));
	EQ(UINT64_MAX, ipcb_hist_bucket_hi(IPCB_HIST_BUCKETS - 1));
	EQ(0, ipcb_hist_bucket_lo(0));

	ok = 1;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		ok &= roundtrip_ok(vals[i], __LINE__);
	CHECK(ok);

	/* Random values at every magnitude: shift a random word right. */
	ok = 1;
	for (i = 0; i < 100000 && ok; i++)
		ok = roundtrip_ok(xorshift64() >> (xorshift64() % 64), __LINE__);
	CHECK(ok);

	/* lo/hi are inverses of bucket and tile [0, UINT64_MAX] exactly. */
	ok = 1;
	for (b = 0; b < IPCB_HIST_BUCKETS && ok; b++) {
		uint64_t lo = ipcb_hist_bucket_lo(b), hi = ipcb_hist_bucket_hi(b);

		ok = ipcb_hist_bucket(lo) == b && ipcb_hist_bucket(hi) == b &&
		     lo <= hi;
		if (ok && b + 1 < IPCB_HIST_BUCKETS)
			ok = hi + 1 == ipcb_hist_bucket_lo(b + 1);
		if (!ok)
			printf("%s:%d: bucket %zu [%" PRIu64 ", %" PRIu64
			       "] breaks the tiling\n", __FILE__, __LINE__, b,
			       lo, hi);
	}
	CHECK(ok);
}

/*
 * Values 1..1000 once each, count 1000:
 *   p50: rank 500; 500 has top bit 8 (256..511), width 8, bucket
 *        [496, 503]; values <= 495 number 495 < 500 <= 503, so the
 *        answer is that bucket's hi, 503 (>= 500 and 3 <= 500/32).
 *   p99: rank 990; 990 in [976, 991] (width 16, 976 = 512 + 29*16) -> 991.
 *   p0.1: rank 1 -> value 1, exact bucket -> 1.  q=0 -> 1, q=1 -> 1000.
 */
static void test_hist_quantile(void)
{
	static struct ipcb_hist h, one;
	uint64_t v, p50;

	ipcb_hist_init(&h);
	for (v = 1; v <= 1000; v++)
		ipcb_hist_add(&h, v);
	EQ(1000, h.count);
	EQ(1, h.min);
	EQ(1000, h.max);
	NEAR(500500, h.sum);

	p50 = ipcb_hist_quantile(&h, 0.5);
	EQ(503, p50);
	CHECK(p50 >= 500 && p50 - 500 <= 500 / 32);
	EQ(991, ipcb_hist_quantile(&h, 0.99));
	EQ(1, ipcb_hist_quantile(&h, 0.001));
	EQ(1, ipcb_hist_quantile(&h, 0));
	EQ(1000, ipcb_hist_quantile(&h, 1));

	/* The clamp: 1000 alone sits in [992, 1007]; the answer is 1000. */
	ipcb_hist_init(&one);
	ipcb_hist_add(&one, 1000);
	EQ(1000, ipcb_hist_quantile(&one, 0.5));
	EQ(1000, ipcb_hist_quantile(&one, 0));

	/* Small values are exact: {3, 3, 7}: rank ceil(1.5) = 2 -> 3,
	 * rank ceil(0.67*3) = ceil(2.01) = 3 -> 7. */
	ipcb_hist_init(&one);
	ipcb_hist_add(&one, 7);
	ipcb_hist_add(&one, 3);
	ipcb_hist_add(&one, 3);
	EQ(3, ipcb_hist_quantile(&one, 0.5));
	EQ(7, ipcb_hist_quantile(&one, 0.67));

	/* Extremes of the range. */
	ipcb_hist_init(&one);
	ipcb_hist_add(&one, 0);
	ipcb_hist_add(&one, UINT64_MAX);
	EQ(0, one.min);
	EQ(UINT64_MAX, one.max);
	EQ(0, ipcb_hist_quantile(&one, 0.5));
	EQ(UINT64_MAX, ipcb_hist_quantile(&one, 0.75));
	EQ(UINT64_MAX, ipcb_hist_quantile(&one, 1));
}

static void test_hist_empty(void)
{
	static struct ipcb_hist h, zero;

	ipcb_hist_init(&h);
	EQ(0, h.count);
	EQ(0, ipcb_hist_quantile(&h, 0));
	EQ(0, ipcb_hist_quantile(&h, 0.5));
	EQ(0, ipcb_hist_quantile(&h, 1));
	/* A zeroed struct is an empty histogram too. */
	CHECK(memcmp(&h, &zero, sizeof(h)) == 0);
}

static int hist_equal(const struct ipcb_hist *a, const struct ipcb_hist *b)
{
	/* Values are < 2^32 and few, so every sum is exact in a double. */
	return a->count == b->count && a->min == b->min && a->max == b->max &&
	       a->sum == b->sum &&
	       memcmp(a->buckets, b->buckets, sizeof(a->buckets)) == 0;
}

/* merge(A, B) must equal the histogram of A's values plus B's. */
static void test_hist_merge(void)
{
	static struct ipcb_hist a, b, u, e;
	int i;

	ipcb_hist_init(&a);
	ipcb_hist_init(&b);
	ipcb_hist_init(&u);
	ipcb_hist_init(&e);
	for (i = 0; i < 5000; i++) {
		uint64_t v = (xorshift64() >> 32) >> (xorshift64() % 32);

		/* b holds the extremes so min and max must come from it. */
		ipcb_hist_add(i % 3 ? &a : &b, v + 10);
		ipcb_hist_add(&u, v + 10);
	}
	ipcb_hist_add(&b, 5);
	ipcb_hist_add(&u, 5);
	ipcb_hist_add(&b, 1ull << 33);
	ipcb_hist_add(&u, 1ull << 33);

	ipcb_hist_merge(&a, &b);
	CHECK(hist_equal(&a, &u));
	EQ(5, a.min);
	EQ(1ull << 33, a.max);

	/* Merging an empty histogram changes nothing (min stays, not 0). */
	ipcb_hist_merge(&a, &e);
	CHECK(hist_equal(&a, &u));

	/* Merging into an empty one copies. */
	ipcb_hist_merge(&e, &u);
	CHECK(hist_equal(&e, &u));
}

/*
 * The between-process interval from round medians: center +/- (t * s / sqrt(n) + |center - mean|).
 * x = {10, 12, 14}: mean 12, s = 2, t(0.975, 2) = 4.303, half = 4.303 * 2 / sqrt(3).
 */
static void test_replicate_ci(void)
{
	const double x[] = { 10, 12, 14 }, two[] = { 1, 3 };
	double lo, hi, half = 4.303 * 2 / sqrt(3.0);

	ipcb_stats_replicate_ci(x, 3, 12, &lo, &hi);
	NEAR(12 - half, lo);
	NEAR(12 + half, hi);
	/* centred on the figure reported (the pooled median), widened by its gap to the replicates' mean */
	ipcb_stats_replicate_ci(x, 3, 11, &lo, &hi);
	NEAR(11 - half - 1, lo);
	NEAR(11 + half + 1, hi);
	/* n = 2: t(0.975, 1) = 12.706, s = sqrt(2) */
	ipcb_stats_replicate_ci(two, 2, 2, &lo, &hi);
	NEAR(2 + 12.706 * sqrt(2.0) / sqrt(2.0), hi);
	/* one replicate says nothing about a rerun: the interval is the point */
	ipcb_stats_replicate_ci(x, 1, 10, &lo, &hi);
	CHECK(lo == 10 && hi == 10);
	/* identical replicates: zero width */
	{
		const double same[] = { 5, 5, 5, 5 };

		ipcb_stats_replicate_ci(same, 4, 5, &lo, &hi);
		CHECK(lo == 5 && hi == 5);
	}
}

int main(void)
{
	test_empty();
	test_one();
	test_five();
	test_six();
	test_mad();
	test_stable_stddev();
	test_ci_30();
	test_ci_100();
	test_ci_rel_nonpositive();
	test_ci_coverage();
	test_input_untouched();
	test_quantile_sorted();
	test_hist_buckets();
	test_hist_quantile();
	test_hist_empty();
	test_hist_merge();
	test_replicate_ci();

	printf("test_stats: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
