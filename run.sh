#!/bin/bash
# ipcbench's one entry point: ./run.sh [deps|build|run|test|plot|vmtest|app|fleet|clean]
#   (none)  deps + build + run the default suite (results/<host>-<UTC>.json) + plots
#   deps    install the missing Debian packages (as root, or through sudo)
#   build   configure and build with CMake into build/
#   run     build, then `ipcbench run` with any further arguments
#   test    deps + build + the whole test suite three times: as built, pinned to one CPU, and
#           built with ASan+UBSan in build-asan/ (--quick: the first pass only; more args: ctest's)
#   plot F  plots of a results file into plots/<name of F>/
#   vmtest  the kernel module in a qemu guest (kmod/vmtest/vmtest.sh)
#   app A   a real application with lock interposition (app/A.sh), e.g. memcached
#   fleet I one suite on every host of Ansible inventory I (README: Many machines)
set -euo pipefail
cd "$(dirname "$0")"

BUILD=${BUILD:-build}
PACKAGES=(cmake make gcc pkg-config libhwloc-dev libjansson-dev libpfm4-dev liburing-dev libuv1-dev gnuplot-nox jq)
# what the tests need besides: the fuzzer (clang's libFuzzer), the watchdog test (python3), the
# memcached driver, and the kernel module's qemu guest (kmod/vmtest/vmtest.sh)
TEST_PACKAGES=(clang python3 memcached libmemcached-tools linux-headers-amd64 qemu-system-x86 busybox-static libc6-dev)

missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
	done
}

# deps [PACKAGE...]: install what is missing of PACKAGES and the packages named
deps() {
	local missing
	if ! command -v dpkg-query >/dev/null; then
		echo "run.sh: not a Debian/Ubuntu system; install: ${PACKAGES[*]} $*" >&2
		return 0
	fi
	missing=$(missing_packages "${PACKAGES[@]}" "$@" | tr '\n' ' ')
	[ -z "${missing// /}" ] && return 0
	local cmd="apt-get update && apt-get install -y --no-install-recommends $missing"
	if [ "$(id -u)" = 0 ]; then
		echo "run.sh: installing $missing" >&2
		DEBIAN_FRONTEND=noninteractive bash -c "$cmd" >&2
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		echo "run.sh: installing $missing (sudo)" >&2
		sudo DEBIAN_FRONTEND=noninteractive bash -c "$cmd" >&2
	else
		echo "run.sh: missing packages: $missing" >&2
		echo "run.sh: install them with:  sudo bash -c '$cmd'" >&2
		exit 1
	fi
}

build() {
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD" -j"$(nproc)"
}

plot() {
	local f=$1 name
	name=$(basename "$f" .json)
	mkdir -p "plots/$name"
	"$BUILD/ipcbench" plot "$f" -o "plots/$name"
}

# timed LABEL CMD...: run CMD and say how long it took (the whole CI must stay under 25 minutes)
timed() {
	local label=$1 start rc=0
	shift
	start=$(date +%s)
	"$@" || rc=$?
	echo "run.sh test: $label: $(($(date +%s) - start)) s, exit $rc" | tee -a "$TEST_SUMMARY" >&2
	return $rc
}

# The suite three times, as CI runs it (.ci/run); a failed pass does not stop the next ones.
#  1. as built, in build/;
#  2. pinned to one CPU of the affinity mask, as on a 1-vCPU VM or in a one-CPU cpuset: the
#     placements, the checks and the skips all change. Not the kernel module's guest (it boots
#     its own machine), the fuzzer (it would do the same work again) nor the fleet (Ansible
#     driving this machine twice proves nothing new about one CPU or a sanitizer);
#  3. built with ASan and UBSan in build-asan/ (the interposer stays plain: CMakeLists.txt),
#     without the guest, the fuzzer (already sanitized) and the fleet. A report from any process fails
#     the pass, even one whose exit status a test ignores: reports are collected in
#     build-asan/sanitizer/ and printed at the end.
# `./run.sh test --quick`: the first pass only. Further arguments go to every ctest (-R NAME).
ONE_CPU_SKIP='vm/kmod|family-fuzz|family-fleet'
SANITIZE_SKIP='vm/kmod|family-fuzz|family-fleet'
run_tests() {
	local quick=0 rc=0 cpu asan=$BUILD-asan
	if [ "${1:-}" = --quick ]; then
		quick=1
		shift
	fi
	TEST_SUMMARY=$(mktemp)
	(cd "$BUILD" && timed "pass 1, as built" ctest --output-on-failure "$@") || rc=1
	if [ "$quick" = 0 ]; then
		cpu=$(awk '/^Cpus_allowed_list:/ {split($2, a, /[-,]/); print a[1]}' /proc/self/status)
		(cd "$BUILD" && timed "pass 2, on CPU $cpu only" taskset -c "$cpu" \
			ctest --output-on-failure -E "$ONE_CPU_SKIP" "$@") || rc=1
		sanitized "$asan" "$@" || rc=1
	fi
	cat "$TEST_SUMMARY" >&2
	rm -f "$TEST_SUMMARY"
	return $rc
}

# sanitized DIR [CTEST ARGS]: build with ASan+UBSan in DIR and run the suite there
sanitized() {
	local dir=$1 logs reports rc=0
	shift
	logs=$(realpath -m "$dir/sanitizer")
	timed "sanitizer build in $dir" bash -c "cmake -S . -B '$dir' -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DIPCBENCH_SANITIZE=ON >/dev/null && cmake --build '$dir' -j$(nproc)" || return 1
	rm -rf "$logs"
	mkdir -p "$logs"
	(cd "$dir" && timed "pass 3, ASan+UBSan" env ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan" \
		UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan" \
		ctest --output-on-failure -E "$SANITIZE_SKIP" "$@") || rc=1
	reports=$(find "$logs" -type f | sort)
	[ -z "$reports" ] && return $rc
	echo "run.sh test: sanitizer reports (in $logs):" >&2
	# shellcheck disable=SC2086 # paths without spaces, one a line
	cat $reports >&2
	return 1
}

# The default suite, then its plots.
run_all() {
	local out
	out="results/$(hostname | tr '/ ' '__')-$(date -u +%Y%m%dT%H%M%SZ).json"
	mkdir -p results
	"$BUILD/ipcbench" run --out "$out" "$@"
	plot "$out"
}

# A path the caller gave, relative to where they were before the cd above.
from_caller() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$OLDPWD/$1" ;;
	esac
}

# fleet INVENTORY [--config FILE] [--tune] [--limit PATTERN] [--run-id ID] [--time-limit S]:
# fleet/ipcbench.yml on every host (in parallel), results/<run-id>/<host>.json back here, then
# validated, compared and plotted into plots/<run-id>/. A rerun with the same --run-id keeps the
# files already fetched and measures only the hosts still missing.
fleet() {
	local inv="" run_id="" rc=0 vars='{}'

	while [ $# -gt 0 ]; do
		case $1 in
		--config) vars=$(jq -c --arg v "$(from_caller "${2:?--config FILE}")" '.ipcbench_config = $v' <<<"$vars"); shift ;;
		--tune) vars=$(jq -c '.ipcbench_tune = true' <<<"$vars") ;;
		--limit) vars=$(jq -c --arg v "${2:?--limit PATTERN}" '.ipcbench_hosts = $v' <<<"$vars"); shift ;;
		--time-limit) vars=$(jq -c --argjson v "${2:?--time-limit S}" '.ipcbench_time_limit = $v' <<<"$vars"); shift ;;
		--run-id) run_id=${2:?--run-id ID}; shift ;;
		-*) echo "run.sh fleet: unknown option '$1'" >&2; return 2 ;;
		*) [ -z "$inv" ] || { echo "run.sh fleet: one inventory, not '$1' too" >&2; return 2; }; inv=$(from_caller "$1") ;;
		esac
		shift
	done
	[ -n "$inv" ] && [ -e "$inv" ] || {
		echo "usage: ./run.sh fleet INVENTORY [--config FILE] [--tune] [--limit PATTERN] [--run-id ID] [--time-limit S]" >&2
		echo "       (an Ansible inventory: see fleet/inventory.example)" >&2
		return 2
	}
	run_id=${run_id:-$(date -u +%Y%m%dT%H%M%SZ)}
	vars=$(jq -c --arg v "$run_id" '.ipcbench_run_id = $v' <<<"$vars")
	ANSIBLE_RETRY_FILES_ENABLED=0 ansible-playbook -i "$inv" -f "${FLEET_FORKS:-50}" -e "$vars" fleet/ipcbench.yml || rc=$?
	echo
	cat "results/$run_id/summary.txt" 2>/dev/null || echo "run.sh fleet: no summary (results/$run_id/summary.txt)" >&2
	return $rc
}

cmd=${1:-all}
[ $# -gt 0 ] && shift
case "$cmd" in
deps) deps "$@" ;;
build) deps && build ;;
run) deps && build && "$BUILD/ipcbench" run "$@" ;;
test) deps "${TEST_PACKAGES[@]}" && build && run_tests "$@" ;;
all) deps && build && run_all "$@" ;;
plot)
	[ $# -ge 1 ] || { echo "run.sh plot: which results file?" >&2; exit 2; }
	build && plot "$1"
	;;
fleet)
	# jq (in PACKAGES) builds the extra variables; Debian's ansible-core is all the playbook needs
	if command -v ansible-playbook >/dev/null; then deps; else deps ansible-core; fi
	build >/dev/null && fleet "$@"
	;;
vmtest) deps "${TEST_PACKAGES[@]}" && build && bash kmod/vmtest/vmtest.sh "$@" ;;
app)
	[ $# -ge 1 ] && [ -f "app/$1.sh" ] || { echo "run.sh app: which application? ($(ls app 2>/dev/null | sed 's/\.sh$//' | tr '\n' ' '))" >&2; exit 2; }
	deps && build && a=$1 && shift && bash "app/$a.sh" "$BUILD" "$@"
	;;
clean) rm -rf "$BUILD" ;;
-h | --help | help) sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' ;;
*)
	echo "run.sh: unknown command '$cmd' (deps, build, run, test, clean; see ./run.sh --help)" >&2
	exit 2
	;;
esac
