# common.gp - what every ipcbench plot shares: terminals, fonts, colours, axes.
# ipcbench writes the plot's variables first (stem, datafile, outputs, title_text,
# subtitle_text, width_cm, height_cm, ...), then this file, then the plot kind's file.

font_name = 'Sans'
font_pt = 10
px_per_cm = 50    # PNG and SVG pixels per centimetre of the PDF page

# One terminal per output kind; `outputs` lists "extension:terminal" pairs that this
# gnuplot offers (ipcbench picked them), e.g. 'png:pngcairo pdf:pdfcairo svg:svg'.
term_pngcairo = sprintf("pngcairo size %d,%d noenhanced font '%s,%d' linewidth 1.5", \
	int(width_cm * px_per_cm), int(height_cm * px_per_cm), font_name, font_pt)
term_png = sprintf("png size %d,%d noenhanced font '%s,%d'", \
	int(width_cm * px_per_cm), int(height_cm * px_per_cm), font_name, font_pt)
term_pdfcairo = sprintf("pdfcairo size %gcm,%gcm noenhanced font '%s,%d' linewidth 1.5", \
	width_cm, height_cm, font_name, font_pt)
term_postscript = sprintf("postscript eps color noenhanced size %gcm,%gcm font 'Helvetica,%d'", \
	width_cm, height_cm, font_pt)
term_svg = sprintf("svg size %d,%d dynamic noenhanced font '%s,%d' linewidth 1.5", \
	int(width_cm * px_per_cm), int(height_cm * px_per_cm), font_name, font_pt)
# set terminal and output for one word of `outputs`
colon(o) = strstrt(o, ':')
out(o) = sprintf("set terminal %s; set output '%s.%s'", value('term_' . o[colon(o) + 1:]), stem, o[1:colon(o) - 1])

# Okabe-Ito colours (safe for colour-blind readers) with distinct point shapes,
# so that a greyscale print still tells the lines apart.
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.9
set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 0.9
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 1.1
set linetype 4 lc rgb '#CC79A7' lw 2 pt 13 ps 1.0
set linetype 5 lc rgb '#E69F00' lw 2 pt 11 ps 1.1
set linetype 6 lc rgb '#56B4E9' lw 2 pt 4 ps 0.9
set linetype 7 lc rgb '#000000' lw 2 pt 6 ps 0.9
set linetype 8 lc rgb '#999999' lw 2 pt 8 ps 0.9
set linetype cycle 8

set title sprintf("%s\n%s", title_text, subtitle_text)
set border 3
set tics nomirror out
set grid ytics lc rgb '#e0e0e0' lw 1 dt 1
set key noautotitle
