/* The kernel report reader (kreport.h): console bytes in any chunks to
 * lines, lines to report blocks, blocks to titled, counted findings.
 *   kreport.c         this file: streaming (between reports, a vector
 *                     pass to the next line with a report-start mark, the
 *                     lines before it unread), the blocks' bounds,
 *                     findings, ignore patterns, memory bounds
 *   kreport_lines.c   console prefixes, which line is what (headers,
 *                     rulers, end markers), caller ids
 *   ktitle.c          titles, kind by kind
 *   kreport_frames.c  call trace frames and the machinery titles skip
 *   kreport_int.h     what they share
 *
 * A block opens at a report's header (with the "cut here" or "====" ruler
 * just before it), and ends at its end marker ("end trace", the closing
 * sanitizer ruler, "end Kernel panic"), at the next report's header, after
 * QUIET lines in a row that do not look like a report's (other output
 * interleaved does not end it sooner), or after MAX_LINES lines.  A block
 * ended by a marker waits GRACE lines for a panic it caused (Fatal
 * exception, panic_on_warn, ...), which makes it fatal rather than a
 * report of its own; an oops line ("Oops: 0000 [#1]", "Internal error:
 * Oops") belongs to the page fault or BUG before it.  When the console
 * prints caller ids ("[ T1533]"), the lines of other tasks and CPUs are not
 * the open report's.  A panic, being the
 * last thing the kernel says, is told at once, or, when it follows an open
 * report, at the end of its dump ("Kernel Offset:", "end Kernel panic"). */
#define _GNU_SOURCE
#include "runner/engine/kreport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "runner/engine/kreport_int.h"

#define LINE_CAP 1024		/* bytes kept of one console line */
#define REP_CAP (32 * 1024)	/* bytes kept of an open report to title it */
#define REP_LINES 400		/* lines kept of it */
#define MAX_LINES 600		/* lines a report may run */
#define QUIET 24		/* lines in a row not of a report's shape end it */
#define QUIET_OOM 48		/* the OOM killer's dump has many */
#define GRACE 24		/* lines a closed report waits for its panic */
#define PANIC_LINES 100	/* lines of a panic's dump after it */
#define PEND_MAX 4		/* lines a "cut here" may come before its header */
#define TITLE_CAP 256

static const char *const kind_names[HILT_KR_NKINDS] = {
	"panic", "oops", "bug", "warning", "kasan", "kfence", "kmsan", "ubsan", "lockdep",
	"hung-task", "rcu-stall", "lockup", "gpf", "page-fault", "divide-error", "bad-page",
	"leak", "atomic-sleep", "oom", "other", "bootloader", "firmware",
};

const char *hilt_kreport_kind_name(enum hilt_kreport_kind kind)
{
	return (unsigned)kind < HILT_KR_NKINDS ? kind_names[kind] : NULL;
}

int hilt_kreport_kind_parse(const char *name, enum hilt_kreport_kind *out)
{
	for (int i = 0; i < HILT_KR_NKINDS; i++)
		if (!strcmp(name, kind_names[i])) {
			*out = (enum hilt_kreport_kind)i;
			return 0;
		}
	return -EINVAL;
}

enum state { ST_IDLE, ST_OPEN, ST_GRACE };

struct hilt_kreport {
	uint32_t fatal;
	size_t block_cap, max_findings;
	hilt_kreport_cb *cb;
	void *arg;
	pcre2_code **ignore;
	size_t nignore;
	pcre2_match_data *md;

	struct kr_marks marks;	/* the quick pass's (kreport_int.h) */
	enum kr_skim skim;

	/* the line being read */
	char line[LINE_CAP];
	size_t linelen;
	uint64_t pos, line_off;

	/* a "cut here" or a ruler that may open the next report, and the
	 * lines after it (a WARN's message comes before its WARNING line) */
	char pend[PEND_MAX][LINE_CAP];
	size_t pendlen[PEND_MAX];
	int npend;

	/* the report under way */
	enum state st;
	struct kr_head head;
	char *rep;		/* its lines, '\n' after each, REP_CAP at most */
	size_t replen, rep_nlines, good_len, good_lines;
	size_t hdr_pos, hdr_len, hdr_idx;
	uint64_t hdr_off;
	unsigned weak_run, lines, grace_left, panic_lines;
	uint32_t caller;	/* the header's caller id, 0 for none */
	bool panicked, leak_object, rep_full;

	struct hilt_finding **found;
	size_t nfound, capfound;
	unsigned long dropped;
	size_t bytes;		/* held by the findings */
};

int hilt_kreport_new(const struct hilt_kreport_opts *opts, struct hilt_kreport **out,
		     char *err, size_t errlen)
{
	struct hilt_kreport *kr = calloc(1, sizeof(*kr));
	size_t n = 0;

	if (!kr)
		return -ENOMEM;
	kr_marks_init(&kr->marks);
	kr->fatal = opts && opts->fatal ? opts->fatal : 1u << HILT_KR_PANIC;
	kr->block_cap = opts && opts->block_cap ? opts->block_cap : 4096;
	kr->max_findings = opts && opts->max_findings ? opts->max_findings : 256;
	kr->cb = opts ? opts->cb : NULL;
	kr->arg = opts ? opts->arg : NULL;
	kr->rep = malloc(REP_CAP);
	if (!kr->rep)
		goto err_free;
	while (opts && opts->ignore && opts->ignore[n])
		n++;
	if (n) {
		kr->ignore = calloc(n, sizeof(*kr->ignore));
		if (!kr->ignore)
			goto err_free;
		for (size_t i = 0; i < n; i++) {
			int code;
			PCRE2_SIZE at;

			kr->ignore[i] = pcre2_compile((PCRE2_SPTR)opts->ignore[i], PCRE2_ZERO_TERMINATED,
						      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &at, NULL);
			if (!kr->ignore[i]) {
				char msg[160];

				pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
				if (err && errlen)
					snprintf(err, errlen, "ignore pattern '%s': %s at offset %zu",
						 opts->ignore[i], msg, (size_t)at);
				kr->nignore = i;
				hilt_kreport_free(kr);
				return -EINVAL;
			}
		}
		kr->nignore = n;
		kr->md = pcre2_match_data_create(1, NULL);
		if (!kr->md)
			goto err_free;
	}
	*out = kr;
	return 0;

err_free:
	hilt_kreport_free(kr);
	return -ENOMEM;
}

void hilt_kreport_free(struct hilt_kreport *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->nfound; i++) {
		free((char *)kr->found[i]->title);
		free((char *)kr->found[i]->line);
		free((char *)kr->found[i]->block);
		free(kr->found[i]);
	}
	free(kr->found);
	for (size_t i = 0; i < kr->nignore; i++)
		pcre2_code_free(kr->ignore[i]);
	free(kr->ignore);
	pcre2_match_data_free(kr->md);
	free(kr->rep);
	free(kr);
}

/* A copy of console bytes as a C string: NUL bytes become spaces. */
static char *text_dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++)
		d[i] = s[i] ? s[i] : ' ';
	d[len] = '\0';
	return d;
}

static bool ignored(struct hilt_kreport *kr, const char *title)
{
	for (size_t i = 0; i < kr->nignore; i++)
		if (pcre2_match(kr->ignore[i], (PCRE2_SPTR)title, strlen(title), 0, 0, kr->md, NULL) >= 0)
			return true;
	return false;
}

/* The open report is complete: titled, counted, told. */
static int tell(struct hilt_kreport *kr)
{
	const char *lines[REP_LINES];
	size_t lens[REP_LINES], n = 0;
	char title[TITLE_CAP];
	int rc = 0;

	kr->st = ST_IDLE;
	for (size_t at = 0; at < kr->replen && n < REP_LINES;) {
		const char *nl = memchr(kr->rep + at, '\n', kr->replen - at);
		struct kr_head h;
		size_t len = (size_t)(nl - (kr->rep + at)), p = kr_body(kr->rep + at, len, &h);

		lines[n] = kr->rep + at + p;
		lens[n++] = len - p;
		at += len + 1;
	}
	if (kr->hdr_idx >= n)
		return 0;
	kr_make_title(kr->head.type, lines + kr->hdr_idx, lens + kr->hdr_idx, n - kr->hdr_idx, title,
		      sizeof(title));
	if (ignored(kr, title))
		return 0;
	bool fatal = (kr->fatal & (1u << kr->head.kind)) ||
		     (kr->panicked && (kr->fatal & (1u << HILT_KR_PANIC)));
	if (kr->fatal & HILT_KREPORT_NONE_FATAL)
		fatal = false;
	for (size_t i = 0; i < kr->nfound; i++) {
		struct hilt_finding *f = kr->found[i];

		if (strcmp(f->title, title))
			continue;
		f->count++;
		f->fatal = f->fatal || fatal;
		if (kr->cb)
			kr->cb(kr->arg, f, false);
		return 0;
	}
	if (kr->nfound >= kr->max_findings) {
		kr->dropped++;
		return 0;
	}
	if (kr->nfound == kr->capfound) {
		size_t cap = kr->capfound ? kr->capfound * 2 : 8;
		void *p = realloc(kr->found, cap * sizeof(*kr->found));

		if (!p)
			return -ENOMEM;
		kr->found = p;
		kr->capfound = cap;
	}
	struct hilt_finding *f = calloc(1, sizeof(*f));
	size_t blen = kr->replen;
	if (blen > kr->block_cap) {
		const char *nl = memrchr(kr->rep, '\n', kr->block_cap);
		blen = nl ? (size_t)(nl - kr->rep) + 1 : kr->block_cap;
	}
	if (f) {
		f->title = text_dup(title, strlen(title));
		f->line = text_dup(kr->rep + kr->hdr_pos, kr->hdr_len);
		f->block = text_dup(kr->rep, blen);
	}
	if (!f || !f->title || !f->line || !f->block) {
		if (f) {
			free((char *)f->title);
			free((char *)f->line);
			free((char *)f->block);
		}
		free(f);
		return -ENOMEM;
	}
	f->block_len = blen;
	f->kind = kr->head.kind;
	f->count = 1;
	f->offset = kr->hdr_off;
	f->fatal = fatal;
	kr->found[kr->nfound++] = f;
	kr->bytes += sizeof(*f) + strlen(title) + 1 + kr->hdr_len + 1 + blen + 1;
	if (kr->cb)
		kr->cb(kr->arg, f, true);
	return rc;
}

/* One more line of the open report. */
static void add_line(struct hilt_kreport *kr, const char *s, size_t len, bool shaped)
{
	kr->lines++;
	if (!kr->rep_full && kr->replen + len + 1 <= REP_CAP && kr->rep_nlines < REP_LINES) {
		memcpy(kr->rep + kr->replen, s, len);
		kr->replen += len;
		kr->rep[kr->replen++] = '\n';
		kr->rep_nlines++;
	} else {
		kr->rep_full = true;
	}
	if (shaped) {
		kr->good_len = kr->replen;
		kr->good_lines = kr->rep_nlines;
		kr->weak_run = 0;
	} else {
		kr->weak_run++;
	}
}

static void open_report(struct hilt_kreport *kr, const struct kr_head *h, const char *s,
			size_t len)
{
	kr->st = ST_OPEN;
	kr->head = *h;
	kr->replen = kr->rep_nlines = 0;
	kr->lines = kr->weak_run = 0;
	kr->panicked = kr->rep_full = false;
	kr->leak_object = h->cls == KC_LEAK_OBJECT;
	for (int i = 0; i < kr->npend; i++)
		add_line(kr, kr->pend[i], kr->pendlen[i], true);
	kr->npend = 0;
	kr->hdr_idx = kr->rep_nlines;
	kr->hdr_pos = kr->replen;
	kr->hdr_len = len;
	kr->hdr_off = kr->line_off;
	kr->caller = kr_caller(s, len);
	add_line(kr, s, len, true);
}

/* Ends what is under way before another report opens. */
static int close_current(struct hilt_kreport *kr)
{
	if (kr->st == ST_OPEN) {
		kr->replen = kr->good_len;
		kr->rep_nlines = kr->good_lines;
	}
	return kr->st == ST_IDLE ? 0 : tell(kr);
}

/* Reports whose header a console may print twice (two CPUs, a line
 * printed again after a cut), rather than two reports in a row. */
static bool repeats(enum kr_type t)
{
	switch (t) {
	case KT_KERNEL_BUG: case KT_UNHANDLED: case KT_PF_NULL: case KT_PF_PAGING: case KT_PF_OTHER:
	case KT_GPF: case KT_DIVIDE: case KT_INVALID_OP: case KT_OOPS: case KT_STACK_GUARD:
	case KT_DOUBLE_FAULT: case KT_KASAN: case KT_KFENCE: case KT_KMSAN: case KT_UBSAN:
	case KT_WARNING:
		return true;
	default:
		return false;
	}
}

static bool oops_belongs(const struct hilt_kreport *kr)
{
	enum hilt_kreport_kind k = kr->head.kind;

	return kr->st == ST_OPEN && (k == HILT_KR_PAGE_FAULT || k == HILT_KR_BUG || k == HILT_KR_OOPS ||
				     k == HILT_KR_KFENCE || k == HILT_KR_KASAN);
}

/* The lines held since a "cut here" or a ruler opened no report: the
 * open report's, or nobody's. */
static int flush_pending(struct hilt_kreport *kr)
{
	int n = kr->npend;

	kr->npend = 0;
	for (int i = 0; i < n; i++) {
		if (kr->st == ST_OPEN) {
			add_line(kr, kr->pend[i], kr->pendlen[i], true);
		} else if (kr->st == ST_GRACE && --kr->grace_left == 0) {
			return tell(kr);
		}
	}
	return 0;
}

static int line_done(struct hilt_kreport *kr, const char *s, size_t len)
{
	struct kr_head h;
	size_t p;
	int rc = 0;

	while (len && s[len - 1] == '\r')
		len--;
	p = kr_body(s, len, &h);
	if (kr->st != ST_IDLE && kr->caller && h.cls != KC_HEADER && h.cls != KC_PANIC_FOLD) {
		uint32_t who = kr_caller(s, len);
		/* another task's end marker or oops line is not this report's */
		if (who && who != kr->caller)
			h.cls = KC_NONE;
	}
	switch (h.cls) {
	case KC_RULER:
		if (kr->st == ST_OPEN && kr_type_ruled(kr->head.type) && kr->rep_nlines > kr->hdr_idx + 1) {
			add_line(kr, s, len, true);
			kr->st = ST_GRACE;
			kr->grace_left = GRACE;
			return 0;
		}
		/* fall through */
	case KC_CUT:
		rc = flush_pending(kr);
		memcpy(kr->pend[0], s, len);
		kr->pendlen[0] = len;
		kr->npend = 1;
		return rc;
	case KC_OOPS:
		if (oops_belongs(kr))
			break;
		/* fall through */
	case KC_HEADER:
		if (kr->st == ST_OPEN && kr->rep_nlines <= kr->hdr_idx + 3 &&
		    (kr->head.cls == KC_OOPS || (h.type == kr->head.type && repeats(h.type)))) {
			/* the oops line came first ("invalid opcode" before
			 * "kernel BUG at"), or a fault's header repeats: the
			 * report is named by this line */
			kr->head = h;
			kr->hdr_idx = kr->rep_nlines;
			kr->hdr_pos = kr->replen;
			kr->hdr_len = len;
			kr->hdr_off = kr->line_off;
			add_line(kr, s, len, true);
			return 0;
		}
		rc = close_current(kr);
		open_report(kr, &h, s, len);
		if (h.type == KT_PANIC) {
			kr->panicked = true;
			kr->panic_lines = 0;
		}
		return rc;
	case KC_LEAK_OBJECT:
		if (kr->st == ST_OPEN && kr->head.type == KT_LEAK && !kr->leak_object) {
			kr->leak_object = true;
			break;
		}
		rc = close_current(kr);
		open_report(kr, &h, s, len);
		return rc;
	case KC_PANIC_FOLD:
		if (kr->st == ST_IDLE || kr->panicked) {
			rc = close_current(kr);
			open_report(kr, &h, s, len);
		} else {
			/* the panic's own dump (its trace, which is the report's
			 * with panic_on_warn) follows: the report goes on to its end */
			kr->st = ST_OPEN;
			kr->weak_run = 0;
			add_line(kr, s, len, true);
		}
		kr->panicked = true;
		kr->panic_lines = 0;
		return rc;
	case KC_OOM_KILLED:
		if (kr->st == ST_OPEN && kr->head.type == KT_OOM) {
			add_line(kr, s, len, true);
			return tell(kr);
		}
		rc = close_current(kr);
		open_report(kr, &h, s, len);
		return rc ? rc : tell(kr);
	case KC_END_TRACE:
		if (kr->st == ST_OPEN) {
			add_line(kr, s, len, true);
			kr->st = ST_GRACE;
			kr->grace_left = GRACE;
		}
		kr->npend = 0;
		return 0;
	case KC_END_PANIC:
		if (kr->st == ST_OPEN)
			add_line(kr, s, len, true);
		kr->npend = 0;
		return kr->st == ST_IDLE ? 0 : tell(kr);
	default:
		break;
	}
	/* a line of no report's beginning: held after a "cut here", part of
	 * the open report, or not */
	if (kr->st == ST_IDLE && !kr->npend)
		return 0;
	if (kr->npend && kr->npend < PEND_MAX) {
		memcpy(kr->pend[kr->npend], s, len);
		kr->pendlen[kr->npend++] = len;
		return 0;
	}
	rc = flush_pending(kr);
	if (rc || kr->st == ST_IDLE)
		return rc;
	if (kr->st == ST_OPEN) {
		uint32_t who = kr->caller ? kr_caller(s, len) : 0;
		if (who && who != kr->caller)
			return 0; /* another task's or CPU's line: not this report's */
		add_line(kr, s, len, h.cls != KC_NONE || kr_shaped(s + p, len - p));
		/* the last words of a panic */
		if (kr->panicked && (++kr->panic_lines >= PANIC_LINES ||
				     lit_starts(s + p, len - p, "Kernel Offset:") ||
				     lit_starts(s + p, len - p, "Rebooting in") ||
				     lit_starts(s + p, len - p, "---[ end ")))
			return tell(kr);
		if (kr->weak_run >= (kr->head.type == KT_OOM ? QUIET_OOM : QUIET) || kr->lines >= MAX_LINES) {
			/* ended: it may still have caused a panic to come */
			kr->replen = kr->good_len;
			kr->rep_nlines = kr->good_lines;
			if (kr->panicked)
				return tell(kr);
			kr->st = ST_GRACE;
			kr->grace_left = GRACE;
		}
		return 0;
	}
	if (--kr->grace_left == 0)
		return tell(kr);
	return 0;
}

/* The first i from i on where the marks pass (kreport_int.h), or len: a
 * byte at a time. */
static size_t marks_scalar(const struct kr_marks *m, const unsigned char *d, size_t i, size_t len)
{
	for (; i + 3 <= len; i++)
		if (kr_marks_at(m, d + i))
			return i;
	return len;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same 128 bytes at a time, where the CPU has AVX-512 VBMI: each
 * position's three bytes looked up in their 128-byte tables at once
 * (vpermi2b; bit 7 is not looked at, as in the tables), the bucket bits
 * and-ed.  From *at on: true with *at the first position that passes, or
 * false with *at where the vector pass stopped (fewer than 130 bytes
 * left), from where marks_scalar() goes on.  The passes by nibble below
 * do the same. */
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static bool
marks_vbmi(const struct kr_marks *m, const unsigned char *d, size_t len, size_t *at)
{
	__m512i t0a = _mm512_loadu_si512(m->byte[0]), t0b = _mm512_loadu_si512(m->byte[0] + 64);
	__m512i t1a = _mm512_loadu_si512(m->byte[1]), t1b = _mm512_loadu_si512(m->byte[1] + 64);
	__m512i t2a = _mm512_loadu_si512(m->byte[2]), t2b = _mm512_loadu_si512(m->byte[2] + 64);
	size_t i = *at;

#define KR_PASS(p) _mm512_ternarylogic_epi32( \
		_mm512_permutex2var_epi8(t0a, _mm512_loadu_si512(p), t0b), \
		_mm512_permutex2var_epi8(t1a, _mm512_loadu_si512((p) + 1), t1b), \
		_mm512_permutex2var_epi8(t2a, _mm512_loadu_si512((p) + 2), t2b), 0x80)
	for (; i + 130 <= len; i += 128) {
		__m512i a = KR_PASS(d + i), b = KR_PASS(d + i + 64);
		__mmask64 ha = _mm512_test_epi8_mask(a, a), hb = _mm512_test_epi8_mask(b, b);

		if (ha | hb) {
			*at = i + (ha ? (size_t)__builtin_ctzll(ha) : 64 + (size_t)__builtin_ctzll(hb));
			return true;
		}
	}
#undef KR_PASS
	*at = i;
	return false;
}

/* The bucket bits of the 64 positions at p for the tables by nibble of
 * byte j of a mark, as avx2_nibbles() below, with AVX-512BW. */
__attribute__((target("avx512f,avx512bw"))) static inline __m512i bw_nibbles(__m512i lo, __m512i hi,
									  const unsigned char *p, bool mask)
{
	const __m512i low = _mm512_set1_epi8(0x0f);
	__m512i x = _mm512_loadu_si512(p);

	return _mm512_and_si512(_mm512_shuffle_epi8(lo, mask ? _mm512_and_si512(x, low) : x),
				_mm512_shuffle_epi8(hi, _mm512_and_si512(_mm512_srli_epi16(x, 4), low)));
}

/* The same 128 bytes at a time by nibble, where the CPU has AVX-512BW
 * but not VBMI. */
__attribute__((target("avx512f,avx512bw"))) static bool marks_bw(const struct kr_marks *m,
								 const unsigned char *d, size_t len, size_t *at)
{
#define KR_TABLE(t) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(t)))
	const __m512i lo0 = KR_TABLE(m->lo[0]), lo1 = KR_TABLE(m->lo[1]), lo2 = KR_TABLE(m->lo[2]);
	const __m512i hi0 = KR_TABLE(m->hi[0]), hi1 = KR_TABLE(m->hi[1]), hi2 = KR_TABLE(m->hi[2]);
#undef KR_TABLE
#define KR_PASS(p) _mm512_ternarylogic_epi32(bw_nibbles(lo0, hi0, (p), false), \
					     bw_nibbles(lo1, hi1, (p) + 1, false), \
					     bw_nibbles(lo2, hi2, (p) + 2, true), 0x80)
	size_t i = *at;

	for (; i + 130 <= len; i += 128) {
		__m512i a = KR_PASS(d + i), b = KR_PASS(d + i + 64);
		__mmask64 ha = _mm512_test_epi8_mask(a, a), hb = _mm512_test_epi8_mask(b, b);

		if (ha | hb) {
			*at = i + (ha ? (size_t)__builtin_ctzll(ha) : 64 + (size_t)__builtin_ctzll(hb));
			return true;
		}
	}
#undef KR_PASS
	*at = i;
	return false;
}

/* The bucket bits of the 32 positions at p for the tables by nibble of
 * byte j of a mark (vpshufb looks 16 bytes up).  The low nibbles of the
 * first two bytes are looked up as the bytes are (a byte above 0x7f looks
 * up 0: no mark has one there); the third's is masked, as "[#" takes any
 * third byte. */
__attribute__((target("avx2"))) static inline __m256i avx2_nibbles(__m256i lo, __m256i hi,
								    const unsigned char *p, bool mask)
{
	const __m256i low = _mm256_set1_epi8(0x0f);
	__m256i x = _mm256_loadu_si256((const __m256i *)p);

	return _mm256_and_si256(_mm256_shuffle_epi8(lo, mask ? _mm256_and_si256(x, low) : x),
				_mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(x, 4), low)));
}

/* The same 64 bytes at a time, where the CPU has AVX2, by nibble (which
 * passes more). */
__attribute__((target("avx2"))) static bool marks_avx2(const struct kr_marks *m, const unsigned char *d,
						      size_t len, size_t *at)
{
#define KR_TABLE(t) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(t)))
	const __m256i lo0 = KR_TABLE(m->lo[0]), lo1 = KR_TABLE(m->lo[1]), lo2 = KR_TABLE(m->lo[2]);
	const __m256i hi0 = KR_TABLE(m->hi[0]), hi1 = KR_TABLE(m->hi[1]), hi2 = KR_TABLE(m->hi[2]);
#undef KR_TABLE
#define KR_PASS(p) _mm256_and_si256(_mm256_and_si256(avx2_nibbles(lo0, hi0, (p), false), \
						      avx2_nibbles(lo1, hi1, (p) + 1, false)), \
				    avx2_nibbles(lo2, hi2, (p) + 2, true))
	size_t i = *at;

	for (; i + 66 <= len; i += 64) {
		__m256i a = KR_PASS(d + i), b = KR_PASS(d + i + 32), any = _mm256_or_si256(a, b);

		if (!_mm256_testz_si256(any, any)) {
			const __m256i zero = _mm256_setzero_si256();
			uint64_t hit = ~((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero)) |
					 (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, zero)) << 32);

			*at = i + (size_t)__builtin_ctzll(hit);
			return true;
		}
	}
#undef KR_PASS
	*at = i;
	return false;
}
#endif

/* A line that line_done() would pass over when no report is under way:
 * timestamped, its first two words' bytes no report's, not an OOM
 * killer's (which ends in a number).  Most of a console. */
static inline bool skippable(const char *d, size_t n)
{
	while (n && d[n - 1] == '\r')
		n--;
	/* kr_prefix_len()'s quick case, exactly */
	return n > 17 && n <= LINE_CAP && d[0] == '[' && d[6] == '.' && d[13] == ']' && d[14] == ' ' &&
	       d[15] != '[' && is_digit(d[5]) && is_digit(d[12]) && !kr_maybe(d + 15) &&
	       !is_digit(d[n - 1]);
}

/* Where there is no vector pass for the marks: the bytes of data up to
 * the first line that needs reading in full (or the last line, not ended
 * yet), a look at each line's first bytes, lines found with one pass for
 * newlines (SSE2's where there is). */
static size_t skim_lines(const char *d, size_t len)
{
	size_t start = 0, i = 0;

#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
	for (; i + 16 <= len; i += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(d + i)), nl));
		while (m) {
			size_t q = i + (size_t)__builtin_ctz(m);
			m &= m - 1;
			if (!skippable(d + start, q - start))
				return start;
			start = q + 1;
		}
	}
#endif
	for (const char *q; i < len && (q = memchr(d + i, '\n', len - i)); i = start) {
		if (!skippable(d + start, (size_t)(q - d) - start))
			return start;
		start = (size_t)(q - d) + 1;
	}
	return start;
}

/* When no report is under way: the bytes of data up to the first line
 * that may matter (one with a mark: kreport_int.h), or up to the last
 * line, not ended yet, which is read in full when it ends (a mark cut by
 * the read is found there).  Every line before is passed over unread, as
 * line_done() would pass over it: it is no report's, no ruler, no "cut
 * here", and nothing is under way that it could be part of. */
static size_t skim(const struct hilt_kreport *kr, const char *data, size_t len)
{
	const unsigned char *d = (const unsigned char *)data;
	bool (*pass)(const struct kr_marks *, const unsigned char *, size_t, size_t *) = NULL;
	size_t at = 0;

	switch (kr->skim) {
	case KR_SKIM_NONE:
		return 0;
	case KR_SKIM_LINES:
		return skim_lines(data, len);
	case KR_SKIM_MARKS:
		break;
	case KR_SKIM_BEST:
	case KR_SKIM_BW:
	case KR_SKIM_AVX2:
#if defined(__x86_64__) && defined(__GNUC__)
		if (kr->skim == KR_SKIM_BEST && __builtin_cpu_supports("avx512vbmi") &&
		    __builtin_cpu_supports("avx512bw"))
			pass = marks_vbmi;
		else if (kr->skim != KR_SKIM_AVX2 && __builtin_cpu_supports("avx512bw"))
			pass = marks_bw;
		else if (__builtin_cpu_supports("avx2"))
			pass = marks_avx2;
#endif
		/* a byte at a time would be slower than a look at each line */
		if (!pass)
			return skim_lines(data, len);
		break;
	}
	/* a pass by nibble lets through mixes of the marks' nibbles that the
	 * tables by byte do not: the vector pass goes on after them */
	while (pass && pass(&kr->marks, d, len, &at) && !kr_marks_at(&kr->marks, d + at))
		at++;
	/* from where the vector pass stopped, or its hit: the same marks */
	at = marks_scalar(&kr->marks, d, at, len);
	const char *nl = memrchr(data, '\n', at);

	return nl ? (size_t)(nl - data) + 1 : 0;
}

void kr_set_skim(struct hilt_kreport *kr, enum kr_skim how)
{
	kr->skim = how;
}

int hilt_kreport_feed(struct hilt_kreport *kr, const char *data, size_t len)
{
	int rc = 0, r;

	while (len) {
		if (kr->linelen == 0 && kr->st == ST_IDLE && !kr->npend) {
			size_t k = skim(kr, data, len);
			kr->pos += k;
			data += k;
			len -= k;
			if (!len)
				break;
		}
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;

		if (kr->linelen == 0 && nl) {
			/* the whole line is here: read in place */
			kr->line_off = kr->pos;
			r = line_done(kr, data, take < LINE_CAP ? take : LINE_CAP);
			rc = rc ? rc : r;
		} else {
			/* a line cut by the read: its first LINE_CAP bytes kept */
			size_t room = LINE_CAP - kr->linelen, c = take < room ? take : room;

			if (kr->linelen == 0)
				kr->line_off = kr->pos;
			memcpy(kr->line + kr->linelen, data, c);
			kr->linelen += c;
			if (nl) {
				r = line_done(kr, kr->line, kr->linelen);
				rc = rc ? rc : r;
				kr->linelen = 0;
			}
		}
		size_t step = nl ? take + 1 : len;
		kr->pos += step;
		data += step;
		len -= step;
	}
	return rc;
}

int hilt_kreport_finish(struct hilt_kreport *kr)
{
	int rc = 0;

	if (kr->linelen) {
		rc = line_done(kr, kr->line, kr->linelen);
		kr->linelen = 0;
	}
	int r = flush_pending(kr);
	rc = rc ? rc : r;
	r = close_current(kr);
	return rc ? rc : r;
}

int hilt_kreport_flush(struct hilt_kreport *kr)
{
	/* the held "cut here" lines stay held: the next line may be their
	 * report's */
	return kr->st == ST_IDLE ? 0 : close_current(kr);
}

bool hilt_kreport_panicking(const struct hilt_kreport *kr)
{
	return kr->st == ST_OPEN && kr->panicked;
}

size_t hilt_kreport_count(const struct hilt_kreport *kr)
{
	return kr->nfound;
}

const struct hilt_finding *hilt_kreport_get(const struct hilt_kreport *kr, size_t i)
{
	return i < kr->nfound ? kr->found[i] : NULL;
}

unsigned long hilt_kreport_dropped(const struct hilt_kreport *kr)
{
	return kr->dropped;
}

size_t hilt_kreport_bytes(const struct hilt_kreport *kr)
{
	return sizeof(*kr) + REP_CAP + kr->capfound * sizeof(*kr->found) + kr->bytes;
}
