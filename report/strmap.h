/* SPDX-License-Identifier: MIT */
/*
 * strmap.h - distinct strings in first-seen order, found by hash. A key's
 * index is its place in that order and never changes (until sorted), so one
 * table serves as a set of names (plot's categories, series, lines) and as a
 * map from a string to a number (compare's row keys and counters, in val[]).
 */
#ifndef IPCB_STRMAP_H
#define IPCB_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialised is empty. */
struct ipcb_strmap {
	char **str;   /* the keys in first-seen order, owned by the map */
	size_t *val;  /* per key: the caller's number, 0 when the key was added */
	size_t n;     /* keys */
	size_t room;  /* str and val have room for this many */
	size_t *slot; /* open addressing, linear probing: key index + 1, 0 free */
	size_t cap;   /* slots: 0 or a power of two, at least twice n */
};

/* FNV-1a of s: the map's hash, and plot's short stable hash of a name. */
uint64_t ipcb_strmap_hash(const char *s);

/* The index of key, or SIZE_MAX when absent. */
size_t ipcb_strmap_find(const struct ipcb_strmap *m, const char *key);

/* The index of key, added at the end (val 0) when new; SIZE_MAX when out of memory. */
size_t ipcb_strmap_add(struct ipcb_strmap *m, const char *key);

/* Sort the keys (each keeps its val) by strcmp; indexes change. 0, or -1 out of memory (unsorted). */
int ipcb_strmap_sort(struct ipcb_strmap *m);

void ipcb_strmap_free(struct ipcb_strmap *m);

#endif
