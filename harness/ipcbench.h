/* SPDX-License-Identifier: MIT */
/*
 * ipcbench.h - the contract between the harness and the benchmark families.
 *
 * A benchmark is data plus a body. A family file (bench/<family>.c) declares
 * a const table of struct ipcb_bench and one struct ipcb_family; the harness
 * owns timing, pinning, statistics and output. A body never reads a clock,
 * prints or exits: it does exactly `iters` operations.
 */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#include <stddef.h>
#include <stdint.h>

#define IPCB_MAX_PARAMS 8
#define IPCB_MAX_NOTES 8
#define IPCB_WHY_LEN 256
#define IPCB_NOTE_LEN 320

/* Keep the compiler from deleting a value or a loop. */
#define ipcb_keep(v) __asm__ volatile("" : : "r"(v) : "memory")
#define ipcb_barrier() __asm__ volatile("" : : : "memory")

/* A declared knob of a benchmark: integer valued, with a default. */
struct ipcb_param {
	const char *name; /* "size", "batch", ... */
	int64_t def;
	const char *what; /* one line for `ipcbench list -v` */
};

struct ipcb_ctx;

struct ipcb_bench {
	const char *id;		  /* "family/name", fnmatch-able */
	const char *what;	  /* one line for `ipcbench list` */
	const char *unit_of_work; /* "lock+unlock", "round trip", "syscall" */
	int nthreads;		  /* 1, or 2 (a peer pinned by placement) */
	int spins;		  /* busy-waits: refuses the same-cpu placement */
	const struct ipcb_param *params; /* NULL-name terminated, or NULL */
	/* 0 if it can run here; otherwise -1 and the precise reason in why */
	int (*supported)(const struct ipcb_ctx *ctx, char *why, size_t whylen);
	/* 0 ok; -1 with ctx->why set: the result is `skipped` */
	int (*setup)(struct ipcb_ctx *ctx);
	/* the timed loop: exactly iters operations */
	void (*body)(struct ipcb_ctx *ctx, uint64_t iters);
	/* `ipcbench test`: 0 if the mechanism works, else -1 with ctx->why */
	int (*check)(struct ipcb_ctx *ctx);
	void (*teardown)(struct ipcb_ctx *ctx);
	/* a one-line explanation of what dominates the figure, or NULL */
	const char *note;
};

struct ipcb_family {
	const char *name; /* "lock" */
	const char *what;
	const struct ipcb_bench *benches; /* terminated by an entry with id NULL */
};

/* What a benchmark sees: its parameters, its CPUs, a place for its state. */
struct ipcb_ctx {
	const struct ipcb_bench *bench;
	int64_t params[IPCB_MAX_PARAMS]; /* in the order of bench->params */
	int cpus[2];			 /* cpus[0]: the measuring thread */
	const char *placement;		 /* placement name */
	int check_mode;			 /* 1 under `ipcbench test` */
	uint64_t check_iters;		 /* suggested size of a check */
	void *state;			 /* the benchmark's own */
	char why[IPCB_WHY_LEN];		 /* reason for skip or failure */
	int nnotes;
	char notes[IPCB_MAX_NOTES][IPCB_NOTE_LEN];
};

/* The value of a declared parameter (the default if not set). */
int64_t ipcb_param(const struct ipcb_ctx *ctx, const char *name);
/* Set ctx->why printf-style; returns -1 so callers can `return ipcb_fail()`. */
int ipcb_fail(struct ipcb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Add a note printf-style to the result. */
void ipcb_note(struct ipcb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Pin the calling thread to one OS CPU id. 0 on success, -errno on error. */
int ipcb_pin_self(int cpu);

#endif
