/* Farm model: the targets a host offers, from a farm file or built in. */
#ifndef HILT_FARM_H
#define HILT_FARM_H

#include <stdbool.h>
#include <stddef.h>

#include "../targets/console.h"
#include "../targets/gpio.h"

struct hilt_qemu_config {
	char *binary;		/* qemu-system-x86_64 */
	char *machine;		/* -machine */
	char *accel;		/* tcg | kvm */
	unsigned memory_mib;
	unsigned cpus;
	char *kernel, *initrd;	/* absolute paths, checked to exist */
	char *append;
	char *nic;		/* NIC model, or "none" */
	char **drives;		/* -drive values */
	size_t ndrives;
	char **args;		/* extra arguments, appended as they are */
	size_t nargs;
	/* Where each was given in the farm file (0: a default), for the
	 * checks of hilt validate. */
	long binary_line, accel_line;
	long *drive_lines, *arg_lines;	/* ndrives, nargs of them */
};

struct hilt_replay_config {
	char *log;		/* a raw console log as hilt writes them */
	char *timing;		/* its .timing file (realtime only) */
	bool realtime;		/* replay with the recorded timing */
	/* Where they were given (0: not in a file), and whether relative to
	 * the farm file (then the farm ships them: a missing one is an
	 * error, not a warning, of hilt validate). */
	long log_line, timing_line;
	bool log_relative, timing_relative;
};

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

struct hilt_target_config {
	char *name;
	char *kind;
	char **tags;		/* "key=value" */
	size_t ntags;
	char *source;		/* "farm.xml:12" or "built-in" */
	long line;		/* of its <target>; 0 when not from a file */
	struct hilt_qemu_config qemu;
	struct hilt_replay_config replay;
	struct hilt_board_config board;
};

struct hilt_farm {
	char *path;		/* NULL for the built-in farm */
	struct hilt_target_config *targets;
	size_t ntargets;
};

/* The longest target name: it names the run's files (SUITE@TARGET...). */
#define HILT_TARGET_NAME_MAX 100

struct hilt_diags;

/* Loads a farm file; relative paths in it are taken from its folder.
 * Errors: -EINVAL/-errno with every mistake of the file in err, one
 * "file:line: what" a line, in line order (at most HILT_DIAGS_SHOWN; an
 * err of HILT_CONFIG_ERR_MAX bytes holds them all).  Freed with
 * hilt_farm_free(). */
int hilt_farm_load(const char *path, struct hilt_farm **out, char *err,
		   size_t errlen);

/* The same, adding every mistake to d (runner/xmlfile.h) instead. */
int hilt_farm_load_diags(const char *path, struct hilt_farm **out,
			 struct hilt_diags *d);

/* The built-in farm: one qemu target "default" booting the guest that
 * fixtures/guest makes in guest_dir.  Errors when it was not built. */
int hilt_farm_default(const char *guest_dir, struct hilt_farm **out,
		      char *err, size_t errlen);

/* Adds a replay target for "replay:PATH" (as fast as possible) and returns
 * it; farm may be the built-in one.  NULL with err set on failure. */
const struct hilt_target_config *hilt_farm_add_replay(struct hilt_farm *farm,
						       const char *path,
						       char *err, size_t errlen);

void hilt_farm_free(struct hilt_farm *farm);

/* The target named name, or NULL. */
const struct hilt_target_config *hilt_farm_find(const struct hilt_farm *farm,
						const char *name);

#endif
