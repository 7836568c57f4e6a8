/* The scheduler (runner/engine/sched.h): a queue of planned sessions dispatched
 * over pools of targets from the event loop.  Its files (sched_int.h maps
 * them): the plan is made in plan.c, shared boots' lanes are in
 * sched_boot.c. */
#define _GNU_SOURCE
#include "runner/engine/sched.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets/target.h"
#include "runner/engine/report.h"
#include "runner/engine/sched_int.h"
#include "runner/engine/session.h"

static struct target_state *target_state_of(struct hilt_sched *s,
					    const struct hilt_target_config *cfg)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].cfg == cfg)
			return &s->targets[i];
	return NULL;
}

void sched_notice(struct hilt_sched *s, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	HILT_REPORT(s->opts.reporter, notice, text);
}

static int push_result(struct hilt_sched *s, struct hilt_session_result *r)
{
	struct hilt_session_result **v = realloc(s->results, (s->nresults + 1) * sizeof(*v));

	if (!v) {
		hilt_session_result_free(r);
		return -ENOMEM;
	}
	s->results = v;
	v[s->nresults++] = r;
	return 0;
}

/* Whether the result holds an infrastructure error (interrupts aside),
 * a test failure, or an interrupt. */
static bool has_verdict(const struct hilt_session_result *r, enum hilt_verdict v,
			const char *type, bool want_type)
{
	for (size_t i = 0; i < r->ncases; i++) {
		const struct hilt_case_result *c = &r->cases[i];
		bool is_type = c->type && type && strcmp(c->type, type) == 0;

		if (c->verdict == v && is_type == want_type)
			return true;
	}
	return false;
}

/* An error verdict of the device's infrastructure: worth another target.
 * (A file hilt could not write is trouble of this host, not of the
 * target: it is reported, and not run again.) */
static bool infra_error(const struct hilt_session_result *r)
{
	return has_verdict(r, HILT_ERROR, "interrupted", false);
}

static bool test_failed(const struct hilt_session_result *r)
{
	return has_verdict(r, HILT_FAIL, NULL, false);
}

/* A result of no run: every case skipped (or an error, when error) with
 * why; the target is the pool's name. */
struct hilt_session_result *sched_unrun_result(const struct job *j, bool error,
						const char *type, const char *why)
{
	struct hilt_session_result *r = calloc(1, sizeof(*r));
	bool oom = !r;

	if (r) {
		r->suite = strdup(j->suite->name);
		r->target = strdup(j->entry ? j->entry->pool : j->health_of->cfg->name);
		r->attempt = j->attempt ? j->attempt : 1;
		r->cases = calloc(j->suite->ncases, sizeof(*r->cases));
		oom = !r->suite || !r->target || !r->cases;
	}
	for (size_t i = 0; !oom && i < j->suite->ncases; i++) {
		struct hilt_case_result *c = &r->cases[i];

		r->ncases++;
		c->name = strdup(j->suite->cases[i].name);
		c->verdict = error && i == 0 ? HILT_ERROR : HILT_SKIP;
		c->type = strdup(error && i == 0 ? type : "not-run");
		c->message = strdup(why);
		c->at_s = -1;
		oom = !c->name || !c->type || !c->message;
	}
	if (!oom)
		oom = hilt_result_add_property(r, "suite.file", j->suite->path) < 0;
	if (oom) {
		hilt_session_result_free(r);
		return NULL;
	}
	return r;
}

/* The final result: the last attempt's, with what every earlier attempt
 * found wrong beside each case. */
static void attach_earlier(struct job *j, struct hilt_session_result *r)
{
	char n[16];

	for (size_t k = 0; k < j->nearlier; k++) {
		const struct hilt_session_result *e = j->earlier[k];

		for (size_t i = 0; i < r->ncases && i < e->ncases; i++) {
			const struct hilt_case_result *c = &e->cases[i];
			struct hilt_case_attempt a = {
				.verdict = c->verdict, .type = c->type, .message = c->message,
				.detail = c->detail, .time_s = c->time_s, .attempt = e->attempt,
				.target = e->target, .console_log = e->console_log,
			};

			if (c->verdict == HILT_FAIL || c->verdict == HILT_ERROR)
				hilt_case_add_earlier(&r->cases[i], &a);
		}
	}
	if (j->nearlier) {
		snprintf(n, sizeof(n), "%zu", j->nearlier + 1);
		hilt_result_add_property(r, "attempts", n);
	}
}

void sched_end_job(struct hilt_sched *s, struct job *j, struct hilt_session_result *r)
{
	j->state = JOB_DONE;
	if (!r) {
		s->infra = true;
		return;
	}
	attach_earlier(j, r);
	if (infra_error(r) || r->output_error)
		s->infra = true;
	if (push_result(s, r) == 0)
		HILT_REPORT(s->opts.reporter, session_ended, r, true);
	else
		s->infra = true;
}

static void take_out(struct hilt_sched *s, struct target_state *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void take_out(struct hilt_sched *s, struct target_state *t, const char *fmt, ...)
{
	va_list ap;

	if (t->out_why)
		return;
	va_start(ap, fmt);
	if (vasprintf(&t->out_why, fmt, ap) < 0)
		t->out_why = strdup("taken out");
	va_end(ap);
	s->infra = true;
	sched_notice(s, "target '%s' taken out for the rest of the run: %s", t->cfg->name,
	       t->out_why ? t->out_why : "");
}

static void session_case(const struct hilt_session_result *r,
			 const struct hilt_case_result *c, void *arg)
{
	struct job *j = arg;

	HILT_REPORT(j->sched->opts.reporter, case_ended, r, c);
}

static void session_done(struct hilt_session *session, void *arg)
{
	struct job *j = arg;
	struct hilt_sched *s = j->sched;
	struct target_state *t = j->target;
	struct lane *lane = j->lane;
	/* A shell check that failed after other suites ran on the boot is
	 * the boot's trouble: the suite runs again on a fresh one. */
	bool boot_lost = lane && !j->boot && hilt_session_unready(session) &&
			 hilt_boot_sessions(lane->boot) > 2;
	struct hilt_session_result *r = hilt_session_take_result(session);

	hilt_session_free(session);
	j->session = NULL;
	j->target = NULL;
	j->lane = NULL;
	if (lane) {
		sched_lane_ended(s, lane);
	} else {
		t->running--;
		if (!t->exclusive)
			s->running_emulators--;
	}

	if (!r) {
		sched_end_job(s, j, NULL);
		sched_kick(s);
		return;
	}
	bool infra = infra_error(r), failed = test_failed(r);
	bool interrupted = has_verdict(r, HILT_ERROR, "interrupted", true);

	if (j->health_of) {
		/* An interrupted check says nothing of the target. */
		if (interrupted)
			t->health = HEALTH_DUE;
		else if (infra || failed)
			take_out(s, t, "it failed its health check '%s'", j->suite->name);
		else
			t->health = HEALTH_OK;
		sched_end_job(s, j, r);
		sched_kick(s);
		return;
	}
	if (infra && !interrupted) {
		t->errors_in_row++;
		if (s->opts.max_target_errors && t->errors_in_row >= s->opts.max_target_errors)
			take_out(s, t, "%u infrastructure error%s in a row", t->errors_in_row,
				 t->errors_in_row == 1 ? "" : "s");
	} else if (!interrupted) {
		t->errors_in_row = 0;
	}
	bool again = false;

	if (!s->interrupted && !interrupted) {
		/* Not counted against --retries: the suite never ran. */
		if (boot_lost) {
			again = true;
		} else if (infra && j->retries_left) {
			j->retries_left--;
			again = true;
		} else if (!infra && failed && j->reruns_left) {
			j->reruns_left--;
			again = true;
		}
	}
	if (again) {
		struct hilt_session_result **e = realloc(j->earlier,
							 (j->nearlier + 1) * sizeof(*e));

		if (e) {
			HILT_REPORT(s->opts.reporter, session_ended, r, false);
			j->earlier = e;
			e[j->nearlier++] = r;
			j->failed_on = t;
			j->attempt++;
			j->state = JOB_QUEUED;
			sched_kick(s);
			return;
		}
	}
	if (lane && j->boot && lane->state == LANE_OFF && !interrupted)
		sched_boot_failed(j, r);
	sched_end_job(s, j, r);
	sched_kick(s);
}

static double target_multiplier(const struct hilt_target_config *cfg)
{
	/* A config made by hand (tests) may leave it 0: no scaling then. */
	return cfg->timeout_multiplier > 0 ? cfg->timeout_multiplier : 1;
}

static const char *target_health_check(const struct hilt_target_config *cfg)
{
	return cfg->health_check;
}

static bool target_free(const struct hilt_sched *s, const struct target_state *t)
{
	if (t->out_why || t->health == HEALTH_RUNNING)
		return false;
	if (t->exclusive)
		return t->running == 0;
	return s->running_emulators < s->opts.jobs;
}

/* Starts j on t: a session of its own, the boot of a new lane (a boot
 * job), or a shell suite on lane, whose target is up. */
int sched_start_job(struct hilt_sched *s, struct job *j, struct target_state *t,
		     struct lane *lane)
{
	struct hilt_session_opts o = {
		.out_dir = s->opts.out_dir, .pcap = s->opts.pcap,
		.timeout_scale = s->opts.timeout_multiplier * target_multiplier(t->cfg),
		.attempt = j->attempt,
		.on_case = session_case, .on_done = session_done, .arg = j,
	};
	char err[1024];
	char **stems = realloc(s->stems, (s->nstems + 1) * sizeof(*stems));
	int rc;

	if (!stems)
		return -ENOMEM;
	s->stems = stems;
	stems[s->nstems] = hilt_session_stem(j->suite->name, t->cfg->name, 200, stems,
					     s->nstems);
	if (!stems[s->nstems])
		return -ENOMEM;
	o.stem = stems[s->nstems++];
	if (j->boot && !(lane = sched_new_lane(s, j, t)))
		return -ENOMEM;
	/* A board the group held since its last boot: its lock goes on. */
	bool held = j->boot && j->group->hold_t == t;

	if (held) {
		hilt_boot_give_hold(lane->boot, j->group->hold_fd);
		j->group->hold_fd = -1;
		j->group->hold_t = NULL;
	}
	if (lane) {
		o.boot = lane->boot;
		o.boot_reason = j->boot ? j->boot_reason : NULL;
	}
	rc = hilt_session_new(s->loop, j->suite, t->cfg, &o, &j->session, err, sizeof(err));
	if (rc < 0) {
		if (j->boot)
			lane->state = LANE_OFF;
		if (held) {
			t->running--;
			if (!t->exclusive)
				s->running_emulators--;
		}
		sched_notice(s, "%s", err);
		return rc;
	}
	j->state = JOB_RUNNING;
	j->target = t;
	j->lane = lane;
	j->started_ns = hilt_now_ns();
	if (!lane || (j->boot && !held)) {
		/* A lane holds its target from its boot until it is off. */
		t->running++;
		if (!t->exclusive)
			s->running_emulators++;
	}
	if (j->boot) {
		s->boots++;
		s->reboots += j->reboot;
	}
	if (lane)
		lane->state = j->boot ? LANE_BOOTING : LANE_BUSY;
	HILT_REPORT(s->opts.reporter, session_started, j->suite->name, t->cfg->name, j->attempt);
	hilt_session_start(j->session);
	return 0;
}

struct job *sched_new_job(struct hilt_sched *s, const struct hilt_suite *suite,
			   const struct hilt_plan_entry *entry)
{
	struct job *j = calloc(1, sizeof(*j));
	struct job **v = realloc(s->jobs, (s->njobs + 1) * sizeof(*v));

	if (!j || !v) {
		free(j);
		if (v)
			s->jobs = v;
		return NULL;
	}
	s->jobs = v;
	j->sched = s;
	j->suite = suite;
	j->entry = entry;
	j->attempt = 1;
	j->retries_left = s->opts.retries;
	j->reruns_left = s->opts.rerun_failures;
	v[s->njobs++] = j;
	return j;
}

/* A target with a health check runs it before its first session. */
static bool start_health_check(struct hilt_sched *s, struct target_state *t)
{
	struct job *j;

	if (t->health != HEALTH_DUE || !target_free(s, t))
		return false;
	j = sched_new_job(s, t->health_suite, NULL);
	if (!j) {
		take_out(s, t, "out of memory for its health check");
		return false;
	}
	j->health_of = t;
	j->retries_left = j->reruns_left = 0;
	t->health = HEALTH_RUNNING;
	if (sched_start_job(s, j, t, NULL) < 0) {
		t->health = HEALTH_DUE;
		take_out(s, t, "its health check could not start");
		sched_end_job(s, j, sched_unrun_result(j, true, "infrastructure",
					   "the health check could not start"));
		return false;
	}
	return true;
}

/* The target of j's pool to start on now, or NULL.  *none_left: no
 * target of the pool is in use any more. */
static struct target_state *pick_target(struct hilt_sched *s, struct job *j,
					bool *none_left)
{
	struct target_state *best = NULL, *reserved = NULL;
	double reserved_s = 0;
	bool unreserved_busy = false;

	*none_left = true;
	for (size_t i = 0; i < j->entry->ntargets; i++) {
		struct target_state *t = target_state_of(s, j->entry->targets[i]);
		char who[512];

		if (!t || t->out_why)
			continue;
		*none_left = false;
		if (t->health == HEALTH_DUE) {
			start_health_check(s, t);
			continue;
		}
		/* Someone else's reservation: another target of the pool is
		 * taken meanwhile, or one that is merely busy waited for. */
		double r = t->cfg->ops && t->cfg->ops->reserved
				   ? t->cfg->ops->reserved(t->cfg, who, sizeof(who)) : 0;

		if (!target_free(s, t)) {
			unreserved_busy |= r <= 0;
			continue;
		}
		if (r > 0) {
			if (!reserved || r < reserved_s) {
				reserved = t;
				reserved_s = r;
			}
			continue;
		}
		/* Another target than the one the last attempt failed on. */
		if (!best || (best == j->failed_on && t != j->failed_on) ||
		    (t != j->failed_on && best != j->failed_on && t->running < best->running))
			best = t;
	}
	/* Only reserved ones free: the one whose reservation ends first (its
	 * start waits for it, or says who holds it). */
	if (!best && reserved && !unreserved_busy)
		best = reserved;
	/* The failed one only when no other target of the pool is left. */
	if (best && best == j->failed_on) {
		for (size_t i = 0; i < j->entry->ntargets; i++) {
			struct target_state *t = target_state_of(s, j->entry->targets[i]);

			if (t && t != best && !t->out_why)
				return NULL;	/* wait for that one */
		}
	}
	return best;
}

static void check_all_done(struct hilt_sched *s)
{
	if (s->all_done_told)
		return;
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->state != JOB_DONE)
			return;
	for (size_t g = 0; g < s->ngroups; g++) {
		if (s->groups[g].hold_t)
			return;
		for (size_t k = 0; k < s->groups[g].nlanes; k++)
			if (s->groups[g].lanes[k]->state != LANE_OFF)
				return;
	}
	s->all_done_told = true;
	HILT_REPORT(s->opts.reporter, run_ended);
	if (s->opts.on_all_done)
		s->opts.on_all_done(s->opts.arg);
}

static void dispatch(struct hilt_loop *loop, void *arg)
{
	struct hilt_sched *s = arg;

	(void)loop;
	s->kick_timer = 0;
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];
		struct target_state *t;
		bool none_left;

		if (j->state != JOB_QUEUED || !j->entry)
			continue;
		/* A boot made for a suite that no longer waits for it. */
		if (j->added && (s->interrupted ||
				 (j->boot_for && j->boot_for->state != JOB_QUEUED))) {
			j->state = JOB_DONE;
			continue;
		}
		if (s->interrupted) {
			sched_end_job(s, j, sched_unrun_result(j, false, "not-run",
						   s->interrupt_why ? s->interrupt_why
								    : "not run: interrupted"));
			continue;
		}
		if (j->group && !j->boot) {
			sched_dispatch_shell(s, j);
			continue;
		}
		if (j->group && j->group->hold_t && !j->group->hold_t->out_why) {
			t = j->group->hold_t;
			none_left = false;
		} else {
			t = pick_target(s, j, &none_left);
		}
		if (none_left) {
			char why[1024];
			size_t off = 0;

			off += (size_t)snprintf(why, sizeof(why),
						"no healthy target can run it: ");
			for (size_t k = 0; k < j->entry->ntargets && off < sizeof(why); k++) {
				struct target_state *o = target_state_of(s, j->entry->targets[k]);

				off += (size_t)snprintf(why + off, sizeof(why) - off, "%s'%s' %s",
							k ? "; " : "", o->cfg->name,
							o->out_why ? o->out_why : "");
			}
			sched_end_job(s, j, sched_unrun_result(j, true, "no-target", why));
			continue;
		}
		if (t && sched_start_job(s, j, t, NULL) < 0) {
			sched_end_job(s, j, sched_unrun_result(j, true, "runner",
						   "the session could not be set up"));
		}
	}
	sched_stop_idle_lanes(s);
	sched_release_holds(s);
	check_all_done(s);
}

/* Dispatching happens from the loop, never inside the callback that
 * freed a target: nothing recurses. */
void sched_kick(struct hilt_sched *s)
{
	if (s->kick_timer > 0)
		return;
	s->kick_timer = hilt_loop_add_timer(s->loop, hilt_now_ns(), dispatch, s);
	if (s->kick_timer < 0)
		s->kick_timer = 0;
}

static int cmp_estimate(const void *a, const void *b)
{
	const struct job *x = *(const struct job *const *)a, *y = *(const struct job *const *)b;

	if (x->estimate_s != y->estimate_s)
		return x->estimate_s > y->estimate_s ? -1 : 1;
	return x->entry->shard_index < y->entry->shard_index ? -1 :
	       x->entry->shard_index > y->entry->shard_index;
}

int hilt_sched_new(struct hilt_loop *loop, const struct hilt_plan *plan,
		   const struct hilt_sched_opts *opts, struct hilt_sched **out,
		   char *err, size_t errlen)
{
	struct hilt_sched *s = calloc(1, sizeof(*s));

	if (!s)
		goto oom;
	s->loop = loop;
	s->plan = plan;
	s->opts = *opts;
	if (!s->opts.jobs)
		s->opts.jobs = 1;
	if (s->opts.timeout_multiplier <= 0)
		s->opts.timeout_multiplier = 1;
	/* Every target any session may use, once. */
	for (size_t i = 0; i < plan->nentries; i++) {
		for (size_t k = 0; k < plan->entries[i].ntargets; k++) {
			const struct hilt_target_config *cfg = plan->entries[i].targets[k];
			struct target_state *t;

			if (target_state_of(s, cfg))
				continue;
			t = realloc(s->targets, (s->ntargets + 1) * sizeof(*t));
			if (!t)
				goto oom;
			s->targets = t;
			t = &t[s->ntargets++];
			memset(t, 0, sizeof(*t));
			t->cfg = cfg;
			t->exclusive = cfg->ops && cfg->ops->exclusive;
			if (target_health_check(cfg)) {
				char why[4096];

				if (hilt_suite_load(target_health_check(cfg), &t->health_suite, why,
						    sizeof(why)) < 0) {
					snprintf(err, errlen, "target '%s': its health check: %s",
						 cfg->name, why);
					hilt_sched_free(s);
					return -EINVAL;
				}
				t->health = HEALTH_DUE;
			}
		}
	}
	for (size_t i = 0; i < plan->nentries; i++) {
		struct job *j = sched_new_job(s, plan->entries[i].suite, &plan->entries[i]);

		if (!j)
			goto oom;
		if (opts->duration_of) {
			/* A pool of one is known by its target's name. */
			const char *target = j->entry->ntargets == 1 ? j->entry->targets[0]->name
								      : j->entry->pool;

			j->estimate_s = opts->duration_of(j->suite->name, target, opts->duration_arg);
		}
	}
	if (plan->ngroups && !(s->groups = calloc(plan->ngroups, sizeof(*s->groups))))
		goto oom;
	s->ngroups = plan->ngroups;
	for (size_t g = 0; g < plan->ngroups; g++) {
		s->groups[g].hold_fd = -1;
		s->groups[g].pg = &plan->groups[g];
		s->groups[g].boot_entry = &plan->entries[plan->groups[g].boot_entry];
	}
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];

		if (j->entry->group < 0)
			continue;
		j->group = &s->groups[j->entry->group];
		j->boot = j->entry->boot;
	}
	for (size_t g = 0; g < s->ngroups; g++)
		s->groups[g].want = sched_group_lanes(s, &s->groups[g]);
	if (opts->duration_of)
		qsort(s->jobs, s->njobs, sizeof(*s->jobs), cmp_estimate);
	*out = s;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	hilt_sched_free(s);
	return -ENOMEM;
}

void hilt_sched_set_reporter(struct hilt_sched *s, struct hilt_reporter *rep)
{
	s->opts.reporter = rep;
}

void hilt_sched_start(struct hilt_sched *s)
{
	sched_kick(s);
}

void hilt_sched_interrupt(struct hilt_sched *s, const char *why)
{
	if (s->interrupted)
		return;
	s->interrupted = true;
	s->infra = true;
	if (asprintf(&s->interrupt_why, "not run: %s", why) < 0)
		s->interrupt_why = NULL;
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->state == JOB_RUNNING)
			hilt_session_abort(s->jobs[i]->session, why);
	/* Lanes up between suites are powered off by the dispatch. */
	sched_kick(s);
}

void hilt_sched_counts(const struct hilt_sched *s, struct hilt_sched_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < s->njobs; i++) {
		c->queued += s->jobs[i]->state == JOB_QUEUED;
		c->running += s->jobs[i]->state == JOB_RUNNING;
		c->retried += s->jobs[i]->nearlier > 0;
	}
	c->sessions_done = (unsigned)s->nresults;
	c->boots = s->boots;
	c->reboots = s->reboots;
	for (size_t i = 0; i < s->nresults; i++) {
		for (size_t k = 0; k < s->results[i]->ncases; k++) {
			switch (s->results[i]->cases[k].verdict) {
			case HILT_PASS: c->passed++; break;
			case HILT_FAIL: c->failed++; break;
			case HILT_ERROR: c->errors++; break;
			case HILT_SKIP: c->skipped++; break;
			}
		}
	}
	for (size_t i = 0; i < s->ntargets; i++)
		c->targets_out += s->targets[i].out_why != NULL;
}

bool hilt_sched_running_at(const struct hilt_sched *s, size_t index,
			   struct hilt_sched_running *out)
{
	for (size_t i = 0; i < s->njobs; i++) {
		const struct job *j = s->jobs[i];

		if (j->state != JOB_RUNNING || !j->session)
			continue;
		if (index--)
			continue;
		*out = (struct hilt_sched_running){
			.suite = j->suite->name, .target = j->target->cfg->name,
			.current_case = hilt_session_current_case(j->session),
			.started_ns = j->started_ns, .attempt = j->attempt,
		};
		return true;
	}
	return false;
}

size_t hilt_sched_results(const struct hilt_sched *s,
			  const struct hilt_session_result *const **out)
{
	*out = (const struct hilt_session_result *const *)s->results;
	return s->nresults;
}

bool hilt_sched_infra_trouble(const struct hilt_sched *s)
{
	return s->infra;
}

void hilt_sched_free(struct hilt_sched *s)
{
	if (!s)
		return;
	if (s->kick_timer > 0)
		hilt_loop_cancel_timer(s->loop, s->kick_timer);
	for (size_t i = 0; i < s->njobs; i++) {
		struct job *j = s->jobs[i];

		hilt_session_free(j->session);
		free(j->boot_reason);
		for (size_t k = 0; k < j->nearlier; k++)
			hilt_session_result_free(j->earlier[k]);
		free(j->earlier);
		free(j);
	}
	for (size_t i = 0; i < s->nresults; i++)
		hilt_session_result_free(s->results[i]);
	for (size_t i = 0; i < s->ntargets; i++) {
		free(s->targets[i].out_why);
		hilt_suite_free(s->targets[i].health_suite);
	}
	for (size_t g = 0; g < s->ngroups; g++) {
		for (size_t k = 0; k < s->groups[g].nlanes; k++) {
			hilt_boot_free(s->groups[g].lanes[k]->boot);
			free(s->groups[g].lanes[k]);
		}
		free(s->groups[g].lanes);
		if (s->groups[g].hold_fd >= 0)
			close(s->groups[g].hold_fd);
		free(s->groups[g].next_reason);
		free(s->groups[g].dead_why);
	}
	free(s->groups);
	for (size_t i = 0; i < s->nstems; i++)
		free(s->stems[i]);
	free(s->stems);
	free(s->jobs);
	free(s->results);
	free(s->targets);
	free(s->interrupt_why);
	free(s);
}
