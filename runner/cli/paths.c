#define _GNU_SOURCE
#include "runner/cli/paths.h"

#include "runner/engine/farm.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The installed binary is built with HILT_INSTALLED and no path of the
 * build; the one in the build folder knows its build's guest and source. */
#if !defined(HILT_INSTALLED) && !defined(HILT_GUEST_DIR)
#define HILT_GUEST_DIR "build/guest"
#endif

#ifdef HILT_INSTALLED
static char exe_dir[PATH_MAX - 64];

/* The folder of the running binary, "" when /proc cannot say. */
static const char *self_dir(void)
{
	if (!exe_dir[0]) {
		ssize_t n = readlink("/proc/self/exe", exe_dir, sizeof(exe_dir) - 1);

		if (n <= 0) {
			exe_dir[0] = '\0';
			return exe_dir;
		}
		exe_dir[n] = '\0';
		char *slash = strrchr(exe_dir, '/');

		if (slash)
			*slash = '\0';
	}
	return exe_dir;
}
#endif

static bool is_dir(const char *p)
{
	return access(p, X_OK) == 0;
}

const char *hilt_data_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("HILT_DATA_DIR");

	if (env && *env)
		return env;
	if (!dir[0]) {
#ifdef HILT_INSTALLED
		char up[PATH_MAX];

		snprintf(up, sizeof(up), "%s/../share/hilt", self_dir());
		/* Named as a person would (PREFIX/share/hilt) in messages. */
		if (!realpath(up, dir))
			snprintf(dir, sizeof(dir), "%s", up);
#elif defined(HILT_SOURCE_DIR)
		snprintf(dir, sizeof(dir), "%s", HILT_SOURCE_DIR);
#endif
	}
	return dir[0] && is_dir(dir) ? dir : NULL;
}

const char *hilt_guest_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("HILT_GUEST_DIR");

	if (env && *env)
		return env;
	if (!dir[0]) {
#ifdef HILT_INSTALLED
		const char *data = hilt_data_dir();

		snprintf(dir, sizeof(dir), "%.*s/guest", PATH_MAX - 16,
			 data ? data : "/usr/share/hilt");
#else
		snprintf(dir, sizeof(dir), "%s", HILT_GUEST_DIR);
#endif
	}
	return dir;
}

const char *hilt_guest_hint(void)
{
#ifdef HILT_INSTALLED
	static char hint[PATH_MAX * 2 + 128];

	const char *data = hilt_data_dir();

	snprintf(hint, sizeof(hint),
		 "make it with '%.*s/fixtures/guest/make-guest.sh %.*s' (it downloads Debian's "
		 "packages; as root, or with the package lists there), or set HILT_GUEST_DIR",
		 PATH_MAX - 16, data ? data : "/usr/share/hilt", PATH_MAX - 16, hilt_guest_dir());
	return hint;
#else
	return "make it with 'cmake --build BUILD --target guest' (BUILD: the build folder of "
	       "this hilt)";
#endif
}

const char *hilt_suite_path(const char *arg, char *buf, size_t len)
{
	const char *data = hilt_data_dir();
	const char *name = arg;

	if (access(arg, F_OK) == 0 || arg[0] == '/' || !data)
		return arg;
	if (!strncmp(name, "suites/", 7))
		name += 7;
	if (strchr(name, '/'))
		return arg;
	bool xml = strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".xml");

	if ((size_t)snprintf(buf, len, "%s/suites/%s%s", data, name, xml ? "" : ".xml") >= len ||
	    access(buf, F_OK) < 0)
		return arg;
	return buf;
}

int hilt_mkdir_p(const char *dir, unsigned mode)
{
	char *copy = strdup(dir);

	if (!copy)
		return -ENOMEM;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			int rc = -errno;

			free(copy);
			return rc;
		}
		*p = '/';
	}
	int rc = mkdir(copy, mode) < 0 && errno != EEXIST ? -errno : 0;

	free(copy);
	return rc;
}

int hilt_default_farm(struct hilt_farm **out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc = hilt_farm_default(hilt_guest_dir(), out, err, errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < (*out)->ntargets; i++) {
		struct hilt_target_config *t = &(*out)->targets[i];

		if (t->boot_suite || !hilt_data_dir())
			continue;
		snprintf(path, sizeof(path), "%s/suites/linux-boot.xml", hilt_data_dir());
		if (access(path, R_OK) == 0 && !(t->boot_suite = strdup(path))) {
			hilt_farm_free(*out);
			*out = NULL;
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}
