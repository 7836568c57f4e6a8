/* hilt bisect: the first bad build or commit of an ordered list, by runs
 * of the suites on each candidate (hilt run, this very program, into a
 * folder of each step), judged as hilt report compare judges a run
 * against the good end's.  This file: the arguments, the candidates and
 * the loop; a step and the answer are bisect_step.c, the children
 * bisect_exec.c, the books (verdicts, search, state file, JSON)
 * reports/bisect.c.
 *
 *   --out/bisect.state          every run recorded, rewritten after each
 *   --out/step-NNN-LABEL/       a step: build.log, src/ (a commit's
 *       run-K/                  worktree while it is built and run), the
 *       junit.xml               runs' own folders and their JUnit merged
 *   --out/bisect.json, evidence.txt   the answer */
#define _GNU_SOURCE
#include "runner/cli/cli.h"
#include "runner/cli/bisect_exec.h"
#include "runner/cli/bisect_int.h"
#include "runner/cli/cli_report.h"
#include "runner/cli/paths.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/number.h"
#include "base/proc.h"
#include "reports/bisect.h"
#include "reports/compare.h"

const char hilt_bisect_usage[] =
	"usage: hilt bisect --builds DIR... [OPTION]... SUITE.xml...\n"
	"       hilt bisect --git GOOD..BAD --build COMMAND [--repo DIR] [OPTION]... SUITE.xml...\n"
	"\n"
	"Finds the first bad build of an ordered list (oldest first: the first is\n"
	"the good end, the last the bad end) by running the suites on about log2(N)\n"
	"of them, each --repeat times.  --builds takes the folders that follow it, up\n"
	"to the next option or SUITE.xml: each replaces ${build} in the paths the\n"
	"farm names and in the --farm, --target and SUITE arguments.  --git takes\n"
	"the commits of GOOD..BAD (first parents), each checked out in a worktree of\n"
	"its own under --out (the repository's own tree is never touched) where\n"
	"COMMAND is run by /bin/sh; ${build} is that worktree.  COMMAND's exit 125\n"
	"skips the commit, as with git bisect run; any other failure too.\n"
	"\n"
	"A run is bad when it regresses against the good end's runs as hilt report\n"
	"compare decides (a case that passed there fails, a boot milestone slower\n"
	"than the limit, a new kernel finding); the good end itself is bad when a\n"
	"test of it fails.  Runs in an infrastructure error are tried again; a\n"
	"candidate none of whose runs could be judged is skipped, never good or bad.\n"
	"A step whose runs disagree is flaky, decided by --flaky.\n"
	"\n"
	"  --builds DIR...        the candidates: build folders (or files, such as\n"
	"                         recorded logs), oldest first\n"
	"  --git GOOD..BAD        the candidates: commits of the repository\n"
	"  --build COMMAND        (--git) builds a commit, run in its worktree\n"
	"  --repo DIR             (--git) the repository (default: .)\n"
	"  --repeat N             runs of each candidate (default 1)\n"
	"  --jobs N               runs of a candidate at once (default 1): a pool of\n"
	"                         several targets, or emulators with cores to spare\n"
	"  --retries N            runs again after an infrastructure error (default 2)\n"
	"  --flaky POLICY         majority (default: the larger side; a tie skips),\n"
	"                         bad, good or skip\n"
	"  --only KINDS           what makes a run bad, of cases,times,findings\n"
	"                         (default: all three)\n"
	"  --time-threshold PCT   --time-floor SECONDS   --mad-k K   --findings-notice\n"
	"  --time-from MILESTONE  as hilt report compare takes them (10%, 0.2s, 3;\n"
	"                         boot times from power-on)\n"
	"  --farm FILE  --target NAME  --tags K=V  --realtime  --timeout-multiplier X\n"
	"                         given to each hilt run, ${build} and ${run} (the\n"
	"                         run's number) replaced\n"
	"  --out DIR              the steps, the state and the answer (default\n"
	"                         hilt-bisect); an interrupted bisect given the same\n"
	"                         arguments goes on from there\n"
	"  --format FORMAT        text (default) or json (the answer on stdout,\n"
	"                         the steps on stderr)\n"
	"\n"
	"exit status: 0 the first bad candidate was found (or the few it is among,\n"
	"when skipped ones lie between), 2 usage error, 3 an end could not be\n"
	"tested, 4 the ends are wrong (the good end is bad or the bad end good),\n"
	"130 interrupted (run it again to go on).\n";

#define EXIT_ENDS 4
#define EXIT_INTERRUPTED 130

/* ---- arguments ---- */

static bool parse_count(const char *opt, const char *s, unsigned long min, unsigned *out)
{
	unsigned long v;

	if (hilt_number_ulong(s, NULL, min, 1000, &v) < 0) {
		fprintf(stderr, "hilt bisect: %s wants a whole number from %lu to 1000, not '%s'\n",
			opt, min, s);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool parse_only(const char *s, unsigned *which)
{
	char *copy = strdup(s), *save = NULL;

	*which = 0;
	for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "cases")) {
			*which |= HILT_REGRESSED_CASES;
		} else if (!strcmp(w, "times")) {
			*which |= HILT_REGRESSED_TIMES;
		} else if (!strcmp(w, "findings")) {
			*which |= HILT_REGRESSED_FINDINGS;
		} else {
			*which = 0;
			break;
		}
	}
	free(copy);
	if (*which)
		return true;
	fprintf(stderr, "hilt bisect: --only wants cases, times or findings, comma-separated, "
		"not '%s'\n", s);
	return false;
}

/* --builds DIR...: takes the folders after it out of argv (up to an
 * option or a SUITE.xml).  argv is left with the rest. */
static void take_builds(int *argc, char **argv, struct bisect_args *a)
{
	int o = 1;

	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--builds")) {
			argv[o++] = argv[i];
			continue;
		}
		while (i + 1 < *argc && argv[i + 1][0] != '-') {
			size_t len = strlen(argv[i + 1]);

			if (len >= 4 && !strcmp(argv[i + 1] + len - 4, ".xml"))
				break;
			a->builds[a->nbuilds++] = argv[++i];
		}
	}
	argv[o] = NULL;
	*argc = o;
}

/* Returns -1 on a usage error (told), 1 for --help, 0 to go on. */
static int parse_args(int argc, char **argv, struct bisect_args *a)
{
	static const struct option opts[] = {
		{ "git", required_argument, NULL, 'g' },
		{ "build", required_argument, NULL, 'B' },
		{ "repo", required_argument, NULL, 'C' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "retries", required_argument, NULL, 'R' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "flaky", required_argument, NULL, 'F' },
		{ "only", required_argument, NULL, 'O' },
		{ "time-threshold", required_argument, NULL, 't' },
		{ "time-floor", required_argument, NULL, 'f' },
		{ "mad-k", required_argument, NULL, 'k' },
		{ "time-from", required_argument, NULL, 'S' },
		{ "findings-notice", no_argument, NULL, 'N' },
		{ "farm", required_argument, NULL, 'a' },
		{ "target", required_argument, NULL, 'T' },
		{ "tags", required_argument, NULL, 'G' },
		{ "realtime", no_argument, NULL, 'L' },
		{ "timeout-multiplier", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	a->builds = calloc((size_t)argc + 1, sizeof(char *));
	a->targets = calloc((size_t)argc + 1, sizeof(char *));
	a->tags = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->builds || !a->targets || !a->tags) {
		fprintf(stderr, "hilt: out of memory\n");
		return -1;
	}
	take_builds(&argc, argv, a);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': a->git_range = optarg; break;
		case 'B': a->build_cmd = optarg; break;
		case 'C': a->repo = optarg; break;
		case 'a': a->farm = optarg; break;
		case 'T': a->targets[a->ntargets++] = optarg; break;
		case 'G': a->tags[a->ntags++] = optarg; break;
		case 'L': a->realtime = true; break;
		case 'm': a->timeout_mult = optarg; break;
		case 'o': a->out = optarg; break;
		case 'N': a->cmp.findings_notice = true; break;
		case 'S': a->cmp.time_from = optarg; break;
		case 'r':
			if (!parse_count("--repeat", optarg, 1, &a->repeat))
				return -1;
			break;
		case 'R':
			if (!parse_count("--retries", optarg, 0, &a->retries))
				return -1;
			break;
		case 'J':
			if (!parse_count("--jobs", optarg, 1, &a->jobs))
				return -1;
			break;
		case 'O':
			if (!parse_only(optarg, &a->which))
				return -1;
			break;
		case 'F':
			if (!strcmp(optarg, "majority")) {
				a->flaky = HILT_BISECT_FLAKY_MAJORITY;
			} else if (!strcmp(optarg, "bad")) {
				a->flaky = HILT_BISECT_FLAKY_BAD;
			} else if (!strcmp(optarg, "good")) {
				a->flaky = HILT_BISECT_FLAKY_GOOD;
			} else if (!strcmp(optarg, "skip")) {
				a->flaky = HILT_BISECT_FLAKY_SKIP;
			} else {
				fprintf(stderr, "hilt bisect: --flaky wants majority, bad, good or "
					"skip, not '%s'\n", optarg);
				return -1;
			}
			break;
		case 't':
		case 'f':
			if (hilt_report_time_option("bisect", c, optarg, &a->cmp.threshold,
						    &a->cmp.floor_s))
				return -1;
			break;
		case 'k':
			if (hilt_report_mad_k("bisect", optarg, &a->cmp.mad_k))
				return -1;
			break;
		case 'j':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				fprintf(stderr, "hilt bisect: --format wants text or json, not '%s'\n",
					optarg);
				return -1;
			}
			a->json = !strcmp(optarg, "json");
			break;
		case 'h':
			fputs(hilt_bisect_usage, stdout);
			return 1;
		default:
			fprintf(stderr, "hilt bisect: unknown option or missing value: %s ('hilt "
				"bisect --help' lists the options)\n", argv[optind - 1]);
			return -1;
		}
	}
	a->suites = (const char **)argv + optind;
	a->nsuites = (size_t)(argc - optind);
	if (!a->nsuites) {
		fprintf(stderr, "hilt bisect: which suites? (SUITE.xml...)\n");
		return -1;
	}
	if (!a->git_range == !a->nbuilds) {
		fprintf(stderr, "hilt bisect: give the candidates: --builds DIR... or --git "
			"GOOD..BAD\n");
		return -1;
	}
	if (a->git_range && !a->build_cmd) {
		fprintf(stderr, "hilt bisect: --git wants --build COMMAND too\n");
		return -1;
	}
	if (!a->git_range && (a->build_cmd || a->repo)) {
		fprintf(stderr, "hilt bisect: --build and --repo go with --git\n");
		return -1;
	}
	if (a->nbuilds == 1) {
		fprintf(stderr, "hilt bisect: --builds wants two folders at least (good, bad)\n");
		return -1;
	}
	return 0;
}

/* ---- candidates ---- */

/* p made absolute (from the current folder), malloc'd. */
static char *absolute(const char *p)
{
	char *cwd, *full = NULL;

	if (p[0] == '/')
		return strdup(p);
	cwd = getcwd(NULL, 0);
	if (!strcmp(p, "."))
		return cwd;
	if (cwd && asprintf(&full, "%s/%s", cwd, p) < 0)
		full = NULL;
	free(cwd);
	return full;
}

/* A label for folder names: the build folder's last part, or the short
 * hash; characters other than [A-Za-z0-9._-] made '_'. */
static char *label_of(const char *name, bool commit)
{
	char *copy = strdup(name), *base, *l;
	size_t len;

	if (!copy)
		return NULL;
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	base = commit ? copy : strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	l = strndup(base, commit ? 12 : 64);
	free(copy);
	for (char *p = l; p && *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
			*p = '_';
	return l;
}

/* The plan line of the state file: what must be the same to go on. */
static char *make_plan(const struct bisect_args *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "repeat=%u flaky=%d only=%u threshold=%g floor=%g mad-k=%g notice=%d from=%s "
		"build=%s farm=%s realtime=%d", a->repeat, a->flaky, a->which, a->cmp.threshold,
		a->cmp.floor_s, a->cmp.mad_k, a->cmp.findings_notice,
		a->cmp.time_from ? a->cmp.time_from : "-",
		a->build_cmd ? a->build_cmd : "-", a->farm ? a->farm : "-", a->realtime);
	for (size_t i = 0; i < a->ntargets; i++)
		fprintf(f, " target=%s", a->targets[i]);
	for (size_t i = 0; i < a->ntags; i++)
		fprintf(f, " tags=%s", a->tags[i]);
	for (size_t i = 0; i < a->nsuites; i++)
		fprintf(f, " suite=%s", a->suites[i]);
	return fclose(f) ? (free(buf), NULL) : buf;
}

static int make_candidates(struct bisect *bs, char *err, size_t errlen)
{
	struct bisect_args *a = &bs->a;
	char **names = NULL, **labels;
	size_t n = a->nbuilds;
	int rc = 0;

	if (a->git_range) {
		rc = hilt_bisect_git_range(bs->repo, a->git_range, &names, &n, err, errlen);
		if (rc)
			return rc;
		if (n < 2) {
			snprintf(err, errlen, "--git %s: the range is empty", a->git_range);
			free(names[0]);
			free(names);
			return -EINVAL;
		}
	} else if (!(names = calloc(n + 1, sizeof(*names)))) {
		return -ENOMEM;
	} else {
		for (size_t i = 0; i < n; i++)
			if (!(names[i] = strdup(a->builds[i])))
				rc = -ENOMEM;
	}
	labels = calloc(n + 1, sizeof(*labels));
	bs->values = calloc(n + 1, sizeof(*bs->values));
	if (!labels || !bs->values)
		rc = -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		labels[i] = label_of(names[i], a->git_range != NULL);
		/* A commit's ${build} is its worktree, known at its step. */
		bs->values[i] = a->git_range ? strdup("") : absolute(names[i]);
		if (!labels[i] || !bs->values[i] || !names[i])
			rc = -ENOMEM;
	}
	if (!rc)
		rc = hilt_bisect_new((const char *const *)names, (const char *const *)labels, n,
				     a->repeat, a->flaky, &bs->b);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(labels ? labels[i] : NULL);
	}
	free(names);
	free(labels);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

static void bisect_free(struct bisect *bs)
{
	for (size_t i = 0; bs->b && bs->values && i < hilt_bisect_count(bs->b); i++)
		free(bs->values[i]);
	free(bs->values);
	hilt_bisect_free(bs->b);
	free(bs->out);
	free(bs->repo);
	free(bs->state);
	free(bs->plan);
	free(bs->a.builds);
	free(bs->a.targets);
	free(bs->a.tags);
}

int hilt_cmd_bisect(int argc, char **argv)
{
	struct bisect bs = {
		.a = { .out = "hilt-bisect", .repeat = 1, .retries = 2, .jobs = 1, .which = HILT_REGRESSED_ALL,
		       .cmp = { HILT_COMPARE_THRESHOLD, HILT_COMPARE_FLOOR_S, HILT_COMPARE_MAD_K,
				false, NULL } },
	};
	enum hilt_bisect_next next;
	char err[1024];
	size_t i;
	int rc, status = EXIT_INFRA;

	rc = parse_args(argc, argv, &bs.a);
	if (rc) {
		bisect_free(&bs);
		return rc > 0 ? EXIT_PASS : EXIT_USAGE;
	}
	bs.log = bs.a.json ? stderr : stdout;
	bs.out = absolute(bs.a.out);
	bs.repo = absolute(bs.a.repo ? bs.a.repo : ".");
	if (!bs.out || !bs.repo || asprintf(&bs.state, "%s/bisect.state", bs.out) < 0 ||
	    !(bs.plan = make_plan(&bs.a))) {
		fprintf(stderr, "hilt: out of memory\n");
		goto out;
	}
	if (hilt_proc_guard_start(err, sizeof(err)) < 0 || hilt_bisect_signals_open() < 0) {
		fprintf(stderr, "hilt bisect: cannot watch children or signals: %s\n", err);
		goto out;
	}
	rc = make_candidates(&bs, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt bisect: %s\n", err);
		status = rc == -ENOMEM ? EXIT_INFRA : EXIT_USAGE;
		goto out;
	}
	if ((rc = hilt_mkdir_p(bs.out, 0755))) {
		fprintf(stderr, "hilt bisect: %s: %s\n", bs.out, strerror(-rc));
		goto out;
	}
	rc = hilt_bisect_load(bs.b, bs.state, bs.plan, err, sizeof(err));
	if (rc && rc != -ENOENT) {
		fprintf(stderr, "hilt bisect: %s\n", err);
		status = rc == -EINVAL ? EXIT_USAGE : EXIT_INFRA;
		goto out;
	}
	fprintf(bs.log, "bisecting %zu %s, %u %s each%s\n", hilt_bisect_count(bs.b),
		bs.a.git_range ? "commits" : "builds", bs.a.repeat, bs.a.repeat == 1 ? "run" : "runs",
		rc ? "" : " (going on from the recorded state)");
	while ((next = hilt_bisect_next(bs.b, &i)) == HILT_BISECT_TEST) {
		rc = hilt_bisect_step(&bs, i);
		if (rc == 1 || (!rc && hilt_bisect_interrupted())) {
			fprintf(bs.log, "\ninterrupted: what finished is in %s; run the same command "
				"again to go on\n", bs.state);
			status = EXIT_INTERRUPTED;
			goto out;
		}
		if (rc < 0) {
			fprintf(stderr, "hilt bisect: %s\n", strerror(-rc));
			goto out;
		}
	}
	status = hilt_bisect_tell(&bs, next, i);
out:
	hilt_proc_guard_stop();
	bisect_free(&bs);
	return status;
}
