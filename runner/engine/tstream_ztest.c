/* Zephyr ztest result streams (see tstream.h), read as twister's ztest
 * harness (scripts/pylib/twister/twisterlib/harness.py) reads them:
 *   "Running TESTSUITE x" (older: "Running test suite x") names the suite
 *   "START - test_y" begins a test; the lines up to its result are its
 *     diagnostic text, the first "Assertion failed at FILE:LINE: ..." its
 *     failure's reason
 *   " PASS - test_y in 0.001 seconds", " FAIL - ...", " SKIP - ..." (older
 *     ztest without "in ... seconds") is its result
 *   "TESTSUITE SUMMARY" blocks (" - PASS - [suite.test_y] duration = ...")
 *     repeat results already read and are not read again
 *   "PROJECT EXECUTION SUCCESSFUL" / "PROJECT EXECUTION FAILED" ends the
 *     stream.
 * Cases are named <stream>/<suite>/<test> (the test's name as printed).
 * A test begun and never ended is crashed after a crash, an error
 * otherwise, and so is one begun when the next begins.  The status is
 * "success" when the stream ended with "PROJECT EXECUTION SUCCESSFUL" and
 * no test failed, crashed or was cut off. */
#include "runner/engine/tstream_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ztest {
	bool in_suite;
	bool in_test;
	bool in_summary;
	bool successful;
	char test[TS_NAME_MAX + 1];
	size_t test_len;
	uint64_t test_begin;
	char reason[TS_REASON_MAX];
};

static void suite_begin(struct hilt_tstream *ts, struct ztest *z, const char *name, size_t len)
{
	if (z->in_suite)
		ts_path_pop(ts);
	ts_path_push(ts, name, ts_rtrim(name, len));
	z->in_suite = true;
}

static void cut_off(struct hilt_tstream *ts, struct ztest *z, enum hilt_tstream_verdict v,
		    const char *why, uint64_t at)
{
	if (!z->in_test)
		return;
	z->in_test = false;
	ts_count(ts, v);
	ts_emit(ts, z->test, z->test_len, v, why, -1, z->test_begin, at);
}

/* "PASS - name[ in N seconds]" and its kin at t; false when it is none. */
static bool result(struct hilt_tstream *ts, struct ztest *z, const struct ts_line *l)
{
	const char *t = l->t;
	size_t n = ts_rtrim(t, l->tlen), e;
	enum hilt_tstream_verdict v;
	double seconds = -1;

	if (ts_starts(t, n, "PASS - "))
		v = HILT_TV_PASS;
	else if (ts_starts(t, n, "FAIL - "))
		v = HILT_TV_FAIL;
	else if (ts_starts(t, n, "SKIP - "))
		v = HILT_TV_SKIP;
	else
		return false;
	t += 7;
	n -= 7;
	for (e = 0; e < n && t[e] != ' '; e++)
		;
	if (!e)
		return false;
	if (e + 4 < n && ts_starts(t + e, n - e, " in ")) {
		char num[32];
		size_t m = n - e - 4 < sizeof(num) - 1 ? n - e - 4 : sizeof(num) - 1;
		char *end;

		memcpy(num, t + e + 4, m);
		num[m] = 0;
		seconds = strtod(num, &end);
		if (end == num || !ts_starts(end, strlen(end), " seconds"))
			seconds = -1;
	}
	if (z->in_test && (z->test_len != e || memcmp(z->test, t, e)))
		cut_off(ts, z, HILT_TV_ERROR, "no result before the next test's", l->begin);
	if (!z->in_test) {
		ts_diag_clear(ts);
		z->test_begin = l->begin;
	}
	z->in_test = false;
	ts_count(ts, v);
	ts_emit(ts, t, e, v, v == HILT_TV_FAIL ? z->reason : "", seconds, z->test_begin, l->end);
	z->reason[0] = 0;
	return true;
}

static void line(struct hilt_tstream *ts, const struct ts_line *l)
{
	struct ztest *z = ts->state;
	const char *t = l->t;
	size_t n = ts_rtrim(t, l->tlen);

	if (ts_starts(t, n, "Running TESTSUITE ") || ts_starts(t, n, "Running test suite ")) {
		size_t at = t[8] == 'T' ? 18 : 19;
		cut_off(ts, z, HILT_TV_ERROR, "no result before the next suite", l->begin);
		suite_begin(ts, z, t + at, n - at);
		z->in_summary = false;
		ts->started = true;
		return;
	}
	if (ts_starts(t, n, "PROJECT EXECUTION SUCCESSFUL") ||
	    ts_starts(t, n, "PROJECT EXECUTION FAILED")) {
		z->successful = t[18] == 'S';
		ts->started = true;
		ts->done = true;
		return;
	}
	if (strstr(t, "TESTSUITE SUMMARY START")) {
		z->in_summary = true;
		return;
	}
	if (z->in_summary) {
		if (strstr(t, "TESTSUITE SUMMARY END"))
			z->in_summary = false;
		return;
	}
	if (ts_starts(t, n, "START - ") && n > 8) {
		cut_off(ts, z, HILT_TV_ERROR, "no result before the next test", l->begin);
		ts_diag_clear(ts);
		z->in_test = true;
		z->test_len = n - 8 > TS_NAME_MAX ? TS_NAME_MAX : n - 8;
		memcpy(z->test, t + 8, z->test_len);
		z->test_begin = l->begin;
		z->reason[0] = 0;
		ts->started = true;
		return;
	}
	if (result(ts, z, l)) {
		ts->started = true;
		return;
	}
	if (!z->in_test)
		return;
	if (!z->reason[0] && ts_starts(t, n, "Assertion failed at "))
		snprintf(z->reason, sizeof(z->reason), "%.*s", (int)(n > 500 ? 500 : n), t);
	ts_diag_add(ts, l->s, ts_rtrim(l->s, l->len), l->begin);
}

static void finish(struct hilt_tstream *ts, enum hilt_tstream_end how)
{
	struct ztest *z = ts->state;
	const struct hilt_tstream_counts *c = &ts->counts;

	if (how == HILT_TS_END_CRASH)
		cut_off(ts, z, HILT_TV_CRASHED, "cut off by a crash", ts->line_begin);
	else
		cut_off(ts, z, HILT_TV_ERROR, "the stream ended before its result", ts->line_begin);
	if (!ts->started)
		ts_problem(ts, "no ztest output");
	else if (!ts->done)
		ts_problem(ts, "the stream ended before PROJECT EXECUTION");
	ts->status = ts->done && z->successful && !c->failed && !c->errors && !c->crashed &&
		     c->passed + c->skipped ? "success" : "failure";
}

const struct ts_ops ts_ztest_ops = { .line = line, .finish = finish, .state_size = sizeof(struct ztest) };
