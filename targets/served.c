#define _GNU_SOURCE
#include "targets/served.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

struct transfer {
	char *url, *result;
	char sha256[65];
	unsigned long long bytes;
	long long size;
};

struct hilt_served {
	struct transfer *v;
	size_t n, cap;
	size_t total;		/* also those not listed */
};

struct hilt_served *hilt_served_new(void)
{
	return calloc(1, sizeof(struct hilt_served));
}

void hilt_served_add(struct hilt_served *s, const char *url, unsigned long long bytes,
		     long long size, const char *sha256, const char *result)
{
	struct transfer *v;

	if (!s)
		return;
	s->total++;
	if (s->n == HILT_SERVED_MAX ||
	    !(v = hilt_grow(s->v, s->n + 1, &s->cap, sizeof(*v), 8)))
		return;
	s->v = v;
	v = &s->v[s->n];
	*v = (struct transfer){ .url = strdup(url), .result = strdup(result),
				.bytes = bytes, .size = size };
	snprintf(v->sha256, sizeof(v->sha256), "%s", sha256 ? sha256 : "");
	if (!v->url || !v->result) {
		free(v->url);
		free(v->result);
		return;
	}
	s->n++;
}

size_t hilt_served_count(const struct hilt_served *s)
{
	return s ? s->total : 0;
}

void hilt_served_describe(const struct hilt_served *s, hilt_property_cb cb, void *arg)
{
	char name[64], val[32];

	if (!s || !s->total)
		return;
	for (size_t i = 0; i < s->n; i++) {
		const struct transfer *t = &s->v[i];

		snprintf(name, sizeof(name), "served.%zu", i + 1);
		cb(arg, name, t->url);
		snprintf(name, sizeof(name), "served.%zu.bytes", i + 1);
		snprintf(val, sizeof(val), "%llu", t->bytes);
		cb(arg, name, val);
		if (t->size >= 0) {
			snprintf(name, sizeof(name), "served.%zu.size", i + 1);
			snprintf(val, sizeof(val), "%lld", t->size);
			cb(arg, name, val);
		}
		if (*t->sha256) {
			snprintf(name, sizeof(name), "served.%zu.sha256", i + 1);
			cb(arg, name, t->sha256);
		}
		snprintf(name, sizeof(name), "served.%zu.result", i + 1);
		cb(arg, name, t->result);
	}
	snprintf(val, sizeof(val), "%zu", s->total);
	cb(arg, "served.count", val);
}

void hilt_served_free(struct hilt_served *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].url);
		free(s->v[i].result);
	}
	free(s->v);
	free(s);
}
