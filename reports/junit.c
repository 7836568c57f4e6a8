#define _GNU_SOURCE
#include "junit.h"

#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or
 * 0 when it is not valid (overlong, surrogate, truncated, > U+10FFFF). */
static size_t get_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2; min = 0x80; c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3; min = 0x800; c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4; min = 0x10000; c &= 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

char *hilt_xml_clean_text(const char *s, size_t len)
{
	/* Each input byte becomes at most 3 output bytes. */
	char *out = malloc(len * 3 + 1);
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = get_utf8(p + i, len - i, &cp);

		if (n == 0) {
			o += put_utf8(out + o, 0xfffd);
			i++;
			continue;
		}
		i += n;
		if (cp == '\t' || cp == '\n' || cp == '\r')
			out[o++] = (char)cp;
		else if (cp < 0x20)
			o += put_utf8(out + o, 0x2400 + cp);
		else if (cp == 0x7f)
			o += put_utf8(out + o, 0x2421);
		else if (cp == 0xfffe || cp == 0xffff)
			o += put_utf8(out + o, 0xfffd);
		else {
			memcpy(out + o, p + i - n, n);
			o += n;
		}
	}
	out[o] = '\0';
	return out;
}

static int write_clean_attr(xmlTextWriterPtr w, const char *name, const char *v)
{
	char *clean = hilt_xml_clean_text(v, strlen(v));
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
	char *clean = hilt_xml_clean_text(text, len);
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
			char *clean = hilt_xml_clean_text(c->detail, strlen(c->detail));

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

int hilt_junit_write(const char *path,
		     const struct hilt_session_result *const *results,
		     size_t nresults, char *err, size_t errlen)
{
	char *tmp = NULL;
	char hostname[256] = "localhost";
	struct counts total = { 0 };
	int rc = 0;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	gethostname(hostname, sizeof(hostname) - 1);
	xmlTextWriterPtr w = xmlNewTextWriterFilename(tmp, 0);

	if (!w) {
		snprintf(err, errlen, "cannot write %s", tmp);
		free(tmp);
		return -EIO;
	}
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
		snprintf(err, errlen, "writing %s failed", tmp);
		unlink(tmp);
		free(tmp);
		return -EIO;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			 strerror(errno));
		unlink(tmp);
		free(tmp);
		return rc;
	}
	free(tmp);
	return 0;
}
