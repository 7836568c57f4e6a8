/* The replay kind's configuration: what its <target> says
 * (targets/replay_config.c reads it), or a replay made on the command
 * line.  Held by a target's config as cfg->priv; runner/ never looks
 * inside. */
#ifndef HILT_REPLAY_H
#define HILT_REPLAY_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

struct hilt_check;
struct hilt_config_loader;
struct hilt_target_config;
struct hilt_target_spec_opts;

struct hilt_replay_config {
	char *log;		/* a raw console log as hilt writes them */
	char *timing;		/* its .timing file (realtime only) */
	bool realtime;		/* replay with the recorded timing */
	/* Where they were given (0: not in a file), and whether relative to
	 * the farm file (then the farm ships them: a missing one is an
	 * error, not a warning, of hilt validate). */
	long log_line, timing_line;
	bool log_relative, timing_relative;
};

/* A replay of log, with the timing file timing (NULL: the one hilt writes
 * beside it), as fast as it can be read or realtime.  The paths are
 * copied, not checked.  0 or -ENOMEM; freed with
 * hilt_replay_config_free(). */
int hilt_replay_config_new(const char *log, const char *timing, bool realtime,
			   struct hilt_replay_config **out);

void hilt_replay_config_set_realtime(struct hilt_replay_config *r, bool realtime);

void hilt_replay_config_free(struct hilt_replay_config *r);

/* The kind (targets/target.h), for the registry. */
struct hilt_target_ops;
extern const struct hilt_target_ops hilt_replay_ops;

/* Between the kind's own files: targets/replay_config.c for
 * targets/replay.c. */

/* The ops parse, free_config, from_spec and check (targets/target.h). */
int hilt_replay_parse(struct hilt_config_loader *ld, const xmlNode *node,
		      struct hilt_target_config *cfg);
void hilt_replay_free_config(void *priv);
int hilt_replay_from_spec(const char *arg, const struct hilt_target_spec_opts *opts,
			  struct hilt_target_config *cfg, char *err, size_t errlen);
void hilt_replay_check(const struct hilt_target_config *cfg, struct hilt_check *chk);

#endif
