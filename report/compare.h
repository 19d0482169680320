/* SPDX-License-Identifier: MIT */
/*
 * compare.h - `ipcbench compare`'s table: results matched across files (one
 * column per file, or per group of files pooled), ratios to the first column
 * and whether each difference is more than run-to-run noise.
 */
#ifndef IPCB_COMPARE_H
#define IPCB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "rfile.h"
#include "table.h"

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

enum ipcb_compare_status {
	IPCB_COMPARE_OK = 0,
	IPCB_COMPARE_REGRESSED = 1,  /* the regression gate tripped (reported on stderr) */
	IPCB_COMPARE_NO_MATCH = -1   /* nothing matched --only (or out of memory): nothing printed */
};

/* The compare table and its header to out. */
enum ipcb_compare_status ipcb_compare_files(const struct ipcb_rfile *files, size_t n,
					    const struct ipcb_compare_opts *o, FILE *out);

#endif
