/* The plan of a run (sched.h): each suite on each pool of targets that can
 * take it, sharded, and the suites that start at a shell grouped with the
 * boot suite that brings their targets there. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmlfile.h"
#include "runner/engine/sched.h"
#include "targets/target.h"

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
