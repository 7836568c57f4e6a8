/* The JUnit writer (reports/junit.c): its document is byte for byte what
 * it was before sessions were serialized one at a time (the expected
 * files in tests/data/junit/ were written by the writer that serialized
 * every session at each write); a hilt_junit flushed after every session
 * writes what hilt_junit_write writes of the same sessions; earlier
 * attempts come out as Surefire's flaky and rerun elements; every
 * document validates against tests/junit-hilt.xsd. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "reports/junit.h"
#include "reports/result.h"

static char dir[64];
static char path_a[128], path_b[128];
static xmlSchemaPtr schema;

/* Results of every shape the writer meets, built by hand. */
static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static struct hilt_session_result *new_result(const char *suite, const char *target,
					      const char *timestamp, double time_s)
{
	struct hilt_session_result *r = calloc(1, sizeof(*r));

	r->suite = dup_or_null(suite);
	r->target = dup_or_null(target);
	r->timestamp = dup_or_null(timestamp);
	r->time_s = time_s;
	r->attempt = 1;
	return r;
}

static struct hilt_case_result *add_case(struct hilt_session_result *r, const char *name,
					 enum hilt_verdict v, const char *type,
					 const char *message, const char *detail, double time_s)
{
	struct hilt_case_result *c;

	r->cases = realloc(r->cases, (r->ncases + 1) * sizeof(*r->cases));
	c = &r->cases[r->ncases++];
	*c = (struct hilt_case_result){
		.name = dup_or_null(name), .verdict = v, .type = dup_or_null(type), .message = dup_or_null(message),
		.detail = dup_or_null(detail), .time_s = time_s, .at_s = time_s,
	};
	return c;
}

/* A boot that failed at a panic: properties, the three verdicts, device
 * bytes hostile to XML in the tail (NUL, invalid UTF-8, ESC, CR). */
static struct hilt_session_result *result_panic(void)
{
	static const char tail[] = "boot\r\n\0nul \xff bad \x1b[0m <&> \"q\"\n";
	struct hilt_session_result *r = new_result("linux-boot", "replay:boot",
						   "2026-01-02T03:04:05", 12.3456);

	hilt_result_add_property(r, "suite.file", "suites/linux-boot.xml");
	hilt_result_add_property(r, "capture.kernel_version", "6.1 <\"&'>");
	add_case(r, "kernel-banner", HILT_PASS, NULL, NULL, NULL, 1.5);
	add_case(r, "init-started", HILT_FAIL, "failure-pattern",
		 "failure pattern 'kernel-panic' matched: Kernel panic \x1b[31m",
		 "line1\r\nline2 <tag> & \"q\"\n", 2.25);
	add_case(r, "network-up", HILT_SKIP, "not-run", "not run", NULL, 0);
	r->console_tail = malloc(sizeof(tail) - 1);
	memcpy(r->console_tail, tail, sizeof(tail) - 1);
	r->console_tail_len = sizeof(tail) - 1;
	r->diagnostics = dup_or_null("qemu: warning: host doesn't support requested feature\n");
	return r;
}

/* An infrastructure error: no timestamp, a negative time, a case with
 * output, an empty diagnostics string. */
static struct hilt_session_result *result_error(void)
{
	struct hilt_session_result *r = new_result("http-hello", "default", NULL, 0);
	struct hilt_case_result *c = add_case(r, "http-get", HILT_ERROR, "qemu-died",
					      "QEMU exited with status 1", NULL, 0.0004);

	c->output = dup_or_null("HTTP/1.0 200 OK\r\n\r\nhello\n");
	r->diagnostics = dup_or_null("");
	return r;
}

static struct hilt_session_result *result_empty(void)
{
	return new_result("empty", "t", "2026-01-02T03:04:06", 0.5);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 > cap) {
			char *b = realloc(buf, cap = 2 * cap + 4096);

			if (!b)
				abort();
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		if (!got)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The expected file of tests/data/junit/, with this host's name where it
 * says @HOSTNAME@. */
static char *expected(const char *name)
{
	static const char mark[] = "@HOSTNAME@";
	const char *src = getenv("HILT_SOURCE_DIR");
	char path[512], host[256] = "localhost";
	size_t len, o = 0, marks = 0;
	char *text, *out;

	snprintf(path, sizeof(path), "%s/tests/data/junit/%s", src ? src : ".", name);
	text = slurp(path, &len);
	if (!text)
		return NULL;
	gethostname(host, sizeof(host) - 1);
	for (const char *p = text; (p = strstr(p, mark)); p += strlen(mark))
		marks++;
	out = malloc(len + marks * strlen(host) + 1);
	for (const char *p = text;;) {
		const char *at = strstr(p, mark);
		size_t n = at ? (size_t)(at - p) : strlen(p);

		memcpy(out + o, p, n);
		o += n;
		if (!at)
			break;
		memcpy(out + o, host, strlen(host));
		o += strlen(host);
		p = at + strlen(mark);
	}
	out[o] = '\0';
	free(text);
	return out;
}

/* Results as the scheduler hands them over. */
#define RESULTS(a) ((const struct hilt_session_result *const *)(a))

/* Whether the file at path holds exactly want; says where it differs. */
static bool holds(const char *path, const char *want)
{
	size_t len, i = 0;
	char *got = slurp(path, &len);
	bool same;

	if (!got) {
		fprintf(stderr, "cannot read %s\n", path);
		return false;
	}
	while (i < len && want[i] && got[i] == want[i])
		i++;
	same = i == len && !want[i];
	if (!same)
		fprintf(stderr, "%s differs at byte %zu: got \"%.40s\", expected \"%.40s\"\n",
			path, i, got + i, want + i);
	free(got);
	return same;
}

static bool same_files(const char *a, const char *b)
{
	size_t len;
	char *want = slurp(b, &len);
	bool same = want && holds(a, want);

	free(want);
	return same;
}

static bool valid(const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
	bool ok = doc && v && xmlSchemaValidateDoc(v, doc) == 0;

	xmlSchemaFreeValidCtxt(v);
	xmlFreeDoc(doc);
	return ok;
}

static void free_all(struct hilt_session_result **r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hilt_session_result_free(r[i]);
}

static int same_as_before(void)
{
	struct hilt_session_result *r[] = { result_panic(), result_error(), result_empty() };
	char err[256] = "", *want;

	CHECK(hilt_junit_write(path_a, RESULTS(r), 3, err, sizeof(err)) == 0, "%s", err);
	want = expected("writer-three-sessions.xml");
	CHECK(want && holds(path_a, want), "three sessions");
	CHECK(valid(path_a), "three sessions do not validate");
	free(want);

	CHECK(hilt_junit_write(path_a, NULL, 0, err, sizeof(err)) == 0, "%s", err);
	want = expected("writer-no-session.xml");
	CHECK(want && holds(path_a, want), "no session");
	CHECK(valid(path_a), "no session does not validate");
	free(want);
	free_all(r, 3);
	return 0;
}

static int flushed_after_each_session(void)
{
	struct hilt_session_result *r[] = {
		result_panic(), result_error(), result_empty(), result_panic(),
	};
	struct hilt_junit *j;
	char err[256] = "", *want;

	unlink(path_a);
	CHECK(hilt_junit_new(path_a, &j) == 0, "new");
	CHECK(access(path_a, F_OK) < 0 && errno == ENOENT, "written before a flush");
	CHECK(hilt_junit_flush(j, err, sizeof(err)) == 0, "%s", err);
	want = expected("writer-no-session.xml");
	CHECK(want && holds(path_a, want), "flushed with no session");
	free(want);
	for (size_t i = 0; i < 3; i++) {
		CHECK(hilt_junit_add(j, r[i], err, sizeof(err)) == 0, "%s", err);
		CHECK(hilt_junit_flush(j, err, sizeof(err)) == 0, "%s", err);
		CHECK(hilt_junit_write(path_b, RESULTS(r), i + 1, err, sizeof(err)) == 0, "%s", err);
		CHECK(same_files(path_a, path_b), "after %zu sessions", i + 1);
		CHECK(valid(path_a), "after %zu sessions: not valid", i + 1);
	}
	/* A result need not outlive its add (ASan sees any later use). */
	struct hilt_session_result *gone = result_panic();

	CHECK(hilt_junit_add(j, gone, err, sizeof(err)) == 0, "%s", err);
	hilt_session_result_free(gone);
	CHECK(hilt_junit_flush(j, err, sizeof(err)) == 0, "%s", err);
	CHECK(hilt_junit_write(path_b, RESULTS(r), 4, err, sizeof(err)) == 0, "%s", err);
	CHECK(same_files(path_a, path_b), "after a freed result");
	/* A flush again, with nothing new, writes the same. */
	CHECK(hilt_junit_flush(j, err, sizeof(err)) == 0, "%s", err);
	CHECK(same_files(path_a, path_b), "flushed twice");
	CHECK(access(path_a, F_OK) == 0, "gone");
	hilt_junit_free(j);
	free_all(r, 4);
	return 0;
}

/* A flush that fails says where and why, keeps the sessions added, and a
 * later one writes them all. */
static int failed_flush(void)
{
	struct hilt_session_result *r[] = { result_panic(), result_error() };
	char path[192], want_err[256], err[256] = "";
	struct hilt_junit *j;

	snprintf(path, sizeof(path), "%s/later/junit.xml", dir);
	snprintf(want_err, sizeof(want_err), "cannot write %s.tmp: No such file or directory", path);
	CHECK(hilt_junit_new(path, &j) == 0, "new");
	CHECK(hilt_junit_add(j, r[0], err, sizeof(err)) == 0, "%s", err);
	CHECK(hilt_junit_flush(j, err, sizeof(err)) == -ENOENT, "flush into no folder");
	CHECK(!strcmp(err, want_err), "error: %s", err);
	CHECK(hilt_junit_add(j, r[1], err, sizeof(err)) == 0, "%s", err);
	snprintf(want_err, sizeof(want_err), "%s/later", dir);
	CHECK(mkdir(want_err, 0755) == 0, "mkdir");
	CHECK(hilt_junit_flush(j, err, sizeof(err)) == 0, "%s", err);
	CHECK(hilt_junit_write(path_b, RESULTS(r), 2, err, sizeof(err)) == 0, "%s", err);
	CHECK(same_files(path, path_b), "the later flush");
	snprintf(want_err, sizeof(want_err), "%s.tmp", path);
	CHECK(access(want_err, F_OK) < 0, "a temporary file is left");
	hilt_junit_free(j);
	free_all(r, 2);
	return 0;
}

/* A session of no known length (a negative time) adds nothing to the
 * totals, which stay valid. */
static int negative_time(void)
{
	struct hilt_session_result *r[] = { new_result("s", "t", "2026-01-01T00:00:00", -2) };
	char err[256] = "";
	size_t len;
	char *doc;

	add_case(r[0], "c", HILT_PASS, NULL, NULL, NULL, -1);
	CHECK(hilt_junit_write(path_a, RESULTS(r), 1, err, sizeof(err)) == 0, "%s", err);
	doc = slurp(path_a, &len);
	CHECK(doc && strstr(doc, "<testsuites name=\"hilt\" tests=\"1\" failures=\"0\" errors=\"0\" "
			   "time=\"0.000\">"), "root: %.200s", doc ? doc : "");
	CHECK(valid(path_a), "not valid");
	free(doc);
	free_all(r, 1);
	return 0;
}

static void add_attempt(struct hilt_case_result *c, unsigned attempt, enum hilt_verdict v,
			const char *type, const char *message, const char *detail,
			const char *target, const char *log)
{
	struct hilt_case_attempt a = {
		.verdict = v, .type = (char *)type, .message = (char *)message,
		.detail = (char *)detail, .time_s = 1.25 * attempt, .attempt = attempt,
		.target = (char *)target, .console_log = (char *)log,
	};

	if (hilt_case_add_earlier(c, &a))
		abort();
}

static xmlNode *child(xmlNode *parent, const char *name, const char *attr_name)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name))
			continue;
		if (!attr_name)
			return n;
		xmlChar *v = xmlGetProp(n, BAD_CAST "name");
		bool match = v && !strcmp((const char *)v, attr_name);

		xmlFree(v);
		if (match)
			return n;
	}
	return NULL;
}

/* The names of the child elements of n, "a,b,c". */
static void element_names(xmlNode *n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "",
						 (const char *)c->name);
}

static bool attr_is(xmlNode *n, const char *name, const char *want)
{
	xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;
	bool same = v && !strcmp((const char *)v, want);

	if (!same)
		fprintf(stderr, "%s=\"%s\", expected \"%s\"\n", name, v ? (const char *)v : "(none)",
			want);
	xmlFree(v);
	return same;
}

static bool text_is(xmlNode *n, const char *want)
{
	xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
	bool same = v && !strcmp((const char *)v, want);

	if (!same)
		fprintf(stderr, "text \"%s\", expected \"%s\"\n", v ? (const char *)v : "(none)", want);
	xmlFree(v);
	return same;
}

/* The case kernel-banner passed on the third attempt, after a failure on
 * qemu-a and an error on qemu-b: flaky.  The others did not pass in the
 * end: their earlier attempts are reruns. */
static int reruns_and_flaky(void)
{
	struct hilt_session_result *r[] = {
		new_result("linux-boot", "qemu-b", "2026-01-02T03:04:05", 20),
	};
	struct hilt_case_result *c;
	char err[256] = "", names[256];

	r[0]->attempt = 3;
	hilt_result_add_property(r[0], "attempts", "3");
	c = add_case(r[0], "kernel-banner", HILT_PASS, NULL, NULL, NULL, 1);
	add_attempt(c, 1, HILT_FAIL, "failure-pattern", "panic \x1b[1m", "Kernel panic <x> &\r\n",
		    "qemu-a", "out/linux-boot@qemu-a.console.log");
	add_attempt(c, 2, HILT_ERROR, "qemu-died", "QEMU died", NULL, "qemu-b", NULL);
	c = add_case(r[0], "shell-prompt", HILT_FAIL, "milestone-timeout", "not seen", NULL, 30);
	add_attempt(c, 1, HILT_FAIL, NULL, NULL, NULL, "qemu-a", "a.log");
	c = add_case(r[0], "network-up", HILT_ERROR, "qemu-died", "QEMU died", NULL, 0);
	add_attempt(c, 2, HILT_ERROR, "qemu-died", "QEMU died", "stderr", "qemu-b", "b.log");
	c = add_case(r[0], "httpd-started", HILT_SKIP, "not-run", "not run", NULL, 0);
	add_attempt(c, 1, HILT_ERROR, "qemu-died", "QEMU died", NULL, "qemu-a", "a.log");
	add_case(r[0], "uname", HILT_PASS, NULL, NULL, NULL, 0.5);

	CHECK(hilt_junit_write(path_a, RESULTS(r), 1, err, sizeof(err)) == 0, "%s", err);
	CHECK(valid(path_a), "reruns do not validate");

	xmlDocPtr doc = xmlReadFile(path_a, NULL, XML_PARSE_NONET);
	xmlNode *suite = child(xmlDocGetRootElement(doc), "testsuite", "linux-boot@qemu-b");
	xmlNode *props = child(suite, "properties", NULL), *tc, *e;

	CHECK(suite, "no testsuite");
	/* A flaky case is not a failure; reruns are not counted either. */
	CHECK(attr_is(suite, "tests", "5") && attr_is(suite, "failures", "1") &&
	      attr_is(suite, "errors", "1") && attr_is(suite, "skipped", "1"), "suite counts");
	CHECK(attr_is(xmlDocGetRootElement(doc), "failures", "1"), "root failures");
	CHECK(attr_is(child(props, "property", "attempt"), "value", "3"), "attempt property");
	CHECK(attr_is(child(props, "property", "attempts"), "value", "3"), "attempts property");

	tc = child(suite, "testcase", "kernel-banner");
	element_names(tc, names, sizeof(names));
	CHECK(!strcmp(names, "flakyFailure,flakyError"), "kernel-banner: %s", names);
	e = child(tc, "flakyFailure", NULL);
	CHECK(attr_is(e, "type", "failure-pattern") && attr_is(e, "message", "panic \xe2\x90\x9b[1m"),
	      "flakyFailure attributes");
	element_names(e, names, sizeof(names));
	CHECK(!strcmp(names, "stackTrace,system-out"), "flakyFailure: %s", names);
	CHECK(text_is(child(e, "stackTrace", NULL), "Kernel panic <x> &\r\n"), "stackTrace");
	CHECK(text_is(child(e, "system-out", NULL),
		      "attempt 1 on qemu-a, 1.250 s; console log out/linux-boot@qemu-a.console.log"),
	      "flakyFailure system-out");
	e = child(tc, "flakyError", NULL);
	CHECK(attr_is(e, "type", "qemu-died") && attr_is(e, "message", "QEMU died"), "flakyError");
	CHECK(text_is(child(e, "stackTrace", NULL), ""), "empty stackTrace");
	CHECK(text_is(child(e, "system-out", NULL), "attempt 2 on qemu-b, 2.500 s; console log (none)"),
	      "flakyError system-out");

	tc = child(suite, "testcase", "shell-prompt");
	element_names(tc, names, sizeof(names));
	CHECK(!strcmp(names, "failure,rerunFailure"), "shell-prompt: %s", names);
	/* An attempt of no type still has one: the schemas require it. */
	CHECK(attr_is(child(tc, "rerunFailure", NULL), "type", "failure") &&
	      attr_is(child(tc, "rerunFailure", NULL), "message", ""), "untyped rerunFailure");

	tc = child(suite, "testcase", "network-up");
	element_names(tc, names, sizeof(names));
	CHECK(!strcmp(names, "error,rerunError"), "network-up: %s", names);
	CHECK(text_is(child(child(tc, "rerunError", NULL), "stackTrace", NULL), "stderr"), "detail");

	tc = child(suite, "testcase", "httpd-started");
	element_names(tc, names, sizeof(names));
	CHECK(!strcmp(names, "skipped,rerunError"), "httpd-started: %s", names);

	element_names(child(suite, "testcase", "uname"), names, sizeof(names));
	CHECK(!strcmp(names, ""), "uname: %s", names);
	xmlFreeDoc(doc);

	/* The first attempt of a session says nothing of attempts. */
	r[0]->attempt = 1;
	CHECK(hilt_junit_write(path_a, RESULTS(r), 1, err, sizeof(err)) == 0, "%s", err);
	doc = xmlReadFile(path_a, NULL, XML_PARSE_NONET);
	props = child(child(xmlDocGetRootElement(doc), "testsuite", NULL), "properties", NULL);
	CHECK(props && !child(props, "property", "attempt"), "attempt property on attempt 1");
	xmlFreeDoc(doc);
	free_all(r, 1);
	return 0;
}

/* A failing and an erring case carry their evidence in <system-out>: the
 * console's last lines and attachment lines naming the console log and
 * the capture relative to the JUnit; a passing case carries none; a
 * session's own console tail is cut to its last 2 KiB at a line, and a
 * session that passed keeps none. */
static int evidence(void)
{
	struct hilt_session_result *r[] = { new_result("boot", "b1", "2026-01-02T03:04:05", 3),
					    new_result("ok", "b1", "2026-01-02T03:04:05", 3) };
	struct hilt_case_result *c;
	char err[256] = "", *doc = NULL, *tail = NULL;
	size_t len = 0;
	FILE *f;

	add_case(r[0], "banner", HILT_PASS, NULL, NULL, NULL, 1);
	c = add_case(r[0], "init", HILT_FAIL, "milestone-timeout", "not seen in 30 s", NULL, 31);
	c->excerpt = dup_or_null("[ 1.0] last words\r\n[ 1.1] <hang>\n");
	c->excerpt_len = strlen(c->excerpt);
	add_case(r[0], "net", HILT_ERROR, "infrastructure", "QEMU died", NULL, 0);
	if (asprintf(&r[0]->console_log, "%s/boot@b1.console.log", dir) < 0)
		return 1;
	hilt_result_add_property(r[0], "net.pcap", "boot@b1.pcap");
	/* 20 000 bytes of tail in lines of 100 */
	f = open_memstream(&tail, &len);
	for (int i = 0; i < 200; i++)
		fprintf(f, "%05d%094d\n", i, 0);
	fclose(f);
	r[0]->console_tail = tail;
	r[0]->console_tail_len = len;
	add_case(r[1], "fine", HILT_PASS, NULL, NULL, NULL, 1);
	r[1]->console_tail = dup_or_null("all good\n");
	r[1]->console_tail_len = 9;

	CHECK(hilt_junit_write(path_a, RESULTS(r), 2, err, sizeof(err)) == 0, "%s", err);
	CHECK(valid(path_a), "evidence does not validate");
	f = fopen(path_a, "r");
	len = 0;
	if (f && getdelim(&doc, &len, '\0', f) > 0) {
		CHECK(strstr(doc, "<testcase name=\"banner\" classname=\"boot@b1\" time=\"1.000\"/>"),
		      "a passing case with output");
		CHECK(strstr(doc, "--- the console's last lines when the case ended, at 31.000 s ---\n"
				  "[ 1.0] last words&#13;\n[ 1.1] &lt;hang&gt;\n---\n"
				  "[[ATTACHMENT|boot@b1.console.log]]\n[[ATTACHMENT|boot@b1.pcap]]\n"
				  "</system-out>"),
		      "failing case's evidence: %s", doc);
		/* the erring case: no excerpt of its own, the attachments */
		CHECK(strstr(doc, "<error message=\"QEMU died\" type=\"infrastructure\"/>\n"
				  "      <system-out>[[ATTACHMENT|boot@b1.console.log]]\n"),
		      "erring case's attachments");
		/* 2 KiB of tail from a line start: lines 180..199 */
		CHECK(strstr(doc, "<system-out>00180") && !strstr(doc, "00179"),
		      "suite tail not cut at 2 KiB on a line");
		CHECK(!strstr(doc, "all good"), "a passing session keeps its tail");
	} else {
		CHECK(0, "cannot read %s", path_a);
	}
	if (f)
		fclose(f);
	free(doc);
	free_all(r, 2);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The kernel report reader's findings: suite properties finding.N.*
 * (the line made inert) and findings.count, one failing test case per
 * title with the block as its text and the console log attached; a
 * session whose reader ran and found nothing says findings.count 0; one
 * without a reader says nothing. */
static int findings(void)
{
	struct hilt_session_result *r[] = { new_result("boot", "b1", "2026-01-02T03:04:05", 3),
					    new_result("boot", "b2", "2026-01-02T03:04:05", 3),
					    new_result("boot", "b3", "2026-01-02T03:04:05", 3) };
	struct hilt_finding_result f = {
		.title = "WARNING in __list_add_valid", .kind = "warning", .count = 3,
		.line = "[   12.3] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 \x1b[0m<x>",
		.block = "[   12.3] WARNING: CPU: 1\n[   12.4]  __list_add_valid+0xdc/0x110\n",
		.at_s = 12.5,
	};
	char err[256] = "", names[256];

	f.block_len = strlen(f.block);
	for (size_t i = 0; i < 3; i++)
		add_case(r[i], "banner", HILT_PASS, NULL, NULL, NULL, 1);
	if (asprintf(&r[0]->console_log, "%s/boot@b1.console.log", dir) < 0)
		return 1;
	r[0]->findings_read = r[1]->findings_read = true;
	hilt_result_add_finding(r[0], &f);
	f = (struct hilt_finding_result){ .title = "BUG: spinlock lockup suspected", .kind = "bug",
					  .count = 1, .line = "BUG: spinlock lockup suspected on CPU#0",
					  .block = "", .at_s = 13 };
	hilt_result_add_finding(r[0], &f);
	CHECK(hilt_junit_write(path_a, RESULTS(r), 3, err, sizeof(err)) == 0, "%s", err);
	CHECK(valid(path_a), "findings do not validate");

	xmlDocPtr doc = xmlReadFile(path_a, NULL, XML_PARSE_NONET);
	xmlNode *root = xmlDocGetRootElement(doc);
	xmlNode *suite = child(root, "testsuite", "boot@b1");
	xmlNode *props = child(suite, "properties", NULL), *tc, *e;

	CHECK(attr_is(suite, "tests", "3") && attr_is(suite, "failures", "2"), "suite counts");
	CHECK(attr_is(root, "tests", "5") && attr_is(root, "failures", "2"), "root counts");
	CHECK(attr_is(child(props, "property", "finding.1.title"), "value",
		      "WARNING in __list_add_valid"), "finding.1.title");
	CHECK(attr_is(child(props, "property", "finding.1.kind"), "value", "warning"), "kind");
	CHECK(attr_is(child(props, "property", "finding.1.count"), "value", "3"), "count");
	CHECK(attr_is(child(props, "property", "finding.1.line"), "value",
		      "[   12.3] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 \xe2\x90\x9b[0m<x>"),
	      "finding.1.line, inert");
	CHECK(attr_is(child(props, "property", "finding.2.kind"), "value", "bug"), "2nd kind");
	CHECK(attr_is(child(props, "property", "findings.count"), "value", "2"), "findings.count");
	tc = child(suite, "testcase", "WARNING in __list_add_valid");
	element_names(tc, names, sizeof(names));
	CHECK(!strcmp(names, "failure,system-out"), "finding case: %s", names);
	CHECK(attr_is(tc, "classname", "boot@b1"), "classname");
	e = child(tc, "failure", NULL);
	CHECK(attr_is(e, "type", "finding") &&
	      attr_is(e, "message", "finding (warning) x3, first at 12.500 s: [   12.3] WARNING: CPU: 1 "
		      "PID: 282 at lib/list_debug.c:30 \xe2\x90\x9b[0m<x>"), "failure attributes");
	CHECK(text_is(e, "[   12.3] WARNING: CPU: 1\n[   12.4]  __list_add_valid+0xdc/0x110\n"),
	      "the block");
	CHECK(text_is(child(tc, "system-out", NULL), "[[ATTACHMENT|boot@b1.console.log]]\n"),
	      "the attachment");
	CHECK(child(suite, "testcase", "BUG: spinlock lockup suspected"), "the BUG's case");
	props = child(child(root, "testsuite", "boot@b2"), "properties", NULL);
	CHECK(attr_is(child(props, "property", "findings.count"), "value", "0"), "findings.count 0");
	CHECK(!child(props, "property", "finding.1.title"), "no finding");
	props = child(child(root, "testsuite", "boot@b3"), "properties", NULL);
	CHECK(!child(props, "property", "findings.count"), "findings.count without a reader");
	xmlFreeDoc(doc);
	free_all(r, 3);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "the document is what the writer wrote before", same_as_before },
		{ "flushed after each session: what hilt_junit_write writes", flushed_after_each_session },
		{ "a failed flush keeps the sessions", failed_flush },
		{ "a negative time adds nothing", negative_time },
		{ "earlier attempts: flaky and rerun elements", reruns_and_flaky },
		{ "evidence of failures: excerpts, attachments, bounded tails", evidence },
		{ "kernel findings: properties and a case per title", findings },
	};
	const char *src = getenv("HILT_SOURCE_DIR");
	char xsd[512];

	snprintf(xsd, sizeof(xsd), "%s/tests/junit-hilt.xsd", src ? src : ".");
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(xsd);

	schema = pctx ? xmlSchemaParse(pctx) : NULL;
	if (!schema) {
		fprintf(stderr, "cannot load the schema %s (HILT_SOURCE_DIR)\n", xsd);
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/hilt-junit-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path_a, sizeof(path_a), "%s/a.xml", dir);
	snprintf(path_b, sizeof(path_b), "%s/b.xml", dir);
	int rc = check_run_all(tests, sizeof(tests) / sizeof(*tests));

	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
	xmlCleanupParser();
	return rc;
}
