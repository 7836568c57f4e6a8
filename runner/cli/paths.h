/* Where hilt finds what it ships: the default guest, the suites, the
 * schemas.  A hilt in its build folder uses that build's guest; an
 * installed hilt (cmake --install) finds everything beside itself, in
 * PREFIX/share/hilt, wherever the prefix was moved: no path of the build
 * is in the installed binary. */
#ifndef HILT_PATHS_H
#define HILT_PATHS_H

#include <stddef.h>

/* The default guest's folder: $HILT_GUEST_DIR, else the build's guest (a
 * hilt in its build folder), else PREFIX/share/hilt/guest (an installed
 * one).  A static string; never NULL. */
const char *hilt_guest_dir(void);

/* What hilt ships (suites/, schemas/, the guest maker): PREFIX/share/hilt
 * of an installed hilt, the source tree of one in its build folder; NULL
 * when neither is known.  A static string. */
const char *hilt_data_dir(void);

/* How to make the default guest where hilt_guest_dir() looks, in one
 * sentence for a message (a static string). */
const char *hilt_guest_hint(void);

/* A suite named on the command line: the path as given when it exists;
 * else, for a relative one, the shipped suite of that path or name
 * ("suites/linux-boot.xml", "linux-boot.xml", "linux-boot") in
 * hilt_data_dir().  Returns arg itself or buf (of len bytes). */
const char *hilt_suite_path(const char *arg, char *buf, size_t len);

/* The built-in farm (hilt_farm_default) of the guest in
 * hilt_guest_dir(), its target booted for the suites that start at a
 * shell by the shipped linux-boot suite. */
struct hilt_farm;
int hilt_default_farm(struct hilt_farm **out, char *err, size_t errlen);

/* Makes dir and the folders above it that are missing, as mkdir -p does
 * (mode, less the umask, for those it makes).  0 or -errno. */
int hilt_mkdir_p(const char *dir, unsigned mode);

#endif
