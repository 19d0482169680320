/* SPDX-License-Identifier: MIT */
/*
 * counters.h - hardware and software event counts per unit of work
 * (libpfm4 resolves names, perf_event_open counts). Never fatal: an event the
 * machine cannot count is reported unavailable with the reason.
 */
#ifndef IPCB_COUNTERS_H
#define IPCB_COUNTERS_H

#include <jansson.h>
#include <sys/types.h>

#define IPCB_COUNTERS_DEFAULT "cycles,instructions,context-switches,cache-misses"

#include "result.h"

struct ipcb_counters;

/*
 * Resolve a comma-separated event list and open it as one group on thread
 * tid (0: the calling thread), user-only when perf_event_paranoid demands.
 * Returns NULL only on allocation failure; events that cannot be opened are
 * kept with their reason.
 */
struct ipcb_counters *ipcb_counters_open(const char *list, pid_t tid);
/* Start counting (group enable); stop and add what was counted to the totals. */
void ipcb_counters_start(struct ipcb_counters *c);
void ipcb_counters_stop(struct ipcb_counters *c);
/*
 * What was counted over ops units of work, per event (per_op, total, whether
 * multiplexing scaled it; or why the event is not available) and the IPC
 * when cycles and instructions both counted, into out (the result's counters
 * of one thread; freed with the result). 0, or -1 when out of memory.
 */
int ipcb_counters_result(const struct ipcb_counters *c, double ops, struct ipcb_rcounters *out);
void ipcb_counters_close(struct ipcb_counters *c);
/* The events libpfm4 offers on this CPU (for `ipcbench info --events`). */
json_t *ipcb_counters_events(void);

#endif
