/* hilt ci gitlab: a GitLab CI child pipeline that runs a plan across the
 * hosts of a farm: one job per pool of boards on the runner of the host
 * they are attached to, the emulator sessions split over parallel shard
 * jobs anywhere, and a last job that merges every job's JUnit into one.
 *
 * The plan is hilt_plan_make()'s, as hilt list shows it; each job runs
 * its share with hilt run --pool, so the jobs together make exactly the
 * sessions of one unsplit run, with the same names. */
#define _GNU_SOURCE
#include "runner/cli/cli.h"
#include "runner/cli/paths.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/number.h"
#include "runner/engine/farm.h"
#include "runner/engine/sched.h"
#include "runner/engine/suite.h"
#include "base/xmlfile.h"


const char hilt_ci_usage[] =
	"usage: hilt ci gitlab [--farm FILE] [--tags K=V]... [--jobs N] [--parallel N]\n"
	"                      [--image IMAGE] [--hilt PATH] SUITE.xml... > child.yml\n"
	"\n"
	"Writes a GitLab CI child pipeline (YAML, on stdout) that runs the plan of\n"
	"'hilt run' with the same farm, tags and suites across hosts:\n"
	"  - one job per pool of boards, with the runner tag hilt-POOL (the pool's\n"
	"    tags, made a GitLab tag: board=esp32s3 gives hilt-board-esp32s3), so\n"
	"    that it runs on the host the boards are attached to, and a\n"
	"    resource_group of the same name (the pipeline's header says why one\n"
	"    per pool);\n"
	"  - the emulator sessions split over N jobs (parallel: N), each running\n"
	"    hilt run --shard $CI_NODE_INDEX/$CI_NODE_TOTAL;\n"
	"  - a last job, merge-junit, that merges every job's JUnit with\n"
	"    hilt report merge into hilt-out/junit.xml, even when a job failed.\n"
	"Each job writes its own hilt-out/NAME/, kept as artifacts (when: always)\n"
	"with its JUnit as a report, and is retried only when hilt exits 3 (an\n"
	"infrastructure error): a test failure fails the job and stays.\n"
	"Farm and suite paths are written as given, relative to the project.\n"
	"\n"
	"  --farm FILE      the farm (default: the built-in 'default' QEMU guest,\n"
	"                   which must be there, as for hilt list)\n"
	"  --tags K=V       only targets with this tag; repeatable\n"
	"  --jobs N         emulator sessions at once in each emulator job\n"
	"                   (default: hilt run's, the runner's cores)\n"
	"  --parallel N     emulator jobs, 1 to 200 (default 1; at most one per\n"
	"                   emulator session)\n"
	"  --image IMAGE    the image of the emulator and merge jobs (board jobs\n"
	"                   run on their host's runner)\n"
	"  --hilt PATH      hilt on the runners (default: hilt, found in PATH)\n";

/* GitLab runs at most 200 jobs of one parallel: job. */
#define CI_PARALLEL_MAX 200
/* A pool's part of a runner tag, job and resource_group name is cut here
 * (and then told apart by a hash). */
#define CI_SLUG_MAX 48

struct ci_args {
	const char *farm_path, *image, *hilt;
	const char **tags;
	size_t ntags;
	unsigned jobs;		/* 0: not given */
	unsigned parallel;
	char **suite_paths;
	size_t nsuites;
};

/* A pool of the plan and the suites that run on it. */
struct ci_pool {
	const char *name;	/* the plan's pool name (its tags) */
	bool exclusive;		/* boards: a job on their host */
	bool *runs;		/* [nsuites]: suite i has a session here */
	size_t nsessions;
	char *slug;		/* boards: the name in tags, jobs and folders */
};

struct ci {
	struct ci_args a;
	struct hilt_farm *farm;
	struct hilt_suite **suites;
	struct hilt_plan plan;
	struct ci_pool *pools;
	size_t npools;
};

static bool parse_count(const char *opt, const char *s, unsigned max, unsigned *out)
{
	unsigned long v;

	if (hilt_number_ulong(s, NULL, 1, max, &v) < 0) {
		fprintf(stderr, "hilt ci: %s wants a whole number from 1 to %u, not '%s'\n",
			opt, max, s);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* Whether s is well-formed UTF-8: YAML is, and cannot hold other bytes. */
static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		int n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			cp = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return false;
		}
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		p += n + 1;
	}
	return true;
}


/* Returns -1 on a usage error (printed), 1 for --help (printed), 0 to go
 * on.  argv starts at the flavour ("gitlab"). */
static int parse_args(int argc, char **argv, struct ci_args *a)
{
	static const struct option opts[] = {
		{ "farm", required_argument, NULL, 'f' },
		{ "tags", required_argument, NULL, 'T' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "parallel", required_argument, NULL, 'p' },
		{ "image", required_argument, NULL, 'i' },
		{ "hilt", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*a = (struct ci_args){ .hilt = "hilt", .parallel = 1 };
	a->tags = calloc((size_t)argc + 1, sizeof(*a->tags));
	if (!a->tags) {
		fprintf(stderr, "hilt ci: out of memory\n");
		return -1;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->farm_path = optarg; break;
		case 'i': a->image = optarg; break;
		case 'H': a->hilt = optarg; break;
		case 'T': {
			const char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || !eq[1] || strchr(optarg, ',')) {
				fprintf(stderr, "hilt ci: --tags wants one KEY=VALUE, not '%s'\n",
					optarg);
				return -1;
			}
			a->tags[a->ntags++] = optarg;
			break;
		}
		case 'j':
			if (!parse_count("--jobs", optarg, 100000, &a->jobs))
				return -1;
			break;
		case 'p':
			if (!parse_count("--parallel", optarg, CI_PARALLEL_MAX, &a->parallel))
				return -1;
			break;
		case 'h': fputs(hilt_ci_usage, stdout); return 1;
		default: fputs(hilt_ci_usage, stderr); return -1;
		}
	}
	a->suite_paths = argv + optind;
	a->nsuites = (size_t)(argc - optind);
	if (!a->nsuites) {
		fprintf(stderr, "hilt ci gitlab: no suite file given\n");
		fputs(hilt_ci_usage, stderr);
		return -1;
	}
	if (!*a->hilt || (a->image && !*a->image)) {
		fprintf(stderr, "hilt ci gitlab: --%s wants a value\n", *a->hilt ? "image" : "hilt");
		return -1;
	}
	/* Everything given is written into the YAML. */
	for (int i = 1; i < argc; i++) {
		if (!utf8_ok(argv[i])) {
			fprintf(stderr, "hilt ci gitlab: an argument is not UTF-8, which a "
					"GitLab pipeline cannot hold\n");
			return -1;
		}
	}
	return 0;
}

/* Loads the suites (every one, so that each mistake is told), the farm and
 * the plan.  EXIT_PASS or the exit status (printed). */
static int load(struct ci *ci)
{
	struct hilt_plan_filter filter = {
		.tags = ci->a.tags, .ntags = ci->a.ntags,
	};
	char *err = malloc(HILT_CONFIG_ERR_MAX);
	int status = EXIT_USAGE, rc;

	ci->suites = calloc(ci->a.nsuites, sizeof(*ci->suites));
	if (!err || !ci->suites) {
		fprintf(stderr, "hilt ci: out of memory\n");
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < ci->a.nsuites; i++) {
		if (hilt_suite_load(ci->a.suite_paths[i], &ci->suites[i], err,
				    HILT_CONFIG_ERR_MAX) < 0) {
			fprintf(stderr, "%s\n", err);
			rc = -EINVAL;
		}
	}
	if (rc)
		goto out;
	if (ci->a.farm_path)
		rc = hilt_farm_load(ci->a.farm_path, &ci->farm, err, HILT_CONFIG_ERR_MAX);
	else
		rc = hilt_default_farm(&ci->farm, err, HILT_CONFIG_ERR_MAX);
	if (rc == -ENOENT && !ci->a.farm_path) {
		fprintf(stderr, "hilt ci: %s: the built-in farm needs the default guest "
			"(HILT_GUEST_DIR); or give --farm\n", err);
		status = EXIT_INFRA;
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "%s%s\n", ci->a.farm_path ? "" : "hilt ci: ", err);
		goto out;
	}
	if (hilt_plan_make(ci->farm, ci->suites, ci->a.nsuites, &filter, &ci->plan, err,
			   HILT_CONFIG_ERR_MAX) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	status = EXIT_PASS;
out:
	free(err);
	return status;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* A pool's name as GitLab takes it in a runner tag, a job name, a
 * resource_group and a folder: lower case letters, digits, '.', '_' and
 * '-' ("board=esp32s3" gives "board-esp32s3").  *cut: it lost more than
 * separators, so that two pools may come out alike.  Caller frees. */
static char *slug_of(const char *name, bool *cut)
{
	char *s = malloc(CI_SLUG_MAX + 1);
	size_t n = 0;

	if (!s)
		return NULL;
	*cut = false;
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
			*cut = true;	/* Board=x and board=x meet */
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
			     c == '_')) {
			/* = and , are the separators of every pool name. */
			if (c != '=' && c != ',' && c != '-')
				*cut = true;
			c = '-';
		}
		if (c == '-' && (!n || s[n - 1] == '-'))
			continue;
		if (n == CI_SLUG_MAX) {
			*cut = true;
			break;
		}
		s[n++] = c;
	}
	while (n && (s[n - 1] == '-' || s[n - 1] == '.'))
		n--;
	if (!n)
		*cut = true;
	s[n] = '\0';
	return s;
}

/* The pools of the plan in plan order, with their suites; board pools get
 * their slugs, with a hash of the pool's name after one that lost
 * characters (so that it stays the same whatever else the farm holds) or
 * that meets another's. */
static int group_pools(struct ci *ci)
{
	const struct hilt_plan *plan = &ci->plan;
	bool *cut;

	ci->pools = calloc(plan->nentries + 1, sizeof(*ci->pools));
	if (!ci->pools)
		return -ENOMEM;
	for (size_t i = 0; i < plan->nentries; i++) {
		const struct hilt_plan_entry *e = &plan->entries[i];
		struct ci_pool *p = NULL;
		size_t s;

		for (size_t k = 0; k < ci->npools && !p; k++)
			if (strcmp(ci->pools[k].name, e->pool) == 0)
				p = &ci->pools[k];
		if (!p) {
			p = &ci->pools[ci->npools++];
			p->name = e->pool;
			p->exclusive = hilt_plan_entry_exclusive(e);
			p->runs = calloc(ci->a.nsuites, sizeof(*p->runs));
			if (!p->runs)
				return -ENOMEM;
		}
		for (s = 0; s < ci->a.nsuites && ci->suites[s] != e->suite; s++)
			;
		if (s < ci->a.nsuites)
			p->runs[s] = true;
		p->nsessions++;
	}
	/* hashed[k]: the slug of pool k loses what tells it apart from
	 * others ('=', ',' and '-' all become '-'; case; other characters),
	 * or meets another's: a hash of the name follows.  Decided on the
	 * plain slugs, before any is changed. */
	cut = calloc(2 * ci->npools + 1, sizeof(*cut));
	if (!cut)
		return -ENOMEM;
	for (size_t k = 0; k < ci->npools; k++) {
		if (ci->pools[k].exclusive && !(ci->pools[k].slug = slug_of(ci->pools[k].name,
									  &cut[k]))) {
			free(cut);
			return -ENOMEM;
		}
	}
	for (size_t k = 0; k < ci->npools; k++) {
		bool *hashed = &cut[ci->npools + k];

		*hashed = cut[k];
		for (size_t j = 0; j < ci->npools && !*hashed && ci->pools[k].slug; j++)
			*hashed = j != k && ci->pools[j].slug &&
				  strcmp(ci->pools[j].slug, ci->pools[k].slug) == 0;
	}
	for (size_t k = 0; k < ci->npools; k++) {
		struct ci_pool *p = &ci->pools[k];
		char *s;

		if (!p->slug || !cut[ci->npools + k])
			continue;
		if (asprintf(&s, "%s%s%08x", p->slug, *p->slug ? "-" : "pool-",
			     fnv1a(p->name)) < 0) {
			free(cut);
			return -ENOMEM;
		}
		free(p->slug);
		p->slug = s;
	}
	free(cut);
	return 0;
}

/* ---- writing ---- */

/* s as a YAML double-quoted scalar: every string of the pipeline is
 * written so, as names and paths come from files and the command line.
 * s is UTF-8 (checked before). */
static void yaml_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		uint32_t cp = *p;
		int n = *p < 0x80 ? 0 : *p < 0xe0 ? 1 : *p < 0xf0 ? 2 : 3;

		if (n) {
			cp = *p & (0x3f >> n);
			for (int i = 1; i <= n; i++)
				cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fprintf(f, "\\x%02x", (unsigned)cp);	/* YAML's non-printables */
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
			 (cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef))
			fprintf(f, "\\u%04x", (unsigned)cp);	/* line breaks, BOM, nonchars */
		else
			fwrite(p, 1, (size_t)n + 1, f);
		p += n + 1;
	}
	fputc('"', f);
}

/* A comment line's text: printable ASCII, the rest as '?'. */
static void comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s >= 0x20 && *s < 0x7f ? *s : '?', f);
}

/* One word of a POSIX shell command: as it is when nothing in it is
 * special, else single-quoted.  A path that would pass for an option is
 * written ./PATH. */
static void sh_word(FILE *f, const char *s, bool path)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_@%+=:,./-";

	if (path && *s == '-')
		fputs("./", f);
	if (*s && strspn(s, safe) == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* The emulator job's folder, and how its shards tell theirs apart. */
#define EMU_OUT_SHARDED "hilt-out/emulators-$CI_NODE_INDEX"
#define EMU_OUT_ONE "hilt-out/emulators"

/* The hilt run of one job: the pools given, the suites with a session in
 * any of them.  out is written as it is (it may hold $CI_NODE_INDEX);
 * sharded adds --shard over GitLab's node index.  Caller frees. */
static char *run_command(const struct ci *ci, bool exclusive, const struct ci_pool *only,
			 const char *out, bool sharded)
{
	char *cmd = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&cmd, &len);

	if (!f)
		return NULL;
	sh_word(f, ci->a.hilt, true);
	fputs(" run", f);
	if (ci->a.farm_path) {
		fputs(" --farm ", f);
		sh_word(f, ci->a.farm_path, true);
	}
	for (size_t i = 0; i < ci->a.ntags; i++) {
		fputs(" --tags ", f);
		sh_word(f, ci->a.tags[i], false);
	}
	for (size_t k = 0; k < ci->npools; k++) {
		const struct ci_pool *p = &ci->pools[k];

		if (only ? p != only : p->exclusive != exclusive)
			continue;
		fputs(" --pool ", f);
		sh_word(f, p->name, false);
	}
	if (!exclusive && ci->a.jobs)
		fprintf(f, " --jobs %u", ci->a.jobs);
	if (sharded)
		fputs(" --shard \"$CI_NODE_INDEX/$CI_NODE_TOTAL\"", f);
	fprintf(f, " --out \"%s\"", out);
	for (size_t s = 0; s < ci->a.nsuites; s++) {
		bool runs = false;

		for (size_t k = 0; k < ci->npools && !runs; k++) {
			const struct ci_pool *p = &ci->pools[k];

			runs = (only ? p == only : p->exclusive == exclusive) && p->runs[s];
		}
		if (runs) {
			fputc(' ', f);
			sh_word(f, ci->a.suite_paths[s], true);
		}
	}
	if (fclose(f) != 0) {
		free(cmd);
		return NULL;
	}
	return cmd;
}

/* What every test job has after its script: the retry of infrastructure
 * errors only, and its folder kept and its JUnit published, failed or
 * not. */
static void test_job_tail(FILE *f, const char *out_glob)
{
	char junit[512];

	fputs("  retry:\n"
	      "    max: 2\n"
	      "    when: [\"runner_system_failure\"]\n"
	      "    exit_codes: [3]\n"
	      "  artifacts:\n"
	      "    when: \"always\"\n"
	      "    paths:\n"
	      "      - ", f);
	yaml_str(f, out_glob);
	snprintf(junit, sizeof(junit), "%sjunit.xml", out_glob);
	fputs("\n    reports:\n      junit: ", f);
	yaml_str(f, junit);
	fputs("\n", f);
}

static int write_script_line(FILE *f, const char *cmd)
{
	if (!cmd)
		return -ENOMEM;
	fputs("    - ", f);
	yaml_str(f, cmd);
	fputs("\n", f);
	return 0;
}

static void write_header(FILE *f, int argc, char **argv,
			 size_t nboards, size_t nemu, unsigned parallel)
{
	fputs("# A GitLab CI child pipeline made by hilt ci gitlab: regenerate it rather\n"
	      "# than edit it.  Made with:\n#   hilt ci", f);
	for (int i = 0; i < argc; i++) {
		fputc(' ', f);
		comment_text(f, argv[i]);
	}
	fprintf(f, "\n# %zu board pool%s (a job each, on its host), %zu emulator session%s "
		"in %u job%s.\n#\n", nboards, nboards == 1 ? "" : "s", nemu,
		nemu == 1 ? "" : "s", parallel, parallel == 1 ? "" : "s");
	fputs("# Boards.  One job per pool of boards (targets with the same tags, as\n"
	      "# hilt list shows them), tagged hilt-POOL: register the runner of the host\n"
	      "# the boards are attached to with that tag.  The job runs the whole pool\n"
	      "# (hilt run --pool), so hilt spreads its sessions over the boards, runs a\n"
	      "# session that met an infrastructure error again on another board and takes\n"
	      "# a failing board out, as one hilt run on that host would.\n"
	      "# resource_group: one per pool, of the same name, not one per board.  A job\n"
	      "# holds one resource_group, and this one needs the pool whole: one job per\n"
	      "# board (--target NAME, resource_group hilt-board-NAME) would let two\n"
	      "# pipelines share a pool, but would bind each session to one board ahead of\n"
	      "# time (no other board when one fails, no balance of long and short\n"
	      "# sessions).  So pipelines take a pool in turn; hilt's board locks still\n"
	      "# keep any other hilt process on the host off a board in use.\n"
	      "#\n"
	      "# Emulators.  Their sessions run anywhere hilt and QEMU are, split over\n"
	      "# parallel jobs: each runs shard $CI_NODE_INDEX of $CI_NODE_TOTAL, and\n"
	      "# together they run every session once.\n"
	      "#\n"
	      "# Retries.  hilt exits 3 for an infrastructure error (a board or QEMU lost),\n"
	      "# 1 for a test failure.  retry:exit_codes [3] reruns the first only (GitLab\n"
	      "# 16.10 or later); when: names GitLab's own runner failures.  script_failure\n"
	      "# is not named: GitLab retries when the reason or the exit code matches, so\n"
	      "# it would rerun test failures too.  A failed test fails its job.\n"
	      "#\n"
	      "# Results.  Each job writes hilt-out/NAME/ (JUnit, console logs), kept as\n"
	      "# artifacts even when it fails, its JUnit published as a report.  merge-junit\n"
	      "# runs after all of them, failed or not, and merges their JUnit files into\n"
	      "# hilt-out/junit.xml, published too (the pipeline's test totals count both).\n"
	      "\n", f);
}

/* The pipeline, into f.  0 or -ENOMEM. */
static int write_pipeline(FILE *f, const struct ci *ci, int argc, char **argv)
{
	size_t nboards = 0, nemu = 0;
	unsigned parallel;
	char *cmd;

	for (size_t k = 0; k < ci->npools; k++) {
		if (ci->pools[k].exclusive)
			nboards++;
		else
			nemu += ci->pools[k].nsessions;
	}
	/* A shard of no session would be a job for nothing. */
	parallel = nemu < ci->a.parallel ? (unsigned)nemu : ci->a.parallel;
	write_header(f, argc, argv, nboards, nemu, parallel);
	fputs("stages:\n  - \"test\"\n  - \"report\"\n", f);

	if (nemu) {
		bool sharded = parallel > 1;

		fputs("\n\"emulators\":\n  stage: \"test\"\n", f);
		if (ci->a.image) {
			fputs("  image: ", f);
			yaml_str(f, ci->a.image);
			fputs("\n", f);
		}
		if (sharded)
			fprintf(f, "  parallel: %u\n", parallel);
		fputs("  script:\n", f);
		cmd = run_command(ci, false, NULL, sharded ? EMU_OUT_SHARDED : EMU_OUT_ONE,
				  sharded);
		if (write_script_line(f, cmd) < 0)
			return -ENOMEM;
		free(cmd);
		test_job_tail(f, sharded ? "hilt-out/emulators-*/" : EMU_OUT_ONE "/");
	}
	for (size_t k = 0; k < ci->npools; k++) {
		const struct ci_pool *p = &ci->pools[k];
		char *name, *tag, *out;

		if (!p->exclusive)
			continue;
		if (asprintf(&name, "pool:%s", p->slug) < 0)
			return -ENOMEM;
		if (asprintf(&tag, "hilt-%s", p->slug) < 0) {
			free(name);
			return -ENOMEM;
		}
		if (asprintf(&out, "hilt-out/pool-%s", p->slug) < 0) {
			free(name);
			free(tag);
			return -ENOMEM;
		}
		fputs("\n# The pool ", f);
		comment_text(f, p->name);
		fprintf(f, ": %zu session%s.\n", p->nsessions, p->nsessions == 1 ? "" : "s");
		yaml_str(f, name);
		fputs(":\n  stage: \"test\"\n  tags:\n    - ", f);
		yaml_str(f, tag);
		fputs("\n  resource_group: ", f);
		yaml_str(f, tag);
		fputs("\n  script:\n", f);
		cmd = run_command(ci, true, p, out, false);
		free(name);
		free(tag);
		if (write_script_line(f, cmd) < 0) {
			free(out);
			return -ENOMEM;
		}
		free(cmd);
		if (asprintf(&cmd, "%s/", out) < 0) {
			free(out);
			return -ENOMEM;
		}
		test_job_tail(f, cmd);
		free(cmd);
		free(out);
	}

	/* The merge: every job's JUnit that is there; one that is not is
	 * named (its job failed before hilt wrote anything). */
	fputs("\n\"merge-junit\":\n  stage: \"report\"\n  when: \"always\"\n", f);
	if (ci->a.image) {
		fputs("  image: ", f);
		yaml_str(f, ci->a.image);
		fputs("\n", f);
	}
	fputs("  needs:\n", f);
	if (nemu)
		fputs("    - job: \"emulators\"\n      artifacts: true\n", f);
	for (size_t k = 0; k < ci->npools; k++) {
		if (!ci->pools[k].exclusive)
			continue;
		fputs("    - job: ", f);
		if (asprintf(&cmd, "pool:%s", ci->pools[k].slug) < 0)
			return -ENOMEM;
		yaml_str(f, cmd);
		free(cmd);
		fputs("\n      artifacts: true\n", f);
	}
	fputs("  script:\n", f);
	{
		char *list = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&list, &len);

		if (!m)
			return -ENOMEM;
		fputs("for f in", m);
		if (nemu && parallel > 1)
			for (unsigned i = 1; i <= parallel; i++)
				fprintf(m, " hilt-out/emulators-%u/junit.xml", i);
		else if (nemu)
			fputs(" " EMU_OUT_ONE "/junit.xml", m);
		for (size_t k = 0; k < ci->npools; k++)
			if (ci->pools[k].exclusive)
				fprintf(m, " hilt-out/pool-%s/junit.xml", ci->pools[k].slug);
		fputs("; do [ -f \"$f\" ] || echo \"hilt: no $f: its job wrote no JUnit\" >&2; "
		      "done", m);
		if (fclose(m) != 0) {
			free(list);
			return -ENOMEM;
		}
		write_script_line(f, list);
		free(list);
	}
	{
		char *merge = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&merge, &len);

		if (!m)
			return -ENOMEM;
		sh_word(m, ci->a.hilt, true);
		fputs(" report merge -o hilt-out/junit.xml hilt-out/*/junit.xml", m);
		if (fclose(m) != 0) {
			free(merge);
			return -ENOMEM;
		}
		write_script_line(f, merge);
		free(merge);
	}
	fputs("  artifacts:\n"
	      "    when: \"always\"\n"
	      "    paths:\n"
	      "      - \"hilt-out/junit.xml\"\n"
	      "    reports:\n"
	      "      junit: \"hilt-out/junit.xml\"\n", f);
	return 0;
}

static void ci_free(struct ci *ci)
{
	for (size_t k = 0; k < ci->npools; k++) {
		free(ci->pools[k].runs);
		free(ci->pools[k].slug);
	}
	free(ci->pools);
	hilt_plan_free(&ci->plan);
	for (size_t i = 0; ci->suites && i < ci->a.nsuites; i++)
		hilt_suite_free(ci->suites[i]);
	free(ci->suites);
	hilt_farm_free(ci->farm);
	free(ci->a.tags);
}

/* argv[0] is "gitlab". */
static int cmd_gitlab(int argc, char **argv)
{
	struct ci ci = { 0 };
	char *yaml = NULL;
	size_t len = 0;
	FILE *m;
	int status, rc;

	rc = parse_args(argc, argv, &ci.a);
	if (rc) {
		ci_free(&ci);
		return rc > 0 ? EXIT_PASS : EXIT_USAGE;
	}
	status = load(&ci);
	if (status != EXIT_PASS)
		goto out;
	status = EXIT_INFRA;
	for (size_t i = 0; i < ci.plan.nentries; i++) {
		if (!utf8_ok(ci.plan.entries[i].pool)) {
			fprintf(stderr, "hilt ci gitlab: a pool name is not UTF-8\n");
			status = EXIT_USAGE;
			goto out;
		}
	}
	/* Written whole, then out: a failure leaves no half pipeline. */
	m = open_memstream(&yaml, &len);
	if (!m || group_pools(&ci) < 0 || write_pipeline(m, &ci, argc, argv) < 0) {
		if (m)
			fclose(m);
		fprintf(stderr, "hilt ci: out of memory\n");
		goto out;
	}
	if (fclose(m) != 0) {
		fprintf(stderr, "hilt ci: out of memory\n");
		goto out;
	}
	if (fwrite(yaml, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "hilt ci: cannot write the pipeline: %s\n", strerror(errno));
		goto out;
	}
	status = EXIT_PASS;
out:
	free(yaml);
	ci_free(&ci);
	return status;
}

static const struct hilt_subcmd generators[] = {
	{ "gitlab", cmd_gitlab, hilt_ci_usage },
};

int hilt_cmd_ci(int argc, char **argv)
{
	static const struct hilt_subcmds ci = {
		.prog = "hilt ci", .noun = "generator", .usage = hilt_ci_usage,
		.hint = "; for Jenkins, see examples/ci/Jenkinsfile",
		.cmds = generators, .n = sizeof(generators) / sizeof(generators[0]),
	};

	return hilt_subcmd_run(&ci, argc, argv);
}
