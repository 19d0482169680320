// SPDX-License-Identifier: MIT
/*
 * contract.c - what a benchmark may call (ipcbench.h): its parameters, skip
 * and note, metrics and attachments, per-operation laps, and the timer for
 * timestamps that are a benchmark's data. The engine's side of a context is
 * ctx->engine (ctx.h).
 */
#include "ipcbench.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "registry.h"
#include "stats.h"
#include "timer.h"

int64_t ipcb_param(const struct ipcb_ctx *ctx, const char *name)
{
	int i = ipcb_param_index(ctx->bench, name);

	return i < 0 ? 0 : ctx->params[i];
}

int ipcb_skip(struct ipcb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* the same mechanism under the name of the other outcome (ipcbench.h) */
int ipcb_fail(struct ipcb_ctx *ctx, const char *fmt, ...) __attribute__((alias("ipcb_skip")));

void ipcb_lap_record(struct ipcb_ctx *ctx)
{
	struct ipcb_ctx_engine *e = ctx->engine;
	uint64_t now = ipcb_ticks_stop();

	ipcb_hist_add(e->lap_hist, (uint64_t)ipcb_ticks_to_ns(now - e->lap_last));
	e->lap_last = now;
}

struct ipcb_result *ipcb_ctx_extra(struct ipcb_ctx *ctx)
{
	return ctx->engine ? &ctx->engine->extra : NULL;
}

void ipcb_ctx_extra_free(struct ipcb_ctx *ctx)
{
	if (ctx->engine)
		ipcb_result_free(&ctx->engine->extra);
}

/* A benchmark that runs out of memory here loses a figure, not the result. */
void ipcb_metric(struct ipcb_ctx *ctx, const char *name, double value, const char *unit)
{
	struct ipcb_result *x = ipcb_ctx_extra(ctx);

	if (x)
		(void)ipcb_result_set_metric(x, name, value, unit);
}

void ipcb_attach_threads(struct ipcb_ctx *ctx, const int *cpu, const uint64_t *acquisitions, size_t n)
{
	struct ipcb_result *x = ipcb_ctx_extra(ctx);

	if (x)
		(void)ipcb_result_set_threads(x, cpu, acquisitions, n);
}

uint64_t ipcb_ticks(void)
{
	return ipcb_ticks_stop();
}

int ipcb_ticks_are_tsc(char *why, size_t len)
{
	if (ipcb_timer_use_tsc)
		return 1;
	snprintf(why, len, "%s", ipcb_timer()->why);
	return 0;
}

void ipcb_note(struct ipcb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->nnotes >= IPCB_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->notes[ctx->nnotes++], IPCB_NOTE_LEN, fmt, ap);
	va_end(ap);
}
