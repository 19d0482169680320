/* SPDX-License-Identifier: MIT */
/*
 * rfile.h - a results file as compare, export and plot read it back: loaded,
 * validated and named after its machine, its results typed (result.h); and
 * the few rules on a result that all three share (ok, interval, rounds).
 * The document's own members (machine, config, run facts) are read as JSON.
 */
#ifndef IPCB_RFILE_H
#define IPCB_RFILE_H

#include <jansson.h>
#include <stddef.h>

#include "result.h"

/* A results file as compare, export and plot read it. */
struct ipcb_rfile {
	const char *path;
	json_t *doc;	 /* the document: machine, config, run facts */
	struct ipcb_result *res; /* its results, typed (result.h), in file order */
	size_t nres;
	char letter;	 /* 'A', 'B', ...: the column of compare */
	char label[160]; /* the machine, unique among the files: "host (cpu model)" */
	char machine[160]; /* host (cpu model), not made unique */
};

/* files[first..first+count) pooled as one machine (compare and plot --group NAME=FILE,...). */
struct ipcb_compare_group {
	const char *name;
	size_t first, count;
};

/*
 * Load path, check that it is an ipcbench results file and validate it. 0, or
 * -1 with one line in err naming the file and the position: "f:line:col: ..."
 * for JSON syntax, "f: results[3] (id): ..." for the schema.
 */
int ipcb_rfile_load(struct ipcb_rfile *f, const char *path, char *err, size_t errlen);
/*
 * Take doc (a reference is stolen) as the file path: validate it and read its
 * results into f->res. 0, or -1 with err ("path: results[3] (id): ...").
 */
int ipcb_rfile_adopt(struct ipcb_rfile *f, const char *path, json_t *doc, char *err, size_t errlen);
/* Load paths[0..n) into files (letters and labels set); 0 or -1 with err, one line. */
int ipcb_rfiles_load(struct ipcb_rfile *files, char **paths, size_t n, char *err, size_t errlen);
void ipcb_rfiles_free(struct ipcb_rfile *files, size_t n);
/* Set the letters and the unique labels of documents already loaded (ipcb_rfiles_load does it). */
void ipcb_rfiles_label(struct ipcb_rfile *files, size_t n);
/*
 * Apply --label FILE=NAME options: the file whose path (or file name) is FILE
 * is named NAME in headers, columns and legends. 0, or -1 with err.
 */
int ipcb_rfiles_relabel(struct ipcb_rfile *files, size_t n, char *const *labels, int nlabels, char *err,
			size_t errlen);

/* A string member of o, or "" when absent or not a string. */
const char *ipcb_jstr(const json_t *o, const char *key);
/* A scalar as text: a string as is, numbers exactly, null "unknown", NULL "absent". */
void ipcb_scalar_text(const json_t *v, char *buf, size_t len);
/* Does the result's id match one of the --only patterns (all match when none)? */
int ipcb_only_match(char *const *only, int nonly, const char *id);

/* A string a result may lack (NULL) as text: "" then. */
static inline const char *ipcb_str(const char *s)
{
	return s ? s : "";
}
/* Is the result present and its status ok? */
int ipcb_res_ok(const struct ipcb_result *r);
/*
 * The reported 95% interval of the median: its low end (hi 0) or its high end
 * (hi 1): interval95, or stats.ci95 in a file from before interval95.
 */
double ipcb_res_ci(const struct ipcb_result *r, int hi);
/* How many replicates a result has: its round medians, or 1 (a file from before rounds were stored). */
size_t ipcb_res_rounds(const struct ipcb_result *r);

#endif
