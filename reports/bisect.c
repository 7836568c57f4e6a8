/* hilt bisect's books (bisect.h): the candidates and their runs, the
 * search, the state file and the JSON.  In that order below. */
#define _GNU_SOURCE
#include "reports/bisect.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic.h"
#include "base/text.h"

struct hilt_bisect {
	struct hilt_bisect_cand *c;
	size_t n;
	unsigned repeat;
	enum hilt_bisect_flaky policy;
};

static const char *const verdict_names[] = {
	[HILT_BISECT_UNTESTED] = "untested", [HILT_BISECT_GOOD] = "good",
	[HILT_BISECT_BAD] = "bad",	     [HILT_BISECT_ERROR] = "error",
	[HILT_BISECT_SKIP] = "skip",
};

const char *hilt_bisect_verdict_name(enum hilt_bisect_verdict v)
{
	return v <= HILT_BISECT_SKIP ? verdict_names[v] : "?";
}

static int verdict_from_name(const char *s, enum hilt_bisect_verdict *v)
{
	for (int i = 0; i <= HILT_BISECT_SKIP; i++) {
		if (!strcmp(s, verdict_names[i])) {
			*v = (enum hilt_bisect_verdict)i;
			return 0;
		}
	}
	return -EINVAL;
}

int hilt_bisect_new(const char *const *names, const char *const *labels, size_t n,
		    unsigned repeat, enum hilt_bisect_flaky policy, struct hilt_bisect **out)
{
	struct hilt_bisect *b = calloc(1, sizeof(*b));

	if (!b || !(b->c = calloc(n + 1, sizeof(*b->c))))
		goto err_free;
	b->repeat = repeat;
	b->policy = policy;
	for (; b->n < n; b->n++) {
		struct hilt_bisect_cand *c = &b->c[b->n];

		c->name = strdup(names[b->n]);
		c->label = strdup(labels[b->n]);
		c->runs = calloc(repeat + 1, sizeof(*c->runs));
		if (!c->name || !c->label || !c->runs) {
			b->n++;
			goto err_free;
		}
	}
	*out = b;
	return 0;
err_free:
	hilt_bisect_free(b);
	return -ENOMEM;
}

void hilt_bisect_free(struct hilt_bisect *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		struct hilt_bisect_cand *c = &b->c[i];

		for (unsigned k = 0; c->runs && k < b->repeat; k++) {
			free(c->runs[k].why);
			free(c->runs[k].junit);
		}
		free(c->runs);
		free(c->name);
		free(c->label);
		free(c->why);
	}
	free(b->c);
	free(b);
}

size_t hilt_bisect_count(const struct hilt_bisect *b)
{
	return b->n;
}

unsigned hilt_bisect_repeat(const struct hilt_bisect *b)
{
	return b->repeat;
}

struct hilt_bisect_cand *hilt_bisect_cand(struct hilt_bisect *b, size_t i)
{
	return &b->c[i];
}

int hilt_bisect_set_run(struct hilt_bisect *b, size_t i, unsigned k,
			enum hilt_bisect_verdict v, unsigned attempts, char *why,
			const char *junit)
{
	struct hilt_bisect_run *r = &b->c[i].runs[k];

	free(r->why);
	free(r->junit);
	r->verdict = v;
	r->attempts = attempts;
	r->why = why;
	r->junit = junit ? strdup(junit) : NULL;
	return junit && !r->junit ? -ENOMEM : 0;
}

int hilt_bisect_set_skip(struct hilt_bisect *b, size_t i, char *why)
{
	free(b->c[i].why);
	b->c[i].why = why;
	b->c[i].build_skipped = true;
	return why ? 0 : -ENOMEM;
}

void hilt_bisect_set_step(struct hilt_bisect *b, size_t i, unsigned step)
{
	b->c[i].step = step;
}

void hilt_bisect_decide(struct hilt_bisect *b, size_t i)
{
	struct hilt_bisect_cand *c = &b->c[i];

	c->ngood = c->nbad = 0;
	for (unsigned k = 0; k < b->repeat; k++) {
		c->ngood += c->runs[k].verdict == HILT_BISECT_GOOD;
		c->nbad += c->runs[k].verdict == HILT_BISECT_BAD;
	}
	c->flaky = c->ngood && c->nbad;
	if (c->build_skipped || (!c->ngood && !c->nbad)) {
		c->verdict = HILT_BISECT_SKIP;
		return;
	}
	if (!c->flaky) {
		c->verdict = c->nbad ? HILT_BISECT_BAD : HILT_BISECT_GOOD;
		return;
	}
	switch (b->policy) {
	case HILT_BISECT_FLAKY_MAJORITY:
		c->verdict = c->nbad > c->ngood	  ? HILT_BISECT_BAD
			     : c->ngood > c->nbad ? HILT_BISECT_GOOD
						  : HILT_BISECT_SKIP;
		break;
	case HILT_BISECT_FLAKY_BAD:
		c->verdict = HILT_BISECT_BAD;
		break;
	case HILT_BISECT_FLAKY_GOOD:
		c->verdict = HILT_BISECT_GOOD;
		break;
	case HILT_BISECT_FLAKY_SKIP:
		c->verdict = HILT_BISECT_SKIP;
		break;
	}
}

/* ---- the search ---- */

/* The first bad candidate after the good end, and the last good one
 * before it. */
static void bounds(const struct hilt_bisect *b, size_t *lo, size_t *hi)
{
	*hi = b->n - 1;
	for (size_t i = 1; i < b->n; i++) {
		if (b->c[i].verdict == HILT_BISECT_BAD) {
			*hi = i;
			break;
		}
	}
	*lo = 0;
	for (size_t i = *hi; i-- > 0;) {
		if (b->c[i].verdict == HILT_BISECT_GOOD) {
			*lo = i;
			break;
		}
	}
}

enum hilt_bisect_next hilt_bisect_next(const struct hilt_bisect *b, size_t *i)
{
	const struct hilt_bisect_cand *good = &b->c[0], *bad = &b->c[b->n - 1];
	size_t lo, hi, mid;

	*i = 0;
	if (good->verdict == HILT_BISECT_UNTESTED)
		return HILT_BISECT_TEST;
	if (good->verdict == HILT_BISECT_SKIP)
		return HILT_BISECT_END_UNTESTABLE;
	if (good->verdict == HILT_BISECT_BAD)
		return HILT_BISECT_GOOD_END_BAD;
	*i = b->n - 1;
	if (bad->verdict == HILT_BISECT_UNTESTED)
		return HILT_BISECT_TEST;
	if (bad->verdict == HILT_BISECT_SKIP)
		return HILT_BISECT_END_UNTESTABLE;
	if (bad->verdict == HILT_BISECT_GOOD)
		return HILT_BISECT_BAD_END_GOOD;
	bounds(b, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	/* The untested one nearest the middle: a skip costs one step more,
	 * not the halving. */
	for (size_t d = 0; d < hi - lo; d++) {
		if (mid + d > lo && mid + d < hi && b->c[mid + d].verdict == HILT_BISECT_UNTESTED) {
			*i = mid + d;
			return HILT_BISECT_TEST;
		}
		if (d && mid >= d && mid - d > lo && b->c[mid - d].verdict == HILT_BISECT_UNTESTED) {
			*i = mid - d;
			return HILT_BISECT_TEST;
		}
	}
	*i = hi;
	return hi - lo > 1 ? HILT_BISECT_AMBIGUOUS : HILT_BISECT_FOUND;
}

void hilt_bisect_answer(const struct hilt_bisect *b, size_t *last_good, size_t *first_bad)
{
	bounds(b, last_good, first_bad);
}

unsigned hilt_bisect_steps(const struct hilt_bisect *b)
{
	unsigned n = 0;

	for (size_t i = 0; i < b->n; i++)
		n += b->c[i].step != 0;
	return n;
}

double hilt_bisect_confidence(const struct hilt_bisect *b)
{
	double p = 1;

	for (size_t i = 0; i < b->n; i++) {
		const struct hilt_bisect_cand *c = &b->c[i];

		if (!c->flaky || c->verdict == HILT_BISECT_SKIP)
			continue;
		p *= (double)(c->verdict == HILT_BISECT_BAD ? c->nbad : c->ngood) /
		     (double)(c->ngood + c->nbad);
	}
	return p;
}

/* ---- the state file ---- */

/* s with tab, newline and backslash escaped (a field of a line). */
static void put_field(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\\')
			fputs("\\\\", f);
		else
			fputc(*s, f);
	}
}

/* Undoes put_field in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

#define STATE_MAGIC "hilt-bisect-state 1"

int hilt_bisect_save(const struct hilt_bisect *b, const char *path, const char *plan, char *err,
		     size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	fprintf(f, "%s\nplan\t", STATE_MAGIC);
	put_field(f, plan);
	fputc('\n', f);
	for (size_t i = 0; i < b->n; i++) {
		const struct hilt_bisect_cand *c = &b->c[i];

		fprintf(f, "cand\t%zu\t", i);
		put_field(f, c->name);
		fputc('\n', f);
		if (c->build_skipped) {
			fprintf(f, "skip\t%zu\t", i);
			put_field(f, c->why);
			fputc('\n', f);
		}
		for (unsigned k = 0; k < b->repeat; k++) {
			const struct hilt_bisect_run *r = &c->runs[k];

			if (r->verdict == HILT_BISECT_UNTESTED)
				continue;
			fprintf(f, "run\t%zu\t%u\t%s\t%u\t", i, k, verdict_names[r->verdict],
				r->attempts);
			put_field(f, r->junit);
			fputc('\t', f);
			put_field(f, r->why);
			fputc('\n', f);
		}
	}
	if (fclose(f)) {
		free(buf);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	rc = hilt_atomic_write(path, &iov, 1, err, errlen);
	free(buf);
	return rc;
}

/* Splits line at tabs into at most max fields (unescaped); their number. */
static size_t split(char *line, char **field, size_t max)
{
	size_t n = 0;

	while (n < max) {
		char *tab = strchr(line, '\t');

		field[n++] = line;
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	for (size_t i = 0; i < n; i++)
		unescape(field[i]);
	return n;
}

static int load_line(struct hilt_bisect *b, char *line, const char *plan, size_t *ncand)
{
	char *f[8];
	size_t n = split(line, f, 8);
	unsigned long i = n > 1 ? strtoul(f[1], NULL, 10) : 0, k, attempts;
	enum hilt_bisect_verdict v;

	if (!strcmp(f[0], "plan"))
		return n == 2 && !strcmp(f[1], plan) ? 0 : -EINVAL;
	if (n < 3 || i >= b->n)
		return -EINVAL;
	if (!strcmp(f[0], "cand")) {
		if (i != *ncand || strcmp(f[2], b->c[i].name))
			return -EINVAL;
		++*ncand;
		return 0;
	}
	if (!strcmp(f[0], "skip"))
		return hilt_bisect_set_skip(b, i, strdup(f[2]));
	if (strcmp(f[0], "run") || n != 7)
		return -EINVAL;
	k = strtoul(f[2], NULL, 10);
	attempts = strtoul(f[4], NULL, 10);
	if (k >= b->repeat || verdict_from_name(f[3], &v) || v == HILT_BISECT_UNTESTED)
		return -EINVAL;
	return hilt_bisect_set_run(b, i, (unsigned)k, v, (unsigned)attempts,
				   *f[6] ? strdup(f[6]) : NULL, *f[5] ? f[5] : NULL);
}

int hilt_bisect_load(struct hilt_bisect *b, const char *path, const char *plan, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, ncand = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	if (!f) {
		if (errno != ENOENT)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? -ENOENT : -errno;
	}
	while (!rc && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1)
			rc = strcmp(line, STATE_MAGIC) ? -EINVAL : 0;
		else
			rc = load_line(b, line, plan, &ncand);
	}
	if (!rc && ncand != b->n)
		rc = -EINVAL;
	if (rc == -EINVAL)
		snprintf(err, errlen, "%s:%zu: this is the state of another bisect (other "
			 "candidates or options) or not a bisect's state: give another --out, "
			 "or remove it", path, lineno);
	else if (rc)
		snprintf(err, errlen, "%s: out of memory", path);
	free(line);
	fclose(f);
	return rc;
}

/* ---- JSON ---- */

void hilt_bisect_write_json(const struct hilt_bisect *b, const char *key, FILE *f)
{
	size_t i, lg = 0, fb = 0, *order;
	enum hilt_bisect_next next = hilt_bisect_next(b, &i);
	bool answered = next == HILT_BISECT_FOUND || next == HILT_BISECT_AMBIGUOUS;
	unsigned steps = hilt_bisect_steps(b);
	static const char *const status[] = {
		[HILT_BISECT_TEST] = "unfinished",
		[HILT_BISECT_FOUND] = "found",
		[HILT_BISECT_AMBIGUOUS] = "ambiguous",
		[HILT_BISECT_GOOD_END_BAD] = "good end is bad",
		[HILT_BISECT_BAD_END_GOOD] = "bad end is good",
		[HILT_BISECT_END_UNTESTABLE] = "end untestable",
	};

	if (answered)
		hilt_bisect_answer(b, &lg, &fb);
	fprintf(f, "{\n  \"status\": \"%s\",\n  \"first_bad\": ", status[next]);
	hilt_json_str_or_null(f, answered ? b->c[fb].name : NULL);
	fputs(",\n  \"last_good\": ", f);
	hilt_json_str_or_null(f, answered ? b->c[lg].name : NULL);
	fputs(",\n  \"maybe_first_bad\": [", f);
	for (size_t k = lg + 1; answered && k <= fb; k++) {
		fputs(k > lg + 1 ? ", " : "", f);
		hilt_json_str(f, b->c[k].name);
	}
	fprintf(f, "],\n  \"candidates\": %zu,\n  \"repeat\": %u,\n  \"steps_taken\": %u,\n"
		"  \"log2_candidates\": %.2f,\n  \"confidence\": %.3f,\n  \"steps\": [",
		b->n, b->repeat, steps, log2((double)b->n), hilt_bisect_confidence(b));
	order = calloc(steps + 1, sizeof(*order));
	for (size_t k = 0; order && k < b->n; k++)
		if (b->c[k].step)
			order[b->c[k].step - 1] = k;
	for (unsigned s = 0; order && s < steps; s++) {
		const struct hilt_bisect_cand *c = &b->c[order[s]];

		fprintf(f, "%s\n    {\"step\": %u, \"%s\": ", s ? "," : "", c->step, key);
		hilt_json_str(f, c->name);
		fprintf(f, ", \"index\": %zu, \"verdict\": \"%s\", \"decided\": \"%s\", "
			"\"good_runs\": %u, \"bad_runs\": %u", order[s],
			c->flaky ? "flaky" : hilt_bisect_verdict_name(c->verdict),
			hilt_bisect_verdict_name(c->verdict), c->ngood, c->nbad);
		if (c->why) {
			fputs(", \"why\": ", f);
			hilt_json_str(f, c->why);
		}
		fputs(", \"runs\": [", f);
		for (unsigned k = 0, first = 1; k < b->repeat; k++) {
			const struct hilt_bisect_run *r = &c->runs[k];

			if (r->verdict == HILT_BISECT_UNTESTED)
				continue;
			fprintf(f, "%s\n      {\"run\": %u, \"verdict\": \"%s\", \"attempts\": %u, "
				"\"junit\": ", first ? "" : ",", k + 1,
				hilt_bisect_verdict_name(r->verdict), r->attempts);
			first = 0;
			hilt_json_str_or_null(f, r->junit);
			fputs(", \"why\": ", f);
			hilt_json_str_or_null(f, r->why);
			fputs("}", f);
		}
		fputs("]}", f);
	}
	free(order);
	fputs("\n  ]\n}\n", f);
}
