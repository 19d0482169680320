/* SPDX-License-Identifier: MIT */
/* system.h - the machine state under the numbers: system show|tune|reset, machine.system, --idle-latency. */
#ifndef IPCB_SYSTEM_H
#define IPCB_SYSTEM_H

#include <jansson.h>
#include <stddef.h>

/* Idle states that exit slower than this (µs) are what `system tune` disables and `show` flags. */
#define IPCB_SYSTEM_MAX_EXIT_US 10

/* Every sysfs/procfs path is read under this root: $IPCBENCH_SYSFS_ROOT, else "/". */
const char *ipcb_system_root(void);

/*
 * The facts of machine.system: cpufreq (driver, governor, limits), turbo,
 * cpuidle (driver, governor, every state), smt, isolation, irqs, thp, aslr,
 * perf_event_paranoid, nmi_watchdog, swap, loadavg, cpu_dma_latency_us,
 * idle_latency_hold_us while a hold is on, and "checks": one line per item,
 * {item, status: ok|advice|n/a|note, text, tunable}. A fact that cannot be
 * read is null beside a "<name>_reason".
 */
json_t *ipcb_system_json(void);

/* 1 when machine.system has a tunable item (governor, turbo, idle states) not tuned; their names in what. */
int ipcb_system_untuned(const json_t *system, char *what, size_t len);

/*
 * run --idle-latency US: remember the request (0, or -1 and why on a bad
 * value); ipcb_system_hold_idle_latency() then opens /dev/cpu_dma_latency
 * and writes it (a PM QoS request the kernel drops when the fd closes, at
 * exit at the latest). The fd is close-on-exec: workers do not inherit it.
 */
int ipcb_system_request_idle_latency(const char *arg, char *why, size_t len);
int ipcb_system_hold_idle_latency(char *why, size_t len); /* 0: held or none asked; -1: why */
void ipcb_system_release_idle_latency(void);

/* `ipcbench system show|tune|reset` */
int ipcb_cmd_system(int argc, char **argv);

#endif
