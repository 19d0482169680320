/* SPDX-License-Identifier: MIT */
/*
 * ipcbench_explain.h - what a family's explain hook (struct ipcb_family's
 * explain) may ask of a finished run and add to it: medians, notes on
 * results, a sweep's crossover, and facts of the machine the run recorded.
 * Part of the family contract with ipcbench.h; implemented in explain.c.
 */
#ifndef IPCBENCH_EXPLAIN_H
#define IPCBENCH_EXPLAIN_H

#include <stdint.h>

#include "ipcbench.h"

/* The median of an ok result (first match), or -1. placement NULL: any. */
double ipcb_result_median(const struct ipcb_results *rs, const char *id, const char *placement);
/*
 * The same, restricted to results whose params match a filter such as
 * "batch=64,target=pipe" (integers compare as numbers, choices by name;
 * params not named are free). NULL or "" matches every result.
 */
double ipcb_result_median_where(const struct ipcb_results *rs, const char *id, const char *placement,
				const char *filter);
/* Add a note to every ok result with this id (and placement, unless NULL) whose params match filter. */
void ipcb_result_note_where(struct ipcb_results *rs, const char *id, const char *placement, const char *filter,
			    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same, whatever the params. */
#define ipcb_result_note(rs, id, placement, ...) ipcb_result_note_where(rs, id, placement, NULL, __VA_ARGS__)
/*
 * A sweep's crossover, as a note on id's results: from which value of param
 * (ascending, as found in this run) id's median drops below reference's, or
 * that it never does. filter holds params both share, own those of id only;
 * placement NULL compares across placements.
 */
void ipcb_explain_crossover(struct ipcb_results *rs, const char *id, const char *reference, const char *placement,
			    const char *param, const char *filter, const char *own);

/*
 * The machine the run recorded (its results file's "machine"), never the one
 * explaining. A path names a field: "hypervisor", "system.cpuidle.driver";
 * an array element by its index: "system.cpuidle.states.2.name".
 */
/* The string at path, or NULL (absent, or not a string). */
const char *ipcb_machine_string(const struct ipcb_results *rs, const char *path);
/* 0 and the integer at path in *v, or -1 (absent, or not an integer). */
int ipcb_machine_int(const struct ipcb_results *rs, const char *path, int64_t *v);
/* 1 when the value at path is true, else 0. */
int ipcb_machine_true(const struct ipcb_results *rs, const char *path);
/* The length of the array at path, 0 when there is none. */
size_t ipcb_machine_count(const struct ipcb_results *rs, const char *path);

#endif
