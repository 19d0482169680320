# sweep.gp - results that vary in one parameter: the median against it, one line per
# benchmark (and placement, and machine), the reported 95% interval as error bars, log axes.
# datafile: one block per line (gnuplot `index`): parameter value, median, interval95 lo, hi.
# After the lines' blocks, nrefs reference blocks (two points, xmin and xmax, at a median): the
# results without the swept parameter, drawn as horizontal lines in the reference styles.
# Variables: nseries, series_title[] (the lines, then the references), nrefs, logx (0: linear,
# else the base), xmin, xmax, log_y.
# A group of nodes (ipcbench plot --group): a point is the median of the node medians and its
# error bar the node-to-node spread (lowest to highest node median), not a 95% interval.

if (!exists("nrefs")) nrefs = 0

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
	# from a power of the base at or below xmin (without a start gnuplot counts from the edge of
	# its own range: 60, 240, 960 ... for powers of two)
	tic0 = logx ** floor(log(xmin) / log(logx) + 1e-9)
	set xtics tic0, logx ** tic_step
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
	if (nrefs > 0) {
		plot for [i = 1:nseries] datafile index (i - 1) using 1:2:3:4 with yerrorlines lt i title series_title[i], \
			for [j = 1:nrefs] datafile index (nseries + j - 1) using 1:2 with lines \
				ls (100 + (j - 1) % nref_styles + 1) title series_title[nseries + j]
	} else {
		plot for [i = 1:nseries] datafile index (i - 1) using 1:2:3:4 with yerrorlines lt i title series_title[i]
	}
}
set output
