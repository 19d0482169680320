#!/bin/bash
# plot: one plot kind per result shape (bars, sweep, cdf, heatmap), .dat + .gp + images,
# the same bytes for the same JSON, fall-backs when gnuplot lacks a terminal, and one-line
# errors (exit 2, nothing written) for bad input. Fixtures: tests/fixtures/README.md.
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

summary family-plot
