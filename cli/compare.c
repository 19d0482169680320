// SPDX-License-Identifier: MIT
/*
 * compare.c - `ipcbench compare A.json B.json ...`: its --help, its options
 * (shared with export: table_args.c), and its exit status: 1 when the
 * regression gate trips, 2 for bad input. report/compare.c builds the table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "compare.h"
#include "table_args.h"

static const char compare_help[] =
	"usage: ipcbench compare A.json B.json [C.json...] [OPTIONS]\n"
	"\n"
	"Match results across results files, from one machine or several, and print the\n"
	"medians side by side with the ratio to the first file (A) and a significance mark.\n"
	"\n"
	"Matching: by (id, params, placement); where a file's machine lacks the placement\n"
	"(the nearest pair of cores shares a cache on one machine, not on another), by the\n"
	"placement's role (nearest-core, farthest, ...), and the row says \"matched by role\".\n"
	"\n"
	"Significance is tested on replicates: each round of a result ran in its own worker\n"
	"process, and its median (round_medians in the file) is one replicate. The test is\n"
	"Mann-Whitney U, exact, two-sided, on the round medians of the two files; it needs\n"
	"4 or more rounds on each side, else the row says \"too few rounds to test\". The\n"
	"samples inside one process are not used: they are time-ordered and correlated, so\n"
	"a test over them calls two runs of the same binary different. A file written before\n"
	"round medians were stored counts as one replicate.\n"
	"\n"
	"The header says what differs between the machines and runs (CPU model, family/model/\n"
	"stepping, TSC rate, caches, placements, kernel, mitigations, hypervisor, tool version,\n"
	"settings). Results only some files have, and skipped or failed ones, are listed with\n"
	"their reasons.\n"
	"\n"
	"  --format text|markdown|csv|latex\n"
	"                               output format (default text; csv has exact numbers,\n"
	"                               p-values, the test used and the number of rounds, and\n"
	"                               no header; latex is a booktabs table of the compared\n"
	"                               rows, 3 significant digits, the interval as +-, the marks\n"
	"                               explained in a note below it)\n"
	"  --group NAME=FILE,FILE,...   pool several files (nodes of one machine type) as one\n"
	"                               column: the median of their medians, the min-max spread\n"
	"                               of the node medians, and an outlier node named; the test\n"
	"                               pools the nodes' round medians. Repeat for several groups;\n"
	"                               columns follow the command line\n"
	"  --label FILE=NAME            name the machine of FILE (its path or file name) NAME\n"
	"  --no-skipped                 only compared rows; one line counts the others (missing,\n"
	"                               skipped or failed) instead of listing each reason\n"
	"  --only PATTERN               only ids matching this fnmatch pattern ('lock/*', or a\n"
	"                               family name); repeat for several\n"
	"  --fail-above PCT             a regression gate: exit 1 when a result of B, C... is\n"
	"                               slower than A by more than PCT percent and the difference\n"
	"                               is significant by the test above (p < 0.05 on round\n"
	"                               medians, 4 or more rounds a side)\n"
	"  -h, --help\n"
	"\n"
	"exit status: 0, 1 the regression gate tripped, 2 bad input (a file that is not valid\n"
	"ipcbench output: the message names the file and the position)\n";

/* How many columns the files make: a group's files are one. */
static size_t count_columns(const struct ipcb_table_args *to)
{
	size_t columns = to->npaths, g;

	for (g = 0; g < to->o.ngroups; g++)
		columns -= to->groups[g].count - 1;
	return columns;
}

int ipcb_cmd_compare(int argc, char **argv)
{
	struct ipcb_table_args to = { .o.format = IPCB_FMT_TEXT };
	struct ipcb_rfile *files = NULL;
	size_t columns;
	int rc;

	rc = ipcb_table_args_parse("compare", argc, argv, &to, compare_help);
	if (rc || to.help)
		goto out;
	columns = count_columns(&to);
	if (columns < 2) {
		rc = ipcb_usage_error("compare", "expected two or more results files or groups (see --help)");
		goto out;
	}
	if (columns > 26) {
		rc = ipcb_usage_error("compare", "at most 26 columns (A..Z), not %zu", columns);
		goto out;
	}
	files = calloc(to.npaths, sizeof(*files));
	rc = ipcb_table_args_load("compare", files, &to);
	if (rc)
		goto out;
	switch (ipcb_compare_files(files, to.npaths, &to.o, stdout)) {
	case IPCB_COMPARE_OK:
		rc = IPCB_EXIT_OK;
		break;
	case IPCB_COMPARE_REGRESSED:
		rc = IPCB_EXIT_FAILED;
		break;
	case IPCB_COMPARE_NO_MATCH:
		rc = ipcb_usage_error("compare", "no result matches --only");
		break;
	}
	ipcb_rfiles_free(files, to.npaths);
out:
	free(files);
	ipcb_table_args_free(&to);
	return rc;
}
