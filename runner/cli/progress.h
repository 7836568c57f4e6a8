/* The live status block on a terminal: each running session with its
 * target, case under way and elapsed time, and the run's counts, redrawn
 * at most 10 times a second below the lines of finished cases. */
#ifndef HILT_PROGRESS_H
#define HILT_PROGRESS_H

#include <stdio.h>

#include "base/loop.h"
#include "runner/engine/report.h"
#include "runner/engine/sched.h"

struct hilt_progress;

/* Draws on out (a terminal) from loop timers; colour unless NO_COLOR is
 * set.  0 or -errno; freed with hilt_progress_free(), which erases the
 * block. */
int hilt_progress_new(struct hilt_loop *loop, const struct hilt_sched *sched, FILE *out,
		      struct hilt_progress **progress);

/* The reporter to put first in the chain: it erases its block before the
 * others print.  Owned by the progress. */
struct hilt_reporter *hilt_progress_reporter(struct hilt_progress *p);

void hilt_progress_free(struct hilt_progress *p);

#endif
