// SPDX-License-Identifier: MIT
/* test_report.c - results JSON: write -> read round trip, no silent overwrite, schema checks. */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "results.h"
#include "testlib.h"

static json_t *sample_doc(void)
{
	json_t *doc = ipcb_report_new(json_pack("{s:s}", "hostname", "testhost"), json_object());
	json_t *ok = json_pack("{s:s, s:s, s:{}, s:{s:s, s:[i]}, s:s, s:s, s:s,"
			       " s:{s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:[f,f]}, s:[f,f,f], s:[s]}",
			       "id", "lock/tas", "family", "lock", "params", "placement", "name", "single", "cpus", 1,
			       "unit", "ns", "per", "lock+unlock", "status", "ok", "stats", "n", 3, "min", 1.0, "median",
			       2.0, "mean", 2.0, "stddev", 1.0, "p1", 1.02, "p99", 2.98, "mad", 1.0, "ci95", 1.0, 3.0,
			       "samples", 1.0, 2.0, 3.0, "notes", "a note");
	json_t *skipped = json_pack("{s:s, s:s, s:{s:i}, s:{s:s, s:[]}, s:s, s:s, s:s, s:s}", "id", "pkey/wrpkru",
				    "family", "pkey", "params", "size", 64, "placement", "name", "single", "cpus",
				    "unit", "ns", "per", "switch", "status", "skipped", "reason",
				    "CPU lacks PKU (CPUID.7.0:ECX[3] = 0)");

	json_array_append_new(json_object_get(doc, "results"), ok);
	json_array_append_new(json_object_get(doc, "results"), skipped);
	ipcb_report_finish(doc, 0);
	return doc;
}

static char dir[] = "/tmp/ipcb-test-report-XXXXXX";

static void test_round_trip(void)
{
	json_t *doc = sample_doc(), *back;
	char path[256], err[512];

	snprintf(path, sizeof(path), "%s/r.json", dir);
	CHECK(ipcb_report_validate(doc, err, sizeof(err)) == 0);
	CHECK(ipcb_report_check_path(path, 0, err, sizeof(err)) == 0);
	CHECK(ipcb_report_write(doc, path, 0, err, sizeof(err)) == 0);
	back = ipcb_report_read(path, err, sizeof(err));
	CHECK(back != NULL);
	CHECK(back && json_equal(doc, back));
	json_decref(back);

	/* never silently overwritten: the check refuses, and so does the write */
	CHECK(ipcb_report_check_path(path, 0, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "already exists");
	json_object_set_new(doc, "interrupted", json_true());
	CHECK(ipcb_report_write(doc, path, 0, err, sizeof(err)) == -1);
	back = ipcb_report_read(path, err, sizeof(err));
	CHECK(back && json_is_false(json_object_get(back, "interrupted")));
	json_decref(back);
	/* ... unless forced */
	CHECK(ipcb_report_write(doc, path, 1, err, sizeof(err)) == 0);
	back = ipcb_report_read(path, err, sizeof(err));
	CHECK(back && json_is_true(json_object_get(back, "interrupted")));
	json_decref(back);
	unlink(path);
	json_decref(doc);
}

static void test_paths(void)
{
	char path[256], err[512];

	CHECK(ipcb_report_check_path("/nonexistent-dir-ipcb/x.json", 0, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "/nonexistent-dir-ipcb");
	CHECK(ipcb_report_check_path(dir, 0, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "is a directory");
	/* a path under a regular file */
	snprintf(path, sizeof(path), "%s/f", dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/f/x.json", dir);
	CHECK(ipcb_report_check_path(path, 0, err, sizeof(err)) == -1);
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	/* the default name: results/<host>-<UTC>.json */
	{
		char *p = ipcb_report_default_path("results");

		CHECK(strncmp(p, "results/", 8) == 0 && strstr(p, "Z.json"));
		free(p);
	}
}

/* --out --force replaces only a regular file: never a device, a symlink, a fifo, a directory. */
static void test_non_regular(void)
{
	char path[256], link_path[256], err[512];
	json_t *doc = sample_doc();
	struct stat st;

	/* a private copy of /dev/null: were the check broken, the real one must not be what is replaced */
	snprintf(path, sizeof(path), "%s/null", dir);
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		CHECK(ipcb_report_check_path(path, 1, err, sizeof(err)) == -1);
		CHECK_CONTAINS(err, "/null is a character device, not a regular file");
		/* and the write itself refuses, whatever the check said before the run */
		CHECK(ipcb_report_write(doc, path, 1, err, sizeof(err)) == -1);
		CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode));
		unlink(path);
	} else {
		printf("skip: --force on a device node: mknod is not permitted here\n");
	}

	snprintf(link_path, sizeof(link_path), "%s/dangling", dir);
	CHECK(symlink("/nonexistent-ipcb-target", link_path) == 0);
	CHECK(ipcb_report_check_path(link_path, 0, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "is a symbolic link");
	CHECK(ipcb_report_check_path(link_path, 1, err, sizeof(err)) == -1);
	CHECK(ipcb_report_write(doc, link_path, 1, err, sizeof(err)) == -1);
	CHECK(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode));
	unlink(link_path);

	/* a symlink to a regular file is still a symlink: replacing it would cut the link */
	snprintf(path, sizeof(path), "%s/real.json", dir);
	fclose(fopen(path, "w"));
	CHECK(symlink(path, link_path) == 0);
	CHECK(ipcb_report_check_path(link_path, 1, err, sizeof(err)) == -1);
	unlink(link_path);
	unlink(path);

	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(ipcb_report_check_path(path, 1, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "is a named pipe");
	unlink(path);

	CHECK(ipcb_report_check_path(dir, 1, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "is a directory");
	/* "newdir/": a directory name, even when it does not exist */
	snprintf(path, sizeof(path), "%s/newdir/", dir);
	CHECK(ipcb_report_check_path(path, 0, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "names a directory");
	json_decref(doc);
}

/* A finished run whose final write fails goes beside its path, else to $TMPDIR. */
static void test_fallback(void)
{
	char path[256], err[512], tmpdir[256], *saved;
	json_t *doc = sample_doc(), *back;

	/* another run wrote the same --out meanwhile: the write refuses, the fallback lands beside */
	snprintf(path, sizeof(path), "%s/race.json", dir);
	CHECK(ipcb_report_check_path(path, 0, err, sizeof(err)) == 0);
	fclose(fopen(path, "w"));
	CHECK(ipcb_report_write(doc, path, 0, err, sizeof(err)) == -1);
	saved = ipcb_report_write_fallback(doc, path);
	CHECK(saved != NULL);
	if (saved) {
		CHECK(strncmp(saved, dir, strlen(dir)) == 0);
		CHECK_CONTAINS(saved, "/race-unsaved-");
		back = ipcb_report_read(saved, err, sizeof(err));
		CHECK(back && json_equal(back, doc));
		json_decref(back);
		unlink(saved);
		free(saved);
	}
	unlink(path);

	/* its directory is gone: into $TMPDIR */
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir);
	CHECK(mkdir(tmpdir, 0700) == 0);
	setenv("TMPDIR", tmpdir, 1);
	snprintf(path, sizeof(path), "%s/gone/x.json", dir);
	CHECK(ipcb_report_write(doc, path, 0, err, sizeof(err)) == -1);
	saved = ipcb_report_write_fallback(doc, path);
	CHECK(saved && strncmp(saved, tmpdir, strlen(tmpdir)) == 0);
	if (saved) {
		back = ipcb_report_read(saved, err, sizeof(err));
		CHECK(back && json_equal(back, doc));
		json_decref(back);
		unlink(saved);
		free(saved);
	}
	rmdir(tmpdir);
	unsetenv("TMPDIR");
	json_decref(doc);
}

/* Break one thing at a time; each must be caught with a message that says what. */
static void expect_invalid(json_t *doc, const char *needle)
{
	char err[512] = "";

	CHECK(ipcb_report_validate(doc, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, needle);
	json_decref(doc);
}

static json_t *result0(json_t *doc)
{
	return json_array_get(json_object_get(doc, "results"), 0);
}

static void test_schema(void)
{
	json_t *d;

	d = sample_doc();
	json_object_set_new(d, "schema", json_string("ipcbench/0"));
	expect_invalid(d, "schema");

	d = sample_doc();
	json_object_del(d, "machine");
	expect_invalid(d, "missing \"machine\"");

	d = sample_doc();
	json_object_set_new(result0(d), "status", json_string("great"));
	expect_invalid(d, "status must be ok, skipped or failed");

	d = sample_doc();
	json_object_del(result0(d), "stats");
	expect_invalid(d, "missing \"stats\"");

	d = sample_doc();
	json_object_set_new(json_object_get(result0(d), "stats"), "ci95", json_pack("[f,f]", 2.5, 3.0));
	expect_invalid(d, "does not contain the median");

	d = sample_doc();
	json_object_del(json_array_get(json_object_get(d, "results"), 1), "reason");
	expect_invalid(d, "needs a non-empty \"reason\"");

	d = sample_doc();
	json_object_set_new(result0(d), "id", json_string("noslash"));
	expect_invalid(d, "family/name");

	d = sample_doc();
	json_array_append_new(json_object_get(result0(d), "samples"), json_string("x"));
	expect_invalid(d, "samples must be numbers");

	d = sample_doc();
	json_object_set_new(d, "interrupted", json_string("no"));
	expect_invalid(d, "\"interrupted\" must be a boolean");
}

/* What plot and compare read besides the schema: one validator for every reader. */
static void test_extras(void)
{
	json_t *d;

	d = sample_doc();
	json_object_set_new(result0(d), "histogram",
			    json_pack("{s:s, s:[[i,i,i],[i,i,i]]}", "unit", "ns", "buckets", 1, 2, 3, 5, 4, 1));
	expect_invalid(d, "results[0] (lock/tas): histogram.buckets[1] needs 0 <= lo <= hi");

	d = sample_doc();
	json_object_set_new(result0(d), "histogram", json_pack("{s:[[i,i]]}", "buckets", 1, 2));
	expect_invalid(d, "histogram.buckets[0] must be [lo, hi, count]");

	d = sample_doc();
	json_object_set_new(result0(d), "attachments",
			    json_pack("{s:{s:[i,i], s:[[n,i],[i]]}}", "matrix", "cpus", 0, 1, "round_trip_ns", 5, 5));
	expect_invalid(d, "attachments.matrix.round_trip_ns[1] must be a row of 2");

	d = sample_doc();
	json_object_set_new(result0(d), "attachments", json_string("x"));
	expect_invalid(d, "attachments must be an object");

	/* skipped results are checked too */
	d = sample_doc();
	json_object_set_new(json_array_get(json_object_get(d, "results"), 1), "histogram", json_integer(1));
	expect_invalid(d, "histogram must be an object");
}

/* The optional members of issue 11 (CONTRACT.md): valid when right, named when wrong. */
static void test_contract_fields(void)
{
	char err[512];
	json_t *d = sample_doc(), *r = result0(d), *pl = json_object_get(r, "placement");

	json_object_set_new(r, "round_medians", json_pack("[f,f,f]", 2.0, 2.1, 1.9));
	json_object_set_new(r, "ci95_runs", json_pack("[f,f]", 1.9, 2.1));
	json_object_set_new(r, "interval95", json_pack("[f,f]", 1.0, 3.0));
	json_object_set_new(r, "ci95_rel_samples", json_real(0.5));
	json_object_set_new(r, "ci95_rel_runs", json_real(0.05));
	json_object_set_new(r, "interval_basis", json_string("samples"));
	json_object_set_new(pl, "role", json_string("nearest-core"));
	json_object_set_new(d, "run_id", json_string("2026-12-01T09:00:00Z-1234"));
	json_object_set_new(json_object_get(d, "machine"), "label", json_string("lab-a"));
	CHECK(ipcb_report_validate(d, err, sizeof(err)) == 0);

#define BREAK(setter, needle)                     \
	do {                                      \
		json_t *c = json_deep_copy(d);    \
		json_t *cr = result0(c);          \
		(void)cr;                         \
		setter;                           \
		expect_invalid(c, needle);        \
	} while (0)
	BREAK(json_object_set_new(cr, "round_medians", json_pack("[f,s]", 1.0, "x")), "round_medians[1] must be a number");
	BREAK(json_object_set_new(cr, "round_medians", json_array()), "round_medians must be a non-empty array");
	BREAK(json_object_set_new(cr, "ci95_runs", json_pack("[f,f]", 3.0, 2.0)), "ci95_runs [3, 2] has lo > hi");
	BREAK(json_object_set_new(cr, "ci95_runs", json_pack("[f]", 3.0)), "ci95_runs must be [lo, hi]");
	BREAK(json_object_set_new(cr, "interval95", json_pack("[s,f]", "a", 2.0)), "interval95 must be [lo, hi]");
	BREAK(json_object_set_new(cr, "interval95", json_pack("[f,f]", 2.5, 2.0)), "interval95 [2.5, 2] has lo > hi");
	BREAK(json_object_set_new(cr, "ci95_rel_samples", json_string("1%")), "\"ci95_rel_samples\" must be a number");
	BREAK(json_object_set_new(cr, "ci95_rel_runs", json_null()), "\"ci95_rel_runs\" must be a number");
	BREAK(json_object_set_new(cr, "interval_basis", json_integer(1)), "\"interval_basis\" must be a string");
	BREAK(json_object_set_new(json_object_get(cr, "placement"), "role", json_integer(2)), "\"role\" must be a string");
	BREAK(json_object_set_new(c, "run_id", json_integer(7)), "\"run_id\" must be a string");
	BREAK(json_object_set_new(json_object_get(c, "machine"), "label", json_true()), "\"label\" must be a string");
#undef BREAK
	json_decref(d);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_paths();
	test_non_regular();
	test_fallback();
	test_schema();
	test_extras();
	test_contract_fields();
	rmdir(dir);
	return test_summary("test_report");
}
