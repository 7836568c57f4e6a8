/* Telnet option negotiation and data framing for board consoles. */
#include "targets/telnet.h"

#include <string.h>

enum { TS_DATA, TS_IAC, TS_OPT, TS_SB, TS_SB_IAC, TS_CR };

void hilt_telnet_init(struct hilt_telnet *t, void (*reply)(void *arg, const unsigned char msg[3]),
		      void *arg)
{
	memset(t, 0, sizeof(*t));
	t->state = TS_DATA;
	t->reply = reply;
	t->arg = arg;
}

size_t hilt_telnet_hello(struct hilt_telnet *t, unsigned char *out)
{
	static const unsigned char hello[HILT_TELNET_HELLO_MAX] = {
		HILT_T_IAC, HILT_T_WILL, HILT_OPT_BINARY, HILT_T_IAC, HILT_T_DO, HILT_OPT_BINARY,
		HILT_T_IAC, HILT_T_WILL, HILT_OPT_SGA, HILT_T_IAC, HILT_T_DO, HILT_OPT_SGA,
	};

	t->local_req[HILT_OPT_BINARY] = t->remote_req[HILT_OPT_BINARY] = true;
	t->local_req[HILT_OPT_SGA] = t->remote_req[HILT_OPT_SGA] = true;
	memcpy(out, hello, sizeof(hello));
	return sizeof(hello);
}

static void reply(struct hilt_telnet *t, unsigned char verb, unsigned char opt)
{
	unsigned char msg[3] = { HILT_T_IAC, verb, opt };

	if (t->reply)
		t->reply(t->arg, msg);
}

/* One option command from the server.  Agreement is remembered so that no
 * reply is sent twice (RFC 854's loop rule). */
static void option(struct hilt_telnet *t, unsigned char verb, unsigned char opt)
{
	bool remote = verb == HILT_T_WILL || verb == HILT_T_WONT;
	bool ok = opt == HILT_OPT_BINARY || opt == HILT_OPT_SGA || opt == HILT_OPT_ECHO;
	bool *on = remote ? t->remote_on : t->local_on;
	bool *req = remote ? t->remote_req : t->local_req;
	bool wants = verb == HILT_T_WILL || verb == HILT_T_DO;
	unsigned char yes = verb == HILT_T_WILL ? HILT_T_DO : HILT_T_WILL;
	unsigned char no = remote ? HILT_T_DONT : HILT_T_WONT;

	if (verb == HILT_T_DO && opt == HILT_OPT_ECHO)
		ok = false;	/* the runner never echoes */
	if (wants && ok) {
		if (!on[opt] && !req[opt])
			reply(t, yes, opt);
		on[opt] = true;
	} else if (wants) {
		reply(t, no, opt);
	} else {
		if (on[opt] && !req[opt])
			reply(t, no, opt);
		on[opt] = false;
	}
	req[opt] = false;
}

size_t hilt_telnet_filter(struct hilt_telnet *t, unsigned char *buf, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char b = buf[i];

		switch (t->state) {
		case TS_CR:
			t->state = TS_DATA;
			if (b == 0)
				continue;	/* CR NUL is a bare CR */
			/* fall through */
		case TS_DATA:
			if (b == HILT_T_IAC)
				t->state = TS_IAC;
			else {
				buf[out++] = b;
				if (b == '\r' && !t->remote_on[HILT_OPT_BINARY])
					t->state = TS_CR;
			}
			break;
		case TS_IAC:
			t->state = TS_DATA;
			if (b == HILT_T_IAC)
				buf[out++] = b;
			else if (b >= HILT_T_WILL) {
				t->verb = b;
				t->state = TS_OPT;
			} else if (b == HILT_T_SB)
				t->state = TS_SB;
			break;	/* NOP, GA, AYT...: nothing to do */
		case TS_OPT:
			option(t, t->verb, b);
			t->state = TS_DATA;
			break;
		case TS_SB:
			if (b == HILT_T_IAC)
				t->state = TS_SB_IAC;
			break;
		case TS_SB_IAC:
			t->state = b == HILT_T_SE ? TS_DATA : TS_SB;
			break;
		}
	}
	return out;
}

size_t hilt_telnet_escape(const struct hilt_telnet *t, const unsigned char *in, size_t len,
			  unsigned char *out)
{
	size_t m = 0;

	for (size_t i = 0; i < len; i++) {
		out[m++] = in[i];
		if (in[i] == HILT_T_IAC)
			out[m++] = HILT_T_IAC;
		else if (in[i] == '\r' && !t->local_on[HILT_OPT_BINARY] &&
			 (i + 1 == len || in[i + 1] != '\n'))
			out[m++] = 0;
	}
	return m;
}
