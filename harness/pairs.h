/* SPDX-License-Identifier: MIT */
/*
 * pairs.h - the pair sweep (engine-private). A two-thread benchmark that
 * declares pair_sweep is measured by the engine on every ordered pair of
 * the CPUs this process may use (a fixed random sample within budget_ms,
 * see ipcb_pair_plan), with its own setup, body and teardown and the
 * sampler of measure.c, into a CPU x CPU matrix; the job then measures one
 * pair, its headline, like any two-thread job.
 */
#ifndef IPCB_PAIRS_H
#define IPCB_PAIRS_H

#include "ipcbench.h"

/*
 * The headline pair: ctx->cpus[0] and the first other CPU this process may
 * use, set in ctx->cpus[1]. 0, or -1 with ctx->why when there is none.
 */
int ipcb_pair_peer(struct ipcb_ctx *ctx);

/*
 * Before the job's setup, on the worker's measuring thread: measure every
 * planned pair a -> b (a measures, b answers) into a struct ipcb_rmatrix,
 * attached to the result as attachments.matrix with its headline pair
 * ctx->cpus[0] -> ctx->cpus[1] (ipcb_pair_peer); add the metrics
 * pair_min_ns and pair_max_ns and notes; pin the thread back to
 * ctx->cpus[0]. 0, or -1 with ctx->why: the job is skipped.
 */
int ipcb_pair_sweep(struct ipcb_ctx *ctx);

#endif
