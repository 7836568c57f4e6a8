/* Paths named relative to a folder, as the JUnit names its logs (relative
 * to itself, so that they hold wherever CI unpacks the artifacts). */
#ifndef HILT_RELPATH_H
#define HILT_RELPATH_H

/* The absolute, resolved folder of a file's path ("." for a bare name),
 * or NULL with errno set (the folder does not exist).  Caller frees. */
char *hilt_dir_of(const char *path);

/* path (absolute, or relative to base, an absolute folder) as seen from
 * the absolute folder from: "../x/y.log".  "." and ".." components are
 * resolved by their text, not followed.  NULL when out of memory.
 * Caller frees. */
char *hilt_relpath(const char *from, const char *base, const char *path);

#endif
