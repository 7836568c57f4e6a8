/* Reporters: what the scheduler tells as a run goes (the JUnit file, the
 * plain case lines, the live display on a terminal are peers behind this
 * one interface).  Every hook may be NULL. */
#ifndef HILT_REPORT_H
#define HILT_REPORT_H

#include <stdbool.h>

#include "reports/result.h"

struct hilt_sched;

struct hilt_reporter {
	/* A session began on a target (attempt 1, 2...). */
	void (*session_started)(struct hilt_reporter *rep, const char *suite,
				const char *target, unsigned attempt);
	/* A case of a running session ended. */
	void (*case_ended)(struct hilt_reporter *rep, const struct hilt_session_result *r,
			   const struct hilt_case_result *c);
	/* A session ended.  final: its result stands (not run again); r
	 * lives as long as the scheduler. */
	void (*session_ended)(struct hilt_reporter *rep, const struct hilt_session_result *r,
			      bool final);
	/* Something about the run a person should know (a target taken out). */
	void (*notice)(struct hilt_reporter *rep, const char *text);
	/* The run ended. */
	void (*run_ended)(struct hilt_reporter *rep);
	/* The scheduler, for displays that ask what is running. */
	const struct hilt_sched *sched;
	/* The next reporter told, or NULL. */
	struct hilt_reporter *next;
};

/* Calls hook of every reporter of the chain from rep, with its arguments. */
#define HILT_REPORT(rep, hook, ...)                                     \
	do {                                                            \
		for (struct hilt_reporter *r_ = (rep); r_; r_ = r_->next) \
			if (r_->hook)                                   \
				r_->hook(r_, ##__VA_ARGS__);            \
	} while (0)

#endif
