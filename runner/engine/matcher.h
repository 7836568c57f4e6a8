/* Streaming console matcher: pcre2 (JIT, hard partial matching) over a
 * bounded window, so a match never depends on how bytes were chunked and
 * memory stays bounded however long the output runs.
 *
 * Each watch finds what one pcre2 search over the whole output would find
 * from where it was watched, match after match (after an empty match, the
 * next may start at the same place but must not be empty), however the
 * output was chunked, as long as no match in progress outgrows the
 * window.  A match is reported once no later byte can change it: a match
 * that ends with the output (`$` at the end, a greedy `\S+`, a start
 * between `\r` and `\n`) waits for the next byte or for
 * hilt_matcher_finish(). */
#ifndef HILT_MATCHER_H
#define HILT_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HILT_MATCH_MAX_GROUPS 16

struct hilt_pattern;
struct hilt_matcher;

/* Compiles re (multi-line; ^ and $ accept \n, \r and \r\n line ends;
 * bytes, never UTF; \G and (*COMMIT), which depend on where a search
 * starts, are refused).
 * On error returns -EINVAL with "offset N: reason" in err.  The pattern is
 * freed with hilt_pattern_free(); matchers that watch it borrow it. */
int hilt_pattern_compile(const char *re, struct hilt_pattern **out,
			 char *err, size_t errlen);
void hilt_pattern_free(struct hilt_pattern *p);
/* Source text, owned by the pattern. */
const char *hilt_pattern_source(const struct hilt_pattern *p);
/* Named groups: count, and the i-th name (owned by the pattern) with its
 * group number in *group. */
unsigned hilt_pattern_name_count(const struct hilt_pattern *p);
const char *hilt_pattern_name(const struct hilt_pattern *p, unsigned i,
			      unsigned *group);

/* Writes s into out with every regex metacharacter escaped, so that it
 * matches literally.  Returns the length it needs (like snprintf). */
size_t hilt_regex_quote(const char *s, char *out, size_t outlen);

struct hilt_match {
	int id;
	uint64_t start, end;	/* absolute stream offsets, [start, end) */
	unsigned ngroups;	/* groups[0] is the whole match */
	struct { int64_t start, end; } groups[HILT_MATCH_MAX_GROUPS]; /* -1: unset */
};

/* window_cap bounds the bytes kept for matches in progress (and so the
 * longest match that can be found).  Freed with hilt_matcher_free(). */
int hilt_matcher_new(size_t window_cap, struct hilt_matcher **out);
void hilt_matcher_free(struct hilt_matcher *m);

/* Starts looking for p, reporting it as id, from absolute offset from
 * (clamped to what the window still holds).  p must outlive the watch. */
int hilt_matcher_watch(struct hilt_matcher *m, const struct hilt_pattern *p,
		       int id, uint64_t from);
void hilt_matcher_unwatch(struct hilt_matcher *m, int id);

/* Appends console bytes.  Returns how many were taken (at least one when
 * len > 0); call hilt_matcher_next() until it returns 0 before feeding the
 * rest, or partial matches may be cut short. */
size_t hilt_matcher_feed(struct hilt_matcher *m, const void *buf, size_t len);

/* Finds the complete match that ends first among the watched patterns.
 * (Each watch's matches are the same however the output was chunked; the
 * order between two watches is by match end among the matches decided so
 * far, so a match still waiting for bytes that then ends earlier, through
 * backtracking, comes after one another watch reported meanwhile.)
 * Returns 1 with *match filled, 0 when none is complete yet, -errno on
 * error (-ERANGE: a pattern hit pcre2's backtracking limit).  The pattern
 * stays watched from the match end. */
int hilt_matcher_next(struct hilt_matcher *m, struct hilt_match *match);

/* Says that the output has ended (EOF of a log or console): what waited
 * for a next byte is decided now, as at the end of one pcre2 search (`$`
 * matches at the end, ^ does not match after a final newline).  Call
 * hilt_matcher_next() until it returns 0 afterwards.  Bytes fed after it
 * are ignored. */
void hilt_matcher_finish(struct hilt_matcher *m);

/* The literal prefilter (on by default) only changes speed, never a
 * result; tests turn it off to compare. */
void hilt_matcher_set_prefilter(struct hilt_matcher *m, bool on);

/* pcre2's JIT (on by default, where pcre2 has it) only changes speed,
 * never a result; tests turn it off to compare. */
void hilt_matcher_set_jit(struct hilt_matcher *m, bool on);

/* How much output the prefilter studies before it re-keys its literals
 * (default 1 MiB); tests make it small to exercise the re-keying. */
void hilt_matcher_set_learning(struct hilt_matcher *m, size_t bytes);

/* Keeps the bytes from absolute offset from in the window (as far as its
 * cap allows) for patterns watched later from there. */
void hilt_matcher_retain(struct hilt_matcher *m, uint64_t from);

/* Total bytes fed so far. */
uint64_t hilt_matcher_offset(const struct hilt_matcher *m);

/* Copies what the window still holds of [start, end) into buf (NUL
 * terminated); returns the number of bytes copied. */
size_t hilt_matcher_copy(const struct hilt_matcher *m, uint64_t start,
			 uint64_t end, char *buf, size_t buflen);

#endif
