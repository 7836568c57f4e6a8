#define _GNU_SOURCE
#include "tests/gpio_peek.h"

#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <string.h>

#include "targets/gpio_chip.h"

#ifndef HILT_GPIOD_V2
int gpio_peek(const char *chip, unsigned offset, struct gpio_peek *out)
{
	struct gpiod_chip *c = gpio_chip_lookup(chip);
	struct gpiod_line *l = c ? gpiod_chip_get_line(c, offset) : NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!l || gpiod_line_update(l) < 0) {
		rc = errno ? -errno : -EIO;
	} else {
		out->used = gpiod_line_is_used(l);
		out->output = gpiod_line_direction(l) == GPIOD_LINE_DIRECTION_OUTPUT;
		if (gpiod_line_consumer(l))
			snprintf(out->consumer, sizeof(out->consumer), "%s", gpiod_line_consumer(l));
	}
	if (c)
		gpiod_chip_close(c);
	return rc;
}

int gpio_peek_request(const char *chip, unsigned offset, const char *consumer)
{
	struct gpiod_chip *c = gpio_chip_lookup(chip);
	struct gpiod_line *l = c ? gpiod_chip_get_line(c, offset) : NULL;
	int rc = l && gpiod_line_request_input(l, consumer) == 0 ? 0 : errno ? -errno : -EIO;

	if (!rc)
		gpiod_line_release(l);
	if (c)
		gpiod_chip_close(c);
	return rc;
}

int gpio_peek_hold(const char *chip, const char *name, const char *consumer, int value)
{
	struct gpiod_chip *c = gpio_chip_lookup(chip);
	struct gpiod_line *l = c ? gpiod_chip_find_line(c, name) : NULL;

	/* The chip stays open with the line: held until the process ends. */
	return l && gpiod_line_request_output(l, consumer, value) == 0 ? 0 : errno ? -errno : -EIO;
}
#else
int gpio_peek(const char *chip, unsigned offset, struct gpio_peek *out)
{
	struct gpiod_chip *c = gpio_chip_lookup(chip);
	struct gpiod_line_info *li = c ? gpiod_chip_get_line_info(c, offset) : NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!li) {
		rc = errno ? -errno : -EIO;
	} else {
		out->used = gpiod_line_info_is_used(li);
		out->output = gpiod_line_info_get_direction(li) == GPIOD_LINE_DIRECTION_OUTPUT;
		if (gpiod_line_info_get_consumer(li))
			snprintf(out->consumer, sizeof(out->consumer), "%s",
				 gpiod_line_info_get_consumer(li));
		gpiod_line_info_free(li);
	}
	if (c)
		gpiod_chip_close(c);
	return rc;
}

/* Requests offset of c with settings ls for consumer: the request, or
 * NULL with errno set. */
static struct gpiod_line_request *request(struct gpiod_chip *c, unsigned offset,
					  struct gpiod_line_settings *ls, const char *consumer)
{
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	struct gpiod_line_request *r = NULL;

	if (lc && rc && gpiod_line_config_add_line_settings(lc, &offset, 1, ls) == 0) {
		gpiod_request_config_set_consumer(rc, consumer);
		r = gpiod_chip_request_lines(c, rc, lc);
	}
	int e = errno;

	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	errno = e;
	return r;
}

int gpio_peek_request(const char *chip, unsigned offset, const char *consumer)
{
	struct gpiod_chip *c = gpio_chip_lookup(chip);
	struct gpiod_line_settings *ls = gpiod_line_settings_new();
	struct gpiod_line_request *r = NULL;
	int rc;

	if (c && ls && gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_INPUT) == 0)
		r = request(c, offset, ls, consumer);
	rc = r ? 0 : errno ? -errno : -EIO;
	if (r)
		gpiod_line_request_release(r);
	gpiod_line_settings_free(ls);
	if (c)
		gpiod_chip_close(c);
	return rc;
}

int gpio_peek_hold(const char *chip, const char *name, const char *consumer, int value)
{
	struct gpiod_chip *c = gpio_chip_lookup(chip);
	struct gpiod_line_settings *ls = gpiod_line_settings_new();
	int offset = c ? gpiod_chip_get_line_offset_from_name(c, name) : -1;
	struct gpiod_line_request *r = NULL;

	if (offset >= 0 && ls &&
	    gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_OUTPUT) == 0 &&
	    gpiod_line_settings_set_output_value(ls, value ? GPIOD_LINE_VALUE_ACTIVE
							  : GPIOD_LINE_VALUE_INACTIVE) == 0)
		r = request(c, (unsigned)offset, ls, consumer);
	/* The chip and the request stay: held until the process ends. */
	return r ? 0 : errno ? -errno : -EIO;
}
#endif
