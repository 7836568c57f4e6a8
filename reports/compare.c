/* Comparing runs (compare.h): what changed from the base runs to the new
 * one.  The work is in three files:
 *   compare_read.c   a run's JUnit read into sessions, cases, properties
 *                    and milestones, indexed (compare_int.h has the model);
 *   compare.c        (this file) the comparison's life (new, the runs
 *                    added, free) and the comparing: sessions matched,
 *                    verdicts and boot times judged, properties diffed;
 *   compare_write.c  the findings written as text, markdown or JSON. */
#define _GNU_SOURCE
#include "reports/compare_int.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/text.h"

int hilt_compare_new(const struct hilt_compare_opts *o, struct hilt_compare **out)
{
	struct hilt_compare *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->o = *o;
	*out = c;
	return 0;
}

static int add_note(struct hilt_compare *c, char *note);

/* With o.time_from: each session's milestone times counted from that
 * milestone; those up to it dropped, and all of a session without it. */
static int rebase_times(struct hilt_compare *c, struct run *r)
{
	for (size_t i = 0; c->o.time_from && i < r->n; i++) {
		struct ksession *s = &r->s[i];
		double origin = -1;
		size_t kept = 0;

		for (size_t k = 0; k < s->nms; k++)
			if (!strcmp(s->ms[k].name, c->o.time_from))
				origin = s->ms[k].t;
		if (origin < 0 && s->nms) {
			char *note = NULL;

			if (asprintf(&note, "%s of %s has no milestone %s: its times are not compared",
				     s->name, r->path, c->o.time_from) < 0 || add_note(c, note))
				return -ENOMEM;
		}
		for (size_t k = 0; k < s->nms; k++) {
			if (origin >= 0 && s->ms[k].t > origin &&
			    strcmp(s->ms[k].name, c->o.time_from)) {
				s->ms[kept] = s->ms[k];
				s->ms[kept++].t -= origin;
			} else {
				free(s->ms[k].name);
			}
		}
		s->nms = kept;
	}
	return 0;
}

int hilt_compare_add_base(struct hilt_compare *c, const char *path, char *err, size_t errlen)
{
	struct run *b = realloc(c->base, (c->nbase + 1) * sizeof(*b));
	int rc;

	if (!b) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	c->base = b;
	rc = hilt_compare_run_load(&c->base[c->nbase], path, err, errlen);
	if (!rc)
		c->nbase++;
	if (!rc && rebase_times(c, &c->base[c->nbase - 1])) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -ENOMEM;
	}
	return rc;
}

int hilt_compare_set_new(struct hilt_compare *c, const char *path, char *err, size_t errlen)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc = r ? hilt_compare_run_load(r, path, err, errlen) : -ENOMEM;

	if (rc) {
		free(r);
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", path);
		return rc;
	}
	if (c->newrun) {
		hilt_compare_run_free(c->newrun);
		free(c->newrun);
	}
	c->newrun = r;
	if (rebase_times(c, r)) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	return 0;
}

void hilt_compare_free(struct hilt_compare *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbase; i++)
		hilt_compare_run_free(&c->base[i]);
	free(c->base);
	if (c->newrun) {
		hilt_compare_run_free(c->newrun);
		free(c->newrun);
	}
	for (size_t i = 0; i < c->nitems; i++) {
		free(c->items[i].session);
		free(c->items[i].name);
		free(c->items[i].base);
		free(c->items[i].now);
		free(c->items[i].detail);
		free(c->items[i].kind);
	}
	free(c->items);
	for (size_t i = 0; i < c->nchanges; i++) {
		free(c->changes[i].name);
		free(c->changes[i].from);
		free(c->changes[i].to);
	}
	free(c->changes);
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	free(c);
}

/* ---- comparing ---- */

static int add_item(struct hilt_compare *c, enum cat cat, const char *session, const char *name,
		    char *base, char *now, char *detail)
{
	struct item *it;

	c->items = hilt_grow(c->items, c->nitems + 1, &c->capitems, sizeof(*c->items), 32);
	if (!c->items || !base || !now) {
		free(base);
		free(now);
		free(detail);
		return -ENOMEM;
	}
	it = &c->items[c->nitems++];
	memset(it, 0, sizeof(*it));
	it->cat = cat;
	it->session = strdup(session);
	it->name = strdup(name);
	it->base = base;
	it->now = now;
	it->detail = detail;
	return it->session && it->name ? 0 : -ENOMEM;
}

static int add_note(struct hilt_compare *c, char *note)
{
	c->notes = hilt_grow(c->notes, c->nnotes + 1, &c->capnotes, sizeof(*c->notes), 8);
	if (!c->notes || !note) {
		free(note);
		return -ENOMEM;
	}
	c->notes[c->nnotes++] = note;
	return 0;
}

static int add_change(struct hilt_compare *c, const char *name, const char *from, const char *to)
{
	for (size_t i = 0; i < c->nchanges; i++) {
		struct change *ch = &c->changes[i];

		if (!strcmp(ch->name, name) && !strcmp(ch->from, from) && !strcmp(ch->to, to)) {
			ch->sessions++;
			return 0;
		}
	}
	c->changes = hilt_grow(c->changes, c->nchanges + 1, &c->capchanges,
			       sizeof(*c->changes), 8);
	if (!c->changes)
		return -ENOMEM;
	struct change *ch = &c->changes[c->nchanges++];

	ch->name = strdup(name);
	ch->from = strdup(from);
	ch->to = strdup(to);
	ch->sessions = 1;
	return ch->name && ch->from && ch->to ? 0 : -ENOMEM;
}

static const char *prop_of(const struct ksession *s, const char *name)
{
	for (size_t i = 0; i < s->nprops; i++)
		if (!strcmp(s->props[i].name, name))
			return s->props[i].value;
	return NULL;
}

/* The identity properties that differ between the latest base's session
 * b and the new one n. */
static int diff_props(struct hilt_compare *c, const struct ksession *b, const struct ksession *n)
{
	int rc = 0;

	for (size_t i = 0; i < n->nprops && !rc; i++) {
		const char *was = prop_of(b, n->props[i].name);

		/* A capture a case did not get to make is no change. */
		if (!was && !strncmp(n->props[i].name, "capture.", 8))
			continue;
		if (!was || strcmp(was, n->props[i].value))
			rc = add_change(c, n->props[i].name, was ? was : "(none)",
					n->props[i].value);
	}
	for (size_t i = 0; i < b->nprops && !rc; i++)
		if (!prop_of(n, b->props[i].name) && strncmp(b->props[i].name, "capture.", 8))
			rc = add_change(c, b->props[i].name, b->props[i].value, "(none)");
	return rc;
}

/* The suite of a hilt session's name (SUITE@TARGET), for matching a
 * session that ran on another target. */
static size_t suite_len(const char *name)
{
	const char *at = strrchr(name, '@');

	return at ? (size_t)(at - name) : strlen(name);
}

/* Matches each new session with a session of base run b: by name, else,
 * for the sessions left, by suite when exactly one of each side has it. */
static void match_sessions(struct hilt_compare *c, size_t b, size_t *match)
{
	struct run *n = c->newrun, *r = &c->base[b];
	bool *taken = calloc(r->n + 1, sizeof(*taken));

	for (size_t i = 0; i < n->n; i++) {
		size_t *j = hilt_compare_index_find(&r->sessions, n->s[i].key);

		match[i] = j ? *j : SIZE_MAX;
		if (j && taken)
			taken[*j] = true;
	}
	if (!taken)
		return;
	for (size_t i = 0; i < n->n; i++) {
		const char *name = n->s[i].name;
		size_t len = suite_len(name), cand = SIZE_MAX, ncand = 0, nnew = 0;

		if (match[i] != SIZE_MAX || !strchr(name, '@'))
			continue;
		for (size_t k = 0; k < n->n; k++)
			nnew += match[k] == SIZE_MAX && suite_len(n->s[k].name) == len &&
				!strncmp(n->s[k].name, name, len);
		for (size_t k = 0; k < r->n; k++) {
			if (taken[k] || suite_len(r->s[k].name) != len ||
			    strncmp(r->s[k].name, name, len))
				continue;
			cand = k;
			ncand++;
		}
		if (nnew == 1 && ncand == 1) {
			match[i] = cand;
			taken[cand] = true;
		}
	}
	free(taken);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static char *fmt_s(double t)
{
	char *s = NULL;

	return asprintf(&s, "%.3f s", t) < 0 ? NULL : s;
}

/* The boot milestones of new session n against the base runs' times. */
static int compare_times(struct hilt_compare *c, const struct ksession *n, const size_t *match)
{
	double *v = calloc(c->nbase + 1, sizeof(*v)), *dev = calloc(c->nbase + 1, sizeof(*dev));
	int rc = v && dev ? 0 : -ENOMEM;

	for (size_t m = 0; m < n->nms && !rc; m++) {
		size_t nv = 0;

		for (size_t b = 0; b < c->nbase; b++) {
			const struct ksession *bs;

			if (match[b] == SIZE_MAX)
				continue;
			bs = &c->base[b].s[match[b]];
			for (size_t k = 0; k < bs->nms; k++)
				if (!strcmp(bs->ms[k].name, n->ms[m].name))
					v[nv++] = bs->ms[k].t;
		}
		if (!nv)
			continue;

		double ref = median(v, nv), mad = 0, t = n->ms[m].t;

		for (size_t k = 0; k < nv; k++)
			dev[k] = fabs(v[k] - ref);
		if (nv > 1)
			mad = median(dev, nv);

		double rel = c->o.threshold * ref, spread = c->o.mad_k * 1.4826 * mad;
		double margin = fmax(fmax(rel, c->o.floor_s), spread);
		const char *why = spread >= rel && spread >= c->o.floor_s && nv > 1
					  ? "base spread"
					  : rel >= c->o.floor_s ? "threshold" : "floor";
		char *detail = NULL, *refs = NULL;
		enum cat cat;

		if (t > ref + margin)
			cat = CAT_TIME;
		else if (t < ref - margin)
			cat = CAT_FASTER;
		else
			continue;
		if (nv > 1) {
			if (asprintf(&refs, "median %.3f s of %zu base runs (MAD %.3f s)", ref, nv,
				     mad) < 0)
				refs = NULL;
		} else if (asprintf(&refs, "base %.3f s", ref) < 0) {
			refs = NULL;
		}
		/* Which term set the margin: the threshold, the floor, or
		 * (several bases) what the base runs vary by. */
		if (!refs || asprintf(&detail, "%+.3f s (%+.0f%%): %s %s %c %.3f s, set by the %s (%s)",
				      t - ref, ref > 0 ? 100 * (t - ref) / ref : 0.0,
				      cat == CAT_TIME ? "beyond" : "below", refs,
				      cat == CAT_TIME ? '+' : '-', margin, why,
				      !strcmp(why, "threshold") ? "relative"
				      : !strcmp(why, "floor") ? "absolute"
							      : "k x 1.4826 x MAD") < 0)
			detail = NULL;
		free(refs);
		rc = add_item(c, cat, n->name, n->ms[m].name, fmt_s(ref), fmt_s(t), detail);
		if (!rc) {
			struct item *it = &c->items[c->nitems - 1];

			it->base_s = ref;
			it->new_s = t;
			it->limit_s = cat == CAT_TIME ? ref + margin : ref - margin;
			it->nbase = nv;
			if (cat == CAT_TIME)
				c->counts.time_regressions++;
			else
				c->counts.faster++;
		}
	}
	free(v);
	free(dev);
	return rc;
}

/* What the base runs said of a case: how many passed, failed, ... and the
 * latest verdict and message. */
struct basev {
	size_t n[HILT_JSKIP + 1], runs;
	enum hilt_jverdict last;
	const char *last_msg;
};

static char *describe_base(const struct basev *bv)
{
	char *s = NULL;

	if (bv->runs == 1 || bv->n[bv->last] == bv->runs)
		return strdup(hilt_jverdict_name(bv->last));
	if (asprintf(&s, "passed in %zu of %zu runs", bv->n[HILT_JPASS], bv->runs) < 0)
		return NULL;
	return s;
}

static int compare_cases(struct hilt_compare *c, size_t ni, const size_t *match)
{
	const struct ksession *n = &c->newrun->s[ni];
	int rc = 0;

	for (size_t k = 0; k < n->ncases && !rc; k++) {
		const struct kcase *nc = &n->cases[k];
		struct basev bv = { .runs = 0 };
		enum cat cat;

		for (size_t b = 0; b < c->nbase; b++) {
			char *key;
			size_t *j;

			if (match[b] == SIZE_MAX)
				continue;
			key = hilt_compare_case_key(match[b], nc->classname, nc->name);
			if (!key)
				return -ENOMEM;
			j = hilt_compare_index_find(&c->base[b].cases, key);
			free(key);
			if (!j)
				continue;
			const struct kcase *bc = &c->base[b].s[match[b]].cases[*j];

			bv.n[bc->verdict]++;
			bv.runs++;
			bv.last = bc->verdict;
			bv.last_msg = bc->message;
		}
		if (!bv.runs) {
			rc = add_item(c, CAT_NEW, n->name, nc->name, strdup("-"),
				      strdup(hilt_jverdict_name(nc->verdict)),
				      nc->message ? strdup(nc->message) : NULL);
			c->counts.new_cases++;
			continue;
		}
		c->counts.compared++;
		switch (nc->verdict) {
		case HILT_JFAIL:
			/* A regression only where every base run that ran it
			 * saw it pass: a case that failed in one of them
			 * fails now as it did. */
			cat = bv.n[HILT_JFAIL]	 ? CAT_STILL
			      : bv.n[HILT_JPASS] ? CAT_REGRESSION
						 : CAT_UNTESTED;
			break;
		case HILT_JERROR:
			cat = CAT_ERROR;
			break;
		case HILT_JPASS:
			if (bv.last == HILT_JFAIL)
				cat = CAT_FIX;
			else if (nc->flaky)
				cat = CAT_FLAKY;
			else
				continue;
			break;
		default:
			continue;
		}
		char *now = NULL;

		if (cat == CAT_FLAKY ? asprintf(&now, "passed after %u failed %s", nc->flaky,
						nc->flaky == 1 ? "attempt" : "attempts") < 0
				     : !(now = strdup(hilt_jverdict_name(nc->verdict))))
			now = NULL;
		rc = add_item(c, cat, n->name, nc->name, describe_base(&bv), now,
			      cat == CAT_FIX ? (bv.last_msg ? strdup(bv.last_msg) : NULL)
					     : (nc->message ? strdup(nc->message) : NULL));
		c->counts.regressions += cat == CAT_REGRESSION;
		c->counts.fixes += cat == CAT_FIX;
		c->counts.still_failing += cat == CAT_STILL;
		c->counts.untested += cat == CAT_UNTESTED;
		c->counts.errors += cat == CAT_ERROR;
		c->counts.flaky += cat == CAT_FLAKY;
	}
	return rc;
}

/* ---- kernel findings ---- */

static const struct hilt_jfound *find_in(const struct ksession *s, const char *title)
{
	return hilt_jfound_find(s->finds, s->nfinds, title);
}

static char *count_str(unsigned long n)
{
	char *s = NULL;

	if (!n)
		return strdup("-");
	return asprintf(&s, "%lu", n) < 0 ? NULL : s;
}

static int add_finding(struct hilt_compare *c, enum cat cat, const char *session,
		       const struct hilt_jfound *f, unsigned long base_n, unsigned long new_n,
		       char *detail)
{
	int rc = add_item(c, cat, session, f->title, count_str(base_n), count_str(new_n), detail);
	struct item *it;

	if (rc)
		return rc;
	it = &c->items[c->nitems - 1];
	it->base_n = base_n;
	it->new_n = new_n;
	if (f->kind && !(it->kind = strdup(f->kind)))
		return -ENOMEM;
	c->counts.new_findings += cat == CAT_FINDING_NEW;
	c->counts.changed_findings += cat == CAT_FINDING_COUNT;
	c->counts.gone_findings += cat == CAT_FINDING_GONE;
	return 0;
}

/* The findings of new session ni against its sessions of the base runs
 * (match[b], SIZE_MAX where none; latest: the latest base run that has
 * it, SIZE_MAX when none does): new where no base run's session has the
 * title, counted differently from the latest base run's, gone from it. */
static int compare_findings(struct hilt_compare *c, size_t ni, const size_t *match, size_t latest)
{
	const struct ksession *n = &c->newrun->s[ni];
	const struct ksession *ls = latest == SIZE_MAX ? NULL : &c->base[latest].s[match[latest]];
	int rc = 0;

	for (size_t i = 0; i < n->nfinds && !rc; i++) {
		const struct hilt_jfound *f = &n->finds[i], *lf = ls ? find_in(ls, f->title) : NULL;
		size_t seen = 0, runs = 0;
		char *detail = NULL;

		for (size_t b = 0; b < c->nbase; b++) {
			if (match[b] == SIZE_MAX)
				continue;
			runs++;
			seen += find_in(&c->base[b].s[match[b]], f->title) != NULL;
		}
		if (!seen) {
			rc = add_finding(c, CAT_FINDING_NEW, n->name, f, 0, f->count,
					 f->line ? strdup(f->line) : NULL);
			continue;
		}
		if (lf && lf->count == f->count)
			continue;
		/* Seen in an earlier base run, not in the latest: no new
		 * finding, and said so. */
		if (!lf && asprintf(&detail, "not in the latest base run; in %zu of %zu base runs", seen,
				    runs) < 0)
			return -ENOMEM;
		rc = add_finding(c, CAT_FINDING_COUNT, n->name, f, lf ? lf->count : 0, f->count,
				 detail);
	}
	for (size_t i = 0; ls && i < ls->nfinds && !rc; i++) {
		const struct hilt_jfound *bf = &ls->finds[i];

		if (!find_in(n, bf->title))
			rc = add_finding(c, CAT_FINDING_GONE, n->name, bf, bf->count, 0,
					 bf->line ? strdup(bf->line) : NULL);
	}
	return rc;
}

/* Cases of the latest base run's session that the new one lacks. */
static int removed_cases(struct hilt_compare *c, size_t ni, const struct run *r, size_t bi)
{
	const struct ksession *bs = &r->s[bi];
	int rc = 0;

	for (size_t k = 0; k < bs->ncases && !rc; k++) {
		char *key = hilt_compare_case_key(ni, bs->cases[k].classname, bs->cases[k].name);

		if (!key)
			return -ENOMEM;
		if (!hilt_compare_index_find(&c->newrun->cases, key)) {
			rc = add_item(c, CAT_REMOVED, c->newrun->s[ni].name, bs->cases[k].name,
				      strdup(hilt_jverdict_name(bs->cases[k].verdict)),
				      strdup("-"), NULL);
			c->counts.removed_cases++;
		}
		free(key);
	}
	return rc;
}

int hilt_compare_run(struct hilt_compare *c, struct hilt_compare_counts *counts, char *err,
		     size_t errlen)
{
	struct run *n = c->newrun;
	size_t **match = calloc(c->nbase + 1, sizeof(*match));
	size_t *row = calloc(c->nbase + 1, sizeof(*row));
	bool *base_used = NULL;
	int rc = match && row ? 0 : -ENOMEM;

	for (size_t b = 0; b < c->nbase && !rc; b++) {
		match[b] = calloc(n->n + 1, sizeof(**match));
		if (!match[b])
			rc = -ENOMEM;
		else
			match_sessions(c, b, match[b]);
	}
	for (size_t i = 0; i < n->n && !rc; i++) {
		size_t latest = SIZE_MAX;

		for (size_t b = 0; b < c->nbase; b++) {
			row[b] = match[b][i];
			if (row[b] != SIZE_MAX)
				latest = b;
		}
		if (latest == SIZE_MAX) {
			c->only_new++;
			for (size_t k = 0; k < n->s[i].ncases && !rc; k++) {
				rc = add_item(c, CAT_NEW, n->s[i].name, n->s[i].cases[k].name,
					      strdup("-"),
					      strdup(hilt_jverdict_name(n->s[i].cases[k].verdict)),
					      n->s[i].cases[k].message
						      ? strdup(n->s[i].cases[k].message)
						      : NULL);
				c->counts.new_cases++;
			}
			/* A session no base run has: its findings are in none. */
			rc = rc ? rc : compare_findings(c, i, row, SIZE_MAX);
			continue;
		}
		n->s[i].matched = true;
		c->counts.sessions++;
		const struct ksession *bs = &c->base[latest].s[row[latest]];

		rc = diff_props(c, bs, &n->s[i]);
		if (!rc && strcmp(bs->name, n->s[i].name)) {
			char *note = NULL;

			if (asprintf(&note, "%s compared with %s of %s", n->s[i].name, bs->name,
				     c->base[latest].path) < 0)
				note = NULL;
			rc = add_note(c, note);
		}
		rc = rc ? rc : compare_cases(c, i, row);
		rc = rc ? rc : compare_times(c, &n->s[i], row);
		rc = rc ? rc : removed_cases(c, i, &c->base[latest], row[latest]);
		rc = rc ? rc : compare_findings(c, i, row, latest);
	}
	/* Sessions of the latest base run that the new run lacks. */
	if (!rc && c->nbase) {
		const struct run *r = &c->base[c->nbase - 1];

		base_used = calloc(r->n + 1, sizeof(*base_used));
		if (!base_used)
			rc = -ENOMEM;
		for (size_t i = 0; i < n->n && base_used; i++)
			if (match[c->nbase - 1][i] != SIZE_MAX)
				base_used[match[c->nbase - 1][i]] = true;
		for (size_t k = 0; k < r->n && !rc; k++) {
			if (base_used[k])
				continue;
			c->only_base++;
			char *note = NULL;

			if (asprintf(&note, "%s (%zu cases) of %s is not in %s", r->s[k].name,
				     r->s[k].ncases, r->path, n->path) < 0)
				note = NULL;
			rc = add_note(c, note);
		}
	}
	for (size_t b = 0; b < c->nbase; b++)
		free(match ? match[b] : NULL);
	free(match);
	free(row);
	free(base_used);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	*counts = c->counts;
	if (!c->counts.sessions) {
		snprintf(err, errlen, "nothing to compare: no testsuite of %s is in the base "
			 "(%zu %s, first %s)", n->path, c->nbase,
			 c->nbase == 1 ? "run" : "runs", c->nbase ? c->base[0].path : "-");
		return -ENOENT;
	}
	return 0;
}

unsigned hilt_compare_regressed(const struct hilt_compare_counts *counts,
				const struct hilt_compare_opts *o, unsigned which)
{
	unsigned r = 0;

	if (counts->regressions)
		r |= HILT_REGRESSED_CASES;
	if (counts->time_regressions)
		r |= HILT_REGRESSED_TIMES;
	if (counts->new_findings && !o->findings_notice)
		r |= HILT_REGRESSED_FINDINGS;
	return r & which;
}
