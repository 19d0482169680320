// SPDX-License-Identifier: MIT
/* test_config.c - configuration validation: every error names file:line:col and the key. */
#include <stdlib.h>

#include "config.h"
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

	/* a params pattern that matches nothing */
	CHECK(parse("{\"params\": {\"nosuch/*\": {\"size\": 4}}}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "matches no benchmark");

	/* not an object */
	CHECK(parse("[1, 2]", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "must be a JSON object");

	/* cpus must be a pair */
	CHECK(parse("{\"cpus\": [0]}", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "\"cpus\" must be two integer CPU ids");

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

	/* the embedded default parses */
	ipcb_config_init(&c);
	CHECK(ipcb_config_parse(&c, ipcb_default_config, "default", err, sizeof(err)) == 0);
	CHECK(c.npatterns > 0);
	ipcb_config_free(&c);

	/* --param: a list of integers, only for declared names */
	ipcb_config_init(&c);
	CHECK(ipcb_config_add_param(&c, "nosuchparam=1,2", err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "no benchmark declares");
	CHECK(ipcb_config_add_param(&c, "novalue", err, sizeof(err)) == -1);
	ipcb_config_free(&c);
}

int main(void)
{
	test_errors();
	test_values();
	return test_summary("test_config");
}
