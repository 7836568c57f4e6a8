/* hilt report html: the page of a run (html_read.c reads it, html_tree.c
 * groups its path-named cases), written whole. */
#define _GNU_SOURCE
#include "reports/html.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "base/grow.h"
#include "base/text.h"
#include "base/atomic.h"
#include "reports/html_int.h"
#include "reports/jread.h"
#include "reports/relpath.h"

/* Text from a file, shown: made inert (valid UTF-8, control bytes as
 * pictures; line ends and tabs kept), then escaped for HTML. */
static void esc_n(FILE *f, const char *s, size_t n)
{
	char *clean = s ? hilt_text_inert(s, n, HILT_TEXT_XML) : NULL;

	for (const char *p = clean ? clean : ""; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\r': break;
		default: fputc(*p, f);
		}
	}
	free(clean);
}

static void esc(FILE *f, const char *s)
{
	esc_n(f, s, s ? strlen(s) : 0);
}

/* A relative URL path: every byte but unreserved ones and '/' encoded, so
 * nothing in a file name makes it absolute, a scheme or a query. */
static void url(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/@", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

static const char *verdict_class(enum hilt_jverdict v)
{
	static const char *const c[] = {
		[HILT_JPASS] = "pass", [HILT_JFAIL] = "fail", [HILT_JERROR] = "error",
		[HILT_JSKIP] = "skip",
	};
	return c[v];
}

static enum hilt_jverdict session_verdict(const struct hsession *s)
{
	/* A kernel finding fails the session, as its case does in the JUnit. */
	return s->n[HILT_JFAIL] || s->nfinds ? HILT_JFAIL
	       : s->n[HILT_JERROR] ? HILT_JERROR
	       : s->n[HILT_JPASS] || !s->ncases ? HILT_JPASS
					       : HILT_JSKIP;
}

static const double *base_time(const struct hsession *s, const char *milestone)
{
	if (!s->base)
		return NULL;
	for (size_t i = 0; i < s->base->nms; i++)
		if (!strcmp(s->base->ms[i].name, milestone))
			return &s->base->ms[i].t;
	return NULL;
}

struct ctx {
	FILE *f;
	const char *junit_dir, *out_dir;
	struct hilt_html_opts o;
};

/* -1 faster, 1 slower, 0 neither, beyond both thresholds. */
static int moved(const struct ctx *x, double base, double now)
{
	double d = now - base, margin = fmax(x->o.rel * base, x->o.abs_s);

	return d > margin ? 1 : d < -margin ? -1 : 0;
}

/* A link to path, relative to the folder base (NULL: the JUnit's). */
static void write_link(struct ctx *x, const char *base, const char *path, const char *label)
{
	char *rel = hilt_relpath(x->out_dir, base ? base : x->junit_dir, path);

	if (!rel)
		return;
	fputs("<a href=\"", x->f);
	url(x->f, rel);
	fputs("\">", x->f);
	esc(x->f, label);
	fputs("</a>", x->f);
	free(rel);
}

static double nice_step(double span)
{
	static const double steps[] = { 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
					1800, 3600 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= 10)
			return steps[i];
	return ceil(span / 10 / 3600) * 3600;
}

/* A session's boot milestones as a chart: a row per milestone, a bar from
 * power-on to its time, the baseline's bar under it, and the difference
 * at the end of the row in red (slower beyond the thresholds) or green
 * (faster). */
static void timeline(struct ctx *x, const struct hsession *s)
{
	const double label_w = 180, chart_w = 560, delta_w = 150, row_h = 28, top = 34;
	size_t rows = s->nms;
	double tmax = 0;
	FILE *f = x->f;

	/* Milestones only the baseline reached come after the run's own. */
	if (s->base)
		for (size_t i = 0; i < s->base->nms; i++) {
			bool seen = false;

			for (size_t k = 0; k < s->nms && !seen; k++)
				seen = !strcmp(s->ms[k].name, s->base->ms[i].name);
			rows += !seen;
		}
	if (!rows)
		return;
	for (size_t i = 0; i < s->nms; i++)
		tmax = fmax(tmax, s->ms[i].t);
	for (size_t i = 0; s->base && i < s->base->nms; i++)
		tmax = fmax(tmax, s->base->ms[i].t);
	double step = nice_step(tmax > 0 ? tmax : 1);
	double span = ceil((tmax > 0 ? tmax : 1) / step) * step;
	double w = label_w + chart_w + delta_w, h = top + rows * row_h + 8;

	fprintf(f, "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"boot "
		"milestones of ", w, h, w, h);
	esc(f, s->name);
	fputs("\">\n", f);
	/* legend and axis */
	fprintf(f, "<rect x=\"%.0f\" y=\"4\" width=\"12\" height=\"8\" class=\"bar-now\"/>"
		"<text x=\"%.0f\" y=\"12\" class=\"small\">this run</text>\n", label_w, label_w + 16);
	if (s->base)
		fprintf(f, "<rect x=\"%.0f\" y=\"6\" width=\"12\" height=\"5\" class=\"bar-base\"/>"
			"<text x=\"%.0f\" y=\"12\" class=\"small\">baseline</text>\n", label_w + 80,
			label_w + 96);
	fprintf(f, "<text x=\"%.0f\" y=\"12\" class=\"small\">seconds since power-on</text>\n",
		label_w + chart_w - 140);
	for (double t = 0; t <= span + step / 2; t += step) {
		double px = label_w + chart_w * t / span;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" class=\"grid\"/>"
			"<text x=\"%.1f\" y=\"%.0f\" class=\"tick\">%g</text>\n", px, top - 6, px,
			h - 4, px, top - 10, t);
	}
	size_t row = 0;

	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass ? (s->base ? s->base->nms : 0) : s->nms;

		for (size_t i = 0; i < n; i++) {
			const struct hms *m = pass ? &s->base->ms[i] : &s->ms[i];
			const double *bt = pass ? &m->t : base_time(s, m->name);
			bool have = !pass;
			double y = top + row * row_h;

			if (pass) {
				bool seen = false;

				for (size_t k = 0; k < s->nms && !seen; k++)
					seen = !strcmp(s->ms[k].name, m->name);
				if (seen)
					continue;
			}
			row++;
			int mv = have && bt ? moved(x, *bt, m->t) : 0;

			fprintf(f, "<g class=\"row%s\"><title>", mv > 0 ? " slower" : mv < 0 ? " faster" : "");
			esc(f, m->name);
			if (have)
				fprintf(f, ": %.3f s", m->t);
			if (bt)
				fprintf(f, " (baseline %.3f s)", *bt);
			fputs("</title>\n", f);
			fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"label\">", label_w - 8, y + 14);
			esc(f, m->name);
			fputs("</text>\n", f);
			if (have)
				fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"10\" "
					"class=\"bar-now%s\"/><text x=\"%.1f\" y=\"%.0f\" "
					"class=\"small\">%.3f s</text>\n", label_w, y + 5,
					fmax(1, chart_w * m->t / span),
					mv > 0 ? " slower" : mv < 0 ? " faster" : "",
					label_w + chart_w * m->t / span + 4, y + 14, m->t);
			if (bt)
				fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"5\" "
					"class=\"bar-base\"/>\n", label_w, y + 17,
					fmax(1, chart_w * *bt / span));
			if (have && bt)
				fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"delta%s\">%+.3f s "
					"(%+.0f%%)</text>\n", label_w + chart_w + 8, y + 14,
					mv > 0 ? " slower" : mv < 0 ? " faster" : "", m->t - *bt,
					*bt > 0 ? 100 * (m->t - *bt) / *bt : 0.0);
			else if (!have)
				fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" class=\"delta slower\">not "
					"reached</text>\n", label_w + chart_w + 8, y + 14);
			fputs("</g>\n", f);
		}
	}
	fputs("</svg>\n", f);
}

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;"
	"color:#1d2329;background:#fff;max-width:1100px}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px "
	"solid #d8dee4;padding-bottom:4px}h3{font-size:15px;margin:0 0 8px}"
	".meta{color:#57606a;margin:0 0 16px}"
	".counts{display:flex;gap:10px;flex-wrap:wrap}.count{border:1px solid #d8dee4;"
	"border-radius:6px;padding:8px 14px;min-width:80px}.count b{display:block;font-size:22px}"
	".count.fail b,.fail{color:#b42318}.count.error b,.error{color:#9a6700}"
	".count.pass b,.pass{color:#1a7f37}.skip{color:#57606a}"
	"table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;"
	"padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}"
	"th{background:#f6f8fa;font-weight:600}"
	".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;"
	"font-weight:600;color:#fff}.badge.pass{background:#1a7f37}.badge.fail{background:#b42318}"
	".badge.error{background:#9a6700}.badge.skip{background:#6e7781}"
	".session{border:1px solid #d8dee4;border-radius:6px;padding:12px 14px;margin:14px 0}"
	".session.s-fail{border-left:5px solid #b42318}.session.s-error{border-left:5px solid #9a6700}"
	"td.num{white-space:nowrap}h4{font-size:14px;margin:10px 0 4px}"
	".finding{margin:8px 0}"
	"pre{background:#f6f8fa;border:1px solid #eaeef2;padding:8px;overflow-x:auto;"
	"font:12px/1.35 ui-monospace,monospace;white-space:pre-wrap;margin:6px 0}"
	".timeline{display:block;margin:6px 0 10px}.timeline text{font:12px system-ui,sans-serif;"
	"fill:#1d2329}.timeline .label{text-anchor:end}.timeline .small{fill:#57606a;font-size:11px}"
	".timeline .tick{fill:#57606a;font-size:11px;text-anchor:middle}"
	".timeline .grid{stroke:#eaeef2}.bar-now{fill:#0969da}.bar-now.slower{fill:#cf222e}"
	".bar-now.faster{fill:#1a7f37}.bar-base{fill:#8c959f}"
	".timeline .delta{font-weight:600;fill:#57606a}.timeline .delta.slower{fill:#cf222e}"
	".timeline .delta.faster{fill:#1a7f37}.moved td.slower{color:#cf222e;font-weight:600}"
	".moved td.faster{color:#1a7f37;font-weight:600}"
	".stream{margin:4px 0}"
	"details.group{margin:4px 0;border-left:3px solid #d8dee4;padding-left:10px}"
	"details.group.g-fail{border-left-color:#b42318}details.group.g-error{border-left-color:"
	"#9a6700}details.group.g-pass{border-left-color:#1a7f37}"
	"details.group>summary{cursor:pointer;padding:2px 0}.gname{font-weight:600}"
	".gcounts{color:#57606a}.gcounts .none{color:#57606a}.gbody{margin-left:4px}";

static void count_box(FILE *f, const char *cls, size_t n, const char *what)
{
	fprintf(f, "<div class=\"count %s\"><b>%zu</b>%s</div>", cls, n, what);
}

/* The targets in order of first appearance. */
static const char *target_of(const struct hsession *s)
{
	return s->target ? s->target : s->name;
}

/* The verdict a case's row names: a result stream's test cut off by a
 * crash or never reported says so. */
static const char *case_verdict(const struct hcase *hc)
{
	return hc->kind == K_CRASHED   ? "crashed"
	       : hc->kind == K_MISSING ? "missing"
				       : hilt_jverdict_name(hc->v);
}

/* A case's row, named by name[0..len): its verdict, time, message and
 * evidence (the verdict's text, the console excerpt, attachments). */
static void write_case(struct ctx *x, const struct hcase *hc, const char *name,
		       const char *attach_base)
{
	FILE *f = x->f;

	fputs("<tr><td>", f);
	esc(f, name);
	fprintf(f, "</td><td class=\"%s\">%s%s</td><td class=\"num\">", verdict_class(hc->v),
		case_verdict(hc), hc->flaky ? " (flaky)" : "");
	if (hc->time_s >= 0)
		fprintf(f, "%.3f s", hc->time_s);
	fputs("</td><td>", f);
	esc(f, hc->message);
	if (hc->detail) {
		fputs("<pre class=\"detail\">", f);
		esc(f, hc->detail);
		fputs("</pre>", f);
	}
	if (hc->excerpt) {
		fputs("<pre class=\"excerpt\">", f);
		esc(f, hc->excerpt);
		fputs("</pre>", f);
	}
	for (size_t a = 0; a < hc->nattach; a++) {
		fputs(a ? " · " : "", f);
		write_link(x, attach_base, hc->attach[a], hc->attach[a]);
	}
	fputs("</td></tr>\n", f);
}

static const char case_table[] =
	"<table><tr><th>Case</th><th>Verdict</th><th>Time</th><th>Message</th></tr>\n";

/* A group of path-named cases, and the groups under it: a <details>,
 * open when something under it failed or erred, its <summary> the last
 * part of its path and the counts of everything under it; its cases named
 * by the last part of theirs. */
static void write_group(struct ctx *x, const struct hsession *s, size_t si, size_t gi,
			const char *attach_base)
{
	const struct htree *t = &s->tree;
	const struct hgroup *g = &t->g[gi];
	FILE *f = x->f;
	bool bad = g->n[HILT_JFAIL] || g->n[HILT_JERROR];
	enum hilt_jverdict v = g->n[HILT_JFAIL]	   ? HILT_JFAIL
			       : g->n[HILT_JERROR] ? HILT_JERROR
			       : g->n[HILT_JPASS]  ? HILT_JPASS
						   : HILT_JSKIP;

	fprintf(f, "<details class=\"group g-%s\" id=\"s%zug%zu\"%s><summary><span "
		"class=\"gname\">", verdict_class(v), si, gi, bad ? " open" : "");
	esc_n(f, g->key + g->seg, g->len - g->seg);
	fprintf(f, "</span> <span class=\"gcounts\"><span class=\"pass\">%zu passed</span>, "
		"<span class=\"%s\">%zu failed</span>", g->n[HILT_JPASS],
		g->n[HILT_JFAIL] ? "fail" : "none", g->n[HILT_JFAIL]);
	if (g->crashed || g->missing) {
		fputs(" (", f);
		if (g->crashed)
			fprintf(f, "%zu crashed", g->crashed);
		if (g->missing)
			fprintf(f, "%s%zu missing", g->crashed ? ", " : "", g->missing);
		fputs(")", f);
	}
	fprintf(f, ", <span class=\"skip\">%zu skipped</span>, <span class=\"%s\">%zu "
		"errors</span></span></summary>\n<div class=\"gbody\">\n", g->n[HILT_JSKIP],
		g->n[HILT_JERROR] ? "error" : "none", g->n[HILT_JERROR]);
	if (g->ncases) {
		fputs(case_table, f);
		for (size_t k = g->first; k < g->first + g->ncases; k++) {
			const struct hcase *hc = &s->cases[t->order[k]];

			write_case(x, hc, hc->name + g->len + 1, attach_base);
		}
		fputs("</table>\n", f);
	}
	for (size_t c = g->first_child; c != NONE; c = t->g[c].next)
		write_group(x, s, si, c, attach_base);
	fputs("</div></details>\n", f);
}

/* The counts of the session's result streams, as their results.NAME.*
 * properties say them. */
static void write_streams(FILE *f, const struct hsession *s)
{
	for (size_t i = 0; i < s->nstreams; i++) {
		const struct hstream *st = &s->streams[i];
		const char *cls = !st->status ? "" : !strcmp(st->status, "success") ? "pass"
				  : !strcmp(st->status, "failure") || !strcmp(st->status, "crashed")
					  ? "fail"
					  : "skip";

		fputs("<p class=\"stream\"><b>", f);
		esc(f, st->name);
		fprintf(f, "</b>: %lu passed, %lu failed, %lu skipped", st->n[R_PASSED],
			st->n[R_FAILED], st->n[R_SKIPPED]);
		if (st->n[R_ERRORS])
			fprintf(f, ", %lu errors", st->n[R_ERRORS]);
		if (st->n[R_CRASHED])
			fprintf(f, ", %lu crashed", st->n[R_CRASHED]);
		if (st->have[R_TOTAL])
			fprintf(f, " of %lu", st->n[R_TOTAL]);
		if (st->status) {
			fprintf(f, " (status <span class=\"%s\">", cls);
			esc(f, st->status);
			fputs("</span>)", f);
		}
		if (st->problem) {
			fputs(": ", f);
			esc(f, st->problem);
		}
		fputs("</p>\n", f);
	}
}

static void write_report(struct ctx *x, const struct hrun *r, const struct hrun *b,
			 struct hilt_html_counts *k)
{
	FILE *f = x->f;

	memset(k, 0, sizeof(*k));
	k->sessions = r->n;
	for (size_t i = 0; i < r->n; i++) {
		const struct hsession *s = &r->s[i];

		k->tests += s->ncases;
		k->passed += s->n[HILT_JPASS];
		k->failed += s->n[HILT_JFAIL];
		k->errors += s->n[HILT_JERROR];
		k->skipped += s->n[HILT_JSKIP];
		k->findings += s->nfinds;
		for (size_t m = 0; m < s->nms; m++) {
			const double *bt = base_time(s, s->ms[m].name);

			k->moved += bt && moved(x, *bt, s->ms[m].t) > 0;
		}
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>hilt report: ", f);
	esc(f, r->path);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>hilt report</h1>\n"
		"<p class=\"meta\">", css);
	esc(f, r->path);
	if (b) {
		fputs(" against the baseline ", f);
		esc(f, b->path);
	}
	fputs("</p>\n<div class=\"counts\">", f);
	count_box(f, "", k->sessions, "sessions");
	count_box(f, "", k->tests, "tests");
	count_box(f, "pass", k->passed, "passed");
	count_box(f, "fail", k->failed, "failed");
	count_box(f, "error", k->errors, "errors");
	count_box(f, "skip", k->skipped, "skipped");
	if (k->findings)
		count_box(f, "fail", k->findings, k->findings == 1 ? "kernel finding" : "kernel findings");
	if (b)
		count_box(f, k->moved ? "fail" : "pass", k->moved, "milestones slower");
	fputs("</div>\n", f);

	/* What moved, first: the question of the morning. */
	if (b) {
		fputs("<h2>Boot milestones against the baseline</h2>\n", f);
		bool any = false;

		for (size_t i = 0; i < r->n; i++)
			for (size_t m = 0; m < r->s[i].nms; m++) {
				const struct hsession *s = &r->s[i];
				const double *bt = base_time(s, s->ms[m].name);
				int mv = bt ? moved(x, *bt, s->ms[m].t) : 0;

				if (!mv)
					continue;
				if (!any)
					fputs("<table class=\"moved\"><tr><th>Session</th><th>Milestone</th>"
					      "<th>Baseline</th><th>This run</th><th>Change</th></tr>\n", f);
				any = true;
				fprintf(f, "<tr><td><a href=\"#s%zu\">", i);
				esc(f, s->name);
				fputs("</a></td><td>", f);
				esc(f, s->ms[m].name);
				fprintf(f, "</td><td>%.3f s</td><td>%.3f s</td><td class=\"%s\">%+.3f s "
					"(%+.0f%%)</td></tr>\n", *bt, s->ms[m].t,
					mv > 0 ? "slower" : "faster", s->ms[m].t - *bt,
					*bt > 0 ? 100 * (s->ms[m].t - *bt) / *bt : 0.0);
			}
		if (any)
			fputs("</table>\n", f);
		else
			fprintf(f, "<p>No milestone moved by more than %g%% and %g s.</p>\n",
				x->o.rel * 100, x->o.abs_s);
	}

	/* The failures and errors, each a link to its session. */
	if (k->failed || k->errors) {
		fputs("<h2>Failures and errors</h2>\n<table><tr><th>Session</th><th>Case</th>"
		      "<th>Verdict</th><th>Message</th></tr>\n", f);
		for (size_t i = 0; i < r->n; i++)
			for (size_t c = 0; c < r->s[i].ncases; c++) {
				const struct hcase *hc = &r->s[i].cases[c];

				if (hc->v != HILT_JFAIL && hc->v != HILT_JERROR)
					continue;
				fprintf(f, "<tr><td><a href=\"#s%zu\">", i);
				esc(f, r->s[i].name);
				fputs("</a></td><td>", f);
				if (r->s[i].tree.of && r->s[i].tree.of[c] != NONE) {
					fprintf(f, "<a href=\"#s%zug%zu\">", i, r->s[i].tree.of[c]);
					esc(f, hc->name);
					fputs("</a>", f);
				} else {
					esc(f, hc->name);
				}
				fprintf(f, "</td><td class=\"%s\">%s</td><td>", verdict_class(hc->v),
					case_verdict(hc));
				esc(f, hc->message);
				fputs("</td></tr>\n", f);
			}
		fputs("</table>\n", f);
	}

	/* The kernel findings, each a link to its session and its block. */
	if (k->findings) {
		fputs("<h2>Kernel findings</h2>\n<table class=\"findings\"><tr><th>Session</th>"
		      "<th>Kind</th><th>Finding</th><th>Count</th><th>First line</th></tr>\n", f);
		for (size_t i = 0; i < r->n; i++)
			for (size_t n = 0; n < r->s[i].nfinds; n++) {
				const struct hilt_jfound *hf = &r->s[i].finds[n];

				fprintf(f, "<tr><td><a href=\"#s%zu\">", i);
				esc(f, r->s[i].name);
				fputs("</a></td><td>", f);
				esc(f, hf->kind ? hf->kind : "?");
				fprintf(f, "</td><td class=\"fail\"><a href=\"#s%zuf%zu\">", i, n);
				esc(f, hf->title);
				fprintf(f, "</a></td><td class=\"num\">%lu</td><td><code>", hf->count);
				esc(f, hf->line);
				fputs("</code></td></tr>\n", f);
			}
		fputs("</table>\n", f);
	}

	/* A table per target. */
	for (size_t i = 0; i < r->n; i++) {
		const char *t = target_of(&r->s[i]);
		bool first = true;

		for (size_t k2 = 0; k2 < i && first; k2++)
			first = strcmp(target_of(&r->s[k2]), t) != 0;
		if (!first)
			continue;
		fputs("<h2>Target ", f);
		esc(f, t);
		fputs("</h2>\n<table><tr><th>Session</th><th>Verdict</th><th>Passed</th><th>Failed</th>"
		      "<th>Errors</th><th>Skipped</th><th>Time</th><th>Console</th></tr>\n", f);
		for (size_t j = i; j < r->n; j++) {
			const struct hsession *s = &r->s[j];
			enum hilt_jverdict v = session_verdict(s);

			if (strcmp(target_of(s), t))
				continue;
			fprintf(f, "<tr><td><a href=\"#s%zu\">", j);
			esc(f, s->name);
			fprintf(f, "</a></td><td><span class=\"badge %s\">%s</span></td><td>%zu</td>"
				"<td>%zu</td><td>%zu</td><td>%zu</td><td>", verdict_class(v),
				hilt_jverdict_name(v), s->n[HILT_JPASS], s->n[HILT_JFAIL],
				s->n[HILT_JERROR], s->n[HILT_JSKIP]);
			if (s->time_s >= 0)
				fprintf(f, "%.3f s", s->time_s);
			fputs("</td><td class=\"num\">", f);
			if (s->log)
				write_link(x, NULL, s->log, "log");
			if (s->pcap) {
				fputs(" ", f);
				write_link(x, NULL, s->pcap, "pcap");
			}
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}

	/* Each session. */
	fputs("<h2>Sessions</h2>\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const struct hsession *s = &r->s[i];
		enum hilt_jverdict v = session_verdict(s);

		fprintf(f, "<section class=\"session s-%s\" id=\"s%zu\"><h3>", verdict_class(v), i);
		esc(f, s->name);
		fprintf(f, " <span class=\"badge %s\">%s</span></h3>\n", verdict_class(v),
			hilt_jverdict_name(v));
		if (s->log || s->pcap) {
			fputs("<p>", f);
			if (s->log)
				write_link(x, NULL, s->log, "console log");
			if (s->pcap) {
				fputs(" · ", f);
				write_link(x, NULL, s->pcap, "network capture");
			}
			fputs("</p>\n", f);
		}
		write_streams(f, s);
		if (b && !s->base && s->nms)
			fputs("<p class=\"meta\">No session of the baseline matches this one.</p>\n", f);
		timeline(x, s);
		/* Attachment paths are relative to the folder the session's
		 * attachments.root names (relative to the JUnit's), else to the
		 * JUnit's. */
		char *attach_base = NULL;

		if (s->attach_root && asprintf(&attach_base, "%s/%s", x->junit_dir, s->attach_root) < 0)
			attach_base = NULL;
		for (size_t n = 0; n < s->nfinds; n++) {
			const struct hilt_jfound *hf = &s->finds[n];

			fprintf(f, "<div class=\"finding\" id=\"s%zuf%zu\"><h4><span class=\"badge "
				"fail\">", i, n);
			esc(f, hf->kind ? hf->kind : "finding");
			fputs("</span> ", f);
			esc(f, hf->title);
			if (hf->count > 1)
				fprintf(f, " <span class=\"meta\">(%lu times)</span>", hf->count);
			fputs("</h4>\n", f);
			if (hf->block || hf->line) {
				fputs("<pre class=\"finding-block\">", f);
				esc(f, hf->block ? hf->block : hf->line);
				fputs("</pre>", f);
			}
			fputs("</div>\n", f);
		}
		if (s->finds_dropped)
			fprintf(f, "<p class=\"meta\">%lu more kernel %s, of titles beyond those "
				"kept.</p>\n", s->finds_dropped,
				s->finds_dropped == 1 ? "report" : "reports");
		/* The cases named as paths in groups, after the others. */
		const struct htree *t = &s->tree;
		bool plain = !t->ng;

		for (size_t c = 0; c < s->ncases && !plain; c++)
			plain = t->of[c] == NONE;
		if (plain) {
			fputs(case_table, f);
			for (size_t c = 0; c < s->ncases; c++)
				if (!t->ng || t->of[c] == NONE)
					write_case(x, &s->cases[c], s->cases[c].name, attach_base);
			fputs("</table>\n", f);
		}
		for (size_t g = t->first_root; t->ng && g != NONE; g = t->g[g].next)
			write_group(x, s, i, g, attach_base);
		fputs("</section>\n", f);
		free(attach_base);
	}
	if (r->excerpts == HILT_HTML_EXCERPTS_MAX)
		fprintf(f, "<p class=\"meta\">Console excerpts are shown for the first %d failures "
			"and errors; the others show their message.</p>\n", HILT_HTML_EXCERPTS_MAX);
	fputs("</body></html>\n", f);
}

int hilt_html_report(const char *junit, const char *baseline, const char *out,
		     const struct hilt_html_opts *o, struct hilt_html_counts *counts, char *err,
		     size_t errlen)
{
	struct hrun r, b;
	struct ctx x = { 0 };
	char *text = NULL, *jdir = NULL, *odir = NULL;
	size_t len = 0;
	int rc;

	memset(&b, 0, sizeof(b));
	x.o = *o;
	rc = html_run_load(&r, junit, err, errlen);
	if (rc)
		return rc;
	if (baseline && (rc = html_run_load(&b, baseline, err, errlen)))
		goto out;
	if (baseline)
		html_match_baseline(&r, &b);
	for (size_t i = 0; i < r.n; i++)
		html_tree_build(&r.s[i]);
	jdir = hilt_dir_of(junit);
	odir = hilt_dir_of(out);
	if (!jdir || !odir) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", jdir ? out : junit, strerror(errno));
		goto out;
	}
	x.junit_dir = jdir;
	x.out_dir = odir;
	x.f = open_memstream(&text, &len);
	if (!x.f) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	write_report(&x, &r, baseline ? &b : NULL, counts);
	if (fclose(x.f) || !text) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	struct iovec iov = { .iov_base = text, .iov_len = len };

	rc = hilt_atomic_write(out, &iov, 1, err, errlen);
out:
	free(text);
	free(jdir);
	free(odir);
	html_run_free(&r);
	html_run_free(&b);
	return rc;
}
