/* The plain-decimal number parser (base/number.c) that farms, suites and
 * the command line share. */
#include <errno.h>
#include <string.h>

#include "base/number.h"
#include "check.h"

static int decimals(void)
{
	static const struct {
		const char *s;
		int rc;
		double want;
	} t[] = {
		{ "2", 0, 2 }, { "1.5", 0, 1.5 }, { "0.001", 0, 0.001 }, { "1000", 0, 1000 },
		{ "007", 0, 7 }, { "1e2", -EINVAL, 0 }, { "0x10", -EINVAL, 0 },
		{ "inf", -EINVAL, 0 }, { "nan", -EINVAL, 0 }, { " 2", -EINVAL, 0 },
		{ "2 ", -EINVAL, 0 }, { "+2", -EINVAL, 0 }, { "-2", -EINVAL, 0 },
		{ "1.", -EINVAL, 0 }, { ".5", -EINVAL, 0 }, { "1.2.3", -EINVAL, 0 },
		{ "", -EINVAL, 0 }, { "1,5", -EINVAL, 0 }, { "1001", -ERANGE, 0 },
		{ "000000000000000000000000000000001", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		double v = -1;
		int rc = hilt_number_double(t[i].s, NULL, 0, 1000, &v);

		CHECK(rc == t[i].rc && (rc || v == t[i].want), "'%s': %d %g", t[i].s, rc, v);
		CHECK(rc == 0 || v == -1, "'%s': *out changed on an error", t[i].s);
	}
	return 0;
}

static int whole(void)
{
	unsigned long v = 0;

	CHECK(hilt_number_ulong("42", NULL, 1, 100, &v) == 0 && v == 42, "42");
	CHECK(hilt_number_ulong("0", NULL, 1, 100, &v) == -ERANGE, "below min");
	CHECK(hilt_number_ulong("4.2", NULL, 0, 100, &v) == -EINVAL, "a fraction");
	CHECK(hilt_number_ulong("99999999999999999999999", NULL, 0, ~0UL, &v) == -ERANGE,
	      "beyond unsigned long");
	return 0;
}

static int with_end(void)
{
	const char *end = NULL;
	double d = 0;
	unsigned long k = 0;

	CHECK(hilt_number_double("200ms", &end, 0, 1e9, &d) == 0 && d == 200 &&
	      !strcmp(end, "ms"), "a unit follows");
	CHECK(hilt_number_double("10 %", &end, 0, 1e9, &d) == 0 && !strcmp(end, " %"),
	      "a spaced unit");
	CHECK(hilt_number_double("1.s", &end, 0, 1e9, &d) == -EINVAL, "a point with no digits");
	CHECK(hilt_number_double("1e2s", &end, 0, 1e9, &d) == 0 && !strcmp(end, "e2s"),
	      "the exponent is what follows, for the caller to refuse");
	CHECK(hilt_number_ulong("2/3", &end, 1, 9, &k) == 0 && k == 2 && !strcmp(end, "/3"),
	      "K/N");
	CHECK(hilt_number_ulong("2.5/3", &end, 1, 9, &k) == -EINVAL, "a fraction for K");
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "decimals", decimals }, { "whole", whole }, { "with_end", with_end },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
