/* Plain decimal numbers (number.h).  The characters are checked here and
 * only then handed to strtod/strtoul, which are never asked to accept
 * anything (an exponent, hex, a sign, leading space) they would. */
#include "base/number.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t hilt_number_span(const char *s, bool fraction)
{
	size_t n = strspn(s, "0123456789"), f;

	if (!n)
		return 0;
	if (!fraction || s[n] != '.')
		return n;
	f = strspn(s + n + 1, "0123456789");
	return f ? n + 1 + f : n;
}

/* The number at s: its length into *len, checked to be all there is when
 * end is NULL.  -EINVAL when not plain decimal. */
static int number_at(const char *s, const char **end, bool fraction, size_t *len)
{
	size_t n = hilt_number_span(s, fraction);

	if (!n || n > HILT_NUMBER_MAX_LEN || (!end && s[n]))
		return -EINVAL;
	/* "1." or "1.5.2" is no unit after a number: it is not a number. */
	if (end && (s[n] == '.' || (s[n] >= '0' && s[n] <= '9')))
		return -EINVAL;
	*len = n;
	return 0;
}

int hilt_number_double(const char *s, const char **end, double min, double max,
		       double *out)
{
	char digits[HILT_NUMBER_MAX_LEN + 1];
	size_t n;
	double v;

	if (number_at(s, end, true, &n) < 0)
		return -EINVAL;
	memcpy(digits, s, n);
	digits[n] = '\0';
	v = strtod(digits, NULL);
	if (!(v >= min && v <= max))
		return -ERANGE;
	if (end)
		*end = s + n;
	*out = v;
	return 0;
}

int hilt_number_ulong(const char *s, const char **end, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char digits[HILT_NUMBER_MAX_LEN + 1];
	unsigned long v;
	size_t n;

	if (number_at(s, end, false, &n) < 0)
		return -EINVAL;
	memcpy(digits, s, n);
	digits[n] = '\0';
	errno = 0;
	v = strtoul(digits, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (end)
		*end = s + n;
	*out = v;
	return 0;
}
