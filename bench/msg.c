// SPDX-License-Identifier: MIT
/* msg.c - (being written) */
#include "ipcbench.h"

static const struct ipcb_bench msg_benches[] = {
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_msg = {
	.name = "msg",
	.what = "(being written)",
	.benches = msg_benches,
};
