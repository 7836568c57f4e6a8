/* A session: one suite on one target, driven by the event loop: power on,
 * watch the console, run the steps, collect the verdicts. */
#ifndef HILT_SESSION_H
#define HILT_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/engine/farm.h"
#include "base/loop.h"
#include "reports/result.h"
#include "runner/engine/suite.h"

struct hilt_session;

struct hilt_session_opts {
	const char *out_dir;	/* the console log goes here */
	/* Names the session's files in out_dir (STEM.console.log,
	 * .console.timing, .pcap): unique in the run, chosen by the caller
	 * (see hilt_session_stem()).  NULL: SUITE@TARGET. */
	const char *stem;
	bool pcap;		/* capture the guest network beside it */
	double timeout_scale;	/* of every case and suite deadline (0: 1) */
	unsigned attempt;	/* recorded in the result (0: 1) */
	/* Called as each test case ends (may be NULL). */
	void (*on_case)(const struct hilt_session_result *r,
			const struct hilt_case_result *c, void *arg);
	/* Called once, from the loop, when the session has ended and its target
	 * is off. */
	void (*on_done)(struct hilt_session *s, void *arg);
	void *arg;
};

/* The file name stem of a session of suite on target: SUITE@TARGET with
 * every byte but [A-Za-z0-9@._-] as '_', at most max bytes (>= 16), and
 * "-N" added (N from 2) until it is not in used[0..nused).  Caller frees. */
char *hilt_session_stem(const char *suite, const char *target, size_t max,
			char *const *used, size_t nused);

/* Prepares a session; suite, cfg and opts must outlive it.  Freed with
 * hilt_session_free().  0 or -errno with the reason in err. */
int hilt_session_new(struct hilt_loop *loop, const struct hilt_suite *suite,
		     const struct hilt_target_config *cfg,
		     const struct hilt_session_opts *opts,
		     struct hilt_session **out, char *err, size_t errlen);

/* Opens the session's files, powers the target on and starts checking.
 * Files that cannot be opened or a target that fails to start end the
 * session at once with an infrastructure error (on_done runs). */
void hilt_session_start(struct hilt_session *s);

/* Ends a running session now: the case under way becomes an error with
 * why ("interrupted"), the rest are skipped. */
void hilt_session_abort(struct hilt_session *s, const char *why);

int hilt_session_done(const struct hilt_session *s);

/* The name of the case under way, or NULL (owned by the suite). */
const char *hilt_session_current_case(const struct hilt_session *s);

/* Hands the result (complete once done) to the caller, who frees it with
 * hilt_session_result_free(); the session keeps none. */
struct hilt_session_result *hilt_session_take_result(struct hilt_session *s);

/* The result so far (complete once done); owned by the session. */
const struct hilt_session_result *hilt_session_result(const struct hilt_session *s);

void hilt_session_free(struct hilt_session *s);

#endif
