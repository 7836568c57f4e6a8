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
		if (strcmp(farm->targets[i].name, name) == 0)
			return &farm->targets[i];
	return NULL;
}

static int push_str(char ***v, size_t *n, char *s)
{
	char **grown = realloc(*v, (*n + 1) * sizeof(**v));

	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	grown[(*n)++] = s;
	*v = grown;
	return 0;
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

/* Resolves p against dir and checks it names a readable file. */
static int image_path(const char *farm_path, const xmlNode *node,
		      const char *dir, const char *p, char **out, char *err,
		      size_t errlen)
{
	char *full;

	if (p[0] == '/')
		full = strdup(p);
	else if (asprintf(&full, "%s/%s", dir, p) < 0)
		full = NULL;
	if (!full)
		return -ENOMEM;
	if (access(full, R_OK) < 0) {
		int rc = hilt_xml_error(err, errlen, farm_path, node,
					"<%s> file '%s' cannot be read: %s",
					(const char *)node->name, full,
					strerror(errno));
		free(full);
		return rc;
	}
	*out = full;
	return 0;
}

static int parse_uint(const char *path, const xmlNode *node, const char *text,
		      unsigned max, unsigned *out, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (!*text || *end || errno || v == 0 || v > max)
		return hilt_xml_error(err, errlen, path, node,
				      "<%s> must be a whole number from 1 to %u, not '%s'",
				      (const char *)node->name, max, text);
	*out = (unsigned)v;
	return 0;
}

static int parse_qemu_child(const char *path, const char *dir,
			    const xmlNode *c, struct hilt_qemu_config *q,
			    char *err, size_t errlen)
{
	char *text = NULL;
	int rc = hilt_xml_text(path, c, true, &text, err, errlen);
	char **slot = NULL;

	if (rc)
		return rc;
	if (c->properties) {
		rc = hilt_xml_error(err, errlen, path, c,
				    "unknown attribute '%s' on <%s>",
				    (const char *)c->properties->name,
				    (const char *)c->name);
		goto out;
	}
	if (hilt_xml_is(c, "binary")) slot = &q->binary;
	else if (hilt_xml_is(c, "machine")) slot = &q->machine;
	else if (hilt_xml_is(c, "append")) slot = &q->append;
	else if (hilt_xml_is(c, "nic")) slot = &q->nic;

	if (slot) {
		if (!*text && !hilt_xml_is(c, "append")) {
			rc = hilt_xml_error(err, errlen, path, c, "<%s> is empty",
					    (const char *)c->name);
			goto out;
		}
		free(*slot);
		*slot = text;
		return 0;
	}
	if (hilt_xml_is(c, "accel")) {
		if (strcmp(text, "tcg") && strcmp(text, "kvm")) {
			rc = hilt_xml_error(err, errlen, path, c,
					    "<accel> must be tcg or kvm, not '%s'", text);
			goto out;
		}
		free(q->accel);
		q->accel = text;
		return 0;
	}
	if (hilt_xml_is(c, "memory"))
		rc = parse_uint(path, c, text, 1u << 20, &q->memory_mib, err, errlen);
	else if (hilt_xml_is(c, "cpus"))
		rc = parse_uint(path, c, text, 256, &q->cpus, err, errlen);
	else if (hilt_xml_is(c, "kernel") || hilt_xml_is(c, "initrd")) {
		char **img = hilt_xml_is(c, "kernel") ? &q->kernel : &q->initrd;

		free(*img);
		*img = NULL;
		rc = image_path(path, c, dir, text, img, err, errlen);
	} else if (hilt_xml_is(c, "drive") || hilt_xml_is(c, "arg")) {
		if (!*text) {
			rc = hilt_xml_error(err, errlen, path, c, "<%s> is empty",
					    (const char *)c->name);
			goto out;
		}
		if (hilt_xml_is(c, "drive"))
			return push_str(&q->drives, &q->ndrives, text);
		return push_str(&q->args, &q->nargs, text);
	} else
		rc = hilt_xml_error(err, errlen, path, c,
				    "unknown element <%s> in a qemu <target> (expected binary, machine, accel, memory, cpus, kernel, initrd, append, nic, drive or arg)",
				    (const char *)c->name);
out:
	free(text);
	return rc;
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

static char *resolve(const char *dir, const char *p)
{
	char *full;

	if (p[0] == '/' || !dir)
		return strdup(p);
	return asprintf(&full, "%s/%s", dir, p) < 0 ? NULL : full;
}

/* The log is not checked here: a missing recording is an infrastructure
 * error of the session, like a missing board. */
static int parse_replay_child(const char *path, const char *dir,
			      const xmlNode *c, struct hilt_replay_config *r,
			      char *err, size_t errlen)
{
	char *text = NULL;
	int rc = hilt_xml_text(path, c, true, &text, err, errlen);

	if (rc)
		return rc;
	if (c->properties)
		rc = hilt_xml_error(err, errlen, path, c, "unknown attribute '%s' on <%s>",
				    (const char *)c->properties->name,
				    (const char *)c->name);
	else if (!*text)
		rc = hilt_xml_error(err, errlen, path, c, "<%s> is empty",
				    (const char *)c->name);
	else if (hilt_xml_is(c, "log") || hilt_xml_is(c, "timing")) {
		char **slot = hilt_xml_is(c, "log") ? &r->log : &r->timing;

		free(*slot);
		if (!(*slot = resolve(dir, text)))
			rc = -ENOMEM;
	} else if (hilt_xml_is(c, "speed")) {
		if (strcmp(text, "max") == 0)
			r->realtime = false;
		else if (strcmp(text, "realtime") == 0)
			r->realtime = true;
		else
			rc = hilt_xml_error(err, errlen, path, c,
					    "<speed> must be max or realtime, not '%s'", text);
	} else {
		rc = hilt_xml_error(err, errlen, path, c,
				    "unknown element <%s> in a replay <target> (expected log, timing or speed)",
				    (const char *)c->name);
	}
	free(text);
	return rc;
}

static int finish_replay(struct hilt_replay_config *r)
{
	if (!r->timing && !(r->timing = default_timing_path(r->log)))
		return -ENOMEM;
	return 0;
}


static int parse_command(const char *path, const xmlNode *node,
			 struct hilt_command *cmd, char *err, size_t errlen)
{
	static const char *const attrs[] = { "timeout", NULL };
	int rc = hilt_xml_check_attrs(path, node, attrs, err, errlen);

	if (cmd->argv)
		return hilt_xml_error(err, errlen, path, node, "only one <%s> is allowed",
				      (const char *)node->name);
	cmd->timeout_s = 60;
	if (rc == 0)
		rc = hilt_xml_seconds(path, node, "timeout", &cmd->timeout_s, err, errlen);
	if (rc == 0)
		rc = hilt_xml_check_element_only(path, node, err, errlen);
	for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
		char *text = NULL;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!hilt_xml_is(c, "arg"))
			return hilt_xml_error(err, errlen, path, c,
					      "unknown element <%s> in <%s> (expected <arg>)",
					      (const char *)c->name, (const char *)node->name);
		if (c->properties)
			return hilt_xml_error(err, errlen, path, c, "unknown attribute '%s' on <arg>",
					      (const char *)c->properties->name);
		rc = hilt_xml_text(path, c, true, &text, err, errlen);
		if (rc == 0)
			rc = push_str(&cmd->argv, &cmd->argc, text);
	}
	if (rc == 0 && cmd->argc == 0)
		rc = hilt_xml_error(err, errlen, path, node, "<%s> needs at least one <arg>",
				    (const char *)node->name);
	return rc;
}

static int parse_console(const char *path, const xmlNode *node,
			 struct hilt_console_config *k, char *err, size_t errlen)
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
	int type = -1, v, rc = hilt_xml_check_attrs(path, node, attrs, err, errlen);
	char *s = NULL;
	unsigned n;

	if (rc == 0 && hilt_xml_choice(path, node, "type", types, &type, err, errlen) < 0)
		return -EINVAL;
	if (rc == 0 && type < 0)
		rc = hilt_xml_error(err, errlen, path, node,
				    "<console> needs type=\"tcp\", \"telnet\", \"tty\" or \"serial\"");
	if (rc)
		return rc;
	k->kind = (enum hilt_console_kind)type;
	if (k->kind == HILT_CONSOLE_TCP || k->kind == HILT_CONSOLE_TELNET) {
		for (size_t i = 1; attrs[i]; i++)
			if (i != 2 && i != 3 && xmlHasProp(node, (const xmlChar *)attrs[i]))
				return hilt_xml_error(err, errlen, path, node,
						      "'%s' is for tty and serial consoles, not %s",
						      attrs[i], types[type]);
		k->host = hilt_xml_attr(node, "host");
		if (!k->host && !(k->host = strdup("127.0.0.1")))
			return -ENOMEM;
		s = hilt_xml_attr_required(path, node, "port", err, errlen);
		rc = s ? parse_uint(path, node, s, 65535, &n, err, errlen) : -EINVAL;
		k->port = (int)n;
		free(s);
		return rc;
	}
	if (xmlHasProp(node, (const xmlChar *)"host") || xmlHasProp(node, (const xmlChar *)"port"))
		return hilt_xml_error(err, errlen, path, node,
				      "host and port are for tcp and telnet consoles, not %s",
				      types[type]);
	if (!(k->path = hilt_xml_attr_required(path, node, "path", err, errlen)))
		return -EINVAL;
	s = hilt_xml_attr(node, "baud");
	if (s)
		rc = parse_uint(path, node, s, 4000000, &k->baud, err, errlen);
	free(s);
	if (rc == 0 && (rc = hilt_xml_choice(path, node, "data-bits", bits, &v, err, errlen)) == 1)
		k->data_bits = (unsigned)v + 5;
	if (rc >= 0 && (rc = hilt_xml_choice(path, node, "parity", parities, &v, err, errlen)) == 1)
		k->parity = (enum hilt_parity)v;
	if (rc >= 0 && (rc = hilt_xml_choice(path, node, "stop-bits", stops, &v, err, errlen)) == 1)
		k->stop_bits = (unsigned)v + 1;
	if (rc >= 0 && (rc = hilt_xml_choice(path, node, "flow", flows, &v, err, errlen)) == 1)
		k->flow = (enum hilt_flow)v;
	/* Any line setting given: the ones not given are set to their default
	 * (none) rather than left as the port was. */
	static const char *const line_attrs[] = { "data-bits", "parity", "stop-bits", "flow" };

	for (size_t i = 0; i < sizeof(line_attrs) / sizeof(*line_attrs); i++)
		k->line_settings |= xmlHasProp(node, (const xmlChar *)line_attrs[i]) != NULL;
	if (rc >= 0)
		rc = hilt_xml_seconds(path, node, "reappear", &k->reappear_s, err, errlen);
	return rc < 0 ? rc : 0;
}

static int parse_gpio(const char *path, const xmlNode *node, struct hilt_gpio_config *g,
		      char *err, size_t errlen)
{
	static const char *const attrs[] = { "chip", NULL };
	static const char *const line_attrs[] = { "name", "offset", "chip-line", "active-low", NULL };
	int rc = hilt_xml_check_attrs(path, node, attrs, err, errlen);

	if (rc == 0 && g->chip)
		rc = hilt_xml_error(err, errlen, path, node, "only one <gpio> is allowed");
	if (rc == 0 && !(g->chip = hilt_xml_attr_required(path, node, "chip", err, errlen)))
		rc = -EINVAL;
	if (rc == 0)
		rc = hilt_xml_check_element_only(path, node, err, errlen);
	for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!hilt_xml_is(c, "line"))
			return hilt_xml_error(err, errlen, path, c,
					      "unknown element <%s> in <gpio> (expected <line>)",
					      (const char *)c->name);
		struct hilt_gpio_line_config *l = realloc(g->lines, (g->nlines + 1) * sizeof(*l));

		if (!l)
			return -ENOMEM;
		g->lines = l;
		l = &l[g->nlines];
		memset(l, 0, sizeof(*l));
		rc = hilt_xml_check_attrs(path, c, line_attrs, err, errlen);
		if (rc == 0 && !(l->name = hilt_xml_attr_required(path, c, "name", err, errlen)))
			rc = -EINVAL;
		g->nlines += l->name != NULL;
		for (size_t i = 0; rc == 0 && i + 1 < g->nlines; i++)
			if (strcmp(g->lines[i].name, l->name) == 0)
				rc = hilt_xml_error(err, errlen, path, c,
						    "GPIO line '%s' is named twice", l->name);
		/* The line by its offset, or by the chip's name for it. */
		l->chip_line = rc == 0 ? hilt_xml_attr(c, "chip-line") : NULL;
		bool has_off = xmlHasProp(c, (const xmlChar *)"offset") != NULL;

		if (rc == 0 && has_off == (l->chip_line != NULL))
			rc = hilt_xml_error(err, errlen, path, c,
					    "GPIO line '%s' needs offset=\"N\" or chip-line=\"NAME\" (one of them)",
					    l->name);
		char *off = rc == 0 && has_off ? hilt_xml_attr(c, "offset") : NULL;

		if (rc == 0 && off) {
			char *end;
			unsigned long v = strtoul(off, &end, 10);

			if (!*off || *end || v > 1023)
				rc = hilt_xml_error(err, errlen, path, c,
						    "offset must be a line number from 0 to 1023, not '%s'", off);
			l->offset = (unsigned)v;
		}
		free(off);
		if (rc == 0)
			rc = hilt_xml_bool(path, c, "active-low", &l->active_low, err, errlen);
	}
	return rc;
}

static int parse_sequence(const char *path, const xmlNode *node,
			  const struct hilt_gpio_config *g, struct hilt_gpio_sequence *seq,
			  char *err, size_t errlen)
{
	int rc = node->properties ? hilt_xml_error(err, errlen, path, node,
						   "unknown attribute '%s' on <%s>",
						   (const char *)node->properties->name,
						   (const char *)node->name)
				  : hilt_xml_check_element_only(path, node, err, errlen);

	if (rc == 0 && seq->steps)
		rc = hilt_xml_error(err, errlen, path, node, "only one <%s> is allowed",
				    (const char *)node->name);
	if (rc == 0 && !g->chip)
		rc = hilt_xml_error(err, errlen, path, node,
				    "<%s> needs a <gpio> with its lines before it",
				    (const char *)node->name);
	for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
		struct hilt_gpio_step step = { 0 };

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "set")) {
			static const char *const attrs[] = { "line", "value", NULL };
			char *line = hilt_xml_attr_required(path, c, "line", err, errlen);
			char *value = hilt_xml_attr(c, "value");
			size_t i;

			rc = line ? hilt_xml_check_attrs(path, c, attrs, err, errlen) : -EINVAL;
			for (i = 0; rc == 0 && i < g->nlines; i++)
				if (strcmp(g->lines[i].name, line) == 0)
					break;
			if (rc == 0 && i == g->nlines)
				rc = hilt_xml_error(err, errlen, path, c, "no GPIO line named '%s'", line);
			if (rc == 0 && (!value || (strcmp(value, "0") && strcmp(value, "1"))))
				rc = hilt_xml_error(err, errlen, path, c,
						    "<set> needs value=\"1\" (asserted) or value=\"0\"");
			step = (struct hilt_gpio_step){ .kind = HILT_GPIO_SET, .line = i,
							.value = value && value[0] == '1' };
			free(line);
			free(value);
		} else if (hilt_xml_is(c, "wait")) {
			static const char *const attrs[] = { "ms", NULL };
			char *ms = hilt_xml_attr_required(path, c, "ms", err, errlen), *end = NULL;
			unsigned long v = ms ? strtoul(ms, &end, 10) : 0;

			rc = ms ? hilt_xml_check_attrs(path, c, attrs, err, errlen) : -EINVAL;
			if (rc == 0 && (!*ms || *end || v > 60000))
				rc = hilt_xml_error(err, errlen, path, c,
						    "ms must be from 0 to 60000, not '%s'", ms);
			step = (struct hilt_gpio_step){ .kind = HILT_GPIO_WAIT, .ms = (unsigned)v };
			free(ms);
		} else if (hilt_xml_is(c, "drain")) {
			rc = c->properties ? hilt_xml_error(err, errlen, path, c,
							    "<drain> takes no attributes") : 0;
			step.kind = HILT_GPIO_DRAIN;
		} else {
			rc = hilt_xml_error(err, errlen, path, c,
					    "unknown element <%s> in <%s> (expected set, wait or drain)",
					    (const char *)c->name, (const char *)node->name);
		}
		if (rc == 0) {
			struct hilt_gpio_step *st = realloc(seq->steps, (seq->nsteps + 1) * sizeof(*st));

			if (!st)
				return -ENOMEM;
			seq->steps = st;
			st[seq->nsteps++] = step;
		}
	}
	return rc;
}

/* The device is not opened here: a missing board is an infrastructure
 * error of its session, not a configuration error. */
static int parse_board_child(const char *path, const xmlNode *c,
			     struct hilt_board_config *b, char *err, size_t errlen)
{
	if (hilt_xml_is(c, "console"))
		return parse_console(path, c, &b->console, err, errlen);
	if (hilt_xml_is(c, "reset"))
		return parse_command(path, c, &b->reset, err, errlen);
	if (hilt_xml_is(c, "flash"))
		return parse_command(path, c, &b->flash, err, errlen);
	if (hilt_xml_is(c, "power-on"))
		return parse_command(path, c, &b->power_on, err, errlen);
	if (hilt_xml_is(c, "power-off"))
		return parse_command(path, c, &b->power_off, err, errlen);
	if (hilt_xml_is(c, "address")) {
		if (b->address)
			return hilt_xml_error(err, errlen, path, c, "only one <address> is allowed");
		int rc = hilt_xml_check_attrs(path, c, (const char *const[]){ NULL }, err, errlen);

		return rc ? rc : hilt_xml_text(path, c, true, &b->address, err, errlen);
	}
	if (hilt_xml_is(c, "gpio"))
		return parse_gpio(path, c, &b->gpio, err, errlen);
	if (hilt_xml_is(c, "reset-sequence"))
		return parse_sequence(path, c, &b->gpio, &b->gpio.reset, err, errlen);
	if (hilt_xml_is(c, "download-sequence"))
		return parse_sequence(path, c, &b->gpio, &b->gpio.download, err, errlen);
	if (hilt_xml_is(c, "var")) {
		static const char *const attrs[] = { "name", NULL };
		char *name = hilt_xml_attr_required(path, c, "name", err, errlen), *text = NULL;
		int rc = name ? hilt_xml_check_attrs(path, c, attrs, err, errlen) : -EINVAL;

		if (rc == 0)
			rc = hilt_xml_text(path, c, true, &text, err, errlen);
		if (rc == 0 && (rc = push_str(&b->var_names, &b->nvars, name)) == 0) {
			b->nvars--;
			rc = push_str(&b->var_values, &b->nvars, text);
			name = NULL;
			text = NULL;
		}
		free(name);
		free(text);
		return rc;
	}
	if (hilt_xml_is(c, "lock")) {
		static const char *const attrs[] = { "dir", "wait", NULL };
		int rc = hilt_xml_check_attrs(path, c, attrs, err, errlen);
		char *dir = hilt_xml_attr(c, "dir");

		if (dir) {
			free(b->lock_dir);
			b->lock_dir = dir;
		}
		if (rc == 0) {
			/* wait="0" is allowed: report busy at once. */
			char *w = hilt_xml_attr(c, "wait");

			if (w && strcmp(w, "0") == 0)
				b->lock_wait_s = 0;
			else if (w)
				rc = hilt_xml_seconds(path, c, "wait", &b->lock_wait_s, err, errlen);
			free(w);
		}
		return rc;
	}
	return hilt_xml_error(err, errlen, path, c,
			      "unknown element <%s> in a board <target> (expected console, reset, flash, power-on, power-off, address, gpio, reset-sequence, download-sequence, var or lock)",
			      (const char *)c->name);
}

static int parse_tags(const char *path, const xmlNode *node, const char *tags,
		      struct hilt_target_config *t, char *err, size_t errlen)
{
	char *copy = strdup(tags), *save = NULL;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, " \t\n", &save); tok && rc == 0;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || !eq[1])
			rc = hilt_xml_error(err, errlen, path, node,
					    "tag '%s' is not of the form key=value", tok);
		else
			rc = push_str(&t->tags, &t->ntags, strdup(tok));
	}
	free(copy);
	return rc;
}

static int parse_target(const char *path, const char *dir, const xmlNode *node,
			struct hilt_farm *farm, char *err, size_t errlen)
{
	static const char *const attrs[] = { "name", "kind", "tags", NULL };
	struct hilt_target_config *t;
	int rc;

	t = realloc(farm->targets, (farm->ntargets + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	farm->targets = t;
	t = &t[farm->ntargets++];
	memset(t, 0, sizeof(*t));
	if (asprintf(&t->source, "%s:%ld", path, xmlGetLineNo(node)) < 0) {
		t->source = NULL;
		return -ENOMEM;
	}
	rc = hilt_xml_check_attrs(path, node, attrs, err, errlen);
	if (rc == 0 && !(t->name = hilt_xml_attr_required(path, node, "name", err, errlen)))
		rc = -EINVAL;
	if (rc == 0 && !(t->kind = hilt_xml_attr_required(path, node, "kind", err, errlen)))
		rc = -EINVAL;
	for (size_t i = 0; rc == 0 && i + 1 < farm->ntargets; i++)
		if (strcmp(farm->targets[i].name, t->name) == 0)
			rc = hilt_xml_error(err, errlen, path, node,
					    "target name '%s' is used twice", t->name);
	if (rc == 0 && !hilt_target_ops_find(t->kind))
		rc = hilt_xml_error(err, errlen, path, node,
				    "unknown target kind '%s' (known: qemu, replay, board)", t->kind);
	if (rc == 0) {
		char *tags = hilt_xml_attr(node, "tags");

		if (tags)
			rc = parse_tags(path, node, tags, t, err, errlen);
		free(tags);
	}
	if (rc == 0)
		rc = hilt_xml_check_element_only(path, node, err, errlen);
	bool qemu = rc == 0 && strcmp(t->kind, "qemu") == 0;
	bool board = rc == 0 && strcmp(t->kind, "board") == 0;

	if (qemu)
		rc = set_qemu_defaults(&t->qemu);
	if (board) {
		t->board.lock_wait_s = 600;
		if (!(t->board.lock_dir = strdup("/run/lock")))
			rc = -ENOMEM;
	}
	for (const xmlNode *c = node->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (qemu)
			rc = parse_qemu_child(path, dir, c, &t->qemu, err, errlen);
		else if (board)
			rc = parse_board_child(path, c, &t->board, err, errlen);
		else
			rc = parse_replay_child(path, dir, c, &t->replay, err, errlen);
	}
	if (board) {
		if (rc == 0 && !t->board.console.host && !t->board.console.path)
			rc = hilt_xml_error(err, errlen, path, node,
					    "board target '%s' needs a <console>", t->name);
		return rc;
	}
	if (rc == 0 && qemu && !t->qemu.kernel)
		rc = hilt_xml_error(err, errlen, path, node,
				    "qemu target '%s' needs a <kernel>", t->name);
	if (rc == 0 && !qemu && !t->replay.log)
		rc = hilt_xml_error(err, errlen, path, node,
				    "replay target '%s' needs a <log>", t->name);
	if (rc == 0 && !qemu)
		rc = finish_replay(&t->replay);
	return rc;
}

int hilt_farm_load(const char *path, struct hilt_farm **out, char *err,
		   size_t errlen)
{
	struct hilt_farm *farm;
	xmlDoc *doc;
	int rc = hilt_xml_load(path, &doc, err, errlen);

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
	const char *dir = dirname(pathcopy);
	xmlNode *root = xmlDocGetRootElement(doc);

	if (!hilt_xml_is(root, "farm"))
		rc = hilt_xml_error(err, errlen, path, root,
				    "root element must be <farm>, not <%s>",
				    (const char *)root->name);
	else if (root->properties)
		rc = hilt_xml_error(err, errlen, path, root,
				    "unknown attribute '%s' on <farm>",
				    (const char *)root->properties->name);
	else
		rc = hilt_xml_check_element_only(path, root, err, errlen);
	for (const xmlNode *c = root->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (hilt_xml_is(c, "target"))
			rc = parse_target(path, dir, c, farm, err, errlen);
		else
			rc = hilt_xml_error(err, errlen, path, c,
					    "unknown element <%s> in <farm> (expected <target>)",
					    (const char *)c->name);
	}
	if (rc == 0 && farm->ntargets == 0)
		rc = hilt_xml_error(err, errlen, path, root, "the farm has no <target>");
	free(pathcopy);
	xmlFreeDoc(doc);
	if (rc) {
		hilt_farm_free(farm);
		return rc;
	}
	*out = farm;
	return 0;
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
		snprintf(err, errlen,
			 "the default guest is not built (%s missing): build it with 'cmake --build build --target guest', or pass --farm",
			 access(t->qemu.kernel, R_OK) < 0 ? t->qemu.kernel : t->qemu.initrd);
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
