/* Test result streams (see tstream.h): what every format shares.
 *   hilt_tstream_feed()  lines assembled from chunks cut anywhere, at most
 *                        HILT_TSTREAM_LINE_MAX bytes kept of each, the
 *                        line end's CRs and the console prefixes stripped
 *                        (the kernel report reader's kr_prefix_len(), so
 *                        both read the same lines the same way)
 *   ts_path_*            the path stack: the stream's name and a bounded
 *                        component per level
 *   ts_diag_*, ts_emit   the current test's diagnostic text and the case
 *                        hand-over
 * The formats' readers (tstream_ktap.c, tstream_ztest.c, tstream_unity.c)
 * see whole lines only. */
#define _GNU_SOURCE
#include "runner/engine/tstream_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/engine/kreport_int.h"

static const char *const format_names[] = {
	[HILT_TS_KTAP] = "ktap",
	[HILT_TS_TAP] = "tap",
	[HILT_TS_ZTEST] = "ztest",
	[HILT_TS_UNITY] = "unity",
};

const char *hilt_tstream_format_name(enum hilt_tstream_format f)
{
	if ((unsigned)f < sizeof(format_names) / sizeof(format_names[0]))
		return format_names[f];
	return "?";
}

int hilt_tstream_format_parse(const char *name, enum hilt_tstream_format *out)
{
	for (unsigned i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (name && !strcmp(name, format_names[i])) {
			*out = (enum hilt_tstream_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct ts_ops *ops_of(enum hilt_tstream_format f)
{
	switch (f) {
	case HILT_TS_KTAP:
		return &ts_ktap_ops;
	case HILT_TS_TAP:
		return &ts_tap_ops;
	case HILT_TS_ZTEST:
		return &ts_ztest_ops;
	case HILT_TS_UNITY:
		return &ts_unity_ops;
	}
	return NULL;
}

struct hilt_tstream *hilt_tstream_new(enum hilt_tstream_format f, const char *name,
				      hilt_tstream_case_fn on_case, void *owner)
{
	const struct ts_ops *ops = ops_of(f);
	struct hilt_tstream *ts;

	if (!ops)
		return NULL;
	ts = calloc(1, sizeof(*ts) + ops->state_size);
	if (!ts)
		return NULL;
	ts->format = f;
	ts->ops = ops;
	ts->on_case = on_case;
	ts->owner = owner;
	ts->state = ts + 1;
	ts->status = "failure";
	/* the stream's name is the path's first level */
	ts->levels = -1;
	ts_path_push(ts, name ? name : "", name ? strlen(name) : 0);
	if (ops->init)
		ops->init(ts);
	return ts;
}

void hilt_tstream_free(struct hilt_tstream *ts)
{
	free(ts);
}

void ts_path_push(struct hilt_tstream *ts, const char *name, size_t len)
{
	if (ts->levels + 1 >= (int)(sizeof(ts->level_len) / sizeof(ts->level_len[0])))
		return;	/* the readers keep to HILT_TSTREAM_DEPTH_MAX */
	ts->level_len[++ts->levels] = ts->path_len;
	if (len > TS_NAME_MAX)
		len = TS_NAME_MAX;
	if (ts->levels > 0)
		ts->path[ts->path_len++] = '/';
	for (size_t i = 0; i < len; i++)
		ts->path[ts->path_len++] = name[i] == '/' || !name[i] ? '_' : name[i];
	ts->path[ts->path_len] = 0;
}

void ts_path_pop(struct hilt_tstream *ts)
{
	if (ts->levels <= 0)
		return;
	ts->path_len = ts->level_len[ts->levels--];
	ts->path[ts->path_len] = 0;
}

const char *ts_path_last(const struct hilt_tstream *ts, size_t *len)
{
	size_t at = ts->level_len[ts->levels];

	if (ts->levels <= 0) {
		*len = 0;
		return "";
	}
	*len = ts->path_len - at - 1;
	return ts->path + at + 1;
}

void ts_diag_add(struct hilt_tstream *ts, const char *s, size_t len, uint64_t begin)
{
	if (!ts->diag_len && !ts->diag_full)
		ts->diag_begin = begin;
	if (ts->diag_full || ts->diag_len + len + 1 > HILT_TSTREAM_DIAG_MAX) {
		ts->diag_full = true;
		return;
	}
	/* text: a NUL (line noise) would end it early */
	for (size_t i = 0; i < len; i++)
		ts->diag[ts->diag_len + i] = s[i] ? s[i] : ' ';
	ts->diag_len += len;
	ts->diag[ts->diag_len++] = '\n';
	ts->diag[ts->diag_len] = 0;
}

void ts_diag_clear(struct hilt_tstream *ts)
{
	ts->diag_len = 0;
	ts->diag_full = false;
	ts->diag[0] = 0;
}

void ts_emit(struct hilt_tstream *ts, const char *leaf, size_t leaf_len,
	     enum hilt_tstream_verdict v, const char *reason, double seconds,
	     uint64_t begin, uint64_t end)
{
	size_t saved = ts->path_len;
	struct hilt_tstream_case c = {
		.verdict = v,
		.reason = reason ? reason : "",
		.diag = ts->diag,
		.diag_len = ts->diag_len,
		.seconds = seconds,
		.begin = ts->diag_len || ts->diag_full ? ts->diag_begin : begin,
		.end = end,
	};

	if (c.begin > begin)
		c.begin = begin;
	if (leaf) {
		if (leaf_len > TS_NAME_MAX)
			leaf_len = TS_NAME_MAX;
		ts->path[ts->path_len++] = '/';
		for (size_t i = 0; i < leaf_len; i++)
			ts->path[ts->path_len++] = leaf[i] == '/' || !leaf[i] ? '_' : leaf[i];
		ts->path[ts->path_len] = 0;
	}
	c.path = ts->path;
	if (ts->on_case)
		ts->on_case(ts->owner, &c);
	ts->path_len = saved;
	ts->path[saved] = 0;
	ts_diag_clear(ts);
}

void ts_count(struct hilt_tstream *ts, enum hilt_tstream_verdict v)
{
	struct hilt_tstream_counts *c = &ts->counts;

	switch (v) {
	case HILT_TV_PASS:
		c->passed++;
		break;
	case HILT_TV_FAIL:
		c->failed++;
		break;
	case HILT_TV_SKIP:
		c->skipped++;
		break;
	case HILT_TV_ERROR:
		c->errors++;
		break;
	case HILT_TV_CRASHED:
		c->crashed++;
		break;
	}
}

void ts_problem(struct hilt_tstream *ts, const char *fmt, ...)
{
	va_list ap;

	if (ts->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(ts->problem, sizeof(ts->problem), fmt, ap);
	va_end(ap);
}

bool ts_number(const char *s, size_t len, size_t *i, unsigned long *out)
{
	size_t j = *i;
	unsigned long n = 0;

	if (j >= len || !ts_digit(s[j]))
		return false;
	for (; j < len && ts_digit(s[j]); j++)
		n = n > (~0UL - 9) / 10 ? ~0UL : n * 10 + (unsigned long)(s[j] - '0');
	*i = j;
	*out = n;
	return true;
}

static void line_done(struct hilt_tstream *ts, uint64_t end)
{
	struct ts_line l;
	size_t len = ts->line_len, p, i;
	unsigned indent = 0;

	while (len && ts->line[len - 1] == '\r')
		len--;
	ts->line[len] = 0;
	p = kr_prefix_len(ts->line, len);
	for (i = p; i < len && (ts->line[i] == ' ' || ts->line[i] == '\t'); i++)
		indent += ts->line[i] == '\t' ? 4 : 1;
	l = (struct ts_line){
		.s = ts->line + p, .len = len - p, .indent = indent,
		.t = ts->line + i, .tlen = len - i,
		.begin = ts->line_begin, .end = end,
	};
	ts->line_len = 0;
	ts->line_begin = end;
	if (!ts->done)
		ts->ops->line(ts, &l);
}

void hilt_tstream_feed(struct hilt_tstream *ts, const char *buf, size_t len)
{
	if (ts->finished)
		return;
	while (len && !ts->done) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;
		size_t room = HILT_TSTREAM_LINE_MAX - ts->line_len;

		/* A whole line here that the reader cannot want: passed
		 * over as it lies. */
		if (nl && !ts->line_len && ts->ops->wants && n <= HILT_TSTREAM_LINE_MAX) {
			size_t e = n, i = kr_prefix_len(buf, n);
			unsigned indent = 0;

			while (e > i && buf[e - 1] == '\r')
				e--;
			for (; i < e && (buf[i] == ' ' || buf[i] == '\t'); i++)
				indent += buf[i] == '\t' ? 4 : 1;
			if (!ts->ops->wants(ts, buf + i, e - i, indent)) {
				ts->fed += n + 1;
				ts->line_begin = ts->fed;
				buf += n + 1;
				len -= n + 1;
				continue;
			}
		}

		memcpy(ts->line + ts->line_len, buf, n < room ? n : room);
		ts->line_len += n < room ? n : room;
		ts->fed += n;
		buf += n;
		len -= n;
		if (nl) {
			ts->fed++;
			buf++;
			len--;
			line_done(ts, ts->fed);
		}
	}
	if (!ts->done && ts->line_len && ts->ops->partial)
		ts->ops->partial(ts, ts->line, ts->line_len);
	/* what comes after the end is not read, only counted */
	ts->fed += len;
}

bool hilt_tstream_done(const struct hilt_tstream *ts)
{
	return ts->done;
}

bool hilt_tstream_started(const struct hilt_tstream *ts)
{
	return ts->started;
}

void hilt_tstream_finish(struct hilt_tstream *ts, enum hilt_tstream_end how)
{
	if (ts->finished)
		return;
	if (ts->line_len && !ts->done)
		line_done(ts, ts->fed);
	/* Cut off by a crash: that is what is wrong with it, whether the
	 * line that ended it (a panic's) was read whole or not. */
	if (how == HILT_TS_END_CRASH && !ts->problem[0])
		ts_problem(ts, "cut off by a crash");
	ts->ops->finish(ts, how);
	ts->counts.total = ts->counts.passed + ts->counts.failed + ts->counts.skipped +
			   ts->counts.errors + ts->counts.crashed;
	ts->finished = true;
}

const struct hilt_tstream_counts *hilt_tstream_counts(const struct hilt_tstream *ts)
{
	return &ts->counts;
}

const char *hilt_tstream_status(const struct hilt_tstream *ts)
{
	return ts->status;
}

const char *hilt_tstream_problem(const struct hilt_tstream *ts)
{
	return ts->problem;
}
