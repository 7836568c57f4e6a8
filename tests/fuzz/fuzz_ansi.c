/* libFuzzer harness: the escape-sequence stripper gives the same text
 * however the console's bytes are chunked (a sequence split across reads
 * is removed all the same), and never writes more than it read.  The
 * first two bytes pick the chunk sizes.  Built and run by
 * tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ansi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t a = (size_t)data[0] % 17 + 1, b = (size_t)data[1] % 5 + 1;
	const char *in = (const char *)data + 2;
	size_t n = size - 2;
	char *whole = malloc(n + 1), *chunked = malloc(n + 1);
	struct hilt_ansi s1 = { 0 }, s2 = { 0 };
	size_t w, c = 0;

	if (!whole || !chunked)
		abort();
	w = hilt_ansi_strip(&s1, in, n, whole);
	/* Chunks of a and b bytes in turn, stripped in place as the session
	 * does. */
	for (size_t off = 0, k = 0; off < n; k++) {
		size_t len = k % 2 ? b : a;
		char buf[32];

		if (len > n - off)
			len = n - off;
		memcpy(buf, in + off, len);
		size_t got = hilt_ansi_strip(&s2, buf, len, buf);

		if (got > len)
			abort();
		memcpy(chunked + c, buf, got);
		c += got;
		off += len;
	}
	if (w > n || c != w || memcmp(whole, chunked, w) != 0) {
		fprintf(stderr, "chunks of %zu and %zu bytes changed the text: %zu bytes whole, %zu chunked\n",
			a, b, w, c);
		abort();
	}
	free(whole);
	free(chunked);
	return 0;
}
