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

enum {
	EXIT_PASS = 0,
	EXIT_TEST_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INFRA = 3,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hilt run [--farm FILE] [--target NAME]... [--tags K=V]... [--jobs N]\n"
		"                [--out DIR] [OPTION]... SUITE.xml...\n"
		"       hilt list [--farm FILE] [--target NAME]... [--tags K=V]... SUITE.xml...\n"
		"       hilt validate [--strict] FILE...\n"
		"       hilt report merge|compare|html ...\n"
		"       hilt image info|parttable|merge ...\n"
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

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		fputs(hilt_run_usage, stdout);
	else if (!strcmp(argv[1], "list"))
		fputs(hilt_list_usage, stdout);
	else if (!strcmp(argv[1], "validate"))
		fputs(hilt_validate_usage, stdout);
	else if (!strcmp(argv[1], "report"))
		fputs(hilt_report_usage, stdout);
	else if (!strcmp(argv[1], "ci"))
		fputs(hilt_ci_usage, stdout);
	else if (!strcmp(argv[1], "image"))
		fputs(hilt_image_usage, stdout);
	else if (!strcmp(argv[1], "help"))
		usage(stdout);
	else {
		fprintf(stderr, "hilt help: no command '%s' (run, list, validate, report, ci, image)\n", argv[1]);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit must show as a write error (EFBIG), not kill. */
	signal(SIGXFSZ, SIG_IGN);
	xmlInitParser();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_PASS;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hilt %s\n", HILT_VERSION);
		return EXIT_PASS;
	}
	if (!strcmp(argv[1], "run"))
		status = hilt_cmd_run(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "list"))
		status = hilt_cmd_list(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "help"))
		status = cmd_help(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "validate"))
		status = hilt_cmd_validate(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "report"))
		status = hilt_cmd_report(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "ci"))
		status = hilt_cmd_ci(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "image"))
		status = hilt_cmd_image(argc - 1, argv + 1);
	else {
		fprintf(stderr, "hilt: unknown command '%s'\n", argv[1]);
		usage(stderr);
		status = EXIT_USAGE;
	}
	xmlCleanupParser();
	return status;
}
