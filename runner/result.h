/* What a session found: plain data handed from the session to the report
 * writers.  Everything in it is owned by the hilt_session_result and freed
 * with hilt_session_result_free(). */
#ifndef HILT_RESULT_H
#define HILT_RESULT_H

#include <stddef.h>

enum hilt_verdict {
	HILT_PASS,
	HILT_FAIL,	/* the device misbehaved */
	HILT_ERROR,	/* infrastructure failed: no verdict on the device */
	HILT_SKIP,	/* not run */
};

struct hilt_case_result {
	char *name;
	enum hilt_verdict verdict;
	char *type;		/* failure/error/skip type, e.g. "milestone-timeout" */
	char *message;		/* one line */
	char *detail;		/* longer text (matching line, stderr), or NULL */
	char *output;		/* what the case saw (an HTTP response), or NULL */
	double time_s;		/* how long the case took */
	double at_s;		/* when it ended, since power-on; < 0 if never */
};

struct hilt_property {
	char *name, *value;
};

struct hilt_session_result {
	char *suite;
	char *target;
	char *timestamp;	/* ISO 8601, UTC, at power-on */
	double time_s;
	struct hilt_property *props;
	size_t nprops;
	struct hilt_case_result *cases;
	size_t ncases;
	char *console_tail;	/* raw bytes, bounded */
	size_t console_tail_len;
	char *diagnostics;	/* infrastructure output (emulator stderr) */
	char *console_log;	/* path of the full raw log */
	/* The first file of the session that could not be written in full
	 * (console log, timing, capture): path and reason; NULL if none. */
	char *output_error;
};

void hilt_session_result_free(struct hilt_session_result *r);
int hilt_result_add_property(struct hilt_session_result *r, const char *name,
			     const char *value);
const char *hilt_verdict_name(enum hilt_verdict v);

#endif
