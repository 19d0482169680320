// SPDX-License-Identifier: MIT
/*
 * compare.c - reading results files back. `compare` matches results by
 * (id, params, placement name) across files, from one machine or several,
 * and says for each whether the difference is more than noise: a
 * Mann-Whitney U test on the stored samples (they are not normal: long right
 * tails), or disjoint confidence intervals when a file has no samples.
 * `export` flattens one file into a table. Both read only results files, so
 * they work on files from machines and versions this binary never saw; and
 * they never drop a row silently: a result only one file has, or one that
 * was skipped, is listed with its reason.
 */
#include "compare.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"

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

static void base_label(const struct ipcb_rfile *f, char *buf, size_t len)
{
	const json_t *m = json_object_get(f->doc, "machine");
	char cpu[128];

	cpu_short(ipcb_jstr(m, "cpu_model"), cpu, sizeof(cpu));
	snprintf(buf, len, "%s%s%s%s", ipcb_jstr(m, "hostname"), cpu[0] ? " (" : "", cpu, cpu[0] ? ")" : "");
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

static double ci_of(const json_t *r, int hi)
{
	return json_number_value(json_array_get(json_object_get(json_object_get(r, "stats"), "ci95"), (size_t)hi));
}

/* The stored samples as doubles (malloc'd; NULL when there are none). */
static double *samples_of(const json_t *r, size_t *n)
{
	const json_t *a = json_object_get(r, "samples"), *v;
	double *x;
	size_t i;

	*n = 0;
	if (!json_array_size(a))
		return NULL;
	x = malloc(json_array_size(a) * sizeof(*x));
	if (!x)
		return NULL;
	json_array_foreach(a, i, v)
		x[(*n)++] = json_number_value(v);
	return x;
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

static void table_print(const struct table *t, enum ipcb_table_format f, FILE *out)
{
	if (f == IPCB_FMT_CSV)
		print_csv(t, out);
	else if (f == IPCB_FMT_MARKDOWN)
		print_markdown(t, out);
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

/* A figure in ns for people (2.52 ns, 1.31 us), or exact for machines (csv). */
static void fmt_ns(double ns, int raw, char *buf, size_t len)
{
	if (raw)
		snprintf(buf, len, "%.10g", ns);
	else
		ipcb_fmt_ns(ns, buf, len);
}

/* A plain number: three significant digits for a paper table, exact for csv. */
static void fmt_num(double v, int raw, char *buf, size_t len)
{
	double a = fabs(v);

	if (raw)
		snprintf(buf, len, "%.10g", v);
	else if (a >= 100 || a == 0)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3g", v);
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
	char params[256];
	const json_t **res; /* per file; NULL: not in that file */
};

struct rows {
	struct row *v;
	size_t n, nfiles;
};

static char *result_key(const json_t *r, const char *params, int occurrence)
{
	char *key;

	if (asprintf(&key, "%s\x1f%s\x1f%s\x1f%d", ipcb_jstr(r, "id"), params,
		     ipcb_jstr(json_object_get(r, "placement"), "name"), occurrence) < 0)
		return NULL;
	return key;
}

static struct row *row_find(struct rows *rs, const char *key)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].key, key) == 0)
			return &rs->v[i];
	return NULL;
}

static struct row *row_add(struct rows *rs, const json_t *r, const char *params, char *key)
{
	struct row *row;

	rs->v = realloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
	row = &rs->v[rs->n++];
	row->key = key;
	row->id = ipcb_jstr(r, "id");
	row->placement = ipcb_jstr(json_object_get(r, "placement"), "name");
	snprintf(row->params, sizeof(row->params), "%s", params);
	row->res = calloc(rs->nfiles, sizeof(*row->res));
	return row;
}

/* A result repeated in one file (the same key twice) matches the same repetition elsewhere. */
static void match_file(struct rows *rs, size_t f, const json_t *doc, const struct ipcb_compare_opts *o)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, r) {
		char params[256], *key;
		struct row *row;
		int occ = 0;

		if (!ipcb_only_match(o->only, o->nonly, ipcb_jstr(r, "id")))
			continue;
		ipcb_result_params(r, NULL, params, sizeof(params));
		for (;;) {
			key = result_key(r, params, occ);
			row = key ? row_find(rs, key) : NULL;
			if (!row || !row->res[f])
				break;
			free(key);
			occ++;
		}
		if (!key)
			continue;
		if (row)
			free(key);
		else
			row = row_add(rs, r, params, key);
		row->res[f] = r;
	}
}

static void rows_free(struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].key);
		free(rs->v[i].res);
	}
	free(rs->v);
}

/* --- compare: significance ------------------------------------------------- */

enum test_kind { TEST_NONE, TEST_MWU, TEST_CI };

struct verdict {
	enum test_kind test;
	double ratio; /* median of b / median of a; NAN when either is not ok */
	double p;     /* Mann-Whitney p; NAN unless TEST_MWU */
	int significant;
	const char *mark;
};

/* Fewer stored samples than this on a side: compare the CIs instead. */
#define MWU_MIN_SAMPLES 5

static void judge(const json_t *a, const json_t *b, struct verdict *v)
{
	double *xa, *xb;
	size_t na, nb;

	memset(v, 0, sizeof(*v));
	v->ratio = v->p = NAN;
	v->mark = "";
	if (!is_ok(a) || !is_ok(b))
		return;
	v->ratio = stat_of(b, "median") / stat_of(a, "median");
	xa = samples_of(a, &na);
	xb = samples_of(b, &nb);
	if (na >= MWU_MIN_SAMPLES && nb >= MWU_MIN_SAMPLES)
		v->p = ipcb_mann_whitney_p(xa, na, xb, nb);
	free(xa);
	free(xb);
	if (v->p >= 0) {
		v->test = TEST_MWU;
		v->significant = v->p < 0.05;
		v->mark = v->p < 0.001 ? "***" : v->p < 0.01 ? "**" : v->p < 0.05 ? "*" : "~";
		return;
	}
	v->p = NAN;
	v->test = TEST_CI;
	v->significant = ci_of(a, 1) < ci_of(b, 0) || ci_of(b, 1) < ci_of(a, 0);
	v->mark = v->significant ? "#" : "~";
}

static int regressed(const struct verdict *v, const struct ipcb_compare_opts *o)
{
	return o->fail_above >= 0 && v->significant && v->ratio > 1 + o->fail_above / 100;
}

/* --- compare: the header (which machines, and what differs) ---------------- */

struct field {
	char name[96];
	char **val; /* per file */
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
	return &fs->v[fs->n++];
}

static void field_set(struct fields *fs, const char *prefix, const char *key, size_t f, const json_t *v)
{
	char name[96], text[256];
	struct field *fd;

	snprintf(name, sizeof(name), "%s%s", prefix, key);
	ipcb_scalar_text(v, text, sizeof(text));
	fd = field_get(fs, name);
	free(fd->val[f]);
	fd->val[f] = strdup(text);
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

/* What can make the same benchmark cost differently: the machine, its mitigations, the tool, the settings. */
static void fields_collect(struct fields *fs, const struct ipcb_rfile *files, size_t n)
{
	static const char *const machine[] = { "hostname", "cpu_model", "microcode", "cpus", "kernel",
					       "hypervisor", "governor", "turbo", "smt", NULL };
	size_t f;
	int i;

	fs->nfiles = n;
	for (f = 0; f < n; f++) {
		const json_t *m = json_object_get(files[f].doc, "machine");

		for (i = 0; machine[i]; i++)
			field_set(fs, "", machine[i], f, json_object_get(m, machine[i]));
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
		if (strcmp(fd->val[f] ? fd->val[f] : "absent", fd->val[0] ? fd->val[0] : "absent"))
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
	}
	free(fs->v);
}

static const char *field_val(const struct field *fd, size_t f)
{
	return fd->val[f] ? fd->val[f] : "absent";
}

static void print_same(struct fields *fs, const char *bullet, FILE *out)
{
	static const char *const shown[] = { "cpu_model", "kernel", "hypervisor", "smt", NULL };
	size_t nmit = 0, i;
	int k, first = 1;

	fprintf(out, "%ssame in all files:", bullet);
	for (k = 0; shown[k]; k++) {
		struct field *fd = field_get(fs, shown[k]);

		if (field_differs(fd, fs->nfiles))
			continue;
		fprintf(out, "%s %s %s", first ? "" : ";", shown[k], field_val(fd, 0));
		first = 0;
	}
	for (i = 0; i < fs->n; i++)
		if (strncmp(fs->v[i].name, "mitigations.", 12) == 0 && !field_differs(&fs->v[i], fs->nfiles))
			nmit++;
	fprintf(out, "%s mitigations: %zu entries identical\n", first ? "" : ";", nmit);
}

static void print_header(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format fmt, FILE *out)
{
	const char *bullet = fmt == IPCB_FMT_MARKDOWN ? "- " : "";
	struct fields fs = { 0 };
	size_t i, f, ndiff = 0;

	for (f = 0; f < n; f++)
		fprintf(out, "%s%c = %s: %s, started %s\n", bullet, files[f].letter, files[f].path, files[f].machine,
			ipcb_jstr(files[f].doc, "started"));
	fields_collect(&fs, files, n);
	print_same(&fs, bullet, out);
	for (i = 0; i < fs.n; i++) {
		if (!field_differs(&fs.v[i], n))
			continue;
		if (!ndiff++)
			fprintf(out, "%sdiffers:\n", bullet);
		fprintf(out, "%s  %s:", fmt == IPCB_FMT_MARKDOWN ? "  -" : "", fs.v[i].name);
		for (f = 0; f < n; f++)
			fprintf(out, "%s %c %s", f ? " |" : "", files[f].letter, field_val(&fs.v[i], f));
		fputc('\n', out);
	}
	if (!ndiff)
		fprintf(out, "%sdiffers: nothing recorded (machine, mitigations, tool version and settings)\n", bullet);
	fputc('\n', out);
	fields_free(&fs);
}

/* --- compare: the table ------------------------------------------------------ */

static int any_params(const struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].params[0])
			return 1;
	return 0;
}

static void compare_columns(struct table *t, const struct ipcb_rfile *files, size_t n, int params, int raw)
{
	char name[64];
	size_t f;

	table_col(t, raw ? "id" : "benchmark", 0);
	if (params || raw)
		table_col(t, "params", 0);
	table_col(t, "placement", 0);
	for (f = 0; f < n; f++) {
		if (raw) {
			static const char *const per_file[] = { "status", "median_ns", "ci95_lo", "ci95_hi", "samples" };
			size_t k;

			for (k = 0; k < 5; k++) {
				snprintf(name, sizeof(name), "%c_%s", files[f].letter, per_file[k]);
				table_col(t, name, k > 0);
			}
		} else {
			snprintf(name, sizeof(name), "%c median", files[f].letter);
			table_col(t, name, 1);
		}
		if (f == 0)
			continue;
		snprintf(name, sizeof(name), "%c%s", files[f].letter, raw ? "_ratio" : "/A");
		table_col(t, name, 1);
		if (raw) {
			snprintf(name, sizeof(name), "%c_p", files[f].letter);
			table_col(t, name, 1);
			snprintf(name, sizeof(name), "%c_test", files[f].letter);
			table_col(t, name, 0);
		}
		if (raw)
			snprintf(name, sizeof(name), "%c_sig", files[f].letter);
		table_col(t, raw ? name : "sig", 0);
	}
	table_col(t, "flags", 0);
}

static void cell_result(struct table *t, const json_t *r, int raw)
{
	char num[32];
	int k;

	if (raw) {
		table_cell(t, "%s", r ? ipcb_jstr(r, "status") : "absent");
		if (!is_ok(r)) {
			for (k = 0; k < 4; k++)
				table_cell(t, "%s", "");
			return;
		}
		table_cell(t, "%.10g", stat_of(r, "median"));
		table_cell(t, "%.10g", ci_of(r, 0));
		table_cell(t, "%.10g", ci_of(r, 1));
		table_cell(t, "%zu", json_array_size(json_object_get(r, "samples")));
		return;
	}
	if (!is_ok(r)) {
		table_cell(t, "%s", r ? ipcb_jstr(r, "status") : "-");
		return;
	}
	fmt_ns(stat_of(r, "median"), 0, num, sizeof(num));
	table_cell(t, "%s", num);
}

static const char *const test_names[] = { "", "mann-whitney", "ci95" };

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

static int compare_row(struct table *t, const struct row *row, size_t n, const struct ipcb_compare_opts *o,
		       const struct ipcb_rfile *files, int params, int raw)
{
	char flags[128] = "";
	size_t f, used = 0;
	int gate = 0, unstable = 0;

	table_row(t);
	table_cell(t, "%s", row->id);
	if (params || raw)
		table_cell(t, "%s", row->params[0] || raw ? row->params : "-");
	table_cell(t, "%s", row->placement);
	for (f = 0; f < n; f++) {
		struct verdict v;

		cell_result(t, row->res[f], raw);
		unstable |= is_ok(row->res[f]) && json_is_true(json_object_get(row->res[f], "unstable"));
		if (f == 0)
			continue;
		judge(row->res[0], row->res[f], &v);
		cell_number(t, v.ratio, raw ? "%.6g" : "%.3f", raw ? "" : "-");
		if (raw) {
			cell_number(t, v.p, "%.4g", "");
			table_cell(t, "%s", test_names[v.test]);
		}
		table_cell(t, "%s", v.mark);
		if (regressed(&v, o)) {
			gate = 1;
			if (used < sizeof(flags))
				used += (size_t)snprintf(flags + used, sizeof(flags) - used, "%s%c slower >%g%%",
							 used ? ", " : "", files[f].letter, o->fail_above);
		}
	}
	if (unstable && used < sizeof(flags))
		snprintf(flags + used, sizeof(flags) - used, "%sunstable", used ? ", " : "");
	table_cell(t, "%s", flags);
	return gate;
}

/* Rows only some files have, and skipped or failed rows: listed with their reasons, never dropped. */
static void print_left_out(const struct rows *rs, const struct ipcb_rfile *files, size_t n, FILE *out, int md)
{
	size_t i, f, shown = 0;

	for (i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];
		int complete = 1;

		for (f = 0; f < n; f++)
			complete &= is_ok(row->res[f]);
		if (complete)
			continue;
		if (!shown++)
			fprintf(out, "\nnot compared (missing from a file, skipped or failed):\n");
		fprintf(out, "%s  %s%s%s [%s]:", md ? "-" : "", row->id, row->params[0] ? " " : "", row->params,
			row->placement);
		for (f = 0; f < n; f++) {
			const json_t *r = row->res[f];

			if (!r)
				fprintf(out, "%s %c absent", f ? ";" : "", files[f].letter);
			else if (is_ok(r))
				fprintf(out, "%s %c ok", f ? ";" : "", files[f].letter);
			else
				fprintf(out, "%s %c %s: %s", f ? ";" : "", files[f].letter, ipcb_jstr(r, "status"),
					ipcb_jstr(r, "reason"));
		}
		fputc('\n', out);
	}
}

static void print_legend(FILE *out)
{
	fputs("\nsig: Mann-Whitney U on the stored samples, two-sided (exact below 2500 sample pairs, else\n"
	      "normal approximation with tie correction): *** p<0.001, ** p<0.01, * p<0.05, ~ not significant.\n"
	      "Without samples (fewer than 5 on a side): # the 95% CIs of the medians are disjoint, ~ they overlap.\n"
	      "Samples are in time order and may be correlated, so p is optimistic; with hundreds of samples a\n"
	      "shift of 1% is often significant: read the ratio for the size of a difference, sig for its reality.\n",
	      out);
}

static void report_gate(const struct rows *rs, const struct ipcb_rfile *files, size_t n,
			const struct ipcb_compare_opts *o)
{
	size_t i, f, count = 0;

	for (i = 0; i < rs->n; i++) {
		for (f = 1; f < n; f++) {
			struct verdict v;

			judge(rs->v[i].res[0], rs->v[i].res[f], &v);
			if (!regressed(&v, o))
				continue;
			fprintf(stderr, "regression: %s%s%s [%s]: %c is %.1f%% slower than A (", rs->v[i].id,
				rs->v[i].params[0] ? " " : "", rs->v[i].params, rs->v[i].placement, files[f].letter,
				100 * (v.ratio - 1));
			if (v.test == TEST_MWU)
				fprintf(stderr, "Mann-Whitney p=%.2g)\n", v.p);
			else
				fprintf(stderr, "disjoint 95%% CIs)\n");
			count++;
		}
	}
	fprintf(stderr, "regression gate (--fail-above %g%%): %zu result%s slower and significant\n", o->fail_above,
		count, count == 1 ? "" : "s");
}

int ipcb_compare_files(const struct ipcb_rfile *files, size_t n, const struct ipcb_compare_opts *o, FILE *out)
{
	struct rows rs = { .nfiles = n };
	struct table t;
	int raw = o->format == IPCB_FMT_CSV, gate = 0, params;
	size_t f, i;

	for (f = 0; f < n; f++)
		match_file(&rs, f, files[f].doc, o);
	if (rs.n == 0 && o->nonly) {
		rows_free(&rs);
		return -1;
	}
	params = any_params(&rs);
	table_init(&t);
	compare_columns(&t, files, n, params, raw);
	for (i = 0; i < rs.n; i++)
		gate |= compare_row(&t, &rs.v[i], n, o, files, params, raw);
	if (!raw)
		print_header(files, n, o->format, out);
	table_print(&t, o->format, out);
	if (!raw) {
		print_left_out(&rs, files, n, out, o->format == IPCB_FMT_MARKDOWN);
		print_legend(out);
	}
	if (o->fail_above >= 0)
		report_gate(&rs, files, n, o);
	table_free(&t);
	rows_free(&rs);
	return gate;
}

/* --- export ------------------------------------------------------------------ */

static void export_columns(struct table *t, int machine)
{
	static const struct {
		const char *name;
		int right;
	} cols[] = { { "id", 0 },     { "params", 0 },	 { "placement", 0 }, { "cpus", 0 },    { "unit", 0 },
		     { "per", 0 },    { "status", 0 },	 { "n", 1 },	     { "min", 1 },     { "median", 1 },
		     { "mean", 1 },   { "p99", 1 },	 { "ci95_lo", 1 },   { "ci95_hi", 1 }, { "ci95_rel", 1 },
		     { "unstable", 0 }, { "reason", 0 } };
	size_t i;

	if (machine)
		table_col(t, "machine", 0);
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

static void export_row(struct table *t, const struct ipcb_rfile *file, const json_t *r, int machine, int raw)
{
	char params[256];
	int ok = is_ok(r);

	table_row(t);
	if (machine)
		table_cell(t, "%s", file->label);
	ipcb_result_params(r, NULL, params, sizeof(params));
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
	cell_stat(t, r, json_number_value(json_object_get(r, "ci95_rel")), 1);
	table_cell(t, "%s", ok ? (json_is_true(json_object_get(r, "unstable")) ? "yes" : "no") : "");
	table_cell(t, "%s", ipcb_jstr(r, "reason"));
}

int ipcb_export_files(const struct ipcb_rfile *files, size_t n, enum ipcb_table_format format, char **only,
		      int nonly, FILE *out)
{
	struct table t;
	const json_t *r;
	size_t f, i, rows = 0;

	table_init(&t);
	export_columns(&t, n > 1);
	for (f = 0; f < n; f++) {
		json_array_foreach(json_object_get(files[f].doc, "results"), i, r) {
			if (!ipcb_only_match(only, nonly, ipcb_jstr(r, "id")))
				continue;
			export_row(&t, &files[f], r, n > 1, format == IPCB_FMT_CSV);
			rows++;
		}
	}
	if (rows || !nonly)
		table_print(&t, format, out);
	table_free(&t);
	return rows || !nonly ? 0 : -1;
}

/* --- the commands --------------------------------------------------------------- */

static const char compare_help[] =
	"usage: ipcbench compare A.json B.json [C.json...] [OPTIONS]\n"
	"\n"
	"Match results by (id, params, placement) across results files, from one machine\n"
	"or several, and print the medians side by side with the ratio to the first file (A)\n"
	"and a significance mark: Mann-Whitney U on the stored samples, or disjoint 95% CIs\n"
	"when samples are absent. The header says what differs between the files (CPU,\n"
	"kernel, mitigations, hypervisor, tool version, settings). Results only some files\n"
	"have, and skipped or failed ones, are listed with their reasons.\n"
	"\n"
	"  --format text|markdown|csv   output format (default text; csv has exact numbers,\n"
	"                               p-values and the test used, and no header)\n"
	"  --only PATTERN               only ids matching this fnmatch pattern ('lock/*', or a\n"
	"                               family name); repeat for several\n"
	"  --fail-above PCT             a regression gate: exit 1 when a result of B, C... is\n"
	"                               slower than A by more than PCT percent and the difference\n"
	"                               is significant (p < 0.05, or disjoint CIs)\n"
	"  -h, --help\n"
	"\n"
	"exit status: 0, 1 the regression gate tripped, 2 bad input (a file that is not valid\n"
	"ipcbench output: the message names the file and the position)\n";

static const char export_help[] =
	"usage: ipcbench export RESULT.json [RESULT.json...] [--format csv|markdown] [--only PATTERN]\n"
	"\n"
	"One row per result: id, params, placement, cpus, unit, per, status, n, min, median,\n"
	"mean, p99, the 95% CI of the median, unstable, and the reason of a skipped or failed\n"
	"result. With several files, a first column names the machine.\n"
	"\n"
	"  --format csv|markdown        csv (default: exact numbers, RFC 4180 quoting) or a\n"
	"                               markdown table for a paper (three significant digits)\n"
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
	else
		return usage(cmd, "--format '%s': expected %s", arg, allow_text ? "text, markdown or csv" : "csv or markdown");
	return 0;
}

struct table_opts {
	enum ipcb_table_format format;
	char **only;
	int nonly;
	double fail_above;
};

/* The options compare and export share; -1 after --help, 0, or EXIT_USAGE. */
static int parse_table_opts(const char *cmd, int argc, char **argv, struct table_opts *to, const char *help)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'F' },
					      { "only", required_argument, NULL, 'O' },
					      { "fail-above", required_argument, NULL, 'G' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int compare = strcmp(cmd, "compare") == 0, c;
	char *end;

	to->fail_above = -1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (parse_format(cmd, optarg, compare, &to->format))
				return EXIT_USAGE;
			break;
		case 'O':
			to->only = realloc(to->only, (size_t)(to->nonly + 1) * sizeof(char *));
			to->only[to->nonly++] = optarg;
			break;
		case 'G':
			errno = 0;
			to->fail_above = strtod(optarg, &end);
			if (!compare || errno || end == optarg || (*end && strcmp(end, "%")) || !(to->fail_above >= 0) ||
			    to->fail_above > 1e6)
				return usage(cmd, compare ? "--fail-above '%s': expected a percentage >= 0, e.g. 5" :
							    "--fail-above is an option of compare, not %s", compare ? optarg : cmd);
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			fputs(help, stderr);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Load the files named after the options; an error is one line naming the file and position. */
static int load_or_complain(const char *cmd, struct ipcb_rfile *files, char **paths, size_t n)
{
	char err[768], *p;

	if (ipcb_rfiles_load(files, paths, n, err, sizeof(err)) == 0)
		return 0;
	for (p = err; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return usage(cmd, "%s", err);
}

int ipcb_cmd_compare(int argc, char **argv)
{
	struct table_opts to = { IPCB_FMT_TEXT, NULL, 0, -1 };
	struct ipcb_compare_opts o;
	struct ipcb_rfile *files = NULL;
	size_t n;
	int rc;

	rc = parse_table_opts("compare", argc, argv, &to, compare_help);
	if (rc)
		goto out;
	n = (size_t)(argc - optind);
	if (n < 2) {
		rc = usage("compare", "expected two or more results files (see --help)");
		goto out;
	}
	if (n > 26) {
		rc = usage("compare", "at most 26 files (A..Z), not %zu", n);
		goto out;
	}
	files = calloc(n, sizeof(*files));
	rc = load_or_complain("compare", files, argv + optind, n);
	if (rc)
		goto out;
	o = (struct ipcb_compare_opts){ to.format, to.only, to.nonly, to.fail_above };
	rc = ipcb_compare_files(files, n, &o, stdout);
	if (rc < 0)
		rc = usage("compare", "no result matches --only");
	ipcb_rfiles_free(files, n);
out:
	free(files);
	free(to.only);
	return rc < 0 ? 0 : rc;
}

int ipcb_cmd_export(int argc, char **argv)
{
	struct table_opts to = { IPCB_FMT_CSV, NULL, 0, -1 };
	struct ipcb_rfile *files = NULL;
	size_t n;
	int rc;

	rc = parse_table_opts("export", argc, argv, &to, export_help);
	if (rc)
		goto out;
	n = (size_t)(argc - optind);
	if (n < 1) {
		rc = usage("export", "expected a results file (see --help)");
		goto out;
	}
	files = calloc(n, sizeof(*files));
	rc = load_or_complain("export", files, argv + optind, n);
	if (rc)
		goto out;
	if (ipcb_export_files(files, n, to.format, to.only, to.nonly, stdout))
		rc = usage("export", "no result matches --only");
	ipcb_rfiles_free(files, n);
out:
	free(files);
	free(to.only);
	return rc < 0 ? 0 : rc;
}
