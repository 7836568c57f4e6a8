/* The console matcher (matcher.h): watches of compiled patterns over a
 * sliding window of a console's output, each decided only when no later
 * byte can change it.  The work is in three files:
 *   matcher_pattern.c    patterns compiled (four pcre2 variants each), the
 *                        literal every match starts with, regex quoting;
 *   matcher.c            (this file) the matcher's life, the window fed
 *                        and trimmed, one watch's search, the matches
 *                        handed out in order;
 *   matcher_prefilter.c  the shared scan: the watches' literals keyed on
 *                        their rarest bigram (learned from the console),
 *                        looked for in one pass, AVX2 when there is.
 * matcher_int.h holds what they share. */
#include "runner/engine/matcher_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

int hilt_matcher_new(size_t window_cap, struct hilt_matcher **out)
{
	struct hilt_matcher *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	if (window_cap < 64)
		window_cap = 64;
	m->cap = window_cap;
	m->prefilter = true;
	m->learn_bytes = LEARN_BYTES;
	m->first_mass[0] = -1;
	m->buf = malloc(window_cap);
	m->bigram_head = calloc(65536, sizeof(*m->bigram_head));
	m->freq = calloc(65536, sizeof(*m->freq));
	if (!m->buf || !m->bigram_head || !m->freq) {
		free(m->freq);
		free(m->buf);
		free(m->bigram_head);
		free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void hilt_matcher_free(struct hilt_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nwatches; i++)
		pcre2_match_data_free(m->watches[i].md);
	free(m->watches);
	free(m->entries);
	free(m->bigram_head);
	free(m->freq);
	free(m->freq_final);
	free(m->buf);
	free(m);
}

int hilt_matcher_watch(struct hilt_matcher *m, const struct hilt_pattern *p,
		       int id, uint64_t from)
{
	struct watch *w = hilt_grow(m->watches, m->nwatches + 1, &m->capwatches, sizeof(*w), 8);

	if (!w)
		return -ENOMEM;
	m->watches = w;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code,
								    NULL);
	if (!md)
		return -ENOMEM;
	if (from < m->base)
		from = m->base;
	if (from > m->base + m->len)
		from = m->base + m->len;
	m->watches[m->nwatches++] = (struct watch){
		.pattern = p, .id = id, .scan_from = from, .caught_to = 0, .md = md,
		.key = p->key, .empty_at = UINT64_MAX,
	};
	hilt_matcher_choose_key(m, &m->watches[m->nwatches - 1]);
	m->index_stale = true;
	return 0;
}

void hilt_matcher_unwatch(struct hilt_matcher *m, int id)
{
	for (size_t i = 0; i < m->nwatches;) {
		if (m->watches[i].id == id) {
			pcre2_match_data_free(m->watches[i].md);
			/* Keep the order: ties between matches resolve by it. */
			memmove(&m->watches[i], &m->watches[i + 1],
				(m->nwatches - i - 1) * sizeof(*m->watches));
			m->nwatches--;
			m->index_stale = true;
		} else {
			i++;
		}
	}
}

/* Context kept before a watch's scan position so that ^, \b and
 * lookbehinds see the bytes before it, also from one byte earlier (where
 * a search between \r and \n resumes). */
static uint64_t watch_keep_from(const struct hilt_matcher *m,
				const struct watch *w)
{
	uint64_t ctx = w->pattern->lookbehind + 2;
	uint64_t from = w->has_result ? w->result.start : w->scan_from;

	/* The shared scan may still find a literal that starts up to a
	 * literal's length before where it stopped. */
	if (prefiltered(m, w) && !w->has_result && !w->partial && caught_up(m, w)) {
		uint64_t c = m->cand_pos > MAX_LITERAL ? m->cand_pos - MAX_LITERAL : 0;

		if (c < from)
			from = c;
	}
	return from > ctx ? from - ctx : 0;
}

/* Drops bytes no watch needs any more, then as many more as it takes to
 * make room for want bytes. */
static void make_room(struct hilt_matcher *m, size_t want)
{
	uint64_t end = m->base + m->len;
	uint64_t keep = end;

	for (size_t i = 0; i < m->nwatches; i++) {
		uint64_t k = watch_keep_from(m, &m->watches[i]);

		if (k < keep)
			keep = k;
	}
	if (m->retain_from < keep)
		keep = m->retain_from;
	/* Keep a little recent context even with nothing watched, so a
	 * pattern watched from "now" still sees the byte before it. */
	if (end - keep < 256)
		keep = end > 256 ? end - 256 : 0;
	if (keep < m->base)
		keep = m->base;
	if ((end - keep) + want > m->cap)
		keep = end + want - m->cap;
	size_t drop = (size_t)(keep - m->base);

	if (drop) {
		memmove(m->buf, m->buf + drop, m->len - drop);
		m->len -= drop;
		m->base = keep;
	}
	/* A match in progress longer than the window is given up. */
	for (size_t i = 0; i < m->nwatches; i++) {
		struct watch *w = &m->watches[i];

		if (w->scan_from < m->base) {
			w->scan_from = m->base;
			w->partial = false;
			w->bumped = false;
		}
	}
	if (m->cand_pos < m->base)
		m->cand_pos = m->base;
}

size_t hilt_matcher_feed(struct hilt_matcher *m, const void *buf, size_t len)
{
	size_t take = len;

	if (m->finished)
		return len;	/* the stream has ended: nothing more counts */
	/* Never fill more than half the window in one go, so that a match in
	 * progress keeps room to finish. */
	if (take > m->cap / 2)
		take = m->cap / 2;
	make_room(m, take);
	memcpy(m->buf + m->len, buf, take);
	m->len += take;
	return take;
}

static void set_result(struct hilt_matcher *m, struct watch *w, int rc)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);
	uint32_t npairs = pcre2_get_ovector_count(w->md);

	if (npairs > HILT_MATCH_MAX_GROUPS)
		npairs = HILT_MATCH_MAX_GROUPS;
	w->result.id = w->id;
	w->result.start = m->base + ov[0];
	w->result.end = m->base + ov[1];
	w->result.ngroups = npairs;
	for (uint32_t g = 0; g < npairs; g++) {
		bool set = g < (uint32_t)rc && ov[2 * g] != PCRE2_UNSET;

		w->result.groups[g].start = set ? (int64_t)(m->base + ov[2 * g]) : -1;
		w->result.groups[g].end = set ? (int64_t)(m->base + ov[2 * g + 1]) : -1;
	}
	w->has_result = true;
	w->partial = false;
}

/* pcre2 errors as errno values: a limit that one search hit (a
 * pattern that backtracks without end, or one whose recursion loops on
 * this text) is -ERANGE. */
static int pcre2_errno(int rc)
{
	if (rc == PCRE2_ERROR_NOMEMORY)
		return -ENOMEM;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_RECURSELOOP)
		return -ERANGE;
	return -EIO;
}

/* A start at this offset lies between \r and \n, both in the window. */
static bool between_cr_lf(const struct hilt_matcher *m, uint64_t at)
{
	return at > m->base && at < m->base + m->len &&
	       m->buf[at - 1 - m->base] == '\r' && m->buf[at - m->base] == '\n';
}

/* A byte after which ^ matches under some newline convention a pattern
 * may choose ((*ANY), (*NUL)...). */
static bool line_end_byte(unsigned char c)
{
	return c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x85 || c == 0;
}

/* The result of one search leaves the watch waiting for more bytes and
 * searching again from at, as it was. */
static void wait_at(struct watch *w, uint64_t at, bool at_bumped)
{
	w->scan_from = at;
	w->bumped = at_bumped;
	w->partial = false;
	/* A prefiltered watch searches for itself: the shared scan may have
	 * passed at already. */
	fall_behind(w);
}

/* Searches for w from at, anchored there or onwards, and records what it
 * decides; at_bumped says at was reached by moving on from a rejected
 * start.  Only what no later byte can change is decided: pcre2's hard
 * partial matching says when a match runs into the window's end, and
 * besides that
 * - a start at the window's end, or one between \r and \n where pcre2
 *   may pass over it, waits for the next byte (or the stream's end);
 * - ^ matches after a newline at the window's end (more bytes come), and
 *   a match found while the window ends in a newline is confirmed by the
 *   plain compile, where ^ never matches at the very end; if they differ,
 *   the match waits until it is known whether the stream ends there.
 * Returns SEARCH_MATCH with the result set, SEARCH_PENDING, SEARCH_NONE
 * (from at, or from where it started, nothing matches), or -errno. */
int hilt_matcher_search(struct hilt_matcher *m, struct watch *w, uint64_t at,
		  bool at_bumped, bool anchored)
{
	const struct hilt_pattern *p = w->pattern;
	uint64_t end = m->base + m->len, from = at;
	uint32_t opts = m->finished ? 0 : PCRE2_PARTIAL_HARD;

	if (at_bumped && between_cr_lf(m, at)) {
		/* Whether a search tries a start between \r and \n depends on
		 * the pattern (and on JIT or not): let pcre2 decide, as in one
		 * search over the whole output, by starting at the \r before,
		 * a start already rejected. */
		from = at - 1;
		anchored = false;
	}
	if (m->base > 0)
		opts |= PCRE2_NOTBOL;
	if (m->no_jit)
		opts |= PCRE2_NO_JIT;
	if (from == w->empty_at)
		opts |= PCRE2_NOTEMPTY_ATSTART;
	const pcre2_code *code = anchored ? (m->finished ? p->anchored_eof : p->anchored_code)
					  : (m->finished ? p->code_eof : p->code);
	int rc = pcre2_match(code, m->buf, m->len, (PCRE2_SIZE)(from - m->base), opts,
			     w->md, NULL);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);

	if (rc == PCRE2_ERROR_NOMATCH) {
		w->partial = false;
		w->bumped = true;
		w->scan_from = anchored ? at + 1 : end;
		if (!anchored && m->finished)
			w->exhausted = true;
		return SEARCH_NONE;
	}
	if (rc == PCRE2_ERROR_PARTIAL) {
		uint64_t start = m->base + ov[0];

		/* A partial match of no bytes at the very end: nothing to
		 * decide until bytes come. */
		if (start >= end) {
			w->scan_from = end;
			w->bumped = true;
			w->partial = false;
		} else {
			w->scan_from = start;
			w->bumped = false;
			w->partial = true;
		}
		return SEARCH_PENDING;
	}
	if (rc < 0)
		return pcre2_errno(rc);
	if (!m->finished) {
		/* An empty match at the window's end: whether a search tries a
		 * start there depends on the next byte.  (It may come from a
		 * start before it, through \K: search from at again.) */
		if (ov[0] == m->len) {
			wait_at(w, at, at_bumped);
			return SEARCH_PENDING;
		}
		/* A match that ends on a \r at the window's end may go on
		 * with a \n (\R+, [\r\n]+): pcre2's interpreter calls it
		 * complete there, even partial-hard.  The next byte decides. */
		if (ov[1] == m->len && m->buf[m->len - 1] == '\r') {
			wait_at(w, at, at_bumped);
			return SEARCH_PENDING;
		}
		if (line_end_byte(m->buf[m->len - 1])) {
			PCRE2_SIZE seen[2 * HILT_MATCH_MAX_GROUPS];
			int n = rc < HILT_MATCH_MAX_GROUPS ? rc : HILT_MATCH_MAX_GROUPS;

			memcpy(seen, ov, 2 * (size_t)n * sizeof(*ov));
			int rc2 = pcre2_match(anchored ? p->anchored_eof : p->code_eof, m->buf,
					      m->len, (PCRE2_SIZE)(from - m->base), opts, w->md,
					      NULL);

			if (rc2 < 0 && rc2 != PCRE2_ERROR_NOMATCH && rc2 != PCRE2_ERROR_PARTIAL)
				return pcre2_errno(rc2);
			if ((rc2 < HILT_MATCH_MAX_GROUPS ? rc2 : HILT_MATCH_MAX_GROUPS) != n ||
			    memcmp(seen, ov, 2 * (size_t)n * sizeof(*ov)) != 0) {
				wait_at(w, at, at_bumped);
				return SEARCH_PENDING;
			}
		}
	}
	set_result(m, w, rc);
	return SEARCH_MATCH;
}

/* Searches the whole window from scan_from, as pcre2 alone would. */
int hilt_matcher_scan_watch(struct hilt_matcher *m, struct watch *w)
{
	uint64_t end = m->base + m->len;

	if (w->has_result || w->exhausted || w->scan_from > end ||
	    (w->scan_from == end && !m->finished))
		return 0;
	int rc = hilt_matcher_search(m, w, w->scan_from, w->bumped, false);

	return rc < 0 ? rc : 0;
}

void hilt_matcher_retain(struct hilt_matcher *m, uint64_t from)
{
	m->retain_from = from;
}

void hilt_matcher_set_learning(struct hilt_matcher *m, size_t bytes)
{
	m->learn_bytes = bytes;
}

void hilt_matcher_set_prefilter(struct hilt_matcher *m, bool on)
{
	m->prefilter = on;
	m->index_stale = true;
	for (size_t i = 0; i < m->nwatches; i++)
		fall_behind(&m->watches[i]);
}

void hilt_matcher_set_jit(struct hilt_matcher *m, bool on)
{
	m->no_jit = !on;
}

void hilt_matcher_finish(struct hilt_matcher *m)
{
	m->finished = true;
}

int hilt_matcher_next(struct hilt_matcher *m, struct hilt_match *match)
{
	struct watch *best = NULL;
	int rc;

	if (m->finished) {
		/* What is left is searched once more without partial
		 * matching: every watch by itself. */
		for (size_t i = 0; i < m->nwatches; i++)
			if ((rc = hilt_matcher_scan_watch(m, &m->watches[i])) < 0)
				return rc;
	} else {
		hilt_matcher_learn(m);
		if (m->index_stale && (rc = hilt_matcher_rebuild_index(m)) < 0)
			return rc;
		for (size_t i = 0; i < m->nwatches; i++) {
			struct watch *w = &m->watches[i];

			rc = prefiltered(m, w) ? hilt_matcher_catch_up(m, w) : hilt_matcher_scan_watch(m, w);
			if (rc < 0)
				return rc;
		}
		if (m->nentries && (rc = hilt_matcher_shared_scan(m)) < 0)
			return rc;
	}
	for (size_t i = 0; i < m->nwatches; i++) {
		struct watch *w = &m->watches[i];

		if (!w->has_result)
			continue;
		if (!best || w->result.end < best->result.end ||
		    (w->result.end == best->result.end &&
		     w->result.start < best->result.start))
			best = w;
	}
	if (!best)
		return 0;
	*match = best->result;
	best->has_result = false;
	/* The search goes on from the match end, as a new start; an empty
	 * match is not found again there (but a longer one may be). */
	best->scan_from = match->end;
	best->empty_at = match->end == match->start ? match->end : UINT64_MAX;
	best->bumped = false;
	best->partial = false;
	/* The shared scan went on without it: it searches the rest itself. */
	fall_behind(best);
	return 1;
}

uint64_t hilt_matcher_offset(const struct hilt_matcher *m)
{
	return m->base + m->len;
}

size_t hilt_matcher_copy(const struct hilt_matcher *m, uint64_t start,
			 uint64_t end, char *buf, size_t buflen)
{
	if (!buflen)
		return 0;
	if (start < m->base)
		start = m->base;
	if (end > m->base + m->len)
		end = m->base + m->len;
	size_t n = start < end ? (size_t)(end - start) : 0;

	if (n > buflen - 1)
		n = buflen - 1;
	memcpy(buf, m->buf + (start - m->base), n);
	buf[n] = '\0';
	return n;
}
