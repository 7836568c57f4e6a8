/* The GPIO chip backend on libgpiod 1.x (targets/gpio_chip.h). */
#ifndef HILT_GPIOD_V2
#define _GNU_SOURCE
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/gpio_chip.h"

struct gpio_chip {
	const struct hilt_gpio_config *cfg;
	struct gpiod_chip *chip;
	struct gpiod_line **lines;
};

struct gpiod_chip *gpio_chip_lookup(const char *what)
{
	return gpiod_chip_open_lookup(what);
}

int gpio_chip_set(struct gpio_chip *c, size_t i, int value, char *err, size_t errlen)
{
	if (gpiod_line_set_value(c->lines[i], value) < 0)
		return gpio_chip_line_failed(c->cfg, i, gpiod_line_offset(c->lines[i]), errno, NULL,
					     err, errlen);
	return 0;
}

int gpio_chip_get(struct gpio_chip *c, size_t i, int *value, char *err, size_t errlen)
{
	int v = gpiod_line_get_value(c->lines[i]);

	if (v < 0)
		return gpio_chip_line_failed(c->cfg, i, gpiod_line_offset(c->lines[i]), errno, NULL,
					     err, errlen);
	*value = v;
	return 0;
}

/* Finds line i of the config on the chip: 0 or -errno, told. */
static int find_line(struct gpio_chip *c, size_t i, char *err, size_t errlen)
{
	const struct hilt_gpio_config *cfg = c->cfg;
	const struct hilt_gpio_line_config *l = &cfg->lines[i];
	int rc;

	if (l->chip_line) {
		/* A named line is looked up on this chip only. */
		c->lines[i] = gpiod_chip_find_line(c->chip, l->chip_line);
		if (c->lines[i])
			return 0;
		rc = errno && errno != ENOENT ? -errno : -ENOENT;
		return gpio_chip_no_name(cfg, i, rc, err, errlen);
	}
	unsigned n = gpiod_chip_num_lines(c->chip);

	if (l->offset >= n)
		return gpio_chip_past_end(cfg, i, gpiod_chip_name(c->chip), gpiod_chip_label(c->chip),
					  n, err, errlen);
	c->lines[i] = gpiod_chip_get_line(c->chip, l->offset);
	if (c->lines[i])
		return 0;
	rc = errno ? -errno : -EINVAL;
	snprintf(err, errlen, "GPIO line %s: %s has no line %u: %s", l->name, cfg->chip, l->offset,
		 strerror(-rc));
	return rc;
}

int gpio_chip_open(const struct hilt_gpio_config *cfg, const char *consumer,
		   struct gpio_chip **out, char *err, size_t errlen)
{
	struct gpio_chip *c = calloc(1, sizeof(*c));
	int rc = -ENOMEM;

	if (!c || !(c->lines = calloc(cfg->nlines ? cfg->nlines : 1, sizeof(*c->lines))))
		goto err_free;
	c->cfg = cfg;
	c->chip = gpio_chip_lookup(cfg->chip);
	if (!c->chip) {
		rc = gpio_chip_no_chip(cfg, errno ? -errno : -ENODEV, err, errlen);
		goto err_free;
	}
	for (size_t i = 0; i < cfg->nlines; i++) {
		const struct hilt_gpio_line_config *l = &cfg->lines[i];

		if ((rc = find_line(c, i, err, errlen)) < 0)
			goto err_free;
		int flags = l->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
		int req = l->input ? gpiod_line_request_input_flags(c->lines[i], consumer, flags)
				   : gpiod_line_request_output_flags(c->lines[i], consumer, flags, 0);

		if (req < 0) {
			int e = errno;
			char holder[128] = "";

			/* The kernel names the holder (its consumer label) in
			 * the line's info: say who has the board's line. */
			if (e == EBUSY && gpiod_line_update(c->lines[i]) == 0 &&
			    gpiod_line_consumer(c->lines[i]))
				snprintf(holder, sizeof(holder), " as '%s'",
					 gpiod_line_consumer(c->lines[i]));
			rc = gpio_chip_line_failed(cfg, i, gpiod_line_offset(c->lines[i]), e, holder,
						   err, errlen);
			c->lines[i] = NULL;
			goto err_free;
		}
	}
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
	for (size_t i = 0; c->lines && i < c->cfg->nlines; i++)
		if (c->lines[i])
			gpiod_line_release(c->lines[i]);
	if (c->chip)
		gpiod_chip_close(c->chip);
	free(c->lines);
	free(c);
}
#endif
