/* Runs inside the default QEMU guest: hilt's GPIO code (targets/gpio.c,
 * through libgpiod) against a real kernel GPIO chip, the kernel's GPIO
 * simulator (gpio-sim.ko, fixtures/gpio-sim/build.sh).  It makes a chip
 * through configfs (a label, lines named EN and IO0), drives it as a farm
 * drives a board's reset and boot-mode lines, and reads back what the chip
 * holds through gpio-sim's sysfs attributes (sim_gpioN/value); and reads
 * input lines (a board's power sense line) whose level it sets through
 * gpio-sim's pulls (sim_gpioN/pull).  Built
 * static, so the guest needs nothing else; configfs.ko and gpio-sim.ko are
 * loaded and configfs mounted before it runs.
 *
 *   gpio-check
 *
 * Prints "gpio-check: ok NAME" for each check that held and ends with
 * "gpio-check: PASS N" or "gpio-check: FAIL NAME: why" (exit 1). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/loop.h"
#include "targets/gpio.h"
#include "tests/gpio_peek.h"

#define NLINES 4
#define LABEL "hilt-board"
#define CONSUMER "gpio-check"
#define SIM "/sys/kernel/config/gpio-sim/hilt"

/* A wait is never shorter than the sequence asks (loop timers never fire
 * early; 1 ms for the clock reads around it), and at most this much
 * longer: 25 ms, plus as much again for TCG, where the guest's timers
 * and sysfs reads run slow. */
#define LATE_MS 50.0

static int passed;
static char chip_name[64];	/* gpiochipN */
static char dev_name[64];	/* gpio-sim.N */

static void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	printf("gpio-check: FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

/* A check whose every condition held. */
static void ok(const char *name)
{
	printf("gpio-check: ok %s\n", name);
	passed++;
}

static double now_ms(void)
{
	return (double)hilt_now_ns() / 1e6;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int rc = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	return rc;
}

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The level the chip holds on line offset, from gpio-sim's sysfs: 0, 1,
 * or -1 when it cannot be read. */
static int sim_value(unsigned offset)
{
	char path[256], buf[16];

	snprintf(path, sizeof(path), "/sys/devices/platform/%s/%s/sim_gpio%u/value", dev_name,
		 chip_name, offset);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] == '1' ? 1 : buf[0] == '0' ? 0 : -1;
}

/* A chip of NLINES lines labelled LABEL, lines 0 and 1 named EN and IO0,
 * made live through gpio-sim's configfs. */
static void make_chip(void)
{
	static const struct { const char *path, *value; } attrs[] = {
		{ SIM "/bank0/label", LABEL "\n" },
		{ SIM "/bank0/num_lines", "4\n" },
		{ SIM "/bank0/line0/name", "EN\n" },
		{ SIM "/bank0/line1/name", "IO0\n" },
		{ SIM "/live", "1\n" },
	};
	static const char *const dirs[] = { SIM, SIM "/bank0", SIM "/bank0/line0",
					    SIM "/bank0/line1" };
	int rc;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		check(mkdir(dirs[i], 0755) == 0, "configfs", "mkdir %s: %s", dirs[i],
		      strerror(errno));
	for (size_t i = 0; i < sizeof(attrs) / sizeof(*attrs); i++) {
		rc = write_file(attrs[i].path, attrs[i].value);
		check(rc == 0, "configfs", "%s: %s", attrs[i].path, strerror(-rc));
	}
	check(read_file(SIM "/bank0/chip_name", chip_name, sizeof(chip_name)) == 0 &&
	      strncmp(chip_name, "gpiochip", 8) == 0 &&
	      read_file(SIM "/dev_name", dev_name, sizeof(dev_name)) == 0 && dev_name[0],
	      "chip-live", "no chip name (%s) or device (%s) after live=1", chip_name, dev_name);
	for (unsigned i = 0; i < NLINES; i++)
		check(sim_value(i) == 0, "chip-live", "sim_gpio%u/value of %s/%s unreadable or not 0",
		      i, dev_name, chip_name);
	printf("gpio-check: chip %s on %s, label %s\n", chip_name, dev_name, LABEL);
	ok("chip-live");
}

/* What the kernel says of line offset: used, and by whom. */
static int line_info(unsigned offset, char *consumer, size_t len)
{
	struct gpio_peek p;

	consumer[0] = '\0';
	if (gpio_peek(LABEL, offset, &p) < 0)
		return -1;
	snprintf(consumer, len, "%s", p.consumer);
	return p.used;
}

/* Every line of the chip is free: the kernel says nobody uses it, and
 * requesting it succeeds. */
static void all_free(const char *name)
{
	char who[64];

	for (unsigned i = 0; i < NLINES; i++) {
		int used = line_info(i, who, sizeof(who)), rc;

		check(used == 0, name, "line %u is %s%s", i, used < 0 ? "unreadable" : "in use by ",
		      who);
		rc = gpio_peek_request(LABEL, i, "gpio-check-free");
		check(rc == 0, name, "line %u cannot be requested again: %s", i, strerror(-rc));
	}
	ok(name);
}

/* A sequence run from a loop of its own.  Its drain steps are probes: each
 * reads every line's level from the chip, with the time. */
#define MAX_PROBES 16
struct probe {
	double at;
	int level[NLINES];
};
struct run {
	struct probe probes[MAX_PROBES];
	int nprobes, rc, done;
	char err[256];
};

static void probe(void *arg)
{
	struct run *r = arg;

	if (r->nprobes >= MAX_PROBES)
		return;
	struct probe *p = &r->probes[r->nprobes++];

	for (unsigned i = 0; i < NLINES; i++)
		p->level[i] = sim_value(i);
	p->at = now_ms();
}

static void seq_done(void *arg, int rc, const char *err)
{
	struct run *r = arg;

	r->rc = rc;
	r->done++;
	snprintf(r->err, sizeof(r->err), "%s", err);
}

static void run_seq(const char *name, struct hilt_gpio *g, const struct hilt_gpio_step *steps,
		    size_t n, struct run *r)
{
	struct hilt_gpio_sequence seq = { (struct hilt_gpio_step *)steps, n };
	struct hilt_loop *loop;

	memset(r, 0, sizeof(*r));
	check(hilt_loop_new(&loop) == 0, name, "no loop");
	check(hilt_gpio_start(g, loop, &seq, probe, seq_done, r) == 0, name, "start failed");
	hilt_loop_run(loop);
	hilt_loop_free(loop);
	check(r->done == 1 && r->rc == 0, name, "done %d times, rc %d: %s", r->done, r->rc, r->err);
}

/* Levels at probe i: the chip's lines 0..3, as a string such as "1 1 0 0". */
static void expect_levels(const char *name, const struct run *r, int i, const char *want)
{
	char got[32];
	const int *v = r->probes[i].level;

	check(i < r->nprobes, name, "probe %d not reached (%d probes)", i, r->nprobes);
	snprintf(got, sizeof(got), "%d %d %d %d", v[0], v[1], v[2], v[3]);
	check(strcmp(got, want) == 0, name, "probe %d: the chip holds %s, expected %s", i, got,
	      want);
}

/* Probe b came wait_ms after probe a, within the tolerance. */
static void expect_wait(const char *name, const struct run *r, int a, int b, unsigned wait_ms)
{
	double d = r->probes[b].at - r->probes[a].at;

	printf("gpio-check: %s: %u ms wait measured %.2f ms\n", name, wait_ms, d);
	check(d >= wait_ms - 1.0 && d <= wait_ms + LATE_MS, name,
	      "%.2f ms between the level changes, the sequence waits %u ms (tolerance -1/+%.0f ms)",
	      d, wait_ms, LATE_MS);
	ok(name);
}

#define EN 0
#define BOOT 1

/* The farm's ESP32 lines: EN and IO0, both active-low, by the chip's
 * names, on the chip found by its label. */
static void by_label_and_name(void)
{
	struct hilt_gpio_line_config lines[] = {
		{ .name = "en", .chip_line = "EN", .active_low = true },
		{ .name = "boot", .chip_line = "IO0", .active_low = true },
	};
	struct hilt_gpio_config cfg = { .chip = LABEL, .lines = lines, .nlines = 2 };
	/* Download mode: hold IO0 low, pulse EN, release IO0; a probe after
	 * every change. */
	static const struct hilt_gpio_step download[] = {
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_SET, .line = BOOT, .value = 1 },
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_SET, .line = EN, .value = 1 },
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_WAIT, .ms = 100 },
		{ .kind = HILT_GPIO_SET, .line = EN, .value = 0 },
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_WAIT, .ms = 50 },
		{ .kind = HILT_GPIO_SET, .line = BOOT, .value = 0 },
		{ .kind = HILT_GPIO_DRAIN },
	};
	static const struct hilt_gpio_step reset[] = {
		{ .kind = HILT_GPIO_SET, .line = EN, .value = 1 },
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_WAIT, .ms = 20 },
		{ .kind = HILT_GPIO_SET, .line = EN, .value = 0 },
		{ .kind = HILT_GPIO_DRAIN },
	};
	struct hilt_gpio *g;
	struct run r;
	char err[256], who[64];

	check(hilt_gpio_open(&cfg, CONSUMER, &g, err, sizeof(err)) == 0, "open-by-label", "%s", err);
	ok("open-by-label");
	/* Requested deasserted: active-low lines are high. */
	check(sim_value(0) == 1 && sim_value(1) == 1, "deasserted-on-open",
	      "EN %d, IO0 %d after open, expected 1 1", sim_value(0), sim_value(1));
	ok("deasserted-on-open");
	for (unsigned i = 0; i < 2; i++)
		check(line_info(i, who, sizeof(who)) == 1 && strcmp(who, CONSUMER) == 0,
		      "held-while-open", "line %u used by '%s'", i, who);
	ok("held-while-open");

	run_seq("download-sequence", g, download, sizeof(download) / sizeof(*download), &r);
	check(r.nprobes == 5, "download-sequence", "%d probes", r.nprobes);
	ok("download-sequence");
	expect_levels("download-levels", &r, 0, "1 1 0 0");	/* as opened */
	expect_levels("download-levels", &r, 1, "1 0 0 0");	/* IO0 held low */
	expect_levels("download-levels", &r, 2, "0 0 0 0");	/* EN low: in reset */
	expect_levels("download-levels", &r, 3, "1 0 0 0");	/* out of reset, IO0 low */
	expect_levels("download-levels", &r, 4, "1 1 0 0");	/* IO0 released */
	ok("download-levels");
	expect_wait("download-en-pulse", &r, 2, 3, 100);
	expect_wait("download-io0-hold", &r, 3, 4, 50);

	run_seq("reset-sequence", g, reset, sizeof(reset) / sizeof(*reset), &r);
	check(r.nprobes == 2, "reset-sequence", "%d probes", r.nprobes);
	ok("reset-sequence");
	expect_levels("reset-levels", &r, 0, "0 1 0 0");
	expect_levels("reset-levels", &r, 1, "1 1 0 0");
	ok("reset-levels");
	expect_wait("reset-pulse", &r, 0, 1, 20);

	hilt_gpio_close(g);
	all_free("free-after-close");
}

/* Lines by offset, one active-high, one active-low, on the chip opened
 * by its path, then by its number. */
static void by_path_and_number(const char *chip, const char *what)
{
	struct hilt_gpio_line_config lines[] = {
		{ .name = "power", .offset = 2 },
		{ .name = "rst", .offset = 3, .active_low = true },
	};
	struct hilt_gpio_config cfg = { .chip = (char *)chip, .lines = lines, .nlines = 2 };
	static const struct hilt_gpio_step steps[] = {
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 1 },
		{ .kind = HILT_GPIO_SET, .line = 1, .value = 1 },
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_WAIT, .ms = 30 },
		{ .kind = HILT_GPIO_SET, .line = 1, .value = 0 },
		{ .kind = HILT_GPIO_DRAIN },
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 0 },
		{ .kind = HILT_GPIO_DRAIN },
	};
	struct hilt_gpio *g;
	struct run r;
	char err[256], name[64];

	snprintf(name, sizeof(name), "open-by-%s", what);
	check(hilt_gpio_open(&cfg, CONSUMER, &g, err, sizeof(err)) == 0, name, "%s: %s", chip, err);
	/* Deasserted: active-high low, active-low high. */
	check(sim_value(2) == 0 && sim_value(3) == 1, name,
	      "lines 2 and 3 hold %d %d after open, expected 0 1", sim_value(2), sim_value(3));
	ok(name);
	snprintf(name, sizeof(name), "offsets-by-%s", what);
	run_seq(name, g, steps, sizeof(steps) / sizeof(*steps), &r);
	expect_levels(name, &r, 0, "0 0 1 0");
	expect_levels(name, &r, 1, "0 0 1 1");
	expect_levels(name, &r, 2, "0 0 0 1");
	ok(name);
	snprintf(name, sizeof(name), "wait-by-%s", what);
	expect_wait(name, &r, 0, 1, 30);
	hilt_gpio_close(g);
	snprintf(name, sizeof(name), "free-after-%s", what);
	all_free(name);
}

/* In a child: holds EN with its own libgpiod request; 0 once held. */
static int hold_en_elsewhere(void)
{
	return gpio_peek_hold(LABEL, "EN", "other-holder", 1) == 0 ? 0 : -1;
}

/* In a child: holds three lines through hilt's code, as a session does;
 * 0 once held. */
static int hold_as_session(void)
{
	struct hilt_gpio_line_config lines[] = {
		{ .name = "en", .chip_line = "EN", .active_low = true },
		{ .name = "boot", .chip_line = "IO0", .active_low = true },
		{ .name = "power", .offset = 2 },
	};
	struct hilt_gpio_config cfg = { .chip = LABEL, .lines = lines, .nlines = 3 };
	struct hilt_gpio *g;
	char err[256];

	return hilt_gpio_open(&cfg, "hilt-killed", &g, err, sizeof(err)) < 0 ? -1 : 0;
}

/* A child that runs hold() and, once it holds its lines, waits to be
 * killed; returns its pid when it holds them (the check what fails with
 * why otherwise). */
static pid_t holder(const char *what, const char *why, int (*hold)(void))
{
	int ready[2];
	char c;

	check(pipe(ready) == 0, what, "pipe: %s", strerror(errno));
	pid_t pid = fork();

	check(pid >= 0, what, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (hold() < 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	check(read(ready[0], &c, 1) == 1, what, "%s", why);
	close(ready[0]);
	return pid;
}

/* hilt_gpio_open's error for cfg: it must fail with want_rc and its
 * message hold every one of the NULL-ended strings. */
static void expect_open_error(const char *name, struct hilt_gpio_config *cfg, int want_rc, ...)
{
	struct hilt_gpio *g = NULL;
	char err[256] = "";
	int rc = hilt_gpio_open(cfg, CONSUMER, &g, err, sizeof(err));
	va_list ap;
	const char *s;
	char freed[96];

	printf("gpio-check: %s: %s\n", name, err);
	check(rc < 0, name, "opened (%s)", cfg->chip);
	check(rc == want_rc, name, "rc %d (%s), expected %d", rc, strerror(-rc), want_rc);
	va_start(ap, want_rc);
	while ((s = va_arg(ap, const char *)))
		check(strstr(err, s) != NULL, name, "'%s' not in the message: %s", s, err);
	va_end(ap);
	ok(name);
	snprintf(freed, sizeof(freed), "free-after-%s", name);
	all_free(freed);
}

static void errors(void)
{
	struct hilt_gpio_line_config en = { .name = "en", .chip_line = "EN", .active_low = true };
	struct hilt_gpio_line_config past = { .name = "boot", .offset = NLINES + 5 };
	struct hilt_gpio_line_config none = { .name = "boot", .chip_line = "GPIO0" };
	struct hilt_gpio_config cfg = { .chip = LABEL, .lines = &past, .nlines = 1 };
	char nine[16];

	snprintf(nine, sizeof(nine), "no line %u", NLINES + 5);
	expect_open_error("error-offset-past-end", &cfg, -EINVAL, "GPIO line boot", LABEL,
			  "has 4 lines", nine, NULL);
	cfg.lines = &none;
	expect_open_error("error-no-such-name", &cfg, -ENOENT, "GPIO line boot", LABEL,
			  "no line named 'GPIO0'", NULL);
	cfg.chip = "hilt-no-such-chip";
	cfg.lines = &en;
	expect_open_error("error-no-such-chip", &cfg, -ENOENT, "GPIO chip 'hilt-no-such-chip'",
			  NULL);

	/* Another process holds EN: a child's own libgpiod request. */
	pid_t pid = holder("error-busy", "the holder could not request EN", hold_en_elsewhere);

	cfg.chip = LABEL;
	struct hilt_gpio *g;
	char err[256] = "";
	int rc = hilt_gpio_open(&cfg, CONSUMER, &g, err, sizeof(err));

	printf("gpio-check: error-busy: %s\n", err);
	check(rc == -EBUSY, "error-busy", "rc %d: %s", rc, err);
	check(strstr(err, "GPIO line en") && strstr(err, "offset 0") &&
	      strstr(err, "held by another process as 'other-holder'"), "error-busy",
	      "the message names neither the line nor its holder: %s", err);
	ok("error-busy");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	all_free("free-after-holder-killed");
}

/* A session killed with SIGKILL while it holds the lines: the kernel
 * releases them with its files, nothing stays requested. */
static void killed_session(void)
{
	pid_t pid = holder("killed-session", "the session could not open", hold_as_session);
	char who[64];

	check(line_info(0, who, sizeof(who)) == 1 && strcmp(who, "hilt-killed") == 0,
	      "killed-session", "EN is not held by the session before the kill ('%s')", who);
	ok("killed-session");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	all_free("free-after-kill");
}

/* Pulls line offset of the chip up or down, as a board drives a sense
 * line: what an input reads. */
static void sim_pull(const char *name, unsigned offset, bool up)
{
	char path[256];
	int rc;

	snprintf(path, sizeof(path), "/sys/devices/platform/%s/%s/sim_gpio%u/pull", dev_name,
		 chip_name, offset);
	rc = write_file(path, up ? "pull-up\n" : "pull-down\n");
	check(rc == 0, name, "%s: %s", path, strerror(-rc));
}

/* Reads both inputs: "SENSE NSENSE" as hilt_gpio_get gives them. */
static void expect_inputs(const char *name, struct hilt_gpio *g, const char *want)
{
	char err[256] = "", got[16];
	int v[2] = { -1, -1 };

	for (size_t i = 0; i < 2; i++)
		check(hilt_gpio_get(g, i, &v[i], err, sizeof(err)) == 0, name, "line %zu: %s", i,
		      err);
	snprintf(got, sizeof(got), "%d %d", v[0], v[1]);
	check(strcmp(got, want) == 0, name, "the inputs read %s, expected %s", got, want);
	ok(name);
}

/* Lines 2 and 3 as a board's power sense lines, one active-high, one
 * active-low: requested as inputs, they read the level the chip's pulls
 * give them; a sequence cannot set them. */
static void inputs(void)
{
	struct hilt_gpio_line_config lines[] = {
		{ .name = "sense", .offset = 2, .input = true },
		{ .name = "nsense", .offset = 3, .input = true, .active_low = true },
	};
	struct hilt_gpio_config cfg = { .chip = LABEL, .lines = lines, .nlines = 2 };
	static const struct hilt_gpio_step set[] = {
		{ .kind = HILT_GPIO_SET, .line = 0, .value = 1 },
	};
	struct hilt_gpio_sequence seq = { (struct hilt_gpio_step *)set, 1 };
	struct hilt_gpio *g;
	struct hilt_loop *loop;
	struct run r = { 0 };
	struct gpio_peek p;
	char err[256];

	check(hilt_gpio_open(&cfg, CONSUMER, &g, err, sizeof(err)) == 0, "input-open", "%s", err);
	for (unsigned i = 2; i < 4; i++) {
		check(gpio_peek(LABEL, i, &p) == 0 && p.used && !strcmp(p.consumer, CONSUMER),
		      "input-open", "line %u not held by " CONSUMER " ('%s')", i, p.consumer);
		check(!p.output, "input-open", "line %u is requested as an output", i);
	}
	ok("input-open");
	sim_pull("input-pull-down", 2, false);
	sim_pull("input-pull-down", 3, false);
	expect_inputs("input-pull-down", g, "0 1");
	sim_pull("input-pull-up", 2, true);
	sim_pull("input-pull-up", 3, true);
	expect_inputs("input-pull-up", g, "1 0");
	sim_pull("input-mixed", 3, false);
	expect_inputs("input-mixed", g, "1 1");

	check(hilt_loop_new(&loop) == 0, "input-not-set", "no loop");
	check(hilt_gpio_start(g, loop, &seq, NULL, seq_done, &r) == 0, "input-not-set",
	      "start failed");
	hilt_loop_run(loop);
	hilt_loop_free(loop);
	check(r.done == 1 && r.rc == -EINVAL && strstr(r.err, "GPIO line sense is an input"),
	      "input-not-set", "done %d times, rc %d: %s", r.done, r.rc, r.err);
	/* The pull still decides: nothing was driven. */
	expect_inputs("input-not-set", g, "1 1");
	hilt_gpio_close(g);
	sim_pull("input-pull-down", 2, false);
	all_free("free-after-inputs");
}

int main(void)
{
	char path[96], number[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	make_chip();
	by_label_and_name();
	snprintf(path, sizeof(path), "/dev/%s", chip_name);
	by_path_and_number(path, "path");
	snprintf(number, sizeof(number), "%s", chip_name + 8);
	by_path_and_number(number, "number");
	errors();
	killed_session();
	inputs();
	printf("gpio-check: PASS %d\n", passed);
	return 0;
}
