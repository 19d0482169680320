// SPDX-License-Identifier: MIT
/*
 * fuzz_results.c - libFuzzer target for reading results files back. One input
 * is the text of a results file: json_loadb, then ipcb_report_validate (the
 * schema check every reader runs), then, for a document that passes, all
 * that compare, export and plot derive from it, written nowhere. A valid
 * document says nothing about its optional members (histogram, attachments)
 * or its sizes, and these readers must still never crash on it.
 * Built and run for a bounded time by tests/family-fuzz.sh.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "export.h"
#include "plot.h"
#include "results.h"

static FILE *sink;

static void readers(json_t *doc)
{
	struct ipcb_compare_opts o = { IPCB_FMT_TEXT, NULL, 0, -1 };
	struct ipcb_rfile files[2];
	char err[512];

	if (ipcb_rfile_adopt(&files[0], "a.json", json_incref(doc), err, sizeof(err)))
		return; /* not a results file: the validator said so */
	if (ipcb_rfile_adopt(&files[1], "b.json", json_incref(doc), err, sizeof(err))) {
		ipcb_rfiles_free(files, 1);
		return;
	}
	ipcb_rfiles_label(files, 2);
	ipcb_compare_files(files, 2, &o, sink);
	o.format = IPCB_FMT_CSV;
	ipcb_compare_files(files, 2, &o, sink);
	ipcb_export_files(files, 1, IPCB_FMT_MARKDOWN, NULL, 0, sink);
	ipcb_plot_dry(files, 2, err, sizeof(err));
	ipcb_rfiles_free(files, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *doc;

	if (!sink)
		sink = fopen("/dev/null", "w");
	doc = json_loadb((const char *)data, size, 0, &jerr);
	if (!doc)
		return 0;
	readers(doc);
	json_decref(doc);
	return 0;
}
