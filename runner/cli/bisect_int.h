/* What runner/cli/cli_bisect.c (the command: its arguments, its
 * candidates, its loop) and bisect_step.c (a step: builds, runs, the
 * judging of each, and the answer) share, and no one else. */
#ifndef HILT_BISECT_INT_H
#define HILT_BISECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reports/bisect.h"
#include "reports/compare.h"

#define EXIT_ENDS 4
#define EXIT_INTERRUPTED 130

struct bisect_args {
	const char **builds, **targets, **tags, **suites;
	size_t nbuilds, ntargets, ntags, nsuites;
	const char *git_range, *build_cmd, *repo, *farm, *out, *timeout_mult;
	bool realtime, json;
	unsigned repeat, retries, which, jobs;
	enum hilt_bisect_flaky flaky;
	struct hilt_compare_opts cmp;
};

/* What a bisect holds while it goes. */
struct bisect {
	struct bisect_args a;
	struct hilt_bisect *b;
	char **values;		/* each candidate's ${build} (absolute) */
	char *out;		/* --out, absolute */
	char *repo;		/* --repo, absolute */
	char *state, *plan;
	FILE *log;		/* where steps are told: stdout, stderr with json */
	unsigned nsteps;
};

/* Tests candidate i: its step (built, run, judged, recorded).  0; 1 when
 * interrupted (what finished is recorded); -errno. */
int hilt_bisect_step(struct bisect *bs, size_t i);

/* Tells the answer (next: what hilt_bisect_next() said, i its candidate)
 * and writes --out/bisect.json (and, --format json, stdout); the exit
 * status. */
int hilt_bisect_tell(struct bisect *bs, enum hilt_bisect_next next, size_t i);

#endif
