/* What a person at a board's console (hilt console) asks of it while it
 * runs: a reset pulse, the boot-mode sequence, a serial BREAK; and which
 * of the start's steps the board has at all.  The waits are the start's
 * own machinery (targets/board.c): a farm command, pdudaemon, a GPIO
 * sequence, ended in board_act_done. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/loop.h"
#include "targets/board.h"
#include "targets/board_int.h"
#include "targets/console.h"
#include "targets/target.h"

int board_can_bring(const struct hilt_target *t, char *err, size_t errlen)
{
	const struct hilt_board_config *b = t->bcfg;
	const char *name = t->cfg->name;

	if (t->bring_up & HILT_BRING_AS_ABLE)
		return 0;
	if ((t->bring_up & HILT_BRING_POWER) && !b->pdu.line &&
	    !(b->power_on.argv && b->power_off.argv)) {
		snprintf(err, errlen, "board '%s' has no power control (<power-on> and <power-off>, or <power pdudaemon=...>)",
			 name);
		return -ENOTSUP;
	}
	if ((t->bring_up & HILT_BRING_FLASH) && !b->flash.argv) {
		snprintf(err, errlen, "board '%s' has no <flash> command", name);
		return -ENOTSUP;
	}
	if ((t->bring_up & HILT_BRING_DOWNLOAD) && !b->gpio.download.nsteps) {
		snprintf(err, errlen, "board '%s' has no boot-mode sequence (a <gpio> <download-sequence>)",
			 name);
		return -ENOTSUP;
	}
	if ((t->bring_up & HILT_BRING_RESET) && !b->gpio.reset.nsteps && !b->reset.argv &&
	    !b->pdu.reset) {
		snprintf(err, errlen, "board '%s' has no reset (a <gpio> <reset-sequence>, a <reset> command, or <power pdudaemon=... reset=\"true\">)",
			 name);
		return -ENOTSUP;
	}
	return 0;
}

/* How long a BREAK holds a serial line at space: longer than a
 * character at any speed a console runs (POSIX's tcsendbreak: 0.25 s). */
#define BREAK_NS (250 * 1000000LL)

/* The BREAK's end: a serial line back to mark. */
static void break_end(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;

	(void)loop;
	t->timer = 0;
	if (t->console && hilt_console_break_held(t->console))
		t->cmd_rc = hilt_console_break(t->console, false, t->err, sizeof(t->err));
	board_act_done(t);
}

int board_act(struct hilt_target *t, enum hilt_target_action a, char *err, size_t errlen)
{
	const struct hilt_board_config *b = t->bcfg;
	int rc = -ENOTSUP;

	if (t->phase != PH_RUNNING || t->stopping) {
		snprintf(err, errlen, "board '%s' is not running", t->cfg->name);
		return -EAGAIN;
	}
	if (t->acting) {
		snprintf(err, errlen, "board '%s' is still doing its %s", t->cfg->name,
			 hilt_target_action_name(t->action));
		return -EBUSY;
	}
	t->action = a;
	t->acting = true;
	t->err[0] = '\0';
	switch (a) {
	case HILT_ACT_RESET:
		/* The line first, as a session's start has it. */
		if (t->gpio && b->gpio.reset.nsteps)
			rc = board_gpio_sequence(t, &b->gpio.reset, NULL, "reset");
		else if (b->reset.argv)
			rc = board_command(t, "reset", &b->reset, b->reset.timeout_s, t->act_status,
					   sizeof(t->act_status));
		else if (b->pdu.reset)
			rc = board_pdu_command(t, "reboot", t->act_status, sizeof(t->act_status));
		else
			snprintf(t->err, sizeof(t->err), "board '%s' has no reset line, reset command or pdudaemon reset",
				 t->cfg->name);
		break;
	case HILT_ACT_DOWNLOAD:
		if (t->gpio && b->gpio.download.nsteps)
			rc = board_gpio_sequence(t, &b->gpio.download, NULL, "download");
		else
			snprintf(t->err, sizeof(t->err), "board '%s' has no boot-mode sequence (a <gpio> <download-sequence>)",
				 t->cfg->name);
		break;
	case HILT_ACT_BREAK:
		/* At once: the console sends it or says it cannot. */
		rc = hilt_console_break(t->console, true, t->err, sizeof(t->err));
		if (!rc && (t->timer = hilt_loop_add_timer(t->env->loop, hilt_now_ns() +
							   (hilt_console_break_held(t->console) ? BREAK_NS : 0),
							   break_end, t)) < 0) {
			t->timer = 0;
			rc = -ENOMEM;
			snprintf(t->err, sizeof(t->err), "out of memory");
		}
		break;
	}
	if (rc) {
		t->acting = false;
		snprintf(err, errlen, "%s", t->err);
		return rc;
	}
	return 0;
}

void board_act_done(struct hilt_target *t)
{
	int rc = t->cmd_rc;

	t->cmd_rc = 0;
	t->acting = false;
	if (t->env->acted)
		t->env->acted(t->env->arg, t->action, rc, rc ? t->err : NULL);
}
