#!/bin/bash
# msg/: a size sweep in both modes writes every size (ok, or skipped with a reason); a run interrupted
# by Ctrl-C, a peer killed and a peer stopped mid-run all end cleanly: the result says why, and no
# process or shared-memory segment is left behind.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

# a private copy: a forked peer carries its name, so pgrep finds exactly ours, orphans included
cp "$IPCB" ./ipcb-msg || exit 1
BIN=$TMP/ipcb-msg
leftovers() { pgrep -f "^$BIN" >/dev/null && echo yes || echo no; }
ls /dev/shm >shm.before

echo '{"schema": "ipcbench-config/1", "time_budget_s": 0.05, "min_time_s": 0.01, "warmup_s": 0.005}' >quick.json
# long enough to be interrupted: an unreachable CI target keeps each job sampling
echo '{"schema": "ipcbench-config/1", "time_budget_s": 20, "min_time_s": 20, "ci_target": 0.0001}' >long.json

# the table: every channel twice
check '[ "$("$BIN" list "msg/pingpong/*" | wc -l)" = 8 ]'
check '[ "$("$BIN" list "msg/stream/*" | wc -l)" = 8 ]'

# the sweep: every size in both modes, each result ok or skipped with a reason
SIZES=64,1024,65536,1048576
expect 0 "wrote sweep.json" -- "$BIN" run msg/pingpong/unix-stream msg/pingpong/shm-ring-futex msg/stream/pipe \
	msg/stream/unix-dgram --config quick.json --param size=$SIZES --mode thread,process --out sweep.json -q
expect 0 "valid" -- "$BIN" validate sweep.json
for id in msg/pingpong/unix-stream msg/pingpong/shm-ring-futex msg/stream/pipe msg/stream/unix-dgram; do
	for mode in thread process; do
		got=$(jq -r "[.results[] | select(.id == \"$id\" and .params.mode == \"$mode\") | .params.size] | unique | map(tostring) | join(\",\")" sweep.json)
		check '[ "$got" = "$SIZES" ]'
	done
done
# every channel in both modes runs on every placement this machine offers (64 bytes fit everywhere)
for p in $(placements); do
	check '[ "$(jq "[.results[] | select(.status == \"ok\" and .params.size == 64 and .placement.name == \"$p\")] | length" sweep.json)" = 8 ]'
done
check '[ "$(jq "[.results[] | select(.status == \"failed\")] | length" sweep.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"skipped\" and (.reason | length) < 10)] | length" sweep.json)" = 0 ]'
# a round trip has its histogram; one-way delay is measured, or the note says why not
check '[ "$(jq "[.results[] | select(.status == \"ok\" and .per == \"round trip\" and .histogram.p999 == null)] | length" sweep.json)" = 0 ]'
check '[ "$(jq "[.results[] | select(.status == \"ok\" and .per == \"round trip\" and .metrics.one_way_p50_ns == null and (.notes | map(test(\"no one-way\")) | any | not))] | length" sweep.json)" = 0 ]'
# a stream has its rate, or the note says why not
check '[ "$(jq "[.results[] | select(.status == \"ok\" and .per == \"message\" and .metrics.messages_per_s == null and (.notes | map(test(\"no messages_per_s\")) | any | not))] | length" sweep.json)" = 0 ]'
check '[ "$(leftovers)" = no ]'

# Ctrl-C mid-run: the job in progress is finished and torn down, the file says so
# (once a peer runs, a job is under way)
"$BIN" run 'msg/pingpong/*' --config long.json --out int.json -q >int.txt 2>&1 &
pid=$!
check 'wait_thread $pid ipcb-peer >/dev/null'
kill -INT $pid
wait $pid
check '[ $? = 130 ]'
check '[ "$(jq .interrupted int.json)" = true ]'
check '"$BIN" validate int.json >/dev/null'
check '[ "$(jq "[.results[] | select(.status == \"failed\")] | length" int.json)" = 0 ]'
check '[ "$(leftovers)" = no ]'

# a peer killed or stopped mid-run: the result is failed with the reason, and the peer is gone.
# Mid-run: the peer process has answered 100 times (on one CPU, each answer switches it out).
peer_fault() { # SIGNAL BENCH: the failed result's reason
	"$BIN" run "$2" --mode process --placement same-cpu --config long.json --out "fault-$1.json" -q \
		>"fault-$1.txt" 2>&1 &
	local pid=$! peer
	peer=$(wait_thread $pid ipcb-peer) && wait_switches "$peer" 100 && kill "-$1" "$peer"
	wait $pid
	jq -r '.results[0] | .status + ": " + .reason' "fault-$1.json"
}
for bench in msg/pingpong/unix-stream msg/pingpong/shm-ring-futex; do
	got=$(peer_fault KILL $bench)
	check '[[ "$got" == failed:*peer* ]]'
	got=$(peer_fault STOP $bench)
	check '[[ "$got" == "failed: "*"did not answer"* ]]'
	check '[ "$(leftovers)" = no ]'
done

ls /dev/shm >shm.after
check 'diff shm.before shm.after >/dev/null'

# the explain hook names the size from which shared memory is cheaper than the socket, or says it never is
"$IPCB" run msg/pingpong/shm-ring-futex msg/pingpong/unix-stream --param size=64,4096 --placement same-cpu --mode thread -t 0.05 -q -o explain.json >/dev/null 2>&1
check '[ "$(jq "[.results[] | select(.id == \"msg/pingpong/shm-ring-futex\") | .notes[] | select(test(\"than msg/pingpong/unix-stream (from size=[0-9]+ on|at every size measured)\"))] | length" explain.json)" = 2 ]'

summary family-msg
