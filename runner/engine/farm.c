#define _GNU_SOURCE
#include "runner/engine/farm.h"
#include "base/number.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xmlfile.h"
#include "targets/target.h"

void hilt_farm_free(struct hilt_farm *farm)
{
	if (!farm)
		return;
	for (size_t i = 0; i < farm->ntargets; i++)
		hilt_target_config_clear(&farm->targets[i]);
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

static void parse_tags(struct hilt_config_loader *ld, const xmlNode *node, const char *tags,
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
			hilt_config_note(ld, hilt_config_push(&t->tags, &t->ntags, strdup(tok)));
	}
	free(copy);
}

/* timeout-multiplier="X": a number above 0 in plain decimal, as every
 * number of a farm file (no sign, exponent or unit), at most 1000 as on
 * the command line. */
static void parse_timeout_multiplier(struct hilt_config_loader *ld, const xmlNode *node,
				     struct hilt_target_config *t)
{
	char *v = hilt_xml_attr(node, "timeout-multiplier");
	double x = 0;

	if (!v)
		return;
	if (hilt_number_double(v, NULL, 0, 1000, &x) < 0)
		x = 0;
	if (x > 0 && x <= 1000)
		t->timeout_multiplier = x;
	else
		hilt_xml_error(ld->d, node,
			       "'timeout-multiplier' must be a number above 0 and at most 1000 in plain decimal (such as 2 or 1.5), not '%s'",
			       v);
	free(v);
}

/* <health-check suite="PATH"/>, <boot suite="PATH"/>: the file must be
 * there, as the images a farm names: the scheduler loads it before the
 * first session.  *path and *line: the target's field for it. */
static void parse_suite_ref(struct hilt_config_loader *ld, const xmlNode *c, char **path,
			    long *line)
{
	static const char *const attrs[] = { "suite", NULL };
	const char *what = (const char *)c->name;
	char *suite, *full;

	hilt_xml_check_attrs(ld->d, c, attrs);
	hilt_xml_check_element_only(ld->d, c);
	if (*line) {
		hilt_xml_error(ld->d, c, "only one <%s> is allowed (the first is at line %ld)",
			       what, *line);
		return;
	}
	*line = xmlGetLineNo(c);
	suite = hilt_xml_attr_required(ld->d, c, "suite");
	if (!suite)
		return;
	full = hilt_config_path(ld, suite);
	free(suite);
	if (!full) {
		ld->oom = true;
		return;
	}
	if (access(full, R_OK) < 0) {
		hilt_xml_error(ld->d, c, "<%s> suite '%s' cannot be read: %s", what, full,
			       strerror(errno));
		free(full);
		return;
	}
	*path = full;
}

static void parse_target(struct hilt_config_loader *ld, const xmlNode *node,
			 struct hilt_farm *farm)
{
	static const char *const attrs[] = { "name", "kind", "tags", "timeout-multiplier", NULL };
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
	t->timeout_multiplier = 1;
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
	parse_timeout_multiplier(ld, node, t);
	hilt_xml_check_element_only(ld->d, node);
	/* What every kind has, whatever the kind says. */
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next)
		if (hilt_xml_is(c, "health-check"))
			parse_suite_ref(ld, c, &t->health_check, &t->health_check_line);
		else if (hilt_xml_is(c, "boot"))
			parse_suite_ref(ld, c, &t->boot_suite, &t->boot_line);
	t->kind = hilt_xml_attr_required(ld->d, node, "kind");
	if (!t->kind || ld->oom)
		return;
	t->ops = hilt_target_kind_find(t->kind);
	if (!t->ops) {
		char kinds[256];

		/* Its elements mean nothing without a kind. */
		hilt_target_kind_names(kinds, sizeof(kinds));
		hilt_xml_error(ld->d, node, "unknown target kind '%s' (known: %s)", t->kind, kinds);
		return;
	}
	hilt_config_note(ld, t->ops->parse(ld, node, t));
}

static int load(const char *path, const struct hilt_template_vars *vars, struct hilt_farm **out,
		struct hilt_diags *d)
{
	struct hilt_config_loader ld = { .d = d, .vars = vars };
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

int hilt_farm_load_diags(const char *path, struct hilt_farm **out, struct hilt_diags *d)
{
	return load(path, NULL, out, d);
}

int hilt_farm_load_vars(const char *path, const struct hilt_template_vars *vars,
			struct hilt_farm **out, char *err, size_t errlen)
{
	struct hilt_diags d;

	hilt_diags_init(&d, path);
	return hilt_diags_finish(&d, load(path, vars, out, &d), err, errlen);
}

int hilt_farm_load(const char *path, struct hilt_farm **out, char *err,
		   size_t errlen)
{
	return hilt_farm_load_vars(path, NULL, out, err, errlen);
}

int hilt_farm_default(const char *guest_dir, struct hilt_farm **out,
		      char *err, size_t errlen)
{
	struct hilt_farm *farm = calloc(1, sizeof(*farm));
	int rc;

	if (!farm || !(farm->targets = calloc(1, sizeof(*farm->targets)))) {
		free(farm);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = hilt_target_default(guest_dir, &farm->targets[0], err, errlen);
	if (rc) {
		hilt_farm_free(farm);
		return rc;
	}
	farm->ntargets = 1;
	*out = farm;
	return 0;
}

int hilt_farm_add_spec(struct hilt_farm *farm, const char *spec,
		       const struct hilt_target_spec_opts *opts,
		       const struct hilt_target_config **out, char *err, size_t errlen)
{
	struct hilt_target_config *t;
	int rc;

	t = realloc(farm->targets, (farm->ntargets + 1) * sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	farm->targets = t;
	t = &t[farm->ntargets];
	rc = hilt_target_from_spec(spec, opts, t, err, errlen);
	if (rc)
		return rc;
	farm->ntargets++;
	*out = t;
	return 0;
}
