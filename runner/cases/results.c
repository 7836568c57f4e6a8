/* <results name="kunit" format="ktap|tap|ztest|unity" timeout=".."
 *          inactivity=".."><send>command</send></results>: the results the
 * device's own tests print on the console (runner/engine/tstream.h), each
 * test a case of the session named by its path ("kunit/list-kernel-test/
 * list_test_list_init"), read as they come.
 *
 * Without a <send> the stream is read from where the cases before it left
 * the console (from power-on when it comes first: KUnit at boot); with
 * one, the command is typed at the shell's prompt (a kselftest run, a
 * Unity menu choice) and the stream read from that prompt on.  timeout
 * covers the whole stream; inactivity (by default the same) is how long
 * it may go without a test's result; until, what the console prints after
 * the stream, ends one that prints no end of its own (KUnit's modules
 * print no top-level plan) and is left for the cases after.
 *
 * The case itself is the stream's: it passes when the stream came to its
 * end whole, and fails ("stream") when it did not (no end within its
 * time, a plan with tests missing, "Bail out!").  Its counts and status
 * are properties: results.NAME.passed, .failed, .skipped, .errors,
 * .crashed, .total, .status (as the format's own tools name it) and
 * .problem when there is one.  A test cut off by a crash of the device
 * (a failure pattern or a fatal kernel report ended the session) is an
 * error of type "crashed" whose text is the report that cut it off; one
 * the stream announced and never reported an error of type "missing". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/cases/case.h"
#include "runner/engine/tstream.h"

enum { WATCH_PROMPT = 1, WATCH_UNTIL };

struct results {
	enum hilt_tstream_format format;
	/* The stream is over where this matches (what the console prints
	 * after it), or NULL: a stream without a plan of its own (KUnit's
	 * modules print none) ends there. */
	struct hilt_pattern *until;
	char *send;		/* typed at the prompt first, or NULL */
	double inactivity_s;	/* 0: the case's timeout */
};

/* Arrival times of the last chunks read, for a test's time when its
 * format does not give one. */
#define ARRIVALS 64

struct results_run {
	struct hilt_tstream *ts;
	bool reading;		/* fed from read_from on */
	bool ended;		/* it printed its end: concluded next turn */
	bool over;		/* finished, cases and counts told */
	bool crash;		/* finishing because the device crashed */
	uint64_t read_from, read_to;
	uint64_t last_end;	/* just past the last test's result line */
	struct { uint64_t off; double at_s; } arrived[ARRIVALS];
	unsigned narrived;
	/* The paths handed over so far, by hash, with how many times each
	 * came: a test named as one before it (kselftest's "Pinning
	 * succeeded as expected", once per parameter) is "PATH (2)", so that
	 * every case of the session has a name of its own. */
	struct seen { uint64_t hash; unsigned long times; } *seen;
	size_t nseen, seen_cap;	/* seen_cap: a power of two, or 0 */
};

static void results_parse(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c)
{
	struct hilt_diags *d = hilt_loader_diags(ld);
	struct results *r = calloc(1, sizeof(*r));
	char *format;
	const xmlNode *send = NULL;

	if (!r) {
		hilt_loader_note(ld, -ENOMEM);
		return;
	}
	c->data = r;
	format = hilt_xml_attr_required(d, node, "format");
	if (format && hilt_tstream_format_parse(format, &r->format) < 0)
		hilt_xml_error(d, node,
			       "results '%s': format must be 'ktap', 'tap', 'ztest' or 'unity', not '%s'",
			       hilt_case_label(c, node), format);
	free(format);
	hilt_xml_seconds(d, node, "inactivity", &r->inactivity_s);
	char *until = hilt_xml_attr(node, "until");

	if (until) {
		char what[300];

		snprintf(what, sizeof(what), "results '%s' until", hilt_case_label(c, node));
		hilt_loader_compile(ld, node, what, until, &r->until);
	}
	free(until);
	if (c->name && strchr(c->name, '/'))
		hilt_xml_error(d, node, "results '%s': the name begins its tests' paths and may "
			       "not hold '/'", c->name);
	hilt_xml_check_element_only(d, node);
	for (const xmlNode *ch = node->children; ch; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (!hilt_xml_is(ch, "send")) {
			hilt_xml_error(d, ch, "unknown element <%s> in <results> (expected <send>)",
				       (const char *)ch->name);
			continue;
		}
		hilt_xml_check_attrs(d, ch, (const char *const[]){ NULL });
		if (send)
			hilt_xml_error(d, ch, "<results> takes one <send>");
		send = ch;
	}
	if (!send)
		return;
	if (!hilt_loader_shell_seen(ld))
		hilt_xml_error(d, node, "results '%s': a <send> needs a <shell prompt=...> before it",
			       hilt_case_label(c, node));
	if (hilt_loader_note(ld, hilt_xml_text(d, send, true, &r->send)) == 0) {
		if (strpbrk(r->send, "\r\n"))
			hilt_xml_error(d, send, "<send> must be a single line");
		else
			hilt_loader_vars(ld, send, r->send);
	}
}

static void results_free(struct hilt_case *c)
{
	struct results *r = c->data;

	if (r) {
		free(r->send);
		hilt_pattern_free(r->until);
	}
	free(r);
}

/* When the chunk holding offset off arrived, since power-on (the oldest
 * known when it is older than that). */
static double arrived_at(const struct results_run *rr, uint64_t off)
{
	unsigned n = rr->narrived < ARRIVALS ? rr->narrived : ARRIVALS;
	double at = -1;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = (rr->narrived - 1 - k) % ARRIVALS;

		at = rr->arrived[i].at_s;
		if (rr->arrived[i].off <= off)
			break;
	}
	return at;
}

static void inactivity_timer(struct hilt_case_run *run)
{
	const struct results *r = hilt_run_case(run)->data;
	const struct results_run *rr = hilt_run_state(run);

	if (r->inactivity_s > 0 && !rr->ended)
		hilt_run_timer(run, r->inactivity_s);
}

static uint64_t path_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/* How many times a path of this hash came before, counting this one; 0
 * when memory ran out (the name stays as it is). */
static unsigned long seen_again(struct results_run *rr, uint64_t hash)
{
	if ((rr->nseen + 1) * 2 > rr->seen_cap) {
		size_t cap = rr->seen_cap ? rr->seen_cap * 2 : 1024;
		struct seen *v = calloc(cap, sizeof(*v));

		if (!v)
			return 0;
		for (size_t i = 0; i < rr->seen_cap; i++) {
			size_t j = rr->seen[i].hash & (cap - 1);

			if (!rr->seen[i].hash)
				continue;
			while (v[j].hash)
				j = (j + 1) & (cap - 1);
			v[j] = rr->seen[i];
		}
		free(rr->seen);
		rr->seen = v;
		rr->seen_cap = cap;
	}
	size_t j = hash & (rr->seen_cap - 1);

	while (rr->seen[j].hash && rr->seen[j].hash != hash)
		j = (j + 1) & (rr->seen_cap - 1);
	if (!rr->seen[j].hash) {
		rr->seen[j].hash = hash;
		rr->nseen++;
	}
	return ++rr->seen[j].times;
}

/* A test's result, from the reader: a case of the session. */
static void on_test(void *owner, const struct hilt_tstream_case *t)
{
	struct hilt_case_run *run = owner;
	struct results_run *rr = hilt_run_state(run);
	char *diag = t->diag_len ? strndup(t->diag, t->diag_len) : NULL;
	char message[1024] = "";
	struct hilt_case_result c = {
		.name = (char *)t->path,
		.at_s = arrived_at(rr, t->end ? t->end - 1 : 0),
		.detail = diag,
	};
	const char *crash = NULL;
	size_t crash_len = 0;

	if (c.at_s < 0)
		c.at_s = hilt_run_now_s(run);
	/* A test's output begins after the result before it (or at the
	 * stream's start), or earlier when its first line says so: its time,
	 * when its format does not say it, runs from there to its result, and
	 * a crash that cut it off is a report from there on. */
	uint64_t from = rr->last_end > rr->read_from ? rr->last_end : rr->read_from;

	if (t->begin < from)
		from = t->begin;
	c.time_s = t->seconds >= 0 ? t->seconds : c.at_s - arrived_at(rr, from);
	if (c.time_s < 0)
		c.time_s = 0;
	switch (t->verdict) {
	case HILT_TV_PASS:
		c.verdict = HILT_PASS;
		break;
	case HILT_TV_SKIP:
		c.verdict = HILT_SKIP;
		c.type = "skipped";
		snprintf(message, sizeof(message), "%s", *t->reason ? t->reason : "skipped");
		break;
	case HILT_TV_FAIL:
		c.verdict = HILT_FAIL;
		c.type = "test";
		snprintf(message, sizeof(message), "%s%s%s", "failed", *t->reason ? ": " : "",
			 t->reason);
		break;
	case HILT_TV_ERROR:
		c.verdict = HILT_FAIL;
		c.as_error = true;
		c.type = "missing";
		snprintf(message, sizeof(message), "%s", *t->reason ? t->reason : "no result");
		break;
	case HILT_TV_CRASHED:
		c.verdict = HILT_FAIL;
		c.as_error = true;
		c.type = "crashed";
		crash = hilt_run_crash(run, from, &crash_len);
		snprintf(message, sizeof(message), "crashed: %s",
			 *t->reason ? t->reason : "the device crashed before its result");
		if (crash) {
			char *text = NULL;

			/* The report that cut it off, then what the test
			 * itself printed. */
			if (asprintf(&text, "%.*s%s%s", (int)crash_len, crash,
				     diag ? "--- the test's own lines ---\n" : "",
				     diag ? diag : "") >= 0) {
				free(diag);
				c.detail = diag = text;
			}
		}
		break;
	}
	c.message = *message ? message : NULL;
	unsigned long times = seen_again(rr, path_hash(t->path));
	char *again = NULL;

	if (times > 1 && asprintf(&again, "%s (%lu)", t->path, times) >= 0) {
		c.name = again;
		seen_again(rr, path_hash(again));
	}
	hilt_run_add_test(run, &c);
	free(again);
	free(diag);
	if (t->end > rr->last_end)
		rr->last_end = t->end;
	inactivity_timer(run);
}

static void feed(struct hilt_case_run *run, const char *buf, size_t len, uint64_t off)
{
	struct results_run *rr = hilt_run_state(run);

	/* Only what lies from read_from on, once. */
	if (off + len <= rr->read_to)
		return;
	if (off < rr->read_to) {
		buf += rr->read_to - off;
		len -= (size_t)(rr->read_to - off);
		off = rr->read_to;
	}
	rr->arrived[rr->narrived % ARRIVALS].off = off;
	rr->arrived[rr->narrived % ARRIVALS].at_s = hilt_run_now_s(run);
	rr->narrived++;
	bool started = hilt_tstream_started(rr->ts);

	hilt_tstream_feed(rr->ts, buf, len);
	rr->read_to = off + len;
	if (!started && hilt_tstream_started(rr->ts))
		inactivity_timer(run);
}

/* Counts and status as properties, once the stream is over. */
static void tell_counts(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);
	struct results_run *rr = hilt_run_state(run);
	const struct hilt_tstream_counts *n = hilt_tstream_counts(rr->ts);
	const struct { const char *what; unsigned long v; } v[] = {
		{ "passed", n->passed }, { "failed", n->failed }, { "skipped", n->skipped },
		{ "errors", n->errors }, { "crashed", n->crashed }, { "total", n->total },
	};
	char name[300], val[32];

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		snprintf(name, sizeof(name), "results.%s.%s", c->name, v[i].what);
		snprintf(val, sizeof(val), "%lu", v[i].v);
		hilt_run_property(run, name, val);
	}
	snprintf(name, sizeof(name), "results.%s.status", c->name);
	hilt_run_property(run, name, hilt_tstream_status(rr->ts));
	if (*hilt_tstream_problem(rr->ts)) {
		snprintf(name, sizeof(name), "results.%s.problem", c->name);
		hilt_run_property(run, name, hilt_tstream_problem(rr->ts));
	}
}

/* Ends the stream: tests begun and announced and not reported are
 * handed over (crashed after a crash, errors otherwise). */
static void finish(struct hilt_case_run *run, enum hilt_tstream_end how)
{
	struct results_run *rr = hilt_run_state(run);

	if (rr->over || !rr->ts)
		return;
	rr->over = true;
	rr->crash = how == HILT_TS_END_CRASH;
	hilt_tstream_finish(rr->ts, how);
	tell_counts(run);
}

/* "3 passed, 1 failed, 2 skipped of 6 (status failure)" */
static void summary(struct hilt_case_run *run, char *buf, size_t len)
{
	struct results_run *rr = hilt_run_state(run);
	const struct hilt_tstream_counts *n = hilt_tstream_counts(rr->ts);

	snprintf(buf, len, "%lu passed, %lu failed, %lu skipped, %lu errors, %lu crashed of %lu "
		 "(status %s)", n->passed, n->failed, n->skipped, n->errors, n->crashed, n->total,
		 hilt_tstream_status(rr->ts));
}

/* The stream came to its end (or can no longer): its verdict.  Ended
 * by its until= pattern (at_until), one without a plan is whole. */
static void conclude(struct hilt_case_run *run, const char *why, bool at_until)
{
	struct results_run *rr = hilt_run_state(run);
	const char *problem;
	char counts[256];

	finish(run, HILT_TS_END_EOF);
	problem = hilt_tstream_problem(rr->ts);
	if (at_until && !strcmp(problem, HILT_TSTREAM_NO_PLAN))
		problem = "";
	summary(run, counts, sizeof(counts));
	if (!why && !*problem)
		hilt_run_verdict(run, HILT_PASS, NULL, NULL, NULL);
	else
		hilt_run_verdict(run, HILT_FAIL, "stream", NULL, "%s: %s%s%s: %s",
				 hilt_run_case(run)->name, why ? why : problem,
				 why && *problem ? "; " : "", why ? problem : "", counts);
	if (rr->last_end > hilt_run_cursor(run))
		hilt_run_consume(run, rr->last_end, hilt_run_last_match(run));
}

/* The stream printed its end.  The verdict waits for the loop's next
 * turn: the line that ended it may be the kernel's panic ("Kernel panic -
 * not syncing: VFS: ..." ends KTAP as kunit.py reads it), which a failure
 * pattern of the same bytes turns into a crash; the session's patterns
 * see those bytes after this case does, and whether they do before or
 * after the line's end must not change the results. */
static void at_end(struct hilt_case_run *run)
{
	struct results_run *rr = hilt_run_state(run);

	rr->ended = true;
	hilt_run_timer(run, 0);
}

static void start_reading(struct hilt_case_run *run, uint64_t from)
{
	const struct results *r = hilt_run_case(run)->data;
	struct results_run *rr = hilt_run_state(run);
	char buf[16384];

	rr->reading = true;
	rr->read_from = rr->read_to = from;
	if (r->until)
		hilt_run_watch(run, WATCH_UNTIL, r->until, from);
	/* What came before the case began (a chunk's rest after the last
	 * match, KUnit printed while the milestones before waited), from
	 * the matcher's window. */
	for (uint64_t now = hilt_run_offset(run); rr->read_to < now && !rr->over;) {
		uint64_t to = now - rr->read_to > sizeof(buf) - 1 ? rr->read_to + sizeof(buf) - 1
								   : now;
		size_t n = hilt_run_copy(run, rr->read_to, to, buf, sizeof(buf));

		if (!n) {
			rr->read_to = now;	/* no longer held */
			break;
		}
		/* From the window's start when it no longer holds read_to. */
		feed(run, buf, n, to - n);
		if (hilt_tstream_done(rr->ts)) {
			at_end(run);
			return;
		}
	}
}

static void results_begin(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct results *r = c->data;
	struct results_run *rr = hilt_run_state(run);

	rr->ts = hilt_tstream_new(r->format, c->name, on_test, run);
	if (!rr->ts) {
		hilt_run_verdict(run, HILT_ERROR, "runner", NULL, "out of memory");
		hilt_run_done(run);
		return;
	}
	inactivity_timer(run);
	if (r->send)
		hilt_run_watch(run, WATCH_PROMPT, hilt_run_shell(run)->prompt,
			       hilt_run_last_match(run));
	else
		start_reading(run, hilt_run_cursor(run));
}

static void results_matched(struct hilt_case_run *run, const struct hilt_match *m)
{
	const struct results *r = hilt_run_case(run)->data;
	const struct hilt_shell *sh = hilt_run_shell(run);
	char err[256];
	char *line;

	if (m->id == WATCH_UNTIL) {
		/* What follows the stream: it is over, and what matched is
		 * left for the cases after. */
		conclude(run, NULL, true);
		hilt_run_consume(run, m->start, m->start);
		hilt_run_done(run);
		return;
	}
	if (m->id != WATCH_PROMPT)
		return;
	hilt_run_unwatch(run, WATCH_PROMPT);
	hilt_run_consume(run, m->end, m->start);
	if (!hilt_run_recorded(run)) {
		if (!(line = hilt_run_expand(run, r->send, false, err, sizeof(err)))) {
			hilt_run_verdict(run, HILT_ERROR, "runner", NULL,
					 "cannot build the command: %s", err);
			hilt_run_done(run);
			return;
		}
		int rc = hilt_run_type_paced(run, line, sh->line_end, sh->echo, m->end);

		free(line);
		if (rc < 0)
			return;
	}
	/* The echo of the command and what follows: the reader skips what
	 * is not the stream's. */
	start_reading(run, m->end);
}

static void results_output(struct hilt_case_run *run, const char *buf, size_t len, uint64_t off)
{
	struct results_run *rr = hilt_run_state(run);

	if (!rr->reading || rr->over)
		return;
	if (!buf) {
		/* The console ended: a last line without its line end is
		 * read, and the stream judged on what it printed. */
		finish(run, HILT_TS_END_EOF);
		conclude(run, hilt_tstream_done(rr->ts) ? NULL : "the console ended before the stream did",
			 false);
		hilt_run_done(run);
		return;
	}
	if (rr->ended)
		return;
	feed(run, buf, len, off);
	if (hilt_tstream_done(rr->ts))
		at_end(run);
}

static void results_timeout(struct hilt_case_run *run)
{
	struct results_run *rr = hilt_run_state(run);
	char why[256];

	if (!rr->reading)
		snprintf(why, sizeof(why), "no shell prompt to send the command at within %g s",
			 hilt_run_timeout_s(run));
	else
		snprintf(why, sizeof(why), "the stream did not end within %g s",
			 hilt_run_timeout_s(run));
	conclude(run, why, false);
}

static void results_timer(struct hilt_case_run *run)
{
	const struct results *r = hilt_run_case(run)->data;
	struct results_run *rr = hilt_run_state(run);
	char why[256];

	if (rr->ended) {
		conclude(run, NULL, false);
		hilt_run_done(run);
		return;
	}
	snprintf(why, sizeof(why), "%s for %g s", !rr->reading ? "no shell prompt"
			 : hilt_tstream_started(rr->ts) ? "no test result"
							: "no sign of the stream",
		 r->inactivity_s);
	conclude(run, why, false);
	hilt_run_done(run);
}

/* The session ends with the stream under way: a crash of the device cuts
 * its tests off; anything else (an interruption) leaves them without a
 * result. */
static void results_end(struct hilt_case_run *run)
{
	struct results_run *rr = hilt_run_state(run);
	size_t len;

	if (rr->ts && !rr->over)
		finish(run, hilt_run_crash(run, 0, &len) ? HILT_TS_END_CRASH : HILT_TS_END_EOF);
	hilt_tstream_free(rr->ts);
	rr->ts = NULL;
	free(rr->seen);
	rr->seen = NULL;
}

const struct hilt_case_ops hilt_case_results = {
	.element = "results",
	.attrs = (const char *const[]){ "name", "timeout", "format", "inactivity", "until", NULL },
	.parse = results_parse,
	.free = results_free,
	.run_size = sizeof(struct results_run),
	.begin = results_begin,
	.matched = results_matched,
	.timeout = results_timeout,
	.timer = results_timer,
	.output = results_output,
	.end = results_end,
};
