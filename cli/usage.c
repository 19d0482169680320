// SPDX-License-Identifier: MIT
/* usage.c - the one usage error every command prints, and what a parse outcome exits with. */
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

enum ipcb_exit ipcb_parse_exit(enum ipcb_parse p)
{
	switch (p) {
	case IPCB_PARSE_USAGE:
		return IPCB_EXIT_USAGE;
	case IPCB_PARSE_FAILED:
		return IPCB_EXIT_FAILED;
	default: /* parsed, or --help printed */
		return IPCB_EXIT_OK;
	}
}
