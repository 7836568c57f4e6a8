/* libFuzzer harness: the matcher finds the same matches however the
 * output is chunked (tests/fuzz/matcher_check.h describes the input).
 * Built and run by tests/fuzz/run.sh. */
#include "tests/fuzz/matcher_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_input in;
	char why[512];

	if (mc_parse(data, size, &in) < 0)
		return 0;
	/* The input's own chunks, and one split point it picks. */
	struct mc_chunker chunkings[] = {
		{ .how = MC_INPUT },
		{ .how = MC_SPLIT,
		  .split = in.nchunks ? in.len * in.chunks[0] / 255 : in.len / 2 },
	};

	if (mc_check(&in, chunkings, 2, why, sizeof(why)) == 1) {
		fprintf(stderr, "chunking changed a result: %s\n", why);
		for (unsigned i = 0; i < in.npatterns; i++)
			fprintf(stderr, "  pattern %u: /%s/%s\n", i, in.patterns[i],
				in.late && i == in.npatterns - 1 ? " (watched late)" : "");
		fprintf(stderr, "  text (%zu bytes): ", in.len);
		for (size_t i = 0; i < in.len && i < 200; i++)
			fprintf(stderr, in.text[i] >= 32 && in.text[i] < 127 ? "%c" : "\\x%02x",
				in.text[i]);
		fprintf(stderr, "\n");
		abort();
	}
	return 0;
}
