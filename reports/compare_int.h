/* What reports/compare*.c share, and no one else: a run as read from its
 * JUnit (compare_read.c), the findings of a comparison (compare.c) and
 * what the report is written from (compare_write.c). */
#ifndef HILT_COMPARE_INT_H
#define HILT_COMPARE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/compare.h"
#include "reports/jread.h"

struct kcase {
	char *classname, *name;
	enum hilt_jverdict verdict;
	unsigned flaky;		/* earlier attempts that failed, beside a pass */
	char *message;
};

struct kprop {
	char *name, *value;
};

/* A kernel finding of a session: its finding.N.* properties, or a
 * <failure type="finding"> case when the properties are missing. */
struct kmilestone {
	char *name;
	double t;
};

struct ksession {
	char *key;		/* its name, with "#N" for the N-th of that name */
	char *name;		/* as the file has it */
	char *target;		/* the target property, or NULL */
	struct kcase *cases;
	size_t ncases, capcases;
	struct kprop *props;
	size_t nprops;
	struct kmilestone *ms;
	size_t nms;
	struct hilt_jfound *finds;	/* in order of first appearance */
	size_t nfinds, capfinds;
	size_t match;		/* in the new run: its session of each base (SIZE_MAX: none) */
	bool matched;
};

/* A string-keyed index: open addressing, the table at most half full. */
struct index {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

struct run {
	char *path;
	struct ksession *s;
	size_t n, cap;
	struct index sessions;	/* key -> session */
	struct index cases;	/* "session\x1f" classname "\x1f" name -> case */
	struct index names;	/* testsuite name -> how many */
};

enum cat {
	CAT_REGRESSION,
	CAT_TIME,
	CAT_FINDING_NEW,	/* a title in no base run */
	CAT_FINDING_COUNT,	/* its count changed */
	CAT_FINDING_GONE,	/* in the latest base run, not now */
	CAT_FIX,
	CAT_STILL,
	CAT_UNTESTED,
	CAT_ERROR,
	CAT_FLAKY,
	CAT_NEW,
	CAT_REMOVED,
	CAT_FASTER,
	NCAT,
};

struct item {
	enum cat cat;
	char *session, *name;
	char *base, *now;	/* verdicts or times, as shown */
	char *detail;		/* a message or the rule that fired; may be NULL */
	/* Times (CAT_TIME, CAT_FASTER) */
	double base_s, new_s, limit_s;
	size_t nbase;
	/* Findings (CAT_FINDING_*): the kind ("kasan"), NULL when unknown,
	 * and the counts (0: none there) */
	char *kind;
	unsigned long base_n, new_n;
};

struct change {
	char *name, *from, *to;
	size_t sessions;
};

struct hilt_compare {
	struct hilt_compare_opts o;
	struct run *base;
	size_t nbase;
	struct run *newrun;
	struct item *items;
	size_t nitems, capitems;
	struct change *changes;
	size_t nchanges, capchanges;
	struct hilt_compare_counts counts;
	size_t only_new, only_base;	/* sessions not matched */
	char **notes;			/* what could not be compared */
	size_t nnotes, capnotes;
};

/* The value of key in ix, or NULL. */
size_t *hilt_compare_index_find(const struct index *ix, const char *key);
/* The key of a case in a run's case index (malloc'd, or NULL). */
char *hilt_compare_case_key(size_t session, const char *classname, const char *name);
/* Reads the JUnit at path into r.  0, or -errno / -EINVAL with why in err. */
int hilt_compare_run_load(struct run *r, const char *path, char *err, size_t errlen);
void hilt_compare_run_free(struct run *r);

#endif
