/* JUnit XML writer (the dialect Jenkins and GitLab read, with Maven
 * Surefire's rerun and flaky elements for cases run more than once). */
#ifndef HILT_JUNIT_H
#define HILT_JUNIT_H

#include <stddef.h>

#include "reports/result.h"

/* The JUnit of a run, kept up to date as sessions end.  Each session is
 * serialized once, when added, into a <testsuite> fragment held in
 * memory; a flush writes the totals and the fragments as they are, so
 * writing the file after every session costs what the file holds, not
 * what every session costs again. */
struct hilt_junit;

/* A JUnit of no session yet, to be written at path (copied).  Nothing is
 * written until hilt_junit_flush().  0 or -ENOMEM; *out is freed with
 * hilt_junit_free(). */
int hilt_junit_new(const char *path, struct hilt_junit **out);

/* Names the files of failing cases' [[ATTACHMENT|path]] lines relative
 * to the folder root (which must exist) instead of the JUnit's: GitLab
 * resolves them from the root of the job's artifacts, the project's
 * folder.  Each testsuite then says where that is in its
 * attachments.root property, relative to the JUnit's folder.  0, or
 * -errno with the reason in err. */
int hilt_junit_set_attachments_root(struct hilt_junit *j, const char *root, char *err,
				    size_t errlen);

/* Serializes r into the next <testsuite> of the document; r is not kept
 * (it need not outlive the call).  0, or -ENOMEM with the reason in err
 * and the document as it was. */
int hilt_junit_add(struct hilt_junit *j, const struct hilt_session_result *r,
		   char *err, size_t errlen);

/* Writes the <testsuites> document of every session added so far to the
 * path, atomically (a temporary file, synced, renamed over it).  0 or
 * -errno with the file and reason in err; the sessions stay added either
 * way, so a later flush may succeed. */
int hilt_junit_flush(struct hilt_junit *j, char *err, size_t errlen);

/* Frees j (NULL is fine); the file stays as the last flush left it. */
void hilt_junit_free(struct hilt_junit *j);

/* Writes all session results to path atomically, as a hilt_junit with
 * each of them added, then flushed, would.  0 or -errno with the reason
 * in err. */
int hilt_junit_write(const char *path,
		     const struct hilt_session_result *const *results,
		     size_t nresults, char *err, size_t errlen);

#endif
