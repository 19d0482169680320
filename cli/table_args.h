/* SPDX-License-Identifier: MIT */
/*
 * table_args.h - the options `compare` and `export` share (--format, --only,
 * --label, --no-skipped; compare's --fail-above and --group), parsed once,
 * and the files they name loaded.
 */
#ifndef IPCB_TABLE_ARGS_H
#define IPCB_TABLE_ARGS_H

#include <stddef.h>

#include "compare.h"

struct ipcb_table_args {
	struct ipcb_compare_opts o;	   /* as parsed; export takes its format, only and no_skipped */
	struct ipcb_compare_group *groups; /* o.groups, owned here */
	char **labels;			   /* --label FILE=NAME */
	int nlabels;
	char **paths; /* the files in command-line order; a group's files are contiguous */
	size_t npaths;
	int help; /* --help was printed: nothing else to do */
};

/*
 * Parse cmd's options and files into to (to->o.format holds the default);
 * help is cmd's --help text. IPCB_EXIT_OK, or IPCB_EXIT_USAGE with the
 * message printed.
 */
int ipcb_table_args_parse(const char *cmd, int argc, char **argv, struct ipcb_table_args *to, const char *help);
void ipcb_table_args_free(struct ipcb_table_args *to);
/* Load and label to->paths into files[0..npaths): IPCB_EXIT_OK, or IPCB_EXIT_USAGE with one line naming the file. */
int ipcb_table_args_load(const char *cmd, struct ipcb_rfile *files, const struct ipcb_table_args *to);

#endif
