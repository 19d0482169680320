/* SPDX-License-Identifier: MIT */
/*
 * plot.h - gnuplot figures from results files, one plot kind per result
 * shape (templates in plots/): bars (median and interval of every result, by
 * placement), sweep (results that vary in one integer parameter), cdf
 * (results with a latency histogram), heatmap (results with a CPU x CPU
 * matrix attached). `ipcbench plot` (cli/plot.c) parses into ipcb_plot_opts
 * and calls ipcb_plot().
 */
#ifndef IPCB_PLOT_H
#define IPCB_PLOT_H

#include <stddef.h>

#include "rfile.h"

#define IPCB_PLOT_MAX_FILES 64 /* a plot records its files in a 64-bit mask */

/* The images asked for; none: only the .dat and .gp files. */
enum { IPCB_PLOT_PNG = 1, IPCB_PLOT_PDF = 2, IPCB_PLOT_SVG = 4 };

enum ipcb_title_mode { IPCB_TITLE_NONE, IPCB_TITLE_SHORT, IPCB_TITLE_FULL };
/* "none", "short", "full": the --title argument and the .gp's title_mode. */
const char *ipcb_title_mode_name(enum ipcb_title_mode m);

/* A figure's print size: --size column|wide|page|WxH. */
struct ipcb_fig_size {
	char name[32];
	double width_in, plot_in; /* plot_in: the axes and their labels, without key or title */
	int font_pt;
};

/* The named size (column, wide, page) into sz: 0, or -1 when name is none of them. */
int ipcb_fig_size_named(const char *name, struct ipcb_fig_size *sz);

/* What the user selected: --only (in the order given), --placement, --role, --param K=V. */
struct ipcb_plot_select {
	char **only, **placement, **role, **param;
	int nonly, nplacement, nrole, nparam;
};

struct ipcb_plot_opts {
	const char *dir;       /* NULL: plots/<name of the first machine> */
	const char *templates; /* NULL: $IPCB_PLOT_TEMPLATES, beside the binary, ./plots */
	unsigned formats;      /* IPCB_PLOT_PNG | ...; 0: the .dat and .gp only */
	struct ipcb_plot_select sel;
	char **labels; /* --label FILE=NAME */
	int nlabels;
	struct ipcb_fig_size size;
	enum ipcb_title_mode title;
	int own_scale;	      /* each heatmap its own colour range (default: shared per quantity) */
	int cycles;	      /* ns figures in TSC cycles */
	const char *baseline; /* ns figures as multiples of this result's median; NULL: none */
	const struct ipcb_compare_group *groups; /* sorted by first, disjoint; NULL: one machine per file */
	size_t ngroups;
};

enum ipcb_plot_status {
	IPCB_PLOT_OK,
	IPCB_PLOT_FAILED,   /* gnuplot is missing or failed (the .dat and .gp are written), out of memory */
	IPCB_PLOT_BAD_INPUT /* nothing written: err says why in one line */
};

/*
 * Every plot of files[0..n) (n <= IPCB_PLOT_MAX_FILES) written under o->dir
 * and drawn by gnuplot, with figures.md listing them; progress on stdout,
 * gnuplot's complaints on stderr.
 */
enum ipcb_plot_status ipcb_plot(const struct ipcb_rfile *files, size_t n, const struct ipcb_plot_opts *o, char *err,
				size_t errlen);

/*
 * Build every plot of files[0..n) in memory and write nothing: the data
 * extraction `plot` runs, for tests and the fuzzer. 0, or -1 with a one-line
 * error (out of memory). A malformed result (a histogram, a matrix) never
 * gets here: loading the file (ipcb_rfile_load) rejects it, naming the member.
 */
int ipcb_plot_dry(const struct ipcb_rfile *files, size_t n, char *err, size_t errlen);

#endif
