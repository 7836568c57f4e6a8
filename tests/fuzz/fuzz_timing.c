/* libFuzzer harness: the timing-file reader of realtime replay
 * (targets/timing.c) takes any bytes.  A file it accepts holds delays
 * and chunk sizes within its limits and reads back the same once
 * written out again; a file it refuses is refused at one of its lines,
 * with a reason.  Built and run by tests/fuzz/run.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/timing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as a stream (fmemopen takes no empty buffer). */
static FILE *open_bytes(const void *p, size_t n)
{
	return n ? fmemopen((void *)p, n, "r") : fopen("/dev/null", "r");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hilt_timing tm = { 0 }, again = { 0 };
	char why[160] = "";
	long line, lines = 1;
	FILE *f = open_bytes(data, size);

	if (!f)
		return 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	int rc = hilt_timing_parse(f, &tm, &line, why, sizeof(why));

	fclose(f);
	if (rc == -EINVAL) {
		if (line < 1 || line > lines || !*why) {
			fprintf(stderr, "refused at line %ld of %ld: '%s'\n", line, lines, why);
			abort();
		}
		hilt_timing_free(&tm);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "unexpected result %d\n", rc);
		abort();
	}
	/* Accepted: within limits, and the same once written out again. */
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		abort();
	for (size_t i = 0; i < tm.n; i++) {
		if (tm.delay_ns[i] < 0 || tm.delay_ns[i] > (int64_t)HILT_TIMING_DELAY_MAX_S * 1000000000 + 999999999 ||
		    tm.len[i] > HILT_TIMING_LEN_MAX)
			abort();
		fprintf(out, "%" PRId64 ".%09" PRId64 " %zu\n", tm.delay_ns[i] / 1000000000,
			tm.delay_ns[i] % 1000000000, tm.len[i]);
	}
	fclose(out);
	f = open_bytes(text, len);
	if (!f)
		abort();
	rc = hilt_timing_parse(f, &again, &line, why, sizeof(why));
	fclose(f);
	if (rc || again.n != tm.n ||
	    (tm.n && (memcmp(again.delay_ns, tm.delay_ns, tm.n * sizeof(*tm.delay_ns)) ||
		      memcmp(again.len, tm.len, tm.n * sizeof(*tm.len))))) {
		fprintf(stderr, "written out again, read back differently (rc %d, %zu of %zu lines): %s\n",
			rc, again.n, tm.n, why);
		abort();
	}
	free(text);
	hilt_timing_free(&tm);
	hilt_timing_free(&again);
	return 0;
}
