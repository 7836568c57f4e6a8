/* Suite model: what to check on one target, loaded from a suite file. */
#ifndef HILT_SUITE_H
#define HILT_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/engine/matcher.h"

struct hilt_case_ops;

/* A test case: what every kind has.  What a kind has of its own is in
 * data, read, run and freed by its ops (runner/cases/case.h). */
struct hilt_case {
	const struct hilt_case_ops *ops;	/* its kind */
	char *name;
	long shell;		/* the <shell> in force: an index of shells, or -1 */
	long line;		/* in the suite file */
	double timeout_s;	/* from the end of the previous case */
	/* The pattern the case waits for, when its kind has one (a
	 * milestone's, an interrupt's countdown, a step's reply, an HTTP
	 * body); may hold ${var} (steps). */
	char *expect_src;
	/* Compiled pattern when expect_src has no ${var}; else NULL and the
	 * session compiles it with the captured values. */
	struct hilt_pattern *expect;
	void *data;		/* the kind's own */
};

/* A <shell>: how the console takes commands, from where it stands in the
 * suite on (a suite may talk to U-Boot's "=> ", then to Linux's "# "). */
struct hilt_shell {
	struct hilt_pattern *prompt;
	bool echo;		/* the device echoes what is sent */
	const char *line_end;	/* sent after each command */
	/* Typed this many bytes at a time, each chunk once the last one's
	 * echo is back (a UART's small receive FIFO); 0: all at once. */
	unsigned pace;
	long line;
};

struct hilt_failure_pattern {
	char *name;
	struct hilt_pattern *pattern;
	/* Matches let pass before one fails (after="1": the second sign-on
	 * of a bootloader, a reset nobody asked for). */
	unsigned allowed;
	bool linux_default;	/* one of the linux defaults */
};

/* <kernel-reports>: what the kernel report reader (kreport.h) does in a
 * session.  Absent, it is on when the suite has the linux defaults. */
struct hilt_kernel_reports {
	bool enabled;
	/* Kinds that end the session, as hilt_kreport_opts.fatal takes
	 * them: 0 for the default (a panic), HILT_KREPORT_NONE_FATAL for
	 * none (fatal=""). */
	uint32_t fatal;
	/* Titles to ignore: PCRE2 patterns (checked at load), in order,
	 * NULL-terminated; NULL when there is none. */
	char **ignore;
	size_t nignore;
};

/* Where a suite's session begins (<suite start="...">). */
enum hilt_suite_start {
	HILT_START_POWER_ON,	/* the target powered on (the default) */
	/* At the shell of a running target, reached through the target's
	 * boot suite: a boot other suites of the run may share. */
	HILT_START_SHELL,
	HILT_START_FRESH_SHELL,	/* the same, on a boot of its own */
};

struct hilt_suite {
	char *path;
	char *name;
	double timeout_s;	/* cap for the whole session */
	enum hilt_suite_start start;
	/* Every <shell>, in order; a case uses the last before it. */
	struct hilt_shell *shells;
	size_t nshells;
	bool strip_ansi;	/* match on the text without escape sequences */
	/* A flash command that runs and exits non-zero fails the suite's
	 * first case (the image is bad) instead of being an infrastructure
	 * error.  A flasher that hangs or cannot start stays one. */
	bool flash_failure_fails;
	/* With the kernel report reader on, the linux defaults it reads
	 * (oops, bug, warning, unable-to-handle, invalid-opcode,
	 * internal-error) are not among them: it records those reports and
	 * the session goes on.  kernel-panic stays. */
	struct hilt_failure_pattern *failures;
	size_t nfailures;
	struct hilt_kernel_reports kreports;
	struct hilt_case *cases;
	size_t ncases;
	/* Tags ("key=value") a target must have to run the suite. */
	char **requires;
	size_t nrequires;
	/* The names its patterns capture, and (a suite that starts at a
	 * shell) the ${name}s it uses that it does not capture: its boot
	 * suite must (checked when the plan is made). */
	char **captures;
	size_t ncaptures;
	char **boot_vars;
	size_t nboot_vars;
};

/* The longest suite name: it names the run's files (SUITE@TARGET.console.log,
 * .console.timing, .pcap), which must stay well within NAME_MAX. */
#define HILT_SUITE_NAME_MAX 100

struct hilt_diags;

/* Loads and checks a suite file (structure, patterns, variables, numbers).
 * On error returns -EINVAL (or -errno) with every mistake of the file in
 * err, one "file:line: what" a line, in line order (at most
 * HILT_DIAGS_SHOWN of them; an err of HILT_CONFIG_ERR_MAX bytes holds
 * them all).  The suite is freed with hilt_suite_free(). */
int hilt_suite_load(const char *path, struct hilt_suite **out, char *err,
		    size_t errlen);

/* The same, adding every mistake to d (see base/xmlfile.h) instead. */
int hilt_suite_load_diags(const char *path, struct hilt_suite **out,
			  struct hilt_diags *d);
/* The <shell> in force at case c, or NULL when none came before it. */
const struct hilt_shell *hilt_case_shell(const struct hilt_suite *s, const struct hilt_case *c);

/* The kind of case c: its element in the suite file ("milestone"). */
const char *hilt_case_kind(const struct hilt_case *c);

void hilt_suite_free(struct hilt_suite *suite);

/* The start="" word of start ("power-on", "shell", "fresh-shell"). */
const char *hilt_suite_start_name(enum hilt_suite_start start);

/* Replaces each ${name} in tmpl by its value from vars (n pairs of
 * name/value); quote escapes the values as regex literals.  Returns a
 * malloc'd string (caller frees), or NULL with the missing name in err. */
char *hilt_expand_vars(const char *tmpl, const char *const *names,
		       const char *const *values, size_t n, bool quote,
		       char *err, size_t errlen);

#endif
