/* Board target: a real device on a console (targets/console.c), reset and
 * flashed by commands or GPIO lines, used by one session at a time across
 * all hilt processes on the host.  A tty or serial console that vanishes
 * (a USB adapter re-enumerating) is waited for at the same path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../runner/farm.h"
#include "../runner/loop.h"
#include "../runner/proc.h"
#include "../runner/tail.h"
#include "console.h"
#include "gpio.h"
#include "target.h"

struct hilt_target {
	const struct hilt_target_config *cfg;
	struct hilt_console *console;
	int lock_fd;
	int retry_fd;		/* timerfd while the console is away */
	int64_t started_ns;	/* end of the reset */
	int64_t gone_ns;	/* when the console went away */
	char gone_why[256];	/* the last reopen failure */
	unsigned gaps;
	struct hilt_gpio *gpio;	/* lines, while the session holds the board */
	char lock_path[4096];
	char port_name[512];	/* {port}: the tty path or host:port */
	struct hilt_tail *diag;	/* output of the flash and reset commands */
	char *diag_text;
	unsigned long long stale_bytes;	/* drained at reset */
	char flash_status[96], reset_status[96], power_status[96];
	bool powered;		/* power-on ran: power-off at the end */
};

static int board_new(const struct hilt_target_config *cfg,
		     struct hilt_target **out, char *err, size_t errlen)
{
	struct hilt_target *t = calloc(1, sizeof(*t));

	if (!t || hilt_tail_new(8192, &t->diag)) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->cfg = cfg;
	t->lock_fd = t->retry_fd = -1;
	if (cfg->board.console.path)
		snprintf(t->port_name, sizeof(t->port_name), "%s", cfg->board.console.path);
	else
		snprintf(t->port_name, sizeof(t->port_name), "%s:%d", cfg->board.console.host,
			 cfg->board.console.port);
	*out = t;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Why the open lock file fd must not be used as one, or NULL when it is a
 * plain file with no other name (a hard link would make its writes land
 * in another file too). */
static const char *lock_file_refused(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return strerror(errno);
	if (S_ISDIR(st.st_mode))
		return "it is not a regular file (a directory)";
	if (S_ISFIFO(st.st_mode))
		return "it is not a regular file (a FIFO)";
	if (S_ISSOCK(st.st_mode))
		return "it is not a regular file (a socket)";
	if (S_ISCHR(st.st_mode))
		return "it is not a regular file (a character device)";
	if (S_ISBLK(st.st_mode))
		return "it is not a regular file (a block device)";
	if (!S_ISREG(st.st_mode))
		return "it is not a regular file";
	if (st.st_nlink != 1)
		return "it is a regular file with more than one name (a hard link)";
	return NULL;
}

/* One lock file per board: flock is released by the kernel however the
 * holder ends, crash included. */
static int take_lock(struct hilt_target *t, char *err, size_t errlen)
{
	const struct hilt_board_config *b = &t->cfg->board;
	char name[256];
	size_t i;

	for (i = 0; t->cfg->name[i] && i < sizeof(name) - 1; i++) {
		char c = t->cfg->name[i];

		name[i] = (c == '/' || c == '.' || c == ' ') ? '_' : c;
	}
	name[i] = '\0';
	snprintf(t->lock_path, sizeof(t->lock_path), "%s/hilt-board-%s.lock", b->lock_dir, name);
	/* The lock directory may be shared and world-writable (/run/lock):
	 * a symlink or anything but a plain file planted at the lock's path
	 * is refused, never followed, opened for I/O or written to. */
	t->lock_fd = open(t->lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
			  0666);
	if (t->lock_fd < 0) {
		int e = errno;
		struct stat st;

		if (e == ELOOP && lstat(t->lock_path, &st) == 0 && S_ISLNK(st.st_mode))
			snprintf(err, errlen,
				 "board '%s': refusing its lock %s: it is a symbolic link",
				 t->cfg->name, t->lock_path);
		else
			snprintf(err, errlen, "board '%s': cannot open its lock %s: %s",
				 t->cfg->name, t->lock_path, strerror(e));
		return -e;
	}
	const char *refused = lock_file_refused(t->lock_fd);

	if (refused) {
		snprintf(err, errlen, "board '%s': refusing its lock %s: %s", t->cfg->name,
			 t->lock_path, refused);
		close(t->lock_fd);
		t->lock_fd = -1;
		return -EPERM;
	}
	int64_t give_up = hilt_now_ns() + (int64_t)(b->lock_wait_s * 1e9);

	while (flock(t->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			snprintf(err, errlen, "board '%s': lock %s: %s", t->cfg->name,
				 t->lock_path, strerror(e));
			close(t->lock_fd);
			t->lock_fd = -1;
			return -e;
		}
		if (hilt_now_ns() >= give_up) {
			char holder[32] = "";
			ssize_t n = pread(t->lock_fd, holder, sizeof(holder) - 1, 0);

			holder[n > 0 ? n : 0] = '\0';
			holder[strcspn(holder, "\n")] = '\0';
			snprintf(err, errlen,
				 "board '%s' is busy: another session holds %s%s%s (waited %g s)",
				 t->cfg->name, t->lock_path, *holder ? ", pid " : "", holder,
				 b->lock_wait_s);
			close(t->lock_fd);
			t->lock_fd = -1;
			return -EBUSY;
		}
		sleep_ms(100);
	}
	/* Held: only now is the file ours to write.  The pid goes in before
	 * the old content is cut, so a waiting hilt never reads it empty. */
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

	if (pwrite(t->lock_fd, pid, (size_t)n, 0) == n && ftruncate(t->lock_fd, n) < 0)
		pid[0] = '\0';
	return 0;
}

/* Replaces each {name} of arg (built-ins and the board's <var>s). */
static char *expand(const struct hilt_target *t, const char *arg)
{
	const struct hilt_board_config *b = &t->cfg->board;
	size_t cap = strlen(arg) + 1, len = 0;
	char *out = malloc(cap);

	while (out && *arg) {
		const char *val = NULL;
		size_t skip = 1;

		if (*arg == '{') {
			const char *close = strchr(arg, '}');
			size_t n = close ? (size_t)(close - arg - 1) : 0;

			if (close && n == 4 && strncmp(arg + 1, "port", 4) == 0)
				val = t->port_name;
			else if (close && n == 4 && strncmp(arg + 1, "name", 4) == 0)
				val = t->cfg->name;
			for (size_t i = 0; close && !val && i < b->nvars; i++)
				if (strlen(b->var_names[i]) == n && strncmp(arg + 1, b->var_names[i], n) == 0)
					val = b->var_values[i];
			if (val)
				skip = n + 2;
		}
		size_t add = val ? strlen(val) : 1;

		if (len + add + 1 > cap) {
			cap = (len + add + 1) * 2;
			char *g = realloc(out, cap);

			if (!g) {
				free(out);
				return NULL;
			}
			out = g;
		}
		memcpy(out + len, val ? val : arg, add);
		len += add;
		arg += skip;
	}
	if (out)
		out[len] = '\0';
	return out;
}

/* Runs a command to its end or its deadline (then kills its group);
 * its output goes to the diagnostics.  0 when it exited 0. */
static int run_command(struct hilt_target *t, const char *what,
		       const struct hilt_command *cmd, char *status, size_t statuslen,
		       char *err, size_t errlen)
{
	char **argv = calloc(cmd->argc + 1, sizeof(*argv));
	struct hilt_proc *proc = NULL;
	struct hilt_proc_status st;
	int rc = -ENOMEM;

	if (!argv)
		goto out;
	for (size_t i = 0; i < cmd->argc; i++)
		if (!(argv[i] = expand(t, cmd->argv[i])))
			goto out;
	rc = hilt_proc_start(argv, NULL, 0, &proc, err, errlen);
	if (rc) {
		snprintf(status, statuslen, "did not start");
		goto out;
	}
	int64_t deadline = hilt_now_ns() + (int64_t)(cmd->timeout_s * 1e9);
	bool timed_out = false;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = hilt_proc_pidfd(proc), .events = POLLIN },
			{ .fd = hilt_proc_output_fd(proc), .events = POLLIN },
		};
		int64_t left = (deadline - hilt_now_ns()) / 1000000;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		poll(p, p[1].fd >= 0 ? 2 : 1, (int)(left > 1000 ? 1000 : left));
		char buf[4096];
		ssize_t n;

		while (p[1].fd >= 0 && (n = read(p[1].fd, buf, sizeof(buf))) > 0)
			hilt_tail_append(t->diag, buf, (size_t)n);
		if (p[1].fd >= 0 && n == 0)
			hilt_proc_close_output(proc);
		if (hilt_proc_reap(proc, &st) == 1)
			break;
	}
	if (timed_out) {
		hilt_proc_kill_wait(proc, 1000, &st);
		snprintf(status, statuslen, "killed at its deadline of %g s", cmd->timeout_s);
		snprintf(err, errlen, "%s command %s did not finish within %g s and was killed",
			 what, argv[0], cmd->timeout_s);
		rc = -ETIMEDOUT;
		goto out;
	}
	hilt_proc_status_str(&st, status, statuslen);
	if (!st.exited || st.exit_code != 0) {
		snprintf(err, errlen, "%s command %s failed: %s", what, argv[0], status);
		rc = st.exited ? -EPROTO : -EIO;
		goto out;
	}
	rc = 0;
out:
	hilt_proc_free(proc);
	for (size_t i = 0; argv && i < cmd->argc; i++)
		free(argv[i]);
	free(argv);
	return rc;
}

/* bare: err says only what failed (the caller names the console). */
static int open_console(struct hilt_target *t, bool bare, char *err, size_t errlen)
{
	char label[300];

	snprintf(label, sizeof(label), "board '%s'", t->cfg->name);
	return hilt_console_open(&t->cfg->board.console, bare ? NULL : label, &t->console,
				 err, errlen);
}

/* Discards what the console holds: output from before the reset must never
 * satisfy a milestone of this session. */
static void drain(struct hilt_target *t)
{
	t->stale_bytes += hilt_console_drain(t->console);
}

static void drain_cb(void *arg)
{
	drain(arg);
}

static int power_on(struct hilt_target *t, char *err, size_t errlen)
{
	int rc = run_command(t, "power-on", &t->cfg->board.power_on, t->power_status,
			     sizeof(t->power_status), err, errlen);

	t->powered = rc == 0;
	return rc;
}

static int power_off(struct hilt_target *t, char *err, size_t errlen)
{
	t->powered = false;
	return run_command(t, "power-off", &t->cfg->board.power_off, t->power_status,
			   sizeof(t->power_status), err, errlen);
}

static int board_start(struct hilt_target *t, const struct hilt_target_env *env,
		       char *err, size_t errlen)
{
	const struct hilt_board_config *b = &t->cfg->board;
	int rc;

	(void)env;
	rc = take_lock(t, err, errlen);
	if (rc)
		return rc;
	if (b->gpio.chip) {
		char consumer[64];

		snprintf(consumer, sizeof(consumer), "hilt:%s", t->cfg->name);
		rc = hilt_gpio_open(&b->gpio, consumer, &t->gpio, err, errlen);
		if (rc)
			return rc;
	}
	/* Power off (a clean state), and on again before flashing: the
	 * flasher needs a live board.  Without a flash step the board is
	 * powered on once its console is open, so the boot is seen whole. */
	if (b->power_off.argv && (rc = power_off(t, err, errlen)))
		return rc;
	/* The console is opened first, so that a missing, busy or
	 * misconfigured port is reported before anything is flashed. */
	rc = open_console(t, false, err, errlen);
	if (rc)
		return rc;
	if (b->flash.argv) {
		/* The flasher may need the console's port: it is released
		 * meanwhile, and the board is in download mode if the farm
		 * says how. */
		hilt_console_close(t->console);
		t->console = NULL;
		if (b->power_on.argv && (rc = power_on(t, err, errlen)))
			return rc;
		if (t->gpio && b->gpio.download.nsteps) {
			rc = hilt_gpio_run(t->gpio, &b->gpio.download, NULL, NULL, err, errlen);
			if (rc)
				return rc;
		}
		rc = run_command(t, "flash", &b->flash, t->flash_status, sizeof(t->flash_status),
				 err, errlen);
		if (rc)
			return rc == -EPROTO ? HILT_TARGET_FLASH_REFUSED : rc;
		rc = open_console(t, false, err, errlen);
		if (rc)
			return rc;
	}
	drain(t);
	if (b->power_on.argv && !t->powered) {
		rc = power_on(t, err, errlen);
		if (rc)
			return rc;
		/* As after a reset command: what is buffered came from before. */
		drain(t);
	}
	if (t->gpio && b->gpio.reset.nsteps) {
		/* A <drain/> step while the board is held in reset discards
		 * what it printed before. */
		rc = hilt_gpio_run(t->gpio, &b->gpio.reset, drain_cb, t, err, errlen);
		if (rc)
			return rc;
	}
	if (b->reset.argv) {
		rc = run_command(t, "reset", &b->reset, t->reset_status, sizeof(t->reset_status),
				 err, errlen);
		if (rc)
			return rc;
		/* A reset command returns with the board held in reset or not
		 * yet printing: what is buffered now came from before. */
		drain(t);
	}
	t->started_ns = hilt_now_ns();
	return 0;
}

static int board_console_fd(struct hilt_target *t)
{
	return t->console ? hilt_console_fd(t->console) : -1;
}

static ssize_t board_console_read(struct hilt_target *t, void *buf, size_t len)
{
	return t->console ? hilt_console_read(t->console, buf, len) : -ENODEV;
}

static ssize_t board_console_write(struct hilt_target *t, const void *buf, size_t len)
{
	return t->console ? hilt_console_write(t->console, buf, len) : -ENODEV;
}

static double secs_since(const struct hilt_target *t, int64_t ns)
{
	return (double)(ns - t->started_ns) / 1e9;
}

static enum hilt_target_state board_console_eof(struct hilt_target *t, char *why,
						size_t whylen)
{
	const struct hilt_console_config *k = &t->cfg->board.console;
	struct itimerspec every = { { 0, 50000000 }, { 0, 50000000 } };

	hilt_console_close(t->console);
	t->console = NULL;
	if (k->reappear_s <= 0 || k->kind == HILT_CONSOLE_TCP || k->kind == HILT_CONSOLE_TELNET) {
		snprintf(why, whylen, "the console %s of board '%s' closed", t->port_name,
			 t->cfg->name);
		return HILT_TARGET_GONE_INFRA;
	}
	/* A USB adapter re-enumerating: wait for its path to come back. */
	t->gone_ns = hilt_now_ns();
	snprintf(t->gone_why, sizeof(t->gone_why), "it was not back yet");
	t->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->retry_fd < 0 || timerfd_settime(t->retry_fd, 0, &every, NULL) < 0) {
		snprintf(why, whylen, "the console %s of board '%s' closed (and: %s)",
			 t->port_name, t->cfg->name, strerror(errno));
		return HILT_TARGET_GONE_INFRA;
	}
	return HILT_TARGET_RUNNING;
}

static size_t board_aux_fds(struct hilt_target *t, int *fds, size_t max)
{
	if (t->retry_fd < 0 || max < 1)
		return 0;
	fds[0] = t->retry_fd;
	return 1;
}

/* The retry timer while the console is away: reopen, or give up at the
 * deadline. */
static enum hilt_target_state board_handle_aux(struct hilt_target *t, int fd,
					       char *why, size_t whylen)
{
	const struct hilt_console_config *k = &t->cfg->board.console;
	uint64_t ticks;
	int64_t now = hilt_now_ns();

	if (fd != t->retry_fd || read(fd, &ticks, sizeof(ticks)) < 0)
		return HILT_TARGET_RUNNING;
	if (open_console(t, true, t->gone_why, sizeof(t->gone_why)) == 0) {
		close(t->retry_fd);
		t->retry_fd = -1;
		t->gaps++;
		snprintf(why, whylen,
			 "the console %s was gone from %.2f s to %.2f s after reset; what the board printed then is lost",
			 t->port_name, secs_since(t, t->gone_ns), secs_since(t, now));
		return HILT_TARGET_CONSOLE_BACK;
	}
	if (now - t->gone_ns < (int64_t)(k->reappear_s * 1e9))
		return HILT_TARGET_RUNNING;
	close(t->retry_fd);
	t->retry_fd = -1;
	snprintf(why, whylen,
		 "the console %s of board '%s' went away at %.2f s after reset and did not come back within %g s: %s",
		 t->port_name, t->cfg->name, secs_since(t, t->gone_ns), k->reappear_s, t->gone_why);
	return HILT_TARGET_GONE_INFRA;
}

static int board_http_endpoint(struct hilt_target *t, int guest_port, char *host,
			       size_t hostlen, int *port, char *err, size_t errlen)
{
	if (!t->cfg->board.address) {
		snprintf(err, errlen, "board '%s' has no <address> for HTTP probes", t->cfg->name);
		return -ENOTSUP;
	}
	snprintf(host, hostlen, "%s", t->cfg->board.address);
	*port = guest_port;
	return 0;
}

static void board_stop(struct hilt_target *t)
{
	/* A board is left powered off between sessions. */
	if (t->powered && t->cfg->board.power_off.argv) {
		char err[512];

		if (power_off(t, err, sizeof(err)))
			hilt_tail_append(t->diag, err, strlen(err));
	}
	hilt_console_close(t->console);
	t->console = NULL;
	if (t->retry_fd >= 0)
		close(t->retry_fd);
	t->retry_fd = -1;
	hilt_gpio_close(t->gpio);
	t->gpio = NULL;
	/* Closing the lock file releases the board. */
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	t->lock_fd = -1;
}

static void board_describe(struct hilt_target *t, hilt_property_cb cb, void *arg)
{
	char buf[64];

	hilt_console_describe(&t->cfg->board.console, buf, sizeof(buf));
	cb(arg, "board.console", buf);
	if (t->gaps) {
		snprintf(buf, sizeof(buf), "%u", t->gaps);
		cb(arg, "board.console.reopened", buf);
	}
	cb(arg, "board.lock", t->lock_path);
	snprintf(buf, sizeof(buf), "%llu", t->stale_bytes);
	cb(arg, "board.stale_bytes_drained", buf);
	if (*t->flash_status)
		cb(arg, "board.flash", t->flash_status);
	if (*t->reset_status)
		cb(arg, "board.reset", t->reset_status);
	if (*t->power_status)
		cb(arg, "board.power", t->power_status);
}

static const char *board_diagnostics(struct hilt_target *t)
{
	size_t n;
	const char *d = hilt_tail_data(t->diag, &n);

	free(t->diag_text);
	t->diag_text = strndup(d, n);
	return t->diag_text ? t->diag_text : "";
}

static void board_free(struct hilt_target *t)
{
	if (!t)
		return;
	board_stop(t);
	hilt_tail_free(t->diag);
	free(t->diag_text);
	free(t);
}

static void board_check(const struct hilt_target_config *cfg, struct hilt_check *chk);

const struct hilt_target_ops hilt_board_ops = {
	.kind = "board",
	.exclusive = true,
	.new_target = board_new,
	.start = board_start,
	.console_fd = board_console_fd,
	.console_read = board_console_read,
	.console_write = board_console_write,
	.console_eof = board_console_eof,
	.aux_fds = board_aux_fds,
	.handle_aux = board_handle_aux,
	.http_endpoint = board_http_endpoint,
	.stop = board_stop,
	.describe = board_describe,
	.diagnostics = board_diagnostics,
	.free_target = board_free,
	.check = board_check,
};

/* A GPIO chip given as libgpiod looks it up: a path, a number or
 * "gpiochipN" name a device file; a label cannot be checked here. */
static void check_gpio_chip(const struct hilt_target_config *cfg, struct hilt_check *chk)
{
	const char *chip = cfg->board.gpio.chip;
	long line = cfg->board.gpio_line;
	char dev[4096];
	struct stat st;

	if (!chip)
		return;
	if (strncmp(chip, "fake:", 5) == 0) {
		/* The record is made; its folder must be there. */
		snprintf(dev, sizeof(dev), "%s", chip + 5);
		char *slash = strrchr(dev, '/');

		if (slash && slash != dev) {
			*slash = '\0';
			if (stat(dev, &st) < 0 || !S_ISDIR(st.st_mode))
				chk->report(chk, HILT_CHECK_WARNING, line,
					    "GPIO record folder '%s' does not exist on this host", dev);
		}
		return;
	}
	if (chip[0] == '/')
		snprintf(dev, sizeof(dev), "%s", chip);
	else if (strspn(chip, "0123456789") == strlen(chip))
		snprintf(dev, sizeof(dev), "/dev/gpiochip%s", chip);
	else if (strncmp(chip, "gpiochip", 8) == 0)
		snprintf(dev, sizeof(dev), "/dev/%s", chip);
	else
		return;
	if (stat(dev, &st) < 0)
		chk->report(chk, HILT_CHECK_WARNING, line, "GPIO chip '%s' (%s) %s on this host",
			    chip, dev, errno == ENOENT ? "does not exist" : strerror(errno));
}

/* What a run needs of the host: the console device, the commands' programs
 * (after {var} replacement), the GPIO chip and the lock folder.  All may
 * exist on the farm host only: warnings. */
static void board_check(const struct hilt_target_config *cfg, struct hilt_check *chk)
{
	const struct hilt_board_config *b = &cfg->board;
	const struct {
		const char *what;
		const struct hilt_command *cmd;
	} cmds[] = {
		{ "<flash>", &b->flash }, { "<reset>", &b->reset },
		{ "<power-on>", &b->power_on }, { "<power-off>", &b->power_off },
	};
	struct hilt_target *t = NULL;
	char err[256], why[256];
	struct stat st;

	if (b->console.path && stat(b->console.path, &st) < 0)
		chk->report(chk, HILT_CHECK_WARNING, b->console_line,
			    "console '%s' %s on this host", b->console.path,
			    errno == ENOENT ? "does not exist" : strerror(errno));
	else if (b->console.path && !S_ISCHR(st.st_mode))
		chk->report(chk, HILT_CHECK_WARNING, b->console_line,
			    "console '%s' is not a character device", b->console.path);
	/* The commands as a session would run them, {port} and <var>s
	 * replaced. */
	if (board_new(cfg, &t, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++) {
			char *prog = cmds[i].cmd->argc ? expand(t, cmds[i].cmd->argv[0]) : NULL;

			if (prog && chk->find_program(prog, why, sizeof(why)) < 0)
				chk->report(chk, HILT_CHECK_WARNING, cmds[i].cmd->line,
					    "%s program '%s' %s on this host", cmds[i].what, prog, why);
			free(prog);
		}
		board_free(t);
	}
	check_gpio_chip(cfg, chk);
	if (b->lock_dir && stat(b->lock_dir, &st) < 0)
		chk->report(chk, HILT_CHECK_WARNING, b->lock_line, "lock folder '%s' %s on this host",
			    b->lock_dir, errno == ENOENT ? "does not exist" : strerror(errno));
	else if (b->lock_dir && !S_ISDIR(st.st_mode))
		chk->report(chk, HILT_CHECK_WARNING, b->lock_line,
			    "lock folder '%s' is not a folder on this host", b->lock_dir);
}
