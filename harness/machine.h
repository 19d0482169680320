/* SPDX-License-Identifier: MIT */
/* machine.h - the machine fingerprint and capability probes. */
#ifndef IPCB_MACHINE_H
#define IPCB_MACHINE_H

#include <jansson.h>
#include <stddef.h>

#include "ipcbench.h"

/* Capability probes; each returns 1 if usable, 0 if not with the precise reason in why (ipcb_have_pku: ipcbench.h). */
int ipcb_have_io_uring(char *why, size_t len);	   /* io_uring_queue_init works */
int ipcb_have_perf_counters(char *why, size_t len); /* perf_event_open of HW cycles */
int ipcb_have_kmod(char *why, size_t len);	   /* /dev/ipcbench opens */
int ipcb_have_invariant_tsc(void);		   /* CPUID 0x80000007 EDX[8] */
/* The hypervisor vendor (CPUID 0x40000000) or "none"; writes into buf. */
const char *ipcb_hypervisor(char *buf, size_t len);

/*
 * The fingerprint object of the JSON schema ("machine"): hostname, cpu_model,
 * vendor, microcode, tsc_hz, timer {...}, cpus, affinity, topology, kernel,
 * mitigations {name: text}, governor, turbo, smt, hypervisor, loadavg,
 * features {pku, ospke, io_uring, perf_counters, kmod, invariant_tsc} where
 * each feature is {"available": bool, "reason": "..."}, and system (see
 * system.h: cpufreq, turbo, cpuidle, IRQs, PM QoS ... and a check per item).
 * The timer fields are filled in by the caller (it owns the timer).
 */
json_t *ipcb_machine_json(void);

/*
 * Warnings about what distorts numbers, one string each, appended to arr:
 * a hypervisor, a governor other than performance, turbo on, load average
 * above 0.5 per CPU, fewer than 2 CPUs, SMT siblings present, and a machine
 * not tuned (machine.system: governor, turbo or idle states) with how to tune it.
 */
void ipcb_machine_warnings(const json_t *machine, json_t *arr);

#endif
