#define _GNU_SOURCE
#include "reports/merge.h"

#include <errno.h>
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/atomic.h"
#include "reports/jread.h"
#include "reports/relpath.h"
#include "reports/sax.h"

/* The files are streamed (SAX, in chunks): each testsuite is copied, event
 * by event, into a body kept in an unnamed temporary file, and only the
 * totals stay in memory; the document is the root with its totals, then
 * the body.  A 100 MB input costs the buffers, not its size. */

#define CHUNK (64 * 1024)
#define DEPTH_MAX 256

struct hilt_merge {
	FILE *body;		/* the testsuites copied so far */
	char *out_dir;		/* resolved: where the merge is written */
	struct hilt_merge_totals totals;
};

/* One open testsuite: what its time adds to its parent's. */
struct open_suite {
	double time_attr;	/* < 0: none */
	double cases;		/* the times of its cases and nested suites */
};

struct copy {
	struct hilt_sax x;	/* first: the SAX callbacks' user data */
	struct hilt_merge *m;
	struct hilt_merge_totals t;	/* of this file, added at its end */
	unsigned depth;			/* of the element being read */
	bool root_seen, root_is_suite;
	/* The root <testsuites>'s namespace declarations: a top-level suite
	 * copied without it needs them. */
	char **root_ns;
	size_t nroot_ns;
	bool pending;		/* a start tag is open ("<a x='1'"), not closed */
	unsigned copying;	/* depth of the top-level suite being copied; 0: none */
	struct open_suite suites[DEPTH_MAX];
	unsigned nsuites;
	bool in_case;
	/* The input's folder, resolved; whether it is the merge's. */
	char *in_dir;
	bool moved;
	/* Of the top-level suite being copied: hilt's (a console.log), and
	 * whether it says where its attachments are. */
	bool hilt_suite, has_attach_root;
};

/* Properties of hilt's naming a file or folder relative to the JUnit. */
static bool path_property(const char *name, size_t n)
{
	static const char *const names[] = { "console.log", "net.pcap", "attachments.root" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(names[i], name, n))
			return true;
	return false;
}

int hilt_merge_new(const char *out_path, struct hilt_merge **out)
{
	struct hilt_merge *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	/* A folder that is not there leaves the paths as they are; writing
	 * there fails later, with its reason. */
	m->out_dir = strcmp(out_path, "-") ? hilt_dir_of(out_path) : realpath(".", NULL);
	m->body = tmpfile();
	if (!m->body) {
		int rc = -errno;

		free(m->out_dir);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void hilt_merge_free(struct hilt_merge *m)
{
	if (!m)
		return;
	fclose(m->body);
	free(m->out_dir);
	free(m);
}

void hilt_merge_totals(const struct hilt_merge *m, struct hilt_merge_totals *t)
{
	*t = m->totals;
}

/* Escaped as libxml2's serializer does: in text &, <, > and CR; in an
 * attribute also ", tab and line ends, which a parser would otherwise
 * normalize away. */
static void put_escaped(FILE *f, const char *s, size_t n, bool attr)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\r': fputs("&#13;", f); break;
		case '"': attr ? fputs("&quot;", f) : fputc('"', f); break;
		case '\n': attr ? fputs("&#10;", f) : fputc('\n', f); break;
		case '\t': attr ? fputs("&#9;", f) : fputc('\t', f); break;
		default: fputc(s[i], f);
		}
	}
}

/* libxml2 hands '&' in attribute values as "&#38;" when it does not
 * substitute entities: undone, then escaped again. */
static void put_attr_value(FILE *f, const char *v, const char *end)
{
	fputc('"', f);
	while (v < end) {
		const char *amp = memmem(v, (size_t)(end - v), "&#38;", 5);
		const char *stop = amp ? amp : end;

		put_escaped(f, v, (size_t)(stop - v), true);
		if (!amp)
			break;
		fputs("&amp;", f);
		v = amp + 5;
	}
	fputc('"', f);
}

static void close_pending(struct copy *c)
{
	if (c->pending) {
		fputc('>', c->m->body);
		c->pending = false;
	}
}

static void put_name(FILE *f, const xmlChar *prefix, const xmlChar *local)
{
	if (prefix)
		fprintf(f, "%s:", (const char *)prefix);
	fputs((const char *)local, f);
}

static double attr_time(int nattrs, const xmlChar **attrs)
{
	for (int i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (!a[1] && !strcmp((const char *)a[0], "time")) {
			char *v = strndup((const char *)a[3], (size_t)(a[4] - a[3]));
			double d = hilt_jread_seconds(v);

			free(v);
			return d;
		}
	}
	return -1;
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
		     int nns, const xmlChar **ns, int nattrs, int ndefaulted, const xmlChar **attrs)
{
	struct copy *c = ctx;
	const char *name = (const char *)local;
	FILE *f = c->m->body;

	(void)uri, (void)ndefaulted;
	if (c->x.rc)
		return;
	if (++c->depth >= DEPTH_MAX) {
		hilt_sax_fail(&c->x, -EINVAL, hilt_sax_line(&c->x), "elements nested more than %d deep", DEPTH_MAX);
		return;
	}
	if (!c->root_seen) {
		c->root_seen = true;
		c->root_is_suite = !strcmp(name, "testsuite");
		if (!c->root_is_suite && strcmp(name, "testsuites")) {
			hilt_sax_fail(&c->x, -EINVAL, hilt_sax_line(&c->x), "not a JUnit report: its root is <%s>, not "
			     "<testsuites> or <testsuite>", name);
			return;
		}
		if (!c->root_is_suite) {
			/* Kept for the suites: "xmlns[:p]=\"uri\"" each. */
			c->root_ns = calloc((size_t)nns + 1, sizeof(*c->root_ns));
			for (int i = 0; c->root_ns && i < nns; i++) {
				const char *p = (const char *)ns[2 * i], *u = (const char *)ns[2 * i + 1];

				if (asprintf(&c->root_ns[c->nroot_ns], "xmlns%s%s=%s", p ? ":" : "",
					     p ? p : "", u) >= 0)
					c->nroot_ns++;
			}
			return;
		}
	} else if (c->depth == 2 && !c->root_is_suite && strcmp(name, "testsuite")) {
		hilt_sax_fail(&c->x, -EINVAL, hilt_sax_line(&c->x), "not a JUnit report: <testsuites> holds a <%s>, "
		     "where only <testsuite> elements go", name);
		return;
	}
	if (!c->copying) {
		c->copying = c->depth;
		/* Each copy on a line of its own, indented as hilt's writer
		 * does; inside, white space stays as it was. */
		fputs("\n  ", f);
		c->t.suites++;
	}
	close_pending(c);
	fputc('<', f);
	put_name(f, prefix, local);
	for (int i = 0; i < nns; i++) {
		const char *p = (const char *)ns[2 * i], *u = (const char *)ns[2 * i + 1];

		fprintf(f, " xmlns%s%s=", p ? ":" : "", p ? p : "");
		put_attr_value(f, u, u + strlen(u));
	}
	/* The root's declarations the suite does not make itself. */
	for (size_t i = 0; c->copying == c->depth && i < c->nroot_ns; i++) {
		const char *eq = strchr(c->root_ns[i], '=');
		bool own = false;

		for (int k = 0; k < nns && !own; k++) {
			const char *p = (const char *)ns[2 * k];
			size_t plen = p ? strlen(p) + 6 : 5;

			own = (size_t)(eq - c->root_ns[i]) == plen &&
			      (p ? !strncmp(c->root_ns[i] + 6, p, plen - 6) : true);
		}
		if (!own) {
			fprintf(f, " %.*s=", (int)(eq - c->root_ns[i]), c->root_ns[i]);
			put_attr_value(f, eq + 1, eq + 1 + strlen(eq + 1));
		}
	}
	/* A path property of a suite's: renamed from the merge's folder. */
	const char *pname = NULL;
	size_t pname_len = 0;

	if (!strcmp(name, "property") && c->depth == c->copying + 2)
		for (int i = 0; i < nattrs; i++)
			if (!attrs[5 * i + 1] && !strcmp((const char *)attrs[5 * i], "name")) {
				pname = (const char *)attrs[5 * i + 3];
				pname_len = (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]);
			}
	if (pname && pname_len == 11 && !strncmp(pname, "console.log", 11))
		c->hilt_suite = true;
	if (pname && pname_len == 16 && !strncmp(pname, "attachments.root", 16))
		c->has_attach_root = true;
	for (int i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + 5 * i;
		const char *v = (const char *)a[3], *end = (const char *)a[4];
		char *renamed = NULL;

		fputc(' ', f);
		put_name(f, a[1], a[0]);
		fputc('=', f);
		if (pname && c->moved && path_property(pname, pname_len) && !a[1] &&
		    !strcmp((const char *)a[0], "value") && v < end && *v != '/') {
			char *value = strndup(v, (size_t)(end - v));

			renamed = value ? hilt_relpath(c->m->out_dir, c->in_dir, value) : NULL;
			free(value);
		}
		if (renamed)
			put_attr_value(f, renamed, renamed + strlen(renamed));
		else
			put_attr_value(f, v, end);
		free(renamed);
	}
	c->pending = true;

	/* The totals, counted from the cases: a failure, error or skipped
	 * element each counts (a pytest case can have a failure and an
	 * error). */
	if (!strcmp(name, "testsuite")) {
		c->suites[c->nsuites].time_attr = attr_time(nattrs, attrs);
		c->suites[c->nsuites++].cases = 0;
	} else if (!strcmp(name, "testcase") && c->nsuites) {
		double t = attr_time(nattrs, attrs);

		c->t.tests++;
		c->suites[c->nsuites - 1].cases += t >= 0 ? t : 0;
		c->in_case = true;
	} else if (c->in_case) {
		c->t.failures += !strcmp(name, "failure");
		c->t.errors += !strcmp(name, "error");
		c->t.skipped += !strcmp(name, "skipped");
	}
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct copy *c = ctx;
	const char *name = (const char *)local;
	FILE *f = c->m->body;

	(void)uri;
	if (c->x.rc || !c->depth)
		return;
	/* hilt's suite whose attachment lines are relative to its JUnit's
	 * folder: that folder, from the merge's. */
	if (c->copying && c->depth == c->copying + 1 && !strcmp(name, "properties") &&
	    c->hilt_suite && !c->has_attach_root && c->moved) {
		char *root = hilt_relpath(c->m->out_dir, c->in_dir, ".");

		close_pending(c);
		if (root) {
			fputs("<property name=\"attachments.root\" value=", f);
			put_attr_value(f, root, root + strlen(root));
			fputs("/>", f);
		}
		free(root);
	}
	if (c->copying) {
		if (c->pending) {
			fputs("/>", f);
			c->pending = false;
		} else {
			fputs("</", f);
			put_name(f, prefix, local);
			fputc('>', f);
		}
		if (!strcmp(name, "testsuite") && c->nsuites) {
			struct open_suite *s = &c->suites[--c->nsuites];
			double t = s->time_attr >= 0 ? s->time_attr : s->cases;

			if (c->nsuites)
				c->suites[c->nsuites - 1].cases += t;
			else
				c->t.time_s += t;
		} else if (!strcmp(name, "testcase")) {
			c->in_case = false;
		}
		if (c->copying == c->depth) {
			c->copying = 0;
			c->hilt_suite = c->has_attach_root = false;
		}
	}
	c->depth--;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
	struct copy *c = ctx;

	if (c->x.rc)
		return;
	if (!c->copying) {
		/* Between the suites of a <testsuites> only white space. */
		for (int i = 0; i < len; i++)
			if (!strchr(" \t\r\n", ch[i])) {
				hilt_sax_fail(&c->x, -EINVAL, hilt_sax_line(&c->x), "not a JUnit report: <testsuites> "
				     "holds text, where only <testsuite> elements go");
				return;
			}
		return;
	}
	close_pending(c);
	put_escaped(c->m->body, (const char *)ch, (size_t)len, false);
}

static void on_cdata(void *ctx, const xmlChar *ch, int len)
{
	struct copy *c = ctx;

	if (c->x.rc || !c->copying)
		return;
	close_pending(c);
	fputs("<![CDATA[", c->m->body);
	fwrite(ch, 1, (size_t)len, c->m->body);
	fputs("]]>", c->m->body);
}

static void on_comment(void *ctx, const xmlChar *text)
{
	struct copy *c = ctx;

	if (c->x.rc || !c->copying)
		return;
	close_pending(c);
	fprintf(c->m->body, "<!--%s-->", (const char *)text);
}

int hilt_merge_add_file(struct hilt_merge *m, const char *path, char *err, size_t errlen)
{
	struct copy c = { .x = { .path = path, .err = err, .errlen = errlen }, .m = m };
	off_t start = ftello(m->body);
	xmlSAXHandler sax;

	c.in_dir = hilt_dir_of(path);
	c.moved = c.in_dir && m->out_dir && strcmp(c.in_dir, m->out_dir);
	memset(&sax, 0, sizeof(sax));
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.ignorableWhitespace = on_text;
	sax.cdataBlock = on_cdata;
	sax.comment = on_comment;
	hilt_sax_read(&c.x, &sax, &c);
	if (!c.x.rc && fflush(m->body))
		hilt_sax_fail(&c.x, -errno, 0, "cannot keep its copy: %s", strerror(errno));
	if (c.x.rc) {
		/* Nothing of a bad file stays. */
		if (fflush(m->body) || ftruncate(fileno(m->body), start) ||
		    fseeko(m->body, start, SEEK_SET))
			c.x.rc = c.x.rc ? c.x.rc : -EIO;
	} else {
		m->totals.files++;
		m->totals.suites += c.t.suites;
		m->totals.tests += c.t.tests;
		m->totals.failures += c.t.failures;
		m->totals.errors += c.t.errors;
		m->totals.skipped += c.t.skipped;
		m->totals.time_s += c.t.time_s;
	}
	for (size_t i = 0; i < c.nroot_ns; i++)
		free(c.root_ns[i]);
	free(c.root_ns);
	free(c.in_dir);
	return c.x.rc;
}

/* The document: its root with the totals, the body, the end. */
static int write_doc(struct hilt_merge *m, int fd)
{
	const struct hilt_merge_totals *t = &m->totals;
	char head[512], *buf;
	int len, rc;

	/* The attributes of hilt's own <testsuites>, in its order; no
	 * 'skipped', which Jenkins' junit-10.xsd does not allow there. */
	len = snprintf(head, sizeof(head),
		       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hilt\" "
		       "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\"%s\n",
		       t->tests, t->failures, t->errors, t->time_s, t->suites ? ">" : "/>");
	struct iovec iov = { .iov_base = head, .iov_len = (size_t)len };

	if (t->suites)
		iov.iov_len--;	/* the newline comes after the last suite */
	rc = hilt_atomic_write_all(fd, &iov, 1);
	if (rc || !t->suites)
		return rc;
	if (fflush(m->body) || fseeko(m->body, 0, SEEK_SET))
		return -errno;
	buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t got = fread(buf, 1, CHUNK, m->body);

		iov = (struct iovec){ .iov_base = buf, .iov_len = got };
		if (got && (rc = hilt_atomic_write_all(fd, &iov, 1)))
			break;
		if (got < CHUNK) {
			rc = ferror(m->body) ? -EIO : 0;
			break;
		}
	}
	free(buf);
	fseeko(m->body, 0, SEEK_END);
	if (rc)
		return rc;
	iov = (struct iovec){ .iov_base = "\n</testsuites>\n", .iov_len = 15 };
	return hilt_atomic_write_all(fd, &iov, 1);
}

int hilt_merge_write(struct hilt_merge *m, const char *path, char *err, size_t errlen)
{
	struct hilt_atomic a;
	int rc;

	if (!strcmp(path, "-")) {
		rc = write_doc(m, STDOUT_FILENO);
		if (rc)
			snprintf(err, errlen, "cannot write to the standard output: %s",
				 strerror(-rc));
		return rc;
	}
	rc = hilt_atomic_begin(path, &a, err, errlen);
	if (rc)
		return rc;
	return hilt_atomic_end(&a, write_doc(m, a.fd), err, errlen);
}
