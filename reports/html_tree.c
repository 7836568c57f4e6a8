/* hilt report html: a session's cases whose names are paths
 * (kunit/list-kernel-test/list_test_list_init) grouped by their prefixes,
 * a tree with the counts of everything under each group. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "reports/html.h"
#include "reports/html_int.h"
#include "reports/jread.h"

/* Where the last '/' of name[0..len) outside brackets is (a parameter's
 * value, test_x[a/b], is not a path), or NONE. */
static size_t last_slash(const char *name, size_t len)
{
	size_t at = NONE, depth = 0;

	for (size_t i = 0; i < len; i++)
		if (name[i] == '[')
			depth++;
		else if (name[i] == ']' && depth)
			depth--;
		else if (name[i] == '/' && !depth)
			at = i;
	return at;
}

static size_t prefix_hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* The slot of prefix key[0..len): its group's, or the empty one where it
 * goes. */
static size_t *slot_of(const struct htree *t, const char *key, size_t len)
{
	size_t mask = t->nslot - 1;

	for (size_t i = prefix_hash(key, len) & mask;; i = (i + 1) & mask) {
		size_t *sl = &t->slot[i];
		const struct hgroup *g = *sl ? &t->g[*sl - 1] : NULL;

		if (!g || (g->len == len && !memcmp(g->key, key, len)))
			return sl;
	}
}

/* The group of prefix key[0..len), made (with the groups above it) when
 * there is none yet; NONE when memory runs out. */
static size_t group_of(struct htree *t, const char *key, size_t len)
{
	size_t *sl, parent = NONE, at, gi;

	if (t->nslot && *(sl = slot_of(t, key, len)))
		return *sl - 1;
	at = last_slash(key, len);
	if (at != NONE && at > 0 && (parent = group_of(t, key, at)) == NONE)
		return NONE;
	/* Room for one more, at most half full. */
	if (2 * (t->ng + 1) > t->nslot) {
		size_t n = t->nslot ? 2 * t->nslot : 64, *old = t->slot, nold = t->nslot;

		if (!(t->slot = calloc(n, sizeof(*t->slot)))) {
			t->slot = old;
			return NONE;
		}
		t->nslot = n;
		for (size_t i = 0; i < nold; i++)
			if (old[i])
				*slot_of(t, t->g[old[i] - 1].key, t->g[old[i] - 1].len) = old[i];
		free(old);
	}
	struct hgroup *v = hilt_grow(t->g, t->ng + 1, &t->capg, sizeof(*v), 16);

	if (!v)
		return NONE;
	t->g = v;
	gi = t->ng++;
	v[gi] = (struct hgroup){
		.key = key, .len = len, .seg = parent == NONE ? 0 : at + 1, .parent = parent,
		.first_child = NONE, .last_child = NONE, .next = NONE,
	};
	size_t *last = parent == NONE ? &t->last_root : &v[parent].last_child;
	size_t *first = parent == NONE ? &t->first_root : &v[parent].first_child;

	if (*last == NONE)
		*first = gi;
	else
		v[*last].next = gi;
	*last = gi;
	*slot_of(t, key, len) = gi + 1;
	return gi;
}

void html_tree_free(struct htree *t)
{
	free(t->g);
	free(t->slot);
	free(t->of);
	free(t->order);
	memset(t, 0, sizeof(*t));
	t->first_root = t->last_root = NONE;
}

/* Groups the session's cases whose names are paths by their prefix, in
 * the order they first come: linear in the cases (a hash of the
 * prefixes).  When memory runs out the cases are shown as they come,
 * ungrouped. */
void html_tree_build(struct hsession *s)
{
	struct htree *t = &s->tree;
	size_t grouped = 0;

	html_tree_free(t);
	if (!s->ncases || !(t->of = malloc(s->ncases * sizeof(*t->of))))
		return;
	for (size_t i = 0; i < s->ncases; i++) {
		const struct hcase *c = &s->cases[i];
		size_t len = c->name ? strlen(c->name) : 0;
		size_t at = c->name ? last_slash(c->name, len) : NONE;

		t->of[i] = NONE;
		if (at == NONE || at == 0 || at + 1 == len)
			continue;
		if ((t->of[i] = group_of(t, c->name, at)) == NONE)
			goto fail;
		struct hgroup *g = &t->g[t->of[i]];

		g->ncases++;
		g->n[c->v]++;
		g->crashed += c->kind == K_CRASHED;
		g->missing += c->kind == K_MISSING;
		grouped++;
	}
	if (!t->ng) {
		html_tree_free(t);
		return;
	}
	if (!(t->order = malloc(grouped * sizeof(*t->order))))
		goto fail;
	/* Each group's cases together, in their order: a counting sort. */
	size_t end = 0;

	for (size_t gi = 0; gi < t->ng; gi++)
		t->g[gi].first = end += t->g[gi].ncases;
	for (size_t i = s->ncases; i--;)
		if (t->of[i] != NONE)
			t->order[--t->g[t->of[i]].first] = i;
	/* The counts of everything under a group: its groups come after it. */
	for (size_t gi = t->ng; gi--;) {
		const struct hgroup *g = &t->g[gi];

		if (g->parent == NONE)
			continue;
		for (int v = 0; v <= HILT_JSKIP; v++)
			t->g[g->parent].n[v] += g->n[v];
		t->g[g->parent].crashed += g->crashed;
		t->g[g->parent].missing += g->missing;
	}
	return;
fail:
	html_tree_free(t);
}

