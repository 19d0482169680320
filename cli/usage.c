// SPDX-License-Identifier: MIT
/* usage.c - the one usage error every command prints. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int ipcb_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipcbench %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return IPCB_EXIT_USAGE;
}
