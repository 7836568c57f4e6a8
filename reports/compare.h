/* Comparing runs: what one run of the suites (NEW) does differently from
 * one or more earlier runs (the base), read from their JUnit files.
 *
 * Test cases are matched by testsuite (a hilt session: SUITE@TARGET) and
 * case; a session whose target changed is matched by its suite when that
 * leaves no doubt.  Verdicts give regressions (passed in every base run
 * where it ran, fails now), fixes, cases still failing, infrastructure
 * errors (listed apart: an error is never a regression of the device),
 * new and removed cases.  Boot milestones' times since power-on (hilt's
 * milestone.NAME.time properties) give boot-time regressions:
 *
 *   limit = reference + max(threshold * reference, floor, k * 1.4826 * MAD)
 *
 * where the reference is the base time (one base run) or the median of the
 * base runs' times, and MAD their median absolute deviation (several base
 * runs: what the base shows of its own noise); a time beyond the limit is
 * a regression, one below reference - the same margin an improvement.  The
 * report says which term set the limit.
 *
 * Kernel findings (hilt's finding.N.title/kind/count/line properties, and
 * their <failure type="finding"> cases, which are not test verdicts) are
 * matched by session and title: new (a title in no base run's session), gone
 * (in the latest base run's, not now) and counted differently; a new one is
 * a regression unless findings_notice. */
#ifndef HILT_COMPARE_H
#define HILT_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

struct hilt_compare;

struct hilt_compare_opts {
	double threshold;	/* relative, 0.10 for 10 % */
	double floor_s;		/* absolute, seconds */
	double mad_k;		/* multiples of the scaled MAD (several bases) */
	/* A new kernel finding is a notice, not a regression. */
	bool findings_notice;
	/* Boot times counted from this milestone of each session instead of
	 * power-on (what comes before it, firmware and a kernel's own boot
	 * on a busy emulator, adds no noise); NULL: from power-on.  A session
	 * without it has no times compared (a note says so). */
	const char *time_from;
};

#define HILT_COMPARE_THRESHOLD 0.10
#define HILT_COMPARE_FLOOR_S 0.2
#define HILT_COMPARE_MAD_K 3.0

enum hilt_compare_format {
	HILT_COMPARE_TEXT,
	HILT_COMPARE_MARKDOWN,
	HILT_COMPARE_JSON,
};

struct hilt_compare_counts {
	size_t compared;	/* cases found in NEW and the base */
	size_t sessions;	/* sessions matched */
	size_t regressions, time_regressions, fixes, still_failing, errors;
	size_t untested;	/* failing; skipped or in error in every base run */
	size_t new_cases, removed_cases, faster;
	size_t flaky;		/* passed after failed attempts (reruns) */
	/* Kernel findings (finding.N.* properties): titles in no base run,
	 * titles of the latest base run gone, titles counted differently */
	size_t new_findings, gone_findings, changed_findings;
};

int hilt_compare_new(const struct hilt_compare_opts *o, struct hilt_compare **out);
void hilt_compare_free(struct hilt_compare *c);

/* Reads a base run (in the order given: the last is the latest) or the
 * new run.  0, or -errno / -EINVAL with "path:line: why" in err. */
int hilt_compare_add_base(struct hilt_compare *c, const char *path, char *err, size_t errlen);
int hilt_compare_set_new(struct hilt_compare *c, const char *path, char *err, size_t errlen);

/* Compares the runs read.  0; -ENOENT with the reason in err when no
 * testsuite of the new run is in any base run (nothing to compare). */
int hilt_compare_run(struct hilt_compare *c, struct hilt_compare_counts *counts, char *err,
		     size_t errlen);

/* What counts as a regression of a run (hilt bisect picks; report
 * compare takes them all, a new finding as opts->findings_notice says). */
enum hilt_compare_regression {
	HILT_REGRESSED_CASES = 1,	/* a case passed in every base run, fails */
	HILT_REGRESSED_TIMES = 2,	/* a milestone beyond its limit */
	HILT_REGRESSED_FINDINGS = 4,	/* a kernel finding title in no base run */
	HILT_REGRESSED_ALL = 7,
};

/* Which of the kinds in `which` the counts of hilt_compare_run() show (0:
 * none); a new finding counts only without findings_notice. */
unsigned hilt_compare_regressed(const struct hilt_compare_counts *counts,
				const struct hilt_compare_opts *o, unsigned which);

/* The first regression of the kinds in `which` as one inert line ("regression: SESSION >
 * CASE: passed -> failed: why", "slower: ...", "new finding: ..."), in
 * buf; 0, or -ENOENT when there is none. */
int hilt_compare_first_regression(const struct hilt_compare *c, unsigned which, char *buf,
				  size_t len);

/* Writes the report of hilt_compare_run() to f.  0 or -errno. */
int hilt_compare_write(struct hilt_compare *c, enum hilt_compare_format fmt, FILE *f);

#endif
