/* Strict reading of hilt's configuration XML (suites, farms): no network,
 * no DTD, no external entities.  The loaders keep going after a mistake,
 * as a compiler does, and gather every one of a file in a diagnostics
 * list (struct hilt_diags); its messages read "file:line: what is wrong",
 * in line order. */
#ifndef HILT_XMLFILE_H
#define HILT_XMLFILE_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

/* An error buffer that holds every message a file can get (see
 * hilt_diags_format()): callers of the loaders may size theirs so. */
#define HILT_CONFIG_ERR_MAX 16384

/* Messages shown of one file; the rest are counted in a last line. */
#define HILT_DIAGS_SHOWN 20

enum hilt_diag_level {
	HILT_DIAG_ERROR,	/* the file cannot be used */
	HILT_DIAG_WARNING,	/* a run on this host would likely trip on it */
};

struct hilt_diag {
	long line;		/* in the file; 0: of the whole file */
	enum hilt_diag_level level;
	char *text;		/* without "file:line: " */
};

/* The mistakes found in one file, in the order they were found.  Lives on
 * the caller's stack: hilt_diags_init(), then hilt_diags_free(). */
struct hilt_diags {
	const char *path;	/* borrowed; must outlive the list */
	struct hilt_diag *items;
	size_t n, cap;
	size_t nerrors, nwarnings;	/* including those not kept */
	size_t dropped;		/* not kept (beyond a bound on memory) */
	bool sorted;
};

void hilt_diags_init(struct hilt_diags *d, const char *path);
void hilt_diags_free(struct hilt_diags *d);

/* Adds a message at line.  Returns -EINVAL for an error and 0 for a
 * warning, so that a parser can "return hilt_diags_add(...)". */
int hilt_diags_add(struct hilt_diags *d, enum hilt_diag_level level, long line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Puts the messages in line order (stable: the order found on one line). */
void hilt_diags_sort(struct hilt_diags *d);

/* One message as it is shown: "file:line: text", "file:line: warning:
 * text", or "file: text" for line 0. */
void hilt_diags_line(const struct hilt_diags *d, const struct hilt_diag *m,
		     char *buf, size_t len);

/* Writes the messages in line order, one a line without a final newline,
 * into err: at most HILT_DIAGS_SHOWN of them and only whole lines, then a
 * line "file: N more ... not shown" for those left out. */
void hilt_diags_format(struct hilt_diags *d, char *err, size_t errlen);

/* Ends a load that reported into d and returned rc: when rc is an error,
 * its messages (or "out of memory") go into err as hilt_diags_format()
 * writes them.  Frees d; returns rc. */
int hilt_diags_finish(struct hilt_diags *d, int rc, char *err, size_t errlen);

/* Parses path into *doc (freed with xmlFreeDoc).  0 or -EINVAL/-errno,
 * with the reason in d. */
int hilt_xml_read(struct hilt_diags *d, xmlDoc **doc);

/* hilt_xml_read() with its message in a caller's buffer. */
int hilt_xml_load(const char *path, xmlDoc **doc, char *err, size_t errlen);

/* Adds an error at node's line; returns -EINVAL. */
int hilt_xml_error(struct hilt_diags *d, const xmlNode *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An error for each attribute of node not in allowed (NULL-terminated). */
int hilt_xml_check_attrs(struct hilt_diags *d, const xmlNode *node,
			 const char *const allowed[]);

/* An error for each run of text inside node, which may hold only child
 * elements, comments and white space. */
int hilt_xml_check_element_only(struct hilt_diags *d, const xmlNode *node);

/* Attribute value as a malloc'd string (caller frees), or NULL if absent. */
char *hilt_xml_attr(const xmlNode *node, const char *name);

/* Required attribute: NULL after adding the error when absent or empty. */
char *hilt_xml_attr_required(struct hilt_diags *d, const xmlNode *node,
			     const char *name);

/* Text content as a malloc'd string (caller frees); fails on child
 * elements.  Leading and trailing white space is kept unless trim. */
int hilt_xml_text(struct hilt_diags *d, const xmlNode *node, bool trim,
		  char **out);

/* Numbers are written in plain decimal: digits, and for seconds a decimal
 * point with digits after it.  No sign, exponent, hex, "inf", "nan",
 * white space or unit. */

/* Parses "text" as seconds from min to max into *out: 0, or -EINVAL
 * after adding an error that names what (an attribute: 'timeout'; an
 * element: <wait>). */
int hilt_xml_parse_seconds(struct hilt_diags *d, const xmlNode *node,
			   const char *what, const char *text, double min,
			   double max, double *out);

/* Parses text as a whole number from min to max (both >= 0) into *out. */
int hilt_xml_parse_count(struct hilt_diags *d, const xmlNode *node,
			 const char *what, const char *text, unsigned long min,
			 unsigned long max, unsigned long *out);

/* Optional attribute holding seconds (0.001 to 86400); *out keeps its
 * value when the attribute is absent. */
int hilt_xml_seconds(struct hilt_diags *d, const xmlNode *node,
		     const char *name, double *out);

/* Optional attribute holding a whole number from min to max; *out keeps
 * its value when the attribute is absent. */
int hilt_xml_count(struct hilt_diags *d, const xmlNode *node, const char *name,
		   unsigned long min, unsigned long max, unsigned long *out);

/* Parses an optional attribute that is one of choices (NULL-terminated):
 * 1 with its index in *out, 0 when absent, or an error naming them all. */
int hilt_xml_choice(struct hilt_diags *d, const xmlNode *node, const char *name,
		    const char *const *choices, int *out);

/* Parses an optional boolean attribute ("true"/"false"). */
int hilt_xml_bool(struct hilt_diags *d, const xmlNode *node, const char *name,
		  bool *out);

bool hilt_xml_is(const xmlNode *node, const char *name);

#endif
