/* SPDX-License-Identifier: MIT */
/*
 * compare.h - reading results files back: `ipcbench compare` (results matched
 * across files, ratios with significance), `ipcbench export` (one row per
 * result), and the loader and result helpers that `ipcbench plot` shares.
 */
#ifndef IPCB_COMPARE_H
#define IPCB_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* A results file as compare, export and plot read it. */
struct ipcb_rfile {
	const char *path;
	json_t *doc;
	char letter;	 /* 'A', 'B', ...: the column of compare */
	char label[160]; /* the machine, unique among the files: "host (cpu model)" */
	char machine[160]; /* host (cpu model), not made unique */
};

/*
 * Load path, check that it is an ipcbench results file and validate it. 0, or
 * -1 with one line in err naming the file and the position: "f:line:col: ..."
 * for JSON syntax, "f: results[3] (id): ..." for the schema.
 */
int ipcb_rfile_load(struct ipcb_rfile *f, const char *path, char *err, size_t errlen);
/* Load paths[0..n) into files (letters and labels set); 0 or -1 with err. */
int ipcb_rfiles_load(struct ipcb_rfile *files, char **paths, size_t n, char *err, size_t errlen);
void ipcb_rfiles_free(struct ipcb_rfile *files, size_t n);
/* Set the letters and the unique labels of documents already loaded (ipcb_rfiles_load does it). */
void ipcb_rfiles_label(struct ipcb_rfile *files, size_t n);

/* A string member of o, or "" when absent or not a string. */
const char *ipcb_jstr(const json_t *o, const char *key);
/* A scalar as text: a string as is, numbers exactly, null "unknown", NULL "absent". */
void ipcb_scalar_text(const json_t *v, char *buf, size_t len);
/* A result's params as "k=v,k=v" sorted by name, but for except (may be NULL). "" when none. */
void ipcb_result_params(const json_t *r, const char *except, char *buf, size_t len);
/* Does the result's id match one of the --only patterns (all match when none)? */
int ipcb_only_match(char *const *only, int nonly, const char *id);

/*
 * Apply --label FILE=NAME options: the file whose path (or file name) is FILE
 * is named NAME in headers, columns and legends. 0, or -1 with err.
 */
int ipcb_rfiles_relabel(struct ipcb_rfile *files, size_t n, char *const *labels, int nlabels, char *err,
			size_t errlen);

enum ipcb_table_format { IPCB_FMT_TEXT, IPCB_FMT_MARKDOWN, IPCB_FMT_CSV, IPCB_FMT_LATEX };

/* files[first..first+count) pooled as one column (compare --group NAME=FILE,...). */
struct ipcb_compare_group {
	const char *name;
	size_t first, count;
};

struct ipcb_compare_opts {
	enum ipcb_table_format format;
	char **only;
	int nonly;
	double fail_above; /* percent; < 0: no regression gate */
	int no_skipped;	   /* one summary line instead of the rows not compared and their reasons */
	const struct ipcb_compare_group *groups; /* sorted by first, disjoint; NULL: one column per file */
	size_t ngroups;
};

/*
 * Mann-Whitney U test, two-sided, of a[0..na) against b[0..nb): exact
 * (counting arrangements) up to 2500 pairs na*nb, else the normal
 * approximation with tie and continuity corrections. Returns the p-value, or
 * -1 if a side is empty.
 */
double ipcb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/* The compare table and its header to out; 1 if the regression gate tripped, -1 if nothing matched --only, else 0. */
int ipcb_compare_files(const struct ipcb_rfile *files, size_t n, const struct ipcb_compare_opts *o, FILE *out);
/* One row per result; 0, or -1 if no result matched --only. */
int ipcb_export_files(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format format, char **only,
		      int nonly, FILE *out);
/* The same; with no_skipped, skipped and failed results are left out and counted on stderr. */
int ipcb_export_rows(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format format, char **only,
		     int nonly, int no_skipped, FILE *out);

int ipcb_cmd_compare(int argc, char **argv);
/* `ipcbench export FILE --format csv|markdown`: one row per result. */
int ipcb_cmd_export(int argc, char **argv);

#endif
