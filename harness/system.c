// SPDX-License-Identifier: MIT
/*
 * system.c - the machine state under the numbers: its facts
 * (machine.system in every results file, `ipcbench system show`), the
 * actions behind `system tune|reset`, and the `run --idle-latency` hold.
 * cli/system.c parses the command and prints what these return.
 *
 * On bare metal a cross-core wake-up is mostly the sleeping core leaving its
 * idle state, and a figure taken while the clock ramps measures the ramp: the
 * governor, turbo, the idle states and interrupts landing on the benchmark
 * CPUs decide a figure as much as the primitive does. show reads that state
 * and says, item by item, what to change and why; tune changes what these
 * benchmarks care about after saving the exact contents of every file it
 * writes, so that reset puts back what was there (pyperf's system
 * tune/reset); --idle-latency holds a PM QoS request for a run, as
 * cyclictest does.
 *
 * Every read and write goes through a root prefix ($IPCBENCH_SYSFS_ROOT,
 * default "/") so that tests can run on a fake tree. Nothing here fails
 * hard: what the machine does not expose becomes null beside a
 * "<field>_reason", and tune skips it, saying why.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "system.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"
#include "sysfs.h"

#define TEXT_LEN 4096
#define MAX_CPU_ID 65535
#define IRQ_EXAMPLES 8
#define STATE_SCHEMA "ipcbench-system-state/1"
#define CPU_DIR IPCB_SYSTEM_CPU_DIR

/* ---- paths under the root, and reading them ---- */

const char *ipcb_system_root(void)
{
	const char *r = getenv("IPCBENCH_SYSFS_ROOT");

	return r && r[0] ? r : "/";
}

static int real_root(void)
{
	return strcmp(ipcb_system_root(), "/") == 0;
}

static void vpath_of(char *buf, size_t len, const char *fmt, va_list ap)
{
	const char *root = ipcb_system_root();
	size_t n = strlen(root), used;

	while (n && root[n - 1] == '/')
		n--;
	used = (size_t)snprintf(buf, len, "%.*s", (int)n, root);
	if (used < len)
		vsnprintf(buf + used, len - used, fmt, ap);
}

static void path_of(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void path_of(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpath_of(buf, len, fmt, ap);
	va_end(ap);
}

static int exists_at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int exists_at(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vpath_of(path, sizeof(path), fmt, ap);
	va_end(ap);
	return access(path, F_OK) == 0;
}

/* root + path, trimmed, into buf: 0; or -errno and the reason (path: error) in buf. */
static int vread_at(char *buf, size_t len, const char *fmt, va_list ap)
{
	char path[PATH_MAX], *text;
	int rc;

	vpath_of(path, sizeof(path), fmt, ap);
	rc = ipcb_read_file(path, &text, NULL);
	if (rc) {
		/* the reason may be cut short: a caller's buffer can be small */
		if (snprintf(buf, len, "%s: %s", path, strerror(-rc)) < 0)
			buf[0] = '\0';
		return rc;
	}
	snprintf(buf, len, "%s", text);
	ipcb_trim(buf);
	free(text);
	return 0;
}

static int read_at(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int read_at(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread_at(buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- JSON: a fact, or null and why ---- */

static void set_reason(json_t *obj, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_reason(json_t *obj, const char *key, const char *fmt, ...)
{
	char rkey[96], reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(rkey, sizeof(rkey), "%s_reason", key);
	json_object_set_new(obj, key, json_null());
	json_object_set_new(obj, rkey, json_string(reason));
}

static void set_fact(json_t *obj, const char *key, json_t *value)
{
	char rkey[96];

	snprintf(rkey, sizeof(rkey), "%s_reason", key);
	json_object_del(obj, rkey);
	json_object_set_new(obj, key, value);
}

static int add_str(json_t *obj, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int add_str(json_t *obj, const char *key, const char *fmt, ...)
{
	char val[TEXT_LEN];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread_at(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (rc)
		set_reason(obj, key, "%s", val);
	else
		set_fact(obj, key, json_string(val));
	return rc;
}

static int add_int(json_t *obj, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int add_int(json_t *obj, const char *key, const char *fmt, ...)
{
	char val[256], *end;
	long long v;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread_at(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (rc) {
		set_reason(obj, key, "%s", val);
		return rc;
	}
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno || end == val || *end) {
		set_reason(obj, key, "not an integer: '%s'", val);
		return -EINVAL;
	}
	set_fact(obj, key, json_integer(v));
	return 0;
}

static const char *reason_of(const json_t *obj, const char *key)
{
	char rkey[96];
	const char *r;

	snprintf(rkey, sizeof(rkey), "%s_reason", key);
	r = json_string_value(json_object_get(obj, rkey));
	return r ? r : "not recorded";
}

/* ---- CPU lists ---- */

struct cpus {
	int n, cap;
	int *id; /* ascending */
};

static int cpus_has(const struct cpus *c, int id)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->id[i] == id)
			return 1;
	return 0;
}

static int cpus_add(struct cpus *c, int id)
{
	int *grown, i;

	if (cpus_has(c, id))
		return 0;
	if (c->n == c->cap) {
		grown = realloc(c->id, sizeof(*grown) * (size_t)(c->cap ? 2 * c->cap : 16));
		if (!grown)
			return -1;
		c->id = grown;
		c->cap = c->cap ? 2 * c->cap : 16;
	}
	for (i = c->n; i > 0 && c->id[i - 1] > id; i--)
		c->id[i] = c->id[i - 1];
	c->id[i] = id;
	c->n++;
	return 0;
}

static void cpus_free(struct cpus *c)
{
	free(c->id);
	memset(c, 0, sizeof(*c));
}

/* "0-3,8" (the kernel's cpulist format) added to c; -1 if malformed. */
static int cpus_parse(struct cpus *c, const char *s)
{
	const char *p = s;
	char *end;
	long a, b;

	while (isspace((unsigned char)*p))
		p++;
	while (*p && !isspace((unsigned char)*p)) {
		a = strtol(p, &end, 10);
		if (end == p || a < 0 || a > MAX_CPU_ID)
			return -1;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a || b > MAX_CPU_ID)
				return -1;
		}
		for (; a <= b; a++)
			if (cpus_add(c, (int)a))
				return -1;
		p = end;
		if (*p == ',')
			p++;
		else if (*p && !isspace((unsigned char)*p))
			return -1;
	}
	return 0;
}

static void cpus_format(const struct cpus *c, char *buf, size_t len)
{
	size_t used = 0;
	int i = 0, j, w;

	buf[0] = '\0';
	while (i < c->n && used < len) {
		for (j = i; j + 1 < c->n && c->id[j + 1] == c->id[j] + 1; j++)
			;
		if (j > i)
			w = snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", c->id[i], c->id[j]);
		else
			w = snprintf(buf + used, len - used, "%s%d", used ? "," : "", c->id[i]);
		used += (size_t)w;
		i = j + 1;
	}
}

static int cpus_meet(const struct cpus *a, const struct cpus *b)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (cpus_has(b, a->id[i]))
			return 1;
	return 0;
}

/* The kernel refuses a mask shorter than its own: grow until it fits. */
static int affinity_cpus(struct cpus *c)
{
	int ncpu, i;

	for (ncpu = 1024; ncpu <= MAX_CPU_ID + 1; ncpu *= 2) {
		cpu_set_t *set = CPU_ALLOC(ncpu);
		size_t size = CPU_ALLOC_SIZE(ncpu);

		if (!set)
			return -ENOMEM;
		if (sched_getaffinity(0, size, set) == 0) {
			for (i = 0; i < ncpu; i++)
				if (CPU_ISSET_S(i, size, set))
					cpus_add(c, i);
			CPU_FREE(set);
			return 0;
		}
		CPU_FREE(set);
		if (errno != EINVAL)
			return -errno;
	}
	return -EINVAL;
}

static int online_cpus(struct cpus *c, char *why, size_t len)
{
	char text[TEXT_LEN];

	if (read_at(text, sizeof(text), CPU_DIR "/online")) {
		snprintf(why, len, "%s", text);
		return -1;
	}
	if (cpus_parse(c, text)) {
		snprintf(why, len, "%s/online: not a CPU list: '%.200s'", CPU_DIR, text);
		return -1;
	}
	return 0;
}

/*
 * The CPUs a run would use: --cpus, else this process's affinity mask; a
 * fake tree is another machine, so there its online CPUs.
 */
static int run_cpus(struct cpus *c, const char *list, char *why, size_t len)
{
	int rc;

	if (list) {
		if (cpus_parse(c, list) || !c->n) {
			snprintf(why, len, "--cpus '%s': expected a CPU list such as 2-7,10", list);
			cpus_free(c);
			return -1;
		}
		return 0;
	}
	if (!real_root())
		return online_cpus(c, why, len);
	rc = affinity_cpus(c);
	if (rc) {
		snprintf(why, len, "sched_getaffinity: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/* ---- the facts ---- */

static void add_cpufreq(json_t *s, const struct cpus *c)
{
	static const char dir[] = CPU_DIR "/cpu%d/cpufreq";
	json_t *f, *slow;
	char path[PATH_MAX], gov[64];
	int i, cpu = c->id[0];

	path_of(path, sizeof(path), dir, cpu);
	if (access(path, F_OK)) {
		set_reason(s, "cpufreq", "%s: %s: cpufreq not exposed (in a VM the host sets the clock)", path,
			   strerror(errno));
		return;
	}
	f = json_object();
	add_str(f, "driver", CPU_DIR "/cpu%d/cpufreq/scaling_driver", cpu);
	add_str(f, "governor", CPU_DIR "/cpu%d/cpufreq/scaling_governor", cpu);
	add_str(f, "available_governors", CPU_DIR "/cpu%d/cpufreq/scaling_available_governors", cpu);
	add_int(f, "min_khz", CPU_DIR "/cpu%d/cpufreq/scaling_min_freq", cpu);
	add_int(f, "max_khz", CPU_DIR "/cpu%d/cpufreq/scaling_max_freq", cpu);
	add_int(f, "cpuinfo_min_khz", CPU_DIR "/cpu%d/cpufreq/cpuinfo_min_freq", cpu);
	add_int(f, "cpuinfo_max_khz", CPU_DIR "/cpu%d/cpufreq/cpuinfo_max_freq", cpu);
	slow = json_array();
	for (i = 0; i < c->n; i++)
		if (read_at(gov, sizeof(gov), CPU_DIR "/cpu%d/cpufreq/scaling_governor", c->id[i]) == 0 &&
		    strcmp(gov, "performance"))
			json_array_append_new(slow, json_integer(c->id[i]));
	json_object_set_new(f, "cpus_not_performance", slow);
	json_object_set_new(s, "cpufreq", f);
}

/*
 * Where turbo is switched (a path under the root) and whether writing 1
 * there turns it off (intel_pstate's no_turbo) rather than on (boost).
 * amd-pstate and newer acpi-cpufreq have a boost file per policy.
 */
static int turbo_file(int cpu, char *rel, size_t len, int *one_is_off, int *per_cpu)
{
	static const char *const files[] = { CPU_DIR "/intel_pstate/no_turbo", CPU_DIR "/cpufreq/boost",
					     CPU_DIR "/cpu%d/cpufreq/boost" };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, len, files[i], cpu);
		if (exists_at("%s", rel)) {
			*one_is_off = i == 0;
			*per_cpu = i == 2;
			return 0;
		}
	}
	return -1;
}

static void add_turbo(json_t *s, const struct cpus *c)
{
	char rel[PATH_MAX], val[TEXT_LEN];
	int one_is_off, per_cpu;

	if (turbo_file(c->id[0], rel, sizeof(rel), &one_is_off, &per_cpu)) {
		set_reason(s, "turbo",
			   "no turbo switch (intel_pstate/no_turbo, cpufreq/boost) under %s: the firmware or the host decides",
			   ipcb_system_root());
		return;
	}
	if (read_at(val, sizeof(val), "%s", rel)) {
		set_reason(s, "turbo", "%s", val);
		return;
	}
	json_object_set_new(s, "turbo", json_boolean((atoi(val) != 0) != one_is_off));
	json_object_set_new(s, "turbo_control", json_string(rel));
}

static json_t *idle_state(const struct cpus *c, int k)
{
	static const char base[] = CPU_DIR "/cpu%d/cpuidle/state%d/%s";
	json_t *st = json_object();
	char val[TEXT_LEN];
	int i, off = 0, readable = 0;

	add_str(st, "name", base, c->id[0], k, "name");
	add_str(st, "desc", base, c->id[0], k, "desc");
	add_int(st, "exit_latency_us", base, c->id[0], k, "latency");
	add_int(st, "target_residency_us", base, c->id[0], k, "residency");
	for (i = 0; i < c->n; i++) {
		if (read_at(val, sizeof(val), base, c->id[i], k, "disable"))
			continue;
		readable++;
		off += atoi(val) != 0;
	}
	if (!readable) {
		read_at(val, sizeof(val), base, c->id[0], k, "disable");
		set_reason(st, "disabled", "%s", val);
		return st;
	}
	/* disabled means on every run CPU: one CPU left free to sleep deep is enough to hurt */
	json_object_set_new(st, "disabled", json_boolean(off == c->n));
	json_object_set_new(st, "disabled_on_cpus", json_integer(off));
	return st;
}

static void add_idle_states(json_t *ci, const struct cpus *c)
{
	const char *drv = json_string_value(json_object_get(ci, "driver"));
	char path[PATH_MAX];
	json_t *states;
	int k, err;

	path_of(path, sizeof(path), CPU_DIR "/cpu%d/cpuidle", c->id[0]);
	if (access(path, F_OK)) {
		err = errno;
		if (drv && !strcmp(drv, "none"))
			set_reason(ci, "states",
				   "cpuidle driver 'none': no idle states; an idle CPU halts in the default idle loop, which PM QoS (run --idle-latency) does not steer");
		else
			set_reason(ci, "states", "%s: %s", path, strerror(err));
		return;
	}
	states = json_array();
	for (k = 0; exists_at(CPU_DIR "/cpu%d/cpuidle/state%d", c->id[0], k); k++)
		json_array_append_new(states, idle_state(c, k));
	json_object_set_new(ci, "states", states);
}

static void add_cpuidle(json_t *s, const struct cpus *c)
{
	json_t *ci = json_object();
	const char *drv;

	add_str(ci, "driver", CPU_DIR "/cpuidle/current_driver");
	if (add_str(ci, "governor", CPU_DIR "/cpuidle/current_governor"))
		add_str(ci, "governor", CPU_DIR "/cpuidle/current_governor_ro");
	add_idle_states(ci, c);
	drv = json_string_value(json_object_get(ci, "driver"));
	/* a haltpoll guest polls this long before it halts: it sets the cost of waking it */
	if (drv && !strcmp(drv, "haltpoll"))
		add_int(ci, "guest_halt_poll_ns", "/sys/module/haltpoll/parameters/guest_halt_poll_ns");
	json_object_set_new(s, "cpuidle", ci);
}

static void add_smt(json_t *s)
{
	json_t *o = json_object();
	char val[TEXT_LEN];

	if (read_at(val, sizeof(val), CPU_DIR "/smt/active"))
		set_reason(o, "active", "%s", val);
	else
		json_object_set_new(o, "active", json_boolean(atoi(val) != 0));
	add_str(o, "control", CPU_DIR "/smt/control");
	json_object_set_new(s, "smt", o);
}

/* The value of key= on the kernel command line (the last one wins), "" when absent. */
static void cmdline_param(const char *cmdline, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p;

	buf[0] = '\0';
	for (p = cmdline; (p = strstr(p, key)); p += klen)
		if ((p == cmdline || isspace((unsigned char)p[-1])) && p[klen] == '=')
			snprintf(buf, len, "%.*s", (int)strcspn(p + klen + 1, " \t\n"), p + klen + 1);
}

static void add_isolation(json_t *s, const struct cpus *c)
{
	static const char *const keys[] = { "isolcpus", "nohz_full", "rcu_nocbs", NULL };
	json_t *o = json_object(), *cl;
	char text[TEXT_LEN], val[256], *dash;
	struct cpus iso = { 0 };
	int i, all = 1;

	if (read_at(text, sizeof(text), "/proc/cmdline")) {
		set_reason(o, "cmdline", "%s", text);
	} else {
		/* what follows " -- " is init's, not the kernel's */
		dash = strstr(text, " -- ");
		if (dash)
			*dash = '\0';
		cl = json_object();
		for (i = 0; keys[i]; i++) {
			cmdline_param(text, keys[i], val, sizeof(val));
			json_object_set_new(cl, keys[i], json_string(val));
		}
		json_object_set_new(o, "cmdline", cl);
	}
	if (add_str(o, "isolated", CPU_DIR "/isolated") == 0) {
		cpus_parse(&iso, json_string_value(json_object_get(o, "isolated")));
		for (i = 0; i < c->n; i++)
			all &= cpus_has(&iso, c->id[i]);
		json_object_set_new(o, "run_cpus_isolated", json_boolean(all && iso.n));
	}
	if (add_str(o, "nohz_full", CPU_DIR "/nohz_full") == -ENOENT)
		set_reason(o, "nohz_full", "%s/nohz_full absent: a kernel without CONFIG_NO_HZ_FULL", CPU_DIR);
	cpus_free(&iso);
	json_object_set_new(s, "isolation", o);
}

/* The device of an IRQ: the last word of its line in /proc/interrupts. */
static void irq_name(const char *interrupts, const char *irq, char *buf, size_t len)
{
	const char *line, *eol, *p, *end, *word;
	size_t klen = strlen(irq);

	buf[0] = '\0';
	for (line = interrupts; line && *line; line = eol ? eol + 1 : NULL) {
		eol = strchr(line, '\n');
		for (p = line; *p == ' '; p++)
			;
		if (strncmp(p, irq, klen) || p[klen] != ':')
			continue;
		end = eol ? eol : line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			end--;
		for (word = end; word > line && !isspace((unsigned char)word[-1]); word--)
			;
		snprintf(buf, len, "%.*s", (int)(end - word), word);
		return;
	}
}

static int is_number(const struct dirent *d)
{
	return isdigit((unsigned char)d->d_name[0]);
}

static int by_number(const struct dirent **a, const struct dirent **b)
{
	return atoi((*a)->d_name) - atoi((*b)->d_name);
}

/*
 * Whether an IRQ can fire on these CPUs: its requested affinity must reach
 * them, and its effective one too where the kernel reports it (x86 delivers
 * to one CPU of the mask; after a change it moves at the next interrupt, so
 * the requested mask alone is what tune leaves behind). The requested mask
 * in aff, or -1 when unreadable.
 */
static int irq_reaches(const char *irq, const struct cpus *c, char *aff, size_t len)
{
	struct cpus req = { 0 }, eff = { 0 };
	char text[TEXT_LEN];
	int hit;

	if (read_at(aff, len, "/proc/irq/%s/smp_affinity_list", irq) || cpus_parse(&req, aff)) {
		cpus_free(&req);
		return -1;
	}
	hit = cpus_meet(&req, c);
	if (hit && read_at(text, sizeof(text), "/proc/irq/%s/effective_affinity_list", irq) == 0 && text[0] &&
	    cpus_parse(&eff, text) == 0)
		hit = cpus_meet(&eff, c);
	cpus_free(&req);
	cpus_free(&eff);
	return hit;
}

/* 1 if a process named irqbalance runs, 0 if not, -1 if /proc cannot be listed. */
static int irqbalance_running(void)
{
	char path[PATH_MAX], comm[64];
	struct dirent *d;
	DIR *dir;
	int found = 0;

	path_of(path, sizeof(path), "/proc");
	dir = opendir(path);
	if (!dir)
		return -1;
	while (!found && (d = readdir(dir)))
		found = is_number(d) && read_at(comm, sizeof(comm), "/proc/%s/comm", d->d_name) == 0 &&
			!strcmp(comm, "irqbalance");
	closedir(dir);
	return found;
}

static void irq_example(json_t *ex, const char *interrupts, const char *irq, const char *aff)
{
	char name[64];

	if (json_array_size(ex) >= IRQ_EXAMPLES)
		return;
	irq_name(interrupts ? interrupts : "", irq, name, sizeof(name));
	json_array_append_new(ex, json_pack("{s:i, s:s, s:s}", "irq", atoi(irq), "name", name, "affinity", aff));
}

static void add_irqs(json_t *s, const struct cpus *c)
{
	char path[PATH_MAX], aff[TEXT_LEN], *interrupts = NULL;
	struct dirent **names;
	json_t *o, *ex;
	int i, n, total = 0, hit = 0, balance;

	path_of(path, sizeof(path), "/proc/irq");
	n = scandir(path, &names, is_number, by_number);
	if (n < 0) {
		set_reason(s, "irqs", "%s: %s", path, strerror(errno));
		return;
	}
	path_of(path, sizeof(path), "/proc/interrupts");
	if (ipcb_read_file(path, &interrupts, NULL))
		interrupts = NULL;
	o = json_object();
	ex = json_array();
	for (i = 0; i < n; i++) {
		int reaches = irq_reaches(names[i]->d_name, c, aff, sizeof(aff));

		total += reaches >= 0;
		if (reaches > 0) {
			hit++;
			irq_example(ex, interrupts, names[i]->d_name, aff);
		}
		free(names[i]);
	}
	free(names);
	free(interrupts);
	json_object_set_new(o, "total", json_integer(total));
	json_object_set_new(o, "on_run_cpus", json_integer(hit));
	json_object_set_new(o, "examples", ex);
	balance = irqbalance_running();
	if (balance < 0)
		set_reason(o, "irqbalance", "cannot list %s/proc", real_root() ? "" : ipcb_system_root());
	else
		json_object_set_new(o, "irqbalance", json_boolean(balance));
	json_object_set_new(s, "irqs", o);
}

static void add_thp(json_t *s)
{
	char text[TEXT_LEN], *open, *close;

	if (read_at(text, sizeof(text), "/sys/kernel/mm/transparent_hugepage/enabled")) {
		set_reason(s, "thp", "%s", text);
		return;
	}
	/* "always [madvise] never": the bracketed word is the setting */
	open = strchr(text, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close) {
		set_reason(s, "thp", "transparent_hugepage/enabled: no [setting] in '%s'", text);
		return;
	}
	*close = '\0';
	json_object_set_new(s, "thp", json_string(open + 1));
}

/* A "Name:   123 kB" line of /proc/meminfo, or -1. */
static long long meminfo_kb(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

static void add_swap(json_t *s)
{
	char path[PATH_MAX], *text;
	long long total, avail;
	int rc;

	path_of(path, sizeof(path), "/proc/meminfo");
	rc = ipcb_read_file(path, &text, NULL);
	if (rc) {
		set_reason(s, "swap", "%s: %s", path, strerror(-rc));
		return;
	}
	total = meminfo_kb(text, "\nSwapTotal:");
	avail = meminfo_kb(text, "\nSwapFree:");
	free(text);
	if (total < 0 || avail < 0)
		set_reason(s, "swap", "%s: no SwapTotal/SwapFree lines", path);
	else
		json_object_set_new(s, "swap", json_pack("{s:I, s:I}", "total_kb", (json_int_t)total, "used_kb",
							 (json_int_t)(total - avail)));
}

static void add_load(json_t *s)
{
	char text[TEXT_LEN], why[TEXT_LEN];
	struct cpus on = { 0 };
	double l1, l5, l15;

	if (read_at(text, sizeof(text), "/proc/loadavg"))
		set_reason(s, "loadavg", "%s", text);
	else if (sscanf(text, "%lf %lf %lf", &l1, &l5, &l15) != 3)
		set_reason(s, "loadavg", "/proc/loadavg: unexpected '%s'", text);
	else
		json_object_set_new(s, "loadavg", json_pack("[f, f, f]", l1, l5, l15));
	if (online_cpus(&on, why, sizeof(why)))
		set_reason(s, "cpus_online", "%s", why);
	else
		json_object_set_new(s, "cpus_online", json_integer(on.n));
	cpus_free(&on);
}

static int hold_fd = -1, hold_us = -1, want_us = -1;

/*
 * Reading /dev/cpu_dma_latency gives the limit in force, the tightest of
 * every process's request (2000000000, "none", when nobody asks).
 */
static void add_dma_latency(json_t *s)
{
	char path[PATH_MAX];
	int32_t v;
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), "/dev/cpu_dma_latency");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_reason(s, "cpu_dma_latency_us", "%s: %s", path, strerror(errno));
	} else {
		n = read(fd, &v, sizeof(v));
		close(fd);
		if (n == (ssize_t)sizeof(v))
			json_object_set_new(s, "cpu_dma_latency_us", json_integer(v));
		else
			set_reason(s, "cpu_dma_latency_us", "%s: short read", path);
	}
	if (hold_fd >= 0)
		json_object_set_new(s, "idle_latency_hold_us", json_integer(hold_us));
}

/* Every field that could not be read, "a.b": "why", found by its "_reason" beside a null. */
static void collect_unread(const json_t *o, const char *prefix, json_t *out)
{
	const char *key;
	char name[256], base[96];
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		size_t n = strlen(key);

		if (json_is_object(v) && strcmp(key, "unread")) {
			snprintf(name, sizeof(name), "%s%s.", prefix, key);
			collect_unread(v, name, out);
		}
		if (json_is_array(v) && !strcmp(key, "states")) {
			size_t i;
			json_t *e;

			json_array_foreach(v, i, e) {
				snprintf(name, sizeof(name), "%s%s[%zu].", prefix, key, i);
				collect_unread(e, name, out);
			}
		}
		if (n <= 7 || strcmp(key + n - 7, "_reason") || n - 7 >= sizeof(base))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(n - 7), key);
		if (!json_is_null(json_object_get(o, base)))
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, base);
		json_object_set(out, name, v);
	}
}

/* ---- checks: one line per item, "ok" or what to do and why ---- */

static void check(json_t *arr, const char *item, const char *status, int tunable, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void check(json_t *arr, const char *item, const char *status, int tunable, const char *fmt, ...)
{
	char text[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b}", "item", item, "status", status, "text", text,
					     "tunable", tunable));
}

static long long int_of(const json_t *o, const char *key, long long missing)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : missing;
}

static void check_cpufreq(const json_t *s, json_t *arr)
{
	const json_t *f = json_object_get(s, "cpufreq");
	size_t slow = json_array_size(json_object_get(f, "cpus_not_performance"));
	long long lo = int_of(f, "min_khz", -1), hi = int_of(f, "max_khz", -1);

	if (!json_is_object(f)) {
		check(arr, "governor", "n/a", 1, "%s", reason_of(s, "cpufreq"));
		return;
	}
	if (!slow)
		check(arr, "governor", "ok", 1, "performance on every run CPU: the clock does not drop while a CPU waits");
	else
		check(arr, "governor", "advice", 1,
		      "'%s' on %zu run CPU(s): set performance (ipcbench system tune); other governors lower the clock of a waiting CPU, so a wake-up is timed on a ramping clock",
		      json_string_value(json_object_get(f, "governor")) ?: "?", slow);
	if (lo > 0 && hi > 0)
		check(arr, "frequency", "note", 0, "scaling range %.2f-%.2f GHz (hardware %.2f-%.2f GHz)%s", lo / 1e6,
		      hi / 1e6, int_of(f, "cpuinfo_min_khz", 0) / 1e6, int_of(f, "cpuinfo_max_khz", 0) / 1e6,
		      hi < int_of(f, "cpuinfo_max_khz", 0) ? ": the top is capped below the hardware's" : "");
}

static void check_turbo(const json_t *s, json_t *arr)
{
	const json_t *t = json_object_get(s, "turbo");

	if (!json_is_boolean(t))
		check(arr, "turbo", "n/a", 1, "%s", reason_of(s, "turbo"));
	else if (json_is_true(t))
		check(arr, "turbo", "advice", 1,
		      "on: turn it off (ipcbench system tune); a turbo clock depends on temperature and on how many cores are busy, so figures drift within a run and differ between runs");
	else
		check(arr, "turbo", "ok", 1, "off: the clock does not depend on how many cores are busy");
}

/* The enabled idle states that exit slower than max_us, as "C6 (133 us), ..."; the deepest other one. */
static size_t deep_states(const json_t *states, long long max_us, char *deep, size_t len, const char **shallow,
			  long long *shallow_us)
{
	size_t i, used = 0, n = 0;
	long long lat;
	json_t *st;

	deep[0] = '\0';
	*shallow = NULL;
	*shallow_us = -1;
	json_array_foreach(states, i, st) {
		const char *name = json_string_value(json_object_get(st, "name")) ?: "?";

		lat = int_of(st, "exit_latency_us", -1);
		if (lat < 0 || json_is_true(json_object_get(st, "disabled")))
			continue;
		if (lat <= max_us) {
			if (lat >= *shallow_us) {
				*shallow = name;
				*shallow_us = lat;
			}
			continue;
		}
		n++;
		if (used < len)
			used += (size_t)snprintf(deep + used, len - used, "%s%s (%lld us)", used ? ", " : "", name, lat);
	}
	return n;
}

static void check_idle(const json_t *s, json_t *arr, int max_us)
{
	const json_t *ci = json_object_get(s, "cpuidle"), *states = json_object_get(ci, "states");
	long long hold = int_of(s, "idle_latency_hold_us", -1), shallow_us;
	const char *shallow;
	char deep[512];

	if (!json_is_array(states)) {
		check(arr, "idle states", "n/a", 1, "%s", json_is_object(ci) ? reason_of(ci, "states") : reason_of(s, "cpuidle"));
		return;
	}
	if (!deep_states(states, max_us, deep, sizeof(deep), &shallow, &shallow_us))
		check(arr, "idle states", "ok", 1, "no enabled state exits in more than %d us (deepest enabled: %s, %lld us)",
		      max_us, shallow ? shallow : "none", shallow_us);
	else if (hold >= 0 && hold <= max_us)
		check(arr, "idle states", "ok", 1, "%s enabled, but held off during this run by run --idle-latency %lld",
		      deep, hold);
	else
		check(arr, "idle states", "advice", 1,
		      "enabled, exiting in more than %d us: %s; a thread woken on a CPU in such a state waits for it to wake, which on bare metal dominates a cross-core wake-up: disable them (ipcbench system tune --max-exit-latency %d) or hold them off for a run (run --idle-latency 0)",
		      max_us, deep, max_us);
}

static void check_smt_isolation(const json_t *s, json_t *arr, const char *cpulist)
{
	const json_t *smt = json_object_get(json_object_get(s, "smt"), "active");
	const json_t *iso = json_object_get(s, "isolation");

	if (!json_is_boolean(smt))
		check(arr, "smt", "n/a", 0, "%s", reason_of(json_object_get(s, "smt"), "active"));
	else if (json_is_true(smt))
		check(arr, "smt", "note", 0,
		      "on: two hardware threads share each core, and a busy sibling slows the measured thread; keep the siblings of the run's CPUs idle (ipcbench info names the smt-sibling pairs)");
	else
		check(arr, "smt", "ok", 0, "off or absent: no hardware thread shares a core with the measured one");
	if (json_is_true(json_object_get(iso, "run_cpus_isolated")))
		check(arr, "isolation", "ok", 0, "the run's CPUs %s are isolated (%s)", cpulist,
		      json_string_value(json_object_get(iso, "isolated")));
	else if (json_is_boolean(json_object_get(iso, "run_cpus_isolated")))
		check(arr, "isolation", "note", 0,
		      "the run's CPUs %s are not isolated: other tasks, the timer tick and RCU callbacks may run there; for the quietest figures boot with isolcpus=L nohz_full=L rcu_nocbs=L and run on L",
		      cpulist);
	else
		check(arr, "isolation", "n/a", 0, "%s", reason_of(iso, "isolated"));
}

static void check_irqs(const json_t *s, json_t *arr)
{
	const json_t *irqs = json_object_get(s, "irqs");
	long long hit = int_of(irqs, "on_run_cpus", -1);
	const json_t *first = json_array_get(json_object_get(irqs, "examples"), 0);
	int balance = json_is_true(json_object_get(irqs, "irqbalance"));

	if (!json_is_object(irqs))
		check(arr, "irqs", "n/a", 0, "%s", reason_of(s, "irqs"));
	else if (hit > 0)
		check(arr, "irqs", "advice", 0,
		      "%lld of %lld IRQs may fire on the run's CPUs (e.g. %lld %s): an interrupt inside a timed sample is an outlier in p99 and max; ipcbench system tune --irqs --cpus LIST moves them off LIST%s",
		      hit, int_of(irqs, "total", 0), int_of(first, "irq", -1),
		      json_string_value(json_object_get(first, "name")) ?: "",
		      balance ? "; irqbalance runs and would move them back: stop it for the run" : "");
	else
		check(arr, "irqs", "ok", 0, "no IRQ is routed to the run's CPUs%s",
		      balance ? " (irqbalance runs and may change that)" : "");
}

static void check_kernel(const json_t *s, json_t *arr)
{
	const char *thp = json_string_value(json_object_get(s, "thp"));
	long long v;

	if (!thp)
		check(arr, "thp", "n/a", 0, "%s", reason_of(s, "thp"));
	else if (!strcmp(thp, "always"))
		check(arr, "thp", "note", 0,
		      "always: a page fault may take a huge page or wait for compaction, and khugepaged scans in the background; madvise keeps that to programs that ask (fault/* measures faults)");
	else
		check(arr, "thp", "ok", 0, "%s: only programs that ask get huge pages", thp);
	v = int_of(s, "aslr", -1);
	if (v < 0)
		check(arr, "aslr", "n/a", 0, "%s", reason_of(s, "aslr"));
	else if (v == 0)
		check(arr, "aslr", "note", 0, "off: every worker process gets the same layout, so rounds do not sample layout effects (cache-set aliasing)");
	else
		check(arr, "aslr", "ok", 0, "on (%lld): each round runs in a fresh process with a fresh layout, and the between-round interval includes layout effects", v);
	v = int_of(s, "perf_event_paranoid", INT_MIN);
	if (v == INT_MIN)
		check(arr, "perf_event_paranoid", "n/a", 0, "%s", reason_of(s, "perf_event_paranoid"));
	else if (v > 2 && geteuid() != 0)
		check(arr, "perf_event_paranoid", "advice", 0,
		      "%lld: run --counters cannot count; it needs <= 2 (sysctl kernel.perf_event_paranoid=2) or root", v);
	else
		check(arr, "perf_event_paranoid", "ok", 0, "%lld%s: run --counters can count user-space events", v,
		      geteuid() == 0 ? " (and this is root)" : "");
	v = int_of(s, "nmi_watchdog", -1);
	if (v < 0)
		check(arr, "nmi_watchdog", "n/a", 0, "%s", reason_of(s, "nmi_watchdog"));
	else if (v)
		check(arr, "nmi_watchdog", "advice", 0,
		      "on: it keeps one hardware counter busy (run --counters gets one fewer) and interrupts every CPU periodically; sysctl kernel.nmi_watchdog=0 for the run");
	else
		check(arr, "nmi_watchdog", "ok", 0, "off: no periodic NMI, every counter free");
}

static void check_load(const json_t *s, json_t *arr)
{
	const json_t *swap = json_object_get(s, "swap");
	const json_t *l1 = json_array_get(json_object_get(s, "loadavg"), 0);
	long long cpus = int_of(s, "cpus_online", -1), used = int_of(swap, "used_kb", -1);
	long long qos = int_of(s, "cpu_dma_latency_us", -1), hold = int_of(s, "idle_latency_hold_us", -1);

	if (!json_is_object(swap))
		check(arr, "swap", "n/a", 0, "%s", reason_of(s, "swap"));
	else if (used > 0)
		check(arr, "swap", "advice", 0, "%.1f MiB swapped out: a page swapped back in during a run costs milliseconds; free memory (or swapoff -a) first",
		      used / 1024.0);
	else
		check(arr, "swap", "ok", 0, "nothing swapped out");
	if (!json_is_number(l1) || cpus <= 0)
		check(arr, "load", "n/a", 0, "%s", reason_of(s, json_is_number(l1) ? "cpus_online" : "loadavg"));
	else if (json_number_value(l1) > 0.5 * (double)cpus)
		check(arr, "load", "advice", 0, "%.2f on %lld CPUs: other work competes with the benchmark threads and spreads the figures",
		      json_number_value(l1), cpus);
	else
		check(arr, "load", "ok", 0, "%.2f on %lld CPUs", json_number_value(l1), cpus);
	if (hold >= 0)
		check(arr, "cpu_dma_latency", "ok", 0, "held at %lld us by this run (limit in force: %lld us)", hold, qos);
	else if (qos < 0)
		check(arr, "cpu_dma_latency", "n/a", 0, "%s", reason_of(s, "cpu_dma_latency_us"));
	else if (qos < 2000000000LL)
		check(arr, "cpu_dma_latency", "note", 0, "a PM QoS limit of %lld us is in force: another process holds /dev/cpu_dma_latency", qos);
	else
		check(arr, "cpu_dma_latency", "ok", 0, "no PM QoS limit in force (run --idle-latency US sets one for a run)");
}

static json_t *system_checks(const json_t *s, int max_us)
{
	const char *cpulist = json_string_value(json_object_get(s, "run_cpus")) ?: "?";
	json_t *arr = json_array();

	check_cpufreq(s, arr);
	check_turbo(s, arr);
	check_idle(s, arr, max_us);
	check_smt_isolation(s, arr, cpulist);
	check_irqs(s, arr);
	check_kernel(s, arr);
	check_load(s, arr);
	return arr;
}

static json_t *system_facts(const struct cpus *c, int max_us)
{
	json_t *s = json_object(), *unread = json_object();
	char list[1024];

	cpus_format(c, list, sizeof(list));
	json_object_set_new(s, "root", json_string(ipcb_system_root()));
	json_object_set_new(s, "run_cpus", json_string(list));
	add_cpufreq(s, c);
	add_turbo(s, c);
	add_cpuidle(s, c);
	add_smt(s);
	add_isolation(s, c);
	add_irqs(s, c);
	add_thp(s);
	add_int(s, "aslr", "/proc/sys/kernel/randomize_va_space");
	add_int(s, "perf_event_paranoid", "/proc/sys/kernel/perf_event_paranoid");
	add_int(s, "nmi_watchdog", "/proc/sys/kernel/nmi_watchdog");
	add_swap(s);
	add_load(s);
	add_dma_latency(s);
	json_object_set_new(s, "max_exit_latency_us", json_integer(max_us));
	json_object_set_new(s, "checks", system_checks(s, max_us));
	collect_unread(s, "", unread);
	json_object_set_new(s, "unread", unread);
	return s;
}

json_t *ipcb_system_json(void)
{
	struct cpus c = { 0 };
	char why[512];
	json_t *s;

	if (run_cpus(&c, NULL, why, sizeof(why)) == 0 && !c.n)
		snprintf(why, sizeof(why), "no CPU to run on");
	if (!c.n) {
		s = json_object();
		set_reason(s, "run_cpus", "%s", why);
		cpus_free(&c);
		return s;
	}
	s = system_facts(&c, IPCB_SYSTEM_MAX_EXIT_US);
	cpus_free(&c);
	return s;
}

int ipcb_system_untuned(const json_t *system, char *what, size_t len)
{
	size_t i, used = 0;
	int n = 0;
	json_t *c;

	if (len)
		what[0] = '\0';
	json_array_foreach(json_object_get(system, "checks"), i, c) {
		if (!json_is_true(json_object_get(c, "tunable")) ||
		    strcmp(json_string_value(json_object_get(c, "status")) ?: "", "advice"))
			continue;
		n++;
		if (used < len)
			used += (size_t)snprintf(what + used, len - used, "%s%s", used ? ", " : "",
						 json_string_value(json_object_get(c, "item")));
	}
	return n > 0;
}

/* ---- run --idle-latency: a PM QoS request held for the run ---- */

int ipcb_system_request_idle_latency(const char *arg, char *why, size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 2000000000L) {
		snprintf(why, len, "--idle-latency '%s': expected microseconds, an integer from 0 (no idle state but polling) to 2000000000",
			 arg);
		return -1;
	}
	want_us = (int)v;
	return 0;
}

/*
 * A PM QoS request: the CPUs stay out of idle states that exit slower than
 * us while the fd is open. Close-on-exec: a request belongs to its process.
 */
static int qos_hold(int us, char *why, size_t len)
{
	char path[PATH_MAX];
	int32_t v = us;
	ssize_t n;
	int fd, err;

	path_of(path, sizeof(path), "/dev/cpu_dma_latency");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(why, len, "%.200s: %s%s", path, strerror(err), err == EACCES || err == EPERM ? " (it needs root)" : "");
		return -1;
	}
	n = write(fd, &v, sizeof(v));
	if (n != (ssize_t)sizeof(v)) {
		snprintf(why, len, "writing %d to %.200s: %s", us, path, n < 0 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	return fd;
}

int ipcb_system_hold_idle_latency(char *why, size_t len)
{
	char err[IPCB_WHY_LEN];

	if (want_us < 0 || hold_fd >= 0)
		return 0;
	hold_fd = qos_hold(want_us, err, sizeof(err));
	if (hold_fd < 0) {
		snprintf(why, len, "--idle-latency: %s", err);
		return -1;
	}
	hold_us = want_us;
	return 0;
}

int ipcb_hold_idle_latency(struct ipcb_ctx *ctx, int us)
{
	char err[IPCB_WHY_LEN];
	int fd = qos_hold(us, err, sizeof(err));

	if (fd < 0)
		ipcb_skip(ctx, "holding idle states off (PM QoS %d us): %s", us, err);
	return fd;
}

void ipcb_system_release_idle_latency(void)
{
	if (hold_fd >= 0)
		close(hold_fd);
	hold_fd = -1;
	hold_us = -1;
}

/* ---- system show ---- */

json_t *ipcb_system_show(const char *cpus, int max_us, char *why, size_t len)
{
	struct cpus c = { 0 };
	json_t *s;

	if (run_cpus(&c, cpus, why, len) == 0 && !c.n)
		snprintf(why, len, "no CPU to run on");
	if (!c.n) {
		cpus_free(&c);
		return NULL;
	}
	s = system_facts(&c, max_us);
	cpus_free(&c);
	return s;
}

/* ---- system tune: a plan, then its writes ---- */

static void plan_note(struct ipcb_system_plan *p, int skipped, const char *item, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A line of the plan that changes nothing: an item skipped and why, or a note. */
static void plan_note(struct ipcb_system_plan *p, int skipped, const char *item, const char *fmt, ...)
{
	struct ipcb_system_note *grown = realloc(p->notes, sizeof(*grown) * (p->nnotes + 1));
	va_list ap;
	char *text;
	int n;

	if (!grown)
		return;
	p->notes = grown;
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	p->notes[p->nnotes++] = (struct ipcb_system_note){ strdup(item), text, skipped };
	p->skipped += skipped;
}

#define plan_skip(p, item, ...) plan_note(p, 1, item, __VA_ARGS__)

/* Plan to write want into rel, unless it already holds it; the old contents are kept exactly. */
static void plan_add(struct ipcb_system_plan *p, const char *label, const char *rel, const char *want)
{
	char path[PATH_MAX], *old, cur[256];
	struct ipcb_system_change *grown;
	size_t n;
	int rc;

	path_of(path, sizeof(path), "%s", rel);
	rc = ipcb_read_file(path, &old, &n);
	if (rc) {
		plan_skip(p, label, "%s: %s", path, strerror(-rc));
		return;
	}
	snprintf(cur, sizeof(cur), "%s", old);
	ipcb_trim(cur);
	if (!strcmp(cur, want)) {
		free(old);
		p->already++;
		return;
	}
	if (p->n == p->cap) {
		grown = realloc(p->v, sizeof(*grown) * (p->cap ? 2 * p->cap : 32));
		if (!grown) {
			free(old);
			plan_skip(p, label, "out of memory");
			return;
		}
		p->v = grown;
		p->cap = p->cap ? 2 * p->cap : 32;
	}
	p->v[p->n] = (struct ipcb_system_change){
		.rel = strdup(rel), .old = old, .want = strdup(want), .label = strdup(label), .oldlen = n
	};
	snprintf(p->v[p->n].cur, sizeof(p->v[p->n].cur), "%s", old);
	ipcb_trim(p->v[p->n].cur);
	p->n++;
	p->changed = p->n;
}

void ipcb_system_plan_free(struct ipcb_system_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].rel);
		free(p->v[i].old);
		free(p->v[i].want);
		free(p->v[i].label);
	}
	free(p->v);
	for (i = 0; i < p->nnotes; i++) {
		free(p->notes[i].item);
		free(p->notes[i].text);
	}
	free(p->notes);
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || isspace((unsigned char)p[-1])) && (!p[n] || isspace((unsigned char)p[n])))
			return 1;
	return 0;
}

static void plan_governor(struct ipcb_system_plan *p, const struct cpus *c)
{
	char rel[PATH_MAX], label[64], avail[TEXT_LEN];
	int i;

	if (!exists_at(CPU_DIR "/cpu%d/cpufreq", c->id[0])) {
		plan_skip(p, "governor", "no %s/cpu%d/cpufreq: cpufreq not exposed (in a VM the host sets the clock)",
			  CPU_DIR, c->id[0]);
		return;
	}
	for (i = 0; i < c->n; i++) {
		snprintf(label, sizeof(label), "governor cpu%d", c->id[i]);
		if (read_at(avail, sizeof(avail), CPU_DIR "/cpu%d/cpufreq/scaling_available_governors", c->id[i])) {
			plan_skip(p, label, "%s", avail);
			continue;
		}
		if (!has_word(avail, "performance")) {
			plan_skip(p, label, "no performance governor offered (available: %s)", avail);
			continue;
		}
		snprintf(rel, sizeof(rel), CPU_DIR "/cpu%d/cpufreq/scaling_governor", c->id[i]);
		plan_add(p, label, rel, "performance");
	}
}

static void plan_turbo(struct ipcb_system_plan *p, const struct cpus *c)
{
	char rel[PATH_MAX], label[64];
	int one_is_off, per_cpu, i;

	if (turbo_file(c->id[0], rel, sizeof(rel), &one_is_off, &per_cpu)) {
		plan_skip(p, "turbo", "no turbo switch (intel_pstate/no_turbo, cpufreq/boost): the firmware or the host decides");
		return;
	}
	if (!per_cpu) {
		plan_add(p, "turbo", rel, one_is_off ? "1" : "0");
		return;
	}
	for (i = 0; i < c->n; i++) {
		snprintf(label, sizeof(label), "turbo cpu%d", c->id[i]);
		snprintf(rel, sizeof(rel), CPU_DIR "/cpu%d/cpufreq/boost", c->id[i]);
		plan_add(p, label, rel, "0");
	}
}

static void plan_idle(struct ipcb_system_plan *p, const struct cpus *c, int max_us)
{
	char rel[PATH_MAX], label[128], name[64], lat[32], drv[TEXT_LEN];
	int i, k;

	if (!exists_at(CPU_DIR "/cpu%d/cpuidle", c->id[0])) {
		if (read_at(drv, sizeof(drv), CPU_DIR "/cpuidle/current_driver"))
			plan_skip(p, "idle states", "no idle states (%s)", drv);
		else
			plan_skip(p, "idle states", "no idle states: cpuidle driver '%s'%s", drv,
				  strcmp(drv, "none") ? "" : " (an idle CPU halts; in a VM the host decides what waking it costs)");
		return;
	}
	for (i = 0; i < c->n; i++) {
		for (k = 0; exists_at(CPU_DIR "/cpu%d/cpuidle/state%d", c->id[i], k); k++) {
			if (read_at(lat, sizeof(lat), CPU_DIR "/cpu%d/cpuidle/state%d/latency", c->id[i], k) ||
			    atoll(lat) <= max_us)
				continue;
			if (read_at(name, sizeof(name), CPU_DIR "/cpu%d/cpuidle/state%d/name", c->id[i], k))
				snprintf(name, sizeof(name), "state%d", k);
			snprintf(label, sizeof(label), "idle cpu%d %s (%s us)", c->id[i], name, lat);
			snprintf(rel, sizeof(rel), CPU_DIR "/cpu%d/cpuidle/state%d/disable", c->id[i], k);
			plan_add(p, label, rel, "1");
		}
	}
}

/* IRQs off the benchmark CPUs: onto the online CPUs outside them, else onto the first of them. */
static void plan_irqs(struct ipcb_system_plan *p, const struct cpus *bench)
{
	char path[PATH_MAX], rel[PATH_MAX], aff[TEXT_LEN], dest[1024], label[300];
	struct cpus on = { 0 }, house = { 0 };
	struct dirent **names;
	int i, n;

	if (online_cpus(&on, aff, sizeof(aff))) {
		plan_skip(p, "irqs", "%s", aff);
		return;
	}
	for (i = 0; i < on.n; i++)
		if (!cpus_has(bench, on.id[i]))
			cpus_add(&house, on.id[i]);
	if (!house.n) {
		cpus_add(&house, bench->id[0]);
		plan_note(p, 0, "irqs", "every online CPU is a benchmark CPU: IRQs go to CPU %d (--cpus LIST names the benchmark CPUs)",
			  bench->id[0]);
	}
	cpus_format(&house, dest, sizeof(dest));
	path_of(path, sizeof(path), "/proc/irq");
	n = scandir(path, &names, is_number, by_number);
	if (n < 0)
		plan_skip(p, "irqs", "%s: %s", path, strerror(errno));
	for (i = 0; i < n; i++) {
		struct cpus a = { 0 };

		snprintf(rel, sizeof(rel), "/proc/irq/%s/smp_affinity_list", names[i]->d_name);
		if (read_at(aff, sizeof(aff), "%s", rel) == 0 && cpus_parse(&a, aff) == 0 && cpus_meet(&a, bench)) {
			snprintf(label, sizeof(label), "irq %s", names[i]->d_name);
			plan_add(p, label, rel, dest);
		}
		cpus_free(&a);
		free(names[i]);
	}
	free(n >= 0 ? names : NULL);
	if (irqbalance_running() > 0)
		plan_note(p, 0, "irqs", "irqbalance runs and will move IRQs back: stop it for the run (systemctl stop irqbalance)");
	cpus_free(&on);
	cpus_free(&house);
}

static int write_exact(const char *path, const char *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), err = 0;
	ssize_t w;

	if (fd < 0)
		return -errno;
	/* one write: sysfs takes a value per write() call */
	w = write(fd, buf, n);
	if (w < 0)
		err = errno;
	else if ((size_t)w != n)
		err = EIO;
	if (close(fd) && !err)
		err = errno;
	return -err;
}

static void default_state_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME");

	if (!real_root())
		path_of(buf, len, "/var/lib/ipcbench/system-saved.json");
	/* root on the real machine: one place, whatever sudo kept of the environment */
	else if (xdg && xdg[0] && geteuid() != 0)
		snprintf(buf, len, "%s/ipcbench/system-saved.json", xdg);
	else
		snprintf(buf, len, "/var/lib/ipcbench/system-saved.json");
}

/* mkdir -p of the directory that will hold path */
static void make_parent(const char *path)
{
	char dir[PATH_MAX], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0755);
}

/* The saved state: every change not known to have failed (before the writes: every change). */
static json_t *state_json(const struct ipcb_system_change *done, size_t ndone, int max_us)
{
	json_t *files = json_array();
	char when[32];
	time_t now = time(NULL);
	size_t i;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	for (i = 0; i < ndone; i++)
		if (!done[i].err)
			json_array_append_new(files, json_pack("{s:s, s:s%, s:s, s:s}", "path", done[i].rel, "old",
							       done[i].old, done[i].oldlen, "new", done[i].want, "what",
							       done[i].label));
	return json_pack("{s:s, s:s, s:s, s:i, s:o}", "schema", STATE_SCHEMA, "root", ipcb_system_root(), "saved", when,
			 "max_exit_latency_us", max_us, "files", files);
}

/* Atomically: a temporary file, then rename, so a crash never leaves half a saved state. */
static int save_state(const char *path, json_t *state, char *why, size_t len)
{
	char tmp[PATH_MAX + 8];

	make_parent(path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(state, tmp, JSON_INDENT(2))) {
		snprintf(why, len, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, path)) {
		snprintf(why, len, "rename %s -> %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

enum ipcb_system_rc ipcb_system_tune_plan(const struct ipcb_system_opts *o, struct ipcb_system_plan *p, char *why,
					  size_t len)
{
	struct cpus c = { 0 };
	enum ipcb_system_rc rc = IPCB_SYSTEM_OK;

	if (run_cpus(&c, o->cpus, why, len))
		return IPCB_SYSTEM_BAD_INPUT;
	if (!o->dry_run && real_root() && geteuid() != 0) {
		snprintf(why, len, "needs root (it writes sysfs); --dry-run shows what it would change");
		rc = IPCB_SYSTEM_FAILED;
		goto out;
	}
	if (!o->dry_run && !o->force && access(o->state, F_OK) == 0) {
		snprintf(why, len, "%s holds a saved state already: `ipcbench system reset` first (or --force, which loses the state it saved)",
			 o->state);
		rc = IPCB_SYSTEM_FAILED;
		goto out;
	}
	cpus_format(&c, p->cpus, sizeof(p->cpus));
	plan_governor(p, &c);
	plan_turbo(p, &c);
	plan_idle(p, &c, o->max_us);
	if (o->irqs)
		plan_irqs(p, &c);
out:
	cpus_free(&c);
	return rc;
}

/*
 * Save every old value first, then write: if a write fails the saved state
 * is rewritten with only what changed, so reset never "restores" a file tune
 * did not touch.
 */
enum ipcb_system_rc ipcb_system_tune_apply(const struct ipcb_system_opts *o, struct ipcb_system_plan *p, char *why,
					   size_t len)
{
	char path[PATH_MAX];
	size_t i, ok = 0;
	int rc, failed = 0;
	json_t *state;

	state = state_json(p->v, p->n, o->max_us);
	rc = save_state(o->state, state, why, len);
	json_decref(state);
	if (rc)
		return IPCB_SYSTEM_FAILED;
	for (i = 0; i < p->n; i++) {
		struct ipcb_system_change *ch = &p->v[i];

		path_of(path, sizeof(path), "%s", ch->rel);
		ch->err = write_exact(path, ch->want, strlen(ch->want));
		/* managed and per-CPU interrupts keep their affinity: the kernel's choice, not a failure */
		ch->kept = ch->err && !strncmp(ch->rel, "/proc/irq/", 10) &&
			   (ch->err == -EPERM || ch->err == -EIO || ch->err == -EINVAL);
		failed += ch->err && !ch->kept;
		ok += !ch->err;
	}
	p->changed = ok;
	if (ok < p->n) {
		state = state_json(p->v, p->n, o->max_us);
		save_state(o->state, state, p->warning, sizeof(p->warning));
		json_decref(state);
	}
	if (!ok)
		unlink(o->state);
	return failed ? IPCB_SYSTEM_FAILED : IPCB_SYSTEM_OK;
}

/* ---- system reset: the saved state, then each file written back ---- */

/*
 * Reset writes as root what a file tells it: only the files tune writes
 * (CPU frequency, turbo, idle states, IRQ affinity), never a path that
 * climbs out of them.
 */
static int restorable(const char *rel)
{
	static const char *const prefixes[] = { CPU_DIR "/", "/proc/irq/", NULL };
	int i;

	if (strstr(rel, "/../") || strstr(rel, "/./"))
		return 0;
	for (i = 0; prefixes[i]; i++)
		if (strncmp(rel, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

enum ipcb_restore ipcb_system_restore_file(const json_t *f, int dry_run, struct ipcb_system_restore *r)
{
	const json_t *old = json_object_get(f, "old");

	r->rel = json_string_value(json_object_get(f, "path"));
	r->what = json_string_value(json_object_get(f, "what")) ?: r->rel;
	r->err = 0;
	if (!r->rel || !json_is_string(old))
		return IPCB_RESTORE_MALFORMED;
	if (!restorable(r->rel))
		return IPCB_RESTORE_REFUSED;
	snprintf(r->cur, sizeof(r->cur), "%s", json_string_value(old));
	ipcb_trim(r->cur);
	path_of(r->path, sizeof(r->path), "%s", r->rel);
	if (dry_run)
		return IPCB_RESTORE_DONE;
	r->err = write_exact(r->path, json_string_value(old), json_string_length(old));
	/* as tune: an IRQ gone since (a driver reloaded) or kernel-managed now is nothing to restore */
	if (r->err && strncmp(r->rel, "/proc/irq/", 10) == 0 &&
	    (r->err == -ENOENT || r->err == -EPERM || r->err == -EIO || r->err == -EINVAL))
		return IPCB_RESTORE_GONE;
	return r->err ? IPCB_RESTORE_FAILED : IPCB_RESTORE_DONE;
}

enum ipcb_system_rc ipcb_system_reset_load(const struct ipcb_system_opts *o, json_t **out, char *why, size_t len)
{
	const char *root;
	json_error_t jerr;
	json_t *state, *files;

	*out = NULL;
	/* idempotent, as automation needs: no state means tune changed nothing or reset already ran */
	if (access(o->state, F_OK) != 0 && errno == ENOENT)
		return IPCB_SYSTEM_OK;
	state = json_load_file(o->state, 0, &jerr);
	if (!state) {
		snprintf(why, len, "cannot read the saved state %s (%s)", o->state, jerr.text);
		return IPCB_SYSTEM_FAILED;
	}
	root = json_string_value(json_object_get(state, "root"));
	files = json_object_get(state, "files");
	if (strcmp(json_string_value(json_object_get(state, "schema")) ?: "", STATE_SCHEMA) || !json_is_array(files) ||
	    !root) {
		snprintf(why, len, "%s is not a saved state (%s)", o->state, STATE_SCHEMA);
		json_decref(state);
		return IPCB_SYSTEM_BAD_INPUT;
	}
	if (strcmp(root, ipcb_system_root())) {
		snprintf(why, len, "%s was saved under root %s, not %s (set IPCBENCH_SYSFS_ROOT=%s)", o->state, root,
			 ipcb_system_root(), root);
		json_decref(state);
		return IPCB_SYSTEM_BAD_INPUT;
	}
	if (!o->dry_run && real_root() && geteuid() != 0) {
		snprintf(why, len, "needs root (it writes sysfs)");
		json_decref(state);
		return IPCB_SYSTEM_FAILED;
	}
	*out = state;
	return IPCB_SYSTEM_OK;
}

int ipcb_system_drop_state(const struct ipcb_system_opts *o)
{
	return unlink(o->state) ? -errno : 0;
}

void ipcb_system_default_state(char *buf, size_t len)
{
	default_state_path(buf, len);
}

void ipcb_system_path(char *buf, size_t len, const char *rel)
{
	path_of(buf, len, "%s", rel);
}
