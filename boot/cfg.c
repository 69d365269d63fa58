// SPDX-License-Identifier: MIT
/*
 * \ringvisor.cfg parser (format in cfg.h).  Works on the text in place, one
 * token at a time, so line length is unlimited and nothing is copied until
 * a name or value has been checked against its size limit.
 */
#include "cfg.h"
#include "util.h"

/* Longest piece of an offending token quoted back in an error message. */
#define QUOTE_MAX 40

struct tok {
	const char *s;
	size_t n;
};

struct parser {
	const char *p;   /* next unread byte of the current line */
	const char *end; /* end of the current line, comment stripped */
	unsigned int line;
	unsigned int runner_line, log_line; /* where each global was set */
	struct rv_config *cfg;
	char *err;
	size_t errlen;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ',' ||
	       c == ':' || c == '+' || c == '-';
}

static int next_tok(struct parser *ps, struct tok *t)
{
	while (ps->p < ps->end && is_space(*ps->p))
		ps->p++;
	if (ps->p == ps->end)
		return 0;
	t->s = ps->p;
	while (ps->p < ps->end && !is_space(*ps->p))
		ps->p++;
	t->n = (size_t)(ps->p - t->s);
	return 1;
}

static const char *find(const char *s, size_t n, char c)
{
	for (; n; n--, s++)
		if (*s == c)
			return s;
	return NULL;
}

/* t as "text", non-printable bytes as \xNN, long tokens cut with "...". */
static const char *quote(const char *s, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[o++] = '"';
	for (i = 0; i < n && i < QUOTE_MAX && o + 6 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)rv_snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o++] = '"';
	if (i < n && o + 4 < len) {
		rv_memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	__builtin_va_list ap;
	int n;

	if (!ps->errlen)
		return -1; /* no room for a message: err may be NULL, and NULL + 0 is undefined */
	n = rv_snprintf(ps->err, ps->errlen, RV_CFG_FILE ":%u: ", ps->line);
	__builtin_va_start(ap, fmt);
	rv_vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	__builtin_va_end(ap);
	return -1;
}

/* A name, key or value: allowed characters, and room for it plus a NUL. */
static int check_word(struct parser *ps, const char *what, const char *s,
		      size_t n, size_t cap)
{
	char q[64];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_name_char((char)c))
			continue;
		if (c >= 0x21 && c < 0x7f)
			return fail(ps, "character '%c' not allowed in %s %s "
				    "(use letters, digits and _ . , : + -)",
				    c, what, quote(s, n, q, sizeof(q)));
		return fail(ps, "byte 0x%02x not allowed in %s %s "
			    "(use letters, digits and _ . , : + -)",
			    c, what, quote(s, n, q, sizeof(q)));
	}
	if (n >= cap)
		return fail(ps, "%s %s is too long (%zu characters, at most %zu)",
			    what, quote(s, n, q, sizeof(q)), n, cap - 1);
	return 0;
}

static int parse_global(struct parser *ps, const struct tok *t)
{
	struct rv_config *cfg = ps->cfg;
	const char *eq = find(t->s, t->n, '=');
	struct tok key = { t->s, (size_t)(eq - t->s) };
	struct tok val = { eq + 1, t->n - key.n - 1 };
	unsigned int *seen;
	char q[64];

	if (!key.n)
		return fail(ps, "empty key in %s", quote(t->s, t->n, q, sizeof(q)));
	if (rv_streq_n(key.s, key.n, "runner"))
		seen = &ps->runner_line;
	else if (rv_streq_n(key.s, key.n, "log"))
		seen = &ps->log_line;
	else
		return fail(ps, "unknown global key %s (known: runner, log)",
			    quote(key.s, key.n, q, sizeof(q)));
	if (*seen)
		return fail(ps, "\"%s\" is already set on line %u",
			    seen == &ps->runner_line ? "runner" : "log", *seen);
	*seen = ps->line;
	if (!val.n)
		return fail(ps, "empty value for %s", quote(key.s, key.n, q, sizeof(q)));

	if (seen == &ps->runner_line) {
		if (rv_streq_n(val.s, val.n, "hvrun"))
			cfg->poweroff_on_error = 1;
		else if (rv_streq_n(val.s, val.n, "none"))
			cfg->poweroff_on_error = 0;
		else
			return fail(ps, "runner must be hvrun or none, got %s",
				    quote(val.s, val.n, q, sizeof(q)));
	} else {
		if (rv_streq_n(val.s, val.n, "verbose"))
			cfg->verbose = 1;
		else if (rv_streq_n(val.s, val.n, "normal"))
			cfg->verbose = 0;
		else
			return fail(ps, "log must be verbose or normal, got %s",
				    quote(val.s, val.n, q, sizeof(q)));
	}
	return 0;
}

static int parse_param(struct parser *ps, struct rv_cfg_run *run,
		       const struct tok *t)
{
	const char *eq = find(t->s, t->n, '=');
	struct rv_cfg_param *prm;
	struct tok key, val;
	char q[64], q2[64];
	uint32_t i;

	if (!eq)
		return fail(ps, "expected key=value, got %s",
			    quote(t->s, t->n, q, sizeof(q)));
	key = (struct tok){ t->s, (size_t)(eq - t->s) };
	val = (struct tok){ eq + 1, t->n - key.n - 1 };
	if (!key.n)
		return fail(ps, "empty key in %s", quote(t->s, t->n, q, sizeof(q)));
	if (check_word(ps, "key", key.s, key.n, RV_CFG_NAME_LEN))
		return -1;
	if (!val.n)
		return fail(ps, "empty value for key %s",
			    quote(key.s, key.n, q, sizeof(q)));
	if (check_word(ps, "value", val.s, val.n, RV_CFG_VALUE_LEN))
		return -1;
	for (i = 0; i < run->nr_params; i++)
		if (rv_streq_n(key.s, key.n, run->params[i].key))
			return fail(ps, "key %s given twice in run %s",
				    quote(key.s, key.n, q, sizeof(q)),
				    quote(run->scenario, rv_strlen(run->scenario),
					  q2, sizeof(q2)));
	if (run->nr_params == RV_CFG_MAX_PARAMS)
		return fail(ps, "too many parameters in run %s (at most %d)",
			    quote(run->scenario, rv_strlen(run->scenario), q,
				  sizeof(q)),
			    RV_CFG_MAX_PARAMS);
	prm = &run->params[run->nr_params++];
	rv_strcpy_n(prm->key, key.s, key.n);
	rv_strcpy_n(prm->value, val.s, val.n);
	return 0;
}

static int parse_run(struct parser *ps)
{
	struct rv_config *cfg = ps->cfg;
	struct rv_cfg_run *run;
	struct tok t;
	char q[64];

	if (cfg->nr_runs == RV_CFG_MAX_RUNS)
		return fail(ps, "too many runs (at most %d)", RV_CFG_MAX_RUNS);
	if (!next_tok(ps, &t))
		return fail(ps, "\"run\" needs a scenario name, e.g. \"run %s\"",
			    RV_CFG_DEFAULT_SCENARIO);
	if (find(t.s, t.n, '='))
		return fail(ps, "expected a scenario name after \"run\", got %s",
			    quote(t.s, t.n, q, sizeof(q)));
	if (check_word(ps, "scenario name", t.s, t.n, RV_CFG_NAME_LEN))
		return -1;
	run = &cfg->runs[cfg->nr_runs];
	rv_strcpy_n(run->scenario, t.s, t.n);
	while (next_tok(ps, &t))
		if (parse_param(ps, run, &t))
			return -1;
	cfg->nr_runs++;
	return 0;
}

static int parse_line(struct parser *ps)
{
	struct tok t, extra;
	char q[64], q2[64];
	const char *c;

	c = find(ps->p, (size_t)(ps->end - ps->p), '\0');
	if (c)
		return fail(ps, "NUL byte in column %zu (is this a text file?)",
			    (size_t)(c - ps->p) + 1);
	c = find(ps->p, (size_t)(ps->end - ps->p), '#');
	if (c)
		ps->end = c;
	if (!next_tok(ps, &t))
		return 0;
	if (rv_streq_n(t.s, t.n, "run"))
		return parse_run(ps);
	if (find(t.s, t.n, '=')) {
		if (next_tok(ps, &extra))
			return fail(ps, "unexpected %s after %s (one global key=value a line)",
				    quote(extra.s, extra.n, q, sizeof(q)),
				    quote(t.s, t.n, q2, sizeof(q2)));
		return parse_global(ps, &t);
	}
	return fail(ps, "expected \"run SCENARIO [key=value ...]\" or a global "
		    "key=value, got %s", quote(t.s, t.n, q, sizeof(q)));
}

/* Calls fn on each line (without its LF); stops at the first non-zero. */
static int each_line(struct parser *ps, const char *text, size_t len,
		     int (*fn)(struct parser *ps))
{
	const char *p = text, *end = text + len, *nl;
	int ret;

	/* A UTF-8 byte order mark, as some Windows editors write. */
	if (len >= 3 && !rv_memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	for (ps->line = 1; p < end; ps->line++) {
		nl = find(p, (size_t)(end - p), '\n');
		ps->p = p;
		ps->end = nl ? nl : end;
		ret = fn(ps);
		if (ret)
			return ret;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int is_runner_hvrun(struct parser *ps)
{
	const char *c = find(ps->p, (size_t)(ps->end - ps->p), '#');
	struct tok t, extra;

	if (c)
		ps->end = c;
	return next_tok(ps, &t) && rv_streq_n(t.s, t.n, "runner=hvrun") &&
	       !next_tok(ps, &extra);
}

int cfg_parse(const char *text, size_t len, struct rv_config *out, char *err,
	      size_t errlen)
{
	struct parser ps = { .cfg = out, .err = err, .errlen = errlen };

	rv_memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (each_line(&ps, text, len, parse_line) == 0) {
		if (out->nr_runs)
			return 0;
		rv_snprintf(err, errlen, RV_CFG_FILE ": no \"run\" line, so "
			    "nothing to run (add e.g. \"run %s\")",
			    RV_CFG_DEFAULT_SCENARIO);
	}
	/* Half a configuration is no use, but how to fail still matters. */
	rv_memset(out, 0, sizeof(*out));
	out->poweroff_on_error = each_line(&ps, text, len, is_runner_hvrun);
	return -1;
}

void cfg_default(struct rv_config *out)
{
	rv_memset(out, 0, sizeof(*out));
	out->nr_runs = 1;
	rv_strcpy_n(out->runs[0].scenario, RV_CFG_DEFAULT_SCENARIO,
		    rv_strlen(RV_CFG_DEFAULT_SCENARIO));
}
