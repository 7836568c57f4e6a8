/* The session's own parts, shared by its files (nothing outside
 * runner/engine/session*.c and typing.c includes this):
 *
 *   session.c          lifecycle: new, start (the target's start), the
 *                      console and aux fds read and logged, the target's
 *                      state changes, the suite's deadline, finish, the
 *                      target's stop, abort, free
 *   session_verdict.c  verdicts: a case's (with the console excerpt),
 *                      the rest skipped, a session ended early, failure
 *                      patterns caught and reported after their grace
 *   session_case.c     the cases: the one under way begun, matched,
 *                      timed out and ended only through its kind's ops
 *                      (runner/cases/case.h), and what the session lends
 *                      it (the hilt_run_* calls but typing's)
 *   session_findings.c the kernel report reader (kreport.h) beside the
 *                      matcher: fed, finished, a fatal finding ending the
 *                      session, the findings handed to the result
 *   typing.c           console input: written as the console takes it,
 *                      paced chunk by chunk for a small receive FIFO
 *   session_boot.c     shared boots: a target kept running between
 *                      sessions (struct hilt_boot), the shell check
 *                      before a suite that starts at a shell */
#ifndef HILT_SESSION_INT_H
#define HILT_SESSION_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/ansi.h"
#include "base/loop.h"
#include "base/tail.h"
#include "runner/cases/case.h"
#include "runner/engine/http.h"
#include "runner/engine/matcher.h"
#include "runner/engine/session.h"
#include "targets/target.h"

/* Matcher watch ids: a case's own are 1 to HILT_RUN_WATCH_MAX. */
enum {
	WATCH_PACE = HILT_RUN_WATCH_MAX + 1,	/* the echo of the chunk typed last */
	WATCH_READY,		/* the shell check's marker, then its prompt */
	WATCH_FAILURE0 = 100,	/* + index of the failure pattern */
};

enum session_state {
	SESSION_NEW,
	SESSION_STARTING,	/* the target is being powered on */
	SESSION_RUNNING,
	SESSION_ENDING,		/* a failure pattern hit: collecting its trace */
	SESSION_DONE,
};

/* The case under way, as its kind sees it (runner/cases/case.h). */
struct hilt_case_run {
	struct hilt_session *s;
	const struct hilt_case *c;
	bool active;		/* begun and not yet ended */
	void *state;		/* run_size bytes of the kind's */
	uint32_t watched;	/* bit id: the case's watches */
	int64_t timer;		/* its hilt_run_timer() */
	void (*probe_done)(struct hilt_case_run *run, const struct hilt_http_result *r);
};

/* A shared boot (session.h): the target between its sessions. */
struct hilt_boot {
	struct hilt_loop *loop;
	const struct hilt_target_ops *ops;
	struct hilt_target *target;	/* kept running between sessions, or NULL */
	/* The target's env for its whole life (it keeps a pointer): lent
	 * to the session running on it, the boot's own between them. */
	struct hilt_target_env env;
	char *pcap_path;
	struct hilt_session *lent;	/* the session running on it, or NULL */
	char *stem;			/* of the session that booted it */
	char *down_why;			/* why it was not kept, once down */
	char *last_suite;		/* of the session that ended on it last */
	/* Console bytes the last session read past its end: the next one
	 * is fed them first (its log does not hold them again). */
	struct hilt_buf carry;
	/* The boot's captures, for the suites run on it. */
	char **var_names, **var_values;
	size_t nvars;
	const struct hilt_shell *shell;	/* in force at the boot's end */
	unsigned sessions;		/* run on it, the boot's own included */
	unsigned checks;		/* shell checks typed (their markers' numbers) */
	bool gone;			/* the target went away between sessions */
	/* What kept others off the device (a board's lock), kept from a
	 * session that powered it off, for the next boot (-1: none). */
	int hold_fd;
	void (*stop_done)(void *arg);
	void *stop_arg;
	int64_t stop_timer;
};

struct hilt_session {
	struct hilt_loop *loop;
	const struct hilt_suite *suite;
	const struct hilt_target_config *cfg;
	const struct hilt_target_ops *ops;
	struct hilt_session_opts opts;
	struct hilt_target *target;
	struct hilt_session_result *result;
	enum session_state state;

	struct hilt_matcher *matcher;
	char *pcap_path, *timing_path;
	struct hilt_target_env env;
	struct hilt_target_env *envp;	/* &env, or the shared boot's */
	bool borrowed;		/* the target is a shared boot's, already up */
	bool kept;		/* ...and handed back to it at the end */
	bool readying;		/* the shell check before the first case */
	bool unready;		/* the shell did not answer it */
	bool ready_marker_seen;
	bool console_ended;	/* the console reached its end */
	bool described;		/* the target's properties are in the result */
	struct hilt_pattern *ready_re;
	int64_t ready_timer;
	struct hilt_ansi ansi;
	struct hilt_tail *tail;
	/* The console's live copy for observers (hilt console --watch). */
	struct hilt_watch *watch;
	FILE *log, *timing;
	int console_fd;
	int aux[4];
	size_t naux;
	unsigned console_gaps;	/* times the console went and came back */
	char *console_note;	/* what the last gap lost */

	int64_t power_on_ns, case_start_ns, last_log_ns;
	int64_t start_ns;	/* when the session began (before its target) */
	int64_t case_timer, session_timer, grace_timer, rescan_timer, done_timer;
	unsigned *failure_seen;	/* matches of each failure pattern let pass */
	double scale;		/* of every deadline */
	bool hurry;		/* aborted: the target stops with short graces */
	struct hilt_buf typing;	/* console input not yet written */
	bool want_out;		/* the console fd is watched for POLLOUT */
	bool in_process;	/* inside session_process_matches() */
	size_t current;		/* index of the case under way */
	bool end_after_case;	/* the case under way skipped the rest */
	uint64_t cursor;	/* output consumed by earlier cases */
	uint64_t last_match_start;
	struct hilt_case_run run;

	/* Paced typing (<shell pace="N">): the text still to type chunk by
	 * chunk, then what follows it at once (the line end). */
	char *paced, *pace_after;
	size_t paced_off, paced_len;
	unsigned pace;
	bool pace_echo;		/* each chunk waits for its echo, else a timer */
	uint64_t pace_from;	/* where the next chunk's echo is looked for */
	struct hilt_pattern *pace_echo_re;
	int64_t pace_timer;

	/* The HTTP probe of the case under way, and one that ended (freed
	 * later: its callback must not free it under itself). */
	struct hilt_http *probe, *old_probe;
	bool probe_finished;	/* its callback ran */
	char **var_names, **var_values;
	size_t nvars;

	/* The failure pattern that ended the session, while collecting. */
	size_t failure_index;
	uint64_t failure_start;
	/* What the console showed of it, kept from the match on (the tail
	 * moves on while the grace period lets the trace come, a replay's
	 * by megabytes): the excerpt's bytes before the line where the match
	 * begins, that line and the trace after it, up to
	 * FAILURE_TRACE_BYTES past the line's start and then its end. */
	struct hilt_buf failure_text;
	uint64_t failure_text_at;	/* the offset of its first byte */
	uint64_t failure_line_at;	/* of the line where the match begins */
	bool failure_text_done;		/* the trace is complete */

	/* The kernel report reader (the suite's <kernel-reports>), or NULL:
	 * fed what the matcher is fed, while the session runs and while a
	 * failure pattern's trace comes. */
	struct hilt_kreport *kr;
	bool kr_finished;
	/* A fatal finding told by the reader, acted on once its feed
	 * returned (the session does not end inside the reader); what the
	 * reader tells after it (the rest of the bytes it was fed with it)
	 * is after the session's end and not counted. */
	const struct hilt_finding *kr_fatal;
	/* The findings as told, in order of first appearance: how many
	 * reports the session counts of each, when the first was told. */
	struct session_finding {
		const struct hilt_finding *f;	/* the reader's */
		unsigned long count;
		double at_s;
	} *kr_seen;
	size_t kr_nseen;
};

/* session.c */
void session_finish(struct hilt_session *s);
/* Points the target's env at the session (its callbacks, its arg). */
void session_env_attach(struct hilt_session *s);
/* Feeds console bytes read by an earlier session (a shared boot's carry)
 * to the matcher and the readers, without logging them again. */
void session_feed(struct hilt_session *s, char *buf, size_t n);

/* session_boot.c */
/* The session takes its shared boot's running target, if it has one. */
void session_boot_borrow(struct hilt_session *s);
/* Before the first case of a session on a borrowed target: the carry,
 * then the shell check.  The first case begins once the shell answers. */
void session_ready_begin(struct hilt_session *s);
/* A WATCH_READY match. */
void session_ready_matched(struct hilt_session *s, const struct hilt_match *m);
/* The check ended without an answer (a typing failure, its deadline). */
void session_ready_failed(struct hilt_session *s, const char *why);
/* At the session's end: whether its target stays up for the next session
 * of its shared boot (then it is handed back, with what was read past
 * the end); else the boot is down and says why. */
bool session_boot_keep(struct hilt_session *s);
/* The rest of a read past the session's end goes to the boot's carry. */
void session_boot_carry(struct hilt_session *s, const char *buf, size_t n);
void session_ready_release(struct hilt_session *s);
/* The session is freed: its boot is no longer lent to it. */
void session_boot_release(struct hilt_session *s);

/* session_verdict.c */
double session_since_power_on(const struct hilt_session *s, int64_t now);
/* Records the verdict of case i.  detail may be NULL. */
/* Appends a test the device reported after the suite's cases (copied),
 * its excerpt taken when it failed, and tells the reporters. */
void session_add_test(struct hilt_session *s, const struct hilt_case_result *t);
/* The case under way reads the console's bytes (its kind's output op). */
void session_case_output(struct hilt_session *s, const char *buf, size_t n, uint64_t off);
/* The block of the first finding at or after offset since, or NULL. */
const char *session_findings_block_since(const struct hilt_session *s, uint64_t since,
					 size_t *len);
void session_set_case(struct hilt_session *s, size_t i, enum hilt_verdict v,
		      const char *type, const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void session_set_casev(struct hilt_session *s, size_t i, enum hilt_verdict v,
		       const char *type, const char *detail, const char *fmt, va_list ap);
/* Every case from from on is skipped for why. */
void session_skip_rest(struct hilt_session *s, size_t from, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The session ends before its last case: the current one gets the
 * verdict, every later one is skipped for the same reason. */
void session_end_early(struct hilt_session *s, enum hilt_verdict v, const char *type,
		       const char *detail, const char *why);
/* Failure pattern m matched: its trace is collected for a grace period. */
void session_failure_matched(struct hilt_session *s, const struct hilt_match *m);
/* Console bytes after those of the match, while the session ends:
 * kept for its trace until that is complete. */
void session_failure_collect(struct hilt_session *s, const char *buf, size_t n);
/* Reports it once the grace period has collected its trace. */
void session_report_failure(struct hilt_session *s);
char *session_vfmt(const char *fmt, va_list ap);

/* session_findings.c */
/* Makes the reader of the suite's <kernel-reports>, if it has one on.
 * 0, or -errno with why in err. */
int session_findings_new(struct hilt_session *s, char *err, size_t errlen);
/* Feeds the reader n more console bytes.  A fatal finding it tells is
 * acted on by session_findings_check(), called once the matcher has
 * judged the same bytes (a failure pattern matching there, kernel-panic,
 * ends the session first, as it always did). */
void session_findings_feed(struct hilt_session *s, const char *buf, size_t n);
/* A fatal finding told ends the session, if it still runs: a failure
 * quoting the report's first line. */
void session_findings_check(struct hilt_session *s);
/* No more output: a report still open is completed (and may end the
 * session). */
void session_findings_finish(struct hilt_session *s);
/* The session ends: its findings go into its result. */
void session_findings_take(struct hilt_session *s);
void session_findings_free(struct hilt_session *s);

/* session_case.c */
void session_begin_case(struct hilt_session *s);
/* The case under way is over: the next begins, or the session ends. */
void session_next_case(struct hilt_session *s);
/* Ends the run of the case under way (its watches, timers, typing,
 * probe and state), if one is. */
void session_case_release(struct hilt_session *s);
void session_cancel_case_timer(struct hilt_session *s);
void session_process_matches(struct hilt_session *s);
double session_case_timeout_s(const struct hilt_session *s, const struct hilt_case *c);
void session_free_vars(struct hilt_session *s);
int session_add_var(struct hilt_session *s, const char *name, const char *value);

/* typing.c */
/* Types text at once (as the console takes it); -EIO when that failed
 * (the case under way has ended). */
int session_type(struct hilt_session *s, const char *text);
/* Writes what the console takes now of what was typed (the rest once it
 * is writable); a failed write ends the case under way: -EIO. */
int session_flush_typing(struct hilt_session *s);
/* The echo of the chunk typed last (WATCH_PACE) came. */
void session_pace_echoed(struct hilt_session *s, const struct hilt_match *m);
void session_pace_stop(struct hilt_session *s);

#endif
