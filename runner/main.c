/* hilt command line: run suites on targets, validate configuration. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../reports/junit.h"
#include "farm.h"
#include "loop.h"
#include "proc.h"
#include "session.h"
#include "suite.h"
#include "text.h"
#include "validate.h"
#include "xmlfile.h"

#ifndef HILT_VERSION
#define HILT_VERSION "0.0.0"
#endif
#ifndef HILT_GUEST_DIR
#define HILT_GUEST_DIR "build/guest"
#endif

enum {
	EXIT_PASS = 0,
	EXIT_TEST_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INFRA = 3,
};

static const char usage_run[] =
	"usage: hilt run [--farm FILE] [--target NAME]... [--out DIR] [--pcap]\n"
	"                [--realtime] SUITE.xml...\n"
	"\n"
	"Runs every suite on every chosen target, one session each, and writes\n"
	"DIR/junit.xml and each session's raw console log and its timing beside it\n"
	"(SUITE@TARGET.console.log, .console.timing).\n"
	"\n"
	"  --farm FILE      the targets this host has (default: the built-in\n"
	"                   'default' QEMU guest)\n"
	"  --target NAME    a target of the farm (default: its first); repeatable.\n"
	"                   replay:LOG replays a recorded console log (any run's\n"
	"                   .console.log) as fast as it can be read\n"
	"  --realtime       replay:LOG targets follow the recorded timing instead\n"
	"                   (LOG's .console.timing beside it)\n"
	"  --out DIR        where the JUnit and the logs go (default: hilt-out)\n"
	"  --pcap           also capture each guest's network (SUITE@TARGET.pcap)\n";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hilt run [--farm FILE] [--target NAME]... [--out DIR] [--pcap]\n"
		"                [--realtime] SUITE.xml...\n"
		"       hilt validate [--strict] FILE...\n"
		"       hilt help [COMMAND] | --help | --version\n"
		"\n"
		"run       runs every suite on every chosen target (default: the farm's\n"
		"          first target; without --farm, the built-in 'default' QEMU guest)\n"
		"          and writes DIR/junit.xml (DIR defaults to hilt-out) with the raw\n"
		"          console log of each session beside it.  --target replay:LOG\n"
		"          replays a recorded console log instead.\n"
		"validate  checks suite and farm files (structure, patterns, files named).\n"
		"help      'hilt help run' and 'hilt help validate' tell more.\n"
		"\n"
		"exit status: 0 all passed, 1 a test failed, 2 usage or configuration\n"
		"error, 3 infrastructure error (takes precedence over 1).\n"
		"environment: HILT_GUEST_DIR overrides where the default guest is\n"
		"(built: %s).\n",
		HILT_GUEST_DIR);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		fputs(usage_run, stdout);
	else if (!strcmp(argv[1], "validate"))
		fputs(hilt_validate_usage, stdout);
	else if (!strcmp(argv[1], "help"))
		usage(stdout);
	else {
		fprintf(stderr, "hilt help: no command '%s' (run, validate)\n", argv[1]);
		return 2;
	}
	return 0;
}

struct run {
	struct hilt_loop *loop;
	const char *out_dir;
	char *junit_path;
	struct hilt_session **sessions;
	size_t nsessions, started;
	bool interrupted;
	int signal_fd;
	/* The last JUnit write failed with this (printed once). */
	char junit_error[1024];
};

static void print_case(const struct hilt_session_result *r,
		       const struct hilt_case_result *c, void *arg)
{
	/* Names come from files; messages may quote the device.  Nothing of
	 * it may act on the terminal. */
	char *suite = hilt_text_inert(r->suite, strlen(r->suite), HILT_TEXT_TERMINAL);
	char *target = hilt_text_inert(r->target, strlen(r->target), HILT_TEXT_TERMINAL);
	char *name = hilt_text_inert(c->name, strlen(c->name), HILT_TEXT_TERMINAL);
	char *message = c->message ? hilt_text_inert(c->message, strlen(c->message),
						     HILT_TEXT_TERMINAL) : NULL;

	(void)arg;
	printf("%-5s %s@%s %s", hilt_verdict_name(c->verdict), suite ? suite : "?",
	       target ? target : "?", name ? name : "?");
	if (c->verdict == HILT_PASS)
		printf(" (%.3f s, at %.3f s)", c->time_s, c->at_s);
	if (message)
		printf(": %s", message);
	printf("\n");
	fflush(stdout);
	free(suite);
	free(target);
	free(name);
	free(message);
}

static int write_junit(struct run *run)
{
	const struct hilt_session_result **results =
		calloc(run->nsessions ? run->nsessions : 1, sizeof(*results));
	size_t n = 0;
	char err[512];
	int rc;

	if (!results) {
		snprintf(run->junit_error, sizeof(run->junit_error), "out of memory");
		fprintf(stderr, "hilt: cannot write %s: out of memory\n", run->junit_path);
		return -ENOMEM;
	}
	for (size_t i = 0; i < run->started; i++)
		if (hilt_session_done(run->sessions[i]))
			results[n++] = hilt_session_result(run->sessions[i]);
	rc = hilt_junit_write(run->junit_path, results, n, err, sizeof(err));
	if (rc && strcmp(err, run->junit_error) != 0)
		fprintf(stderr, "hilt: %s\n", err);
	snprintf(run->junit_error, sizeof(run->junit_error), "%s", rc ? err : "");
	free(results);
	return rc;
}

static void start_next(struct run *run)
{
	if (run->interrupted || run->started >= run->nsessions) {
		hilt_loop_stop(run->loop);
		return;
	}
	hilt_session_start(run->sessions[run->started++]);
}

static void session_done(struct hilt_session *s, void *arg)
{
	struct run *run = arg;
	const struct hilt_session_result *r = hilt_session_result(s);

	if (r->output_error)
		fprintf(stderr, "hilt: %s\n", r->output_error);
	/* Rewritten after every session: an interrupted run keeps what
	 * finished. */
	write_junit(run);
	start_next(run);
}

static void on_signal(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct run *run = arg;
	struct signalfd_siginfo si;

	(void)loop;
	(void)revents;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	fprintf(stderr, "hilt: interrupted by signal %u\n", si.ssi_signo);
	run->interrupted = true;
	for (size_t i = 0; i < run->started; i++)
		hilt_session_abort(run->sessions[i], "interrupted: hilt received a signal");
	hilt_loop_stop(run->loop);
}

static int mkdir_p(const char *dir)
{
	char *copy = strdup(dir);

	if (!copy)
		return -ENOMEM;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
			free(copy);
			return -errno;
		}
		*p = '/';
	}
	int rc = mkdir(copy, 0777) < 0 && errno != EEXIST ? -errno : 0;

	free(copy);
	return rc;
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
		if (hilt_suite_load(paths[i], &suites[i], err, HILT_CONFIG_ERR_MAX) < 0) {
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

static const char *guest_dir(void)
{
	const char *env = getenv("HILT_GUEST_DIR");

	return env && *env ? env : HILT_GUEST_DIR;
}

static int exit_status(struct run *run)
{
	int status = EXIT_PASS;

	if (*run->junit_error)
		return EXIT_INFRA;
	for (size_t i = 0; i < run->nsessions; i++) {
		const struct hilt_session_result *r = hilt_session_result(run->sessions[i]);

		if (r->output_error)
			return EXIT_INFRA;

		for (size_t j = 0; j < r->ncases; j++) {
			if (r->cases[j].verdict == HILT_ERROR)
				return EXIT_INFRA;
			if (r->cases[j].verdict == HILT_FAIL)
				status = EXIT_TEST_FAILED;
		}
	}
	return run->interrupted ? EXIT_INFRA : status;
}

static int setup_signals(struct run *run)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	run->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (run->signal_fd < 0)
		return -errno;
	return hilt_loop_add_fd(run->loop, run->signal_fd, POLLIN, on_signal, run);
}

/* "replay:LOG" given on the command line: a replay target named after
 * LOG's file name (its run's files are named after it). */
static const struct hilt_target_config *add_cli_replay(struct hilt_farm *farm,
							const char *log, bool realtime)
{
	char err[1024];
	const char *base = strrchr(log, '/');
	struct hilt_target_config *t;
	char *name;
	size_t len;

	base = base ? base + 1 : log;
	len = strlen(base);
	if (len > 12 && !strcmp(base + len - 12, ".console.log"))
		len -= 12;
	else if (len > 4 && !strcmp(base + len - 4, ".log"))
		len -= 4;
	if (!hilt_farm_add_replay(farm, log, err, sizeof(err))) {
		fprintf(stderr, "hilt: %s\n", err);
		return NULL;
	}
	t = &farm->targets[farm->ntargets - 1];
	if (asprintf(&name, "replay:%.*s", (int)len, base) < 0) {
		fprintf(stderr, "hilt: out of memory\n");
		return NULL;
	}
	free(t->name);
	t->name = name;
	t->replay.realtime = realtime;
	return t;
}

static void list_targets(const struct hilt_farm *farm, const char *farm_path,
			 const char *name)
{
	fprintf(stderr, "hilt: no target named '%s' in %s; its targets:", name,
		farm_path ? farm_path : "the built-in farm");
	for (size_t i = 0; i < farm->ntargets; i++)
		if (strncmp(farm->targets[i].name, "replay:", 7) != 0)
			fprintf(stderr, " %s", farm->targets[i].name);
	fprintf(stderr, " (or replay:LOG)\n");
}

/* The output directory is made and checked once, before any session: a
 * JUnit of no session yet replaces whatever an earlier run left there,
 * so an old file never passes for this run's. */
static int prepare_out_dir(struct run *run)
{
	int rc = mkdir_p(run->out_dir);

	if (rc < 0) {
		fprintf(stderr, "hilt: cannot use the output directory %s: %s\n",
			run->out_dir, strerror(-rc));
		return rc;
	}
	if (asprintf(&run->junit_path, "%s/junit.xml", run->out_dir) < 0) {
		run->junit_path = NULL;
		return -ENOMEM;
	}
	rc = write_junit(run);
	if (rc < 0) {
		if (unlink(run->junit_path) == 0)
			fprintf(stderr, "hilt: removed %s, which an earlier run wrote\n",
				run->junit_path);
		fprintf(stderr, "hilt: cannot use the output directory %s\n", run->out_dir);
	}
	return rc;
}

/* Each session's files get a stem of their own in the run. */
static int new_sessions(struct run *run, struct hilt_suite **suites, int nsuites,
			const struct hilt_target_config **targets, size_t ntargets,
			const struct hilt_session_opts *opts)
{
	size_t n = (size_t)nsuites * ntargets;
	char **stems = calloc(n ? n : 1, sizeof(*stems));
	char err[1024];
	int rc = 0;

	run->sessions = calloc(n ? n : 1, sizeof(*run->sessions));
	if (!stems || !run->sessions) {
		free(stems);
		return -ENOMEM;
	}
	for (int i = 0; i < nsuites && !rc; i++) {
		for (size_t j = 0; j < ntargets && !rc; j++) {
			struct hilt_session_opts o = *opts;

			stems[run->nsessions] = hilt_session_stem(suites[i]->name, targets[j]->name,
								  200, stems, run->nsessions);
			if (!stems[run->nsessions]) {
				rc = -ENOMEM;
				break;
			}
			o.stem = stems[run->nsessions];
			rc = hilt_session_new(run->loop, suites[i], targets[j], &o,
					      &run->sessions[run->nsessions], err, sizeof(err));
			if (rc < 0) {
				fprintf(stderr, "hilt: %s\n", err);
				free(stems[run->nsessions]);
				break;
			}
			run->nsessions++;
		}
	}
	for (size_t i = 0; i < run->nsessions; i++)
		free(stems[i]);
	free(stems);
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "farm", required_argument, NULL, 'f' },
		{ "target", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "pcap", no_argument, NULL, 'p' },
		{ "realtime", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *farm_path = NULL;
	bool pcap = false, realtime = false;
	const char **target_names = calloc((size_t)argc, sizeof(char *));
	size_t ntargets = 0;
	struct run run = { .out_dir = "hilt-out", .signal_fd = -1 };
	struct hilt_farm *farm = NULL;
	struct hilt_suite **suites = NULL;
	const struct hilt_target_config **targets = NULL;
	int nsuites = 0, status = EXIT_USAGE, c;
	char err[HILT_CONFIG_ERR_MAX];

	if (!target_names)
		return EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:t:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': farm_path = optarg; break;
		case 't': target_names[ntargets++] = optarg; break;
		case 'o': run.out_dir = optarg; break;
		case 'p': pcap = true; break;
		case 'r': realtime = true; break;
		case 'h': fputs(usage_run, stdout); free(target_names); return EXIT_PASS;
		default: fputs(usage_run, stderr); free(target_names); return EXIT_USAGE;
		}
	}
	nsuites = argc - optind;
	if (nsuites < 1) {
		fprintf(stderr, "hilt run: no suite file given\n");
		fputs(usage_run, stderr);
		goto out;
	}
	if (load_suites(argv + optind, nsuites, &suites) < 0) {
		nsuites = 0;
		goto out;
	}
	size_t nreplay = 0;
	int rc;

	for (size_t i = 0; i < ntargets; i++)
		nreplay += strncmp(target_names[i], "replay:", 7) == 0;
	if (realtime && !nreplay) {
		fprintf(stderr, "hilt run: --realtime applies to --target replay:LOG, and none is given\n");
		goto out;
	}
	if (farm_path)
		rc = hilt_farm_load(farm_path, &farm, err, sizeof(err));
	else if (ntargets && nreplay == ntargets)
		rc = (farm = calloc(1, sizeof(*farm))) ? 0 : -ENOMEM;
	else
		rc = hilt_farm_default(guest_dir(), &farm, err, sizeof(err));
	if (rc == -ENOENT && !farm_path) {
		/* Say what helps: the folder given is wrong, or the guest was
		 * never made where this build looks for it. */
		const char *env = getenv("HILT_GUEST_DIR");

		if (env && *env)
			fprintf(stderr, "hilt: HILT_GUEST_DIR=%s: %s; point it at a folder that "
				"fixtures/guest/make-guest.sh made, or unset it to use %s\n",
				env, err, HILT_GUEST_DIR);
		else
			fprintf(stderr, "hilt: %s: make it with 'cmake --build BUILD --target guest' "
				"(BUILD: the build folder of this hilt), or give --farm\n", err);
		status = EXIT_INFRA;
		goto out;
	}
	if (rc < 0) {
		/* A farm file's messages name it (FILE:LINE: message). */
		if (rc == -ENOMEM)
			fprintf(stderr, "hilt: out of memory\n");
		else
			fprintf(stderr, "%s%s\n", farm_path ? "" : "hilt: ", err);
		goto out;
	}
	if (ntargets == 0)
		target_names[ntargets++] = farm->targets[0].name;
	targets = calloc(ntargets, sizeof(*targets));
	if (!targets)
		goto out;
	/* replay:LOG needs no farm entry: it is made here. */
	for (size_t i = 0; i < ntargets; i++) {
		if (strncmp(target_names[i], "replay:", 7) == 0 &&
		    !hilt_farm_find(farm, target_names[i])) {
			if (!target_names[i][7]) {
				fprintf(stderr, "hilt: --target replay: needs a log path\n");
				goto out;
			}
			targets[i] = add_cli_replay(farm, target_names[i] + 7, realtime);
			if (!targets[i])
				goto out;
		}
	}
	for (size_t i = 0; i < ntargets; i++) {
		if (!targets[i])
			targets[i] = hilt_farm_find(farm, target_names[i]);
		if (!targets[i]) {
			list_targets(farm, farm_path, target_names[i]);
			goto out;
		}
	}
	if (hilt_loop_new(&run.loop) < 0 || setup_signals(&run) < 0) {
		fprintf(stderr, "hilt: cannot set up the event loop\n");
		status = EXIT_INFRA;
		goto out;
	}
	/* Whatever hilt starts dies with it, even if hilt is killed. */
	if (hilt_proc_guard_start(err, sizeof(err)) < 0) {
		fprintf(stderr, "hilt: cannot start the guard of its children: %s\n", err);
		status = EXIT_INFRA;
		goto out;
	}
	if (prepare_out_dir(&run) < 0) {
		status = EXIT_INFRA;
		goto out;
	}
	struct hilt_session_opts sopts = {
		.out_dir = run.out_dir, .pcap = pcap, .on_case = print_case,
		.on_done = session_done, .arg = &run,
	};

	if (new_sessions(&run, suites, nsuites, targets, ntargets, &sopts) < 0) {
		status = EXIT_INFRA;
		goto out;
	}
	start_next(&run);
	hilt_loop_run(run.loop);
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
	for (size_t i = 0; i < run.nsessions; i++)
		hilt_session_free(run.sessions[i]);
	hilt_proc_guard_stop();
	free(run.sessions);
	if (run.signal_fd >= 0)
		close(run.signal_fd);
	hilt_loop_free(run.loop);
	free(run.junit_path);
	for (int i = 0; i < nsuites; i++)
		hilt_suite_free(suites[i]);
	free(suites);
	free(targets);
	hilt_farm_free(farm);
	free(target_names);
	return status;
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
		status = cmd_run(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "help"))
		status = cmd_help(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "validate"))
		status = hilt_cmd_validate(argc - 1, argv + 1);
	else {
		fprintf(stderr, "hilt: unknown command '%s'\n", argv[1]);
		usage(stderr);
		status = EXIT_USAGE;
	}
	xmlCleanupParser();
	return status;
}
