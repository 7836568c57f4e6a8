/* One poll() loop owns every fd of the runner: consoles, child pidfds,
 * pipes, timers.  Callbacks never block and never sleep. */
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

/* Watch fd for events (POLLIN/POLLOUT).  The loop does not own fd: remove
 * it with hilt_loop_del_fd() before closing it.  0 or -errno. */
int hilt_loop_add_fd(struct hilt_loop *loop, int fd, short events,
		     hilt_fd_cb cb, void *arg);
int hilt_loop_mod_fd(struct hilt_loop *loop, int fd, short events);
void hilt_loop_del_fd(struct hilt_loop *loop, int fd);

/* One-shot timer at an absolute hilt_now_ns() deadline.  Returns a
 * positive id (for hilt_loop_cancel_timer) or -errno. */
int64_t hilt_loop_add_timer(struct hilt_loop *loop, int64_t deadline_ns,
			    hilt_timer_cb cb, void *arg);
void hilt_loop_cancel_timer(struct hilt_loop *loop, int64_t id);

/* Sources hand the loop a changing set of fds on every iteration (libslirp
 * works this way): prepare adds them and may lower the timeout (ms, -1:
 * none); check reads their revents after poll, even when none fired. */
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

/* Runs until hilt_loop_stop() or until nothing is watched.  0 or -errno. */
int hilt_loop_run(struct hilt_loop *loop);
void hilt_loop_stop(struct hilt_loop *loop);

#endif
