/* The tests' own look at a GPIO line, beside hilt's: what the kernel says
 * of it, whether it can be requested, a hold on it by another holder;
 * through the libgpiod hilt was built with (1 or 2, as targets/gpio_chip.h
 * picks), so that the tests read the same on both. */
#ifndef HILT_TESTS_GPIO_PEEK_H
#define HILT_TESTS_GPIO_PEEK_H

#include <stdbool.h>
#include <stddef.h>

struct gpio_peek {
	bool used;		/* requested by someone */
	bool output;		/* its direction */
	char consumer[64];	/* the holder's label, "" when none */
};

/* Line offset of chip (as a farm file names a chip): 0 or -errno. */
int gpio_peek(const char *chip, unsigned offset, struct gpio_peek *out);
/* Requests the line as an input for consumer and releases it: 0, or
 * -errno (-EBUSY: someone holds it). */
int gpio_peek_request(const char *chip, unsigned offset, const char *consumer);
/* Requests the line the chip names name as an output at value for
 * consumer and keeps it until the process ends: 0 or -errno. */
int gpio_peek_hold(const char *chip, const char *name, const char *consumer, int value);

#endif
