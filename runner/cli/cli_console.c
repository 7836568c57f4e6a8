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
#include "base/number.h"
#include "base/outfile.h"
#include "base/watch.h"
#include "base/proc.h"
#include "base/xmlfile.h"
#include "runner/cli/cli.h"
#include "runner/cli/paths.h"
#include "runner/engine/farm.h"
#include "targets/target.h"
#include "targets/timing.h"

const char hilt_console_usage[] =
	"usage: hilt console [--farm FILE] [--out DIR] [--escape C] [--wait[=DURATION]]\n"
	"                    [--power-on] [--reset] [--download] [--flash] [--pace N] TARGET\n"
	"       hilt console --watch [--follow] [--farm FILE] TARGET\n"
	"\n"
	"Takes TARGET (a board: its lock, waited for with --wait; a QEMU guest:\n"
	"booted, with hilt's own network), brings it up as asked, and joins the\n"
	"terminal to its console.  After a newline, the escape character\n"
	"(default ~) gives:\n"
	"  ~.  detach: let the target go (powered off if hilt powered it on)\n"
	"  ~0  power off (a board keeps its lock)    ~1  power on (and reset)\n"
	"  ~p  power cycle: off, then on and reset\n"
	"  ~r  reset pulse    ~d  boot-mode (download) sequence    ~b  serial BREAK\n"
	"  ~s  send a file, paced (asks for its path)\n"
	"  ~m  a mark in the recording    ~?  this help    ~~  a ~ to the device\n"
	"The console is recorded in DIR (default hilt-out) as\n"
	"console@TARGET.console.log and .console.timing (hilt run --target\n"
	"replay:LOG plays it back), each hotkey's action in console@TARGET.marks.\n"
	"Others may watch it meanwhile: hilt console --watch TARGET.\n"
	"\n"
	"  --farm FILE        the farm (default: the built-in 'default' guest)\n"
	"  --out DIR          where the recording goes\n"
	"  --escape C         the escape character (one byte)\n"
	"  --wait[=DURATION]  wait for a busy board (90, 90s, 30m, 2h, 1d; default:\n"
	"                     as long as it takes) instead of giving up at once\n"
	"  --power-on         power the board off, then on\n"
	"  --reset            a reset pulse (its line, command or pdudaemon reboot)\n"
	"  --download         the boot-mode (download) sequence instead of a reset\n"
	"  --flash            flash it as a session does (power, flash, reset)\n"
	"                     (none of these: the board is taken as it is)\n"
	"  --pace N           ~s sends N bytes at a time, each once the device has\n"
	"                     echoed as many (default 16; 0: all at once)\n"
	"  --watch            a read-only copy of the console someone else holds\n"
	"                     (a person, a scheduled run); waits for a holder\n"
	"  --follow           with --watch: go on with the next holder\n";

enum esc_state { ESC_NONE, ESC_LINE_START, ESC_SEEN };

/* What follows the target's stop. */
enum after_stop { AFTER_END, AFTER_START, AFTER_OFF };

/* What a power cycle and ~1 bring up: power and reset, each as the
 * target has it. */
#define AS_ABLE (HILT_BRING_ATTACH | HILT_BRING_POWER | HILT_BRING_RESET | HILT_BRING_AS_ABLE)

/* How long a paced chunk of a file sent (~s) waits for its echo. */
#define ECHO_WAIT_NS (2 * 1000000000LL)
/* The largest file ~s sends. */
#define SEND_MAX (4 << 20)

struct console {
	struct hilt_loop *loop;
	const struct hilt_target_config *cfg;
	const struct hilt_target_ops *ops;
	struct hilt_target *t;
	struct hilt_target_env env;
	double wait_s;		/* --wait: env.wait_s points here */
	int console_fd;
	int aux[4];
	size_t naux;
	int sigfd;
	struct termios saved;
	char escape;
	enum esc_state esc;
	FILE *log, *timing, *marks;
	char *log_path;
	int64_t last_log_ns, start_ns;
	unsigned long long logged;
	unsigned nmarks;
	bool running, leaving, off, said_off;
	enum after_stop after;
	int status;
	struct hilt_buf typed;	/* input the console has not taken yet */
	int hold_fd;		/* a board's lock across a power cycle */
	struct hilt_watch *watch;
	unsigned started_once;	/* starts begun: who holds a board, said once */
	/* ~s: the path being typed, then the file going out paced. */
	bool asking;
	struct hilt_buf path;
	char *send;
	size_t send_len, send_off, chunk;
	unsigned pace;
	unsigned long long echo_want;	/* c->logged the chunk's echo reaches */
	int64_t echo_timer;
};

static struct termios *restore_saved;

/* The terminal as it was, on every way out. */
static void restore_terminal(void)
{
	if (restore_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, restore_saved);
	restore_saved = NULL;
}

/* A hotkey's action: in the marks file at the console byte it came at,
 * and told to the observers. */
static void mark(struct console *c, const char *what)
{
	double at = (double)(hilt_now_ns() - c->start_ns) / 1e9;
	char msg[600];

	if (c->marks) {
		fprintf(c->marks, "%.6f %llu %s\n", at, c->logged, what);
		fflush(c->marks);
	}
	snprintf(msg, sizeof(msg), "%s at %.3f s (console byte %llu)", what, at, c->logged);
	hilt_watch_say(c->watch, msg);
}

static void send_next(struct console *c);

static void record(struct console *c, const char *buf, size_t n)
{
	int64_t now = hilt_now_ns();

	if (c->log && fwrite(buf, 1, n, c->log) == n)
		fflush(c->log);
	if (c->timing) {
		hilt_timing_write(c->timing, now - c->last_log_ns, n);
		fflush(c->timing);
	}
	c->last_log_ns = now;
	c->logged += n;
	hilt_watch_feed(c->watch, buf, n);
	/* A paced file's chunk echoed: the next one. */
	if (c->send && c->echo_want && c->logged >= c->echo_want)
		send_next(c);
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

static void send_end(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The file going out (~s) ends: fmt says how. */
static void send_end(struct console *c, const char *fmt, ...)
{
	char text[600];
	va_list ap;

	if (!c->send)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (c->echo_timer > 0)
		hilt_loop_cancel_timer(c->loop, c->echo_timer);
	c->echo_timer = 0;
	free(c->send);
	c->send = NULL;
	c->echo_want = 0;
	mark(c, text);
	hilt_console_say("%s", text);
}

static void echo_late(struct hilt_loop *loop, void *arg)
{
	struct console *c = arg;

	(void)loop;
	c->echo_timer = 0;
	send_end(c, "send stopped: the device did not echo bytes %zu-%zu within %g s (%zu of %zu bytes sent)",
		 c->send_off - c->chunk, c->send_off, ECHO_WAIT_NS / 1e9, c->send_off, c->send_len);
}

/* The next chunk of the file, once the device echoed the one before it
 * (as many bytes printed), as <shell pace> types. */
static void send_next(struct console *c)
{
	if (c->echo_timer > 0)
		hilt_loop_cancel_timer(c->loop, c->echo_timer);
	c->echo_timer = 0;
	c->echo_want = 0;
	if (c->send_off >= c->send_len) {
		send_end(c, "sent %zu bytes", c->send_len);
		return;
	}
	c->chunk = c->pace && c->send_len - c->send_off > c->pace ? c->pace
								  : c->send_len - c->send_off;
	hilt_buf_append(&c->typed, c->send + c->send_off, c->chunk);
	c->send_off += c->chunk;
	flush_typed(c);
	if (!c->pace) {
		send_next(c);
		return;
	}
	c->echo_want = c->logged + c->chunk;
	c->echo_timer = hilt_loop_add_timer(c->loop, hilt_now_ns() + ECHO_WAIT_NS, echo_late, c);
}

static void send_file(struct console *c, const char *path)
{
	FILE *f = fopen(path, "rbe");
	size_t n = 0;
	char *data = NULL;

	if (f && (data = malloc(SEND_MAX + 1)))
		n = fread(data, 1, SEND_MAX + 1, f);
	if (!f || !data || ferror(f) || n > SEND_MAX) {
		hilt_console_say("not sent: %s: %s", path,
		    !f ? strerror(errno) : n > SEND_MAX ? "larger than 4 MiB" : "cannot read it");
		free(data);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	c->send = data;
	c->send_len = n;
	c->send_off = 0;
	char what[600];

	snprintf(what, sizeof(what), "send %.500s (%zu bytes, %u at a time)", path, n, c->pace);
	mark(c, what);
	hilt_console_say("sending %s: %zu bytes, %u at a time", path, n, c->pace);
	send_next(c);
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

/* The target is off: started again (a power cycle), left off (~0), or
 * hilt ends. */
static void target_stopped(void *arg)
{
	struct console *c = arg;

	if (c->t) {
		c->ops->free_target(c->t);
		c->t = NULL;
	}
	if (c->leaving || c->after == AFTER_END) {
		hilt_loop_stop(c->loop);
		return;
	}
	if (c->after == AFTER_START) {
		start_target(c);
		return;
	}
	c->off = true;
	c->said_off = false;
	hilt_console_say("'%s' is off; %c1 powers it on, %c. lets it go", c->cfg->name, c->escape, c->escape);
}

/* Stops the target; then after says what comes. */
static void stop_target(struct console *c, enum after_stop after, bool hurry)
{
	c->running = false;
	c->after = after;
	unwatch(c);
	send_end(c, "send stopped: the target stopped (%zu of %zu bytes sent)", c->send_off,
		 c->send_len);
	/* Powered off by a person, a board keeps its lock for the next
	 * start. */
	if (after != AFTER_END && c->ops->keep_hold && c->t && c->hold_fd < 0)
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
	if (!c->t)
		hilt_loop_stop(c->loop);
	else
		stop_target(c, AFTER_END, hurry);
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
	hilt_console_say("the target is gone (%s): %s", st == HILT_TARGET_GONE_INFRA ? "infrastructure" : "device",
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
			if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
				(void)0;	/* the terminal went away: the signal ends it */
			record(c, buf, (size_t)n);
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
		hilt_console_say("the console is back: %s", why);
		c->console_fd = c->ops->console_fd(c->t);
		hilt_loop_add_fd(c->loop, c->console_fd, POLLIN, on_console, c);
	}
	if (st == HILT_TARGET_GONE_DEVICE || st == HILT_TARGET_GONE_INFRA)
		gone(c, st, why);
	else
		watch_aux(c);
}

/* An action's end, asked for by a hotkey: marked and said. */
static void acted(void *arg, enum hilt_target_action a, int rc, const char *why)
{
	struct console *c = arg;
	char what[1200];

	if (rc)
		snprintf(what, sizeof(what), "%s failed: %s", hilt_target_action_name(a), why);
	else
		snprintf(what, sizeof(what), "%s done", hilt_target_action_name(a));
	mark(c, what);
	hilt_console_say("%s", what);
}

static void watch_note(void *arg, const char *what)
{
	(void)arg;
	hilt_console_say("%s", what);
}

static void started(void *arg, const struct hilt_target_started *st)
{
	struct console *c = arg;
	char err[1024];

	if (st->rc < 0) {
		hilt_console_say("'%s' did not start: %s", c->cfg->name, st->err);
		leave(c, EXIT_INFRA, false);
		return;
	}
	c->running = true;
	c->off = c->said_off = false;
	c->console_fd = c->ops->console_fd(c->t);
	hilt_loop_add_fd(c->loop, c->console_fd, POLLIN, on_console, c);
	watch_aux(c);
	/* Others may watch from now on, through every power cycle. */
	if (!c->watch && hilt_target_watch_open(c->loop, c->cfg, "hilt console", watch_note, c,
						&c->watch, err, sizeof(err)) < 0)
		hilt_console_say("nobody can watch this console: %s", err);
	hilt_console_say("console of '%s' (%s); %c? for help", c->cfg->name, c->cfg->kind, c->escape);
	flush_typed(c);
}

static void output_failed(void *arg, const char *what)
{
	(void)arg;
	hilt_console_say("%s", what);
}

static void busy_note(struct hilt_loop *loop, void *arg)
{
	struct console *c = arg;
	char lines[2][800];
	size_t n;

	(void)loop;
	if (c->running || c->leaving || !c->t)
		return;
	n = hilt_target_holders(c->cfg, lines);
	for (size_t i = 0; i < n; i++)
		hilt_console_say("waiting for '%s': %s", c->cfg->name, lines[i]);
}

static void start_target(struct console *c)
{
	char err[1024];

	c->off = false;
	int rc = c->ops->new_target(c->cfg, &c->t, err, sizeof(err));

	if (rc == 0 && c->hold_fd >= 0 && c->ops->use_hold) {
		c->ops->use_hold(c->t, c->hold_fd);
		c->hold_fd = -1;
	}
	if (rc == 0)
		rc = c->ops->start(c->t, &c->env, err, sizeof(err));
	if (rc < 0) {
		hilt_console_say("'%s' did not start: %s", c->cfg->name, err);
		leave(c, EXIT_INFRA, false);
		return;
	}
	/* A board someone else holds: who, once the first tries failed. */
	if (!c->started_once++)
		hilt_loop_add_timer(c->loop, hilt_now_ns() + 300 * 1000000LL, busy_note, c);
}

static void help(struct console *c)
{
	char e = c->escape;

	hilt_console_say("%c. detach  %c0 power off  %c1 power on  %cp power cycle  %cr reset  %cd boot-mode  "
	    "%cb BREAK  %cs send a file  %cm mark  %c? help  %c%c send %c",
	    e, e, e, e, e, e, e, e, e, e, e, e, e);
}

/* A person's action on the running target. */
static void act(struct console *c, enum hilt_target_action a)
{
	const char *what = hilt_target_action_name(a);
	char err[1024];
	int rc;

	if (!c->running) {
		hilt_console_say("'%s' is not running: %c1 powers it on", c->cfg->name, c->escape);
		return;
	}
	if (!c->ops->act) {
		hilt_console_say("no %s on '%s' (%s): %cp power-cycles it", what, c->cfg->name, c->cfg->kind,
		    c->escape);
		return;
	}
	mark(c, what);
	rc = c->ops->act(c->t, a, err, sizeof(err));
	if (rc)
		acted(c, a, rc, err);
}

/* Power on (~1) and the power cycle's start: power and reset, each as the
 * target has it. */
static void power_on(struct console *c)
{
	c->env.bring_up = AS_ABLE;
	start_target(c);
}

static void hotkey(struct console *c, char ch)
{
	const char *name = c->cfg->name;

	switch (ch) {
	case '.':
		hilt_console_say("detached from '%s'", name);
		mark(c, "detach");
		leave(c, EXIT_PASS, false);
		return;
	case 'p':
	case '0':
		if (!c->off) {
			hilt_console_say("power %s of '%s'", ch == 'p' ? "cycle" : "off", name);
			mark(c, ch == 'p' ? "power-cycle" : "power-off");
			c->env.bring_up = AS_ABLE;
			stop_target(c, ch == 'p' ? AFTER_START : AFTER_OFF, false);
			return;
		}
		if (ch == '0') {
			hilt_console_say("'%s' is off already", name);
			return;
		}
		/* Off, a power cycle is a power-on. */
		/* fall through */
	case '1':
		if (!c->off) {
			hilt_console_say("'%s' is on: %cp power-cycles it", name, c->escape);
			return;
		}
		hilt_console_say("power on of '%s'", name);
		mark(c, "power-on");
		power_on(c);
		return;
	case 'r': act(c, HILT_ACT_RESET); return;
	case 'd': act(c, HILT_ACT_DOWNLOAD); return;
	case 'b': act(c, HILT_ACT_BREAK); return;
	case 's':
		if (c->send) {
			send_end(c, "send stopped by hand (%zu of %zu bytes sent)", c->send_off,
				 c->send_len);
			return;
		}
		if (!c->running) {
			hilt_console_say("'%s' is not running: nothing to send to", name);
			return;
		}
		c->asking = true;
		hilt_buf_reset(&c->path);
		fprintf(stderr, "\r\n[hilt: send file: ");
		fflush(stderr);
		return;
	case 'm': {
		char what[32];

		snprintf(what, sizeof(what), "mark %u", ++c->nmarks);
		mark(c, what);
		hilt_console_say("%s at %.3f s", what, (double)(hilt_now_ns() - c->start_ns) / 1e9);
		return;
	}
	case '?':
		help(c);
		return;
	}
}

/* The path ~s asks for, typed in raw mode: Enter sends, Escape or ^C
 * gives up, backspace erases. */
static void ask_path(struct console *c, char ch)
{
	if (ch == '\r' || ch == '\n') {
		c->asking = false;
		fprintf(stderr, "]\r\n");
		if (hilt_buf_len(&c->path))
			send_file(c, hilt_buf_str(&c->path));
	} else if (ch == 0x1b || ch == 0x03) {
		c->asking = false;
		fprintf(stderr, "] not sent\r\n");
	} else if (ch == 0x7f || ch == 0x08) {
		size_t n = hilt_buf_len(&c->path);

		if (n) {
			char *keep = hilt_buf_steal(&c->path, &n);

			hilt_buf_append(&c->path, keep, n - 1);
			free(keep);
			fprintf(stderr, "\b \b");
		}
	} else if ((unsigned char)ch >= 0x20) {
		hilt_buf_append(&c->path, &ch, 1);
		fputc(ch, stderr);
	}
	fflush(stderr);
}

/* One byte typed: to the device, or a hotkey after the escape prefix. */
static void typed(struct console *c, char ch)
{
	if (c->asking) {
		ask_path(c, ch);
		return;
	}
	if (c->esc == ESC_SEEN) {
		/* After a hotkey another may follow at once. */
		c->esc = ESC_LINE_START;
		if (ch != c->escape && strchr(".p01rdbsm?", ch)) {
			hotkey(c, ch);
			return;
		}
		if (ch != c->escape)
			hilt_buf_append(&c->typed, &c->escape, 1);
	} else if (c->esc == ESC_LINE_START && ch == c->escape) {
		c->esc = ESC_SEEN;
		return;
	}
	c->esc = ch == '\r' || ch == '\n' ? ESC_LINE_START : ESC_NONE;
	if (c->off || !c->running) {
		/* Nobody to type at: said once; no line begun, so the
		 * escape works at once. */
		c->esc = ESC_LINE_START;
		if (!c->said_off && c->off)
			hilt_console_say("'%s' is off: %c1 powers it on", c->cfg->name, c->escape);
		else if (!c->said_off)
			hilt_console_say("'%s' is not up yet: what is typed goes nowhere; %c. gives up",
					 c->cfg->name, c->escape);
		c->said_off = true;
		return;
	}
	hilt_buf_append(&c->typed, &ch, 1);
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
	/* While the target starts too: ~. gives up a wait for a board. */
	for (ssize_t i = 0; i < n && !c->leaving; i++)
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
	hilt_console_say("signal %u: letting '%s' go", si.ssi_signo, c->cfg->name);
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
	enum { OPT_WAIT = 256, OPT_POWER_ON, OPT_RESET, OPT_DOWNLOAD, OPT_FLASH, OPT_PACE,
	       OPT_WATCH, OPT_FOLLOW };
	static const struct option opts[] = {
		{ "farm", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "escape", required_argument, NULL, 'e' },
		{ "wait", optional_argument, NULL, OPT_WAIT },
		{ "power-on", no_argument, NULL, OPT_POWER_ON },
		{ "reset", no_argument, NULL, OPT_RESET },
		{ "download", no_argument, NULL, OPT_DOWNLOAD },
		{ "flash", no_argument, NULL, OPT_FLASH },
		{ "pace", required_argument, NULL, OPT_PACE },
		{ "watch", no_argument, NULL, OPT_WATCH },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *farm_path = NULL, *out = "hilt-out";
	struct console c = { .console_fd = -1, .sigfd = -1, .escape = '~', .hold_fd = -1,
			     .esc = ESC_LINE_START, .pace = 16 };
	struct hilt_farm *farm = NULL;
	char err[HILT_CONFIG_ERR_MAX];
	unsigned bring = HILT_BRING_ATTACH;
	bool watch = false, follow = false;
	double pace;
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
		case OPT_WAIT:
			c.wait_s = optarg ? hilt_parse_duration(optarg) : 1e9;
			if (c.wait_s < 0) {
				fprintf(stderr, "hilt console: --wait takes a duration (90, 90s, 30m, 2h, 1d), not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_POWER_ON: bring |= HILT_BRING_POWER; break;
		case OPT_RESET: bring |= HILT_BRING_RESET; break;
		case OPT_DOWNLOAD: bring |= HILT_BRING_DOWNLOAD; break;
		case OPT_FLASH: bring |= HILT_BRING_FLASH; break;
		case OPT_PACE:
			if (hilt_number_double(optarg, NULL, 0, 65536, &pace) < 0 || pace != (unsigned)pace) {
				fprintf(stderr, "hilt console: --pace takes a whole number of bytes, 0 to 65536, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			c.pace = (unsigned)pace;
			break;
		case OPT_WATCH: watch = true; break;
		case OPT_FOLLOW: follow = true; break;
		case 'h': fputs(hilt_console_usage, stdout); return EXIT_PASS;
		default: fputs(hilt_console_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "hilt console: %s\n", optind < argc ? "one target at a time" : "which target?");
		fputs(hilt_console_usage, stderr);
		return EXIT_USAGE;
	}
	if (follow && !watch) {
		fprintf(stderr, "hilt console: --follow goes with --watch\n");
		return EXIT_USAGE;
	}
	if ((bring & HILT_BRING_RESET) && (bring & HILT_BRING_DOWNLOAD)) {
		fprintf(stderr, "hilt console: --reset or --download, not both (the boot-mode sequence resets the board its own way)\n");
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
	if (watch) {
		rc = hilt_console_watch(c.cfg, follow);
		hilt_farm_free(farm);
		return rc;
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
		.stopped = target_stopped, .changed = changed, .acted = acted, .arg = &c,
		.bring_up = bring, .wait_s = &c.wait_s,
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
	hilt_console_say("starting '%s'; recording to %s", c.cfg->name, c.log_path);
	start_target(&c);
	if (!c.leaving || c.t)
		hilt_loop_run(c.loop);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) & ~O_NONBLOCK);
	restore_terminal();
	snprintf(err, sizeof(err), "the holder let the console go: hilt console of '%s' ended",
		 c.cfg->name);
	hilt_watch_close(c.watch, err);
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
	free(c.send);
	hilt_buf_free(&c.path);
	hilt_buf_free(&c.typed);
	hilt_loop_free(c.loop);
	free(c.log_path);
	hilt_farm_free(farm);
	return c.status;
}
