/* The cases: the one under way is begun, handed its matches, timed out
 * and ended only through its kind's ops (runner/cases/case.h); below
 * them, what the session lends it (the hilt_run_* calls; typing's are in
 * typing.c).  (The map of the session's files is in session_int.h.) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/tail.h"
#include "runner/engine/kreport.h"
#include "runner/engine/session_int.h"
#include "targets/config.h"

static void rescan(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->rescan_timer = 0;
	session_process_matches(s);
}

/* A case that begins outside console input (after a probe or a timeout)
 * may already be satisfied by output that came meanwhile: look at once,
 * from the loop. */
static void schedule_rescan(struct hilt_session *s)
{
	if (s->in_process || s->rescan_timer > 0)
		return;
	s->rescan_timer = hilt_loop_add_timer(s->loop, hilt_now_ns(), rescan, s);
	if (s->rescan_timer < 0)
		s->rescan_timer = 0;
}

/* A case's deadline, scaled for the target. */
double session_case_timeout_s(const struct hilt_session *s, const struct hilt_case *c)
{
	return c->timeout_s * s->scale;
}

void session_cancel_case_timer(struct hilt_session *s)
{
	if (s->case_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->case_timer);
	s->case_timer = 0;
	if (s->run.timer > 0)
		hilt_loop_cancel_timer(s->loop, s->run.timer);
	s->run.timer = 0;
}

/* The probe of the case that ends: one that has told its result is freed
 * later (this may be its callback), one still under way now. */
static void end_probe(struct hilt_session *s)
{
	if (!s->probe)
		return;
	if (s->probe_finished) {
		hilt_http_free(s->old_probe);
		s->old_probe = s->probe;
	} else {
		hilt_http_free(s->probe);
	}
	s->probe = NULL;
}

void session_case_release(struct hilt_session *s)
{
	struct hilt_case_run *run = &s->run;

	session_cancel_case_timer(s);
	session_pace_stop(s);
	if (!run->active)
		return;
	run->active = false;
	for (int id = 1; id <= HILT_RUN_WATCH_MAX; id++)
		if (run->watched & (1u << id))
			hilt_matcher_unwatch(s->matcher, id);
	run->watched = 0;
	end_probe(s);
	if (run->c->ops->end)
		run->c->ops->end(run);
	free(run->state);
	run->state = NULL;
}

void session_next_case(struct hilt_session *s)
{
	if (s->readying) {
		/* Typing the shell check failed (its case 0 says why). */
		session_ready_failed(s, NULL);
		return;
	}
	session_case_release(s);
	s->current++;
	if (s->end_after_case || s->current >= s->suite->ncases) {
		session_finish(s);
		return;
	}
	session_begin_case(s);
}

static void case_timeout(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->case_timer = 0;
	s->run.c->ops->timeout(&s->run);
	/* The cursor stays: a missed milestone consumes no output, so what
	 * the device printed meanwhile is still there for the next case. */
	session_next_case(s);
}

int session_add_var(struct hilt_session *s, const char *name, const char *value)
{
	for (size_t i = 0; i < s->nvars; i++) {
		if (strcmp(s->var_names[i], name) == 0) {
			char *v = strdup(value);

			if (!v)
				return -ENOMEM;
			free(s->var_values[i]);
			s->var_values[i] = v;
			return 0;
		}
	}
	char **n = realloc(s->var_names, (s->nvars + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	s->var_names = n;
	char **v = realloc(s->var_values, (s->nvars + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->var_values = v;
	n[s->nvars] = strdup(name);
	v[s->nvars] = strdup(value);
	if (!n[s->nvars] || !v[s->nvars]) {
		free(n[s->nvars]);
		free(v[s->nvars]);
		return -ENOMEM;
	}
	s->nvars++;
	return 0;
}

/* Stores the named groups of a match as variables and properties: read
 * from text (the match was made in it) or, when text is NULL, from the
 * console's matcher. */
static void capture_names(struct hilt_session *s, const struct hilt_pattern *p,
			  const struct hilt_match *m, const char *text)
{
	for (unsigned i = 0; i < hilt_pattern_name_count(p); i++) {
		unsigned g;
		const char *name = hilt_pattern_name(p, i, &g);
		char value[512], prop[128];

		if (g >= m->ngroups || m->groups[g].start < 0)
			continue;
		if (text)
			snprintf(value, sizeof(value), "%.*s",
				 (int)(m->groups[g].end - m->groups[g].start),
				 text + m->groups[g].start);
		else
			hilt_matcher_copy(s->matcher, (uint64_t)m->groups[g].start,
					  (uint64_t)m->groups[g].end, value, sizeof(value));
		session_add_var(s, name, value);
		snprintf(prop, sizeof(prop), "capture.%s", name);
		hilt_result_add_property(s->result, prop, value);
	}
}

void session_free_vars(struct hilt_session *s)
{
	hilt_config_strv_free(s->var_names, s->nvars);
	hilt_config_strv_free(s->var_values, s->nvars);
	s->var_names = s->var_values = NULL;
	s->nvars = 0;
}

void session_begin_case(struct hilt_session *s)
{
	const struct hilt_case *c = &s->suite->cases[s->current];
	struct hilt_case_run *run = &s->run;

	/* What no case has consumed stays for the cases after this one (a
	 * prompt printed while an HTTP probe runs, say). */
	hilt_matcher_retain(s->matcher, s->cursor < s->last_match_start ? s->cursor
									  : s->last_match_start);
	s->case_start_ns = hilt_now_ns();
	*run = (struct hilt_case_run){ .s = s, .c = c };
	if (c->ops->run_size && !(run->state = calloc(1, c->ops->run_size))) {
		session_set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
		session_next_case(s);
		return;
	}
	run->active = true;
	/* A kind without a timeout hook keeps its own deadline (a probe). */
	if (c->ops->timeout)
		s->case_timer = hilt_loop_add_timer(s->loop, s->case_start_ns +
						    (int64_t)(session_case_timeout_s(s, c) * 1e9),
						    case_timeout, s);
	c->ops->begin(run);
	if (c->ops->matched)
		schedule_rescan(s);
}

void session_process_matches(struct hilt_session *s)
{
	struct hilt_match m;
	bool outer = !s->in_process;
	int rc = 0;

	s->in_process = true;
	while (s->state == SESSION_RUNNING && (rc = hilt_matcher_next(s->matcher, &m)) == 1) {
		if (m.id == WATCH_PACE) {
			session_pace_echoed(s, &m);
		} else if (m.id == WATCH_READY) {
			session_ready_matched(s, &m);
		} else if (m.id >= WATCH_FAILURE0) {
			struct hilt_case_result *c = &s->result->cases[s->current];
			size_t f = (size_t)(m.id - WATCH_FAILURE0);
			int64_t now = hilt_now_ns();

			/* The matches a pattern lets pass (the first sign-on);
			 * it stays watched after each. */
			if (s->failure_seen[f] < s->suite->failures[f].allowed) {
				s->failure_seen[f]++;
				continue;
			}
			c->at_s = session_since_power_on(s, now);
			c->time_s = (double)(now - s->case_start_ns) / 1e9;
			session_failure_matched(s, &m);
		} else if (s->run.active && s->run.c->ops->matched) {
			s->run.c->ops->matched(&s->run, &m);
		}
	}
	/* A pattern that cannot be searched in this output (pcre2's
	 * backtracking limit) would never match: the session would wait out
	 * its deadline and blame the device.  It is the suite's error. */
	if (rc < 0 && s->state == SESSION_RUNNING && s->current < s->suite->ncases) {
		char why[256];

		snprintf(why, sizeof(why), "a pattern could not be searched in the console output: %s",
			 rc == -ERANGE ? "it hit pcre2's backtracking limit (a pattern that backtracks without end, such as (a+)+[bc] on a long line of a)"
				       : strerror(-rc));
		session_end_early(s, HILT_ERROR, "pattern", NULL, why);
	}
	if (outer)
		s->in_process = false;
}

/* ---- What the session lends a case (runner/cases/case.h) ---- */

const struct hilt_case *hilt_run_case(const struct hilt_case_run *run)
{
	return run->c;
}

void *hilt_run_state(struct hilt_case_run *run)
{
	return run->state;
}

const struct hilt_shell *hilt_run_shell(const struct hilt_case_run *run)
{
	return hilt_case_shell(run->s->suite, run->c);
}

bool hilt_run_recorded(const struct hilt_case_run *run)
{
	return run->s->ops->recorded;
}

void hilt_run_verdict(struct hilt_case_run *run, enum hilt_verdict v, const char *type,
		      const char *detail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	session_set_casev(run->s, run->s->current, v, type, detail, fmt, ap);
	va_end(ap);
}

void hilt_run_done(struct hilt_case_run *run)
{
	session_next_case(run->s);
}

void hilt_run_end_session(struct hilt_case_run *run, const char *fmt, ...)
{
	struct hilt_session *s = run->s;
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = session_vfmt(fmt, ap);
	va_end(ap);
	session_skip_rest(s, s->current + 1, "not run: %s", why ? why : "the session ended");
	free(why);
	s->end_after_case = true;
}

double hilt_run_at_s(const struct hilt_case_run *run)
{
	return run->s->result->cases[run->s->current].at_s;
}

double hilt_run_now_s(const struct hilt_case_run *run)
{
	return session_since_power_on(run->s, hilt_now_ns());
}

void hilt_run_add_test(struct hilt_case_run *run, const struct hilt_case_result *c)
{
	session_add_test(run->s, c);
}

const char *hilt_run_crash(const struct hilt_case_run *run, uint64_t since, size_t *len)
{
	const struct hilt_session *s = run->s;
	const char *block;

	if (!s->kr_fatal && !hilt_buf_len(&s->failure_text))
		return NULL;
	if ((block = session_findings_block_since(s, since, len)))
		return block;
	if (s->kr_fatal) {
		*len = s->kr_fatal->block_len;
		return s->kr_fatal->block;
	}
	size_t at = (size_t)(s->failure_line_at - s->failure_text_at);

	if (at > hilt_buf_len(&s->failure_text))
		at = 0;
	*len = hilt_buf_len(&s->failure_text) - at;
	return hilt_buf_str(&s->failure_text) + at;
}

void session_case_output(struct hilt_session *s, const char *buf, size_t n, uint64_t off)
{
	struct hilt_case_run *run = &s->run;

	if (run->active && run->c->ops->output && s->state == SESSION_RUNNING)
		run->c->ops->output(run, buf, n, off);
}

void hilt_run_property(struct hilt_case_run *run, const char *name, const char *value)
{
	hilt_result_add_property(run->s->result, name, value);
}

void hilt_run_output(struct hilt_case_run *run, char *output)
{
	struct hilt_case_result *c = &run->s->result->cases[run->s->current];

	free(c->output);
	c->output = output;
}

double hilt_run_timeout_s(const struct hilt_case_run *run)
{
	return session_case_timeout_s(run->s, run->c);
}

int64_t hilt_run_deadline_ns(const struct hilt_case_run *run)
{
	return run->s->case_start_ns + (int64_t)(hilt_run_timeout_s(run) * 1e9);
}

double hilt_run_elapsed_s(const struct hilt_case_run *run)
{
	return (double)(hilt_now_ns() - run->s->case_start_ns) / 1e9;
}

void hilt_run_watch(struct hilt_case_run *run, int id, const struct hilt_pattern *p,
		    uint64_t from)
{
	if (id < 1 || id > HILT_RUN_WATCH_MAX)
		return;
	hilt_matcher_watch(run->s->matcher, p, id, from);
	run->watched |= 1u << id;
}

void hilt_run_unwatch(struct hilt_case_run *run, int id)
{
	if (id < 1 || id > HILT_RUN_WATCH_MAX)
		return;
	hilt_matcher_unwatch(run->s->matcher, id);
	run->watched &= ~(1u << id);
}

uint64_t hilt_run_cursor(const struct hilt_case_run *run)
{
	return run->s->cursor;
}

uint64_t hilt_run_last_match(const struct hilt_case_run *run)
{
	return run->s->last_match_start;
}

void hilt_run_consume(struct hilt_case_run *run, uint64_t cursor, uint64_t match_start)
{
	run->s->cursor = cursor;
	run->s->last_match_start = match_start;
}

uint64_t hilt_run_offset(const struct hilt_case_run *run)
{
	return hilt_matcher_offset(run->s->matcher);
}

size_t hilt_run_copy(const struct hilt_case_run *run, uint64_t from, uint64_t to,
		     char *buf, size_t len)
{
	return hilt_matcher_copy(run->s->matcher, from, to, buf, len);
}

void hilt_run_lines(const struct hilt_case_run *run, uint64_t from, char *buf, size_t len)
{
	size_t n;
	const char *data = hilt_tail_data(run->s->tail, &n);
	uint64_t total = hilt_tail_total(run->s->tail), base = total - n;

	/* What the tail no longer holds of from's line is not quoted as if
	 * the line began where the tail does: from the next whole line. */
	if (from < base) {
		const char *nl = memchr(data, '\n', n);

		from = nl ? base + (uint64_t)(nl - data) + 1 : total;
	}
	hilt_tail_lines(run->s->tail, from, total, buf, len);
}

void hilt_run_capture(struct hilt_case_run *run, const struct hilt_pattern *p,
		      const struct hilt_match *m)
{
	capture_names(run->s, p, m, NULL);
}

/* The named groups of a match in text, as capture_names stores them. */
void hilt_run_capture_text(struct hilt_case_run *run, const struct hilt_pattern *p,
			   const struct hilt_match *m, const char *text)
{
	capture_names(run->s, p, m, text);
}

char *hilt_run_expand(const struct hilt_case_run *run, const char *tmpl, bool quote,
		      char *err, size_t errlen)
{
	const struct hilt_session *s = run->s;

	return hilt_expand_vars(tmpl, (const char *const *)s->var_names,
				(const char *const *)s->var_values, s->nvars, quote, err, errlen);
}

static void case_timer_due(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->run.timer = 0;
	if (s->run.active && s->run.c->ops->timer)
		s->run.c->ops->timer(&s->run);
}

void hilt_run_timer(struct hilt_case_run *run, double delay_s)
{
	struct hilt_session *s = run->s;

	if (run->timer > 0)
		hilt_loop_cancel_timer(s->loop, run->timer);
	run->timer = hilt_loop_add_timer(s->loop, hilt_now_ns() + (int64_t)(delay_s * 1e9),
					 case_timer_due, s);
	if (run->timer < 0)
		run->timer = 0;
}

int hilt_run_http_endpoint(struct hilt_case_run *run, int port, char *host, size_t hostlen,
			   int *out_port, char *err, size_t errlen)
{
	struct hilt_session *s = run->s;

	if (!s->ops->http_endpoint) {
		snprintf(err, errlen, "a %s target has no network to probe", s->cfg->kind);
		return -ENOTSUP;
	}
	return s->ops->http_endpoint(s->target, port, host, hostlen, out_port, err, errlen);
}

static void probe_told(const struct hilt_http_result *r, void *arg)
{
	struct hilt_session *s = arg;

	s->probe_finished = true;
	if (s->run.active)
		s->run.probe_done(&s->run, r);
}

int hilt_run_http_start(struct hilt_case_run *run, const struct hilt_http_spec *spec,
			void (*done)(struct hilt_case_run *run, const struct hilt_http_result *r),
			char *err, size_t errlen)
{
	struct hilt_session *s = run->s;

	end_probe(s);
	run->probe_done = done;
	s->probe_finished = false;
	return hilt_http_start(s->loop, spec, probe_told, s, &s->probe, err, errlen);
}
