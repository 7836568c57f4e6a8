/* The board kind's configuration: its farm <target> read into a struct
 * hilt_board_config (targets/board.h), and what hilt validate checks of
 * one on the farm host.  The runtime is targets/board.c.
 *
 * check_gpio_chip, hilt_board_check   the host's devices, programs, folders
 * hilt_board_port_name, _expand       what the commands are given
 * hilt_board_config_free
 * parse_image ... parse_lock          one per element of a board <target>
 * parse_board_child, hilt_board_parse the <target> itself
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xmlfile.h"
#include "base/template.h"
#include "targets/board.h"
#include "targets/espimage.h"
#include "targets/target.h"

/* A GPIO chip given as libgpiod looks it up: a path, a number or
 * "gpiochipN" name a device file; a label cannot be checked here. */
static void check_gpio_chip(const struct hilt_target_config *cfg, struct hilt_check *chk)
{
	const struct hilt_board_config *b = cfg->priv;
	const char *chip = b->gpio.chip;
	long line = b->gpio_line;
	char dev[4096];
	struct stat st;

	if (!chip)
		return;
	if (strncmp(chip, "fake:", 5) == 0) {
		/* The record is made; its folder must be there. */
		snprintf(dev, sizeof(dev), "%s", chip + 5);
		char *slash = strrchr(dev, '/');

		if (slash && slash != dev) {
			*slash = '\0';
			if (stat(dev, &st) < 0 || !S_ISDIR(st.st_mode))
				chk->report(chk, HILT_CHECK_WARNING, line,
					    "GPIO record folder '%s' does not exist on this host", dev);
		}
		return;
	}
	if (chip[0] == '/')
		snprintf(dev, sizeof(dev), "%s", chip);
	else if (strspn(chip, "0123456789") == strlen(chip))
		snprintf(dev, sizeof(dev), "/dev/gpiochip%s", chip);
	else if (strncmp(chip, "gpiochip", 8) == 0)
		snprintf(dev, sizeof(dev), "/dev/%s", chip);
	else
		return;
	if (stat(dev, &st) < 0)
		chk->report(chk, HILT_CHECK_WARNING, line, "GPIO chip '%s' (%s) %s on this host",
			    chip, dev, errno == ENOENT ? "does not exist" : strerror(errno));
}

/* What a run needs of the host: the console device, the commands' programs
 * (after {var} replacement), the GPIO chip and the lock folder.  All may
 * exist on the farm host only: warnings. */
void hilt_board_check(const struct hilt_target_config *cfg, struct hilt_check *chk)
{
	const struct hilt_board_config *b = cfg->priv;
	const struct {
		const char *what;
		const struct hilt_command *cmd;
	} cmds[] = {
		{ "<flash>", &b->flash }, { "<reset>", &b->reset },
		{ "<power-on>", &b->power_on }, { "<power-off>", &b->power_off },
	};
	char port[512], why[256];
	struct stat st;

	/* The images to flash, as a session would verify them: built
	 * elsewhere and copied, they may be missing here. */
	for (size_t i = 0; i < b->images.n; i++) {
		struct hilt_flash_set one = { .img = &b->images.img[i], .n = 1,
					      .chip = b->images.chip };
		struct hilt_flash_found found;
		char why_img[1024];

		if (hilt_flash_verify(&one, &found, why_img, sizeof(why_img)))
			chk->report(chk, HILT_CHECK_WARNING, b->images.img[i].line, "%s", why_img);
	}
	if (b->console.path && stat(b->console.path, &st) < 0)
		chk->report(chk, HILT_CHECK_WARNING, b->console_line,
			    "console '%s' %s on this host", b->console.path,
			    errno == ENOENT ? "does not exist" : strerror(errno));
	else if (b->console.path && !S_ISCHR(st.st_mode))
		chk->report(chk, HILT_CHECK_WARNING, b->console_line,
			    "console '%s' is not a character device", b->console.path);
	/* The commands as a session would run them, {port} and <var>s
	 * replaced. */
	hilt_board_port_name(b, port, sizeof(port));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++) {
		char *prog = cmds[i].cmd->argc ? hilt_board_expand(cfg, port, cmds[i].cmd->argv[0])
					       : NULL;

		if (prog && chk->find_program(prog, why, sizeof(why)) < 0)
			chk->report(chk, HILT_CHECK_WARNING, cmds[i].cmd->line,
				    "%s program '%s' %s on this host", cmds[i].what, prog, why);
		free(prog);
	}
	check_gpio_chip(cfg, chk);
	if (b->lock_dir && stat(b->lock_dir, &st) < 0)
		chk->report(chk, HILT_CHECK_WARNING, b->lock_line, "lock folder '%s' %s on this host",
			    b->lock_dir, errno == ENOENT ? "does not exist" : strerror(errno));
	else if (b->lock_dir && !S_ISDIR(st.st_mode))
		chk->report(chk, HILT_CHECK_WARNING, b->lock_line,
			    "lock folder '%s' is not a folder on this host", b->lock_dir);
}

/* ---- What the commands are given: {port}, {name} and <var>s ---- */

void hilt_board_port_name(const struct hilt_board_config *b, char *buf, size_t len)
{
	if (b->console.path)
		snprintf(buf, len, "%s", b->console.path);
	else
		snprintf(buf, len, "%s:%d", b->console.host, b->console.port);
}

struct board_lookup {
	const struct hilt_target_config *cfg;
	const char *port;
};

static const char *board_value(const char *name, size_t n, void *arg)
{
	const struct board_lookup *l = arg;
	const struct hilt_board_config *b = l->cfg->priv;

	if (n == 4 && strncmp(name, "port", 4) == 0)
		return l->port;
	if (n == 4 && strncmp(name, "name", 4) == 0)
		return l->cfg->name;
	for (size_t i = 0; i < b->nvars; i++)
		if (strlen(b->var_names[i]) == n && strncmp(name, b->var_names[i], n) == 0)
			return b->var_values[i];
	return NULL;
}

char *hilt_board_expand(const struct hilt_target_config *cfg, const char *port, const char *arg)
{
	struct board_lookup l = { cfg, port };
	struct hilt_template t = {
		.syntax = HILT_TEMPLATE_BRACE, .lookup = board_value, .arg = &l, .keep_unknown = true,
	};
	char err[64];

	return hilt_template_expand(arg, &t, err, sizeof(err));
}

/* ---- The configuration: the farm's board <target> ---- */

static void free_command(struct hilt_command *cmd)
{
	hilt_config_strv_free(cmd->argv, cmd->argc);
}

void hilt_board_config_free(struct hilt_board_config *b)
{
	if (!b)
		return;
	free(b->console.path);
	free(b->console.host);
	free(b->lock_dir);
	free_command(&b->reset);
	free_command(&b->flash);
	hilt_flash_set_free(&b->images);
	free_command(&b->power_on);
	free_command(&b->power_off);
	hilt_pdu_config_free(&b->pdu);
	free(b->power_check.gone);
	free(b->address);
	hilt_config_strv_free(b->var_names, b->nvars);
	hilt_config_strv_free(b->var_values, b->nvars);
	hilt_gpio_config_free(&b->gpio);
	free(b);
}

void hilt_board_free_config(void *priv)
{
	hilt_board_config_free(priv);
}

/* <image offset="0x10000">app.bin</image> of a <flash>: what it writes. */
static void parse_image(struct hilt_config_loader *ld, const xmlNode *c,
			struct hilt_flash_set *set)
{
	static const char *const attrs[] = { "offset", NULL };
	xmlChar *off = xmlGetProp(c, BAD_CAST "offset");
	char *end = NULL, *text;
	unsigned long long v = 0;
	struct hilt_flash_image *more;

	hilt_xml_check_attrs(ld->d, c, attrs);
	if (off) {
		errno = 0;
		v = strtoull((const char *)off, &end, 0);
	}
	if (!off || errno || end == (char *)off || *end || *off == '-' || v > 0xFFFFFFFFull) {
		hilt_xml_error(ld->d, c, "<image> needs offset=\"0x10000\" (where the flash gets "
			       "it), not '%s'", off ? (const char *)off : "");
		xmlFree(off);
		return;
	}
	xmlFree(off);
	/* hilt_config_text would refuse the attribute; the text itself: */
	xmlChar *raw = xmlNodeGetContent(c);

	text = raw ? strdup((const char *)raw) : NULL;
	xmlFree(raw);
	if (text) {
		char *a = text, *z;

		while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
			a++;
		z = a + strlen(a);
		while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\n' || z[-1] == '\r'))
			*--z = '\0';
		memmove(text, a, strlen(a) + 1);
	}
	if (!text || !*text) {
		if (text)
			hilt_xml_error(ld->d, c, "<image> names no file");
		else
			ld->oom = true;
		free(text);
		return;
	}
	more = realloc(set->img, (set->n + 1) * sizeof(*more));
	char *path = hilt_config_path(ld, text);

	free(text);
	if (!more || !path) {
		if (more)
			set->img = more;
		free(path);
		ld->oom = true;
		return;
	}
	set->img = more;
	set->img[set->n++] = (struct hilt_flash_image){
		.path = path, .offset = (uint32_t)v, .line = xmlGetLineNo(c),
	};
}

static void parse_command(struct hilt_config_loader *ld, const xmlNode *node,
			  struct hilt_command *cmd, struct hilt_flash_set *images)
{
	static const char *const attrs[] = { "timeout", NULL };
	static const char *const flash_attrs[] = { "timeout", "chip", NULL };
	bool args = false;

	if (cmd->line) {
		hilt_xml_error(ld->d, node, "only one <%s> is allowed (the first is at line %ld)",
			       (const char *)node->name, cmd->line);
		return;
	}
	cmd->line = xmlGetLineNo(node);
	cmd->timeout_s = 60;
	hilt_xml_check_attrs(ld->d, node, images ? flash_attrs : attrs);
	hilt_xml_seconds(ld->d, node, "timeout", &cmd->timeout_s);
	hilt_xml_check_element_only(ld->d, node);
	if (images) {
		xmlChar *chip = xmlGetProp(node, BAD_CAST "chip");

		if (chip && (images->chip = hilt_esp_chip_parse((const char *)chip)) ==
				    HILT_ESP_UNKNOWN)
			hilt_xml_error(ld->d, node, "chip '%s': esp32, esp32s2, esp32s3, esp32c2, "
				       "esp32c3, esp32c6, esp32h2, esp32p4 or esp8266",
				       (const char *)chip);
		xmlFree(chip);
	}
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (images && hilt_xml_is(c, "image")) {
			parse_image(ld, c, images);
			continue;
		}
		if (!hilt_xml_is(c, "arg")) {
			hilt_xml_error(ld->d, c, "unknown element <%s> in <%s> (expected <arg>%s)",
				       (const char *)c->name, (const char *)node->name,
				       images ? " or <image>" : "");
			continue;
		}
		args = true;
		char *text = hilt_config_text(ld, c);

		if (text)
			hilt_config_note(ld, hilt_config_push(&cmd->argv, &cmd->argc, text));
	}
	if (!args)
		hilt_xml_error(ld->d, node, "<%s> needs at least one <arg>",
			       (const char *)node->name);
}

static void parse_console(struct hilt_config_loader *ld, const xmlNode *node,
			  struct hilt_board_config *b)
{
	static const char *const attrs[] = {
		"type", "path", "host", "port", "baud", "data-bits", "parity", "stop-bits",
		"flow", "reappear", NULL,
	};
	static const char *const parities[] = { "none", "odd", "even", "mark", "space", NULL };
	static const char *const flows[] = { "none", "xonxoff", "rtscts", "dtrdsr", NULL };
	static const char *const bits[] = { "5", "6", "7", "8", NULL };
	static const char *const stops[] = { "1", "2", NULL };
	struct hilt_console_config *k = &b->console;
	const char *types[HILT_CONSOLE_NTYPES + 1] = { NULL };
	char list[256] = "";
	int type = -1, v;
	unsigned long n;

	if (b->console_line) {
		hilt_xml_error(ld->d, node, "only one <console> is allowed (the first is at line %ld)",
			       b->console_line);
		return;
	}
	b->console_line = xmlGetLineNo(node);
	hilt_xml_check_attrs(ld->d, node, attrs);
	for (int i = 0; i < HILT_CONSOLE_NTYPES; i++) {
		size_t used = strlen(list);

		types[i] = hilt_console_type_name((enum hilt_console_kind)i);
		snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
			 i == 0 ? "" : i + 1 < HILT_CONSOLE_NTYPES ? ", " : " or ", types[i]);
	}
	int rc = hilt_xml_choice(ld->d, node, "type", types, &type);

	if (rc == 0)
		hilt_xml_error(ld->d, node, "<console> needs type=%s", list);
	if (rc != 1)
		return;
	k->kind = (enum hilt_console_kind)type;
	if (hilt_console_type_socket(k->kind)) {
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

static void parse_gpio_line(struct hilt_config_loader *ld, const xmlNode *c,
			    struct hilt_gpio_config *g)
{
	static const char *const attrs[] = { "name", "offset", "chip-line", "active-low", "input",
					     NULL };
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
	hilt_xml_bool(ld->d, c, "input", &line.input);
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

static void parse_gpio(struct hilt_config_loader *ld, const xmlNode *node,
		       struct hilt_board_config *b)
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
static int parse_sequence_step(struct hilt_config_loader *ld, const xmlNode *c,
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
		else if (g->lines[i].input)
			rc = hilt_xml_error(ld->d, c, "GPIO line '%s' is an input (input=\"true\"): a sequence cannot set it",
					    line);
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

static void parse_sequence(struct hilt_config_loader *ld, const xmlNode *node,
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

static void parse_var(struct hilt_config_loader *ld, const xmlNode *c,
		      struct hilt_board_config *b)
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
	if (hilt_config_note(ld, hilt_xml_text(ld->d, c, true, &text)) == 0 && name) {
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

static void parse_lock(struct hilt_config_loader *ld, const xmlNode *c,
		       struct hilt_board_config *b)
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

/* gpio="NAME" of a <power-check>: an input line of the <gpio> before it. */
static void parse_power_check_gpio(struct hilt_config_loader *ld, const xmlNode *c,
				   struct hilt_board_config *b, const char *name)
{
	const struct hilt_gpio_config *g = &b->gpio;
	size_t i;

	if (!b->gpio_line) {
		hilt_xml_error(ld->d, c, "<power-check> gpio=\"%s\" needs a <gpio> with its lines before it",
			       name);
		return;
	}
	for (i = 0; i < g->nlines && strcmp(g->lines[i].name, name); i++)
		;
	if (i == g->nlines)
		hilt_xml_error(ld->d, c, "no GPIO line named '%s'", name);
	else if (!g->lines[i].input)
		hilt_xml_error(ld->d, c, "GPIO line '%s' is an output: a <power-check> reads an input line (input=\"true\" on its <line>)",
			       name);
	else
		b->power_check.sense = i;
}

/* <power-check silent="S"|gone="PATH"|gpio="NAME" [timeout="S"]/>: how a
 * power-off is confirmed. */
static void parse_power_check(struct hilt_config_loader *ld, const xmlNode *c,
			      struct hilt_board_config *b)
{
	static const char *const attrs[] = { "silent", "gone", "gpio", "timeout", NULL };
	char *gone = hilt_xml_attr(c, "gone");
	char *gpio = hilt_xml_attr(c, "gpio");
	int ways = !!gone + !!gpio + !!xmlHasProp(c, BAD_CAST "silent");

	if (b->power_check.line) {
		hilt_xml_error(ld->d, c, "only one <power-check> is allowed (the first is at line %ld)",
			       b->power_check.line);
		free(gone);
		free(gpio);
		return;
	}
	b->power_check.line = xmlGetLineNo(c);
	b->power_check.timeout_s = 10;
	hilt_xml_check_attrs(ld->d, c, attrs);
	hilt_xml_check_element_only(ld->d, c);
	hilt_xml_seconds(ld->d, c, "silent", &b->power_check.silent_s);
	hilt_xml_seconds(ld->d, c, "timeout", &b->power_check.timeout_s);
	if (gone && !*gone)
		hilt_xml_error(ld->d, c, "<power-check> gone is empty");
	else if (gone && !(b->power_check.gone = hilt_config_path(ld, gone)))
		ld->oom = true;
	if (ways != 1)
		hilt_xml_error(ld->d, c, "<power-check> takes one of silent=\"SECONDS\" (the console says nothing that long), gone=\"PATH\" (a device that goes away with the power) or gpio=\"LINE\" (an input line of <gpio> that reads 0 with the power off)");
	else if (gpio) {
		b->power_check.by_gpio = true;
		parse_power_check_gpio(ld, c, b, gpio);
	}
	free(gone);
	free(gpio);
}

/* <power pdudaemon="URL" pdu="NAME" port="N" [delay="S"] [timeout="S"]
 * [reset="true"]/>: power through pdudaemon instead of commands. */
static void parse_pdu(struct hilt_config_loader *ld, const xmlNode *c,
		      struct hilt_board_config *b)
{
	static const char *const attrs[] = { "pdudaemon", "pdu", "port", "delay", "timeout",
					     "reset", NULL };
	struct hilt_pdu_config *p = &b->pdu;

	if (p->line) {
		hilt_xml_error(ld->d, c, "only one <power> is allowed (the first is at line %ld)",
			       p->line);
		return;
	}
	p->line = xmlGetLineNo(c);
	p->timeout_s = 10;
	p->port = ULONG_MAX;
	hilt_xml_check_attrs(ld->d, c, attrs);
	hilt_xml_check_element_only(ld->d, c);
	p->url = hilt_xml_attr_required(ld->d, c, "pdudaemon");
	p->pdu = hilt_xml_attr_required(ld->d, c, "pdu");
	if (p->url && strncmp(p->url, "http://", 7) && strncmp(p->url, "https://", 8))
		hilt_xml_error(ld->d, c, "pdudaemon '%s' is not an http:// or https:// URL of its listener (such as http://localhost:16421)",
			       p->url);
	/* The URL's paths are added to it. */
	for (size_t n = p->url ? strlen(p->url) : 0; n && p->url[n - 1] == '/'; n--)
		p->url[n - 1] = '\0';
	if (!xmlHasProp(c, BAD_CAST "port"))
		hilt_xml_error(ld->d, c, "<power> needs the PDU's 'port' (its outlet)");
	hilt_xml_count(ld->d, c, "port", 0, 65535, &p->port);
	hilt_xml_count(ld->d, c, "delay", 1, 3600, &p->delay_s);
	hilt_xml_seconds(ld->d, c, "timeout", &p->timeout_s);
	hilt_xml_bool(ld->d, c, "reset", &p->reset);
}

/* The device is not opened here: a missing board is an infrastructure
 * error of its session, not a configuration error. */
static void parse_board_child(struct hilt_config_loader *ld, const xmlNode *c,
			      struct hilt_board_config *b, struct board_seen *seen)
{
	if (hilt_xml_is(c, "console"))
		parse_console(ld, c, b);
	else if (hilt_xml_is(c, "reset"))
		parse_command(ld, c, &b->reset, NULL);
	else if (hilt_xml_is(c, "flash"))
		parse_command(ld, c, &b->flash, &b->images);
	else if (hilt_xml_is(c, "power-on"))
		parse_command(ld, c, &b->power_on, NULL);
	else if (hilt_xml_is(c, "power-off"))
		parse_command(ld, c, &b->power_off, NULL);
	else if (hilt_xml_is(c, "power"))
		parse_pdu(ld, c, b);
	else if (hilt_xml_is(c, "power-check"))
		parse_power_check(ld, c, b);
	else if (hilt_xml_is(c, "address")) {
		char *text = hilt_config_text(ld, c);

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
			       "unknown element <%s> in a board <target> (expected console, reset, flash, power-on, power-off, power, power-check, address, gpio, reset-sequence, download-sequence, var or lock)",
			       (const char *)c->name);
}


int hilt_board_parse(struct hilt_config_loader *ld, const xmlNode *node,
		     struct hilt_target_config *cfg)
{
	struct hilt_board_config *b = calloc(1, sizeof(*b));
	struct board_seen seen = { 0 };
	char label[HILT_TARGET_NAME_MAX + 32];

	cfg->priv = b;
	if (!b)
		return hilt_config_note(ld, -ENOMEM);
	b->lock_wait_s = 600;
	b->images.chip = HILT_ESP_UNKNOWN;
	if (!(b->lock_dir = strdup("/run/lock")))
		return hilt_config_note(ld, -ENOMEM);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || hilt_config_generic(c))
			continue;
		parse_board_child(ld, c, b, &seen);
	}
	/* The chip, if <flash> does not say, from a chip=... tag. */
	for (size_t i = 0; i < cfg->ntags && b->images.chip == HILT_ESP_UNKNOWN; i++)
		if (!strncmp(cfg->tags[i], "chip=", 5))
			b->images.chip = hilt_esp_chip_parse(cfg->tags[i] + 5);
	hilt_config_label(cfg, label, sizeof(label));
	/* A missing part is reported only when no element was there at all:
	 * one that was there but wrong has had its message. */
	if (!hilt_config_has_child(node, "console"))
		hilt_xml_error(ld->d, node, "board target%s needs a <console>", label);
	if (b->pdu.line && (b->power_on.line || b->power_off.line))
		hilt_xml_error(ld->d, node,
			       "board target%s powers through pdudaemon (<power> at line %ld) and through commands (<power-on>, <power-off>): one or the other",
			       label, b->pdu.line);
	if (b->power_check.line && !b->pdu.line && !b->power_off.line)
		hilt_xml_error(ld->d, node,
			       "board target%s has a <power-check> (line %ld) but no power-off to check: a <power-off> command or <power>",
			       label, b->power_check.line);
	if (b->pdu.reset && b->reset.line)
		hilt_xml_error(ld->d, node,
			       "board target%s resets through pdudaemon (<power reset=\"true\"> at line %ld) and with a <reset> command: one or the other",
			       label, b->pdu.line);
	return ld->oom ? -ENOMEM : 0;
}
