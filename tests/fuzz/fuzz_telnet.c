/* libFuzzer harness: the telnet state machine of board consoles
 * (targets/telnet.c) fed what a terminal server might send.
 *   - The data and the replies are the same however the bytes are split
 *     into reads (a command split across reads is carried over).
 *   - Data never grows; every reply is IAC WILL/WONT/DO/DONT OPTION, and
 *     no option already in force is agreed to again (RFC 854's loop
 *     rule).
 *   - The input escaped for the line, in binary mode or not, comes back
 *     whole through a filter in the same mode, with no reply.
 * The first byte picks the read size, the second the round trip's mode.
 * Built and run by tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/telnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct replies {
	struct hilt_telnet *t;
	unsigned char *buf;
	size_t len;
};

static void on_reply(void *arg, const unsigned char msg[3])
{
	struct replies *r = arg;
	unsigned char verb = msg[1], opt = msg[2];

	if (msg[0] != HILT_T_IAC || verb < HILT_T_WILL || verb > HILT_T_DONT) {
		fprintf(stderr, "a reply that is not an option command: %u %u %u\n", msg[0],
			verb, opt);
		abort();
	}
	if ((verb == HILT_T_DO && r->t->remote_on[opt]) ||
	    (verb == HILT_T_WILL && r->t->local_on[opt])) {
		fprintf(stderr, "agreed again to option %u, already in force\n", opt);
		abort();
	}
	memcpy(r->buf + r->len, msg, 3);
	r->len += 3;
}

/* The stream through one state machine in reads of step bytes (0: all at
 * once); the data and replies are appended to out and rep. */
static size_t run(const uint8_t *in, size_t n, size_t step, unsigned char *out,
		  struct replies *rep, struct hilt_telnet *t)
{
	size_t len = 0;

	hilt_telnet_init(t, on_reply, rep);
	rep->t = t;
	unsigned char hello[HILT_TELNET_HELLO_MAX];

	hilt_telnet_hello(t, hello);
	for (size_t off = 0; off < n;) {
		size_t k = step && step < n - off ? step : n - off;

		memcpy(out + len, in + off, k);
		size_t got = hilt_telnet_filter(t, out + len, k);

		if (got > k)
			abort();
		len += got;
		off += k;
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t step = data[0] % 16 + 1;
	int binary = data[1] & 1;
	const uint8_t *in = data + 2;
	size_t n = size - 2;
	/* An option command is 3 bytes and gets at most one reply. */
	unsigned char *whole = malloc(n + 1), *split = malloc(n + 1);
	unsigned char *rep1 = malloc(n + 3), *rep2 = malloc(n + 3);
	unsigned char *esc = malloc(2 * n + 1), *back = malloc(2 * n + 1);
	struct hilt_telnet t1, t2;
	struct replies r1 = { .buf = rep1 }, r2 = { .buf = rep2 };

	if (!whole || !split || !rep1 || !rep2 || !esc || !back)
		abort();
	size_t w = run(in, n, 0, whole, &r1, &t1);
	size_t s = run(in, n, step, split, &r2, &t2);

	if (w != s || memcmp(whole, split, w) != 0 || r1.len != r2.len ||
	    memcmp(rep1, rep2, r1.len) != 0) {
		fprintf(stderr, "reads of %zu bytes changed the outcome: data %zu/%zu bytes, replies %zu/%zu\n",
			step, w, s, r1.len, r2.len);
		abort();
	}

	/* The round trip: what we send, as the other end reads it. */
	struct hilt_telnet tx, rx;
	struct replies rr = { .buf = rep1 };

	hilt_telnet_init(&tx, NULL, NULL);
	hilt_telnet_init(&rx, on_reply, &rr);
	rr.t = &rx;
	tx.local_on[HILT_OPT_BINARY] = rx.remote_on[HILT_OPT_BINARY] = binary;
	size_t m = hilt_telnet_escape(&tx, in, n, esc);

	if (m > 2 * n)
		abort();
	size_t got = 0;

	for (size_t off = 0; off < m;) {
		size_t k = step < m - off ? step : m - off;
		unsigned char chunk[16];

		memcpy(chunk, esc + off, k);
		size_t d = hilt_telnet_filter(&rx, chunk, k);

		memcpy(back + got, chunk, d);
		got += d;
		off += k;
	}
	if (got != n || memcmp(back, in, n) != 0 || rr.len != 0) {
		fprintf(stderr, "escaped (binary %d) and read back in %zu-byte reads: %zu of %zu bytes, %zu reply bytes\n",
			binary, step, got, n, rr.len);
		abort();
	}
	free(whole);
	free(split);
	free(rep1);
	free(rep2);
	free(esc);
	free(back);
	return 0;
}
