/* SPDX-License-Identifier: MIT */
/*
 * sysfs.h - the one reader of small procfs/sysfs files (sysfs.c). Families
 * get ipcb_read_text(), ipcb_read_long() and ipcb_read_field() through
 * ipcbench.h; the engine also reads a whole file. Paths are taken as given: `ipcbench system`
 * builds them under $IPCBENCH_SYSFS_ROOT (ipcb_system_root()) itself.
 */
#ifndef IPCB_SYSFS_H
#define IPCB_SYSFS_H

#include <stddef.h>

#include "ipcbench.h"

/* A small file exactly as it is: 0 and a malloc'd NUL-terminated copy (its length in *len if len), or -errno. */
int ipcb_read_file(const char *path, char **text, size_t *len);

/* Strip spaces, tabs, CR and LF from both ends, in place. */
void ipcb_trim(char *s);

#endif
