/* A growable byte buffer, in the spirit of curl's dynbuf: append bytes or
 * printf output, optionally bounded by a cap that either refuses what does
 * not fit or keeps the head or the tail, and hand the result over.  What
 * it holds is always NUL-terminated.  (grow.h grows arrays of elements;
 * tail.h keeps a console's last bytes with their absolute offsets.) */
#ifndef HILT_BUF_H
#define HILT_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* What an append past the cap does. */
enum hilt_buf_full {
	HILT_BUF_REFUSE,	/* fails with -E2BIG and adds nothing */
	HILT_BUF_HEAD,		/* keeps the first cap bytes, drops the rest */
	HILT_BUF_TAIL,		/* keeps the last cap bytes, drops older ones */
};

/* Embedded by value; its fields are buf.c's.  A zeroed one (HILT_BUF_INIT)
 * is empty and unbounded. */
struct hilt_buf {
	char *mem;
	size_t len;		/* bytes in mem (in a tail: up to 2 * cap) */
	size_t size;		/* of mem */
	size_t cap;		/* 0: none */
	enum hilt_buf_full full;
	uint64_t total;		/* appended in all, kept or not */
	uint64_t dropped;	/* of those, dropped and gone from mem */
};

#define HILT_BUF_INIT { 0 }

/* An empty buffer of at most cap bytes (0: no cap), holding nothing yet. */
void hilt_buf_init(struct hilt_buf *b, size_t cap, enum hilt_buf_full full);
/* 0; -ENOMEM (nothing added); -E2BIG (HILT_BUF_REFUSE: it would not fit,
 * nothing added).  In a head or a tail, what is dropped is not an error. */
int hilt_buf_append(struct hilt_buf *b, const void *data, size_t len);
int hilt_buf_appends(struct hilt_buf *b, const char *s);
int hilt_buf_printf(struct hilt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int hilt_buf_vprintf(struct hilt_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* The bytes kept, NUL-terminated ("" when none), owned by b and valid
 * until its next change. */
const char *hilt_buf_str(const struct hilt_buf *b);
size_t hilt_buf_len(const struct hilt_buf *b);
/* Bytes appended in all, and how many of them a head or a tail dropped
 * (consumed ones were kept: they are not counted). */
uint64_t hilt_buf_total(const struct hilt_buf *b);
uint64_t hilt_buf_dropped(const struct hilt_buf *b);
/* Drops the first n bytes kept (all when n is more): a write queue
 * consumed from its front, as much as the fd took. */
void hilt_buf_consume(struct hilt_buf *b, size_t n);
/* Empties b and forgets its counts; its memory and cap stay. */
void hilt_buf_reset(struct hilt_buf *b);
/* Frees what b holds; b is then empty (cap and mode kept). */
void hilt_buf_free(struct hilt_buf *b);
/* The bytes kept, NUL-terminated ("" when none), now the caller's to free;
 * their length in *len when len is not NULL.  b is left empty, as by
 * hilt_buf_free.  NULL when memory runs out (b is then freed too). */
char *hilt_buf_steal(struct hilt_buf *b, size_t *len);

#endif
