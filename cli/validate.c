// SPDX-License-Identifier: MIT
/* validate.c - `ipcbench validate`: each results file read back and checked against the schema. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "results.h"
#include "rfile.h"

static const char validate_help[] =
	"usage: ipcbench validate FILE...\n"
	"\n"
	"Check results files against the schema " IPCB_SCHEMA ". Exit 0 if all are valid, 1 otherwise.\n";


int ipcb_cmd_validate(int argc, char **argv)
{
	int i, bad = 0;

	if (argc < 2)
		return ipcb_usage_error("validate", "expected one or more results files (see --help)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return fputs(validate_help, stdout), IPCB_EXIT_OK;
	for (i = 1; i < argc; i++) {
		struct ipcb_rfile f;
		char err[512];

		if (ipcb_rfile_load(&f, argv[i], err, sizeof(err))) {
			fprintf(stderr, "invalid: %s\n", err);
			bad = 1;
			continue;
		}
		printf("valid: %s (%zu results)\n", argv[i], f.nres);
		ipcb_rfiles_free(&f, 1);
	}
	return bad ? IPCB_EXIT_FAILED : IPCB_EXIT_OK;
}
