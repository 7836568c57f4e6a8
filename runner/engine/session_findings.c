/* The kernel report reader (runner/engine/kreport.h) in a session: fed
 * the bytes the matcher is fed, finished when the console ends or the
 * session does, a fatal finding (a kind the suite's <kernel-reports
 * fatal> names) ending the session at once as a failure that quotes the
 * report's first line, and every finding handed to the result at the end.
 * Every other finding is recorded and the session goes on.  (The map of
 * the session's files is in session_int.h.) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/engine/kreport.h"
#include "runner/engine/session_int.h"

/* Told by the reader as a report is complete. */
static void told(void *arg, const struct hilt_finding *f, bool first)
{
	struct hilt_session *s = arg;
	struct session_finding *sf = NULL;

	if (s->kr_fatal)
		return;
	if (first) {
		sf = realloc(s->kr_seen, (s->kr_nseen + 1) * sizeof(*sf));
		if (!sf)
			return;
		s->kr_seen = sf;
		sf = &sf[s->kr_nseen++];
		*sf = (struct session_finding){ .f = f, .at_s = session_since_power_on(s, hilt_now_ns()) };
	} else {
		/* Newest first: a report repeated is most often a recent one. */
		for (size_t i = s->kr_nseen; i-- > 0 && !sf;)
			if (s->kr_seen[i].f == f)
				sf = &s->kr_seen[i];
		if (!sf)
			return;
	}
	sf->count++;
	/* The first fatal one ends the session, once the reader has
	 * returned; one after a failure pattern matched ends nothing more. */
	if (f->fatal && s->state == SESSION_RUNNING)
		s->kr_fatal = f;
}

int session_findings_new(struct hilt_session *s, char *err, size_t errlen)
{
	const struct hilt_kernel_reports *k = &s->suite->kreports;
	struct hilt_kreport_opts opts = {
		.fatal = k->fatal,
		.ignore = (const char *const *)k->ignore,
		.block_cap = HILT_EXCERPT_BYTES,
		.cb = told,
		.arg = s,
	};
	char why[512] = "";
	int rc;

	if (!k->enabled)
		return 0;
	rc = hilt_kreport_new(&opts, &s->kr, why, sizeof(why));
	if (rc == -EINVAL)
		snprintf(err, errlen, "%s: <kernel-reports>: %s", s->suite->path, why);
	return rc;
}

/* The fatal finding the reader told ends the session: the case under
 * way fails quoting the report's first line, its block is the failure's
 * text, every later case is skipped. */
static void end_at_fatal(struct hilt_session *s)
{
	const struct hilt_finding *f = s->kr_fatal;
	char *why = NULL;

	if (!f || s->state != SESSION_RUNNING)
		return;
	char *detail = strndup(f->block, f->block_len);

	hilt_result_add_property(s->result, "failure.finding", f->title);
	if (asprintf(&why, "the session ended at kernel report '%s'", f->title) < 0)
		why = NULL;
	session_cancel_case_timer(s);
	session_set_case(s, s->current, HILT_FAIL, "finding", detail,
			 "kernel report '%s' (%s, fatal) at %.3f s: %s", f->title,
			 hilt_kreport_kind_name(f->kind),
			 session_since_power_on(s, hilt_now_ns()), f->line);
	session_skip_rest(s, s->current + 1, "not run: %s", why ? why : "a fatal kernel report");
	free(why);
	free(detail);
	s->current = s->suite->ncases;
	session_finish(s);
}

void session_findings_feed(struct hilt_session *s, const char *buf, size_t n)
{
	if (!s->kr || s->kr_finished || !n)
		return;
	hilt_kreport_feed(s->kr, buf, n);
}

void session_findings_check(struct hilt_session *s)
{
	end_at_fatal(s);
}

/* Ends the reader's stream once (a report still open counts as it is):
 * whether this call did. */
static bool finish_reader(struct hilt_session *s)
{
	if (!s->kr || s->kr_finished)
		return false;
	s->kr_finished = true;
	hilt_kreport_finish(s->kr);
	return true;
}

void session_findings_finish(struct hilt_session *s)
{
	if (finish_reader(s))
		end_at_fatal(s);
}

void session_findings_take(struct hilt_session *s)
{
	struct hilt_session_result *r = s->result;

	if (!s->kr || !r)
		return;
	finish_reader(s);
	/* The console was read: findings.count is said, 0 included. */
	r->findings_read = s->power_on_ns != 0;
	r->findings_dropped = hilt_kreport_dropped(s->kr);
	for (size_t i = 0; i < s->kr_nseen; i++) {
		const struct hilt_finding *f = s->kr_seen[i].f;
		/* Only read: hilt_result_add_finding() copies it all. */
		struct hilt_finding_result fr = {
			.title = (char *)f->title,
			.kind = (char *)hilt_kreport_kind_name(f->kind),
			.count = s->kr_seen[i].count,
			.line = (char *)f->line,
			.block = (char *)f->block,
			.block_len = f->block_len,
			.at_s = s->kr_seen[i].at_s,
		};

		if (hilt_result_add_finding(r, &fr) < 0)
			break;
	}
}

const char *session_findings_block_since(const struct hilt_session *s, uint64_t since,
					 size_t *len)
{
	for (size_t i = 0; i < s->kr_nseen; i++) {
		const struct hilt_finding *f = s->kr_seen[i].f;

		if (f->offset >= since) {
			*len = f->block_len;
			return f->block;
		}
	}
	return NULL;
}

void session_findings_free(struct hilt_session *s)
{
	hilt_kreport_free(s->kr);
	s->kr = NULL;
	s->kr_fatal = NULL;
	free(s->kr_seen);
	s->kr_seen = NULL;
	s->kr_nseen = 0;
}
