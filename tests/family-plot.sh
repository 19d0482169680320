#!/bin/bash
# plot: one plot kind per result shape (bars, sweep, cdf, heatmap), .dat + .gp + images,
# the same bytes for the same JSON, fall-backs when gnuplot lacks a terminal, and one-line
# errors (exit 2, nothing written) for bad input. Fixtures: tests/fixtures/README.md.
# Placement names below are those recorded in the fixture files (other machines), never this
# machine's: the one live run (run.json) measures single-CPU benchmarks only.
IPCB=$1
case $IPCB in /*) ;; *) IPCB=$PWD/$IPCB ;; esac
SRC=$2
. "$SRC/tests/lib.sh"
FX=$SRC/tests/fixtures
T="--templates $SRC/plots"
cd "$TMP" || exit 1

expect 0 "usage: ipcbench plot" -- "$IPCB" plot --help
expect 2 "expected one or more results files" -- "$IPCB" plot
expect 2 "--format 'gif'" -- "$IPCB" plot "$FX/lab-a.json" --format gif
expect 2 "lacks the templates" -- "$IPCB" plot "$FX/lab-a.json" --templates /nonexistent
expect 2 "no result matches --only" -- "$IPCB" plot "$FX/lab-a.json" $T --only 'nosuch/*' -o none

# every shape of lab-a.json, data and scripts only
expect 0 "wrote 8 plots to a" -- "$IPCB" plot "$FX/lab-a.json" $T -o a --format none
for stem in bars-modeswitch bars-lock bars-handoff bars-c2c sweep-msg-size cdf-handoff-same-cpu \
	cdf-handoff-same-cache heatmap-c2c-cache-line-spread; do
	check '[ -s a/$stem.dat ] && [ -s a/$stem.gp ]'
done
# the results of a sweep leave the bars; skipped results are counted, not drawn
check '[ ! -e a/bars-msg.dat ]'
expect 0 "2 skipped or failed results are not plotted" -- "$IPCB" plot "$FX/lab-a.json" $T -o a --format none
# bars: a row per benchmark, median and CI per series; one series (placement single)
check '[ "$(grep -c "^\"" a/bars-lock.dat)" = 3 ]'
check 'grep -q "^\"tas\" 2.519195281 2.512215167 2.526156428$" a/bars-lock.dat'
check 'grep -q "^nseries = 1$" a/bars-lock.gp && grep -q "^log_y = 0$" a/bars-lock.gp'
check 'grep -q "^log_y = 1$" a/bars-modeswitch.gp'
# handoff: two placements are two series; spin is missing on same-cpu (skipped): NaN
check 'grep -q "^array series_title\[2\] = \[.same-cpu (CPU 1,1)., .same-cache (CPU 0,1).\]$" a/bars-handoff.gp'
check 'grep -q "^\"spin\" NaN NaN NaN " a/bars-handoff.dat'
# sweep: 4 lines (2 channels x 2 placements) of 6 sizes, log2 x axis, shared params in the subtitle
check '[ "$(grep -c "^# line" a/sweep-msg-size.dat)" = 4 ] && [ "$(grep -c "^[0-9]" a/sweep-msg-size.dat)" = 24 ]'
check 'grep -q "^logx = 2$" a/sweep-msg-size.gp && grep -q "^xlabel_text = .size (bytes).$" a/sweep-msg-size.gp'
check 'grep -q "^xmin = 64.0$" a/sweep-msg-size.gp && grep -q "^xmax = 65536.0$" a/sweep-msg-size.gp'
check 'grep -q "^subtitle_text = .*; mode=thread.$" a/sweep-msg-size.gp'
# cdf: a block per histogram and the p99/p99.9 marks, which are the histogram's own figures
check '[ "$(grep -c "^# line" a/cdf-handoff-same-cache.dat)" = 3 ]'
check '[ "$(jq "[.results[] | select(.id == \"handoff/futex\" and .placement.name == \"same-cache\") | .histogram.p99] | .[0]" "$FX/lab-a.json")" = "$(awk "/^# marks/ {m = 1; next} m && \$1 == 1 {print \$2}" a/cdf-handoff-same-cache.dat)" ]'
check 'awk "/^# line/ {n++} n == 1 && NF == 3 && \$2 > 0 {last = \$2} END {exit !(last == 1)}" a/cdf-handoff-same-cache.dat'
# heatmap: 8 x 8 cells with the CPU ids as tics; the unmeasured diagonal is NaN
check '[ "$(grep -c "^[0-9]" a/heatmap-c2c-cache-line-spread.dat)" = 64 ]'
check '[ "$(grep -c " NaN \"-\"$" a/heatmap-c2c-cache-line-spread.dat)" = 8 ]'
check 'grep -q "^ncpu = 8$" a/heatmap-c2c-cache-line-spread.gp && grep -q "^cpu_tics = .(..0.. 0, ..1.. 1," a/heatmap-c2c-cache-line-spread.gp'
# a .gp is complete: variables, then the shared and the kind's templates
check 'grep -q "^# ---- plots/common.gp ----$" a/bars-lock.gp && grep -q "with boxes lt s" a/bars-lock.gp'

# deterministic: the same JSON gives the same bytes, wherever it is read from (the .gp names
# the file it came from by its base name only)
mkdir elsewhere && cp "$FX/lab-a.json" elsewhere/
(cd elsewhere && "$IPCB" plot lab-a.json $T -o ../b --format none >/dev/null)
same_dirs() {
	local f
	[ "$(ls "$1" | wc -l)" = "$(ls "$2" | wc -l)" ] || return 1
	for f in "$1"/*; do
		cmp -s "$f" "$2/$(basename "$f")" || return 1
	done
}
check 'same_dirs a b'

# several machines: the same plots, the machine in the key, one heatmap per machine
expect 0 "wrote 10 plots to ab" -- "$IPCB" plot "$FX/lab-a.json" "$FX/lab-b.json" $T -o ab --format none
check 'grep -q "^array series_title\[2\] = \[.lab-a., .lab-b.\]$" ab/bars-lock.gp'
check '[ -s ab/heatmap-c2c-cache-line-spread-lab-a.dat ] && [ -s ab/heatmap-c2c-cache-line-spread-lab-b.dat ]'
check 'grep -q "^subtitle_text = .2 results files; the key names the machine" ab/bars-lock.gp'
check '[ "$(grep -c "^# line" ab/sweep-msg-size.dat)" = 8 ]'
# --only
expect 0 "wrote 1 plot to only" -- "$IPCB" plot "$FX/lab-a.json" $T -o only --format none --only 'lock/*'

# bad input: exit 2, one line naming the file and the member, nothing written
expect 2 "bad-histogram.json: results[0] (modeswitch/funcall): histogram.buckets[1] needs 0 <= lo <= hi" -- \
	"$IPCB" plot "$FX/bad-histogram.json" $T -o bad
expect 2 "bad-matrix.json: results[0] (modeswitch/funcall): attachments.matrix.round_trip_ns[1] must be a row of 2" -- \
	"$IPCB" plot "$FX/bad-matrix.json" $T -o bad
expect 2 "bad-syntax.json:3:30:" -- "$IPCB" plot "$FX/bad-syntax.json" $T -o bad
expect 2 "bad-version.json: schema \"ipcbench/2\" is not supported" -- "$IPCB" plot "$FX/bad-version.json" $T -o bad
check '[ ! -e bad ]'

# --- issue 11/12/13: intervals, roles, sizes, styles, selection (fixtures: tests/fixtures/plot/) ---
PF=$FX/plot
# error bars are the reported interval95; a result without it (an older file) falls back to stats.ci95
expect 0 "wrote 8 plots to topo" -- "$IPCB" plot "$PF/topo-a.json" "$PF/topo-b.json" $T -o topo --format none
same_num() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a != "" && b != "" && (a - b) * (a - b) < 1e-12 * (a * a + 1))}'; }
check 'same_num "$(jq -r "[.results[] | select(.id == \"handoff/futex\" and .placement.name == \"same-cpu\") | .interval95[0]] | .[0]" "$PF/topo-a.json")" "$(awk "/^\"futex\"/ {print \$3}" topo/bars-handoff.dat)"'
check '! same_num "$(jq -r "[.results[] | select(.id == \"handoff/futex\" and .placement.name == \"same-cpu\") | .stats.ci95[0]] | .[0]" "$PF/topo-a.json")" "$(awk "/^\"futex\"/ {print \$3}" topo/bars-handoff.dat)"'
check 'same_num "$(jq -r ".results[] | select(.id == \"modeswitch/funcall\") | .stats.ci95[1]" "$PF/topo-a.json")" "$(awk "/^\"funcall\"/ {print \$4}" topo/bars-modeswitch.dat)"'
# two topologies: node-a's same-cache and skylake's cross-cache are one nearest-core group, side by
# side in the bars and one CDF; machines named by machine.label or the short hostname
check 'grep -q "^array series_title\[5\] = \[.same-cpu, node-a., .same-cpu, skylake., .nearest-core, node-a., .nearest-core, skylake., .farthest, skylake.\]$" topo/bars-handoff.gp'
check 'awk "/^\"futex\"/ {exit !(\$8 != \"NaN\" && \$11 != \"NaN\")}" topo/bars-handoff.dat'
check 'grep -q "matched by role: nearest-core: node-a same-cache, nearest-core: skylake cross-cache" topo/bars-handoff.gp'
check '[ "$(grep -c "^# line" topo/cdf-handoff-nearest-core.dat)" = 6 ] && grep -q "node-a same-cache" topo/cdf-handoff-nearest-core.dat && grep -q "skylake cross-cache" topo/cdf-handoff-nearest-core.dat'
check '[ ! -e topo/cdf-handoff-same-cache.dat ] && [ ! -e topo/cdf-handoff-cross-cache.dat ]'
# one file: placement names, never roles
expect 0 "wrote" -- "$IPCB" plot "$PF/topo-b.json" $T -o topo1 --format none
check '[ -s topo1/cdf-handoff-cross-cache.dat ] && [ ! -e topo1/cdf-handoff-nearest-core.dat ]'
# heatmaps of two files share one colour range (the default), or not (--scale own); unmeasured cells
check '[ "$(grep -h "^cb_m" topo/heatmap-c2c-cache-line-spread-node-a.gp)" = "$(printf "cb_min = 89.0\ncb_max = 450.0")" ]'
check '[ "$(grep -h "^cb_m" topo/heatmap-c2c-cache-line-spread-skylake.gp)" = "$(printf "cb_min = 89.0\ncb_max = 450.0")" ]'
check 'grep -q "^unmeasured_cells = 5$" topo/heatmap-c2c-cache-line-spread-node-a.gp && grep -q "measuring CPU" topo/heatmap-c2c-cache-line-spread-node-a.gp'
# CPUs grouped by the widest cache they share (skylake: L3 {0,2} and {1,3}), a line between groups;
# the cells move with their CPUs (row 2 = measuring CPU 1, column 0 = answering CPU 0: 333 ns)
check 'grep -q "^cpu_tics = .(..0.. 0, ..2.. 1, ..1.. 2, ..3.. 3).$" topo/heatmap-c2c-cache-line-spread-skylake.gp'
check 'grep -q "^array group_start\[1\] = \[2\]$" topo/heatmap-c2c-cache-line-spread-skylake.gp && grep -q "^ngroups = 1$" topo/heatmap-c2c-cache-line-spread-node-a.gp'
check 'grep -q "^0 2 333.3 \"333\"$" topo/heatmap-c2c-cache-line-spread-skylake.dat'
expect 0 "wrote" -- "$IPCB" plot "$PF/topo-a.json" "$PF/topo-b.json" $T -o own --format none --scale own
check '! grep -q "^cb_min" own/heatmap-c2c-cache-line-spread-node-a.gp'
# --label FILE=NAME, by the path as given or the base name
expect 0 "wrote" -- "$IPCB" plot "$PF/topo-a.json" "$PF/topo-b.json" $T -o lbl --format none --label topo-a.json=A --label "$PF/topo-b.json=B"
check 'grep -q "^array series_title\[2\] = \[.A., .B.\]$" lbl/bars-modeswitch.gp && [ -s lbl/heatmap-c2c-cache-line-spread-A.gp ]'
expect 2 "--label 'x': expected FILE=NAME" -- "$IPCB" plot "$PF/topo-a.json" $T --label x
# selection: --only keeps the order given; --placement, --role, --param filter
out=$("$IPCB" plot "$FX/lab-a.json" $T -o order --format none --only 'lock/*' --only modeswitch)
check '[ "$(grep -o "bars-[a-z]*" <<<"$out" | tr "\n" " ")" = "bars-lock bars-modeswitch " ]'
expect 0 "wrote 3 plots" -- "$IPCB" plot "$FX/lab-a.json" $T -o pl --format none --placement same-cache
check '[ -s pl/sweep-msg-size.dat ] && ! grep -q "same-cpu" pl/sweep-msg-size.dat && [ -s pl/cdf-handoff-same-cache.dat ]'
expect 0 "wrote" -- "$IPCB" plot "$PF/topo-a.json" "$PF/topo-b.json" $T -o role --format none --role nearest-core
check 'grep -q "^array series_title\[2\] = \[.node-a., .skylake.\]$" role/bars-handoff.gp && grep -q "matched by role: nearest-core" role/bars-handoff.gp'
check '[ ! -e role/bars-modeswitch.gp ] && [ ! -e role/heatmap-c2c-cache-line-spread-node-a.gp ]'
expect 0 "wrote 1 plot" -- "$IPCB" plot "$FX/lab-a.json" $T -o par --format none --param size=64 --param size=4096 --only msg
check '[ "$(grep -c "^\"" par/bars-msg.dat)" = 4 ] && ! grep -q "size=256" par/bars-msg.dat && grep -q "size=4096" par/bars-msg.dat'
expect 2 "no result matches" -- "$IPCB" plot "$FX/lab-a.json" $T -o none --role farthest
# --unit cycles: the file's TSC rate (2.45 GHz: 3000 ns is 7350 cycles); --baseline ID: its median is 1
expect 0 "wrote" -- "$IPCB" plot "$PF/topo-a.json" $T -o cyc --format none --unit cycles --only handoff
check 'grep -q "^\"futex\" 7350 " cyc/bars-handoff.dat && grep -q "^ylabel_text = .cycles per round trip.$" cyc/bars-handoff.gp'
check 'grep -q "^xlabel_text = .latency per round trip (cycles).$" cyc/cdf-handoff-same-cpu.gp'
expect 0 "wrote" -- "$IPCB" plot "$PF/topo-a.json" $T -o base --format none --baseline modeswitch/funcall
check 'grep -q "^\"futex\" 2500 " base/bars-handoff.dat && grep -q "^\"funcall\" 1 " base/bars-modeswitch.dat'
expect 2 "--baseline nosuch/x: no ok result" -- "$IPCB" plot "$PF/topo-a.json" $T -o none --baseline nosuch/x
expect 2 "choose one" -- "$IPCB" plot "$PF/topo-a.json" $T --baseline modeswitch/funcall --unit cycles
# titles: none by default (captions in figures.md), short, full; every setting overridable by gnuplot -e
check 'grep -q "^if (!exists(\"title_mode\")) title_mode = .none.$" topo/bars-handoff.gp && grep -q "^## bars-handoff$" topo/figures.md'
check '[ "$(grep -c "^## " topo/figures.md)" = 8 ] && grep -q "^handoff: median ns per round trip, with the 95% interval. 2 results files" topo/figures.md'
expect 0 "wrote" -- "$IPCB" plot "$FX/lab-a.json" $T -o full --format none --title full --only lock
check 'grep -q "^if (!exists(\"title_mode\")) title_mode = .full.$" full/bars-lock.gp'
expect 2 "--title 'big'" -- "$IPCB" plot "$FX/lab-a.json" $T --title big
# sizes: presets and WxH; text never under 7 pt
expect 0 "wrote" -- "$IPCB" plot "$FX/lab-a.json" $T -o col --format none --size column --only lock
check 'grep -q "^if (!exists(\"width_in\")) width_in = 3.33$" col/bars-lock.gp && grep -q "^if (!exists(\"font_pt\")) font_pt = 7$" col/bars-lock.gp'
expect 0 "wrote" -- "$IPCB" plot "$FX/lab-a.json" $T -o cm --format none --size 9x6cm --only lock
check 'grep -q "^if (!exists(\"width_in\")) width_in = 3.54330708" cm/bars-lock.gp && grep -q "^if (!exists(\"font_pt\")) font_pt = 7$" cm/bars-lock.gp'
expect 2 "--size 'huge'" -- "$IPCB" plot "$FX/lab-a.json" $T --size huge
expect 2 "outside 1..40 in" -- "$IPCB" plot "$FX/lab-a.json" $T --size 0.2x3

# --group NAME=FILE,...: three nodes of one machine type are one machine, pooled as compare --group
# pools a column; a file outside the group stays its own machine
NODES="$PF/node1.json $PF/node2.json $PF/node3.json"
expect 0 "wrote 9 plots to grp" -- "$IPCB" plot --group "c6525=$PF/node1.json,$PF/node2.json,$PF/node3.json" \
	"$PF/topo-b.json" $T -o grp --format none
# the bar is the median of the three node medians; its error columns the lowest and the highest
node_medians() { jq -s -r "[.[] | .results[] | select(.id == \"$1\" and .placement.name == \"$2\") | .stats.median] | sort | .[]" $NODES; }
# the N-th number of a .dat row after its label: bar_col FILE LABEL N
bar_col() { sed -En "s/^\"$2( [^\"]*)?\" *//p" "$1" | cut -d" " -f"$3"; }
check 'same_num "$(node_medians modeswitch/syscall-getpid single | sed -n 2p)" "$(bar_col grp/bars-modeswitch.dat syscall-getpid 1)"'
check 'same_num "$(node_medians modeswitch/syscall-getpid single | sed -n 1p)" "$(bar_col grp/bars-modeswitch.dat syscall-getpid 2)"'
check 'same_num "$(node_medians modeswitch/syscall-getpid single | sed -n 3p)" "$(bar_col grp/bars-modeswitch.dat syscall-getpid 3)"'
check 'same_num "$(node_medians handoff/futex same-cpu | sed -n 3p)" "$(bar_col grp/bars-handoff.dat futex 3)"'
# the ungrouped file keeps its own median and interval; the legend names the group and the machine
check 'same_num "$(jq -r ".results[] | select(.id == \"modeswitch/funcall\") | .interval95[1]" "$PF/topo-b.json")" "$(bar_col grp/bars-modeswitch.dat funcall 6)"'
check 'grep -q "^array series_title\[2\] = \[.c6525., .skylake.\]$" grp/bars-modeswitch.gp'
# the caption (figures.md and the .gp) says the error bar is the node-to-node spread
check 'grep -q "^# caption: .*Pooled nodes: c6525 (3 nodes: node1 node2 node3). For a group, the bar is the median of its node medians and the error bar the node-to-node spread" grp/bars-modeswitch.gp'
check 'grep -A4 "^## bars-handoff$" grp/figures.md | grep -q "the error bar the node-to-node spread"'
check 'grep -q "^Machines: c6525 (a group of 3 nodes pooled: node1.json, node2.json, node3.json" grp/figures.md'
# one heatmap for the group: a cell is the median over the nodes that measured it (node2 did not
# measure CPU 0 -> 3: the median of the other two)
check '[ -s grp/heatmap-c2c-cache-line-spread-c6525.dat ] && ! ls grp | grep -q "node[123]"'
cell() { jq -s "[.[] | .results[] | select(.id == \"c2c/cache-line\") | .attachments.matrix.round_trip_ns[$1][$2] | numbers] | sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end" $NODES; }
check 'same_num "$(cell 0 1)" "$(awk "\$1 == 1 && \$2 == 0 {print \$3}" grp/heatmap-c2c-cache-line-spread-c6525.dat)"'
check 'same_num "$(cell 0 3)" "$(awk "\$1 == 3 && \$2 == 0 {print \$3}" grp/heatmap-c2c-cache-line-spread-c6525.dat)"'
# CDFs: the nodes' histograms summed where their buckets are the same; node3's spin histogram has
# other edges, so the median node's is drawn, and the caption says so
ops=$(jq -s "[.[] | .results[] | select(.id == \"handoff/futex\" and .placement.name == \"same-cache\") | .histogram.buckets[][2]] | add" $NODES)
check 'grep -q "^# line 1: futex, c6525 same-cache ($ops operations; the histograms of 3 nodes summed)$" grp/cdf-handoff-nearest-core.dat'
check 'grep -q "^# line 3: spin, c6525 same-cache (.* operations; the median node.s: node1)$" grp/cdf-handoff-nearest-core.dat'
check 'grep -q "^# caption: .*spin, c6525 same-cache: its nodes. histogram buckets differ, so the median node.s (node1) distribution is drawn" grp/cdf-handoff-nearest-core.gp'
# a group's files also named alone are the group's: the same figures
expect 0 "wrote 9 plots" -- "$IPCB" plot $NODES "$PF/topo-b.json" --group "c6525=$PF/node1.json,$PF/node2.json,$PF/node3.json" \
	$T -o grp2 --format none
check 'same_dirs grp grp2'
# bad groups: exit 2 with a message, nothing written
expect 2 "nosuch.json" -- "$IPCB" plot --group "c6525=$PF/node1.json,$PF/nosuch.json" $T -o badgrp --format none
expect 2 "--group 'c6525=': expected NAME=FILE,FILE,..." -- "$IPCB" plot --group c6525= "$PF/topo-b.json" $T -o badgrp
expect 2 "--group 'c6525': expected NAME=FILE,FILE,..." -- "$IPCB" plot --group c6525 "$PF/topo-b.json" $T -o badgrp
expect 2 "--group c6525: no files" -- "$IPCB" plot --group c6525=,, "$PF/topo-b.json" $T -o badgrp
expect 2 "--group x: the name x is given twice" -- "$IPCB" plot --group "x=$PF/node1.json" --group "x=$PF/node2.json" $T -o badgrp
expect 2 "node2.json is in group x and in group y" -- "$IPCB" plot --group "x=$PF/node1.json,$PF/node2.json" \
	--group "y=$PF/node2.json,$PF/node3.json" $T -o badgrp
check '[ ! -e badgrp ]'

# batch: the per-call results (getpid-direct, write-direct: no batch parameter) are the batch
# sweep's reference lines, each with the lines that have its params (target, size), and no lone bars
expect 0 "wrote 1 plot to batch" -- "$IPCB" plot "$PF/batch-sweep.json" $T -o batch --format none
check '[ -s batch/sweep-batch-batch.gp ] && [ ! -e batch/bars-batch.dat ]'
check 'grep -q "^nseries = 7$" batch/sweep-batch-batch.gp && grep -q "^nrefs = 3$" batch/sweep-batch-batch.gp'
check 'grep -q "^array series_title\[10\] = \[.*, .getpid-direct (one call each)., .write-direct target=devnull (one call each)., .write-direct target=pipe (one call each).\]$" batch/sweep-batch-batch.gp'
check 'grep -q "datafile index (nseries + j - 1) using 1:2 with lines" batch/sweep-batch-batch.gp'
check 'same_num "$(jq -r ".results[] | select(.id == \"batch/write-direct\" and .params.target == \"pipe\") | .stats.median" "$PF/batch-sweep.json")" "$(awk "/^# reference/ {r++} r == 3 && /^[0-9]/ {print \$2; exit}" batch/sweep-batch-batch.dat)"'
check '[ "$(awk "/^# reference/ {r++} r == 1 && /^[0-9]/ {print \$1}" batch/sweep-batch-batch.dat | tr "\n" " ")" = "1 16 " ]'
check 'grep -q "^# caption: .*Horizontal lines: for reference, the batch results without the parameter batch, each beside" batch/sweep-batch-batch.gp'
# write-direct has target and size, which nop-uring lacks: it is no reference for it and stays a bar
expect 0 "wrote 2 plots" -- "$IPCB" plot "$PF/batch-sweep.json" $T -o batch1 --format none \
	--only batch/nop-uring --only batch/getpid-direct --only batch/write-direct
check 'grep -q "^nrefs = 1$" batch1/sweep-batch-batch.gp && grep -q "getpid-direct (one call each)" batch1/sweep-batch-batch.gp'
check '[ "$(grep -c "^\"write-direct" batch1/bars-batch.dat)" = 2 ] && ! grep -q getpid batch1/bars-batch.dat'

# many series: a 31-line sweep (two files) and a 24-line CDF are split, never more series than
# styles in one figure (so no style repeats), every line drawn exactly once, a key in every figure
if command -v python3 >/dev/null; then
	python3 "$PF/synth.py" many many-a.json many-b.json
	expect 0 "wrote" -- "$IPCB" plot many-a.json many-b.json $T -o many --format none
	check '[ "$(cat many/sweep-msg-size*.dat | grep -c "^# line")" = 31 ] && [ "$(ls many/sweep-msg-size*.gp | wc -l)" -ge 3 ]'
	check '[ "$(cat many/cdf-lat-*.dat | grep -c "^# line")" = 24 ] && [ "$(ls many/cdf-lat-*.gp | wc -l)" = 2 ]'
	check '! grep -h "^nseries = " many/*.gp | awk "{if (\$3 > 12 || \$3 < 1) bad = 1} END {exit !bad}"'
	check 'grep -q "^nstyles = 12$" many/cdf-lat-same-cache-1.gp && ! grep -l "unset key" many/*.gp | grep -q .'
	# one axis, one unit: per-message and per-round-trip lines are separate figures
	check '[ -s many/sweep-msg-size-per-message-nearest-core.gp ] && grep -q "^ylabel_text = .ns per message.$" many/sweep-msg-size-per-message-nearest-core.gp'
	# the nearest-core lines of both machines (same-cache on one, cross-cache on the other) share a figure
	check 'grep -q "many-a" many/sweep-msg-size-per-message-nearest-core.dat && grep -q "many-b" many/sweep-msg-size-per-message-nearest-core.dat'

	# 10,000 results: completes and writes its figures (issue 12: was 181 s; hashed now)
	python3 "$PF/synth.py" big 10000 big.json
	expect 0 "wrote" -- "$IPCB" plot big.json $T -o big --format none
	check '[ -s big/figures.md ] && [ "$(ls big/*.gp | wc -l)" -ge 10 ] && [ -s big/bars-f0-1.dat ] && ls big/sweep-s0-size-*.gp >/dev/null'

	# a 5000-character id: short file names, short labels, exit 0
	python3 "$PF/synth.py" longid long.json
	expect 0 "wrote" -- "$IPCB" plot long.json $T -o long --format none
	check '[ "$(ls long | awk "length > 130" | wc -l)" = 0 ] && [ "$(ls long/*.gp | wc -l)" -ge 3 ]'
	check '! grep -h "^array series_title\|^array cat_label" long/*.gp | awk "length > 200" | grep -q .'
	# at column width a key entry is shortened to one column of 7 pt text: never cut at the edge
	expect 0 "wrote" -- "$IPCB" plot long.json "$PF/topo-b.json" $T -o longcol --format none --size column
	check '! grep -h "^key_chars = " longcol/*.gp | awk "{if (\$3 > 45) bad = 1} END {exit !bad}"'
else
	echo "SKIP: python3 is not installed: the synthetic many-series, 10,000-result and long-id files are not made"
fi

# without gnuplot: the .dat and .gp still come, and the exit status says the images did not
expect 1 "cannot run /nonexistent/gnuplot" -- env IPCB_GNUPLOT=/nonexistent/gnuplot "$IPCB" plot "$FX/lab-a.json" $T -o nognuplot
check '[ -s nognuplot/bars-lock.gp ] && [ ! -e nognuplot/bars-lock.png ]'

if ! command -v gnuplot >/dev/null; then
	echo "SKIP: gnuplot is not installed (Debian: gnuplot-nox): images not checked"
	summary family-plot
	exit $?
fi
# the images, in every format, and the .gp reruns by hand in its directory
expect 0 "wrote 10 plots to img" -- "$IPCB" plot "$FX/lab-a.json" "$FX/lab-b.json" $T -o img
for stem in bars-lock sweep-msg-size cdf-handoff-same-cache heatmap-c2c-cache-line-spread-lab-a; do
	check '[ "$(head -c 4 img/$stem.png | od -An -c | tr -d " ")" = "211PNG" ]'
	check 'head -c 5 img/$stem.pdf | grep -q "^%PDF" || [ -s img/$stem.eps ]'
	check 'grep -q "<svg" img/$stem.svg'
done
check '(cd img && rm bars-lock.png && gnuplot bars-lock.gp && [ -s bars-lock.png ])'
mediabox_in() { LC_ALL=C tr -d '\0' <"$1" | grep -ao "MediaBox *\[ *[0-9.]* *[0-9.]* *[0-9.]*" | head -1 | awk "{printf \"%.2f\", \$NF / 72}"; }
# --format none still writes runnable .gp files: gnuplot draws them with the terminals it has
check '(cd a && gnuplot bars-lock.gp 2>&1 | grep -q . ; [ -s bars-lock.png ] || [ -s bars-lock.pdf ])'
# gnuplot -e overrides every setting: one output file, its terminal from the extension, a font size
check '(cd a && gnuplot -e "output=\"x.pdf\"; font_pt=9; width_in=3" bars-lock.gp && head -c 5 x.pdf | grep -q "^%PDF")'
check '[ "$(mediabox_in a/x.pdf)" = "3.00" ]'
# --size column: a PDF at most 3.4 in wide, 7 pt text, and not one gnuplot warning for any figure,
# long-id, many-series and two-topology figures included
"$IPCB" plot "$FX/lab-a.json" "$FX/lab-b.json" $T -o colimg --format png,pdf --size column >colimg.out 2>colimg.err
check '[ $? = 0 ] && ! grep -qi "warning" colimg.err'
for f in colimg/*.pdf; do
	check 'awk "BEGIN {exit !($(mediabox_in "$f") <= 3.4)}"'
done
check 'grep -q "^if (!exists(\"font_pt\")) font_pt = 7$" colimg/sweep-msg-size.gp'
"$IPCB" plot "$PF/topo-a.json" "$PF/topo-b.json" $T -o topoimg --format png,pdf --size column >/dev/null 2>topoimg.err
check '[ $? = 0 ] && ! grep -qi "warning" topoimg.err && [ -s topoimg/bars-handoff.pdf ]'
if [ -s many-a.json ]; then
	"$IPCB" plot many-a.json many-b.json $T -o manyimg --format pdf --size column >/dev/null 2>manyimg.err
	check '[ $? = 0 ] && ! grep -qi "warning" manyimg.err && [ "$(ls manyimg/*.pdf | wc -l)" = 8 ]'
	"$IPCB" plot long.json $T -o longimg --format png >/dev/null 2>longimg.err
	check '[ $? = 0 ] && ! grep -qi "warning" longimg.err && [ "$(ls longimg/*.png | wc -l)" -ge 3 ]'
fi
# a pooled group and a batch sweep with its reference lines draw without a gnuplot warning
"$IPCB" plot --group "c6525=$PF/node1.json,$PF/node2.json,$PF/node3.json" "$PF/topo-b.json" "$PF/batch-sweep.json" \
	$T -o grpimg --format png,pdf --size column >/dev/null 2>grpimg.err
check '[ $? = 0 ] && ! grep -qi "warning" grpimg.err && [ -s grpimg/sweep-batch-batch.png ] && [ -s grpimg/bars-handoff.pdf ]'
# a gnuplot without cairo: PNG through libgd, PDF through EPS (and ps2pdf when present)
expect 0 "no pdfcairo terminal" -- env IPCB_PLOT_TERMINALS="png svg postscript" "$IPCB" plot "$FX/lab-a.json" $T -o gd --only lock
check '[ -s gd/bars-lock.png ] && [ -s gd/bars-lock.eps ]'
check 'grep -q "^if (!exists(\"outputs\")) outputs = .png:png eps:postscript svg:svg.$" gd/bars-lock.gp'
# no terminal for the only format asked for: nothing drawn, exit 1
expect 1 "no terminal for png" -- env IPCB_PLOT_TERMINALS="svg" "$IPCB" plot "$FX/lab-a.json" $T -o none --format png

# what ./run.sh does after a run: plot a fresh result into plots/<result name>/
expect 0 "wrote run.json" -- "$IPCB" run modeswitch/funcall lock/tas --time-budget 0.05 -q -o run.json
expect 0 "wrote 2 plots to plots/run" -- "$IPCB" plot run.json $T -o plots/run --format png
check '[ -s plots/run/bars-modeswitch.png ] && [ -s plots/run/bars-lock.png ]'
# the templates are found beside the binary when it is built inside the source tree
if [ -e "$(dirname "$IPCB")/../plots/bars.gp" ]; then
	expect 0 "wrote 2 plots to plots/run" -- "$IPCB" plot run.json --format none
fi

# a label names a parameter only for the benchmark whose results differ in it: tas run both ways
# says threading=, ticket and ttas (multi like every other) do not
jq '.results |= (map(.params.threading = "multi") + [.[0] | .params.threading = "single"])' \
	"$SRC/tests/fixtures/tiny-a.json" >"$TMP/threads.json"
"$IPCB" plot "$TMP/threads.json" -o "$TMP/threads" --format none >/dev/null 2>&1
check 'grep -q "^\"tas threading=single\" " "$TMP/threads/bars-lock.dat" && grep -q "^\"tas threading=multi\" " "$TMP/threads/bars-lock.dat"'
check 'grep -q "^\"ticket\" " "$TMP/threads/bars-lock.dat" && ! grep -q "ticket threading" "$TMP/threads/bars-lock.dat"'

# a figure split for its width names in its legend only the series with a bar in it: 40 benchmarks on
# one CPU, the last also on same-cpu; only the part holding that last one has the second series
jq '.results |= ([range(0;40) as $i | .[0] | .id = ("lock/b" + ($i|tostring))] +
	[.[0] | .id = "lock/b39" | .placement = {"name": "same-cpu", "cpus": [1,1], "relation": "same-cpu"}])' \
	"$SRC/tests/fixtures/tiny-a.json" >"$TMP/split.json"
"$IPCB" plot "$TMP/split.json" -o "$TMP/split" --format none >/dev/null 2>&1
check '[ -s "$TMP/split/bars-lock-1.dat" ] && ! grep -q "same-cpu" "$TMP/split/bars-lock-1.dat"'
check 'grep -q "^# series 2: same-cpu" "$(ls "$TMP"/split/bars-lock-*.dat | tail -1)"'

summary family-plot
