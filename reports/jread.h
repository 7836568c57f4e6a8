/* Streaming reader of JUnit XML: hilt's and other tools' (twister,
 * pytest, Surefire, ctest, go-junit-report), with a <testsuites> root or
 * a bare <testsuite>, with or without totals and times.
 *
 * The file is read in chunks through libxml2's SAX2 interface and each
 * test case is handed to the caller when its element ends, then
 * forgotten: memory is bounded by the caps below, not by the file (a
 * 100 MB file, or one text node of 100 MB, costs the same).  No network,
 * no DTD, no entities. */
#ifndef HILT_JREAD_H
#define HILT_JREAD_H

#include <stdbool.h>
#include <stddef.h>

/* What of a text is kept: a message or attribute, a verdict's text (a
 * trace) and a system-out; longer ones are cut, and say so. */
#define HILT_JREAD_ATTR_MAX 1024
#define HILT_JREAD_TEXT_MAX (16 * 1024)
/* Properties kept of one testsuite; more are counted, not kept.  hilt
 * writes four for each kernel finding (finding.N.*), up to 256 of them,
 * beside its own. */
#define HILT_JREAD_PROPS_MAX 2048

enum hilt_jverdict {
	HILT_JPASS,
	HILT_JFAIL,		/* <failure>: the thing under test misbehaved */
	HILT_JERROR,		/* <error>: it could not be tested */
	HILT_JSKIP,
};

/* A text as kept: at most its cap, cut at a UTF-8 character boundary. */
struct hilt_jtext {
	char *s;		/* NUL-terminated; NULL when absent */
	size_t len;		/* of s */
	size_t total;		/* bytes in the file */
};

struct hilt_jprop {
	char *name, *value;
};

struct hilt_jcase {
	char *name;		/* never NULL */
	char *classname;	/* NULL when absent */
	double time_s;		/* -1 when absent or not a number */
	long line;		/* of <testcase> */
	enum hilt_jverdict verdict;
	/* Of the verdict element; with both a failure and an error (pytest's
	 * failure, then an error in teardown) the failure. */
	char *message, *type;
	struct hilt_jtext detail;	/* the verdict element's text */
	struct hilt_jtext out;		/* <system-out> */
	/* Earlier attempts: flakyFailure/flakyError beside a pass,
	 * rerunFailure/rerunError beside anything else. */
	unsigned flaky, reruns;
};

struct hilt_jsuite {
	char *name;		/* "" when absent */
	char *timestamp, *hostname;	/* NULL when absent */
	double time_s;		/* -1 when absent */
	long line;
	unsigned depth;		/* 0 for a top-level testsuite */
	struct hilt_jprop *props;
	size_t nprops, props_dropped;
	size_t props_cap;	/* allocated, as they come */
	/* Its own <system-out>, the end of it kept (a console's last words
	 * matter most). */
	struct hilt_jtext out;
	size_t ncases;		/* delivered so far */
};

/* The property's value, or NULL. */
const char *hilt_jsuite_prop(const struct hilt_jsuite *s, const char *name);

/* A kernel finding as hilt's finding.N.* properties of a session tell it;
 * the strings are the suite's (borrowed).  count is 0 when the property
 * is absent or not a whole number above 0. */
struct hilt_jfinding {
	const char *title, *kind, *line;
	unsigned long count;
};

/* A session's kernel finding as a report keeps it once read back: all
 * its strings its own (block NULL where the report keeps none). */
struct hilt_jfound {
	char *title;
	char *kind;		/* NULL when unknown */
	char *line;		/* its first line, or NULL */
	char *block;		/* its first report, or NULL */
	unsigned long count;
};

/* The finding of that title among the n of v, or NULL. */
struct hilt_jfound *hilt_jfound_find(const struct hilt_jfound *v, size_t n, const char *title);
/* The finding of that title in the growing array *v (*n of them, room
 * for *cap), added with count 1 and a copy of title when it is not there
 * yet; NULL, with nothing added, when memory runs out. */
struct hilt_jfound *hilt_jfound_add(struct hilt_jfound **v, size_t *n, size_t *cap,
				    const char *title);
/* Frees what f holds (not f). */
void hilt_jfound_clear(struct hilt_jfound *f);

/* The findings of s in the order of their N, those without a title left
 * out: a malloc'd array in *out that the caller frees (NULL when none),
 * how many in *n.  An N beyond the suite's number of properties is not
 * hilt's and is passed over.  0 or -ENOMEM. */
int hilt_jsuite_findings(const struct hilt_jsuite *s, struct hilt_jfinding **out, size_t *n);

struct hilt_jread_ops {
	/* A test case, complete; s has the properties seen so far (every
	 * writer we know puts them first).  Nothing is kept after the call:
	 * copy what is needed.  Non-zero stops the reading and is returned. */
	int (*testcase)(void *arg, const struct hilt_jsuite *s, const struct hilt_jcase *c);
	/* A testsuite at its end, with its properties and system-out. */
	int (*suite_end)(void *arg, const struct hilt_jsuite *s);
};

/* Reads the JUnit file at path.  0; -errno (the file cannot be read),
 * -EINVAL (not well-formed XML, or not JUnit) with "path:line: why" in
 * err, one line; or what a callback returned. */
int hilt_jread_file(const char *path, const struct hilt_jread_ops *ops, void *arg,
		    char *err, size_t errlen);

const char *hilt_jverdict_name(enum hilt_jverdict v);

/* Seconds as JUnit writers put them: plain decimal, or Surefire's with
 * thousands separators ("1,234.5").  -1 when v is NULL or not a
 * non-negative finite number. */
double hilt_jread_seconds(const char *v);

#endif
