/* SPDX-License-Identifier: MIT */
/*
 * lock_threading.h - the process state a lock figure depends on.
 *
 * glibc knows whether the process has ever had a second thread, and while it
 * has not, some of its lock paths skip the atomic read-modify-write (a normal
 * pthread mutex is then locked by a plain store). The same lock costs 3.5 ns
 * in one process and 12.4 ns in the next, depending only on whether a thread
 * was ever started. So the state is a parameter of every lock benchmark,
 * never an accident of the jobs that ran before:
 *   multi   (default) an idle helper thread exists, as in any program that
 *           needs a lock; it sleeps in read() on a pipe until teardown.
 *   single  the process must never have had a thread: checked through
 *           glibc's __libc_single_threaded (glibc >= 2.32), else skipped.
 */
#ifndef IPCB_LOCK_THREADING_H
#define IPCB_LOCK_THREADING_H

#include <errno.h>
#include <fcntl.h>
#include <features.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ipcbench.h"

#if defined(__GLIBC__)
#if __GLIBC_PREREQ(2, 32)
#include <sys/single_threaded.h>
#define HAVE_LIBC_SINGLE_THREADED 1
#endif
#endif

enum { THREADING_SINGLE, THREADING_MULTI };

static const char *const lock_threading_choices[] = { "single", "multi", NULL };

#define LOCK_THREADING_PARAM                                                                                 \
	{ .name = "threading", .def = THREADING_MULTI, .choices = lock_threading_choices,                    \
	  .what = "multi: an idle helper thread exists (as in any program that locks); single: a process that " \
		  "never had a thread, where glibc may skip its atomics" }

#define THREADING_SINGLE_NOTE                                                                                 \
	"threading=single: measured in a process that never had a second thread, where glibc skips the atomic " \
	"read-modify-write (the lock prefix) on some lock paths, e.g. a normal pthread mutex is locked by a "  \
	"plain store; inlined locks keep their atomics. Programs that lock have threads: threading=multi is "   \
	"the usual case"
#define THREADING_MULTI_NOTE                                                                                \
	"threading=multi: the process has another thread (idle), as in any program that needs a lock, so "   \
	"glibc takes its multi-threaded lock paths with atomic read-modify-writes; threading=single (a "      \
	"process that never had a thread) lets glibc skip them on some paths"

/* The helper of threading=multi: it exists, and does nothing until teardown. */
struct lock_helper {
	pthread_t tid;
	int fd[2]; /* the helper reads fd[0]; closing fd[1] ends it */
	int started;
};

static void *lock_helper_main(void *arg)
{
	struct lock_helper *h = arg;
	char c;

	pthread_setname_np(pthread_self(), "ipcb-idle");
	while (read(h->fd[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* 0 when the process is single-threaded now and has never been otherwise; else -1 with why. */
static inline int lock_single_threaded(struct ipcb_ctx *ctx)
{
#ifdef HAVE_LIBC_SINGLE_THREADED
	if (__libc_single_threaded)
		return 0;
	return ipcb_skip(ctx, "threading=single: this process has already had more than one thread "
			      "(glibc's __libc_single_threaded is false), so glibc takes its multi-threaded lock "
			      "paths for the rest of its life; it needs a process that never started a thread");
#else
	return ipcb_skip(ctx, "threading=single: cannot tell whether this process ever had a thread "
			      "(__libc_single_threaded needs glibc 2.32 or later)");
#endif
}

/*
 * Set up the process state threading asks for, and say which it is. single:
 * 0 or -1 (skipped, with why). multi: start the helper (h may be NULL when
 * the benchmark starts threads of its own anyway).
 */
static inline int lock_threading_setup(struct ipcb_ctx *ctx, struct lock_helper *h)
{
	int rc;

	if (ipcb_param(ctx, "threading") == THREADING_SINGLE) {
		if (lock_single_threaded(ctx))
			return -1;
		ipcb_note(ctx, THREADING_SINGLE_NOTE);
		return 0;
	}
	ipcb_note(ctx, THREADING_MULTI_NOTE);
	if (!h)
		return 0;
	if (pipe2(h->fd, O_CLOEXEC))
		return ipcb_skip(ctx, "threading=multi: pipe2: %s", strerror(errno));
	rc = pthread_create(&h->tid, NULL, lock_helper_main, h);
	if (rc) {
		close(h->fd[0]);
		close(h->fd[1]);
		return ipcb_skip(ctx, "threading=multi: cannot start the idle helper thread: %s", strerror(rc));
	}
	h->started = 1;
	return 0;
}

/* End the helper, if one was started; the join is immediate (its read sees end of file). */
static inline void lock_threading_teardown(struct lock_helper *h)
{
	if (!h || !h->started)
		return;
	close(h->fd[1]);
	pthread_join(h->tid, NULL);
	close(h->fd[0]);
	h->started = 0;
}

#endif
