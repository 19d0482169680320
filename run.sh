#!/bin/bash
# ipcbench's one entry point: ./run.sh [deps|build|run|test|plot|vmtest|app|fleet|clean]
#   (none)  deps + build + run the default suite (results/<host>-<UTC>.json) + plots
#   deps    install the missing Debian packages (as root, or through sudo)
#   build   configure and build with CMake into build/
#   run     build, then `ipcbench run` with any further arguments
#   test    deps + build + the whole test suite (ctest --output-on-failure)
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
test) deps "${TEST_PACKAGES[@]}" && build && cd "$BUILD" && ctest --output-on-failure "$@" ;;
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
-h | --help | help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' ;;
*)
	echo "run.sh: unknown command '$cmd' (deps, build, run, test, clean; see ./run.sh --help)" >&2
	exit 2
	;;
esac
