/* Test result streams: the results that tests running on the device print
 * on its console, in the forms their own projects define, read as they
 * come and turned into test cases.
 *
 *   ktap   the kernel's KTAP (KUnit at boot, kunit.py, kselftest):
 *          "KTAP version 1" / "TAP version 13|14", plans "1..N",
 *          "ok N name # SKIP reason", nested subtests by indentation and
 *          "# Subtest:" headers, diagnostic lines.
 *   tap    TAP 13/14 as test scripts print it: "# TODO", "# SKIP",
 *          "Bail out!", YAML diagnostic blocks ("  ---" to "  ...").
 *   ztest  Zephyr's ztest: "Running TESTSUITE x", "START - test_y",
 *          " PASS - test_y in 0.001 seconds", FAIL, SKIP, the
 *          "TESTSUITE SUMMARY" and "PROJECT EXECUTION SUCCESSFUL|FAILED".
 *   unity  Unity (ESP-IDF, pytest-embedded): "file:line:test:PASS",
 *          ":FAIL: message", ":IGNORE", the "N Tests M Failures K Ignored"
 *          summary and "OK" / "FAIL".
 *
 * A reader is fed the console's bytes exactly as the matcher is: in chunks
 * cut anywhere, the same results whatever the reads.  Every line may carry
 * a console timestamp ("[    1.234567] "), a log level ("<6>") or a caller
 * id ("[    T1] ") in front, and lines of other tasks may come between the
 * stream's lines; a reader strips the first and skips the second.  Memory
 * is bounded however many tests the stream has and however long its lines
 * are: a line is read up to HILT_TSTREAM_LINE_MAX bytes (the rest of it is
 * dropped), a test's diagnostic text up to HILT_TSTREAM_DIAG_MAX, nesting
 * up to HILT_TSTREAM_DEPTH_MAX levels.  A test is handed to the owner when
 * its result line is read, and the reader keeps nothing of it afterwards
 * but its counts. */
#ifndef HILT_TSTREAM_H
#define HILT_TSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HILT_TSTREAM_LINE_MAX 4096
#define HILT_TSTREAM_DIAG_MAX 4096
#define HILT_TSTREAM_DEPTH_MAX 16

enum hilt_tstream_format {
	HILT_TS_KTAP,
	HILT_TS_TAP,
	HILT_TS_ZTEST,
	HILT_TS_UNITY,
};

/* "ktap", "tap", "ztest", "unity". */
const char *hilt_tstream_format_name(enum hilt_tstream_format f);
/* 0, or -EINVAL when name is none of them. */
int hilt_tstream_format_parse(const char *name, enum hilt_tstream_format *out);

enum hilt_tstream_verdict {
	HILT_TV_PASS,
	HILT_TV_FAIL,
	HILT_TV_SKIP,		/* skipped, ignored, and TAP's "# TODO" */
	HILT_TV_ERROR,		/* announced and never reported: missing
				 * from its plan, or cut off by the stream's
				 * end without a crash */
	HILT_TV_CRASHED,	/* cut off by a crash (hilt_tstream_finish()
				 * with HILT_TS_END_CRASH) */
};

/* One test's result, handed to the owner when it is known.  Everything
 * points into the reader and lives only during the call. */
struct hilt_tstream_case {
	/* The test's path: its suites and itself joined by '/', the stream's
	 * name first ("kunit/list-kernel-test/list_test_list_init"); the
	 * stream's name is the owner's (hilt_tstream_new()).  A test that
	 * has subtests is itself a case only when it has no subtests'
	 * results of its own, as a leaf; otherwise its subtests are. */
	const char *path;
	enum hilt_tstream_verdict verdict;
	/* Skip or TODO reason, the failure's message where the format gives
	 * one on the result line (Unity's ":FAIL: message", ztest's
	 * assertion line), what the error was ("missing from the plan 1..5",
	 * "the stream ended before its result"); "" when none. */
	const char *reason;
	/* The test's own diagnostic lines (KTAP/TAP "# ..." lines and YAML
	 * blocks, ztest's assertion output, lines printed between START and
	 * its result), prefixes stripped, '\n' after each, at most
	 * HILT_TSTREAM_DIAG_MAX bytes (cut at a line). */
	const char *diag;
	size_t diag_len;
	/* Seconds the format says the test took (ztest's "in 0.001
	 * seconds", KTAP's "# duration"), or -1 when it does not say. */
	double seconds;
	/* Offsets in the fed stream of the first line that belongs to the
	 * test (its "# Subtest:" header, "START - ", or its result line
	 * when nothing came before it) and just past its result line: for
	 * timing from the console's timing file and for an excerpt. */
	uint64_t begin;
	uint64_t end;
};

/* Counts over the stream's cases (leaves), as the format's own tools
 * count them: kunit.py's TestCounts for ktap, the harness's for tap,
 * twister's for ztest, Unity's summary line for unity. */
struct hilt_tstream_counts {
	unsigned long passed;
	unsigned long failed;
	unsigned long skipped;
	unsigned long errors;
	unsigned long crashed;
	unsigned long total;	/* the sum of the five */
};

typedef void (*hilt_tstream_case_fn)(void *owner,
				     const struct hilt_tstream_case *c);

/* A reader of format f whose case paths begin with name (copied).
 * NULL on no memory. */
struct hilt_tstream *hilt_tstream_new(enum hilt_tstream_format f,
				      const char *name,
				      hilt_tstream_case_fn on_case,
				      void *owner);
void hilt_tstream_free(struct hilt_tstream *ts);

/* Reads len more bytes of the console. */
void hilt_tstream_feed(struct hilt_tstream *ts, const char *buf, size_t len);

/* True once the stream has printed its end: the top-level plan's last
 * test (KTAP/TAP, plan first) or the plan after the tests (plan last),
 * "Bail out!", ztest's "PROJECT EXECUTION ..." line, Unity's summary with
 * its OK/FAIL line.  The owner stops feeding then; bytes fed after it
 * are ignored. */
bool hilt_tstream_done(const struct hilt_tstream *ts);

/* True once the stream's first line has been read (its version line, its
 * plan or first result, "Running TESTSUITE", Unity's first result):
 * the owner's inactivity limit starts there. */
bool hilt_tstream_started(const struct hilt_tstream *ts);

enum hilt_tstream_end {
	HILT_TS_END_EOF,	/* the console ended or the owner stopped
				 * waiting (its timeout, a fail-fast end) */
	HILT_TS_END_CRASH,	/* the device crashed (a kernel panic or
				 * oops ended the session) */
};

/* The stream is over, for the reason given: a partial last line is read
 * as a line, every test that was begun and not reported is handed over
 * (HILT_TV_CRASHED after a crash, HILT_TV_ERROR otherwise), and every test
 * a plan announced and no line reported becomes an HILT_TV_ERROR case
 * ("missing from the plan 1..N").  Call it once, done or not; nothing may
 * be fed after it. */
void hilt_tstream_finish(struct hilt_tstream *ts, enum hilt_tstream_end how);

const struct hilt_tstream_counts *hilt_tstream_counts(const struct hilt_tstream *ts);

/* The stream's overall status as its upstream tools name it: for ktap as
 * kunit.py does ("success", "failure", "crashed", "no tests", "skipped");
 * for the others "success" or "failure" (a stream with no tests, one that
 * bailed out or ended without its end is a "failure").  Valid after
 * hilt_tstream_finish(). */
const char *hilt_tstream_status(const struct hilt_tstream *ts);

/* What is wrong with the stream as a whole, "" when nothing: "cut off by
 * a crash" (hilt_tstream_finish() with HILT_TS_END_CRASH), "no plan",
 * "Bail out! reason", "the stream ended before its summary", "plan 1..5
 * but 3 results", "summary says 10 tests, 9 were read".  Valid after
 * hilt_tstream_finish(). */
const char *hilt_tstream_problem(const struct hilt_tstream *ts);
/* The problem of a stream whose top level printed no plan (KUnit's
 * modules print none): whole all the same when its owner knows where it
 * ends. */
#define HILT_TSTREAM_NO_PLAN "no plan"

#endif
