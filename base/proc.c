#define _GNU_SOURCE
#include "base/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/grow.h"

struct hilt_proc {
	pid_t pid;
	int pidfd;
	int output_fd;
	bool reaped;
	struct hilt_proc_status status;
};

/* The guard: see hilt_proc_guard_start().  The write end of its pipe,
 * or -1 when there is none; one per process, as it guards the process. */
static int guard_fd = -1;
static pid_t guard_pid;

/* Tells the guard that process group pgid is (+) or is no longer (-)
 * hilt's to clean up.  A record is smaller than PIPE_BUF: written whole. */
static void guard_tell(char sign, pid_t pgid)
{
	char rec[24];
	int n;

	if (guard_fd < 0)
		return;
	n = snprintf(rec, sizeof(rec), "%c%d\n", sign, (int)pgid);
	if (write(guard_fd, rec, (size_t)n) != n) {
		/* The guard is gone: the children are guarded by their
		 * PR_SET_PDEATHSIG alone. */
		close(guard_fd);
		guard_fd = -1;
	}
}

/* Adds (+) or removes (-) the group of one record. */
static void guard_record(const char *rec, pid_t **groups, size_t *n, size_t *cap)
{
	pid_t pgid = (pid_t)atoi(rec + 1);

	if (*rec == '-') {
		for (size_t i = 0; i < *n; i++) {
			if ((*groups)[i] == pgid) {
				(*groups)[i] = (*groups)[--*n];
				return;
			}
		}
		return;
	}
	if (*rec != '+' || pgid <= 1)
		return;
	pid_t *g = hilt_grow(*groups, *n + 1, cap, sizeof(*g), 64);

	if (!g)
		return;
	*groups = g;
	g[(*n)++] = pgid;
}

/* The guard's life: it reads records until hilt's end of the pipe closes,
 * then kills every group still listed. */
static void guard_main(int in)
{
	pid_t *groups = NULL;
	size_t n = 0, cap = 0, have = 0;
	char buf[4096];

	for (;;) {
		ssize_t r = read(in, buf + have, sizeof(buf) - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		char *line = buf, *nl;

		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			guard_record(line, &groups, &n, &cap);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
	}
	for (size_t i = 0; i < n; i++)
		kill(-groups[i], SIGKILL);
	_exit(0);
}

int hilt_proc_guard_start(char *err, size_t errlen)
{
	int p[2];

	if (guard_fd >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid_t pid = fork();

	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		snprintf(err, errlen, "fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		sigset_t all;

		/* Its own group, deaf to the signals meant for hilt (a ^C,
		 * a kill of hilt's group): only hilt's end matters. */
		setpgid(0, 0);
		prctl(PR_SET_NAME, "hilt-guard");
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		close(p[1]);
		for (int fd = 0; fd < 1024; fd++)
			if (fd != p[0])
				close(fd);
		guard_main(p[0]);
	}
	close(p[0]);
	guard_fd = p[1];
	guard_pid = pid;
	return 0;
}

void hilt_proc_guard_stop(void)
{
	if (guard_fd < 0)
		return;
	close(guard_fd);
	guard_fd = -1;
	while (waitpid(guard_pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Runs in the child between fork and exec: only async-signal-safe calls.
 * parent is hilt's pid, read before the fork. */
static void child_exec(char *const argv[], const int *keep, size_t nkeep,
		       int out_fd, int report_fd, pid_t parent)
{
	int null_fd;
	sigset_t none;

	/* The child dies with hilt, even when hilt is killed with SIGKILL
	 * and can tidy nothing up: a QEMU whose guest never stops would
	 * otherwise run forever.  The kernel sends the signal when the
	 * thread that forked ends, not the process: hilt forks only from its
	 * one main thread, whose end is hilt's end.  The setting survives
	 * execve, except of a set-user-ID or set-group-ID program or one
	 * with file capabilities. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	/* hilt may have died between fork and prctl: then the child has
	 * been adopted already and the signal will never come. */
	if (getppid() != parent)
		_exit(127);

	/* The runner blocks the signals it reads through a signalfd; the
	 * child must not inherit that. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(out_fd, 2) < 0)
		goto fail;
	for (size_t i = 0; i < nkeep; i++) {
		int flags = fcntl(keep[i], F_GETFD);

		if (flags < 0 || fcntl(keep[i], F_SETFD, flags & ~FD_CLOEXEC) < 0)
			goto fail;
	}
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
fail:;
	int e = errno;

	if (write(report_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int hilt_proc_start(char *const argv[], const int *keep, size_t nkeep,
		    struct hilt_proc **out, char *err, size_t errlen)
{
	int out_pipe[2], report_pipe[2];
	struct hilt_proc *proc;
	int ret;

	proc = calloc(1, sizeof(*proc));
	if (!proc)
		return -ENOMEM;
	if (pipe2(out_pipe, O_CLOEXEC) < 0) {
		ret = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto err_free;
	}
	if (pipe2(report_pipe, O_CLOEXEC) < 0) {
		ret = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto err_close_out;
	}
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		ret = -errno;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto err_close_report;
	}
	if (pid == 0)
		child_exec(argv, keep, nkeep, out_pipe[1], report_pipe[1], parent);

	/* Also set in the parent so the group exists before any kill. */
	setpgid(pid, pid);
	guard_tell('+', pid);
	close(out_pipe[1]);
	close(report_pipe[1]);
	int child_errno = 0;
	ssize_t n;

	do
		n = read(report_pipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(report_pipe[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		guard_tell('-', pid);
		close(out_pipe[0]);
		snprintf(err, errlen, "cannot execute %s: %s", argv[0],
			 strerror(child_errno));
		free(proc);
		return -child_errno;
	}
	proc->pid = pid;
	proc->output_fd = out_pipe[0];
	fcntl(proc->output_fd, F_SETFL,
	      fcntl(proc->output_fd, F_GETFL) | O_NONBLOCK);
	proc->pidfd = pidfd_open(pid);
	if (proc->pidfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "pidfd_open: %s", strerror(errno));
		hilt_proc_free(proc);
		return ret;
	}
	*out = proc;
	return 0;

err_close_report:
	close(report_pipe[0]);
	close(report_pipe[1]);
err_close_out:
	close(out_pipe[0]);
	close(out_pipe[1]);
err_free:
	free(proc);
	return ret;
}

pid_t hilt_proc_pid(const struct hilt_proc *proc)
{
	return proc->pid;
}

int hilt_proc_pidfd(const struct hilt_proc *proc)
{
	return proc->pidfd;
}

int hilt_proc_output_fd(const struct hilt_proc *proc)
{
	return proc->output_fd;
}

void hilt_proc_close_output(struct hilt_proc *proc)
{
	if (proc->output_fd >= 0)
		close(proc->output_fd);
	proc->output_fd = -1;
}

static void decode_status(int wstatus, struct hilt_proc_status *st)
{
	memset(st, 0, sizeof(*st));
	if (WIFEXITED(wstatus)) {
		st->exited = true;
		st->exit_code = WEXITSTATUS(wstatus);
	} else if (WIFSIGNALED(wstatus)) {
		st->signal = WTERMSIG(wstatus);
	}
}

int hilt_proc_reap(struct hilt_proc *proc, struct hilt_proc_status *st)
{
	if (!proc->reaped) {
		int wstatus;
		pid_t r = waitpid(proc->pid, &wstatus, WNOHANG);

		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		decode_status(wstatus, &proc->status);
		proc->reaped = true;
		/* The leader is gone; take down anything it left in its group. */
		kill(-proc->pid, SIGKILL);
		guard_tell('-', proc->pid);
	}
	if (st)
		*st = proc->status;
	return 1;
}

void hilt_proc_signal(struct hilt_proc *proc, int sig)
{
	if (!proc->reaped)
		kill(-proc->pid, sig);
}

void hilt_proc_kill_wait(struct hilt_proc *proc, int grace_ms,
			 struct hilt_proc_status *st)
{
	if (hilt_proc_reap(proc, st) == 1)
		return;
	hilt_proc_signal(proc, SIGTERM);
	struct pollfd pfd = { .fd = proc->pidfd, .events = POLLIN };

	if (poll(&pfd, 1, grace_ms) <= 0)
		hilt_proc_signal(proc, SIGKILL);
	while (hilt_proc_reap(proc, st) == 0) {
		pfd.revents = 0;
		if (poll(&pfd, 1, 1000) == 0)
			hilt_proc_signal(proc, SIGKILL);
	}
}

void hilt_proc_free(struct hilt_proc *proc)
{
	if (!proc)
		return;
	if (!proc->reaped)
		hilt_proc_kill_wait(proc, 0, NULL);
	if (proc->pidfd >= 0)
		close(proc->pidfd);
	hilt_proc_close_output(proc);
	free(proc);
}

void hilt_proc_status_str(const struct hilt_proc_status *st, char *buf,
			  size_t len)
{
	if (st->exited)
		snprintf(buf, len, "exit code %d", st->exit_code);
	else
		snprintf(buf, len, "signal %d (%s)", st->signal,
			 strsignal(st->signal));
}

int hilt_proc_term_signalfd(void)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
