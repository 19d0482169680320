// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz.c - bad input for /dev/ipcbench, run as root inside the vmtest guest.
 *
 * First the cases with one right answer: malformed requests, mmap misuse,
 * signals while an entry blocks, rmmod while the device is open or mapped.
 * Then random tables from several processes at once. Every random entry is
 * checked against an oracle: nop is 0, getpid the pid, and a write entry
 * must return exactly what write(2) returns for the same fd, buffer and
 * length, errors included (the module promises write(2)'s semantics).
 * Meanwhile the workers also hammer one inherited fd and its shared table,
 * which one of them keeps scribbling on: there only "no crash, a sane
 * return" is checked, since the table changes under the kernel on purpose.
 *
 * The random workers point stdin, stdout and stderr at /dev/null, so a random
 * fd can never write into the console the host parses; they report through
 * a shared page. Prints "fuzz: N ioctls, M failed"; exits 0 only if M is 0.
 *
 * usage: fuzz [-n IOCTLS] [-j WORKERS] [-s SEED] [-t SECONDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../ipcbench_uapi.h"

#define DEV "/dev/ipcbench"
#define PAGE 4096UL
#define ARENA (4 * PAGE)      /* write buffers: 4 pages, then a PROT_NONE guard */
#define SENTINEL ((int64_t)0x5a5a5a5a5a5a5a5aLL)
#define KERNEL_PTR 0xffff888000000000ULL
#define VSYSCALL_PTR 0xffffffffff600000ULL
#define MAX_RW_COUNT (INT_MAX & ~(PAGE - 1))

/* What every process reports into; a MAP_SHARED page. */
/* Write entries checked against write(2), by outcome: proof the oracle is not vacuous. */
static const struct {
	const char *name;
	int err;
} outcomes[] = { { "ok", 0 }, { "EBADF", EBADF }, { "EFAULT", EFAULT }, { "EINVAL", EINVAL },
		 { "EAGAIN", EAGAIN }, { "EPIPE", EPIPE }, { "other", -1 } };
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

struct report {
	unsigned long ioctls;
	unsigned long checks;
	unsigned long failed;
	unsigned long writes[NOUTCOMES];
	char first[512];
};

static struct report *rep;
static unsigned long my_ioctls; /* this process's */
static int quiet; /* a worker: stderr is /dev/null */
static uint64_t rng;

static void count_write(int64_t ret)
{
	size_t k;

	for (k = 0; k + 1 < NOUTCOMES; k++)
		if (ret >= 0 ? outcomes[k].err == 0 : outcomes[k].err == -ret)
			break;
	__atomic_fetch_add(&rep->writes[k], 1, __ATOMIC_RELAXED);
}

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from -s */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static void fail(const char *fmt, ...)
{
	char msg[sizeof(rep->first)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (__atomic_fetch_add(&rep->failed, 1, __ATOMIC_SEQ_CST) == 0)
		memcpy(rep->first, msg, sizeof(msg));
	if (!quiet)
		fprintf(stderr, "fuzz: FAIL %s\n", msg);
}

/* One assertion; returns cond so callers can stop early. */
static int check(int cond, const char *fmt, ...)
{
	char msg[sizeof(rep->first)];
	va_list ap;

	__atomic_fetch_add(&rep->checks, 1, __ATOMIC_RELAXED);
	if (cond)
		return 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail("%s", msg);
	return 0;
}

/* The ioctl, counted; returns the result or -errno. */
static long xioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long r;

	__atomic_fetch_add(&rep->ioctls, 1, __ATOMIC_RELAXED);
	my_ioctls++;
	r = syscall(SYS_ioctl, fd, cmd, arg);
	return r < 0 ? -errno : r;
}

static long batch(int fd, uint64_t entries, uint32_t count, uint32_t flags, uint64_t reserved)
{
	struct ipcb_batch b = { .entries = entries, .count = count, .flags = flags, .reserved = reserved };

	return xioctl(fd, IPCB_IOC_BATCH, (unsigned long)&b);
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "fuzz: %s: %s\n", DEV, strerror(errno));
		exit(2);
	}
	return fd;
}

static void *map_table(int fd)
{
	void *t = mmap(NULL, IPCB_SHARED_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return t == MAP_FAILED ? NULL : t;
}

/* ---- the cases with one right answer ---- */

static void test_requests(int fd)
{
	struct ipcb_entry e = { .op = IPCB_OP_NOP };
	unsigned int nr;

	check(xioctl(fd, IPCB_IOC_NOP, 0) == 0, "NOP");
	check(xioctl(fd, IPCB_IOC_NOP, KERNEL_PTR) == 0, "NOP ignores its argument");
	check(xioctl(fd, IPCB_IOC_VERSION, 0) == IPCB_ABI_VERSION, "VERSION");
	for (nr = 3; nr < 256; nr++)
		check(xioctl(fd, _IO(IPCB_IOC_MAGIC, nr), 0) == -ENOTTY, "unknown nr %u: ENOTTY", nr);
	check(xioctl(fd, _IOR(IPCB_IOC_MAGIC, 1, struct ipcb_batch), 0) == -ENOTTY, "BATCH with the wrong direction");
	check(xioctl(fd, IPCB_IOC_BATCH, 0) == -EFAULT, "BATCH, NULL argument");
	check(xioctl(fd, IPCB_IOC_BATCH, KERNEL_PTR) == -EFAULT, "BATCH, kernel argument");
	check(xioctl(fd, IPCB_IOC_BATCH, VSYSCALL_PTR) == -EFAULT, "BATCH, vsyscall-page argument");
	check(batch(fd, 0, 1, 0, 0) == -EFAULT, "NULL table");
	check(batch(fd, KERNEL_PTR, 1, 0, 0) == -EFAULT, "kernel table");
	check(batch(fd, 0, 0, 0, 0) == 0, "empty batch");
	check(batch(fd, (uintptr_t)&e, IPCB_BATCH_MAX + 1, 0, 0) == -E2BIG, "count over the cap");
	check(batch(fd, (uintptr_t)&e, UINT32_MAX, 0, 0) == -E2BIG, "count 2^32-1");
	check(batch(fd, (uintptr_t)&e, 1, 1u << 7, 0) == -EINVAL, "unknown flag");
	check(batch(fd, (uintptr_t)&e, 1, 0, 1) == -EINVAL, "reserved set");
	check(batch(fd, 0, 1, IPCB_BATCH_SHARED, 0) == -ENXIO, "shared table not mapped");
	check(batch(fd, (uintptr_t)&e, 1, IPCB_BATCH_SHARED, 0) == -EINVAL, "shared with a table address");
	e.ret = SENTINEL;
	check(batch(fd, (uintptr_t)&e, 1, 0, 0) == 1 && e.ret == 0, "one nop");
}

static void test_mmap(void)
{
	int fd = open_dev();
	size_t len = IPCB_SHARED_BYTES;
	struct ipcb_entry *a, *b;
	void *p;

	check(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "MAP_PRIVATE refused");
	check(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL, "short mapping");
	check(mmap(NULL, 2 * len, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL, "long mapping");
	check(mmap(NULL, len, PROT_READ, MAP_SHARED, fd, PAGE) == MAP_FAILED && errno == EINVAL, "offset");
	a = map_table(fd);
	b = map_table(fd);
	if (!check(a && b, "two shared mappings: %s", strerror(errno)))
		goto out;
	a[5].op = IPCB_OP_GETPID;
	a[5].ret = SENTINEL;
	check(b[5].op == IPCB_OP_GETPID, "both mappings show one table");
	check(batch(fd, 0, 6, IPCB_BATCH_SHARED, 0) == 6 && b[5].ret == getpid(), "a shared batch");
	p = mremap(a, len, 2 * len, MREMAP_MAYMOVE);
	check(p == MAP_FAILED, "the table cannot grow by mremap");
	munmap(a, len);
	munmap(b, len);
	/* the table belongs to the open file, not to a mapping */
	check(batch(fd, 0, 6, IPCB_BATCH_SHARED, 0) == 6, "a shared batch after munmap");
out:
	close(fd);
}

/* Fill a pipe to the brim with whole pages, so not even a 1-byte write fits. */
static int full_pipe(int p[2], int nonblocking)
{
	static char page[PAGE];

	if (pipe(p))
		return -1;
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (write(p[1], page, sizeof(page)) > 0)
		;
	if (!nonblocking)
		fcntl(p[1], F_SETFL, 0);
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * A child blocks in an entry writing to a full pipe; SIGUSR1 (no SA_RESTART)
 * interrupts it: entries before it ran, it did not. Returns the child's verdict.
 */
static int signal_child(int first_blocks)
{
	struct ipcb_entry e[3];
	int fd, p[2], dn = open("/dev/null", O_WRONLY);
	long r;

	fd = open_dev();
	if (full_pipe(p, 0) || dn < 0)
		return 3;
	memset(e, 0, sizeof(e));
	e[0] = (struct ipcb_entry){ .op = IPCB_OP_WRITE, .args = { (uint64_t)dn, (uintptr_t)"abcdefgh", 8 } };
	e[1] = (struct ipcb_entry){ .op = IPCB_OP_WRITE, .args = { (uint64_t)p[1], (uintptr_t)"x", 1 } };
	e[2] = e[0];
	e[0].ret = e[1].ret = e[2].ret = SENTINEL;
	r = batch(fd, (uintptr_t)(first_blocks ? &e[1] : &e[0]), first_blocks ? 2 : 3, 0, 0);
	if (first_blocks)
		return r == -EINTR && e[1].ret == SENTINEL && e[2].ret == SENTINEL ? 0 : 4;
	return r == 1 && e[0].ret == 8 && e[1].ret == SENTINEL && e[2].ret == SENTINEL ? 0 : 5;
}

/* Signal pid every 100 ms until it exits; at most 10 s. Its wait status, or -1. */
static int poke_until_exit(pid_t pid, int sig)
{
	int status, i;

	for (i = 0; i < 100; i++) {
		usleep(100000);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		kill(pid, sig);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void test_signals(void)
{
	/* installed before fork: an early poke must not kill the child */
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	int first, status;
	pid_t pid;

	sigaction(SIGUSR1, &sa, &old);
	for (first = 0; first < 2; first++) {
		pid = fork();
		if (pid == 0)
			_exit(signal_child(first));
		status = poke_until_exit(pid, SIGUSR1);
		check(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "a signal interrupting entry %d: status %#x (see signal_child)", first ? 0 : 1, status);
	}
	/* SIGKILL ends a batch blocked in its first entry, and the process dies */
	pid = fork();
	if (pid == 0)
		_exit(signal_child(1));
	status = poke_until_exit(pid, SIGKILL);
	check(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "SIGKILL while an entry blocks: status %#x", status);
	sigaction(SIGUSR1, &old, NULL);
}

static int try_rmmod(void)
{
	return syscall(SYS_delete_module, "ipcbench", O_NONBLOCK) ? errno : 0;
}

static void test_rmmod(void)
{
	int fd = open_dev(), err;
	void *t = map_table(fd);

	err = try_rmmod();
	check(err == EWOULDBLOCK || err == EBUSY, "rmmod while open: %s", err ? strerror(err) : "it unloaded");
	close(fd);
	if (t) {
		err = try_rmmod();
		check(err == EWOULDBLOCK || err == EBUSY, "rmmod while only mapped: %s",
		      err ? strerror(err) : "it unloaded");
		munmap(t, IPCB_SHARED_BYTES);
	}
	fd = open(DEV, O_RDWR);
	check(fd >= 0, "the device is still there after the refused rmmods");
	if (fd >= 0)
		close(fd);
}

/* ---- random tables, checked against write(2) ---- */

/* Room for a full table at any offset within a page, then a guard page. */
#define TABLES_BYTES (IPCB_SHARED_BYTES + PAGE)

struct pool {
	int fds[16];
	int n;
	int tmpfile;
	char *arena; /* ARENA bytes, then a guard page */
	char *ro;    /* one read-only page for tables */
	char *tables; /* TABLE_MAX entries + a page, then a guard page */
};

static int add_fd(struct pool *p, int fd)
{
	if (fd >= 0 && p->n < (int)(sizeof(p->fds) / sizeof(p->fds[0])))
		p->fds[p->n++] = fd;
	return fd;
}

/* Things to write to, each with a deterministic answer to write(2). */
static void pool_open(struct pool *p)
{
	int pp[2], full[2];
	char name[64];
	size_t tb = TABLES_BYTES;

	memset(p, 0, sizeof(*p));
	add_fd(p, open("/dev/null", O_WRONLY));
	add_fd(p, open("/dev/null", O_RDONLY));	   /* EBADF */
	add_fd(p, open("/", O_RDONLY | O_DIRECTORY)); /* EBADF */
	add_fd(p, open("/dev/null", O_PATH));	   /* EBADF: fdget refuses O_PATH */
	add_fd(p, open(DEV, O_RDWR));		   /* EINVAL: no write method */
	snprintf(name, sizeof(name), "/tmp/fuzz.%d", getpid());
	p->tmpfile = add_fd(p, open(name, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600));
	unlink(name);
	if (pipe(pp) == 0) { /* EPIPE: no reader (SIGPIPE is ignored) */
		close(pp[0]);
		add_fd(p, pp[1]);
	}
	if (full_pipe(full, 1) == 0) /* EAGAIN: full, non-blocking, nobody reads */
		add_fd(p, full[1]);
	p->arena = mmap(NULL, ARENA + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p->tables = mmap(NULL, tb + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p->ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->arena == MAP_FAILED || p->tables == MAP_FAILED || p->ro == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		exit(3);
	}
	mprotect(p->arena + ARENA, PAGE, PROT_NONE);
	mprotect(p->tables + tb, PAGE, PROT_NONE);
	memset(p->arena, 'a', ARENA);
}

static uint64_t pick_fd(const struct pool *p)
{
	static const uint64_t bad[] = { (uint64_t)-1, INT_MAX, (uint64_t)INT_MAX + 1, 1u << 20, 999,
					(1ULL << 32) + 3, UINT64_MAX };

	if (below(10) < 7)
		return (uint64_t)p->fds[below((uint64_t)p->n)];
	if (below(4) == 0)
		return rnd() | (1ULL << 40); /* never an open fd */
	return bad[below(sizeof(bad) / sizeof(bad[0]))];
}

static uint64_t pick_buf(const struct pool *p)
{
	uintptr_t a = (uintptr_t)p->arena;

	switch (below(10)) {
	case 0:
		return 0;
	case 1:
		return KERNEL_PTR + below(1 << 20);
	case 2:
		return VSYSCALL_PTR;
	case 3:
		return a + ARENA - below(128); /* straddles the guard page */
	case 4:
		return a + ARENA + below(PAGE); /* the guard page */
	case 5:
		return rnd();
	default:
		return a + below(ARENA); /* unaligned, mostly */
	}
}

static uint64_t pick_len(void)
{
	static const uint64_t odd[] = { 0, 1, 8, 64, PAGE, MAX_RW_COUNT, (uint64_t)MAX_RW_COUNT + 1, 1ULL << 31,
					1ULL << 40, 1ULL << 63, UINT64_MAX };

	if (below(3) == 0)
		return odd[below(sizeof(odd) / sizeof(odd[0]))];
	return below(below(2) ? 128 : ARENA + PAGE);
}

static void random_entry(const struct pool *p, struct ipcb_entry *e)
{
	static const uint32_t ops[] = { IPCB_OP_NOP, IPCB_OP_GETPID, IPCB_OP_WRITE, IPCB_OP_WRITE, IPCB_OP_WRITE };

	e->op = below(10) ? ops[below(5)] : (uint32_t)rnd();
	e->flags = below(20) ? 0 : (uint32_t)rnd() | 1;
	if (e->op == IPCB_OP_WRITE || below(4) == 0) {
		e->args[0] = pick_fd(p);
		e->args[1] = pick_buf(p);
		e->args[2] = pick_len();
	} else {
		e->args[0] = rnd();
		e->args[1] = rnd();
		e->args[2] = rnd();
	}
	e->ret = SENTINEL;
}

/* What the entry must return: write(2) with the same arguments, for a write. */
static int64_t oracle(const struct ipcb_entry *e)
{
	long r;

	if (e->flags)
		return -EINVAL;
	switch (e->op) {
	case IPCB_OP_NOP:
		return 0;
	case IPCB_OP_GETPID:
		return getpid();
	case IPCB_OP_WRITE:
		/* write(2) takes an unsigned int fd; the module refuses anything above INT_MAX */
		if (e->args[0] > INT_MAX)
			return -EBADF;
		r = syscall(SYS_write, (int)e->args[0], e->args[1], e->args[2]);
		return r < 0 ? -errno : r;
	default:
		return -EOPNOTSUPP;
	}
}

enum where { T_ALIGNED, T_UNALIGNED, T_STRADDLE, T_READONLY, T_NULL, T_KERNEL, T_SHARED, T_WHERE };

/*
 * A random batch: where its table is and what of it the kernel can reach.
 * Entries below `readable` can be read (they run); entries below `storable`
 * can also have their ret written back. Those in between run and count, and
 * the batch stops after the first of them.
 */
struct plan {
	enum where where;
	struct ipcb_entry *t;
	uint32_t count, flags;
	uint64_t reserved;
	uint32_t readable, storable;
	uint32_t filled; /* entries written into the table */
	size_t cut;	 /* T_STRADDLE: bytes of the last entry before the guard */
};

static uint32_t pick_count(void)
{
	switch (below(20)) {
	case 0:
		return 0;
	case 1:
		return below(2) ? IPCB_BATCH_MAX + 1 + (uint32_t)below(10) : (uint32_t)rnd();
	case 2:
	case 3:
	case 4:
	case 5:
		return 1 + (uint32_t)below(IPCB_BATCH_MAX);
	default:
		return 1 + (uint32_t)below(16);
	}
}

static void place(struct pool *p, struct ipcb_entry *shared, struct plan *pl)
{
	const size_t esz = sizeof(struct ipcb_entry);
	uint32_t n = pl->count > IPCB_BATCH_MAX ? IPCB_BATCH_MAX : pl->count, k;

	pl->readable = pl->storable = pl->filled = n;
	switch (pl->where) {
	case T_UNALIGNED:
		pl->t = (struct ipcb_entry *)(p->tables + 1 + below(7));
		break;
	case T_STRADDLE:
		/* the guard page cuts entry k after `cut` bytes */
		k = n ? (uint32_t)below(n) : 0;
		pl->cut = below(esz);
		pl->t = (struct ipcb_entry *)(p->tables + TABLES_BYTES - k * esz - pl->cut);
		pl->storable = k;
		pl->readable = pl->cut >= offsetof(struct ipcb_entry, ret) ? k + 1 : k;
		pl->filled = pl->readable;
		break;
	case T_READONLY:
		pl->t = (struct ipcb_entry *)p->ro;
		pl->readable = pl->filled = n < PAGE / esz ? n : PAGE / esz;
		pl->storable = 0;
		break;
	case T_NULL:
	case T_KERNEL:
		pl->t = pl->where == T_NULL ? NULL : (struct ipcb_entry *)(uintptr_t)KERNEL_PTR;
		pl->readable = pl->storable = pl->filled = 0;
		break;
	case T_SHARED:
		pl->t = shared;
		pl->flags |= IPCB_BATCH_SHARED;
		break;
	default:
		pl->t = (struct ipcb_entry *)p->tables;
	}
}

/* Write the entries where the kernel will read them. */
static void fill(struct pool *p, struct plan *pl, struct ipcb_entry *copy)
{
	uint32_t i;

	if (pl->where == T_READONLY)
		mprotect(p->ro, PAGE, PROT_READ | PROT_WRITE);
	for (i = 0; i < pl->filled; i++) {
		random_entry(p, &copy[i]);
		memcpy(&pl->t[i], &copy[i], i < pl->storable || pl->where == T_READONLY ? sizeof(copy[i]) :
				offsetof(struct ipcb_entry, ret));
	}
	if (pl->where == T_READONLY)
		mprotect(p->ro, PAGE, PROT_READ);
}

/* Replay the batch against the oracle: what must the ioctl have returned? */
static long expected(const struct plan *pl, const struct ipcb_entry *copy, int64_t *want)
{
	uint32_t i;

	if ((pl->flags & ~IPCB_BATCH_FLAGS) || pl->reserved)
		return -EINVAL;
	if (pl->count > IPCB_BATCH_MAX)
		return -E2BIG;
	for (i = 0; i < pl->count; i++) {
		if (i >= pl->readable)
			return i ? (long)i : -EFAULT;
		want[i] = oracle(&copy[i]);
		if (i >= pl->storable)
			return i + 1;
		if (want[i] < 0 && (pl->flags & IPCB_BATCH_STOP_ON_ERROR))
			return i + 1;
	}
	return pl->count;
}

static void one_random_batch(struct pool *p, int fd, struct ipcb_entry *shared)
{
	static struct ipcb_entry copy[IPCB_BATCH_MAX];
	static int64_t want[IPCB_BATCH_MAX];
	struct plan pl = { .where = (enum where)below(T_WHERE) };
	long r, w;
	uint32_t i;

	pl.count = pick_count();
	pl.flags = below(8) ? (below(2) ? IPCB_BATCH_STOP_ON_ERROR : 0) : (uint32_t)rnd() & ~IPCB_BATCH_SHARED;
	pl.reserved = below(30) ? 0 : rnd() | 1;
	place(p, shared, &pl);
	fill(p, &pl, copy);
	r = batch(fd, pl.where == T_SHARED ? 0 : (uintptr_t)pl.t, pl.count, pl.flags, pl.reserved);
	if (p->tmpfile >= 0)
		ftruncate(p->tmpfile, 0);
	w = expected(&pl, copy, want);
	if (p->tmpfile >= 0)
		ftruncate(p->tmpfile, 0);
	if (!check(r == w, "batch (table %d, count %u, flags %#x, cut %zu): returned %ld, expected %ld", pl.where,
		   pl.count, pl.flags, pl.cut, r, w))
		return;
	for (i = 0; i < pl.filled && i < pl.storable; i++) {
		int64_t got = pl.t[i].ret;

		if (r > 0 && i < (uint32_t)r && copy[i].op == IPCB_OP_WRITE && !copy[i].flags)
			count_write(want[i]);
		if (r > 0 && i < (uint32_t)r)
			check(got == want[i],
			      "entry %u (op %u, flags %#x, fd %#llx, buf %#llx, len %#llx): ret %lld, write(2) gives %lld",
			      i, copy[i].op, copy[i].flags, (unsigned long long)copy[i].args[0],
			      (unsigned long long)copy[i].args[1], (unsigned long long)copy[i].args[2], (long long)got,
			      (long long)want[i]);
		else
			check(got == SENTINEL, "entry %u did not run but its ret changed to %lld", i, (long long)got);
	}
}

/* ---- chaos on one shared fd and table: no oracle, only sanity ---- */

static void chaos_batch(struct pool *p, int fd, struct ipcb_entry *table)
{
	uint32_t count = 1 + (uint32_t)below(IPCB_BATCH_MAX), i;
	long r;

	for (i = 0; i < 8; i++)
		random_entry(p, &table[below(IPCB_BATCH_MAX)]);
	r = batch(fd, 0, count, IPCB_BATCH_SHARED | (below(2) ? IPCB_BATCH_STOP_ON_ERROR : 0), 0);
	check(r >= -4095 && r <= (long)count, "chaos batch of %u returned %ld", count, r);
}

static void random_ioctl(int fd, const struct pool *p)
{
	unsigned long cmd = (uint32_t)rnd(), arg = pick_buf(p);
	long r;

	if (below(2))
		cmd = _IOC(below(4), IPCB_IOC_MAGIC, below(8), below(64));
	r = xioctl(fd, cmd, arg);
	if (_IOC_TYPE(cmd) == IPCB_IOC_MAGIC && cmd != IPCB_IOC_NOP && cmd != IPCB_IOC_BATCH &&
	    cmd != IPCB_IOC_VERSION)
		check(r == -ENOTTY, "unknown ioctl %#lx: %ld, expected -ENOTTY", cmd, r);
}

static int worker(int id, int shared_fd, struct ipcb_entry *common, unsigned long quota, time_t stop)
{
	struct ipcb_entry *own;
	struct pool p;
	int fd, null = open("/dev/null", O_RDWR);

	/* a random fd must never reach the console */
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	quiet = 1;
	rng ^= (uint64_t)(id + 1) * 0x9e3779b97f4a7c15ULL;
	my_ioctls = 0;
	fd = open_dev();
	own = map_table(fd);
	pool_open(&p);
	if (!own)
		fail("worker %d: mmap: %s", id, strerror(errno));
	while (my_ioctls < quota && time(NULL) < stop) {
		switch (below(10)) {
		case 0:
			random_ioctl(below(2) ? fd : shared_fd, &p);
			break;
		case 1:
			chaos_batch(&p, shared_fd, common);
			break;
		case 2:
			/* the scribbler: rewrite the common table while others run it */
			random_entry(&p, &common[below(IPCB_BATCH_MAX)]);
			break;
		default:
			one_random_batch(&p, fd, own);
		}
	}
	return 0;
}

/* Wait for a worker until `until`, then kill it. Its wait status, or -1 if it hung. */
static int reap(pid_t pid, time_t until)
{
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (time(NULL) > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(10000);
	}
	return status;
}

static void run_workers(int nworkers, unsigned long total, int seconds)
{
	int fd = open_dev(), i, status;
	struct ipcb_entry *common = map_table(fd);
	time_t stop = time(NULL) + seconds;
	pid_t pids[64];

	if (!common) {
		fail("mmap of the common table: %s", strerror(errno));
		return;
	}
	for (i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(worker(i, fd, common, total / (unsigned long)nworkers, stop));
	}
	for (i = 0; i < nworkers; i++) {
		/* they stop by themselves at `stop`: 30 s more is a hang */
		status = reap(pids[i], stop + 30);
		if (status < 0)
			fail("worker %d hung: killed", i);
		else if (WIFSIGNALED(status))
			fail("worker %d died of signal %d", i, WTERMSIG(status));
	}
	munmap(common, IPCB_SHARED_BYTES);
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned long total = 40000;
	int nworkers = 4, seconds = 60, opt, fd;
	size_t i;

	rng = 0x1234567;
	while ((opt = getopt(argc, argv, "n:j:s:t:")) != -1) {
		switch (opt) {
		case 'n':
			total = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			nworkers = atoi(optarg);
			break;
		case 's':
			rng = strtoull(optarg, NULL, 0) | 1;
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: fuzz [-n IOCTLS] [-j WORKERS] [-s SEED] [-t SECONDS]\n");
			return 2;
		}
	}
	if (nworkers < 1 || nworkers > 64)
		nworkers = 4;
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	fd = open_dev();
	test_requests(fd);
	close(fd);
	test_mmap();
	test_signals();
	test_rmmod();
	fprintf(stderr, "fuzz: fixed cases done (%lu checks, %lu failed); %d workers, %lu ioctls, %d s at most\n",
		rep->checks, rep->failed, nworkers, total, seconds);
	run_workers(nworkers, total, seconds);
	test_rmmod();
	printf("fuzz: %lu ioctls, %lu checks, %lu failed (seed %#llx)\n", rep->ioctls, rep->checks, rep->failed,
	       (unsigned long long)rng);
	printf("fuzz: write entries checked against write(2):");
	for (i = 0; i < NOUTCOMES; i++)
		printf(" %s %lu", outcomes[i].name, rep->writes[i]);
	printf("\n");
	if (rep->failed)
		printf("fuzz: first failure: %s\n", rep->first);
	return rep->failed ? 1 : 0;
}
