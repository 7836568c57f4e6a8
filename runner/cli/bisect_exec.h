/* hilt bisect's children (bisect_exec.c): a program run to its end with
 * its output in a log file or a buffer, while SIGINT, SIGTERM and SIGHUP
 * are read from a signalfd and passed on to it; and the git commands of
 * a bisect over commits. */
#ifndef HILT_BISECT_EXEC_H
#define HILT_BISECT_EXEC_H

#include <stdbool.h>
#include <stddef.h>

/* Blocks SIGINT, SIGTERM and SIGHUP and opens the signalfd that
 * hilt_bisect_exec() watches.  0 or -errno. */
int hilt_bisect_signals_open(void);
/* Whether one of them came (the bisect should stop after the child). */
bool hilt_bisect_interrupted(void);

struct hilt_bisect_exit {
	bool exited;
	int code;		/* exit code, or 128 + signal */
	bool interrupted;	/* a signal came while it ran: it was passed on */
};

/* Runs argv in its own process group in cwd (NULL: hilt's), its output
 * (stdout and stderr) appended to the file log (NULL: none) and, when out
 * is given, kept in *out (malloc'd, NUL-terminated, the caller frees).
 * 0 with *st filled, or -errno with why in err (it did not start). */
int hilt_bisect_exec(char *const argv[], const char *cwd, const char *log, char **out,
		     struct hilt_bisect_exit *st, char *err, size_t errlen);

/* Several children at once (the runs of a step): each job's argv started
 * in its cwd, its output appended to its log and, with keep_output, kept
 * in output (malloc'd, the caller frees); their ends in st.  0 once every
 * one has ended, or -errno with why in err (those started were waited
 * for). */
struct hilt_bisect_job {
	char *const *argv;
	const char *cwd, *log;
	bool keep_output;
	char *output;
	struct hilt_bisect_exit st;
};
int hilt_bisect_exec_all(struct hilt_bisect_job *jobs, size_t n, char *err, size_t errlen);

/* The commits of the range GOOD..BAD of the repository at repo, oldest
 * first, GOOD first: *commits (n full hashes, malloc'd each and the
 * vector).  0 or -EINVAL with why in err. */
int hilt_bisect_git_range(const char *repo, const char *range, char ***commits, size_t *n,
			  char *err, size_t errlen);

/* Checks commit out in a worktree of its own at dir (one there already
 * removed first), never touching the repository's own tree; _remove
 * removes it.  0 or -EINVAL with why in err. */
int hilt_bisect_worktree_add(const char *repo, const char *dir, const char *commit, char *err,
			     size_t errlen);
void hilt_bisect_worktree_remove(const char *repo, const char *dir);

#endif
