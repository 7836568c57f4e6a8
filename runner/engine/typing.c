/* Console input: what a case types is written as the console takes it
 * (the rest once its fd is writable; nothing waits), or paced for a
 * small receive FIFO (<shell pace="N">): chunk by chunk, each once the
 * last one's echo is back, or by time where nothing echoes.  (The map of
 * the session's files is in session_int.h.) */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/engine/session_int.h"

/* Without an echo to wait for (the raw REPL, echo="false"), paced chunks
 * go this often, as mpremote paces its raw REPL writes. */
#define PACE_INTERVAL_NS (10 * 1000000LL)

/* Writes what the console takes now of what was typed; the rest when
 * its fd is writable (the loop watches for that meanwhile): nothing
 * waits.  A device that stops reading is caught by the step's deadline.
 * A failed write is the case's infrastructure error (the session moves
 * on): then -EIO. */
int session_flush_typing(struct hilt_session *s)
{
	ssize_t n = 0;

	while (hilt_buf_len(&s->typing)) {
		n = s->ops->console_write(s->target, hilt_buf_str(&s->typing),
					  hilt_buf_len(&s->typing));
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		hilt_buf_consume(&s->typing, (size_t)n);
	}
	if (n < 0 && n != -EAGAIN)
		goto failed;
	bool held = hilt_buf_len(&s->typing) > 0;

	if (!held && s->ops->console_flush) {
		n = s->ops->console_flush(s->target);
		if (n < 0)
			goto failed;
		held = n > 0;
	}
	if (held != s->want_out && s->console_fd >= 0) {
		hilt_loop_mod_fd(s->loop, s->console_fd, held ? POLLIN | POLLOUT : POLLIN);
		s->want_out = held;
	}
	return 0;

failed:
	hilt_buf_reset(&s->typing);
	session_set_case(s, s->current, HILT_ERROR, "infrastructure", NULL,
			 "writing to the console failed: %s", strerror((int)-n));
	session_next_case(s);
	return -EIO;
}

int session_type(struct hilt_session *s, const char *text)
{
	if (hilt_buf_appends(&s->typing, text) < 0) {
		session_set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
		session_next_case(s);
		return -EIO;
	}
	return session_flush_typing(s);
}

/* Queues text to be written once the console is writable, from the loop:
 * for what a case types as it ends (Ctrl-C to a script that ran out of
 * time), whose write must not end the case a second time. */
static void console_queue(struct hilt_session *s, const char *text)
{
	if (s->ops->recorded || s->console_fd < 0)
		return;
	if (hilt_buf_appends(&s->typing, text) < 0)
		return;	/* a courtesy to the device only */
	if (!s->want_out) {
		hilt_loop_mod_fd(s->loop, s->console_fd, POLLIN | POLLOUT);
		s->want_out = true;
	}
}

void session_pace_stop(struct hilt_session *s)
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
		session_pace_stop(s);
		if (after && *after)
			session_type(s, after);
		free(after);
		return;
	}
	if (n > s->pace)
		n = s->pace;
	memcpy(chunk, s->paced + s->paced_off, n);
	chunk[n] = '\0';
	s->paced_off += n;
	/* A failed write ends the case (and the pacing with it). */
	if (session_type(s, chunk) < 0)
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
		session_set_case(s, s->current, HILT_ERROR, "runner", NULL,
				 "cannot wait for the echo of \"%s\": %s", chunk, quoted ? err : "out of memory");
		session_next_case(s);
		return;
	}
	free(quoted);
	hilt_matcher_watch(s->matcher, s->pace_echo_re, WATCH_PACE, s->pace_from);
}

void session_pace_echoed(struct hilt_session *s, const struct hilt_match *m)
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
			session_set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
			session_next_case(s);
			return -EIO;
		}
		int rc = session_type(s, full);

		free(full);
		return rc;
	}
	session_pace_stop(s);
	s->paced = strdup(text);
	s->pace_after = strdup(after);
	if (!s->paced || !s->pace_after) {
		session_pace_stop(s);
		session_set_case(s, s->current, HILT_ERROR, "runner", NULL, "out of memory");
		session_next_case(s);
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

/* What the session lends a case (runner/cases/case.h): typing. */

int hilt_run_type(struct hilt_case_run *run, const char *text)
{
	return session_type(run->s, text);
}

int hilt_run_type_paced(struct hilt_case_run *run, const char *text, const char *after,
			bool echo, uint64_t echo_from)
{
	struct hilt_session *s = run->s;

	return shell_type(s, hilt_case_shell(s->suite, run->c), text, after, echo, echo_from);
}

void hilt_run_queue(struct hilt_case_run *run, const char *text)
{
	console_queue(run->s, text);
}

bool hilt_run_paced(const struct hilt_case_run *run, struct hilt_paced *p)
{
	const struct hilt_session *s = run->s;

	if (!s->paced || !s->pace_echo)
		return false;
	*p = (struct hilt_paced){
		.text = s->paced, .typed = s->paced_off, .len = s->paced_len, .pace = s->pace,
	};
	return true;
}
