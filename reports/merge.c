#define _GNU_SOURCE
#include "merge.h"

#include <errno.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runner/xmlfile.h"
#include "atomic.h"

struct hilt_merge {
	xmlDoc *doc;		/* the merged document; its root is <testsuites> */
	xmlNode *root;
	struct hilt_merge_totals totals;
};

int hilt_merge_new(struct hilt_merge **out)
{
	struct hilt_merge *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->doc = xmlNewDoc(BAD_CAST "1.0");
	m->root = m->doc ? xmlNewDocNode(m->doc, NULL, BAD_CAST "testsuites", NULL) : NULL;
	if (!m->root) {
		xmlFreeDoc(m->doc);
		free(m);
		return -ENOMEM;
	}
	xmlDocSetRootElement(m->doc, m->root);
	*out = m;
	return 0;
}

void hilt_merge_free(struct hilt_merge *m)
{
	if (!m)
		return;
	xmlFreeDoc(m->doc);
	free(m);
}

void hilt_merge_totals(const struct hilt_merge *m, struct hilt_merge_totals *t)
{
	*t = m->totals;
}

/* Seconds as JUnit writers put them: plain decimal, or Surefire's with
 * thousands separators ("1,234.5").  false when absent or not a
 * non-negative finite number. */
static bool attr_seconds(const xmlNode *n, double *out)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "time");
	char plain[64], *end;
	size_t used = 0;
	bool ok = v && *v;

	for (const xmlChar *p = v; ok && *p; p++) {
		if (*p == ',')
			continue;
		if (used + 1 == sizeof(plain))
			ok = false;
		else
			plain[used++] = (char)*p;
	}
	xmlFree(v);
	if (!ok)
		return false;
	plain[used] = '\0';
	errno = 0;
	*out = strtod(plain, &end);
	return !errno && end != plain && !*end && isfinite(*out) && *out >= 0;
}

/* Adds the cases of suite (and of suites nested in it) to t; returns the
 * sum of the cases' times. */
static double count_cases(const xmlNode *suite, struct hilt_merge_totals *t)
{
	double time_s = 0, s;

	for (const xmlNode *c = suite->children; c; c = c->next) {
		if (hilt_xml_is(c, "testsuite")) {
			time_s += attr_seconds(c, &s) ? s : count_cases(c, t);
			continue;
		}
		if (!hilt_xml_is(c, "testcase"))
			continue;
		t->tests++;
		time_s += attr_seconds(c, &s) ? s : 0;
		for (const xmlNode *v = c->children; v; v = v->next) {
			t->failures += hilt_xml_is(v, "failure");
			t->errors += hilt_xml_is(v, "error");
			t->skipped += hilt_xml_is(v, "skipped");
		}
	}
	return time_s;
}

/* The testsuites of a JUnit document: the root itself when it is a bare
 * <testsuite>, else the children of its <testsuites>, which may hold
 * nothing else.  0, or -EINVAL with the reason in err. */
static int check_junit(const char *path, xmlNode *root, char *err, size_t errlen)
{
	if (hilt_xml_is(root, "testsuite"))
		return 0;
	if (!hilt_xml_is(root, "testsuites")) {
		snprintf(err, errlen, "%s:%ld: not a JUnit report: its root is <%s>, not "
			 "<testsuites> or <testsuite>", path, xmlGetLineNo(root),
			 (const char *)root->name);
		return -EINVAL;
	}
	for (xmlNode *c = root->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && !hilt_xml_is(c, "testsuite")) {
			snprintf(err, errlen, "%s:%ld: not a JUnit report: <testsuites> holds a "
				 "<%s>, where only <testsuite> elements go", path,
				 xmlGetLineNo(c), (const char *)c->name);
			return -EINVAL;
		}
		if (c->type == XML_TEXT_NODE && !xmlIsBlankNode(c)) {
			snprintf(err, errlen, "%s:%ld: not a JUnit report: <testsuites> holds "
				 "text, where only <testsuite> elements go", path,
				 xmlGetLineNo(c));
			return -EINVAL;
		}
	}
	return 0;
}

static int add_suite(struct hilt_merge *m, xmlNode *suite, struct hilt_merge_totals *t)
{
	xmlNode *copy = xmlDocCopyNode(suite, m->doc, 1);
	double s, cases;

	/* Each copy on a line of its own, indented as hilt's writer does; the
	 * copies themselves keep their white space as it was. */
	xmlNode *indent = xmlNewDocText(m->doc, BAD_CAST "\n  ");

	if (!copy || !indent) {
		xmlFreeNode(copy);
		xmlFreeNode(indent);
		return -ENOMEM;
	}
	xmlAddChild(m->root, indent);
	xmlAddChild(m->root, copy);
	t->suites++;
	cases = count_cases(suite, t);
	t->time_s += attr_seconds(suite, &s) ? s : cases;
	return 0;
}

int hilt_merge_add_file(struct hilt_merge *m, const char *path, char *err, size_t errlen)
{
	/* Counted apart, and added to the merge's only when the whole file
	 * is in: a file that fails leaves the merge as it was. */
	struct hilt_merge_totals t = m->totals;
	xmlNode *last = m->root->last, *root;
	xmlDoc *doc = NULL;
	int rc;

	rc = hilt_xml_load(path, &doc, err, errlen);
	if (rc) {
		/* One line: the loader may count messages it did not show. */
		err[strcspn(err, "\n")] = '\0';
		return rc;
	}
	root = xmlDocGetRootElement(doc);
	rc = check_junit(path, root, err, errlen);
	if (!rc && hilt_xml_is(root, "testsuite")) {
		rc = add_suite(m, root, &t);
	} else {
		for (xmlNode *c = root->children; c && !rc; c = c->next)
			if (hilt_xml_is(c, "testsuite"))
				rc = add_suite(m, c, &t);
	}
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", path);
		/* Takes back what of this file was added. */
		while (m->root->last != last) {
			xmlNode *n = m->root->last;

			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	if (!rc) {
		t.files++;
		m->totals = t;
	}
	xmlFreeDoc(doc);
	return rc;
}

int hilt_merge_write(struct hilt_merge *m, const char *path, char *err, size_t errlen)
{
	const struct hilt_merge_totals *t = &m->totals;
	xmlChar *mem = NULL;
	char v[64];
	int len = 0, rc;

	/* The attributes of hilt's own <testsuites>, in its order; no
	 * 'skipped', which Jenkins' junit-10.xsd does not allow there. */
	rc = xmlSetProp(m->root, BAD_CAST "name", BAD_CAST "hilt") ? 0 : -ENOMEM;
	snprintf(v, sizeof(v), "%zu", t->tests);
	rc = rc ? rc : xmlSetProp(m->root, BAD_CAST "tests", BAD_CAST v) ? 0 : -ENOMEM;
	snprintf(v, sizeof(v), "%zu", t->failures);
	rc = rc ? rc : xmlSetProp(m->root, BAD_CAST "failures", BAD_CAST v) ? 0 : -ENOMEM;
	snprintf(v, sizeof(v), "%zu", t->errors);
	rc = rc ? rc : xmlSetProp(m->root, BAD_CAST "errors", BAD_CAST v) ? 0 : -ENOMEM;
	snprintf(v, sizeof(v), "%.3f", t->time_s);
	rc = rc ? rc : xmlSetProp(m->root, BAD_CAST "time", BAD_CAST v) ? 0 : -ENOMEM;
	/* Not reformatted: a testsuite written on one line (pytest's) stays
	 * so, and every copy holds the text nodes its file had. */
	xmlNode *end = m->root->children ? xmlNewDocText(m->doc, BAD_CAST "\n") : NULL;

	if (m->root->children && !end)
		rc = -ENOMEM;
	if (!rc) {
		if (end)
			xmlAddChild(m->root, end);
		xmlDocDumpFormatMemoryEnc(m->doc, &mem, &len, "UTF-8", 0);
		if (end) {
			xmlUnlinkNode(end);
			xmlFreeNode(end);
		}
	}
	if (rc || !mem || len <= 0) {
		snprintf(err, errlen, "cannot write %s: out of memory",
			 strcmp(path, "-") ? path : "the standard output");
		xmlFree(mem);
		return -ENOMEM;
	}

	struct iovec iov = { .iov_base = mem, .iov_len = (size_t)len };

	if (!strcmp(path, "-")) {
		rc = hilt_atomic_write_all(STDOUT_FILENO, &iov, 1);
		if (rc)
			snprintf(err, errlen, "cannot write to the standard output: %s",
				 strerror(-rc));
	} else {
		rc = hilt_atomic_write(path, &iov, 1, err, errlen);
	}
	xmlFree(mem);
	return rc;
}
