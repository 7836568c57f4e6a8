/* The scheduler (runner/engine/sched.h): a queue of planned sessions dispatched
 * over pools of targets from the event loop. */
#define _GNU_SOURCE
#include "runner/engine/sched.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xmlfile.h"
#include "targets/target.h"
#include "runner/engine/report.h"
#include "runner/engine/session.h"

/* ---- the plan ---- */

bool hilt_target_has_tags(const struct hilt_target_config *cfg, const char *const *tags,
			  size_t ntags)
{
	for (size_t i = 0; i < ntags; i++) {
		bool found = false;

		for (size_t j = 0; j < cfg->ntags && !found; j++)
			found = strcmp(cfg->tags[j], tags[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A pool's name: the target's tags in sorted order ("arch=x86_64,kind=qemu"),
 * or its own name when it has none.  Caller frees. */
static char *pool_key(const struct hilt_target_config *cfg)
{
	char **sorted;
	size_t len = 1;
	char *key;

	if (!cfg->ntags)
		return strdup(cfg->name);
	sorted = malloc(cfg->ntags * sizeof(*sorted));
	if (!sorted)
		return NULL;
	for (size_t i = 0; i < cfg->ntags; i++) {
		sorted[i] = cfg->tags[i];
		len += strlen(cfg->tags[i]) + 1;
	}
	qsort(sorted, cfg->ntags, sizeof(*sorted), cmp_str);
	key = malloc(len);
	if (key) {
		*key = '\0';
		for (size_t i = 0; i < cfg->ntags; i++) {
			if (i)
				strcat(key, ",");
			strcat(key, sorted[i]);
		}
	}
	free(sorted);
	return key;
}

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static bool named(const struct hilt_plan_filter *f, const char *name)
{
	return in_list(f->target_names, f->ntarget_names, name);
}

bool hilt_plan_entry_exclusive(const struct hilt_plan_entry *e)
{
	for (size_t i = 0; i < e->ntargets; i++)
		if (e->targets[i]->ops && e->targets[i]->ops->exclusive)
			return true;
	return false;
}

static void join_tags(char *buf, size_t len, const char *const *tags, size_t ntags)
{
	size_t off = 0;

	*buf = '\0';
	for (size_t i = 0; i < ntags && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", tags[i]);
}

static int add_entry(struct hilt_plan *plan, const struct hilt_suite *suite,
		     const struct hilt_target_config **targets, size_t ntargets, char *pool)
{
	struct hilt_plan_entry *e = realloc(plan->entries,
					    (plan->nentries + 1) * sizeof(*e));

	if (!e) {
		free(targets);
		free(pool);
		return -ENOMEM;
	}
	plan->entries = e;
	e[plan->nentries++] = (struct hilt_plan_entry){
		.suite = suite, .targets = targets, .ntargets = ntargets, .pool = pool,
		.shard_index = (unsigned)plan->nentries, .group = -1,
	};
	return 0;
}

/* The suite's sessions: one per named target, or one per pool of the
 * targets whose tags it accepts.  -ENOENT when there is none. */
static int plan_suite(struct hilt_plan *plan, const struct hilt_farm *farm,
		      const struct hilt_suite *suite, const struct hilt_plan_filter *f)
{
	const struct hilt_target_config **ok = calloc(farm->ntargets + 1, sizeof(*ok));
	char **keys = calloc(farm->ntargets + 1, sizeof(*keys));
	size_t nok = 0, before = plan->nentries;
	int rc = 0;

	if (!ok || !keys) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < farm->ntargets; i++) {
		const struct hilt_target_config *t = &farm->targets[i];

		if (f->ntarget_names ? !named(f, t->name) : t->named_only)
			continue;
		/* A recorded log is of whatever target the suite was written
		 * for: it takes any suite it is given for, unless the farm
		 * gave it tags of the pool it stands for. */
		bool recorded = t->ops && t->ops->recorded && t->ntags == 0;

		if ((!recorded && !hilt_target_has_tags(t, (const char *const *)suite->requires,
							suite->nrequires)) ||
		    !hilt_target_has_tags(t, f->tags, f->ntags))
			continue;
		if (!(keys[nok] = f->ntarget_names ? strdup(t->name) : pool_key(t))) {
			rc = -ENOMEM;
			goto out;
		}
		if (f->npools && !in_list(f->pools, f->npools, keys[nok])) {
			free(keys[nok]);
			keys[nok] = NULL;
			continue;
		}
		ok[nok++] = t;
	}
	/* Targets of one pool are taken together, in farm order. */
	for (size_t i = 0; i < nok && !rc; i++) {
		const struct hilt_target_config **pool;
		size_t n = 0;

		if (!keys[i])
			continue;
		pool = calloc(nok, sizeof(*pool));
		if (!pool) {
			rc = -ENOMEM;
			break;
		}
		for (size_t j = i; j < nok; j++) {
			if (keys[j] && (j == i || strcmp(keys[i], keys[j]) == 0)) {
				pool[n++] = ok[j];
				if (j != i) {
					free(keys[j]);
					keys[j] = NULL;
				}
			}
		}
		rc = add_entry(plan, suite, pool, n, keys[i]);
		keys[i] = NULL;
	}
	if (!rc && plan->nentries == before)
		rc = -ENOENT;
out:
	for (size_t i = 0; keys && i < nok; i++)
		free(keys[i]);
	free(keys);
	free(ok);
	return rc;
}

/* Whether paths a and b name the same file. */
static bool same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (strcmp(a, b) == 0)
		return true;
	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/* The boot suite of path, loaded once for the plan: 0, or -errno with
 * why in err. */
static int plan_boot_suite(struct hilt_plan *plan, const char *path,
			   const struct hilt_suite **out, char *err, size_t errlen)
{
	struct hilt_suite **v, *suite;
	int rc;

	for (size_t i = 0; i < plan->nboots; i++)
		if (same_file(plan->boots[i]->path, path)) {
			*out = plan->boots[i];
			return 0;
		}
	if ((rc = hilt_suite_load(path, &suite, err, errlen)) < 0)
		return rc;
	if (!(v = realloc(plan->boots, (plan->nboots + 1) * sizeof(*v)))) {
		hilt_suite_free(suite);
		return -ENOMEM;
	}
	plan->boots = v;
	v[plan->nboots++] = suite;
	*out = suite;
	return 0;
}

/* The ${name}s a shell suite takes from its boot must be captured there. */
static int check_boot_vars(const struct hilt_suite *suite, const struct hilt_suite *boot,
			   char *err, size_t errlen)
{
	for (size_t i = 0; i < suite->nboot_vars; i++) {
		bool found = false;

		for (size_t k = 0; k < boot->ncaptures && !found; k++)
			found = strcmp(boot->captures[k], suite->boot_vars[i]) == 0;
		if (!found) {
			snprintf(err, errlen,
				 "%s: suite '%s' uses ${%s}, which neither it nor its boot suite '%s' (%s) captures",
				 suite->path, suite->name, suite->boot_vars[i], boot->name, boot->path);
			return -EINVAL;
		}
	}
	return 0;
}

/* The group of entry ei (a suite that starts at a shell): found or made,
 * with its boot entry.  -EINVAL with why in err. */
static int plan_group(struct hilt_plan *plan, size_t ei, char *err, size_t errlen)
{
	const struct hilt_plan_entry *e = &plan->entries[ei];
	const char *boot_path = NULL;
	const struct hilt_suite *boot;
	char why[HILT_CONFIG_ERR_MAX];
	int rc;

	for (size_t k = 0; k < e->ntargets; k++) {
		const struct hilt_target_config *t = e->targets[k];

		if (!t->boot_suite) {
			snprintf(err, errlen,
				 "%s: suite '%s' starts at a shell (start=\"%s\"), and target '%s' (%s) has no <boot suite=\"...\"/> that brings it there",
				 e->suite->path, e->suite->name, hilt_suite_start_name(e->suite->start),
				 t->name, t->source);
			return -EINVAL;
		}
		if (boot_path && !same_file(boot_path, t->boot_suite)) {
			snprintf(err, errlen,
				 "%s: suite '%s' starts at a shell on pool %s, whose targets boot with different suites (%s, %s)",
				 e->suite->path, e->suite->name, e->pool, boot_path, t->boot_suite);
			return -EINVAL;
		}
		boot_path = t->boot_suite;
	}
	for (size_t g = 0; g < plan->ngroups; g++) {
		const struct hilt_plan_group *pg = &plan->groups[g];

		if (strcmp(pg->pool, e->pool) == 0 && same_file(pg->boot->path, boot_path)) {
			plan->entries[ei].group = (long)g;
			return check_boot_vars(e->suite, pg->boot, err, errlen);
		}
	}
	rc = plan_boot_suite(plan, boot_path, &boot, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "%s: the boot suite of target '%s': %s",
			 e->targets[0]->source, e->targets[0]->name, rc == -ENOMEM ? "out of memory" : why);
		return rc;
	}
	if (boot->start != HILT_START_POWER_ON) {
		snprintf(err, errlen, "%s: suite '%s' is a boot suite (<boot> of target '%s'), so it must start at power-on, not start=\"%s\"",
			 boot->path, boot->name, e->targets[0]->name, hilt_suite_start_name(boot->start));
		return -EINVAL;
	}
	if ((rc = check_boot_vars(e->suite, boot, err, errlen)) < 0)
		return rc;
	struct hilt_plan_group *v = realloc(plan->groups, (plan->ngroups + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	plan->groups = v;
	struct hilt_plan_group *pg = &v[plan->ngroups];
	size_t be = SIZE_MAX;

	/* The planned boot suite of the same file on the same pool is the
	 * group's first boot. */
	for (size_t i = 0; i < plan->nentries && be == SIZE_MAX; i++) {
		const struct hilt_plan_entry *o = &plan->entries[i];

		if (o->suite->start == HILT_START_POWER_ON && o->group < 0 &&
		    strcmp(o->pool, e->pool) == 0 && same_file(o->suite->path, boot_path))
			be = i;
	}
	if (be == SIZE_MAX) {
		const struct hilt_target_config **targets = malloc(e->ntargets * sizeof(*targets));
		char *pool = strdup(e->pool);

		if (!targets || !pool) {
			free(targets);
			free(pool);
			return -ENOMEM;
		}
		memcpy(targets, e->targets, e->ntargets * sizeof(*targets));
		if ((rc = add_entry(plan, boot, targets, e->ntargets, pool)) < 0)
			return rc;
		be = plan->nentries - 1;
		plan->entries[be].added = true;
		e = &plan->entries[ei];
	}
	plan->entries[be].boot = true;
	plan->entries[be].group = (long)plan->ngroups;
	*pg = (struct hilt_plan_group){
		.boot = plan->entries[be].suite, .boot_entry = be, .pool = plan->entries[be].pool,
	};
	plan->entries[ei].group = (long)plan->ngroups++;
	return 0;
}

/* Groups the entries that start at a shell by pool and boot suite. */
static int plan_groups(struct hilt_plan *plan, char *err, size_t errlen)
{
	size_t n = plan->nentries;	/* boot entries added are not grouped */

	for (size_t i = 0; i < n; i++) {
		struct hilt_plan_entry *e = &plan->entries[i];
		int rc;

		if (e->suite->start == HILT_START_POWER_ON)
			continue;
		if ((rc = plan_group(plan, i, err, errlen)) < 0) {
			if (rc == -ENOMEM)
				snprintf(err, errlen, "out of memory");
			return rc;
		}
		e = &plan->entries[i];
		if (e->suite->start == HILT_START_SHELL)
			plan->groups[e->group].nshell++;
		else
			plan->groups[e->group].nfresh++;
	}
	/* The pools the entries name were moved with them: point again. */
	for (size_t g = 0; g < plan->ngroups; g++)
		plan->groups[g].pool = plan->entries[plan->groups[g].boot_entry].pool;
	return 0;
}

int hilt_plan_make(const struct hilt_farm *farm, struct hilt_suite *const *suites,
		   size_t nsuites, const struct hilt_plan_filter *filter,
		   struct hilt_plan *out, char *err, size_t errlen)
{
	struct hilt_plan plan = { 0 };
	size_t off = 0;
	int rc = 0;

	*err = '\0';
	for (size_t i = 0; i < nsuites; i++) {
		int r = plan_suite(&plan, farm, suites[i], filter);
		char want[512], cli[512];

		if (r == -ENOMEM) {
			rc = r;
			snprintf(err, errlen, "out of memory");
			break;
		}
		if (r != -ENOENT)
			continue;
		rc = -EINVAL;
		join_tags(want, sizeof(want), (const char *const *)suites[i]->requires,
			  suites[i]->nrequires);
		join_tags(cli, sizeof(cli), filter->tags, filter->ntags);
		if (off < errlen)
			off += (size_t)snprintf(err + off, errlen - off,
						"%s%s: no target can run suite '%s': it wants %s%s%s%s%s",
						off ? "\n" : "", suites[i]->path, suites[i]->name,
						*want ? "tags " : "any target", want,
						*cli ? (*want ? " and --tags " : " with --tags ") : "", cli,
						filter->ntarget_names ? " among the --target given" : "");
		/* Pool names hold commas: each is quoted. */
		for (size_t k = 0; k < filter->npools && off < errlen; k++)
			off += (size_t)snprintf(err + off, errlen - off, "%s'%s'%s",
						k ? ", " : " in the pools given (", filter->pools[k],
						k + 1 == filter->npools ? ")" : "");
	}
	if (rc) {
		hilt_plan_free(&plan);
		return rc;
	}
	/* Sharding: the plan's order is the same on every runner given the
	 * same farm and suites, so shard k takes every n-th entry. */
	if (filter->shard_n > 1) {
		size_t kept = 0;

		for (size_t i = 0; i < plan.nentries; i++) {
			struct hilt_plan_entry *e = &plan.entries[i];

			e->shard_index = (unsigned)i;
			if (i % filter->shard_n == filter->shard_k - 1) {
				plan.entries[kept++] = *e;
			} else {
				free(e->targets);
				free(e->pool);
			}
		}
		plan.nentries = kept;
	}
	/* Grouped after sharding: each shard boots for its own. */
	if ((rc = plan_groups(&plan, err, errlen)) < 0) {
		hilt_plan_free(&plan);
		return rc;
	}
	*out = plan;
	return 0;
}

void hilt_plan_free(struct hilt_plan *plan)
{
	for (size_t i = 0; i < plan->nentries; i++) {
		free(plan->entries[i].targets);
		free(plan->entries[i].pool);
	}
	free(plan->entries);
	plan->entries = NULL;
	plan->nentries = 0;
	for (size_t i = 0; i < plan->nboots; i++)
		hilt_suite_free(plan->boots[i]);
	free(plan->boots);
	free(plan->groups);
	plan->boots = NULL;
	plan->groups = NULL;
	plan->nboots = plan->ngroups = 0;
}

/* ---- running it ---- */

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

static struct target_state *target_state_of(struct hilt_sched *s,
					    const struct hilt_target_config *cfg)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].cfg == cfg)
			return &s->targets[i];
	return NULL;
}

static void notice(struct hilt_sched *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(struct hilt_sched *s, const char *fmt, ...)
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
static struct hilt_session_result *unrun_result(const struct job *j, bool error,
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

static void end_job(struct hilt_sched *s, struct job *j, struct hilt_session_result *r)
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

static void kick(struct hilt_sched *s);

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
	notice(s, "target '%s' taken out for the rest of the run: %s", t->cfg->name,
	       t->out_why ? t->out_why : "");
}

static void session_case(const struct hilt_session_result *r,
			 const struct hilt_case_result *c, void *arg)
{
	struct job *j = arg;

	HILT_REPORT(j->sched->opts.reporter, case_ended, r, c);
}

/* The target a lane held is free again. */
static void lane_release(struct hilt_sched *s, struct lane *l)
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

	lane_release(s, l);
	kick(s);
}

/* A session on the lane (its boot's or a shell suite's) ended: the lane
 * is up for the next, or its target is off and the group's next boot
 * will say why. */
static void lane_session_ended(struct hilt_sched *s, struct lane *l)
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
		lane_release(s, l);
	}
	why = hilt_boot_down_why(l->boot);
	free(g->next_reason);
	g->next_reason = why ? strdup(why) : NULL;
}

/* A boot that went down at its own session's end, for good: the group's
 * suites that wait have no boot to run on (unless another lane is up). */
static void boot_failed(struct job *j, const struct hilt_session_result *r)
{
	struct group *g = j->group;

	if (g->dead_why)
		return;
	if (asprintf(&g->dead_why, "not run: its boot '%s' on '%s' failed", r->suite, r->target) < 0)
		g->dead_why = NULL;
	notice(j->sched, "the suites that start at the shell of '%s' on pool %s are not run: the boot failed",
	       r->suite, g->pg->pool);
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
		lane_session_ended(s, lane);
	} else {
		t->running--;
		if (!t->exclusive)
			s->running_emulators--;
	}

	if (!r) {
		end_job(s, j, NULL);
		kick(s);
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
		end_job(s, j, r);
		kick(s);
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
			kick(s);
			return;
		}
	}
	if (lane && j->boot && lane->state == LANE_OFF && !interrupted)
		boot_failed(j, r);
	end_job(s, j, r);
	kick(s);
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

/* A new lane of j's group for j, a boot job, on t. */
static struct lane *new_lane(struct hilt_sched *s, struct job *j, struct target_state *t)
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

/* Starts j on t: a session of its own, the boot of a new lane (a boot
 * job), or a shell suite on lane, whose target is up. */
static int start_job(struct hilt_sched *s, struct job *j, struct target_state *t,
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
	if (j->boot && !(lane = new_lane(s, j, t)))
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
		notice(s, "%s", err);
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

static struct job *new_job(struct hilt_sched *s, const struct hilt_suite *suite,
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
	j = new_job(s, t->health_suite, NULL);
	if (!j) {
		take_out(s, t, "out of memory for its health check");
		return false;
	}
	j->health_of = t;
	j->retries_left = j->reruns_left = 0;
	t->health = HEALTH_RUNNING;
	if (start_job(s, j, t, NULL) < 0) {
		t->health = HEALTH_DUE;
		take_out(s, t, "its health check could not start");
		end_job(s, j, unrun_result(j, true, "infrastructure",
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

/* Makes a boot job of j's group, for j alone (a fresh shell) or for the
 * group's next suites; false when out of memory. */
static bool add_boot_job(struct hilt_sched *s, struct job *j, bool fresh)
{
	struct group *g = j->group;
	struct job *b = new_job(s, g->boot_entry->suite, g->boot_entry);
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
		notice(s, "pool %s boots '%s' again: %s", g->pg->pool, g->pg->boot->name,
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
static void dispatch_shell(struct hilt_sched *s, struct job *j)
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
		if (start_job(s, j, up->t, up) < 0)
			end_job(s, j, unrun_result(j, true, "runner", "the session could not be set up"));
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
		end_job(s, j, unrun_result(j, false, "not-run", g->dead_why));
		return;
	}
	if (!add_boot_job(s, j, fresh))
		end_job(s, j, unrun_result(j, true, "runner", "out of memory"));
}

/* A lane that is up and that no queued suite wants is powered off. */
static void stop_idle_lanes(struct hilt_sched *s)
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
static void release_holds(struct hilt_sched *s)
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
			end_job(s, j, unrun_result(j, false, "not-run",
						   s->interrupt_why ? s->interrupt_why
								    : "not run: interrupted"));
			continue;
		}
		if (j->group && !j->boot) {
			dispatch_shell(s, j);
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
			end_job(s, j, unrun_result(j, true, "no-target", why));
			continue;
		}
		if (t && start_job(s, j, t, NULL) < 0) {
			end_job(s, j, unrun_result(j, true, "runner",
						   "the session could not be set up"));
		}
	}
	stop_idle_lanes(s);
	release_holds(s);
	check_all_done(s);
}

/* Dispatching happens from the loop, never inside the callback that
 * freed a target: nothing recurses. */
static void kick(struct hilt_sched *s)
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

/* How many boots at once a group's shell suites get: another boot pays
 * only when the suites it takes over run at least as long as a boot
 * takes, so with earlier durations (S of the suites, B of the boot) it is
 * the whole number of boots that S holds, at most --jobs (emulators) or
 * the pool's targets (boards) and the suites; without them, one. */
static unsigned group_lanes(const struct hilt_sched *s, const struct group *g)
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
		struct job *j = new_job(s, plan->entries[i].suite, &plan->entries[i]);

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
		s->groups[g].want = group_lanes(s, &s->groups[g]);
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
	kick(s);
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
	kick(s);
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
