/* The streaming JUnit reader (reports/jread.c): what it keeps of texts
 * longer than its caps (the start of a verdict's text and of a case's
 * system-out, cut at a character; the end of a suite's system-out), of
 * properties beyond their cap, of nested suites, CDATA and escaped
 * attributes; and what it refuses, with the line. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "reports/jread.h"

static char path[64];

struct seen {
	size_t cases, suites;
	char names[16][64];
	enum hilt_jverdict verdict[16];
	char message[16][128];
	size_t detail_len[16], detail_total[16], out_len[16];
	char detail_end[16][8];
	char out_start[16][8];
	unsigned flaky[16], reruns[16];
	char suite_name[8][64];
	unsigned depth[8];
	size_t nprops[8], dropped[8], suite_out_len[8], suite_out_total[8];
	char suite_out_start[8][8], suite_out_end[8][8];
	int stop_after;
};

static int on_case(void *arg, const struct hilt_jsuite *s, const struct hilt_jcase *c)
{
	struct seen *w = arg;
	size_t i = w->cases++;

	(void)s;
	if (i >= 16)
		return 0;
	snprintf(w->names[i], sizeof(w->names[i]), "%s", c->name);
	w->verdict[i] = c->verdict;
	snprintf(w->message[i], sizeof(w->message[i]), "%s", c->message ? c->message : "");
	w->detail_len[i] = c->detail.len;
	w->detail_total[i] = c->detail.total;
	if (c->detail.s && c->detail.len >= 3)
		memcpy(w->detail_end[i], c->detail.s + c->detail.len - 3, 3);
	w->out_len[i] = c->out.len;
	if (c->out.s)
		snprintf(w->out_start[i], sizeof(w->out_start[i]), "%s", c->out.s);
	w->flaky[i] = c->flaky;
	w->reruns[i] = c->reruns;
	return w->stop_after && w->cases == (size_t)w->stop_after ? -ECANCELED : 0;
}

static int on_suite(void *arg, const struct hilt_jsuite *s)
{
	struct seen *w = arg;
	size_t i = w->suites++;

	if (i >= 8)
		return 0;
	snprintf(w->suite_name[i], sizeof(w->suite_name[i]), "%s", s->name);
	w->depth[i] = s->depth;
	w->nprops[i] = s->nprops;
	w->dropped[i] = s->props_dropped;
	w->suite_out_len[i] = s->out.len;
	w->suite_out_total[i] = s->out.total;
	if (s->out.s) {
		snprintf(w->suite_out_start[i], sizeof(w->suite_out_start[i]), "%s", s->out.s);
		if (s->out.len >= 3)
			memcpy(w->suite_out_end[i], s->out.s + s->out.len - 3, 3);
	}
	return 0;
}

static const struct hilt_jread_ops ops = { on_case, on_suite };

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static int read_it(struct seen *w, char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	return hilt_jread_file(path, &ops, w, err, errlen);
}

/* Texts beyond the caps: a verdict's text of 40 000 "é" (two bytes each)
 * is cut to the cap at a character; a suite's system-out keeps its end. */
static int test_caps(void)
{
	FILE *f = fopen(path, "w");
	struct seen w;
	char err[512];

	fputs("<testsuites><testsuite name=\"s\"><properties>", f);
	for (int i = 0; i < HILT_JREAD_PROPS_MAX + 5; i++)
		fprintf(f, "<property name=\"p%d\" value=\"%d\"/>", i, i);
	fputs("</properties><testcase name=\"big\"><failure message=\"m\">x", f);
	for (int i = 0; i < 40000; i++)
		fputs("\xc3\xa9", f);
	fputs("</failure><system-out>OUT", f);
	for (int i = 0; i < 100000; i++)
		fputc('o', f);
	fputs("</system-out></testcase><system-out>HEAD", f);
	for (int i = 0; i < 100000; i++)
		fputc('t', f);
	fputs("END</system-out></testsuite></testsuites>", f);
	fclose(f);

	CHECK(read_it(&w, err, sizeof(err)) == 0, "%s", err);
	CHECK(w.cases == 1 && w.suites == 1, "%zu cases, %zu suites", w.cases, w.suites);
	CHECK(w.verdict[0] == HILT_JFAIL, "verdict %d", w.verdict[0]);
	CHECK(w.detail_total[0] == 80001, "detail total %zu", w.detail_total[0]);
	CHECK(w.detail_len[0] <= HILT_JREAD_TEXT_MAX && w.detail_len[0] >= HILT_JREAD_TEXT_MAX - 2,
	      "detail kept %zu", w.detail_len[0]);
	/* "x" then whole "é": the kept length is odd and ends in one */
	CHECK(w.detail_len[0] % 2 == 1 && !strcmp(w.detail_end[0] + 1, "\xc3\xa9"),
	      "cut inside a character (len %zu)", w.detail_len[0]);
	CHECK(w.out_len[0] == HILT_JREAD_TEXT_MAX && !strncmp(w.out_start[0], "OUT", 3),
	      "case out %zu '%s'", w.out_len[0], w.out_start[0]);
	CHECK(w.nprops[0] == HILT_JREAD_PROPS_MAX && w.dropped[0] == 5, "props %zu + %zu",
	      w.nprops[0], w.dropped[0]);
	CHECK(w.suite_out_total[0] == 100007, "suite out total %zu", w.suite_out_total[0]);
	CHECK(w.suite_out_len[0] == HILT_JREAD_TEXT_MAX && !strcmp(w.suite_out_end[0], "END") &&
		      w.suite_out_start[0][0] == 't',
	      "suite out: %zu bytes, '%s'...'%s'", w.suite_out_len[0], w.suite_out_start[0],
	      w.suite_out_end[0]);
	return 0;
}

/* Nested suites, CDATA, escaped attributes, rerun and flaky elements, a
 * failure beside an error (pytest's teardown), a bare <testsuite> root. */
static int test_shapes(void)
{
	struct seen w;
	char err[512];

	write_file("<?xml version=\"1.0\"?>\n<testsuites>\n"
		   "<testsuite name=\"outer\">\n"
		   " <testsuite name=\"inner\"><testcase name=\"a &amp; b\">"
		   "<error message=\"teardown\"/><failure message=\"x &lt; y &#38; z\"/>"
		   "</testcase></testsuite>\n"
		   " <testcase name=\"c\"><flakyFailure message=\"1\"/><flakyError message=\"2\"/>"
		   "<system-out><![CDATA[<raw> & text]]></system-out></testcase>\n"
		   " <testcase name=\"d\"><rerunFailure/><skipped/></testcase>\n"
		   "</testsuite>\n</testsuites>\n");
	CHECK(read_it(&w, err, sizeof(err)) == 0, "%s", err);
	CHECK(w.cases == 3 && w.suites == 2, "%zu cases, %zu suites", w.cases, w.suites);
	CHECK(!strcmp(w.names[0], "a & b") && w.verdict[0] == HILT_JFAIL &&
		      !strcmp(w.message[0], "x < y & z"),
	      "'%s' %d '%s'", w.names[0], w.verdict[0], w.message[0]);
	CHECK(!strcmp(w.suite_name[0], "inner") && w.depth[0] == 1, "inner: '%s' depth %u",
	      w.suite_name[0], w.depth[0]);
	CHECK(!strcmp(w.suite_name[1], "outer") && w.depth[1] == 0, "outer");
	CHECK(w.verdict[1] == HILT_JPASS && w.flaky[1] == 2 && !strcmp(w.out_start[1], "<raw> &"),
	      "c: %d %u '%s'", w.verdict[1], w.flaky[1], w.out_start[1]);
	CHECK(w.verdict[2] == HILT_JSKIP && w.reruns[2] == 1, "d");

	write_file("<testsuite name=\"bare\"><testcase name=\"one\"/></testsuite>");
	CHECK(read_it(&w, err, sizeof(err)) == 0 && w.cases == 1 && !strcmp(w.suite_name[0], "bare"),
	      "bare root: %s", err);
	return 0;
}

static int test_refused(void)
{
	static const struct {
		const char *xml, *want;
	} bad[] = {
		{ "<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\">", ":3: " },
		{ "<suite/>", ":1: not a JUnit report: its root is <suite>" },
		{ "<testsuites>\n<testcase name=\"x\"/></testsuites>", ":2: <testcase> outside" },
		{ "<testsuites><testsuite>\n\n<testcase/></testsuite></testsuites>",
		  ":3: <testcase> without a name" },
		{ "<!DOCTYPE x [<!ENTITY e \"boom\">]><testsuites/>", "DOCTYPE is not read" },
		{ "", "empty" },
		{ "<testsuites><testsuite name=\"s\"><testcase name=\"a\" time=\"1\"/>"
		  "</testsuite></testsuites>trailing",
		  "malformed XML" },
	};
	struct seen w;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i].xml);
		err[0] = '\0';
		CHECK(read_it(&w, err, sizeof(err)) == -EINVAL && strstr(err, bad[i].want) &&
			      !strncmp(err, path, strlen(path)),
		      "case %zu: '%s', want '%s'", i, err, bad[i].want);
	}
	CHECK(hilt_jread_file("/nonexistent/x.xml", &ops, &w, err, sizeof(err)) == -ENOENT &&
		      strstr(err, "/nonexistent/x.xml: No such file"),
	      "%s", err);
	/* A callback's status stops the reading and is returned. */
	write_file("<testsuite name=\"s\"><testcase name=\"a\"/><testcase name=\"b\"/>"
		   "<testcase name=\"c\"/></testsuite>");
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	CHECK(hilt_jread_file(path, &ops, &w, err, sizeof(err)) == -ECANCELED && w.cases == 2,
	      "stopped after %zu", w.cases);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "caps", test_caps },
		{ "shapes", test_shapes },
		{ "refused", test_refused },
	};
	int fd;

	snprintf(path, sizeof(path), "/tmp/hilt-jread-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	int rc = check_run_all(tests, sizeof(tests) / sizeof(tests[0]));

	unlink(path);
	return rc;
}
