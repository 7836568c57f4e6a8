#include "base/ansi.h"

/* ECMA-48: ESC [ params intermediates final (CSI); ESC ] ... BEL or ST
 * (OSC); ESC P/X/^/_ ... ST (strings); ESC intermediates final (others). */
enum {
	TEXT,
	ESC,		/* after ESC */
	CSI,		/* after ESC [ */
	STRING,		/* OSC, DCS, SOS, PM, APC body */
	STRING_ESC,	/* ESC inside a string: ST if '\' follows */
	ESC_INTER,	/* ESC then intermediate bytes */
};

size_t hilt_ansi_strip(struct hilt_ansi *st, const char *in, size_t n,
		       char *out)
{
	size_t o = 0;
	int s = st->state;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		switch (s) {
		case TEXT:
			if (c == 0x1b)
				s = ESC;
			else
				out[o++] = (char)c;
			break;
		case ESC:
			if (c == '[')
				s = CSI;
			else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
				s = STRING;
			else if (c >= 0x20 && c <= 0x2f)
				s = ESC_INTER;
			else if (c == 0x1b)
				s = ESC;
			else
				s = TEXT;	/* a two-byte sequence (ESC 7, ESC c...) */
			break;
		case CSI:
			/* Parameters and intermediates run until a final byte. */
			if (c >= 0x40 && c <= 0x7e)
				s = TEXT;
			else if (c == 0x1b)
				s = ESC;
			else if (c < 0x20 && c != 0x1b) {
				/* A control inside a CSI acts and is kept (a
				 * line end must not vanish). */
				out[o++] = (char)c;
			}
			break;
		case STRING:
			if (c == 0x07)
				s = TEXT;
			else if (c == 0x1b)
				s = STRING_ESC;
			break;
		case STRING_ESC:
			s = c == '\\' ? TEXT : (c == 0x1b ? STRING_ESC : STRING);
			break;
		case ESC_INTER:
			if (c >= 0x30 && c <= 0x7e)
				s = TEXT;
			else if (c < 0x20 || c > 0x7e)
				s = TEXT;
			break;
		}
	}
	st->state = s;
	return o;
}
