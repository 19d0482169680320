// SPDX-License-Identifier: MIT
/*
 * group.c - the node-group rule in one place, so that a group's bar in a
 * figure is the number in its compare column, and both commands take the
 * same --group.
 */
#include "group.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

int ipcb_group_parse(char *arg, struct ipcb_group_arg *g, char *err, size_t errlen)
{
	char *eq = strchr(arg, '='), *file, *save = NULL, **grown;

	memset(g, 0, sizeof(*g));
	if (!eq || eq == arg || !eq[1]) {
		snprintf(err, errlen, "--group '%s': expected NAME=FILE,FILE,...", arg);
		return -EINVAL;
	}
	*eq = '\0';
	g->name = arg;
	for (file = strtok_r(eq + 1, ",", &save); file; file = strtok_r(NULL, ",", &save)) {
		grown = realloc(g->files, (g->nfiles + 1) * sizeof(*g->files));
		if (!grown) {
			free(g->files);
			g->files = NULL;
			snprintf(err, errlen, "--group %s: out of memory", arg);
			return -ENOMEM;
		}
		g->files = grown;
		g->files[g->nfiles++] = file;
	}
	if (!g->nfiles) {
		snprintf(err, errlen, "--group %s: no files", arg);
		return -EINVAL;
	}
	return 0;
}

double ipcb_group_median(double *x, size_t n)
{
	if (!n)
		return NAN;
	ipcb_sort_doubles(x, n);
	return ipcb_quantile_sorted(x, n, 0.5);
}

void ipcb_group_pool(double *meds, size_t n, double *median, double *lo, double *hi)
{
	if (!n) {
		*median = *lo = *hi = NAN;
		return;
	}
	*median = ipcb_group_median(meds, n);
	*lo = meds[0];
	*hi = meds[n - 1];
}
