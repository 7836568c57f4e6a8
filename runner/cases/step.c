/* <step name=".." timeout=".." wait-prompt="true"><send>command</send>
 * <expect>reply</expect></step>: at the prompt of the <shell> before it,
 * the command is typed (its ${name}s replaced by values captured
 * earlier), its echo awaited (when the shell echoes), then the reply,
 * then the prompt again (unless wait-prompt="false": a command that hands
 * the console over, as U-Boot's booti does, passes on its reply).
 * In a recording, what was typed is checked against the echo it shows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ansi.h"
#include "runner/cases/case.h"

enum { WATCH_REPLY = 1, WATCH_PROMPT, WATCH_ECHO };

struct step {
	char *send;		/* the command, ${name} allowed */
	/* The prompt comes back after the reply (false: the command hands
	 * the console over). */
	bool wait_prompt;
};

enum step_phase {
	STEP_WAIT_PROMPT,	/* before sending */
	STEP_WAIT_ECHO,
	STEP_WAIT_EXPECT,
	STEP_WAIT_DONE,		/* expectation met, waiting for the prompt */
};

struct step_run {
	enum step_phase phase;
	const struct hilt_pattern *expect;	/* the step's expectation */
	struct hilt_pattern *expect_owned;	/* compiled with captured values */
	struct hilt_pattern *line_end;
	char *sent;		/* the command typed, for checking a recording */
	uint64_t sent_at;	/* where its echo starts */
	uint64_t reply_from;	/* where the reply starts */
};

static void step_parse(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c)
{
	struct hilt_diags *d = hilt_loader_diags(ld);
	struct step *st = calloc(1, sizeof(*st));
	const xmlNode *send = NULL, *expect = NULL;

	if (!st) {
		hilt_loader_note(ld, -ENOMEM);
		return;
	}
	c->data = st;
	st->wait_prompt = true;
	hilt_xml_bool(d, node, "wait-prompt", &st->wait_prompt);
	hilt_xml_check_element_only(d, node);
	for (const xmlNode *ch = node->children; ch; ch = ch->next) {
		const xmlNode **slot = NULL;

		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(ch, "send"))
			slot = &send;
		else if (hilt_xml_is(ch, "expect"))
			slot = &expect;
		else
			hilt_xml_error(d, ch,
				       "unknown element <%s> in <step> (expected <send> and <expect>)",
				       (const char *)ch->name);
		if (!slot)
			continue;
		hilt_xml_check_attrs(d, ch, (const char *const[]){ NULL });
		if (*slot)
			hilt_xml_error(d, ch, "<step> takes one <%s>", (const char *)ch->name);
		else
			*slot = ch;
	}
	if (!send || !expect)
		hilt_xml_error(d, node, "step '%s' needs a <send> and an <expect>",
			       hilt_case_label(c, node));
	if (!hilt_loader_shell_seen(ld))
		hilt_xml_error(d, node, "step '%s' needs a <shell prompt=...> before it",
			       hilt_case_label(c, node));
	if (send && hilt_loader_note(ld, hilt_xml_text(d, send, true, &st->send)) == 0) {
		if (strpbrk(st->send, "\r\n"))
			hilt_xml_error(d, send, "<send> must be a single line");
		else
			hilt_loader_vars(ld, send, st->send);
	}
	if (expect && hilt_loader_note(ld, hilt_xml_text(d, expect, true, &c->expect_src)) == 0)
		hilt_loader_expect(ld, expect, c, hilt_case_label(c, node));
}

static void step_free(struct hilt_case *c)
{
	struct step *st = c->data;

	if (st)
		free(st->send);
	free(st);
}

/* Sends the command at the prompt that ended at prompt_end. */
static void step_send(struct hilt_case_run *run, uint64_t prompt_end)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct step *st = c->data;
	struct step_run *r = hilt_run_state(run);
	char err[256];
	char *line = hilt_run_expand(run, st->send, false, err, sizeof(err));
	const struct hilt_shell *sh = hilt_run_shell(run);

	if (!line) {
		hilt_run_verdict(run, HILT_ERROR, "runner", NULL,
				 "cannot build the command: %s", err);
		hilt_run_done(run);
		return;
	}
	free(r->sent);
	r->sent = NULL;
	if (!hilt_run_recorded(run)) {
		/* The watches below are set before the first chunk goes. */
		hilt_run_unwatch(run, WATCH_PROMPT);
		int rc = hilt_run_type_paced(run, line, sh->line_end, sh->echo, prompt_end);

		free(line);
		if (rc < 0)
			return;
	} else if (!sh->echo) {
		/* A recording cannot be typed at: what was typed then can be
		 * judged by its echo only. */
		hilt_run_verdict(run, HILT_SKIP, "replay-unverified", NULL,
				 "replayed, not verified: step '%s' has no echo (echo=\"false\"), "
				 "so the recording cannot show what was typed", line);
		free(line);
		hilt_run_done(run);
		return;
	} else {
		/* Checked against the echo the recording holds (echo_shows). */
		r->sent = line;
		r->sent_at = prompt_end;
	}
	/* The reply follows the prompt the command was typed at.  Live, the
	 * shell prints nothing after its prompt until it reads a command;
	 * in a recording, the reply is already there after that prompt. */
	uint64_t now_off = prompt_end;

	hilt_run_unwatch(run, WATCH_PROMPT);
	if (sh->echo) {
		r->phase = STEP_WAIT_ECHO;
		hilt_run_watch(run, WATCH_ECHO, r->line_end, now_off);
	} else {
		r->phase = STEP_WAIT_EXPECT;
		r->reply_from = now_off;
		hilt_run_watch(run, WATCH_REPLY, r->expect, now_off);
		hilt_run_watch(run, WATCH_PROMPT, sh->prompt, now_off);
	}
}

static void step_begin(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct step *st = c->data;
	struct step_run *r = hilt_run_state(run);
	char err[256];

	if (hilt_pattern_compile("\\n", &r->line_end, err, sizeof(err)) < 0) {
		hilt_run_verdict(run, HILT_ERROR, "runner", NULL, "%s", err);
		hilt_run_done(run);
		return;
	}
	/* The suite compiled the patterns without ${var}; the others are
	 * compiled now that the captured values are known. */
	if (c->expect) {
		r->expect = c->expect;
	} else {
		char *re = hilt_run_expand(run, c->expect_src, true, err, sizeof(err));
		int rc = re ? hilt_pattern_compile(re, &r->expect_owned, err, sizeof(err))
			    : -EINVAL;

		free(re);
		if (rc) {
			hilt_run_verdict(run, HILT_FAIL, "step-setup", NULL,
					 "step '%s': cannot use the captured values in /%s/: %s",
					 st->send, c->expect_src, err);
			hilt_run_done(run);
			return;
		}
		r->expect = r->expect_owned;
	}
	/* The prompt that ended the previous case may be the very text the
	 * last milestone matched, so look from that match's start. */
	r->phase = STEP_WAIT_PROMPT;
	hilt_run_watch(run, WATCH_PROMPT, hilt_run_shell(run)->prompt, hilt_run_last_match(run));
}

/* Whether the echoed line [from, to) of a recording is the command sent,
 * once its escape sequences and control bytes are set aside (a shell
 * queries the cursor after its prompt).  If not, the step fails (and is
 * done). */
static bool echo_shows(struct hilt_case_run *run, uint64_t from, uint64_t to, const char *sent)
{
	const struct step *st = hilt_run_case(run)->data;
	char echo[1024];
	struct hilt_ansi ansi = { 0 };
	size_t n = hilt_run_copy(run, from, to, echo, sizeof(echo)), k = 0;

	n = hilt_ansi_strip(&ansi, echo, n, echo);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)echo[i] >= 0x20 && echo[i] != 0x7f)
			echo[k++] = echo[i];
	echo[k] = '\0';
	if (strcmp(echo, sent) == 0)
		return true;
	hilt_run_verdict(run, HILT_FAIL, "replay-echo", echo,
			 "step '%s': the recording shows \"%s\" typed at this prompt, not \"%s\"",
			 st->send, echo, sent);
	hilt_run_consume(run, from, from);
	hilt_run_done(run);
	return false;
}

static void step_matched(struct hilt_case_run *run, const struct hilt_match *m)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct step *st = c->data;
	struct step_run *r = hilt_run_state(run);

	switch (r->phase) {
	case STEP_WAIT_PROMPT:
		if (m->id == WATCH_PROMPT)
			step_send(run, m->end);
		break;
	case STEP_WAIT_ECHO:
		hilt_run_unwatch(run, WATCH_ECHO);
		if (r->sent && !echo_shows(run, r->sent_at, m->start, r->sent))
			break;
		r->phase = STEP_WAIT_EXPECT;
		r->reply_from = m->end;
		hilt_run_watch(run, WATCH_REPLY, r->expect, m->end);
		hilt_run_watch(run, WATCH_PROMPT, hilt_run_shell(run)->prompt, m->end);
		break;
	case STEP_WAIT_EXPECT:
		if (m->id == WATCH_REPLY) {
			hilt_run_capture(run, r->expect, m);
			hilt_run_unwatch(run, WATCH_REPLY);
			r->phase = STEP_WAIT_DONE;
			hilt_run_consume(run, m->end, hilt_run_last_match(run));
			/* A command that hands the console over (booti)
			 * passes on its reply: its prompt never comes back. */
			if (!st->wait_prompt) {
				hilt_run_verdict(run, HILT_PASS, NULL, NULL, NULL);
				hilt_run_consume(run, m->end, m->start);
				hilt_run_done(run);
			}
			break;
		}
		/* The prompt came back without the expected reply. */
		char reply[2048];
		size_t n = hilt_run_copy(run, r->reply_from, m->start, reply, sizeof(reply));

		while (n && (reply[n - 1] == '\n' || reply[n - 1] == '\r'))
			reply[--n] = '\0';
		hilt_run_verdict(run, HILT_FAIL, "step-mismatch", reply,
				 "step '%s': reply did not match /%s/: got \"%.*s\"%s", st->send,
				 c->expect_src, (int)strcspn(reply, "\r\n"), reply,
				 reply[strcspn(reply, "\r\n")] ? " ..." : "");
		hilt_run_consume(run, m->start, m->start);
		hilt_run_done(run);
		break;
	case STEP_WAIT_DONE:
		hilt_run_verdict(run, HILT_PASS, NULL, NULL, NULL);
		hilt_run_consume(run, m->start, m->start);
		hilt_run_done(run);
		break;
	}
}

static void step_timeout(struct hilt_case_run *run)
{
	static const char *const phase_what[] = {
		[STEP_WAIT_PROMPT] = "no shell prompt to send the command at",
		[STEP_WAIT_ECHO] = "the command was not echoed",
		[STEP_WAIT_EXPECT] = "the expected reply did not come",
		[STEP_WAIT_DONE] = "no shell prompt after the reply",
	};
	const struct hilt_case *c = hilt_run_case(run);
	const struct step *st = c->data;
	const struct step_run *r = hilt_run_state(run);
	struct hilt_paced p;
	char reply[2048] = "";

	if (r->phase >= STEP_WAIT_EXPECT)
		hilt_run_lines(run, r->reply_from, reply, sizeof(reply));
	if (hilt_run_paced(run, &p)) {
		/* Paced, the chunk whose echo never came says how far the
		 * device took what was typed. */
		size_t from = p.typed - (p.typed % p.pace ? p.typed % p.pace : p.pace);

		hilt_run_verdict(run, HILT_FAIL, "step-timeout", NULL,
				 "step '%s': typed %zu of %zu bytes %u at a time (pace=\"%u\"); the echo "
				 "of \"%.*s\" did not come within %g s", st->send, p.typed,
				 p.len, p.pace, p.pace, (int)(p.typed - from),
				 p.text + from, hilt_run_timeout_s(run));
		return;
	}
	hilt_run_verdict(run, HILT_FAIL, "step-timeout", *reply ? reply : NULL,
			 "step '%s': %s within %g s (expected /%s/)", st->send,
			 phase_what[r->phase], hilt_run_timeout_s(run), c->expect_src);
}

static void step_end(struct hilt_case_run *run)
{
	struct step_run *r = hilt_run_state(run);

	hilt_pattern_free(r->expect_owned);
	hilt_pattern_free(r->line_end);
	free(r->sent);
}

const struct hilt_case_ops hilt_case_step = {
	.element = "step",
	.attrs = (const char *const[]){ "name", "timeout", "wait-prompt", NULL },
	.parse = step_parse,
	.free = step_free,
	.run_size = sizeof(struct step_run),
	.begin = step_begin,
	.matched = step_matched,
	.timeout = step_timeout,
	.end = step_end,
};
