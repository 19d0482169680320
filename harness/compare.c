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

/* --- a string-keyed hash map: matching stays linear in the number of results ---- */

/*
 * Open addressing with linear probing, keys owned by the map, a size_t per
 * key. Looking rows up by scanning them made a 10,000-result file take two
 * minutes when keys repeat (every repeat rescanned all rows per occurrence).
 */
struct strmap {
	size_t cap, n;
	char **keys;
	size_t *vals;
};

static size_t str_hash(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * (size_t)1099511628211ULL;
	return h;
}

static size_t strmap_find(const struct strmap *m, const char *key)
{
	size_t i = str_hash(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int strmap_grow(struct strmap *m)
{
	struct strmap bigger = { .cap = m->cap ? m->cap * 2 : 64 };
	size_t i, at;

	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
	if (!bigger.keys || !bigger.vals) {
		free(bigger.keys);
		free(bigger.vals);
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		at = strmap_find(&bigger, m->keys[i]);
		bigger.keys[at] = m->keys[i];
		bigger.vals[at] = m->vals[i];
	}
	bigger.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = bigger;
	return 0;
}

/* The value of key, or NULL when absent. */
static size_t *strmap_get(const struct strmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = strmap_find(m, key);
	return m->keys[i] ? &m->vals[i] : NULL;
}

/* The value of key, added as 0 when absent; NULL when out of memory. */
static size_t *strmap_put(struct strmap *m, const char *key)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap && strmap_grow(m))
		return NULL;
	i = strmap_find(m, key);
	if (!m->keys[i]) {
		m->keys[i] = strdup(key);
		if (!m->keys[i])
			return NULL;
		m->vals[i] = 0;
		m->n++;
	}
	return &m->vals[i];
}

static void strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
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
	struct strmap keys;   /* row key -> row index */
	struct strmap counts; /* "file id params placement|role" -> occurrences so far */
	struct strmap roles;  /* "file id params role occurrence" -> row index */
	struct strmap seen;   /* "file placement": placements a file without topology.placements used */
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
	size_t *cnt;

	if (asprintf(&k, "%zu\x1e%s", f, what) < 0)
		return -1;
	cnt = strmap_put(&rs->counts, k);
	free(k);
	if (!cnt)
		return -1;
	*occ = (*cnt)++;
	return 0;
}

/* Remember a result's role, so that a file lacking its placement can match it by role. */
static void note_role(struct rows *rs, size_t f, size_t idx, const json_t *r, const char *params)
{
	const char *role = ipcb_jstr(json_object_get(r, "placement"), "role");
	struct row *row = &rs->v[idx];
	char *base, *k;
	size_t occ, *slot;

	if (!role[0] || asprintf(&base, "%s\x1f%s\x1f%s", ipcb_jstr(r, "id"), params, role) < 0)
		return;
	if (next_occurrence(rs, f, base, &occ) == 0 && asprintf(&k, "%zu\x1e%s\x1f%zu", f, base, occ) >= 0) {
		slot = strmap_put(&rs->roles, k);
		if (slot)
			*slot = idx;
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
		size_t occ, *idx;
		int rc;

		if (asprintf(&seen, "%zu\x1e%s", f, pl) < 0 || !strmap_put(&rs->seen, seen))
			return -1;
		free(seen);
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
		idx = strmap_get(&rs->keys, key);
		if (idx) {
			free(key);
		} else {
			idx = strmap_put(&rs->keys, key);
			if (!idx || !row_add(rs, r, params, key)) {
				free(key);
				return -1;
			}
			*idx = rs->n - 1;
		}
		rs->v[*idx].res[f] = r;
		rs->v[*idx].own[f] = 1;
		note_role(rs, f, *idx, r, params);
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
	has = strmap_get(&rs->seen, k) != NULL;
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
	size_t i, f, *j;
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
			j = strmap_get(&rs->roles, k);
			free(k);
			if (j && *j != i && rs->v[*j].own[f] && !rs->v[*j].absorbed)
				lend(row, &rs->v[*j], f, rs->nfiles);
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
	strmap_free(&rs->keys);
	strmap_free(&rs->counts);
	strmap_free(&rs->roles);
	strmap_free(&rs->seen);
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
 * The replicates of a result: the median of each round, each from its own
 * worker process. A file written before rounds were stored has one: its
 * median. malloc'd; NULL (n = 0) when out of memory.
 */
static double *replicates_of(const json_t *r, size_t *n)
{
	const json_t *a = json_object_get(r, "round_medians"), *v;
	size_t i, len = json_array_size(a);
	double *x = malloc((len ? len : 1) * sizeof(*x));

	*n = 0;
	if (!x)
		return NULL;
	json_array_foreach(a, i, v)
		if (json_is_number(v))
			x[(*n)++] = json_number_value(v);
	if (!*n)
		x[(*n)++] = stat_of(r, "median");
	return x;
}

static void judge(const json_t *a, const json_t *b, struct verdict *v)
{
	double *xa, *xb;

	memset(v, 0, sizeof(*v));
	v->ratio = v->p = NAN;
	v->mark = "";
	if (!is_ok(a) || !is_ok(b))
		return;
	v->ratio = stat_of(b, "median") / stat_of(a, "median");
	xa = replicates_of(a, &v->na);
	xb = replicates_of(b, &v->nb);
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
		if (!rs->v[i].absorbed && rs->v[i].params[0])
			return 1;
	return 0;
}

static void compare_columns(struct table *t, const struct ipcb_rfile *files, size_t n, int params, int raw)
{
	static const char *const per_file[] = { "status", "median_ns", "ci95_lo", "ci95_hi", "samples", "rounds" };
	char name[64];
	size_t f, k;

	table_col(t, raw ? "id" : "benchmark", 0);
	if (params || raw)
		table_col(t, "params", 0);
	table_col(t, "placement", 0);
	for (f = 0; f < n; f++) {
		if (raw) {
			for (k = 0; k < sizeof(per_file) / sizeof(per_file[0]); k++) {
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
	if (!raw)
		table_col(t, "rounds", 1);
	table_col(t, "flags", 0);
}

/* How many replicates a result has: its round medians, or 1 (a file from before rounds were stored). */
static size_t rounds_of(const json_t *r)
{
	size_t n = json_array_size(json_object_get(r, "round_medians"));

	return n ? n : 1;
}

static void cell_result(struct table *t, const json_t *r, int raw)
{
	char num[32];
	int k;

	if (raw) {
		table_cell(t, "%s", r ? ipcb_jstr(r, "status") : "absent");
		if (!is_ok(r)) {
			for (k = 0; k < 5; k++)
				table_cell(t, "%s", "");
			return;
		}
		table_cell(t, "%.10g", stat_of(r, "median"));
		table_cell(t, "%.10g", ci_of(r, 0));
		table_cell(t, "%.10g", ci_of(r, 1));
		table_cell(t, "%zu", json_array_size(json_object_get(r, "samples")));
		table_cell(t, "%zu", rounds_of(r));
		return;
	}
	if (!is_ok(r)) {
		table_cell(t, "%s", r ? ipcb_jstr(r, "status") : "-");
		return;
	}
	fmt_ns(stat_of(r, "median"), 0, num, sizeof(num));
	table_cell(t, "%s", num);
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

/* "5/5": the replicates of each file, "-" where a file has no ok result. */
static void cell_rounds(struct table *t, const struct row *row, size_t n)
{
	char buf[160];
	size_t f, used = 0;

	for (f = 0; f < n && used < sizeof(buf); f++) {
		if (is_ok(row->res[f]))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%zu", f ? "/" : "", rounds_of(row->res[f]));
		else
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s-", f ? "/" : "");
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
static void flag_by_role(struct flags *fl, const struct row *row, const struct ipcb_rfile *files, size_t n,
			 int raw)
{
	char buf[256];
	size_t f, used = 0;

	buf[0] = '\0';
	for (f = 0; f < n && used < sizeof(buf); f++) {
		if (!row->res[f])
			continue;
		if (used)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s", raw ? " <-> " : " ↔ ");
		if (n > 2 && used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%c ", files[f].letter);
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s",
						 ipcb_jstr(json_object_get(row->res[f], "placement"), "name"));
	}
	flag(fl, "matched by role: %s", buf);
}

static int compare_row(struct table *t, const struct row *row, size_t n, const struct ipcb_compare_opts *o,
		       const struct ipcb_rfile *files, int params, int raw)
{
	struct flags fl = { .used = 0 };
	size_t f;
	int gate = 0, unstable = 0;

	table_row(t);
	table_cell(t, "%s", row->id);
	if (params || raw)
		table_cell(t, "%s", row->params[0] || raw ? row->params : "-");
	table_cell(t, "%s", row->by_role ? row->role : row->placement);
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
		if (v.test == TEST_FEW && n > 2)
			flag(&fl, "%c: too few rounds to test (n=%zu vs %zu)", files[f].letter, v.na, v.nb);
		else if (v.test == TEST_FEW)
			flag(&fl, "too few rounds to test (n=%zu vs %zu)", v.na, v.nb);
		if (regressed(&v, o)) {
			gate = 1;
			flag(&fl, "%c slower >%g%%", files[f].letter, o->fail_above);
		}
	}
	if (!raw)
		cell_rounds(t, row, n);
	if (row->by_role)
		flag_by_role(&fl, row, files, n, raw);
	if (unstable)
		flag(&fl, "unstable");
	table_cell(t, "%s", fl.buf);
	return gate;
}

/* Rows only some files have, and skipped or failed rows: listed with their reasons, never dropped. */
static void print_left_out(const struct rows *rs, const struct ipcb_rfile *files, size_t n, FILE *out, int md)
{
	size_t i, f, shown = 0;

	for (i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];
		int complete = 1;

		if (row->absorbed)
			continue;
		for (f = 0; f < n; f++)
			complete &= is_ok(row->res[f]);
		if (complete)
			continue;
		if (!shown++)
			fprintf(out, "\nnot compared (missing from a file, skipped or failed):\n");
		fprintf(out, "%s  %s%s%s [%s]:", md ? "-" : "", row->id, row->params[0] ? " " : "", row->params,
			row->by_role ? row->role : row->placement);
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

static void print_legend(FILE *out, int by_role)
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
}

static void report_gate(const struct rows *rs, const struct ipcb_rfile *files, size_t n,
			const struct ipcb_compare_opts *o)
{
	size_t i, f, count = 0;

	for (i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];

		if (row->absorbed)
			continue;
		for (f = 1; f < n; f++) {
			struct verdict v;

			judge(row->res[0], row->res[f], &v);
			if (!regressed(&v, o))
				continue;
			fprintf(stderr, "regression: %s%s%s [%s]: %c is %.1f%% slower than A (Mann-Whitney on %zu vs %zu round medians, p=%.2g)\n",
				row->id, row->params[0] ? " " : "", row->params, row->by_role ? row->role : row->placement,
				files[f].letter, 100 * (v.ratio - 1), v.na, v.nb, v.p);
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
		if (match_file(&rs, f, files[f].doc, o))
			fprintf(stderr, "ipcbench compare: out of memory while matching %s\n", files[f].path);
	if (rs.n == 0 && o->nonly) {
		rows_free(&rs);
		return -1;
	}
	match_roles(&rs, files);
	params = any_params(&rs);
	table_init(&t);
	compare_columns(&t, files, n, params, raw);
	for (i = 0; i < rs.n; i++)
		if (!rs.v[i].absorbed)
			gate |= compare_row(&t, &rs.v[i], n, o, files, params, raw);
	if (!raw)
		print_header(files, n, o->format, out);
	table_print(&t, o->format, out);
	if (!raw) {
		print_left_out(&rs, files, n, out, o->format == IPCB_FMT_MARKDOWN);
		for (i = 0; i < rs.n && !(rs.v[i].by_role && !rs.v[i].absorbed); i++)
			;
		print_legend(out, i < rs.n);
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
	"  --format text|markdown|csv   output format (default text; csv has exact numbers,\n"
	"                               p-values, the test used and the number of rounds, and\n"
	"                               no header)\n"
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
	"usage: ipcbench export RESULT.json [RESULT.json...] [--format csv|markdown] [--only PATTERN]\n"
	"\n"
	"One row per result: id, params, placement, cpus, unit, per, status, n, min, median,\n"
	"mean, p99, the reported 95% interval of the median (interval95: the wider of the\n"
	"within-process and the between-rounds interval; stats.ci95 in older files), ci95_rel,\n"
	"unstable, and the reason of a skipped or failed\n"
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
