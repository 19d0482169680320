// SPDX-License-Identifier: MIT
/*
 * compare.c - `ipcbench compare`: results matched by (id, params, placement
 * name) across files, from one machine or several, falling back to the
 * placement's role where a machine lacks the placement, and for each whether
 * the difference is more than run-to-run noise: a Mann-Whitney U test on the
 * per-round medians (each round ran in its own process; the samples inside
 * one process are correlated and say nothing about the next run). It reads
 * only results files, so it works on files from machines and versions this
 * binary never saw; and it never drops a row silently: a result only one
 * file has, or one that was skipped, is listed with its reason.
 */
#include "compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "results.h"
#include "stats.h"
#include "strmap.h"

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
	const struct ipcb_result **res; /* per file; NULL: not in that file */
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

static struct row *row_add(struct rows *rs, const struct ipcb_result *r, const char *params, char *key)
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
	row->id = ipcb_str(r->id);
	row->placement = ipcb_str(r->placement);
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
static void note_role(struct rows *rs, size_t f, size_t idx, const struct ipcb_result *r, const char *params)
{
	const char *role = ipcb_str(r->role);
	struct row *row = &rs->v[idx];
	char *base, *k;
	size_t occ, i;

	if (!role[0] || asprintf(&base, "%s\x1f%s\x1f%s", ipcb_str(r->id), params, role) < 0)
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
static int match_file(struct rows *rs, size_t f, const struct ipcb_rfile *file, const struct ipcb_compare_opts *o)
{
	const struct ipcb_result *r;

	for (r = file->res; r < file->res + file->nres; r++) {
		const char *pl = ipcb_str(r->placement);
		char params[256], *base, *key, *seen;
		size_t occ, idx;
		int rc;

		if (asprintf(&seen, "%zu\x1e%s", f, pl) < 0)
			return -1;
		rc = ipcb_strmap_add(&rs->seen, seen) == SIZE_MAX ? -1 : 0;
		free(seen);
		if (rc)
			return -1;
		if (!ipcb_only_match(o->only, o->nonly, ipcb_str(r->id)))
			continue;
		ipcb_result_params_text(r, params, sizeof(params), IPCB_PARAMS_SORTED, NULL, NULL);
		if (asprintf(&base, "%s\x1f%s\x1f%s", ipcb_str(r->id), params, pl) < 0)
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
	const struct ipcb_result *r; /* the first ok result, else the first present one; NULL: none */
	size_t present, ok;	/* members with a result, and with an ok one */
	double median;		/* a file: stats.median; a group: the median of its members' medians */
	double lo, hi;		/* a file: interval95; a group: the lowest and highest member median */
	size_t samples, rounds; /* summed over the members */
	int unstable;		/* a member's result is flagged unstable */
	size_t outlier;		/* a group: the file whose median stands apart, or SIZE_MAX */
	double outlier_dev;	/* its median over the group's, minus 1 */
};

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
		const struct ipcb_result *r = row->res[f];

		if (!r)
			continue;
		if (!v->present++)
			v->r = r;
		if (!ipcb_res_ok(r))
			continue;
		if (!v->ok)
			v->r = r;
		file[v->ok] = f;
		meds[v->ok++] = r->stats.median;
		v->samples += r->nsamples;
		v->rounds += ipcb_res_rounds(r);
		v->unstable |= r->unstable;
	}
	if (v->ok && !u->group) {
		v->median = meds[0];
		v->lo = ipcb_res_ci(v->r, 0);
		v->hi = ipcb_res_ci(v->r, 1);
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

	for (f = u->first; f < u->first + u->count; f++)
		if (ipcb_res_ok(row->res[f]))
			cap += ipcb_res_rounds(row->res[f]);
	*n = 0;
	x = malloc((cap ? cap : 1) * sizeof(*x));
	if (!x)
		return NULL;
	for (f = u->first; f < u->first + u->count; f++) {
		const struct ipcb_result *r = row->res[f];
		size_t before = *n;

		if (!ipcb_res_ok(r))
			continue;
		for (i = 0; i < r->nround_medians && *n < cap; i++)
			x[(*n)++] = r->round_medians[i];
		if (*n == before && *n < cap)
			x[(*n)++] = r->stats.median;
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

static void compare_columns(struct ipcb_table *t, const struct cmp *c)
{
	static const char *const per_file[] = { "status", "median_ns", "ci95_lo", "ci95_hi", "samples", "rounds" };
	static const char *const per_group[] = { "nodes", "min_ns", "max_ns" };
	char name[200];
	size_t u, k;

	ipcb_table_col(t, c->raw ? "id" : "benchmark", 0);
	if (c->params || c->raw)
		ipcb_table_col(t, "params", 0);
	ipcb_table_col(t, "placement", 0);
	for (u = 0; u < c->nunits; u++) {
		const struct unit *un = &c->units[u];

		if (c->raw) {
			for (k = 0; k < sizeof(per_file) / sizeof(per_file[0]); k++) {
				snprintf(name, sizeof(name), "%c_%s", un->letter, per_file[k]);
				ipcb_table_col(t, name, k > 0);
			}
			for (k = 0; un->group && k < sizeof(per_group) / sizeof(per_group[0]); k++) {
				snprintf(name, sizeof(name), "%c_%s", un->letter, per_group[k]);
				ipcb_table_col(t, name, 1);
			}
		} else {
			if (c->latex)
				snprintf(name, sizeof(name), "%s", unit_name(c, un));
			else
				snprintf(name, sizeof(name), "%c median", un->letter);
			ipcb_table_col(t, name, 1);
			if (un->group) {
				snprintf(name, sizeof(name), "%c spread", un->letter);
				ipcb_table_col(t, c->latex ? "min--max" : name, 1);
			}
		}
		if (u == 0)
			continue;
		snprintf(name, sizeof(name), "%c%s", un->letter, c->raw ? "_ratio" : "/A");
		ipcb_table_col(t, name, 1);
		if (c->raw) {
			snprintf(name, sizeof(name), "%c_p", un->letter);
			ipcb_table_col(t, name, 1);
			snprintf(name, sizeof(name), "%c_test", un->letter);
			ipcb_table_col(t, name, 0);
		}
		if (c->raw)
			snprintf(name, sizeof(name), "%c_sig", un->letter);
		ipcb_table_col(t, c->raw ? name : "sig", 0);
	}
	if (!c->raw)
		ipcb_table_col(t, "rounds", 1);
	if (!c->latex)
		ipcb_table_col(t, "flags", 0);
}

/* A group's spread: "2.50 ns–2.61 ns"; for a paper, "2.50–2.61 ns" in the median's unit and digits. */
static void fmt_spread(const struct view *v, int latex, char *buf, size_t len)
{
	char lo[32], hi[32];
	struct ipcb_scale sc;

	if (!latex) {
		ipcb_fmt_ns(v->lo, lo, sizeof(lo));
		ipcb_fmt_ns(v->hi, hi, sizeof(hi));
		snprintf(buf, len, "%s–%s", lo, hi);
		return;
	}
	ipcb_scale_for(v->median, &sc);
	snprintf(buf, len, "%.*f–%.*f %s%s", sc.decimals, v->lo / sc.div, sc.decimals, v->hi / sc.div, sc.unit,
		 v->outlier != SIZE_MAX ? "‡" : "");
}

static void cell_unit(struct ipcb_table *t, const struct cmp *c, const struct unit *u, const struct view *v)
{
	char num[96];
	int k;

	if (c->raw) {
		ipcb_table_cell(t, "%s", v->r ? ipcb_status_name(v->r->status) : "absent");
		if (!v->ok) {
			for (k = 0; k < (u->group ? 8 : 5); k++)
				ipcb_table_cell(t, "%s", "");
			return;
		}
		ipcb_table_cell(t, "%.10g", v->median);
		if (u->group) { /* a group has a spread, not an interval: its min and max follow */
			ipcb_table_cell(t, "%s", "");
			ipcb_table_cell(t, "%s", "");
		} else {
			ipcb_table_cell(t, "%.10g", v->lo);
			ipcb_table_cell(t, "%.10g", v->hi);
		}
		ipcb_table_cell(t, "%zu", v->samples);
		ipcb_table_cell(t, "%zu", v->rounds);
		if (u->group) {
			ipcb_table_cell(t, "%zu/%zu", v->ok, u->count);
			ipcb_table_cell(t, "%.10g", v->lo);
			ipcb_table_cell(t, "%.10g", v->hi);
		}
		return;
	}
	if (!v->ok) {
		ipcb_table_cell(t, "%s", v->r ? ipcb_status_name(v->r->status) : "-");
		if (u->group)
			ipcb_table_cell(t, "%s", "");
		return;
	}
	if (c->latex && !u->group) {
		ipcb_fmt_pm(v->median, v->lo, v->hi, num, sizeof(num));
	} else if (c->latex) { /* a group's median: its spread is the next column */
		struct ipcb_scale sc;

		ipcb_scale_for(v->median, &sc);
		snprintf(num, sizeof(num), "%.*f %s", sc.decimals, v->median / sc.div, sc.unit);
	} else {
		ipcb_fmt_ns(v->median, num, sizeof(num));
	}
	ipcb_table_cell(t, "%s", num);
	if (u->group) {
		fmt_spread(v, c->latex, num, sizeof(num));
		ipcb_table_cell(t, "%s", num);
	}
}

static const char *const test_names[] = { "", "mann-whitney", "too few rounds" };

/* A number in fmt (one double conversion), or none when it is NAN. */
static void cell_number(struct ipcb_table *t, double v, const char *fmt, const char *none)
{
	char buf[64];

	if (isnan(v)) {
		ipcb_table_cell(t, "%s", none);
		return;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, sizeof(buf), fmt, v);
#pragma GCC diagnostic pop
	ipcb_table_cell(t, "%s", buf);
}

/* "5/5": the replicates of each column, "-" where a column has no ok result. */
static void cell_rounds(struct ipcb_table *t, const struct view *views, size_t nunits)
{
	char buf[160];
	size_t u, used = 0;

	for (u = 0; u < nunits && used < sizeof(buf); u++) {
		if (views[u].ok)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%zu", u ? "/" : "", views[u].rounds);
		else
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s-", u ? "/" : "");
	}
	ipcb_table_cell(t, "%s", buf);
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
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s", ipcb_str(row->res[f]->placement));
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

static int compare_row(struct ipcb_table *t, const struct row *row, const struct cmp *c)
{
	struct view *views = calloc(c->nunits, sizeof(*views));
	struct flags fl = { .used = 0 };
	size_t u;
	int gate = 0, unstable = 0;

	if (!views)
		return 0;
	ipcb_table_row(t);
	ipcb_table_cell(t, "%s", row->id);
	if (c->params || c->raw)
		ipcb_table_cell(t, "%s", row->params[0] || c->raw ? row->params : "-");
	ipcb_table_cell(t, "%s%s", row->by_role ? row->role : row->placement, c->latex && row->by_role ? "†" : "");
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

			ipcb_fmt_num(v.ratio, 0, num, sizeof(num));
			ipcb_table_cell(t, "%s", num);
		} else {
			cell_number(t, v.ratio, c->raw ? "%.6g" : "%.3f", c->raw ? "" : "-");
		}
		if (c->raw) {
			cell_number(t, v.p, "%.4g", "");
			ipcb_table_cell(t, "%s", test_names[v.test]);
		}
		ipcb_table_cell(t, "%s", c->latex && !strcmp(v.mark, "~") ? "n.s." : v.mark);
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
		ipcb_table_cell(t, "%s", fl.buf);
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
				fprintf(out, "%s %c %s: %s", u ? ";" : "", c->units[u].letter,
					ipcb_status_name(v.r->status), ipcb_str(v.r->reason));
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
		ipcb_latex_escape(unit_name(c, &c->units[u]), out);
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

enum ipcb_compare_status ipcb_compare_files(const struct ipcb_rfile *files, size_t n, const struct ipcb_compare_opts *o, FILE *out)
{
	struct rows rs = { .nfiles = n };
	struct cmp c = { .files = files, .n = n, .o = o };
	struct unit *units;
	struct ipcb_table t;
	int gate = 0, by_role = 0, outliers = 0;
	size_t f, i, u, left_out;

	for (f = 0; f < n; f++)
		if (match_file(&rs, f, &files[f], o))
			fprintf(stderr, "ipcbench compare: out of memory while matching %s\n", files[f].path);
	if (rs.n == 0 && o->nonly) {
		rows_free(&rs);
		return IPCB_COMPARE_NO_MATCH;
	}
	units = make_units(n, o, &c.nunits);
	if (!units) {
		rows_free(&rs);
		return IPCB_COMPARE_NO_MATCH;
	}
	c.units = units;
	c.raw = o->format == IPCB_FMT_CSV;
	c.latex = o->format == IPCB_FMT_LATEX;
	match_roles(&rs, files);
	c.params = any_params(&rs);
	ipcb_table_init(&t);
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
	ipcb_table_print(&t, o->format, out);
	if (c.latex) {
		left_out = print_left_out(&rs, &c, out, 0);
		print_latex_notes(&c, left_out, by_role, outliers, out);
	} else if (!c.raw) {
		print_left_out(&rs, &c, out, !o->no_skipped);
		print_legend(out, by_role, o->ngroups > 0);
	}
	if (o->fail_above >= 0)
		report_gate(&rs, &c);
	ipcb_table_free(&t);
	rows_free(&rs);
	free(units);
	return gate ? IPCB_COMPARE_REGRESSED : IPCB_COMPARE_OK;
}
