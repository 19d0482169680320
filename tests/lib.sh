# tests/lib.sh - shared helpers for the shell tests; each test ends with "NAME: N passed, M failed".
pass=0
fail=0
TMP=$(mktemp -d /tmp/ipcb-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAILED: $*" >&2; }

# expect STATUS NEEDLE -- CMD...: the exit status and a substring of stdout+stderr
expect() {
	local want=$1 needle=$2
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$* exited $rc, expected $want; output: $out"
	elif [ -n "$needle" ] && ! grep -qF -- "$needle" <<<"$out"; then
		bad "$* output lacks '$needle'; output: $out"
	else
		ok
	fi
}

check() { if eval "$1"; then ok; else bad "$1"; fi; }

summary() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# skip REASON: this test cannot apply here (ctest shows it as skipped: SKIP_RETURN_CODE 77)
skip() {
	echo "SKIP: $*"
	exit 77
}

# The machine as this process sees it. CPUs come from the affinity mask (taskset, a cpuset), as
# the harness counts them, never from the online count; placements from `ipcbench info`, which
# offers only those the mask allows.
ncpus() { "$IPCB" info --json | jq '.affinity | length'; }
placements() {
	"$IPCB" info --json | jq -r '(.topology.placements // .machine.topology.placements) | to_entries[] | select(.value != null) | .key'
}
# info lists every placement the tool knows, offered or null, nearest first: one CPU, two hardware
# threads of one core, then pairs of distinct cores (topo.c: the first of those offered is the
# nearest-core role). The Nth of that list (jq slice) that this machine offers, or nothing.
placement_in() {
	"$IPCB" info --json | jq -r "[(.topology.placements // .machine.topology.placements) | to_entries[]] | .$1 |
		map(select(.value != null)) | .[0].key // empty"
}
# the one-CPU placement (two parties on one CPU), if offered
one_cpu() { placement_in '[0:1]'; }
# the nearest pair of distinct cores this machine offers ("" on one core): where a two-party
# benchmark that busy-waits can run
nearest_core() { placement_in '[2:]'; }
# every placement name the tool knows, offered here or not, in its order
known_placements() {
	"$IPCB" info --json | jq -r '(.topology.placements // .machine.topology.placements) | keys_unsorted[]'
}
# a placement the tool knows that this machine does not offer, if any
absent_placement() {
	"$IPCB" info --json | jq -r '[(.topology.placements // .machine.topology.placements) | to_entries[] |
		select(.value == null) | .key] | .[0] // empty'
}

# tree_pids PID: PID and its descendants (a run may measure in a worker process)
tree_pids() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1"); do
		tree_pids "$c"
	done
}

# tree_thread PID COMM: the id of a thread named COMM in the process tree of PID, if any
tree_thread() {
	local p t
	for p in $(tree_pids "$1"); do
		for t in /proc/"$p"/task/*; do
			[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && { echo "${t##*/}"; return 0; }
		done
	done
	return 1
}

# wait_thread PID COMM: wait until the tree of PID has a thread named COMM, and print its id;
# fails if PID ends first or after 60 s
wait_thread() {
	for _ in $(seq 600); do
		tree_thread "$1" "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# switches TID: context switches of a thread so far (voluntary and not)
switches() {
	awk '/ctxt_switches/ {n += $2} END {print n + 0}' /proc/*/task/"$1"/status 2>/dev/null
}

# wait_switches TID N: wait until the thread has been switched out N times (it is running its
# loop, past any handshake); fails if it ends first or after 60 s
wait_switches() {
	for _ in $(seq 600); do
		[ "$(switches "$1")" -ge "$2" ] && return 0
		[ -n "$(ls -d /proc/*/task/"$1" 2>/dev/null)" ] || return 1
		sleep 0.1
	done
	return 1
}

# freeze_refused: why the watchdog tests cannot freeze a thread of ipcbench here ("" if they can).
# tests/freeze-thread.py needs python3 and ptrace rights over a process that is not its child:
# a Yama ptrace_scope >= 1 without CAP_SYS_PTRACE, or a container's seccomp filter, refuses it.
freeze_refused() {
	local sleeper why
	command -v python3 >/dev/null || { echo "python3 not installed"; return; }
	sleep 600 &
	sleeper=$!
	why=$(python3 "$SRC/tests/freeze-thread.py" --probe "$sleeper" 2>&1) || why=${why:-"ptrace refused"}
	kill "$sleeper"
	wait "$sleeper" 2>/dev/null
	echo "$why"
}

# perf_refused: why perf_event_open is blocked here ("" if a software event of this process can
# be counted, user space only as perf_event_paranoid 2 allows). Containers often block it with
# seccomp; perf_event_paranoid 3 (Debian's patch) blocks it for unprivileged users.
perf_refused() {
	command -v python3 >/dev/null || return 0 # cannot tell: let the test find out
	python3 - <<'PY'
import ctypes, os, platform, struct
nr = {"x86_64": 298, "aarch64": 241, "riscv64": 241, "i686": 336, "armv7l": 364, "ppc64le": 319, "s390x": 331}
n = nr.get(platform.machine())
if n is not None:
    # struct perf_event_attr, version 0 (64 bytes): PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES,
    # disabled | exclude_kernel | exclude_hv
    attr = ctypes.create_string_buffer(struct.pack("=IIQQQQQ", 1, 64, 3, 0, 0, 0, 1 | 1 << 5 | 1 << 6), 64)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(n, attr, 0, -1, -1, 0)
    if fd < 0:
        paranoid = open("/proc/sys/kernel/perf_event_paranoid").read().strip() if os.path.exists("/proc/sys/kernel/perf_event_paranoid") else "?"
        print(f"perf_event_open(context-switches): {os.strerror(ctypes.get_errno())} (perf_event_paranoid = {paranoid}; a container's seccomp filter also blocks it)")
    else:
        os.close(fd)
PY
}
