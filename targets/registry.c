/* The registry: the one place outside a kind's own files that names the
 * kinds.  A kind is its files in targets/ and its lines here; the farm
 * loader, the command line and hilt validate find kinds only through
 * these functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/watch.h"
#include "targets/board.h"
#include "targets/lease.h"
#include "targets/qemu.h"
#include "targets/replay.h"
#include "targets/target.h"

static const struct hilt_target_ops *const kinds[] = {
	&hilt_qemu_ops,
	&hilt_replay_ops,
	&hilt_board_ops,
};

/* The kind of the built-in target "default". */
static const struct hilt_target_ops *const default_kind = &hilt_qemu_ops;

#define NKINDS (sizeof(kinds) / sizeof(*kinds))

const struct hilt_target_ops *hilt_target_kind_find(const char *kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i]->kind, kind) == 0)
			return kinds[i];
	return NULL;
}

/* Appends s to the list in buf (a sep before it unless it is the first):
 * used, the length so far, is moved on as snprintf counts. */
static void append(char *buf, size_t len, size_t *used, const char *sep, const char *s1,
		   const char *s2)
{
	if (*used >= len)
		return;
	int n = snprintf(buf + *used, len - *used, "%s%s%s", *used ? sep : "", s1, s2);

	if (n > 0)
		*used += (size_t)n;
}

void hilt_target_kind_names(char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		*buf = '\0';
	for (size_t i = 0; i < NKINDS; i++)
		append(buf, len, &used, ", ", kinds[i]->kind, "");
}

const struct hilt_target_ops *hilt_target_spec_kind(const char *spec)
{
	for (size_t i = 0; i < NKINDS; i++) {
		const char *prefix = kinds[i]->spec_prefix;

		if (kinds[i]->from_spec && prefix && strncmp(spec, prefix, strlen(prefix)) == 0)
			return kinds[i];
	}
	return NULL;
}

void hilt_target_spec_forms(char *buf, size_t len, bool recorded)
{
	size_t used = 0;

	if (len)
		*buf = '\0';
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i]->from_spec && kinds[i]->spec_prefix && (!recorded || kinds[i]->recorded))
			append(buf, len, &used, " or ", kinds[i]->spec_prefix,
			       kinds[i]->spec_arg ? kinds[i]->spec_arg : "");
}

/* What every made target has: its kind, where it came from, no stretch. */
static int made(const struct hilt_target_ops *ops, const char *source,
		struct hilt_target_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ops = ops;
	cfg->timeout_multiplier = 1;
	cfg->kind = strdup(ops->kind);
	cfg->source = strdup(source);
	return cfg->kind && cfg->source ? 0 : -ENOMEM;
}

/* A made target failed (rc): cfg is emptied and err says why. */
static int unmade(struct hilt_target_config *cfg, int rc, char *err, size_t errlen)
{
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	hilt_target_config_clear(cfg);
	return rc;
}

int hilt_target_from_spec(const char *spec, const struct hilt_target_spec_opts *opts,
			  struct hilt_target_config *cfg, char *err, size_t errlen)
{
	const struct hilt_target_ops *ops = hilt_target_spec_kind(spec);
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!ops) {
		snprintf(err, errlen, "no target kind makes a target of '%s'", spec);
		return -ENOENT;
	}
	rc = made(ops, "command line", cfg);
	if (rc)
		return unmade(cfg, rc, err, errlen);
	cfg->named_only = true;
	rc = ops->from_spec(spec + strlen(ops->spec_prefix), opts, cfg, err, errlen);
	if (!rc && !cfg->name)
		rc = -ENOMEM;
	return rc ? unmade(cfg, rc, err, errlen) : 0;
}

int hilt_target_default(const char *dir, struct hilt_target_config *cfg, char *err,
			size_t errlen)
{
	int rc = made(default_kind, "built-in", cfg);

	if (!rc)
		rc = (cfg->name = strdup("default")) ? 0 : -ENOMEM;
	if (!rc)
		rc = default_kind->builtin(dir, cfg, err, errlen);
	return rc ? unmade(cfg, rc, err, errlen) : 0;
}

const char *hilt_target_action_name(enum hilt_target_action a)
{
	switch (a) {
	case HILT_ACT_RESET: return "reset";
	case HILT_ACT_DOWNLOAD: return "boot-mode sequence";
	case HILT_ACT_BREAK: return "BREAK";
	}
	return "?";
}

int hilt_target_watch_path(const struct hilt_target_config *cfg, char *buf, size_t len)
{
	char lock[4096], lease[4096];
	const char *dir = getenv("XDG_RUNTIME_DIR");
	char *dot;

	if (cfg->ops && cfg->ops->hold_paths) {
		/* Beside the board's lock, where everyone who may take the
		 * board looks. */
		cfg->ops->hold_paths(cfg, lock, lease, sizeof(lock));
		if ((dot = strrchr(lock, '.')) && strchr(dot, '/') == NULL)
			*dot = '\0';
		snprintf(buf, len, "%s.watch", lock);
	} else {
		char mine[64];

		if (!dir || !*dir) {
			snprintf(mine, sizeof(mine), "/tmp/hilt-%u", (unsigned)getuid());
			dir = mine;
		}
		struct stat st;

		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		/* Someone else's folder could hold someone else's socket:
		 * observers would be shown what they please. */
		if (lstat(dir, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 022))
			return -EPERM;
		snprintf(buf, len, "%s/hilt-watch-%s", dir, cfg->name);
		/* The name stays one path component. */
		for (char *p = buf + strlen(dir) + 1; *p; p++)
			if (*p == '/')
				*p = '_';
	}
	return 0;
}

int hilt_target_watch_open(struct hilt_loop *loop, const struct hilt_target_config *cfg,
			   const char *why, hilt_watch_note_cb note, void *arg,
			   struct hilt_watch **out, char *err, size_t errlen)
{
	char path[4200], header[2048];
	struct hilt_holder h;
	int rc = hilt_target_watch_path(cfg, path, sizeof(path));

	*out = NULL;
	if (rc) {
		snprintf(err, errlen, "no place for observers of '%s': %s", cfg->name, strerror(-rc));
		return rc;
	}
	hilt_holder_self(&h, why);
	hilt_holder_format(&h, header, sizeof(header));
	return hilt_watch_open(loop, path, header, note, arg, out, err, errlen);
}
