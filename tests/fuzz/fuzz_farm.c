/* libFuzzer harness: the farm loader (runner/engine/farm.c and each target
 * kind's parser) takes any file.  It either loads targets, each with a
 * name and an ops table, or says what is wrong, each line
 * "FILE:LINE: what" (a line of the file) or "FILE: what"; it never
 * crashes, reads out of bounds or leaks.  Built and run by
 * tests/fuzz/run.sh. */
#include "runner/engine/farm.h"
#include "base/xmlfile.h"
#include "targets/config.h"
#include "load_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[HILT_CONFIG_ERR_MAX];
	struct hilt_farm *farm = NULL;
	const char *path = lc_write(data, size);

	err[0] = '\0';
	int rc = hilt_farm_load(path, &farm, err, sizeof(err));

	lc_check(rc, path, err, data, size);
	if (rc == 0) {
		if (!farm)
			lc_fail("loaded, yet no farm", err, data, size);
		for (size_t i = 0; i < farm->ntargets; i++)
			if (!farm->targets[i].name || !*farm->targets[i].name)
				lc_fail("a target without a name", err, data, size);
		hilt_farm_free(farm);
	}
	return 0;
}
