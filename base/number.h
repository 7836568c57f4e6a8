/* The one number parser: plain decimal, as farms, suites and the command
 * line write numbers.  Digits, and for a decimal a point and more digits;
 * no sign, space, exponent (1e2), hex (0x10), inf or nan, so that every
 * reader of numbers refuses the same things. */
#ifndef HILT_NUMBER_H
#define HILT_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

/* Longest number read, in characters: longer is refused as not plain
 * (it could not be exact anyway). */
#define HILT_NUMBER_MAX_LEN 32

/* How many characters of the plain decimal s starts with: digits, then
 * with fraction a point and at least one digit.  0 when it starts with
 * none. */
size_t hilt_number_span(const char *s, bool fraction);

/* s as a plain decimal from min to max into *out.  With end NULL all of
 * s must be the number; otherwise *end is set to what follows it (a
 * unit).  0; -EINVAL not plain decimal; -ERANGE outside [min, max].  *out
 * is left alone on an error. */
int hilt_number_double(const char *s, const char **end, double min, double max,
		       double *out);
/* The same for a whole number. */
int hilt_number_ulong(const char *s, const char **end, unsigned long min,
		      unsigned long max, unsigned long *out);

#endif
