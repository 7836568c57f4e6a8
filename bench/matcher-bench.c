/* In-process matcher throughput: feeds a log (from memory, in 64 KiB
 * reads, as the session does) through a suite's patterns: all failure
 * patterns plus the current milestone, milestones in order.
 * usage: matcher-bench SUITE.xml LOG [--no-prefilter] */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner/engine/matcher.h"
#include "runner/engine/suite.h"

int main(int argc, char **argv)
{
	struct hilt_suite *suite;
	struct hilt_matcher *m;
	char err[512];

	if (argc < 3) {
		fprintf(stderr, "usage: matcher-bench SUITE.xml LOG [--no-prefilter]\n");
		return 2;
	}
	if (hilt_suite_load(argv[1], &suite, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	FILE *f = fopen(argv[2], "rb");

	if (!f) {
		perror(argv[2]);
		return 2;
	}
	fseek(f, 0, SEEK_END);
	size_t len = (size_t)ftell(f);
	char *log = malloc(len);

	fseek(f, 0, SEEK_SET);
	if (!log || fread(log, 1, len, f) != len)
		return 2;
	fclose(f);
	hilt_matcher_new(256 * 1024, &m);
	if (argc > 3 && strcmp(argv[3], "--no-prefilter") == 0)
		hilt_matcher_set_prefilter(m, false);
	for (size_t i = 0; i < suite->nfailures; i++)
		hilt_matcher_watch(m, suite->failures[i].pattern, 1000 + (int)i, 0);
	size_t next = 0, matched = 0;

	hilt_matcher_watch(m, suite->cases[0].expect, 0, 0);
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t off = 0; off < len;) {
		size_t chunk = len - off < 65536 ? len - off : 65536;

		while (chunk) {
			size_t took = hilt_matcher_feed(m, log + off, chunk);
			struct hilt_match mt;

			off += took;
			chunk -= took;
			while (hilt_matcher_next(m, &mt) == 1) {
				if (mt.id >= 1000) {
					fprintf(stderr, "failure pattern %d matched at %llu\n",
						mt.id - 1000, (unsigned long long)mt.start);
					return 1;
				}
				matched++;
				hilt_matcher_unwatch(m, (int)next);
				if (++next < suite->ncases)
					hilt_matcher_watch(m, suite->cases[next].expect, (int)next, mt.end);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("%zu of %zu milestones, %zu patterns, %.1f MB in %.3f s: %.0f MB/s\n",
	       matched, suite->ncases, suite->nfailures + 1, (double)len / 1e6, s,
	       (double)len / 1e6 / s);
	bool all = matched == suite->ncases;

	hilt_matcher_free(m);
	hilt_suite_free(suite);
	free(log);
	return all ? 0 : 1;
}
