/* Reset, power and boot-mode lines of a board on a GPIO chip: named lines
 * (active-low or high) and sequences of set/wait/drain steps, such as an
 * ESP32's download mode (hold GPIO0 low, pulse EN, release GPIO0); and
 * input lines that are only read, such as a sense line that says whether
 * the board has power.  The lines are requested only while a session uses
 * the board.
 *
 * Backends: libgpiod on a real chip (by name, path, label or number), and
 * "fake:FILE", which records every output line's change with its time to
 * FILE for tests of the sequences where no chip exists.  On the fake chip
 * an input line NAME is at the physical level written in FILE.NAME ("0" or
 * "1", read at each hilt_gpio_get; a missing file is level 0), which a
 * test sets as it likes. */
#ifndef HILT_GPIO_H
#define HILT_GPIO_H

#include <stdbool.h>
#include <stddef.h>

struct hilt_gpio_line_config {
	char *name;		/* what sequences call it ("en") */
	char *chip_line;	/* the chip's own name for it ("GPIO17"), or NULL */
	unsigned offset;	/* used when chip_line is NULL */
	bool active_low;
	bool input;		/* read (hilt_gpio_get), never set */
};

enum hilt_gpio_step_kind {
	HILT_GPIO_SET,		/* line to value (logical: 1 = asserted) */
	HILT_GPIO_WAIT,		/* ms */
	HILT_GPIO_DRAIN,	/* discard the console (board held in reset) */
};

struct hilt_gpio_step {
	enum hilt_gpio_step_kind kind;
	size_t line;		/* index into the lines */
	int value;
	unsigned ms;
};

struct hilt_gpio_sequence {
	struct hilt_gpio_step *steps;
	size_t nsteps;
};

struct hilt_gpio_config {
	char *chip;		/* NULL: no GPIO */
	struct hilt_gpio_line_config *lines;
	size_t nlines;
	struct hilt_gpio_sequence reset, download;
};

struct hilt_gpio;

/* Requests every line, an output deasserted, an input as an input.
 * Errors name the chip and line (missing chip, line held by another
 * process).  Released with hilt_gpio_close(). */
int hilt_gpio_open(const struct hilt_gpio_config *cfg, const char *consumer,
		   struct hilt_gpio **out, char *err, size_t errlen);

/* Reads input line i into *value: its logical level (1: asserted,
 * active-low handled).  0, or -errno with why in err (-EINVAL for an
 * output line). */
int hilt_gpio_get(struct hilt_gpio *g, size_t i, int *value, char *err, size_t errlen);

/* Where line i is, for messages: "gpiochip1 line 3" or "gpiochip1 line
 * 'SENSE'" (the chip's name for it), into buf; returns buf. */
const char *hilt_gpio_line_where(const struct hilt_gpio_config *cfg, size_t i, char *buf,
				 size_t len);

struct hilt_loop;
typedef void (*hilt_gpio_drain_cb)(void *arg);
/* rc: 0, or -errno with why in err. */
typedef void (*hilt_gpio_done_cb)(void *arg, int rc, const char *err);

/* Runs a sequence from the loop: its waits are loop timers, so nothing
 * blocks.  drain (may be NULL) is called for drain steps, done once at the
 * end (never inside this call).  seq must live until then.  0, or -EBUSY
 * while another sequence runs, -ENOMEM.  A step that sets an input line
 * ends the sequence with -EINVAL (the farm file's parser refuses one). */
int hilt_gpio_start(struct hilt_gpio *g, struct hilt_loop *loop,
		    const struct hilt_gpio_sequence *seq, hilt_gpio_drain_cb drain,
		    hilt_gpio_done_cb done, void *arg);
/* Stops the sequence under way where it is (done is not called). */
void hilt_gpio_cancel(struct hilt_gpio *g);

/* Releases the lines (a sequence under way is cancelled). */
void hilt_gpio_close(struct hilt_gpio *g);

void hilt_gpio_config_free(struct hilt_gpio_config *cfg);

#endif
