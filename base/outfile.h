/* Output files whose every write error must be seen: the console log,
 * its timing, the capture. */
#ifndef HILT_OUTFILE_H
#define HILT_OUTFILE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Opens path for writing, made or emptied, as fopen(path, "wbe") does,
 * except that a symbolic link at path is never followed (a link planted
 * in a shared output folder would make the run write where it points):
 * NULL with errno ELOOP. */
static inline FILE *hilt_fopen_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "wb");
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

/* What a failed hilt_fopen_out() says. */
static inline const char *hilt_fopen_out_error(int e)
{
	return e == ELOOP ? "it is a symbolic link, which is never followed" : strerror(e);
}

/* Closes *f (NULL afterwards) and returns what left it incomplete: e, the
 * error of an earlier write (0 if none), or else that of the final flush,
 * or 0 when the file is whole. */
static inline int hilt_fclose_checked(FILE **f, int e)
{
	errno = 0;
	if (fclose(*f) != 0 && !e)
		e = errno ? errno : EIO;
	*f = NULL;
	return e;
}

#endif
