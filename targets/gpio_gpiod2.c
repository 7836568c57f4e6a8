/* The GPIO chip backend on libgpiod 2.x (targets/gpio_chip.h): each line
 * its own request, so that a line held by another process is named as
 * libgpiod 1's backend names it; the chip found by name, path, label or
 * number as libgpiod 1's gpiod_chip_open_lookup() found it. */
#ifdef HILT_GPIOD_V2
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/gpio_chip.h"

struct gpio_chip {
	const struct hilt_gpio_config *cfg;
	struct gpiod_chip *chip;
	struct gpiod_line_request **requests;	/* one a line */
	unsigned *offsets;
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* The chip whose label is label, among /dev/gpiochip*; errno ENOENT when
 * none has it. */
static struct gpiod_chip *open_by_label(const char *label)
{
	DIR *d = opendir("/dev");
	struct dirent *e;
	struct gpiod_chip *found = NULL;

	if (!d)
		return NULL;
	while (!found && (e = readdir(d))) {
		char path[300];

		if (strncmp(e->d_name, "gpiochip", 8))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		if (!gpiod_is_gpiochip_device(path))
			continue;
		struct gpiod_chip *c = gpiod_chip_open(path);
		struct gpiod_chip_info *info = c ? gpiod_chip_get_info(c) : NULL;

		if (info && !strcmp(gpiod_chip_info_get_label(info), label))
			found = c;
		else if (c)
			gpiod_chip_close(c);
		if (info)
			gpiod_chip_info_free(info);
	}
	closedir(d);
	if (!found)
		errno = ENOENT;
	return found;
}

/* What libgpiod 1 looked a chip up by: a path, a number, a name
 * ("gpiochip0"), a label. */
struct gpiod_chip *gpio_chip_lookup(const char *what)
{
	char path[300];

	if (strchr(what, '/'))
		return gpiod_chip_open(what);
	if (all_digits(what)) {
		snprintf(path, sizeof(path), "/dev/gpiochip%s", what);
		return gpiod_chip_open(path);
	}
	snprintf(path, sizeof(path), "/dev/%s", what);
	if (!strncmp(what, "gpiochip", 8) && gpiod_is_gpiochip_device(path))
		return gpiod_chip_open(path);
	return open_by_label(what);
}

int gpio_chip_set(struct gpio_chip *c, size_t i, int value, char *err, size_t errlen)
{
	if (gpiod_line_request_set_value(c->requests[i], c->offsets[i],
					 value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
		return gpio_chip_line_failed(c->cfg, i, c->offsets[i], errno, NULL, err, errlen);
	return 0;
}

int gpio_chip_get(struct gpio_chip *c, size_t i, int *value, char *err, size_t errlen)
{
	enum gpiod_line_value v;

	errno = 0;
	v = gpiod_line_request_get_value(c->requests[i], c->offsets[i]);

	if (v == GPIOD_LINE_VALUE_ERROR)
		return gpio_chip_line_failed(c->cfg, i, c->offsets[i], errno ? errno : EIO, NULL, err,
					     errlen);
	*value = v == GPIOD_LINE_VALUE_ACTIVE;
	return 0;
}

/* The offset of line i of the config on the chip: 0 or -errno, told. */
static int find_line(struct gpio_chip *c, size_t i, char *err, size_t errlen)
{
	const struct hilt_gpio_config *cfg = c->cfg;
	const struct hilt_gpio_line_config *l = &cfg->lines[i];
	struct gpiod_chip_info *info;
	int rc;

	if (l->chip_line) {
		/* A named line is looked up on this chip only. */
		errno = 0;
		rc = gpiod_chip_get_line_offset_from_name(c->chip, l->chip_line);
		if (rc >= 0) {
			c->offsets[i] = (unsigned)rc;
			return 0;
		}
		rc = errno && errno != ENOENT ? -errno : -ENOENT;
		return gpio_chip_no_name(cfg, i, rc, err, errlen);
	}
	if (!(info = gpiod_chip_get_info(c->chip))) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "GPIO line %s: %s: %s", l->name, cfg->chip, strerror(-rc));
		return rc;
	}
	unsigned n = (unsigned)gpiod_chip_info_get_num_lines(info);

	if (l->offset >= n) {
		rc = gpio_chip_past_end(cfg, i, gpiod_chip_info_get_name(info),
					gpiod_chip_info_get_label(info), n, err, errlen);
		gpiod_chip_info_free(info);
		return rc;
	}
	gpiod_chip_info_free(info);
	c->offsets[i] = l->offset;
	return 0;
}

/* Requests line i as an output, deasserted, or as an input: 0 or -errno,
 * told. */
static int request_line(struct gpio_chip *c, size_t i, const char *consumer, char *err,
			size_t errlen)
{
	const struct hilt_gpio_line_config *l = &c->cfg->lines[i];
	struct gpiod_line_settings *ls = gpiod_line_settings_new();
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc_ = gpiod_request_config_new();
	int rc = 0;

	if (!ls || !lc || !rc_ ||
	    gpiod_line_settings_set_direction(ls, l->input ? GPIOD_LINE_DIRECTION_INPUT
							   : GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
	    (!l->input &&
	     gpiod_line_settings_set_output_value(ls, GPIOD_LINE_VALUE_INACTIVE) < 0)) {
		rc = -ENOMEM;
		snprintf(err, errlen, "GPIO line %s: out of memory", l->name);
		goto out;
	}
	gpiod_line_settings_set_active_low(ls, l->active_low);
	gpiod_request_config_set_consumer(rc_, consumer);
	if (gpiod_line_config_add_line_settings(lc, &c->offsets[i], 1, ls) < 0) {
		rc = errno ? -errno : -ENOMEM;
		snprintf(err, errlen, "GPIO line %s: %s", l->name, strerror(-rc));
		goto out;
	}
	c->requests[i] = gpiod_chip_request_lines(c->chip, rc_, lc);
	if (!c->requests[i]) {
		int e = errno ? errno : EIO;
		char holder[128] = "";

		/* The kernel names the holder (its consumer label) in the
		 * line's info: say who has the board's line. */
		if (e == EBUSY) {
			struct gpiod_line_info *li = gpiod_chip_get_line_info(c->chip, c->offsets[i]);

			if (li && gpiod_line_info_get_consumer(li))
				snprintf(holder, sizeof(holder), " as '%s'",
					 gpiod_line_info_get_consumer(li));
			if (li)
				gpiod_line_info_free(li);
		}
		rc = gpio_chip_line_failed(c->cfg, i, c->offsets[i], e, holder, err, errlen);
	}
out:
	gpiod_request_config_free(rc_);
	gpiod_line_config_free(lc);
	gpiod_line_settings_free(ls);
	return rc;
}

int gpio_chip_open(const struct hilt_gpio_config *cfg, const char *consumer,
		   struct gpio_chip **out, char *err, size_t errlen)
{
	struct gpio_chip *c = calloc(1, sizeof(*c));
	size_t n = cfg->nlines ? cfg->nlines : 1;
	int rc = -ENOMEM;

	if (!c || !(c->requests = calloc(n, sizeof(*c->requests))) ||
	    !(c->offsets = calloc(n, sizeof(*c->offsets))))
		goto err_free;
	c->cfg = cfg;
	errno = 0;
	c->chip = gpio_chip_lookup(cfg->chip);
	if (!c->chip) {
		rc = gpio_chip_no_chip(cfg, errno ? -errno : -ENODEV, err, errlen);
		goto err_free;
	}
	for (size_t i = 0; i < cfg->nlines; i++)
		if ((rc = find_line(c, i, err, errlen)) < 0 ||
		    (rc = request_line(c, i, consumer, err, errlen)) < 0)
			goto err_free;
	*out = c;
	return 0;

err_free:
	gpio_chip_close(c);
	return rc;
}

void gpio_chip_close(struct gpio_chip *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->requests && i < c->cfg->nlines; i++)
		if (c->requests[i])
			gpiod_line_request_release(c->requests[i]);
	if (c->chip)
		gpiod_chip_close(c->chip);
	free(c->requests);
	free(c->offsets);
	free(c);
}
#endif
