/* SPDX-License-Identifier: MIT */
/* testlib.h - a few check macros; each test ends with one "name: N passed, M failed" line. */
#ifndef IPCB_TESTLIB_H
#define IPCB_TESTLIB_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (cond) {                                                      \
			t_pass++;                                                \
		} else {                                                         \
			t_fail++;                                                \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                          \
	do {                                                                                 \
		if (strstr((hay), (needle))) {                                               \
			t_pass++;                                                            \
		} else {                                                                     \
			t_fail++;                                                            \
			fprintf(stderr, "%s:%d: FAILED: \"%s\" does not contain \"%s\"\n", __FILE__, \
				__LINE__, (hay), (needle));                                  \
		}                                                                            \
	} while (0)

static inline int test_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, t_pass, t_fail);
	return t_fail ? 1 : 0;
}

#endif
