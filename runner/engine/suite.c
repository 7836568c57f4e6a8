/* The suite loader: reads a suite file into struct hilt_suite, checking
 * it all and reporting every mistake with its line.
 *
 *   failure patterns   the default sets (linux, uboot, ipxe), <failure-
 *                      patterns> with <pattern> and <disable>
 *   <kernel-reports>   the kernel report reader's policy, and the linux
 *                      defaults it reads in their place
 *   ${name} variables  which names earlier patterns capture, the checks
 *                      of each reference, hilt_expand_vars()
 *   patterns           compiled with their mistakes told at their line
 *   what kinds borrow  hilt_loader_*: the loader lent to a case kind's
 *                      parse (runner/cases/case.h)
 *   <shell>, <requires>, the suite's attributes
 *   cases              what every case has (name, timeout, shell); the
 *                      rest is its kind's parse, found by element name
 *   hilt_suite_load()  the root, each element dispatched in order */
#define _GNU_SOURCE
#include "runner/engine/suite.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/template.h"
#include "base/xmlfile.h"
#include "runner/cases/case.h"
#include "runner/engine/kreport.h"

/* The failure patterns every Linux suite gets unless it opts out. */
static const struct {
	const char *name;
	const char *re;
} linux_failures[] = {
	{ "kernel-panic", "Kernel panic - not syncing" },
	{ "oops", "\\bOops(: |\\b)" },
	{ "bug", "\\bBUG: " },
	{ "unable-to-handle", "Unable to handle kernel " },
	{ "warning", "(?s)\\bWARNING: .{0,16384}?---\\[ end trace" },
	{ "invalid-opcode", "invalid opcode: " },
	/* arm and arm64 print their oops so. */
	{ "internal-error", "\\bInternal error: " },
};

struct default_failure {
	const char *name, *re;
	unsigned allowed;
};

/* U-Boot's ways of failing a boot (defaults="linux uboot"); the sign-on
 * (its banner, a blank line, then what it found) fails the second time. */
static const struct default_failure uboot_failures[] = {
	{ "uboot-second-sign-on",
	  "^U-Boot \\d{4}\\.\\d{2}[^\\r\\n]*\\r?\\n\\r?\\n(DRAM|CPU|Model|SoC):", 1 },
	{ "uboot-error", "^## Error", 0 },
	{ "uboot-bad-image-magic", "Bad Linux ARM64 Image magic", 0 },
	{ "uboot-wrong-image-format", "Wrong Image Format", 0 },
	{ "uboot-retry-exceeded", "Retry count exceeded", 0 },
	{ "uboot-tftp-not-found", "TFTP error: 'File not found'", 0 },
	/* load, fatload, ext4load of a file the disk lacks or cannot give. */
	{ "uboot-load-failed",
	  "^(Failed to load '[^'\\r\\n]*'|\\*\\* (File not found|Unable to read file) [^\\r\\n]*\\*\\*)", 0 },
	{ "uboot-reset", "resetting \\.\\.\\.$", 0 },
};

/* iPXE's (defaults="ipxe"): a step ("http://10.0.2.5/vmlinuz...") that
 * ends in an error rather than "ok"; every error it prints, which ends in
 * the URL of its explanation ("No such file or directory
 * (http://ipxe.org/2d0c613b)"), though a BIOS console of 80 columns may
 * break that URL; and a boot that found nothing to boot. */
static const struct default_failure ipxe_failures[] = {
	{ "ipxe-step-failed", "^[^\\r\\n]*\\S\\.\\.\\. (?!ok\\b)[A-Z][a-z]+ [^\\r\\n]*", 0 },
	{ "ipxe-error", "[^\\r\\n]*\\(https?://ipxe\\.org/[0-9a-f]{8}\\)", 0 },
	{ "ipxe-no-boot", "^No more network devices", 0 },
};

/* The sets of patterns a suite may ask for by name, besides linux. */
static const struct {
	const char *name;
	const struct default_failure *v;
	size_t n;
} failure_sets[] = {
	{ "uboot", uboot_failures, sizeof(uboot_failures) / sizeof(*uboot_failures) },
	{ "ipxe", ipxe_failures, sizeof(ipxe_failures) / sizeof(*ipxe_failures) },
};

void hilt_suite_free(struct hilt_suite *suite)
{
	if (!suite)
		return;
	for (size_t i = 0; i < suite->ncases; i++) {
		struct hilt_case *c = &suite->cases[i];

		if (c->ops && c->ops->free)
			c->ops->free(c);
		free(c->name);
		free(c->expect_src);
		hilt_pattern_free(c->expect);
	}
	for (size_t i = 0; i < suite->nfailures; i++) {
		free(suite->failures[i].name);
		hilt_pattern_free(suite->failures[i].pattern);
	}
	for (size_t i = 0; i < suite->nshells; i++)
		hilt_pattern_free(suite->shells[i].prompt);
	free(suite->shells);
	for (size_t i = 0; i < suite->kreports.nignore; i++)
		free(suite->kreports.ignore[i]);
	free(suite->kreports.ignore);
	for (size_t i = 0; i < suite->nrequires; i++)
		free(suite->requires[i]);
	free(suite->requires);
	for (size_t i = 0; i < suite->ncaptures; i++)
		free(suite->captures[i]);
	free(suite->captures);
	for (size_t i = 0; i < suite->nboot_vars; i++)
		free(suite->boot_vars[i]);
	free(suite->boot_vars);
	free(suite->cases);
	free(suite->failures);
	free(suite->name);
	free(suite->path);
	free(suite);
}

char *hilt_expand_vars(const char *tmpl, const char *const *names,
		       const char *const *values, size_t n, bool quote,
		       char *err, size_t errlen)
{
	struct hilt_template_vars v = { names, values, n };
	struct hilt_template t = {
		.syntax = HILT_TEMPLATE_DOLLAR,
		.lookup = hilt_template_lookup_vars,
		.arg = &v,
		.quote = quote ? hilt_regex_quote : NULL,
	};

	return hilt_template_expand(tmpl, &t, err, errlen);
}

struct var_check {
	char **known;
	size_t nknown;
	const char *missing;
	size_t missing_len;
};

static int check_known(const char *name, size_t len, void *arg)
{
	struct var_check *vc = arg;

	for (size_t i = 0; i < vc->nknown; i++)
		if (strlen(vc->known[i]) == len &&
		    strncmp(vc->known[i], name, len) == 0)
			return 0;
	vc->missing = name;
	vc->missing_len = len;
	return -ENOENT;
}

/* The loader reads on after a mistake, as a compiler does: every element
 * is checked on its own, and what depends on a bad part is not checked
 * (nor reported) again.  -ENOMEM ends it at once. */
struct hilt_loader {
	struct hilt_diags *d;
	struct hilt_suite *suite;
	char **vars;		/* names captured by earlier patterns */
	size_t nvars;
	bool shell_seen;	/* a <shell>, even a bad one, came before */
	bool linux_defaults;	/* the suite has them (<failure-patterns defaults>) */
	bool kreports_seen;	/* a <kernel-reports> came */
	bool oom;
};

/* rc of one check: remembers running out of memory, which ends the load. */
static int note(struct hilt_loader *ld, int rc)
{
	if (rc == -ENOMEM)
		ld->oom = true;
	return rc;
}

static int add_failure(struct hilt_suite *s, const char *name,
		       struct hilt_pattern *p)
{
	struct hilt_failure_pattern *f =
		realloc(s->failures, (s->nfailures + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	s->failures = f;
	f[s->nfailures] = (struct hilt_failure_pattern){ .name = strdup(name), .pattern = p };
	if (!f[s->nfailures].name)
		return -ENOMEM;
	s->nfailures++;
	return 0;
}

static int add_var(struct hilt_loader *ld, const char *name, size_t len)
{
	char **v = realloc(ld->vars, (ld->nvars + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	ld->vars = v;
	if (!(v[ld->nvars] = strndup(name, len)))
		return -ENOMEM;
	ld->nvars++;
	return 0;
}

/* A pattern that does not compile still names its groups: they are taken
 * from its text so that a later ${name} is not reported as well. */
static int record_names_in_text(struct hilt_loader *ld, const char *re)
{
	static const char *const opens[] = { "(?'", "(?<", "(?P<" };

	for (const char *p = re; *p; p++) {
		for (size_t i = 0; i < sizeof(opens) / sizeof(*opens); i++) {
			size_t olen = strlen(opens[i]);

			if (strncmp(p, opens[i], olen) != 0)
				continue;
			const char *name = p + olen;
			size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

			if (len && (name[len] == '\'' || name[len] == '>') &&
			    add_var(ld, name, len) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int compile_at(struct hilt_loader *ld, const xmlNode *node, const char *what,
		      const char *re, struct hilt_pattern **out)
{
	char rerr[300];

	*out = NULL;
	if (!*re)
		return hilt_xml_error(ld->d, node, "%s: empty pattern", what);
	int rc = hilt_pattern_compile(re, out, rerr, sizeof(rerr));

	if (rc == -ENOMEM)
		return note(ld, rc);
	if (rc < 0) {
		*out = NULL;
		if (note(ld, record_names_in_text(ld, re)) < 0)
			return -ENOMEM;
		return hilt_xml_error(ld->d, node, "%s: bad regular expression /%s/ at %s",
				      what, re, rerr);
	}
	return 0;
}

static int record_names(struct hilt_loader *ld, const struct hilt_pattern *p)
{
	for (unsigned i = 0; i < hilt_pattern_name_count(p); i++) {
		unsigned group;
		const char *name = hilt_pattern_name(p, i, &group);

		if (note(ld, add_var(ld, name, strlen(name))) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int check_vars(struct hilt_loader *ld, const xmlNode *node, const char *s)
{
	struct var_check vc = { .known = ld->vars, .nknown = ld->nvars };
	int rc = hilt_template_each(s, HILT_TEMPLATE_DOLLAR, true, check_known, &vc);

	/* A suite that starts at a shell may use what its boot captured. */
	while (rc == -ENOENT && ld->suite->start != HILT_START_POWER_ON) {
		struct hilt_suite *st = ld->suite;
		char **v = realloc(st->boot_vars, (st->nboot_vars + 1) * sizeof(*v));

		if (v)
			st->boot_vars = v;
		if (!v || !(v[st->nboot_vars] = strndup(vc.missing, vc.missing_len)))
			return note(ld, -ENOMEM);
		st->nboot_vars++;
		if (note(ld, add_var(ld, vc.missing, vc.missing_len)) < 0)
			return -ENOMEM;
		vc = (struct var_check){ .known = ld->vars, .nknown = ld->nvars };
		rc = hilt_template_each(s, HILT_TEMPLATE_DOLLAR, true, check_known, &vc);
	}
	if (rc == -EINVAL)
		return hilt_xml_error(ld->d, node, "malformed ${name} reference in '%s'", s);
	if (rc == -ENOENT)
		return hilt_xml_error(ld->d, node,
				      "${%.*s} is not captured by any earlier pattern (use a named group such as (?'%.*s'...))",
				      (int)vc.missing_len, vc.missing,
				      (int)vc.missing_len, vc.missing);
	return rc;
}

/* Compiles a pattern that may hold ${var}: with the variables present
 * only a trial compile (with a placeholder value) checks it now. */
static int load_expect(struct hilt_loader *ld, const xmlNode *node,
		       struct hilt_case *c, const char *what)
{
	int rc = check_vars(ld, node, c->expect_src);

	if (rc)
		return rc;
	if (!strstr(c->expect_src, "${")) {
		rc = compile_at(ld, node, what, c->expect_src, &c->expect);
		return rc ? rc : record_names(ld, c->expect);
	}

	const char *values[64];
	size_t n = ld->nvars < 64 ? ld->nvars : 64;

	for (size_t i = 0; i < n; i++)
		values[i] = "x";
	char verr[128];
	char *trial = hilt_expand_vars(c->expect_src, (const char *const *)ld->vars,
				       values, n, true, verr, sizeof(verr));
	struct hilt_pattern *p = NULL;

	if (!trial)
		return hilt_xml_error(ld->d, node, "%s", verr);
	rc = compile_at(ld, node, what, trial, &p);
	free(trial);
	if (rc == 0)
		rc = record_names(ld, p);
	hilt_pattern_free(p);
	return rc;
}

/* What the loader lends a case kind's parse (runner/cases/case.h). */

struct hilt_diags *hilt_loader_diags(struct hilt_loader *ld)
{
	return ld->d;
}

int hilt_loader_note(struct hilt_loader *ld, int rc)
{
	return note(ld, rc);
}

bool hilt_loader_out_of_memory(const struct hilt_loader *ld)
{
	return ld->oom;
}

bool hilt_loader_shell_seen(const struct hilt_loader *ld)
{
	return ld->shell_seen;
}

int hilt_loader_compile(struct hilt_loader *ld, const xmlNode *node, const char *what,
			const char *re, struct hilt_pattern **out)
{
	return compile_at(ld, node, what, re, out);
}

int hilt_loader_names(struct hilt_loader *ld, const struct hilt_pattern *p)
{
	return record_names(ld, p);
}

int hilt_loader_vars(struct hilt_loader *ld, const xmlNode *node, const char *s)
{
	return check_vars(ld, node, s);
}

int hilt_loader_expect(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c,
		       const char *what)
{
	return load_expect(ld, node, c, what);
}

static void drop_failure(struct hilt_suite *s, size_t i)
{
	free(s->failures[i].name);
	hilt_pattern_free(s->failures[i].pattern);
	memmove(&s->failures[i], &s->failures[i + 1],
		(s->nfailures - i - 1) * sizeof(*s->failures));
	s->nfailures--;
}

static void parse_disable(struct hilt_loader *ld, const xmlNode *c)
{
	static const char *const attrs[] = { "name", NULL };
	struct hilt_suite *s = ld->suite;
	char *name = hilt_xml_attr_required(ld->d, c, "name");
	size_t i;

	hilt_xml_check_attrs(ld->d, c, attrs);
	if (!name)
		return;
	for (i = 0; i < s->nfailures; i++)
		if (strcmp(s->failures[i].name, name) == 0)
			break;
	if (i == s->nfailures)
		hilt_xml_error(ld->d, c, "no failure pattern named '%s' to disable", name);
	else
		drop_failure(s, i);
	free(name);
}

static void parse_failure_pattern(struct hilt_loader *ld, const xmlNode *c)
{
	static const char *const attrs[] = { "name", "after", NULL };
	struct hilt_suite *s = ld->suite;
	char *name = hilt_xml_attr_required(ld->d, c, "name");
	char *re = NULL;
	struct hilt_pattern *p = NULL;
	int rc = 0;

	hilt_xml_check_attrs(ld->d, c, attrs);
	for (size_t i = 0; name && i < s->nfailures; i++)
		if (strcmp(s->failures[i].name, name) == 0)
			rc = hilt_xml_error(ld->d, c, "failure pattern '%s' is defined twice", name);
	char *after = hilt_xml_attr(c, "after");
	unsigned long allowed = 0;

	if (after) {
		char *end;

		errno = 0;
		allowed = strtoul(after, &end, 10);
		if (errno || end == after || *end || *after == '-' || allowed > 1000)
			rc = hilt_xml_error(ld->d, c, "after=\"%s\": how many matches pass before "
					    "one fails, 0 to 1000", after);
		free(after);
	}
	if (note(ld, hilt_xml_text(ld->d, c, true, &re)) == 0 &&
	    compile_at(ld, c, name ? name : "<pattern>", re, &p) == 0 && name && rc == 0) {
		if (note(ld, add_failure(s, name, p)) == 0) {
			p = NULL;
			s->failures[s->nfailures - 1].allowed = (unsigned)allowed;
		}
	}
	hilt_pattern_free(p);
	free(re);
	free(name);
}

static void parse_failures(struct hilt_loader *ld, const xmlNode *node)
{
	static const char *const attrs[] = { "defaults", NULL };
	struct hilt_suite *s = ld->suite;
	char *defaults = hilt_xml_attr(node, "defaults");

	hilt_xml_check_attrs(ld->d, node, attrs);
	hilt_xml_check_element_only(ld->d, node);
	/* defaults: the sets named, space-separated (linux, uboot), or none:
	 * the Linux set is on unless it is left out. */
	if (defaults) {
		bool linux_set = false, bad = false, none = false;
		bool sets[sizeof(failure_sets) / sizeof(*failure_sets)] = { false };
		size_t nsets = sizeof(failure_sets) / sizeof(*failure_sets), named = 0;
		char *save = NULL, *w;

		for (w = strtok_r(defaults, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			size_t k = 0;

			while (k < nsets && strcmp(w, failure_sets[k].name))
				k++;
			if (!strcmp(w, "linux"))
				linux_set = true;
			else if (k < nsets)
				sets[k] = true, named++;
			else if (!strcmp(w, "none"))
				none = true;
			else
				bad = true;
		}
		if (bad || (none && (linux_set || named)))
			hilt_xml_error(ld->d, node, "defaults must be 'none' or sets of 'linux', "
				       "'uboot' and 'ipxe' (\"linux uboot\")");
		if (!linux_set)
			while (s->nfailures)
				drop_failure(s, s->nfailures - 1);
		ld->linux_defaults = linux_set;
		for (size_t k = 0; k < nsets && !ld->oom; k++) {
			for (size_t i = 0; sets[k] && i < failure_sets[k].n; i++) {
				const struct default_failure *f = &failure_sets[k].v[i];
				struct hilt_pattern *p;
				char err[256];

				if (hilt_pattern_compile(f->re, &p, err, sizeof(err)) ||
				    add_failure(s, f->name, p)) {
					ld->oom = true;
					break;
				}
				s->failures[s->nfailures - 1].allowed = f->allowed;
			}
		}
	}
	free(defaults);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "disable"))
			parse_disable(ld, c);
		else if (hilt_xml_is(c, "pattern"))
			parse_failure_pattern(ld, c);
		else
			hilt_xml_error(ld->d, c,
				       "unknown element <%s> in <failure-patterns> (expected <pattern> or <disable>)",
				       (const char *)c->name);
	}
}

static void parse_shell(struct hilt_loader *ld, const xmlNode *node)
{
	static const char *const attrs[] = { "prompt", "echo", "line-end", "pace", NULL };
	struct hilt_suite *s = ld->suite;
	struct hilt_shell *sh, *more;
	char *prompt, *le;

	hilt_xml_check_attrs(ld->d, node, attrs);
	hilt_xml_check_element_only(ld->d, node);
	more = realloc(s->shells, (s->nshells + 1) * sizeof(*more));
	if (!more) {
		ld->oom = true;
		return;
	}
	s->shells = more;
	sh = &s->shells[s->nshells++];
	*sh = (struct hilt_shell){ .echo = true, .line_end = "\n", .line = xmlGetLineNo(node) };
	ld->shell_seen = true;
	prompt = hilt_xml_attr_required(ld->d, node, "prompt");
	if (prompt)
		compile_at(ld, node, "shell prompt", prompt, &sh->prompt);
	hilt_xml_bool(ld->d, node, "echo", &sh->echo);
	if ((le = hilt_xml_attr(node, "line-end"))) {
		if (strcmp(le, "lf") == 0)
			sh->line_end = "\n";
		else if (strcmp(le, "cr") == 0)
			sh->line_end = "\r";
		else if (strcmp(le, "crlf") == 0)
			sh->line_end = "\r\n";
		else
			hilt_xml_error(ld->d, node, "line-end must be lf, cr or crlf, not '%s'", le);
	}
	free(le);
	free(prompt);
	/* A FIFO of more than 64 KiB is no FIFO to pace for. */
	unsigned long pace = 0;

	hilt_xml_count(ld->d, node, "pace", 0, 65536, &pace);
	sh->pace = (unsigned)pace;
}

const struct hilt_shell *hilt_case_shell(const struct hilt_suite *s, const struct hilt_case *c)
{
	return c->shell >= 0 && (size_t)c->shell < s->nshells ? &s->shells[c->shell] : NULL;
}

const char *hilt_case_kind(const struct hilt_case *c)
{
	return c->ops->element;
}

static void check_case_name(struct hilt_loader *ld, const xmlNode *node, const char *name)
{
	/* The case being read is the last one. */
	for (size_t i = 0; i + 1 < ld->suite->ncases; i++)
		if (ld->suite->cases[i].name && strcmp(ld->suite->cases[i].name, name) == 0) {
			hilt_xml_error(ld->d, node,
				       "test case name '%s' is used twice (first at line %ld)",
				       name, ld->suite->cases[i].line);
			return;
		}
}

/* Adds a test case of kind for node and reads what every case has: its
 * attributes (checked against the kind's), unique name and timeout.  NULL
 * only when out of memory.  The case is counted in ncases at once, so
 * that hilt_suite_free() releases it whatever follows. */
static struct hilt_case *new_case(struct hilt_loader *ld, const xmlNode *node,
				  const struct hilt_case_ops *kind)
{
	struct hilt_suite *s = ld->suite;
	struct hilt_case *cases = realloc(s->cases, (s->ncases + 1) * sizeof(*cases));

	if (!cases) {
		ld->oom = true;
		return NULL;
	}
	s->cases = cases;
	struct hilt_case *c = &cases[s->ncases++];

	*c = (struct hilt_case){
		.ops = kind, .line = xmlGetLineNo(node), .timeout_s = 30,
		.shell = (long)s->nshells - 1,
	};
	hilt_xml_check_attrs(ld->d, node, kind->attrs);
	c->name = hilt_xml_attr_required(ld->d, node, "name");
	if (c->name)
		check_case_name(ld, node, c->name);
	hilt_xml_seconds(ld->d, node, "timeout", &c->timeout_s);
	return c;
}

static int add_default_failures(struct hilt_suite *s)
{
	char err[256];

	for (size_t i = 0; i < sizeof(linux_failures) / sizeof(*linux_failures); i++) {
		struct hilt_pattern *p;
		int rc = hilt_pattern_compile(linux_failures[i].re, &p, err, sizeof(err));

		if (rc)
			return rc;
		rc = add_failure(s, linux_failures[i].name, p);
		if (rc) {
			hilt_pattern_free(p);
			return rc;
		}
		s->failures[s->nfailures - 1].linux_default = true;
	}
	return 0;
}

/* The linux defaults whose reports the kernel report reader reads: with
 * it on they end no session (it records them; the session goes on). */
static bool read_by_kreports(const struct hilt_failure_pattern *f)
{
	return f->linux_default && strcmp(f->name, "kernel-panic") != 0;
}

/* <kernel-reports enabled="true|false" fatal="panic oops ...">
 *   <ignore>title pattern</ignore>...
 * </kernel-reports> */
static void parse_kernel_reports(struct hilt_loader *ld, const xmlNode *node)
{
	static const char *const attrs[] = { "enabled", "fatal", NULL };
	struct hilt_kernel_reports *k = &ld->suite->kreports;
	char *fatal;

	hilt_xml_check_attrs(ld->d, node, attrs);
	hilt_xml_check_element_only(ld->d, node);
	if (ld->kreports_seen) {
		hilt_xml_error(ld->d, node, "only one <kernel-reports> is allowed");
		return;
	}
	ld->kreports_seen = true;
	k->enabled = true;
	hilt_xml_bool(ld->d, node, "enabled", &k->enabled);
	if ((fatal = hilt_xml_attr(node, "fatal"))) {
		char *save = NULL;

		k->fatal = HILT_KREPORT_NONE_FATAL;
		for (char *w = strtok_r(fatal, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
			enum hilt_kreport_kind kind;
			char kinds[512] = "";

			if (hilt_kreport_kind_parse(w, &kind) == 0) {
				k->fatal = (k->fatal & ~HILT_KREPORT_NONE_FATAL) | 1u << kind;
				continue;
			}
			for (int i = 0; i < HILT_KR_NKINDS; i++)
				snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
					 i ? ", " : "", hilt_kreport_kind_name((enum hilt_kreport_kind)i));
			hilt_xml_error(ld->d, node, "fatal: no report kind '%s' (the kinds: %s)", w,
				       kinds);
		}
		free(fatal);
	}
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		char *re = NULL;
		struct hilt_pattern *p = NULL;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!hilt_xml_is(c, "ignore")) {
			hilt_xml_error(ld->d, c,
				       "unknown element <%s> in <kernel-reports> (expected <ignore>)",
				       (const char *)c->name);
			continue;
		}
		hilt_xml_check_attrs(ld->d, c, (const char *const[]){ NULL });
		if (note(ld, hilt_xml_text(ld->d, c, true, &re)) == 0 &&
		    compile_at(ld, c, "kernel-reports ignore", re, &p) == 0) {
			char **v = realloc(k->ignore, (k->nignore + 2) * sizeof(*v));

			if (!v) {
				ld->oom = true;
			} else {
				k->ignore = v;
				v[k->nignore++] = re;
				v[k->nignore] = NULL;
				re = NULL;
			}
		}
		hilt_pattern_free(p);
		free(re);
	}
}

/* <requires tags="k=v,k=v"/>: what a target must have to run the suite.
 * Given once; each tag is key=value. */
static void parse_requires(struct hilt_loader *ld, const xmlNode *node)
{
	static const char *const attrs[] = { "tags", NULL };
	struct hilt_suite *s = ld->suite;
	char *tags, *save = NULL;

	hilt_xml_check_attrs(ld->d, node, attrs);
	hilt_xml_check_element_only(ld->d, node);
	if (s->nrequires) {
		hilt_xml_error(ld->d, node, "only one <requires> is allowed");
		return;
	}
	tags = hilt_xml_attr_required(ld->d, node, "tags");
	if (!tags)
		return;
	for (char *tok = strtok_r(tags, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || !eq[1]) {
			hilt_xml_error(ld->d, node, "tag '%s' is not key=value", tok);
			continue;
		}
		char **v = realloc(s->requires, (s->nrequires + 1) * sizeof(*v));

		if (!v || !(v[s->nrequires] = strdup(tok))) {
			if (v)
				s->requires = v;
			ld->oom = true;
			break;
		}
		s->requires = v;
		s->nrequires++;
	}
	if (!s->nrequires && !ld->oom)
		hilt_xml_error(ld->d, node, "<requires> names no tag (tags=\"key=value,...\")");
	free(tags);
}

/* In the order of enum hilt_suite_start. */
static const char *const start_names[] = { "power-on", "shell", "fresh-shell", NULL };

static void parse_suite_attrs(struct hilt_loader *ld, const xmlNode *root)
{
	static const char *const attrs[] = { "name", "timeout", "strip-ansi", "flash-failure",
					     "start", NULL };
	static const char *const flash_failures[] = { "error", "failure", NULL };
	struct hilt_suite *s = ld->suite;
	int v = 0;

	hilt_xml_check_attrs(ld->d, root, attrs);
	s->name = hilt_xml_attr_required(ld->d, root, "name");
	if (s->name && strlen(s->name) > HILT_SUITE_NAME_MAX)
		hilt_xml_error(ld->d, root,
			       "the suite name is %zu bytes long, more than %d: it names the run's files (SUITE@TARGET.console.log)",
			       strlen(s->name), HILT_SUITE_NAME_MAX);
	hilt_xml_seconds(ld->d, root, "timeout", &s->timeout_s);
	hilt_xml_bool(ld->d, root, "strip-ansi", &s->strip_ansi);
	if (hilt_xml_choice(ld->d, root, "flash-failure", flash_failures, &v) == 1)
		s->flash_failure_fails = v == 1;
	if (hilt_xml_choice(ld->d, root, "start", start_names, &v) == 1)
		s->start = (enum hilt_suite_start)v;
}

const char *hilt_suite_start_name(enum hilt_suite_start start)
{
	return start_names[start];
}

int hilt_suite_load_diags(const char *path, struct hilt_suite **out,
			  struct hilt_diags *d)
{
	struct hilt_loader ld = { .d = d, .linux_defaults = true };
	struct hilt_suite *s;
	size_t errors_before = d->nerrors;
	xmlDoc *doc;
	int rc = hilt_xml_read(d, &doc);

	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	ld.suite = s;
	s->timeout_s = 600;
	xmlNode *root = xmlDocGetRootElement(doc);
	const struct hilt_case_ops *kind;
	bool seen_failures = false;

	if (!hilt_xml_is(root, "suite")) {
		hilt_xml_error(d, root, "root element must be <suite>, not <%s>",
			       (const char *)root->name);
		goto out;
	}
	parse_suite_attrs(&ld, root);
	hilt_xml_check_element_only(d, root);
	if (note(&ld, add_default_failures(s)) < 0)
		goto out;
	for (const xmlNode *c = root->children; c && !ld.oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "failure-patterns")) {
			if (seen_failures)
				hilt_xml_error(d, c, "only one <failure-patterns> is allowed");
			else
				parse_failures(&ld, c);
			seen_failures = true;
		} else if (hilt_xml_is(c, "shell")) {
			parse_shell(&ld, c);
		} else if (hilt_xml_is(c, "requires")) {
			parse_requires(&ld, c);
		} else if (hilt_xml_is(c, "kernel-reports")) {
			parse_kernel_reports(&ld, c);
		} else if ((kind = hilt_case_kind_find((const char *)c->name))) {
			struct hilt_case *tc = new_case(&ld, c, kind);

			if (tc)
				kind->parse(&ld, c, tc);
		} else {
			char kinds[256];

			hilt_case_kind_list(kinds, sizeof(kinds));
			hilt_xml_error(d, c,
				       "unknown element <%s> in <suite> (expected <requires>, <failure-patterns>, <kernel-reports>, <shell>, %s)",
				       (const char *)c->name, kinds);
		}
	}
	/* Absent, the reader reads a Linux suite's console. */
	if (!ld.kreports_seen)
		s->kreports.enabled = ld.linux_defaults;
	for (size_t i = s->nfailures; s->kreports.enabled && i-- > 0;)
		if (read_by_kreports(&s->failures[i]))
			drop_failure(s, i);
	if (!ld.oom && s->ncases == 0) {
		char kinds[256];

		hilt_case_kind_list(kinds, sizeof(kinds));
		hilt_xml_error(d, root, "suite '%s' has no %s", s->name ? s->name : "", kinds);
	}
out:
	/* What it captures itself (the names a boot suite lends). */
	if (ld.nvars && !(s->captures = calloc(ld.nvars, sizeof(*s->captures))))
		ld.oom = true;
	for (size_t i = 0; i < ld.nvars; i++) {
		bool borrowed = !s->captures;

		for (size_t k = 0; k < s->nboot_vars && !borrowed; k++)
			borrowed = strcmp(s->boot_vars[k], ld.vars[i]) == 0;
		if (borrowed)
			free(ld.vars[i]);
		else
			s->captures[s->ncaptures++] = ld.vars[i];
	}
	free(ld.vars);
	xmlFreeDoc(doc);
	rc = ld.oom ? -ENOMEM : d->nerrors > errors_before ? -EINVAL : 0;
	if (rc) {
		hilt_suite_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int hilt_suite_load(const char *path, struct hilt_suite **out, char *err,
		    size_t errlen)
{
	struct hilt_diags d;

	hilt_diags_init(&d, path);
	return hilt_diags_finish(&d, hilt_suite_load_diags(path, out, &d), err, errlen);
}
