#!/bin/bash
# Worker processes: each round of each job in a fresh process, pooled by the manager.
# A worker that crashes, exits without a record or hangs fails its job alone; the sample
# store is bounded per round; results carry round medians and the between-process interval.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

# the sample store across rounds: max_samples bounds each round (it used to overflow in round 2)
echo '{"benchmarks": ["modeswitch/funcall"], "min_samples": 30, "max_samples": 30, "rounds": 3}' >small.json
expect 0 "wrote small.json.out" -- "$IPCB" run -c small.json --out small.json.out
check '[ "$(jq ".results[0].stats.n" small.json.out)" = 90 ]'
check '[ "$(jq -r ".results[0].stop" small.json.out)" = "max samples" ]'
# one median per round, and the between-process interval holds the median
check '[ "$(jq ".results[0].round_medians | length" small.json.out)" = 3 ]'
check '[ "$(jq ".results[0] | .ci95_runs[0] <= .stats.median and .stats.median <= .ci95_runs[1]" small.json.out)" = true ]'
# the reported interval is the wider of the two, and ci95_rel is its half-width
check '[ "$(jq ".results[0] | (.ci95_rel == ([.ci95_rel_samples, .ci95_rel_runs] | max))" small.json.out)" = true ]'
check '[ "$(jq -r ".results[0] | if .interval_basis == \"rounds\" then .interval95 == .ci95_runs else .interval95 == .stats.ci95 end" small.json.out)" = true ]'
check '[ "$(jq ".workers.count" small.json.out)" = 3 ]'
# the machine's speed, round by round: one figure per round, near 1 unless every job moved at once
check '[ "$(jq ".machine_speed.by_round | length" small.json.out)" = 3 ]'
check '[ "$(jq ".machine_speed.spread >= 1" small.json.out)" = true ]'

# one round: no between-process interval, and a note says the interval may not hold for a rerun
expect 0 "" -- "$IPCB" run modeswitch/funcall -t 0.05 --rounds 1 --out one.json
check '[ "$(jq ".results[0] | has(\"ci95_runs\")" one.json)" = false ]'
check '[ "$(jq -r ".results[0].interval_basis" one.json)" = samples ]'
check '[ "$(jq "[.results[0].notes[] | select(startswith(\"one round\"))] | length" one.json)" = 1 ]'

# a crash fails that job alone: the others are measured and written, exit status 1
IPCBENCH_TEST_WORKER=crash:lock/tas "$IPCB" run lock/tas lock/ticket modeswitch/funcall -t 0.05 --rounds 2 \
	--out crash.json >crash.txt 2>&1
check '[ $? = 1 ]'
check '"$IPCB" validate crash.json >/dev/null'
check '[ "$(jq -r ".results[] | select(.id == \"lock/tas\") | .status" crash.json)" = failed ]'
check 'jq -r ".results[] | select(.id == \"lock/tas\") | .reason" crash.json | grep -q "worker killed by signal"'
check '[ "$(jq "[.results[] | select(.status == \"ok\")] | length" crash.json)" = 2 ]'
# exiting without a record is said as such
IPCBENCH_TEST_WORKER=exit:lock/tas "$IPCB" run lock/tas -t 0.05 --out exit.json >/dev/null 2>&1
check 'jq -r ".results[0].reason" exit.json | grep -q "exited with status 3 without a result"'
# a hang past the deadline is killed, with no worker left behind
IPCBENCH_WORKER_DEADLINE_S=1 IPCBENCH_TEST_WORKER=hang:lock/tas "$IPCB" run lock/tas lock/ticket -t 0.05 \
	--out hang.json >/dev/null 2>&1
check 'jq -r ".results[] | select(.id == \"lock/tas\") | .reason" hang.json | grep -q "did not finish within 1 s"'
check '[ "$(jq -r ".results[] | select(.id == \"lock/ticket\") | .status" hang.json)" = ok ]'
# (ours: a worker runs in our directory; other tests may run workers of their own meanwhile)
workers_here() {
	local p
	for p in $(pgrep -f "__worker"); do
		[ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$(pwd -P)" ] && return 0
	done
	return 1
}
check '! workers_here'

# no state leaks from job to job: after a job that started threads, a job that needs a process that
# never had one (glibc's single-threaded lock path) still gets it, in every round
# (the handoff on one CPU: every machine has it, and the placement comes from the machine all the same)
one=$(one_cpu)
if [ -n "$one" ]; then
	expect 0 "" -- "$IPCB" run handoff/futex lock/pthread-mutex --param threading=single,multi -t 0.05 --rounds 2 \
		--placement "$one" --out fresh.json
	check '[ "$(jq -r ".results[] | select(.id == \"lock/pthread-mutex\" and .params.threading == \"single\") | .status" fresh.json)" = ok ]'
	check '[ "$(jq -r ".results[] | select(.id == \"lock/pthread-mutex\" and .params.threading == \"multi\") | .status" fresh.json)" = ok ]'
else
	echo "SKIP state leaks: ipcbench info offers no one-CPU placement here"
fi

# two-party results say their role; one-thread results have none
expect 0 "" -- "$IPCB" run handoff/futex --param idle_hold=-1 -t 0.05 --out roles.json
if [ -n "$one" ]; then
	check '[ "$(jq -r ".results[] | select(.placement.name == \"$one\") | .placement.role" roles.json)" = same-cpu ]'
fi
nearest=$(nearest_core)
if [ -n "$nearest" ]; then
	check '[ "$(jq -r ".results[] | select(.placement.name == \"$nearest\") | .placement.role" roles.json)" = nearest-core ]'
else
	echo "SKIP nearest-core role: this machine has no pair of distinct cores"
fi
check '[ "$(jq ".results[0] | .placement | has(\"role\")" one.json)" = false ]'

summary worker
