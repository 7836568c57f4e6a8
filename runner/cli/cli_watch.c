/* hilt console --watch: a read-only copy of a console someone else holds
 * (a person's hilt console, a scheduled run's session), through the unix
 * socket its holder listens on (base/watch.h).  Takes no lock and sends
 * nothing: the console's bytes go to stdout as they come, hilt's own
 * lines to stderr.  Waits for a holder when there is none; ends with the
 * holder, or with --follow watches the next one. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/atomic.h"
#include "base/watch.h"
#include "runner/cli/cli.h"
#include "targets/lease.h"
#include "targets/target.h"

#define WAIT_EVERY_MS 200

void hilt_console_say(const char *fmt, ...)
{
	char text[4400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r\n[hilt: %s]\r\n", text);
	fflush(stderr);
}

/* One holder, from its header to its end: EXIT_PASS when it said
 * goodbye, EXIT_INFRA when this observer was dropped, the holder vanished
 * without a word or the connection failed. */
static int watch_one(int fd, const char *name)
{
	char buf[HILT_WATCH_PACKET + 1], type = 0;
	bool dropped = false;
	ssize_t n;

	while ((n = hilt_watch_recv(fd, &type, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (type == 'D') {
			struct iovec v = { .iov_base = buf, .iov_len = (size_t)n };

			if (hilt_atomic_write_all(STDOUT_FILENO, &v, 1) < 0)
				return EXIT_INFRA;
		} else if (type == 'H') {
			struct hilt_holder h;
			char who[1200];
			const char *nl = strchr(buf, '\n');

			hilt_holder_parse(nl ? nl + 1 : "", &h);
			hilt_holder_describe(&h, who, sizeof(who));
			hilt_console_say("watching '%s' (read-only), held by %s; from console byte %llu", name, who,
			    strtoull(buf + (strncmp(buf, "offset=", 7) ? 0 : 7), NULL, 10));
		} else if (type == 'M') {
			hilt_console_say("%s", buf);
			dropped |= !strncmp(buf, "dropped:", 8);
		} else if (type == 'E') {
			hilt_console_say("%s", *buf ? buf : "the holder let the console go");
			return EXIT_PASS;
		}
	}
	if (n < 0)
		hilt_console_say("the watch of '%s' failed: %s", name, strerror((int)-n));
	else if (!dropped)
		hilt_console_say("the watch of '%s' ended without the holder's goodbye: this observer was dropped for falling behind, or the holder ended abruptly",
		    name);
	return EXIT_INFRA;
}

int hilt_console_watch(const struct hilt_target_config *cfg, bool follow)
{
	char path[4200];
	bool waiting = false;
	int rc = hilt_target_watch_path(cfg, path, sizeof(path));

	if (rc) {
		fprintf(stderr, "hilt console: no place to watch '%s' at: %s\n", cfg->name,
			strerror(-rc));
		return EXIT_INFRA;
	}
	for (;;) {
		int fd;

		rc = hilt_watch_connect(path, &fd);
		if (rc == -ENOENT || rc == -ECONNREFUSED) {
			if (!waiting)
				hilt_console_say("nobody holds the console of '%s' now: waiting for a holder (%s); ^C to stop",
				    cfg->name, path);
			waiting = true;
			poll(NULL, 0, WAIT_EVERY_MS);
			continue;
		}
		if (rc) {
			hilt_console_say("cannot watch '%s' at %s: %s", cfg->name, path, strerror(-rc));
			return EXIT_INFRA;
		}
		waiting = false;
		rc = watch_one(fd, cfg->name);
		close(fd);
		if (!follow || rc != EXIT_PASS)
			return rc;
	}
}
