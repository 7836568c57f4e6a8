/* hilt bisect's model: an ordered list of candidates (builds or commits,
 * oldest first: the first is the good end, the last the bad end), the runs
 * each was given and what they made of it, the search that picks the next
 * candidate, and the state file that lets an interrupted bisect go on
 * without running a finished run again.  No processes here: the command
 * (runner/cli/cli_bisect.c) runs and judges; this keeps the books.
 *
 * A run is good, bad (what compare calls a regression against the good
 * end's runs; for the good end itself, a failed case), an error (the
 * infrastructure failed: tried again) or a skip (it cannot be tested: its
 * build failed, a path it needs is missing).  A candidate's verdict comes
 * from its runs: all good or all bad, that; some of each, flaky, decided
 * by the policy (majority by default: the larger side, a tie skips);
 * none good or bad, skip. */
#ifndef HILT_BISECT_H
#define HILT_BISECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum hilt_bisect_verdict {
	HILT_BISECT_UNTESTED,
	HILT_BISECT_GOOD,
	HILT_BISECT_BAD,
	HILT_BISECT_ERROR,	/* runs only: the infrastructure failed */
	HILT_BISECT_SKIP,
};

/* "untested", "good", "bad", "error", "skip". */
const char *hilt_bisect_verdict_name(enum hilt_bisect_verdict v);

/* How a step whose runs disagree is decided. */
enum hilt_bisect_flaky {
	HILT_BISECT_FLAKY_MAJORITY,	/* the larger side; a tie skips */
	HILT_BISECT_FLAKY_BAD,		/* one bad run makes it bad */
	HILT_BISECT_FLAKY_GOOD,		/* one good run makes it good */
	HILT_BISECT_FLAKY_SKIP,		/* cannot be told: skipped */
};

struct hilt_bisect;

struct hilt_bisect_run {
	enum hilt_bisect_verdict verdict;
	unsigned attempts;	/* 1, more when infrastructure errors were retried */
	char *why;		/* one line: what made it bad, an error or a skip */
	char *junit;		/* relative to --out; NULL when it made none */
};

/* What is known of one candidate. */
struct hilt_bisect_cand {
	char *name;		/* the build folder or the full commit hash */
	char *label;		/* what step folders and messages call it */
	unsigned step;		/* its step number (1...), 0 while untested */
	enum hilt_bisect_verdict verdict;	/* GOOD, BAD, SKIP or UNTESTED */
	bool flaky;		/* its runs disagreed */
	unsigned ngood, nbad;
	char *why;		/* why it was skipped before any run (its build) */
	bool build_skipped;	/* it was: decided SKIP without runs */
	struct hilt_bisect_run *runs;	/* repeat of them, UNTESTED until run */
};

/* A bisect of the n candidates named (copied), each given `repeat` runs,
 * deciding flaky ones by policy.  0 or -ENOMEM; freed with
 * hilt_bisect_free(). */
int hilt_bisect_new(const char *const *names, const char *const *labels, size_t n,
		    unsigned repeat, enum hilt_bisect_flaky policy, struct hilt_bisect **out);
void hilt_bisect_free(struct hilt_bisect *b);

size_t hilt_bisect_count(const struct hilt_bisect *b);
unsigned hilt_bisect_repeat(const struct hilt_bisect *b);
/* Candidate i (< count), owned by b. */
struct hilt_bisect_cand *hilt_bisect_cand(struct hilt_bisect *b, size_t i);

/* What to do next. */
enum hilt_bisect_next {
	HILT_BISECT_TEST,	/* test candidate *i */
	HILT_BISECT_FOUND,	/* first bad and last good are known */
	HILT_BISECT_AMBIGUOUS,	/* only skipped candidates lie between them */
	HILT_BISECT_GOOD_END_BAD,	/* the good end is bad */
	HILT_BISECT_BAD_END_GOOD,	/* the bad end is good */
	HILT_BISECT_END_UNTESTABLE,	/* an end cannot be tested (*i: which) */
};

/* The next step: the good end, the bad end, then the untested candidate
 * nearest the middle between the last good and the first bad.  *i: the
 * candidate to test (TEST) or the one the answer is about. */
enum hilt_bisect_next hilt_bisect_next(const struct hilt_bisect *b, size_t *i);

/* The last good and first bad candidates (FOUND or AMBIGUOUS). */
void hilt_bisect_answer(const struct hilt_bisect *b, size_t *last_good, size_t *first_bad);

/* Records the result of run k (0...) of candidate i, taking why (malloc'd,
 * may be NULL) and copying junit.  0 or -ENOMEM. */
int hilt_bisect_set_run(struct hilt_bisect *b, size_t i, unsigned k,
			enum hilt_bisect_verdict v, unsigned attempts, char *why,
			const char *junit);
/* Candidate i cannot be tested at all (its build): skipped when decided,
 * taking why. */
int hilt_bisect_set_skip(struct hilt_bisect *b, size_t i, char *why);
/* Candidate i's step number, given when its step begins. */
void hilt_bisect_set_step(struct hilt_bisect *b, size_t i, unsigned step);
/* Decides candidate i from its runs (once every run has a verdict), or
 * SKIP when its build was. */
void hilt_bisect_decide(struct hilt_bisect *b, size_t i);

/* Steps taken so far, and how sure the answer is: the product, over the
 * flaky steps that were decided good or bad, of the share of their runs
 * that agreed with the decision (1: every run of every step agreed). */
unsigned hilt_bisect_steps(const struct hilt_bisect *b);
double hilt_bisect_confidence(const struct hilt_bisect *b);

/* The state file: the candidates, the options that shape the search
 * (plan: one line, compared on resume) and every run recorded, rewritten
 * whole after each.  save: 0 or -errno with why in err.  load: 0 (the runs
 * of path recorded in b), -ENOENT when there is no state, -EINVAL with why
 * in err when it is another bisect's (other candidates or plan) or not a
 * state file. */
int hilt_bisect_save(const struct hilt_bisect *b, const char *path, const char *plan, char *err,
		     size_t errlen);
int hilt_bisect_load(struct hilt_bisect *b, const char *path, const char *plan, char *err,
		     size_t errlen);

/* The JSON of the bisect: {"first_bad", "last_good", "status", "steps":
 * [{"build" or "commit" (key), "verdict", "flaky", "runs": [...]}], ...}. */
void hilt_bisect_write_json(const struct hilt_bisect *b, const char *key, FILE *f);

#endif
