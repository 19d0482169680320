# bars.gp - the median of each benchmark with the 95% CI of the median as error bars:
# one cluster per benchmark, one bar per series (placement, or machine and placement).
# datafile: one row per benchmark: "label", then median ci95_lo ci95_hi for each series.
# Variables: nseries, series_title[], log_y (and ymin), rotate_xtics, xlabel_text, ylabel_text.

set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border rgb '#404040'
set boxwidth 0.9 relative
set xlabel xlabel_text
set ylabel ylabel_text
set xtics scale 0
if (rotate_xtics) {
	set xtics rotate by 30 right
}
if (log_y) {
	set logscale y
	set yrange [ymin:*]
} else {
	set yrange [0:*]
}
if (nseries > 1) {
	set key top left horizontal maxrows 3 samplen 2
} else {
	unset key
}

do for [o in outputs] {
	eval out(o)
	plot for [s = 1:nseries] datafile using (column(3 * s - 1)):(column(3 * s)):(column(3 * s + 1)):xtic(1) \
		lt s title series_title[s]
}
set output
