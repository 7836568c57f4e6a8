/* The console matcher's prefilter: each prefiltered watch's literal keyed
 * on its rarest bigram, and one scan of the new bytes for all of them (a
 * bit set, a vector pre-check with AVX2), candidates checked anchored.
 * See matcher.c for the map. */
#include "runner/engine/matcher_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

/* How often a byte starts / ends a bigram of this console (learned), or a
 * static guess before that. */
static double byte_mass(const struct hilt_matcher *m, unsigned c, int second)
{
	if (m->first_mass[0] >= 0)
		return second ? m->second_mass[c] : m->first_mass[c];
	return (double)(1u << hilt_pattern_byte_commonness((unsigned char)c));
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

int hilt_matcher_rebuild_index(struct hilt_matcher *m)
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
	int rc = hilt_matcher_search(m, w, p, p > w->scan_from || w->bumped, true);

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
void hilt_matcher_choose_key(struct hilt_matcher *m, struct watch *w)
{
	const struct hilt_pattern *p = w->pattern;
	uint64_t best = UINT64_MAX;

	if (!m->freq_final)
		return;
	for (size_t k = 0; k + 1 < p->literal_len; k++) {
		unsigned h = (unsigned)p->literal[k] << 8 | p->literal[k + 1];
		uint64_t score = (uint64_t)m->freq_final[h] << 8 |
				 (uint64_t)(hilt_pattern_byte_commonness(p->literal[k]) +
					    hilt_pattern_byte_commonness(p->literal[k + 1]));

		if (score < best) {
			best = score;
			w->key = k;
		}
	}
}

/* Counts the bigrams of new output until LEARN_BYTES, then re-keys every
 * watch.  Re-keying moves where the shared scan finds each literal, so
 * every watch searches what it may have missed by itself once. */
void hilt_matcher_learn(struct hilt_matcher *m)
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
		hilt_matcher_choose_key(m, &m->watches[k]);
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
int hilt_matcher_shared_scan(struct hilt_matcher *m)
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
int hilt_matcher_catch_up(struct hilt_matcher *m, struct watch *w)
{
	uint64_t end = m->base + m->len;

	if (w->has_result)
		return 0;
	if (w->partial) {
		if (w->scan_from >= end)
			return 0;
		int rc = hilt_matcher_search(m, w, w->scan_from, false, true);

		if (rc != SEARCH_NONE)
			return rc < 0 ? rc : 0;
		/* That start failed: everything after it is unsearched. */
		fall_behind(w);
	}
	if (caught_up(m, w))
		return 0;
	w->rescan = false;
	int rc = hilt_matcher_scan_watch(m, w);

	/* Unless the search waits to start again where it did. */
	if (!w->rescan)
		w->caught_to = end > m->cand_pos + 1 ? end - 1 : m->cand_pos;
	return rc;
}
