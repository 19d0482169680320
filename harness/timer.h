/* SPDX-License-Identifier: MIT */
/* timer.h - the cycle timer: rdtsc with fences on x86 with invariant TSC, else CLOCK_MONOTONIC_RAW. */
#ifndef IPCB_TIMER_H
#define IPCB_TIMER_H

#include <stdint.h>
#include <time.h>

struct ipcb_timer_info {
	const char *source;   /* "tsc" or "clock_gettime(CLOCK_MONOTONIC_RAW)" */
	const char *why;      /* why this source was chosen */
	double ticks_per_ns;  /* calibrated */
	double tsc_hz;	      /* 0 when not the TSC */
	double overhead_ns;   /* median cost of one start+stop pair with nothing between */
	double overhead_min_ns;
	double resolution_ns; /* smallest non-zero difference seen */
};

extern int ipcb_timer_use_tsc;

/* Choose the source, calibrate it against CLOCK_MONOTONIC_RAW and measure its overhead. */
void ipcb_timer_init(struct ipcb_timer_info *info);
const struct ipcb_timer_info *ipcb_timer(void);
/*
 * A worker process takes the manager's calibration instead of its own (one
 * calibration costs 20 ms and would differ slightly from worker to worker).
 * source is "tsc" or the portable clock; the strings are copied.
 */
void ipcb_timer_adopt(const struct ipcb_timer_info *info);

static inline uint64_t ipcb_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
/* lfence before rdtsc: earlier instructions finish before the read. */
static inline uint64_t ipcb_rdtsc_start(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* rdtscp waits for earlier instructions; lfence keeps later ones after it. */
static inline uint64_t ipcb_rdtsc_stop(void)
{
	uint32_t lo, hi, aux;

	__asm__ volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}
#endif

/* Ticks, for start and stop of a timed region. */
static inline uint64_t ipcb_ticks_start(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (ipcb_timer_use_tsc)
		return ipcb_rdtsc_start();
#endif
	return ipcb_clock_ns();
}

static inline uint64_t ipcb_ticks_stop(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (ipcb_timer_use_tsc)
		return ipcb_rdtsc_stop();
#endif
	return ipcb_clock_ns();
}

double ipcb_ticks_to_ns(uint64_t ticks);

#endif
