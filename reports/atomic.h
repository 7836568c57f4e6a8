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

/* Writes the n pieces of iov to fd in full (short writes and EINTR
 * resumed).  0 or -errno (-EIO when write makes no progress). */
int hilt_atomic_write_all(int fd, const struct iovec *iov, size_t n);

#endif
