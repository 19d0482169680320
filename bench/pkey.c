// SPDX-License-Identifier: MIT
/* pkey.c - (being written) */
#include "ipcbench.h"

static const struct ipcb_bench pkey_benches[] = {
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_pkey = {
	.name = "pkey",
	.what = "(being written)",
	.benches = pkey_benches,
};
