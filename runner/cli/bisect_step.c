/* hilt bisect's steps (bisect_int.h): a candidate built (a commit, in its
 * worktree) and run --repeat times by hilt run, each run judged against
 * the good end's as hilt report compare judges, recorded in the state
 * file as it ends; and the answer, with its evidence (the compare report
 * between the last good and the first bad). */
#define _GNU_SOURCE
#include "runner/cli/bisect_int.h"
#include "runner/cli/bisect_exec.h"
#include "runner/cli/cli.h"
#include "runner/cli/paths.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic.h"
#include "base/template.h"
#include "reports/merge.h"

/* Moves what is at dir out of the way (an attempt that ended in an error,
 * or was interrupted): dir.N, the first N free. */
static void set_aside(const char *dir)
{
	struct stat st;
	char *to = NULL;

	if (lstat(dir, &st))
		return;
	for (unsigned n = 1; n < 1000; n++) {
		free(to);
		if (asprintf(&to, "%s.%u", dir, n) < 0)
			return;
		if (lstat(to, &st) && !rename(dir, to))
			break;
	}
	free(to);
}

/* s with ${build} and ${run} replaced (other ${NAME}s kept). */
static char *expand(const char *s, const char *build, unsigned run)
{
	char runs[16], err[128];
	const char *names[] = { "build", "run" }, *values[] = { build, runs };
	struct hilt_template_vars v = { names, values, 2 };
	struct hilt_template t = {
		.syntax = HILT_TEMPLATE_DOLLAR, .lookup = hilt_template_lookup_vars, .arg = &v,
		.keep_unknown = true,
	};

	snprintf(runs, sizeof(runs), "%u", run);
	return hilt_template_expand(s, &t, err, sizeof(err));
}

/* The last line of what the run printed that is not blank: why it could
 * not start, for a skip. */
static char *last_line(const char *text)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return strndup(start, (size_t)(end - start));
}

/* Judges run dir/junit.xml of candidate i against the good end's runs:
 * *v and *why (malloc'd). */
static void judge(struct bisect *bs, size_t i, const char *junit, int code,
		  enum hilt_bisect_verdict *v, char **why)
{
	struct hilt_bisect_cand *good = hilt_bisect_cand(bs->b, 0);
	struct hilt_compare_counts counts;
	struct hilt_compare *c = NULL;
	char err[1024], line[1024];
	size_t nbase = 0;

	*why = NULL;
	if (i == 0) {
		/* The good end is the reference: bad when a test of it fails. */
		*v = code == EXIT_FAILED ? HILT_BISECT_BAD : HILT_BISECT_GOOD;
		if (code == EXIT_FAILED)
			*why = strdup("a test failed (the good end must pass)");
		return;
	}
	if (hilt_compare_new(&bs->a.cmp, &c)) {
		*v = HILT_BISECT_ERROR;
		*why = strdup("out of memory");
		return;
	}
	for (unsigned k = 0; k < bs->a.repeat; k++) {
		char *path = NULL;

		if (good->runs[k].verdict != HILT_BISECT_GOOD || !good->runs[k].junit ||
		    asprintf(&path, "%s/%s", bs->out, good->runs[k].junit) < 0)
			continue;
		nbase += !hilt_compare_add_base(c, path, err, sizeof(err));
		free(path);
	}
	if (!nbase || hilt_compare_set_new(c, junit, err, sizeof(err)) ||
	    hilt_compare_run(c, &counts, err, sizeof(err))) {
		*v = HILT_BISECT_SKIP;
		*why = nbase ? strdup(err) : strdup("no JUnit of the good end to compare with");
	} else if (hilt_compare_regressed(&counts, &bs->a.cmp, bs->a.which)) {
		*v = HILT_BISECT_BAD;
		if (!hilt_compare_first_regression(c, bs->a.which, line, sizeof(line)))
			*why = strdup(line);
	} else {
		*v = HILT_BISECT_GOOD;
	}
	hilt_compare_free(c);
}

/* Argument vector of one hilt run of candidate i into dir. */
static char **run_argv(struct bisect *bs, size_t i, unsigned run, const char *dir)
{
	const struct bisect_args *a = &bs->a;
	const char *build = bs->values[i];
	size_t n = 0, cap = 16 + 2 * (a->ntargets + a->ntags) + a->nsuites;
	char **v = calloc(cap, sizeof(*v));
	bool oom = !v;
	char runs[16], *builds = NULL;

	if (!v)
		return NULL;
	snprintf(runs, sizeof(runs), "run=%u", run);
	if (asprintf(&builds, "build=%s", build) < 0)
		builds = NULL;
#define ADD(s) do { char *s_ = (s); if (!(v[n++] = s_)) oom = true; } while (0)
	ADD(strdup("/proc/self/exe"));
	ADD(strdup("run"));
	ADD(strdup("--no-progress"));
	ADD(strdup("--out"));
	ADD(strdup(dir));
	ADD(strdup("--path-var"));
	ADD(builds);
	ADD(strdup("--path-var"));
	ADD(strdup(runs));
	if (a->farm) {
		ADD(strdup("--farm"));
		ADD(expand(a->farm, build, run));
	}
	for (size_t k = 0; k < a->ntargets; k++) {
		ADD(strdup("--target"));
		ADD(expand(a->targets[k], build, run));
	}
	for (size_t k = 0; k < a->ntags; k++) {
		ADD(strdup("--tags"));
		ADD(strdup(a->tags[k]));
	}
	if (a->realtime)
		ADD(strdup("--realtime"));
	if (a->timeout_mult) {
		ADD(strdup("--timeout-multiplier"));
		ADD(strdup(a->timeout_mult));
	}
	for (size_t k = 0; k < a->nsuites; k++)
		ADD(expand(a->suites[k], build, run));
#undef ADD
	if (oom) {
		for (size_t k = 0; k < cap; k++)
			free(v[k]);
		free(v);
		v = NULL;
	}
	return v;
}

static void free_argv(char **v)
{
	for (size_t k = 0; v && v[k]; k++)
		free(v[k]);
	free(v);
}

/* A run of a step while it is tried. */
struct pending {
	unsigned k;		/* run k + 1 */
	unsigned attempt;
	char *dir, *junit, *log;
	char **argv;
};

static void pending_clear(struct pending *r)
{
	free(r->dir);
	free(r->junit);
	free(r->log);
	free_argv(r->argv);
	r->dir = r->junit = r->log = NULL;
	r->argv = NULL;
}

/* Records run r of candidate i as v (taking why) in the books and the
 * state file, and tells it.  0 or -errno. */
static int record(struct bisect *bs, size_t i, const struct pending *r,
		  enum hilt_bisect_verdict v, char *why)
{
	const char *rel = r->junit + strlen(bs->out) + 1;
	struct hilt_bisect_run *run = &hilt_bisect_cand(bs->b, i)->runs[r->k];
	char err[1024];
	int rc = hilt_bisect_set_run(bs->b, i, r->k, v, r->attempt, why,
				     access(r->junit, R_OK) ? NULL : rel);

	if (!rc && (rc = hilt_bisect_save(bs->b, bs->state, bs->plan, err, sizeof(err))))
		fprintf(stderr, "hilt bisect: %s\n", err);
	if (!rc)
		fprintf(bs->log, "    run %u: %s%s%s\n", r->k + 1, hilt_bisect_verdict_name(v),
			run->why ? ": " : "", run->why ? run->why : "");
	return rc;
}

/* The runs of candidate i not recorded yet, --jobs at a time, each tried
 * again after an infrastructure error, each recorded as it is judged.
 * 0; 1 when interrupted (the runs that were cut short not recorded);
 * -errno. */
static int do_runs(struct bisect *bs, size_t i, const char *stepdir)
{
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	unsigned repeat = bs->a.repeat, npend = 0, jobs = bs->a.jobs ? bs->a.jobs : 1;
	struct pending *pend = calloc(repeat + 1, sizeof(*pend));
	struct hilt_bisect_job *job = calloc(repeat + 1, sizeof(*job));
	char err[1024];
	int rc = pend && job ? 0 : -ENOMEM;

	for (unsigned k = 0; k < repeat && !rc; k++) {
		if (c->runs[k].verdict != HILT_BISECT_UNTESTED)
			continue;
		pend[npend] = (struct pending){ .k = k, .attempt = 0 };
		if (asprintf(&pend[npend].dir, "%s/run-%u", stepdir, k + 1) < 0)
			rc = -ENOMEM;
		npend++;
	}
	while (npend && !rc) {
		unsigned n = npend < jobs ? npend : jobs, interrupted = 0;

		for (unsigned q = 0; q < n && !rc; q++) {
			struct pending *r = &pend[q];

			/* A leftover of an interrupted bisect, or the attempt
			 * before, is set aside. */
			set_aside(r->dir);
			r->attempt++;
			free(r->junit);
			free(r->log);
			free_argv(r->argv);
			r->argv = NULL;
			if (asprintf(&r->junit, "%s/junit.xml", r->dir) < 0 ||
			    asprintf(&r->log, "%s/hilt-run.log", r->dir) < 0 ||
			    (rc = hilt_mkdir_p(r->dir, 0755)) ||
			    !(r->argv = run_argv(bs, i, r->k + 1, r->dir))) {
				r->junit = r->log = NULL;
				rc = rc ? rc : -ENOMEM;
				break;
			}
			job[q] = (struct hilt_bisect_job){
				.argv = r->argv, .log = r->log, .keep_output = true,
			};
		}
		if (!rc && (rc = hilt_bisect_exec_all(job, n, err, sizeof(err))))
			fprintf(stderr, "hilt bisect: %s\n", err);
		for (unsigned q = 0; q < n && !rc; q++) {
			struct pending *r = &pend[q];
			const struct hilt_bisect_exit *st = &job[q].st;
			enum hilt_bisect_verdict v;
			char *why = NULL;

			if (st->interrupted) {
				interrupted++;
				continue;
			}
			if (st->code == EXIT_PASS || st->code == EXIT_FAILED) {
				judge(bs, i, r->junit, st->code, &v, &why);
			} else if (st->code == EXIT_USAGE) {
				/* The same arguments serve every candidate: what
				 * this one lacks is its own (a ${build} path that
				 * is missing). */
				v = HILT_BISECT_SKIP;
				why = last_line(job[q].output ? job[q].output : "");
			} else {
				v = HILT_BISECT_ERROR;
				why = last_line(job[q].output ? job[q].output : "");
				if (r->attempt <= bs->a.retries) {
					fprintf(bs->log, "    run %u: infrastructure error, again: %s\n",
						r->k + 1, why ? why : "");
					free(why);
					continue;	/* stays pending */
				}
			}
			rc = record(bs, i, r, v, why);
			r->k = UINT_MAX;	/* done */
		}
		for (unsigned q = 0; q < n; q++) {
			free(job[q].output);
			job[q].output = NULL;
		}
		if (interrupted && !rc)
			rc = 1;
		/* What is done leaves the queue; the rest keep their order. */
		unsigned left = 0;

		for (unsigned q = 0; q < npend; q++) {
			if (pend[q].k == UINT_MAX)
				pending_clear(&pend[q]);
			else
				pend[left++] = pend[q];
		}
		npend = left;
	}
	for (unsigned q = 0; q < npend; q++)
		pending_clear(&pend[q]);
	free(pend);
	free(job);
	return rc;
}

/* Builds commit i in its worktree (stepdir/src): 0 built, 1 skipped (the
 * books say why), 2 interrupted, -errno. */
static int build(struct bisect *bs, size_t i, const char *stepdir)
{
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	char *src = NULL, *log = NULL, *why = NULL, err[1024];
	struct hilt_bisect_exit st;
	int rc;

	if (asprintf(&src, "%s/src", stepdir) < 0 || asprintf(&log, "%s/build.log", stepdir) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	rc = hilt_bisect_worktree_add(bs->repo, src, c->name, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt bisect: %s\n", err);
		goto out;
	}
	free(bs->values[i]);
	bs->values[i] = strdup(src);
	unlink(log);
	fprintf(bs->log, "    building: %s (log: %s)\n", bs->a.build_cmd, log);
	rc = hilt_bisect_exec((char *const[]){ "/bin/sh", "-c", (char *)bs->a.build_cmd, NULL },
			      src, log, NULL, &st, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt bisect: %s\n", err);
		goto out;
	}
	if (st.interrupted) {
		rc = 2;
		goto out;
	}
	if (st.exited && st.code == 0)
		goto out;
	if (asprintf(&why, st.exited && st.code == 125 ? "the build said it cannot be tested (exit "
		     "125)" : "the build failed (exit %d; %s)", st.code, log) < 0)
		why = NULL;
	rc = hilt_bisect_set_skip(bs->b, i, why);
	rc = rc ? rc : hilt_bisect_save(bs->b, bs->state, bs->plan, err, sizeof(err));
	if (rc)
		fprintf(stderr, "hilt bisect: %s\n", err);
	else
		rc = 1;
out:
	free(src);
	free(log);
	return rc;
}

/* The runs' JUnit of a step merged into stepdir/junit.xml. */
static void merge_step(struct bisect *bs, size_t i, const char *stepdir)
{
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	struct hilt_merge *m;
	char *path = NULL, err[1024];
	size_t n = 0;

	if (asprintf(&path, "%s/junit.xml", stepdir) < 0 || hilt_merge_new(path, &m)) {
		free(path);
		return;
	}
	for (unsigned k = 0; k < bs->a.repeat; k++) {
		char *run = NULL;

		if (!c->runs[k].junit || asprintf(&run, "%s/%s", bs->out, c->runs[k].junit) < 0)
			continue;
		n += !hilt_merge_add_file(m, run, err, sizeof(err));
		free(run);
	}
	if (n && hilt_merge_write(m, path, err, sizeof(err)))
		fprintf(stderr, "hilt bisect: %s\n", err);
	hilt_merge_free(m);
	free(path);
}

int hilt_bisect_step(struct bisect *bs, size_t i)
{
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	size_t n = hilt_bisect_count(bs->b);
	char *stepdir = NULL;
	bool all_recorded = true;
	struct stat st;
	int rc = 0;

	hilt_bisect_set_step(bs->b, i, ++bs->nsteps);
	if (asprintf(&stepdir, "%s/step-%03u-%s", bs->out, bs->nsteps, c->label) < 0)
		return -ENOMEM;
	fprintf(bs->log, "step %u: %s (%zu of %zu%s)\n", bs->nsteps, c->name, i + 1, n,
		i == 0 ? ", the good end" : i == n - 1 ? ", the bad end" : "");
	for (unsigned k = 0; k < bs->a.repeat; k++)
		all_recorded &= c->runs[k].verdict != HILT_BISECT_UNTESTED;
	if ((rc = hilt_mkdir_p(stepdir, 0755)))
		goto out;
	if (c->build_skipped || all_recorded) {
		/* From the state of an earlier, interrupted bisect. */
	} else if (bs->a.git_range) {
		rc = build(bs, i, stepdir);
		if (rc == 2) {
			rc = 1;
			goto out;
		}
		if (rc < 0)
			goto out;
		rc = 0;	/* built, or skipped (the books say so) */
	} else if (stat(bs->values[i], &st)) {
		char *why = NULL;

		if (asprintf(&why, "%s: %s", c->name, strerror(errno)) < 0)
			why = NULL;
		rc = hilt_bisect_set_skip(bs->b, i, why);
		if (!rc) {
			char err[1024];

			rc = hilt_bisect_save(bs->b, bs->state, bs->plan, err, sizeof(err));
			if (rc)
				fprintf(stderr, "hilt bisect: %s\n", err);
		}
		if (rc)
			goto out;
	}
	if (c->build_skipped) {
		fprintf(bs->log, "    skipped: %s\n", c->why);
	} else {
		for (unsigned k = 0; k < bs->a.repeat; k++)
			if (c->runs[k].verdict != HILT_BISECT_UNTESTED)
				fprintf(bs->log, "    run %u: %s (recorded)%s%s\n", k + 1,
					hilt_bisect_verdict_name(c->runs[k].verdict),
					c->runs[k].why ? ": " : "", c->runs[k].why ? c->runs[k].why : "");
		rc = do_runs(bs, i, stepdir);
		if (!rc)
			merge_step(bs, i, stepdir);
	}
	if (!rc) {
		hilt_bisect_decide(bs->b, i);
		fprintf(bs->log, "    => %s%s", c->flaky ? "flaky, " : "",
			hilt_bisect_verdict_name(c->verdict));
		if (c->flaky)
			fprintf(bs->log, " (%u good, %u bad runs; --flaky %s)", c->ngood, c->nbad,
				(const char *[]){ "majority", "bad", "good", "skip" }[bs->a.flaky]);
		fputc('\n', bs->log);
	}
out:
	if (bs->a.git_range) {
		char *src = NULL;

		/* Interrupted too: going on builds it again. */
		if (asprintf(&src, "%s/src", stepdir) >= 0 && !lstat(src, &st))
			hilt_bisect_worktree_remove(bs->repo, src);
		free(src);
	}
	free(stepdir);
	return rc;
}

/* ---- the answer ---- */

/* The compare report between the last good and the first bad: its text in
 * --out/evidence.txt (and on the step log). */
static void evidence(struct bisect *bs, size_t lg, size_t fb)
{
	struct hilt_bisect_cand *g = hilt_bisect_cand(bs->b, lg), *b = hilt_bisect_cand(bs->b, fb);
	struct hilt_compare_counts counts;
	struct hilt_compare *c = NULL;
	char *path = NULL, *buf = NULL, err[1024];
	size_t len = 0, nbase = 0;
	const char *newj = NULL;
	FILE *f;

	for (unsigned k = 0; k < bs->a.repeat && !newj; k++)
		if (b->runs[k].verdict == HILT_BISECT_BAD)
			newj = b->runs[k].junit;
	if (!newj || hilt_compare_new(&bs->a.cmp, &c))
		return;
	for (unsigned k = 0; k < bs->a.repeat; k++) {
		if (g->runs[k].verdict != HILT_BISECT_GOOD || !g->runs[k].junit ||
		    asprintf(&path, "%s/%s", bs->out, g->runs[k].junit) < 0)
			continue;
		nbase += !hilt_compare_add_base(c, path, err, sizeof(err));
		free(path);
	}
	if (asprintf(&path, "%s/%s", bs->out, newj) < 0)
		path = NULL;
	if (nbase && path && !hilt_compare_set_new(c, path, err, sizeof(err)) &&
	    !hilt_compare_run(c, &counts, err, sizeof(err)) && (f = open_memstream(&buf, &len))) {
		hilt_compare_write(c, HILT_COMPARE_TEXT, f);
		if (!fclose(f)) {
			struct iovec iov = { .iov_base = buf, .iov_len = len };
			char *ev = NULL;

			fprintf(bs->log, "\nEvidence (hilt report compare, last good -> first bad):\n%s",
				buf);
			if (asprintf(&ev, "%s/evidence.txt", bs->out) >= 0 &&
			    hilt_atomic_write(ev, &iov, 1, err, sizeof(err)))
				fprintf(stderr, "hilt bisect: %s\n", err);
			free(ev);
		}
		free(buf);
	}
	free(path);
	hilt_compare_free(c);
}

static int write_json(struct bisect *bs)
{
	const char *key = bs->a.git_range ? "commit" : "build";
	char *buf = NULL, *path = NULL, err[1024];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = -ENOMEM;

	if (!f)
		return rc;
	hilt_bisect_write_json(bs->b, key, f);
	if (!fclose(f) && asprintf(&path, "%s/bisect.json", bs->out) >= 0) {
		struct iovec iov = { .iov_base = buf, .iov_len = len };

		rc = hilt_atomic_write(path, &iov, 1, err, sizeof(err));
		if (rc)
			fprintf(stderr, "hilt bisect: %s\n", err);
		if (bs->a.json)
			fwrite(buf, 1, len, stdout);
	}
	free(buf);
	free(path);
	return rc;
}

int hilt_bisect_tell(struct bisect *bs, enum hilt_bisect_next next, size_t i)
{
	size_t n = hilt_bisect_count(bs->b), lg, fb, skipped = 0;
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	unsigned steps = hilt_bisect_steps(bs->b);
	FILE *o = bs->log;
	int status = EXIT_PASS;

	for (size_t k = 0; k < n; k++)
		skipped += hilt_bisect_cand(bs->b, k)->step && hilt_bisect_cand(bs->b, k)->verdict ==
								     HILT_BISECT_SKIP;
	fputc('\n', o);
	switch (next) {
	case HILT_BISECT_GOOD_END_BAD:
		fprintf(o, "The good end %s is bad: %s\n", c->name,
			c->runs[0].why ? c->runs[0].why : "its runs fail");
		fprintf(o, "Give an older build or commit as the good end.\n");
		status = EXIT_ENDS;
		break;
	case HILT_BISECT_BAD_END_GOOD:
		fprintf(o, "The bad end %s is good: no regression against the good end %s.\n"
			"Nothing to bisect between them.\n", c->name, hilt_bisect_cand(bs->b, 0)->name);
		status = EXIT_ENDS;
		break;
	case HILT_BISECT_END_UNTESTABLE:
		fprintf(o, "The %s end %s cannot be tested: %s\n", i ? "bad" : "good", c->name,
			c->why ? c->why : c->runs[0].why ? c->runs[0].why : "no run could be judged");
		status = EXIT_INFRA;
		break;
	case HILT_BISECT_FOUND:
	case HILT_BISECT_AMBIGUOUS:
		hilt_bisect_answer(bs->b, &lg, &fb);
		if (next == HILT_BISECT_FOUND) {
			fprintf(o, "First bad: %s\n", hilt_bisect_cand(bs->b, fb)->name);
		} else {
			fprintf(o, "First bad: one of these (the ones before %s could not be "
				"tested):\n", hilt_bisect_cand(bs->b, fb)->label);
			for (size_t k = lg + 1; k <= fb; k++)
				fprintf(o, "  %s\n", hilt_bisect_cand(bs->b, k)->name);
		}
		fprintf(o, "Last good: %s\n", hilt_bisect_cand(bs->b, lg)->name);
		fprintf(o, "Confidence: %.0f%%%s\n", 100 * hilt_bisect_confidence(bs->b),
			hilt_bisect_confidence(bs->b) < 1 ? " (flaky steps were decided by --flaky)"
							   : " (every run of every step agreed)");
		evidence(bs, lg, fb);
		break;
	case HILT_BISECT_TEST:
		break;
	}
	fprintf(o, "%zu candidates, log2(%zu) = %.1f: %u steps (the 2 ends, %zu skipped) of %u "
		"%s each\n", n, n, log2((double)n), steps, skipped, bs->a.repeat,
		bs->a.repeat == 1 ? "run" : "runs");
	if (write_json(bs) && status == EXIT_PASS)
		status = EXIT_INFRA;
	return status;
}
