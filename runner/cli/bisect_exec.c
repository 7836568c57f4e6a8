/* hilt bisect's children (bisect_exec.h).  A bisect runs one child at a
 * time and waits for it: hilt run (which has its own loop), the user's
 * build command, git.  Waiting here is poll() on the child's output, its
 * pidfd and the signalfd, nothing else. */
#define _GNU_SOURCE
#include "runner/cli/bisect_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/proc.h"

static int signal_fd = -1;
static bool interrupted;

int hilt_bisect_signals_open(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	return signal_fd < 0 ? -errno : 0;
}

bool hilt_bisect_interrupted(void)
{
	struct signalfd_siginfo si;

	while (signal_fd >= 0 && read(signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		interrupted = true;
	return interrupted;
}

/* Appends len bytes to the buffer *out of *outlen bytes (NUL kept after). */
static int keep(char **out, size_t *outlen, const char *b, size_t len)
{
	char *more = realloc(*out, *outlen + len + 1);

	if (!more)
		return -ENOMEM;
	memcpy(more + *outlen, b, len);
	*outlen += len;
	more[*outlen] = '\0';
	*out = more;
	return 0;
}

/* hilt_bisect_exec(); a child that is not stoppable (git, quick) is run
 * even after a signal, and is not passed one. */
static int run_child(char *const argv[], const char *cwd, const char *log, char **out,
		     struct hilt_bisect_exit *st, bool stoppable, char *err, size_t errlen)
{
	struct hilt_proc *proc = NULL;
	struct hilt_proc_status ps;
	int here = -1, log_fd = -1, rc;
	size_t outlen = 0;
	bool eof = false, ended = false;

	*st = (struct hilt_bisect_exit){ 0 };
	if (out && !(*out = calloc(1, 1)))
		return -ENOMEM;
	if (stoppable && hilt_bisect_interrupted()) {
		/* A signal came between two children: none is started. */
		st->interrupted = true;
		return 0;
	}
	if (log && (log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", log, strerror(errno));
		goto err_free;
	}
	/* The child starts in cwd: hilt's own folder for the time of the
	 * fork (one thread), then back. */
	if (cwd && ((here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || chdir(cwd) < 0)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", cwd, strerror(errno));
		goto err_close;
	}
	rc = hilt_proc_start(argv, NULL, 0, &proc, err, errlen);
	if (here >= 0 && fchdir(here) < 0 && !rc) {
		rc = -errno;
		snprintf(err, errlen, "cannot come back from %s: %s", cwd, strerror(errno));
	}
	if (rc)
		goto err_close;
	while (!eof || !ended) {
		struct pollfd p[3] = {
			{ .fd = eof ? -1 : hilt_proc_output_fd(proc), .events = POLLIN },
			{ .fd = ended ? -1 : hilt_proc_pidfd(proc), .events = POLLIN },
			{ .fd = stoppable ? signal_fd : -1, .events = POLLIN },
		};
		char buf[8192];
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents && hilt_bisect_interrupted() && !st->interrupted) {
			/* Passed on: hilt run ends its sessions and writes its
			 * JUnit, a build stops. */
			st->interrupted = true;
			hilt_proc_signal(proc, SIGINT);
			hilt_proc_signal(proc, SIGTERM);
		}
		if (p[0].revents) {
			n = read(p[0].fd, buf, sizeof(buf));
			if (n > 0) {
				if (log_fd >= 0 && write(log_fd, buf, (size_t)n) < 0)
					log_fd = (close(log_fd), -1);
				if (out && keep(out, &outlen, buf, (size_t)n)) {
					free(*out);
					*out = NULL;
					out = NULL;
				}
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				eof = true;
			}
		}
		if (p[1].revents && hilt_proc_reap(proc, &ps) == 1)
			ended = true;
	}
	if (!ended)
		hilt_proc_kill_wait(proc, 2000, &ps);
	st->exited = ps.exited;
	st->code = ps.exited ? ps.exit_code : 128 + ps.signal;
	hilt_proc_free(proc);
	if (log_fd >= 0)
		close(log_fd);
	if (here >= 0)
		close(here);
	if (out && !*out) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
err_close:
	if (here >= 0)
		close(here);
	if (log_fd >= 0)
		close(log_fd);
err_free:
	if (out) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int hilt_bisect_exec(char *const argv[], const char *cwd, const char *log, char **out,
		     struct hilt_bisect_exit *st, char *err, size_t errlen)
{
	return run_child(argv, cwd, log, out, st, true, err, errlen);
}

/* git ARGS... in repo; its output in *out.  0 when it exited 0, else
 * -EINVAL with its first line of output in err. */
static int git(const char *repo, const char *const *args, char **out, char *err, size_t errlen)
{
	const char *argv[16] = { "git", "-C", repo };
	struct hilt_bisect_exit st;
	size_t n = 3;
	char *o = NULL;
	int rc;

	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	rc = run_child((char *const *)argv, NULL, NULL, &o, &st, false, err, errlen);
	if (rc)
		return rc;
	if (!st.exited || st.code) {
		size_t len = strcspn(o, "\n");

		snprintf(err, errlen, "git %s %s: %.*s", argv[3], argv[4] ? argv[4] : "", (int)len,
			 len ? o : "failed");
		free(o);
		return -EINVAL;
	}
	if (out)
		*out = o;
	else
		free(o);
	return 0;
}

int hilt_bisect_git_range(const char *repo, const char *range, char ***commits, size_t *n,
			  char *err, size_t errlen)
{
	const char *dots = strstr(range, "..");
	char *good = NULL, *bad = NULL, *list = NULL, *gspec = NULL, *bspec = NULL, *save;
	char **v = NULL;
	size_t cnt = 0;
	int rc = -EINVAL;

	if (!dots || dots == range || !dots[2] || dots[2] == '.') {
		snprintf(err, errlen, "--git wants GOOD..BAD (two revisions), not '%s'", range);
		return -EINVAL;
	}
	if (asprintf(&gspec, "%.*s^{commit}", (int)(dots - range), range) < 0 ||
	    asprintf(&bspec, "%s^{commit}", dots + 2) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (git(repo, (const char *[]){ "rev-parse", "--verify", "--quiet", gspec, NULL }, &good,
		err, errlen) ||
	    git(repo, (const char *[]){ "rev-parse", "--verify", "--quiet", bspec, NULL }, &bad,
		err, errlen))
		goto out;
	good[strcspn(good, "\n")] = '\0';
	bad[strcspn(bad, "\n")] = '\0';
	if (git(repo, (const char *[]){ "merge-base", "--is-ancestor", good, bad, NULL }, NULL, err,
		errlen)) {
		snprintf(err, errlen, "--git %s: the good end is not an ancestor of the bad end",
			 range);
		goto out;
	}
	char *rangearg = NULL;

	if (asprintf(&rangearg, "%s..%s", good, bad) < 0)
		goto out;
	rc = git(repo, (const char *[]){ "rev-list", "--reverse", "--first-parent", rangearg, NULL },
		 &list, err, errlen);
	free(rangearg);
	if (rc)
		goto out;
	rc = -ENOMEM;
	v = calloc(strlen(list) / 40 + 2, sizeof(*v));
	if (!v || !(v[cnt++] = strdup(good)))
		goto out;
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!(v[cnt++] = strdup(line)))
			goto out;
	*commits = v;
	*n = cnt;
	v = NULL;
	rc = 0;
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; v && i < cnt; i++)
		free(v[i]);
	free(v);
	free(good);
	free(bad);
	free(list);
	free(gspec);
	free(bspec);
	return rc;
}

int hilt_bisect_worktree_add(const char *repo, const char *dir, const char *commit, char *err,
			     size_t errlen)
{
	struct stat st;

	if (!lstat(dir, &st))
		hilt_bisect_worktree_remove(repo, dir);
	return git(repo, (const char *[]){ "worktree", "add", "--detach", "--quiet", dir, commit,
					   NULL },
		   NULL, err, errlen);
}

void hilt_bisect_worktree_remove(const char *repo, const char *dir)
{
	char err[256];

	if (git(repo, (const char *[]){ "worktree", "remove", "--force", dir, NULL }, NULL, err,
		sizeof(err)))
		fprintf(stderr, "hilt bisect: %s\n", err);
	git(repo, (const char *[]){ "worktree", "prune", NULL }, NULL, err, sizeof(err));
}
