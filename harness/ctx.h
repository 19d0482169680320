/* SPDX-License-Identifier: MIT */
/*
 * ctx.h - the harness's part of a benchmark's context (ctx->engine): what
 * the engine keeps per job and a family never sees. The runner gives each
 * job one; contract.c and peer.c fill it through the family's calls.
 */
#ifndef IPCB_CTX_H
#define IPCB_CTX_H

#include <sys/types.h>

#include "ipcbench.h"
#include "result.h"

struct ipcb_hist;

struct ipcb_ctx_engine {
	uint64_t lap_last;	    /* ticks at the previous lap (or the body's start) */
	struct ipcb_hist *lap_hist; /* where the latency pass records laps */
	struct ipcb_result extra;   /* the metrics and attachments the benchmark gave, for the result */
	pid_t peer_tid;		    /* the peer's thread or process id, for counters */
};

/* The metrics and attachments so far; NULL for a context without engine storage. */
struct ipcb_result *ipcb_ctx_extra(struct ipcb_ctx *ctx);
/* Drop them (after the result took them, or on a failed setup). */
void ipcb_ctx_extra_free(struct ipcb_ctx *ctx);

#endif
