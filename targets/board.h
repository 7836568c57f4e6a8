/* The board kind's configuration: what its <target> says
 * (targets/board_config.c reads it).  Held by a target's config as
 * cfg->priv; runner/ never looks inside. */
#ifndef HILT_BOARD_H
#define HILT_BOARD_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "targets/console.h"
#include "targets/flashimg.h"
#include "targets/pdu.h"
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
	/* Or through pdudaemon (<power pdudaemon=...>): on and off, and the
	 * reset a reboot when it says so. */
	struct hilt_pdu_config pdu;
	/* How a session's first power-off is confirmed (<power-check>): the
	 * console silent for silent_s, or the path gone (a USB serial
	 * adapter that loses power), or the input line gpio.lines[sense]
	 * reading 0 (by_gpio), within timeout_s; line 0: believed. */
	struct {
		double timeout_s, silent_s;
		char *gone;
		bool by_gpio;
		size_t sense;
		long line;
	} power_check;
	char *address;		/* where HTTP probes reach the board */
	char **var_names, **var_values;	/* {name} for the commands */
	size_t nvars;
	char *lock_dir;
	double lock_wait_s;	/* wait this long for a busy board, then error */
	struct hilt_gpio_config gpio;	/* reset and boot-mode lines */
	long console_line, gpio_line, lock_line;	/* in the farm file */
};

void hilt_board_config_free(struct hilt_board_config *b);

/* The kind (targets/target.h), for the registry. */
struct hilt_target_ops;
extern const struct hilt_target_ops hilt_board_ops;

/* Between the kind's own files: targets/board_config.c and
 * targets/board_lock.c for targets/board.c. */

struct hilt_check;
struct hilt_config_loader;
struct hilt_target_config;

/* The ops parse, free_config and check (targets/target.h). */
int hilt_board_parse(struct hilt_config_loader *ld, const xmlNode *node,
		     struct hilt_target_config *cfg);
void hilt_board_free_config(void *priv);
void hilt_board_check(const struct hilt_target_config *cfg, struct hilt_check *chk);

/* targets/board_lock.c: the board's lock, for targets/board.c. */
struct hilt_board_lock {
	char path[4096];	/* DIR/hilt-board-NAME.lock */
	char lease_path[4096];	/* a reservation beside it (targets/lease.h) */
	int fd;			/* -1: not open */
	bool held;		/* fd was handed over held (use_hold) */
	int64_t since_ns;	/* the first try */
	double wait_s;		/* how long a busy board is waited for */
};

/* Opens cfg's lock file (a plain file with one name, never followed).
 * 0 or -errno with why in err. */
int hilt_board_lock_open(struct hilt_board_lock *l, const struct hilt_target_config *cfg,
			 char *err, size_t errlen);
/* One try at it: 0 held (this process written in it as its holder),
 * -EWOULDBLOCK busy or reserved by someone else until within the board's
 * lock wait (try again later), -EBUSY when that wait is over or the
 * reservation ends after it (err names the holder), or -errno. */
int hilt_board_lock_try(struct hilt_board_lock *l, const struct hilt_target_config *cfg,
			char *err, size_t errlen);
/* Lets the board go. */
void hilt_board_lock_close(struct hilt_board_lock *l);
/* The ops keep_hold and use_hold (targets/target.h), on the lock. */
int hilt_board_lock_keep(struct hilt_board_lock *l);
void hilt_board_lock_use(struct hilt_board_lock *l, int fd);
/* The ops reserved and hold_paths (targets/target.h). */
double hilt_board_reserved(const struct hilt_target_config *cfg, char *why, size_t whylen);
void hilt_board_hold_paths(const struct hilt_target_config *cfg, char *lock, char *lease,
			   size_t len);

/* The board's {port}: its console's tty path or host:port, into buf. */
void hilt_board_port_name(const struct hilt_board_config *b, char *buf, size_t len);

/* arg with each {name} replaced: {port} by port, {name} by the target's
 * name, {VAR} by its <var>.  Caller frees; NULL when out of memory. */
char *hilt_board_expand(const struct hilt_target_config *cfg, const char *port,
			const char *arg);

#endif
