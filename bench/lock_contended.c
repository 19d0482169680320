// SPDX-License-Identifier: MIT
/* lock_contended.c - (being written) */
#include "ipcbench.h"

static const struct ipcb_bench lock_contended_benches[] = {
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_lock_contended = {
	.name = "lock-contended",
	.what = "(being written)",
	.benches = lock_contended_benches,
};
