#define _GNU_SOURCE
#include "loop.h"
#include "grow.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct watch {
	int fd;
	short events;
	hilt_fd_cb cb;
	void *arg;
	bool removed;
};

struct timer {
	int64_t id;
	int64_t deadline_ns;
	hilt_timer_cb cb;
	void *arg;
};

struct source {
	int64_t id;
	hilt_prepare_cb prepare;
	hilt_check_cb check;
	void *arg;
	bool removed;
};

struct hilt_pollset {
	struct pollfd *pfds;
	size_t n, cap;
};

struct hilt_loop {
	struct source *sources;
	size_t nsources, capsources;
	int64_t next_source_id;
	struct hilt_pollset ps;
	struct watch *watches;
	size_t nwatches, capwatches;
	struct timer *timers;
	size_t ntimers, captimers;
	int64_t next_timer_id;
	bool stopping;
};

int64_t hilt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int hilt_loop_new(struct hilt_loop **out)
{
	struct hilt_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->next_timer_id = 1;
	loop->next_source_id = 1;
	*out = loop;
	return 0;
}

void hilt_loop_free(struct hilt_loop *loop)
{
	if (!loop)
		return;
	free(loop->watches);
	free(loop->timers);
	free(loop->sources);
	free(loop->ps.pfds);
	free(loop);
}

static struct watch *find_watch(struct hilt_loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nwatches; i++)
		if (loop->watches[i].fd == fd && !loop->watches[i].removed)
			return &loop->watches[i];
	return NULL;
}

int hilt_loop_add_fd(struct hilt_loop *loop, int fd, short events,
		     hilt_fd_cb cb, void *arg)
{
	if (find_watch(loop, fd))
		return -EEXIST;
	struct watch *w = hilt_grow(loop->watches, loop->nwatches + 1, &loop->capwatches,
				    sizeof(*w), 8);

	if (!w)
		return -ENOMEM;
	loop->watches = w;
	loop->watches[loop->nwatches++] = (struct watch){
		.fd = fd, .events = events, .cb = cb, .arg = arg,
	};
	return 0;
}

int hilt_loop_mod_fd(struct hilt_loop *loop, int fd, short events)
{
	struct watch *w = find_watch(loop, fd);

	if (!w)
		return -ENOENT;
	w->events = events;
	return 0;
}

void hilt_loop_del_fd(struct hilt_loop *loop, int fd)
{
	struct watch *w = find_watch(loop, fd);

	/* Removal is deferred so that a callback may remove any watch while
	 * the loop iterates over the poll results. */
	if (w)
		w->removed = true;
}

int64_t hilt_loop_add_timer(struct hilt_loop *loop, int64_t deadline_ns,
			    hilt_timer_cb cb, void *arg)
{
	struct timer *t = hilt_grow(loop->timers, loop->ntimers + 1, &loop->captimers,
				    sizeof(*t), 8);

	if (!t)
		return -ENOMEM;
	loop->timers = t;
	int64_t id = loop->next_timer_id++;

	loop->timers[loop->ntimers++] = (struct timer){
		.id = id, .deadline_ns = deadline_ns, .cb = cb, .arg = arg,
	};
	return id;
}

void hilt_loop_cancel_timer(struct hilt_loop *loop, int64_t id)
{
	for (size_t i = 0; i < loop->ntimers; i++) {
		if (loop->timers[i].id == id) {
			loop->timers[i] = loop->timers[--loop->ntimers];
			return;
		}
	}
}

int hilt_pollset_add(struct hilt_pollset *ps, int fd, short events)
{
	struct pollfd *p = hilt_grow(ps->pfds, ps->n + 1, &ps->cap, sizeof(*p), 16);

	if (!p)
		return -1;
	ps->pfds = p;
	ps->pfds[ps->n] = (struct pollfd){ .fd = fd, .events = events };
	return (int)ps->n++;
}

short hilt_pollset_revents(const struct hilt_pollset *ps, int index)
{
	return index >= 0 && (size_t)index < ps->n ? ps->pfds[index].revents : 0;
}

int64_t hilt_loop_add_source(struct hilt_loop *loop, hilt_prepare_cb prepare,
			     hilt_check_cb check, void *arg)
{
	struct source *s = hilt_grow(loop->sources, loop->nsources + 1, &loop->capsources,
				     sizeof(*s), 4);

	if (!s)
		return -ENOMEM;
	loop->sources = s;
	int64_t id = loop->next_source_id++;

	loop->sources[loop->nsources++] = (struct source){
		.id = id, .prepare = prepare, .check = check, .arg = arg,
	};
	return id;
}

void hilt_loop_del_source(struct hilt_loop *loop, int64_t id)
{
	for (size_t i = 0; i < loop->nsources; i++)
		if (loop->sources[i].id == id)
			loop->sources[i].removed = true;
}

static void compact_sources(struct hilt_loop *loop)
{
	size_t j = 0;

	for (size_t i = 0; i < loop->nsources; i++)
		if (!loop->sources[i].removed)
			loop->sources[j++] = loop->sources[i];
	loop->nsources = j;
}

void hilt_loop_stop(struct hilt_loop *loop)
{
	loop->stopping = true;
}

static void compact_watches(struct hilt_loop *loop)
{
	size_t j = 0;

	for (size_t i = 0; i < loop->nwatches; i++)
		if (!loop->watches[i].removed)
			loop->watches[j++] = loop->watches[i];
	loop->nwatches = j;
}

/* Fires every timer that is due; returns the poll timeout in ms to the
 * next one, or -1 when there is none. */
static int run_due_timers(struct hilt_loop *loop)
{
	for (;;) {
		int64_t now = hilt_now_ns();
		size_t due = loop->ntimers;
		int64_t earliest = INT64_MAX;

		for (size_t i = 0; i < loop->ntimers; i++) {
			if (loop->timers[i].deadline_ns < earliest) {
				earliest = loop->timers[i].deadline_ns;
				due = i;
			}
		}
		if (due == loop->ntimers)
			return -1;
		if (earliest > now) {
			int64_t ms = (earliest - now + 999999) / 1000000;

			return ms > 60000 ? 60000 : (int)ms;
		}
		struct timer t = loop->timers[due];

		loop->timers[due] = loop->timers[--loop->ntimers];
		t.cb(loop, t.arg);
		if (loop->stopping)
			return 0;
	}
}

int hilt_loop_run(struct hilt_loop *loop)
{
	struct hilt_pollset *ps = &loop->ps;
	int ret = 0;

	/* A stop requested before the loop runs (say, by a callback of work
	 * started beforehand) is honoured at once. */
	while (!loop->stopping) {
		int timeout = run_due_timers(loop);

		if (loop->stopping)
			break;
		compact_watches(loop);
		compact_sources(loop);
		if (loop->nwatches == 0 && loop->ntimers == 0 && loop->nsources == 0)
			break;
		ps->n = 0;
		size_t n = loop->nwatches;

		for (size_t i = 0; i < n; i++) {
			if (hilt_pollset_add(ps, loop->watches[i].fd,
					     loop->watches[i].events) < 0)
				return -ENOMEM;
		}
		/* Sources add their fds after the watches, fresh each time. */
		size_t nsources = loop->nsources;

		for (size_t i = 0; i < nsources; i++) {
			int t = -1;

			loop->sources[i].prepare(ps, &t, loop->sources[i].arg);
			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		int rc = poll(ps->pfds, ps->n, timeout);

		if (rc < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (rc < 0) {
			for (size_t i = 0; i < ps->n; i++)
				ps->pfds[i].revents = 0;
		}
		for (size_t i = 0; i < n && !loop->stopping; i++) {
			if (!ps->pfds[i].revents)
				continue;
			/* Watches added by callbacks sit past n; removed ones are
			 * skipped.  The array may have grown, so index afresh. */
			struct watch *w = &loop->watches[i];

			if (w->removed || w->fd != ps->pfds[i].fd)
				continue;
			w->cb(loop, w->fd, ps->pfds[i].revents, w->arg);
		}
		for (size_t i = 0; i < nsources && !loop->stopping; i++)
			if (!loop->sources[i].removed)
				loop->sources[i].check(ps, loop->sources[i].arg);
	}
	loop->stopping = false;
	return ret;
}
