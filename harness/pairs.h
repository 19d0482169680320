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

#include <stddef.h>
#include <stdint.h>

#include "ipcbench.h"

/*
 * A sweep over the ordered pairs of n CPUs (a core-to-core matrix): how many
 * pairs fit in budget_ms and how long each is sampled. budget_ms 0 means
 * every pair at 10 ms, within 1 s to 10 min; a larger budget gives a pair at
 * most 100 ms, a smaller one a fixed random sample of pairs at 10 ms each.
 */
struct ipcb_pair_plan {
	size_t total;	 /* n(n-1) ordered pairs */
	size_t planned;	 /* how many fit */
	double pair_s;	 /* sampling time of one pair */
	double budget_s; /* planned x pair_s */
};
void ipcb_pair_plan(int ncpus, int64_t budget_ms, struct ipcb_pair_plan *p);

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
