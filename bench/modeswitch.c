// SPDX-License-Identifier: MIT
/*
 * modeswitch.c - what it costs to cross the user/kernel boundary.
 *
 * One operation is one call. `funcall` is the baseline: a call that cannot be
 * inlined, so the others can be read as "a call plus the crossing". The
 * syscalls are raw syscall(2) invocations, never a libc wrapper that might
 * cache (glibc cached getpid until 2.25); `syscall-invalid` is an unknown
 * syscall number: the kernel's entry and exit path with no work at all, so
 * the gap to getpid is the work of getpid itself. vdso-clock_gettime does not
 * enter the kernel when the clocksource has a vDSO path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipcbench.h"
#include "kmod_client.h"

/* Far above any allocated x86-64/arm64 syscall number: returns -ENOSYS. */
#define INVALID_SYSCALL_NR 0x3fff

__attribute__((noinline)) static long funcall_target(long x)
{
	ipcb_barrier();
	return x + 1;
}

static void funcall_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	long v = 0;

	(void)ctx;
	while (iters--)
		v = funcall_target(v);
	ipcb_keep(v);
}

static int funcall_check(struct ipcb_ctx *ctx)
{
	long v = 0;
	int i;

	for (i = 0; i < 1000; i++)
		v = funcall_target(v);
	if (v != 1000)
		return ipcb_fail(ctx, "funcall: expected 1000, got %ld", v);
	return 0;
}

static void vdso_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	struct timespec ts;

	(void)ctx;
	while (iters--) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ipcb_keep(ts.tv_nsec);
	}
}

/* Without a vDSO-capable clocksource, clock_gettime falls back to a real syscall. */
static int vdso_setup(struct ipcb_ctx *ctx)
{
	char src[64] = "";

	if (!getauxval(AT_SYSINFO_EHDR))
		ipcb_note(ctx, "no vDSO mapped (AT_SYSINFO_EHDR = 0): every call is a syscall");
	ipcb_read_text("/sys/devices/system/clocksource/clocksource0/current_clocksource", src, sizeof(src));
	if (src[0] && strcmp(src, "tsc") && strcmp(src, "kvm-clock") && strcmp(src, "arch_sys_counter") &&
	    strcmp(src, "hyperv_clocksource_tsc_page"))
		ipcb_note(ctx, "clocksource '%s' has no vDSO read path: clock_gettime enters the kernel", src);
	else if (src[0])
		ipcb_note(ctx, "clocksource '%s': read in user space through the vDSO, no mode switch", src);
	return 0;
}

static int vdso_check(struct ipcb_ctx *ctx)
{
	struct timespec a, b;
	int i;

	for (i = 0; i < 1000; i++) {
		if (clock_gettime(CLOCK_MONOTONIC, &a) || clock_gettime(CLOCK_MONOTONIC, &b))
			return ipcb_fail(ctx, "clock_gettime: %s", strerror(errno));
		if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec))
			return ipcb_fail(ctx, "CLOCK_MONOTONIC went backwards");
	}
	return 0;
}

static void getpid_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	(void)ctx;
	while (iters--)
		ipcb_keep(syscall(SYS_getpid));
}

static int getpid_check(struct ipcb_ctx *ctx)
{
	long raw = syscall(SYS_getpid);

	if (raw != (long)getpid())
		return ipcb_fail(ctx, "syscall(SYS_getpid) = %ld, getpid() = %ld", raw, (long)getpid());
	return 0;
}

static void getppid_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	(void)ctx;
	while (iters--)
		ipcb_keep(syscall(SYS_getppid));
}

static int getppid_check(struct ipcb_ctx *ctx)
{
	long raw = syscall(SYS_getppid);

	if (raw != (long)getppid())
		return ipcb_fail(ctx, "syscall(SYS_getppid) = %ld, getppid() = %ld", raw, (long)getppid());
	return 0;
}

static void invalid_body(struct ipcb_ctx *ctx, uint64_t iters)
{
	(void)ctx;
	while (iters--)
		ipcb_keep(syscall(INVALID_SYSCALL_NR));
}

static int invalid_check(struct ipcb_ctx *ctx)
{
	errno = 0;
	if (syscall(INVALID_SYSCALL_NR) != -1 || errno != ENOSYS)
		return ipcb_fail(ctx, "syscall(%#x) did not fail with ENOSYS (errno %d): a seccomp filter or a new syscall?",
				 INVALID_SYSCALL_NR, errno);
	return 0;
}

static const struct ipcb_bench modeswitch_benches[] = {
	{
		.id = "modeswitch/funcall",
		.what = "a non-inlined function call: the baseline the others are read against",
		.unit_of_work = "call",
		.nthreads = 1,
		.body = funcall_body,
		.check = funcall_check,
		.note = "call + return + one add; a few cycles, the floor under every other figure",
	},
	{
		.id = "modeswitch/vdso-clock_gettime",
		.what = "clock_gettime(CLOCK_MONOTONIC) through the vDSO: time without a mode switch",
		.unit_of_work = "call",
		.nthreads = 1,
		.setup = vdso_setup,
		.body = vdso_body,
		.check = vdso_check,
	},
	{
		.id = "modeswitch/syscall-getpid",
		.what = "syscall(SYS_getpid): a round trip into the kernel with trivial work",
		.unit_of_work = "syscall",
		.nthreads = 1,
		.body = getpid_body,
		.check = getpid_check,
		.note = "entry + exit dominate; their cost depends on CPU mitigations (see machine.mitigations)",
	},
	{
		.id = "modeswitch/syscall-getppid",
		.what = "syscall(SYS_getppid): like getpid, but reads the parent under RCU",
		.unit_of_work = "syscall",
		.nthreads = 1,
		.body = getppid_body,
		.check = getppid_check,
	},
	{
		.id = "modeswitch/syscall-invalid",
		.what = "an unknown syscall number (-ENOSYS): kernel entry and exit with no work",
		.unit_of_work = "syscall",
		.nthreads = 1,
		.body = invalid_body,
		.check = invalid_check,
		.note = "the bare mode-switch cost: entry, the table bounds check, exit",
	},
	{
		.id = "modeswitch/ioctl-nop",
		.what = "ioctl(/dev/ipcbench, IPCB_IOC_NOP): a round trip into a driver (needs the ipcbench module)",
		.unit_of_work = "syscall",
		.nthreads = 1,
		.supported = ipcb_kmod_supported,
		.setup = ipcb_kmod_nop_setup,
		.body = ipcb_kmod_nop_body,
		.check = ipcb_kmod_nop_check,
		.teardown = ipcb_kmod_nop_teardown,
		.note = "getpid's entry and exit plus the ioctl path: fdget, the security hook, the driver's switch",
	},
	{ .id = NULL },
};

const struct ipcb_family ipcb_family_modeswitch = {
	.name = "modeswitch",
	.what = "the user/kernel mode switch: a call vs the vDSO vs a syscall",
	.benches = modeswitch_benches,
};
