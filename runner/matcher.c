#define PCRE2_CODE_UNIT_WIDTH 8
#include "matcher.h"

#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hilt_pattern {
	pcre2_code *code;
	char *source;
	uint32_t lookbehind;	/* bytes before a match start it may inspect */
	uint32_t name_count, name_entry_size;
	PCRE2_SPTR name_table;
};

struct watch {
	const struct hilt_pattern *pattern;
	int id;
	uint64_t scan_from;	/* no match can start before this */
	bool has_result;
	struct hilt_match result;
	pcre2_match_data *md;
};

struct hilt_matcher {
	unsigned char *buf;
	size_t len, cap;
	uint64_t base;		/* absolute offset of buf[0] */
	struct watch *watches;
	size_t nwatches, capwatches;
};

int hilt_pattern_compile(const char *re, struct hilt_pattern **out,
			 char *err, size_t errlen)
{
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	struct hilt_pattern *p;

	if (!cctx)
		return -ENOMEM;
	pcre2_set_newline(cctx, PCRE2_NEWLINE_ANYCRLF);
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
					 PCRE2_MULTILINE, &errcode, &erroff,
					 cctx);
	pcre2_compile_context_free(cctx);
	if (!code) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(err, errlen, "offset %zu: %s", (size_t)erroff,
			 (char *)msg);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->source = strdup(re))) {
		free(p);
		pcre2_code_free(code);
		return -ENOMEM;
	}
	p->code = code;
	/* JIT is an accelerator; the interpreter gives the same answers. */
	pcre2_jit_compile(code, PCRE2_JIT_PARTIAL_HARD);
	pcre2_pattern_info(code, PCRE2_INFO_MAXLOOKBEHIND, &p->lookbehind);
	pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &p->name_count);
	pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &p->name_entry_size);
	pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &p->name_table);
	*out = p;
	return 0;
}

void hilt_pattern_free(struct hilt_pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
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
	m->buf = malloc(window_cap);
	if (!m->buf) {
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
	free(m->buf);
	free(m);
}

int hilt_matcher_watch(struct hilt_matcher *m, const struct hilt_pattern *p,
		       int id, uint64_t from)
{
	if (m->nwatches == m->capwatches) {
		size_t cap = m->capwatches ? m->capwatches * 2 : 8;
		struct watch *w = realloc(m->watches, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		m->watches = w;
		m->capwatches = cap;
	}
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code,
								    NULL);
	if (!md)
		return -ENOMEM;
	if (from < m->base)
		from = m->base;
	if (from > m->base + m->len)
		from = m->base + m->len;
	m->watches[m->nwatches++] = (struct watch){
		.pattern = p, .id = id, .scan_from = from, .md = md,
	};
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
		} else {
			i++;
		}
	}
}

/* Context kept before a watch's scan position so that ^, \b and
 * lookbehinds see the byte(s) before it. */
static uint64_t watch_keep_from(const struct watch *w)
{
	uint64_t ctx = w->pattern->lookbehind + 1;
	uint64_t from = w->has_result ? w->result.start : w->scan_from;

	return from > ctx ? from - ctx : 0;
}

/* Drops bytes no watch needs any more, then as many more as it takes to
 * make room for want bytes. */
static void make_room(struct hilt_matcher *m, size_t want)
{
	uint64_t end = m->base + m->len;
	uint64_t keep = end;

	for (size_t i = 0; i < m->nwatches; i++) {
		uint64_t k = watch_keep_from(&m->watches[i]);

		if (k < keep)
			keep = k;
	}
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

		if (w->scan_from < m->base)
			w->scan_from = m->base;
	}
}

size_t hilt_matcher_feed(struct hilt_matcher *m, const void *buf, size_t len)
{
	size_t take = len;

	/* Never fill more than half the window in one go, so that a match in
	 * progress keeps room to finish. */
	if (take > m->cap / 2)
		take = m->cap / 2;
	make_room(m, take);
	memcpy(m->buf + m->len, buf, take);
	m->len += take;
	return take;
}

static int scan_watch(struct hilt_matcher *m, struct watch *w)
{
	uint64_t end = m->base + m->len;

	if (w->has_result || w->scan_from >= end)
		return 0;
	uint32_t opts = PCRE2_PARTIAL_HARD;

	if (m->base > 0)
		opts |= PCRE2_NOTBOL;
	int rc = pcre2_match(w->pattern->code, m->buf, m->len,
			     (PCRE2_SIZE)(w->scan_from - m->base), opts, w->md,
			     NULL);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);

	if (rc == PCRE2_ERROR_NOMATCH) {
		w->scan_from = end;
		return 0;
	}
	if (rc == PCRE2_ERROR_PARTIAL) {
		w->scan_from = m->base + ov[0];
		return 0;
	}
	if (rc < 0)
		return -EIO;
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
	return 0;
}

int hilt_matcher_next(struct hilt_matcher *m, struct hilt_match *match)
{
	struct watch *best = NULL;

	for (size_t i = 0; i < m->nwatches; i++) {
		struct watch *w = &m->watches[i];
		int rc = scan_watch(m, w);

		if (rc < 0)
			return rc;
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
	/* An empty match must not be found again at the same place. */
	best->scan_from = match->end > match->start ? match->end : match->end + 1;
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
