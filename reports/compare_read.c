/* Comparing runs, the reading: a run's JUnit, streamed through
 * reports/jread, made into sessions (with their cases, properties and
 * milestones) and indexes by session and case. */
#define _GNU_SOURCE
#include "reports/compare_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

/* What of a failure message is kept for the report: its first line, cut. */
#define MESSAGE_MAX 240

/* Properties that differ from run to run whatever changed (times, paths
 * of this run's files, counts of bytes): never shown as a change. */
static const char *const volatile_props[] = {
	"session.", "milestone.", "console.log", "net.pcap", "net.frames_", "replay.bytes", "attempt",
	"output.error", "qemu.exit", "failure.pattern", "board.stale_bytes_drained",
	"board.console.reopened", "board.lock", "board.flash", "board.reset", "board.power",
	"suite.file", "target.source",
	/* kernel findings: compared apart, by title */
	"finding.", "findings.",
};

/* ---- small helpers ---- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

size_t *hilt_compare_index_find(const struct index *ix, const char *key)
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
	size_t *v = hilt_compare_index_find(ix, key);

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

char *hilt_compare_case_key(size_t session, const char *classname, const char *name)
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

/* ---- kernel findings ---- */

/* Adds a finding of that title (copied), or returns the one there. */
static struct hilt_jfound *find_add(struct ksession *s, const char *title)
{
	return hilt_jfound_add(&s->finds, &s->nfinds, &s->capfinds, title);
}

/* The session's findings from its finding.N.* properties, in the order of
 * N; after them those only a <failure type="finding"> case told of. */
static int read_findings(struct ksession *s, const struct hilt_jsuite *js)
{
	struct hilt_jfound *had = s->finds;
	size_t nhad = s->nfinds, nslot;
	struct hilt_jfinding *slot;
	int rc = hilt_jsuite_findings(js, &slot, &nslot);

	if (rc < 0 || !nslot)
		return rc;
	s->finds = NULL;
	s->nfinds = s->capfinds = 0;
	for (size_t i = 0; i < nslot && !rc; i++) {
		const struct hilt_jfinding *fs = &slot[i];
		struct hilt_jfound *f = find_add(s, fs->title);

		if (!f) {
			rc = -ENOMEM;
			break;
		}
		if (fs->kind && *fs->kind && !f->kind && !(f->kind = strdup(fs->kind)))
			rc = -ENOMEM;
		if (fs->line && !f->line && !(f->line = strdup(fs->line)))
			rc = -ENOMEM;
		if (fs->count)
			f->count = fs->count;
	}
	/* Those of the cases: a first line from their block where the
	 * properties gave none */
	for (size_t i = 0; i < nhad && !rc; i++) {
		struct hilt_jfound *f = find_add(s, had[i].title);

		if (!f) {
			rc = -ENOMEM;
		} else if (!f->line) {
			f->line = had[i].line;
			had[i].line = NULL;
		}
	}
	for (size_t i = 0; i < nhad; i++)
		hilt_jfound_clear(&had[i]);
	free(had);
	free(slot);
	return rc;
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
	seen = hilt_compare_index_find(&r->names, js->name);
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
	/* A kernel finding's case is no test verdict: it is compared as a
	 * finding, by its title. */
	if (jc->verdict == HILT_JFAIL && jc->type && !strcmp(jc->type, "finding")) {
		struct hilt_jfound *f = find_add(s, jc->name);

		/* the block's first line is the report's */
		if (f && !f->line && jc->detail.s && *jc->detail.s) {
			size_t n = strcspn(jc->detail.s, "\r\n");

			if (n > MESSAGE_MAX) {
				n = MESSAGE_MAX;
				while (n && ((unsigned char)jc->detail.s[n] & 0xC0) == 0x80)
					n--;
			}
			f->line = strndup(jc->detail.s, n);
		}
		return f ? 0 : -ENOMEM;
	}
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
	key = hilt_compare_case_key(l->cur, c->classname, jc->name);
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
	return read_findings(s, js);
}

void hilt_compare_run_free(struct run *r)
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
		for (size_t k = 0; k < s->nfinds; k++)
			hilt_jfound_clear(&s->finds[k]);
		free(s->finds);
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

int hilt_compare_run_load(struct run *r, const char *path, char *err, size_t errlen)
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
		hilt_compare_run_free(r);
	return rc;
}
