# sweep.gp - results that vary in one parameter: the median against it, one line per
# benchmark (and placement, and machine), the reported 95% interval as error bars, log axes.
# datafile: one block per line (gnuplot `index`): parameter value, median, interval95 lo, hi.
# Variables: nseries, series_title[], logx (0: linear, else the base), xmin, xmax, log_y.

set xlabel xlabel_text
set ylabel ylabel_text
if (logx > 0) {
	set logscale x logx
	# as many tics as fit the width (a label is at most 5 characters, and a gap), each a power
	# of the base: 64, 256, 1Ki ... on a narrow figure rather than labels that overlap
	set format x (logx == 2 ? '%.0b%B' : '%.0s%c')
	max_tics = int((width_in - 0.8) / (7 * char_in))
	span = log(xmax / xmin) / log(logx)
	tic_step = span / (max_tics > 1 ? max_tics - 1 : 1)
	tic_step = tic_step <= 1 ? 1 : ceil(tic_step)
	set xtics logx ** tic_step
	set mxtics default
	set xrange [xmin:xmax]
}
if (log_y) {
	set logscale y
	set format y '%g'
}
set grid xtics ytics lc rgb '#e0e0e0'

do for [o in outputs] {
	eval out(o)
	plot for [i = 1:nseries] datafile index (i - 1) using 1:2:3:4 with yerrorlines lt i title series_title[i]
}
set output
