/* A bounded byte buffer that keeps the most recent bytes (the tail of a
 * console or of an emulator's stderr), in the spirit of curl's dynbuf. */
#ifndef HILT_TAIL_H
#define HILT_TAIL_H

#include <stddef.h>
#include <stdint.h>

struct hilt_tail;

/* Keeps at most cap bytes.  Freed with hilt_tail_free(). */
int hilt_tail_new(size_t cap, struct hilt_tail **out);
void hilt_tail_free(struct hilt_tail *t);
/* Appends; older bytes beyond cap are dropped.  0 or -ENOMEM. */
int hilt_tail_append(struct hilt_tail *t, const void *buf, size_t len);
/* The kept bytes, contiguous, owned by t and valid until the next
 * append. */
const char *hilt_tail_data(const struct hilt_tail *t, size_t *len);
/* Bytes appended in all, and how many of them were dropped. */
uint64_t hilt_tail_total(const struct hilt_tail *t);
uint64_t hilt_tail_dropped(const struct hilt_tail *t);
/* Copies the line(s) around absolute offsets [start, end) into buf (NUL
 * terminated, at most buflen-1 bytes, line ends excluded). */
size_t hilt_tail_lines(const struct hilt_tail *t, uint64_t start,
		       uint64_t end, char *buf, size_t buflen);

#endif
