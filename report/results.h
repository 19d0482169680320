/* SPDX-License-Identifier: MIT */
/* results.h - the results document (schema "ipcbench/1"): build, write atomically, read, validate. */
#ifndef IPCB_RESULTS_H
#define IPCB_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#include "result.h"

#define IPCB_SCHEMA "ipcbench/1"

/* A duration for people: "2.19 ns", "156.7 ns", "52.31 us", "4.49 ms". */
void ipcb_fmt_ns(double ns, char *buf, size_t len);

/* An ISO 8601 UTC timestamp of now, e.g. 2026-11-26T00:45:12Z. */
void ipcb_utc_now(char *buf, size_t len);

/* A new document: schema, tool, started, machine and config (references stolen). */
json_t *ipcb_report_new(json_t *machine, json_t *config);
/* Stamp "finished" and "interrupted". */
void ipcb_report_finish(json_t *doc, int interrupted);

/* results/<hostname>-<UTC time>.json under dir. malloc'd. */
char *ipcb_report_default_path(const char *dir);
/*
 * Before any benchmark runs: can path be written? Refuses an existing file
 * unless force, anything that exists and is not a regular file (a symlink,
 * even a dangling one, a device, a fifo, a directory) even with force, a
 * path ending in '/', and a directory that does not exist or is not writable.
 */
int ipcb_report_check_path(const char *path, int force, char *err, size_t errlen);
/*
 * Write doc to path atomically: a temporary file in the same directory,
 * fsync, then link() (which never replaces an existing file) or, with
 * force, rename(). 0 or -1 with err.
 */
int ipcb_report_write(const json_t *doc, const char *path, int force, char *err, size_t errlen);
/*
 * When that failed: never lose a finished run. Write doc to a new file
 * beside path (NAME-unsaved-XXXXXX.json in its directory), else in $TMPDIR
 * (or /tmp). The malloc'd path written, or NULL when nothing could be.
 */
char *ipcb_report_write_fallback(const json_t *doc, const char *path);

/* Load and validate a results file. NULL with err on failure. */
json_t *ipcb_report_read(const char *path, char *err, size_t errlen);
/* "an object", "a string", ...: for messages about a value of the wrong type. */
const char *ipcb_json_type_name(const json_t *v);
/*
 * Check doc against schema ipcbench/1; 0 or -1 with the first problem in err
 * (a file that is not ipcbench output, or another version, says so first).
 * Each result is checked by reading it (ipcb_result_from_json), named by
 * its index and id: "results[3] (lock/tas): stats.n must be >= 1".
 */
int ipcb_report_validate(const json_t *doc, char *err, size_t errlen);

#endif
