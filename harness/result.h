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
	double min, max, median, mean, stddev, p1, p99, mad; /* max: NAN when a file lacks it */
	double ci95[2]; /* the within-process CI of the median */
};

/* A latency histogram ("histogram"), in ns. */
struct ipcb_hbucket {
	double lo, hi;
	uint64_t count;
};
/* Which figures a histogram holds (files by hand may hold only the buckets). */
enum {
	IPCB_HIST_HAS_UNIT = 1 << 0,
	IPCB_HIST_HAS_COUNT = 1 << 1,
	IPCB_HIST_HAS_MIN = 1 << 2,
	IPCB_HIST_HAS_MAX = 1 << 3,
	IPCB_HIST_HAS_MEAN = 1 << 4,
	IPCB_HIST_HAS_P50 = 1 << 5,
	IPCB_HIST_HAS_P90 = 1 << 6,
	IPCB_HIST_HAS_P99 = 1 << 7,
	IPCB_HIST_HAS_P999 = 1 << 8,
};
struct ipcb_histogram {
	unsigned has; /* IPCB_HIST_HAS_* */
	char *unit;   /* "ns" */
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
/* One thread's counters as "counters.<thread>" holds them (new reference); free what they own. */
json_t *ipcb_rcounters_json(const struct ipcb_rcounters *c);
void ipcb_rcounters_free(struct ipcb_rcounters *c);
enum { IPCB_THREAD_MEASURING, IPCB_THREAD_PEER, IPCB_NTHREAD_ROLES };

/* A CPU x CPU matrix ("attachments.matrix"), see ipcb_attach_matrix(). */
struct ipcb_rmatrix {
	size_t n;
	int *cpus;     /* n OS CPU ids: rows measure, columns answer */
	char *quantity; /* the member holding the grid: "round_trip_ns" */
	double *value; /* n x n, row major; NAN where not measured (null) */
	int has_measured, has_total;
	size_t measured, total; /* "measured_pairs", "total_pairs" */
	char *rows, *columns;	 /* what a row and a column are; NULL when not said */
	int has_headline;
	int headline[2]; /* the pair of the result's headline figure */
	char *relation;	 /* its topological relation */
	json_t *unknown; /* members not modelled (a second grid), kept as read; NULL when none */
};

/* A per-thread share of the work ("attachments.threads"), see ipcb_attach_threads(). */
struct ipcb_rthread {
	int cpu;
	uint64_t acquisitions;
};

/* Which optional members a result holds: files of older versions lack some. */
enum {
	IPCB_HAS_STATS = 1 << 0,
	IPCB_HAS_ROUND_MEDIANS = 1 << 1,
	IPCB_HAS_CI95_REL_SAMPLES = 1 << 2,
	IPCB_HAS_CI95_RUNS = 1 << 3, /* mirrors has_ci95_runs */
	IPCB_HAS_CI95_REL_RUNS = 1 << 4,
	IPCB_HAS_INTERVAL95 = 1 << 5,
	IPCB_HAS_INTERVAL_BASIS = 1 << 6,
	IPCB_HAS_CI95_REL = 1 << 7,
	IPCB_HAS_UNSTABLE = 1 << 8,
	IPCB_HAS_ITERS = 1 << 9,
	IPCB_HAS_SAMPLE_NS = 1 << 10,
	IPCB_HAS_ELAPSED_S = 1 << 11,
	IPCB_HAS_ROUNDS = 1 << 12,
	IPCB_HAS_DRIFT = 1 << 13,
	IPCB_HAS_STOP = 1 << 14,
	IPCB_HAS_SAMPLES = 1 << 15,
	IPCB_HAS_NOTES = 1 << 16, /* an empty "notes": [] counts */
	IPCB_HAS_METRICS = 1 << 17,
	IPCB_HAS_ATTACHMENTS = 1 << 18,
	IPCB_HAS_COUNTERS = 1 << 19,
};

/*
 * Where "notes" stands among the members: the engine writes them when they
 * arise (a benchmark's notes before the pooled figures, the interval's after
 * "unstable", the rest last), and a file keeps that order on a round trip.
 */
enum ipcb_notes_slot { IPCB_NOTES_BEFORE_STATS, IPCB_NOTES_AFTER_UNSTABLE, IPCB_NOTES_LAST };

struct ipcb_result {
	unsigned has; /* IPCB_HAS_* */
	char *id, *family;
	size_t nparams;
	struct ipcb_rparam params[IPCB_MAX_PARAMS];
	char *placement; /* its name: "single", "same-cache", ... */
	char *relation;	 /* placement.relation: of a pair's two CPUs; NULL when none */
	char *role;	 /* same-cpu, smt-sibling, nearest-core, farthest; NULL when none */
	size_t ncpus;
	int *cpus;
	char *unit, *per;
	enum ipcb_status status;
	char *reason; /* skipped or failed: why */
	size_t nnotes;
	char **notes;
	enum ipcb_notes_slot notes_slot;

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
	int has_threads;
	json_t *unknown_attachments; /* attachments not modelled, kept as read; NULL when none */
	json_t *unknown;	     /* members not modelled, kept as read (written last); NULL when none */
};

/* The most CPUs an attachments.matrix may hold. */
#define IPCB_MATRIX_MAX 4096

/* The JSON of a result, as the results file holds it. New reference. */
json_t *ipcb_result_to_json(const struct ipcb_result *r);
/*
 * Read a result record back, checking it against the schema: 0, or -1 with
 * the first problem in why, naming the member ("stats.ci95 must be [lo,
 * hi]"; the caller says which record). Members it does not model are kept
 * (r->unknown) and written back, so to_json(from_json(x)) holds what x held;
 * for what the tool writes, byte for byte. r is zeroed first and must be
 * freed with ipcb_result_free() either way.
 */
int ipcb_result_from_json(const json_t *j, struct ipcb_result *r, char *why, size_t whylen);
void ipcb_result_free(struct ipcb_result *r);
/*
 * The same without the measurement: an ok record may lack stats and samples
 * (a worker's round before the manager pools the rounds).
 */
int ipcb_result_from_json_partial(const json_t *j, struct ipcb_result *r, char *why, size_t whylen);

/* Strings the result owns: set (a copy; NULL clears) and append a note printf-style. 0 or -1 (memory). */
int ipcb_result_set_str(char **field, const char *s);
int ipcb_result_add_note(struct ipcb_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a parameter: a choice by its name when choice is set, else the integer. 0 or -1. */
int ipcb_result_add_param(struct ipcb_result *r, const char *name, int64_t value, const char *choice);
/* A parameter by name, or NULL. */
const struct ipcb_rparam *ipcb_result_param(const struct ipcb_result *r, const char *name);

/* ipcb_params_text's flags. */
enum {
	IPCB_PARAMS_ID = 1 << 0,     /* lead with the id: "lock/pthread-mutex k=v,k=v" */
	IPCB_PARAMS_SORTED = 1 << 1, /* by name, not in the benchmark's order */
};
/*
 * Parameters as text, "k=v,k=v" (the one params-to-text rule of the tool):
 * the params for which keep(name, arg) holds (every one when keep is NULL),
 * after the id and a space with IPCB_PARAMS_ID. Returns buf.
 */
char *ipcb_params_text(const char *id, const struct ipcb_rparam *p, size_t n, char *buf, size_t len,
		       unsigned flags, int (*keep)(const char *name, void *arg), void *arg);
char *ipcb_result_params_text(const struct ipcb_result *r, char *buf, size_t len, unsigned flags,
			      int (*keep)(const char *name, void *arg), void *arg);
/* A keep for ipcb_params_text: every parameter but the one named by arg (a const char *). */
int ipcb_param_not(const char *name, void *arg);

/*
 * A histogram as the results JSON holds it: unit "ns", count, min, max,
 * mean, p50/p90/p99/p999 and the non-empty buckets [lo, hi, count]; values
 * are scaled by ns_per_unit (1 when the histogram was filled in ns).
 */
json_t *ipcb_hist_json(const struct ipcb_hist *h, double ns_per_unit);
/* The same, typed (what ipcb_hist_json writes). NULL when out of memory. */
struct ipcb_histogram *ipcb_hist_result(const struct ipcb_hist *h, double ns_per_unit);
/*
 * What the engine adds to a result as a job runs (the benchmark's metrics
 * and attachments, the counters): typed, so that only this file knows how
 * they are written. A metric of the same name is replaced in place. 0 or -1
 * (memory).
 */
int ipcb_result_set_metric(struct ipcb_result *r, const char *name, double value, const char *unit);
int ipcb_result_set_threads(struct ipcb_result *r, const int *cpu, const uint64_t *acquisitions, size_t n);
/* Attach m (the result owns it from now on; NULL drops the matrix). */
void ipcb_result_set_matrix(struct ipcb_result *r, struct ipcb_rmatrix *m);
/* An n x n matrix of quantity ("round_trip_ns"), every cell NAN; NULL when out of memory. */
struct ipcb_rmatrix *ipcb_rmatrix_new(size_t n, const char *quantity);
void ipcb_rmatrix_free(struct ipcb_rmatrix *m);
/* Give r from's metrics (copied), attachments and counters (moved: from loses them). 0 or -1. */
int ipcb_result_take_extras(struct ipcb_result *r, struct ipcb_result *from);

/*
 * The grids of a matrix, in the order it holds them: grid 0 is its quantity
 * (m->value); a further grid (a second quantity, kept as read in m->unknown)
 * follows. Grid k's name, with its n x n cells copied into value (row major,
 * NAN where not measured); NULL when the matrix has no grid k.
 */
const char *ipcb_result_matrix_grid(const struct ipcb_rmatrix *m, size_t k, double *value);

/* The statistics of samples (stats.c's ipcb_stats_compute) as a result holds them. */
struct ipcb_stats;
void ipcb_summary_from_stats(struct ipcb_summary *to, const struct ipcb_stats *s);

#endif
