/* Comparing runs, the writing: the findings of compare.c as text (a
 * terminal), markdown (a merge request) or JSON (a tool). */
#define _GNU_SOURCE
#include "reports/compare_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

/* Changes shown in text and markdown (a tool that records its whole
 * environment as properties differs in many); json has them all. */
#define CHANGES_SHOWN 20

static const struct {
	const char *title, *json;
} cats[NCAT] = {
	[CAT_REGRESSION] = { "Regressions (passed in the base, fail now)", "regressions" },
	[CAT_TIME] = { "Boot-time regressions", "time_regressions" },
	[CAT_FIX] = { "Fixes (failed in the base, pass now)", "fixes" },
	[CAT_STILL] = { "Still failing", "still_failing" },
	[CAT_UNTESTED] = { "Failing, not tested in the base (skipped or in error there)",
			   "failing_untested" },
	[CAT_ERROR] = { "Infrastructure errors (not tested; never a regression of the device)",
			"errors" },
	[CAT_FLAKY] = { "Flaky (passed after failing attempts)", "flaky" },
	[CAT_NEW] = { "New cases", "new_cases" },
	[CAT_REMOVED] = { "Removed cases", "removed_cases" },
	[CAT_FASTER] = { "Faster milestones", "faster" },
};

/* ---- writing ---- */

/* s as one inert line (device text: no control bytes, valid UTF-8). */
static char *inert(const char *s)
{
	return hilt_text_inert(s ? s : "", s ? strlen(s) : 0, HILT_TEXT_TERMINAL);
}

/* Markdown table cell: inert, pipes escaped, bounded. */
static void md_cell(FILE *f, const char *s)
{
	char *clean = inert(s);

	for (const char *p = clean ? clean : ""; *p; p++) {
		if (*p == '|' || *p == '\\' || *p == '`' || *p == '<' || *p == '*' || *p == '_')
			fputc('\\', f);
		fputc(*p, f);
	}
	free(clean);
}

static size_t count_cat(const struct hilt_compare *c, enum cat cat)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nitems; i++)
		n += c->items[i].cat == cat;
	return n;
}

static void write_text(struct hilt_compare *c, FILE *f)
{
	const struct hilt_compare_counts *k = &c->counts;

	fprintf(f, "Base: ");
	for (size_t b = 0; b < c->nbase; b++)
		fprintf(f, "%s%s", b ? ", " : "", c->base[b].path);
	fprintf(f, "\nNew:  %s\n", c->newrun->path);
	fprintf(f, "\nChanged between the runs:%s\n", c->nchanges ? "" : " nothing hilt records");
	for (size_t i = 0; i < c->nchanges && i < CHANGES_SHOWN; i++) {
		char *name = inert(c->changes[i].name), *from = inert(c->changes[i].from),
		     *to = inert(c->changes[i].to);

		fprintf(f, "  %s: %s -> %s (%zu %s)\n", name, from, to, c->changes[i].sessions,
			c->changes[i].sessions == 1 ? "session" : "sessions");
		free(name);
		free(from);
		free(to);
	}
	if (c->nchanges > CHANGES_SHOWN)
		fprintf(f, "  ... and %zu more (--format json lists them all)\n",
			c->nchanges - CHANGES_SHOWN);
	for (enum cat cat = 0; cat < NCAT; cat++) {
		size_t n = count_cat(c, cat);

		if (!n)
			continue;
		fprintf(f, "\n%s: %zu\n", cats[cat].title, n);
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			char *s = inert(it->session), *nm = inert(it->name),
			     *d = it->detail ? inert(it->detail) : NULL;

			fprintf(f, "  %s > %s: %s -> %s%s%s\n", s, nm, it->base, it->now,
				d ? ": " : "", d ? d : "");
			free(s);
			free(nm);
			free(d);
		}
	}
	if (c->nnotes) {
		fprintf(f, "\nNot compared, or compared across targets:\n");
		for (size_t i = 0; i < c->nnotes; i++) {
			char *s = inert(c->notes[i]);

			fprintf(f, "  %s\n", s);
			free(s);
		}
	}
	fprintf(f, "\n%zu %s compared in %zu %s: %zu %s, %zu boot-time %s, %zu %s, "
		"%zu still failing, %zu infrastructure %s, %zu new, %zu removed\n",
		k->compared, k->compared == 1 ? "case" : "cases", k->sessions,
		k->sessions == 1 ? "session" : "sessions", k->regressions,
		k->regressions == 1 ? "regression" : "regressions", k->time_regressions,
		k->time_regressions == 1 ? "regression" : "regressions", k->fixes,
		k->fixes == 1 ? "fix" : "fixes", k->still_failing, k->errors,
		k->errors == 1 ? "error" : "errors", k->new_cases, k->removed_cases);
}

static void write_markdown(struct hilt_compare *c, FILE *f)
{
	const struct hilt_compare_counts *k = &c->counts;
	bool bad = k->regressions || k->time_regressions;

	fprintf(f, "### hilt: %s\n\n", bad ? "regressions found" : "no regressions");
	fprintf(f, "%zu cases compared in %zu sessions: **%zu regressions**, **%zu boot-time "
		"regressions**, %zu fixes, %zu still failing, %zu infrastructure errors, "
		"%zu new, %zu removed.\n",
		k->compared, k->sessions, k->regressions, k->time_regressions, k->fixes,
		k->still_failing, k->errors, k->new_cases, k->removed_cases);
	if (c->nchanges) {
		fprintf(f, "\n#### Changed between the runs\n\n| Property | Base | New | Sessions |\n"
			"| --- | --- | --- | --- |\n");
		for (size_t i = 0; i < c->nchanges && i < CHANGES_SHOWN; i++) {
			fputs("| ", f);
			md_cell(f, c->changes[i].name);
			fputs(" | ", f);
			md_cell(f, c->changes[i].from);
			fputs(" | ", f);
			md_cell(f, c->changes[i].to);
			fprintf(f, " | %zu |\n", c->changes[i].sessions);
		}
		if (c->nchanges > CHANGES_SHOWN)
			fprintf(f, "\n... and %zu more.\n", c->nchanges - CHANGES_SHOWN);
	}
	for (enum cat cat = 0; cat < NCAT; cat++) {
		size_t n = count_cat(c, cat);

		if (!n)
			continue;
		fprintf(f, "\n#### %s: %zu\n\n| Session | Case | Base | New | Detail |\n"
			"| --- | --- | --- | --- | --- |\n", cats[cat].title, n);
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			fputs("| ", f);
			md_cell(f, it->session);
			fputs(" | ", f);
			md_cell(f, it->name);
			fputs(" | ", f);
			md_cell(f, it->base);
			fputs(" | ", f);
			md_cell(f, it->now);
			fputs(" | ", f);
			md_cell(f, it->detail ? it->detail : "");
			fputs(" |\n", f);
		}
	}
	if (c->nnotes) {
		fprintf(f, "\n#### Not compared, or compared across targets\n\n");
		for (size_t i = 0; i < c->nnotes; i++) {
			fputs("- ", f);
			md_cell(f, c->notes[i]);
			fputc('\n', f);
		}
	}
}

static void write_json(struct hilt_compare *c, FILE *f)
{
	const struct hilt_compare_counts *k = &c->counts;

	fprintf(f, "{\n  \"base\": [");
	for (size_t b = 0; b < c->nbase; b++) {
		fputs(b ? ", " : "", f);
		hilt_json_str(f, c->base[b].path);
	}
	fprintf(f, "],\n  \"new\": ");
	hilt_json_str(f, c->newrun->path);
	fprintf(f, ",\n  \"thresholds\": {\"relative\": %g, \"floor_s\": %g, \"mad_k\": %g},\n",
		c->o.threshold, c->o.floor_s, c->o.mad_k);
	fprintf(f, "  \"counts\": {\"compared\": %zu, \"sessions\": %zu, \"regressions\": %zu, "
		"\"time_regressions\": %zu, \"fixes\": %zu, \"still_failing\": %zu, "
		"\"failing_untested\": %zu, \"errors\": %zu, \"new_cases\": %zu, "
		"\"removed_cases\": %zu, \"faster\": %zu, \"flaky\": %zu},\n",
		k->compared, k->sessions, k->regressions, k->time_regressions, k->fixes,
		k->still_failing, k->untested, k->errors, k->new_cases, k->removed_cases,
		k->faster, k->flaky);
	fprintf(f, "  \"changes\": [");
	for (size_t i = 0; i < c->nchanges; i++) {
		fprintf(f, "%s\n    {\"property\": ", i ? "," : "");
		hilt_json_str(f, c->changes[i].name);
		fputs(", \"base\": ", f);
		hilt_json_str(f, c->changes[i].from);
		fputs(", \"new\": ", f);
		hilt_json_str(f, c->changes[i].to);
		fprintf(f, ", \"sessions\": %zu}", c->changes[i].sessions);
	}
	fprintf(f, "%s]", c->nchanges ? "\n  " : "");
	for (enum cat cat = 0; cat < NCAT; cat++) {
		bool first = true;

		fprintf(f, ",\n  \"%s\": [", cats[cat].json);
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			fprintf(f, "%s\n    {\"session\": ", first ? "" : ",");
			first = false;
			hilt_json_str(f, it->session);
			fputs(cat == CAT_TIME || cat == CAT_FASTER ? ", \"milestone\": " : ", \"case\": ",
			      f);
			hilt_json_str(f, it->name);
			if (cat == CAT_TIME || cat == CAT_FASTER) {
				fprintf(f, ", \"base_s\": %.3f, \"new_s\": %.3f, \"limit_s\": %.3f, "
					"\"base_runs\": %zu", it->base_s, it->new_s, it->limit_s,
					it->nbase);
			} else {
				fputs(", \"base\": ", f);
				hilt_json_str(f, it->base);
				fputs(", \"new\": ", f);
				hilt_json_str(f, it->now);
			}
			if (it->detail) {
				fputs(cat == CAT_TIME || cat == CAT_FASTER ? ", \"rule\": "
									   : ", \"message\": ", f);
				hilt_json_str(f, it->detail);
			}
			fputc('}', f);
		}
		fprintf(f, "%s]", first ? "" : "\n  ");
	}
	fprintf(f, ",\n  \"not_compared\": [");
	for (size_t i = 0; i < c->nnotes; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		hilt_json_str(f, c->notes[i]);
	}
	fprintf(f, "%s]\n}\n", c->nnotes ? "\n  " : "");
}

int hilt_compare_write(struct hilt_compare *c, enum hilt_compare_format fmt, FILE *f)
{
	switch (fmt) {
	case HILT_COMPARE_MARKDOWN:
		write_markdown(c, f);
		break;
	case HILT_COMPARE_JSON:
		write_json(c, f);
		break;
	default:
		write_text(c, f);
		break;
	}
	return fflush(f) || ferror(f) ? -EIO : 0;
}
