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

#endif
