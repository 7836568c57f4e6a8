#define _GNU_SOURCE
#include "farm.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../targets/target.h"
#include "xmlfile.h"

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_target_config(struct hilt_target_config *t)
{
	struct hilt_qemu_config *q = &t->qemu;

	free(t->name);
	free(t->kind);
	free(t->source);
	free_strv(t->tags, t->ntags);
	free(q->binary);
	free(q->machine);
	free(q->accel);
	free(q->kernel);
	free(q->initrd);
	free(q->append);
	free(q->nic);
	free_strv(q->drives, q->ndrives);
	free_strv(q->args, q->nargs);
	free(q->drive_lines);
	free(q->arg_lines);
	free(t->replay.log);
	free(t->replay.timing);
	struct hilt_board_config *b = &t->board;

	free(b->console.path);
	free(b->console.host);
	free(b->lock_dir);
	free_strv(b->reset.argv, b->reset.argc);
	free_strv(b->flash.argv, b->flash.argc);
	free_strv(b->power_on.argv, b->power_on.argc);
	free_strv(b->power_off.argv, b->power_off.argc);
	free(b->address);
	free_strv(b->var_names, b->nvars);
	free_strv(b->var_values, b->nvars);
	hilt_gpio_config_free(&b->gpio);
}

void hilt_farm_free(struct hilt_farm *farm)
{
	if (!farm)
		return;
	for (size_t i = 0; i < farm->ntargets; i++)
		free_target_config(&farm->targets[i]);
	free(farm->targets);
	free(farm->path);
	free(farm);
}

const struct hilt_target_config *hilt_farm_find(const struct hilt_farm *farm,
						const char *name)
{
	for (size_t i = 0; i < farm->ntargets; i++)
		if (farm->targets[i].name && strcmp(farm->targets[i].name, name) == 0)
			return &farm->targets[i];
	return NULL;
}

/* Appends s (taking it; freed on failure). */
static int push_str(char ***v, size_t *n, char *s)
{
	char **grown;

	if (!s)
		return -ENOMEM;
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	grown[(*n)++] = s;
	*v = grown;
	return 0;
}

/* Appends s and the line it was given at; n counts both. */
static int push_str_line(char ***v, long **lines, size_t *n, char *s, long line)
{
	long *grown = realloc(*lines, (*n + 1) * sizeof(**lines));

	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	*lines = grown;
	grown[*n] = line;
	return push_str(v, n, s);
}

static int set_qemu_defaults(struct hilt_qemu_config *q)
{
	q->binary = strdup("qemu-system-x86_64");
	q->machine = strdup("q35");
	q->accel = strdup("tcg");
	q->nic = strdup("e1000");
	q->append = strdup("console=ttyS0");
	q->memory_mib = 256;
	q->cpus = 1;
	return q->binary && q->machine && q->accel && q->nic && q->append ? 0
									 : -ENOMEM;
}

/* The loader reads on after a mistake, as a compiler does: each element
 * is checked on its own; what depends on a bad part is not checked (nor
 * reported) again.  Running out of memory ends it at once. */
struct loader {
	struct hilt_diags *d;
	const char *dir;	/* of the farm file */
	bool oom;
};

static int note(struct loader *ld, int rc)
{
	if (rc == -ENOMEM)
		ld->oom = true;
	return rc;
}

static bool has_child(const xmlNode *node, const char *name)
{
	for (const xmlNode *c = node->children; c; c = c->next)
		if (hilt_xml_is(c, name))
			return true;
	return false;
}

static char *resolve(const char *dir, const char *p)
{
	char *full;

	if (p[0] == '/' || !dir)
		return strdup(p);
	return asprintf(&full, "%s/%s", dir, p) < 0 ? NULL : full;
}

/* Resolves p against the farm's folder and checks it names a readable
 * file: a run could not boot without it. */
static void image_path(struct loader *ld, const xmlNode *node, const char *p,
		       char **out)
{
	char *full = resolve(ld->dir, p);

	if (!full) {
		ld->oom = true;
		return;
	}
	if (access(full, R_OK) < 0) {
		hilt_xml_error(ld->d, node, "<%s> file '%s' cannot be read: %s",
			       (const char *)node->name, full, strerror(errno));
		free(full);
		return;
	}
	free(*out);
	*out = full;
}

/* The text of an element that takes no attributes (an error for each). */
static char *element_text(struct loader *ld, const xmlNode *c)
{
	char *text = NULL;

	hilt_xml_check_attrs(ld->d, c, (const char *const[]){ NULL });
	note(ld, hilt_xml_text(ld->d, c, true, &text));
	return text;
}

static void parse_qemu_child(struct loader *ld, const xmlNode *c,
			     struct hilt_qemu_config *q)
{
	char *text = element_text(ld, c);
	char **slot = NULL;
	unsigned long n;

	if (!text)
		return;
	if (hilt_xml_is(c, "binary")) slot = &q->binary;
	else if (hilt_xml_is(c, "machine")) slot = &q->machine;
	else if (hilt_xml_is(c, "append")) slot = &q->append;
	else if (hilt_xml_is(c, "nic")) slot = &q->nic;

	if (slot) {
		if (!*text && !hilt_xml_is(c, "append")) {
			hilt_xml_error(ld->d, c, "<%s> is empty", (const char *)c->name);
		} else {
			free(*slot);
			*slot = text;
			text = NULL;
			if (hilt_xml_is(c, "binary"))
				q->binary_line = xmlGetLineNo(c);
		}
	} else if (hilt_xml_is(c, "accel")) {
		if (strcmp(text, "tcg") && strcmp(text, "kvm")) {
			hilt_xml_error(ld->d, c, "<accel> must be tcg or kvm, not '%s'", text);
		} else {
			free(q->accel);
			q->accel = text;
			text = NULL;
			q->accel_line = xmlGetLineNo(c);
		}
	} else if (hilt_xml_is(c, "memory")) {
		if (hilt_xml_parse_count(ld->d, c, "<memory>", text, 1, 1u << 20, &n) == 0)
			q->memory_mib = (unsigned)n;
	} else if (hilt_xml_is(c, "cpus")) {
		if (hilt_xml_parse_count(ld->d, c, "<cpus>", text, 1, 256, &n) == 0)
			q->cpus = (unsigned)n;
	} else if (hilt_xml_is(c, "kernel") || hilt_xml_is(c, "initrd")) {
		image_path(ld, c, text, hilt_xml_is(c, "kernel") ? &q->kernel : &q->initrd);
	} else if (hilt_xml_is(c, "drive") || hilt_xml_is(c, "arg")) {
		bool drive = hilt_xml_is(c, "drive");

		if (!*text) {
			hilt_xml_error(ld->d, c, "<%s> is empty", (const char *)c->name);
		} else {
			/* Taken, or freed when it cannot be. */
			note(ld, push_str_line(drive ? &q->drives : &q->args,
					       drive ? &q->drive_lines : &q->arg_lines,
					       drive ? &q->ndrives : &q->nargs, text,
					       xmlGetLineNo(c)));
			text = NULL;
		}
	} else {
		hilt_xml_error(ld->d, c,
			       "unknown element <%s> in a qemu <target> (expected binary, machine, accel, memory, cpus, kernel, initrd, append, nic, drive or arg)",
			       (const char *)c->name);
	}
	free(text);
}

/* hilt writes NAME.console.log beside NAME.console.timing. */
static char *default_timing_path(const char *log)
{
	size_t n = strlen(log);
	char *out;

	if (n > 4 && strcmp(log + n - 4, ".log") == 0)
		n -= 4;
	if (asprintf(&out, "%.*s.timing", (int)n, log) < 0)
		return NULL;
	return out;
}

/* The log is not opened here: a missing recording is an infrastructure
 * error of the session, like a missing board (hilt validate reports it). */
static void parse_replay_child(struct loader *ld, const xmlNode *c,
			       struct hilt_replay_config *r)
{
	char *text = element_text(ld, c);

	if (!text)
		return;
	if (!hilt_xml_is(c, "log") && !hilt_xml_is(c, "timing") && !hilt_xml_is(c, "speed"))
		hilt_xml_error(ld->d, c,
			       "unknown element <%s> in a replay <target> (expected log, timing or speed)",
			       (const char *)c->name);
	else if (!*text)
		hilt_xml_error(ld->d, c, "<%s> is empty", (const char *)c->name);
	else if (hilt_xml_is(c, "log") || hilt_xml_is(c, "timing")) {
		bool log = hilt_xml_is(c, "log");
		char **slot = log ? &r->log : &r->timing;

		free(*slot);
		if (!(*slot = resolve(ld->dir, text)))
			ld->oom = true;
		*(log ? &r->log_line : &r->timing_line) = xmlGetLineNo(c);
		*(log ? &r->log_relative : &r->timing_relative) = text[0] != '/';
	} else if (strcmp(text, "max") == 0) {
		r->realtime = false;
	} else if (strcmp(text, "realtime") == 0) {
		r->realtime = true;
	} else {
		hilt_xml_error(ld->d, c, "<speed> must be max or realtime, not '%s'", text);
	}
	free(text);
}

static int finish_replay(struct hilt_replay_config *r)
{
	if (!r->timing) {
		if (!(r->timing = default_timing_path(r->log)))
			return -ENOMEM;
		r->timing_line = r->log_line;
		r->timing_relative = r->log_relative;
	}
	return 0;
}

static void parse_command(struct loader *ld, const xmlNode *node, struct hilt_command *cmd)
{
	static const char *const attrs[] = { "timeout", NULL };
	bool args = false;

	if (cmd->line) {
		hilt_xml_error(ld->d, node, "only one <%s> is allowed (the first is at line %ld)",
			       (const char *)node->name, cmd->line);
		return;
	}
	cmd->line = xmlGetLineNo(node);
	cmd->timeout_s = 60;
	hilt_xml_check_attrs(ld->d, node, attrs);
	hilt_xml_seconds(ld->d, node, "timeout", &cmd->timeout_s);
	hilt_xml_check_element_only(ld->d, node);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!hilt_xml_is(c, "arg")) {
			hilt_xml_error(ld->d, c, "unknown element <%s> in <%s> (expected <arg>)",
				       (const char *)c->name, (const char *)node->name);
			continue;
		}
		args = true;
		char *text = element_text(ld, c);

		if (text)
			note(ld, push_str(&cmd->argv, &cmd->argc, text));
	}
	if (!args)
		hilt_xml_error(ld->d, node, "<%s> needs at least one <arg>",
			       (const char *)node->name);
}

static void parse_console(struct loader *ld, const xmlNode *node, struct hilt_board_config *b)
{
	static const char *const attrs[] = {
		"type", "path", "host", "port", "baud", "data-bits", "parity", "stop-bits",
		"flow", "reappear", NULL,
	};
	static const char *const types[] = { "tcp", "telnet", "tty", "serial", NULL };
	static const char *const parities[] = { "none", "odd", "even", "mark", "space", NULL };
	static const char *const flows[] = { "none", "xonxoff", "rtscts", "dtrdsr", NULL };
	static const char *const bits[] = { "5", "6", "7", "8", NULL };
	static const char *const stops[] = { "1", "2", NULL };
	struct hilt_console_config *k = &b->console;
	int type = -1, v;
	unsigned long n;

	if (b->console_line) {
		hilt_xml_error(ld->d, node, "only one <console> is allowed (the first is at line %ld)",
			       b->console_line);
		return;
	}
	b->console_line = xmlGetLineNo(node);
	hilt_xml_check_attrs(ld->d, node, attrs);
	int rc = hilt_xml_choice(ld->d, node, "type", types, &type);

	if (rc == 0)
		hilt_xml_error(ld->d, node,
			       "<console> needs type=\"tcp\", \"telnet\", \"tty\" or \"serial\"");
	if (rc != 1)
		return;
	k->kind = (enum hilt_console_kind)type;
	if (k->kind == HILT_CONSOLE_TCP || k->kind == HILT_CONSOLE_TELNET) {
		for (size_t i = 1; attrs[i]; i++)
			if (i != 2 && i != 3 && xmlHasProp(node, (const xmlChar *)attrs[i]))
				hilt_xml_error(ld->d, node, "'%s' is for tty and serial consoles, not %s",
					       attrs[i], types[type]);
		k->host = hilt_xml_attr(node, "host");
		if (!k->host && !(k->host = strdup("127.0.0.1")))
			ld->oom = true;
		char *s = hilt_xml_attr_required(ld->d, node, "port");

		if (s && hilt_xml_parse_count(ld->d, node, "'port'", s, 1, 65535, &n) == 0)
			k->port = (int)n;
		free(s);
		return;
	}
	if (xmlHasProp(node, (const xmlChar *)"host") || xmlHasProp(node, (const xmlChar *)"port"))
		hilt_xml_error(ld->d, node, "host and port are for tcp and telnet consoles, not %s",
			       types[type]);
	k->path = hilt_xml_attr_required(ld->d, node, "path");
	n = 0;
	if (hilt_xml_count(ld->d, node, "baud", 1, 4000000, &n) == 0)
		k->baud = (unsigned)n;
	if (hilt_xml_choice(ld->d, node, "data-bits", bits, &v) == 1)
		k->data_bits = (unsigned)v + 5;
	if (hilt_xml_choice(ld->d, node, "parity", parities, &v) == 1)
		k->parity = (enum hilt_parity)v;
	if (hilt_xml_choice(ld->d, node, "stop-bits", stops, &v) == 1)
		k->stop_bits = (unsigned)v + 1;
	if (hilt_xml_choice(ld->d, node, "flow", flows, &v) == 1)
		k->flow = (enum hilt_flow)v;
	/* Any line setting given: the ones not given are set to their default
	 * (none) rather than left as the port was. */
	static const char *const line_attrs[] = { "data-bits", "parity", "stop-bits", "flow" };

	for (size_t i = 0; i < sizeof(line_attrs) / sizeof(*line_attrs); i++)
		k->line_settings |= xmlHasProp(node, (const xmlChar *)line_attrs[i]) != NULL;
	hilt_xml_seconds(ld->d, node, "reappear", &k->reappear_s);
}

static void parse_gpio_line(struct loader *ld, const xmlNode *c, struct hilt_gpio_config *g)
{
	static const char *const attrs[] = { "name", "offset", "chip-line", "active-low", NULL };
	struct hilt_gpio_line_config line = { 0 };
	unsigned long offset = 0;

	hilt_xml_check_attrs(ld->d, c, attrs);
	line.name = hilt_xml_attr_required(ld->d, c, "name");
	line.chip_line = hilt_xml_attr(c, "chip-line");
	bool has_off = xmlHasProp(c, (const xmlChar *)"offset") != NULL;

	if (has_off == (line.chip_line != NULL))
		hilt_xml_error(ld->d, c,
			       "GPIO line '%s' needs offset=\"N\" or chip-line=\"NAME\" (one of them)",
			       line.name ? line.name : "");
	if (has_off && hilt_xml_count(ld->d, c, "offset", 0, 1023, &offset) == 0)
		line.offset = (unsigned)offset;
	hilt_xml_bool(ld->d, c, "active-low", &line.active_low);
	for (size_t i = 0; line.name && i < g->nlines; i++)
		if (strcmp(g->lines[i].name, line.name) == 0) {
			hilt_xml_error(ld->d, c, "GPIO line '%s' is named twice", line.name);
			break;
		}
	/* A line without a name cannot be used; one named twice is kept so
	 * that the sequences using it are checked. */
	if (!line.name) {
		free(line.chip_line);
		return;
	}
	struct hilt_gpio_line_config *l = realloc(g->lines, (g->nlines + 1) * sizeof(*l));

	if (!l) {
		free(line.name);
		free(line.chip_line);
		ld->oom = true;
		return;
	}
	g->lines = l;
	l[g->nlines++] = line;
}

static void parse_gpio(struct loader *ld, const xmlNode *node, struct hilt_board_config *b)
{
	static const char *const attrs[] = { "chip", NULL };
	struct hilt_gpio_config *g = &b->gpio;

	if (b->gpio_line) {
		hilt_xml_error(ld->d, node, "only one <gpio> is allowed (the first is at line %ld)",
			       b->gpio_line);
		return;
	}
	b->gpio_line = xmlGetLineNo(node);
	hilt_xml_check_attrs(ld->d, node, attrs);
	g->chip = hilt_xml_attr_required(ld->d, node, "chip");
	hilt_xml_check_element_only(ld->d, node);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "line"))
			parse_gpio_line(ld, c, g);
		else
			hilt_xml_error(ld->d, c, "unknown element <%s> in <gpio> (expected <line>)",
				       (const char *)c->name);
	}
}

/* One step of a sequence: 0 with *step filled, or -EINVAL. */
static int parse_sequence_step(struct loader *ld, const xmlNode *c,
			       const struct hilt_gpio_config *g, struct hilt_gpio_step *step)
{
	if (hilt_xml_is(c, "set")) {
		static const char *const attrs[] = { "line", "value", NULL };
		char *line = hilt_xml_attr_required(ld->d, c, "line");
		char *value = hilt_xml_attr(c, "value");
		int rc = hilt_xml_check_attrs(ld->d, c, attrs);
		size_t i;

		for (i = 0; line && i < g->nlines; i++)
			if (strcmp(g->lines[i].name, line) == 0)
				break;
		if (!line)
			rc = -EINVAL;
		else if (i == g->nlines)
			rc = hilt_xml_error(ld->d, c, "no GPIO line named '%s'", line);
		if (!value || (strcmp(value, "0") && strcmp(value, "1")))
			rc = hilt_xml_error(ld->d, c,
					    "<set> needs value=\"1\" (asserted) or value=\"0\"");
		*step = (struct hilt_gpio_step){ .kind = HILT_GPIO_SET, .line = i,
						 .value = value && value[0] == '1' };
		free(line);
		free(value);
		return rc;
	}
	if (hilt_xml_is(c, "wait")) {
		static const char *const attrs[] = { "ms", NULL };
		char *ms = hilt_xml_attr_required(ld->d, c, "ms");
		unsigned long v = 0;
		int rc = hilt_xml_check_attrs(ld->d, c, attrs);

		if (!ms)
			rc = -EINVAL;
		else if (hilt_xml_parse_count(ld->d, c, "'ms'", ms, 0, 60000, &v))
			rc = -EINVAL;
		*step = (struct hilt_gpio_step){ .kind = HILT_GPIO_WAIT, .ms = (unsigned)v };
		free(ms);
		return rc;
	}
	if (hilt_xml_is(c, "drain")) {
		*step = (struct hilt_gpio_step){ .kind = HILT_GPIO_DRAIN };
		return hilt_xml_check_attrs(ld->d, c, (const char *const[]){ NULL });
	}
	return hilt_xml_error(ld->d, c, "unknown element <%s> in <%s> (expected set, wait or drain)",
			      (const char *)c->name, (const char *)c->parent->name);
}

static void parse_sequence(struct loader *ld, const xmlNode *node,
			   const struct hilt_board_config *b, struct hilt_gpio_sequence *seq,
			   bool *seen)
{
	hilt_xml_check_attrs(ld->d, node, (const char *const[]){ NULL });
	hilt_xml_check_element_only(ld->d, node);
	if (*seen) {
		hilt_xml_error(ld->d, node, "only one <%s> is allowed", (const char *)node->name);
		return;
	}
	*seen = true;
	if (!b->gpio_line) {
		hilt_xml_error(ld->d, node, "<%s> needs a <gpio> with its lines before it",
			       (const char *)node->name);
		return;
	}
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		struct hilt_gpio_step step;

		if (c->type != XML_ELEMENT_NODE || parse_sequence_step(ld, c, &b->gpio, &step))
			continue;
		struct hilt_gpio_step *st = realloc(seq->steps, (seq->nsteps + 1) * sizeof(*st));

		if (!st) {
			ld->oom = true;
			return;
		}
		seq->steps = st;
		st[seq->nsteps++] = step;
	}
}

static void parse_var(struct loader *ld, const xmlNode *c, struct hilt_board_config *b)
{
	static const char *const attrs[] = { "name", NULL };
	char *name = hilt_xml_attr_required(ld->d, c, "name"), *text = NULL;

	hilt_xml_check_attrs(ld->d, c, attrs);
	for (size_t i = 0; name && i < b->nvars; i++)
		if (strcmp(b->var_names[i], name) == 0) {
			hilt_xml_error(ld->d, c, "<var> '%s' is defined twice", name);
			free(name);
			name = NULL;
		}
	if (note(ld, hilt_xml_text(ld->d, c, true, &text)) == 0 && name) {
		char **names = realloc(b->var_names, (b->nvars + 1) * sizeof(*names));
		char **values = NULL;

		if (names) {
			b->var_names = names;
			values = realloc(b->var_values, (b->nvars + 1) * sizeof(*values));
		}
		if (values) {
			b->var_values = values;
			names[b->nvars] = name;
			values[b->nvars++] = text;
			name = text = NULL;
		} else {
			ld->oom = true;
		}
	}
	free(name);
	free(text);
}

static void parse_lock(struct loader *ld, const xmlNode *c, struct hilt_board_config *b)
{
	static const char *const attrs[] = { "dir", "wait", NULL };
	char *dir = hilt_xml_attr(c, "dir");
	char *w = hilt_xml_attr(c, "wait");

	if (b->lock_line) {
		hilt_xml_error(ld->d, c, "only one <lock> is allowed (the first is at line %ld)",
			       b->lock_line);
		free(dir);
		free(w);
		return;
	}
	b->lock_line = xmlGetLineNo(c);
	hilt_xml_check_attrs(ld->d, c, attrs);
	hilt_xml_check_element_only(ld->d, c);
	if (dir && !*dir) {
		hilt_xml_error(ld->d, c, "<lock> dir is empty");
	} else if (dir) {
		free(b->lock_dir);
		b->lock_dir = dir;
		dir = NULL;
	}
	/* wait="0" is allowed: report busy at once. */
	if (w && strcmp(w, "0") == 0)
		b->lock_wait_s = 0;
	else if (w)
		hilt_xml_seconds(ld->d, c, "wait", &b->lock_wait_s);
	free(dir);
	free(w);
}

struct board_seen {
	bool reset_sequence, download_sequence;
};

/* The device is not opened here: a missing board is an infrastructure
 * error of its session, not a configuration error. */
static void parse_board_child(struct loader *ld, const xmlNode *c,
			      struct hilt_board_config *b, struct board_seen *seen)
{
	if (hilt_xml_is(c, "console"))
		parse_console(ld, c, b);
	else if (hilt_xml_is(c, "reset"))
		parse_command(ld, c, &b->reset);
	else if (hilt_xml_is(c, "flash"))
		parse_command(ld, c, &b->flash);
	else if (hilt_xml_is(c, "power-on"))
		parse_command(ld, c, &b->power_on);
	else if (hilt_xml_is(c, "power-off"))
		parse_command(ld, c, &b->power_off);
	else if (hilt_xml_is(c, "address")) {
		char *text = element_text(ld, c);

		if (b->address)
			hilt_xml_error(ld->d, c, "only one <address> is allowed");
		else if (text && !*text)
			hilt_xml_error(ld->d, c, "<address> is empty");
		else if (text) {
			b->address = text;
			text = NULL;
		}
		free(text);
	} else if (hilt_xml_is(c, "gpio"))
		parse_gpio(ld, c, b);
	else if (hilt_xml_is(c, "reset-sequence"))
		parse_sequence(ld, c, b, &b->gpio.reset, &seen->reset_sequence);
	else if (hilt_xml_is(c, "download-sequence"))
		parse_sequence(ld, c, b, &b->gpio.download, &seen->download_sequence);
	else if (hilt_xml_is(c, "var"))
		parse_var(ld, c, b);
	else if (hilt_xml_is(c, "lock"))
		parse_lock(ld, c, b);
	else
		hilt_xml_error(ld->d, c,
			       "unknown element <%s> in a board <target> (expected console, reset, flash, power-on, power-off, address, gpio, reset-sequence, download-sequence, var or lock)",
			       (const char *)c->name);
}

static void parse_tags(struct loader *ld, const xmlNode *node, const char *tags,
		       struct hilt_target_config *t)
{
	char *copy = strdup(tags), *save = NULL;

	if (!copy) {
		ld->oom = true;
		return;
	}
	for (char *tok = strtok_r(copy, " \t\n", &save); tok && !ld->oom;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || !eq[1])
			hilt_xml_error(ld->d, node, "tag '%s' is not of the form key=value", tok);
		else
			note(ld, push_str(&t->tags, &t->ntags, strdup(tok)));
	}
	free(copy);
}

static void parse_target(struct loader *ld, const xmlNode *node, struct hilt_farm *farm)
{
	static const char *const attrs[] = { "name", "kind", "tags", NULL };
	const char *path = ld->d->path;
	struct hilt_target_config *t;

	t = realloc(farm->targets, (farm->ntargets + 1) * sizeof(*t));
	if (!t) {
		ld->oom = true;
		return;
	}
	farm->targets = t;
	t = &t[farm->ntargets++];
	memset(t, 0, sizeof(*t));
	t->line = xmlGetLineNo(node);
	if (asprintf(&t->source, "%s:%ld", path, t->line) < 0) {
		t->source = NULL;
		ld->oom = true;
		return;
	}
	hilt_xml_check_attrs(ld->d, node, attrs);
	t->name = hilt_xml_attr_required(ld->d, node, "name");
	if (t->name && strlen(t->name) > HILT_TARGET_NAME_MAX)
		hilt_xml_error(ld->d, node,
			       "the target name is %zu bytes long, more than %d: it names the run's files (SUITE@TARGET.console.log)",
			       strlen(t->name), HILT_TARGET_NAME_MAX);
	for (size_t i = 0; t->name && i + 1 < farm->ntargets; i++)
		if (farm->targets[i].name && strcmp(farm->targets[i].name, t->name) == 0) {
			hilt_xml_error(ld->d, node, "target name '%s' is used twice (first at line %ld)",
				       t->name, farm->targets[i].line);
			break;
		}
	char *tags = hilt_xml_attr(node, "tags");

	if (tags)
		parse_tags(ld, node, tags, t);
	free(tags);
	hilt_xml_check_element_only(ld->d, node);
	t->kind = hilt_xml_attr_required(ld->d, node, "kind");
	if (!t->kind)
		return;
	if (!hilt_target_ops_find(t->kind)) {
		/* Its elements mean nothing without a kind. */
		hilt_xml_error(ld->d, node, "unknown target kind '%s' (known: qemu, replay, board)",
			       t->kind);
		return;
	}
	bool qemu = strcmp(t->kind, "qemu") == 0;
	bool board = strcmp(t->kind, "board") == 0;
	struct board_seen seen = { 0 };

	if (qemu && note(ld, set_qemu_defaults(&t->qemu)) < 0)
		return;
	if (board) {
		t->board.lock_wait_s = 600;
		if (!(t->board.lock_dir = strdup("/run/lock"))) {
			ld->oom = true;
			return;
		}
	}
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (qemu)
			parse_qemu_child(ld, c, &t->qemu);
		else if (board)
			parse_board_child(ld, c, &t->board, &seen);
		else
			parse_replay_child(ld, c, &t->replay);
	}
	char label[HILT_TARGET_NAME_MAX + 32] = "";

	if (t->name && strlen(t->name) <= HILT_TARGET_NAME_MAX)
		snprintf(label, sizeof(label), " '%s'", t->name);
	/* A missing part is reported only when no element was there at all:
	 * one that was there but wrong has had its message. */
	if (board && !has_child(node, "console"))
		hilt_xml_error(ld->d, node, "board target%s needs a <console>", label);
	if (qemu && !has_child(node, "kernel"))
		hilt_xml_error(ld->d, node, "qemu target%s needs a <kernel>", label);
	if (!qemu && !board && !has_child(node, "log"))
		hilt_xml_error(ld->d, node, "replay target%s needs a <log>", label);
	if (!qemu && !board && t->replay.log)
		note(ld, finish_replay(&t->replay));
}

int hilt_farm_load_diags(const char *path, struct hilt_farm **out, struct hilt_diags *d)
{
	struct loader ld = { .d = d };
	size_t errors_before = d->nerrors;
	struct hilt_farm *farm;
	xmlDoc *doc;
	int rc = hilt_xml_read(d, &doc);

	if (rc)
		return rc;
	farm = calloc(1, sizeof(*farm));
	char *pathcopy = strdup(path);

	if (!farm || !pathcopy || !(farm->path = strdup(path))) {
		free(pathcopy);
		free(farm);
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	ld.dir = dirname(pathcopy);
	xmlNode *root = xmlDocGetRootElement(doc);

	if (!hilt_xml_is(root, "farm")) {
		hilt_xml_error(d, root, "root element must be <farm>, not <%s>",
			       (const char *)root->name);
	} else {
		hilt_xml_check_attrs(d, root, (const char *const[]){ NULL });
		hilt_xml_check_element_only(d, root);
		for (const xmlNode *c = root->children; c && !ld.oom; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (hilt_xml_is(c, "target"))
				parse_target(&ld, c, farm);
			else
				hilt_xml_error(d, c, "unknown element <%s> in <farm> (expected <target>)",
					       (const char *)c->name);
		}
		if (!ld.oom && farm->ntargets == 0)
			hilt_xml_error(d, root, "the farm has no <target>");
	}
	free(pathcopy);
	xmlFreeDoc(doc);
	rc = ld.oom ? -ENOMEM : d->nerrors > errors_before ? -EINVAL : 0;
	if (rc) {
		hilt_farm_free(farm);
		return rc;
	}
	*out = farm;
	return 0;
}

int hilt_farm_load(const char *path, struct hilt_farm **out, char *err,
		   size_t errlen)
{
	struct hilt_diags d;

	hilt_diags_init(&d, path);
	return hilt_diags_finish(&d, hilt_farm_load_diags(path, out, &d), err, errlen);
}

int hilt_farm_default(const char *guest_dir, struct hilt_farm **out,
		      char *err, size_t errlen)
{
	struct hilt_farm *farm = calloc(1, sizeof(*farm));
	struct hilt_target_config *t;
	int rc = -ENOMEM;

	if (!farm || !(farm->targets = calloc(1, sizeof(*farm->targets))))
		goto err_free;
	farm->ntargets = 1;
	t = &farm->targets[0];
	t->name = strdup("default");
	t->kind = strdup("qemu");
	t->source = strdup("built-in");
	if (!t->name || !t->kind || !t->source || set_qemu_defaults(&t->qemu))
		goto err_free;
	free(t->qemu.append);
	t->qemu.append = NULL;
	if (push_str(&t->tags, &t->ntags, strdup("arch=x86_64")) ||
	    asprintf(&t->qemu.kernel, "%s/vmlinuz", guest_dir) < 0 ||
	    asprintf(&t->qemu.initrd, "%s/initrd.img", guest_dir) < 0 ||
	    !(t->qemu.append = strdup("console=ttyS0 panic=-1")))
		goto err_free;
	if (access(t->qemu.kernel, R_OK) < 0 || access(t->qemu.initrd, R_OK) < 0) {
		snprintf(err, errlen, "%s holds no default guest (%s: %s)", guest_dir,
			 access(t->qemu.kernel, R_OK) < 0 ? t->qemu.kernel : t->qemu.initrd,
			 strerror(errno));
		rc = -ENOENT;
		goto err_free;
	}
	*out = farm;
	return 0;

err_free:
	hilt_farm_free(farm);
	return rc;
}

const struct hilt_target_config *hilt_farm_add_replay(struct hilt_farm *farm,
						       const char *path,
						       char *err, size_t errlen)
{
	struct hilt_target_config *t;

	t = realloc(farm->targets, (farm->ntargets + 1) * sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	farm->targets = t;
	t = &t[farm->ntargets];
	memset(t, 0, sizeof(*t));
	if (asprintf(&t->name, "replay:%s", path) < 0)
		t->name = NULL;
	t->kind = strdup("replay");
	t->source = strdup("command line");
	t->replay.log = strdup(path);
	if (!t->name || !t->kind || !t->source || !t->replay.log ||
	    finish_replay(&t->replay)) {
		free_target_config(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	farm->ntargets++;
	return t;
}
