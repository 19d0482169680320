# heatmap.gp - a CPU x CPU matrix (e.g. core-to-core round trips): one cell per pair,
# CPU ids (OS numbering) on both axes, the value in the cell when there are few CPUs.
# datafile: column index, row index, value (NaN: not measured, left blank), the value as a label;
# rows separated by blank lines.
# Variables: ncpu, cpu_tics, show_values, cb_label_text.

set size ratio -1
set xrange [-0.5:ncpu - 0.5]
set yrange [ncpu - 0.5:-0.5]
eval 'set xtics ' . cpu_tics
eval 'set ytics ' . cpu_tics
set xtics scale 0
set ytics scale 0
unset grid
set xlabel 'CPU (OS id)'
set ylabel 'CPU (OS id)'
set cblabel cb_label_text
# light (cheap) to dark (dear); black values stay readable on every cell
set palette defined (0 '#ffffe5', 0.35 '#fee391', 0.65 '#fe9929', 1 '#cc4c02')
set cbrange [*:*]

do for [o in outputs] {
	eval out(o)
	if (show_values) {
		plot datafile using 1:2:3 with image notitle, \
			datafile using 1:2:4 with labels notitle
	} else {
		plot datafile using 1:2:3 with image notitle
	}
}
set output
