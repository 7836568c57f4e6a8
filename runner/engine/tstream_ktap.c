/* KTAP and TAP result streams (see tstream.h).
 *
 * ktap reads as the kernel's kunit.py (tools/testing/kunit/kunit_parser.py)
 * does, one line at a time instead of over the whole log: nothing before
 * the first "KTAP version" / "TAP version" line; a test with a "KTAP
 * version" line and/or a "# Subtest: name" header is a parent whose
 * subtests follow (its plan, when the next line that is not a diagnostic
 * is "1..N"); a parent ends after its plan's N subtests, or at a result
 * line with its own name, and the result line after that is its own; a
 * result line anywhere else is a leaf.  Indentation does not decide
 * structure (kunit.py ignores it) and "List of all partitions:", "Kernel
 * panic - not syncing: VFS:" and "reboot: System halted" end the stream.
 * The counts are kunit.py's TestCounts: a leaf counts its status; a
 * parent counts its subtests' counts, or its own status when they count
 * nothing; a subtest missing from its parent's plan counts crashed and
 * an error; a parent without its result line, a wrong test number, a
 * parent with no subtests ("0 tests run!") count an error.  The status is
 * kunit.py's: "no tests" when the top level has no subtests, else from
 * the counts: "crashed" before "failure" before "success", "skipped" when
 * all were skipped.
 *
 * tap reads TAP 13/14 as test harnesses do: the stream begins at its
 * version line, plan or first result; the plan comes first or last;
 * subtests (TAP 14) are indented 4 spaces, with or without a "# Subtest:"
 * header, and end where a line less indented comes; "# SKIP" and "# TODO"
 * (any case) make a skip, the TODO one's reason "TODO ..." ("not ok" with
 * TODO is no failure); "Bail out!" ends the stream; a YAML block ("---"
 * to "...", indented 2 more than its result line) after a result line is
 * that result's diagnostic text: the case is handed over when the line
 * after its result is not "---", or at the block's "...".  A test missing
 * from the plan counts an error; "success" needs a plan that the results
 * match, no failure, no bail-out.
 *
 * Both: a test's diagnostic text is the "#" lines before its result line
 * at its parent's indentation or deeper (and, in ktap, the other lines
 * that indented when the parent is indented: KUnit's "Expected ..." lines
 * under its "# test: EXPECTATION FAILED" line); other lines (other tasks'
 * output) are skipped.  Missing tests become HILT_TV_ERROR cases named
 * "#N" under their parent ("missing from the plan 1..N"); after
 * hilt_tstream_finish(HILT_TS_END_CRASH) the first test missing from the
 * innermost open parent is HILT_TV_CRASHED ("cut off by a crash") and,
 * when that parent had no plan, a test "#N" after its last is. */
#include "runner/engine/tstream_int.h"

#include <stdio.h>
#include <string.h>

enum kphase { K_VERSION, K_PLAN, K_BODY, K_END };

/* kunit.py's TestStatus */
enum kstatus { KS_SUCCESS, KS_FAILURE, KS_SKIPPED, KS_CRASHED, KS_NO_TESTS };

struct kcounts {
	unsigned long passed, failed, crashed, skipped, errors;
};

struct kframe {
	enum kphase phase;
	bool named;		/* its name is the path's last component */
	bool numbered;		/* "#N" is, for want of a name */
	bool planned;
	unsigned long expected;	/* its plan's N */
	unsigned long num;	/* the next subtest's number */
	unsigned long nsub;
	unsigned long lost;	/* of them, missing from the plan */
	struct kcounts c;
	unsigned indent;
	uint64_t begin;
};

enum kkind { KL_OTHER, KL_VERSION, KL_SUBTEST, KL_PLAN, KL_RESULT, KL_BAIL, KL_END };
enum kdirective { KD_NONE, KD_SKIP, KD_TODO };

struct kline {
	enum kkind kind;
	bool ok;
	bool numbered;
	unsigned long num;	/* the result's number, the plan's N */
	const char *name;	/* a result's description, a header's name */
	size_t nlen;
	enum kdirective dir;
	const char *why;	/* after the directive's word */
	size_t wlen;
};

struct ktap {
	bool tap;
	int depth;		/* the open frames' top; -1 before the start */
	/* levels beyond HILT_TSTREAM_DEPTH_MAX: how many are open, the
	 * last one's indentation, whether its header was a version line */
	unsigned long flattened;
	unsigned flat_indent;
	bool flat_version;
	struct kframe f[HILT_TSTREAM_DEPTH_MAX + 1];
	bool bailed;
	bool plan_after;	/* the top level's plan came after its tests */

	/* tap: a result waiting for a YAML block */
	bool pending, in_yaml;
	unsigned pend_indent, yaml_indent;
	char pend_name[TS_NAME_MAX + 1];
	size_t pend_len;
	enum hilt_tstream_verdict pend_v;
	char pend_reason[TS_REASON_MAX];
	uint64_t pend_begin, pend_end;

	bool crash_handed;	/* finish: the crashed test is handed over */
	char reason[TS_REASON_MAX];
};

static unsigned long ktotal(const struct kcounts *c)
{
	return c->passed + c->failed + c->crashed + c->skipped;
}

static void kadd_status(struct kcounts *c, enum kstatus s)
{
	switch (s) {
	case KS_SUCCESS:
		c->passed++;
		break;
	case KS_FAILURE:
		c->failed++;
		break;
	case KS_SKIPPED:
		c->skipped++;
		break;
	case KS_CRASHED:
		c->crashed++;
		break;
	case KS_NO_TESTS:
		break;
	}
}

static void kadd_counts(struct kcounts *to, const struct kcounts *c)
{
	to->passed += c->passed;
	to->failed += c->failed;
	to->crashed += c->crashed;
	to->skipped += c->skipped;
	to->errors += c->errors;
}

static enum kstatus kget_status(const struct kcounts *c)
{
	if (!ktotal(c))
		return KS_NO_TESTS;
	if (c->crashed)
		return KS_CRASHED;
	if (c->failed)
		return KS_FAILURE;
	if (c->passed)
		return KS_SUCCESS;
	return KS_SKIPPED;
}

static bool word_ci(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != w[i])
			return false;
	}
	return true;
}

static void directive(const struct ktap *k, struct kline *kl, const char *d, size_t dlen)
{
	size_t i = 0;

	while (i < dlen && d[i] == ' ')
		i++;
	if (k->tap ? word_ci(d + i, dlen - i, "SKIP") : ts_starts(d + i, dlen - i, "SKIP")) {
		kl->dir = KD_SKIP;
		i += 4;
		/* TAP: "skip", "skipped", "SKIPPING": the word's rest */
		while (k->tap && i < dlen && d[i] != ' ' && d[i] != ':')
			i++;
	} else if (k->tap && word_ci(d + i, dlen - i, "TODO")) {
		kl->dir = KD_TODO;
		i += 4;
	} else {
		return;
	}
	while (i < dlen && (d[i] == ' ' || d[i] == ':'))
		i++;
	kl->why = d + i;
	kl->wlen = ts_rtrim(d + i, dlen - i);
}

static bool parse_result(const struct ktap *k, const char *t, size_t n, struct kline *kl)
{
	size_t i;

	if (ts_starts(t, n, "ok")) {
		kl->ok = true;
		i = 2;
	} else if (ts_starts(t, n, "not ok")) {
		kl->ok = false;
		i = 6;
	} else {
		return false;
	}
	if (i < n && t[i] != ' ')
		return false;
	while (i < n && t[i] == ' ')
		i++;
	kl->numbered = ts_number(t, n, &i, &kl->num);
	if (!kl->numbered && !k->tap)
		return false;	/* kunit.py wants the number */
	if (kl->numbered && i < n && t[i] != ' ')
		return false;
	while (i < n && t[i] == ' ')
		i++;
	if (i + 1 < n && t[i] == '-' && t[i + 1] == ' ')
		i += 2;
	else if (i + 1 == n && t[i] == '-')
		i++;
	/* the description ends at " #" (a directive or a comment) */
	size_t e = i;
	while (e < n && !(t[e] == '#' && (e == i || t[e - 1] == ' ')))
		e++;
	kl->name = t + i;
	kl->nlen = ts_rtrim(t + i, e - i);
	if (e < n)
		directive(k, kl, t + e + 1, n - e - 1);
	if (!k->tap && kl->dir == KD_NONE) {
		/* kunit.py: " # SKIP" anywhere (its last) makes a skip, the
		 * name all before it */
		for (size_t j = n; j-- > e;) {
			if (ts_starts(t + j, n - j, " # SKIP")) {
				kl->nlen = ts_rtrim(t + i, j - i);
				directive(k, kl, t + j + 2, n - j - 2);
				break;
			}
		}
	}
	kl->kind = KL_RESULT;
	return true;
}

static void classify(const struct ktap *k, const struct ts_line *l, struct kline *kl)
{
	const char *t = l->t;
	size_t n = ts_rtrim(t, l->tlen), i;

	memset(kl, 0, sizeof(*kl));
	kl->kind = KL_OTHER;
	if (ts_starts(t, n, "KTAP version ") || ts_starts(t, n, "TAP version ")) {
		i = t[0] == 'K' ? 13 : 12;
		if (ts_number(t, n, &i, &kl->num) && i == n)
			kl->kind = KL_VERSION;
	} else if (ts_starts(t, n, "# Subtest")) {
		i = 9;
		if (i < n && t[i] == ':')
			i++;
		else if (i < n || !k->tap)
			return;
		while (i < n && t[i] == ' ')
			i++;
		kl->name = t + i;
		kl->nlen = n - i;
		kl->kind = KL_SUBTEST;
	} else if (ts_starts(t, n, "1..")) {
		i = 3;
		if (!ts_number(t, n, &i, &kl->num))
			return;
		/* a test's number may always go one past it */
		if (kl->num > ~0UL - 1)
			kl->num = ~0UL - 1;
		kl->kind = KL_PLAN;
		if (i < n && (t[i] == ' ' || t[i] == '#')) {
			while (i < n && t[i] != '#')
				i++;
			if (i < n)
				directive(k, kl, t + i + 1, n - i - 1);
		}
	} else if (t[0] == 'o' || t[0] == 'n') {
		parse_result(k, t, n, kl);
	} else if (k->tap && ts_starts(t, n, "Bail out!")) {
		kl->kind = KL_BAIL;
		for (i = 9; i < n && t[i] == ' '; i++)
			;
		kl->name = t + i;
		kl->nlen = n - i;
	} else if (!k->tap && (ts_starts(t, n, "List of all partitions:") ||
			       ts_starts(t, n, "Kernel panic - not syncing: VFS:") ||
			       ts_starts(t, n, "reboot: System halted"))) {
		/* kunit.py's ends of a run, where the kernel prints them: at
		 * a line's start, after its prefix and indentation (a look
		 * at every byte of every other line would cost more than the
		 * rest of the reading). */
		kl->kind = KL_END;
	}
}

static const char *reason_of(struct ktap *k, const struct kline *kl)
{
	if (kl->dir == KD_NONE) {
		k->reason[0] = 0;
	} else {
		int w = kl->wlen > TS_REASON_MAX - 8 ? TS_REASON_MAX - 8 : (int)kl->wlen;
		if (kl->dir == KD_TODO)
			snprintf(k->reason, sizeof(k->reason), w ? "TODO %.*s" : "TODO", w, kl->why);
		else
			snprintf(k->reason, sizeof(k->reason), "%.*s", w, kl->why);
	}
	return k->reason;
}

static void flush_pending(struct hilt_tstream *ts, struct ktap *k)
{
	if (!k->pending)
		return;
	k->pending = k->in_yaml = false;
	ts_emit(ts, k->pend_name, k->pend_len, k->pend_v, k->pend_reason, -1, k->pend_begin,
		k->pend_end);
}

/* Text of a diagnostic line: its indentation up to the parent's off. */
static void diag_line(struct hilt_tstream *ts, const struct ts_line *l, unsigned indent)
{
	size_t i = 0;
	unsigned col = 0;

	while (i < l->len && col < indent && (l->s[i] == ' ' || l->s[i] == '\t')) {
		col += l->s[i] == '\t' ? 4 : 1;
		i++;
	}
	ts_diag_add(ts, l->s + i, ts_rtrim(l->s + i, l->len - i), l->begin);
}

static void other_line(struct hilt_tstream *ts, struct ktap *k, const struct ts_line *l)
{
	const struct kframe *f = &k->f[k->depth];

	if (l->indent < f->indent)
		return;
	if (l->t[0] == '#' || (!k->tap && f->indent > 0 && l->tlen))
		diag_line(ts, l, f->indent);
}

/* Missing tests handed over one by one up to this many per parent; the
 * rest of an absurd plan ("1..4294967295" from a corrupted line) as one
 * case "#K-N" that counts as all of them. */
#define MISSING_ONE_BY_ONE 1000

static void missing(struct hilt_tstream *ts, struct ktap *k, struct kframe *f, bool crash,
		    uint64_t at)
{
	char leaf[64], why[96];

	for (unsigned long one = 0; f->num <= f->expected; one++) {
		int n = snprintf(leaf, sizeof(leaf), "#%lu", f->num);
		enum hilt_tstream_verdict v = HILT_TV_ERROR;
		unsigned long many = 1;

		if (crash && !k->crash_handed && f == &k->f[k->depth]) {
			v = HILT_TV_CRASHED;
			k->crash_handed = true;
			snprintf(why, sizeof(why), "cut off by a crash");
		} else if (one >= MISSING_ONE_BY_ONE && f->expected - f->num >= 1) {
			many = f->expected - f->num + 1;
			n = snprintf(leaf, sizeof(leaf), "#%lu-%lu", f->num, f->expected);
			snprintf(why, sizeof(why), "missing from the plan 1..%lu (%lu tests)", f->expected,
				 many);
		} else {
			snprintf(why, sizeof(why), "missing from the plan 1..%lu", f->expected);
		}
		/* kunit.py: "missing expected subtest!", counted crashed */
		f->c.errors += (!k->tap || v == HILT_TV_ERROR) ? many : 0;
		f->c.crashed += (!k->tap || v == HILT_TV_CRASHED) ? many : 0;
		ts_emit(ts, leaf, (size_t)n, v, why, -1, at, at);
		f->nsub += many;
		f->lost += many;
		f->num += many;
	}
}

static enum hilt_tstream_verdict verdict_of(enum kstatus s)
{
	switch (s) {
	case KS_SUCCESS:
		return HILT_TV_PASS;
	case KS_FAILURE:
		return HILT_TV_FAIL;
	case KS_SKIPPED:
		return HILT_TV_SKIP;
	case KS_CRASHED:
		return HILT_TV_CRASHED;
	case KS_NO_TESTS:
		break;
	}
	return HILT_TV_ERROR;
}

/* The top frame is over with status s (its result line's, or crashed
 * without one); name is its result line's name for a frame without one
 * of its own. */
static void pop(struct hilt_tstream *ts, struct ktap *k, enum kstatus s, const char *name,
		size_t nlen, const char *reason, uint64_t end)
{
	struct kframe *f = &k->f[k->depth];

	bool own = false;

	if (!f->nsub && !k->tap) {
		/* kunit.py as its test_no_tests_no_plan asserts: a parent
		 * without subtests ran no tests, whatever its result line */
		s = KS_NO_TESTS;
		f->c.errors++;	/* "0 tests run!" */
	} else if (!f->nsub && (s == KS_CRASHED || s == KS_SUCCESS)) {
		s = KS_NO_TESTS;
		f->c.errors++;
	}
	if (ktotal(&f->c) && s == KS_FAILURE && kget_status(&f->c) == KS_SUCCESS) {
		/* kunit.py: a failed parent whose subtests passed is a
		 * failure of its own */
		kadd_status(&f->c, s);
		own = true;
	}
	if (own || !ktotal(&f->c)) {
		if (!own)
			kadd_status(&f->c, s);
		/* a parent with no results of its own is a leaf */
		if (own || !f->nsub || s != KS_NO_TESTS) {
			const char *why = s == KS_NO_TESTS ? "no tests run" :
					  s == KS_CRASHED ? "no result line" : reason;
			if (f->numbered && nlen) {
				ts_path_pop(ts);
				f->numbered = false;
			}
			if (f->named || f->numbered || !nlen)
				ts_emit(ts, NULL, 0, verdict_of(s), why, -1, f->begin, end);
			else
				ts_emit(ts, name, nlen, verdict_of(s), why, -1, f->begin, end);
		}
	}
	if (f->named || f->numbered)
		ts_path_pop(ts);
	ts_diag_clear(ts);
	k->depth--;
	if (k->depth >= 0) {
		struct kframe *p = &k->f[k->depth];
		kadd_counts(&p->c, &f->c);
		p->nsub++;
		p->num++;
	}
}

static enum kstatus status_of(const struct kline *kl)
{
	if (kl->dir != KD_NONE)
		return KS_SKIPPED;
	return kl->ok ? KS_SUCCESS : KS_FAILURE;
}

static void push(struct hilt_tstream *ts, struct ktap *k, const struct ts_line *l,
		 enum kphase phase, const char *name, size_t nlen)
{
	struct kframe *f;

	if (k->depth >= HILT_TSTREAM_DEPTH_MAX) {
		/* deeper levels' tests are read as the deepest's own */
		if (!(phase == K_PLAN && k->flat_version && k->flattened))
			k->flattened++;
		k->flat_version = phase == K_VERSION;
		k->flat_indent = l->indent;
		ts_problem(ts, "nesting deeper than %d levels", HILT_TSTREAM_DEPTH_MAX);
		return;
	}
	f = &k->f[++k->depth];
	memset(f, 0, sizeof(*f));
	f->phase = phase;
	f->num = 1;
	f->indent = l->indent;
	f->begin = l->begin;
	ts_diag_clear(ts);
	if (name && nlen) {
		ts_path_push(ts, name, nlen);
		f->named = true;
	} else {
		/* named by its number until its result line names it */
		char num[32];
		int n = snprintf(num, sizeof(num), "#%lu", k->f[k->depth - 1].num);
		ts_path_push(ts, num, (size_t)n);
		f->numbered = true;
	}
}

static bool name_is(const struct hilt_tstream *ts, const struct kframe *f, const struct kline *kl)
{
	size_t len, n = kl->nlen > TS_NAME_MAX ? TS_NAME_MAX : kl->nlen;
	const char *last = f->named ? ts_path_last(ts, &len) : "";

	if (!f->named)
		len = 0;
	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = kl->name[i] == '/' || !kl->name[i] ? '_' : kl->name[i];
		if (c != last[i])
			return false;
	}
	return true;
}

static void leaf(struct hilt_tstream *ts, struct ktap *k, struct kframe *f, const struct kline *kl,
		 const struct ts_line *l)
{
	enum kstatus s = status_of(kl);
	enum hilt_tstream_verdict v = verdict_of(s);
	const char *why = reason_of(k, kl);
	char num[32];
	const char *name = kl->name;
	size_t nlen = kl->nlen;

	if (kl->numbered && kl->num != f->num) {
		f->c.errors++;	/* kunit.py: "Expected test number" */
		if (k->tap)
			ts_problem(ts, "test %lu where %lu was expected", kl->num, f->num);
	}
	if (!nlen) {
		nlen = (size_t)snprintf(num, sizeof(num), "#%lu", kl->numbered ? kl->num : f->num);
		name = num;
	}
	kadd_status(&f->c, s);
	f->nsub++;
	f->num++;
	if (k->tap) {
		/* held for a YAML block that may follow */
		k->pending = true;
		k->in_yaml = false;
		k->pend_indent = l->indent;
		k->pend_len = nlen > TS_NAME_MAX ? TS_NAME_MAX : nlen;
		memcpy(k->pend_name, name, k->pend_len);
		k->pend_v = v;
		snprintf(k->pend_reason, sizeof(k->pend_reason), "%s", why);
		k->pend_begin = l->begin;
		k->pend_end = l->end;
		return;
	}
	ts_emit(ts, name, nlen, v, why, -1, l->begin, l->end);
}

/* The top level's plan came after its tests: the stream's end. */
static void plan_last(struct hilt_tstream *ts, struct ktap *k, struct kframe *f,
		      const struct kline *kl, const struct ts_line *l)
{
	unsigned long ran = f->num - 1;

	f->planned = true;
	f->expected = kl->num;
	if (ran > kl->num) {
		f->c.errors++;
		ts_problem(ts, "plan 1..%lu but %lu results", kl->num, ran);
	}
	flush_pending(ts, k);
	missing(ts, k, f, false, l->begin);
	f->phase = K_END;
	if (k->depth == 0) {
		k->plan_after = true;
		ts->done = true;
	}
}

static void result_line(struct hilt_tstream *ts, struct ktap *k, const struct kline *kl,
			const struct ts_line *l);

/* The top level's plan is complete: the stream's end (for TAP once the
 * last result's YAML block, if any, is read). */
static void check_done(struct hilt_tstream *ts, const struct ktap *k)
{
	const struct kframe *m = &k->f[0];

	if (k->depth == 0 && m->planned && m->num > m->expected && !k->pending && m->phase >= K_BODY)
		ts->done = true;
}

static void line_in(struct hilt_tstream *ts, const struct ts_line *l);

/* TAP: the beginning of a line after a result held for its YAML block.
 * A byte that no "---" line (console prefix, indentation, dashes) holds
 * says there is no block: the result is handed over now, without waiting
 * for the line's end (a shell's prompt after the last test has none). */
static void partial(struct hilt_tstream *ts, const char *s, size_t len)
{
	struct ktap *k = ts->state;

	if (!k->pending || k->in_yaml)
		return;
	for (size_t i = 0; i < len; i++) {
		if (!strchr(" \t\r-[]<>.0123456789TC", s[i]) || !s[i]) {
			flush_pending(ts, k);
			check_done(ts, k);
			return;
		}
	}
}

static void line(struct hilt_tstream *ts, const struct ts_line *l)
{
	line_in(ts, l);
	check_done(ts, ts->state);
}

static void line_in(struct hilt_tstream *ts, const struct ts_line *l)
{
	struct ktap *k = ts->state;
	struct kline kl;
	struct kframe *f;

	classify(k, l, &kl);

	if (k->pending) {
		if (k->in_yaml) {
			size_t n = ts_rtrim(l->t, l->tlen);
			if (l->indent == k->yaml_indent && n == 3 && !memcmp(l->t, "...", 3)) {
				k->pend_end = l->end;
				flush_pending(ts, k);
			} else {
				diag_line(ts, l, k->yaml_indent);
			}
			return;
		}
		if (l->indent > k->pend_indent && ts_rtrim(l->t, l->tlen) == 3 &&
		    !memcmp(l->t, "---", 3)) {
			k->in_yaml = true;
			k->yaml_indent = l->indent;
			return;
		}
		flush_pending(ts, k);
		/* that was the plan's last: nothing after it is read */
		check_done(ts, k);
		if (ts->done)
			return;
	}

	if (k->depth < 0) {
		if (kl.kind == KL_VERSION ||
		    (k->tap && (kl.kind == KL_PLAN || kl.kind == KL_RESULT))) {
			ts->started = true;
			k->depth = 0;
			f = &k->f[0];
			memset(f, 0, sizeof(*f));
			f->phase = K_PLAN;
			f->num = 1;
			f->indent = l->indent;
			f->begin = l->begin;
			if (kl.kind == KL_VERSION)
				return;
		} else {
			return;
		}
	}
	if (kl.kind == KL_BAIL) {
		int w = kl.nlen > 200 ? 200 : (int)kl.nlen;
		k->bailed = true;
		ts_problem(ts, w ? "Bail out! %.*s" : "Bail out!", w, kl.name);
		ts->done = true;
		return;
	}
	if (kl.kind == KL_END) {
		ts->done = true;
		return;
	}

	if (k->flattened) {
		f = &k->f[k->depth];
		if (kl.kind == KL_VERSION || kl.kind == KL_SUBTEST) {
			push(ts, k, l, kl.kind == KL_VERSION ? K_VERSION : K_PLAN, NULL, 0);
			return;
		}
		k->flat_version = false;
		if (kl.kind == KL_RESULT && l->indent >= k->flat_indent) {
			unsigned long num = f->num, nsub = f->nsub;
			struct kline inner = kl;

			inner.numbered = false;	/* numbered in its own level */
			leaf(ts, k, f, &inner, l);
			f->num = num;
			f->nsub = nsub;
			return;
		}
		if (kl.kind == KL_RESULT) {
			/* a flattened level's own result line */
			k->flattened--;
			k->flat_indent = l->indent;
			if (!k->flattened) {
				/* the outermost of them: one subtest */
				f->num++;
				f->nsub++;
			}
			return;
		}
		if (kl.kind == KL_OTHER)
			other_line(ts, k, l);
		return;
	}

	for (;;) {
		f = &k->f[k->depth];
		switch (f->phase) {
		case K_VERSION:
			/* Another task's line between the version line and
			 * the "# Subtest:" header changes nothing. */
			if (kl.kind == KL_OTHER) {
				other_line(ts, k, l);
				return;
			}
			f->phase = K_PLAN;
			if (kl.kind == KL_SUBTEST) {
				if (kl.nlen && f->numbered) {
					ts_path_pop(ts);
					f->numbered = false;
				}
				if (kl.nlen && k->depth) {
					ts_path_push(ts, kl.name, kl.nlen);
					f->named = true;
				}
				return;
			}
			continue;
		case K_PLAN:
			if (kl.kind == KL_OTHER) {
				other_line(ts, k, l);
				return;
			}
			f->phase = K_BODY;
			/* TAP 14: a "# Subtest:" header may stand at its
			 * parent's indentation, its tests 4 deeper */
			if (k->tap && k->depth && l->indent > f->indent)
				f->indent = l->indent;
			if (kl.kind == KL_PLAN) {
				f->planned = true;
				f->expected = kl.num;
				return;
			}
			continue;
		case K_BODY:
			if (f->planned && f->num > f->expected) {
				f->phase = K_END;
				if (!k->depth) {
					ts->done = true;
					return;
				}
				continue;
			}
			if (kl.kind == KL_OTHER) {
				other_line(ts, k, l);
				return;
			}
			if (k->tap && k->depth && l->indent < f->indent) {
				/* a less indented line ends a TAP 14 subtest */
				missing(ts, k, f, false, l->begin);
				f->phase = K_END;
				continue;
			}
			if (!k->tap && k->depth && kl.kind == KL_RESULT && name_is(ts, f, &kl)) {
				missing(ts, k, f, false, l->begin);
				f->phase = K_END;
				continue;
			}
			if (kl.kind == KL_VERSION) {
				push(ts, k, l, K_VERSION, NULL, 0);
				return;
			}
			if (kl.kind == KL_SUBTEST) {
				push(ts, k, l, K_PLAN, kl.name, kl.nlen);
				return;
			}
			if (k->tap && l->indent > f->indent && k->depth < HILT_TSTREAM_DEPTH_MAX) {
				/* TAP 14: an indented plan or result begins a subtest */
				push(ts, k, l, K_PLAN, NULL, 0);
				continue;
			}
			if (kl.kind == KL_RESULT) {
				leaf(ts, k, f, &kl, l);
				return;
			}
			if (kl.kind == KL_PLAN && !k->tap) {
				/* kunit.py: a plan among the results is a
				 * test that crashed */
				char num[32];
				int nn = snprintf(num, sizeof(num), "#%lu", f->num);
				kadd_status(&f->c, KS_CRASHED);
				ts_emit(ts, num, (size_t)nn, HILT_TV_CRASHED, "a plan where its result was due",
					-1, l->begin, l->end);
				f->nsub++;
				f->num++;
				return;
			}
			/* a plan after the tests */
			if (kl.kind == KL_PLAN && !f->planned)
				plan_last(ts, k, f, &kl, l);
			return;
		case K_END:
			if (!k->depth) {
				ts->done = true;
				return;
			}
			result_line(ts, k, &kl, l);
			return;
		}
	}
}

/* A line in a subtest's K_END: its own result line, or what comes
 * without one. */
static void result_line(struct hilt_tstream *ts, struct ktap *k, const struct kline *kl,
			const struct ts_line *l)
{
	for (;;) {
		struct kframe *f = &k->f[k->depth];

		if (!k->depth || f->phase != K_END)
			return;
		if (kl->kind == KL_OTHER) {
			other_line(ts, k, l);
			return;
		}
		if (kl->kind == KL_RESULT && (k->tap || !f->named || name_is(ts, f, kl))) {
			struct kframe *p = &k->f[k->depth - 1];
			if (kl->numbered && kl->num != p->num) {
				f->c.errors++;
				if (k->tap)
					ts_problem(ts, "test %lu where %lu was expected", kl->num, p->num);
			}
			pop(ts, k, status_of(kl), kl->name, kl->nlen, reason_of(k, kl), l->end);
			return;
		}
		if (f->named && !k->tap)
			f->c.errors++;	/* kunit.py: "missing subtest result line!" */
		pop(ts, k, KS_CRASHED, NULL, 0, "", l->begin);
		/* the line is the parent's */
		line(ts, l);
		return;
	}
}

static void finish(struct hilt_tstream *ts, enum hilt_tstream_end how)
{
	struct ktap *k = ts->state;
	bool crash = how == HILT_TS_END_CRASH;
	uint64_t at = ts->line_begin;

	flush_pending(ts, k);
	if (k->depth < 0) {
		/* kunit.py: "Could not find any KTAP output", an error, and
		 * TestStatus.FAILURE_TO_PARSE_TESTS */
		ts->counts.errors = !k->tap;
		ts->status = k->tap ? "failure" : "failure to parse tests";
		ts_problem(ts, k->tap ? "no TAP output" : "no KTAP output");
		return;
	}
	while (k->depth >= 0) {
		struct kframe *f = &k->f[k->depth];

		if (f->phase == K_VERSION || f->phase == K_PLAN)
			f->phase = K_BODY;
		if (f->phase == K_BODY) {
			if (f->planned && !k->bailed) {
				missing(ts, k, f, crash, at);
			} else if (crash && !k->crash_handed) {
				char leaf[32];
				int n = snprintf(leaf, sizeof(leaf), "#%lu", f->num);
				k->crash_handed = true;
				f->c.crashed++;
				ts_emit(ts, leaf, (size_t)n, HILT_TV_CRASHED, "cut off by a crash", -1,
					at, at);
				f->nsub++;
				f->num++;
			}
			f->phase = K_END;
		}
		if (k->depth == 0)
			break;
		if (f->named && !k->tap)
			f->c.errors++;	/* kunit.py: "missing subtest result line!" */
		pop(ts, k, KS_CRASHED, NULL, 0, "", at);
	}

	struct kframe *m = &k->f[0];
	enum kstatus s;

	if (!m->nsub) {
		s = KS_NO_TESTS;
		m->c.errors++;	/* kunit.py: "0 tests run!" */
	} else {
		if (!ktotal(&m->c))
			m->c.crashed++;	/* kunit.py: the top level's own, crashed */
		s = kget_status(&m->c);
	}
	ts->counts.passed = m->c.passed;
	ts->counts.failed = m->c.failed;
	ts->counts.skipped = m->c.skipped;
	ts->counts.crashed = m->c.crashed;
	ts->counts.errors = m->c.errors;

	if (!m->planned)
		ts_problem(ts, "no plan");
	else if (m->nsub - m->lost != m->expected)
		ts_problem(ts, "plan 1..%lu but %lu results", m->expected, m->nsub - m->lost);
	else if (!ts->done)
		ts_problem(ts, "the stream ended before its end");
	if (!k->tap) {
		static const char *const names[] = {
			[KS_SUCCESS] = "success", [KS_FAILURE] = "failure",
			[KS_SKIPPED] = "skipped", [KS_CRASHED] = "crashed",
			[KS_NO_TESTS] = "no tests",
		};
		ts->status = names[s];
		return;
	}
	/* TAP: a skip-all plan "1..0" passes; otherwise every planned test
	 * must pass or skip */
	bool ok = !k->bailed && m->planned && !m->c.failed && !m->c.crashed && !m->c.errors &&
		  (m->nsub > 0 || m->expected == 0);
	if (m->planned && m->expected == 0 && !m->nsub) {
		ts->counts.errors = m->c.errors = 0;
		ok = !k->bailed;
	}
	ts->status = ok ? "success" : "failure";
}

static void ktap_init(struct hilt_tstream *ts)
{
	struct ktap *k = ts->state;

	k->depth = -1;
}

static void tap_init(struct hilt_tstream *ts)
{
	struct ktap *k = ts->state;

	k->depth = -1;
	k->tap = true;
}

/* KTAP: a line at the left margin matters only when it is a version
 * line, a plan, a result, a diagnostic or a "# Subtest:" header, or one
 * of kunit.py's ends of a run; an indented one may be a diagnostic line
 * of a test. */
static bool ktap_wants(const struct hilt_tstream *ts, const char *t, size_t n, unsigned indent)
{
	const struct ktap *k = ts->state;

	if (indent || k->pending || k->flattened)
		return true;
	if (n) {
		switch (t[0]) {
		case 'K': case 'T': case '#': case '1': case 'o': case 'n': case 'L': case 'r':
			return true;
		}
	}
	if (k->depth < 0)
		return false;	/* before the version line */
	/* Where any line would move the reader on (a complete plan's next
	 * line, a level's end), it is read. */
	const struct kframe *f = &k->f[k->depth];

	return !(f->phase == K_VERSION || f->phase == K_PLAN ||
		 (f->phase == K_BODY && !(f->planned && f->num > f->expected)));
}

const struct ts_ops ts_ktap_ops = {
	.init = ktap_init, .line = line, .finish = finish, .state_size = sizeof(struct ktap),
	.wants = ktap_wants,
};
const struct ts_ops ts_tap_ops = {
	.init = tap_init, .line = line, .partial = partial, .finish = finish,
	.state_size = sizeof(struct ktap),
};
