/* The scheduler: many sessions (suite x pool of targets) in one event loop.
 *
 * A plan is made first: each suite runs once on each pool that can take it
 * (targets with the same tags form a pool; a suite's <requires tags>, the
 * command line's --tags and --target narrow the choice).  Running it, a
 * queued session starts as soon as a target of its pool is free: emulator
 * sessions up to `jobs` at once, each exclusive target (a board) one
 * session at a time.  A session that ends in an infrastructure error is run
 * again, on another target of its pool when there is one; a target with
 * too many infrastructure errors in a row, or that fails its health check,
 * is taken out for the rest of the run.
 *
 * The scheduler owns the queue, the pools, the retries and the target
 * health; each session owns one run on one target; the reporters
 * (runner/engine/report.h) are told what happens. */
#ifndef HILT_SCHED_H
#define HILT_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/engine/farm.h"
#include "base/loop.h"
#include "reports/result.h"
#include "runner/engine/suite.h"

struct hilt_sched;
struct hilt_reporter;

/* One planned session: a suite and the targets that can take it. */
struct hilt_plan_entry {
	const struct hilt_suite *suite;
	const struct hilt_target_config **targets;	/* the pool, in farm order */
	size_t ntargets;
	char *pool;		/* the pool's tags ("arch=x86_64,kind=qemu") or target name */
	bool health_check;	/* a target's health check, not a suite asked for */
	unsigned shard_index;	/* 0-based position in the run's sharding order */
	/* Shared boots: the group of the entry (an index of plan->groups),
	 * or -1 for a suite that powers its target on and nothing runs on
	 * its boot. */
	long group;
	bool boot;		/* the group's boot suite */
	bool added;		/* ...added to the plan for it (not asked for) */
};

/* Suites with start="shell" or "fresh-shell" on one pool, and the boot
 * suite that brings its targets to their shell (the targets' <boot>):
 * the shell suites run one after the other on one boot, or a few. */
struct hilt_plan_group {
	const struct hilt_suite *boot;
	size_t boot_entry;	/* its entry: the planned suite, or one added */
	const char *pool;	/* the boot entry's */
	size_t nshell, nfresh;	/* its suites of each start */
};

struct hilt_plan {
	struct hilt_plan_entry *entries;
	size_t nentries;
	struct hilt_plan_group *groups;
	size_t ngroups;
	/* The boot suites loaded for the groups (those not asked for). */
	struct hilt_suite **boots;
	size_t nboots;
};

/* What narrows the plan. */
struct hilt_plan_filter {
	const char *const *target_names;	/* run on exactly these (each a pool of one) */
	size_t ntarget_names;
	const char *const *tags;		/* "k=v" every target must have */
	size_t ntags;
	/* Only these pools, by name as hilt list prints them ("arch=x86_64"
	 * or, for a target with no tags, its name): a host's share of a run
	 * split across hosts.  Exact, where --tags takes every superset. */
	const char *const *pools;
	size_t npools;
	unsigned shard_k, shard_n;		/* run shard k of n (1-based); n 0: all */
};

/* Makes the plan of suites over farm.  A suite no target can run is a
 * configuration error: -EINVAL with every such suite and the tags it
 * wanted in err, one a line.  So is a suite with start="shell" on a
 * target without a <boot>, or whose boot suite cannot be loaded.  The
 * boot suite of each group is the planned suite of the same file on the
 * same pool when there is one, else an entry added for it.  Freed with
 * hilt_plan_free(). */
int hilt_plan_make(const struct hilt_farm *farm, struct hilt_suite *const *suites,
		   size_t nsuites, const struct hilt_plan_filter *filter,
		   struct hilt_plan *out, char *err, size_t errlen);
void hilt_plan_free(struct hilt_plan *plan);

/* Whether the entry's pool holds an exclusive target (a board, one
 * session at a time): such a pool needs the host its devices are on, where
 * an emulator pool runs on any host with the emulator. */
bool hilt_plan_entry_exclusive(const struct hilt_plan_entry *e);

/* Whether cfg has every "k=v" of tags. */
bool hilt_target_has_tags(const struct hilt_target_config *cfg, const char *const *tags,
			  size_t ntags);

struct hilt_sched_opts {
	const char *out_dir;
	bool pcap;
	unsigned jobs;			/* emulator sessions at once (>= 1) */
	unsigned retries;		/* runs again after an infrastructure error */
	unsigned rerun_failures;	/* runs again after a test failure */
	unsigned max_target_errors;	/* in a row, then the target is out (0: never) */
	double timeout_multiplier;	/* of the command line, times the target's */
	/* Earlier durations by "SUITE@TARGET" or "SUITE" (seconds): the
	 * longest sessions start first.  NULL: plan order. */
	double (*duration_of)(const char *suite, const char *target, void *arg);
	void *duration_arg;
	/* Told of every session and case (may be NULL). */
	struct hilt_reporter *reporter;
	/* Called once when every session has ended and every target is off. */
	void (*on_all_done)(void *arg);
	void *arg;
};

/* Prepares a run of plan (which, with the farm and the suites, must
 * outlive the scheduler).  0 or -errno with the reason in err. */
int hilt_sched_new(struct hilt_loop *loop, const struct hilt_plan *plan,
		   const struct hilt_sched_opts *opts, struct hilt_sched **out,
		   char *err, size_t errlen);

/* Replaces the reporters told (before hilt_sched_start). */
void hilt_sched_set_reporter(struct hilt_sched *sched, struct hilt_reporter *rep);

/* Starts dispatching (from the loop). */
void hilt_sched_start(struct hilt_sched *sched);

/* Ends the run early: running sessions are aborted with why (their case
 * under way an error, the rest skipped), queued ones are reported as not
 * run.  Targets are still powered off and released before on_all_done. */
void hilt_sched_interrupt(struct hilt_sched *sched, const char *why);

/* Counts over the final results so far. */
struct hilt_sched_counts {
	unsigned queued, running, sessions_done;
	unsigned passed, failed, errors, skipped;	/* test cases */
	unsigned retried;				/* sessions run again */
	unsigned boots, reboots;	/* shared boots made; of them, after a suite did not keep one */
	unsigned targets_out;				/* taken out */
};
void hilt_sched_counts(const struct hilt_sched *sched, struct hilt_sched_counts *c);

/* A running session, for live displays: index < counts.running. */
struct hilt_sched_running {
	const char *suite, *target;
	const char *current_case;	/* NULL before the first case */
	int64_t started_ns;
	unsigned attempt;
};
bool hilt_sched_running_at(const struct hilt_sched *sched, size_t index,
			   struct hilt_sched_running *out);

/* The final results (one per planned session that has ended, health checks
 * included), in the order they ended; owned by the scheduler. */
size_t hilt_sched_results(const struct hilt_sched *sched,
			  const struct hilt_session_result *const **out);

/* Whether infrastructure trouble happened (an error verdict, a target
 * taken out, a file not written, an interrupt). */
bool hilt_sched_infra_trouble(const struct hilt_sched *sched);

void hilt_sched_free(struct hilt_sched *sched);

#endif
