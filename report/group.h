/* SPDX-License-Identifier: MIT */
/*
 * group.h - a group of nodes (files from machines of one type) shown as one
 * machine: `compare --group` pools a column, `plot --group` a bar or a point,
 * by the same rule, parsed from the same option.
 */
#ifndef IPCB_GROUP_H
#define IPCB_GROUP_H

#include <stddef.h>

/* --group NAME=FILE,FILE,...: pointers into the argument, which is cut in place. */
struct ipcb_group_arg {
	char *name;
	char **files; /* malloc'd array (free it), the strings are the argument's */
	size_t nfiles; /* >= 1 */
};

/*
 * Parse a --group argument; empty names between commas are skipped. 0;
 * -EINVAL with err (the option and what was expected); -ENOMEM with err.
 */
int ipcb_group_parse(char *arg, struct ipcb_group_arg *g, char *err, size_t errlen);

/* The median of x[0..n), n >= 1; x is sorted in place. */
double ipcb_group_median(double *x, size_t n);

/*
 * A group's figure from its nodes' medians meds[0..n) (sorted in place): the
 * median of the node medians, and as its spread the lowest and the highest
 * node median (node-to-node, not an interval). n == 0: all NAN.
 */
void ipcb_group_pool(double *meds, size_t n, double *median, double *lo, double *hi);

#endif
