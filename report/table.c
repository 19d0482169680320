// SPDX-License-Identifier: MIT
/*
 * table.c - the tables compare and export print: one model (a header row,
 * then rows of text cells) rendered as aligned text, markdown, CSV or a
 * booktabs LaTeX table, and the number formats of a paper table.
 */
#include "table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ipcb_table_init(struct ipcb_table *t)
{
	memset(t, 0, sizeof(*t));
}

/* A header column; all columns are declared before the first row. */
void ipcb_table_col(struct ipcb_table *t, const char *name, int right)
{
	t->cells = realloc(t->cells, (t->ncols + 1) * sizeof(char *));
	t->right = realloc(t->right, t->ncols + 1);
	t->cells[t->ncols] = strdup(name);
	t->right[t->ncols++] = (char)right;
	t->nrows = 1;
	t->cap = 1;
}

void ipcb_table_row(struct ipcb_table *t)
{
	size_t i;

	if (t->nrows == t->cap) {
		t->cap *= 2;
		t->cells = realloc(t->cells, t->cap * t->ncols * sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = NULL;
	t->nrows++;
}

void ipcb_table_cell(struct ipcb_table *t, const char *fmt, ...)
{
	char **row = &t->cells[(t->nrows - 1) * t->ncols], *p;
	va_list ap;
	size_t i;

	for (i = 0; i < t->ncols && row[i]; i++)
		;
	if (i == t->ncols)
		return;
	va_start(ap, fmt);
	if (vasprintf(&row[i], fmt, ap) < 0)
		row[i] = NULL;
	va_end(ap);
	for (p = row[i]; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

static const char *table_at(const struct ipcb_table *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];

	return s ? s : "";
}

static void print_text(const struct ipcb_table *t, FILE *out)
{
	size_t *w = calloc(t->ncols, sizeof(*w)), r, c, total = 0;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if (strlen(table_at(t, r, c)) > w[c])
				w[c] = strlen(table_at(t, r, c));
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			int last = c + 1 == t->ncols;

			if (t->right[c])
				fprintf(out, "%*s%s", (int)w[c], table_at(t, r, c), last ? "" : "  ");
			else if (last)
				fprintf(out, "%s", table_at(t, r, c));
			else
				fprintf(out, "%-*s  ", (int)w[c], table_at(t, r, c));
		}
		fputc('\n', out);
		if (r == 0) {
			for (c = 0; c < t->ncols; c++)
				total += w[c] + (c ? 2 : 0);
			while (total--)
				fputc('-', out);
			fputc('\n', out);
		}
	}
	free(w);
}

static void print_markdown(const struct ipcb_table *t, FILE *out)
{
	size_t r, c;
	const char *p;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			fputs(c ? " | " : "| ", out);
			for (p = table_at(t, r, c); *p; p++) {
				if (*p == '|')
					fputc('\\', out);
				fputc(*p, out);
			}
		}
		fputs(" |\n", out);
		if (r == 0) {
			for (c = 0; c < t->ncols; c++)
				fputs(t->right[c] ? "|---:" : "|:---", out);
			fputs("|\n", out);
		}
	}
}

/* RFC 4180: quote a field holding a comma, a quote or surrounding spaces; double the quotes. */
static void print_csv(const struct ipcb_table *t, FILE *out)
{
	size_t r, c;
	const char *s, *p;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			s = table_at(t, r, c);
			if (c)
				fputc(',', out);
			if (!strpbrk(s, ",\"") && s[0] != ' ' && (!s[0] || s[strlen(s) - 1] != ' ')) {
				fputs(s, out);
				continue;
			}
			fputc('"', out);
			for (p = s; *p; p++) {
				if (*p == '"')
					fputc('"', out);
				fputc(*p, out);
			}
			fputc('"', out);
		}
		fputc('\n', out);
	}
}

void ipcb_latex_escape(const char *s, FILE *out)
{
	static const struct {
		const char *from, *to;
	} map[] = { { "\\", "\\textbackslash{}" }, { "&", "\\&" },	       { "%", "\\%" },
		    { "$", "\\$" },		  { "#", "\\#" },	       { "_", "\\_" },
		    { "{", "\\{" },		  { "}", "\\}" },	       { "~", "\\textasciitilde{}" },
		    { "^", "\\textasciicircum{}" }, { "±", "$\\pm$" },	       { "↔", "$\\leftrightarrow$" },
		    { "–", "--" },		  { "†", "\\textsuperscript{\\dag}" }, { "‡", "\\textsuperscript{\\ddag}" } };
	size_t k;

	while (*s) {
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (strncmp(s, map[k].from, strlen(map[k].from)) == 0)
				break;
		if (k < sizeof(map) / sizeof(map[0])) {
			fputs(map[k].to, out);
			s += strlen(map[k].from);
		} else {
			fputc(*s++, out);
		}
	}
}

/* booktabs: \toprule, the header, \midrule, the rows, \bottomrule; numbers right-aligned. */
static void print_latex(const struct ipcb_table *t, FILE *out)
{
	size_t r, c;

	fputs("% needs \\usepackage{booktabs}\n\\begin{tabular}{", out);
	for (c = 0; c < t->ncols; c++)
		fputc(t->right[c] ? 'r' : 'l', out);
	fputs("}\n\\toprule\n", out);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (c)
				fputs(" & ", out);
			ipcb_latex_escape(table_at(t, r, c), out);
		}
		fputs(" \\\\\n", out);
		if (r == 0)
			fputs("\\midrule\n", out);
	}
	fputs("\\bottomrule\n\\end{tabular}\n", out);
}

void ipcb_table_print(const struct ipcb_table *t, enum ipcb_table_format f, FILE *out)
{
	if (f == IPCB_FMT_CSV)
		print_csv(t, out);
	else if (f == IPCB_FMT_MARKDOWN)
		print_markdown(t, out);
	else if (f == IPCB_FMT_LATEX)
		print_latex(t, out);
	else
		print_text(t, out);
}

void ipcb_table_free(struct ipcb_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
}

/* The decimals that show v with three significant digits (0 for 100 and above). */
static int sig3_decimals(double v)
{
	char buf[32];
	double r;
	int d;

	snprintf(buf, sizeof(buf), "%.2e", fabs(v)); /* rounded first: 9.996 is 10.0, not 9.996 */
	r = strtod(buf, NULL);
	if (r == 0 || !isfinite(r))
		return 0;
	d = 2 - (int)floor(log10(r));
	return d > 0 ? d : 0;
}

void ipcb_fmt_num(double v, int raw, char *buf, size_t len)
{
	char tmp[32];

	if (raw) {
		snprintf(buf, len, "%.10g", v);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.2e", v);
	v = strtod(tmp, NULL);
	snprintf(buf, len, "%.*f", sig3_decimals(v), v);
}

void ipcb_scale_for(double ns, struct ipcb_scale *sc)
{
	static const struct {
		double below, div;
		const char *unit;
	} units[] = { { 1e3, 1, "ns" }, { 1e6, 1e3, "us" }, { 1e9, 1e6, "ms" }, { INFINITY, 1e9, "s" } };
	size_t k = 0;

	while (k + 1 < sizeof(units) / sizeof(units[0]) && fabs(ns) >= units[k].below)
		k++;
	sc->div = units[k].div;
	sc->unit = units[k].unit;
	sc->decimals = sig3_decimals(ns / sc->div);
}

/* "2.52 ± 0.01 ns", "17.4 ± 0.2 us": the median to three digits in its unit, the half-width alike. */
void ipcb_fmt_pm(double med, double lo, double hi, char *buf, size_t len)
{
	struct ipcb_scale sc;

	ipcb_scale_for(med, &sc);
	snprintf(buf, len, "%.*f ± %.*f %s", sc.decimals, med / sc.div, sc.decimals, (hi - lo) / 2 / sc.div, sc.unit);
}
