/* Streaming removal of terminal escape sequences (colours, cursor moves,
 * window titles) so that patterns see the text a person would.  The state
 * carries over between chunks: a sequence split across reads is removed
 * all the same. */
#ifndef HILT_ANSI_H
#define HILT_ANSI_H

#include <stddef.h>

struct hilt_ansi {
	int state;	/* zero-initialise before the first chunk */
};

/* Copies in to out without escape sequences; out holds at least n bytes
 * (it may be in itself).  Returns the bytes written. */
size_t hilt_ansi_strip(struct hilt_ansi *st, const char *in, size_t n,
		       char *out);

#endif
