#define PCRE2_CODE_UNIT_WIDTH 8
#include "runner/engine/matcher.h"
#include "base/grow.h"

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define LEARN_BYTES (1024 * 1024)

static void choose_watch_key(struct hilt_matcher *m, struct watch *w);

/* True when re has a '|' outside any group or class: then no literal
 * prefix is shared by all matches. */
static bool top_level_alternation(const char *re)
{
	int depth = 0;

	for (const char *p = re; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				break;
		} else if (*p == '[') {
			/* A class: skip to its closing ']' ("[]...]" and "[^]...]"
			 * start with a literal ']'). */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			for (; *p && *p != ']'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			depth--;
		} else if (*p == '|' && depth == 0) {
			return true;
		}
	}
	return false;
}

/* The literal every match of re starts with, conservatively: after
 * option settings that do not change how literals match ((?s), (?m)...)
 * and zero-width ^, \b, \B, \A, the plain characters up to the first
 * metacharacter.  A character a quantifier may remove is not taken. */
static size_t literal_prefix(const char *re, unsigned char *lit)
{
	const char *p = re;
	size_t n = 0;

	if (top_level_alternation(re))
		return 0;
	while (p[0] == '(' && p[1] == '?') {
		const char *q = p + 2;

		while (*q && strchr("smnJU-", *q))
			q++;
		if (*q != ')' || q == p + 2)
			return 0;
		p = q + 1;
	}
	for (;;) {
		if (*p == '^')
			p++;
		else if (p[0] == '\\' && p[1] && strchr("bBA", p[1]))
			p += 2;
		else
			break;
	}
	while (*p && n < MAX_LITERAL) {
		unsigned char ch;
		size_t adv;

		if (*p == '\\') {
			unsigned char d = (unsigned char)p[1];

			/* \d, \x41, \Q...: not a plain character. */
			if (!d || (d < 128 && (isalnum(d) || d == '_')))
				break;
			ch = d;
			adv = 2;
		} else if (strchr("^$.|?*+()[]{}", *p)) {
			break;
		} else {
			ch = (unsigned char)*p;
			adv = 1;
		}
		char next = p[adv];

		if (next == '?' || next == '*' || next == '{')
			break;
		lit[n++] = ch;
		p += adv;
		if (next == '+')
			break;
	}
	return n;
}

/* How common a byte is in console text, roughly: the prefilter keys each
 * literal on its least common bigram. */
static int byte_commonness(unsigned char c)
{
	if (c == ' ')
		return 10;
	if (strchr("etaoinsrhld", c) && c)
		return 8;
	if (c >= '0' && c <= '9')
		return 7;
	if (c >= 'a' && c <= 'z')
		return 6;
	if (c && strchr(".:[]-_/,=()", c))
		return 6;
	if (c >= 'A' && c <= 'Z')
		return 3;
	return 2;
}

static void choose_key(struct hilt_pattern *p)
{
	int best = 1 << 30;

	for (size_t k = 0; k + 1 < p->literal_len; k++) {
		int score = byte_commonness(p->literal[k]) + byte_commonness(p->literal[k + 1]);

		if (score < best) {
			best = score;
			p->key = k;
		}
	}
}

/* Offset in re of a construct whose meaning depends on where a search
 * starts, or -1 (with what it is in *what): \G asserts that place, and
 * (*COMMIT) fails the whole search, while here a search resumes where
 * the output was chunked.  Conservative: one in a comment counts too. */
static long search_start_dependence(const char *re, const char **what)
{
	for (const char *p = re; *p; p++) {
		if (strncmp(p, "(*COMMIT", 8) == 0 && (p[8] == ')' || p[8] == ':')) {
			*what = "(*COMMIT)";
			return p - re;
		}
		if (*p != '\\' || !p[1])
			continue;
		if (p[1] == 'Q') {
			const char *e = strstr(p + 2, "\\E");

			if (!e)
				break;
			p = e + 1;
		} else if (p[1] == 'G') {
			*what = "\\G";
			return p - re;
		} else if (p[1] == 'c' && p[2]) {
			p += 2;	/* \c and the character it makes a control */
		} else {
			p++;
		}
	}
	return -1;
}

/* One compile of re (multi-line, newlines \r, \n and \r\n, never UTF:
 * console output need not be valid UTF-8) with extra options, JIT-compiled
 * for the match modes it is used in. */
static pcre2_code *compile_variant(const char *re, uint32_t options, uint32_t jit_modes,
				   int *errcode, PCRE2_SIZE *erroff)
{
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	pcre2_code *code;

	if (!cctx) {
		*errcode = PCRE2_ERROR_HEAP_FAILED;
		return NULL;
	}
	pcre2_set_newline(cctx, PCRE2_NEWLINE_ANYCRLF);
	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
			     PCRE2_MULTILINE | PCRE2_NEVER_UTF | options, errcode, erroff,
			     cctx);
	pcre2_compile_context_free(cctx);
	/* JIT is an accelerator; the interpreter gives the same answers. */
	if (code)
		pcre2_jit_compile(code, jit_modes);
	return code;
}

int hilt_pattern_compile(const char *re, struct hilt_pattern **out,
			 char *err, size_t errlen)
{
	int errcode;
	PCRE2_SIZE erroff;
	struct hilt_pattern *p;
	/* Streaming runs are partial, and JIT-compiled for that.  The few
	 * runs at the end of the stream are not partial and use the
	 * interpreter: JIT's complete mode tries a start between \r and \n
	 * that the interpreter and JIT's partial mode pass over (pcre2 10.42,
	 * patterns that begin with ^ and match \r or \n). */
	const uint32_t streaming = PCRE2_JIT_PARTIAL_HARD;
	pcre2_code *code = compile_variant(re, PCRE2_ALT_CIRCUMFLEX, streaming, &errcode, &erroff);

	if (!code) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(err, errlen, "offset %zu: %s", (size_t)erroff,
			 (char *)msg);
		return errcode == PCRE2_ERROR_HEAP_FAILED ? -ENOMEM : -EINVAL;
	}
	const char *what;
	long at = search_start_dependence(re, &what);

	if (at >= 0) {
		snprintf(err, errlen,
			 "offset %ld: %s is not supported: it depends on where a search starts, and console output has no fixed place for that",
			 at, what);
		pcre2_code_free(code);
		return -EINVAL;
	}
	/* A recursion that can loop without reading a byte ((?R) alone, or
	 * behind only what may be empty) is an error of every search pcre2
	 * makes with it: said now, with the other mistakes of a pattern,
	 * rather than by a suite that waits its whole deadline. */
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int probe = md ? pcre2_match(code, (PCRE2_SPTR) "", 0, 0, PCRE2_NO_JIT, md, NULL) : 0;

	pcre2_match_data_free(md);
	if (probe == PCRE2_ERROR_RECURSELOOP) {
		snprintf(err, errlen,
			 "offset 0: the pattern recurses without end: a recursion is reached again before any byte is read");
		pcre2_code_free(code);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->source = strdup(re)) ||
	    !(p->code_eof = compile_variant(re, 0, streaming, &errcode, &erroff))) {
		if (p)
			free(p->source);
		free(p);
		pcre2_code_free(code);
		return -ENOMEM;
	}
	p->code = code;
	pcre2_pattern_info(code, PCRE2_INFO_MAXLOOKBEHIND, &p->lookbehind);
	pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &p->name_count);
	pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &p->name_entry_size);
	pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &p->name_table);
	p->literal_len = literal_prefix(re, p->literal);
	if (p->literal_len >= 2) {
		p->anchored_code = compile_variant(re, PCRE2_ANCHORED | PCRE2_ALT_CIRCUMFLEX,
						   streaming, &errcode, &erroff);
		p->anchored_eof = compile_variant(re, PCRE2_ANCHORED, streaming, &errcode,
						  &erroff);
	}
	if (p->anchored_code && p->anchored_eof) {
		choose_key(p);
	} else {
		p->literal_len = 0;	/* one byte is no filter */
		pcre2_code_free(p->anchored_code);
		pcre2_code_free(p->anchored_eof);
		p->anchored_code = p->anchored_eof = NULL;
	}
	*out = p;
	return 0;
}

void hilt_pattern_free(struct hilt_pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
	pcre2_code_free(p->code_eof);
	pcre2_code_free(p->anchored_code);
	pcre2_code_free(p->anchored_eof);
	free(p->source);
	free(p);
}

const char *hilt_pattern_source(const struct hilt_pattern *p)
{
	return p->source;
}

unsigned hilt_pattern_name_count(const struct hilt_pattern *p)
{
	return p->name_count;
}

const char *hilt_pattern_name(const struct hilt_pattern *p, unsigned i,
			      unsigned *group)
{
	PCRE2_SPTR entry = p->name_table + (size_t)i * p->name_entry_size;

	*group = (unsigned)(entry[0] << 8 | entry[1]);
	return (const char *)entry + 2;
}

size_t hilt_regex_quote(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *s; s++) {
		bool meta = strchr("\\^$.|?*+()[]{}/#- ", *s) != NULL;
		size_t need = meta ? 2 : 1;

		if (n + need < outlen) {
			if (meta)
				out[n] = '\\';
			out[n + need - 1] = *s;
		}
		n += need;
	}
	if (outlen)
		out[n < outlen ? n : outlen - 1] = '\0';
	return n;
}

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
	choose_watch_key(m, &m->watches[m->nwatches - 1]);
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

static bool prefiltered(const struct hilt_matcher *m, const struct watch *w)
{
	return m->prefilter && w->pattern->literal_len;
}

/* The shared scan speaks for a prefiltered watch: it has looked for its
 * literal wherever the watch has not searched by itself. */
static bool caught_up(const struct hilt_matcher *m, const struct watch *w)
{
	return !w->rescan && w->caught_to >= m->cand_pos;
}

/* The shared scan no longer speaks for w: it searches by itself once. */
static void fall_behind(struct watch *w)
{
	w->caught_to = 0;
	w->rescan = true;
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

enum search_result { SEARCH_PENDING, SEARCH_MATCH, SEARCH_NONE };

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
static int search(struct hilt_matcher *m, struct watch *w, uint64_t at,
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
static int scan_watch(struct hilt_matcher *m, struct watch *w)
{
	uint64_t end = m->base + m->len;

	if (w->has_result || w->exhausted || w->scan_from > end ||
	    (w->scan_from == end && !m->finished))
		return 0;
	int rc = search(m, w, w->scan_from, w->bumped, false);

	return rc < 0 ? rc : 0;
}

/* How often a byte starts / ends a bigram of this console (learned), or a
 * static guess before that. */
static double byte_mass(const struct hilt_matcher *m, unsigned c, int second)
{
	if (m->first_mass[0] >= 0)
		return second ? m->second_mass[c] : m->first_mass[c];
	return (double)(1u << byte_commonness((unsigned char)c));
}

/* The vector check's expected false passes for one bucket: the mass of
 * first bytes its nibbles admit times that of second bytes. */
static double bucket_cost(const struct hilt_matcher *m, const uint16_t nib[4])
{
	double f = 0, s = 0;

	for (unsigned c = 0; c < 256; c++) {
		if ((nib[0] >> (c & 15) & 1) && (nib[1] >> (c >> 4) & 1))
			f += byte_mass(m, c, 0);
		if ((nib[2] >> (c & 15) & 1) && (nib[3] >> (c >> 4) & 1))
			s += byte_mass(m, c, 1);
	}
	return f * s;
}

/* Spreads the key bigrams over the 8 buckets of the vector check, each to
 * the bucket where it adds the fewest expected false passes (Teddy-style:
 * a position passes only when both its bytes fit one bucket). */
static void assign_buckets(struct hilt_matcher *m, const unsigned *hs, size_t n)
{
	uint16_t nib[8][4] = { { 0 } };
	double cost[8] = { 0 };

	for (size_t k = 0; k < n; k++) {
		unsigned h = hs[k], a = h >> 8, b = h & 255;
		size_t best = 0;
		double best_delta = 0;

		for (size_t j = 0; j < 8; j++) {
			uint16_t t[4] = {
				(uint16_t)(nib[j][0] | 1u << (a & 15)), (uint16_t)(nib[j][1] | 1u << (a >> 4)),
				(uint16_t)(nib[j][2] | 1u << (b & 15)), (uint16_t)(nib[j][3] | 1u << (b >> 4)),
			};
			double delta = bucket_cost(m, t) - cost[j];

			if (j == 0 || delta < best_delta) {
				best = j;
				best_delta = delta;
			}
		}
		nib[best][0] |= (uint16_t)(1u << (a & 15));
		nib[best][1] |= (uint16_t)(1u << (a >> 4));
		nib[best][2] |= (uint16_t)(1u << (b & 15));
		nib[best][3] |= (uint16_t)(1u << (b >> 4));
		cost[best] += best_delta;
		m->first_lo[a & 15] |= (unsigned char)(1u << best);
		m->first_hi[a >> 4] |= (unsigned char)(1u << best);
		m->second_lo[b & 15] |= (unsigned char)(1u << best);
		m->second_hi[b >> 4] |= (unsigned char)(1u << best);
	}
}

static int rebuild_index(struct hilt_matcher *m)
{
	memset(m->bigram_bits, 0, sizeof(m->bigram_bits));
	memset(m->first_lo, 0, sizeof(m->first_lo));
	memset(m->first_hi, 0, sizeof(m->first_hi));
	memset(m->second_lo, 0, sizeof(m->second_lo));
	memset(m->second_hi, 0, sizeof(m->second_hi));
	memset(m->bigram_head, 0, 65536 * sizeof(*m->bigram_head));
	m->nentries = 0;
	free(m->entries);
	m->entries = calloc(m->nwatches ? m->nwatches : 1, sizeof(*m->entries));
	unsigned *keys = malloc((m->nwatches ? m->nwatches : 1) * sizeof(*keys));
	size_t nkeys = 0;

	if (!m->entries || !keys) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->nwatches && i < 65535; i++) {
		const struct hilt_pattern *p = m->watches[i].pattern;
		size_t key = m->watches[i].key;

		if (!prefiltered(m, &m->watches[i]))
			continue;
		unsigned h = (unsigned)p->literal[key] << 8 | p->literal[key + 1];
		struct bigram_entry *e = &m->entries[m->nentries];

		e->watch = (uint16_t)i;
		e->next = m->bigram_head[h];
		m->bigram_head[h] = (uint16_t)++m->nentries;
		/* Each distinct bigram once in the vector tables. */
		if (!(m->bigram_bits[h >> 6] >> (h & 63) & 1))
			keys[nkeys++] = h;
		m->bigram_bits[h >> 6] |= 1ull << (h & 63);
	}
	assign_buckets(m, keys, nkeys);
	free(keys);
	m->index_stale = false;
	return 0;
}

/* A literal candidate of w at p (the literal fits in the window or runs
 * past its end). */
static int try_candidate(struct hilt_matcher *m, struct watch *w, uint64_t p)
{
	const struct hilt_pattern *pat = w->pattern;
	uint64_t end = m->base + m->len;
	size_t avail = end - p < pat->literal_len ? (size_t)(end - p) : pat->literal_len;

	if (memcmp(m->buf + (p - m->base), pat->literal, avail) != 0)
		return 0;
	/* A candidate after scan_from was reached by moving on. */
	int rc = search(m, w, p, p > w->scan_from || w->bumped, true);

	return rc < 0 ? rc : 0;
}

/* The first i in [i, stop) whose bigram buf[i], buf[i + 1] is in bits,
 * or stop.  The hot loop of the matcher: no calls, nothing aliased. */
static size_t next_bigram_hit(const unsigned char *restrict buf, size_t i,
			      size_t stop, const uint64_t *restrict bits)
{
	while (i + 4 <= stop) {
		unsigned b0 = buf[i], b1 = buf[i + 1], b2 = buf[i + 2];
		unsigned b3 = buf[i + 3], b4 = buf[i + 4];
		unsigned h0 = b0 << 8 | b1, h1 = b1 << 8 | b2;
		unsigned h2 = b2 << 8 | b3, h3 = b3 << 8 | b4;
		uint64_t any = (bits[h0 >> 6] >> (h0 & 63)) | (bits[h1 >> 6] >> (h1 & 63)) |
			       (bits[h2 >> 6] >> (h2 & 63)) | (bits[h3 >> 6] >> (h3 & 63));

		if (any & 1)
			break;
		i += 4;
	}
	for (; i < stop; i++) {
		unsigned h = (unsigned)buf[i] << 8 | buf[i + 1];

		if (bits[h >> 6] >> (h & 63) & 1)
			return i;
	}
	return stop;
}

/* Keys a watch's literal on its bigram seen least often so far (the
 * static guess breaks ties). */
static void choose_watch_key(struct hilt_matcher *m, struct watch *w)
{
	const struct hilt_pattern *p = w->pattern;
	uint64_t best = UINT64_MAX;

	if (!m->freq_final)
		return;
	for (size_t k = 0; k + 1 < p->literal_len; k++) {
		unsigned h = (unsigned)p->literal[k] << 8 | p->literal[k + 1];
		uint64_t score = (uint64_t)m->freq_final[h] << 8 |
				 (uint64_t)(byte_commonness(p->literal[k]) +
					    byte_commonness(p->literal[k + 1]));

		if (score < best) {
			best = score;
			w->key = k;
		}
	}
}

/* Counts the bigrams of new output until LEARN_BYTES, then re-keys every
 * watch.  Re-keying moves where the shared scan finds each literal, so
 * every watch searches what it may have missed by itself once. */
static void learn(struct hilt_matcher *m)
{
	uint64_t end = m->base + m->len;

	if (!m->freq || m->learned >= end || m->len < 2)
		return;
	size_t i = m->learned > m->base ? (size_t)(m->learned - m->base) : 0;

	for (; i + 1 < m->len; i++)
		m->freq[(unsigned)m->buf[i] << 8 | m->buf[i + 1]]++;
	m->learned = end - 1;
	if (m->learned < m->learn_bytes)
		return;
	m->freq_final = m->freq;
	m->freq = NULL;
	memset(m->first_mass, 0, sizeof(m->first_mass));
	memset(m->second_mass, 0, sizeof(m->second_mass));
	for (unsigned h = 0; h < 65536; h++) {
		/* +1: a byte never seen still costs a little. */
		m->first_mass[h >> 8] += m->freq_final[h] + 1.0 / 256;
		m->second_mass[h & 255] += m->freq_final[h] + 1.0 / 256;
	}
	for (size_t k = 0; k < m->nwatches; k++) {
		choose_watch_key(m, &m->watches[k]);
		fall_behind(&m->watches[k]);
	}
	m->index_stale = true;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* Like next_bigram_hit, 32 bytes at a time: nibble lookups (pshufb) keep
 * only positions whose first and second bytes can be part of a key
 * bigram; the bitmap decides for those. */
__attribute__((target("avx2")))
static size_t next_bigram_hit_avx2(const struct hilt_matcher *m,
				   const unsigned char *restrict buf, size_t i,
				   size_t stop)
{
	const __m256i f_lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)m->first_lo));
	const __m256i f_hi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)m->first_hi));
	const __m256i s_lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)m->second_lo));
	const __m256i s_hi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)m->second_hi));
	const __m256i nib = _mm256_set1_epi8(0x0f);
	const __m256i zero = _mm256_setzero_si256();
	const uint64_t *bits = m->bigram_bits;

	for (; i + 32 <= stop; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(buf + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(buf + i + 1));
		__m256i fa = _mm256_and_si256(
			_mm256_shuffle_epi8(f_lo, _mm256_and_si256(a, nib)),
			_mm256_shuffle_epi8(f_hi, _mm256_and_si256(_mm256_srli_epi16(a, 4), nib)));
		__m256i sb = _mm256_and_si256(
			_mm256_shuffle_epi8(s_lo, _mm256_and_si256(b, nib)),
			_mm256_shuffle_epi8(s_hi, _mm256_and_si256(_mm256_srli_epi16(b, 4), nib)));
		__m256i none = _mm256_cmpeq_epi8(_mm256_and_si256(fa, sb), zero);
		uint32_t mask = ~(uint32_t)_mm256_movemask_epi8(none);

		while (mask) {
			size_t j = i + (size_t)__builtin_ctz(mask);
			unsigned h = (unsigned)buf[j] << 8 | buf[j + 1];

			if (bits[h >> 6] >> (h & 63) & 1)
				return j;
			mask &= mask - 1;
		}
	}
	return i;
}

static bool have_avx2(void)
{
	static int cached = -1;

	if (cached < 0)
		cached = __builtin_cpu_supports("avx2") ? 1 : 0;
	return cached;
}
#endif

/* One pass over the new bytes for all prefiltered watches at once: look
 * up each bigram in a bitmap; only hits go further. */
static int shared_scan(struct hilt_matcher *m)
{
	uint64_t end = m->base + m->len;

	if (end < 2 || m->cand_pos >= end - 1)
		return 0;
	const unsigned char *buf = m->buf;
	size_t i = (size_t)(m->cand_pos - m->base), stop = m->len - 1;

	for (;; i++) {
#if defined(__x86_64__) && defined(__GNUC__)
		if (have_avx2())
			i = next_bigram_hit_avx2(m, buf, i, stop);
#endif
		i = next_bigram_hit(buf, i, stop, m->bigram_bits);
		if (i >= stop)
			break;
		unsigned h = (unsigned)buf[i] << 8 | buf[i + 1];

		for (unsigned e = m->bigram_head[h]; e; e = m->entries[e - 1].next) {
			struct watch *w = &m->watches[m->entries[e - 1].watch];
			size_t key = w->key;
			uint64_t p = m->base + i - key;

			if (i < key || w->has_result || w->partial || p < w->scan_from ||
			    !caught_up(m, w))
				continue;
			int rc = try_candidate(m, w, p);

			if (rc < 0)
				return rc;
		}
	}
	uint64_t done = m->base + stop;

	for (size_t k = 0; k < m->nwatches; k++) {
		struct watch *w = &m->watches[k];

		if (!prefiltered(m, w) || !caught_up(m, w))
			continue;
		w->caught_to = done;
		/* No literal found later can start before this. */
		if (!w->has_result && !w->partial && done > MAX_LITERAL &&
		    w->scan_from < done - MAX_LITERAL) {
			w->scan_from = done - MAX_LITERAL;
			w->bumped = true;
		}
	}
	m->cand_pos = done;
	return 0;
}

/* Brings a prefiltered watch up to the shared scan: re-checks a partial
 * match, and searches by itself what the shared scan passed before the
 * watch joined (or after its last match). */
static int catch_up(struct hilt_matcher *m, struct watch *w)
{
	uint64_t end = m->base + m->len;

	if (w->has_result)
		return 0;
	if (w->partial) {
		if (w->scan_from >= end)
			return 0;
		int rc = search(m, w, w->scan_from, false, true);

		if (rc != SEARCH_NONE)
			return rc < 0 ? rc : 0;
		/* That start failed: everything after it is unsearched. */
		fall_behind(w);
	}
	if (caught_up(m, w))
		return 0;
	w->rescan = false;
	int rc = scan_watch(m, w);

	/* Unless the search waits to start again where it did. */
	if (!w->rescan)
		w->caught_to = end > m->cand_pos + 1 ? end - 1 : m->cand_pos;
	return rc;
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
			if ((rc = scan_watch(m, &m->watches[i])) < 0)
				return rc;
	} else {
		learn(m);
		if (m->index_stale && (rc = rebuild_index(m)) < 0)
			return rc;
		for (size_t i = 0; i < m->nwatches; i++) {
			struct watch *w = &m->watches[i];

			rc = prefiltered(m, w) ? catch_up(m, w) : scan_watch(m, w);
			if (rc < 0)
				return rc;
		}
		if (m->nentries && (rc = shared_scan(m)) < 0)
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
