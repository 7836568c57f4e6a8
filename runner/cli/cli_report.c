/* hilt report merge: one JUnit of many (the shards of a run, runs on
 * other hosts, other tools' reports), for CI that reads one file. */
#define _GNU_SOURCE
#include "runner/cli/cli_report.h"
#include "runner/cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/number.h"
#include "reports/merge.h"

const char hilt_report_usage[] =
	"usage: hilt report merge -o OUT.xml FILE.xml...\n"
	"       hilt report compare [OPTION]... [BASE.xml] NEW.xml   (--help: its options)\n"
	"       hilt report html [--baseline BASE.xml] -o REPORT.html JUNIT.xml\n"
	"\n"
	"compare what changed between runs: regressions, fixes, boot-time regressions\n"
	"        against one or several base runs; exit 1 when there are regressions.\n"
	"html    one static page of a run: counts, failures with their console\n"
	"        excerpts, and a timeline of each session's boot milestones, the\n"
	"        baseline's beside them.\n"
	"\n"
	"merge   combines JUnit files into one <testsuites> document: hilt's (the\n"
	"        shards of a run, runs on other hosts, an earlier merge) and other\n"
	"        tools', with a <testsuites> root or a bare <testsuite> one, with\n"
	"        or without totals.  Every <testsuite> is copied as it is\n"
	"        (properties, output, rerun and flaky elements), in the order of\n"
	"        the files; testsuites of the same name stay apart, as the\n"
	"        sessions they are.  The root's totals (tests, failures, errors,\n"
	"        time) are counted again from the test cases.\n"
	"\n"
	"  -o, --output FILE  where the document goes, written whole or not at all\n"
	"                     (a temporary file renamed over it); - for standard\n"
	"                     output\n"
	"\n"
	"exit status: 0 written, 2 usage error or an input that is missing or is\n"
	"not JUnit XML (the output is then left as it was), 3 the output could not\n"
	"be written.\n";

static int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL;
	struct hilt_merge *m = NULL;
	struct hilt_merge_totals t;
	char err[1024];
	int c, status = EXIT_PASS;

	optind = 0;	/* GNU getopt: start afresh, options after files too */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(hilt_report_usage, stdout);
			return EXIT_PASS;
		default:
			if (optopt == 'o')
				fprintf(stderr, "hilt report merge: -o needs a file (- for standard "
					"output)\n");
			else
				fprintf(stderr, "hilt report merge: unknown option %s "
					"('hilt help report' lists them)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (!out || !*out) {
		fprintf(stderr, "hilt report merge: -o FILE is required (- for standard output)\n");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		fprintf(stderr, "hilt report merge: no JUnit file to merge\n");
		return EXIT_USAGE;
	}
	if (hilt_merge_new(out, &m) < 0) {
		fprintf(stderr, "hilt: cannot write %s: %s\n", out, strerror(errno));
		return EXIT_INFRA;
	}
	/* Every input is read before anything is written: a bad one leaves
	 * the output as it was.  One line for each bad one, all of them. */
	for (int i = optind; i < argc; i++) {
		if (hilt_merge_add_file(m, argv[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "hilt: %s\n", err);
			status = EXIT_USAGE;
		}
	}
	if (status == EXIT_PASS && hilt_merge_write(m, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "hilt: %s\n", err);
		status = EXIT_INFRA;
	}
	if (status == EXIT_PASS) {
		hilt_merge_totals(m, &t);
		fprintf(stderr, "hilt: %s written: %zu %s from %zu %s: %zu tests, %zu failed, "
			"%zu in error, %zu skipped\n",
			strcmp(out, "-") ? out : "standard output", t.suites,
			t.suites == 1 ? "testsuite" : "testsuites", t.files,
			t.files == 1 ? "file" : "files", t.tests, t.failures, t.errors,
			t.skipped);
	}
	hilt_merge_free(m);
	return status;
}

/* A number in plain decimal, then a unit from units ("" included: none),
 * each with what the number is multiplied by.  -1 when not so. */
static double with_unit(const char *s, const char *const *units, const double *scale)
{
	const char *unit;
	double v;

	if (hilt_number_double(s, &unit, 0, 1e9, &v) < 0)
		return -1;
	for (size_t i = 0; units[i]; i++)
		if (!strcmp(unit, units[i]))
			return v * scale[i];
	return -1;
}

/* "10%", "10 %" or "0.1": a fraction; -1 when not one. */
double hilt_report_fraction(const char *s)
{
	static const char *const units[] = { "", "%", " %", NULL };
	static const double scale[] = { 1, 0.01, 0.01 };

	return with_unit(s, units, scale);
}

/* "0.2", "0.2s" or "200ms": seconds; -1 when not. */
double hilt_report_seconds(const char *s)
{
	static const char *const units[] = { "", "s", "ms", NULL };
	static const double scale[] = { 1, 1, 0.001 };

	return with_unit(s, units, scale);
}

int hilt_report_time_option(const char *cmd, int opt, const char *arg, double *rel,
			    double *floor_s)
{
	if (opt == 't') {
		*rel = hilt_report_fraction(arg);
		if (*rel >= 0)
			return 0;
		fprintf(stderr, "hilt %s: --time-threshold '%s' is not a percentage (10%%) or "
			"a fraction (0.1)\n", cmd, arg);
		return -1;
	}
	*floor_s = hilt_report_seconds(arg);
	if (*floor_s >= 0)
		return 0;
	fprintf(stderr, "hilt %s: --time-floor '%s' is not a time (0.2, 0.2s or 200ms)\n",
		cmd, arg);
	return -1;
}

int hilt_report_mad_k(const char *cmd, const char *arg, double *k)
{
	*k = hilt_report_fraction(arg);
	if (*k >= 0 && !strchr(arg, '%'))
		return 0;
	fprintf(stderr, "hilt %s: --mad-k '%s' is not a non-negative number\n", cmd, arg);
	return -1;
}

static const struct hilt_subcmd subcmds[] = {
	{ "merge", cmd_merge, hilt_report_usage },
	{ "compare", hilt_cmd_report_compare, hilt_report_usage },
	{ "html", hilt_cmd_report_html, hilt_report_usage },
};

int hilt_cmd_report(int argc, char **argv)
{
	static const struct hilt_subcmds report = {
		.prog = "hilt report", .noun = "subcommand", .usage = hilt_report_usage,
		.cmds = subcmds, .n = sizeof(subcmds) / sizeof(subcmds[0]),
	};

	return hilt_subcmd_run(&report, argc, argv);
}
