/* The board kind's configuration: what its <target> says (targets/board.c
 * reads it).  Held by a target's config as cfg->priv; runner/ never looks
 * inside. */
#ifndef HILT_BOARD_H
#define HILT_BOARD_H

#include <stddef.h>

#include "targets/console.h"
#include "targets/flashimg.h"
#include "targets/gpio.h"

/* A command run without a shell: each argument may hold {var}s, which are
 * replaced inside that argument only (never split into more). */
struct hilt_command {
	char **argv;
	size_t argc;
	double timeout_s;
	long line;		/* in the farm file */
};

struct hilt_board_config {
	struct hilt_console_config console;
	struct hilt_command reset, flash;
	/* What the flash command writes (<image offset="...">), verified
	 * before it runs, and the chip the board is (<flash chip="...">, or
	 * the target's chip=... tag). */
	struct hilt_flash_set images;
	/* Power through a command backend (relay, PDU, uhubctl): off then on
	 * at the start of a session, off at its end. */
	struct hilt_command power_on, power_off;
	char *address;		/* where HTTP probes reach the board */
	char **var_names, **var_values;	/* {name} for the commands */
	size_t nvars;
	char *lock_dir;
	double lock_wait_s;	/* wait this long for a busy board, then error */
	struct hilt_gpio_config gpio;	/* reset and boot-mode lines */
	long console_line, gpio_line, lock_line;	/* in the farm file */
};

void hilt_board_config_free(struct hilt_board_config *b);

#endif
