#define _GNU_SOURCE
#include "runner/engine/durations.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/jread.h"

struct entry {
	char *suite, *target;	/* target may be NULL */
	double seconds;
};

struct hilt_durations {
	struct entry *v;
	size_t n;
	double mean;
};

/* Each top-level testsuite with a name and a time, as the streaming reader
 * hands it over at its end. */
static int add_suite(void *arg, const struct hilt_jsuite *s)
{
	struct hilt_durations *d = arg;
	const char *target = hilt_jsuite_prop(s, "target");
	struct entry *v;

	if (s->depth || !*s->name || s->time_s < 0)
		return 0;
	v = realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->v = v;
	v[d->n].suite = strdup(s->name);
	v[d->n].target = target ? strdup(target) : NULL;
	v[d->n].seconds = s->time_s;
	if (!v[d->n].suite || (target && !v[d->n].target)) {
		free(v[d->n].suite);
		free(v[d->n].target);
		return -ENOMEM;
	}
	d->n++;
	return 0;
}

int hilt_durations_load(const char *path, struct hilt_durations **out, char *err,
			size_t errlen)
{
	static const struct hilt_jread_ops ops = { .suite_end = add_suite };
	struct hilt_durations *d = calloc(1, sizeof(*d));
	int rc;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = hilt_jread_file(path, &ops, d, err, errlen);
	/* The reader said why, but not when a callback ran out of memory. */
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	if (!rc && !d->n) {
		snprintf(err, errlen, "%s: no <testsuite> with a name and a time", path);
		rc = -EINVAL;
	}
	if (rc) {
		hilt_durations_free(d);
		return rc;
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
