#define _GNU_SOURCE
#include "reports/jread.h"
#include "base/grow.h"

#include <errno.h>
#include <libxml/parser.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "reports/sax.h"

/* Elements deeper than this are refused: nothing in JUnit nests so, and
 * the bound keeps the stacks small. */
#define DEPTH_MAX 64

enum kind {
	K_OTHER,		/* read past: its text is not kept */
	K_SUITES,
	K_SUITE,
	K_PROPERTIES,
	K_CASE,
	K_VERDICT,
	K_ATTEMPT,
	K_CASE_OUT,
	K_SUITE_OUT,
};

struct state {
	struct hilt_sax x;	/* first: the SAX callbacks' user data */
	const struct hilt_jread_ops *ops;
	void *arg;

	enum kind stack[DEPTH_MAX];
	unsigned depth;
	bool seen_root;

	struct hilt_jsuite *suites[DEPTH_MAX];
	unsigned nsuites;
	struct hilt_jcase c;
	bool in_case;
	/* Where characters go now, and how: the start of the text kept
	 * (head) or its end (tail). */
	struct hilt_jtext *text;
	struct hilt_buf text_buf;
	bool text_tail;
	/* The verdict element of the case has more weight than this one. */
	bool verdict_text;
};

const char *hilt_jverdict_name(enum hilt_jverdict v)
{
	static const char *const names[] = {
		[HILT_JPASS] = "passed", [HILT_JFAIL] = "failed",
		[HILT_JERROR] = "error", [HILT_JSKIP] = "skipped",
	};
	return v <= HILT_JSKIP ? names[v] : "?";
}

const char *hilt_jsuite_prop(const struct hilt_jsuite *s, const char *name)
{
	for (size_t i = 0; i < s->nprops; i++)
		if (!strcmp(s->props[i].name, name))
			return s->props[i].value;
	return NULL;
}

struct hilt_jfound *hilt_jfound_find(const struct hilt_jfound *v, size_t n, const char *title)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].title, title))
			return (struct hilt_jfound *)&v[i];
	return NULL;
}

struct hilt_jfound *hilt_jfound_add(struct hilt_jfound **v, size_t *n, size_t *cap,
				    const char *title)
{
	struct hilt_jfound *f = hilt_jfound_find(*v, *n, title);

	if (f)
		return f;
	f = hilt_grow(*v, *n + 1, cap, sizeof(**v), 4);
	if (!f)
		return NULL;
	*v = f;
	f = &f[*n];
	memset(f, 0, sizeof(*f));
	f->title = strdup(title);
	if (!f->title)
		return NULL;
	f->count = 1;
	(*n)++;
	return f;
}

void hilt_jfound_clear(struct hilt_jfound *f)
{
	free(f->title);
	free(f->kind);
	free(f->line);
	free(f->block);
}

/* The N of "finding.N.FIELD" (0 when it is none) and where FIELD is. */
static unsigned long finding_n(const char *name, const char **field)
{
	unsigned long n;
	char *end;

	if (strncmp(name, "finding.", 8) || name[8] < '1' || name[8] > '9')
		return 0;
	n = strtoul(name + 8, &end, 10);
	if (*end != '.')
		return 0;
	*field = end + 1;
	return n;
}

int hilt_jsuite_findings(const struct hilt_jsuite *s, struct hilt_jfinding **out, size_t *n)
{
	struct hilt_jfinding *slot;
	const char *field;
	size_t top = 0, kept = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < s->nprops; i++) {
		unsigned long k = finding_n(s->props[i].name, &field);

		if (k && k <= s->nprops && k > top && !strcmp(field, "title"))
			top = k;
	}
	if (!top)
		return 0;
	slot = calloc(top + 1, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->nprops; i++) {
		unsigned long k = finding_n(s->props[i].name, &field);
		const char *v = s->props[i].value;

		if (!k || k > top)
			continue;
		if (!strcmp(field, "title"))
			slot[k].title = v;
		else if (!strcmp(field, "kind"))
			slot[k].kind = v;
		else if (!strcmp(field, "line"))
			slot[k].line = v;
		else if (!strcmp(field, "count") && *v >= '0' && *v <= '9') {
			char *end;
			unsigned long c = strtoul(v, &end, 10);

			slot[k].count = *end ? 0 : c;
		}
	}
	for (size_t k = 1; k <= top; k++)
		if (slot[k].title && *slot[k].title)
			slot[kept++] = slot[k];
	*out = slot;
	*n = kept;
	return 0;
}

/* Bytes of s that end at a UTF-8 character boundary, at most n. */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t i = n;

	/* Back over continuation bytes to a lead byte, then keep it only if
	 * its whole sequence fits. */
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && n - i < 3)
		i--;
	if (i == 0)
		return 0;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

	if (lead < 0x80)
		return n == i ? n : i;	/* stray continuation bytes: cut them */
	return n - (i - 1) >= need ? n : i - 1;
}

static void text_add(struct state *st, const char *s, size_t n)
{
	st->text->total += n;
	if (hilt_buf_append(&st->text_buf, s, n) < 0)
		hilt_sax_fail(&st->x, -ENOMEM, 0, "out of memory");
}

/* The text as kept: a head cut at a character boundary; a tail of at most
 * cap bytes, starting at one. */
static void text_end(struct state *st)
{
	struct hilt_jtext *t = st->text;
	size_t from = 0;

	if (!t || !hilt_buf_total(&st->text_buf))
		goto out;
	free(t->s);
	t->s = hilt_buf_steal(&st->text_buf, &t->len);
	if (!t->s) {
		t->len = 0;
		hilt_sax_fail(&st->x, -ENOMEM, 0, "out of memory");
		goto out;
	}
	if (t->total > t->len && st->text_tail) {
		while (from < t->len && ((unsigned char)t->s[from] & 0xC0) == 0x80)
			from++;
		memmove(t->s, t->s + from, t->len - from);
		t->len -= from;
	} else if (t->total > t->len) {
		t->len = utf8_cut(t->s, t->len);
	}
	t->s[t->len] = '\0';
out:
	hilt_buf_free(&st->text_buf);
	st->text = NULL;
}

/* Characters go to t from now on, kept to cap bytes: its head, or its tail.
 * What t holds already (an element met twice) comes first. */
static void text_start(struct state *st, struct hilt_jtext *t, size_t cap, bool tail)
{
	st->text = t;
	st->text_tail = tail;
	hilt_buf_init(&st->text_buf, cap, tail ? HILT_BUF_TAIL : HILT_BUF_HEAD);
	if (t->s && hilt_buf_append(&st->text_buf, t->s, t->len) < 0)
		hilt_sax_fail(&st->x, -ENOMEM, 0, "out of memory");
}

static void text_free(struct hilt_jtext *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* An attribute's value, copied and cut at HILT_JREAD_ATTR_MAX bytes;
 * libxml2 hands '&' in attribute values as "&#38;" when it does not
 * substitute entities, which is undone here.  NULL when absent. */
static char *attr(struct state *st, int nattrs, const xmlChar **attrs, const char *name)
{
	for (int i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (a[1] || strcmp((const char *)a[0], name))
			continue;
		const char *v = (const char *)a[3], *end = (const char *)a[4];
		size_t n = (size_t)(end - v), used = 0;
		char *out = malloc((n < HILT_JREAD_ATTR_MAX ? n : HILT_JREAD_ATTR_MAX) + 1);

		if (!out) {
			hilt_sax_fail(&st->x, -ENOMEM, 0, "out of memory");
			return NULL;
		}
		for (size_t k = 0; k < n && used < HILT_JREAD_ATTR_MAX; k++) {
			if (n - k >= 5 && !memcmp(v + k, "&#38;", 5)) {
				out[used++] = '&';
				k += 4;
			} else {
				out[used++] = v[k];
			}
		}
		used = used < n ? utf8_cut(out, used) : used;
		out[used] = '\0';
		return out;
	}
	return NULL;
}

/* Seconds as JUnit writers put them: plain decimal, or Surefire's with
 * thousands separators ("1,234.5").  -1 when absent or not a
 * non-negative finite number. */
double hilt_jread_seconds(const char *v)
{
	char plain[64], *end;
	size_t used = 0;
	double d;

	if (!v || !*v)
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p == ',')
			continue;
		if (used + 1 == sizeof(plain))
			return -1;
		plain[used++] = *p;
	}
	plain[used] = '\0';
	errno = 0;
	d = strtod(plain, &end);
	return !errno && end != plain && !*end && isfinite(d) && d >= 0 ? d : -1;
}

static double attr_seconds(struct state *st, int nattrs, const xmlChar **attrs)
{
	char *v = attr(st, nattrs, attrs, "time");
	double d = hilt_jread_seconds(v);

	free(v);
	return d;
}

static void suite_free(struct hilt_jsuite *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->timestamp);
	free(s->hostname);
	for (size_t i = 0; i < s->nprops; i++) {
		free(s->props[i].name);
		free(s->props[i].value);
	}
	free(s->props);
	text_free(&s->out);
	free(s);
}

static void case_clear(struct hilt_jcase *c)
{
	free(c->name);
	free(c->classname);
	free(c->message);
	free(c->type);
	text_free(&c->detail);
	text_free(&c->out);
	memset(c, 0, sizeof(*c));
}

static void suite_start(struct state *st, int nattrs, const xmlChar **attrs)
{
	struct hilt_jsuite *s = calloc(1, sizeof(*s));

	if (!s) {
		hilt_sax_fail(&st->x, -ENOMEM, 0, "out of memory");
		return;
	}
	s->name = attr(st, nattrs, attrs, "name");
	if (!s->name)
		s->name = strdup("");
	s->timestamp = attr(st, nattrs, attrs, "timestamp");
	s->hostname = attr(st, nattrs, attrs, "hostname");
	s->time_s = attr_seconds(st, nattrs, attrs);
	s->line = hilt_sax_line(&st->x);
	s->depth = st->nsuites;
	st->suites[st->nsuites++] = s;
	if (!s->name)
		hilt_sax_fail(&st->x, -ENOMEM, 0, "out of memory");
}

static void property(struct state *st, int nattrs, const xmlChar **attrs)
{
	struct hilt_jsuite *s = st->suites[st->nsuites - 1];
	char *name = attr(st, nattrs, attrs, "name");
	char *value = attr(st, nattrs, attrs, "value");

	if (!name) {
		free(value);
		hilt_sax_fail(&st->x, -EINVAL, hilt_sax_line(&st->x), "<property> without a name");
		return;
	}
	if (s->nprops == HILT_JREAD_PROPS_MAX) {
		s->props_dropped++;
		free(name);
		free(value);
		return;
	}
	if (s->nprops == s->props_cap) {
		size_t cap = s->props_cap ? 2 * s->props_cap : 64;
		struct hilt_jprop *p = realloc(s->props, cap * sizeof(*p));

		if (!p) {
			free(name);
			free(value);
			hilt_sax_fail(&st->x, -ENOMEM, 0, "out of memory");
			return;
		}
		s->props = p;
		s->props_cap = cap;
	}
	s->props[s->nprops].name = name;
	s->props[s->nprops].value = value ? value : strdup("");
	s->nprops++;
}

static void case_start(struct state *st, int nattrs, const xmlChar **attrs)
{
	case_clear(&st->c);
	st->c.name = attr(st, nattrs, attrs, "name");
	st->c.classname = attr(st, nattrs, attrs, "classname");
	st->c.time_s = attr_seconds(st, nattrs, attrs);
	st->c.line = hilt_sax_line(&st->x);
	st->in_case = true;
	if (!st->c.name)
		hilt_sax_fail(&st->x, -EINVAL, st->c.line, "<testcase> without a name: its results cannot "
		     "be told from another's");
}

/* A verdict element: the case's verdict, unless it has a weightier one
 * already (a failure over an error over a skip). */
static bool verdict(struct state *st, enum hilt_jverdict v, int nattrs, const xmlChar **attrs)
{
	static const int weight[] = {
		[HILT_JPASS] = 0, [HILT_JSKIP] = 1, [HILT_JERROR] = 2, [HILT_JFAIL] = 3,
	};
	struct hilt_jcase *c = &st->c;
	char *type = attr(st, nattrs, attrs, "type");

	/* A test of the device's result stream cut off by a crash or never
	 * reported (hilt's <error type="crashed|missing">) is the device's
	 * failure, not the infrastructure's. */
	if (v == HILT_JERROR && type && (!strcmp(type, "crashed") || !strcmp(type, "missing")))
		v = HILT_JFAIL;
	if (weight[v] <= weight[c->verdict]) {
		free(type);
		return false;
	}
	c->verdict = v;
	free(c->message);
	free(c->type);
	text_free(&c->detail);
	c->message = attr(st, nattrs, attrs, "message");
	c->type = type;
	return true;
}

static enum kind child_kind(struct state *st, enum kind parent, const char *name,
			    int nattrs, const xmlChar **attrs)
{
	switch (parent) {
	case K_SUITES:
	case K_SUITE:
		if (!strcmp(name, "testsuite")) {
			suite_start(st, nattrs, attrs);
			return K_SUITE;
		}
		if (parent == K_SUITES && !strcmp(name, "testcase")) {
			hilt_sax_fail(&st->x, -EINVAL, hilt_sax_line(&st->x), "<testcase> outside a <testsuite>");
			return K_OTHER;
		}
		if (parent == K_SUITES)
			return K_OTHER;
		if (!strcmp(name, "properties"))
			return K_PROPERTIES;
		if (!strcmp(name, "testcase")) {
			case_start(st, nattrs, attrs);
			return K_CASE;
		}
		if (!strcmp(name, "system-out")) {
			struct hilt_jsuite *s = st->suites[st->nsuites - 1];

			text_start(st, &s->out, HILT_JREAD_TEXT_MAX, true);
			return K_SUITE_OUT;
		}
		return K_OTHER;
	case K_PROPERTIES:
		if (!strcmp(name, "property"))
			property(st, nattrs, attrs);
		return K_OTHER;
	case K_CASE: {
		static const struct {
			const char *name;
			enum hilt_jverdict v;
		} verdicts[] = {
			{ "failure", HILT_JFAIL }, { "error", HILT_JERROR },
			{ "skipped", HILT_JSKIP },
		};
		for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
			if (strcmp(name, verdicts[i].name))
				continue;
			if (verdict(st, verdicts[i].v, nattrs, attrs))
				text_start(st, &st->c.detail, HILT_JREAD_TEXT_MAX, false);
			return K_VERDICT;
		}
		if (!strncmp(name, "flaky", 5)) {
			st->c.flaky++;
			return K_ATTEMPT;
		}
		if (!strncmp(name, "rerun", 5)) {
			st->c.reruns++;
			return K_ATTEMPT;
		}
		if (!strcmp(name, "system-out")) {
			text_start(st, &st->c.out, HILT_JREAD_TEXT_MAX, false);
			return K_CASE_OUT;
		}
		return K_OTHER;
	}
	default:
		return K_OTHER;
	}
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
		     int ndefaulted, const xmlChar **attrs)
{
	struct state *st = ctx;
	const char *name = (const char *)localname;
	enum kind k;

	(void)prefix, (void)uri, (void)nns, (void)ns, (void)ndefaulted;
	if (st->x.rc)
		return;
	if (st->depth == DEPTH_MAX) {
		hilt_sax_fail(&st->x, -EINVAL, hilt_sax_line(&st->x), "elements nested more than %d deep", DEPTH_MAX);
		return;
	}
	if (!st->seen_root) {
		st->seen_root = true;
		if (!strcmp(name, "testsuites")) {
			k = K_SUITES;
		} else if (!strcmp(name, "testsuite")) {
			suite_start(st, nattrs, attrs);
			k = K_SUITE;
		} else {
			hilt_sax_fail(&st->x, -EINVAL, hilt_sax_line(&st->x), "not a JUnit report: its root is <%s>, not "
			     "<testsuites> or <testsuite>", name);
			return;
		}
	} else {
		k = child_kind(st, st->stack[st->depth - 1], name, nattrs, attrs);
	}
	st->stack[st->depth++] = k;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct state *st = ctx;
	int rc = 0;

	(void)localname, (void)prefix, (void)uri;
	if (st->x.rc || !st->depth)
		return;
	switch (st->stack[--st->depth]) {
	case K_VERDICT:
	case K_CASE_OUT:
	case K_SUITE_OUT:
		text_end(st);
		break;
	case K_CASE:
		st->in_case = false;
		st->suites[st->nsuites - 1]->ncases++;
		if (st->ops->testcase)
			rc = st->ops->testcase(st->arg, st->suites[st->nsuites - 1], &st->c);
		case_clear(&st->c);
		break;
	case K_SUITE: {
		struct hilt_jsuite *s = st->suites[--st->nsuites];

		if (st->ops->suite_end)
			rc = st->ops->suite_end(st->arg, s);
		suite_free(s);
		break;
	}
	default:
		break;
	}
	if (rc && !st->x.rc) {
		st->x.rc = rc;
		xmlStopParser(st->x.ctxt);
	}
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
	struct state *st = ctx;

	if (st->text && !st->x.rc && len > 0)
		text_add(st, (const char *)ch, (size_t)len);
}

int hilt_jread_file(const char *path, const struct hilt_jread_ops *ops, void *arg,
		    char *err, size_t errlen)
{
	struct state st = {
		.x = { .path = path, .err = err, .errlen = errlen }, .ops = ops, .arg = arg,
	};
	xmlSAXHandler sax;

	memset(&sax, 0, sizeof(sax));
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.cdataBlock = on_text;
	if (!hilt_sax_read(&st.x, &sax, &st)) {
		if (!st.seen_root)
			hilt_sax_fail(&st.x, -EINVAL, 0, "empty: no JUnit report in it");
		else if (st.depth)
			hilt_sax_fail(&st.x, -EINVAL, 0, "ends before its root element is closed");
	}
	text_end(&st);
	case_clear(&st.c);
	while (st.nsuites)
		suite_free(st.suites[--st.nsuites]);
	return st.x.rc;
}
