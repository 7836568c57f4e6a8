/* How long sessions took in an earlier run, read from its JUnit: the
 * scheduler starts the longest first. */
#ifndef HILT_DURATIONS_H
#define HILT_DURATIONS_H

#include <stddef.h>

struct hilt_durations;

/* Reads every top-level <testsuite name time> of a JUnit file (hilt's,
 * with its "target" property, or another tool's) through the streaming
 * reader, reports/jread.h.  0 or -errno with why in err.  Freed with
 * hilt_durations_free(). */
int hilt_durations_load(const char *path, struct hilt_durations **out, char *err,
			size_t errlen);

/* Seconds of suite on target, else of suite on any target (the longest),
 * else the mean of all that are known: a session never seen is neither
 * put first nor last. */
double hilt_durations_get(const struct hilt_durations *d, const char *suite,
			  const char *target);

void hilt_durations_free(struct hilt_durations *d);

#endif
