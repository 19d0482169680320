/* SPDX-License-Identifier: MIT */
/* config.h - suites as JSON files: load, validate (file:line:col), defaults, effective config. */
#ifndef IPCB_CONFIG_H
#define IPCB_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "measure.h"

#define IPCB_CONFIG_SCHEMA "ipcbench-config/1"
/* The largest OS CPU id --cpus and "cpus" accept (Linux's NR_CPUS is at most 8192 today). */
#define IPCB_CPU_ID_MAX 65535
/* The largest config file read: a suite is a few KiB; /dev/zero must not fill memory. */
#define IPCB_CONFIG_MAX_BYTES (16 << 20)

struct ipcb_config {
	char *source;		  /* file name, or "embedded default" */
	char *description;
	char **patterns;	  /* benchmark patterns */
	int npatterns;
	char **placements;	  /* for two-thread benchmarks; empty: all that exist */
	int nplacements;
	int cpus[2];		  /* explicit CPUs: the first have_cpus are given */
	int have_cpus;		  /* 0, 1 (one-thread benchmarks only) or 2 */
	int oversubscribe;	  /* allow more threads than CPUs */
	double timeout_s;	  /* the watchdog: a peer silent this long fails its benchmark */
	struct ipcb_measure_opts measure;
	json_t *params;		  /* {pattern: {name: [int, ...]}} (values normalised to arrays) */
};

/* The embedded default suite (configs/default.json, compiled in). */
extern const char ipcb_default_config[];

void ipcb_config_init(struct ipcb_config *c);
void ipcb_config_free(struct ipcb_config *c);
/*
 * Parse and validate text (name is used in messages). On error returns -1
 * with "name:line:col: message" in err, naming the offending key.
 */
int ipcb_config_parse(struct ipcb_config *c, const char *text, const char *name, char *err, size_t errlen);
int ipcb_config_load(struct ipcb_config *c, const char *path, char *err, size_t errlen);
/* The effective configuration, after defaults and command-line overrides. */
json_t *ipcb_config_json(const struct ipcb_config *c);
/* Replace the patterns (command line wins over the file). */
int ipcb_config_set_patterns(struct ipcb_config *c, char *const *patterns, int n);
/* Add "name=v1,v2" for every benchmark (pattern "*") that declares name. */
int ipcb_config_add_param(struct ipcb_config *c, const char *assignment, char *err, size_t errlen);

#endif
