/* The telnet side of a board console reached through a terminal server
 * (ser2net, a console server's telnet port): option negotiation (RFC
 * 854's loop rule, 856 binary, 857 echo, 858 suppress go-ahead), commands
 * taken out of the data, and data escaped for the line.  No I/O: replies
 * are handed to a callback, so the state machine runs alone in tests and
 * in its fuzzer. */
#ifndef HILT_TELNET_H
#define HILT_TELNET_H

#include <stdbool.h>
#include <stddef.h>

enum {
	HILT_T_SE = 240, HILT_T_BRK = 243, HILT_T_SB = 250, HILT_T_WILL = 251, HILT_T_WONT = 252,
	HILT_T_DO = 253, HILT_T_DONT = 254, HILT_T_IAC = 255,
	HILT_OPT_BINARY = 0, HILT_OPT_ECHO = 1, HILT_OPT_SGA = 3,
};

struct hilt_telnet {
	int state;
	unsigned char verb;
	/* Options in force on each side, and those we asked for whose
	 * answer has not come. */
	bool local_on[256], local_req[256], remote_on[256], remote_req[256];
	/* A reply to the server (IAC verb option); best effort. */
	void (*reply)(void *arg, const unsigned char msg[3]);
	void *arg;
};

void hilt_telnet_init(struct hilt_telnet *t, void (*reply)(void *arg, const unsigned char msg[3]),
		      void *arg);

/* What is sent once connected: an 8-bit clean line without go-aheads
 * (binary and SGA, both ways), marked as asked for.  Returns its length;
 * out holds at least HILT_TELNET_HELLO_MAX bytes. */
#define HILT_TELNET_HELLO_MAX 12
size_t hilt_telnet_hello(struct hilt_telnet *t, unsigned char *out);

/* Takes telnet commands out of buf (n bytes read from the server) in
 * place, answering options through the callback; returns the data left.
 * A command split across reads is carried over. */
size_t hilt_telnet_filter(struct hilt_telnet *t, unsigned char *buf, size_t n);

/* Data for the server: IAC doubled and, outside binary mode, a CR not
 * followed by LF sent as CR NUL.  out holds at least 2 * len bytes;
 * returns its length. */
size_t hilt_telnet_escape(const struct hilt_telnet *t, const unsigned char *in, size_t len,
			  unsigned char *out);

#endif
