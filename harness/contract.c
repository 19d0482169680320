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

int ipcb_fail(struct ipcb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
	va_end(ap);
	return -1;
}

void ipcb_lap_record(struct ipcb_ctx *ctx)
{
	struct ipcb_ctx_engine *e = ctx->engine;
	uint64_t now = ipcb_ticks_stop();

	ipcb_hist_add(e->lap_hist, (uint64_t)ipcb_ticks_to_ns(now - e->lap_last));
	e->lap_last = now;
}

/* The object under key in the result's extras; NULL for a context no job owns (a matrix's sub-measurement). */
static json_t *extra_object(struct ipcb_ctx *ctx, const char *key)
{
	struct ipcb_ctx_engine *e = ctx->engine;
	json_t *o;

	if (!e)
		return NULL;
	if (!e->extra)
		e->extra = json_object();
	o = json_object_get(e->extra, key);
	if (!o) {
		o = json_object();
		json_object_set_new(e->extra, key, o);
	}
	return o;
}

json_t *ipcb_ctx_extra(const struct ipcb_ctx *ctx)
{
	return ctx->engine ? ctx->engine->extra : NULL;
}

void ipcb_ctx_extra_free(struct ipcb_ctx *ctx)
{
	if (!ctx->engine)
		return;
	json_decref(ctx->engine->extra);
	ctx->engine->extra = NULL;
}

void ipcb_metric(struct ipcb_ctx *ctx, const char *name, double value, const char *unit)
{
	json_object_set_new(extra_object(ctx, "metrics"), name,
			    json_pack("{s:f, s:s}", "value", value, "unit", unit ? unit : ""));
}

void ipcb_attach(struct ipcb_ctx *ctx, const char *key, json_t *value)
{
	json_t *o = extra_object(ctx, "attachments");

	if (o)
		json_object_set_new(o, key, value);
	else
		json_decref(value);
}

void ipcb_attach_threads(struct ipcb_ctx *ctx, const int *cpu, const uint64_t *acquisitions, size_t n)
{
	json_t *per = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(per, json_pack("{s:i, s:I}", "cpu", cpu[i], "acquisitions",
						     (json_int_t)acquisitions[i]));
	ipcb_attach(ctx, "threads", per);
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
