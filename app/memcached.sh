#!/bin/bash
# app/memcached.sh BUILD_DIR [OPTIONS]: memcached with its pthread mutexes replaced by each lock
# asked for (libipcbench-interpose.so), driven by memaslap; one results file per lock.
#
#   --locks LIST      comma-separated: ticket, ttas, futex-mutex, pthread (default: all four;
#                     IPCBENCH_LOCK in the environment is taken as the list too)
#   --duration S      seconds of load per lock (default 10; CI: 2 or 3)
#   --threads N       memcached worker threads, -t (default 4)
#   --clients C       memaslap concurrency, -c (default 32), over --load-threads T (default 2)
#   --port P          listen on 127.0.0.1:P (default: a free port); a busy P is an error
#   --out-dir DIR     where the results go (default results/), as memcached-LOCK-HOST-UTC.json
#   --no-install      never apt-get install a missing memcached or memaslap
#
# Everything it starts it stops (memcached, memaslap), also on failure or Ctrl-C. MEMCACHED and
# MEMASLAP in the environment choose other binaries.
set -uo pipefail

ALL_LOCKS="ticket ttas futex-mutex pthread"
PACKAGES="memcached libmemcached-tools"

die() {
	echo "app/memcached: $*" >&2
	exit "${EXIT:-1}"
}
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

[ $# -ge 1 ] || { usage >&2; EXIT=2 die "which build directory?"; }
BUILD=$1
shift
locks=${IPCBENCH_LOCK:-}
duration=10 threads=4 clients=32 load_threads=2 port="" out_dir=results install=1
while [ $# -gt 0 ]; do
	case $1 in
	--locks) locks=${2:-}; shift ;;
	--duration) duration=${2:-}; shift ;;
	--threads) threads=${2:-}; shift ;;
	--clients) clients=${2:-}; shift ;;
	--load-threads) load_threads=${2:-}; shift ;;
	--port) port=${2:-}; shift ;;
	--out-dir) out_dir=${2:-}; shift ;;
	--no-install) install=0 ;;
	-h | --help) usage; exit 0 ;;
	*) EXIT=2 die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

# ---- check everything before starting anything ----

is_count() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "${2:-1}" ]; }
is_count "$duration" || EXIT=2 die "--duration must be a whole number of seconds >= 1, not '$duration'"
is_count "$threads" 0 || EXIT=2 die "--threads must be a number, not '$threads'"
is_count "$clients" || EXIT=2 die "--clients must be a number >= 1, not '$clients'"
is_count "$load_threads" || EXIT=2 die "--load-threads must be a number >= 1, not '$load_threads'"
[ -z "$port" ] || { is_count "$port" && [ "$port" -le 65535 ]; } || EXIT=2 die "--port must be 1..65535, not '$port'"
locks=${locks:-$ALL_LOCKS}
locks=${locks//,/ }
for l in $locks; do
	[[ " $ALL_LOCKS " == *" $l "* ]] || EXIT=2 die "unknown lock '$l' (one of: $ALL_LOCKS)"
done

BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || EXIT=2 die "no build directory $1"
LIB=$BUILD/libipcbench-interpose.so
IPCB=$BUILD/ipcbench
[ -f "$LIB" ] || EXIT=2 die "$LIB is missing: build the ipcbench-interpose target (./run.sh build)"
[ -x "$IPCB" ] || EXIT=2 die "$IPCB is missing: ./run.sh build"
command -v jq >/dev/null || EXIT=2 die "jq is missing (apt-get install jq)"

find_tools() {
	MC=${MEMCACHED:-$(command -v memcached)}
	# libmemcached-tools calls it memaslap (libmemcached) or memcaslap (libmemcached-awesome, bookworm)
	LOAD=${MEMASLAP:-$(command -v memaslap || command -v memcaslap)}
	[ -n "$MC" ] && [ -x "$MC" ] && [ -n "$LOAD" ] && [ -x "$LOAD" ]
}

install_tools() {
	local cmd="apt-get update && apt-get install -y --no-install-recommends $PACKAGES"

	[ "$install" = 1 ] || return 1
	command -v apt-get >/dev/null || return 1
	echo "app/memcached: installing $PACKAGES" >&2
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive bash -c "$cmd" >&2
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo DEBIAN_FRONTEND=noninteractive bash -c "$cmd" >&2
	else
		return 1
	fi
}

if ! find_tools; then
	install_tools || true
	find_tools || EXIT=2 die "memcached and memaslap are needed: '${MEMCACHED:-memcached}' or '${MEMASLAP:-memaslap/memcaslap}' not found (sudo apt-get install $PACKAGES)"
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -n "$port" ]; then
	listening "$port" && die "port $port on 127.0.0.1 is busy (something listens there): choose another --port, or leave it out"
else
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		listening "$p" || { port=$p; break; }
	done
	[ -n "$port" ] || die "no free port found on 127.0.0.1"
fi
mkdir -p "$out_dir" || die "cannot create $out_dir"
[ -w "$out_dir" ] || die "$out_dir is not writable"

# ---- what we start, we stop ----

WORK=$(mktemp -d /tmp/ipcb-memcached.XXXXXX)
MC_PID="" LOAD_PID=""
cleanup() {
	local pid
	for pid in $LOAD_PID $MC_PID; do
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_memcached() {
	local lock=$1

	LD_PRELOAD=$LIB IPCBENCH_LOCK=$lock IPCBENCH_OUT=$WORK/raw-$lock.json \
		"$MC" -u "$(id -un)" -l 127.0.0.1 -p "$port" -U 0 -t "$threads" -m 64 \
		>"$WORK/mc-$lock.out" 2>"$WORK/mc-$lock.err" &
	MC_PID=$!
	echo "app/memcached: memcached pid $MC_PID on 127.0.0.1:$port, $threads threads, IPCBENCH_LOCK=$lock" >&2
	for _ in $(seq 100); do
		if ! kill -0 "$MC_PID" 2>/dev/null; then
			wait "$MC_PID"
			MC_PID=""
			die "memcached failed to start (IPCBENCH_LOCK=$lock): $(tr '\n' ' ' <"$WORK/mc-$lock.err")"
		fi
		listening "$port" && return 0
		sleep 0.1
	done
	die "memcached did not listen on 127.0.0.1:$port within 10 s"
}

# SIGTERM: memcached leaves its event loop and exits, and the interposer writes at exit.
stop_memcached() {
	local lock=$1 rc

	kill -TERM "$MC_PID"
	for _ in $(seq 150); do kill -0 "$MC_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$MC_PID" 2>/dev/null; then
		kill -KILL "$MC_PID"
		wait "$MC_PID" 2>/dev/null
		MC_PID=""
		die "memcached did not exit within 15 s of SIGTERM (killed; no profile)"
	fi
	wait "$MC_PID"
	rc=$?
	MC_PID=""
	[ -f "$WORK/raw-$lock.json" ] || die "memcached exited ($rc) without a profile: $(tr '\n' ' ' <"$WORK/mc-$lock.err")"
}

run_load() {
	local lock=$1

	timeout $((duration + 60)) "$LOAD" -s "127.0.0.1:$port" -t "${duration}s" -T "$load_threads" \
		-c "$clients" -S 1s >"$WORK/load-$lock.txt" 2>&1 &
	LOAD_PID=$!
	wait "$LOAD_PID" || { LOAD_PID=""; die "$(basename "$LOAD") failed: $(tail -5 "$WORK/load-$lock.txt" | tr '\n' ' ')"; }
	LOAD_PID=""
}

# memaslap's last line: "Run time: 3.0s Ops: 170867 TPS: 56949 Net_rate: 63.7M/s"; and once a
# second a "Period" line under "Total Statistics" (type, time, ops, TPS, ...).
parse_load() {
	local f=$1

	tr -d '\r' <"$f" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' >"$f.clean"
	TPS=$(awk '/^Run time:/ { for (i = 1; i < NF; i++) if ($i == "TPS:") print $(i + 1) }' "$f.clean" | tail -1)
	OPS=$(awk '/^Run time:/ { for (i = 1; i < NF; i++) if ($i == "Ops:") print $(i + 1) }' "$f.clean" | tail -1)
	PER_S=$(awk '/^Total Statistics/ { t = 1; next } t && /^Period/ { print $4; t = 0 }' "$f.clean" |
		jq -s -c .)
	[ -n "$TPS" ] && [ -n "$OPS" ] || die "no throughput in $(basename "$LOAD")'s output: $(tail -3 "$f.clean" | tr '\n' ' ')"
}

# The interposer's file, plus what the load tool measured and how memcached was run.
finish_file() {
	local lock=$1 out=$2 version

	version=$("$MC" -V 2>/dev/null | awk '{ print $2 }')
	jq --arg tool "$(basename "$LOAD")" --argjson tps "$TPS" --argjson ops "$OPS" \
		--argjson per_s "$PER_S" --argjson threads "$threads" --argjson duration "$duration" \
		--argjson clients "$clients" --argjson load_threads "$load_threads" --arg version "$version" '
		.config.app = {name: "memcached", version: $version, threads: $threads, duration_s: $duration,
			load_tool: $tool, clients: $clients, load_threads: $load_threads, tps_per_second: $per_s}
		| .results |= map(
			.params = {app: "memcached", threads: $threads}
			| .metrics = ((.metrics // {}) + {
				throughput: {value: $tps, unit: "ops/s"},
				load_ops: {value: $ops, unit: "count"}})
			| .notes = ((.notes // []) + ["throughput: \($tool) over \($duration) s, \($clients) connections from \($load_threads) threads on the same machine (it shares the CPUs with memcached)"]))
		' "$WORK/raw-$lock.json" >"$WORK/final-$lock.json" || die "jq could not amend the profile of $lock"
	"$IPCB" validate "$WORK/final-$lock.json" >/dev/null || die "the results of $lock do not validate"
	# never replace an earlier file
	ln "$WORK/final-$lock.json" "$out" 2>/dev/null || cp -n "$WORK/final-$lock.json" "$out"
	[ -f "$out" ] || die "cannot write $out"
}

summary_line() {
	jq -r --arg lock "$1" --arg out "$2" '
		(.results[] | select(.id == "interpose/wait")) as $w
		| (.results[] | select(.id == "interpose/wait-contended")) as $c
		| ($w.attachments.classes[0] // {}) as $top
		| "\($lock)\t\($w.metrics.throughput.value) ops/s\t\($w.metrics.acquisitions.value | floor) acq\t" +
		  "\(100 * $w.metrics.contended_fraction.value | . * 100 | round / 100)% contended\t" +
		  "contended wait median \(if $c.status == "ok" then ($c.stats.median | round | tostring) + " ns" else "-" end)\t" +
		  "top class \($top.class // "-") (\($top.mutexes // 0) mutexes, \($top.contended // 0) contended)\t\($out)"' "$2"
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
host=$(hostname | tr '/ ' '__')
for lock in $locks; do
	out="$out_dir/memcached-$lock-$host-$stamp.json"
	start_memcached "$lock"
	run_load "$lock"
	stop_memcached "$lock"
	parse_load "$WORK/load-$lock.txt"
	finish_file "$lock" "$out"
	summary_line "$lock" "$out"
done
