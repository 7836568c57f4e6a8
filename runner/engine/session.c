/* A session's lifecycle: one suite on one target, driven by the event
 * loop.  The session's files (session_int.h maps them):
 *
 *   session.c          this: new, start (the target's start ended:
 *                      checking begins), the console read, logged and
 *                      fed to the matcher, the aux fds and the target's
 *                      state changes, the suite's deadline, finish (the
 *                      target stopped, the result completed), abort, free
 *   session_verdict.c  a case's verdict, the rest skipped, a session
 *                      ended early, failure patterns
 *   session_case.c     the case under way, driven through its kind's ops
 *                      (runner/cases/), and what the session lends it
 *   session_findings.c the kernel report reader beside the matcher
 *   typing.c           console input, paced or at once */
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
#include "targets/timing.h"
#include "base/ansi.h"
#include "runner/engine/http.h"
#include "runner/engine/matcher.h"
#include "runner/engine/session_int.h"
#include "base/outfile.h"
#include "base/tail.h"
#include "base/text.h"

#define WINDOW_CAP (256 * 1024)
/* Reads of a fast console (a replay) are this large: fewer system calls;
 * a serial line or an emulator returns what it has, far less. */
#define READ_SIZE (128 * 1024)
#define CONSOLE_TAIL_CAP (64 * 1024)
/* The matcher is fed at most this much at a time (it would take half its
 * window, 128 KiB): a match of up to TAIL_STEP bytes found after a feed
 * is still whole in the tail, lines and all. */
#define TAIL_STEP (CONSOLE_TAIL_CAP / 2)

/* The suite's deadline, scaled for the target. */
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
	if (s->timing && hilt_timing_write(s->timing, now - s->last_log_ns, n) < 0)
		close_output(s, &s->timing, s->timing_path, errno ? errno : EIO);
	s->last_log_ns = now;
	hilt_watch_feed(s->watch, buf, n);
}

/* The raw bytes go to the log; the tail and the matcher see what the
 * suite matches on (without escape sequences when it says so), so that
 * match offsets and the lines reported agree.  The tail takes the bytes
 * as the matcher does, TAIL_STEP at most at a time: at a match it ends
 * where the matcher has read, so the lines of the match are still in it
 * (a read is larger than the tail: appended at once, it would push them
 * out before they are quoted). */
void session_feed(struct hilt_session *s, char *buf, size_t n)
{
	if (s->suite->strip_ansi)
		n = hilt_ansi_strip(&s->ansi, buf, n, buf);
	while (n && s->state == SESSION_RUNNING) {
		size_t took = hilt_matcher_feed(s->matcher, buf, n < TAIL_STEP ? n : TAIL_STEP);

		hilt_tail_append(s->tail, buf, took);
		session_findings_feed(s, buf, took);
		session_case_output(s, buf, took, hilt_tail_total(s->tail) - took);
		buf += took;
		n -= took;
		session_process_matches(s);
		session_findings_check(s);
	}
	/* Once ended, output is still logged but no longer judged; a
	 * failure pattern's trace is kept while it comes, and read for
	 * kernel reports (a panic's).  On a shared boot that stays up, it
	 * is the next session's. */
	if (!n)
		return;
	hilt_tail_append(s->tail, buf, n);
	if (s->state == SESSION_ENDING) {
		session_failure_collect(s, buf, n);
		session_findings_feed(s, buf, n);
	}
	session_boot_carry(s, buf, n);
}

static void consume(struct hilt_session *s, char *buf, size_t n)
{
	log_chunk(s, buf, n);
	session_feed(s, buf, n);
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
	hilt_buf_reset(&s->typing);
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

	if ((revents & POLLOUT) && (session_flush_typing(s) < 0 || s->state == SESSION_DONE))
		return;
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (read_console(s, 16) || s->state == SESSION_DONE)
		return;
	hilt_loop_del_fd(loop, fd);
	s->console_fd = -1;
	s->console_ended = true;
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
	session_process_matches(s);
	session_findings_check(s);
	/* A case that reads the bytes itself is told there are no more. */
	if (s->state == SESSION_RUNNING)
		session_case_output(s, NULL, 0, hilt_tail_total(s->tail));
	if (s->state == SESSION_RUNNING)
		session_findings_finish(s);
}

static void target_gone(struct hilt_session *s, enum hilt_target_state st,
			const char *why)
{
	output_ended(s);
	if (s->state == SESSION_DONE)
		return;
	if (s->state == SESSION_ENDING) {
		session_finish(s);
		return;
	}
	const char *diag = s->ops->diagnostics ? s->ops->diagnostics(s->target) : "";

	if (st == HILT_TARGET_GONE_INFRA)
		session_end_early(s, HILT_ERROR, "infrastructure", *diag ? diag : NULL, why);
	else
		session_end_early(s, HILT_FAIL, "device-gone", NULL, why);
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
	session_end_early(s, HILT_FAIL, "suite-timeout", NULL, why);
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

/* What the target tells of itself goes into the result, once. */
static void describe(struct hilt_session *s)
{
	if (!s->target || s->described)
		return;
	s->described = true;
	if (s->ops->describe)
		s->ops->describe(s->target, add_property_cb, s->result);
	const char *diag = s->ops->diagnostics ? s->ops->diagnostics(s->target) : "";

	free(s->result->diagnostics);
	s->result->diagnostics = strdup(diag);
}

static void tell_done(struct hilt_loop *loop, void *arg)
{
	struct hilt_session *s = arg;

	(void)loop;
	s->done_timer = 0;
	if (s->opts.on_done)
		s->opts.on_done(s, s->opts.arg);
}

/* Observers are told the session's end and let go. */
static void end_watch(struct hilt_session *s)
{
	char why[600];

	if (!s->watch)
		return;
	snprintf(why, sizeof(why), "the holder let the console go: the session of suite '%.200s' on '%.200s' ended",
		 s->suite->name, s->cfg->name);
	hilt_watch_close(s->watch, why);
	s->watch = NULL;
}

void session_finish(struct hilt_session *s)
{
	if (s->state == SESSION_DONE)
		return;
	if (s->state == SESSION_ENDING) {
		s->state = SESSION_RUNNING;	/* so report_failure may set cases */
		session_report_failure(s);
	}
	s->state = SESSION_DONE;
	session_findings_take(s);
	session_cancel_case_timer(s);
	/* The case under way (a probe still running, say) ends with the
	 * session. */
	session_case_release(s);
	if (s->session_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->session_timer);
	if (s->grace_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->grace_timer);
	if (s->rescan_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->rescan_timer);
	s->session_timer = s->grace_timer = s->rescan_timer = 0;
	session_ready_release(s);
	unwatch_fds(s);
	end_watch(s);
	s->result->time_s = session_since_power_on(s, hilt_now_ns());
	/* A shared boot keeps a target fit for more: described now, while
	 * it runs on. */
	if (s->opts.boot && s->target) {
		describe(s);
		if (session_boot_keep(s)) {
			target_stopped(s);
			return;
		}
	}
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

	describe(s);
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
	s->envp = &s->env;
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
	s->failure_seen = calloc(suite->nfailures + 1, sizeof(*s->failure_seen));
	if (!s->failure_seen)
		goto err_free;
	for (size_t i = 0; i < suite->nfailures; i++)
		if (hilt_matcher_watch(s->matcher, suite->failures[i].pattern,
				       WATCH_FAILURE0 + (int)i, 0))
			goto err_free;
	rc = session_findings_new(s, err, errlen);
	if (rc)
		goto err_free;
	rc = -ENOMEM;
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
	if (opts->boot_reason)
		hilt_result_add_property(s->result, "session.boot.reason", opts->boot_reason);
	if (opts->boot && hilt_boot_up(opts->boot)) {
		session_boot_borrow(s);
	} else {
		rc = s->ops->new_target(cfg, &s->target, err, errlen);
		if (rc)
			goto err_free;
		if (opts->boot)
			session_boot_borrow(s);
	}
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
			session_set_case(s, 0, HILT_FAIL, "image", NULL,
					 "target '%s' was not flashed: %s", s->cfg->name, st->err);
		else if (st->rc == HILT_TARGET_FLASH_REFUSED && s->suite->flash_failure_fails)
			session_set_case(s, 0, HILT_FAIL, "flash", *diag ? diag : NULL,
					 "target '%s' was not flashed: %s", s->cfg->name, st->err);
		else
			session_set_case(s, 0, HILT_ERROR, "infrastructure", *diag ? diag : NULL,
					 "target '%s' did not start: %s", s->cfg->name, st->err);
		session_skip_rest(s, 1, "not run: target '%s' did not start", s->cfg->name);
		s->current = s->suite->ncases;
		session_finish(s);
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
	/* Others may watch a device's console while the session runs (a
	 * second session of the same target, which has the place already,
	 * goes unwatched). */
	if (!s->ops->recorded) {
		char why[300], err[512];

		snprintf(why, sizeof(why), "hilt run: suite '%.200s'", s->suite->name);
		hilt_target_watch_open(s->loop, s->cfg, why, NULL, NULL, &s->watch, err, sizeof(err));
	}
	s->session_timer = hilt_loop_add_timer(s->loop,
					       s->power_on_ns + (int64_t)(suite_timeout_s(s) * 1e9),
					       session_timeout, s);
	if (s->borrowed)
		session_ready_begin(s);
	else
		session_begin_case(s);
}

void session_env_attach(struct hilt_session *s)
{
	const char *pcap = s->opts.pcap ? s->pcap_path : NULL;

	/* A shared boot's target keeps its env for its whole life: its
	 * capture path too. */
	if (s->opts.boot && !s->borrowed) {
		free(s->opts.boot->pcap_path);
		s->opts.boot->pcap_path = pcap ? strdup(pcap) : NULL;
		pcap = s->opts.boot->pcap_path;
	} else if (s->opts.boot) {
		pcap = s->opts.boot->pcap_path;
	}
	*s->envp = (struct hilt_target_env){
		.loop = s->loop,
		.pcap_path = pcap,
		.output_failed = output_failed,
		.started = target_started,
		.stopped = target_stopped,
		.changed = target_changed,
		.arg = s,
	};
	if (s->opts.boot)
		s->opts.boot->lent = s;
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
	session_env_attach(s);
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
		session_set_case(s, 0, HILT_ERROR, "infrastructure", NULL, "%s", err);
		session_skip_rest(s, 1, "not run: %s", err);
		s->current = s->suite->ncases;
		session_finish(s);
		return;
	}

	if (s->borrowed) {
		struct hilt_target_started st = { .rc = 0 };

		target_started(s, &st);
		return;
	}
	int rc = s->ops->start(s->target, s->envp, err, sizeof(err));

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
		session_finish(s);
		return;
	}
	session_end_early(s, HILT_ERROR, "interrupted", NULL, why);
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

bool hilt_session_unready(const struct hilt_session *s)
{
	return s->unready;
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
	session_ready_release(s);
	end_watch(s);
	session_boot_release(s);
	free(s->failure_seen);
	session_findings_free(s);
	if (s->log)
		fclose(s->log);
	if (s->timing)
		fclose(s->timing);
	if (s->matcher)
		session_case_release(s);
	session_free_vars(s);
	session_pace_stop(s);
	hilt_matcher_free(s->matcher);
	hilt_http_free(s->probe);
	hilt_http_free(s->old_probe);
	if (s->done_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->done_timer);
	free(s->pcap_path);
	free(s->timing_path);
	hilt_buf_free(&s->typing);
	free(s->console_note);
	hilt_buf_free(&s->failure_text);
	hilt_tail_free(s->tail);
	hilt_session_result_free(s->result);
	free(s);
}

