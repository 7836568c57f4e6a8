/* Device output made safe to show: as XML text, or on a terminal where an
 * escape sequence from a device must not act. */
#ifndef HILT_TEXT_H
#define HILT_TEXT_H

#include <stddef.h>
#include <stdio.h>

enum hilt_text_mode {
	/* XML 1.0 text: tab, LF and CR stay; other controls become
	 * pictures. */
	HILT_TEXT_XML,
	/* One terminal line: every control byte, LF and CR included, becomes
	 * its picture, so nothing the device sent moves the cursor, sets a
	 * title or colour, or clears the screen. */
	HILT_TEXT_TERMINAL,
};

/* Returns a malloc'd copy of len bytes of s as valid UTF-8 with control
 * characters shown as their Unicode control pictures (ESC as U+241B,
 * U+2400 + c for C0, U+2421 for DEL), C1 controls, noncharacters and
 * invalid bytes as U+FFFD.  Caller frees; NULL when out of memory. */
char *hilt_text_inert(const char *s, size_t len, enum hilt_text_mode mode);

/* Writes s (NULL: "") as a JSON string: made inert as for a terminal
 * line, then quoted and escaped. */
void hilt_json_str(FILE *f, const char *s);
/* The same, but NULL is written as JSON's null. */
void hilt_json_str_or_null(FILE *f, const char *s);

#endif
