#define _GNU_SOURCE
#include "runner/engine/session.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "targets/target.h"
#include "base/ansi.h"
#include "runner/engine/http.h"
#include "runner/engine/matcher.h"
#include "base/outfile.h"
#include "base/tail.h"
#include "base/text.h"

#define WINDOW_CAP (256 * 1024)
/* Reads of a fast console (a replay) are this large: fewer system calls;
 * a serial line or an emulator returns what it has, far less. */
#define READ_SIZE (128 * 1024)
#define CONSOLE_TAIL_CAP (64 * 1024)
#define FAILURE_GRACE_NS (500 * 1000000LL)

/* Matcher watch ids. */
enum {
	WATCH_CASE = 1,		/* the milestone or step expectation */
	WATCH_PROMPT,
	WATCH_ECHO,		/* end of the echoed command line */
	WATCH_PACE,		/* the echo of the chunk typed last (pace) */
	WATCH_FAILURE0 = 100,	/* + index of the failure pattern */
};

enum step_phase {
	STEP_WAIT_PROMPT,	/* before sending */
	STEP_WAIT_ECHO,
	STEP_WAIT_EXPECT,
	STEP_WAIT_DONE,		/* expectation met, waiting for the prompt */
	INT_WAIT_COUNTDOWN,	/* an interrupt: for its pattern */
	INT_WAIT_PROMPT,	/* the key sent, again and again, until the prompt */
	/* A <python>: the raw REPL entered (Ctrl-C twice, Ctrl-A), the
	 * script sent with Ctrl-D, then OK, stdout up to \x04, stderr up to
	 * \x04, and Ctrl-B back to the friendly prompt. */
	PY_WAIT_RAW,
	PY_WAIT_OK,
	PY_WAIT_STDOUT,
	PY_WAIT_STDERR,
	PY_WAIT_PROMPT,
};

/* Without an echo to wait for (the raw REPL, echo="false"), paced chunks
 * go this often, as mpremote paces its raw REPL writes. */
#define PACE_INTERVAL_NS (10 * 1000000LL)
/* What a script printed that is kept to judge and report. */
#define PYTHON_OUTPUT_CAP (64 * 1024)

enum session_state {
	SESSION_NEW,
	SESSION_STARTING,	/* the target is being powered on */
	SESSION_RUNNING,
	SESSION_ENDING,		/* a failure pattern hit: collecting its trace */
	SESSION_DONE,
};

struct hilt_session {
	struct hilt_loop *loop;
	const struct hilt_suite *suite;
	const struct hilt_target_config *cfg;
	const struct hilt_target_ops *ops;
	struct hilt_session_opts opts;
	struct hilt_target *target;
	struct hilt_session_result *result;
	enum session_state state;

	struct hilt_matcher *matcher;
	char *pcap_path, *timing_path;
	struct hilt_target_env env;
	struct hilt_ansi ansi;
	struct hilt_tail *tail;
	FILE *log, *timing;
	int console_fd;
	int aux[4];
	size_t naux;
	unsigned console_gaps;	/* times the console went and came back */
	char *console_note;	/* what the last gap lost */

	int64_t power_on_ns, case_start_ns, last_log_ns;
	int64_t start_ns;	/* when the session began (before its target) */
	int64_t case_timer, session_timer, grace_timer, rescan_timer, done_timer;
	int64_t key_timer;	/* an interrupt's next key */
	unsigned keys_sent;
	unsigned *failure_seen;	/* matches of each failure pattern let pass */
	double scale;		/* of every deadline */
	bool hurry;		/* aborted: the target stops with short graces */
	char *typing;		/* console input not yet written */
	size_t typing_off, typing_len, typing_cap;
	bool want_out;		/* the console fd is watched for POLLOUT */
	bool in_process;	/* inside process_matches() */
	size_t current;		/* index of the case under way */
	uint64_t cursor;	/* output consumed by earlier cases */
	uint64_t last_match_start;
	enum step_phase phase;
	const struct hilt_pattern *step_expect;	/* the step's expectation */
	char *sent;		/* the command typed, for checking a recording */
	uint64_t sent_at;	/* where its echo starts */
	struct hilt_pattern *step_expect_owned;	/* compiled with captured values */
	uint64_t reply_from;	/* where the step's reply starts */

	struct hilt_pattern *line_end;
	/* Paced typing (<shell pace="N">): the text still to type chunk by
	 * chunk, then what follows it at once (the line end). */
	char *paced, *pace_after;
	size_t paced_off, paced_len;
	unsigned pace;
	bool pace_echo;		/* each chunk waits for its echo, else a timer */
	uint64_t pace_from;	/* where the next chunk's echo is looked for */
	struct hilt_pattern *pace_echo_re;
	int64_t pace_timer;

	/* <python>: the raw REPL's markers, and what the script printed. */
	struct hilt_pattern *raw_banner, *raw_ok, *raw_eot;
	uint64_t py_out_from, py_out_to, py_err_from;
	char *py_out, *py_err;
	size_t py_out_len, py_err_len;
	/* The HTTP probe under way, and the one that ended (freed later: its
	 * callback must not free it under itself). */
	struct hilt_http *probe, *old_probe;
	struct hilt_http_spec probe_spec;
	char *probe_url;
	char **var_names, **var_values;
	size_t nvars;

	/* The failure pattern that ended the session, while collecting. */
	size_t failure_index;
	uint64_t failure_start, failure_end;
};

/* What each kind of case does: begin (watch the console, type, probe),
 * take a match of its watches, and say how its deadline ran out.  A new
 * kind is a row here and its hooks. */
struct case_kind {
	void (*begin)(struct hilt_session *s);
	/* A match of its watches (WATCH_CASE, _PROMPT, _ECHO); NULL: it
	 * watches nothing. */
	void (*matched)(struct hilt_session *s, const struct hilt_match *m);
	/* Its deadline ran out; NULL: the kind keeps its own. */
	void (*timeout)(struct hilt_session *s, const struct hilt_case *c);
};

static void finish(struct hilt_session *s);
static void begin_case(struct hilt_session *s);
static void process_matches(struct hilt_session *s);

static void rescan(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->rescan_timer = 0;
	process_matches(s);
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

/* A case's deadline and the suite's, scaled for the target. */
static double case_timeout_s(const struct hilt_session *s, const struct hilt_case *c)
{
	return c->timeout_s * s->scale;
}

static double suite_timeout_s(const struct hilt_session *s)
{
	return s->suite->timeout_s * s->scale;
}

/* Wall-clock time, Unix seconds with ms: when sessions of a run overlapped
 * (a board runs one at a time) can be seen across targets and hosts. */
static void add_wall_clock(struct hilt_session *s, const char *name)
{
	struct timespec ts;
	char val[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(val, sizeof(val), "%lld.%03ld", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	hilt_result_add_property(s->result, name, val);
}

static double since_power_on(const struct hilt_session *s, int64_t now)
{
	return s->power_on_ns ? (double)(now - s->power_on_ns) / 1e9 : 0;
}

static char *vfmt(const char *fmt, va_list ap)
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

/* Records the verdict of case i.  detail may be NULL. */
static void set_case(struct hilt_session *s, size_t i, enum hilt_verdict v,
		     const char *type, const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void set_case(struct hilt_session *s, size_t i, enum hilt_verdict v,
		     const char *type, const char *detail, const char *fmt, ...)
{
	struct hilt_case_result *c = &s->result->cases[i];
	int64_t now = hilt_now_ns();
	va_list ap;

	c->verdict = v;
	free(c->type);
	free(c->message);
	free(c->detail);
	c->type = type ? strdup(type) : NULL;
	c->detail = detail ? strdup(detail) : NULL;
	c->message = NULL;
	if (v == HILT_FAIL || v == HILT_ERROR)
		take_excerpt(s, c);
	if (fmt) {
		va_start(ap, fmt);
		c->message = vfmt(fmt, ap);
		va_end(ap);
	}
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
		c->at_s = since_power_on(s, now);
	}
	if (s->opts.on_case)
		s->opts.on_case(s->result, c, s->opts.arg);
}

static void skip_rest(struct hilt_session *s, size_t from, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void skip_rest(struct hilt_session *s, size_t from, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = vfmt(fmt, ap);
	va_end(ap);
	for (size_t i = from; i < s->suite->ncases; i++)
		set_case(s, i, HILT_SKIP, "not-run", NULL, "%s", why ? why : "not run");
	free(why);
}

static void cancel_case_timer(struct hilt_session *s)
{
	if (s->case_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->case_timer);
	s->case_timer = 0;
	if (s->key_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->key_timer);
	s->key_timer = 0;
}

/* The session ends before its last case: the current one gets the
 * verdict, every later one is skipped for the same reason. */
static void end_early(struct hilt_session *s, enum hilt_verdict v, const char *type,
		      const char *detail, const char *why)
{
	cancel_case_timer(s);
	set_case(s, s->current, v, type, detail, "%s", why);
	skip_rest(s, s->current + 1, "not run: %s", why);
	s->current = s->suite->ncases;
	finish(s);
}

static const struct hilt_case *current_case(const struct hilt_session *s)
{
	return &s->suite->cases[s->current];
}

static void pace_stop(struct hilt_session *s);

static void unwatch_case(struct hilt_session *s)
{
	pace_stop(s);
	hilt_matcher_unwatch(s->matcher, WATCH_CASE);
	hilt_matcher_unwatch(s->matcher, WATCH_PROMPT);
	hilt_matcher_unwatch(s->matcher, WATCH_ECHO);
	hilt_pattern_free(s->step_expect_owned);
	s->step_expect_owned = NULL;
	s->step_expect = NULL;
}

static void next_case(struct hilt_session *s)
{
	cancel_case_timer(s);
	unwatch_case(s);
	s->current++;
	if (s->current >= s->suite->ncases) {
		finish(s);
		return;
	}
	begin_case(s);
}

static void milestone_timeout(struct hilt_session *s, const struct hilt_case *c)
{
	set_case(s, s->current, HILT_FAIL, "milestone-timeout", NULL,
		 "milestone /%s/ not seen within %g s", c->expect_src, case_timeout_s(s, c));
}

static void step_timeout(struct hilt_session *s, const struct hilt_case *c)
{
	{
		static const char *const phase_what[] = {
			[STEP_WAIT_PROMPT] = "no shell prompt to send the command at",
			[STEP_WAIT_ECHO] = "the command was not echoed",
			[STEP_WAIT_EXPECT] = "the expected reply did not come",
			[STEP_WAIT_DONE] = "no shell prompt after the reply",
		};
		char reply[2048] = "";

		if (s->phase >= STEP_WAIT_EXPECT)
			hilt_tail_lines(s->tail, s->reply_from,
					hilt_tail_total(s->tail), reply, sizeof(reply));
		if (s->paced && s->pace_echo) {
			/* Paced, the chunk whose echo never came says how far
			 * the device took what was typed. */
			size_t from = s->paced_off - (s->paced_off % s->pace ? s->paced_off % s->pace
									   : s->pace);

			set_case(s, s->current, HILT_FAIL, "step-timeout", NULL,
				 "step '%s': typed %zu of %zu bytes %u at a time (pace=\"%u\"); the echo "
				 "of \"%.*s\" did not come within %g s", c->send, s->paced_off,
				 s->paced_len, s->pace, s->pace, (int)(s->paced_off - from),
				 s->paced + from, case_timeout_s(s, c));
			return;
		}
		set_case(s, s->current, HILT_FAIL, "step-timeout",
			 *reply ? reply : NULL,
			 "step '%s': %s within %g s (expected /%s/)", c->send,
			 phase_what[s->phase], case_timeout_s(s, c), c->expect_src);
	}
}

static const struct case_kind *kind_of(const struct hilt_case *c);

static void case_timeout(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;
	const struct hilt_case *c = current_case(s);

	(void)loop;
	s->case_timer = 0;
	kind_of(c)->timeout(s, c);
	/* The cursor stays: a missed milestone consumes no output, so what
	 * the device printed meanwhile is still there for the next case. */
	next_case(s);
}

static int add_var(struct hilt_session *s, const char *name, const char *value)
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

/* Stores the named groups of a match as variables and properties. */
static void capture_names(struct hilt_session *s, const struct hilt_pattern *p,
			  const struct hilt_match *m)
{
	for (unsigned i = 0; i < hilt_pattern_name_count(p); i++) {
		unsigned g;
		const char *name = hilt_pattern_name(p, i, &g);
		char value[512], prop[128];

		if (g >= m->ngroups || m->groups[g].start < 0)
			continue;
		hilt_matcher_copy(s->matcher, (uint64_t)m->groups[g].start,
				  (uint64_t)m->groups[g].end, value, sizeof(value));
		add_var(s, name, value);
		snprintf(prop, sizeof(prop), "capture.%s", name);
		hilt_result_add_property(s->result, prop, value);
	}
}

/* Writes what the console takes now of what was typed; the rest when
 * its fd is writable (the loop watches for that meanwhile): nothing
 * waits.  A device that stops reading is caught by the step's deadline.
 * A failed write is the case's infrastructure error (the session moves
 * on): then -EIO. */
static int flush_typing(struct hilt_session *s)
{
	ssize_t n = 0;

	while (s->typing_off < s->typing_len) {
		n = s->ops->console_write(s->target, s->typing + s->typing_off,
					  s->typing_len - s->typing_off);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		s->typing_off += (size_t)n;
	}
	if (n < 0 && n != -EAGAIN)
		goto failed;
	bool held = s->typing_off < s->typing_len;

	if (!held && s->ops->console_flush) {
		n = s->ops->console_flush(s->target);
		if (n < 0)
			goto failed;
		held = n > 0;
	}
	if (!held)
		s->typing_off = s->typing_len = 0;
	if (held != s->want_out && s->console_fd >= 0) {
		hilt_loop_mod_fd(s->loop, s->console_fd, held ? POLLIN | POLLOUT : POLLIN);
		s->want_out = held;
	}
	return 0;

failed:
	s->typing_off = s->typing_len = 0;
	set_case(s, s->current, HILT_ERROR, "infrastructure", NULL,
		 "writing to the console failed: %s", strerror((int)-n));
	next_case(s);
	return -EIO;
}

static int console_type(struct hilt_session *s, const char *text)
{
	size_t len = strlen(text);

	if (s->typing_len + len > s->typing_cap) {
		size_t cap = (s->typing_len + len) * 2;
		char *t = realloc(s->typing, cap);

		if (!t) {
			set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
			next_case(s);
			return -EIO;
		}
		s->typing = t;
		s->typing_cap = cap;
	}
	memcpy(s->typing + s->typing_len, text, len);
	s->typing_len += len;
	return flush_typing(s);
}

/* Queues text to be written once the console is writable, from the loop:
 * for what a case types as it ends (Ctrl-C to a script that ran out of
 * time), whose write must not end the case a second time. */
static void console_queue(struct hilt_session *s, const char *text)
{
	size_t len = strlen(text);

	if (s->ops->recorded || s->console_fd < 0)
		return;
	if (s->typing_len + len > s->typing_cap) {
		char *t = realloc(s->typing, (s->typing_len + len) * 2);

		if (!t)
			return;	/* a courtesy to the device only */
		s->typing = t;
		s->typing_cap = (s->typing_len + len) * 2;
	}
	memcpy(s->typing + s->typing_len, text, len);
	s->typing_len += len;
	if (!s->want_out) {
		hilt_loop_mod_fd(s->loop, s->console_fd, POLLIN | POLLOUT);
		s->want_out = true;
	}
}

static void pace_stop(struct hilt_session *s)
{
	free(s->paced);
	free(s->pace_after);
	s->paced = s->pace_after = NULL;
	s->paced_off = s->paced_len = 0;
	if (s->matcher)
		hilt_matcher_unwatch(s->matcher, WATCH_PACE);
	hilt_pattern_free(s->pace_echo_re);
	s->pace_echo_re = NULL;
	if (s->pace_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->pace_timer);
	s->pace_timer = 0;
}

static void pace_next(struct hilt_session *s);

static void pace_due(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->pace_timer = 0;
	if (s->paced)
		pace_next(s);
}

/* Types the next chunk of the paced text, and arms what lets the one after
 * it go: its echo (looked for from where the last one ended, so that each
 * chunk's echo is its own) or a timer.  The case's deadline bounds the
 * wait.  After the last chunk, what follows it goes at once. */
static void pace_next(struct hilt_session *s)
{
	char chunk[65537], err[256];
	size_t n = s->paced_len - s->paced_off;

	if (n == 0) {
		char *after = s->pace_after;

		s->pace_after = NULL;
		pace_stop(s);
		if (after && *after)
			console_type(s, after);
		free(after);
		return;
	}
	if (n > s->pace)
		n = s->pace;
	memcpy(chunk, s->paced + s->paced_off, n);
	chunk[n] = '\0';
	s->paced_off += n;
	/* A failed write ends the case (and the pacing with it). */
	if (console_type(s, chunk) < 0)
		return;
	if (!s->pace_echo) {
		s->pace_timer = hilt_loop_add_timer(s->loop, hilt_now_ns() + PACE_INTERVAL_NS,
						    pace_due, s);
		if (s->pace_timer < 0) {
			s->pace_timer = 0;
			pace_next(s);
		}
		return;
	}
	size_t qlen = hilt_regex_quote(chunk, NULL, 0);
	char *quoted = malloc(qlen + 1);

	hilt_pattern_free(s->pace_echo_re);
	s->pace_echo_re = NULL;
	if (quoted)
		hilt_regex_quote(chunk, quoted, qlen + 1);
	if (!quoted || hilt_pattern_compile(quoted, &s->pace_echo_re, err, sizeof(err)) < 0) {
		free(quoted);
		set_case(s, s->current, HILT_ERROR, "runner", NULL,
			 "cannot wait for the echo of \"%s\": %s", chunk, quoted ? err : "out of memory");
		next_case(s);
		return;
	}
	free(quoted);
	hilt_matcher_watch(s->matcher, s->pace_echo_re, WATCH_PACE, s->pace_from);
}

static void pace_echoed(struct hilt_session *s, const struct hilt_match *m)
{
	hilt_matcher_unwatch(s->matcher, WATCH_PACE);
	s->pace_from = m->end;
	pace_next(s);
}

/* Types text then after at the shell sh: at once, or paced by its pace=
 * with each chunk's echo looked for from echo_from.  Returns -EIO when
 * the case has ended (a write failed). */
static int shell_type(struct hilt_session *s, const struct hilt_shell *sh, const char *text,
		      const char *after, bool echo, uint64_t echo_from)
{
	if (!sh || !sh->pace) {
		char *full = NULL;

		if (asprintf(&full, "%s%s", text, after) < 0) {
			set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
			next_case(s);
			return -EIO;
		}
		int rc = console_type(s, full);

		free(full);
		return rc;
	}
	pace_stop(s);
	s->paced = strdup(text);
	s->pace_after = strdup(after);
	if (!s->paced || !s->pace_after) {
		pace_stop(s);
		set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
		next_case(s);
		return -EIO;
	}
	s->paced_len = strlen(text);
	s->pace = sh->pace;
	s->pace_echo = echo;
	s->pace_from = echo_from;
	size_t was = s->current;

	pace_next(s);
	return s->current == was ? 0 : -EIO;
}

/* Sends the step's command at the prompt that ended at prompt_end. */
static void step_send(struct hilt_session *s, uint64_t prompt_end)
{
	const struct hilt_case *c = current_case(s);
	char err[256];
	char *line = hilt_expand_vars(c->send, (const char *const *)s->var_names,
				      (const char *const *)s->var_values, s->nvars,
				      false, err, sizeof(err));
	const struct hilt_shell *sh = hilt_case_shell(s->suite, c);

	if (!line) {
		set_case(s, s->current, HILT_ERROR, "runner", NULL,
			 "cannot build the command: %s", err);
		next_case(s);
		return;
	}
	free(s->sent);
	s->sent = NULL;
	if (!s->ops->recorded) {
		/* The watches below are set before the first chunk goes. */
		size_t was = s->current;

		hilt_matcher_unwatch(s->matcher, WATCH_PROMPT);
		int rc = shell_type(s, sh, line, sh->line_end, sh->echo, prompt_end);

		free(line);
		if (rc < 0 || s->current != was)
			return;
	} else if (!sh->echo) {
		/* A recording cannot be typed at: what was typed then can be
		 * judged by its echo only. */
		set_case(s, s->current, HILT_SKIP, "replay-unverified", NULL,
			 "replayed, not verified: step '%s' has no echo (echo=\"false\"), "
			 "so the recording cannot show what was typed", line);
		free(line);
		next_case(s);
		return;
	} else {
		/* Checked against the echo the recording holds (echo_shows). */
		s->sent = line;
		s->sent_at = prompt_end;
	}
	/* The reply follows the prompt the command was typed at.  Live, the
	 * shell prints nothing after its prompt until it reads a command;
	 * in a recording, the reply is already there after that prompt. */
	uint64_t now_off = prompt_end;

	hilt_matcher_unwatch(s->matcher, WATCH_PROMPT);
	if (sh->echo) {
		s->phase = STEP_WAIT_ECHO;
		hilt_matcher_watch(s->matcher, s->line_end, WATCH_ECHO, now_off);
	} else {
		s->phase = STEP_WAIT_EXPECT;
		s->reply_from = now_off;
		hilt_matcher_watch(s->matcher, s->step_expect, WATCH_CASE, now_off);
		hilt_matcher_watch(s->matcher, sh->prompt, WATCH_PROMPT, now_off);
	}
}

static void begin_step(struct hilt_session *s)
{
	const struct hilt_case *c = current_case(s);
	char err[256];

	/* The suite compiled the patterns without ${var}; the others are
	 * compiled now that the captured values are known. */
	if (c->expect) {
		s->step_expect = c->expect;
	} else {
		char *re = hilt_expand_vars(c->expect_src,
					    (const char *const *)s->var_names,
					    (const char *const *)s->var_values,
					    s->nvars, true, err, sizeof(err));
		int rc = re ? hilt_pattern_compile(re, &s->step_expect_owned, err,
						   sizeof(err))
			    : -EINVAL;

		free(re);
		if (rc) {
			set_case(s, s->current, HILT_FAIL, "step-setup", NULL,
				 "step '%s': cannot use the captured values in /%s/: %s",
				 c->send, c->expect_src, err);
			next_case(s);
			return;
		}
		s->step_expect = s->step_expect_owned;
	}
	/* The prompt that ended the previous case may be the very text the
	 * last milestone matched, so look from that match's start. */
	s->phase = STEP_WAIT_PROMPT;
	hilt_matcher_watch(s->matcher, hilt_case_shell(s->suite, c)->prompt, WATCH_PROMPT,
			   s->last_match_start);
}

static void end_probe(struct hilt_session *s)
{
	if (!s->probe)
		return;
	hilt_http_free(s->old_probe);
	s->old_probe = s->probe;
	s->probe = NULL;
}

static void probe_done(const struct hilt_http_result *r, void *arg)
{
	struct hilt_session *s = arg;
	const struct hilt_case *c = current_case(s);
	char *output = NULL, prop[300], val[64];

	if (asprintf(&output, "%s %s -> %s%ld in %.3f s (attempt %u), %zu body bytes\n%s",
		     c->http.method, s->probe_url, r->status ? "" : "no response, status ",
		     r->status, r->time_s, r->attempts, r->body_bytes, r->excerpt) < 0)
		output = NULL;
	if (r->passed)
		set_case(s, s->current, HILT_PASS, NULL, NULL, NULL);
	else
		set_case(s, s->current, HILT_FAIL, "http", r->excerpt[0] ? r->excerpt : NULL,
			 "%s %s: %s (%u attempt%s in %.1f s)", c->http.method, s->probe_url,
			 r->reason, r->attempts, r->attempts == 1 ? "" : "s",
			 (double)(hilt_now_ns() - s->case_start_ns) / 1e9);
	free(s->result->cases[s->current].output);
	s->result->cases[s->current].output = output;
	snprintf(prop, sizeof(prop), "http.%s.status", c->name);
	snprintf(val, sizeof(val), "%ld", r->status);
	hilt_result_add_property(s->result, prop, val);
	snprintf(prop, sizeof(prop), "http.%s.time", c->name);
	snprintf(val, sizeof(val), "%.3f", r->time_s);
	hilt_result_add_property(s->result, prop, val);
	end_probe(s);
	next_case(s);
}

static void begin_http(struct hilt_session *s)
{
	const struct hilt_case *c = current_case(s);
	char host[256], err[512];
	int port, rc;

	snprintf(err, sizeof(err), "a %s target has no network to probe", s->cfg->kind);
	rc = s->ops->http_endpoint ? s->ops->http_endpoint(s->target, c->http.port, host,
							    sizeof(host), &port, err, sizeof(err))
				   : -ENOTSUP;
	if (rc == -ENOTSUP) {
		set_case(s, s->current, HILT_SKIP, "no-network", NULL, "not run: %s", err);
		next_case(s);
		return;
	}
	if (rc < 0) {
		set_case(s, s->current, HILT_ERROR, "infrastructure", NULL,
			 "HTTP probe '%s': %s", c->name, err);
		next_case(s);
		return;
	}
	free(s->probe_url);
	if (asprintf(&s->probe_url, "http://%s:%d%s", host, port, c->http.path) < 0) {
		s->probe_url = NULL;
		set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
		next_case(s);
		return;
	}
	s->probe_spec = (struct hilt_http_spec){
		.method = c->http.method,
		.url = s->probe_url,
		.status = c->http.status,
		.body = c->expect,
		.headers = c->http.headers,
		.nheaders = c->http.nheaders,
		.deadline_ns = s->case_start_ns + (int64_t)(case_timeout_s(s, c) * 1e9),
		.retry_ns = 250 * 1000000LL,
		.max_body = c->http.max_body,
	};
	rc = hilt_http_start(s->loop, &s->probe_spec, probe_done, s, &s->probe, err, sizeof(err));
	if (rc < 0) {
		set_case(s, s->current, HILT_ERROR, "runner", NULL, "HTTP probe: %s", err);
		next_case(s);
	}
}

static void begin_case(struct hilt_session *s)
{
	const struct hilt_case *c = current_case(s);

	/* What no case has consumed stays for the cases after this one (a
	 * prompt printed while an HTTP probe runs, say). */
	hilt_matcher_retain(s->matcher, s->cursor < s->last_match_start ? s->cursor
									  : s->last_match_start);
	s->case_start_ns = hilt_now_ns();
	/* A kind without a timeout hook keeps its own deadline (a probe). */
	if (kind_of(c)->timeout)
		s->case_timer = hilt_loop_add_timer(s->loop, s->case_start_ns +
						    (int64_t)(case_timeout_s(s, c) * 1e9),
						    case_timeout, s);
	kind_of(c)->begin(s);
	if (kind_of(c)->matched)
		schedule_rescan(s);
}

static void begin_milestone(struct hilt_session *s)
{
	hilt_matcher_watch(s->matcher, current_case(s)->expect, WATCH_CASE, s->cursor);
}

static void milestone_matched(struct hilt_session *s, const struct hilt_match *m)
{
	const struct hilt_case *c = current_case(s);
	char prop[300], val[32];

	capture_names(s, c->expect, m);
	set_case(s, s->current, HILT_PASS, NULL, NULL, NULL);
	snprintf(prop, sizeof(prop), "milestone.%s.time", c->name);
	snprintf(val, sizeof(val), "%.3f", s->result->cases[s->current].at_s);
	hilt_result_add_property(s->result, prop, val);
	s->cursor = m->end;
	s->last_match_start = m->start;
	next_case(s);
}

/* Whether the echoed line [from, to) of a recording is the command sent,
 * once its escape sequences and control bytes are set aside (a shell
 * queries the cursor after its prompt).  If not, the step fails. */
static bool echo_shows(struct hilt_session *s, uint64_t from, uint64_t to,
		       const char *sent)
{
	char echo[1024];
	struct hilt_ansi ansi = { 0 };
	size_t n = hilt_matcher_copy(s->matcher, from, to, echo, sizeof(echo)), k = 0;

	n = hilt_ansi_strip(&ansi, echo, n, echo);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)echo[i] >= 0x20 && echo[i] != 0x7f)
			echo[k++] = echo[i];
	echo[k] = '\0';
	if (strcmp(echo, sent) == 0)
		return true;
	set_case(s, s->current, HILT_FAIL, "replay-echo", echo,
		 "step '%s': the recording shows \"%s\" typed at this prompt, not \"%s\"",
		 current_case(s)->send, echo, sent);
	s->cursor = from;
	s->last_match_start = from;
	next_case(s);
	return false;
}

static void step_event(struct hilt_session *s, const struct hilt_match *m)
{
	const struct hilt_case *c = current_case(s);

	switch (s->phase) {
	case STEP_WAIT_PROMPT:
		if (m->id == WATCH_PROMPT)
			step_send(s, m->end);
		break;
	case STEP_WAIT_ECHO:
		hilt_matcher_unwatch(s->matcher, WATCH_ECHO);
		if (s->sent && !echo_shows(s, s->sent_at, m->start, s->sent))
			break;
		s->phase = STEP_WAIT_EXPECT;
		s->reply_from = m->end;
		hilt_matcher_watch(s->matcher, s->step_expect, WATCH_CASE, m->end);
		hilt_matcher_watch(s->matcher, hilt_case_shell(s->suite, c)->prompt, WATCH_PROMPT,
				   m->end);
		break;
	case STEP_WAIT_EXPECT:
		if (m->id == WATCH_CASE) {
			capture_names(s, s->step_expect, m);
			hilt_matcher_unwatch(s->matcher, WATCH_CASE);
			s->phase = STEP_WAIT_DONE;
			s->cursor = m->end;
			/* A command that hands the console over (booti)
			 * passes on its reply: its prompt never comes back. */
			if (!c->wait_prompt) {
				set_case(s, s->current, HILT_PASS, NULL, NULL, NULL);
				s->last_match_start = m->start;
				next_case(s);
			}
			break;
		}
		/* The prompt came back without the expected reply. */
		char reply[2048];
		size_t n = hilt_matcher_copy(s->matcher, s->reply_from, m->start,
					     reply, sizeof(reply));

		while (n && (reply[n - 1] == '\n' || reply[n - 1] == '\r'))
			reply[--n] = '\0';
		set_case(s, s->current, HILT_FAIL, "step-mismatch", reply,
			 "step '%s': reply did not match /%s/: got \"%.*s\"%s", c->send,
			 c->expect_src, (int)strcspn(reply, "\r\n"), reply,
			 reply[strcspn(reply, "\r\n")] ? " ..." : "");
		s->cursor = m->start;
		s->last_match_start = m->start;
		next_case(s);
		break;
	case STEP_WAIT_DONE:
		set_case(s, s->current, HILT_PASS, NULL, NULL, NULL);
		s->cursor = m->start;
		s->last_match_start = m->start;
		next_case(s);
		break;
	default:
		break;	/* another kind's, never a step's */
	}
}

static void grace_over(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->grace_timer = 0;
	finish(s);
}

static void failure_matched(struct hilt_session *s, const struct hilt_match *m)
{
	s->failure_index = (size_t)(m->id - WATCH_FAILURE0);
	s->failure_start = m->start;
	s->failure_end = m->end;
	s->state = SESSION_ENDING;
	cancel_case_timer(s);
	/* Let the rest of the line (and of the trace) reach the log. */
	s->grace_timer = hilt_loop_add_timer(s->loop, hilt_now_ns() + FAILURE_GRACE_NS,
					     grace_over, s);
}

/* Reports the failure pattern once the grace period has collected its
 * line. */
static void report_failure(struct hilt_session *s)
{
	const struct hilt_failure_pattern *f = &s->suite->failures[s->failure_index];
	char line[1024], trace[8192];
	uint64_t total = hilt_tail_total(s->tail);

	hilt_tail_lines(s->tail, s->failure_start, s->failure_end, line, sizeof(line));
	hilt_tail_lines(s->tail, s->failure_start,
			total < s->failure_start + 4096 ? total : s->failure_start + 4096,
			trace, sizeof(trace));
	set_case(s, s->current, HILT_FAIL, "failure-pattern", trace,
		 "failure pattern '%s' matched at %.3f s: %s", f->name,
		 s->result->cases[s->current].at_s, line);
	hilt_result_add_property(s->result, "failure.pattern", f->name);
	skip_rest(s, s->current + 1,
		  "not run: the session ended at failure pattern '%s'", f->name);
	s->current = s->suite->ncases;
}

static void process_matches(struct hilt_session *s)
{
	struct hilt_match m;
	bool outer = !s->in_process;
	int rc = 0;

	s->in_process = true;
	while (s->state == SESSION_RUNNING && (rc = hilt_matcher_next(s->matcher, &m)) == 1) {
		if (m.id == WATCH_PACE) {
			pace_echoed(s, &m);
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
			c->at_s = since_power_on(s, now);
			c->time_s = (double)(now - s->case_start_ns) / 1e9;
			failure_matched(s, &m);
		} else if (kind_of(current_case(s))->matched) {
			kind_of(current_case(s))->matched(s, &m);
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
		end_early(s, HILT_ERROR, "pattern", NULL, why);
	}
	if (outer)
		s->in_process = false;
}

/* ---- <interrupt>: a countdown stopped by a key ---- */

static void key_again(struct hilt_loop *loop, void *arg);

/* Sends the interrupt's key (a recording cannot be typed at: it is
 * waited for the prompt only), and arms the next. */
static void send_key(struct hilt_session *s)
{
	const struct hilt_case *c = current_case(s);

	if (!s->ops->recorded) {
		if (console_type(s, c->send) < 0)
			return;
		s->keys_sent++;
	}
	s->key_timer = hilt_loop_add_timer(s->loop, hilt_now_ns() + (int64_t)(c->every_s * 1e9),
					   key_again, s);
	if (s->key_timer < 0)
		s->key_timer = 0;
}

static void key_again(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->key_timer = 0;
	if (s->phase == INT_WAIT_PROMPT && s->current < s->suite->ncases &&
	    current_case(s)->kind == HILT_CASE_INTERRUPT)
		send_key(s);
}

static void begin_interrupt(struct hilt_session *s)
{
	s->phase = INT_WAIT_COUNTDOWN;
	s->keys_sent = 0;
	hilt_matcher_watch(s->matcher, current_case(s)->expect, WATCH_CASE, s->cursor);
}

static void interrupt_event(struct hilt_session *s, const struct hilt_match *m)
{
	const struct hilt_case *c = current_case(s);
	char prop[300], val[32];

	if (m->id == WATCH_CASE && s->phase == INT_WAIT_COUNTDOWN) {
		capture_names(s, c->expect, m);
		hilt_matcher_unwatch(s->matcher, WATCH_CASE);
		s->phase = INT_WAIT_PROMPT;
		s->cursor = m->end;
		hilt_matcher_watch(s->matcher, hilt_case_shell(s->suite, c)->prompt, WATCH_PROMPT,
				   m->end);
		send_key(s);
		return;
	}
	if (m->id != WATCH_PROMPT || s->phase != INT_WAIT_PROMPT)
		return;
	set_case(s, s->current, HILT_PASS, NULL, NULL, NULL);
	snprintf(prop, sizeof(prop), "milestone.%s.time", c->name);
	snprintf(val, sizeof(val), "%.3f", s->result->cases[s->current].at_s);
	hilt_result_add_property(s->result, prop, val);
	snprintf(prop, sizeof(prop), "interrupt.%s.keys", c->name);
	snprintf(val, sizeof(val), "%u", s->keys_sent);
	hilt_result_add_property(s->result, prop, val);
	s->cursor = m->end;
	s->last_match_start = m->start;
	next_case(s);
}

static void interrupt_timeout(struct hilt_session *s, const struct hilt_case *c)
{
	const struct hilt_shell *sh = hilt_case_shell(s->suite, c);
	char *key = hilt_text_inert(c->send, strlen(c->send), HILT_TEXT_TERMINAL);

	if (s->phase == INT_WAIT_COUNTDOWN)
		set_case(s, s->current, HILT_FAIL, "interrupt", NULL,
			 "interrupt '%s': /%s/ not seen within %g s", c->name, c->expect_src,
			 case_timeout_s(s, c));
	else
		set_case(s, s->current, HILT_FAIL, "interrupt", NULL,
			 "interrupt '%s': the prompt /%s/ did not show within %g s; \"%s\" was "
			 "sent %u times after /%s/", c->name,
			 sh && sh->prompt ? hilt_pattern_source(sh->prompt) : "?",
			 case_timeout_s(s, c), key ? key : "?", s->keys_sent, c->expect_src);
	free(key);
	/* Not stopped, the bootloader goes its own way: nothing after this
	 * case can be typed at its prompt.  The session ends now. */
	skip_rest(s, s->current + 1, "not run: interrupt '%s' failed", c->name);
	s->current = s->suite->ncases - 1;
}

/* ---- <python>: a script through MicroPython's raw REPL ---- */

static void python_clear(struct hilt_session *s)
{
	free(s->py_out);
	free(s->py_err);
	s->py_out = s->py_err = NULL;
	s->py_out_len = s->py_err_len = 0;
}

static void begin_python(struct hilt_session *s)
{
	python_clear(s);
	s->phase = PY_WAIT_RAW;
	hilt_matcher_watch(s->matcher, s->raw_banner, WATCH_CASE, s->cursor);
	/* As mpremote does: Ctrl-C twice stops whatever runs (main.py, a
	 * loop), Ctrl-A enters the raw REPL.  No prompt is waited for: a
	 * program that runs forever never shows one. */
	console_queue(s, "\r\x03\x03\x01");
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

/* The named groups of a match in buf, as capture_names stores them. */
static void capture_buffer(struct hilt_session *s, const struct hilt_pattern *p,
			   const struct hilt_match *m, const char *buf)
{
	for (unsigned i = 0; i < hilt_pattern_name_count(p); i++) {
		unsigned g;
		const char *name = hilt_pattern_name(p, i, &g);
		char value[512], prop[128];

		if (g >= m->ngroups || m->groups[g].start < 0)
			continue;
		size_t n = (size_t)(m->groups[g].end - m->groups[g].start);

		snprintf(value, sizeof(value), "%.*s", (int)n, buf + m->groups[g].start);
		add_var(s, name, value);
		snprintf(prop, sizeof(prop), "capture.%s", name);
		hilt_result_add_property(s->result, prop, value);
	}
}

/* Copies [from, to) of the output into *out (malloc'd, NUL-terminated). */
static void python_take(struct hilt_session *s, uint64_t from, uint64_t to, char **out,
			size_t *len)
{
	size_t cap = to - from < PYTHON_OUTPUT_CAP ? (size_t)(to - from) : PYTHON_OUTPUT_CAP;

	free(*out);
	*len = 0;
	if ((*out = malloc(cap + 1)))
		*len = hilt_matcher_copy(s->matcher, from, from + cap, *out, cap + 1);
}

/* The verdict, once the friendly prompt is back. */
static void python_judge(struct hilt_session *s)
{
	const struct hilt_case *c = current_case(s);
	const char *out = s->py_out ? s->py_out : "";
	const char *err = s->py_err ? s->py_err : "";
	size_t i = s->current;

	if (s->ops->recorded) {
		/* The raw REPL does not echo: the recording shows what a script
		 * printed, never which script it was. */
		set_case(s, i, HILT_SKIP, "replay-unverified", NULL,
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
		set_case(s, i, HILT_FAIL, "python-exception", err, "python '%s': %.*s",
			 c->name, (int)(end - start), err + start);
	} else {
		size_t e;
		struct hilt_match m;

		for (e = 0; e < c->nexpects; e++) {
			int rc = match_buffer(c->expects[e], out, s->py_out_len, &m);

			if (rc < 0) {
				set_case(s, i, HILT_ERROR, "runner", NULL,
					 "python '%s': matching /%s/: %s", c->name,
					 hilt_pattern_source(c->expects[e]), strerror(-rc));
				break;
			}
			if (rc == 0) {
				size_t first = strcspn(out, "\r\n");

				set_case(s, i, HILT_FAIL, "python-mismatch", out,
					 "python '%s': the output did not match /%s/: got \"%.*s\"%s",
					 c->name, hilt_pattern_source(c->expects[e]), (int)first, out,
					 out[first + strspn(out + first, "\r\n")] ? " ..." : "");
				break;
			}
			capture_buffer(s, c->expects[e], &m, out);
		}
		if (e == c->nexpects)
			set_case(s, i, HILT_PASS, NULL, NULL, NULL);
	}
	/* What the script printed, as a step's reply is shown. */
	free(s->result->cases[i].output);
	s->result->cases[i].output = s->py_out_len ? strdup(out) : NULL;
}

static void python_event(struct hilt_session *s, const struct hilt_match *m)
{
	const struct hilt_case *c = current_case(s);

	switch (s->phase) {
	case PY_WAIT_RAW: {
		if (m->id != WATCH_CASE)
			break;
		char err[256];
		char *script = hilt_expand_vars(c->send, (const char *const *)s->var_names,
						(const char *const *)s->var_values, s->nvars,
						false, err, sizeof(err));

		if (!script) {
			set_case(s, s->current, HILT_ERROR, "runner", NULL,
				 "python '%s': cannot build the script: %s", c->name, err);
			next_case(s);
			break;
		}
		hilt_matcher_unwatch(s->matcher, WATCH_CASE);
		s->phase = PY_WAIT_OK;
		hilt_matcher_watch(s->matcher, s->raw_ok, WATCH_CASE, m->end);
		/* The raw REPL does not echo: paced, its chunks go by time. */
		if (!s->ops->recorded)
			shell_type(s, hilt_case_shell(s->suite, c), script, "\x04", false, m->end);
		free(script);
		break;
	}
	case PY_WAIT_OK:
		hilt_matcher_unwatch(s->matcher, WATCH_CASE);
		s->py_out_from = m->end;
		s->phase = PY_WAIT_STDOUT;
		hilt_matcher_watch(s->matcher, s->raw_eot, WATCH_CASE, m->end);
		break;
	case PY_WAIT_STDOUT:
		/* The \x04 stays watched: the next one ends the errors. */
		s->py_out_to = m->start;
		s->py_err_from = m->end;
		s->phase = PY_WAIT_STDERR;
		break;
	case PY_WAIT_STDERR:
		hilt_matcher_unwatch(s->matcher, WATCH_CASE);
		python_take(s, s->py_out_from, s->py_out_to, &s->py_out, &s->py_out_len);
		python_take(s, s->py_err_from, m->start, &s->py_err, &s->py_err_len);
		s->phase = PY_WAIT_PROMPT;
		hilt_matcher_watch(s->matcher, hilt_case_shell(s->suite, c)->prompt, WATCH_PROMPT,
				   m->end);
		/* Back to the friendly REPL, where steps and the next script
		 * begin. */
		console_queue(s, "\x02");
		break;
	case PY_WAIT_PROMPT:
		if (m->id != WATCH_PROMPT)
			break;
		python_judge(s);
		python_clear(s);
		s->cursor = m->start;
		s->last_match_start = m->start;
		next_case(s);
		break;
	default:
		break;
	}
}

static void python_timeout(struct hilt_session *s, const struct hilt_case *c)
{
	const struct hilt_shell *sh = hilt_case_shell(s->suite, c);
	char out[2048] = "";
	double t = case_timeout_s(s, c);

	switch (s->phase) {
	case PY_WAIT_RAW:
		set_case(s, s->current, HILT_FAIL, "python-timeout", NULL,
			 "python '%s': no raw REPL within %g s (\"raw REPL; CTRL-B to exit\" "
			 "did not follow Ctrl-C, Ctrl-C, Ctrl-A)", c->name, t);
		break;
	case PY_WAIT_OK:
		set_case(s, s->current, HILT_FAIL, "python-timeout", NULL,
			 "python '%s': the raw REPL did not take the script (no OK) within %g s",
			 c->name, t);
		break;
	case PY_WAIT_STDOUT:
	case PY_WAIT_STDERR:
		hilt_tail_lines(s->tail, s->py_out_from, hilt_tail_total(s->tail), out,
				sizeof(out));
		set_case(s, s->current, HILT_FAIL, "python-timeout", *out ? out : NULL,
			 "python '%s': the script did not finish within %g s", c->name, t);
		/* Stopped, and out of the raw REPL, so that what follows
		 * finds the friendly prompt: a new one, not one printed
		 * before the script (what came so far is this case's). */
		console_queue(s, "\x03\x03\x02");
		s->cursor = s->last_match_start = hilt_matcher_offset(s->matcher);
		break;
	default:
		set_case(s, s->current, HILT_FAIL, "python-timeout", NULL,
			 "python '%s': the prompt /%s/ did not show within %g s after the raw "
			 "REPL was left (Ctrl-B)", c->name,
			 sh && sh->prompt ? hilt_pattern_source(sh->prompt) : "?", t);
		break;
	}
	python_clear(s);
}

/* The case_kinds table, below the hooks. */
static const struct case_kind case_kinds[] = {
	[HILT_CASE_MILESTONE] = { begin_milestone, milestone_matched, milestone_timeout },
	[HILT_CASE_STEP] = { begin_step, step_event, step_timeout },
	[HILT_CASE_HTTP] = { begin_http, NULL, NULL },
	[HILT_CASE_INTERRUPT] = { begin_interrupt, interrupt_event, interrupt_timeout },
	[HILT_CASE_PYTHON] = { begin_python, python_event, python_timeout },
};

static const struct case_kind *kind_of(const struct hilt_case *c)
{
	return &case_kinds[c->kind];
}

/* Records the first output file that could not be written in full; the
 * run reports it and ends with an infrastructure status. */
static void output_failed(void *arg, const char *what)
{
	struct hilt_session *s = arg;

	if (!s->result->output_error)
		s->result->output_error = strdup(what);
}

/* Closes *f (path); an error now or earlier (e) is reported, once. */
static void close_output(struct hilt_session *s, FILE **f, const char *path, int e)
{
	char what[4200];

	if (!*f || !(e = hilt_fclose_checked(f, e)))
		return;
	snprintf(what, sizeof(what), "cannot write %s: %s", path, strerror(e));
	output_failed(s, what);
}

static void log_chunk(struct hilt_session *s, const char *buf, size_t n)
{
	int64_t now = hilt_now_ns();

	errno = 0;
	if (s->log && fwrite(buf, 1, n, s->log) != n)
		close_output(s, &s->log, s->result->console_log, errno ? errno : EIO);
	errno = 0;
	if (s->timing &&
	    fprintf(s->timing, "%.6f %zu\n", (double)(now - s->last_log_ns) / 1e9, n) < 0)
		close_output(s, &s->timing, s->timing_path, errno ? errno : EIO);
	s->last_log_ns = now;
}

/* The raw bytes go to the log; the tail and the matcher see what the
 * suite matches on (without escape sequences when it says so), so that
 * match offsets and the lines reported agree. */
static void consume(struct hilt_session *s, char *buf, size_t n)
{
	log_chunk(s, buf, n);
	if (s->suite->strip_ansi)
		n = hilt_ansi_strip(&s->ansi, buf, n, buf);
	hilt_tail_append(s->tail, buf, n);
	/* Once ended, output is still logged but no longer judged. */
	while (n && s->state == SESSION_RUNNING) {
		size_t took = hilt_matcher_feed(s->matcher, buf, n);

		buf += took;
		n -= took;
		process_matches(s);
	}
}

/* Reads what the console has, at most max_reads chunks (0: until it has
 * no more), so that one fast console cannot starve the loop.  Returns
 * false at EOF or error. */
static bool read_console(struct hilt_session *s, unsigned max_reads)
{
	/* One buffer serves every session: a read is consumed before the
	 * next one happens. */
	static char buf[READ_SIZE];

	for (unsigned reads = 0; !max_reads || reads < max_reads; reads++) {
		ssize_t n = s->ops->console_read ? s->ops->console_read(s->target, buf, READ_SIZE)
						 : read(s->console_fd, buf, READ_SIZE);

		if (n < 0 && s->ops->console_read) {
			errno = (int)-n;
			n = -1;
		}
		if (n > 0) {
			consume(s, buf, (size_t)n);
			if (s->state == SESSION_DONE)
				return true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		return false;
	}
	return true;
}

static void target_gone(struct hilt_session *s, enum hilt_target_state st,
			const char *why);

static void on_aux(struct hilt_loop *loop, int fd, short revents, void *arg);
static void on_console(struct hilt_loop *loop, int fd, short revents, void *arg);

/* Watches the aux fds the target has now, and no others. */
static void watch_aux(struct hilt_session *s)
{
	int fds[4];
	size_t n = s->ops->aux_fds ? s->ops->aux_fds(s->target, fds, 4) : 0;

	for (size_t i = 0; i < s->naux; i++) {
		bool still = false;

		for (size_t j = 0; j < n; j++)
			still |= fds[j] == s->aux[i];
		if (!still)
			hilt_loop_del_fd(s->loop, s->aux[i]);
	}
	for (size_t j = 0; j < n; j++) {
		bool had = false;

		for (size_t i = 0; i < s->naux; i++)
			had |= fds[j] == s->aux[i];
		if (!had)
			hilt_loop_add_fd(s->loop, fds[j], POLLIN, on_aux, s);
	}
	memcpy(s->aux, fds, n * sizeof(*fds));
	s->naux = n;
}

/* The console is back after a gap: watch its new fd; the gap is reported
 * with the session and with every failure after it. */
static void console_back(struct hilt_session *s, const char *why)
{
	char name[32];

	s->console_fd = s->ops->console_fd(s->target);
	/* What was not typed yet went with the old console. */
	s->typing_off = s->typing_len = 0;
	s->want_out = false;
	hilt_loop_add_fd(s->loop, s->console_fd, POLLIN, on_console, s);
	snprintf(name, sizeof(name), "console.gap.%u", ++s->console_gaps);
	hilt_result_add_property(s->result, name, why);
	free(s->console_note);
	s->console_note = strdup(why);
}

static void on_console(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_session *s = arg;
	char why[1024];

	if ((revents & POLLOUT) && (flush_typing(s) < 0 || s->state == SESSION_DONE))
		return;
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (read_console(s, 16) || s->state == SESSION_DONE)
		return;
	hilt_loop_del_fd(loop, fd);
	s->console_fd = -1;
	/* EOF: the target says whether that ends it (a recorded log) or
	 * whether its supervision will tell (an emulator exiting). */
	enum hilt_target_state st = s->ops->console_eof(s->target, why, sizeof(why));

	if (st != HILT_TARGET_RUNNING)
		target_gone(s, st, why);
	else
		watch_aux(s);
}

/* No more output will come: what waited for a byte after its end (a `$`
 * or a greedy `\S+` at the very end of a log) is decided now. */
static void output_ended(struct hilt_session *s)
{
	if (s->state != SESSION_RUNNING)
		return;
	hilt_matcher_finish(s->matcher);
	process_matches(s);
}

static void target_gone(struct hilt_session *s, enum hilt_target_state st,
			const char *why)
{
	output_ended(s);
	if (s->state == SESSION_DONE)
		return;
	if (s->state == SESSION_ENDING) {
		finish(s);
		return;
	}
	const char *diag = s->ops->diagnostics ? s->ops->diagnostics(s->target) : "";

	if (st == HILT_TARGET_GONE_INFRA)
		end_early(s, HILT_ERROR, "infrastructure", *diag ? diag : NULL, why);
	else
		end_early(s, HILT_FAIL, "device-gone", NULL, why);
}

/* What the target's state now means for the session. */
static void target_state(struct hilt_session *s, enum hilt_target_state st, const char *why)
{
	if (s->state == SESSION_DONE)
		return;
	if (st == HILT_TARGET_CONSOLE_BACK)
		console_back(s, why);
	if (st == HILT_TARGET_RUNNING || st == HILT_TARGET_CONSOLE_BACK) {
		/* An aux fd the target closed is no longer watched. */
		watch_aux(s);
		return;
	}
	/* Whatever the device printed before it went must be judged first. */
	if (s->console_fd >= 0)
		read_console(s, 64);	/* at most 8 MiB: a flood is not waited out */
	if (s->state != SESSION_DONE)
		target_gone(s, st, why);
}

static void on_aux(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_session *s = arg;
	char why[1024];

	(void)loop;
	(void)revents;
	target_state(s, s->ops->handle_aux(s->target, fd, why, sizeof(why)), why);
}

/* The target tells of a change from its own timers (env->changed). */
static void target_changed(void *arg, enum hilt_target_state st, const char *why)
{
	target_state(arg, st, why);
}

static void session_timeout(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->session_timer = 0;
	if (s->state != SESSION_RUNNING)
		return;
	char why[128];

	snprintf(why, sizeof(why), "the suite's timeout of %g s ran out", suite_timeout_s(s));
	end_early(s, HILT_FAIL, "suite-timeout", NULL, why);
}

static void add_property_cb(void *arg, const char *name, const char *value)
{
	hilt_result_add_property(arg, name, value);
}

static void unwatch_fds(struct hilt_session *s)
{
	if (s->console_fd >= 0)
		hilt_loop_del_fd(s->loop, s->console_fd);
	s->console_fd = -1;
	for (size_t i = 0; i < s->naux; i++)
		hilt_loop_del_fd(s->loop, s->aux[i]);
	s->naux = 0;
}

static void target_stopped(void *arg);

static void tell_done(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->done_timer = 0;
	if (s->opts.on_done)
		s->opts.on_done(s, s->opts.arg);
}

static void finish(struct hilt_session *s)
{
	if (s->state == SESSION_DONE)
		return;
	if (s->state == SESSION_ENDING) {
		s->state = SESSION_RUNNING;	/* so report_failure may set cases */
		report_failure(s);
	}
	s->state = SESSION_DONE;
	cancel_case_timer(s);
	/* A probe still under way ends with the session. */
	hilt_http_free(s->probe);
	s->probe = NULL;
	if (s->session_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->session_timer);
	if (s->grace_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->grace_timer);
	if (s->rescan_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->rescan_timer);
	s->session_timer = s->grace_timer = s->rescan_timer = 0;
	unwatch_fds(s);
	s->result->time_s = since_power_on(s, hilt_now_ns());
	/* Teardown (QEMU's grace, a board's power-off) goes on from the
	 * loop; the session is told done once the target is off. */
	if (s->target && !s->ops->stop(s->target, s->hurry))
		return;
	target_stopped(s);
}

/* The target is off: what it tells of itself completes the result. */
static void target_stopped(void *arg)
{
	struct hilt_session *s = arg;

	if (s->target) {
		if (s->ops->describe)
			s->ops->describe(s->target, add_property_cb, s->result);
		const char *diag = s->ops->diagnostics ? s->ops->diagnostics(s->target) : "";

		s->result->diagnostics = strdup(diag);
	}
	size_t n;
	const char *tail = hilt_tail_data(s->tail, &n);

	free(s->result->console_tail);
	s->result->console_tail = malloc(n + 1);
	if (s->result->console_tail) {
		memcpy(s->result->console_tail, tail, n);
		s->result->console_tail[n] = '\0';
		s->result->console_tail_len = n;
	}
	/* The files are complete: closed now, so a run of many sessions
	 * holds only the open ones', and a late write error is seen. */
	close_output(s, &s->log, s->result->console_log, 0);
	close_output(s, &s->timing, s->timing_path, 0);
	if (s->result->output_error) {
		char *diag = NULL;

		hilt_result_add_property(s->result, "output.error", s->result->output_error);
		if (asprintf(&diag, "%s%shilt: %s\n", s->result->diagnostics ? s->result->diagnostics : "",
			     s->result->diagnostics && *s->result->diagnostics ? "\n" : "",
			     s->result->output_error) >= 0) {
			free(s->result->diagnostics);
			s->result->diagnostics = diag;
		}
	}
	add_wall_clock(s, "session.ended");
	/* Told from the loop, never inside the call that ended the session
	 * (a start that failed, an abort): the caller's state stays its own. */
	s->done_timer = hilt_loop_add_timer(s->loop, hilt_now_ns(), tell_done, s);
	if (s->done_timer < 0) {
		s->done_timer = 0;
		tell_done(s->loop, s);
	}
}

char *hilt_session_stem(const char *suite, const char *target, size_t max,
			char *const *used, size_t nused)
{
	char *stem, *out = NULL;

	if (asprintf(&stem, "%s@%s", suite, target) < 0)
		return NULL;
	for (char *p = stem; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("@._-", *p)))
			*p = '_';
	/* Room for the "-N" that tells apart what would clash. */
	if (strlen(stem) > max - 12)
		stem[max - 12] = '\0';
	for (unsigned n = 1; !out; n++) {
		bool taken = false;

		if (n == 1)
			out = strdup(stem);
		else if (asprintf(&out, "%s-%u", stem, n) < 0)
			out = NULL;
		if (!out)
			break;
		for (size_t i = 0; i < nused && !taken; i++)
			taken = strcmp(used[i], out) == 0;
		if (taken) {
			free(out);
			out = NULL;
		}
	}
	free(stem);
	return out;
}

int hilt_session_new(struct hilt_loop *loop, const struct hilt_suite *suite,
		     const struct hilt_target_config *cfg,
		     const struct hilt_session_opts *opts,
		     struct hilt_session **out, char *err, size_t errlen)
{
	struct hilt_session *s = calloc(1, sizeof(*s));
	int rc = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->suite = suite;
	s->cfg = cfg;
	s->opts = *opts;
	s->console_fd = -1;
	s->ops = cfg->ops;
	if (!s->ops) {
		snprintf(err, errlen, "%s: unknown target kind '%s'", cfg->source, cfg->kind);
		rc = -EINVAL;
		goto err_free;
	}
	s->result = calloc(1, sizeof(*s->result));
	if (!s->result || !(s->result->cases = calloc(suite->ncases, sizeof(*s->result->cases))))
		goto err_free;
	s->result->ncases = suite->ncases;
	s->result->suite = strdup(suite->name);
	s->result->target = strdup(cfg->name);
	for (size_t i = 0; i < suite->ncases; i++) {
		s->result->cases[i].name = strdup(suite->cases[i].name);
		s->result->cases[i].verdict = HILT_SKIP;
		s->result->cases[i].at_s = -1;
		if (!s->result->cases[i].name)
			goto err_free;
	}
	if (!s->result->suite || !s->result->target)
		goto err_free;
	s->scale = opts->timeout_scale > 0 ? opts->timeout_scale : 1;
	s->result->attempt = opts->attempt ? opts->attempt : 1;
	s->start_ns = 0;
	if (hilt_matcher_new(WINDOW_CAP, &s->matcher) ||
	    hilt_tail_new(CONSOLE_TAIL_CAP, &s->tail))
		goto err_free;
	if (hilt_pattern_compile("\\n", &s->line_end, err, errlen) ||
	    hilt_pattern_compile("raw REPL; CTRL-B to exit\\r?\\n>", &s->raw_banner, err, errlen) ||
	    hilt_pattern_compile("OK", &s->raw_ok, err, errlen) ||
	    hilt_pattern_compile("\\x04", &s->raw_eot, err, errlen))
		goto err_free;
	s->failure_seen = calloc(suite->nfailures + 1, sizeof(*s->failure_seen));
	if (!s->failure_seen)
		goto err_free;
	for (size_t i = 0; i < suite->nfailures; i++)
		if (hilt_matcher_watch(s->matcher, suite->failures[i].pattern,
				       WATCH_FAILURE0 + (int)i, 0))
			goto err_free;
	char *stem = opts->stem ? strdup(opts->stem)
				: hilt_session_stem(suite->name, cfg->name, 200, NULL, 0);

	if (!stem || asprintf(&s->result->console_log, "%s/%s.console.log",
			      opts->out_dir, stem) < 0 ||
	    asprintf(&s->timing_path, "%s/%s.console.timing", opts->out_dir, stem) < 0 ||
	    asprintf(&s->pcap_path, "%s/%s.pcap", opts->out_dir, stem) < 0) {
		free(stem);
		s->result->console_log = NULL;
		s->timing_path = NULL;
		goto err_free;
	}
	free(stem);
	hilt_result_add_property(s->result, "suite.file", suite->path);
	hilt_result_add_property(s->result, "target", cfg->name);
	hilt_result_add_property(s->result, "target.kind", cfg->kind);
	hilt_result_add_property(s->result, "target.source", cfg->source);
	/* Named relative to the JUnit, which is beside it: it holds inside CI
	 * artifacts, wherever they are unpacked. */
	hilt_result_add_property(s->result, "console.log", strrchr(s->result->console_log, '/') + 1);
	rc = s->ops->new_target(cfg, &s->target, err, errlen);
	if (rc)
		goto err_free;
	*out = s;
	return 0;

err_free:
	hilt_session_free(s);
	return rc;
}

/* The target's start ended: the checking begins, or the session ends
 * with the reason. */
static void target_started(void *arg, const struct hilt_target_started *st)
{
	struct hilt_session *s = arg;
	char num[32];

	if (s->state != SESSION_STARTING)
		return;
	s->state = SESSION_RUNNING;
	if (st->rc < 0) {
		const char *diag = s->ops->diagnostics ? s->ops->diagnostics(s->target) : "";

		/* An image found unsound before flashing is the firmware's
		 * fault; the suite may say a refused image is too. */
		if (st->rc == HILT_TARGET_BAD_IMAGE)
			set_case(s, 0, HILT_FAIL, "image", NULL,
				 "target '%s' was not flashed: %s", s->cfg->name, st->err);
		else if (st->rc == HILT_TARGET_FLASH_REFUSED && s->suite->flash_failure_fails)
			set_case(s, 0, HILT_FAIL, "flash", *diag ? diag : NULL,
				 "target '%s' was not flashed: %s", s->cfg->name, st->err);
		else
			set_case(s, 0, HILT_ERROR, "infrastructure", *diag ? diag : NULL,
				 "target '%s' did not start: %s", s->cfg->name, st->err);
		skip_rest(s, 1, "not run: target '%s' did not start", s->cfg->name);
		s->current = s->suite->ncases;
		finish(s);
		return;
	}
	/* Milestone times and deadlines count from the end of the target's
	 * start: the device is powered on or out of reset.  Its flashing,
	 * power cycling and a board's wait for its lock are reported apart. */
	s->power_on_ns = hilt_now_ns();
	snprintf(num, sizeof(num), "%.3f", (double)(s->power_on_ns - s->start_ns) / 1e9);
	hilt_result_add_property(s->result, "session.start_time", num);
	if (st->wait_s > 0) {
		snprintf(num, sizeof(num), "%.3f", st->wait_s);
		hilt_result_add_property(s->result, "session.wait_time", num);
	}
	s->case_start_ns = s->power_on_ns;
	/* The timing file counts from power-on too. */
	s->last_log_ns = s->power_on_ns;
	s->console_fd = s->ops->console_fd(s->target);
	hilt_loop_add_fd(s->loop, s->console_fd, POLLIN, on_console, s);
	watch_aux(s);
	s->session_timer = hilt_loop_add_timer(s->loop,
					       s->power_on_ns + (int64_t)(suite_timeout_s(s) * 1e9),
					       session_timeout, s);
	begin_case(s);
}

void hilt_session_start(struct hilt_session *s)
{
	char err[1024];
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	s->result->timestamp = strdup(ts);
	s->state = SESSION_STARTING;
	add_wall_clock(s, "session.began");
	s->start_ns = s->last_log_ns = hilt_now_ns();
	s->case_start_ns = s->start_ns;
	s->env = (struct hilt_target_env){
		.loop = s->loop,
		.pcap_path = s->opts.pcap ? s->pcap_path : NULL,
		.output_failed = output_failed,
		.started = target_started,
		.stopped = target_stopped,
		.changed = target_changed,
		.arg = s,
	};
	/* Opened now, not when the run was set up: a run of many sessions
	 * holds the files of those under way only. */
	s->log = hilt_fopen_out(s->result->console_log);
	s->timing = s->log ? hilt_fopen_out(s->timing_path) : NULL;
	if (!s->log || !s->timing) {
		snprintf(err, sizeof(err), "cannot write %s: %s",
			 s->log ? s->timing_path : s->result->console_log,
			 hilt_fopen_out_error(errno));
		s->state = SESSION_RUNNING;
		output_failed(s, err);
		set_case(s, 0, HILT_ERROR, "infrastructure", NULL, "%s", err);
		skip_rest(s, 1, "not run: %s", err);
		s->current = s->suite->ncases;
		finish(s);
		return;
	}

	int rc = s->ops->start(s->target, &s->env, err, sizeof(err));

	if (rc < 0) {
		struct hilt_target_started st = { .rc = rc, .err = err };

		target_started(s, &st);
	}
}

void hilt_session_abort(struct hilt_session *s, const char *why)
{
	if (s->state == SESSION_DONE)
		return;
	s->hurry = true;
	if (s->state == SESSION_NEW || s->state == SESSION_STARTING) {
		s->state = SESSION_RUNNING;
		s->current = 0;
	}
	if (s->state == SESSION_ENDING) {
		finish(s);
		return;
	}
	end_early(s, HILT_ERROR, "interrupted", NULL, why);
}

const char *hilt_session_current_case(const struct hilt_session *s)
{
	if (s->state != SESSION_RUNNING || s->current >= s->suite->ncases)
		return NULL;
	return s->suite->cases[s->current].name;
}

struct hilt_session_result *hilt_session_take_result(struct hilt_session *s)
{
	struct hilt_session_result *r = s->result;

	s->result = NULL;
	return r;
}

int hilt_session_done(const struct hilt_session *s)
{
	return s->state == SESSION_DONE;
}

const struct hilt_session_result *hilt_session_result(const struct hilt_session *s)
{
	return s->result;
}

void hilt_session_free(struct hilt_session *s)
{
	if (!s)
		return;
	if (s->target)
		s->ops->free_target(s->target);
	free(s->failure_seen);
	if (s->log)
		fclose(s->log);
	if (s->timing)
		fclose(s->timing);
	for (size_t i = 0; i < s->nvars; i++) {
		free(s->var_names[i]);
		free(s->var_values[i]);
	}
	free(s->var_names);
	free(s->var_values);
	hilt_pattern_free(s->step_expect_owned);
	hilt_pattern_free(s->line_end);
	pace_stop(s);
	python_clear(s);
	hilt_pattern_free(s->raw_banner);
	hilt_pattern_free(s->raw_ok);
	hilt_pattern_free(s->raw_eot);
	hilt_matcher_free(s->matcher);
	hilt_http_free(s->probe);
	hilt_http_free(s->old_probe);
	free(s->probe_url);
	if (s->done_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->done_timer);
	free(s->pcap_path);
	free(s->timing_path);
	free(s->sent);
	free(s->typing);
	free(s->console_note);
	hilt_tail_free(s->tail);
	hilt_session_result_free(s->result);
	free(s);
}
