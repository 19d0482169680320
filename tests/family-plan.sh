#!/bin/bash
# Planning on simulated topologies (the c6420 in both of its common CPU numberings) and here, read
# from `run --dry-run`, which plans without running: where lock-contended --fill puts a team's
# threads, and how many pairs the core-to-core matrix plans.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
FIX=$SRC/tests/fixtures/topology
cd "$TMP" || exit 1

team() { # TOPOLOGY FILL THREADS: the team's CPUs, comma separated
	IPCBENCH_TOPOLOGY=$FIX/$1.xml "$IPCB" run lock-contended/ticket --threads "$3" --fill "$2" --dry-run 2>/dev/null |
		jq -r '.jobs[0].cpus | map(tostring) | join(",")'
}
# c6420, linear numbering: package 0 = CPUs 0-15, package 1 = 16-31, their SMT siblings 32-63
check '[ "$(team c6420-linear core 4)" = 1,2,3,4 ]'
# one thread per core on package 0 (CPU 0 last), then package 1; siblings only after all 32 cores
check '[ "$(team c6420-linear core 17 | cut -d, -f15-17)" = 15,0,16 ]'
check '[ "$(team c6420-linear core 33 | cut -d, -f33)" = 33 ]'
check '[ "$(team c6420-linear socket 20 | cut -d, -f16-20)" = 0,33,34,35,36 ]'
check '[ "$(team c6420-linear spread 4)" = 16,1,17,2 ]'
# interleaved numbering: package 0 = even CPUs, package 1 = odd ones
check '[ "$(team c6420-interleaved core 4)" = 2,4,6,8 ]'
check '[ "$(team c6420-interleaved spread 4)" = 1,2,3,4 ]'
# CPU 0 (more interrupts, housekeeping) is the last of its package: a team that fits in the other
# cores of package 0 never uses it
check '! team c6420-linear core 15 | tr , "\n" | grep -qx 0'
check '! team c6420-interleaved socket 15 | tr , "\n" | grep -qx 0'
# more threads than CPUs (--oversubscribe): round robin over the same order
check '[ "$(IPCBENCH_TOPOLOGY=$FIX/vm-1cpu.xml "$IPCB" run lock-contended/ticket --threads 3 --oversubscribe --dry-run 2>/dev/null | jq -c .jobs[0].cpus)" = "[0,0,0]" ]'
# bad input names the choices
expect 2 "core, socket, spread" -- "$IPCB" run lock-contended/ticket --fill diagonal --dry-run

# here, for real: the result records the team's CPUs, thread 0 first
expect 0 "" -- "$IPCB" run lock-contended/ticket --threads 1 -t 0.05 --out here.json
check '[ "$(jq ".results[0].placement.cpus | length" here.json)" = 1 ]'
check '[ "$(jq -r ".results[0].params.fill" here.json)" = core ]'
check '[ "$(jq -r ".results[0].placement.name" here.json)" = team ]'
# the matrix: every ordered pair of a c6420 by default (64 x 63 at 10 ms), once per run (not per round)
pairs() { # TOPOLOGY [BUDGET_MS]: planned/total
	IPCBENCH_TOPOLOGY=$FIX/$1.xml "$IPCB" run handoff/matrix ${2:+--param budget_ms=$2} --dry-run 2>/dev/null |
		jq -r '.jobs[0].pairs | "\(.planned)/\(.total)"'
}
check '[ "$(pairs c6420-linear)" = 4032/4032 ]'
check '[ "$(pairs c6420-interleaved)" = 4032/4032 ]'
check '[ "$(pairs laptop-4cpu-smt)" = 12/12 ]'
# a budget below 10 ms a pair measures a fixed sample, and says how many
check '[ "$(pairs c6420-linear 1000)" = 100/4032 ]'
# the c6420 profile's budget holds the whole matrix
check '[ "$(IPCBENCH_TOPOLOGY=$FIX/c6420-linear.xml "$IPCB" run -c "$SRC/configs/c6420.json" handoff/matrix --dry-run 2>/dev/null | jq -r ".jobs[0].pairs | .planned == .total")" = true ]'
# the estimate counts the matrix once, not once per round
est=$(IPCBENCH_TOPOLOGY=$FIX/c6420-linear.xml "$IPCB" run handoff/matrix --dry-run 2>/dev/null | jq .estimate.max_s)
check '[ "$(jq -n "$est < 60 and $est > 40")" = true ]'

# here, for real: the matrix says how many pairs it measured, all of them on a small machine
if [ "$("$IPCB" info --json | jq .cpus)" -ge 2 ] && [ "$(nproc)" -ge 2 ]; then
	expect 0 "" -- "$IPCB" run handoff/matrix -t 0.05 --out matrix.json
	check '[ "$(jq ".results[0].attachments.matrix | .measured_pairs == .total_pairs" matrix.json)" = true ]'
	check '[ "$(jq ".results[0].rounds" matrix.json)" = 1 ]'
else
	echo "SKIP the real matrix: this process may use fewer than two CPUs"
fi
summary plan
