/* Child process supervision: each child runs in its own process group, is
 * watched through a pidfd and killed as a group (SIGTERM, then SIGKILL).
 * Each child also dies with hilt (SIGKILL when hilt ends, however it
 * ends); what the child started in turn is reached only through the group
 * while hilt lives. */
#ifndef HILT_PROC_H
#define HILT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct hilt_proc;

/* How a child ended. */
struct hilt_proc_status {
	bool exited;     /* exited on its own with exit_code */
	int exit_code;
	int signal;      /* killed by this signal when !exited */
};

/* Starts argv[0] (looked up in PATH) with stdin on /dev/null and stdout and
 * stderr on one pipe readable through hilt_proc_output_fd().  The nkeep
 * fds in keep are left open in the child under the same numbers (each must
 * be above 2).  On failure to
 * execute, returns -errno with the reason in err.  The returned handle is
 * freed with hilt_proc_free(), which kills the group if still running. */
int hilt_proc_start(char *const argv[], const int *keep, size_t nkeep,
		    struct hilt_proc **out,
		    char *err, size_t errlen);

/* Starts the guard: a small process of its own group that outlives hilt
 * only to SIGKILL the process groups of the children still running when
 * hilt ends without stopping them (killed with SIGKILL itself).
 * PR_SET_PDEATHSIG reaches a child only; the guard also takes down what
 * the child started (a flash script's programs).  Call once, before any
 * hilt_proc_start(); 0 or -errno with the reason in err. */
int hilt_proc_guard_start(char *err, size_t errlen);
/* Ends the guard (when no child runs any more) and waits for it. */
void hilt_proc_guard_stop(void);

pid_t hilt_proc_pid(const struct hilt_proc *proc);
/* Readable when the child has ended (pidfd).  Owned by the handle. */
int hilt_proc_pidfd(const struct hilt_proc *proc);
/* Non-blocking read end of the child's stdout+stderr.  Owned by the
 * handle; -1 once the handle closed it after EOF. */
int hilt_proc_output_fd(const struct hilt_proc *proc);
void hilt_proc_close_output(struct hilt_proc *proc);

/* Collects the exit status if the child has ended: 1 when ended (status
 * filled), 0 while it still runs, -errno on error. */
int hilt_proc_reap(struct hilt_proc *proc, struct hilt_proc_status *st);

/* Sends sig to the whole process group (no-op once reaped). */
void hilt_proc_signal(struct hilt_proc *proc, int sig);

/* SIGTERM to the group, waits up to grace_ms, then SIGKILL; always reaps.
 * Blocking: used at teardown only. */
void hilt_proc_kill_wait(struct hilt_proc *proc, int grace_ms,
			 struct hilt_proc_status *st);

void hilt_proc_free(struct hilt_proc *proc);

/* "exit code 1", "signal 9 (Killed)". */
void hilt_proc_status_str(const struct hilt_proc_status *st, char *buf,
			  size_t len);

/* Blocks SIGINT, SIGTERM and SIGHUP and returns a signalfd (non-blocking,
 * close-on-exec) that reads them, for a loop to watch: what a command that
 * must end cleanly on an interruption (write what finished, kill its
 * children) does first.  The caller closes it; -errno on failure. */
int hilt_proc_term_signalfd(void);

#endif
