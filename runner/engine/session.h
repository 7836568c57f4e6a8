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

/* A shared boot: one boot of a target that several sessions run on, one
 * after the other (suites with start="shell").  The session of the boot
 * suite powers the target on into it; at the end of every session on it
 * the target stays up when it is fit for more (every case passed or was
 * skipped by the suite, no kernel finding, the console still there) and
 * is powered off otherwise, the boot then down with the reason (the
 * boot suite's own kernel findings are its session's and do not take it
 * down: a second boot would meet them again).  A
 * session on a boot that is up begins at its shell: fed what the last
 * session read past its end, it types a marker (`echo hilt-ready-N`)
 * and waits for it and the prompt, HILT_READY_S (scaled) at most; the
 * boot's captures are its variables; its result has the property
 * session.boot (the booting session's stem). */
struct hilt_boot;

/* The shell check's deadline, before the target's scaling. */
#define HILT_READY_S 10.0

int hilt_boot_new(struct hilt_loop *loop, struct hilt_boot **out);
/* Whether a target is up in it, ready for a session. */
bool hilt_boot_up(const struct hilt_boot *b);
/* Why it is down: the last session did not keep it ("suite 'x' failed:
 * ..."); NULL while up or before it booted. */
const char *hilt_boot_down_why(const struct hilt_boot *b);
/* The stem of the session that booted it (NULL before). */
const char *hilt_boot_stem(const struct hilt_boot *b);
/* Sessions run on it, the boot suite's included. */
unsigned hilt_boot_sessions(const struct hilt_boot *b);
/* What keeps others off the device (a board's lock) after a session on
 * the boot powered it off without keeping it: the next boot of the same
 * target takes it at its start instead of waiting for the device.  take:
 * the fd (the caller's now), -1 when none; give: for the boot session of
 * b, before it starts (the boot owns fd from then on). */
int hilt_boot_take_hold(struct hilt_boot *b);
void hilt_boot_give_hold(struct hilt_boot *b, int fd);
/* Powers the target kept in it off (hurry: shorter graces) and calls
 * done(arg) from the loop once it is off, at once when none is kept. */
void hilt_boot_stop(struct hilt_boot *b, bool hurry, void (*done)(void *arg), void *arg);
/* Frees it; a target still kept is killed at once. */
void hilt_boot_free(struct hilt_boot *b);

struct hilt_session_opts {
	const char *out_dir;	/* the console log goes here */
	/* Names the session's files in out_dir (STEM.console.log,
	 * .console.timing, .pcap): unique in the run, chosen by the caller
	 * (see hilt_session_stem()).  NULL: SUITE@TARGET. */
	const char *stem;
	bool pcap;		/* capture the guest network beside it */
	double timeout_scale;	/* of every case and suite deadline (0: 1) */
	unsigned attempt;	/* recorded in the result (0: 1) */
	/* The shared boot the session boots into (when it is down) or runs
	 * on (when it is up), or NULL: the session powers its target on and
	 * off (start="power-on" alone).  Must outlive the session. */
	struct hilt_boot *boot;
	/* Why this boot happened (a reboot after a suite failed), for the
	 * property session.boot.reason; NULL: none said. */
	const char *boot_reason;
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

/* Whether the session ran on a shared boot whose shell did not answer
 * the check before its first case (its result says so; no case ran). */
bool hilt_session_unready(const struct hilt_session *s);

/* The name of the case under way, or NULL (owned by the suite). */
const char *hilt_session_current_case(const struct hilt_session *s);

/* Hands the result (complete once done) to the caller, who frees it with
 * hilt_session_result_free(); the session keeps none. */
struct hilt_session_result *hilt_session_take_result(struct hilt_session *s);

/* The result so far (complete once done); owned by the session. */
const struct hilt_session_result *hilt_session_result(const struct hilt_session *s);

void hilt_session_free(struct hilt_session *s);

#endif
