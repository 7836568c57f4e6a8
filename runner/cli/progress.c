#define _GNU_SOURCE
#include "runner/cli/progress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/text.h"

#define REDRAW_NS (100 * 1000000LL)	/* at most 10 redraws a second */

struct hilt_progress {
	struct hilt_reporter rep;	/* first: the reporter hooks find us */
	struct hilt_loop *loop;
	const struct hilt_sched *sched;
	FILE *out;
	bool colour, ended;
	unsigned drawn;		/* lines of the block on the screen */
	int64_t timer, last_draw_ns;
};

static void term_size(FILE *out, unsigned *cols, unsigned *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static void erase(struct hilt_progress *p)
{
	if (!p->drawn)
		return;
	/* To the start of the block's first line, and clear below. */
	fprintf(p->out, "\r\033[%uA\033[J", p->drawn);
	p->drawn = 0;
	fflush(p->out);
}

/* One line of at most cols-1 visible characters (never wraps, so the
 * block's height is known). */
static void put_line(struct hilt_progress *p, unsigned cols, const char *colour,
		     const char *text)
{
	size_t n = strlen(text);

	if (n > cols - 1)
		n = cols - 1;
	if (colour && p->colour)
		fprintf(p->out, "%s%.*s\033[0m\n", colour, (int)n, text);
	else
		fprintf(p->out, "%.*s\n", (int)n, text);
	p->drawn++;
}

static void draw(struct hilt_progress *p)
{
	struct hilt_sched_counts c;
	struct hilt_sched_running r;
	unsigned cols, rows, shown = 0;
	int64_t now = hilt_now_ns();
	char line[1024];

	erase(p);
	if (p->ended)
		return;
	term_size(p->out, &cols, &rows);
	if (cols < 20)
		cols = 20;
	hilt_sched_counts(p->sched, &c);
	/* Room for the counts line and one of "more". */
	unsigned room = rows > 4 ? rows - 3 : 1;

	for (size_t i = 0; hilt_sched_running_at(p->sched, i, &r); i++) {
		if (shown == room) {
			snprintf(line, sizeof(line), "  ... and %u more running", c.running - shown);
			put_line(p, cols, NULL, line);
			break;
		}
		char *suite = hilt_text_inert(r.suite, strlen(r.suite), HILT_TEXT_TERMINAL);
		char *target = hilt_text_inert(r.target, strlen(r.target), HILT_TEXT_TERMINAL);
		char *kase = r.current_case ? hilt_text_inert(r.current_case, strlen(r.current_case),
							      HILT_TEXT_TERMINAL) : NULL;
		char attempt[32] = "";

		if (r.attempt > 1)
			snprintf(attempt, sizeof(attempt), " (attempt %u)", r.attempt);
		snprintf(line, sizeof(line), "  RUN   %s@%s  %s  %.0f s%s", suite ? suite : "?",
			 target ? target : "?", kase ? kase : "starting",
			 (double)(now - r.started_ns) / 1e9, attempt);
		put_line(p, cols, p->colour ? "\033[36m" : NULL, line);
		free(suite);
		free(target);
		free(kase);
		shown++;
	}
	int off = snprintf(line, sizeof(line), "  %u passed, %u failed, %u errors, %u skipped | "
			   "%u running, %u queued, %u done", c.passed, c.failed, c.errors,
			   c.skipped, c.running, c.queued, c.sessions_done);

	if (c.targets_out && off > 0 && (size_t)off < sizeof(line))
		snprintf(line + off, sizeof(line) - (size_t)off, " | %u target%s out",
			 c.targets_out, c.targets_out == 1 ? "" : "s");
	put_line(p, cols, c.errors || c.targets_out ? "\033[33m" :
			  c.failed ? "\033[31m" : "\033[32m", line);
	fflush(p->out);
	p->last_draw_ns = now;
}

static void tick(struct hilt_loop *loop, void *arg)
{
	struct hilt_progress *p = arg;

	p->timer = 0;
	if (p->ended)
		return;
	draw(p);
	/* The elapsed times move: redrawn every second while nothing else
	 * happens. */
	p->timer = hilt_loop_add_timer(loop, hilt_now_ns() + 1000000000LL, tick, p);
	if (p->timer < 0)
		p->timer = 0;
}

/* Something changed: redraw soon, at most 10 times a second. */
static void changed(struct hilt_progress *p)
{
	int64_t at = p->last_draw_ns + REDRAW_NS;

	if (p->ended)
		return;
	if (p->timer > 0)
		hilt_loop_cancel_timer(p->loop, p->timer);
	p->timer = hilt_loop_add_timer(p->loop, at > hilt_now_ns() ? at : hilt_now_ns(), tick, p);
	if (p->timer < 0)
		p->timer = 0;
}

static void on_started(struct hilt_reporter *rep, const char *suite, const char *target,
		       unsigned attempt)
{
	(void)suite;
	(void)target;
	(void)attempt;
	changed((struct hilt_progress *)rep);
}

/* Lines are printed by the reporters after this one: the block goes first. */
static void on_case(struct hilt_reporter *rep, const struct hilt_session_result *r,
		    const struct hilt_case_result *c)
{
	(void)r;
	(void)c;
	erase((struct hilt_progress *)rep);
	changed((struct hilt_progress *)rep);
}

static void on_session_ended(struct hilt_reporter *rep, const struct hilt_session_result *r,
			     bool final)
{
	(void)r;
	(void)final;
	erase((struct hilt_progress *)rep);
	changed((struct hilt_progress *)rep);
}

static void on_notice(struct hilt_reporter *rep, const char *text)
{
	(void)text;
	erase((struct hilt_progress *)rep);
	changed((struct hilt_progress *)rep);
}

static void on_run_ended(struct hilt_reporter *rep)
{
	struct hilt_progress *p = (struct hilt_progress *)rep;

	erase(p);
	p->ended = true;
	if (p->timer > 0)
		hilt_loop_cancel_timer(p->loop, p->timer);
	p->timer = 0;
}

int hilt_progress_new(struct hilt_loop *loop, const struct hilt_sched *sched, FILE *out,
		      struct hilt_progress **progress)
{
	struct hilt_progress *p = calloc(1, sizeof(*p));
	const char *no_colour = getenv("NO_COLOR");

	if (!p)
		return -ENOMEM;
	p->rep = (struct hilt_reporter){
		.session_started = on_started, .case_ended = on_case,
		.session_ended = on_session_ended, .notice = on_notice,
		.run_ended = on_run_ended, .sched = sched,
	};
	p->loop = loop;
	p->sched = sched;
	p->out = out;
	/* https://no-color.org: set and not empty turns colour off. */
	p->colour = !(no_colour && *no_colour);
	*progress = p;
	return 0;
}

struct hilt_reporter *hilt_progress_reporter(struct hilt_progress *p)
{
	return &p->rep;
}

void hilt_progress_free(struct hilt_progress *p)
{
	if (!p)
		return;
	if (p->timer > 0)
		hilt_loop_cancel_timer(p->loop, p->timer);
	erase(p);
	free(p);
}
