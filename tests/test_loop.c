/* The event loop (base/loop.c) on real pipes: fd callbacks, watches
 * changed from inside callbacks, stop, and sources.  (Timers:
 * test_loop_timers.c.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "loop_check.h"

/* --- fds --- */
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


/* --- many fds --- */

struct counter {
	unsigned calls;
};

static void count_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct counter *c = arg;
	char buf[16];

	(void)loop;
	(void)revents;
	c->calls++;
	if (read(fd, buf, sizeof(buf)) < 0)
		abort();
}

struct pingpong {
	int rd, wr;
	unsigned calls, rounds;
	uint64_t iterations_at_first;
	struct hilt_loop *loop;
};

/* Reads its byte and writes the next one, so that every turn of the loop
 * has exactly one event: this one. */
static void pingpong_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct pingpong *p = arg;
	char c;

	(void)revents;
	if (p->calls++ == 0)
		p->iterations_at_first = hilt_loop_iterations(loop);
	if (read(fd, &c, 1) != 1)
		abort();
	if (p->calls < p->rounds)
		put(p->wr, "x");
	else
		hilt_loop_stop(loop);
}

/* Room for n more fds than the soft limit may give. */
static bool raise_fd_limit(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return false;
	if (rl.rlim_cur >= want)
		return true;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		return false;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

#define IDLE 1000

static int many_idle_fds(void)
{
	struct hilt_loop *loop = new_loop();
	static int idle[IDLE][2];
	struct counter idle_calls = { 0 }, woken = { 0 };
	struct pingpong p = { .rounds = 100 };
	int act[2];

	if (!raise_fd_limit(2 * IDLE + 64)) {
		printf("     skipped: cannot have %d fds open\n", 2 * IDLE + 64);
		hilt_loop_free(loop);
		return 77;
	}
	for (int i = 0; i < IDLE; i++) {
		make_pipe(idle[i]);
		CHECK(hilt_loop_add_fd(loop, idle[i][0], POLLIN, count_cb, &idle_calls) == 0,
		      "add idle %d", i);
	}
	make_pipe(act);
	p.rd = act[0];
	p.wr = act[1];
	hilt_loop_add_fd(loop, act[0], POLLIN, pingpong_cb, &p);
	put(act[1], "x");
	uint64_t before = hilt_loop_iterations(loop);
	int64_t net = safety_net(loop);

	CHECK(hilt_loop_run(loop) == 0, "run");
	hilt_loop_cancel_timer(loop, net);
	/* One wait per event: the idle pipes cost no turn of their own. */
	CHECK(p.calls == 100, "%u calls of the active pipe", p.calls);
	CHECK(p.iterations_at_first == before + 1, "first served after %llu waits",
	      (unsigned long long)(p.iterations_at_first - before));
	CHECK(hilt_loop_iterations(loop) - before == 100, "%llu waits for 100 events",
	      (unsigned long long)(hilt_loop_iterations(loop) - before));
	CHECK(idle_calls.calls == 0, "idle pipes called %u times", idle_calls.calls);
	/* An idle one that wakes up is served, in one turn. */
	hilt_loop_del_fd(loop, idle[IDLE / 2][0]);
	hilt_loop_add_fd(loop, idle[IDLE / 2][0], POLLIN, count_cb, &woken);
	put(idle[IDLE / 2][1], "y");
	hilt_loop_del_fd(loop, act[0]);
	hilt_loop_add_timer(loop, hilt_now_ns() + 30 * MS, stop_cb, NULL);
	hilt_loop_run(loop);
	CHECK(woken.calls == 1, "the woken pipe was called %u times", woken.calls);
	CHECK(idle_calls.calls == 0, "idle pipes called %u times", idle_calls.calls);
	for (int i = 0; i < IDLE; i++) {
		close(idle[i][0]);
		close(idle[i][1]);
	}
	close(act[0]);
	close(act[1]);
	hilt_loop_free(loop);
	return 0;
}

/* --- deletion during dispatch --- */

struct ring {
	struct ring *next;
	int fd;
	unsigned calls;
	bool gone;
	unsigned *late;		/* calls after the watch was removed */
};

/* Removes the next pipe of the ring and itself, without reading: the
 * pipes stay ready, so a callback run for a removed watch would show. */
static void ring_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct ring *r = arg;

	(void)fd;
	(void)revents;
	if (r->gone)
		(*r->late)++;
	r->calls++;
	if (!r->next->gone) {
		hilt_loop_del_fd(loop, r->next->fd);
		r->next->gone = true;
	}
	hilt_loop_del_fd(loop, r->fd);
	r->gone = true;
}

static int delete_other_ready_fd(void)
{
	struct hilt_loop *loop = new_loop();
	int p[3][2];
	struct ring r[3];
	unsigned late = 0;

	for (int i = 0; i < 3; i++) {
		make_pipe(p[i]);
		put(p[i][1], "x");
		r[i] = (struct ring){ .next = &r[(i + 1) % 3], .fd = p[i][0], .late = &late };
		hilt_loop_add_fd(loop, p[i][0], POLLIN, ring_cb, &r[i]);
	}
	uint64_t before = hilt_loop_iterations(loop);

	/* All three are ready in one wait.  Whichever runs first removes the
	 * next; the third runs and removes the first; nothing is left. */
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(late == 0, "%u callbacks of removed watches", late);
	CHECK(r[0].calls + r[1].calls + r[2].calls == 2, "%u + %u + %u callbacks",
	      r[0].calls, r[1].calls, r[2].calls);
	CHECK(hilt_loop_iterations(loop) - before == 1, "%llu waits",
	      (unsigned long long)(hilt_loop_iterations(loop) - before));
	for (int i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	hilt_loop_free(loop);
	return 0;
}

struct swapper {
	struct swapper *other;
	int fd, wr;		/* read end (its number stays), write end */
	unsigned calls;
	bool replaced;
	struct reader fresh;	/* the watch on the new pipe */
};

/* Replaces the other pipe by a new one with the same fd number, then
 * stops watching its own.  The other's event, collected in the same
 * wait, must reach neither its old callback nor the new one. */
static void swap_other_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct swapper *s = arg, *o = s->other;
	int np[2];

	(void)revents;
	s->calls++;
	hilt_loop_del_fd(loop, fd);
	if (o->replaced || s->replaced)
		return;
	hilt_loop_del_fd(loop, o->fd);
	close(o->wr);
	make_pipe(np);
	/* The same number for the new read end, whatever else is free. */
	if (dup3(np[0], o->fd, O_CLOEXEC) != o->fd)
		abort();
	close(np[0]);
	o->wr = np[1];
	o->replaced = true;
	CHECK(hilt_loop_add_fd(loop, o->fd, POLLIN, read_cb, &o->fresh) == 0, "re-add fd %d",
	      o->fd);
}

static int stale_event_of_reused_fd(void)
{
	struct hilt_loop *loop = new_loop();
	struct swapper s[2] = { 0 };
	int p[2][2];

	for (int i = 0; i < 2; i++) {
		make_pipe(p[i]);
		put(p[i][1], "old");
		s[i].fd = p[i][0];
		s[i].wr = p[i][1];
		s[i].other = &s[1 - i];
		hilt_loop_add_fd(loop, s[i].fd, POLLIN, swap_other_cb, &s[i]);
	}
	hilt_loop_add_timer(loop, hilt_now_ns() + 30 * MS, stop_cb, NULL);
	hilt_loop_run(loop);
	struct swapper *gone = s[0].replaced ? &s[0] : &s[1];

	CHECK(s[0].replaced != s[1].replaced, "replaced: %d %d", s[0].replaced, s[1].replaced);
	CHECK(gone->calls == 0, "the replaced pipe's old callback ran %u times", gone->calls);
	CHECK(gone->fresh.calls == 0, "the new pipe's callback ran %u times on an empty pipe",
	      gone->fresh.calls);
	CHECK(gone->other->calls == 1, "%u calls of the first", gone->other->calls);
	/* The new pipe gets its own data. */
	put(gone->wr, "new");
	close(gone->wr);
	gone->wr = -1;
	CHECK(hilt_loop_run(loop) == 0, "run");
	gone->fresh.got[gone->fresh.len] = '\0';
	CHECK(strcmp(gone->fresh.got, "new") == 0, "the new pipe read [%s]", gone->fresh.got);
	for (int i = 0; i < 2; i++) {
		close(s[i].fd);
		if (s[i].wr >= 0)
			close(s[i].wr);
	}
	hilt_loop_free(loop);
	return 0;
}

/* A regular file cannot be waited for with epoll: it is always ready, as
 * poll() says (a recorded log is read this way). */
static int regular_file(void)
{
	struct hilt_loop *loop = new_loop();
	struct reader r = { 0 };
	FILE *f = tmpfile();

	if (!f || fputs("from a file", f) < 0 || fflush(f) || fseek(f, 0, SEEK_SET))
		abort();
	int fd = fileno(f);

	CHECK(hilt_loop_add_fd(loop, fd, POLLIN, read_cb, &r) == 0, "add a regular file");
	CHECK(hilt_loop_run(loop) == 0, "run");
	r.got[r.len] = '\0';
	CHECK(strcmp(r.got, "from a file") == 0, "read [%s]", r.got);
	CHECK(r.revents == POLLIN, "revents %#x", r.revents);
	fclose(f);
	hilt_loop_free(loop);
	return 0;
}


#define NSRC 6

struct shifting {
	struct hilt_loop *loop;
	int p[NSRC][2];
	bool ready[NSRC];
	int64_t id;
	unsigned turn, checks, bad;
	struct {
		int which;
		short events;
		int index;
	} added[2 * NSRC];
	size_t nadded;
};

/* Turn k adds a different subset, in a different order, some twice with
 * other events; a ready pipe stays ready (nothing reads it). */
static void shifting_prepare(struct hilt_pollset *ps, int *timeout_ms, void *arg)
{
	struct shifting *s = arg;

	s->nadded = 0;
	for (int j = 0; j < NSRC; j++) {
		int i = (j + (int)s->turn) % NSRC;

		if ((i + s->turn) % 3 == 0)
			continue;
		short ev = (s->turn + (unsigned)i) % 4 == 0 ? POLLOUT : POLLIN;

		s->added[s->nadded].which = i;
		s->added[s->nadded].events = ev;
		s->added[s->nadded++].index = hilt_pollset_add(ps, s->p[i][0], ev);
		if (i == (int)(s->turn % NSRC)) {
			s->added[s->nadded].which = i;
			s->added[s->nadded].events = POLLIN;
			s->added[s->nadded++].index = hilt_pollset_add(ps, s->p[i][0], POLLIN);
		}
	}
	*timeout_ms = 1000;
}

static void shifting_check(const struct hilt_pollset *ps, void *arg)
{
	struct shifting *s = arg;

	s->checks++;
	for (size_t k = 0; k < s->nadded; k++) {
		int i = s->added[k].which;
		short want = s->ready[i] && (s->added[k].events & POLLIN) ? POLLIN : 0;
		short got = hilt_pollset_revents(ps, s->added[k].index);

		if (got != want) {
			s->bad++;
			fprintf(stderr, "turn %u: pipe %d (events %#x) revents %#x, expected %#x\n",
				s->turn, i, s->added[k].events, got, want);
		}
	}
	/* From turn 10 on, pipe 1 gets data too. */
	if (++s->turn == 10) {
		put(s->p[1][1], "late");
		s->ready[1] = true;
	}
	if (s->turn == 40)
		hilt_loop_del_source(s->loop, s->id);
}

static int sources_changing_fds(void)
{
	struct hilt_loop *loop = new_loop();
	struct shifting s = { .loop = loop };

	for (int i = 0; i < NSRC; i++) {
		make_pipe(s.p[i]);
		s.ready[i] = i % 2 == 0;
		if (s.ready[i])
			put(s.p[i][1], "data");
	}
	s.id = hilt_loop_add_source(loop, shifting_prepare, shifting_check, &s);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(s.checks == 40 && s.bad == 0, "%u checks, %u wrong revents", s.checks, s.bad);
	/* The source is gone: its fds are no longer watched, and a watch on
	 * one of them sees only what it asked for. */
	struct counter c = { 0 };

	hilt_loop_add_fd(loop, s.p[3][0], POLLIN, count_cb, &c);
	hilt_loop_add_timer(loop, hilt_now_ns() + 20 * MS, stop_cb, NULL);
	hilt_loop_run(loop);
	CHECK(c.calls == 0, "an empty pipe was called %u times", c.calls);
	hilt_loop_del_fd(loop, s.p[3][0]);
	for (int i = 0; i < NSRC; i++) {
		close(s.p[i][0]);
		close(s.p[i][1]);
	}
	hilt_loop_free(loop);
	return 0;
}

/* A source closes an fd and gets a new file with the same number (what
 * libslirp does when a connection ends and another starts): told with
 * hilt_loop_source_fd_closing, the loop watches the new one. */
struct recycler {
	struct hilt_loop *loop;
	int fd, wr;
	int index;
	unsigned turn;
	short seen[4];
	int64_t id;
};

static void recycler_prepare(struct hilt_pollset *ps, int *timeout_ms, void *arg)
{
	struct recycler *r = arg;

	r->index = hilt_pollset_add(ps, r->fd, POLLIN);
	*timeout_ms = 10;
}

static void recycler_check(const struct hilt_pollset *ps, void *arg)
{
	struct recycler *r = arg;
	int np[2];

	r->seen[r->turn] = hilt_pollset_revents(ps, r->index);
	if (r->turn++ == 0) {
		/* Same number, same events, a new (ready) pipe. */
		hilt_loop_source_fd_closing(r->loop, r->fd);
		close(r->wr);
		make_pipe(np);
		if (dup3(np[0], r->fd, O_CLOEXEC) != r->fd)
			abort();
		close(np[0]);
		r->wr = np[1];
		put(r->wr, "x");
	}
	if (r->turn == 2)
		hilt_loop_del_source(r->loop, r->id);
}

static int source_fd_number_reused(void)
{
	struct hilt_loop *loop = new_loop();
	struct recycler r = { .loop = loop };
	int p[2];

	make_pipe(p);
	r.fd = p[0];
	r.wr = p[1];
	r.id = hilt_loop_add_source(loop, recycler_prepare, recycler_check, &r);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(r.turn == 2, "%u turns", r.turn);
	CHECK(r.seen[0] == 0, "the empty pipe: revents %#x", r.seen[0]);
	CHECK(r.seen[1] == POLLIN, "the new pipe: revents %#x", r.seen[1]);
	close(r.fd);
	close(r.wr);
	hilt_loop_free(loop);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "fd: data, EOF, removal ends the loop", fd_events },
		{ "fd: events changed with mod_fd", fd_mod_events },
		{ "a callback removes its own fd and another", callback_removes_fds },
		{ "an fd number reused inside a callback", fd_number_reused_in_callback },
		{ "stop before run and from a timer", stop },
		{ "stop from an fd callback", stop_from_fd_callback },
		{ "sources: prepare, check, removal", sources },
		{ "1000 idle pipes, one active: one wait per event", many_idle_fds },
		{ "a callback removes another ready fd", delete_other_ready_fd },
		{ "a ready fd removed, closed, its number re-added", stale_event_of_reused_fd },
		{ "a regular file is always ready", regular_file },
		{ "sources: the fd set changes every turn", sources_changing_fds },
		{ "sources: an fd closed and its number reused", source_fd_number_reused },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
