/* SPDX-License-Identifier: MIT */
/*
 * plot.h - `ipcbench plot`: gnuplot figures from results files, one plot kind
 * per result shape (templates in plots/): bars (median and CI of every
 * result, by placement), sweep (results that vary in one integer parameter),
 * cdf (results with a latency histogram), heatmap (results with a CPU x CPU
 * matrix attached).
 */
#ifndef IPCB_PLOT_H
#define IPCB_PLOT_H

#include <stddef.h>

#include "compare.h"

/*
 * Build every plot of files[0..n) in memory and write nothing: the data
 * extraction `plot` runs, for tests and the fuzzer. 0, or -1 with a one-line
 * error naming the file and the member (a malformed histogram or matrix).
 */
int ipcb_plot_dry(const struct ipcb_rfile *files, size_t n, char *err, size_t errlen);

int ipcb_cmd_plot(int argc, char **argv);

#endif
