// SPDX-License-Identifier: MIT
/*
 * pkey.c - what it costs to change who may touch memory: protection keys
 * (Intel MPK, AMD PKU) against mprotect and a syscall.
 *
 * A protection key tags pages (pkey_mprotect); the per-thread PKRU register
 * holds two bits per key, access-disable and write-disable, and is read and
 * written in user mode by RDPKRU and WRPKRU. A permission change is then one
 * unprivileged instruction, against a syscall that rewrites page-table
 * entries and flushes the TLB for mprotect.
 *
 * One operation is:
 *   rdpkru, wrpkru       one instruction (wrpkru writes back the value it has)
 *   *-toggle, pkey_mprotect, mprotect
 *                        one permission change, alternating access and
 *                        no-access for the same pages (a key, or a range)
 *   pkey_alloc-free      one pkey_alloc plus one pkey_free
 *   domain-switch-*      one round trip into a domain and out: open it, read
 *                        one byte of it, close it; done with WRPKRU, with
 *                        mprotect of the domain's pages, or (the floor of any
 *                        kernel-mediated design) a syscall round trip
 *
 * Every body and check goes through the same open/close primitives
 * (access_set), so what is measured is what is checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipcbench.h"
#include "ipcbench_explain.h"

#ifndef SEGV_PKUERR
#define SEGV_PKUERR 4
#endif

/* Two PKRU bits per key: bit 2k access-disable, bit 2k+1 write-disable. */
#define PKRU_SHIFT(key) (2 * (unsigned int)(key))
#define PKRU_MASK(key) (3u << PKRU_SHIFT(key))
#define MAX_PAGES (1 << 20)

/* ---- the PKRU register ---- */

#if defined(__x86_64__)
/* RDPKRU (0f 01 ee) needs ECX = 0; spelled in bytes for assemblers without it. */
static inline uint32_t pkru_read(void)
{
	uint32_t eax, edx;

	__asm__ volatile(".byte 0x0f,0x01,0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

/* WRPKRU (0f 01 ef) needs ECX = EDX = 0; memory accesses must not cross it. */
static inline void pkru_write(uint32_t pkru)
{
	__asm__ volatile(".byte 0x0f,0x01,0xef" : : "a"(pkru), "c"(0), "d"(0) : "memory");
}
#else
/* Never reached: pku_supported() refuses every other architecture. */
static inline uint32_t pkru_read(void)
{
	return 0;
}

static inline void pkru_write(uint32_t pkru)
{
	(void)pkru;
}
#endif

static int pku_supported(const struct ipcb_ctx *ctx, char *why, size_t len)
{
#if defined(__x86_64__)
	return ipcb_have_pku(why, len) ? 0 : -1;
#else
	snprintf(why, len, "not x86-64: RDPKRU/WRPKRU are x86-64 instructions");
	return -1;
#endif
}

/* ---- state: the domain's pages between two guard pages, and maybe a key ---- */

struct pkey_state {
	char *map;	  /* guard, pages, guard */
	char *pages;
	size_t len;	  /* bytes of pages */
	size_t page;
	int key;	  /* -1: no key */
	uint32_t pkru_saved;
	int open;	  /* the toggles' current direction */
};

/* How a domain is opened and closed. */
enum via {
	VIA_WRPKRU,	   /* the raw instruction, values precomputed */
	VIA_PKEY_SET,	   /* glibc's pkey_set: RDPKRU, mask, WRPKRU */
	VIA_PKEY_MPROTECT, /* rewrite the PTEs, keeping the key */
	VIA_MPROTECT,	   /* rewrite the PTEs */
	VIA_SYSCALL,	   /* no permission change: a syscall round trip */
};

static uint32_t pkru_with(const struct pkey_state *s, unsigned int rights)
{
	return (s->pkru_saved & ~PKRU_MASK(s->key)) | (rights << PKRU_SHIFT(s->key));
}

/*
 * Give the domain these PKEY_DISABLE_* rights (0: full access). Page-table
 * ways know only access or none. Inlined with a constant `via`, the switch
 * disappears from the timed loops.
 */
static inline __attribute__((always_inline)) int access_set(struct pkey_state *s, enum via via, unsigned int rights)
{
	int prot = rights & PKEY_DISABLE_ACCESS ? PROT_NONE :
		   rights & PKEY_DISABLE_WRITE	 ? PROT_READ :
						   PROT_READ | PROT_WRITE;

	switch (via) {
	case VIA_WRPKRU:
		pkru_write(pkru_with(s, rights));
		return 0;
	case VIA_PKEY_SET:
		return pkey_set(s->key, rights);
	case VIA_PKEY_MPROTECT:
		return pkey_mprotect(s->pages, s->len, prot, s->key);
	case VIA_MPROTECT:
		return mprotect(s->pages, s->len, prot);
	case VIA_SYSCALL:
		/* the domain is the kernel: entering is opening, returning is closing */
		if (rights & PKEY_DISABLE_ACCESS)
			return 0;
		return syscall(SYS_getpid) > 0 ? 0 : -1;
	}
	return -1;
}

static const char *const via_names[] = {
	[VIA_WRPKRU] = "WRPKRU",	 [VIA_PKEY_SET] = "pkey_set",	 [VIA_PKEY_MPROTECT] = "pkey_mprotect",
	[VIA_MPROTECT] = "mprotect", [VIA_SYSCALL] = "syscall(SYS_getpid)",
};

/* The "pages" parameter where the benchmark declares it, else one page. */
static int64_t pages_of(const struct ipcb_ctx *ctx)
{
	const struct ipcb_param *p;

	for (p = ctx->bench->params; p && p->name; p++)
		if (strcmp(p->name, "pages") == 0)
			return ipcb_param(ctx, "pages");
	return 1;
}

static void pkey_teardown(struct ipcb_ctx *ctx)
{
	struct pkey_state *s = ctx->state;

	if (!s)
		return;
	if (s->key >= 0) {
		pkru_write(s->pkru_saved);
		pkey_free(s->key);
	}
	if (s->map)
		munmap(s->map, s->len + 2 * s->page);
	free(s);
	ctx->state = NULL;
}

static int pkey_map_pages(struct ipcb_ctx *ctx, struct pkey_state *s, int want_key)
{
	int64_t npages = pages_of(ctx);

	s->len = (size_t)npages * s->page;
	/*
	 * PROT_NONE guards on both sides: a neighbour with the same protection
	 * would otherwise merge with the range and split off again at every
	 * toggle, adding VMA work that depends on what happens to be next door.
	 */
	s->map = mmap(NULL, s->len + 2 * s->page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		return ipcb_skip(ctx, "mmap of %zu bytes: %s", s->len + 2 * s->page, strerror(errno));
	}
	s->pages = s->map + s->page;
	if (mprotect(s->pages, s->len, PROT_READ | PROT_WRITE))
		return ipcb_skip(ctx, "mprotect: %s", strerror(errno));
	/* present pages: the toggles change permissions, they never fault pages in */
	memset(s->pages, 1, s->len);
	s->open = 1;
	if (!want_key)
		return 0;
	s->key = pkey_alloc(0, 0);
	if (s->key < 0)
		return ipcb_skip(ctx, "pkey_alloc: %s", errno == ENOSPC ? "no protection keys left" : strerror(errno));
	s->pkru_saved = pkru_read();
	if (pkey_mprotect(s->pages, s->len, PROT_READ | PROT_WRITE, s->key))
		return ipcb_skip(ctx, "pkey_mprotect(key %d): %s", s->key, strerror(errno));
	pkru_write(pkru_with(s, 0));
	return 0;
}

/* Teardown runs only after a successful setup: a failed one undoes itself. */
static int pkey_setup_pages(struct ipcb_ctx *ctx, int want_key)
{
	struct pkey_state *s = calloc(1, sizeof(*s));

	if (!s)
		return ipcb_skip(ctx, "out of memory");
	ctx->state = s;
	s->key = -1;
	s->page = (size_t)sysconf(_SC_PAGESIZE);
	if (pkey_map_pages(ctx, s, want_key)) {
		pkey_teardown(ctx);
		return -1;
	}
	return 0;
}

static int setup_key(struct ipcb_ctx *ctx)
{
	return pkey_setup_pages(ctx, 1);
}

static int setup_nokey(struct ipcb_ctx *ctx)
{
	return pkey_setup_pages(ctx, 0);
}

/* ---- bodies ---- */

static void rdpkru_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	(void)ctx;
	while (iters--)
		ipcb_keep(pkru_read());
}

static void wrpkru_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	uint32_t v = pkru_read();

	(void)ctx;
	while (iters--)
		pkru_write(v);
}

/* One permission change per operation, alternating, carried across calls. */
static inline __attribute__((always_inline)) void toggle_loop(struct ipcb_ctx *ctx, uint64_t iters, enum via via)
{
	struct pkey_state *s = ctx->state;

	while (iters--) {
		s->open ^= 1;
		if (access_set(s, via, s->open ? 0 : PKEY_DISABLE_ACCESS)) {
			ipcb_abort(ctx, "%s: %s", via_names[via], strerror(errno));
			return;
		}
	}
}

/* Open the domain, read one byte of it, close it. */
static inline __attribute__((always_inline)) void domain_loop(struct ipcb_ctx *ctx, uint64_t iters, enum via via)
{
	struct pkey_state *s = ctx->state;

	while (iters--) {
		if (access_set(s, via, 0)) {
			ipcb_abort(ctx, "%s (open): %s", via_names[via], strerror(errno));
			return;
		}
		ipcb_keep(*(volatile char *)s->pages);
		if (access_set(s, via, PKEY_DISABLE_ACCESS)) {
			ipcb_abort(ctx, "%s (close): %s", via_names[via], strerror(errno));
			return;
		}
	}
}

static void wrpkru_toggle_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	toggle_loop(ctx, iters, VIA_WRPKRU);
}

static void pkey_set_toggle_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	toggle_loop(ctx, iters, VIA_PKEY_SET);
}

static void pkey_mprotect_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	toggle_loop(ctx, iters, VIA_PKEY_MPROTECT);
}

static void mprotect_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	toggle_loop(ctx, iters, VIA_MPROTECT);
}

static void domain_wrpkru_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	domain_loop(ctx, iters, VIA_WRPKRU);
}

static void domain_mprotect_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	domain_loop(ctx, iters, VIA_MPROTECT);
}

static void domain_syscall_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	domain_loop(ctx, iters, VIA_SYSCALL);
}

static void alloc_free_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	while (iters--) {
		int key = pkey_alloc(0, 0);

		if (key < 0) {
			ipcb_abort(ctx, "pkey_alloc: %s", strerror(errno));
			return;
		}
		pkey_free(key);
	}
}

/* ---- checks: does the protection really hold, and does it let go ---- */

/*
 * What a probed access did. The SIGSEGV handler is installed only around the
 * access and jumps back out of the fault; the jump buffer and the siginfo
 * have to be file-scope for the handler to reach them.
 */
struct probe_fault {
	int code;
	int pkey;
	void *addr;
};

static sigjmp_buf probe_env;
static struct probe_fault probe_seen;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	probe_seen.code = si->si_code;
	probe_seen.pkey = si->si_code == SEGV_PKUERR ? (int)si->si_pkey : -1;
	probe_seen.addr = si->si_addr;
	siglongjmp(probe_env, 1);
}

/* 1 if the access raised SIGSEGV (details in *f), 0 if it went through, -1 on error. */
static int probe_access(volatile char *addr, int write, struct probe_fault *f)
{
	struct sigaction sa, old;
	int faulted;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old))
		return -1;
	faulted = sigsetjmp(probe_env, 1);
	if (!faulted) {
		if (write)
			*addr = 2;
		else
			ipcb_keep(*addr);
	}
	sigaction(SIGSEGV, &old, NULL);
	*f = probe_seen;
	return faulted;
}

/* An access that must fault with this si_code (and key, for SEGV_PKUERR). */
static int expect_fault(struct ipcb_ctx *ctx, struct pkey_state *s, int write, int code, const char *what)
{
	uint32_t pkru = s->key >= 0 ? pkru_read() : 0;
	struct probe_fault f;
	int rc = probe_access(s->pages, write, &f);

	/* the kernel enters a handler with the default PKRU, and siglongjmp keeps it */
	if (s->key >= 0 && rc == 1)
		pkru_write(pkru);
	if (rc < 0)
		return ipcb_fail(ctx, "sigaction(SIGSEGV): %s", strerror(errno));
	if (rc == 0)
		return ipcb_fail(ctx, "%s: a %s went through", what, write ? "write" : "read");
	if (f.code != code)
		return ipcb_fail(ctx, "%s: SIGSEGV with si_code %d, expected %d", what, f.code, code);
	if (code == SEGV_PKUERR && f.pkey != s->key)
		return ipcb_fail(ctx, "%s: si_pkey %d, expected key %d", what, f.pkey, s->key);
	if (f.addr != (void *)s->pages)
		return ipcb_fail(ctx, "%s: si_addr %p, expected %p", what, f.addr, (void *)s->pages);
	return 0;
}

static int expect_access(struct ipcb_ctx *ctx, struct pkey_state *s, int write, const char *what)
{
	struct probe_fault f;
	int rc = probe_access(s->pages, write, &f);

	if (rc < 0)
		return ipcb_fail(ctx, "sigaction(SIGSEGV): %s", strerror(errno));
	if (rc == 1)
		return ipcb_fail(ctx, "%s: the %s faulted (si_code %d)", what, write ? "write" : "read", f.code);
	if (write && *(volatile char *)s->pages != 2)
		return ipcb_fail(ctx, "%s: the written byte reads back as %d", what, *(volatile char *)s->pages);
	return 0;
}

/*
 * The key: with write disabled a read works and a write raises SIGSEGV with
 * SEGV_PKUERR naming our key; with access restored the write goes through.
 */
static int key_check_via(struct ipcb_ctx *ctx, enum via via)
{
	struct pkey_state *s = ctx->state;
	int rc = -1;

	if (access_set(s, via, PKEY_DISABLE_WRITE)) {
		ipcb_fail(ctx, "%s(write-disable): %s", via_names[via], strerror(errno));
		goto out;
	}
	if (expect_access(ctx, s, 0, "key write-disabled") ||
	    expect_fault(ctx, s, 1, SEGV_PKUERR, "key write-disabled"))
		goto out;
	if (access_set(s, via, 0)) {
		ipcb_fail(ctx, "%s(allow): %s", via_names[via], strerror(errno));
		goto out;
	}
	rc = expect_access(ctx, s, 1, "access restored");
out:
	pkru_write(pkru_with(s, 0));
	s->open = 1;
	return rc;
}

static int key_check_wrpkru(struct ipcb_ctx *ctx)
{
	return key_check_via(ctx, VIA_WRPKRU);
}

static int key_check_pkey_set(struct ipcb_ctx *ctx)
{
	return key_check_via(ctx, VIA_PKEY_SET);
}

/* What RDPKRU reads is what WRPKRU wrote, and glibc's pkey_get agrees bit for bit. */
static int pkru_check(struct ipcb_ctx *ctx)
{
	struct pkey_state *s = ctx->state;
	static const unsigned int rights[] = { PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE, 0 };
	size_t i;

	for (i = 0; i < sizeof(rights) / sizeof(rights[0]); i++) {
		uint32_t want = pkru_with(s, rights[i]);
		int got;

		pkru_write(want);
		if (pkru_read() != want)
			return ipcb_fail(ctx, "WRPKRU %#x, then RDPKRU reads %#x", want, pkru_read());
		got = pkey_get(s->key);
		if (got != (int)rights[i])
			return ipcb_fail(ctx, "PKRU %#x: pkey_get(%d) = %d, expected %u", want, s->key, got, rights[i]);
	}
	return key_check_wrpkru(ctx);
}

/* Page-table permissions: closed, a read faults with SEGV_ACCERR; open, a write works. */
static int pte_check_via(struct ipcb_ctx *ctx, enum via via)
{
	struct pkey_state *s = ctx->state;

	if (access_set(s, via, PKEY_DISABLE_ACCESS))
		return ipcb_fail(ctx, "%s(PROT_NONE): %s", via_names[via], strerror(errno));
	if (expect_fault(ctx, s, 0, SEGV_ACCERR, "PROT_NONE"))
		return -1;
	if (access_set(s, via, 0))
		return ipcb_fail(ctx, "%s(PROT_READ|PROT_WRITE): %s", via_names[via], strerror(errno));
	s->open = 1;
	return expect_access(ctx, s, 1, "PROT_READ|PROT_WRITE");
}

static int mprotect_check(struct ipcb_ctx *ctx)
{
	return pte_check_via(ctx, VIA_MPROTECT);
}

/* pkey_mprotect both tags the pages with the key and sets their page-table permissions. */
static int pkey_mprotect_check(struct ipcb_ctx *ctx)
{
	return pte_check_via(ctx, VIA_PKEY_MPROTECT) || key_check_wrpkru(ctx) ? -1 : 0;
}

/* The domain benchmarks start closed: their body opens first. */
static int domain_check(struct ipcb_ctx *ctx, enum via via)
{
	struct pkey_state *s = ctx->state;
	int rc = via == VIA_WRPKRU ? key_check_wrpkru(ctx) : pte_check_via(ctx, via);

	if (rc == 0 && access_set(s, via, PKEY_DISABLE_ACCESS))
		return ipcb_fail(ctx, "%s (close): %s", via_names[via], strerror(errno));
	return rc;
}

static int domain_wrpkru_check(struct ipcb_ctx *ctx)
{
	return domain_check(ctx, VIA_WRPKRU);
}

static int domain_mprotect_check(struct ipcb_ctx *ctx)
{
	return domain_check(ctx, VIA_MPROTECT);
}

static int domain_syscall_check(struct ipcb_ctx *ctx)
{
	long pid = syscall(SYS_getpid);

	if (pid != (long)getpid())
		return ipcb_fail(ctx, "syscall(SYS_getpid) = %ld, getpid() = %ld", pid, (long)getpid());
	return 0;
}

static int domain_setup(struct ipcb_ctx *ctx, enum via via)
{
	if (pkey_setup_pages(ctx, via == VIA_WRPKRU))
		return -1;
	if (access_set(ctx->state, via, PKEY_DISABLE_ACCESS)) {
		ipcb_skip(ctx, "%s (close): %s", via_names[via], strerror(errno));
		pkey_teardown(ctx);
		return -1;
	}
	return 0;
}

static int domain_wrpkru_setup(struct ipcb_ctx *ctx)
{
	return domain_setup(ctx, VIA_WRPKRU);
}

static int domain_mprotect_setup(struct ipcb_ctx *ctx)
{
	return domain_setup(ctx, VIA_MPROTECT);
}

static int domain_syscall_setup(struct ipcb_ctx *ctx)
{
	return domain_setup(ctx, VIA_SYSCALL);
}

/* A freed key is gone: freeing it again, or tagging pages with it, fails with EINVAL. */
static int alloc_free_check(struct ipcb_ctx *ctx)
{
	int key = pkey_alloc(0, 0);

	if (key < 0)
		return ipcb_fail(ctx, "pkey_alloc: %s", strerror(errno));
	if (key < 1 || key > 15) {
		pkey_free(key);
		return ipcb_fail(ctx, "pkey_alloc returned %d: keys are 1..15 (0 is the default key)", key);
	}
	if (pkey_free(key))
		return ipcb_fail(ctx, "pkey_free(%d): %s", key, strerror(errno));
	errno = 0;
	if (pkey_free(key) != -1 || errno != EINVAL)
		return ipcb_fail(ctx, "pkey_free(%d) twice: expected EINVAL, got errno %d", key, errno);
	return 0;
}

/* ---- explain: the three ways of one domain switch, side by side ---- */

static void pkey_explain(struct ipcb_results *rs)
{
	double w = ipcb_result_median(rs, "pkey/domain-switch-wrpkru", NULL);
	double m = ipcb_result_median(rs, "pkey/domain-switch-mprotect", NULL);
	double sc = ipcb_result_median(rs, "pkey/domain-switch-syscall", NULL);
	double pm = ipcb_result_median(rs, "pkey/pkey_mprotect", NULL);
	double mp = ipcb_result_median(rs, "pkey/mprotect", NULL);

	if (w > 0 && m > 0 && sc > 0)
		ipcb_result_note(rs, "pkey/domain-switch-wrpkru", NULL,
				 "one domain round trip: WRPKRU %.1f ns; mprotect %.1f ns (%.1fx WRPKRU); a bare syscall %.1f ns (%.1fx WRPKRU)",
				 w, m, m / w, sc, sc / w);
	if (pm > 0 && mp > 0)
		ipcb_result_note(rs, "pkey/pkey_mprotect", NULL,
				 "pkey_mprotect %.1f ns vs mprotect %.1f ns (first result of each): the key costs %+.1f ns",
				 pm, mp, pm - mp);
}

/* ---- the table ---- */

static const struct ipcb_param pages_param[] = {
	{ .name = "pages", .def = 1, .what = "pages whose permissions change together (e.g. 1, 512)", .min = 1,
	  .max = MAX_PAGES },
	{ .name = NULL },
};

/* what every benchmark that needs a key shares */
#define PKU_BENCH .nthreads = 1, .supported = pku_supported, .teardown = pkey_teardown

static const struct ipcb_bench pkey_benches[] = {
	{
		.id = "pkey/rdpkru",
		.what = "RDPKRU: read this thread's protection-key rights register",
		PKU_BENCH,
		.unit_of_work = "instruction",
		.setup = setup_key,
		.body = rdpkru_body,
		.check = pkru_check,
		.note = "a register read in user mode; no kernel involved",
	},
	{
		.id = "pkey/wrpkru",
		.what = "WRPKRU writing back the value PKRU already has",
		PKU_BENCH,
		.unit_of_work = "instruction",
		.setup = setup_key,
		.body = wrpkru_body,
		.check = pkru_check,
		.note = "WRPKRU orders memory accesses around it: its cost is that fence, whether or not the value changes",
	},
	{
		.id = "pkey/wrpkru-toggle",
		.what = "WRPKRU alternating access and no-access for one key: the bare domain switch",
		PKU_BENCH,
		.unit_of_work = "switch",
		.setup = setup_key,
		.body = wrpkru_toggle_body,
		.check = key_check_wrpkru,
	},
	{
		.id = "pkey/pkey_set-toggle",
		.what = "glibc pkey_set alternating access and no-access for one key",
		PKU_BENCH,
		.unit_of_work = "switch",
		.setup = setup_key,
		.body = pkey_set_toggle_body,
		.check = key_check_pkey_set,
		.note = "pkey_set is RDPKRU, mask, WRPKRU behind a call: what portable code pays",
	},
	{
		.id = "pkey/pkey_mprotect",
		.what = "pkey_mprotect alternating PROT_READ|PROT_WRITE and PROT_NONE, keeping a key",
		PKU_BENCH,
		.unit_of_work = "call",
		.params = pages_param,
		.setup = setup_key,
		.body = pkey_mprotect_body,
		.check = pkey_mprotect_check,
		.note = "a syscall that rewrites one PTE per page and flushes the TLB when access is taken away",
	},
	{
		.id = "pkey/mprotect",
		.what = "mprotect alternating PROT_READ|PROT_WRITE and PROT_NONE: the baseline (needs no PKU)",
		.unit_of_work = "call",
		.nthreads = 1,
		.params = pages_param,
		.setup = setup_nokey,
		.body = mprotect_body,
		.check = mprotect_check,
		.teardown = pkey_teardown,
		.note = "a syscall that rewrites one PTE per page and flushes the TLB when access is taken away",
	},
	{
		.id = "pkey/pkey_alloc-free",
		.what = "pkey_alloc then pkey_free",
		PKU_BENCH,
		.unit_of_work = "alloc+free",
		.body = alloc_free_body,
		.check = alloc_free_check,
		.note = "two syscalls that only update the process's key bitmap (and PKRU for the new key)",
	},
	{
		.id = "pkey/domain-switch-wrpkru",
		.what = "into a domain and out with WRPKRU: open, read one byte, close",
		PKU_BENCH,
		.unit_of_work = "switch",
		.setup = domain_wrpkru_setup,
		.body = domain_wrpkru_body,
		.check = domain_wrpkru_check,
		.note = "two WRPKRUs and a load; no kernel, no TLB flush",
	},
	{
		.id = "pkey/domain-switch-mprotect",
		.what = "into a domain and out with mprotect of its pages: open, read one byte, close (needs no PKU)",
		.unit_of_work = "switch",
		.nthreads = 1,
		.params = pages_param,
		.setup = domain_mprotect_setup,
		.body = domain_mprotect_body,
		.check = domain_mprotect_check,
		.teardown = pkey_teardown,
		.note = "two mprotect calls; closing flushes the TLB, so the read after opening misses it",
	},
	{
		.id = "pkey/domain-switch-syscall",
		.what = "a syscall round trip (getpid) and a read: the floor of any kernel-mediated switch (needs no PKU)",
		.unit_of_work = "switch",
		.nthreads = 1,
		.setup = domain_syscall_setup,
		.body = domain_syscall_body,
		.check = domain_syscall_check,
		.teardown = pkey_teardown,
		.note = "one getpid: entering the kernel opens the domain, returning closes it; no permission changes",
	},
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_pkey = {
	.name = "pkey",
	.what = "protection keys (WRPKRU) against mprotect and syscalls: the cost of a domain switch",
	.benches = pkey_benches,
	.explain = pkey_explain,
};
