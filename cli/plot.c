// SPDX-License-Identifier: MIT
/*
 * plot.c - `ipcbench plot RESULT.json...`: its --help, its options (a file
 * named in a --group and alone is loaded once, in its group), and its exit
 * status: 1 when gnuplot is missing or failed, 2 for bad input.
 * report/plot.c and the plot_*.c beside it draw the figures.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "group.h"
#include "plot.h"

static const char plot_help[] =
	"usage: ipcbench plot RESULT.json... [-o DIR] [--format png,pdf,svg] [--size column|wide|page|WxH]\n"
	"                     [--title none|short|full] [--only PATTERN] [--placement NAME] [--role ROLE]\n"
	"                     [--param K=V] [--label FILE=NAME] [--scale shared|own]\n"
	"                     [--unit ns|cycles] [--baseline ID] [--group NAME=FILE,FILE,...]\n"
	"\n"
	"Figures for papers, drawn by gnuplot from results files. The plot kind follows the\n"
	"shape of the results:\n"
	"  bars-FAMILY        median and 95% interval of each benchmark, a bar per placement (and machine)\n"
	"  sweep-FAMILY-PARAM results varying in one integer parameter over 3+ values: log axes\n"
	"  cdf-FAMILY-PLACE   latency distributions from the stored histograms, p99/p99.9 marked\n"
	"  heatmap-ID-...     a CPU x CPU matrix (e.g. core-to-core round trips)\n"
	"With several files, the same plots show every machine (the key names them); results\n"
	"meet by placement name where both files have it, else by placement role, so machine\n"
	"A's same-cache and machine B's cross-cache nearest-core pairs sit side by side.\n"
	"A sweep draws its family's results that lack the swept parameter as horizontal\n"
	"reference lines, with the lines whose parameters they share (batch/getpid-direct\n"
	"in the batch sweep), and they leave the bars.\n"
	"A figure never repeats a series style (colour, dash, marker: distinct in greyscale):\n"
	"one with more series than styles is split (-per-UNIT, -PLACE, -1, -2 ... in its name).\n"
	"Each plot is written as DIR/STEM.dat (the numbers), DIR/STEM.gp (a gnuplot script:\n"
	"restyle it and rerun `gnuplot STEM.gp` in DIR; `gnuplot -e \"font_pt=9\" STEM.gp`\n"
	"overrides a setting: font_pt, width_in, plot_in, size='WxH', output='x.pdf',\n"
	"terminal='pngcairo', title_mode) and the images; DIR/figures.md lists every figure\n"
	"with its caption text. The .dat and .gp depend only on the input and the options.\n"
	"\n"
	"  -o, --out DIR          where to write (created; default plots/<name of the first file>)\n"
	"  --format LIST          png, pdf, svg, comma-separated (default png,pdf,svg); none: only\n"
	"                         the .dat and .gp files (gnuplot STEM.gp then draws what it can)\n"
	"  --size SIZE            the printed size: column (3.33 in, 7 pt text), wide (7 in, 8 pt;\n"
	"                         the default), page (7 x 5 in, 9 pt), or WxH in inches (3.5x2.2,\n"
	"                         3.5x2.2in) or centimetres (9x6cm); the key adds height below\n"
	"  --title MODE           none (the default: papers use captions), short, full\n"
	"  --only PATTERN         only ids matching this fnmatch pattern ('lock/*', or a family\n"
	"                         name); repeat for several: the figures keep the order given\n"
	"  --placement NAME       only these placements (fnmatch; repeatable)\n"
	"  --role ROLE            only these placement roles: same-cpu, smt-sibling, nearest-core,\n"
	"                         farthest (repeatable)\n"
	"  --param K=V            only results whose parameter K is V (repeatable: any V of one K)\n"
	"  --label FILE=NAME      name the machine of FILE (as given, or its base name) NAME\n"
	"                         (default: machine.label, else the hostname up to its first dot)\n"
	"  --scale shared|own     heatmaps of one quantity share one colour range (shared: the\n"
	"                         default) or each has its own\n"
	"  --unit cycles          draw ns figures in TSC cycles (each file's machine.tsc_hz)\n"
	"  --baseline ID          draw ns figures as multiples of result ID's median in the same\n"
	"                         file (e.g. modeswitch/funcall): machines of other speeds compare\n"
	"  --group NAME=FILE,FILE,...\n"
	"                         pool several files (nodes of one machine type) as one machine,\n"
	"                         as compare --group does: a bar or point is the median of the\n"
	"                         node medians, its error bar the node-to-node min-max spread; a\n"
	"                         heatmap cell the median over the nodes; a CDF the nodes'\n"
	"                         histograms summed (the median node's where their buckets\n"
	"                         differ). A file also given alone belongs to the group; repeat\n"
	"                         for several groups; other files stay their own machine\n"
	"  --templates DIR        the gnuplot templates (default: plots/ beside the binary)\n"
	"  -h, --help\n"
	"\n"
	"environment: IPCB_GNUPLOT (the gnuplot binary), IPCB_PLOT_TEMPLATES (the template\n"
	"directory), IPCB_PLOT_TERMINALS (pretend gnuplot has only these terminals).\n"
	"exit status: 0, 1 gnuplot is missing or failed (the .dat and .gp are written), 2 bad\n"
	"input (a file that is not valid ipcbench output: the message names the file and position)\n";

static int parse_formats(const char *arg, unsigned *formats)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int rc = 0;

	*formats = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "png") == 0)
			*formats |= IPCB_PLOT_PNG;
		else if (strcmp(tok, "pdf") == 0)
			*formats |= IPCB_PLOT_PDF;
		else if (strcmp(tok, "svg") == 0)
			*formats |= IPCB_PLOT_SVG;
		else if (strcmp(tok, "none") != 0)
			rc = ipcb_usage_error("plot", "--format '%s': expected png, pdf, svg (comma-separated) or none", arg);
	}
	free(copy);
	return rc;
}

/* column, wide, page, or WxH with an optional unit: "3.5x2.2", "3.5x2.2in", "9x6cm". */
static int parse_size(const char *arg, struct ipcb_fig_size *sz)
{
	double w, h, scale = 1;
	char unit[8] = "", *end;

	if (ipcb_fig_size_named(arg, sz) == 0)
		return 0;
	w = strtod(arg, &end);
	if (end == arg || *end != 'x')
		goto bad;
	arg = end + 1;
	h = strtod(arg, &end);
	if (end == arg || (*end && sscanf(end, "%7s", unit) != 1))
		goto bad;
	if (strcmp(unit, "cm") == 0)
		scale = 1 / 2.54;
	else if (unit[0] && strcmp(unit, "in"))
		goto bad;
	w *= scale;
	h *= scale;
	if (!(w >= 1 && w <= 40 && h >= 0.8 && h <= 40))
		return ipcb_usage_error("plot", "--size: %.2f x %.2f in is outside 1..40 in wide and 0.8..40 in high", w, h);
	snprintf(sz->name, sizeof(sz->name), "%.2fx%.2fin", w, h);
	sz->width_in = w;
	sz->plot_in = h;
	sz->font_pt = w < 5 ? 7 : 8; /* 7 pt is the least a paper prints */
	return 0;
bad:
	return ipcb_usage_error("plot", "--size '%s': expected column, wide, page or WxH (inches; 9x6cm for centimetres)", arg);
}

/* A file named on the command line: alone, or in --group number group. */
struct arg_file {
	char *path;
	size_t group; /* SIZE_MAX: not in a group */
};

struct plot_args {
	struct ipcb_plot_opts o; /* what ipcb_plot() takes: every option but the files */
	int help;		 /* --help was printed: nothing else to do */
	struct arg_file *args; /* the files and the groups' files, in the order given */
	size_t nargs;
	char **group_name;     /* --group NAME=..., in the order given */
	size_t ngroup_names;
	char **paths;	       /* what is loaded: each file once, a group's files together */
	size_t npaths;
	struct ipcb_compare_group *groups; /* sorted by first, as compare takes them: o.groups */
	size_t ngroups;
};

static void push(char ***v, int *n, char *s)
{
	*v = realloc(*v, (size_t)(*n + 1) * sizeof(char *));
	(*v)[(*n)++] = s;
}

static int add_arg(struct plot_args *a, char *path, size_t group)
{
	struct arg_file *grown = realloc(a->args, (a->nargs + 1) * sizeof(*a->args));

	if (!grown)
		return IPCB_EXIT_FAILED;
	a->args = grown;
	a->args[a->nargs++] = (struct arg_file){ .path = path, .group = group };
	return 0;
}

/* --group NAME=FILE,FILE,... (compare's syntax; a name once): NAME and the files are cut out of arg. */
static int add_group(struct plot_args *a, char *arg)
{
	struct ipcb_group_arg ga;
	char err[4096], **grown;
	size_t g = a->ngroup_names, k;
	int rc = ipcb_group_parse(arg, &ga, err, sizeof(err));

	if (rc == -ENOMEM) {
		fprintf(stderr, "ipcbench plot: %s\n", err);
		return IPCB_EXIT_FAILED;
	}
	if (rc)
		return ipcb_usage_error("plot", "%s", err);
	for (k = 0; k < g; k++)
		if (strcmp(a->group_name[k], ga.name) == 0) {
			rc = ipcb_usage_error("plot", "--group %s: the name %s is given twice", ga.name, ga.name);
			goto out;
		}
	rc = IPCB_EXIT_FAILED;
	grown = realloc(a->group_name, (g + 1) * sizeof(char *));
	if (!grown)
		goto out;
	a->group_name = grown;
	a->group_name[a->ngroup_names++] = ga.name;
	for (k = 0; k < ga.nfiles; k++)
		if (add_arg(a, ga.files[k], g))
			goto out;
	rc = 0;
out:
	free(ga.files);
	return rc;
}

static int parse_opt(int c, struct plot_args *a)
{
	size_t i;

	switch (c) {
	case 'o': a->o.dir = optarg; return 0;
	case 'F': return parse_formats(optarg, &a->o.formats) ? IPCB_EXIT_USAGE : 0;
	case 'O': push(&a->o.sel.only, &a->o.sel.nonly, optarg); return 0;
	case 'P': push(&a->o.sel.placement, &a->o.sel.nplacement, optarg); return 0;
	case 'R': push(&a->o.sel.role, &a->o.sel.nrole, optarg); return 0;
	case 'K':
		if (!strchr(optarg, '=') || optarg[0] == '=')
			return ipcb_usage_error("plot", "--param '%s': expected NAME=VALUE", optarg);
		push(&a->o.sel.param, &a->o.sel.nparam, optarg);
		return 0;
	case 'L':
		if (!strchr(optarg, '=') || optarg[0] == '=' || !strrchr(optarg, '=')[1])
			return ipcb_usage_error("plot", "--label '%s': expected FILE=NAME", optarg);
		push(&a->o.labels, &a->o.nlabels, optarg);
		return 0;
	case 'S': return parse_size(optarg, &a->o.size);
	case 'I':
		for (i = 0; i < 3; i++)
			if (strcmp(optarg, ipcb_title_mode_name((enum ipcb_title_mode)i)) == 0)
				a->o.title = (enum ipcb_title_mode)i;
		if (strcmp(optarg, ipcb_title_mode_name(a->o.title)))
			return ipcb_usage_error("plot", "--title '%s': expected none, short or full", optarg);
		return 0;
	case 'C':
		if (strcmp(optarg, "shared") && strcmp(optarg, "own"))
			return ipcb_usage_error("plot", "--scale '%s': expected shared or own", optarg);
		a->o.own_scale = strcmp(optarg, "shared") != 0;
		return 0;
	case 'U':
		if (strcmp(optarg, "cycles") && strcmp(optarg, "ns"))
			return ipcb_usage_error("plot", "--unit '%s': expected ns or cycles", optarg);
		a->o.cycles = strcmp(optarg, "cycles") == 0;
		return 0;
	case 'B': a->o.baseline = optarg; return 0;
	case 'T': a->o.templates = optarg; return 0;
	case 1: return add_arg(a, optarg, SIZE_MAX);
	case 'G': return add_group(a, optarg);
	case 'h': fputs(plot_help, stdout); a->help = 1; return 0;
	default: fputs(plot_help, stderr); return IPCB_EXIT_USAGE;
	}
}

/* The same file: the same path, or the same inode. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The group of the file at args[i] (its own, or the group that also names it), or SIZE_MAX. */
static size_t group_of(const struct plot_args *a, size_t i)
{
	size_t k;

	if (a->args[i].group != SIZE_MAX)
		return a->args[i].group;
	for (k = 0; k < a->nargs; k++)
		if (a->args[k].group != SIZE_MAX && same_file(a->args[k].path, a->args[i].path))
			return a->args[k].group;
	return SIZE_MAX;
}

/*
 * The files to load, each once: a file also named plainly in a group's list
 * is that group's; a group's files come together, where the group or its
 * first file is named. A file in two groups, or twice in one, is an error.
 */
static int order_files(struct plot_args *a)
{
	size_t i, k, g, *done = calloc(a->ngroup_names + 1, sizeof(size_t));

	a->paths = calloc(a->nargs + 1, sizeof(char *));
	a->groups = calloc(a->ngroup_names + 1, sizeof(*a->groups));
	if (!done || !a->paths || !a->groups) {
		free(done);
		return IPCB_EXIT_FAILED;
	}
	for (i = 0; i < a->nargs; i++)
		for (k = i + 1; k < a->nargs; k++)
			if (a->args[i].group != SIZE_MAX && a->args[k].group != SIZE_MAX &&
			    same_file(a->args[i].path, a->args[k].path)) {
				free(done);
				return a->args[i].group == a->args[k].group ?
					       ipcb_usage_error("plot", "--group %s: %s is named twice", a->group_name[a->args[i].group],
							  a->args[k].path) :
					       ipcb_usage_error("plot", "--group: %s is in group %s and in group %s", a->args[k].path,
							  a->group_name[a->args[i].group], a->group_name[a->args[k].group]);
			}
	for (i = 0; i < a->nargs; i++) {
		g = group_of(a, i);
		if (g == SIZE_MAX) {
			a->paths[a->npaths++] = a->args[i].path;
			continue;
		}
		if (done[g]++)
			continue;
		a->groups[a->ngroups] = (struct ipcb_compare_group){ .name = a->group_name[g], .first = a->npaths };
		for (k = 0; k < a->nargs; k++)
			if (a->args[k].group == g)
				a->paths[a->npaths++] = a->args[k].path;
		a->groups[a->ngroups].count = a->npaths - a->groups[a->ngroups].first;
		a->ngroups++;
	}
	a->o.groups = a->groups;
	a->o.ngroups = a->ngroups;
	free(done);
	return 0;
}

static int parse_plot_args(int argc, char **argv, struct plot_args *a)
{
	static const struct option opts[] = { { "out", required_argument, NULL, 'o' },
					      { "format", required_argument, NULL, 'F' },
					      { "only", required_argument, NULL, 'O' },
					      { "placement", required_argument, NULL, 'P' },
					      { "role", required_argument, NULL, 'R' },
					      { "param", required_argument, NULL, 'K' },
					      { "label", required_argument, NULL, 'L' },
					      { "size", required_argument, NULL, 'S' },
					      { "title", required_argument, NULL, 'I' },
					      { "scale", required_argument, NULL, 'C' },
					      { "unit", required_argument, NULL, 'U' },
					      { "baseline", required_argument, NULL, 'B' },
					      { "templates", required_argument, NULL, 'T' },
					      { "group", required_argument, NULL, 'G' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int c, rc;

	a->o.formats = IPCB_PLOT_PNG | IPCB_PLOT_PDF | IPCB_PLOT_SVG;
	ipcb_fig_size_named("wide", &a->o.size);
	/* "-": files come back in order (as 1), so that a group keeps its place among them */
	while ((c = getopt_long(argc, argv, "-o:h", opts, NULL)) != -1)
		if ((rc = parse_opt(c, a)) != 0 || a->help)
			return rc;
	for (; optind < argc; optind++) /* after "--" */
		if (add_arg(a, argv[optind], SIZE_MAX))
			return IPCB_EXIT_FAILED;
	if (!a->nargs)
		return ipcb_usage_error("plot", "expected one or more results files (see --help)");
	if (a->o.cycles && a->o.baseline)
		return ipcb_usage_error("plot", "--unit cycles and --baseline: choose one (a ratio has no unit)");
	rc = order_files(a);
	if (rc)
		return rc;
	if (a->npaths > IPCB_PLOT_MAX_FILES)
		return ipcb_usage_error("plot", "at most %d files, not %zu", IPCB_PLOT_MAX_FILES, a->npaths);
	return 0;
}

int ipcb_cmd_plot(int argc, char **argv)
{
	struct plot_args a = { 0 };
	struct ipcb_rfile *files = NULL;
	char err[768], perr[PATH_MAX + 1024];
	int rc;

	rc = parse_plot_args(argc, argv, &a);
	if (rc || a.help)
		goto out;
	files = calloc(a.npaths, sizeof(*files));
	if (ipcb_rfiles_load(files, a.paths, a.npaths, err, sizeof(err))) {
		rc = ipcb_usage_error("plot", "%s", err);
		goto out;
	}
	switch (ipcb_plot(files, a.npaths, &a.o, perr, sizeof(perr))) {
	case IPCB_PLOT_OK:
		rc = IPCB_EXIT_OK;
		break;
	case IPCB_PLOT_FAILED:
		rc = IPCB_EXIT_FAILED;
		break;
	case IPCB_PLOT_BAD_INPUT:
		rc = ipcb_usage_error("plot", "%s", perr);
		break;
	}
	ipcb_rfiles_free(files, a.npaths);
out:
	free(files);
	free(a.o.sel.only);
	free(a.o.sel.placement);
	free(a.o.sel.role);
	free(a.o.sel.param);
	free(a.o.labels);
	free(a.args);
	free(a.group_name);
	free(a.paths);
	free(a.groups);
	return rc;
}
