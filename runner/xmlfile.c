#include "xmlfile.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct load_errors {
	char *err;
	size_t errlen;
	const char *path;
	bool have;
};

static int verror_at(char *err, size_t errlen, const char *path, long line,
		     const char *fmt, va_list ap)
{
	int n = snprintf(err, errlen, "%s:%ld: ", path, line);

	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	return -EINVAL;
}

static int error_at(char *err, size_t errlen, const char *path, long line,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int error_at(char *err, size_t errlen, const char *path, long line,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(err, errlen, path, line, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* libxml2 gives no line for a DTD node: find the DOCTYPE in the text. */
static long doctype_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	long line = 1;

	if (!f)
		return 1;
	while (fgets(buf, sizeof(buf), f)) {
		if (strstr(buf, "<!DOCTYPE")) {
			fclose(f);
			return line;
		}
		line += strchr(buf, '\n') != NULL;
	}
	fclose(f);
	return 1;
}

static void collect_error(void *ctx, xmlErrorPtr e)
{
	struct load_errors *le = ctx;

	if (le->have || !e || e->level < XML_ERR_ERROR)
		return;
	le->have = true;
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "parse error");
	msg[strcspn(msg, "\n")] = '\0';
	snprintf(le->err, le->errlen, "%s:%d: malformed XML: %s", le->path,
		 e->line, msg);
}

int hilt_xml_load(const char *path, xmlDoc **doc, char *err, size_t errlen)
{
	struct load_errors le = { .err = err, .errlen = errlen, .path = path };
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();

	if (!ctxt)
		return -ENOMEM;
	xmlSetStructuredErrorFunc(&le, collect_error);
	/* No XML_PARSE_NOENT (that would substitute entities), no DTD
	 * loading, no network. */
	xmlDoc *d = xmlCtxtReadFile(ctxt, path, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOWARNING |
				    XML_PARSE_NOERROR);
	xmlSetStructuredErrorFunc(NULL, NULL);
	bool well_formed = ctxt->wellFormed;

	xmlFreeParserCtxt(ctxt);
	if (!d || !well_formed) {
		if (!le.have)
			snprintf(err, errlen, "%s:1: malformed XML", path);
		xmlFreeDoc(d);
		return -EINVAL;
	}
	if (d->intSubset || d->extSubset) {
		error_at(err, errlen, path, doctype_line(path),
			 "a DOCTYPE is not allowed (no DTDs or entities)");
		xmlFreeDoc(d);
		return -EINVAL;
	}
	if (!xmlDocGetRootElement(d)) {
		snprintf(err, errlen, "%s:1: no root element", path);
		xmlFreeDoc(d);
		return -EINVAL;
	}
	*doc = d;
	return 0;
}

int hilt_xml_error(char *err, size_t errlen, const char *path,
		   const xmlNode *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(err, errlen, path, node ? xmlGetLineNo(node) : 0L, fmt, ap);
	va_end(ap);
	return -EINVAL;
}


bool hilt_xml_is(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)node->name, name) == 0;
}

int hilt_xml_check_attrs(const char *path, const xmlNode *node,
			 const char *const allowed[], char *err, size_t errlen)
{
	for (const xmlAttr *a = node->properties; a; a = a->next) {
		bool ok = false;

		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp((const char *)a->name, allowed[i]) == 0;
		if (!ok)
			return hilt_xml_error(err, errlen, path, node,
					      "unknown attribute '%s' on <%s>",
					      (const char *)a->name,
					      (const char *)node->name);
	}
	return 0;
}

static bool is_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

int hilt_xml_check_element_only(const char *path, const xmlNode *node,
				char *err, size_t errlen)
{
	for (const xmlNode *c = node->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE)
			continue;
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    is_blank(c->content))
			continue;
		/* A text node carries the line where it ends: step back over
		 * the line breaks after its first visible character. */
		const char *t = (const char *)c->content;
		long line = xmlGetLineNo(c);

		t += strspn(t, " \t\r\n");
		for (; *t; t++)
			line -= *t == '\n';
		return error_at(err, errlen, path, line,
				"unexpected text inside <%s>",
				(const char *)node->name);
	}
	return 0;
}

char *hilt_xml_attr(const xmlNode *node, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

char *hilt_xml_attr_required(const char *path, const xmlNode *node,
			     const char *name, char *err, size_t errlen)
{
	char *v = hilt_xml_attr(node, name);

	if (!v || !*v) {
		free(v);
		hilt_xml_error(err, errlen, path, node,
			       "<%s> needs a non-empty '%s' attribute",
			       (const char *)node->name, name);
		return NULL;
	}
	return v;
}

int hilt_xml_text(const char *path, const xmlNode *node, bool trim,
		  char **out, char *err, size_t errlen)
{
	for (const xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return hilt_xml_error(err, errlen, path, c,
					      "<%s> is not allowed inside <%s>",
					      (const char *)c->name,
					      (const char *)node->name);
	xmlChar *v = xmlNodeGetContent(node);
	const char *s = v ? (const char *)v : "";
	size_t len = strlen(s);

	if (trim) {
		/* Only the layout around the text goes: white space that runs
		 * up to a line break.  A trailing space on the same line is
		 * meant (a prompt such as "/ # "). */
		size_t lead = strspn(s, " \t\r\n");

		if (memchr(s, '\n', lead) || lead == len) {
			s += lead;
			len -= lead;
		}
		size_t end = len;

		while (end && strchr(" \t\r\n", s[end - 1]))
			end--;
		if (memchr(s + end, '\n', len - end))
			len = end;
	}
	*out = strndup(s, len);
	xmlFree(v);
	return *out ? 0 : -ENOMEM;
}

int hilt_xml_seconds(const char *path, const xmlNode *node, const char *name,
		     double *out, char *err, size_t errlen)
{
	char *v = hilt_xml_attr(node, name);
	char *end;

	if (!v)
		return 0;
	errno = 0;
	double d = strtod(v, &end);

	if (end == v || *end || errno || !isfinite(d) || d <= 0 || d > 86400) {
		int rc = hilt_xml_error(err, errlen, path, node,
					"'%s' must be a number of seconds (0 < s <= 86400), not '%s'",
					name, v);
		free(v);
		return rc;
	}
	free(v);
	*out = d;
	return 0;
}

int hilt_xml_choice(const char *path, const xmlNode *node, const char *name,
		    const char *const *choices, int *out, char *err, size_t errlen)
{
	char *v = hilt_xml_attr(node, name);
	char list[256] = "";
	size_t used = 0;

	if (!v)
		return 0;
	for (int i = 0; choices[i]; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*out = i;
			free(v);
			return 1;
		}
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i == 0 ? "" : choices[i + 1] ? ", " : " or ", choices[i]);

		if (n > 0 && (size_t)n < sizeof(list) - used)
			used += (size_t)n;
	}
	int rc = hilt_xml_error(err, errlen, path, node, "'%s' must be %s, not '%s'",
				name, list, v);

	free(v);
	return rc;
}

int hilt_xml_bool(const char *path, const xmlNode *node, const char *name,
		  bool *out, char *err, size_t errlen)
{
	static const char *const choices[] = { "false", "true", NULL };
	int v, rc = hilt_xml_choice(path, node, name, choices, &v, err, errlen);

	if (rc == 1)
		*out = v == 1;
	return rc < 0 ? rc : 0;
}
