/* The growable byte buffer (buf.h).  A tail holds up to twice its cap, and
 * moves its last cap bytes to the front only when that is full: appending
 * costs the same whatever the sizes of the pieces. */
#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hilt_buf_init(struct hilt_buf *b, size_t cap, enum hilt_buf_full full)
{
	*b = (struct hilt_buf){ .cap = cap, .full = full };
}

/* Room for need bytes and a NUL in mem. */
static int reserve(struct hilt_buf *b, size_t need)
{
	size_t size = b->size ? b->size : 256;
	char *mem;

	if (need < b->size)
		return 0;
	if (need == SIZE_MAX)
		return -ENOMEM;
	while (size <= need)
		size = size > SIZE_MAX / 2 ? need + 1 : size * 2;
	/* A bounded buffer never needs more than its bound. */
	if (b->cap) {
		size_t most = b->full == HILT_BUF_TAIL ? 2 * b->cap + 1 : b->cap + 1;

		if (size > most)
			size = most;
	}
	mem = realloc(b->mem, size);
	if (!mem)
		return -ENOMEM;
	b->mem = mem;
	b->size = size;
	return 0;
}

int hilt_buf_append(struct hilt_buf *b, const void *data, size_t len)
{
	const char *p = data;
	size_t room;

	if (b->cap && b->full == HILT_BUF_REFUSE && len > b->cap - b->len)
		return -E2BIG;
	if (b->cap && b->full == HILT_BUF_HEAD) {
		room = b->cap - b->len;
		if (len > room) {
			b->total += len - room;
			b->dropped += len - room;
			len = room;
		}
	}
	if (b->cap && b->full == HILT_BUF_TAIL) {
		if (len > b->cap) {
			b->total += len - b->cap;
			b->dropped += len - b->cap;
			p += len - b->cap;
			len = b->cap;
		}
		if (b->len + len > 2 * b->cap) {
			size_t keep = b->cap - len;

			memmove(b->mem, b->mem + b->len - keep, keep);
			b->dropped += b->len - keep;
			b->len = keep;
		}
	}
	if (reserve(b, b->len + len) < 0)
		return -ENOMEM;
	memcpy(b->mem + b->len, p, len);
	b->len += len;
	b->mem[b->len] = '\0';
	b->total += len;
	return 0;
}

int hilt_buf_appends(struct hilt_buf *b, const char *s)
{
	return hilt_buf_append(b, s, strlen(s));
}

int hilt_buf_vprintf(struct hilt_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n, rc;
	char *tmp;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return -EINVAL;
	/* Straight into the buffer when all of it is kept there. */
	if (!b->cap || (b->full == HILT_BUF_REFUSE && (size_t)n <= b->cap - b->len)) {
		if (reserve(b, b->len + (size_t)n) < 0)
			return -ENOMEM;
		vsnprintf(b->mem + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
		b->total += (size_t)n;
		return 0;
	}
	tmp = malloc((size_t)n + 1);
	if (!tmp)
		return -ENOMEM;
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	rc = hilt_buf_append(b, tmp, (size_t)n);
	free(tmp);
	return rc;
}

int hilt_buf_printf(struct hilt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hilt_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Where the kept bytes start in mem: a tail may hold more than its cap. */
static size_t start(const struct hilt_buf *b)
{
	return b->full == HILT_BUF_TAIL && b->cap && b->len > b->cap ? b->len - b->cap : 0;
}

const char *hilt_buf_str(const struct hilt_buf *b)
{
	return b->mem ? b->mem + start(b) : "";
}

size_t hilt_buf_len(const struct hilt_buf *b)
{
	return b->len - start(b);
}

uint64_t hilt_buf_total(const struct hilt_buf *b)
{
	return b->total;
}

uint64_t hilt_buf_dropped(const struct hilt_buf *b)
{
	return b->dropped + start(b);
}

void hilt_buf_consume(struct hilt_buf *b, size_t n)
{
	size_t from = start(b), kept = b->len - from;

	if (n > kept)
		n = kept;
	if (!n)
		return;
	memmove(b->mem, b->mem + from + n, kept - n);
	b->len = kept - n;
	b->mem[b->len] = '\0';
	b->dropped += from;
}

void hilt_buf_reset(struct hilt_buf *b)
{
	b->len = 0;
	b->total = 0;
	b->dropped = 0;
	if (b->mem)
		b->mem[0] = '\0';
}

void hilt_buf_free(struct hilt_buf *b)
{
	free(b->mem);
	hilt_buf_init(b, b->cap, b->full);
}

char *hilt_buf_steal(struct hilt_buf *b, size_t *len)
{
	size_t from = start(b), n = b->len - from;
	char *s;

	if (!b->mem && reserve(b, 0) < 0)
		return NULL;
	s = b->mem;
	if (from)
		memmove(s, s + from, n);
	s[n] = '\0';
	if (len)
		*len = n;
	b->mem = NULL;
	hilt_buf_init(b, b->cap, b->full);
	return s;
}
