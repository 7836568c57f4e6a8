/* Minimal test harness: CHECK records a failure and goes on; the runner
 * prints one line per test and a closing "N passed, N failed" line. */
#ifndef HILT_CHECK_H
#define HILT_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			check_failures++;                                  \
		}                                                          \
	} while (0)

struct check_test {
	const char *name;
	/* Returns 0 when run, 77 when skipped (reason printed). */
	int (*fn)(void);
};

static inline int check_run_all(const struct check_test *tests, size_t n)
{
	int passed = 0, failed = 0, skipped = 0;

	for (size_t i = 0; i < n; i++) {
		int before = check_failures;
		int rc = tests[i].fn();

		if (rc == 77) {
			printf("SKIP %s\n", tests[i].name);
			skipped++;
		} else if (check_failures != before || rc != 0) {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		} else {
			printf("ok   %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}

#endif
