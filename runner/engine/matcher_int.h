/* What runner/engine/matcher*.c share, and no one else: the compiled
 * pattern, the watches and the matcher's window and bigram index, and the
 * functions each file gives the others. */
#ifndef HILT_MATCHER_INT_H
#define HILT_MATCHER_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

#include "runner/engine/matcher.h"

#define MAX_LITERAL 32

struct hilt_pattern {
	/* Each pattern is compiled four ways.  While output streams, ^ also
	 * matches after a newline at the very end of the window
	 * (PCRE2_ALT_CIRCUMFLEX): the stream goes on, so that is a line start
	 * whatever comes next.  Once the stream has ended, ^ never matches at
	 * its very end, as in one pcre2 search over the whole output: the
	 * _eof variants decide then, and confirm matches found while the
	 * window ends in a newline. */
	pcre2_code *code, *code_eof;
	/* The same anchored, for the prefilter's candidates: JIT does not
	 * take PCRE2_ANCHORED at match time. */
	pcre2_code *anchored_code, *anchored_eof;
	char *source;
	/* Every match starts with this literal (empty: unknown), and the
	 * bigram at literal[key] is the rarest of it: the prefilter looks for
	 * that bigram, then checks the literal, then runs pcre2 anchored. */
	unsigned char literal[MAX_LITERAL];
	size_t literal_len, key;
	uint32_t lookbehind;	/* bytes before a match start it may inspect */
	uint32_t name_count, name_entry_size;
	PCRE2_SPTR name_table;
};

struct watch {
	const struct hilt_pattern *pattern;
	int id;
	/* No match starts before this; how a search goes on from here: */
	uint64_t scan_from;
	/* scan_from was reached by moving on from a rejected start (not a
	 * start of its own, like the watch's first byte or a match end):
	 * pcre2 may pass over it, as between \r and \n. */
	bool bumped;
	/* An empty match ended here: a search that starts here must not
	 * find it again (a longer one it may). */
	uint64_t empty_at;
	bool exhausted;		/* the stream has ended and nothing more matches */
	bool has_result;
	bool partial;		/* a partial match at scan_from */
	size_t key;		/* offset of the literal's bigram the index uses */
	/* Prefiltered: the shared scan has looked for this watch's literal
	 * up to here; behind it, the watch scans for itself once. */
	uint64_t caught_to;
	bool rescan;		/* it must search for itself all the same */
	struct hilt_match result;
	pcre2_match_data *md;
};

/* One entry per prefiltered watch in the bigram index. */
struct bigram_entry {
	uint16_t next;		/* 1-based index of the next entry, 0: none */
	uint16_t watch;
};

struct hilt_matcher {
	unsigned char *buf;
	size_t len, cap;
	uint64_t base;		/* absolute offset of buf[0] */
	struct watch *watches;
	size_t nwatches, capwatches;
	bool prefilter;
	bool no_jit;		/* tests: the interpreter only */
	bool index_stale;	/* the watches changed since the index was built */
	uint64_t bigram_bits[65536 / 64];
	/* The same set as nibble tables, for a vector pre-check: bytes a, b
	 * may form a key bigram when first_lo[a & 15] & first_hi[a >> 4] &
	 * second_lo[b & 15] & second_hi[b >> 4] != 0 (one bit per bucket). */
	unsigned char first_lo[16], first_hi[16], second_lo[16], second_hi[16];
	uint16_t *bigram_head;	/* 65536 heads, 1-based entry indexes */
	struct bigram_entry *entries;
	size_t nentries;
	uint64_t cand_pos;	/* the shared scan has looked at bigrams before */
	/* Bigram counts of the first LEARN_BYTES of output: then each literal
	 * is keyed on the bigram that is rarest on this very console. */
	uint32_t *freq;
	uint32_t *freq_final;	/* the counts, once learned */
	/* Byte marginals of those counts (first_mass[0] < 0: not learned). */
	double first_mass[256], second_mass[256];
	uint64_t learned;
	uint64_t learn_bytes;
	uint64_t retain_from;	/* the caller still wants bytes from here */
	bool finished;		/* hilt_matcher_finish(): no more bytes come */
};

/* Bytes of output the prefilter learns its bigram counts from. */
#define LEARN_BYTES (1024 * 1024)

static inline bool prefiltered(const struct hilt_matcher *m, const struct watch *w)
{
	return m->prefilter && w->pattern->literal_len;
}

/* The shared scan speaks for a prefiltered watch: it has looked for its
 * literal wherever the watch has not searched by itself. */
static inline bool caught_up(const struct hilt_matcher *m, const struct watch *w)
{
	return !w->rescan && w->caught_to >= m->cand_pos;
}

/* The shared scan no longer speaks for w: it searches by itself once. */
static inline void fall_behind(struct watch *w)
{
	w->caught_to = 0;
	w->rescan = true;
}

/* matcher.c: one search of w from at (SEARCH_MATCH, SEARCH_PENDING,
 * SEARCH_NONE or -errno), and one over the whole window from scan_from. */
enum search_result { SEARCH_PENDING, SEARCH_MATCH, SEARCH_NONE };
int hilt_matcher_search(struct hilt_matcher *m, struct watch *w, uint64_t at, bool at_bumped,
			bool anchored);
int hilt_matcher_scan_watch(struct hilt_matcher *m, struct watch *w);

/* matcher_prefilter.c: the shared scan of the prefiltered watches. */
int hilt_matcher_rebuild_index(struct hilt_matcher *m);
void hilt_matcher_choose_key(struct hilt_matcher *m, struct watch *w);
void hilt_matcher_learn(struct hilt_matcher *m);
int hilt_matcher_shared_scan(struct hilt_matcher *m);
int hilt_matcher_catch_up(struct hilt_matcher *m, struct watch *w);

/* matcher_pattern.c: how common a byte is in console text, roughly. */
int hilt_pattern_byte_commonness(unsigned char c);

#endif
