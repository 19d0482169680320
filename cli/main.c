// SPDX-License-Identifier: MIT
/*
 * cli.c - `ipcbench list|run|test|info|validate`: argument parsing and
 * dispatch. This is the only place that prints results or decides the exit
 * status: 0 success, 1 a benchmark failed (or a check did), 2 bad input
 * (nothing run, nothing written), 130 interrupted (what finished is written).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "compare.h"
#include "config.h"
#include "counters.h"
#include "machine.h"
#include "plot.h"
#include "registry.h"
#include "results.h"
#include "runner.h"
#include "system.h"
#include "timer.h"
#include "topo.h"
#include "worker.h"

#ifndef IPCB_VERSION
#define IPCB_VERSION "0.0.0"
#endif
#ifndef IPCB_GIT
#define IPCB_GIT "unknown"
#endif


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

static const char run_help[] =
	"usage: ipcbench run [PATTERN...] [OPTIONS]\n"
	"\n"
	"Measure the selected benchmarks (default: the embedded default suite, the same\n"
	"as configs/default.json) and write one JSON file (schema " IPCB_SCHEMA ").\n"
	"\n"
	"  PATTERN                 fnmatch pattern over benchmark ids ('lock/*', 'modeswitch/syscall-*');\n"
	"                          a family name alone selects the family; replaces the config's list\n"
	"  -c, --config FILE       a suite file (see configs/*.json); command-line options win over it\n"
	"  -o, --out FILE          where to write (default: results/<hostname>-<UTC time>.json);\n"
	"                          an existing file is never overwritten unless --force\n"
	"  -f, --force             replace an existing --out file (a regular file only)\n"
	"  -t, --time-budget S     seconds of sampling per benchmark at most (default 1)\n"
	"      --placement NAME    for two-thread benchmarks: same-cpu, smt-sibling, same-cache,\n"
	"                          cross-cache, cross-numa (repeat or comma-separate; default: all)\n"
	"      --cpus A[,B]        run on these OS CPU ids (B is the peer of two-thread benchmarks,\n"
	"                          which need it; A alone pins one-thread benchmarks; a contention\n"
	"                          team's CPUs come from --fill, not from here)\n"
	"  -p, --param NAME=V[,V]  set a benchmark parameter (a list sweeps it; ranges: list -v)\n"
	"      --threads N[,N]     the same as --param threads=N[,N] (contention benchmarks)\n"
	"      --trials N          the same as --rounds N: each trial sets up afresh (a new team of threads)\n"
	"      --mode thread|process  the same as --param mode=... (two-party message benchmarks)\n"
	"      --fill core|socket|spread  the same as --param fill=...: where a contention team's threads go\n"
	"                          (core: one per physical core, one package first; CPU 0 last)\n"
	"      --oversubscribe     allow more threads than CPUs (otherwise refused: it measures the scheduler)\n"
	"      --rounds N          measure each benchmark in N rounds interleaved with the others, each in a\n"
	"                          fresh worker process, so a slow phase of the machine hits all alike and\n"
	"                          the rounds' medians give the between-process interval (default suite: 5;\n"
	"                          the budget is shared out)\n"
	"      --counters[=LIST]   count events over the timed samples, per unit of work (default:\n"
	"                          " IPCB_COUNTERS_DEFAULT ")\n"
	"      --timeout S         the watchdog: a peer silent for S seconds fails its benchmark (default 2;\n"
	"                          raise it under emulation)\n"
	"      --idle-latency US   hold /dev/cpu_dma_latency at US microseconds for the run (root): idle\n"
	"                          states that exit slower stay unused; 0 keeps waiting CPUs polling\n"
	"  -n, --dry-run           print the effective configuration, the jobs and an estimate of the wall\n"
	"                          time, run nothing (the only run that takes IPCBENCH_TOPOLOGY=FILE.xml)\n"
	"  -q, --quiet             no progress, no table: just the file\n"
	"      --label NAME        a short name for this machine, recorded as machine.label (compare\n"
	"                          and plot prefer it to the hostname; e.g. the inventory host name)\n"
	"      --run-id ID         recorded as run_id: the files of one run across machines share it\n"
	"  -h, --help\n"
	"\n"
	"Each result is the median time per unit of work with a 95% interval: the wider of the\n"
	"interval within one process (its samples) and the one between processes (the rounds'\n"
	"medians). A result is flagged unstable when the first misses +/-1% (ci_target) or the\n"
	"rounds disagree by over +/-5%. Results that cannot run here are recorded as skipped with\n"
	"the reason; a worker that crashes or hangs fails its benchmark alone.\n";

static const char list_help[] =
	"usage: ipcbench list [-v] [PATTERN...]\n"
	"\n"
	"  -v, --verbose   also the unit of work, threads and parameters with defaults\n"
	"  -h, --help\n";

static const char test_help[] =
	"usage: ipcbench test [PATTERN...] [--placement NAME] [--cpus A,B] [--param NAME=V] [--timeout S]\n"
	"\n"
	"Run each selected benchmark's check: does the mechanism work (e.g. a lock keeps\n"
	"mutual exclusion under two threads, a syscall returns what libc says). No timing.\n"
	"Prints PASS, FAIL or SKIP (with the reason) per benchmark and a summary line;\n"
	"exits 1 if any check fails.\n";

static const char info_help[] =
	"usage: ipcbench info [--json]\n"
	"\n"
	"The machine fingerprint stored in every results file: CPU, timer (invariant TSC,\n"
	"frequency, overhead), topology and placements, hypervisor, governor, SMT,\n"
	"mitigations, and what can run here (pku, io_uring, perf counters, kernel module).\n"
	"  --json     print it as JSON\n"
	"  --events   the event names libpfm4 offers here (for run --counters=LIST)\n";

static const char validate_help[] =
	"usage: ipcbench validate FILE...\n"
	"\n"
	"Check results files against the schema " IPCB_SCHEMA ". Exit 0 if all are valid, 1 otherwise.\n";

/* --- shared option handling ----------------------------------------------- */

/*
 * "A" (one-thread benchmarks) or "A,B" (B is the peer of two-thread ones).
 * Each id is checked as parsed: a long cast to int would wrap 4294967297 to 1.
 */
static int parse_cpus(const char *cmd, const char *arg, struct ipcb_config *c)
{
	const char *p = arg;
	char *end;
	long v;
	int n = 0;

	for (;;) {
		if (n == 2 || *p < '0' || *p > '9')
			break;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v > IPCB_CPU_ID_MAX)
			break;
		c->cpus[n++] = (int)v;
		if (*end == '\0') {
			c->have_cpus = n;
			if (n == 1)
				c->cpus[1] = c->cpus[0];
			return 0;
		}
		if (*end != ',')
			break;
		p = end + 1;
	}
	return ipcb_usage_error(cmd, "--cpus '%s': expected one or two CPU ids from 0 to %d, e.g. --cpus 0 or --cpus 0,1",
			   arg, IPCB_CPU_ID_MAX);
}

static int add_placements(const char *cmd, const char *arg, struct ipcb_config *c)
{
	char *list = strdup(arg), *tok, *save = NULL;
	int rc = 0;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int cpus[2];
		char why[IPCB_WHY_LEN];

		if (ipcb_topo_placement(tok, cpus, why, sizeof(why))) {
			rc = ipcb_usage_error(cmd, "--placement %s: %s", tok, why);
			break;
		}
		c->placements = realloc(c->placements, (size_t)(c->nplacements + 1) * sizeof(char *));
		c->placements[c->nplacements++] = strdup(tok);
	}
	free(list);
	return rc;
}

static void cpu_list(char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ipcb_topo_ncpus() && used + 8 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "," : "", ipcb_topo_cpu(i));
}

static int check_cpus(const char *cmd, const struct ipcb_config *c)
{
	char allowed[256];
	int i;

	if (!c->have_cpus)
		return 0;
	cpu_list(allowed, sizeof(allowed));
	for (i = 0; i < c->have_cpus; i++)
		if (!ipcb_topo_cpu_allowed(c->cpus[i]))
			return ipcb_usage_error(cmd, "CPU %d does not exist or is not in this process's affinity mask (allowed: %s)",
					   c->cpus[i], allowed);
	return 0;
}

static int init_topology(const char *cmd)
{
	char err[256];

	if (ipcb_topo_init(err, sizeof(err))) {
		fprintf(stderr, "ipcbench %s: hwloc topology: %s\n", cmd, err);
		return -1;
	}
	return 0;
}

/* --- list ---------------------------------------------------------------- */

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

static int cmd_list(int argc, char **argv)
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
			return fputs(list_help, stdout), 0;
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
			printf("%s%s\n", sel[i]->spins ? ", busy-waits (never same-cpu)" : "",
			       sel[i]->latency ? ", latency histogram" : "");
			list_params(sel[i]);
		}
	}
	free(sel);
	return 0;
}

/* --- the machine ---------------------------------------------------------- */

static json_t *machine_with_timer(void)
{
	const struct ipcb_timer_info *t = ipcb_timer();
	json_t *m = ipcb_machine_json(), *warn = json_array();

	json_object_set_new(m, "tsc_hz", t->tsc_hz > 0 ? json_real(t->tsc_hz) : json_null());
	json_object_set_new(m, "timer", json_pack("{s:s, s:s, s:f, s:f, s:f}", "source", t->source, "why", t->why,
						  "overhead_ns", t->overhead_ns, "overhead_min_ns", t->overhead_min_ns,
						  "resolution_ns", t->resolution_ns));
	ipcb_machine_warnings(m, warn);
	json_object_set_new(m, "warnings", warn);
	return m;
}

static void print_json_scalar(const char *key, json_t *v)
{
	if (json_is_string(v))
		printf("  %-16s %s\n", key, json_string_value(v));
	else if (json_is_integer(v))
		printf("  %-16s %lld\n", key, (long long)json_integer_value(v));
	else if (json_is_real(v))
		printf("  %-16s %.6g\n", key, json_real_value(v));
	else if (json_is_boolean(v))
		printf("  %-16s %s\n", key, json_is_true(v) ? "yes" : "no");
	else if (json_is_null(v))
		printf("  %-16s n/a\n", key);
}

static void print_cpus(json_t *cpus)
{
	json_t *c;
	size_t i;

	json_array_foreach(cpus, i, c)
		printf("%s%lld", i ? "," : "", (long long)json_integer_value(c));
}

/* "1 package, 1 NUMA node, 2 cores, 2 PUs", then one line per cache level and sharing set. */
static void print_topology(json_t *t)
{
	json_t *c;
	size_t i;

	if (!json_is_object(t)) {
		printf("\ntopology: not available\n");
		return;
	}
	printf("\ntopology: %lld package(s), %lld NUMA node(s), %lld core(s), %lld PU(s); allowed CPUs ",
	       (long long)json_integer_value(json_object_get(t, "packages")),
	       (long long)json_integer_value(json_object_get(t, "numa_nodes")),
	       (long long)json_integer_value(json_object_get(t, "cores")),
	       (long long)json_integer_value(json_object_get(t, "pus")));
	print_cpus(json_object_get(t, "allowed_cpus"));
	printf("\n");
	json_array_foreach(json_object_get(t, "caches"), i, c) {
		printf("  L%lld %-8s %6lld KiB  cpus ", (long long)json_integer_value(json_object_get(c, "level")),
		       json_string_value(json_object_get(c, "type")),
		       (long long)json_integer_value(json_object_get(c, "size")) / 1024);
		print_cpus(json_object_get(c, "cpus"));
		printf("\n");
	}
}

static void print_info(json_t *m)
{
	const struct ipcb_timer_info *t = ipcb_timer();
	char avail[256];
	const char *key;
	json_t *v;
	size_t i;

	printf("ipcbench %s (git %s)\n\nmachine:\n", IPCB_VERSION, IPCB_GIT);
	json_object_foreach(m, key, v)
		print_json_scalar(key, v);
	printf("\ntimer: %s\n  %s\n  %.3f GHz, overhead %.1f ns (min %.1f), resolution %.2f ns\n", t->source, t->why,
	       t->ticks_per_ns, t->overhead_ns, t->overhead_min_ns, t->resolution_ns);
	print_topology(json_object_get(m, "topology"));
	ipcb_topo_available(avail, sizeof(avail));
	printf("\nplacements available here: %s\n", avail);
	for (i = 0; ipcb_placement_names[i]; i++) {
		int cpus[2];
		char why[IPCB_WHY_LEN];

		if (ipcb_topo_placement(ipcb_placement_names[i], cpus, why, sizeof(why)) == 0)
			printf("  %-12s cpus %d,%d\n", ipcb_placement_names[i], cpus[0], cpus[1]);
		else
			printf("  %-12s -- %s\n", ipcb_placement_names[i], why);
	}
	printf("\nfeatures:\n");
	json_object_foreach(json_object_get(m, "features"), key, v) {
		json_t *why = json_object_get(v, "reason");

		printf("  %-16s %s%s%s\n", key, json_is_true(json_object_get(v, "available")) ? "yes" : "no",
		       json_is_string(why) && json_string_length(why) ? ": " : "",
		       json_is_string(why) ? json_string_value(why) : "");
	}
	printf("\nmitigations:\n");
	json_object_foreach(json_object_get(m, "mitigations"), key, v)
		print_json_scalar(key, v);
	printf("\nwarnings:\n");
	json_array_foreach(json_object_get(m, "warnings"), i, v)
		printf("  - %s\n", json_string_value(v));
}

/* What libpfm4 can name on this CPU: the names --counters takes. */
static int print_events(int as_json)
{
	json_t *ev = ipcb_counters_events(), *e;
	size_t i;

	if (as_json) {
		json_dumpf(ev, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-32s %-6s %s\n", "event", "usable", "what, or why not");
		json_array_foreach(ev, i, e) {
			int usable = json_is_true(json_object_get(e, "usable"));
			json_t *txt = json_object_get(e, usable ? "desc" : "reason");

			printf("%-32s %-6s %s\n", json_string_value(json_object_get(e, "name")), usable ? "yes" : "no",
			       json_is_string(txt) ? json_string_value(txt) : "");
		}
	}
	json_decref(ev);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "events", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	int as_json = 0, events = 0, c;
	json_t *m;

	while ((c = getopt_long(argc, argv, "+jeh", opts, NULL)) != -1) {
		if (c == 'j')
			as_json = 1;
		else if (c == 'e')
			events = 1;
		else if (c == 'h')
			return fputs(info_help, stdout), 0;
		else
			return fputs(info_help, stderr), IPCB_EXIT_USAGE;
	}
	if (optind < argc)
		return ipcb_usage_error("info", "unexpected argument '%s'", argv[optind]);
	if (events)
		return print_events(as_json);
	if (init_topology("info"))
		return IPCB_EXIT_FAILED;
	m = machine_with_timer();
	if (as_json) {
		json_dumpf(m, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		putchar('\n');
	} else {
		print_info(m);
	}
	json_decref(m);
	return 0;
}

/* --- run and test: shared option parsing ------------------------------------ */

struct run_opts {
	struct ipcb_config cfg;
	const char *config_path, *out;
	int force, dry_run, quiet;
	double budget;
	int have_budget;
	int oversubscribe;
	int rounds;
	double timeout;
	const char *counters; /* --counters: event list, or NULL */
	const char *label, *run_id; /* --label, --run-id: recorded in the file as given */
	char **owned; /* strings made from --threads/--trials */
	int nowned;
};

static void run_opts_free(struct run_opts *ro)
{
	int i;

	for (i = 0; i < ro->nowned; i++)
		free(ro->owned[i]);
	free(ro->owned);
	ipcb_config_free(&ro->cfg);
}

static int parse_budget(const char *arg, struct run_opts *ro)
{
	char *end;

	errno = 0;
	ro->budget = strtod(arg, &end);
	if (errno || end == arg || *end || !(ro->budget > 0) || ro->budget > 3600)
		return ipcb_usage_error("run", "--time-budget '%s': expected seconds, > 0 and <= 3600", arg);
	ro->have_budget = 1;
	return 0;
}

static int parse_run_opts(const char *cmd, int argc, char **argv, struct run_opts *ro, const char *help)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },   { "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },	      { "time-budget", required_argument, NULL, 't' },
		{ "placement", required_argument, NULL, 'P' }, { "cpus", required_argument, NULL, 'C' },
		{ "param", required_argument, NULL, 'p' },     { "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },	      { "help", no_argument, NULL, 'h' },
		{ "threads", required_argument, NULL, 'T' },   { "trials", required_argument, NULL, 'R' },
		{ "oversubscribe", no_argument, NULL, 'O' },   { "mode", required_argument, NULL, 'M' },
		{ "fill", required_argument, NULL, 'F' },
		{ "rounds", required_argument, NULL, 'r' },    { "counters", optional_argument, NULL, 'K' },
		{ "timeout", required_argument, NULL, 'W' },   { "idle-latency", required_argument, NULL, 'L' },
		{ "label", required_argument, NULL, 'B' },     { "run-id", required_argument, NULL, 'I' },
		{ 0 }
	};
	char err[1024];
	int c, rc;
	char **placements = NULL, **params = NULL;
	int nplacements = 0, nparams = 0, i;

	ipcb_config_init(&ro->cfg);
	while ((c = getopt_long(argc, argv, "c:o:ft:p:nqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ro->config_path = optarg; break;
		case 'o': ro->out = optarg; break;
		case 'f': ro->force = 1; break;
		case 't':
			if (parse_budget(optarg, ro))
				return IPCB_EXIT_USAGE;
			break;
		case 'P':
			placements = realloc(placements, (size_t)(nplacements + 1) * sizeof(char *));
			placements[nplacements++] = optarg;
			break;
		case 'C':
			if (parse_cpus(cmd, optarg, &ro->cfg))
				return IPCB_EXIT_USAGE;
			break;
		case 'p':
			params = realloc(params, (size_t)(nparams + 1) * sizeof(char *));
			params[nparams++] = optarg;
			break;
		case 'T':
		case 'M':
		case 'F': {
			char *a;

			if (asprintf(&a, "%s=%s", c == 'T' ? "threads" : c == 'M' ? "mode" : "fill", optarg) < 0)
				return IPCB_EXIT_USAGE;
			ro->owned = realloc(ro->owned, (size_t)(ro->nowned + 1) * sizeof(char *));
			ro->owned[ro->nowned++] = a;
			params = realloc(params, (size_t)(nparams + 1) * sizeof(char *));
			params[nparams++] = a;
			break;
		}
		case 'O': ro->oversubscribe = 1; break;
		case 'r':
		case 'R': {
			char *end;

			/* a trial of a lock driver is a round: a fresh setup (a new team of threads) each time */
			ro->rounds = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || ro->rounds < 1 || ro->rounds > 100)
				return ipcb_usage_error(cmd, "--%s '%s': expected an integer from 1 to 100",
						   c == 'r' ? "rounds" : "trials", optarg);
			break;
		}
		case 'W': {
			char *end;

			ro->timeout = strtod(optarg, &end);
			if (*end || end == optarg || !(ro->timeout >= 0.01) || ro->timeout > 3600)
				return ipcb_usage_error(cmd, "--timeout '%s': expected seconds, from 0.01 to 3600", optarg);
			break;
		}
		case 'K': ro->counters = optarg ? optarg : IPCB_COUNTERS_DEFAULT; break;
		case 'L':
			if (ipcb_system_request_idle_latency(optarg, err, sizeof(err)))
				return ipcb_usage_error(cmd, "%s", err);
			break;
		case 'B':
		case 'I':
			if (!*optarg)
				return ipcb_usage_error(cmd, "--%s: expected a non-empty string", c == 'B' ? "label" : "run-id");
			*(c == 'B' ? &ro->label : &ro->run_id) = optarg;
			break;
		case 'n': ro->dry_run = 1; break;
		case 'q': ro->quiet = 1; break;
		case 'h': fputs(help, stdout); return -1;
		default: fputs(help, stderr); return IPCB_EXIT_USAGE;
		}
	}
	if (ipcb_topo_simulated(err, sizeof(err)) && !(ro->dry_run && strcmp(cmd, "run") == 0))
		return ipcb_usage_error(cmd, "the topology is simulated (%s): only info, list and run --dry-run take it, since a measurement would file that machine's CPU relations under this one's CPUs; unset it to measure",
				   err);
	rc = 0;
	if (ro->config_path) {
		struct ipcb_config fresh;
		int have_cpus = ro->cfg.have_cpus, cpus[2] = { ro->cfg.cpus[0], ro->cfg.cpus[1] };

		ipcb_config_init(&fresh);
		if (ipcb_config_load(&fresh, ro->config_path, err, sizeof(err))) {
			ipcb_config_free(&fresh);
			rc = ipcb_usage_error(cmd, "%s", err);
			goto out;
		}
		ipcb_config_free(&ro->cfg);
		ro->cfg = fresh;
		if (have_cpus) {
			ro->cfg.have_cpus = have_cpus;
			ro->cfg.cpus[0] = cpus[0];
			ro->cfg.cpus[1] = cpus[1];
		}
	} else if (strcmp(cmd, "run") == 0 &&
		   ipcb_config_parse(&ro->cfg, ipcb_default_config, "embedded default (configs/default.json)", err,
				     sizeof(err))) {
		rc = ipcb_usage_error(cmd, "%s", err);
		goto out;
	}
	if (optind < argc)
		ipcb_config_set_patterns(&ro->cfg, argv + optind, argc - optind);
	if (ro->have_budget)
		ro->cfg.measure.budget_s = ro->budget;
	if (ro->oversubscribe)
		ro->cfg.oversubscribe = 1;
	if (ro->rounds)
		ro->cfg.measure.rounds = ro->rounds;
	if (ro->timeout > 0)
		ro->cfg.timeout_s = ro->timeout;
	if (ro->cfg.measure.min_time_s > ro->cfg.measure.budget_s)
		ro->cfg.measure.min_time_s = ro->cfg.measure.budget_s;
	for (i = 0; i < nparams && !rc; i++)
		if (ipcb_config_add_param(&ro->cfg, params[i], err, sizeof(err)))
			rc = ipcb_usage_error(cmd, "%s", err);
	if (rc || init_topology(cmd)) {
		rc = rc ? rc : IPCB_EXIT_FAILED;
		goto out;
	}
	if (nplacements) {
		for (i = 0; i < ro->cfg.nplacements; i++)
			free(ro->cfg.placements[i]);
		ro->cfg.nplacements = 0;
	}
	for (i = 0; i < nplacements && !rc; i++)
		rc = add_placements(cmd, placements[i], &ro->cfg);
	if (!rc)
		rc = check_cpus(cmd, &ro->cfg);
out:
	free(placements);
	free(params);
	return rc;
}

/* --- run ------------------------------------------------------------------- */

static void placement_text(json_t *r, char *buf, size_t len)
{
	json_t *pl = json_object_get(r, "placement"), *cpus = json_object_get(pl, "cpus");
	size_t used = (size_t)snprintf(buf, len, "%s", json_string_value(json_object_get(pl, "name")));
	size_t i;

	for (i = 0; i < json_array_size(cpus) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? "," : " [",
					 (long long)json_integer_value(json_array_get(cpus, i)));
	if (json_array_size(cpus) && used < len)
		snprintf(buf + used, len - used, "]");
}

static void result_label(json_t *r, char *buf, size_t len)
{
	json_t *params = json_object_get(r, "params"), *v;
	const char *key;
	size_t used = (size_t)snprintf(buf, len, "%s", json_string_value(json_object_get(r, "id")));
	int first = 1;

	json_object_foreach(params, key, v) {
		if (used >= len)
			break;
		if (json_is_string(v))
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", first ? " " : ",", key,
						 json_string_value(v));
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%lld", first ? " " : ",", key,
						 (long long)json_integer_value(v));
		first = 0;
	}
}

static void flags_text(json_t *r, char *buf, size_t len)
{
	const char *status = json_string_value(json_object_get(r, "status"));
	json_t *st = json_object_get(r, "stats");

	buf[0] = '\0';
	if (strcmp(status, "ok")) {
		snprintf(buf, len, "%s: %s", status, json_string_value(json_object_get(r, "reason")));
		return;
	}
	if (json_is_true(json_object_get(r, "unstable")))
		snprintf(buf, len, "unstable");
	if (json_number_value(json_object_get(r, "drift")) > 1.1)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sdrift %.2fx", buf[0] ? ", " : "",
			 json_number_value(json_object_get(r, "drift")));
	if (json_number_value(json_object_get(st, "p99")) > 2 * json_number_value(json_object_get(st, "median")))
		snprintf(buf + strlen(buf), len - strlen(buf), "%stail p99 %.1fx", buf[0] ? ", " : "",
			 json_number_value(json_object_get(st, "p99")) / json_number_value(json_object_get(st, "median")));
}

static void print_table(json_t *doc)
{
	json_t *results = json_object_get(doc, "results"), *r, *notes, *note;
	size_t i, j;

	printf("\n%-40s %-18s %12s %9s  %-12s %s\n", "benchmark", "placement", "median", "CI95", "per", "flags");
	json_array_foreach(results, i, r) {
		char label[128], pl[64], med[32] = "-", ci[16] = "-", flags[320];
		json_t *st = json_object_get(r, "stats");

		result_label(r, label, sizeof(label));
		placement_text(r, pl, sizeof(pl));
		if (st) {
			ipcb_fmt_ns(json_number_value(json_object_get(st, "median")), med, sizeof(med));
			snprintf(ci, sizeof(ci), "+/-%.1f%%", 100 * json_number_value(json_object_get(r, "ci95_rel")));
		}
		flags_text(r, flags, sizeof(flags));
		printf("%-40s %-18s %12s %9s  %-12s %s\n", label, pl, med, ci,
		       json_string_value(json_object_get(r, "per")), flags);
	}
	printf("\nCI95: the wider of two 95%% intervals of the median: within one process (its samples) and\n"
	       "between processes (the medians of the rounds, each a fresh process), as +/- percent.\n");
	printf("\nnotes:\n");
	json_array_foreach(results, i, r) {
		notes = json_object_get(r, "notes");
		if (!json_array_size(notes))
			continue;
		printf("  %s\n", json_string_value(json_object_get(r, "id")));
		json_array_foreach(notes, j, note)
			printf("    - %s\n", json_string_value(note));
	}
}

struct progress {
	int tty, quiet;
	uint64_t start;
};

static void progress(const struct ipcb_job *job, size_t i, size_t n, const struct ipcb_result *r, void *arg)
{
	const struct progress *pg = arg;
	double elapsed = (double)(ipcb_clock_ns() - pg->start) / 1e9;
	char label[160];

	ipcb_job_label(job, label, sizeof(label));
	if (pg->tty && !r) {
		double left = i ? elapsed / (double)i * (double)(n - i) : 0;

		fprintf(stderr, "\r\033[K[%zu/%zu] %s %s  elapsed %.1f s", i + 1, n, label, job->placement, elapsed);
		if (i)
			fprintf(stderr, ", ~%.0f s left", left);
		fflush(stderr);
	} else if (!pg->tty && !pg->quiet && r) {
		char med[32];

		if (r->has & IPCB_HAS_STATS) {
			ipcb_fmt_ns(r->stats.median, med, sizeof(med));
			fprintf(stderr, "[%zu/%zu] %s %s: %s per %s, CI95 +/-%.1f%%\n", i + 1, n, label,
				job->placement, med, job->bench->unit_of_work, 100 * r->ci95_rel);
		} else {
			fprintf(stderr, "[%zu/%zu] %s %s: %s (%s)\n", i + 1, n, label, job->placement,
				ipcb_status_name(r->status), r->reason);
		}
	}
}

/* What a pair sweep (the core-to-core matrix) will measure. */
static json_t *pairs_json(const struct ipcb_job *job)
{
	struct ipcb_pair_plan pp;

	ipcb_pair_plan(ipcb_topo_ncpus(), ipcb_job_param(job, "budget_ms"), &pp);
	return json_pack("{s:I, s:I, s:f, s:f}", "planned", (json_int_t)pp.planned, "total", (json_int_t)pp.total,
			 "pair_ms", pp.pair_s * 1e3, "budget_s", pp.budget_s);
}

static json_t *jobs_json(struct ipcb_job *jobs, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		char label[160];
		json_t *j;

		ipcb_job_label(&jobs[i], label, sizeof(label));
		j = json_pack("{s:s, s:s, s:o}", "job", label, "placement", jobs[i].placement, "cpus", ipcb_job_cpus(&jobs[i]));
		if (jobs[i].skip[0])
			json_object_set_new(j, "skip", json_string(jobs[i].skip));
		else if (jobs[i].bench->pair_sweep)
			json_object_set_new(j, "pairs", pairs_json(&jobs[i]));
		json_array_append_new(a, j);
	}
	return a;
}

/* Per round of a job: a fresh worker and calibration, beside the warm-up (an allowance, not measured). */
#define ROUND_OVERHEAD_S 0.05

/*
 * How long the run may take: sampling lasts between min_time and the budget
 * per job (the stop rule decides), plus a warm-up and a worker per round;
 * a pair sweep (handoff/matrix) measures its pairs in its setup, in one round.
 */
static json_t *estimate_json(const struct ipcb_config *c, const struct ipcb_job *jobs, size_t n)
{
	const struct ipcb_measure_opts *m = &c->measure;
	double lo = 0, hi = 0, round_s = m->warmup_s + ROUND_OVERHEAD_S, setup;
	size_t i, run = 0;
	int rounds;

	for (i = 0; i < n; i++) {
		if (jobs[i].skip[0])
			continue;
		run++;
		setup = 0;
		rounds = m->rounds;
		if (jobs[i].bench->pair_sweep) {
			struct ipcb_pair_plan pp;

			ipcb_pair_plan(ipcb_topo_ncpus(), ipcb_job_param(&jobs[i], "budget_ms"), &pp);
			setup = pp.budget_s;
			rounds = 1;
		}
		lo += m->min_time_s + rounds * (round_s + setup);
		hi += m->budget_s + rounds * (round_s + setup);
	}
	return json_pack("{s:I, s:I, s:I, s:i, s:f, s:f}", "jobs", (json_int_t)n, "to_run", (json_int_t)run, "skipped",
			 (json_int_t)(n - run), "rounds", m->rounds, "min_s", lo, "max_s", hi);
}

static void print_estimate(json_t *est, const char *simulated)
{
	double lo = json_number_value(json_object_get(est, "min_s")), hi = json_number_value(json_object_get(est, "max_s"));
	int minutes = hi >= 120;

	if (simulated[0])
		fprintf(stderr, "SIMULATED topology (%s): the jobs and placements are that machine's\n", simulated);
	fprintf(stderr, "dry run: %lld jobs, %lld to run (%lld skipped), %d round(s) each; estimated wall time %.1f-%.1f %s\n",
		(long long)json_integer_value(json_object_get(est, "jobs")),
		(long long)json_integer_value(json_object_get(est, "to_run")),
		(long long)json_integer_value(json_object_get(est, "skipped")),
		(int)json_integer_value(json_object_get(est, "rounds")), minutes ? lo / 60 : lo, minutes ? hi / 60 : hi,
		minutes ? "min" : "s");
}

/* Run the jobs, explain, and put the results into doc: the typed results become JSON here. */
static int run_jobs(struct run_opts *ro, struct ipcb_job *jobs, size_t njobs, json_t *doc)
{
	struct progress pg = { isatty(2) && !ro->quiet, ro->quiet, ipcb_clock_ns() };
	struct ipcb_result *results = calloc(njobs + 1, sizeof(*results));
	size_t failed, workers, nresults = 0, i;
	double startup_ms, spread;
	json_t *speed;

	if (!results)
		return 1;
	ro->cfg.measure.stop = &ipcb_interrupted;
	ro->cfg.measure.counter_list = ro->counters;
	failed = ipcb_run_jobs(jobs, njobs, &ro->cfg.measure, progress, &pg, results, &nresults);
	if (pg.tty)
		fprintf(stderr, "\r\033[K");
	speed = ipcb_round_speed(results, nresults, ro->cfg.measure.rounds);
	spread = json_number_value(json_object_get(speed, "spread"));
	if (spread > 1.1 && !ro->quiet)
		fprintf(stderr, "warning: the machine's speed changed by %.2fx between rounds, every job at once (machine_speed in the file): figures from another run may differ by as much\n",
			spread);
	json_object_set_new(doc, "machine_speed", speed);
	ipcb_worker_overhead(&startup_ms, &workers);
	json_object_set_new(doc, "workers",
			    json_pack("{s:I, s:f, s:s}", "count", (json_int_t)workers, "startup_ms_median", startup_ms,
				      "what", "each round of each job ran in a fresh process; startup: fork to ready to measure"));
	ipcb_explain(results, nresults, json_object_get(doc, "machine"));
	for (i = 0; i < nresults; i++) {
		json_array_append_new(json_object_get(doc, "results"), ipcb_result_to_json(&results[i]));
		ipcb_result_free(&results[i]);
	}
	free(results);
	return failed != 0;
}

static void print_warnings(json_t *machine)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(machine, "warnings"), i, w)
		fprintf(stderr, "warning: %s\n", json_string_value(w));
}

/*
 * The final write failed (a full disk, a file that appeared meanwhile, a
 * directory that went away): the run is finished and must not be lost.
 * Write it beside, or in $TMPDIR, or as a last resort print it on stdout;
 * exit 1 saying where it is.
 */
static int save_elsewhere(json_t *doc, const char *out, const char *why, int quiet)
{
	char *saved = ipcb_report_write_fallback(doc, out);

	fprintf(stderr, "ipcbench run: %s\n", why);
	if (!quiet)
		print_table(doc);
	if (saved) {
		fprintf(stderr, "ipcbench run: the results (%zu) are in %s, not in %s\n",
			json_array_size(json_object_get(doc, "results")), saved, out);
		free(saved);
		return IPCB_EXIT_FAILED;
	}
	fprintf(stderr, "ipcbench run: no file could be written, not even in $TMPDIR; the results JSON follows on stdout\n");
	json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	putchar('\n');
	return IPCB_EXIT_FAILED;
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts ro = { 0 };
	struct ipcb_job *jobs = NULL;
	char err[1024], *out = NULL;
	size_t njobs = 0;
	json_t *doc = NULL, *machine;
	int rc, failed;

	rc = parse_run_opts("run", argc, argv, &ro, run_help);
	if (rc)
		goto out;
	if (ipcb_plan(&ro.cfg, &jobs, &njobs, err, sizeof(err))) {
		rc = ipcb_usage_error("run", "%s", err);
		goto out;
	}
	if (ro.dry_run) {
		json_t *dry = json_pack("{s:o, s:o, s:o}", "config", ipcb_config_json(&ro.cfg), "jobs", jobs_json(jobs, njobs),
					"estimate", estimate_json(&ro.cfg, jobs, njobs));

		err[0] = '\0';
		if (ipcb_topo_simulated(err, sizeof(err)))
			json_object_set_new(dry, "simulated", json_string(err));
		if (!ro.quiet)
			print_estimate(json_object_get(dry, "estimate"), err);
		json_dumpf(dry, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		putchar('\n');
		json_decref(dry);
		goto out;
	}
	if (!ro.out)
		mkdir("results", 0755);
	out = ro.out ? strdup(ro.out) : ipcb_report_default_path("results");
	if (ipcb_report_check_path(out, ro.force, err, sizeof(err))) {
		rc = ipcb_usage_error("run", "%s", err);
		goto out;
	}
	ipcb_install_sigint();
	if (ipcb_system_hold_idle_latency(err, sizeof(err))) {
		fprintf(stderr, "ipcbench run: %s\n", err);
		rc = IPCB_EXIT_FAILED;
		goto out;
	}
	machine = machine_with_timer();
	if (!ro.quiet)
		print_warnings(machine);
	doc = ipcb_report_new(machine, ipcb_config_json(&ro.cfg));
	if (ro.label)
		json_object_set_new(machine, "label", json_string(ro.label));
	if (ro.run_id)
		json_object_set_new(doc, "run_id", json_string(ro.run_id));
	failed = run_jobs(&ro, jobs, njobs, doc);
	ipcb_report_finish(doc, ipcb_interrupted);
	/* past a file-size limit, write() fails with EFBIG (and we save elsewhere) rather than the signal killing us */
	signal(SIGXFSZ, SIG_IGN);
	if (ipcb_report_write(doc, out, ro.force, err, sizeof(err))) {
		rc = save_elsewhere(doc, out, err, ro.quiet);
		goto out;
	}
	if (!ro.quiet)
		print_table(doc);
	printf("\nwrote %s (%zu results%s)\n", out, json_array_size(json_object_get(doc, "results")),
	       ipcb_interrupted ? ", interrupted" : "");
	rc = ipcb_interrupted ? IPCB_EXIT_INTERRUPTED : failed ? IPCB_EXIT_FAILED : 0;
out:
	ipcb_system_release_idle_latency();
	json_decref(doc);
	free(out);
	free(jobs);
	run_opts_free(&ro);
	return rc < 0 ? 0 : rc;
}

/* --- test ------------------------------------------------------------------ */

static int cmd_test(int argc, char **argv)
{
	struct run_opts ro = { 0 };
	struct ipcb_job *jobs = NULL;
	char err[1024];
	size_t njobs = 0, i, pass = 0, fail = 0, skip = 0;
	int rc;

	rc = parse_run_opts("test", argc, argv, &ro, test_help);
	if (rc)
		goto out;
	if (ipcb_plan(&ro.cfg, &jobs, &njobs, err, sizeof(err))) {
		rc = ipcb_usage_error("test", "%s", err);
		goto out;
	}
	for (i = 0; i < njobs; i++) {
		char label[160], why[IPCB_WHY_LEN];
		int r = ipcb_check_job(&jobs[i], why, sizeof(why));

		ipcb_job_label(&jobs[i], label, sizeof(label));
		printf("%-4s %s %s%s%s\n", r == 0 ? "PASS" : r > 0 ? "SKIP" : "FAIL", label, jobs[i].placement,
		       why[0] ? ": " : "", why);
		fflush(stdout);
		if (r == 0)
			pass++;
		else if (r > 0)
			skip++;
		else
			fail++;
	}
	printf("ipcbench test: %zu passed, %zu failed, %zu skipped\n", pass, fail, skip);
	rc = fail ? IPCB_EXIT_FAILED : 0;
out:
	free(jobs);
	run_opts_free(&ro);
	return rc < 0 ? 0 : rc;
}

/* --- validate -------------------------------------------------------------- */

static int cmd_validate(int argc, char **argv)
{
	int i, bad = 0;

	if (argc < 2)
		return ipcb_usage_error("validate", "expected one or more results files (see --help)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return fputs(validate_help, stdout), 0;
	for (i = 1; i < argc; i++) {
		char err[512];
		json_t *doc = ipcb_report_read(argv[i], err, sizeof(err));

		if (!doc) {
			fprintf(stderr, "invalid: %s\n", err);
			bad = 1;
			continue;
		}
		printf("valid: %s (%zu results)\n", argv[i], json_array_size(json_object_get(doc, "results")));
		json_decref(doc);
	}
	return bad ? IPCB_EXIT_FAILED : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "list", cmd_list }, { "run", cmd_run }, { "test", cmd_test },
		{ "info", cmd_info }, { "validate", cmd_validate }, { "compare", ipcb_cmd_compare },
		{ "plot", ipcb_cmd_plot }, { "export", ipcb_cmd_export },
		{ "system", ipcb_cmd_system },
	};
	size_t i;

	if (argc == 2 && strcmp(argv[1], IPCB_WORKER_ARG) == 0)
		return ipcb_worker_main();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(main_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? IPCB_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("ipcbench %s (git %s)\n", IPCB_VERSION, IPCB_GIT);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			optind = 1;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	return ipcb_usage_error(argv[1], "unknown command (commands: list, run, test, info, system, validate, compare, plot, export; see --help)");
}
