#include "base/tail.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hilt_tail {
	char *buf;		/* 2 * cap, so that dropping is amortised */
	size_t cap, len;
	uint64_t total;
};

int hilt_tail_new(size_t cap, struct hilt_tail **out)
{
	struct hilt_tail *t = calloc(1, sizeof(*t));

	if (!t || !(t->buf = malloc(cap * 2 + 1))) {
		free(t);
		return -ENOMEM;
	}
	t->cap = cap;
	t->buf[0] = '\0';
	*out = t;
	return 0;
}

void hilt_tail_free(struct hilt_tail *t)
{
	if (t) {
		free(t->buf);
		free(t);
	}
}

int hilt_tail_append(struct hilt_tail *t, const void *buf, size_t len)
{
	const char *p = buf;

	t->total += len;
	if (len >= t->cap) {
		memcpy(t->buf, p + len - t->cap, t->cap);
		t->len = t->cap;
	} else {
		if (t->len + len > 2 * t->cap) {
			size_t keep = t->cap - len;

			memmove(t->buf, t->buf + t->len - keep, keep);
			t->len = keep;
		}
		memcpy(t->buf + t->len, p, len);
		t->len += len;
	}
	t->buf[t->len] = '\0';
	return 0;
}

const char *hilt_tail_data(const struct hilt_tail *t, size_t *len)
{
	size_t n = t->len > t->cap ? t->cap : t->len;

	*len = n;
	return t->buf + t->len - n;
}

uint64_t hilt_tail_total(const struct hilt_tail *t)
{
	return t->total;
}

uint64_t hilt_tail_dropped(const struct hilt_tail *t)
{
	size_t n;

	hilt_tail_data(t, &n);
	return t->total - n;
}

size_t hilt_tail_lines(const struct hilt_tail *t, uint64_t start,
		       uint64_t end, char *buf, size_t buflen)
{
	size_t n;
	const char *data = hilt_tail_data(t, &n);
	uint64_t base = t->total - n;

	if (!buflen)
		return 0;
	if (start < base)
		start = base;
	if (end > t->total)
		end = t->total;
	if (end < start)
		end = start;
	size_t s = (size_t)(start - base), e = (size_t)(end - base);

	while (s > 0 && data[s - 1] != '\n' && data[s - 1] != '\r')
		s--;
	while (e < n && data[e] != '\n' && data[e] != '\r')
		e++;
	size_t len = e - s;

	if (len > buflen - 1)
		len = buflen - 1;
	memcpy(buf, data + s, len);
	buf[len] = '\0';
	return len;
}
