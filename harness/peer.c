// SPDX-License-Identifier: MIT
/*
 * peer.c - the other parties of a benchmark (a peer thread or process, the
 * threads of an N-thread team), the watchdog that keeps a silent one from
 * hanging the run, and ipcb_abort(), the way every wait gives up. A peer is
 * pinned to ctx->cpus[1] before it does anything, and the caller returns
 * only once the peer runs, so no measurement includes thread creation or a
 * migration.
 *
 * Every thread the engine starts for a benchmark carries a name, set here:
 * ipcb-peer for a peer (thread or process), ipcb-worker for a member of an
 * N-thread team, ipcb-watchdog for the watchdog. ps, gdb and the watchdog
 * tests find them by it.
 */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"
#include "ctx.h"
#include "registry.h"
#include "timer.h"
#include "topo.h"

uint64_t ipcb_now_ns(void)
{
	return ipcb_clock_ns();
}

int ipcb_abort(struct ipcb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->aborted) {
		va_start(ap, fmt);
		vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&ctx->aborted, 1, __ATOMIC_RELEASE);
	return -1;
}

int ipcb_ncpus(void)
{
	return ipcb_topo_ncpus();
}

int ipcb_cpu_for_thread(int i)
{
	int n = ipcb_topo_ncpus();

	return n > 0 ? ipcb_topo_cpu(i % n) : 0;
}

int ipcb_team_cpus(const struct ipcb_ctx *ctx, int *cpus, int n)
{
	return ipcb_topo_team(ipcb_choice_name(ctx->bench, ctx->params, "fill"), cpus, n);
}

struct peer_start {
	struct ipcb_ctx *ctx;
	void *(*fn)(void *);
	void *arg;
	int cpu;
	int running; /* 1 pinned and running, -errno pinning failed */
};

static void *peer_main(void *p)
{
	struct peer_start *s = p;
	void *(*fn)(void *) = s->fn;
	void *arg = s->arg;
	int err = ipcb_pin_self(s->cpu);

	prctl(PR_SET_NAME, "ipcb-peer");
	if (s->ctx->engine)
		s->ctx->engine->peer_tid = gettid();

	__atomic_store_n(&s->running, err ? err : 1, __ATOMIC_RELEASE);
	if (err)
		return NULL;
	return fn(arg);
}

int ipcb_peer_thread(struct ipcb_ctx *ctx, struct ipcb_peer *p, void *(*fn)(void *), void *arg)
{
	struct peer_start s = { ctx, fn, arg, ctx->cpus[1], 0 };
	uint64_t deadline = ipcb_now_ns() + ctx->timeout_ns;
	int err, running;

	memset(p, 0, sizeof(*p));
	err = pthread_create(&p->tid, NULL, peer_main, &s);
	if (err)
		return ipcb_skip(ctx, "pthread_create: %s", strerror(err));
	/* s lives on this stack: wait until the peer has read it */
	while (!(running = __atomic_load_n(&s.running, __ATOMIC_ACQUIRE))) {
		if (ipcb_now_ns() > deadline) {
			/* it will read s eventually; do not return while it might */
			pthread_join(p->tid, NULL);
			return ipcb_skip(ctx, "peer thread did not start within %.1f s", ctx->timeout_ns / 1e9);
		}
		sched_yield();
	}
	if (running < 0) {
		pthread_join(p->tid, NULL);
		return ipcb_skip(ctx, "cannot pin the peer to CPU %d: %s", ctx->cpus[1], strerror(-running));
	}
	return 0;
}

int ipcb_worker_thread(pthread_t *tid, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_attr_init(&attr);
	/* pinned before it runs: no migration inside the first samples */
	rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (!rc)
		rc = pthread_create(tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (!rc)
		pthread_setname_np(*tid, "ipcb-worker");
	return rc;
}

int ipcb_peer_fork(struct ipcb_ctx *ctx, struct ipcb_peer *p, int (*fn)(void *), void *arg)
{
	pid_t parent = getpid();

	memset(p, 0, sizeof(*p));
	p->is_process = 1;
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0)
		return ipcb_skip(ctx, "fork: %s", strerror(errno));
	if (p->pid == 0) {
		/* the child never outlives the run, even if the parent is killed */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(111);
		signal(SIGINT, SIG_IGN);
		prctl(PR_SET_NAME, "ipcb-peer");
		if (ipcb_pin_self(ctx->cpus[1]))
			_exit(112);
		_exit(fn(arg) & 0xff);
	}
	if (ctx->engine)
		ctx->engine->peer_tid = p->pid;
	return 0;
}

/* An abort's reason is the root cause: a failed wait after it must not overwrite it. */
#define peer_fail(ctx, ...) ((ctx)->aborted ? -1 : ipcb_fail(ctx, __VA_ARGS__))

static int wait_thread(struct ipcb_ctx *ctx, struct ipcb_peer *p, int timeout_ms)
{
	struct timespec ts;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	err = pthread_timedjoin_np(p->tid, NULL, &ts);
	if (err == ETIMEDOUT) {
		/* a thread cannot be killed safely: detach it and say so */
		pthread_detach(p->tid);
		return peer_fail(ctx, "peer thread did not finish within %d ms (left detached)", timeout_ms);
	}
	return err ? peer_fail(ctx, "pthread_join: %s", strerror(err)) : 0;
}

static int wait_process(struct ipcb_ctx *ctx, struct ipcb_peer *p, int timeout_ms)
{
	uint64_t deadline = ipcb_now_ns() + (uint64_t)timeout_ms * 1000000;
	int status;
	pid_t r;

	while ((r = waitpid(p->pid, &status, WNOHANG)) == 0) {
		if (ipcb_now_ns() > deadline) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			return peer_fail(ctx, "peer process %d did not exit within %d ms: killed", p->pid, timeout_ms);
		}
		usleep(1000);
	}
	if (r < 0)
		return peer_fail(ctx, "waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return peer_fail(ctx, "peer process died with signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
	if (WEXITSTATUS(status) == 112)
		return peer_fail(ctx, "peer process could not pin itself to CPU %d", ctx->cpus[1]);
	if (WEXITSTATUS(status))
		return peer_fail(ctx, "peer process exited with status %d", WEXITSTATUS(status));
	return 0;
}

int ipcb_peer_wait(struct ipcb_ctx *ctx, struct ipcb_peer *p, int timeout_ms)
{
	return p->is_process ? wait_process(ctx, p, timeout_ms) : wait_thread(ctx, p, timeout_ms);
}

/* ---- the watchdog ---- */

/* Look this many times per timeout: it fires between one and 1 + 1/TICKS timeouts after the stall. */
#define WATCHDOG_TICKS 2

/* The engine's part of a watchdog: its thread, or its timer. */
struct ipcb_watchdog_engine {
	uint32_t quit; /* futex word: ipcb_watchdog_stop() wakes the thread with it */
	pthread_t tid;
	timer_t timer;
	uint64_t period_ns;
	uint64_t seen; /* progress() as the last tick saw it */
	struct sigaction old;
};

static uint64_t watchdog_timeout(const struct ipcb_watchdog *w)
{
	return w->timeout_ns ? w->timeout_ns : w->ctx->timeout_ns;
}

/* The clock, not the tick count, decides: a signal may end a tick early. */
static void *watchdog_main(void *arg)
{
	struct ipcb_watchdog *w = arg;
	struct ipcb_watchdog_engine *e = w->engine;
	uint64_t timeout_ns = watchdog_timeout(w), tick_ns = timeout_ns / WATCHDOG_TICKS;
	struct timespec tick = { (time_t)(tick_ns / 1000000000), (long)(tick_ns % 1000000000) };
	uint64_t last = w->progress(w->arg), since = ipcb_now_ns(), now, count;

	pthread_setname_np(pthread_self(), "ipcb-watchdog");
	while (!__atomic_load_n(&e->quit, __ATOMIC_ACQUIRE)) {
		syscall(SYS_futex, &e->quit, FUTEX_WAIT_PRIVATE, 0, &tick, NULL, 0);
		count = w->progress(w->arg);
		now = ipcb_now_ns();
		if (!__atomic_load_n(&w->busy, __ATOMIC_RELAXED) || count != last) {
			last = count;
			since = now;
		} else if (now - since >= timeout_ns) {
			w->stalled(w->arg, (double)(now - since) / 1e9);
			break;
		}
	}
	return NULL;
}

static int watchdog_signal(void)
{
	return SIGRTMIN + 2;
}

/* The timer says which watchdog ticks: one thread may hold several (a session in setup, another in a check). */
static void on_watchdog_tick(int sig, siginfo_t *si, void *uc)
{
	struct ipcb_watchdog *w = si->si_value.sival_ptr;
	uint64_t now;

	(void)sig;
	(void)uc;
	if (!w || !w->engine)
		return;
	now = w->progress(w->arg);
	w->ticks++;
	if (now == w->engine->seen)
		w->fired = 1;
	w->engine->seen = now;
}

/* Every ns, from now. */
static void watchdog_period(struct ipcb_watchdog_engine *e, uint64_t ns)
{
	struct itimerspec its;

	its.it_value.tv_sec = (time_t)(ns / 1000000000u);
	its.it_value.tv_nsec = (long)(ns % 1000000000u);
	its.it_interval = its.it_value;
	timer_settime(e->timer, 0, &its, NULL);
	e->period_ns = ns;
}

/*
 * Set once per watchdog, so no operation pays for it. No SA_RESTART: the
 * blocked call must return EINTR. The timer signals this thread only.
 */
static int interrupt_start(struct ipcb_watchdog *w, struct ipcb_watchdog_engine *e)
{
	struct sigaction sa;
	struct sigevent sev;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_watchdog_tick;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(watchdog_signal(), &sa, &e->old))
		return ipcb_skip(w->ctx, "sigaction: %s", strerror(errno));
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = watchdog_signal();
	sev.sigev_value.sival_ptr = w;
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &e->timer)) {
		ipcb_skip(w->ctx, "timer_create: %s", strerror(errno));
		sigaction(watchdog_signal(), &e->old, NULL);
		return -1;
	}
	w->engine = e;
	watchdog_period(e, watchdog_timeout(w));
	return 0;
}

static int thread_start(struct ipcb_watchdog *w, struct ipcb_watchdog_engine *e)
{
	int rc;

	w->engine = e; /* before the thread reads it */
	rc = pthread_create(&e->tid, NULL, watchdog_main, w);
	if (rc) {
		w->engine = NULL;
		return ipcb_skip(w->ctx, "watchdog: pthread_create: %s", strerror(rc));
	}
	return 0;
}

int ipcb_watchdog_start(struct ipcb_watchdog *w)
{
	struct ipcb_watchdog_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return ipcb_skip(w->ctx, "watchdog: out of memory");
	w->busy = 0;
	w->fired = 0;
	w->ticks = 0;
	w->engine = NULL;
	if ((w->interrupt ? interrupt_start : thread_start)(w, e)) {
		free(e);
		return -1;
	}
	return 0;
}

void ipcb_watchdog_begin(struct ipcb_watchdog *w)
{
	w->fired = 0;
	if (w->interrupt && w->engine && w->engine->period_ns != watchdog_timeout(w))
		watchdog_period(w->engine, watchdog_timeout(w)); /* checks shorten it */
}

/* Its only wait is the tick, so the join is bounded by one tick. */
void ipcb_watchdog_stop(struct ipcb_watchdog *w)
{
	struct ipcb_watchdog_engine *e = w->engine;

	if (!e)
		return;
	if (w->interrupt) {
		/* deleting the timer also drops a signal of its still pending: no tick sees e freed */
		timer_delete(e->timer);
		sigaction(watchdog_signal(), &e->old, NULL);
	} else {
		__atomic_store_n(&e->quit, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &e->quit, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		pthread_join(e->tid, NULL);
	}
	w->engine = NULL;
	free(e);
}
