/* Who holds a board, as the files in its lock folder say: the lock file
 * (flock: the session running on it, released by the kernel however the
 * holder ends) names its holder, and a lease (DIR/hilt-board-NAME.lease)
 * is a reservation for a person, with an expiry that every lock taker
 * checks: it ends at its time even when its holder died or the machine
 * rebooted, and nobody else's session takes the board before.
 *
 * Both files hold "key=value" lines: pid, user, host, since, until (Unix
 * seconds; a session's lock has no until), why, and a lease its id.  A
 * lock file of an older hilt holds the pid alone. */
#ifndef HILT_LEASE_H
#define HILT_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hilt_holder {
	long pid;		/* 0: not known */
	char user[64];
	char host[128];
	int64_t since, until;	/* Unix seconds; 0: not known / none */
	char why[256];
	char id[40];		/* a lease's: what HILT_RESERVATION names */
};

/* The lock file and lease paths of board name in folder dir (the name's
 * '/', '.' and ' ' as '_'). */
void hilt_lease_paths(const char *dir, const char *name, char *lock, char *lease,
		      size_t len);

/* This process as a holder (pid, user, host, since now), for why. */
void hilt_holder_self(struct hilt_holder *h, const char *why);

/* The holder as a file holds it ("key=value" lines): the length written
 * (as snprintf). */
int hilt_holder_format(const struct hilt_holder *h, char *buf, size_t len);

/* Reads text of a lock file or lease (an old lock file's bare pid too). */
void hilt_holder_parse(const char *text, struct hilt_holder *h);

/* Unix seconds t as "2026-12-07 21:00:00 UTC". */
void hilt_lease_time(int64_t t, char *buf, size_t len);

/* "alice@lab1, pid 1234, since 2026-12-07 21:00:00 UTC, until ...: why",
 * the parts that are known. */
void hilt_holder_describe(const struct hilt_holder *h, char *buf, size_t len);

/* The lease at path: 1 when it is in force at now (h filled), 0 when there
 * is none or it has ended, -errno when it cannot be read. */
int hilt_lease_read(const char *path, int64_t now, struct hilt_holder *h);

/* Whether lease h is this process's own: $HILT_RESERVATION is its id. */
bool hilt_lease_ours(const struct hilt_holder *h);

/* Writes h as the lease at path, unless one of another id is in force at
 * now (then -EBUSY and *other filled).  0, or -errno with why in err. */
int hilt_lease_write(const char *path, const struct hilt_holder *h, int64_t now,
		     struct hilt_holder *other, char *err, size_t errlen);

/* Ends the lease at path (gone already: 0).  0 or -errno. */
int hilt_lease_remove(const char *path);

#endif
