// SPDX-License-Identifier: MIT
/* contract.c - what a benchmark may call (ipcbench.h): its parameters, skip and note, metrics and attachments, per-operation laps. */
#include "ipcbench.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
	uint64_t now = ipcb_ticks_stop();

	ipcb_hist_add(ctx->lap_hist, (uint64_t)ipcb_ticks_to_ns(now - ctx->lap_last));
	ctx->lap_last = now;
}

static json_t *extra_object(struct ipcb_ctx *ctx, const char *key)
{
	json_t *o;

	if (!ctx->extra)
		ctx->extra = json_object();
	o = json_object_get(ctx->extra, key);
	if (!o) {
		o = json_object();
		json_object_set_new(ctx->extra, key, o);
	}
	return o;
}

void ipcb_metric(struct ipcb_ctx *ctx, const char *name, double value, const char *unit)
{
	json_object_set_new(extra_object(ctx, "metrics"), name,
			    json_pack("{s:f, s:s}", "value", value, "unit", unit ? unit : ""));
}

void ipcb_attach(struct ipcb_ctx *ctx, const char *key, json_t *value)
{
	json_object_set_new(extra_object(ctx, "attachments"), key, value);
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
