/* Timing files of recorded consoles: one "DELAY BYTES" line per chunk
 * (scriptreplay's classic format, and what hilt writes beside each
 * console log), DELAY in seconds since the chunk before. */
#ifndef HILT_TIMING_H
#define HILT_TIMING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What one chunk may be: longer pauses or larger chunks are a mistake. */
#define HILT_TIMING_DELAY_MAX_S 86400
#define HILT_TIMING_LEN_MAX (64u * 1024 * 1024)

struct hilt_timing {
	size_t n;
	int64_t *delay_ns;
	size_t *len;
};

/* Reads f to its end into tm (zeroed by the caller).  0; -EINVAL with the
 * line and what is wrong with it in *line and why; -ENOMEM or -errno.
 * Blank lines are allowed at the end only.  tm is freed with
 * hilt_timing_free() whatever the result. */
int hilt_timing_parse(FILE *f, struct hilt_timing *tm, long *line, char *why, size_t whylen);
void hilt_timing_free(struct hilt_timing *tm);

/* Writes the line of a chunk of len bytes that came delay_ns after the
 * one before it.  As fprintf: negative when it failed. */
int hilt_timing_write(FILE *f, int64_t delay_ns, size_t len);

#endif
