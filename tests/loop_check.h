/* What the event loop's tests share (test_loop.c, test_loop_timers.c): a
 * loop, pipes and a reader of them, a deadline that stops a run gone
 * wrong, and timers that log when they fire. */
#ifndef HILT_TEST_LOOP_CHECK_H
#define HILT_TEST_LOOP_CHECK_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/loop.h"

#define MS (1000 * 1000LL)

static inline struct hilt_loop *new_loop(void)
{
	struct hilt_loop *loop;

	if (hilt_loop_new(&loop))
		abort();
	return loop;
}

static inline void make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
		abort();
}

static inline void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

static inline void stop_cb(struct hilt_loop *loop, void *arg)
{
	(void)arg;
	hilt_loop_stop(loop);
}

/* A deadline for a run that a callback should stop: the checks after the
 * run then see what did not happen.  Cancel it afterwards. */
static inline int64_t safety_net(struct hilt_loop *loop)
{
	return hilt_loop_add_timer(loop, hilt_now_ns() + 5000 * MS, stop_cb, NULL);
}

struct reader {
	int fd;
	unsigned calls;
	short revents;
	char got[64];
	size_t len;
};

/* Reads what there is; at EOF stops watching. */
static inline void read_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
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

static inline void record_cb(struct hilt_loop *loop, void *arg)
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

#endif
