/* libFuzzer harness: the JUnit reader of `hilt report compare/html/
 * merge` (reports/jread.c) takes any file.  What it hands over keeps its
 * promises (names never NULL, texts within their caps, cut at a UTF-8
 * character and NUL-terminated, verdicts and counts in range); a file it
 * refuses is refused with one "FILE:LINE: why" line naming a line of
 * the file; nothing crashes, reads out of bounds or leaks.  Built and
 * run by tests/fuzz/run.sh. */
#include <errno.h>

#include "reports/jread.h"
#include "load_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in;
static size_t in_size;

static void check_text(const struct hilt_jtext *t, size_t cap)
{
	if (!t->s) {
		if (t->len || t->total)
			lc_fail("an absent text with a length", "", in, in_size);
		return;
	}
	if (t->len > cap || strlen(t->s) > t->len || t->len > t->total)
		lc_fail("a text beyond its cap or its length", "", in, in_size);
	/* Not cut inside a UTF-8 character: the last lead byte's sequence
	 * is whole. */
	size_t i = t->len;

	while (i > 0 && ((unsigned char)t->s[i - 1] & 0xc0) == 0x80 && t->len - i < 4)
		i--;
	if (i > 0 && t->len < t->total) {
		unsigned char lead = (unsigned char)t->s[i - 1];
		size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;

		if (lead >= 0xc0 && t->len - (i - 1) < need)
			lc_fail("a cut text ends inside a UTF-8 character", "", in, in_size);
	}
}

static void check_suite(const struct hilt_jsuite *s)
{
	if (!s->name || s->nprops > HILT_JREAD_PROPS_MAX || (s->time_s < 0 && s->time_s != -1))
		lc_fail("a testsuite with no name, too many properties or a bad time", "", in,
			in_size);
	for (size_t i = 0; i < s->nprops; i++)
		if (!s->props[i].name || !s->props[i].value)
			lc_fail("a property without a name or value", "", in, in_size);
	check_text(&s->out, HILT_JREAD_TEXT_MAX);
}

static int on_case(void *arg, const struct hilt_jsuite *s, const struct hilt_jcase *c)
{
	(void)arg;
	check_suite(s);
	if (!c->name || c->verdict < HILT_JPASS || c->verdict > HILT_JSKIP || c->line < 1 ||
	    (c->time_s < 0 && c->time_s != -1))
		lc_fail("a testcase with no name, a bad verdict, line or time", "", in, in_size);
	if ((c->message && strlen(c->message) > HILT_JREAD_ATTR_MAX) ||
	    (c->type && strlen(c->type) > HILT_JREAD_ATTR_MAX))
		lc_fail("an attribute beyond its cap", "", in, in_size);
	check_text(&c->detail, HILT_JREAD_TEXT_MAX);
	check_text(&c->out, HILT_JREAD_TEXT_MAX);
	if (!hilt_jverdict_name(c->verdict))
		lc_fail("a verdict without a name", "", in, in_size);
	return 0;
}

static int on_suite_end(void *arg, const struct hilt_jsuite *s)
{
	(void)arg;
	check_suite(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hilt_jread_ops ops = { on_case, on_suite_end };
	char err[2048] = "";
	const char *path = lc_write(data, size);

	in = data;
	in_size = size;
	int rc = hilt_jread_file(path, &ops, NULL, err, sizeof(err));

	if (rc && rc != -EINVAL)
		lc_fail("neither read nor refused as not JUnit", err, data, size);
	if (rc && strchr(err, '\n'))
		lc_fail("a refusal of more than one line", err, data, size);
	lc_check(rc, path, err, data, size);
	return 0;
}
