/* Merging JUnit files, hilt's (the shards of a run, runs of other hosts)
 * and other tools', into one <testsuites> document: every <testsuite>
 * copied whole, in the order given, under a root whose totals are
 * counted again from the test cases.  The files are streamed and the
 * copies kept in a temporary file: memory does not grow with them. */
#ifndef HILT_MERGE_H
#define HILT_MERGE_H

#include <stddef.h>

struct hilt_merge;

/* What the merged document holds so far. */
struct hilt_merge_totals {
	size_t files, suites;
	/* Each <failure>, <error> and <skipped> element of a test case
	 * counts, as in the suites' own totals of the tools that write two
	 * of them for one case (pytest: a failure, then an error in
	 * teardown). */
	size_t tests, failures, errors, skipped;
	/* The top-level suites' time attributes; for a suite without one,
	 * the times of its cases. */
	double time_s;
};

/* An empty merge, to be written at out_path ("-": standard output): the
 * paths hilt's testsuites name relative to their JUnit (console.log,
 * net.pcap, attachments.root) are named relative to the merge's folder
 * instead, and a testsuite whose attachment lines are relative to its
 * JUnit's folder gets an attachments.root property saying which that
 * is.  0 or -errno (no temporary file); *out is freed with
 * hilt_merge_free(). */
int hilt_merge_new(const char *out_path, struct hilt_merge **out);

/* Reads the JUnit file at path (a <testsuites> root, or a bare
 * <testsuite>, with or without totals) and adds copies of its testsuites,
 * untouched.  0, or -errno / -EINVAL with "path: why" or "path:line: why"
 * (one line) in err, and nothing of the file added. */
int hilt_merge_add_file(struct hilt_merge *m, const char *path, char *err, size_t errlen);

void hilt_merge_totals(const struct hilt_merge *m, struct hilt_merge_totals *t);

/* Writes the merged document to path atomically (a temporary file,
 * synced, renamed over it), or to standard output when path is "-".
 * 0 or -errno with the file and reason in err. */
int hilt_merge_write(struct hilt_merge *m, const char *path, char *err, size_t errlen);

/* Frees m (NULL is fine). */
void hilt_merge_free(struct hilt_merge *m);

#endif
