/* hilt report html: the run read from a JUnit file, streamed (jread), kept
 * bounded; and its baseline matched session by session. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "reports/html.h"
#include "reports/html_int.h"
#include "reports/jread.h"

static char *cut(const char *s, size_t max, bool keep_end)
{
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return NULL;
	if (n <= max)
		return strdup(s);
	if (keep_end) {
		const char *p = s + n - max;

		while (*p && ((unsigned char)*p & 0xC0) == 0x80)
			p++;
		return strdup(p);
	}
	while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return strndup(s, max);
}

/* Whether the message already says the text: a text of one line (a
 * failure pattern's matched line) that the message holds. */
static bool said(const char *message, const char *text)
{
	size_t n = strlen(text);
	bool in;

	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	if (!n)
		return true;
	if (!message || memchr(text, '\n', n))
		return false;
	char *t = strndup(text, n);

	in = t && strstr(message, t);
	free(t);
	return in;
}

static struct hsession *session_of(struct hrun *r, const struct hilt_jsuite *js)
{
	struct hsession *s;

	if (r->open && r->of == js)
		return &r->s[r->n - 1];
	r->s = hilt_grow(r->s, r->n + 1, &r->cap, sizeof(*r->s), 16);
	if (!r->s)
		return NULL;
	s = &r->s[r->n++];
	memset(s, 0, sizeof(*s));
	s->time_s = js->time_s;
	s->name = strdup(js->name);
	r->open = true;
	r->of = js;
	return s->name ? s : NULL;
}

/* The case's system-out without its attachment lines, whose paths go to
 * c->attach. */
static char *split_attachments(const char *out, struct hcase *c)
{
	char *text = strdup(out ? out : ""), *w = text;

	if (!text)
		return NULL;
	for (const char *line = out ? out : ""; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 15 && !strncmp(line, "[[ATTACHMENT|", 13) && !strncmp(line + len - 2, "]]", 2)) {
			char **a = realloc(c->attach, (c->nattach + 1) * sizeof(*a));

			if (a) {
				c->attach = a;
				a[c->nattach] = strndup(line + 13, len - 15);
				c->nattach += a[c->nattach] != NULL;
			}
		} else {
			memmove(w, line, len + (end != NULL));
			w += len + (end != NULL);
		}
		line += len + (end != NULL);
	}
	*w = '\0';
	return text;
}

/* The session's finding of that title, added (count 1) when it is not
 * there yet; NULL when memory runs out. */
static struct hilt_jfound *find_add(struct hsession *s, const char *title)
{
	return hilt_jfound_add(&s->finds, &s->nfinds, &s->capfinds, title);
}

/* A kernel finding's case: its block (the failure's text) kept with the
 * finding, bounded as the excerpts are. */
static int on_finding(struct hrun *r, struct hsession *s, const struct hilt_jcase *jc)
{
	struct hilt_jfound *f = find_add(s, jc->name);

	if (!f)
		return -ENOMEM;
	if (!f->block && jc->detail.s && *jc->detail.s && r->excerpts < HILT_HTML_EXCERPTS_MAX) {
		f->block = cut(jc->detail.s, HILT_HTML_EXCERPT_BYTES, false);
		r->excerpts += f->block != NULL;
	}
	return 0;
}

/* The kind, count and first line of the session's findings from its
 * finding.N.* properties (a finding they name without a case is added). */
static int read_findings(struct hsession *s, const struct hilt_jsuite *js)
{
	const char *dropped = hilt_jsuite_prop(js, "findings.dropped");
	struct hilt_jfinding *slot;
	size_t nslot;
	int rc;

	if (dropped)
		s->finds_dropped = strtoul(dropped, NULL, 10);
	rc = hilt_jsuite_findings(js, &slot, &nslot);
	for (size_t i = 0; i < nslot && !rc; i++) {
		struct hilt_jfound *f = find_add(s, slot[i].title);

		if (!f) {
			rc = -ENOMEM;
			break;
		}
		if (slot[i].kind && !f->kind && !(f->kind = strdup(slot[i].kind)))
			rc = -ENOMEM;
		if (slot[i].line && !f->line && !(f->line = cut(slot[i].line, MESSAGE_MAX, false)))
			rc = -ENOMEM;
		if (slot[i].count)
			f->count = slot[i].count;
	}
	free(slot);
	return rc;
}

static int on_case(void *arg, const struct hilt_jsuite *js, const struct hilt_jcase *jc)
{
	struct hrun *r = arg;
	struct hsession *s = session_of(r, js);
	struct hcase *c;

	if (!s)
		return -ENOMEM;
	/* A kernel finding is shown as one, not as a test case. */
	if (jc->verdict == HILT_JFAIL && jc->type && !strcmp(jc->type, "finding"))
		return on_finding(r, s, jc);
	c = hilt_grow(s->cases, s->ncases + 1, &s->capcases, sizeof(*s->cases), 8);
	if (!c)
		return -ENOMEM;
	s->cases = c;
	c = &s->cases[s->ncases++];
	memset(c, 0, sizeof(*c));
	c->name = strdup(jc->name);
	c->v = jc->verdict;
	c->time_s = jc->time_s;
	c->flaky = jc->flaky;
	/* hilt's <error type="crashed|missing">, read as the device's failure */
	if (jc->verdict == HILT_JFAIL && jc->type)
		c->kind = !strcmp(jc->type, "crashed")	 ? K_CRASHED
			  : !strcmp(jc->type, "missing") ? K_MISSING
							 : K_TEST;
	s->n[jc->verdict]++;
	if (jc->verdict == HILT_JPASS)
		return c->name ? 0 : -ENOMEM;
	c->message = cut(jc->message && *jc->message ? jc->message : jc->detail.s, MESSAGE_MAX,
			 false);
	char *out = split_attachments(jc->out.s, c);

	/* The excerpt: the case's own output (hilt's console excerpt ends at
	 * the failure: its end is kept), else the verdict's text (a trace:
	 * its start).  With both, the verdict's text is kept too unless the
	 * message says it already (a failure pattern's matched line). */
	if ((jc->verdict == HILT_JFAIL || jc->verdict == HILT_JERROR) &&
	    r->excerpts < HILT_HTML_EXCERPTS_MAX) {
		if (out && *out) {
			c->excerpt = cut(out, HILT_HTML_EXCERPT_BYTES, true);
			if (jc->detail.s && !said(c->message, jc->detail.s))
				c->detail = cut(jc->detail.s, HILT_HTML_EXCERPT_BYTES, false);
		} else if (jc->detail.s && *jc->detail.s) {
			c->excerpt = cut(jc->detail.s, HILT_HTML_EXCERPT_BYTES, false);
		}
		r->excerpts += c->excerpt || c->detail;
	}
	free(out);
	return c->name ? 0 : -ENOMEM;
}

/* The session's stream of that name (added when it is not there yet);
 * NULL when memory runs out. */
static struct hstream *stream_of(struct hsession *s, const char *name, size_t len)
{
	struct hstream *v;

	for (size_t i = 0; i < s->nstreams; i++)
		if (strlen(s->streams[i].name) == len && !strncmp(s->streams[i].name, name, len))
			return &s->streams[i];
	v = realloc(s->streams, (s->nstreams + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->streams = v;
	v = &v[s->nstreams];
	memset(v, 0, sizeof(*v));
	if (!(v->name = strndup(name, len)))
		return NULL;
	s->nstreams++;
	return v;
}

/* A results.NAME.WHAT property: the counts and status of the stream NAME
 * (which may hold dots: WHAT is after the last).  0, or -ENOMEM. */
static int read_stream_prop(struct hsession *s, const char *n, const char *v)
{
	static const char *const what[R_N] = {
		[R_PASSED] = "passed", [R_FAILED] = "failed", [R_SKIPPED] = "skipped",
		[R_ERRORS] = "errors", [R_CRASHED] = "crashed", [R_TOTAL] = "total",
	};
	const char *dot = strrchr(n + 8, '.');
	struct hstream *st;
	char *end;

	if (!dot || dot == n + 8 || !dot[1])
		return 0;
	for (int i = 0; i < R_N; i++) {
		if (strcmp(dot + 1, what[i]))
			continue;
		errno = 0;
		unsigned long x = strtoul(v, &end, 10);

		if (end == v || *end || errno || *v == '-')
			return 0;
		if (!(st = stream_of(s, n + 8, (size_t)(dot - n - 8))))
			return -ENOMEM;
		st->n[i] = x;
		st->have[i] = true;
		return 0;
	}
	bool status = !strcmp(dot + 1, "status");

	if (!status && strcmp(dot + 1, "problem"))
		return 0;
	if (!(st = stream_of(s, n + 8, (size_t)(dot - n - 8))))
		return -ENOMEM;
	char **slot = status ? &st->status : &st->problem;

	if (!*slot && !(*slot = cut(v, MESSAGE_MAX, false)))
		return -ENOMEM;
	return 0;
}

static int on_suite_end(void *arg, const struct hilt_jsuite *js)
{
	struct hrun *r = arg;
	struct hsession *s;
	size_t nms = 0;

	if (!(r->open && r->of == js) && !js->ncases && !js->nprops)
		return 0;
	s = session_of(r, js);
	if (!s)
		return -ENOMEM;
	r->open = false;
	r->of = NULL;
	s->ms = calloc(js->nprops + 1, sizeof(*s->ms));
	if (!s->ms)
		return -ENOMEM;
	for (size_t i = 0; i < js->nprops; i++) {
		const char *n = js->props[i].name, *v = js->props[i].value;
		size_t len = strlen(n);
		char **slot = !strcmp(n, "target")	 ? &s->target
			      : !strcmp(n, "console.log") ? &s->log
			      : !strcmp(n, "net.pcap")	 ? &s->pcap
			      : !strcmp(n, "attachments.root") ? &s->attach_root
							 : NULL;

		if (slot && !*slot) {
			*slot = strdup(v);
		} else if (!strncmp(n, "results.", 8)) {
			if (read_stream_prop(s, n, v))
				return -ENOMEM;
		} else if (!strncmp(n, "milestone.", 10) && len > 15 &&
			   !strcmp(n + len - 5, ".time") && hilt_jread_seconds(v) >= 0) {
			s->ms[nms].name = strndup(n + 10, len - 15);
			s->ms[nms].t = hilt_jread_seconds(v);
			nms += s->ms[nms].name != NULL;
		}
	}
	s->nms = nms;
	return read_findings(s, js);
}


void html_run_free(struct hrun *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct hsession *s = &r->s[i];

		for (size_t k = 0; k < s->ncases; k++) {
			struct hcase *c = &s->cases[k];

			free(c->name);
			free(c->message);
			free(c->excerpt);
			free(c->detail);
			for (size_t a = 0; a < c->nattach; a++)
				free(c->attach[a]);
			free(c->attach);
		}
		free(s->cases);
		for (size_t k = 0; k < s->nstreams; k++) {
			free(s->streams[k].name);
			free(s->streams[k].status);
			free(s->streams[k].problem);
		}
		free(s->streams);
		html_tree_free(&s->tree);
		for (size_t k = 0; k < s->nfinds; k++) {
			hilt_jfound_clear(&s->finds[k]);
		}
		free(s->finds);
		for (size_t k = 0; k < s->nms; k++)
			free(s->ms[k].name);
		free(s->ms);
		free(s->name);
		free(s->target);
		free(s->log);
		free(s->pcap);
		free(s->attach_root);
	}
	free(r->s);
}

int html_run_load(struct hrun *r, const char *path, char *err, size_t errlen)
{
	static const struct hilt_jread_ops ops = { on_case, on_suite_end };
	int rc;

	memset(r, 0, sizeof(*r));
	r->path = path;
	rc = hilt_jread_file(path, &ops, r, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	return rc;
}

/* The suite of a hilt session's name (SUITE@TARGET). */
static size_t suite_len(const char *name)
{
	const char *at = strrchr(name, '@');

	return at ? (size_t)(at - name) : strlen(name);
}

/* Each session's baseline: the baseline's session of the same name, else
 * the only one of the same suite when the run has only one too. */
void html_match_baseline(struct hrun *r, const struct hrun *b)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < b->n && !r->s[i].base; k++)
			if (!strcmp(r->s[i].name, b->s[k].name))
				r->s[i].base = &b->s[k];
	for (size_t i = 0; i < r->n; i++) {
		const char *name = r->s[i].name;
		size_t len = suite_len(name), nr = 0, nb = 0, cand = 0;

		if (r->s[i].base)
			continue;
		for (size_t k = 0; k < r->n; k++)
			nr += suite_len(r->s[k].name) == len && !strncmp(r->s[k].name, name, len);
		for (size_t k = 0; k < b->n; k++)
			if (suite_len(b->s[k].name) == len && !strncmp(b->s[k].name, name, len)) {
				nb++;
				cand = k;
			}
		if (nr == 1 && nb == 1)
			r->s[i].base = &b->s[cand];
	}
}

