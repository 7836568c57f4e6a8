/* A child process driven by the event loop: started, watched through its
 * pidfd, ended at a deadline (SIGTERM to its group, SIGKILL after a grace),
 * its end told through a callback from the loop.  Nothing here waits: a
 * flash command that hangs or an emulator slow to exit never holds up the
 * rest of the run.  (base/proc.h starts and reaps; this drives.) */
#ifndef HILT_CHILD_H
#define HILT_CHILD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/loop.h"
#include "base/proc.h"

struct hilt_child;
struct hilt_tail;

struct hilt_child_end {
	struct hilt_proc_status status;
	bool timed_out;		/* killed at its deadline */
	bool stopped;		/* ended by hilt_child_stop() */
	double seconds;		/* from start to end */
};

/* Called once, from the loop, when the child has ended and been reaped.
 * The handle is still valid: free it there or later. */
typedef void (*hilt_child_cb)(struct hilt_child *c, const struct hilt_child_end *end,
			      void *arg);

/* Runs argv (hilt_proc_start: own group, dies with hilt) with its output
 * appended to output (may be NULL: discarded), for at most timeout_s
 * (<= 0: no deadline), then grace_ms between SIGTERM and SIGKILL.
 * Returns 0 (done will be called) or -errno with why in err (it will
 * not).  Freed with hilt_child_free(). */
int hilt_child_run(struct hilt_loop *loop, char *const argv[], double timeout_s, int grace_ms,
		   struct hilt_tail *output, hilt_child_cb done, void *arg,
		   struct hilt_child **out, char *err, size_t errlen);

/* Takes over proc, started elsewhere (an emulator, whose output its owner
 * reads): its end is told to done.  No deadline until hilt_child_stop(). */
int hilt_child_adopt(struct hilt_loop *loop, struct hilt_proc *proc, int grace_ms,
		     hilt_child_cb done, void *arg, struct hilt_child **out);

/* Ends it now: SIGTERM to its group, SIGKILL after grace_ms (< 0: the
 * grace given at start).  done follows, from the loop.  No-op once ended. */
void hilt_child_stop(struct hilt_child *c, int grace_ms);

bool hilt_child_running(const struct hilt_child *c);
struct hilt_proc *hilt_child_proc(struct hilt_child *c);

/* Frees the handle; a child still running is killed (SIGKILL to its group)
 * and reaped, and done is not called. */
void hilt_child_free(struct hilt_child *c);

#endif
