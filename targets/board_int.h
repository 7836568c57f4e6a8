/* The board kind's instance, shared by its files: targets/board.c (the
 * start, the console, the stop) and targets/board_act.c (what a person at
 * its console asks of it).  Nothing outside the kind includes this. */
#ifndef HILT_BOARD_INT_H
#define HILT_BOARD_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "targets/board.h"
#include "targets/target.h"

/* Where a board's start or stop is: each phase may wait (a command, a GPIO
 * sequence, the lock), and the loop moves it on. */
enum board_phase {
	PH_IDLE,
	PH_VERIFY,		/* the images to flash, before the board is touched */
	PH_LOCK,		/* waiting for the board's lock */
	PH_POWER_OFF,		/* clean state first */
	PH_CONSOLE,		/* open it: a missing port is seen before flashing */
	PH_POWER_CHECK,		/* the power-off confirmed (<power-check>) */
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
	int cmd_rc;		/* of the last command or GPIO sequence */
	int start_rc;
	double wait_s;		/* for the lock */
	struct hilt_board_lock lock;
	char err[4608];	
	struct hilt_console *console;
	int64_t reopen_timer;	/* while the console is away */
	int64_t started_ns;	/* end of the reset */
	int64_t gone_ns;	/* when the console went away */
	char gone_why[256];	/* the last reopen failure */
	unsigned gaps;
	struct hilt_gpio *gpio;	/* lines, while the session holds the board */
	char port_name[512];	/* {port}: the tty path or host:port */
	struct hilt_tail *diag;	/* output of the flash and reset commands */
	char *diag_text;
	unsigned long long stale_bytes;	/* drained at reset */
	char flash_status[96], reset_status[96], power_status[96], check_status[96];
	struct hilt_pdu_request *pdu;	/* a request to pdudaemon under way */
	/* The power check under way: since when the console said nothing,
	 * what it said meanwhile, its deadline. */
	int64_t quiet_since, check_start, check_deadline;
	unsigned long long check_bytes;
	bool powered_off;	/* this start powered the board off */
	bool powered;		/* power-on ran: power-off at the end */
	unsigned bring_up;	/* env's HILT_BRING_*, 0 as all of them */
	/* An act of a person at the console under way (board_act.c). */
	bool acting;
	enum hilt_target_action action;
	char act_status[96];
};

/* targets/board.c, for targets/board_act.c: a command of the farm's
 * started under the loop, pdudaemon asked, a GPIO sequence begun: 0 (its
 * end follows: board_act_done while t->acting) or -errno with why in
 * t->err. */
int board_command(struct hilt_target *t, const char *what, const struct hilt_command *cmd,
		  double timeout_s, char *status, size_t statuslen);
int board_pdu_command(struct hilt_target *t, const char *command, char *status,
		      size_t statuslen);
int board_gpio_sequence(struct hilt_target *t, const struct hilt_gpio_sequence *seq,
			hilt_gpio_drain_cb drain, const char *what);

/* targets/board_act.c: the op act, and the end of what it began (rc in
 * t->cmd_rc, why in t->err). */
int board_act(struct hilt_target *t, enum hilt_target_action a, char *err, size_t errlen);
void board_act_done(struct hilt_target *t);
/* Whether the board has what t->bring_up asks for: 0, or -ENOTSUP with
 * why in err. */
int board_can_bring(const struct hilt_target *t, char *err, size_t errlen);

#endif
