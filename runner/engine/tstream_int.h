/* What the test result stream readers share: tstream.c assembles lines
 * (bounded, console prefixes stripped), keeps the path stack, the current
 * test's diagnostic text, the counts and hands cases over;
 * tstream_ktap.c reads KTAP and TAP, tstream_ztest.c ztest and
 * tstream_unity.c Unity, each from whole lines. */
#ifndef HILT_TSTREAM_INT_H
#define HILT_TSTREAM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/engine/tstream.h"

/* A path component (a suite's or a test's name) is cut at this many
 * bytes; the path holds the stream's name and HILT_TSTREAM_DEPTH_MAX + 1
 * of them. */
#define TS_NAME_MAX 255
#define TS_PATH_MAX ((HILT_TSTREAM_DEPTH_MAX + 3) * (TS_NAME_MAX + 1))
#define TS_REASON_MAX 512

/* One line as a format reader gets it: console prefixes and the line
 * end stripped, indentation kept. */
struct ts_line {
	const char *s;
	size_t len;
	unsigned indent;	/* leading blanks, a tab counting 4 */
	const char *t;		/* s after the indentation */
	size_t tlen;
	uint64_t begin, end;	/* offsets in the fed stream */
};

struct ts_ops {
	void (*init)(struct hilt_tstream *ts);
	void (*line)(struct hilt_tstream *ts, const struct ts_line *l);
	/* Optional: the line being assembled so far, when a chunk ends in
	 * it (raw, prefixes and all); what it decides must not depend on
	 * where the chunks end. */
	void (*partial)(struct hilt_tstream *ts, const char *s, size_t len);
	/* The stream is over: hand over what is left, set status. */
	void (*finish)(struct hilt_tstream *ts, enum hilt_tstream_end how);
	size_t state_size;
	/* Optional: whether a whole line, t its text after its prefix and
	 * indentation (n bytes, not NUL-terminated), may matter to the
	 * reader; one that cannot is passed over unread, uncopied (most of
	 * a console is other tasks' lines).  It must say true of every line
	 * that line() would act on. */
	bool (*wants)(const struct hilt_tstream *ts, const char *t, size_t n, unsigned indent);
};

extern const struct ts_ops ts_ktap_ops, ts_tap_ops, ts_ztest_ops, ts_unity_ops;

struct hilt_tstream {
	enum hilt_tstream_format format;
	const struct ts_ops *ops;
	hilt_tstream_case_fn on_case;
	void *owner;

	/* the line being assembled */
	char line[HILT_TSTREAM_LINE_MAX + 1];
	size_t line_len;
	uint64_t fed;		/* bytes fed so far */
	uint64_t line_begin;

	/* the stream's name, then one component per level */
	char path[TS_PATH_MAX];
	size_t path_len;
	size_t level_len[HILT_TSTREAM_DEPTH_MAX + 2];
	int levels;

	/* the diagnostic text of the test to be reported next */
	char diag[HILT_TSTREAM_DIAG_MAX + 1];
	size_t diag_len;
	bool diag_full;
	uint64_t diag_begin;	/* offset of its first line */

	bool started, done, finished;
	struct hilt_tstream_counts counts;
	const char *status;
	char problem[TS_REASON_MAX];

	void *state;		/* the format's, state_size bytes after this */
};

/* Pushes a path component (cut at TS_NAME_MAX bytes; '/' in it becomes
 * '_' so that the path's levels stay its own) / pops the last one. */
void ts_path_push(struct hilt_tstream *ts, const char *name, size_t len);
void ts_path_pop(struct hilt_tstream *ts);
/* The last component ("" at the stream's level). */
const char *ts_path_last(const struct hilt_tstream *ts, size_t *len);

/* Adds a line to the diagnostic text (dropped when it does not fit
 * whole); its offset begins the next case when the text was empty. */
void ts_diag_add(struct hilt_tstream *ts, const char *s, size_t len, uint64_t begin);
void ts_diag_clear(struct hilt_tstream *ts);

/* Hands a case over: its path is the current path and leaf (none when
 * leaf is NULL), its diag the current diagnostic text (then cleared);
 * begin is the diag's first line when there was one, else the given
 * begin.  Does not count. */
void ts_emit(struct hilt_tstream *ts, const char *leaf, size_t leaf_len,
	     enum hilt_tstream_verdict v, const char *reason, double seconds,
	     uint64_t begin, uint64_t end);

/* counts.total from the five */
void ts_count(struct hilt_tstream *ts, enum hilt_tstream_verdict v);

/* Sets the problem when none is set yet. */
void ts_problem(struct hilt_tstream *ts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Small text helpers. */
static inline bool ts_starts(const char *s, size_t len, const char *p)
{
	size_t n = 0;

	while (p[n]) {
		if (n >= len || s[n] != p[n])
			return false;
		n++;
	}
	return true;
}

static inline bool ts_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Trailing blanks off. */
static inline size_t ts_rtrim(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

/* Digits at s[*i] as an unsigned long (saturating); false when none. */
bool ts_number(const char *s, size_t len, size_t *i, unsigned long *out);

#endif
