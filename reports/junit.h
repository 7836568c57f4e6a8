/* JUnit XML writer (the dialect Jenkins and GitLab read). */
#ifndef HILT_JUNIT_H
#define HILT_JUNIT_H

#include <stddef.h>

#include "../runner/result.h"

/* Writes all session results to path atomically (a temporary file renamed
 * over it).  0 or -errno with the reason in err. */
int hilt_junit_write(const char *path,
		     const struct hilt_session_result *const *results,
		     size_t nresults, char *err, size_t errlen);

/* Returns a malloc'd copy of len bytes of s that XML 1.0 accepts: valid
 * UTF-8, with control characters shown as their Unicode control pictures
 * (U+2400...) and invalid bytes as U+FFFD.  Caller frees. */
char *hilt_xml_clean_text(const char *s, size_t len);

#endif
