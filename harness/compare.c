// SPDX-License-Identifier: MIT
/* compare.c - (being written) */
#include <stdio.h>

#include "compare.h"

int ipcb_cmd_compare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ipcbench compare: not built yet\n");
	return 2;
}

int ipcb_cmd_export(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ipcbench export: not built yet\n");
	return 2;
}
