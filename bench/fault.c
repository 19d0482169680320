// SPDX-License-Identifier: MIT
/*
 * fault.c - what memory costs the first time it is touched: the lazy-stack
 * question. Linux gives anonymous memory (heap, thread stacks) lazily: a page
 * exists only once written, at the price of a minor fault then. Is laziness
 * worth it, or should a stack be pre-faulted?
 *
 * One operation is:
 *   first-touch      one write to a new anonymous 4 KiB page: trap, allocate,
 *                    zero, map, return
 *   first-touch-thp  the same on a new transparent huge page (2 MiB on x86-64)
 *   populate         one page of an mmap(MAP_POPULATE): the same allocation
 *                    and zeroing in one kernel loop, without a trap per page
 *   prefault-probe   one `movb $0, -4096(%rsp)` on a page that is present: the
 *                    stack probe compilers emit, in the case where it is free
 *   thread-stack     pthread_create + join of a thread on a fresh 8 MiB stack
 *                    that touches touch_kib KiB of it, the stack grown lazily
 *                    or pre-faulted. Setup also measures, with nthreads_rss
 *                    such threads alive, the resident memory per thread of
 *                    both kinds and what the lazy ones save (from VmRSS).
 *
 * Fresh pages must come from somewhere: the page bodies remap their chunk
 * (mmap MAP_FIXED over it, which frees the old pages) every chunk_pages
 * operations, so each figure includes its share of freeing. The chunk is
 * small enough that every sample carries that share.
 */
#include <alloca.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"
#include "ipcbench_explain.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_DEFRAG "/sys/kernel/mm/transparent_hugepage/defrag"
#define THP_PMD_SIZE "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
#define THP_DEFAULT_SIZE (2ul << 20)
/* 4 KiB pages are remapped every 2 MiB, huge pages every 16 MiB */
#define CHUNK_SMALL_PAGES 512
#define CHUNK_HUGE_PAGES 8
#define STACK_BYTES (8ul << 20)
/* what a thread needs above the touched part: glibc's TCB and TLS, the first frames */
#define STACK_RESERVE_KIB 64

/* ---- small readers of /proc and /sys ---- */

/* The value of "key: N" (or "key N") in a /proc file, or -1. */
static long proc_value(const char *path, const char *key)
{
	char val[64];

	return ipcb_read_field(path, key, val, sizeof(val)) ? -1 : strtol(val, NULL, 10);
}

static size_t thp_size(void)
{
	char buf[32];

	if (ipcb_read_text(THP_PMD_SIZE, buf, sizeof(buf)) == 0 && strtoul(buf, NULL, 10) > 0)
		return strtoul(buf, NULL, 10);
	return THP_DEFAULT_SIZE;
}

/* AnonHugePages of the mapping that holds addr, in kB; -1 if not found. */
static long smaps_anon_huge_kb(const void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long kb = -1;
	int in = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's header "lo-hi perms ..."; field names never parse as two numbers */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo <= a && a < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* Resident pages (of base size) in [addr, addr + len), by mincore; -1 on error. */
static long resident_pages(void *addr, size_t len)
{
	size_t base = (size_t)sysconf(_SC_PAGESIZE), n = len / base, i;
	unsigned char *vec = malloc(n ? n : 1);
	long count = 0;

	if (!vec)
		return -1;
	if (mincore(addr, len, vec)) {
		free(vec);
		return -1;
	}
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

/* ---- first-touch, first-touch-thp, populate: a chunk remapped in place ---- */

struct region {
	char *map;	   /* the reservation, for munmap */
	size_t map_len;
	char *base;	   /* the chunk, aligned to a huge page */
	size_t page;	   /* the page size one operation faults in */
	size_t chunk_pages;
	size_t next;	   /* the next untouched page of the chunk */
	int advice;	   /* madvise after each remap, or -1 */
	long thp_alloc0;   /* /proc/vmstat counters at the end of setup */
	long thp_fallback0;
};

/* Fresh pages: mmap over the chunk frees what was there. 0, or -1 with errno. */
static int region_map(struct region *r, size_t npages, int flags)
{
	void *p = mmap(r->base, npages * r->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | flags, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	r->next = 0;
	if (r->advice >= 0 && madvise(r->base, npages * r->page, r->advice))
		return -1;
	return 0;
}

static void region_teardown(struct ipcb_ctx *ctx)
{
	struct region *r = ctx->state;

	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->map_len);
	free(r);
	ctx->state = NULL;
}

static int region_map_chunk(struct ipcb_ctx *ctx, size_t page, size_t chunk_pages, int advice)
{
	struct region *r = calloc(1, sizeof(*r));
	size_t align = thp_size(), len = page * chunk_pages;

	if (!r)
		return ipcb_skip(ctx, "out of memory");
	ctx->state = r;
	r->page = page;
	r->chunk_pages = chunk_pages;
	r->advice = advice;
	/* aligned, so that a huge page can back each 2 MiB of it */
	r->map_len = len + align;
	r->map = mmap(NULL, r->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return ipcb_skip(ctx, "mmap of %zu bytes: %s", r->map_len, strerror(errno));
	}
	r->base = (char *)(((uintptr_t)r->map + align - 1) & ~(uintptr_t)(align - 1));
	if (region_map(r, chunk_pages, 0))
		return ipcb_skip(ctx, "mmap/madvise of the %zu byte chunk: %s", len, strerror(errno));
	return 0;
}

/* Teardown runs only after a successful setup: a failed one undoes itself. */
static int region_setup(struct ipcb_ctx *ctx, size_t page, size_t chunk_pages, int advice)
{
	if (region_map_chunk(ctx, page, chunk_pages, advice)) {
		region_teardown(ctx);
		return -1;
	}
	return 0;
}

static int first_touch_setup(struct ipcb_ctx *ctx)
{
	/* no huge pages even where THP is "always": this is the 4 KiB figure */
	return region_setup(ctx, (size_t)sysconf(_SC_PAGESIZE), CHUNK_SMALL_PAGES, MADV_NOHUGEPAGE);
}

static int populate_setup(struct ipcb_ctx *ctx)
{
	char mode[128] = "";

	/* MAP_POPULATE fills the pages before any madvise could apply */
	if (ipcb_read_text(THP_ENABLED, mode, sizeof(mode)) == 0 && strstr(mode, "[always]"))
		ipcb_note(ctx, "THP is 'always': MAP_POPULATE may back aligned 2 MiB of a chunk with a huge page");
	return region_setup(ctx, (size_t)sysconf(_SC_PAGESIZE), CHUNK_SMALL_PAGES, -1);
}

/* Skipped with the reason unless a MADV_HUGEPAGE region really gets huge pages. */
static int thp_probe(struct ipcb_ctx *ctx)
{
	char defrag[128] = "?";
	struct region *r = ctx->state;
	long kb;

	*(volatile char *)r->base = 1;
	kb = smaps_anon_huge_kb(r->base);
	if (kb < (long)(r->page >> 10)) {
		ipcb_read_text(THP_DEFRAG, defrag, sizeof(defrag));
		return ipcb_skip(ctx, "a MADV_HUGEPAGE region got no huge page on first touch (AnonHugePages %ld kB; %s '%s'): memory too fragmented?",
				 kb, THP_DEFRAG, defrag);
	}
	if (region_map(r, r->chunk_pages, 0))
		return ipcb_skip(ctx, "mmap/madvise of the chunk: %s", strerror(errno));
	r->thp_alloc0 = proc_value("/proc/vmstat", "thp_fault_alloc");
	r->thp_fallback0 = proc_value("/proc/vmstat", "thp_fault_fallback");
	return 0;
}

static int thp_setup(struct ipcb_ctx *ctx)
{
	char mode[128];

	if (ipcb_read_text(THP_ENABLED, mode, sizeof(mode)))
		return ipcb_skip(ctx, "no transparent huge pages in this kernel (%s: %s)", THP_ENABLED,
				 strerror(errno));
	if (strstr(mode, "[never]"))
		return ipcb_skip(ctx, "THP disabled: %s is '%s'", THP_ENABLED, mode);
	if (region_setup(ctx, thp_size(), CHUNK_HUGE_PAGES, MADV_HUGEPAGE))
		return -1;
	if (thp_probe(ctx)) {
		region_teardown(ctx);
		return -1;
	}
	return 0;
}

/* Did the timed faults get huge pages? The kernel falls back to 4 KiB pages silently. */
static void thp_teardown(struct ipcb_ctx *ctx)
{
	struct region *r = ctx->state;
	long alloc, fallback;

	if (r && r->thp_alloc0 >= 0 && r->thp_fallback0 >= 0) {
		alloc = proc_value("/proc/vmstat", "thp_fault_alloc") - r->thp_alloc0;
		fallback = proc_value("/proc/vmstat", "thp_fault_fallback") - r->thp_fallback0;
		ipcb_metric(ctx, "thp_fault_fallback", (double)fallback, "faults");
		if (fallback > 0)
			ipcb_note(ctx, "%ld of %ld huge-page faults fell back to 4 KiB pages (/proc/vmstat, system-wide): the figure mixes both",
				  fallback, alloc + fallback);
	}
	region_teardown(ctx);
}

static void touch_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	struct region *r = ctx->state;

	while (iters--) {
		if (r->next == r->chunk_pages && region_map(r, r->chunk_pages, 0)) {
			ipcb_abort(ctx, "remapping the chunk: %s", strerror(errno));
			return;
		}
		*(volatile char *)(r->base + r->next++ * r->page) = 1;
	}
}

static void populate_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	struct region *r = ctx->state;

	while (iters) {
		size_t n = iters < r->chunk_pages ? (size_t)iters : r->chunk_pages;

		if (region_map(r, n, MAP_POPULATE)) {
			ipcb_abort(ctx, "mmap(MAP_POPULATE) of %zu pages: %s", n, strerror(errno));
			return;
		}
		iters -= n;
	}
}

/* resident == want over [first, first + n) pages of the region's size */
static int expect_resident(struct ipcb_ctx *ctx, struct region *r, size_t first, size_t n, size_t want,
			   const char *what)
{
	size_t base = (size_t)sysconf(_SC_PAGESIZE);
	long got = resident_pages(r->base + first * r->page, n * r->page);

	if (got < 0)
		return ipcb_fail(ctx, "mincore: %s", strerror(errno));
	if ((size_t)got != want * (r->page / base))
		return ipcb_fail(ctx, "%s: %ld of %zu base pages resident, expected %zu", what, got,
				 n * (r->page / base), want * (r->page / base));
	return 0;
}

/* After touching k pages of a fresh chunk, exactly those k are resident. */
static int first_touch_check(struct ipcb_ctx *ctx)
{
	struct region *r = ctx->state;
	size_t k = r->chunk_pages / 2;
	long kb;

	if (region_map(r, r->chunk_pages, 0))
		return ipcb_fail(ctx, "remapping the chunk: %s", strerror(errno));
	if (expect_resident(ctx, r, 0, r->chunk_pages, 0, "a fresh chunk"))
		return -1;
	touch_body(ctx, k);
	if (expect_resident(ctx, r, 0, k, k, "touched pages") ||
	    expect_resident(ctx, r, k, r->chunk_pages - k, 0, "untouched pages"))
		return -1;
	kb = smaps_anon_huge_kb(r->base);
	if (r->advice == MADV_HUGEPAGE && kb < (long)(k * r->page >> 10))
		return ipcb_fail(ctx, "%zu huge pages touched, AnonHugePages is %ld kB", k, kb);
	if (r->advice == MADV_NOHUGEPAGE && kb != 0)
		return ipcb_fail(ctx, "MADV_NOHUGEPAGE chunk has AnonHugePages %ld kB", kb);
	return region_map(r, r->chunk_pages, 0) ? ipcb_fail(ctx, "remap: %s", strerror(errno)) : 0;
}

/* MAP_POPULATE makes every page resident before any touch; without it, none is. */
static int populate_check(struct ipcb_ctx *ctx)
{
	struct region *r = ctx->state;

	if (region_map(r, r->chunk_pages, 0))
		return ipcb_fail(ctx, "mmap: %s", strerror(errno));
	if (expect_resident(ctx, r, 0, r->chunk_pages, 0, "without MAP_POPULATE"))
		return -1;
	if (region_map(r, r->chunk_pages, MAP_POPULATE))
		return ipcb_fail(ctx, "mmap(MAP_POPULATE): %s", strerror(errno));
	return expect_resident(ctx, r, 0, r->chunk_pages, r->chunk_pages, "after MAP_POPULATE");
}

/* ---- prefault-probe ---- */

static int probe_supported(const struct ipcb_ctx *ctx, char *why, size_t len)
{
#if defined(__x86_64__)
	return 0;
#else
	snprintf(why, len, "not x86-64: the probe is written in x86-64 assembly");
	return -1;
#endif
}

/*
 * Make the stack below this frame present: the body runs a few frames deeper
 * than setup (or check), so its rsp - 4096 lies well inside these 64 KiB.
 */
static __attribute__((noinline)) int probe_setup(struct ipcb_ctx *ctx)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), off;
	volatile char area[64 << 10];

	for (off = 0; off < sizeof(area); off += page)
		area[off] = 0;
	return 0;
}

/*
 * The probe stores one page below the stack pointer, outside the 128-byte red
 * zone. That memory is dead (nothing lives below rsp but the red zone), and a
 * signal handler's frame, which could be built there, exists only between two
 * of our instructions, never across the store: the write is harmless.
 */
static void probe_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	(void)ctx;
	while (iters--) {
#if defined(__x86_64__)
		__asm__ volatile("movb $0, -4096(%%rsp)" : : : "memory");
#endif
	}
}

static long thread_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? -1 : ru.ru_minflt;
}

/* The probes hit a present page: no fault. And the fault counter does count (a fresh page). */
static int probe_check(struct ipcb_ctx *ctx)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	long before, after;
	char *fresh;

	before = thread_minflt();
	probe_body(ctx, 100000);
	after = thread_minflt();
	if (after != before)
		return ipcb_fail(ctx, "100000 probes took %ld minor faults: the probed page was not present", after - before);
	fresh = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		return ipcb_fail(ctx, "mmap: %s", strerror(errno));
	before = thread_minflt();
	*(volatile char *)fresh = 1;
	after = thread_minflt();
	munmap(fresh, page);
	if (after - before < 1)
		return ipcb_fail(ctx, "a write to a fresh page counted no minor fault: the probe check proves nothing here");
	return 0;
}

/* ---- thread-stack ---- */

static const char *const stack_modes[] = { "lazy", "prefault", NULL };

/*
 * The RSS measurement's meeting point: every thread has touched its stack and
 * waits. Two condition variables, so that an arrival wakes only the main
 * thread and not the hundreds already waiting.
 */
struct rss_gate {
	pthread_mutex_t lock;
	pthread_cond_t arrived; /* main waits for ready == expected; on CLOCK_MONOTONIC */
	pthread_cond_t go;	/* the threads wait for open */
	int expected, ready, open, gave_up;
	struct timespec deadline; /* pushed on by main as long as it makes progress */
};

struct stack_thread {
	size_t touch; /* bytes of stack to grow */
	size_t page;
	struct rss_gate *gate; /* NULL in the timed body */
};

struct stack_state {
	size_t page;
	int prefault;
	pthread_attr_t attr;
	struct stack_thread arg;
};

static struct timespec deadline_in(uint64_t ns)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ns / 1000000000ull);
	t.tv_nsec += (long)(ns % 1000000000ull);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static int past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Grow the stack by `bytes`, one write per page from the top down, as nested calls would. */
static __attribute__((noinline)) void touch_stack(size_t bytes, size_t page)
{
	volatile char *buf = alloca(bytes + 1);
	size_t off;

	for (off = 0; off < bytes; off += page)
		buf[bytes - 1 - off] = 0;
	ipcb_keep(buf);
}

static void gate_arrive(struct rss_gate *g)
{
	pthread_mutex_lock(&g->lock);
	if (++g->ready == g->expected)
		pthread_cond_signal(&g->arrived);
	while (!g->open)
		if (pthread_cond_timedwait(&g->go, &g->lock, &g->deadline) == ETIMEDOUT && past(&g->deadline)) {
			g->gave_up++;
			break;
		}
	pthread_mutex_unlock(&g->lock);
}

static void *stack_thread_main(void *p)
{
	struct stack_thread *a = p;

	touch_stack(a->touch, a->page);
	if (a->gate)
		gate_arrive(a->gate);
	return NULL;
}

/*
 * A fresh 8 MiB stack below a guard page, as glibc's allocate_stack makes one
 * (glibc would reuse a cached, already faulted stack: hence our own). No huge
 * pages: kernels since 6.7 give MAP_STACK none, older ones under THP
 * "always" would back a lazy stack's first touch with 2 MiB.
 * The usable stack starts one page in; NULL with errno on failure.
 */
static char *stack_map(size_t page, int prefault)
{
	char *p = mmap(NULL, STACK_BYTES + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
		       -1, 0);
	size_t off;
	int err;

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, STACK_BYTES, PROT_READ | PROT_WRITE) ||
	    madvise(p + page, STACK_BYTES, MADV_NOHUGEPAGE))
		goto fail;
	if (!prefault || madvise(p + page, STACK_BYTES, MADV_POPULATE_WRITE) == 0)
		return p;
	if (errno != EINVAL)
		goto fail;
	/* before Linux 5.14: fault each page in by hand */
	for (off = 0; off < STACK_BYTES; off += page)
		p[page + off] = 0;
	return p;
fail:
	err = errno;
	munmap(p, STACK_BYTES + page);
	errno = err;
	return NULL;
}

static void stack_unmap(char *p, size_t page)
{
	munmap(p, STACK_BYTES + page);
}

/* Start a thread on this stack; 0 or an error number. */
static int stack_start(pthread_attr_t *attr, char *stack, size_t page, pthread_t *tid, struct stack_thread *arg)
{
	int err = pthread_attr_setstack(attr, stack + page, STACK_BYTES);

	return err ? err : pthread_create(tid, attr, stack_thread_main, arg);
}

/* 0 if the thread ended by the deadline, else an error number (ETIMEDOUT). */
static int stack_join(pthread_t tid, const struct timespec *deadline)
{
	return pthread_clockjoin_np(tid, NULL, CLOCK_MONOTONIC, deadline);
}

static void thread_stack_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	struct stack_state *s = ctx->state;

	while (iters--) {
		struct timespec deadline;
		char *stack = stack_map(s->page, s->prefault);
		pthread_t tid;
		int err;

		if (!stack) {
			ipcb_abort(ctx, "mapping an 8 MiB stack: %s", strerror(errno));
			return;
		}
		err = stack_start(&s->attr, stack, s->page, &tid, &s->arg);
		if (err) {
			stack_unmap(stack, s->page);
			ipcb_abort(ctx, "pthread_create: %s", strerror(err));
			return;
		}
		deadline = deadline_in(ctx->timeout_ns);
		err = stack_join(tid, &deadline);
		if (err) {
			/* it may still run on that stack: leave it mapped */
			ipcb_abort(ctx, "joining a thread on a fresh stack: %s", strerror(err));
			return;
		}
		stack_unmap(stack, s->page);
	}
}

struct rss_run {
	char **stacks;
	pthread_t *tids;
	int created;
};

static int rss_wait_ready(struct rss_gate *g, uint64_t timeout_ns)
{
	struct timespec deadline = deadline_in(timeout_ns);
	int err = 0;

	pthread_mutex_lock(&g->lock);
	while (g->ready < g->expected && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&g->arrived, &g->lock, &deadline);
	err = g->ready < g->expected ? ETIMEDOUT : 0;
	pthread_mutex_unlock(&g->lock);
	return err;
}

/* Let the threads go, join them, unmap their stacks. -1 if one did not end. */
static int rss_release(struct ipcb_ctx *ctx, struct rss_gate *g, struct rss_run *run, size_t page)
{
	struct timespec deadline = deadline_in(ctx->timeout_ns);
	int i, rc = 0;

	pthread_mutex_lock(&g->lock);
	g->open = 1;
	pthread_cond_broadcast(&g->go);
	pthread_mutex_unlock(&g->lock);
	for (i = 0; i < run->created; i++) {
		if (stack_join(run->tids[i], &deadline)) {
			rc = -1; /* still running on its stack: leave it mapped */
			continue;
		}
		stack_unmap(run->stacks[i], page);
	}
	/* a stack mapped for a thread that did not start */
	if (run->stacks[run->created])
		stack_unmap(run->stacks[run->created], page);
	return rc;
}

/* Another thread started: the waiting ones may wait timeout_ns from now. */
static void gate_extend(struct rss_gate *g, uint64_t timeout_ns)
{
	pthread_mutex_lock(&g->lock);
	g->deadline = deadline_in(timeout_ns);
	pthread_mutex_unlock(&g->lock);
}

static int gate_init(struct rss_gate *g, int n, uint64_t timeout_ns)
{
	pthread_condattr_t ca;

	memset(g, 0, sizeof(*g));
	g->expected = n;
	g->deadline = deadline_in(timeout_ns);
	if (pthread_condattr_init(&ca) || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
	    pthread_cond_init(&g->arrived, &ca) || pthread_cond_init(&g->go, &ca))
		return -1;
	pthread_condattr_destroy(&ca);
	return pthread_mutex_init(&g->lock, NULL) ? -1 : 0;
}

/*
 * Start n threads on fresh stacks, each growing its stack by touch bytes,
 * and read VmRSS with all of them alive and waiting: the growth over the
 * VmRSS before, per thread, in *per_thread (bytes). 0, or -1 with ctx->why.
 */
static int rss_of_threads(struct ipcb_ctx *ctx, int n, size_t touch, int prefault, double *per_thread)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct stack_thread arg = { .touch = touch, .page = page };
	struct rss_run run = { calloc((size_t)n + 1, sizeof(char *)), calloc((size_t)n, sizeof(pthread_t)), 0 };
	struct rss_gate gate;
	pthread_attr_t attr;
	long before, after = -1;
	int err = 0, rc = -1;

	if (!run.stacks || !run.tids || gate_init(&gate, n, ctx->timeout_ns) || pthread_attr_init(&attr)) {
		free(run.stacks);
		free(run.tids);
		return ipcb_skip(ctx, "out of memory for %d threads", n);
	}
	arg.gate = &gate;
	before = proc_value("/proc/self/status", "VmRSS");
	for (; run.created < n; run.created++) {
		run.stacks[run.created] = stack_map(page, prefault);
		if (!run.stacks[run.created]) {
			ipcb_skip(ctx, "mapping stack %d of %d: %s", run.created + 1, n, strerror(errno));
			goto out;
		}
		err = stack_start(&attr, run.stacks[run.created], page, &run.tids[run.created], &arg);
		if (err) {
			ipcb_skip(ctx, "pthread_create of thread %d of %d: %s (RLIMIT_NPROC, threads-max?)",
				  run.created + 1, n, strerror(err));
			goto out;
		}
		gate_extend(&gate, ctx->timeout_ns);
	}
	if (rss_wait_ready(&gate, ctx->timeout_ns)) {
		ipcb_skip(ctx, "only %d of %d threads touched their stacks within %.1f s", gate.ready, n,
			  ctx->timeout_ns / 1e9);
		goto out;
	}
	after = proc_value("/proc/self/status", "VmRSS");
	if (before < 0 || after < 0) {
		ipcb_skip(ctx, "no VmRSS in /proc/self/status");
		goto out;
	}
	*per_thread = (double)(after - before) * 1024.0 / n;
	rc = 0;
out:
	if (rss_release(ctx, &gate, &run, page))
		rc = ipcb_skip(ctx, "threads of the RSS measurement did not end within %.1f s", ctx->timeout_ns / 1e9);
	else if (gate.gave_up)
		rc = ipcb_skip(ctx, "%d threads gave up waiting for the RSS reading", gate.gave_up);
	pthread_attr_destroy(&attr);
	pthread_cond_destroy(&gate.arrived);
	pthread_cond_destroy(&gate.go);
	pthread_mutex_destroy(&gate.lock);
	free(run.stacks);
	free(run.tids);
	return rc;
}

/* Enough memory for n pre-faulted stacks, with a margin for everyone else? */
static int rss_memory_ok(struct ipcb_ctx *ctx, int n)
{
	long avail_kb = proc_value("/proc/meminfo", "MemAvailable");
	double need = (double)n * STACK_BYTES * 1.25 + (256 << 20);

	if (avail_kb < 0)
		return ipcb_skip(ctx, "no MemAvailable in /proc/meminfo: cannot tell whether %d pre-faulted stacks fit", n);
	if (need > (double)avail_kb * 1024)
		return ipcb_skip(ctx, "RSS of %d pre-faulted 8 MiB stacks needs %.0f MiB with margin; MemAvailable is %ld MiB (lower --param nthreads_rss)",
				 n, need / (1 << 20), avail_kb >> 10);
	return 0;
}

/* Both kinds of stack with n threads alive: per-thread RSS and what laziness saves, as metrics. */
static int rss_report(struct ipcb_ctx *ctx, int n, size_t touch, int prefault)
{
	double lazy, full;
	char name[64];

	if (rss_memory_ok(ctx, n) || rss_of_threads(ctx, n, touch, 0, &lazy) || rss_of_threads(ctx, n, touch, 1, &full))
		return -1;
	snprintf(name, sizeof(name), "rss_saved_%d_threads_bytes", n);
	ipcb_metric(ctx, "rss_per_thread_bytes", prefault ? full : lazy, "bytes");
	ipcb_metric(ctx, "rss_per_thread_lazy_bytes", lazy, "bytes");
	ipcb_metric(ctx, "rss_per_thread_prefault_bytes", full, "bytes");
	ipcb_metric(ctx, name, (full - lazy) * n, "bytes");
	ipcb_note(ctx, "VmRSS with %d threads alive, each having touched %zu KiB: lazy %.0f KiB/thread, pre-faulted %.0f KiB/thread; lazy stacks save %.0f MiB",
		  n, touch >> 10, lazy / 1024, full / 1024, (full - lazy) * n / (1 << 20));
	return 0;
}

static void thread_stack_teardown(struct ipcb_ctx *ctx)
{
	struct stack_state *s = ctx->state;

	if (!s)
		return;
	pthread_attr_destroy(&s->attr);
	free(s);
	ctx->state = NULL;
}

static int thread_stack_setup(struct ipcb_ctx *ctx)
{
	int64_t kib = ipcb_param(ctx, "touch_kib"), n = ipcb_param(ctx, "nthreads_rss");
	struct stack_state *s;
	int err;

	/* touch_kib (an 8 MiB stack less room for the thread's own frames) and nthreads_rss are in their declared ranges */
	s = calloc(1, sizeof(*s));
	if (!s)
		return ipcb_skip(ctx, "out of memory");
	err = pthread_attr_init(&s->attr);
	if (err) {
		free(s);
		return ipcb_skip(ctx, "pthread_attr_init: %s", strerror(err));
	}
	ctx->state = s;
	s->page = (size_t)sysconf(_SC_PAGESIZE);
	s->prefault = ipcb_param(ctx, "stack") == 1;
	s->arg.touch = (size_t)kib << 10;
	s->arg.page = s->page;
	ipcb_note(ctx, "each operation maps a fresh stack (mmap, mprotect of all but the guard page, madvise)%s, creates and joins the thread, and unmaps the stack: all inside the figure",
		  s->prefault ? ", pre-faults its 8 MiB (MADV_POPULATE_WRITE)" : "");
	/* `ipcbench test` checks the behaviour at a small scale instead */
	if (n > 0 && !ctx->check_mode && rss_report(ctx, (int)n, s->arg.touch, s->prefault)) {
		thread_stack_teardown(ctx);
		return -1;
	}
	return 0;
}

/*
 * Resident memory follows what a thread touches on a lazy stack, and is the
 * whole stack when pre-faulted. Page counts, not timings.
 */
static int thread_stack_check(struct ipcb_ctx *ctx)
{
	const int n = 16;
	const size_t kib = 256, page = (size_t)sysconf(_SC_PAGESIZE);
	double none, some, full;

	if (rss_of_threads(ctx, n, 0, 0, &none) || rss_of_threads(ctx, n, kib << 10, 0, &some) ||
	    rss_of_threads(ctx, n, 0, 1, &full))
		return -1;
	if (some - none < 0.9 * (double)(kib << 10))
		return ipcb_fail(ctx, "touching %zu KiB of a lazy stack added %.0f KiB of RSS per thread", kib,
				 (some - none) / 1024);
	if (some > (double)(kib << 10) + 64.0 * page)
		return ipcb_fail(ctx, "a lazy stack touched for %zu KiB holds %.0f KiB resident: not lazy", kib,
				 some / 1024);
	if (full < 0.95 * STACK_BYTES)
		return ipcb_fail(ctx, "a pre-faulted 8 MiB stack holds only %.0f KiB resident", full / 1024);
	return 0;
}

/* ---- explain: the figures against each other ---- */

static void fault_explain(struct ipcb_results *rs)
{
	double ft = ipcb_result_median(rs, "fault/first-touch", NULL);
	double thp = ipcb_result_median(rs, "fault/first-touch-thp", NULL);
	double pop = ipcb_result_median(rs, "fault/populate", NULL);
	double probe = ipcb_result_median(rs, "fault/prefault-probe", NULL);
	double per4k = thp * 4096.0 / (double)thp_size();

	if (ft > 0 && thp > 0)
		ipcb_result_note(rs, "fault/first-touch-thp", NULL,
				 "per 4 KiB of memory: %.1f ns with huge pages, %.1f ns with 4 KiB pages (%.1fx less)",
				 per4k, ft, ft / per4k);
	if (ft > 0 && pop > 0 && pop < ft)
		ipcb_result_note(rs, "fault/populate", NULL,
				 "MAP_POPULATE %.1f ns per page vs %.1f ns by first touch: the trap and return of one fault cost about %.0f ns",
				 pop, ft, ft - pop);
	else if (ft > 0 && pop > 0)
		ipcb_result_note(rs, "fault/populate", NULL,
				 "MAP_POPULATE %.1f ns per page is no cheaper than first touch (%.1f ns): the kernel's work per page, not the trap, dominates; under a hypervisor, page-table updates may be costly themselves",
				 pop, ft);
	if (ft > 0 && probe > 0)
		ipcb_result_note(rs, "fault/prefault-probe", NULL,
				 "a probe of a present page costs %.2f ns; of an absent one, a first touch: %.0f ns (%.0fx)",
				 probe, ft, ft / probe);
}

/* ---- the table ---- */

static const struct ipcb_param thread_stack_params[] = {
	{ .name = "touch_kib", .def = 64, .what = "KiB of its stack each thread touches", .min = 0,
	  .max = (int64_t)(STACK_BYTES >> 10) - STACK_RESERVE_KIB },
	{ .name = "stack", .def = 0, .what = "lazy: pages fault in on first touch; prefault: all 8 MiB populated first",
	  .choices = stack_modes },
	{ .name = "nthreads_rss", .def = 1000, .what = "threads alive for the RSS measurement in setup (0: none); pre-faulted, they hold N x 8 MiB for a moment",
	  .min = 0, .max = 100000 },
	{ .name = NULL },
};

static const struct ipcb_bench fault_benches[] = {
	{
		.id = "fault/first-touch",
		.what = "write one byte to a new anonymous 4 KiB page: one minor fault",
		.unit_of_work = "page",
		.nthreads = 1,
		.setup = first_touch_setup,
		.body = touch_body,
		.check = first_touch_check,
		.teardown = region_teardown,
		.note = "trap, allocate and zero a page, map it, return; plus 1/512 of remapping a 2 MiB chunk, which frees its pages",
	},
	{
		.id = "fault/first-touch-thp",
		.what = "write one byte to a new transparent huge page (MADV_HUGEPAGE): one fault",
		.unit_of_work = "page",
		.nthreads = 1,
		.setup = thp_setup,
		.body = touch_body,
		.check = first_touch_check,
		.teardown = thp_teardown,
		.note = "one page is 2 MiB here, all of it zeroed by the kernel; plus 1/8 of remapping a 16 MiB chunk, which frees its pages",
	},
	{
		.id = "fault/populate",
		.what = "one page of mmap(MAP_POPULATE): allocation without a fault per page",
		.unit_of_work = "page",
		.nthreads = 1,
		.setup = populate_setup,
		.body = populate_body,
		.check = populate_check,
		.teardown = region_teardown,
		.note = "one mmap(MAP_FIXED|MAP_POPULATE) per up to 512 pages: it frees the pages it replaces, then allocates and zeroes",
	},
	{
		.id = "fault/prefault-probe",
		.what = "movb $0, -4096(%rsp) on a present page: a stack probe when it costs nothing",
		.unit_of_work = "probe",
		.nthreads = 1,
		.supported = probe_supported,
		.setup = probe_setup,
		.body = probe_body,
		.check = probe_check,
		.note = "a store that hits L1 and the TLB; repeated to one address, a store-throughput figure",
	},
	{
		.id = "fault/thread-stack",
		.what = "pthread_create + join on a fresh 8 MiB stack, lazily grown or pre-faulted; RSS per thread",
		.unit_of_work = "thread",
		.nthreads = 1,
		.params = thread_stack_params,
		.setup = thread_stack_setup,
		.body = thread_stack_body,
		.check = thread_stack_check,
		.teardown = thread_stack_teardown,
		.note = "the new thread inherits the measuring thread's CPU: create, run and join on one CPU",
	},
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_fault = {
	.name = "fault",
	.what = "page faults: first touch, MAP_POPULATE, stack probes and lazy thread stacks",
	.benches = fault_benches,
	.explain = fault_explain,
};
