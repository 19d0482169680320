// SPDX-License-Identifier: MIT
/* plot.c - (being written) */
#include <stdio.h>

#include "plot.h"

int ipcb_cmd_plot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ipcbench plot: not built yet\n");
	return 2;
}
