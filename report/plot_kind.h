/* SPDX-License-Identifier: MIT */
/*
 * plot_kind.h - inside `plot`: what plot.c gives every figure kind
 * (plot_bars.c, plot_sweep.c, plot_cdf.c, plot_heatmap.c): the set of
 * results to draw, one plot being built and written, quoting for gnuplot,
 * and the naming of series, keys and titles. Private to report/.
 */
#ifndef IPCB_PLOT_KIND_H
#define IPCB_PLOT_KIND_H

#include <stddef.h>
#include <stdio.h>

#include "plot.h"
#include "rfile.h"
#include "strmap.h"

#define NSTYLES 12	     /* the styles of plots/common.gp: the most series in one figure */
#define MAX_STEM 120	     /* file names stay far below NAME_MAX, whatever the ids */
#define MAX_LABEL 40	     /* a key entry, in characters */
#define MAX_TIC 28	     /* a benchmark's name under a bar */

enum kind { KIND_COMMON, KIND_BARS, KIND_SWEEP, KIND_CDF, KIND_HEATMAP, NKINDS };

/* Where and how the plots of one run are written. */
struct plot_out {
	const char *dir; /* NULL: build in memory only (ipcb_plot_dry) */
	char *tmpl[NKINDS];
	char outputs[160]; /* what each .gp draws: "png:pngcairo pdf:pdfcairo svg:svg"; "": gnuplot picks */
	char exts[64];	   /* the images: "png pdf svg" */
	int eps_to_pdf;	   /* pdf through the postscript terminal and ps2pdf */
	int draw;	   /* run gnuplot */
	const char *gnuplot;
	int nplots, nfailed;
	struct ipcb_fig_size size;
	enum ipcb_title_mode title;
	int shared_scale; /* heatmaps of one quantity share one colour range */
	FILE *index;	  /* figures.md, being built */
	char *indexbuf;
	size_t indexlen;
};

/*
 * A CPU x CPU matrix as a heatmap draws it: each grid (quantity) it holds, in
 * its order, n x n cells row major, NAN where not measured. The CPUs, the
 * names and a result's first grid are the result's (which outlives every
 * plot); the other grids are the heat's own.
 */
struct heat {
	size_t n, ngrids;
	const int *cpus;       /* n OS CPU ids: rows measure, columns answer */
	const char **quantity; /* per grid: "round_trip_ns" */
	const double **value;  /* per grid: its cells */
	double **own;	       /* per grid: its cells when the heat made them, else NULL */
};

/*
 * One ok result to plot. With --group, the results of a group's nodes that
 * share (id, params, placement) are pooled into one item (mem: the members).
 */
struct item {
	const struct ipcb_result *r;
	size_t file;	   /* the file of r: its machine record, TSC rate, baseline */
	size_t mach;	   /* the series it belongs to: a file, or a group of files (set.mach) */
	size_t *mem, nmem; /* a pooled item: its members in set.raw; none for one file's result */
	struct heat *pooled; /* a pooled item: the median over its nodes of each matrix cell; else NULL */
	const char *id, *family, *placement, *role, *per, *unit; /* role: "" when none */
	const char *name;  /* within the family: "unix-stream" */
	const char *place; /* what results meet on across files: the placement name, or its role */
	int by_role;	   /* place is a role: the placement names differ between files */
	size_t fam;	   /* index of the family in set.fams */
	size_t rank;	   /* the --only pattern it matched first: the order asked for */
	size_t seq;	   /* input order */
	char cpus[64];
	double median, lo, hi;
	double scale; /* --unit cycles, --baseline: what the ns of its histogram are multiplied by */
	int swept;    /* drawn in a sweep, so not in the bars */
	size_t median_node; /* a pooled item: the member (in set.raw) whose median is the group's */
};

/* A machine of the figures: one file, or a group of files (nodes of one machine type) pooled. */
struct mach {
	const char *group; /* --group NAME; NULL: one file */
	size_t first, count; /* its files: files[first..first+count) */
	char label[64];	     /* its name in keys and file names */
};

struct set {
	const struct ipcb_rfile *files;
	size_t nfiles;
	struct item *v;
	size_t n, left_out;
	struct item *raw; /* with groups: the results before pooling, which pooled items point into */
	size_t nraw;
	struct plot_out *o;
	char (*label)[64]; /* per file: the machine's name */
	struct mach *mach; /* the series machines: the files, a group's files counted once */
	size_t nmach;
	size_t *mach_of;   /* per file: its machine */
	struct ipcb_strmap fams;
	struct ipcb_strmap places; /* the places, owning the strings item.place points to */
	double *cb_lo, *cb_hi; /* per matrix quantity (heat_keys): the shared colour range */
	struct ipcb_strmap heat_keys;
};

/* One plot being built: its numbers and its variables, in memory until written. */
struct plot {
	enum kind kind;
	char stem[MAX_STEM + 24];
	FILE *dat, *vars;
	char *datbuf, *varbuf;
	size_t datlen, varlen;
	unsigned long long files; /* which files it draws, for the header */
	unsigned long long machs; /* which machines it draws, for the subtitle */
	char *title, *subtitle;	  /* for the caption in figures.md */
	char *note;		  /* appended to the caption: what a group's bars and lines mean */
};

/* What the labels of one plot must say: only what varies between its results. */
struct naming {
	const char *except;  /* the swept parameter: the x axis says it */
	struct ipcb_strmap keys;    /* the other parameter names, sorted */
	struct ipcb_strmap *varies; /* per key: the benchmarks (names) whose results differ in it: their labels name it */
	int per;	     /* the units of work differ: labels name them */
	int placement;	     /* several placements: legends name them */
	char common[256];    /* the params all results share, for the subtitle */
};

/* What the numbers are drawn in: --unit cycles (the file's TSC rate), --baseline ID (its median = 1). */
struct units {
	int cycles;
	const char *baseline;
	char unit[160];
};

/* --- the set of results: collected, rescaled, pooled, placed, named (plot_set.c) --- */

int machs_init(struct set *s, const struct ipcb_compare_group *groups, size_t ngroups);
void file_labels(struct set *s, char *const *labels, int nlabels);
/* The selected ok results (sel NULL: all), in the order --only gave; 0, or -1 (out of memory). */
int collect(struct set *s, const struct ipcb_plot_select *sel);
int apply_units(struct set *s, struct units *u, char *err, size_t errlen);
int pool_groups(struct set *s);
void assign_places(struct set *s);
/* A parameter's value as text, "" when the result lacks it. */
const char *param_value(const struct item *it, const char *name);
/* A matrix's grids, typed (NULL: none, or out of memory); heat_free() frees it. */
struct heat *heat_of(const struct ipcb_rmatrix *m);
void heat_free(struct heat *h);

/* --- quoting: nothing from a results file can break out of a string (plot.c) --- */

void gp_quoted(FILE *f, const char *s);
void dat_label(FILE *f, const char *s);
void one_line(FILE *f, const char *s);
void shorten(char *s, size_t max);
void make_stem(char *out, size_t len, const char *const *parts, size_t nparts);
/* The file name of a path: what a .gp or figures.md names, never a directory. */
const char *base_name(const char *path);

/* --- a plot's variables (.gp) and numbers (.dat) --- */

void var_str(struct plot *p, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void var_num(struct plot *p, const char *name, double v);
void var_int(struct plot *p, const char *name, long long v);
void var_titles(struct plot *p, char *const *titles, size_t n, size_t nrefs, const struct ipcb_fig_size *size);
void dat_num(FILE *f, double v);

/* --- one plot: open, title, note, close (written, drawn and freed) --- */

int plot_open(struct plot *p, enum kind kind, const char *stem);
void plot_titles(struct plot *p, const char *title, const char *sub);
void note_add(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void plot_uses(const struct set *s, struct plot *p, const struct item *it);
void plot_close(struct set *s, struct plot *p);

/* --- naming: titles, keys, splitting a figure with too many series --- */

void subtitle(const struct set *s, const struct plot *p, char *buf, size_t len);
void per_text(const struct set *s, const size_t *idx, size_t n, char *buf, size_t len);
size_t family_items(const struct set *s, size_t fam, int (*keep)(const struct item *), size_t *idx);
void naming_init(struct naming *nm, const struct set *s, const size_t *idx, size_t n, const char *except);
void naming_free(struct naming *nm);
void item_name(const struct item *it, const struct naming *nm, char *buf, size_t len);
void series_title(const struct set *s, const struct item *it, const char *what, int placement, char *buf,
		  size_t len);
void subtitle_common(const struct set *s, const struct plot *p, const struct naming *nm, const size_t *idx,
		     size_t n, char *buf, size_t len);
size_t split_series(const char *const *per, const char *const *place, size_t n, size_t *part,
		    struct ipcb_strmap *names);
void part_suffix(const char *name, char *buf, size_t len);
const char *error_bars(const struct set *s, const struct plot *p);
void group_note(const struct set *s, struct plot *p, const char *mark);

/* --- the kinds, in the order plot_all() runs them: sweeps take their results out of the bars --- */

void plot_sweeps(struct set *s);	/* plot_sweep.c */
void plot_bars(struct set *s);		/* plot_bars.c */
void plot_cdfs(struct set *s);		/* plot_cdf.c */
void plot_heatmaps(struct set *s);	/* plot_heatmap.c */

#endif
