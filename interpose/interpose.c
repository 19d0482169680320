// SPDX-License-Identifier: MIT
/*
 * interpose.c - libipcbench-interpose.so: swap the pthread mutexes of an
 * unmodified program for one of ipcbench's locks, and profile every mutex.
 *
 *   LD_PRELOAD=libipcbench-interpose.so IPCBENCH_LOCK=ticket ./program
 *
 * IPCBENCH_LOCK is ticket, ttas, futex-mutex or pthread (glibc's own mutex,
 * profiled the same way: the baseline). IPCBENCH_OUT names the results file
 * (default ipcbench-interpose-<pid>.json), written at exit; a process that
 * never took a mutex writes nothing. Nothing else happens unless asked: no
 * thread, no signal handler. IPCBENCH_DUMP_SIGNAL=USR1 (a comma-separated
 * list) makes that signal write a snapshot, and the program goes on;
 * IPCBENCH_DUMP_FATAL_SIGNAL=INT,TERM makes those, where the program leaves
 * them at their default, write the profile and then terminate it. Either
 * starts one dump thread, and the program's own handlers for those signals
 * are kept and called (see "signals" below).
 *
 * One operation, in the results, is one acquisition: "interpose/wait" is the
 * time from asking for the lock to holding it (0 when the first attempt
 * succeeds), "interpose/wait-contended" the same over the acquisitions whose
 * first attempt failed, "interpose/hold" the time from acquisition to unlock.
 * Mutexes are grouped into classes by where they were initialised (or, for a
 * statically initialised one, its own address), like lockdep's lock classes:
 * memcached's thousands of item locks are one class.
 *
 * Where the lock lives: in the program's own pthread_mutex_t. Our lock word
 * takes the bytes glibc keeps its lock word in, glibc's __kind is left as it
 * is (so the type is still known), and the profile pointer and acquisition
 * time take __list, which glibc only uses for robust mutexes. Recursive,
 * error-checking, robust, process-shared and priority mutexes always stay
 * glibc's: their semantics are glibc's, and a pointer must not land in
 * memory another process reads. Robust and process-shared ones are not
 * profiled (counted as unprofiled).
 *
 * Condition variables. glibc's pthread_cond_wait unlocks and relocks the
 * mutex through its internal functions, which interposition cannot reach:
 * on a mutex holding a ticket lock it would corrupt both. So, unless
 * IPCBENCH_LOCK=pthread, the pthread_cond_* functions are replaced as well,
 * by a futex condition variable over a sequence counter that unlocks and
 * relocks through the interposed (profiled) path: those relocks count as
 * acquisitions with their real wait. With IPCBENCH_LOCK=pthread glibc's
 * condvar runs, its relock is invisible, and the profile counts it as a
 * "cond relock" with no wait sample and restarts the hold time.
 * Limitations: our condvar is not a cancellation point; C11 mtx_* and cnd_*
 * call glibc internals directly and are neither replaced nor profiled
 * (consistently, so they keep working); a process forked without exec keeps
 * the parent's profile and has no dump thread (a snapshot signal then only
 * reaches the program's handler, a fatal one takes its default course; it
 * still writes at exit, beside the parent's file).
 * The profile costs two timestamp reads and two histogram updates per
 * lock+unlock (40-60 ns on the 2-vCPU EPYC VM, where a bare glibc pair is
 * 10 ns), the same for every lock; a thread's ~60 KB of profile is never
 * reused, so past ~4000 threads new ones go unprofiled (profiles_refused).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "../bench/locks.h"
#include "ipcbench.h"
#include "result.h"
#include "results.h"
#include "stats.h"

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))
#define RESERVOIR 512	     /* wait and hold samples kept per thread */
#define STORED_SAMPLES 1000  /* samples per result in the JSON */
#define SITES 4096	     /* call sites remembered (contended acquisitions) */
#define TOP 10		     /* classes and call sites listed */
#define ARENA_BYTES (256ul << 20) /* reserved, not committed */

/* glibc's mutex kind bits (nptl/pthreadP.h): a stable ABI since 2.3 */
#define KIND_TYPE_MASK 3 /* 0 normal, 1 recursive, 2 errorcheck, 3 adaptive */
#define KIND_ROBUST 16
#define KIND_PI 32
#define KIND_PP 64
#define KIND_PSHARED 128

/* ---- the program's pthread_mutex_t, as we use it ---- */

struct mprof;

struct imutex {
	union {
		uint32_t word; /* ttas: 0 free; futex-mutex: 0, 1, 2 */
		struct {
			uint32_t next;	  /* the next ticket to hand out */
			uint32_t serving; /* the ticket that holds the lock */
		} ticket;
	};
	uint32_t owner;	 /* glibc's __owner: unused by our locks */
	uint32_t nusers; /* glibc's __nusers: stays 0, so destroy never says EBUSY */
	int kind;	 /* glibc's __kind: read, never written */
	uint32_t spare;	 /* glibc's __spins/__elision */
	struct mprof *prof; /* glibc's __list, unused by non-robust mutexes */
	uint64_t acquired;  /* ticks at acquisition: the start of the hold */
};

_Static_assert(sizeof(struct imutex) <= sizeof(pthread_mutex_t), "imutex must fit in pthread_mutex_t");
_Static_assert(offsetof(struct imutex, kind) == offsetof(pthread_mutex_t, __data.__kind),
	       "glibc's __kind must stay where it is");
_Static_assert(offsetof(struct imutex, prof) == offsetof(pthread_mutex_t, __data.__list),
	       "the profile must sit in __list");
_Static_assert(offsetof(struct imutex, ticket.serving) == offsetof(struct lock_state, ticket.serving) &&
		       offsetof(struct imutex, word) == offsetof(struct lock_state, word),
	       "our lock words must sit where bench/locks.h's functions look for them");

/* Our condition variable, in the program's pthread_cond_t (all-zero is valid). */
struct icond {
	uint32_t seq;	  /* bumped by every signal and broadcast */
	uint32_t waiters; /* skip the wake syscall when nobody waits */
	uint32_t flags;
};

#define COND_MONOTONIC 1
#define COND_PSHARED 2

_Static_assert(sizeof(struct icond) <= sizeof(pthread_cond_t), "icond must fit in pthread_cond_t");

/* ---- time: ticks while running, converted to ns when written ---- */

static inline uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * ---- the locks: bench/locks.h's primitives, as lock/ and lock-contended/ measure them ----
 *
 * They work on a struct lock_state, whose lock words sit at its start, as
 * ours do in the mutex (asserted above); only the first 8 bytes are touched.
 * Added here: a try for each (to tell contended acquisitions from the rest,
 * and for pthread_mutex_trylock) and a futex-mutex wait with a deadline.
 */
#define LS(m) ((struct lock_state *)(void *)(m))

/*
 * locks.h's setup helpers report through the harness's ipcb_fail. The
 * interposer never calls them, but an unoptimised build still emits them,
 * and a preloaded library must not carry an undefined symbol.
 */
int ipcb_fail(struct ipcb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Takes a ticket only when it would be served at once: trylock must not queue. */
static int ticket_try(struct lock_state *s)
{
	uint64_t *pair = (uint64_t *)(void *)&s->ticket, v = __atomic_load_n(pair, __ATOMIC_RELAXED);
	uint32_t next = (uint32_t)v, serving = (uint32_t)(v >> 32);

	if (next != serving)
		return 0;
	/* next + 1 without carrying into serving */
	return __atomic_compare_exchange_n(pair, &v, (v & ~0xffffffffull) | (uint32_t)(next + 1), 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static int ttas_try(struct lock_state *s)
{
	return !__atomic_load_n(&s->word, __ATOMIC_RELAXED) &&
	       !__atomic_exchange_n(&s->word, 1, __ATOMIC_ACQUIRE);
}

static int futex_mutex_try(struct lock_state *s)
{
	return cmpxchg(&s->word, FMUTEX_UNLOCKED, FMUTEX_LOCKED) == FMUTEX_UNLOCKED;
}

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts, uint32_t mask)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, mask);
}

/* futex_mutex_lock_slow with a deadline: FUTEX_WAIT_BITSET takes an absolute time on either clock. */
static int futex_mutex_lock_until(struct lock_state *s, clockid_t clock, const struct timespec *abs)
{
	int op = FUTEX_WAIT_BITSET_PRIVATE | (clock == CLOCK_REALTIME ? FUTEX_CLOCK_REALTIME : 0);
	uint32_t c = __atomic_exchange_n(&s->word, FMUTEX_WAITERS, __ATOMIC_ACQUIRE);

	while (c != FMUTEX_UNLOCKED) {
		if (futex(&s->word, op, FMUTEX_WAITERS, abs, FUTEX_BITSET_MATCH_ANY) && errno == ETIMEDOUT)
			return ETIMEDOUT;
		c = __atomic_exchange_n(&s->word, FMUTEX_WAITERS, __ATOMIC_ACQUIRE);
	}
	return 0;
}

/* ---- glibc's own functions ---- */

static struct {
	int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
	int (*mutex_destroy)(pthread_mutex_t *);
	int (*mutex_lock)(pthread_mutex_t *);
	int (*mutex_trylock)(pthread_mutex_t *);
	int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*mutex_unlock)(pthread_mutex_t *);
	int (*cond_init)(pthread_cond_t *, const pthread_condattr_t *);
	int (*cond_destroy)(pthread_cond_t *);
	int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*cond_signal)(pthread_cond_t *);
	int (*cond_broadcast)(pthread_cond_t *);
} real;

/* The condvar has two versions in glibc on x86-64; plain dlsym may return the 2.2.5 one. */
static void *real_sym(const char *name, int versioned)
{
	void *p = versioned ? dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2") : NULL;

	return p ? p : dlsym(RTLD_NEXT, name);
}

/* ---- the implementation in use ---- */

struct lock_impl {
	const char *name;
	int (*try)(struct lock_state *s);    /* 1 if taken */
	void (*lock)(struct lock_state *s);  /* after a failed try */
	void (*unlock)(struct lock_state *s);
	int spins;			     /* timed waits spin rather than sleep */
};

static const struct lock_impl impls[] = {
	{ "ticket", ticket_try, ticket_lock, ticket_unlock, 1 },
	{ "ttas", ttas_try, ttas_lock, word_unlock, 1 },
	{ "futex-mutex", futex_mutex_try, futex_mutex_lock, futex_mutex_unlock, 0 },
	{ "pthread", NULL, NULL, NULL, 0 }, /* glibc's, through real.* */
};

static const struct lock_impl *impl; /* NULL: pthread */
static const char *impl_name = "pthread";

/* ---- memory for profiles: never freed, never malloc (which may lock) ---- */

static char *arena;
static size_t arena_used;
static uint64_t arena_refusals; /* threads or mutexes left unprofiled for want of room */

/* A thread's state is ~60 KB and never reused: about 4000 threads fit. */
static void *arena_alloc(size_t size)
{
	size_t off;

	size = (size + 63) & ~(size_t)63;
	off = __atomic_fetch_add(&arena_used, size, __ATOMIC_RELAXED);
	if (!arena || off + size > ARENA_BYTES) {
		__atomic_fetch_add(&arena_refusals, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	return arena + off;
}

/* ---- profiles ---- */

/* How a mutex's class is named: where it was initialised, or where it lives, or where first locked. */
enum class_kind { CLASS_INIT_SITE, CLASS_STATIC, CLASS_FIRST_LOCK };

static const char *const class_kind_names[] = {
	[CLASS_INIT_SITE] = "pthread_mutex_init call site",
	[CLASS_STATIC] = "address (statically initialised)",
	[CLASS_FIRST_LOCK] = "first lock call site (zero-filled, never initialised)",
};

/* Per mutex; written only by the holder, so plain increments are exact. */
struct mprof {
	uintptr_t class_key;
	enum class_kind class_kind;
	uint64_t acquisitions, contended, cond_relocks;
	uint64_t wait_sum, wait_max, hold_sum, hold_max; /* ticks */
	uint64_t trylock_busy;				 /* atomic: counted without the lock */
	struct mprof *next;
};

static struct mprof *all_mprofs;

struct reservoir {
	uint64_t seen;
	uint64_t v[RESERVOIR];
};

/* Per thread; only the dump reads another thread's (racy snapshots are fine). */
struct tstate {
	struct ipcb_hist wait, cwait, hold; /* ticks */
	struct reservoir rwait, rcwait, rhold;
	uint64_t rng;
	uint64_t acquisitions, contended, trylock_ok, trylock_busy, cond_waits, cond_relocks;
	uint64_t unprofiled, wait_sum, hold_sum;
	pid_t tid;
	struct tstate *next;
};

static struct tstate *all_threads;
static TLS struct tstate *self;
static TLS int in_hook; /* our own code locking (e.g. a libc call in a dump): no profiling */

struct site {
	uintptr_t addr;
	uint64_t contended, wait_sum;
};

static struct site sites[SITES];
static uint64_t sites_lost;

static void push(void *node, void **head, void **next_field)
{
	void *old = __atomic_load_n(head, __ATOMIC_RELAXED);

	do
		*next_field = old;
	while (!__atomic_compare_exchange_n(head, &old, node, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

static struct tstate *thread_state(void)
{
	struct tstate *t = self;

	if (__builtin_expect(t != NULL, 1))
		return t;
	t = arena_alloc(sizeof(*t));
	if (!t)
		return NULL;
	t->tid = (pid_t)syscall(SYS_gettid);
	t->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)t->tid;
	push(t, (void **)&all_threads, (void **)&t->next);
	self = t;
	return t;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Algorithm R: every value seen has the same chance to be kept. */
static void reservoir_add(struct reservoir *r, uint64_t *rng, uint64_t v)
{
	uint64_t i = r->seen++;

	if (i < RESERVOIR) {
		r->v[i] = v;
		return;
	}
	/* a uniform index in [0, i] by multiplication: a division here would cost more than the lock */
	i = (uint64_t)(((unsigned __int128)xorshift(rng) * (i + 1)) >> 64);
	if (i < RESERVOIR)
		r->v[i] = v;
}

static void site_add(uintptr_t addr, uint64_t wait)
{
	size_t i, h = (addr >> 2) * 0x9e3779b97f4a7c15ull >> 52; /* 12 bits */

	for (i = 0; i < SITES; i++) {
		struct site *s = &sites[(h + i) % SITES];
		uintptr_t cur = __atomic_load_n(&s->addr, __ATOMIC_ACQUIRE);

		if (cur == 0) {
			if (__atomic_compare_exchange_n(&s->addr, &cur, addr, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				cur = addr;
		}
		if (cur == addr) {
			__atomic_fetch_add(&s->contended, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&s->wait_sum, wait, __ATOMIC_RELAXED);
			return;
		}
	}
	__atomic_fetch_add(&sites_lost, 1, __ATOMIC_RELAXED);
}

static struct mprof *mprof_new(uintptr_t key, enum class_kind kind)
{
	struct mprof *p = arena_alloc(sizeof(*p));

	if (!p)
		return NULL;
	p->class_key = key;
	p->class_kind = kind;
	push(p, (void **)&all_mprofs, (void **)&p->next);
	return p;
}

/*
 * A mutex locked without pthread_mutex_init: a static one (inside a loaded
 * object) is its own class; a zero-filled one on the heap is named by the
 * code that first locked it. Once per mutex, so dladdr's cost is paid once.
 */
static struct mprof *mprof_first_lock(struct imutex *m, uintptr_t site)
{
	Dl_info info;

	if (dladdr(m, &info) && info.dli_fname)
		return mprof_new((uintptr_t)m, CLASS_STATIC);
	return mprof_new(site, CLASS_FIRST_LOCK);
}

/* Is this a mutex our lock replaces (else glibc's), and may we profile it? */
static inline int ours(const struct imutex *m)
{
	return impl && !(m->kind & (KIND_ROBUST | KIND_PI | KIND_PP | KIND_PSHARED)) &&
	       ((m->kind & KIND_TYPE_MASK) == PTHREAD_MUTEX_NORMAL ||
		(m->kind & KIND_TYPE_MASK) == PTHREAD_MUTEX_ADAPTIVE_NP);
}

static inline int profiled(const struct imutex *m)
{
	return !(m->kind & (KIND_ROBUST | KIND_PSHARED));
}

#define ACQ_CONTENDED 1
#define ACQ_COND_RELOCK 2 /* glibc relocked inside pthread_cond_wait: no wait sample */

/* Called holding m: the profile is ours to update. */
static void note_acquired(struct imutex *m, uint64_t t0, uint64_t t1, int how, uintptr_t site)
{
	struct tstate *t = thread_state();
	uint64_t wait = (how & ACQ_CONTENDED) ? t1 - t0 : 0;
	struct mprof *p;

	if (!t || in_hook)
		return;
	if (!profiled(m)) {
		t->unprofiled++; /* its __list is glibc's robust list: not ours to write */
		return;
	}
	m->acquired = t1;
	p = m->prof;
	if (!p)
		p = m->prof = mprof_first_lock(m, site);
	if (!p) {
		t->unprofiled++;
		return;
	}
	p->acquisitions++;
	t->acquisitions++;
	if (how & ACQ_COND_RELOCK) {
		p->cond_relocks++;
		t->cond_relocks++;
		return;
	}
	ipcb_hist_add(&t->wait, wait);
	reservoir_add(&t->rwait, &t->rng, wait);
	if (!(how & ACQ_CONTENDED))
		return;
	p->contended++;
	p->wait_sum += wait;
	if (wait > p->wait_max)
		p->wait_max = wait;
	t->contended++;
	t->wait_sum += wait;
	ipcb_hist_add(&t->cwait, wait);
	reservoir_add(&t->rcwait, &t->rng, wait);
	site_add(site, wait);
}

/* Called still holding m. */
static void note_releasing(struct imutex *m)
{
	struct tstate *t = self;
	struct mprof *p;
	uint64_t hold;

	if (!t || in_hook || !profiled(m) || !m->prof || !m->acquired)
		return;
	p = m->prof;
	hold = ticks() - m->acquired;
	p->hold_sum += hold;
	if (hold > p->hold_max)
		p->hold_max = hold;
	t->hold_sum += hold;
	ipcb_hist_add(&t->hold, hold);
	reservoir_add(&t->rhold, &t->rng, hold);
}

/* A glibc recursive mutex held more than once, or an error-checking one we do not own: not a hold. */
static int real_hold_ends(const pthread_mutex_t *pm)
{
	int type = pm->__data.__kind & KIND_TYPE_MASK;
	struct tstate *t = self;

	if (type == PTHREAD_MUTEX_RECURSIVE)
		return pm->__data.__count == 1;
	if (type == PTHREAD_MUTEX_ERRORCHECK)
		return t && pm->__data.__owner == t->tid;
	return 1;
}

static int real_nested(const pthread_mutex_t *pm)
{
	return (pm->__data.__kind & KIND_TYPE_MASK) == PTHREAD_MUTEX_RECURSIVE && pm->__data.__count > 1;
}

/* ---- initialisation: on first use, whoever comes first ---- */

static int init_state; /* 0 not yet, 1 in progress, 2 done */
static uint64_t start_ticks, start_ns;
static char out_path[PATH_MAX];
static int wrote_once;

static void choose_impl(void)
{
	const char *want = getenv("IPCBENCH_LOCK");
	size_t i;

	if (!want || !*want)
		want = "pthread";
	for (i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
		if (strcmp(want, impls[i].name))
			continue;
		impl = impls[i].try ? &impls[i] : NULL;
		impl_name = impls[i].name;
		return;
	}
	/* a mislabelled profile is worse than none */
	fprintf(stderr,
		"libipcbench-interpose: IPCBENCH_LOCK=%s is not a lock here (ticket, ttas, futex-mutex, "
		"pthread)\n",
		want);
	_exit(2);
}

static void load_real(void)
{
	real.mutex_init = real_sym("pthread_mutex_init", 0);
	real.mutex_destroy = real_sym("pthread_mutex_destroy", 0);
	real.mutex_lock = real_sym("pthread_mutex_lock", 0);
	real.mutex_trylock = real_sym("pthread_mutex_trylock", 0);
	real.mutex_timedlock = real_sym("pthread_mutex_timedlock", 0);
	real.mutex_clocklock = real_sym("pthread_mutex_clocklock", 0);
	real.mutex_unlock = real_sym("pthread_mutex_unlock", 0);
	real.cond_init = real_sym("pthread_cond_init", 1);
	real.cond_destroy = real_sym("pthread_cond_destroy", 1);
	real.cond_wait = real_sym("pthread_cond_wait", 1);
	real.cond_timedwait = real_sym("pthread_cond_timedwait", 1);
	real.cond_clockwait = real_sym("pthread_cond_clockwait", 0);
	real.cond_signal = real_sym("pthread_cond_signal", 1);
	real.cond_broadcast = real_sym("pthread_cond_broadcast", 1);
}

static void do_init(void)
{
	const char *out = getenv("IPCBENCH_OUT");
	void *a;

	load_real();
	choose_impl();
	a = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	arena = a == MAP_FAILED ? NULL : a;
	if (out && *out)
		snprintf(out_path, sizeof(out_path), "%s", out);
	else
		snprintf(out_path, sizeof(out_path), "ipcbench-interpose-%d.json", (int)getpid());
	start_ns = mono_ns();
	start_ticks = ticks();
}

static inline void ensure_init(void)
{
	int s = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);

	if (__builtin_expect(s == 2, 1))
		return;
	s = 0;
	if (__atomic_compare_exchange_n(&init_state, &s, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		do_init();
		__atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
}

/* ---- the interposed mutex functions ---- */

EXPORT int pthread_mutex_init(pthread_mutex_t *pm, const pthread_mutexattr_t *attr)
{
	struct imutex *m = (struct imutex *)pm;
	int rc;

	ensure_init();
	rc = real.mutex_init(pm, attr); /* glibc records the type and clears the rest */
	if (rc == 0 && profiled(m) && !in_hook)
		m->prof = mprof_new((uintptr_t)__builtin_return_address(0), CLASS_INIT_SITE);
	return rc;
}

EXPORT int pthread_mutex_destroy(pthread_mutex_t *pm)
{
	struct imutex *m = (struct imutex *)pm;

	ensure_init();
	if (profiled(m))
		m->prof = NULL; /* the totals stay in the class; a new init starts afresh */
	return real.mutex_destroy(pm);
}

static int lock_at(pthread_mutex_t *pm, uintptr_t site, int how)
{
	struct imutex *m = (struct imutex *)pm;
	uint64_t t0 = ticks(), t1;
	int rc;

	if (ours(m)) {
		if (impl->try(LS(m))) {
			note_acquired(m, t0, t0, how, site);
			return 0;
		}
		impl->lock(LS(m));
		note_acquired(m, t0, ticks(), how | ACQ_CONTENDED, site);
		return 0;
	}
	rc = real.mutex_trylock(pm);
	if (rc == 0 && !real_nested(pm)) {
		note_acquired(m, t0, t0, how, site);
		return 0;
	}
	if (rc == 0)
		return 0;
	rc = real.mutex_lock(pm);
	if (rc)
		return rc; /* EDEADLK, EAGAIN (recursion count), EOWNERDEAD: not a plain acquisition */
	t1 = ticks();
	if (!real_nested(pm))
		note_acquired(m, t0, t1, how | ACQ_CONTENDED, site);
	return 0;
}

static int unlock_at(pthread_mutex_t *pm)
{
	struct imutex *m = (struct imutex *)pm;

	if (ours(m)) {
		note_releasing(m);
		impl->unlock(LS(m));
		return 0;
	}
	if (real_hold_ends(pm))
		note_releasing(m);
	return real.mutex_unlock(pm);
}

EXPORT int pthread_mutex_lock(pthread_mutex_t *pm)
{
	ensure_init();
	return lock_at(pm, (uintptr_t)__builtin_return_address(0), 0);
}

EXPORT int pthread_mutex_unlock(pthread_mutex_t *pm)
{
	ensure_init();
	return unlock_at(pm);
}

EXPORT int pthread_mutex_trylock(pthread_mutex_t *pm)
{
	struct imutex *m = (struct imutex *)pm;
	uint64_t t0;
	int rc;

	ensure_init();
	t0 = ticks();
	if (ours(m))
		rc = impl->try(LS(m)) ? 0 : EBUSY;
	else
		rc = real.mutex_trylock(pm);
	if (rc == 0) {
		if (!ours(m) && real_nested(pm))
			return 0;
		note_acquired(m, t0, t0, 0, (uintptr_t)__builtin_return_address(0));
		if (self)
			self->trylock_ok++;
	} else if (rc == EBUSY && !in_hook) {
		struct tstate *t = thread_state();

		if (t)
			t->trylock_busy++;
		if (profiled(m) && m->prof)
			__atomic_fetch_add(&m->prof->trylock_busy, 1, __ATOMIC_RELAXED);
	}
	return rc;
}

static int past(clockid_t clock, const struct timespec *abs)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec > abs->tv_sec || (now.tv_sec == abs->tv_sec && now.tv_nsec >= abs->tv_nsec);
}

/* A ticket cannot be given back, so spinning locks wait for a deadline by retrying their try. */
static int ours_lock_until(struct imutex *m, clockid_t clock, const struct timespec *abs)
{
	unsigned int spins = 0;

	if (!impl->spins)
		return futex_mutex_lock_until(LS(m), clock, abs);
	while (!impl->try(LS(m))) {
		if (past(clock, abs))
			return ETIMEDOUT;
		spin_wait(&spins);
	}
	return 0;
}

static int timedlock_at(pthread_mutex_t *pm, clockid_t clock, const struct timespec *abs, uintptr_t site)
{
	struct imutex *m = (struct imutex *)pm;
	uint64_t t0 = ticks();
	int rc;

	if (abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000)
		return EINVAL;
	if (ours(m)) {
		if (impl->try(LS(m))) {
			note_acquired(m, t0, t0, 0, site);
			return 0;
		}
		rc = ours_lock_until(m, clock, abs);
	} else {
		rc = real.mutex_trylock(pm);
		if (rc == 0) {
			if (!real_nested(pm))
				note_acquired(m, t0, t0, 0, site);
			return 0;
		}
		rc = clock == CLOCK_REALTIME || !real.mutex_clocklock ? real.mutex_timedlock(pm, abs)
								      : real.mutex_clocklock(pm, clock, abs);
		if (rc == 0 && real_nested(pm))
			return 0;
	}
	if (rc == 0)
		note_acquired(m, t0, ticks(), ACQ_CONTENDED, site);
	return rc;
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t *pm, const struct timespec *abs)
{
	ensure_init();
	return timedlock_at(pm, CLOCK_REALTIME, abs, (uintptr_t)__builtin_return_address(0));
}

EXPORT int pthread_mutex_clocklock(pthread_mutex_t *pm, clockid_t clock, const struct timespec *abs)
{
	ensure_init();
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	return timedlock_at(pm, clock, abs, (uintptr_t)__builtin_return_address(0));
}

/* ---- condition variables ---- */

EXPORT int pthread_cond_init(pthread_cond_t *pc, const pthread_condattr_t *attr)
{
	struct icond *c = (struct icond *)pc;
	clockid_t clock = CLOCK_REALTIME;
	int pshared = PTHREAD_PROCESS_PRIVATE;

	ensure_init();
	if (!impl)
		return real.cond_init(pc, attr);
	if (attr) {
		pthread_condattr_getclock(attr, &clock);
		pthread_condattr_getpshared(attr, &pshared);
	}
	memset(pc, 0, sizeof(*pc));
	c->flags = (clock == CLOCK_MONOTONIC ? COND_MONOTONIC : 0) |
		   (pshared == PTHREAD_PROCESS_SHARED ? COND_PSHARED : 0);
	return 0;
}

EXPORT int pthread_cond_destroy(pthread_cond_t *pc)
{
	ensure_init();
	return impl ? 0 : real.cond_destroy(pc);
}

/*
 * Register as a waiter, read the sequence, unlock, sleep while the sequence
 * is unchanged, relock. A signal bumps the sequence before it looks for
 * waiters and a waiter registers before it reads the sequence, so either the
 * waiter sees the new sequence (and does not sleep) or the signaller sees
 * the waiter (and wakes it): no lost wake-up. Spurious wake-ups are allowed.
 */
static int our_cond_wait(struct icond *c, pthread_mutex_t *pm, clockid_t clock, const struct timespec *abs,
			 uintptr_t site)
{
	int op = (c->flags & COND_PSHARED) ? FUTEX_WAIT_BITSET : FUTEX_WAIT_BITSET_PRIVATE;
	uint32_t seq;
	int rc = 0;

	if (abs && (abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000))
		return EINVAL;
	if (clock == CLOCK_REALTIME)
		op |= FUTEX_CLOCK_REALTIME;
	__atomic_add_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&c->seq, __ATOMIC_SEQ_CST);
	unlock_at(pm);
	if (futex(&c->seq, op, seq, abs, FUTEX_BITSET_MATCH_ANY) && errno == ETIMEDOUT)
		rc = ETIMEDOUT;
	__atomic_sub_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
	lock_at(pm, site, 0);
	if (self)
		self->cond_waits++;
	return rc;
}

/* glibc's condvar relocks behind our back: end the hold before, count the relock after. */
static int real_cond_wait(pthread_cond_t *pc, pthread_mutex_t *pm, clockid_t clock, const struct timespec *abs,
			  int clock_given)
{
	struct imutex *m = (struct imutex *)pm;
	int rc;

	if (real_hold_ends(pm))
		note_releasing(m);
	if (!abs)
		rc = real.cond_wait(pc, pm);
	else if (clock_given && real.cond_clockwait)
		rc = real.cond_clockwait(pc, pm, clock, abs);
	else
		rc = real.cond_timedwait(pc, pm, abs);
	if (!real_nested(pm) && (rc == 0 || rc == ETIMEDOUT)) {
		uint64_t now = ticks();

		note_acquired(m, now, now, ACQ_COND_RELOCK, 0);
	}
	if (self)
		self->cond_waits++;
	return rc;
}

static clockid_t cond_clock(const pthread_cond_t *pc)
{
	return (((const struct icond *)pc)->flags & COND_MONOTONIC) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

EXPORT int pthread_cond_wait(pthread_cond_t *pc, pthread_mutex_t *pm)
{
	ensure_init();
	if (!impl)
		return real_cond_wait(pc, pm, CLOCK_REALTIME, NULL, 0);
	return our_cond_wait((struct icond *)pc, pm, CLOCK_REALTIME, NULL,
			     (uintptr_t)__builtin_return_address(0));
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *pc, pthread_mutex_t *pm, const struct timespec *abs)
{
	ensure_init();
	if (!impl)
		return real_cond_wait(pc, pm, CLOCK_REALTIME, abs, 0);
	return our_cond_wait((struct icond *)pc, pm, cond_clock(pc), abs,
			     (uintptr_t)__builtin_return_address(0));
}

EXPORT int pthread_cond_clockwait(pthread_cond_t *pc, pthread_mutex_t *pm, clockid_t clock,
				  const struct timespec *abs)
{
	ensure_init();
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	if (!impl)
		return real_cond_wait(pc, pm, clock, abs, 1);
	return our_cond_wait((struct icond *)pc, pm, clock, abs, (uintptr_t)__builtin_return_address(0));
}

static int our_cond_wake(struct icond *c, int n)
{
	int op = (c->flags & COND_PSHARED) ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;

	__atomic_add_fetch(&c->seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->waiters, __ATOMIC_SEQ_CST))
		futex(&c->seq, op, (uint32_t)n, NULL, 0);
	return 0;
}

EXPORT int pthread_cond_signal(pthread_cond_t *pc)
{
	ensure_init();
	return impl ? our_cond_wake((struct icond *)pc, 1) : real.cond_signal(pc);
}

EXPORT int pthread_cond_broadcast(pthread_cond_t *pc)
{
	ensure_init();
	return impl ? our_cond_wake((struct icond *)pc, INT_MAX) : real.cond_broadcast(pc);
}

/* ---- the results file ---- */

struct totals {
	struct ipcb_hist wait, cwait, hold;
	uint64_t acquisitions, contended, trylock_ok, trylock_busy, cond_waits, cond_relocks;
	uint64_t unprofiled, wait_sum, hold_sum, threads;
};

static void add_totals(struct totals *s, const struct tstate *t)
{
	ipcb_hist_merge(&s->wait, &t->wait);
	ipcb_hist_merge(&s->cwait, &t->cwait);
	ipcb_hist_merge(&s->hold, &t->hold);
	s->acquisitions += t->acquisitions;
	s->contended += t->contended;
	s->trylock_ok += t->trylock_ok;
	s->trylock_busy += t->trylock_busy;
	s->cond_waits += t->cond_waits;
	s->cond_relocks += t->cond_relocks;
	s->unprofiled += t->unprofiled;
	s->wait_sum += t->wait_sum;
	s->hold_sum += t->hold_sum;
	s->threads++;
}

/*
 * Up to STORED_SAMPLES values from the threads' reservoirs, each thread
 * contributing in proportion to how many values it saw, in ns.
 */
static size_t merge_samples(size_t res_off, uint64_t total, double ns_per_tick, double *out)
{
	const struct tstate *t;
	size_t n = 0, k, take;

	if (!total)
		return 0;
	for (t = all_threads; t; t = t->next) {
		const struct reservoir *r = (const void *)((const char *)t + res_off);
		size_t have = r->seen < RESERVOIR ? (size_t)r->seen : RESERVOIR;

		take = (size_t)((double)STORED_SAMPLES * (double)r->seen / (double)total + 0.5);
		if (take > have)
			take = have;
		for (k = 0; k < take && n < STORED_SAMPLES; k++)
			out[n++] = (double)r->v[k] * ns_per_tick;
	}
	return n;
}

/* "object:symbol+0xoff", "object+0xoff" or "0xaddr": where code or data is. */
static void where(uintptr_t addr, char *buf, size_t len)
{
	Dl_info info;
	const char *obj;

	if (!addr || !dladdr((void *)addr, &info) || !info.dli_fname) {
		snprintf(buf, len, "0x%lx", (unsigned long)addr);
		return;
	}
	obj = strrchr(info.dli_fname, '/');
	obj = obj ? obj + 1 : info.dli_fname;
	if (!*obj)
		obj = program_invocation_short_name;
	if (info.dli_sname && info.dli_saddr)
		snprintf(buf, len, "%s:%s+0x%lx", obj, info.dli_sname,
			 (unsigned long)(addr - (uintptr_t)info.dli_saddr));
	else
		snprintf(buf, len, "%s+0x%lx", obj, (unsigned long)(addr - (uintptr_t)info.dli_fbase));
}

struct class_sum {
	uintptr_t key;
	enum class_kind kind;
	uint64_t mutexes, acquisitions, contended, cond_relocks, trylock_busy;
	uint64_t wait_sum, wait_max, hold_sum, hold_max;
};

static int by_wait(const void *a, const void *b)
{
	const struct class_sum *x = a, *y = b;

	if (x->wait_sum != y->wait_sum)
		return x->wait_sum < y->wait_sum ? 1 : -1;
	return x->acquisitions < y->acquisitions ? 1 : x->acquisitions > y->acquisitions ? -1 : 0;
}

/* Mutexes grouped into classes (same init site, or the same static mutex). */
static size_t collect_classes(struct class_sum **out)
{
	const struct mprof *p;
	struct class_sum *c = NULL, *grown;
	size_t n = 0, cap = 0, i;

	for (p = all_mprofs; p; p = p->next) {
		for (i = 0; i < n; i++)
			if (c[i].key == p->class_key && c[i].kind == p->class_kind)
				break;
		if (i == n) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				grown = realloc(c, cap * sizeof(*c));
				if (!grown)
					break;
				c = grown;
			}
			memset(&c[n], 0, sizeof(c[n]));
			c[n].key = p->class_key;
			c[n].kind = p->class_kind;
			n++;
		}
		c[i].mutexes++;
		c[i].acquisitions += p->acquisitions;
		c[i].contended += p->contended;
		c[i].cond_relocks += p->cond_relocks;
		c[i].trylock_busy += p->trylock_busy;
		c[i].wait_sum += p->wait_sum;
		c[i].hold_sum += p->hold_sum;
		if (p->wait_max > c[i].wait_max)
			c[i].wait_max = p->wait_max;
		if (p->hold_max > c[i].hold_max)
			c[i].hold_max = p->hold_max;
	}
	if (n)
		qsort(c, n, sizeof(*c), by_wait);
	*out = c;
	return n;
}

static json_t *classes_json(double ns_per_tick, size_t *nclasses, uint64_t *nmutexes)
{
	struct class_sum *c;
	size_t n = collect_classes(&c), i;
	json_t *arr = json_array();
	char name[256];

	*nclasses = n;
	*nmutexes = 0;
	for (i = 0; i < n; i++) {
		*nmutexes += c[i].mutexes;
		if (i >= TOP * 2)
			continue;
		where(c[i].key, name, sizeof(name));
		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f}", "class", name,
				  "identified_by", class_kind_names[c[i].kind],
				  "mutexes", (json_int_t)c[i].mutexes, "acquisitions", (json_int_t)c[i].acquisitions,
				  "contended", (json_int_t)c[i].contended, "cond_relocks",
				  (json_int_t)c[i].cond_relocks, "trylock_busy", (json_int_t)c[i].trylock_busy,
				  "wait_total_ms", (double)c[i].wait_sum * ns_per_tick / 1e6, "wait_mean_contended_ns",
				  c[i].contended ? (double)c[i].wait_sum * ns_per_tick / (double)c[i].contended : 0.0,
				  "wait_max_ns", (double)c[i].wait_max * ns_per_tick, "hold_mean_ns",
				  c[i].acquisitions ? (double)c[i].hold_sum * ns_per_tick / (double)c[i].acquisitions
						    : 0.0,
				  "hold_max_ns", (double)c[i].hold_max * ns_per_tick));
	}
	free(c);
	return arr;
}

static int site_by_wait(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->wait_sum < y->wait_sum ? 1 : x->wait_sum > y->wait_sum ? -1 : 0;
}

static json_t *sites_json(double ns_per_tick)
{
	struct site *copy = malloc(sizeof(sites));
	json_t *arr = json_array();
	char name[256];
	size_t i, n = 0;

	if (!copy)
		return arr;
	for (i = 0; i < SITES; i++)
		if (__atomic_load_n(&sites[i].addr, __ATOMIC_ACQUIRE))
			copy[n++] = sites[i];
	qsort(copy, n, sizeof(*copy), site_by_wait);
	for (i = 0; i < n && i < TOP; i++) {
		where(copy[i].addr, name, sizeof(name));
		json_array_append_new(arr, json_pack("{s:s, s:I, s:f, s:f}", "site", name, "contended",
						     (json_int_t)copy[i].contended, "wait_total_ms",
						     (double)copy[i].wait_sum * ns_per_tick / 1e6, "wait_mean_ns",
						     (double)copy[i].wait_sum * ns_per_tick / (double)copy[i].contended));
	}
	free(copy);
	return arr;
}

/* The CPUs the process may run on: an unpinned placement's cpus. 0 or -1 (memory). */
static int affinity(struct ipcb_result *r)
{
	cpu_set_t set;
	int i;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	r->cpus = calloc((size_t)CPU_COUNT(&set) + 1, sizeof(*r->cpus));
	if (!r->cpus)
		return -1;
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			r->cpus[r->ncpus++] = i;
	return 0;
}

static json_t *machine_json(void)
{
	char host[256] = "localhost", model[256] = "unknown";
	struct utsname u;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	ipcb_read_field("/proc/cpuinfo", "model name", model, sizeof(model));
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	return json_pack("{s:s, s:s, s:s, s:I}", "hostname", host, "cpu_model", model, "kernel", u.release, "cpus",
			 (json_int_t)sysconf(_SC_NPROCESSORS_ONLN));
}

static json_t *argv_json(void)
{
	json_t *arr = json_array();
	char buf[4096];
	FILE *f = fopen("/proc/self/cmdline", "r");
	size_t n, i = 0;

	if (!f)
		return arr;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (i < n) {
		json_array_append_new(arr, json_string(buf + i));
		i += strlen(buf + i) + 1;
	}
	return arr;
}

/*
 * What every result shares: id, placement, unit, and the lock and program
 * that produced it (the interposer's own members: r->unknown). 0 or -1.
 */
static int result_new(struct ipcb_result *r, const char *id, const char *per)
{
	memset(r, 0, sizeof(*r));
	r->unknown = json_pack("{s:s, s:s}", "lock", impl_name, "program", program_invocation_short_name);
	if (!r->unknown || ipcb_result_set_str(&r->id, id) || ipcb_result_set_str(&r->family, "interpose") ||
	    ipcb_result_set_str(&r->placement, "unpinned") || ipcb_result_set_str(&r->unit, "ns") ||
	    ipcb_result_set_str(&r->per, per))
		return -1;
	return affinity(r);
}

/* A result over one kind of sample: stats from the reservoirs, the full histogram. 0 or -1. */
static int sample_result(struct ipcb_result *r, const char *id, const char *per, size_t res_off,
			 const struct ipcb_hist *h, double ns_per_tick, const char *empty)
{
	struct ipcb_stats st;

	if (result_new(r, id, per))
		return -1;
	r->samples = malloc(STORED_SAMPLES * sizeof(*r->samples));
	if (!r->samples)
		return -1;
	r->nsamples = merge_samples(res_off, h->count, ns_per_tick, r->samples);
	if (!r->nsamples) {
		r->status = IPCB_STATUS_SKIPPED;
		return ipcb_result_set_str(&r->reason, empty);
	}
	ipcb_stats_compute(r->samples, r->nsamples, &st);
	ipcb_summary_from_stats(&r->stats, &st);
	r->has |= IPCB_HAS_STATS | IPCB_HAS_SAMPLES;
	r->histogram = ipcb_hist_result(h, ns_per_tick);
	return r->histogram ? 0 : -1;
}

/* The whole run's figures, beside interpose/wait's median. 0 or -1. */
static int add_metrics(struct ipcb_result *r, const struct totals *s, double ns_per_tick, double elapsed_ns,
		       size_t nclasses, uint64_t nmutexes)
{
	const struct {
		const char *name;
		double value;
		const char *unit;
	} m[] = {
		{ "acquisitions", (double)s->acquisitions, "count" },
		{ "contended", (double)s->contended, "count" },
		{ "contended_fraction", s->acquisitions ? (double)s->contended / (double)s->acquisitions : 0,
		  "ratio" },
		{ "acquisitions_per_s", (double)s->acquisitions / (elapsed_ns / 1e9), "1/s" },
		{ "wait_total_s", (double)s->wait_sum * ns_per_tick / 1e9, "s" },
		{ "hold_total_s", (double)s->hold_sum * ns_per_tick / 1e9, "s" },
		{ "trylock_ok", (double)s->trylock_ok, "count" },
		{ "trylock_busy", (double)s->trylock_busy, "count" },
		{ "cond_waits", (double)s->cond_waits, "count" },
		{ "cond_relocks", (double)s->cond_relocks, "count" },
		{ "unprofiled_acquisitions", (double)s->unprofiled, "count" },
		{ "mutexes", (double)nmutexes, "count" },
		{ "mutex_classes", (double)nclasses, "count" },
		{ "threads", (double)s->threads, "count" },
		{ "call_sites_lost", (double)sites_lost, "count" },
		{ "profiles_refused", (double)arena_refusals, "count" },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (ipcb_result_set_metric(r, m[i].name, m[i].value, m[i].unit))
			return -1;
	return 0;
}

/* interpose/wait carries the profile: metrics, the classes and call sites, how to read it. 0 or -1. */
static int add_profile(struct ipcb_result *r, const struct totals *s, double ns_per_tick, double elapsed_ns)
{
	const char *relocks = impl ? "pthread_cond_* replaced by a futex condvar: its relocks are profiled acquisitions with their real wait" :
				     "glibc's pthread_cond_wait relocks internally: counted as cond_relocks, without a wait sample";
	size_t nclasses;
	uint64_t nmutexes;

	/* the interposer's own attachments: their layout is the interposer's */
	r->unknown_attachments = json_object();
	if (!r->unknown_attachments)
		return -1;
	json_object_set_new(r->unknown_attachments, "classes", classes_json(ns_per_tick, &nclasses, &nmutexes));
	json_object_set_new(r->unknown_attachments, "call_sites", sites_json(ns_per_tick));
	r->has |= IPCB_HAS_ATTACHMENTS;
	if (add_metrics(r, s, ns_per_tick, elapsed_ns, nclasses, nmutexes))
		return -1;
	if (ipcb_result_add_note(r, "stats and samples: a uniform random sample (reservoir) of the recorded values; histogram: every value, log-linear buckets") ||
	    ipcb_result_add_note(r, "%s", relocks) ||
	    ipcb_result_add_note(r, "times include the interposer's own bookkeeping (two timestamp reads per lock+unlock), the same for every lock implementation"))
		return -1;
	return 0;
}

/* r into the document's results as result.c writes it (left out if it could not be built); r is freed. */
static void add_result(json_t *doc, struct ipcb_result *r, int rc)
{
	json_t *j = rc ? NULL : ipcb_result_to_json(r);

	if (j)
		json_array_append_new(json_object_get(doc, "results"), j);
	ipcb_result_free(r);
}

static json_t *build_doc(const char *trigger, double *ns_per_tick_out, struct totals *s)
{
	uint64_t now_ticks = ticks(), now_ns = mono_ns();
	double elapsed_ns = (double)(now_ns - start_ns);
	double ns_per_tick = now_ticks > start_ticks ? elapsed_ns / (double)(now_ticks - start_ticks) : 1.0;
	const struct tstate *t;
	struct ipcb_result r;
	json_t *doc;
	int rc;

	memset(s, 0, sizeof(*s));
	for (t = all_threads; t; t = t->next)
		add_totals(s, t);
	doc = ipcb_report_new(machine_json(),
			      json_pack("{s:s, s:s, s:o, s:i, s:s, s:f, s:f}", "lock", impl_name, "program",
					program_invocation_short_name, "argv", argv_json(), "pid", (int)getpid(),
					"trigger", trigger, "elapsed_s", elapsed_ns / 1e9, "tick_hz",
					1e9 / ns_per_tick));
	rc = sample_result(&r, "interpose/wait", "acquisition", offsetof(struct tstate, rwait), &s->wait,
			   ns_per_tick, "no mutex was locked");
	add_result(doc, &r, rc || add_profile(&r, s, ns_per_tick, elapsed_ns));
	rc = sample_result(&r, "interpose/wait-contended", "contended acquisition", offsetof(struct tstate, rcwait),
			   &s->cwait, ns_per_tick, "no acquisition was contended");
	add_result(doc, &r, rc);
	rc = sample_result(&r, "interpose/hold", "critical section", offsetof(struct tstate, rhold), &s->hold,
			   ns_per_tick, "no critical section ended");
	add_result(doc, &r, rc);
	*ns_per_tick_out = ns_per_tick;
	return doc;
}

/* "out.json" -> "out-<pid>.json": another process already wrote the name we were given. */
static void per_process_path(void)
{
	char base[PATH_MAX];
	char *dot;

	snprintf(base, sizeof(base), "%s", out_path);
	dot = strrchr(base, '.');
	if (dot && !strchr(dot, '/') && !strcmp(dot, ".json"))
		*dot = '\0';
	snprintf(out_path, sizeof(out_path), "%.*s-%d.json", (int)(sizeof(out_path) - 24), base, (int)getpid());
}

static int dumping;
static pid_t out_pid;

static void dump(const char *trigger, int interrupted)
{
	struct totals *s;
	double ns_per_tick;
	char err[512];
	json_t *doc;
	int expected = 0, rc;

	if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 2)
		return;
	if (!__atomic_compare_exchange_n(&dumping, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return; /* one dump at a time; the other trigger's comes too late to matter */
	in_hook = 1;
	if (getpid() != out_pid) {
		/* a forked child: never the parent's file */
		if (out_pid)
			per_process_path();
		out_pid = getpid();
		wrote_once = 0;
	}
	s = malloc(sizeof(*s));
	if (!s)
		goto out;
	doc = build_doc(trigger, &ns_per_tick, s);
	ipcb_report_finish(doc, interrupted);
	/* the first write never replaces another's file; ours we replace with each snapshot */
	rc = ipcb_report_write(doc, out_path, wrote_once, err, sizeof(err));
	if (rc && !wrote_once && strstr(err, "not overwriting")) {
		per_process_path();
		rc = ipcb_report_write(doc, out_path, 0, err, sizeof(err));
	}
	if (rc)
		fprintf(stderr, "libipcbench-interpose: %s\n", err);
	else
		fprintf(stderr, "libipcbench-interpose: wrote %s (%s, %llu acquisitions, %llu contended)\n",
			out_path, impl_name, (unsigned long long)s->acquisitions,
			(unsigned long long)s->contended);
	wrote_once |= rc == 0;
	json_decref(doc);
	free(s);
out:
	in_hook = 0;
	__atomic_store_n(&dumping, 0, __ATOMIC_RELEASE);
}

/*
 * ---- signals: none unless asked for ----
 *
 * A preloaded library must leave the program as it found it: a thread of
 * ours makes unshare(CLONE_NEWUSER) fail, and a handler of ours in place of
 * SIG_DFL makes Python skip its KeyboardInterrupt handler. So the dump thread
 * and the handlers exist only when IPCBENCH_DUMP_SIGNAL (snapshot: the
 * program goes on) or IPCBENCH_DUMP_FATAL_SIGNAL (write, then the signal
 * takes its course) names a signal. Writing JSON is not async-signal-safe:
 * the handler only pokes the dump thread.
 *
 * Our handler then stays in the kernel for those signals. What the program
 * installs with sigaction or signal is kept aside, reported back to it as
 * its own, and called by our handler; so is what was there before us (a
 * library constructor's handler, a program that dlopen()s us, a SIG_IGN
 * inherited across exec). A disposition set behind our back (a raw
 * rt_sigaction, SA_RESETHAND firing) is the kernel's: we report and obey it.
 */

#define SIG_BITS 64	 /* signals 1..64, bit sig - 1 */
#define SIG_SLOTS 4	 /* the handler may read a slot while the next one is written */
#define POKE_FATAL 0x80	 /* in the byte on the pipe, beside the signal number */

/* The program's disposition of one signal; the handler reads it without a lock. */
struct chained {
	struct sigaction slot[SIG_SLOTS];
	unsigned int gen; /* slot[gen % SIG_SLOTS] is the current one */
};

static uint64_t snapshot_sigs, fatal_sigs;
static struct chained chained[SIG_BITS + 1];
static int chain_lock;
static int sig_pipe[2] = { -1, -1 };
static pid_t dumper_pid;

static struct {
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	__sighandler_t (*signal)(int, __sighandler_t);
	__sighandler_t (*bsd_signal)(int, __sighandler_t);
	__sighandler_t (*sysv_signal)(int, __sighandler_t);
	__sighandler_t (*__sysv_signal)(int, __sighandler_t);
} real_sig;

/* In the constructor: dlsym is not async-signal-safe, and signal() is called from handlers. */
static void load_real_sig(void)
{
	if (real_sig.sigaction)
		return;
	real_sig.signal = dlsym(RTLD_NEXT, "signal");
	real_sig.bsd_signal = dlsym(RTLD_NEXT, "bsd_signal");
	real_sig.sysv_signal = dlsym(RTLD_NEXT, "sysv_signal");
	real_sig.__sysv_signal = dlsym(RTLD_NEXT, "__sysv_signal");
	__atomic_store_n(&real_sig.sigaction, dlsym(RTLD_NEXT, "sigaction"), __ATOMIC_RELEASE);
}

static int real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	load_real_sig();
	return real_sig.sigaction(sig, act, old);
}

static inline uint64_t sig_bit(int sig)
{
	return sig > 0 && sig <= SIG_BITS ? (uint64_t)1 << (sig - 1) : 0;
}

static inline int chained_sig(int sig)
{
	return (__atomic_load_n(&snapshot_sigs, __ATOMIC_ACQUIRE) |
		__atomic_load_n(&fatal_sigs, __ATOMIC_ACQUIRE)) & sig_bit(sig);
}

static void program_action(int sig, struct sigaction *out)
{
	const struct chained *c = &chained[sig];

	*out = c->slot[__atomic_load_n(&c->gen, __ATOMIC_ACQUIRE) % SIG_SLOTS];
}

/* Under chain_lock. */
static void set_program_action(int sig, const struct sigaction *sa)
{
	struct chained *c = &chained[sig];
	unsigned int g = c->gen + 1;

	c->slot[g % SIG_SLOTS] = *sa;
	__atomic_store_n(&c->gen, g, __ATOMIC_RELEASE);
}

/* sigaction is async-signal-safe: a handler may call it while its thread holds the lock. */
static void chain_enter(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, saved);
	while (__atomic_exchange_n(&chain_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void chain_leave(const sigset_t *saved)
{
	__atomic_store_n(&chain_lock, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

static void poke(int sig, int fatal)
{
	unsigned char b = (unsigned char)(sig | (fatal ? POKE_FATAL : 0));

	if (write(sig_pipe[1], &b, 1) != 1) {
		/* the pipe is full: a dump is already on its way */
	}
}

static void on_signal(int sig, siginfo_t *info, void *uc)
{
	int saved = errno, forked = getpid() != dumper_pid;
	uint64_t bit = sig_bit(sig);
	struct sigaction prog;

	program_action(sig, &prog);
	/* a forked child has no dump thread: no snapshot, and a fatal signal takes its course */
	if ((__atomic_load_n(&snapshot_sigs, __ATOMIC_ACQUIRE) & bit) && !forked)
		poke(sig, 0);
	if (prog.sa_handler == SIG_DFL && (__atomic_load_n(&fatal_sigs, __ATOMIC_ACQUIRE) & bit)) {
		if (!forked) {
			poke(sig, 1);
		} else {
			struct sigaction dfl = { .sa_handler = SIG_DFL };

			real_sigaction(sig, &dfl, NULL);
			raise(sig); /* blocked until we return, then the default action */
		}
	}
	errno = saved;
	if (prog.sa_handler == SIG_DFL || prog.sa_handler == SIG_IGN)
		return;
	if (prog.sa_flags & SA_SIGINFO)
		prog.sa_sigaction(sig, info, uc);
	else
		prog.sa_handler(sig);
}

static int kernel_has_ours(const struct sigaction *k)
{
	return (k->sa_flags & SA_SIGINFO) && k->sa_sigaction == on_signal;
}

/*
 * What the kernel gets: our handler, run the way the program's would be
 * (its mask, restart, alternate stack, one-shot). Over SIG_DFL or SIG_IGN,
 * restarting: the program expects no EINTR from a signal it does not catch.
 */
static void mirror(const struct sigaction *prog, struct sigaction *k)
{
	memset(k, 0, sizeof(*k));
	k->sa_sigaction = on_signal;
	k->sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&k->sa_mask);
	if (prog->sa_handler == SIG_DFL || prog->sa_handler == SIG_IGN)
		return;
	k->sa_mask = prog->sa_mask;
	k->sa_flags = SA_SIGINFO | (prog->sa_flags & (SA_RESTART | SA_ONSTACK | SA_NODEFER | SA_RESETHAND));
}

/* sigaction on one of our signals: the program's disposition changes, our handler stays. */
static int chain_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction want, kern, prog, k;
	sigset_t saved;
	int rc;

	if (act)
		want = *act; /* act and old may be the same struct */
	chain_enter(&saved);
	rc = real_sigaction(sig, NULL, &kern);
	if (rc)
		goto out;
	if (kernel_has_ours(&kern))
		program_action(sig, &prog);
	else
		prog = kern;
	if (act) {
		mirror(&want, &k);
		set_program_action(sig, &want);
		rc = real_sigaction(sig, &k, NULL);
		if (rc)
			set_program_action(sig, &prog);
	}
out:
	chain_leave(&saved);
	if (!rc && old)
		*old = prog;
	return rc;
}

/* signal(2)'s flavours as glibc builds them from sigaction. */
static __sighandler_t chain_signal(int sig, __sighandler_t handler, int flags)
{
	struct sigaction sa, old;

	if (handler == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (!(flags & SA_NODEFER))
		sigaddset(&sa.sa_mask, sig);
	if (chain_sigaction(sig, &sa, &old))
		return SIG_ERR;
	return old.sa_handler;
}

static __sighandler_t real_signal(__sighandler_t (*fn)(int, __sighandler_t), int sig, __sighandler_t handler)
{
	if (!fn) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	return fn(sig, handler);
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!chained_sig(sig))
		return real_sigaction(sig, act, old);
	return chain_sigaction(sig, act, old);
}

EXPORT __sighandler_t signal(int sig, __sighandler_t handler)
{
	load_real_sig();
	if (!chained_sig(sig))
		return real_signal(real_sig.signal, sig, handler);
	return chain_signal(sig, handler, SA_RESTART);
}

EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t handler)
{
	load_real_sig();
	if (!chained_sig(sig))
		return real_signal(real_sig.bsd_signal, sig, handler);
	return chain_signal(sig, handler, SA_RESTART);
}

EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t handler)
{
	load_real_sig();
	if (!chained_sig(sig))
		return real_signal(real_sig.sysv_signal, sig, handler);
	return chain_signal(sig, handler, SA_RESETHAND | SA_NODEFER);
}

/* What signal() is in a strict ISO C program (-std=c11: glibc's header redirects it here). */
EXPORT __sighandler_t __sysv_signal(int sig, __sighandler_t handler)
{
	load_real_sig();
	if (!chained_sig(sig))
		return real_signal(real_sig.__sysv_signal, sig, handler);
	return chain_signal(sig, handler, SA_RESETHAND | SA_NODEFER);
}

/* Signals whose default is to end the process: a dump on one the program ignores is the user's choice. */
static const struct {
	const char *name;
	int sig;
} sig_names[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
};

static void signal_name(int sig, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++)
		if (sig_names[i].sig == sig) {
			snprintf(buf, len, "SIG%s", sig_names[i].name);
			return;
		}
	snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
}

/* "USR1", "SIGUSR1", "usr1", "10", "RTMIN+2": the number, or 0. */
static int parse_signal(const char *s)
{
	char *end;
	long n;
	size_t i;

	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++)
		if (!strcasecmp(s, sig_names[i].name))
			return sig_names[i].sig;
	if (!strncasecmp(s, "RTMIN+", 6) && s[6] >= '0' && s[6] <= '9') {
		n = strtol(s + 6, &end, 10);
		return !*end && n <= SIGRTMAX - SIGRTMIN ? SIGRTMIN + (int)n : 0;
	}
	if (*s < '0' || *s > '9')
		return 0;
	n = strtol(s, &end, 10);
	if (*end || n < 1 || n > SIGRTMAX)
		return 0;
	for (i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++)
		if (sig_names[i].sig == n)
			return (int)n;
	return n >= SIGRTMIN ? (int)n : 0;
}

/* A comma-separated list in the variable; -1 (said why) on anything that is not one of ours. */
static int signal_set(const char *var, uint64_t *set)
{
	const char *v = getenv(var);
	char buf[256], *tok, *save;
	int sig;

	*set = 0;
	if (!v || !*v)
		return 0;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		sig = parse_signal(tok);
		if (!sig || sig > SIG_BITS) {
			fprintf(stderr,
				"libipcbench-interpose: %s=%s: '%s' is not a signal here (HUP, INT, QUIT, USR1, "
				"USR2, PIPE, ALRM, TERM, RTMIN+N, or a number; comma-separated)\n",
				var, v, tok);
			return -1;
		}
		*set |= sig_bit(sig);
	}
	return 0;
}

static void *dumper_main(void *arg)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	unsigned char b;
	char name[32];
	sigset_t all;
	int sig;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (read(sig_pipe[0], &b, 1) == 1) {
		sig = b & ~POKE_FATAL;
		signal_name(sig, name, sizeof(name));
		dump(name, (b & POKE_FATAL) != 0);
		if (!(b & POKE_FATAL))
			continue;
		/* let the signal do what it would have done */
		real_sigaction(sig, &dfl, NULL);
		kill(getpid(), sig);
	}
	return NULL;
}

/* Our handler on one signal, over whatever was there (kept as the program's). */
static void chain_install(int sig, uint64_t *into)
{
	struct sigaction cur, k;
	sigset_t saved;

	chain_enter(&saved);
	if (real_sigaction(sig, NULL, &cur) == 0) {
		set_program_action(sig, &cur);
		mirror(&cur, &k);
		if (real_sigaction(sig, &k, NULL) == 0)
			__atomic_or_fetch(into, sig_bit(sig), __ATOMIC_RELEASE);
	}
	chain_leave(&saved);
}

static void install_signals(void)
{
	uint64_t snap, fatal;
	pthread_t th;
	int sig, rc;

	if (signal_set("IPCBENCH_DUMP_SIGNAL", &snap) || signal_set("IPCBENCH_DUMP_FATAL_SIGNAL", &fatal))
		_exit(2);
	if (snap & fatal) {
		fprintf(stderr, "libipcbench-interpose: a signal is named in both IPCBENCH_DUMP_SIGNAL and "
				"IPCBENCH_DUMP_FATAL_SIGNAL\n");
		_exit(2);
	}
	if (!(snap | fatal))
		return;
	if (pipe2(sig_pipe, O_CLOEXEC)) {
		fprintf(stderr, "libipcbench-interpose: pipe: %s: no dump on signals\n", strerror(errno));
		return;
	}
	/* the handler must never block: a full pipe means a dump is coming anyway */
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	dumper_pid = getpid();
	rc = pthread_create(&th, NULL, dumper_main, NULL);
	if (rc) {
		fprintf(stderr, "libipcbench-interpose: no dump thread (%s): no dump on signals\n", strerror(rc));
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		return;
	}
	pthread_detach(th);
	for (sig = 1; sig <= SIG_BITS; sig++)
		if ((snap | fatal) & sig_bit(sig))
			chain_install(sig, (snap & sig_bit(sig)) ? &snapshot_sigs : &fatal_sigs);
}

__attribute__((constructor)) static void interpose_init(void)
{
	load_real_sig();
	ensure_init();
	install_signals();
}

/* At exit: only a process that took a mutex writes (a preloaded shell's children stay silent). */
__attribute__((destructor)) static void interpose_fini(void)
{
	const struct tstate *t;
	uint64_t n = 0;

	for (t = all_threads; t; t = t->next)
		n += t->acquisitions + t->unprofiled;
	if (n || wrote_once)
		dump("exit", 0);
}
