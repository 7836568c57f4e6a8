/* hilt command line: which command, and help.  The commands are in
 * runner/cli/cli_*.c. */
#define _GNU_SOURCE
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "runner/cli/cli.h"
#include "runner/cli/paths.h"
#include "runner/cli/cli_report.h"
#include "runner/cli/validate.h"

#ifndef HILT_VERSION
#define HILT_VERSION "0.0.0"
#endif

/* The usage, which names this hilt's guest directory. */
static char usage_text[8192];

static void make_usage(void)
{
	snprintf(usage_text, sizeof(usage_text),
		"usage: hilt run [--farm FILE] [--target NAME]... [--tags K=V]... [--jobs N]\n"
		"                [--out DIR] [OPTION]... SUITE.xml...\n"
		"       hilt list [--farm FILE] [--target NAME]... [--tags K=V]... SUITE.xml...\n"
		"       hilt validate [--strict] FILE...\n"
		"       hilt report merge|compare|html ...\n"
		"       hilt image info|parttable|merge ...\n"
		"       hilt bisect --builds DIR... | --git GOOD..BAD --build COMMAND\n"
		"                   [--repeat N] [OPTION]... SUITE.xml...\n"
		"       hilt ci gitlab [--farm FILE] [--tags K=V]... [--parallel N] SUITE.xml...\n"
		"       hilt help [COMMAND] | --help | --version\n"
		"\n"
		"run       runs each suite on each pool of targets that can take it\n"
		"          (without --farm, the built-in 'default' QEMU guest), many\n"
		"          sessions at once, and writes DIR/junit.xml (DIR defaults to\n"
		"          hilt-out) with the raw console log of each session beside it.\n"
		"          --target replay:LOG replays a recorded console log instead.\n"
		"list      prints the sessions a run would make, and their targets.\n"
		"validate  checks suite and farm files (structure, patterns, files named).\n"
		"report    merge: combines JUnit files (shards, other tools') into one;\n"
		"          compare: what changed between runs (regressions, boot times);\n"
		"          html: one static page of a run, its boot timelines.\n"
		"image     ESP firmware: info (segments, checksum, SHA-256), parttable\n"
		"          (binary or CSV, checked), merge (one flash image for QEMU).\n"
		"bisect    finds the first bad build or commit (a failed case, a slower\n"
		"          boot, a new kernel finding) in about log2(N) steps, each run\n"
		"          --repeat times; flaky steps told apart, interrupted ones go on.\n"
		"console   a person at a target's console: raw terminal, hotkeys (~.\n"
		"          detach, ~p power cycle, ~m mark), recorded for replay.\n"
		"reserve   holds a board for a person until a time (a lease every\n"
		"          session respects), lists who holds each board, ends one.\n"
		"ci        writes a CI pipeline that runs the plan across hosts: boards on\n"
		"          their hosts' runners, emulators in parallel shards (GitLab).\n"
		"help      'hilt help COMMAND' tells more.\n"
		"\n"
		"exit status: 0 all passed, 1 a test failed, 2 usage or configuration\n"
		"error, 3 infrastructure error (takes precedence over 1).\n"
		"environment: HILT_GUEST_DIR overrides where the default guest is\n"
		"(this hilt's: %s).\n",
		hilt_guest_dir());
}

static const struct hilt_subcmd commands[] = {
	{ "run", hilt_cmd_run, hilt_run_usage },
	{ "list", hilt_cmd_list, hilt_list_usage },
	{ "validate", hilt_cmd_validate, hilt_validate_usage },
	{ "report", hilt_cmd_report, hilt_report_usage },
	{ "ci", hilt_cmd_ci, hilt_ci_usage },
	{ "image", hilt_cmd_image, hilt_image_usage },
	{ "bisect", hilt_cmd_bisect, hilt_bisect_usage },
	{ "reserve", hilt_cmd_reserve, hilt_reserve_usage },
	{ "console", hilt_cmd_console, hilt_console_usage },
};

static const struct hilt_subcmds hilt = {
	.prog = "hilt", .noun = "command", .usage = usage_text,
	.cmds = commands, .n = sizeof(commands) / sizeof(commands[0]),
};

int main(int argc, char **argv)
{
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit must show as a write error (EFBIG), not kill. */
	signal(SIGXFSZ, SIG_IGN);
	xmlInitParser();
	make_usage();
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("hilt %s\n", HILT_VERSION);
		return EXIT_PASS;
	}
	status = hilt_subcmd_run(&hilt, argc, argv);
	xmlCleanupParser();
	return status;
}
