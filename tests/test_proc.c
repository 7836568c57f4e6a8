/* The process supervisor (base/proc.c) on real programs: exit codes and
 * signals, exec failures, the output pipe and the fds a child keeps, the
 * TERM-then-KILL teardown of a whole group, and children that die with
 * the process that started them, even when it is killed with SIGKILL.
 *
 * The test makes itself a child subreaper, so that what a dying process
 * leaves behind is adopted here and can be reaped and judged by pid. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "base/loop.h"
#include "base/proc.h"

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Waits up to ms for the process behind pidfd to end: 1 if it did. */
static int ended_within(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Runs argv to its end (at most 10 s), collecting its output. */
static int run(char *const argv[], struct hilt_proc_status *st, char *out, size_t outlen)
{
	struct hilt_proc *p;
	char err[256];
	size_t len = 0;
	int rc = hilt_proc_start(argv, NULL, 0, &p, err, sizeof(err));

	CHECK(rc == 0, "start %s: %s", argv[0], err);
	if (rc)
		return rc;
	int64_t give_up = hilt_now_ns() + 10 * 1000000000LL;

	while (hilt_proc_output_fd(p) >= 0 && hilt_now_ns() < give_up) {
		struct pollfd pf = { .fd = hilt_proc_output_fd(p), .events = POLLIN };
		ssize_t n;

		poll(&pf, 1, 100);
		while ((n = read(pf.fd, out + len, outlen - 1 - len)) > 0)
			len += (size_t)n;
		if (n == 0 || len == outlen - 1)
			hilt_proc_close_output(p);
	}
	out[len] = '\0';
	CHECK(ended_within(hilt_proc_pidfd(p), 10000), "%s did not end", argv[0]);
	CHECK(hilt_proc_reap(p, st) == 1, "%s not reaped", argv[0]);
	hilt_proc_free(p);
	return 0;
}

static int exit_code(void)
{
	char *const argv[] = { "sh", "-c", "exit 3", NULL };
	struct hilt_proc_status st = { 0 };
	char out[64], text[64];

	run(argv, &st, out, sizeof(out));
	CHECK(st.exited && st.exit_code == 3, "exited %d, code %d, signal %d", st.exited,
	      st.exit_code, st.signal);
	hilt_proc_status_str(&st, text, sizeof(text));
	CHECK(strcmp(text, "exit code 3") == 0, "[%s]", text);
	return 0;
}

static int killed_by_signal(void)
{
	char *const argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct hilt_proc_status st = { 0 };
	char out[64], text[64];

	run(argv, &st, out, sizeof(out));
	CHECK(!st.exited && st.signal == SIGTERM, "exited %d, code %d, signal %d", st.exited,
	      st.exit_code, st.signal);
	hilt_proc_status_str(&st, text, sizeof(text));
	CHECK(strcmp(text, "signal 15 (Terminated)") == 0, "[%s]", text);
	return 0;
}

static int exec_failure(void)
{
	char *const argv[] = { "hilt-no-such-program", "x", NULL };
	struct hilt_proc *p = NULL;
	char err[256] = "";
	int rc = hilt_proc_start(argv, NULL, 0, &p, err, sizeof(err));

	CHECK(rc == -ENOENT, "rc %d", rc);
	CHECK(p == NULL, "a handle for a program that did not run");
	CHECK(strcmp(err, "cannot execute hilt-no-such-program: No such file or directory") == 0,
	      "err [%s]", err);
	/* Not executable: the reason is the kernel's. */
	char *const dir[] = { "/", NULL };

	rc = hilt_proc_start(dir, NULL, 0, &p, err, sizeof(err));
	CHECK(rc == -EACCES, "rc %d", rc);
	CHECK(strcmp(err, "cannot execute /: Permission denied") == 0, "err [%s]", err);
	return 0;
}

/* Output and error share one pipe; stdin is /dev/null; signals blocked in
 * the runner (it reads them through a signalfd) are not blocked in the
 * child.  (grep reads its own mask: a shell would reset it.) */
static int output_pipe(void)
{
	char *const argv[] = {
		"sh", "-c", "echo out; echo err >&2; readlink /proc/self/fd/0", NULL,
	};
	char *const mask[] = { "grep", "SigBlk", "/proc/self/status", NULL };
	struct hilt_proc_status st;
	char out[512];
	sigset_t block, old;

	run(argv, &st, out, sizeof(out));
	CHECK(strcmp(out, "out\nerr\n/dev/null\n") == 0, "output [%s]", out);
	CHECK(st.exited && st.exit_code == 0, "exit code %d", st.exit_code);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	run(mask, &st, out, sizeof(out));
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(strcmp(out, "SigBlk:\t0000000000000000\n") == 0, "the child's mask: [%s]", out);
	return 0;
}

/* An fd in keep reaches the child under its number; other close-on-exec
 * fds of the runner do not. */
static int kept_fds(void)
{
	int kept[2], other[2];
	char script[256], out[256], got[64] = "";

	if (pipe2(kept, O_CLOEXEC) || pipe2(other, O_CLOEXEC))
		abort();
	snprintf(script, sizeof(script),
		 "echo kept >&%d; [ -e /proc/self/fd/%d ] && echo leaked || echo closed",
		 kept[1], other[1]);
	char *const argv[] = { "sh", "-c", script, NULL };
	struct hilt_proc *p;
	struct hilt_proc_status st;
	char err[256];
	int rc = hilt_proc_start(argv, &kept[1], 1, &p, err, sizeof(err));

	CHECK(rc == 0, "%s", err);
	if (rc)
		return 0;
	CHECK(ended_within(hilt_proc_pidfd(p), 10000), "did not end");
	CHECK(hilt_proc_reap(p, &st) == 1 && st.exited && st.exit_code == 0, "status");
	ssize_t n = read(hilt_proc_output_fd(p), out, sizeof(out) - 1);

	out[n > 0 ? n : 0] = '\0';
	CHECK(strcmp(out, "closed\n") == 0, "other fd in the child: [%s]", out);
	/* Cleared in the child only: the runner's copy stays close-on-exec. */
	CHECK(fcntl(kept[1], F_GETFD) & FD_CLOEXEC, "the runner's kept fd lost FD_CLOEXEC");
	close(kept[1]);
	n = read(kept[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	CHECK(strcmp(got, "kept\n") == 0, "through the kept fd: [%s]", got);
	hilt_proc_free(p);
	close(kept[0]);
	close(other[0]);
	close(other[1]);
	return 0;
}

/* Reads one line (a pid, "ready") from the child's output. */
static bool read_line(struct hilt_proc *p, char *buf, size_t len)
{
	size_t got = 0;
	int64_t give_up = hilt_now_ns() + 10 * 1000000000LL;

	while (got < len - 1 && hilt_now_ns() < give_up) {
		struct pollfd pf = { .fd = hilt_proc_output_fd(p), .events = POLLIN };
		ssize_t n;

		poll(&pf, 1, 100);
		n = read(pf.fd, buf + got, 1);
		if (n == 0)
			break;
		if (n < 0)
			continue;
		if (buf[got] == '\n') {
			buf[got] = '\0';
			return true;
		}
		got++;
	}
	buf[got] = '\0';
	return false;
}

/* Reaps pid, adopted by this subreaper, once its pidfd says it ended:
 * the signal that killed it, 0 if it exited, -1 if it still runs. */
static int adopted_end(pid_t pid, int pidfd, int ms)
{
	int status;

	if (!ended_within(pidfd, ms))
		return -1;
	if (waitpid(pid, &status, 0) != pid)
		return -2;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* A child that ignores SIGTERM is killed at the end of the grace time;
 * one that honours it ends by it. */
static int kill_wait_term_then_kill(void)
{
	char *const stubborn[] = {
		"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done", NULL,
	};
	char *const polite[] = { "sh", "-c", "echo ready; exec sleep 600", NULL };
	struct hilt_proc *p;
	struct hilt_proc_status st = { 0 };
	char err[256], line[64];

	CHECK(hilt_proc_start(stubborn, NULL, 0, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(read_line(p, line, sizeof(line)) && strcmp(line, "ready") == 0, "[%s]", line);
	int64_t start = hilt_now_ns();

	hilt_proc_kill_wait(p, 300, &st);
	int64_t took_ms = (hilt_now_ns() - start) / 1000000;

	CHECK(!st.exited && st.signal == SIGKILL, "exited %d, code %d, signal %d", st.exited,
	      st.exit_code, st.signal);
	/* It was given its grace time first. */
	CHECK(took_ms >= 300, "killed after %lld ms of a 300 ms grace", (long long)took_ms);
	hilt_proc_free(p);

	CHECK(hilt_proc_start(polite, NULL, 0, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(read_line(p, line, sizeof(line)) && strcmp(line, "ready") == 0, "[%s]", line);
	hilt_proc_kill_wait(p, 10000, &st);
	CHECK(!st.exited && st.signal == SIGTERM, "exited %d, code %d, signal %d", st.exited,
	      st.exit_code, st.signal);
	hilt_proc_free(p);
	return 0;
}

/* The group goes down with its leader: a grandchild the child started in
 * the background dies too, when the child is killed and when it simply
 * exits leaving the grandchild behind. */
static int group_killed(void)
{
	char *const waits[] = { "sh", "-c", "sleep 600 & echo $!; wait", NULL };
	char *const leaves[] = { "sh", "-c", "sleep 600 & echo $!", NULL };
	char *const *cases[] = { waits, leaves };

	for (int i = 0; i < 2; i++) {
		struct hilt_proc *p;
		struct hilt_proc_status st;
		char err[256], line[64];

		CHECK(hilt_proc_start(cases[i], NULL, 0, &p, err, sizeof(err)) == 0, "%s", err);
		CHECK(read_line(p, line, sizeof(line)), "no pid from the child");
		pid_t grandchild = (pid_t)atoi(line);
		int gfd = grandchild > 0 ? pidfd_of(grandchild) : -1;

		CHECK(gfd >= 0, "the grandchild [%s]: %s", line, strerror(errno));
		if (gfd < 0) {
			hilt_proc_free(p);
			continue;
		}
		if (i == 0) {
			hilt_proc_kill_wait(p, 5000, &st);
		} else {
			/* The leader exits by itself; reaping it takes down the
			 * rest of its group. */
			CHECK(ended_within(hilt_proc_pidfd(p), 10000), "the child did not exit");
			CHECK(hilt_proc_reap(p, &st) == 1 && st.exited && st.exit_code == 0,
			      "child status");
		}
		int sig = adopted_end(grandchild, gfd, 5000);

		/* Killed with its group: TERM, or KILL when the leader was
		 * reaped (and the rest of the group killed) before the
		 * grandchild ran to take its TERM, as a loaded machine has
		 * it.  Left alone it would run for 600 s. */
		CHECK(i == 0 ? sig == SIGTERM || sig == SIGKILL : sig == SIGKILL,
		      "case %d: the grandchild %d ended by %d", i, (int)grandchild, sig);
		if (sig == -1) {
			kill(grandchild, SIGKILL);
			waitpid(grandchild, NULL, 0);
		}
		close(gfd);
		hilt_proc_free(p);
	}
	return 0;
}

/* A process that started a child through hilt_proc_start is killed with
 * SIGKILL (it can tidy nothing up): the child must die with it. */
static int dies_with_parent(void)
{
	int report[2];

	if (pipe2(report, O_CLOEXEC))
		abort();
	pid_t middle = fork();

	if (middle == 0) {
		char *const argv[] = { "sleep", "600", NULL };
		struct hilt_proc *p;
		char err[256];
		pid_t child = -1;

		close(report[0]);
		if (hilt_proc_start(argv, NULL, 0, &p, err, sizeof(err)) == 0)
			child = hilt_proc_pid(p);
		if (write(report[1], &child, sizeof(child)) != sizeof(child))
			_exit(1);
		for (;;)
			pause();
	}
	close(report[1]);
	pid_t child = -1;

	CHECK(read(report[0], &child, sizeof(child)) == sizeof(child) && child > 0,
	      "the middle process started no child");
	close(report[0]);
	int cfd = child > 0 ? pidfd_of(child) : -1;

	CHECK(cfd >= 0, "pidfd of %d: %s", (int)child, strerror(errno));
	kill(middle, SIGKILL);
	waitpid(middle, NULL, 0);
	if (cfd < 0)
		return 0;
	int sig = adopted_end(child, cfd, 5000);

	CHECK(sig == SIGKILL, "the child %d of the killed process %s", (int)child,
	      sig == -1 ? "still runs 5 s later" : "ended otherwise");
	if (sig == -1) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	close(cfd);
	return 0;
}

/* Signals after the child was reaped go nowhere (its pid may be reused). */
static int signal_after_reap(void)
{
	char *const argv[] = { "true", NULL };
	struct hilt_proc *p;
	struct hilt_proc_status st, again;
	char err[256];

	CHECK(hilt_proc_start(argv, NULL, 0, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(ended_within(hilt_proc_pidfd(p), 10000), "did not end");
	CHECK(hilt_proc_reap(p, &st) == 1 && st.exited && st.exit_code == 0, "status");
	hilt_proc_signal(p, SIGKILL);
	hilt_proc_kill_wait(p, 0, &again);
	CHECK(again.exited && again.exit_code == 0, "the status changed after reaping");
	hilt_proc_free(p);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "exit code", exit_code },
		{ "killed by a signal", killed_by_signal },
		{ "exec failure is reported with its reason", exec_failure },
		{ "output pipe, stdin, signal mask", output_pipe },
		{ "fds kept for the child, others closed", kept_fds },
		{ "kill_wait: TERM, then KILL after the grace time", kill_wait_term_then_kill },
		{ "the whole group is killed", group_killed },
		{ "a child dies with the process that started it (SIGKILL)", dies_with_parent },
		{ "signals after reaping go nowhere", signal_after_reap },
	};

	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
