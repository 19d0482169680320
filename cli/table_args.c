// SPDX-License-Identifier: MIT
/*
 * table_args.c - the options `compare` and `export` share, parsed in one
 * place so that the two commands accept and refuse them alike, and the
 * files they name loaded with their --label names.
 */
#include "table_args.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "group.h"

static int parse_format(const char *cmd, const char *arg, int allow_text, enum ipcb_table_format *f)
{
	if (allow_text && strcmp(arg, "text") == 0)
		*f = IPCB_FMT_TEXT;
	else if (strcmp(arg, "markdown") == 0 || strcmp(arg, "md") == 0)
		*f = IPCB_FMT_MARKDOWN;
	else if (strcmp(arg, "csv") == 0)
		*f = IPCB_FMT_CSV;
	else if (strcmp(arg, "latex") == 0 || strcmp(arg, "tex") == 0)
		*f = IPCB_FMT_LATEX;
	else
		return ipcb_usage_error(cmd, "--format '%s': expected %s", arg,
			     allow_text ? "text, markdown, csv or latex" : "csv, markdown or latex");
	return 0;
}

static int push(void *pv, size_t *n, size_t size)
{
	void **p = pv, *grown = realloc(*p, (*n + 1) * size);

	if (!grown)
		return -1;
	*p = grown;
	(*n)++;
	return 0;
}

static int add_path(struct ipcb_table_args *to, char *path)
{
	if (push(&to->paths, &to->npaths, sizeof(*to->paths)))
		return -1;
	to->paths[to->npaths - 1] = path;
	return 0;
}

/* --group NAME=FILE,FILE,...: one column of the files, which keep their place among the others. */
static int add_group(const char *cmd, struct ipcb_table_args *to, char *arg)
{
	struct ipcb_group_arg ga;
	char err[4096];
	size_t i;

	if (ipcb_group_parse(arg, &ga, err, sizeof(err)))
		return ipcb_usage_error(cmd, "%s", err);
	if (push(&to->groups, &to->o.ngroups, sizeof(*to->groups)))
		goto nomem;
	to->o.groups = to->groups;
	to->groups[to->o.ngroups - 1] =
		(struct ipcb_compare_group){ .name = ga.name, .first = to->npaths, .count = ga.nfiles };
	for (i = 0; i < ga.nfiles; i++)
		if (add_path(to, ga.files[i]))
			goto nomem;
	free(ga.files);
	return 0;
nomem:
	free(ga.files);
	return ipcb_usage_error(cmd, "--group %s: out of memory", ga.name);
}

static int parse_percent(const char *cmd, const char *arg, double *pct)
{
	char *end;

	errno = 0;
	*pct = strtod(arg, &end);
	if (strcmp(cmd, "compare") || errno || end == arg || (*end && strcmp(end, "%")) || !(*pct >= 0) || *pct > 1e6)
		return ipcb_usage_error(cmd, strcmp(cmd, "compare") ? "--fail-above is an option of compare, not %s" :
							     "--fail-above '%s': expected a percentage >= 0, e.g. 5",
			     strcmp(cmd, "compare") ? cmd : arg);
	return 0;
}

int ipcb_table_args_parse(const char *cmd, int argc, char **argv, struct ipcb_table_args *to, const char *help)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'F' },
					      { "only", required_argument, NULL, 'O' },
					      { "fail-above", required_argument, NULL, 'G' },
					      { "no-skipped", no_argument, NULL, 'S' },
					      { "label", required_argument, NULL, 'L' },
					      { "group", required_argument, NULL, 'P' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int compare = strcmp(cmd, "compare") == 0, c;

	to->o.fail_above = -1;
	/* "-": files come back in order (as 1), so that a --group keeps its place among them */
	while ((c = getopt_long(argc, argv, "-h", opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (add_path(to, optarg))
				return IPCB_EXIT_USAGE;
			break;
		case 'F':
			if (parse_format(cmd, optarg, compare, &to->o.format))
				return IPCB_EXIT_USAGE;
			break;
		case 'O':
			to->o.only = realloc(to->o.only, (size_t)(to->o.nonly + 1) * sizeof(char *));
			to->o.only[to->o.nonly++] = optarg;
			break;
		case 'G':
			if (parse_percent(cmd, optarg, &to->o.fail_above))
				return IPCB_EXIT_USAGE;
			break;
		case 'S':
			to->o.no_skipped = 1;
			break;
		case 'L':
			if (!strchr(optarg, '=') || optarg[0] == '=' || !strchr(optarg, '=')[1])
				return ipcb_usage_error(cmd, "--label '%s': expected FILE=NAME", optarg);
			to->labels = realloc(to->labels, (size_t)(to->nlabels + 1) * sizeof(char *));
			to->labels[to->nlabels++] = optarg;
			break;
		case 'P':
			if (!compare)
				return ipcb_usage_error(cmd, "--group is an option of compare, not %s", cmd);
			if (add_group(cmd, to, optarg))
				return IPCB_EXIT_USAGE;
			break;
		case 'h':
			fputs(help, stdout);
			to->help = 1;
			return IPCB_EXIT_OK;
		default:
			fputs(help, stderr);
			return IPCB_EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) /* after "--" */
		if (add_path(to, argv[optind]))
			return IPCB_EXIT_USAGE;
	return IPCB_EXIT_OK;
}

void ipcb_table_args_free(struct ipcb_table_args *to)
{
	free(to->o.only);
	free(to->labels);
	free(to->paths);
	free(to->groups);
}

int ipcb_table_args_load(const char *cmd, struct ipcb_rfile *files, const struct ipcb_table_args *to)
{
	char err[768];

	if (ipcb_rfiles_load(files, to->paths, to->npaths, err, sizeof(err)) == 0) {
		if (ipcb_rfiles_relabel(files, to->npaths, to->labels, to->nlabels, err, sizeof(err)) == 0)
			return IPCB_EXIT_OK;
		ipcb_rfiles_free(files, to->npaths);
	}
	return ipcb_usage_error(cmd, "%s", err);
}
