#define _GNU_SOURCE
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hilt_atomic_write_all(int fd, const struct iovec *iov, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;

		while (len) {
			ssize_t w = write(fd, p, len);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? -errno : -EIO;
			p += w;
			len -= (size_t)w;
		}
	}
	return 0;
}

int hilt_atomic_write(const char *path, const struct iovec *iov, size_t n,
		      char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd, rc;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = hilt_atomic_write_all(fd, iov, n);
	/* Synced before the rename: after a crash, path is the old file or
	 * the new one, never an empty one. */
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-rc));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			 strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	return rc;
}
