/* A board's GPIO lines and their sequences: the sequences run from the
 * loop; the lines are set and read on a real chip through the chip backend
 * (targets/gpio_chip.h: libgpiod 1 or 2), or recorded to a file and read
 * from files beside it (fake:). */
#define _GNU_SOURCE
#include "targets/gpio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/loop.h"
#include "targets/gpio_chip.h"

struct hilt_gpio {
	const struct hilt_gpio_config *cfg;
	struct gpio_chip *chip;		/* a real chip */
	FILE *fake;			/* fake: the record */
	struct timespec start;
	/* The sequence under way (hilt_gpio_start). */
	struct hilt_loop *loop;
	const struct hilt_gpio_sequence *seq;
	size_t next;
	int64_t timer;
	hilt_gpio_drain_cb drain;
	hilt_gpio_done_cb done;
	void *arg;
	int rc;
	char err[256];
};

static double elapsed_ms(const struct hilt_gpio *g)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - g->start.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - g->start.tv_nsec) / 1e6;
}

static int set_line(struct hilt_gpio *g, size_t i, int value, char *err, size_t errlen)
{
	const struct hilt_gpio_line_config *l = &g->cfg->lines[i];

	if (l->input) {
		snprintf(err, errlen, "GPIO line %s is an input: it cannot be set", l->name);
		return -EINVAL;
	}
	if (g->fake) {
		/* The physical level, as a logic analyser would see it. */
		fprintf(g->fake, "%.3f %s %d\n", elapsed_ms(g), l->name,
			l->active_low ? !value : value);
		fflush(g->fake);
		return 0;
	}
	return gpio_chip_set(g->chip, i, value, err, errlen);
}

int hilt_gpio_open(const struct hilt_gpio_config *cfg, const char *consumer,
		   struct hilt_gpio **out, char *err, size_t errlen)
{
	struct hilt_gpio *g = calloc(1, sizeof(*g));
	int rc = -ENOMEM;

	if (!g)
		return rc;
	g->cfg = cfg;
	clock_gettime(CLOCK_MONOTONIC, &g->start);
	if (strncmp(cfg->chip, "fake:", 5) == 0) {
		g->fake = fopen(cfg->chip + 5, "ae");
		if (!g->fake) {
			rc = -errno;
			snprintf(err, errlen, "GPIO record %s: %s", cfg->chip + 5, strerror(errno));
			goto err_free;
		}
		for (size_t i = 0; i < cfg->nlines; i++)
			if (!cfg->lines[i].input)
				set_line(g, i, 0, err, errlen);
		*out = g;
		return 0;
	}
	if ((rc = gpio_chip_open(cfg, consumer, &g->chip, err, errlen)) < 0)
		goto err_free;
	*out = g;
	return 0;

err_free:
	hilt_gpio_close(g);
	return rc;
}

/* The fake chip's input line i: the physical level in FILE.NAME, a
 * missing file level 0. */
static int fake_get(struct hilt_gpio *g, size_t i, int *level, char *err, size_t errlen)
{
	const struct hilt_gpio_line_config *l = &g->cfg->lines[i];
	char path[4096], buf[16] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s.%s", g->cfg->chip + 5, l->name);
	if (!(f = fopen(path, "re"))) {
		if (errno != ENOENT) {
			int e = errno;

			snprintf(err, errlen, "GPIO line %s: %s: %s", l->name, path, strerror(e));
			return -e;
		}
		*level = 0;
		return 0;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strcmp(buf, "0") && strcmp(buf, "1")) {
		snprintf(err, errlen, "GPIO line %s: %s holds '%s', not 0 or 1", l->name, path, buf);
		return -EINVAL;
	}
	*level = buf[0] == '1';
	return 0;
}

int hilt_gpio_get(struct hilt_gpio *g, size_t i, int *value, char *err, size_t errlen)
{
	const struct hilt_gpio_line_config *l = &g->cfg->lines[i];
	int rc;

	if (!l->input) {
		snprintf(err, errlen, "GPIO line %s is an output: it is not read", l->name);
		return -EINVAL;
	}
	if (!g->fake)
		return gpio_chip_get(g->chip, i, value, err, errlen);
	if ((rc = fake_get(g, i, value, err, errlen)) < 0)
		return rc;
	if (l->active_low)
		*value = !*value;
	return 0;
}

const char *hilt_gpio_line_where(const struct hilt_gpio_config *cfg, size_t i, char *buf,
				 size_t len)
{
	const struct hilt_gpio_line_config *l = &cfg->lines[i];

	if (l->chip_line)
		snprintf(buf, len, "%s line '%s'", cfg->chip, l->chip_line);
	else
		snprintf(buf, len, "%s line %u", cfg->chip, l->offset);
	return buf;
}

static void step(struct hilt_loop *loop, void *arg);

static void finish_sequence(struct hilt_gpio *g)
{
	g->seq = NULL;
	g->done(g->arg, g->rc, g->err);
}

/* Runs steps up to the next wait, which becomes a loop timer. */
static void step(struct hilt_loop *loop, void *arg)
{
	struct hilt_gpio *g = arg;

	(void)loop;
	g->timer = 0;
	while (g->next < g->seq->nsteps) {
		const struct hilt_gpio_step *s = &g->seq->steps[g->next++];

		switch (s->kind) {
		case HILT_GPIO_SET:
			g->rc = set_line(g, s->line, s->value, g->err, sizeof(g->err));
			if (g->rc) {
				finish_sequence(g);
				return;
			}
			break;
		case HILT_GPIO_WAIT:
			g->timer = hilt_loop_add_timer(g->loop,
						       hilt_now_ns() + (int64_t)s->ms * 1000000,
						       step, g);
			if (g->timer > 0)
				return;
			g->timer = 0;
			g->rc = -ENOMEM;
			snprintf(g->err, sizeof(g->err), "cannot time a GPIO wait: out of memory");
			finish_sequence(g);
			return;
		case HILT_GPIO_DRAIN:
			if (g->drain)
				g->drain(g->arg);
			break;
		}
	}
	finish_sequence(g);
}

int hilt_gpio_start(struct hilt_gpio *g, struct hilt_loop *loop,
		    const struct hilt_gpio_sequence *seq, hilt_gpio_drain_cb drain,
		    hilt_gpio_done_cb done, void *arg)
{
	if (g->seq)
		return -EBUSY;
	g->loop = loop;
	g->seq = seq;
	g->next = 0;
	g->drain = drain;
	g->done = done;
	g->arg = arg;
	g->rc = 0;
	g->err[0] = '\0';
	/* The first steps run from the loop too: done never runs inside
	 * this call. */
	g->timer = hilt_loop_add_timer(loop, hilt_now_ns(), step, g);
	if (g->timer < 0) {
		g->timer = 0;
		g->seq = NULL;
		return -ENOMEM;
	}
	return 0;
}

void hilt_gpio_cancel(struct hilt_gpio *g)
{
	if (g->timer > 0)
		hilt_loop_cancel_timer(g->loop, g->timer);
	g->timer = 0;
	g->seq = NULL;
}

void hilt_gpio_close(struct hilt_gpio *g)
{
	if (!g)
		return;
	hilt_gpio_cancel(g);
	gpio_chip_close(g->chip);
	if (g->fake)
		fclose(g->fake);
	free(g);
}

void hilt_gpio_config_free(struct hilt_gpio_config *cfg)
{
	for (size_t i = 0; i < cfg->nlines; i++) {
		free(cfg->lines[i].name);
		free(cfg->lines[i].chip_line);
	}
	free(cfg->lines);
	free(cfg->reset.steps);
	free(cfg->download.steps);
	free(cfg->chip);
}

int gpio_chip_no_chip(const struct hilt_gpio_config *cfg, int rc, char *err, size_t errlen)
{
	snprintf(err, errlen, "GPIO chip '%s': %s", cfg->chip, strerror(-rc));
	return rc;
}

int gpio_chip_line_failed(const struct hilt_gpio_config *cfg, size_t i, unsigned offset, int e,
			  const char *holder, char *err, size_t errlen)
{
	bool busy = holder && e == EBUSY;

	snprintf(err, errlen, "GPIO line %s (%s offset %u)%s%s: %s", cfg->lines[i].name, cfg->chip,
		 offset, busy ? " is held by another process" : "", holder ? holder : "",
		 strerror(e));
	return -e;
}

int gpio_chip_no_name(const struct hilt_gpio_config *cfg, size_t i, int rc, char *err,
		      size_t errlen)
{
	const struct hilt_gpio_line_config *l = &cfg->lines[i];

	snprintf(err, errlen, "GPIO line %s: %s has no line named '%s'%s%s", l->name, cfg->chip,
		 l->chip_line, rc == -ENOENT ? "" : ": ", rc == -ENOENT ? "" : strerror(-rc));
	return rc;
}

int gpio_chip_past_end(const struct hilt_gpio_config *cfg, size_t i, const char *name,
		       const char *label, unsigned n, char *err, size_t errlen)
{
	const struct hilt_gpio_line_config *l = &cfg->lines[i];

	/* What the chip has, so a wrong chip shows. */
	snprintf(err, errlen, "GPIO line %s: %s (%s, '%s') has %u lines (offsets 0-%u), no line %u",
		 l->name, cfg->chip, name, label, n, n ? n - 1 : 0, l->offset);
	return -EINVAL;
}
