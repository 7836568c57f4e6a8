/* The chip side of targets/gpio.c: a board's lines requested as outputs
 * on a real GPIO chip through libgpiod, whose API changed between its
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
 * requests every line of cfg as an output, deasserted, for consumer.
 * Errors name the chip and line: a missing chip, a line past the chip's
 * (with what the chip has), a named line the chip lacks, a line held by
 * another process (and its holder's label).  0 or -errno. */
int gpio_chip_open(const struct hilt_gpio_config *cfg, const char *consumer,
		   struct gpio_chip **out, char *err, size_t errlen);
/* Line i of cfg to logical value (1: asserted, active-low handled). */
int gpio_chip_set(struct gpio_chip *c, size_t i, int value, char *err, size_t errlen);
/* Releases every line and the chip; NULL does nothing. */
void gpio_chip_close(struct gpio_chip *c);

/* The chip named as a farm file names it (a name "gpiochip0", a path, a
 * label or a number), opened, or NULL with errno set: for the tests'
 * own looks at a chip through the library hilt was built with. */
struct gpiod_chip;
struct gpiod_chip *gpio_chip_lookup(const char *what);

#endif
