/* Reset and boot-mode sequences on the recording (fake) GPIO backend:
 * order, hold times and active-low levels; its input lines, read from
 * files a test writes; the libgpiod backend's errors
 * on this machine; a real chip of this machine only when HILT_TEST_GPIO
 * names the line it may drive (e2e_guest-gpio, tests/guest/gpio_check.c,
 * drives a gpio-sim chip in the guest). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/loop.h"
#include "targets/gpio.h"
#include "tests/gpio_peek.h"

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

struct seq_run {
	int rc, calls;
	char err[256];
	unsigned ticks;		/* of a 5 ms ticker while the sequence runs */
	bool ended;
};

static void seq_done(void *arg, int rc, const char *err)
{
	struct seq_run *r = arg;

	r->rc = rc;
	r->calls++;
	r->ended = true;
	snprintf(r->err, sizeof(r->err), "%s", err);
}

static void seq_tick(struct hilt_loop *loop, void *arg)
{
	struct seq_run *r = arg;

	if (r->ended)
		return;
	r->ticks++;
	hilt_loop_add_timer(loop, hilt_now_ns() + 5000000, seq_tick, r);
}

static void seq_drain(void *arg)
{
	(void)arg;
	count_drain(NULL);
}

/* Runs seq on g from a loop of its own, with a ticker beside it: 0 or the
 * sequence's -errno (err filled).  *ticks: how often the ticker ran. */
static int run_seq(struct hilt_gpio *g, const struct hilt_gpio_sequence *seq, bool drain,
		   char *err, size_t errlen, unsigned *ticks)
{
	struct hilt_loop *loop;
	struct seq_run r = { 0 };
	int rc;

	if (hilt_loop_new(&loop))
		return -ENOMEM;
	rc = hilt_gpio_start(g, loop, seq, drain ? seq_drain : NULL, seq_done, &r);
	CHECK(r.calls == 0, "done ran inside hilt_gpio_start");
	if (rc == 0) {
		hilt_loop_add_timer(loop, hilt_now_ns() + 5000000, seq_tick, &r);
		hilt_loop_run(loop);
		CHECK(r.calls == 1, "done called %d times", r.calls);
		rc = r.rc;
		snprintf(err, errlen, "%s", r.err);
	}
	hilt_loop_free(loop);
	if (ticks)
		*ticks = r.ticks;
	return rc;
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
	unsigned ticks = 0;

	CHECK(run_seq(g, &seq, false, err, sizeof(err), &ticks) == 0, "%s", err);
	/* The sequence's waits are the loop's timers: the loop served its
	 * other work meanwhile. */
	CHECK(ticks >= 3, "the loop ticked %u times during the sequence", ticks);
	CHECK(run_seq(g, &reset, true, err, sizeof(err), NULL) == 0, "%s", err);
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

/* Writes text to path (the fake chip's input level). */
static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

/* Input lines on the recording backend: each reads the level written
 * beside the record (FILE.NAME; a missing file is level 0), active-low
 * inverted; an input is not recorded, and a sequence that sets it ends
 * with an error naming it. */
static int input_on_fake(void)
{
	char path[] = "/tmp/hilt-gpio-XXXXXX";
	int fd = mkstemp(path);
	char chip[64], sense[80], nsense[80], err[256] = "", line[64];
	struct hilt_gpio_line_config in_lines[] = {
		{ .name = "sense", .offset = 3, .input = true },
		{ .name = "nsense", .chip_line = "PWR_N", .input = true, .active_low = true },
		{ .name = "en", .offset = 17 },
	};
	struct hilt_gpio_config cfg = { .chip = chip, .lines = in_lines, .nlines = 3 };
	struct hilt_gpio_step set_sense[] = {
		{ .kind = HILT_GPIO_SET, .line = 2, .value = 1 },
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 1 },
		{ .kind = HILT_GPIO_SET, .line = 2, .value = 0 },
	};
	struct hilt_gpio_sequence seq = { set_sense, 3 };
	struct hilt_gpio *g;
	int v = -1, rc;

	close(fd);
	snprintf(chip, sizeof(chip), "fake:%s", path);
	snprintf(sense, sizeof(sense), "%s.sense", path);
	snprintf(nsense, sizeof(nsense), "%s.nsense", path);
	CHECK(hilt_gpio_open(&cfg, "test", &g, err, sizeof(err)) == 0, "%s", err);

	/* No file yet: level 0, so active-low reads asserted. */
	CHECK(hilt_gpio_get(g, 0, &v, err, sizeof(err)) == 0 && v == 0, "sense %d: %s", v, err);
	CHECK(hilt_gpio_get(g, 1, &v, err, sizeof(err)) == 0 && v == 1, "nsense %d: %s", v, err);
	put(sense, "1\n");
	put(nsense, "1\n");
	CHECK(hilt_gpio_get(g, 0, &v, err, sizeof(err)) == 0 && v == 1, "sense %d: %s", v, err);
	CHECK(hilt_gpio_get(g, 1, &v, err, sizeof(err)) == 0 && v == 0, "nsense %d: %s", v, err);
	put(sense, "0");
	CHECK(hilt_gpio_get(g, 0, &v, err, sizeof(err)) == 0 && v == 0, "sense %d: %s", v, err);
	/* Neither 0 nor 1: said, with the file. */
	put(sense, "on");
	rc = hilt_gpio_get(g, 0, &v, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "GPIO line sense") && strstr(err, sense) &&
	      strstr(err, "'on'"), "rc %d: %s", rc, err);
	/* An output is set, not read. */
	rc = hilt_gpio_get(g, 2, &v, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "GPIO line en is an output"), "rc %d: %s", rc, err);
	/* Setting an input ends the sequence there: en set once, not reset. */
	rc = run_seq(g, &seq, false, err, sizeof(err), NULL);
	CHECK(rc == -EINVAL && !strcmp(err, "GPIO line sense is an input: it cannot be set"),
	      "rc %d: %s", rc, err);
	hilt_gpio_close(g);

	hilt_gpio_line_where(&cfg, 0, line, sizeof(line));
	CHECK(!strcmp(line + strlen(chip), " line 3"), "where: %s", line);
	hilt_gpio_line_where(&cfg, 1, line, sizeof(line));
	CHECK(!strcmp(line + strlen(chip), " line 'PWR_N'"), "where: %s", line);

	/* Only the output is in the record: requested deasserted, then set. */
	char rec[256] = "", *p = rec;
	FILE *f = fopen(path, "r");
	double at;
	char name[16];
	int level;

	while (f && fscanf(f, "%lf %15s %d", &at, name, &level) == 3 && p < rec + 200)
		p += sprintf(p, "%s %d,", name, level);
	if (f)
		fclose(f);
	CHECK(!strcmp(rec, "en 0,en 1,"), "recorded: %s", rec);
	unlink(sense);
	unlink(nsense);
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

/* The /dev/gpiochip* devices here, for the skip message ("" if none). */
static void list_chips(char *buf, size_t len)
{
	DIR *d = opendir("/dev");
	struct dirent *e;
	size_t used = 0;

	buf[0] = '\0';
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "gpiochip", 8) != 0 || used >= len)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", e->d_name);

		if (n > 0)
			used += (size_t)n;
	}
	if (d)
		closedir(d);
}

/* A real chip is driven only where this test was told which line it may
 * drive: on a farm host any line of any chip may be a board's reset or
 * boot-mode line.  HILT_TEST_GPIO=CHIP:LINE (a chip as the farm file names
 * one, a line offset). */
static int real_chip(void)
{
	const char *spec = getenv("HILT_TEST_GPIO");

	if (!spec || !*spec) {
		char chips[256];

		list_chips(chips, sizeof(chips));
		if (*chips)
			printf("     skipped: HILT_TEST_GPIO (CHIP:LINE, a line this test may drive) "
			       "is not set; the chips here (%s) are left alone, as any of their "
			       "lines may be wired to a board (e2e_guest-gpio drives a gpio-sim "
			       "chip in the guest)\n", chips);
		else
			printf("     skipped: HILT_TEST_GPIO (CHIP:LINE, a line this test may drive) "
			       "is not set, and there is no /dev/gpiochip* here (e2e_guest-gpio "
			       "drives a gpio-sim chip in the guest)\n");
		return 77;
	}
	char chip[256], err[256], *end;
	const char *colon = strrchr(spec, ':');

	CHECK(colon && colon != spec && colon[1], "HILT_TEST_GPIO=%s: not CHIP:LINE", spec);
	if (!colon || colon == spec || !colon[1])
		return 0;
	errno = 0;
	unsigned long offset = strtoul(colon + 1, &end, 10);

	CHECK(!*end && !errno && offset < 4096 && colon[1] != '-',
	      "HILT_TEST_GPIO=%s: the line is not an offset", spec);
	if (*end || errno || offset >= 4096 || colon[1] == '-')
		return 0;
	snprintf(chip, sizeof(chip), "%.*s", (int)(colon - spec), spec);

	struct hilt_gpio_line_config l = { .name = "l0", .offset = (unsigned)offset };
	struct hilt_gpio_config cfg = { .chip = chip, .lines = &l, .nlines = 1 };
	struct hilt_gpio_step steps[] = {
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 1 },
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 0 },
	};
	struct hilt_gpio_sequence seq = { steps, 2 };
	struct hilt_gpio *g;

	/* Pointed at it explicitly: a chip or line that cannot be driven is
	 * a failure, not a reason to skip. */
	if (hilt_gpio_open(&cfg, "hilt-test", &g, err, sizeof(err)) < 0) {
		CHECK(0, "HILT_TEST_GPIO=%s cannot be driven: %s", spec, err);
		return 0;
	}
	/* What the kernel says of the line while hilt holds it, seen through
	 * a handle of our own. */
	struct gpio_peek p;
	int rc = gpio_peek(chip, (unsigned)offset, &p);

	CHECK(rc == 0, "%s line %lu: cannot look at it: %s", chip, offset, strerror(-rc));
	if (rc == 0) {
		CHECK(p.used, "line %lu is not held while hilt drives it", offset);
		CHECK(!strcmp(p.consumer, "hilt-test"), "line %lu is held by '%s'", offset,
		      p.consumer);
		CHECK(p.output, "line %lu is not an output", offset);
	}
	CHECK(run_seq(g, &seq, false, err, sizeof(err), NULL) == 0, "%s", err);
	hilt_gpio_close(g);
	/* Released when the session is done with the board. */
	rc = gpio_peek(chip, (unsigned)offset, &p);
	CHECK(rc == 0 && !p.used, "line %lu still held after hilt_gpio_close", offset);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "ESP32 download mode and reset on the recording backend", download_mode_on_fake },
		{ "input lines on the recording backend", input_on_fake },
		{ "libgpiod: a missing chip is named", missing_chip_is_named },
		{ "libgpiod on the line HILT_TEST_GPIO names", real_chip },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
