/* SPDX-License-Identifier: MIT */
/*
 * result.h - one result, typed: what the engine fills for a job and what
 * every reporter reads (the run's table, the results file, compare, export,
 * plot, the families' explain hooks). result.c is the one file that knows
 * how a result is laid out in JSON: ipcb_result_to_json() writes it,
 * ipcb_result_from_json() reads it back and is the schema's validator.
 */
#ifndef IPCB_RESULT_H
#define IPCB_RESULT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ipcbench.h"

struct ipcb_hist;

enum ipcb_status { IPCB_STATUS_OK, IPCB_STATUS_SKIPPED, IPCB_STATUS_FAILED };

/* "ok", "skipped", "failed"; and back (-1 for anything else). */
const char *ipcb_status_name(enum ipcb_status s);
int ipcb_status_parse(const char *name, enum ipcb_status *s);

/* One parameter as a result records it: an integer, or a choice by its name. */
struct ipcb_rparam {
	char *name;
	int is_choice; /* the value is a name ("process"); else value holds it */
	int64_t value;
	char *text; /* the value as text either way: "1024", "process" */
};

/* The statistics of the pooled samples ("stats"). */
struct ipcb_summary {
	size_t n;
	double min, max, median, mean, stddev, p1, p99, mad;
	double ci95[2]; /* the within-process CI of the median */
};

/* A latency histogram ("histogram"), in ns. */
struct ipcb_hbucket {
	double lo, hi;
	uint64_t count;
};
struct ipcb_histogram {
	uint64_t count;
	double min, max, mean, p50, p90, p99, p999;
	size_t nbuckets;
	struct ipcb_hbucket *buckets;
};

/* A named figure beside the median ("metrics"). */
struct ipcb_rmetric {
	char *name;
	double value;
	char *unit;
};

/* One hardware event of one thread ("counters.<thread>.events.<name>"). */
struct ipcb_revent {
	char *name;
	int available;
	double per_op;	/* when available */
	uint64_t total; /* scaled total */
	int scaled;	/* multiplexed: total is an estimate */
	int has_raw;
	uint64_t raw;
	char *reason; /* when not available */
};
/* The counters of one thread ("counters.measuring_thread", "counters.peer"). */
struct ipcb_rcounters {
	int present;
	int user_only;
	int has_ipc;
	double ipc;
	char *user_only_note, *read_error;
	size_t nevents;
	struct ipcb_revent *events;
};
enum { IPCB_THREAD_MEASURING, IPCB_THREAD_PEER, IPCB_NTHREAD_ROLES };

/* A CPU x CPU matrix ("attachments.matrix"), see ipcb_attach_matrix(). */
struct ipcb_rmatrix {
	size_t n;
	int *cpus;     /* n OS CPU ids: rows measure, columns answer */
	double *value; /* n x n, row major; NAN where not measured */
	size_t measured, total;
	char *rows, *columns;	 /* what a row and a column are */
	int has_headline;
	int headline[2]; /* the pair of the result's headline figure */
	char *relation;	 /* its topological relation */
};

/* A per-thread share of the work ("attachments.threads"), see ipcb_attach_threads(). */
struct ipcb_rthread {
	int cpu;
	uint64_t acquisitions;
};

struct ipcb_result {
	char *id, *family;
	size_t nparams;
	struct ipcb_rparam params[IPCB_MAX_PARAMS];
	char *placement; /* its name: "single", "same-cache", ... */
	char *role;	 /* same-cpu, smt-sibling, nearest-core, farthest; NULL when none */
	size_t ncpus;
	int *cpus;
	char *unit, *per;
	enum ipcb_status status;
	char *reason; /* skipped or failed: why */
	size_t nnotes;
	char **notes;

	/* status ok: the measurement */
	struct ipcb_summary stats;
	size_t nround_medians;
	double *round_medians;
	double ci95_rel_samples;
	int has_ci95_runs; /* two or more rounds */
	double ci95_runs[2], ci95_rel_runs;
	double interval95[2]; /* the wider of the two: what tables, compare and plots use */
	char *interval_basis; /* "samples" or "rounds" */
	double ci95_rel;
	int unstable;
	uint64_t iters_per_sample;
	double sample_ns, elapsed_s, drift;
	int rounds;
	char *stop; /* how sampling ended: "ci target", "max samples", ... */
	size_t nsamples;
	double *samples;

	/* optional */
	struct ipcb_histogram *histogram;
	struct ipcb_rcounters counters[IPCB_NTHREAD_ROLES];
	size_t nmetrics;
	struct ipcb_rmetric *metrics;
	struct ipcb_rmatrix *matrix;
	size_t nthreads;
	struct ipcb_rthread *threads;
};

/* The JSON of a result, as the results file holds it. New reference. */
json_t *ipcb_result_to_json(const struct ipcb_result *r);
/*
 * Read a result record back, checking it against the schema: 0, or -1 with
 * the first problem in why, naming the member ("stats.ci95: expected 2
 * numbers"). r is zeroed first and must be freed with ipcb_result_free()
 * either way.
 */
int ipcb_result_from_json(const json_t *j, struct ipcb_result *r, char *why, size_t whylen);
void ipcb_result_free(struct ipcb_result *r);

/*
 * A histogram as the results JSON holds it: unit "ns", count, min, max,
 * mean, p50/p90/p99/p999 and the non-empty buckets [lo, hi, count]; values
 * are scaled by ns_per_unit (1 when the histogram was filled in ns).
 */
json_t *ipcb_hist_json(const struct ipcb_hist *h, double ns_per_unit);

#endif
