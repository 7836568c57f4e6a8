/* libFuzzer harness: the suite loader takes any file.  It either loads a
 * suite with a name and cases, or says what is wrong, each line
 * "FILE:LINE: what" (a line of the file) or "FILE: what"; it never
 * crashes, reads out of bounds or leaks.  Built and run by
 * tests/fuzz/run.sh. */
#include "runner/engine/suite.h"
#include "base/xmlfile.h"
#include "load_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[HILT_CONFIG_ERR_MAX];
	struct hilt_suite *s = NULL;
	const char *path = lc_write(data, size);

	err[0] = '\0';
	int rc = hilt_suite_load(path, &s, err, sizeof(err));

	lc_check(rc, path, err, data, size);
	if (rc == 0) {
		if (!s || !s->name || !*s->name || s->ncases == 0)
			lc_fail("loaded, yet not a suite with a name and cases", err, data, size);
		hilt_suite_free(s);
	}
	return 0;
}
