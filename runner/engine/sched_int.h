/* The scheduler's own parts, shared by its files (nothing outside
 * runner/engine/sched*.c includes this):
 *
 *   plan.c         the plan: suites over pools, shards, the groups of
 *                  shared boots and their boot entries (sched.h)
 *   sched.c        running it: the queue, targets and their health,
 *                  sessions started and ended, retries, interrupts
 *   sched_boot.c   shared boots: a group's lanes (boots kept up for its
 *                  shell suites), their boot jobs, a board held between
 *                  boots, how many boots at once */
#ifndef HILT_SCHED_INT_H
#define HILT_SCHED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/engine/sched.h"

struct hilt_session;
struct hilt_session_result;

struct target_state {
	const struct hilt_target_config *cfg;
	bool exclusive;		/* one session at a time (a board) */
	unsigned running;
	unsigned errors_in_row;
	char *out_why;		/* taken out: why; NULL while in use */
	enum { HEALTH_NONE, HEALTH_DUE, HEALTH_RUNNING, HEALTH_OK } health;
	struct hilt_suite *health_suite;
};

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct group;

/* One boot of a group's target: its boot suite's session, then the
 * group's shell suites one after the other while it stays up.  It holds
 * its target (a board's lock, an emulator slot) from its boot's start
 * until it is off. */
struct lane {
	struct hilt_sched *s;
	struct group *g;
	struct hilt_boot *boot;
	struct target_state *t;
	enum { LANE_BOOTING, LANE_UP, LANE_BUSY, LANE_STOPPING, LANE_OFF } state;
	struct job *fresh_for;	/* a fresh-shell suite's own boot, or NULL */
};

struct group {
	const struct hilt_plan_group *pg;
	const struct hilt_plan_entry *boot_entry;
	struct lane **lanes;
	size_t nlanes;
	unsigned want;		/* boots at once for its shell suites */
	char *next_reason;	/* why its next boot happens, once one went down */
	char *dead_why;		/* its boot failed for good: the rest are not run */
	/* A board it rebooted is held between its boots (its lock, from the
	 * session that powered it off to the next boot's start): hold_t's
	 * running counts it meanwhile. */
	int hold_fd;
	struct target_state *hold_t;
};

struct job {
	struct hilt_sched *sched;
	const struct hilt_suite *suite;
	const struct hilt_plan_entry *entry;	/* NULL for a health check */
	struct target_state *health_of;		/* the target a health check is of */
	enum job_state state;
	unsigned attempt;
	unsigned retries_left, reruns_left;
	struct hilt_session *session;
	struct target_state *target;		/* running on */
	struct target_state *failed_on;		/* the last attempt's target */
	struct hilt_session_result **earlier;	/* earlier attempts, oldest first */
	size_t nearlier;
	int64_t started_ns;
	double estimate_s;
	struct group *group;	/* a suite of a shared boot, or its boot */
	bool boot;		/* the group's boot suite */
	struct job *boot_for;	/* a boot made for this fresh-shell suite */
	char *boot_reason;	/* why this boot happens */
	bool reboot;		/* ...after a suite left the last one unfit */
	bool added;		/* a boot the scheduler made, not a planned job */
	struct lane *lane;	/* running on, or booting */
};

struct hilt_sched {
	struct hilt_loop *loop;
	const struct hilt_plan *plan;
	struct hilt_sched_opts opts;
	struct target_state *targets;
	size_t ntargets;
	struct job **jobs;	/* in dispatch order; health checks appended */
	size_t njobs;
	struct hilt_session_result **results;	/* final, in the order they ended */
	size_t nresults;
	char **stems;		/* every file stem used in the run */
	size_t nstems;
	unsigned running_emulators;
	struct group *groups;
	size_t ngroups;
	unsigned boots, reboots;
	int64_t kick_timer;
	bool interrupted, all_done_told, infra;
	char *interrupt_why;
};

/* sched.c */
void sched_notice(struct hilt_sched *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Dispatching happens from the loop (a timer at once): nothing recurses. */
void sched_kick(struct hilt_sched *s);
/* A new queued job of suite (entry NULL: a health check). */
struct job *sched_new_job(struct hilt_sched *s, const struct hilt_suite *suite,
			  const struct hilt_plan_entry *entry);
/* Starts j on t: a session of its own, the boot of a new lane (a boot
 * job), or a shell suite on lane.  0 or -errno. */
int sched_start_job(struct hilt_sched *s, struct job *j, struct target_state *t,
		    struct lane *lane);
/* j is over with result r (NULL: none could be made). */
void sched_end_job(struct hilt_sched *s, struct job *j, struct hilt_session_result *r);
/* A result of no run: every case skipped (or the first an error of type,
 * when error) with why. */
struct hilt_session_result *sched_unrun_result(const struct job *j, bool error,
					       const char *type, const char *why);

/* sched_boot.c */
/* A new lane of j's group (j a boot job) on t, or NULL. */
struct lane *sched_new_lane(struct hilt_sched *s, struct job *j, struct target_state *t);
/* The target a lane held is free again. */
void sched_lane_release(struct hilt_sched *s, struct lane *l);
/* A session on the lane ended: up for the next, or off (held for the
 * group's next boot when it is a board). */
void sched_lane_ended(struct hilt_sched *s, struct lane *l);
/* j's boot went down at its own session's end, for good. */
void sched_boot_failed(struct job *j, const struct hilt_session_result *r);
/* A queued suite that starts at a shell: started on a lane that is up,
 * or a boot asked for. */
void sched_dispatch_shell(struct hilt_sched *s, struct job *j);
/* Lanes up that no queued suite wants are powered off; boards held that
 * nothing waits for are let go. */
void sched_stop_idle_lanes(struct hilt_sched *s);
void sched_release_holds(struct hilt_sched *s);
/* How many boots at once a group's shell suites get. */
unsigned sched_group_lanes(const struct hilt_sched *s, const struct group *g);

#endif
