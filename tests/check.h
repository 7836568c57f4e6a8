/* Minimal test harness: CHECK records a failure and goes on; the runner
 * prints one line per test and a closing "N passed, N failed" line. */
#ifndef HILT_CHECK_H
#define HILT_CHECK_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Resident memory now, in KiB (from /proc/self/statm, not ru_maxrss: a
 * high-water mark would hide growth below an earlier peak).  Read without
 * stdio, whose buffers would grow the heap themselves (ASan keeps freed
 * blocks a while). */
static inline long rss_kb(void)
{
	char buf[128];
	long size, resident;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %ld", &size, &resident) != 2)
		return -1;
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Each NAME.expect of tests/data/SUB in the source tree (HILT_SOURCE_DIR):
 * fn(arg, dir, NAME), in the directory's order.  0, or -1 (said) when the
 * directory is not there. */
static inline int check_each_expect(const char *sub, void (*fn)(void *arg, const char *dir,
								   const char *name),
				    void *arg)
{
	const char *src = getenv("HILT_SOURCE_DIR");
	char dir[4096];
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/data/%s", src ? src : ".", sub);
	if (!(d = opendir(dir))) {
		printf("no %s\n", dir);
		return -1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		char name[256];

		if (n < 8 || strcmp(e->d_name + n - 7, ".expect"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 7), e->d_name);
		fn(arg, dir, name);
	}
	closedir(d);
	return 0;
}

#endif
