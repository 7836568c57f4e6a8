/* The subcommand table every command group dispatches through. */
#include "runner/cli/cli.h"

#include <stdio.h>
#include <string.h>

static void names(FILE *f, const struct hilt_subcmds *g)
{
	fputs(" (", f);
	for (size_t i = 0; i < g->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", g->cmds[i].name);
	fprintf(f, "%s)\n", g->hint ? g->hint : "");
}

static const struct hilt_subcmd *find(const struct hilt_subcmds *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->cmds[i].name, name))
			return &g->cmds[i];
	return NULL;
}

static int help(const struct hilt_subcmds *g, int argc, char **argv)
{
	const struct hilt_subcmd *c;

	if (argc < 3) {
		fputs(g->usage, stdout);
		return EXIT_PASS;
	}
	if (!strcmp(argv[2], "help")) {
		fputs(g->usage, stdout);
		return EXIT_PASS;
	}
	c = find(g, argv[2]);
	if (!c || !c->usage) {
		fprintf(stderr, "%s help: no %s '%s'", g->prog, g->noun, argv[2]);
		names(stderr, g);
		return EXIT_USAGE;
	}
	fputs(c->usage, stdout);
	return EXIT_PASS;
}

int hilt_subcmd_run(const struct hilt_subcmds *g, int argc, char **argv)
{
	const struct hilt_subcmd *c;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "help")))
		return help(g, argc, argv);
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "%s: which %s?", g->prog, g->noun);
		names(stderr, g);
		fputs(g->usage, stderr);
		return EXIT_USAGE;
	}
	c = find(g, argv[1]);
	if (!c) {
		fprintf(stderr, "%s: no %s '%s'", g->prog, g->noun, argv[1]);
		names(stderr, g);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
