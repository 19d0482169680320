// SPDX-License-Identifier: MIT
/*
 * main.c - `ipcbench COMMAND`: finds the command and calls it (one file per
 * command in cli/); the main help, --version, and the hidden entry of the
 * worker process a run forks for each round (harness/worker.c). The commands
 * alone print results and decide the exit status (enum ipcb_exit, cli.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "results.h"
#include "worker.h"

static const char main_help[] =
	"usage: ipcbench COMMAND [OPTIONS]\n"
	"\n"
	"What does it cost to cross a boundary? Microbenchmarks of locks, mode switches\n"
	"and handoffs, measured with calibrated timers and reported with confidence intervals.\n"
	"\n"
	"commands:\n"
	"  list [-v] [PATTERN...]     the benchmarks (fnmatch patterns, e.g. 'lock/*')\n"
	"  run [PATTERN...] [OPTS]    measure and write a results JSON file\n"
	"  test [PATTERN...]          check that each mechanism works (no timing)\n"
	"  info [--json]              machine fingerprint and capabilities\n"
	"  system show|tune|reset     the machine state under the numbers (governor, turbo, idle states)\n"
	"  validate FILE...           check results files against the schema " IPCB_SCHEMA "\n"
	"  compare A.json B.json...   match results across files (machines), ratios with significance\n"
	"  plot FILE... [-o DIR]      gnuplot figures for papers (one plot kind per result shape)\n"
	"  export FILE --format F     one row per result, as csv or markdown\n"
	"\n"
	"  ipcbench COMMAND --help    options of a command\n"
	"  ipcbench --version\n"
	"\n"
	"exit status: 0 ok, 1 a benchmark or check failed, 2 bad input (nothing written),\n"
	"130 interrupted (finished results written, \"interrupted\": true)\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "list", ipcb_cmd_list }, { "run", ipcb_cmd_run }, { "test", ipcb_cmd_test },
		{ "info", ipcb_cmd_info }, { "validate", ipcb_cmd_validate }, { "compare", ipcb_cmd_compare },
		{ "plot", ipcb_cmd_plot }, { "export", ipcb_cmd_export },
		{ "system", ipcb_cmd_system },
	};
	size_t i;

	if (argc == 2 && strcmp(argv[1], IPCB_WORKER_ARG) == 0)
		return ipcb_worker_main();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(main_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? IPCB_EXIT_USAGE : IPCB_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("ipcbench %s (git %s)\n", IPCB_VERSION, IPCB_GIT);
		return IPCB_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			optind = 1;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	return ipcb_usage_error(argv[1], "unknown command (commands: list, run, test, info, system, validate, compare, plot, export; see --help)");
}
