/* What a target's own boot servers handed the device (files fetched over
 * TFTP from libslirp, over HTTP from the boot server inside hilt), each
 * with the bytes sent and the SHA-256 of what they were, for the JUnit:
 * a network boot's report says exactly which kernel it booted. */
#ifndef HILT_SERVED_H
#define HILT_SERVED_H

#include <stddef.h>

#include "targets/target.h"

/* Transfers beyond this many are counted, not listed. */
#define HILT_SERVED_MAX 64

struct hilt_served;

/* A new, empty record; freed with hilt_served_free().  NULL when memory
 * ran out. */
struct hilt_served *hilt_served_new(void);

/* Records one transfer: url ("tftp://10.0.2.2/Image"), the bytes sent,
 * the file's size (-1: no such file), the SHA-256 (hex) of the bytes sent
 * when they were the whole file, else "" , and how it ended ("complete",
 * "404 Not Found", "error 1: File not found", "incomplete: ...").  The
 * strings are copied. */
void hilt_served_add(struct hilt_served *s, const char *url, unsigned long long bytes,
		     long long size, const char *sha256, const char *result);

size_t hilt_served_count(const struct hilt_served *s);

/* Reports served.N (the URL), served.N.bytes, served.N.size,
 * served.N.sha256 and served.N.result for each, N from 1, and
 * served.count. */
void hilt_served_describe(const struct hilt_served *s, hilt_property_cb cb, void *arg);

void hilt_served_free(struct hilt_served *s);

#endif
