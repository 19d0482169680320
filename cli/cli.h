/* SPDX-License-Identifier: MIT */
/* cli.h - what the commands share: exit codes, the usage error, and each command's entry point. */
#ifndef IPCB_CLI_H
#define IPCB_CLI_H

/* The exit codes of every command (README "Exit codes"). */
enum ipcb_exit {
	IPCB_EXIT_OK = 0,
	IPCB_EXIT_FAILED = 1,	    /* something failed: a benchmark, a check, a regression past --fail-above */
	IPCB_EXIT_USAGE = 2,	    /* bad input: nothing was run or written */
	IPCB_EXIT_INTERRUPTED = 130 /* Ctrl-C: what was done is written */
};

/* "ipcbench CMD: <message>" on stderr; returns IPCB_EXIT_USAGE. */
int ipcb_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int ipcb_cmd_compare(int argc, char **argv); /* cli/compare.c */
int ipcb_cmd_export(int argc, char **argv);  /* cli/export.c */
int ipcb_cmd_plot(int argc, char **argv);    /* cli/plot.c */

#endif
