/* Chunking equivalence of the matcher, shared by the libFuzzer harness
 * (tests/fuzz/fuzz_matcher_chunks.c) and the regression test in
 * tests/test_matcher.c.
 *
 * An input is bytes:
 *   byte 0   how it runs: bits 0-1 number of patterns - 1; bit 2 the last
 *            pattern is watched late; bits 3-4 how soon the prefilter
 *            re-keys its literals (0: default, else 16 << 2v bytes)
 *   byte 1   where the late watch starts: text length * byte / 255
 *   patterns each ended by a NUL
 *   2 bytes  text length, little endian (cut to what follows, and to
 *            MC_MAX_TEXT)
 *   text
 *   the rest chunk sizes, one a byte, used round and round: b < 0xc0 is
 *            1 + b % 24 bytes, else 1 + (b - 0xc0) * 37
 * Missing parts are empty.
 *
 * Each watch's matches (offsets and groups) must be the same whether the
 * text is fed in one piece or in chunks, with the prefilter on or off,
 * and, where the text does not end in a newline, the same as plain pcre2
 * searches over the whole text. */
#ifndef HILT_MATCHER_CHECK_H
#define HILT_MATCHER_CHECK_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/engine/matcher.h"

#define MC_MAX_PATTERNS 4
#define MC_MAX_PATTERN 256
#define MC_MAX_TEXT 2048

struct mc_input {
	unsigned npatterns;
	char patterns[MC_MAX_PATTERNS][MC_MAX_PATTERN];
	bool late;		/* the last pattern is watched from late_from */
	uint64_t late_from;
	size_t learning;	/* 0: the matcher's default */
	const unsigned char *text;
	size_t len;
	const unsigned char *chunks;
	size_t nchunks;
};

/* Parses data into in (which points into data).  Returns 0, or -1 when a
 * pattern is too long (the input is not worth running). */
static inline int mc_parse(const uint8_t *data, size_t size, struct mc_input *in)
{
	size_t pos = 2;

	memset(in, 0, sizeof(*in));
	if (size < 2)
		return -1;
	in->npatterns = (data[0] & 3) + 1;
	in->late = data[0] & 4;
	in->learning = (data[0] >> 3) & 3 ? (size_t)16 << (2 * ((data[0] >> 3) & 3)) : 0;
	for (unsigned i = 0; i < in->npatterns; i++) {
		size_t n = 0;

		while (pos < size && data[pos]) {
			if (n + 1 >= MC_MAX_PATTERN)
				return -1;
			in->patterns[i][n++] = (char)data[pos++];
		}
		in->patterns[i][n] = '\0';
		if (pos < size)
			pos++;	/* the NUL */
	}
	if (pos + 2 <= size) {
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if (len > MC_MAX_TEXT)
			len = MC_MAX_TEXT;
		in->text = data + pos;
		in->len = len;
		pos += len;
	}
	in->chunks = data + pos;
	in->nchunks = size - pos;
	in->late_from = in->len * data[1] / 255;
	return 0;
}

struct mc_event {
	int id;
	uint64_t start, end;
	unsigned ngroups;
	int64_t groups[HILT_MATCH_MAX_GROUPS][2];
};

struct mc_trace {
	struct mc_event *ev;
	size_t n, cap;
	int error;		/* hilt_matcher_next() failed: -errno */
};

/* How a run chunks the text: the input's chunk bytes, one split point, or
 * one byte at a time. */
enum mc_chunking { MC_WHOLE, MC_INPUT, MC_SPLIT, MC_BYTES };

struct mc_chunker {
	enum mc_chunking how;
	size_t split;		/* MC_SPLIT: the first chunk's length */
	size_t i;		/* MC_INPUT: the next chunk byte */
	size_t fed;
};

static inline size_t mc_next_chunk(const struct mc_input *in, struct mc_chunker *c)
{
	switch (c->how) {
	case MC_WHOLE:
		return in->len;
	case MC_SPLIT:
		return c->fed < c->split ? c->split - c->fed : in->len - c->fed;
	case MC_BYTES:
		return 1;
	case MC_INPUT:
		break;
	}
	if (!in->nchunks)
		return 1;
	unsigned char b = in->chunks[c->i++ % in->nchunks];

	return b < 0xc0 ? 1 + b % 24u : 1 + (size_t)(b - 0xc0) * 37;
}

static inline void mc_add(struct mc_trace *t, const struct hilt_match *mt)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct mc_event *ev = realloc(t->ev, cap * sizeof(*ev));

		if (!ev)
			abort();
		t->ev = ev;
		t->cap = cap;
	}
	struct mc_event *e = &t->ev[t->n++];

	memset(e, 0, sizeof(*e));
	e->id = mt->id;
	e->start = mt->start;
	e->end = mt->end;
	e->ngroups = mt->ngroups;
	for (unsigned g = 0; g < mt->ngroups && g < HILT_MATCH_MAX_GROUPS; g++) {
		e->groups[g][0] = mt->groups[g].start;
		e->groups[g][1] = mt->groups[g].end;
	}
}

/* Reports every match there is now; false on an error (in t->error). */
static inline bool mc_drain(struct hilt_matcher *m, struct mc_trace *t)
{
	struct hilt_match mt;
	int rc;

	while ((rc = hilt_matcher_next(m, &mt)) == 1)
		mc_add(t, &mt);
	if (rc < 0)
		t->error = rc;
	return rc == 0;
}

/* What a run changes besides the chunking. */
enum { MC_NO_PREFILTER = 1, MC_NO_JIT = 2 };

/* Runs the input through a fresh matcher, pattern i reported as id i;
 * then ends the stream.  A matcher error is left in t->error. */
static inline void mc_run(const struct mc_input *in, struct hilt_pattern *const *pats,
			  unsigned without, struct mc_chunker c, struct mc_trace *t)
{
	struct hilt_matcher *m;
	/* Room for the whole text in one feed (the matcher takes up to half
	 * its window at once), so that no match in progress outgrows it. */
	size_t cap = 2 * in->len + 128;
	bool late_pending = in->late;

	memset(t, 0, sizeof(*t));
	if (hilt_matcher_new(cap, &m) < 0)
		abort();
	hilt_matcher_set_prefilter(m, !(without & MC_NO_PREFILTER));
	hilt_matcher_set_jit(m, !(without & MC_NO_JIT));
	if (in->learning)
		hilt_matcher_set_learning(m, in->learning);
	for (unsigned i = 0; i < in->npatterns - (in->late ? 1 : 0); i++)
		if (hilt_matcher_watch(m, pats[i], (int)i, 0) < 0)
			abort();
	c.fed = 0;
	while (c.fed < in->len && !t->error) {
		size_t want = mc_next_chunk(in, &c);

		if (want > in->len - c.fed)
			want = in->len - c.fed;
		while (want && !t->error) {
			size_t took = hilt_matcher_feed(m, in->text + c.fed, want);

			c.fed += took;
			want -= took;
			mc_drain(m, t);
			if (late_pending && c.fed >= in->late_from) {
				late_pending = false;
				if (hilt_matcher_watch(m, pats[in->npatterns - 1],
						       (int)in->npatterns - 1, in->late_from) < 0)
					abort();
				mc_drain(m, t);
			}
			/* Keep only what the watches need, as a session does, so
			 * that the window moves on; until the late watch is in,
			 * keep its bytes. */
			hilt_matcher_retain(m, late_pending ? 0 : hilt_matcher_offset(m));
		}
	}
	if (late_pending) {
		if (hilt_matcher_watch(m, pats[in->npatterns - 1], (int)in->npatterns - 1,
				       in->late_from) < 0)
			abort();
	}
	if (!t->error) {
		mc_drain(m, t);
		hilt_matcher_finish(m);
		mc_drain(m, t);
	}
	hilt_matcher_free(m);
}

/* Plain pcre2 over the whole text, compiled as the matcher compiles (but
 * with ^ never matching at the very end, PCRE2_ALT_CIRCUMFLEX off): each
 * pattern's matches one after the other, from where it is watched.
 * Returns 0, -ERANGE on a pcre2 limit. */
static inline int mc_oracle(const struct mc_input *in, struct mc_trace *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < in->npatterns; i++) {
		int ec;
		PCRE2_SIZE eo;
		pcre2_compile_context *cc = pcre2_compile_context_create(NULL);

		pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)in->patterns[i], PCRE2_ZERO_TERMINATED,
						 PCRE2_MULTILINE | PCRE2_NEVER_UTF, &ec, &eo, cc);

		pcre2_compile_context_free(cc);
		if (!code)
			return -EINVAL;
		/* The interpreter: the reference, where JIT's complete mode
		 * differs (see hilt_pattern_compile()). */
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
		PCRE2_SIZE at = in->late && i == in->npatterns - 1 ? in->late_from : 0;
		uint32_t opts = 0;

		for (;;) {
			int rc = pcre2_match(code, in->text, in->len, at, opts, md, NULL);

			if (rc == PCRE2_ERROR_NOMATCH)
				break;
			if (rc < 0) {
				pcre2_match_data_free(md);
				pcre2_code_free(code);
				return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
					rc == PCRE2_ERROR_HEAPLIMIT ? -ERANGE : -EIO;
			}
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			uint32_t npairs = pcre2_get_ovector_count(md);
			struct hilt_match mt = { .id = (int)i, .start = ov[0], .end = ov[1] };

			mt.ngroups = npairs < HILT_MATCH_MAX_GROUPS ? npairs : HILT_MATCH_MAX_GROUPS;
			for (unsigned g = 0; g < mt.ngroups; g++) {
				bool set = g < (unsigned)rc && ov[2 * g] != PCRE2_UNSET;

				mt.groups[g].start = set ? (int64_t)ov[2 * g] : -1;
				mt.groups[g].end = set ? (int64_t)ov[2 * g + 1] : -1;
			}
			mc_add(t, &mt);
			at = ov[1];
			opts = ov[1] == ov[0] ? PCRE2_NOTEMPTY_ATSTART : 0;
		}
		pcre2_match_data_free(md);
		pcre2_code_free(code);
	}
	return 0;
}

/* Compares the matches of each watch in a and b; on a difference writes
 * it into why and returns false. */
static inline bool mc_same(const struct mc_trace *a, const struct mc_trace *b,
			   unsigned npatterns, char *why, size_t whylen)
{
	for (unsigned id = 0; id < npatterns; id++) {
		size_t i = 0, j = 0;

		for (;;) {
			while (i < a->n && a->ev[i].id != (int)id)
				i++;
			while (j < b->n && b->ev[j].id != (int)id)
				j++;
			if (i == a->n || j == b->n) {
				if (i != a->n || j != b->n) {
					const struct mc_event *e = i < a->n ? &a->ev[i] : &b->ev[j];

					snprintf(why, whylen, "pattern %u: [%llu,%llu) only in the %s",
						 id, (unsigned long long)e->start,
						 (unsigned long long)e->end, i < a->n ? "first" : "second");
					return false;
				}
				break;
			}
			const struct mc_event *x = &a->ev[i], *y = &b->ev[j];
			bool same = x->start == y->start && x->end == y->end &&
				    x->ngroups == y->ngroups;

			for (unsigned g = 0; same && g < x->ngroups; g++)
				same = x->groups[g][0] == y->groups[g][0] &&
				       x->groups[g][1] == y->groups[g][1];
			if (!same) {
				snprintf(why, whylen, "pattern %u: [%llu,%llu) against [%llu,%llu)%s", id,
					 (unsigned long long)x->start, (unsigned long long)x->end,
					 (unsigned long long)y->start, (unsigned long long)y->end,
					 x->start == y->start && x->end == y->end ? " (groups differ)" : "");
				return false;
			}
			i++;
			j++;
		}
	}
	return true;
}

/* Whether the text ends where ^ at the very end differs between a stream
 * that goes on and one that ends (then plain pcre2 is no oracle for what
 * was decided while the stream could still go on). */
static inline bool mc_ends_in_newline(const struct mc_input *in)
{
	if (!in->len)
		return false;
	unsigned char c = in->text[in->len - 1];

	return c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x85 || c == 0;
}

/* Compiles the input's patterns, runs the text through them in one piece
 * and with each chunking given, the prefilter on and off, and checks that
 * every run finds the same matches (and plain pcre2 too, where it is an
 * oracle).  Returns 0 when they agree, 1 with the difference in why, 77
 * when the input is not worth running (a pattern does not compile, a
 * pcre2 limit was hit). */
static inline int mc_check(const struct mc_input *in, const struct mc_chunker *chunkings,
			   size_t nchunkings, char *why, size_t whylen)
{
	struct hilt_pattern *pats[MC_MAX_PATTERNS] = { 0 };
	struct mc_trace ref, t;
	char err[256], what[160];
	int result = 0;
	unsigned n = 0;

	memset(&ref, 0, sizeof(ref));
	for (; n < in->npatterns; n++)
		if (hilt_pattern_compile(in->patterns[n], &pats[n], err, sizeof(err)) < 0) {
			result = 77;
			goto out;
		}
	mc_run(in, pats, 0, (struct mc_chunker){ .how = MC_WHOLE }, &ref);
	if (ref.error) {
		if (ref.error != -ERANGE) {
			snprintf(why, whylen, "in one piece: error %d", ref.error);
			result = 1;
		} else {
			result = 77;
		}
		goto out;
	}
	/* Each chunking with the prefilter and JIT, without the prefilter,
	 * and (the first) without JIT; in one piece without either. */
	for (size_t k = 0; k <= nchunkings && !result; k++) {
		for (unsigned without = 0; without < 3 && !result; without++) {
			struct mc_chunker c = k < nchunkings ? chunkings[k]
							     : (struct mc_chunker){ .how = MC_WHOLE };

			if ((c.how == MC_WHOLE && without == 0) ||
			    (without == MC_NO_JIT && k != 0 && k != nchunkings))
				continue;
			mc_run(in, pats, without, c, &t);
			snprintf(what, sizeof(what), "%s%s",
				 c.how == MC_WHOLE ? "in one piece" : c.how == MC_BYTES ? "byte by byte" :
				 c.how == MC_SPLIT ? "split in two" : "in the input's chunks",
				 without == MC_NO_PREFILTER ? " without the prefilter" :
				 without == MC_NO_JIT ? " without JIT" : "");
			if (c.how == MC_SPLIT)
				snprintf(what + strlen(what), sizeof(what) - strlen(what), " at %zu",
					 c.split);
			if (t.error == -ERANGE) {
				result = 77;
			} else if (t.error) {
				snprintf(why, whylen, "%s: error %d", what, t.error);
				result = 1;
			} else if (!mc_same(&ref, &t, in->npatterns, err, sizeof(err))) {
				snprintf(why, whylen, "in one piece vs %s: %s", what, err);
				result = 1;
			}
			free(t.ev);
		}
	}
	if (!result && !mc_ends_in_newline(in)) {
		int rc = mc_oracle(in, &t);

		if (rc == -ERANGE || rc == -EINVAL) {
			result = 77;
		} else if (rc < 0) {
			snprintf(why, whylen, "plain pcre2: error %d", rc);
			result = 1;
		} else if (!mc_same(&ref, &t, in->npatterns, err, sizeof(err))) {
			snprintf(why, whylen, "matcher vs plain pcre2: %s", err);
			result = 1;
		}
		free(t.ev);
	}
out:
	free(ref.ev);
	for (unsigned i = 0; i < n; i++)
		hilt_pattern_free(pats[i]);
	return result;
}

#endif
