#!/bin/bash
# compare and export: matching across files and machines, significance, the regression gate,
# the three formats, and one-line errors naming the file and position for bad input.
# Fixtures (tests/fixtures/README.md): lab-a/lab-b are two machines from before round medians
# were stored (one replicate each); tiny-a/tiny-b have hand-made round medians whose
# Mann-Whitney p-values are known exactly; rep-*, rep3-* and topo-* come from gen-results.py.
# Every placement name below is one recorded in those files (other machines): nothing here
# measures on this machine, so nothing depends on which placements it offers.
IPCB=$1
case $IPCB in /*) ;; *) IPCB=$PWD/$IPCB ;; esac
SRC=$2
. "$SRC/tests/lib.sh"
FX=$SRC/tests/fixtures
cd "$FX" || exit 1

expect 0 "usage: ipcbench compare" -- "$IPCB" compare --help
expect 0 "usage: ipcbench export" -- "$IPCB" export --help
expect 2 "expected two or more results files" -- "$IPCB" compare lab-a.json
expect 2 "--format 'yaml'" -- "$IPCB" compare lab-a.json lab-b.json --format yaml
expect 2 "--fail-above 'x'" -- "$IPCB" compare lab-a.json lab-b.json --fail-above x
expect 2 "no result matches --only" -- "$IPCB" compare lab-a.json lab-b.json --only 'nosuch/*'
expect 2 "expected csv, markdown or latex" -- "$IPCB" export lab-a.json --format text

# two machines: the header says what differs, each matched result gets a ratio and a mark
"$IPCB" compare lab-a.json lab-b.json >"$TMP/ab.txt" 2>&1
check '[ $? = 0 ]'
check 'grep -q "^A = lab-a.json: lab-a (AMD EPYC)" "$TMP/ab.txt"'
check 'grep -q "cpu_model: A AMD EPYC | B Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz" "$TMP/ab.txt"'
check 'grep -q "hypervisor: A kvm | B none" "$TMP/ab.txt"'
check 'grep -q "kernel: A Linux 6.18" "$TMP/ab.txt"'
check 'grep -q "mitigations.retbleed: A Not affected | B Mitigation: Enhanced IBRS" "$TMP/ab.txt"'
# B's syscalls were made 1.6x dearer in the fixture: about 2.1x, but one process a side is one
# replicate: no test, however many samples each process took
check 'grep -qE "^modeswitch/syscall-getpid +- +single +156.6 ns +335.7 ns +2.143 +\? +1/1 +too few rounds to test \(n=1 vs 1\)$" "$TMP/ab.txt"'
check '! grep -qE " (\*+|~) +1/1 " "$TMP/ab.txt"'
# the same (id, params, placement) is matched, params sorted: 6 sizes x 2 channels x 2 placements
check '[ "$(grep -c "^msg/.*mode=thread,size=" "$TMP/ab.txt")" = 24 ]'
# rows in one file only, and skipped ones, are listed with their reasons
check 'grep -q "lock/futex-mutex \[single\]: A ok; B absent" "$TMP/ab.txt"'
check 'grep -q "lock/mcs \[single\]: A absent; B ok" "$TMP/ab.txt"'
check 'grep -q "pkey/wrpkru \[single\]: A skipped: CPU lacks PKU (CPUID.7.0:ECX\[3\] = 0); B ok" "$TMP/ab.txt"'
check 'grep -q "handoff/spin \[same-cpu\]: A skipped: busy-waiting" "$TMP/ab.txt"'
check 'grep -q "^sig: is the difference larger than the run-to-run noise" "$TMP/ab.txt"'
check 'grep -q "the process is the unit of replication" "$TMP/ab.txt"'
check 'grep -q "process is the unit of replication\|correlated" <("$IPCB" compare --help)'
# old files carry no round medians: the gate never trips on them
expect 0 "0 results slower" -- "$IPCB" compare lab-a.json lab-b.json --fail-above 50

# --only, and markdown
"$IPCB" compare lab-a.json lab-b.json --only 'lock/*' --format markdown >"$TMP/ab.md"
check 'grep -q "^| benchmark | placement | A median | B median | B/A | sig | rounds | flags |$" "$TMP/ab.md"'
check 'grep -q "^|:---|:---|---:|---:|---:|:---|---:|:---|$" "$TMP/ab.md"'
check 'grep -q "^| lock/tas | single | 2.52 ns | 2.55 ns | 1.013 | ? | 1/1 | too few rounds to test (n=1 vs 1) |$" "$TMP/ab.md"'
check '! grep -q modeswitch "$TMP/ab.md"'
check 'grep -q "^- differs:" "$TMP/ab.md"'

# the same file twice: nothing differs, every ratio is 1, nothing tested (one round a side)
"$IPCB" compare lab-a.json lab-a.json --format csv >"$TMP/aa.csv"
check '[ "$(grep -c ",ok,.*,1,,too few rounds,?,too few rounds to test (n=1 vs 1)$" "$TMP/aa.csv")" = "$(grep -c ",ok,.*,ok," "$TMP/aa.csv")" ]'
check '[ "$(grep -c ",ok,.*,ok," "$TMP/aa.csv")" = 36 ]'
expect 0 "differs: nothing recorded" -- "$IPCB" compare lab-a.json lab-a.json

# exact Mann-Whitney on round medians: 1..5 against 6..10 is the most extreme of C(10,5) = 252
# arrangements, two-sided p = 2/252; interleaved gives p = 0.6905 (counted by brute force);
# 3 rounds a side, or a file without round medians (one replicate), are too few to test;
# the interval shown is interval95 where the file has it (ttas), else stats.ci95 (mcs)
"$IPCB" compare tiny-a.json tiny-b.json --format csv >"$TMP/tiny.csv"
check 'head -n 1 "$TMP/tiny.csv" | grep -qx "id,params,placement,A_status,A_median_ns,A_ci95_lo,A_ci95_hi,A_samples,A_rounds,B_status,B_median_ns,B_ci95_lo,B_ci95_hi,B_samples,B_rounds,B_ratio,B_p,B_test,B_sig,flags"'
check 'grep -qx "lock/tas,,single,ok,3,1,5,5,5,ok,8,6,10,5,5,2.66667,0.007937,mann-whitney,\*\*," "$TMP/tiny.csv"'
check 'grep -qx "lock/ticket,,single,ok,12,10,14,5,5,ok,12.5,10.5,14.5,5,5,1.04167,0.6905,mann-whitney,~," "$TMP/tiny.csv"'
check 'grep -qx "lock/ttas,,single,ok,5.1,4.9,5.3,0,3,ok,6.1,5.9,6.3,0,3,1.19608,,too few rounds,?,too few rounds to test (n=3 vs 3)" "$TMP/tiny.csv"'
check 'grep -qx "lock/mcs,,single,ok,5.1,5,5.2,0,1,ok,5.2,5.1,5.3,0,1,1.01961,,too few rounds,?,too few rounds to test (n=1 vs 1)" "$TMP/tiny.csv"'
# 4 rounds a side is enough: 1..4 against 6..9 gives p = 2/70
jq '(.results[] | select(.round_medians) | .round_medians) |= .[0:4]' tiny-a.json >"$TMP/tiny4-a.json"
jq '(.results[] | select(.round_medians) | .round_medians) |= .[0:4]' tiny-b.json >"$TMP/tiny4-b.json"
check 'grep -q "^lock/tas,.*,4,ok,.*,4,2.66667,0.02857,mann-whitney,\*," <("$IPCB" compare "$TMP/tiny4-a.json" "$TMP/tiny4-b.json" --format csv)'

# the regression gate: slower by more than PCT and significant on round medians -> exit 1
expect 1 "regression: lock/tas [single]: B is 166.7% slower than A (Mann-Whitney on 5 vs 5 round medians, p=0.0079)" -- \
	"$IPCB" compare tiny-a.json tiny-b.json --fail-above 5
# ttas is 19.6% slower, but 3 rounds a side cannot say so: only tas counts
expect 1 "1 result slower and significant" -- "$IPCB" compare tiny-a.json tiny-b.json --fail-above 5
expect 0 "0 results slower" -- "$IPCB" compare tiny-a.json tiny-b.json --fail-above 200
# faster is never a regression: B against A the other way round
expect 0 "0 results slower" -- "$IPCB" compare tiny-b.json tiny-a.json --fail-above 5

# A/A: two runs of the same distribution, 5 rounds each: nothing is significant, the gate holds
"$IPCB" compare rep-a.json rep-b.json >"$TMP/rep.txt"
check '[ $? = 0 ]'
check '[ "$(grep -cE " ~ +5/5 " "$TMP/rep.txt")" = 6 ]'
check '! grep -qE " \*+ +5/5 " "$TMP/rep.txt"'
expect 0 "0 results slower" -- "$IPCB" compare rep-a.json rep-b.json --fail-above 5
# the same with lock/tas's samples and round medians scaled by 1.1: that row, and only it, is marked
"$IPCB" compare rep-a.json rep-b-shift.json >"$TMP/shift.txt"
check 'grep -qE "^lock/tas +threading=multi +single +2.53 ns +2.74 ns +1.082 +\*\* +5/5" "$TMP/shift.txt"'
check '[ "$(grep -cE " \*+ +5/5 " "$TMP/shift.txt")" = 1 ]'
expect 1 "regression: lock/tas threading=multi [single]: B is 8.2% slower than A (Mann-Whitney on 5 vs 5 round medians, p=0.0079)" -- \
	"$IPCB" compare rep-a.json rep-b-shift.json --fail-above 5
# 3 rounds a side: every row says so, with the counts; nothing is marked, the gate cannot trip
"$IPCB" compare rep3-a.json rep3-b.json >"$TMP/rep3.txt"
check '[ "$(grep -c "? *3/3  too few rounds to test (n=3 vs 3)$" "$TMP/rep3.txt")" = 6 ]'
check 'grep -q "too few rounds to test (n=5 vs 3)" <("$IPCB" compare rep-a.json rep3-b.json)'
expect 0 "0 results slower" -- "$IPCB" compare rep3-a.json rep-b-shift.json --fail-above 5

# a whole machine faster (every figure of rep-b at 0.8x, as a host's fast phase does): the header
# names the shift once, with its size; one row shifted alone (rep-b-shift) or none (A/A) does not
jq '.results |= map(if .status == "ok" then (.stats.median *= 0.8 | .round_medians |= map(. * 0.8) |
	.samples |= map(. * 0.8) | .interval95 |= map(. * 0.8) |
	.stats.ci95 |= map(. * 0.8) | .stats.min *= 0.8 | .stats.max *= 0.8 | .stats.p1 *= 0.8 | .stats.p99 *= 0.8) else . end)' rep-b.json >"$TMP/rep-fast.json"
check 'grep -q "^machine-wide shift: B/A is 0.8[0-9]* over 6 rows" <("$IPCB" compare rep-a.json "$TMP/rep-fast.json")'
check '! grep -q "machine-wide shift" "$TMP/rep.txt" "$TMP/shift.txt"'

# two topologies: the nearest pair of cores shares a cache on one machine, not on the other.
# The cross-CPU rows match by role, say so, and are compared; nothing is "not compared"
"$IPCB" compare topo-same.json topo-cross.json >"$TMP/topo.txt"
check '[ "$(grep -c "matched by role: same-cache ↔ cross-cache$" "$TMP/topo.txt")" = 3 ]'
check 'grep -qE "^handoff/futex +- +nearest-core +2.99 us +4.56 us +1.525 +\*\* +5/5  matched by role" "$TMP/topo.txt"'
check 'grep -qE "^msg/pipe +mode=thread,size=4096 +nearest-core .* 5/5  matched by role" "$TMP/topo.txt"'
check 'grep -qE "^handoff/futex +- +same-cpu .* ~ +5/5  $" "$TMP/topo.txt"'
check '! grep -q "not compared" "$TMP/topo.txt"'
check 'grep -q "^matched by role: a machine lacks" "$TMP/topo.txt"'
"$IPCB" compare topo-cross.json topo-same.json --format csv >"$TMP/topo.csv"
check 'grep -q "^handoff/futex,,nearest-core,ok,.*,mann-whitney,\*\*,matched by role: cross-cache <-> same-cache$" "$TMP/topo.csv"'
check '[ "$(wc -l <"$TMP/topo.csv")" = 6 ]'
# three files: the row names each file's placement
check 'grep -q "matched by role: A same-cache ↔ B cross-cache ↔ C same-cache" <("$IPCB" compare topo-same.json topo-cross.json topo-same.json)'
# the header: the same model string, but different hardware, each difference named
check 'grep -q "^A = topo-same.json: epyc-a (AMD EPYC)" "$TMP/topo.txt"'
check 'grep -q "cpu_model AMD EPYC (the name only: the hardware differs, see below)" "$TMP/topo.txt"'
check 'grep -q "^  tsc_rate: A 2445.4 MHz | B 1996.2 MHz$" "$TMP/topo.txt"'
check 'grep -q "^  cpu_id: A family 25 model 1 stepping 1 | B family 25 model 1 stepping 2$" "$TMP/topo.txt"'
check 'grep -q "^  caches: A .*L3 32 MiB x1 shared by 2 CPUs | B .*L3 16 MiB x2 per CPU$" "$TMP/topo.txt"'
check 'grep -q "^  placements: A same-cpu, same-cache | B same-cpu, cross-cache$" "$TMP/topo.txt"'
# a TSC rate calibrated a little differently on the same machine is the same rate
jq '.machine.tsc_hz += 1000' rep-a.json >"$TMP/rep-tsc.json"
check '! grep -q "tsc_rate: A" <("$IPCB" compare rep-a.json "$TMP/rep-tsc.json")'
jq '.machine.topology.caches[4].size = 16777216' rep-a.json >"$TMP/rep-l3.json"
check 'grep -q "caches: A .*L3 32 MiB x1 shared by 2 CPUs | B .*L3 16 MiB x1 shared" <("$IPCB" compare rep-a.json "$TMP/rep-l3.json")'

# 10,000 results over 200 repeated keys: matching is by hash, so this completes (it took minutes)
if command -v python3 >/dev/null; then
	python3 gen-results.py big 10000 1 >"$TMP/big-a.json"
	python3 gen-results.py big 10000 2 >"$TMP/big-b.json"
	"$IPCB" compare "$TMP/big-a.json" "$TMP/big-b.json" --format csv >"$TMP/big.csv"
	check '[ $? = 0 ]'
	check '[ "$(grep -c ",ok,.*,ok," "$TMP/big.csv")" = 10000 ]'
else
	echo "no python3: the 10,000-result compare is not run"
fi

# export: one row per result, skipped rows keep their reason
"$IPCB" export lab-a.json --format csv >"$TMP/a.csv"
check 'head -n 1 "$TMP/a.csv" | grep -qx "id,params,placement,cpus,unit,per,status,n,min,median,mean,p99,ci95_lo,ci95_hi,ci95_rel,unstable,reason"'
check '[ "$(wc -l <"$TMP/a.csv")" = 39 ]'
check 'grep -q "^lock/tas,,single,1,ns,lock+unlock,ok,2656,2.376046038,2.519195281," "$TMP/a.csv"'
check 'grep -q "^msg/pipe,\"mode=thread,size=64\",same-cpu,1 1,ns,round trip,ok," "$TMP/a.csv"'
check 'grep -q "^pkey/wrpkru,,single,1,ns,write,skipped,,,,,,,,,,CPU lacks PKU (CPUID.7.0:ECX\[3\] = 0)$" "$TMP/a.csv"'
"$IPCB" export lab-a.json --format markdown --only lock >"$TMP/a.md"
check 'grep -q "^| lock/tas |  | single | 1 | ns | lock+unlock | ok | 2656 | 2.38 | 2.52 | 2.61 | 4.90 | 2.51 | 2.53 |" "$TMP/a.md"'
check '[ "$(grep -c "^| lock/" "$TMP/a.md")" = 3 ]'
# several files: a first column names the machine
"$IPCB" export lab-a.json lab-b.json >"$TMP/ab.csv"
check 'grep -q "^machine,id," "$TMP/ab.csv" && grep -q "^lab-b (Intel Xeon Gold 6230),lock/mcs," "$TMP/ab.csv"'
expect 2 "no result matches --only" -- "$IPCB" export lab-a.json --only 'nosuch*'

# --format latex: a booktabs table of the compared rows (balanced rules, one row each), numbers to
# three significant digits with the interval as \pm, the marks explained in a note below
"$IPCB" compare topo-same.json topo-cross.json --format latex --label topo-same.json=epyc-7b12 \
	--label topo-cross.json=epyc-7763 >"$TMP/topo.tex"
check '[ $? = 0 ]'
check '[ "$(grep -c "^\\\\toprule$" "$TMP/topo.tex")" = 1 ] && [ "$(grep -c "^\\\\midrule$" "$TMP/topo.tex")" = 1 ] && [ "$(grep -c "^\\\\bottomrule$" "$TMP/topo.tex")" = 1 ]'
check '[ "$(sed -n "/^\\\\midrule$/,/^\\\\bottomrule$/p" "$TMP/topo.tex" | grep -c "\\\\\\\\$")" = 5 ]'
check 'grep -qF "benchmark & params & placement & epyc-7b12 & epyc-7763 & B/A & sig & rounds \\\\" "$TMP/topo.tex"'
check 'grep -qF "handoff/futex & - & nearest-core\\textsuperscript{\\dag} & 2.99 \$\\pm\$ 0.02 us & 4.56 \$\\pm\$ 0.06 us & 1.53 & ** & 5/5 \\\\" "$TMP/topo.tex"'
check 'grep -qF "modeswitch/funcall & - & single & 1.90 \$\\pm\$ 0.02 ns & 1.91 \$\\pm\$ 0.02 ns & 1.01 & n.s. & 5/5 \\\\" "$TMP/topo.tex"'
check 'grep -qF "*** \$p<0.001\$" "$TMP/topo.tex" && grep -qF "n.s.\\ not significant" "$TMP/topo.tex"'
check 'grep -qF "\\textsuperscript{\\dag} the machines" "$TMP/topo.tex"'
# rows not compared are left out of a paper table and counted in its note
"$IPCB" compare lab-a.json lab-b.json --format latex --only lock >"$TMP/lab.tex"
check '[ "$(sed -n "/^\\\\midrule$/,/^\\\\bottomrule$/p" "$TMP/lab.tex" | grep -c "\\\\\\\\$")" = 2 ]'
check 'grep -qF "2 results not compared" "$TMP/lab.tex"'
check '! grep -q "futex-mutex" "$TMP/lab.tex"'
# export latex: LaTeX specials escaped, the same rules
"$IPCB" export lab-a.json --format latex --only lock >"$TMP/a.tex"
check 'grep -qF "lock/tas &  & single & lock+unlock & 2.52 \$\\pm\$ 0.01 ns & 4.90 ns & 1 \\\\" "$TMP/a.tex"'
check '[ "$(grep -c "rule$" "$TMP/a.tex")" = 3 ]'
jq '.results[0].params = {"a_b": "x&y%"}' tiny-a.json >"$TMP/esc.json"
check 'grep -qF "a\\_b=x\\&y\\%" <("$IPCB" export "$TMP/esc.json" --format latex)'
# markdown export: three significant digits in every figure (ci95_rel included)
check 'grep -q "| 2.51 | 2.53 | 0.00277 | no |  |$" "$TMP/a.md"'

# --no-skipped: one summary line instead of the reasons
"$IPCB" compare lab-a.json lab-b.json --no-skipped >"$TMP/ns.txt"
check 'grep -qx "not compared: 4 results missing from a file, skipped or failed (run without --no-skipped for the reasons)" "$TMP/ns.txt"'
check '! grep -q "CPU lacks PKU" "$TMP/ns.txt"'
check '! grep -qE "^(pkey/wrpkru|lock/mcs|lock/futex-mutex) " "$TMP/ns.txt" && grep -qE "^lock/tas " "$TMP/ns.txt"'
expect 0 "2 skipped or failed results left out" -- "$IPCB" export lab-a.json --no-skipped
check '[ "$("$IPCB" export lab-a.json --no-skipped 2>/dev/null | wc -l)" = 37 ]'

# --label names a machine in the header and columns; a FILE that is not an input is refused
check 'grep -q "^A = lab-a.json: lab-A, started" <("$IPCB" compare lab-a.json lab-b.json --label lab-a.json=lab-A)'
check 'grep -q "^lab-B,lock/mcs," <("$IPCB" export lab-a.json ./lab-b.json --label lab-b.json=lab-B)'
expect 2 "--label 'nosuch.json=x': no input file is nosuch.json" -- "$IPCB" compare lab-a.json lab-b.json --label nosuch.json=x
expect 2 "--label 'lab-a.json': expected FILE=NAME" -- "$IPCB" compare lab-a.json lab-b.json --label lab-a.json

# --group: three nodes as one column: the median of their medians, the min-max spread of the node
# medians, and the node that stands apart (rep-b-shift's lock/tas, 8% above the others) named
"$IPCB" compare rep3-a.json --group pool=rep-a.json,rep-b.json,rep-b-shift.json >"$TMP/group.txt"
check '[ $? = 0 ]'
check 'grep -q "^B = group pool, 3 files pooled:$" "$TMP/group.txt" && grep -q "^  B3 = rep-b-shift.json:" "$TMP/group.txt"'
check 'grep -qE "^benchmark .* A median +B median +B spread +B/A +sig +rounds +flags$" "$TMP/group.txt"'
check 'grep -qE "^lock/tas +threading=multi +single +2.51 ns +2.53 ns +2.49 ns–2.74 ns +1.007 +\? +3/15 .*B outlier: B3 rep-b-shift.json \(\+8%\)$" "$TMP/group.txt"'
check 'grep -qE "^handoff/futex +- +same-cpu +896.1 ns +908.9 ns +897.7 ns–908.9 ns " "$TMP/group.txt"'
check '[ "$(grep -c "outlier: " "$TMP/group.txt")" = 1 ]'
# the pooled round medians are tested: 15 against rep-a's 5
check 'grep -qE "^modeswitch/funcall .* 5/15 " <("$IPCB" compare rep-a.json --group pool=rep-a.json,rep-b.json,rep-b-shift.json)'
"$IPCB" compare --group pool=rep-a.json,rep-b.json,rep-b-shift.json rep3-a.json --format csv >"$TMP/group.csv"
check 'head -n 1 "$TMP/group.csv" | grep -q "^id,params,placement,A_status,A_median_ns,A_ci95_lo,A_ci95_hi,A_samples,A_rounds,A_nodes,A_min_ns,A_max_ns,B_status,"'
check 'grep -q "^lock/tas,threading=multi,single,ok,2.530675,,,300,15,3/3,2.4888105,2.7376915,ok,.*A outlier: A3 rep-b-shift.json (+8%)\"$" "$TMP/group.csv"'
check 'grep -qF "2.49--2.74 ns\\textsuperscript{\\ddag}" <("$IPCB" compare rep3-a.json --group pool=rep-a.json,rep-b.json,rep-b-shift.json --format latex)'
expect 2 "expected two or more results files or groups" -- "$IPCB" compare --group pool=rep-a.json,rep-b.json
expect 2 "--group 'pool': expected NAME=FILE,FILE,..." -- "$IPCB" compare rep-a.json --group pool
expect 2 "--group is an option of compare" -- "$IPCB" export rep-a.json --group p=rep-b.json

# bad input: exit 2, one line naming the file and the position
for cmd in "compare lab-a.json" "export"; do
	expect 2 "bad-syntax.json:3:30: string or '}' expected" -- "$IPCB" $cmd bad-syntax.json
	expect 2 "bad-empty.json:1:0:" -- "$IPCB" $cmd bad-empty.json
	expect 2 "bad-array.json: not an ipcbench results file: the top level is an array" -- "$IPCB" $cmd bad-array.json
	expect 2 "bad-not-ipcbench.json: not an ipcbench results file: no \"schema\" member" -- "$IPCB" $cmd bad-not-ipcbench.json
	expect 2 "bad-config.json: an ipcbench config" -- "$IPCB" $cmd bad-config.json
	expect 2 "bad-version.json: schema \"ipcbench/2\" is not supported" -- "$IPCB" $cmd bad-version.json
	expect 2 "bad-ci.json: results[0] (modeswitch/funcall): stats.ci95 [100, 200] does not contain the median" -- \
		"$IPCB" $cmd bad-ci.json
	expect 2 "nosuch.json: No such file or directory" -- "$IPCB" $cmd nosuch.json
	expect 2 ".: is a directory" -- "$IPCB" $cmd .
done
check '[ "$("$IPCB" compare lab-a.json bad-syntax.json 2>&1 | wc -l)" = 1 ]'
check '[ -z "$("$IPCB" compare lab-a.json bad-ci.json 2>/dev/null)" ]'

summary family-compare
