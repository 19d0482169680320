// SPDX-License-Identifier: MIT
/* test.c - `ipcbench test`: each selected benchmark's check (does the mechanism work), no timing. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "registry.h"
#include "runner.h"

static const char test_help[] =
	"usage: ipcbench test [PATTERN...] [--placement NAME] [--cpus A,B] [--param NAME=V] [--timeout S]\n"
	"\n"
	"Run each selected benchmark's check: does the mechanism work (e.g. a lock keeps\n"
	"mutual exclusion under two threads, a syscall returns what libc says). No timing.\n"
	"Prints PASS, FAIL or SKIP (with the reason) per benchmark and a summary line;\n"
	"exits 1 if any check fails.\n";


static const char *const check_word[] = {
	[IPCB_CHECK_PASS] = "PASS",
	[IPCB_CHECK_SKIP] = "SKIP",
	[IPCB_CHECK_FAIL] = "FAIL",
};

int ipcb_cmd_test(int argc, char **argv)
{
	struct ipcb_run_opts ro = { 0 };
	size_t i, count[3] = { 0 };
	enum ipcb_parse parsed;
	int rc;

	parsed = ipcb_parse_run_opts("test", argc, argv, &ro, test_help);
	if (parsed != IPCB_PARSE_OK) {
		rc = ipcb_parse_exit(parsed);
		goto out;
	}
	for (i = 0; i < ro.njobs; i++) {
		const struct ipcb_job *job = &ro.jobs[i];
		char label[160], why[IPCB_WHY_LEN];
		enum ipcb_check r = ipcb_check_job(job, why, sizeof(why));

		ipcb_job_label(job, label, sizeof(label));
		printf("%-4s %s %s%s%s\n", check_word[r], label, job->placement, why[0] ? ": " : "", why);
		fflush(stdout);
		count[r]++;
	}
	printf("ipcbench test: %zu passed, %zu failed, %zu skipped\n", count[IPCB_CHECK_PASS], count[IPCB_CHECK_FAIL],
	       count[IPCB_CHECK_SKIP]);
	rc = count[IPCB_CHECK_FAIL] ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
out:
	ipcb_run_opts_free(&ro);
	return rc;
}
