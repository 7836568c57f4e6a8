/* The event loop: epoll for fds, a binary min-heap for timers, and
 * sources (libslirp) whose changing fd sets are told to epoll by
 * difference.  A turn of the loop: fire the timers due, let the sources
 * prepare, wait, hand each ready fd to its watch, let the sources check.
 * What a turn costs grows with the events it serves (and a source's own
 * fds), not with the number of idle fds or pending timers. */
#define _GNU_SOURCE
#include "base/loop.h"
#include "base/grow.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* How many ready fds one wait collects.  More stay ready (level-triggered)
 * and come with the next wait; epoll hands them out in turn. */
#define WAIT_BATCH 256

/* What poll() reports for a file that cannot be waited for (a regular
 * file), and what epoll refuses with EPERM. */
#define ALWAYS_READY (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

enum reg {
	REG_NONE,	/* the kernel does not watch the fd for us */
	REG_EPOLL,	/* in the epoll set, with reg_events and reg_seq */
	REG_ALWAYS,	/* epoll refused it: always ready, as with poll() */
};

/* One per fd number, in a table indexed by it. */
struct fdent {
	hilt_fd_cb cb;
	void *arg;
	/* Changes whenever the watch goes or comes.  An event carries the
	 * seq it was registered with: one collected before a callback
	 * removed the watch (and maybe closed the fd, and watched a new one
	 * with the same number) no longer matches, and is dropped. */
	uint32_t seq;
	uint32_t reg_seq;
	uint32_t reg_events;	/* EPOLL* flags, when REG_EPOLL */
	/* Equal to loop->stamp when a source added the fd in this turn's
	 * prepare; its pollset entries then start at src_first. */
	uint64_t src_stamp;
	int32_t src_first;
	int32_t always_pos;	/* index in loop->always, or -1 */
	short watch_events;
	short src_events;	/* the union of this turn's entries */
	short src_static;	/* revents of a source fd epoll cannot watch */
	bool watched;
	uint8_t reg;		/* enum reg */
};

struct heap_ent {
	int64_t deadline_ns;
	uint64_t seq;		/* creation order: ties fire oldest first */
	uint32_t slot;
};

/* A timer id is (gen << 32) | (slot + 1): cancelling finds the slot at
 * once, and the generation, bumped when the slot is freed, tells a stale
 * id from the slot's next timer. */
struct timer_slot {
	hilt_timer_cb cb;
	void *arg;
	uint32_t gen;
	uint32_t pos;		/* heap index when live, next free slot when not */
	bool live;
};

struct source {
	int64_t id;
	hilt_prepare_cb prepare;
	hilt_check_cb check;
	void *arg;
	bool removed;
};

struct ps_ent {
	struct pollfd pfd;
	int32_t next;		/* the next entry of the same fd, or -1 */
};

struct hilt_pollset {
	struct hilt_loop *loop;
	struct ps_ent *ents;
	size_t n, cap;
};

struct hilt_loop {
	int epfd;
	bool no_pwait2;		/* a kernel before 5.11: ms timeouts */
	bool stopping;
	uint64_t iterations;

	struct fdent *fds;
	size_t nfds;		/* table size: fd numbers below it have an entry */
	size_t nwatches;
	int *always;		/* watched fds epoll refused */
	size_t nalways, capalways;
	struct epoll_event *events;
	size_t capevents;

	struct heap_ent *heap;
	size_t nheap, capheap;
	struct timer_slot *slots;
	size_t nslots, capslots;
	uint32_t free_slot;	/* UINT32_MAX: none */
	uint64_t next_timer_seq;

	struct source *sources;
	size_t nsources, capsources, live_sources;
	int64_t next_source_id;
	struct hilt_pollset ps;
	uint64_t stamp;		/* counts prepares; never wraps */
	/* The fds sources added in this turn and in the one before: those
	 * only in the older list leave the epoll set. */
	int *src_cur, *src_prev;
	size_t ncur, capcur, nprev, capprev;
	size_t nsrc_static;
};

int64_t hilt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* poll(2) and epoll flags have the same values on Linux; the conversions
 * keep to the flags both know and say which is which. */
static uint32_t to_epoll(short events)
{
	return ((events & POLLIN) ? EPOLLIN : 0) | ((events & POLLPRI) ? EPOLLPRI : 0) |
	       ((events & POLLOUT) ? EPOLLOUT : 0);
}

static short from_epoll(uint32_t events)
{
	return (short)(((events & EPOLLIN) ? POLLIN : 0) | ((events & EPOLLPRI) ? POLLPRI : 0) |
		       ((events & EPOLLOUT) ? POLLOUT : 0) | ((events & EPOLLERR) ? POLLERR : 0) |
		       ((events & EPOLLHUP) ? POLLHUP : 0));
}

static uint64_t event_data(int fd, uint32_t seq)
{
	return (uint64_t)seq << 32 | (uint32_t)fd;
}

int hilt_loop_new(struct hilt_loop **out)
{
	struct hilt_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int e = -errno;

		free(loop);
		return e;
	}
	loop->events = malloc(WAIT_BATCH * sizeof(*loop->events));
	if (!loop->events) {
		close(loop->epfd);
		free(loop);
		return -ENOMEM;
	}
	loop->capevents = WAIT_BATCH;
	loop->free_slot = UINT32_MAX;
	loop->next_timer_seq = 1;
	loop->next_source_id = 1;
	loop->stamp = 1;
	loop->ps.loop = loop;
	*out = loop;
	return 0;
}

void hilt_loop_free(struct hilt_loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop->fds);
	free(loop->always);
	free(loop->events);
	free(loop->heap);
	free(loop->slots);
	free(loop->sources);
	free(loop->ps.ents);
	free(loop->src_cur);
	free(loop->src_prev);
	free(loop);
}

uint64_t hilt_loop_iterations(const struct hilt_loop *loop)
{
	return loop->iterations;
}

/* --- fds --- */

/* Makes the table reach fd.  0 or -ENOMEM. */
static int reach_fd(struct hilt_loop *loop, int fd)
{
	size_t need = (size_t)fd + 1, cap = loop->nfds;

	if (need <= cap)
		return 0;
	struct fdent *t = hilt_grow(loop->fds, need, &cap, sizeof(*t), 64);

	if (!t)
		return -ENOMEM;
	for (size_t i = loop->nfds; i < cap; i++)
		t[i] = (struct fdent){ .src_first = -1, .always_pos = -1 };
	loop->fds = t;
	loop->nfds = cap;
	return 0;
}

/* Brings the kernel's registration of fd in line with its watch and with
 * the sources' entries of this turn.  0 or -errno of epoll_ctl. */
static int sync_fd(struct hilt_loop *loop, int fd)
{
	struct fdent *e = &loop->fds[fd];
	bool src = e->src_stamp == loop->stamp;

	if (!e->watched && !src) {
		/* Errors do not matter here: a closed fd left the set with
		 * its file already. */
		if (e->reg == REG_EPOLL)
			epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		e->reg = REG_NONE;
		return 0;
	}
	if (e->reg == REG_ALWAYS)
		return 0;
	uint32_t ev = (e->watched ? to_epoll(e->watch_events) : 0) |
		      (src ? to_epoll(e->src_events) : 0);

	if (e->reg == REG_EPOLL && e->reg_events == ev && e->reg_seq == e->seq)
		return 0;
	struct epoll_event ee = { .events = ev, .data.u64 = event_data(fd, e->seq) };
	int op = e->reg == REG_EPOLL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	int rc = epoll_ctl(loop->epfd, op, fd, &ee);

	/* Our idea of the set can be out of date after a file was closed
	 * without a word (a source's): the kernel's answer settles it. */
	if (rc < 0 && op == EPOLL_CTL_MOD && errno == ENOENT)
		rc = epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ee);
	else if (rc < 0 && op == EPOLL_CTL_ADD && errno == EEXIST)
		rc = epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ee);
	if (rc < 0) {
		int err = errno;

		if (err == EPERM) {
			e->reg = REG_ALWAYS;
			return 0;
		}
		e->reg = REG_NONE;
		return -err;
	}
	e->reg = REG_EPOLL;
	e->reg_events = ev;
	e->reg_seq = e->seq;
	return 0;
}

static int always_push(struct hilt_loop *loop, int fd)
{
	int *a = hilt_grow(loop->always, loop->nalways + 1, &loop->capalways, sizeof(*a), 8);

	if (!a)
		return -ENOMEM;
	loop->always = a;
	loop->fds[fd].always_pos = (int32_t)loop->nalways;
	a[loop->nalways++] = fd;
	return 0;
}

static void always_remove(struct hilt_loop *loop, int fd)
{
	int32_t pos = loop->fds[fd].always_pos;

	if (pos < 0)
		return;
	int last = loop->always[--loop->nalways];

	loop->always[pos] = last;
	loop->fds[last].always_pos = pos;
	loop->fds[fd].always_pos = -1;
}

int hilt_loop_add_fd(struct hilt_loop *loop, int fd, short events,
		     hilt_fd_cb cb, void *arg)
{
	if (fd < 0)
		return -EBADF;
	int rc = reach_fd(loop, fd);

	if (rc < 0)
		return rc;
	struct fdent *e = &loop->fds[fd];

	if (e->watched)
		return -EEXIST;
	e->watched = true;
	e->cb = cb;
	e->arg = arg;
	e->watch_events = events;
	e->seq++;
	rc = sync_fd(loop, fd);
	if (rc == 0 && e->reg == REG_ALWAYS)
		rc = always_push(loop, fd);
	if (rc < 0) {
		e->watched = false;
		e->cb = NULL;
		e->seq++;
		sync_fd(loop, fd);
		return rc;
	}
	loop->nwatches++;
	return 0;
}

int hilt_loop_mod_fd(struct hilt_loop *loop, int fd, short events)
{
	if (fd < 0 || (size_t)fd >= loop->nfds || !loop->fds[fd].watched)
		return -ENOENT;
	loop->fds[fd].watch_events = events;
	return sync_fd(loop, fd);
}

void hilt_loop_del_fd(struct hilt_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nfds || !loop->fds[fd].watched)
		return;
	struct fdent *e = &loop->fds[fd];

	always_remove(loop, fd);
	e->watched = false;
	e->cb = NULL;
	e->arg = NULL;
	e->seq++;
	loop->nwatches--;
	sync_fd(loop, fd);
}

/* --- timers --- */

static bool heap_less(const struct heap_ent *a, const struct heap_ent *b)
{
	return a->deadline_ns < b->deadline_ns ||
	       (a->deadline_ns == b->deadline_ns && a->seq < b->seq);
}

static void heap_set(struct hilt_loop *loop, size_t i, struct heap_ent he)
{
	loop->heap[i] = he;
	loop->slots[he.slot].pos = (uint32_t)i;
}

static void sift_up(struct hilt_loop *loop, size_t i)
{
	struct heap_ent he = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!heap_less(&he, &loop->heap[parent]))
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, he);
}

static void sift_down(struct hilt_loop *loop, size_t i)
{
	struct heap_ent he = loop->heap[i];
	size_t n = loop->nheap;

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && heap_less(&loop->heap[child + 1], &loop->heap[child]))
			child++;
		if (!heap_less(&loop->heap[child], &he))
			break;
		heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	heap_set(loop, i, he);
}

static void heap_remove(struct hilt_loop *loop, size_t i)
{
	struct heap_ent last = loop->heap[--loop->nheap];

	if (i == loop->nheap)
		return;
	bool up = heap_less(&last, &loop->heap[i]);

	loop->heap[i] = last;
	if (up)
		sift_up(loop, i);
	else
		sift_down(loop, i);
}

static void slot_free(struct hilt_loop *loop, uint32_t slot)
{
	struct timer_slot *s = &loop->slots[slot];

	s->live = false;
	s->cb = NULL;
	s->arg = NULL;
	/* 31 bits, so that ids stay positive. */
	s->gen = (s->gen + 1) & 0x7fffffff;
	s->pos = loop->free_slot;
	loop->free_slot = slot;
}

int64_t hilt_loop_add_timer(struct hilt_loop *loop, int64_t deadline_ns,
			    hilt_timer_cb cb, void *arg)
{
	struct heap_ent *h = hilt_grow(loop->heap, loop->nheap + 1, &loop->capheap,
				       sizeof(*h), 16);

	if (!h)
		return -ENOMEM;
	loop->heap = h;
	uint32_t slot = loop->free_slot;

	if (slot == UINT32_MAX) {
		if (loop->nslots >= UINT32_MAX - 1)
			return -ENOSPC;
		struct timer_slot *s = hilt_grow(loop->slots, loop->nslots + 1, &loop->capslots,
						 sizeof(*s), 16);

		if (!s)
			return -ENOMEM;
		loop->slots = s;
		slot = (uint32_t)loop->nslots++;
		s[slot] = (struct timer_slot){ .gen = 0 };
	} else {
		loop->free_slot = loop->slots[slot].pos;
	}
	struct timer_slot *s = &loop->slots[slot];

	s->cb = cb;
	s->arg = arg;
	s->live = true;
	loop->heap[loop->nheap] = (struct heap_ent){
		.deadline_ns = deadline_ns, .seq = loop->next_timer_seq++, .slot = slot,
	};
	s->pos = (uint32_t)loop->nheap;
	sift_up(loop, loop->nheap++);
	return (int64_t)s->gen << 32 | (int64_t)(slot + 1);
}

void hilt_loop_cancel_timer(struct hilt_loop *loop, int64_t id)
{
	if (id <= 0)
		return;
	uint64_t low = (uint64_t)id & 0xffffffff;
	uint32_t gen = (uint32_t)((uint64_t)id >> 32);

	if (low == 0 || low > loop->nslots)
		return;
	uint32_t slot = (uint32_t)(low - 1);
	struct timer_slot *s = &loop->slots[slot];

	if (!s->live || s->gen != gen)
		return;
	heap_remove(loop, s->pos);
	slot_free(loop, slot);
}

/* Fires the timers due now, in (deadline, creation) order, except those
 * added during this pass: they wait for the next turn, so that a callback
 * re-arming itself at once cannot keep the loop from its fds. */
static void run_due_timers(struct hilt_loop *loop)
{
	uint64_t limit = loop->next_timer_seq;
	int64_t now = hilt_now_ns();

	while (loop->nheap && !loop->stopping) {
		struct heap_ent top = loop->heap[0];

		if (top.deadline_ns > now || top.seq >= limit)
			break;
		hilt_timer_cb cb = loop->slots[top.slot].cb;
		void *arg = loop->slots[top.slot].arg;

		/* Gone before the callback runs: cancelling its own id from
		 * it does nothing, and the slot may serve a new timer. */
		heap_remove(loop, 0);
		slot_free(loop, top.slot);
		cb(loop, arg);
	}
}

/* --- sources --- */

int hilt_pollset_add(struct hilt_pollset *ps, int fd, short events)
{
	struct hilt_loop *loop = ps->loop;
	struct ps_ent *p = hilt_grow(ps->ents, ps->n + 1, &ps->cap, sizeof(*p), 16);

	if (!p)
		return -1;
	ps->ents = p;
	if (ps->n >= INT32_MAX)
		return -1;
	int32_t index = (int32_t)ps->n;

	/* Like poll(), a negative fd is ignored: its revents stay 0. */
	if (fd >= 0) {
		if (reach_fd(loop, fd) < 0)
			return -1;
		struct fdent *e = &loop->fds[fd];

		if (e->src_stamp != loop->stamp) {
			int *c = hilt_grow(loop->src_cur, loop->ncur + 1, &loop->capcur,
					   sizeof(*c), 16);

			if (!c)
				return -1;
			loop->src_cur = c;
			c[loop->ncur++] = fd;
			e->src_stamp = loop->stamp;
			e->src_events = 0;
			e->src_first = -1;
		}
		e->src_events |= events;
		p[index].next = e->src_first;
		e->src_first = index;
	} else {
		p[index].next = -1;
	}
	p[index].pfd = (struct pollfd){ .fd = fd, .events = events };
	ps->n++;
	return index;
}

short hilt_pollset_revents(const struct hilt_pollset *ps, int index)
{
	return index >= 0 && (size_t)index < ps->n ? ps->ents[index].pfd.revents : 0;
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
	loop->live_sources++;
	return id;
}

void hilt_loop_del_source(struct hilt_loop *loop, int64_t id)
{
	for (size_t i = 0; i < loop->nsources; i++) {
		if (loop->sources[i].id == id && !loop->sources[i].removed) {
			loop->sources[i].removed = true;
			loop->live_sources--;
		}
	}
}

void hilt_loop_source_fd_closing(struct hilt_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nfds)
		return;
	struct fdent *e = &loop->fds[fd];

	/* A watch is removed with hilt_loop_del_fd, not here. */
	if (e->watched)
		return;
	if (e->reg == REG_EPOLL)
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	e->reg = REG_NONE;
	e->src_stamp = 0;
}

static void compact_sources(struct hilt_loop *loop)
{
	size_t j = 0;

	for (size_t i = 0; i < loop->nsources; i++)
		if (!loop->sources[i].removed)
			loop->sources[j++] = loop->sources[i];
	loop->nsources = j;
}

/* Lets every source add its fds for this turn and tells epoll what
 * changed since the last turn.  Lowers *timeout_ns to theirs.  0 or
 * -errno. */
static int prepare_sources(struct hilt_loop *loop, size_t nsources, int64_t *timeout_ns)
{
	struct hilt_pollset *ps = &loop->ps;

	/* The fds of the last turn become the old list. */
	int *t = loop->src_prev;
	size_t cap = loop->capprev;

	loop->src_prev = loop->src_cur;
	loop->capprev = loop->capcur;
	loop->nprev = loop->ncur;
	loop->src_cur = t;
	loop->capcur = cap;
	loop->ncur = 0;
	loop->stamp++;
	ps->n = 0;
	for (size_t i = 0; i < nsources; i++) {
		int ms = -1;

		loop->sources[i].prepare(ps, &ms, loop->sources[i].arg);
		if (ms >= 0 && (*timeout_ns < 0 || (int64_t)ms * 1000000 < *timeout_ns))
			*timeout_ns = (int64_t)ms * 1000000;
	}
	for (size_t i = 0; i < loop->nprev; i++) {
		int fd = loop->src_prev[i];

		if (loop->fds[fd].src_stamp != loop->stamp)
			sync_fd(loop, fd);
	}
	loop->nsrc_static = 0;
	for (size_t i = 0; i < loop->ncur; i++) {
		int fd = loop->src_cur[i];
		int rc = sync_fd(loop, fd);
		struct fdent *e = &loop->fds[fd];

		if (rc == -EBADF)
			e->src_static = POLLNVAL;
		else if (rc < 0)
			return rc;
		else
			e->src_static = e->reg == REG_ALWAYS ? ALWAYS_READY : 0;
		if (e->src_static)
			loop->nsrc_static++;
	}
	for (size_t i = 0; i < ps->n; i++)
		ps->ents[i].pfd.revents = 0;
	return 0;
}

static void give_source_revents(struct hilt_loop *loop, int fd, short revents)
{
	struct ps_ent *ents = loop->ps.ents;

	for (int32_t i = loop->fds[fd].src_first; i >= 0; i = ents[i].next) {
		short mask = ents[i].pfd.events | POLLERR | POLLHUP | POLLNVAL;

		ents[i].pfd.revents |= revents & mask;
	}
}

/* --- the loop --- */

void hilt_loop_stop(struct hilt_loop *loop)
{
	loop->stopping = true;
}

/* Waits up to timeout_ns (-1: no limit) for at most max events.  The
 * number of events, or -errno. */
static int wait_events(struct hilt_loop *loop, int max, int64_t timeout_ns)
{
	int n;

	loop->iterations++;
	if (!loop->no_pwait2) {
		struct timespec ts = {
			.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000,
		};

		n = epoll_pwait2(loop->epfd, loop->events, max, timeout_ns < 0 ? NULL : &ts,
				 NULL);
		if (n >= 0 || errno != ENOSYS)
			goto out;
		loop->no_pwait2 = true;
	}
	/* Milliseconds, rounded up, so that no timer fires early. */
	int64_t ms = timeout_ns < 0 ? -1 : (timeout_ns + 999999) / 1000000;

	n = epoll_wait(loop->epfd, loop->events, max, ms > INT_MAX ? INT_MAX : (int)ms);
out:
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n;
}

/* Room in loop->events for a wait's batch and the always-ready fds. */
static int reserve_events(struct hilt_loop *loop)
{
	size_t need = WAIT_BATCH + loop->nalways;

	if (need <= loop->capevents)
		return 0;
	struct epoll_event *ev = realloc(loop->events, need * sizeof(*ev));

	if (!ev)
		return -ENOMEM;
	loop->events = ev;
	loop->capevents = need;
	return 0;
}

int hilt_loop_run(struct hilt_loop *loop)
{
	int ret = 0;

	/* A stop requested before the loop runs (say, by a callback of work
	 * started beforehand) is honoured at once. */
	while (!loop->stopping) {
		run_due_timers(loop);
		if (loop->stopping)
			break;
		compact_sources(loop);
		if (loop->nwatches == 0 && loop->nheap == 0 && loop->live_sources == 0)
			break;
		int64_t timeout_ns = -1;
		/* Sources added by callbacks in this turn wait for the next. */
		size_t nsources = loop->nsources;

		/* With no source left, one more pass takes the last
		 * one's fds out of the epoll set. */
		if (nsources || loop->ncur) {
			ret = prepare_sources(loop, nsources, &timeout_ns);
			if (ret < 0)
				break;
		}
		if (loop->nheap) {
			int64_t d = loop->heap[0].deadline_ns - hilt_now_ns();

			if (d < 0)
				d = 0;
			if (timeout_ns < 0 || d < timeout_ns)
				timeout_ns = d;
		}
		if (loop->nalways || loop->nsrc_static)
			timeout_ns = 0;
		ret = reserve_events(loop);
		if (ret < 0)
			break;
		int n = wait_events(loop, WAIT_BATCH, timeout_ns);

		if (n < 0) {
			ret = n;
			break;
		}
		/* Files epoll cannot wait for are ready every turn. */
		for (size_t i = 0; i < loop->nalways; i++) {
			struct fdent *e = &loop->fds[loop->always[i]];

			loop->events[n++] = (struct epoll_event){
				.events = to_epoll(e->watch_events & (POLLIN | POLLOUT)),
				.data.u64 = event_data(loop->always[i], e->seq),
			};
		}
		/* The sources' revents first, all from this wait, as poll()
		 * would have them, whatever the watches' callbacks do next. */
		if (loop->ps.n) {
			for (int i = 0; i < n; i++) {
				int fd = (int)(uint32_t)loop->events[i].data.u64;
				struct fdent *e = &loop->fds[fd];

				if (e->src_stamp == loop->stamp && e->reg == REG_EPOLL)
					give_source_revents(loop, fd, from_epoll(loop->events[i].events));
			}
			for (size_t i = 0; loop->nsrc_static && i < loop->ncur; i++) {
				int fd = loop->src_cur[i];

				if (loop->fds[fd].src_static)
					give_source_revents(loop, fd, loop->fds[fd].src_static);
			}
		}
		for (int i = 0; i < n && !loop->stopping; i++) {
			uint64_t data = loop->events[i].data.u64;
			int fd = (int)(uint32_t)data;
			/* Looked up afresh: a callback may have grown the table. */
			struct fdent *e = &loop->fds[fd];

			if (!e->watched || e->seq != (uint32_t)(data >> 32))
				continue;
			short revents = from_epoll(loop->events[i].events) &
					(e->watch_events | POLLERR | POLLHUP);

			if (revents)
				e->cb(loop, fd, revents, e->arg);
		}
		for (size_t i = 0; i < nsources && !loop->stopping; i++)
			if (!loop->sources[i].removed)
				loop->sources[i].check(&loop->ps, loop->sources[i].arg);
	}
	loop->stopping = false;
	return ret;
}
