/* Verdicts: a case's (quoting the console's last lines when it failed or
 * erred), the cases after one skipped, a session ended early, and a
 * failure pattern: caught as it matches, reported once a grace period has
 * let its trace reach the log.  (The map of the session's files is in
 * session_int.h.) */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/tail.h"
#include "runner/engine/session_int.h"

#define FAILURE_GRACE_NS (500 * 1000000LL)

double session_since_power_on(const struct hilt_session *s, int64_t now)
{
	return s->power_on_ns ? (double)(now - s->power_on_ns) / 1e9 : 0;
}

char *session_vfmt(const char *fmt, va_list ap)
{
	char *out;

	return vasprintf(&out, fmt, ap) < 0 ? NULL : out;
}

/* The last lines of data (n bytes), for the evidence of a case that
 * failed or erred: at most HILT_EXCERPT_LINES lines and
 * HILT_EXCERPT_BYTES bytes, starting at a line; but never starting after
 * offset keep of data (a failure pattern's line): then the lines from
 * there on, as many. */
static void excerpt_of(struct hilt_case_result *c, const char *data, size_t n, size_t keep)
{
	size_t from, lines = 0;

	free(c->excerpt);
	c->excerpt = NULL;
	c->excerpt_len = 0;
	size_t lo = n > HILT_EXCERPT_BYTES ? n - HILT_EXCERPT_BYTES : 0;
	bool by_lines = false;

	from = lo;
	/* Back from the end, counting line ends, to the start of the line
	 * HILT_EXCERPT_LINES from the last. */
	for (size_t i = n; i > lo; i--) {
		if (data[i - 1] == '\n' && i != n && ++lines == HILT_EXCERPT_LINES) {
			from = i;
			by_lines = true;
			break;
		}
	}
	/* Cut by the byte bound in the middle of a line: start at the next
	 * one, when there is one. */
	if (!by_lines && lo && data[lo - 1] != '\n') {
		const char *nl = memchr(data + lo, '\n', n - lo);

		if (nl && (size_t)(nl - data) + 1 < n)
			from = (size_t)(nl - data) + 1;
	}
	if (from > keep && keep < n) {
		from = keep;
		lines = 0;
		n = from + HILT_EXCERPT_BYTES < n ? from + HILT_EXCERPT_BYTES : n;
		for (size_t i = from; i < n; i++) {
			if (data[i] == '\n' && ++lines == HILT_EXCERPT_LINES) {
				n = i + 1;
				break;
			}
		}
	}
	if (from >= n)
		return;
	c->excerpt = malloc(n - from + 1);
	if (!c->excerpt)
		return;
	memcpy(c->excerpt, data + from, n - from);
	c->excerpt[n - from] = '\0';
	c->excerpt_len = n - from;
}

/* The console's last lines as they are now, or, once a failure pattern
 * matched, when its trace was complete: what the console printed after
 * that (during the grace period) is not the case's. */
static void take_excerpt(struct hilt_session *s, struct hilt_case_result *c)
{
	const char *data = "";
	size_t n = 0, keep = SIZE_MAX;

	if (hilt_buf_len(&s->failure_text)) {
		data = hilt_buf_str(&s->failure_text);
		n = hilt_buf_len(&s->failure_text);
		keep = (size_t)(s->failure_line_at - s->failure_text_at);
	} else if (s->tail) {
		data = hilt_tail_data(s->tail, &n);
	}
	excerpt_of(c, data, n, keep);
}

void session_set_casev(struct hilt_session *s, size_t i, enum hilt_verdict v,
		       const char *type, const char *detail, const char *fmt, va_list ap)
{
	struct hilt_case_result *c = &s->result->cases[i];
	int64_t now = hilt_now_ns();

	c->verdict = v;
	free(c->type);
	free(c->message);
	free(c->detail);
	c->type = type ? strdup(type) : NULL;
	c->detail = detail ? strdup(detail) : NULL;
	c->message = NULL;
	if (v == HILT_FAIL || v == HILT_ERROR)
		take_excerpt(s, c);
	if (fmt)
		c->message = session_vfmt(fmt, ap);
	/* Output lost while the console was away may be why it failed. */
	if (v == HILT_FAIL && c->message && s->console_note) {
		char *m = NULL;

		if (asprintf(&m, "%s (note: %s)", c->message, s->console_note) >= 0) {
			free(c->message);
			c->message = m;
		}
	}
	/* A failure pattern stamps its case at the match, before its trace
	 * is collected; everything else ends now. */
	if (v != HILT_SKIP && c->at_s < 0) {
		c->time_s = (double)(now - s->case_start_ns) / 1e9;
		c->at_s = session_since_power_on(s, now);
	}
	if (s->opts.on_case)
		s->opts.on_case(s->result, c, s->opts.arg);
}

void session_add_test(struct hilt_session *s, const struct hilt_case_result *t)
{
	struct hilt_session_result *r = s->result;

	if (hilt_result_add_case(r, t) < 0)
		return;
	struct hilt_case_result *c = &r->cases[r->ncases - 1];

	if (c->verdict == HILT_FAIL && !c->excerpt)
		take_excerpt(s, c);
	if (s->opts.on_case)
		s->opts.on_case(r, c, s->opts.arg);
}

void session_set_case(struct hilt_session *s, size_t i, enum hilt_verdict v,
		      const char *type, const char *detail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	session_set_casev(s, i, v, type, detail, fmt, ap);
	va_end(ap);
}

void session_skip_rest(struct hilt_session *s, size_t from, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = session_vfmt(fmt, ap);
	va_end(ap);
	for (size_t i = from; i < s->suite->ncases; i++)
		session_set_case(s, i, HILT_SKIP, "not-run", NULL, "%s", why ? why : "not run");
	free(why);
}

/* The session ends before its last case: the current one gets the
 * verdict, every later one is skipped for the same reason. */
void session_end_early(struct hilt_session *s, enum hilt_verdict v, const char *type,
		       const char *detail, const char *why)
{
	session_cancel_case_timer(s);
	session_set_case(s, s->current, v, type, detail, "%s", why);
	session_skip_rest(s, s->current + 1, "not run: %s", why);
	s->current = s->suite->ncases;
	session_finish(s);
}

static void grace_over(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->grace_timer = 0;
	session_finish(s);
}

/* Bytes of the trace kept after the start of the line where a failure
 * pattern's match begins: then up to that line's end, and never more
 * than FAILURE_TRACE_MAX. */
#define FAILURE_TRACE_BYTES 4096
#define FAILURE_TRACE_MAX 8191

void session_failure_collect(struct hilt_session *s, const char *buf, size_t n)
{
	uint64_t at = s->failure_text_at + hilt_buf_len(&s->failure_text);
	size_t take = 0;

	for (; take < n && !s->failure_text_done; take++, at++) {
		bool eol = buf[take] == '\n' || buf[take] == '\r';

		s->failure_text_done = (eol && at >= s->failure_line_at + FAILURE_TRACE_BYTES) ||
				       at >= s->failure_line_at + FAILURE_TRACE_MAX;
	}
	if (take && !s->failure_text_done)
		hilt_buf_append(&s->failure_text, buf, take);
	else if (take > 1)
		hilt_buf_append(&s->failure_text, buf, take - 1);
}

/* Keeps what the console showed of the match starting at start, as it
 * is now: the tail ends where the matcher has read (session.c's
 * consume()), so it holds the line where the match begins unless the
 * match is longer than the tail; then the matcher's window has its start
 * (the line's beginning before it is lost). */
static void keep_failure_text(struct hilt_session *s, uint64_t start)
{
	size_t n;
	const char *data = hilt_tail_data(s->tail, &n);
	uint64_t total = hilt_tail_total(s->tail), base = total - n;

	hilt_buf_reset(&s->failure_text);
	s->failure_text_done = false;
	if (start >= base && start <= total) {
		size_t line = (size_t)(start - base), from;

		while (line > 0 && data[line - 1] != '\n' && data[line - 1] != '\r')
			line--;
		from = line > HILT_EXCERPT_BYTES ? line - HILT_EXCERPT_BYTES : 0;
		s->failure_text_at = base + from;
		s->failure_line_at = base + line;
		hilt_buf_append(&s->failure_text, data + from, line - from);
		session_failure_collect(s, data + line, n - line);
		return;
	}
	char *copy = malloc(FAILURE_TRACE_MAX + 1);

	s->failure_text_at = s->failure_line_at = start;
	if (!copy)
		return;
	size_t len = hilt_matcher_copy(s->matcher, start, total, copy, FAILURE_TRACE_MAX + 1);

	session_failure_collect(s, copy, len);
	free(copy);
}

void session_failure_matched(struct hilt_session *s, const struct hilt_match *m)
{
	s->failure_index = (size_t)(m->id - WATCH_FAILURE0);
	s->failure_start = m->start;
	s->state = SESSION_ENDING;
	keep_failure_text(s, m->start);
	session_cancel_case_timer(s);
	/* Let the rest of the line (and of the trace) reach the log. */
	s->grace_timer = hilt_loop_add_timer(s->loop, hilt_now_ns() + FAILURE_GRACE_NS,
					     grace_over, s);
}

/* Reports the failure pattern once the grace period has collected its
 * trace: the message quotes the line where the match begins, exactly as
 * the console printed it (the JUnit and the terminal make it inert); the
 * failure's text is the trace from that line on; the excerpt is the
 * console's last lines when the trace was complete. */
void session_report_failure(struct hilt_session *s)
{
	const struct hilt_failure_pattern *f = &s->suite->failures[s->failure_index];
	const char *text = hilt_buf_str(&s->failure_text);
	size_t len = hilt_buf_len(&s->failure_text);
	size_t at = (size_t)(s->failure_line_at - s->failure_text_at);
	const char *trace = at <= len ? text + at : "";
	size_t trace_len = at <= len ? len - at : 0;
	int line_len = (int)strcspn(trace, "\r\n");
	struct hilt_case_result *c = &s->result->cases[s->current];

	while (trace_len && (trace[trace_len - 1] == '\n' || trace[trace_len - 1] == '\r'))
		trace_len--;

	char *detail = strndup(trace, trace_len);

	session_set_case(s, s->current, HILT_FAIL, "failure-pattern", detail,
			 "failure pattern '%s' matched at %.3f s: %.*s", f->name,
			 c->at_s, line_len > 1023 ? 1023 : line_len, trace);
	free(detail);
	hilt_result_add_property(s->result, "failure.pattern", f->name);
	session_skip_rest(s, s->current + 1,
			  "not run: the session ended at failure pattern '%s'", f->name);
	s->current = s->suite->ncases;
}
