/* Shared boots (session.h, struct hilt_boot): a target kept running
 * between the sessions of one boot, lent to each in turn, and the shell
 * check that begins a session on it.  (The map of the session's files is
 * in session_int.h.) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/engine/kreport.h"
#include "runner/engine/session_int.h"
#include "targets/config.h"

/* ---- the boot between sessions ---- */

/* The target tells of a change while no session runs on it: it went
 * away (an emulator that exited); the next session is not lent it. */
static void idle_changed(void *arg, enum hilt_target_state st, const char *why)
{
	struct hilt_boot *b = arg;

	if (st == HILT_TARGET_GONE_DEVICE || st == HILT_TARGET_GONE_INFRA) {
		b->gone = true;
		free(b->down_why);
		if (asprintf(&b->down_why, "the target went away between suites: %s", why) < 0)
			b->down_why = NULL;
	}
}

static void idle_output_failed(void *arg, const char *what)
{
	(void)arg;
	(void)what;	/* the capture of a shared boot: its sessions say so */
}

static void idle_started(void *arg, const struct hilt_target_started *st)
{
	(void)arg;
	(void)st;
}

static void stop_done_now(struct hilt_loop *loop, void *arg)
{
	struct hilt_boot *b = arg;
	void (*done)(void *) = b->stop_done;

	(void)loop;
	b->stop_timer = 0;
	b->stop_done = NULL;
	if (done)
		done(b->stop_arg);
}

static void idle_stopped(void *arg)
{
	struct hilt_boot *b = arg;

	if (b->target)
		b->ops->free_target(b->target);
	b->target = NULL;
	/* Told from the loop: the caller's state stays its own. */
	b->stop_timer = hilt_loop_add_timer(b->loop, hilt_now_ns(), stop_done_now, b);
	if (b->stop_timer < 0) {
		b->stop_timer = 0;
		stop_done_now(b->loop, b);
	}
}

static void env_idle(struct hilt_boot *b)
{
	b->env.arg = b;
	b->env.started = idle_started;
	b->env.stopped = idle_stopped;
	b->env.changed = idle_changed;
	b->env.output_failed = idle_output_failed;
	b->lent = NULL;
}

int hilt_boot_new(struct hilt_loop *loop, struct hilt_boot **out)
{
	struct hilt_boot *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->loop = loop;
	b->env.loop = loop;
	b->hold_fd = -1;
	env_idle(b);
	*out = b;
	return 0;
}

bool hilt_boot_up(const struct hilt_boot *b)
{
	return b->target && !b->gone;
}

const char *hilt_boot_down_why(const struct hilt_boot *b)
{
	return hilt_boot_up(b) ? NULL : b->down_why;
}

const char *hilt_boot_stem(const struct hilt_boot *b)
{
	return b->stem;
}

unsigned hilt_boot_sessions(const struct hilt_boot *b)
{
	return b->sessions;
}

int hilt_boot_take_hold(struct hilt_boot *b)
{
	int fd = b->hold_fd;

	b->hold_fd = -1;
	return fd;
}

void hilt_boot_give_hold(struct hilt_boot *b, int fd)
{
	if (b->hold_fd >= 0)
		close(b->hold_fd);
	b->hold_fd = fd;
}

void hilt_boot_stop(struct hilt_boot *b, bool hurry, void (*done)(void *arg), void *arg)
{
	b->stop_done = done;
	b->stop_arg = arg;
	if (!b->target || b->lent) {
		idle_stopped(b);
		return;
	}
	env_idle(b);
	if (b->ops->stop(b->target, hurry))
		idle_stopped(b);
}

static void free_boot_vars(struct hilt_boot *b)
{
	hilt_config_strv_free(b->var_names, b->nvars);
	hilt_config_strv_free(b->var_values, b->nvars);
	b->var_names = b->var_values = NULL;
	b->nvars = 0;
}

void hilt_boot_free(struct hilt_boot *b)
{
	if (!b)
		return;
	if (b->target)
		b->ops->free_target(b->target);
	if (b->stop_timer > 0)
		hilt_loop_cancel_timer(b->loop, b->stop_timer);
	free_boot_vars(b);
	if (b->hold_fd >= 0)
		close(b->hold_fd);
	hilt_buf_free(&b->carry);
	free(b->pcap_path);
	free(b->stem);
	free(b->down_why);
	free(b->last_suite);
	free(b);
}

/* ---- a session on it ---- */

void session_boot_borrow(struct hilt_session *s)
{
	struct hilt_boot *b = s->opts.boot;

	s->envp = &b->env;
	if (!hilt_boot_up(b)) {
		/* The boot's session: what an earlier boot held is its own. */
		if (b->hold_fd >= 0 && s->ops->use_hold && s->target) {
			s->ops->use_hold(s->target, b->hold_fd);
			b->hold_fd = -1;
		}
		return;
	}
	s->target = b->target;
	b->target = NULL;
	b->lent = s;
	s->borrowed = true;
}

/* The shell the check types at: the suite's first, else the boot's. */
static const struct hilt_shell *check_shell(const struct hilt_session *s)
{
	return s->suite->nshells ? &s->suite->shells[0] : s->opts.boot->shell;
}

static void ready_timeout(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;
	char why[256];

	(void)loop;
	s->ready_timer = 0;
	snprintf(why, sizeof(why), "%s within %g s",
		 s->ready_marker_seen ? "its marker came back, but not the prompt after it"
				      : "its marker did not come back",
		 HILT_READY_S * s->scale);
	session_ready_failed(s, why);
}

void session_ready_release(struct hilt_session *s)
{
	if (s->ready_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->ready_timer);
	s->ready_timer = 0;
	if (s->ready_re && s->matcher)
		hilt_matcher_unwatch(s->matcher, WATCH_READY);
	hilt_pattern_free(s->ready_re);
	s->ready_re = NULL;
	s->readying = false;
}

void session_ready_failed(struct hilt_session *s, const char *why)
{
	struct hilt_boot *b = s->opts.boot;

	session_ready_release(s);
	s->unready = true;
	if (why)
		session_set_case(s, 0, HILT_ERROR, "shell-check", NULL,
				 "the shell of boot '%s' did not answer hilt's check before the suite%s%s%s: %s",
				 b->stem ? b->stem : "?", b->last_suite ? " (after suite '" : "",
				 b->last_suite ? b->last_suite : "", b->last_suite ? "')" : "", why);
	session_skip_rest(s, 1, "not run: the shell of boot '%s' did not answer",
			  b->stem ? b->stem : "?");
	s->current = s->suite->ncases;
	session_finish(s);
}

void session_ready_begin(struct hilt_session *s)
{
	struct hilt_boot *b = s->opts.boot;
	const struct hilt_shell *sh = check_shell(s);
	char re[64], line[128], err[256];

	b->sessions++;
	hilt_result_add_property(s->result, "session.boot", b->stem ? b->stem : "");
	for (size_t i = 0; i < b->nvars; i++)
		if (session_add_var(s, b->var_names[i], b->var_values[i]) < 0)
			break;
	s->readying = true;
	if (!sh) {
		session_ready_failed(s, "neither the suite nor its boot has a <shell prompt=...>");
		return;
	}
	/* The marker's number counts the checks of this boot: the same in a
	 * recording of the run, so a replay of it finds each. */
	unsigned n = ++b->checks;

	snprintf(re, sizeof(re), "^hilt-ready-%u\\r?$", n);
	if (hilt_pattern_compile(re, &s->ready_re, err, sizeof(err)) < 0) {
		session_ready_failed(s, err);
		return;
	}
	hilt_matcher_watch(s->matcher, s->ready_re, WATCH_READY, hilt_matcher_offset(s->matcher));
	s->ready_timer = hilt_loop_add_timer(s->loop, hilt_now_ns() +
					     (int64_t)(HILT_READY_S * s->scale * 1e9),
					     ready_timeout, s);
	/* What the last session read past its end is this one's (a
	 * recording's marker and all, read ahead). */
	if (hilt_buf_len(&b->carry)) {
		struct hilt_buf carry = b->carry;

		b->carry = (struct hilt_buf){ 0 };
		session_feed(s, (char *)hilt_buf_str(&carry), hilt_buf_len(&carry));
		hilt_buf_free(&carry);
		if (!s->readying || s->state != SESSION_RUNNING)
			return;
	}
	/* The quotes keep the typed line (its echo) from matching.  A
	 * recording holds what the live run typed and read. */
	snprintf(line, sizeof(line), "echo hilt-ready-''%u%s", n, sh->line_end);
	if (!s->ops->recorded)
		session_type(s, line);
}

void session_ready_matched(struct hilt_session *s, const struct hilt_match *m)
{
	const struct hilt_shell *sh = check_shell(s);
	char num[32];

	if (!s->readying)
		return;
	if (!s->ready_marker_seen) {
		/* Then the prompt after it: the first case types at that. */
		s->ready_marker_seen = true;
		hilt_matcher_unwatch(s->matcher, WATCH_READY);
		hilt_matcher_watch(s->matcher, sh->prompt, WATCH_READY, m->end);
		return;
	}
	s->cursor = m->end;
	s->last_match_start = m->start;
	snprintf(num, sizeof(num), "%.3f", (double)(hilt_now_ns() - s->power_on_ns) / 1e9);
	hilt_result_add_property(s->result, "session.shell_check", num);
	session_ready_release(s);
	session_begin_case(s);
}

/* Why a session's target is not fit for the next suite, or NULL. */
static char *unfit_why(const struct hilt_session *s)
{
	const struct hilt_session_result *r = s->result;
	char *why = NULL;
	int rc = 0;

	if (s->hurry)
		rc = asprintf(&why, "suite '%s' was interrupted", r->suite);
	else if (s->unready && s->opts.boot->last_suite)
		rc = asprintf(&why, "the shell did not answer hilt's check after suite '%s'",
			      s->opts.boot->last_suite);
	else if (s->unready)
		rc = asprintf(&why, "the shell did not answer hilt's check before suite '%s'",
			      r->suite);
	else if (s->console_ended)
		rc = asprintf(&why, "the console ended in suite '%s'", r->suite);
	else if (s->console_gaps)
		rc = asprintf(&why, "the console went away in suite '%s' (%s)", r->suite,
			      s->console_note ? s->console_note : "");
	/* A boot's own findings are its session's: booting again would
	 * meet them again.  A suite's make the next suite start afresh. */
	else if (s->kr_nseen && s->borrowed)
		rc = asprintf(&why, "suite '%s' met a kernel finding: %s", r->suite,
			      s->kr_seen[0].f->title);
	for (size_t i = 0; !why && rc >= 0 && i < r->ncases; i++) {
		const struct hilt_case_result *c = &r->cases[i];

		if (c->verdict == HILT_FAIL || c->verdict == HILT_ERROR)
			rc = asprintf(&why, "suite '%s' %s in case '%s'%s%s", r->suite,
				      c->verdict == HILT_FAIL ? "failed" : "had an error", c->name,
				      c->message ? ": " : "", c->message ? c->message : "");
	}
	return rc < 0 ? strdup("out of memory") : why;
}

bool session_boot_keep(struct hilt_session *s)
{
	struct hilt_boot *b = s->opts.boot;
	char *why = unfit_why(s);

	if (!s->borrowed) {
		/* The session that booted it. */
		b->sessions = 1;
		free(b->stem);
		b->stem = strdup(strrchr(s->result->console_log, '/') + 1);
		if (b->stem && strstr(b->stem, ".console.log"))
			*strstr(b->stem, ".console.log") = '\0';
		b->shell = s->suite->nshells ? &s->suite->shells[s->suite->nshells - 1] : NULL;
		b->ops = s->ops;
		free_boot_vars(b);
		for (size_t i = 0; !why && i < s->nvars; i++) {
			char **n = realloc(b->var_names, (b->nvars + 1) * sizeof(*n));
			char **v = n ? realloc(b->var_values, (b->nvars + 1) * sizeof(*v)) : NULL;

			if (n)
				b->var_names = n;
			if (v)
				b->var_values = v;
			if (!n || !v || !(n[b->nvars] = strdup(s->var_names[i])))
				break;
			if (!(v[b->nvars] = strdup(s->var_values[i]))) {
				free(n[b->nvars]);
				break;
			}
			b->nvars++;
		}
	}
	free(b->down_why);
	b->down_why = why;
	hilt_buf_reset(&b->carry);
	free(b->last_suite);
	b->last_suite = strdup(s->suite->name);
	if (why || !s->target || b->gone) {
		/* Powered off, but still held for the group's next boot. */
		if (s->target && s->ops->keep_hold && !s->hurry) {
			if (b->hold_fd >= 0)
				close(b->hold_fd);
			b->hold_fd = s->ops->keep_hold(s->target);
		}
		return false;
	}
	/* What the matcher was fed past where the last case ended. */
	uint64_t to = hilt_matcher_offset(s->matcher);

	if (to > s->cursor) {
		size_t len = (size_t)(to - s->cursor);
		char *tmp = malloc(len + 1);

		if (tmp) {
			len = hilt_matcher_copy(s->matcher, s->cursor, to, tmp, len + 1);
			hilt_buf_append(&b->carry, tmp, len);
			free(tmp);
		}
	}
	b->target = s->target;
	s->target = NULL;
	s->kept = true;
	env_idle(b);
	return true;
}

void session_boot_release(struct hilt_session *s)
{
	struct hilt_boot *b = s->opts.boot;

	if (b && b->lent == s)
		env_idle(b);
}

void session_boot_carry(struct hilt_session *s, const char *buf, size_t n)
{
	if (s->kept && n)
		hilt_buf_append(&s->opts.boot->carry, buf, n);
}
