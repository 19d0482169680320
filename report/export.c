// SPDX-License-Identifier: MIT
/*
 * export.c - `ipcbench export`: results files flattened into a table, one row
 * per result (with several files, a first column names the machine), for a
 * spreadsheet (csv), a README (markdown) or a paper (latex). Skipped and
 * failed results keep their row and reason unless asked to leave them out.
 */
#include "export.h"

#include <string.h>

static void export_columns(struct ipcb_table *t, int machine, int latex)
{
	static const struct {
		const char *name;
		int right;
	} cols[] = { { "id", 0 },     { "params", 0 },	 { "placement", 0 }, { "cpus", 0 },    { "unit", 0 },
		     { "per", 0 },    { "status", 0 },	 { "n", 1 },	     { "min", 1 },     { "median", 1 },
		     { "mean", 1 },   { "p99", 1 },	 { "ci95_lo", 1 },   { "ci95_hi", 1 }, { "ci95_rel", 1 },
		     { "unstable", 0 }, { "reason", 0 } },
	  paper[] = { { "benchmark", 0 }, { "params", 0 }, { "placement", 0 }, { "per", 0 },
		      { "median", 1 },	  { "p99", 1 },	   { "rounds", 1 } };
	size_t i;

	if (machine)
		ipcb_table_col(t, "machine", 0);
	if (latex) {
		for (i = 0; i < sizeof(paper) / sizeof(paper[0]); i++)
			ipcb_table_col(t, paper[i].name, paper[i].right);
		return;
	}
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		ipcb_table_col(t, cols[i].name, cols[i].right);
}

static void cell_cpus(struct ipcb_table *t, const struct ipcb_result *r)
{
	char buf[256];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < r->ncpus; i++)
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%d", i ? " " : "", r->cpus[i]);
	ipcb_table_cell(t, "%s", buf);
}

static void cell_stat(struct ipcb_table *t, const struct ipcb_result *r, double v, int raw)
{
	char num[32];

	if (!ipcb_res_ok(r)) {
		ipcb_table_cell(t, "%s", "");
		return;
	}
	ipcb_fmt_num(v, raw, num, sizeof(num));
	ipcb_table_cell(t, "%s", num);
}

/* A paper's row: the median with its reported interval as ±, the p99, the rounds behind them. */
static void export_paper_row(struct ipcb_table *t, const struct ipcb_result *r, const char *params)
{
	char num[64];
	struct ipcb_scale sc;

	ipcb_table_cell(t, "%s", ipcb_str(r->id));
	ipcb_table_cell(t, "%s", params);
	ipcb_table_cell(t, "%s", ipcb_str(r->placement));
	ipcb_table_cell(t, "%s", ipcb_str(r->per));
	if (!ipcb_res_ok(r)) {
		ipcb_table_cell(t, "%s", ipcb_status_name(r->status));
		ipcb_table_cell(t, "%s", "");
		ipcb_table_cell(t, "%s", "");
		return;
	}
	ipcb_fmt_pm(r->stats.median, ipcb_res_ci(r, 0), ipcb_res_ci(r, 1), num, sizeof(num));
	ipcb_table_cell(t, "%s", num);
	ipcb_scale_for(r->stats.p99, &sc);
	ipcb_table_cell(t, "%.*f %s", sc.decimals, r->stats.p99 / sc.div, sc.unit);
	ipcb_table_cell(t, "%zu", ipcb_res_rounds(r));
}

static void export_row(struct ipcb_table *t, const struct ipcb_rfile *file, const struct ipcb_result *r,
		       int machine, enum ipcb_table_format format)
{
	int ok = ipcb_res_ok(r), raw = format == IPCB_FMT_CSV;
	char params[256];

	ipcb_table_row(t);
	if (machine)
		ipcb_table_cell(t, "%s", file->label);
	ipcb_result_params_text(r, params, sizeof(params), IPCB_PARAMS_SORTED, NULL, NULL);
	if (format == IPCB_FMT_LATEX) {
		export_paper_row(t, r, params);
		return;
	}
	ipcb_table_cell(t, "%s", ipcb_str(r->id));
	ipcb_table_cell(t, "%s", params);
	ipcb_table_cell(t, "%s", ipcb_str(r->placement));
	cell_cpus(t, r);
	ipcb_table_cell(t, "%s", ipcb_str(r->unit));
	ipcb_table_cell(t, "%s", ipcb_str(r->per));
	ipcb_table_cell(t, "%s", ipcb_status_name(r->status));
	if (ok)
		ipcb_table_cell(t, "%zu", r->stats.n);
	else
		ipcb_table_cell(t, "%s", "");
	cell_stat(t, r, r->stats.min, raw);
	cell_stat(t, r, r->stats.median, raw);
	cell_stat(t, r, r->stats.mean, raw);
	cell_stat(t, r, r->stats.p99, raw);
	cell_stat(t, r, ipcb_res_ci(r, 0), raw);
	cell_stat(t, r, ipcb_res_ci(r, 1), raw);
	cell_stat(t, r, r->ci95_rel, raw);
	ipcb_table_cell(t, "%s", ok ? (r->unstable ? "yes" : "no") : "");
	ipcb_table_cell(t, "%s", ipcb_str(r->reason));
}

static void export_latex_notes(const struct ipcb_rfile *files, size_t n, FILE *out)
{
	size_t f;

	fputs("\\par\\smallskip{\\footnotesize Median per operation $\\pm$ half the 95\\% interval of the median "
	      "(the wider of the within-process and the between-rounds interval); p99 over all samples; rounds: "
	      "worker processes, each one replicate.",
	      out);
	for (f = 0; n > 1 && f < n; f++) {
		fputc(' ', out);
		ipcb_latex_escape(files[f].label, out);
		fputs(": ", out);
		ipcb_latex_escape(files[f].path, out);
		fputc(f + 1 < n ? ';' : '.', out);
	}
	fputs("\\par}\n", out);
}

int ipcb_export_rows(const struct ipcb_rfile *files, size_t n, const struct ipcb_export_opts *o, FILE *out)
{
	struct ipcb_table t;
	const struct ipcb_result *r;
	size_t f, rows = 0, left = 0;

	ipcb_table_init(&t);
	export_columns(&t, n > 1, o->format == IPCB_FMT_LATEX);
	for (f = 0; f < n; f++) {
		for (r = files[f].res; r < files[f].res + files[f].nres; r++) {
			if (!ipcb_only_match(o->only, o->nonly, ipcb_str(r->id)))
				continue;
			rows++;
			if (o->no_skipped && !ipcb_res_ok(r)) {
				left++;
				continue;
			}
			export_row(&t, &files[f], r, n > 1, o->format);
		}
	}
	if (rows || !o->nonly) {
		ipcb_table_print(&t, o->format, out);
		if (o->format == IPCB_FMT_LATEX)
			export_latex_notes(files, n, out);
	}
	if (left)
		fprintf(stderr, "ipcbench export: %zu skipped or failed result%s left out (--no-skipped)\n", left,
			left == 1 ? "" : "s");
	ipcb_table_free(&t);
	return rows || !o->nonly ? 0 : -1;
}

int ipcb_export_files(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format format, char **only,
		      int nonly, FILE *out)
{
	struct ipcb_export_opts o = { .format = format, .only = only, .nonly = nonly };

	return ipcb_export_rows(files, n, &o, out);
}
