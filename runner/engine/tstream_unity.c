/* Unity result streams (see tstream.h), as Unity (ThrowTheSwitch's
 * src/unity.c) prints them and pytest-embedded reads them:
 *   "FILE:LINE:NAME:PASS", "FILE:LINE:NAME:FAIL: message",
 *   "FILE:LINE:NAME:IGNORE" and ":IGNORE: message" are results (a name
 *     may hold spaces, as ESP-IDF's TEST_CASE names do, not ':')
 *   ESP-IDF's "Running NAME..." begins a test: the lines up to its
 *     result are its diagnostic text; its menu ("(1)\t\"name\" [tag]") is
 *     no result
 *   "-----------------------", "N Tests M Failures K Ignored" and "OK" or
 *     "FAIL" end the stream; the summary is checked against the results.
 * Cases are named <stream>/<NAME>.  The status is "success" when the
 * summary ended with OK, agrees with the results and nothing failed. */
#include "runner/engine/tstream_int.h"

#include <stdio.h>
#include <string.h>

struct unity {
	bool running;
	bool summary;		/* the "N Tests ..." line was read */
	bool ok;
	unsigned long tests, failures, ignored;
	char test[TS_NAME_MAX + 1];
	size_t test_len;
	uint64_t test_begin;
	char reason[TS_REASON_MAX];
};

/* FILE:LINE:NAME:RESULT[:message] */
static bool result(struct hilt_tstream *ts, struct unity *u, const struct ts_line *l)
{
	const char *t = l->t;
	size_t n = ts_rtrim(t, l->tlen), i, name, name_end, r;
	enum hilt_tstream_verdict v;

	/* ":LINE:" after a file name */
	for (i = 1; i < n; i++) {
		if (t[i] == ':' && i + 1 < n && ts_digit(t[i + 1])) {
			size_t j = i + 1;
			while (j < n && ts_digit(t[j]))
				j++;
			if (j < n && t[j] == ':') {
				i = j + 1;
				break;
			}
		}
	}
	if (i >= n)
		return false;
	name = i;
	while (i < n && t[i] != ':')
		i++;
	if (i >= n || i == name)
		return false;
	name_end = i;
	r = i + 1;
	if (ts_starts(t + r, n - r, "PASS")) {
		v = HILT_TV_PASS;
		r += 4;
	} else if (ts_starts(t + r, n - r, "FAIL")) {
		v = HILT_TV_FAIL;
		r += 4;
	} else if (ts_starts(t + r, n - r, "IGNORE")) {
		v = HILT_TV_SKIP;
		r += 6;
	} else {
		return false;
	}
	if (r < n && t[r] != ':' && t[r] != ' ')
		return false;
	while (r < n && (t[r] == ':' || t[r] == ' '))
		r++;
	snprintf(u->reason, sizeof(u->reason), "%.*s", (int)(n - r > 500 ? 500 : n - r), t + r);
	if (u->running && (u->test_len != name_end - name || memcmp(u->test, t + name, u->test_len))) {
		/* "Running x..." ended by another test's result */
		ts_count(ts, HILT_TV_ERROR);
		ts_emit(ts, u->test, u->test_len, HILT_TV_ERROR, "no result before the next test's", -1,
			u->test_begin, l->begin);
		u->running = false;
	}
	if (!u->running) {
		ts_diag_clear(ts);
		u->test_begin = l->begin;
	}
	u->running = false;
	ts_count(ts, v);
	ts_emit(ts, t + name, name_end - name, v, u->reason, -1, u->test_begin, l->end);
	return true;
}

static bool summary(struct unity *u, const char *t, size_t n)
{
	size_t i = 0;
	unsigned long a, b, c;

	if (!ts_number(t, n, &i, &a) || !ts_starts(t + i, n - i, " Tests "))
		return false;
	i += 7;
	if (!ts_number(t, n, &i, &b) || !ts_starts(t + i, n - i, " Failures "))
		return false;
	i += 10;
	if (!ts_number(t, n, &i, &c) || !ts_starts(t + i, n - i, " Ignored"))
		return false;
	u->summary = true;
	u->tests = a;
	u->failures = b;
	u->ignored = c;
	return true;
}

static void line(struct hilt_tstream *ts, const struct ts_line *l)
{
	struct unity *u = ts->state;
	const char *t = l->t;
	size_t n = ts_rtrim(t, l->tlen);

	if (u->summary) {
		if (n == 2 && !memcmp(t, "OK", 2)) {
			u->ok = true;
			ts->done = true;
		} else if (n == 4 && !memcmp(t, "FAIL", 4)) {
			ts->done = true;
		}
		return;
	}
	if (result(ts, u, l)) {
		ts->started = true;
		return;
	}
	if (summary(u, t, n)) {
		ts->started = true;
		return;
	}
	if (ts_starts(t, n, "Running ") && n > 11 && !memcmp(t + n - 3, "...", 3)) {
		if (u->running) {
			ts_count(ts, HILT_TV_ERROR);
			ts_emit(ts, u->test, u->test_len, HILT_TV_ERROR, "no result before the next test",
				-1, u->test_begin, l->begin);
		}
		ts_diag_clear(ts);
		u->running = true;
		u->test_len = n - 11 > TS_NAME_MAX ? TS_NAME_MAX : n - 11;
		memcpy(u->test, t + 8, u->test_len);
		u->test_begin = l->begin;
		ts->started = true;
		return;
	}
	if (u->running)
		ts_diag_add(ts, l->s, ts_rtrim(l->s, l->len), l->begin);
}

static void finish(struct hilt_tstream *ts, enum hilt_tstream_end how)
{
	struct unity *u = ts->state;
	const struct hilt_tstream_counts *c = &ts->counts;
	unsigned long read;

	if (u->running) {
		enum hilt_tstream_verdict v = how == HILT_TS_END_CRASH ? HILT_TV_CRASHED : HILT_TV_ERROR;
		ts_count(ts, v);
		ts_emit(ts, u->test, u->test_len, v,
			v == HILT_TV_CRASHED ? "cut off by a crash" : "the stream ended before its result",
			-1, u->test_begin, ts->line_begin);
		u->running = false;
	}
	read = c->passed + c->failed + c->skipped;
	if (!ts->started)
		ts_problem(ts, "no Unity output");
	else if (!u->summary)
		ts_problem(ts, "the stream ended before its summary");
	else if (u->tests != read)
		ts_problem(ts, "summary says %lu tests, %lu were read", u->tests, read);
	else if (u->failures != c->failed || u->ignored != c->skipped)
		ts_problem(ts, "summary says %lu failures %lu ignored, %lu and %lu were read",
			   u->failures, u->ignored, c->failed, c->skipped);
	else if (!ts->done)
		ts_problem(ts, "the stream ended before its OK or FAIL");
	ts->status = !ts->problem[0] && u->ok && !c->failed && !c->errors && !c->crashed ?
		     "success" : "failure";
}

const struct ts_ops ts_unity_ops = { NULL, line, finish, sizeof(struct unity) };
