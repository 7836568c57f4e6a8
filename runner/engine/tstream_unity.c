/* Unity result streams (see tstream.h), as Unity (ThrowTheSwitch's
 * src/unity.c) prints them and pytest-embedded reads them:
 *   "FILE:LINE:NAME:PASS", "FILE:LINE:NAME:FAIL: message",
 *   "FILE:LINE:NAME:IGNORE" and ":IGNORE: message" are results (a name
 *     may hold spaces, as ESP-IDF's TEST_CASE names do, not ':')
 *   ESP-IDF's "Running NAME..." begins a test: the lines up to its
 *     result are its diagnostic text (one followed by another "Running"
 *     line or another test's result was a banner, "Running tests matching
 *     '[tag]'..."); its menu ("(1)\t\"name\" [tag]") is no result
 *   Unity fixture's "TEST(group, NAME)FILE:LINE::RESULT" is NAME's result
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

/* ":PASS", ":FAIL", ":IGNORE" at t[i], ended by ':', ' ' or the line's
 * end: its verdict and the bytes after the word, 0 when none. */
static size_t verdict_at(const char *t, size_t n, size_t i, enum hilt_tstream_verdict *v)
{
	static const struct { const char *word; enum hilt_tstream_verdict v; } words[] = {
		{ ":PASS", HILT_TV_PASS }, { ":FAIL", HILT_TV_FAIL }, { ":IGNORE", HILT_TV_SKIP },
	};

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t len = strlen(words[w].word);
		if (ts_starts(t + i, n - i, words[w].word) &&
		    (i + len == n || t[i + len] == ':' || t[i + len] == ' ')) {
			*v = words[w].v;
			return i + len;
		}
	}
	return 0;
}

/* "FILE:LINE:NAME:RESULT[:message]", or Unity fixture's
 * "TEST(group, NAME)FILE:LINE::RESULT[:message]": a name may hold spaces
 * and colons (ESP-IDF's TEST_CASE names, pytest-embedded's "test case:
 * 5"); the first ":PASS", ":FAIL" or ":IGNORE" after it ends it. */
static bool result(struct hilt_tstream *ts, struct unity *u, const struct ts_line *l)
{
	const char *t = l->t, *nm;
	size_t n = ts_rtrim(t, l->tlen), i, at = 0, nlen = 0, r = 0;
	enum hilt_tstream_verdict v = HILT_TV_PASS;

	if (ts_starts(t, n, "TEST(")) {
		const char *c = memchr(t, ',', n), *e;
		if (!c)
			return false;
		for (c++; c < t + n && *c == ' '; c++)
			;
		e = memchr(c, ')', (size_t)(t + n - c));
		if (!e)
			return false;
		nm = c;
		nlen = (size_t)(e - c);
		at = (size_t)(e - t) + 1;
	} else {
		nm = NULL;
	}
	/* ":LINE:" after a file name */
	for (i = at + 1; i < n; i++) {
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
	if (i >= n && nm) {
		/* the fixture's verbose "TEST(group, NAME) PASS" */
		i = at;
		while (i < n && t[i] == ' ')
			i++;
		if (i == at || i >= n)
			return false;
		i--;
		r = 0;
		for (size_t w = 0; w < 3 && !r; w++) {
			static const char *const word[] = { "PASS", "FAIL", "IGNORE" };
			static const enum hilt_tstream_verdict vs[] = { HILT_TV_PASS, HILT_TV_FAIL,
									HILT_TV_SKIP };
			size_t wl = strlen(word[w]);
			if (ts_starts(t + i + 1, n - i - 1, word[w]) &&
			    (i + 1 + wl == n || t[i + 1 + wl] == ':' || t[i + 1 + wl] == ' ')) {
				r = i + 1 + wl;
				v = vs[w];
			}
		}
	} else if (i >= n) {
		return false;
	} else if (nm) {
		/* the fixture's "::RESULT" */
		r = verdict_at(t, n, i, &v);
	} else {
		for (size_t k = i + 1; k < n && !r; k++) {
			if (t[k] == ':' && (r = verdict_at(t, n, k, &v))) {
				nm = t + i;
				nlen = k - i;
			}
		}
	}
	if (!r || !nlen)
		return false;
	while (r < n && (t[r] == ':' || t[r] == ' '))
		r++;
	snprintf(u->reason, sizeof(u->reason), "%.*s", (int)(n - r > 500 ? 500 : n - r), t + r);
	if (u->running && (u->test_len != nlen || memcmp(u->test, nm, nlen)))
		u->running = false;	/* a banner, or a test not reported */
	if (!u->running) {
		ts_diag_clear(ts);
		u->test_begin = l->begin;
	}
	u->running = false;
	ts_count(ts, v);
	ts_emit(ts, nm, nlen, v, u->reason, -1, u->test_begin, l->end);
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
		/* one before it without a result was a banner ("Running
		 * tests matching '[mean]'...") */
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

const struct ts_ops ts_unity_ops = { .line = line, .finish = finish, .state_size = sizeof(struct unity) };
