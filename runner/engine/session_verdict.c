/* Verdicts: a case's (quoting the console's last lines when it failed or
 * erred), the cases after one skipped, a session ended early, and a
 * failure pattern: caught as it matches, reported once a grace period has
 * let its trace reach the log.  (The map of the session's files is in
 * session_int.h.) */
#define _GNU_SOURCE
#include <stdarg.h>
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

/* The console's last lines as they are now, for the evidence of a case
 * that failed or erred: at most HILT_EXCERPT_LINES lines and
 * HILT_EXCERPT_BYTES bytes, starting at a line. */
static void take_excerpt(struct hilt_session *s, struct hilt_case_result *c)
{
	size_t n, from, lines = 0;
	const char *data;

	free(c->excerpt);
	c->excerpt = NULL;
	c->excerpt_len = 0;
	if (!s->tail)
		return;
	data = hilt_tail_data(s->tail, &n);
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
	if (from >= n)
		return;
	c->excerpt = malloc(n - from + 1);
	if (!c->excerpt)
		return;
	memcpy(c->excerpt, data + from, n - from);
	c->excerpt[n - from] = '\0';
	c->excerpt_len = n - from;
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

void session_failure_matched(struct hilt_session *s, const struct hilt_match *m)
{
	s->failure_index = (size_t)(m->id - WATCH_FAILURE0);
	s->failure_start = m->start;
	s->failure_end = m->end;
	s->state = SESSION_ENDING;
	session_cancel_case_timer(s);
	/* Let the rest of the line (and of the trace) reach the log. */
	s->grace_timer = hilt_loop_add_timer(s->loop, hilt_now_ns() + FAILURE_GRACE_NS,
					     grace_over, s);
}

/* Reports the failure pattern once the grace period has collected its
 * line. */
void session_report_failure(struct hilt_session *s)
{
	const struct hilt_failure_pattern *f = &s->suite->failures[s->failure_index];
	char line[1024], trace[8192];
	uint64_t total = hilt_tail_total(s->tail);

	hilt_tail_lines(s->tail, s->failure_start, s->failure_end, line, sizeof(line));
	hilt_tail_lines(s->tail, s->failure_start,
			total < s->failure_start + 4096 ? total : s->failure_start + 4096,
			trace, sizeof(trace));
	session_set_case(s, s->current, HILT_FAIL, "failure-pattern", trace,
			 "failure pattern '%s' matched at %.3f s: %s", f->name,
			 s->result->cases[s->current].at_s, line);
	hilt_result_add_property(s->result, "failure.pattern", f->name);
	session_skip_rest(s, s->current + 1,
			  "not run: the session ended at failure pattern '%s'", f->name);
	s->current = s->suite->ncases;
}
