/* <milestone name=".." timeout="..">pattern</milestone>: the console
 * shows pattern, after what the cases before it consumed, within its
 * deadline.  Its time since power-on is a property (boot-time reports
 * compare it between runs). */
#include <stdio.h>
#include <string.h>

#include "runner/cases/case.h"

enum { WATCH_MILESTONE = 1 };

static void milestone_parse(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c)
{
	struct hilt_diags *d = hilt_loader_diags(ld);

	if (hilt_loader_note(ld, hilt_xml_text(d, node, true, &c->expect_src)) < 0)
		return;
	if (strstr(c->expect_src, "${")) {
		hilt_xml_error(d, node, "milestone '%s': ${...} is only allowed in steps",
			       hilt_case_label(c, node));
		return;
	}
	if (hilt_loader_compile(ld, node, hilt_case_label(c, node), c->expect_src, &c->expect) == 0)
		hilt_loader_names(ld, c->expect);
}

static void milestone_begin(struct hilt_case_run *run)
{
	hilt_run_watch(run, WATCH_MILESTONE, hilt_run_case(run)->expect, hilt_run_cursor(run));
}

static void milestone_matched(struct hilt_case_run *run, const struct hilt_match *m)
{
	const struct hilt_case *c = hilt_run_case(run);
	char prop[300], val[32];

	hilt_run_capture(run, c->expect, m);
	hilt_run_verdict(run, HILT_PASS, NULL, NULL, NULL);
	snprintf(prop, sizeof(prop), "milestone.%s.time", c->name);
	snprintf(val, sizeof(val), "%.3f", hilt_run_at_s(run));
	hilt_run_property(run, prop, val);
	hilt_run_consume(run, m->end, m->start);
	hilt_run_done(run);
}

static void milestone_timeout(struct hilt_case_run *run)
{
	const struct hilt_case *c = hilt_run_case(run);

	hilt_run_verdict(run, HILT_FAIL, "milestone-timeout", NULL,
			 "milestone /%s/ not seen within %g s", c->expect_src,
			 hilt_run_timeout_s(run));
}

const struct hilt_case_ops hilt_case_milestone = {
	.element = "milestone",
	.attrs = (const char *const[]){ "name", "timeout", NULL },
	.parse = milestone_parse,
	.begin = milestone_begin,
	.matched = milestone_matched,
	.timeout = milestone_timeout,
};
