/* The test result stream readers (runner/engine/tstream.h): each format's
 * rules on small streams, every stream fed whole, a byte at a time and in
 * 4 KiB chunks with the same cases expected; then the real streams of
 * tests/data/results against their NAME.expect (counts and status as the
 * format's own tools assert them, the cases listed); then 100,000 tests
 * in bounded memory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner/engine/tstream.h"
#include "tests/check.h"

struct rcase {
	char *path, *reason, *diag;
	enum hilt_tstream_verdict v;
	double seconds;
	unsigned long long begin, end;
};

struct rec {
	struct rcase *c;
	size_t n, cap;
	bool keep_diag;
};

static void on_case(void *owner, const struct hilt_tstream_case *c)
{
	struct rec *r = owner;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->c = realloc(r->c, r->cap * sizeof(*r->c));
		if (!r->c)
			abort();
	}
	if (strlen(c->diag) != c->diag_len || c->diag_len > HILT_TSTREAM_DIAG_MAX || c->begin > c->end) {
		fprintf(stderr, "case %s: diag %zu bytes (strlen %zu), offsets %llu..%llu\n", c->path,
			c->diag_len, strlen(c->diag), (unsigned long long)c->begin,
			(unsigned long long)c->end);
		abort();
	}
	r->c[r->n++] = (struct rcase){
		.path = strdup(c->path), .reason = strdup(c->reason),
		.diag = strndup(c->diag, c->diag_len), .v = c->verdict, .seconds = c->seconds,
		.begin = c->begin, .end = c->end,
	};
}

static void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->c[i].path);
		free(r->c[i].reason);
		free(r->c[i].diag);
	}
	free(r->c);
	memset(r, 0, sizeof(*r));
}

struct run {
	struct rec rec;
	struct hilt_tstream_counts counts;
	char status[64], problem[256];
	bool done;
};

static void run(enum hilt_tstream_format f, const char *name, const char *text, size_t len,
		size_t chunk, enum hilt_tstream_end how, struct run *out)
{
	struct hilt_tstream *ts;

	memset(out, 0, sizeof(*out));
	ts = hilt_tstream_new(f, name, on_case, &out->rec);
	if (!ts)
		abort();
	for (size_t i = 0; i < len && !hilt_tstream_done(ts); i += chunk)
		hilt_tstream_feed(ts, text + i, len - i < chunk ? len - i : chunk);
	out->done = hilt_tstream_done(ts);
	hilt_tstream_finish(ts, how);
	out->counts = *hilt_tstream_counts(ts);
	snprintf(out->status, sizeof(out->status), "%s", hilt_tstream_status(ts));
	snprintf(out->problem, sizeof(out->problem), "%s", hilt_tstream_problem(ts));
	hilt_tstream_free(ts);
}

static void run_free(struct run *r)
{
	rec_free(&r->rec);
}

static const char *vname(enum hilt_tstream_verdict v)
{
	static const char *const n[] = { "pass", "fail", "skip", "error", "crashed" };
	return (unsigned)v < 5 ? n[v] : "?";
}

/* The same cases, counts and status whatever the chunks. */
static bool same_runs(const char *what, const struct run *a, const struct run *b, size_t chunk)
{
	bool same = a->rec.n == b->rec.n && !memcmp(&a->counts, &b->counts, sizeof(a->counts)) &&
		    !strcmp(a->status, b->status) && !strcmp(a->problem, b->problem) &&
		    a->done == b->done;

	for (size_t i = 0; same && i < a->rec.n; i++) {
		const struct rcase *x = &a->rec.c[i], *y = &b->rec.c[i];
		same = !strcmp(x->path, y->path) && x->v == y->v && !strcmp(x->reason, y->reason) &&
		       !strcmp(x->diag, y->diag) && x->begin == y->begin && x->end == y->end &&
		       x->seconds == y->seconds;
		if (!same)
			fprintf(stderr, "%s: %zu-byte chunks change case %zu: %s %s / %s %s\n", what, chunk,
				i + 1, x->path, vname(x->v), y->path, vname(y->v));
	}
	CHECK(same, "%s: %zu-byte chunks give %zu cases %s, whole %zu cases %s", what, chunk, b->rec.n,
	      b->status, a->rec.n, a->status);
	return same;
}

/* Fed whole, in 1-byte and 4 KiB chunks: the same; the whole run out. */
static void run3(enum hilt_tstream_format f, const char *name, const char *text, size_t len,
		 enum hilt_tstream_end how, struct run *out)
{
	static const size_t chunks[] = { 1, 4096, 7 };
	struct run other;

	run(f, name, text, len, len ? len : 1, how, out);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run(f, name, text, len, chunks[i], how, &other);
		same_runs(name, out, &other, chunks[i]);
		run_free(&other);
	}
}

static const struct rcase *find(const struct run *r, const char *path)
{
	for (size_t i = 0; i < r->rec.n; i++)
		if (!strcmp(r->rec.c[i].path, path))
			return &r->rec.c[i];
	return NULL;
}

/* A path the reader gives as the .expect's, but for a parent that has
 * no name before its subtests (a bare "KTAP version 1" header): the
 * reader, which hands a test over at its result line, names that parent
 * "#N" by its number, where kunit.py, which reads the whole log first,
 * names it by its result line after the subtests. */
static bool same_but_numbered(const char *got, const char *want)
{
	while (*got && *want) {
		if (got[0] == '#' && (got == want || got[-1] == '/')) {
			const char *g = got + 1, *w = want;
			while (*g >= '0' && *g <= '9')
				g++;
			while (*w && *w != '/')
				w++;
			if (g > got + 1 && (*g == '/' || !*g)) {
				got = g;
				want = w;
				continue;
			}
		}
		if (*got++ != *want++)
			return false;
	}
	return !*got && !*want;
}

static const struct rcase *find_numbered(const struct run *r, const char *path)
{
	for (size_t i = 0; i < r->rec.n; i++)
		if (same_but_numbered(r->rec.c[i].path, path))
			return &r->rec.c[i];
	return NULL;
}

static void dump(const char *what, const struct run *r)
{
	fprintf(stderr, "%s: %s (%s) passed %lu failed %lu skipped %lu errors %lu crashed %lu total %lu\n",
		what, r->status, r->problem, r->counts.passed, r->counts.failed, r->counts.skipped,
		r->counts.errors, r->counts.crashed, r->counts.total);
	for (size_t i = 0; i < r->rec.n; i++)
		fprintf(stderr, "  case %s %s [%s]\n", r->rec.c[i].path, vname(r->rec.c[i].v),
			r->rec.c[i].reason);
}

#define HAS(r, p, verdict)                                                                \
	do {                                                                              \
		const struct rcase *c_ = find(r, p);                                      \
		CHECK(c_ && c_->v == (verdict), "case %s: %s", p, c_ ? vname(c_->v) : "none"); \
	} while (0)

#define COUNTS(r, p, f, s, e, c)                                                            \
	CHECK((r)->counts.passed == (p) && (r)->counts.failed == (f) && (r)->counts.skipped == (s) && \
	      (r)->counts.errors == (e) && (r)->counts.crashed == (c) &&                        \
	      (r)->counts.total == (p) + (f) + (s) + (e) + (c),                                 \
	      "counts %lu %lu %lu %lu %lu", (r)->counts.passed, (r)->counts.failed,             \
	      (r)->counts.skipped, (r)->counts.errors, (r)->counts.crashed)

static void go(enum hilt_tstream_format f, const char *text, enum hilt_tstream_end how, struct run *r)
{
	run3(f, "s", text, strlen(text), how, r);
}

/* KUnit at boot: nested suites, every line prefixed, other tasks' lines
 * between (one between a suite's version line and its header), a
 * failure's diagnostic lines. */
static int test_ktap_nested(void)
{
	static const char text[] =
		"[    0.100000] Booting the kernel\n"
		"[    1.000000] KTAP version 1\n"
		"[    1.000001] 1..2\n"
		"[    1.000002]     KTAP version 1\n"
		"[    1.000003]     # Subtest: list-kernel-test\n"
		"[    1.000004]     1..2\n"
		"[    1.000005]     ok 1 list_test_list_init\n"
		"[    1.100000] random: crng init done\n"
		"[    1.000006]     # list_test_list_add: EXPECTATION FAILED at lib/list-test.c:42\r\n"
		"[    1.000007]     Expected a == b, but\n"
		"[    1.000008]         a == 1\n"
		"[    1.000009]     not ok 2 list_test_list_add\n"
		"[    1.000010] # list-kernel-test: pass:1 fail:1 skip:0 total:2\n"
		"[    1.000011] not ok 1 list-kernel-test\n"
		"<6>[    1.000012][    T1]     KTAP version 1\n"
		"<6>[    1.000012][    T9] NET: Registered PF_INET6 protocol family\n"
		"<6>[    1.000013][    T1]     # Subtest: skippy\n"
		"<6>[    1.000014][    T1]     1..1\n"
		"<6>[    1.000015][    T1]     ok 1 needs_hw # SKIP no hardware here\n"
		"<6>[    1.000016][    T1] ok 2 skippy\n"
		"[    1.2] reboot: after the end\n";
	struct run r;

	go(HILT_TS_KTAP, text, HILT_TS_END_EOF, &r);
	COUNTS(&r, 1, 1, 1, 0, 0);
	CHECK(!strcmp(r.status, "failure"), "%s", r.status);
	CHECK(r.done && !r.problem[0], "done %d problem '%s'", r.done, r.problem);
	CHECK(r.rec.n == 3, "%zu cases", r.rec.n);
	HAS(&r, "s/list-kernel-test/list_test_list_init", HILT_TV_PASS);
	HAS(&r, "s/list-kernel-test/list_test_list_add", HILT_TV_FAIL);
	HAS(&r, "s/skippy/needs_hw", HILT_TV_SKIP);
	const struct rcase *c = find(&r, "s/list-kernel-test/list_test_list_add");
	CHECK(c && !strcmp(c->diag, "# list_test_list_add: EXPECTATION FAILED at lib/list-test.c:42\n"
				 "Expected a == b, but\n    a == 1\n"),
	      "diag '%s'", c ? c->diag : "");
	c = find(&r, "s/skippy/needs_hw");
	CHECK(c && !strcmp(c->reason, "no hardware here"), "reason '%s'", c ? c->reason : "");
	c = find(&r, "s/list-kernel-test/list_test_list_init");
	CHECK(c && c->diag[0] == 0 && c->begin == (unsigned long long)(strstr(text, "[    1.000005]") - text) &&
		      c->end == (unsigned long long)(strstr(text, "[    1.100000]") - text),
	      "offsets %llu..%llu", c ? c->begin : 0, c ? c->end : 0);
	if (check_failures)
		dump("nested", &r);
	run_free(&r);
	return 0;
}

/* A crash in the middle: the running test crashed, the rest missing. */
static int test_ktap_crash(void)
{
	static const char text[] =
		"KTAP version 1\n"
		"1..2\n"
		"    # Subtest: a\n"
		"    1..3\n"
		"    ok 1 one\n";
	struct run r;

	go(HILT_TS_KTAP, text, HILT_TS_END_CRASH, &r);
	/* kunit.py: each missing subtest crashed and an error, a's result
	 * line one more error, the top level's second test the same */
	COUNTS(&r, 1, 0, 0, 4, 3);
	CHECK(!strcmp(r.status, "crashed"), "%s", r.status);
	HAS(&r, "s/a/#2", HILT_TV_CRASHED);
	HAS(&r, "s/a/#3", HILT_TV_ERROR);
	HAS(&r, "s/#2", HILT_TV_ERROR);
	const struct rcase *c = find(&r, "s/a/#3");
	CHECK(c && !strcmp(c->reason, "missing from the plan 1..3"), "'%s'", c ? c->reason : "");
	CHECK(!r.done, "done");
	if (check_failures)
		dump("crash", &r);
	run_free(&r);

	/* the same cut by the console's end: errors, not crashed */
	go(HILT_TS_KTAP, text, HILT_TS_END_EOF, &r);
	HAS(&r, "s/a/#2", HILT_TV_ERROR);
	run_free(&r);
	return 0;
}

static int test_ktap_plans(void)
{
	struct run r;

	/* no plan: kunit.py reads on to the end; not an error */
	go(HILT_TS_KTAP, "KTAP version 1\nok 1 a\nnot ok 2 b\n", HILT_TS_END_EOF, &r);
	COUNTS(&r, 1, 1, 0, 0, 0);
	CHECK(!strcmp(r.problem, "no plan") && !r.done, "'%s'", r.problem);
	run_free(&r);

	/* no tests at all */
	go(HILT_TS_KTAP, "KTAP version 1\n1..0\n", HILT_TS_END_EOF, &r);
	COUNTS(&r, 0, 0, 0, 1, 0);
	CHECK(!strcmp(r.status, "no tests"), "%s", r.status);
	run_free(&r);

	/* nothing of KTAP */
	go(HILT_TS_KTAP, "ok 1 not after a version line\n", HILT_TS_END_EOF, &r);
	CHECK(r.rec.n == 0 && r.counts.errors == 1 && r.counts.total == 1 &&
		      !strcmp(r.status, "failure to parse tests"), "%s", r.status);
	run_free(&r);

	/* an absurd plan (a corrupted line): its missing tests in one case */
	go(HILT_TS_KTAP, "KTAP version 1\n1..99999999999999999999999\nok 1 a\n", HILT_TS_END_EOF, &r);
	CHECK(r.rec.n == 1002 && r.counts.errors == ~0UL - 2 && r.counts.passed == 1,
	      "%zu cases, %lu errors", r.rec.n, r.counts.errors);
	CHECK(r.rec.n == 1002 && strstr(r.rec.c[1001].reason, "tests)"), "'%s'",
	      r.rec.n ? r.rec.c[r.rec.n - 1].reason : "");
	run_free(&r);

	/* all skipped */
	go(HILT_TS_KTAP, "KTAP version 1\n1..2\nok 1 a # SKIP x\nok 2 b # SKIP\n", HILT_TS_END_EOF, &r);
	CHECK(!strcmp(r.status, "skipped") && r.done, "%s", r.status);
	run_free(&r);
	return 0;
}

static int test_tap_rules(void)
{
	static const char text[] =
		"TAP version 14\n"
		"1..6\n"
		"ok 1 - fine\n"
		"not ok 2 - later # TODO not written yet\n"
		"ok 3 # skip no network\n"
		"not ok 4 - broken\n"
		"  ---\n"
		"  message: \"expected 1, got 2\"\n"
		"  at: test.sh:12\n"
		"  ...\n"
		"# Subtest: group\n"
		"    1..2\n"
		"    ok 1 - inner one\n"
		"    ok 2 - inner two\n"
		"ok 5 - group\n"
		"ok 6 - last\n"
		"  ---\n"
		"  note: x\n"
		"  ...\n";
	struct run r;

	go(HILT_TS_TAP, text, HILT_TS_END_EOF, &r);
	COUNTS(&r, 4, 1, 2, 0, 0);
	CHECK(!strcmp(r.status, "failure") && r.done, "%s", r.status);
	HAS(&r, "s/fine", HILT_TV_PASS);
	HAS(&r, "s/later", HILT_TV_SKIP);
	HAS(&r, "s/#3", HILT_TV_SKIP);
	HAS(&r, "s/broken", HILT_TV_FAIL);
	HAS(&r, "s/group/inner two", HILT_TV_PASS);
	HAS(&r, "s/last", HILT_TV_PASS);
	const struct rcase *c = find(&r, "s/later");
	CHECK(c && !strcmp(c->reason, "TODO not written yet"), "'%s'", c ? c->reason : "");
	c = find(&r, "s/#3");
	CHECK(c && !strcmp(c->reason, "no network"), "'%s'", c ? c->reason : "");
	c = find(&r, "s/broken");
	CHECK(c && !strcmp(c->diag, "message: \"expected 1, got 2\"\nat: test.sh:12\n"), "'%s'",
	      c ? c->diag : "");
	c = find(&r, "s/last");
	CHECK(c && !strcmp(c->diag, "note: x\n"), "'%s'", c ? c->diag : "");
	if (check_failures)
		dump("tap", &r);
	run_free(&r);

	/* node-tap's TAP 14: "# Subtest:" at the parent's indentation, the
	 * subtest's plan last */
	go(HILT_TS_TAP, "TAP version 14\n1..2\n# Subtest: foo\n    ok 1 - bar\n    ok 2 - baz\n    1..2\n"
			"ok 1 - foo\n# Subtest: qux\n    1..1\n    not ok 1 - quux\nnot ok 2 - qux\n",
	   HILT_TS_END_EOF, &r);
	COUNTS(&r, 2, 1, 0, 0, 0);
	HAS(&r, "s/foo/baz", HILT_TV_PASS);
	HAS(&r, "s/qux/quux", HILT_TV_FAIL);
	CHECK(r.done && r.rec.n == 3, "%zu cases", r.rec.n);
	run_free(&r);

	/* Bail out! ends it; the plan's rest is missing */
	go(HILT_TS_TAP, "1..3\nok 1 a\nBail out! no disk\nok 2 b\n", HILT_TS_END_EOF, &r);
	CHECK(r.done && !strcmp(r.problem, "Bail out! no disk") && !strcmp(r.status, "failure"),
	      "%s %s", r.problem, r.status);
	/* as tap-parser: the tests after a bail-out are not counted */
	CHECK(r.counts.passed == 1 && r.counts.errors == 0, "%lu %lu", r.counts.passed, r.counts.errors);
	run_free(&r);

	/* the plan last, and too few */
	go(HILT_TS_TAP, "ok 1 a\nok 2 b\n1..3\n", HILT_TS_END_EOF, &r);
	CHECK(r.done && r.counts.errors == 1 && !strcmp(r.status, "failure"), "%s", r.status);
	HAS(&r, "s/#3", HILT_TV_ERROR);
	run_free(&r);
	/* the plan's last result, then a shell's prompt without a newline:
	 * done there, its YAML block (none) not waited for */
	go(HILT_TS_TAP, "1..2\nok 1 a\nnot ok 2 b\nroot@guest:~# ", HILT_TS_END_EOF, &r);
	CHECK(r.done && r.rec.n == 2 && r.counts.failed == 1, "done %d, %zu cases", r.done, r.rec.n);
	run_free(&r);
	{
		struct rec rec = { 0 };
		struct hilt_tstream *ts = hilt_tstream_new(HILT_TS_TAP, "s", on_case, &rec);
		static const char t[] = "1..1\nnot ok 1 b\n  -";
		hilt_tstream_feed(ts, t, sizeof(t) - 1);
		CHECK(!hilt_tstream_done(ts) && rec.n == 0, "a YAML block may follow");
		hilt_tstream_feed(ts, "--\n  x: 1\n  ...\n", 16);
		CHECK(hilt_tstream_done(ts) && rec.n == 1 && !strcmp(rec.c[0].diag, "x: 1\n"), "%zu", rec.n);
		hilt_tstream_finish(ts, HILT_TS_END_EOF);
		hilt_tstream_free(ts);
		rec_free(&rec);
	}
	go(HILT_TS_TAP, "ok 1 a\nok 2 b\n1..2\n", HILT_TS_END_EOF, &r);
	CHECK(r.done && !strcmp(r.status, "success"), "%s", r.status);
	run_free(&r);
	return 0;
}

static int test_ztest(void)
{
	static const char text[] =
		"*** Booting Zephyr OS build v3.6.0 ***\n"
		"Running TESTSUITE framework_tests\n"
		"===================================================================\n"
		"START - test_assert\n"
		" PASS - test_assert in 0.001 seconds\n"
		"===================================================================\n"
		"START - test_fail\n"
		"\n"
		"    Assertion failed at WEST_TOPDIR/zephyr/tests/main.c:42: test_fail: (1 == 2 is false)\n"
		"\n"
		" FAIL - test_fail in 0.012 seconds\n"
		"START - test_skip\n"
		" SKIP - test_skip in 0.000 seconds\n"
		"START - test_old\n"
		" PASS - test_old\n"
		"TESTSUITE framework_tests failed.\n"
		"\n"
		"------ TESTSUITE SUMMARY START ------\n"
		"\n"
		"SUITE FAIL -  75.00% [framework_tests]: pass = 2, fail = 1, skip = 1, total = 4 duration = 0.013 seconds\n"
		" - PASS - [framework_tests.test_assert] duration = 0.001 seconds\n"
		" - FAIL - [framework_tests.test_fail] duration = 0.012 seconds\n"
		"\n"
		"------ TESTSUITE SUMMARY END ------\n"
		"\n"
		"===================================================================\n"
		"PROJECT EXECUTION FAILED\n";
	struct run r;

	go(HILT_TS_ZTEST, text, HILT_TS_END_EOF, &r);
	COUNTS(&r, 2, 1, 1, 0, 0);
	CHECK(r.done && !strcmp(r.status, "failure") && !r.problem[0], "%s %s", r.status, r.problem);
	HAS(&r, "s/framework_tests/test_assert", HILT_TV_PASS);
	HAS(&r, "s/framework_tests/test_fail", HILT_TV_FAIL);
	HAS(&r, "s/framework_tests/test_skip", HILT_TV_SKIP);
	HAS(&r, "s/framework_tests/test_old", HILT_TV_PASS);
	const struct rcase *c = find(&r, "s/framework_tests/test_fail");
	CHECK(c && !strncmp(c->reason, "Assertion failed at WEST_TOPDIR/zephyr/tests/main.c:42", 54) &&
		      c->seconds == 0.012 && strstr(c->diag, "Assertion failed"),
	      "'%s' %g", c ? c->reason : "", c ? c->seconds : 0);
	c = find(&r, "s/framework_tests/test_old");
	CHECK(c && c->seconds == -1, "%g", c ? c->seconds : 0);
	if (check_failures)
		dump("ztest", &r);
	run_free(&r);

	/* cut off by a crash in a test */
	go(HILT_TS_ZTEST, "Running TESTSUITE s1\nSTART - test_a\n PASS - test_a in 0.1 seconds\nSTART - test_b\n"
			  "E: ***** MPU FAULT *****\n", HILT_TS_END_CRASH, &r);
	HAS(&r, "s/s1/test_b", HILT_TV_CRASHED);
	CHECK(!strcmp(r.status, "failure") && r.problem[0], "%s", r.status);
	run_free(&r);

	go(HILT_TS_ZTEST, "Running TESTSUITE s1\nSTART - test_a\n PASS - test_a in 0.1 seconds\n"
			  "PROJECT EXECUTION SUCCESSFUL\n", HILT_TS_END_EOF, &r);
	CHECK(!strcmp(r.status, "success") && r.done, "%s", r.status);
	run_free(&r);
	return 0;
}

static int test_unity(void)
{
	static const char text[] =
		"Here's the test menu, pick your combo:\n"
		"(1)\t\"can write\" [flash]\n"
		"(2)\t\"can read\" [flash][ignore]\n"
		"\n"
		"Enter test for running.\n"
		"Running can write...\n"
		"I (312) flash: writing 4096 bytes\n"
		"/home/idf/main/test_flash.c:45:can write:PASS\n"
		"Running can read...\n"
		"/home/idf/main/test_flash.c:60:can read:FAIL: Expected 1 Was 2\n"
		"test/test_x.c:12:test_ignored:IGNORE\n"
		"test/test_x.c:13:test_ignored_msg:IGNORE: later\n"
		"\n"
		"-----------------------\n"
		"4 Tests 1 Failures 2 Ignored \n"
		"FAIL\n";
	struct run r;

	go(HILT_TS_UNITY, text, HILT_TS_END_EOF, &r);
	COUNTS(&r, 1, 1, 2, 0, 0);
	CHECK(r.done && !strcmp(r.status, "failure") && !r.problem[0], "%s %s", r.status, r.problem);
	HAS(&r, "s/can write", HILT_TV_PASS);
	HAS(&r, "s/can read", HILT_TV_FAIL);
	HAS(&r, "s/test_ignored", HILT_TV_SKIP);
	const struct rcase *c = find(&r, "s/can read");
	CHECK(c && !strcmp(c->reason, "Expected 1 Was 2"), "'%s'", c ? c->reason : "");
	c = find(&r, "s/can write");
	CHECK(c && !strcmp(c->diag, "I (312) flash: writing 4096 bytes\n"), "'%s'", c ? c->diag : "");
	c = find(&r, "s/test_ignored_msg");
	CHECK(c && !strcmp(c->reason, "later"), "'%s'", c ? c->reason : "");
	if (check_failures)
		dump("unity", &r);
	run_free(&r);

	/* Unity fixture, verbose: a pass without its file */
	go(HILT_TS_UNITY, "TEST(grp, one) PASS\nTEST(grp, two)t.c:9::FAIL: no\n-----------------------\n"
			  "2 Tests 1 Failures 0 Ignored\nFAIL\n", HILT_TS_END_EOF, &r);
	COUNTS(&r, 1, 1, 0, 0, 0);
	HAS(&r, "s/one", HILT_TV_PASS);
	HAS(&r, "s/two", HILT_TV_FAIL);
	CHECK(r.done && !r.problem[0], "'%s'", r.problem);
	run_free(&r);
	go(HILT_TS_UNITY, "t.c:1:a:PASS\nt.c:2:b:PASS\n-----------------------\n3 Tests 0 Failures 0 Ignored\nOK\n",
	   HILT_TS_END_EOF, &r);
	CHECK(!strcmp(r.status, "failure") && !strcmp(r.problem, "summary says 3 tests, 2 were read"),
	      "%s '%s'", r.status, r.problem);
	run_free(&r);
	go(HILT_TS_UNITY, "t.c:1:a:PASS\n-----------------------\n1 Tests 0 Failures 0 Ignored\nOK\n",
	   HILT_TS_END_EOF, &r);
	CHECK(!strcmp(r.status, "success") && r.done, "%s '%s'", r.status, r.problem);
	run_free(&r);
	return 0;
}

/* A line longer than the cap is read up to it; nesting beyond the cap is
 * read as the deepest level's tests; neither breaks the rest. */
static int test_bounds(void)
{
	size_t big = 3 * HILT_TSTREAM_LINE_MAX;
	char *text = malloc(2 * big + 8192);
	size_t n = 0;
	struct run r;

	n += (size_t)sprintf(text + n, "KTAP version 1\n1..2\n# ");
	memset(text + n, 'x', big);
	n += big;
	n += (size_t)sprintf(text + n, "\nok 1 ");
	memset(text + n, 'n', big);
	n += big;
	n += (size_t)sprintf(text + n, "\nok 2 b\n");
	run3(HILT_TS_KTAP, "s", text, n, HILT_TS_END_EOF, &r);
	COUNTS(&r, 2, 0, 0, 0, 0);
	CHECK(r.rec.n == 2 && strlen(r.rec.c[0].path) < 300 && r.rec.c[0].diag[0] == 0 &&
		      !strcmp(r.rec.c[1].path, "s/b"),
	      "%zu cases", r.rec.n);
	run_free(&r);

	/* 20 levels deep */
	n = 0;
	n += (size_t)sprintf(text + n, "KTAP version 1\n1..1\n");
	for (int d = 1; d <= 20; d++)
		n += (size_t)sprintf(text + n, "%*s# Subtest: l%d\n%*s1..1\n", 4 * d, "", d, 4 * d, "");
	n += (size_t)sprintf(text + n, "%*sok 1 leaf\n", 84, "");
	for (int d = 20; d >= 1; d--)
		n += (size_t)sprintf(text + n, "%*sok 1 l%d\n", 4 * (d - 1), "", d);
	run3(HILT_TS_KTAP, "s", text, n, HILT_TS_END_EOF, &r);
	CHECK(r.rec.n >= 1 && r.rec.c[0].v == HILT_TV_PASS && strstr(r.problem, "nesting deeper"),
	      "%zu cases, '%s'", r.rec.n, r.problem);
	CHECK(r.counts.failed == 0 && r.counts.crashed == 0, "deep: %lu failed", r.counts.failed);
	if (check_failures)
		dump("deep", &r);
	run_free(&r);

	/* a test's diagnostic text is cut at its cap, at a line */
	n = (size_t)sprintf(text, "KTAP version 1\n1..1\n");
	for (int i = 0; i < 300; i++)
		n += (size_t)sprintf(text + n, "# line %03d of the diagnostics\n", i);
	n += (size_t)sprintf(text + n, "not ok 1 noisy\n");
	run3(HILT_TS_KTAP, "s", text, n, HILT_TS_END_EOF, &r);
	CHECK(r.rec.n == 1 && strlen(r.rec.c[0].diag) <= HILT_TSTREAM_DIAG_MAX &&
		      strlen(r.rec.c[0].diag) > HILT_TSTREAM_DIAG_MAX - 64 &&
		      r.rec.c[0].diag[strlen(r.rec.c[0].diag) - 1] == '\n',
	      "diag %zu", r.rec.n ? strlen(r.rec.c[0].diag) : 0);
	run_free(&r);
	free(text);
	return 0;
}

/* ---- the real streams of tests/data/results ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			b = realloc(b, cap);
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	b[n] = 0;
	*len = n;
	return b;
}

static int one_stream(const char *dir, const char *base)
{
	char path[4608], *exp, *log, *save = NULL;
	size_t elen, llen;
	enum hilt_tstream_format f = HILT_TS_KTAP;
	enum hilt_tstream_end how = HILT_TS_END_EOF;
	char name[256] = "results", status[64] = "";
	long want[6] = { -1, -1, -1, -1, -1, -1 };
	static const char *const keys[6] = { "passed", "failed", "skipped", "errors", "crashed", "total" };
	struct run r;
	int wrong = 0;

	snprintf(path, sizeof(path), "%s/%s.expect", dir, base);
	exp = slurp(path, &elen);
	snprintf(path, sizeof(path), "%s/%s.log", dir, base);
	log = slurp(path, &llen);
	if (!exp || !log) {
		fprintf(stderr, "%s: cannot read its .expect or .log\n", base);
		free(exp);
		free(log);
		return 1;
	}
	for (char *l = strtok_r(exp, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "format ", 7)) {
			if (hilt_tstream_format_parse(l + 7, &f))
				fprintf(stderr, "%s.expect: unknown format '%s'\n", base, l + 7), wrong = 1;
		} else if (!strncmp(l, "name ", 5)) {
			snprintf(name, sizeof(name), "%s", l + 5);
		} else if (!strncmp(l, "status ", 7)) {
			snprintf(status, sizeof(status), "%s", l + 7);
		} else if (!strcmp(l, "end crash")) {
			how = HILT_TS_END_CRASH;
		}
		for (int k = 0; k < 6; k++)
			if (!strncmp(l, keys[k], strlen(keys[k])) && l[strlen(keys[k])] == ' ')
				want[k] = atol(l + strlen(keys[k]) + 1);
	}
	free(exp);
	run3(f, name, log, llen, how, &r);
	unsigned long got[6] = { r.counts.passed, r.counts.failed, r.counts.skipped, r.counts.errors,
				 r.counts.crashed, r.counts.total };
	for (int k = 0; k < 6; k++) {
		if (want[k] >= 0 && (unsigned long)want[k] != got[k]) {
			fprintf(stderr, "%s: %s %lu, the .expect says %ld\n", base, keys[k], got[k], want[k]);
			wrong = 1;
		}
	}
	if (status[0] && strcmp(status, r.status)) {
		fprintf(stderr, "%s: status '%s', the .expect says '%s'\n", base, r.status, status);
		wrong = 1;
	}
	/* the cases listed, with their verdicts */
	snprintf(path, sizeof(path), "%s/%s.expect", dir, base);
	exp = slurp(path, &elen);
	save = NULL;
	for (char *l = strtok_r(exp, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "case ", 5))
			continue;
		char *sp = strrchr(l, ' ');
		*sp = 0;
		const struct rcase *c = find(&r, l + 5);
		if (!c && (c = find_numbered(&r, l + 5)))
			printf("%s: case '%s' read as '%s' (a parent named after its subtests)\n", base,
			       l + 5, c->path);
		if (!c || strcmp(vname(c->v), sp + 1)) {
			fprintf(stderr, "%s: case '%s' %s, the .expect says %s\n", base, l + 5,
				c ? vname(c->v) : "not read", sp + 1);
			wrong = 1;
		}
	}
	if (wrong)
		dump(base, &r);
	run_free(&r);
	free(exp);
	free(log);
	return wrong;
}

struct tally {
	unsigned n, right;
};

static void tally_stream(void *arg, const char *dir, const char *name)
{
	struct tally *t = arg;

	t->n++;
	t->right += !one_stream(dir, name);
}

static int test_real_streams(void)
{
	struct tally t = { 0 };

	if (check_each_expect("results", tally_stream, &t) < 0)
		return 77;
	printf("real streams: %u, right %u\n", t.n, t.right);
	CHECK(t.right == t.n, "%u of %u streams wrong", t.n - t.right, t.n);
	return 0;
}

/* ---- 100,000 tests in bounded memory ---- */

static void count_case(void *owner, const struct hilt_tstream_case *c)
{
	unsigned long *n = owner;

	(*n) += c->verdict == HILT_TV_PASS;
}

static int test_memory(void)
{
	enum { SUITES = 1000, PER = 100 };
	char *chunk = malloc(1 << 20);
	unsigned long passes = 0;
	struct hilt_tstream *ts = hilt_tstream_new(HILT_TS_KTAP, "big", count_case, &passes);
	long rss0 = 0, rss1;
	size_t heap0 = 0, bytes = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t n = (size_t)sprintf(chunk, "[    0.000000] KTAP version 1\n[    0.000000] 1..%d\n", SUITES);
	hilt_tstream_feed(ts, chunk, n);
	for (int s = 1; s <= SUITES; s++) {
		n = (size_t)sprintf(chunk, "[    1.000000]     KTAP version 1\n"
					   "[    1.000000]     # Subtest: suite_%d\n[    1.000000]     1..%d\n",
				    s, PER);
		for (int t = 1; t <= PER; t++)
			n += (size_t)sprintf(chunk + n,
					     "[    1.000000]     # test_%d: a diagnostic line\n"
					     "[    1.000000]     ok %d test_%d\n", t, t, t);
		n += (size_t)sprintf(chunk + n, "[    1.000000] ok %d suite_%d\n", s, s);
		for (size_t i = 0; i < n; i += 4096)
			hilt_tstream_feed(ts, chunk + i, n - i < 4096 ? n - i : 4096);
		bytes += n;
		if (s == SUITES / 10) {
			rss0 = rss_kb();
			heap0 = mallinfo2().uordblks;
		}
	}
	rss1 = rss_kb();
	size_t heap1 = mallinfo2().uordblks;
	CHECK(hilt_tstream_done(ts), "not done");
	hilt_tstream_finish(ts, HILT_TS_END_EOF);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	const struct hilt_tstream_counts *c = hilt_tstream_counts(ts);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("100000 tests (%.1f MB): %.3f s with writing them, rss %ld -> %ld KiB, heap %zu -> %zu bytes\n",
	       (double)bytes / 1e6, secs, rss0, rss1, heap0, heap1);
	CHECK(c->passed == SUITES * PER && passes == SUITES * PER && c->total == SUITES * PER,
	      "%lu passed", c->passed);
	CHECK(!strcmp(hilt_tstream_status(ts), "success"), "%s", hilt_tstream_status(ts));
	CHECK(heap1 == heap0, "the heap grew from %zu to %zu bytes", heap0, heap1);
	CHECK(rss1 - rss0 < 512, "rss grew from %ld to %ld KiB", rss0, rss1);
	hilt_tstream_free(ts);
	free(chunk);
	return 0;
}

static int test_names(void)
{
	enum hilt_tstream_format f;

	CHECK(!hilt_tstream_format_parse("ztest", &f) && f == HILT_TS_ZTEST, "ztest");
	CHECK(hilt_tstream_format_parse("junit", &f) < 0, "junit");
	CHECK(!strcmp(hilt_tstream_format_name(HILT_TS_UNITY), "unity"), "unity");
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "ktap_nested", test_ktap_nested }, { "ktap_crash", test_ktap_crash },
		{ "ktap_plans", test_ktap_plans },   { "tap_rules", test_tap_rules },
		{ "ztest", test_ztest },	     { "unity", test_unity },
		{ "bounds", test_bounds },	     { "names", test_names },
		{ "real_streams", test_real_streams }, { "memory", test_memory },
	};
	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
