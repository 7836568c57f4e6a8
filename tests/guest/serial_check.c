/* Runs inside the default QEMU guest: hilt's board console code
 * (targets/console.c, type "serial", through libserialport) against a real
 * kernel 8250 UART, /dev/ttyS1, which QEMU wires to the board simulator on
 * the host.  Built static, so the guest needs nothing else.
 *
 *   serial-check PORT [ABSENT_UART]
 *
 * Prints "serial-check: ok NAME" for each check that held and ends with
 * "serial-check: PASS N" or "serial-check: FAIL NAME: why" (exit 1). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "targets/console.h"

static int passed;

static void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("serial-check: ok %s\n", name);
		fflush(stdout);
		passed++;
		return;
	}
	printf("serial-check: FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Reads through the console's non-blocking fd with poll until want has
 * been seen or timeout_ms passed; returns the bytes read (0 on timeout). */
static size_t await(struct hilt_console *c, const char *want, long timeout_ms,
		    char *seen, size_t cap)
{
	long long until = now_ms() + timeout_ms;
	size_t len = 0, total = 0;

	seen[0] = '\0';
	while (now_ms() < until) {
		struct pollfd p = { .fd = hilt_console_fd(c), .events = POLLIN };
		char buf[512];

		if (poll(&p, 1, (int)(until - now_ms())) <= 0)
			continue;
		ssize_t n = hilt_console_read(c, buf, sizeof(buf));

		if (n == -EAGAIN)
			continue;
		if (n <= 0)
			return 0;
		total += (size_t)n;
		/* Keep the last cap-1 bytes for the search (n < cap). */
		if (len + (size_t)n > cap - 1) {
			size_t drop = len + (size_t)n - (cap - 1);

			memmove(seen, seen + drop, len - drop);
			len -= drop;
		}
		memcpy(seen + len, buf, (size_t)n);
		len += (size_t)n;
		seen[len] = '\0';
		/* The simulator's output has no NULs; search as text. */
		if (strstr(seen, want))
			return total;
	}
	return 0;
}

static void say(struct hilt_console *c, const char *line)
{
	ssize_t n = hilt_console_write(c, line, strlen(line));

	check(n == (ssize_t)strlen(line), "write", "writing '%s': %s", line,
	      n < 0 ? strerror((int)-n) : "short");
}

/* What the kernel driver holds now, read on a separate fd. */
static void termios_of(const char *port, struct termios *tio)
{
	int fd = open(port, O_RDONLY | O_NOCTTY | O_NONBLOCK);

	check(fd >= 0 && tcgetattr(fd, tio) == 0, "tcgetattr", "%s: %s", port, strerror(errno));
	close(fd);
}

static struct hilt_console *open_port(const char *name, struct hilt_console_config *k)
{
	struct hilt_console *c = NULL;
	char err[512];
	int rc = hilt_console_open(k, "serial-check", &c, err, sizeof(err));

	check(rc == 0, name, "%s", err);
	return c;
}

/* Opening must fail with an error that names the port and says want. */
static void open_fails(const char *name, struct hilt_console_config *k, const char *want)
{
	struct hilt_console *c = NULL;
	char err[512] = "";
	int rc = hilt_console_open(k, "serial-check", &c, err, sizeof(err));

	if (rc == 0)
		hilt_console_close(c);
	check(rc < 0 && strstr(err, k->path) && strstr(err, want), name,
	      "expected an error naming %s with '%s', got rc %d: '%s'", k->path, want, rc, err);
	printf("serial-check: (%s) %s\n", name, err);
}

int main(int argc, char **argv)
{
	const char *port = argc > 1 ? argv[1] : "/dev/ttyS1";
	const char *absent = argc > 2 ? argv[2] : "/dev/ttyS3";
	struct hilt_console_config k = {
		.kind = HILT_CONSOLE_SERIAL, .path = (char *)port, .baud = 115200,
		.data_bits = 8, .parity = HILT_PARITY_NONE, .stop_bits = 1,
		.flow = HILT_FLOW_NONE, .line_settings = true,
	};
	char seen[4096];
	struct termios tio;
	struct hilt_console *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* 1. Line settings reach the driver: 9600 7E2 with RTS/CTS. */
	k.baud = 9600, k.data_bits = 7, k.parity = HILT_PARITY_EVEN, k.stop_bits = 2;
	k.flow = HILT_FLOW_RTSCTS;
	c = open_port("open-9600-7E2-rtscts", &k);
	termios_of(port, &tio);
	check(cfgetospeed(&tio) == B9600 && (tio.c_cflag & CSIZE) == CS7 &&
	      (tio.c_cflag & PARENB) && !(tio.c_cflag & PARODD) && (tio.c_cflag & CSTOPB) &&
	      (tio.c_cflag & CRTSCTS), "settings-9600-7E2-rtscts",
	      "driver holds speed %u cflag %#o", (unsigned)cfgetospeed(&tio), (unsigned)tio.c_cflag);
	hilt_console_close(c);

	/* 2. And back to 115200 8N1 without flow control, for the talk. */
	k.baud = 115200, k.data_bits = 8, k.parity = HILT_PARITY_NONE, k.stop_bits = 1;
	k.flow = HILT_FLOW_NONE;
	c = open_port("open-115200-8N1", &k);
	termios_of(port, &tio);
	check(cfgetospeed(&tio) == B115200 && (tio.c_cflag & CSIZE) == CS8 &&
	      !(tio.c_cflag & (PARENB | CSTOPB | CRTSCTS)) && !(tio.c_iflag & (IXON | IXOFF)),
	      "settings-115200-8N1", "driver holds speed %u cflag %#o iflag %#o",
	      (unsigned)cfgetospeed(&tio), (unsigned)tio.c_cflag, (unsigned)tio.c_iflag);

	/* 3. A second opener is told the port is busy. */
	open_fails("busy", &k, "busy");

	/* 4. Talk to the board: echo, uname, and a whole reboot streamed
	 * through the non-blocking fd. */
	hilt_console_drain(c);
	say(c, "echo serial-hello-42\r");
	check(await(c, "serial-hello-42\r\n/ # ", 5000, seen, sizeof(seen)) > 0, "echo",
	      "no echo reply; last bytes: '%.200s'", seen);
	say(c, "uname -r\r");
	check(await(c, "-amd64\r\n/ # ", 5000, seen, sizeof(seen)) > 0, "uname",
	      "no version; last bytes: '%.200s'", seen);
	long long t0 = now_ms();

	say(c, "reboot\r");
	size_t boot = await(c, "Linux version", 10000, seen, sizeof(seen));

	check(boot > 0, "reboot-banner", "no kernel banner after reboot; last '%.200s'", seen);
	size_t rest = await(c, "/ # ", 20000, seen, sizeof(seen));

	check(rest > 0, "reboot-prompt", "no prompt after reboot; last '%.200s'", seen);
	printf("serial-check: boot of %zu bytes in %lld ms\n", boot + rest, now_ms() - t0);
	check(boot + rest > 10000, "reboot-size", "only %zu bytes of boot", boot + rest);
	hilt_console_close(c);

	/* 5. A rate the 8250 cannot make is refused, not silently changed. */
	k.baud = 4000000;
	open_fails("baud-refused", &k, "refused baud rate 4000000");

	/* 6. Ports that are not there, or have no UART behind them. */
	k.baud = 115200;
	k.path = "/dev/ttyS-none";
	open_fails("missing", &k, "No such file");
	k.path = (char *)absent;
	open_fails("no-uart", &k, "");

	printf("serial-check: PASS %d\n", passed);
	return 0;
}
