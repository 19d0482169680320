// SPDX-License-Identifier: MIT
/*
 * config.c - a suite is a JSON file. Everything in it is checked before
 * anything runs, and an error names the file, line, column and key: a typo
 * in a key must never silently fall back to a default.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "topo.h"

static const char *const top_keys[] = {
	"schema", "description", "benchmarks", "placements", "cpus", "time_budget_s", "min_time_s",
	"warmup_s", "sample_ns", "ci_target", "min_samples", "max_samples", "params", "oversubscribe", "rounds", "timeout_s", NULL,
};

void ipcb_config_init(struct ipcb_config *c)
{
	memset(c, 0, sizeof(*c));
	ipcb_measure_defaults(&c->measure);
	c->params = json_object();
	c->timeout_s = 2.0;
	c->source = strdup("built-in defaults");
}

static void free_strv(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void ipcb_config_free(struct ipcb_config *c)
{
	free(c->source);
	free(c->description);
	free_strv(c->patterns, c->npatterns);
	free_strv(c->placements, c->nplacements);
	json_decref(c->params);
	memset(c, 0, sizeof(*c));
}

/*
 * jansson does not keep positions of values, so find a key by walking the
 * text: a minimal JSON scanner that tracks the path of object keys and
 * reports where the key at `path` (depth entries) starts.
 */
struct scan {
	const char *p;
	int line, col;
};

static void scan_adv(struct scan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else {
		s->col++;
	}
	s->p++;
}

static void scan_ws(struct scan *s)
{
	while (*s->p && isspace((unsigned char)*s->p))
		scan_adv(s);
}

/* Read a string at s->p (which is '"') into buf (escapes kept as is). */
static void scan_string(struct scan *s, char *buf, size_t len)
{
	size_t n = 0;

	scan_adv(s);
	while (*s->p && *s->p != '"') {
		if (*s->p == '\\' && s->p[1]) {
			if (n + 1 < len)
				buf[n++] = s->p[1];
			scan_adv(s);
		} else if (n + 1 < len) {
			buf[n++] = *s->p;
		}
		scan_adv(s);
	}
	buf[n] = '\0';
	if (*s->p)
		scan_adv(s);
}

static int scan_value(struct scan *s, const char *const *path, int depth, int *line, int *col);

static int scan_object(struct scan *s, const char *const *path, int depth, int *line, int *col)
{
	char key[256];

	scan_adv(s); /* { */
	for (;;) {
		int kl, kc;

		scan_ws(s);
		if (*s->p == '}' || !*s->p)
			break;
		if (*s->p == ',') {
			scan_adv(s);
			continue;
		}
		if (*s->p != '"')
			return 0;
		kl = s->line;
		kc = s->col;
		scan_string(s, key, sizeof(key));
		scan_ws(s);
		if (*s->p == ':')
			scan_adv(s);
		if (depth > 0 && strcmp(key, path[0]) == 0) {
			if (depth == 1) {
				*line = kl;
				*col = kc;
				return 1;
			}
			scan_ws(s);
			return scan_value(s, path + 1, depth - 1, line, col);
		}
		if (scan_value(s, NULL, 0, line, col))
			return 1;
	}
	if (*s->p)
		scan_adv(s);
	return 0;
}

/* Skip one value; descend only into the object that continues the path. */
static int scan_value(struct scan *s, const char *const *path, int depth, int *line, int *col)
{
	char tmp[8];
	int nest = 0;

	scan_ws(s);
	if (*s->p == '{')
		return scan_object(s, path, depth, line, col);
	if (*s->p == '"') {
		scan_string(s, tmp, sizeof(tmp));
		return 0;
	}
	if (*s->p != '[') {
		while (*s->p && !strchr(",}] \t\r\n", *s->p))
			scan_adv(s);
		return 0;
	}
	/* an array: skip to its matching bracket, minding strings */
	while (*s->p) {
		if (*s->p == '"') {
			scan_string(s, tmp, sizeof(tmp));
			continue;
		}
		if (*s->p == '[' || *s->p == '{')
			nest++;
		else if (*s->p == ']' || *s->p == '}')
			nest--;
		scan_adv(s);
		if (nest == 0)
			break;
	}
	return 0;
}

static void key_position(const char *text, const char *const *path, int depth, int *line, int *col)
{
	struct scan s = { text, 1, 1 };

	*line = 1;
	*col = 1;
	scan_ws(&s);
	if (*s.p == '{')
		scan_object(&s, path, depth, line, col);
}

struct parse {
	const char *text, *name;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 4, 5))) static int perr(struct parse *ps, const char *const *path, int depth,
						      const char *fmt, ...)
{
	int line, col, n;
	va_list ap;

	key_position(ps->text, path, depth, &line, &col);
	n = snprintf(ps->err, ps->errlen, "%s:%d:%d: ", ps->name, line, col);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int get_number(struct parse *ps, json_t *root, const char *key, double lo, double hi, double *out)
{
	const char *path[] = { key };
	json_t *v = json_object_get(root, key);

	if (!v)
		return 0;
	if (!json_is_number(v))
		return perr(ps, path, 1, "\"%s\" must be a number", key);
	if (json_number_value(v) < lo || json_number_value(v) > hi || isnan(json_number_value(v)))
		return perr(ps, path, 1, "\"%s\" = %g is out of range [%g, %g]", key, json_number_value(v), lo, hi);
	*out = json_number_value(v);
	return 0;
}

static int get_int(struct parse *ps, json_t *root, const char *key, int lo, int hi, int *out)
{
	const char *path[] = { key };
	json_t *v = json_object_get(root, key);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return perr(ps, path, 1, "\"%s\" must be an integer", key);
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return perr(ps, path, 1, "\"%s\" = %lld is out of range [%d, %d]", key,
			    (long long)json_integer_value(v), lo, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_strings(struct parse *ps, json_t *root, const char *key, char ***out, int *nout)
{
	const char *path[] = { key };
	json_t *v = json_object_get(root, key), *e;
	size_t i;

	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return perr(ps, path, 1, "\"%s\" must be a non-empty array of strings", key);
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return perr(ps, path, 1, "\"%s\"[%zu] must be a string", key, i);
	free_strv(*out, *nout);
	*out = calloc(json_array_size(v), sizeof(char *));
	*nout = 0;
	json_array_foreach(v, i, e)
		(*out)[(*nout)++] = strdup(json_string_value(e));
	return 0;
}

static int check_keys(struct parse *ps, json_t *root)
{
	const char *key;
	json_t *v;

	json_object_foreach(root, key, v) {
		const char *path[] = { key };
		int i, known = 0;

		for (i = 0; top_keys[i]; i++)
			known |= strcmp(key, top_keys[i]) == 0;
		if (!known)
			return perr(ps, path, 1, "unknown key \"%s\" (valid keys: schema, description, benchmarks, placements, cpus, time_budget_s, min_time_s, warmup_s, sample_ns, ci_target, min_samples, max_samples, rounds, timeout_s, params, oversubscribe)",
				    key);
	}
	return 0;
}

static int check_placements(struct parse *ps, struct ipcb_config *c)
{
	const char *path[] = { "placements" };
	int i, j;

	for (i = 0; i < c->nplacements; i++) {
		int known = 0;

		for (j = 0; ipcb_placement_names[j]; j++)
			known |= strcmp(c->placements[i], ipcb_placement_names[j]) == 0;
		if (!known)
			return perr(ps, path, 1, "unknown placement \"%s\" (valid: same-cpu, smt-sibling, same-cache, cross-cache, cross-numa)",
				    c->placements[i]);
	}
	return 0;
}

static int check_cpus(struct parse *ps, json_t *root, struct ipcb_config *c)
{
	const char *path[] = { "cpus" };
	json_t *v = json_object_get(root, "cpus");
	size_t i, n;

	if (!v)
		return 0;
	n = json_array_size(v);
	if (!json_is_array(v) || n < 1 || n > 2)
		return perr(ps, path, 1, "\"cpus\" must be one or two integer CPU ids, e.g. [0] or [0, 1]");
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);

		if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > IPCB_CPU_ID_MAX)
			return perr(ps, path, 1, "\"cpus\"[%zu] must be a CPU id from 0 to %d", i, IPCB_CPU_ID_MAX);
		c->cpus[i] = (int)json_integer_value(e);
	}
	c->cpus[1] = c->cpus[n - 1];
	c->have_cpus = (int)n;
	return 0;
}

/* A parameter value set: an integer (or a choice name), or a non-empty array of them. */
static json_t *param_values(json_t *v)
{
	json_t *arr, *e;
	size_t i;

	if (json_is_integer(v) || json_is_string(v)) {
		arr = json_array();
		json_array_append(arr, v);
		return arr;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return NULL;
	json_array_foreach(v, i, e)
		if (!json_is_integer(e) && !json_is_string(e))
			return NULL;
	return json_incref(v);
}

/* Does any benchmark selected by pattern declare a parameter called name? */
static int param_declared(const char *pattern, const char *name, int *matched)
{
	size_t i, n = ipcb_bench_count();
	int found = 0;

	*matched = 0;
	for (i = 0; i < n; i++) {
		const struct ipcb_bench *b = ipcb_bench_at(i);

		if (!ipcb_pattern_match(pattern, b->id))
			continue;
		(*matched)++;
		found |= ipcb_param_index(b, name) >= 0;
	}
	return found;
}

/*
 * An integer no benchmark selected by pattern accepts for name: the first
 * declaration's range, for the message. Planning checks each benchmark's own
 * range again; this catches the value here, with its line and column.
 */
static const struct ipcb_param *param_out_of_range(const char *pattern, const char *name, json_int_t v)
{
	const struct ipcb_param *first = NULL;
	size_t i, n = ipcb_bench_count();

	for (i = 0; i < n; i++) {
		const struct ipcb_bench *b = ipcb_bench_at(i);
		int k = ipcb_param_index(b, name);

		if (k < 0 || !ipcb_pattern_match(pattern, b->id) || b->params[k].choices)
			continue;
		if (v >= b->params[k].min && v <= b->params[k].max)
			return NULL;
		if (!first)
			first = &b->params[k];
	}
	return first;
}

static int check_ranges(struct parse *ps, const char *const *path, const char *pattern, const char *name,
			json_t *vals)
{
	const struct ipcb_param *prm;
	json_t *e;
	size_t i;

	json_array_foreach(vals, i, e) {
		if (!json_is_integer(e))
			continue;
		prm = param_out_of_range(pattern, name, json_integer_value(e));
		if (prm)
			return perr(ps, path, 3, "parameter \"%s\" = %lld is out of range: it must be from %lld to %lld",
				    name, (long long)json_integer_value(e), (long long)prm->min, (long long)prm->max);
	}
	return 0;
}

static int check_params(struct parse *ps, json_t *root, struct ipcb_config *c)
{
	json_t *params = json_object_get(root, "params"), *set, *v;
	const char *pattern, *name;

	if (!params)
		return 0;
	if (!json_is_object(params)) {
		const char *path[] = { "params" };

		return perr(ps, path, 1, "\"params\" must be an object {\"pattern\": {\"param\": value or [values]}}");
	}
	json_object_foreach(params, pattern, set) {
		const char *path[] = { "params", pattern, NULL };
		json_t *normal = json_object();
		int matched;

		if (!json_is_object(set)) {
			json_decref(normal);
			return perr(ps, path, 2, "params \"%s\" must be an object of parameter values", pattern);
		}
		json_object_foreach(set, name, v) {
			json_t *vals = param_values(v);

			path[2] = name;
			if (!param_declared(pattern, name, &matched)) {
				json_decref(vals);
				json_decref(normal);
				if (!matched)
					return perr(ps, path, 2, "params pattern \"%s\" matches no benchmark", pattern);
				return perr(ps, path, 3, "unknown parameter \"%s\" for \"%s\" (see `ipcbench list -v`)",
					    name, pattern);
			}
			if (!vals) {
				json_decref(normal);
				return perr(ps, path, 3, "parameter \"%s\" must be an integer (or choice name) or a non-empty array of them",
					    name);
			}
			if (check_ranges(ps, path, pattern, name, vals)) {
				json_decref(vals);
				json_decref(normal);
				return -1;
			}
			json_object_set_new(normal, name, vals);
		}
		json_object_set_new(c->params, pattern, normal);
	}
	return 0;
}

static int check_patterns(struct parse *ps, struct ipcb_config *c)
{
	const char *path[] = { "benchmarks" };
	const struct ipcb_bench **sel = calloc(ipcb_bench_count() + 1, sizeof(*sel));
	char why[512];
	size_t n;
	int rc = 0;

	if (ipcb_select(c->patterns, c->npatterns, sel, &n, why, sizeof(why)))
		rc = perr(ps, path, 1, "%s", why);
	free(sel);
	return rc;
}

static int parse_measure(struct parse *ps, json_t *root, struct ipcb_measure_opts *m)
{
	if (get_number(ps, root, "time_budget_s", 0.001, 3600, &m->budget_s) ||
	    get_number(ps, root, "min_time_s", 0, 3600, &m->min_time_s) ||
	    get_number(ps, root, "warmup_s", 0, 60, &m->warmup_s) ||
	    get_number(ps, root, "sample_ns", 0, 1e9, &m->sample_ns) ||
	    get_number(ps, root, "ci_target", 0.0001, 1, &m->ci_target) ||
	    get_int(ps, root, "min_samples", 3, 1000000, &m->min_samples) ||
	    get_int(ps, root, "max_samples", 3, 10000000, &m->max_samples) ||
	    get_int(ps, root, "rounds", 1, 100, &m->rounds))
		return -1;
	if (m->max_samples < m->min_samples) {
		const char *path[] = { "max_samples" };

		return perr(ps, path, 1, "\"max_samples\" (%d) is below \"min_samples\" (%d)", m->max_samples,
			    m->min_samples);
	}
	return 0;
}

int ipcb_config_parse(struct ipcb_config *c, const char *text, const char *name, char *err, size_t errlen)
{
	struct parse ps = { text, name, err, errlen };
	json_error_t jerr;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *v;
	int rc = -1;

	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s:1:1: a configuration must be a JSON object", name);
		goto out;
	}
	if (check_keys(&ps, root))
		goto out;
	v = json_object_get(root, "schema");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), IPCB_CONFIG_SCHEMA))) {
		const char *path[] = { "schema" };

		perr(&ps, path, 1, "\"schema\" must be \"%s\"", IPCB_CONFIG_SCHEMA);
		goto out;
	}
	v = json_object_get(root, "oversubscribe");
	if (v) {
		const char *path[] = { "oversubscribe" };

		if (!json_is_boolean(v)) {
			perr(&ps, path, 1, "\"oversubscribe\" must be true or false");
			goto out;
		}
		c->oversubscribe = json_is_true(v);
	}
	v = json_object_get(root, "description");
	if (v) {
		const char *path[] = { "description" };

		if (!json_is_string(v)) {
			perr(&ps, path, 1, "\"description\" must be a string");
			goto out;
		}
		free(c->description);
		c->description = strdup(json_string_value(v));
	}
	if (get_strings(&ps, root, "benchmarks", &c->patterns, &c->npatterns) ||
	    get_strings(&ps, root, "placements", &c->placements, &c->nplacements) ||
	    check_placements(&ps, c) || check_cpus(&ps, root, c) || parse_measure(&ps, root, &c->measure) ||
	    get_number(&ps, root, "timeout_s", 0.01, 3600, &c->timeout_s) ||
	    check_params(&ps, root, c))
		goto out;
	if (c->npatterns && check_patterns(&ps, c))
		goto out;
	free(c->source);
	c->source = strdup(name);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Read a whole regular file of at most IPCB_CONFIG_MAX_BYTES into a NUL-terminated buffer. */
static char *read_config(int fd, const char *path, size_t *len, char *err, size_t errlen)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1), *bigger;
	ssize_t got;

	/* one byte past the cap is enough to know the file is too large */
	while (buf && n <= IPCB_CONFIG_MAX_BYTES) {
		if (n == cap) {
			cap = cap * 2 > IPCB_CONFIG_MAX_BYTES + 1 ? IPCB_CONFIG_MAX_BYTES + 1 : cap * 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger)
				break;
			buf = bigger;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (got == 0) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += (size_t)got;
	}
	free(buf);
	if (n > IPCB_CONFIG_MAX_BYTES)
		snprintf(err, errlen, "%s: larger than %d MiB: not a suite file", path, IPCB_CONFIG_MAX_BYTES >> 20);
	else
		snprintf(err, errlen, "%s: out of memory", path);
	return NULL;
}

/*
 * Only a regular file of sane size: /dev/zero would never end, a fifo could
 * block forever. O_NONBLOCK so that opening a fifo returns at once, to be refused.
 */
int ipcb_config_load(struct ipcb_config *c, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *text, *nul;
	size_t len = 0;
	int rc;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (%s): a config must be a JSON file", path,
			 S_ISDIR(st.st_mode) ? "a directory" : S_ISCHR(st.st_mode) ? "a character device" :
			 S_ISFIFO(st.st_mode) ? "a pipe" : "not a plain file");
		close(fd);
		return -1;
	}
	text = read_config(fd, path, &len, err, errlen);
	close(fd);
	if (!text)
		return -1;
	/* the parser stops at the first NUL: whatever follows would be silently ignored */
	nul = memchr(text, '\0', len);
	if (nul) {
		snprintf(err, errlen, "%s: a NUL byte at offset %zu: a config is JSON text", path, (size_t)(nul - text));
		free(text);
		return -1;
	}
	rc = ipcb_config_parse(c, text, path, err, errlen);
	free(text);
	return rc;
}

static json_t *strv_json(char **v, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *ipcb_config_json(const struct ipcb_config *c)
{
	const struct ipcb_measure_opts *m = &c->measure;
	json_t *o = json_object();

	json_object_set_new(o, "schema", json_string(IPCB_CONFIG_SCHEMA));
	json_object_set_new(o, "source", json_string(c->source ? c->source : ""));
	if (c->description)
		json_object_set_new(o, "description", json_string(c->description));
	json_object_set_new(o, "benchmarks", strv_json(c->patterns, c->npatterns));
	json_object_set_new(o, "placements", strv_json(c->placements, c->nplacements));
	if (c->have_cpus == 1)
		json_object_set_new(o, "cpus", json_pack("[i]", c->cpus[0]));
	else if (c->have_cpus)
		json_object_set_new(o, "cpus", json_pack("[ii]", c->cpus[0], c->cpus[1]));
	json_object_set_new(o, "oversubscribe", json_boolean(c->oversubscribe));
	json_object_set_new(o, "timeout_s", json_real(c->timeout_s));
	json_object_set_new(o, "time_budget_s", json_real(m->budget_s));
	json_object_set_new(o, "min_time_s", json_real(m->min_time_s));
	json_object_set_new(o, "warmup_s", json_real(m->warmup_s));
	json_object_set_new(o, "sample_ns", json_real(m->sample_ns));
	json_object_set_new(o, "ci_target", json_real(m->ci_target));
	json_object_set_new(o, "min_samples", json_integer(m->min_samples));
	json_object_set_new(o, "max_samples", json_integer(m->max_samples));
	json_object_set_new(o, "rounds", json_integer(m->rounds));
	json_object_set_new(o, "params", json_deep_copy(c->params));
	return o;
}

int ipcb_config_set_patterns(struct ipcb_config *c, char *const *patterns, int n)
{
	int i;

	free_strv(c->patterns, c->npatterns);
	c->patterns = calloc((size_t)n, sizeof(char *));
	c->npatterns = n;
	for (i = 0; i < n; i++)
		c->patterns[i] = strdup(patterns[i]);
	return 0;
}

int ipcb_config_add_param(struct ipcb_config *c, const char *assignment, char *err, size_t errlen)
{
	const char *eq = strchr(assignment, '=');
	char name[64], *list, *tok, *save = NULL;
	json_t *vals, *set;
	int matched;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(name)) {
		snprintf(err, errlen, "--param '%s': expected NAME=VALUE[,VALUE...]", assignment);
		return -1;
	}
	memcpy(name, assignment, (size_t)(eq - assignment));
	name[eq - assignment] = '\0';
	if (!param_declared("*", name, &matched)) {
		snprintf(err, errlen, "--param: no benchmark declares a parameter \"%s\" (see `ipcbench list -v`)",
			 name);
		return -1;
	}
	vals = json_array();
	list = strdup(eq + 1);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long long x;

		errno = 0;
		x = strtoll(tok, &end, 0);
		/* not a number: a choice name, resolved against each benchmark's choices when planning */
		if (errno || *end || end == tok)
			json_array_append_new(vals, json_string(tok));
		else
			json_array_append_new(vals, json_integer(x));
	}
	free(list);
	if (json_array_size(vals) == 0) {
		snprintf(err, errlen, "--param %s: no values", name);
		json_decref(vals);
		return -1;
	}
	set = json_object_get(c->params, "*");
	if (!set) {
		set = json_object();
		json_object_set_new(c->params, "*", set);
	}
	json_object_set_new(set, name, vals);
	return 0;
}
