/* The event loop (runner/loop.c) on real pipes and the monotonic clock:
 * fd callbacks, timers in deadline order, cancelling, timers and watches
 * changed from inside callbacks, stop, and sources. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "runner/loop.h"

#define MS (1000 * 1000LL)

static struct hilt_loop *new_loop(void)
{
	struct hilt_loop *loop;

	if (hilt_loop_new(&loop))
		abort();
	return loop;
}

static void make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		abort();
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

static void stop_cb(struct hilt_loop *loop, void *arg)
{
	(void)arg;
	hilt_loop_stop(loop);
}

/* A deadline for a run that a callback should stop: the checks after the
 * run then see what did not happen.  Cancel it afterwards. */
static int64_t safety_net(struct hilt_loop *loop)
{
	return hilt_loop_add_timer(loop, hilt_now_ns() + 5000 * MS, stop_cb, NULL);
}

/* --- fds --- */

struct reader {
	int fd;
	unsigned calls;
	short revents;
	char got[64];
	size_t len;
};

/* Reads what there is; at EOF stops watching. */
static void read_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct reader *r = arg;
	ssize_t n = read(fd, r->got + r->len, sizeof(r->got) - 1 - r->len);

	r->calls++;
	r->revents |= revents;
	if (n > 0)
		r->len += (size_t)n;
	else if (n == 0)
		hilt_loop_del_fd(loop, fd);
}

static int fd_events(void)
{
	struct hilt_loop *loop = new_loop();
	struct reader r = { 0 };
	int p[2];

	make_pipe(p);
	put(p[1], "hello");
	close(p[1]);
	CHECK(hilt_loop_add_fd(loop, p[0], POLLIN, read_cb, &r) == 0, "add_fd");
	CHECK(hilt_loop_add_fd(loop, p[0], POLLIN, read_cb, &r) == -EEXIST,
	      "an fd watched twice");
	/* Nothing but the fd is watched: the loop ends once it is removed. */
	CHECK(hilt_loop_run(loop) == 0, "run");
	r.got[r.len] = '\0';
	CHECK(strcmp(r.got, "hello") == 0, "read [%s]", r.got);
	CHECK(r.revents & POLLIN, "revents %#x", r.revents);
	CHECK(r.calls == 2, "%u calls: one for the data, one for EOF", r.calls);
	CHECK(hilt_loop_mod_fd(loop, p[0], POLLOUT) == -ENOENT, "mod_fd of a removed fd");
	close(p[0]);
	/* With nothing to watch, run returns at once. */
	CHECK(hilt_loop_run(loop) == 0, "empty run");
	hilt_loop_free(loop);
	return 0;
}

struct writable {
	unsigned calls;
	short revents;
};

static void writable_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct writable *w = arg;

	w->calls++;
	w->revents = revents;
	hilt_loop_del_fd(loop, fd);
	hilt_loop_stop(loop);
}

static int fd_mod_events(void)
{
	struct hilt_loop *loop = new_loop();
	struct writable w = { 0 };
	int p[2];

	make_pipe(p);
	/* A write end watched for input does not fire; changed to POLLOUT it
	 * does at once (the pipe is empty). */
	hilt_loop_add_fd(loop, p[1], POLLIN, writable_cb, &w);
	hilt_loop_add_timer(loop, hilt_now_ns() + 30 * MS, stop_cb, NULL);
	hilt_loop_run(loop);
	CHECK(w.calls == 0, "a write end reported input (%#x)", w.revents);
	CHECK(hilt_loop_mod_fd(loop, p[1], POLLOUT) == 0, "mod_fd");
	int64_t net = safety_net(loop);

	hilt_loop_run(loop);
	hilt_loop_cancel_timer(loop, net);
	CHECK(w.calls == 1 && (w.revents & POLLOUT), "%u calls, revents %#x", w.calls,
	      w.revents);
	close(p[0]);
	close(p[1]);
	hilt_loop_free(loop);
	return 0;
}

/* --- timers --- */

struct fired {
	int order[16];
	int64_t at[16];
	size_t n;
};

struct timer_arg {
	struct fired *log;
	int id;
	int64_t deadline;
	int64_t cancel;		/* a timer id to cancel when fired, or 0 */
	int64_t *add_ids;	/* timers to add when fired */
	struct timer_arg *add;
	size_t nadd;
};

/* A timer of the test's struct fired log. */
#define T(i, d) { .log = &log, .id = (i), .deadline = (d) }

static void record_cb(struct hilt_loop *loop, void *arg)
{
	struct timer_arg *t = arg;

	t->log->at[t->log->n] = hilt_now_ns();
	t->log->order[t->log->n++] = t->id;
	if (t->cancel)
		hilt_loop_cancel_timer(loop, t->cancel);
	for (size_t i = 0; i < t->nadd; i++) {
		t->add_ids[i] = hilt_loop_add_timer(loop, t->add[i].deadline, record_cb,
						    &t->add[i]);
	}
}

static int timers_in_order(void)
{
	struct hilt_loop *loop = new_loop();
	struct fired log = { 0 };
	int64_t now = hilt_now_ns();
	struct timer_arg t[] = {
		T(1, now + 30 * MS), T(2, now + 10 * MS), T(3, now + 20 * MS),
		T(4, now - 5 * MS),	/* overdue */
	};

	for (size_t i = 0; i < 4; i++)
		CHECK(hilt_loop_add_timer(loop, t[i].deadline, record_cb, &t[i]) > 0, "add");
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(log.n == 4, "%zu fired", log.n);
	static const int want[] = { 4, 2, 3, 1 };

	for (size_t i = 0; i < log.n && i < 4; i++) {
		CHECK(log.order[i] == want[i], "fired #%zu: timer %d, expected %d", i,
		      log.order[i], want[i]);
		/* Never before its deadline. */
		CHECK(log.at[i] >= t[log.order[i] - 1].deadline, "timer %d fired %lld ns early",
		      log.order[i], (long long)(t[log.order[i] - 1].deadline - log.at[i]));
	}
	hilt_loop_free(loop);
	return 0;
}

static int cancel(void)
{
	struct hilt_loop *loop = new_loop();
	struct fired log = { 0 };
	int64_t now = hilt_now_ns();
	struct timer_arg t[] = {
		T(1, now + 10 * MS), T(2, now + 20 * MS), T(3, now + 30 * MS),
		/* Both overdue, so due in one pass: 4 runs first and cancels 5. */
		T(4, now - 2), T(5, now - 1),
	};
	int64_t id[5];

	for (size_t i = 0; i < 5; i++)
		id[i] = hilt_loop_add_timer(loop, t[i].deadline, record_cb, &t[i]);
	CHECK(id[0] > 0 && id[0] != id[1] && id[1] != id[2], "ids %lld %lld %lld",
	      (long long)id[0], (long long)id[1], (long long)id[2]);
	t[3].cancel = id[4];
	hilt_loop_cancel_timer(loop, id[1]);
	/* Cancelling an id that is not (any more) a timer does nothing. */
	hilt_loop_cancel_timer(loop, id[1]);
	hilt_loop_cancel_timer(loop, 999999);
	hilt_loop_run(loop);
	CHECK(log.n == 3, "%zu fired", log.n);
	CHECK(log.n >= 3 && log.order[0] == 4 && log.order[1] == 1 && log.order[2] == 3,
	      "order %d %d %d", log.order[0], log.order[1], log.order[2]);
	hilt_loop_free(loop);
	return 0;
}

static int timers_added_by_callbacks(void)
{
	struct hilt_loop *loop = new_loop();
	struct fired log = { 0 };
	int64_t now = hilt_now_ns();
	/* Added when 1 fires: 11 is overdue then, 13 is due before the
	 * pending 2, 12 after it.  (Deadlines from one base, so that a late
	 * wake-up cannot change the order.) */
	struct timer_arg children[] = { T(11, now), T(12, now + 40 * MS), T(13, now + 15 * MS) };
	int64_t child_ids[3];
	struct timer_arg t[] = {
		{ .log = &log, .id = 1, .deadline = now + 5 * MS,
		  .add = children, .add_ids = child_ids, .nadd = 3 },
		T(2, now + 25 * MS),
	};

	hilt_loop_add_timer(loop, t[0].deadline, record_cb, &t[0]);
	hilt_loop_add_timer(loop, t[1].deadline, record_cb, &t[1]);
	hilt_loop_run(loop);
	static const int want[] = { 1, 11, 13, 2, 12 };

	CHECK(log.n == 5, "%zu fired", log.n);
	for (size_t i = 0; i < log.n && i < 5; i++)
		CHECK(log.order[i] == want[i], "fired #%zu: timer %d, expected %d", i,
		      log.order[i], want[i]);
	for (size_t i = 0; i < 3; i++)
		CHECK(child_ids[i] > 0, "child %zu: %lld", i, (long long)child_ids[i]);
	hilt_loop_free(loop);
	return 0;
}

/* --- watches changed from callbacks --- */

struct remover {
	struct hilt_loop *loop;
	int self, other;
	unsigned calls;
};

/* Removes its own fd and the other one, without reading: both pipes stay
 * readable, so a callback run after its removal would show. */
static void remove_both_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct remover *r = arg;

	(void)revents;
	(void)fd;
	r->calls++;
	hilt_loop_del_fd(loop, r->self);
	hilt_loop_del_fd(loop, r->other);
}

static int callback_removes_fds(void)
{
	struct hilt_loop *loop = new_loop();
	int a[2], b[2];

	make_pipe(a);
	make_pipe(b);
	put(a[1], "x");
	put(b[1], "y");
	struct remover ra = { loop, a[0], b[0], 0 }, rb = { loop, b[0], a[0], 0 };

	hilt_loop_add_fd(loop, a[0], POLLIN, remove_both_cb, &ra);
	hilt_loop_add_fd(loop, b[0], POLLIN, remove_both_cb, &rb);
	/* Both are ready in the same poll: the first callback removes the
	 * second's watch, which must not run; then nothing is watched. */
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(ra.calls + rb.calls == 1, "%u + %u callbacks", ra.calls, rb.calls);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	hilt_loop_free(loop);
	return 0;
}

struct reuse {
	int old_fd, new_fds[2];
	struct reader fresh;
	unsigned old_calls;
};

/* Closes its own fd and watches a new pipe, which gets the same number:
 * the new watch must see only its own events. */
static void replace_fd_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct reuse *r = arg;

	(void)revents;
	r->old_calls++;
	hilt_loop_del_fd(loop, fd);
	close(fd);
	make_pipe(r->new_fds);
	CHECK(hilt_loop_add_fd(loop, r->new_fds[0], POLLIN, read_cb, &r->fresh) == 0,
	      "re-adding fd %d", r->new_fds[0]);
}

static int fd_number_reused_in_callback(void)
{
	struct hilt_loop *loop = new_loop();
	struct reuse r = { 0 };
	int p[2];

	make_pipe(p);
	put(p[1], "old data");
	close(p[1]);
	r.old_fd = p[0];
	hilt_loop_add_fd(loop, p[0], POLLIN, replace_fd_cb, &r);
	hilt_loop_add_timer(loop, hilt_now_ns() + 50 * MS, stop_cb, NULL);
	hilt_loop_run(loop);
	CHECK(r.old_calls == 1, "%u calls of the old callback", r.old_calls);
	if (r.new_fds[0] != r.old_fd)
		printf("     note: the new pipe got fd %d, not %d\n", r.new_fds[0], r.old_fd);
	CHECK(r.fresh.calls == 0, "the new watch ran %u times with nothing to read",
	      r.fresh.calls);
	/* Its own data reaches it. */
	put(r.new_fds[1], "new");
	close(r.new_fds[1]);
	CHECK(hilt_loop_run(loop) == 0, "run");
	r.fresh.got[r.fresh.len] = '\0';
	CHECK(strcmp(r.fresh.got, "new") == 0, "the new watch read [%s]", r.fresh.got);
	close(r.new_fds[0]);
	hilt_loop_free(loop);
	return 0;
}

/* --- stop --- */

static int stop(void)
{
	struct hilt_loop *loop = new_loop();
	struct fired log = { 0 };
	int64_t now = hilt_now_ns();
	struct timer_arg t = T(1, now - 1);
	struct reader r = { 0 };
	int p[2];

	/* A pipe nobody writes to: the loop always has something to wait for. */
	make_pipe(p);
	hilt_loop_add_fd(loop, p[0], POLLIN, read_cb, &r);
	/* A stop asked for before the loop runs ends the next run at once,
	 * before even a due timer. */
	hilt_loop_stop(loop);
	hilt_loop_add_timer(loop, t.deadline, record_cb, &t);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(log.n == 0, "a timer ran after a stop");
	/* A timer that stops the loop: a timer due after it waits for the
	 * next run. */
	hilt_loop_add_timer(loop, now - 2, stop_cb, NULL);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(log.n == 0, "a timer ran in the run that a timer before it stopped");
	int64_t net = safety_net(loop);

	hilt_loop_add_timer(loop, hilt_now_ns() + 20 * MS, stop_cb, NULL);
	CHECK(hilt_loop_run(loop) == 0, "run");
	hilt_loop_cancel_timer(loop, net);
	CHECK(log.n == 1, "%zu timers ran in the next run", log.n);
	CHECK(r.calls == 0, "the idle pipe's callback ran");
	close(p[0]);
	close(p[1]);
	hilt_loop_free(loop);
	return 0;
}

struct stopper {
	unsigned calls;
};

static void stop_in_fd_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct stopper *s = arg;

	(void)fd;
	(void)revents;
	s->calls++;
	hilt_loop_stop(loop);
}

static int stop_from_fd_callback(void)
{
	struct hilt_loop *loop = new_loop();
	struct stopper a = { 0 }, b = { 0 };
	int p[2], q[2];

	make_pipe(p);
	make_pipe(q);
	put(p[1], "a");
	put(q[1], "b");
	hilt_loop_add_fd(loop, p[0], POLLIN, stop_in_fd_cb, &a);
	hilt_loop_add_fd(loop, q[0], POLLIN, stop_in_fd_cb, &b);
	/* Both ready; the first stops the loop, so the second does not run
	 * in that run, and does in the next (still readable). */
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(a.calls + b.calls == 1, "%u + %u callbacks before the stop", a.calls, b.calls);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(a.calls + b.calls == 2, "%u + %u callbacks after a second run", a.calls, b.calls);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	hilt_loop_free(loop);
	return 0;
}

/* --- sources --- */

struct source_state {
	struct hilt_loop *loop;
	int fd;
	int index;
	unsigned prepares, checks, seen;
	int64_t id;
};

static void src_prepare(struct hilt_pollset *ps, int *timeout_ms, void *arg)
{
	struct source_state *s = arg;

	s->prepares++;
	s->index = hilt_pollset_add(ps, s->fd, POLLIN);
	if (*timeout_ms < 0 || *timeout_ms > 1000)
		*timeout_ms = 1000;
}

static void src_check(const struct hilt_pollset *ps, void *arg)
{
	struct source_state *s = arg;
	char buf[16];

	s->checks++;
	if (hilt_pollset_revents(ps, s->index) & POLLIN) {
		s->seen++;
		if (read(s->fd, buf, sizeof(buf)) < 0)
			abort();
		hilt_loop_del_source(s->loop, s->id);
	}
}

static int sources(void)
{
	struct hilt_loop *loop = new_loop();
	struct source_state s = { .loop = loop };
	int p[2];

	make_pipe(p);
	s.fd = p[0];
	put(p[1], "s");
	s.id = hilt_loop_add_source(loop, src_prepare, src_check, &s);
	CHECK(s.id > 0, "add_source: %lld", (long long)s.id);
	/* The source is the only thing watched: it sees its fd ready, removes
	 * itself, and the loop ends. */
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(s.seen == 1 && s.prepares == 1 && s.checks == 1,
	      "seen %u, %u prepares, %u checks", s.seen, s.prepares, s.checks);
	close(p[0]);
	close(p[1]);
	hilt_loop_free(loop);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "fd: data, EOF, removal ends the loop", fd_events },
		{ "fd: events changed with mod_fd", fd_mod_events },
		{ "timers fire in deadline order, never early", timers_in_order },
		{ "timers cancelled, also from a callback in the same pass", cancel },
		{ "timers added from a timer callback", timers_added_by_callbacks },
		{ "a callback removes its own fd and another", callback_removes_fds },
		{ "an fd number reused inside a callback", fd_number_reused_in_callback },
		{ "stop before run and from a timer", stop },
		{ "stop from an fd callback", stop_from_fd_callback },
		{ "sources: prepare, check, removal", sources },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
