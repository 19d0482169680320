// SPDX-License-Identifier: MIT
/*
 * test_result.c - the typed result: every result of every fixture and
 * example file reads back and is written again as it was (files the current
 * tool wrote: byte for byte, key order included; older and hand-made ones:
 * the same members and values), and malformed records are refused with the
 * member named.
 */
#include <dirent.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "testlib.h"

/* The same members and values; key order and integer-vs-real spelling of a number aside. */
static int same(const json_t *a, const json_t *b)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, key, v)
			if (!json_object_get(b, key) || !same(v, json_object_get(b, key)))
				return 0;
		return 1;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

static int exact(const json_t *a, const json_t *b)
{
	char *x = json_dumps(a, JSON_REAL_PRECISION(17)), *y = json_dumps(b, JSON_REAL_PRECISION(17));
	int eq = x && y && strcmp(x, y) == 0;

	if (!eq)
		fprintf(stderr, "  wrote: %.600s\n  read:  %.600s\n", y ? y : "(null)", x ? x : "(null)");
	free(x);
	free(y);
	return eq;
}

static size_t nresults, nexact;

/* Every result of one file: read, written, compared; byte for byte when the current tool wrote it. */
static void round_trip_file(const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr), *r, *back;
	int current = strstr(path, "/fixtures/result/") != NULL;
	size_t i;

	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "results")) ||
	    strstr(path, "/bad-")) {
		json_decref(doc);
		return;
	}
	json_array_foreach(json_object_get(doc, "results"), i, r) {
		struct ipcb_result t;
		char why[512];
		int rc = ipcb_result_from_json(r, &t, why, sizeof(why));

		if (rc)
			fprintf(stderr, "%s: results[%zu]: %s\n", path, i, why);
		CHECK(rc == 0);
		back = rc ? NULL : ipcb_result_to_json(&t);
		if (back && !same(r, back))
			fprintf(stderr, "%s: results[%zu] (%s) differs after a round trip\n", path, i, t.id);
		CHECK(back && same(r, back));
		if (current) {
			CHECK(back && exact(r, back));
			nexact++;
		}
		nresults++;
		json_decref(back);
		ipcb_result_free(&t);
	}
	json_decref(doc);
}

static void round_trip_dir(const char *dir)
{
	struct dirent **names;
	int i, n = scandir(dir, &names, NULL, alphasort);
	char path[4096];

	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (name[0] != '.' && names[i]->d_type == DT_DIR)
			round_trip_dir(path);
		else if (len > 5 && strcmp(name + len - 5, ".json") == 0)
			round_trip_file(path);
		free(names[i]);
	}
	free(names);
}

/* --- malformed records ------------------------------------------------------------ */

static json_t *good(void)
{
	json_error_t jerr;

	return json_loads("{\"id\": \"lock/tas\", \"family\": \"lock\", \"params\": {\"size\": 64, \"mode\": \"process\"},"
			  " \"placement\": {\"name\": \"same-core\", \"cpus\": [0, 1], \"relation\": \"smt\"},"
			  " \"unit\": \"ns\", \"per\": \"lock+unlock\","
			  " \"histogram\": {\"unit\": \"ns\", \"count\": 3, \"min\": 1, \"max\": 3, \"mean\": 2.0,"
			  " \"p50\": 2, \"p90\": 3, \"p99\": 3, \"p999\": 3, \"buckets\": [[1, 2, 2], [3, 3, 1]]},"
			  " \"status\": \"ok\","
			  " \"attachments\": {\"matrix\": {\"cpus\": [0, 1], \"round_trip_ns\": [[null, 1.5], [2.5, null]],"
			  " \"measured_pairs\": 2, \"total_pairs\": 2, \"rows\": \"measuring CPU\","
			  " \"columns\": \"answering CPU\", \"headline\": {\"cpus\": [0, 1], \"relation\": \"smt\"}},"
			  " \"threads\": [{\"cpu\": 0, \"acquisitions\": 10}]},"
			  " \"metrics\": {\"share_min\": {\"value\": 0.5, \"unit\": \"fraction\"}},"
			  " \"notes\": [\"first\"],"
			  " \"stats\": {\"n\": 3, \"min\": 1.0, \"max\": 3.0, \"median\": 2.0, \"mean\": 2.0, \"stddev\": 1.0,"
			  " \"p1\": 1.0, \"p99\": 3.0, \"mad\": 1.0, \"ci95\": [1.0, 3.0]},"
			  " \"round_medians\": [2.0, 2.1], \"ci95_rel_samples\": 0.5, \"ci95_runs\": [1.9, 2.2],"
			  " \"ci95_rel_runs\": 0.1, \"interval95\": [1.0, 3.0], \"interval_basis\": \"samples\","
			  " \"ci95_rel\": 0.5, \"unstable\": true, \"iters_per_sample\": 100, \"sample_ns\": 1000.0,"
			  " \"elapsed_s\": 0.5, \"rounds\": 2, \"drift\": 1.0, \"stop\": \"ci target\","
			  " \"samples\": [1.0, 2.0, 3.0], \"future_member\": {\"kept\": true}}",
			  0, &jerr);
}

/* Set path (a.b.c, members only) in a copy of the good record to v (NULL: delete) and read it. */
static void refused(const char *path, json_t *v, const char *expect)
{
	json_t *r = good(), *o = r;
	char key[128], *dot, *k = key;
	struct ipcb_result t;
	char why[512] = "";
	int rc;

	snprintf(key, sizeof(key), "%s", path);
	while ((dot = strchr(k, '.'))) {
		*dot = '\0';
		o = json_object_get(o, k);
		k = dot + 1;
	}
	if (v)
		json_object_set_new(o, k, v);
	else
		json_object_del(o, k);
	rc = ipcb_result_from_json(r, &t, why, sizeof(why));
	if (rc == 0)
		fprintf(stderr, "%s: accepted, expected \"%s\"\n", path, expect);
	CHECK(rc == -1);
	CHECK_CONTAINS(why, expect);
	ipcb_result_free(&t);
	json_decref(r);
}

static void test_malformed(void)
{
	struct ipcb_result t;
	char why[512];
	json_t *r = good(), *back;

	CHECK(ipcb_result_from_json(r, &t, why, sizeof(why)) == 0);
	back = ipcb_result_to_json(&t);
	CHECK(back && exact(r, back)); /* the unknown member is kept, last */
	CHECK(t.matrix && t.matrix->n == 2 && isnan(t.matrix->value[0]) && t.matrix->value[1] == 1.5);
	CHECK(t.nthreads == 1 && t.threads[0].acquisitions == 10);
	CHECK(ipcb_result_param(&t, "mode") && ipcb_result_param(&t, "mode")->is_choice);
	json_decref(back);
	ipcb_result_free(&t);
	json_decref(r);

	refused("id", NULL, "missing \"id\"");
	refused("id", json_integer(3), "\"id\" must be a string");
	refused("id", json_string("nofamily"), "id must be family/name");
	refused("placement.cpus", json_pack("[s]", "x"), "placement.cpus must hold integers");
	refused("status", json_string("maybe"), "status must be ok, skipped or failed, not \"maybe\"");
	refused("status", json_string("skipped"), "a skipped result needs a non-empty \"reason\"");
	refused("stats", NULL, "missing \"stats\"");
	refused("stats.n", json_integer(0), "stats.n must be >= 1");
	refused("stats.ci95", json_pack("[f,f]", 2.5, 3.0), "stats.ci95 [2.5, 3] does not contain the median 2");
	refused("samples", json_pack("[s]", "x"), "samples must be numbers");
	refused("round_medians", json_array(), "round_medians must be a non-empty array of numbers");
	refused("interval95", json_pack("[f,f]", 3.0, 1.0), "interval95 [3, 1] has lo > hi");
	refused("histogram.buckets", json_pack("[[i,i,i]]", 5, 1, 1), "histogram.buckets[0] needs 0 <= lo <= hi");
	refused("histogram.p99", json_string("x"), "histogram.p99 and histogram.p999 must be numbers");
	refused("attachments.matrix.cpus", json_array(), "attachments.matrix.cpus must be an array of 1 to");
	refused("attachments.matrix.round_trip_ns", json_pack("[[n,n]]"), "attachments.matrix.round_trip_ns must have 2 rows");
	refused("attachments.matrix.round_trip_ns", json_pack("[[n,s],[n,n]]", "x"),
		"attachments.matrix.round_trip_ns[0][1] must be a number or null");
	refused("attachments", json_array(), "attachments must be an object");
	refused("notes", json_pack("[i]", 1), "notes must be an array of strings");
	/* members the old validator let through, now typed */
	refused("params.size", json_real(1.5), "params.size must be an integer or a string");
	refused("unstable", json_string("yes"), "\"unstable\" must be a boolean");
	refused("metrics.share_min", json_integer(1), "metrics.share_min must be");
	refused("attachments.threads", json_object(), "attachments.threads must be an array");
}

/* Does key b come right after key a in j? */
static int key_after(json_t *j, const char *a, const char *b)
{
	void *it = json_object_iter_at(j, a);

	it = it ? json_object_iter_next(j, it) : NULL;
	return it && strcmp(json_object_iter_key(it), b) == 0;
}

/* The engine's way: fields set one by one, notes where they arise, parameters as text. */
static void test_building(void)
{
	struct ipcb_result r = { 0 };
	char buf[128];
	json_t *j;

	ipcb_result_set_str(&r.id, "lock/tas");
	ipcb_result_add_param(&r, "size", 64, NULL);
	ipcb_result_add_param(&r, "mode", 1, "process");
	ipcb_result_add_note(&r, "before %d", 1);
	CHECK(r.notes_slot == IPCB_NOTES_BEFORE_STATS);
	CHECK(strcmp(ipcb_result_params_text(&r, buf, sizeof(buf), IPCB_PARAMS_ID, NULL, NULL),
		     "lock/tas size=64,mode=process") == 0);
	CHECK(strcmp(ipcb_result_params_text(&r, buf, sizeof(buf), IPCB_PARAMS_SORTED, NULL, NULL),
		     "mode=process,size=64") == 0);
	CHECK(strcmp(ipcb_result_params_text(&r, buf, sizeof(buf), 0, ipcb_param_not, "size"), "mode=process") == 0);
	CHECK(strcmp(ipcb_result_params_text(&r, buf, 12, IPCB_PARAMS_ID, NULL, NULL), "lock/tas si") == 0);
	CHECK(ipcb_status_parse("skipped", &r.status) == 0 && r.status == IPCB_STATUS_SKIPPED);
	CHECK(ipcb_status_parse("nope", &r.status) == -1);
	CHECK(strcmp(ipcb_status_name(IPCB_STATUS_FAILED), "failed") == 0);
	ipcb_result_set_str(&r.reason, "why");
	j = ipcb_result_to_json(&r);
	CHECK(key_after(j, "status", "reason"));
	CHECK(json_is_array(json_object_get(j, "notes")) && json_integer_value(json_object_get(json_object_get(j, "params"), "size")) == 64);
	json_decref(j);
	ipcb_result_free(&r);

	/* a note written after the statistics stands after "unstable"; one after the samples, last */
	memset(&r, 0, sizeof(r));
	r.has = IPCB_HAS_STATS | IPCB_HAS_UNSTABLE | IPCB_HAS_ITERS;
	r.stats.n = 1;
	ipcb_result_add_note(&r, "interval");
	CHECK(r.notes_slot == IPCB_NOTES_AFTER_UNSTABLE);
	j = ipcb_result_to_json(&r);
	CHECK(key_after(j, "unstable", "notes") && key_after(j, "notes", "iters_per_sample"));
	json_decref(j);
	ipcb_result_free(&r);
	memset(&r, 0, sizeof(r));
	r.has = IPCB_HAS_STATS | IPCB_HAS_SAMPLES;
	ipcb_result_add_note(&r, "tail");
	CHECK(r.notes_slot == IPCB_NOTES_LAST);
	j = ipcb_result_to_json(&r);
	CHECK(key_after(j, "samples", "notes"));
	json_decref(j);
	ipcb_result_free(&r);
}

int main(void)
{
	char here[4096], path[4200];

	snprintf(here, sizeof(here), "%s", __FILE__);
	dirname(here);
	snprintf(path, sizeof(path), "%s/fixtures", here);
	round_trip_dir(path);
	snprintf(path, sizeof(path), "%s/../results/examples", here);
	round_trip_dir(path);
	printf("%zu results read and written again, %zu of them byte for byte\n", nresults, nexact);
	CHECK(nresults > 200);
	test_malformed();
	test_building();
	return test_summary("result");
}
