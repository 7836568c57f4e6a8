/* Reset and boot-mode sequences on the recording (fake) GPIO backend:
 * order, hold times and active-low levels; the libgpiod backend's errors
 * on this machine; a real chip when one exists. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "targets/gpio.h"

#define EN 0
#define BOOT 1

static struct hilt_gpio_line_config lines[] = {
	{ .name = "en", .offset = 17, .active_low = true },
	{ .name = "boot", .offset = 27, .active_low = true },
};

/* ESP32 download mode: hold GPIO0 low, pulse EN, release GPIO0. */
static struct hilt_gpio_step download[] = {
	{ .kind = HILT_GPIO_SET, .line = BOOT, .value = 1 },
	{ .kind = HILT_GPIO_SET, .line = EN, .value = 1 },
	{ .kind = HILT_GPIO_WAIT, .ms = 100 },
	{ .kind = HILT_GPIO_SET, .line = EN, .value = 0 },
	{ .kind = HILT_GPIO_WAIT, .ms = 50 },
	{ .kind = HILT_GPIO_SET, .line = BOOT, .value = 0 },
};

static int drains;

static void count_drain(void *arg)
{
	(void)arg;
	drains++;
}

static int download_mode_on_fake(void)
{
	char path[] = "/tmp/hilt-gpio-XXXXXX";
	int fd = mkstemp(path);
	char chip[64], err[256];
	struct hilt_gpio_config cfg = { .chip = chip, .lines = lines, .nlines = 2 };
	struct hilt_gpio_sequence seq = { download, sizeof(download) / sizeof(*download) };
	struct hilt_gpio_step reset_steps[] = {
		{ .kind = HILT_GPIO_SET, .line = EN, .value = 1 },
		{ .kind = HILT_GPIO_WAIT, .ms = 20 },
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_SET, .line = EN, .value = 0 },
	};
	struct hilt_gpio_sequence reset = { reset_steps, 4 };
	struct hilt_gpio *g;

	close(fd);
	snprintf(chip, sizeof(chip), "fake:%s", path);
	CHECK(hilt_gpio_open(&cfg, "test", &g, err, sizeof(err)) == 0, "%s", err);
	CHECK(hilt_gpio_run(g, &seq, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	CHECK(hilt_gpio_run(g, &reset, count_drain, NULL, err, sizeof(err)) == 0, "%s", err);
	hilt_gpio_close(g);
	CHECK(drains == 1, "%d drains", drains);

	/* Physical levels (active-low: asserted is 0), in order, with times. */
	static const char *const want[] = {
		"en 1", "boot 1",			/* requested, deasserted */
		"boot 0", "en 0", "en 1", "boot 1",	/* download mode */
		"en 0", "en 1",				/* reset */
	};
	double t[8] = { 0 };
	char name[16];
	int level, n = 0;
	FILE *f = fopen(path, "r");

	while (f && n < 8 && fscanf(f, "%lf %15s %d", &t[n], name, &level) == 3) {
		char got[32];

		snprintf(got, sizeof(got), "%s %d", name, level);
		CHECK(strcmp(got, want[n]) == 0, "change %d: %s, expected %s", n, got, want[n]);
		n++;
	}
	CHECK(n == 8, "%d line changes recorded", n);
	CHECK(t[4] - t[3] >= 100, "EN held %.1f ms, the sequence says 100", t[4] - t[3]);
	CHECK(t[5] - t[4] >= 50, "GPIO0 released %.1f ms after EN, the sequence says 50",
	      t[5] - t[4]);
	CHECK(t[7] - t[6] >= 20, "reset pulse %.1f ms", t[7] - t[6]);
	if (f)
		fclose(f);
	unlink(path);
	return 0;
}

static int missing_chip_is_named(void)
{
	char err[256];
	struct hilt_gpio_config cfg = { .chip = "hilt-no-such-chip", .lines = lines, .nlines = 2 };
	struct hilt_gpio *g;
	int rc = hilt_gpio_open(&cfg, "test", &g, err, sizeof(err));

	CHECK(rc < 0, "opened a chip that does not exist");
	CHECK(strstr(err, "GPIO chip 'hilt-no-such-chip'") != NULL, "err [%s]", err);
	return 0;
}

static int real_chip(void)
{
	DIR *d = opendir("/dev");
	struct dirent *e;
	char chip[300] = "";

	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, "gpiochip", 8) == 0)
			snprintf(chip, sizeof(chip), "%s", e->d_name);
	if (d)
		closedir(d);
	if (!*chip) {
		printf("     skipped: no GPIO chip on this machine (no /dev/gpiochip*), and none to "
		       "make: Debian 12's kernel builds neither gpio-sim nor gpio-mockup, and QEMU's "
		       "x86 machines have no GPIO controller; the libgpiod backend runs only its "
		       "error paths here\n");
		return 77;
	}
	/* A chip exists: request a line and pulse it. */
	char err[256];
	struct hilt_gpio_line_config l = { .name = "l0", .offset = 0 };
	struct hilt_gpio_config cfg = { .chip = chip, .lines = &l, .nlines = 1 };
	struct hilt_gpio_step steps[] = {
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 1 },
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 0 },
	};
	struct hilt_gpio_sequence seq = { steps, 2 };
	struct hilt_gpio *g;

	if (hilt_gpio_open(&cfg, "hilt-test", &g, err, sizeof(err)) < 0) {
		printf("     skipped: %s cannot be driven here: %s\n", chip, err);
		return 77;
	}
	CHECK(hilt_gpio_run(g, &seq, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	hilt_gpio_close(g);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "ESP32 download mode and reset on the recording backend", download_mode_on_fake },
		{ "libgpiod: a missing chip is named", missing_chip_is_named },
		{ "libgpiod on a real chip", real_chip },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
