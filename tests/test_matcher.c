/* The matcher must give the same verdicts and offsets however the console
 * bytes are chunked.  Recorded boot logs are replayed through the suite's
 * own patterns, in one piece, byte by byte and in random chunks. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/ansi.h"
#include "runner/engine/matcher.h"
#include "runner/engine/suite.h"
#include "tests/fuzz/matcher_check.h"

#define MAX_EVENTS 64

struct event {
	int id;
	uint64_t start, end;
	char group1[128];
};

struct trace {
	struct event ev[MAX_EVENTS];
	size_t n;
	int ended_by_failure;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);

	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		*len = (size_t)n;
	return buf;
}

/* Takes the matches there are now, as a session does: a milestone that
 * matched gives way to the next, watched from its end; a failure pattern
 * ends the replay. */
static void take_matches(const struct hilt_suite *suite, struct hilt_matcher *m,
			 size_t *milestone, struct trace *t)
{
	struct hilt_match mt;

	while (!t->ended_by_failure && hilt_matcher_next(m, &mt) == 1) {
		struct event *e = &t->ev[t->n < MAX_EVENTS ? t->n++ : MAX_EVENTS - 1];

		e->id = mt.id;
		e->start = mt.start;
		e->end = mt.end;
		e->group1[0] = '\0';
		if (mt.ngroups > 1 && mt.groups[1].start >= 0)
			hilt_matcher_copy(m, (uint64_t)mt.groups[1].start,
					  (uint64_t)mt.groups[1].end, e->group1, sizeof(e->group1));
		if (mt.id >= 100) {
			t->ended_by_failure = 1;
			break;
		}
		hilt_matcher_unwatch(m, mt.id);
		do
			++*milestone;
		while (*milestone < suite->ncases &&
		       strcmp(hilt_case_kind(&suite->cases[*milestone]), "milestone") != 0);
		if (*milestone < suite->ncases)
			hilt_matcher_watch(m, suite->cases[*milestone].expect, (int)*milestone,
					   mt.end);
	}
}

/* Replays like a session does: milestones one after the other (each
 * watched from the end of the previous), failure patterns all along; at
 * the end of the log the stream ends. */
static void replay(const struct hilt_suite *suite, const char *log, size_t len,
		   size_t (*next_chunk)(void *), void *arg, struct trace *t)
{
	struct hilt_matcher *m;
	size_t milestone = 0, off = 0;

	memset(t, 0, sizeof(*t));
	if (hilt_matcher_new(256 * 1024, &m))
		abort();
	for (size_t i = 0; i < suite->nfailures; i++)
		hilt_matcher_watch(m, suite->failures[i].pattern, 100 + (int)i, 0);
	while (milestone < suite->ncases &&
	       strcmp(hilt_case_kind(&suite->cases[milestone]), "milestone") != 0)
		milestone++;
	if (milestone < suite->ncases)
		hilt_matcher_watch(m, suite->cases[milestone].expect, (int)milestone, 0);
	while (off < len && !t->ended_by_failure) {
		size_t want = next_chunk(arg);

		if (want > len - off)
			want = len - off;
		while (want && !t->ended_by_failure) {
			size_t took = hilt_matcher_feed(m, log + off, want);

			off += took;
			want -= took;
			take_matches(suite, m, &milestone, t);
		}
	}
	hilt_matcher_finish(m);
	take_matches(suite, m, &milestone, t);
	hilt_matcher_free(m);
}

static size_t whole(void *arg)
{
	(void)arg;
	return SIZE_MAX;
}

static size_t one_byte(void *arg)
{
	(void)arg;
	return 1;
}

static size_t random_chunk(void *arg)
{
	uint64_t *state = arg;

	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	/* Mostly small chunks, now and then a large one. */
	return (*state % 8 == 0) ? 1 + *state % 4096 : 1 + *state % 17;
}

static int same_trace(const struct trace *a, const struct trace *b)
{
	if (a->n != b->n || a->ended_by_failure != b->ended_by_failure)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->ev[i].id != b->ev[i].id || a->ev[i].start != b->ev[i].start ||
		    a->ev[i].end != b->ev[i].end ||
		    strcmp(a->ev[i].group1, b->ev[i].group1) != 0)
			return 0;
	return 1;
}

static const char *source_dir(void)
{
	const char *d = getenv("HILT_SOURCE_DIR");

	return d ? d : ".";
}

/* What a replay of a recorded log must report, in order. */
struct expected {
	int id;			/* milestone case index, 100 + failure pattern */
	uint64_t start, end;
	const char *group1;	/* "": none */
};

static int chunking_invariance(const char *logname, const struct expected *want,
			       size_t nwant, int expect_failure)
{
	char path[1024], err[512];
	struct hilt_suite *suite;
	size_t len;

	snprintf(path, sizeof(path), "%s/suites/linux-boot.xml", source_dir());
	if (hilt_suite_load(path, &suite, err, sizeof(err))) {
		CHECK(0, "%s", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/fixtures/logs/%s", source_dir(), logname);
	char *log = slurp(path, &len);

	CHECK(log != NULL, "cannot read %s", path);
	if (!log) {
		hilt_suite_free(suite);
		return 1;
	}
	struct trace ref, t;

	replay(suite, log, len, whole, NULL, &ref);
	CHECK(ref.n == nwant, "%zu events in one piece, expected %zu", ref.n, nwant);
	for (size_t i = 0; i < ref.n && i < nwant; i++)
		CHECK(ref.ev[i].id == want[i].id && ref.ev[i].start == want[i].start &&
		      ref.ev[i].end == want[i].end && strcmp(ref.ev[i].group1, want[i].group1) == 0,
		      "event %zu: id %d at [%llu,%llu) capturing '%s'; expected id %d at [%llu,%llu) capturing '%s'",
		      i, ref.ev[i].id, (unsigned long long)ref.ev[i].start,
		      (unsigned long long)ref.ev[i].end, ref.ev[i].group1, want[i].id,
		      (unsigned long long)want[i].start, (unsigned long long)want[i].end,
		      want[i].group1);
	CHECK(ref.ended_by_failure == expect_failure, "failure verdict %d",
	      ref.ended_by_failure);
	replay(suite, log, len, one_byte, NULL, &t);
	CHECK(same_trace(&ref, &t), "byte-by-byte replay differs from one piece");
	for (uint64_t seed = 1; seed <= 200; seed++) {
		uint64_t state = seed * 0x9e3779b97f4a7c15ull;

		replay(suite, log, len, random_chunk, &state, &t);
		CHECK(same_trace(&ref, &t), "random chunking (seed %llu) differs",
		      (unsigned long long)seed);
	}
	free(log);
	hilt_suite_free(suite);
	return 0;
}

/* The expected offsets come from the logs themselves, not from the
 * matcher: `grep -abo` for each milestone's text (the first after the
 * previous one; the ^-anchored ones all start lines), checked against a
 * Python re search that treats \r and \n as line ends:
 *   grep -abo 'Linux version [^[:space:]]*' fixtures/logs/linux-boot-x86.log
 *   -> 15:Linux version 6.1.0-56-amd64   (28 bytes: [15,43))
 *   grep -abo '^hilt-guest: init started' ...  -> 21779 (24 bytes)
 *   grep -abo '^hilt-guest: network up [0-9.]*' -> 22658 (32 bytes)
 *   grep -abo '^hilt-guest: httpd started'     -> 22692 (25 bytes)
 *   grep -abo '^/ # '                          -> 22841 (4 bytes)
 *   grep -abo 'Kernel panic - not syncing' fixtures/logs/linux-panic-x86.log
 *   -> 21503 (26 bytes) */
static int boot_log_chunking(void)
{
	/* The 5 milestones of linux-boot.xml (cases 0-4); the banner captures
	 * the kernel version, network-up the guest's address. */
	static const struct expected want[] = {
		{ 0, 15, 43, "6.1.0-56-amd64" },
		{ 1, 21779, 21803, "" },
		{ 2, 22658, 22690, "10.0.2.15" },
		{ 3, 22692, 22717, "" },
		{ 4, 22841, 22845, "" },
	};

	return chunking_invariance("linux-boot-x86.log", want, 5, 0);
}

static int panic_log_chunking(void)
{
	/* The banner, then the kernel-panic failure pattern (the first of the
	 * default Linux ones: id 100). */
	static const struct expected want[] = {
		{ 0, 15, 43, "6.1.0-56-amd64" },
		{ 100, 21503, 21529, "" },
	};

	return chunking_invariance("linux-panic-x86.log", want, 2, 1);
}

static int compile(const char *re, struct hilt_pattern **p)
{
	char err[256];
	int rc = hilt_pattern_compile(re, p, err, sizeof(err));

	CHECK(rc == 0, "compile /%s/: %s", re, err);
	return rc;
}

/* Feeds the pieces one after another; returns the first match. */
static int feed_pieces(const char *re, const char *const *pieces,
		       struct hilt_match *out, char *text, size_t textlen)
{
	struct hilt_pattern *p;
	struct hilt_matcher *m;
	int found = 0;

	if (compile(re, &p))
		return 0;
	hilt_matcher_new(4096, &m);
	hilt_matcher_watch(m, p, 1, 0);
	for (size_t i = 0; pieces[i] && !found; i++) {
		size_t len = strlen(pieces[i]);

		for (size_t off = 0; off < len && !found;) {
			off += hilt_matcher_feed(m, pieces[i] + off, len - off);
			found = hilt_matcher_next(m, out) == 1;
		}
	}
	if (found && text)
		hilt_matcher_copy(m, out->start, out->end, text, textlen);
	hilt_matcher_free(m);
	hilt_pattern_free(p);
	return found;
}

static int split_across_chunks(void)
{
	const char *pieces[] = { "noise\nhilt-gu", "est: network ", "up 10.0.2.15\n", NULL };
	struct hilt_match mt;
	char text[128];

	CHECK(feed_pieces("hilt-guest: network up (\\S+)", pieces, &mt, text, sizeof(text)),
	      "no match");
	CHECK(mt.start == 6 && strcmp(text, "hilt-guest: network up 10.0.2.15") == 0,
	      "got [%s] at %llu", text, (unsigned long long)mt.start);
	return 0;
}

static int greedy_waits_for_more(void)
{
	/* \S+ must not stop at a chunk end: "6.1" then ".0-amd64". */
	const char *pieces[] = { "Linux version 6.1", ".0-56-amd64 (x)\n", NULL };
	struct hilt_match mt;
	char text[128];

	CHECK(feed_pieces("Linux version \\S+", pieces, &mt, text, sizeof(text)), "no match");
	CHECK(strcmp(text, "Linux version 6.1.0-56-amd64") == 0, "got [%s]", text);
	return 0;
}

static int crlf_lines(void)
{
	const char *pieces[] = { "boot\r\nlogin:", " \r", "\n", NULL };
	struct hilt_match mt;
	char text[64];

	CHECK(feed_pieces("^login: $", pieces, &mt, text, sizeof(text)),
	      "^...$ did not match a \\r\\n line");
	CHECK(mt.start == 6, "start %llu", (unsigned long long)mt.start);
	return 0;
}

static int anchor_mid_line(void)
{
	/* ^ must not match in the middle of a line at a chunk boundary. */
	const char *pieces[] = { "xx", "abc\n", NULL };
	struct hilt_match mt;

	CHECK(!feed_pieces("^abc", pieces, &mt, NULL, 0), "^abc matched mid-line");
	return 0;
}

/* Feeds text cut at every place (and byte by byte), then ends the
 * stream; returns how many matches of re each run found, or -1 when two
 * runs differ (the difference is reported). */
static int matches_however_cut(const char *re, const char *text, struct hilt_match *first)
{
	struct mc_input in = { .npatterns = 1, .text = (const unsigned char *)text,
			       .len = strlen(text) };
	struct hilt_pattern *p;
	struct mc_trace ref, t;
	char why[256];
	int n;

	snprintf(in.patterns[0], sizeof(in.patterns[0]), "%s", re);
	if (compile(re, &p))
		return -1;
	mc_run(&in, &p, 0, (struct mc_chunker){ .how = MC_WHOLE }, &ref);
	n = (int)ref.n;
	if (first && ref.n) {
		first->start = ref.ev[0].start;
		first->end = ref.ev[0].end;
	}
	for (size_t cut = 0; cut <= in.len + 1 && n >= 0; cut++) {
		struct mc_chunker c = { .how = cut <= in.len ? MC_SPLIT : MC_BYTES, .split = cut };

		/* Every other cut without the prefilter, every third without JIT. */
		mc_run(&in, &p, (cut % 2 ? MC_NO_PREFILTER : 0) | (cut % 3 ? 0 : MC_NO_JIT), c, &t);
		if (!mc_same(&ref, &t, 1, why, sizeof(why))) {
			CHECK(0, "/%s/ cut at %zu: %s", re, cut, why);
			n = -1;
		}
		free(t.ev);
	}
	free(ref.ev);
	hilt_pattern_free(p);
	return n;
}

static int blank_line_across_crlf(void)
{
	/* No blank line here, wherever a read ends (between \r and \n too),
	 * and not at the end of the stream either. */
	CHECK(matches_however_cut("^$", "ok\r\nnext\r\n", NULL) == 0, "^$ matched");
	CHECK(matches_however_cut("^\\s*$", "ok\r\nnext\r\n", NULL) == 0, "^\\s*$ matched");
	/* A real one, between two \r\n. */
	struct hilt_match mt;

	CHECK(matches_however_cut("^$", "ok\r\n\r\nnext", &mt) == 1 && mt.start == 4,
	      "the blank line at 4 not found once");
	return 0;
}

static int caret_after_cr(void)
{
	/* \r, then a line start before \r\n: [0,1), however cut. */
	struct hilt_match mt;

	CHECK(matches_however_cut("\\r^$", "\r\r\na", &mt) >= 1 && mt.start == 0 && mt.end == 1,
	      "\\r^$ not found at [0,1)");
	return 0;
}

static int end_of_stream_decides(void)
{
	/* $ at the very end of the output: undecided until it ends. */
	struct hilt_pattern *p;
	struct hilt_matcher *m;
	struct hilt_match mt;

	if (compile("^Hello World!$", &p))
		return 1;
	hilt_matcher_new(4096, &m);
	hilt_matcher_watch(m, p, 1, 0);
	hilt_matcher_feed(m, "Hello World!", 12);
	CHECK(hilt_matcher_next(m, &mt) == 0, "matched before the stream ended");
	hilt_matcher_finish(m);
	CHECK(hilt_matcher_next(m, &mt) == 1 && mt.start == 0 && mt.end == 12,
	      "not matched at the end of the stream");
	CHECK(hilt_matcher_next(m, &mt) == 0, "matched twice");
	hilt_matcher_free(m);
	hilt_pattern_free(p);
	return 0;
}

static int search_start_refused(void)
{
	static const char *const refused[] = { "\\Gfoo", "a|\\G", "(*COMMIT)x", "a(*COMMIT:n)b" };
	static const char *const accepted[] = { "\\\\Gfoo", "\\QG\\G\\E", "\\c\\G", "(*PRUNE)x" };
	struct hilt_pattern *p;
	char err[256];

	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		int rc = hilt_pattern_compile(refused[i], &p, err, sizeof(err));

		CHECK(rc == -EINVAL && strstr(err, "not supported"), "/%s/: rc %d, err [%s]",
		      refused[i], rc, rc ? err : "");
		if (!rc)
			hilt_pattern_free(p);
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(*accepted); i++)
		if (compile(accepted[i], &p) == 0)
			hilt_pattern_free(p);
	return 0;
}

/* The inputs the chunking fuzzer found (tests/fuzz/regress/matcher):
 * their own chunking, every split in two, byte by byte. */
static int fuzz_regressions(void)
{
	char dirpath[1024];
	DIR *dir;
	struct dirent *de;
	int files = 0;

	snprintf(dirpath, sizeof(dirpath), "%s/tests/fuzz/regress/matcher", source_dir());
	dir = opendir(dirpath);
	CHECK(dir != NULL, "cannot open %s", dirpath);
	if (!dir)
		return 1;
	while ((de = readdir(dir))) {
		char path[2048], why[512];
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		char *data = slurp(path, &len);
		struct mc_input in;

		CHECK(data != NULL, "cannot read %s", path);
		if (!data)
			continue;
		files++;
		CHECK(mc_parse((const uint8_t *)data, len, &in) == 0, "%s: not an input", de->d_name);
		struct mc_chunker *c = calloc(in.len + 3, sizeof(*c));
		size_t n = 0;

		c[n++] = (struct mc_chunker){ .how = MC_INPUT };
		c[n++] = (struct mc_chunker){ .how = MC_BYTES };
		for (size_t cut = 0; cut <= in.len; cut++)
			c[n++] = (struct mc_chunker){ .how = MC_SPLIT, .split = cut };
		int rc = mc_check(&in, c, n, why, sizeof(why));

		/* refused-*: an input whose pattern is now refused (or hits a
		 * limit) rather than searched wrongly. */
		if (strncmp(de->d_name, "refused-", 8) == 0)
			CHECK(rc == 77, "%s: runs, yet its pattern should be refused", de->d_name);
		else
			CHECK(rc != 77, "%s: does not run (a pattern does not compile or hits a limit)",
			      de->d_name);
		CHECK(rc != 1, "%s: %s", de->d_name, why);
		free(c);
		free(data);
	}
	closedir(dir);
	CHECK(files >= 2, "only %d regression inputs in %s", files, dirpath);
	printf("     %d fuzzer regression inputs\n", files);
	return 0;
}

static int bad_regex_offset(void)
{
	struct hilt_pattern *p = NULL;
	char err[256];
	int rc = hilt_pattern_compile("abc(def", &p, err, sizeof(err));

	CHECK(rc == -EINVAL, "rc %d", rc);
	CHECK(strstr(err, "offset 7") != NULL, "err [%s]", err);
	return 0;
}

static int long_line_bounded(void)
{
	/* 64 MiB without a newline against a pattern that keeps a partial
	 * match open: the window stays bounded and the match after it is
	 * still found. */
	struct hilt_pattern *p;
	struct hilt_matcher *m;
	char chunk[65536];
	struct hilt_match mt;
	int found = 0;

	if (compile("^x+END|READY", &p))
		return 1;
	hilt_matcher_new(64 * 1024, &m);
	hilt_matcher_watch(m, p, 1, 0);
	memset(chunk, 'x', sizeof(chunk));
	/* The first 64 KiB fill the window and whatever pcre2 allocates for
	 * a match in progress: growth is measured from there, at its highest
	 * over the next 63 MiB (sampled every MiB). */
	for (size_t off = 0; off < sizeof(chunk);) {
		off += hilt_matcher_feed(m, chunk + off, sizeof(chunk) - off);
		found |= hilt_matcher_next(m, &mt) == 1;
	}
	long before = rss_kb(), grown = 0;

	CHECK(before > 0, "cannot read /proc/self/statm");
	for (int i = 1; i < 1024; i++) {
		for (size_t off = 0; off < sizeof(chunk);) {
			off += hilt_matcher_feed(m, chunk + off, sizeof(chunk) - off);
			found |= hilt_matcher_next(m, &mt) == 1;
		}
		if (i % 16 == 0) {
			long now = rss_kb();

			if (now - before > grown)
				grown = now - before;
		}
	}
	const char *tail = "\nREADY\n";

	for (size_t off = 0; off < strlen(tail);) {
		off += hilt_matcher_feed(m, tail + off, strlen(tail) - off);
		while (hilt_matcher_next(m, &mt) == 1)
			found = 1;
	}
	CHECK(found && mt.start == 64ull * 1024 * 1024 + 1, "READY not found at its offset");
	long now = rss_kb();

	if (now - before > grown)
		grown = now - before;
	/* The window is 64 KiB; 64 MiB kept would show as 64 MiB. */
	CHECK(grown < 1024, "resident memory grew by %ld KiB while 63 MiB went through", grown);
	printf("     64 MiB line: resident memory grew by %ld KiB\n", grown);
	hilt_matcher_free(m);
	hilt_pattern_free(p);
	return 0;
}

static int quote_is_literal(void)
{
	char q[128];
	struct hilt_pattern *p;
	const char *pieces[] = { "v=6.1.0+x (a|b) [c]\n", NULL };
	struct hilt_match mt;

	hilt_regex_quote("6.1.0+x (a|b) [c]", q, sizeof(q));
	if (compile(q, &p))
		return 1;
	hilt_pattern_free(p);
	CHECK(feed_pieces(q, pieces, &mt, NULL, 0) && mt.start == 2, "quoted text not matched");
	return 0;
}


/* Which default Linux failure pattern (if any) the text trips. */
static const char *failure_hit(const struct hilt_suite *suite, const char *text)
{
	struct hilt_matcher *m;
	struct hilt_match mt;
	const char *hit = NULL;

	hilt_matcher_new(64 * 1024, &m);
	for (size_t i = 0; i < suite->nfailures; i++)
		hilt_matcher_watch(m, suite->failures[i].pattern, (int)i, 0);
	for (size_t off = 0, len = strlen(text); off < len && !hit;) {
		off += hilt_matcher_feed(m, text + off, len - off);
		if (hilt_matcher_next(m, &mt) == 1)
			hit = suite->failures[mt.id].name;
	}
	hilt_matcher_free(m);
	return hit;
}

static struct hilt_suite *load_text(const char *xml)
{
	char path[] = "/tmp/hilt-test-suite-XXXXXX";
	int fd = mkstemp(path);
	struct hilt_suite *suite = NULL;
	char err[256];

	CHECK(fd >= 0 && write(fd, xml, strlen(xml)) == (ssize_t)strlen(xml), "temp suite");
	close(fd);
	int rc = hilt_suite_load(path, &suite, err, sizeof(err));

	unlink(path);
	CHECK(rc == 0, "%s", err);
	return rc ? NULL : suite;
}

/* With the kernel report reader on (a Linux suite's default), the linux
 * defaults it reads are no failure patterns: kernel-panic alone stays. */
static int kernel_reports_take_defaults(void)
{
	struct hilt_suite *suite =
		load_text("<suite name=\"s\"><milestone name=\"a\">x</milestone></suite>\n");

	if (!suite)
		return 1;
	CHECK(suite->kreports.enabled, "the reader is on by default");
	CHECK(suite->nfailures == 1 && !strcmp(suite->failures[0].name, "kernel-panic"),
	      "%zu failure patterns, the first %s", suite->nfailures,
	      suite->nfailures ? suite->failures[0].name : "none");
	CHECK(failure_hit(suite, "[ 3.0] BUG: kernel NULL pointer dereference, address: 0\n") == NULL,
	      "a BUG ends no session with the reader on");
	hilt_suite_free(suite);
	/* Without the linux defaults, no reader either. */
	suite = load_text("<suite name=\"s\"><failure-patterns defaults=\"uboot\"/>"
			  "<milestone name=\"a\">x</milestone></suite>\n");
	if (!suite)
		return 1;
	CHECK(!suite->kreports.enabled, "the reader is off without the linux defaults");
	hilt_suite_free(suite);
	return 0;
}

static int default_failure_patterns(void)
{
	/* The reader off: the linux defaults as they always were. */
	struct hilt_suite *suite = load_text("<suite name=\"s\"><kernel-reports enabled=\"false\"/>"
					     "<milestone name=\"a\">x</milestone></suite>\n");

	if (!suite)
		return 1;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[ 1.0] Kernel panic - not syncing: Attempted to kill init!\n", "kernel-panic" },
		{ "[ 2.0] Oops: 0002 [#1] PREEMPT SMP NOPTI\n", "oops" },
		{ "[ 3.0] BUG: kernel NULL pointer dereference, address: 0\n", "bug" },
		{ "[ 4.0] Unable to handle kernel paging request at virtual address 0\n", "unable-to-handle" },
		{ "[ 5.0] WARNING: CPU: 0 PID: 1 at mm/slab.c:1 f+0x1\n[ 5.1] Call Trace:\n[ 5.2] ---[ end trace 0000000000000000 ]---\n", "warning" },
		{ "[ 6.0] invalid opcode: 0000 [#1] SMP\n", "invalid-opcode" },
		/* Innocent lines that look alike. */
		{ "[ 7.0] DEBUG: probing bus\nOopsie\n", NULL },
		{ "[ 8.0] WARNING: this firmware is old\n[ 8.1] all good\n", NULL },
		{ "[ 9.0] panic=-1 set; Kernel panicked? no\n", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *hit = failure_hit(suite, cases[i].text);

		CHECK((hit == NULL) == (cases[i].want == NULL) &&
		      (!hit || strcmp(hit, cases[i].want) == 0),
		      "case %zu: got %s, want %s", i, hit ? hit : "none",
		      cases[i].want ? cases[i].want : "none");
	}
	hilt_suite_free(suite);
	return 0;
}

/* Runs patterns over text in chunks; every match is recorded and its
 * pattern watched again from the match end; pattern 0 is only watched
 * after the first match of any other (as a session adds milestones). */
static size_t run_set(struct hilt_pattern **pats, size_t npats, const char *text,
		      size_t len, bool prefilter, uint64_t seed, struct event *ev,
		      size_t maxev)
{
	struct hilt_matcher *m;
	size_t n = 0, off = 0;
	bool late_added = false;
	uint64_t state = seed;

	hilt_matcher_new(1024, &m);
	hilt_matcher_set_prefilter(m, prefilter);
	/* Re-key the literals somewhere in the middle of the text. */
	hilt_matcher_set_learning(m, 64 + seed % 1500);
	for (size_t i = 1; i < npats; i++)
		hilt_matcher_watch(m, pats[i], (int)i, 0);
	while (off < len && n < maxev) {
		size_t want = seed ? random_chunk(&state) % 23 + 1 : len;

		if (want > len - off)
			want = len - off;
		off += hilt_matcher_feed(m, text + off, want);
		struct hilt_match mt;

		while (n < maxev && hilt_matcher_next(m, &mt) == 1) {
			ev[n].id = mt.id;
			ev[n].start = mt.start;
			ev[n].end = mt.end;
			n++;
			if (!late_added) {
				late_added = true;
				hilt_matcher_watch(m, pats[0], 0, mt.start);
			}
		}
	}
	hilt_matcher_free(m);
	return n;
}

static int prefilter_changes_nothing(void)
{
	static const char *const patterns[] = {
		"ab", "^ab", "\\bab", "(?s)ab.c", "ab+c", "abc?d", "a|b", "ab(c|d)x",
		"ab\\d+", "abab", "aab", "x\\[y", "ba$", "^ \\[", "dab.*c", "cd\\b",
		"(?m)^xa", "abcabd", "b\\]a", "ab[cd]{2}", "y\\ny", "ab(?=c)", "xx+",
	};
	const size_t np = sizeof(patterns) / sizeof(*patterns);
	struct hilt_pattern *pats[sizeof(patterns) / sizeof(*patterns)];
	static const char alphabet[] = "abcdxy\n [0]";
	char text[3000];
	struct event ref[512], got[512];

	for (size_t i = 0; i < np; i++)
		if (compile(patterns[i], &pats[i]))
			return 1;
	for (uint64_t round = 1; round <= 300; round++) {
		uint64_t state = round * 0x2545f4914f6cdd1dull;
		size_t len = 200 + (size_t)(random_chunk(&state) * 7 % 2500);
		/* Six patterns at a time, one of them watched late. */
		struct hilt_pattern *set[6];

		for (size_t i = 0; i < len; i++)
			text[i] = alphabet[random_chunk(&state) % (sizeof(alphabet) - 1)];
		for (size_t i = 0; i < 6; i++)
			set[i] = pats[random_chunk(&state) % np];
		size_t nwhole = run_set(set, 6, text, len, false, 0, ref, 512);

		for (uint64_t seed = 0; seed < 4; seed++) {
			uint64_t chunking = seed ? seed * 77 + round : 0;
			struct event plain[512];
			size_t nplain = seed ? run_set(set, 6, text, len, false, chunking, plain, 512)
					     : nwhole;
			size_t n = run_set(set, 6, text, len, true, chunking, got, 512);
			bool same = n == nplain;

			if (!seed)
				memcpy(plain, ref, sizeof(plain));
			/* Same chunking: the prefilter must change nothing at all. */
			for (size_t i = 0; same && i < n; i++)
				same = got[i].id == plain[i].id && got[i].start == plain[i].start &&
				       got[i].end == plain[i].end;
			CHECK(same, "round %llu seed %llu: %zu events with the prefilter, %zu without",
			      (unsigned long long)round, (unsigned long long)seed, n, nplain);
			/* Any chunking: each pattern matches at the same offsets as
			 * in one piece (reports of different patterns that end at
			 * once may interleave differently). */
			for (int id = 0; id < 6; id++) {
				size_t a = 0, b = 0;

				for (;;) {
					while (a < n && got[a].id != id)
						a++;
					while (b < nwhole && ref[b].id != id)
						b++;
					if (a == n || b == nwhole) {
						CHECK(a == n && b == nwhole, "round %llu seed %llu: pattern %d: match counts differ",
						      (unsigned long long)round, (unsigned long long)seed, id);
						break;
					}
					CHECK(got[a].start == ref[b].start && got[a].end == ref[b].end,
					      "round %llu seed %llu: pattern %d at %llu, in one piece at %llu",
					      (unsigned long long)round, (unsigned long long)seed, id,
					      (unsigned long long)got[a].start, (unsigned long long)ref[b].start);
					a++;
					b++;
				}
			}
		}
	}
	for (size_t i = 0; i < np; i++)
		hilt_pattern_free(pats[i]);
	return 0;
}

static int ansi_stripped_anywhere(void)
{
	/* A coloured prompt, a window title (OSC ... BEL), a DCS string ended
	 * by ST, a cursor query and a charset switch, then plain text. */
	static const char in[] =
		"\x1b[1;32mroot@dev\x1b[0m:~# \x1b]0;dev: ~\x07ls\r\n"
		"\x1bP1$r0m\x1b\\ok \x1b[6n\x1b(Bdone\x1b[?25h\n";
	static const char want[] = "root@dev:~# ls\r\nok done\n";
	const size_t n = sizeof(in) - 1;

	/* Every split into two chunks, and byte by byte. */
	for (size_t cut = 0; cut <= n; cut++) {
		struct hilt_ansi st = { 0 };
		char out[sizeof(in)];
		size_t o = hilt_ansi_strip(&st, in, cut, out);

		o += hilt_ansi_strip(&st, in + cut, n - cut, out + o);
		CHECK(o == sizeof(want) - 1 && memcmp(out, want, o) == 0,
		      "cut at %zu: got [%.*s]", cut, (int)o, out);
	}
	struct hilt_ansi st = { 0 };
	char out[sizeof(in)];
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		o += hilt_ansi_strip(&st, in + i, 1, out + o);
	CHECK(o == sizeof(want) - 1 && memcmp(out, want, o) == 0, "byte by byte");
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "boot log: same verdicts for every chunking", boot_log_chunking },
		{ "panic log: same verdicts for every chunking", panic_log_chunking },
		{ "pattern split across chunks", split_across_chunks },
		{ "greedy match waits for more bytes", greedy_waits_for_more },
		{ "^...$ on \\r\\n lines", crlf_lines },
		{ "^ does not match mid-line at a chunk edge", anchor_mid_line },
		{ "no blank line where a read ends between \\r and \\n", blank_line_across_crlf },
		{ "\\r^$ at the start however cut", caret_after_cr },
		{ "$ at the end of the output waits for its end", end_of_stream_decides },
		{ "\\G and (*COMMIT) refused", search_start_refused },
		{ "fuzzer regression inputs, cut everywhere", fuzz_regressions },
		{ "bad regex reports its offset", bad_regex_offset },
		{ "64 MiB line: bounded memory", long_line_bounded },
		{ "quoted values match literally", quote_is_literal },
		{ "default Linux failure patterns", default_failure_patterns },
		{ "the kernel report reader takes the defaults it reads", kernel_reports_take_defaults },
		{ "the literal prefilter changes no result", prefilter_changes_nothing },
		{ "escape sequences stripped however split", ansi_stripped_anywhere },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
