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
	[CAT_FINDING_NEW] = { "New kernel findings (a title in no base run)", "new_findings" },
	[CAT_FINDING_COUNT] = { "Kernel findings counted differently", "changed_findings" },
	[CAT_FINDING_GONE] = { "Kernel findings gone (in the latest base run, not now)",
			       "gone_findings" },
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

static bool is_finding(enum cat cat)
{
	return cat == CAT_FINDING_NEW || cat == CAT_FINDING_COUNT || cat == CAT_FINDING_GONE;
}

/* A category's heading: a new finding is a regression, or with
 * findings_notice a notice. */
static const char *cat_title(const struct hilt_compare *c, enum cat cat)
{
	if (cat == CAT_FINDING_NEW)
		return c->o.findings_notice ? "New kernel findings (a title in no base run; a notice)"
					    : "New kernel findings (a title in no base run; a regression)";
	return cats[cat].title;
}

/* Whether a run read has kernel findings: the summary speaks of them then. */
static bool any_findings(const struct hilt_compare *c)
{
	for (size_t i = 0; c->newrun && i < c->newrun->n; i++)
		if (c->newrun->s[i].nfinds)
			return true;
	for (size_t b = 0; b < c->nbase; b++)
		for (size_t i = 0; i < c->base[b].n; i++)
			if (c->base[b].s[i].nfinds)
				return true;
	return false;
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
	if (c->o.time_from) {
		char *from = inert(c->o.time_from);

		fprintf(f, "Boot times: from the milestone %s\n", from);
		free(from);
	}
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
		fprintf(f, "\n%s: %zu\n", cat_title(c, cat), n);
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			char *s = inert(it->session), *nm = inert(it->name),
			     *d = it->detail ? inert(it->detail) : NULL,
			     *kind = it->kind ? inert(it->kind) : NULL;

			/* A finding: its title, [kind], its counts, its first line */
			fprintf(f, "  %s > %s%s%s%s: %s -> %s%s%s\n", s, nm, kind ? " [" : "",
				kind ? kind : "", kind ? "]" : "", it->base, it->now,
				d ? ": " : "", d ? d : "");
			free(kind);
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
	if (any_findings(c))
		fprintf(f, "Kernel findings: %zu new%s, %zu counted differently, %zu gone\n",
			k->new_findings, k->new_findings && c->o.findings_notice ? " (a notice)" : "",
			k->changed_findings, k->gone_findings);
}

static void write_markdown(struct hilt_compare *c, FILE *f)
{
	const struct hilt_compare_counts *k = &c->counts;
	bool bad = k->regressions || k->time_regressions ||
		   (k->new_findings && !c->o.findings_notice);

	fprintf(f, "### hilt: %s\n\n", bad ? "regressions found" : "no regressions");
	fprintf(f, "%zu cases compared in %zu sessions: **%zu regressions**, **%zu boot-time "
		"regressions**, %zu fixes, %zu still failing, %zu infrastructure errors, "
		"%zu new, %zu removed.\n",
		k->compared, k->sessions, k->regressions, k->time_regressions, k->fixes,
		k->still_failing, k->errors, k->new_cases, k->removed_cases);
	if (any_findings(c))
		fprintf(f, "Kernel findings: **%zu new**%s, %zu counted differently, %zu gone.\n",
			k->new_findings, k->new_findings && c->o.findings_notice ? " (a notice)" : "",
			k->changed_findings, k->gone_findings);
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
		fprintf(f, "\n#### %s: %zu\n\n| Session | %s | Base | New | Detail |\n"
			"| --- | --- | --- | --- | --- |\n", cat_title(c, cat), n,
			is_finding(cat) ? "Finding" : "Case");
		for (size_t i = 0; i < c->nitems; i++) {
			const struct item *it = &c->items[i];

			if (it->cat != cat)
				continue;
			fputs("| ", f);
			md_cell(f, it->session);
			fputs(" | ", f);
			md_cell(f, it->name);
			if (it->kind) {
				fputs(" (", f);
				md_cell(f, it->kind);
				fputc(')', f);
			}
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
		"\"removed_cases\": %zu, \"faster\": %zu, \"flaky\": %zu, "
		"\"new_findings\": %zu, \"changed_findings\": %zu, \"gone_findings\": %zu},\n",
		k->compared, k->sessions, k->regressions, k->time_regressions, k->fixes,
		k->still_failing, k->untested, k->errors, k->new_cases, k->removed_cases,
		k->faster, k->flaky, k->new_findings, k->changed_findings, k->gone_findings);
	fprintf(f, "  \"findings_notice\": %s,\n", c->o.findings_notice ? "true" : "false");
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
			if (is_finding(cat)) {
				fputs(", \"title\": ", f);
				hilt_json_str(f, it->name);
				fputs(", \"kind\": ", f);
				hilt_json_str_or_null(f, it->kind);
				fprintf(f, ", \"base\": %lu, \"new\": %lu", it->base_n, it->new_n);
				if (it->detail) {
					fputs(cat == CAT_FINDING_COUNT ? ", \"note\": " : ", \"line\": ",
					      f);
					hilt_json_str(f, it->detail);
				}
				fputc('}', f);
				continue;
			}
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

int hilt_compare_first_regression(const struct hilt_compare *c, unsigned which, char *buf,
				  size_t len)
{
	for (size_t i = 0; i < c->nitems; i++) {
		const struct item *it = &c->items[i];
		bool pick = (it->cat == CAT_REGRESSION && (which & HILT_REGRESSED_CASES)) ||
			    (it->cat == CAT_TIME && (which & HILT_REGRESSED_TIMES)) ||
			    (it->cat == CAT_FINDING_NEW && !c->o.findings_notice &&
			     (which & HILT_REGRESSED_FINDINGS));

		if (!pick)
			continue;
		char *s = inert(it->session), *nm = inert(it->name),
		     *d = it->detail ? inert(it->detail) : NULL;

		snprintf(buf, len, "%s%s > %s: %s -> %s%s%s",
			 it->cat == CAT_TIME ? "slower: " : it->cat == CAT_FINDING_NEW ? "new finding: "
											: "regression: ",
			 s ? s : "", nm ? nm : "", it->base, it->now, d ? ": " : "", d ? d : "");
		free(s);
		free(nm);
		free(d);
		return 0;
	}
	return -ENOENT;
}
