/* SPDX-License-Identifier: MIT */
/* topo.h - hwloc topology: named placements of two threads, pinning. */
#ifndef IPCB_TOPO_H
#define IPCB_TOPO_H

#include <jansson.h>
#include <stddef.h>

/* The placement names, most local first; NULL terminated. */
extern const char *const ipcb_placement_names[];
/* "same-cpu", "smt-sibling", "same-cache", "cross-cache", "cross-numa" */

/*
 * Load the hwloc topology once (costs ms to seconds: never inside timing)
 * and read the effective cpuset (sched_getaffinity). 0 on success, -1 with
 * a reason in err.
 */
int ipcb_topo_init(char *err, size_t errlen);
void ipcb_topo_fini(void);
/*
 * Hand the topology to a worker process: export it as hwloc XML (free with
 * ipcb_topo_xml_free), and import it there before anything loads the
 * topology; the worker then skips discovery but still binds threads.
 */
int ipcb_topo_export_xml(char **xml, int *len);
void ipcb_topo_xml_free(char *xml);
int ipcb_topo_import_xml(const char *xml, int len);

/*
 * 1 when the topology is not this machine's, its source ("IPCBENCH_TOPOLOGY=FILE")
 * in what: IPCBENCH_TOPOLOGY=FILE.xml (an hwloc XML; every CPU in it counts as
 * allowed), or HWLOC_XMLFILE/HWLOC_SYNTHETIC without HWLOC_THISSYSTEM=1. Good
 * for info, list and run --dry-run; a real run refuses it (wrong relations).
 */
int ipcb_topo_simulated(char *what, size_t len);

/* Number of CPUs we may run on (the affinity mask), and their OS ids. */
int ipcb_topo_ncpus(void);
int ipcb_topo_cpu(int i); /* i-th allowed OS CPU id, ascending */
/* 1 if the OS CPU id exists and is in our affinity mask. */
int ipcb_topo_cpu_allowed(int cpu);

/* The CPU for a single-thread benchmark: the last allowed CPU (CPU 0 tends to take more interrupts). */
int ipcb_topo_single_cpu(void);

/*
 * Choose two allowed CPUs whose relation is the named placement:
 *  same-cpu     both threads on one CPU
 *  smt-sibling  two hardware threads of one core
 *  same-cache   different cores sharing a cache (L2 or L3), same NUMA node
 *  cross-cache  different cores sharing no cache, same NUMA node
 *  cross-numa   different NUMA nodes
 * 0 and cpus[0..1] on success; -1 with the reason in why (unknown name, or
 * no such pair on this machine, saying what the machine has).
 */
int ipcb_topo_placement(const char *name, int cpus[2], char *why, size_t whylen);

/* The relation of two OS CPU ids, as one of the placement names. */
const char *ipcb_topo_relation(int a, int b);

/*
 * The role of a placement on this machine, the same on every machine:
 * "same-cpu", "smt-sibling", "nearest-core" (the closest pair of distinct
 * cores: same-cache where it exists, else cross-cache, else cross-numa),
 * "farthest" (the farthest such relation, when it differs), or NULL.
 */
const char *ipcb_topo_role(const char *placement);

/*
 * The CPUs of a team of max threads, in order, by fill: "core" (default: one
 * thread per physical core, package by package, SMT siblings only once
 * every core has one), "socket" (every hardware thread of a package before
 * the next), "spread" (the packages in turn). CPU 0's core comes last within
 * its package (a team that fits in that package's other cores never uses
 * it); past the allowed CPUs the order repeats. Returns max, or 0 when no
 * CPU is known (out[] then untouched).
 */
int ipcb_topo_team(const char *fill, int *out, int max);

/* Placements that exist here, as a comma-separated list, e.g. "same-cpu, same-cache". */
void ipcb_topo_available(char *buf, size_t len);

/*
 * A summary for the JSON and `ipcbench info`: packages, NUMA nodes, cores,
 * PUs, caches (level, size, which PUs share each), the allowed cpuset.
 */
json_t *ipcb_topo_json(void);

/* Pin the calling thread to one OS CPU id. 0 on success, -errno on error. */
int ipcb_pin_self(int cpu);
/* The i-th allowed OS CPU id, ascending, round robin past the last (e.g. to enumerate every CPU). */
int ipcb_cpu_for_thread(int i);

#endif
