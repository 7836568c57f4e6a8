/* hilt console: a person at a target's console.  The target is started as
 * a session starts it (a board: its lock, power, flash, reset; a QEMU
 * guest: booted with hilt's own network), the terminal is put in raw mode
 * and joined to the console, and an escape prefix after a newline gives
 * hotkeys.  Everything the console printed is recorded as a console log
 * and timing file that `hilt run --target replay:LOG` plays back, the
 * hotkeys in a marks file beside them.  One event loop; the terminal is
 * restored however hilt ends (detach, a signal, the device gone). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/loop.h"
#include "base/outfile.h"
#include "base/proc.h"
#include "base/xmlfile.h"
#include "runner/cli/cli.h"
#include "runner/cli/paths.h"
#include "runner/engine/farm.h"
#include "targets/target.h"

const char hilt_console_usage[] =
	"usage: hilt console [--farm FILE] [--out DIR] [--escape C] TARGET\n"
	"\n"
	"Starts TARGET as a session would (a board: its lock, power, flash and\n"
	"reset; a QEMU guest: booted, with hilt's own network) and joins the\n"
	"terminal to its console.  After a newline, the escape character\n"
	"(default ~) gives:\n"
	"  ~.  detach: the target is powered off and let go\n"
	"  ~p  power cycle: off, then started again (a board keeps its lock)\n"
	"  ~m  a mark in the recording\n"
	"  ~?  this help\n"
	"  ~~  a ~ to the device\n"
	"The console is recorded in DIR (default hilt-out) as\n"
	"console@TARGET.console.log and .console.timing (hilt run --target\n"
	"replay:LOG plays it back), the hotkeys in console@TARGET.marks.\n"
	"\n"
	"  --farm FILE      the farm (default: the built-in 'default' guest)\n"
	"  --out DIR        where the recording goes\n"
	"  --escape C       the escape character (one byte)\n";

enum esc_state { ESC_NONE, ESC_LINE_START, ESC_SEEN };

struct console {
	struct hilt_loop *loop;
	const struct hilt_target_config *cfg;
	const struct hilt_target_ops *ops;
	struct hilt_target *t;
	struct hilt_target_env env;
	int console_fd;
	int aux[4];
	size_t naux;
	int sigfd;
	bool raw;
	struct termios saved;
	char escape;
	enum esc_state esc;
	FILE *log, *timing, *marks;
	char *log_path;
	int64_t last_log_ns, start_ns;
	unsigned long long logged;
	unsigned nmarks;
	bool running, cycling, leaving;
	int status;
	struct hilt_buf typed;	/* input the console has not taken yet */
	int hold_fd;		/* a board's lock across a power cycle */
};

static struct termios *restore_saved;

/* The terminal as it was, on every way out. */
static void restore_terminal(void)
{
	if (restore_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, restore_saved);
	restore_saved = NULL;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line of hilt's own, apart from what the device prints. */
static void say(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r\n[hilt: %s]\r\n", text);
	fflush(stderr);
}

static void mark(struct console *c, const char *what)
{
	double at = (double)(hilt_now_ns() - c->start_ns) / 1e9;

	if (c->marks) {
		fprintf(c->marks, "%.6f %llu %s\n", at, c->logged, what);
		fflush(c->marks);
	}
}

static void record(struct console *c, const char *buf, size_t n)
{
	int64_t now = hilt_now_ns();

	if (c->log && fwrite(buf, 1, n, c->log) == n)
		fflush(c->log);
	if (c->timing) {
		fprintf(c->timing, "%.6f %zu\n", (double)(now - c->last_log_ns) / 1e9, n);
		fflush(c->timing);
	}
	c->last_log_ns = now;
	c->logged += n;
}

static void flush_typed(struct console *c)
{
	while (c->t && c->running && hilt_buf_len(&c->typed)) {
		ssize_t n = c->ops->console_write(c->t, hilt_buf_str(&c->typed),
						  hilt_buf_len(&c->typed));

		if (n <= 0)
			break;
		hilt_buf_consume(&c->typed, (size_t)n);
	}
	ssize_t held = c->t && c->running && c->ops->console_flush ? c->ops->console_flush(c->t) : 0;

	/* What the console did not take yet goes once it is writable. */
	if (c->console_fd >= 0)
		hilt_loop_mod_fd(c->loop, c->console_fd,
				 hilt_buf_len(&c->typed) || held > 0 ? POLLIN | POLLOUT : POLLIN);
}

static void unwatch(struct console *c)
{
	if (c->console_fd >= 0)
		hilt_loop_del_fd(c->loop, c->console_fd);
	c->console_fd = -1;
	for (size_t i = 0; i < c->naux; i++)
		hilt_loop_del_fd(c->loop, c->aux[i]);
	c->naux = 0;
}

static void start_target(struct console *c);

/* The target is off: a power cycle starts it again, else hilt ends. */
static void target_stopped(void *arg)
{
	struct console *c = arg;

	if (c->t) {
		c->ops->free_target(c->t);
		c->t = NULL;
	}
	if (c->cycling && !c->leaving) {
		c->cycling = false;
		start_target(c);
		return;
	}
	hilt_loop_stop(c->loop);
}

static void stop_target(struct console *c, bool hurry)
{
	c->running = false;
	unwatch(c);
	/* A power cycle keeps a board's lock for the next start. */
	if (c->cycling && c->ops->keep_hold && c->t)
		c->hold_fd = c->ops->keep_hold(c->t);
	if (!c->t || c->ops->stop(c->t, hurry))
		target_stopped(c);
}

static void leave(struct console *c, int status, bool hurry)
{
	if (c->leaving)
		return;
	c->leaving = true;
	c->status = status;
	stop_target(c, hurry);
}

static void on_aux(struct hilt_loop *loop, int fd, short revents, void *arg);

static void watch_aux(struct console *c)
{
	for (size_t i = 0; i < c->naux; i++)
		hilt_loop_del_fd(c->loop, c->aux[i]);
	c->naux = c->ops->aux_fds ? c->ops->aux_fds(c->t, c->aux, 4) : 0;
	for (size_t i = 0; i < c->naux; i++)
		hilt_loop_add_fd(c->loop, c->aux[i], POLLIN, on_aux, c);
}

static void gone(struct console *c, enum hilt_target_state st, const char *why)
{
	say("the target is gone (%s): %s", st == HILT_TARGET_GONE_INFRA ? "infrastructure" : "device",
	    why);
	mark(c, "gone");
	leave(c, EXIT_INFRA, true);
}

static void on_console(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct console *c = arg;
	char buf[4096], why[1024];

	(void)loop;
	(void)fd;
	if (revents & POLLOUT)
		flush_typed(c);
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	for (int reads = 0; reads < 16 && c->running; reads++) {
		ssize_t n = c->ops->console_read ? c->ops->console_read(c->t, buf, sizeof(buf))
						 : read(c->console_fd, buf, sizeof(buf));

		if (n < 0 && !c->ops->console_read)
			n = -errno;
		if (n > 0) {
			record(c, buf, (size_t)n);
			if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
				(void)0;	/* the terminal went away: the signal ends it */
			continue;
		}
		if (n == -EAGAIN || n == -EINTR)
			return;
		hilt_loop_del_fd(c->loop, c->console_fd);
		c->console_fd = -1;
		enum hilt_target_state st = c->ops->console_eof(c->t, why, sizeof(why));

		if (st == HILT_TARGET_RUNNING)
			watch_aux(c);
		else
			gone(c, st, why);
		return;
	}
}

static void on_aux(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct console *c = arg;
	char why[1024];
	enum hilt_target_state st;

	(void)loop;
	(void)revents;
	st = c->ops->handle_aux(c->t, fd, why, sizeof(why));
	if (st == HILT_TARGET_GONE_DEVICE || st == HILT_TARGET_GONE_INFRA)
		gone(c, st, why);
	else
		watch_aux(c);
}

static void changed(void *arg, enum hilt_target_state st, const char *why)
{
	struct console *c = arg;

	if (st == HILT_TARGET_CONSOLE_BACK) {
		say("the console is back: %s", why);
		c->console_fd = c->ops->console_fd(c->t);
		hilt_loop_add_fd(c->loop, c->console_fd, POLLIN, on_console, c);
	}
	if (st == HILT_TARGET_GONE_DEVICE || st == HILT_TARGET_GONE_INFRA)
		gone(c, st, why);
	else
		watch_aux(c);
}

static void started(void *arg, const struct hilt_target_started *st)
{
	struct console *c = arg;

	if (st->rc < 0) {
		say("'%s' did not start: %s", c->cfg->name, st->err);
		leave(c, EXIT_INFRA, false);
		return;
	}
	c->running = true;
	c->console_fd = c->ops->console_fd(c->t);
	hilt_loop_add_fd(c->loop, c->console_fd, POLLIN, on_console, c);
	watch_aux(c);
	say("console of '%s' (%s); %c? for help", c->cfg->name, c->cfg->kind, c->escape);
	flush_typed(c);
}

static void output_failed(void *arg, const char *what)
{
	(void)arg;
	say("%s", what);
}

static void start_target(struct console *c)
{
	char err[1024];
	int rc = c->ops->new_target(c->cfg, &c->t, err, sizeof(err));

	if (rc == 0 && c->hold_fd >= 0 && c->ops->use_hold) {
		c->ops->use_hold(c->t, c->hold_fd);
		c->hold_fd = -1;
	}
	if (rc == 0)
		rc = c->ops->start(c->t, &c->env, err, sizeof(err));
	if (rc < 0) {
		say("'%s' did not start: %s", c->cfg->name, err);
		leave(c, EXIT_INFRA, false);
	}
}

static void help(struct console *c)
{
	say("%c. detach (power off, let go)  %cp power cycle  %cm mark  %c? help  %c%c send %c",
	    c->escape, c->escape, c->escape, c->escape, c->escape, c->escape, c->escape);
}

/* One byte typed: to the device, or a hotkey after the escape prefix. */
static void typed(struct console *c, char ch)
{
	if (c->esc == ESC_SEEN) {
		/* After a hotkey another may follow at once. */
		c->esc = ESC_LINE_START;
		switch (ch) {
		case '.':
			say("detached: powering '%s' off", c->cfg->name);
			mark(c, "detach");
			leave(c, EXIT_PASS, false);
			return;
		case 'p':
			say("power cycle of '%s'", c->cfg->name);
			mark(c, "power-cycle");
			c->cycling = true;
			stop_target(c, false);
			return;
		case 'm': {
			char what[32];

			snprintf(what, sizeof(what), "mark %u", ++c->nmarks);
			mark(c, what);
			say("%s at %.3f s", what, (double)(hilt_now_ns() - c->start_ns) / 1e9);
			return;
		}
		case '?':
			help(c);
			return;
		default:
			if (ch != c->escape)
				hilt_buf_append(&c->typed, &c->escape, 1);
			c->esc = ESC_NONE;
			break;
		}
	} else if (c->esc == ESC_LINE_START && ch == c->escape) {
		c->esc = ESC_SEEN;
		return;
	}
	hilt_buf_append(&c->typed, &ch, 1);
	c->esc = ch == '\r' || ch == '\n' ? ESC_LINE_START : ESC_NONE;
}

static void on_stdin(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct console *c = arg;
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)revents;
	if (n <= 0) {
		/* No terminal any more: as a detach. */
		hilt_loop_del_fd(loop, fd);
		leave(c, EXIT_PASS, false);
		return;
	}
	for (ssize_t i = 0; i < n && !c->leaving && !c->cycling; i++)
		typed(c, buf[i]);
	flush_typed(c);
}

static void on_signal(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct console *c = arg;
	struct signalfd_siginfo si;

	(void)loop;
	(void)revents;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (c->leaving) {
		/* A second signal: at once. */
		restore_terminal();
		_exit(EXIT_INFRA);
	}
	say("signal %u: powering '%s' off", si.ssi_signo, c->cfg->name);
	mark(c, "signal");
	leave(c, EXIT_INFRA, true);
}

static int open_recording(struct console *c, const char *dir)
{
	char *stem = NULL, *timing = NULL, *marks = NULL;
	int rc = 0;

	if (hilt_mkdir_p(dir, 0777) < 0 ||
	    asprintf(&stem, "%s/console@%s", dir, c->cfg->name) < 0)
		return -errno;
	for (char *p = strrchr(stem, '/') + 1; *p; p++)
		if (*p == ':' || *p == ' ')
			*p = '_';
	if (asprintf(&c->log_path, "%s.console.log", stem) < 0 ||
	    asprintf(&timing, "%s.console.timing", stem) < 0 ||
	    asprintf(&marks, "%s.marks", stem) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	c->log = hilt_fopen_out(c->log_path);
	c->timing = c->log ? hilt_fopen_out(timing) : NULL;
	c->marks = c->timing ? hilt_fopen_out(marks) : NULL;
	if (!c->marks) {
		fprintf(stderr, "hilt console: cannot write %s: %s\n",
			!c->log ? c->log_path : !c->timing ? timing : marks,
			hilt_fopen_out_error(errno));
		rc = -EIO;
	}
out:
	free(stem);
	free(timing);
	free(marks);
	return rc;
}

int hilt_cmd_console(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "farm", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "escape", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *farm_path = NULL, *out = "hilt-out";
	struct console c = { .console_fd = -1, .sigfd = -1, .escape = '~', .hold_fd = -1,
			     .esc = ESC_LINE_START };
	struct hilt_farm *farm = NULL;
	char err[HILT_CONFIG_ERR_MAX];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': farm_path = optarg; break;
		case 'o': out = optarg; break;
		case 'e':
			if (strlen(optarg) != 1) {
				fprintf(stderr, "hilt console: --escape takes one character, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			c.escape = optarg[0];
			break;
		case 'h': fputs(hilt_console_usage, stdout); return EXIT_PASS;
		default: fputs(hilt_console_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "hilt console: %s\n", optind < argc ? "one target at a time" : "which target?");
		fputs(hilt_console_usage, stderr);
		return EXIT_USAGE;
	}
	rc = farm_path ? hilt_farm_load(farm_path, &farm, err, sizeof(err))
		       : hilt_default_farm(&farm, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s%s\n", farm_path ? "" : "hilt console: ", err);
		return farm_path ? EXIT_USAGE : EXIT_INFRA;
	}
	if (!(c.cfg = hilt_farm_find(farm, argv[optind]))) {
		fprintf(stderr, "hilt console: no target named '%s' in %s\n", argv[optind],
			farm_path ? farm_path : "the built-in farm");
		hilt_farm_free(farm);
		return EXIT_USAGE;
	}
	c.ops = c.cfg->ops;
	if (c.ops->recorded) {
		fprintf(stderr, "hilt console: target '%s' is a recording: nothing to type at\n",
			c.cfg->name);
		hilt_farm_free(farm);
		return EXIT_USAGE;
	}
	if (hilt_loop_new(&c.loop) < 0 || open_recording(&c, out) < 0) {
		hilt_loop_free(c.loop);
		hilt_farm_free(farm);
		return EXIT_INFRA;
	}
	c.env = (struct hilt_target_env){
		.loop = c.loop, .output_failed = output_failed, .started = started,
		.stopped = target_stopped, .changed = changed, .arg = &c,
	};
	c.sigfd = hilt_proc_term_signalfd();
	if (c.sigfd >= 0)
		hilt_loop_add_fd(c.loop, c.sigfd, POLLIN, on_signal, &c);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c.saved) == 0) {
		struct termios raw = c.saved;

		cfmakeraw(&raw);
		restore_saved = &c.saved;
		atexit(restore_terminal);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	hilt_loop_add_fd(c.loop, STDIN_FILENO, POLLIN, on_stdin, &c);
	c.start_ns = c.last_log_ns = hilt_now_ns();
	say("starting '%s'; recording to %s", c.cfg->name, c.log_path);
	start_target(&c);
	if (!c.leaving || c.t)
		hilt_loop_run(c.loop);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) & ~O_NONBLOCK);
	restore_terminal();
	if (c.t)
		c.ops->free_target(c.t);
	if (c.hold_fd >= 0)
		close(c.hold_fd);
	if (c.log)
		fclose(c.log);
	if (c.timing)
		fclose(c.timing);
	if (c.marks)
		fclose(c.marks);
	if (c.sigfd >= 0)
		close(c.sigfd);
	hilt_buf_free(&c.typed);
	hilt_loop_free(c.loop);
	free(c.log_path);
	hilt_farm_free(farm);
	return c.status;
}
