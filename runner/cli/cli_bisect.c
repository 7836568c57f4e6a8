/* hilt bisect: the first bad build or commit of an ordered list, by runs
 * of the suites on each candidate (hilt run, this very program, into a
 * folder of each step), judged as hilt report compare judges a run
 * against the good end's.  The books (candidates, verdicts, search, state
 * file, JSON) are reports/bisect.c; the children bisect_exec.c.
 *
 *   --out/bisect.state          every run recorded, rewritten after each
 *   --out/step-NNN-LABEL/       a step: build.log, src/ (a commit's
 *       run-K/                  worktree while it is built and run), the
 *       junit.xml               runs' own folders and their JUnit merged
 *   --out/bisect.json, evidence.txt   the answer */
#define _GNU_SOURCE
#include "runner/cli/cli.h"
#include "runner/cli/bisect_exec.h"
#include "runner/cli/cli_report.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic.h"
#include "base/number.h"
#include "base/proc.h"
#include "base/template.h"
#include "reports/bisect.h"
#include "reports/compare.h"
#include "reports/merge.h"

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
	"  --builds DIR...        the candidates: build folders, oldest first\n"
	"  --git GOOD..BAD        the candidates: commits of the repository\n"
	"  --build COMMAND        (--git) builds a commit, run in its worktree\n"
	"  --repo DIR             (--git) the repository (default: .)\n"
	"  --repeat N             runs of each candidate (default 1)\n"
	"  --retries N            runs again after an infrastructure error (default 2)\n"
	"  --flaky POLICY         majority (default: the larger side; a tie skips),\n"
	"                         bad, good or skip\n"
	"  --only KINDS           what makes a run bad, of cases,times,findings\n"
	"                         (default: all three)\n"
	"  --time-threshold PCT   --time-floor SECONDS   --mad-k K   --findings-notice\n"
	"                         the limits of hilt report compare (10%, 0.2s, 3)\n"
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

struct bisect_args {
	const char **builds, **targets, **tags, **suites;
	size_t nbuilds, ntargets, ntags, nsuites;
	const char *git_range, *build_cmd, *repo, *farm, *out, *timeout_mult;
	bool realtime, json;
	unsigned repeat, retries, which;
	enum hilt_bisect_flaky flaky;
	struct hilt_compare_opts cmp;
};

/* What a bisect holds while it goes. */
struct bisect {
	struct bisect_args a;
	struct hilt_bisect *b;
	char **values;		/* each candidate's ${build} (absolute) */
	char *out;		/* --out, absolute */
	char *repo;		/* --repo, absolute */
	char *state, *plan;
	FILE *log;		/* where steps are told: stdout, stderr with json */
	unsigned nsteps;
};

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
		{ "flaky", required_argument, NULL, 'F' },
		{ "only", required_argument, NULL, 'O' },
		{ "time-threshold", required_argument, NULL, 't' },
		{ "time-floor", required_argument, NULL, 'f' },
		{ "mad-k", required_argument, NULL, 'k' },
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
		case 'r':
			if (!parse_count("--repeat", optarg, 1, &a->repeat))
				return -1;
			break;
		case 'R':
			if (!parse_count("--retries", optarg, 0, &a->retries))
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
			a->cmp.mad_k = hilt_report_fraction(optarg);
			if (a->cmp.mad_k < 0 || strchr(optarg, '%')) {
				fprintf(stderr, "hilt bisect: --mad-k '%s' is not a non-negative "
					"number\n", optarg);
				return -1;
			}
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
	fprintf(f, "repeat=%u flaky=%d only=%u threshold=%g floor=%g mad-k=%g notice=%d "
		"build=%s farm=%s realtime=%d", a->repeat, a->flaky, a->which, a->cmp.threshold,
		a->cmp.floor_s, a->cmp.mad_k, a->cmp.findings_notice,
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

/* ---- a step ---- */

static int mkdir_p(const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;

	free(p);
	return rc;
}

/* Moves what is at dir out of the way (an attempt that ended in an error,
 * or was interrupted): dir.N, the first N free. */
static void set_aside(const char *dir)
{
	struct stat st;
	char *to = NULL;

	if (lstat(dir, &st))
		return;
	for (unsigned n = 1; n < 1000; n++) {
		free(to);
		if (asprintf(&to, "%s.%u", dir, n) < 0)
			return;
		if (lstat(to, &st) && !rename(dir, to))
			break;
	}
	free(to);
}

/* s with ${build} and ${run} replaced (other ${NAME}s kept). */
static char *expand(const char *s, const char *build, unsigned run)
{
	char runs[16], err[128];
	const char *names[] = { "build", "run" }, *values[] = { build, runs };
	struct hilt_template_vars v = { names, values, 2 };
	struct hilt_template t = {
		.syntax = HILT_TEMPLATE_DOLLAR, .lookup = hilt_template_lookup_vars, .arg = &v,
		.keep_unknown = true,
	};

	snprintf(runs, sizeof(runs), "%u", run);
	return hilt_template_expand(s, &t, err, sizeof(err));
}

/* The last line of what the run printed that is not blank: why it could
 * not start, for a skip. */
static char *last_line(const char *text)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return strndup(start, (size_t)(end - start));
}

/* Judges run dir/junit.xml of candidate i against the good end's runs:
 * *v and *why (malloc'd). */
static void judge(struct bisect *bs, size_t i, const char *junit, int code,
		  enum hilt_bisect_verdict *v, char **why)
{
	struct hilt_bisect_cand *good = hilt_bisect_cand(bs->b, 0);
	struct hilt_compare_counts counts;
	struct hilt_compare *c = NULL;
	char err[1024], line[1024];
	size_t nbase = 0;

	*why = NULL;
	if (i == 0) {
		/* The good end is the reference: bad when a test of it fails. */
		*v = code == EXIT_FAILED ? HILT_BISECT_BAD : HILT_BISECT_GOOD;
		if (code == EXIT_FAILED)
			*why = strdup("a test failed (the good end must pass)");
		return;
	}
	if (hilt_compare_new(&bs->a.cmp, &c)) {
		*v = HILT_BISECT_ERROR;
		*why = strdup("out of memory");
		return;
	}
	for (unsigned k = 0; k < bs->a.repeat; k++) {
		char *path = NULL;

		if (good->runs[k].verdict != HILT_BISECT_GOOD || !good->runs[k].junit ||
		    asprintf(&path, "%s/%s", bs->out, good->runs[k].junit) < 0)
			continue;
		nbase += !hilt_compare_add_base(c, path, err, sizeof(err));
		free(path);
	}
	if (!nbase || hilt_compare_set_new(c, junit, err, sizeof(err)) ||
	    hilt_compare_run(c, &counts, err, sizeof(err))) {
		*v = HILT_BISECT_SKIP;
		*why = nbase ? strdup(err) : strdup("no JUnit of the good end to compare with");
	} else if (hilt_compare_regressed(&counts, &bs->a.cmp, bs->a.which)) {
		*v = HILT_BISECT_BAD;
		if (!hilt_compare_first_regression(c, bs->a.which, line, sizeof(line)))
			*why = strdup(line);
	} else {
		*v = HILT_BISECT_GOOD;
	}
	hilt_compare_free(c);
}

/* Argument vector of one hilt run of candidate i into dir. */
static char **run_argv(struct bisect *bs, size_t i, unsigned run, const char *dir)
{
	const struct bisect_args *a = &bs->a;
	const char *build = bs->values[i];
	size_t n = 0, cap = 16 + 2 * (a->ntargets + a->ntags) + a->nsuites;
	char **v = calloc(cap, sizeof(*v));
	bool oom = !v;
	char runs[16], *builds = NULL;

	snprintf(runs, sizeof(runs), "run=%u", run);
	if (asprintf(&builds, "build=%s", build) < 0)
		builds = NULL;
#define ADD(s) do { char *s_ = (s); if (v && !(v[n++] = s_)) oom = true; } while (0)
	ADD(strdup("/proc/self/exe"));
	ADD(strdup("run"));
	ADD(strdup("--no-progress"));
	ADD(strdup("--out"));
	ADD(strdup(dir));
	ADD(strdup("--path-var"));
	ADD(builds);
	ADD(strdup("--path-var"));
	ADD(strdup(runs));
	if (a->farm) {
		ADD(strdup("--farm"));
		ADD(expand(a->farm, build, run));
	}
	for (size_t k = 0; k < a->ntargets; k++) {
		ADD(strdup("--target"));
		ADD(expand(a->targets[k], build, run));
	}
	for (size_t k = 0; k < a->ntags; k++) {
		ADD(strdup("--tags"));
		ADD(strdup(a->tags[k]));
	}
	if (a->realtime)
		ADD(strdup("--realtime"));
	if (a->timeout_mult) {
		ADD(strdup("--timeout-multiplier"));
		ADD(strdup(a->timeout_mult));
	}
	for (size_t k = 0; k < a->nsuites; k++)
		ADD(expand(a->suites[k], build, run));
#undef ADD
	if (!v)
		free(builds);
	if (oom && v) {
		for (size_t k = 0; k < cap; k++)
			free(v[k]);
		free(v);
		v = NULL;
	}
	return v;
}

static void free_argv(char **v)
{
	for (size_t k = 0; v && v[k]; k++)
		free(v[k]);
	free(v);
}

/* Run k of candidate i, attempts included, recorded in the books and the
 * state file.  0; 1 when interrupted (nothing recorded); -errno. */
static int do_run(struct bisect *bs, size_t i, const char *stepdir, unsigned k)
{
	enum hilt_bisect_verdict v = HILT_BISECT_ERROR;
	char *dir = NULL, *junit = NULL, *log = NULL, *out = NULL, *why = NULL, *rel = NULL;
	char err[1024];
	unsigned attempt;
	int rc = 0;

	if (asprintf(&dir, "%s/run-%u", stepdir, k + 1) < 0 ||
	    asprintf(&junit, "%s/junit.xml", dir) < 0 || asprintf(&log, "%s/hilt-run.log", dir) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	set_aside(dir);
	for (attempt = 1; attempt <= bs->a.retries + 1; attempt++) {
		struct hilt_bisect_exit st;
		char **argv;

		if (attempt > 1)
			set_aside(dir);
		if ((rc = mkdir_p(dir)) || !(argv = run_argv(bs, i, k + 1, dir))) {
			rc = rc ? rc : -ENOMEM;
			goto out;
		}
		free(out);
		rc = hilt_bisect_exec(argv, NULL, log, &out, &st, err, sizeof(err));
		free_argv(argv);
		if (rc) {
			fprintf(stderr, "hilt bisect: %s\n", err);
			goto out;
		}
		if (st.interrupted) {
			rc = 1;
			goto out;
		}
		free(why);
		why = NULL;
		if (st.code == EXIT_PASS || st.code == EXIT_FAILED) {
			judge(bs, i, junit, st.code, &v, &why);
			break;
		}
		if (st.code == EXIT_USAGE) {
			/* The same arguments serve every candidate: what this one
			 * lacks is its own (a ${build} path that is missing). */
			v = HILT_BISECT_SKIP;
			why = last_line(out);
			break;
		}
		v = HILT_BISECT_ERROR;
		why = last_line(out);
		fprintf(bs->log, "    run %u: infrastructure error%s: %s\n", k + 1,
			attempt <= bs->a.retries ? ", again" : "", why ? why : "");
	}
	if (attempt > bs->a.retries + 1)
		attempt--;
	rel = strdup(junit + strlen(bs->out) + 1);
	if (!rel || (rc = hilt_bisect_set_run(bs->b, i, k, v, attempt, why,
					       access(junit, R_OK) ? NULL : rel))) {
		rc = -ENOMEM;
		goto out;
	}
	why = NULL;
	rc = hilt_bisect_save(bs->b, bs->state, bs->plan, err, sizeof(err));
	if (rc)
		fprintf(stderr, "hilt bisect: %s\n", err);
	else
		fprintf(bs->log, "    run %u: %s%s%s\n", k + 1, hilt_bisect_verdict_name(v),
			hilt_bisect_cand(bs->b, i)->runs[k].why ? ": " : "",
			hilt_bisect_cand(bs->b, i)->runs[k].why ? hilt_bisect_cand(bs->b, i)->runs[k].why
								 : "");
out:
	free(dir);
	free(junit);
	free(log);
	free(out);
	free(why);
	free(rel);
	return rc;
}

/* Builds commit i in its worktree (stepdir/src): 0 built, 1 skipped (the
 * books say why), 2 interrupted, -errno. */
static int build(struct bisect *bs, size_t i, const char *stepdir)
{
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	char *src = NULL, *log = NULL, *why = NULL, err[1024];
	struct hilt_bisect_exit st;
	int rc;

	if (asprintf(&src, "%s/src", stepdir) < 0 || asprintf(&log, "%s/build.log", stepdir) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	rc = hilt_bisect_worktree_add(bs->repo, src, c->name, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt bisect: %s\n", err);
		goto out;
	}
	free(bs->values[i]);
	bs->values[i] = strdup(src);
	unlink(log);
	fprintf(bs->log, "    building: %s (log: %s)\n", bs->a.build_cmd, log);
	rc = hilt_bisect_exec((char *const[]){ "/bin/sh", "-c", (char *)bs->a.build_cmd, NULL },
			      src, log, NULL, &st, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt bisect: %s\n", err);
		goto out;
	}
	if (st.interrupted) {
		rc = 2;
		goto out;
	}
	if (st.exited && st.code == 0)
		goto out;
	if (asprintf(&why, st.exited && st.code == 125 ? "the build said it cannot be tested (exit "
		     "125)" : "the build failed (exit %d; %s)", st.code, log) < 0)
		why = NULL;
	rc = hilt_bisect_set_skip(bs->b, i, why);
	rc = rc ? rc : hilt_bisect_save(bs->b, bs->state, bs->plan, err, sizeof(err));
	if (rc)
		fprintf(stderr, "hilt bisect: %s\n", err);
	else
		rc = 1;
out:
	free(src);
	free(log);
	return rc;
}

/* The runs' JUnit of a step merged into stepdir/junit.xml. */
static void merge_step(struct bisect *bs, size_t i, const char *stepdir)
{
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	struct hilt_merge *m;
	char *path = NULL, err[1024];
	size_t n = 0;

	if (asprintf(&path, "%s/junit.xml", stepdir) < 0 || hilt_merge_new(path, &m)) {
		free(path);
		return;
	}
	for (unsigned k = 0; k < bs->a.repeat; k++) {
		char *run = NULL;

		if (!c->runs[k].junit || asprintf(&run, "%s/%s", bs->out, c->runs[k].junit) < 0)
			continue;
		n += !hilt_merge_add_file(m, run, err, sizeof(err));
		free(run);
	}
	if (n && hilt_merge_write(m, path, err, sizeof(err)))
		fprintf(stderr, "hilt bisect: %s\n", err);
	hilt_merge_free(m);
	free(path);
}

/* Tests candidate i: a step.  0, 1 interrupted, -errno. */
static int step(struct bisect *bs, size_t i)
{
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	size_t n = hilt_bisect_count(bs->b);
	char *stepdir = NULL;
	bool all_recorded = true;
	struct stat st;
	int rc = 0;

	hilt_bisect_set_step(bs->b, i, ++bs->nsteps);
	if (asprintf(&stepdir, "%s/step-%03u-%s", bs->out, bs->nsteps, c->label) < 0)
		return -ENOMEM;
	fprintf(bs->log, "step %u: %s (%zu of %zu%s)\n", bs->nsteps, c->name, i + 1, n,
		i == 0 ? ", the good end" : i == n - 1 ? ", the bad end" : "");
	for (unsigned k = 0; k < bs->a.repeat; k++)
		all_recorded &= c->runs[k].verdict != HILT_BISECT_UNTESTED;
	if ((rc = mkdir_p(stepdir)))
		goto out;
	if (c->build_skipped || all_recorded) {
		/* From the state of an earlier, interrupted bisect. */
	} else if (bs->a.git_range) {
		rc = build(bs, i, stepdir);
		if (rc == 2) {
			rc = 1;
			goto out;
		}
		if (rc < 0)
			goto out;
	} else if (stat(bs->values[i], &st) || !S_ISDIR(st.st_mode)) {
		const char *e = S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory";
		char *why = NULL;

		if (asprintf(&why, "%s: %s", c->name, e) < 0)
			why = NULL;
		rc = hilt_bisect_set_skip(bs->b, i, why);
		if (!rc) {
			char err[1024];

			rc = hilt_bisect_save(bs->b, bs->state, bs->plan, err, sizeof(err));
			if (rc)
				fprintf(stderr, "hilt bisect: %s\n", err);
		}
		if (rc)
			goto out;
	}
	if (c->build_skipped) {
		fprintf(bs->log, "    skipped: %s\n", c->why);
	} else {
		for (unsigned k = 0; k < bs->a.repeat && !rc; k++) {
			if (c->runs[k].verdict != HILT_BISECT_UNTESTED) {
				fprintf(bs->log, "    run %u: %s (recorded)%s%s\n", k + 1,
					hilt_bisect_verdict_name(c->runs[k].verdict),
					c->runs[k].why ? ": " : "", c->runs[k].why ? c->runs[k].why : "");
				continue;
			}
			rc = do_run(bs, i, stepdir, k);
		}
		if (!rc)
			merge_step(bs, i, stepdir);
	}
	if (!rc) {
		hilt_bisect_decide(bs->b, i);
		fprintf(bs->log, "    => %s%s", c->flaky ? "flaky, " : "",
			hilt_bisect_verdict_name(c->verdict));
		if (c->flaky)
			fprintf(bs->log, " (%u good, %u bad runs; --flaky %s)", c->ngood, c->nbad,
				(const char *[]){ "majority", "bad", "good", "skip" }[bs->a.flaky]);
		fputc('\n', bs->log);
	}
	if (bs->a.git_range && !lstat(stepdir, &st)) {
		char *src = NULL;

		if (asprintf(&src, "%s/src", stepdir) >= 0 && !lstat(src, &st) && rc != 1)
			hilt_bisect_worktree_remove(bs->repo, src);
		free(src);
	}
out:
	free(stepdir);
	return rc;
}

/* ---- the answer ---- */

/* The compare report between the last good and the first bad: its text in
 * --out/evidence.txt (and on the step log). */
static void evidence(struct bisect *bs, size_t lg, size_t fb)
{
	struct hilt_bisect_cand *g = hilt_bisect_cand(bs->b, lg), *b = hilt_bisect_cand(bs->b, fb);
	struct hilt_compare_counts counts;
	struct hilt_compare *c = NULL;
	char *path = NULL, *buf = NULL, err[1024];
	size_t len = 0, nbase = 0;
	const char *newj = NULL;
	FILE *f;

	for (unsigned k = 0; k < bs->a.repeat && !newj; k++)
		if (b->runs[k].verdict == HILT_BISECT_BAD)
			newj = b->runs[k].junit;
	if (!newj || hilt_compare_new(&bs->a.cmp, &c))
		return;
	for (unsigned k = 0; k < bs->a.repeat; k++) {
		if (g->runs[k].verdict != HILT_BISECT_GOOD || !g->runs[k].junit ||
		    asprintf(&path, "%s/%s", bs->out, g->runs[k].junit) < 0)
			continue;
		nbase += !hilt_compare_add_base(c, path, err, sizeof(err));
		free(path);
	}
	if (asprintf(&path, "%s/%s", bs->out, newj) < 0)
		path = NULL;
	if (nbase && path && !hilt_compare_set_new(c, path, err, sizeof(err)) &&
	    !hilt_compare_run(c, &counts, err, sizeof(err)) && (f = open_memstream(&buf, &len))) {
		hilt_compare_write(c, HILT_COMPARE_TEXT, f);
		if (!fclose(f)) {
			struct iovec iov = { .iov_base = buf, .iov_len = len };
			char *ev = NULL;

			fprintf(bs->log, "\nEvidence (hilt report compare, last good -> first bad):\n%s",
				buf);
			if (asprintf(&ev, "%s/evidence.txt", bs->out) >= 0 &&
			    hilt_atomic_write(ev, &iov, 1, err, sizeof(err)))
				fprintf(stderr, "hilt bisect: %s\n", err);
			free(ev);
		}
		free(buf);
	}
	free(path);
	hilt_compare_free(c);
}

static int write_json(struct bisect *bs)
{
	const char *key = bs->a.git_range ? "commit" : "build";
	char *buf = NULL, *path = NULL, err[1024];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = -ENOMEM;

	if (!f)
		return rc;
	hilt_bisect_write_json(bs->b, key, f);
	if (!fclose(f) && asprintf(&path, "%s/bisect.json", bs->out) >= 0) {
		struct iovec iov = { .iov_base = buf, .iov_len = len };

		rc = hilt_atomic_write(path, &iov, 1, err, sizeof(err));
		if (rc)
			fprintf(stderr, "hilt bisect: %s\n", err);
		if (bs->a.json)
			fwrite(buf, 1, len, stdout);
	}
	free(buf);
	free(path);
	return rc;
}

/* Tells the answer; returns the exit status. */
static int answer(struct bisect *bs, enum hilt_bisect_next next, size_t i)
{
	size_t n = hilt_bisect_count(bs->b), lg, fb, skipped = 0;
	struct hilt_bisect_cand *c = hilt_bisect_cand(bs->b, i);
	unsigned steps = hilt_bisect_steps(bs->b);
	FILE *o = bs->log;
	int status = EXIT_PASS;

	for (size_t k = 0; k < n; k++)
		skipped += hilt_bisect_cand(bs->b, k)->step && hilt_bisect_cand(bs->b, k)->verdict ==
								     HILT_BISECT_SKIP;
	fputc('\n', o);
	switch (next) {
	case HILT_BISECT_GOOD_END_BAD:
		fprintf(o, "The good end %s is bad: %s\n", c->name,
			c->runs[0].why ? c->runs[0].why : "its runs fail");
		fprintf(o, "Give an older build or commit as the good end.\n");
		status = EXIT_ENDS;
		break;
	case HILT_BISECT_BAD_END_GOOD:
		fprintf(o, "The bad end %s is good: no regression against the good end %s.\n"
			"Nothing to bisect between them.\n", c->name, hilt_bisect_cand(bs->b, 0)->name);
		status = EXIT_ENDS;
		break;
	case HILT_BISECT_END_UNTESTABLE:
		fprintf(o, "The %s end %s cannot be tested: %s\n", i ? "bad" : "good", c->name,
			c->why ? c->why : c->runs[0].why ? c->runs[0].why : "no run could be judged");
		status = EXIT_INFRA;
		break;
	case HILT_BISECT_FOUND:
	case HILT_BISECT_AMBIGUOUS:
		hilt_bisect_answer(bs->b, &lg, &fb);
		if (next == HILT_BISECT_FOUND) {
			fprintf(o, "First bad: %s\n", hilt_bisect_cand(bs->b, fb)->name);
		} else {
			fprintf(o, "First bad: one of these (the ones before %s could not be "
				"tested):\n", hilt_bisect_cand(bs->b, fb)->label);
			for (size_t k = lg + 1; k <= fb; k++)
				fprintf(o, "  %s\n", hilt_bisect_cand(bs->b, k)->name);
		}
		fprintf(o, "Last good: %s\n", hilt_bisect_cand(bs->b, lg)->name);
		fprintf(o, "Confidence: %.0f%%%s\n", 100 * hilt_bisect_confidence(bs->b),
			hilt_bisect_confidence(bs->b) < 1 ? " (flaky steps were decided by --flaky)"
							   : " (every run of every step agreed)");
		evidence(bs, lg, fb);
		break;
	case HILT_BISECT_TEST:
		break;
	}
	fprintf(o, "%zu candidates, log2(%zu) = %.1f: %u steps (the 2 ends, %zu skipped) of %u "
		"%s each\n", n, n, log2((double)n), steps, skipped, bs->a.repeat,
		bs->a.repeat == 1 ? "run" : "runs");
	if (write_json(bs) && status == EXIT_PASS)
		status = EXIT_INFRA;
	return status;
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
		.a = { .out = "hilt-bisect", .repeat = 1, .retries = 2, .which = HILT_REGRESSED_ALL,
		       .cmp = { HILT_COMPARE_THRESHOLD, HILT_COMPARE_FLOOR_S, HILT_COMPARE_MAD_K,
				false } },
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
	if ((rc = mkdir_p(bs.out))) {
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
		rc = step(&bs, i);
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
	status = answer(&bs, next, i);
out:
	hilt_proc_guard_stop();
	bisect_free(&bs);
	return status;
}
