#!/bin/busybox sh
# init.sh - /init of the vmtest guest (busybox sh, PID 1): load ipcbench.ko,
# test it, send the results to the host, unload it and power off.
#
# The host reads the serial console: "VMTEST PASS|FAIL <step>" per step, the
# results JSON (gzip, base64) between VMTEST-JSON-BEGIN and VMTEST-JSON-END,
# and VMTEST-DONE last. Kernel messages are kept off the console (dmesg -n 1)
# so nothing interleaves with those lines; the kernel log is checked here.
export PATH=/bin
# BAD_LOG: what the kernel log must never show. Taint bits allowed: O (4096,
# out-of-tree) and E (8192, unsigned module): an unsigned test module sets them.
BAD_LOG='BUG:|Oops|WARNING:|Call Trace'
ALLOWED_TAINT=$((4096 | 8192))
failed=0

# step NAME SECONDS CMD...: run CMD bounded by a timeout and report it
step() {
	name=$1
	limit=$2
	shift 2
	echo "VMTEST BEGIN $name"
	t0=$(date +%s)
	timeout -k 5 "$limit" "$@"
	rc=$?
	t=$(($(date +%s) - t0))
	if [ "$rc" = 0 ]; then
		echo "VMTEST PASS $name (${t} s)"
	else
		echo "VMTEST FAIL $name (exit $rc$([ "$rc" -ge 124 ] && echo ', timeout or signal'), ${t} s)"
		failed=1
	fi
}

# The checks run as `sh /init check-...` so that `timeout` can bound them.
case "${1:-}" in
check-log)
	if dmesg | grep -E "$BAD_LOG"; then
		dmesg | tail -80
		exit 1
	fi
	t=$(cat /proc/sys/kernel/tainted)
	echo "tainted=$t"
	[ $((t & ~ALLOWED_TAINT)) = 0 ]
	exit
	;;
check-insmod)
	# root-only: crw------- root root
	insmod /ipcbench.ko && [ -c /dev/ipcbench ] && grep -w ipcbench /proc/modules &&
		ls -l /dev/ipcbench && [ "$(stat -c '%a %u' /dev/ipcbench)" = "600 0" ]
	exit
	;;
check-test)
	# with the module loaded, nothing that needs it may be skipped
	ipcbench test 'batch/*' 'modeswitch/*' >/tmp/test.out 2>&1
	rc=$?
	cat /tmp/test.out
	[ "$rc" = 0 ] || exit 1
	grep -q '^PASS batch/getpid-kmod' /tmp/test.out || exit 1
	! grep -E '^SKIP (batch/[a-z-]*-kmod|modeswitch/ioctl-nop)' /tmp/test.out
	exit
	;;
check-pkey)
	# -cpu max exposes PKU: here every pkey check must run, none may be skipped
	grep -w -o -E 'pku|ospke' /proc/cpuinfo | sort -u
	ipcbench test 'pkey/*' >/tmp/pkey.out 2>&1
	rc=$?
	cat /tmp/pkey.out
	[ "$rc" = 0 ] || exit 1
	! grep -q '^SKIP' /tmp/pkey.out
	exit
	;;
check-busy)
	# a process holding the device keeps the module: rmmod must be refused
	exec 3</dev/ipcbench
	if rmmod ipcbench; then
		echo "rmmod succeeded while /dev/ipcbench was open"
		exit 1
	fi
	grep -w ipcbench /proc/modules
	exit
	;;
check-run)
	# the syscall and the driver round trip beside the batches, when this ipcbench has them
	extra=
	for b in modeswitch/syscall-getpid modeswitch/ioctl-nop; do
		ipcbench list "$b" >/dev/null 2>&1 && extra="$extra $b"
	done
	# shellcheck disable=SC2086 # $extra is a list of ids
	ipcbench run 'batch/*' $extra --param batch=1,8,64,512 --param table=shared,copy \
		--time-budget 0.05 -q -o /results.json || exit 1
	echo "VMTEST-JSON-BEGIN"
	gzip -c /results.json | base64
	echo "VMTEST-JSON-END"
	exit
	;;
check-rmmod)
	rmmod ipcbench && [ ! -e /dev/ipcbench ] && ! grep -qw ipcbench /proc/modules
	exit
	;;
esac

# PID 1 from here on
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# the fuzzer checks that the device's memory is charged to a memory cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
dmesg -n 1
if grep -qw vmtest.probe /proc/cmdline; then
	echo "VMTEST-PROBE-OK"
	poweroff -f
fi
echo "VMTEST guest: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo)"
step boot-log 20 sh /init check-log
step insmod 20 sh /init check-insmod
step ipcbench-test 240 sh /init check-test
step ipcbench-test-pkey 120 sh /init check-pkey
step rmmod-while-open 20 sh /init check-busy
step fuzz 180 /fuzz -n 40000 -j 4 -t 60
step ipcbench-run 240 sh /init check-run
step kernel-log 20 sh /init check-log
step rmmod 20 sh /init check-rmmod
step kernel-log-after-rmmod 20 sh /init check-log
[ "$failed" = 0 ] || dmesg | tail -40
echo "VMTEST-DONE"
poweroff -f
