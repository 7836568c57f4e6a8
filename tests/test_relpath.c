/* Paths as the JUnit names its files (reports/relpath.c): relative to a
 * folder, with "." and ".." resolved by their text. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reports/relpath.h"

static int table(void)
{
	static const struct {
		const char *from, *base, *path, *want;
	} t[] = {
		{ "/w/out", "/w/out", "x.log", "x.log" },
		{ "/w/out", "/w/out/shard1", "x.log", "shard1/x.log" },
		{ "/w/out/shard1", "/w/out", "x.log", "../x.log" },
		{ "/w", "/w/out/a", "../b/x.log", "out/b/x.log" },
		{ "/w/out", "/w/out", "/w/out/x.log", "x.log" },
		{ "/w/out", "/any", "/w/other/x.log", "../other/x.log" },
		{ "/", "/w", "x.log", "w/x.log" },
		{ "/a/b", "/", "c", "../../c" },
		{ "/a/b", "/a/b", ".", "." },
		{ "/a/b", "/a", ".", ".." },
		{ "/a/bc", "/a/b", "x", "../b/x" },
		{ "/a/b", "/a/bc", "x", "../bc/x" },
		{ "/w/out", "/w/out", "./sub//x.log", "sub/x.log" },
		{ "/w/out", "/w/out/s", "../../up.log", "../up.log" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = hilt_relpath(t[i].from, t[i].base, t[i].path);

		CHECK(got && !strcmp(got, t[i].want), "from %s, %s in %s: '%s', want '%s'",
		      t[i].from, t[i].path, t[i].base, got ? got : "(null)", t[i].want);
		free(got);
	}
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "relative paths", table },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
