#define _GNU_SOURCE
#include "runner/cli/validate.h"
#include "runner/cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/target.h"
#include "runner/engine/farm.h"
#include "runner/cli/paths.h"
#include "runner/engine/suite.h"
#include "base/xmlfile.h"


const char hilt_validate_usage[] =
	"usage: hilt validate [--strict] FILE...\n"
	"\n"
	"Checks suite and farm files as a run would load them: structure, unknown\n"
	"elements and attributes, regular expressions, variables, numbers, names\n"
	"too long for the run's files, the files a farm names.  Every mistake of a\n"
	"file is reported, in line order, as FILE:LINE: message (the first 20).\n"
	"\n"
	"It also checks what a farm's targets need of this host, as warnings\n"
	"(FILE:LINE: warning: ...), since these may exist on the farm host only:\n"
	"the QEMU binary, drive and firmware files, a board's console device, the\n"
	"programs of its flash, reset and power commands, its GPIO chip and lock\n"
	"folder.  A replay log given relative to the farm file that is not there\n"
	"is an error.\n"
	"\n"
	"  --strict   warnings are errors too\n"
	"\n"
	"exit status: 0 every file is good, 2 a file has an error (or a warning\n"
	"with --strict).\n";

/* As execvp looks a program up: a name with a '/' is a path, any other is
 * searched in PATH (an empty entry is the current folder). */
static int find_program(const char *name, char *why, size_t whylen)
{
	struct stat st;

	if (!*name) {
		snprintf(why, whylen, "is empty");
		return -ENOENT;
	}
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0) {
			int e = errno;

			snprintf(why, whylen, "%s", e == ENOENT ? "does not exist" : strerror(e));
			return -e;
		}
		if (S_ISDIR(st.st_mode) || access(name, X_OK) < 0) {
			snprintf(why, whylen, "is not an executable file");
			return -EACCES;
		}
		return 0;
	}
	const char *path = getenv("PATH");

	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;;) {
		size_t n = strcspn(p, ":");
		char full[4096];

		snprintf(full, sizeof(full), "%.*s/%s", (int)(n ? n : 1), n ? p : ".", name);
		if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode) && access(full, X_OK) == 0)
			return 0;
		if (!p[n])
			break;
		p += n + 1;
	}
	snprintf(why, whylen, "is not in PATH");
	return -ENOENT;
}

struct check_ctx {
	struct hilt_check chk;
	struct hilt_diags *d;
	long target_line;
};

static void report(struct hilt_check *chk, enum hilt_check_level level, long line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct hilt_check *chk, enum hilt_check_level level, long line,
		   const char *fmt, ...)
{
	struct check_ctx *ctx = chk->arg;
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	hilt_diags_add(ctx->d, level == HILT_CHECK_ERROR ? HILT_DIAG_ERROR : HILT_DIAG_WARNING,
		       line > 0 ? line : ctx->target_line, "%s", text);
}

static void check_targets(const struct hilt_farm *farm, struct hilt_diags *d)
{
	struct check_ctx ctx = {
		.chk = { .report = report, .find_program = find_program },
		.d = d,
	};

	ctx.chk.arg = &ctx;
	for (size_t i = 0; i < farm->ntargets; i++) {
		const struct hilt_target_ops *ops = farm->targets[i].ops;

		ctx.target_line = farm->targets[i].line;
		if (ops && ops->check)
			ops->check(&farm->targets[i], &ctx.chk);
	}
}

static void print_diags(struct hilt_diags *d)
{
	char line[8192];
	size_t shown = 0;

	hilt_diags_sort(d);
	for (; shown < d->n && shown < HILT_DIAGS_SHOWN; shown++) {
		hilt_diags_line(d, &d->items[shown], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	size_t left = d->nerrors + d->nwarnings - shown;

	if (left)
		fprintf(stderr, "%s: %zu more %s not shown (too many errors)\n", d->path, left,
			left == 1 ? "message" : "messages");
}

/* Returns the exit status for path. */
static int validate_one(const char *path, bool strict)
{
	struct hilt_diags d;
	char what[256] = "";
	xmlDoc *doc;
	int rc;

	hilt_diags_init(&d, path);
	rc = hilt_xml_read(&d, &doc);
	if (rc == 0) {
		bool is_farm = hilt_xml_is(xmlDocGetRootElement(doc), "farm");

		xmlFreeDoc(doc);
		if (is_farm) {
			struct hilt_farm *farm;

			rc = hilt_farm_load_diags(path, &farm, &d);
			if (rc == 0) {
				check_targets(farm, &d);
				snprintf(what, sizeof(what), "farm with %zu target(s)", farm->ntargets);
				hilt_farm_free(farm);
			}
		} else {
			struct hilt_suite *suite;

			rc = hilt_suite_load_diags(path, &suite, &d);
			if (rc == 0) {
				snprintf(what, sizeof(what), "suite '%s' with %zu test case(s)",
					 suite->name, suite->ncases);
				hilt_suite_free(suite);
			}
		}
	}
	print_diags(&d);
	if (rc == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", path);
	int status = EXIT_PASS;
	size_t w = d.nwarnings;

	if (rc < 0 || d.nerrors) {
		status = EXIT_USAGE;
	} else if (w && strict) {
		fprintf(stderr, "%s: %s: %zu warning%s, which --strict makes errors\n", path, what,
			w, w == 1 ? "" : "s");
		status = EXIT_USAGE;
	} else if (w) {
		printf("%s: %s: OK, with %zu warning%s\n", path, what, w, w == 1 ? "" : "s");
	} else {
		printf("%s: %s: OK\n", path, what);
	}
	hilt_diags_free(&d);
	return status;
}

int hilt_cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool strict = false;
	int status = EXIT_PASS, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': strict = true; break;
		case 'h': fputs(hilt_validate_usage, stdout); return EXIT_PASS;
		default: fputs(hilt_validate_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hilt validate: no file given\n");
		fputs(hilt_validate_usage, stderr);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		char shipped[4096];

		/* A shipped suite by its name, as run takes it. */
		if (validate_one(hilt_suite_path(argv[i], shipped, sizeof(shipped)), strict) !=
		    EXIT_PASS)
			status = EXIT_USAGE;
	}
	return status;
}
