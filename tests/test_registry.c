// SPDX-License-Identifier: MIT
/* test_registry.c - the benchmark table: unique ids, complete descriptors, selection. */
#include <stdlib.h>

#include "registry.h"
#include "testlib.h"

static void test_descriptors(void)
{
	size_t i, j, n = ipcb_bench_count();
	int f;

	CHECK(n >= 15);
	for (i = 0; i < n; i++) {
		const struct ipcb_bench *b = ipcb_bench_at(i);
		int k;

		CHECK(b->id && strchr(b->id, '/'));
		CHECK(b->what && b->what[0]);
		CHECK(b->unit_of_work && b->unit_of_work[0]);
		CHECK(b->body != NULL);
		CHECK(b->nthreads == 1 || b->nthreads == 2 ||
		      (b->nthreads == 0 && ipcb_param_index(b, "threads") >= 0));
		for (j = i + 1; j < n; j++)
			if (strcmp(b->id, ipcb_bench_at(j)->id) == 0) {
				fprintf(stderr, "duplicate id %s\n", b->id);
				CHECK(0);
			}
		for (k = 0; b->params && b->params[k].name; k++)
			CHECK(k < IPCB_MAX_PARAMS);
	}
	/* every id starts with its family's name */
	for (f = 0; ipcb_families[f]; f++) {
		const struct ipcb_bench *b;
		size_t len = strlen(ipcb_families[f]->name);

		for (b = ipcb_families[f]->benches; b->id; b++)
			CHECK(strncmp(b->id, ipcb_families[f]->name, len) == 0 && b->id[len] == '/');
	}
}

static void test_selection(void)
{
	const struct ipcb_bench **sel = calloc(ipcb_bench_count(), sizeof(*sel));
	char *p1[] = { "lock/*" }, *p2[] = { "modeswitch" }, *p3[] = { "lock/tas", "lock/*" },
	     *p4[] = { "lock/tass" };
	char err[512];
	size_t n;

	CHECK(ipcb_select(p1, 1, sel, &n, err, sizeof(err)) == 0 && n == 10);
	CHECK(ipcb_select(p2, 1, sel, &n, err, sizeof(err)) == 0 && n == 6);
	/* overlapping patterns select each benchmark once */
	CHECK(ipcb_select(p3, 2, sel, &n, err, sizeof(err)) == 0 && n == 10);
	CHECK(ipcb_select(p4, 1, sel, &n, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "lock/tas");
	CHECK(ipcb_pattern_match("lock", "lock/tas"));
	CHECK(!ipcb_pattern_match("lock", "lockx/tas"));
	CHECK(ipcb_bench_find("modeswitch/funcall") != NULL);
	CHECK(ipcb_bench_find("modeswitch/nope") == NULL);
	free(sel);
}

int main(void)
{
	test_descriptors();
	test_selection();
	return test_summary("test_registry");
}
