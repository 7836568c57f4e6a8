#define _GNU_SOURCE
#include "base/child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/tail.h"

struct hilt_child {
	struct hilt_loop *loop;
	struct hilt_proc *proc;
	struct hilt_tail *output;
	hilt_child_cb done;
	void *arg;
	int grace_ms;
	int pidfd, output_fd;	/* as watched by the loop; -1 when not */
	int64_t started_ns, deadline_timer, kill_timer;
	bool ended, timed_out, stopped;
	struct hilt_child_end end;
};

static void unwatch_output(struct hilt_child *c)
{
	if (c->output_fd < 0)
		return;
	hilt_loop_del_fd(c->loop, c->output_fd);
	c->output_fd = -1;
	hilt_proc_close_output(c->proc);
}

static void cancel(struct hilt_child *c, int64_t *timer)
{
	if (*timer > 0)
		hilt_loop_cancel_timer(c->loop, *timer);
	*timer = 0;
}

static void drain_output(struct hilt_child *c)
{
	char buf[4096];
	ssize_t n;

	/* Bounded per call: a chatty child cannot hold the loop. */
	for (int i = 0; c->output_fd >= 0 && i < 16; i++) {
		n = read(c->output_fd, buf, sizeof(buf));
		if (n > 0) {
			if (c->output)
				hilt_tail_append(c->output, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		unwatch_output(c);	/* EOF or error */
	}
}

static void reaped(struct hilt_child *c)
{
	hilt_proc_reap(c->proc, &c->end.status);
	if (c->pidfd >= 0)
		hilt_loop_del_fd(c->loop, c->pidfd);
	c->pidfd = -1;
	/* What the child printed last is in the pipe still. */
	drain_output(c);
	unwatch_output(c);
	cancel(c, &c->deadline_timer);
	cancel(c, &c->kill_timer);
	c->ended = true;
	c->end.timed_out = c->timed_out;
	c->end.stopped = c->stopped;
	c->end.seconds = (double)(hilt_now_ns() - c->started_ns) / 1e9;
	/* Last: done may free c. */
	c->done(c, &c->end, c->arg);
}

static void on_pidfd(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_child *c = arg;

	(void)loop;
	(void)fd;
	(void)revents;
	if (hilt_proc_reap(c->proc, NULL) == 1)
		reaped(c);
}

static void on_output(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	(void)loop;
	(void)fd;
	(void)revents;
	drain_output(arg);
}

static void kill_now(struct hilt_loop *loop, void *arg)
{
	struct hilt_child *c = arg;

	(void)loop;
	c->kill_timer = 0;
	hilt_proc_signal(c->proc, SIGKILL);
}

static void terminate(struct hilt_child *c, int grace_ms)
{
	if (c->ended || c->kill_timer > 0)
		return;
	cancel(c, &c->deadline_timer);
	hilt_proc_signal(c->proc, SIGTERM);
	c->kill_timer = hilt_loop_add_timer(c->loop, hilt_now_ns() + (int64_t)grace_ms * 1000000,
					    kill_now, c);
	if (c->kill_timer < 0) {
		c->kill_timer = 0;
		hilt_proc_signal(c->proc, SIGKILL);
	}
}

static void deadline(struct hilt_loop *loop, void *arg)
{
	struct hilt_child *c = arg;

	(void)loop;
	c->deadline_timer = 0;
	c->timed_out = true;
	terminate(c, c->grace_ms);
}

static int watch(struct hilt_child *c, double timeout_s)
{
	int rc;

	c->pidfd = hilt_proc_pidfd(c->proc);
	rc = hilt_loop_add_fd(c->loop, c->pidfd, POLLIN, on_pidfd, c);
	if (rc < 0) {
		c->pidfd = -1;
		return rc;
	}
	if (c->output_fd >= 0 && (rc = hilt_loop_add_fd(c->loop, c->output_fd, POLLIN,
							  on_output, c)) < 0) {
		c->output_fd = -1;
		return rc;
	}
	if (timeout_s > 0) {
		c->deadline_timer = hilt_loop_add_timer(c->loop,
							c->started_ns + (int64_t)(timeout_s * 1e9),
							deadline, c);
		if (c->deadline_timer < 0) {
			rc = (int)c->deadline_timer;
			c->deadline_timer = 0;
			return rc;
		}
	}
	return 0;
}

static struct hilt_child *child_new(struct hilt_loop *loop, int grace_ms, hilt_child_cb done,
				    void *arg)
{
	struct hilt_child *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = loop;
	c->grace_ms = grace_ms;
	c->done = done;
	c->arg = arg;
	c->pidfd = c->output_fd = -1;
	c->started_ns = hilt_now_ns();
	return c;
}

int hilt_child_run(struct hilt_loop *loop, char *const argv[], double timeout_s, int grace_ms,
		   struct hilt_tail *output, hilt_child_cb done, void *arg,
		   struct hilt_child **out, char *err, size_t errlen)
{
	struct hilt_child *c = child_new(loop, grace_ms, done, arg);
	int rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = hilt_proc_start(argv, NULL, 0, &c->proc, err, errlen);
	if (rc) {
		free(c);
		return rc;
	}
	c->output = output;
	c->output_fd = hilt_proc_output_fd(c->proc);
	rc = watch(c, timeout_s);
	if (rc) {
		snprintf(err, errlen, "cannot watch %s: %s", argv[0], strerror(-rc));
		hilt_child_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int hilt_child_adopt(struct hilt_loop *loop, struct hilt_proc *proc, int grace_ms,
		     hilt_child_cb done, void *arg, struct hilt_child **out)
{
	struct hilt_child *c = child_new(loop, grace_ms, done, arg);
	int rc;

	if (!c)
		return -ENOMEM;
	c->proc = proc;
	rc = watch(c, 0);
	if (rc) {
		c->proc = NULL;
		hilt_child_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void hilt_child_stop(struct hilt_child *c, int grace_ms)
{
	if (c->ended)
		return;
	c->stopped = true;
	terminate(c, grace_ms < 0 ? c->grace_ms : grace_ms);
}

bool hilt_child_running(const struct hilt_child *c)
{
	return !c->ended;
}

struct hilt_proc *hilt_child_proc(struct hilt_child *c)
{
	return c->proc;
}

void hilt_child_free(struct hilt_child *c)
{
	if (!c)
		return;
	if (c->pidfd >= 0)
		hilt_loop_del_fd(c->loop, c->pidfd);
	unwatch_output(c);
	cancel(c, &c->deadline_timer);
	cancel(c, &c->kill_timer);
	/* Still running: SIGKILL reaches it at once; reaping it is quick. */
	if (c->proc && !c->ended)
		hilt_proc_signal(c->proc, SIGKILL);
	hilt_proc_free(c->proc);
	free(c);
}
