#define _GNU_SOURCE
#include "runner/engine/durations.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *suite, *target;	/* target may be NULL */
	double seconds;
};

struct hilt_durations {
	struct entry *v;
	size_t n;
	double mean;
};

static char *prop(const xmlNode *suite, const char *name)
{
	for (const xmlNode *c = suite->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "properties"))
			continue;
		for (const xmlNode *p = c->children; p; p = p->next) {
			xmlChar *n;
			bool match;

			if (p->type != XML_ELEMENT_NODE || strcmp((const char *)p->name, "property"))
				continue;
			n = xmlGetProp(p, (const xmlChar *)"name");
			match = n && strcmp((const char *)n, name) == 0;
			xmlFree(n);
			if (match) {
				xmlChar *v = xmlGetProp(p, (const xmlChar *)"value");
				char *out = v ? strdup((const char *)v) : NULL;

				xmlFree(v);
				return out;
			}
		}
	}
	return NULL;
}

static int add_suite(struct hilt_durations *d, const xmlNode *node)
{
	xmlChar *name = xmlGetProp(node, (const xmlChar *)"name");
	xmlChar *time = xmlGetProp(node, (const xmlChar *)"time");
	struct entry *v;
	int rc = 0;

	if (!name || !time)
		goto out;
	v = realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v) {
		rc = -ENOMEM;
		goto out;
	}
	d->v = v;
	v[d->n].suite = strdup((const char *)name);
	v[d->n].target = prop(node, "target");
	v[d->n].seconds = strtod((const char *)time, NULL);
	if (!v[d->n].suite) {
		free(v[d->n].target);
		rc = -ENOMEM;
		goto out;
	}
	d->n++;
out:
	xmlFree(name);
	xmlFree(time);
	return rc;
}

static int walk(struct hilt_durations *d, const xmlNode *node)
{
	for (; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)node->name, "testsuite")) {
			int rc = add_suite(d, node);

			if (rc)
				return rc;
		} else if (!strcmp((const char *)node->name, "testsuites")) {
			int rc = walk(d, node->children);

			if (rc)
				return rc;
		}
	}
	return 0;
}

int hilt_durations_load(const char *path, struct hilt_durations **out, char *err,
			size_t errlen)
{
	struct hilt_durations *d = calloc(1, sizeof(*d));
	xmlDoc *doc;
	int rc;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		int n = snprintf(err, errlen, "%s", path);

		if (e && e->line && n >= 0 && (size_t)n < errlen)
			n += snprintf(err + n, errlen - (size_t)n, ":%d", e->line);
		if (n >= 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, ": not a readable XML file%s%s",
				 e && e->message ? ": " : "", e && e->message ? e->message : "");
		err[strcspn(err, "\n")] = '\0';
		free(d);
		return -EINVAL;
	}
	rc = walk(d, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		hilt_durations_free(d);
		return rc;
	}
	if (!d->n) {
		snprintf(err, errlen, "%s: no <testsuite> with a name and a time", path);
		hilt_durations_free(d);
		return -EINVAL;
	}
	for (size_t i = 0; i < d->n; i++)
		d->mean += d->v[i].seconds / (double)d->n;
	*out = d;
	return 0;
}

double hilt_durations_get(const struct hilt_durations *d, const char *suite,
			  const char *target)
{
	double any = -1;

	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].suite, suite))
			continue;
		if (target && d->v[i].target && !strcmp(d->v[i].target, target))
			return d->v[i].seconds;
		if (d->v[i].seconds > any)
			any = d->v[i].seconds;
	}
	return any >= 0 ? any : d->mean;
}

void hilt_durations_free(struct hilt_durations *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].suite);
		free(d->v[i].target);
	}
	free(d->v);
	free(d);
}
