#define _GNU_SOURCE
/* <http name=".." timeout=".." method="GET" path="/" port="80"
 * status="200" max-body=".."><body>re</body><header name="..">re</header>
 * </http>: an HTTP request to the device, retried until its deadline,
 * judged on status, headers and body (runner/engine/http.c).  It watches
 * no console output: the deadline is the probe's own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/cases/case.h"

struct probe {
	char *method;		/* GET by default */
	char *path;		/* starts with / */
	int port;		/* on the device */
	long status;		/* expected, 200 by default */
	size_t max_body;
	struct hilt_http_header_check *headers;	/* name + value pattern */
	size_t nheaders;
};

struct probe_run {
	struct hilt_http_spec spec;
	char *url;
	struct hilt_pattern *body;	/* the <body> with the captured values */
};

static void probe_parse(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c)
{
	struct hilt_diags *d = hilt_loader_diags(ld);
	unsigned long port = 80, status = 200, max_body = 16 * 1024 * 1024;
	struct probe *h = calloc(1, sizeof(*h));

	if (!h) {
		hilt_loader_note(ld, -ENOMEM);
		return;
	}
	c->data = h;
	hilt_xml_count(d, node, "port", 1, 65535, &port);
	hilt_xml_count(d, node, "status", 100, 599, &status);
	hilt_xml_count(d, node, "max-body", 0, 1UL << 40, &max_body);
	h->port = (int)port;
	h->status = (long)status;
	h->max_body = (size_t)max_body;
	h->method = hilt_xml_attr(node, "method");
	if (!h->method)
		h->method = strdup("GET");
	h->path = hilt_xml_attr(node, "path");
	if (!h->path)
		h->path = strdup("/");
	if (!h->method || !h->path) {
		hilt_loader_note(ld, -ENOMEM);
		return;
	}
	bool capitals = *h->method != '\0';

	for (const char *m = h->method; *m; m++)
		capitals &= *m >= 'A' && *m <= 'Z';
	if (!capitals)
		hilt_xml_error(d, node, "method must be an HTTP method in capitals, not '%s'",
			       h->method);
	if (h->path[0] != '/' || strpbrk(h->path, " \t\r\n"))
		hilt_xml_error(d, node,
			       "path must start with / and hold no white space, not '%s'",
			       h->path);
	hilt_xml_check_element_only(d, node);
	for (const xmlNode *ch = node->children; ch && !hilt_loader_out_of_memory(ld);
	     ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(ch, "body")) {
			hilt_xml_check_attrs(d, ch, (const char *const[]){ NULL });
			if (c->expect_src)
				hilt_xml_error(d, ch, "<http> takes one <body>");
			else if (hilt_loader_note(ld, hilt_xml_text(d, ch, true, &c->expect_src)) == 0)
				hilt_loader_expect(ld, ch, c, hilt_case_label(c, node));
		} else if (hilt_xml_is(ch, "header")) {
			static const char *const hattrs[] = { "name", NULL };
			char *name = hilt_xml_attr_required(d, ch, "name");
			char *text = NULL;
			struct hilt_pattern *p = NULL;

			hilt_xml_check_attrs(d, ch, hattrs);
			if (hilt_loader_note(ld, hilt_xml_text(d, ch, true, &text)) == 0 &&
			    hilt_loader_compile(ld, ch, name ? name : "<header>", text, &p) == 0 &&
			    name) {
				struct hilt_http_header_check *more =
					realloc(h->headers, (h->nheaders + 1) * sizeof(*more));

				if (!more) {
					hilt_loader_note(ld, -ENOMEM);
				} else {
					h->headers = more;
					more[h->nheaders].name = name;
					more[h->nheaders++].value = p;
					name = NULL;
					p = NULL;
				}
			}
			hilt_pattern_free(p);
			free(name);
			free(text);
		} else {
			hilt_xml_error(d, ch,
				       "unknown element <%s> in <http> (expected <body> or <header>)",
				       (const char *)ch->name);
		}
	}
}

static void probe_free(struct hilt_case *c)
{
	struct probe *h = c->data;

	if (!h)
		return;
	free(h->method);
	free(h->path);
	for (size_t i = 0; i < h->nheaders; i++) {
		free((char *)h->headers[i].name);
		hilt_pattern_free((struct hilt_pattern *)h->headers[i].value);
	}
	free(h->headers);
	free(h);
}

static void probe_done(struct hilt_case_run *run, const struct hilt_http_result *r)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct probe *h = c->data;
	const struct probe_run *pr = hilt_run_state(run);
	char *output = NULL, prop[300], val[64];

	if (asprintf(&output, "%s %s -> %s%ld in %.3f s (attempt %u), %zu body bytes\n%s",
		     h->method, pr->url, r->status ? "" : "no response, status ",
		     r->status, r->time_s, r->attempts, r->body_bytes, r->excerpt) < 0)
		output = NULL;
	if (r->passed)
		hilt_run_verdict(run, HILT_PASS, NULL, NULL, NULL);
	else
		hilt_run_verdict(run, HILT_FAIL, "http", r->excerpt[0] ? r->excerpt : NULL,
				 "%s %s: %s (%u attempt%s in %.1f s)", h->method, pr->url,
				 r->reason, r->attempts, r->attempts == 1 ? "" : "s",
				 hilt_run_elapsed_s(run));
	hilt_run_output(run, output);
	snprintf(prop, sizeof(prop), "http.%s.status", c->name);
	snprintf(val, sizeof(val), "%ld", r->status);
	hilt_run_property(run, prop, val);
	snprintf(prop, sizeof(prop), "http.%s.time", c->name);
	snprintf(val, sizeof(val), "%.3f", r->time_s);
	hilt_run_property(run, prop, val);
	hilt_run_done(run);
}

static void probe_begin(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct probe *h = c->data;
	struct probe_run *pr = hilt_run_state(run);
	char host[256], err[512];
	int port, rc;

	rc = hilt_run_http_endpoint(run, h->port, host, sizeof(host), &port, err, sizeof(err));
	if (rc == -ENOTSUP) {
		hilt_run_verdict(run, HILT_SKIP, "no-network", NULL, "not run: %s", err);
		hilt_run_done(run);
		return;
	}
	if (rc < 0) {
		hilt_run_verdict(run, HILT_ERROR, "infrastructure", NULL,
				 "HTTP probe '%s': %s", c->name, err);
		hilt_run_done(run);
		return;
	}
	if (asprintf(&pr->url, "http://%s:%d%s", host, port, h->path) < 0) {
		pr->url = NULL;
		hilt_run_verdict(run, HILT_ERROR, "runner", NULL, "out of memory");
		hilt_run_done(run);
		return;
	}
	/* A <body> with ${var} is compiled now that the values are known. */
	if (c->expect_src && !c->expect) {
		char *re = hilt_run_expand(run, c->expect_src, true, err, sizeof(err));

		rc = re ? hilt_pattern_compile(re, &pr->body, err, sizeof(err)) : -EINVAL;
		free(re);
		if (rc < 0) {
			hilt_run_verdict(run, HILT_FAIL, "probe-setup", NULL,
					 "HTTP probe '%s': cannot use the captured values in /%s/: %s",
					 c->name, c->expect_src, err);
			hilt_run_done(run);
			return;
		}
	}
	pr->spec = (struct hilt_http_spec){
		.method = h->method,
		.url = pr->url,
		.status = h->status,
		.body = pr->body ? pr->body : c->expect,
		.headers = h->headers,
		.nheaders = h->nheaders,
		.deadline_ns = hilt_run_deadline_ns(run),
		.retry_ns = 250 * 1000000LL,
		.max_body = h->max_body,
	};
	rc = hilt_run_http_start(run, &pr->spec, probe_done, err, sizeof(err));
	if (rc < 0) {
		hilt_run_verdict(run, HILT_ERROR, "runner", NULL, "HTTP probe: %s", err);
		hilt_run_done(run);
	}
}

static void probe_end(struct hilt_case_run *run)
{
	struct probe_run *pr = hilt_run_state(run);

	free(pr->url);
	hilt_pattern_free(pr->body);
}

const struct hilt_case_ops hilt_case_probe = {
	.element = "http",
	.attrs = (const char *const[]){ "name", "timeout", "method", "path", "port", "status",
					"max-body", NULL },
	.parse = probe_parse,
	.free = probe_free,
	.run_size = sizeof(struct probe_run),
	.begin = probe_begin,
	.end = probe_end,
};
