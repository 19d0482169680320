// SPDX-License-Identifier: MIT
/*
 * run.c - `ipcbench run`: the options, then either the dry run (the jobs and
 * an estimate of the wall time) or the measurement through the engine's
 * schedule (ipcb_run_jobs) with progress on stderr, the results table, and
 * the results file, saved elsewhere if it cannot be written where asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "counters.h"
#include "registry.h"
#include "results.h"
#include "rfile.h"
#include "runner.h"
#include "system.h"
#include "timer.h"
#include "pairs.h"
#include "topo.h"
#include "worker.h"

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


static void placement_text(const struct ipcb_result *r, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", ipcb_str(r->placement));
	size_t i;

	for (i = 0; i < r->ncpus && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "," : " [", r->cpus[i]);
	if (r->ncpus && used < len)
		snprintf(buf + used, len - used, "]");
}

static void flags_text(const struct ipcb_result *r, char *buf, size_t len)
{
	const struct ipcb_summary *st = &r->stats;

	buf[0] = '\0';
	if (r->status != IPCB_STATUS_OK) {
		snprintf(buf, len, "%s: %s", ipcb_status_name(r->status), r->reason);
		return;
	}
	if (r->unstable)
		snprintf(buf, len, "unstable");
	if (r->drift > 1.1)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sdrift %.2fx", buf[0] ? ", " : "", r->drift);
	if (st->p99 > 2 * st->median)
		snprintf(buf + strlen(buf), len - strlen(buf), "%stail p99 %.1fx", buf[0] ? ", " : "",
			 st->p99 / st->median);
}

/* The run's table, from the typed results (in the order the document holds them), then their notes. */
static void print_table(const struct ipcb_result *res, size_t n)
{
	const struct ipcb_result *r;
	size_t j;

	printf("\n%-40s %-18s %12s %9s  %-12s %s\n", "benchmark", "placement", "median", "CI95", "per", "flags");
	for (r = res; r < res + n; r++) {
		char label[128], pl[64], med[32] = "-", ci[16] = "-", flags[320];

		ipcb_result_params_text(r, label, sizeof(label), IPCB_PARAMS_ID, NULL, NULL);
		placement_text(r, pl, sizeof(pl));
		if (r->has & IPCB_HAS_STATS) {
			ipcb_fmt_ns(r->stats.median, med, sizeof(med));
			snprintf(ci, sizeof(ci), "+/-%.1f%%", 100 * r->ci95_rel);
		}
		flags_text(r, flags, sizeof(flags));
		printf("%-40s %-18s %12s %9s  %-12s %s\n", label, pl, med, ci, ipcb_str(r->per), flags);
	}
	printf("\nCI95: the wider of two 95%% intervals of the median: within one process (its samples) and\n"
	       "between processes (the medians of the rounds, each a fresh process), as +/- percent.\n");
	printf("\nnotes:\n");
	for (r = res; r < res + n; r++) {
		if (!r->nnotes)
			continue;
		printf("  %s\n", ipcb_str(r->id));
		for (j = 0; j < r->nnotes; j++)
			printf("    - %s\n", r->notes[j]);
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
 * a pair sweep (handoff/matrix) is measured on every pair by the engine, in one round.
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

/* The results of a run, typed: the document holds them as JSON, the table reads them as they are. */
struct run_results {
	struct ipcb_result *v;
	size_t n;
};

static void run_results_free(struct run_results *rr)
{
	size_t i;

	for (i = 0; i < rr->n; i++)
		ipcb_result_free(&rr->v[i]);
	free(rr->v);
}

/* Run the jobs, explain, and put the results into doc (the typed results become JSON here) and rr (kept typed for the table). */
static int run_jobs(struct ipcb_run_opts *ro, struct ipcb_job *jobs, size_t njobs, json_t *doc,
		    struct run_results *rr)
{
	struct progress pg = { isatty(2) && !ro->quiet, ro->quiet, ipcb_clock_ns() };
	struct ipcb_result *results = calloc(njobs + 1, sizeof(*results));
	size_t failed, workers, nresults = 0, i;
	double startup_ms, spread;
	json_t *speed;

	rr->v = results;
	rr->n = 0;
	if (!results)
		return 1;
	ro->cfg.measure.stop = &ipcb_interrupted;
	ro->cfg.measure.counter_list = ro->counters;
	failed = ipcb_run_jobs(jobs, njobs, &ro->cfg.measure, progress, &pg, results, &nresults);
	rr->n = nresults;
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
	for (i = 0; i < nresults; i++)
		json_array_append_new(json_object_get(doc, "results"), ipcb_result_to_json(&results[i]));
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
static int save_elsewhere(json_t *doc, const struct run_results *rr, const char *out, const char *why, int quiet)
{
	char *saved = ipcb_report_write_fallback(doc, out);

	fprintf(stderr, "ipcbench run: %s\n", why);
	if (!quiet)
		print_table(rr->v, rr->n);
	if (saved) {
		fprintf(stderr, "ipcbench run: the results (%zu) are in %s, not in %s\n", rr->n, saved, out);
		free(saved);
		return IPCB_EXIT_FAILED;
	}
	fprintf(stderr, "ipcbench run: no file could be written, not even in $TMPDIR; the results JSON follows on stdout\n");
	json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	putchar('\n');
	return IPCB_EXIT_FAILED;
}

/* run --dry-run: the effective configuration, the jobs and the estimate, as JSON on stdout. */
static void print_dry_run(const struct ipcb_run_opts *ro, struct ipcb_job *jobs, size_t njobs)
{
	json_t *dry = json_pack("{s:o, s:o, s:o}", "config", ipcb_config_json(&ro->cfg), "jobs", jobs_json(jobs, njobs),
				"estimate", estimate_json(&ro->cfg, jobs, njobs));
	char simulated[1024] = "";

	if (ipcb_topo_simulated(simulated, sizeof(simulated)))
		json_object_set_new(dry, "simulated", json_string(simulated));
	if (!ro->quiet)
		print_estimate(json_object_get(dry, "estimate"), simulated);
	json_dumpf(dry, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	putchar('\n');
	json_decref(dry);
}

/* Measure the jobs and write the results to out: the exit code. */
static int measure(struct ipcb_run_opts *ro, struct ipcb_job *jobs, size_t njobs, const char *out)
{
	struct run_results rr = { 0 };
	char err[1024];
	json_t *doc, *machine;
	int failed, rc;

	ipcb_install_sigint();
	if (ipcb_system_hold_idle_latency(err, sizeof(err))) {
		fprintf(stderr, "ipcbench run: %s\n", err);
		return IPCB_EXIT_FAILED;
	}
	machine = ipcb_machine_with_timer();
	if (!ro->quiet)
		print_warnings(machine);
	doc = ipcb_report_new(machine, ipcb_config_json(&ro->cfg));
	if (ro->label)
		json_object_set_new(machine, "label", json_string(ro->label));
	if (ro->run_id)
		json_object_set_new(doc, "run_id", json_string(ro->run_id));
	failed = run_jobs(ro, jobs, njobs, doc, &rr);
	ipcb_report_finish(doc, ipcb_interrupted);
	/* past a file-size limit, write() fails with EFBIG (and we save elsewhere) rather than the signal killing us */
	signal(SIGXFSZ, SIG_IGN);
	if (ipcb_report_write(doc, out, ro->force, err, sizeof(err))) {
		rc = save_elsewhere(doc, &rr, out, err, ro->quiet);
		goto out;
	}
	if (!ro->quiet)
		print_table(rr.v, rr.n);
	printf("\nwrote %s (%zu results%s)\n", out, rr.n,
	       ipcb_interrupted ? ", interrupted" : "");
	rc = ipcb_interrupted ? IPCB_EXIT_INTERRUPTED : failed ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
out:
	run_results_free(&rr);
	json_decref(doc);
	return rc;
}

int ipcb_cmd_run(int argc, char **argv)
{
	struct ipcb_run_opts ro = { 0 };
	char err[1024], *out = NULL;
	enum ipcb_parse parsed;
	int rc = IPCB_EXIT_OK;

	parsed = ipcb_parse_run_opts("run", argc, argv, &ro, run_help);
	if (parsed != IPCB_PARSE_OK) {
		rc = ipcb_parse_exit(parsed);
		goto out;
	}
	if (ro.dry_run) {
		print_dry_run(&ro, ro.jobs, ro.njobs);
		goto out;
	}
	if (!ro.out)
		mkdir("results", 0755);
	out = ro.out ? strdup(ro.out) : ipcb_report_default_path("results");
	if (ipcb_report_check_path(out, ro.force, err, sizeof(err))) {
		rc = ipcb_usage_error("run", "%s", err);
		goto out;
	}
	rc = measure(&ro, ro.jobs, ro.njobs, out);
out:
	ipcb_system_release_idle_latency();
	free(out);
	ipcb_run_opts_free(&ro);
	return rc;
}
