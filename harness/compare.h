/* SPDX-License-Identifier: MIT */
/* compare.h - `ipcbench compare`: results matched across files, ratios with significance. */
#ifndef IPCB_COMPARE_H
#define IPCB_COMPARE_H

int ipcb_cmd_compare(int argc, char **argv);
/* `ipcbench export FILE --format csv|markdown`: one row per result. */
int ipcb_cmd_export(int argc, char **argv);

#endif
