# cdf.gp - latency distributions from the stored histograms: the fraction of operations
# that took at most x, with each line's p99 (circle) and p99.9 (triangle) marked.
# datafile: one block per line (gnuplot `index`): ns, F, -log10(1 - F); then a last block
# with: line number, p99, p99.9.
# Variables: nseries, series_title[], logx, ymax_nines.

# nines = 1: the y axis is the percentile on a log scale of 1 - F (50%, 90%, 99%, 99.9%...),
# so the tail, where the differences are, gets as much room as the body.
# nines = 0: the plain CDF, F from 0 to 1.
nines = 1

set xlabel xlabel_text
if (logx) {
	set logscale x
	set format x '%.0s%c'    # 100, 1k, 10k, 1M (ns)
}
set grid xtics ytics lc rgb '#e0e0e0'
if (nines) {
	set ylabel 'operations at or below x'
	# (tic labels are formats: %% is a percent sign)
	set ytics ('0' 0, '50%%' log10(2), '90%%' 1, '99%%' 2, '99.9%%' 3, '99.99%%' 4, '99.999%%' 5, \
		'99.9999%%' 6, '99.99999%%' 7, '99.999999%%' 8, '99.9999999%%' 9)
	set yrange [0:ymax_nines]
	y99 = 2
	y999 = 3
} else {
	set ylabel 'operations at or below x (fraction)'
	set yrange [0:1]
	y99 = 0.99
	y999 = 0.999
}
set arrow 1 from graph 0, first y99 to graph 1, first y99 nohead dt 2 lc rgb '#888888'
set arrow 2 from graph 0, first y999 to graph 1, first y999 nohead dt 3 lc rgb '#888888'
set label 1 'p99' at graph 0.01, first y99 offset 0, 0.6 tc rgb '#555555'
set label 2 'p99.9' at graph 0.01, first y999 offset 0, 0.6 tc rgb '#555555'

do for [o in outputs] {
	eval out(o)
	plot for [i = 1:nseries] datafile index (i - 1) using 1:(nines ? $3 : $2) with steps lt i title series_title[i], \
		for [i = 1:nseries] datafile index nseries every ::(i - 1)::(i - 1) using 2:(y99) with points lt i pt 6 ps 1 notitle, \
		for [i = 1:nseries] datafile index nseries every ::(i - 1)::(i - 1) using 3:(y999) with points lt i pt 8 ps 1 notitle
}
set output
