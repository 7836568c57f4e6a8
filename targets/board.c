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
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/loop.h"
#include "base/proc.h"
#include "base/tail.h"
#include "base/xmlfile.h"
#include "targets/board.h"
#include "targets/espimage.h"
#include "targets/console.h"
#include "targets/gpio.h"
#include "targets/target.h"

/* Where a board's start or stop is: each phase may wait (a command, a GPIO
 * sequence, the lock), and the loop moves it on. */
enum board_phase {
	PH_IDLE,
	PH_VERIFY,		/* the images to flash, before the board is touched */
	PH_LOCK,		/* waiting for the board's lock */
	PH_POWER_OFF,		/* clean state first */
	PH_CONSOLE,		/* open it: a missing port is seen before flashing */
	PH_FLASH_POWER_ON,	/* the flasher needs a live board */
	PH_DOWNLOAD_MODE,	/* GPIO sequence */
	PH_FLASH,
	PH_REOPEN,
	PH_POWER_ON,
	PH_GPIO_RESET,
	PH_RESET,
	PH_RUNNING,		/* started: the session watches the console */
	PH_STOP_POWER_OFF,	/* stopping: power off at the end */
	PH_STOPPED,
};

/* How long an interrupted run waits for a board's power-off command. */
#define BOARD_HURRY_S 3.0
/* Grace between SIGTERM and SIGKILL of a board command. */
#define COMMAND_GRACE_MS 1000
#define LOCK_RETRY_NS (100 * 1000000LL)
#define REOPEN_EVERY_NS (50 * 1000000LL)
/* How long a TCP console may take to connect, per address. */
#define CONNECT_NS (10 * 1000000000LL)

struct hilt_target {
	const struct hilt_target_config *cfg;
	const struct hilt_board_config *bcfg;	/* cfg's */
	/* What the images to flash were found to be (bcfg->images.n). */
	struct hilt_flash_found *found;
	bool verified;
	const struct hilt_target_env *env;
	enum board_phase phase;
	bool stopping, hurry;
	struct hilt_child *cmd;	/* the command under way */
	const char *cmd_what;	/* "flash", "reset"... */
	char *cmd_status;	/* where its status goes */
	size_t cmd_statuslen;
	char cmd_argv0[256];
	double cmd_timeout_s;
	int64_t timer;		/* lock retries, connect deadlines, deferred calls */
	int watch_fd;		/* the console fd watched while it connects */
	int64_t lock_since_ns;
	int cmd_rc;		/* of the last command or GPIO sequence */
	int start_rc;
	double wait_s;		/* for the lock */
	char err[4608];	
	struct hilt_console *console;
	int lock_fd;
	int64_t reopen_timer;	/* while the console is away */
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
	const struct hilt_board_config *b = cfg->priv;

	if (!t || hilt_tail_new(8192, &t->diag) ||
	    !(t->found = calloc(b->images.n + 1, sizeof(*t->found)))) {
		if (t)
			hilt_tail_free(t->diag);
		free(t);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->cfg = cfg;
	t->bcfg = b;
	t->lock_fd = t->watch_fd = -1;
	if (t->bcfg->console.path)
		snprintf(t->port_name, sizeof(t->port_name), "%s", t->bcfg->console.path);
	else
		snprintf(t->port_name, sizeof(t->port_name), "%s:%d", t->bcfg->console.host,
			 t->bcfg->console.port);
	*out = t;
	return 0;
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
 * holder ends, crash included.  Opens it (once per session). */
static int open_lock(struct hilt_target *t, char *err, size_t errlen)
{
	const struct hilt_board_config *b = t->bcfg;
	char name[256];
	size_t i;

	for (i = 0; t->cfg->name[i] && i < sizeof(name) - 1; i++) {
		char c = t->cfg->name[i];

		name[i] = (c == '/' || c == '.' || c == ' ') ? '_' : c;
	}
	name[i] = '\0';
	snprintf(t->lock_path, sizeof(t->lock_path), "%s/hilt-board-%s.lock", b->lock_dir, name);
	/* A folder anyone may write to without the sticky bit lets anyone
	 * remove the lock file and make another: two runs would then each
	 * hold a lock on the one board.  /run/lock and /tmp are sticky. */
	struct stat dst;

	if (stat(b->lock_dir, &dst) == 0 && S_ISDIR(dst.st_mode) && (dst.st_mode & S_IWOTH) &&
	    !(dst.st_mode & S_ISVTX)) {
		snprintf(err, errlen,
			 "board '%s': refusing its lock folder %s: anyone may write to it and it "
			 "is not sticky, so anyone could remove the lock and take the board "
			 "(chmod +t it, or use a folder of the farm's own)",
			 t->cfg->name, b->lock_dir);
		return -EPERM;
	}
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
	return 0;
}

/* One try at the lock: 0 held, -EWOULDBLOCK busy (try again later, until
 * the board's lock wait runs out: then -EBUSY), or -errno.  err says why. */
static int try_lock(struct hilt_target *t, char *err, size_t errlen)
{
	const struct hilt_board_config *b = t->bcfg;

	if (flock(t->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			snprintf(err, errlen, "board '%s': lock %s: %s", t->cfg->name,
				 t->lock_path, strerror(e));
			return -e;
		}
		if (hilt_now_ns() - t->lock_since_ns < (int64_t)(b->lock_wait_s * 1e9))
			return -EWOULDBLOCK;
		char holder[32] = "";
		ssize_t n = pread(t->lock_fd, holder, sizeof(holder) - 1, 0);

		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		snprintf(err, errlen,
			 "board '%s' is busy: another session holds %s%s%s (waited %g s)",
			 t->cfg->name, t->lock_path, *holder ? ", pid " : "", holder,
			 b->lock_wait_s);
		return -EBUSY;
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
	const struct hilt_board_config *b = t->bcfg;
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

static void advance(struct hilt_target *t);
static void stop_advance(struct hilt_target *t);

/* The command under way ended: 0 when it exited 0, else -errno with why
 * in t->err; then the start or the stop goes on. */
static void command_done(struct hilt_child *c, const struct hilt_child_end *end, void *arg)
{
	struct hilt_target *t = arg;
	int rc = 0;

	(void)c;
	if (end->timed_out) {
		if (t->cmd_status)
			snprintf(t->cmd_status, t->cmd_statuslen, "killed at its deadline of %g s",
				 t->cmd_timeout_s);
		snprintf(t->err, sizeof(t->err),
			 "%s command %s did not finish within %g s and was killed",
			 t->cmd_what, t->cmd_argv0, t->cmd_timeout_s);
		rc = -ETIMEDOUT;
	} else if (end->stopped) {
		if (t->cmd_status)
			snprintf(t->cmd_status, t->cmd_statuslen, "stopped: the session ended");
		snprintf(t->err, sizeof(t->err), "%s command %s was stopped", t->cmd_what,
			 t->cmd_argv0);
		rc = -ECANCELED;
	} else {
		char status[96];

		hilt_proc_status_str(&end->status, status, sizeof(status));
		if (t->cmd_status)
			snprintf(t->cmd_status, t->cmd_statuslen, "%s", status);
		if (!end->status.exited || end->status.exit_code != 0) {
			snprintf(t->err, sizeof(t->err), "%s command %s failed: %s", t->cmd_what,
				 t->cmd_argv0, status);
			rc = end->status.exited ? -EPROTO : -EIO;
		}
	}
	/* end is the child's: read above, freed now. */
	hilt_child_free(t->cmd);
	t->cmd = NULL;
	t->cmd_rc = rc;
	if (t->stopping)
		stop_advance(t);
	else
		advance(t);
}

/* Starts cmd ({var}s replaced) under the loop; its output goes to the
 * diagnostics.  0 (command_done follows), or -errno with why in t->err. */
static int start_command(struct hilt_target *t, const char *what, const struct hilt_command *cmd,
			 double timeout_s, char *status, size_t statuslen)
{
	const struct hilt_flash_set *images = &t->bcfg->images;
	size_t n = cmd->argc, k = 0;
	char **argv;
	int rc = -ENOMEM;

	/* An argument "{images}" is the images' OFFSET PATH pairs, as
	 * esptool's write_flash takes them. */
	for (size_t i = 0; i < cmd->argc; i++)
		if (!strcmp(cmd->argv[i], "{images}"))
			n = n - 1 + 2 * images->n;
	argv = calloc(n + 1, sizeof(*argv));
	snprintf(t->err, sizeof(t->err), "out of memory");
	if (!argv)
		return rc;
	for (size_t i = 0; i < cmd->argc; i++) {
		if (strcmp(cmd->argv[i], "{images}")) {
			if (!(argv[k++] = expand(t, cmd->argv[i])))
				goto out;
			continue;
		}
		for (size_t m = 0; m < images->n; m++) {
			if (asprintf(&argv[k], "0x%x", images->img[m].offset) < 0) {
				argv[k] = NULL;
				goto out;
			}
			if (!(argv[++k] = strdup(images->img[m].path)))
				goto out;
			k++;
		}
	}
	t->cmd_what = what;
	t->cmd_timeout_s = timeout_s;
	t->cmd_status = status;
	t->cmd_statuslen = statuslen;
	snprintf(t->cmd_argv0, sizeof(t->cmd_argv0), "%s", argv[0]);
	rc = hilt_child_run(t->env->loop, argv, timeout_s, COMMAND_GRACE_MS, t->diag,
			    command_done, t, &t->cmd, t->err, sizeof(t->err));
	if (rc && status)
		snprintf(status, statuslen, "did not start");
out:
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	return rc;
}

/* bare: err says only what failed (the caller names the console). */
static int open_console(struct hilt_target *t, bool bare, char *err, size_t errlen)
{
	char label[300];

	snprintf(label, sizeof(label), "board '%s'", t->cfg->name);
	return hilt_console_open(&t->bcfg->console, bare ? NULL : label, &t->console,
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

static void unwatch_connect(struct hilt_target *t)
{
	if (t->watch_fd >= 0)
		hilt_loop_del_fd(t->env->loop, t->watch_fd);
	t->watch_fd = -1;
	if (t->timer > 0)
		hilt_loop_cancel_timer(t->env->loop, t->timer);
	t->timer = 0;
}

static bool watch_connect(struct hilt_target *t);

/* The console's connection ended, or its deadline came. */
static void connect_event(struct hilt_target *t, bool timed_out)
{
	int rc;

	unwatch_connect(t);
	rc = hilt_console_connected(t->console, timed_out, t->err, sizeof(t->err));
	if (rc == -EINPROGRESS && watch_connect(t))
		return;		/* the next address */
	t->cmd_rc = rc == -EINPROGRESS ? -ENOMEM : rc;
	advance(t);
}

static void on_connect(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	(void)loop;
	(void)fd;
	(void)revents;
	connect_event(arg, false);
}

static void connect_deadline(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;

	(void)loop;
	t->timer = 0;
	connect_event(t, true);
}

/* A TCP console still connecting is waited for by the loop: true when
 * the wait is on (advance follows), false when there is nothing to wait
 * for. */
static bool watch_connect(struct hilt_target *t)
{
	if (!t->console || !hilt_console_connecting(t->console))
		return false;
	t->watch_fd = hilt_console_fd(t->console);
	t->timer = hilt_loop_add_timer(t->env->loop, hilt_now_ns() + CONNECT_NS,
				       connect_deadline, t);
	if (t->timer < 0 || hilt_loop_add_fd(t->env->loop, t->watch_fd, POLLOUT, on_connect, t) < 0) {
		if (t->timer > 0)
			hilt_loop_cancel_timer(t->env->loop, t->timer);
		t->timer = 0;
		t->watch_fd = -1;
		/* Judged now, as a connect that failed. */
		return false;
	}
	return true;
}

static void gpio_done(void *arg, int rc, const char *err)
{
	struct hilt_target *t = arg;

	t->cmd_rc = rc;
	if (rc)
		snprintf(t->err, sizeof(t->err), "%s", err);
	advance(t);
}

/* Opens the console; a TCP one still connecting is waited for by the
 * loop.  1: waiting (advance follows), 0: open, or -errno (why in t->err). */
static int open_console_async(struct hilt_target *t)
{
	int rc = open_console(t, false, t->err, sizeof(t->err));

	if (rc)
		return rc;
	if (watch_connect(t))
		return 1;
	if (hilt_console_connecting(t->console))
		return hilt_console_connected(t->console, true, t->err, sizeof(t->err));
	return 0;
}

/* Starts the power-on or power-off command: 0 (command_done follows) or
 * -errno. */
static int power(struct hilt_target *t, bool on)
{
	const struct hilt_command *cmd = on ? &t->bcfg->power_on : &t->bcfg->power_off;

	t->powered = on;
	return start_command(t, on ? "power-on" : "power-off", cmd, cmd->timeout_s,
			     t->power_status, sizeof(t->power_status));
}

/* Starts a GPIO sequence: 0 (gpio_done follows) or -errno. */
static int gpio_sequence(struct hilt_target *t, const struct hilt_gpio_sequence *seq,
			 hilt_gpio_drain_cb drain, const char *what)
{
	int rc = hilt_gpio_start(t->gpio, t->env->loop, seq, drain, gpio_done, t);

	if (rc)
		snprintf(t->err, sizeof(t->err), "GPIO %s sequence: %s", what, strerror(-rc));
	return rc;
}

static void started_now(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;
	struct hilt_target_started st = {
		.rc = t->start_rc, .err = t->err, .wait_s = t->wait_s,
	};

	(void)loop;
	t->timer = 0;
	t->env->started(t->env->arg, &st);
}

/* The start ends (rc 0) or fails: told from the loop. */
static void start_ended(struct hilt_target *t, int rc)
{
	t->start_rc = rc;
	t->phase = rc ? PH_IDLE : PH_RUNNING;
	if (!rc)
		t->started_ns = hilt_now_ns();
	t->timer = hilt_loop_add_timer(t->env->loop, hilt_now_ns(), started_now, t);
	if (t->timer < 0) {
		t->timer = 0;
		started_now(t->env->loop, t);
	}
}

static void lock_retry(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;

	(void)loop;
	t->timer = 0;
	advance(t);
}

/* Moves the start on from t->phase until something must be waited for
 * (then a callback of the loop calls it again) or it has ended.  The
 * order: lock, power off (a clean state), console (a missing, busy or
 * misconfigured port is seen before anything is flashed), flashing (the
 * console released meanwhile: the flasher may need its port; the board
 * powered on and in download mode if the farm says how), power on,
 * GPIO reset, reset command; the console drained after each, so that
 * nothing from before satisfies a milestone. */
static void advance(struct hilt_target *t)
{
	const struct hilt_board_config *b = t->bcfg;
	int rc = t->cmd_rc;

	t->cmd_rc = 0;
	for (;;) {
		if (rc) {
			/* A flasher that ran and said no: the image's fault,
			 * if the suite says so. */
			if (t->phase == PH_FLASH && rc == -EPROTO)
				rc = HILT_TARGET_FLASH_REFUSED;
			start_ended(t, rc);
			return;
		}
		switch (t->phase) {
		case PH_VERIFY:
			t->phase = PH_LOCK;
			if (b->images.n) {
				rc = hilt_flash_verify(&b->images, t->found, t->err, sizeof(t->err));
				t->verified = !rc;
				if (rc == -EBADMSG)
					rc = HILT_TARGET_BAD_IMAGE;
			}
			break;
		case PH_LOCK:
			rc = try_lock(t, t->err, sizeof(t->err));
			if (rc == -EWOULDBLOCK) {
				t->timer = hilt_loop_add_timer(t->env->loop,
							       hilt_now_ns() + LOCK_RETRY_NS,
							       lock_retry, t);
				if (t->timer > 0)
					return;
				t->timer = 0;
				rc = -ENOMEM;
				snprintf(t->err, sizeof(t->err), "out of memory");
			}
			if (rc)
				break;
			t->wait_s = (double)(hilt_now_ns() - t->lock_since_ns) / 1e9;
			if (b->gpio.chip) {
				char consumer[64];

				snprintf(consumer, sizeof(consumer), "hilt:%s", t->cfg->name);
				rc = hilt_gpio_open(&b->gpio, consumer, &t->gpio, t->err,
						    sizeof(t->err));
				if (rc)
					break;
			}
			t->phase = PH_POWER_OFF;
			if (b->power_off.argv && !(rc = power(t, false)))
				return;
			break;
		case PH_POWER_OFF:
			t->phase = PH_CONSOLE;
			if ((rc = open_console_async(t)) > 0)
				return;
			break;
		case PH_CONSOLE:
			if (!b->flash.argv) {
				t->phase = PH_REOPEN;
				break;
			}
			hilt_console_close(t->console);
			t->console = NULL;
			t->phase = PH_FLASH_POWER_ON;
			if (b->power_on.argv && !(rc = power(t, true)))
				return;
			break;
		case PH_FLASH_POWER_ON:
			t->phase = PH_DOWNLOAD_MODE;
			if (t->gpio && b->gpio.download.nsteps &&
			    !(rc = gpio_sequence(t, &b->gpio.download, NULL, "download")))
				return;
			break;
		case PH_DOWNLOAD_MODE:
			t->phase = PH_FLASH;
			rc = start_command(t, "flash", &b->flash, b->flash.timeout_s,
					   t->flash_status, sizeof(t->flash_status));
			if (!rc)
				return;
			break;
		case PH_FLASH:
			t->phase = PH_REOPEN;
			if ((rc = open_console_async(t)) > 0)
				return;
			break;
		case PH_REOPEN:
			drain(t);
			t->phase = PH_POWER_ON;
			if (b->power_on.argv && !t->powered && !(rc = power(t, true)))
				return;
			break;
		case PH_POWER_ON:
			/* As after a reset command: what is buffered came from
			 * before. */
			drain(t);
			t->phase = PH_GPIO_RESET;
			/* A <drain/> step while the board is held in reset
			 * discards what it printed before. */
			if (t->gpio && b->gpio.reset.nsteps &&
			    !(rc = gpio_sequence(t, &b->gpio.reset, drain_cb, "reset")))
				return;
			break;
		case PH_GPIO_RESET:
			t->phase = PH_RESET;
			if (b->reset.argv) {
				rc = start_command(t, "reset", &b->reset, b->reset.timeout_s,
						   t->reset_status, sizeof(t->reset_status));
				if (!rc)
					return;
			}
			break;
		case PH_RESET:
			/* A reset command returns with the board held in reset
			 * or not yet printing: what is buffered came from
			 * before. */
			drain(t);
			start_ended(t, 0);
			return;
		default:
			return;
		}
	}
}

static int board_start(struct hilt_target *t, const struct hilt_target_env *env,
		       char *err, size_t errlen)
{
	int rc;

	t->env = env;
	t->stopping = t->hurry = false;
	t->cmd_rc = 0;
	t->lock_since_ns = hilt_now_ns();
	rc = open_lock(t, err, errlen);
	if (rc)
		return rc;
	t->phase = PH_VERIFY;
	/* Even the first try at the lock is made from the loop. */
	t->timer = hilt_loop_add_timer(env->loop, hilt_now_ns(), lock_retry, t);
	if (t->timer < 0) {
		t->timer = 0;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
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

static ssize_t board_console_flush(struct hilt_target *t)
{
	return t->console ? hilt_console_flush(t->console) : -ENODEV;
}

static double secs_since(const struct hilt_target *t, int64_t ns)
{
	return (double)(ns - t->started_ns) / 1e9;
}

/* Every 50 ms while the console is away: reopen it, or give up at the
 * board's deadline; the session is told either way. */
static void reopen_tick(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;
	const struct hilt_console_config *k = &t->bcfg->console;
	int64_t now = hilt_now_ns();
	char why[1024];

	t->reopen_timer = 0;
	if (open_console(t, true, t->gone_why, sizeof(t->gone_why)) == 0) {
		t->gaps++;
		snprintf(why, sizeof(why),
			 "the console %s was gone from %.2f s to %.2f s after reset; what the board printed then is lost",
			 t->port_name, secs_since(t, t->gone_ns), secs_since(t, now));
		t->env->changed(t->env->arg, HILT_TARGET_CONSOLE_BACK, why);
		return;
	}
	if (now - t->gone_ns < (int64_t)(k->reappear_s * 1e9)) {
		t->reopen_timer = hilt_loop_add_timer(loop, now + REOPEN_EVERY_NS, reopen_tick, t);
		if (t->reopen_timer > 0)
			return;
		t->reopen_timer = 0;
	}
	snprintf(why, sizeof(why),
		 "the console %s of board '%s' went away at %.2f s after reset and did not come back within %g s: %s",
		 t->port_name, t->cfg->name, secs_since(t, t->gone_ns), k->reappear_s, t->gone_why);
	t->env->changed(t->env->arg, HILT_TARGET_GONE_INFRA, why);
}

static enum hilt_target_state board_console_eof(struct hilt_target *t, char *why,
						size_t whylen)
{
	const struct hilt_console_config *k = &t->bcfg->console;

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
	t->reopen_timer = hilt_loop_add_timer(t->env->loop, t->gone_ns + REOPEN_EVERY_NS,
					      reopen_tick, t);
	if (t->reopen_timer < 0) {
		t->reopen_timer = 0;
		snprintf(why, whylen, "the console %s of board '%s' closed (and: out of memory)",
			 t->port_name, t->cfg->name);
		return HILT_TARGET_GONE_INFRA;
	}
	return HILT_TARGET_RUNNING;
}

static size_t board_aux_fds(struct hilt_target *t, int *fds, size_t max)
{
	(void)t;
	(void)fds;
	(void)max;
	return 0;
}

static enum hilt_target_state board_handle_aux(struct hilt_target *t, int fd,
					       char *why, size_t whylen)
{
	(void)t;
	(void)fd;
	(void)why;
	(void)whylen;
	return HILT_TARGET_RUNNING;
}

static int board_http_endpoint(struct hilt_target *t, int guest_port, char *host,
			       size_t hostlen, int *port, char *err, size_t errlen)
{
	if (!t->bcfg->address) {
		snprintf(err, errlen, "board '%s' has no <address> for HTTP probes", t->cfg->name);
		return -ENOTSUP;
	}
	snprintf(host, hostlen, "%s", t->bcfg->address);
	*port = guest_port;
	return 0;
}

/* Releases what the session held: console, GPIO lines, the lock. */
static void release(struct hilt_target *t)
{
	if (t->env)
		unwatch_connect(t);
	hilt_child_free(t->cmd);
	t->cmd = NULL;
	hilt_console_close(t->console);
	t->console = NULL;
	if (t->reopen_timer > 0 && t->env)
		hilt_loop_cancel_timer(t->env->loop, t->reopen_timer);
	t->reopen_timer = 0;
	hilt_gpio_close(t->gpio);
	t->gpio = NULL;
	/* Closing the lock file releases the board. */
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	t->lock_fd = -1;
	t->phase = PH_IDLE;
}

static void stopped_now(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;

	(void)loop;
	t->timer = 0;
	t->env->stopped(t->env->arg);
}

/* Moves the stop on: a command of the start under way is stopped first,
 * then a board that was powered on is powered off (a board is left off
 * between sessions), then everything is released. */
static void stop_advance(struct hilt_target *t)
{
	const struct hilt_board_config *b = t->bcfg;

	if (t->cmd)
		return;		/* command_done brings us back */
	if (t->phase != PH_STOP_POWER_OFF && t->powered && b->power_off.argv) {
		double timeout = b->power_off.timeout_s;

		if (t->hurry && timeout > BOARD_HURRY_S)
			timeout = BOARD_HURRY_S;
		t->phase = PH_STOP_POWER_OFF;
		t->powered = false;
		if (start_command(t, "power-off", &b->power_off, timeout, t->power_status,
				  sizeof(t->power_status)) == 0)
			return;
		hilt_tail_append(t->diag, t->err, strlen(t->err));
	} else if (t->phase == PH_STOP_POWER_OFF && t->cmd_rc) {
		hilt_tail_append(t->diag, t->err, strlen(t->err));
	}
	t->cmd_rc = 0;
	release(t);
	t->phase = PH_STOPPED;
	t->timer = hilt_loop_add_timer(t->env->loop, hilt_now_ns(), stopped_now, t);
	if (t->timer < 0) {
		t->timer = 0;
		stopped_now(t->env->loop, t);
	}
}

static bool board_stop(struct hilt_target *t, bool hurry)
{
	if (!t->env || t->phase == PH_IDLE || t->phase == PH_STOPPED) {
		release(t);
		return true;
	}
	t->hurry |= hurry;
	if (t->stopping) {
		/* Stopping already: an interrupt cuts the power-off short. */
		if (hurry && t->cmd)
			hilt_child_stop(t->cmd, 200);
		return false;
	}
	t->stopping = true;
	unwatch_connect(t);
	if (t->gpio)
		hilt_gpio_cancel(t->gpio);
	/* A flasher or reset command of the start ends now. */
	if (t->cmd)
		hilt_child_stop(t->cmd, hurry ? 200 : -1);
	stop_advance(t);
	return false;
}

static void board_describe(struct hilt_target *t, hilt_property_cb cb, void *arg)
{
	char buf[64];

	hilt_console_describe(&t->bcfg->console, buf, sizeof(buf));
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
	/* What was flashed, so that a comparison of runs shows what firmware
	 * changed. */
	for (size_t i = 0; t->verified && i < t->bcfg->images.n; i++) {
		const struct hilt_flash_found *f = &t->found[i];
		char name[320];

		snprintf(name, sizeof(name), "image.%s.sha256", f->name);
		cb(arg, name, f->sha256);
		snprintf(name, sizeof(name), "image.%s.offset", f->name);
		snprintf(buf, sizeof(buf), "0x%x", f->offset);
		cb(arg, name, buf);
		snprintf(name, sizeof(name), "image.%s.kind", f->name);
		cb(arg, name, f->kind);
		if (f->chip) {
			snprintf(name, sizeof(name), "image.%s.chip", f->name);
			cb(arg, name, f->chip);
		}
		if (*f->version) {
			snprintf(name, sizeof(name), "image.%s.version", f->name);
			cb(arg, name, f->version);
			snprintf(name, sizeof(name), "image.%s.project", f->name);
			cb(arg, name, f->project);
		}
	}
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
	release(t);
	hilt_tail_free(t->diag);
	free(t->diag_text);
	free(t->found);
	free(t);
}

static void board_check(const struct hilt_target_config *cfg, struct hilt_check *chk);
static int board_parse(struct hilt_config_loader *ld, const xmlNode *node,
		       struct hilt_target_config *cfg);
static void board_free_config(void *priv);

const struct hilt_target_ops hilt_board_ops = {
	.kind = "board",
	.parse = board_parse,
	.free_config = board_free_config,
	.exclusive = true,
	.new_target = board_new,
	.start = board_start,
	.console_fd = board_console_fd,
	.console_read = board_console_read,
	.console_write = board_console_write,
	.console_flush = board_console_flush,
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
	const struct hilt_board_config *b = cfg->priv;
	const char *chip = b->gpio.chip;
	long line = b->gpio_line;
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
	const struct hilt_board_config *b = cfg->priv;
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

	/* The images to flash, as a session would verify them: built
	 * elsewhere and copied, they may be missing here. */
	for (size_t i = 0; i < b->images.n; i++) {
		struct hilt_flash_set one = { .img = &b->images.img[i], .n = 1,
					      .chip = b->images.chip };
		struct hilt_flash_found found;
		char why_img[1024];

		if (hilt_flash_verify(&one, &found, why_img, sizeof(why_img)))
			chk->report(chk, HILT_CHECK_WARNING, b->images.img[i].line, "%s", why_img);
	}
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

/* ---- The configuration: the farm's board <target> ---- */

static void free_command(struct hilt_command *cmd)
{
	hilt_config_strv_free(cmd->argv, cmd->argc);
}

void hilt_board_config_free(struct hilt_board_config *b)
{
	if (!b)
		return;
	free(b->console.path);
	free(b->console.host);
	free(b->lock_dir);
	free_command(&b->reset);
	free_command(&b->flash);
	hilt_flash_set_free(&b->images);
	free_command(&b->power_on);
	free_command(&b->power_off);
	free(b->address);
	hilt_config_strv_free(b->var_names, b->nvars);
	hilt_config_strv_free(b->var_values, b->nvars);
	hilt_gpio_config_free(&b->gpio);
	free(b);
}

static void board_free_config(void *priv)
{
	hilt_board_config_free(priv);
}

/* <image offset="0x10000">app.bin</image> of a <flash>: what it writes. */
static void parse_image(struct hilt_config_loader *ld, const xmlNode *c,
			struct hilt_flash_set *set)
{
	static const char *const attrs[] = { "offset", NULL };
	xmlChar *off = xmlGetProp(c, BAD_CAST "offset");
	char *end = NULL, *text;
	unsigned long long v = 0;
	struct hilt_flash_image *more;

	hilt_xml_check_attrs(ld->d, c, attrs);
	if (off) {
		errno = 0;
		v = strtoull((const char *)off, &end, 0);
	}
	if (!off || errno || end == (char *)off || *end || *off == '-' || v > 0xFFFFFFFFull) {
		hilt_xml_error(ld->d, c, "<image> needs offset=\"0x10000\" (where the flash gets "
			       "it), not '%s'", off ? (const char *)off : "");
		xmlFree(off);
		return;
	}
	xmlFree(off);
	/* hilt_config_text would refuse the attribute; the text itself: */
	xmlChar *raw = xmlNodeGetContent(c);

	text = raw ? strdup((const char *)raw) : NULL;
	xmlFree(raw);
	if (text) {
		char *a = text, *z;

		while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
			a++;
		z = a + strlen(a);
		while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\n' || z[-1] == '\r'))
			*--z = '\0';
		memmove(text, a, strlen(a) + 1);
	}
	if (!text || !*text) {
		if (text)
			hilt_xml_error(ld->d, c, "<image> names no file");
		else
			ld->oom = true;
		free(text);
		return;
	}
	more = realloc(set->img, (set->n + 1) * sizeof(*more));
	char *path = hilt_config_path(ld->dir, text);

	free(text);
	if (!more || !path) {
		if (more)
			set->img = more;
		free(path);
		ld->oom = true;
		return;
	}
	set->img = more;
	set->img[set->n++] = (struct hilt_flash_image){
		.path = path, .offset = (uint32_t)v, .line = xmlGetLineNo(c),
	};
}

static void parse_command(struct hilt_config_loader *ld, const xmlNode *node,
			  struct hilt_command *cmd, struct hilt_flash_set *images)
{
	static const char *const attrs[] = { "timeout", NULL };
	static const char *const flash_attrs[] = { "timeout", "chip", NULL };
	bool args = false;

	if (cmd->line) {
		hilt_xml_error(ld->d, node, "only one <%s> is allowed (the first is at line %ld)",
			       (const char *)node->name, cmd->line);
		return;
	}
	cmd->line = xmlGetLineNo(node);
	cmd->timeout_s = 60;
	hilt_xml_check_attrs(ld->d, node, images ? flash_attrs : attrs);
	hilt_xml_seconds(ld->d, node, "timeout", &cmd->timeout_s);
	hilt_xml_check_element_only(ld->d, node);
	if (images) {
		xmlChar *chip = xmlGetProp(node, BAD_CAST "chip");

		if (chip && (images->chip = hilt_esp_chip_parse((const char *)chip)) ==
				    HILT_ESP_UNKNOWN)
			hilt_xml_error(ld->d, node, "chip '%s': esp32, esp32s2, esp32s3, esp32c2, "
				       "esp32c3, esp32c6, esp32h2, esp32p4 or esp8266",
				       (const char *)chip);
		xmlFree(chip);
	}
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (images && hilt_xml_is(c, "image")) {
			parse_image(ld, c, images);
			continue;
		}
		if (!hilt_xml_is(c, "arg")) {
			hilt_xml_error(ld->d, c, "unknown element <%s> in <%s> (expected <arg>%s)",
				       (const char *)c->name, (const char *)node->name,
				       images ? " or <image>" : "");
			continue;
		}
		args = true;
		char *text = hilt_config_text(ld, c);

		if (text)
			hilt_config_note(ld, hilt_config_push(&cmd->argv, &cmd->argc, text));
	}
	if (!args)
		hilt_xml_error(ld->d, node, "<%s> needs at least one <arg>",
			       (const char *)node->name);
}

static void parse_console(struct hilt_config_loader *ld, const xmlNode *node,
			  struct hilt_board_config *b)
{
	static const char *const attrs[] = {
		"type", "path", "host", "port", "baud", "data-bits", "parity", "stop-bits",
		"flow", "reappear", NULL,
	};
	static const char *const types[] = { "tcp", "telnet", "tty", "serial", NULL };
	static const char *const parities[] = { "none", "odd", "even", "mark", "space", NULL };
	static const char *const flows[] = { "none", "xonxoff", "rtscts", "dtrdsr", NULL };
	static const char *const bits[] = { "5", "6", "7", "8", NULL };
	static const char *const stops[] = { "1", "2", NULL };
	struct hilt_console_config *k = &b->console;
	int type = -1, v;
	unsigned long n;

	if (b->console_line) {
		hilt_xml_error(ld->d, node, "only one <console> is allowed (the first is at line %ld)",
			       b->console_line);
		return;
	}
	b->console_line = xmlGetLineNo(node);
	hilt_xml_check_attrs(ld->d, node, attrs);
	int rc = hilt_xml_choice(ld->d, node, "type", types, &type);

	if (rc == 0)
		hilt_xml_error(ld->d, node,
			       "<console> needs type=\"tcp\", \"telnet\", \"tty\" or \"serial\"");
	if (rc != 1)
		return;
	k->kind = (enum hilt_console_kind)type;
	if (k->kind == HILT_CONSOLE_TCP || k->kind == HILT_CONSOLE_TELNET) {
		for (size_t i = 1; attrs[i]; i++)
			if (i != 2 && i != 3 && xmlHasProp(node, (const xmlChar *)attrs[i]))
				hilt_xml_error(ld->d, node, "'%s' is for tty and serial consoles, not %s",
					       attrs[i], types[type]);
		k->host = hilt_xml_attr(node, "host");
		if (!k->host && !(k->host = strdup("127.0.0.1")))
			ld->oom = true;
		char *s = hilt_xml_attr_required(ld->d, node, "port");

		if (s && hilt_xml_parse_count(ld->d, node, "'port'", s, 1, 65535, &n) == 0)
			k->port = (int)n;
		free(s);
		return;
	}
	if (xmlHasProp(node, (const xmlChar *)"host") || xmlHasProp(node, (const xmlChar *)"port"))
		hilt_xml_error(ld->d, node, "host and port are for tcp and telnet consoles, not %s",
			       types[type]);
	k->path = hilt_xml_attr_required(ld->d, node, "path");
	n = 0;
	if (hilt_xml_count(ld->d, node, "baud", 1, 4000000, &n) == 0)
		k->baud = (unsigned)n;
	if (hilt_xml_choice(ld->d, node, "data-bits", bits, &v) == 1)
		k->data_bits = (unsigned)v + 5;
	if (hilt_xml_choice(ld->d, node, "parity", parities, &v) == 1)
		k->parity = (enum hilt_parity)v;
	if (hilt_xml_choice(ld->d, node, "stop-bits", stops, &v) == 1)
		k->stop_bits = (unsigned)v + 1;
	if (hilt_xml_choice(ld->d, node, "flow", flows, &v) == 1)
		k->flow = (enum hilt_flow)v;
	/* Any line setting given: the ones not given are set to their default
	 * (none) rather than left as the port was. */
	static const char *const line_attrs[] = { "data-bits", "parity", "stop-bits", "flow" };

	for (size_t i = 0; i < sizeof(line_attrs) / sizeof(*line_attrs); i++)
		k->line_settings |= xmlHasProp(node, (const xmlChar *)line_attrs[i]) != NULL;
	hilt_xml_seconds(ld->d, node, "reappear", &k->reappear_s);
}

static void parse_gpio_line(struct hilt_config_loader *ld, const xmlNode *c,
			    struct hilt_gpio_config *g)
{
	static const char *const attrs[] = { "name", "offset", "chip-line", "active-low", NULL };
	struct hilt_gpio_line_config line = { 0 };
	unsigned long offset = 0;

	hilt_xml_check_attrs(ld->d, c, attrs);
	line.name = hilt_xml_attr_required(ld->d, c, "name");
	line.chip_line = hilt_xml_attr(c, "chip-line");
	bool has_off = xmlHasProp(c, (const xmlChar *)"offset") != NULL;

	if (has_off == (line.chip_line != NULL))
		hilt_xml_error(ld->d, c,
			       "GPIO line '%s' needs offset=\"N\" or chip-line=\"NAME\" (one of them)",
			       line.name ? line.name : "");
	if (has_off && hilt_xml_count(ld->d, c, "offset", 0, 1023, &offset) == 0)
		line.offset = (unsigned)offset;
	hilt_xml_bool(ld->d, c, "active-low", &line.active_low);
	for (size_t i = 0; line.name && i < g->nlines; i++)
		if (strcmp(g->lines[i].name, line.name) == 0) {
			hilt_xml_error(ld->d, c, "GPIO line '%s' is named twice", line.name);
			break;
		}
	/* A line without a name cannot be used; one named twice is kept so
	 * that the sequences using it are checked. */
	if (!line.name) {
		free(line.chip_line);
		return;
	}
	struct hilt_gpio_line_config *l = realloc(g->lines, (g->nlines + 1) * sizeof(*l));

	if (!l) {
		free(line.name);
		free(line.chip_line);
		ld->oom = true;
		return;
	}
	g->lines = l;
	l[g->nlines++] = line;
}

static void parse_gpio(struct hilt_config_loader *ld, const xmlNode *node,
		       struct hilt_board_config *b)
{
	static const char *const attrs[] = { "chip", NULL };
	struct hilt_gpio_config *g = &b->gpio;

	if (b->gpio_line) {
		hilt_xml_error(ld->d, node, "only one <gpio> is allowed (the first is at line %ld)",
			       b->gpio_line);
		return;
	}
	b->gpio_line = xmlGetLineNo(node);
	hilt_xml_check_attrs(ld->d, node, attrs);
	g->chip = hilt_xml_attr_required(ld->d, node, "chip");
	hilt_xml_check_element_only(ld->d, node);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "line"))
			parse_gpio_line(ld, c, g);
		else
			hilt_xml_error(ld->d, c, "unknown element <%s> in <gpio> (expected <line>)",
				       (const char *)c->name);
	}
}

/* One step of a sequence: 0 with *step filled, or -EINVAL. */
static int parse_sequence_step(struct hilt_config_loader *ld, const xmlNode *c,
			       const struct hilt_gpio_config *g, struct hilt_gpio_step *step)
{
	if (hilt_xml_is(c, "set")) {
		static const char *const attrs[] = { "line", "value", NULL };
		char *line = hilt_xml_attr_required(ld->d, c, "line");
		char *value = hilt_xml_attr(c, "value");
		int rc = hilt_xml_check_attrs(ld->d, c, attrs);
		size_t i;

		for (i = 0; line && i < g->nlines; i++)
			if (strcmp(g->lines[i].name, line) == 0)
				break;
		if (!line)
			rc = -EINVAL;
		else if (i == g->nlines)
			rc = hilt_xml_error(ld->d, c, "no GPIO line named '%s'", line);
		if (!value || (strcmp(value, "0") && strcmp(value, "1")))
			rc = hilt_xml_error(ld->d, c,
					    "<set> needs value=\"1\" (asserted) or value=\"0\"");
		*step = (struct hilt_gpio_step){ .kind = HILT_GPIO_SET, .line = i,
						 .value = value && value[0] == '1' };
		free(line);
		free(value);
		return rc;
	}
	if (hilt_xml_is(c, "wait")) {
		static const char *const attrs[] = { "ms", NULL };
		char *ms = hilt_xml_attr_required(ld->d, c, "ms");
		unsigned long v = 0;
		int rc = hilt_xml_check_attrs(ld->d, c, attrs);

		if (!ms)
			rc = -EINVAL;
		else if (hilt_xml_parse_count(ld->d, c, "'ms'", ms, 0, 60000, &v))
			rc = -EINVAL;
		*step = (struct hilt_gpio_step){ .kind = HILT_GPIO_WAIT, .ms = (unsigned)v };
		free(ms);
		return rc;
	}
	if (hilt_xml_is(c, "drain")) {
		*step = (struct hilt_gpio_step){ .kind = HILT_GPIO_DRAIN };
		return hilt_xml_check_attrs(ld->d, c, (const char *const[]){ NULL });
	}
	return hilt_xml_error(ld->d, c, "unknown element <%s> in <%s> (expected set, wait or drain)",
			      (const char *)c->name, (const char *)c->parent->name);
}

static void parse_sequence(struct hilt_config_loader *ld, const xmlNode *node,
			   const struct hilt_board_config *b, struct hilt_gpio_sequence *seq,
			   bool *seen)
{
	hilt_xml_check_attrs(ld->d, node, (const char *const[]){ NULL });
	hilt_xml_check_element_only(ld->d, node);
	if (*seen) {
		hilt_xml_error(ld->d, node, "only one <%s> is allowed", (const char *)node->name);
		return;
	}
	*seen = true;
	if (!b->gpio_line) {
		hilt_xml_error(ld->d, node, "<%s> needs a <gpio> with its lines before it",
			       (const char *)node->name);
		return;
	}
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		struct hilt_gpio_step step;

		if (c->type != XML_ELEMENT_NODE || parse_sequence_step(ld, c, &b->gpio, &step))
			continue;
		struct hilt_gpio_step *st = realloc(seq->steps, (seq->nsteps + 1) * sizeof(*st));

		if (!st) {
			ld->oom = true;
			return;
		}
		seq->steps = st;
		st[seq->nsteps++] = step;
	}
}

static void parse_var(struct hilt_config_loader *ld, const xmlNode *c,
		      struct hilt_board_config *b)
{
	static const char *const attrs[] = { "name", NULL };
	char *name = hilt_xml_attr_required(ld->d, c, "name"), *text = NULL;

	hilt_xml_check_attrs(ld->d, c, attrs);
	for (size_t i = 0; name && i < b->nvars; i++)
		if (strcmp(b->var_names[i], name) == 0) {
			hilt_xml_error(ld->d, c, "<var> '%s' is defined twice", name);
			free(name);
			name = NULL;
		}
	if (hilt_config_note(ld, hilt_xml_text(ld->d, c, true, &text)) == 0 && name) {
		char **names = realloc(b->var_names, (b->nvars + 1) * sizeof(*names));
		char **values = NULL;

		if (names) {
			b->var_names = names;
			values = realloc(b->var_values, (b->nvars + 1) * sizeof(*values));
		}
		if (values) {
			b->var_values = values;
			names[b->nvars] = name;
			values[b->nvars++] = text;
			name = text = NULL;
		} else {
			ld->oom = true;
		}
	}
	free(name);
	free(text);
}

static void parse_lock(struct hilt_config_loader *ld, const xmlNode *c,
		       struct hilt_board_config *b)
{
	static const char *const attrs[] = { "dir", "wait", NULL };
	char *dir = hilt_xml_attr(c, "dir");
	char *w = hilt_xml_attr(c, "wait");

	if (b->lock_line) {
		hilt_xml_error(ld->d, c, "only one <lock> is allowed (the first is at line %ld)",
			       b->lock_line);
		free(dir);
		free(w);
		return;
	}
	b->lock_line = xmlGetLineNo(c);
	hilt_xml_check_attrs(ld->d, c, attrs);
	hilt_xml_check_element_only(ld->d, c);
	if (dir && !*dir) {
		hilt_xml_error(ld->d, c, "<lock> dir is empty");
	} else if (dir) {
		free(b->lock_dir);
		b->lock_dir = dir;
		dir = NULL;
	}
	/* wait="0" is allowed: report busy at once. */
	if (w && strcmp(w, "0") == 0)
		b->lock_wait_s = 0;
	else if (w)
		hilt_xml_seconds(ld->d, c, "wait", &b->lock_wait_s);
	free(dir);
	free(w);
}

struct board_seen {
	bool reset_sequence, download_sequence;
};

/* The device is not opened here: a missing board is an infrastructure
 * error of its session, not a configuration error. */
static void parse_board_child(struct hilt_config_loader *ld, const xmlNode *c,
			      struct hilt_board_config *b, struct board_seen *seen)
{
	if (hilt_xml_is(c, "console"))
		parse_console(ld, c, b);
	else if (hilt_xml_is(c, "reset"))
		parse_command(ld, c, &b->reset, NULL);
	else if (hilt_xml_is(c, "flash"))
		parse_command(ld, c, &b->flash, &b->images);
	else if (hilt_xml_is(c, "power-on"))
		parse_command(ld, c, &b->power_on, NULL);
	else if (hilt_xml_is(c, "power-off"))
		parse_command(ld, c, &b->power_off, NULL);
	else if (hilt_xml_is(c, "address")) {
		char *text = hilt_config_text(ld, c);

		if (b->address)
			hilt_xml_error(ld->d, c, "only one <address> is allowed");
		else if (text && !*text)
			hilt_xml_error(ld->d, c, "<address> is empty");
		else if (text) {
			b->address = text;
			text = NULL;
		}
		free(text);
	} else if (hilt_xml_is(c, "gpio"))
		parse_gpio(ld, c, b);
	else if (hilt_xml_is(c, "reset-sequence"))
		parse_sequence(ld, c, b, &b->gpio.reset, &seen->reset_sequence);
	else if (hilt_xml_is(c, "download-sequence"))
		parse_sequence(ld, c, b, &b->gpio.download, &seen->download_sequence);
	else if (hilt_xml_is(c, "var"))
		parse_var(ld, c, b);
	else if (hilt_xml_is(c, "lock"))
		parse_lock(ld, c, b);
	else
		hilt_xml_error(ld->d, c,
			       "unknown element <%s> in a board <target> (expected console, reset, flash, power-on, power-off, address, gpio, reset-sequence, download-sequence, var or lock)",
			       (const char *)c->name);
}


static int board_parse(struct hilt_config_loader *ld, const xmlNode *node,
		       struct hilt_target_config *cfg)
{
	struct hilt_board_config *b = calloc(1, sizeof(*b));
	struct board_seen seen = { 0 };
	char label[HILT_TARGET_NAME_MAX + 32];

	cfg->priv = b;
	if (!b)
		return hilt_config_note(ld, -ENOMEM);
	b->lock_wait_s = 600;
	b->images.chip = HILT_ESP_UNKNOWN;
	if (!(b->lock_dir = strdup("/run/lock")))
		return hilt_config_note(ld, -ENOMEM);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || hilt_config_generic(c))
			continue;
		parse_board_child(ld, c, b, &seen);
	}
	/* The chip, if <flash> does not say, from a chip=... tag. */
	for (size_t i = 0; i < cfg->ntags && b->images.chip == HILT_ESP_UNKNOWN; i++)
		if (!strncmp(cfg->tags[i], "chip=", 5))
			b->images.chip = hilt_esp_chip_parse(cfg->tags[i] + 5);
	hilt_config_label(cfg, label, sizeof(label));
	/* A missing part is reported only when no element was there at all:
	 * one that was there but wrong has had its message. */
	if (!hilt_config_has_child(node, "console"))
		hilt_xml_error(ld->d, node, "board target%s needs a <console>", label);
	return ld->oom ? -ENOMEM : 0;
}
