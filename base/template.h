/* The one template expander: "${name}" (suites: a <send> or a pattern
 * using what an earlier pattern captured) and "{name}" (farms: a board's
 * commands using {port}, {name} and its <var>s).  Names are looked up by
 * the caller; values may be quoted on the way in (a regex's). */
#ifndef HILT_TEMPLATE_H
#define HILT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

enum hilt_template_syntax {
	HILT_TEMPLATE_DOLLAR,	/* ${name} */
	HILT_TEMPLATE_BRACE,	/* {name} */
};

/* The value of the name (len bytes, not NUL-terminated), borrowed until
 * the expansion returns; NULL when it has none. */
typedef const char *hilt_template_lookup(const char *name, size_t len, void *arg);

struct hilt_template {
	enum hilt_template_syntax syntax;
	hilt_template_lookup *lookup;
	void *arg;
	/* A name without a value stays as written (a farm's "{}" is text);
	 * otherwise it is an error: "no value for ${name}". */
	bool keep_unknown;
	/* When set, each value goes in as quote makes it: the length it
	 * needs (NUL excluded) whatever outlen, the text in out when it fits
	 * (hilt_regex_quote's contract). */
	size_t (*quote)(const char *value, char *out, size_t outlen);
};

/* What a template references: the text between the opening ("${" or "{")
 * and the first '}' after it.  Text with no '}' after an opening is kept
 * as it is. */

/* The expansion of tmpl, malloc'd: the caller frees it.  NULL with err
 * set: "no value for ${name}" (or {name}), or "out of memory". */
char *hilt_template_expand(const char *tmpl, const struct hilt_template *t, char *err,
			   size_t errlen);

/* Calls fn for each name tmpl references, in order; a non-zero return
 * stops and is returned.  With strict, an opening with no '}', an empty
 * name or one not of [A-Za-z0-9_] is -EINVAL (a suite's "malformed
 * reference"); without, it is text and skipped. */
int hilt_template_each(const char *tmpl, enum hilt_template_syntax syntax, bool strict,
		       int (*fn)(const char *name, size_t len, void *arg), void *arg);

/* Whether name[0..len) is a name a template may reference: not empty, of
 * [A-Za-z0-9_] only. */
bool hilt_template_name_ok(const char *name, size_t len);

/* A lookup over two parallel arrays of names and values (arg: this). */
struct hilt_template_vars {
	const char *const *names;
	const char *const *values;
	size_t n;
};
const char *hilt_template_lookup_vars(const char *name, size_t len, void *arg);

#endif
