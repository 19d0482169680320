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

/* An optional member: absent, or of the type */
static int may(const json_t *o, const char *key, int (*is)(const json_t *), const char *type, const char *where,
	       char *err, size_t errlen)
{
	return json_object_get(o, key) ? need(o, key, is, type, where, err, errlen) : 0;
}

static int is_object(const json_t *v) { return json_is_object(v); }
static int is_array(const json_t *v) { return json_is_array(v); }
static int is_string(const json_t *v) { return json_is_string(v); }
static int is_bool(const json_t *v) { return json_is_boolean(v); }
static int is_string_or_null(const json_t *v) { return json_is_string(v) || json_is_null(v); }

/* A result is checked by reading it (result.c knows its layout); the message names it by index and id. */
static int validate_result(const json_t *j, size_t idx, char *err, size_t errlen)
{
	const json_t *id = json_object_get(j, "id");
	struct ipcb_result r;
	char where[160], why[512];
	int rc = ipcb_result_from_json(j, &r, why, sizeof(why));

	ipcb_result_free(&r);
	if (rc == 0)
		return 0;
	if (json_is_string(id))
		snprintf(where, sizeof(where), "results[%zu] (%s)", idx, json_string_value(id));
	else
		snprintf(where, sizeof(where), "results[%zu]", idx);
	return BAD("%s: %s", where, why);
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
