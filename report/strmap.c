// SPDX-License-Identifier: MIT
/*
 * strmap.c - distinct strings found by hash. Looking keys up by scanning
 * made a 10,000-result file take two minutes in compare when keys repeat
 * (every repeat rescanned all rows), so matching and naming stay linear.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t ipcb_strmap_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot of key: where it is, or the free slot where it would go. cap > 0. */
static size_t slot_of(const struct ipcb_strmap *m, const char *key)
{
	size_t h = (size_t)ipcb_strmap_hash(key) & (m->cap - 1);

	while (m->slot[h] && strcmp(m->str[m->slot[h] - 1], key))
		h = (h + 1) & (m->cap - 1);
	return h;
}

static void fill_slots(struct ipcb_strmap *m)
{
	size_t i;

	memset(m->slot, 0, m->cap * sizeof(*m->slot));
	for (i = 0; i < m->n; i++)
		m->slot[slot_of(m, m->str[i])] = i + 1;
}

/* Twice the slots (64 at first), keeping at most half of them used. */
static int grow_slots(struct ipcb_strmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64, *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -1;
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	fill_slots(m);
	return 0;
}

size_t ipcb_strmap_find(const struct ipcb_strmap *m, const char *key)
{
	size_t h;

	if (!m->cap)
		return SIZE_MAX;
	h = slot_of(m, key);
	return m->slot[h] ? m->slot[h] - 1 : SIZE_MAX;
}

static int make_room(struct ipcb_strmap *m)
{
	size_t room = m->room ? 2 * m->room : 32;
	char **str;
	size_t *val;

	str = realloc(m->str, room * sizeof(*str));
	if (!str)
		return -1;
	m->str = str;
	val = realloc(m->val, room * sizeof(*val));
	if (!val)
		return -1;
	m->val = val;
	m->room = room;
	return 0;
}

size_t ipcb_strmap_add(struct ipcb_strmap *m, const char *key)
{
	size_t i = ipcb_strmap_find(m, key);
	char *copy;

	if (i != SIZE_MAX)
		return i;
	if (2 * (m->n + 1) > m->cap && grow_slots(m))
		return SIZE_MAX;
	if (m->n == m->room && make_room(m))
		return SIZE_MAX;
	copy = strdup(key);
	if (!copy)
		return SIZE_MAX;
	m->str[m->n] = copy;
	m->val[m->n] = 0;
	m->slot[slot_of(m, key)] = m->n + 1;
	return m->n++;
}

struct entry {
	char *str;
	size_t val;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->str, ((const struct entry *)b)->str);
}

int ipcb_strmap_sort(struct ipcb_strmap *m)
{
	struct entry *e;
	size_t i;

	if (m->n < 2)
		return 0;
	e = malloc(m->n * sizeof(*e));
	if (!e)
		return -1;
	for (i = 0; i < m->n; i++)
		e[i] = (struct entry){ m->str[i], m->val[i] };
	qsort(e, m->n, sizeof(*e), cmp_entry);
	for (i = 0; i < m->n; i++) {
		m->str[i] = e[i].str;
		m->val[i] = e[i].val;
	}
	free(e);
	fill_slots(m); /* the same keys, only their indexes moved */
	return 0;
}

void ipcb_strmap_free(struct ipcb_strmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->str[i]);
	free(m->str);
	free(m->val);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}
