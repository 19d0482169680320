// SPDX-License-Identifier: MIT
/*
 * worker.c - one round of one job in a fresh process (see worker.h).
 *
 * The manager forks, the child re-executes /proc/self/exe as a worker (a
 * fresh address space, layout and libc state: what a rerun would get), in
 * its own process group so a hung worker and any peer it forked can be
 * killed together. The request (job, options, the manager's timer
 * calibration and hwloc topology) goes to the worker's stdin; the worker
 * answers on fd 3 with "<length>\n<record JSON>". A forked peer inherits
 * fd 3 and may hold it open after the worker has answered, so the manager
 * reads exactly the announced length instead of waiting for end of file.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry.h"
#include "stats.h"
#include "timer.h"
#include "pairs.h"
#include "topo.h"

#define RESULT_FD 3

/* --- the request ------------------------------------------------------------- */

static json_t *opts_json(const struct ipcb_measure_opts *o)
{
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:i, s:i, s:s?}", "budget_s", o->budget_s, "min_time_s",
			 o->min_time_s, "warmup_s", o->warmup_s, "sample_ns", o->sample_ns, "ci_target", o->ci_target,
			 "min_samples", o->min_samples, "max_samples", o->max_samples, "counters", o->counter_list);
}

static void opts_from_json(json_t *j, struct ipcb_measure_opts *o)
{
	ipcb_measure_defaults(o);
	o->budget_s = json_number_value(json_object_get(j, "budget_s"));
	o->min_time_s = json_number_value(json_object_get(j, "min_time_s"));
	o->warmup_s = json_number_value(json_object_get(j, "warmup_s"));
	o->sample_ns = json_number_value(json_object_get(j, "sample_ns"));
	o->ci_target = json_number_value(json_object_get(j, "ci_target"));
	o->min_samples = (int)json_integer_value(json_object_get(j, "min_samples"));
	o->max_samples = (int)json_integer_value(json_object_get(j, "max_samples"));
	o->counter_list = json_string_value(json_object_get(j, "counters"));
}

static json_t *job_json(const struct ipcb_job *job)
{
	json_t *params = json_array();
	int i;

	for (i = 0; i < IPCB_MAX_PARAMS; i++)
		json_array_append_new(params, json_integer(job->params[i]));
	return json_pack("{s:s, s:o, s:s, s:[i,i], s:i, s:I}", "id", job->bench->id, "params", params, "placement",
			 job->placement, "cpus", job->cpus[0], job->cpus[1], "ncpus", job->ncpus, "timeout_ns",
			 (json_int_t)job->timeout_ns);
}

/* job->placement must outlive the job: the harness's own names where it can, else a copy. */
static const char *placement_name(const char *name)
{
	static const char *const others[] = { "single", "team", "cpus", NULL };
	static char *copy;
	int i;

	for (i = 0; ipcb_placement_names[i]; i++)
		if (strcmp(name, ipcb_placement_names[i]) == 0)
			return ipcb_placement_names[i];
	for (i = 0; others[i]; i++)
		if (strcmp(name, others[i]) == 0)
			return others[i];
	free(copy);
	copy = strdup(name);
	return copy ? copy : "unknown";
}

static int job_from_json(json_t *j, struct ipcb_job *job)
{
	const char *id = json_string_value(json_object_get(j, "id"));
	json_t *params = json_object_get(j, "params"), *cpus = json_object_get(j, "cpus");
	int i;

	memset(job, 0, sizeof(*job));
	job->bench = id ? ipcb_bench_find(id) : NULL;
	if (!job->bench)
		return -1;
	for (i = 0; i < IPCB_MAX_PARAMS; i++)
		job->params[i] = json_integer_value(json_array_get(params, (size_t)i));
	job->placement = placement_name(json_string_value(json_object_get(j, "placement")) ?: "unknown");
	job->cpus[0] = (int)json_integer_value(json_array_get(cpus, 0));
	job->cpus[1] = (int)json_integer_value(json_array_get(cpus, 1));
	job->ncpus = (int)json_integer_value(json_object_get(j, "ncpus"));
	job->timeout_ns = (uint64_t)json_integer_value(json_object_get(j, "timeout_ns"));
	return 0;
}

/* What every request shares: the timer's calibration and the topology, made once. */
static json_t *machine_part(void)
{
	static json_t *part;
	const struct ipcb_timer_info *t;
	char *xml = NULL;
	int len = 0;

	if (part)
		return part;
	t = ipcb_timer();
	part = json_pack("{s:{s:s, s:s, s:f, s:f, s:f, s:f, s:f}}", "timer", "source", t->source, "why", t->why,
			 "ticks_per_ns", t->ticks_per_ns, "tsc_hz", t->tsc_hz, "overhead_ns", t->overhead_ns,
			 "overhead_min_ns", t->overhead_min_ns, "resolution_ns", t->resolution_ns);
	if (ipcb_topo_export_xml(&xml, &len) == 0) {
		/* hwloc counts the terminating NUL, which a JSON string cannot hold */
		json_object_set_new(part, "topology_xml", json_stringn(xml, (size_t)len > 0 ? strnlen(xml, (size_t)len) : 0));
		ipcb_topo_xml_free(xml);
	}
	return part;
}

static void adopt_machine(json_t *req)
{
	json_t *t = json_object_get(req, "timer"), *xml = json_object_get(req, "topology_xml");
	struct ipcb_timer_info info = {
		.source = json_string_value(json_object_get(t, "source")),
		.why = json_string_value(json_object_get(t, "why")),
		.ticks_per_ns = json_number_value(json_object_get(t, "ticks_per_ns")),
		.tsc_hz = json_number_value(json_object_get(t, "tsc_hz")),
		.overhead_ns = json_number_value(json_object_get(t, "overhead_ns")),
		.overhead_min_ns = json_number_value(json_object_get(t, "overhead_min_ns")),
		.resolution_ns = json_number_value(json_object_get(t, "resolution_ns")),
	};

	if (info.ticks_per_ns > 0)
		ipcb_timer_adopt(&info);
	if (json_is_string(xml))
		ipcb_topo_import_xml(json_string_value(xml), (int)json_string_length(xml));
	/* now, while the affinity mask is still the manager's: the measuring thread pins itself next */
	ipcb_topo_init(NULL, 0);
}

/* --- the manager's side --------------------------------------------------- */

static struct {
	double *ms;
	size_t n, cap;
} startup;

static void startup_add(double ms)
{
	if (startup.n == startup.cap) {
		size_t cap = startup.cap ? 2 * startup.cap : 256;
		double *p = realloc(startup.ms, cap * sizeof(double));

		if (!p)
			return;
		startup.ms = p;
		startup.cap = cap;
	}
	startup.ms[startup.n++] = ms;
}

void ipcb_worker_overhead(double *median_ms, size_t *count)
{
	struct ipcb_stats s;

	ipcb_stats_compute(startup.ms, startup.n, &s);
	*median_ms = s.median;
	*count = startup.n;
}

/*
 * How long a round may take before the worker counts as hung: sampling can
 * run to 10x its budget (min_samples wins), calibration and the latency
 * pass add some, a watchdog bound applies to each wait, and setup may be
 * slow (a thousand threads pre-faulting their stacks). IPCBENCH_WORKER_DEADLINE_S
 * overrides it, e.g. under emulation.
 */
static double deadline_s(const struct ipcb_job *job, const struct ipcb_measure_opts *o)
{
	const char *env = getenv("IPCBENCH_WORKER_DEADLINE_S");
	double d = env ? strtod(env, NULL) : 0;
	struct ipcb_pair_plan pp;

	if (d > 0)
		return d < 1e6 ? d : 1e6;
	d = 60 + 12 * o->budget_s + o->warmup_s + 4 * (double)job->timeout_ns / 1e9;
	if (!job->bench->pair_sweep)
		return d;
	/* the engine measures every pair it plans before the headline (pairs.c) */
	ipcb_pair_plan(ipcb_topo_ncpus(), ipcb_job_param(job, "budget_ms"), &pp);
	return d + 2 * pp.budget_s;
}

static void failed_record(const struct ipcb_job *job, struct ipcb_result *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void failed_record(const struct ipcb_job *job, struct ipcb_result *r, const char *fmt, ...)
{
	char why[IPCB_WHY_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ipcb_job_result(job, IPCB_STATUS_FAILED, why, r);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The binary's path: a worker's argv[0], so `ps` and `pgrep -f PATH` see what runs. */
static char *self_path(void)
{
	static char path[4096];
	ssize_t n;

	if (!path[0]) {
		n = readlink("/proc/self/exe", path, sizeof(path) - 1);
		if (n > 0)
			path[n] = '\0';
		else
			snprintf(path, sizeof(path), "ipcbench");
	}
	return path;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void exec_worker(int req_fd, int res_fd, pid_t manager, char *arg0)
{
	static char arg1[] = IPCB_WORKER_ARG;
	char *argv[] = { arg0, arg1, NULL };
	sigset_t held;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != manager)
		_exit(127);
	/* high descriptors first, so neither lands on 0 or 3 before its dup2 */
	req_fd = fcntl(req_fd, F_DUPFD_CLOEXEC, 10);
	res_fd = fcntl(res_fd, F_DUPFD_CLOEXEC, 10);
	if (req_fd < 0 || res_fd < 0 || dup2(req_fd, 0) < 0 || dup2(res_fd, RESULT_FD) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* a Ctrl-C forwarded before the worker's handler exists waits, blocked, instead of killing it */
	sigemptyset(&held);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGTERM);
	sigprocmask(SIG_SETMASK, &held, NULL);
	execv("/proc/self/exe", argv);
	_exit(127);
}

struct reply {
	char *buf;
	size_t len, cap, want; /* want: the announced length, once its line is read */
	size_t header;	       /* bytes of "<length>\n" */
};

/* Append what can be read now; 1 when the record is complete, 0 more to come, -1 end of file. */
static int reply_read(struct reply *r, int fd)
{
	char chunk[65536];
	ssize_t got = read(fd, chunk, sizeof(chunk));

	if (got < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (got == 0)
		return -1;
	if (r->len + (size_t)got + 1 > r->cap) {
		size_t cap = (r->len + (size_t)got + 1) * 2;
		char *p = realloc(r->buf, cap);

		if (!p)
			return -1;
		r->buf = p;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, chunk, (size_t)got);
	r->len += (size_t)got;
	r->buf[r->len] = '\0';
	if (!r->header) {
		char *nl = memchr(r->buf, '\n', r->len);

		if (!nl)
			return 0;
		r->header = (size_t)(nl - r->buf) + 1;
		r->want = strtoull(r->buf, NULL, 10);
	}
	return r->len - r->header >= r->want ? 1 : 0;
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

/* Wait for the reply until the deadline; forwards a Ctrl-C to the worker. 1 complete, 0 timed out, -1 EOF. */
static int await_reply(struct reply *r, int fd, pid_t pid, uint64_t deadline)
{
	int forwarded = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = ipcb_clock_ns();
		int rc;

		if (ipcb_interrupted && !forwarded) {
			kill(pid, SIGINT);
			forwarded = 1;
		}
		if (now >= deadline)
			return 0;
		rc = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc > 0) {
			rc = reply_read(r, fd);
			if (rc)
				return rc;
		}
	}
}

/* The worker's message: {"record": the result, "round": its samples (absent unless ok), "ready_ns"}. */
static void parse_reply(const struct ipcb_job *job, struct reply *rp, uint64_t forked, struct ipcb_result *r,
			json_t **round)
{
	json_error_t jerr;
	json_t *msg = json_loadb(rp->buf + rp->header, rp->want, 0, &jerr);
	char why[512];

	if (!msg) {
		failed_record(job, r, "worker sent an unreadable record: %s", jerr.text);
		return;
	}
	if (json_is_integer(json_object_get(msg, "ready_ns")))
		startup_add((double)((uint64_t)json_integer_value(json_object_get(msg, "ready_ns")) - forked) / 1e6);
	if (!json_is_object(json_object_get(msg, "record"))) {
		failed_record(job, r, "worker sent no record");
	} else if (ipcb_result_from_json_partial(json_object_get(msg, "record"), r, why, sizeof(why))) {
		ipcb_result_free(r);
		failed_record(job, r, "worker sent an unreadable record: %s", why);
	} else {
		*round = json_incref(json_object_get(msg, "round"));
	}
	json_decref(msg);
}

void ipcb_worker_round(const struct ipcb_job *job, const struct ipcb_measure_opts *o, int last,
		       struct ipcb_result *r, json_t **round)
{
	json_t *req = json_pack("{s:o, s:o, s:b}", "job", job_json(job), "opts", opts_json(o), "last", last);
	struct reply rp = { 0 };
	int in[2], out[2], status = 0, got, write_err;
	uint64_t forked, deadline;
	char *text, how[96], *self;
	pid_t pid, manager = getpid();

	*round = NULL;
	json_object_update(req, machine_part());
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text) {
		failed_record(job, r, "out of memory for the worker's request");
		return;
	}
	signal(SIGPIPE, SIG_IGN); /* a worker that dies early must not take the manager with it */
	if (pipe2(in, O_CLOEXEC)) {
		free(text);
		failed_record(job, r, "pipe: %s", strerror(errno));
		return;
	}
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		free(text);
		failed_record(job, r, "pipe: %s", strerror(errno));
		return;
	}
	self = self_path();
	forked = ipcb_clock_ns();
	pid = fork();
	if (pid == 0)
		exec_worker(in[0], out[1], manager, self);
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		free(text);
		failed_record(job, r, "fork: %s", strerror(errno));
		return;
	}
	setpgid(pid, pid); /* both sides set it: no race with a kill of the group */
	write_err = write_all(in[1], text, strlen(text)) ? errno : 0;
	close(in[1]);
	free(text);
	deadline = forked + (uint64_t)(deadline_s(job, o) * 1e9);
	got = await_reply(&rp, out[0], pid, deadline);
	if (got != 1) {
		/* no reply is coming: a worker that closed fd 3 or hung must not keep the manager waiting */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL); /* peers the worker forked and left behind */
	describe_exit(status, how, sizeof(how));
	if (got == 1)
		parse_reply(job, &rp, forked, r, round);
	else if (write_err)
		failed_record(job, r, "the worker did not take its request (%s) and %s", strerror(write_err), how);
	else if (got == 0)
		failed_record(job, r, "worker did not finish within %.0f s and was killed (a hang outside the watchdog's reach; IPCBENCH_WORKER_DEADLINE_S sets the bound)",
			      deadline_s(job, o));
	else
		failed_record(job, r, "worker %s without a result", how);
	free(rp.buf);
}

/* --- the worker's side ------------------------------------------------------- */

static json_t *read_request(void)
{
	json_error_t jerr;

	return json_loadf(stdin, 0, &jerr);
}

/*
 * IPCBENCH_TEST_WORKER=crash:PATTERN|hang:PATTERN|exit:PATTERN makes the
 * worker of a matching job die, hang or exit without a record: how the tests
 * show that one bad job fails alone and the run goes on.
 */
static void test_hook(const char *id)
{
	const char *env = getenv("IPCBENCH_TEST_WORKER"), *colon;

	if (!env || !(colon = strchr(env, ':')) || fnmatch(colon + 1, id, 0))
		return;
	/* abort(): a crash that sanitizers leave alone (they report and intercept SIGSEGV) */
	if (strncmp(env, "crash:", 6) == 0)
		abort();
	if (strncmp(env, "hang:", 5) == 0)
		for (;;)
			pause();
	if (strncmp(env, "exit:", 5) == 0)
		_exit(3);
}

/* The manager started this process with SIGINT and SIGTERM blocked: now the handler can take them. */
static void unblock_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int ipcb_worker_main(void)
{
	json_t *req = read_request(), *msg, *round;
	struct ipcb_measure_opts o;
	struct ipcb_result rec;
	struct ipcb_job job;
	uint64_t ready;
	char *text;
	int rc;

	if (!req || job_from_json(json_object_get(req, "job"), &job)) {
		fprintf(stderr, "ipcbench worker: %s (this command is run by `ipcbench run`, not by hand)\n",
			req ? "a request for an unknown benchmark" : "an unreadable request");
		json_decref(req);
		return 2;
	}
	adopt_machine(req);
	opts_from_json(json_object_get(req, "opts"), &o);
	ipcb_install_sigint();
	unblock_stop_signals();
	o.stop = &ipcb_interrupted;
	ready = ipcb_clock_ns();
	test_hook(job.bench->id);
	ipcb_round_record(&job, &o, json_is_true(json_object_get(req, "last")), &rec, &round);
	msg = json_pack("{s:o, s:I}", "record", ipcb_result_to_json(&rec), "ready_ns", (json_int_t)ready);
	if (round)
		json_object_set_new(msg, "round", round);
	ipcb_result_free(&rec);
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	json_decref(req);
	if (!text)
		return 1;
	rc = dprintf(RESULT_FD, "%zu\n", strlen(text)) < 0 || write_all(RESULT_FD, text, strlen(text)) ? 1 : 0;
	free(text);
	close(RESULT_FD);
	ipcb_topo_fini();
	return rc;
}
