#include "base/text.h"

#include <stdlib.h>
#include <string.h>

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or
 * 0 when it is not valid (overlong, surrogate, truncated, > U+10FFFF). */
static size_t get_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2; min = 0x80; c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3; min = 0x800; c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4; min = 0x10000; c &= 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

char *hilt_text_inert(const char *s, size_t len, enum hilt_text_mode mode)
{
	/* Each input byte becomes at most 3 output bytes. */
	char *out = malloc(len * 3 + 1);
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = get_utf8(p + i, len - i, &cp);

		if (n == 0) {
			o += put_utf8(out + o, 0xfffd);
			i++;
			continue;
		}
		i += n;
		if (mode == HILT_TEXT_XML && (cp == '\t' || cp == '\n' || cp == '\r'))
			out[o++] = (char)cp;
		else if (mode == HILT_TEXT_TERMINAL && cp == '\t')
			out[o++] = ' ';
		else if (cp < 0x20)
			o += put_utf8(out + o, 0x2400 + cp);
		else if (cp == 0x7f)
			o += put_utf8(out + o, 0x2421);
		else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff)
			/* C1 controls (CSI, OSC, ...) act on some terminals
			 * even UTF-8 encoded. */
			o += put_utf8(out + o, 0xfffd);
		else {
			memcpy(out + o, p + i - n, n);
			o += n;
		}
	}
	out[o] = '\0';
	return out;
}

void hilt_json_str(FILE *f, const char *s)
{
	char *clean = hilt_text_inert(s ? s : "", s ? strlen(s) : 0, HILT_TEXT_TERMINAL);

	fputc('"', f);
	for (const char *p = clean ? clean : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
	free(clean);
}

void hilt_json_str_or_null(FILE *f, const char *s)
{
	if (s)
		hilt_json_str(f, s);
	else
		fputs("null", f);
}
