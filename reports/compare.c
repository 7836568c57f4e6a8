#define _GNU_SOURCE
#include "reports/compare.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/text.h"
#include "reports/jread.h"

/* Changes shown in text and markdown (a tool that records its whole
 * environment as properties differs in many); json has them all. */
#define CHANGES_SHOWN 20

/* What of a failure message is kept for the report: its first line, cut. */
#define MESSAGE_MAX 240

/* Properties that differ from run to run whatever changed (times, paths
 * of this run's files, counts of bytes): never shown as a change. */
static const char *const volatile_props[] = {
	"session.", "milestone.", "console.log", "net.pcap", "net.frames_", "replay.bytes", "attempt",
	"output.error", "qemu.exit", "failure.pattern", "board.stale_bytes_drained",
	"board.console.reopened", "board.lock", "board.flash", "board.reset", "board.power",
	"suite.file", "target.source",
};

struct kcase {
	char *classname, *name;
	enum hilt_jverdict verdict;
	unsigned flaky;		/* earlier attempts that failed, beside a pass */
	char *message;
};

struct kprop {
	char *name, *value;
};

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

static const struct {
	const char *title, *json;
} cats[NCAT] = {
	[CAT_REGRESSION] = { "Regressions (passed in the base, fail now)", "regressions" },
	[CAT_TIME] = { "Boot-time regressions", "time_regressions" },
	[CAT_FIX] = { "Fixes (failed in the base, pass now)", "fixes" },
	[CAT_STILL] = { "Still failing", "still_failing" },
	[CAT_UNTESTED] = { "Failing, not tested in the base (skipped or in error there)",
			   "failing_untested" },
	[CAT_ERROR] = { "Infrastructure errors (not tested; never a regression of the device)",
			"errors" },
	[CAT_FLAKY] = { "Flaky (passed after failing attempts)", "flaky" },
	[CAT_NEW] = { "New cases", "new_cases" },
	[CAT_REMOVED] = { "Removed cases", "removed_cases" },
	[CAT_FASTER] = { "Faster milestones", "faster" },
};

struct item {
	enum cat cat;
	char *session, *name;
	char *base, *now;	/* verdicts or times, as shown */
	char *detail;		/* a message or the rule that fired; may be NULL */
	/* Times (CAT_TIME, CAT_FASTER) */
	double base_s, new_s, limit_s;
	size_t nbase;
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

/* ---- small helpers ---- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t *index_find(const struct index *ix, const char *key)
{
	if (!ix->cap)
		return NULL;
	for (size_t i = hash(key) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
		if (!ix->keys[i])
			return NULL;
		if (!strcmp(ix->keys[i], key))
			return &ix->vals[i];
	}
}

/* Adds key (copied) -> val, or sets it.  0 or -ENOMEM. */
static int index_put(struct index *ix, const char *key, size_t val)
{
	size_t *v = index_find(ix, key);

	if (v) {
		*v = val;
		return 0;
	}
	if (2 * (ix->n + 1) > ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 64;
		char **keys = calloc(cap, sizeof(*keys));
		size_t *vals = calloc(cap, sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		for (size_t i = 0; i < ix->cap; i++) {
			if (!ix->keys[i])
				continue;
			size_t j = hash(ix->keys[i]) & (cap - 1);

			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = ix->keys[i];
			vals[j] = ix->vals[i];
		}
		free(ix->keys);
		free(ix->vals);
		ix->keys = keys;
		ix->vals = vals;
		ix->cap = cap;
	}
	size_t i = hash(key) & (ix->cap - 1);

	while (ix->keys[i])
		i = (i + 1) & (ix->cap - 1);
	ix->keys[i] = strdup(key);
	if (!ix->keys[i])
		return -ENOMEM;
	ix->vals[i] = val;
	ix->n++;
	return 0;
}

static void index_free(struct index *ix)
{
	for (size_t i = 0; i < ix->cap; i++)
		free(ix->keys[i]);
	free(ix->keys);
	free(ix->vals);
	memset(ix, 0, sizeof(*ix));
}

static char *case_key(size_t session, const char *classname, const char *name)
{
	char *k = NULL;

	if (asprintf(&k, "%zu\x1f%s\x1f%s", session, classname ? classname : "", name) < 0)
		return NULL;
	return k;
}

/* The first line of a message, cut at MESSAGE_MAX bytes (at a character
 * boundary) with "..." when cut. */
static char *first_line(const char *s)
{
	size_t n;
	char *out;

	if (!s)
		return NULL;
	n = strcspn(s, "\r\n");
	bool cut = n > MESSAGE_MAX || s[n];

	if (n > MESSAGE_MAX) {
		n = MESSAGE_MAX;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (asprintf(&out, "%.*s%s", (int)n, s, cut ? "..." : "") < 0)
		return NULL;
	return out;
}

static bool is_volatile(const char *name)
{
	for (size_t i = 0; i < sizeof(volatile_props) / sizeof(volatile_props[0]); i++) {
		size_t n = strlen(volatile_props[i]);

		/* "x." and "x_" name a family */
		if (strchr("._", volatile_props[i][n - 1]) ? !strncmp(name, volatile_props[i], n)
						     : !strcmp(name, volatile_props[i]))
			return true;
	}
	return false;
}

/* ---- reading a run ---- */

struct loading {
	struct run *r;
	int rc;
	/* The session being read: made at its first case or its end. */
	bool open;
	size_t cur;
	const struct hilt_jsuite *of;
};

static int session_open(struct loading *l, const struct hilt_jsuite *js)
{
	struct run *r = l->r;
	struct ksession *s;
	size_t *seen, nth;

	if (l->open && l->of == js)
		return 0;
	r->s = hilt_grow(r->s, r->n + 1, &r->cap, sizeof(*r->s), 16);
	if (!r->s)
		return -ENOMEM;
	s = &r->s[r->n];
	memset(s, 0, sizeof(*s));
	seen = index_find(&r->names, js->name);
	nth = seen ? *seen + 1 : 1;
	if (index_put(&r->names, js->name, nth))
		return -ENOMEM;
	s->name = strdup(js->name);
	if (nth > 1 ? asprintf(&s->key, "%s#%zu", js->name, nth) < 0
		    : !(s->key = strdup(js->name)))
		s->key = NULL;
	if (!s->name || !s->key)
		return -ENOMEM;
	r->n++;
	l->open = true;
	l->of = js;
	l->cur = r->n - 1;
	return index_put(&r->sessions, s->key, l->cur);
}

static int on_case(void *arg, const struct hilt_jsuite *js, const struct hilt_jcase *jc)
{
	struct loading *l = arg;
	struct ksession *s;
	struct kcase *c;
	char *key;
	int rc = session_open(l, js);

	if (rc)
		return rc;
	s = &l->r->s[l->cur];
	s->cases = hilt_grow(s->cases, s->ncases + 1, &s->capcases, sizeof(*s->cases), 8);
	if (!s->cases)
		return -ENOMEM;
	c = &s->cases[s->ncases];
	memset(c, 0, sizeof(*c));
	c->name = strdup(jc->name);
	/* hilt names a case's class after its testsuite (SUITE@TARGET): left
	 * out of the key, so a session that moved to another target still
	 * matches. */
	bool own = jc->classname && strcmp(jc->classname, js->name);

	c->classname = own ? strdup(jc->classname) : NULL;
	c->verdict = jc->verdict;
	c->flaky = jc->verdict == HILT_JPASS ? jc->flaky : 0;
	c->message = first_line(jc->message && *jc->message ? jc->message : jc->detail.s);
	if (!c->name)
		return -ENOMEM;
	s->ncases++;
	key = case_key(l->cur, c->classname, jc->name);
	rc = key ? index_put(&l->r->cases, key, s->ncases - 1) : -ENOMEM;
	free(key);
	return rc;
}

static int on_suite_end(void *arg, const struct hilt_jsuite *js)
{
	struct loading *l = arg;
	struct ksession *s;
	size_t nprops = 0, nms = 0;
	int rc;

	/* A testsuite that only holds others is not a session of its own. */
	if (!(l->open && l->of == js) && !js->ncases && !js->nprops)
		return 0;
	rc = session_open(l, js);
	if (rc)
		return rc;
	s = &l->r->s[l->cur];
	l->open = false;
	l->of = NULL;
	s->props = calloc(js->nprops + 1, sizeof(*s->props));
	s->ms = calloc(js->nprops + 1, sizeof(*s->ms));
	if (!s->props || !s->ms)
		return -ENOMEM;
	for (size_t i = 0; i < js->nprops; i++) {
		const char *n = js->props[i].name, *v = js->props[i].value;
		size_t len = strlen(n);

		if (!strncmp(n, "milestone.", 10) && len > 15 && !strcmp(n + len - 5, ".time")) {
			double t = hilt_jread_seconds(v);

			if (t < 0)
				continue;
			s->ms[nms].name = strndup(n + 10, len - 15);
			s->ms[nms].t = t;
			if (!s->ms[nms++].name)
				return -ENOMEM;
			continue;
		}
		if (!strcmp(n, "target")) {
			free(s->target);
			s->target = strdup(v);
		}
		if (is_volatile(n))
			continue;
		s->props[nprops].name = strdup(n);
		s->props[nprops].value = strdup(v);
		if (!s->props[nprops].name || !s->props[nprops].value) {
			nprops++;
			return -ENOMEM;
		}
		nprops++;
	}
	s->nprops = nprops;
	s->nms = nms;
	return 0;
}

static void run_free(struct run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct ksession *s = &r->s[i];

		for (size_t k = 0; k < s->ncases; k++) {
			free(s->cases[k].classname);
			free(s->cases[k].name);
			free(s->cases[k].message);
		}
		free(s->cases);
		for (size_t k = 0; k < s->nprops; k++) {
			free(s->props[k].name);
			free(s->props[k].value);
		}
		free(s->props);
		for (size_t k = 0; k < s->nms; k++)
			free(s->ms[k].name);
		free(s->ms);
		free(s->key);
		free(s->name);
		free(s->target);
	}
	free(r->s);
	index_free(&r->sessions);
	index_free(&r->cases);
	index_free(&r->names);
	free(r->path);
}

static int run_load(struct run *r, const char *path, char *err, size_t errlen)
{
	static const struct hilt_jread_ops ops = { on_case, on_suite_end };
	struct loading l = { .r = r };
	int rc;

	memset(r, 0, sizeof(*r));
	r->path = strdup(path);
	if (!r->path)
		rc = -ENOMEM;
	else
		rc = hilt_jread_file(path, &ops, &l, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	if (!rc && !r->n) {
		snprintf(err, errlen, "%s: no testsuite in it: nothing to compare", path);
		rc = -EINVAL;
	}
	if (rc)
		run_free(r);
	return rc;
}

int hilt_compare_new(const struct hilt_compare_opts *o, struct hilt_compare **out)
{
	struct hilt_compare *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->o = *o;
	*out = c;
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
	rc = run_load(&c->base[c->nbase], path, err, errlen);
	if (!rc)
		c->nbase++;
	return rc;
}

int hilt_compare_set_new(struct hilt_compare *c, const char *path, char *err, size_t errlen)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc = r ? run_load(r, path, err, errlen) : -ENOMEM;

	if (rc) {
		free(r);
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", path);
		return rc;
	}
	if (c->newrun) {
		run_free(c->newrun);
		free(c->newrun);
	}
	c->newrun = r;
	return 0;
}

void hilt_compare_free(struct hilt_compare *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbase; i++)
		run_free(&c->base[i]);
	free(c->base);
	if (c->newrun) {
		run_free(c->newrun);
		free(c->newrun);
	}
	for (size_t i = 0; i < c->nitems; i++) {
		free(c->items[i].session);
		free(c->items[i].name);
		free(c->items[i].base);
		free(c->items[i].now);
		free(c->items[i].detail);
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
		size_t *j = index_find(&r->sessions, n->s[i].key);

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
			key = case_key(match[b], nc->classname, nc->name);
			if (!key)
				return -ENOMEM;
			j = index_find(&c->base[b].cases, key);
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

/* Cases of the latest base run's session that the new one lacks. */
static int removed_cases(struct hilt_compare *c, size_t ni, const struct run *r, size_t bi)
{
	const struct ksession *bs = &r->s[bi];
	int rc = 0;

	for (size_t k = 0; k < bs->ncases && !rc; k++) {
		char *key = case_key(ni, bs->cases[k].classname, bs->cases[k].name);

		if (!key)
			return -ENOMEM;
		if (!index_find(&c->newrun->cases, key)) {
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

/* ---- writing ---- */

/* s as one inert line (device text: no control bytes, valid UTF-8). */
static char *inert(const char *s)
{
	return hilt_text_inert(s ? s : "", s ? strlen(s) : 0, HILT_TEXT_TERMINAL);
}

/* Markdown table cell: inert, pipes escaped, bounded. */
static void md_cell(FILE *f, const char *s)
{
	char *clean = inert(s);

	for (const char *p = clean ? clean : ""; *p; p++) {
		if (*p == '|' || *p == '\\' || *p == '`' || *p == '<' || *p == '*' || *p == '_')
			fputc('\\', f);
		fputc(*p, f);
	}
	free(clean);
}

static size_t count_cat(const struct hilt_compare *c, enum cat cat)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nitems; i++)
		n += c->items[i].cat == cat;
	return n;
}

static void write_text(struct hilt_compare *c, FILE *f)
{
	const struct hilt_compare_counts *k = &c->counts;

	fprintf(f, "Base: ");
	for (size_t b = 0; b < c->nbase; b++)
		fprintf(f, "%s%s", b ? ", " : "", c->base[b].path);
	fprintf(f, "\nNew:  %s\n", c->newrun->path);
	fprintf(f, "\nChanged between the runs:%s\n", c->nchanges ? "" : " nothing hilt records");
	for (size_t i = 0; i < c->nchanges && i < CHANGES_SHOWN; i++) {
		char *name = inert(c->changes[i].name), *from = inert(c->changes[i].from),
		     *to = inert(c->changes[i].to);

		fprintf(f, "  %s: %s -> %s (%zu %s)\n", name, from, to, c->changes[i].sessions,
			c->changes[i].sessions == 1 ? "session" : "sessions");
		free(name);
		free(from);
		free(to);
	}
	if (c->nchanges > CHANGES_SHOWN)
		fprintf(f, "  ... and %zu more (--format json lists them all)\n",
			c->nchanges - CHANGES_SHOWN);
	for (enum cat cat = 0; cat < NCAT; cat++) {
		size_t n = count_cat(c, cat);

		if (!n)
			continue;
		fprintf(f, "\n%s: %zu\n", cats[cat].title, n);
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			char *s = inert(it->session), *nm = inert(it->name),
			     *d = it->detail ? inert(it->detail) : NULL;

			fprintf(f, "  %s > %s: %s -> %s%s%s\n", s, nm, it->base, it->now,
				d ? ": " : "", d ? d : "");
			free(s);
			free(nm);
			free(d);
		}
	}
	if (c->nnotes) {
		fprintf(f, "\nNot compared, or compared across targets:\n");
		for (size_t i = 0; i < c->nnotes; i++) {
			char *s = inert(c->notes[i]);

			fprintf(f, "  %s\n", s);
			free(s);
		}
	}
	fprintf(f, "\n%zu %s compared in %zu %s: %zu %s, %zu boot-time %s, %zu %s, "
		"%zu still failing, %zu infrastructure %s, %zu new, %zu removed\n",
		k->compared, k->compared == 1 ? "case" : "cases", k->sessions,
		k->sessions == 1 ? "session" : "sessions", k->regressions,
		k->regressions == 1 ? "regression" : "regressions", k->time_regressions,
		k->time_regressions == 1 ? "regression" : "regressions", k->fixes,
		k->fixes == 1 ? "fix" : "fixes", k->still_failing, k->errors,
		k->errors == 1 ? "error" : "errors", k->new_cases, k->removed_cases);
}

static void write_markdown(struct hilt_compare *c, FILE *f)
{
	const struct hilt_compare_counts *k = &c->counts;
	bool bad = k->regressions || k->time_regressions;

	fprintf(f, "### hilt: %s\n\n", bad ? "regressions found" : "no regressions");
	fprintf(f, "%zu cases compared in %zu sessions: **%zu regressions**, **%zu boot-time "
		"regressions**, %zu fixes, %zu still failing, %zu infrastructure errors, "
		"%zu new, %zu removed.\n",
		k->compared, k->sessions, k->regressions, k->time_regressions, k->fixes,
		k->still_failing, k->errors, k->new_cases, k->removed_cases);
	if (c->nchanges) {
		fprintf(f, "\n#### Changed between the runs\n\n| Property | Base | New | Sessions |\n"
			"| --- | --- | --- | --- |\n");
		for (size_t i = 0; i < c->nchanges && i < CHANGES_SHOWN; i++) {
			fputs("| ", f);
			md_cell(f, c->changes[i].name);
			fputs(" | ", f);
			md_cell(f, c->changes[i].from);
			fputs(" | ", f);
			md_cell(f, c->changes[i].to);
			fprintf(f, " | %zu |\n", c->changes[i].sessions);
		}
		if (c->nchanges > CHANGES_SHOWN)
			fprintf(f, "\n... and %zu more.\n", c->nchanges - CHANGES_SHOWN);
	}
	for (enum cat cat = 0; cat < NCAT; cat++) {
		size_t n = count_cat(c, cat);

		if (!n)
			continue;
		fprintf(f, "\n#### %s: %zu\n\n| Session | Case | Base | New | Detail |\n"
			"| --- | --- | --- | --- | --- |\n", cats[cat].title, n);
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			fputs("| ", f);
			md_cell(f, it->session);
			fputs(" | ", f);
			md_cell(f, it->name);
			fputs(" | ", f);
			md_cell(f, it->base);
			fputs(" | ", f);
			md_cell(f, it->now);
			fputs(" | ", f);
			md_cell(f, it->detail ? it->detail : "");
			fputs(" |\n", f);
		}
	}
	if (c->nnotes) {
		fprintf(f, "\n#### Not compared, or compared across targets\n\n");
		for (size_t i = 0; i < c->nnotes; i++) {
			fputs("- ", f);
			md_cell(f, c->notes[i]);
			fputc('\n', f);
		}
	}
}

static void write_json(struct hilt_compare *c, FILE *f)
{
	const struct hilt_compare_counts *k = &c->counts;

	fprintf(f, "{\n  \"base\": [");
	for (size_t b = 0; b < c->nbase; b++) {
		fputs(b ? ", " : "", f);
		hilt_json_str(f, c->base[b].path);
	}
	fprintf(f, "],\n  \"new\": ");
	hilt_json_str(f, c->newrun->path);
	fprintf(f, ",\n  \"thresholds\": {\"relative\": %g, \"floor_s\": %g, \"mad_k\": %g},\n",
		c->o.threshold, c->o.floor_s, c->o.mad_k);
	fprintf(f, "  \"counts\": {\"compared\": %zu, \"sessions\": %zu, \"regressions\": %zu, "
		"\"time_regressions\": %zu, \"fixes\": %zu, \"still_failing\": %zu, "
		"\"failing_untested\": %zu, \"errors\": %zu, \"new_cases\": %zu, "
		"\"removed_cases\": %zu, \"faster\": %zu, \"flaky\": %zu},\n",
		k->compared, k->sessions, k->regressions, k->time_regressions, k->fixes,
		k->still_failing, k->untested, k->errors, k->new_cases, k->removed_cases,
		k->faster, k->flaky);
	fprintf(f, "  \"changes\": [");
	for (size_t i = 0; i < c->nchanges; i++) {
		fprintf(f, "%s\n    {\"property\": ", i ? "," : "");
		hilt_json_str(f, c->changes[i].name);
		fputs(", \"base\": ", f);
		hilt_json_str(f, c->changes[i].from);
		fputs(", \"new\": ", f);
		hilt_json_str(f, c->changes[i].to);
		fprintf(f, ", \"sessions\": %zu}", c->changes[i].sessions);
	}
	fprintf(f, "%s]", c->nchanges ? "\n  " : "");
	for (enum cat cat = 0; cat < NCAT; cat++) {
		bool first = true;

		fprintf(f, ",\n  \"%s\": [", cats[cat].json);
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			fprintf(f, "%s\n    {\"session\": ", first ? "" : ",");
			first = false;
			hilt_json_str(f, it->session);
			fputs(cat == CAT_TIME || cat == CAT_FASTER ? ", \"milestone\": " : ", \"case\": ",
			      f);
			hilt_json_str(f, it->name);
			if (cat == CAT_TIME || cat == CAT_FASTER) {
				fprintf(f, ", \"base_s\": %.3f, \"new_s\": %.3f, \"limit_s\": %.3f, "
					"\"base_runs\": %zu", it->base_s, it->new_s, it->limit_s,
					it->nbase);
			} else {
				fputs(", \"base\": ", f);
				hilt_json_str(f, it->base);
				fputs(", \"new\": ", f);
				hilt_json_str(f, it->now);
			}
			if (it->detail) {
				fputs(cat == CAT_TIME || cat == CAT_FASTER ? ", \"rule\": "
									   : ", \"message\": ", f);
				hilt_json_str(f, it->detail);
			}
			fputc('}', f);
		}
		fprintf(f, "%s]", first ? "" : "\n  ");
	}
	fprintf(f, ",\n  \"not_compared\": [");
	for (size_t i = 0; i < c->nnotes; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		hilt_json_str(f, c->notes[i]);
	}
	fprintf(f, "%s]\n}\n", c->nnotes ? "\n  " : "");
}

int hilt_compare_write(struct hilt_compare *c, enum hilt_compare_format fmt, FILE *f)
{
	switch (fmt) {
	case HILT_COMPARE_MARKDOWN:
		write_markdown(c, f);
		break;
	case HILT_COMPARE_JSON:
		write_json(c, f);
		break;
	default:
		write_text(c, f);
		break;
	}
	return fflush(f) || ferror(f) ? -EIO : 0;
}
