// SPDX-License-Identifier: MIT
/* handoff.c - (being written) */
#include "ipcbench.h"

static const struct ipcb_bench handoff_benches[] = {
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_handoff = {
	.name = "handoff",
	.what = "(being written)",
	.benches = handoff_benches,
};
