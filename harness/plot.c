// SPDX-License-Identifier: MIT
/*
 * plot.c - `ipcbench plot`: figures for papers, drawn by gnuplot.
 *
 * The plot kind follows the shape of the results, never a benchmark id, so a
 * family added later is plotted with no change here:
 *   bars     every ok result: the median with its 95% CI, one cluster per
 *            benchmark of a family, one bar per placement (and machine);
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
 */
#include "plot.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define MAX_FILES 64	     /* a plot records its files in a 64-bit mask */
#define GNUPLOT_TIMEOUT_S 60 /* one plot; gnuplot takes well under a second */

enum kind { KIND_COMMON, KIND_BARS, KIND_SWEEP, KIND_CDF, KIND_HEATMAP, NKINDS };
static const char *const kind_name[NKINDS] = { "common", "bars", "sweep", "cdf", "heatmap" };

struct plot_opts {
	const char *dir; /* NULL: build in memory only (ipcb_plot_dry) */
	char *tmpl[NKINDS];
	char outputs[160]; /* what each .gp draws: "png:pngcairo pdf:pdfcairo svg:svg" */
	char exts[64];	   /* the images: "png pdf svg" */
	int eps_to_pdf;	   /* pdf through the postscript terminal and ps2pdf */
	int draw;	   /* run gnuplot */
	const char *gnuplot;
	int nplots, nfailed;
};

/* One ok result to plot. */
struct item {
	const json_t *r;
	size_t file;
	const char *id, *family, *placement, *per, *unit;
	const char *name; /* within the family: "unix-stream" */
	char cpus[64];
	double median, lo, hi;
	int swept; /* drawn in a sweep, so not in the bars */
};

struct set {
	const struct ipcb_rfile *files;
	size_t nfiles;
	struct item *v;
	size_t n, left_out;
	struct plot_opts *o;
};

/* One plot being built: its numbers and its variables, in memory until written. */
struct plot {
	enum kind kind;
	char stem[200];
	FILE *dat, *vars;
	char *datbuf, *varbuf;
	size_t datlen, varlen;
	unsigned long long files; /* which files it draws, for the subtitle and the header */
};

/* A list of distinct strings in first-seen order: categories, series, lines. */
struct strs {
	char **v;
	size_t n;
};

static size_t strs_index(struct strs *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return i;
	l->v = realloc(l->v, (l->n + 1) * sizeof(char *));
	l->v[l->n] = strdup(s);
	return l->n++;
}

static void strs_free(struct strs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

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
static void var_num(struct plot *p, const char *name, double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.10g", v);
	if (!strpbrk(buf, ".eni"))
		strcat(buf, ".0");
	fprintf(p->vars, "%s = %s\n", name, buf);
}

static void var_int(struct plot *p, const char *name, long long v)
{
	fprintf(p->vars, "%s = %lld\n", name, v);
}

static void var_titles(struct plot *p, const struct strs *titles)
{
	size_t i;

	var_int(p, "nseries", (long long)titles->n);
	fprintf(p->vars, "array series_title[%zu] = [", titles->n ? titles->n : 1);
	for (i = 0; i < titles->n; i++) {
		if (i)
			fputs(", ", p->vars);
		gp_quoted(p->vars, titles->v[i]);
	}
	fputs(titles->n ? "]\n" : "'']\n", p->vars);
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

/* The machine line of a title: one file names its machine; several leave it to the key. */
static void subtitle(const struct set *s, const struct plot *p, char *buf, size_t len)
{
	const json_t *m;
	char kernel[128];
	const char *hv;
	size_t f, count = 0, which = 0;

	for (f = 0; f < s->nfiles; f++)
		if (p->files & (1ull << f)) {
			count++;
			which = f;
		}
	if (count != 1) {
		snprintf(buf, len, "%zu results files; the key names the machine", count);
		return;
	}
	m = json_object_get(s->files[which].doc, "machine");
	kernel_short(ipcb_jstr(m, "kernel"), kernel, sizeof(kernel));
	hv = ipcb_jstr(m, "hypervisor");
	snprintf(buf, len, "%s, %s, %s%s", s->files[which].machine, kernel[0] ? kernel : "kernel unknown",
		 !hv[0] || strcmp(hv, "none") == 0 ? "bare metal" : "hypervisor ", strcmp(hv, "none") ? hv : "");
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
	p->dat = p->vars = NULL;
	p->datbuf = p->varbuf = NULL;
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
		const char *c;

		if (!(p->files & (1ull << i)))
			continue;
		fputc(' ', f);
		for (c = base_name(s->files[i].path); *c; c++) /* a comment stays one line */
			fputc((unsigned char)*c < 0x20 ? '?' : *c, f);
	}
	fprintf(f, "; the numbers are in %s.dat. Below: this plot's variables, then\n"
		   "# plots/common.gp (terminals, fonts, colours) and plots/%s.gp (the plot). Restyle freely.\n",
		p->stem, kind_name[p->kind]);
	fputs("stem = ", f);
	gp_quoted(f, p->stem);
	fputs("\ndatafile = stem . '.dat'\noutputs = ", f);
	gp_quoted(f, o->outputs);
	fputc('\n', f);
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
	printf("%s/%s: .dat .gp%s\n", o->dir, p->stem, o->draw ? o->exts : "");
out:
	free(gp);
	plot_discard(p);
}

/* --- the results to plot ------------------------------------------------------------ */

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -1)

static int is_num(const json_t *v)
{
	return json_is_number(v);
}

static int check_histogram(const json_t *h, char *why, size_t whylen)
{
	const json_t *b, *e;
	size_t i;

	if (!h)
		return 0;
	if (!json_is_object(h))
		return WHY("histogram must be an object");
	b = json_object_get(h, "buckets");
	if (!json_is_array(b))
		return WHY("histogram.buckets must be an array of [lo, hi, count]");
	json_array_foreach(b, i, e) {
		double lo, hi, c;

		if (!json_is_array(e) || json_array_size(e) != 3 || !is_num(json_array_get(e, 0)) ||
		    !is_num(json_array_get(e, 1)) || !is_num(json_array_get(e, 2)))
			return WHY("histogram.buckets[%zu] must be [lo, hi, count]", i);
		lo = json_number_value(json_array_get(e, 0));
		hi = json_number_value(json_array_get(e, 1));
		c = json_number_value(json_array_get(e, 2));
		if (!(lo >= 0 && lo <= hi && c >= 0))
			return WHY("histogram.buckets[%zu] needs 0 <= lo <= hi and count >= 0", i);
	}
	if ((json_object_get(h, "p99") && !is_num(json_object_get(h, "p99"))) ||
	    (json_object_get(h, "p999") && !is_num(json_object_get(h, "p999"))))
		return WHY("histogram.p99 and histogram.p999 must be numbers");
	return 0;
}

#define MAX_MATRIX 4096

static int check_matrix(const json_t *m, char *why, size_t whylen)
{
	const json_t *cpus, *rows, *row, *cell;
	const char *key;
	size_t n, i, j;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return WHY("attachments.matrix must be an object");
	cpus = json_object_get(m, "cpus");
	n = json_array_size(cpus);
	if (!json_is_array(cpus) || n < 1 || n > MAX_MATRIX)
		return WHY("attachments.matrix.cpus must be an array of 1 to %d CPU ids", MAX_MATRIX);
	json_array_foreach(cpus, i, cell)
		if (!json_is_integer(cell))
			return WHY("attachments.matrix.cpus[%zu] must be an integer", i);
	json_object_foreach((json_t *)m, key, rows) {
		if (!json_is_array(rows) || strcmp(key, "cpus") == 0)
			continue;
		if (json_array_size(rows) != n)
			return WHY("attachments.matrix.%.40s must have %zu rows, one per CPU", key, n);
		json_array_foreach(rows, i, row) {
			if (!json_is_array(row) || json_array_size(row) != n)
				return WHY("attachments.matrix.%.40s[%zu] must be a row of %zu numbers or nulls", key, i, n);
			json_array_foreach(row, j, cell)
				if (!json_is_number(cell) && !json_is_null(cell))
					return WHY("attachments.matrix.%.40s[%zu][%zu] must be a number or null", key, i, j);
		}
	}
	return 0;
}

static const json_t *matrix_of(const json_t *r)
{
	return json_object_get(json_object_get(r, "attachments"), "matrix");
}

/* The optional members the plots read, which the schema check leaves alone. */
static int check_extras(const json_t *r, char *why, size_t whylen)
{
	const json_t *att = json_object_get(r, "attachments");

	if (att && !json_is_object(att))
		return WHY("attachments must be an object");
	if (check_histogram(json_object_get(r, "histogram"), why, whylen))
		return -1;
	return check_matrix(matrix_of(r), why, whylen);
}

static void item_fill(struct item *it, const json_t *r, size_t file)
{
	const json_t *st = json_object_get(r, "stats"), *ci = json_object_get(st, "ci95"), *c;
	const char *slash;
	size_t i, used = 0;

	memset(it, 0, sizeof(*it));
	it->r = r;
	it->file = file;
	it->id = ipcb_jstr(r, "id");
	it->family = ipcb_jstr(r, "family");
	it->placement = ipcb_jstr(json_object_get(r, "placement"), "name");
	it->per = ipcb_jstr(r, "per");
	it->unit = ipcb_jstr(r, "unit");
	it->median = json_number_value(json_object_get(st, "median"));
	it->lo = json_number_value(json_array_get(ci, 0));
	it->hi = json_number_value(json_array_get(ci, 1));
	slash = strchr(it->id, '/');
	it->name = slash ? slash + 1 : it->id;
	json_array_foreach(json_object_get(json_object_get(r, "placement"), "cpus"), i, c)
		if (used < sizeof(it->cpus))
			used += (size_t)snprintf(it->cpus + used, sizeof(it->cpus) - used, "%s%lld", i ? "," : "",
						 (long long)json_integer_value(c));
}

/* The ok results that --only selects; a malformed optional member is an error naming it. */
static int collect(struct set *s, char **only, int nonly, char *err, size_t errlen)
{
	const json_t *r;
	size_t f, i;

	for (f = 0; f < s->nfiles; f++) {
		json_array_foreach(json_object_get(s->files[f].doc, "results"), i, r) {
			char why[256];

			if (!ipcb_only_match(only, nonly, ipcb_jstr(r, "id")))
				continue;
			if (strcmp(ipcb_jstr(r, "status"), "ok")) {
				s->left_out++;
				continue;
			}
			if (check_extras(r, why, sizeof(why))) {
				snprintf(err, errlen, "%s: results[%zu] (%s): %s", s->files[f].path, i, ipcb_jstr(r, "id"),
					 why);
				return -1;
			}
			s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
			item_fill(&s->v[s->n++], r, f);
		}
	}
	return 0;
}

/* "ns per lock+unlock" when all items agree, else "ns per operation". */
static void per_text(const struct set *s, const size_t *idx, size_t n, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s per %s", s->v[idx[0]].unit, s->v[idx[0]].per);
	for (i = 1; i < n; i++)
		if (strcmp(s->v[idx[i]].per, s->v[idx[0]].per))
			snprintf(buf, len, "%s per operation", s->v[idx[0]].unit);
}

/* The items of one family (that pass keep), in input order. */
static size_t family_items(const struct set *s, const char *family, int (*keep)(const struct item *), size_t *idx)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].family, family) == 0 && (!keep || keep(&s->v[i])))
			idx[n++] = i;
	return n;
}

static void families(const struct set *s, struct strs *out)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		strs_index(out, s->v[i].family);
}

static size_t count_distinct_placements(const struct set *s, const size_t *idx, size_t n)
{
	struct strs pl = { 0 };
	size_t i, count;

	for (i = 0; i < n; i++)
		strs_index(&pl, s->v[idx[i]].placement);
	count = pl.n;
	strs_free(&pl);
	return count;
}

/* What the labels of one plot must say: only what varies between its results. */
struct naming {
	const char *except;  /* the swept parameter: the x axis says it */
	struct strs keys;    /* the other parameter names, sorted */
	char *varies;	     /* per key: its value differs between results, so labels name it */
	int per;	     /* the units of work differ: labels name them */
	int placement;	     /* several placements: legends name them */
	char common[256];    /* the params all results share, for the subtitle */
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void param_text(const struct item *it, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(json_object_get(it->r, "params"), key);

	buf[0] = '\0';
	if (v)
		ipcb_scalar_text(v, buf, len);
}

/* "k=v,k=v" of the keys whose varies[] flag equals want; values missing from it are skipped. */
static void params_join(const struct item *it, const struct naming *nm, int want, char *buf, size_t len)
{
	char val[128];
	size_t k, used = 0;

	buf[0] = '\0';
	for (k = 0; k < nm->keys.n && used < len; k++) {
		if (nm->varies[k] != want)
			continue;
		param_text(it, nm->keys.v[k], val, sizeof(val));
		if (val[0])
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", nm->keys.v[k], val);
	}
}

static void naming_init(struct naming *nm, const struct set *s, const size_t *idx, size_t n, const char *except)
{
	char first[128], cur[128];
	const char *key;
	json_t *v;
	size_t i, k;

	memset(nm, 0, sizeof(*nm));
	nm->except = except;
	for (i = 0; i < n; i++)
		json_object_foreach(json_object_get(s->v[idx[i]].r, "params"), key, v)
			if (!except || strcmp(key, except))
				strs_index(&nm->keys, key);
	if (nm->keys.n)
		qsort(nm->keys.v, nm->keys.n, sizeof(char *), cmp_name);
	nm->varies = calloc(nm->keys.n + 1, 1);
	for (k = 0; k < nm->keys.n; k++) {
		param_text(&s->v[idx[0]], nm->keys.v[k], first, sizeof(first));
		for (i = 1; i < n && !nm->varies[k]; i++) {
			param_text(&s->v[idx[i]], nm->keys.v[k], cur, sizeof(cur));
			nm->varies[k] = strcmp(cur, first) != 0;
		}
	}
	for (i = 1; i < n; i++)
		nm->per |= strcmp(s->v[idx[i]].per, s->v[idx[0]].per) != 0;
	nm->placement = count_distinct_placements(s, idx, n) > 1;
	params_join(&s->v[idx[0]], nm, 0, nm->common, sizeof(nm->common));
}

static void naming_free(struct naming *nm)
{
	strs_free(&nm->keys);
	free(nm->varies);
}

/* A benchmark's name in a plot: "unix-stream", with the params and unit of work that vary. */
static void item_name(const struct item *it, const struct naming *nm, char *buf, size_t len)
{
	char params[256];

	params_join(it, nm, 1, params, sizeof(params));
	snprintf(buf, len, "%s%s%s%s%s%s", it->name, params[0] ? " " : "", params, nm->per ? " (per " : "",
		 nm->per ? it->per : "", nm->per ? ")" : "");
}

/*
 * A legend entry: the benchmark (what), then the placement and the machine
 * where they vary. CPU ids only for one machine: across machines they differ.
 */
static void series_title(const struct set *s, const struct item *it, const char *what, int placement, char *buf,
			 size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", what);

	if (placement && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", it->placement);
	if (placement && s->nfiles == 1 && used < len)
		used += (size_t)snprintf(buf + used, len - used, " (CPU %s)", it->cpus);
	if (s->nfiles > 1 && used < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", s->files[it->file].label);
}

/* The subtitle, and the params every result of the plot shares. */
static void subtitle_common(const struct set *s, const struct plot *p, const struct naming *nm, char *buf,
			    size_t len)
{
	subtitle(s, p, buf, len);
	if (nm->common[0] && strlen(buf) < len)
		snprintf(buf + strlen(buf), len - strlen(buf), "; %s", nm->common);
}

/* --- bars --------------------------------------------------------------------------- */

static int not_swept(const struct item *it)
{
	return !it->swept;
}

static void bars_data(struct set *s, struct plot *p, const size_t *idx, size_t n, const struct naming *nm,
		      struct strs *cats, struct strs *series)
{
	char name[400];
	size_t c, k, i;

	fprintf(p->dat, "# benchmark, then for each series: median, ci95_lo, ci95_hi (NaN: not measured)\n");
	for (c = 0; c < cats->n; c++) {
		dat_label(p->dat, cats->v[c]);
		for (k = 0; k < series->n; k++) {
			const struct item *hit = NULL;
			char key[300];

			for (i = 0; i < n && !hit; i++) {
				const struct item *it = &s->v[idx[i]];

				snprintf(key, sizeof(key), "%zu\x1f%s", it->file, it->placement);
				item_name(it, nm, name, sizeof(name));
				if (strcmp(name, cats->v[c]) == 0 && strcmp(key, series->v[k]) == 0)
					hit = it;
			}
			dat_num(p->dat, hit ? hit->median : NAN);
			dat_num(p->dat, hit ? hit->lo : NAN);
			dat_num(p->dat, hit ? hit->hi : NAN);
		}
		fputc('\n', p->dat);
	}
}

static size_t longest(const struct strs *l)
{
	size_t i, max = 0;

	for (i = 0; i < l->n; i++)
		max = strlen(l->v[i]) > max ? strlen(l->v[i]) : max;
	return max;
}

/* Log scale when the bars span more than this factor: a syscall beside a function call. */
#define LOG_SPAN 30

static void bars_family(struct set *s, const char *family)
{
	size_t *idx = calloc(s->n, sizeof(*idx)), n, i;
	struct strs cats = { 0 }, series = { 0 }, titles = { 0 };
	double lo = INFINITY, hi = 0;
	char stem[128], buf[400], per[160];
	struct naming nm;
	struct plot p;

	n = family_items(s, family, not_swept, idx);
	if (!n || plot_open(&p, KIND_BARS, "")) {
		free(idx);
		return;
	}
	slug(buf, sizeof(buf), family);
	snprintf(stem, sizeof(stem), "bars-%.100s", buf);
	snprintf(p.stem, sizeof(p.stem), "%s", stem);
	naming_init(&nm, s, idx, n, NULL);
	for (i = 0; i < n; i++) {
		const struct item *it = &s->v[idx[i]];
		size_t before = series.n;

		item_name(it, &nm, buf, sizeof(buf));
		strs_index(&cats, buf);
		snprintf(buf, sizeof(buf), "%zu\x1f%s", it->file, it->placement);
		if (strs_index(&series, buf) == before) {
			series_title(s, it, "", nm.placement || s->nfiles == 1, buf, sizeof(buf));
			strs_index(&titles, buf);
		}
		p.files |= 1ull << it->file;
		lo = fmin(lo, it->lo);
		hi = fmax(hi, it->hi);
	}
	bars_data(s, &p, idx, n, &nm, &cats, &series);
	per_text(s, idx, n, per, sizeof(per));
	var_str(&p, "title_text", "%s: median %s, with the 95%% CI of the median", family, per);
	subtitle_common(s, &p, &nm, buf, sizeof(buf));
	if (titles.n == 1)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; %s", titles.v[0]);
	var_str(&p, "subtitle_text", "%s", buf);
	var_str(&p, "xlabel_text", "benchmark (%s/...)", family);
	var_str(&p, "ylabel_text", "%s", per);
	var_titles(&p, &titles);
	var_int(&p, "log_y", lo > 0 && hi / lo > LOG_SPAN);
	var_num(&p, "ymin", lo > 0 ? pow(10, floor(log10(lo))) : 0);
	var_int(&p, "rotate_xtics", cats.n > 4 || longest(&cats) > 14);
	var_num(&p, "width_cm", fmin(36, fmax(14, 6 + (double)cats.n * (0.8 + 0.5 * (double)series.n))));
	var_num(&p, "height_cm", 10);
	plot_close(s, &p);
	naming_free(&nm);
	strs_free(&cats);
	strs_free(&series);
	strs_free(&titles);
	free(idx);
}

static void plot_bars(struct set *s)
{
	struct strs fams = { 0 };
	size_t i;

	families(s, &fams);
	for (i = 0; i < fams.n; i++)
		bars_family(s, fams.v[i]);
	strs_free(&fams);
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

/* A line of a sweep: the same benchmark, other params, placement and file; param varies. */
static void line_key(const struct item *it, const char *param, char *buf, size_t len)
{
	char rest[256];

	ipcb_result_params(it->r, param, rest, sizeof(rest));
	snprintf(buf, len, "%s\x1f%s\x1f%zu\x1f%s", it->id, it->placement, it->file, rest);
}

/* Group the family's items that have an integer param into lines; line[i] is the line of idx[i]. */
static size_t sweep_lines(const struct set *s, const size_t *idx, size_t n, const char *param, struct strs *lines,
			  size_t *line)
{
	size_t i, k, best = 0;
	long long v = 0;
	char key[600];

	for (i = 0; i < n; i++) {
		line[i] = SIZE_MAX;
		if (!int_param(&s->v[idx[i]], param, &v))
			continue;
		line_key(&s->v[idx[i]], param, key, sizeof(key));
		line[i] = strs_index(lines, key);
	}
	/* the most distinct values on one line */
	for (k = 0; k < lines->n; k++) {
		size_t distinct = 0, j;
		long long w = 0;

		for (i = 0; i < n; i++) {
			int seen = 0;

			if (line[i] != k)
				continue;
			int_param(&s->v[idx[i]], param, &v);
			for (j = 0; j < i && !seen; j++)
				seen = line[j] == k && int_param(&s->v[idx[j]], param, &w) && w == v;
			distinct += !seen;
		}
		best = distinct > best ? distinct : best;
	}
	return best;
}

struct point {
	long long x;
	struct item *it;
};

static int cmp_point(const void *pa, const void *pb)
{
	const struct point *a = pa, *b = pb;

	return (a->x > b->x) - (a->x < b->x);
}

/* Log x when the values span 8x or more; base 2 when they are all powers of two. */
static int log_base(const struct set *s, const size_t *idx, size_t n, const size_t *line, const char *param)
{
	double xmin = INFINITY, xmax = -INFINITY;
	int pow2 = 1;
	long long v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (line[i] == SIZE_MAX || !int_param(&s->v[idx[i]], param, &v))
			continue;
		xmin = fmin(xmin, (double)v);
		xmax = fmax(xmax, (double)v);
		pow2 &= v > 0 && (v & (v - 1)) == 0;
	}
	if (!(xmin > 0) || xmax / xmin < 8)
		return 0;
	return pow2 ? 2 : 10;
}

/* One line: its points sorted by the parameter, as a gnuplot index block. */
static void sweep_line(struct plot *p, struct point *pts, size_t m, size_t k, const char *title, double *ylo)
{
	size_t i;

	qsort(pts, m, sizeof(*pts), cmp_point);
	fprintf(p->dat, "%s# line %zu: %s\n", k ? "\n\n" : "", k + 1, title);
	for (i = 0; i < m; i++) {
		fprintf(p->dat, "%lld", pts[i].x);
		dat_num(p->dat, pts[i].it->median);
		dat_num(p->dat, pts[i].it->lo);
		dat_num(p->dat, pts[i].it->hi);
		fputc('\n', p->dat);
		pts[i].it->swept = 1;
		p->files |= 1ull << pts[i].it->file;
		*ylo = fmin(*ylo, pts[i].it->lo);
	}
}

static void sweep_plot(struct set *s, const char *family, const char *param, const size_t *idx, size_t n,
		       const struct strs *lines, const size_t *line)
{
	struct point *pts = calloc(n, sizeof(*pts));
	size_t *swept = calloc(n, sizeof(*swept)), k, i, m, nswept = 0;
	struct strs titles = { 0 };
	char buf[400], per[160], a[256], b[320];
	const char *unit = param_unit(param);
	double ylo = INFINITY;
	struct naming nm;
	struct plot p;

	slug(a, sizeof(a), family);
	slug(b, sizeof(b), param);
	snprintf(buf, sizeof(buf), "sweep-%.90s-%.90s", a, b);
	if (!pts || !swept || plot_open(&p, KIND_SWEEP, buf)) {
		free(pts);
		free(swept);
		return;
	}
	for (i = 0; i < n; i++)
		if (line[i] != SIZE_MAX)
			swept[nswept++] = idx[i];
	naming_init(&nm, s, swept, nswept, param);
	fprintf(p.dat, "# one block per line (gnuplot index): %s, median, ci95_lo, ci95_hi\n", param);
	for (k = 0; k < lines->n; k++) {
		for (i = m = 0; i < n; i++)
			if (line[i] == k && int_param(&s->v[idx[i]], param, &pts[m].x))
				pts[m++].it = &s->v[idx[i]];
		item_name(pts[0].it, &nm, b, sizeof(b));
		series_title(s, pts[0].it, b, nm.placement, buf, sizeof(buf));
		strs_index(&titles, buf);
		sweep_line(&p, pts, m, k, buf, &ylo);
	}
	per_text(s, swept, nswept, per, sizeof(per));
	var_str(&p, "title_text", "%s: median %s against %s, with the 95%% CI", family, per, param);
	subtitle_common(s, &p, &nm, buf, sizeof(buf));
	var_str(&p, "subtitle_text", "%s", buf);
	var_str(&p, "xlabel_text", "%s%s%s%s", param, unit ? " (" : "", unit ? unit : "", unit ? ")" : "");
	var_str(&p, "ylabel_text", "%s", per);
	var_titles(&p, &titles);
	var_int(&p, "logx", log_base(s, idx, n, line, param));
	var_int(&p, "log_y", ylo > 0);
	var_num(&p, "width_cm", 16);
	/* the key goes below the plot: a row per line */
	var_num(&p, "height_cm", fmin(24, 8.5 + 0.45 * (double)lines->n));
	plot_close(s, &p);
	naming_free(&nm);
	strs_free(&titles);
	free(swept);
	free(pts);
}

static void sweep_family(struct set *s, const char *family)
{
	size_t *idx = calloc(s->n, sizeof(*idx)), *line = calloc(s->n, sizeof(*line)), n, i;
	struct strs params = { 0 };
	const char *key;
	json_t *v;

	n = family_items(s, family, NULL, idx);
	for (i = 0; i < n; i++)
		json_object_foreach(json_object_get(s->v[idx[i]].r, "params"), key, v)
			if (json_is_integer(v))
				strs_index(&params, key);
	for (i = 0; i < params.n; i++) {
		struct strs lines = { 0 };

		if (sweep_lines(s, idx, n, params.v[i], &lines, line) >= 3)
			sweep_plot(s, family, params.v[i], idx, n, &lines, line);
		strs_free(&lines);
	}
	strs_free(&params);
	free(line);
	free(idx);
}

static void plot_sweeps(struct set *s)
{
	struct strs fams = { 0 };
	size_t i;

	families(s, &fams);
	for (i = 0; i < fams.n; i++)
		sweep_family(s, fams.v[i]);
	strs_free(&fams);
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
		v[i].lo = json_number_value(json_array_get(e, 0));
		v[i].hi = json_number_value(json_array_get(e, 1));
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

/* A percentile: the histogram's own figure, or the upper bound of the bucket holding that rank. */
static double hist_quantile(const struct item *it, const char *key, double q, const struct bucket *b, size_t n,
			    double total)
{
	const json_t *v = json_object_get(json_object_get(it->r, "histogram"), key);
	double cum = 0;
	size_t i;

	if (json_is_number(v))
		return json_number_value(v);
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

static void cdf_plot(struct set *s, const char *family, const char *placement, const size_t *idx, size_t n)
{
	struct strs titles = { 0 };
	double xmin = INFINITY, nines = 1, *p99 = calloc(n, sizeof(double)), *p999 = calloc(n, sizeof(double));
	char buf[400], name[400], a[128], b[128];
	const struct item *first = &s->v[idx[0]];
	size_t i, k = 0;
	struct naming nm;
	struct plot p;

	slug(a, sizeof(a), family);
	slug(b, sizeof(b), placement);
	snprintf(buf, sizeof(buf), "cdf-%s-%s", a, b);
	if (!p99 || !p999 || plot_open(&p, KIND_CDF, buf))
		goto out;
	naming_init(&nm, s, idx, n, NULL);
	fprintf(p.dat, "# one block per line (gnuplot index): ns, F, -log10(1-F); the last block: line, p99, p99.9\n");
	for (i = 0; i < n; i++) {
		const struct item *it = &s->v[idx[i]];
		size_t nb;
		double total;
		struct bucket *bk = buckets_of(it, &nb, &total);

		if (!bk)
			continue;
		item_name(it, &nm, name, sizeof(name));
		series_title(s, it, name, 0, buf, sizeof(buf));
		strs_index(&titles, buf);
		fprintf(p.dat, "%s# line %zu: %s (%.0f operations)\n", k ? "\n\n" : "", k + 1, buf, total);
		cdf_block(&p, bk, nb, total);
		p99[k] = hist_quantile(it, "p99", 0.99, bk, nb, total);
		p999[k++] = hist_quantile(it, "p999", 0.999, bk, nb, total);
		xmin = fmin(xmin, bk[0].lo);
		nines = fmax(nines, ceil(log10(2 * total)));
		p.files |= 1ull << it->file;
		free(bk);
	}
	fprintf(p.dat, "\n\n# marks: line, p99, p99.9 (ns)\n");
	for (i = 0; i < k; i++) {
		fprintf(p.dat, "%zu", i + 1);
		dat_num(p.dat, p99[i]);
		dat_num(p.dat, p999[i]);
		fputc('\n', p.dat);
	}
	var_str(&p, "title_text", "%s, %s: distribution of the latency per %s", family, placement,
		nm.per ? "operation" : first->per);
	subtitle_common(s, &p, &nm, buf, sizeof(buf));
	var_str(&p, "subtitle_text", "%s; each operation timed alone (includes one timer read)", buf);
	var_str(&p, "xlabel_text", "latency per %s (%s)", nm.per ? "operation" : first->per, first->unit);
	var_titles(&p, &titles);
	var_int(&p, "logx", xmin > 0);
	var_num(&p, "ymax_nines", fmin(nines, 9));
	var_num(&p, "width_cm", 16);
	var_num(&p, "height_cm", fmin(24, 8.5 + 0.45 * (double)k));
	plot_close(s, &p);
	naming_free(&nm);
out:
	strs_free(&titles);
	free(p99);
	free(p999);
}

static void plot_cdfs(struct set *s)
{
	struct strs groups = { 0 };
	size_t *idx = calloc(s->n, sizeof(*idx)), g, i, n;
	char key[300];

	for (i = 0; i < s->n; i++) {
		if (!has_histogram(&s->v[i]))
			continue;
		snprintf(key, sizeof(key), "%s\x1f%s", s->v[i].family, s->v[i].placement);
		strs_index(&groups, key);
	}
	for (g = 0; g < groups.n; g++) {
		for (i = n = 0; i < s->n; i++) {
			snprintf(key, sizeof(key), "%s\x1f%s", s->v[i].family, s->v[i].placement);
			if (strcmp(key, groups.v[g]) == 0 && has_histogram(&s->v[i]))
				idx[n++] = i;
		}
		cdf_plot(s, s->v[idx[0]].family, s->v[idx[0]].placement, idx, n);
	}
	strs_free(&groups);
	free(idx);
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
}

static void heatmap_data(struct plot *p, const json_t *cpus, const json_t *rows)
{
	const json_t *row, *cell;
	size_t i, j;

	fprintf(p->dat, "# column index j, row index i, value (NaN: not measured), label; index k is CPU");
	json_array_foreach(cpus, i, cell)
		fprintf(p->dat, " %lld", (long long)json_integer_value(cell));
	fputc('\n', p->dat);
	json_array_foreach(rows, i, row) {
		json_array_foreach(row, j, cell) {
			double v = json_is_number(cell) ? json_number_value(cell) : NAN;

			fprintf(p->dat, "%zu %zu", j, i);
			dat_num(p->dat, v);
			if (isnan(v))
				fputs(" \"-\"\n", p->dat);
			else
				fprintf(p->dat, fabs(v) >= 10 ? " \"%.0f\"\n" : " \"%.2g\"\n", v);
		}
		fputc('\n', p->dat);
	}
}

/* gnuplot tics: ('0' 0, '1' 1, ...) naming OS CPU ids; thinned to about 32 labels. */
static void cpu_tics(struct plot *p, const json_t *cpus)
{
	size_t n = json_array_size(cpus), step = (n + 31) / 32, i, used = 0;
	char *buf = malloc(n * 32 + 8);

	if (!buf)
		return;
	used += (size_t)sprintf(buf, "(");
	for (i = 0; i < n; i += step)
		used += (size_t)sprintf(buf + used, "%s'%lld' %zu", i ? ", " : "",
					(long long)json_integer_value(json_array_get(cpus, i)), i);
	sprintf(buf + used, ")");
	var_str(p, "cpu_tics", "%s", buf);
	free(buf);
}

static void heatmap_plot(struct set *s, const struct item *it, const char *key, const json_t *rows)
{
	const json_t *cpus = json_object_get(matrix_of(it->r), "cpus");
	char stem[400], a[160], b[160], c[64], d[64], what[128], buf[400], params[256];
	size_t n = json_array_size(cpus);
	struct plot p;

	slug(a, sizeof(a), it->id);
	ipcb_result_params(it->r, NULL, params, sizeof(params));
	slug(b, sizeof(b), params);
	slug(c, sizeof(c), it->placement);
	slug(d, sizeof(d), key);
	snprintf(stem, sizeof(stem), "heatmap-%.90s%s%.90s-%.60s%s%.60s%s%c", a, params[0] ? "-" : "", params[0] ? b : "", c,
		 strcmp(key, "round_trip_ns") ? "-" : "", strcmp(key, "round_trip_ns") ? d : "",
		 s->nfiles > 1 ? "-" : "", s->nfiles > 1 ? (char)tolower(s->files[it->file].letter) : '\0');
	if (plot_open(&p, KIND_HEATMAP, stem))
		return;
	p.files = 1ull << it->file;
	heatmap_data(&p, cpus, rows);
	matrix_label(key, what, sizeof(what));
	var_str(&p, "title_text", "%s%s%s: %s between CPUs", it->id, params[0] ? " " : "", params, what);
	subtitle(s, &p, buf, sizeof(buf));
	var_str(&p, "subtitle_text", "%s", buf);
	var_str(&p, "cb_label_text", "%s", what);
	var_int(&p, "ncpu", (long long)n);
	cpu_tics(&p, cpus);
	var_int(&p, "show_values", n <= 16);
	var_num(&p, "width_cm", 15);
	var_num(&p, "height_cm", 13);
	plot_close(s, &p);
}

static void plot_heatmaps(struct set *s)
{
	const json_t *m, *rows;
	const char *key;
	size_t i;

	for (i = 0; i < s->n; i++) {
		m = matrix_of(s->v[i].r);
		json_object_foreach((json_t *)m, key, rows)
			if (json_is_array(rows) && strcmp(key, "cpus"))
				heatmap_plot(s, &s->v[i], key, rows);
	}
}

/* Sweeps first: they take their results out of the bars. */
static void plot_all(struct set *s)
{
	plot_sweeps(s);
	plot_bars(s);
	plot_cdfs(s);
	plot_heatmaps(s);
}

int ipcb_plot_dry(const struct ipcb_rfile *files, size_t n, char *err, size_t errlen)
{
	struct plot_opts o = { 0 };
	struct set s = { .files = files, .nfiles = n > MAX_FILES ? MAX_FILES : n, .o = &o };
	int rc = collect(&s, NULL, 0, err, errlen);

	if (rc == 0)
		plot_all(&s);
	free(s.v);
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

/* plots/<name of the first file>, and -vs-<second> when there are several. */
static char *default_dir(char **paths, size_t n)
{
	char a[200], b[200], *dir;
	const char *base;

	base = base_name(paths[0]);
	snprintf(a, sizeof(a), "%.*s", (int)(strlen(base) > 5 && !strcmp(base + strlen(base) - 5, ".json") ?
						     strlen(base) - 5 : strlen(base)), base);
	if (n > 1) {
		base = base_name(paths[1]);
		snprintf(b, sizeof(b), "%.*s", (int)(strlen(base) > 5 && !strcmp(base + strlen(base) - 5, ".json") ?
							     strlen(base) - 5 : strlen(base)), base);
	}
	if (asprintf(&dir, "plots/%s%s%s%s", a, n > 1 ? "-vs-" : "", n > 1 ? b : "", n > 2 ? "-and-more" : "") < 0)
		return NULL;
	return dir;
}

static const char plot_help[] =
	"usage: ipcbench plot RESULT.json... [-o DIR] [--format png,pdf,svg] [--only PATTERN]\n"
	"\n"
	"Figures for papers, drawn by gnuplot from results files. The plot kind follows the\n"
	"shape of the results:\n"
	"  bars-FAMILY        median and 95% CI of each benchmark, a bar per placement (and machine)\n"
	"  sweep-FAMILY-PARAM results varying in one integer parameter over 3+ values: log axes\n"
	"  cdf-FAMILY-PLACE   latency distributions from the stored histograms, p99/p99.9 marked\n"
	"  heatmap-ID-...     a CPU x CPU matrix (e.g. core-to-core round trips)\n"
	"With several files, the same plots show every machine (the key names them).\n"
	"Each plot is written as DIR/STEM.dat (the numbers), DIR/STEM.gp (a gnuplot script:\n"
	"restyle it and rerun `gnuplot STEM.gp` in DIR) and the images. The .dat and .gp\n"
	"depend only on the input: the same JSON gives the same bytes.\n"
	"\n"
	"  -o, --out DIR          where to write (created; default plots/<name of the first file>)\n"
	"  --format LIST          png, pdf, svg, comma-separated (default png,pdf,svg); none: only\n"
	"                         the .dat and .gp files\n"
	"  --only PATTERN         only ids matching this fnmatch pattern ('lock/*', or a family\n"
	"                         name); repeat for several\n"
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

struct plot_args {
	const char *dir, *templates;
	unsigned formats;
	char **only;
	int nonly;
};

static int parse_plot_args(int argc, char **argv, struct plot_args *a)
{
	static const struct option opts[] = { { "out", required_argument, NULL, 'o' },
					      { "format", required_argument, NULL, 'F' },
					      { "only", required_argument, NULL, 'O' },
					      { "templates", required_argument, NULL, 'T' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int c;

	a->formats = OUT_PNG | OUT_PDF | OUT_SVG;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->dir = optarg; break;
		case 'F':
			if (parse_formats(optarg, &a->formats))
				return EXIT_USAGE;
			break;
		case 'O':
			a->only = realloc(a->only, (size_t)(a->nonly + 1) * sizeof(char *));
			a->only[a->nonly++] = optarg;
			break;
		case 'T': a->templates = optarg; break;
		case 'h': fputs(plot_help, stdout); return -1;
		default: fputs(plot_help, stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return plot_usage("expected one or more results files (see --help)");
	if (argc - optind > MAX_FILES)
		return plot_usage("at most %d files, not %d", MAX_FILES, argc - optind);
	return 0;
}

static int run_plots(struct set *s, struct plot_args *a)
{
	char err[768], *p;

	if (collect(s, a->only, a->nonly, err, sizeof(err))) {
		for (p = err; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		return plot_usage("%s", err);
	}
	if (!s->n && !s->left_out && a->nonly)
		return plot_usage("no result matches --only");
	if (mkdir_p(s->o->dir))
		return plot_usage("cannot create %s: %s", s->o->dir, strerror(errno));
	plot_all(s);
	if (s->left_out)
		printf("%zu skipped or failed results are not plotted (their reasons: ipcbench export)\n", s->left_out);
	if (!s->o->nplots)
		printf("nothing to plot: no ok results\n");
	else
		printf("wrote %d plot%s to %s\n", s->o->nplots, s->o->nplots == 1 ? "" : "s", s->o->dir);
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
	n = (size_t)(argc - optind);
	files = calloc(n, sizeof(*files));
	if (ipcb_rfiles_load(files, argv + optind, n, err, sizeof(err))) {
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
	dir = a.dir ? strdup(a.dir) : default_dir(argv + optind, n);
	o.dir = dir;
	o.gnuplot = getenv("IPCB_GNUPLOT") ? getenv("IPCB_GNUPLOT") : "gnuplot";
	o.draw = a.formats && pick_terminals(&o, a.formats) == 0 && o.outputs[0];
	s = (struct set){ .files = files, .nfiles = n, .o = &o };
	rc = run_plots(&s, &a);
	if (rc == 0 && a.formats && !o.draw && o.nplots)
		rc = EXIT_FAILED; /* images were asked for and none could be drawn */
out_files:
	ipcb_rfiles_free(files, n);
out:
	for (k = 0; k < NKINDS; k++)
		free(o.tmpl[k]);
	free(s.v);
	free(dir);
	free(files);
	free(a.only);
	return rc < 0 ? 0 : rc;
}
