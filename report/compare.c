// SPDX-License-Identifier: MIT
/*
 * compare.c - reading results files back. `compare` matches results by
 * (id, params, placement name) across files, from one machine or several,
 * falling back to the placement's role where a machine lacks the placement,
 * and says for each whether the difference is more than run-to-run noise: a
 * Mann-Whitney U test on the per-round medians (each round ran in its own
 * process; the samples inside one process are correlated and say nothing
 * about the next run). `export` flattens one file into a table. Both read
 * only results files, so they work on files from machines and versions this
 * binary never saw; and they never drop a row silently: a result only one
 * file has, or one that was skipped, is listed with its reason.
 */
#include "compare.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "group.h"
#include "results.h"
#include "stats.h"
#include "strmap.h"

#define EXIT_USAGE 2
#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* --- loading ------------------------------------------------------------ */

int ipcb_rfile_load(struct ipcb_rfile *f, const char *path, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->doc = ipcb_report_read(path, err, errlen);
	return f->doc ? 0 : -1;
}

const char *ipcb_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz" -> "Intel Xeon Gold 6230": short enough for a legend. */
static void cpu_short(const char *model, char *buf, size_t len)
{
	static const char *const noise[] = { "(R)", "(TM)", "(tm)", " CPU", " Processor", NULL };
	char *at, *p;
	int i;

	snprintf(buf, len, "%s", model);
	at = strstr(buf, " @ ");
	if (at)
		*at = '\0';
	for (i = 0; noise[i]; i++)
		while ((p = strstr(buf, noise[i])) != NULL)
			memmove(p, p + strlen(noise[i]), strlen(p + strlen(noise[i])) + 1);
}

/* The machine: its label (a name the user chose) where the file has one, else the host name. */
static void base_label(const struct ipcb_rfile *f, char *buf, size_t len)
{
	const json_t *m = json_object_get(f->doc, "machine");
	char cpu[128];

	const char *name = ipcb_jstr(m, "label")[0] ? ipcb_jstr(m, "label") : ipcb_jstr(m, "hostname");

	cpu_short(ipcb_jstr(m, "cpu_model"), cpu, sizeof(cpu));
	snprintf(buf, len, "%s%s%s%s", name, cpu[0] ? " (" : "", cpu, cpu[0] ? ")" : "");
}

static int label_taken(const struct ipcb_rfile *files, size_t n, size_t self, const char *label, int base)
{
	char other[sizeof(files[0].label)];
	size_t i;

	for (i = 0; i < n; i++) {
		if (i == self)
			continue;
		if (base)
			base_label(&files[i], other, sizeof(other));
		if (strcmp(base ? other : files[i].label, label) == 0)
			return 1;
	}
	return 0;
}

/* The machine names a legend or a header shows: the start time, then the letter, tell runs apart. */
void ipcb_rfiles_label(struct ipcb_rfile *files, size_t n)
{
	size_t i, used;

	for (i = 0; i < n; i++) {
		files[i].letter = (char)(i < 26 ? 'A' + i : '?');
		base_label(&files[i], files[i].machine, sizeof(files[i].machine));
		snprintf(files[i].label, sizeof(files[i].label), "%s", files[i].machine);
	}
	for (i = 0; i < n; i++) {
		if (!label_taken(files, n, i, files[i].label, 1))
			continue;
		used = strlen(files[i].label);
		snprintf(files[i].label + used, sizeof(files[i].label) - used, ", %s",
			 ipcb_jstr(files[i].doc, "started"));
	}
	for (i = 0; i < n; i++) {
		if (!label_taken(files, n, i, files[i].label, 0))
			continue;
		used = strlen(files[i].label);
		snprintf(files[i].label + used, sizeof(files[i].label) - used, " [%c]", files[i].letter);
	}
}

int ipcb_rfiles_load(struct ipcb_rfile *files, char **paths, size_t n, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ipcb_rfile_load(&files[i], paths[i], err, errlen)) {
			ipcb_rfiles_free(files, i);
			return -1;
		}
	}
	ipcb_rfiles_label(files, n);
	return 0;
}

void ipcb_rfiles_free(struct ipcb_rfile *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(files[i].doc);
		files[i].doc = NULL;
	}
}

/* --- result helpers ------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void ipcb_scalar_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.10g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_null(v))
		snprintf(buf, len, "unknown");
	else if (!v)
		snprintf(buf, len, "absent");
	else
		snprintf(buf, len, "(%s)", ipcb_json_type_name(v));
}

void ipcb_result_params(const json_t *r, const char *except, char *buf, size_t len)
{
	const json_t *params = json_object_get(r, "params");
	size_t n = json_object_size(params), i = 0, used = 0;
	const char **keys = calloc(n + 1, sizeof(*keys));
	const char *key;
	json_t *v;

	buf[0] = '\0';
	if (!keys)
		return;
	json_object_foreach((json_t *)params, key, v)
		if (!except || strcmp(key, except))
			keys[i++] = key;
	n = i;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n && used + 1 < len; i++) {
		char val[128];

		ipcb_scalar_text(json_object_get(params, keys[i]), val, sizeof(val));
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", i ? "," : "", keys[i], val);
	}
	free(keys);
}

/* The same rule as `run`'s patterns: fnmatch over ids, and a bare family name selects the family. */
int ipcb_only_match(char *const *only, int nonly, const char *id)
{
	const char *slash = strchr(id, '/');
	int i;

	if (nonly == 0)
		return 1;
	for (i = 0; i < nonly; i++) {
		if (fnmatch(only[i], id, 0) == 0)
			return 1;
		if (!strchr(only[i], '/') && slash && strlen(only[i]) == (size_t)(slash - id) &&
		    strncmp(only[i], id, (size_t)(slash - id)) == 0)
			return 1;
	}
	return 0;
}

static int is_ok(const json_t *r)
{
	return r && strcmp(ipcb_jstr(r, "status"), "ok") == 0;
}

static double stat_of(const json_t *r, const char *key)
{
	return json_number_value(json_object_get(json_object_get(r, "stats"), key));
}

/*
 * The reported 95% interval of the median: interval95, the wider of the
 * within-process and the between-process one; stats.ci95 in a file written
 * before interval95 existed.
 */
static double ci_of(const json_t *r, int hi)
{
	const json_t *iv = json_object_get(r, "interval95");

	if (json_array_size(iv) == 2 && json_is_number(json_array_get(iv, 0)) && json_is_number(json_array_get(iv, 1)))
		return json_number_value(json_array_get(iv, (size_t)hi));
	return json_number_value(json_array_get(json_object_get(json_object_get(r, "stats"), "ci95"), (size_t)hi));
}

/* --- tables: one model, three renderings ----------------------------------- */

struct table {
	size_t ncols, nrows, cap; /* row 0 is the header */
	char **cells;
	char *right; /* per column: numbers, right-aligned in text */
};

static void table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
}

/* A header column; all columns are declared before the first row. */
static void table_col(struct table *t, const char *name, int right)
{
	t->cells = realloc(t->cells, (t->ncols + 1) * sizeof(char *));
	t->right = realloc(t->right, t->ncols + 1);
	t->cells[t->ncols] = strdup(name);
	t->right[t->ncols++] = (char)right;
	t->nrows = 1;
	t->cap = 1;
}

static void table_row(struct table *t)
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

/* Fill the next empty cell of the last row. Control characters become spaces: one row, one line. */
static void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void table_cell(struct table *t, const char *fmt, ...)
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

static const char *table_at(const struct table *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];

	return s ? s : "";
}

static void print_text(const struct table *t, FILE *out)
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

static void print_markdown(const struct table *t, FILE *out)
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
static void print_csv(const struct table *t, FILE *out)
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

/* Text for LaTeX: its special characters escaped, and the few non-ASCII marks we write as commands. */
static void latex_escape(const char *s, FILE *out)
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
static void print_latex(const struct table *t, FILE *out)
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
			latex_escape(table_at(t, r, c), out);
		}
		fputs(" \\\\\n", out);
		if (r == 0)
			fputs("\\midrule\n", out);
	}
	fputs("\\bottomrule\n\\end{tabular}\n", out);
}

static void table_print(const struct table *t, enum ipcb_table_format f, FILE *out)
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

static void table_free(struct table *t)
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

/* A plain number: three significant digits for a paper table (1230 for 1234.5), exact for csv. */
static void fmt_num(double v, int raw, char *buf, size_t len)
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

/* The unit a figure is shown in (ns, us, ms, s) and the decimals that give it three digits. */
struct scale {
	double div;
	const char *unit;
	int decimals;
};

static void scale_for(double ns, struct scale *sc)
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
static void fmt_pm(double med, double lo, double hi, char *buf, size_t len)
{
	struct scale sc;

	scale_for(med, &sc);
	snprintf(buf, len, "%.*f ± %.*f %s", sc.decimals, med / sc.div, sc.decimals, (hi - lo) / 2 / sc.div, sc.unit);
}

/* --- Mann-Whitney U ------------------------------------------------------ */

/* Exact test up to this many pairs (both sides below 50); beyond, the normal approximation is good. */
#define MWU_EXACT_PAIRS 2500

struct ranked {
	double v;
	int from_a;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	double a = ((const struct ranked *)pa)->v, b = ((const struct ranked *)pb)->v;

	return (a > b) - (a < b);
}

/*
 * P(U <= u) counted exactly: f(i, j, u) arrangements of i values of one
 * sample and j of the other with statistic u satisfy
 * f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u) (the largest value is from one
 * side or the other). Rolled over i; j runs over the smaller sample.
 */
static double exact_cdf(double u, size_t m, size_t n)
{
	size_t umax = m * n, i, j, k, w = umax + 1;
	double *prev = calloc((n + 1) * w, sizeof(double)), *cur = calloc((n + 1) * w, sizeof(double));
	double below = 0, total = 0, *tmp;

	if (!prev || !cur) {
		free(prev);
		free(cur);
		return -1;
	}
	for (j = 0; j <= n; j++)
		prev[j * w] = 1; /* i = 0: one arrangement, u = 0 */
	for (i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * w * sizeof(double));
		cur[0] = 1;
		for (j = 1; j <= n; j++)
			for (k = 0; k <= i * j; k++)
				cur[j * w + k] = (k >= j ? prev[j * w + k - j] : 0) + cur[(j - 1) * w + k];
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	for (k = 0; k <= umax; k++) {
		total += prev[n * w + k];
		if ((double)k <= u + 1e-9)
			below += prev[n * w + k];
	}
	free(prev);
	free(cur);
	return below / total;
}

double ipcb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, i, j, k;
	struct ranked *all;
	double ra = 0, ties = 0, u, mu, var, z, p;

	if (!na || !nb)
		return -1;
	all = malloc(n * sizeof(*all));
	if (!all)
		return -1;
	for (i = 0; i < na; i++)
		all[i] = (struct ranked){ a[i], 1 };
	for (i = 0; i < nb; i++)
		all[na + i] = (struct ranked){ b[i], 0 };
	qsort(all, n, sizeof(*all), cmp_ranked);
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && all[j].v == all[i].v; j++)
			;
		t = (double)(j - i);
		ties += t * t * t - t;
		for (k = i; k < j; k++)
			if (all[k].from_a)
				ra += (double)(i + 1 + j) / 2; /* the mid-rank of positions i+1..j */
	}
	free(all);
	u = ra - (double)na * (double)(na + 1) / 2;
	mu = (double)na * (double)nb / 2;
	if (na * nb <= MWU_EXACT_PAIRS) {
		p = exact_cdf(fmin(u, 2 * mu - u), na > nb ? na : nb, na > nb ? nb : na);
		return p < 0 ? -1 : fmin(1, 2 * p);
	}
	var = mu / 6 * ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (!(var > 0))
		return 1;
	z = (fabs(u - mu) - 0.5) / sqrt(var);
	return z > 0 ? erfc(z / sqrt(2)) : 1;
}

/* --- compare: matching ----------------------------------------------------- */

struct row {
	char *key; /* id, params, placement and the occurrence in its file */
	const char *id, *placement;
	const char *role; /* placement.role of the result that opened the row, "" when none */
	size_t role_occ;  /* its occurrence among that file's results of the same id, params, role */
	char params[256];
	const json_t **res;  /* per file; NULL: not in that file */
	unsigned char *own;  /* per file: res is this row's own key (0: borrowed by role) */
	unsigned char *lent; /* per file: the own result is also shown in a row matched by role */
	int by_role;	     /* some res borrowed: the placements differ, the roles agree */
	int absorbed;	     /* every own result shown in a row matched by role: not printed */
};

struct rows {
	struct row *v;
	size_t n, cap, nfiles;
	/* hashed, so that matching stays linear in the number of results */
	struct ipcb_strmap keys;   /* the row keys, in row order: a key's index is its row's */
	struct ipcb_strmap counts; /* "file id params placement|role" -> occurrences so far */
	struct ipcb_strmap roles;  /* "file id params role occurrence" -> row index */
	struct ipcb_strmap seen;   /* "file placement": placements a file without topology.placements used */
};

static struct row *row_add(struct rows *rs, const json_t *r, const char *params, char *key)
{
	struct row *row;

	if (rs->n == rs->cap) {
		struct row *v = realloc(rs->v, (rs->cap ? 2 * rs->cap : 64) * sizeof(*rs->v));

		if (!v)
			return NULL;
		rs->v = v;
		rs->cap = rs->cap ? 2 * rs->cap : 64;
	}
	row = &rs->v[rs->n];
	memset(row, 0, sizeof(*row));
	row->res = calloc(rs->nfiles, sizeof(*row->res));
	row->own = calloc(rs->nfiles, 1);
	row->lent = calloc(rs->nfiles, 1);
	if (!row->res || !row->own || !row->lent) {
		free(row->res);
		free(row->own);
		free(row->lent);
		return NULL;
	}
	row->key = key;
	row->id = ipcb_jstr(r, "id");
	row->placement = ipcb_jstr(json_object_get(r, "placement"), "name");
	row->role = "";
	snprintf(row->params, sizeof(row->params), "%s", params);
	rs->n++;
	return row;
}

/* The next occurrence number of what in file f (0 for the first). */
static int next_occurrence(struct rows *rs, size_t f, const char *what, size_t *occ)
{
	char *k;
	size_t i;

	if (asprintf(&k, "%zu\x1e%s", f, what) < 0)
		return -1;
	i = ipcb_strmap_add(&rs->counts, k);
	free(k);
	if (i == SIZE_MAX)
		return -1;
	*occ = rs->counts.val[i]++;
	return 0;
}

/* Remember a result's role, so that a file lacking its placement can match it by role. */
static void note_role(struct rows *rs, size_t f, size_t idx, const json_t *r, const char *params)
{
	const char *role = ipcb_jstr(json_object_get(r, "placement"), "role");
	struct row *row = &rs->v[idx];
	char *base, *k;
	size_t occ, i;

	if (!role[0] || asprintf(&base, "%s\x1f%s\x1f%s", ipcb_jstr(r, "id"), params, role) < 0)
		return;
	if (next_occurrence(rs, f, base, &occ) == 0 && asprintf(&k, "%zu\x1e%s\x1f%zu", f, base, occ) >= 0) {
		i = ipcb_strmap_add(&rs->roles, k);
		if (i != SIZE_MAX)
			rs->roles.val[i] = idx;
		free(k);
	}
	free(base);
	if (!row->role[0]) {
		row->role = role;
		row->role_occ = occ;
	}
}

/* A result repeated in one file (the same key twice) matches the same repetition elsewhere. */
static int match_file(struct rows *rs, size_t f, const json_t *doc, const struct ipcb_compare_opts *o)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, r) {
		const char *pl = ipcb_jstr(json_object_get(r, "placement"), "name");
		char params[256], *base, *key, *seen;
		size_t occ, idx;
		int rc;

		if (asprintf(&seen, "%zu\x1e%s", f, pl) < 0)
			return -1;
		rc = ipcb_strmap_add(&rs->seen, seen) == SIZE_MAX ? -1 : 0;
		free(seen);
		if (rc)
			return -1;
		if (!ipcb_only_match(o->only, o->nonly, ipcb_jstr(r, "id")))
			continue;
		ipcb_result_params(r, NULL, params, sizeof(params));
		if (asprintf(&base, "%s\x1f%s\x1f%s", ipcb_jstr(r, "id"), params, pl) < 0)
			return -1;
		rc = next_occurrence(rs, f, base, &occ);
		if (rc == 0)
			rc = asprintf(&key, "%s\x1f%zu", base, occ) < 0 ? -1 : 0;
		free(base);
		if (rc)
			return -1;
		idx = ipcb_strmap_find(&rs->keys, key);
		if (idx != SIZE_MAX) {
			free(key);
		} else {
			idx = ipcb_strmap_add(&rs->keys, key);
			if (idx == SIZE_MAX || !row_add(rs, r, params, key)) {
				free(key);
				return -1;
			}
		}
		rs->v[idx].res[f] = r;
		rs->v[idx].own[f] = 1;
		note_role(rs, f, idx, r, params);
	}
	return 0;
}

/*
 * Does file f's machine have this placement? topology.placements says (null:
 * not on that machine); a file without it has the placements its results used.
 */
static int has_placement(const struct rows *rs, const struct ipcb_rfile *file, size_t f, const char *name)
{
	const json_t *pl = json_object_get(json_object_get(json_object_get(file->doc, "machine"), "topology"),
					   "placements");
	char *k;
	int has;

	if (json_is_object(pl) && json_object_get(pl, name))
		return !json_is_null(json_object_get(pl, name));
	if (asprintf(&k, "%zu\x1e%s", f, name) < 0)
		return 1;
	has = ipcb_strmap_find(&rs->seen, k) != SIZE_MAX;
	free(k);
	return has;
}

static void lend(struct row *to, struct row *from, size_t f, size_t nfiles)
{
	size_t g;

	to->res[f] = from->res[f];
	to->by_role = 1;
	from->lent[f] = 1;
	if (from->by_role)
		return;
	for (g = 0; g < nfiles; g++)
		if (from->own[g] && !from->lent[g])
			return;
	from->absorbed = 1;
}

/*
 * Placement names depend on the topology (the nearest pair of cores is
 * same-cache on one machine, cross-cache on another); roles mean the same on
 * every machine. Where a file's machine lacks a row's placement, take that
 * file's result of the same role, and drop the row it came from when all of
 * that row is shown here.
 */
static void match_roles(struct rows *rs, const struct ipcb_rfile *files)
{
	size_t i, f, j;
	char *k;

	for (i = 0; i < rs->n; i++) {
		struct row *row = &rs->v[i];

		if (row->absorbed || !row->role[0])
			continue;
		for (f = 0; f < rs->nfiles; f++) {
			if (row->res[f] || has_placement(rs, &files[f], f, row->placement))
				continue;
			if (asprintf(&k, "%zu\x1e%s\x1f%s\x1f%s\x1f%zu", f, row->id, row->params, row->role,
				     row->role_occ) < 0)
				continue;
			j = ipcb_strmap_find(&rs->roles, k);
			free(k);
			if (j == SIZE_MAX)
				continue;
			j = rs->roles.val[j];
			if (j != i && rs->v[j].own[f] && !rs->v[j].absorbed)
				lend(row, &rs->v[j], f, rs->nfiles);
		}
	}
}

static void rows_free(struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].key);
		free(rs->v[i].res);
		free(rs->v[i].own);
		free(rs->v[i].lent);
	}
	free(rs->v);
	ipcb_strmap_free(&rs->keys);
	ipcb_strmap_free(&rs->counts);
	ipcb_strmap_free(&rs->roles);
	ipcb_strmap_free(&rs->seen);
}

/* --- compare: columns (one file, or a group of files pooled) and significance --- */

struct unit {
	char letter;
	const char *group;   /* the group's name; NULL: one file */
	size_t first, count; /* its files: files[first..first+count) */
};

/* One column's view of one row: a file's result, or a group's results pooled. */
struct view {
	const json_t *r;	/* the first ok result, else the first present one; NULL: none */
	size_t present, ok;	/* members with a result, and with an ok one */
	double median;		/* a file: stats.median; a group: the median of its members' medians */
	double lo, hi;		/* a file: interval95; a group: the lowest and highest member median */
	size_t samples, rounds; /* summed over the members */
	int unstable;		/* a member's result is flagged unstable */
	size_t outlier;		/* a group: the file whose median stands apart, or SIZE_MAX */
	double outlier_dev;	/* its median over the group's, minus 1 */
};

/* How many replicates a result has: its round medians, or 1 (a file from before rounds were stored). */
static size_t rounds_of(const json_t *r)
{
	size_t n = json_array_size(json_object_get(r, "round_medians"));

	return n ? n : 1;
}

/*
 * A node whose median stands apart from the group's: further from it than
 * three (scaled) median absolute deviations of the nodes and than 5%. Needs
 * three nodes: with two, neither is the odd one.
 */
static void find_outlier(const double *meds, const size_t *file, size_t n, struct view *v)
{
	double *dev = malloc(n * sizeof(*dev)), mad, worst = 0;
	size_t i;

	if (!dev || n < 3) {
		free(dev);
		return;
	}
	for (i = 0; i < n; i++)
		dev[i] = fabs(meds[i] - v->median);
	mad = ipcb_group_median(dev, n);
	for (i = 0; i < n; i++) {
		double d = fabs(meds[i] - v->median);

		if (d > fmax(3 * 1.4826 * mad, 0.05 * fabs(v->median)) && d > worst) {
			worst = d;
			v->outlier = file[i];
			v->outlier_dev = meds[i] / v->median - 1;
		}
	}
	free(dev);
}

static void unit_view(const struct row *row, const struct unit *u, struct view *v)
{
	double *meds = malloc(u->count * sizeof(*meds));
	size_t *file = malloc(u->count * sizeof(*file)), f;

	memset(v, 0, sizeof(*v));
	v->median = v->lo = v->hi = NAN;
	v->outlier = SIZE_MAX;
	for (f = u->first; meds && file && f < u->first + u->count; f++) {
		const json_t *r = row->res[f];

		if (!r)
			continue;
		if (!v->present++)
			v->r = r;
		if (!is_ok(r))
			continue;
		if (!v->ok)
			v->r = r;
		file[v->ok] = f;
		meds[v->ok++] = stat_of(r, "median");
		v->samples += json_array_size(json_object_get(r, "samples"));
		v->rounds += rounds_of(r);
		v->unstable |= json_is_true(json_object_get(r, "unstable"));
	}
	if (v->ok && !u->group) {
		v->median = meds[0];
		v->lo = ci_of(v->r, 0);
		v->hi = ci_of(v->r, 1);
	} else if (v->ok) {
		double *sorted = malloc(v->ok * sizeof(*sorted));

		if (sorted) {
			memcpy(sorted, meds, v->ok * sizeof(*sorted));
			ipcb_group_pool(sorted, v->ok, &v->median, &v->lo, &v->hi);
			free(sorted);
			find_outlier(meds, file, v->ok, v);
		}
	}
	free(meds);
	free(file);
}

/* --- compare: significance ------------------------------------------------- */

enum test_kind { TEST_NONE, TEST_MWU, TEST_FEW };

struct verdict {
	enum test_kind test;
	double ratio; /* median of b / median of a; NAN when either is not ok */
	double p;     /* Mann-Whitney p; NAN unless TEST_MWU */
	size_t na, nb; /* replicates (round medians) on each side */
	int significant;
	const char *mark;
};

/* Fewer round medians than this on a side: too few to test (with 4 a side the smallest p is 2/70). */
#define MWU_MIN_ROUNDS 4

/*
 * The replicates of a column: the median of each round, each from its own
 * worker process, of every ok result it pools. A file written before rounds
 * were stored has one: its median. malloc'd; NULL (n = 0) when out of memory.
 */
static double *replicates_of(const struct row *row, const struct unit *u, size_t *n)
{
	size_t f, i, cap = 0;
	double *x;
	const json_t *v;

	for (f = u->first; f < u->first + u->count; f++)
		if (is_ok(row->res[f]))
			cap += rounds_of(row->res[f]);
	*n = 0;
	x = malloc((cap ? cap : 1) * sizeof(*x));
	if (!x)
		return NULL;
	for (f = u->first; f < u->first + u->count; f++) {
		const json_t *r = row->res[f];
		size_t before = *n;

		if (!is_ok(r))
			continue;
		json_array_foreach(json_object_get(r, "round_medians"), i, v)
			if (json_is_number(v) && *n < cap)
				x[(*n)++] = json_number_value(v);
		if (*n == before && *n < cap)
			x[(*n)++] = stat_of(r, "median");
	}
	return x;
}

static void judge(const struct row *row, const struct unit *ua, const struct unit *ub, struct verdict *v)
{
	struct view va, vb;
	double *xa, *xb;

	memset(v, 0, sizeof(*v));
	v->ratio = v->p = NAN;
	v->mark = "";
	unit_view(row, ua, &va);
	unit_view(row, ub, &vb);
	if (!va.ok || !vb.ok)
		return;
	v->ratio = vb.median / va.median;
	xa = replicates_of(row, ua, &v->na);
	xb = replicates_of(row, ub, &v->nb);
	if (v->na >= MWU_MIN_ROUNDS && v->nb >= MWU_MIN_ROUNDS)
		v->p = ipcb_mann_whitney_p(xa, v->na, xb, v->nb);
	free(xa);
	free(xb);
	if (v->p >= 0) {
		v->test = TEST_MWU;
		v->significant = v->p < 0.05;
		v->mark = v->p < 0.001 ? "***" : v->p < 0.01 ? "**" : v->p < 0.05 ? "*" : "~";
		return;
	}
	v->p = NAN;
	v->test = TEST_FEW;
	v->mark = "?";
}

static int regressed(const struct verdict *v, const struct ipcb_compare_opts *o)
{
	return o->fail_above >= 0 && v->significant && v->ratio > 1 + o->fail_above / 100;
}

/* --- compare: the header (which machines, and what differs) ---------------- */

struct field {
	char name[96];
	char **val;  /* per file */
	double *num; /* per file: a measured value, the same within tol; NAN: none */
	double tol;  /* relative; 0: compare the text */
};

struct fields {
	struct field *v;
	size_t n, nfiles;
};

static struct field *field_get(struct fields *fs, const char *name)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].name, name) == 0)
			return &fs->v[i];
	fs->v = realloc(fs->v, (fs->n + 1) * sizeof(*fs->v));
	snprintf(fs->v[fs->n].name, sizeof(fs->v[0].name), "%s", name);
	fs->v[fs->n].val = calloc(fs->nfiles, sizeof(char *));
	fs->v[fs->n].num = malloc(fs->nfiles * sizeof(double));
	for (i = 0; i < fs->nfiles; i++)
		fs->v[fs->n].num[i] = NAN;
	fs->v[fs->n].tol = 0;
	return &fs->v[fs->n++];
}

static void field_text(struct fields *fs, const char *name, size_t f, const char *text)
{
	struct field *fd = field_get(fs, name);

	free(fd->val[f]);
	fd->val[f] = text ? strdup(text) : NULL;
}

static void field_set(struct fields *fs, const char *prefix, const char *key, size_t f, const json_t *v)
{
	char name[96], text[256];

	snprintf(name, sizeof(name), "%s%s", prefix, key);
	ipcb_scalar_text(v, text, sizeof(text));
	field_text(fs, name, f, text);
}

/* Every scalar member of o, as prefix.key. */
static void fields_scalars(struct fields *fs, const char *prefix, const json_t *o, size_t f)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v)
		if (!json_is_object(v) && !json_is_array(v) && !strstr(key, "_reason"))
			field_set(fs, prefix, key, f, v);
}

/* "family 25 model 1 stepping 1": the model string of a VM may hide the CPU, these do not. */
static void field_cpu_id(struct fields *fs, size_t f, const json_t *m)
{
	static const char *const keys[] = { "cpu_family", "cpu_model_number", "cpu_stepping" };
	static const char *const words[] = { "family", "model", "stepping" };
	char text[160] = "", val[48];
	size_t used = 0;
	int i;

	for (i = 0; i < 3; i++) {
		const json_t *v = json_object_get(m, keys[i]);

		if (!v || json_is_null(v))
			continue;
		ipcb_scalar_text(v, val, sizeof(val));
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s %s", used ? " " : "", words[i], val);
	}
	field_text(fs, "cpu_id", f, used ? text : NULL);
}

/* The TSC rate is calibrated at every run: the same machine gives rates within 0.1%. */
static void field_tsc(struct fields *fs, size_t f, const json_t *m)
{
	const json_t *v = json_object_get(m, "tsc_hz");
	struct field *fd;
	char text[48];

	fd = field_get(fs, "tsc_rate");
	fd->tol = 1e-3;
	if (!json_is_number(v) || !(json_number_value(v) > 0)) {
		field_text(fs, "tsc_rate", f, NULL);
		return;
	}
	fd->num[f] = json_number_value(v);
	snprintf(text, sizeof(text), "%.1f MHz", fd->num[f] / 1e6);
	field_text(fs, "tsc_rate", f, text);
}

static void fmt_bytes(double b, char *buf, size_t len)
{
	if (b >= 1 << 20)
		snprintf(buf, len, "%g MiB", b / (1 << 20));
	else if (b >= 1 << 10)
		snprintf(buf, len, "%g KiB", b / (1 << 10));
	else
		snprintf(buf, len, "%g B", b);
}

/* One group of caches, e.g. "L3 32 MiB x1 shared by 2 CPUs": what a cross-CPU result rides on. */
static size_t cache_group(const json_t *caches, size_t i, char *buf, size_t len)
{
	const json_t *c = json_array_get(caches, i), *d;
	const char *type = ipcb_jstr(c, "type");
	size_t ncpus = json_array_size(json_object_get(c, "cpus")), count = 0, j;
	double size = json_number_value(json_object_get(c, "size"));
	char sz[32];

	for (j = i; j < json_array_size(caches); j++) {
		d = json_array_get(caches, j);
		if (json_integer_value(json_object_get(d, "level")) != json_integer_value(json_object_get(c, "level")) ||
		    strcmp(ipcb_jstr(d, "type"), type) || json_number_value(json_object_get(d, "size")) != size ||
		    json_array_size(json_object_get(d, "cpus")) != ncpus)
			break;
		count++;
	}
	fmt_bytes(size, sz, sizeof(sz));
	if (ncpus > 1)
		snprintf(buf, len, "L%lld%s %s x%zu shared by %zu CPUs",
			 (long long)json_integer_value(json_object_get(c, "level")),
			 !strcmp(type, "data") ? "d" : !strcmp(type, "instruction") ? "i" : "", sz, count, ncpus);
	else
		snprintf(buf, len, "L%lld%s %s x%zu per CPU",
			 (long long)json_integer_value(json_object_get(c, "level")),
			 !strcmp(type, "data") ? "d" : !strcmp(type, "instruction") ? "i" : "", sz, count);
	return count;
}

static void field_caches(struct fields *fs, size_t f, const json_t *topo)
{
	const json_t *caches = json_object_get(topo, "caches");
	char text[512] = "", one[128];
	size_t i = 0, used = 0;

	while (i < json_array_size(caches) && used < sizeof(text)) {
		i += cache_group(caches, i, one, sizeof(one));
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", used ? "; " : "", one);
	}
	field_text(fs, "caches", f, json_array_size(caches) ? text : NULL);
}

/* The placements this machine has (same-cache, cross-cache, ...): which results can match by name. */
static void field_placements(struct fields *fs, size_t f, const json_t *topo)
{
	const json_t *pl = json_object_get(topo, "placements"), *v;
	char text[256] = "";
	const char *name;
	size_t used = 0;

	json_object_foreach((json_t *)pl, name, v)
		if (!json_is_null(v) && used < sizeof(text))
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s", used ? ", " : "", name);
	field_text(fs, "placements", f, json_is_object(pl) ? text : NULL);
}

/* What can make the same benchmark cost differently: the machine, its mitigations, the tool, the settings. */
static void fields_collect(struct fields *fs, const struct ipcb_rfile *files, size_t n)
{
	static const char *const machine[] = { "hostname", "label", "cpu_model", "vendor", "microcode", "cpus", NULL };
	static const char *const system[] = { "kernel", "hypervisor", "governor", "turbo", "smt", NULL };
	size_t f;
	int i;

	fs->nfiles = n;
	for (f = 0; f < n; f++) {
		const json_t *m = json_object_get(files[f].doc, "machine");
		const json_t *topo = json_object_get(m, "topology");

		for (i = 0; machine[i]; i++)
			field_set(fs, "", machine[i], f, json_object_get(m, machine[i]));
		field_cpu_id(fs, f, m);
		field_tsc(fs, f, m);
		field_caches(fs, f, topo);
		field_placements(fs, f, topo);
		for (i = 0; system[i]; i++)
			field_set(fs, "", system[i], f, json_object_get(m, system[i]));
	}
	for (f = 0; f < n; f++)
		fields_scalars(fs, "mitigations.", json_object_get(json_object_get(files[f].doc, "machine"),
								   "mitigations"), f);
	for (f = 0; f < n; f++) {
		fields_scalars(fs, "tool.", json_object_get(files[f].doc, "tool"), f);
		fields_scalars(fs, "config.", json_object_get(files[f].doc, "config"), f);
	}
}

static int field_differs(const struct field *fd, size_t n)
{
	size_t f;

	for (f = 1; f < n; f++)
		if (fd->tol > 0 && !isnan(fd->num[0]) && !isnan(fd->num[f])) {
			if (fabs(fd->num[f] - fd->num[0]) > fd->tol * fabs(fd->num[0]))
				return 1;
		} else if (strcmp(fd->val[f] ? fd->val[f] : "absent", fd->val[0] ? fd->val[0] : "absent"))
			return 1;
	return 0;
}

static void fields_free(struct fields *fs)
{
	size_t i, f;

	for (i = 0; i < fs->n; i++) {
		for (f = 0; f < fs->nfiles; f++)
			free(fs->v[i].val[f]);
		free(fs->v[i].val);
		free(fs->v[i].num);
	}
	free(fs->v);
}

static const char *field_val(const struct field *fd, size_t f)
{
	return fd->val[f] ? fd->val[f] : "absent";
}

/* Two CPUs can share a model string (a VM often shows "AMD EPYC"): these tell them apart. */
static int hardware_differs(struct fields *fs)
{
	static const char *const hw[] = { "cpu_id", "microcode", "tsc_rate", "caches", "placements", "cpus", NULL };
	int k;

	for (k = 0; hw[k]; k++)
		if (field_differs(field_get(fs, hw[k]), fs->nfiles))
			return 1;
	return 0;
}

static void print_same(struct fields *fs, const char *bullet, FILE *out)
{
	static const char *const shown[] = { "cpu_model", "cpu_id", "tsc_rate", "kernel", "hypervisor", "smt", NULL };
	size_t nmit = 0, i;
	int k, first = 1;

	fprintf(out, "%ssame in all files:", bullet);
	for (k = 0; shown[k]; k++) {
		struct field *fd = field_get(fs, shown[k]);

		if (field_differs(fd, fs->nfiles) || !fd->val[0])
			continue;
		fprintf(out, "%s %s %s", first ? "" : ";", shown[k], field_val(fd, 0));
		if (!strcmp(shown[k], "cpu_model") && hardware_differs(fs))
			fputs(" (the name only: the hardware differs, see below)", out);
		first = 0;
	}
	for (i = 0; i < fs->n; i++)
		if (strncmp(fs->v[i].name, "mitigations.", 12) == 0 && !field_differs(&fs->v[i], fs->nfiles))
			nmit++;
	fprintf(out, "%s mitigations: %zu entries identical\n", first ? "" : ";", nmit);
}

/* Each file's name in the header: its column's letter, numbered inside a group ("B2"). */
static char (*file_tags(const struct unit *units, size_t nunits, size_t n))[24]
{
	char (*tag)[24] = calloc(n, sizeof(*tag));
	size_t u, k;

	for (u = 0; tag && u < nunits; u++)
		for (k = 0; k < units[u].count; k++) {
			if (units[u].group)
				snprintf(tag[units[u].first + k], sizeof(tag[0]), "%c%zu", units[u].letter, k + 1);
			else
				snprintf(tag[units[u].first + k], sizeof(tag[0]), "%c", units[u].letter);
		}
	return tag;
}

static void print_header(const struct ipcb_rfile *files, size_t n, const struct unit *units, size_t nunits,
			 enum ipcb_table_format fmt, FILE *out)
{
	const char *bullet = fmt == IPCB_FMT_MARKDOWN ? "- " : "";
	char (*tag)[24] = file_tags(units, nunits, n);
	struct fields fs = { 0 };
	size_t i, f, u, ndiff = 0;

	if (!tag)
		return;
	for (u = 0; u < nunits; u++) {
		if (units[u].group)
			fprintf(out, "%s%c = group %s, %zu files pooled:\n", bullet, units[u].letter, units[u].group,
				units[u].count);
		for (f = units[u].first; f < units[u].first + units[u].count; f++)
			fprintf(out, "%s%s%s = %s: %s, started %s\n", units[u].group ? "  " : "", bullet, tag[f],
				files[f].path, files[f].machine, ipcb_jstr(files[f].doc, "started"));
	}
	fields_collect(&fs, files, n);
	print_same(&fs, bullet, out);
	for (i = 0; i < fs.n; i++) {
		if (!field_differs(&fs.v[i], n))
			continue;
		if (!ndiff++)
			fprintf(out, "%sdiffers:\n", bullet);
		fprintf(out, "%s  %s:", fmt == IPCB_FMT_MARKDOWN ? "  -" : "", fs.v[i].name);
		for (f = 0; f < n; f++)
			fprintf(out, "%s %s %s", f ? " |" : "", tag[f], field_val(&fs.v[i], f));
		fputc('\n', out);
	}
	if (!ndiff)
		fprintf(out, "%sdiffers: nothing recorded (machine, mitigations, tool version and settings)\n", bullet);
	fputc('\n', out);
	fields_free(&fs);
	free(tag);
}

/* --- compare: the table ------------------------------------------------------ */

struct cmp {
	const struct ipcb_rfile *files;
	size_t n;
	const struct unit *units;
	size_t nunits;
	const struct ipcb_compare_opts *o;
	int params; /* some row has params: show the column */
	int raw;    /* csv: exact numbers, every test detail */
	int latex;  /* a paper table: no flags column, marks explained below */
};

static int any_params(const struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (!rs->v[i].absorbed && rs->v[i].params[0])
			return 1;
	return 0;
}

/* The name of a column in a paper table: the group, or the machine. */
static const char *unit_name(const struct cmp *c, const struct unit *u)
{
	return u->group ? u->group : c->files[u->first].label;
}

static void compare_columns(struct table *t, const struct cmp *c)
{
	static const char *const per_file[] = { "status", "median_ns", "ci95_lo", "ci95_hi", "samples", "rounds" };
	static const char *const per_group[] = { "nodes", "min_ns", "max_ns" };
	char name[200];
	size_t u, k;

	table_col(t, c->raw ? "id" : "benchmark", 0);
	if (c->params || c->raw)
		table_col(t, "params", 0);
	table_col(t, "placement", 0);
	for (u = 0; u < c->nunits; u++) {
		const struct unit *un = &c->units[u];

		if (c->raw) {
			for (k = 0; k < sizeof(per_file) / sizeof(per_file[0]); k++) {
				snprintf(name, sizeof(name), "%c_%s", un->letter, per_file[k]);
				table_col(t, name, k > 0);
			}
			for (k = 0; un->group && k < sizeof(per_group) / sizeof(per_group[0]); k++) {
				snprintf(name, sizeof(name), "%c_%s", un->letter, per_group[k]);
				table_col(t, name, 1);
			}
		} else {
			if (c->latex)
				snprintf(name, sizeof(name), "%s", unit_name(c, un));
			else
				snprintf(name, sizeof(name), "%c median", un->letter);
			table_col(t, name, 1);
			if (un->group) {
				snprintf(name, sizeof(name), "%c spread", un->letter);
				table_col(t, c->latex ? "min--max" : name, 1);
			}
		}
		if (u == 0)
			continue;
		snprintf(name, sizeof(name), "%c%s", un->letter, c->raw ? "_ratio" : "/A");
		table_col(t, name, 1);
		if (c->raw) {
			snprintf(name, sizeof(name), "%c_p", un->letter);
			table_col(t, name, 1);
			snprintf(name, sizeof(name), "%c_test", un->letter);
			table_col(t, name, 0);
		}
		if (c->raw)
			snprintf(name, sizeof(name), "%c_sig", un->letter);
		table_col(t, c->raw ? name : "sig", 0);
	}
	if (!c->raw)
		table_col(t, "rounds", 1);
	if (!c->latex)
		table_col(t, "flags", 0);
}

/* A group's spread: "2.50 ns–2.61 ns"; for a paper, "2.50–2.61 ns" in the median's unit and digits. */
static void fmt_spread(const struct view *v, int latex, char *buf, size_t len)
{
	char lo[32], hi[32];
	struct scale sc;

	if (!latex) {
		ipcb_fmt_ns(v->lo, lo, sizeof(lo));
		ipcb_fmt_ns(v->hi, hi, sizeof(hi));
		snprintf(buf, len, "%s–%s", lo, hi);
		return;
	}
	scale_for(v->median, &sc);
	snprintf(buf, len, "%.*f–%.*f %s%s", sc.decimals, v->lo / sc.div, sc.decimals, v->hi / sc.div, sc.unit,
		 v->outlier != SIZE_MAX ? "‡" : "");
}

static void cell_unit(struct table *t, const struct cmp *c, const struct unit *u, const struct view *v)
{
	char num[96];
	int k;

	if (c->raw) {
		table_cell(t, "%s", v->r ? ipcb_jstr(v->r, "status") : "absent");
		if (!v->ok) {
			for (k = 0; k < (u->group ? 8 : 5); k++)
				table_cell(t, "%s", "");
			return;
		}
		table_cell(t, "%.10g", v->median);
		if (u->group) { /* a group has a spread, not an interval: its min and max follow */
			table_cell(t, "%s", "");
			table_cell(t, "%s", "");
		} else {
			table_cell(t, "%.10g", v->lo);
			table_cell(t, "%.10g", v->hi);
		}
		table_cell(t, "%zu", v->samples);
		table_cell(t, "%zu", v->rounds);
		if (u->group) {
			table_cell(t, "%zu/%zu", v->ok, u->count);
			table_cell(t, "%.10g", v->lo);
			table_cell(t, "%.10g", v->hi);
		}
		return;
	}
	if (!v->ok) {
		table_cell(t, "%s", v->r ? ipcb_jstr(v->r, "status") : "-");
		if (u->group)
			table_cell(t, "%s", "");
		return;
	}
	if (c->latex && !u->group) {
		fmt_pm(v->median, v->lo, v->hi, num, sizeof(num));
	} else if (c->latex) { /* a group's median: its spread is the next column */
		struct scale sc;

		scale_for(v->median, &sc);
		snprintf(num, sizeof(num), "%.*f %s", sc.decimals, v->median / sc.div, sc.unit);
	} else {
		ipcb_fmt_ns(v->median, num, sizeof(num));
	}
	table_cell(t, "%s", num);
	if (u->group) {
		fmt_spread(v, c->latex, num, sizeof(num));
		table_cell(t, "%s", num);
	}
}

static const char *const test_names[] = { "", "mann-whitney", "too few rounds" };

/* A number in fmt (one double conversion), or none when it is NAN. */
static void cell_number(struct table *t, double v, const char *fmt, const char *none)
{
	char buf[64];

	if (isnan(v)) {
		table_cell(t, "%s", none);
		return;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, sizeof(buf), fmt, v);
#pragma GCC diagnostic pop
	table_cell(t, "%s", buf);
}

/* "5/5": the replicates of each column, "-" where a column has no ok result. */
static void cell_rounds(struct table *t, const struct view *views, size_t nunits)
{
	char buf[160];
	size_t u, used = 0;

	for (u = 0; u < nunits && used < sizeof(buf); u++) {
		if (views[u].ok)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%zu", u ? "/" : "", views[u].rounds);
		else
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s-", u ? "/" : "");
	}
	table_cell(t, "%s", buf);
}

struct flags {
	char buf[512];
	size_t used;
};

static void flag(struct flags *fl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void flag(struct flags *fl, const char *fmt, ...)
{
	va_list ap;

	if (fl->used >= sizeof(fl->buf))
		return;
	if (fl->used)
		fl->used += (size_t)snprintf(fl->buf + fl->used, sizeof(fl->buf) - fl->used, ", ");
	if (fl->used >= sizeof(fl->buf))
		return;
	va_start(ap, fmt);
	fl->used += (size_t)vsnprintf(fl->buf + fl->used, sizeof(fl->buf) - fl->used, fmt, ap);
	va_end(ap);
}

/* "matched by role: same-cache <-> cross-cache": the placement each file measured. */
static void flag_by_role(struct flags *fl, const struct row *row, const struct cmp *c)
{
	char buf[256], (*tag)[24] = file_tags(c->units, c->nunits, c->n);
	size_t f, used = 0;

	buf[0] = '\0';
	for (f = 0; tag && f < c->n && used < sizeof(buf); f++) {
		if (!row->res[f])
			continue;
		if (used)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s", c->raw ? " <-> " : " ↔ ");
		if (c->n > 2 && used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s ", tag[f]);
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s",
						 ipcb_jstr(json_object_get(row->res[f], "placement"), "name"));
	}
	free(tag);
	flag(fl, "matched by role: %s", buf);
}

/* A group's notes: members without an ok result, and a node that stands apart. */
static void flag_group(struct flags *fl, const struct cmp *c, const struct unit *u, const struct view *v)
{
	if (!u->group || !v->ok)
		return;
	if (v->ok < u->count)
		flag(fl, "%c: %zu of %zu files ok", u->letter, v->ok, u->count);
	if (v->outlier != SIZE_MAX) {
		const char *path = c->files[v->outlier].path, *base = strrchr(path, '/');

		flag(fl, "%c outlier: %c%zu %s (%+.0f%%)", u->letter, u->letter, v->outlier - u->first + 1,
		     base ? base + 1 : path, 100 * v->outlier_dev);
	}
}

static int row_complete(const struct row *row, const struct cmp *c)
{
	struct view v;
	size_t u;

	for (u = 0; u < c->nunits; u++) {
		unit_view(row, &c->units[u], &v);
		if (!v.ok)
			return 0;
	}
	return 1;
}

static int compare_row(struct table *t, const struct row *row, const struct cmp *c)
{
	struct view *views = calloc(c->nunits, sizeof(*views));
	struct flags fl = { .used = 0 };
	size_t u;
	int gate = 0, unstable = 0;

	if (!views)
		return 0;
	table_row(t);
	table_cell(t, "%s", row->id);
	if (c->params || c->raw)
		table_cell(t, "%s", row->params[0] || c->raw ? row->params : "-");
	table_cell(t, "%s%s", row->by_role ? row->role : row->placement, c->latex && row->by_role ? "†" : "");
	for (u = 0; u < c->nunits; u++) {
		struct verdict v;

		unit_view(row, &c->units[u], &views[u]);
		cell_unit(t, c, &c->units[u], &views[u]);
		unstable |= views[u].unstable;
		if (u == 0)
			continue;
		judge(row, &c->units[0], &c->units[u], &v);
		if (c->latex && !isnan(v.ratio)) { /* three significant digits, like every figure of a paper table */
			char num[32];

			fmt_num(v.ratio, 0, num, sizeof(num));
			table_cell(t, "%s", num);
		} else {
			cell_number(t, v.ratio, c->raw ? "%.6g" : "%.3f", c->raw ? "" : "-");
		}
		if (c->raw) {
			cell_number(t, v.p, "%.4g", "");
			table_cell(t, "%s", test_names[v.test]);
		}
		table_cell(t, "%s", c->latex && !strcmp(v.mark, "~") ? "n.s." : v.mark);
		if (v.test == TEST_FEW && c->nunits > 2)
			flag(&fl, "%c: too few rounds to test (n=%zu vs %zu)", c->units[u].letter, v.na, v.nb);
		else if (v.test == TEST_FEW)
			flag(&fl, "too few rounds to test (n=%zu vs %zu)", v.na, v.nb);
		if (regressed(&v, c->o)) {
			gate = 1;
			flag(&fl, "%c slower >%g%%", c->units[u].letter, c->o->fail_above);
		}
	}
	if (!c->raw)
		cell_rounds(t, views, c->nunits);
	for (u = 0; u < c->nunits; u++)
		flag_group(&fl, c, &c->units[u], &views[u]);
	if (row->by_role)
		flag_by_role(&fl, row, c);
	if (unstable)
		flag(&fl, "unstable");
	if (!c->latex)
		table_cell(t, "%s", fl.buf);
	free(views);
	return gate;
}

/* Rows only some files have, and skipped or failed rows: listed with their reasons, never dropped. */
static size_t print_left_out(const struct rows *rs, const struct cmp *c, FILE *out, int list)
{
	int md = c->o->format == IPCB_FMT_MARKDOWN;
	size_t i, u, shown = 0;
	struct view v;

	for (i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];

		if (row->absorbed || row_complete(row, c))
			continue;
		if (!shown++ && list)
			fprintf(out, "\nnot compared (missing from a file, skipped or failed):\n");
		if (!list)
			continue;
		fprintf(out, "%s  %s%s%s [%s]:", md ? "-" : "", row->id, row->params[0] ? " " : "", row->params,
			row->by_role ? row->role : row->placement);
		for (u = 0; u < c->nunits; u++) {
			unit_view(row, &c->units[u], &v);
			if (!v.r)
				fprintf(out, "%s %c absent", u ? ";" : "", c->units[u].letter);
			else if (v.ok)
				fprintf(out, "%s %c ok", u ? ";" : "", c->units[u].letter);
			else
				fprintf(out, "%s %c %s: %s", u ? ";" : "", c->units[u].letter, ipcb_jstr(v.r, "status"),
					ipcb_jstr(v.r, "reason"));
		}
		fputc('\n', out);
	}
	if (shown && !list && !c->latex)
		fprintf(out, "\nnot compared: %zu result%s missing from a file, skipped or failed (run without --no-skipped for the reasons)\n",
			shown, shown == 1 ? "" : "s");
	return shown;
}

static void print_legend(FILE *out, int by_role, int groups)
{
	fputs("\nsig: is the difference larger than the run-to-run noise? Each round of a result ran in its own\n"
	      "worker process; its median is one replicate (\"rounds\" says how many each file has). The test is\n"
	      "Mann-Whitney U, exact, two-sided, on those round medians: *** p<0.001, ** p<0.01, * p<0.05,\n"
	      "~ not significant; ? too few rounds to test (fewer than 4 on a side; a file written before round\n"
	      "medians were stored counts as one). Why rounds and not samples: the samples of one process are\n"
	      "time-ordered and correlated, and share that process's state (heap, threads, frequency), so a\n"
	      "test over them calls two identical runs different; the process is the unit of replication.\n"
	      "The smallest p is 0.029 with 4 rounds a side, 0.0079 with 5, below 0.001 from 7.\n"
	      "Read the ratio for the size of a difference, sig for its reality.\n",
	      out);
	if (by_role)
		fputs("matched by role: a machine lacks the other's placement (the nearest pair of cores shares a\n"
		      "cache on one, not on the other); the row pairs the results of the same placement role\n"
		      "(nearest-core, farthest, ...) and the placement column names the role.\n",
		      out);
	if (groups)
		fputs("group: several files (nodes of one machine type) as one column: the median of their medians,\n"
		      "the spread from the lowest to the highest node median, the round medians of all nodes pooled\n"
		      "for the test; \"outlier\" names a node more than 3 scaled MADs and 5% from the group median.\n",
		      out);
}

static void print_latex_notes(const struct cmp *c, size_t left_out, int by_role, int outliers, FILE *out)
{
	size_t u;

	fputs("\\par\\smallskip{\\footnotesize Median per operation $\\pm$ half the 95\\% interval of the median "
	      "(the wider of the within-process and the between-rounds interval). "
	      "Significance against the first column: Mann--Whitney $U$, exact, two-sided, on the per-round medians "
	      "(each round ran in its own process, the unit of replication): *** $p<0.001$, ** $p<0.01$, * $p<0.05$, "
	      "n.s.\\ not significant, ? fewer than 4 rounds on a side (not tested).",
	      out);
	if (by_role)
		fputs(" \\textsuperscript{\\dag} the machines' placements differ: the row pairs results of the same "
		      "placement role.",
		      out);
	if (outliers)
		fputs(" \\textsuperscript{\\ddag} one node's median stands apart from the group's.", out);
	for (u = 0; u < c->nunits; u++) {
		fprintf(out, " %c: ", c->units[u].letter);
		latex_escape(unit_name(c, &c->units[u]), out);
		if (c->units[u].group)
			fprintf(out, " (%zu nodes, median of node medians, min--max)", c->units[u].count);
		fputc(u + 1 < c->nunits ? ';' : '.', out);
	}
	if (left_out)
		fprintf(out, " %zu result%s not compared (missing, skipped or failed).", left_out,
			left_out == 1 ? "" : "s");
	fputs("\\par}\n", out);
}

static void report_gate(const struct rows *rs, const struct cmp *c)
{
	size_t i, u, count = 0;

	for (i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];

		if (row->absorbed)
			continue;
		for (u = 1; u < c->nunits; u++) {
			struct verdict v;

			judge(row, &c->units[0], &c->units[u], &v);
			if (!regressed(&v, c->o))
				continue;
			fprintf(stderr, "regression: %s%s%s [%s]: %c is %.1f%% slower than A (Mann-Whitney on %zu vs %zu round medians, p=%.2g)\n",
				row->id, row->params[0] ? " " : "", row->params, row->by_role ? row->role : row->placement,
				c->units[u].letter, 100 * (v.ratio - 1), v.na, v.nb, v.p);
			count++;
		}
	}
	fprintf(stderr, "regression gate (--fail-above %g%%): %zu result%s slower and significant\n", c->o->fail_above,
		count, count == 1 ? "" : "s");
}

/* The columns: one per file, but a group's files make one. */
static struct unit *make_units(size_t n, const struct ipcb_compare_opts *o, size_t *nunits)
{
	struct unit *units = calloc(n, sizeof(*units));
	size_t f = 0, g = 0;

	*nunits = 0;
	while (units && f < n) {
		struct unit *u = &units[*nunits];

		u->letter = (char)(*nunits < 26 ? 'A' + *nunits : '?');
		u->first = f;
		u->count = 1;
		if (g < o->ngroups && o->groups[g].first == f && o->groups[g].count) {
			u->group = o->groups[g].name;
			u->count = o->groups[g].count;
			g++;
		}
		f += u->count;
		(*nunits)++;
	}
	return units;
}

/*
 * When nearly every row moves the same way by a similar ratio, the cause is
 * the machine (its clock, a busy SMT sibling or another VM on the host, a
 * kernel), not one benchmark: a host that changes speed in phases longer
 * than a run makes two runs of one binary differ everywhere, each row
 * "significant". Say so once, above the rows, with the size of the shift.
 */
#define SHIFT_MIN 0.05	      /* a median ratio this far from 1 */
#define SHIFT_AGREE 0.75      /* with this share of the rows on its side */
#define SHIFT_MIN_ROWS 5

static void print_shift(const struct rows *rs, const struct cmp *c, FILE *out)
{
	double *ratios = malloc(rs->n * sizeof(double)), med, q1, q3;
	size_t i, u, n, same;

	if (!ratios)
		return;
	for (u = 1; u < c->nunits; u++) {
		for (i = n = 0; i < rs->n; i++) {
			struct view va, vb;

			if (rs->v[i].absorbed)
				continue;
			unit_view(&rs->v[i], &c->units[0], &va);
			unit_view(&rs->v[i], &c->units[u], &vb);
			if (va.ok && vb.ok && va.median > 0 && vb.median > 0)
				ratios[n++] = vb.median / va.median;
		}
		if (n < SHIFT_MIN_ROWS)
			continue;
		ipcb_sort_doubles(ratios, n);
		med = ipcb_quantile_sorted(ratios, n, 0.5);
		q1 = ipcb_quantile_sorted(ratios, n, 0.25);
		q3 = ipcb_quantile_sorted(ratios, n, 0.75);
		for (i = same = 0; i < n; i++)
			same += med < 1 ? ratios[i] < 1 : ratios[i] > 1;
		if (fabs(med - 1) < SHIFT_MIN || (double)same < SHIFT_AGREE * (double)n)
			continue;
		fprintf(out, "\nmachine-wide shift: %c/%c is %.3f over %zu rows (middle half %.3f-%.3f; %zu of %zu the same way).\n"
			     "When nearly every row moves together the cause is the machine (clock, a busy SMT sibling or\n"
			     "a neighbour VM on the host, the kernel), not one benchmark: on one machine, rerun both, or\n"
			     "read each row against this shift.\n\n",
			c->units[u].letter, c->units[0].letter, med, n, q1, q3, same, n);
	}
	free(ratios);
}

int ipcb_compare_files(const struct ipcb_rfile *files, size_t n, const struct ipcb_compare_opts *o, FILE *out)
{
	struct rows rs = { .nfiles = n };
	struct cmp c = { .files = files, .n = n, .o = o };
	struct unit *units;
	struct table t;
	int gate = 0, by_role = 0, outliers = 0;
	size_t f, i, u, left_out;

	for (f = 0; f < n; f++)
		if (match_file(&rs, f, files[f].doc, o))
			fprintf(stderr, "ipcbench compare: out of memory while matching %s\n", files[f].path);
	if (rs.n == 0 && o->nonly) {
		rows_free(&rs);
		return -1;
	}
	units = make_units(n, o, &c.nunits);
	if (!units) {
		rows_free(&rs);
		return -1;
	}
	c.units = units;
	c.raw = o->format == IPCB_FMT_CSV;
	c.latex = o->format == IPCB_FMT_LATEX;
	match_roles(&rs, files);
	c.params = any_params(&rs);
	table_init(&t);
	compare_columns(&t, &c);
	for (i = 0; i < rs.n; i++) {
		struct view v;

		/* a paper table, or --no-skipped: only compared rows; the rest are counted below */
		if (rs.v[i].absorbed || ((c.latex || o->no_skipped) && !row_complete(&rs.v[i], &c)))
			continue;
		gate |= compare_row(&t, &rs.v[i], &c);
		by_role |= rs.v[i].by_role;
		for (u = 0; u < c.nunits; u++) {
			unit_view(&rs.v[i], &units[u], &v);
			outliers |= v.outlier != SIZE_MAX;
		}
	}
	if (!c.raw && !c.latex) {
		print_header(files, n, units, c.nunits, o->format, out);
		print_shift(&rs, &c, out);
	}
	table_print(&t, o->format, out);
	if (c.latex) {
		left_out = print_left_out(&rs, &c, out, 0);
		print_latex_notes(&c, left_out, by_role, outliers, out);
	} else if (!c.raw) {
		print_left_out(&rs, &c, out, !o->no_skipped);
		print_legend(out, by_role, o->ngroups > 0);
	}
	if (o->fail_above >= 0)
		report_gate(&rs, &c);
	table_free(&t);
	rows_free(&rs);
	free(units);
	return gate;
}

/* --- export ------------------------------------------------------------------ */

static void export_columns(struct table *t, int machine, int latex)
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
		table_col(t, "machine", 0);
	if (latex) {
		for (i = 0; i < sizeof(paper) / sizeof(paper[0]); i++)
			table_col(t, paper[i].name, paper[i].right);
		return;
	}
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		table_col(t, cols[i].name, cols[i].right);
}

static void cell_cpus(struct table *t, const json_t *r)
{
	const json_t *cpus = json_object_get(json_object_get(r, "placement"), "cpus"), *c;
	char buf[256];
	size_t i, used = 0;

	buf[0] = '\0';
	json_array_foreach(cpus, i, c)
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%lld", i ? " " : "",
						 (long long)json_integer_value(c));
	table_cell(t, "%s", buf);
}

static void cell_stat(struct table *t, const json_t *r, double v, int raw)
{
	char num[32];

	if (!is_ok(r)) {
		table_cell(t, "%s", "");
		return;
	}
	fmt_num(v, raw, num, sizeof(num));
	table_cell(t, "%s", num);
}

/* A paper's row: the median with its reported interval as ±, the p99, the rounds behind them. */
static void export_paper_row(struct table *t, const json_t *r, const char *params)
{
	char num[64];
	struct scale sc;

	table_cell(t, "%s", ipcb_jstr(r, "id"));
	table_cell(t, "%s", params);
	table_cell(t, "%s", ipcb_jstr(json_object_get(r, "placement"), "name"));
	table_cell(t, "%s", ipcb_jstr(r, "per"));
	if (!is_ok(r)) {
		table_cell(t, "%s", ipcb_jstr(r, "status"));
		table_cell(t, "%s", "");
		table_cell(t, "%s", "");
		return;
	}
	fmt_pm(stat_of(r, "median"), ci_of(r, 0), ci_of(r, 1), num, sizeof(num));
	table_cell(t, "%s", num);
	scale_for(stat_of(r, "p99"), &sc);
	table_cell(t, "%.*f %s", sc.decimals, stat_of(r, "p99") / sc.div, sc.unit);
	table_cell(t, "%zu", rounds_of(r));
}

static void export_row(struct table *t, const struct ipcb_rfile *file, const json_t *r, int machine,
		       enum ipcb_table_format format)
{
	int ok = is_ok(r), raw = format == IPCB_FMT_CSV;
	char params[256];

	table_row(t);
	if (machine)
		table_cell(t, "%s", file->label);
	ipcb_result_params(r, NULL, params, sizeof(params));
	if (format == IPCB_FMT_LATEX) {
		export_paper_row(t, r, params);
		return;
	}
	table_cell(t, "%s", ipcb_jstr(r, "id"));
	table_cell(t, "%s", params);
	table_cell(t, "%s", ipcb_jstr(json_object_get(r, "placement"), "name"));
	cell_cpus(t, r);
	table_cell(t, "%s", ipcb_jstr(r, "unit"));
	table_cell(t, "%s", ipcb_jstr(r, "per"));
	table_cell(t, "%s", ipcb_jstr(r, "status"));
	if (ok)
		table_cell(t, "%lld", (long long)json_integer_value(json_object_get(json_object_get(r, "stats"), "n")));
	else
		table_cell(t, "%s", "");
	cell_stat(t, r, stat_of(r, "min"), raw);
	cell_stat(t, r, stat_of(r, "median"), raw);
	cell_stat(t, r, stat_of(r, "mean"), raw);
	cell_stat(t, r, stat_of(r, "p99"), raw);
	cell_stat(t, r, ci_of(r, 0), raw);
	cell_stat(t, r, ci_of(r, 1), raw);
	cell_stat(t, r, json_number_value(json_object_get(r, "ci95_rel")), raw);
	table_cell(t, "%s", ok ? (json_is_true(json_object_get(r, "unstable")) ? "yes" : "no") : "");
	table_cell(t, "%s", ipcb_jstr(r, "reason"));
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
		latex_escape(files[f].label, out);
		fputs(": ", out);
		latex_escape(files[f].path, out);
		fputc(f + 1 < n ? ';' : '.', out);
	}
	fputs("\\par}\n", out);
}

int ipcb_export_rows(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format format, char **only,
		     int nonly, int no_skipped, FILE *out)
{
	struct table t;
	const json_t *r;
	size_t f, i, rows = 0, left = 0;

	table_init(&t);
	export_columns(&t, n > 1, format == IPCB_FMT_LATEX);
	for (f = 0; f < n; f++) {
		json_array_foreach(json_object_get(files[f].doc, "results"), i, r) {
			if (!ipcb_only_match(only, nonly, ipcb_jstr(r, "id")))
				continue;
			rows++;
			if (no_skipped && !is_ok(r)) {
				left++;
				continue;
			}
			export_row(&t, &files[f], r, n > 1, format);
		}
	}
	if (rows || !nonly) {
		table_print(&t, format, out);
		if (format == IPCB_FMT_LATEX)
			export_latex_notes(files, n, out);
	}
	if (left)
		fprintf(stderr, "ipcbench export: %zu skipped or failed result%s left out (--no-skipped)\n", left,
			left == 1 ? "" : "s");
	table_free(&t);
	return rows || !nonly ? 0 : -1;
}

int ipcb_export_files(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format format, char **only,
		      int nonly, FILE *out)
{
	return ipcb_export_rows(files, n, format, only, nonly, 0, out);
}

/* --- the commands --------------------------------------------------------------- */

static const char compare_help[] =
	"usage: ipcbench compare A.json B.json [C.json...] [OPTIONS]\n"
	"\n"
	"Match results across results files, from one machine or several, and print the\n"
	"medians side by side with the ratio to the first file (A) and a significance mark.\n"
	"\n"
	"Matching: by (id, params, placement); where a file's machine lacks the placement\n"
	"(the nearest pair of cores shares a cache on one machine, not on another), by the\n"
	"placement's role (nearest-core, farthest, ...), and the row says \"matched by role\".\n"
	"\n"
	"Significance is tested on replicates: each round of a result ran in its own worker\n"
	"process, and its median (round_medians in the file) is one replicate. The test is\n"
	"Mann-Whitney U, exact, two-sided, on the round medians of the two files; it needs\n"
	"4 or more rounds on each side, else the row says \"too few rounds to test\". The\n"
	"samples inside one process are not used: they are time-ordered and correlated, so\n"
	"a test over them calls two runs of the same binary different. A file written before\n"
	"round medians were stored counts as one replicate.\n"
	"\n"
	"The header says what differs between the machines and runs (CPU model, family/model/\n"
	"stepping, TSC rate, caches, placements, kernel, mitigations, hypervisor, tool version,\n"
	"settings). Results only some files have, and skipped or failed ones, are listed with\n"
	"their reasons.\n"
	"\n"
	"  --format text|markdown|csv|latex\n"
	"                               output format (default text; csv has exact numbers,\n"
	"                               p-values, the test used and the number of rounds, and\n"
	"                               no header; latex is a booktabs table of the compared\n"
	"                               rows, 3 significant digits, the interval as +-, the marks\n"
	"                               explained in a note below it)\n"
	"  --group NAME=FILE,FILE,...   pool several files (nodes of one machine type) as one\n"
	"                               column: the median of their medians, the min-max spread\n"
	"                               of the node medians, and an outlier node named; the test\n"
	"                               pools the nodes' round medians. Repeat for several groups;\n"
	"                               columns follow the command line\n"
	"  --label FILE=NAME            name the machine of FILE (its path or file name) NAME\n"
	"  --no-skipped                 only compared rows; one line counts the others (missing,\n"
	"                               skipped or failed) instead of listing each reason\n"
	"  --only PATTERN               only ids matching this fnmatch pattern ('lock/*', or a\n"
	"                               family name); repeat for several\n"
	"  --fail-above PCT             a regression gate: exit 1 when a result of B, C... is\n"
	"                               slower than A by more than PCT percent and the difference\n"
	"                               is significant by the test above (p < 0.05 on round\n"
	"                               medians, 4 or more rounds a side)\n"
	"  -h, --help\n"
	"\n"
	"exit status: 0, 1 the regression gate tripped, 2 bad input (a file that is not valid\n"
	"ipcbench output: the message names the file and the position)\n";

static const char export_help[] =
	"usage: ipcbench export RESULT.json [RESULT.json...] [--format csv|markdown|latex] [OPTIONS]\n"
	"\n"
	"One row per result: id, params, placement, cpus, unit, per, status, n, min, median,\n"
	"mean, p99, the reported 95% interval of the median (interval95: the wider of the\n"
	"within-process and the between-rounds interval; stats.ci95 in older files), ci95_rel,\n"
	"unstable, and the reason of a skipped or failed\n"
	"result. With several files, a first column names the machine.\n"
	"\n"
	"  --format csv|markdown|latex  csv (default: exact numbers, RFC 4180 quoting), a\n"
	"                               markdown table (three significant digits), or a booktabs\n"
	"                               LaTeX table for a paper (median +- interval, p99, rounds)\n"
	"  --label FILE=NAME            name the machine of FILE (its path or file name) NAME\n"
	"  --no-skipped                 leave out skipped and failed results (counted on stderr)\n"
	"  --only PATTERN               only ids matching this fnmatch pattern; repeat for several\n"
	"  -h, --help\n"
	"\n"
	"exit status: 0, 2 bad input (the message names the file and the position)\n";

static int usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipcbench %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int parse_format(const char *cmd, const char *arg, int allow_text, enum ipcb_table_format *f)
{
	if (allow_text && strcmp(arg, "text") == 0)
		*f = IPCB_FMT_TEXT;
	else if (strcmp(arg, "markdown") == 0 || strcmp(arg, "md") == 0)
		*f = IPCB_FMT_MARKDOWN;
	else if (strcmp(arg, "csv") == 0)
		*f = IPCB_FMT_CSV;
	else if (strcmp(arg, "latex") == 0 || strcmp(arg, "tex") == 0)
		*f = IPCB_FMT_LATEX;
	else
		return usage(cmd, "--format '%s': expected %s", arg,
			     allow_text ? "text, markdown, csv or latex" : "csv, markdown or latex");
	return 0;
}

/* The files in command-line order; a group's files are contiguous. */
struct table_opts {
	enum ipcb_table_format format;
	char **only;
	int nonly;
	double fail_above;
	int no_skipped;
	char **labels; /* FILE=NAME */
	int nlabels;
	char **paths;
	size_t npaths;
	struct ipcb_compare_group *groups;
	size_t ngroups;
};

static int push(void *pv, size_t *n, size_t size)
{
	void **p = pv, *grown = realloc(*p, (*n + 1) * size);

	if (!grown)
		return -1;
	*p = grown;
	(*n)++;
	return 0;
}

static int add_path(struct table_opts *to, char *path)
{
	if (push(&to->paths, &to->npaths, sizeof(*to->paths)))
		return -1;
	to->paths[to->npaths - 1] = path;
	return 0;
}

/* --group NAME=FILE,FILE,...: one column of the files, which keep their place among the others. */
static int add_group(const char *cmd, struct table_opts *to, char *arg)
{
	struct ipcb_group_arg ga;
	char err[4096];
	size_t i;

	if (ipcb_group_parse(arg, &ga, err, sizeof(err)))
		return usage(cmd, "%s", err);
	if (push(&to->groups, &to->ngroups, sizeof(*to->groups)))
		goto nomem;
	to->groups[to->ngroups - 1] =
		(struct ipcb_compare_group){ .name = ga.name, .first = to->npaths, .count = ga.nfiles };
	for (i = 0; i < ga.nfiles; i++)
		if (add_path(to, ga.files[i]))
			goto nomem;
	free(ga.files);
	return 0;
nomem:
	free(ga.files);
	return usage(cmd, "--group %s: out of memory", ga.name);
}

static int parse_percent(const char *cmd, const char *arg, double *pct)
{
	char *end;

	errno = 0;
	*pct = strtod(arg, &end);
	if (strcmp(cmd, "compare") || errno || end == arg || (*end && strcmp(end, "%")) || !(*pct >= 0) || *pct > 1e6)
		return usage(cmd, strcmp(cmd, "compare") ? "--fail-above is an option of compare, not %s" :
							     "--fail-above '%s': expected a percentage >= 0, e.g. 5",
			     strcmp(cmd, "compare") ? cmd : arg);
	return 0;
}

/* The options compare and export share, and the files in order; -1 after --help, 0, or EXIT_USAGE. */
static int parse_table_opts(const char *cmd, int argc, char **argv, struct table_opts *to, const char *help)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'F' },
					      { "only", required_argument, NULL, 'O' },
					      { "fail-above", required_argument, NULL, 'G' },
					      { "no-skipped", no_argument, NULL, 'S' },
					      { "label", required_argument, NULL, 'L' },
					      { "group", required_argument, NULL, 'P' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int compare = strcmp(cmd, "compare") == 0, c;

	to->fail_above = -1;
	/* "-": files come back in order (as 1), so that a --group keeps its place among them */
	while ((c = getopt_long(argc, argv, "-h", opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (add_path(to, optarg))
				return EXIT_USAGE;
			break;
		case 'F':
			if (parse_format(cmd, optarg, compare, &to->format))
				return EXIT_USAGE;
			break;
		case 'O':
			to->only = realloc(to->only, (size_t)(to->nonly + 1) * sizeof(char *));
			to->only[to->nonly++] = optarg;
			break;
		case 'G':
			if (parse_percent(cmd, optarg, &to->fail_above))
				return EXIT_USAGE;
			break;
		case 'S':
			to->no_skipped = 1;
			break;
		case 'L':
			if (!strchr(optarg, '=') || optarg[0] == '=' || !strchr(optarg, '=')[1])
				return usage(cmd, "--label '%s': expected FILE=NAME", optarg);
			to->labels = realloc(to->labels, (size_t)(to->nlabels + 1) * sizeof(char *));
			to->labels[to->nlabels++] = optarg;
			break;
		case 'P':
			if (!compare)
				return usage(cmd, "--group is an option of compare, not %s", cmd);
			if (add_group(cmd, to, optarg))
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			fputs(help, stderr);
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) /* after "--" */
		if (add_path(to, argv[optind]))
			return EXIT_USAGE;
	return 0;
}

static void table_opts_free(struct table_opts *to)
{
	free(to->only);
	free(to->labels);
	free(to->paths);
	free(to->groups);
}

int ipcb_rfiles_relabel(struct ipcb_rfile *files, size_t n, char *const *labels, int nlabels, char *err,
			size_t errlen)
{
	size_t f, len;
	int i, hit;

	for (i = 0; i < nlabels; i++) {
		const char *eq = strchr(labels[i], '=');

		if (!eq)
			return BAD("--label '%s': expected FILE=NAME", labels[i]);
		len = (size_t)(eq - labels[i]);
		for (f = 0, hit = 0; f < n; f++) {
			const char *base = strrchr(files[f].path, '/');

			base = base ? base + 1 : files[f].path;
			if ((strlen(files[f].path) == len && !strncmp(files[f].path, labels[i], len)) ||
			    (strlen(base) == len && !strncmp(base, labels[i], len))) {
				snprintf(files[f].label, sizeof(files[f].label), "%s", eq + 1);
				snprintf(files[f].machine, sizeof(files[f].machine), "%s", eq + 1);
				hit = 1;
			}
		}
		if (!hit)
			return BAD("--label '%s': no input file is %.*s", labels[i], (int)len, labels[i]);
	}
	return 0;
}

/* Load the files named after the options; an error is one line naming the file and position. */
static int load_or_complain(const char *cmd, struct ipcb_rfile *files, const struct table_opts *to)
{
	char err[768], *p;

	if (ipcb_rfiles_load(files, to->paths, to->npaths, err, sizeof(err)) == 0) {
		if (ipcb_rfiles_relabel(files, to->npaths, to->labels, to->nlabels, err, sizeof(err)) == 0)
			return 0;
		ipcb_rfiles_free(files, to->npaths);
	}
	for (p = err; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return usage(cmd, "%s", err);
}

int ipcb_cmd_compare(int argc, char **argv)
{
	struct table_opts to = { .format = IPCB_FMT_TEXT };
	struct ipcb_compare_opts o;
	struct ipcb_rfile *files = NULL;
	size_t n, columns, g;
	int rc;

	rc = parse_table_opts("compare", argc, argv, &to, compare_help);
	if (rc)
		goto out;
	n = to.npaths;
	columns = n;
	for (g = 0; g < to.ngroups; g++)
		columns -= to.groups[g].count - 1;
	if (columns < 2) {
		rc = usage("compare", "expected two or more results files or groups (see --help)");
		goto out;
	}
	if (columns > 26) {
		rc = usage("compare", "at most 26 columns (A..Z), not %zu", columns);
		goto out;
	}
	files = calloc(n, sizeof(*files));
	rc = load_or_complain("compare", files, &to);
	if (rc)
		goto out;
	o = (struct ipcb_compare_opts){ .format = to.format,
					.only = to.only,
					.nonly = to.nonly,
					.fail_above = to.fail_above,
					.no_skipped = to.no_skipped,
					.groups = to.groups,
					.ngroups = to.ngroups };
	rc = ipcb_compare_files(files, n, &o, stdout);
	if (rc < 0)
		rc = usage("compare", "no result matches --only");
	ipcb_rfiles_free(files, n);
out:
	free(files);
	table_opts_free(&to);
	return rc < 0 ? 0 : rc;
}

int ipcb_cmd_export(int argc, char **argv)
{
	struct table_opts to = { .format = IPCB_FMT_CSV };
	struct ipcb_rfile *files = NULL;
	size_t n;
	int rc;

	rc = parse_table_opts("export", argc, argv, &to, export_help);
	if (rc)
		goto out;
	n = to.npaths;
	if (n < 1) {
		rc = usage("export", "expected a results file (see --help)");
		goto out;
	}
	files = calloc(n, sizeof(*files));
	rc = load_or_complain("export", files, &to);
	if (rc)
		goto out;
	if (ipcb_export_rows(files, n, to.format, to.only, to.nonly, to.no_skipped, stdout))
		rc = usage("export", "no result matches --only");
	ipcb_rfiles_free(files, n);
out:
	free(files);
	table_opts_free(&to);
	return rc < 0 ? 0 : rc;
}
