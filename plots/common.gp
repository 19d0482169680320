# common.gp - what every ipcbench plot shares: sizes, terminals, fonts, series styles, titles.
# ipcbench writes the plot's settings and variables first (stem, datafile, title_text,
# subtitle_text, width_in, plot_in, font_pt, ...), then this file, then the plot kind's file.
# Every setting applies only when not already set, so `gnuplot -e "font_pt=9" STEM.gp` wins.

if (!exists("font_name")) font_name = 'Sans'
if (!exists("font_pt")) font_pt = 8
if (!exists("width_in")) width_in = 7.0
if (!exists("plot_in")) plot_in = 2.6
if (!exists("png_dpi")) png_dpi = 200        # PNG pixels per inch of the printed figure
if (!exists("title_mode")) title_mode = 'none'
if (!exists("key_entries")) key_entries = 0
if (!exists("key_chars")) key_chars = 0
if (!exists("rotate_xtics")) rotate_xtics = 0
if (!exists("xtic_chars")) xtic_chars = 0
# size='WxH' (inches): the width, and the height of the plot without its key
if (exists("size")) {
	width_in = size[1:strstrt(size, 'x') - 1] + 0.0
	plot_in = size[strstrt(size, 'x') + 1:] + 0.0
}

# The key goes below the plot, in as many columns as fit: it never covers data and the
# figure grows to hold it. A character is about 0.6 em wide in Sans.
char_in = 0.6 * font_pt / 72.0
line_in = 1.25 * font_pt / 72.0
# upright tic labels need their own room below the axis
extra_in = rotate_xtics ? xtic_chars * char_in * 0.85 : 0.0
key_col_in = (key_chars + 7) * char_in
key_cols = int((width_in - 0.2) / key_col_in)
key_cols = key_cols < 1 ? 1 : key_cols
key_rows = key_entries > 0 ? int((key_entries + key_cols - 1) / key_cols) : 0
title_lines = title_mode eq 'full' ? 2 : title_mode eq 'short' ? 1 : 0
if (!exists("height_in")) height_in = plot_in + extra_in + (key_rows > 0 ? (key_rows + 0.6) * line_in + 0.12 : 0) + \
	title_lines * line_in * 1.1

# What to write: `outputs` lists "extension:terminal" pairs (ipcbench picks those this gnuplot
# has); output='fig.pdf' writes one file, its terminal from its extension or terminal='...'.
ext_term(e) = e eq 'pdf' ? 'pdfcairo' : e eq 'png' ? 'pngcairo' : e eq 'svg' ? 'svg' : e eq 'eps' ? 'postscript' : e
term_ext(t) = t eq 'pdfcairo' ? 'pdf' : t[1:3] eq 'png' ? 'png' : t eq 'postscript' || t eq 'epscairo' ? 'eps' : t
has_term(t) = strstrt(' ' . GPVAL_TERMINALS . ' ', ' ' . t . ' ') > 0
if (exists("output")) {
	out_ext = output[strstrt(output, '.') + 1:]
	outputs = out_ext . ':' . (exists("terminal") ? terminal : ext_term(out_ext))
} else {
	if (exists("terminal")) {
		outputs = term_ext(terminal) . ':' . terminal
	}
}
if (!exists("outputs")) {
	# no format was chosen (ipcbench plot --format none): whatever this gnuplot can draw
	outputs = (has_term('pngcairo') ? 'png:pngcairo ' : has_term('png') ? 'png:png ' : '') . \
		(has_term('pdfcairo') ? 'pdf:pdfcairo ' : '') . (has_term('svg') ? 'svg:svg' : '')
}

term_pngcairo = sprintf("pngcairo size %d,%d noenhanced font '%s,%g' fontscale %g linewidth %g", \
	int(width_in * png_dpi), int(height_in * png_dpi), font_name, font_pt, png_dpi / 96.0, png_dpi / 96.0)
term_png = sprintf("png size %d,%d noenhanced font '%s,%g'", \
	int(width_in * png_dpi), int(height_in * png_dpi), font_name, font_pt * png_dpi / 72.0)
term_pdfcairo = sprintf("pdfcairo size %gin,%gin noenhanced font '%s,%g' linewidth 1", \
	width_in, height_in, font_name, font_pt)
term_postscript = sprintf("postscript eps color noenhanced size %gin,%gin font 'Helvetica,%g'", \
	width_in, height_in, font_pt)
term_epscairo = sprintf("epscairo size %gin,%gin noenhanced font '%s,%g'", width_in, height_in, font_name, font_pt)
term_svg = sprintf("svg size %d,%d dynamic noenhanced font '%s,%g' linewidth 1", \
	int(width_in * 72), int(height_in * 72), font_name, font_pt)
# set terminal and output for one word of `outputs`
colon(o) = strstrt(o, ':')
term_of(t) = exists('term_' . t) ? value('term_' . t) : t
out(o) = sprintf("set terminal %s; set output '%s'", term_of(o[colon(o) + 1:]), \
	exists("output") ? output : stem . '.' . o[1:colon(o) - 1])

# The series styles: each differs from every other in colour (Okabe-Ito, safe for colour-blind
# readers), dash pattern and marker, so that a greyscale print still tells them apart; bars
# differ in colour and fill. ipcbench never puts more series than styles in one figure.
nstyles = 12
array style_colour[12] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', \
	'#000000', '#999999', '#0072B2', '#D55E00', '#009E73', '#CC79A7']
array style_marker[12] = [7, 5, 9, 13, 6, 4, 8, 12, 11, 10, 15, 14]
array style_dash[12] = ['', '6,3', '2,2', '8,3,2,3', '12,3', '4,2', '2,4', '8,3,2,3,2,3', '12,4,2,4', \
	'6,2,2,2,2,2', '16,4', '3,3,9,3']
# fill pattern of bars: 3 solid, 4 and 5 diagonal, 1 and 2 cross-hatched, 6 and 7 sparse diagonal,
# 0 empty; where two styles share a pattern they differ in colour and in the dash of the outline
array style_fill[12] = [3, 4, 5, 1, 2, 6, 7, 0, 6, 7, 0, 2]
do for [i = 1:nstyles] {
	if (style_dash[i] eq '') {
		eval sprintf("set linetype %d lc rgb '%s' lw 1.5 dt solid pt %d ps 0.7", i, style_colour[i], style_marker[i])
	} else {
		eval sprintf("set linetype %d lc rgb '%s' lw 1.5 dt (%s) pt %d ps 0.7", i, style_colour[i], style_dash[i], style_marker[i])
	}
}
set linetype cycle nstyles
# Reference lines (a sweep's results without the swept parameter, e.g. one syscall per call in a
# batch sweep): horizontal, dark, no marker, and a dash of their own, so that they read as a
# yardstick rather than as one more series; they differ from each other in grey and dash.
nref_styles = 6
array ref_colour[6] = ['#000000', '#5a5a5a', '#000000', '#5a5a5a', '#000000', '#5a5a5a']
array ref_dash[6] = ['20,5', '20,5', '20,4,3,4', '20,4,3,4', '3,6', '3,6']
do for [i = 1:nref_styles] {
	eval sprintf("set style line %d lc rgb '%s' lw 1.2 dt (%s) pt -1", 100 + i, ref_colour[i], ref_dash[i])
}

if (title_mode eq 'full') {
	set title sprintf("%s\n%s", title_text, subtitle_text)
} else {
	if (title_mode eq 'short') {
		set title title_text
	} else {
		unset title
		set tmargin 1   # the top tic label needs half a line
	}
}
set border 3
set tics nomirror out scale 0.5
set grid ytics lc rgb '#e0e0e0' lw 0.5 dt 1
set key noautotitle
set rmargin 4   # the key is below: the right margin holds only half of the last tic label
set key outside below center horizontal Left reverse samplen 2.5 spacing 1 width 1 height 0.6 maxcols key_cols
