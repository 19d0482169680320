// SPDX-License-Identifier: MIT
/* batch.c - (being written) */
#include "ipcbench.h"

static const struct ipcb_bench batch_benches[] = {
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_batch = {
	.name = "batch",
	.what = "(being written)",
	.benches = batch_benches,
};
