/* Strict reading of hilt's configuration XML (suites, farms): no network,
 * no DTD, no external entities; every problem is reported as
 * "file:line: what is wrong" in a caller-provided buffer. */
#ifndef HILT_XMLFILE_H
#define HILT_XMLFILE_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses path into *doc (freed with xmlFreeDoc).  0 or -EINVAL/-errno. */
int hilt_xml_load(const char *path, xmlDoc **doc, char *err, size_t errlen);

/* Formats "path:line: " + fmt into err; returns -EINVAL. */
int hilt_xml_error(char *err, size_t errlen, const char *path,
		   const xmlNode *node, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Fails on an attribute of node not in allowed (NULL-terminated). */
int hilt_xml_check_attrs(const char *path, const xmlNode *node,
			 const char *const allowed[], char *err, size_t errlen);

/* Fails when node holds anything but child elements, comments and white
 * space. */
int hilt_xml_check_element_only(const char *path, const xmlNode *node,
				char *err, size_t errlen);

/* Attribute value as a malloc'd string (caller frees), or NULL if absent. */
char *hilt_xml_attr(const xmlNode *node, const char *name);

/* Required attribute: NULL after writing the error when absent or empty. */
char *hilt_xml_attr_required(const char *path, const xmlNode *node,
			     const char *name, char *err, size_t errlen);

/* Text content as a malloc'd string (caller frees); fails on child
 * elements.  Leading and trailing white space is kept unless trim. */
int hilt_xml_text(const char *path, const xmlNode *node, bool trim,
		  char **out, char *err, size_t errlen);

/* Parses an optional attribute holding seconds (> 0); *out keeps its
 * value when the attribute is absent. */
int hilt_xml_seconds(const char *path, const xmlNode *node, const char *name,
		     double *out, char *err, size_t errlen);

/* Parses an optional attribute that is one of choices (NULL-terminated):
 * 1 with its index in *out, 0 when absent, or an error naming them all. */
int hilt_xml_choice(const char *path, const xmlNode *node, const char *name,
		    const char *const *choices, int *out, char *err, size_t errlen);

/* Parses an optional boolean attribute ("true"/"false"). */
int hilt_xml_bool(const char *path, const xmlNode *node, const char *name,
		  bool *out, char *err, size_t errlen);

bool hilt_xml_is(const xmlNode *node, const char *name);

#endif
