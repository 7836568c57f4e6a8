/* A target as a farm describes it.  The fields every target has are read
 * by the farm loader (runner/engine/farm.c); a kind's own element content is read
 * by the kind itself (its ops' parse, targets/KIND.c) into a configuration
 * that nobody else looks inside.  Helpers the loader and the kinds share
 * for reading a farm file are here too. */
#ifndef HILT_TARGET_CONFIG_H
#define HILT_TARGET_CONFIG_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

struct hilt_template_vars;

struct hilt_diags;
struct hilt_target_ops;

/* The longest target name: it names the run's files (SUITE@TARGET...). */
#define HILT_TARGET_NAME_MAX 100

struct hilt_target_config {
	char *name;
	char *kind;
	char **tags;		/* "key=value" */
	size_t ntags;
	char *source;		/* "farm.xml:12" or "built-in" */
	long line;		/* of its <target>; 0 when not from a file */
	/* The scheduler multiplies every case and suite deadline of the
	 * sessions on this target by it (a TCG guest is slower than a
	 * board).  Above 0; 1 unless the farm says otherwise. */
	double timeout_multiplier;
	/* A suite the scheduler runs on the target before its first session
	 * (a path checked to exist, relative ones taken from the farm file's
	 * folder), or NULL; health_check_line: where it was given. */
	char *health_check;
	long health_check_line;
	/* The suite that brings the target to its shell for the suites that
	 * start there (<boot suite="PATH"/>, checked the same way), or NULL;
	 * boot_line: where it was given. */
	char *boot_suite;
	long boot_line;
	/* Made from a --target word (hilt_target_from_spec): planned only
	 * where it is named. */
	bool named_only;
	/* The kind's ops; NULL only while an unknown kind is being reported. */
	const struct hilt_target_ops *ops;
	/* The kind's own configuration (struct hilt_qemu_config...), made by
	 * ops->parse or a constructor of the kind, owned by this config and
	 * freed with ops->free_config. */
	void *priv;
};

/* Frees what cfg holds (not cfg itself) and zeroes it. */
void hilt_target_config_clear(struct hilt_target_config *cfg);

/* What a kind's parse is lent while a farm file is read.  The loader reads
 * on after a mistake, as a compiler does: each element is checked on its
 * own; what depends on a bad part is not checked (nor reported) again.
 * Running out of memory ends it at once. */
struct hilt_config_loader {
	struct hilt_diags *d;	/* every mistake, at its line (base/xmlfile.h) */
	const char *dir;	/* the farm file's folder: relative paths start here */
	/* Values of the ${NAME}s a path may hold (hilt run --path-var, hilt
	 * bisect's ${build}), or NULL: paths as written. */
	const struct hilt_template_vars *vars;
	bool oom;		/* memory ran out: stop reading */
};

/* Returns rc, noting in ld an -ENOMEM. */
int hilt_config_note(struct hilt_config_loader *ld, int rc);

/* The text of an element that takes no attributes (an error for each),
 * trimmed; NULL after an error.  Caller frees. */
char *hilt_config_text(struct hilt_config_loader *ld, const xmlNode *c);

/* p with ld->vars' ${NAME}s replaced (those it has no value for kept as
 * written), then taken from ld->dir when relative (dir NULL: as it is).
 * Caller frees; NULL when out of memory. */
char *hilt_config_path(const struct hilt_config_loader *ld, const char *p);

/* Appends s to the vector v of n strings, taking s (freed on failure;
 * NULL s is a failure): 0 or -ENOMEM. */
int hilt_config_push(char ***v, size_t *n, char *s);

/* Frees n strings and their vector. */
void hilt_config_strv_free(char **v, size_t n);

bool hilt_config_has_child(const xmlNode *node, const char *name);

/* Whether c is an element of <target> that the farm loader reads for every
 * kind (<health-check>, <boot>): a kind's parse passes over it. */
bool hilt_config_generic(const xmlNode *c);

/* " 'NAME'" for messages about the target, or "" when its name is missing
 * or too long to be shown. */
void hilt_config_label(const struct hilt_target_config *cfg, char *buf,
		       size_t len);

#endif
