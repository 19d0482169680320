// SPDX-License-Identifier: MIT
/*
 * handoff.c - how long it takes to wake another thread and hear back.
 *
 * One operation is one round trip: the measuring thread hands the turn to a
 * peer thread pinned by placement, and waits until the peer hands it back
 * through the same mechanism. The round trip is the unit because both ends
 * of it are read on one clock; half of it would assume the two directions
 * cost the same, so no one-way figure is reported.
 *
 * The mechanisms are the ways programs hand work to a thread: a lock passed
 * in a rotation (mutex), a condition variable, a signal received by
 * sigwaitinfo or by a handler, a raw futex, an eventfd, a pipe, a POSIX
 * semaphore; and two that keep the waiter awake: spin (both threads poll one
 * cache line, the physical floor) and spin-then-futex (poll a bounded number
 * of times, then sleep). Each is a small table of post/wait/kick functions
 * driven by one generic ping-pong loop, inlined per mechanism.
 *
 * What dominates: across CPUs, whether the waiter's CPU is asleep. A thread
 * that blocks lets its CPU go idle, and the answer then waits for that CPU
 * to wake (an IPI and the idle exit; in a VM whose idle vCPUs halt, a trip
 * through the hypervisor, tens of microseconds). On one CPU nothing has to
 * wake: a round trip is two context switches. The family's explain hook says
 * which case a figure is, against the spin floor of the same placement.
 *
 * The waits are the plain calls programs make (pthread_mutex_lock, read,
 * sem_wait, sigwaitinfo, sigsuspend, FUTEX_WAIT without a timeout), so no
 * timed variant or clock read sits in the measured path. The bound is the
 * engine's watchdog (ipcb_watchdog): when no round trip completes for
 * ctx->timeout_ns it fails the job and kicks, waking both sides through the
 * mechanism itself; spin loops look at the stop flag every SPIN_CHECK polls.
 *
 * handoff/matrix is the spin round trip declared as a pair sweep: the
 * engine measures it on every ordered pair of CPUs (a sample of them within
 * budget_ms on a large machine) and attaches the matrix for a heatmap.
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ipcbench.h"
#include "ipcbench_explain.h"
#include "locks.h"

#define SIDE_MAIN 0 /* the measuring thread: posts first */
#define SIDE_PEER 1
/* Spin loops look at the stop flag this often: a load of a line nobody writes. */
#define SPIN_CHECK 1024
/*
 * The signal both sides exchange. Its default action is to ignore, so a
 * straggler that arrives after teardown can never kill the run (the Go
 * runtime picked it for its preemption signal for the same reason).
 */
#define HANDOFF_SIG SIGURG
/* spin-then-futex: set by a waiter that is about to sleep on the turn word */
#define TURN_SLEEPING 0x80000000u
/* With a figure this many times the spin floor, the CPU's wake-up dominates. */
#define WAKEUP_RATIO 10.0

struct handoff;

/* One mechanism. post and wait run on the side named; kick on any thread. */
struct handoff_ops {
	/* on the measuring thread, before the peer starts; 0 or -1 with ctx->why */
	int (*init)(struct ipcb_ctx *ctx, struct handoff *h);
	/* hand the turn of round k to the other side */
	void (*post)(struct handoff *h, int side, uint64_t k);
	/* return once the other side has posted round k, or once stop is set and kick() ran */
	void (*wait)(struct handoff *h, int side, uint64_t k);
	/* after stop is set: wake every waiter */
	void (*kick)(struct handoff *h);
	/* optional: the peer takes its initial locks; each side releases what it holds */
	void (*peer_enter)(struct handoff *h);
	void (*leave)(struct handoff *h, int side);
	/* on the measuring thread, after the peer ended */
	void (*destroy)(struct handoff *h);
};

/* What one side alone writes, on a line of its own. */
struct handoff_side {
	uint64_t rounds;  /* main: round trips completed; peer: pings answered */
	unsigned int held; /* mutex: the locks this side holds, a bit each */
	pthread_t tid;
} __attribute__((aligned(CACHE_LINE)));

struct handoff {
	/* the turn word of the memory-based mechanisms: main posts odd values, the peer even */
	uint32_t seq __attribute__((aligned(CACHE_LINE)));
	int stop __attribute__((aligned(CACHE_LINE))); /* set once: teardown or the watchdog */
	struct handoff_side side[2];
	const struct handoff_ops *ops;
	struct ipcb_ctx *ctx;
	int spins; /* spin-then-futex: polls before sleeping */
	int ready; /* the peer has taken its initial state */
	struct ipcb_peer peer;
	int peer_started;
	int qos_fd; /* futex with idle_hold: the PM QoS request held for the job, or -1 */
	struct ipcb_watchdog wd;
	/* the mechanism's own state */
	union {
		struct {
			pthread_mutex_t m[3];
		} mx;
		struct {
			pthread_mutex_t m;
			pthread_cond_t cv[2]; /* cv[side]: what that side waits on */
		} cv;
		int efd[2];	/* efd[side]: the eventfd that side reads */
		int pfd[2][2];	/* pfd[side]: the pipe that side reads */
		sem_t sem[2];	/* sem[side]: the semaphore that side waits on */
		struct {
			sigset_t set;	    /* {HANDOFF_SIG} */
			sigset_t old_mask;  /* the measuring thread's mask before setup */
			sigset_t wait_mask; /* sigsuspend: old_mask without HANDOFF_SIG */
			struct sigaction old_act;
			int handler;
		} sig;
	} __attribute__((aligned(CACHE_LINE))); /* written by both sides: away from the rest */
};

static inline int stopped(struct handoff *h)
{
	return __atomic_load_n(&h->stop, __ATOMIC_ACQUIRE);
}

/* The turn word once `side` has posted round k; a side waits for the other's value. */
static inline uint32_t turn(int side, uint64_t k)
{
	return (uint32_t)(2 * k + 1 + (uint64_t)side) & ~TURN_SLEEPING;
}

/* ---- spin: both threads poll one line ---- */

static void spin_post(struct handoff *h, int side, uint64_t k)
{
	__atomic_store_n(&h->seq, turn(side, k), __ATOMIC_RELEASE);
}

/*
 * No pause in the poll: the floor is how soon a waiter can see the line
 * change, and a pause (~30 ns on recent AMD cores) would add up to its own
 * length to every hand-off.
 */
static void spin_turn_wait(struct handoff *h, int side, uint64_t k)
{
	uint32_t want = turn(!side, k);
	unsigned int n = 0;

	while (__atomic_load_n(&h->seq, __ATOMIC_ACQUIRE) != want)
		if (++n % SPIN_CHECK == 0 && stopped(h))
			return;
}

static void spin_kick(struct handoff *h)
{
	(void)h; /* spinners see the stop flag by themselves */
}

/* ---- futex: raw FUTEX_WAIT / FUTEX_WAKE on the turn word ---- */

/* Raw: a wake syscall on every post, whether or not the other side sleeps. */
static void futex_post(struct handoff *h, int side, uint64_t k)
{
	__atomic_store_n(&h->seq, turn(side, k), __ATOMIC_RELEASE);
	futex_wake(&h->seq, 1);
}

/* FUTEX_WAIT sleeps only while the word still holds the value just read: no lost wake-up. */
static void futex_turn_wait(struct handoff *h, int side, uint64_t k)
{
	uint32_t want = turn(!side, k), cur;

	while ((cur = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE)) != want && !stopped(h))
		futex_wait(&h->seq, cur, NULL);
}

static void futex_kick(struct handoff *h)
{
	futex_wake(&h->seq, INT_MAX);
}

/* ---- spin-then-futex: poll h->spins times, then sleep; wake only a sleeper ---- */

static void stf_post(struct handoff *h, int side, uint64_t k)
{
	if (__atomic_exchange_n(&h->seq, turn(side, k), __ATOMIC_ACQ_REL) & TURN_SLEEPING)
		futex_wake(&h->seq, 1);
}

/*
 * The sleeping bit is set by compare-and-swap, so a post between the read
 * and the sleep is seen. The bit may be the other side's (it sleeps for the
 * next round once it has posted), so values are compared without it.
 */
static void stf_wait(struct handoff *h, int side, uint64_t k)
{
	uint32_t want = turn(!side, k), cur;
	int n;

	for (n = 0; n < h->spins; n++) {
		if ((__atomic_load_n(&h->seq, __ATOMIC_ACQUIRE) & ~TURN_SLEEPING) == want)
			return;
		ipcb_cpu_relax();
	}
	while (((cur = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE)) & ~TURN_SLEEPING) != want && !stopped(h)) {
		if (!(cur & TURN_SLEEPING) &&
		    !__atomic_compare_exchange_n(&h->seq, &cur, cur | TURN_SLEEPING, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			continue;
		futex_wait(&h->seq, cur | TURN_SLEEPING, NULL);
	}
}

/* ---- mutex: three locks in a rotation ---- */

/*
 * A mutex can only be released by its owner, so a hand-off needs three: the
 * measuring thread starts holding m0 and m1, the peer m2. In round k the
 * measuring thread releases m[k%3] (the peer is blocked on it) and blocks
 * on m[(k+2)%3], which the peer releases once it has m[k%3]. Each side ends
 * the round holding two consecutive locks again, one step further on: a
 * strict alternation built from ownership alone.
 */
static unsigned int mx_index(int side, uint64_t k, int posting)
{
	return (unsigned int)((k + ((side == SIDE_MAIN) == posting ? 0 : 2)) % 3);
}

static int mx_init(struct ipcb_ctx *ctx, struct handoff *h)
{
	int i, rc;

	for (i = 0; i < 3; i++) {
		rc = pthread_mutex_init(&h->mx.m[i], NULL);
		if (rc) {
			while (i--)
				pthread_mutex_destroy(&h->mx.m[i]);
			return ipcb_skip(ctx, "pthread_mutex_init: %s", strerror(rc));
		}
	}
	pthread_mutex_lock(&h->mx.m[0]);
	pthread_mutex_lock(&h->mx.m[1]);
	h->side[SIDE_MAIN].held = 1u << 0 | 1u << 1;
	return 0;
}

static void mx_peer_enter(struct handoff *h)
{
	pthread_mutex_lock(&h->mx.m[2]);
	h->side[SIDE_PEER].held = 1u << 2;
}

static void mx_post(struct handoff *h, int side, uint64_t k)
{
	unsigned int i = mx_index(side, k, 1);

	h->side[side].held &= ~(1u << i);
	pthread_mutex_unlock(&h->mx.m[i]);
}

static void mx_wait(struct handoff *h, int side, uint64_t k)
{
	unsigned int i = mx_index(side, k, 0);

	pthread_mutex_lock(&h->mx.m[i]);
	h->side[side].held |= 1u << i;
}

/* Releasing what this side holds is what lets the other side's last wait return. */
static void mx_leave(struct handoff *h, int side)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (h->side[side].held & (1u << i))
			pthread_mutex_unlock(&h->mx.m[i]);
	h->side[side].held = 0;
}

/*
 * A blocked pthread_mutex_lock cannot be interrupted; what can stall it is
 * a lost wake-up, and a FUTEX_WAKE on the lock word (glibc keeps it first
 * in pthread_mutex_t) rescues that. Waiters accept spurious wake-ups.
 */
static void mx_kick(struct handoff *h)
{
	int i;

	for (i = 0; i < 3; i++)
		futex_wake((uint32_t *)&h->mx.m[i], INT_MAX);
}

static void mx_destroy(struct handoff *h)
{
	int i;

	for (i = 0; i < 3; i++)
		pthread_mutex_destroy(&h->mx.m[i]);
}

/* ---- condvar: one mutex, one condition variable per direction ---- */

static int cv_init(struct ipcb_ctx *ctx, struct handoff *h)
{
	int rc = pthread_mutex_init(&h->cv.m, NULL);

	if (rc)
		return ipcb_skip(ctx, "pthread_mutex_init: %s", strerror(rc));
	pthread_cond_init(&h->cv.cv[0], NULL);
	pthread_cond_init(&h->cv.cv[1], NULL);
	return 0;
}

/* The textbook form: set the predicate and signal while holding the mutex. */
static void cv_post(struct handoff *h, int side, uint64_t k)
{
	pthread_mutex_lock(&h->cv.m);
	__atomic_store_n(&h->seq, turn(side, k), __ATOMIC_RELAXED);
	pthread_cond_signal(&h->cv.cv[!side]);
	pthread_mutex_unlock(&h->cv.m);
}

static void cv_wait(struct handoff *h, int side, uint64_t k)
{
	uint32_t want = turn(!side, k);

	pthread_mutex_lock(&h->cv.m);
	while (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) != want && !stopped(h))
		pthread_cond_wait(&h->cv.cv[side], &h->cv.m);
	pthread_mutex_unlock(&h->cv.m);
}

/* Taking the mutex orders the stop flag before any waiter's next look at it. */
static void cv_kick(struct handoff *h)
{
	pthread_mutex_lock(&h->cv.m);
	pthread_cond_broadcast(&h->cv.cv[0]);
	pthread_cond_broadcast(&h->cv.cv[1]);
	pthread_mutex_unlock(&h->cv.m);
}

static void cv_destroy(struct handoff *h)
{
	pthread_cond_destroy(&h->cv.cv[0]);
	pthread_cond_destroy(&h->cv.cv[1]);
	pthread_mutex_destroy(&h->cv.m);
}

/* ---- eventfd and pipe: one descriptor (pair) per direction ---- */

static int efd_init(struct ipcb_ctx *ctx, struct handoff *h)
{
	h->efd[0] = eventfd(0, EFD_CLOEXEC);
	h->efd[1] = h->efd[0] < 0 ? -1 : eventfd(0, EFD_CLOEXEC);
	if (h->efd[1] < 0) {
		ipcb_skip(ctx, "eventfd: %s", strerror(errno));
		if (h->efd[0] >= 0)
			close(h->efd[0]);
		return -1;
	}
	return 0;
}

/* Writing 1 to a blocking eventfd cannot block short of 2^64 - 2 unread posts. */
static void efd_post(struct handoff *h, int side, uint64_t k)
{
	uint64_t one = 1;

	if (write(h->efd[!side], &one, sizeof(one)) < 0)
		ipcb_abort(h->ctx, "eventfd write: %s", strerror(errno));
}

static void efd_wait(struct handoff *h, int side, uint64_t k)
{
	uint64_t v;

	while (read(h->efd[side], &v, sizeof(v)) < 0 && errno == EINTR)
		;
}

static void efd_kick(struct handoff *h)
{
	efd_post(h, SIDE_MAIN, 0);
	efd_post(h, SIDE_PEER, 0);
}

static void efd_destroy(struct handoff *h)
{
	close(h->efd[0]);
	close(h->efd[1]);
}

static int pipe_init(struct ipcb_ctx *ctx, struct handoff *h)
{
	if (pipe2(h->pfd[0], O_CLOEXEC))
		return ipcb_skip(ctx, "pipe2: %s", strerror(errno));
	if (pipe2(h->pfd[1], O_CLOEXEC)) {
		ipcb_skip(ctx, "pipe2: %s", strerror(errno));
		close(h->pfd[0][0]);
		close(h->pfd[0][1]);
		return -1;
	}
	return 0;
}

static void pipe_post(struct handoff *h, int side, uint64_t k)
{
	char b = 'x';

	if (write(h->pfd[!side][1], &b, 1) < 0)
		ipcb_abort(h->ctx, "pipe write: %s", strerror(errno));
}

static void pipe_wait(struct handoff *h, int side, uint64_t k)
{
	char b;

	while (read(h->pfd[side][0], &b, 1) < 0 && errno == EINTR)
		;
}

static void pipe_kick(struct handoff *h)
{
	pipe_post(h, SIDE_MAIN, 0);
	pipe_post(h, SIDE_PEER, 0);
}

static void pipe_destroy(struct handoff *h)
{
	int i;

	for (i = 0; i < 4; i++)
		close(h->pfd[i / 2][i % 2]);
}

/* ---- POSIX semaphores ---- */

static int sem_handoff_init(struct ipcb_ctx *ctx, struct handoff *h)
{
	if (sem_init(&h->sem[0], 0, 0) || sem_init(&h->sem[1], 0, 0))
		return ipcb_skip(ctx, "sem_init: %s", strerror(errno));
	return 0;
}

static void sem_handoff_post(struct handoff *h, int side, uint64_t k)
{
	sem_post(&h->sem[!side]);
}

static void sem_handoff_wait(struct handoff *h, int side, uint64_t k)
{
	while (sem_wait(&h->sem[side]) && errno == EINTR)
		;
}

static void sem_handoff_kick(struct handoff *h)
{
	sem_post(&h->sem[0]);
	sem_post(&h->sem[1]);
}

static void sem_handoff_destroy(struct handoff *h)
{
	sem_destroy(&h->sem[0]);
	sem_destroy(&h->sem[1]);
}

/* ---- signals: pthread_kill to a thread in sigwaitinfo or sigsuspend ---- */

static void on_handoff_signal(int sig)
{
	(void)sig; /* running at all is the message: sigsuspend returns after it */
}

/*
 * Block the signal on the measuring thread before the peer (and the
 * watchdog) are created, so they inherit the mask: a signal sent before its
 * target waits stays pending instead of being lost.
 */
static int sig_init_common(struct ipcb_ctx *ctx, struct handoff *h, int handler)
{
	struct sigaction sa;
	int rc;

	sigemptyset(&h->sig.set);
	sigaddset(&h->sig.set, HANDOFF_SIG);
	if (handler) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_handoff_signal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(HANDOFF_SIG, &sa, &h->sig.old_act))
			return ipcb_skip(ctx, "sigaction: %s", strerror(errno));
		h->sig.handler = 1;
	}
	rc = pthread_sigmask(SIG_BLOCK, &h->sig.set, &h->sig.old_mask);
	if (rc) {
		if (handler)
			sigaction(HANDOFF_SIG, &h->sig.old_act, NULL);
		return ipcb_skip(ctx, "pthread_sigmask: %s", strerror(rc));
	}
	h->sig.wait_mask = h->sig.old_mask;
	sigdelset(&h->sig.wait_mask, HANDOFF_SIG);
	return 0;
}

static int sigwait_init(struct ipcb_ctx *ctx, struct handoff *h)
{
	return sig_init_common(ctx, h, 0);
}

static int sighandler_init(struct ipcb_ctx *ctx, struct handoff *h)
{
	return sig_init_common(ctx, h, 1);
}

static void sig_post(struct handoff *h, int side, uint64_t k)
{
	pthread_kill(h->side[!side].tid, HANDOFF_SIG);
}

static void sigwait_wait(struct handoff *h, int side, uint64_t k)
{
	while (sigwaitinfo(&h->sig.set, NULL) < 0 && errno == EINTR)
		;
}

static void sighandler_wait(struct handoff *h, int side, uint64_t k)
{
	sigsuspend(&h->sig.wait_mask);
}

static void sig_kick(struct handoff *h)
{
	pthread_kill(h->side[SIDE_MAIN].tid, HANDOFF_SIG);
	pthread_kill(h->side[SIDE_PEER].tid, HANDOFF_SIG);
}

/* Consume what the kicks left pending on this thread, then restore its mask and the action. */
static void sig_destroy(struct handoff *h)
{
	struct timespec zero = { 0, 0 };

	while (sigtimedwait(&h->sig.set, NULL, &zero) > 0)
		;
	if (h->sig.handler)
		sigaction(HANDOFF_SIG, &h->sig.old_act, NULL);
	pthread_sigmask(SIG_SETMASK, &h->sig.old_mask, NULL);
}

/* ---- the mechanisms ---- */

static const struct handoff_ops spin_ops = {
	.post = spin_post, .wait = spin_turn_wait, .kick = spin_kick,
};
static const struct handoff_ops stf_ops = {
	.post = stf_post, .wait = stf_wait, .kick = futex_kick,
};
static const struct handoff_ops futex_ops = {
	.post = futex_post, .wait = futex_turn_wait, .kick = futex_kick,
};
static const struct handoff_ops mutex_ops = {
	.init = mx_init, .post = mx_post, .wait = mx_wait, .kick = mx_kick,
	.peer_enter = mx_peer_enter, .leave = mx_leave, .destroy = mx_destroy,
};
static const struct handoff_ops condvar_ops = {
	.init = cv_init, .post = cv_post, .wait = cv_wait, .kick = cv_kick, .destroy = cv_destroy,
};
static const struct handoff_ops eventfd_ops = {
	.init = efd_init, .post = efd_post, .wait = efd_wait, .kick = efd_kick, .destroy = efd_destroy,
};
static const struct handoff_ops pipe_ops = {
	.init = pipe_init, .post = pipe_post, .wait = pipe_wait, .kick = pipe_kick, .destroy = pipe_destroy,
};
static const struct handoff_ops sem_ops = {
	.init = sem_handoff_init, .post = sem_handoff_post, .wait = sem_handoff_wait,
	.kick = sem_handoff_kick, .destroy = sem_handoff_destroy,
};
static const struct handoff_ops signal_ops = {
	.init = sigwait_init, .post = sig_post, .wait = sigwait_wait, .kick = sig_kick,
	.destroy = sig_destroy,
};
static const struct handoff_ops sighandler_ops = {
	.init = sighandler_init, .post = sig_post, .wait = sighandler_wait, .kick = sig_kick,
	.destroy = sig_destroy,
};

/* ---- the ping-pong, generic and inlined per mechanism ---- */

/* The measuring side: exactly iters round trips, unless the watchdog stops it. */
static inline __attribute__((always_inline)) void
round_trips(struct ipcb_ctx *ctx, uint64_t iters, const struct handoff_ops *ops)
{
	struct handoff *h = ctx->state;
	uint64_t k = h->side[SIDE_MAIN].rounds;

	if (stopped(h))
		return;
	ipcb_watchdog_busy(&h->wd, 1);
	for (; iters; iters--) {
		ops->post(h, SIDE_MAIN, k);
		ops->wait(h, SIDE_MAIN, k);
		if (stopped(h))
			break;
		/* the watchdog's progress count: a store to a line only this thread writes */
		__atomic_store_n(&h->side[SIDE_MAIN].rounds, ++k, __ATOMIC_RELAXED);
		ipcb_lap(ctx);
	}
	ipcb_watchdog_busy(&h->wd, 0);
}

/* The peer: answers every round until teardown (or the watchdog) stops it. */
static inline __attribute__((always_inline)) void answer(struct handoff *h, const struct handoff_ops *ops)
{
	uint64_t k;

	h->side[SIDE_PEER].tid = pthread_self();
	if (ops->peer_enter)
		ops->peer_enter(h);
	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	for (k = 0;; k++) {
		ops->wait(h, SIDE_PEER, k);
		if (stopped(h))
			break;
		/* counted before the post, so the measuring side sees it once answered */
		__atomic_store_n(&h->side[SIDE_PEER].rounds, k + 1, __ATOMIC_RELAXED);
		ops->post(h, SIDE_PEER, k);
	}
	if (ops->leave)
		ops->leave(h, SIDE_PEER);
}

static uint64_t handoff_progress(void *arg)
{
	struct handoff *h = arg;

	return __atomic_load_n(&h->side[SIDE_MAIN].rounds, __ATOMIC_RELAXED);
}

/* On the watchdog's thread: fail the job, then wake both sides through the mechanism. */
static void handoff_stalled(void *arg, double stalled_s)
{
	struct handoff *h = arg;

	ipcb_abort(h->ctx, "%s: peer did not answer within %.1f s (round trip %llu never completed)",
		   h->ctx->bench->id, stalled_s,
		   (unsigned long long)__atomic_load_n(&h->side[SIDE_MAIN].rounds, __ATOMIC_RELAXED) + 1);
	__atomic_store_n(&h->stop, 1, __ATOMIC_SEQ_CST);
	h->ops->kick(h);
}

/* ---- setup, teardown, check ---- */

/* The peer thread may outlive a failed wait by the watchdog's bound; give it two. */
static int peer_wait_ms(const struct ipcb_ctx *ctx)
{
	return (int)(2 * ctx->timeout_ns / 1000000) + 100;
}

static void handoff_teardown(struct ipcb_ctx *ctx)
{
	struct handoff *h = ctx->state;
	char why[IPCB_WHY_LEN];

	if (!h)
		return;
	__atomic_store_n(&h->stop, 1, __ATOMIC_SEQ_CST);
	ipcb_watchdog_stop(&h->wd);
	h->ops->kick(h);
	if (h->ops->leave)
		h->ops->leave(h, SIDE_MAIN);
	ctx->state = NULL;
	if (h->peer_started && ipcb_peer_wait(ctx, &h->peer, peer_wait_ms(ctx))) {
		/* the peer may still touch h: leave it allocated, and fail the job */
		snprintf(why, sizeof(why), "%s", ctx->why);
		ipcb_abort(ctx, "%s", why);
		return;
	}
	if (h->ops->destroy)
		h->ops->destroy(h);
	if (h->qos_fd >= 0)
		close(h->qos_fd);
	free(h);
}

/* ipcb_peer_thread returns once the peer runs; this waits until it holds its initial state. */
static int wait_ready(struct ipcb_ctx *ctx, struct handoff *h)
{
	uint64_t deadline = ipcb_now_ns() + ctx->timeout_ns;

	while (!__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE)) {
		if (ipcb_now_ns() > deadline)
			return ipcb_skip(ctx, "peer did not get ready within %.1f s", ctx->timeout_ns / 1e9);
		sched_yield();
	}
	return 0;
}

static int handoff_start(struct ipcb_ctx *ctx, const struct handoff_ops *ops, void *(*peer)(void *))
{
	struct handoff *h = aligned_alloc(CACHE_LINE, sizeof(*h));

	if (!h)
		return ipcb_skip(ctx, "aligned_alloc(%zu): %s", sizeof(*h), strerror(errno));
	memset(h, 0, sizeof(*h));
	h->ops = ops;
	h->ctx = ctx;
	h->qos_fd = -1;
	h->spins = (int)ipcb_param(ctx, "spins");
	/* the peer's until it starts: a kick before then signals this thread, which is harmless */
	h->side[SIDE_MAIN].tid = h->side[SIDE_PEER].tid = pthread_self();
	if (ops->init && ops->init(ctx, h)) {
		free(h);
		return -1;
	}
	ctx->state = h;
	h->wd = (struct ipcb_watchdog){ .ctx = ctx, .progress = handoff_progress, .stalled = handoff_stalled, .arg = h };
	if (ipcb_peer_thread(ctx, &h->peer, peer, h))
		goto fail;
	h->peer_started = 1;
	if (wait_ready(ctx, h) || ipcb_watchdog_start(&h->wd))
		goto fail;
	return 0;
fail:
	/* teardown overwrites why only when the peer is stuck, and then that is the news */
	handoff_teardown(ctx);
	return -1;
}

/*
 * `ipcbench test`: check_iters round trips through the timed body itself,
 * each answered exactly once. A lost wake-up stalls and the watchdog fails
 * it; a spurious one lets the measuring side run ahead of the peer's count.
 */
static int handoff_check(struct ipcb_ctx *ctx)
{
	struct handoff *h = ctx->state;
	uint64_t before = h->side[SIDE_MAIN].rounds, done, answered;

	ctx->bench->body(ctx, ctx->check_iters);
	if (ctx->aborted)
		return -1;
	done = h->side[SIDE_MAIN].rounds - before;
	answered = __atomic_load_n(&h->side[SIDE_PEER].rounds, __ATOMIC_RELAXED);
	if (done != ctx->check_iters)
		return ipcb_fail(ctx, "%llu round trips completed, expected %llu", (unsigned long long)done,
				 (unsigned long long)ctx->check_iters);
	if (answered != h->side[SIDE_MAIN].rounds)
		return ipcb_fail(ctx, "the peer answered %llu times for %llu round trips: a wake-up without a post",
				 (unsigned long long)answered, (unsigned long long)h->side[SIDE_MAIN].rounds);
	return 0;
}

/* A mechanism's setup, timed body and peer, with its ops inlined into both loops. */
#define HANDOFF(name)                                                           \
	static void *name##_peer(void *arg)                                     \
	{                                                                       \
		answer(arg, &name##_ops);                                       \
		return NULL;                                                    \
	}                                                                       \
	static int name##_setup(struct ipcb_ctx *ctx)                           \
	{                                                                       \
		return handoff_start(ctx, &name##_ops, name##_peer);            \
	}                                                                       \
	static void name##_body(struct ipcb_ctx *ctx, uint64_t iters)           \
	{                                                                       \
		round_trips(ctx, iters, &name##_ops);                           \
	}

HANDOFF(mutex)
HANDOFF(condvar)
HANDOFF(signal)
HANDOFF(sighandler)
HANDOFF(futex)

/*
 * futex with idle_hold >= 0: the same, with every CPU kept out of idle
 * states that exit slower than idle_hold us for the job (its worker holds
 * the PM QoS request), so the same run shows what the idle exit costs.
 */
static int futex_hold_setup(struct ipcb_ctx *ctx)
{
	int64_t us = ipcb_param(ctx, "idle_hold");
	struct handoff *h;
	int fd = -1;

	if (us >= 0 && (fd = ipcb_hold_idle_latency(ctx, (int)us)) < 0)
		return -1;
	if (futex_setup(ctx)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	h = ctx->state;
	h->qos_fd = fd;
	return 0;
}
HANDOFF(eventfd)
HANDOFF(pipe)
HANDOFF(sem)
HANDOFF(spin)
HANDOFF(stf)

/* ---- explain: each figure against the spin floor of its placement ---- */

static const char *const blocking_ids[] = {
	"handoff/mutex", "handoff/condvar", "handoff/signal", "handoff/signal-handler",
	"handoff/futex", "handoff/eventfd", "handoff/pipe",   "handoff/sem",
	NULL,
};

/*
 * The machine this run recorded (machine.system holds the cpuidle facts), so
 * a note says what the file's machine did, not what the explaining one does.
 */
static const char *state_name(const struct ipcb_results *rs, long state)
{
	char path[64];

	snprintf(path, sizeof(path), "system.cpuidle.states.%ld.name", state);
	return ipcb_machine_string(rs, path);
}

/* The deepest idle state a sleeping CPU may enter: enabled, and within this run's PM QoS hold; or -1. */
static long deepest_state(const struct ipcb_results *rs, int64_t *exit_us)
{
	size_t i, n = ipcb_machine_count(rs, "system.cpuidle.states");
	int64_t hold, e, best_us = 0;
	int held = ipcb_machine_int(rs, "system.idle_latency_hold_us", &hold) == 0;
	char path[64];
	long best = -1;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "system.cpuidle.states.%zu.disabled", i);
		if (ipcb_machine_true(rs, path))
			continue;
		snprintf(path, sizeof(path), "system.cpuidle.states.%zu.exit_latency_us", i);
		if (ipcb_machine_int(rs, path, &e) || (held && e > hold))
			continue;
		if (best < 0 || e > best_us) {
			best = (long)i;
			best_us = e;
		}
	}
	*exit_us = best_us;
	return best;
}

/* On bare metal: the idle state a woken CPU leaves, as recorded in machine.system. */
static void bare_metal_cause(const struct ipcb_results *rs, char *buf, size_t len)
{
	int64_t exit_us, hold;
	long deep = deepest_state(rs, &exit_us);
	const char *name = deep >= 0 ? state_name(rs, deep) : NULL;

	if (deep >= 0 && ipcb_machine_int(rs, "system.idle_latency_hold_us", &hold) == 0)
		snprintf(buf, len, "the wake-up is an IPI to the other CPU plus its exit from idle; this run held idle states slower than %lld us off (run --idle-latency), so the deepest left was %s (%lld us exit latency)",
			 (long long)hold, name ? name : "?", (long long)exit_us);
	else if (deep >= 0)
		snprintf(buf, len, "the wake-up is an IPI to the other CPU plus its exit from the idle state it sleeps in: the deepest enabled here is %s (%lld us exit latency), which dominates when the waiter's CPU went that deep; run --idle-latency 0 or `ipcbench system tune` measures without it",
			 name ? name : "?", (long long)exit_us);
	else
		snprintf(buf, len, "the wake-up is an IPI to the other CPU, plus its exit from an idle state if it was idle");
}

/*
 * Why waking another CPU costs what it does here, in a clause. Every
 * cross-CPU wake-up is an inter-processor interrupt (IPI); in a guest the
 * IPI is a trip through the hypervisor, and a vCPU that idles halts (after
 * guest_halt_poll_ns of polling, where cpuidle haltpoll runs), so the host
 * must also wake the vCPU's thread.
 */
static void wakeup_cause(const struct ipcb_results *rs, char *buf, size_t len)
{
	const char *hv = ipcb_machine_string(rs, "hypervisor");
	const char *driver = ipcb_machine_string(rs, "system.cpuidle.driver");
	int64_t poll, hold;
	int polls = ipcb_machine_int(rs, "system.cpuidle.guest_halt_poll_ns", &poll) == 0;
	int held = ipcb_machine_int(rs, "system.idle_latency_hold_us", &hold) == 0;

	if (hv && strcmp(hv, "none") && driver && !strcmp(driver, "haltpoll") && polls)
		snprintf(buf, len, "in this %s guest the wake-up IPI goes through the hypervisor, and an idle vCPU halts after polling guest_halt_poll_ns=%lld ns (cpuidle haltpoll), so the host must wake it too",
			 hv, (long long)poll);
	else if (hv && strcmp(hv, "none"))
		snprintf(buf, len, "in this %s guest the wake-up IPI goes through the hypervisor, and an idle vCPU halts, so the host must wake it too%s",
			 hv, held && driver && !strcmp(driver, "none") ?
			 " (with no cpuidle driver the guest halts whatever run --idle-latency asks)" : "");
	else if (hv)
		bare_metal_cause(rs, buf, len);
	else
		snprintf(buf, len, "the wake-up is an IPI to the other CPU, plus its exit from an idle state if it was idle");
}

/*
 * The results a note compares: for handoff/futex the free ones (idle_hold
 * -1); those held out of idle states have a note of their own.
 */
static const char *free_of(const char *id)
{
	return strcmp(id, "handoff/futex") ? NULL : "idle_hold=-1";
}

/* The nearest placement of two distinct cores this run measured id on: the role nearest-core. */
static double nearest_core_median(struct ipcb_results *rs, const char *id, const char **placement)
{
	static const char *const nearest[] = { "same-cache", "cross-cache", "cross-numa", NULL };
	double m;
	int i;

	for (i = 0; nearest[i]; i++) {
		m = ipcb_result_median_where(rs, id, nearest[i], free_of(id));
		if (m > 0) {
			*placement = nearest[i];
			return m;
		}
	}
	return -1;
}

/* A blocking mechanism on one CPU: nothing to wake, and the nearest cross-core figure beside it. */
static void explain_same_cpu(struct ipcb_results *rs, const char *id, double m)
{
	const char *where = NULL;
	double cross = nearest_core_median(rs, id, &where);

	if (cross > 0)
		ipcb_result_note_where(rs, id, "same-cpu", free_of(id),
				       "one CPU: no CPU to wake, a round trip is two context switches plus the calls; on the nearest two cores measured (%s) it takes %.0f ns, %.1fx this",
				       where, cross, cross / m);
	else
		ipcb_result_note_where(rs, id, "same-cpu", free_of(id),
				       "one CPU: no CPU to wake, a round trip is two context switches plus the calls");
}

static void explain_placement(struct ipcb_results *rs, const char *p, const char *cause)
{
	double spin = ipcb_result_median(rs, "handoff/spin", p);
	double stf = ipcb_result_median(rs, "handoff/spin-then-futex", p), m;
	char stf_text[64] = "not measured in this run";
	int i, one_cpu = strcmp(p, "same-cpu") == 0;

	if (stf > 0)
		snprintf(stf_text, sizeof(stf_text), "%.0f ns", stf);
	for (i = 0; blocking_ids[i]; i++) {
		const char *id = blocking_ids[i];

		m = ipcb_result_median_where(rs, id, p, free_of(id));
		if (m > 0 && one_cpu)
			explain_same_cpu(rs, id, m);
		if (m <= 0 || spin <= 0 || m <= WAKEUP_RATIO * spin)
			continue;
		ipcb_result_note_where(rs, id, p, free_of(id),
				       "%.0fx the spin floor of this placement (%.0f ns): dominated by waking the sleeping side on its CPU, not by the call itself; spin-then-futex, whose waiter is still polling when the answer comes: %s",
				       m / spin, spin, stf_text);
		ipcb_result_note_where(rs, id, p, free_of(id), "what a cross-CPU wake-up costs: %s", cause);
	}
	if (spin > 0 && stf > 0)
		ipcb_result_note(rs, "handoff/spin-then-futex", p, "%.2fx the spin floor (%.0f ns): %s", stf / spin, spin,
				 stf < 2 * spin ? "the answer came within the spin window, so no side slept" :
						  "some waits outlasted the spin window and slept");
	if (one_cpu && stf > 0)
		ipcb_result_note(rs, "handoff/spin-then-futex", p,
				 "one CPU: each wait polls its whole spin window while the other side cannot run, then sleeps");
}

/* Held off, the idle states cost nothing: a big drop names the idle exit as the wake-up's cost. */
#define IDLE_HOLD_MATTERS 0.9

/* handoff/futex measured with and without idle states held off (idle_hold 0 and -1): what the idle exit costs. */
static void explain_idle_hold(struct ipcb_results *rs, const char *p)
{
	int64_t exit_us;
	long deep = deepest_state(rs, &exit_us);
	double free_ = ipcb_result_median_where(rs, "handoff/futex", p, "idle_hold=-1");
	double held = ipcb_result_median_where(rs, "handoff/futex", p, "idle_hold=0");
	char state[96] = "the deepest idle state it may enter";

	if (free_ <= 0 || held <= 0)
		return;
	if (deep >= 0)
		snprintf(state, sizeof(state), "%.40s (%lld us exit latency), the deepest enabled",
			 state_name(rs, deep) ?: "?", (long long)exit_us);
	if (held < IDLE_HOLD_MATTERS * free_)
		ipcb_result_note_where(rs, "handoff/futex", p, NULL,
				       "idle states held off (idle_hold=0): %.0f ns against %.0f ns free: the waiter's CPU leaving %s is %.0f ns of the round trip",
				       held, free_, state, free_ - held);
	else
		ipcb_result_note_where(rs, "handoff/futex", p, NULL,
				       "idle states held off (idle_hold=0): %.0f ns against %.0f ns free, no drop: the wake-up here is not an idle-state exit%s",
				       held, free_,
				       deep >= 0 ? "" : " (no cpuidle states: in a guest an idle vCPU halts and the host wakes it, which PM QoS does not steer)");
}

static void handoff_explain(struct ipcb_results *rs)
{
	char cause[IPCB_NOTE_LEN - 32];
	int i;

	wakeup_cause(rs, cause, sizeof(cause));
	for (i = 0; ipcb_placement_names[i]; i++) {
		explain_placement(rs, ipcb_placement_names[i], cause);
		if (strcmp(ipcb_placement_names[i], "same-cpu"))
			explain_idle_hold(rs, ipcb_placement_names[i]);
	}
}

/* ---- the table ---- */

static const struct ipcb_param futex_params[] = {
	{ .name = "idle_hold", .def = -1, .min = -1, .max = 100000000,
	  .what = "hold every CPU out of idle states that exit slower than this many us during the job (PM QoS, root); -1: no hold" },
	{ .name = NULL },
};

static const struct ipcb_param stf_params[] = {
	{ .name = "spins", .def = 256, .what = "polls (each with a pause) before a waiter sleeps on the futex",
	  .min = 0, .max = 1 << 24 },
	{ .name = NULL },
};

static const struct ipcb_param matrix_params[] = {
	{ .name = "budget_ms", .def = 0, .what = "time for the whole matrix; 0: every ordered pair at 10 ms (1 s to 10 min); less than that: a fixed random sample of pairs",
	  .min = 0, .max = 3600000 },
	{ .name = NULL },
};

#define HANDOFF_ROW(bid, name, is_spin, desc, why)                              \
	{                                                                       \
		.id = "handoff/" bid,                                           \
		.what = desc,                                                   \
		.unit_of_work = "round trip",                                   \
		.nthreads = 2,                                                  \
		.busy_waits = is_spin,                                               \
		.latency = 1,                                                   \
		.setup = name##_setup,                                          \
		.body = name##_body,                                            \
		.check = handoff_check,                                         \
		.teardown = handoff_teardown,                                   \
		.note = why,                                                    \
	}

static const struct ipcb_bench handoff_benches[] = {
	HANDOFF_ROW("mutex", mutex, 0, "three pthread mutexes passed in a rotation: each side blocks on a lock the other holds",
		    "per round trip, two contended pthread_mutex_lock calls that sleep in FUTEX_WAIT and two unlocks that FUTEX_WAKE"),
	HANDOFF_ROW("condvar", condvar, 0, "mutex + one condition variable per direction, the textbook predicate loop",
		    "each direction: lock, set, pthread_cond_signal, unlock, and the woken side retakes the mutex"),
	HANDOFF_ROW("signal", signal, 0, "pthread_kill to a thread blocked in sigwaitinfo",
		    "tgkill, then the target dequeues the signal in rt_sigtimedwait: no handler frame"),
	HANDOFF_ROW("signal-handler", sighandler, 0, "pthread_kill to a thread in sigsuspend; an empty handler runs",
		    "as signal, plus building the handler frame and rt_sigreturn"),
	{
		.id = "handoff/futex",
		.what = "raw FUTEX_WAKE after every post, FUTEX_WAIT until the turn word changes",
		.unit_of_work = "round trip",
		.nthreads = 2,
		.latency = 1,
		.params = futex_params,
		.setup = futex_hold_setup,
		.body = futex_body,
		.check = handoff_check,
		.teardown = handoff_teardown,
		.note = "the kernel's minimum for a sleeping hand-off: one wake syscall per post, one wait per turn not yet come",
	},
	HANDOFF_ROW("eventfd", eventfd, 0, "write/blocking read of an eventfd, one per direction",
		    "two syscalls per direction on an 8-byte counter, the waiter sleeping in read"),
	HANDOFF_ROW("pipe", pipe, 0, "1 byte write/blocking read, one pipe per direction (lmbench lat_pipe, perf bench sched pipe)",
		    "two syscalls per direction through the pipe buffer, the waiter sleeping in read"),
	HANDOFF_ROW("sem", sem, 0, "sem_post/sem_wait, one POSIX semaphore per direction",
		    "glibc's semaphore is a futex word: FUTEX_WAKE only when the other side sleeps"),
	HANDOFF_ROW("spin", spin, 1, "both threads poll one shared cache line (no pause): the physical floor",
		    "two cache-line transfers per round trip and nothing else: the floor under every other mechanism"),
	{
		.id = "handoff/spin-then-futex",
		.what = "poll the turn word `spins` times, then sleep on it; a post wakes only a sleeper",
		.unit_of_work = "round trip",
		.nthreads = 2,
		.latency = 1,
		.params = stf_params,
		.setup = stf_setup,
		.body = stf_body,
		.check = handoff_check,
		.teardown = handoff_teardown,
		.note = "an answer within the spin window costs the spin floor plus one locked exchange per post; a longer wait adds a futex sleep and wake",
	},
	{
		.id = "handoff/matrix",
		.what = "spin round trip for every ordered pair of CPUs, stored as attachments.matrix (a heatmap)",
		.unit_of_work = "round trip",
		.nthreads = 2,
		.busy_waits = 1,
		.latency = 1,
		.pair_sweep = 1,
		.params = matrix_params,
		.setup = spin_setup,
		.body = spin_body,
		.check = handoff_check,
		.teardown = handoff_teardown,
		.note = "each pair measured by the harness's sampler on its share of budget_ms; the headline figure is one pair's",
	},
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_handoff = {
	.name = "handoff",
	.what = "two pinned threads hand a turn back and forth: what a wake-up costs, per placement, with its distribution",
	.benches = handoff_benches,
	.explain = handoff_explain,
};
