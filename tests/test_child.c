/* Children driven by the loop (base/child.c) on real programs: exit and
 * output, the deadline's TERM-then-KILL, stop, free while running, and a
 * hung child that never holds up the loop's other work. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/child.h"
#include "base/loop.h"
#include "base/tail.h"

struct seen {
	struct hilt_loop *loop;
	int calls;
	struct hilt_child_end end;
	unsigned ticks;		/* of a 10 ms ticker while the child runs */
	int64_t ticker;
	bool free_in_cb;
};

static void done(struct hilt_child *c, const struct hilt_child_end *end, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->end = *end;
	if (s->free_in_cb)
		hilt_child_free(c);
	if (s->ticker > 0)
		hilt_loop_cancel_timer(s->loop, s->ticker);
	s->ticker = 0;
}

static void tick(struct hilt_loop *loop, void *arg)
{
	struct seen *s = arg;

	s->ticks++;
	s->ticker = hilt_loop_add_timer(loop, hilt_now_ns() + 10000000, tick, s);
}

/* Runs argv with a deadline to its end; the child is freed in done. */
static int run(char *const argv[], double timeout_s, int grace_ms, struct seen *s,
	       struct hilt_tail *out)
{
	struct hilt_child *c;
	char err[256];
	int rc;

	*s = (struct seen){ .free_in_cb = true };
	CHECK(hilt_loop_new(&s->loop) == 0, "loop");
	rc = hilt_child_run(s->loop, argv, timeout_s, grace_ms, out, done, s, &c, err,
			    sizeof(err));
	CHECK(rc == 0, "start: %s", err);
	if (rc)
		return rc;
	CHECK(s->calls == 0, "done was called inside hilt_child_run");
	s->ticker = hilt_loop_add_timer(s->loop, hilt_now_ns() + 10000000, tick, s);
	hilt_loop_run(s->loop);
	hilt_loop_free(s->loop);
	CHECK(s->calls == 1, "done called %d times", s->calls);
	return 0;
}

static int exit_and_output(void)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	struct hilt_tail *t;
	struct seen s;
	size_t n;

	hilt_tail_new(1024, &t);
	run(argv, 10, 1000, &s, t);
	const char *d = hilt_tail_data(t, &n);

	CHECK(s.end.status.exited && s.end.status.exit_code == 3, "exit %d",
	      s.end.status.exit_code);
	CHECK(!s.end.timed_out && !s.end.stopped, "flags");
	CHECK(n == 8 && memcmp(d, "out\nerr\n", 8) == 0, "output '%.*s'", (int)n, d);
	hilt_tail_free(t);
	return 0;
}

/* At its deadline a child gets SIGTERM; the loop ran its ticker
 * meanwhile. */
static int deadline_term(void)
{
	char *argv[] = { "sleep", "30", NULL };
	struct seen s;

	run(argv, 0.3, 1000, &s, NULL);
	CHECK(s.end.timed_out, "not timed out");
	CHECK(!s.end.status.exited && s.end.status.signal == SIGTERM, "signal %d",
	      s.end.status.signal);
	CHECK(s.ticks >= 10, "the loop ticked %u times while the child ran", s.ticks);
	return 0;
}

/* A child that ignores SIGTERM is killed after the grace. */
static int deadline_kill(void)
{
	char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30 & wait; sleep 30", NULL };
	struct seen s;

	run(argv, 0.2, 300, &s, NULL);
	CHECK(s.end.timed_out, "not timed out");
	CHECK(!s.end.status.exited && s.end.status.signal == SIGKILL, "signal %d",
	      s.end.status.signal);
	CHECK(s.end.seconds < 10, "took %.1f s", s.end.seconds);
	return 0;
}

static void stop_it(struct hilt_loop *loop, void *arg)
{
	(void)loop;
	hilt_child_stop(arg, 200);
}

static int stop(void)
{
	char *argv[] = { "sleep", "30", NULL };
	struct seen s = { .free_in_cb = false };
	struct hilt_child *c;
	char err[256];

	hilt_loop_new(&s.loop);
	CHECK(hilt_child_run(s.loop, argv, 0, 1000, NULL, done, &s, &c, err, sizeof(err)) == 0,
	      "%s", err);
	hilt_loop_add_timer(s.loop, hilt_now_ns() + 50000000, stop_it, c);
	hilt_loop_run(s.loop);
	CHECK(s.calls == 1 && s.end.stopped && !s.end.timed_out, "calls %d", s.calls);
	CHECK(!hilt_child_running(c), "still running");
	hilt_child_free(c);
	hilt_loop_free(s.loop);
	return 0;
}

/* Freed while running: killed, and no callback. */
static int free_running(void)
{
	char *argv[] = { "sleep", "30", NULL };
	struct seen s = { 0 };
	struct hilt_child *c;
	char err[256];
	pid_t pid;

	hilt_loop_new(&s.loop);
	CHECK(hilt_child_run(s.loop, argv, 0, 1000, NULL, done, &s, &c, err, sizeof(err)) == 0,
	      "%s", err);
	pid = hilt_proc_pid(hilt_child_proc(c));
	hilt_child_free(c);
	CHECK(kill(pid, 0) < 0 && errno == ESRCH, "pid %d still there", (int)pid);
	CHECK(s.calls == 0, "done called");
	hilt_loop_free(s.loop);
	return 0;
}

/* Two children, one hung: the other's end is told as soon as it
 * happens, not after the hung one's deadline. */
struct pair {
	struct seen quick, hung;
	int64_t quick_at, hung_at;
};

static void quick_done(struct hilt_child *c, const struct hilt_child_end *end, void *arg)
{
	struct pair *p = arg;

	(void)end;
	p->quick_at = hilt_now_ns();
	hilt_child_free(c);
}

static void hung_done(struct hilt_child *c, const struct hilt_child_end *end, void *arg)
{
	struct pair *p = arg;

	(void)end;
	p->hung_at = hilt_now_ns();
	hilt_child_free(c);
}

static int hung_does_not_block(void)
{
	char *hung[] = { "sleep", "30", NULL };
	char *quick[] = { "true", NULL };
	struct pair p = { 0 };
	struct hilt_loop *loop;
	struct hilt_child *a, *b;
	char err[256];

	hilt_loop_new(&loop);
	CHECK(hilt_child_run(loop, hung, 1.0, 100, NULL, hung_done, &p, &a, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK(hilt_child_run(loop, quick, 10, 100, NULL, quick_done, &p, &b, err, sizeof(err)) == 0,
	      "%s", err);
	hilt_loop_run(loop);
	CHECK(p.quick_at && p.hung_at && p.quick_at < p.hung_at,
	      "the quick child was told after the hung one");
	hilt_loop_free(loop);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "exit code and output", exit_and_output },
		{ "deadline: SIGTERM, the loop goes on", deadline_term },
		{ "deadline: SIGKILL after the grace", deadline_kill },
		{ "stop", stop },
		{ "free while running kills, no callback", free_running },
		{ "a hung child does not hold up another", hung_does_not_block },
	};

	signal(SIGPIPE, SIG_IGN);
	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
