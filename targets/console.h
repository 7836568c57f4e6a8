/* A board's console: a serial port driven through libserialport, a pty or
 * character device set up with termios, or TCP (raw or telnet) as ser2net
 * exposes boards.  Reads and writes never block; the fd goes in the loop.
 *
 * This module needs only libc and libserialport, so that the same code can
 * be built into a static program run inside a guest against a real UART. */
#ifndef HILT_CONSOLE_H
#define HILT_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum hilt_console_kind {
	HILT_CONSOLE_TCP,	/* raw TCP */
	HILT_CONSOLE_TELNET,	/* TCP with telnet option negotiation */
	HILT_CONSOLE_TTY,	/* a pty or character device, termios */
	HILT_CONSOLE_SERIAL,	/* a serial port, through libserialport */
	HILT_CONSOLE_NTYPES
};

/* The type's name in a farm (<console type="tcp">); each of the kinds
 * below HILT_CONSOLE_NTYPES has one. */
const char *hilt_console_type_name(enum hilt_console_kind kind);

/* Whether the type is reached at host:port (a socket) rather than a
 * device at a path, which may vanish and come back. */
bool hilt_console_type_socket(enum hilt_console_kind kind);

enum hilt_parity {
	HILT_PARITY_NONE, HILT_PARITY_ODD, HILT_PARITY_EVEN,
	HILT_PARITY_MARK, HILT_PARITY_SPACE,
};

enum hilt_flow {
	HILT_FLOW_NONE, HILT_FLOW_XONXOFF, HILT_FLOW_RTSCTS, HILT_FLOW_DTRDSR,
};

struct hilt_console_config {
	enum hilt_console_kind kind;
	char *path;		/* tty, serial */
	char *host;		/* tcp, telnet */
	int port;
	unsigned baud;		/* 0: leave as the port is */
	unsigned data_bits;	/* 5-8; 0: leave */
	enum hilt_parity parity;
	unsigned stop_bits;	/* 1 or 2; 0: leave */
	enum hilt_flow flow;
	bool line_settings;	/* data bits, parity, stop bits or flow given */
	/* tty/serial: when the device disappears (a USB adapter
	 * re-enumerating), wait this long for the same path to come back. */
	double reappear_s;
};

struct hilt_console;

/* Opens and configures the console.  label names its owner in errors
 * ("board 'esp1'"): they name the device and say what failed.  With label
 * NULL, err holds only what failed (the caller names the device). */
int hilt_console_open(const struct hilt_console_config *cfg, const char *label,
		      struct hilt_console **out, char *err, size_t errlen);
int hilt_console_fd(const struct hilt_console *c);
/* A TCP or telnet console connects in the background: right after
 * hilt_console_open it may be connecting; its owner then watches
 * hilt_console_fd() for POLLOUT and calls hilt_console_connected(), or
 * calls it with timed_out at its deadline.  That returns 0 when connected,
 * -EINPROGRESS when the next address of the host is being tried (watch the
 * fd again: it is a new one), or -errno with why in err when none took
 * the connection. */
bool hilt_console_connecting(const struct hilt_console *c);
int hilt_console_connected(struct hilt_console *c, bool timed_out, char *err, size_t errlen);
/* The device as the user named it: the path, or host:port. */
const char *hilt_console_name(const struct hilt_console *c);
/* Like read(2) on a non-blocking fd: bytes, 0 at end of file, or -errno
 * (-EAGAIN when nothing is there).  Telnet commands are taken out. */
ssize_t hilt_console_read(struct hilt_console *c, void *buf, size_t len);
/* Takes all of buf: writes what the fd takes now and holds the rest back
 * (hilt_console_flush writes it when the fd is writable).  Returns len or
 * -errno (-ENOBUFS when 1 MiB is held back: the device stopped reading). */
ssize_t hilt_console_write(struct hilt_console *c, const void *buf, size_t len);
/* Writes what the fd takes now of what is held back: returns the bytes
 * still held (0: all written) or -errno. */
ssize_t hilt_console_flush(struct hilt_console *c);
/* A serial BREAK: on a tty or serial port the line held at space from
 * on to off (TIOCSBRK, TIOCCBRK; a pty takes it and does nothing); on a
 * telnet console the telnet BREAK command (on; off does nothing), which a
 * terminal server such as ser2net sends on as a BREAK of its line.  A raw
 * TCP console has no way: -ENOTSUP.  0, or -errno with why in err. */
int hilt_console_break(struct hilt_console *c, bool on, char *err, size_t errlen);
/* Whether a BREAK is a line state held between on and off (a tty or
 * serial port) rather than one command. */
bool hilt_console_break_held(const struct hilt_console *c);
/* Discards pending input (at most 16 MiB a call); returns how many bytes. */
unsigned long long hilt_console_drain(struct hilt_console *c);
void hilt_console_close(struct hilt_console *c);

/* "8N1 115200 none" and so on, for reports. */
void hilt_console_describe(const struct hilt_console_config *cfg, char *buf,
			   size_t len);

#endif
