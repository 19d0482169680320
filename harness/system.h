/* SPDX-License-Identifier: MIT */
/* system.h - the machine state under the numbers: machine.system, the actions of system show|tune|reset, --idle-latency. */
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

/* The files tune writes lie under here (and under /proc/irq/); reset writes no others. */
#define IPCB_SYSTEM_CPU_DIR "/sys/devices/system/cpu"

/* How an action of system show|tune|reset ended; cli/system.c makes it an exit code. */
enum ipcb_system_rc {
	IPCB_SYSTEM_OK,
	IPCB_SYSTEM_BAD_INPUT, /* a bad --cpus, a file that is not a saved state: nothing done */
	IPCB_SYSTEM_FAILED,    /* not root, a state already saved, a write that failed */
};

/* What system show|tune|reset act on. */
struct ipcb_system_opts {
	const char *cpus;  /* the benchmark CPUs as a list ("2-7"); NULL: the CPUs a run may use */
	const char *state; /* the saved state file */
	int max_us;	   /* idle states that exit slower than this (us) count as deep */
	int irqs;	   /* tune: route IRQs to the online CPUs outside cpus */
	int dry_run, force;
};

/* root + rel: the file an action reads or writes. */
void ipcb_system_path(char *buf, size_t len, const char *rel);

/* Where the saved state goes unless --state: one place for root, else $XDG_STATE_HOME. */
void ipcb_system_default_state(char *buf, size_t len);

/* show: machine.system for these CPUs (NULL: the run's), or NULL and why. */
json_t *ipcb_system_show(const char *cpus, int max_us, char *why, size_t len);

/* One file tune writes: what it held byte for byte, what tune writes, and how the write went. */
struct ipcb_system_change {
	char *rel;   /* the file, under the root */
	char *old;   /* what it held, byte for byte */
	char *want;  /* what tune writes */
	char *label; /* "governor cpu3" */
	size_t oldlen;
	char cur[64]; /* old, trimmed: what it shows */
	int err;  /* after the writes: 0, or the write's -errno */
	int kept; /* err, but the kernel keeps this IRQ's affinity: not a failure */
};

/* A line of the plan that changes no file: an item skipped and why, or a note. */
struct ipcb_system_note {
	char *item, *text;
	int skipped;
};

/* What tune will do: the changes, and the notes in the order they arose. */
struct ipcb_system_plan {
	char cpus[512]; /* the benchmark CPUs, as a list */
	struct ipcb_system_change *v;
	size_t n, cap;
	size_t changed; /* files that changed (or would): n until the writes, then those written */
	struct ipcb_system_note *notes;
	size_t nnotes;
	int skipped, already;
	char warning[1024]; /* after the writes: the saved state could not be rewritten, why */
};

/*
 * tune, first half: check (--cpus, root, no state saved already) and plan
 * the changes into p (zeroed by the caller, freed by ipcb_system_plan_free
 * whatever this returns); nothing is written.
 */
enum ipcb_system_rc ipcb_system_tune_plan(const struct ipcb_system_opts *o, struct ipcb_system_plan *p, char *why,
					  size_t len);
/*
 * tune, second half: save every old value to o->state, then write each change
 * (its err and kept say how it went). FAILED with why when the state cannot
 * be saved (nothing written), FAILED without when a write failed.
 */
enum ipcb_system_rc ipcb_system_tune_apply(const struct ipcb_system_opts *o, struct ipcb_system_plan *p, char *why,
					   size_t len);
void ipcb_system_plan_free(struct ipcb_system_plan *p);

/*
 * reset, first half: the saved state in o->state, checked (its schema, the
 * same root, root rights unless a dry run); OK with *state NULL when there is
 * none (nothing to restore).
 */
enum ipcb_system_rc ipcb_system_reset_load(const struct ipcb_system_opts *o, json_t **state, char *why, size_t len);

/* reset, last: the saved state removed once every file is back; 0 or -errno. */
int ipcb_system_drop_state(const struct ipcb_system_opts *o);

/* What writing one saved file back did. */
enum ipcb_restore {
	IPCB_RESTORE_DONE,	/* written back (or, in a dry run, would be) */
	IPCB_RESTORE_GONE,	/* an IRQ gone since or kernel-managed now: nothing to restore */
	IPCB_RESTORE_MALFORMED, /* the entry lacks its path or old contents */
	IPCB_RESTORE_REFUSED,	/* not a file tune writes */
	IPCB_RESTORE_FAILED,	/* the write failed: err */
};

struct ipcb_system_restore {
	const char *rel, *what; /* the file under the root; what it is ("governor cpu3") */
	char cur[64];		/* what it gets back, trimmed */
	char path[4096];	/* root + rel */
	int err;		/* -errno of the write */
};

/* reset, second half: write one entry of the state's "files" back (tune wrote them in order: go in reverse). */
enum ipcb_restore ipcb_system_restore_file(const json_t *f, int dry_run, struct ipcb_system_restore *r);

#endif
