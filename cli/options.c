// SPDX-License-Identifier: MIT
/*
 * options.c - the options `run` and `test` share: the config, then the
 * command line over it (patterns, parameters, --placement, --cpus), checked
 * against this machine's topology. Nothing here runs a benchmark.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "counters.h"
#include "ipcbench.h"
#include "runner.h"
#include "system.h"
#include "topo.h"

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

int ipcb_init_topology(const char *cmd)
{
	char err[256];

	if (ipcb_topo_init(err, sizeof(err))) {
		fprintf(stderr, "ipcbench %s: hwloc topology: %s\n", cmd, err);
		return -1;
	}
	return 0;
}

void ipcb_run_opts_free(struct ipcb_run_opts *ro)
{
	int i;

	for (i = 0; i < ro->nowned; i++)
		free(ro->owned[i]);
	free(ro->owned);
	free(ro->placements);
	free(ro->params);
	free(ro->jobs);
	ipcb_config_free(&ro->cfg);
}

/* Append s to the array *v of *n strings (not copied). */
static void push(const char ***v, int *n, const char *s)
{
	*v = realloc(*v, (size_t)(*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static enum ipcb_parse parse_budget(const char *arg, struct ipcb_run_opts *ro)
{
	char *end;

	errno = 0;
	ro->budget = strtod(arg, &end);
	if (errno || end == arg || *end || !(ro->budget > 0) || ro->budget > 3600) {
		ipcb_usage_error("run", "--time-budget '%s': expected seconds, > 0 and <= 3600", arg);
		return IPCB_PARSE_USAGE;
	}
	ro->have_budget = 1;
	return IPCB_PARSE_OK;
}

/* --threads, --mode, --fill: the same as --param NAME=ARG */
static enum ipcb_parse parse_alias(const char *name, const char *arg, struct ipcb_run_opts *ro)
{
	char *a;

	if (asprintf(&a, "%s=%s", name, arg) < 0)
		return IPCB_PARSE_USAGE;
	ro->owned = realloc(ro->owned, (size_t)(ro->nowned + 1) * sizeof(char *));
	ro->owned[ro->nowned++] = a;
	push(&ro->params, &ro->nparams, a);
	return IPCB_PARSE_OK;
}

/* --rounds N, or --trials N: a trial of a lock driver is a round, a fresh setup (a new team of threads) each time */
static enum ipcb_parse parse_rounds(const char *cmd, const char *opt, const char *arg, struct ipcb_run_opts *ro)
{
	char *end;

	ro->rounds = (int)strtol(arg, &end, 10);
	if (*end || end == arg || ro->rounds < 1 || ro->rounds > 100) {
		ipcb_usage_error(cmd, "--%s '%s': expected an integer from 1 to 100", opt, arg);
		return IPCB_PARSE_USAGE;
	}
	return IPCB_PARSE_OK;
}

static enum ipcb_parse parse_timeout(const char *cmd, const char *arg, struct ipcb_run_opts *ro)
{
	char *end;

	ro->timeout = strtod(arg, &end);
	if (*end || end == arg || !(ro->timeout >= 0.01) || ro->timeout > 3600) {
		ipcb_usage_error(cmd, "--timeout '%s': expected seconds, from 0.01 to 3600", arg);
		return IPCB_PARSE_USAGE;
	}
	return IPCB_PARSE_OK;
}

/* --label, --run-id: any non-empty text */
static enum ipcb_parse parse_text(const char *cmd, const char *opt, const char *arg, const char **to)
{
	if (!*arg) {
		ipcb_usage_error(cmd, "--%s: expected a non-empty string", opt);
		return IPCB_PARSE_USAGE;
	}
	*to = arg;
	return IPCB_PARSE_OK;
}

static enum ipcb_parse parse_idle_latency(const char *cmd, const char *arg)
{
	char err[1024];

	if (ipcb_system_request_idle_latency(arg, err, sizeof(err))) {
		ipcb_usage_error(cmd, "%s", err);
		return IPCB_PARSE_USAGE;
	}
	return IPCB_PARSE_OK;
}

/* One option c (getopt's value) with its optarg. */
static enum ipcb_parse parse_option(const char *cmd, int c, struct ipcb_run_opts *ro, const char *help)
{
	switch (c) {
	case 'c': ro->config_path = optarg; break;
	case 'o': ro->out = optarg; break;
	case 'f': ro->force = 1; break;
	case 't': return parse_budget(optarg, ro);
	case 'P': push(&ro->placements, &ro->nplacements, optarg); break;
	case 'C': return parse_cpus(cmd, optarg, &ro->cfg) ? IPCB_PARSE_USAGE : IPCB_PARSE_OK;
	case 'p': push(&ro->params, &ro->nparams, optarg); break;
	case 'T': return parse_alias("threads", optarg, ro);
	case 'M': return parse_alias("mode", optarg, ro);
	case 'F': return parse_alias("fill", optarg, ro);
	case 'O': ro->oversubscribe = 1; break;
	case 'r': return parse_rounds(cmd, "rounds", optarg, ro);
	case 'R': return parse_rounds(cmd, "trials", optarg, ro);
	case 'W': return parse_timeout(cmd, optarg, ro);
	case 'K': ro->counters = optarg ? optarg : IPCB_COUNTERS_DEFAULT; break;
	case 'L': return parse_idle_latency(cmd, optarg);
	case 'B': return parse_text(cmd, "label", optarg, &ro->label);
	case 'I': return parse_text(cmd, "run-id", optarg, &ro->run_id);
	case 'n': ro->dry_run = 1; break;
	case 'q': ro->quiet = 1; break;
	case 'h': fputs(help, stdout); return IPCB_PARSE_HELP;
	default: fputs(help, stderr); return IPCB_PARSE_USAGE;
	}
	return IPCB_PARSE_OK;
}

/* --config FILE replaces the config; --cpus given before it stays. */
static enum ipcb_parse load_config_file(const char *cmd, struct ipcb_run_opts *ro)
{
	struct ipcb_config fresh;
	int have_cpus = ro->cfg.have_cpus, cpus[2] = { ro->cfg.cpus[0], ro->cfg.cpus[1] };
	char err[1024];

	ipcb_config_init(&fresh);
	if (ipcb_config_load(&fresh, ro->config_path, err, sizeof(err))) {
		ipcb_config_free(&fresh);
		ipcb_usage_error(cmd, "%s", err);
		return IPCB_PARSE_USAGE;
	}
	ipcb_config_free(&ro->cfg);
	ro->cfg = fresh;
	if (have_cpus) {
		ro->cfg.have_cpus = have_cpus;
		ro->cfg.cpus[0] = cpus[0];
		ro->cfg.cpus[1] = cpus[1];
	}
	return IPCB_PARSE_OK;
}

/* The config the command line goes over: --config, else for run the embedded default suite. */
static enum ipcb_parse load_config(const char *cmd, struct ipcb_run_opts *ro)
{
	char err[1024];

	if (ro->config_path)
		return load_config_file(cmd, ro);
	if (strcmp(cmd, "run") == 0 &&
	    ipcb_config_parse(&ro->cfg, ipcb_default_config, "embedded default (configs/default.json)", err,
			      sizeof(err))) {
		ipcb_usage_error(cmd, "%s", err);
		return IPCB_PARSE_USAGE;
	}
	return IPCB_PARSE_OK;
}

/* Patterns and the options that override the config's values. */
static void apply_overrides(struct ipcb_run_opts *ro, char **patterns, int npatterns)
{
	if (npatterns > 0)
		ipcb_config_set_patterns(&ro->cfg, patterns, npatterns);
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
}

static enum ipcb_parse apply_params(const char *cmd, struct ipcb_run_opts *ro)
{
	char err[1024];
	int i;

	for (i = 0; i < ro->nparams; i++) {
		if (ipcb_config_add_param(&ro->cfg, ro->params[i], err, sizeof(err))) {
			ipcb_usage_error(cmd, "%s", err);
			return IPCB_PARSE_USAGE;
		}
	}
	return IPCB_PARSE_OK;
}

/* --placement replaces the config's placements; each is checked against the topology. */
static enum ipcb_parse apply_placements(const char *cmd, struct ipcb_run_opts *ro)
{
	int i;

	if (ro->nplacements) {
		for (i = 0; i < ro->cfg.nplacements; i++)
			free(ro->cfg.placements[i]);
		ro->cfg.nplacements = 0;
	}
	for (i = 0; i < ro->nplacements; i++)
		if (add_placements(cmd, ro->placements[i], &ro->cfg))
			return IPCB_PARSE_USAGE;
	return IPCB_PARSE_OK;
}

enum ipcb_parse ipcb_parse_run_opts(const char *cmd, int argc, char **argv, struct ipcb_run_opts *ro,
				    const char *help)
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
	enum ipcb_parse rc = IPCB_PARSE_OK;
	char err[1024];
	int c;

	ipcb_config_init(&ro->cfg);
	while (rc == IPCB_PARSE_OK && (c = getopt_long(argc, argv, "c:o:ft:p:nqh", opts, NULL)) != -1)
		rc = parse_option(cmd, c, ro, help);
	if (rc != IPCB_PARSE_OK)
		return rc;
	if (ipcb_topo_simulated(err, sizeof(err)) && !(ro->dry_run && strcmp(cmd, "run") == 0)) {
		ipcb_usage_error(cmd, "the topology is simulated (%s): only info, list and run --dry-run take it, since a measurement would file that machine's CPU relations under this one's CPUs; unset it to measure",
				 err);
		return IPCB_PARSE_USAGE;
	}
	rc = load_config(cmd, ro);
	if (rc != IPCB_PARSE_OK)
		return rc;
	apply_overrides(ro, argv + optind, argc - optind);
	rc = apply_params(cmd, ro);
	if (rc != IPCB_PARSE_OK)
		return rc;
	if (ipcb_init_topology(cmd))
		return IPCB_PARSE_FAILED;
	rc = apply_placements(cmd, ro);
	if (rc != IPCB_PARSE_OK)
		return rc;
	if (check_cpus(cmd, &ro->cfg))
		return IPCB_PARSE_USAGE;
	if (ipcb_plan(&ro->cfg, &ro->jobs, &ro->njobs, err, sizeof(err))) {
		ipcb_usage_error(cmd, "%s", err);
		return IPCB_PARSE_USAGE;
	}
	return IPCB_PARSE_OK;
}
