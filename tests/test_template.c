/* The template expander (base/template.c) in both syntaxes: a suite's
 * ${name} (an unknown name is an error, values quoted for a regex) and a
 * farm's {name} (an unknown name stays as written). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/template.h"
#include "check.h"
#include "runner/engine/matcher.h"
#include "runner/engine/suite.h"

static const char *const names[] = { "ip", "port", "empty", "a1_B" };
static const char *const values[] = { "10.0.2.15", "/dev/ttyUSB0", "", "x.y*" };
static struct hilt_template_vars vars = { names, values, 4 };

static char *dollar(const char *tmpl, bool quote, char *err, size_t errlen)
{
	struct hilt_template t = {
		.syntax = HILT_TEMPLATE_DOLLAR, .lookup = hilt_template_lookup_vars,
		.arg = &vars, .quote = quote ? hilt_regex_quote : NULL,
	};

	return hilt_template_expand(tmpl, &t, err, errlen);
}

static int suite_syntax(void)
{
	static const struct {
		const char *tmpl, *want;
		bool quote;
	} t[] = {
		{ "", "", false },
		{ "no reference", "no reference", false },
		{ "ping ${ip}", "ping 10.0.2.15", false },
		{ "${ip}${port}", "10.0.2.15/dev/ttyUSB0", false },
		{ "[${empty}]", "[]", false },
		{ "$ip {ip} $", "$ip {ip} $", false },
		{ "cost $5 ${a1_B}", "cost $5 x.y*", false },
		{ "${ip} unterminated ${ip", "10.0.2.15 unterminated ${ip", false },
		{ "re ${a1_B}$", "re x\\.y\\*$", true },
		{ "${ip}", "10\\.0\\.2\\.15", true },
	};
	char err[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = dollar(t[i].tmpl, t[i].quote, err, sizeof(err));
		/* The same as the suite's expander gives. */
		char *suite = hilt_expand_vars(t[i].tmpl, names, values, 4, t[i].quote, err,
					       sizeof(err));

		CHECK(got && !strcmp(got, t[i].want), "'%s': '%s', want '%s'", t[i].tmpl,
		      got ? got : "(null)", t[i].want);
		CHECK(suite && got && !strcmp(got, suite), "'%s': suite's '%s'", t[i].tmpl,
		      suite ? suite : "(null)");
		free(got);
		free(suite);
	}
	return 0;
}

static int suite_unknown(void)
{
	char err[128] = "";
	char *got = dollar("a ${ip} ${nope} b", false, err, sizeof(err));

	CHECK(!got, "expanded: '%s'", got);
	CHECK(!strcmp(err, "no value for ${nope}"), "err '%s'", err);
	got = dollar("${}", false, err, sizeof(err));
	CHECK(!got && !strcmp(err, "no value for ${}"), "empty name: err '%s'", err);
	free(got);
	return 0;
}

struct board {
	const char *port, *name;
};

/* As a board looks names up: its built-ins, then its <var>s. */
static const char *board_lookup(const char *name, size_t len, void *arg)
{
	const struct board *b = arg;

	if (len == 4 && !strncmp(name, "port", 4))
		return b->port;
	if (len == 4 && !strncmp(name, "name", 4))
		return b->name;
	return hilt_template_lookup_vars(name, len, &vars);
}

static int farm_syntax(void)
{
	struct board b = { "/dev/ttyACM3", "esp32-a" };
	struct hilt_template t = {
		.syntax = HILT_TEMPLATE_BRACE, .lookup = board_lookup, .arg = &b,
		.keep_unknown = true,
	};
	static const struct {
		const char *tmpl, *want;
	} c[] = {
		{ "--port={port}", "--port=/dev/ttyACM3" },
		{ "{name}:{ip}", "esp32-a:10.0.2.15" },
		{ "{}", "{}" },
		{ "{\"json\": {port}}", "{\"json\": /dev/ttyACM3}" },
		{ "{unknown} {port", "{unknown} {port" },
		{ "${port}", "$/dev/ttyACM3" },
		{ "{{name}}", "{esp32-a}" },
	};
	char err[64];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *got = hilt_template_expand(c[i].tmpl, &t, err, sizeof(err));

		CHECK(got && !strcmp(got, c[i].want), "'%s': '%s', want '%s'", c[i].tmpl,
		      got ? got : "(null)", c[i].want);
		free(got);
	}
	t.keep_unknown = false;
	CHECK(!hilt_template_expand("{port} {nope}", &t, err, sizeof(err)) &&
	      !strcmp(err, "no value for {nope}"), "strict braces: err '%s'", err);
	return 0;
}

struct seen {
	char names[8][16];
	int n;
};

static int note(const char *name, size_t len, void *arg)
{
	struct seen *s = arg;

	if (s->n == 8 || len >= 16)
		return -E2BIG;
	memcpy(s->names[s->n], name, len);
	s->names[s->n++][len] = '\0';
	return 0;
}

static int stop_at_b(const char *name, size_t len, void *arg)
{
	(void)arg;
	return len == 1 && *name == 'b' ? -ENOENT : 0;
}

static int each(void)
{
	struct seen s = { 0 };

	CHECK(hilt_template_each("x ${a} $b ${b_2}", HILT_TEMPLATE_DOLLAR, true, note, &s) == 0 &&
	      s.n == 2 && !strcmp(s.names[0], "a") && !strcmp(s.names[1], "b_2"),
	      "%d names", s.n);
	CHECK(hilt_template_each("${a} ${b", HILT_TEMPLATE_DOLLAR, true, note, &s) == -EINVAL,
	      "unterminated");
	CHECK(hilt_template_each("${}", HILT_TEMPLATE_DOLLAR, true, note, &s) == -EINVAL, "empty");
	CHECK(hilt_template_each("${a-b}", HILT_TEMPLATE_DOLLAR, true, note, &s) == -EINVAL,
	      "not a name");
	CHECK(hilt_template_each("${a} ${b} ${c}", HILT_TEMPLATE_DOLLAR, true, stop_at_b, NULL) ==
	      -ENOENT, "fn's return");
	memset(&s, 0, sizeof(s));
	CHECK(hilt_template_each("{} {a b} {{port}} {x", HILT_TEMPLATE_BRACE, false, note, &s) ==
	      0 && s.n == 1 && !strcmp(s.names[0], "port"), "braces, lenient: %d", s.n);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "suite_syntax", suite_syntax }, { "suite_unknown", suite_unknown },
		{ "farm_syntax", farm_syntax }, { "each", each },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
