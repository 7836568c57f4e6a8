/* The commands of the hilt command line: each takes argv from its own
 * name on and returns the exit status.  The one exit-status enum and the
 * one subcommand table of every command group are here. */
#ifndef HILT_CLI_H
#define HILT_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* The exit status of every command (and what 'hilt --help' says of it).
 * EXIT_FAILED is what the command found wrong in what it was given: a
 * test failed (run), an image is bad (image), a run regressed (report
 * compare). */
enum hilt_exit {
	EXIT_PASS = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,		/* usage or configuration error */
	EXIT_INFRA = 3,		/* infrastructure error: takes precedence over 1 */
};

/* One row of a command group's table: argv[0] of run is name. */
struct hilt_subcmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;	/* what 'help NAME' prints */
};

/* A command group: "hilt report" and its subcommands, or hilt itself. */
struct hilt_subcmds {
	const char *prog;	/* "hilt report", for messages */
	const char *noun;	/* what a row is called: "subcommand", "generator" */
	const char *hint;	/* appended to the list of names, or NULL */
	const char *usage;	/* the group's own usage */
	const struct hilt_subcmd *cmds;
	size_t n;
};

/* Runs the row argv[1] names with argv from argv[1] on.  "--help", "-h"
 * and "help" print the group's usage on stdout ("help NAME" the row's);
 * no name or an unknown one is a usage error, told on stderr. */
int hilt_subcmd_run(const struct hilt_subcmds *g, int argc, char **argv);

int hilt_cmd_run(int argc, char **argv);
int hilt_cmd_list(int argc, char **argv);
int hilt_cmd_ci(int argc, char **argv);
int hilt_cmd_image(int argc, char **argv);
int hilt_cmd_bisect(int argc, char **argv);
int hilt_cmd_reserve(int argc, char **argv);
int hilt_cmd_console(int argc, char **argv);

/* A line of hilt's own on a console's terminal, apart from what the
 * device prints: "[hilt: ...]" on stderr, on a line of its own in raw
 * mode too (runner/cli/cli_watch.c). */
void hilt_console_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* hilt console --watch (runner/cli/cli_watch.c): an exit status. */
struct hilt_target_config;
int hilt_console_watch(const struct hilt_target_config *cfg, bool follow);

/* "90", "90s", "30m", "2h", "1d" as seconds; -1 when not such
 * (runner/cli/cli_reserve.c). */
double hilt_parse_duration(const char *s);

/* Who keeps board t from others now (runner/cli/cli_reserve.c): up to two
 * lines, "reserved by USER@HOST, pid P, since ..., until ...: WHY" and
 * "in use by ..."; how many (0: free, or not a board). */
size_t hilt_target_holders(const struct hilt_target_config *t, char lines[2][800]);

extern const char hilt_run_usage[];
extern const char hilt_list_usage[];
extern const char hilt_ci_usage[];
extern const char hilt_image_usage[];
extern const char hilt_bisect_usage[];
extern const char hilt_reserve_usage[];
extern const char hilt_console_usage[];

#endif
