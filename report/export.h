/* SPDX-License-Identifier: MIT */
/* export.h - `ipcbench export`'s table: one row per result of one or more results files. */
#ifndef IPCB_EXPORT_H
#define IPCB_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "rfile.h"
#include "table.h"

struct ipcb_export_opts {
	enum ipcb_table_format format; /* csv, markdown or latex */
	char **only;		       /* --only patterns; none: every result */
	int nonly;
	int no_skipped; /* skipped and failed results left out and counted on stderr */
};

/* One row per result to out; 0, or -1 if no result matched --only (nothing printed). */
int ipcb_export_rows(const struct ipcb_rfile *files, size_t n, const struct ipcb_export_opts *o, FILE *out);
/* The same, every result listed. */
int ipcb_export_files(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format format, char **only,
		      int nonly, FILE *out);

#endif
