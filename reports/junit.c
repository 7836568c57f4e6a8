#define _GNU_SOURCE
#include "reports/junit.h"

#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"
#include "base/atomic.h"
#include "base/buf.h"
#include "reports/relpath.h"

static int write_clean_attr(xmlTextWriterPtr w, const char *name, const char *v)
{
	char *clean = hilt_text_inert(v, strlen(v), HILT_TEXT_XML);
	int rc;

	if (!clean)
		return -1;
	rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST clean);
	free(clean);
	return rc;
}

static int write_clean_element(xmlTextWriterPtr w, const char *name,
			       const char *text, size_t len)
{
	char *clean = hilt_text_inert(text, len, HILT_TEXT_XML);
	int rc;

	if (!clean)
		return -1;
	rc = xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST clean);
	free(clean);
	return rc;
}

/* What of the console's end a session that did not pass keeps in its
 * <testsuite>'s <system-out> (what came after its failing case, mostly:
 * the case's excerpt has the lines before); a session that passed keeps
 * none, its log being beside the JUnit.  Measured on the recorded panic
 * (tests/evidence.sh): a failing session costs the JUnit about 9 KB, so
 * a night of 1000 failing sessions about 9 MB, well under GitLab's 30 MB
 * a file. */
#define SUITE_TAIL_BYTES 2048

/* path as the JUnit in dir names it: relative to dir when it is in it
 * (hilt writes the logs beside the JUnit), as it is otherwise. */
static const char *rel_to(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (!path)
		return NULL;
	if (n && !strncmp(path, dir, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static const char *prop(const struct hilt_session_result *r, const char *name)
{
	for (size_t i = 0; i < r->nprops; i++)
		if (!strcmp(r->props[i].name, name))
			return r->props[i].value;
	return NULL;
}

struct counts {
	size_t tests, failures, errors, skipped;
	double time_s;
};

static void count(const struct hilt_session_result *r, struct counts *c)
{
	for (size_t i = 0; i < r->ncases; i++) {
		c->tests++;
		bool as_error = r->cases[i].verdict == HILT_FAIL && r->cases[i].as_error;

		c->failures += r->cases[i].verdict == HILT_FAIL && !as_error;
		c->errors += r->cases[i].verdict == HILT_ERROR || as_error;
		c->skipped += r->cases[i].verdict == HILT_SKIP;
	}
	/* Each finding is a failing test case of its own. */
	c->tests += r->nfindings;
	c->failures += r->nfindings;
	/* A session of no known length adds nothing (never a negative total). */
	c->time_s += r->time_s < 0 ? 0 : r->time_s;
}

/* <testsuites> takes no 'skipped' in Jenkins' junit-10.xsd. */
static int write_counts(xmlTextWriterPtr w, const struct counts *c,
			int with_skipped)
{
	int rc = 0;

	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu", c->tests);
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu", c->failures);
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "errors", "%zu", c->errors);
	if (with_skipped)
		rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "skipped", "%zu",
							c->skipped);
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f",
						c->time_s < 0 ? 0 : c->time_s);
	return rc < 0 ? -1 : 0;
}

/* An earlier attempt at a case, as Surefire writes one: beside a final
 * pass it made the case flaky (flakyFailure, flakyError); beside a final
 * failure, error or skip it is a rerun that did not pass either
 * (rerunFailure, rerunError).  Its time and where it ran go in its
 * system-out: the element has no attributes for them. */
static int write_attempt(xmlTextWriterPtr w, enum hilt_verdict final,
			 const struct hilt_case_attempt *a, const char *dir)
{
	bool error = a->verdict == HILT_ERROR;
	const char *element = final == HILT_PASS ? (error ? "flakyError" : "flakyFailure")
						 : (error ? "rerunError" : "rerunFailure");
	char *where = NULL;
	int rc = 0;

	if (asprintf(&where, "attempt %u on %s, %.3f s; console log %s", a->attempt,
		     a->target ? a->target : "?", a->time_s < 0 ? 0 : a->time_s,
		     a->console_log ? rel_to(dir, a->console_log) : "(none)") < 0)
		return -1;
	rc |= xmlTextWriterStartElement(w, BAD_CAST element);
	rc |= write_clean_attr(w, "message", a->message ? a->message : "");
	rc |= write_clean_attr(w, "type", a->type && *a->type ? a->type
						      : (error ? "error" : "failure"));
	rc |= write_clean_element(w, "stackTrace", a->detail ? a->detail : "",
				  a->detail ? strlen(a->detail) : 0);
	rc |= write_clean_element(w, "system-out", where, strlen(where));
	rc |= xmlTextWriterEndElement(w);
	free(where);
	return rc < 0 ? -1 : 0;
}

/* The <system-out> of a case: what it saw (an HTTP response), and for a
 * failure or an error its evidence, which CI's test views show beside
 * it: the console's last lines when it ended, and the session's console
 * log and capture as attachments (GitLab's unit test report and Jenkins'
 * junit-attachments plugin read "[[ATTACHMENT|path]]"), named relative
 * to the JUnit. */
static int write_case_out(xmlTextWriterPtr w, const struct hilt_case_result *c,
			  const char *log, const char *pcap)
{
	bool evidence = c->verdict == HILT_FAIL || c->verdict == HILT_ERROR;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!c->output && !evidence)
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		return -1;
	if (c->output)
		fprintf(f, "%s%s", c->output,
			evidence && *c->output && c->output[strlen(c->output) - 1] != '\n' ? "\n"
											    : "");
	if (evidence && c->excerpt_len) {
		fprintf(f, "--- the console's last lines when the case ended");
		if (c->at_s >= 0)
			fprintf(f, ", at %.3f s", c->at_s);
		fprintf(f, " ---\n");
		fwrite(c->excerpt, 1, c->excerpt_len, f);
		if (c->excerpt[c->excerpt_len - 1] != '\n')
			fputc('\n', f);
		fprintf(f, "---\n");
	}
	if (evidence && log)
		fprintf(f, "[[ATTACHMENT|%s]]\n", log);
	if (evidence && pcap)
		fprintf(f, "[[ATTACHMENT|%s]]\n", pcap);
	if (fclose(f)) {
		free(text);
		return -1;
	}
	rc = len ? write_clean_element(w, "system-out", text, len) : 0;
	free(text);
	return rc;
}

static int write_case(xmlTextWriterPtr w, const char *classname,
		      const struct hilt_case_result *c, const char *dir, const char *log,
		      const char *pcap)
{
	static const char *const element[] = {
		[HILT_FAIL] = "failure", [HILT_ERROR] = "error", [HILT_SKIP] = "skipped",
	};
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "testcase");
	rc |= write_clean_attr(w, "name", c->name);
	rc |= write_clean_attr(w, "classname", classname);
	rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f",
						c->time_s < 0 ? 0 : c->time_s);
	if (c->verdict != HILT_PASS) {
		rc |= xmlTextWriterStartElement(w, BAD_CAST(c->verdict == HILT_FAIL && c->as_error
								? "error"
								: element[c->verdict]));
		rc |= write_clean_attr(w, "message", c->message ? c->message : "");
		rc |= write_clean_attr(w, "type", c->type ? c->type : "");
		if (c->detail) {
			char *clean = hilt_text_inert(c->detail, strlen(c->detail), HILT_TEXT_XML);

			rc |= clean ? xmlTextWriterWriteString(w, BAD_CAST clean) : -1;
			free(clean);
		}
		rc |= xmlTextWriterEndElement(w);
	}
	for (size_t i = 0; i < c->nearlier; i++)
		rc |= write_attempt(w, c->verdict, &c->earlier[i], dir);
	rc |= write_case_out(w, c, log, pcap);
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

static int write_property(xmlTextWriterPtr w, const char *name, const char *value)
{
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "property");
	rc |= write_clean_attr(w, "name", name);
	rc |= write_clean_attr(w, "value", value);
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

/* The kernel report reader's findings as suite properties, any script's
 * to read: finding.N.title, .kind, .count and .line (N from 1, in order
 * of first appearance; the line made inert as all device text), and
 * findings.count whenever the reader ran. */
static int write_finding_props(xmlTextWriterPtr w, const struct hilt_session_result *r)
{
	static const char *const fields[] = { "title", "kind", "count", "line" };
	char name[64], num[32];
	int rc = 0;

	if (!r->findings_read)
		return 0;
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct hilt_finding_result *f = &r->findings[i];

		snprintf(num, sizeof(num), "%lu", f->count);
		const char *values[] = { f->title, f->kind, num, f->line };

		for (size_t k = 0; k < 4; k++) {
			snprintf(name, sizeof(name), "finding.%zu.%s", i + 1, fields[k]);
			rc |= write_property(w, name, values[k]);
		}
	}
	snprintf(num, sizeof(num), "%zu", r->nfindings);
	rc |= write_property(w, "findings.count", num);
	if (r->findings_dropped) {
		snprintf(num, sizeof(num), "%lu", r->findings_dropped);
		rc |= write_property(w, "findings.dropped", num);
	}
	return rc < 0 ? -1 : 0;
}

/* A finding as a test case named by its title: a failure of type
 * "finding" whose text is its first report's block, and the console log
 * (and capture) attached as a failing case's are. */
static int write_finding(xmlTextWriterPtr w, const char *classname,
			 const struct hilt_finding_result *f, const char *log, const char *pcap)
{
	char *message = NULL, *out = NULL;
	int rc = 0;

	if (asprintf(&message, "finding (%s) x%lu, first at %.3f s: %s", f->kind, f->count,
		     f->at_s < 0 ? 0 : f->at_s, f->line) < 0)
		return -1;
	if (asprintf(&out, "%s%s%s%s%s%s", log ? "[[ATTACHMENT|" : "", log ? log : "",
		     log ? "]]\n" : "", pcap ? "[[ATTACHMENT|" : "", pcap ? pcap : "",
		     pcap ? "]]\n" : "") < 0) {
		free(message);
		return -1;
	}
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testcase");
	rc |= write_clean_attr(w, "name", f->title);
	rc |= write_clean_attr(w, "classname", classname);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST "0.000");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "failure");
	rc |= write_clean_attr(w, "message", message);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "finding");
	if (f->block_len) {
		char *clean = hilt_text_inert(f->block, f->block_len, HILT_TEXT_XML);

		rc |= clean ? xmlTextWriterWriteString(w, BAD_CAST clean) : -1;
		free(clean);
	}
	rc |= xmlTextWriterEndElement(w);
	if (*out)
		rc |= write_clean_element(w, "system-out", out, strlen(out));
	rc |= xmlTextWriterEndElement(w);
	free(message);
	free(out);
	return rc < 0 ? -1 : 0;
}

/* Where the attachment lines of a session's cases point: its files as the
 * JUnit names them, or (an attachments root) relative to that root. */
struct attach {
	const char *dir, *root, *root_rel;
	char *log, *pcap;
};

static int attach_paths(const struct hilt_session_result *r, struct attach *at)
{
	const char *log = rel_to(at->dir, r->console_log);
	const char *pcap = rel_to(at->dir, prop(r, "net.pcap"));
	char *jdir = NULL;

	if (!at->root) {
		at->log = log ? strdup(log) : NULL;
		at->pcap = pcap ? strdup(pcap) : NULL;
		return (log && !at->log) || (pcap && !at->pcap) ? -1 : 0;
	}
	/* The files are beside the JUnit: from the root, through its folder. */
	jdir = hilt_dir_of(r->console_log ? r->console_log : ".");
	if (!jdir)
		return 0;
	at->log = log ? hilt_relpath(at->root, jdir, strrchr(log, '/') ? strrchr(log, '/') + 1 : log)
		      : NULL;
	at->pcap = pcap ? hilt_relpath(at->root, jdir, pcap) : NULL;
	free(jdir);
	return 0;
}

static int write_suite(xmlTextWriterPtr w, const struct hilt_session_result *r,
		       const char *hostname, struct attach *at)
{
	struct counts c = { 0 };
	char *name = NULL;
	int rc = 0;

	if (asprintf(&name, "%s@%s", r->suite, r->target) < 0)
		return -1;
	count(r, &c);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuite");
	rc |= write_clean_attr(w, "name", name);
	rc |= write_counts(w, &c, 1);
	rc |= write_clean_attr(w, "timestamp", r->timestamp ? r->timestamp : "1970-01-01T00:00:00");
	rc |= write_clean_attr(w, "hostname", hostname);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "properties");
	for (size_t i = 0; i < r->nprops; i++) {
		rc |= xmlTextWriterStartElement(w, BAD_CAST "property");
		rc |= write_clean_attr(w, "name", r->props[i].name);
		rc |= write_clean_attr(w, "value", r->props[i].value);
		rc |= xmlTextWriterEndElement(w);
	}
	if (at->root_rel) {
		rc |= xmlTextWriterStartElement(w, BAD_CAST "property");
		rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "attachments.root");
		rc |= write_clean_attr(w, "value", at->root_rel);
		rc |= xmlTextWriterEndElement(w);
	}
	/* Which run of the suite on its target this is: a rerun's cases
	 * carry their earlier attempts, and this tells the sessions apart. */
	if (r->attempt > 1) {
		rc |= xmlTextWriterStartElement(w, BAD_CAST "property");
		rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "attempt");
		rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "value", "%u", r->attempt);
		rc |= xmlTextWriterEndElement(w);
	}
	rc |= write_finding_props(w, r);
	rc |= xmlTextWriterEndElement(w);
	for (size_t i = 0; i < r->ncases; i++)
		rc |= write_case(w, name, &r->cases[i], at->dir, at->log, at->pcap);
	for (size_t i = 0; i < r->nfindings; i++)
		rc |= write_finding(w, name, &r->findings[i], at->log, at->pcap);
	/* The console's end, for a session that did not pass, from a line's
	 * start. */
	if ((c.failures || c.errors) && r->console_tail && r->console_tail_len) {
		const char *t = r->console_tail;
		size_t n = r->console_tail_len;

		if (n > SUITE_TAIL_BYTES) {
			const char *nl = memchr(t + n - SUITE_TAIL_BYTES, '\n', SUITE_TAIL_BYTES);

			t = nl && nl + 1 < r->console_tail + n ? nl + 1 : t + n - SUITE_TAIL_BYTES;
			n = r->console_tail_len - (size_t)(t - r->console_tail);
		}
		rc |= write_clean_element(w, "system-out", t, n);
	}
	if (r->diagnostics && *r->diagnostics)
		rc |= write_clean_element(w, "system-err", r->diagnostics,
					  strlen(r->diagnostics));
	rc |= xmlTextWriterEndElement(w);
	free(name);
	return rc < 0 ? -1 : 0;
}

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* What the writer of a fragment puts before its <testsuite>, and what is
 * cut off: the declaration and a root start tag without attributes (the
 * flush writes the root with its totals). */
#define FRAGMENT_PREFIX XML_DECL "<testsuites>\n"

struct hilt_junit {
	char *path;
	char *dir;		/* of path: what the files it names are relative to */
	/* Resolved: what attachment paths are relative to, and that folder
	 * relative to the JUnit's (attachments.root); NULL: the JUnit's. */
	char *attach_root, *attach_root_rel;
	char hostname[256];
	struct counts total;
	size_t nsuites;
	/* The <testsuite> fragments, one after the other, each as the
	 * writer of the whole document would indent it. */
	struct hilt_buf body;
};

int hilt_junit_new(const char *path, struct hilt_junit **out)
{
	struct hilt_junit *j = calloc(1, sizeof(*j));

	const char *slash = strrchr(path, '/');

	if (!j || !(j->path = strdup(path)) ||
	    !(j->dir = slash ? strndup(path, (size_t)(slash - path)) : strdup("."))) {
		if (j)
			free(j->path);
		free(j);
		return -ENOMEM;
	}
	snprintf(j->hostname, sizeof(j->hostname), "localhost");
	gethostname(j->hostname, sizeof(j->hostname) - 1);
	*out = j;
	return 0;
}

void hilt_junit_free(struct hilt_junit *j)
{
	if (!j)
		return;
	free(j->path);
	free(j->dir);
	free(j->attach_root);
	free(j->attach_root_rel);
	hilt_buf_free(&j->body);
	free(j);
}

int hilt_junit_set_attachments_root(struct hilt_junit *j, const char *root, char *err,
				    size_t errlen)
{
	char *abs = realpath(root, NULL), *jdir = hilt_dir_of(j->path);
	int rc = 0;

	if (!abs || !jdir) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", abs ? j->path : root, strerror(errno));
	} else {
		free(j->attach_root);
		free(j->attach_root_rel);
		j->attach_root = abs;
		j->attach_root_rel = hilt_relpath(jdir, "/", abs);
		abs = NULL;
		if (!j->attach_root_rel) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
		}
	}
	free(abs);
	free(jdir);
	return rc;
}

int hilt_junit_add(struct hilt_junit *j, const struct hilt_session_result *r,
		   char *err, size_t errlen)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int rc = 0;

	if (!w) {
		xmlBufferFree(buf);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* The fragment is written where it sits in the document, inside a
	 * <testsuites> of its own, so that the writer indents it as it
	 * would there and escapes it for the same encoding; what comes
	 * before it is cut off, and the root is never closed. */
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	rc |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuites");
	struct attach at = { .dir = j->dir, .root = j->attach_root, .root_rel = j->attach_root_rel };

	rc |= attach_paths(r, &at);
	rc |= write_suite(w, r, j->hostname, &at);
	free(at.log);
	free(at.pcap);
	rc |= xmlTextWriterFlush(w);

	const char *data = (const char *)xmlBufferContent(buf);
	size_t len = (size_t)xmlBufferLength(buf), skip = strlen(FRAGMENT_PREFIX);

	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: the XML writer failed (out of memory?)",
			 j->path);
		rc = -ENOMEM;
	} else if (len < skip || memcmp(data, FRAGMENT_PREFIX, skip) != 0) {
		snprintf(err, errlen, "cannot write %s: the XML writer began a session's "
			 "<testsuite> with something else than expected", j->path);
		rc = -EPROTO;
	} else if (hilt_buf_append(&j->body, data + skip, len - skip) < 0) {
		snprintf(err, errlen, "cannot write %s: out of memory", j->path);
		rc = -ENOMEM;
	} else {
		count(r, &j->total);
		j->nsuites++;
		rc = 0;
	}
	xmlFreeTextWriter(w);
	xmlBufferFree(buf);
	return rc;
}

int hilt_junit_flush(struct hilt_junit *j, char *err, size_t errlen)
{
	const struct counts *c = &j->total;
	char head[1024];	/* room for any double in %.3f */
	int n;

	/* As the writer of the whole document would put it: an empty root
	 * closes itself. */
	n = snprintf(head, sizeof(head),
		     XML_DECL "<testsuites name=\"hilt\" tests=\"%zu\" failures=\"%zu\" "
		     "errors=\"%zu\" time=\"%.3f\"%s\n",
		     c->tests, c->failures, c->errors, c->time_s < 0 ? 0 : c->time_s,
		     j->nsuites ? ">" : "/>");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(err, errlen, "cannot write %s: totals too long", j->path);
		return -EOVERFLOW;
	}

	struct iovec iov[] = {
		{ .iov_base = head, .iov_len = (size_t)n },
		{ .iov_base = (void *)hilt_buf_str(&j->body), .iov_len = hilt_buf_len(&j->body) },
		{ .iov_base = (void *)"</testsuites>\n", .iov_len = j->nsuites ? 14 : 0 },
	};

	return hilt_atomic_write(j->path, iov, 3, err, errlen);
}

int hilt_junit_write(const char *path,
		     const struct hilt_session_result *const *results,
		     size_t nresults, char *err, size_t errlen)
{
	struct hilt_junit *j;
	int rc = hilt_junit_new(path, &j);

	if (rc) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	for (size_t i = 0; i < nresults && !rc; i++)
		rc = hilt_junit_add(j, results[i], err, errlen);
	if (!rc)
		rc = hilt_junit_flush(j, err, errlen);
	hilt_junit_free(j);
	return rc;
}
