/* The kernel report reader's cost beside the matcher, and its memory.
 *
 *   kreport-bench SUITE.xml LOG [--reps N] [--skim best|avx2|marks|lines|none|avx512bw]
 *     Feeds the log (held in memory, in 64 KiB reads, as matcher-bench
 *     does) through the suite's patterns alone, then through the patterns
 *     and the reader (runner/engine/kreport.h) given the same bytes, N
 *     times each (5 by default), alternating; prints the best time of each,
 *     both MB/s and the ratio: what the reader adds to a session's reading;
 *     then the same in CPU time, best of each (what a shared machine's
 *     other work does not add to).
 *     --skim picks how the reader passes over lines between reports (the
 *     best the CPU has, by default; the marks by nibble with AVX-512BW,
 *     with AVX2, a byte at a time; a look at each line's first bytes; not
 *     at all, every line read: kreport_int.h), to compare them.
 *
 *   kreport-bench --memory LOG
 *     Streams the log from the file (64 KiB reads, nothing else held)
 *     through the reader alone; prints the findings it kept, the reports
 *     it counted and dropped, the bytes its findings hold, and the peak RSS
 *     at each tenth of the log: on a log of 10,000 warnings (gen-log.py
 *     --warnings) it must stay flat once the findings are capped.
 *
 *   --results FORMAT, with either: the reader beside the matcher is a test
 *     result stream reader of FORMAT (ktap, tap, ztest, unity:
 *     runner/engine/tstream.h) instead, and what it found is the tests it
 *     read, by verdict; on a log of 100,000 KUnit tests (gen-log.py
 *     --ktap) its memory must stay flat too. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner/engine/kreport.h"
#include "runner/engine/kreport_int.h"
#include "runner/engine/matcher.h"
#include "runner/engine/suite.h"
#include "runner/engine/tstream.h"

#define CHUNK 65536

static enum kr_skim skim = KR_SKIM_BEST;
/* --results FORMAT: the reader is a result stream's, of this format. */
static int results = -1;

/* The reader beside the matcher: the kernel report reader, or a test
 * result stream reader with the tests it handed over, by verdict. */
struct reader {
	struct hilt_kreport *kr;
	struct hilt_tstream *ts;
	unsigned long tests[HILT_TV_CRASHED + 1];
};

static double clock_s(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static struct hilt_kreport *reader_new(void)
{
	struct hilt_kreport_opts o = { 0 };
	struct hilt_kreport *kr;
	char err[256];

	if (hilt_kreport_new(&o, &kr, err, sizeof(err))) {
		fprintf(stderr, "kreport-bench: the reader: %s\n", err);
		exit(2);
	}
	kr_set_skim(kr, skim);
	return kr;
}

static void on_test(void *owner, const struct hilt_tstream_case *c)
{
	((struct reader *)owner)->tests[c->verdict]++;
}

static struct reader *open_reader(void)
{
	struct reader *r = calloc(1, sizeof(*r));

	if (r && results < 0)
		r->kr = reader_new();
	else if (r && !(r->ts = hilt_tstream_new((enum hilt_tstream_format)results, "r", on_test, r)))
		r = NULL;
	if (!r) {
		fprintf(stderr, "kreport-bench: out of memory\n");
		exit(2);
	}
	return r;
}

static int feed_reader(struct reader *r, const char *buf, size_t n)
{
	if (r->kr)
		return hilt_kreport_feed(r->kr, buf, n);
	hilt_tstream_feed(r->ts, buf, n);
	return 0;
}

static void finish_reader(struct reader *r)
{
	if (r->kr)
		hilt_kreport_finish(r->kr);
	else
		hilt_tstream_finish(r->ts, HILT_TS_END_EOF);
}

static void close_reader(struct reader *r)
{
	hilt_kreport_free(r->kr);
	hilt_tstream_free(r->ts);
	free(r);
}

/* The tests a result stream reader read, by verdict, and its counts. */
static void print_tests(const struct reader *r)
{
	const struct hilt_tstream_counts *c = hilt_tstream_counts(r->ts);

	printf("tests: %lu handed over (%lu passed, %lu failed, %lu skipped, %lu errors, "
	       "%lu crashed); counts: %lu of %lu passed, status %s\n",
	       r->tests[HILT_TV_PASS] + r->tests[HILT_TV_FAIL] + r->tests[HILT_TV_SKIP] +
		       r->tests[HILT_TV_ERROR] + r->tests[HILT_TV_CRASHED],
	       r->tests[HILT_TV_PASS], r->tests[HILT_TV_FAIL], r->tests[HILT_TV_SKIP],
	       r->tests[HILT_TV_ERROR], r->tests[HILT_TV_CRASHED], c->passed, c->total,
	       hilt_tstream_status(r->ts));
}

/* Reports the reader counted: of the findings kept, and dropped. */
static unsigned long reports_of(const struct hilt_kreport *kr, size_t *bytes)
{
	unsigned long n = hilt_kreport_dropped(kr);

	*bytes = 0;
	for (size_t i = 0; i < hilt_kreport_count(kr); i++) {
		const struct hilt_finding *f = hilt_kreport_get(kr, i);

		n += f->count;
		*bytes += strlen(f->title) + 1 + (f->line ? strlen(f->line) + 1 : 0) + f->block_len;
	}
	return n;
}

/* One pass of the log through the suite's patterns (milestones in turn,
 * every failure pattern), and through the reader when kr: the seconds it
 * took, or -1 when a failure pattern matched or a milestone was missed;
 * in *cpu the CPU seconds (the time the pass ran, not the time others'
 * work took on a shared machine). */
static double pass(const struct hilt_suite *suite, const char *log, size_t len,
		   struct reader *kr, double *cpu)
{
	struct hilt_matcher *m;
	size_t next = 0;
	double t0, c0;

	if (hilt_matcher_new(256 * 1024, &m))
		return -1;
	for (size_t i = 0; i < suite->nfailures; i++)
		hilt_matcher_watch(m, suite->failures[i].pattern, 1000 + (int)i, 0);
	hilt_matcher_watch(m, suite->cases[0].expect, 0, 0);
	t0 = now_s();
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (size_t off = 0; off < len;) {
		size_t chunk = len - off < CHUNK ? len - off : CHUNK;

		while (chunk) {
			size_t took = hilt_matcher_feed(m, log + off, chunk);
			struct hilt_match mt;

			/* the reader reads what the matcher took, as a session
			 * hands it the same bytes */
			if (kr && took && feed_reader(kr, log + off, took)) {
				hilt_matcher_free(m);
				return -1;
			}
			off += took;
			chunk -= took;
			while (hilt_matcher_next(m, &mt) == 1) {
				if (mt.id >= 1000) {
					fprintf(stderr, "failure pattern %d matched at %llu\n",
						mt.id - 1000, (unsigned long long)mt.start);
					hilt_matcher_free(m);
					return -1;
				}
				hilt_matcher_unwatch(m, (int)next);
				if (++next < suite->ncases)
					hilt_matcher_watch(m, suite->cases[next].expect, (int)next, mt.end);
			}
		}
	}
	if (kr)
		finish_reader(kr);
	double s = now_s() - t0;

	*cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	hilt_matcher_free(m);
	return next == suite->ncases ? s : -1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*len + 1);
	if (!buf || fread(buf, 1, *len, f) != *len) {
		fprintf(stderr, "%s: cannot read it\n", path);
		exit(2);
	}
	fclose(f);
	return buf;
}

static int speed(const char *suite_path, const char *log_path, int reps)
{
	double best_m = -1, best_k = -1, cpu_m = -1, cpu_k = -1;
	struct reader *tests = NULL;
	const char *what = results < 0 ? "kernel reader"
				       : hilt_tstream_format_name((enum hilt_tstream_format)results);
	struct hilt_suite *suite;
	unsigned long reports = 0;
	size_t len, nfind = 0, bytes;
	char err[512], *log;

	if (hilt_suite_load(suite_path, &suite, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	log = slurp(log_path, &len);
	/* Alternating, the best of each: both see the same caches and the
	 * same neighbours on a shared machine. */
	for (int r = 0; r < reps; r++) {
		struct reader *kr = open_reader();
		double cm, ck, m = pass(suite, log, len, NULL, &cm), k = pass(suite, log, len, kr, &ck);

		if (m < 0 || k < 0) {
			fprintf(stderr, "kreport-bench: a failure pattern matched or a milestone "
				"was missed\n");
			return 1;
		}
		best_m = best_m < 0 || m < best_m ? m : best_m;
		best_k = best_k < 0 || k < best_k ? k : best_k;
		cpu_m = cpu_m < 0 || cm < cpu_m ? cm : cpu_m;
		cpu_k = cpu_k < 0 || ck < cpu_k ? ck : cpu_k;
		if (kr->kr) {
			reports = reports_of(kr->kr, &bytes);
			nfind = hilt_kreport_count(kr->kr);
		} else if (r + 1 == reps) {
			tests = kr;
			continue;
		}
		close_reader(kr);
	}
	double mb = (double)len / 1e6;

	printf("%.1f MB, %zu patterns, best of %d runs each, alternating\n", mb,
	       suite->nfailures + 1, reps);
	printf("matcher alone:            %.3f s: %.0f MB/s\n", best_m, mb / best_m);
	printf("matcher + %s%s:  %.3f s: %.0f MB/s\n", what, results < 0 ? "" : " reader", best_k,
	       mb / best_k);
	printf("the reader's cost: %+.1f %% of the matcher's time (ratio %.3f)\n",
	       100 * (best_k - best_m) / best_m, best_k / best_m);
	printf("in CPU time: %.3f s alone, %.3f s with the reader: %+.1f %% (ratio %.3f)\n", cpu_m, cpu_k,
	       100 * (cpu_k - cpu_m) / cpu_m, cpu_k / cpu_m);
	if (tests) {
		print_tests(tests);
		close_reader(tests);
	} else {
		printf("findings: %zu (%lu reports)\n", nfind, reports);
	}
	hilt_suite_free(suite);
	free(log);
	return 0;
}

static int memory(const char *log_path)
{
	struct reader *r = open_reader();
	int fd = open(log_path, O_RDONLY | O_CLOEXEC);
	static char buf[CHUNK];
	long rss[11] = { 0 };
	size_t bytes, total = 0, size;
	struct stat st;
	double t0;
	int tenth = 1;

	if (fd < 0 || fstat(fd, &st)) {
		perror(log_path);
		return 2;
	}
	size = (size_t)st.st_size;
	rss[0] = peak_rss_kib();
	t0 = now_s();
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror(log_path);
			return 2;
		}
		if (!n)
			break;
		if (feed_reader(r, buf, (size_t)n)) {
			fprintf(stderr, "kreport-bench: the reader ran out of memory\n");
			return 1;
		}
		total += (size_t)n;
		while (tenth < 10 && total * 10 >= size * (size_t)tenth)
			rss[tenth++] = peak_rss_kib();
	}
	finish_reader(r);
	double s = now_s() - t0;

	rss[10] = peak_rss_kib();
	close(fd);
	printf("%.1f MB streamed through the reader alone in %.3f s: %.0f MB/s\n",
	       (double)total / 1e6, s, (double)total / 1e6 / s);
	if (r->ts) {
		print_tests(r);
	} else {
	struct hilt_kreport *kr = r->kr;
	unsigned long reports = reports_of(kr, &bytes);

	printf("findings kept: %zu; reports: %lu, of which %lu beyond the findings kept\n",
	       hilt_kreport_count(kr), reports, hilt_kreport_dropped(kr));
	printf("the findings hold %.1f KiB of titles, lines and blocks\n", (double)bytes / 1024);
	for (size_t i = 0; i < 3 && i < hilt_kreport_count(kr); i++) {
		const struct hilt_finding *f = hilt_kreport_get(kr, i);

		printf("finding %zu: %s (%s), %lu times\n", i + 1, f->title,
		       hilt_kreport_kind_name(f->kind), f->count);
	}
	}
	printf("peak RSS, KiB, at each tenth of the log:");
	for (int i = 0; i <= 10; i++)
		printf(" %ld", rss[i]);
	printf("\npeak RSS growth from the first tenth to the end: %ld KiB\n", rss[10] - rss[1]);
	close_reader(r);
	return 0;
}

int main(int argc, char **argv)
{
	/* --results FORMAT, last, with either form. */
	if (argc >= 5 && !strcmp(argv[argc - 2], "--results")) {
		enum hilt_tstream_format f;

		if (hilt_tstream_format_parse(argv[argc - 1], &f) < 0) {
			fprintf(stderr, "kreport-bench: no result stream format '%s'\n", argv[argc - 1]);
			return 2;
		}
		results = (int)f;
		argc -= 2;
	}
	if (argc == 3 && !strcmp(argv[1], "--memory"))
		return memory(argv[2]);
	static const char *const skims[] = { "best", "avx2", "marks", "lines", "none", "avx512bw" };
	int reps = 5, i = 3;

	for (; argc >= 3 && i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--reps") && atoi(argv[i + 1]) > 0) {
			reps = atoi(argv[i + 1]);
			continue;
		}
		if (strcmp(argv[i], "--skim"))
			break;
		int k = 0;
		while (k < 6 && strcmp(argv[i + 1], skims[k]))
			k++;
		if (k == 6)
			break;
		skim = (enum kr_skim)k;
	}
	if (argc >= 3 && argv[1][0] != '-' && i == argc)
		return speed(argv[1], argv[2], reps);
	fprintf(stderr, "usage: kreport-bench SUITE.xml LOG [--reps N] [--skim best|avx2|marks|lines|none|avx512bw]\n"
		"                     [--results FORMAT]\n"
		"       kreport-bench --memory LOG [--results FORMAT]\n");
	return 2;
}
