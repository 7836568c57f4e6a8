#define _GNU_SOURCE
#include "base/atomic.h"

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

int hilt_atomic_begin(const char *path, struct hilt_atomic *a, char *err, size_t errlen)
{
	a->path = path;
	a->fd = -1;
	if (asprintf(&a->tmp, "%s.tmp", path) < 0) {
		a->tmp = NULL;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (a->fd < 0) {
		int rc = -errno;

		snprintf(err, errlen, "cannot write %s: %s", a->tmp, strerror(errno));
		free(a->tmp);
		a->tmp = NULL;
		return rc;
	}
	return 0;
}

int hilt_atomic_end(struct hilt_atomic *a, int rc, char *err, size_t errlen)
{
	/* Synced before the rename: after a crash, path is the old file or
	 * the new one, never an empty one. */
	if (!rc && fsync(a->fd) < 0)
		rc = -errno;
	if (close(a->fd) < 0 && !rc)
		rc = -errno;
	a->fd = -1;
	if (rc) {
		snprintf(err, errlen, "cannot write %s: %s", a->tmp, strerror(-rc));
		unlink(a->tmp);
	} else if (rename(a->tmp, a->path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", a->tmp, a->path,
			 strerror(errno));
		unlink(a->tmp);
	}
	free(a->tmp);
	a->tmp = NULL;
	return rc;
}

int hilt_atomic_write(const char *path, const struct iovec *iov, size_t n,
		      char *err, size_t errlen)
{
	struct hilt_atomic a;
	int rc = hilt_atomic_begin(path, &a, err, errlen);

	if (rc)
		return rc;
	return hilt_atomic_end(&a, hilt_atomic_write_all(a.fd, iov, n), err, errlen);
}
