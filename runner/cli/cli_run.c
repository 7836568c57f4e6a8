/* hilt run and hilt list: the command line of a run, its plan and its
 * reporters; the scheduler (runner/engine/sched.c) does the running. */
#define _GNU_SOURCE
#include "runner/cli/cli.h"
#include "runner/cli/paths.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/junit.h"
#include "targets/target.h"
#include "runner/engine/durations.h"
#include "runner/engine/farm.h"
#include "base/loop.h"
#include "base/number.h"
#include "base/proc.h"
#include "base/template.h"
#include "runner/cli/progress.h"
#include "runner/engine/report.h"
#include "runner/engine/sched.h"
#include "runner/engine/suite.h"
#include "base/text.h"
#include "base/xmlfile.h"


const char hilt_run_usage[] =
	"usage: hilt run [--farm FILE] [--target NAME]... [--tags K=V]... [--pool POOL]...\n"
	"                [--out DIR] [--jobs N] [--retries N] [--rerun-failures N]\n"
	"                [--max-target-errors N] [--timeout-multiplier X]\n"
	"                [--shard K/N] [--durations PREVIOUS.xml] [--pcap]\n"
	"                [--realtime] [--no-progress] [--attachments-root DIR]\n"
	"                [--boot SUITE.xml] SUITE.xml...\n"
	"\n"
	"Runs each suite once on each pool of targets that can take it (targets\n"
	"with the same tags form a pool; a suite's <requires tags=\"...\"/> and\n"
	"--tags narrow the choice) and writes DIR/junit.xml, rewritten as each\n"
	"session ends, with each session's raw console log and its timing beside\n"
	"it (SUITE@TARGET.console.log, .console.timing).\n"
	"\n"
	"  --farm FILE      the targets this host has (default: the built-in\n"
	"                   'default' QEMU guest)\n"
	"  --target NAME    run on this target of the farm; repeatable: every suite\n"
	"                   runs on every target named.  replay:LOG replays a\n"
	"                   recorded console log (any run's .console.log) as fast\n"
	"                   as it can be read\n"
	"  --tags K=V       only targets with this tag; repeatable\n"
	"  --pool POOL      only this pool, named as hilt list prints it (its tags,\n"
	"                   as arch=x86_64,board=x, or the name of a target with\n"
	"                   none); repeatable.  Exact: --tags also takes targets\n"
	"                   with more tags (hilt ci gitlab splits a run so)\n"
	"  --jobs N         emulator sessions at once (default: the number of\n"
	"                   cores); each board runs one session at a time\n"
	"  --retries N      run a session that ended in an infrastructure error\n"
	"                   again, on another target of its pool if there is one\n"
	"                   (default 1)\n"
	"  --boot SUITE.xml the boot suite of the targets without a <boot> (a\n"
	"                   replay:LOG of a run of shared boots): the suites with\n"
	"                   start=\"shell\" run on its boot, one after the other\n"
	"  --path-var NAME=VALUE  put VALUE for ${NAME} in the paths the farm names\n"
	"                   (kernel, initrd, drive, replay log...); repeatable\n"
	"  --rerun-failures N  run a session with a failed test again (default 0);\n"
	"                   the JUnit shows a case that passed then as flaky\n"
	"  --max-target-errors N  take a target out after N infrastructure errors\n"
	"                   in a row (default 3; 0: never)\n"
	"  --timeout-multiplier X  scale every case and suite deadline (times the\n"
	"                   target's own timeout-multiplier)\n"
	"  --shard K/N      run the K-th of N parts of the sessions (1 <= K <= N);\n"
	"                   the N parts together run every session once\n"
	"  --durations FILE a JUnit of an earlier run: the longest sessions start\n"
	"                   first\n"
	"  --realtime       replay:LOG targets follow the recorded timing instead\n"
	"                   (LOG's .console.timing beside it)\n"
	"  --out DIR        where the JUnit and the logs go (default: hilt-out)\n"
	"  --pcap           also capture each guest's network (SUITE@TARGET.pcap)\n"
	"  --no-progress    no live status on a terminal: one line per finished\n"
	"                   case (what is printed when stdout is not a terminal)\n"
	"  --attachments-root DIR  name the files of a failing case's\n"
	"                   [[ATTACHMENT|...]] lines relative to DIR, not to the\n"
	"                   JUnit's folder (in a GitLab CI job: $CI_PROJECT_DIR,\n"
	"                   where GitLab looks for them, unless given)\n";

const char hilt_list_usage[] =
	"usage: hilt list [--farm FILE] [--target NAME]... [--tags K=V]...\n"
	"                 [--pool POOL]... [--shard K/N] [--path-var NAME=VALUE]...\n"
	"                 [--boot SUITE.xml] SUITE.xml...\n"
	"\n"
	"Prints the plan of 'hilt run' with the same arguments, one session a line\n"
	"(SUITE on POOL: the targets that can take it), without running anything;\n"
	"then the shared boots: each group of suites that start at a shell, its\n"
	"boot suite and the boots planned.\n";

#define JUNIT_EVERY_NS 1000000000LL

struct run_args {
	const char *farm_path, *out_dir, *durations, *attachments_root;
	const char *boot;	/* --boot: the boot suite of targets without one */
	const char **target_names, **tags, **pools;
	size_t ntarget_names, ntags, npools;
	/* --path-var NAME=VALUE: the ${NAME}s of the farm's paths */
	const char **var_names, **var_values;
	struct hilt_template_vars vars;
	bool pcap, realtime, no_progress;
	unsigned jobs, retries, rerun_failures, max_target_errors;
	unsigned shard_k, shard_n;
	double timeout_multiplier;
	char **suite_paths;
	int nsuites;
};

/* What a run holds; freed by run_free(). */
struct run {
	struct run_args a;
	struct hilt_farm *farm;
	struct hilt_suite **suites;
	struct hilt_plan plan;
	struct hilt_loop *loop;
	struct hilt_sched *sched;
	struct hilt_durations *durations;
	char *junit_path;
	struct hilt_junit *junit_doc;	/* the sessions ended so far */
	int64_t junit_timer, junit_written_ns;
	char junit_add_error[512];	/* a session could not be added: why */
	int signal_fd;
	unsigned signals;
	bool junit_failed;
	char junit_error[1024];	/* the last JUnit write failed with this */
	struct hilt_reporter lines, junit;
	struct hilt_reporter *reporter;	/* the first of the chain */
	struct hilt_progress *progress;
};


static bool parse_count(const char *opt, const char *s, unsigned *out)
{
	unsigned long v;

	if (hilt_number_ulong(s, NULL, 0, 100000, &v) < 0) {
		fprintf(stderr, "hilt: %s wants a whole number from 0 to 100000 in plain "
			"decimal, not '%s'\n", opt, s);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool parse_shard(const char *s, unsigned *k, unsigned *n)
{
	const char *slash;
	unsigned long kk, nn;

	if (hilt_number_ulong(s, &slash, 1, 100000, &kk) == 0 && *slash == '/' &&
	    hilt_number_ulong(slash + 1, NULL, 1, 100000, &nn) == 0 && kk <= nn) {
		*k = (unsigned)kk;
		*n = (unsigned)nn;
		return true;
	}
	fprintf(stderr, "hilt: --shard wants K/N with 1 <= K <= N (as 2/3), not '%s'\n", s);
	return false;
}

static bool parse_tag(const char *s)
{
	const char *eq = strchr(s, '=');

	if (eq && eq != s && eq[1] && !strchr(s, ','))
		return true;
	fprintf(stderr, "hilt: --tags wants one KEY=VALUE, not '%s'\n", s);
	return false;
}

/* Parses the arguments of run (list: those of list).  Returns -1 on a
 * usage error (printed), 1 for --help (printed), 0 to go on. */
static int parse_args(int argc, char **argv, bool list, struct run_args *a)
{
	static const struct option opts[] = {
		{ "farm", required_argument, NULL, 'f' },
		{ "target", required_argument, NULL, 't' },
		{ "tags", required_argument, NULL, 'T' },
		{ "pool", required_argument, NULL, 'P' },
		{ "out", required_argument, NULL, 'o' },
		{ "pcap", no_argument, NULL, 'p' },
		{ "realtime", no_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "retries", required_argument, NULL, 'R' },
		{ "rerun-failures", required_argument, NULL, 'F' },
		{ "max-target-errors", required_argument, NULL, 'M' },
		{ "timeout-multiplier", required_argument, NULL, 'm' },
		{ "shard", required_argument, NULL, 's' },
		{ "durations", required_argument, NULL, 'd' },
		{ "no-progress", no_argument, NULL, 'n' },
		{ "attachments-root", required_argument, NULL, 'A' },
		{ "path-var", required_argument, NULL, 'V' },
		{ "boot", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = list ? hilt_list_usage : hilt_run_usage;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	*a = (struct run_args){
		.out_dir = "hilt-out", .jobs = cores > 0 ? (unsigned)cores : 1, .retries = 1,
		.max_target_errors = 3, .timeout_multiplier = 1,
	};
	a->target_names = calloc((size_t)argc + 1, sizeof(char *));
	a->tags = calloc((size_t)argc + 1, sizeof(char *));
	a->pools = calloc((size_t)argc + 1, sizeof(char *));
	a->var_names = calloc((size_t)argc + 1, sizeof(char *));
	a->var_values = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->target_names || !a->tags || !a->pools || !a->var_names || !a->var_values) {
		fprintf(stderr, "hilt: out of memory\n");
		return -1;
	}
	a->vars = (struct hilt_template_vars){ a->var_names, a->var_values, 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:t:o:j:h", opts, NULL)) != -1) {
		/* hilt list takes what shapes the plan only. */
		if (list && !strchr("ftTPVBsh", c) && c != '?') {
			fprintf(stderr, "hilt list: %s is an option of hilt run only\n",
				argv[optind - 1]);
			fputs(usage, stderr);
			return -1;
		}
		switch (c) {
		case 'f': a->farm_path = optarg; break;
		case 'B': a->boot = optarg; break;
		case 't': a->target_names[a->ntarget_names++] = optarg; break;
		case 'T':
			if (!parse_tag(optarg))
				return -1;
			a->tags[a->ntags++] = optarg;
			break;
		case 'P': a->pools[a->npools++] = optarg; break;
		case 'V': {
			char *eq = strchr(optarg, '=');
			size_t len = eq ? (size_t)(eq - optarg) : 0;

			if (!hilt_template_name_ok(optarg, len)) {
				fprintf(stderr, "hilt: --path-var wants NAME=VALUE (NAME of letters, "
					"digits and _), not '%s'\n", optarg);
				return -1;
			}
			*eq = '\0';
			a->var_names[a->vars.n] = optarg;
			a->var_values[a->vars.n++] = eq + 1;
			break;
		}
		case 'o': a->out_dir = optarg; break;
		case 'p': a->pcap = true; break;
		case 'r': a->realtime = true; break;
		case 'n': a->no_progress = true; break;
		case 'd': a->durations = optarg; break;
		case 'A': {
			struct stat st;

			if (stat(optarg, &st) || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "hilt: --attachments-root %s: not a folder\n", optarg);
				return -1;
			}
			a->attachments_root = optarg;
			break;
		}
		case 'j':
			if (!parse_count("--jobs", optarg, &a->jobs))
				return -1;
			if (!a->jobs) {
				fprintf(stderr, "hilt: --jobs wants at least 1\n");
				return -1;
			}
			break;
		case 'R':
			if (!parse_count("--retries", optarg, &a->retries))
				return -1;
			break;
		case 'F':
			if (!parse_count("--rerun-failures", optarg, &a->rerun_failures))
				return -1;
			break;
		case 'M':
			if (!parse_count("--max-target-errors", optarg, &a->max_target_errors))
				return -1;
			break;
		case 'm':
			/* As strict as a farm's timeout-multiplier="X". */
			if (hilt_number_double(optarg, NULL, 0, 1000, &a->timeout_multiplier) < 0 ||
			    !(a->timeout_multiplier > 0)) {
				fprintf(stderr, "hilt: --timeout-multiplier wants a number above 0 and "
						"at most 1000 in plain decimal (such as 2 or 1.5), not "
						"'%s'\n", optarg);
				return -1;
			}
			break;
		case 's':
			if (!parse_shard(optarg, &a->shard_k, &a->shard_n))
				return -1;
			break;
		case 'h': fputs(usage, stdout); return 1;
		default: fputs(usage, stderr); return -1;
		}
	}
	a->suite_paths = argv + optind;
	a->nsuites = argc - optind;
	if (a->nsuites < 1) {
		fprintf(stderr, "hilt %s: no suite file given\n", list ? "list" : "run");
		fputs(usage, stderr);
		return -1;
	}
	if (a->realtime) {
		size_t nrecorded = 0;
		char forms[256];

		for (size_t i = 0; i < a->ntarget_names; i++) {
			const struct hilt_target_ops *kind = hilt_target_spec_kind(a->target_names[i]);

			nrecorded += kind && kind->recorded;
		}
		if (!nrecorded) {
			hilt_target_spec_forms(forms, sizeof(forms), true);
			fprintf(stderr, "hilt run: --realtime applies to --target %s, "
					"and none is given\n", forms);
			return -1;
		}
	}
	return 0;
}

/* Every suite is loaded, so that the mistakes of each are reported, one
 * FILE:LINE: message a line, as hilt validate shows them. */
static int load_suites(char **paths, int n, struct hilt_suite ***out)
{
	struct hilt_suite **suites = calloc((size_t)n, sizeof(*suites));
	char *err = malloc(HILT_CONFIG_ERR_MAX);
	int rc = 0;

	if (!suites || !err) {
		free(suites);
		free(err);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		char shipped[4096];

		/* A shipped suite by its name, from any folder. */
		if (hilt_suite_load(hilt_suite_path(paths[i], shipped, sizeof(shipped)), &suites[i],
				    err, HILT_CONFIG_ERR_MAX) < 0) {
			fprintf(stderr, "%s\n", err);
			suites[i] = NULL;
			rc = -EINVAL;
		}
	}
	free(err);
	if (rc) {
		for (int i = 0; i < n; i++)
			hilt_suite_free(suites[i]);
		free(suites);
		return rc;
	}
	*out = suites;
	return 0;
}

static void list_targets(const struct hilt_farm *farm, const char *farm_path,
			 const char *name)
{
	fprintf(stderr, "hilt: no target named '%s' in %s; its targets:", name,
		farm_path ? farm_path : "the built-in farm");
	char forms[256];

	for (size_t i = 0; i < farm->ntargets; i++)
		if (!farm->targets[i].named_only)
			fprintf(stderr, " %s", farm->targets[i].name);
	hilt_target_spec_forms(forms, sizeof(forms), false);
	fprintf(stderr, *forms ? " (or %s)\n" : "\n", forms);
}

/* The farm of the run: the file given, or the built-in one; with the
 * targets that --target words make (replay:LOG) added.  The names given
 * with --target are rewritten to those of the targets made. */
static int load_farm(struct run *run)
{
	struct run_args *a = &run->a;
	const struct hilt_target_spec_opts spec_opts = { .realtime = a->realtime };
	char err[HILT_CONFIG_ERR_MAX];
	size_t nmade = 0;
	int rc;

	for (size_t i = 0; i < a->ntarget_names; i++)
		nmade += hilt_target_spec_kind(a->target_names[i]) != NULL;
	if (a->farm_path)
		rc = hilt_farm_load_vars(a->farm_path, a->vars.n ? &a->vars : NULL, &run->farm, err,
					 sizeof(err));
	else if (a->ntarget_names && nmade == a->ntarget_names)
		rc = (run->farm = calloc(1, sizeof(*run->farm))) ? 0 : -ENOMEM;
	else
		rc = hilt_default_farm(&run->farm, err, sizeof(err));
	if (rc == -ENOENT && !a->farm_path) {
		/* Say what helps: the folder given is wrong, or the guest was
		 * never made where this build looks for it. */
		const char *env = getenv("HILT_GUEST_DIR");

		if (env && *env)
			fprintf(stderr, "hilt: HILT_GUEST_DIR=%s: %s; point it at a folder that "
				"fixtures/guest/make-guest.sh made, or unset it\n", env, err);
		else
			fprintf(stderr, "hilt: %s: %s, or give --farm\n", err, hilt_guest_hint());
		return EXIT_INFRA;
	}
	if (rc < 0) {
		/* A farm file's messages name it (FILE:LINE: message). */
		if (rc == -ENOMEM)
			fprintf(stderr, "hilt: out of memory\n");
		else
			fprintf(stderr, "%s%s\n", a->farm_path ? "" : "hilt: ", err);
		return EXIT_USAGE;
	}
	/* A target a --target word makes needs no farm entry: it is made
	 * here.  Pointers into the farm are taken only once every target is
	 * there. */
	for (size_t i = 0; i < a->ntarget_names; i++) {
		const struct hilt_target_config *made;

		if (!hilt_target_spec_kind(a->target_names[i]) ||
		    hilt_farm_find(run->farm, a->target_names[i]))
			continue;
		if (hilt_farm_add_spec(run->farm, a->target_names[i], &spec_opts, &made, err,
				       sizeof(err)) < 0) {
			fprintf(stderr, "hilt: %s\n", err);
			return EXIT_USAGE;
		}
		a->target_names[i] = made->name;
	}
	for (size_t i = 0; i < a->ntarget_names; i++) {
		if (!hilt_farm_find(run->farm, a->target_names[i])) {
			list_targets(run->farm, a->farm_path, a->target_names[i]);
			return EXIT_USAGE;
		}
	}
	if (a->boot) {
		char shipped[4096];
		const char *path = hilt_suite_path(a->boot, shipped, sizeof(shipped));

		if (access(path, R_OK) < 0) {
			fprintf(stderr, "hilt: --boot %s: %s\n", a->boot, strerror(errno));
			return EXIT_USAGE;
		}
		for (size_t i = 0; i < run->farm->ntargets; i++)
			if (!run->farm->targets[i].boot_suite &&
			    !(run->farm->targets[i].boot_suite = strdup(path))) {
				fprintf(stderr, "hilt: out of memory\n");
				return EXIT_INFRA;
			}
	}
	return EXIT_PASS;
}

/* Loads what the arguments name and makes the plan.  EXIT_PASS or the
 * exit status of the failure (printed). */
static int prepare(struct run *run)
{
	struct run_args *a = &run->a;
	struct hilt_plan_filter filter = {
		.target_names = a->target_names, .ntarget_names = a->ntarget_names,
		.tags = a->tags, .ntags = a->ntags,
		.pools = a->pools, .npools = a->npools,
		.shard_k = a->shard_k, .shard_n = a->shard_n,
	};
	char err[HILT_CONFIG_ERR_MAX];
	int status;

	if (load_suites(a->suite_paths, a->nsuites, &run->suites) < 0) {
		run->a.nsuites = 0;
		return EXIT_USAGE;
	}
	status = load_farm(run);
	if (status != EXIT_PASS)
		return status;
	if (hilt_plan_make(run->farm, run->suites, (size_t)a->nsuites, &filter, &run->plan,
			   err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_PASS;
}

static void run_free(struct run *run)
{
	hilt_sched_free(run->sched);
	hilt_progress_free(run->progress);
	hilt_plan_free(&run->plan);
	hilt_durations_free(run->durations);
	if (run->signal_fd >= 0)
		close(run->signal_fd);
	hilt_loop_free(run->loop);
	free(run->junit_path);
	hilt_junit_free(run->junit_doc);
	for (int i = 0; run->suites && i < run->a.nsuites; i++)
		hilt_suite_free(run->suites[i]);
	free(run->suites);
	hilt_farm_free(run->farm);
	free(run->a.target_names);
	free(run->a.tags);
	free(run->a.pools);
	free(run->a.var_names);
	free(run->a.var_values);
}

int hilt_cmd_list(int argc, char **argv)
{
	struct run run = { .signal_fd = -1 };
	int status, rc = parse_args(argc, argv, true, &run.a);

	if (rc) {
		run_free(&run);
		return rc > 0 ? EXIT_PASS : EXIT_USAGE;
	}
	status = prepare(&run);
	for (size_t i = 0; status == EXIT_PASS && i < run.plan.nentries; i++) {
		const struct hilt_plan_entry *e = &run.plan.entries[i];
		char *suite = hilt_text_inert(e->suite->name, strlen(e->suite->name),
					      HILT_TEXT_TERMINAL);

		printf("%s (%s) on %s:", suite ? suite : "?", e->suite->path, e->pool);
		for (size_t k = 0; k < e->ntargets; k++)
			printf(" %s", e->targets[k]->name);
		if (e->boot)
			printf("  [boot of group %ld%s]", e->group + 1, e->added ? ", added" : "");
		else if (e->group >= 0)
			printf("  [start=%s, group %ld]", hilt_suite_start_name(e->suite->start),
			       e->group + 1);
		printf("\n");
		free(suite);
	}
	for (size_t g = 0; status == EXIT_PASS && g < run.plan.ngroups; g++) {
		const struct hilt_plan_group *pg = &run.plan.groups[g];
		char *boot = hilt_text_inert(pg->boot->name, strlen(pg->boot->name),
					     HILT_TEXT_TERMINAL);

		printf("group %zu on %s: boot %s (%s), then %zu suite%s on its shell",
		       g + 1, pg->pool, boot ? boot : "?", pg->boot->path, pg->nshell,
		       pg->nshell == 1 ? "" : "s");
		if (pg->nfresh)
			printf(", and %zu on a boot each (fresh-shell)", pg->nfresh);
		printf("; %zu boot%s planned\n", (pg->nshell ? 1 : 0) + pg->nfresh,
		       (pg->nshell ? 1 : 0) + pg->nfresh == 1 ? "" : "s");
		free(boot);
	}
	if (status == EXIT_PASS)
		printf("%zu session%s\n", run.plan.nentries, run.plan.nentries == 1 ? "" : "s");
	run_free(&run);
	return status;
}

/* ---- reporters ---- */

/* One line per finished case: safe for CI logs. */
static void line_case(struct hilt_reporter *rep, const struct hilt_session_result *r,
		      const struct hilt_case_result *c)
{
	/* Names come from files; messages may quote the device.  Nothing of
	 * it may act on the terminal. */
	char *suite = hilt_text_inert(r->suite, strlen(r->suite), HILT_TEXT_TERMINAL);
	char *target = hilt_text_inert(r->target, strlen(r->target), HILT_TEXT_TERMINAL);
	char *name = hilt_text_inert(c->name, strlen(c->name), HILT_TEXT_TERMINAL);
	char *message = c->message ? hilt_text_inert(c->message, strlen(c->message),
						     HILT_TEXT_TERMINAL) : NULL;
	FILE *out = stdout;

	fprintf(out, "%-5s %s@%s %s", hilt_verdict_name(c->verdict), suite ? suite : "?",
		target ? target : "?", name ? name : "?");
	if (r->attempt > 1)
		fprintf(out, " [attempt %u]", r->attempt);
	if (c->verdict == HILT_PASS)
		fprintf(out, " (%.3f s, at %.3f s)", c->time_s, c->at_s);
	if (message)
		fprintf(out, ": %s", message);
	fprintf(out, "\n");
	fflush(out);
	free(suite);
	free(target);
	free(name);
	free(message);
	(void)rep;
}

static void line_notice(struct hilt_reporter *rep, const char *text)
{
	char *t = hilt_text_inert(text, strlen(text), HILT_TEXT_TERMINAL);

	(void)rep;
	fprintf(stderr, "hilt: %s\n", t ? t : text);
	free(t);
}

/* One line per kernel finding of a session, as a failing case's:
 * "FAIL  suite@target WARNING in __list_add_valid: finding (warning) x3". */
static void line_findings(const struct hilt_session_result *r)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct hilt_finding_result *f = &r->findings[i];
		char *suite = hilt_text_inert(r->suite, strlen(r->suite), HILT_TEXT_TERMINAL);
		char *target = hilt_text_inert(r->target, strlen(r->target), HILT_TEXT_TERMINAL);
		char *title = hilt_text_inert(f->title, strlen(f->title), HILT_TEXT_TERMINAL);

		printf("%-5s %s@%s %s: finding (%s) x%lu\n", hilt_verdict_name(HILT_FAIL),
		       suite ? suite : "?", target ? target : "?", title ? title : "?", f->kind,
		       f->count);
		free(suite);
		free(target);
		free(title);
	}
	fflush(stdout);
}

static void line_session_ended(struct hilt_reporter *rep, const struct hilt_session_result *r,
			       bool final)
{
	if (final)
		line_findings(r);
	if (r->output_error)
		fprintf(stderr, "hilt: %s\n", r->output_error);
	if (!final) {
		char *suite = hilt_text_inert(r->suite, strlen(r->suite), HILT_TEXT_TERMINAL);
		char *target = hilt_text_inert(r->target, strlen(r->target), HILT_TEXT_TERMINAL);

		fprintf(stderr, "hilt: %s@%s (attempt %u) will run again\n", suite ? suite : "?",
			target ? target : "?", r->attempt);
		free(suite);
		free(target);
	}
	(void)rep;
}

/* Writes the JUnit of the sessions ended so far.  Once a session could
 * not be added, every write fails: the file would not hold the run. */
static int write_junit(struct run *run)
{
	char err[512];
	int rc;

	if (*run->junit_add_error) {
		snprintf(err, sizeof(err), "%s", run->junit_add_error);
		rc = -ENOMEM;
	} else {
		rc = hilt_junit_flush(run->junit_doc, err, sizeof(err));
	}
	run->junit_written_ns = hilt_now_ns();
	if (rc && strcmp(err, run->junit_error) != 0)
		fprintf(stderr, "hilt: %s\n", err);
	snprintf(run->junit_error, sizeof(run->junit_error), "%s", rc ? err : "");
	return rc;
}

static void junit_due(struct hilt_loop *loop, void *arg)
{
	struct run *run = arg;

	(void)loop;
	run->junit_timer = 0;
	write_junit(run);
}

/* Rewritten as sessions end: an interrupted run keeps what finished. */
static void junit_session_ended(struct hilt_reporter *rep, const struct hilt_session_result *r,
				bool final)
{
	struct run *run = (struct run *)((char *)rep - offsetof(struct run, junit));

	if (!final)
		return;
	if (!*run->junit_add_error)
		hilt_junit_add(run->junit_doc, r, run->junit_add_error,
			       sizeof(run->junit_add_error));
	/* At most once a second: a run of hundreds of sessions ending
	 * together rewrites its JUnit a few times, not hundreds.  The run
	 * writes it once more at its end. */
	if (run->junit_timer > 0)
		return;
	if (hilt_now_ns() - run->junit_written_ns >= JUNIT_EVERY_NS) {
		write_junit(run);
		return;
	}
	run->junit_timer = hilt_loop_add_timer(run->loop, run->junit_written_ns + JUNIT_EVERY_NS,
					       junit_due, run);
	if (run->junit_timer < 0) {
		run->junit_timer = 0;
		write_junit(run);
	}
}

/* ---- running ---- */

static void all_done(void *arg)
{
	struct run *run = arg;

	hilt_loop_stop(run->loop);
}

static void on_signal(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct run *run = arg;
	struct signalfd_siginfo si;

	(void)loop;
	(void)revents;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	char text[160];

	if (++run->signals > 1) {
		/* A second one: out at once.  The guard kills what runs; the
		 * JUnit on disk is the last one written whole.  Said through
		 * the reporters, which clear the status block first. */
		snprintf(text, sizeof(text), "second signal %u: exiting now", si.ssi_signo);
		HILT_REPORT(run->reporter, notice, text);
		_exit(EXIT_INFRA);
	}

	/* Through the reporters: the status block goes before it is said. */
	snprintf(text, sizeof(text), "interrupted by signal %u: stopping every session "
		 "(a second signal exits at once)", si.ssi_signo);
	HILT_REPORT(run->reporter, notice, text);
	hilt_sched_interrupt(run->sched, "interrupted: hilt received a signal");
}

static int setup_signals(struct run *run)
{
	run->signal_fd = hilt_proc_term_signalfd();
	if (run->signal_fd < 0)
		return run->signal_fd;
	return hilt_loop_add_fd(run->loop, run->signal_fd, POLLIN, on_signal, run);
}

/* The output directory is made and checked once, before any session: a
 * JUnit of no session yet replaces whatever an earlier run left there,
 * so an old file never passes for this run's. */
static int prepare_out_dir(struct run *run)
{
	int rc = hilt_mkdir_p(run->a.out_dir, 0777);

	if (rc < 0) {
		fprintf(stderr, "hilt: cannot use the output directory %s: %s\n",
			run->a.out_dir, strerror(-rc));
		return rc;
	}
	if (asprintf(&run->junit_path, "%s/junit.xml", run->a.out_dir) < 0) {
		run->junit_path = NULL;
		return -ENOMEM;
	}
	if (hilt_junit_new(run->junit_path, &run->junit_doc) < 0)
		return -ENOMEM;
	/* In a GitLab CI job, attachment paths are relative to the project's
	 * folder, the root of the job's artifacts, from which GitLab's test
	 * report resolves them. */
	const char *root = run->a.attachments_root;
	const char *gitlab = getenv("GITLAB_CI"), *project = getenv("CI_PROJECT_DIR");

	if (!root && gitlab && !strcmp(gitlab, "true") && project && *project)
		root = project;
	if (root) {
		char err[1024];

		rc = hilt_junit_set_attachments_root(run->junit_doc, root, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "hilt: attachments root %s\n", err);
			return rc;
		}
	}
	rc = write_junit(run);
	if (rc < 0) {
		if (unlink(run->junit_path) == 0)
			fprintf(stderr, "hilt: removed %s, which an earlier run wrote\n",
				run->junit_path);
		fprintf(stderr, "hilt: cannot use the output directory %s\n", run->a.out_dir);
	}
	return rc;
}

/* Each QEMU session holds a dozen fds (its pipes, pidfd, slirp sockets,
 * files): hundreds of sessions need more than the default soft limit. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static double duration_of(const char *suite, const char *target, void *arg)
{
	return hilt_durations_get(arg, suite, target);
}

static int exit_status(struct run *run)
{
	const struct hilt_session_result *const *results;
	size_t n = hilt_sched_results(run->sched, &results);
	int status = EXIT_PASS;

	if (*run->junit_error || hilt_sched_infra_trouble(run->sched))
		return EXIT_INFRA;
	for (size_t i = 0; i < n; i++) {
		if (results[i]->output_error)
			return EXIT_INFRA;
		for (size_t j = 0; j < results[i]->ncases; j++) {
			if (results[i]->cases[j].verdict == HILT_ERROR)
				return EXIT_INFRA;
			if (results[i]->cases[j].verdict == HILT_FAIL)
				status = EXIT_FAILED;
		}
		/* A kernel finding is a failing case of the JUnit. */
		if (results[i]->nfindings)
			status = EXIT_FAILED;
	}
	return status;
}

/* With HILT_CHECK_LEFT set (the fault tests), what a run left once it
 * had freed everything: the files it opened still open and the children
 * not reaped, each named.  A run that ends cleanly leaves none. */
static unsigned char inherited[4096 / 8];	/* fds open when hilt began */

static void note_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd >= 0 && fd < 4096 && fd != dirfd(d))
			inherited[fd / 8] |= (unsigned char)(1u << (fd % 8));
	}
	if (d)
		closedir(d);
}

static void report_left(void)
{
	char fds[1024] = "", kids[1024] = "", path[64], target[256];
	unsigned nfds = 0, nkids = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		/* What hilt was given to begin with is not its to close. */
		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d) ||
		    (fd < 4096 && inherited[fd / 8] & (1u << (fd % 8))))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		nfds++;
		snprintf(fds + strlen(fds), sizeof(fds) - strlen(fds), " %d=%s", fd, target);
	}
	if (d)
		closedir(d);
	d = opendir("/proc/self/task");
	while (d && (e = readdir(d))) {
		char list[512] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		if (fgets(list, sizeof(list), f))
			for (char *t = strtok(list, " \n"); t; t = strtok(NULL, " \n")) {
				nkids++;
				snprintf(kids + strlen(kids), sizeof(kids) - strlen(kids), " %s", t);
			}
		fclose(f);
	}
	if (d)
		closedir(d);
	fprintf(stderr, "hilt: at exit: %u open files%s%s, %u children%s%s\n", nfds,
		nfds ? ":" : "", fds, nkids, nkids ? ":" : "", kids);
}

int hilt_cmd_run(int argc, char **argv)
{
	struct run run = { .signal_fd = -1 };
	int status, rc = parse_args(argc, argv, false, &run.a);
	char err[HILT_CONFIG_ERR_MAX];

	if (getenv("HILT_CHECK_LEFT"))
		note_inherited();

	if (rc) {
		run_free(&run);
		return rc > 0 ? EXIT_PASS : EXIT_USAGE;
	}
	status = prepare(&run);
	if (status != EXIT_PASS)
		goto out;
	status = EXIT_INFRA;
	if (run.a.durations &&
	    hilt_durations_load(run.a.durations, &run.durations, err, sizeof(err)) < 0) {
		fprintf(stderr, "hilt: --durations %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	raise_fd_limit();
	if (hilt_loop_new(&run.loop) < 0 || setup_signals(&run) < 0) {
		fprintf(stderr, "hilt: cannot set up the event loop\n");
		goto out;
	}
	/* Whatever hilt starts dies with it, even if hilt is killed. */
	if (hilt_proc_guard_start(err, sizeof(err)) < 0) {
		fprintf(stderr, "hilt: cannot start the guard of its children: %s\n", err);
		goto out;
	}
	if (prepare_out_dir(&run) < 0)
		goto out;
	run.lines = (struct hilt_reporter){
		.case_ended = line_case, .notice = line_notice,
		.session_ended = line_session_ended, .next = &run.junit,
	};
	run.junit = (struct hilt_reporter){ .session_ended = junit_session_ended };
	struct hilt_sched_opts so = {
		.out_dir = run.a.out_dir, .pcap = run.a.pcap, .jobs = run.a.jobs,
		.retries = run.a.retries, .rerun_failures = run.a.rerun_failures,
		.max_target_errors = run.a.max_target_errors,
		.timeout_multiplier = run.a.timeout_multiplier,
		.duration_of = run.durations ? duration_of : NULL,
		.duration_arg = run.durations,
		.reporter = &run.lines, .on_all_done = all_done, .arg = &run,
	};

	if (hilt_sched_new(run.loop, &run.plan, &so, &run.sched, err, sizeof(err)) < 0) {
		fprintf(stderr, "hilt: %s\n", err);
		goto out;
	}
	if (!run.a.no_progress && isatty(STDOUT_FILENO) &&
	    hilt_progress_new(run.loop, run.sched, stdout, &run.progress) == 0) {
		/* First: it clears its block before a line is printed. */
		struct hilt_reporter *p = hilt_progress_reporter(run.progress);

		p->next = &run.lines;
		so.reporter = p;
	}
	run.reporter = so.reporter;
	hilt_sched_set_reporter(run.sched, so.reporter);
	hilt_sched_start(run.sched);
	hilt_loop_run(run.loop);
	if (run.plan.ngroups) {
		struct hilt_sched_counts c;
		size_t nshell = 0;

		hilt_sched_counts(run.sched, &c);
		for (size_t g = 0; g < run.plan.ngroups; g++)
			nshell += run.plan.groups[g].nshell + run.plan.groups[g].nfresh;
		printf("hilt: %u boot%s for %zu suite%s that start at a shell (%u after a suite left one unfit)\n",
		       c.boots, c.boots == 1 ? "" : "s", nshell, nshell == 1 ? "" : "s", c.reboots);
	}
	if (run.junit_timer > 0)
		hilt_loop_cancel_timer(run.loop, run.junit_timer);
	run.junit_timer = 0;
	if (write_junit(&run) < 0) {
		/* What is there is of an earlier point of this run, or of an
		 * earlier run: either would pass for the result of this one. */
		if (unlink(run.junit_path) == 0)
			fprintf(stderr, "hilt: removed %s: it does not hold this run's results\n",
				run.junit_path);
		status = EXIT_INFRA;
		printf("hilt: %s NOT written; exit status %d\n", run.junit_path, status);
	} else {
		status = exit_status(&run);
		printf("hilt: %s written; exit status %d\n", run.junit_path, status);
	}
out:
	hilt_sched_free(run.sched);
	run.sched = NULL;
	hilt_proc_guard_stop();
	run_free(&run);
	if (getenv("HILT_CHECK_LEFT"))
		report_left();
	return status;
}
