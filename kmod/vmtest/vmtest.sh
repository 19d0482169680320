#!/bin/bash
# shellcheck disable=SC2317 # the steps are called through must()
# vmtest.sh - test kmod/ipcbench.ko in a qemu guest running Debian's kernel.
#
# Our machines run a kernel we cannot load modules into, so: install (as
# root, if missing) Debian's kernel headers, qemu and a static busybox; take
# the kernel image matching the headers out of its .deb; build the module
# against those headers (any compiler warning fails), ipcbench and the fuzzer;
# pack them into a busybox initramfs (kmod/vmtest/init.sh is its /init); boot
# it, bounded by `timeout`, and read the verdicts from the serial console.
# The guest's results JSON comes back as build-vmtest/guest-results.json.
#
# KVM is used only if the CPU shows vmx/svm, /dev/kvm is not kvm_pvm's and a
# probe boot works; otherwise TCG with -cpu max (its timings are emulated:
# they show function, not speed).
#
# usage: kmod/vmtest/vmtest.sh        exit 0 only if every step passed
# env:   VMTEST_OUT (default build-vmtest), VMTEST_ACCEL=tcg|kvm, VMTEST_TIMEOUT (s, default 300)
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${VMTEST_OUT:-$SRC/build-vmtest}
PACKAGES=(linux-headers-amd64 qemu-system-x86 busybox-static libc6-dev)
BAD_LOG='BUG:|Oops|WARNING:|Call Trace'
START=$(date +%s)
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "vmtest: ok   $*"
}
bad() {
	fail=$((fail + 1))
	echo "vmtest: FAIL $*" >&2
}
finish() {
	echo "vmtest: wall time $(($(date +%s) - START)) s${ACCEL:+ (accel: $ACCEL)}"
	echo "vmtest: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
die() {
	bad "$*"
	finish
}
# must WHAT CMD...: a step the rest depends on
must() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		die "$what"
	fi
}

# Run a logged command bounded by a timeout: run LOG SECONDS CMD...
run() {
	local log=$1 limit=$2
	shift 2
	timeout -k 10 "$limit" "$@" >"$log" 2>&1
}

install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "vmtest: missing packages: ${missing[*]}; as root: apt-get install --no-install-recommends ${missing[*]}" >&2
		return 1
	fi
	echo "vmtest: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run "$OUT/apt.log" 300 apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ run "$OUT/apt-update.log" 300 apt-get update &&
			run "$OUT/apt.log" 300 apt-get install -y --no-install-recommends "${missing[@]}"; }
}

# The kernel release the installed linux-headers-amd64 points at: "6.1.0-56-amd64".
kernel_release() {
	dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -1 | sed 's/^linux-headers-//'
}

# Only ./boot/vmlinuz-$KVER out of the 70 MB image package, kept in $OUT between runs.
fetch_kernel() {
	local v dir
	[ -s "$VMLINUZ" ] && return 0
	v=$(dpkg-query -W -f='${Version}' "linux-headers-$KVER")
	dir=$(mktemp -d "$OUT/deb.XXXXXX")
	chmod 755 "$dir" # apt's _apt user writes there
	(cd "$dir" && { run apt-download.log 180 apt-get download "linux-image-$KVER=$v" ||
		run apt-download.log 180 apt-get download "linux-image-$KVER"; }) || {
		cat "$dir/apt-download.log" >&2
		rm -rf "$dir"
		return 1
	}
	dpkg-deb --fsys-tarfile "$dir"/linux-image-*.deb | tar -x -C "$dir" "./boot/vmlinuz-$KVER" &&
		mv "$dir/boot/vmlinuz-$KVER" "$VMLINUZ"
	local rc=$?
	rm -rf "$dir"
	return "$rc"
}

# Kbuild against the headers, in a copy so the source tree stays clean; a warning fails.
build_module() {
	rm -rf "$OUT/kmod" && mkdir -p "$OUT/kmod" || return 1
	cp "$SRC/kmod/ipcbench.c" "$SRC/kmod/ipcbench_uapi.h" "$SRC/kmod/Kbuild" "$OUT/kmod/" || return 1
	if ! run "$OUT/kmod.log" 300 make -C "/lib/modules/$KVER/build" M="$OUT/kmod" modules; then
		cat "$OUT/kmod.log" >&2
		return 1
	fi
	if grep -i 'warning' "$OUT/kmod.log"; then
		echo "vmtest: the module must build without warnings" >&2
		return 1
	fi
	[ -f "$OUT/kmod/ipcbench.ko" ]
}

build_ipcbench() {
	run "$OUT/ipcbench-build.log" 600 bash -c "cmake -S '$SRC' -B '$OUT/ipcbench' -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
		cmake --build '$OUT/ipcbench' --target ipcbench -j$(nproc)" || {
		tail -40 "$OUT/ipcbench-build.log" >&2
		return 1
	}
}

build_fuzz() {
	run "$OUT/fuzz.log" 120 gcc -static -O2 -Wall -Wextra -Wshadow -Werror -pthread -o "$OUT/fuzz" \
		"$SRC/kmod/vmtest/fuzz.c" || {
		cat "$OUT/fuzz.log" >&2
		return 1
	}
}

# Copy a dynamically linked binary and everything ldd says it loads, at the same paths.
copy_with_libs() {
	local bin=$1 root=$2 lib
	cp "$bin" "$root/bin/" || return 1
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || return 1
	done
}

build_initramfs() {
	local root=$OUT/initramfs
	rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp} || return 1
	cp /bin/busybox "$root/bin/busybox" &&
		ln -s busybox "$root/bin/sh" &&
		cp "$SRC/kmod/vmtest/init.sh" "$root/init" && chmod 755 "$root/init" &&
		cp "$OUT/kmod/ipcbench.ko" "$root/" &&
		cp "$OUT/fuzz" "$root/fuzz" &&
		copy_with_libs "$OUT/ipcbench/ipcbench" "$root" || return 1
	(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$INITRD"
}

qemu() {
	local accel=$1 limit=$2 append=$3 log=$4 cpu=(-accel "tcg,thread=multi" -cpu max)
	[ "$accel" = kvm ] && cpu=(-accel kvm -cpu host)
	timeout -k 10 "$limit" qemu-system-x86_64 "${cpu[@]}" -smp 2 -m 1024 -nodefaults -no-user-config \
		-display none -serial stdio -no-reboot -kernel "$VMLINUZ" -initrd "$INITRD" \
		-append "console=ttyS0 loglevel=1 panic=-1 rdinit=/init $append" </dev/null >"$log" 2>&1
}

# KVM only where it can work, and only if a probe boot says so.
pick_accel() {
	if [ -n "${VMTEST_ACCEL:-}" ]; then
		echo "$VMTEST_ACCEL"
	elif [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ] &&
		qemu kvm 30 vmtest.probe "$OUT/kvm-probe.log" && grep -q VMTEST-PROBE-OK "$OUT/kvm-probe.log"; then
		echo kvm
	else
		echo tcg
	fi
}

# The guest's verdicts, one per step.
read_console() {
	local log=$1 line
	while IFS= read -r line; do
		case "$line" in
		"VMTEST PASS "*) ok "guest: ${line#VMTEST PASS }" ;;
		"VMTEST FAIL "*) bad "guest: ${line#VMTEST FAIL }" ;;
		esac
	done < <(tr -d '\r' <"$log")
	if grep -q '^VMTEST-DONE' <(tr -d '\r' <"$log"); then
		ok "guest finished and powered off"
	else
		bad "guest did not finish (timeout, panic or hang): see $log"
	fi
	if [ "$fail" -gt 0 ]; then
		echo "vmtest: last lines of $log:" >&2
		tr -d '\r' <"$log" | grep -v '^[A-Za-z0-9+/=]*$' | tail -60 >&2
	fi
	grep -E "$BAD_LOG" "$log" >&2 && bad "kernel log on the console shows $BAD_LOG"
	grep -a -o -E 'fuzz: ([0-9]* ioctls|write entries|io |memcg).*' "$log" | tr -d '\r' | sed 's/^/vmtest: guest /'
}

# The results JSON the guest printed: decode, validate, and check it means what it should.
read_results() {
	local json=$OUT/guest-results.json
	tr -d '\r' <"$1" | sed -n '/^VMTEST-JSON-BEGIN$/,/^VMTEST-JSON-END$/p' | sed '1d;$d' |
		base64 -d 2>/dev/null | gunzip >"$json" 2>/dev/null
	[ -s "$json" ] || return 1
	"$OUT/ipcbench/ipcbench" validate "$json" >/dev/null || return 1
	command -v jq >/dev/null || return 0
	# the -kmod ones never wait, so they must be ok; under TCG a waiting one may time out
	jq -r '.results[] | select(.status == "failed") | "vmtest: note: guest \(.id) failed: \(.reason)"' "$json"
	jq -e '(.machine.hypervisor | test("^(tcg|kvm)$")) and
		([.results[] | select(.id | test("-kmod$")) | select(.status != "ok")] | length == 0) and
		([.results[] | select(.id | test("-kmod$"))] | length > 0)' "$json" >/dev/null
}

guest_table() {
	command -v jq >/dev/null || return 0
	echo "vmtest: guest per-call medians (ns; under TCG these are emulated: they show function, not speed):"
	jq -r '.results[] | select(.status == "ok") |
		"  \(.id) \(.params | to_entries | map("\(.key)=\(.value)") | join(",")) \(.placement.name): \(.stats.median * 10 | round / 10)"' \
		"$OUT/guest-results.json"
}

mkdir -p "$OUT" || exit 1
VMLINUZ='' INITRD=$OUT/initramfs.cpio ACCEL=''
must "packages: ${PACKAGES[*]} (log: $OUT/apt.log)" install_packages
KVER=$(kernel_release)
must "kernel headers '$KVER' (/lib/modules/$KVER/build)" test -n "$KVER" -a -d "/lib/modules/$KVER/build"
VMLINUZ=$OUT/vmlinuz-$KVER
must "kernel image vmlinuz-$KVER out of linux-image-$KVER" fetch_kernel
must "module built against $KVER without warnings (log: $OUT/kmod.log)" build_module
must "ipcbench built (log: $OUT/ipcbench-build.log)" build_ipcbench
must "fuzzer built (static)" build_fuzz
must "initramfs built" build_initramfs
ACCEL=$(pick_accel)
echo "vmtest: booting with $ACCEL (console: $OUT/console.log)"
boot_start=$(date +%s)
qemu "$ACCEL" "${VMTEST_TIMEOUT:-300}" "" "$OUT/console.log"
rc=$?
echo "vmtest: guest ran $(($(date +%s) - boot_start)) s"
if [ $rc = 0 ]; then
	ok "qemu exited"
else
	bad "qemu exited with $rc$([ $rc = 124 ] && echo ' (timeout)')"
fi
read_console "$OUT/console.log"
if read_results "$OUT/console.log"; then
	ok "guest results JSON valid, labelled $(jq -r .machine.hypervisor "$OUT/guest-results.json" 2>/dev/null), every -kmod result ok"
	guest_table
else
	bad "guest results JSON missing, invalid, or with -kmod results not ok ($OUT/guest-results.json)"
fi
finish
