/* A static HTML report of a run's JUnit: one self-contained file (inline
 * CSS and SVG, no script, nothing fetched), readable in any browser and
 * as a CI artifact.  Summary counts; a table per target; each failure with
 * its message, console excerpt and links to the raw logs and captures; the
 * kernel findings (hilt's finding.N.* properties and <failure
 * type="finding"> cases) with their kind, count and block; and per session
 * an SVG timeline of its boot milestones, with a baseline
 * run's times drawn beside them when one is given, the counts of its result
 * streams (results.NAME.*), and its cases named by a path (a stream's
 * tests, kunit/list-kernel-test/list_test_list_init) in groups by their
 * path, each with the counts under it, collapsed (<details>) where nothing
 * failed.  Grouping is linear in the cases. */
#ifndef HILT_HTML_H
#define HILT_HTML_H

#include <stddef.h>

/* Failures whose console excerpt is kept (the others show their message
 * only): bounds memory and the page for a night where everything fails. */
#define HILT_HTML_EXCERPTS_MAX 500
#define HILT_HTML_EXCERPT_BYTES 4096

/* A milestone moved when it is slower or faster than the baseline's by
 * both a fraction and a number of seconds (by default report compare's:
 * 10 % and 0.2 s). */
struct hilt_html_opts {
	double rel, abs_s;
};

struct hilt_html_counts {
	size_t sessions, tests, passed, failed, errors, skipped;
	size_t moved;		/* milestones slower than the baseline */
	/* Kernel findings: distinct titles over the sessions (their cases
	 * are not among tests and failed) */
	size_t findings;
};

/* Reads the JUnit at junit (and the baseline's, when not NULL) and writes
 * the report to out, atomically; links to the logs the JUnit names are
 * made relative to out's folder.  0; -EINVAL (a file that is not JUnit)
 * or -errno with "path:line: why" or "path: why" in err. */
int hilt_html_report(const char *junit, const char *baseline, const char *out,
		     const struct hilt_html_opts *o, struct hilt_html_counts *counts, char *err,
		     size_t errlen);

#endif
