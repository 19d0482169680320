// SPDX-License-Identifier: MIT
/*
 * timer.c - choose, calibrate and characterise the timer.
 *
 * The TSC is used only when it is invariant (CPUID 0x80000007 EDX[8]): then
 * it ticks at a constant rate across frequency changes and idle states, and
 * reading it costs tens of cycles instead of a vDSO call. Its rate is
 * calibrated against CLOCK_MONOTONIC_RAW over a few milliseconds.
 */
#include "timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "stats.h"

int ipcb_timer_use_tsc;
static struct ipcb_timer_info timer_info;
static int timer_ready;

double ipcb_ticks_to_ns(uint64_t ticks)
{
	return (double)ticks / timer_info.ticks_per_ns;
}

/* One calibration window: TSC ticks per ns over about window_ns. */
static double tsc_rate(uint64_t window_ns)
{
	uint64_t c0, c1, t0, t1;

	t0 = ipcb_clock_ns();
	c0 = ipcb_ticks_start();
	do {
		t1 = ipcb_clock_ns();
	} while (t1 - t0 < window_ns);
	c1 = ipcb_ticks_stop();
	return (double)(c1 - c0) / (double)(t1 - t0);
}

static void calibrate_tsc(struct ipcb_timer_info *info)
{
	double r[5];
	int i;

	/* the median of five 4 ms windows rejects one preempted window */
	for (i = 0; i < 5; i++)
		r[i] = tsc_rate(4000000);
	ipcb_sort_doubles(r, 5);
	info->ticks_per_ns = r[2];
	info->tsc_hz = r[2] * 1e9;
}

/* The cost of an empty timed region: what every sample carries. */
static void measure_overhead(struct ipcb_timer_info *info)
{
	enum { N = 2001 };
	static double d[N];
	double res = 0;
	struct ipcb_stats s;
	int i;

	for (i = 0; i < N; i++) {
		uint64_t a = ipcb_ticks_start();
		uint64_t b = ipcb_ticks_stop();

		d[i] = ipcb_ticks_to_ns(b - a);
		if (d[i] > 0 && (res == 0 || d[i] < res))
			res = d[i];
	}
	ipcb_stats_compute(d, N, &s);
	info->overhead_ns = s.median;
	info->overhead_min_ns = s.min;
	info->resolution_ns = res;
}

void ipcb_timer_init(struct ipcb_timer_info *info)
{
	if (!timer_ready) {
		struct ipcb_timer_info *t = &timer_info;

#if defined(__x86_64__) || defined(__i386__)
		if (ipcb_have_invariant_tsc() && !getenv("IPCBENCH_NO_TSC")) {
			ipcb_timer_use_tsc = 1;
			t->source = "tsc";
			t->why = "invariant TSC (CPUID 0x80000007 EDX[8]): constant rate, read with lfence;rdtsc / rdtscp;lfence";
			calibrate_tsc(t);
		} else {
			t->source = "clock_gettime(CLOCK_MONOTONIC_RAW)";
			t->why = ipcb_have_invariant_tsc() ? "TSC disabled by IPCBENCH_NO_TSC" :
							    "TSC is not invariant: its rate may change with frequency";
			t->ticks_per_ns = 1.0;
		}
#else
		t->source = "clock_gettime(CLOCK_MONOTONIC_RAW)";
		t->why = "not x86: the portable clock";
		t->ticks_per_ns = 1.0;
#endif
		measure_overhead(t);
		timer_ready = 1;
	}
	if (info)
		*info = timer_info;
}

void ipcb_timer_adopt(const struct ipcb_timer_info *info)
{
	static char source[64], why[256];

	timer_info = *info;
	snprintf(source, sizeof(source), "%s", info->source ? info->source : "");
	snprintf(why, sizeof(why), "%s", info->why ? info->why : "");
	timer_info.source = source;
	timer_info.why = why;
#if defined(__x86_64__) || defined(__i386__)
	ipcb_timer_use_tsc = strcmp(source, "tsc") == 0;
#endif
	timer_ready = 1;
}

const struct ipcb_timer_info *ipcb_timer(void)
{
	if (!timer_ready)
		ipcb_timer_init(NULL);
	return &timer_info;
}
