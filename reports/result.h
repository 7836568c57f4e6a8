/* What a session found: plain data handed from the session to the report
 * writers.  Everything in it is owned by the hilt_session_result and freed
 * with hilt_session_result_free(). */
#ifndef HILT_RESULT_H
#define HILT_RESULT_H

#include <stdbool.h>
#include <stddef.h>

enum hilt_verdict {
	HILT_PASS,
	HILT_FAIL,	/* the device misbehaved */
	HILT_ERROR,	/* infrastructure failed: no verdict on the device */
	HILT_SKIP,	/* not run */
};

/* An earlier attempt at a case whose session was run again (a retry
 * after an infrastructure error, or a rerun of a failure): what it found
 * then, reported beside the final verdict as JUnit's rerun and flaky
 * elements. */
struct hilt_case_attempt {
	enum hilt_verdict verdict;	/* HILT_FAIL or HILT_ERROR */
	char *type, *message, *detail;	/* as in hilt_case_result; may be NULL */
	double time_s;
	unsigned attempt;	/* 1 for the first run of the session */
	char *target;		/* where that attempt ran */
	char *console_log;	/* that attempt's log */
};

#define HILT_EXCERPT_LINES 40
#define HILT_EXCERPT_BYTES 4096

struct hilt_case_result {
	char *name;
	enum hilt_verdict verdict;
	char *type;		/* failure/error/skip type, e.g. "milestone-timeout" */
	char *message;		/* one line */
	char *detail;		/* longer text (matching line, stderr), or NULL */
	char *output;		/* what the case saw (an HTTP response), or NULL */
	/* A failure's or error's evidence: the console's last lines when the
	 * case ended (raw bytes, bounded: HILT_EXCERPT_LINES lines and
	 * HILT_EXCERPT_BYTES bytes), or NULL. */
	char *excerpt;
	size_t excerpt_len;
	double time_s;		/* how long the case took */
	double at_s;		/* when it ended, since power-on; < 0 if never */
	/* The earlier attempts that failed or erred, oldest first. */
	struct hilt_case_attempt *earlier;
	size_t nearlier;
	/* A failure of the device that JUnit calls an error (verdict
	 * HILT_FAIL): a test of a result stream cut off by a crash (type
	 * "crashed") or never reported (type "missing"). */
	bool as_error;
};

struct hilt_property {
	char *name, *value;
};

/* A kernel report the session's reader found (runner/engine/kreport.h):
 * one distinct title, in order of first appearance. */
struct hilt_finding_result {
	char *title;		/* "WARNING in __list_add_valid" */
	char *kind;		/* "warning" */
	unsigned long count;	/* reports with this title */
	/* The first line of its first report exactly as the console printed
	 * it, and that report's block (bounded): raw bytes, made inert by
	 * whatever shows them. */
	char *line;
	char *block;
	size_t block_len;
	double at_s;		/* when its first report was complete, since power-on */
};

struct hilt_session_result {
	char *suite;
	char *target;
	char *timestamp;	/* ISO 8601, UTC, at power-on */
	double time_s;
	struct hilt_property *props;
	size_t nprops;
	/* The suite's cases, in its order, then the tests the device
	 * reported in its result streams (<results>), as they came. */
	struct hilt_case_result *cases;
	size_t ncases;
	size_t cases_cap;	/* room in cases (hilt_result_add_case) */
	char *console_tail;	/* raw bytes, bounded */
	size_t console_tail_len;
	char *diagnostics;	/* infrastructure output (emulator stderr) */
	char *console_log;	/* path of the full raw log */
	/* The first file of the session that could not be written in full
	 * (console log, timing, capture): path and reason; NULL if none. */
	char *output_error;
	unsigned attempt;	/* 1 for the first run of this suite on a target */
	/* The kernel report reader's findings; findings_read says it ran
	 * (then the JUnit has findings.count, 0 included). */
	struct hilt_finding_result *findings;
	size_t nfindings;
	bool findings_read;
	unsigned long findings_dropped;	/* reports beyond its titles' cap */
};

void hilt_session_result_free(struct hilt_session_result *r);
/* Adds to c an earlier attempt (copies of what a points at).  0 or
 * -ENOMEM. */
int hilt_case_add_earlier(struct hilt_case_result *c, const struct hilt_case_attempt *a);
int hilt_result_add_property(struct hilt_session_result *r, const char *name,
			     const char *value);
/* Appends a case: a copy of c's name, type, message, detail and excerpt
 * (c's earlier attempts are not taken).  0 or -ENOMEM. */
int hilt_result_add_case(struct hilt_session_result *r, const struct hilt_case_result *c);
/* Adds a finding (copies of f's strings and block).  0 or -ENOMEM. */
int hilt_result_add_finding(struct hilt_session_result *r, const struct hilt_finding_result *f);
const char *hilt_verdict_name(enum hilt_verdict v);

#endif
