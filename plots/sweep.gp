# sweep.gp - results that vary in one parameter: the median against it, one line per
# benchmark (and placement, and machine), the reported 95% interval as error bars, log axes.
# datafile: one block per line (gnuplot `index`): parameter value, median, interval95 lo, hi.
# Variables: nseries, series_title[], logx (0: linear, else the base), log_y.

set xlabel xlabel_text
set ylabel ylabel_text
if (logx > 0) {
	set logscale x logx
	set format x '%.0f'
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
