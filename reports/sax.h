/* A file read through libxml2's SAX2 push parser, 64 KiB at a time: what
 * the JUnit reader and the merge share.  No network, no DTD (a DOCTYPE is
 * refused at once, before any entity it declares), no entity
 * substitution (libxml2 then hands '&' in attribute values as "&#38;"). */
#ifndef HILT_SAX_H
#define HILT_SAX_H

#include <libxml/parser.h>
#include <stddef.h>

/* The reading's state; the callbacks' user data must begin with it. */
struct hilt_sax {
	xmlParserCtxtPtr ctxt;	/* while reading */
	const char *path;
	char *err;
	size_t errlen;
	int rc;			/* the first error; the parser is stopped then */
};

/* Records the first error, "path:line: why" (or "path: why" for line 0),
 * with status rc, and stops the parser. */
void hilt_sax_fail(struct hilt_sax *x, int rc, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The line the parser is at. */
long hilt_sax_line(const struct hilt_sax *x);

/* Reads x->path (a regular file or a pipe) through sax's callbacks, with
 * ud, which begins with x, as their user data; sets sax's DOCTYPE and
 * error callbacks.  Returns x->rc: 0, -errno, or -EINVAL for a file that
 * is empty or not well-formed, with the reason in x->err. */
int hilt_sax_read(struct hilt_sax *x, xmlSAXHandler *sax, void *ud);

#endif
