#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmlfile.h"

/* The failure patterns every Linux suite gets unless it opts out. */
static const struct {
	const char *name;
	const char *re;
} linux_failures[] = {
	{ "kernel-panic", "Kernel panic - not syncing" },
	{ "oops", "\\bOops(: |\\b)" },
	{ "bug", "\\bBUG: " },
	{ "unable-to-handle", "Unable to handle kernel " },
	{ "warning", "(?s)\\bWARNING: .{0,16384}?---\\[ end trace" },
	{ "invalid-opcode", "invalid opcode: " },
};

void hilt_suite_free(struct hilt_suite *suite)
{
	if (!suite)
		return;
	for (size_t i = 0; i < suite->ncases; i++) {
		struct hilt_case *c = &suite->cases[i];

		free(c->name);
		free(c->expect_src);
		free(c->send);
		hilt_pattern_free(c->expect);
		free(c->http.method);
		free(c->http.path);
		for (size_t h = 0; h < c->http.nheaders; h++) {
			free((char *)c->http.headers[h].name);
			hilt_pattern_free((struct hilt_pattern *)c->http.headers[h].value);
		}
		free(c->http.headers);
	}
	for (size_t i = 0; i < suite->nfailures; i++) {
		free(suite->failures[i].name);
		hilt_pattern_free(suite->failures[i].pattern);
	}
	hilt_pattern_free(suite->prompt);
	free(suite->cases);
	free(suite->failures);
	free(suite->name);
	free(suite->path);
	free(suite);
}

/* Scans s for ${name} references; calls fn for each.  Returns -EINVAL on
 * an unterminated or empty reference. */
static int for_each_var(const char *s,
			int (*fn)(const char *name, size_t len, void *arg),
			void *arg)
{
	for (const char *p = strstr(s, "${"); p; p = strstr(p, "${")) {
		const char *close = strchr(p + 2, '}');

		if (!close || close == p + 2)
			return -EINVAL;
		size_t len = (size_t)(close - (p + 2));

		for (size_t i = 0; i < len; i++) {
			char ch = p[2 + i];

			if (!(ch == '_' || (ch >= 'a' && ch <= 'z') ||
			      (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
				return -EINVAL;
		}
		int rc = fn(p + 2, len, arg);

		if (rc)
			return rc;
		p = close + 1;
	}
	return 0;
}

char *hilt_expand_vars(const char *tmpl, const char *const *names,
		       const char *const *values, size_t n, bool quote,
		       char *err, size_t errlen)
{
	size_t cap = strlen(tmpl) + 1, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (const char *p = tmpl; *p;) {
		const char *piece = p;
		size_t plen = 1;
		char *quoted = NULL;

		if (p[0] == '$' && p[1] == '{' && strchr(p + 2, '}')) {
			const char *name = p + 2;
			size_t nlen = (size_t)(strchr(name, '}') - name);
			size_t i;

			for (i = 0; i < n; i++)
				if (strlen(names[i]) == nlen &&
				    strncmp(names[i], name, nlen) == 0)
					break;
			if (i == n) {
				snprintf(err, errlen, "no value for ${%.*s}",
					 (int)nlen, name);
				free(out);
				return NULL;
			}
			piece = values[i];
			if (quote) {
				size_t qlen = hilt_regex_quote(values[i], NULL, 0);

				quoted = malloc(qlen + 1);
				if (!quoted) {
					free(out);
					return NULL;
				}
				hilt_regex_quote(values[i], quoted, qlen + 1);
				piece = quoted;
			}
			plen = strlen(piece);
			p = name + nlen + 1;
		} else {
			p++;
		}
		if (len + plen + 1 > cap) {
			cap = (len + plen + 1) * 2;
			char *grown = realloc(out, cap);

			if (!grown) {
				free(quoted);
				free(out);
				return NULL;
			}
			out = grown;
		}
		memcpy(out + len, piece, plen);
		len += plen;
		free(quoted);
	}
	out[len] = '\0';
	return out;
}

struct var_check {
	char **known;
	size_t nknown;
	const char *missing;
	size_t missing_len;
};

static int check_known(const char *name, size_t len, void *arg)
{
	struct var_check *vc = arg;

	for (size_t i = 0; i < vc->nknown; i++)
		if (strlen(vc->known[i]) == len &&
		    strncmp(vc->known[i], name, len) == 0)
			return 0;
	vc->missing = name;
	vc->missing_len = len;
	return -ENOENT;
}

struct loader {
	const char *path;
	char *err;
	size_t errlen;
	struct hilt_suite *suite;
	char **vars;		/* names captured by earlier patterns */
	size_t nvars;
};

static int add_failure(struct hilt_suite *s, const char *name,
		       struct hilt_pattern *p)
{
	struct hilt_failure_pattern *f =
		realloc(s->failures, (s->nfailures + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	s->failures = f;
	f[s->nfailures].name = strdup(name);
	f[s->nfailures].pattern = p;
	if (!f[s->nfailures].name)
		return -ENOMEM;
	s->nfailures++;
	return 0;
}

static int compile_at(struct loader *ld, const xmlNode *node, const char *what,
		      const char *re, struct hilt_pattern **out)
{
	char rerr[300];

	if (!*re)
		return hilt_xml_error(ld->err, ld->errlen, ld->path, node,
				      "%s: empty pattern", what);
	if (hilt_pattern_compile(re, out, rerr, sizeof(rerr)) < 0)
		return hilt_xml_error(ld->err, ld->errlen, ld->path, node,
				      "%s: bad regular expression /%s/ at %s",
				      what, re, rerr);
	return 0;
}

static int record_names(struct loader *ld, const struct hilt_pattern *p)
{
	for (unsigned i = 0; i < hilt_pattern_name_count(p); i++) {
		unsigned group;
		const char *name = hilt_pattern_name(p, i, &group);
		char **v = realloc(ld->vars, (ld->nvars + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ld->vars = v;
		if (!(v[ld->nvars] = strdup(name)))
			return -ENOMEM;
		ld->nvars++;
	}
	return 0;
}

static int check_vars(struct loader *ld, const xmlNode *node, const char *s)
{
	struct var_check vc = { .known = ld->vars, .nknown = ld->nvars };
	int rc = for_each_var(s, check_known, &vc);

	if (rc == -EINVAL)
		return hilt_xml_error(ld->err, ld->errlen, ld->path, node,
				      "malformed ${name} reference in '%s'", s);
	if (rc == -ENOENT)
		return hilt_xml_error(ld->err, ld->errlen, ld->path, node,
				      "${%.*s} is not captured by any earlier pattern (use a named group such as (?'%.*s'...))",
				      (int)vc.missing_len, vc.missing,
				      (int)vc.missing_len, vc.missing);
	return rc;
}

/* Compiles a pattern that may hold ${var}: with the variables present
 * only a trial compile (with a placeholder value) checks it now. */
static int load_expect(struct loader *ld, const xmlNode *node,
		       struct hilt_case *c)
{
	int rc = check_vars(ld, node, c->expect_src);

	if (rc)
		return rc;
	if (!strstr(c->expect_src, "${"))
		return compile_at(ld, node, c->name, c->expect_src, &c->expect);

	const char *values[64];
	size_t n = ld->nvars < 64 ? ld->nvars : 64;

	for (size_t i = 0; i < n; i++)
		values[i] = "x";
	char verr[128];
	char *trial = hilt_expand_vars(c->expect_src, (const char *const *)ld->vars,
				       values, n, true, verr, sizeof(verr));
	struct hilt_pattern *p = NULL;

	if (!trial)
		return hilt_xml_error(ld->err, ld->errlen, ld->path, node, "%s", verr);
	rc = compile_at(ld, node, c->name, trial, &p);
	free(trial);
	if (rc == 0)
		rc = record_names(ld, p);
	hilt_pattern_free(p);
	return rc;
}

static int parse_failures(struct loader *ld, const xmlNode *node)
{
	static const char *const attrs[] = { "defaults", NULL };
	static const char *const pattern_attrs[] = { "name", NULL };
	struct hilt_suite *s = ld->suite;
	char *defaults = hilt_xml_attr(node, "defaults");
	int rc = hilt_xml_check_attrs(ld->path, node, attrs, ld->err, ld->errlen);

	if (rc == 0)
		rc = hilt_xml_check_element_only(ld->path, node, ld->err, ld->errlen);
	if (rc == 0 && defaults && strcmp(defaults, "linux") != 0 &&
	    strcmp(defaults, "none") != 0)
		rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
				    "defaults must be 'linux' or 'none', not '%s'",
				    defaults);
	if (rc == 0 && defaults && strcmp(defaults, "none") == 0) {
		for (size_t i = 0; i < s->nfailures; i++) {
			free(s->failures[i].name);
			hilt_pattern_free(s->failures[i].pattern);
		}
		s->nfailures = 0;
	}
	free(defaults);
	for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "disable")) {
			static const char *const dattrs[] = { "name", NULL };
			char *name = hilt_xml_attr_required(ld->path, c, "name",
							    ld->err, ld->errlen);
			size_t i;

			if (!name)
				return -EINVAL;
			rc = hilt_xml_check_attrs(ld->path, c, dattrs, ld->err, ld->errlen);
			for (i = 0; rc == 0 && i < s->nfailures; i++)
				if (strcmp(s->failures[i].name, name) == 0)
					break;
			if (rc == 0 && i == s->nfailures)
				rc = hilt_xml_error(ld->err, ld->errlen, ld->path, c,
						    "no failure pattern named '%s' to disable",
						    name);
			if (rc == 0) {
				free(s->failures[i].name);
				hilt_pattern_free(s->failures[i].pattern);
				memmove(&s->failures[i], &s->failures[i + 1],
					(s->nfailures - i - 1) * sizeof(*s->failures));
				s->nfailures--;
			}
			free(name);
		} else if (hilt_xml_is(c, "pattern")) {
			char *name = hilt_xml_attr_required(ld->path, c, "name",
							    ld->err, ld->errlen);
			char *re = NULL;
			struct hilt_pattern *p = NULL;

			if (!name)
				return -EINVAL;
			rc = hilt_xml_check_attrs(ld->path, c, pattern_attrs, ld->err,
						  ld->errlen);
			for (size_t i = 0; rc == 0 && i < s->nfailures; i++)
				if (strcmp(s->failures[i].name, name) == 0)
					rc = hilt_xml_error(ld->err, ld->errlen, ld->path, c,
							    "failure pattern '%s' is defined twice",
							    name);
			if (rc == 0)
				rc = hilt_xml_text(ld->path, c, true, &re, ld->err, ld->errlen);
			if (rc == 0)
				rc = compile_at(ld, c, name, re, &p);
			if (rc == 0 && (rc = add_failure(s, name, p)) != 0)
				hilt_pattern_free(p);
			free(re);
			free(name);
		} else {
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, c,
					    "unknown element <%s> in <failure-patterns> (expected <pattern> or <disable>)",
					    (const char *)c->name);
		}
	}
	return rc;
}

static int parse_shell(struct loader *ld, const xmlNode *node)
{
	static const char *const attrs[] = { "prompt", "echo", "line-end", NULL };
	struct hilt_suite *s = ld->suite;
	int rc = hilt_xml_check_attrs(ld->path, node, attrs, ld->err, ld->errlen);
	char *prompt = NULL, *le = NULL;

	if (rc == 0)
		rc = hilt_xml_check_element_only(ld->path, node, ld->err, ld->errlen);
	if (rc == 0 && s->prompt)
		rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
				    "only one <shell> is allowed");
	if (rc == 0 && !(prompt = hilt_xml_attr_required(ld->path, node, "prompt",
							 ld->err, ld->errlen)))
		rc = -EINVAL;
	if (rc == 0)
		rc = compile_at(ld, node, "shell prompt", prompt, &s->prompt);
	if (rc == 0)
		rc = hilt_xml_bool(ld->path, node, "echo", &s->echo, ld->err,
				   ld->errlen);
	if (rc == 0 && (le = hilt_xml_attr(node, "line-end"))) {
		if (strcmp(le, "lf") == 0)
			s->line_end = "\n";
		else if (strcmp(le, "cr") == 0)
			s->line_end = "\r";
		else if (strcmp(le, "crlf") == 0)
			s->line_end = "\r\n";
		else
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
					    "line-end must be lf, cr or crlf, not '%s'", le);
	}
	free(le);
	free(prompt);
	return rc;
}

static int check_case_name(struct loader *ld, const xmlNode *node,
			   const char *name)
{
	for (size_t i = 0; i < ld->suite->ncases; i++)
		if (strcmp(ld->suite->cases[i].name, name) == 0)
			return hilt_xml_error(ld->err, ld->errlen, ld->path, node,
					      "test case name '%s' is used twice (first at line %ld)",
					      name, ld->suite->cases[i].line);
	return 0;
}

/* Adds a test case of kind for node and reads what every case has: its
 * attributes (checked against attrs), unique name and timeout.  *out is
 * set whenever the case was added, even when rc says its header is bad;
 * the caller counts it in ncases so that hilt_suite_free() releases it. */
static int new_case(struct loader *ld, const xmlNode *node, enum hilt_case_kind kind,
		    const char *const attrs[], struct hilt_case **out)
{
	struct hilt_suite *s = ld->suite;
	struct hilt_case *cases = realloc(s->cases, (s->ncases + 1) * sizeof(*cases));
	int rc;

	*out = NULL;
	if (!cases)
		return -ENOMEM;
	s->cases = cases;
	struct hilt_case *c = &cases[s->ncases];

	*out = c;
	*c = (struct hilt_case){ .kind = kind, .line = xmlGetLineNo(node),
				 .timeout_s = 30 };
	rc = hilt_xml_check_attrs(ld->path, node, attrs, ld->err, ld->errlen);
	if (rc == 0 && !(c->name = hilt_xml_attr_required(ld->path, node, "name",
							  ld->err, ld->errlen)))
		rc = -EINVAL;
	if (rc == 0)
		rc = check_case_name(ld, node, c->name);
	if (rc == 0)
		rc = hilt_xml_seconds(ld->path, node, "timeout", &c->timeout_s,
				      ld->err, ld->errlen);
	return rc;
}

static int parse_case(struct loader *ld, const xmlNode *node,
		      enum hilt_case_kind kind)
{
	static const char *const attrs[] = { "name", "timeout", NULL };
	struct hilt_suite *s = ld->suite;
	struct hilt_case *c;
	int rc = new_case(ld, node, kind, attrs, &c);

	if (!c)
		return rc;
	if (rc == 0 && kind == HILT_CASE_MILESTONE) {
		rc = hilt_xml_text(ld->path, node, true, &c->expect_src, ld->err,
				   ld->errlen);
		if (rc == 0 && strstr(c->expect_src, "${"))
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
					    "milestone '%s': ${...} is only allowed in steps",
					    c->name);
		if (rc == 0)
			rc = compile_at(ld, node, c->name, c->expect_src, &c->expect);
		if (rc == 0)
			rc = record_names(ld, c->expect);
	} else if (rc == 0) {
		const xmlNode *send = NULL, *expect = NULL;

		rc = hilt_xml_check_element_only(ld->path, node, ld->err, ld->errlen);
		for (const xmlNode *ch = node->children; ch && rc == 0; ch = ch->next) {
			const xmlNode **slot = NULL;

			if (ch->type != XML_ELEMENT_NODE)
				continue;
			if (hilt_xml_is(ch, "send"))
				slot = &send;
			else if (hilt_xml_is(ch, "expect"))
				slot = &expect;
			else
				rc = hilt_xml_error(ld->err, ld->errlen, ld->path, ch,
						    "unknown element <%s> in <step> (expected <send> and <expect>)",
						    (const char *)ch->name);
			if (slot && *slot)
				rc = hilt_xml_error(ld->err, ld->errlen, ld->path, ch,
						    "<step> takes one <%s>",
						    (const char *)ch->name);
			else if (slot && ch->properties)
				rc = hilt_xml_error(ld->err, ld->errlen, ld->path, ch,
						    "unknown attribute '%s' on <%s>",
						    (const char *)ch->properties->name,
						    (const char *)ch->name);
			else if (slot)
				*slot = ch;
		}
		if (rc == 0 && (!send || !expect))
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
					    "step '%s' needs a <send> and an <expect>",
					    c->name);
		if (rc == 0)
			rc = hilt_xml_text(ld->path, send, true, &c->send, ld->err,
					   ld->errlen);
		if (rc == 0 && strpbrk(c->send, "\r\n"))
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, send,
					    "<send> must be a single line");
		if (rc == 0)
			rc = check_vars(ld, send, c->send);
		if (rc == 0)
			rc = hilt_xml_text(ld->path, expect, true, &c->expect_src,
					   ld->err, ld->errlen);
		if (rc == 0)
			rc = load_expect(ld, expect, c);
		if (rc == 0 && !s->prompt)
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
					    "step '%s' needs a <shell prompt=...> before it",
					    c->name);
	}
	/* Counted even on error so that hilt_suite_free() releases it. */
	s->ncases++;
	return rc;
}

static int parse_long_attr(struct loader *ld, const xmlNode *node,
			   const char *name, long min, long max, long *out)
{
	char *v = hilt_xml_attr(node, name), *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max) {
		int rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
					"'%s' must be a whole number from %ld to %ld, not '%s'",
					name, min, max, v);
		free(v);
		return rc;
	}
	free(v);
	*out = n;
	return 0;
}

static int parse_http(struct loader *ld, const xmlNode *node)
{
	static const char *const attrs[] = { "name", "timeout", "method", "path", "port",
					     "status", "max-body", NULL };
	struct hilt_suite *s = ld->suite;
	long port = 80, status = 200, max_body = 16 * 1024 * 1024;
	struct hilt_case *c;
	int rc = new_case(ld, node, HILT_CASE_HTTP, attrs, &c);

	if (!c)
		return rc;
	if (rc == 0)
		rc = parse_long_attr(ld, node, "port", 1, 65535, &port);
	if (rc == 0)
		rc = parse_long_attr(ld, node, "status", 100, 599, &status);
	if (rc == 0)
		rc = parse_long_attr(ld, node, "max-body", 0, 1L << 40, &max_body);
	c->http.port = (int)port;
	c->http.status = status;
	c->http.max_body = (size_t)max_body;
	if (rc == 0) {
		c->http.method = hilt_xml_attr(node, "method");
		if (!c->http.method)
			c->http.method = strdup("GET");
		for (const char *m = c->http.method; *m && rc == 0; m++)
			if (*m < 'A' || *m > 'Z')
				rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
						    "method must be an HTTP method in capitals, not '%s'",
						    c->http.method);
	}
	if (rc == 0) {
		c->http.path = hilt_xml_attr(node, "path");
		if (!c->http.path)
			c->http.path = strdup("/");
		if (c->http.path[0] != '/' || strpbrk(c->http.path, " \t\r\n"))
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, node,
					    "path must start with / and hold no white space, not '%s'",
					    c->http.path);
	}
	if (rc == 0)
		rc = hilt_xml_check_element_only(ld->path, node, ld->err, ld->errlen);
	for (const xmlNode *ch = node->children; ch && rc == 0; ch = ch->next) {
		char *text = NULL;

		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(ch, "body")) {
			if (c->expect_src)
				rc = hilt_xml_error(ld->err, ld->errlen, ld->path, ch,
						    "<http> takes one <body>");
			else if (ch->properties)
				rc = hilt_xml_error(ld->err, ld->errlen, ld->path, ch,
						    "unknown attribute '%s' on <body>",
						    (const char *)ch->properties->name);
			else if ((rc = hilt_xml_text(ld->path, ch, true, &c->expect_src,
						     ld->err, ld->errlen)) == 0)
				rc = compile_at(ld, ch, c->name, c->expect_src, &c->expect);
		} else if (hilt_xml_is(ch, "header")) {
			static const char *const hattrs[] = { "name", NULL };
			char *name = hilt_xml_attr_required(ld->path, ch, "name", ld->err, ld->errlen);
			struct hilt_pattern *p = NULL;

			if (!name)
				return -EINVAL;
			rc = hilt_xml_check_attrs(ld->path, ch, hattrs, ld->err, ld->errlen);
			if (rc == 0)
				rc = hilt_xml_text(ld->path, ch, true, &text, ld->err, ld->errlen);
			if (rc == 0)
				rc = compile_at(ld, ch, name, text, &p);
			if (rc == 0) {
				struct hilt_http_header_check *h =
					realloc(c->http.headers, (c->http.nheaders + 1) * sizeof(*h));

				if (!h) {
					rc = -ENOMEM;
				} else {
					c->http.headers = h;
					h[c->http.nheaders].name = name;
					h[c->http.nheaders++].value = p;
					name = NULL;
					p = NULL;
				}
			}
			hilt_pattern_free(p);
			free(name);
			free(text);
		} else {
			rc = hilt_xml_error(ld->err, ld->errlen, ld->path, ch,
					    "unknown element <%s> in <http> (expected <body> or <header>)",
					    (const char *)ch->name);
		}
	}
	/* Counted even on error so that hilt_suite_free() releases it. */
	s->ncases++;
	return rc;
}

static int add_default_failures(struct hilt_suite *s)
{
	char err[256];

	for (size_t i = 0; i < sizeof(linux_failures) / sizeof(*linux_failures); i++) {
		struct hilt_pattern *p;
		int rc = hilt_pattern_compile(linux_failures[i].re, &p, err, sizeof(err));

		if (rc)
			return rc;
		rc = add_failure(s, linux_failures[i].name, p);
		if (rc) {
			hilt_pattern_free(p);
			return rc;
		}
	}
	return 0;
}

int hilt_suite_load(const char *path, struct hilt_suite **out, char *err,
		    size_t errlen)
{
	static const char *const attrs[] = { "name", "timeout", "strip-ansi", "flash-failure", NULL };
	static const char *const flash_failures[] = { "error", "failure", NULL };
	struct loader ld = { .path = path, .err = err, .errlen = errlen };
	struct hilt_suite *s;
	xmlDoc *doc;
	int rc = hilt_xml_load(path, &doc, err, errlen);

	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	ld.suite = s;
	s->echo = true;
	s->line_end = "\n";
	s->timeout_s = 600;
	s->path = strdup(path);
	xmlNode *root = xmlDocGetRootElement(doc);
	bool seen_failures = false;

	if (!hilt_xml_is(root, "suite")) {
		rc = hilt_xml_error(err, errlen, path, root,
				    "root element must be <suite>, not <%s>",
				    (const char *)root->name);
		goto out;
	}
	rc = hilt_xml_check_attrs(path, root, attrs, err, errlen);
	if (rc == 0 && !(s->name = hilt_xml_attr_required(path, root, "name", err,
							  errlen)))
		rc = -EINVAL;
	if (rc == 0)
		rc = hilt_xml_seconds(path, root, "timeout", &s->timeout_s, err, errlen);
	if (rc == 0)
		rc = hilt_xml_bool(path, root, "strip-ansi", &s->strip_ansi, err, errlen);
	if (rc == 0) {
		int v = 0;

		rc = hilt_xml_choice(path, root, "flash-failure", flash_failures, &v, err, errlen);
		s->flash_failure_fails = v == 1;
		rc = rc < 0 ? rc : 0;
	}
	if (rc == 0)
		rc = hilt_xml_check_element_only(path, root, err, errlen);
	if (rc == 0)
		rc = add_default_failures(s);
	for (const xmlNode *c = root->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "failure-patterns")) {
			if (seen_failures)
				rc = hilt_xml_error(err, errlen, path, c,
						    "only one <failure-patterns> is allowed");
			else
				rc = parse_failures(&ld, c);
			seen_failures = true;
		} else if (hilt_xml_is(c, "shell")) {
			rc = parse_shell(&ld, c);
		} else if (hilt_xml_is(c, "milestone")) {
			rc = parse_case(&ld, c, HILT_CASE_MILESTONE);
		} else if (hilt_xml_is(c, "step")) {
			rc = parse_case(&ld, c, HILT_CASE_STEP);
		} else if (hilt_xml_is(c, "http")) {
			rc = parse_http(&ld, c);
		} else {
			rc = hilt_xml_error(err, errlen, path, c,
					    "unknown element <%s> in <suite> (expected <failure-patterns>, <shell>, <milestone>, <step> or <http>)",
					    (const char *)c->name);
		}
	}
	if (rc == 0 && s->ncases == 0)
		rc = hilt_xml_error(err, errlen, path, root,
				    "suite '%s' has no <milestone>, <step> or <http>", s->name);
out:
	for (size_t i = 0; i < ld.nvars; i++)
		free(ld.vars[i]);
	free(ld.vars);
	xmlFreeDoc(doc);
	if (rc) {
		hilt_suite_free(s);
		return rc;
	}
	*out = s;
	return 0;
}
