#!/bin/bash
# system: `ipcbench system show|tune|reset` and run --idle-latency. show names every field it could
# not read with a reason; tune then reset round-trips every file byte for byte on a fake sysfs tree
# (IPCBENCH_SYSFS_ROOT), since the real one may expose nothing (a VM) or must not be changed by a test;
# --idle-latency is recorded in the results and released when the run ends.
IPCB=$1
SRC=$2
. "$SRC/tests/lib.sh"
cd "$TMP" || exit 1

# put FILE CONTENT: a file of the fake tree, with the newline sysfs adds
put() { mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" >"$1"; }

# A 4-CPU Intel server as sysfs shows it: intel_pstate (powersave, turbo on), intel_idle with
# POLL/C1/C1E/C6, SMT on, IRQs everywhere, the NMI watchdog on, some swap in use.
fake_tree() {
	local r=$1 cpu k
	put "$r/sys/devices/system/cpu/online" "0-3"
	put "$r/sys/devices/system/cpu/isolated" ""
	put "$r/sys/devices/system/cpu/intel_pstate/no_turbo" "0"
	put "$r/sys/devices/system/cpu/cpuidle/current_driver" "intel_idle"
	put "$r/sys/devices/system/cpu/cpuidle/current_governor" "menu"
	put "$r/sys/devices/system/cpu/smt/active" "1"
	put "$r/sys/devices/system/cpu/smt/control" "on"
	for cpu in 0 1 2 3; do
		local d=$r/sys/devices/system/cpu/cpu$cpu
		put "$d/cpufreq/scaling_driver" "intel_pstate"
		put "$d/cpufreq/scaling_governor" "powersave"
		put "$d/cpufreq/scaling_available_governors" "performance powersave"
		put "$d/cpufreq/scaling_min_freq" "1000000"
		put "$d/cpufreq/scaling_max_freq" "3700000"
		put "$d/cpufreq/cpuinfo_min_freq" "1000000"
		put "$d/cpufreq/cpuinfo_max_freq" "3700000"
		k=0
		for s in "POLL 0 0" "C1 2 2" "C1E 10 20" "C6 133 600"; do
			set -- $s
			put "$d/cpuidle/state$k/name" "$1"
			put "$d/cpuidle/state$k/desc" "$1 idle"
			put "$d/cpuidle/state$k/latency" "$2"
			put "$d/cpuidle/state$k/residency" "$3"
			put "$d/cpuidle/state$k/disable" "0"
			k=$((k + 1))
		done
	done
	for irq in 0 8 24 25; do
		put "$r/proc/irq/$irq/smp_affinity_list" "0-3"
	done
	put "$r/proc/irq/25/effective_affinity_list" "3"
	printf '           CPU0       CPU1       CPU2       CPU3\n  0:   10  0  0  0  IO-APIC   2-edge      timer\n  8:   0  0  0  0  IO-APIC   8-edge      rtc0\n 24:   5  0  0  0  PCI-MSI 1-edge      eth0\n 25:   0  0  0  7  PCI-MSI 2-edge      nvme0q1\n' >"$r/proc/interrupts"
	put "$r/proc/cmdline" "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet"
	put "$r/proc/sys/kernel/randomize_va_space" "2"
	put "$r/proc/sys/kernel/perf_event_paranoid" "2"
	put "$r/proc/sys/kernel/nmi_watchdog" "1"
	put "$r/sys/kernel/mm/transparent_hugepage/enabled" "always [madvise] never"
	printf 'MemTotal:       1000 kB\nSwapTotal:     10240 kB\nSwapFree:       8192 kB\n' >"$r/proc/meminfo"
	put "$r/proc/loadavg" "0.10 0.20 0.30 1/100 1234"
}

# every null field has a "<field>_reason" string beside it, at every depth
all_nulls_explained='[.. | objects | . as $o | keys[] | select($o[.] == null and ($o[. + "_reason"] | type) != "string")] | length == 0'
checks_well_formed='[.checks[] | select((.status | IN("ok", "advice", "n/a", "note") | not) or (.text | length) < 3)] | length == 0'

# --- this machine, read only -------------------------------------------------------------------
expect 0 "" -- "$IPCB" system show --json
"$IPCB" system show --json >real.json 2>/dev/null
check 'jq -e "$all_nulls_explained" real.json >/dev/null'
check 'jq -e "$checks_well_formed" real.json >/dev/null'
check 'jq -e "[.checks[].item] | index(\"governor\") and index(\"turbo\") and index(\"idle states\") and index(\"irqs\") and index(\"swap\")" real.json >/dev/null'
# the unread list names exactly the null fields
check '[ "$(jq "[.. | objects | to_entries[] | select(.value == null)] | length" real.json)" = "$(jq ".unread | length" real.json)" ]'
expect 0 "the machine under the numbers" -- "$IPCB" system show
expect 2 "unknown subcommand" -- "$IPCB" system frob
expect 2 "--cpus" -- "$IPCB" system show --cpus x-y
# tune never writes in a dry run; whatever this machine lacks is skipped with the reason
expect 0 "dry run" -- "$IPCB" system tune --dry-run --state "$TMP/real-state.json"
check '[ ! -e "$TMP/real-state.json" ]'
if jq -e '.cpufreq == null' real.json >/dev/null; then
	expect 0 "governor     skipped: " -- "$IPCB" system tune --dry-run --state "$TMP/real-state.json"
fi
# reset is idempotent: nothing saved, nothing to restore, success (a fleet resets after every run)
expect 0 "nothing to restore" -- "$IPCB" system reset --state "$TMP/none.json"
echo '{"schema": "something else"' >"$TMP/bad-state.json"
expect 1 "cannot read the saved state" -- "$IPCB" system reset --state "$TMP/bad-state.json"

# --- a fake tree: show --------------------------------------------------------------------------
fake_tree "$TMP/root"
cp -a "$TMP/root" "$TMP/orig"
export IPCBENCH_SYSFS_ROOT=$TMP/root
"$IPCB" system show --json >fake.json
check 'jq -e "$all_nulls_explained" fake.json >/dev/null'
check '[ "$(jq -r ".checks[] | select(.item == \"governor\") | .status" fake.json)" = advice ]'
check '[ "$(jq -r ".checks[] | select(.item == \"turbo\") | .status" fake.json)" = advice ]'
check '[ "$(jq -r ".checks[] | select(.item == \"idle states\") | .status" fake.json)" = advice ]'
check 'jq -e ".checks[] | select(.item == \"idle states\") | .text | test(\"C6 \\\\(133 us\\\\)\")" fake.json >/dev/null'
check 'jq -e ".checks[] | select(.item == \"idle states\") | .text | test(\"C1E\") | not" fake.json >/dev/null'
check '[ "$(jq -r ".checks[] | select(.item == \"nmi_watchdog\") | .status" fake.json)" = advice ]'
check '[ "$(jq -r ".checks[] | select(.item == \"swap\") | .status" fake.json)" = advice ]'
check '[ "$(jq ".cpuidle.states | length" fake.json)" = 4 ]'
check '[ "$(jq ".cpuidle.states[3].exit_latency_us" fake.json)" = 133 ]'
check '[ "$(jq ".irqs.on_run_cpus" fake.json)" = 4 ]'
check '[ "$(jq ".smt.active" fake.json)" = true ]'
# only the IRQs that can reach CPU 0: 25 is effectively on CPU 3
check '[ "$(jq ".irqs.on_run_cpus" <("$IPCB" system show --json --cpus 0))" = 3 ]'
check '[ "$(jq -r ".irqs.examples[0].name" fake.json)" = timer ]'

# --- tune, then reset: every file back byte for byte -------------------------------------------
expect 0 "would change" -- "$IPCB" system tune --dry-run --state "$TMP/state.json"
check 'diff -r "$TMP/orig" "$TMP/root" >/dev/null'
expect 0 "restores them" -- "$IPCB" system tune --state "$TMP/state.json"
check '[ -s "$TMP/state.json" ]'
check '[ "$(cat "$TMP/root/sys/devices/system/cpu/cpu2/cpufreq/scaling_governor")" = performance ]'
check '[ "$(cat "$TMP/root/sys/devices/system/cpu/intel_pstate/no_turbo")" = 1 ]'
check '[ "$(cat "$TMP/root/sys/devices/system/cpu/cpu3/cpuidle/state3/disable")" = 1 ]'
check '[ "$(cat "$TMP/root/sys/devices/system/cpu/cpu3/cpuidle/state2/disable")" = 0 ]'
# without --irqs the IRQs stay where they were
check '[ "$(cat "$TMP/root/proc/irq/24/smp_affinity_list")" = 0-3 ]'
"$IPCB" system show --json >tuned.json
check '[ "$(jq -r "[.checks[] | select(.tunable and .status != \"ok\")] | length" tuned.json)" = 0 ]'
# a second tune would save the tuned state over the original: refused
expect 1 "reset" -- "$IPCB" system tune --state "$TMP/state.json"
expect 0 "restoring" -- "$IPCB" system reset --state "$TMP/state.json"
check 'diff -r "$TMP/orig" "$TMP/root" >/dev/null'
check '[ ! -e "$TMP/state.json" ]'
# a tighter exit-latency bound takes C1E too; IRQs leave the benchmark CPUs 2-3
expect 0 "restores them" -- "$IPCB" system tune --state "$TMP/state.json" --max-exit-latency 5 --irqs --cpus 2-3
check '[ "$(cat "$TMP/root/sys/devices/system/cpu/cpu2/cpuidle/state2/disable")" = 1 ]'
check '[ "$(cat "$TMP/root/sys/devices/system/cpu/cpu0/cpuidle/state3/disable")" = 0 ]'
check '[ "$(cat "$TMP/root/proc/irq/24/smp_affinity_list")" = 0-1 ]'
check '[ "$(cat "$TMP/root/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")" = powersave ]'
# a state saved under another root is refused rather than written to the wrong tree
IPCBENCH_SYSFS_ROOT=$TMP/orig expect 2 "saved under root" -- "$IPCB" system reset --state "$TMP/state.json"
expect 0 "restoring" -- "$IPCB" system reset --state "$TMP/state.json"
check 'diff -r "$TMP/orig" "$TMP/root" >/dev/null'
# a file that cannot be written is reported, and the saved state keeps only what changed
chmod 0444 "$TMP/root/sys/devices/system/cpu/intel_pstate/no_turbo"
if [ "$(id -u)" != 0 ]; then
	expect 1 "failed" -- "$IPCB" system tune --state "$TMP/state.json"
	check '[ "$(jq "[.files[] | select(.path | test(\"no_turbo\"))] | length" "$TMP/state.json")" = 0 ]'
	expect 0 "restoring" -- "$IPCB" system reset --state "$TMP/state.json"
fi
chmod 0644 "$TMP/root/sys/devices/system/cpu/intel_pstate/no_turbo"
check 'diff -r "$TMP/orig" "$TMP/root" >/dev/null'

# --- run on the fake tree: the untuned machine is said once, with how to tune -------------------
expect 0 "wrote fake-run.json" -- "$IPCB" run modeswitch/syscall-getpid -t 0.05 -o fake-run.json
check '[ "$("$IPCB" run modeswitch/syscall-getpid -t 0.05 -o fake-run2.json 2>&1 | grep -c "not tuned")" = 1 ]'
check 'grep -q "ipcbench system tune" <("$IPCB" run modeswitch/syscall-getpid -t 0.05 -o fake-run3.json 2>&1)'
check '[ "$(jq -r ".machine.system.root" fake-run.json)" = "$TMP/root" ]'
check '[ "$(jq ".machine.system.cpuidle.states | length" fake-run.json)" = 4 ]'
unset IPCBENCH_SYSFS_ROOT

# --- a per-job hold: handoff/futex idle_hold=US writes US to /dev/cpu_dma_latency for its job ------
one=$(one_cpu)
near=$(nearest_core)
if [ -n "$one" ]; then
	mkdir -p "$TMP/qos/dev"
	: >"$TMP/qos/dev/cpu_dma_latency"
	IPCBENCH_SYSFS_ROOT=$TMP/qos expect 0 "" -- "$IPCB" run handoff/futex --param idle_hold=7 --placement "$one" \
		-t 0.05 --rounds 1 -o "$TMP/qos.json"
	check '[ "$(jq -r ".results[0].status" "$TMP/qos.json")" = ok ]'
	check '[ "$(od -An -tu4 "$TMP/qos/dev/cpu_dma_latency" | tr -d " ")" = 7 ]'
	# where it cannot be held, the job is skipped with the reason, the run goes on
	IPCBENCH_SYSFS_ROOT=$TMP/none expect 0 "" -- "$IPCB" run handoff/futex --param idle_hold=0 --placement "$one" \
		-t 0.05 --rounds 1 -o "$TMP/noqos.json"
	check 'jq -r ".results[0] | .status + \": \" + .reason" "$TMP/noqos.json" | grep -q "^skipped: holding idle states off (PM QoS 0 us): .*cpu_dma_latency"'
else
	echo "SKIP the per-job hold: ipcbench info offers no one-CPU placement here"
fi
# both ways in one run on the nearest two cores: a note says what holding the idle states off changed
if [ -n "$near" ]; then
	"$IPCB" run handoff/futex --param idle_hold=-1,0 --placement "$near" -t 0.05 --rounds 1 -o "$TMP/both.json" >/dev/null 2>&1
fi
if [ -n "$near" ] && [ "$(jq '[.results[] | select(.status == "ok")] | length' "$TMP/both.json")" = 2 ]; then
	check '[ "$(jq "[.results[] | .notes[] | select(startswith(\"idle states held off\"))] | length" "$TMP/both.json")" = 2 ]'
else
	echo "SKIP the idle-hold note: ${near:-no} nearest-core placement here, or /dev/cpu_dma_latency cannot be held (not root)"
fi

# --- run --idle-latency -------------------------------------------------------------------------
expect 2 "--idle-latency" -- "$IPCB" run modeswitch/syscall-getpid --idle-latency -3
holders() {
	local n=0 f
	for f in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = /dev/cpu_dma_latency ] && n=$((n + 1))
	done
	echo $n
}
if [ -w /dev/cpu_dma_latency ]; then
	before=$(holders)
	limit=$(od -An -td4 -N4 /dev/cpu_dma_latency | tr -d ' ')
	expect 0 "wrote hold.json" -- "$IPCB" run modeswitch/syscall-getpid -t 0.05 --idle-latency 0 -o hold.json
	check '[ "$(jq ".machine.system.idle_latency_hold_us" hold.json)" = 0 ]'
	# the kernel took the request: the limit in force during the run was 0
	check '[ "$(jq ".machine.system.cpu_dma_latency_us" hold.json)" = 0 ]'
	check '[ "$(jq -r ".machine.system.checks[] | select(.item == \"cpu_dma_latency\") | .text | test(\"held at 0 us\")" hold.json)" = true ]'
	# released with the run: no more holders than before, and the limit is what it was
	check '[ "$(holders)" = "$before" ]'
	check '[ "$(od -An -td4 -N4 /dev/cpu_dma_latency | tr -d " ")" = "$limit" ]'
	expect 0 "wrote nohold.json" -- "$IPCB" run modeswitch/syscall-getpid -t 0.05 -o nohold.json
	check '[ "$(jq ".machine.system | has(\"idle_latency_hold_us\")" nohold.json)" = false ]'
else
	echo "SKIP (part): /dev/cpu_dma_latency is not writable here (needs root): --idle-latency not run"
	expect 1 "cpu_dma_latency" -- "$IPCB" run modeswitch/syscall-getpid -t 0.05 --idle-latency 0 -o hold.json
fi

# --- simulated topologies: IPCBENCH_TOPOLOGY=FILE.xml (tests/fixtures/topology, see generate.sh) ---
FIX=$SRC/tests/fixtures/topology
# the placements ipcbench chooses on each machine: CPU 0 avoided where a pair without it exists
declare -A want=(
	[c6420-interleaved]='{"same-cpu":[63,63],"smt-sibling":[1,33],"same-cache":[1,3],"cross-cache":null,"cross-numa":[1,2]}'
	[c6420-linear]='{"same-cpu":[63,63],"smt-sibling":[1,33],"same-cache":[1,2],"cross-cache":null,"cross-numa":[1,16]}'
	[epyc-2s-multi-l3]='{"same-cpu":[127,127],"smt-sibling":[1,65],"same-cache":[1,2],"cross-cache":[1,4],"cross-numa":[1,32]}'
	[laptop-4cpu-smt]='{"same-cpu":[3,3],"smt-sibling":[1,3],"same-cache":[1,2],"cross-cache":null,"cross-numa":null}'
	[vm-1cpu]='{"same-cpu":[0,0],"smt-sibling":null,"same-cache":null,"cross-cache":null,"cross-numa":null}'
)
declare -A pus=([c6420-interleaved]=64 [c6420-linear]=64 [epyc-2s-multi-l3]=128 [laptop-4cpu-smt]=4 [vm-1cpu]=1)
for name in "${!want[@]}"; do
	export IPCBENCH_TOPOLOGY=$FIX/$name.xml
	"$IPCB" info --json >"topo-$name.json" 2>/dev/null
	check '[ "$(jq -c ".topology.placements" "topo-$name.json")" = "${want[$name]}" ]'
	# every CPU of the XML is allowed, whatever this process's mask
	check '[ "$(jq ".topology.allowed_cpus | length" "topo-$name.json")" = "${pus[$name]}" ]'
	check '[ "$(jq -r ".simulated" "topo-$name.json")" = "IPCBENCH_TOPOLOGY=$FIX/$name.xml" ]'
	check 'jq -e "[.warnings[] | select(test(\"SIMULATED\"))] | length == 1" "topo-$name.json" >/dev/null'
	expect 0 "SIMULATED" -- "$IPCB" info
	expect 0 "handoff/futex" -- "$IPCB" list handoff/futex
	# a measurement is refused: it would file that machine's relations under this one's CPUs
	expect 2 "simulated" -- "$IPCB" run handoff/futex -t 0.05 -o "never-$name.json"
	check '[ ! -e "never-$name.json" ]'
	expect 2 "simulated" -- "$IPCB" test handoff/futex
	# the dry run plans on that machine and says so, with a job count and an estimate
	expect 0 "estimated wall time" -- "$IPCB" run --dry-run
	"$IPCB" run handoff/futex --dry-run 2>/dev/null >"dry-$name.json"
	check '[ "$(jq -r ".simulated" "dry-$name.json")" = "IPCBENCH_TOPOLOGY=$FIX/$name.xml" ]'
	check 'jq -e ".estimate.jobs == (.jobs | length) and .estimate.to_run + .estimate.skipped == .estimate.jobs and .estimate.max_s >= .estimate.min_s" "dry-$name.json" >/dev/null'
	check '[ "$(jq -c "[.jobs[] | select(.skip == null) | {(.placement): .cpus}] | add" "dry-$name.json")" = "$(jq -c "with_entries(select(.value != null))" <<<"${want[$name]}")" ]'
done
unset IPCBENCH_TOPOLOGY
# hwloc's own variables describe another machine too, unless HWLOC_THISSYSTEM=1 vouches for them
HWLOC_SYNTHETIC="pack:2 core:2 pu:1" expect 2 "HWLOC_SYNTHETIC" -- "$IPCB" run modeswitch/syscall-getpid -t 0.05 -o never.json
HWLOC_XMLFILE=$FIX/vm-1cpu.xml HWLOC_THISSYSTEM=1 expect 0 "dry run" -- "$IPCB" run modeswitch/syscall-getpid --dry-run
IPCBENCH_TOPOLOGY=$TMP/absent.xml expect 1 "absent.xml" -- "$IPCB" info
# the estimate scales with the budget and the jobs: the paper suite on the c6420 takes longer than the default
IPCBENCH_TOPOLOGY=$FIX/c6420-interleaved.xml "$IPCB" run --dry-run 2>/dev/null | jq .estimate >est-default.json
IPCBENCH_TOPOLOGY=$FIX/c6420-interleaved.xml "$IPCB" run -c "$SRC/configs/paper.json" --dry-run 2>/dev/null | jq .estimate >est-paper.json
check '[ "$(jq -n --slurpfile a est-default.json --slurpfile b est-paper.json "\$b[0].max_s > \$a[0].max_s and \$b[0].jobs > \$a[0].jobs")" = true ]'

# --- handoff's explain: a same-cpu figure is set beside the nearest two distinct cores measured ----
if [ -n "$near" ] && [ -n "$one" ]; then
	expect 0 "wrote near.json" -- "$IPCB" run handoff/futex --placement "$one,$near" -t 0.1 -o near.json
	check 'jq -e "[.results[] | select(.placement.name == \"$one\" and (.params.idle_hold // -1) == -1) | .notes[] | select(test(\"nearest two cores measured \\\\($near\\\\)\"))] | length == 1" near.json >/dev/null'
else
	echo "SKIP (part): no two distinct cores here: no nearest-core figure to set beside same-cpu"
fi
# the matrix's headline pair says its relation (its placement is only "single")
if [ "$("$IPCB" info --json | jq '.affinity | length')" -ge 2 ]; then
	expect 0 "wrote matrix.json" -- "$IPCB" run handoff/matrix -t 0.05 --param budget_ms=50 -o matrix.json
	# a relation of two distinct CPUs: any placement the tool knows but the one-CPU one (info --json)
	relations=$(known_placements | tail -n +2 | jq -R . | jq -sc .)
	check 'jq -e --argjson rel "$relations" ".results[0].attachments.matrix.headline | (.cpus | length) == 2 and (.relation | IN(\$rel[]))" matrix.json >/dev/null'
fi

summary family-system
