// SPDX-License-Identifier: MIT
/* list.c - `ipcbench list`: the benchmarks a pattern selects, and with -v their parameters. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "registry.h"

static const char list_help[] =
	"usage: ipcbench list [-v] [PATTERN...]\n"
	"\n"
	"  -v, --verbose   also the unit of work, threads and parameters with defaults\n"
	"  -h, --help\n";

static void list_params(const struct ipcb_bench *b)
{
	int i;

	for (i = 0; b->params && b->params[i].name; i++) {
		const struct ipcb_param *prm = &b->params[i];
		int k;

		if (!prm->choices) {
			printf("      %-10s = %-8lld %s (%lld to %lld)\n", prm->name, (long long)prm->def, prm->what,
			       (long long)prm->min, (long long)prm->max);
			continue;
		}
		printf("      %-10s = %-8s %s (one of:", prm->name, prm->choices[prm->def], prm->what);
		for (k = 0; prm->choices[k]; k++)
			printf(" %s", prm->choices[k]);
		printf(")\n");
	}
}

int ipcb_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' }, { 0 }
	};
	const struct ipcb_bench **sel;
	char *all[] = { "*" }, err[512];
	int verbose = 0, c;
	size_t i, n;

	/* no "+": options may follow the patterns (ipcbench list PATTERN -v) */
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		if (c == 'v')
			verbose = 1;
		else if (c == 'h')
			return fputs(list_help, stdout), IPCB_EXIT_OK;
		else
			return fputs(list_help, stderr), IPCB_EXIT_USAGE;
	}
	sel = calloc(ipcb_bench_count() + 1, sizeof(*sel));
	if (ipcb_select(optind < argc ? argv + optind : all, optind < argc ? argc - optind : 1, sel, &n, err,
			sizeof(err)))
		return free(sel), ipcb_usage_error("list", "%s", err);
	for (i = 0; i < n; i++) {
		printf("%-34s %s\n", sel[i]->id, sel[i]->what);
		if (verbose) {
			if (sel[i]->nthreads)
				printf("      per %s, %d thread%s", sel[i]->unit_of_work, sel[i]->nthreads,
				       sel[i]->nthreads > 1 ? "s" : "");
			else
				printf("      per %s, the 'threads' parameter sets the thread count", sel[i]->unit_of_work);
			printf("%s%s\n", sel[i]->busy_waits ? ", busy-waits (never same-cpu)" : "",
			       sel[i]->latency ? ", latency histogram" : "");
			list_params(sel[i]);
		}
	}
	free(sel);
	return IPCB_EXIT_OK;
}
