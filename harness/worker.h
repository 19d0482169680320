/* SPDX-License-Identifier: MIT */
/*
 * worker.h - each round of each job runs in a fresh worker process.
 *
 * Samples taken in one process are time-ordered and correlated, and a
 * process carries state from job to job (threads that glibc's lock fast
 * path depends on, the heap, signal dispositions, counters). So the process
 * is the unit of replication: `ipcbench run` is a manager that re-executes
 * its own binary for every round of every job (the pyperf model). The
 * manager discovers the topology and calibrates the timer once and hands
 * both over, so a worker measures and does not rediscover. The request goes
 * to the worker's stdin as JSON; its result (as result.c writes it) and the
 * round's samples come back on fd 3.
 */
#ifndef IPCB_WORKER_H
#define IPCB_WORKER_H

#include <jansson.h>
#include <stddef.h>

#include "measure.h"
#include "runner.h"

/* argv[1] of a worker: not a command users type. */
#define IPCB_WORKER_ARG "__worker"

/*
 * Run one round of job in a fresh worker process: its result into r and
 * its samples into *round (see ipcb_round_record); last: the final round
 * (latency pass, counters). A worker that crashes, exits without a record
 * or outlives its deadline is killed and yields a "failed" result saying
 * so. r is always set; free it with ipcb_result_free().
 */
void ipcb_worker_round(const struct ipcb_job *job, const struct ipcb_measure_opts *o, int last,
		       struct ipcb_result *r, json_t **round);

/* The worker's side: read the request from stdin, run, write the record to fd 3. Exit status. */
int ipcb_worker_main(void);

/* Start-up cost of the workers so far (fork to first byte of the record): median and count. */
void ipcb_worker_overhead(double *median_ms, size_t *count);

#endif
