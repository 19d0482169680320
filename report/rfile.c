// SPDX-License-Identifier: MIT
/*
 * rfile.c - results files read back: loaded and validated (ipcb_report_read),
 * each named after its machine so that a header, a column or a legend tells
 * the files apart; and the rules on a result that compare, export and plot
 * share.
 */
#include "rfile.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"

/* An error is one line on the terminal: the text it quotes (a file's, an argument) may hold line breaks. */
static int one_line_error(char *err)
{
	for (; *err; err++)
		if ((unsigned char)*err < 0x20)
			*err = ' ';
	return -1;
}

#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), one_line_error(err))

/* --- loading ------------------------------------------------------------ */

/* The results of a validated document, typed. */
static int read_results(struct ipcb_rfile *f, char *err, size_t errlen)
{
	const json_t *results = json_object_get(f->doc, "results");
	char why[512];
	size_t i;

	f->nres = json_array_size(results);
	f->res = calloc(f->nres + 1, sizeof(*f->res));
	if (!f->res) {
		snprintf(err, errlen, "%s: out of memory for %zu results", f->path, f->nres);
		return -1;
	}
	for (i = 0; i < f->nres; i++) {
		if (ipcb_result_from_json(json_array_get(results, i), &f->res[i], why, sizeof(why))) {
			snprintf(err, errlen, "%s: results[%zu]: %s", f->path, i, why);
			return -1;
		}
	}
	return 0;
}

static void rfile_free(struct ipcb_rfile *f)
{
	size_t i;

	for (i = 0; f->res && i < f->nres; i++)
		ipcb_result_free(&f->res[i]);
	free(f->res);
	f->res = NULL;
	f->nres = 0;
	json_decref(f->doc);
	f->doc = NULL;
}

int ipcb_rfile_adopt(struct ipcb_rfile *f, const char *path, json_t *doc, char *err, size_t errlen)
{
	char why[512];

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->doc = doc;
	if (ipcb_report_validate(doc, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		rfile_free(f);
		return -1;
	}
	if (read_results(f, err, errlen)) {
		rfile_free(f);
		return -1;
	}
	return 0;
}

int ipcb_rfile_load(struct ipcb_rfile *f, const char *path, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->doc = ipcb_report_read(path, err, errlen);
	if (!f->doc)
		return -1;
	if (read_results(f, err, errlen)) {
		rfile_free(f);
		return -1;
	}
	return 0;
}

/* "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz" -> "Intel Xeon Gold 6230": short enough for a legend. */
static void cpu_short(const char *model, char *buf, size_t len)
{
	static const char *const noise[] = { "(R)", "(TM)", "(tm)", " CPU", " Processor", NULL };
	char *at, *p;
	int i;

	snprintf(buf, len, "%s", model);
	at = strstr(buf, " @ ");
	if (at)
		*at = '\0';
	for (i = 0; noise[i]; i++)
		while ((p = strstr(buf, noise[i])) != NULL)
			memmove(p, p + strlen(noise[i]), strlen(p + strlen(noise[i])) + 1);
}

/* The machine: its label (a name the user chose) where the file has one, else the host name. */
static void base_label(const struct ipcb_rfile *f, char *buf, size_t len)
{
	const json_t *m = json_object_get(f->doc, "machine");
	char cpu[128];

	const char *name = ipcb_jstr(m, "label")[0] ? ipcb_jstr(m, "label") : ipcb_jstr(m, "hostname");

	cpu_short(ipcb_jstr(m, "cpu_model"), cpu, sizeof(cpu));
	snprintf(buf, len, "%s%s%s%s", name, cpu[0] ? " (" : "", cpu, cpu[0] ? ")" : "");
}

static int label_taken(const struct ipcb_rfile *files, size_t n, size_t self, const char *label, int base)
{
	char other[sizeof(files[0].label)];
	size_t i;

	for (i = 0; i < n; i++) {
		if (i == self)
			continue;
		if (base)
			base_label(&files[i], other, sizeof(other));
		if (strcmp(base ? other : files[i].label, label) == 0)
			return 1;
	}
	return 0;
}

/* The machine names a legend or a header shows: the start time, then the letter, tell runs apart. */
void ipcb_rfiles_label(struct ipcb_rfile *files, size_t n)
{
	size_t i, used;

	for (i = 0; i < n; i++) {
		files[i].letter = (char)(i < 26 ? 'A' + i : '?');
		base_label(&files[i], files[i].machine, sizeof(files[i].machine));
		snprintf(files[i].label, sizeof(files[i].label), "%s", files[i].machine);
	}
	for (i = 0; i < n; i++) {
		if (!label_taken(files, n, i, files[i].label, 1))
			continue;
		used = strlen(files[i].label);
		snprintf(files[i].label + used, sizeof(files[i].label) - used, ", %s",
			 ipcb_jstr(files[i].doc, "started"));
	}
	for (i = 0; i < n; i++) {
		if (!label_taken(files, n, i, files[i].label, 0))
			continue;
		used = strlen(files[i].label);
		snprintf(files[i].label + used, sizeof(files[i].label) - used, " [%c]", files[i].letter);
	}
}

int ipcb_rfiles_load(struct ipcb_rfile *files, char **paths, size_t n, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ipcb_rfile_load(&files[i], paths[i], err, errlen)) {
			ipcb_rfiles_free(files, i);
			return one_line_error(err);
		}
	}
	ipcb_rfiles_label(files, n);
	return 0;
}

void ipcb_rfiles_free(struct ipcb_rfile *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rfile_free(&files[i]);
}

int ipcb_rfiles_relabel(struct ipcb_rfile *files, size_t n, char *const *labels, int nlabels, char *err,
			size_t errlen)
{
	size_t f, len;
	int i, hit;

	for (i = 0; i < nlabels; i++) {
		const char *eq = strchr(labels[i], '=');

		if (!eq)
			return BAD("--label '%s': expected FILE=NAME", labels[i]);
		len = (size_t)(eq - labels[i]);
		for (f = 0, hit = 0; f < n; f++) {
			const char *base = strrchr(files[f].path, '/');

			base = base ? base + 1 : files[f].path;
			if ((strlen(files[f].path) == len && !strncmp(files[f].path, labels[i], len)) ||
			    (strlen(base) == len && !strncmp(base, labels[i], len))) {
				snprintf(files[f].label, sizeof(files[f].label), "%s", eq + 1);
				snprintf(files[f].machine, sizeof(files[f].machine), "%s", eq + 1);
				hit = 1;
			}
		}
		if (!hit)
			return BAD("--label '%s': no input file is %.*s", labels[i], (int)len, labels[i]);
	}
	return 0;
}

/* --- a result's members ------------------------------------------------------- */

const char *ipcb_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

void ipcb_scalar_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.10g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_null(v))
		snprintf(buf, len, "unknown");
	else if (!v)
		snprintf(buf, len, "absent");
	else
		snprintf(buf, len, "(%s)", ipcb_json_type_name(v));
}

/* The same rule as `run`'s patterns: fnmatch over ids, and a bare family name selects the family. */
int ipcb_only_match(char *const *only, int nonly, const char *id)
{
	const char *slash = strchr(id, '/');
	int i;

	if (nonly == 0)
		return 1;
	for (i = 0; i < nonly; i++) {
		if (fnmatch(only[i], id, 0) == 0)
			return 1;
		if (!strchr(only[i], '/') && slash && strlen(only[i]) == (size_t)(slash - id) &&
		    strncmp(only[i], id, (size_t)(slash - id)) == 0)
			return 1;
	}
	return 0;
}

int ipcb_res_ok(const struct ipcb_result *r)
{
	return r && r->status == IPCB_STATUS_OK;
}

/* interval95 is the wider of the within-process and the between-process interval. */
double ipcb_res_ci(const struct ipcb_result *r, int hi)
{
	if (r->has & IPCB_HAS_INTERVAL95)
		return r->interval95[hi != 0];
	return r->stats.ci95[hi != 0];
}

size_t ipcb_res_rounds(const struct ipcb_result *r)
{
	return r->nround_medians ? r->nround_medians : 1;
}
