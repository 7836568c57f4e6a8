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

#include "base/buf.h"
#include "base/proc.h"

static int signal_fd = -1;
static bool interrupted;

int hilt_bisect_signals_open(void)
{
	signal_fd = hilt_proc_term_signalfd();
	return signal_fd < 0 ? signal_fd : 0;
}

bool hilt_bisect_interrupted(void)
{
	struct signalfd_siginfo si;

	while (signal_fd >= 0 && read(signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		interrupted = true;
	return interrupted;
}

/* One child while it runs. */
struct child {
	struct hilt_bisect_job *job;
	struct hilt_proc *proc;
	struct hilt_proc_status ps;
	int log_fd;
	struct hilt_buf out;	/* its output, with job->keep_output */
	bool eof, ended, lost;	/* lost: its output could not be kept */
};

/* Starts job j's child (in its cwd: hilt's own folder changed for the time
 * of the fork, one thread, then back).  0 or -errno with why in err. */
static int start(struct child *c, char *err, size_t errlen)
{
	struct hilt_bisect_job *j = c->job;
	int here = -1, rc;

	c->log_fd = -1;
	if (j->log && (c->log_fd = open(j->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
					0644)) < 0) {
		snprintf(err, errlen, "%s: %s", j->log, strerror(errno));
		return -errno;
	}
	if (j->cwd && ((here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		       chdir(j->cwd) < 0)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", j->cwd, strerror(errno));
		if (here >= 0)
			close(here);
		return rc;
	}
	rc = hilt_proc_start(j->argv, NULL, 0, &c->proc, err, errlen);
	if (here >= 0 && fchdir(here) < 0 && !rc) {
		rc = -errno;
		snprintf(err, errlen, "cannot come back from %s: %s", j->cwd, strerror(errno));
	}
	if (here >= 0)
		close(here);
	return rc;
}

/* Reads what child c printed, into its log and its kept output. */
static void drain(struct child *c)
{
	char buf[8192];
	ssize_t n = read(hilt_proc_output_fd(c->proc), buf, sizeof(buf));

	if (n > 0) {
		if (c->log_fd >= 0 && write(c->log_fd, buf, (size_t)n) < 0)
			c->log_fd = (close(c->log_fd), -1);
		if (c->job->keep_output && !c->lost && hilt_buf_append(&c->out, buf, (size_t)n)) {
			hilt_buf_free(&c->out);
			c->lost = true;
		}
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		c->eof = true;
	}
}

/* hilt_bisect_exec_all(); children that are not stoppable (git, quick)
 * are run even after a signal, and are not passed one. */
static int run_children(struct hilt_bisect_job *jobs, size_t n, bool stoppable, char *err,
			size_t errlen)
{
	struct child *c = calloc(n + 1, sizeof(*c));
	struct pollfd *p = calloc(2 * n + 1, sizeof(*p));
	size_t started = 0, running;
	int rc = c && p ? 0 : -ENOMEM;

	for (size_t k = 0; k < n; k++)
		jobs[k].st = (struct hilt_bisect_exit){ 0 };
	if (stoppable && hilt_bisect_interrupted()) {
		/* A signal came between two steps: nothing is started. */
		for (size_t k = 0; k < n; k++)
			jobs[k].st.interrupted = true;
		n = 0;
	}
	for (; started < n && !rc; started++) {
		c[started].job = &jobs[started];
		rc = start(&c[started], err, errlen);
	}
	if (rc && started)
		started--;	/* the one that failed holds nothing */
	for (running = started; running && rc != -ENOMEM;) {
		size_t np = 0;

		for (size_t k = 0; k < started; k++) {
			p[2 * k] = (struct pollfd){ .fd = c[k].eof ? -1 : hilt_proc_output_fd(c[k].proc),
						    .events = POLLIN };
			p[2 * k + 1] = (struct pollfd){ .fd = c[k].ended ? -1 : hilt_proc_pidfd(c[k].proc),
							.events = POLLIN };
		}
		np = 2 * started;
		p[np++] = (struct pollfd){ .fd = stoppable ? signal_fd : -1, .events = POLLIN };
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[np - 1].revents && hilt_bisect_interrupted()) {
			/* Passed on: hilt run ends its sessions and writes its
			 * JUnit, a build stops. */
			for (size_t k = 0; k < started; k++) {
				if (c[k].ended || c[k].job->st.interrupted)
					continue;
				c[k].job->st.interrupted = true;
				hilt_proc_signal(c[k].proc, SIGINT);
				hilt_proc_signal(c[k].proc, SIGTERM);
			}
		}
		for (size_t k = 0; k < started; k++) {
			bool was = c[k].eof && c[k].ended;

			if (p[2 * k].revents)
				drain(&c[k]);
			if (p[2 * k + 1].revents && hilt_proc_reap(c[k].proc, &c[k].ps) == 1)
				c[k].ended = true;
			running -= !was && c[k].eof && c[k].ended;
		}
	}
	for (size_t k = 0; k < started; k++) {
		struct hilt_bisect_exit *st = &c[k].job->st;

		if (!c[k].ended)
			hilt_proc_kill_wait(c[k].proc, 2000, &c[k].ps);
		st->exited = c[k].ps.exited;
		st->code = c[k].ps.exited ? c[k].ps.exit_code : 128 + c[k].ps.signal;
		hilt_proc_free(c[k].proc);
		if (c[k].log_fd >= 0)
			close(c[k].log_fd);
		if (c[k].job->keep_output && !c[k].lost &&
		    !(c[k].job->output = hilt_buf_steal(&c[k].out, NULL)))
			c[k].lost = true;
		if (c[k].lost && !rc) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
		}
	}
	if (rc && started < n && c && c[started].log_fd > 0)
		close(c[started].log_fd);
	free(c);
	free(p);
	return rc;
}

int hilt_bisect_exec_all(struct hilt_bisect_job *jobs, size_t n, char *err, size_t errlen)
{
	return run_children(jobs, n, true, err, errlen);
}

/* One child, stoppable or not. */
static int run_one(char *const argv[], const char *cwd, const char *log, char **out,
		   struct hilt_bisect_exit *st, bool stoppable, char *err, size_t errlen)
{
	struct hilt_bisect_job j = {
		.argv = argv, .cwd = cwd, .log = log, .keep_output = out != NULL,
	};
	int rc = run_children(&j, 1, stoppable, err, errlen);

	*st = j.st;
	if (out)
		*out = j.output;
	else
		free(j.output);
	if (rc && out) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int hilt_bisect_exec(char *const argv[], const char *cwd, const char *log, char **out,
		     struct hilt_bisect_exit *st, char *err, size_t errlen)
{
	return run_one(argv, cwd, log, out, st, true, err, errlen);
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
	rc = run_one((char *const *)argv, NULL, NULL, &o, &st, false, err, errlen);
	if (rc)
		return rc;
	if (!st.exited || st.code) {
		size_t len = strcspn(o, "\n");

		snprintf(err, errlen, "git %s %s: %.*s", argv[3], argv[4] ? argv[4] : "",
			 (int)(len ? len : 6), len ? o : "failed");
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
	if (git(repo, (const char *[]){ "rev-parse", "--git-dir", NULL }, NULL, err, errlen))
		goto out;
	if (git(repo, (const char *[]){ "rev-parse", "--verify", "--quiet", gspec, NULL }, &good,
		err, errlen) ||
	    git(repo, (const char *[]){ "rev-parse", "--verify", "--quiet", bspec, NULL }, &bad,
		err, errlen)) {
		snprintf(err, errlen, "--git %s: %.*s is not a commit of %s", range,
			 good ? (int)strlen(dots + 2) : (int)(dots - range), good ? dots + 2 : range,
			 repo);
		goto out;
	}
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
