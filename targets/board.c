/* Board target: a real device on a console (targets/console.c), reset and
 * flashed by commands or GPIO lines, used by one session at a time across
 * all hilt processes on the host.  A tty or serial console that vanishes
 * (a USB adapter re-enumerating) is waited for at the same path.  Its farm
 * element is read, and checked for hilt validate, in targets/board_config.c.
 *
 * (its lock file and reservation are targets/board_lock.c's)
 * command_done, board_command          flash, reset and power commands
 * open_console ... open_console_async  the console, a TCP one connecting
 * advance, board_start                 the start, phase by phase (PH_*)
 * board_console_*, reopen_tick         the console while it runs, and gaps
 * release, stop_advance, board_stop    the stop: power off, unlock
 * board_describe ... hilt_board_ops    what ran, and the ops table
 * (what a person at its console asks of it is targets/board_act.c's)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/loop.h"
#include "base/proc.h"
#include "base/tail.h"
#include "targets/board.h"
#include "targets/board_int.h"
#include "targets/console.h"
#include "targets/gpio.h"
#include "targets/target.h"

/* How long an interrupted run waits for a board's power-off command. */
#define BOARD_HURRY_S 3.0
/* Grace between SIGTERM and SIGKILL of a board command. */
#define COMMAND_GRACE_MS 1000
#define LOCK_RETRY_NS (100 * 1000000LL)
#define REOPEN_EVERY_NS (50 * 1000000LL)
/* How long a TCP console may take to connect, per address. */
#define CONNECT_NS (10 * 1000000000LL)

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
	t->lock.fd = t->watch_fd = -1;
	hilt_board_port_name(b, t->port_name, sizeof(t->port_name));
	*out = t;
	return 0;
}

static void advance(struct hilt_target *t);
static void stop_advance(struct hilt_target *t);
static void power_check_start(struct hilt_target *t);

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
	else if (t->acting)
		board_act_done(t);
	else
		advance(t);
}

/* Starts cmd ({var}s replaced) under the loop; its output goes to the
 * diagnostics.  0 (command_done follows), or -errno with why in t->err. */
int board_command(struct hilt_target *t, const char *what, const struct hilt_command *cmd,
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
			if (!(argv[k++] = hilt_board_expand(t->cfg, t->port_name, cmd->argv[i])))
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
	if (t->acting)
		board_act_done(t);
	else
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

/* pdudaemon's answer: as a command's end (command_done). */
static void pdu_done(void *arg, int rc, const char *err)
{
	struct hilt_target *t = arg;

	hilt_pdu_free(t->pdu);
	t->pdu = NULL;
	if (rc)
		snprintf(t->err, sizeof(t->err), "%s", err);
	if (t->cmd_status)
		snprintf(t->cmd_status, t->cmd_statuslen, "%s",
			 rc ? "refused or failed (pdudaemon)" : "accepted by pdudaemon");
	t->cmd_rc = rc;
	if (t->stopping)
		stop_advance(t);
	else if (t->acting)
		board_act_done(t);
	else
		advance(t);
}

/* Asks pdudaemon for command: 0 (pdu_done follows) or -errno with why in
 * t->err. */
int board_pdu_command(struct hilt_target *t, const char *command, char *status,
		      size_t statuslen)
{
	int rc = hilt_pdu_request(t->env->loop, &t->bcfg->pdu, command, pdu_done, t, &t->pdu,
				  t->err, sizeof(t->err));

	t->cmd_status = status;
	t->cmd_statuslen = statuslen;
	if (rc && status)
		snprintf(status, statuslen, "not asked");
	return rc;
}

static bool can_power(const struct hilt_board_config *b, bool on)
{
	return b->pdu.line || (on ? b->power_on.argv : b->power_off.argv);
}

/* Starts the power-on or power-off (a command or pdudaemon): 0 (its end
 * follows) or -errno. */
static int power(struct hilt_target *t, bool on)
{
	const struct hilt_command *cmd = on ? &t->bcfg->power_on : &t->bcfg->power_off;

	t->powered = on;
	if (t->bcfg->pdu.line)
		return board_pdu_command(t, on ? "on" : "off", t->power_status,
					 sizeof(t->power_status));
	return board_command(t, on ? "power-on" : "power-off", cmd, cmd->timeout_s,
			     t->power_status, sizeof(t->power_status));
}

/* Starts a GPIO sequence: 0 (gpio_done follows) or -errno. */
int board_gpio_sequence(struct hilt_target *t, const struct hilt_gpio_sequence *seq,
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

#define CHECK_EVERY_NS (50 * 1000000LL)

/* One look at what confirms the power-off: done (advance), or again
 * later until its deadline. */
static void power_check_tick(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;
	const struct hilt_board_config *b = t->bcfg;
	int64_t now = hilt_now_ns();
	bool confirmed;
	int rc = 0, level = 0;
	char why[2100];

	(void)loop;
	t->timer = 0;
	if (b->power_check.gone) {
		confirmed = access(b->power_check.gone, F_OK) < 0 && errno == ENOENT;
	} else if (b->power_check.by_gpio) {
		rc = hilt_gpio_get(t->gpio, b->power_check.sense, &level, why, sizeof(why));
		confirmed = !rc && !level;
	} else {
		unsigned long long n = hilt_console_drain(t->console);

		t->check_bytes += n;
		if (n)
			t->quiet_since = now;
		confirmed = now - t->quiet_since >= (int64_t)(b->power_check.silent_s * 1e9);
	}
	if (confirmed) {
		snprintf(t->check_status, sizeof(t->check_status), "confirmed in %.3f s",
			 (double)(now - t->check_start) / 1e9);
		advance(t);
		return;
	}
	if (now >= t->check_deadline || rc) {
		if (rc)
			snprintf(t->err, sizeof(t->err),
				 "board '%s': the power-off could not be confirmed: %s", t->cfg->name, why);
		else if (b->power_check.by_gpio)
			snprintf(t->err, sizeof(t->err),
				 "board '%s': the power-off was not confirmed: GPIO line '%s' (%s) still reads %d %g s after it",
				 t->cfg->name, b->gpio.lines[b->power_check.sense].name,
				 hilt_gpio_line_where(&b->gpio, b->power_check.sense, why, sizeof(why)),
				 level, b->power_check.timeout_s);
		else if (b->power_check.gone)
			snprintf(t->err, sizeof(t->err),
				 "board '%s': the power-off was not confirmed: %.2000s is still there %g s after it",
				 t->cfg->name, b->power_check.gone, b->power_check.timeout_s);
		else
			snprintf(t->err, sizeof(t->err),
				 "board '%s': the power-off was not confirmed: its console did not go silent for %g s within %g s (it printed %llu bytes meanwhile)",
				 t->cfg->name, b->power_check.silent_s, b->power_check.timeout_s,
				 t->check_bytes);
		snprintf(t->check_status, sizeof(t->check_status), "not confirmed");
		t->cmd_rc = -EIO;
		advance(t);
		return;
	}
	t->timer = hilt_loop_add_timer(t->env->loop, now + CHECK_EVERY_NS, power_check_tick, t);
	if (t->timer < 0) {
		t->timer = 0;
		snprintf(t->err, sizeof(t->err), "out of memory");
		t->cmd_rc = -ENOMEM;
		advance(t);
	}
}

/* The power-off of the start is confirmed before anything else is done
 * to the board: an unconfirmed one is an infrastructure error. */
static void power_check_start(struct hilt_target *t)
{
	int64_t now = hilt_now_ns();

	t->quiet_since = t->check_start = now;
	t->check_bytes = 0;
	t->check_deadline = now + (int64_t)(t->bcfg->power_check.timeout_s * 1e9);
	/* The first look from the loop too: advance never recurses. */
	t->timer = hilt_loop_add_timer(t->env->loop, now, power_check_tick, t);
	if (t->timer < 0) {
		t->timer = 0;
		power_check_tick(t->env->loop, t);
	}
}

/* Moves the start on from t->phase until something must be waited for
 * (then a callback of the loop calls it again) or it has ended.  The
 * order: lock, power off (a clean state), console (a missing, busy or
 * misconfigured port is seen before anything is flashed), flashing (the
 * console released meanwhile: the flasher may need its port; the board
 * powered on and in download mode if the farm says how), power on,
 * GPIO reset, reset command; the console drained after each, so that
 * nothing from before satisfies a milestone. */
static bool bring(const struct hilt_target *t, unsigned what)
{
	return !t->bring_up || (t->bring_up & what);
}

/* Whether the start resets the board: a session's does, and a person's
 * with --reset or --flash (unless it asked for download mode). */
static bool resets(const struct hilt_target *t)
{
	return !(t->bring_up & HILT_BRING_DOWNLOAD) &&
	       bring(t, HILT_BRING_RESET | HILT_BRING_FLASH);
}

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
			if (b->images.n && bring(t, HILT_BRING_FLASH)) {
				rc = hilt_flash_verify(&b->images, t->found, t->err, sizeof(t->err));
				t->verified = !rc;
				if (rc == -EBADMSG)
					rc = HILT_TARGET_BAD_IMAGE;
			}
			break;
		case PH_LOCK:
			rc = hilt_board_lock_try(&t->lock, t->cfg, t->err, sizeof(t->err));
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
			t->wait_s = (double)(hilt_now_ns() - t->lock.since_ns) / 1e9;
			if (b->gpio.chip) {
				char consumer[64];

				snprintf(consumer, sizeof(consumer), "hilt:%s", t->cfg->name);
				rc = hilt_gpio_open(&b->gpio, consumer, &t->gpio, t->err,
						    sizeof(t->err));
				if (rc)
					break;
			}
			t->phase = PH_POWER_OFF;
			t->powered_off = can_power(b, false) &&
					 bring(t, HILT_BRING_POWER | HILT_BRING_FLASH);
			if (t->powered_off && !(rc = power(t, false)))
				return;
			break;
		case PH_POWER_OFF:
			t->phase = PH_CONSOLE;
			if ((rc = open_console_async(t)) > 0)
				return;
			break;
		case PH_CONSOLE:
			t->phase = PH_POWER_CHECK;
			if (t->powered_off && b->power_check.line) {
				power_check_start(t);
				return;
			}
			break;
		case PH_POWER_CHECK:
			if (!b->flash.argv || !bring(t, HILT_BRING_FLASH)) {
				t->phase = PH_REOPEN;
				break;
			}
			hilt_console_close(t->console);
			t->console = NULL;
			t->phase = PH_FLASH_POWER_ON;
			if (can_power(b, true) && !(rc = power(t, true)))
				return;
			break;
		case PH_FLASH_POWER_ON:
			t->phase = PH_DOWNLOAD_MODE;
			if (t->gpio && b->gpio.download.nsteps &&
			    !(rc = board_gpio_sequence(t, &b->gpio.download, NULL, "download")))
				return;
			break;
		case PH_DOWNLOAD_MODE:
			t->phase = PH_FLASH;
			rc = board_command(t, "flash", &b->flash, b->flash.timeout_s,
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
			/* Only attached, a person sees what the console had. */
			if (t->bring_up != HILT_BRING_ATTACH)
				drain(t);
			t->phase = PH_POWER_ON;
			if (can_power(b, true) && !t->powered &&
			    bring(t, HILT_BRING_POWER | HILT_BRING_FLASH) && !(rc = power(t, true)))
				return;
			break;
		case PH_POWER_ON:
			/* As after a reset command: what is buffered came from
			 * before. */
			if (t->bring_up != HILT_BRING_ATTACH)
				drain(t);
			t->phase = PH_GPIO_RESET;
			/* A <drain/> step while the board is held in reset
			 * discards what it printed before. */
			if (t->gpio && (t->bring_up & HILT_BRING_DOWNLOAD) &&
			    !(rc = board_gpio_sequence(t, &b->gpio.download, drain_cb, "download")))
				return;
			if (t->gpio && b->gpio.reset.nsteps && resets(t) &&
			    !(rc = board_gpio_sequence(t, &b->gpio.reset, drain_cb, "reset")))
				return;
			break;
		case PH_GPIO_RESET:
			t->phase = PH_RESET;
			if (!resets(t)) {
				/* Attached, powered on, or in download mode as
				 * asked: no reset. */
			} else if (b->reset.argv) {
				rc = board_command(t, "reset", &b->reset, b->reset.timeout_s,
						   t->reset_status, sizeof(t->reset_status));
				if (!rc)
					return;
			} else if (b->pdu.reset) {
				/* No reset line: a power cycle, off then on. */
				rc = board_pdu_command(t, "reboot", t->reset_status, sizeof(t->reset_status));
				if (!rc)
					return;
			}
			break;
		case PH_RESET:
			/* A reset command returns with the board held in reset
			 * or not yet printing: what is buffered came from
			 * before. */
			if (resets(t))
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
	t->bring_up = env->bring_up;
	if ((rc = board_can_bring(t, err, errlen)))
		return rc;
	t->lock.since_ns = hilt_now_ns();
	t->lock.wait_s = env->wait_s ? *env->wait_s : t->bcfg->lock_wait_s;
	/* A lock handed over by an earlier instance (use_hold) is held. */
	rc = t->lock.fd >= 0 ? 0 : hilt_board_lock_open(&t->lock, t->cfg, err, errlen);
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
	if (k->reappear_s <= 0 || hilt_console_type_socket(k->kind)) {
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
	hilt_pdu_free(t->pdu);
	t->pdu = NULL;
	hilt_console_close(t->console);
	t->console = NULL;
	if (t->reopen_timer > 0 && t->env)
		hilt_loop_cancel_timer(t->env->loop, t->reopen_timer);
	t->reopen_timer = 0;
	hilt_gpio_close(t->gpio);
	t->gpio = NULL;
	hilt_board_lock_close(&t->lock);
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

	if (t->cmd || t->pdu)
		return;		/* command_done, pdu_done bring us back */
	if (t->phase != PH_STOP_POWER_OFF && t->powered && can_power(b, false)) {
		double timeout = b->power_off.timeout_s;

		if (t->hurry && timeout > BOARD_HURRY_S)
			timeout = BOARD_HURRY_S;
		t->phase = PH_STOP_POWER_OFF;
		t->powered = false;
		if (b->pdu.line ? board_pdu_command(t, "off", t->power_status, sizeof(t->power_status)) == 0
				: board_command(t, "power-off", &b->power_off, timeout,
						t->power_status, sizeof(t->power_status)) == 0)
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

static int board_keep_hold(struct hilt_target *t)
{
	return hilt_board_lock_keep(&t->lock);
}

static void board_use_hold(struct hilt_target *t, int fd)
{
	hilt_board_lock_use(&t->lock, fd);
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
	cb(arg, "board.lock", t->lock.path);
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
	if (*t->check_status)
		cb(arg, "board.power_off_check", t->check_status);
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

const struct hilt_target_ops hilt_board_ops = {
	.kind = "board",
	.parse = hilt_board_parse,
	.free_config = hilt_board_free_config,
	.exclusive = true,
	.new_target = board_new,
	.start = board_start,
	.console_fd = board_console_fd,
	.console_read = board_console_read,
	.console_write = board_console_write,
	.console_flush = board_console_flush,
	.console_eof = board_console_eof,
	.http_endpoint = board_http_endpoint,
	.stop = board_stop,
	.keep_hold = board_keep_hold,
	.reserved = hilt_board_reserved,
	.hold_paths = hilt_board_hold_paths,
	.use_hold = board_use_hold,
	.act = board_act,
	.describe = board_describe,
	.diagnostics = board_diagnostics,
	.free_target = board_free,
	.check = hilt_board_check,
};
