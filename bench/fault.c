// SPDX-License-Identifier: MIT
/* fault.c - (being written) */
#include "ipcbench.h"

static const struct ipcb_bench fault_benches[] = {
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_fault = {
	.name = "fault",
	.what = "(being written)",
	.benches = fault_benches,
};
