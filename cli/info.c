// SPDX-License-Identifier: MIT
/*
 * info.c - `ipcbench info`: the machine fingerprint every results file
 * records (CPU, timer, topology and placements, features, mitigations), and
 * with --events what libpfm4 can count here.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "counters.h"
#include "machine.h"
#include "timer.h"
#include "topo.h"

static const char info_help[] =
	"usage: ipcbench info [--json]\n"
	"\n"
	"The machine fingerprint stored in every results file: CPU, timer (invariant TSC,\n"
	"frequency, overhead), topology and placements, hypervisor, governor, SMT,\n"
	"mitigations, and what can run here (pku, io_uring, perf counters, kernel module).\n"
	"  --json     print it as JSON\n"
	"  --events   the event names libpfm4 offers here (for run --counters=LIST)\n";

json_t *ipcb_machine_with_timer(void)
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
	return IPCB_EXIT_OK;
}

int ipcb_cmd_info(int argc, char **argv)
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
			return fputs(info_help, stdout), IPCB_EXIT_OK;
		else
			return fputs(info_help, stderr), IPCB_EXIT_USAGE;
	}
	if (optind < argc)
		return ipcb_usage_error("info", "unexpected argument '%s'", argv[optind]);
	if (events)
		return print_events(as_json);
	if (ipcb_init_topology("info"))
		return IPCB_EXIT_FAILED;
	m = ipcb_machine_with_timer();
	if (as_json) {
		json_dumpf(m, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		putchar('\n');
	} else {
		print_info(m);
	}
	json_decref(m);
	return IPCB_EXIT_OK;
}
