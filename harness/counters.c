// SPDX-License-Identifier: MIT
/*
 * counters.c - event counts per unit of work: libpfm4 turns a name into a
 * perf_event_attr, perf_event_open counts it on one thread.
 *
 * The events of one thread form one group (the first event that opens leads),
 * so they are enabled, disabled and read together and their ratios (IPC)
 * compare the same instructions; only the kernel's clock events (task-clock,
 * cpu-clock) lead groups of their own (see is_clock()). The harness brackets
 * each timed sample with start/stop; the groups are disabled in between, so
 * calibration and bookkeeping are never counted. When the PMU multiplexes, the kernel reports
 * how long the group really ran and each sample is scaled by
 * enabled/running, which the result says (its counters' "scaled").
 *
 * Nothing here is fatal: an event the machine cannot count (hardware events
 * in most VMs, an unknown name) stays in the list with its reason.
 */
#include "counters.h"
#include "sysfs.h"

#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_EVENTS 16
#define NAME_LEN 128
#define REASON_LEN 400
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38

struct counter_event {
	char name[NAME_LEN]; /* as the user wrote it: the key in the JSON */
	int fd;		     /* -1: unavailable, see reason */
	int group;	     /* index of its group's leader (its own if it leads) */
	int bad_name;	     /* refused before any open: never retried */
	int multiplexed;     /* some sample ran for less time than it was enabled */
	char reason[REASON_LEN];
	uint64_t raw;	     /* what the kernel counted while running */
	double scaled;	     /* raw, extrapolated over the time enabled */
};

struct ipcb_counters {
	int n;
	int leader; /* index of the main group's leader, -1 if none opened yet */
	int user_only;
	int stopped_early; /* a read failed: totals cover fewer samples */
	struct counter_event ev[MAX_EVENTS];
};

/*
 * Friendly names go to libpfm4's generic "perf" PMU explicitly, so that a
 * native PMU with an event of the same name never takes them over. Any
 * other name goes to libpfm4 as written (e.g. "RETIRED_INSTRUCTIONS").
 */
static const struct {
	const char *name, *pfm;
} aliases[] = {
	{ "cycles", "perf::CYCLES" },
	{ "instructions", "perf::INSTRUCTIONS" },
	{ "cache-misses", "perf::CACHE-MISSES" },
	{ "cache-references", "perf::CACHE-REFERENCES" },
	{ "branches", "perf::BRANCHES" },
	{ "branch-misses", "perf::BRANCH-MISSES" },
	{ "context-switches", "perf::CONTEXT-SWITCHES" },
	{ "cpu-migrations", "perf::CPU-MIGRATIONS" },
	{ "page-faults", "perf::PAGE-FAULTS" },
	{ "minor-faults", "perf::MINOR-FAULTS" },
	{ "major-faults", "perf::MAJOR-FAULTS" },
	{ "task-clock", "perf::TASK-CLOCK" },
};

static int pfm_rc;
static pthread_once_t pfm_once = PTHREAD_ONCE_INIT;

static void pfm_init_once(void)
{
	pfm_rc = pfm_initialize();
}

static const char *pfm_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(name, aliases[i].name))
			return aliases[i].pfm;
	return name;
}

/* CAP_PERFMON or CAP_SYS_ADMIN in the effective set: the kernel lets us count kernel mode. */
static int may_count_kernel(void)
{
	unsigned long long caps = 0;
	char val[64];

	if (ipcb_read_field("/proc/self/status", "CapEff", val, sizeof(val)) == 0)
		caps = strtoull(val, NULL, 16);
	return !!(caps & (1ull << CAP_PERFMON_BIT | 1ull << CAP_SYS_ADMIN_BIT));
}

/* perf_event_paranoid >= 2 (unreadable counts as 2) refuses kernel counting to the unprivileged. */
static int need_user_only(void)
{
	return ipcb_read_long("/proc/sys/kernel/perf_event_paranoid", 2) >= 2 && !may_count_kernel();
}

static const char *open_errno_meaning(int err)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return "hardware counters not exposed (common in VMs)";
	case EACCES:
	case EPERM:
		return "not permitted (perf_event_paranoid, a capability or seccomp)";
	case EINVAL:
		return "the PMU refused it (too many events for its counters in one group?)";
	case ENOSYS:
		return "no perf_event_open in this kernel, or seccomp blocks it";
	case EMFILE:
	case ENFILE:
		return "out of file descriptors";
	default:
		return "unexpected error";
	}
}

static int resolve(struct counter_event *e, int user_only, struct perf_event_attr *attr)
{
	pfm_perf_encode_arg_t arg;
	int rc;

	if (pfm_rc != PFM_SUCCESS) {
		snprintf(e->reason, sizeof(e->reason), "libpfm4 did not initialise: %s",
			 pfm_strerror(pfm_rc));
		return -1;
	}
	memset(attr, 0, sizeof(*attr));
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	rc = pfm_get_os_event_encoding(pfm_name(e->name), user_only ? PFM_PLM3 : PFM_PLM0 | PFM_PLM3,
				       PFM_OS_PERF_EVENT_EXT, &arg);
	if (rc == PFM_SUCCESS)
		return 0;
	snprintf(e->reason, sizeof(e->reason), "libpfm4 cannot resolve \"%.127s\": %.80s%s", e->name,
		 pfm_strerror(rc),
		 rc == PFM_ERR_NOTFOUND ? " (unknown event; see `ipcbench info --events`)" : "");
	return -1;
}

static int perf_open(struct counter_event *e, struct perf_event_attr *attr, pid_t tid, int group_fd,
		     int user_only)
{
	int fd;

	attr->size = sizeof(*attr);
	attr->disabled = group_fd < 0; /* members follow their leader */
	attr->exclude_kernel = !!user_only;
	attr->exclude_hv = 1;
	attr->inherit = 0;
	attr->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
			    PERF_FORMAT_TOTAL_TIME_RUNNING;
	fd = (int)syscall(SYS_perf_event_open, attr, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		snprintf(e->reason, sizeof(e->reason), "perf_event_open(%.127s): %.80s: %s", e->name,
			 strerror(err), open_errno_meaning(err));
		if (err == EACCES || err == EPERM)
			snprintf(e->reason + strlen(e->reason), sizeof(e->reason) - strlen(e->reason),
				 "; perf_event_paranoid=%ld%s",
				 ipcb_read_long("/proc/sys/kernel/perf_event_paranoid", -9),
				 user_only ? " (Debian kernels refuse all unprivileged use at 3)" : "");
		return -err;
	}
	e->fd = fd;
	return 0;
}

/*
 * The kernel's clock events (task-clock, cpu-clock) stop advancing as a
 * group member once the group has been disabled and enabled again (seen on
 * 6.18: only the first sample counts), so each leads a group of its own.
 */
static int is_clock(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_SOFTWARE &&
	       (a->config == PERF_COUNT_SW_TASK_CLOCK || a->config == PERF_COUNT_SW_CPU_CLOCK);
}

/* Open event i on tid: into the main group, or as a leader. 0 or -errno (-1: not resolved). */
static int open_event(struct ipcb_counters *c, int i, pid_t tid)
{
	struct counter_event *e = &c->ev[i];
	struct perf_event_attr attr;
	int alone, rc;

	if (resolve(e, c->user_only, &attr))
		return -1;
	alone = is_clock(&attr) || c->leader < 0;
	rc = perf_open(e, &attr, tid, alone ? -1 : c->ev[c->leader].fd, c->user_only);
	if (rc)
		return rc;
	e->group = alone ? i : c->leader;
	if (c->leader < 0 && !is_clock(&attr))
		c->leader = i;
	return 0;
}

static void close_all(struct ipcb_counters *c)
{
	int i;

	/* members first: closing a leader first would orphan them into singletons */
	for (i = c->n - 1; i >= 0; i--) {
		if (c->ev[i].fd >= 0)
			close(c->ev[i].fd);
		c->ev[i].fd = -1;
	}
	c->leader = -1;
}

/* 0, or -EACCES/-EPERM when the kernel wants user-only counting after all. */
static int open_all(struct ipcb_counters *c, pid_t tid)
{
	int i, rc;

	for (i = 0; i < c->n; i++) {
		if (c->ev[i].bad_name)
			continue;
		rc = open_event(c, i, tid);
		if ((rc == -EACCES || rc == -EPERM) && !c->user_only)
			return rc;
	}
	return 0;
}

static void add_name(struct ipcb_counters *c, const char *name, size_t len)
{
	struct counter_event *e;
	int i;

	if (len == 0)
		return;
	for (i = 0; i < c->n; i++)
		if (strlen(c->ev[i].name) == len && !strncmp(c->ev[i].name, name, len))
			return; /* counted once, reported once */
	if (c->n == MAX_EVENTS)
		return; /* more than a PMU could count at once anyway */
	e = &c->ev[c->n++];
	e->fd = -1;
	snprintf(e->name, sizeof(e->name), "%.*s", (int)len, name);
	if (len >= sizeof(e->name)) {
		e->bad_name = 1;
		snprintf(e->reason, sizeof(e->reason), "event name longer than %d characters",
			 NAME_LEN - 1);
	}
}

struct ipcb_counters *ipcb_counters_open(const char *list, pid_t tid)
{
	struct ipcb_counters *c = calloc(1, sizeof(*c));
	const char *p = list ? list : IPCB_COUNTERS_DEFAULT;
	size_t len;
	int i;

	if (!c)
		return NULL;
	c->leader = -1;
	while (*p) {
		len = strcspn(p, ", ");
		add_name(c, p, len);
		p += len;
		p += strspn(p, ", ");
	}
	pthread_once(&pfm_once, pfm_init_once);
	c->user_only = need_user_only();
	if (open_all(c, tid)) {
		/* the paranoia level said kernel counting is fine, the kernel disagreed */
		close_all(c);
		for (i = 0; i < c->n; i++)
			if (!c->ev[i].bad_name)
				c->ev[i].reason[0] = '\0';
		c->user_only = 1;
		open_all(c, tid);
	}
	return c;
}

static int leads(const struct counter_event *e, int i)
{
	return e->fd >= 0 && e->group == i;
}

void ipcb_counters_start(struct ipcb_counters *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		if (!leads(&c->ev[i], i))
			continue;
		ioctl(c->ev[i].fd, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
		ioctl(c->ev[i].fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
	}
}

/* The group read: nr, time enabled, time running, then one value per member in group order. */
struct group_read {
	uint64_t nr, enabled, running;
	uint64_t values[MAX_EVENTS];
};

/*
 * Read before disabling: a read of a running group has the kernel bring
 * every member up to date, which a disabled group's read does not promise.
 */
static void stop_group(struct ipcb_counters *c, int leader)
{
	struct group_read g;
	double scale = 1;
	ssize_t n;
	int i, k;

	n = read(c->ev[leader].fd, &g, sizeof(g));
	ioctl(c->ev[leader].fd, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	if (n < (ssize_t)(3 * sizeof(uint64_t)) || g.nr > MAX_EVENTS) {
		c->stopped_early = 1;
		return;
	}
	if (g.running < g.enabled)
		scale = g.running ? (double)g.enabled / (double)g.running : 0;
	/* members come back in the order they joined: list order */
	for (i = leader, k = 0; i < c->n && (uint64_t)k < g.nr; i++) {
		struct counter_event *e = &c->ev[i];

		if (e->fd < 0 || e->group != leader)
			continue;
		e->raw += g.values[k];
		e->scaled += (double)g.values[k] * scale;
		e->multiplexed |= g.running < g.enabled;
		k++;
	}
}

void ipcb_counters_stop(struct ipcb_counters *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		if (leads(&c->ev[i], i))
			stop_group(c, i);
}

static int event_result(const struct counter_event *e, double ops, struct ipcb_revent *out)
{
	memset(out, 0, sizeof(*out));
	if (ipcb_result_set_str(&out->name, e->name))
		return -1;
	if (e->fd < 0) {
		out->available = 0;
		return ipcb_result_set_str(&out->reason, e->reason);
	}
	out->available = 1;
	out->per_op = ops > 0 ? e->scaled / ops : 0.0;
	out->total = (uint64_t)(e->scaled + 0.5);
	out->scaled = e->multiplexed;
	out->has_raw = e->multiplexed;
	out->raw = e->raw;
	return 0;
}

static const struct counter_event *find(const struct ipcb_counters *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->ev[i].name, name) && c->ev[i].fd >= 0)
			return &c->ev[i];
	return NULL;
}

int ipcb_counters_result(const struct ipcb_counters *c, double ops, struct ipcb_rcounters *out)
{
	const struct counter_event *cyc, *ins;
	int i;

	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	out->present = 1;
	out->user_only = c->user_only;
	out->events = calloc((size_t)c->n + 1, sizeof(*out->events));
	if (!out->events)
		return -1;
	for (i = 0; i < c->n; i++) {
		out->nevents++; /* counted first: ipcb_rcounters_free frees a half-filled event too */
		if (event_result(&c->ev[i], ops, &out->events[i]))
			return -1;
	}
	cyc = find(c, "cycles");
	ins = find(c, "instructions");
	if (cyc && ins && cyc->scaled > 0) {
		out->has_ipc = 1;
		out->ipc = ins->scaled / cyc->scaled;
	}
	if (c->user_only && ipcb_result_set_str(&out->user_only_note,
						"perf_event_paranoid >= 2 without CAP_PERFMON: only "
						"user mode is counted, so events that happen in the "
						"kernel (context switches, syscall cycles) read low or 0"))
		return -1;
	if (c->stopped_early &&
	    ipcb_result_set_str(&out->read_error, "a group read failed: totals miss some samples"))
		return -1;
	return 0;
}

void ipcb_counters_close(struct ipcb_counters *c)
{
	if (!c)
		return;
	close_all(c);
	free(c);
}

/* Can this event be opened here (on the calling thread, user mode)? */
static void probe_event(json_t *o, const char *name)
{
	struct counter_event e = { .fd = -1 };
	struct perf_event_attr attr;
	int user_only = need_user_only();

	snprintf(e.name, sizeof(e.name), "%s", name);
	if (resolve(&e, user_only, &attr) == 0 && perf_open(&e, &attr, 0, -1, user_only) == 0) {
		close(e.fd);
		json_object_set_new(o, "usable", json_true());
		return;
	}
	json_object_set_new(o, "usable", json_false());
	json_object_set_new(o, "reason", json_string(e.reason));
}

/* Every event of every PMU libpfm4 finds on this CPU, each probed. */
static void add_pmu_events(json_t *arr)
{
	pfm_pmu_info_t pinfo;
	pfm_event_info_t einfo;
	char full[NAME_LEN * 2];
	json_t *o;
	int pmu, ev;

	for (pmu = PFM_PMU_NONE; pmu < PFM_PMU_MAX; pmu++) {
		memset(&pinfo, 0, sizeof(pinfo));
		pinfo.size = sizeof(pinfo);
		if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
			continue;
		for (ev = pinfo.first_event; ev != -1; ev = pfm_get_event_next(ev)) {
			memset(&einfo, 0, sizeof(einfo));
			einfo.size = sizeof(einfo);
			if (pfm_get_event_info(ev, PFM_OS_NONE, &einfo) != PFM_SUCCESS)
				continue;
			snprintf(full, sizeof(full), "%s::%s", pinfo.name, einfo.name);
			o = json_pack("{s:s, s:s, s:s}", "name", full, "pmu", pinfo.name, "desc",
				      einfo.desc ? einfo.desc : "");
			probe_event(o, full);
			json_array_append_new(arr, o);
		}
	}
}

json_t *ipcb_counters_events(void)
{
	json_t *arr = json_array(), *o;
	size_t i;

	pthread_once(&pfm_once, pfm_init_once);
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		o = json_pack("{s:s, s:s, s:s}", "name", aliases[i].name, "pmu", "alias", "desc",
			      aliases[i].pfm);
		probe_event(o, aliases[i].name);
		json_array_append_new(arr, o);
	}
	if (pfm_rc != PFM_SUCCESS)
		return arr;
	add_pmu_events(arr);
	return arr;
}
