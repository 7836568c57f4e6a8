#define _GNU_SOURCE
#include "targets/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/template.h"
#include "base/xmlfile.h"
#include "targets/target.h"

void hilt_target_config_clear(struct hilt_target_config *cfg)
{
	free(cfg->name);
	free(cfg->kind);
	free(cfg->source);
	hilt_config_strv_free(cfg->tags, cfg->ntags);
	free(cfg->health_check);
	free(cfg->boot_suite);
	if (cfg->ops && cfg->ops->free_config)
		cfg->ops->free_config(cfg->priv);
	memset(cfg, 0, sizeof(*cfg));
}

int hilt_config_note(struct hilt_config_loader *ld, int rc)
{
	if (rc == -ENOMEM)
		ld->oom = true;
	return rc;
}

char *hilt_config_text(struct hilt_config_loader *ld, const xmlNode *c)
{
	char *text = NULL;

	hilt_xml_check_attrs(ld->d, c, (const char *const[]){ NULL });
	hilt_config_note(ld, hilt_xml_text(ld->d, c, true, &text));
	return text;
}

char *hilt_config_path(const struct hilt_config_loader *ld, const char *p)
{
	struct hilt_template t = {
		.syntax = HILT_TEMPLATE_DOLLAR, .lookup = hilt_template_lookup_vars,
		.arg = (void *)ld->vars, .keep_unknown = true,
	};
	char *full, *expanded = NULL, err[128];

	if (ld->vars) {
		if (!(expanded = hilt_template_expand(p, &t, err, sizeof(err))))
			return NULL;
		p = expanded;
	}
	if (p[0] == '/' || !ld->dir)
		full = strdup(p);
	else if (asprintf(&full, "%s/%s", ld->dir, p) < 0)
		full = NULL;
	free(expanded);
	return full;
}

int hilt_config_push(char ***v, size_t *n, char *s)
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

void hilt_config_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool hilt_config_has_child(const xmlNode *node, const char *name)
{
	for (const xmlNode *c = node->children; c; c = c->next)
		if (hilt_xml_is(c, name))
			return true;
	return false;
}

bool hilt_config_generic(const xmlNode *c)
{
	return hilt_xml_is(c, "health-check") || hilt_xml_is(c, "boot");
}

void hilt_config_label(const struct hilt_target_config *cfg, char *buf, size_t len)
{
	if (len)
		*buf = '\0';
	if (cfg->name && strlen(cfg->name) <= HILT_TARGET_NAME_MAX)
		snprintf(buf, len, " '%s'", cfg->name);
}
