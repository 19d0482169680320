// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz.c - bad input for /dev/ipcbench, run as root inside the vmtest guest.
 *
 * First the cases with one right answer: the device is 0600 (nobody gets
 * EACCES), malformed requests, mmap misuse, signals while an entry blocks,
 * rmmod while the device is open or mapped. Then the rules a write entry
 * obeys, as root and as nobody: no batch on a read-only device fd (EBADF),
 * EOPNOTSUPP on a file with only ->write (/proc/self/comm), /proc/thread-self/io
 * and inotify see entries as they see write(2), and a seccomp filter that
 * forbids write(2) makes every write entry EPERM. Threads share one device
 * fd, one file offset (no write may be lost) and one shared table, while one
 * closes and reopens an fd they write to. MEMCG_TABLES opens in a memory
 * cgroup of their own must be charged to it (needs cgroup2 at /sys/fs/cgroup).
 * Then random tables from several processes at once, every other one as
 * nobody with the device opened up for the test. Every random entry is
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
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
} outcomes[] = { { "ok", 0 },	   { "EBADF", EBADF }, { "EFAULT", EFAULT },	     { "EINVAL", EINVAL },
		 { "EAGAIN", EAGAIN }, { "EPIPE", EPIPE }, { "EOPNOTSUPP", EOPNOTSUPP }, { "other", -1 } };
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

struct report {
	unsigned long ioctls;
	unsigned long checks;
	unsigned long failed;
	unsigned long writes[NOUTCOMES];
	long long memcg_grew;
	char first[512];
};

static struct report *rep;
static unsigned long my_ioctls; /* this process's */
static int quiet; /* a worker: stderr is /dev/null */
static uint64_t rng;
/* this process's pool: /proc/self/comm (only ->write) and /dev/null for writing */
static int comm_fd = -1, null_wr = -1;

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

/* ---- who may use the device, and the rules write(2) obeys ---- */

#define NOBODY 65534

/* Become nobody; the dumpable flag back, so /proc/self/comm stays ours to write. */
static int drop_root(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static void test_mode(void)
{
	struct stat st;
	int status;
	pid_t pid;

	if (!check(stat(DEV, &st) == 0, "stat %s: %s", DEV, strerror(errno)))
		return;
	check((st.st_mode & 07777) == 0600 && st.st_uid == 0, "%s is mode %04o uid %u, expected 0600 root", DEV,
	      st.st_mode & 07777, st.st_uid);
	pid = fork();
	if (pid == 0) {
		if (drop_root())
			_exit(3);
		if (open(DEV, O_RDWR) >= 0 || errno != EACCES)
			_exit(4);
		_exit(open(DEV, O_RDONLY) < 0 && errno == EACCES ? 0 : 5);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "nobody opening the 0600 device: status %#x (3 setuid, 4 O_RDWR, 5 O_RDONLY not EACCES)", status);
}

/* The device open read-only: it may be asked, but it runs no batch. */
static void test_readonly_dev(void)
{
	struct ipcb_entry e = { .op = IPCB_OP_NOP, .ret = SENTINEL };
	int fd = open(DEV, O_RDONLY | O_CLOEXEC);

	if (!check(fd >= 0, "open %s read-only: %s", DEV, strerror(errno)))
		return;
	check(xioctl(fd, IPCB_IOC_NOP, 0) == 0, "NOP on a read-only device fd");
	check(xioctl(fd, IPCB_IOC_VERSION, 0) == IPCB_ABI_VERSION, "VERSION on a read-only device fd");
	check(batch(fd, (uintptr_t)&e, 1, 0, 0) == -EBADF && e.ret == SENTINEL, "BATCH on a read-only device fd: EBADF");
	check(mmap(NULL, IPCB_SHARED_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
		      errno == EACCES,
	      "a writable shared mapping of a read-only device fd: EACCES");
	close(fd);
}

/* A file with only ->write: write(2) succeeds, an entry gets the documented EOPNOTSUPP. */
static void test_write_only_method(int fd)
{
	static const char name[] = "fuzz-comm";
	struct ipcb_entry e[2] = {
		{ .op = IPCB_OP_WRITE, .ret = SENTINEL },
		{ .op = IPCB_OP_WRITE, .ret = SENTINEL },
	};
	int comm = open("/proc/self/comm", O_WRONLY | O_CLOEXEC);
	long r;

	if (!check(comm >= 0, "open /proc/self/comm: %s", strerror(errno)))
		return;
	check(write(comm, name, sizeof(name) - 1) == (ssize_t)sizeof(name) - 1, "write(2) to /proc/self/comm: %s",
	      strerror(errno));
	e[0].args[0] = e[1].args[0] = (uint64_t)comm;
	e[0].args[1] = (uintptr_t)name;
	e[0].args[2] = sizeof(name) - 1;
	e[1].args[1] = KERNEL_PTR; /* write(2)'s EFAULT comes first */
	e[1].args[2] = 8;
	r = batch(fd, (uintptr_t)e, 2, 0, 0);
	check(r == 2 && e[0].ret == -EOPNOTSUPP && e[1].ret == -EFAULT,
	      "entries writing /proc/self/comm: batch %ld, rets %lld %lld, expected 2, -EOPNOTSUPP -EFAULT", r,
	      (long long)e[0].ret, (long long)e[1].ret);
	close(comm);
}

/* A small file read whole into buf (NUL-terminated): 0, or -1 when it cannot be read or is empty. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* wchar and syscw of this thread, from /proc/thread-self/io (reading it writes nothing). */
static int read_io(unsigned long long *wchar, unsigned long long *syscw)
{
	char buf[512], *p;

	if (read_small("/proc/thread-self/io", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "wchar: ");
	if (!p || sscanf(p, "wchar: %llu", wchar) != 1)
		return -1;
	p = strstr(buf, "syscw: ");
	return p && sscanf(p, "syscw: %llu", syscw) == 1 ? 0 : -1;
}

#define IO_ENTRIES 9

/* The same calls as write(2) and as entries: /proc/thread-self/io must grow alike. */
static void test_io_accounting(int fd)
{
	static const size_t sizes[IO_ENTRIES] = { 1, 10, 100, 1000, 4096, 0, 7, 7, 7 };
	static char buf[PAGE];
	unsigned long long w0, s0, w1, s1, w2, s2, bytes = 0, calls = 0;
	struct ipcb_entry e[IO_ENTRIES + 2];
	int dn = open("/dev/null", O_WRONLY | O_CLOEXEC), ro = open("/dev/null", O_RDONLY | O_CLOEXEC), i;

	if (!check(dn >= 0 && ro >= 0, "/dev/null: %s", strerror(errno)))
		return;
	memset(e, 0, sizeof(e));
	for (i = 0; i < IO_ENTRIES; i++) {
		/* the last two: a read-only fd and a bad buffer, which write(2) does not count */
		int fdi = i == IO_ENTRIES - 2 ? ro : dn;
		uint64_t b = i == IO_ENTRIES - 1 ? KERNEL_PTR : (uintptr_t)buf;

		e[i] = (struct ipcb_entry){ .op = IPCB_OP_WRITE, .args = { (uint64_t)fdi, b, sizes[i] }, .ret = SENTINEL };
		if (i < IO_ENTRIES - 2) {
			bytes += sizes[i];
			calls++;
		}
	}
	e[IO_ENTRIES] = (struct ipcb_entry){ .op = IPCB_OP_NOP };
	e[IO_ENTRIES + 1] = (struct ipcb_entry){ .op = IPCB_OP_GETPID };
	if (!check(read_io(&w0, &s0) == 0, "/proc/thread-self/io unreadable"))
		goto out;
	for (i = 0; i < IO_ENTRIES; i++)
		syscall(SYS_write, (int)e[i].args[0], e[i].args[1], e[i].args[2]);
	read_io(&w1, &s1);
	check(batch(fd, (uintptr_t)e, IO_ENTRIES + 2, 0, 0) == IO_ENTRIES + 2, "the accounting batch ran");
	read_io(&w2, &s2);
	check(w1 - w0 == bytes && s1 - s0 == calls, "write(2) itself: wchar +%llu syscw +%llu, expected +%llu +%llu",
	      w1 - w0, s1 - s0, bytes, calls);
	check(w2 - w1 == w1 - w0 && s2 - s1 == s1 - s0,
	      "batched writes: wchar +%llu syscw +%llu, write(2) gave +%llu +%llu", w2 - w1, s2 - s1, w1 - w0, s1 - s0);
	printf("fuzz: io (uid %d): write(2) wchar +%llu syscw +%llu; the same %d entries wchar +%llu syscw +%llu\n",
	       (int)getuid(), w1 - w0, s1 - s0, IO_ENTRIES, w2 - w1, s2 - s1);
	fflush(stdout);
out:
	close(dn);
	close(ro);
}

/* A successful entry tells inotify, as write(2) does. */
static void test_fsnotify(int fd)
{
	char path[64], ev[4096];
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), f;
	struct ipcb_entry e = { .op = IPCB_OP_WRITE, .ret = SENTINEL };
	ssize_t n;
	long r;

	snprintf(path, sizeof(path), "/tmp/fuzz-notify.%d", getpid());
	f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!check(in >= 0 && f >= 0, "inotify or %s: %s", path, strerror(errno)))
		goto out;
	if (!check(inotify_add_watch(in, path, IN_MODIFY) >= 0, "inotify_add_watch: %s", strerror(errno)))
		goto out;
	e.args[0] = (uint64_t)f;
	e.args[1] = (uintptr_t)"notify";
	e.args[2] = 6;
	check(read(in, ev, sizeof(ev)) < 0 && errno == EAGAIN, "no inotify event before the write");
	r = batch(fd, (uintptr_t)&e, 1, 0, 0);
	check(r == 1 && e.ret == 6, "a write entry to %s: batch %ld, ret %lld", path, r, (long long)e.ret);
	n = read(in, ev, sizeof(ev));
	check(n >= (ssize_t)sizeof(struct inotify_event) && (((struct inotify_event *)ev)->mask & IN_MODIFY),
	      "IN_MODIFY after a write entry: read %zd (%s)", n, n < 0 ? strerror(errno) : "no IN_MODIFY");
out:
	unlink(path);
	if (f >= 0)
		close(f);
	if (in >= 0)
		close(in);
}

/*
 * Under a seccomp filter that forbids write(2), write entries must be
 * refused too (EPERM), while nop and getpid still run. In a child: a filter
 * cannot be removed.
 */
static int seccomp_child(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
	struct ipcb_entry e[4];
	int fd = open_dev(), dn = open("/dev/null", O_WRONLY);

	memset(e, 0, sizeof(e));
	e[0].op = IPCB_OP_NOP;
	e[1].op = IPCB_OP_GETPID;
	e[2] = (struct ipcb_entry){ .op = IPCB_OP_WRITE, .args = { (uint64_t)dn, (uintptr_t)"x", 1 } };
	e[3] = (struct ipcb_entry){ .op = IPCB_OP_WRITE, .args = { 999, 0, 0 } }; /* EPERM before EBADF */
	if (dn < 0 || batch(fd, (uintptr_t)e, 3, 0, 0) != 3 || e[2].ret != 1)
		return 3; /* before the filter, the write runs */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 4;
	if (syscall(SYS_write, dn, "x", 1) != -1 || errno != EPERM)
		return 5; /* the filter works */
	e[0].ret = e[1].ret = e[2].ret = e[3].ret = SENTINEL;
	if (batch(fd, (uintptr_t)e, 4, 0, 0) != 4)
		return 6;
	if (e[0].ret != 0 || e[1].ret != getpid() || e[2].ret != -EPERM || e[3].ret != -EPERM)
		return 7;
	return 0;
}

static void test_seccomp(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(seccomp_child());
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "write entries under a seccomp filter: status %#x (see seccomp_child: 7 means an entry was not EPERM)",
	      status);
}

/* The rules a write entry obeys, on this process's credentials. */
static void test_write_rules(void)
{
	int fd = open_dev();

	test_readonly_dev();
	test_write_only_method(fd);
	test_io_accounting(fd);
	test_fsnotify(fd);
	test_seccomp();
	close(fd);
}

/* The same as nobody, with the device opened up for the test. */
static void test_write_rules_nobody(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (drop_root())
			_exit(3);
		test_write_rules();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the write rules as nobody: status %#x", status);
}

/* ---- threads sharing one device fd, one target fd and one shared table ---- */

#define THREADS 4
#define THREAD_ROUNDS 200
#define THREAD_ENTRIES 16 /* the last one writes to the fd the churn thread closes and reopens */
#define THREAD_LEN 64
#define THREAD_SHARED 64

struct thread_arg {
	int id, dev, file, churn_fd;
	struct ipcb_entry *shared;
};

static volatile int threads_stop;

static void *thread_writer(void *arg)
{
	const struct thread_arg *t = arg;
	struct ipcb_entry e[THREAD_ENTRIES];
	char buf[THREAD_LEN];
	int r, i;
	long n;

	memset(buf, 'A' + t->id, sizeof(buf));
	for (r = 0; r < THREAD_ROUNDS; r++) {
		for (i = 0; i < THREAD_ENTRIES; i++)
			e[i] = (struct ipcb_entry){ .op = IPCB_OP_WRITE,
						    .args = { (uint64_t)t->file, (uintptr_t)buf, THREAD_LEN },
						    .ret = SENTINEL };
		e[THREAD_ENTRIES - 1].args[0] = (uint64_t)t->churn_fd;
		n = batch(t->dev, (uintptr_t)e, THREAD_ENTRIES, 0, 0);
		check(n == THREAD_ENTRIES, "thread %d: batch returned %ld", t->id, n);
		for (i = 0; i < THREAD_ENTRIES - 1; i++)
			check(e[i].ret == THREAD_LEN, "thread %d: entry %d wrote %lld", t->id, i, (long long)e[i].ret);
		n = e[THREAD_ENTRIES - 1].ret;
		check(n == THREAD_LEN || n == -EBADF, "thread %d: entry to a closing fd returned %ld", t->id, n);
		/* every thread runs one table of getpid entries: every ret is the same pid */
		n = batch(t->dev, 0, THREAD_SHARED, IPCB_BATCH_SHARED, 0);
		check(n == THREAD_SHARED, "thread %d: shared batch returned %ld", t->id, n);
		for (i = 0; i < THREAD_SHARED; i++)
			check(__atomic_load_n(&t->shared[i].ret, __ATOMIC_RELAXED) == getpid(),
			      "thread %d: shared getpid entry %d", t->id, i);
	}
	return NULL;
}

static void *thread_churn(void *arg)
{
	const struct thread_arg *t = arg;
	int dn = open("/dev/null", O_WRONLY | O_CLOEXEC);

	while (!__atomic_load_n(&threads_stop, __ATOMIC_RELAXED)) {
		dup2(dn, t->churn_fd);
		close(t->churn_fd);
	}
	close(dn);
	return NULL;
}

/* Count each thread's letter in the file: a lost or overlapping write shows. */
static void check_thread_file(int file)
{
	static char buf[THREADS * THREAD_ROUNDS * (THREAD_ENTRIES - 1) * THREAD_LEN + 1];
	const long each = (long)THREAD_ROUNDS * (THREAD_ENTRIES - 1) * THREAD_LEN;
	long count[THREADS] = { 0 };
	ssize_t n = pread(file, buf, sizeof(buf), 0), i;

	check(n == (ssize_t)sizeof(buf) - 1, "threads sharing a file offset wrote %zd bytes, expected %zu", n,
	      sizeof(buf) - 1);
	for (i = 0; i < n; i++)
		if (buf[i] >= 'A' && buf[i] < 'A' + THREADS)
			count[buf[i] - 'A']++;
	for (i = 0; i < THREADS; i++)
		check(count[i] == each, "thread %zd's bytes in the file: %ld, expected %ld", i, count[i], each);
}

static void test_threads(void)
{
	struct thread_arg args[THREADS + 1];
	pthread_t tids[THREADS + 1];
	struct ipcb_entry *shared;
	char name[64];
	/* an fd number of our own for the churn thread to close and reopen */
	int dev = open_dev(), file, churn = open("/dev/null", O_WRONLY | O_CLOEXEC), i;

	snprintf(name, sizeof(name), "/tmp/fuzz-threads.%d", getpid());
	/* no O_APPEND: the threads share one offset, which must move atomically */
	file = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(name);
	shared = map_table(dev);
	if (!check(file >= 0 && churn >= 0 && shared, "threads: %s or the shared table: %s", name, strerror(errno)))
		goto out;
	for (i = 0; i < THREAD_SHARED; i++)
		shared[i] = (struct ipcb_entry){ .op = IPCB_OP_GETPID, .ret = SENTINEL };
	threads_stop = 0;
	for (i = 0; i <= THREADS; i++) {
		args[i] = (struct thread_arg){ .id = i, .dev = dev, .file = file, .churn_fd = churn, .shared = shared };
		if (pthread_create(&tids[i], NULL, i < THREADS ? thread_writer : thread_churn, &args[i])) {
			fail("pthread_create");
			exit(3);
		}
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(tids[i], NULL);
	__atomic_store_n(&threads_stop, 1, __ATOMIC_RELAXED);
	pthread_join(tids[THREADS], NULL);
	check_thread_file(file);
out:
	if (churn >= 0)
		close(churn);
	if (shared)
		munmap(shared, IPCB_SHARED_BYTES);
	if (file >= 0)
		close(file);
	close(dev);
}

/* ---- memory: each open's table is charged to the caller's memory cgroup ---- */

#define CGROOT "/sys/fs/cgroup"
#define CG CGROOT "/fuzz"
#define MEMCG_TABLES 128

static int put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static long long memcg_vmalloc(void)
{
	char buf[8192], *p;
	long long v = -1;

	if (read_small(CG "/memory.stat", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "\nvmalloc ");
	if (p)
		sscanf(p, "\nvmalloc %lld", &v);
	return v;
}

/*
 * In a child moved into a memory cgroup of its own: MEMCG_TABLES opens and
 * mappings must raise its memory.stat "vmalloc" by their tables. The stat
 * is flushed in per-CPU batches, so half of it is the bar; an unaccounted
 * table raises it by nothing.
 */
static int memcg_child(long long *grew)
{
	char pid[32];
	void *maps[MEMCG_TABLES];
	long long v0, v1;
	int fds[MEMCG_TABLES], i;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (put_file(CG "/cgroup.procs", pid))
		return 3;
	v0 = memcg_vmalloc();
	for (i = 0; i < MEMCG_TABLES; i++) {
		fds[i] = open_dev();
		maps[i] = map_table(fds[i]);
		if (!maps[i])
			return 4;
	}
	v1 = memcg_vmalloc();
	*grew = v1 - v0;
	for (i = 0; i < MEMCG_TABLES; i++) {
		munmap(maps[i], IPCB_SHARED_BYTES);
		close(fds[i]);
	}
	if (v0 < 0 || v1 < 0)
		return 5;
	return *grew >= (long long)MEMCG_TABLES * (long long)((IPCB_SHARED_BYTES + PAGE - 1) & ~(PAGE - 1)) / 2 ? 0 : 6;
}

static void test_memcg(void)
{
	long long *grew = &rep->memcg_grew;
	int status;
	pid_t pid;

	if (!check(access(CGROOT "/cgroup.controllers", F_OK) == 0, "no cgroup2 at %s", CGROOT))
		return;
	put_file(CGROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CG, 0755) && errno != EEXIST) {
		fail("mkdir %s: %s", CG, strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(memcg_child(grew));
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%d tables in a memory cgroup: status %#x, its vmalloc grew by %lld bytes (3: cgroup.procs, 5: memory.stat, 6: too little)",
	      MEMCG_TABLES, status, *grew);
	printf("fuzz: memcg: %d open+mmap raised the cgroup's vmalloc by %lld bytes (tables: %lu bytes each)\n",
	       MEMCG_TABLES, *grew, (IPCB_SHARED_BYTES + PAGE - 1) & ~(PAGE - 1));
	rmdir(CG);
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
	comm_fd = add_fd(p, open("/proc/self/comm", O_WRONLY)); /* EOPNOTSUPP: only ->write */
	null_wr = p->fds[0];
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
		if (comm_fd >= 0 && e->args[0] == (uint64_t)comm_fd) {
			/* refused after write(2)'s access_ok(): /dev/null tells that one apart */
			r = syscall(SYS_write, null_wr, e->args[1], e->args[2]);
			return r < 0 && errno == EFAULT ? -EFAULT : -EOPNOTSUPP;
		}
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
	/* every other worker is nobody, on the device opened up for the test and root's inherited fd */
	if ((id & 1) && drop_root()) {
		fail("worker %d: cannot become nobody: %s", id, strerror(errno));
		return 3;
	}
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
		else if (WEXITSTATUS(status))
			fail("worker %d exited with %d", i, WEXITSTATUS(status));
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
	/* children _exit(): nothing buffered may be lost or printed twice */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_mode();
	fd = open_dev();
	test_requests(fd);
	close(fd);
	test_mmap();
	test_signals();
	test_rmmod();
	test_write_rules();
	test_threads();
	test_memcg();
	/* as nobody from here on, with the device opened up for the test, then closed again */
	if (!check(chmod(DEV, 0666) == 0, "chmod %s: %s", DEV, strerror(errno)))
		return 1;
	test_write_rules_nobody();
	fprintf(stderr, "fuzz: fixed cases done (%lu checks, %lu failed); %d workers (odd ones nobody), %lu ioctls, %d s at most\n",
		rep->checks, rep->failed, nworkers, total, seconds);
	run_workers(nworkers, total, seconds);
	check(chmod(DEV, 0600) == 0, "chmod %s back: %s", DEV, strerror(errno));
	test_mode();
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
