/* Output files whose every write error must be seen: the console log,
 * its timing, the capture. */
#ifndef HILT_OUTFILE_H
#define HILT_OUTFILE_H

#include <errno.h>
#include <stdio.h>

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
