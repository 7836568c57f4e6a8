/* <interrupt name=".." send="KEY" every="0.2">pattern</interrupt>: a
 * countdown (U-Boot's autoboot) stopped.  Once pattern shows, KEY is
 * sent every so often until the prompt of the <shell> before it shows.
 * Not stopped, the bootloader goes its own way: nothing after it could
 * be typed at its prompt, so a failed interrupt ends the session. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "runner/cases/case.h"

enum { WATCH_COUNTDOWN = 1, WATCH_PROMPT };

struct interrupt {
	char *key;		/* escapes decoded */
	double every_s;		/* how often the key is sent again */
};

struct interrupt_run {
	bool prompt_phase;	/* the countdown seen, the key going */
	unsigned keys_sent;
};

/* The key of an <interrupt>: text with C escapes (\\xNN, \\r, \\n, \\t,
 * \\e, \\\\), no NUL.  NULL (with the error reported) when bad. */
static char *decode_key(struct hilt_loader *ld, const xmlNode *node, const char *v)
{
	struct hilt_diags *d = hilt_loader_diags(ld);
	char *out = malloc(strlen(v) + 1), *o = out;

	if (!out) {
		hilt_loader_note(ld, -ENOMEM);
		return NULL;
	}
	for (const char *p = v; *p; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		switch (*p) {
		case 'r': *o++ = '\r'; break;
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'e': *o++ = 0x1b; break;
		case '\\': *o++ = '\\'; break;
		case 'x': {
			unsigned v2 = 0;
			int k = 0;

			for (; k < 2 && isxdigit((unsigned char)p[1]); k++, p++)
				v2 = v2 * 16 + (unsigned)(isdigit((unsigned char)p[1]) ? p[1] - '0'
							: (tolower((unsigned char)p[1]) - 'a' + 10));
			if (k && v2) {
				*o++ = (char)v2;
				break;
			}
		}
			/* fall through */
		default:
			hilt_xml_error(d, node, "send=\"%s\": a bad escape (\\xNN but not "
				       "\\x00, \\r, \\n, \\t, \\e or \\\\)", v);
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	if (o == out) {
		hilt_xml_error(d, node, "send=\"\" sends nothing");
		free(out);
		return NULL;
	}
	return out;
}

static void interrupt_parse(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c)
{
	struct hilt_diags *d = hilt_loader_diags(ld);
	struct interrupt *in = calloc(1, sizeof(*in));
	char *key;

	if (!in) {
		hilt_loader_note(ld, -ENOMEM);
		return;
	}
	c->data = in;
	if (hilt_loader_note(ld, hilt_xml_text(d, node, true, &c->expect_src)) < 0)
		return;
	in->every_s = 0.2;
	hilt_xml_seconds(d, node, "every", &in->every_s);
	if (in->every_s < 0.01) {
		hilt_xml_error(d, node, "interrupt '%s': every=\"%g\" is less than 0.01 s",
			       hilt_case_label(c, node), in->every_s);
		in->every_s = 0.2;
	}
	key = hilt_xml_attr_required(d, node, "send");
	if (key)
		in->key = decode_key(ld, node, key);
	free(key);
	if (!hilt_loader_shell_seen(ld))
		hilt_xml_error(d, node, "interrupt '%s' needs a <shell prompt=...> before it: "
			       "the key is sent until that prompt shows", hilt_case_label(c, node));
	if (strstr(c->expect_src, "${")) {
		hilt_xml_error(d, node, "interrupt '%s': ${...} is only allowed in steps",
			       hilt_case_label(c, node));
		return;
	}
	if (hilt_loader_compile(ld, node, hilt_case_label(c, node), c->expect_src, &c->expect) == 0)
		hilt_loader_names(ld, c->expect);
}

static void interrupt_free(struct hilt_case *c)
{
	struct interrupt *in = c->data;

	if (in)
		free(in->key);
	free(in);
}

/* Sends the key (a recording cannot be typed at: it is waited for the
 * prompt only), and arms the next. */
static void send_key(struct hilt_case_run *run)
{
	const struct interrupt *in = hilt_run_case(run)->data;
	struct interrupt_run *r = hilt_run_state(run);

	if (!hilt_run_recorded(run)) {
		if (hilt_run_type(run, in->key) < 0)
			return;
		r->keys_sent++;
	}
	hilt_run_timer(run, in->every_s);
}

static void interrupt_key_due(struct hilt_case_run *run)
{
	const struct interrupt_run *r = hilt_run_state(run);

	if (r->prompt_phase)
		send_key(run);
}

static void interrupt_begin(struct hilt_case_run *run)
{
	hilt_run_watch(run, WATCH_COUNTDOWN, hilt_run_case(run)->expect, hilt_run_cursor(run));
}

static void interrupt_matched(struct hilt_case_run *run, const struct hilt_match *m)
{
	const struct hilt_case *c = hilt_run_case(run);
	struct interrupt_run *r = hilt_run_state(run);
	char prop[300], val[32];

	if (m->id == WATCH_COUNTDOWN && !r->prompt_phase) {
		hilt_run_capture(run, c->expect, m);
		hilt_run_unwatch(run, WATCH_COUNTDOWN);
		r->prompt_phase = true;
		hilt_run_consume(run, m->end, hilt_run_last_match(run));
		hilt_run_watch(run, WATCH_PROMPT, hilt_run_shell(run)->prompt, m->end);
		send_key(run);
		return;
	}
	if (m->id != WATCH_PROMPT || !r->prompt_phase)
		return;
	hilt_run_verdict(run, HILT_PASS, NULL, NULL, NULL);
	snprintf(prop, sizeof(prop), "milestone.%s.time", c->name);
	snprintf(val, sizeof(val), "%.3f", hilt_run_at_s(run));
	hilt_run_property(run, prop, val);
	snprintf(prop, sizeof(prop), "interrupt.%s.keys", c->name);
	snprintf(val, sizeof(val), "%u", r->keys_sent);
	hilt_run_property(run, prop, val);
	hilt_run_consume(run, m->end, m->start);
	hilt_run_done(run);
}

static void interrupt_timeout(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);
	const struct interrupt *in = c->data;
	const struct interrupt_run *r = hilt_run_state(run);
	const struct hilt_shell *sh = hilt_run_shell(run);
	char *key = hilt_text_inert(in->key, strlen(in->key), HILT_TEXT_TERMINAL);

	if (!r->prompt_phase)
		hilt_run_verdict(run, HILT_FAIL, "interrupt", NULL,
				 "interrupt '%s': /%s/ not seen within %g s", c->name, c->expect_src,
				 hilt_run_timeout_s(run));
	else
		hilt_run_verdict(run, HILT_FAIL, "interrupt", NULL,
				 "interrupt '%s': the prompt /%s/ did not show within %g s; \"%s\" was "
				 "sent %u times after /%s/", c->name,
				 sh && sh->prompt ? hilt_pattern_source(sh->prompt) : "?",
				 hilt_run_timeout_s(run), key ? key : "?", r->keys_sent, c->expect_src);
	free(key);
	hilt_run_end_session(run, "interrupt '%s' failed", c->name);
}

const struct hilt_case_ops hilt_case_interrupt = {
	.element = "interrupt",
	.attrs = (const char *const[]){ "name", "timeout", "send", "every", NULL },
	.parse = interrupt_parse,
	.free = interrupt_free,
	.run_size = sizeof(struct interrupt_run),
	.begin = interrupt_begin,
	.matched = interrupt_matched,
	.timeout = interrupt_timeout,
	.timer = interrupt_key_due,
};
