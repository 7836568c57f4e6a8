/* hilt report html: a run's JUnit as one static page. */
#include "runner/cli/cli_report.h"
#include "runner/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "reports/html.h"

static const char usage[] =
	"usage: hilt report html [--baseline BASE.xml] -o REPORT.html JUNIT.xml\n"
	"\n"
	"Writes a run's JUnit (hilt's or another tool's) as one self-contained HTML\n"
	"file: no script, no external asset, nothing fetched.  Summary counts; a\n"
	"table per target; each failure and error with its message and console\n"
	"excerpt; the kernel findings (hilt's finding.N.* properties) of each\n"
	"session with their kind, count and first report; links to the console logs and captures the JUnit names (relative\n"
	"to where the report is written); and per session a timeline of its boot\n"
	"milestones (seconds since power-on), with the baseline's times beside them\n"
	"and each change labelled, red when slower (green when faster) by more than\n"
	"both thresholds.\n"
	"\n"
	"  --baseline FILE        an earlier run's JUnit to draw beside this one\n"
	"  --time-threshold PCT   relative threshold, e.g. 10% (default) or 0.1\n"
	"  --time-floor SECONDS   absolute threshold, e.g. 0.2s (default), 200ms\n"
	"  -o, --output FILE      where the page goes, written whole or not at all\n"
	"\n"
	"exit status: 0 written, 2 usage error or an input that is missing or not\n"
	"JUnit, 3 the page could not be written.\n";

int hilt_cmd_report_html(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "time-threshold", required_argument, NULL, 't' },
		{ "time-floor", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL, *baseline = NULL;
	struct hilt_html_opts o = { 0.10, 0.2 };
	struct hilt_html_counts k;
	char err[1024];
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 't':
		case 'f':
			if (hilt_report_time_option("report html", c, optarg, &o.rel, &o.abs_s))
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_PASS;
		default:
			fprintf(stderr, "hilt report html: unknown option or missing value: %s "
				"('hilt report html --help' lists them)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (!out || !*out || argc - optind != 1) {
		fprintf(stderr, "hilt report html: give -o REPORT.html and one JUnit file\n");
		return EXIT_USAGE;
	}
	rc = hilt_html_report(argv[optind], baseline, out, &o, &k, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt: %s\n", err);
		/* An input that cannot be read is the user's to fix; a page that
		 * cannot be written, the host's. */
		return strstr(err, out) == err ? EXIT_INFRA : EXIT_USAGE;
	}
	fprintf(stderr, "hilt: %s written: %zu sessions, %zu tests, %zu failed, %zu in error, "
		"%zu skipped", out, k.sessions, k.tests, k.failed, k.errors, k.skipped);
	if (k.findings)
		fprintf(stderr, ", %zu kernel %s", k.findings,
			k.findings == 1 ? "finding" : "findings");
	fputs(baseline ? "" : "\n", stderr);
	if (baseline)
		fprintf(stderr, "; %zu milestones slower than the baseline\n", k.moved);
	return EXIT_PASS;
}
