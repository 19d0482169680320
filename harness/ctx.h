/* SPDX-License-Identifier: MIT */
/*
 * ctx.h - the harness's part of a benchmark's context (ctx->engine): what
 * the engine keeps per job and a family never sees. The runner gives each
 * job one; contract.c and peer.c fill it through the family's calls.
 */
#ifndef IPCB_CTX_H
#define IPCB_CTX_H

#include <jansson.h>
#include <sys/types.h>

#include "ipcbench.h"

struct ipcb_hist;

struct ipcb_ctx_engine {
	uint64_t lap_last;	    /* ticks at the previous lap (or the body's start) */
	struct ipcb_hist *lap_hist; /* where the latency pass records laps */
	json_t *extra;		    /* metrics and attachments for the result */
	pid_t peer_tid;		    /* the peer's thread or process id, for counters */
};

/* Metrics and attachments so far (NULL if none); the context keeps its reference. */
json_t *ipcb_ctx_extra(const struct ipcb_ctx *ctx);
/* Drop them (after the result took them, or on a failed setup). */
void ipcb_ctx_extra_free(struct ipcb_ctx *ctx);

/*
 * Attach structured data under key in the result's "attachments"; steals
 * the reference. The engine's own: handoff's matrix uses it until the pair
 * sweep lives in the engine; families attach typed data (ipcbench.h).
 */
void ipcb_attach(struct ipcb_ctx *ctx, const char *key, json_t *value);

#endif
