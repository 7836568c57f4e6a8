/* Reading timing files: strict, so that a damaged recording is said to
 * be damaged instead of replaying part of itself. */
#define _GNU_SOURCE
#include "targets/timing.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -EINVAL;
}

/* One line (without its newline) into *delay_ns and *len; 1 for a blank
 * line, 0, or -EINVAL. */
static int parse_line(const char *s, int64_t *delay_ns, size_t *len, char *why, size_t whylen)
{
	const char *p = s;
	int64_t whole = 0, frac = 0, scale = 1000000000;
	bool digits = false;

	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (!*p)
		return 1;
	/* The delay: decimal seconds, at most nanosecond precision kept. */
	for (; *p >= '0' && *p <= '9'; p++) {
		digits = true;
		whole = whole * 10 + (*p - '0');
		if (whole > HILT_TIMING_DELAY_MAX_S)
			return bad(why, whylen, "a delay of more than a day");
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			digits = true;
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (!digits)
		return bad(why, whylen, "not \"DELAY BYTES\": the delay is not a number of seconds");
	if (*p != ' ' && *p != '\t')
		return bad(why, whylen, "not \"DELAY BYTES\": no space after the delay");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return bad(why, whylen, "not \"DELAY BYTES\": the byte count is not a whole number");
	unsigned long long n = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned)(*p - '0');
		if (n > HILT_TIMING_LEN_MAX)
			return bad(why, whylen, "a chunk of more than 64 MiB");
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p)
		return bad(why, whylen, "not \"DELAY BYTES\": more after the byte count");
	*delay_ns = whole * 1000000000 + frac;
	*len = (size_t)n;
	return 0;
}

int hilt_timing_parse(FILE *f, struct hilt_timing *tm, long *line, char *why, size_t whylen)
{
	char *buf = NULL;
	size_t cap = 0, vcap = 0;
	ssize_t got;
	long blank = 0;
	int rc = 0;

	*line = 0;
	errno = 0;
	while ((got = getline(&buf, &cap, f)) > 0) {
		int64_t delay;
		size_t len;

		++*line;
		if (memchr(buf, '\0', (size_t)got)) {
			rc = bad(why, whylen, "a NUL byte: not a timing file");
			break;
		}
		if (buf[got - 1] == '\n')
			buf[got - 1] = '\0';
		rc = parse_line(buf, &delay, &len, why, whylen);
		if (rc < 0)
			break;
		if (rc == 1) {
			blank = blank ? blank : *line;
			rc = 0;
			continue;
		}
		if (blank) {
			*line = blank;
			rc = bad(why, whylen, "a blank line before the end");
			break;
		}
		if (tm->n == vcap) {
			size_t ncap = vcap ? vcap * 2 : 1024;
			int64_t *d = realloc(tm->delay_ns, ncap * sizeof(*d));

			if (d)
				tm->delay_ns = d;
			size_t *l = realloc(tm->len, ncap * sizeof(*l));

			if (l)
				tm->len = l;
			if (!d || !l) {
				rc = -ENOMEM;
				break;
			}
			vcap = ncap;
		}
		tm->delay_ns[tm->n] = delay;
		tm->len[tm->n++] = len;
	}
	if (!rc && ferror(f))
		rc = errno ? -errno : -EIO;
	free(buf);
	return rc;
}

void hilt_timing_free(struct hilt_timing *tm)
{
	free(tm->delay_ns);
	free(tm->len);
	tm->delay_ns = NULL;
	tm->len = NULL;
	tm->n = 0;
}

int hilt_timing_write(FILE *f, int64_t delay_ns, size_t len)
{
	return fprintf(f, "%.6f %zu\n", (double)delay_ns / 1e9, len);
}
