/* hilt report html's private parts: the run read from a JUnit file
 * (html_read.c), the groups of its path-named cases (html_tree.c), both
 * written as one page by html.c. */
#ifndef HILT_HTML_INT_H
#define HILT_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/jread.h"

#define MESSAGE_MAX 512

struct hms {
	char *name;
	double t;
};

struct hcase {
	char *name;
	enum hilt_jverdict v;
	double time_s;
	char *message;
	char *excerpt;		/* console excerpt or trace, bounded; may be NULL */
	/* The verdict's own text when the excerpt is the console's and the
	 * message does not hold it (a test's diagnostic lines, the kernel
	 * report that cut a test off), bounded; may be NULL. */
	char *detail;
	char **attach;		/* [[ATTACHMENT|...]] paths of its system-out */
	size_t nattach;
	unsigned flaky;
	enum { K_TEST, K_CRASHED, K_MISSING } kind;	/* of a result stream's test */
};

/* A result stream's counts, from its results.NAME.* properties. */
enum { R_PASSED, R_FAILED, R_SKIPPED, R_ERRORS, R_CRASHED, R_TOTAL, R_N };
struct hstream {
	char *name, *status, *problem;
	unsigned long n[R_N];
	bool have[R_N];
};

/* The groups of a session's cases whose names are paths
 * (kunit/list-kernel-test/list_test_list_init), built when the page is
 * written: a tree of path prefixes, each with its cases and the counts of
 * everything under it. */
#define NONE SIZE_MAX
struct hgroup {
	const char *key;	/* a case's name: the prefix is key[0..len) */
	size_t len, seg;	/* seg: where its own part of the path begins */
	size_t parent, first_child, last_child, next;
	size_t n[HILT_JSKIP + 1], crashed, missing;	/* under it, all levels */
	size_t first, ncases;	/* its own cases: order[first..first+ncases) */
};

struct htree {
	struct hgroup *g;
	size_t ng, capg;
	size_t *slot;		/* hash of prefixes: group index + 1, 0 empty */
	size_t nslot;
	size_t *of;		/* per case: its group, or NONE */
	size_t *order;		/* the grouped cases, by group, in their order */
	size_t first_root, last_root;
};

/* A kernel finding: a distinct title of the session's console. */
struct hsession {
	char *name, *target, *log, *pcap, *attach_root;
	struct hilt_jfound *finds;
	size_t nfinds, capfinds;
	unsigned long finds_dropped;	/* reports beyond the titles kept */
	double time_s;
	struct hms *ms;
	size_t nms;
	struct hcase *cases;
	size_t ncases, capcases;
	size_t n[HILT_JSKIP + 1];
	struct hstream *streams;
	size_t nstreams;
	const struct hsession *base;	/* the baseline's, when matched */
	struct htree tree;	/* while writing */
};

struct hrun {
	const char *path;
	struct hsession *s;
	size_t n, cap;
	size_t excerpts;	/* kept so far */
	/* while reading */
	bool open;
	const struct hilt_jsuite *of;
};

/* Reads the JUnit at path into r: 0, or an error told in err. */
int html_run_load(struct hrun *r, const char *path, char *err, size_t errlen);
void html_run_free(struct hrun *r);
/* Gives each session of r its baseline's session in b, where there is one. */
void html_match_baseline(struct hrun *r, const struct hrun *b);

/* Groups a session's path-named cases (s->tree); ungrouped when memory
 * runs out. */
void html_tree_build(struct hsession *s);
void html_tree_free(struct htree *t);

#endif
