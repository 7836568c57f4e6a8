/* libFuzzer harness: the test result stream readers (KTAP, TAP, ztest,
 * Unity, each on every input) hand over the same cases, counts, status
 * and problem whether the input is fed whole or in chunks (the first two
 * bytes pick the chunk sizes and the end: EOF or a crash), and keep to
 * their bounds: a case's diag within HILT_TSTREAM_DIAG_MAX and as long as
 * it says, its offsets within the input, its path bounded.  Built and
 * run by tests/fuzz/run.sh; seeded with tests/data/results. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/engine/tstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
	uint64_t hash;
	size_t cases;
	size_t size;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		d->hash = (d->hash ^ b[i]) * 1099511628211ull;
	d->hash = (d->hash ^ 0xff) * 1099511628211ull;
}

static void on_case(void *owner, const struct hilt_tstream_case *c)
{
	struct digest *d = owner;
	size_t plen = strlen(c->path);

	if (c->diag_len > HILT_TSTREAM_DIAG_MAX || strlen(c->diag) != c->diag_len ||
	    c->begin > c->end || c->end > d->size || plen > 8192) {
		fprintf(stderr, "case %zu '%.80s': diag %zu (strlen %zu), offsets %llu..%llu of %zu, path %zu\n",
			d->cases + 1, c->path, c->diag_len, strlen(c->diag), (unsigned long long)c->begin,
			(unsigned long long)c->end, d->size, plen);
		abort();
	}
	d->cases++;
	mix(d, c->path, plen);
	mix(d, &c->verdict, sizeof(c->verdict));
	mix(d, c->reason, strlen(c->reason));
	mix(d, c->diag, c->diag_len);
	mix(d, &c->seconds, sizeof(c->seconds));
	mix(d, &c->begin, sizeof(c->begin));
	mix(d, &c->end, sizeof(c->end));
}

static void finish(struct hilt_tstream *ts, enum hilt_tstream_end how, struct digest *d)
{
	const struct hilt_tstream_counts *c;

	mix(d, (bool[]){ hilt_tstream_done(ts) }, sizeof(bool));
	hilt_tstream_finish(ts, how);
	c = hilt_tstream_counts(ts);
	if (c->total != c->passed + c->failed + c->skipped + c->errors + c->crashed) {
		fprintf(stderr, "total %lu is not the sum of the five\n", c->total);
		abort();
	}
	mix(d, c, sizeof(*c));
	mix(d, hilt_tstream_status(ts), strlen(hilt_tstream_status(ts)));
	mix(d, hilt_tstream_problem(ts), strlen(hilt_tstream_problem(ts)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t a = (size_t)data[0] % 61 + 1, b = (size_t)data[1] % 7 + 1;
	enum hilt_tstream_end how = data[1] & 0x80 ? HILT_TS_END_CRASH : HILT_TS_END_EOF;
	const char *in = (const char *)data;

	for (int f = HILT_TS_KTAP; f <= HILT_TS_UNITY; f++) {
		struct digest whole = { 14695981039346656037ull, 0, size }, chunked = whole;
		struct hilt_tstream *w = hilt_tstream_new(f, "fuzz", on_case, &whole);
		struct hilt_tstream *c = hilt_tstream_new(f, "fuzz", on_case, &chunked);

		if (!w || !c)
			abort();
		hilt_tstream_feed(w, in, size);
		finish(w, how, &whole);
		for (size_t off = 0, k = 0; off < size && !hilt_tstream_done(c); k++) {
			size_t len = k % 2 ? b : a;

			if (len > size - off)
				len = size - off;
			hilt_tstream_feed(c, in + off, len);
			off += len;
		}
		finish(c, how, &chunked);
		if (whole.hash != chunked.hash || whole.cases != chunked.cases) {
			fprintf(stderr, "%s: chunks of %zu and %zu bytes give %zu cases, whole %zu (or other fields)\n",
				hilt_tstream_format_name(f), a, b, chunked.cases, whole.cases);
			abort();
		}
		hilt_tstream_free(w);
		hilt_tstream_free(c);
	}
	return 0;
}
