/* The event loop's timers (base/loop.c) on the monotonic clock: deadline
 * order, cancelling, timers added and re-armed from callbacks, overdue
 * timers, timers beside fds.  (fds, stop and sources: test_loop.c.) */
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
/* --- timer order, cancelling, re-arming --- */

static int equal_deadlines_in_order(void)
{
	struct hilt_loop *loop = new_loop();
	struct fired log = { 0 };
	int64_t d = hilt_now_ns() + 5 * MS;
	struct timer_arg t[16];
	int64_t id[16];

	/* Ids 1..16, the odd ones a ns earlier.  Every third is cancelled
	 * and added again, which moves it to the end of its deadline's line
	 * (and through the heap). */
	for (int i = 0; i < 16; i++) {
		t[i] = (struct timer_arg){ .log = &log, .id = i + 1,
					   .deadline = (i % 2) ? d : d - 1 };
		id[i] = hilt_loop_add_timer(loop, t[i].deadline, record_cb, &t[i]);
	}
	for (int i = 0; i < 16; i += 3) {
		hilt_loop_cancel_timer(loop, id[i]);
		id[i] = hilt_loop_add_timer(loop, t[i].deadline, record_cb, &t[i]);
	}
	CHECK(hilt_loop_run(loop) == 0, "run");
	static const int want[16] = {
		/* d - 1: the odd ids, then those added again */
		3, 5, 9, 11, 15, 1, 7, 13,
		/* d: the even ids, then those added again */
		2, 6, 8, 12, 14, 4, 10, 16,
	};

	CHECK(log.n == 16, "%zu fired", log.n);
	for (size_t i = 0; i < log.n; i++)
		CHECK(log.order[i] == want[i], "fired #%zu: timer %d, expected %d", i,
		      log.order[i], want[i]);
	hilt_loop_free(loop);
	return 0;
}

static int cancel_due_and_fired(void)
{
	struct hilt_loop *loop = new_loop();
	struct fired log = { 0 };
	int64_t now = hilt_now_ns();
	/* All due at once with one deadline: 1 cancels 3 (after it in the
	 * same pass) and 2 cancels itself (fired already: nothing). */
	struct timer_arg t[] = { T(1, now), T(2, now), T(3, now), T(4, now) };
	int64_t id[4];

	for (int i = 0; i < 4; i++)
		id[i] = hilt_loop_add_timer(loop, t[i].deadline, record_cb, &t[i]);
	t[0].cancel = id[2];
	t[1].cancel = id[1];
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(log.n == 3 && log.order[0] == 1 && log.order[1] == 2 && log.order[2] == 4,
	      "%zu fired: %d %d %d", log.n, log.order[0], log.order[1], log.order[2]);
	/* A fired id's slot serves a new timer: cancelling the old id must
	 * leave the new one alone. */
	struct timer_arg late = T(5, hilt_now_ns() + 5 * MS);
	int64_t late_id = hilt_loop_add_timer(loop, late.deadline, record_cb, &late);

	CHECK(late_id > 0 && late_id != id[0] && late_id != id[1] && late_id != id[3],
	      "new id %lld", (long long)late_id);
	for (int i = 0; i < 4; i++)
		hilt_loop_cancel_timer(loop, id[i]);
	hilt_loop_cancel_timer(loop, 0);
	hilt_loop_cancel_timer(loop, -5);
	hilt_loop_cancel_timer(loop, late_id + (1LL << 40));
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(log.n == 4 && log.order[3] == 5, "%zu fired, last %d", log.n, log.order[3]);
	hilt_loop_free(loop);
	return 0;
}

struct past {
	int depth;		/* inside one of our callbacks */
	unsigned nested;	/* a timer fired inside the call that added it */
	uint64_t added_at, fired_at;
	unsigned fired;
	int pipe[2];
};

static void past_fired(struct hilt_loop *loop, void *arg)
{
	struct past *p = arg;

	if (p->depth)
		p->nested++;
	p->fired++;
	p->fired_at = hilt_loop_iterations(loop);
}

static void add_past_timer(struct hilt_loop *loop, void *arg)
{
	struct past *p = arg;

	p->depth++;
	p->added_at = hilt_loop_iterations(loop);
	hilt_loop_add_timer(loop, hilt_now_ns() - 1000 * MS, past_fired, p);
	p->depth--;
}

static void add_past_from_fd(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct past *p = arg;

	(void)revents;
	hilt_loop_del_fd(loop, fd);
	add_past_timer(loop, p);
}

static int past_timer_from_callback(void)
{
	struct hilt_loop *loop = new_loop();
	struct past a = { 0 }, b = { 0 };

	/* From a timer: it fires, but after the loop waited once more. */
	hilt_loop_add_timer(loop, hilt_now_ns(), add_past_timer, &a);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(a.fired == 1 && a.nested == 0, "fired %u, %u inside", a.fired, a.nested);
	CHECK(a.fired_at > a.added_at, "fired at wait %llu, added at %llu",
	      (unsigned long long)a.fired_at, (unsigned long long)a.added_at);
	/* From an fd callback. */
	make_pipe(b.pipe);
	put(b.pipe[1], "x");
	hilt_loop_add_fd(loop, b.pipe[0], POLLIN, add_past_from_fd, &b);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(b.fired == 1 && b.nested == 0, "fired %u, %u inside", b.fired, b.nested);
	close(b.pipe[0]);
	close(b.pipe[1]);
	hilt_loop_free(loop);
	return 0;
}

struct rearm {
	unsigned fired, fired_when_fd_ran;
	bool fd_ran;
};

/* Due at once every time, forever (until the fd has run). */
static void rearm_cb(struct hilt_loop *loop, void *arg)
{
	struct rearm *r = arg;

	r->fired++;
	if (!r->fd_ran && r->fired < 100000)
		hilt_loop_add_timer(loop, hilt_now_ns(), rearm_cb, r);
}

static void note_fd_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct rearm *r = arg;

	(void)revents;
	r->fd_ran = true;
	r->fired_when_fd_ran = r->fired;
	hilt_loop_del_fd(loop, fd);
}

static int rearming_timer_does_not_starve_fds(void)
{
	struct hilt_loop *loop = new_loop();
	struct rearm r = { 0 };
	int p[2];

	make_pipe(p);
	put(p[1], "x");
	hilt_loop_add_timer(loop, hilt_now_ns(), rearm_cb, &r);
	hilt_loop_add_fd(loop, p[0], POLLIN, note_fd_cb, &r);
	CHECK(hilt_loop_run(loop) == 0, "run");
	CHECK(r.fd_ran, "the fd never ran");
	CHECK(r.fired_when_fd_ran <= 1, "the timer fired %u times before the fd ran",
	      r.fired_when_fd_ran);
	close(p[0]);
	close(p[1]);
	hilt_loop_free(loop);
	return 0;
}

/* --- sources with a changing fd set --- */
int main(void)
{
	static const struct check_test tests[] = {
		{ "timers fire in deadline order, never early", timers_in_order },
		{ "timers cancelled, also from a callback in the same pass", cancel },
		{ "timers added from a timer callback", timers_added_by_callbacks },
		{ "timers with equal deadlines fire in the order added", equal_deadlines_in_order },
		{ "cancel a timer due in the same pass, and a fired id", cancel_due_and_fired },
		{ "a timer added overdue from a callback fires on a later turn",
		  past_timer_from_callback },
		{ "a timer re-arming itself at once does not starve fds",
		  rearming_timer_does_not_starve_fds },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
