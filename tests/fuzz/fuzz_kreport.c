/* libFuzzer harness: the kernel report reader finds the same reports
 * however the console's bytes are chunked (titles, kinds, counts, first
 * lines, blocks, fatal, offsets, in the same order), and however it
 * passes over the lines between reports (its vector passes for the
 * report-start marks, VBMI's, AVX-512BW's, AVX2's, where the CPU has them,
 * or every line read: kreport_int.h), and holds no more than its stated
 * bound.  The first two bytes pick the chunk sizes; a
 * small max_findings and block_cap make the bounds easy to reach.  Built
 * and run by tests/fuzz/run.sh. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/engine/kreport.h"
#include "runner/engine/kreport_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FINDINGS 8
#define BLOCK_CAP 512

static struct hilt_kreport *reader(enum kr_skim skim)
{
	struct hilt_kreport_opts o = { .max_findings = MAX_FINDINGS, .block_cap = BLOCK_CAP };
	struct hilt_kreport *kr;
	char err[256];

	if (hilt_kreport_new(&o, &kr, err, sizeof(err)))
		abort();
	kr_set_skim(kr, skim);
	return kr;
}

/* a and b found the same; what says how b was fed, beside a */
static void same(const struct hilt_kreport *a, const struct hilt_kreport *b, const char *what)
{
	size_t n = hilt_kreport_count(a);

	if (n != hilt_kreport_count(b) || hilt_kreport_dropped(a) != hilt_kreport_dropped(b)) {
		fprintf(stderr, "%s: %zu findings (%lu dropped), %zu (%lu) so\n", what, n,
			hilt_kreport_dropped(a), hilt_kreport_count(b), hilt_kreport_dropped(b));
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		const struct hilt_finding *x = hilt_kreport_get(a, i), *y = hilt_kreport_get(b, i);

		if (strcmp(x->title, y->title) || x->kind != y->kind || x->count != y->count ||
		    strcmp(x->line, y->line) || x->block_len != y->block_len ||
		    memcmp(x->block, y->block, x->block_len) || x->offset != y->offset ||
		    x->fatal != y->fatal) {
			fprintf(stderr, "%s changed finding %zu: '%s' x%lu, '%s' x%lu so\n", what, i + 1,
				x->title, x->count, y->title, y->count);
			abort();
		}
		if (x->block_len > BLOCK_CAP || strlen(x->block) != x->block_len) {
			fprintf(stderr, "finding %zu's block is %zu bytes (cap %d)\n", i + 1, x->block_len,
				BLOCK_CAP);
			abort();
		}
	}
	if (hilt_kreport_bytes(a) > 40 * 1024 + MAX_FINDINGS * (BLOCK_CAP + 1331)) {
		fprintf(stderr, "the reader holds %zu bytes\n", hilt_kreport_bytes(a));
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t a = (size_t)data[0] % 61 + 1, b = (size_t)data[1] % 7 + 1;
	const char *in = (const char *)data + 2;
	size_t n = size - 2;
	struct hilt_kreport *whole = reader(KR_SKIM_BEST), *chunked = reader(KR_SKIM_BEST);
	/* the same whole, every line read, and with AVX-512BW's and AVX2's
	 * passes */
	struct hilt_kreport *every = reader(KR_SKIM_NONE), *avx2 = reader(KR_SKIM_AVX2);
	struct hilt_kreport *bw = reader(KR_SKIM_BW);

	if (hilt_kreport_feed(whole, in, n) || hilt_kreport_finish(whole))
		abort();
	if (hilt_kreport_feed(every, in, n) || hilt_kreport_finish(every))
		abort();
	if (hilt_kreport_feed(avx2, in, n) || hilt_kreport_finish(avx2))
		abort();
	if (hilt_kreport_feed(bw, in, n) || hilt_kreport_finish(bw))
		abort();
	for (size_t off = 0, k = 0; off < n; k++) {
		size_t len = k % 2 ? b : a;

		if (len > n - off)
			len = n - off;
		if (hilt_kreport_feed(chunked, in + off, len))
			abort();
		off += len;
	}
	if (hilt_kreport_finish(chunked))
		abort();
	char what[64];

	snprintf(what, sizeof(what), "chunks of %zu and %zu bytes", a, b);
	same(whole, chunked, what);
	same(every, whole, "the best vector pass");
	same(every, avx2, "AVX2's pass");
	same(every, bw, "AVX-512BW's pass");
	hilt_kreport_free(every);
	hilt_kreport_free(bw);
	hilt_kreport_free(avx2);
	hilt_kreport_free(whole);
	hilt_kreport_free(chunked);
	return 0;
}
