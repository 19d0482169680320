// SPDX-License-Identifier: MIT
/*
 * system.c - `ipcbench system show|tune|reset`: the options, the calls into
 * harness/system.c (the facts, the tune plan and its writes, the saved
 * state written back), and what they found, printed.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "system.h"

struct system_opts {
	struct ipcb_system_opts o;
	int as_json;
	char state_buf[PATH_MAX];
};

static enum ipcb_exit exit_of(enum ipcb_system_rc rc)
{
	return rc == IPCB_SYSTEM_BAD_INPUT ? IPCB_EXIT_USAGE : rc == IPCB_SYSTEM_FAILED ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
}

/* ---- show ---- */

static long long int_of(const json_t *o, const char *key, long long missing)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : missing;
}

static void print_states(const json_t *s)
{
	const json_t *ci = json_object_get(s, "cpuidle"), *states = json_object_get(ci, "states"), *st;
	size_t i;

	if (!json_array_size(states))
		return;
	printf("\nidle states (driver %s, governor %s):\n", json_string_value(json_object_get(ci, "driver")) ?: "?",
	       json_string_value(json_object_get(ci, "governor")) ?: "?");
	printf("  %-10s %12s %12s  %s\n", "state", "exit (us)", "residency", "");
	json_array_foreach(states, i, st) {
		long long off = int_of(st, "disabled_on_cpus", -1);

		printf("  %-10s %12lld %12lld  %s\n", json_string_value(json_object_get(st, "name")) ?: "?",
		       int_of(st, "exit_latency_us", -1), int_of(st, "target_residency_us", -1),
		       json_is_true(json_object_get(st, "disabled")) ? "disabled" :
		       off > 0 ? "disabled on some CPUs" : "enabled");
	}
}

static void print_show(const json_t *s)
{
	const char *key;
	json_t *c, *v;
	size_t i;

	printf("the machine under the numbers: root %s, the run's CPUs %s\n\n", json_string_value(json_object_get(s, "root")),
	       json_string_value(json_object_get(s, "run_cpus")));
	json_array_foreach(json_object_get(s, "checks"), i, c)
		printf("  %-20s %-7s %s\n", json_string_value(json_object_get(c, "item")),
		       json_string_value(json_object_get(c, "status")), json_string_value(json_object_get(c, "text")));
	print_states(s);
	if (json_object_size(json_object_get(s, "unread")))
		printf("\nnot read here:\n");
	json_object_foreach(json_object_get(s, "unread"), key, v)
		printf("  %-28s %s\n", key, json_string_value(v));
}

static int cmd_show(const struct system_opts *so)
{
	char why[512];
	json_t *s = ipcb_system_show(so->o.cpus, so->o.max_us, why, sizeof(why));

	if (!s) {
		fprintf(stderr, "ipcbench system show: %s\n", why);
		return IPCB_EXIT_USAGE;
	}
	if (so->as_json) {
		json_dumpf(s, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		putchar('\n');
	} else {
		print_show(s);
	}
	json_decref(s);
	return IPCB_EXIT_OK;
}

/* ---- tune ---- */

static void print_plan(const struct ipcb_system_plan *p)
{
	size_t i;

	for (i = 0; i < p->nnotes; i++)
		printf("  %-12s %s%s\n", p->notes[i].item, p->notes[i].skipped ? "skipped: " : "", p->notes[i].text);
	for (i = 0; i < p->n; i++)
		printf("  %-28s %s -> %s   (%s)\n", p->v[i].label, p->v[i].cur, p->v[i].want, p->v[i].rel);
}

/* The writes that did not go through: skipped (the kernel keeps an IRQ's affinity) or failed. */
static void print_writes(const struct ipcb_system_plan *p)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct ipcb_system_change *ch = &p->v[i];

		if (!ch->err)
			continue;
		ipcb_system_path(path, sizeof(path), ch->rel);
		printf("  %-28s %s: %s: %s%s\n", ch->label, ch->kept ? "skipped" : "failed", path, strerror(-ch->err),
		       ch->kept ? " (the kernel keeps this IRQ's affinity)" : "");
	}
}

static void print_tune_summary(const struct ipcb_system_plan *p, const struct ipcb_system_opts *o)
{
	if (o->dry_run)
		printf("%zu file(s) would change, %d already set, %d skipped\n", p->changed, p->already, p->skipped);
	else if (p->changed)
		printf("%zu file(s) changed, %d already set, %d skipped; their previous contents are in %s: `ipcbench system reset` restores them\n",
		       p->changed, p->already, p->skipped, o->state);
	else
		printf("nothing to change (%d already set, %d skipped); no state saved\n", p->already, p->skipped);
}

static int cmd_tune(const struct system_opts *so)
{
	const struct ipcb_system_opts *o = &so->o;
	struct ipcb_system_plan p = { 0 };
	enum ipcb_system_rc rc;
	char why[PATH_MAX + 64];

	rc = ipcb_system_tune_plan(o, &p, why, sizeof(why));
	if (rc != IPCB_SYSTEM_OK) {
		fprintf(stderr, "ipcbench system tune: %s\n", why);
		goto out;
	}
	printf("tuning CPUs %s under %s%s:\n", p.cpus, ipcb_system_root(), o->dry_run ? " (dry run: nothing written)" : "");
	print_plan(&p);
	if (!o->dry_run && p.n) {
		why[0] = '\0';
		rc = ipcb_system_tune_apply(o, &p, why, sizeof(why));
		if (why[0])
			fprintf(stderr, "ipcbench system tune: %s; nothing changed\n", why);
		print_writes(&p);
		if (p.warning[0])
			fprintf(stderr, "ipcbench system tune: %s\n", p.warning);
	}
	print_tune_summary(&p, o);
out:
	ipcb_system_plan_free(&p);
	return exit_of(rc);
}

/* ---- reset ---- */

static int restore(const json_t *f, const struct ipcb_system_opts *o)
{
	struct ipcb_system_restore r;
	enum ipcb_restore done = ipcb_system_restore_file(f, o->dry_run, &r);

	switch (done) {
	case IPCB_RESTORE_MALFORMED:
		printf("  malformed entry skipped\n");
		return -1;
	case IPCB_RESTORE_REFUSED:
		printf("  %s: not a file tune writes (%s/..., /proc/irq/...): refused\n", r.rel, IPCB_SYSTEM_CPU_DIR);
		return -1;
	default:
		break;
	}
	printf("  %-28s -> %s   (%s)\n", r.what, r.cur, r.rel);
	if (done == IPCB_RESTORE_GONE)
		printf("  %-28s skipped: %s: %s\n", "", r.path, strerror(-r.err));
	if (done == IPCB_RESTORE_FAILED)
		printf("  %-28s failed: %s: %s\n", "", r.path, strerror(-r.err));
	return done == IPCB_RESTORE_FAILED ? -1 : 0;
}

static int cmd_reset(const struct system_opts *so)
{
	const struct ipcb_system_opts *o = &so->o;
	char why[PATH_MAX + 256];
	json_t *state, *files;
	size_t i;
	int failed = 0, rc;

	rc = ipcb_system_reset_load(o, &state, why, sizeof(why));
	if (rc != IPCB_SYSTEM_OK) {
		fprintf(stderr, "ipcbench system reset: %s\n", why);
		return exit_of(rc);
	}
	if (!state) {
		printf("no saved state in %s: nothing to restore (tune changed nothing, or reset already ran)\n", o->state);
		return IPCB_EXIT_OK;
	}
	files = json_object_get(state, "files");
	printf("restoring %zu file(s) saved %s%s:\n", json_array_size(files),
	       json_string_value(json_object_get(state, "saved")) ?: "?", o->dry_run ? " (dry run: nothing written)" : "");
	/* in reverse: a file written twice ends with what it held before the first write */
	for (i = json_array_size(files); i-- > 0;)
		failed += restore(json_array_get(files, i), o) != 0;
	json_decref(state);
	if (failed) {
		fprintf(stderr, "ipcbench system reset: %d file(s) not restored; %s kept\n", failed, o->state);
		return IPCB_EXIT_FAILED;
	}
	rc = o->dry_run ? 0 : ipcb_system_drop_state(o);
	if (rc)
		fprintf(stderr, "ipcbench system reset: restored, but cannot remove %s: %s\n", o->state, strerror(-rc));
	return IPCB_EXIT_OK;
}

/* ---- the command ---- */

static const char system_help[] =
	"usage: ipcbench system show [--json] [--cpus LIST] [--max-exit-latency US]\n"
	"       ipcbench system tune [--cpus LIST] [--max-exit-latency US] [--irqs] [--state FILE] [--dry-run] [--force]\n"
	"       ipcbench system reset [--state FILE] [--dry-run]\n"
	"\n"
	"The machine state that moves these figures, and setting it for a run (pyperf's\n"
	"system show|tune|reset). On bare metal a cross-core wake-up is mostly the sleeping\n"
	"core leaving its idle state; the governor and turbo set the clock it is timed on.\n"
	"\n"
	"  show     governor and frequency limits, turbo, cpuidle and every idle state, SMT,\n"
	"           isolcpus/nohz_full/rcu_nocbs, IRQs on the run's CPUs and irqbalance, THP,\n"
	"           ASLR, perf_event_paranoid, NMI watchdog, swap, load, the PM QoS limit:\n"
	"           each 'ok' or what to change and why; what cannot be read, and why.\n"
	"           Every results file records the same as machine.system.\n"
	"  tune     (root) performance governor, turbo off, idle states that exit in more than\n"
	"           --max-exit-latency US (default " "10" ") disabled, with --irqs IRQs moved off the CPUs;\n"
	"           every file's previous contents saved first; what the machine lacks is skipped\n"
	"  reset    (root) write back exactly what tune saved, then remove the saved state\n"
	"\n"
	"  --cpus LIST            the benchmark CPUs, e.g. 2-7 (default: the CPUs a run may use)\n"
	"  --max-exit-latency US  idle states that exit slower than this count as deep (default 10)\n"
	"  --irqs                 tune: route IRQs to the online CPUs outside --cpus\n"
	"  --state FILE           the saved state (default /var/lib/ipcbench/system-saved.json as root,\n"
	"                         whatever sudo kept of the environment; else $XDG_STATE_HOME/ipcbench/...)\n"
	"  -n, --dry-run          say what would change, write nothing\n"
	"  -f, --force            tune although a saved state exists (it is replaced)\n"
	"  --json                 show: print machine.system as JSON\n"
	"\n"
	"Reads and writes go under $IPCBENCH_SYSFS_ROOT when set (tests use a fake tree).\n";

static enum ipcb_parse parse_max_us(const char *arg, int *max_us)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < 0 || v > 10000000) {
		ipcb_usage_error("system", "--max-exit-latency '%s': expected microseconds, 0 to 10000000", arg);
		return IPCB_PARSE_USAGE;
	}
	*max_us = (int)v;
	return IPCB_PARSE_OK;
}

static enum ipcb_parse parse_system_opts(int argc, char **argv, struct system_opts *so)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	{ "cpus", required_argument, NULL, 'C' },
		{ "irqs", no_argument, NULL, 'I' },	{ "state", required_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },	{ "force", no_argument, NULL, 'f' },
		{ "max-exit-latency", required_argument, NULL, 'L' }, { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ipcb_system_opts *o = &so->o;
	enum ipcb_parse rc = IPCB_PARSE_OK;
	int c;

	o->max_us = IPCB_SYSTEM_MAX_EXIT_US;
	while (rc == IPCB_PARSE_OK && (c = getopt_long(argc, argv, "+nfh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': so->as_json = 1; break;
		case 'C': o->cpus = optarg; break;
		case 'I': o->irqs = 1; break;
		case 's': o->state = optarg; break;
		case 'n': o->dry_run = 1; break;
		case 'f': o->force = 1; break;
		case 'L': rc = parse_max_us(optarg, &o->max_us); break;
		case 'h': fputs(system_help, stdout); rc = IPCB_PARSE_HELP; break;
		default: fputs(system_help, stderr); rc = IPCB_PARSE_USAGE; break;
		}
	}
	if (rc == IPCB_PARSE_OK && !o->state) {
		ipcb_system_default_state(so->state_buf, sizeof(so->state_buf));
		o->state = so->state_buf;
	}
	return rc;
}

int ipcb_cmd_system(int argc, char **argv)
{
	struct system_opts so = { 0 };
	enum ipcb_parse parsed;
	const char *sub;
	char cmd[256];

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(system_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? IPCB_EXIT_USAGE : IPCB_EXIT_OK;
	}
	sub = argv[1];
	optind = 1;
	parsed = parse_system_opts(argc - 1, argv + 1, &so);
	if (parsed != IPCB_PARSE_OK)
		return ipcb_parse_exit(parsed);
	snprintf(cmd, sizeof(cmd), "system %s", sub);
	if (optind < argc - 1)
		return ipcb_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (!strcmp(sub, "show"))
		return cmd_show(&so);
	if (!strcmp(sub, "tune"))
		return cmd_tune(&so);
	if (!strcmp(sub, "reset"))
		return cmd_reset(&so);
	return ipcb_usage_error("system", "unknown subcommand '%s' (show, tune, reset; see --help)", sub);
}
