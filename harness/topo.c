// SPDX-License-Identifier: MIT
/*
 * topo.c - hwloc topology: named placements of two threads, pinning.
 *
 * The topology is loaded once (ms to seconds on big machines) and every
 * placement is chosen up front, so nothing here runs inside a timed region.
 * The affinity mask is read with sched_getaffinity(), not nproc: under
 * taskset, cgroups or a container the allowed CPUs are a subset of the
 * online ones, and a placement must only use CPUs we may run on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "topo.h"
#include "ipcbench.h"

#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index-aligned with ipcb_placement_names, most local first. */
enum relation {
	REL_SAME_CPU,
	REL_SMT_SIBLING,
	REL_SAME_CACHE,
	REL_CROSS_CACHE,
	REL_CROSS_NUMA,
	REL_COUNT,
};

const char *const ipcb_placement_names[] = {
	[REL_SAME_CPU] = "same-cpu",
	[REL_SMT_SIBLING] = "smt-sibling",
	[REL_SAME_CACHE] = "same-cache",
	[REL_CROSS_CACHE] = "cross-cache",
	[REL_CROSS_NUMA] = "cross-numa",
	[REL_COUNT] = NULL,
};

#define TOPO_ERR_LEN 256

struct topo_state {
	int affinity_read;	/* cpus[] holds the affinity mask */
	int *cpus;		/* allowed OS CPU ids, ascending */
	int ncpus;
	int load_tried;		/* a failed hwloc load is not retried: it is slow */
	hwloc_topology_t topo;	/* NULL unless loaded */
	char *xml;		/* load from this hwloc XML (the manager's) instead of discovering */
	int xml_len;
	char fail[TOPO_ERR_LEN]; /* why topo is NULL */
	int have_pair[REL_COUNT];
	int pair[REL_COUNT][2];
};

static struct topo_state st;
static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;

static void set_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void set_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st.fail, sizeof(st.fail), fmt, ap);
	va_end(ap);
}

/* Writes "0-3,8" style lists; truncates with "..." rather than failing. */
static void format_cpulist(const int *ids, int n, char *buf, size_t len)
{
	size_t used = 0;
	int i = 0, j, w;

	if (!len)
		return;
	buf[0] = '\0';
	while (i < n) {
		for (j = i; j + 1 < n && ids[j + 1] == ids[j] + 1; j++)
			;
		if (j > i)
			w = snprintf(buf + used, len - used, "%s%d-%d",
				     used ? "," : "", ids[i], ids[j]);
		else
			w = snprintf(buf + used, len - used, "%s%d",
				     used ? "," : "", ids[i]);
		if (w < 0 || (size_t)w >= len - used) {
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += w;
		i = j + 1;
	}
}

static void format_size(unsigned long long bytes, char *buf, size_t len)
{
	if (bytes && !(bytes % (1ULL << 30)))
		snprintf(buf, len, "%llu GiB", bytes >> 30);
	else if (bytes && !(bytes % (1ULL << 20)))
		snprintf(buf, len, "%llu MiB", bytes >> 20);
	else if (bytes && !(bytes % (1ULL << 10)))
		snprintf(buf, len, "%llu KiB", bytes >> 10);
	else
		snprintf(buf, len, "%llu B", bytes);
}

/*
 * The kernel refuses a mask shorter than its own cpumask (EINVAL), and that
 * size is not known in advance on machines with more than CPU_SETSIZE CPUs:
 * grow until it fits.
 */
static cpu_set_t *affinity_get(int *ncpu_out, size_t *size_out)
{
	cpu_set_t *set;
	size_t size;
	int ncpu, err;

	for (ncpu = CPU_SETSIZE; ncpu <= (1 << 22); ncpu *= 2) {
		set = CPU_ALLOC(ncpu);
		if (!set) {
			set_fail("sched_getaffinity: out of memory");
			return NULL;
		}
		size = CPU_ALLOC_SIZE(ncpu);
		if (sched_getaffinity(0, size, set) == 0) {
			*ncpu_out = ncpu;
			*size_out = size;
			return set;
		}
		err = errno;
		CPU_FREE(set);
		if (err != EINVAL) {
			set_fail("sched_getaffinity: %s", strerror(err));
			return NULL;
		}
	}
	set_fail("sched_getaffinity: the kernel's CPU mask is larger than %d CPUs",
		 1 << 22);
	return NULL;
}

static int affinity_load(void)
{
	cpu_set_t *set;
	size_t size;
	int ncpu, count, i, n = 0;

	set = affinity_get(&ncpu, &size);
	if (!set)
		return -1;
	count = CPU_COUNT_S(size, set);
	st.cpus = calloc(count ? count : 1, sizeof(*st.cpus));
	if (!st.cpus) {
		CPU_FREE(set);
		set_fail("affinity: out of memory");
		return -1;
	}
	for (i = 0; i < ncpu && n < count; i++)
		if (CPU_ISSET_S(i, size, set))
			st.cpus[n++] = i;
	CPU_FREE(set);
	st.ncpus = n;
	st.affinity_read = 1;
	return 0;
}

static int cmp_int(const void *a, const void *b);

/* IPCBENCH_TOPOLOGY=FILE.xml, or NULL: another machine's topology, to plan for it. */
static const char *simulated_xml(void)
{
	const char *xml = getenv("IPCBENCH_TOPOLOGY");

	return xml && xml[0] ? xml : NULL;
}

int ipcb_topo_simulated(char *what, size_t len)
{
	static const char *const vars[] = { "IPCBENCH_TOPOLOGY", "HWLOC_XMLFILE", "HWLOC_SYNTHETIC", NULL };
	const char *v, *thissystem = getenv("HWLOC_THISSYSTEM");
	int i;

	for (i = 0; vars[i]; i++) {
		v = getenv(vars[i]);
		/* hwloc's own variables describe this machine only when HWLOC_THISSYSTEM=1 says so */
		if (!v || !v[0] || (i > 0 && thissystem && !strcmp(thissystem, "1")))
			continue;
		if (what && len)
			snprintf(what, len, "%s=%s", vars[i], v);
		return 1;
	}
	return 0;
}

/*
 * A simulated machine: every PU of the XML counts as allowed. Intersecting
 * it with this process's mask would give this machine's CPU ids that
 * machine's relations (a 2-CPU VM's CPUs 0,1 "smt-sibling" in a c6420).
 */
static int simulated_cpus(void)
{
	int n = hwloc_get_nbobjs_by_type(st.topo, HWLOC_OBJ_PU), i = 0;
	hwloc_obj_t pu = NULL;

	st.cpus = calloc(n > 0 ? (size_t)n : 1, sizeof(*st.cpus));
	if (!st.cpus) {
		set_fail("IPCBENCH_TOPOLOGY: out of memory");
		return -1;
	}
	while ((pu = hwloc_get_next_obj_by_type(st.topo, HWLOC_OBJ_PU, pu)) && i < n)
		st.cpus[i++] = (int)pu->os_index;
	qsort(st.cpus, (size_t)i, sizeof(*st.cpus), cmp_int);
	st.ncpus = i;
	st.affinity_read = 1;
	return 0;
}

static int hwloc_load(void)
{
	hwloc_topology_t topo;
	unsigned int api = hwloc_get_api_version();
	const char *xml = simulated_xml();

	/* The ABI changes with the major version: a mismatch misreads objects. */
	if ((api >> 16) != (HWLOC_API_VERSION >> 16)) {
		set_fail("hwloc library API 0x%x does not match the headers (0x%x)",
			 api, (unsigned int)HWLOC_API_VERSION);
		return -1;
	}
	if (hwloc_topology_init(&topo) < 0) {
		set_fail("hwloc_topology_init: %s", strerror(errno));
		return -1;
	}
	if (xml && (hwloc_topology_set_xml(topo, xml) < 0 ||
		    hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) < 0)) {
		set_fail("IPCBENCH_TOPOLOGY=%s: %s", xml, strerror(errno));
		hwloc_topology_destroy(topo);
		return -1;
	}
	/* a worker process: the manager's topology of this same machine, so binding still applies */
	if (!xml && st.xml && (hwloc_topology_set_xmlbuffer(topo, st.xml, st.xml_len) < 0 ||
			       hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM) < 0)) {
		set_fail("hwloc: cannot load the manager's topology XML: %s", strerror(errno));
		hwloc_topology_destroy(topo);
		return -1;
	}
	if (hwloc_topology_load(topo) < 0) {
		set_fail("%s%s%s: %s", xml ? "IPCBENCH_TOPOLOGY=" : "", xml ? xml : "",
			 xml ? " (an hwloc XML)" : "hwloc_topology_load", strerror(errno));
		hwloc_topology_destroy(topo);
		return -1;
	}
	st.topo = topo;
	return 0;
}

static hwloc_obj_t pu_of(int cpu)
{
	if (!st.topo || cpu < 0)
		return NULL;
	return hwloc_get_pu_obj_by_os_index(st.topo, (unsigned int)cpu);
}

/* Some platforms expose no Core objects: then each PU is its own core. */
static hwloc_obj_t core_of(hwloc_obj_t pu)
{
	hwloc_obj_t core;

	core = hwloc_get_ancestor_obj_by_type(st.topo, HWLOC_OBJ_CORE, pu);
	return core ? core : pu;
}

/*
 * The NUMA node a PU allocates from by default: the first memory child of
 * the nearest ancestor that has memory attached (through any memory-side
 * cache). Comparing nodesets instead would call two sockets "same node"
 * when both see a CPU-less (CXL, HBM) node.
 */
static hwloc_obj_t numa_of(hwloc_obj_t pu)
{
	hwloc_obj_t obj, mem;

	for (obj = pu; obj; obj = obj->parent) {
		if (!obj->memory_arity)
			continue;
		mem = obj->memory_first_child;
		while (mem && mem->type != HWLOC_OBJ_NUMANODE)
			mem = mem->memory_first_child;
		if (mem)
			return mem;
	}
	return NULL;
}

/* The smallest data or unified cache holding both objects, or NULL. */
static hwloc_obj_t shared_cache(hwloc_obj_t a, hwloc_obj_t b)
{
	hwloc_obj_t obj;

	for (obj = hwloc_get_common_ancestor_obj(st.topo, a, b); obj;
	     obj = obj->parent)
		if (hwloc_obj_type_is_dcache(obj->type))
			return obj;
	return NULL;
}

static enum relation relation_of(hwloc_obj_t pa, hwloc_obj_t pb)
{
	if (pa == pb)
		return REL_SAME_CPU;
	if (core_of(pa) == core_of(pb))
		return REL_SMT_SIBLING;
	/* A cache spanning two nodes (sub-NUMA clustering) is still remote memory. */
	if (numa_of(pa) != numa_of(pb))
		return REL_CROSS_NUMA;
	if (shared_cache(pa, pb))
		return REL_SAME_CACHE;
	return REL_CROSS_CACHE;
}

static int touches_cpu0(const int pair[2])
{
	return pair[0] == 0 || pair[1] == 0;
}

/* CPU 0 takes more interrupts and housekeeping: prefer pairs without it. */
static void offer_pair(enum relation rel, int a, int b)
{
	int cand[2] = { a, b };

	if (st.have_pair[rel] &&
	    (!touches_cpu0(st.pair[rel]) || touches_cpu0(cand)))
		return;
	st.pair[rel][0] = a;
	st.pair[rel][1] = b;
	st.have_pair[rel] = 1;
}

static void placements_compute(void)
{
	hwloc_obj_t pa, pb;
	int i, j;

	memset(st.have_pair, 0, sizeof(st.have_pair));
	if (st.ncpus > 0) {
		/* The same CPU a single-thread benchmark uses. */
		offer_pair(REL_SAME_CPU, st.cpus[st.ncpus - 1],
			   st.cpus[st.ncpus - 1]);
	}
	if (!st.topo)
		return;
	for (i = 0; i < st.ncpus; i++) {
		pa = pu_of(st.cpus[i]);
		if (!pa)
			continue;
		for (j = i + 1; j < st.ncpus; j++) {
			pb = pu_of(st.cpus[j]);
			if (!pb || pb == pa)
				continue;
			offer_pair(relation_of(pa, pb), st.cpus[i], st.cpus[j]);
		}
	}
}

static int topo_init_locked(void)
{
	if (simulated_xml()) {
		if (!st.load_tried) {
			st.load_tried = 1;
			if (hwloc_load() == 0 && simulated_cpus() == 0)
				placements_compute();
		}
		return st.topo && st.affinity_read ? 0 : -1;
	}
	if (!st.affinity_read && affinity_load() < 0)
		return -1;
	if (!st.load_tried) {
		st.load_tried = 1;
		hwloc_load();
		placements_compute();
	}
	return st.topo ? 0 : -1;
}

int ipcb_topo_init(char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&st_lock);
	rc = topo_init_locked();
	if (rc && err && errlen)
		snprintf(err, errlen, "%s", st.fail);
	pthread_mutex_unlock(&st_lock);
	return rc;
}

static void topo_ensure(void);

int ipcb_topo_export_xml(char **xml, int *len)
{
	topo_ensure();
	if (!st.topo || hwloc_topology_export_xmlbuffer(st.topo, xml, len, 0) < 0)
		return -1;
	return 0;
}

void ipcb_topo_xml_free(char *xml)
{
	if (st.topo && xml)
		hwloc_free_xmlbuffer(st.topo, xml);
}

int ipcb_topo_import_xml(const char *xml, int len)
{
	pthread_mutex_lock(&st_lock);
	free(st.xml);
	st.xml = malloc((size_t)len + 1);
	if (st.xml) {
		memcpy(st.xml, xml, (size_t)len);
		st.xml[len] = '\0';
		st.xml_len = len;
	}
	pthread_mutex_unlock(&st_lock);
	return st.xml ? 0 : -1;
}

void ipcb_topo_fini(void)
{
	pthread_mutex_lock(&st_lock);
	if (st.topo)
		hwloc_topology_destroy(st.topo);
	free(st.xml);
	free(st.cpus);
	memset(&st, 0, sizeof(st));
	pthread_mutex_unlock(&st_lock);
}

/* The accessors load lazily, so a caller that skipped init still works. */
static void topo_ensure(void)
{
	ipcb_topo_init(NULL, 0);
}

int ipcb_topo_ncpus(void)
{
	topo_ensure();
	return st.ncpus;
}

int ipcb_topo_cpu(int i)
{
	topo_ensure();
	if (i < 0 || i >= st.ncpus)
		return -1;
	return st.cpus[i];
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int ipcb_topo_cpu_allowed(int cpu)
{
	topo_ensure();
	if (cpu < 0 || !st.ncpus)
		return 0;
	return bsearch(&cpu, st.cpus, st.ncpus, sizeof(*st.cpus), cmp_int) != NULL;
}

int ipcb_topo_single_cpu(void)
{
	topo_ensure();
	return st.ncpus ? st.cpus[st.ncpus - 1] : -1;
}

static int find_rel(const char *name)
{
	int i;

	for (i = 0; i < REL_COUNT; i++)
		if (name && !strcmp(name, ipcb_placement_names[i]))
			return i;
	return -1;
}

void ipcb_topo_available(char *buf, size_t len)
{
	size_t used = 0;
	int i, w;

	topo_ensure();
	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < REL_COUNT; i++) {
		if (!st.have_pair[i])
			continue;
		w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     ipcb_placement_names[i]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += w;
	}
	if (!used)
		snprintf(buf, len, "none");
}

static int count_type(hwloc_obj_type_t type)
{
	int n = hwloc_get_nbobjs_by_type(st.topo, type);

	return n < 0 ? 0 : n;
}

/* Distinct cores among the allowed CPUs. */
static int allowed_cores(void)
{
	hwloc_obj_t core, prev;
	int i, j, n = 0;

	for (i = 0; i < st.ncpus; i++) {
		if (!pu_of(st.cpus[i]))
			continue;
		core = core_of(pu_of(st.cpus[i]));
		for (j = 0; j < i; j++) {
			prev = pu_of(st.cpus[j]);
			if (prev && core_of(prev) == core)
				break;
		}
		if (j == i)
			n++;
	}
	return n;
}

/* 1 if some NUMA node holds two allowed CPUs on different cores. */
static int node_has_two_cores(void)
{
	hwloc_obj_t pa, pb;
	int i, j;

	for (i = 0; i < st.ncpus; i++) {
		pa = pu_of(st.cpus[i]);
		for (j = i + 1; pa && j < st.ncpus; j++) {
			pb = pu_of(st.cpus[j]);
			if (pb && core_of(pa) != core_of(pb) &&
			    numa_of(pa) == numa_of(pb))
				return 1;
		}
	}
	return 0;
}

/* A cache shared by every allowed CPU, to name it when it rules out cross-cache. */
static hwloc_obj_t cache_over_allowed(void)
{
	hwloc_obj_t anc = NULL, pu;
	int i;

	for (i = 0; i < st.ncpus; i++) {
		pu = pu_of(st.cpus[i]);
		if (!pu)
			continue;
		anc = anc ? hwloc_get_common_ancestor_obj(st.topo, anc, pu) : pu;
	}
	for (; anc; anc = anc->parent)
		if (hwloc_obj_type_is_dcache(anc->type))
			return anc;
	return NULL;
}

static void why_one_cpu(char *buf, size_t len, const char *cpulist)
{
	snprintf(buf, len, "only CPU %s is allowed (affinity mask)", cpulist);
}

static void why_smt(char *buf, size_t len, const char *cpulist)
{
	int cores = count_type(HWLOC_OBJ_CORE), pus = count_type(HWLOC_OBJ_PU);

	if (!cores || cores >= pus)
		snprintf(buf, len,
			 "this machine has 1 PU per core (SMT off or absent)");
	else if (st.ncpus < 2)
		why_one_cpu(buf, len, cpulist);
	else
		snprintf(buf, len,
			 "no two allowed CPUs (%s) are hardware threads of one core",
			 cpulist);
}

static void why_cache(enum relation rel, char *buf, size_t len,
		      const char *cpulist)
{
	hwloc_obj_t cache;
	char size[32];

	if (count_type(HWLOC_OBJ_CORE) == 1 || count_type(HWLOC_OBJ_PU) == 1) {
		snprintf(buf, len, "this machine has 1 core");
	} else if (st.ncpus < 2) {
		why_one_cpu(buf, len, cpulist);
	} else if (allowed_cores() < 2) {
		snprintf(buf, len, "the allowed CPUs (%s) are all on one core",
			 cpulist);
	} else if (!node_has_two_cores()) {
		snprintf(buf, len,
			 "no NUMA node holds two allowed cores (CPUs %s)", cpulist);
	} else if (rel == REL_SAME_CACHE) {
		snprintf(buf, len,
			 "no two allowed cores in one NUMA node share an L2 or L3 cache");
	} else if ((cache = cache_over_allowed())) {
		format_size(cache->attr->cache.size, size, sizeof(size));
		snprintf(buf, len,
			 "every allowed core shares one L%u cache (%s)",
			 cache->attr->cache.depth, size);
	} else {
		snprintf(buf, len,
			 "every two allowed cores in one NUMA node share a cache");
	}
}

static void why_numa(char *buf, size_t len, const char *cpulist)
{
	int nodes = count_type(HWLOC_OBJ_NUMANODE);

	if (nodes <= 1)
		snprintf(buf, len, "this machine has %d NUMA node", nodes);
	else
		snprintf(buf, len,
			 "the allowed CPUs (%s) lie in one NUMA node (of %d)",
			 cpulist, nodes);
}

static void why_missing(enum relation rel, char *buf, size_t len)
{
	char cpulist[128];

	format_cpulist(st.cpus, st.ncpus, cpulist, sizeof(cpulist));
	if (!st.affinity_read || !st.ncpus) {
		snprintf(buf, len, "no allowed CPU (%s)",
			 st.affinity_read ? "empty affinity mask" : st.fail);
		return;
	}
	if (!st.topo) {
		snprintf(buf, len, "the hwloc topology is not loaded (%s)",
			 st.fail);
		return;
	}
	switch (rel) {
	case REL_SMT_SIBLING:
		why_smt(buf, len, cpulist);
		break;
	case REL_SAME_CACHE:
	case REL_CROSS_CACHE:
		why_cache(rel, buf, len, cpulist);
		break;
	case REL_CROSS_NUMA:
		why_numa(buf, len, cpulist);
		break;
	default:
		snprintf(buf, len, "no allowed CPU");
		break;
	}
}

int ipcb_topo_placement(const char *name, int cpus[2], char *why, size_t whylen)
{
	char avail[128], reason[TOPO_ERR_LEN + 256];
	int rel;

	topo_ensure();
	ipcb_topo_available(avail, sizeof(avail));
	rel = find_rel(name);
	if (rel < 0) {
		snprintf(why, whylen,
			 "unknown placement '%s'; valid: same-cpu, smt-sibling, same-cache, cross-cache, cross-numa; available here: %s",
			 name ? name : "(null)", avail);
		return -1;
	}
	if (!st.have_pair[rel]) {
		why_missing(rel, reason, sizeof(reason));
		snprintf(why, whylen, "no %s pair: %s; available here: %s",
			 name, reason, avail);
		return -1;
	}
	cpus[0] = st.pair[rel][0];
	cpus[1] = st.pair[rel][1];
	return 0;
}

/* "unknown" rather than NULL when a CPU is not in the topology: callers print it. */
const char *ipcb_topo_relation(int a, int b)
{
	hwloc_obj_t pa, pb;

	topo_ensure();
	if (a >= 0 && a == b)
		return ipcb_placement_names[REL_SAME_CPU];
	pa = pu_of(a);
	pb = pu_of(b);
	if (!pa || !pb)
		return "unknown";
	return ipcb_placement_names[relation_of(pa, pb)];
}

/*
 * Placement names depend on the topology (one VM's closest pair of cores
 * shares an L3, another's shares nothing); a role means the same on every
 * machine, so results from two machines can be matched on it.
 */
const char *ipcb_topo_role(const char *placement)
{
	int rel, r, nearest = -1, farthest = -1;

	topo_ensure();
	rel = find_rel(placement);
	if (rel == REL_SAME_CPU || rel == REL_SMT_SIBLING)
		return ipcb_placement_names[rel];
	for (r = REL_SAME_CACHE; r < REL_COUNT; r++) {
		if (!st.have_pair[r])
			continue;
		if (nearest < 0)
			nearest = r;
		farthest = r;
	}
	if (rel < 0 || (rel != nearest && rel != farthest))
		return NULL;
	return rel == nearest ? "nearest-core" : "farthest";
}

/*
 * Where a team of N threads goes. Each allowed CPU gets a sort key from its
 * package, its core's rank in the package, its rank among the core's
 * hardware threads (SMT siblings come after every core has one thread), and
 * whether its core holds CPU 0 (which takes more interrupts: used last).
 */
struct team_slot {
	int cpu, key[4];
};

static int package_of(hwloc_obj_t pu)
{
	hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(st.topo, HWLOC_OBJ_PACKAGE, pu);

	return pkg ? (int)pkg->logical_index : 0;
}

/* The rank of cpu among the CPUs of set (0: the first). */
static int rank_in(hwloc_const_bitmap_t set, int cpu)
{
	int id, r = 0;

	hwloc_bitmap_foreach_begin(id, set) {
		if (id == cpu)
			break;
		r++;
	}
	hwloc_bitmap_foreach_end();
	return r;
}

static int cmp_slot(const void *pa, const void *pb)
{
	const struct team_slot *a = pa, *b = pb;
	int i;

	for (i = 0; i < 4; i++)
		if (a->key[i] != b->key[i])
			return a->key[i] - b->key[i];
	return a->cpu - b->cpu;
}

static void slot_fill(struct team_slot *s, const char *fill)
{
	hwloc_obj_t pu = pu_of(s->cpu), core = pu ? core_of(pu) : NULL;
	int pkg = pu ? package_of(pu) : 0, sib = core && core != pu ? rank_in(core->cpuset, s->cpu) : 0;
	int cpu0 = core && core != pu ? hwloc_bitmap_isset(core->cpuset, 0) : s->cpu == 0;
	int core_rank = 0;
	hwloc_obj_t c;

	/* the core's rank within its package */
	for (c = core ? core->prev_cousin : NULL; c; c = c->prev_cousin)
		core_rank += hwloc_get_ancestor_obj_by_type(st.topo, HWLOC_OBJ_PACKAGE, c) ==
			     hwloc_get_ancestor_obj_by_type(st.topo, HWLOC_OBJ_PACKAGE, core);
	if (fill && strcmp(fill, "socket") == 0) {
		int k[4] = { pkg, sib, cpu0, core_rank };

		memcpy(s->key, k, sizeof(k));
	} else if (fill && strcmp(fill, "spread") == 0) {
		int k[4] = { sib, cpu0, core_rank, pkg };

		memcpy(s->key, k, sizeof(k));
	} else {
		int k[4] = { sib, pkg, cpu0, core_rank };

		memcpy(s->key, k, sizeof(k));
	}
}

int ipcb_topo_team(const char *fill, int *out, int max)
{
	struct team_slot *slots;
	int i;

	topo_ensure();
	if (!st.ncpus || max <= 0)
		return 0;
	slots = calloc((size_t)st.ncpus, sizeof(*slots));
	if (!slots)
		return 0;
	for (i = 0; i < st.ncpus; i++) {
		slots[i].cpu = st.cpus[i];
		if (st.topo)
			slot_fill(&slots[i], fill);
	}
	qsort(slots, (size_t)st.ncpus, sizeof(*slots), cmp_slot);
	/* more threads than CPUs (--oversubscribe): round robin over the same order */
	for (i = 0; i < max; i++)
		out[i] = slots[i % st.ncpus].cpu;
	free(slots);
	return max;
}

static int pin_hwloc(int cpu)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int rc, err = 0;

	if (!set)
		return -ENOMEM;
	if (hwloc_bitmap_only(set, (unsigned int)cpu) < 0) {
		hwloc_bitmap_free(set);
		return -ENOMEM;
	}
	rc = hwloc_set_cpubind(st.topo, set, HWLOC_CPUBIND_THREAD);
	if (rc < 0)
		err = errno ? errno : EINVAL;
	hwloc_bitmap_free(set);
	return -err;
}

static int pin_pthread(int cpu)
{
	cpu_set_t *set = CPU_ALLOC(cpu + 1);
	size_t size = CPU_ALLOC_SIZE(cpu + 1);
	int err;

	if (!set)
		return -ENOMEM;
	CPU_ZERO_S(size, set);
	CPU_SET_S(cpu, size, set);
	/* pthread_* return the error number; they do not set errno. */
	err = pthread_setaffinity_np(pthread_self(), size, set);
	CPU_FREE(set);
	return -err;
}

/*
 * Never loads the topology itself: pinning happens in benchmark threads,
 * and a multi-second hwloc load there would be both slow and racy.
 */
int ipcb_pin_self(int cpu)
{
	if (cpu < 0)
		return -EINVAL;
	/* A topology from HWLOC_XMLFILE/HWLOC_SYNTHETIC would bind nothing. */
	if (st.topo && hwloc_topology_is_thissystem(st.topo))
		return pin_hwloc(cpu);
	return pin_pthread(cpu);
}

static json_t *cpuset_json(hwloc_const_cpuset_t set)
{
	json_t *arr = json_array();
	int id;

	if (!arr)
		return NULL;
	hwloc_bitmap_foreach_begin(id, set)
		json_array_append_new(arr, json_integer(id));
	hwloc_bitmap_foreach_end();
	return arr;
}

static const char *cache_type_name(hwloc_obj_cache_type_t type)
{
	switch (type) {
	case HWLOC_OBJ_CACHE_DATA:
		return "data";
	case HWLOC_OBJ_CACHE_INSTRUCTION:
		return "instruction";
	default:
		return "unified";
	}
}

static json_t *caches_json(void)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE,
		HWLOC_OBJ_L2ICACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE,
		HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	json_t *arr = json_array();
	hwloc_obj_t obj;
	size_t t;

	if (!arr)
		return NULL;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		obj = NULL;
		while ((obj = hwloc_get_next_obj_by_type(st.topo, types[t], obj)))
			json_array_append_new(arr, json_pack("{s:I,s:s,s:I,s:o*}",
				"level", (json_int_t)obj->attr->cache.depth,
				"type", cache_type_name(obj->attr->cache.type),
				"size", (json_int_t)obj->attr->cache.size,
				"cpus", cpuset_json(obj->cpuset)));
	}
	return arr;
}

static json_t *placements_json(void)
{
	json_t *obj = json_object();
	int i;

	if (!obj)
		return NULL;
	for (i = 0; i < REL_COUNT; i++)
		json_object_set_new(obj, ipcb_placement_names[i],
			st.have_pair[i] ? json_pack("[i,i]", st.pair[i][0],
						    st.pair[i][1])
					: json_null());
	return obj;
}

static json_t *allowed_json(void)
{
	json_t *arr = json_array();
	int i;

	if (!arr)
		return NULL;
	for (i = 0; i < st.ncpus; i++)
		json_array_append_new(arr, json_integer(st.cpus[i]));
	return arr;
}

/* NULL when the topology could not be loaded; ipcb_topo_init says why. */
json_t *ipcb_topo_json(void)
{
	topo_ensure();
	if (!st.topo)
		return NULL;
	return json_pack("{s:i,s:i,s:i,s:i,s:o*,s:o*,s:o*}",
			 "packages", count_type(HWLOC_OBJ_PACKAGE),
			 "numa_nodes", count_type(HWLOC_OBJ_NUMANODE),
			 "cores", count_type(HWLOC_OBJ_CORE),
			 "pus", count_type(HWLOC_OBJ_PU),
			 "allowed_cpus", allowed_json(),
			 "caches", caches_json(),
			 "placements", placements_json());
}
