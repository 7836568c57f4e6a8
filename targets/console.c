/* Board consoles: libserialport, termios, raw TCP and telnet, each a row
 * of the types table below. */
#define _GNU_SOURCE
#include "targets/console.h"
#include "base/buf.h"
#include "targets/telnet.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

struct hilt_console {
	struct hilt_console_config cfg;
	char name[512];
	int fd;
	struct sp_port *sp;	/* serial: the port, which owns fd */
	struct hilt_telnet telnet;
	/* Input for the device the fd has not taken yet (written when it
	 * is writable again: nothing waits). */
	struct hilt_buf out;	/* input held back, at most CONSOLE_OUT_CAP */
	/* TCP: connecting in the background to each address in turn. */
	struct addrinfo *ai, *ai_next;
	bool connecting;
	int connect_err;	/* of the last address tried */
	char label[300];	/* for errors reported later */
};

static void telnet_reply(void *arg, const unsigned char msg[3]);

typedef int console_open_fn(struct hilt_console *c, const char *label, char *err,
			    size_t errlen);
static console_open_fn open_tty, open_serial, open_tcp;

/* The console types, in the order of enum hilt_console_kind: a new type
 * is its value there and its row here. */
static const struct console_type {
	const char *name;	/* a farm's <console type="..."> */
	/* Reached at host:port, connected in the background; otherwise a
	 * device at a path (which may vanish and come back). */
	bool socket;
	bool telnet;		/* telnet commands in the stream */
	console_open_fn *open;
} types[HILT_CONSOLE_NTYPES] = {
	[HILT_CONSOLE_TCP] = { "tcp", true, false, open_tcp },
	[HILT_CONSOLE_TELNET] = { "telnet", true, true, open_tcp },
	[HILT_CONSOLE_TTY] = { "tty", false, false, open_tty },
	[HILT_CONSOLE_SERIAL] = { "serial", false, false, open_serial },
};

const char *hilt_console_type_name(enum hilt_console_kind kind)
{
	return types[kind].name;
}

bool hilt_console_type_socket(enum hilt_console_kind kind)
{
	return types[kind].socket;
}

/* What may be held back for a device that stopped reading. */
#define CONSOLE_OUT_CAP (1024 * 1024)

static int fail(char *err, size_t errlen, int e, const char *label,
		const struct hilt_console *c, const char *what)
{
	if (label)
		snprintf(err, errlen, "console %s of %s: %s", c->name, label,
			 what ? what : strerror(e));
	else
		snprintf(err, errlen, "%s", what ? what : strerror(e));
	return -e;
}

static speed_t baud_constant(unsigned baud)
{
	static const struct { unsigned rate; speed_t c; } rates[] = {
		{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 },
		{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
		{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
		{ 921600, B921600 }, { 1500000, B1500000 }, { 2000000, B2000000 },
		{ 3000000, B3000000 }, { 4000000, B4000000 },
	};

	for (size_t i = 0; i < sizeof(rates) / sizeof(*rates); i++)
		if (rates[i].rate == baud)
			return rates[i].c;
	return 0;
}

static int busy(struct hilt_console *c, const char *label, char *err, size_t errlen)
{
	return fail(err, errlen, EBUSY, label, c,
		    "busy: another process has the port open and locked");
}

/* One process at a time on a port: the advisory lock esptool and
 * pyserial's exclusive mode take too. */
static int claim(struct hilt_console *c, const char *label, char *err, size_t errlen)
{
	if (flock(c->fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return busy(c, label, err, errlen);
	return fail(err, errlen, errno, label, c, NULL);
}

static int open_tty(struct hilt_console *c, const char *label, char *err, size_t errlen)
{
	const struct hilt_console_config *k = &c->cfg;
	struct termios tio;

	c->fd = open(k->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0)
		return fail(err, errlen, errno, label, c, NULL);
	int rc = claim(c, label, err, errlen);

	if (rc)
		return rc;
	if (tcgetattr(c->fd, &tio) < 0)
		return 0;	/* a character device that is no tty */
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	if (k->baud) {
		speed_t sp = baud_constant(k->baud);

		if (!sp || cfsetspeed(&tio, sp) < 0) {
			char what[96];

			snprintf(what, sizeof(what), "baud rate %u not supported", k->baud);
			return fail(err, errlen, EINVAL, label, c, what);
		}
	}
	if (k->data_bits) {
		static const tcflag_t size[] = { CS5, CS6, CS7, CS8 };

		tio.c_cflag = (tio.c_cflag & ~(tcflag_t)CSIZE) | size[k->data_bits - 5];
	}
	if (k->line_settings) {
		tio.c_cflag &= ~(tcflag_t)(PARENB | PARODD | CMSPAR | CSTOPB | CRTSCTS);
		tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | INPCK);
		if (k->parity != HILT_PARITY_NONE)
			tio.c_cflag |= PARENB;
		if (k->parity == HILT_PARITY_ODD || k->parity == HILT_PARITY_MARK)
			tio.c_cflag |= PARODD;
		if (k->parity == HILT_PARITY_MARK || k->parity == HILT_PARITY_SPACE)
			tio.c_cflag |= CMSPAR;
		if (k->stop_bits == 2)
			tio.c_cflag |= CSTOPB;
		if (k->flow == HILT_FLOW_RTSCTS)
			tio.c_cflag |= CRTSCTS;
		if (k->flow == HILT_FLOW_XONXOFF)
			tio.c_iflag |= IXON | IXOFF;
		if (k->flow == HILT_FLOW_DTRDSR)
			return fail(err, errlen, ENOTSUP, label, c,
				    "DTR/DSR flow control needs type=\"serial\"");
	}
	if (tcsetattr(c->fd, TCSANOW, &tio) < 0)
		return fail(err, errlen, errno, label, c, NULL);
	return 0;
}

/* libserialport's own words for its last error, or errno's. */
static int sp_fail(struct hilt_console *c, const char *label, enum sp_return r,
		   const char *doing, char *err, size_t errlen)
{
	char what[512];
	int e = r == SP_ERR_FAIL && sp_last_error_code() ? sp_last_error_code() : EINVAL;

	if (r == SP_ERR_FAIL) {
		char *m = sp_last_error_message();

		snprintf(what, sizeof(what), "%s: %s", doing, m);
		sp_free_error_message(m);
	} else {
		snprintf(what, sizeof(what), "%s: %s", doing,
			 r == SP_ERR_SUPP ? "not supported by this port" :
			 r == SP_ERR_MEM ? "out of memory" : "refused");
		e = r == SP_ERR_SUPP ? ENOTSUP : r == SP_ERR_MEM ? ENOMEM : EINVAL;
	}
	return fail(err, errlen, e, label, c, what);
}

static bool is_pty(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

/* libserialport 0.1.1 (Debian 12's) puts CRTSCTS in c_iflag, where no
 * driver looks, so RTS/CTS is never switched on, nor off once on: put it
 * where it belongs.  Found by tests/guest/serial_check.c on an 8250. */
static int fix_rtscts(struct hilt_console *c, const char *label, char *err, size_t errlen)
{
	struct termios tio;

	if (tcgetattr(c->fd, &tio) < 0)
		return fail(err, errlen, errno, label, c, NULL);
	tio.c_iflag &= ~(tcflag_t)CRTSCTS;
	if (c->cfg.flow == HILT_FLOW_RTSCTS)
		tio.c_cflag |= CRTSCTS;
	else
		tio.c_cflag &= ~(tcflag_t)CRTSCTS;
	if (tcsetattr(c->fd, TCSANOW, &tio) < 0)
		return fail(err, errlen, errno, label, c, NULL);
	return 0;
}

static int open_serial(struct hilt_console *c, const char *label, char *err, size_t errlen)
{
	const struct hilt_console_config *k = &c->cfg;
	enum sp_return r;

	if (access(k->path, F_OK) < 0)
		return fail(err, errlen, errno, label, c, NULL);
	if (is_pty(k->path))
		return fail(err, errlen, ENOTTY, label, c,
			    "is a pseudo-terminal, which libserialport cannot drive: "
			    "use type=\"tty\" for it");
	r = sp_get_port_by_name(k->path, &c->sp);
	if (r != SP_OK)
		return sp_fail(c, label, r, "libserialport does not take it for a serial port",
			       err, errlen);
	r = sp_open(c->sp, SP_MODE_READ_WRITE);
	/* libserialport 0.1.2 (Debian 13's) takes the same lock in sp_open,
	 * and fails with its errno where 0.1.1 left it to claim() below.
	 * Found by tests/guest/serial_check.c on Debian 13. */
	if (r == SP_ERR_FAIL && sp_last_error_code() == EWOULDBLOCK)
		return busy(c, label, err, errlen);
	if (r != SP_OK)
		return sp_fail(c, label, r, "cannot open", err, errlen);
	if (sp_get_port_handle(c->sp, &c->fd) != SP_OK)
		return fail(err, errlen, EIO, label, c, "libserialport gave no file descriptor");
	int rc = claim(c, label, err, errlen);

	if (rc)
		return rc;
	static const enum sp_parity parity[] = {
		[HILT_PARITY_NONE] = SP_PARITY_NONE, [HILT_PARITY_ODD] = SP_PARITY_ODD,
		[HILT_PARITY_EVEN] = SP_PARITY_EVEN, [HILT_PARITY_MARK] = SP_PARITY_MARK,
		[HILT_PARITY_SPACE] = SP_PARITY_SPACE,
	};
	static const enum sp_flowcontrol flow[] = {
		[HILT_FLOW_NONE] = SP_FLOWCONTROL_NONE, [HILT_FLOW_XONXOFF] = SP_FLOWCONTROL_XONXOFF,
		[HILT_FLOW_RTSCTS] = SP_FLOWCONTROL_RTSCTS, [HILT_FLOW_DTRDSR] = SP_FLOWCONTROL_DTRDSR,
	};
	if (k->baud && (r = sp_set_baudrate(c->sp, (int)k->baud)) != SP_OK)
		return sp_fail(c, label, r, "setting the baud rate", err, errlen);
	if (k->data_bits && (r = sp_set_bits(c->sp, (int)k->data_bits)) != SP_OK)
		return sp_fail(c, label, r, "setting the data bits", err, errlen);
	if (k->line_settings && (r = sp_set_parity(c->sp, parity[k->parity])) != SP_OK)
		return sp_fail(c, label, r, "setting the parity", err, errlen);
	if (k->stop_bits && (r = sp_set_stopbits(c->sp, (int)k->stop_bits)) != SP_OK)
		return sp_fail(c, label, r, "setting the stop bits", err, errlen);
	if (k->line_settings && (r = sp_set_flowcontrol(c->sp, flow[k->flow])) != SP_OK)
		return sp_fail(c, label, r, "setting the flow control", err, errlen);
	if (k->line_settings && (rc = fix_rtscts(c, label, err, errlen)))
		return rc;
	/* A driver may round a rate it cannot make: read back what it runs. */
	if (k->baud) {
		struct sp_port_config *got = NULL;
		int rate = 0;

		if (sp_new_config(&got) == SP_OK && sp_get_config(c->sp, got) == SP_OK)
			sp_get_config_baudrate(got, &rate);
		sp_free_config(got);
		if (rate <= 0 || (unsigned)rate * 100 < k->baud * 97 ||
		    (unsigned)rate * 100 > k->baud * 103) {
			char what[128];

			snprintf(what, sizeof(what), "the port refused baud rate %u (it runs at %d)",
				 k->baud, rate);
			return fail(err, errlen, EINVAL, label, c, what);
		}
	}
	int fl = fcntl(c->fd, F_GETFL);

	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(c->fd, F_SETFD, FD_CLOEXEC) < 0)
		return fail(err, errlen, errno, label, c, NULL);
	return 0;
}

/* Starts a non-blocking connect to the next address: 0 under way (or
 * done), -errno when no address is left (c->connect_err: the last one's
 * failure). */
static int connect_next(struct hilt_console *c)
{
	while (c->ai_next) {
		struct addrinfo *ai = c->ai_next;

		c->ai_next = ai->ai_next;
		if (c->fd >= 0)
			close(c->fd);
		c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (c->fd < 0) {
			c->connect_err = errno;
			continue;
		}
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)
			return 0;
		c->connect_err = errno;
	}
	return -(c->connect_err ? c->connect_err : EHOSTUNREACH);
}

/* Connected: a telnet console says what it wants of the line. */
static int tcp_ready(struct hilt_console *c, const char *label, char *err, size_t errlen)
{
	const struct hilt_console_config *k = &c->cfg;

	freeaddrinfo(c->ai);
	c->ai = c->ai_next = NULL;
	c->connecting = false;
	if (types[k->kind].telnet) {
		unsigned char hello[HILT_TELNET_HELLO_MAX];
		size_t n = hilt_telnet_hello(&c->telnet, hello);

		if (send(c->fd, hello, n, MSG_NOSIGNAL) != (ssize_t)n)
			return fail(err, errlen, errno ? errno : EIO, label, c, NULL);
	}
	return 0;
}

/* Resolves the address (a name in /etc/hosts or a literal address
 * resolves at once) and starts connecting; the connection is finished by
 * hilt_console_connected() when the fd is writable. */
static int open_tcp(struct hilt_console *c, const char *label, char *err, size_t errlen)
{
	const struct hilt_console_config *k = &c->cfg;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	char port[16];
	int rc;

	snprintf(port, sizeof(port), "%d", k->port);
	rc = getaddrinfo(k->host, port, &hints, &c->ai);
	if (rc)
		return fail(err, errlen, EHOSTUNREACH, label, c, gai_strerror(rc));
	c->ai_next = c->ai;
	snprintf(c->label, sizeof(c->label), "%s", label ? label : "");
	rc = connect_next(c);
	if (rc)
		return fail(err, errlen, -rc, label, c, NULL);
	c->connecting = true;
	return 0;
}

bool hilt_console_connecting(const struct hilt_console *c)
{
	return c->connecting;
}

int hilt_console_connected(struct hilt_console *c, bool timed_out, char *err, size_t errlen)
{
	const char *label = *c->label ? c->label : NULL;
	socklen_t len = sizeof(int);
	int e = ETIMEDOUT;

	if (!c->connecting)
		return 0;
	if (!timed_out && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (!timed_out && e == 0)
		return tcp_ready(c, label, err, errlen);
	c->connect_err = e;
	if (connect_next(c) == 0)
		return -EINPROGRESS;
	c->connecting = false;
	return fail(err, errlen, c->connect_err, label, c, NULL);
}

int hilt_console_open(const struct hilt_console_config *cfg, const char *label,
		      struct hilt_console **out, char *err, size_t errlen)
{
	struct hilt_console *c = calloc(1, sizeof(*c));
	int rc;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->cfg = *cfg;
	c->fd = -1;
	hilt_buf_init(&c->out, CONSOLE_OUT_CAP, HILT_BUF_REFUSE);
	hilt_telnet_init(&c->telnet, telnet_reply, c);
	if (types[cfg->kind].socket)
		snprintf(c->name, sizeof(c->name), "%s:%d", cfg->host, cfg->port);
	else
		snprintf(c->name, sizeof(c->name), "%s", cfg->path);
	rc = types[cfg->kind].open(c, label, err, errlen);
	if (rc) {
		hilt_console_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int hilt_console_fd(const struct hilt_console *c)
{
	return c->fd;
}

const char *hilt_console_name(const struct hilt_console *c)
{
	return c->name;
}

/* Best effort: a full socket buffer here means the server is gone, which
 * the next read tells. */
static void telnet_reply(void *arg, const unsigned char msg[3])
{
	struct hilt_console *c = arg;

	if (send(c->fd, msg, 3, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return;
}

ssize_t hilt_console_read(struct hilt_console *c, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(c->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || !types[c->cfg.kind].telnet)
			return n;
		size_t data = hilt_telnet_filter(&c->telnet, buf, (size_t)n);

		if (data)
			return (ssize_t)data;
		/* Only commands: see whether data follows. */
	}
}

/* Writes what the fd takes now of the held-back input: bytes still held,
 * or -errno. */
static ssize_t flush_out(struct hilt_console *c)
{
	bool sock = types[c->cfg.kind].socket;

	while (hilt_buf_len(&c->out)) {
		const char *p = hilt_buf_str(&c->out);
		size_t len = hilt_buf_len(&c->out);
		ssize_t n = sock ? send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT)
				 : write(c->fd, p, len);

		if (n > 0) {
			hilt_buf_consume(&c->out, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		break;
	}
	return (ssize_t)hilt_buf_len(&c->out);
}

/* Holds buf back behind what is held already, and writes what the fd
 * takes now.  0 or -errno (-ENOBUFS: the device has not read for long). */
static int write_all(struct hilt_console *c, const unsigned char *buf, size_t len)
{
	int rc = hilt_buf_append(&c->out, buf, len);

	if (rc == -E2BIG)
		return -ENOBUFS;
	if (rc < 0)
		return rc;
	ssize_t left = flush_out(c);

	return left < 0 ? (int)left : 0;
}

ssize_t hilt_console_flush(struct hilt_console *c)
{
	return flush_out(c);
}

ssize_t hilt_console_write(struct hilt_console *c, const void *buf, size_t len)
{
	if (!len)
		return 0;
	if (!types[c->cfg.kind].telnet) {
		int rc = write_all(c, buf, len);

		return rc ? rc : (ssize_t)len;
	}
	/* Telnet: IAC doubled, and outside binary mode CR as CR NUL. */
	unsigned char *esc = malloc(len * 2 + 1);

	if (!esc)
		return -ENOMEM;
	size_t m = hilt_telnet_escape(&c->telnet, buf, len, esc);
	int rc = write_all(c, esc, m);

	free(esc);
	return rc ? rc : (ssize_t)len;
}

int hilt_console_break(struct hilt_console *c, bool on, char *err, size_t errlen)
{
	static const unsigned char brk[2] = { HILT_T_IAC, HILT_T_BRK };

	if (types[c->cfg.kind].telnet)
		return on ? write_all(c, brk, sizeof(brk)) : 0;
	if (types[c->cfg.kind].socket) {
		snprintf(err, errlen, "a raw TCP console (%s) cannot carry a BREAK (a telnet one can: <console type=\"telnet\">)",
			 c->name);
		return -ENOTSUP;
	}
	if (ioctl(c->fd, on ? TIOCSBRK : TIOCCBRK) < 0) {
		int e = errno;

		snprintf(err, errlen, "BREAK on %s: %s", c->name, strerror(e));
		return -e;
	}
	return 0;
}

bool hilt_console_break_held(const struct hilt_console *c)
{
	return !types[c->cfg.kind].socket;
}

unsigned long long hilt_console_drain(struct hilt_console *c)
{
	unsigned long long total = 0;
	char buf[4096];
	ssize_t n;

	/* At most 16 MiB: a device that prints faster than this reads is
	 * drained of what it had, not waited on. */
	while (total < 16ULL * 1024 * 1024 && (n = hilt_console_read(c, buf, sizeof(buf))) > 0)
		total += (unsigned long long)n;
	return total;
}

void hilt_console_close(struct hilt_console *c)
{
	if (!c)
		return;
	if (c->sp) {
		sp_close(c->sp);
		sp_free_port(c->sp);
	} else if (c->fd >= 0) {
		close(c->fd);
	}
	hilt_buf_free(&c->out);
	if (c->ai)
		freeaddrinfo(c->ai);
	free(c);
}

void hilt_console_describe(const struct hilt_console_config *k, char *buf, size_t len)
{
	static const char par[] = "NOEMS";
	static const char *const flow[] = { "none", "xonxoff", "rtscts", "dtrdsr" };

	if (types[k->kind].socket) {
		snprintf(buf, len, "%s %s:%d", types[k->kind].name, k->host, k->port);
		return;
	}
	char baud[16] = "as-is", bits[2] = "-", stop[2] = "-";

	if (k->baud)
		snprintf(baud, sizeof(baud), "%u", k->baud);
	if (k->data_bits)
		bits[0] = (char)('0' + k->data_bits);
	if (k->stop_bits)
		stop[0] = (char)('0' + k->stop_bits);
	snprintf(buf, len, "%s %s %s %s%c%s flow=%s", types[k->kind].name, k->path, baud, bits, k->line_settings ? par[k->parity] : '-', stop,
		 k->line_settings ? flow[k->flow] : "as-is");
}
