/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the commands share: exit codes, the usage error, each
 * command's entry point, and the options `run` and `test` both take
 * (cli/options.c). Private to cli/: the engine and report/ never include it.
 */
#ifndef IPCB_CLI_H
#define IPCB_CLI_H

#include <jansson.h>

#include "config.h"

/* The exit codes of every command (README "Exit codes"). */
enum ipcb_exit {
	IPCB_EXIT_OK = 0,
	IPCB_EXIT_FAILED = 1,	    /* something failed: a benchmark, a check, a regression past --fail-above */
	IPCB_EXIT_USAGE = 2,	    /* bad input: nothing was run or written */
	IPCB_EXIT_INTERRUPTED = 130 /* Ctrl-C: what was done is written */
};

/* "ipcbench CMD: <message>" on stderr; returns IPCB_EXIT_USAGE. */
int ipcb_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How parsing a command line ended: go on, or stop with the exit code ipcb_parse_exit() gives. */
enum ipcb_parse {
	IPCB_PARSE_OK,	   /* parsed: run the command */
	IPCB_PARSE_HELP,   /* --help was printed: exit 0 */
	IPCB_PARSE_USAGE,  /* bad input, already said on stderr: exit 2 */
	IPCB_PARSE_FAILED, /* the machine failed us (hwloc), already said: exit 1 */
};

enum ipcb_exit ipcb_parse_exit(enum ipcb_parse p);

/* Each command: argv[0] is the command's name; returns an enum ipcb_exit. */
int ipcb_cmd_list(int argc, char **argv);
int ipcb_cmd_info(int argc, char **argv);
int ipcb_cmd_run(int argc, char **argv);
int ipcb_cmd_test(int argc, char **argv);
int ipcb_cmd_validate(int argc, char **argv);
int ipcb_cmd_system(int argc, char **argv);
int ipcb_cmd_compare(int argc, char **argv);
int ipcb_cmd_plot(int argc, char **argv);
int ipcb_cmd_export(int argc, char **argv);

struct ipcb_job;

/* The options of `run` and `test`: a config, then the command line over it. */
struct ipcb_run_opts {
	struct ipcb_config cfg;
	const char *config_path, *out;
	int force, dry_run, quiet;
	double budget;
	int have_budget;
	int oversubscribe;
	int rounds;
	double timeout;
	const char *counters;	    /* --counters: event list, or NULL */
	const char *label, *run_id; /* --label, --run-id: recorded in the file as given */
	const char **placements;    /* --placement as given, checked once the topology is known */
	const char **params;	    /* --param and its aliases, applied over the config */
	int nplacements, nparams;
	char **owned; /* strings made from --threads/--mode/--fill */
	int nowned;
	struct ipcb_job *jobs; /* planned from all of the above */
	size_t njobs;
};

/*
 * Parse cmd's options into ro (zeroed by the caller), load the config
 * (run: the embedded default when none is named), set the topology up,
 * check --placement and --cpus against it and plan the jobs (ro->jobs).
 * Whatever it returns, the caller frees ro with ipcb_run_opts_free().
 */
enum ipcb_parse ipcb_parse_run_opts(const char *cmd, int argc, char **argv, struct ipcb_run_opts *ro,
				    const char *help);
void ipcb_run_opts_free(struct ipcb_run_opts *ro);

/* hwloc's topology, or "ipcbench CMD: hwloc topology: why" on stderr and -1. */
int ipcb_init_topology(const char *cmd);

/* The machine fingerprint with the timer and the warnings: `info` prints it, `run` records it. */
json_t *ipcb_machine_with_timer(void);

#endif
