/* Shared boots in the scheduler (sched_int.h): a group's lanes, each one
 * boot of a target kept up for the group's shell suites, the boot jobs
 * that make them, a board held between a group's boots. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/engine/sched_int.h"
#include "runner/engine/session.h"

/* The target a lane held is free again. */
void sched_lane_release(struct hilt_sched *s, struct lane *l)
{
	l->state = LANE_OFF;
	l->t->running--;
	if (!l->t->exclusive)
		s->running_emulators--;
}

static void lane_stopped(void *arg)
{
	struct lane *l = arg;
	struct hilt_sched *s = l->s;

	sched_lane_release(s, l);
	sched_kick(s);
}

/* A session on the lane (its boot's or a shell suite's) ended: the lane
 * is up for the next, or its target is off and the group's next boot
 * will say why. */
void sched_lane_ended(struct hilt_sched *s, struct lane *l)
{
	struct group *g = l->g;
	const char *why;

	if (hilt_boot_up(l->boot)) {
		l->state = LANE_UP;
		return;
	}
	int fd = hilt_boot_take_hold(l->boot);

	if (fd >= 0 && !g->hold_t && !s->interrupted) {
		/* Still the group's, for its next boot. */
		g->hold_fd = fd;
		g->hold_t = l->t;
		l->state = LANE_OFF;
	} else {
		if (fd >= 0)
			close(fd);
		sched_lane_release(s, l);
	}
	why = hilt_boot_down_why(l->boot);
	free(g->next_reason);
	g->next_reason = why ? strdup(why) : NULL;
}

/* A boot that went down at its own session's end, for good: the group's
 * suites that wait have no boot to run on (unless another lane is up). */
void sched_boot_failed(struct job *j, const struct hilt_session_result *r)
{
	struct group *g = j->group;

	if (g->dead_why)
		return;
	if (asprintf(&g->dead_why, "not run: its boot '%s' on '%s' failed", r->suite, r->target) < 0)
		g->dead_why = NULL;
	sched_notice(j->sched, "the suites that start at the shell of '%s' on pool %s are not run: the boot failed",
	       r->suite, g->pg->pool);
}

/* A new lane of j's group for j, a boot job, on t. */
struct lane *sched_new_lane(struct hilt_sched *s, struct job *j, struct target_state *t)
{
	struct group *g = j->group;
	struct lane **v = realloc(g->lanes, (g->nlanes + 1) * sizeof(*v));
	struct lane *l = calloc(1, sizeof(*l));

	if (v)
		g->lanes = v;
	if (!v || !l || hilt_boot_new(s->loop, &l->boot) < 0) {
		free(l);
		return NULL;
	}
	l->s = s;
	l->g = g;
	l->t = t;
	l->state = LANE_BOOTING;
	l->fresh_for = j->boot_for;
	v[g->nlanes++] = l;
	return l;
}

/* Makes a boot job of j's group, for j alone (a fresh shell) or for the
 * group's next suites; false when out of memory. */
static bool add_boot_job(struct hilt_sched *s, struct job *j, bool fresh)
{
	struct group *g = j->group;
	struct job *b = sched_new_job(s, g->boot_entry->suite, g->boot_entry);
	int rc;

	if (!b)
		return false;
	b->group = g;
	b->boot = b->added = true;
	b->boot_for = fresh ? j : NULL;
	b->reruns_left = 0;
	if (fresh) {
		rc = asprintf(&b->boot_reason, "suite '%s' starts at a shell of its own (start=\"fresh-shell\")",
			      j->suite->name);
	} else if (g->next_reason) {
		rc = asprintf(&b->boot_reason, "reboot: %s", g->next_reason);
		b->reboot = true;
		sched_notice(s, "pool %s boots '%s' again: %s", g->pg->pool, g->pg->boot->name,
		       g->next_reason);
		free(g->next_reason);
		g->next_reason = NULL;
	} else {
		rc = asprintf(&b->boot_reason, "one more boot for the group's suites (%u at once)",
			      g->want);
	}
	if (rc < 0)
		b->boot_reason = NULL;
	return true;
}

/* A suite that starts at a shell: on a lane of its group that is up, or
 * it waits for one, asking for a boot when the group has fewer than it
 * wants. */
void sched_dispatch_shell(struct hilt_sched *s, struct job *j)
{
	struct group *g = j->group;
	bool fresh = j->suite->start == HILT_START_FRESH_SHELL, mine = false;
	struct lane *up = NULL;
	unsigned active = 0;

	for (size_t k = 0; k < g->nlanes; k++) {
		struct lane *l = g->lanes[k];

		if (l->state == LANE_OFF || l->state == LANE_STOPPING)
			continue;
		if (l->fresh_for) {
			if (l->fresh_for == j) {
				mine = true;
				if (l->state == LANE_UP)
					up = l;
			}
			continue;
		}
		active++;
		if (!fresh && !up && l->state == LANE_UP)
			up = l;
	}
	if (up) {
		if (sched_start_job(s, j, up->t, up) < 0)
			sched_end_job(s, j, sched_unrun_result(j, true, "runner", "the session could not be set up"));
		return;
	}
	for (size_t k = 0; k < s->njobs; k++) {
		const struct job *b = s->jobs[k];

		if (b->group != g || !b->boot || b->state != JOB_QUEUED)
			continue;
		if (b->boot_for == j)
			mine = true;
		else if (!b->boot_for)
			active++;
	}
	if (fresh ? mine : active >= g->want)
		return;		/* a boot is coming */
	if (g->dead_why && (fresh || !active)) {
		sched_end_job(s, j, sched_unrun_result(j, false, "not-run", g->dead_why));
		return;
	}
	if (!add_boot_job(s, j, fresh))
		sched_end_job(s, j, sched_unrun_result(j, true, "runner", "out of memory"));
}

/* A lane that is up and that no queued suite wants is powered off. */
void sched_stop_idle_lanes(struct hilt_sched *s)
{
	for (size_t g = 0; g < s->ngroups; g++) {
		struct group *grp = &s->groups[g];

		for (size_t k = 0; k < grp->nlanes; k++) {
			struct lane *l = grp->lanes[k];
			bool wanted = false;

			if (l->state != LANE_UP)
				continue;
			for (size_t i = 0; i < s->njobs && !wanted && !s->interrupted; i++) {
				const struct job *j = s->jobs[i];

				wanted = j->state == JOB_QUEUED && j->group == grp && !j->boot &&
					 (l->fresh_for ? l->fresh_for == j
						       : j->suite->start == HILT_START_SHELL);
			}
			if (wanted)
				continue;
			l->state = LANE_STOPPING;
			hilt_boot_stop(l->boot, s->interrupted, lane_stopped, l);
		}
	}
}

/* A board held between boots that no queued suite or boot of its group
 * wants any more is let go. */
void sched_release_holds(struct hilt_sched *s)
{
	for (size_t g = 0; g < s->ngroups; g++) {
		struct group *grp = &s->groups[g];
		bool wanted = false;

		if (!grp->hold_t)
			continue;
		for (size_t i = 0; i < s->njobs && !wanted && !s->interrupted; i++)
			wanted = s->jobs[i]->group == grp && s->jobs[i]->state == JOB_QUEUED;
		if (wanted && !grp->hold_t->out_why)
			continue;
		close(grp->hold_fd);
		grp->hold_fd = -1;
		grp->hold_t->running--;
		if (!grp->hold_t->exclusive)
			s->running_emulators--;
		grp->hold_t = NULL;
	}
}

/* How many boots at once a group's shell suites get: another boot pays
 * only when the suites it takes over run at least as long as a boot
 * takes, so with earlier durations (S of the suites, B of the boot) it is
 * the whole number of boots that S holds, at most --jobs (emulators) or
 * the pool's targets (boards) and the suites; without them, one. */
unsigned sched_group_lanes(const struct hilt_sched *s, const struct group *g)
{
	const struct hilt_plan_entry *be = g->boot_entry;
	double shell_s = 0, boot_s = 0;
	unsigned n = 0, cap;

	if (!s->opts.duration_of)
		return 1;
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = s->jobs[i];

		if (j->group == g && j->boot)
			boot_s = j->estimate_s;
		else if (j->group == g && j->suite->start == HILT_START_SHELL) {
			shell_s += j->estimate_s;
			n++;
		}
	}
	cap = hilt_plan_entry_exclusive(be) ? (unsigned)be->ntargets : s->opts.jobs;
	if (n < cap)
		cap = n;
	if (boot_s <= 0 || shell_s / boot_s < 2)
		return 1;
	return shell_s / boot_s >= cap ? cap : (unsigned)(shell_s / boot_s);
}
