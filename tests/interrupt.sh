#!/bin/bash
# Ctrl-C: what finished is written, with "interrupted": true, and the exit status is 130.
# Each run is interrupted once its first job is under way (its peer runs), never after a sleep.
IPCB=$1
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

# a long suite: handoff benchmarks of 20 s each (an unreachable CI target), interrupted in the first
BENCHES=(handoff/futex handoff/pipe handoff/eventfd handoff/sem handoff/mutex)
echo '{"time_budget_s": 20, "min_time_s": 20, "ci_target": 0.0001}' >long.json
njobs=$("$IPCB" run "${BENCHES[@]}" --config long.json --dry-run 2>/dev/null | jq '.jobs | length')
check '[ "$njobs" -ge 5 ]'
"$IPCB" run "${BENCHES[@]}" --config long.json --out int.json -q >out.txt 2>&1 &
pid=$!
check 'wait_thread $pid ipcb-peer >/dev/null'
kill -INT $pid
wait $pid
rc=$?
check '[ $rc = 130 ]'
check '[ -f int.json ]'
check '"$IPCB" validate int.json >/dev/null'
check '[ "$(jq .interrupted int.json)" = true ]'
check '[ "$(jq ".results | length" int.json)" -ge 1 ]'
check '[ "$(jq ".results | length" int.json)" -lt "$njobs" ]'
# the job the signal cut short says so ("stop": "interrupted"), not "time budget"
check '[ "$(jq "[.results[] | select(.status == \"ok\" and .stop == \"interrupted\")] | length" int.json)" -ge 1 ]'
check '[ "$(jq "[.results[] | select(.stop == \"time budget\")] | length" int.json)" = 0 ]'
check '[ -z "$(ls -A | grep -e "^\.ipcbench-")" ]'

# interrupted in the first of several rounds: results come from the samples so far, labelled
echo '{"time_budget_s": 30, "min_time_s": 30, "ci_target": 0.0001, "rounds": 3}' >rounds.json
"$IPCB" run handoff/futex handoff/pipe --config rounds.json --out int2.json -q >out2.txt 2>&1 &
pid=$!
check 'wait_thread $pid ipcb-peer >/dev/null'
kill -INT $pid
wait $pid
check '[ $? = 130 ]'
check '"$IPCB" validate int2.json >/dev/null'
check '[ "$(jq ".results | length" int2.json)" -ge 1 ]'
check '[ "$(jq "[.results[].notes[] | select(startswith(\"interrupted after\"))] | length" int2.json)" -ge 1 ]'

summary interrupt
