#define _GNU_SOURCE
#include "reports/sax.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

void hilt_sax_fail(struct hilt_sax *x, int rc, long line, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (x->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(x->err, x->errlen, "%s:%ld: %s", x->path, line, why);
	else
		snprintf(x->err, x->errlen, "%s: %s", x->path, why);
	x->rc = rc;
	if (x->ctxt)
		xmlStopParser(x->ctxt);
}

long hilt_sax_line(const struct hilt_sax *x)
{
	return x->ctxt ? xmlSAX2GetLineNumber(x->ctxt) : 0;
}

static void on_doctype(void *ud, const xmlChar *name, const xmlChar *id, const xmlChar *sys)
{
	struct hilt_sax *x = ud;

	(void)name, (void)id, (void)sys;
	hilt_sax_fail(x, -EINVAL, hilt_sax_line(x), "a DOCTYPE is not read in a JUnit report");
}

static void on_error(void *ud, const xmlError *e)
{
	struct hilt_sax *x = ud;
	char msg[300];

	if (!e || e->level < XML_ERR_ERROR)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "malformed XML");
	msg[strcspn(msg, "\n")] = '\0';
	hilt_sax_fail(x, -EINVAL, e->line, "malformed XML: %s", msg);
}

int hilt_sax_read(struct hilt_sax *x, xmlSAXHandler *sax, void *ud)
{
	size_t total = 0;
	struct stat sb;
	char *buf;
	ssize_t n;
	int fd;

	sax->initialized = XML_SAX2_MAGIC;
	sax->internalSubset = on_doctype;
	sax->serror = (xmlStructuredErrorFunc)on_error;
	fd = open(x->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		hilt_sax_fail(x, -errno, 0, "%s", strerror(errno));
		return x->rc;
	}
	/* A regular file, or a pipe (a shell's process substitution). */
	if (fstat(fd, &sb) || !(S_ISREG(sb.st_mode) || S_ISFIFO(sb.st_mode))) {
		close(fd);
		hilt_sax_fail(x, -EINVAL, 0, "not a regular file");
		return x->rc;
	}
	buf = malloc(CHUNK);
	x->ctxt = buf ? xmlCreatePushParserCtxt(sax, ud, NULL, 0, x->path) : NULL;
	if (!x->ctxt) {
		hilt_sax_fail(x, -ENOMEM, 0, "out of memory");
		goto out;
	}
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET | XML_PARSE_NOWARNING);
	while (!x->rc) {
		n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hilt_sax_fail(x, -errno, 0, "%s", strerror(errno));
			break;
		}
		if (n == 0 && !total) {
			hilt_sax_fail(x, -EINVAL, 0, "empty: not JUnit XML");
			break;
		}
		total += (size_t)n;
		if (xmlParseChunk(x->ctxt, buf, (int)n, n == 0) && !x->rc)
			hilt_sax_fail(x, -EINVAL, hilt_sax_line(x), "malformed XML");
		if (n == 0)
			break;
	}
out:
	if (x->ctxt)
		xmlFreeParserCtxt(x->ctxt);
	x->ctxt = NULL;
	free(buf);
	close(fd);
	return x->rc;
}
