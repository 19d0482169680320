// SPDX-License-Identifier: MIT
/* test_report.c - results JSON: write -> read round trip, no silent overwrite, schema checks. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
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

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_paths();
	test_schema();
	rmdir(dir);
	return test_summary("test_report");
}
