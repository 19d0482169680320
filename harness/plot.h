/* SPDX-License-Identifier: MIT */
/* plot.h - `ipcbench plot`: gnuplot figures from results files. */
#ifndef IPCB_PLOT_H
#define IPCB_PLOT_H

int ipcb_cmd_plot(int argc, char **argv);

#endif
