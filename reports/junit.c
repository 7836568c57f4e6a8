#define _GNU_SOURCE
#include "junit.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runner/text.h"

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

struct counts {
	size_t tests, failures, errors, skipped;
	double time_s;
};

static void count(const struct hilt_session_result *r, struct counts *c)
{
	for (size_t i = 0; i < r->ncases; i++) {
		c->tests++;
		c->failures += r->cases[i].verdict == HILT_FAIL;
		c->errors += r->cases[i].verdict == HILT_ERROR;
		c->skipped += r->cases[i].verdict == HILT_SKIP;
	}
	c->time_s += r->time_s;
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

static int write_case(xmlTextWriterPtr w, const char *classname,
		      const struct hilt_case_result *c)
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
		rc |= xmlTextWriterStartElement(w, BAD_CAST element[c->verdict]);
		rc |= write_clean_attr(w, "message", c->message ? c->message : "");
		rc |= write_clean_attr(w, "type", c->type ? c->type : "");
		if (c->detail) {
			char *clean = hilt_text_inert(c->detail, strlen(c->detail), HILT_TEXT_XML);

			rc |= clean ? xmlTextWriterWriteString(w, BAD_CAST clean) : -1;
			free(clean);
		}
		rc |= xmlTextWriterEndElement(w);
	}
	if (c->output)
		rc |= write_clean_element(w, "system-out", c->output, strlen(c->output));
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

static int write_suite(xmlTextWriterPtr w, const struct hilt_session_result *r,
		       const char *hostname)
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
	rc |= xmlTextWriterEndElement(w);
	for (size_t i = 0; i < r->ncases; i++)
		rc |= write_case(w, name, &r->cases[i]);
	rc |= write_clean_element(w, "system-out", r->console_tail ? r->console_tail : "",
				  r->console_tail ? r->console_tail_len : 0);
	if (r->diagnostics && *r->diagnostics)
		rc |= write_clean_element(w, "system-err", r->diagnostics,
					  strlen(r->diagnostics));
	rc |= xmlTextWriterEndElement(w);
	free(name);
	return rc < 0 ? -1 : 0;
}

/* Writes len bytes of data to path through path.tmp, synced, then renamed
 * over path, so path is either the old file or the whole new one. */
static int write_atomically(const char *path, const void *data, size_t len,
			    char *err, size_t errlen)
{
	char *tmp = NULL;
	const char *p = data;
	int fd, rc = 0;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-rc));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			 strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	return rc;
}

int hilt_junit_write(const char *path,
		     const struct hilt_session_result *const *results,
		     size_t nresults, char *err, size_t errlen)
{
	char hostname[256] = "localhost";
	struct counts total = { 0 };
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int rc = 0;

	if (!w) {
		xmlBufferFree(buf);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	gethostname(hostname, sizeof(hostname) - 1);
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	for (size_t i = 0; i < nresults; i++)
		count(results[i], &total);
	rc |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuites");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "hilt");
	rc |= write_counts(w, &total, 0);
	for (size_t i = 0; i < nresults; i++)
		rc |= write_suite(w, results[i], hostname);
	rc |= xmlTextWriterEndElement(w);
	rc |= xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: the XML writer failed (out of memory?)",
			 path);
		rc = -ENOMEM;
	} else {
		rc = write_atomically(path, xmlBufferContent(buf),
				      (size_t)xmlBufferLength(buf), err, errlen);
	}
	xmlBufferFree(buf);
	return rc;
}
