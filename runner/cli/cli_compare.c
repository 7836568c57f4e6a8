/* hilt report compare: what changed between runs, from their JUnit files,
 * with an exit status CI can gate on. */
#define _GNU_SOURCE
#include "runner/cli/cli_report.h"
#include "runner/cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/atomic.h"
#include "reports/compare.h"

static const char usage[] =
	"usage: hilt report compare [OPTION]... BASE.xml NEW.xml\n"
	"       hilt report compare [OPTION]... --base BASE... NEW.xml\n"
	"\n"
	"Compares the JUnit of a run (NEW) with that of one or more earlier runs (the\n"
	"base), test case by test case and boot milestone by milestone, and prints\n"
	"first what changed between them (kernel version, image SHA-256s, QEMU or\n"
	"board), then: regressions (passed in every base run, fail now), boot-time\n"
	"regressions, fixes, cases still failing, infrastructure errors (listed\n"
	"apart: never a regression of the device), new and removed cases; and,\n"
	"apart from the verdicts, the kernel findings (finding.N.* properties) by\n"
	"session and title: new (in no base run), counted differently, gone.\n"
	"\n"
	"A milestone's time since power-on is a regression when it is beyond\n"
	"  reference + max(THRESHOLD x reference, FLOOR, K x 1.4826 x MAD)\n"
	"where the reference is the base's time, or with several base runs their\n"
	"median, and MAD their median absolute deviation; the report says which\n"
	"term fired.\n"
	"\n"
	"  --base FILE|DIR        a base run (repeatable; the last is the latest); a\n"
	"                         directory gives every *.xml in it, by name\n"
	"  --time-threshold PCT   relative threshold, e.g. 10% (default) or 0.1\n"
	"  --time-floor SECONDS   absolute floor, e.g. 0.2s (default), 200ms\n"
	"  --mad-k K              multiples of the scaled MAD (default 3)\n"
	"  --time-from MILESTONE  boot times counted from this milestone of each\n"
	"                         session, not from power-on (the milestones up to\n"
	"                         it are not compared)\n"
	"  --findings-notice      a new kernel finding is a notice, not a regression\n"
	"  --format FORMAT        text (default), markdown (a merge-request comment)\n"
	"                         or json\n"
	"  -o, --output FILE      write the report there (whole, atomically)\n"
	"\n"
	"exit status: 0 no regression, 1 regressions (of a verdict or a boot time,\n"
	"or a new kernel finding),\n"
	"2 usage error, an input that is missing or not JUnit, or nothing in common\n"
	"to compare, 3 the output could not be written.\n";

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A base argument: the file, or each *.xml of the directory, by name. */
static int add_base(struct hilt_compare *c, const char *arg, char *err, size_t errlen)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	DIR *d;

	if (stat(arg, &st) || !S_ISDIR(st.st_mode))
		return hilt_compare_add_base(c, arg, err, errlen);
	d = opendir(arg);
	if (!d) {
		snprintf(err, errlen, "%s: %s", arg, strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **more;

		if (len < 5 || strcmp(e->d_name + len - 4, ".xml"))
			continue;
		more = realloc(names, (n + 1) * sizeof(*names));
		if (!more || asprintf(&more[n], "%s/%s", arg, e->d_name) < 0) {
			names = more ? more : names;
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			break;
		}
		names = more;
		n++;
	}
	closedir(d);
	if (!rc && !n) {
		snprintf(err, errlen, "%s: a directory with no *.xml in it", arg);
		rc = -ENOENT;
	}
	if (!rc)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = hilt_compare_add_base(c, names[i], err, errlen);
		free(names[i]);
	}
	free(names);
	return rc;
}

int hilt_cmd_report_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "time-threshold", required_argument, NULL, 't' },
		{ "time-floor", required_argument, NULL, 'f' },
		{ "mad-k", required_argument, NULL, 'k' },
		{ "time-from", required_argument, NULL, 'T' },
		{ "format", required_argument, NULL, 'F' },
		{ "findings-notice", no_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct hilt_compare_opts o = {
		HILT_COMPARE_THRESHOLD, HILT_COMPARE_FLOOR_S, HILT_COMPARE_MAD_K, false, NULL,
	};
	enum hilt_compare_format fmt = HILT_COMPARE_TEXT;
	const char **bases = NULL, *out = NULL;
	struct hilt_compare_counts counts;
	struct hilt_compare *c = NULL;
	size_t nbases = 0;
	char err[1024];
	int ch, status = EXIT_PASS;

	bases = calloc((size_t)argc + 1, sizeof(*bases));
	if (!bases) {
		fprintf(stderr, "hilt: out of memory\n");
		return EXIT_INFRA;
	}
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			bases[nbases++] = optarg;
			break;
		case 't':
		case 'f':
			if (hilt_report_time_option("report compare", ch, optarg, &o.threshold,
						    &o.floor_s))
				goto usage_error;
			break;
		case 'k':
			if (hilt_report_mad_k("report compare", optarg, &o.mad_k))
				goto usage_error;
			break;
		case 'F':
			if (!strcmp(optarg, "text")) {
				fmt = HILT_COMPARE_TEXT;
			} else if (!strcmp(optarg, "markdown") || !strcmp(optarg, "md")) {
				fmt = HILT_COMPARE_MARKDOWN;
			} else if (!strcmp(optarg, "json")) {
				fmt = HILT_COMPARE_JSON;
			} else {
				fprintf(stderr, "hilt report compare: --format '%s': text, markdown "
					"or json\n", optarg);
				goto usage_error;
			}
			break;
		case 'N':
			o.findings_notice = true;
			break;
		case 'T':
			o.time_from = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			free(bases);
			return EXIT_PASS;
		default:
			fprintf(stderr, "hilt report compare: %s %s ('hilt report compare --help' "
				"lists the options)\n",
				optopt && strchr("o", optopt) ? "this option needs a value:"
							      : "unknown option or missing value:",
				argv[optind - 1]);
			goto usage_error;
		}
	}
	/* BASE NEW, or --base ... NEW */
	if (argc - optind == 2 && !nbases) {
		bases[nbases++] = argv[optind++];
	} else if (argc - optind != 1 || !nbases) {
		fprintf(stderr, "hilt report compare: give BASE.xml NEW.xml, or --base BASE... "
			"NEW.xml\n");
		goto usage_error;
	}
	if (hilt_compare_new(&o, &c)) {
		fprintf(stderr, "hilt: out of memory\n");
		free(bases);
		return EXIT_INFRA;
	}
	/* Every input is read, and each bad one told, before anything is
	 * compared. */
	for (size_t i = 0; i < nbases; i++) {
		if (add_base(c, bases[i], err, sizeof(err))) {
			fprintf(stderr, "hilt: %s\n", err);
			status = EXIT_USAGE;
		}
	}
	if (hilt_compare_set_new(c, argv[optind], err, sizeof(err))) {
		fprintf(stderr, "hilt: %s\n", err);
		status = EXIT_USAGE;
	}
	if (status == EXIT_PASS && hilt_compare_run(c, &counts, err, sizeof(err))) {
		fprintf(stderr, "hilt: %s\n", err);
		status = EXIT_USAGE;
	}
	if (status == EXIT_PASS) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = out ? open_memstream(&buf, &len) : stdout;

		if (!f || hilt_compare_write(c, fmt, f)) {
			fprintf(stderr, "hilt: cannot write the report: %s\n", strerror(errno));
			status = EXIT_INFRA;
		}
		if (out && f) {
			fclose(f);
			struct iovec iov = { .iov_base = buf, .iov_len = len };

			if (status == EXIT_PASS && hilt_atomic_write(out, &iov, 1, err, sizeof(err))) {
				fprintf(stderr, "hilt: %s\n", err);
				status = EXIT_INFRA;
			}
			free(buf);
		}
		if (status == EXIT_PASS)
			status = hilt_compare_regressed(&counts, &o, HILT_REGRESSED_ALL)
					 ? EXIT_FAILED
					 : EXIT_PASS;
		if (out && status != EXIT_INFRA)
			fprintf(stderr, "hilt: %s written: %zu regressions, %zu boot-time "
				"regressions, %zu new kernel findings%s\n", out, counts.regressions,
				counts.time_regressions, counts.new_findings,
				counts.new_findings && o.findings_notice ? " (a notice)" : "");
	}
	hilt_compare_free(c);
	free(bases);
	return status;
usage_error:
	free(bases);
	return EXIT_USAGE;
}
