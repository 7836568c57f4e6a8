/* The one interface every target kind implements.  The session drives a
 * target only through these ops and never knows which kind it is.  The
 * ops marked optional may be NULL.  The registry (targets/registry.c) is
 * the only file outside a kind's own that names kinds: a new kind is its
 * files and its line there. */
#ifndef HILT_TARGET_H
#define HILT_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/watch.h"
#include "targets/config.h"

struct hilt_target;
struct hilt_loop;

/* What an event on one of the target's fds meant. */
enum hilt_target_state {
	HILT_TARGET_RUNNING,
	HILT_TARGET_GONE_DEVICE,	/* the device itself powered off / rebooted */
	HILT_TARGET_GONE_INFRA,		/* emulator, cable or runner failed */
	/* The console went away and is back (a USB adapter re-enumerated):
	 * console_fd() is a new fd; why says what was lost. */
	HILT_TARGET_CONSOLE_BACK,
};

/* How a target's start ended (see start below). */
struct hilt_target_started {
	int rc;			/* 0, -errno, or HILT_TARGET_FLASH_REFUSED */
	const char *err;	/* why, when rc < 0 */
	double wait_s;		/* of it, waiting for the device (a busy board) */
};

/* What a start does to a device that is brought up in steps (a board):
 * none of them (0) is all a session does: power off and on, flash, reset.
 * A person at its console (hilt console) picks: with HILT_BRING_ATTACH
 * alone the device is taken (its lock) and its console opened, nothing
 * else; the others add their step. */
enum {
	HILT_BRING_ATTACH = 1,
	HILT_BRING_POWER = 2,		/* power off, then on */
	HILT_BRING_FLASH = 4,		/* flash (powered, in download mode) */
	HILT_BRING_RESET = 8,		/* a reset pulse (line, command) */
	HILT_BRING_DOWNLOAD = 16,	/* the boot-mode (download) sequence */
	/* The steps asked for that the device has, the others left out
	 * (without it, a step the device lacks fails the start). */
	HILT_BRING_AS_ABLE = 32,
};

/* What a person at a running target's console may ask of it (the op act
 * below). */
enum hilt_target_action {
	HILT_ACT_RESET,		/* a reset pulse */
	HILT_ACT_DOWNLOAD,	/* the boot-mode (download) sequence */
	HILT_ACT_BREAK,		/* a serial BREAK on the console */
};

/* What a session lends its target while it runs. */
struct hilt_target_env {
	/* Every wait of the target is a watch or a timer of this loop. */
	struct hilt_loop *loop;
	const char *pcap_path;	/* capture the guest's frames here, or NULL */
	/* A file the session asked for (the capture) could not be written
	 * in full: what says which and why.  The target says so once per
	 * file and stops writing it. */
	void (*output_failed)(void *arg, const char *what);
	/* start() has ended: the device is powered on or out of reset now
	 * (milestone times count from here), or it failed.  From the loop. */
	void (*started)(void *arg, const struct hilt_target_started *st);
	/* stop() has ended: the device is off and released.  From the loop. */
	void (*stopped)(void *arg);
	/* The target's state changed other than through its fds (its
	 * console is back after a gap, or was given up on): why says how.
	 * From the loop. */
	void (*changed)(void *arg, enum hilt_target_state st, const char *why);
	/* An act (below) has ended: rc 0 (why NULL), or -errno with why.
	 * From the loop; needed only by whoever calls act. */
	void (*acted)(void *arg, enum hilt_target_action a, int rc, const char *why);
	void *arg;
	/* HILT_BRING_* (0: as a session).  Kinds that only boot whole (an
	 * emulator) boot whatever it says. */
	unsigned bring_up;
	/* How long a device others hold is waited for (NULL: as the farm
	 * says). */
	const double *wait_s;
};


#define HILT_TARGET_FLASH_REFUSED (-100000)
/* An image to be flashed is not sound (targets/flashimg.h): the firmware's
 * fault, found before the board was touched. */
#define HILT_TARGET_BAD_IMAGE (-100001)

/* How a target's check (below) reports to hilt validate. */
enum hilt_check_level {
	HILT_CHECK_WARNING,	/* may exist only on the farm host */
	HILT_CHECK_ERROR,	/* a run would certainly fail */
};

struct hilt_check {
	/* One finding at line of the farm file (0: the target's own line). */
	void (*report)(struct hilt_check *chk, enum hilt_check_level level, long line,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
	/* Whether execvp would find the program name (in PATH, or at the
	 * path when it holds a '/'): 0, or -errno with why it would not
	 * ("is not in PATH", "does not exist") in why. */
	int (*find_program)(const char *name, char *why, size_t whylen);
	void *arg;
};

/* What the command line says of the targets its --target words make
 * (see from_spec below). */
struct hilt_target_spec_opts {
	/* A recorded kind follows the recorded timing instead of going as
	 * fast as it can (--realtime). */
	bool realtime;
};

/* A name/value the target reports for the JUnit properties. */
typedef void (*hilt_property_cb)(void *arg, const char *name,
				 const char *value);

struct hilt_target_ops {
	const char *kind;
	/* Console input goes nowhere: the output is a recording, so what a
	 * step types can only be checked against the echo in it. */
	bool recorded;
	/* A physical device: one session at a time (not counted against
	 * --jobs, which bounds emulators). */
	bool exclusive;
	/* Reads the kind's part of the farm's <target> node (its children;
	 * the farm loader reads the attributes and the elements every kind
	 * has, hilt_config_generic()) into a new configuration in cfg->priv,
	 * taking relative paths from ld->dir.  Every mistake goes to ld->d at
	 * its line, and the reading goes on.  Returns 0, or -ENOMEM (noted in
	 * ld) when memory ran out.  Whatever it returns, cfg->priv (when not
	 * NULL) is freed with free_config. */
	int (*parse)(struct hilt_config_loader *ld, const xmlNode *node,
		     struct hilt_target_config *cfg);
	/* Frees a configuration of this kind (cfg->priv); NULL is ignored. */
	void (*free_config)(void *priv);
	/* Optional: a --target word of the command line that starts with
	 * spec_prefix ("replay:") and names no farm target makes a target of
	 * this kind from the rest of the word, arg (spec_arg says what it is,
	 * "LOG", for messages).  from_spec fills cfg->name (starting with
	 * spec_prefix) and cfg->priv; the registry fills the rest.  0, or
	 * -errno with why in err; whatever it returns, cfg->name and cfg->priv
	 * (when not NULL) are freed with the config. */
	const char *spec_prefix, *spec_arg;
	int (*from_spec)(const char *arg, const struct hilt_target_spec_opts *opts,
			 struct hilt_target_config *cfg, char *err, size_t errlen);
	/* Optional: fills cfg->tags and cfg->priv with the built-in target of
	 * this kind, made from the files in dir.  0, -ENOENT when they are not
	 * there (err says which), -ENOMEM; freed with the config either way. */
	int (*builtin)(const char *dir, struct hilt_target_config *cfg, char *err,
		       size_t errlen);
	/* Allocates an instance for cfg; nothing runs yet.  Freed with
	 * free_target.  cfg must outlive the instance. */
	int (*new_target)(const struct hilt_target_config *cfg,
			  struct hilt_target **out, char *err, size_t errlen);
	/* Begins powering on / booting (taking a board's lock, flashing,
	 * power cycling, reset), every wait driven by env->loop.  Returns 0
	 * when under way: env->started follows from the loop, and then
	 * console_fd() is readable.  Or -errno with why in err when it could
	 * not begin (started does not follow).  A failure is an
	 * infrastructure error, except HILT_TARGET_FLASH_REFUSED: the flash
	 * command ran and exited non-zero, which a suite may count as the
	 * image's fault.  env must outlive the target's use. */
	int (*start)(struct hilt_target *t, const struct hilt_target_env *env,
		     char *err, size_t errlen);
	/* Non-blocking console fd, owned by the target. */
	int (*console_fd)(struct hilt_target *t);
	/* Optional: reads console output like read(2) on a non-blocking fd
	 * (bytes, 0 at EOF, -errno).  NULL: the session reads console_fd. */
	ssize_t (*console_read)(struct hilt_target *t, void *buf, size_t len);
	/* Writes console input without waiting: returns the bytes taken
	 * (maybe fewer than len; 0 or -EAGAIN: none now) or -errno. */
	ssize_t (*console_write)(struct hilt_target *t, const void *buf,
				 size_t len);
	/* Optional, for targets that hold input back (console_write took it
	 * all): writes more of it now; returns the bytes still held (0: all
	 * written) or -errno.  The session calls it when console_fd() is
	 * writable. */
	ssize_t (*console_flush)(struct hilt_target *t);
	/* The console reached end of file or failed: what that means for the
	 * target (why says so when it is gone).  RUNNING may come with new
	 * aux fds to watch (a console being waited for). */
	enum hilt_target_state (*console_eof)(struct hilt_target *t, char *why,
					      size_t whylen);
	/* Optional: fills up to max further fds to watch for POLLIN
	 * (supervision, diagnostics); returns how many.  NULL: none. */
	size_t (*aux_fds)(struct hilt_target *t, int *fds, size_t max);
	/* Handles readiness of an aux fd (required with aux_fds).  Returns the
	 * target's state; when it is gone, why says how it ended. */
	enum hilt_target_state (*handle_aux)(struct hilt_target *t, int fd,
					     char *why, size_t whylen);
	/* Begins powering off and releasing what start() took (a start under
	 * way is abandoned).  Returns true when that is done already (stopped
	 * does not follow), false when env->stopped follows from the loop.
	 * hurry: the run is interrupted; shorter graces.  Idempotent. */
	bool (*stop)(struct hilt_target *t, bool hurry);
	/* Optional, for a device others may wait for (a board's lock): hands
	 * over what keeps them off it, so that stop() keeps it held: an fd
	 * the caller owns from now on, or -1 when none is held.  A new
	 * instance of the same config is given it with use_hold() before its
	 * start, which then does not wait for the device (hilt reboots a
	 * shared boot's board without letting it go). */
	int (*keep_hold)(struct hilt_target *t);
	void (*use_hold)(struct hilt_target *t, int fd);
	/* Optional, for a person at the console: does a on the running
	 * target.  0 when under way (env->acted follows from the loop), or
	 * -errno with why in err: -ENOTSUP when the target has no way to
	 * (no reset line or command, a console that cannot carry a BREAK). */
	int (*act)(struct hilt_target *t, enum hilt_target_action a, char *err, size_t errlen);
	/* Optional: whether someone else's reservation keeps the device from
	 * this process now (targets/lease.h): the seconds it still lasts (0:
	 * none), its holder in why.  The scheduler takes another target of
	 * the pool meanwhile. */
	double (*reserved)(const struct hilt_target_config *cfg, char *why, size_t whylen);
	/* Optional, with reserved: where cfg's lock file and lease are (each
	 * a buffer of len bytes), for hilt reserve. */
	void (*hold_paths)(const struct hilt_target_config *cfg, char *lock, char *lease,
			   size_t len);
	/* Optional: where an HTTP client on this host reaches port guest_port
	 * of the device: host (a buffer of hostlen) and *port.  -ENOTSUP (err
	 * says why) when the target has no network; NULL: never has one. */
	int (*http_endpoint)(struct hilt_target *t, int guest_port, char *host,
			     size_t hostlen, int *port, char *err, size_t errlen);
	/* Optional: reports the properties of what ran (images, hashes). */
	void (*describe)(struct hilt_target *t, hilt_property_cb cb, void *arg);
	/* Optional: diagnostic output of the infrastructure (emulator
	 * stderr), bounded; owned by the target, valid until free_target.
	 * May be "" (NULL: always ""). */
	const char *(*diagnostics)(struct hilt_target *t);
	/* Frees the target; whatever still runs is killed at once. */
	void (*free_target)(struct hilt_target *t);
	/* Optional, for hilt validate: checks on this host what a run of cfg
	 * needs and loading the farm did not check (programs, devices,
	 * files), reporting each finding through chk. */
	void (*check)(const struct hilt_target_config *cfg, struct hilt_check *chk);
};

/* ---- The registry (targets/registry.c) ---- */

/* The ops of the kind named kind (a farm's kind="..."), or NULL. */
const struct hilt_target_ops *hilt_target_kind_find(const char *kind);

/* The kinds' names as a message lists them: "qemu, replay, board". */
void hilt_target_kind_names(char *buf, size_t len);

/* The kind that makes a target of the --target word spec (its
 * spec_prefix), or NULL when none does. */
const struct hilt_target_ops *hilt_target_spec_kind(const char *spec);

/* The --target words kinds make targets of, as a message lists them:
 * "replay:LOG" (" or " between them); recorded: of recorded kinds only. */
void hilt_target_spec_forms(char *buf, size_t len, bool recorded);

/* Fills cfg, zeroed here, with the target the --target word spec makes:
 * named by its kind, source "command line", named_only.  0; -ENOENT when
 * no kind makes one of spec; -EINVAL, -ENOMEM: err says why and cfg holds
 * nothing.  Cleared with hilt_target_config_clear(). */
int hilt_target_from_spec(const char *spec, const struct hilt_target_spec_opts *opts,
			  struct hilt_target_config *cfg, char *err, size_t errlen);

/* Fills cfg, zeroed here, with the built-in target "default" (source
 * "built-in"): a guest of the default kind made from the files in dir.
 * 0; -ENOENT when they are not there, -ENOMEM: err says why and cfg holds
 * nothing.  Cleared with hilt_target_config_clear(). */
int hilt_target_default(const char *dir, struct hilt_target_config *cfg, char *err,
			size_t errlen);

/* Where the process holding cfg's console shows its live copy to
 * observers (base/watch.h): beside a board's lock, else in the user's
 * runtime directory ($XDG_RUNTIME_DIR, or /tmp/hilt-UID made 0700).  0 or
 * -errno. */
/* What a person calls action a: "reset", "boot-mode sequence", "BREAK". */
const char *hilt_target_action_name(enum hilt_target_action a);

int hilt_target_watch_path(const struct hilt_target_config *cfg, char *buf, size_t len);

/* Shows cfg's console to observers at its watch path: hilt_watch_open
 * with this process as the holder (its pid, user, host, since now and
 * why: "hilt console", "hilt run: suite 'x'") as the header. */
int hilt_target_watch_open(struct hilt_loop *loop, const struct hilt_target_config *cfg,
			   const char *why, hilt_watch_note_cb note, void *arg,
			   struct hilt_watch **out, char *err, size_t errlen);

#endif
