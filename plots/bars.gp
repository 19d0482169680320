# bars.gp - the median of each benchmark with its reported 95% interval as error bars:
# one cluster per benchmark, one bar per series (placement, or machine and placement).
# datafile: one row per benchmark: "label", then median lo hi for each series.
# A group of nodes (ipcbench plot --group): the bar is the median of the node medians and the
# error bar the node-to-node spread (lowest to highest node median), not a 95% interval.
# Variables: nseries, series_title[], log_y (and ymin), rotate_xtics, ncats, cat_label[], xlabel_text,
# ylabel_text.

bar_w = 0.8 / nseries
bar_x(c, s) = c - 0.4 + (s - 0.5) * bar_w
set boxwidth bar_w * 0.9 absolute
set style fill border
set xlabel xlabel_text
set ylabel ylabel_text
set xrange [-0.6:ncats - 0.4]
set xtics scale 0 ()
do for [c = 1:ncats] {
	set xtics add (cat_label[c] c - 1)
}
if (rotate_xtics) {
	# upright: a slanted label reaches past its neighbours (and gnuplot misjudges its room)
	set xtics rotate by 90 right
}
if (log_y) {
	set logscale y
	set yrange [ymin:*]
} else {
	set yrange [0:*]
}

do for [o in outputs] {
	eval out(o)
	plot for [s = 1:nseries] datafile using (bar_x($0, s)):(column(3 * s - 1)) \
			with boxes lt s fs pattern style_fill[(s - 1) % nstyles + 1] title series_title[s], \
		for [s = 1:nseries] datafile using (bar_x($0, s)):(column(3 * s)):(0):(column(3 * s + 1) - column(3 * s)) \
			with vectors heads size screen 0.008, 90 lc rgb '#202020' lw 1 notitle
}
set output
