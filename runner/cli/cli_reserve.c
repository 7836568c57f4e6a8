/* hilt reserve: holds a board for a person (a lease with an expiry beside
 * its lock, targets/lease.h), lists who holds every board, ends one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "base/number.h"
#include "base/xmlfile.h"
#include "runner/cli/cli.h"
#include "runner/cli/paths.h"
#include "runner/engine/farm.h"
#include "targets/lease.h"
#include "targets/target.h"

const char hilt_reserve_usage[] =
	"usage: hilt reserve [--farm FILE] TARGET --for DURATION --why TEXT\n"
	"       hilt reserve [--farm FILE] --list\n"
	"       hilt reserve [--farm FILE] --release TARGET [--force]\n"
	"\n"
	"Holds a board of the farm for a person: until its time ends, no session\n"
	"of anyone else takes it (a scheduled run waits for it up to the board's\n"
	"lock wait, else takes another board of its pool or says who holds it).\n"
	"The reservation is a lease beside the board's lock with its end written\n"
	"in it: it ends at its time even when its holder died or the machine\n"
	"rebooted.  Your own hilt commands use the board with\n"
	"HILT_RESERVATION=ID (the id printed) in their environment.\n"
	"\n"
	"  --farm FILE      the farm (default: the built-in one, which has no board)\n"
	"  --for DURATION   how long: a number of seconds, or with s, m, h or d\n"
	"                   (90m, 2h); reserving again with HILT_RESERVATION set\n"
	"                   to its id moves the end of your own reservation\n"
	"  --why TEXT       what for, shown to everyone who finds it held\n"
	"  --list           every board's holder: its reservation and the session\n"
	"                   running on it (user, host, pid, since, until, why)\n"
	"  --release TARGET end the reservation now (your own: the same user, or\n"
	"                   HILT_RESERVATION; --force: anyone's)\n";

enum { OPT_FOR = 256, OPT_WHY, OPT_LIST, OPT_RELEASE, OPT_FORCE };

struct reserve_args {
	const char *farm_path, *target, *why, *release;
	double for_s;
	bool list, force;
};

/* "90", "90s", "30m", "2h", "1d": seconds; -1 when not such. */
double hilt_parse_duration(const char *s)
{
	char num[64];
	size_t n = strlen(s);
	double unit = 1, v;

	if (!n || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': unit = 1; num[--n] = '\0'; break;
	case 'm': unit = 60; num[--n] = '\0'; break;
	case 'h': unit = 3600; num[--n] = '\0'; break;
	case 'd': unit = 86400; num[--n] = '\0'; break;
	}
	if (hilt_number_double(num, NULL, 0, 1e9, &v) < 0 || v <= 0)
		return -1;
	return v * unit;
}

static int parse_args(int argc, char **argv, struct reserve_args *a)
{
	static const struct option opts[] = {
		{ "farm", required_argument, NULL, 'f' },
		{ "for", required_argument, NULL, OPT_FOR },
		{ "why", required_argument, NULL, OPT_WHY },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "release", required_argument, NULL, OPT_RELEASE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*a = (struct reserve_args){ .for_s = -1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->farm_path = optarg; break;
		case OPT_FOR:
			a->for_s = hilt_parse_duration(optarg);
			if (a->for_s < 0) {
				fprintf(stderr, "hilt reserve: --for %s: not a duration (90, 90s, 30m, 2h, 1d)\n",
					optarg);
				return -1;
			}
			break;
		case OPT_WHY: a->why = optarg; break;
		case OPT_LIST: a->list = true; break;
		case OPT_RELEASE: a->release = optarg; break;
		case OPT_FORCE: a->force = true; break;
		case 'h': fputs(hilt_reserve_usage, stdout); return 1;
		default: fputs(hilt_reserve_usage, stderr); return -1;
		}
	}
	if (optind < argc)
		a->target = argv[optind++];
	const char *what = optind < argc ? "one target at a time" :
			   a->list && (a->target || a->release) ? "--list takes no target" :
			   a->release && a->target ? "--release names the target itself" :
			   !a->list && !a->release && !a->target ? "which target?" :
			   a->target && a->for_s < 0 ? "--for DURATION is needed" :
			   a->target && (!a->why || !*a->why) ? "--why TEXT is needed: others see it" :
			   NULL;

	if (what) {
		fprintf(stderr, "hilt reserve: %s\n", what);
		fputs(hilt_reserve_usage, stderr);
		return -1;
	}
	return 0;
}

/* The lock file's holder when a session holds its flock now, as the kernel
 * lists it (/proc/locks: looked at, never taken, so a session starting
 * this very moment is not turned away).  1 held (h filled), 0 free. */
static int lock_holder(const char *lock, struct hilt_holder *h)
{
	struct stat st;
	char want[64], line[256], text[2048];
	FILE *f;
	long pid = 0;

	if (stat(lock, &st) < 0)
		return 0;
	snprintf(want, sizeof(want), "%02x:%02x:%lu", major(st.st_dev), minor(st.st_dev),
		 (unsigned long)st.st_ino);
	if (!(f = fopen("/proc/locks", "re")))
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		char kind[16], mode[16], dev[64];
		long p;

		if (sscanf(line, "%*s %15s %*s %15s %ld %63s", kind, mode, &p, dev) == 4 &&
		    !strcmp(kind, "FLOCK") && !strcmp(mode, "WRITE") && !strcmp(dev, want))
			pid = p;
	}
	fclose(f);
	if (!pid)
		return 0;
	int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, text, sizeof(text) - 1, 0) : -1;

	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	hilt_holder_parse(text, h);
	h->pid = pid;
	return 1;
}

static int load(const struct reserve_args *a, struct hilt_farm **farm)
{
	char err[HILT_CONFIG_ERR_MAX];
	int rc = a->farm_path ? hilt_farm_load(a->farm_path, farm, err, sizeof(err))
			      : hilt_default_farm(farm, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "%s%s\n", a->farm_path ? "" : "hilt reserve: ", err);
		return a->farm_path ? EXIT_USAGE : EXIT_INFRA;
	}
	return EXIT_PASS;
}

/* The target named name, which must be one that can be reserved. */
static const struct hilt_target_config *reservable(const struct hilt_farm *farm,
						  const char *path, const char *name)
{
	const struct hilt_target_config *t = hilt_farm_find(farm, name);

	if (!t) {
		fprintf(stderr, "hilt reserve: no target named '%s' in %s\n", name,
			path ? path : "the built-in farm");
		return NULL;
	}
	if (!t->ops || !t->ops->hold_paths) {
		fprintf(stderr, "hilt reserve: target '%s' is a %s target: only boards are held and reserved\n",
			name, t->kind);
		return NULL;
	}
	return t;
}

size_t hilt_target_holders(const struct hilt_target_config *t, char lines[2][800])
{
	int64_t now = (int64_t)time(NULL);
	char lock[4096], lease[4096], who[700];
	struct hilt_holder h;
	size_t n = 0;

	if (!t->ops || !t->ops->hold_paths)
		return 0;
	t->ops->hold_paths(t, lock, lease, sizeof(lock));
	if (hilt_lease_read(lease, now, &h) == 1) {
		hilt_holder_describe(&h, who, sizeof(who));
		snprintf(lines[n++], 800, "reserved by %s", who);
	}
	/* Never this process itself (a console still starting). */
	if (lock_holder(lock, &h) && h.pid != (long)getpid()) {
		hilt_holder_describe(&h, who, sizeof(who));
		snprintf(lines[n++], 800, "in use by %s", who);
	}
	return n;
}

static int list(const struct hilt_farm *farm)
{
	size_t shown = 0;

	for (size_t i = 0; i < farm->ntargets; i++) {
		const struct hilt_target_config *t = &farm->targets[i];
		char lines[2][800];
		size_t n;

		if (!t->ops || !t->ops->hold_paths)
			continue;
		shown++;
		n = hilt_target_holders(t, lines);
		for (size_t k = 0; k < n; k++)
			printf("%s: %s\n", t->name, lines[k]);
		if (!n)
			printf("%s: free\n", t->name);
	}
	if (!shown)
		printf("no board in the farm\n");
	return EXIT_PASS;
}

static int release(const struct hilt_farm *farm, const struct reserve_args *a)
{
	const struct hilt_target_config *t = reservable(farm, a->farm_path, a->release);
	int64_t now = (int64_t)time(NULL);
	char lock[4096], lease[4096], who[700];
	struct hilt_holder h, me;
	int rc;

	if (!t)
		return EXIT_USAGE;
	t->ops->hold_paths(t, lock, lease, sizeof(lock));
	if ((rc = hilt_lease_read(lease, now, &h)) <= 0) {
		if (rc < 0) {
			fprintf(stderr, "hilt reserve: %s: %s\n", lease, strerror(-rc));
			return EXIT_INFRA;
		}
		printf("hilt: '%s' is not reserved\n", t->name);
		hilt_lease_remove(lease);
		return EXIT_PASS;
	}
	hilt_holder_self(&me, NULL);
	hilt_holder_describe(&h, who, sizeof(who));
	if (!a->force && !hilt_lease_ours(&h) && strcmp(h.user, me.user) != 0) {
		fprintf(stderr, "hilt reserve: '%s' is reserved by %s: not yours to end (--force ends it)\n",
			t->name, who);
		return EXIT_USAGE;
	}
	if ((rc = hilt_lease_remove(lease)) < 0) {
		fprintf(stderr, "hilt reserve: cannot remove %s: %s\n", lease, strerror(-rc));
		return EXIT_INFRA;
	}
	printf("hilt: the reservation of '%s' has ended (%s)\n", t->name, who);
	return EXIT_PASS;
}

static int reserve(const struct hilt_farm *farm, const struct reserve_args *a)
{
	const struct hilt_target_config *t = reservable(farm, a->farm_path, a->target);
	int64_t now = (int64_t)time(NULL);
	char lock[4096], lease[4096], who[700], end[40], err[4400];
	struct hilt_holder h, other;
	unsigned char rnd[8];
	const char *mine = getenv("HILT_RESERVATION");
	int rc;

	if (!t)
		return EXIT_USAGE;
	t->ops->hold_paths(t, lock, lease, sizeof(lock));
	hilt_holder_self(&h, a->why);
	/* The pid of the shell it was reserved from: the command itself
	 * ends now. */
	h.pid = (long)getppid();
	h.until = now + (int64_t)(a->for_s + 0.5);
	if (mine && *mine) {
		snprintf(h.id, sizeof(h.id), "%.*s", (int)sizeof(h.id) - 1, mine);
	} else {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			fprintf(stderr, "hilt reserve: no random id: %s\n", strerror(errno));
			return EXIT_INFRA;
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(h.id + 2 * i, sizeof(h.id) - 2 * i, "%02x", rnd[i]);
	}
	rc = hilt_lease_write(lease, &h, now, &other, err, sizeof(err));
	if (rc == -EBUSY) {
		hilt_holder_describe(&other, who, sizeof(who));
		fprintf(stderr, "hilt reserve: '%s' is reserved already, by %s\n", t->name, who);
		return EXIT_INFRA;
	}
	if (rc < 0) {
		fprintf(stderr, "hilt reserve: %s\n", err);
		return EXIT_INFRA;
	}
	hilt_lease_time(h.until, end, sizeof(end));
	printf("hilt: reserved '%s' until %s (id %s)\n", t->name, end, h.id);
	if (lock_holder(lock, &other)) {
		hilt_holder_describe(&other, who, sizeof(who));
		printf("hilt: a session holds it now (%s): it is yours once that ends\n", who);
	}
	printf("hilt: your own commands use it with HILT_RESERVATION=%s; "
	       "'hilt reserve --release %s' ends it early\n", h.id, t->name);
	return EXIT_PASS;
}

int hilt_cmd_reserve(int argc, char **argv)
{
	struct reserve_args a;
	struct hilt_farm *farm = NULL;
	int rc = parse_args(argc, argv, &a), status;

	if (rc)
		return rc > 0 ? EXIT_PASS : EXIT_USAGE;
	if ((status = load(&a, &farm)) != EXIT_PASS)
		return status;
	if (a.list)
		status = list(farm);
	else if (a.release)
		status = release(farm, &a);
	else
		status = reserve(farm, &a);
	hilt_farm_free(farm);
	return status;
}
