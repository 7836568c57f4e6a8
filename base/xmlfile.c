#include "base/xmlfile.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/grow.h"
#include "base/number.h"

/* Messages kept of one file: a hostile file cannot make the list grow
 * without bound; the rest are only counted. */
#define DIAGS_KEPT 1000
/* The longest message kept (a long pattern quoted in it is cut). */
#define DIAG_TEXT_MAX 1024

void hilt_diags_init(struct hilt_diags *d, const char *path)
{
	*d = (struct hilt_diags){ .path = path };
}

void hilt_diags_free(struct hilt_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].text);
	free(d->items);
	d->items = NULL;
	d->n = d->cap = 0;
}

static int diags_addv(struct hilt_diags *d, enum hilt_diag_level level, long line,
		      const char *fmt, va_list ap)
{
	int rc = level == HILT_DIAG_ERROR ? -EINVAL : 0;
	char text[DIAG_TEXT_MAX];
	int len;

	if (level == HILT_DIAG_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	if (d->n == DIAGS_KEPT) {
		d->dropped++;
		return rc;
	}
	len = vsnprintf(text, sizeof(text), fmt, ap);
	if (len >= (int)sizeof(text))
		memcpy(text + sizeof(text) - 5, "...", 4);
	/* One message, one line. */
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	struct hilt_diag *grown = hilt_grow(d->items, d->n + 1, &d->cap, sizeof(*grown), 8);

	if (!grown) {
		d->dropped++;
		return rc;
	}
	d->items = grown;
	char *copy = strdup(text);

	if (!copy) {
		d->dropped++;
		return rc;
	}
	d->items[d->n++] = (struct hilt_diag){ .line = line, .level = level, .text = copy };
	d->sorted = false;
	return rc;
}

int hilt_diags_add(struct hilt_diags *d, enum hilt_diag_level level, long line,
		   const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = diags_addv(d, level, line, fmt, ap);
	va_end(ap);
	return rc;
}

void hilt_diags_sort(struct hilt_diags *d)
{
	/* Insertion sort: stable, and the list is nearly in order already
	 * (only checks of a whole element come after its children's). */
	for (size_t i = 1; i < d->n; i++) {
		struct hilt_diag m = d->items[i];
		size_t j = i;

		for (; j > 0 && d->items[j - 1].line > m.line; j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = m;
	}
	d->sorted = true;
}

void hilt_diags_line(const struct hilt_diags *d, const struct hilt_diag *m,
		     char *buf, size_t len)
{
	const char *kind = m->level == HILT_DIAG_WARNING ? "warning: " : "";

	if (m->line > 0)
		snprintf(buf, len, "%s:%ld: %s%s", d->path, m->line, kind, m->text);
	else
		snprintf(buf, len, "%s: %s%s", d->path, kind, m->text);
}

void hilt_diags_format(struct hilt_diags *d, char *err, size_t errlen)
{
	size_t used = 0, shown = 0;
	char line[DIAG_TEXT_MAX + 4200];
	char more[4200 + 96];

	if (!errlen)
		return;
	err[0] = '\0';
	if (!d->sorted)
		hilt_diags_sort(d);
	/* Room is kept for the last line that counts what is left out. */
	snprintf(more, sizeof(more), "%s: 999999 more errors and warnings not shown (too many errors)",
		 d->path);
	size_t reserve = strlen(more) + 1;

	for (size_t i = 0; i < d->n && shown < HILT_DIAGS_SHOWN; i++) {
		hilt_diags_line(d, &d->items[i], line, sizeof(line));
		size_t len = strlen(line) + (used ? 1 : 0);
		bool last = i + 1 == d->n && !d->dropped;

		if (used + len + 1 + (last ? 0 : reserve) > errlen)
			break;
		snprintf(err + used, errlen - used, "%s%s", used ? "\n" : "", line);
		used += len;
		shown++;
	}
	size_t left = d->nerrors + d->nwarnings - shown;

	if (left) {
		snprintf(more, sizeof(more), "%s: %zu more %s not shown%s", d->path, left,
			 left == 1 ? "message" : "messages",
			 shown == HILT_DIAGS_SHOWN ? " (too many errors)"
						   : " (hilt validate lists them)");
		snprintf(err + used, errlen - used, "%s%s", used ? "\n" : "", more);
	}
}

int hilt_diags_finish(struct hilt_diags *d, int rc, char *err, size_t errlen)
{
	if (rc == -ENOMEM && !d->nerrors)
		snprintf(err, errlen, "%s: out of memory", d->path);
	else if (rc)
		hilt_diags_format(d, err, errlen);
	hilt_diags_free(d);
	return rc;
}

struct load_errors {
	struct hilt_diags *d;
	bool have;
};

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

/* Only the first error of a file that is not well-formed XML says
 * something: what follows it is the parser losing its way. */
static void collect_error(void *ctx, xmlErrorPtr e)
{
	struct load_errors *le = ctx;

	if (le->have || !e || e->level < XML_ERR_ERROR)
		return;
	le->have = true;
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "parse error");
	msg[strcspn(msg, "\n")] = '\0';
	hilt_diags_add(le->d, HILT_DIAG_ERROR, e->line > 0 ? e->line : 1,
		       "malformed XML: %s", msg);
}

int hilt_xml_read(struct hilt_diags *d, xmlDoc **doc)
{
	struct load_errors le = { .d = d };
	const char *path = d->path;
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		hilt_diags_add(d, HILT_DIAG_ERROR, 0, "%s", strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode))
		return hilt_diags_add(d, HILT_DIAG_ERROR, 0, "not a regular file");
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();

	if (!ctxt)
		return -ENOMEM;
	xmlSetStructuredErrorFunc(&le, collect_error);
	/* No XML_PARSE_NOENT (that would substitute entities), no DTD
	 * loading, no network. */
	xmlDoc *x = xmlCtxtReadFile(ctxt, path, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOWARNING |
				    XML_PARSE_NOERROR);
	xmlSetStructuredErrorFunc(NULL, NULL);
	bool well_formed = ctxt->wellFormed;

	xmlFreeParserCtxt(ctxt);
	if (!x || !well_formed) {
		if (!le.have)
			hilt_diags_add(d, HILT_DIAG_ERROR, 1, "malformed XML");
		xmlFreeDoc(x);
		return -EINVAL;
	}
	if (x->intSubset || x->extSubset) {
		hilt_diags_add(d, HILT_DIAG_ERROR, doctype_line(path),
			       "a DOCTYPE is not allowed (no DTDs or entities)");
		xmlFreeDoc(x);
		return -EINVAL;
	}
	if (!xmlDocGetRootElement(x)) {
		hilt_diags_add(d, HILT_DIAG_ERROR, 1, "no root element");
		xmlFreeDoc(x);
		return -EINVAL;
	}
	*doc = x;
	return 0;
}

int hilt_xml_load(const char *path, xmlDoc **doc, char *err, size_t errlen)
{
	struct hilt_diags d;
	int rc;

	hilt_diags_init(&d, path);
	rc = hilt_xml_read(&d, doc);
	if (rc)
		hilt_diags_format(&d, err, errlen);
	hilt_diags_free(&d);
	return rc;
}

int hilt_xml_error(struct hilt_diags *d, const xmlNode *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_addv(d, HILT_DIAG_ERROR, node ? xmlGetLineNo(node) : 0L, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool hilt_xml_is(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)node->name, name) == 0;
}

int hilt_xml_check_attrs(struct hilt_diags *d, const xmlNode *node,
			 const char *const allowed[])
{
	int rc = 0;

	for (const xmlAttr *a = node->properties; a; a = a->next) {
		bool ok = false;

		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp((const char *)a->name, allowed[i]) == 0;
		if (!ok)
			rc = hilt_xml_error(d, node, "unknown attribute '%s' on <%s>",
					    (const char *)a->name,
					    (const char *)node->name);
	}
	return rc;
}

static bool is_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

int hilt_xml_check_element_only(struct hilt_diags *d, const xmlNode *node)
{
	int rc = 0;

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

		t += strspn(t ? t : "", " \t\r\n");
		for (; t && *t; t++)
			line -= *t == '\n';
		rc = hilt_diags_add(d, HILT_DIAG_ERROR, line > 0 ? line : xmlGetLineNo(node),
				    "unexpected text inside <%s>", (const char *)node->name);
	}
	return rc;
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

char *hilt_xml_attr_required(struct hilt_diags *d, const xmlNode *node,
			     const char *name)
{
	char *v = hilt_xml_attr(node, name);

	if (!v || !*v) {
		free(v);
		hilt_xml_error(d, node, "<%s> needs a non-empty '%s' attribute",
			       (const char *)node->name, name);
		return NULL;
	}
	return v;
}

int hilt_xml_text(struct hilt_diags *d, const xmlNode *node, bool trim,
		  char **out)
{
	int rc = 0;

	*out = NULL;
	for (const xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			rc = hilt_xml_error(d, c, "<%s> is not allowed inside <%s>",
					    (const char *)c->name,
					    (const char *)node->name);
	if (rc)
		return rc;
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

int hilt_xml_parse_seconds(struct hilt_diags *d, const xmlNode *node,
			   const char *what, const char *text, double min,
			   double max, double *out)
{
	if (hilt_number_double(text, NULL, min, max, out) < 0)
		return hilt_xml_error(d, node,
				      "%s must be a number of seconds from %g to %g in plain decimal (such as 30 or 0.5), not '%s'",
				      what, min, max, text);
	return 0;
}

int hilt_xml_parse_count(struct hilt_diags *d, const xmlNode *node,
			 const char *what, const char *text, unsigned long min,
			 unsigned long max, unsigned long *out)
{
	if (hilt_number_ulong(text, NULL, min, max, out) < 0)
		return hilt_xml_error(d, node, "%s must be a whole number from %lu to %lu, not '%s'",
				      what, min, max, text);
	return 0;
}

int hilt_xml_seconds(struct hilt_diags *d, const xmlNode *node,
		     const char *name, double *out)
{
	char *v = hilt_xml_attr(node, name);
	char what[128];
	int rc;

	if (!v)
		return 0;
	snprintf(what, sizeof(what), "'%s'", name);
	rc = hilt_xml_parse_seconds(d, node, what, v, 0.001, 86400, out);
	free(v);
	return rc;
}

int hilt_xml_count(struct hilt_diags *d, const xmlNode *node, const char *name,
		   unsigned long min, unsigned long max, unsigned long *out)
{
	char *v = hilt_xml_attr(node, name);
	char what[128];
	int rc;

	if (!v)
		return 0;
	snprintf(what, sizeof(what), "'%s'", name);
	rc = hilt_xml_parse_count(d, node, what, v, min, max, out);
	free(v);
	return rc;
}

int hilt_xml_choice(struct hilt_diags *d, const xmlNode *node, const char *name,
		    const char *const *choices, int *out)
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
	int rc = hilt_xml_error(d, node, "'%s' must be %s, not '%s'", name, list, v);

	free(v);
	return rc;
}

int hilt_xml_bool(struct hilt_diags *d, const xmlNode *node, const char *name,
		  bool *out)
{
	static const char *const choices[] = { "false", "true", NULL };
	int v, rc = hilt_xml_choice(d, node, name, choices, &v);

	if (rc == 1)
		*out = v == 1;
	return rc < 0 ? rc : 0;
}
