// SPDX-License-Identifier: MIT
/*
 * results.c - the results document. It is the project's contract with its
 * users and with `compare` and `plot`, which read only these files: so it is
 * validated on every read, and written so that a crash or Ctrl-C never leaves
 * a half-written file and a run never silently replaces an earlier one.
 */
#include "results.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#ifndef IPCB_VERSION
#define IPCB_VERSION "0.0.0"
#endif
#ifndef IPCB_GIT
#define IPCB_GIT "unknown"
#endif

void ipcb_fmt_ns(double ns, char *buf, size_t len)
{
	double a = fabs(ns);

	if (a < 10)
		snprintf(buf, len, "%.2f ns", ns);
	else if (a < 1000)
		snprintf(buf, len, "%.1f ns", ns);
	else if (a < 1e6)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else if (a < 1e9)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
}

void ipcb_utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *ipcb_report_new(json_t *machine, json_t *config)
{
	char now[32];
	json_t *doc = json_object();

	ipcb_utc_now(now, sizeof(now));
	json_object_set_new(doc, "schema", json_string(IPCB_SCHEMA));
	json_object_set_new(doc, "tool", json_pack("{s:s, s:s}", "version", IPCB_VERSION, "git", IPCB_GIT));
	json_object_set_new(doc, "started", json_string(now));
	json_object_set_new(doc, "finished", json_null());
	json_object_set_new(doc, "interrupted", json_false());
	json_object_set_new(doc, "machine", machine);
	json_object_set_new(doc, "config", config);
	json_object_set_new(doc, "results", json_array());
	return doc;
}

void ipcb_report_finish(json_t *doc, int interrupted)
{
	char now[32];

	ipcb_utc_now(now, sizeof(now));
	json_object_set_new(doc, "finished", json_string(now));
	json_object_set_new(doc, "interrupted", json_boolean(interrupted));
}

char *ipcb_report_default_path(const char *dir)
{
	char host[256] = "localhost", stamp[32], *path;
	time_t t = time(NULL);
	struct tm tm;
	char *p;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	for (p = host; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (asprintf(&path, "%s/%s-%s.json", dir, host, stamp) < 0)
		return NULL;
	return path;
}

static char *dir_of(const char *path)
{
	char *copy = strdup(path), *d = strdup(dirname(copy));

	free(copy);
	return d;
}

/* What a path that exists but is not a regular file is, for messages. */
static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a named pipe (fifo)";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/*
 * An existing target may be replaced (with force) only when it is a regular
 * file: rename() would replace a device node (as root, /dev/null), a fifo or
 * the symlink itself with a plain file. lstat, so a symlink is seen as one.
 */
static int check_target(const char *path, int force, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 1 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is %s, not a regular file: ipcbench writes only regular files and never replaces anything else, even with --force; give a file name",
			 path, file_kind(st.st_mode));
		return -1;
	}
	if (!force) {
		snprintf(err, errlen, "%s already exists; not overwriting it (choose another --out, or --force)", path);
		return -1;
	}
	return 0;
}

int ipcb_report_check_path(const char *path, int force, char *err, size_t errlen)
{
	struct stat st;
	size_t len = strlen(path);
	char *dir;
	int rc;

	if (!len) {
		snprintf(err, errlen, "output path is empty");
		return -1;
	}
	if (path[len - 1] == '/') {
		snprintf(err, errlen, "%s names a directory; give a file name", path);
		return -1;
	}
	rc = check_target(path, force, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return access(path, W_OK) == 0 ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
	rc = 0;
	dir = dir_of(path);
	if (stat(dir, &st) != 0) {
		snprintf(err, errlen, "cannot write %s: directory %s: %s", path, dir, strerror(errno));
		rc = -1;
	} else if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot write %s: %s is not a directory", path, dir);
		rc = -1;
	} else if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "cannot write %s: directory %s: %s", path, dir, strerror(errno));
		rc = -1;
	}
	free(dir);
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The whole text, a newline, on disk; 0 or -1 with errno. */
static int write_text(int fd, const char *text)
{
	return write_all(fd, text, strlen(text)) || write_all(fd, "\n", 1) || fsync(fd) || fchmod(fd, 0644) ? -1 : 0;
}

static char *dump(const json_t *doc)
{
	return json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
}

int ipcb_report_write(const json_t *doc, const char *path, int force, char *err, size_t errlen)
{
	char *text = dump(doc);
	char *dir = dir_of(path), *tmp = NULL;
	int fd = -1, rc = -1;

	if (!text || asprintf(&tmp, "%s/.ipcbench-XXXXXX", dir) < 0) {
		snprintf(err, errlen, "out of memory while writing %s", path);
		goto out;
	}
	/* again at the end: what was checked before the run may have changed since */
	if (check_target(path, force, err, errlen) < 0)
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir, strerror(errno));
		goto out;
	}
	if (write_text(fd, text)) {
		snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	/* link() fails with EEXIST instead of replacing: a run never eats another's file */
	if ((force ? rename(tmp, path) : link(tmp, path)) != 0) {
		snprintf(err, errlen, "cannot create %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (not overwriting; use --force)" : "");
		goto out_unlink;
	}
	rc = 0;
out_unlink:
	if (fd >= 0)
		close(fd);
	if (rc != 0 || !force)
		unlink(tmp);
out:
	free(tmp);
	free(dir);
	free(text);
	return rc;
}

/* A new file NAME-unsaved-XXXXXX.json in dir holding text; its malloc'd path, or NULL. */
static char *write_new_in(const char *dir, const char *name, const char *text)
{
	char *path = NULL;
	int fd, saved;

	if (asprintf(&path, "%s/%s-unsaved-XXXXXX.json", dir, name) < 0)
		return NULL;
	fd = mkstemps(path, 5);
	if (fd < 0)
		goto fail;
	if (write_text(fd, text)) {
		saved = errno;
		close(fd);
		unlink(path);
		errno = saved;
		goto fail;
	}
	close(fd);
	return path;
fail:
	free(path);
	return NULL;
}

char *ipcb_report_write_fallback(const json_t *doc, const char *path)
{
	const char *tmpdir = getenv("TMPDIR");
	char *text = dump(doc), *copy = strdup(path), *dir = dir_of(path), *name, *where = NULL;

	if (!text || !copy || !dir)
		goto out;
	name = basename(copy);
	if (strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".json") == 0)
		name[strlen(name) - 5] = '\0';
	if (!name[0] || strcmp(name, "/") == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		name = "ipcbench";
	where = write_new_in(dir, name, text);
	if (!where)
		where = write_new_in(tmpdir && tmpdir[0] ? tmpdir : "/tmp", name, text);
out:
	free(text);
	free(copy);
	free(dir);
	return where;
}

json_t *ipcb_report_read(const char *path, char *err, size_t errlen)
{
	char why[512];
	json_error_t jerr;
	struct stat st;
	json_t *doc;
	FILE *fp;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a results file", path);
		return NULL;
	}
	fp = fopen(path, "re");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	doc = json_loadf(fp, 0, &jerr);
	fclose(fp);
	if (!doc) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (ipcb_report_validate(doc, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* --- validation -------------------------------------------------------- */

#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), -1)

const char *ipcb_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Before the schema check: is this an ipcbench results file at all, and one of our version? */
static int check_kind(const json_t *doc, char *err, size_t errlen)
{
	const json_t *s = json_object_get(doc, "schema");
	const char *v;

	if (!json_is_object(doc))
		return BAD("not an ipcbench results file: the top level is %s, expected an object with \"schema\": \"%s\"",
			   ipcb_json_type_name(doc), IPCB_SCHEMA);
	if (!s)
		return BAD("not an ipcbench results file: no \"schema\" member (expected \"%s\")", IPCB_SCHEMA);
	if (!json_is_string(s))
		return BAD("\"schema\" is %s, expected the string \"%s\"", ipcb_json_type_name(s), IPCB_SCHEMA);
	v = json_string_value(s);
	if (strcmp(v, IPCB_SCHEMA) == 0)
		return 0;
	if (strncmp(v, "ipcbench-config/", 16) == 0)
		return BAD("an ipcbench config (schema \"%.40s\"), not a results file", v);
	if (strncmp(v, "ipcbench/", 9) == 0)
		return BAD("schema \"%.40s\" is not supported: this ipcbench reads \"%s\"", v, IPCB_SCHEMA);
	return BAD("not an ipcbench results file: schema \"%.40s\" (expected \"%s\")", v, IPCB_SCHEMA);
}


static int need(const json_t *o, const char *key, int (*is)(const json_t *), const char *type, const char *where,
		char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return BAD("%s: missing \"%s\"", where, key);
	if (!is(v))
		return BAD("%s: \"%s\" must be %s", where, key, type);
	return 0;
}

static int is_object(const json_t *v) { return json_is_object(v); }
static int is_array(const json_t *v) { return json_is_array(v); }
static int is_string(const json_t *v) { return json_is_string(v); }
static int is_number(const json_t *v) { return json_is_number(v); }
static int is_bool(const json_t *v) { return json_is_boolean(v); }
static int is_int(const json_t *v) { return json_is_integer(v); }
static int is_string_or_null(const json_t *v) { return json_is_string(v) || json_is_null(v); }

static int validate_stats(const json_t *st, const char *where, char *err, size_t errlen)
{
	static const char *const nums[] = { "min", "median", "mean", "stddev", "p1", "p99", "mad", NULL };
	const json_t *ci;
	double lo, hi, med;
	int i;

	if (need(st, "n", is_int, "an integer", where, err, errlen))
		return -1;
	if (json_integer_value(json_object_get(st, "n")) < 1)
		return BAD("%s: stats.n must be >= 1", where);
	for (i = 0; nums[i]; i++)
		if (need(st, nums[i], is_number, "a number", where, err, errlen))
			return -1;
	ci = json_object_get(st, "ci95");
	if (!json_is_array(ci) || json_array_size(ci) != 2 || !json_is_number(json_array_get(ci, 0)) ||
	    !json_is_number(json_array_get(ci, 1)))
		return BAD("%s: stats.ci95 must be [lo, hi]", where);
	lo = json_number_value(json_array_get(ci, 0));
	hi = json_number_value(json_array_get(ci, 1));
	med = json_number_value(json_object_get(st, "median"));
	if (!(lo <= med && med <= hi))
		return BAD("%s: stats.ci95 [%g, %g] does not contain the median %g", where, lo, hi, med);
	if (json_number_value(json_object_get(st, "min")) > med)
		return BAD("%s: stats.min > stats.median", where);
	return 0;
}

/* An optional member: absent, or of the type */
static int may(const json_t *o, const char *key, int (*is)(const json_t *), const char *type, const char *where,
	       char *err, size_t errlen)
{
	return json_object_get(o, key) ? need(o, key, is, type, where, err, errlen) : 0;
}

/* An optional [lo, hi] of numbers with lo <= hi. */
static int may_interval(const json_t *r, const char *key, const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(r, key);
	double lo, hi;

	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
	    !json_is_number(json_array_get(v, 1)))
		return BAD("%s: %s must be [lo, hi] (two numbers)", where, key);
	lo = json_number_value(json_array_get(v, 0));
	hi = json_number_value(json_array_get(v, 1));
	if (!(lo <= hi))
		return BAD("%s: %s [%g, %g] has lo > hi", where, key, lo, hi);
	return 0;
}

/* The between-process members (issue 11); all optional: files written before them lack them. */
static int validate_rounds(const json_t *r, const char *where, char *err, size_t errlen)
{
	const json_t *rm = json_object_get(r, "round_medians"), *v;
	size_t i;

	if (rm) {
		if (!json_is_array(rm) || json_array_size(rm) == 0)
			return BAD("%s: round_medians must be a non-empty array of numbers", where);
		json_array_foreach(rm, i, v)
			if (!json_is_number(v))
				return BAD("%s: round_medians[%zu] must be a number", where, i);
	}
	return may_interval(r, "ci95_runs", where, err, errlen) ||
	       may_interval(r, "interval95", where, err, errlen) ||
	       may(r, "ci95_rel_samples", is_number, "a number", where, err, errlen) ||
	       may(r, "ci95_rel_runs", is_number, "a number", where, err, errlen) ||
	       may(r, "interval_basis", is_string, "a string", where, err, errlen) ? -1 : 0;
}

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -1)

static int check_histogram(const json_t *h, char *why, size_t whylen)
{
	const json_t *b, *e;
	size_t i;

	if (!h)
		return 0;
	if (!json_is_object(h))
		return WHY("histogram must be an object");
	b = json_object_get(h, "buckets");
	if (!json_is_array(b))
		return WHY("histogram.buckets must be an array of [lo, hi, count]");
	json_array_foreach(b, i, e) {
		double lo, hi, c;

		if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_number(json_array_get(e, 0)) ||
		    !json_is_number(json_array_get(e, 1)) || !json_is_number(json_array_get(e, 2)))
			return WHY("histogram.buckets[%zu] must be [lo, hi, count]", i);
		lo = json_number_value(json_array_get(e, 0));
		hi = json_number_value(json_array_get(e, 1));
		c = json_number_value(json_array_get(e, 2));
		if (!(lo >= 0 && lo <= hi && c >= 0))
			return WHY("histogram.buckets[%zu] needs 0 <= lo <= hi and count >= 0", i);
	}
	if ((json_object_get(h, "p99") && !json_is_number(json_object_get(h, "p99"))) ||
	    (json_object_get(h, "p999") && !json_is_number(json_object_get(h, "p999"))))
		return WHY("histogram.p99 and histogram.p999 must be numbers");
	return 0;
}

static int check_matrix(const json_t *m, char *why, size_t whylen)
{
	const json_t *cpus, *rows, *row, *cell;
	const char *key;
	size_t n, i, j;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return WHY("attachments.matrix must be an object");
	cpus = json_object_get(m, "cpus");
	n = json_array_size(cpus);
	if (!json_is_array(cpus) || n < 1 || n > IPCB_MATRIX_MAX)
		return WHY("attachments.matrix.cpus must be an array of 1 to %d CPU ids", IPCB_MATRIX_MAX);
	json_array_foreach(cpus, i, cell)
		if (!json_is_integer(cell))
			return WHY("attachments.matrix.cpus[%zu] must be an integer", i);
	json_object_foreach((json_t *)m, key, rows) {
		if (!json_is_array(rows) || strcmp(key, "cpus") == 0)
			continue;
		if (json_array_size(rows) != n)
			return WHY("attachments.matrix.%.40s must have %zu rows, one per CPU", key, n);
		json_array_foreach(rows, i, row) {
			if (!json_is_array(row) || json_array_size(row) != n)
				return WHY("attachments.matrix.%.40s[%zu] must be a row of %zu numbers or nulls", key, i, n);
			json_array_foreach(row, j, cell)
				if (!json_is_number(cell) && !json_is_null(cell))
					return WHY("attachments.matrix.%.40s[%zu][%zu] must be a number or null", key, i, j);
		}
	}
	return 0;
}

int ipcb_report_check_extras(const json_t *r, char *why, size_t whylen)
{
	const json_t *att = json_object_get(r, "attachments");

	if (att && !json_is_object(att))
		return WHY("attachments must be an object");
	if (check_histogram(json_object_get(r, "histogram"), why, whylen))
		return -1;
	return check_matrix(json_object_get(att, "matrix"), why, whylen);
}

static int validate_placement(const json_t *r, const char *where, char *err, size_t errlen)
{
	const json_t *pl = json_object_get(r, "placement"), *c;
	size_t i;

	if (need(r, "placement", is_object, "an object", where, err, errlen) ||
	    need(pl, "name", is_string, "a string", where, err, errlen) ||
	    need(pl, "cpus", is_array, "an array", where, err, errlen) ||
	    may(pl, "role", is_string, "a string", where, err, errlen))
		return -1;
	json_array_foreach(json_object_get(pl, "cpus"), i, c)
		if (!json_is_integer(c))
			return BAD("%s: placement.cpus must hold integers", where);
	return 0;
}

static int validate_result(const json_t *r, size_t idx, char *err, size_t errlen)
{
	char where[160], why[256];
	const char *status, *id;
	const json_t *v;
	size_t i;

	snprintf(where, sizeof(where), "results[%zu]", idx);
	if (!json_is_object(r))
		return BAD("%s: must be an object", where);
	if (need(r, "id", is_string, "a string", where, err, errlen))
		return -1;
	id = json_string_value(json_object_get(r, "id"));
	snprintf(where, sizeof(where), "results[%zu] (%s)", idx, id);
	if (!strchr(id, '/'))
		return BAD("%s: id must be family/name", where);
	if (need(r, "family", is_string, "a string", where, err, errlen) ||
	    need(r, "params", is_object, "an object", where, err, errlen) ||
	    validate_placement(r, where, err, errlen) ||
	    need(r, "unit", is_string, "a string", where, err, errlen) ||
	    need(r, "per", is_string, "a string", where, err, errlen) ||
	    need(r, "status", is_string, "a string", where, err, errlen))
		return -1;
	status = json_string_value(json_object_get(r, "status"));
	if (strcmp(status, "ok") && strcmp(status, "skipped") && strcmp(status, "failed"))
		return BAD("%s: status must be ok, skipped or failed, not \"%s\"", where, status);
	if (strcmp(status, "ok")) {
		v = json_object_get(r, "reason");
		if (!json_is_string(v) || !json_string_length(v))
			return BAD("%s: a %s result needs a non-empty \"reason\"", where, status);
	} else {
		if (need(r, "stats", is_object, "an object", where, err, errlen) ||
		    validate_stats(json_object_get(r, "stats"), where, err, errlen))
			return -1;
		if (need(r, "samples", is_array, "an array", where, err, errlen))
			return -1;
		json_array_foreach(json_object_get(r, "samples"), i, v)
			if (!json_is_number(v))
				return BAD("%s: samples must be numbers", where);
		if (validate_rounds(r, where, err, errlen))
			return -1;
	}
	if (ipcb_report_check_extras(r, why, sizeof(why)))
		return BAD("%s: %s", where, why);
	v = json_object_get(r, "notes");
	if (v) {
		if (!json_is_array(v))
			return BAD("%s: notes must be an array of strings", where);
		json_array_foreach(v, i, r)
			if (!json_is_string(r))
				return BAD("%s: notes must be an array of strings", where);
	}
	return 0;
}

int ipcb_report_validate(const json_t *doc, char *err, size_t errlen)
{
	const json_t *r;
	size_t i;

	if (check_kind(doc, err, errlen))
		return -1;
	if (need(doc, "tool", is_object, "an object", "document", err, errlen) ||
	    need(json_object_get(doc, "tool"), "version", is_string, "a string", "tool", err, errlen) ||
	    need(doc, "started", is_string, "a string", "document", err, errlen) ||
	    need(doc, "finished", is_string_or_null, "a string or null", "document", err, errlen) ||
	    need(doc, "interrupted", is_bool, "a boolean", "document", err, errlen) ||
	    need(doc, "machine", is_object, "an object", "document", err, errlen) ||
	    need(json_object_get(doc, "machine"), "hostname", is_string, "a string", "machine", err, errlen) ||
	    may(json_object_get(doc, "machine"), "label", is_string, "a string", "machine", err, errlen) ||
	    may(doc, "run_id", is_string, "a string", "document", err, errlen) ||
	    need(doc, "config", is_object, "an object", "document", err, errlen) ||
	    need(doc, "results", is_array, "an array", "document", err, errlen))
		return -1;
	json_array_foreach(json_object_get(doc, "results"), i, r)
		if (validate_result(r, i, err, errlen))
			return -1;
	return 0;
}
