// SPDX-License-Identifier: MIT
/*
 * testprog.c - a program with known locking, for tests/family-interpose.sh.
 * It uses only the pthread API (it knows nothing of the interposer), checks
 * its own results, and prints what the profile must contain.
 *
 *   testprog count THREADS ITERS  every thread, ITERS times: mutex_a once
 *                                 (static), mutex B three times (lock, trylock
 *                                 loop, timedlock), and one thread a recursive
 *                                 mutex C twice nested; the guarded counters
 *                                 must come out exact
 *   testprog cond THREADS ITEMS   producers and consumers on a 4-slot queue
 *                                 (cond_wait, timedwait on CLOCK_MONOTONIC,
 *                                 signal, broadcast), plus one certain wait
 *   testprog wait [handler|dlopen LIB]
 *                                 lock a little, print "ready", sleep until a
 *                                 signal ends it (for the signal tests);
 *                                 handler: first install its own SIGUSR1
 *                                 (sigaction) and SIGUSR2 (signal) handlers
 *                                 and check it sees them as its own; dlopen:
 *                                 install the SIGUSR1 handler, then dlopen
 *                                 LIB; both print "handled SIGUSRn N"
 *   testprog tasks                lock a little, then print its thread count
 *                                 and how it sees SIGINT, SIGTERM, SIGUSR1
 *
 * Built with -rdynamic so that the profile can name mutex_a and make_b.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t mutex_a = PTHREAD_MUTEX_INITIALIZER;

struct shared {
	pthread_mutex_t b, c;
	long count_a, count_b, count_c;
	long iters;
};

/* A separate load and store: if two threads were inside at once, an increment is lost. */
static void bump(long *v)
{
	long x = *(volatile long *)v;

	*(volatile long *)v = x + 1;
}

/* Not a tail call: the profile names the class by pthread_mutex_init's return address. */
__attribute__((noinline)) void make_b(struct shared *s)
{
	if (pthread_mutex_init(&s->b, NULL))
		abort();
}

__attribute__((noinline)) void make_c(struct shared *s)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	if (pthread_mutex_init(&s->c, &attr))
		abort();
	pthread_mutexattr_destroy(&attr);
}

static void deadline_in(struct timespec *ts, clockid_t clock, long ms)
{
	clock_gettime(clock, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

struct worker {
	struct shared *s;
	int first;
};

static void *count_worker(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	struct timespec ts;
	long i;

	for (i = 0; i < s->iters; i++) {
		pthread_mutex_lock(&mutex_a);
		bump(&s->count_a);
		pthread_mutex_unlock(&mutex_a);

		pthread_mutex_lock(&s->b);
		bump(&s->count_b);
		pthread_mutex_unlock(&s->b);

		while (pthread_mutex_trylock(&s->b) != 0)
			sched_yield();
		bump(&s->count_b);
		pthread_mutex_unlock(&s->b);

		deadline_in(&ts, CLOCK_REALTIME, 60000);
		if (pthread_mutex_timedlock(&s->b, &ts) != 0) {
			fprintf(stderr, "testprog: timedlock with a 60 s deadline failed\n");
			exit(1);
		}
		bump(&s->count_b);
		pthread_mutex_unlock(&s->b);

		if (w->first) {
			pthread_mutex_lock(&s->c);
			pthread_mutex_lock(&s->c); /* nested: not a second acquisition */
			bump(&s->count_c);
			pthread_mutex_unlock(&s->c);
			pthread_mutex_unlock(&s->c);
		}
	}
	return NULL;
}

static void run_threads(int n, void *(*fn)(void *), void *args, size_t argsize)
{
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, (char *)args + (size_t)i * argsize)) {
			fprintf(stderr, "testprog: pthread_create failed\n");
			exit(1);
		}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

static int cmd_count(int threads, long iters)
{
	struct shared s = { .iters = iters };
	struct worker *w = calloc((size_t)threads, sizeof(*w));
	int i;

	make_b(&s);
	make_c(&s);
	for (i = 0; i < threads; i++) {
		w[i].s = &s;
		w[i].first = i == 0;
	}
	run_threads(threads, count_worker, w, sizeof(*w));
	free(w);
	pthread_mutex_destroy(&s.b);
	pthread_mutex_destroy(&s.c);
	printf("expect mutex_a=%ld make_b=%ld make_c=%ld trylock_ok=%ld\n", threads * iters,
	       3 * threads * iters, iters, threads * iters);
	if (s.count_a != threads * iters || s.count_b != 3 * threads * iters || s.count_c != iters) {
		fprintf(stderr, "testprog: mutual exclusion violated: a %ld/%ld b %ld/%ld c %ld/%ld\n", s.count_a,
			threads * iters, s.count_b, 3 * threads * iters, s.count_c, iters);
		return 1;
	}
	return 0;
}

/* ---- cond ---- */

#define SLOTS 4

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	long items[SLOTS];
	int head, len;
	long produced, per_producer;
	long consumed, sum;
	int producers_left;
};

static void *producer(void *arg)
{
	struct queue *q = *(struct queue **)arg;
	long i;

	for (i = 1; i <= q->per_producer; i++) {
		pthread_mutex_lock(&q->lock);
		while (q->len == SLOTS)
			pthread_cond_wait(&q->not_full, &q->lock);
		q->items[(q->head + q->len++) % SLOTS] = i;
		pthread_cond_signal(&q->not_empty);
		pthread_mutex_unlock(&q->lock);
	}
	pthread_mutex_lock(&q->lock);
	if (--q->producers_left == 0)
		pthread_cond_broadcast(&q->not_empty); /* consumers waiting on an empty queue: done */
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* The odd consumers wait with a 1 ms deadline, so the timed path and its ETIMEDOUT both run. */
static void *consumer(void *arg)
{
	struct queue *q = *(struct queue **)arg;
	int timed = (int)(((struct queue **)arg)[1] != NULL);
	struct timespec ts;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->len == 0 && q->producers_left) {
			if (!timed) {
				pthread_cond_wait(&q->not_empty, &q->lock);
				continue;
			}
			deadline_in(&ts, CLOCK_MONOTONIC, 1);
			int rc = pthread_cond_timedwait(&q->not_empty, &q->lock, &ts);

			if (rc && rc != ETIMEDOUT) {
				fprintf(stderr, "testprog: pthread_cond_timedwait: %s\n", strerror(rc));
				exit(1);
			}
		}
		if (q->len == 0)
			break;
		q->sum += q->items[q->head];
		q->head = (q->head + 1) % SLOTS;
		q->len--;
		q->consumed++;
		pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* One wait that certainly happens: the waiter says it is about to wait, under the mutex. */
static int waiting, go;

static void *certain_waiter(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->lock);
	waiting = 1;
	while (!go)
		pthread_cond_wait(&q->not_empty, &q->lock);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static int certain_wait(struct queue *q)
{
	pthread_t t;

	if (pthread_create(&t, NULL, certain_waiter, q))
		return -1;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		if (waiting) {
			go = 1;
			pthread_cond_signal(&q->not_empty);
			pthread_mutex_unlock(&q->lock);
			break;
		}
		pthread_mutex_unlock(&q->lock);
		usleep(1000);
	}
	return pthread_join(t, NULL);
}

static int cmd_cond(int threads, long items)
{
	struct queue q = { .producers_left = (threads + 1) / 2 };
	pthread_condattr_t attr;
	int producers = (threads + 1) / 2, consumers = threads - producers, i;
	struct queue *args[64][2];
	pthread_t t[64];
	long want;

	if (consumers < 1 || threads > 64) {
		fprintf(stderr, "testprog cond: 2 to 64 threads\n");
		return 2;
	}
	q.per_producer = items / producers;
	pthread_mutex_init(&q.lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q.not_empty, &attr);
	pthread_cond_init(&q.not_full, NULL);
	pthread_condattr_destroy(&attr);
	if (certain_wait(&q))
		return 1;
	for (i = 0; i < threads; i++) {
		args[i][0] = &q;
		args[i][1] = (i >= producers && (i - producers) % 2) ? &q : NULL;
		if (pthread_create(&t[i], NULL, i < producers ? producer : consumer, args[i]))
			return 1;
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	want = (long)producers * q.per_producer;
	printf("consumed %ld of %ld\n", q.consumed, want);
	if (q.consumed != want || q.sum != (long)producers * q.per_producer * (q.per_producer + 1) / 2) {
		fprintf(stderr, "testprog: consumed %ld items (sum %ld), expected %ld\n", q.consumed, q.sum, want);
		return 1;
	}
	pthread_cond_destroy(&q.not_empty);
	pthread_cond_destroy(&q.not_full);
	pthread_mutex_destroy(&q.lock);
	return 0;
}

static void lock_a_little(void)
{
	int i;

	for (i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mutex_a);
		pthread_mutex_unlock(&mutex_a);
	}
}

/* ---- signals: the program's own handlers, under the interposer's ---- */

static volatile sig_atomic_t handled_usr1, handled_usr2;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	if (sig == SIGUSR1 && info && info->si_signo == SIGUSR1)
		handled_usr1++;
}

static void on_usr2(int sig)
{
	if (sig == SIGUSR2)
		handled_usr2++;
}

static void install_usr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		abort();
}

/* What the program asked for is what it is told it has. */
static int install_own_handlers(void)
{
	struct sigaction old;
	void (*prev)(int);

	install_usr1();
	if (sigaction(SIGUSR1, NULL, &old) || !(old.sa_flags & SA_SIGINFO) || old.sa_sigaction != on_usr1) {
		fprintf(stderr, "testprog: sigaction does not report our own SIGUSR1 handler\n");
		return -1;
	}
	prev = signal(SIGUSR2, on_usr2);
	if (prev != SIG_DFL) {
		fprintf(stderr, "testprog: SIGUSR2 was not at its default before we set it\n");
		return -1;
	}
	if (signal(SIGUSR2, on_usr2) != on_usr2) {
		fprintf(stderr, "testprog: signal does not report our own SIGUSR2 handler\n");
		return -1;
	}
	printf("own handlers seen\n");
	return 0;
}

/* Sleeps in sigsuspend, so that no handled signal goes unreported. */
static int wait_reporting(void)
{
	sigset_t block, old;
	int seen1 = 0, seen2 = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		sigsuspend(&old);
		if (handled_usr1 != seen1)
			printf("handled SIGUSR1 %d\n", seen1 = handled_usr1);
		if (handled_usr2 != seen2)
			printf("handled SIGUSR2 %d\n", seen2 = handled_usr2);
		fflush(stdout);
	}
	return 0;
}

static int cmd_wait(int argc, char **argv)
{
	lock_a_little();
	if (argc == 3 && !strcmp(argv[2], "handler")) {
		if (install_own_handlers())
			return 1;
		return wait_reporting();
	}
	if (argc == 4 && !strcmp(argv[2], "dlopen")) {
		/* ours first, the interposer's constructor after it */
		install_usr1();
		if (!dlopen(argv[3], RTLD_NOW)) {
			fprintf(stderr, "testprog: %s\n", dlerror());
			return 1;
		}
		return wait_reporting();
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static const char *disposition(int sig)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old))
		return "unknown";
	if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
		return "default";
	if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN)
		return "ignored";
	return "handler";
}

/* What a preloaded library must not change: the thread count and the signal dispositions. */
static int cmd_tasks(void)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	lock_a_little();
	d = opendir("/proc/self/task");
	if (!d) {
		perror("testprog: /proc/self/task");
		return 1;
	}
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	printf("tasks=%d SIGINT=%s SIGTERM=%s SIGUSR1=%s\n", n, disposition(SIGINT), disposition(SIGTERM),
	       disposition(SIGUSR1));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "count"))
		return cmd_count(atoi(argv[2]), atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "cond"))
		return cmd_cond(atoi(argv[2]), atol(argv[3]));
	if (argc >= 2 && !strcmp(argv[1], "wait"))
		return cmd_wait(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "tasks"))
		return cmd_tasks();
	fprintf(stderr, "usage: testprog count THREADS ITERS | cond THREADS ITEMS | wait [handler|dlopen LIB] | "
			"tasks\n");
	return 2;
}
