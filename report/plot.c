// SPDX-License-Identifier: MIT
/*
 * plot.c - `ipcbench plot`: figures for papers, drawn by gnuplot.
 *
 * The plot kind follows the shape of the results, never a benchmark id, so a
 * family added later is plotted with no change here:
 *   bars     every ok result: the median with its reported 95% interval, one
 *            cluster per benchmark of a family, one bar per placement (and
 *            machine);
 *   sweep    a family whose results vary in one integer parameter over three
 *            or more values: lines on log axes, one per benchmark, placement
 *            and machine (those results leave the bars);
 *   cdf      results with a latency histogram: its CDF, p99 and p99.9 marked;
 *   heatmap  results with attachments.matrix: CPU x CPU.
 * Each plot is <stem>.dat (the numbers) and <stem>.gp (the variables written
 * here, then plots/common.gp and plots/<kind>.gp verbatim), so a user can
 * restyle it and rerun gnuplot by hand; gnuplot then draws the images. The
 * .dat and .gp bytes depend only on the input and the options: no dates, no
 * paths but base names, numbers at fixed precision, input order kept.
 *
 * A figure never holds more series than plots/common.gp has styles (colour,
 * dash and marker, so that a greyscale print tells them apart): a plot with
 * more is split, by unit of work, then by placement, then in order.
 * With several files, results meet by placement name where every file that
 * has the result has that placement, else by placement role (a "nearest-core"
 * pair is same-cache on one machine, cross-cache on another).
 */
#include "plot.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "group.h"
#include "strmap.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define MAX_FILES 64	     /* a plot records its files in a 64-bit mask */
#define GNUPLOT_TIMEOUT_S 60 /* one plot; gnuplot takes well under a second */
#define NSTYLES 12	     /* the styles of plots/common.gp: the most series in one figure */
#define MAX_STEM 120	     /* file names stay far below NAME_MAX, whatever the ids */
#define MAX_LABEL 40	     /* a key entry, in characters */
#define MAX_TIC 28	     /* a benchmark's name under a bar */

enum kind { KIND_COMMON, KIND_BARS, KIND_SWEEP, KIND_CDF, KIND_HEATMAP, NKINDS };
static const char *const kind_name[NKINDS] = { "common", "bars", "sweep", "cdf", "heatmap" };

enum title_mode { TITLE_NONE, TITLE_SHORT, TITLE_FULL };
static const char *const title_mode_name[] = { "none", "short", "full" };

/* A figure's print size: --size column|wide|page|WxH. */
struct fig_size {
	char name[32];
	double width_in, plot_in; /* plot_in: the axes and their labels, without key or title */
	int font_pt;
};

struct plot_opts {
	const char *dir; /* NULL: build in memory only (ipcb_plot_dry) */
	char *tmpl[NKINDS];
	char outputs[160]; /* what each .gp draws: "png:pngcairo pdf:pdfcairo svg:svg"; "": gnuplot picks */
	char exts[64];	   /* the images: "png pdf svg" */
	int eps_to_pdf;	   /* pdf through the postscript terminal and ps2pdf */
	int draw;	   /* run gnuplot */
	const char *gnuplot;
	int nplots, nfailed;
	struct fig_size size;
	enum title_mode title;
	int shared_scale; /* heatmaps of one quantity share one colour range */
	FILE *index;	  /* figures.md, being built */
	char *indexbuf;
	size_t indexlen;
};

/*
 * One ok result to plot. With --group, the results of a group's nodes that
 * share (id, params, placement) are pooled into one item (mem: the members).
 */
struct item {
	const json_t *r;
	size_t file;	   /* the file of r: its machine record, TSC rate, baseline */
	size_t mach;	   /* the series it belongs to: a file, or a group of files (set.mach) */
	size_t *mem, nmem; /* a pooled item: its members in set.raw; none for one file's result */
	json_t *matrix;	   /* a pooled item: the median over its nodes of each matrix cell; else NULL */
	const char *id, *family, *placement, *role, *per, *unit;
	const char *name;  /* within the family: "unix-stream" */
	const char *place; /* what results meet on across files: the placement name, or its role */
	int by_role;	   /* place is a role: the placement names differ between files */
	size_t fam;	   /* index of the family in set.fams */
	size_t rank;	   /* the --only pattern it matched first: the order asked for */
	size_t seq;	   /* input order */
	char cpus[64];
	double median, lo, hi;
	double scale; /* --unit cycles, --baseline: what the ns of its histogram are multiplied by */
	int swept;    /* drawn in a sweep, so not in the bars */
	size_t median_node; /* a pooled item: the member (in set.raw) whose median is the group's */
};

/* A machine of the figures: one file, or a group of files (nodes of one machine type) pooled. */
struct mach {
	const char *group; /* --group NAME; NULL: one file */
	size_t first, count; /* its files: files[first..first+count) */
	char label[64];	     /* its name in keys and file names */
};

struct set {
	const struct ipcb_rfile *files;
	size_t nfiles;
	struct item *v;
	size_t n, left_out;
	struct item *raw; /* with groups: the results before pooling, which pooled items point into */
	size_t nraw;
	struct plot_opts *o;
	char (*label)[64]; /* per file: the machine's name */
	struct mach *mach; /* the series machines: the files, a group's files counted once */
	size_t nmach;
	size_t *mach_of;   /* per file: its machine */
	struct ipcb_strmap fams;
	struct ipcb_strmap places; /* the places, owning the strings item.place points to */
	double *cb_lo, *cb_hi; /* per matrix quantity (heat_keys): the shared colour range */
	struct ipcb_strmap heat_keys;
};

/* One plot being built: its numbers and its variables, in memory until written. */
struct plot {
	enum kind kind;
	char stem[MAX_STEM + 24];
	FILE *dat, *vars;
	char *datbuf, *varbuf;
	size_t datlen, varlen;
	unsigned long long files; /* which files it draws, for the header */
	unsigned long long machs; /* which machines it draws, for the subtitle */
	char *title, *subtitle;	  /* for the caption in figures.md */
	char *note;		  /* appended to the caption: what a group's bars and lines mean */
};

/* --- quoting: nothing from a results file can break out of a string ---------- */

/* A gnuplot single-quoted string: no backquote or macro substitution inside; ' is doubled. */
static void gp_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\'')
			fputs("''", f);
		else
			fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
	fputc('\'', f);
}

/* A label in a data file: double-quoted, without quotes, comment marks or line breaks. */
static void dat_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c == '"' ? '\'' : c == '#' || c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
	fputc('"', f);
}

/* A comment line of a .gp or a line of figures.md: no line breaks. */
static void one_line(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
}

/*
 * Shorten s in place to at most max characters, keeping its start and end
 * ("a-very-lo...-name"): a 5000-character id must not fill the figure. Cuts
 * on a character boundary: UTF-8 continuation bytes are not split.
 */
static void shorten(char *s, size_t max)
{
	size_t n = strlen(s), head, tail;

	if (n <= max || max < 8)
		return;
	head = (max - 3) * 2 / 3;
	tail = max - 3 - head;
	while (head && ((unsigned char)s[head] & 0xc0) == 0x80)
		head--;
	while (tail && ((unsigned char)s[n - tail] & 0xc0) == 0x80)
		tail--;
	memcpy(s + head, "...", 3);
	memmove(s + head + 3, s + n - tail, tail + 1);
}

/* A file-name part: letters, digits, '.', '_' and single dashes. */
static void slug(char *out, size_t len, const char *in)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++) {
		if (isalnum((unsigned char)*in) || *in == '_' || (*in == '.' && o))
			out[o++] = *in;
		else if (o && out[o - 1] != '-')
			out[o++] = '-';
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	if (!o)
		snprintf(out, len, "x");
}

/*
 * The stem of a plot from its parts, joined by '-': each part slugged, and
 * the whole kept under MAX_STEM characters; a stem that had to be cut ends in
 * a hash of the full one, so that two long ids still give two files.
 */
static void make_stem(char *out, size_t len, const char *const *parts, size_t nparts)
{
	char full[4096], part[4096];
	size_t i, used = 0;

	full[0] = '\0';
	for (i = 0; i < nparts; i++) {
		if (!parts[i] || !parts[i][0])
			continue;
		slug(part, sizeof(part), parts[i]);
		used += (size_t)snprintf(full + used, sizeof(full) - used, "%s%s", used ? "-" : "", part);
		if (used >= sizeof(full))
			used = sizeof(full) - 1;
	}
	if (strlen(full) <= MAX_STEM && used < sizeof(full) - 1) {
		snprintf(out, len, "%s", full);
		return;
	}
	/* hash every part, not the cut text: ids that differ past 4 KiB differ here too */
	{
		uint64_t h = 0;

		for (i = 0; i < nparts; i++)
			h = h * 31 + (parts[i] ? ipcb_strmap_hash(parts[i]) : 0);
		snprintf(out, len, "%.*s-%08llx", MAX_STEM - 9, full, (unsigned long long)(h & 0xffffffffull));
	}
}

/* --- the variables of a plot ------------------------------------------------ */

static void var_str(struct plot *p, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void var_str(struct plot *p, const char *name, const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	fprintf(p->vars, "%s = ", name);
	gp_quoted(p->vars, s ? s : "");
	fputc('\n', p->vars);
	free(s);
}

/* Always a real literal ("16.0"): gnuplot divides integers as integers. */
static void num_text(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.10g", v);
	if (!strpbrk(buf, ".eni"))
		snprintf(buf + strlen(buf), len - strlen(buf), ".0");
}

static void var_num(struct plot *p, const char *name, double v)
{
	char buf[64];

	num_text(v, buf, sizeof(buf));
	fprintf(p->vars, "%s = %s\n", name, buf);
}

static void var_int(struct plot *p, const char *name, long long v)
{
	fprintf(p->vars, "%s = %lld\n", name, v);
}

/*
 * The key: its entries, and the longest, from which common.gp sizes the
 * space below the plot. An entry longer than one key column of the figure
 * (plots/common.gp: 0.6 em a character, 7 for the sample, and 2 to spare:
 * gnuplot judges a title wider and warns that it cannot fit the key) is
 * shortened, so that it is never cut at the figure's edge.
 */
static void var_titles(struct plot *p, char *const *titles, size_t n, size_t nrefs, const struct fig_size *size)
{
	double char_in = 0.6 * size->font_pt / 72.0;
	size_t i, longest = 0, fit = (size_t)fmax(16, (size->width_in - 0.2) / char_in - 10);
	char buf[512];

	var_int(p, "nseries", (long long)(n - nrefs));
	if (nrefs) /* reference lines: the last entries of series_title[] */
		var_int(p, "nrefs", (long long)nrefs);
	fprintf(p->vars, "array series_title[%zu] = [", n ? n : 1);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s", titles[i]);
		shorten(buf, fit);
		if (i)
			fputs(", ", p->vars);
		gp_quoted(p->vars, buf);
		longest = strlen(buf) > longest ? strlen(buf) : longest;
	}
	fputs(n ? "]\n" : "'']\n", p->vars);
	var_int(p, "key_entries", (long long)n);
	var_int(p, "key_chars", (long long)longest);
}

/* A number in a data file: exact enough, and the same bytes every time. */
static void dat_num(FILE *f, double v)
{
	if (isnan(v))
		fputs(" NaN", f);
	else
		fprintf(f, " %.10g", v);
}

/* --- machines in titles ------------------------------------------------------- */

/* "Linux 6.1.0-18-amd64": the first two words of the kernel string. */
static void kernel_short(const char *k, char *buf, size_t len)
{
	const char *sp = strchr(k, ' ');

	sp = sp ? strchr(sp + 1, ' ') : NULL;
	snprintf(buf, len, "%.*s", sp ? (int)(sp - k) : (int)strlen(k), k);
}

/* The machine line of a title: one machine names itself; several leave it to the key. */
static void subtitle(const struct set *s, const struct plot *p, char *buf, size_t len)
{
	const struct mach *mc;
	const json_t *m;
	char kernel[128], who[200];
	const char *hv;
	size_t u, count = 0, which = 0;

	for (u = 0; u < s->nmach; u++)
		if (p->machs & (1ull << u)) {
			count++;
			which = u;
		}
	if (count != 1) {
		if (s->nmach == s->nfiles)
			snprintf(buf, len, "%zu results files; the key names the machine", count);
		else
			snprintf(buf, len, "%zu machines (a group of nodes is one); the key names them", count);
		return;
	}
	mc = &s->mach[which];
	m = json_object_get(s->files[mc->first].doc, "machine");
	if (mc->group)
		snprintf(who, sizeof(who), "%.60s, %zu node%s", mc->label, mc->count, mc->count == 1 ? "" : "s");
	else
		snprintf(who, sizeof(who), "%.80s", mc->label);
	kernel_short(ipcb_jstr(m, "kernel"), kernel, sizeof(kernel));
	hv = ipcb_jstr(m, "hypervisor");
	snprintf(buf, len, "%s (%.60s), %s, %s%s", who, ipcb_jstr(m, "cpu_model"),
		 kernel[0] ? kernel : "kernel unknown", !hv[0] || strcmp(hv, "none") == 0 ? "bare metal" : "hypervisor ",
		 strcmp(hv, "none") ? hv : "");
}

/* The plot draws item it: its files for the header, its machine for the subtitle. */
static void plot_uses(const struct set *s, struct plot *p, const struct item *it)
{
	const struct mach *mc = &s->mach[it->mach];
	size_t f;

	p->machs |= 1ull << it->mach;
	for (f = mc->first; f < mc->first + mc->count; f++)
		p->files |= 1ull << f;
}

/* --- running programs: gnuplot, ps2pdf ------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Run argv in dir (NULL: here) with stdin from /dev/null and stdout+stderr
 * collected into out. Never waits longer than timeout_s: then the child is
 * killed. Its exit status; 127 if it could not be started; -1 on timeout.
 */
static int spawn(const char *dir, char *const argv[], char *out, size_t outlen, int timeout_s)
{
	double deadline = now_s() + timeout_s;
	int fds[2], status = 0, timed_out = 0;
	size_t used = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (dir && chdir(dir))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int left = (int)((deadline - now_s()) * 1000), r;
		char buf[1024];
		ssize_t k;

		if (left <= 0 || (r = poll(&pfd, 1, left)) == 0) {
			kill(pid, SIGKILL);
			timed_out = 1;
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		k = r < 0 ? -1 : read(fds[0], buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (used + 1 < outlen) {
			size_t take = (size_t)k < outlen - 1 - used ? (size_t)k : outlen - 1 - used;

			memcpy(out + used, buf, take);
			used += take;
			out[used] = '\0';
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || isspace((unsigned char)p[-1])) && (!p[n] || isspace((unsigned char)p[n])))
			return 1;
		p += n;
	}
	return 0;
}

static int in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, full[PATH_MAX];
	int found = 0;

	if (!path)
		return 0;
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(full, sizeof(full), "%s/%s", dir, prog);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

enum { OUT_PNG = 1, OUT_PDF = 2, OUT_SVG = 4 };

static const char *format_name(unsigned format)
{
	return format == OUT_PNG ? "png" : format == OUT_PDF ? "pdf" : "svg";
}

/* For each format, the terminals to try in order; the template defines term_<terminal>. */
static const struct {
	unsigned format;
	const char *ext, *term;
} term_choices[] = {
	{ OUT_PNG, "png", "pngcairo" }, { OUT_PNG, "png", "png" },	       { OUT_PDF, "pdf", "pdfcairo" },
	{ OUT_PDF, "eps", "postscript" }, { OUT_SVG, "svg", "svg" },
};

/*
 * Which terminals this gnuplot has (IPCB_PLOT_TERMINALS overrides, to test
 * the fall-backs): fills o->outputs. 0, or -1 when gnuplot cannot run.
 */
static int pick_terminals(struct plot_opts *o, unsigned formats)
{
	static const unsigned order[] = { OUT_PNG, OUT_PDF, OUT_SVG };
	char *argv[] = { (char *)o->gnuplot, "-e", "set print '-'; print GPVAL_TERMINALS", NULL };
	const char *env = getenv("IPCB_PLOT_TERMINALS");
	char terms[4096];
	size_t i, k, used = 0, len;

	if (env) {
		snprintf(terms, sizeof(terms), "%s", env);
	} else if (spawn(NULL, argv, terms, sizeof(terms), GNUPLOT_TIMEOUT_S) != 0) {
		fprintf(stderr, "ipcbench plot: cannot run %s (Debian: apt-get install gnuplot-nox): writing the .dat and .gp files only\n",
			o->gnuplot);
		return -1;
	}
	for (len = strlen(terms); len && isspace((unsigned char)terms[len - 1]); len--)
		terms[len - 1] = '\0';
	o->outputs[0] = o->exts[0] = '\0';
	for (i = 0; i < 3; i++) {
		if (!(formats & order[i]))
			continue;
		for (k = 0; k < sizeof(term_choices) / sizeof(term_choices[0]); k++)
			if (term_choices[k].format == order[i] && has_word(terms, term_choices[k].term))
				break;
		if (k == sizeof(term_choices) / sizeof(term_choices[0])) {
			fprintf(stderr, "ipcbench plot: this gnuplot has no terminal for %s (it has: %s); skipping %s\n",
				format_name(order[i]), terms, format_name(order[i]));
			continue;
		}
		if (order[i] == OUT_PDF && strcmp(term_choices[k].ext, "eps") == 0) {
			o->eps_to_pdf = in_path("ps2pdf");
			fprintf(stderr, "ipcbench plot: this gnuplot has no pdfcairo terminal (Debian's gnuplot-nox has it): "
					"writing EPS%s\n",
				o->eps_to_pdf ? " and converting it with ps2pdf" : "; install ghostscript for ps2pdf to get PDF");
		}
		used += (size_t)snprintf(o->outputs + used, sizeof(o->outputs) - used, "%s%s:%s", used ? " " : "",
					 term_choices[k].ext, term_choices[k].term);
		snprintf(o->exts + strlen(o->exts), sizeof(o->exts) - strlen(o->exts), " .%s", term_choices[k].ext);
		if (o->eps_to_pdf && order[i] == OUT_PDF)
			snprintf(o->exts + strlen(o->exts), sizeof(o->exts) - strlen(o->exts), " .pdf");
	}
	return 0;
}

/* --- writing a plot ------------------------------------------------------------- */

static int plot_open(struct plot *p, enum kind kind, const char *stem)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	snprintf(p->stem, sizeof(p->stem), "%s", stem);
	p->dat = open_memstream(&p->datbuf, &p->datlen);
	p->vars = open_memstream(&p->varbuf, &p->varlen);
	return p->dat && p->vars ? 0 : -1;
}

static void plot_discard(struct plot *p)
{
	if (p->dat)
		fclose(p->dat);
	if (p->vars)
		fclose(p->vars);
	free(p->datbuf);
	free(p->varbuf);
	free(p->title);
	free(p->subtitle);
	free(p->note);
	p->dat = p->vars = NULL;
	p->datbuf = p->varbuf = NULL;
	p->title = p->subtitle = p->note = NULL;
}

/* The title and the machine line: variables of the .gp (drawn as --title says) and the caption. */
static void plot_titles(struct plot *p, const char *title, const char *sub)
{
	var_str(p, "title_text", "%s", title);
	var_str(p, "subtitle_text", "%s", sub);
	free(p->title);
	free(p->subtitle);
	p->title = strdup(title);
	p->subtitle = strdup(sub);
}

/* Add a sentence to the caption (figures.md and the .gp's caption comment). */
static void note_add(struct plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note_add(struct plot *p, const char *fmt, ...)
{
	char *add = NULL, *both = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0)
		add = NULL;
	va_end(ap);
	if (!add)
		return;
	if (p->note && asprintf(&both, "%s. %s", p->note, add) >= 0) {
		free(add);
		add = both;
	}
	free(p->note);
	p->note = add;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int write_file(const char *dir, const char *name, const char *what, const char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ipcbench plot: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = fwrite(buf, 1, len, f) == len ? 0 : -1;
	if (fclose(f) || rc) {
		fprintf(stderr, "ipcbench plot: writing %s (%s): %s\n", path, what, strerror(errno));
		return -1;
	}
	return 0;
}

/* The figure's settings, every one a default that `gnuplot -e` overrides. */
static void gp_settings(FILE *f, const struct plot_opts *o)
{
	char buf[64];

	fputs("# settings: each applies only when not already set, e.g.\n"
	      "#   gnuplot -e \"font_pt=9; width_in=3.33\" STEM.gp, -e \"size='7x3'\" (inches),\n"
	      "#   -e \"output='fig.pdf'\" (the terminal follows the extension), -e \"terminal='pngcairo'\",\n"
	      "#   -e \"title_mode='full'\" (none: no title, for a caption; short; full)\n", f);
	if (o->outputs[0]) {
		fputs("if (!exists(\"outputs\")) outputs = ", f);
		gp_quoted(f, o->outputs);
		fputc('\n', f);
	}
	fprintf(f, "if (!exists(\"title_mode\")) title_mode = '%s'\n", title_mode_name[o->title]);
	num_text(o->size.width_in, buf, sizeof(buf));
	fprintf(f, "if (!exists(\"width_in\")) width_in = %s\n", buf);
	num_text(o->size.plot_in, buf, sizeof(buf));
	fprintf(f, "if (!exists(\"plot_in\")) plot_in = %s\n", buf);
	fprintf(f, "if (!exists(\"font_pt\")) font_pt = %d\n", o->size.font_pt);
}

static char *gp_text(const struct set *s, const struct plot *p, size_t *len)
{
	const struct plot_opts *o = s->o;
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	size_t i;

	if (!f)
		return NULL;
	fprintf(f, "# %s.gp - an ipcbench plot (%s); redraw it with: gnuplot %s.gp\n# from", p->stem,
		kind_name[p->kind], p->stem);
	for (i = 0; i < s->nfiles; i++) {
		if (!(p->files & (1ull << i)))
			continue;
		fputc(' ', f);
		one_line(f, base_name(s->files[i].path));
	}
	fprintf(f, "; the numbers are in %s.dat. Below: this plot's variables, then\n"
		   "# plots/common.gp (terminals, fonts, styles) and plots/%s.gp (the plot). Restyle freely.\n",
		p->stem, kind_name[p->kind]);
	fputs("# caption: ", f);
	one_line(f, p->title ? p->title : "");
	fputs(". ", f);
	one_line(f, p->subtitle ? p->subtitle : "");
	if (p->note) {
		fputs(". ", f);
		one_line(f, p->note);
	}
	fprintf(f, ". (size %s: %.2f in wide, %d pt text)\n", o->size.name, o->size.width_in, o->size.font_pt);
	gp_settings(f, o);
	fputs("stem = ", f);
	gp_quoted(f, p->stem);
	fputs("\ndatafile = stem . '.dat'\n", f);
	fwrite(p->varbuf, 1, p->varlen, f);
	fprintf(f, "\n# ---- plots/common.gp ----\n%s", o->tmpl[KIND_COMMON]);
	fprintf(f, "\n# ---- plots/%s.gp ----\n%s", kind_name[p->kind], o->tmpl[p->kind]);
	fclose(f);
	return text;
}

static int draw(const struct plot_opts *o, const struct plot *p)
{
	char gp[256], log[8192], eps[256], pdf[256];
	char *argv[] = { (char *)o->gnuplot, gp, NULL };
	char *conv[] = { "ps2pdf", "-dEPSCrop", eps, pdf, NULL };
	int rc;

	snprintf(gp, sizeof(gp), "%s.gp", p->stem);
	rc = spawn(o->dir, argv, log, sizeof(log), GNUPLOT_TIMEOUT_S);
	if (rc) {
		fprintf(stderr, "ipcbench plot: gnuplot %s on %s/%s%s%s", rc < 0 ? "timed out or died" : "failed",
			o->dir, gp, log[0] ? ":\n" : "\n", log);
		return -1;
	}
	if (log[0])
		fprintf(stderr, "gnuplot %s/%s: %s", o->dir, gp, log);
	if (!o->eps_to_pdf)
		return 0;
	snprintf(eps, sizeof(eps), "%s.eps", p->stem);
	snprintf(pdf, sizeof(pdf), "%s.pdf", p->stem);
	if (spawn(o->dir, conv, log, sizeof(log), GNUPLOT_TIMEOUT_S)) {
		fprintf(stderr, "ipcbench plot: ps2pdf %s/%s failed: %s\n", o->dir, eps, log);
		return -1;
	}
	return 0;
}

/* figures.md: each figure, its files and its caption text (papers draw no title). */
static void index_entry(struct plot_opts *o, const struct plot *p)
{
	if (!o->index)
		return;
	fprintf(o->index, "## %s\n\n%s.dat, %s.gp%s%s\n\n", p->stem, p->stem, p->stem, o->draw ? ", images:" : "",
		o->draw ? o->exts : "");
	one_line(o->index, p->title ? p->title : "");
	fputs(". ", o->index);
	one_line(o->index, p->subtitle ? p->subtitle : "");
	if (p->note) {
		fputs(". ", o->index);
		one_line(o->index, p->note);
	}
	fputs(".\n\n", o->index);
}

/* Write <stem>.dat and <stem>.gp, then let gnuplot draw. Consumes p. */
static void plot_close(struct set *s, struct plot *p)
{
	struct plot_opts *o = s->o;
	char name[256], *gp = NULL;
	size_t gplen = 0;
	int ok;

	fflush(p->dat);
	fflush(p->vars);
	if (!o->dir)
		goto out;
	gp = gp_text(s, p, &gplen);
	snprintf(name, sizeof(name), "%s.dat", p->stem);
	ok = gp && write_file(o->dir, name, "data", p->datbuf, p->datlen) == 0;
	snprintf(name, sizeof(name), "%s.gp", p->stem);
	ok = ok && write_file(o->dir, name, "gnuplot script", gp, gplen) == 0;
	ok = ok && (!o->draw || draw(o, p) == 0);
	o->nplots++;
	o->nfailed += !ok;
	index_entry(o, p);
	printf("%s/%s: .dat .gp%s\n", o->dir, p->stem, o->draw ? o->exts : "");
out:
	free(gp);
	plot_discard(p);
}

static void item_fill(struct item *it, const json_t *r, size_t file)
{
	const json_t *st = json_object_get(r, "stats"), *ci = json_object_get(r, "interval95"), *c;
	const json_t *pl = json_object_get(r, "placement");
	const char *slash;
	size_t i, used = 0;

	memset(it, 0, sizeof(*it));
	it->r = r;
	it->file = file;
	it->id = ipcb_jstr(r, "id");
	it->family = ipcb_jstr(r, "family");
	it->placement = ipcb_jstr(pl, "name");
	it->role = ipcb_jstr(pl, "role");
	it->place = it->placement;
	it->per = ipcb_jstr(r, "per");
	it->unit = ipcb_jstr(r, "unit");
	it->median = json_number_value(json_object_get(st, "median"));
	/* the reported interval (the wider of within- and between-process); files before it: the CI */
	if (!json_is_array(ci) || json_array_size(ci) != 2 || !json_is_number(json_array_get(ci, 0)) ||
	    !json_is_number(json_array_get(ci, 1)))
		ci = json_object_get(st, "ci95");
	it->lo = json_number_value(json_array_get(ci, 0));
	it->hi = json_number_value(json_array_get(ci, 1));
	it->scale = 1;
	slash = strchr(it->id, '/');
	it->name = slash ? slash + 1 : it->id;
	json_array_foreach(json_object_get(pl, "cpus"), i, c)
		if (used < sizeof(it->cpus))
			used += (size_t)snprintf(it->cpus + used, sizeof(it->cpus) - used, "%s%lld", i ? "," : "",
						 (long long)json_integer_value(c));
}

/* What the user selected: --only (in the order given), --placement, --role, --param. */
struct selection {
	char **only, **placement, **role, **param;
	int nonly, nplacement, nrole, nparam;
};

/* The first --only pattern the id matches (its rank: the order of the plots), or -1. */
static int only_rank(const struct selection *sel, const char *id)
{
	int i;

	if (!sel || !sel->nonly)
		return 0;
	for (i = 0; i < sel->nonly; i++)
		if (ipcb_only_match(&sel->only[i], 1, id))
			return i;
	return -1;
}

static int any_match(char *const *pats, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (fnmatch(pats[i], s, 0) == 0)
			return 1;
	return n == 0;
}

/* --param k=v: every key named must have one of the values given for it. */
static int params_match(const struct selection *sel, const json_t *r)
{
	const json_t *params = json_object_get(r, "params");
	char val[256];
	int i, j;

	for (i = 0; i < sel->nparam; i++) {
		const char *eq = strchr(sel->param[i], '='), *key = sel->param[i];
		size_t klen = (size_t)(eq - key);
		int ok = 0;

		for (j = 0; j < sel->nparam && !ok; j++) {
			const char *other = sel->param[j];
			const json_t *v;
			char k[256];

			if (strncmp(other, key, klen) || other[klen] != '=')
				continue;
			snprintf(k, sizeof(k), "%.*s", (int)klen, key);
			v = json_object_get(params, k);
			if (!v)
				continue;
			ipcb_scalar_text(v, val, sizeof(val));
			ok = strcmp(val, other + klen + 1) == 0;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int selected(const struct selection *sel, const json_t *r, int *rank)
{
	const json_t *pl = json_object_get(r, "placement");

	*rank = only_rank(sel, ipcb_jstr(r, "id"));
	if (*rank < 0)
		return 0;
	if (!sel)
		return 1;
	return any_match(sel->placement, sel->nplacement, ipcb_jstr(pl, "name")) &&
	       any_match(sel->role, sel->nrole, ipcb_jstr(pl, "role")) && params_match(sel, r);
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The selected ok results, in the order --only gave; a malformed optional member is an error naming it. */
static int collect(struct set *s, const struct selection *sel, char *err, size_t errlen)
{
	const json_t *r;
	size_t f, i, cap = 0, seq = 0;
	int rank;

	for (f = 0; f < s->nfiles; f++) {
		json_array_foreach(json_object_get(s->files[f].doc, "results"), i, r) {
			if (!selected(sel, r, &rank))
				continue;
			if (strcmp(ipcb_jstr(r, "status"), "ok")) {
				s->left_out++;
				continue;
			}
			if (s->n == cap) {
				cap = cap ? 2 * cap : 64;
				s->v = realloc(s->v, cap * sizeof(*s->v));
			}
			item_fill(&s->v[s->n], r, f);
			s->v[s->n].mach = s->mach_of[f];
			s->v[s->n].rank = (size_t)rank;
			s->v[s->n++].seq = seq++;
		}
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_item);
	for (i = 0; i < s->n; i++)
		s->v[i].fam = ipcb_strmap_add(&s->fams, s->v[i].family);
	return 0;
}

/* What the numbers are drawn in: --unit cycles (the file's TSC rate), --baseline ID (its median = 1). */
struct units {
	int cycles;
	const char *baseline;
	char unit[160];
};

/* The median of the baseline result in file f, or NAN. */
static double baseline_of(const struct set *s, size_t f, const char *id)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(s->files[f].doc, "results"), i, r)
		if (strcmp(ipcb_jstr(r, "id"), id) == 0 && strcmp(ipcb_jstr(r, "status"), "ok") == 0)
			return json_number_value(json_object_get(json_object_get(r, "stats"), "median"));
	return NAN;
}

/* Rescale every ns item; 0, or -1 with err naming the file that lacks what is needed. */
static int apply_units(struct set *s, struct units *u, char *err, size_t errlen)
{
	size_t f, i;

	if (!u->cycles && !u->baseline)
		return 0;
	snprintf(u->unit, sizeof(u->unit), "%s%.100s", u->baseline ? "multiples of " : "cycles",
		 u->baseline ? u->baseline : "");
	for (f = 0; f < s->nfiles; f++) {
		const json_t *hz = json_object_get(json_object_get(s->files[f].doc, "machine"), "tsc_hz");
		double k = 1;

		if (u->baseline) {
			k = 1 / baseline_of(s, f, u->baseline);
			if (!isfinite(k) || !(k > 0)) {
				snprintf(err, errlen, "%s: --baseline %.100s: no ok result with that id (or its median is 0)",
					 s->files[f].path, u->baseline);
				return -1;
			}
		} else if (!(json_number_value(hz) > 0)) {
			snprintf(err, errlen, "%s: --unit cycles: the file records no machine.tsc_hz", s->files[f].path);
			return -1;
		} else {
			k = json_number_value(hz) / 1e9;
		}
		for (i = 0; i < s->n; i++) {
			struct item *it = &s->v[i];

			if (it->file != f || strcmp(it->unit, "ns"))
				continue;
			it->median *= k;
			it->lo *= k;
			it->hi *= k;
			it->scale = k;
			it->unit = u->unit;
		}
	}
	return 0;
}

/* --- groups of nodes pooled (--group) ------------------------------------------------ */

/*
 * Each cell of a pooled item's matrices: the median over the nodes that
 * measured it. Only where every node measured the same CPUs (the same ids in
 * the same order): otherwise the item keeps no matrix of its own and the
 * median node's is drawn (item_matrix).
 */
static void pool_matrix(const struct set *s, struct item *it)
{
	const json_t *first = json_object_get(json_object_get(it->r, "attachments"), "matrix"), *rows, *m;
	const char *key;
	double *cell = malloc((it->nmem + 1) * sizeof(double));
	size_t k, i, j, n;

	if (!json_is_object(first) || !cell)
		goto out;
	for (k = 0; k < it->nmem; k++) {
		m = json_object_get(json_object_get(s->raw[it->mem[k]].r, "attachments"), "matrix");
		if (!json_equal(json_object_get(m, "cpus"), json_object_get(first, "cpus")))
			goto out;
	}
	it->matrix = json_object();
	json_object_set(it->matrix, "cpus", json_object_get(first, "cpus"));
	n = json_array_size(json_object_get(first, "cpus"));
	json_object_foreach((json_t *)first, key, rows) {
		json_t *out_rows;

		if (!json_is_array(rows) || strcmp(key, "cpus") == 0)
			continue;
		out_rows = json_array();
		for (i = 0; i < n; i++) {
			json_t *row = json_array();

			for (j = 0; j < n; j++) {
				size_t got = 0;

				for (k = 0; k < it->nmem; k++) {
					m = json_object_get(json_object_get(s->raw[it->mem[k]].r, "attachments"), "matrix");
					m = json_array_get(json_array_get(json_object_get(m, key), i), j);
					if (json_is_number(m))
						cell[got++] = json_number_value(m);
				}
				json_array_append_new(row, got ? json_real(ipcb_group_median(cell, got)) : json_null());
			}
			json_array_append_new(out_rows, row);
		}
		json_object_set_new(it->matrix, key, out_rows);
	}
out:
	free(cell);
}

/* The pooled figures of one item from its members: compare --group's median and spread. */
static void pool_item(const struct set *s, struct item *it)
{
	double *med = malloc((it->nmem + 1) * sizeof(double)), best = INFINITY;
	size_t k;

	if (!med)
		return;
	for (k = 0; k < it->nmem; k++)
		med[k] = s->raw[it->mem[k]].median;
	ipcb_group_pool(med, it->nmem, &it->median, &it->lo, &it->hi);
	for (k = 0; k < it->nmem; k++)
		if (fabs(s->raw[it->mem[k]].median - it->median) < best) {
			best = fabs(s->raw[it->mem[k]].median - it->median);
			it->median_node = it->mem[k];
		}
	free(med);
	pool_matrix(s, it);
}

/*
 * --group: the results of a group's nodes that share (id, params, placement
 * name, and repetition within the file) become one item, as `compare --group`
 * pools a column: the median of the node medians, and as its error bar the
 * lowest and the highest node median (the node-to-node spread, not an
 * interval). The items keep their order; the members stay in s->raw.
 */
static int pool_groups(struct set *s)
{
	struct ipcb_strmap keys = { 0 }, occ = { 0 };
	struct item *nv;
	size_t *pos, *count, i, m = 0;
	char params[1024], *base, *key;
	int rc = -1;

	if (s->nmach == s->nfiles)
		return 0;
	nv = calloc(s->n + 1, sizeof(*nv));
	pos = calloc(s->n + 1, sizeof(size_t));
	count = calloc(s->n + 1, sizeof(size_t));
	if (!nv || !pos || !count)
		goto out;
	for (i = 0; i < s->n; i++) {
		const struct item *it = &s->v[i];
		size_t k, before, o;

		if (!s->mach[it->mach].group) {
			nv[m++] = *it;
			continue;
		}
		ipcb_result_params(it->r, NULL, params, sizeof(params));
		if (asprintf(&base, "%zu\x1f%s\x1f%s\x1f%s", it->mach, it->id, params, it->placement) < 0)
			goto out;
		if (asprintf(&key, "%zu\x1e%s", it->file, base) < 0) {
			free(base);
			goto out;
		}
		o = count[ipcb_strmap_add(&occ, key)]++; /* the o-th of its kind in its file meets the o-th elsewhere */
		free(key);
		key = NULL;
		if (asprintf(&key, "%s\x1f%zu", base, o) < 0)
			key = NULL;
		free(base);
		if (!key)
			goto out;
		before = keys.n;
		k = ipcb_strmap_add(&keys, key);
		free(key);
		if (k == before) {
			pos[k] = m;
			nv[m] = *it;
			nv[m].mem = calloc(s->mach[it->mach].count + 1, sizeof(size_t));
			if (!nv[m++].mem)
				goto out;
		}
		nv[pos[k]].mem[nv[pos[k]].nmem++] = i;
	}
	s->raw = s->v;
	s->nraw = s->n;
	s->v = nv;
	s->n = m;
	nv = NULL;
	for (i = 0; i < s->n; i++)
		if (s->v[i].nmem)
			pool_item(s, &s->v[i]);
	rc = 0;
out:
	for (i = 0; nv && i < m; i++)
		free(nv[i].mem);
	free(nv);
	free(pos);
	free(count);
	ipcb_strmap_free(&keys);
	ipcb_strmap_free(&occ);
	return rc;
}

/* The matrices an item draws: its own; a pooled item's cell medians, or the median node's. */
static const json_t *item_matrix(const struct set *s, const struct item *it)
{
	if (it->matrix)
		return it->matrix;
	if (it->nmem)
		return json_object_get(json_object_get(s->raw[it->median_node].r, "attachments"), "matrix");
	return json_object_get(json_object_get(it->r, "attachments"), "matrix");
}

/* The files that hold each key, as a mask; keys found by hash. */
struct file_masks {
	struct ipcb_strmap keys;
	unsigned long long *mask;
	size_t cap;
};

static void masks_add(struct file_masks *m, const char *key, size_t file)
{
	size_t n = m->keys.n, k = ipcb_strmap_add(&m->keys, key);

	if (k >= m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->mask = realloc(m->mask, m->cap * sizeof(*m->mask));
	}
	if (k == n)
		m->mask[k] = 0;
	m->mask[k] |= 1ull << file;
}

static unsigned long long masks_get(const struct file_masks *m, const char *key)
{
	size_t k = ipcb_strmap_find(&m->keys, key);

	return k == SIZE_MAX ? 0 : m->mask[k];
}

static void masks_free(struct file_masks *m)
{
	ipcb_strmap_free(&m->keys);
	free(m->mask);
}

/*
 * Where results meet across files: by placement name where every file that
 * has the result (id, params) has it at that placement; otherwise by the
 * placement's role, so one machine's same-cache and another's cross-cache
 * nearest-core results are one group. One file: the placement name.
 */
static void assign_places(struct set *s)
{
	struct file_masks by_result = { 0 }, by_place = { 0 };
	char params[1024], **key = calloc(s->n + 1, sizeof(char *));
	size_t i, k;

	for (i = 0; i < s->n && key; i++) {
		struct item *it = &s->v[i];

		ipcb_result_params(it->r, NULL, params, sizeof(params));
		if (asprintf(&key[i], "%s\x1f%s\x1f%s", it->id, params, it->placement) < 0) {
			key[i] = NULL;
			continue;
		}
		masks_add(&by_place, key[i], it->mach);
		*strrchr(key[i], '\x1f') = '\0';
		masks_add(&by_result, key[i], it->mach);
		key[i][strlen(key[i])] = '\x1f';
	}
	for (i = 0; i < s->n && key; i++) {
		struct item *it = &s->v[i];
		unsigned long long all, here;

		if (!key[i])
			continue;
		here = masks_get(&by_place, key[i]);
		*strrchr(key[i], '\x1f') = '\0';
		all = masks_get(&by_result, key[i]);
		it->by_role = s->nmach > 1 && it->role[0] && here != all;
		k = ipcb_strmap_add(&s->places, it->by_role ? it->role : it->placement); /* may move places.v */
		it->place = s->places.str[k];
		free(key[i]);
	}
	free(key);
	masks_free(&by_result);
	masks_free(&by_place);
}

/* --- machine names ---------------------------------------------------------------- */

/* --label FILE=NAME (FILE as given or its base name), machine.label, the short hostname. */
static void file_labels(struct set *s, char *const *labels, int nlabels)
{
	size_t f, g;
	char *dup;
	int i;

	for (f = 0; f < s->nfiles; f++) {
		const json_t *m = json_object_get(s->files[f].doc, "machine");
		const char *name = ipcb_jstr(m, "label");
		size_t len;

		if (!name[0])
			name = ipcb_jstr(m, "hostname");
		len = strcspn(name, "."); /* node1.cluster.example.org: node1 */
		if (!len)
			name = base_name(s->files[f].path), len = strlen(name);
		for (i = 0; i < nlabels; i++) {
			const char *eq = strrchr(labels[i], '=');
			size_t flen = (size_t)(eq - labels[i]);

			if ((strlen(s->files[f].path) == flen && !strncmp(labels[i], s->files[f].path, flen)) ||
			    (strlen(base_name(s->files[f].path)) == flen &&
			     !strncmp(labels[i], base_name(s->files[f].path), flen)))
				name = eq + 1, len = strlen(eq + 1);
		}
		snprintf(s->label[f], sizeof(s->label[f]), "%.*s", (int)(len < 200 ? len : 200), name);
		shorten(s->label[f], 24);
	}
	/* the same machine twice (two runs): the letter tells them apart; a group is named by its name */
	for (f = 0; f < s->nmach; f++)
		snprintf(s->mach[f].label, sizeof(s->mach[f].label), "%s",
			 s->mach[f].group ? s->mach[f].group : s->label[s->mach[f].first]);
	for (f = 0; f < s->nmach; f++)
		if (s->mach[f].group)
			shorten(s->mach[f].label, 24);
	dup = calloc(s->nmach + 1, 1);
	for (f = 0; f < s->nmach && dup; f++)
		for (g = 0; g < s->nmach; g++)
			dup[f] |= g != f && !s->mach[f].group && strcmp(s->mach[f].label, s->mach[g].label) == 0;
	for (f = 0; f < s->nmach && dup; f++)
		if (dup[f])
			snprintf(s->mach[f].label + strlen(s->mach[f].label),
				 sizeof(s->mach[f].label) - strlen(s->mach[f].label), " [%c]",
				 s->files[s->mach[f].first].letter);
	free(dup);
}

/*
 * The machines of the figures: one per file, but the files of a --group
 * (contiguous in files[], groups sorted by first) are one. 0, or -1.
 */
static int machs_init(struct set *s, const struct ipcb_compare_group *groups, size_t ngroups)
{
	size_t f = 0, g = 0, k;

	s->mach = calloc(s->nfiles + 1, sizeof(*s->mach));
	s->mach_of = calloc(s->nfiles + 1, sizeof(*s->mach_of));
	if (!s->mach || !s->mach_of)
		return -1;
	while (f < s->nfiles) {
		struct mach *m = &s->mach[s->nmach];

		m->first = f;
		m->count = 1;
		if (g < ngroups && groups[g].first == f && groups[g].count) {
			m->group = groups[g].name;
			m->count = groups[g].count;
			g++;
		}
		for (k = f; k < f + m->count && k < s->nfiles; k++)
			s->mach_of[k] = s->nmach;
		f += m->count;
		s->nmach++;
	}
	return 0;
}

/* "ns per lock+unlock" when all items agree, else "ns per operation". */
static void per_text(const struct set *s, const size_t *idx, size_t n, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%.40s per %.60s", s->v[idx[0]].unit, s->v[idx[0]].per);
	for (i = 1; i < n; i++)
		if (strcmp(s->v[idx[i]].per, s->v[idx[0]].per))
			snprintf(buf, len, "%.40s per operation", s->v[idx[0]].unit);
}

/* The items of one family (that pass keep), in the order asked for. */
static size_t family_items(const struct set *s, size_t fam, int (*keep)(const struct item *), size_t *idx)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (s->v[i].fam == fam && (!keep || keep(&s->v[i])))
			idx[n++] = i;
	return n;
}

static size_t count_distinct_places(const struct set *s, const size_t *idx, size_t n)
{
	struct ipcb_strmap pl = { 0 };
	size_t i, count;

	for (i = 0; i < n; i++)
		ipcb_strmap_add(&pl, s->v[idx[i]].place);
	count = pl.n;
	ipcb_strmap_free(&pl);
	return count;
}

/* What the labels of one plot must say: only what varies between its results. */
struct naming {
	const char *except;  /* the swept parameter: the x axis says it */
	struct ipcb_strmap keys;    /* the other parameter names, sorted */
	struct ipcb_strmap *varies; /* per key: the benchmarks (names) whose results differ in it: their labels name it */
	int per;	     /* the units of work differ: labels name them */
	int placement;	     /* several placements: legends name them */
	char common[256];    /* the params all results share, for the subtitle */
};

static void param_text(const struct item *it, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(json_object_get(it->r, "params"), key);

	buf[0] = '\0';
	if (v)
		ipcb_scalar_text(v, buf, len);
}

/* "k=v,k=v" of the keys in which its benchmark has results that differ. */
static void params_join(const struct item *it, const struct naming *nm, char *buf, size_t len)
{
	char val[128];
	size_t k, used = 0;

	buf[0] = '\0';
	for (k = 0; k < nm->keys.n && used < len; k++) {
		if (ipcb_strmap_find(&nm->varies[k], it->name) == SIZE_MAX)
			continue;
		param_text(it, nm->keys.str[k], val, sizeof(val));
		if (val[0])
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", nm->keys.str[k], val);
	}
}

/* Does any result that has key hold another value than value? */
static int differs(const struct set *s, const size_t *idx, size_t n, const char *key, const char *value)
{
	char cur[128];
	size_t i;

	for (i = 0; i < n; i++) {
		param_text(&s->v[idx[i]], key, cur, sizeof(cur));
		if (cur[0] && strcmp(cur, value))
			return 1;
	}
	return 0;
}

/* Into out, the benchmarks (names) with two results that hold different values of key; out's size. */
static size_t varying_benchmarks(const struct set *s, const size_t *idx, size_t n, const char *key,
				 struct ipcb_strmap *out)
{
	struct ipcb_strmap names = { 0 }, values = { 0 };
	char cur[128];
	size_t i, b;

	for (i = 0; i < n; i++) {
		param_text(&s->v[idx[i]], key, cur, sizeof(cur));
		if (!cur[0])
			continue;
		b = ipcb_strmap_add(&names, s->v[idx[i]].name);
		if (b == SIZE_MAX)
			break;
		/* the first value seen for this benchmark, by its index among all values, plus one */
		if (!names.val[b])
			names.val[b] = ipcb_strmap_add(&values, cur) + 1;
		else if (strcmp(values.str[names.val[b] - 1], cur))
			ipcb_strmap_add(out, s->v[idx[i]].name);
	}
	ipcb_strmap_free(&names);
	ipcb_strmap_free(&values);
	return out->n;
}

static void naming_init(struct naming *nm, const struct set *s, const size_t *idx, size_t n, const char *except)
{
	char first[128];
	const char *key;
	json_t *v;
	size_t i, k, used = 0;

	memset(nm, 0, sizeof(*nm));
	nm->except = except;
	for (i = 0; i < n; i++)
		json_object_foreach(json_object_get(s->v[idx[i]].r, "params"), key, v)
			if (!except || strcmp(key, except))
				ipcb_strmap_add(&nm->keys, key);
	ipcb_strmap_sort(&nm->keys);
	/*
	 * A label names a parameter when two results of one benchmark differ in
	 * it: lock/pthread-mutex's two threading values, not the "multi" every
	 * other lock shares, and not "size=64" beside a result that lacks size
	 * (nop-uring beside write-uring): names tell those apart.
	 */
	nm->varies = calloc(nm->keys.n + 1, sizeof(*nm->varies));
	for (k = 0; nm->varies && k < nm->keys.n; k++) {
		first[0] = '\0';
		for (i = 0; i < n && !first[0]; i++)
			param_text(&s->v[idx[i]], nm->keys.str[k], first, sizeof(first));
		/* a value every result that has the key shares goes in the subtitle instead */
		if (!varying_benchmarks(s, idx, n, nm->keys.str[k], &nm->varies[k]) && first[0] &&
		    !differs(s, idx, n, nm->keys.str[k], first) && used < sizeof(nm->common))
			used += (size_t)snprintf(nm->common + used, sizeof(nm->common) - used, "%s%s=%s",
						 used ? "," : "", nm->keys.str[k], first);
	}
	for (i = 1; i < n; i++)
		nm->per |= strcmp(s->v[idx[i]].per, s->v[idx[0]].per) != 0;
	nm->placement = count_distinct_places(s, idx, n) > 1;
}

static void naming_free(struct naming *nm)
{
	size_t k;

	for (k = 0; nm->varies && k < nm->keys.n; k++)
		ipcb_strmap_free(&nm->varies[k]);
	ipcb_strmap_free(&nm->keys);
	free(nm->varies);
}

/* A benchmark's name in a plot: "unix-stream", with the params and unit of work that vary. */
static void item_name(const struct item *it, const struct naming *nm, char *buf, size_t len)
{
	char params[256];

	params_join(it, nm, params, sizeof(params));
	snprintf(buf, len, "%.200s%s%s%s%.60s%s", it->name, params[0] ? " " : "", params, nm->per ? " (per " : "",
		 nm->per ? it->per : "", nm->per ? ")" : "");
	shorten(buf, MAX_LABEL);
}

/*
 * A legend entry: the benchmark (what), then the placement and the machine
 * where they vary. CPU ids only for one machine (across machines they differ)
 * and only in a bar key, which names nothing else: a line names its benchmark.
 */
static void series_title(const struct set *s, const struct item *it, const char *what, int placement, char *buf,
			 size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", what);

	if (placement && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s%.40s", used ? ", " : "", it->place);
	if (placement && !what[0] && s->nmach == 1 && !it->nmem && used < len)
		used += (size_t)snprintf(buf + used, len - used, " (CPU %s)", it->cpus);
	if (s->nmach > 1 && used < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", s->mach[it->mach].label);
	shorten(buf, MAX_LABEL + 28);
}

/* The subtitle, the params every result of the plot shares, and which placements met by role. */
static void subtitle_common(const struct set *s, const struct plot *p, const struct naming *nm, const size_t *idx,
			    size_t n, char *buf, size_t len)
{
	struct ipcb_strmap seen = { 0 };
	size_t i;

	subtitle(s, p, buf, len);
	if (nm->common[0] && strlen(buf) < len)
		snprintf(buf + strlen(buf), len - strlen(buf), "; %s", nm->common);
	for (i = 0; i < n; i++) {
		const struct item *it = &s->v[idx[i]];
		char what[200];
		size_t before = seen.n;

		if (!it->by_role)
			continue;
		snprintf(what, sizeof(what), "%.40s: %.40s %.40s", it->role, s->mach[it->mach].label, it->placement);
		if (ipcb_strmap_add(&seen, what) != before || strlen(buf) + 2 >= len)
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", before ? ", " : "; matched by role: ", what);
	}
	ipcb_strmap_free(&seen);
}

/*
 * Split n series into figures of at most NSTYLES: by unit of work when it
 * varies (one axis, one unit), then by place, then in order. part[i] is the
 * figure of series i; names gets one name per figure ("" when one).
 */
static size_t split_series(const char *const *per, const char *const *place, size_t n, size_t *part,
			   struct ipcb_strmap *names)
{
	struct ipcb_strmap keys = { 0 };
	size_t *count = calloc(n + 1, sizeof(size_t)), *pos = calloc(n + 1, sizeof(size_t)), i, step;
	char **key = calloc(n + 1, sizeof(char *));
	int multi_per = 0;

	for (i = 1; i < n; i++)
		multi_per |= strcmp(per[i], per[0]) != 0;
	for (i = 0; i < n; i++)
		if (asprintf(&key[i], "%s%.60s", multi_per ? "per-" : "", multi_per ? per[i] : "") < 0)
			key[i] = strdup("");
	/* step 1 joins the place where a part is too big; step 2 numbers what still is */
	for (step = 1; step <= 2 && count && pos && key; step++) {
		ipcb_strmap_free(&keys);
		memset(count, 0, (n + 1) * sizeof(size_t));
		for (i = 0; i < n; i++)
			count[ipcb_strmap_add(&keys, key[i])]++;
		for (i = 0; i < n; i++) /* pos[k]: the first series of part k, to see if its places differ */
			pos[ipcb_strmap_find(&keys, key[i])] = i;
		for (i = 0; i < n; i++) {
			size_t k = ipcb_strmap_find(&keys, key[i]);

			if (strcmp(place[i], place[pos[k]]))
				count[k] |= (size_t)1 << (sizeof(size_t) * 8 - 1);
		}
		memset(pos, 0, (n + 1) * sizeof(size_t)); /* now: how many of part k were numbered */
		for (i = 0; i < n; i++) {
			size_t k = ipcb_strmap_find(&keys, key[i]);
			int places_differ = (count[k] >> (sizeof(size_t) * 8 - 1)) != 0;
			size_t many = count[k] & ~((size_t)1 << (sizeof(size_t) * 8 - 1));
			char *longer = NULL;

			if (many <= NSTYLES || (step == 1 && !places_differ))
				continue;
			if (step == 1 ? asprintf(&longer, "%s%s%.60s", key[i], key[i][0] ? "\x1f" : "", place[i]) < 0 :
					asprintf(&longer, "%s%s%zu", key[i], key[i][0] ? "\x1f" : "", pos[k]++ / NSTYLES + 1) < 0)
				continue;
			free(key[i]);
			key[i] = longer;
		}
	}
	ipcb_strmap_free(&keys);
	for (i = 0; i < n; i++)
		part[i] = ipcb_strmap_add(names, key && key[i] ? key[i] : "");
	for (i = 0; i < n && key; i++)
		free(key[i]);
	free(key);
	free(count);
	free(pos);
	return names->n;
}

/* "per-message\x1fsame-cpu\x1f2" -> stem parts */
static void part_suffix(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s", name);
	for (; *buf; buf++)
		if (*buf == '\x1f')
			*buf = '-';
}

/* What the error bars of a plot are, for its title: intervals, node spreads, or both. */
static const char *error_bars(const struct set *s, const struct plot *p)
{
	size_t u, groups = 0, files = 0;

	for (u = 0; u < s->nmach; u++)
		if (p->machs & (1ull << u)) {
			groups += s->mach[u].group != NULL;
			files += s->mach[u].group == NULL;
		}
	if (!groups)
		return "the 95% interval";
	return files ? "the 95% interval (a group of nodes: their spread)" : "the node-to-node spread";
}

/*
 * What a group's bar or point means, for the caption: not an interval but
 * the spread of its nodes, so a reader does not take it for one.
 */
static void group_note(const struct set *s, struct plot *p, const char *mark)
{
	size_t u, f, groups = 0;
	char names[600];
	size_t used = 0;

	names[0] = '\0';
	for (u = 0; u < s->nmach; u++) {
		const struct mach *mc = &s->mach[u];

		if (!(p->machs & (1ull << u)) || !mc->group)
			continue;
		groups++;
		used += (size_t)snprintf(names + used, used < sizeof(names) ? sizeof(names) - used : 0, "%s%.40s (%zu nodes:",
					 used ? "; " : "", mc->label, mc->count);
		for (f = mc->first; f < mc->first + mc->count && used < sizeof(names); f++)
			used += (size_t)snprintf(names + used, sizeof(names) - used, " %.60s", s->label[f]);
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, ")");
	}
	if (groups)
		note_add(p, "Pooled nodes: %s. For a group, the %s is the median of its node medians and the error "
			    "bar the node-to-node spread (the lowest to the highest node median), not a 95%% interval",
			 names, mark);
}

/* --- bars --------------------------------------------------------------------------- */

static int not_swept(const struct item *it)
{
	return !it->swept;
}

static size_t longest(const struct ipcb_strmap *l)
{
	size_t i, max = 0;

	for (i = 0; i < l->n; i++)
		max = strlen(l->str[i]) > max ? strlen(l->str[i]) : max;
	return max;
}

/* Log scale when the bars span more than this factor: a syscall beside a function call. */
#define LOG_SPAN 30

/* A family's bars: benchmarks (categories) x series (a place and a machine), one pass over its items. */
struct bars_table {
	struct ipcb_strmap cats;
	size_t nser;
	char **titles;		  /* per series; titles may repeat, so not a strmap */
	const char **place, **per;
	const struct item **cell; /* [cat * nser + series] */
};

static void bars_table_free(struct bars_table *t)
{
	size_t i;

	for (i = 0; t->titles && i < t->nser; i++)
		free(t->titles[i]);
	free(t->titles);
	free(t->place);
	free(t->per);
	free(t->cell);
	ipcb_strmap_free(&t->cats);
}

/* Series are ranked by place, then file: the machines of one place stand side by side. */
static int bars_table_fill(const struct set *s, const size_t *idx, size_t n, const struct naming *nm,
			   struct bars_table *t)
{
	struct ipcb_strmap places = { 0 };
	size_t i, *rank = NULL, *ser_of = calloc(n + 1, sizeof(size_t)), *cat_of = calloc(n + 1, sizeof(size_t));
	char buf[600];
	int rc = -1;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++)
		ipcb_strmap_add(&places, s->v[idx[i]].place);
	rank = calloc(places.n * s->nmach + 1, sizeof(size_t));
	if (!rank || !ser_of || !cat_of)
		goto out;
	for (i = 0; i < n; i++)
		rank[ipcb_strmap_find(&places, s->v[idx[i]].place) * s->nmach + s->v[idx[i]].mach] = 1;
	for (i = 0; i < places.n * s->nmach; i++)
		rank[i] = rank[i] ? ++t->nser : 0; /* 1 + the series of each (place, file) present */
	t->titles = calloc(t->nser + 1, sizeof(char *));
	t->place = calloc(t->nser + 1, sizeof(char *));
	t->per = calloc(t->nser + 1, sizeof(char *));
	if (!t->titles || !t->place || !t->per)
		goto out;
	for (i = 0; i < n; i++) {
		const struct item *it = &s->v[idx[i]];
		size_t k = rank[ipcb_strmap_find(&places, it->place) * s->nmach + it->mach] - 1;

		ser_of[i] = k;
		item_name(it, nm, buf, sizeof(buf));
		shorten(buf, MAX_TIC); /* upright under the axis: each character is height */
		cat_of[i] = ipcb_strmap_add(&t->cats, buf);
		if (t->titles[k])
			continue;
		series_title(s, it, "", nm->placement || s->nmach == 1, buf, sizeof(buf));
		t->titles[k] = strdup(buf);
		t->place[k] = it->place;
		t->per[k] = ""; /* the unit of work varies along the axis: one figure holds them all */
	}
	t->cell = calloc(t->cats.n * t->nser + 1, sizeof(*t->cell));
	for (i = 0; t->cell && i < n; i++)
		if (!t->cell[cat_of[i] * t->nser + ser_of[i]])
			t->cell[cat_of[i] * t->nser + ser_of[i]] = &s->v[idx[i]];
	rc = t->cell ? 0 : -1;
out:
	ipcb_strmap_free(&places);
	free(rank);
	free(ser_of);
	free(cat_of);
	return rc;
}

/* One figure of bars: the rows cat[0..ncat) of the table, the series ser[0..nser). */
struct bars_fig {
	const char *family, *suffix;
	const struct bars_table *t;
	const size_t *cat, *ser;
	size_t ncat, nser;
};

static void bars_plot(struct set *s, const struct bars_fig *b, const struct naming *nm, size_t n)
{
	struct ipcb_strmap cats = { 0 };
	char **titles = calloc(b->nser + 1, sizeof(char *));
	double lo = INFINITY, hi = 0;
	char stem[MAX_STEM + 24], buf[600], per[160], title[400];
	const char *parts[] = { "bars", b->family, b->suffix };
	size_t c, k, *used = calloc(n + 1, sizeof(size_t)), nused = 0;
	struct plot p;

	make_stem(stem, sizeof(stem), parts, 3);
	if (!used || !titles || plot_open(&p, KIND_BARS, stem))
		goto out;
	fprintf(p.dat, "# benchmark, then for each series: median, interval95 lo, hi (NaN: not measured);\n"
		       "# a group of nodes: the median of the node medians, the lowest and the highest node median\n");
	for (k = 0; k < b->nser; k++) {
		fprintf(p.dat, "# series %zu: ", k + 1);
		one_line(p.dat, b->t->titles[b->ser[k]]);
		fputc('\n', p.dat);
	}
	for (c = 0; c < b->ncat; c++) {
		ipcb_strmap_add(&cats, b->t->cats.str[b->cat[c]]);
		dat_label(p.dat, b->t->cats.str[b->cat[c]]);
		for (k = 0; k < b->nser; k++) {
			const struct item *hit = b->t->cell[b->cat[c] * b->t->nser + b->ser[k]];

			dat_num(p.dat, hit ? hit->median : NAN);
			dat_num(p.dat, hit ? hit->lo : NAN);
			dat_num(p.dat, hit ? hit->hi : NAN);
			if (!hit)
				continue;
			plot_uses(s, &p, hit);
			lo = fmin(lo, hit->lo);
			hi = fmax(hi, hit->hi);
			used[nused++] = (size_t)(hit - s->v);
		}
		fputc('\n', p.dat);
	}
	for (k = 0; k < b->nser; k++)
		titles[k] = b->t->titles[b->ser[k]];
	per_text(s, used, nused, per, sizeof(per));
	snprintf(title, sizeof(title), "%.100s: median %s, with %s", b->family, per, error_bars(s, &p));
	subtitle_common(s, &p, nm, used, nused, buf, sizeof(buf));
	if (b->nser == 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; %s", titles[0]);
	plot_titles(&p, title, buf);
	group_note(s, &p, "bar");
	var_str(&p, "xlabel_text", "benchmark (%.60s/...)", b->family);
	var_str(&p, "ylabel_text", "%s", per);
	var_titles(&p, titles, b->nser, 0, &s->o->size);
	var_int(&p, "log_y", lo > 0 && hi / lo > LOG_SPAN);
	var_num(&p, "ymin", lo > 0 ? pow(10, floor(log10(lo))) : 0);
	var_int(&p, "rotate_xtics", cats.n > 4 || longest(&cats) > 14);
	var_int(&p, "xtic_chars", (long long)longest(&cats));
	var_int(&p, "ncats", (long long)cats.n);
	fprintf(p.vars, "array cat_label[%zu] = [", cats.n ? cats.n : 1);
	for (c = 0; c < cats.n; c++) {
		fputs(c ? ", " : "", p.vars);
		gp_quoted(p.vars, cats.str[c]);
	}
	fputs(cats.n ? "]\n" : "'']\n", p.vars);
	plot_close(s, &p);
out:
	ipcb_strmap_free(&cats);
	free(titles);
	free(used);
}

/* Bars per figure: about ten bars per inch of width stay readable. */
static size_t cats_per_figure(const struct set *s, size_t nser)
{
	size_t bars = (size_t)(s->o->size.width_in * 10);

	return bars / (nser + 1) ? bars / (nser + 1) : 1;
}

/* The figures of one part of the series: its benchmarks, a figure per screenful. */
static void bars_part(struct set *s, size_t fam, const struct bars_table *t, const size_t *ser, size_t nser,
		      const char *name, const struct naming *nm, size_t n)
{
	size_t *sel = calloc(t->cats.n + 1, sizeof(size_t)), ncat = 0, chunk = cats_per_figure(s, nser), c, i, k;
	size_t *here = calloc(nser + 1, sizeof(size_t)), nhere;
	char suffix[200];

	for (c = 0; sel && c < t->cats.n; c++) {
		for (i = 0; i < nser && !t->cell[c * t->nser + ser[i]]; i++)
			;
		if (i < nser)
			sel[ncat++] = c;
	}
	for (c = 0; sel && here && c < ncat; c += chunk) {
		struct bars_fig b = { .family = s->fams.str[fam], .t = t, .ser = here, .cat = sel + c,
				      .ncat = ncat - c < chunk ? ncat - c : chunk, .suffix = suffix };

		/* a split figure's legend names only the series that have a bar in it */
		for (i = nhere = 0; i < nser; i++) {
			for (k = 0; k < b.ncat && !t->cell[b.cat[k] * t->nser + ser[i]]; k++)
				;
			if (k < b.ncat)
				here[nhere++] = ser[i];
		}
		b.nser = nhere;
		part_suffix(name, suffix, sizeof(suffix));
		if (ncat > chunk)
			snprintf(suffix + strlen(suffix), sizeof(suffix) - strlen(suffix), "%s%zu", suffix[0] ? "-" : "",
				 c / chunk + 1);
		bars_plot(s, &b, nm, n);
	}
	free(here);
	free(sel);
}

static void bars_family(struct set *s, size_t fam)
{
	size_t *idx = calloc(s->n + 1, sizeof(*idx)), *part = NULL, *ser = NULL, n, i, k, nparts;
	struct ipcb_strmap names = { 0 };
	struct bars_table t;
	struct naming nm;

	n = idx ? family_items(s, fam, not_swept, idx) : 0;
	if (!n) {
		free(idx);
		return;
	}
	naming_init(&nm, s, idx, n, NULL);
	if (bars_table_fill(s, idx, n, &nm, &t))
		goto out;
	part = calloc(t.nser + 1, sizeof(size_t));
	ser = calloc(t.nser + 1, sizeof(size_t));
	if (!part || !ser)
		goto out;
	nparts = split_series(t.per, t.place, t.nser, part, &names);
	for (k = 0; k < nparts; k++) {
		size_t nser = 0;

		for (i = 0; i < t.nser; i++)
			if (part[i] == k)
				ser[nser++] = i;
		bars_part(s, fam, &t, ser, nser, names.str[k], &nm, n);
	}
out:
	bars_table_free(&t);
	naming_free(&nm);
	ipcb_strmap_free(&names);
	free(part);
	free(ser);
	free(idx);
}

static void plot_bars(struct set *s)
{
	size_t i;

	for (i = 0; i < s->fams.n; i++)
		bars_family(s, i);
}

/* --- sweeps ---------------------------------------------------------------------------- */

/* Units of well-known parameters, for the x axis (the schema does not carry them yet). */
static const struct {
	const char *param, *unit;
} param_units[] = {
	{ "size", "bytes" },   { "bytes", "bytes" },   { "len", "bytes" },	   { "threads", "threads" },
	{ "batch", "operations per batch" }, { "pages", "pages" }, { "depth", "entries" }, { "readers", "threads" },
};

static const char *param_unit(const char *param)
{
	size_t i;

	for (i = 0; i < sizeof(param_units) / sizeof(param_units[0]); i++)
		if (strcmp(param_units[i].param, param) == 0)
			return param_units[i].unit;
	return NULL;
}

static int int_param(const struct item *it, const char *param, long long *v)
{
	const json_t *j = json_object_get(json_object_get(it->r, "params"), param);

	if (!json_is_integer(j))
		return 0;
	*v = (long long)json_integer_value(j);
	return 1;
}

struct point {
	long long x;
	size_t line;
	struct item *it;
};

static int cmp_point(const void *pa, const void *pb)
{
	const struct point *a = pa, *b = pb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->x != b->x)
		return (a->x > b->x) - (a->x < b->x);
	return (a->it > b->it) - (a->it < b->it); /* input order among equal x: qsort is not stable */
}

/*
 * The points of the family's items that have the integer param, grouped into
 * lines (the same benchmark, other params, placement and file) and sorted by
 * line, then x. Returns the points; *best: the most distinct x on one line.
 */
static struct point *sweep_points(struct set *s, const size_t *idx, size_t n, const char *param,
				  struct ipcb_strmap *lines, size_t *npts, size_t *best)
{
	struct point *pts = calloc(n + 1, sizeof(*pts));
	char rest[512], *key;
	size_t i, m = 0, distinct = 0;

	*best = 0;
	for (i = 0; i < n && pts; i++) {
		struct item *it = &s->v[idx[i]];

		if (!int_param(it, param, &pts[m].x))
			continue;
		ipcb_result_params(it->r, param, rest, sizeof(rest));
		if (asprintf(&key, "%s\x1f%s\x1f%zu\x1f%s", it->id, it->place, it->mach, rest) < 0)
			continue;
		pts[m].line = ipcb_strmap_add(lines, key);
		pts[m++].it = it;
		free(key);
	}
	if (m)
		qsort(pts, m, sizeof(*pts), cmp_point);
	for (i = 0; i < m; i++) {
		if (i && pts[i].line != pts[i - 1].line)
			distinct = 0;
		distinct += !i || pts[i].line != pts[i - 1].line || pts[i].x != pts[i - 1].x;
		*best = distinct > *best ? distinct : *best;
	}
	*npts = m;
	return pts;
}

/* Log x when the values span 8x or more; base 2 when they are all powers of two. */
static int log_base(const struct point *pts, size_t m)
{
	double xmin = INFINITY, xmax = -INFINITY;
	int pow2 = 1;
	size_t i;

	for (i = 0; i < m; i++) {
		long long v = pts[i].x;

		xmin = fmin(xmin, (double)v);
		xmax = fmax(xmax, (double)v);
		pow2 &= v > 0 && (v & (v - 1)) == 0;
	}
	if (!(xmin > 0) || xmax / xmin < 8)
		return 0;
	return pow2 ? 2 : 10;
}

/* The number of leading '-'-separated words two names share: "write-writev" and "write-direct" 1. */
static size_t shared_words(const char *a, const char *b)
{
	size_t words = 0, i;

	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '-')
			words++;
	return words + (a[i] == b[i] || (!a[i] && b[i] == '-') || (!b[i] && a[i] == '-'));
}

/*
 * How well result c (which lacks the swept parameter) serves as the reference
 * of line l, or -1: the same machine, unit and unit of work; every parameter
 * c has, l has with the same value (write-direct target=pipe serves the
 * target=pipe lines); the same placement, or c runs on one CPU (a plain
 * syscall is the reference wherever a helper thread sits). Twice the
 * parameters matched, plus one for the same placement.
 */
static int ref_score(const struct item *l, const struct item *c)
{
	const json_t *lp = json_object_get(l->r, "params"), *v;
	char a[256], b[256];
	const char *key;
	int score = 0;

	if (l->mach != c->mach || strcmp(l->unit, c->unit) || strcmp(l->per, c->per))
		return -1;
	if (strcmp(l->place, c->place) == 0)
		score = 1;
	else if (json_array_size(json_object_get(json_object_get(c->r, "placement"), "cpus")) > 1)
		return -1;
	json_object_foreach(json_object_get(c->r, "params"), key, v) {
		if (!json_object_get(lp, key))
			return -1;
		ipcb_scalar_text(v, a, sizeof(a));
		ipcb_scalar_text(json_object_get(lp, key), b, sizeof(b));
		if (strcmp(a, b))
			return -1;
		score += 2;
	}
	return score;
}

/*
 * The reference lines of one sweep figure: for each of its lines, the
 * results of the family without the swept parameter that serve it best
 * (ref_score; among equals, the names sharing the most leading words), e.g.
 * batch/getpid-direct, one syscall per call, for every batched getpid.
 * refs[] gets indices into s->v in the order of the candidates; returns how
 * many, at most max.
 */
static size_t sweep_refs(const struct set *s, const size_t *cand, size_t ncand, const struct point *pts,
			 const size_t *first, const size_t *part, size_t nlines, size_t which, size_t *refs, size_t max)
{
	char *taken = calloc(ncand + 1, 1);
	size_t l, c, n = 0;

	for (l = 0; taken && l < nlines; l++) {
		const struct item *li = pts[first[l]].it;
		int best = -1, score;
		size_t words = 0;

		if (part[l] != which)
			continue;
		for (c = 0; c < ncand; c++) {
			score = ref_score(li, &s->v[cand[c]]);
			if (score > best || (score == best && shared_words(li->name, s->v[cand[c]].name) > words)) {
				best = score;
				words = shared_words(li->name, s->v[cand[c]].name);
			}
		}
		for (c = 0; best >= 0 && c < ncand; c++)
			taken[c] |= ref_score(li, &s->v[cand[c]]) == best &&
				    shared_words(li->name, s->v[cand[c]].name) == words;
	}
	for (c = 0; taken && c < ncand; c++)
		if (taken[c] && n < max)
			refs[n++] = cand[c];
	free(taken);
	return n;
}

/* A sweep's line or reference line in the key. */
static char *sweep_title(const struct set *s, const struct item *it, const struct naming *nm, int ref)
{
	char name[400], buf[600];

	item_name(it, nm, name, sizeof(name));
	/* a reference on one CPU serves every placement: naming its own says nothing */
	series_title(s, it, name, nm->placement && !(ref && json_array_size(json_object_get(json_object_get(
								  it->r, "placement"), "cpus")) <= 1),
		     buf, sizeof(buf));
	if (ref)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (one %.40s each)", it->per);
	return strdup(buf);
}

/* One sweep point or reference end: x, median, interval (a group's: its node spread). */
static void sweep_row(struct plot *p, long long x, const struct item *it)
{
	fprintf(p->dat, "%lld", x);
	dat_num(p->dat, it->median);
	dat_num(p->dat, it->lo);
	dat_num(p->dat, it->hi);
	fputc('\n', p->dat);
}

/* The reference lines a sweep figure may hold: plots/common.gp has this many reference styles. */
#define NREF_STYLES 6

/* One figure of a sweep: the lines whose part is `which`. first[l]..first[l+1]: line l's points. */
static void sweep_plot(struct set *s, const char *family, const char *param, struct point *pts, const size_t *first,
		       const size_t *part, size_t nlines, size_t which, const char *suffix, const size_t *cand,
		       size_t ncand)
{
	size_t *items = calloc(first[nlines] + NREF_STYLES + 1, sizeof(size_t)), refs[NREF_STYLES], nrefs;
	size_t l, i, nitems = 0, k = 0;
	char **titles = calloc(nlines + NREF_STYLES + 1, sizeof(char *));
	char buf[600], per[160], stem[MAX_STEM + 24], title[400];
	const char *unit = param_unit(param), *parts[] = { "sweep", family, param, suffix };
	double ylo = INFINITY, xmin = INFINITY, xmax = -INFINITY;
	struct point *sp = calloc(first[nlines] + 1, sizeof(*sp));
	struct naming nm;
	struct plot p;

	make_stem(stem, sizeof(stem), parts, 4);
	if (!items || !titles || !sp || plot_open(&p, KIND_SWEEP, stem))
		goto out;
	for (l = 0; l < nlines; l++)
		if (part[l] == which)
			for (i = first[l]; i < first[l + 1]; i++) {
				sp[nitems] = pts[i];
				items[nitems++] = (size_t)(pts[i].it - s->v);
				xmin = fmin(xmin, (double)pts[i].x);
				xmax = fmax(xmax, (double)pts[i].x);
			}
	nrefs = sweep_refs(s, cand, ncand, pts, first, part, nlines, which, refs, NREF_STYLES);
	/* the reference lines are named among the lines: write-direct's two targets tell themselves apart */
	memcpy(items + nitems, refs, nrefs * sizeof(size_t));
	naming_init(&nm, s, items, nitems + nrefs, param);
	fprintf(p.dat, "# one block per line (gnuplot index): %.100s, median, interval95 lo, hi; a group of nodes:\n"
		       "# the median of the node medians, the lowest and the highest node median. After the lines,\n"
		       "# the reference lines: a result without %.100s, drawn across the plot at its median\n",
		param, param);
	for (l = 0; l < nlines; l++) {
		if (part[l] != which)
			continue;
		titles[k] = sweep_title(s, pts[first[l]].it, &nm, 0);
		fprintf(p.dat, "%s# line %zu: ", k ? "\n\n" : "", k + 1);
		one_line(p.dat, titles[k] ? titles[k] : "");
		fputc('\n', p.dat);
		for (i = first[l]; i < first[l + 1]; i++) {
			sweep_row(&p, pts[i].x, pts[i].it);
			plot_uses(s, &p, pts[i].it);
			/* log y by the medians: an interval reaching 0 (a noisy VM) is drawn to the axis */
			ylo = fmin(ylo, pts[i].it->median);
		}
		k++;
	}
	for (i = 0; i < nrefs; i++) {
		struct item *r = &s->v[refs[i]];

		titles[k + i] = sweep_title(s, r, &nm, 1);
		fprintf(p.dat, "\n\n# reference %zu: ", i + 1);
		one_line(p.dat, titles[k + i] ? titles[k + i] : "");
		fputc('\n', p.dat);
		sweep_row(&p, (long long)xmin, r);
		sweep_row(&p, (long long)xmax, r);
		plot_uses(s, &p, r);
		ylo = fmin(ylo, r->median); /* drawn without its interval */
		r->swept = 1; /* drawn here: not again as a lone bar */
	}
	per_text(s, items, nitems, per, sizeof(per));
	snprintf(title, sizeof(title), "%.100s: median %s against %.60s, with %s", family, per, param,
		 error_bars(s, &p));
	subtitle_common(s, &p, &nm, items, nitems, buf, sizeof(buf));
	plot_titles(&p, title, buf);
	if (nrefs)
		note_add(&p, "Horizontal lines: for reference, the %.60s result%s without the parameter %.60s, each "
			    "beside the lines whose parameters it shares",
			 family, nrefs > 1 ? "s" : "", param);
	group_note(s, &p, "point");
	var_str(&p, "xlabel_text", "%.60s%s%s%s", param, unit ? " (" : "", unit ? unit : "", unit ? ")" : "");
	var_str(&p, "ylabel_text", "%s", per);
	var_titles(&p, titles, k + nrefs, nrefs, &s->o->size);
	var_int(&p, "logx", log_base(sp, nitems));
	var_num(&p, "xmin", nitems ? xmin : 0);
	var_num(&p, "xmax", nitems ? xmax : 1);
	var_int(&p, "log_y", ylo > 0);
	plot_close(s, &p);
	naming_free(&nm);
out:
	for (l = 0; titles && l < k + NREF_STYLES; l++)
		free(titles[l]);
	free(titles);
	free(items);
	free(sp);
}

static void sweep_param(struct set *s, const char *family, const char *param, const size_t *idx, size_t n)
{
	struct ipcb_strmap lines = { 0 }, names = { 0 };
	size_t npts, best, l, i, nparts, *first = NULL, *part = NULL;
	struct point *pts = sweep_points(s, idx, n, param, &lines, &npts, &best);
	const char **per = NULL, **place = NULL;
	size_t *cand = calloc(n + 1, sizeof(size_t)), ncand = 0;
	char suffix[200];

	if (!pts || !cand || best < 3)
		goto out;
	for (i = 0; i < n; i++) /* the family's results without the parameter: reference lines */
		if (!json_object_get(json_object_get(s->v[idx[i]].r, "params"), param))
			cand[ncand++] = idx[i];
	first = calloc(lines.n + 1, sizeof(size_t));
	part = calloc(lines.n + 1, sizeof(size_t));
	per = calloc(lines.n + 1, sizeof(char *));
	place = calloc(lines.n + 1, sizeof(char *));
	if (!first || !part || !per || !place)
		goto out;
	for (i = 0, l = 0; l < lines.n; l++) { /* the points are sorted by line */
		first[l] = i;
		per[l] = pts[i].it->per;
		place[l] = pts[i].it->place;
		while (i < npts && pts[i].line == l)
			pts[i++].it->swept = 1;
	}
	first[lines.n] = npts;
	nparts = split_series(per, place, lines.n, part, &names);
	for (i = 0; i < nparts; i++) {
		part_suffix(names.str[i], suffix, sizeof(suffix));
		sweep_plot(s, family, param, pts, first, part, lines.n, i, suffix, cand, ncand);
	}
out:
	free(cand);
	ipcb_strmap_free(&lines);
	ipcb_strmap_free(&names);
	free(first);
	free(part);
	free(per);
	free(place);
	free(pts);
}

static void sweep_family(struct set *s, size_t fam)
{
	size_t *idx = calloc(s->n + 1, sizeof(*idx)), n, i;
	struct ipcb_strmap params = { 0 };
	const char *key;
	json_t *v;

	n = idx ? family_items(s, fam, NULL, idx) : 0;
	for (i = 0; i < n; i++)
		json_object_foreach(json_object_get(s->v[idx[i]].r, "params"), key, v)
			if (json_is_integer(v))
				ipcb_strmap_add(&params, key);
	for (i = 0; i < params.n; i++)
		sweep_param(s, s->fams.str[fam], params.str[i], idx, n);
	ipcb_strmap_free(&params);
	free(idx);
}

static void plot_sweeps(struct set *s)
{
	size_t i;

	for (i = 0; i < s->fams.n; i++)
		sweep_family(s, i);
}

/* --- latency CDFs ------------------------------------------------------------------------- */

struct bucket {
	double lo, hi, count;
};

static int cmp_bucket(const void *pa, const void *pb)
{
	const struct bucket *a = pa, *b = pb;

	return (a->lo > b->lo) - (a->lo < b->lo);
}

/* The histogram's buckets sorted by value; NULL when it holds nothing. */
static struct bucket *buckets_of(const struct item *it, size_t *n, double *total)
{
	const json_t *b = json_object_get(json_object_get(it->r, "histogram"), "buckets"), *e;
	struct bucket *v;
	size_t i;

	*n = 0;
	*total = 0;
	if (!json_array_size(b))
		return NULL;
	v = calloc(json_array_size(b), sizeof(*v));
	json_array_foreach(b, i, e) {
		v[i].lo = json_number_value(json_array_get(e, 0)) * it->scale;
		v[i].hi = json_number_value(json_array_get(e, 1)) * it->scale;
		v[i].count = json_number_value(json_array_get(e, 2));
		*total += v[i].count;
	}
	*n = i;
	if (!(*total > 0)) {
		free(v);
		return NULL;
	}
	qsort(v, *n, sizeof(*v), cmp_bucket);
	return v;
}

/*
 * The buckets of a pooled item's CDF: its nodes' histograms summed, bucket by
 * bucket. Sound only where the nodes' buckets are the same intervals (the
 * log-linear buckets of one tool version in one unit): where two differ and
 * overlap, a sum would mix unlike buckets, so the median node's histogram is
 * drawn instead (*node: that member; NULL when the sum is drawn).
 */
static struct bucket *pooled_buckets(const struct set *s, const struct item *it, size_t *n, double *total,
				     const struct item **node)
{
	struct bucket *all = NULL, *one;
	size_t k, i, m = 0, nb, cap = 0;
	double t;

	*node = NULL;
	for (k = 0; k < it->nmem; k++) {
		one = buckets_of(&s->raw[it->mem[k]], &nb, &t);
		if (!one)
			continue;
		if (m + nb > cap) {
			cap = 2 * (m + nb);
			all = realloc(all, cap * sizeof(*all));
		}
		if (all)
			memcpy(all + m, one, nb * sizeof(*one));
		m += nb;
		free(one);
	}
	*n = 0;
	*total = 0;
	if (!all)
		return NULL;
	qsort(all, m, sizeof(*all), cmp_bucket);
	for (i = 0; i < m; i++) {
		if (*n && all[i].lo == all[*n - 1].lo && all[i].hi == all[*n - 1].hi) {
			all[*n - 1].count += all[i].count;
		} else if (*n && all[i].lo < all[*n - 1].hi) {
			free(all);
			*node = &s->raw[it->median_node];
			return buckets_of(*node, n, total);
		} else {
			all[(*n)++] = all[i];
		}
		*total += all[i].count;
	}
	return all;
}

/* The buckets a CDF line draws; *own: whose histogram figures (p99, p99.9) apply, NULL: none. */
static struct bucket *line_buckets(const struct set *s, const struct item *it, size_t *n, double *total,
				   const struct item **own, int *median_node)
{
	const struct item *node;
	struct bucket *b;

	*median_node = 0;
	if (!it->nmem) {
		*own = it;
		return buckets_of(it, n, total);
	}
	b = pooled_buckets(s, it, n, total, &node);
	*own = node;
	*median_node = node != NULL;
	return b;
}

/* A percentile: the histogram's own figure, or the upper bound of the bucket holding that rank. */
static double hist_quantile(const struct item *it, const char *key, double q, const struct bucket *b, size_t n,
			    double total)
{
	const json_t *v = it ? json_object_get(json_object_get(it->r, "histogram"), key) : NULL;
	double cum = 0;
	size_t i;

	if (it && json_is_number(v))
		return json_number_value(v) * it->scale;
	for (i = 0; i < n; i++) {
		cum += b[i].count;
		if (cum >= q * total)
			return b[i].hi;
	}
	return n ? b[n - 1].hi : NAN;
}

/*
 * One block per line: value, F (the fraction of operations at or below it)
 * and "nines", -log10(1 - F) with F at the mid-rank, so that 99% is 2 and
 * 99.9% is 3 and the last point stays finite.
 */
static void cdf_block(struct plot *p, const struct bucket *b, size_t n, double total)
{
	double cum = 0;
	size_t i;

	fprintf(p->dat, "%.10g 0 0\n", b[0].lo);
	for (i = 0; i < n; i++) {
		if (b[i].count <= 0)
			continue;
		cum += b[i].count;
		fprintf(p->dat, "%.10g %.10g %.6f\n", b[i].hi, cum / total, -log10(1 - (cum - 0.5) / total));
	}
}

static int has_histogram(const struct item *it)
{
	size_t n;
	double total;
	struct bucket *b = buckets_of(it, &n, &total);

	free(b);
	return b != NULL;
}

/* One CDF figure: the items idx[i] whose part[i] is which. */
static void cdf_plot(struct set *s, const char *family, const char *place, const size_t *all, const size_t *part,
		     size_t nall, size_t which, const char *suffix)
{
	char **titles = calloc(nall + 1, sizeof(char *));
	size_t *idx = calloc(nall + 1, sizeof(size_t)), i, n = 0, k = 0;
	double xmin = INFINITY, nines = 1, *p99 = calloc(nall + 1, sizeof(double)), *p999 = calloc(nall + 1, sizeof(double));
	char buf[600], name[400], stem[MAX_STEM + 24], title[400];
	const char *parts[] = { "cdf", family, place, suffix };
	const struct item *first;
	struct naming nm;
	struct plot p;

	make_stem(stem, sizeof(stem), parts, 4);
	if (!titles || !idx || !p99 || !p999 || plot_open(&p, KIND_CDF, stem))
		goto out;
	for (i = 0; i < nall; i++)
		if (part[i] == which)
			idx[n++] = all[i];
	first = &s->v[idx[0]];
	naming_init(&nm, s, idx, n, NULL);
	fprintf(p.dat, "# one block per line (gnuplot index): ns, F, -log10(1-F); the last block: line, p99, p99.9\n");
	for (i = 0; i < n; i++) {
		const struct item *it = &s->v[idx[i]], *own;
		size_t nb;
		double total;
		int median_node;
		struct bucket *bk = line_buckets(s, it, &nb, &total, &own, &median_node);

		if (!bk)
			continue;
		item_name(it, &nm, name, sizeof(name));
		series_title(s, it, name, 0, buf, sizeof(buf));
		if (it->by_role && strlen(buf) + 3 < sizeof(buf)) /* which placement the role was here */
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %.30s", it->placement);
		titles[k] = strdup(buf);
		fprintf(p.dat, "%s# line %zu: ", k ? "\n\n" : "", k + 1);
		one_line(p.dat, buf);
		fprintf(p.dat, " (%.0f operations", total);
		if (it->nmem && !median_node)
			fprintf(p.dat, "; the histograms of %zu nodes summed", it->nmem);
		else if (it->nmem)
			fprintf(p.dat, "; the median node's: %s", s->label[own->file]);
		fputs(")\n", p.dat);
		if (it->nmem && !median_node)
			note_add(&p, "%s: the latency histograms of its %zu nodes pooled (bucket counts summed)", buf,
				 it->nmem);
		else if (it->nmem)
			note_add(&p, "%s: its nodes' histogram buckets differ, so the median node's (%s) distribution is drawn",
				 buf, s->label[own->file]);
		cdf_block(&p, bk, nb, total);
		p99[k] = hist_quantile(own, "p99", 0.99, bk, nb, total);
		p999[k++] = hist_quantile(own, "p999", 0.999, bk, nb, total);
		xmin = fmin(xmin, bk[0].lo);
		nines = fmax(nines, ceil(log10(2 * total)));
		plot_uses(s, &p, it);
		free(bk);
	}
	fprintf(p.dat, "\n\n# marks: line, p99, p99.9 (ns)\n");
	for (i = 0; i < k; i++) {
		fprintf(p.dat, "%zu", i + 1);
		dat_num(p.dat, p99[i]);
		dat_num(p.dat, p999[i]);
		fputc('\n', p.dat);
	}
	snprintf(title, sizeof(title), "%.100s, %.40s: distribution of the latency per %.60s", family, place,
		 nm.per ? "operation" : first->per);
	subtitle_common(s, &p, &nm, idx, n, buf, sizeof(buf));
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; each operation timed alone (includes one timer read)");
	plot_titles(&p, title, buf);
	var_str(&p, "xlabel_text", "latency per %.60s (%.20s)", nm.per ? "operation" : first->per, first->unit);
	var_titles(&p, titles, k, 0, &s->o->size);
	var_int(&p, "logx", xmin > 0);
	var_num(&p, "ymax_nines", fmin(nines, 9));
	plot_close(s, &p);
	naming_free(&nm);
out:
	for (i = 0; titles && i < k; i++)
		free(titles[i]);
	free(titles);
	free(idx);
	free(p99);
	free(p999);
}

/* One CDF per family and place (machines meet there), split when it holds too many lines. */
static void plot_cdfs(struct set *s)
{
	struct ipcb_strmap groups = { 0 }, names = { 0 };
	size_t *group = calloc(s->n + 1, sizeof(size_t)), *first, *members, *fill, *part, g, i;
	const char **per, **place;
	char key[600], suffix[200];

	for (i = 0; group && i < s->n; i++) {
		group[i] = SIZE_MAX;
		if (!has_histogram(&s->v[i]))
			continue;
		snprintf(key, sizeof(key), "%.300s\x1f%.200s", s->v[i].family, s->v[i].place);
		group[i] = ipcb_strmap_add(&groups, key);
	}
	first = calloc(groups.n + 2, sizeof(size_t));
	fill = calloc(groups.n + 2, sizeof(size_t));
	members = calloc(s->n + 1, sizeof(size_t));
	part = calloc(s->n + 1, sizeof(size_t));
	per = calloc(s->n + 1, sizeof(char *));
	place = calloc(s->n + 1, sizeof(char *));
	if (!group || !first || !fill || !members || !part || !per || !place)
		goto out;
	for (i = 0; i < s->n; i++) /* counting sort of the items by group, input order kept */
		if (group[i] != SIZE_MAX)
			first[group[i] + 1]++;
	for (g = 0; g < groups.n; g++)
		fill[g] = first[g + 1] += first[g];
	for (g = groups.n; g > 0; g--)
		fill[g] = fill[g - 1];
	fill[0] = 0;
	for (i = 0; i < s->n; i++)
		if (group[i] != SIZE_MAX)
			members[fill[group[i]]++] = i;
	for (g = 0; g < groups.n; g++) {
		size_t m = first[g + 1] - first[g], *mem = members + first[g], np, k;

		for (i = 0; i < m; i++) {
			per[i] = s->v[mem[i]].per;
			place[i] = s->v[mem[i]].place;
		}
		ipcb_strmap_free(&names);
		np = split_series(per, place, m, part, &names);
		for (k = 0; k < np; k++) {
			part_suffix(names.str[k], suffix, sizeof(suffix));
			cdf_plot(s, s->v[mem[0]].family, s->v[mem[0]].place, mem, part, m, k, suffix);
		}
	}
out:
	ipcb_strmap_free(&groups);
	ipcb_strmap_free(&names);
	free(group);
	free(first);
	free(fill);
	free(members);
	free(part);
	free(per);
	free(place);
}

/* --- CPU x CPU heatmaps ---------------------------------------------------------------------- */

/* "round_trip_ns" -> "round trip (ns)" */
static void matrix_label(const char *key, char *buf, size_t len)
{
	size_t n = strlen(key), i, o = 0;
	int ns = n > 3 && strcmp(key + n - 3, "_ns") == 0;

	for (i = 0; i < (ns ? n - 3 : n) && o + 1 < len; i++)
		buf[o++] = key[i] == '_' ? ' ' : key[i];
	buf[o] = '\0';
	if (ns)
		snprintf(buf + o, len - o, " (ns)");
	shorten(buf, MAX_LABEL);
}

/*
 * The order of the heatmap's CPUs: grouped by the widest cache the machine
 * file says each shares (an L3 is a socket or a CCX), groups in order of
 * their first CPU, CPUs by OS id inside; CPUs it says nothing about keep
 * their order at the end. pos[k]: where matrix CPU k is drawn; bound[]: the
 * positions where a new group starts. Returns how many bounds.
 */
static size_t cpu_order(const json_t *machine, const json_t *cpus, size_t *pos, size_t *bound)
{
	const json_t *caches = json_object_get(json_object_get(machine, "topology"), "caches"), *c, *id;
	size_t n = json_array_size(cpus), i, k, j, nb = 0, at = 0, *group = calloc(n + 1, sizeof(size_t));
	long long level = 0;

	if (!group)
		goto identity;
	json_array_foreach(caches, i, c) /* the widest level: the last to share, the first to split packages */
		level = json_integer_value(json_object_get(c, "level")) > level ?
				json_integer_value(json_object_get(c, "level")) : level;
	for (k = 0; k < n; k++) {
		group[k] = SIZE_MAX; /* SIZE_MAX: no cache of that level names it */
		json_array_foreach(caches, i, c) {
			if (json_integer_value(json_object_get(c, "level")) != level)
				continue;
			json_array_foreach(json_object_get(c, "cpus"), j, id)
				if (json_integer_value(id) == json_integer_value(json_array_get(cpus, k)))
					group[k] = i;
		}
	}
	/* counting out: group by group in order of first appearance, then the unknown */
	for (k = 0; k <= n; k++) {
		size_t g = k < n ? group[k] : SIZE_MAX, m;
		int first = 1;

		if (k < n && (g == SIZE_MAX || g == SIZE_MAX - 1))
			continue;
		for (m = 0; m < n; m++) {
			if (group[m] != g)
				continue;
			if (first && at && g != SIZE_MAX)
				bound[nb++] = at;
			first = 0;
			pos[m] = at++;
			group[m] = SIZE_MAX - 1; /* placed */
		}
	}
	free(group);
	if (at == n)
		return nb;
identity:
	for (k = 0; k < n; k++)
		pos[k] = k;
	return 0;
}

/* The cells, at their drawn positions; returns how many were not measured. */
static size_t heatmap_data(struct plot *p, const json_t *cpus, const json_t *rows, const size_t *pos)
{
	const json_t *row, *cell;
	size_t i, j, n = json_array_size(cpus), blank = 0;

	fprintf(p->dat, "# column (answering CPU), row (measuring CPU), value (NaN: not measured), label; CPUs by position:");
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (pos[j] == i)
				fprintf(p->dat, " %lld", (long long)json_integer_value(json_array_get(cpus, j)));
	fputc('\n', p->dat);
	for (i = 0; i < n; i++) { /* drawn row i is matrix row r */
		size_t r, c;

		for (r = 0; r < n && pos[r] != i; r++)
			;
		row = json_array_get(rows, r);
		for (j = 0; j < n; j++) {
			double v;

			for (c = 0; c < n && pos[c] != j; c++)
				;
			cell = json_array_get(row, c);
			v = json_is_number(cell) ? json_number_value(cell) : NAN;
			fprintf(p->dat, "%zu %zu", j, i);
			dat_num(p->dat, v);
			blank += isnan(v) ? 1 : 0;
			if (isnan(v))
				fputs(" \"-\"\n", p->dat);
			else
				fprintf(p->dat, fabs(v) >= 10 ? " \"%.0f\"\n" : " \"%.2g\"\n", v);
		}
		fputc('\n', p->dat);
	}
	return blank;
}

/* gnuplot tics: ('0' 0, '1' 1, ...) naming OS CPU ids at their positions; thinned to about 16 labels. */
static void cpu_tics(struct plot *p, const json_t *cpus, const size_t *pos)
{
	size_t n = json_array_size(cpus), step = (n + 15) / 16, i, k, used = 0;
	char *buf = malloc(n * 32 + 8);

	if (!buf)
		return;
	used += (size_t)sprintf(buf, "(");
	for (i = 0; i < n; i += step) {
		for (k = 0; k < n && pos[k] != i; k++)
			;
		used += (size_t)sprintf(buf + used, "%s'%lld' %zu", i ? ", " : "",
					(long long)json_integer_value(json_array_get(cpus, k)), i);
	}
	sprintf(buf + used, ")");
	var_str(p, "cpu_tics", "%s", buf);
	free(buf);
}

/* The range of one matrix quantity over every file: heatmaps side by side compare by colour. */
static void heat_ranges(struct set *s)
{
	const json_t *rows, *row, *cell;
	const char *key;
	size_t i, j, k, q, before;

	for (i = 0; i < s->n; i++)
		json_object_foreach((json_t *)item_matrix(s, &s->v[i]), key, rows) {
			if (!json_is_array(rows) || strcmp(key, "cpus") == 0)
				continue;
			before = s->heat_keys.n;
			q = ipcb_strmap_add(&s->heat_keys, key);
			if (q == before) {
				s->cb_lo = realloc(s->cb_lo, (q + 1) * sizeof(double));
				s->cb_hi = realloc(s->cb_hi, (q + 1) * sizeof(double));
				s->cb_lo[q] = INFINITY;
				s->cb_hi[q] = -INFINITY;
			}
			json_array_foreach(rows, j, row)
				json_array_foreach(row, k, cell)
					if (json_is_number(cell)) {
						s->cb_lo[q] = fmin(s->cb_lo[q], json_number_value(cell));
						s->cb_hi[q] = fmax(s->cb_hi[q], json_number_value(cell));
					}
		}
}

/* What a group's heatmap shows: the median over its nodes per cell, or the median node's. */
static void heatmap_note(const struct set *s, struct plot *p, const struct item *it)
{
	const struct mach *mc = &s->mach[it->mach];

	if (it->matrix)
		note_add(p, "Group %s (%zu nodes): each cell is the median over the nodes that measured it", mc->label,
			 it->nmem);
	else
		note_add(p, "Group %s: its nodes measured different CPU sets, so the cells are the median node's (%s)",
			 mc->label, s->label[s->raw[it->median_node].file]);
}

static void heatmap_plot(struct set *s, const struct item *it, const char *key, const json_t *rows)
{
	const json_t *cpus = json_object_get(item_matrix(s, it), "cpus");
	char stem[MAX_STEM + 24], what[128], buf[600], params[512], title[600];
	const char *parts[] = { "heatmap", it->id, params, it->placement,
				strcmp(key, "round_trip_ns") ? key : NULL, s->nmach > 1 ? s->mach[it->mach].label : NULL };
	size_t n = json_array_size(cpus), q = ipcb_strmap_find(&s->heat_keys, key), blank, nb, k;
	size_t *pos = calloc(n + 1, sizeof(size_t)), *bound = calloc(n + 1, sizeof(size_t));
	struct plot p;

	ipcb_result_params(it->r, NULL, params, sizeof(params));
	make_stem(stem, sizeof(stem), parts, 6);
	if (!pos || !bound || plot_open(&p, KIND_HEATMAP, stem)) {
		free(pos);
		free(bound);
		return;
	}
	plot_uses(s, &p, it);
	nb = cpu_order(json_object_get(s->files[it->file].doc, "machine"), cpus, pos, bound);
	blank = heatmap_data(&p, cpus, rows, pos);
	matrix_label(key, what, sizeof(what));
	snprintf(title, sizeof(title), "%.200s%s%.200s: %s between CPUs", it->id, params[0] ? " " : "", params, what);
	subtitle(s, &p, buf, sizeof(buf));
	if (s->o->shared_scale && s->nmach > 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; colour scale shared by the %zu %s", s->nmach,
			 s->nmach == s->nfiles ? "files" : "machines");
	plot_titles(&p, title, buf);
	if (it->nmem)
		heatmap_note(s, &p, it);
	var_str(&p, "cb_label_text", "%s", what);
	var_int(&p, "ncpu", (long long)n);
	cpu_tics(&p, cpus, pos);
	var_int(&p, "show_values", n <= 8);
	var_int(&p, "ngroups", (long long)nb + 1);
	fprintf(p.vars, "array group_start[%zu] = [", nb ? nb : 1);
	for (k = 0; k < nb; k++)
		fprintf(p.vars, "%s%zu", k ? ", " : "", bound[k]);
	fputs(nb ? "]\n" : "0]\n", p.vars);
	var_int(&p, "unmeasured_cells", (long long)blank);
	var_int(&p, "key_entries", blank ? 1 : 0);
	var_int(&p, "key_chars", 12);
	if (s->o->shared_scale && q != SIZE_MAX && s->cb_lo[q] <= s->cb_hi[q]) {
		var_num(&p, "cb_min", s->cb_lo[q]);
		var_num(&p, "cb_max", s->cb_hi[q] > s->cb_lo[q] ? s->cb_hi[q] : s->cb_lo[q] + 1);
	}
	plot_close(s, &p);
	free(pos);
	free(bound);
}

static void plot_heatmaps(struct set *s)
{
	const json_t *m, *rows;
	const char *key;
	size_t i;

	heat_ranges(s);
	for (i = 0; i < s->n; i++) {
		m = item_matrix(s, &s->v[i]);
		json_object_foreach((json_t *)m, key, rows)
			if (json_is_array(rows) && strcmp(key, "cpus"))
				heatmap_plot(s, &s->v[i], key, rows);
	}
}

/* Sweeps first: they take their results out of the bars. */
static void plot_all(struct set *s)
{
	assign_places(s);
	plot_sweeps(s);
	plot_bars(s);
	plot_cdfs(s);
	plot_heatmaps(s);
}

static void set_free(struct set *s)
{
	size_t i;

	for (i = 0; s->v && i < s->n; i++) {
		free(s->v[i].mem);
		json_decref(s->v[i].matrix);
	}
	free(s->v);
	free(s->raw);
	free(s->mach);
	free(s->mach_of);
	free(s->label);
	free(s->cb_lo);
	free(s->cb_hi);
	ipcb_strmap_free(&s->fams);
	ipcb_strmap_free(&s->places);
	ipcb_strmap_free(&s->heat_keys);
}

static const struct fig_size size_presets[] = {
	{ "column", 3.33, 2.1, 7 }, /* one column of a two-column paper (ACM, USENIX) */
	{ "wide", 7.0, 2.6, 8 },    /* across both columns */
	{ "page", 7.0, 5.0, 9 },
};

int ipcb_plot_dry(const struct ipcb_rfile *files, size_t n, char *err, size_t errlen)
{
	struct plot_opts o = { .size = size_presets[1] };
	struct set s = { .files = files, .nfiles = n > MAX_FILES ? MAX_FILES : n, .o = &o };
	int rc;

	s.label = calloc(s.nfiles + 1, sizeof(*s.label));
	if (!s.label || machs_init(&s, NULL, 0)) {
		set_free(&s);
		return 0;
	}
	file_labels(&s, NULL, 0);
	rc = collect(&s, NULL, err, errlen);
	if (rc == 0)
		plot_all(&s);
	set_free(&s);
	return rc;
}

/* --- the command ---------------------------------------------------------------------------- */

static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	char chunk[4096];
	size_t k;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while (m && (k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, k, m);
	if (m)
		fclose(m);
	fclose(f);
	return buf;
}

static int load_templates_from(struct plot_opts *o, const char *dir)
{
	char path[PATH_MAX];
	int k;

	for (k = 0; k < NKINDS; k++) {
		snprintf(path, sizeof(path), "%s/%s.gp", dir, kind_name[k]);
		o->tmpl[k] = read_whole(path);
		if (!o->tmpl[k])
			break;
	}
	if (k == NKINDS)
		return 0;
	while (k--) {
		free(o->tmpl[k]);
		o->tmpl[k] = NULL;
	}
	return -1;
}

/* The templates: --templates, $IPCB_PLOT_TEMPLATES, beside the binary (build or install tree), ./plots. */
static int load_templates(struct plot_opts *o, const char *given)
{
	static const char *const rel[] = { "../plots", "../share/ipcbench/plots", "plots", "../../plots" };
	char exe[PATH_MAX], dir[PATH_MAX + 64];
	ssize_t len;
	size_t i;

	if (given || getenv("IPCB_PLOT_TEMPLATES")) {
		given = given ? given : getenv("IPCB_PLOT_TEMPLATES");
		if (load_templates_from(o, given) == 0)
			return 0;
		fprintf(stderr, "ipcbench plot: %s lacks the templates (common.gp, bars.gp, sweep.gp, cdf.gp, heatmap.gp)\n",
			given);
		return -1;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		*strrchr(exe, '/') = '\0';
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(dir, sizeof(dir), "%s/%s", exe, rel[i]);
			if (load_templates_from(o, dir) == 0)
				return 0;
		}
	}
	if (load_templates_from(o, "plots") == 0)
		return 0;
	fprintf(stderr, "ipcbench plot: cannot find the gnuplot templates (plots/bars.gp ...) beside the binary or in ./plots; pass --templates DIR\n");
	return -1;
}

static int mkdir_p(const char *path)
{
	char *copy = strdup(path), *p;
	int rc = 0;

	for (p = copy + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0755) && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

/* A machine's name in a directory name: a group's name, or its file's name without .json. */
static void mach_dir_name(const struct set *s, size_t u, char *buf, size_t len)
{
	const char *base = base_name(s->files[s->mach[u].first].path);
	size_t n = strlen(base);

	if (s->mach[u].group)
		snprintf(buf, len, "%s", s->mach[u].group);
	else
		snprintf(buf, len, "%.*s", (int)(n > 5 && !strcmp(base + n - 5, ".json") ? n - 5 : n), base);
}

/* plots/<name of the first machine>, and -vs-<second> when there are several. */
static char *default_dir(const struct set *s)
{
	char a[420], b[200], ab[420], *dir;

	mach_dir_name(s, 0, a, sizeof(a));
	if (s->nmach > 1)
		mach_dir_name(s, 1, b, sizeof(b));
	snprintf(ab, sizeof(ab), "%.190s%s%.190s%s", a, s->nmach > 1 ? "-vs-" : "", s->nmach > 1 ? b : "",
		 s->nmach > 2 ? "-and-more" : "");
	slug(a, sizeof(a), ab);
	if (asprintf(&dir, "plots/%s", a) < 0)
		return NULL;
	return dir;
}

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

static int plot_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int plot_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipcbench plot: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int parse_formats(const char *arg, unsigned *formats)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int rc = 0;

	*formats = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "png") == 0)
			*formats |= OUT_PNG;
		else if (strcmp(tok, "pdf") == 0)
			*formats |= OUT_PDF;
		else if (strcmp(tok, "svg") == 0)
			*formats |= OUT_SVG;
		else if (strcmp(tok, "none") != 0)
			rc = plot_usage("--format '%s': expected png, pdf, svg (comma-separated) or none", arg);
	}
	free(copy);
	return rc;
}

/* column, wide, page, or WxH with an optional unit: "3.5x2.2", "3.5x2.2in", "9x6cm". */
static int parse_size(const char *arg, struct fig_size *sz)
{
	double w, h, scale = 1;
	char unit[8] = "", *end;
	size_t i;

	for (i = 0; i < sizeof(size_presets) / sizeof(size_presets[0]); i++)
		if (strcmp(arg, size_presets[i].name) == 0) {
			*sz = size_presets[i];
			return 0;
		}
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
		return plot_usage("--size: %.2f x %.2f in is outside 1..40 in wide and 0.8..40 in high", w, h);
	snprintf(sz->name, sizeof(sz->name), "%.2fx%.2fin", w, h);
	sz->width_in = w;
	sz->plot_in = h;
	sz->font_pt = w < 5 ? 7 : 8; /* 7 pt is the least a paper prints */
	return 0;
bad:
	return plot_usage("--size '%s': expected column, wide, page or WxH (inches; 9x6cm for centimetres)", arg);
}

/* A file named on the command line: alone, or in --group number group. */
struct arg_file {
	char *path;
	size_t group; /* SIZE_MAX: not in a group */
};

struct plot_args {
	const char *dir, *templates;
	unsigned formats;
	struct selection sel;
	char **labels;
	int nlabels;
	struct fig_size size;
	enum title_mode title;
	int scale; /* -1: the default (shared), 0 own, 1 shared */
	struct units units;
	struct arg_file *args; /* the files and the groups' files, in the order given */
	size_t nargs;
	char **group_name;     /* --group NAME=..., in the order given */
	size_t ngroup_names;
	char **paths;	       /* what is loaded: each file once, a group's files together */
	size_t npaths;
	struct ipcb_compare_group *groups; /* sorted by first, as compare takes them */
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
		return EXIT_FAILED;
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
		return EXIT_FAILED;
	}
	if (rc)
		return plot_usage("%s", err);
	for (k = 0; k < g; k++)
		if (strcmp(a->group_name[k], ga.name) == 0) {
			rc = plot_usage("--group %s: the name %s is given twice", ga.name, ga.name);
			goto out;
		}
	rc = EXIT_FAILED;
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
	case 'o': a->dir = optarg; return 0;
	case 'F': return parse_formats(optarg, &a->formats) ? EXIT_USAGE : 0;
	case 'O': push(&a->sel.only, &a->sel.nonly, optarg); return 0;
	case 'P': push(&a->sel.placement, &a->sel.nplacement, optarg); return 0;
	case 'R': push(&a->sel.role, &a->sel.nrole, optarg); return 0;
	case 'K':
		if (!strchr(optarg, '=') || optarg[0] == '=')
			return plot_usage("--param '%s': expected NAME=VALUE", optarg);
		push(&a->sel.param, &a->sel.nparam, optarg);
		return 0;
	case 'L':
		if (!strchr(optarg, '=') || optarg[0] == '=' || !strrchr(optarg, '=')[1])
			return plot_usage("--label '%s': expected FILE=NAME", optarg);
		push(&a->labels, &a->nlabels, optarg);
		return 0;
	case 'S': return parse_size(optarg, &a->size);
	case 'I':
		for (i = 0; i < 3; i++)
			if (strcmp(optarg, title_mode_name[i]) == 0)
				a->title = (enum title_mode)i;
		if (strcmp(optarg, title_mode_name[a->title]))
			return plot_usage("--title '%s': expected none, short or full", optarg);
		return 0;
	case 'C':
		if (strcmp(optarg, "shared") && strcmp(optarg, "own"))
			return plot_usage("--scale '%s': expected shared or own", optarg);
		a->scale = strcmp(optarg, "shared") == 0;
		return 0;
	case 'U':
		if (strcmp(optarg, "cycles") && strcmp(optarg, "ns"))
			return plot_usage("--unit '%s': expected ns or cycles", optarg);
		a->units.cycles = strcmp(optarg, "cycles") == 0;
		return 0;
	case 'B': a->units.baseline = optarg; return 0;
	case 'T': a->templates = optarg; return 0;
	case 1: return add_arg(a, optarg, SIZE_MAX);
	case 'G': return add_group(a, optarg);
	case 'h': fputs(plot_help, stdout); return -1;
	default: fputs(plot_help, stderr); return EXIT_USAGE;
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
		return EXIT_FAILED;
	}
	for (i = 0; i < a->nargs; i++)
		for (k = i + 1; k < a->nargs; k++)
			if (a->args[i].group != SIZE_MAX && a->args[k].group != SIZE_MAX &&
			    same_file(a->args[i].path, a->args[k].path)) {
				free(done);
				return a->args[i].group == a->args[k].group ?
					       plot_usage("--group %s: %s is named twice", a->group_name[a->args[i].group],
							  a->args[k].path) :
					       plot_usage("--group: %s is in group %s and in group %s", a->args[k].path,
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

	a->formats = OUT_PNG | OUT_PDF | OUT_SVG;
	a->size = size_presets[1];
	a->scale = -1;
	/* "-": files come back in order (as 1), so that a group keeps its place among them */
	while ((c = getopt_long(argc, argv, "-o:h", opts, NULL)) != -1)
		if ((rc = parse_opt(c, a)) != 0)
			return rc;
	for (; optind < argc; optind++) /* after "--" */
		if (add_arg(a, argv[optind], SIZE_MAX))
			return EXIT_FAILED;
	if (!a->nargs)
		return plot_usage("expected one or more results files (see --help)");
	if (a->units.cycles && a->units.baseline)
		return plot_usage("--unit cycles and --baseline: choose one (a ratio has no unit)");
	rc = order_files(a);
	if (rc)
		return rc;
	if (a->npaths > MAX_FILES)
		return plot_usage("at most %d files, not %zu", MAX_FILES, a->npaths);
	return 0;
}

static void write_index(struct set *s)
{
	struct plot_opts *o = s->o;
	char *text = NULL;
	size_t len = 0, f, u;
	FILE *m;

	if (!o->index)
		return;
	fclose(o->index);
	o->index = NULL;
	m = open_memstream(&text, &len);
	if (!m)
		return;
	fprintf(m, "# Figures\n\nWritten by `ipcbench plot` (size %s: %.2f in wide, %d pt text; titles: %s). "
		   "Each figure's caption text follows it; error bars and marks are the reported 95%% interval,\n"
		   "but for a group of nodes the node-to-node spread (the lowest to the highest node median).\n\n"
		   "Machines:",
		o->size.name, o->size.width_in, o->size.font_pt, title_mode_name[o->title]);
	for (u = 0; u < s->nmach; u++) {
		const struct mach *mc = &s->mach[u];

		fprintf(m, "%s %s (", u ? ";" : "", mc->label);
		if (mc->group)
			fprintf(m, "a group of %zu nodes pooled:", mc->count);
		for (f = mc->first; f < mc->first + mc->count; f++) {
			fputs(f > mc->first ? ", " : mc->group ? " " : "", m);
			one_line(m, base_name(s->files[f].path));
		}
		fputs(", ", m);
		one_line(m, ipcb_jstr(json_object_get(s->files[mc->first].doc, "machine"), "cpu_model"));
		fputc(')', m);
	}
	fputs(".\n\n", m);
	if (o->indexbuf)
		fwrite(o->indexbuf, 1, o->indexlen, m);
	fclose(m);
	write_file(o->dir, "figures.md", "figure index", text, len);
	free(text);
}

static int run_plots(struct set *s, struct plot_args *a)
{
	char err[768], *p;

	if (collect(s, &a->sel, err, sizeof(err)) || apply_units(s, &a->units, err, sizeof(err)) ||
	    (pool_groups(s) && snprintf(err, sizeof(err), "out of memory pooling --group") > 0)) {
		for (p = err; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		return plot_usage("%s", err);
	}
	if (!s->n && !s->left_out && (a->sel.nonly || a->sel.nplacement || a->sel.nrole || a->sel.nparam))
		return plot_usage("no result matches --only, --placement, --role and --param");
	if (mkdir_p(s->o->dir))
		return plot_usage("cannot create %s: %s", s->o->dir, strerror(errno));
	s->o->index = open_memstream(&s->o->indexbuf, &s->o->indexlen);
	plot_all(s);
	write_index(s);
	if (s->left_out)
		printf("%zu skipped or failed results are not plotted (their reasons: ipcbench export)\n", s->left_out);
	if (!s->o->nplots)
		printf("nothing to plot: no ok results\n");
	else
		printf("wrote %d plot%s to %s (index: figures.md)\n", s->o->nplots, s->o->nplots == 1 ? "" : "s",
		       s->o->dir);
	return s->o->nfailed ? EXIT_FAILED : 0;
}

int ipcb_cmd_plot(int argc, char **argv)
{
	struct plot_args a = { 0 };
	struct plot_opts o = { 0 };
	struct ipcb_rfile *files = NULL;
	struct set s = { 0 };
	char *dir = NULL, err[768];
	size_t n = 0;
	int rc, k;

	rc = parse_plot_args(argc, argv, &a);
	if (rc)
		goto out;
	n = a.npaths;
	files = calloc(n, sizeof(*files));
	if (ipcb_rfiles_load(files, a.paths, n, err, sizeof(err))) {
		char *p;

		for (p = err; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		rc = plot_usage("%s", err);
		n = 0;
		goto out;
	}
	if (load_templates(&o, a.templates)) {
		rc = EXIT_USAGE;
		goto out_files;
	}
	s = (struct set){ .files = files, .nfiles = n, .o = &o };
	s.label = calloc(n + 1, sizeof(*s.label));
	if (!s.label || machs_init(&s, a.groups, a.ngroups)) {
		rc = EXIT_FAILED;
		goto out_files;
	}
	dir = a.dir ? strdup(a.dir) : default_dir(&s);
	o.dir = dir;
	o.gnuplot = getenv("IPCB_GNUPLOT") ? getenv("IPCB_GNUPLOT") : "gnuplot";
	o.draw = a.formats && pick_terminals(&o, a.formats) == 0 && o.outputs[0];
	o.size = a.size;
	o.title = a.title;
	o.shared_scale = a.scale != 0;
	file_labels(&s, a.labels, a.nlabels);
	rc = run_plots(&s, &a);
	if (rc == 0 && a.formats && !o.draw && o.nplots)
		rc = EXIT_FAILED; /* images were asked for and none could be drawn */
out_files:
	ipcb_rfiles_free(files, n);
out:
	for (k = 0; k < NKINDS; k++)
		free(o.tmpl[k]);
	free(o.indexbuf);
	set_free(&s);
	free(dir);
	free(files);
	free(a.sel.only);
	free(a.sel.placement);
	free(a.sel.role);
	free(a.sel.param);
	free(a.labels);
	free(a.args);
	free(a.group_name);
	free(a.paths);
	free(a.groups);
	return rc < 0 ? 0 : rc;
}
