// SPDX-License-Identifier: MIT
/*
 * machine.c - the machine fingerprint and capability probes.
 *
 * A number means little without the machine that made it: the CPU and its
 * microcode, the kernel and its mitigations, the frequency policy, SMT and
 * whether we run under a hypervisor. Everything here fails soft: a missing
 * file (cpufreq in a VM, vulnerabilities on an old kernel) becomes null
 * plus a "<field>_reason", never an abort.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "machine.h"
#include "ipcbench.h"
#include "sysfs.h"
#include "system.h"
#include "topo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define IPCB_HAVE_CPUID 1
#else
#define IPCB_HAVE_CPUID 0
#endif

#define REASON_LEN 256
#define TEXT_LEN 1024

/* ---- small file helpers ---- */

static int path_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* key = null, key_reason = reason: the schema's way to say "unknown, and why". */
static void set_null(json_t *obj, const char *key, const char *reason)
{
	char rkey[64];

	snprintf(rkey, sizeof(rkey), "%s_reason", key);
	json_object_set_new(obj, key, json_null());
	json_object_set_new(obj, rkey, json_string(reason));
}

static void set_null_errno(json_t *obj, const char *key, const char *path,
			   int err)
{
	char reason[REASON_LEN];

	snprintf(reason, sizeof(reason), "%s: %s", path, strerror(err));
	set_null(obj, key, reason);
}

/* ---- CPUID ---- */

#if IPCB_HAVE_CPUID
/* 0 and the registers, or -1 when the leaf is beyond the CPU's maximum. */
static int cpuid(unsigned int leaf, unsigned int sub, unsigned int r[4])
{
	unsigned int max = __get_cpuid_max(leaf & 0x80000000u, NULL);

	if (max < leaf)
		return -1;
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
	return 0;
}

/* Hypervisor leaves are not covered by the basic or extended maximum. */
static void cpuid_hv_vendor(unsigned int leaf, char sig[13])
{
	unsigned int a, b, c, d;

	__cpuid(leaf, a, b, c, d);
	(void)a;
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
}
#endif

/* 1 if CPUID.7.0:ECX has both PKU (bit 3) and OSPKE (bit 4), else 0 and why. */
static int probe_ospke(char *why, size_t len)
{
#if IPCB_HAVE_CPUID
	unsigned int r[4] = { 0 };

	/* A CPU without leaf 7 has no PKU: its ECX[3] reads as 0. */
	cpuid(7, 0, r);
	if (!(r[2] & (1u << 3))) {
		snprintf(why, len, "CPU lacks PKU (CPUID.7.0:ECX[3] = 0)");
		return 0;
	}
	if (!(r[2] & (1u << 4))) {
		snprintf(why, len,
			 "OS has not enabled PKU (CPUID.7.0:ECX[4] OSPKE = 0)");
		return 0;
	}
	snprintf(why, len, "CPUID.7.0:ECX[4] OSPKE = 1");
	return 1;
#else
	snprintf(why, len, "PKU is an x86 feature (CPUID is not available here)");
	return 0;
#endif
}

/* The CPU bits are not enough: the kernel may be built without pkeys. */
static int try_pkey_alloc(char *why, size_t len)
{
#ifdef SYS_pkey_alloc
	long key = syscall(SYS_pkey_alloc, 0UL, 0UL);

	if (key < 0) {
		snprintf(why, len, "kernel refuses pkey_alloc: %s",
			 errno == ENOSPC ? "no protection keys left" :
					   strerror(errno));
		return 0;
	}
	syscall(SYS_pkey_free, key);
	snprintf(why, len, "PKU and OSPKE set; pkey_alloc works");
	return 1;
#else
	snprintf(why, len, "this libc's headers lack SYS_pkey_alloc");
	return 0;
#endif
}

int ipcb_have_pku(char *why, size_t len)
{
	if (!probe_ospke(why, len))
		return 0;
	return try_pkey_alloc(why, len);
}

static int probe_invariant_tsc(char *why, size_t len)
{
#if IPCB_HAVE_CPUID
	unsigned int r[4] = { 0 };

	if (cpuid(0x80000007u, 0, r) < 0) {
		snprintf(why, len,
			 "CPUID max extended leaf 0x%x < 0x80000007: no invariant TSC bit",
			 __get_cpuid_max(0x80000000u, NULL));
		return 0;
	}
	if (!(r[3] & (1u << 8))) {
		snprintf(why, len, "CPUID.80000007H:EDX[8] (invariant TSC) = 0");
		return 0;
	}
	snprintf(why, len, "CPUID.80000007H:EDX[8] = 1");
	return 1;
#else
	snprintf(why, len, "no x86 TSC on this architecture");
	return 0;
#endif
}

int ipcb_have_invariant_tsc(void)
{
	char why[REASON_LEN];

	return probe_invariant_tsc(why, sizeof(why));
}

/* ---- kernel facilities ---- */

int ipcb_have_io_uring(char *why, size_t len)
{
	struct io_uring ring;
	char disabled[32];
	int rc;

	rc = io_uring_queue_init(2, &ring, 0);
	if (rc == 0) {
		io_uring_queue_exit(&ring);
		snprintf(why, len, "io_uring_queue_init works");
		return 1;
	}
	/* Since 6.6 a sysctl can turn io_uring off; seccomp (containers) too. */
	if (ipcb_read_text("/proc/sys/kernel/io_uring_disabled", disabled,
		      sizeof(disabled)) == 0)
		snprintf(why, len, "io_uring_setup: %s (kernel.io_uring_disabled=%s)",
			 strerror(-rc), disabled);
	else
		snprintf(why, len, "io_uring_setup: %s", strerror(-rc));
	return 0;
}

static const char *perf_errno_meaning(int err)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return "not supported: hardware counters not exposed (common in VMs)";
	case EACCES:
	case EPERM:
		return "not permitted (perf_event_paranoid, a capability or seccomp)";
	case ENOSYS:
		return "not supported: no perf_event_open in this kernel, or seccomp blocks it";
	default:
		return "unexpected error";
	}
}

static void perf_fail(char *why, size_t len, const char *what, int err)
{
	char paranoid[32];

	if (ipcb_read_text("/proc/sys/kernel/perf_event_paranoid", paranoid,
		      sizeof(paranoid)))
		snprintf(paranoid, sizeof(paranoid), "unreadable");
	snprintf(why, len, "perf_event_open(cycles): %s%s%s; perf_event_paranoid=%s",
		 what, err ? ": " : "", err ? perf_errno_meaning(err) : "",
		 paranoid);
}

/*
 * Some hypervisors accept the event but never count: run a little work
 * and require a non-zero reading.
 */
static int perf_counts(int fd, uint64_t *count)
{
	volatile unsigned int spin;

	if (ioctl(fd, PERF_EVENT_IOC_RESET, 0) < 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return -errno;
	for (spin = 0; spin < 100000; spin++)
		;
	if (ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) < 0)
		return -errno;
	if (read(fd, count, sizeof(*count)) != (ssize_t)sizeof(*count))
		return -EIO;
	return 0;
}

int ipcb_have_perf_counters(char *why, size_t len)
{
	struct perf_event_attr attr;
	uint64_t count = 0;
	char msg[96];
	int fd, err;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		err = errno;
		perf_fail(why, len, strerror(err), err);
		return 0;
	}
	err = perf_counts(fd, &count);
	close(fd);
	if (err) {
		snprintf(msg, sizeof(msg), "opens, but counting fails: %s",
			 strerror(-err));
		perf_fail(why, len, msg, 0);
		return 0;
	}
	if (!count) {
		perf_fail(why, len, "opens but counts 0 (PMU not virtualized?)", 0);
		return 0;
	}
	snprintf(why, len, "cycles counter opens and counts");
	return 1;
}

int ipcb_have_kmod(char *why, size_t len)
{
	int fd = open("/dev/ipcbench", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		snprintf(why, len, "/dev/ipcbench opens");
		return 1;
	}
	if (errno == ENOENT)
		snprintf(why, len, "kernel module not loaded (/dev/ipcbench: %s)",
			 strerror(errno));
	else
		snprintf(why, len, "/dev/ipcbench: %s", strerror(errno));
	return 0;
}

/* ---- hypervisor ---- */

#if IPCB_HAVE_CPUID
static const struct {
	const char *sig;
	const char *name;
} hv_names[] = {
	{ "KVMKVMKVM", "kvm" },
	{ "Microsoft Hv", "hyperv" },
	{ "VMwareVMware", "vmware" },
	{ "XenVMMXenVMM", "xen" },
	{ "TCGTCGTCGTCG", "tcg" },
	{ "bhyve bhyve ", "bhyve" },
	{ " lrpepyh  vr", "parallels" },
	{ "ACRNACRNACRN", "acrn" },
	{ "VBoxVBoxVBox", "virtualbox" },
	{ "QNXQVMBSQG", "qnx" },
	{ "Jailhouse", "jailhouse" },
};

static const char *hv_friendly(const char *sig)
{
	size_t i;

	for (i = 0; i < sizeof(hv_names) / sizeof(hv_names[0]); i++)
		if (!strcmp(sig, hv_names[i].sig))
			return hv_names[i].name;
	return NULL;
}

/* The raw signature of an unknown hypervisor, made printable. */
static void hv_raw(const char *sig, char *buf, size_t len)
{
	char clean[13];
	int i;

	for (i = 0; i < 12 && sig[i]; i++)
		clean[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
	clean[i] = '\0';
	ipcb_trim(clean);
	snprintf(buf, len, "%s", clean[0] ? clean : "unknown");
}

/* 1 and the name in buf when CPUID reports a hypervisor. */
static int hv_from_cpuid(char *buf, size_t len)
{
	unsigned int r[4];
	char sig[13], sig2[13];
	const char *name;

	if (cpuid(1, 0, r) < 0 || !(r[2] & (1u << 31)))
		return 0;
	cpuid_hv_vendor(0x40000000u, sig);
	name = hv_friendly(sig);
	/* KVM and Xen with Hyper-V enlightenments put their own leaves at 0x40000100. */
	if (name && !strcmp(name, "hyperv")) {
		cpuid_hv_vendor(0x40000100u, sig2);
		if (!strcmp(sig2, "KVMKVMKVM") || !strcmp(sig2, "XenVMMXenVMM"))
			name = hv_friendly(sig2);
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else
		hv_raw(sig, buf, len);
	return 1;
}
#endif

const char *ipcb_hypervisor(char *buf, size_t len)
{
	char type[64];

#if IPCB_HAVE_CPUID
	if (hv_from_cpuid(buf, len))
		return buf;
#endif
	/* Xen PV guests and non-x86 guests may only say so here. */
	if (ipcb_read_text("/sys/hypervisor/type", type, sizeof(type)) == 0 && type[0])
		snprintf(buf, len, "%s", type);
	else
		snprintf(buf, len, "none");
	return buf;
}

/* ---- the fingerprint ---- */

/* The value of "key" in the first processor block of /proc/cpuinfo. */
static int cpuinfo_field(const char *key, char *buf, size_t len)
{
	return ipcb_read_field("/proc/cpuinfo", key, buf, len) ? -1 : 0;
}

#if IPCB_HAVE_CPUID
static int cpuid_brand(char *buf, size_t len)
{
	unsigned int r[12] = { 0 };

	if (cpuid(0x80000004u, 0, r + 8) < 0)
		return -1;
	cpuid(0x80000002u, 0, r);
	cpuid(0x80000003u, 0, r + 4);
	snprintf(buf, len, "%.48s", (const char *)r);
	ipcb_trim(buf);
	return 0;
}
#endif

static void add_cpuinfo(json_t *m, const char *key, const char *field,
			const char *alt)
{
	char val[256];

	if (cpuinfo_field(field, val, sizeof(val)) == 0 ||
	    (alt && cpuinfo_field(alt, val, sizeof(val)) == 0))
		json_object_set_new(m, key, json_string(val));
	else
		set_null(m, key, "not in the first block of /proc/cpuinfo");
}

static void add_cpu_ids(json_t *m)
{
	char path[128], val[64];

	add_cpuinfo(m, "cpu_model", "model name", "Processor");
#if IPCB_HAVE_CPUID
	if (json_is_null(json_object_get(m, "cpu_model")) &&
	    cpuid_brand(val, sizeof(val)) == 0) {
		json_object_del(m, "cpu_model_reason");
		json_object_set_new(m, "cpu_model", json_string(val));
	}
#endif
	add_cpuinfo(m, "vendor", "vendor_id", "CPU implementer");
	/* A VM's model string can hide the CPU ("AMD EPYC"): these tell two apart in compare. */
	add_cpuinfo(m, "cpu_family", "cpu family", "CPU architecture");
	add_cpuinfo(m, "cpu_model_number", "model", "CPU part");
	add_cpuinfo(m, "cpu_stepping", "stepping", "CPU revision");
	add_cpuinfo(m, "microcode", "microcode", NULL);
	if (!json_is_null(json_object_get(m, "microcode")))
		return;
	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/microcode/version",
		 ipcb_topo_single_cpu() < 0 ? 0 : ipcb_topo_single_cpu());
	if (ipcb_read_text(path, val, sizeof(val)) == 0) {
		json_object_del(m, "microcode_reason");
		json_object_set_new(m, "microcode", json_string(val));
	}
}

static void add_hostname(json_t *m)
{
	char host[256];

	if (gethostname(host, sizeof(host)) < 0) {
		set_null_errno(m, "hostname", "gethostname", errno);
		return;
	}
	host[sizeof(host) - 1] = '\0';
	json_object_set_new(m, "hostname", json_string(host));
}

static void add_kernel(json_t *m)
{
	struct utsname u;
	char buf[4 * sizeof(u.release) + 4];

	if (uname(&u) < 0) {
		set_null_errno(m, "kernel", "uname", errno);
		return;
	}
	snprintf(buf, sizeof(buf), "%s %s %s %s", u.sysname, u.release,
		 u.version, u.machine);
	json_object_set_new(m, "kernel", json_string(buf));
}

static void add_cpus(json_t *m)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	json_t *aff = json_array();
	int i, n = ipcb_topo_ncpus();

	if (online > 0)
		json_object_set_new(m, "cpus", json_integer(online));
	else
		set_null(m, "cpus", "sysconf(_SC_NPROCESSORS_ONLN) failed");
	for (i = 0; aff && i < n; i++)
		json_array_append_new(aff, json_integer(ipcb_topo_cpu(i)));
	json_object_set_new(m, "affinity", aff ? aff : json_null());
}

static void add_topology(json_t *m)
{
	char err[REASON_LEN];
	json_t *t;

	if (ipcb_topo_init(err, sizeof(err)) < 0) {
		set_null(m, "topology", err);
		return;
	}
	t = ipcb_topo_json();
	if (t)
		json_object_set_new(m, "topology", t);
	else
		set_null(m, "topology", "could not build the topology summary");
	if (ipcb_topo_simulated(err, sizeof(err)))
		json_object_set_new(m, "simulated", json_string(err));
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void add_mitigations(json_t *m)
{
	static const char dir[] = "/sys/devices/system/cpu/vulnerabilities";
	struct dirent **names;
	char path[512], text[TEXT_LEN];
	json_t *obj;
	int i, n, rc;

	/* Sorted, so two runs on one machine produce the same document. */
	n = scandir(dir, &names, skip_dot, alphasort);
	if (n < 0) {
		set_null_errno(m, "mitigations", dir, errno);
		return;
	}
	obj = json_object();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		rc = ipcb_read_text(path, text, sizeof(text));
		if (rc)
			snprintf(text, sizeof(text), "unreadable: %s", strerror(-rc));
		json_object_set_new(obj, names[i]->d_name, json_string(text));
		free(names[i]);
	}
	free(names);
	json_object_set_new(m, "mitigations", obj ? obj : json_null());
}

static void add_governor(json_t *m)
{
	char dir[128], path[192], val[64];
	int cpu = ipcb_topo_single_cpu(), rc;

	snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%d/cpufreq",
		 cpu < 0 ? 0 : cpu);
	if (!path_exists(dir)) {
		set_null(m, "governor", "cpufreq not exposed (common in VMs)");
		return;
	}
	snprintf(path, sizeof(path), "%s/scaling_governor", dir);
	rc = ipcb_read_text(path, val, sizeof(val));
	if (rc)
		set_null_errno(m, "governor", path, -rc);
	else
		json_object_set_new(m, "governor", json_string(val));
}

/* 1 on, 0 off, -1 not exposed; intel_pstate says "no_turbo", so invert it. */
static int read_turbo(void)
{
	char val[16], path[128];
	int cpu = ipcb_topo_single_cpu();

	if (ipcb_read_text("/sys/devices/system/cpu/intel_pstate/no_turbo", val,
		      sizeof(val)) == 0)
		return atoi(val) == 0;
	if (ipcb_read_text("/sys/devices/system/cpu/cpufreq/boost", val,
		      sizeof(val)) == 0)
		return atoi(val) != 0;
	/* amd-pstate and newer acpi-cpufreq expose boost per policy. */
	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/cpufreq/boost", cpu < 0 ? 0 : cpu);
	if (ipcb_read_text(path, val, sizeof(val)) == 0)
		return atoi(val) != 0;
	return -1;
}

static void add_turbo(json_t *m)
{
	int turbo = read_turbo();

	if (turbo < 0)
		set_null(m, "turbo",
			 "no turbo control exposed (intel_pstate/no_turbo and cpufreq/boost absent)");
	else
		json_object_set_new(m, "turbo", json_boolean(turbo));
}

static void add_smt(json_t *m)
{
	static const char active[] = "/sys/devices/system/cpu/smt/active";
	static const char control[] = "/sys/devices/system/cpu/smt/control";
	char val[32];
	int rc;

	rc = ipcb_read_text(active, val, sizeof(val));
	if (rc)
		set_null_errno(m, "smt", active, -rc);
	else
		json_object_set_new(m, "smt", json_string(atoi(val) ? "on" : "off"));
	rc = ipcb_read_text(control, val, sizeof(val));
	if (rc)
		set_null_errno(m, "smt_control", control, -rc);
	else
		json_object_set_new(m, "smt_control", json_string(val));
}

static void add_loadavg(json_t *m)
{
	static const char path[] = "/proc/loadavg";
	char text[128];
	double l1, l5, l15;
	int rc;

	rc = ipcb_read_text(path, text, sizeof(text));
	if (rc) {
		set_null_errno(m, "loadavg", path, -rc);
		return;
	}
	if (sscanf(text, "%lf %lf %lf", &l1, &l5, &l15) != 3) {
		set_null(m, "loadavg", "/proc/loadavg: unexpected format");
		return;
	}
	json_object_set_new(m, "loadavg", json_pack("[f,f,f]", l1, l5, l15));
}

static json_t *feature(int available, const char *reason)
{
	return json_pack("{s:b,s:s}", "available", available, "reason", reason);
}

static json_t *features_json(void)
{
	json_t *f = json_object();
	char why[REASON_LEN];
	int ok;

	if (!f)
		return NULL;
	ok = ipcb_have_pku(why, sizeof(why));
	json_object_set_new(f, "pku", feature(ok, why));
	ok = probe_ospke(why, sizeof(why));
	json_object_set_new(f, "ospke", feature(ok, why));
	ok = ipcb_have_io_uring(why, sizeof(why));
	json_object_set_new(f, "io_uring", feature(ok, why));
	ok = ipcb_have_perf_counters(why, sizeof(why));
	json_object_set_new(f, "perf_counters", feature(ok, why));
	ok = ipcb_have_kmod(why, sizeof(why));
	json_object_set_new(f, "kmod", feature(ok, why));
	ok = probe_invariant_tsc(why, sizeof(why));
	json_object_set_new(f, "invariant_tsc", feature(ok, why));
	return f;
}

json_t *ipcb_machine_json(void)
{
	json_t *m = json_object();
	char hv[64];

	if (!m)
		return NULL;
	add_hostname(m);
	add_cpu_ids(m);
	add_cpus(m);
	add_topology(m);
	add_kernel(m);
	add_mitigations(m);
	add_governor(m);
	add_turbo(m);
	add_smt(m);
	json_object_set_new(m, "hypervisor",
			    json_string(ipcb_hypervisor(hv, sizeof(hv))));
	add_loadavg(m);
	json_object_set_new(m, "features", features_json());
	json_object_set_new(m, "system", ipcb_system_json());
	return m;
}

/* ---- warnings ---- */

static void warn(json_t *arr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(json_t *arr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(arr, json_string(buf));
}

static const char *get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The effective CPU count: the affinity mask, else the online count. */
static long usable_cpus(const json_t *machine)
{
	const json_t *aff = json_object_get(machine, "affinity");

	if (json_is_array(aff))
		return (long)json_array_size(aff);
	return (long)json_integer_value(json_object_get(machine, "cpus"));
}

static void warn_load(const json_t *machine, json_t *arr)
{
	const json_t *load = json_array_get(json_object_get(machine, "loadavg"), 0);
	long cpus = json_integer_value(json_object_get(machine, "cpus"));
	double l1;

	if (!json_is_number(load) || cpus <= 0)
		return;
	l1 = json_number_value(load);
	/* The load average is system wide, so compare it with all online CPUs. */
	if (l1 > 0.5 * cpus)
		warn(arr, "load average %.3g on %ld CPU%s: other work competes for the CPUs",
		     l1, cpus, cpus == 1 ? "" : "s");
}

static int smt_present(const json_t *machine)
{
	const json_t *topo = json_object_get(machine, "topology");
	const char *smt = get_str(machine, "smt");
	json_int_t cores, pus;

	if (smt)
		return !strcmp(smt, "on");
	cores = json_integer_value(json_object_get(topo, "cores"));
	pus = json_integer_value(json_object_get(topo, "pus"));
	return cores > 0 && pus > cores;
}

static void warn_untuned(const json_t *machine, json_t *arr)
{
	char what[256];

	if (ipcb_system_untuned(json_object_get(machine, "system"), what, sizeof(what)))
		warn(arr, "this machine is not tuned for benchmarks (%s): `sudo ipcbench system tune` sets it and `ipcbench system reset` undoes it, or run --idle-latency 0 holds the idle states off for one run; `ipcbench system show` says why each matters",
		     what);
}

void ipcb_machine_warnings(const json_t *machine, json_t *arr)
{
	const char *hv, *gov;
	long cpus;

	if (!json_is_object(machine) || !json_is_array(arr))
		return;
	if (get_str(machine, "simulated"))
		warn(arr, "SIMULATED topology (%s): the topology, CPUs and placements are that machine's, everything else this one's; only info, list and run --dry-run take it",
		     get_str(machine, "simulated"));
	hv = get_str(machine, "hypervisor");
	gov = get_str(machine, "governor");
	cpus = usable_cpus(machine);
	if (hv && strcmp(hv, "none"))
		warn(arr, "running under a hypervisor (%s): cross-CPU wake-ups include the cost of waking a halted vCPU; absolute figures differ from bare metal",
		     hv);
	if (gov && strcmp(gov, "performance"))
		warn(arr, "governor is '%s', not 'performance': frequency changes skew results",
		     gov);
	if (json_is_true(json_object_get(machine, "turbo")))
		warn(arr, "turbo boost is on: frequency varies with load and temperature");
	warn_load(machine, arr);
	if (cpus > 0 && cpus < 2)
		warn(arr, "only %ld CPU available: two-thread placements other than same-cpu are skipped",
		     cpus);
	if (smt_present(machine))
		warn(arr, "SMT siblings present: a busy sibling slows the measured thread");
	warn_untuned(machine, arr);
}
