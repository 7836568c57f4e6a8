/* The template expander (template.h), writing into a base/buf. */
#include "base/template.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* At p: the name of a reference and its length, and where the reference
 * ends; NULL when p does not open one. */
static const char *reference(const char *p, enum hilt_template_syntax syntax,
			     const char **name, size_t *len)
{
	size_t open = syntax == HILT_TEMPLATE_DOLLAR ? 2 : 1;
	const char *close;

	if (syntax == HILT_TEMPLATE_DOLLAR ? (p[0] != '$' || p[1] != '{') : p[0] != '{')
		return NULL;
	close = strchr(p + open, '}');
	if (!close)
		return NULL;
	*name = p + open;
	*len = (size_t)(close - *name);
	return close + 1;
}

static int add_value(struct hilt_buf *out, const char *value,
		     size_t (*quote)(const char *, char *, size_t))
{
	size_t qlen;
	char *quoted;
	int rc;

	if (!quote)
		return hilt_buf_appends(out, value);
	qlen = quote(value, NULL, 0);
	quoted = malloc(qlen + 1);
	if (!quoted)
		return -ENOMEM;
	quote(value, quoted, qlen + 1);
	rc = hilt_buf_append(out, quoted, qlen);
	free(quoted);
	return rc;
}

char *hilt_template_expand(const char *tmpl, const struct hilt_template *t, char *err,
			   size_t errlen)
{
	const char *opening = t->syntax == HILT_TEMPLATE_DOLLAR ? "${" : "{";
	struct hilt_buf out = HILT_BUF_INIT;
	const char *p = tmpl, *name, *value, *next;
	size_t len;
	char *s;

	while (*p) {
		/* The text up to the next possible opening, whole. */
		size_t plain = strcspn(p, t->syntax == HILT_TEMPLATE_DOLLAR ? "$" : "{");

		if (plain && hilt_buf_append(&out, p, plain) < 0)
			goto err_memory;
		p += plain;
		if (!*p)
			break;
		next = reference(p, t->syntax, &name, &len);
		value = next ? t->lookup(name, len, t->arg) : NULL;
		if (next && !value && !t->keep_unknown) {
			snprintf(err, errlen, "no value for %s%.*s}", opening, (int)len, name);
			hilt_buf_free(&out);
			return NULL;
		}
		if (!value) {
			if (hilt_buf_append(&out, p, 1) < 0)
				goto err_memory;
			p++;
			continue;
		}
		if (add_value(&out, value, t->quote) < 0)
			goto err_memory;
		p = next;
	}
	s = hilt_buf_steal(&out, NULL);
	if (s)
		return s;
err_memory:
	hilt_buf_free(&out);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

static bool name_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

bool hilt_template_name_ok(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && name_char(name[i]); i++)
		;
	return len && i == len;
}

int hilt_template_each(const char *tmpl, enum hilt_template_syntax syntax, bool strict,
		       int (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	const char *p = tmpl;

	for (;;) {
		const char *at = syntax == HILT_TEMPLATE_DOLLAR ? strstr(p, "${") : strchr(p, '{');
		const char *name, *next;
		size_t len;
		int rc;

		if (!at)
			return 0;
		next = reference(at, syntax, &name, &len);
		if (!next)
			return strict ? -EINVAL : 0;	/* no '}' further on */
		if (!hilt_template_name_ok(name, len)) {
			if (strict)
				return -EINVAL;
			p = at + 1;
			continue;
		}
		rc = fn(name, len, arg);
		if (rc)
			return rc;
		p = next;
	}
}

const char *hilt_template_lookup_vars(const char *name, size_t len, void *arg)
{
	const struct hilt_template_vars *v = arg;

	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->names[i]) == len && !strncmp(v->names[i], name, len))
			return v->values[i];
	return NULL;
}
