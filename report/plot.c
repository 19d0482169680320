// SPDX-License-Identifier: MIT
/*
 * plot.c - `ipcbench plot`: figures for papers, drawn by gnuplot. This file
 * holds what every figure kind shares (quoting, a plot's variables and
 * numbers, machine names and titles, naming series and splitting figures,
 * running gnuplot and ps2pdf, writing a plot, the run and its index, the dry
 * run). The results to draw are gathered in plot_set.c; each kind has its
 * own file: plot_bars.c, plot_sweep.c, plot_cdf.c, plot_heatmap.c.
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
#include "plot_kind.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
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

#include "strmap.h"

#define GNUPLOT_TIMEOUT_S 60 /* one plot; gnuplot takes well under a second */

static const char *const kind_name[NKINDS] = { "common", "bars", "sweep", "cdf", "heatmap" };
static const char *const title_mode_name[] = { "none", "short", "full" };

/* --- quoting: nothing from a results file can break out of a string ---------- */

/* A gnuplot single-quoted string: no backquote or macro substitution inside; ' is doubled. */
void gp_quoted(FILE *f, const char *s)
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
void dat_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c == '"' ? '\'' : c == '#' || c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
	fputc('"', f);
}

/* A comment line of a .gp or a line of figures.md: no line breaks. */
void one_line(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
}

/*
 * Shorten s in place to at most max characters, keeping its start and end
 * ("a-very-lo...-name"): a 5000-character id must not fill the figure. Cuts
 * on a character boundary: UTF-8 continuation bytes are not split.
 */
void shorten(char *s, size_t max)
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
void make_stem(char *out, size_t len, const char *const *parts, size_t nparts)
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

void var_str(struct plot *p, const char *name, const char *fmt, ...)
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

void var_num(struct plot *p, const char *name, double v)
{
	char buf[64];

	num_text(v, buf, sizeof(buf));
	fprintf(p->vars, "%s = %s\n", name, buf);
}

void var_int(struct plot *p, const char *name, long long v)
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
void var_titles(struct plot *p, char *const *titles, size_t n, size_t nrefs, const struct ipcb_fig_size *size)
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
void dat_num(FILE *f, double v)
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
void subtitle(const struct set *s, const struct plot *p, char *buf, size_t len)
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
void plot_uses(const struct set *s, struct plot *p, const struct item *it)
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

static const char *format_name(unsigned format)
{
	return format == IPCB_PLOT_PNG ? "png" : format == IPCB_PLOT_PDF ? "pdf" : "svg";
}

/* For each format, the terminals to try in order; the template defines term_<terminal>. */
static const struct {
	unsigned format;
	const char *ext, *term;
} term_choices[] = {
	{ IPCB_PLOT_PNG, "png", "pngcairo" }, { IPCB_PLOT_PNG, "png", "png" },	       { IPCB_PLOT_PDF, "pdf", "pdfcairo" },
	{ IPCB_PLOT_PDF, "eps", "postscript" }, { IPCB_PLOT_SVG, "svg", "svg" },
};

/*
 * Which terminals this gnuplot has (IPCB_PLOT_TERMINALS overrides, to test
 * the fall-backs): fills o->outputs. 0, or -1 when gnuplot cannot run.
 */
static int pick_terminals(struct plot_out *o, unsigned formats)
{
	static const unsigned order[] = { IPCB_PLOT_PNG, IPCB_PLOT_PDF, IPCB_PLOT_SVG };
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
		if (order[i] == IPCB_PLOT_PDF && strcmp(term_choices[k].ext, "eps") == 0) {
			o->eps_to_pdf = in_path("ps2pdf");
			fprintf(stderr, "ipcbench plot: this gnuplot has no pdfcairo terminal (Debian's gnuplot-nox has it): "
					"writing EPS%s\n",
				o->eps_to_pdf ? " and converting it with ps2pdf" : "; install ghostscript for ps2pdf to get PDF");
		}
		used += (size_t)snprintf(o->outputs + used, sizeof(o->outputs) - used, "%s%s:%s", used ? " " : "",
					 term_choices[k].ext, term_choices[k].term);
		snprintf(o->exts + strlen(o->exts), sizeof(o->exts) - strlen(o->exts), " .%s", term_choices[k].ext);
		if (o->eps_to_pdf && order[i] == IPCB_PLOT_PDF)
			snprintf(o->exts + strlen(o->exts), sizeof(o->exts) - strlen(o->exts), " .pdf");
	}
	return 0;
}

/* --- writing a plot ------------------------------------------------------------- */

int plot_open(struct plot *p, enum kind kind, const char *stem)
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
void plot_titles(struct plot *p, const char *title, const char *sub)
{
	var_str(p, "title_text", "%s", title);
	var_str(p, "subtitle_text", "%s", sub);
	free(p->title);
	free(p->subtitle);
	p->title = strdup(title);
	p->subtitle = strdup(sub);
}

/* Add a sentence to the caption (figures.md and the .gp's caption comment). */
void note_add(struct plot *p, const char *fmt, ...)
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

const char *base_name(const char *path)
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
static void gp_settings(FILE *f, const struct plot_out *o)
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
	const struct plot_out *o = s->o;
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

static int draw(const struct plot_out *o, const struct plot *p)
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
static void index_entry(struct plot_out *o, const struct plot *p)
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
void plot_close(struct set *s, struct plot *p)
{
	struct plot_out *o = s->o;
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

/* "ns per lock+unlock" when all items agree, else "ns per operation". */
void per_text(const struct set *s, const size_t *idx, size_t n, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%.40s per %.60s", s->v[idx[0]].unit, s->v[idx[0]].per);
	for (i = 1; i < n; i++)
		if (strcmp(s->v[idx[i]].per, s->v[idx[0]].per))
			snprintf(buf, len, "%.40s per operation", s->v[idx[0]].unit);
}

/* The items of one family (that pass keep), in the order asked for. */
size_t family_items(const struct set *s, size_t fam, int (*keep)(const struct item *), size_t *idx)
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

struct join {
	const struct item *it;
	const struct naming *nm;
};

/* A parameter its label names: its benchmark has results that differ in it, and it holds a value. */
static int names_param(const char *name, void *arg)
{
	const struct join *j = arg;
	size_t k = ipcb_strmap_find(&j->nm->keys, name);

	return k != SIZE_MAX && j->nm->varies && ipcb_strmap_find(&j->nm->varies[k], j->it->name) != SIZE_MAX &&
	       param_value(j->it, name)[0];
}

/* "k=v,k=v" of the keys in which its benchmark has results that differ. */
static void params_join(const struct item *it, const struct naming *nm, char *buf, size_t len)
{
	struct join j = { it, nm };

	ipcb_result_params_text(it->r, buf, len, IPCB_PARAMS_SORTED, names_param, &j);
}

/* Does any result that has key hold another value than value? */
static int differs(const struct set *s, const size_t *idx, size_t n, const char *key, const char *value)
{
	const char *cur;
	size_t i;

	for (i = 0; i < n; i++) {
		cur = param_value(&s->v[idx[i]], key);
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
	const char *cur;
	size_t i, b;

	for (i = 0; i < n; i++) {
		cur = param_value(&s->v[idx[i]], key);
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

void naming_init(struct naming *nm, const struct set *s, const size_t *idx, size_t n, const char *except)
{
	const struct ipcb_result *r;
	struct ipcb_rparam *common;
	const char *first;
	size_t i, k, ncommon = 0;

	memset(nm, 0, sizeof(*nm));
	nm->except = except;
	for (i = 0; i < n; i++) {
		r = s->v[idx[i]].r;
		for (k = 0; k < r->nparams; k++)
			if (!except || strcmp(r->params[k].name, except))
				ipcb_strmap_add(&nm->keys, r->params[k].name);
	}
	ipcb_strmap_sort(&nm->keys);
	/*
	 * A label names a parameter when two results of one benchmark differ in
	 * it: lock/pthread-mutex's two threading values, not the "multi" every
	 * other lock shares, and not "size=64" beside a result that lacks size
	 * (nop-uring beside write-uring): names tell those apart.
	 */
	nm->varies = calloc(nm->keys.n + 1, sizeof(*nm->varies));
	common = calloc(nm->keys.n + 1, sizeof(*common));
	for (k = 0; nm->varies && common && k < nm->keys.n; k++) {
		first = "";
		for (i = 0; i < n && !first[0]; i++)
			first = param_value(&s->v[idx[i]], nm->keys.str[k]);
		/* a value every result that has the key shares goes in the subtitle instead */
		if (!varying_benchmarks(s, idx, n, nm->keys.str[k], &nm->varies[k]) && first[0] &&
		    !differs(s, idx, n, nm->keys.str[k], first))
			common[ncommon++] = (struct ipcb_rparam){ .name = nm->keys.str[k], .text = (char *)first };
	}
	if (common)
		ipcb_params_text(NULL, common, ncommon, nm->common, sizeof(nm->common), 0, NULL, NULL);
	free(common);
	for (i = 1; i < n; i++)
		nm->per |= strcmp(s->v[idx[i]].per, s->v[idx[0]].per) != 0;
	nm->placement = count_distinct_places(s, idx, n) > 1;
}

void naming_free(struct naming *nm)
{
	size_t k;

	for (k = 0; nm->varies && k < nm->keys.n; k++)
		ipcb_strmap_free(&nm->varies[k]);
	ipcb_strmap_free(&nm->keys);
	free(nm->varies);
}

/* A benchmark's name in a plot: "unix-stream", with the params and unit of work that vary. */
void item_name(const struct item *it, const struct naming *nm, char *buf, size_t len)
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
void series_title(const struct set *s, const struct item *it, const char *what, int placement, char *buf,
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
void subtitle_common(const struct set *s, const struct plot *p, const struct naming *nm, const size_t *idx,
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
size_t split_series(const char *const *per, const char *const *place, size_t n, size_t *part,
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
void part_suffix(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s", name);
	for (; *buf; buf++)
		if (*buf == '\x1f')
			*buf = '-';
}

/* What the error bars of a plot are, for its title: intervals, node spreads, or both. */
const char *error_bars(const struct set *s, const struct plot *p)
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
void group_note(const struct set *s, struct plot *p, const char *mark)
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
		heat_free(s->v[i].pooled);
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

static const struct ipcb_fig_size size_presets[] = {
	{ "column", 3.33, 2.1, 7 }, /* one column of a two-column paper (ACM, USENIX) */
	{ "wide", 7.0, 2.6, 8 },    /* across both columns */
	{ "page", 7.0, 5.0, 9 },
};

int ipcb_fig_size_named(const char *name, struct ipcb_fig_size *sz)
{
	size_t i;

	for (i = 0; i < sizeof(size_presets) / sizeof(size_presets[0]); i++)
		if (strcmp(name, size_presets[i].name) == 0) {
			*sz = size_presets[i];
			return 0;
		}
	return -1;
}

const char *ipcb_title_mode_name(enum ipcb_title_mode m)
{
	return title_mode_name[m];
}

int ipcb_plot_dry(const struct ipcb_rfile *files, size_t n, char *err, size_t errlen)
{
	struct plot_out o = { .size = size_presets[1] };
	struct set s = { .files = files, .nfiles = n > IPCB_PLOT_MAX_FILES ? IPCB_PLOT_MAX_FILES : n, .o = &o };
	int rc;

	s.label = calloc(s.nfiles + 1, sizeof(*s.label));
	if (!s.label || machs_init(&s, NULL, 0)) {
		set_free(&s);
		return 0;
	}
	file_labels(&s, NULL, 0);
	rc = collect(&s, NULL);
	if (rc == 0)
		plot_all(&s);
	else
		snprintf(err, errlen, "out of memory collecting the results");
	set_free(&s);
	return rc;
}

/* --- a run: the templates, the output directory, the index ------------------------------------ */

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

static int load_templates_from(struct plot_out *o, const char *dir)
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
static int load_templates(struct plot_out *o, const char *given, char *err, size_t errlen)
{
	static const char *const rel[] = { "../plots", "../share/ipcbench/plots", "plots", "../../plots" };
	char exe[PATH_MAX], dir[PATH_MAX + 64];
	ssize_t len;
	size_t i;

	if (given || getenv("IPCB_PLOT_TEMPLATES")) {
		given = given ? given : getenv("IPCB_PLOT_TEMPLATES");
		if (load_templates_from(o, given) == 0)
			return 0;
		snprintf(err, errlen, "%s lacks the templates (common.gp, bars.gp, sweep.gp, cdf.gp, heatmap.gp)", given);
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
	snprintf(err, errlen, "cannot find the gnuplot templates (plots/bars.gp ...) beside the binary or in ./plots; pass --templates DIR");
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

static void write_index(struct set *s)
{
	struct plot_out *o = s->o;
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

/* An error is one line on the terminal: the text it quotes (a file's, an argument) may hold line breaks. */
static enum ipcb_plot_status bad_input(char *err)
{
	for (; *err; err++)
		if ((unsigned char)*err < 0x20)
			*err = ' ';
	return IPCB_PLOT_BAD_INPUT;
}

static enum ipcb_plot_status run_plots(struct set *s, const struct ipcb_plot_select *sel, struct units *u, char *err,
				       size_t errlen)
{
	if ((collect(s, sel) && snprintf(err, errlen, "out of memory collecting the results") > 0) ||
	    apply_units(s, u, err, errlen) || (pool_groups(s) && snprintf(err, errlen, "out of memory pooling --group") > 0))
		return bad_input(err);
	if (!s->n && !s->left_out && (sel->nonly || sel->nplacement || sel->nrole || sel->nparam)) {
		snprintf(err, errlen, "no result matches --only, --placement, --role and --param");
		return IPCB_PLOT_BAD_INPUT;
	}
	if (mkdir_p(s->o->dir)) {
		snprintf(err, errlen, "cannot create %s: %s", s->o->dir, strerror(errno));
		return IPCB_PLOT_BAD_INPUT;
	}
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
	return s->o->nfailed ? IPCB_PLOT_FAILED : IPCB_PLOT_OK;
}

enum ipcb_plot_status ipcb_plot(const struct ipcb_rfile *files, size_t n, const struct ipcb_plot_opts *po, char *err,
				size_t errlen)
{
	struct plot_out o = { 0 };
	struct units u = { .cycles = po->cycles, .baseline = po->baseline };
	struct set s = { .files = files, .nfiles = n, .o = &o };
	enum ipcb_plot_status rc;
	char *dir = NULL;
	int k;

	err[0] = '\0';
	if (load_templates(&o, po->templates, err, errlen)) {
		rc = IPCB_PLOT_BAD_INPUT;
		goto out;
	}
	s.label = calloc(n + 1, sizeof(*s.label));
	if (!s.label || machs_init(&s, po->groups, po->ngroups)) {
		rc = IPCB_PLOT_FAILED;
		goto out;
	}
	dir = po->dir ? strdup(po->dir) : default_dir(&s);
	o.dir = dir;
	o.gnuplot = getenv("IPCB_GNUPLOT") ? getenv("IPCB_GNUPLOT") : "gnuplot";
	o.draw = po->formats && pick_terminals(&o, po->formats) == 0 && o.outputs[0];
	o.size = po->size;
	o.title = po->title;
	o.shared_scale = !po->own_scale;
	file_labels(&s, po->labels, po->nlabels);
	rc = run_plots(&s, &po->sel, &u, err, errlen);
	if (rc == IPCB_PLOT_OK && po->formats && !o.draw && o.nplots)
		rc = IPCB_PLOT_FAILED; /* images were asked for and none could be drawn */
out:
	for (k = 0; k < NKINDS; k++)
		free(o.tmpl[k]);
	free(o.indexbuf);
	set_free(&s);
	free(dir);
	return rc;
}
