/* Growth of the arrays that double as they fill (watches, timers, argv). */
#ifndef HILT_GROW_H
#define HILT_GROW_H

#include <stdlib.h>

/* Makes room for need elements of size elem in arr, whose capacity is
 * *cap (first: the capacity of a first allocation).  Returns the array,
 * moved or not, with *cap updated; NULL, with nothing changed, when memory
 * runs out. */
static inline void *hilt_grow(void *arr, size_t need, size_t *cap, size_t elem, size_t first)
{
	if (need <= *cap)
		return arr;
	size_t c = *cap ? *cap * 2 : first;

	while (c < need)
		c *= 2;
	void *p = realloc(arr, c * elem);

	if (p)
		*cap = c;
	return p;
}

#endif
