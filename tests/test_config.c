// SPDX-License-Identifier: MIT
/* test_config.c - configuration validation: every error names file:line:col and the key. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "registry.h"
#include "testlib.h"

/* Parse text; return 0/-1 and leave the message in err. */
static int parse(const char *text, char *err, size_t len)
{
	struct ipcb_config c;
	int rc;

	ipcb_config_init(&c);
	err[0] = '\0';
	rc = ipcb_config_parse(&c, text, "t.json", err, len);
	ipcb_config_free(&c);
	return rc;
}

static void test_errors(void)
{
	char err[1024];

	/* a syntax error: jansson's own position */
	CHECK(parse("{\n  \"benchmarks\": [\"lock/*\",]\n}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "t.json:2:");

	/* an unknown key on line 3, column 3 */
	CHECK(parse("{\n  \"benchmarks\": [\"lock/*\"],\n  \"time_budget\": 1\n}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "t.json:3:3: unknown key \"time_budget\"");

	/* a wrong type */
	CHECK(parse("{\"min_samples\": \"many\"}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "t.json:1:2: \"min_samples\" must be an integer");

	/* out of range */
	CHECK(parse("{\n\"time_budget_s\": -1}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "t.json:2:1: \"time_budget_s\" = -1 is out of range");

	/* a pattern that selects nothing, with a suggestion */
	CHECK(parse("{\"benchmarks\": [\"lock/tiket\"]}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "no benchmark matches 'lock/tiket'");
	CHECK_CONTAINS(err, "lock/ticket");

	/* placements are checked by name */
	CHECK(parse("{\"placements\": [\"same-core\"]}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "unknown placement \"same-core\"");

	/* duplicate keys are an error, not a silent last-wins */
	CHECK(parse("{\"min_samples\": 30, \"min_samples\": 40}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "duplicate");

	/* max below min */
	CHECK(parse("{\"min_samples\": 50, \"max_samples\": 40}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"max_samples\" (40) is below \"min_samples\" (50)");

	/* rounds are bounded */
	CHECK(parse("{\"rounds\": 0}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"rounds\" = 0 is out of range");

	/* the schema string is checked */
	CHECK(parse("{\"schema\": \"ipcbench-config/9\"}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"schema\" must be");

	/* a parameter no benchmark declares: the position of the nested key */
	CHECK(parse("{\"params\": {\n  \"lock/*\": {\n    \"size\": 4}}}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "t.json:3:5: unknown parameter \"size\"");

	/* a parameter value outside its declared range, at its position */
	CHECK(parse("{\"params\": {\n  \"lock-contended/*\": {\n    \"cs_work\": [1, -3]}}}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "t.json:3:5: parameter \"cs_work\" = -3 is out of range: it must be from 0 to 1000000");
	CHECK(parse("{\"params\": {\"lock-contended/*\": {\"threads\": 4294967297}}}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"threads\" = 4294967297 is out of range");
	/* in range for one of the benchmarks the pattern selects: planning decides per benchmark */
	CHECK(parse("{\"params\": {\"*\": {\"size\": 32}}}", err, sizeof(err)) == 0);

	/* a params pattern that matches nothing */
	CHECK(parse("{\"params\": {\"nosuch/*\": {\"size\": 4}}}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "matches no benchmark");

	/* not an object */
	CHECK(parse("[1, 2]", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "must be a JSON object");

	/* cpus: one or two ids, each in range (a cast to int would wrap 4294967297 to 1) */
	CHECK(parse("{\"cpus\": [0, 1, 2]}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"cpus\" must be one or two integer CPU ids");
	CHECK(parse("{\"cpus\": [0, 4294967297]}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"cpus\"[1] must be a CPU id from 0 to");
	CHECK(parse("{\"cpus\": [-1]}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"cpus\"[0] must be a CPU id");

	/* a key inside a string value is not mistaken for the offending key */
	CHECK(parse("{\"description\": \"\\\"bogus\\\": 1\",\n \"bogus\": 1}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "t.json:2:2: unknown key \"bogus\"");
}

static void test_values(void)
{
	struct ipcb_config c;
	char err[512];
	json_t *j;

	ipcb_config_init(&c);
	CHECK(ipcb_config_parse(&c, "{\"benchmarks\": [\"lock/*\", \"modeswitch/funcall\"], \"time_budget_s\": 0.5,"
				    " \"min_samples\": 40, \"ci_target\": 0.02, \"placements\": [\"same-cache\"],"
				    " \"cpus\": [0, 1]}",
				"t.json", err, sizeof(err)) == 0);
	CHECK(c.npatterns == 2 && strcmp(c.patterns[1], "modeswitch/funcall") == 0);
	CHECK(c.measure.budget_s == 0.5);
	CHECK(c.measure.min_samples == 40);
	CHECK(c.measure.ci_target == 0.02);
	CHECK(c.nplacements == 1 && strcmp(c.placements[0], "same-cache") == 0);
	CHECK(c.have_cpus && c.cpus[0] == 0 && c.cpus[1] == 1);
	/* the effective configuration carries what was set, and the defaults */
	j = ipcb_config_json(&c);
	CHECK(json_real_value(json_object_get(j, "time_budget_s")) == 0.5);
	CHECK(json_integer_value(json_object_get(j, "max_samples")) == 20000);
	CHECK(strcmp(json_string_value(json_object_get(j, "source")), "t.json") == 0);
	json_decref(j);
	ipcb_config_free(&c);

	/* one CPU id: for one-thread benchmarks */
	ipcb_config_init(&c);
	CHECK(ipcb_config_parse(&c, "{\"cpus\": [3]}", "t.json", err, sizeof(err)) == 0);
	CHECK(c.have_cpus == 1 && c.cpus[0] == 3);
	j = ipcb_config_json(&c);
	CHECK(json_array_size(json_object_get(j, "cpus")) == 1);
	json_decref(j);
	ipcb_config_free(&c);

	/* the embedded default parses, and reports lock/pthread-mutex both ways */
	ipcb_config_init(&c);
	CHECK(ipcb_config_parse(&c, ipcb_default_config, "default", err, sizeof(err)) == 0);
	CHECK(c.npatterns > 0);
	j = json_object_get(json_object_get(c.params, "lock/pthread-mutex"), "threading");
	CHECK(json_array_size(j) == 2 && strcmp(json_string_value(json_array_get(j, 0)), "single") == 0 &&
	      strcmp(json_string_value(json_array_get(j, 1)), "multi") == 0);
	ipcb_config_free(&c);

	/* --param: a list of integers, only for declared names */
	ipcb_config_init(&c);
	CHECK(ipcb_config_add_param(&c, "nosuchparam=1,2", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "no benchmark declares");
	CHECK(ipcb_config_add_param(&c, "novalue", err, sizeof(err)) == -1);
	ipcb_config_free(&c);
}

/* Load a file holding len bytes of text; 0/-1 with err. */
static int load_bytes(const char *text, size_t len, char *err, size_t errlen)
{
	char path[] = "/tmp/ipcb-test-config-XXXXXX";
	struct ipcb_config c;
	int fd = mkstemp(path), rc;

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return -2;
	close(fd);
	ipcb_config_init(&c);
	err[0] = '\0';
	rc = ipcb_config_load(&c, path, err, errlen);
	ipcb_config_free(&c);
	unlink(path);
	return rc;
}

/* Only a regular file of sane size, and nothing hidden after a NUL. */
static void test_load(void)
{
	static const char good[] = "{\"benchmarks\": [\"lock/tas\"]}";
	struct ipcb_config c;
	char err[512], dir[] = "/tmp/ipcb-test-config-XXXXXX", fifo[64];
	char *big;

	CHECK(load_bytes(good, sizeof(good) - 1, err, sizeof(err)) == 0);
	/* bytes after a NUL were silently ignored by the parser */
	CHECK(load_bytes(good, sizeof(good), err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "a NUL byte at offset 28");

	/* /dev/zero never ends: refused as a device before anything is read */
	ipcb_config_init(&c);
	CHECK(ipcb_config_load(&c, "/dev/zero", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "/dev/zero: not a regular file (a character device)");
	ipcb_config_free(&c);

	/* a fifo with no writer would block the open or the read forever */
	if (mkdtemp(dir)) {
		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		CHECK(mkfifo(fifo, 0600) == 0);
		ipcb_config_init(&c);
		CHECK(ipcb_config_load(&c, fifo, err, sizeof(err)) == -1);
		CHECK_CONTAINS(err, "not a regular file (a pipe)");
		ipcb_config_load(&c, dir, err, sizeof(err));
		CHECK_CONTAINS(err, "not a regular file (a directory)");
		ipcb_config_free(&c);
		unlink(fifo);
		rmdir(dir);
	}

	/* a regular file over the cap: refused, not read to the end */
	big = malloc(IPCB_CONFIG_MAX_BYTES + 2);
	memset(big, ' ', IPCB_CONFIG_MAX_BYTES + 2);
	memcpy(big, good, sizeof(good) - 1);
	CHECK(load_bytes(big, IPCB_CONFIG_MAX_BYTES + 1, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "larger than 16 MiB");
	/* exactly at the cap is still read */
	CHECK(load_bytes(big, IPCB_CONFIG_MAX_BYTES, err, sizeof(err)) == 0);
	free(big);
}

/* Every declared integer parameter has a range, and its default lies in it. */
static void test_param_ranges(void)
{
	size_t i, n = ipcb_bench_count(), bad = 0, seen = 0;

	for (i = 0; i < n; i++) {
		const struct ipcb_bench *b = ipcb_bench_at(i);
		const struct ipcb_param *p;

		for (p = b->params; p && p->name; p++) {
			if (p->choices)
				continue;
			seen++;
			if (!(p->min <= p->def && p->def <= p->max)) {
				fprintf(stderr, "%s: %s = %lld outside [%lld, %lld]\n", b->id, p->name, (long long)p->def,
					(long long)p->min, (long long)p->max);
				bad++;
			}
		}
	}
	CHECK(seen > 0);
	CHECK(bad == 0);
}

int main(void)
{
	test_errors();
	test_values();
	test_load();
	test_param_ranges();
	return test_summary("test_config");
}
