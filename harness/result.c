// SPDX-License-Identifier: MIT
/*
 * result.c - the JSON layout of a result, in one place: written by the
 * engine, read back (and validated) by every reporter. See result.h.
 */
#include "result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

json_t *ipcb_hist_json(const struct ipcb_hist *h, double ns_per_unit)
{
	json_t *buckets = json_array();
	size_t b;

#define NS(x) ((json_int_t)((double)(x) * ns_per_unit))
	for (b = 0; b < IPCB_HIST_BUCKETS; b++)
		if (h->buckets[b])
			json_array_append_new(buckets, json_pack("[I, I, I]", NS(ipcb_hist_bucket_lo(b)),
								 NS(ipcb_hist_bucket_hi(b)), (json_int_t)h->buckets[b]));
	return json_pack("{s:s, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:o}", "unit", "ns", "count",
			 (json_int_t)h->count, "min", NS(h->min), "max", NS(h->max), "mean",
			 h->count ? h->sum / (double)h->count * ns_per_unit : 0.0, "p50", NS(ipcb_hist_quantile(h, 0.5)),
			 "p90", NS(ipcb_hist_quantile(h, 0.9)), "p99", NS(ipcb_hist_quantile(h, 0.99)), "p999",
			 NS(ipcb_hist_quantile(h, 0.999)), "buckets", buckets);
#undef NS
}
