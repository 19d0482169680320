// SPDX-License-Identifier: MIT
/*
 * export.c - `ipcbench export RESULT.json...`: its --help, its options
 * (shared with compare: table_args.c) and its exit status. report/export.c
 * builds the table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "export.h"
#include "table_args.h"

static const char export_help[] =
	"usage: ipcbench export RESULT.json [RESULT.json...] [--format csv|markdown|latex] [OPTIONS]\n"
	"\n"
	"One row per result: id, params, placement, cpus, unit, per, status, n, min, median,\n"
	"mean, p99, the reported 95% interval of the median (interval95: the wider of the\n"
	"within-process and the between-rounds interval; stats.ci95 in older files), ci95_rel,\n"
	"unstable, and the reason of a skipped or failed\n"
	"result. With several files, a first column names the machine.\n"
	"\n"
	"  --format csv|markdown|latex  csv (default: exact numbers, RFC 4180 quoting), a\n"
	"                               markdown table (three significant digits), or a booktabs\n"
	"                               LaTeX table for a paper (median +- interval, p99, rounds)\n"
	"  --label FILE=NAME            name the machine of FILE (its path or file name) NAME\n"
	"  --no-skipped                 leave out skipped and failed results (counted on stderr)\n"
	"  --only PATTERN               only ids matching this fnmatch pattern; repeat for several\n"
	"  -h, --help\n"
	"\n"
	"exit status: 0, 2 bad input (the message names the file and the position)\n";

int ipcb_cmd_export(int argc, char **argv)
{
	struct ipcb_table_args to = { .o.format = IPCB_FMT_CSV };
	struct ipcb_export_opts o;
	struct ipcb_rfile *files = NULL;
	int rc;

	rc = ipcb_table_args_parse("export", argc, argv, &to, export_help);
	if (rc || to.help)
		goto out;
	if (to.npaths < 1) {
		rc = ipcb_usage_error("export", "expected a results file (see --help)");
		goto out;
	}
	files = calloc(to.npaths, sizeof(*files));
	rc = ipcb_table_args_load("export", files, &to);
	if (rc)
		goto out;
	o = (struct ipcb_export_opts){ .format = to.o.format,
				       .only = to.o.only,
				       .nonly = to.o.nonly,
				       .no_skipped = to.o.no_skipped };
	if (ipcb_export_rows(files, to.npaths, &o, stdout))
		rc = ipcb_usage_error("export", "no result matches --only");
	ipcb_rfiles_free(files, to.npaths);
out:
	free(files);
	ipcb_table_args_free(&to);
	return rc;
}
