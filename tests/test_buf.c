/* The growable byte buffer (base/buf.c): unbounded, refusing, head, tail,
 * printf, reset and steal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "check.h"

static int unbounded(void)
{
	struct hilt_buf b = HILT_BUF_INIT;
	char big[5000];

	CHECK(!strcmp(hilt_buf_str(&b), "") && hilt_buf_len(&b) == 0, "empty");
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 100; i++)
		CHECK(hilt_buf_append(&b, big, sizeof(big)) == 0, "append %d", i);
	CHECK(hilt_buf_len(&b) == 500000 && hilt_buf_dropped(&b) == 0, "len %zu",
	      hilt_buf_len(&b));
	CHECK(hilt_buf_str(&b)[500000] == '\0', "NUL-terminated");
	hilt_buf_reset(&b);
	CHECK(hilt_buf_len(&b) == 0 && !strcmp(hilt_buf_str(&b), "") &&
	      hilt_buf_total(&b) == 0, "reset");
	CHECK(hilt_buf_printf(&b, "%s=%d;", "a", 1) == 0, "printf");
	CHECK(hilt_buf_printf(&b, "%0300d", 7) == 0, "printf that grows");
	CHECK(hilt_buf_len(&b) == 4 + 300 && !strncmp(hilt_buf_str(&b), "a=1;000", 7) &&
	      hilt_buf_str(&b)[303] == '7', "'%.10s' %zu", hilt_buf_str(&b), hilt_buf_len(&b));
	hilt_buf_free(&b);
	CHECK(hilt_buf_len(&b) == 0 && !strcmp(hilt_buf_str(&b), ""), "freed");
	return 0;
}

static int refuse(void)
{
	struct hilt_buf b;

	hilt_buf_init(&b, 8, HILT_BUF_REFUSE);
	CHECK(hilt_buf_appends(&b, "12345") == 0, "fits");
	CHECK(hilt_buf_appends(&b, "6789") == -E2BIG, "refused");
	CHECK(hilt_buf_printf(&b, "%d", 6789) == -E2BIG, "printf refused");
	CHECK(!strcmp(hilt_buf_str(&b), "12345"), "nothing added: '%s'", hilt_buf_str(&b));
	CHECK(hilt_buf_printf(&b, "%d", 678) == 0, "printf to the cap");
	CHECK(!strcmp(hilt_buf_str(&b), "12345678"), "'%s'", hilt_buf_str(&b));
	CHECK(hilt_buf_append(&b, "", 0) == 0, "nothing fits still");
	hilt_buf_free(&b);
	return 0;
}

static int head(void)
{
	struct hilt_buf b;

	hilt_buf_init(&b, 6, HILT_BUF_HEAD);
	CHECK(hilt_buf_appends(&b, "abcd") == 0 && hilt_buf_appends(&b, "efgh") == 0 &&
	      hilt_buf_printf(&b, "%s", "ijk") == 0, "appends");
	CHECK(!strcmp(hilt_buf_str(&b), "abcdef"), "'%s'", hilt_buf_str(&b));
	CHECK(hilt_buf_total(&b) == 11 && hilt_buf_dropped(&b) == 5, "total %llu",
	      (unsigned long long)hilt_buf_total(&b));
	hilt_buf_free(&b);
	return 0;
}

/* The tail against a reference: every split of the same bytes keeps the
 * same last cap bytes. */
static int tail(void)
{
	char all[1000];

	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (char)('a' + i % 26);
	for (size_t piece = 1; piece < 40; piece += 3) {
		struct hilt_buf b;
		size_t n = 0;

		hilt_buf_init(&b, 37, HILT_BUF_TAIL);
		for (size_t off = 0; off < sizeof(all); off += piece) {
			size_t len = sizeof(all) - off < piece ? sizeof(all) - off : piece;

			CHECK(hilt_buf_append(&b, all + off, len) == 0, "append");
			n += len;
			size_t keep = n < 37 ? n : 37;

			CHECK(hilt_buf_len(&b) == keep &&
			      !memcmp(hilt_buf_str(&b), all + n - keep, keep) &&
			      hilt_buf_str(&b)[keep] == '\0',
			      "piece %zu after %zu bytes: '%s'", piece, n, hilt_buf_str(&b));
		}
		CHECK(hilt_buf_dropped(&b) == sizeof(all) - 37, "dropped");
		hilt_buf_free(&b);
	}

	struct hilt_buf b;

	hilt_buf_init(&b, 4, HILT_BUF_TAIL);
	CHECK(hilt_buf_appends(&b, "0123456789") == 0, "longer than the cap at once");
	CHECK(!strcmp(hilt_buf_str(&b), "6789"), "'%s'", hilt_buf_str(&b));
	CHECK(hilt_buf_printf(&b, "%s", "abcdef") == 0, "printf");
	CHECK(!strcmp(hilt_buf_str(&b), "cdef"), "'%s'", hilt_buf_str(&b));
	hilt_buf_free(&b);
	return 0;
}

static int steal(void)
{
	struct hilt_buf b;
	size_t len = 99;
	char *s;

	hilt_buf_init(&b, 5, HILT_BUF_TAIL);
	s = hilt_buf_steal(&b, &len);
	CHECK(s && !strcmp(s, "") && len == 0, "an empty buffer gives \"\"");
	free(s);
	for (int i = 0; i < 7; i++)
		hilt_buf_printf(&b, "%d", i);
	s = hilt_buf_steal(&b, &len);
	CHECK(s && !strcmp(s, "23456") && len == 5, "the tail, at the front: '%s'", s);
	free(s);
	CHECK(hilt_buf_len(&b) == 0 && hilt_buf_total(&b) == 0, "left empty");
	CHECK(hilt_buf_appends(&b, "abcdefg") == 0 && !strcmp(hilt_buf_str(&b), "cdefg"),
	      "cap and mode kept: '%s'", hilt_buf_str(&b));
	hilt_buf_free(&b);
	return 0;
}

/* A write queue: appended at the back, consumed from the front as the fd
 * takes it, refused past its cap. */
static int consume(void)
{
	struct hilt_buf b;

	hilt_buf_init(&b, 10, HILT_BUF_REFUSE);
	CHECK(hilt_buf_appends(&b, "hello ") == 0 && hilt_buf_appends(&b, "you") == 0, "queued");
	hilt_buf_consume(&b, 4);
	CHECK(!strcmp(hilt_buf_str(&b), "o you") && hilt_buf_len(&b) == 5, "'%s'",
	      hilt_buf_str(&b));
	CHECK(hilt_buf_appends(&b, "there") == 0, "room again after the fd took some");
	CHECK(hilt_buf_appends(&b, "!") == -E2BIG, "full");
	hilt_buf_consume(&b, 99);
	CHECK(hilt_buf_len(&b) == 0 && !strcmp(hilt_buf_str(&b), ""), "all taken");
	CHECK(hilt_buf_total(&b) == 14 && hilt_buf_dropped(&b) == 0, "total %llu dropped %llu",
	      (unsigned long long)hilt_buf_total(&b), (unsigned long long)hilt_buf_dropped(&b));
	hilt_buf_consume(&b, 1);
	hilt_buf_free(&b);

	hilt_buf_init(&b, 4, HILT_BUF_TAIL);
	hilt_buf_appends(&b, "abcdef");
	hilt_buf_consume(&b, 1);
	CHECK(!strcmp(hilt_buf_str(&b), "def") && hilt_buf_dropped(&b) == 2, "a tail: '%s' %llu",
	      hilt_buf_str(&b), (unsigned long long)hilt_buf_dropped(&b));
	hilt_buf_free(&b);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "unbounded", unbounded }, { "refuse", refuse }, { "head", head },
		{ "tail", tail }, { "steal", steal }, { "consume", consume },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
