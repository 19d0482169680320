# heatmap.gp - a CPU x CPU matrix (e.g. core-to-core round trips): one cell per pair, the row
# is the CPU that measures, the column the CPU that answers (OS ids), the value in the cell when
# there are few CPUs; a cell not measured is grey and hatched, never a colour of the scale.
# CPUs are grouped by the widest cache they share (a package or a CCX), groups split by lines.
# datafile: column index, row index, value (NaN: not measured), the value as a label;
# rows separated by blank lines.
# Variables: ncpu, cpu_tics, show_values, unmeasured_cells, ngroups, group_start[], cb_label_text; cb_min and cb_max when the colour
# range is shared with the heatmaps of other files (ipcbench plot --scale shared).

set size ratio -1
set xrange [-0.5:ncpu - 0.5]
set yrange [ncpu - 0.5:-0.5]
eval 'set xtics ' . cpu_tics
eval 'set ytics ' . cpu_tics
set xtics scale 0
set ytics scale 0
unset grid
set border 15
set xlabel 'answering CPU (OS id)'
set ylabel 'measuring CPU (OS id)'
set cblabel cb_label_text
set rmargin   # automatic: room for the colour box
# light (cheap) to dark (dear); black values stay readable on every cell
set palette defined (0 '#ffffe5', 0.35 '#fee391', 0.65 '#fe9929', 1 '#cc4c02')
if (exists("cb_min") && exists("cb_max")) {
	set cbrange [cb_min:cb_max]
} else {
	set cbrange [*:*]
}
# (a NaN compares as NaN in gnuplot: test the text written in the data file)
do for [g = 1:ngroups - 1] {
	set arrow from group_start[g] - 0.5, graph 0 to group_start[g] - 0.5, graph 1 nohead front lw 2 lc rgb '#000000'
	set arrow from graph 0, first group_start[g] - 0.5 to graph 1, first group_start[g] - 0.5 nohead front lw 2 lc rgb '#000000'
}
unmeasured(c) = strcol(c) eq 'NaN' ? 1 : NaN

do for [o in outputs] {
	eval out(o)
	if (unmeasured_cells) {
		plot datafile using 1:2:3 with image notitle, \
			datafile using ($1 * unmeasured(3)):2:(0.5):(0.5) with boxxyerror fs pattern 2 \
				lc rgb '#808080' title 'not measured', \
			datafile using 1:2:(show_values && strcol(3) ne 'NaN' ? stringcolumn(4) : '') with labels notitle
	} else {
		plot datafile using 1:2:3 with image notitle, \
			datafile using 1:2:(show_values ? stringcolumn(4) : '') with labels notitle
	}
}
set output
