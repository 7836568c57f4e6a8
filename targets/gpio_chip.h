/* The chip side of targets/gpio.c: a board's lines requested as outputs
 * or inputs on a real GPIO chip through libgpiod, whose API changed between its
 * versions 1 (Debian 12) and 2 (Debian 13, Ubuntu 24.04, Fedora).  One
 * backend is built, chosen from the installed library's version
 * (HILT_GPIOD_V2 set by the build for 2.x): gpio_gpiod1.c or
 * gpio_gpiod2.c.  Both behave and fail alike, with the same messages;
 * nothing above gpio.c knows which one it has. */
#ifndef HILT_GPIO_CHIP_H
#define HILT_GPIO_CHIP_H

#include <stddef.h>

#include "targets/gpio.h"

struct gpio_chip;

/* Opens cfg->chip (a name "gpiochip0", a path, a label or a number) and
 * requests every line of cfg for consumer: an output deasserted, an
 * input (input set) as an input.
 * Errors name the chip and line: a missing chip, a line past the chip's
 * (with what the chip has), a named line the chip lacks, a line held by
 * another process (and its holder's label).  0 or -errno. */
int gpio_chip_open(const struct hilt_gpio_config *cfg, const char *consumer,
		   struct gpio_chip **out, char *err, size_t errlen);
/* Output line i of cfg to logical value (1: asserted, active-low
 * handled). */
int gpio_chip_set(struct gpio_chip *c, size_t i, int value, char *err, size_t errlen);
/* Input line i of cfg's logical value (1: asserted, active-low handled)
 * into *value. */
int gpio_chip_get(struct gpio_chip *c, size_t i, int *value, char *err, size_t errlen);
/* Releases every line and the chip; NULL does nothing. */
void gpio_chip_close(struct gpio_chip *c);

/* The messages both backends give (targets/gpio.c), so that they say the
 * same; each writes err and returns rc (a -errno).
 * gpio_chip_no_chip: cfg->chip could not be opened.
 * gpio_chip_line_failed: line i (at offset on the chip) failed with errno
 * e; holder is NULL when setting or reading its value failed, else the
 * request failed and holder is what says who has the line (" as 'label'"
 * or "").
 * gpio_chip_no_name: line i's chip_line is not a name on the chip.
 * gpio_chip_past_end: line i's offset is past the n lines of the chip
 * called name and label. */
int gpio_chip_no_chip(const struct hilt_gpio_config *cfg, int rc, char *err, size_t errlen);
int gpio_chip_line_failed(const struct hilt_gpio_config *cfg, size_t i, unsigned offset, int e,
			  const char *holder, char *err, size_t errlen);
int gpio_chip_no_name(const struct hilt_gpio_config *cfg, size_t i, int rc, char *err,
		      size_t errlen);
int gpio_chip_past_end(const struct hilt_gpio_config *cfg, size_t i, const char *name,
		       const char *label, unsigned n, char *err, size_t errlen);

/* The chip named as a farm file names it (a name "gpiochip0", a path, a
 * label or a number), opened, or NULL with errno set: for the tests'
 * own looks at a chip through the library hilt was built with. */
struct gpiod_chip;
struct gpiod_chip *gpio_chip_lookup(const char *what);

#endif
