/* SPDX-License-Identifier: MIT */
/* registry.h - the table of families and benchmarks, and selection by fnmatch patterns. */
#ifndef IPCB_REGISTRY_H
#define IPCB_REGISTRY_H

#include <stddef.h>

#include "ipcbench.h"

/* The families, NULL terminated, in the order benchmarks are listed and run. */
extern const struct ipcb_family *const ipcb_families[];

size_t ipcb_bench_count(void);
const struct ipcb_bench *ipcb_bench_at(size_t i);
const struct ipcb_bench *ipcb_bench_find(const char *id);
/* 1 if the pattern (fnmatch; a bare family name means "family/ *") selects id. */
int ipcb_pattern_match(const char *pattern, const char *id);
/* The names closest to pattern (edit distance), comma separated, into buf. */
void ipcb_suggest(const char *pattern, char *buf, size_t len);
/*
 * Every benchmark selected by any pattern, in registry order, each once.
 * out must hold ipcb_bench_count() pointers. 0 on success; -1 when a pattern
 * selects nothing, with the error and suggestions in err.
 */
int ipcb_select(char *const *patterns, int npatterns, const struct ipcb_bench **out, size_t *nout,
		char *err, size_t errlen);
/* How many parameters b declares. */
size_t ipcb_param_count(const struct ipcb_bench *b);
/* Index of a declared parameter in bench->params, or -1. */
int ipcb_param_index(const struct ipcb_bench *b, const char *name);
/* The chosen name of a choice parameter among params (a job's), or NULL when b does not declare it. */
const char *ipcb_choice_name(const struct ipcb_bench *b, const int64_t *params, const char *name);

#endif
