/* Files replaced whole or not at all: the reports a CI job picks up must
 * never be seen half written. */
#ifndef HILT_ATOMIC_H
#define HILT_ATOMIC_H

#include <stddef.h>
#include <sys/uio.h>

/* Writes the n pieces of iov, in order, to path through path.tmp (made
 * anew, never through a symbolic link), synced, then renamed over path:
 * path is either the old file or the whole new one.  A failed write leaves
 * no path.tmp behind.  0 or -errno with the file and reason in err. */
int hilt_atomic_write(const char *path, const struct iovec *iov, size_t n,
		      char *err, size_t errlen);

/* The same, for a file written in pieces: begin opens path.tmp (a->fd),
 * the caller writes to a->fd, end syncs and renames it over path, or,
 * when rc (the caller's status) is not 0 or the sync fails, removes it.
 * Both return 0 or -errno with the file and reason in err. */
struct hilt_atomic {
	const char *path;
	char *tmp;
	int fd;
};

int hilt_atomic_begin(const char *path, struct hilt_atomic *a, char *err, size_t errlen);
int hilt_atomic_end(struct hilt_atomic *a, int rc, char *err, size_t errlen);

/* Writes the n pieces of iov to fd in full (short writes and EINTR
 * resumed).  0 or -errno (-EIO when write makes no progress). */
int hilt_atomic_write_all(int fd, const struct iovec *iov, size_t n);

#endif
