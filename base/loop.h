/* One event loop owns every fd of the runner: consoles, child pidfds,
 * pipes, sockets, timers.  Callbacks never block and never sleep.
 *
 * It is built to carry hundreds of sessions at once: fds are watched with
 * epoll (level-triggered) in a table indexed by fd number, timers sit in a
 * binary min-heap, so what one event costs does not grow with the number
 * of idle fds or pending timers.  No callback runs inside the call that
 * registered it. */
#ifndef HILT_LOOP_H
#define HILT_LOOP_H

#include <stdint.h>

struct hilt_loop;

typedef void (*hilt_fd_cb)(struct hilt_loop *loop, int fd, short revents,
			   void *arg);
typedef void (*hilt_timer_cb)(struct hilt_loop *loop, void *arg);

/* Monotonic clock in nanoseconds. */
int64_t hilt_now_ns(void);

/* Returns a new loop in *out, freed with hilt_loop_free(). 0 or -errno. */
int hilt_loop_new(struct hilt_loop **out);
void hilt_loop_free(struct hilt_loop *loop);

/* Watch fd for events (POLLIN/POLLOUT); the callback gets the fd's
 * revents as poll(2) flags (POLLIN, POLLOUT, POLLHUP, POLLERR).  A file
 * epoll cannot watch (a regular file) is always ready, as poll() has it.
 * The loop does not own fd: remove it with hilt_loop_del_fd() before
 * closing it (the kernel's registration goes with the file, not the
 * number).  An event the loop already collected for an fd whose watch a
 * callback removed (even if it was then closed and its number watched
 * again) is dropped.  0 or -errno (-EEXIST: watched already). */
int hilt_loop_add_fd(struct hilt_loop *loop, int fd, short events,
		     hilt_fd_cb cb, void *arg);
int hilt_loop_mod_fd(struct hilt_loop *loop, int fd, short events);
void hilt_loop_del_fd(struct hilt_loop *loop, int fd);

/* One-shot timer at an absolute hilt_now_ns() deadline, never fired
 * before it.  Timers with the same deadline fire in the order they were
 * added.  One added from a callback fires on a later turn of the loop,
 * even when it is due already.  Returns a positive id (for
 * hilt_loop_cancel_timer) or -errno.  Cancelling is O(log n); cancelling
 * an id that fired or was cancelled already does nothing. */
int64_t hilt_loop_add_timer(struct hilt_loop *loop, int64_t deadline_ns,
			    hilt_timer_cb cb, void *arg);
void hilt_loop_cancel_timer(struct hilt_loop *loop, int64_t id);

/* Sources hand the loop a changing set of fds on every iteration (libslirp
 * works this way): prepare adds them and may lower the timeout (ms, -1:
 * none); check reads their revents after the wait, even when none fired
 * (0 for an fd that was not ready).  The loop tells the kernel only what
 * changed since the previous iteration. */
struct hilt_pollset;
typedef void (*hilt_prepare_cb)(struct hilt_pollset *ps, int *timeout_ms,
				void *arg);
typedef void (*hilt_check_cb)(const struct hilt_pollset *ps, void *arg);

/* Returns the index to read revents by, or -1 when out of memory. */
int hilt_pollset_add(struct hilt_pollset *ps, int fd, short events);
short hilt_pollset_revents(const struct hilt_pollset *ps, int index);

/* Returns a positive id for hilt_loop_del_source, or -errno. */
int64_t hilt_loop_add_source(struct hilt_loop *loop, hilt_prepare_cb prepare,
			     hilt_check_cb check, void *arg);
void hilt_loop_del_source(struct hilt_loop *loop, int64_t id);

/* A source is about to close fd, which it added in a prepare: the loop
 * forgets it now.  The kernel drops a closed file from epoll without a
 * word, so a new file that got the same number and came back with the
 * same events would otherwise be taken for the old one and never watched.
 * (libslirp says so with unregister_poll_fd.) */
void hilt_loop_source_fd_closing(struct hilt_loop *loop, int fd);

/* Runs until hilt_loop_stop() or until nothing is watched (no fd, timer
 * or source).  0 or -errno. */
int hilt_loop_run(struct hilt_loop *loop);
void hilt_loop_stop(struct hilt_loop *loop);

/* How many times the loop has waited for events, over all its runs (for
 * tests and benchmarks: work done per event). */
uint64_t hilt_loop_iterations(const struct hilt_loop *loop);

#endif
