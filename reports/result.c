#include "reports/result.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

void hilt_session_result_free(struct hilt_session_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncases; i++) {
		free(r->cases[i].name);
		free(r->cases[i].type);
		free(r->cases[i].message);
		free(r->cases[i].detail);
		free(r->cases[i].output);
		free(r->cases[i].excerpt);
		for (size_t j = 0; j < r->cases[i].nearlier; j++) {
			struct hilt_case_attempt *a = &r->cases[i].earlier[j];

			free(a->type);
			free(a->message);
			free(a->detail);
			free(a->target);
			free(a->console_log);
		}
		free(r->cases[i].earlier);
	}
	for (size_t i = 0; i < r->nprops; i++) {
		free(r->props[i].name);
		free(r->props[i].value);
	}
	for (size_t i = 0; i < r->nfindings; i++) {
		free(r->findings[i].title);
		free(r->findings[i].kind);
		free(r->findings[i].line);
		free(r->findings[i].block);
	}
	free(r->findings);
	free(r->cases);
	free(r->props);
	free(r->suite);
	free(r->target);
	free(r->timestamp);
	free(r->console_tail);
	free(r->diagnostics);
	free(r->console_log);
	free(r->output_error);
	free(r);
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = true;
	return d;
}

int hilt_result_add_case(struct hilt_session_result *r, const struct hilt_case_result *c)
{
	if (r->cases_cap < r->ncases)
		r->cases_cap = r->ncases;	/* a first calloc'd array */
	struct hilt_case_result *v = hilt_grow(r->cases, r->ncases + 1, &r->cases_cap,
					       sizeof(*v), 16);
	bool oom = false;

	if (!v)
		return -ENOMEM;
	r->cases = v;
	struct hilt_case_result *n = &v[r->ncases];

	*n = (struct hilt_case_result){
		.verdict = c->verdict, .time_s = c->time_s, .at_s = c->at_s,
		.as_error = c->as_error,
	};
	n->name = dup_or_null(c->name, &oom);
	n->type = dup_or_null(c->type, &oom);
	n->message = dup_or_null(c->message, &oom);
	n->detail = dup_or_null(c->detail, &oom);
	n->output = dup_or_null(c->output, &oom);
	if (c->excerpt && (n->excerpt = malloc(c->excerpt_len + 1))) {
		memcpy(n->excerpt, c->excerpt, c->excerpt_len);
		n->excerpt[c->excerpt_len] = '\0';
		n->excerpt_len = c->excerpt_len;
	}
	oom |= c->excerpt && !n->excerpt;
	r->ncases++;
	return oom ? -ENOMEM : 0;
}

int hilt_result_add_property(struct hilt_session_result *r, const char *name,
			     const char *value)
{
	struct hilt_property *p = realloc(r->props, (r->nprops + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	r->props = p;
	p[r->nprops].name = strdup(name);
	p[r->nprops].value = strdup(value);
	if (!p[r->nprops].name || !p[r->nprops].value) {
		free(p[r->nprops].name);
		free(p[r->nprops].value);
		return -ENOMEM;
	}
	r->nprops++;
	return 0;
}

const char *hilt_verdict_name(enum hilt_verdict v)
{
	switch (v) {
	case HILT_PASS: return "PASS";
	case HILT_FAIL: return "FAIL";
	case HILT_ERROR: return "ERROR";
	case HILT_SKIP: return "SKIP";
	}
	return "?";
}

int hilt_case_add_earlier(struct hilt_case_result *c, const struct hilt_case_attempt *a)
{
	struct hilt_case_attempt *e = realloc(c->earlier, (c->nearlier + 1) * sizeof(*e));
	bool failed = false;

	if (!e)
		return -ENOMEM;
	c->earlier = e;
	e = &e[c->nearlier];
	*e = *a;
	e->type = dup_or_null(a->type, &failed);
	e->message = dup_or_null(a->message, &failed);
	e->detail = dup_or_null(a->detail, &failed);
	e->target = dup_or_null(a->target, &failed);
	e->console_log = dup_or_null(a->console_log, &failed);
	c->nearlier++;
	return failed ? -ENOMEM : 0;
}

int hilt_result_add_finding(struct hilt_session_result *r, const struct hilt_finding_result *f)
{
	struct hilt_finding_result *v = realloc(r->findings, (r->nfindings + 1) * sizeof(*v));
	struct hilt_finding_result *n;

	if (!v)
		return -ENOMEM;
	r->findings = v;
	n = &v[r->nfindings];
	*n = (struct hilt_finding_result){
		.title = strdup(f->title ? f->title : ""),
		.kind = strdup(f->kind ? f->kind : ""),
		.count = f->count,
		.line = strdup(f->line ? f->line : ""),
		.block = malloc(f->block_len + 1),
		.block_len = f->block_len,
		.at_s = f->at_s,
	};
	if (!n->title || !n->kind || !n->line || !n->block) {
		free(n->title);
		free(n->kind);
		free(n->line);
		free(n->block);
		return -ENOMEM;
	}
	if (f->block_len)
		memcpy(n->block, f->block, f->block_len);
	n->block[f->block_len] = '\0';
	r->nfindings++;
	return 0;
}
