/* The session state machine (runner/engine/session.c) through its public API, on
 * a real target kind: the replay target, over small console logs written
 * here (as fast as they can be read, or with their recorded timing).
 * Milestones that pass and time out, a failure pattern that ends the
 * session, captured values in later steps, the suite's timeout, the end of
 * a recording, an abort. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "runner/engine/farm.h"
#include "base/loop.h"
#include "reports/result.h"
#include "runner/engine/session.h"
#include "runner/engine/suite.h"
#include "targets/replay.h"
#include "targets/target.h"

static char dir[64];

/* One session over a recording: what it was given and what it reported. */
struct run {
	char suite_path[256], log_path[256], timing_path[256], out_dir[256];
	struct hilt_suite *suite;
	struct hilt_target_config cfg;
	struct hilt_loop *loop;
	struct hilt_session *s;
	const struct hilt_session_result *r;
	char order[512];	/* on_case calls: "name=verdict," */
	unsigned done_calls;
	bool log_before_start;	/* the console log existed before start */
	/* Called from the loop after this many ms, if set (an abort). */
	void (*later)(struct run *run);
	int later_ms;
};

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 > cap) {
			char *b = realloc(buf, cap = n + 4096 + cap);

			if (!b)
				abort();
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		if (!got)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void on_case(const struct hilt_session_result *r, const struct hilt_case_result *c,
		    void *arg)
{
	struct run *run = arg;
	size_t used = strlen(run->order);

	(void)r;
	snprintf(run->order + used, sizeof(run->order) - used, "%s=%s,", c->name,
		 hilt_verdict_name(c->verdict));
}

static void on_done(struct hilt_session *s, void *arg)
{
	struct run *run = arg;

	(void)s;
	run->done_calls++;
	hilt_loop_stop(run->loop);
}

static void stop_loop(struct hilt_loop *loop, void *arg)
{
	(void)arg;
	hilt_loop_stop(loop);
}

static void call_later(struct hilt_loop *loop, void *arg)
{
	struct run *run = arg;

	(void)loop;
	run->later(run);
}

/* Runs suite_xml over the recording log (chunks of the given lengths at
 * the given delays, in seconds, when timed; all at once otherwise) until
 * the session is done.  Returns 0 when it ran; the caller inspects run and
 * calls end_run(). */
static int start_run(struct run *run, const char *name, const char *suite_xml,
		     const char *log, const double *delays, const size_t *lens, size_t nchunks)
{
	char err[1024];
	bool timed = delays != NULL;

	snprintf(run->suite_path, sizeof(run->suite_path), "%s/%s.xml", dir, name);
	snprintf(run->log_path, sizeof(run->log_path), "%s/%s.log", dir, name);
	snprintf(run->timing_path, sizeof(run->timing_path), "%s/%s.timing", dir, name);
	snprintf(run->out_dir, sizeof(run->out_dir), "%s/out-%s", dir, name);
	if (mkdir(run->out_dir, 0755))
		abort();
	write_file(run->suite_path, suite_xml, strlen(suite_xml));
	write_file(run->log_path, log, strlen(log));
	if (timed) {
		char timing[1024];
		size_t used = 0, total = 0;

		for (size_t i = 0; i < nchunks; i++) {
			used += (size_t)snprintf(timing + used, sizeof(timing) - used,
						 "%.6f %zu\n", delays[i], lens[i]);
			total += lens[i];
		}
		if (total != strlen(log))
			abort();
		write_file(run->timing_path, timing, used);
	}
	int rc = hilt_suite_load(run->suite_path, &run->suite, err, sizeof(err));

	CHECK(rc == 0, "suite: %s", err);
	if (rc)
		return rc;
	struct hilt_replay_config *rcfg;

	if (hilt_replay_config_new(run->log_path, timed ? run->timing_path : NULL, timed, &rcfg))
		abort();
	run->cfg = (struct hilt_target_config){
		.name = "rec",
		.kind = "replay",
		.source = "tests/test_session.c",
		.ops = &hilt_replay_ops,
		.priv = rcfg,
	};
	struct hilt_session_opts opts = {
		.out_dir = run->out_dir,
		.on_case = on_case,
		.on_done = on_done,
		.arg = run,
	};

	if (hilt_loop_new(&run->loop))
		abort();
	rc = hilt_session_new(run->loop, run->suite, &run->cfg, &opts, &run->s, err, sizeof(err));
	CHECK(rc == 0, "session: %s", err);
	if (rc)
		return rc;
	/* Its files are made when it starts, not before. */
	const char *log_file = hilt_session_result(run->s)->console_log;

	run->log_before_start = log_file && access(log_file, F_OK) == 0;
	int64_t safety = hilt_loop_add_timer(run->loop, hilt_now_ns() + 30 * 1000000000LL,
					     stop_loop, NULL);
	int64_t later = 0;

	if (run->later)
		later = hilt_loop_add_timer(run->loop,
					    hilt_now_ns() + (int64_t)run->later_ms * 1000000,
					    call_later, run);
	hilt_session_start(run->s);
	/* on_done may run inside start (a target that does not start). */
	if (!run->done_calls)
		hilt_loop_run(run->loop);
	hilt_loop_cancel_timer(run->loop, safety);
	if (later > 0)
		hilt_loop_cancel_timer(run->loop, later);
	CHECK(run->done_calls == 1, "on_done ran %u times", run->done_calls);
	CHECK(hilt_session_done(run->s), "the session is not done");
	run->r = hilt_session_result(run->s);
	CHECK(run->r->ncases == run->suite->ncases, "%zu case results for %zu cases",
	      run->r->ncases, run->suite->ncases);
	CHECK(!run->log_before_start, "the console log existed before the session started");
	return 0;
}

static void end_run(struct run *run)
{
	hilt_session_free(run->s);
	hilt_loop_free(run->loop);
	hilt_suite_free(run->suite);
	hilt_replay_config_free(run->cfg.priv);
}

static const char *prop(const struct hilt_session_result *r, const char *name)
{
	for (size_t i = 0; i < r->nprops; i++)
		if (strcmp(r->props[i].name, name) == 0)
			return r->props[i].value;
	return NULL;
}

static bool has(const char *s, const char *part)
{
	return s && strstr(s, part);
}

/* want: the verdicts of the cases in order, "PASS,FAIL,SKIP". */
static void check_verdicts(const struct run *run, const char *want)
{
	char got[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < run->r->ncases; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", i ? "," : "",
					 hilt_verdict_name(run->r->cases[i].verdict));
	CHECK(strcmp(got, want) == 0, "verdicts %s, expected %s", got, want);
}

/* --- the cases --- */

static const char banner[] = "[    0.000000] Linux version 6.1.0-test (gcc 12) #1 SMP\r\n";

static int milestones_pass(void)
{
	struct run run = { 0 };
	const char *suite =
		"<suite name=\"boot\" timeout=\"20\">\n"
		"  <milestone name=\"kernel-banner\" timeout=\"5\">Linux version (?'kernel_version'\\S+)</milestone>\n"
		"  <milestone name=\"init-started\" timeout=\"5\">^\\[[ 0-9.]+\\] hilt-guest: init started$</milestone>\n"
		"</suite>\n";
	char log[512];

	snprintf(log, sizeof(log), "firmware noise\r\n%s[    1.250000] hilt-guest: init started\r\n/ # ",
		 banner);
	if (start_run(&run, "pass", suite, log, NULL, NULL, 0))
		return 0;
	check_verdicts(&run, "PASS,PASS");
	CHECK(strcmp(run.order, "kernel-banner=PASS,init-started=PASS,") == 0, "on_case: %s",
	      run.order);
	CHECK(has(prop(run.r, "capture.kernel_version"), "6.1.0-test") &&
	      strcmp(prop(run.r, "capture.kernel_version"), "6.1.0-test") == 0,
	      "capture.kernel_version = %s", prop(run.r, "capture.kernel_version"));
	CHECK(prop(run.r, "milestone.kernel-banner.time") &&
	      prop(run.r, "milestone.init-started.time"), "no milestone times");
	CHECK(run.r->cases[1].at_s >= run.r->cases[0].at_s && run.r->cases[0].at_s >= 0,
	      "at %.3f, %.3f", run.r->cases[0].at_s, run.r->cases[1].at_s);
	/* The raw log is the recording, byte for byte. */
	size_t len = 0;
	char *copy = run.r->console_log ? slurp(run.r->console_log, &len) : NULL;

	CHECK(copy && len == strlen(log) && memcmp(copy, log, len) == 0,
	      "console log %s: %zu bytes, the recording has %zu", run.r->console_log, len,
	      strlen(log));
	free(copy);
	end_run(&run);
	return 0;
}

/* A missed milestone fails at its deadline and consumes nothing: the next
 * milestone still finds a line that came before that deadline, and the
 * one after it a line that comes later. */
static int milestone_timeout(void)
{
	struct run run = { 0 };
	const char *suite =
		"<suite name=\"late\" timeout=\"20\">\n"
		"  <milestone name=\"kernel-banner\" timeout=\"5\">Linux version</milestone>\n"
		"  <milestone name=\"missed\" timeout=\"0.2\">^never$</milestone>\n"
		"  <milestone name=\"init-started\" timeout=\"5\">hilt-guest: init started</milestone>\n"
		"  <milestone name=\"late\" timeout=\"5\">^late line$</milestone>\n"
		"</suite>\n";
	const char *init = "[    1.000000] hilt-guest: init started\r\n";
	char log[512];

	snprintf(log, sizeof(log), "%s%slate line\r\n", banner, init);
	double delays[] = { 0, 1.0 };
	size_t lens[] = { strlen(banner) + strlen(init), strlen("late line\r\n") };

	if (start_run(&run, "timeout", suite, log, delays, lens, 2))
		return 0;
	check_verdicts(&run, "PASS,FAIL,PASS,PASS");
	const struct hilt_case_result *c = &run.r->cases[1];

	CHECK(has(c->type, "milestone-timeout"), "type %s", c->type);
	CHECK(has(c->message, "milestone /^never$/ not seen within 0.2 s"), "message %s",
	      c->message);
	CHECK(c->time_s >= 0.2, "failed after %.3f s of a 0.2 s deadline", c->time_s);
	end_run(&run);
	return 0;
}

/* A failure pattern fails the case under way with its line and the trace
 * that follows within the grace time, skips the rest and ends the session
 * then: what the recording holds after that is never read. */
static int failure_pattern(void)
{
	struct run run = { 0 };
	const char *suite =
		"<suite name=\"panic\" timeout=\"60\">\n"
		"  <milestone name=\"kernel-banner\" timeout=\"30\">Linux version</milestone>\n"
		"  <milestone name=\"init-started\" timeout=\"30\">hilt-guest: init started</milestone>\n"
		"  <milestone name=\"shell-prompt\" timeout=\"30\">^/ # </milestone>\n"
		"</suite>\n";
	const char *panic = "[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n";
	const char *trace = "[    2.000100] CPU: 0 PID: 1 Comm: swapper/0\r\n";
	const char *after = "[   40.000000] hilt-guest: init started\r\n/ # ";
	char log[1024];

	snprintf(log, sizeof(log), "%s%s%s%s", banner, panic, trace, after);
	double delays[] = { 0, 0.1, 30 };
	size_t lens[] = { strlen(banner) + strlen(panic), strlen(trace), strlen(after) };

	if (start_run(&run, "panic", suite, log, delays, lens, 3))
		return 0;
	check_verdicts(&run, "PASS,FAIL,SKIP");
	const struct hilt_case_result *c = &run.r->cases[1];

	CHECK(has(c->type, "failure-pattern"), "type %s", c->type);
	CHECK(has(c->message, "failure pattern 'kernel-panic' matched") &&
	      has(c->message, "Kernel panic - not syncing: VFS: Unable to mount root fs"),
	      "message %s", c->message);
	CHECK(has(c->detail, "CPU: 0 PID: 1 Comm: swapper/0"), "the trace is missing: %s",
	      c->detail);
	CHECK(has(run.r->cases[2].message, "the session ended at failure pattern 'kernel-panic'"),
	      "skip message %s", run.r->cases[2].message);
	CHECK(has(prop(run.r, "failure.pattern"), "kernel-panic"), "failure.pattern %s",
	      prop(run.r, "failure.pattern"));
	/* It ended at the panic, not at the 30 s chunk or a deadline. */
	size_t len = 0;
	char *copy = run.r->console_log ? slurp(run.r->console_log, &len) : NULL;

	CHECK(copy && !strstr(copy, "init started") && strstr(copy, "swapper/0"),
	      "the console log holds [%s]", copy ? copy : "");
	free(copy);
	end_run(&run);
	return 0;
}

/* A captured value is used in a later step: as text in what is sent (the
 * recording's echo must show it) and quoted in what is expected, so that
 * its dots match only dots. */
static int capture_in_later_step(void)
{
	const char *suite =
		"<suite name=\"steps\" timeout=\"20\">\n"
		"  <shell prompt=\"^/ # \" echo=\"true\"/>\n"
		"  <milestone name=\"kernel-banner\" timeout=\"5\">Linux version (?'kernel_version'\\S+)</milestone>\n"
		"  <step name=\"uname-r\" timeout=\"5\"><send>uname -r</send><expect>^${kernel_version}$</expect></step>\n"
		"  <step name=\"echo-var\" timeout=\"5\"><send>echo v=${kernel_version}</send><expect>^v=(?'echoed'\\S+)$</expect></step>\n"
		"</suite>\n";
	static const struct {
		const char *reply;
		const char *verdicts;
	} cases[] = {
		{ "6.1.0-test", "PASS,PASS,PASS" },
		/* Unquoted, the dots of 6.1.0-test would match this. */
		{ "6x1x0-test", "PASS,FAIL,PASS" },
	};

	for (size_t i = 0; i < 2; i++) {
		struct run run = { 0 };
		char log[1024], name[32];

		snprintf(log, sizeof(log),
			 "%s/ # uname -r\r\n%s\r\n/ # echo v=6.1.0-test\r\nv=6.1.0-test\r\n/ # ",
			 banner, cases[i].reply);
		snprintf(name, sizeof(name), "steps%zu", i);
		if (start_run(&run, name, suite, log, NULL, NULL, 0))
			continue;
		check_verdicts(&run, cases[i].verdicts);
		if (i == 1) {
			const struct hilt_case_result *c = &run.r->cases[1];

			CHECK(has(c->type, "step-mismatch"), "type %s", c->type);
			CHECK(has(c->message, "got \"6x1x0-test\""), "message %s", c->message);
		}
		CHECK(prop(run.r, "capture.echoed") &&
		      strcmp(prop(run.r, "capture.echoed"), "6.1.0-test") == 0,
		      "capture.echoed = %s", prop(run.r, "capture.echoed"));
		end_run(&run);
	}
	/* A send whose captured value the recording does not show typed. */
	struct run run = { 0 };
	char log[1024];

	snprintf(log, sizeof(log),
		 "%s/ # uname -r\r\n6.1.0-test\r\n/ # echo v=6.1.0-other\r\nv=6.1.0-other\r\n/ # ",
		 banner);
	if (start_run(&run, "steps-echo", suite, log, NULL, NULL, 0) == 0) {
		check_verdicts(&run, "PASS,PASS,FAIL");
		CHECK(has(run.r->cases[2].type, "replay-echo"), "type %s", run.r->cases[2].type);
		CHECK(has(run.r->cases[2].message, "echo v=6.1.0-test"), "message %s",
		      run.r->cases[2].message);
		end_run(&run);
	}
	return 0;
}

/* The suite's timeout ends the session whatever the case deadlines say. */
static int suite_timeout(void)
{
	struct run run = { 0 };
	const char *suite =
		"<suite name=\"slow\" timeout=\"0.3\">\n"
		"  <milestone name=\"kernel-banner\" timeout=\"5\">Linux version</milestone>\n"
		"  <milestone name=\"shell-prompt\" timeout=\"5\">^/ # </milestone>\n"
		"  <milestone name=\"after\" timeout=\"5\">never</milestone>\n"
		"</suite>\n";
	char log[512];

	snprintf(log, sizeof(log), "%s/ # ", banner);
	double delays[] = { 0, 30 };
	size_t lens[] = { strlen(banner), strlen("/ # ") };

	if (start_run(&run, "suite-timeout", suite, log, delays, lens, 2))
		return 0;
	check_verdicts(&run, "PASS,FAIL,SKIP");
	CHECK(has(run.r->cases[1].type, "suite-timeout"), "type %s", run.r->cases[1].type);
	CHECK(has(run.r->cases[1].message, "the suite's timeout of 0.3 s ran out"), "message %s",
	      run.r->cases[1].message);
	CHECK(has(run.r->cases[2].message, "the suite's timeout of 0.3 s ran out"), "skip %s",
	      run.r->cases[2].message);
	CHECK(run.r->time_s >= 0.3, "ended %.3f s after power-on", run.r->time_s);
	end_run(&run);
	return 0;
}

/* The end of a recording ends the session: the case under way fails (the
 * device is gone), the rest are skipped. */
static int recording_ends(void)
{
	struct run run = { 0 };
	const char *suite =
		"<suite name=\"short\" timeout=\"20\">\n"
		"  <milestone name=\"kernel-banner\" timeout=\"5\">Linux version</milestone>\n"
		"  <milestone name=\"init-started\" timeout=\"5\">init started</milestone>\n"
		"  <milestone name=\"shell-prompt\" timeout=\"5\">^/ # </milestone>\n"
		"</suite>\n";

	if (start_run(&run, "short", suite, banner, NULL, NULL, 0))
		return 0;
	check_verdicts(&run, "PASS,FAIL,SKIP");
	CHECK(has(run.r->cases[1].type, "device-gone"), "type %s", run.r->cases[1].type);
	CHECK(has(run.r->cases[1].message, "ended"), "message %s", run.r->cases[1].message);
	CHECK(strcmp(run.order, "kernel-banner=PASS,init-started=FAIL,shell-prompt=SKIP,") == 0,
	      "on_case: %s", run.order);
	end_run(&run);
	return 0;
}

static void abort_now(struct run *run)
{
	hilt_session_abort(run->s, "interrupted: a test said so");
}

/* An abort (a signal to hilt) makes the case under way an error and skips
 * the rest, at once. */
static int aborted(void)
{
	struct run run = { .later = abort_now, .later_ms = 100 };
	const char *suite =
		"<suite name=\"abort\" timeout=\"20\">\n"
		"  <milestone name=\"kernel-banner\" timeout=\"5\">Linux version</milestone>\n"
		"  <milestone name=\"shell-prompt\" timeout=\"5\">^/ # </milestone>\n"
		"  <milestone name=\"after\" timeout=\"5\">never</milestone>\n"
		"</suite>\n";
	char log[512];

	snprintf(log, sizeof(log), "%s/ # ", banner);
	double delays[] = { 0, 30 };
	size_t lens[] = { strlen(banner), strlen("/ # ") };

	if (start_run(&run, "abort", suite, log, delays, lens, 2))
		return 0;
	check_verdicts(&run, "PASS,ERROR,SKIP");
	CHECK(has(run.r->cases[1].type, "interrupted") &&
	      has(run.r->cases[1].message, "interrupted: a test said so"), "%s: %s",
	      run.r->cases[1].type, run.r->cases[1].message);
	end_run(&run);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "milestones pass, capture, raw log", milestones_pass },
		{ "a milestone times out and consumes nothing", milestone_timeout },
		{ "a failure pattern ends the session and skips the rest", failure_pattern },
		{ "a captured value in a later step's send and expect", capture_in_later_step },
		{ "the suite's timeout", suite_timeout },
		{ "the end of a recording", recording_ends },
		{ "an abort", aborted },
	};

	snprintf(dir, sizeof(dir), "/tmp/hilt-session-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	int rc = check_run_all(tests, sizeof(tests) / sizeof(*tests));

	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
