/* The console matcher's patterns: compiled four ways with pcre2, with the
 * literal every match starts with found for the prefilter, and regex
 * quoting of values (see matcher.c for the map). */
#include "runner/engine/matcher_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

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
int hilt_pattern_byte_commonness(unsigned char c)
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
		int score = hilt_pattern_byte_commonness(p->literal[k]) + hilt_pattern_byte_commonness(p->literal[k + 1]);

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
