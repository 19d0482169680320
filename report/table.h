/* SPDX-License-Identifier: MIT */
/*
 * table.h - the tables compare and export print: one model, rendered as
 * text, markdown, CSV or LaTeX; and the number formats of a paper table.
 */
#ifndef IPCB_TABLE_H
#define IPCB_TABLE_H

#include <stddef.h>
#include <stdio.h>

enum ipcb_table_format { IPCB_FMT_TEXT, IPCB_FMT_MARKDOWN, IPCB_FMT_CSV, IPCB_FMT_LATEX };

struct ipcb_table {
	size_t ncols, nrows, cap; /* row 0 is the header */
	char **cells;
	char *right; /* per column: numbers, right-aligned in text */
};

void ipcb_table_init(struct ipcb_table *t);
/* A header column; all columns are declared before the first row. */
void ipcb_table_col(struct ipcb_table *t, const char *name, int right);
/* Start a row; ipcb_table_cell fills it left to right. */
void ipcb_table_row(struct ipcb_table *t);
/* Fill the next empty cell of the last row. Control characters become spaces: one row, one line. */
void ipcb_table_cell(struct ipcb_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ipcb_table_print(const struct ipcb_table *t, enum ipcb_table_format f, FILE *out);
void ipcb_table_free(struct ipcb_table *t);

/* Text for LaTeX: its special characters escaped, and the few non-ASCII marks we write as commands. */
void ipcb_latex_escape(const char *s, FILE *out);
/* A plain number: three significant digits for a paper table (1230 for 1234.5), exact (raw) for csv. */
void ipcb_fmt_num(double v, int raw, char *buf, size_t len);

/* The unit a figure is shown in (ns, us, ms, s) and the decimals that give it three digits. */
struct ipcb_scale {
	double div;
	const char *unit;
	int decimals;
};

void ipcb_scale_for(double ns, struct ipcb_scale *sc);
/* "2.52 ± 0.01 ns", "17.4 ± 0.2 us": the median to three digits in its unit, the half-width alike. */
void ipcb_fmt_pm(double med, double lo, double hi, char *buf, size_t len);

#endif
