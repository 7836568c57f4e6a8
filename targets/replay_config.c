/* The replay kind's configuration: its farm <target> read into a struct
 * hilt_replay_config (targets/replay.h), one made of a --target replay:LOG
 * word, and what hilt validate checks of one on the farm host.  The
 * runtime is targets/replay.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xmlfile.h"
#include "targets/replay.h"
#include "targets/target.h"

/* A recording given relative to the farm file ships with it: missing, the
 * run would certainly end in an infrastructure error.  One given by an
 * absolute path may be on the farm host only. */
static void check_recording(struct hilt_check *chk, const char *what, const char *path,
			    long line, bool relative)
{
	if (access(path, R_OK) == 0)
		return;
	int e = errno;

	chk->report(chk, relative ? HILT_CHECK_ERROR : HILT_CHECK_WARNING, line,
		    "replay %s '%s' cannot be read%s: %s", what, path,
		    relative ? "" : " on this host", strerror(e));
}

void hilt_replay_check(const struct hilt_target_config *cfg, struct hilt_check *chk)
{
	const struct hilt_replay_config *r = cfg->priv;

	check_recording(chk, "log", r->log, r->log_line, r->log_relative);
	/* The timing is read only by a realtime replay. */
	if (r->realtime)
		check_recording(chk, "timing file", r->timing, r->timing_line,
				r->timing_relative);
}

/* ---- The configuration: the farm's replay <target>, or a log given ---- */

void hilt_replay_config_free(struct hilt_replay_config *r)
{
	if (!r)
		return;
	free(r->log);
	free(r->timing);
	free(r);
}

void hilt_replay_free_config(void *priv)
{
	hilt_replay_config_free(priv);
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

int hilt_replay_config_new(const char *log, const char *timing, bool realtime,
			   struct hilt_replay_config **out)
{
	struct hilt_replay_config *r = calloc(1, sizeof(*r));

	if (!r || !(r->log = strdup(log)) || (timing && !(r->timing = strdup(timing))) ||
	    finish_replay(r)) {
		hilt_replay_config_free(r);
		return -ENOMEM;
	}
	r->realtime = realtime;
	*out = r;
	return 0;
}

void hilt_replay_config_set_realtime(struct hilt_replay_config *r, bool realtime)
{
	r->realtime = realtime;
}

/* --target replay:LOG: a replay of LOG named after its file (replay:NAME
 * for NAME.console.log or NAME.log), as the run's files will be. */
int hilt_replay_from_spec(const char *arg, const struct hilt_target_spec_opts *opts,
			  struct hilt_target_config *cfg, char *err, size_t errlen)
{
	const char *base = strrchr(arg, '/');
	struct hilt_replay_config *r;
	size_t len;

	if (!*arg) {
		snprintf(err, errlen, "--target %s needs a log path", hilt_replay_ops.spec_prefix);
		return -EINVAL;
	}
	base = base ? base + 1 : arg;
	len = strlen(base);
	if (len > 12 && !strcmp(base + len - 12, ".console.log"))
		len -= 12;
	else if (len > 4 && !strcmp(base + len - 4, ".log"))
		len -= 4;
	if (asprintf(&cfg->name, "%s%.*s", hilt_replay_ops.spec_prefix, (int)len, base) < 0) {
		cfg->name = NULL;
		return -ENOMEM;
	}
	if (hilt_replay_config_new(arg, NULL, opts && opts->realtime, &r))
		return -ENOMEM;
	cfg->priv = r;
	return 0;
}

/* The log is not opened here: a missing recording is an infrastructure
 * error of the session, like a missing board (hilt validate reports it). */
static void parse_replay_child(struct hilt_config_loader *ld, const xmlNode *c,
			       struct hilt_replay_config *r)
{
	char *text = hilt_config_text(ld, c);

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
		if (!(*slot = hilt_config_path(ld, text)))
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

int hilt_replay_parse(struct hilt_config_loader *ld, const xmlNode *node,
		      struct hilt_target_config *cfg)
{
	struct hilt_replay_config *r = calloc(1, sizeof(*r));
	char label[HILT_TARGET_NAME_MAX + 32];

	cfg->priv = r;
	if (!r)
		return hilt_config_note(ld, -ENOMEM);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || hilt_config_generic(c))
			continue;
		parse_replay_child(ld, c, r);
	}
	hilt_config_label(cfg, label, sizeof(label));
	/* A missing part is reported only when no element was there at all:
	 * one that was there but wrong has had its message. */
	if (!hilt_config_has_child(node, "log"))
		hilt_xml_error(ld->d, node, "replay target%s needs a <log>", label);
	if (r->log)
		hilt_config_note(ld, finish_replay(r));
	return ld->oom ? -ENOMEM : 0;
}
