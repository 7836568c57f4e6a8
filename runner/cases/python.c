/* <python name=".." timeout="..">script<expect>re</expect>...</python>:
 * a script run through MicroPython's raw REPL, as mpremote runs one.
 * Ctrl-C twice and Ctrl-A enter the raw REPL, the script goes with
 * Ctrl-D, then come OK, its output up to \x04 and its errors up to \x04,
 * and Ctrl-B goes back to the friendly prompt of the <shell> before it.
 * A traceback is the case's failure; else each <expect> must match
 * somewhere in what it printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "runner/cases/case.h"

enum { WATCH_RAW = 1, WATCH_PROMPT };

/* What a script printed that is kept to judge and report. */
#define PYTHON_OUTPUT_CAP (64 * 1024)

struct python {
	char *script;		/* dedented; ${name} allowed */
	struct hilt_pattern **expects;
	size_t nexpects;
};

enum python_phase {
	PY_WAIT_RAW,
	PY_WAIT_OK,
	PY_WAIT_STDOUT,
	PY_WAIT_STDERR,
	PY_WAIT_PROMPT,
};

struct python_run {
	enum python_phase phase;
	/* The raw REPL's markers. */
	struct hilt_pattern *raw_banner, *raw_ok, *raw_eot;
	uint64_t out_from, out_to, err_from;
	char *out, *err;	/* what the script printed, once it ended */
	size_t out_len, err_len;
};

/* A script written inside an indented suite: the indentation all its
 * lines share goes, as do blank lines before and after it, so that the
 * interpreter sees it as it would be written in a file.  In place. */
static void dedent(char *script)
{
	size_t common = (size_t)-1;
	char *p, *out = script;

	/* Blank lines first. */
	for (p = script; *p;) {
		size_t ws = strspn(p, " \t");

		if (p[ws] != '\n')
			break;
		p += ws + 1;
	}
	memmove(script, p, strlen(p) + 1);
	size_t len = strlen(script);

	while (len && strchr(" \t\n", script[len - 1]))
		len--;
	script[len] = '\0';
	for (p = script; *p;) {
		size_t ws = strspn(p, " \t"), line = strcspn(p, "\n");

		if (ws < line && ws < common)
			common = ws;
		p += line + (p[line] == '\n');
	}
	if (common == (size_t)-1 || common == 0)
		return;
	for (p = script; *p;) {
		size_t line = strcspn(p, "\n");
		size_t drop = line < common ? line : common;

		memmove(out, p + drop, line - drop);
		out += line - drop;
		p += line;
		if (*p == '\n')
			*out++ = *p++;
	}
	*out = '\0';
}

/* The element's text (text and CDATA, in order) is the script. */
static void python_parse(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c)
{
	struct hilt_diags *d = hilt_loader_diags(ld);
	struct python *py = calloc(1, sizeof(*py));
	struct hilt_buf script = HILT_BUF_INIT;
	bool stopped = false;	/* out of memory: the loader says so */

	if (!py) {
		hilt_loader_note(ld, -ENOMEM);
		return;
	}
	c->data = py;
	for (const xmlNode *ch = node->children; ch && !hilt_loader_out_of_memory(ld);
	     ch = ch->next) {
		if (ch->type == XML_TEXT_NODE || ch->type == XML_CDATA_SECTION_NODE) {
			if (ch->content && hilt_buf_appends(&script, (const char *)ch->content) < 0) {
				hilt_loader_note(ld, -ENOMEM);
				stopped = true;
				break;
			}
			continue;
		}
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (!hilt_xml_is(ch, "expect")) {
			hilt_xml_error(d, ch,
				       "unknown element <%s> in <python> (expected its script and <expect>)",
				       (const char *)ch->name);
			continue;
		}
		char *re = NULL;
		struct hilt_pattern *p = NULL;

		hilt_xml_check_attrs(d, ch, (const char *const[]){ NULL });
		if (hilt_loader_note(ld, hilt_xml_text(d, ch, true, &re)) < 0) {
			stopped = true;
			break;
		}
		if (!re)
			continue;
		if (strstr(re, "${"))
			hilt_xml_error(d, ch, "python '%s': ${...} is only allowed in steps "
				       "and scripts", hilt_case_label(c, node));
		else if (hilt_loader_compile(ld, ch, hilt_case_label(c, node), re, &p) == 0 &&
			 hilt_loader_names(ld, p) == 0) {
			struct hilt_pattern **more =
				realloc(py->expects, (py->nexpects + 1) * sizeof(*more));

			if (!more) {
				hilt_loader_note(ld, -ENOMEM);
				hilt_pattern_free(p);
			} else {
				py->expects = more;
				py->expects[py->nexpects++] = p;
				p = NULL;
			}
		}
		hilt_pattern_free(p);
		free(re);
	}
	if (stopped || hilt_loader_out_of_memory(ld)) {
		hilt_buf_free(&script);
		return;
	}
	if (hilt_buf_len(&script)) {
		py->script = hilt_buf_steal(&script, NULL);
		if (!py->script) {
			hilt_loader_note(ld, -ENOMEM);
			return;
		}
	}
	hilt_buf_free(&script);
	if (py->script)
		dedent(py->script);
	if (!py->script || !*py->script)
		hilt_xml_error(d, node, "python '%s' has no script", hilt_case_label(c, node));
	else if (strpbrk(py->script, "\x01\x02\x03\x04\x05"))
		hilt_xml_error(d, node, "python '%s': the script holds a control key "
			       "(Ctrl-A to Ctrl-E) of the raw REPL", hilt_case_label(c, node));
	else
		hilt_loader_vars(ld, node, py->script);
	if (!hilt_loader_shell_seen(ld))
		hilt_xml_error(d, node, "python '%s' needs a <shell prompt=...> before it: "
			       "the friendly REPL's prompt, shown again after the script",
			       hilt_case_label(c, node));
}

static void python_free(struct hilt_case *c)
{
	struct python *py = c->data;

	if (!py)
		return;
	free(py->script);
	for (size_t e = 0; e < py->nexpects; e++)
		hilt_pattern_free(py->expects[e]);
	free(py->expects);
	free(py);
}

static void python_clear(struct python_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
}

static void python_begin(struct hilt_case_run *run)
{
	struct python_run *r = hilt_run_state(run);
	char err[256];

	if (hilt_pattern_compile("raw REPL; CTRL-B to exit\\r?\\n>", &r->raw_banner, err,
				 sizeof(err)) ||
	    hilt_pattern_compile("OK", &r->raw_ok, err, sizeof(err)) ||
	    hilt_pattern_compile("\\x04", &r->raw_eot, err, sizeof(err))) {
		hilt_run_verdict(run, HILT_ERROR, "runner", NULL, "%s", err);
		hilt_run_done(run);
		return;
	}
	r->phase = PY_WAIT_RAW;
	hilt_run_watch(run, WATCH_RAW, r->raw_banner, hilt_run_cursor(run));
	/* As mpremote does: Ctrl-C twice stops whatever runs (main.py, a
	 * loop), Ctrl-A enters the raw REPL.  No prompt is waited for: a
	 * program that runs forever never shows one. */
	hilt_run_queue(run, "\r\x03\x03\x01");
}

/* Where the first match of p in buf[0, len) is, by the matcher's rules
 * (multi-line, as on the console): 1 with *m, 0 when none, -errno. */
static int match_buffer(const struct hilt_pattern *p, const char *buf, size_t len,
			struct hilt_match *m)
{
	struct hilt_matcher *mt;
	int rc = hilt_matcher_new(len + 1, &mt);

	if (rc < 0)
		return rc;
	rc = hilt_matcher_watch(mt, p, 1, 0);
	for (size_t off = 0; rc == 0 && off < len;) {
		off += hilt_matcher_feed(mt, buf + off, len - off);
		rc = hilt_matcher_next(mt, m);
	}
	if (rc == 0) {
		hilt_matcher_finish(mt);
		rc = hilt_matcher_next(mt, m);
	}
	hilt_matcher_free(mt);
	return rc;
}

/* Copies [from, to) of the output into *out (malloc'd, NUL-terminated). */
static void python_take(struct hilt_case_run *run, uint64_t from, uint64_t to, char **out,
			size_t *len)
{
	size_t cap = to - from < PYTHON_OUTPUT_CAP ? (size_t)(to - from) : PYTHON_OUTPUT_CAP;

	free(*out);
	*len = 0;
	if ((*out = malloc(cap + 1)))
		*len = hilt_run_copy(run, from, from + cap, *out, cap + 1);
}

/* The verdict, once the friendly prompt is back. */
static void python_judge(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct python *py = c->data;
	struct python_run *r = hilt_run_state(run);
	const char *out = r->out ? r->out : "";
	const char *err = r->err ? r->err : "";

	if (hilt_run_recorded(run)) {
		/* The raw REPL does not echo: the recording shows what a script
		 * printed, never which script it was. */
		hilt_run_verdict(run, HILT_SKIP, "replay-unverified", NULL,
				 "replayed, not verified: python '%s' ran in the raw REPL, which does "
				 "not echo, so the recording cannot show which script ran", c->name);
	} else if (err[strspn(err, " \t\r\n")]) {
		/* The exception is the traceback's last line ("ValueError: bad
		 * value"). */
		size_t end = strlen(err), start;

		while (end && strchr(" \t\r\n", err[end - 1]))
			end--;
		for (start = end; start && err[start - 1] != '\n'; start--)
			;
		hilt_run_verdict(run, HILT_FAIL, "python-exception", err, "python '%s': %.*s",
				 c->name, (int)(end - start), err + start);
	} else {
		size_t e;
		struct hilt_match m;

		for (e = 0; e < py->nexpects; e++) {
			int rc = match_buffer(py->expects[e], out, r->out_len, &m);

			if (rc < 0) {
				hilt_run_verdict(run, HILT_ERROR, "runner", NULL,
						 "python '%s': matching /%s/: %s", c->name,
						 hilt_pattern_source(py->expects[e]), strerror(-rc));
				break;
			}
			if (rc == 0) {
				size_t first = strcspn(out, "\r\n");

				hilt_run_verdict(run, HILT_FAIL, "python-mismatch", out,
						 "python '%s': the output did not match /%s/: got \"%.*s\"%s",
						 c->name, hilt_pattern_source(py->expects[e]), (int)first,
						 out, out[first + strspn(out + first, "\r\n")] ? " ..." : "");
				break;
			}
			hilt_run_capture_text(run, py->expects[e], &m, out);
		}
		if (e == py->nexpects)
			hilt_run_verdict(run, HILT_PASS, NULL, NULL, NULL);
	}
	/* What the script printed, as a step's reply is shown. */
	hilt_run_output(run, r->out_len ? strdup(out) : NULL);
}

static void python_matched(struct hilt_case_run *run, const struct hilt_match *m)
{
	const struct python *py = hilt_run_case(run)->data;
	struct python_run *r = hilt_run_state(run);

	switch (r->phase) {
	case PY_WAIT_RAW: {
		if (m->id != WATCH_RAW)
			break;
		char err[256];
		char *script = hilt_run_expand(run, py->script, false, err, sizeof(err));

		if (!script) {
			hilt_run_verdict(run, HILT_ERROR, "runner", NULL,
					 "python '%s': cannot build the script: %s",
					 hilt_run_case(run)->name, err);
			hilt_run_done(run);
			break;
		}
		hilt_run_unwatch(run, WATCH_RAW);
		r->phase = PY_WAIT_OK;
		hilt_run_watch(run, WATCH_RAW, r->raw_ok, m->end);
		/* The raw REPL does not echo: paced, its chunks go by time. */
		if (!hilt_run_recorded(run))
			hilt_run_type_paced(run, script, "\x04", false, m->end);
		free(script);
		break;
	}
	case PY_WAIT_OK:
		hilt_run_unwatch(run, WATCH_RAW);
		r->out_from = m->end;
		r->phase = PY_WAIT_STDOUT;
		hilt_run_watch(run, WATCH_RAW, r->raw_eot, m->end);
		break;
	case PY_WAIT_STDOUT:
		/* The \x04 stays watched: the next one ends the errors. */
		r->out_to = m->start;
		r->err_from = m->end;
		r->phase = PY_WAIT_STDERR;
		break;
	case PY_WAIT_STDERR:
		hilt_run_unwatch(run, WATCH_RAW);
		python_take(run, r->out_from, r->out_to, &r->out, &r->out_len);
		python_take(run, r->err_from, m->start, &r->err, &r->err_len);
		r->phase = PY_WAIT_PROMPT;
		hilt_run_watch(run, WATCH_PROMPT, hilt_run_shell(run)->prompt, m->end);
		/* Back to the friendly REPL, where steps and the next script
		 * begin. */
		hilt_run_queue(run, "\x02");
		break;
	case PY_WAIT_PROMPT:
		if (m->id != WATCH_PROMPT)
			break;
		python_judge(run);
		hilt_run_consume(run, m->start, m->start);
		hilt_run_done(run);
		break;
	}
}

static void python_timeout(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct python_run *r = hilt_run_state(run);
	const struct hilt_shell *sh = hilt_run_shell(run);
	char out[2048] = "";
	double t = hilt_run_timeout_s(run);

	switch (r->phase) {
	case PY_WAIT_RAW:
		hilt_run_verdict(run, HILT_FAIL, "python-timeout", NULL,
				 "python '%s': no raw REPL within %g s (\"raw REPL; CTRL-B to exit\" "
				 "did not follow Ctrl-C, Ctrl-C, Ctrl-A)", c->name, t);
		break;
	case PY_WAIT_OK:
		hilt_run_verdict(run, HILT_FAIL, "python-timeout", NULL,
				 "python '%s': the raw REPL did not take the script (no OK) within %g s",
				 c->name, t);
		break;
	case PY_WAIT_STDOUT:
	case PY_WAIT_STDERR:
		hilt_run_lines(run, r->out_from, out, sizeof(out));
		hilt_run_verdict(run, HILT_FAIL, "python-timeout", *out ? out : NULL,
				 "python '%s': the script did not finish within %g s", c->name, t);
		/* Stopped, and out of the raw REPL, so that what follows
		 * finds the friendly prompt: a new one, not one printed
		 * before the script (what came so far is this case's). */
		hilt_run_queue(run, "\x03\x03\x02");
		hilt_run_consume(run, hilt_run_offset(run), hilt_run_offset(run));
		break;
	case PY_WAIT_PROMPT:
		hilt_run_verdict(run, HILT_FAIL, "python-timeout", NULL,
				 "python '%s': the prompt /%s/ did not show within %g s after the raw "
				 "REPL was left (Ctrl-B)", c->name,
				 sh && sh->prompt ? hilt_pattern_source(sh->prompt) : "?", t);
		break;
	}
}

static void python_end(struct hilt_case_run *run)
{
	struct python_run *r = hilt_run_state(run);

	python_clear(r);
	hilt_pattern_free(r->raw_banner);
	hilt_pattern_free(r->raw_ok);
	hilt_pattern_free(r->raw_eot);
}

const struct hilt_case_ops hilt_case_python = {
	.element = "python",
	.attrs = (const char *const[]){ "name", "timeout", NULL },
	.parse = python_parse,
	.free = python_free,
	.run_size = sizeof(struct python_run),
	.begin = python_begin,
	.matched = python_matched,
	.timeout = python_timeout,
	.end = python_end,
};
