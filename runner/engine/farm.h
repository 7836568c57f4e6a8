/* Farm model: the targets a host offers, from a farm file or built in.
 * A target's config (targets/config.h) holds what every target has; the
 * farm file's content of each kind is read by that kind (its ops' parse). */
#ifndef HILT_FARM_H
#define HILT_FARM_H

#include <stdbool.h>
#include <stddef.h>

#include "targets/config.h"

struct hilt_farm {
	char *path;		/* NULL for the built-in farm */
	struct hilt_target_config *targets;
	size_t ntargets;
};

struct hilt_diags;
struct hilt_target_spec_opts;

/* Loads a farm file; relative paths in it are taken from its folder.
 * Errors: -EINVAL/-errno with every mistake of the file in err, one
 * "file:line: what" a line, in line order (at most HILT_DIAGS_SHOWN; an
 * err of HILT_CONFIG_ERR_MAX bytes holds them all).  Freed with
 * hilt_farm_free(). */
int hilt_farm_load(const char *path, struct hilt_farm **out, char *err,
		   size_t errlen);

/* The same, with vars' ${NAME}s replaced in the paths the farm names
 * (hilt run --path-var; NULL: none). */
struct hilt_template_vars;
int hilt_farm_load_vars(const char *path, const struct hilt_template_vars *vars,
			struct hilt_farm **out, char *err, size_t errlen);

/* The same, adding every mistake to d (base/xmlfile.h) instead. */
int hilt_farm_load_diags(const char *path, struct hilt_farm **out,
			 struct hilt_diags *d);

/* The built-in farm: the built-in target "default" (targets/target.h,
 * hilt_target_default), a guest made from the files in guest_dir.  Errors
 * (err says why) when they are not there. */
int hilt_farm_default(const char *guest_dir, struct hilt_farm **out,
		      char *err, size_t errlen);

/* Adds the target a --target word of the command line makes (replay:LOG,
 * hilt_target_from_spec in targets/target.h) and points *out at it, valid
 * until the farm's next change; farm may be the built-in one.  0, -ENOENT
 * when no kind makes one of spec, or -errno with why in err. */
int hilt_farm_add_spec(struct hilt_farm *farm, const char *spec,
		       const struct hilt_target_spec_opts *opts,
		       const struct hilt_target_config **out, char *err, size_t errlen);

void hilt_farm_free(struct hilt_farm *farm);

/* The target named name, or NULL. */
const struct hilt_target_config *hilt_farm_find(const struct hilt_farm *farm,
						const char *name);

#endif
