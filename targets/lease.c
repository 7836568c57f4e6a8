/* Who holds a board: its lock file's holder and its lease (lease.h). */
#define _GNU_SOURCE
#include "targets/lease.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void hilt_lease_paths(const char *dir, const char *name, char *lock, char *lease,
		      size_t len)
{
	char safe[256];
	size_t i;

	for (i = 0; name[i] && i < sizeof(safe) - 1; i++)
		safe[i] = (name[i] == '/' || name[i] == '.' || name[i] == ' ') ? '_' : name[i];
	safe[i] = '\0';
	if (lock)
		snprintf(lock, len, "%s/hilt-board-%s.lock", dir, safe);
	if (lease)
		snprintf(lease, len, "%s/hilt-board-%s.lease", dir, safe);
}

void hilt_holder_self(struct hilt_holder *h, const char *why)
{
	struct passwd *pw = getpwuid(geteuid());

	memset(h, 0, sizeof(*h));
	h->pid = (long)getpid();
	snprintf(h->user, sizeof(h->user), "%s", pw ? pw->pw_name : "?");
	if (gethostname(h->host, sizeof(h->host)) < 0)
		snprintf(h->host, sizeof(h->host), "?");
	h->host[sizeof(h->host) - 1] = '\0';
	h->since = (int64_t)time(NULL);
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
}

/* A value as a line holds it: no line breaks. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

int hilt_holder_format(const struct hilt_holder *h, char *buf, size_t len)
{
	struct hilt_holder c = *h;

	one_line(c.user);
	one_line(c.host);
	one_line(c.why);
	one_line(c.id);
	return snprintf(buf, len, "pid=%ld\nuser=%s\nhost=%s\nsince=%lld\nuntil=%lld\nwhy=%s\nid=%s\n",
			c.pid, c.user, c.host, (long long)c.since, (long long)c.until, c.why, c.id);
}

/* Copies the value v (vn bytes) into dst, cut to fit. */
static void set(char *dst, size_t len, const char *v, size_t vn)
{
	if (vn > len - 1)
		vn = len - 1;
	memcpy(dst, v, vn);
	dst[vn] = '\0';
}

void hilt_holder_parse(const char *text, struct hilt_holder *h)
{
	memset(h, 0, sizeof(*h));
	/* An older hilt wrote the pid alone. */
	if (*text >= '0' && *text <= '9') {
		h->pid = strtol(text, NULL, 10);
		return;
	}
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);

		if (eq) {
			size_t k = (size_t)(eq - p), vn = n - k - 1;
			const char *v = eq + 1;
			char num[32];

			set(num, sizeof(num), v, vn);
			if (k == 3 && !strncmp(p, "pid", 3))
				h->pid = strtol(num, NULL, 10);
			else if (k == 4 && !strncmp(p, "user", 4))
				set(h->user, sizeof(h->user), v, vn);
			else if (k == 4 && !strncmp(p, "host", 4))
				set(h->host, sizeof(h->host), v, vn);
			else if (k == 5 && !strncmp(p, "since", 5))
				h->since = strtoll(num, NULL, 10);
			else if (k == 5 && !strncmp(p, "until", 5))
				h->until = strtoll(num, NULL, 10);
			else if (k == 3 && !strncmp(p, "why", 3))
				set(h->why, sizeof(h->why), v, vn);
			else if (k == 2 && !strncmp(p, "id", 2))
				set(h->id, sizeof(h->id), v, vn);
		}
		p += n + (end != NULL);
	}
}

void hilt_lease_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void hilt_holder_describe(const struct hilt_holder *h, char *buf, size_t len)
{
	size_t off = 0;
	char t[40];

	*buf = '\0';
#define ADD(...) \
	do { \
		if (off < len) \
			off += (size_t)snprintf(buf + off, len - off, __VA_ARGS__); \
	} while (0)
	if (*h->user)
		ADD("%s%s%s", h->user, *h->host ? "@" : "", h->host);
	if (h->pid)
		ADD("%spid %ld", off ? ", " : "", h->pid);
	if (h->since) {
		hilt_lease_time(h->since, t, sizeof(t));
		ADD("%ssince %s", off ? ", " : "", t);
	}
	if (h->until) {
		hilt_lease_time(h->until, t, sizeof(t));
		ADD("%suntil %s", off ? ", " : "", t);
	}
	if (*h->why)
		ADD("%s%s", off ? ": " : "", h->why);
#undef ADD
}

/* Opens the lease at path as a plain file (never through a symbolic link:
 * the lock folder may be shared), locked shared or exclusive. */
static int open_lease(const char *path, bool write, char *err, size_t errlen)
{
	int fd = open(path, (write ? O_RDWR | O_CREAT : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0644);
	struct stat st;

	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open %s: %s", path,
			 e == ELOOP ? "it is a symbolic link" : strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(err, errlen, "refusing %s: it is not a plain file with one name", path);
		close(fd);
		return -EPERM;
	}
	if (flock(fd, write ? LOCK_EX : LOCK_SH) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

static void read_all(int fd, struct hilt_holder *h)
{
	char text[2048];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	text[n > 0 ? n : 0] = '\0';
	hilt_holder_parse(text, h);
}

int hilt_lease_read(const char *path, int64_t now, struct hilt_holder *h)
{
	char err[256];
	int fd = open_lease(path, false, err, sizeof(err));

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	read_all(fd, h);
	close(fd);
	return h->until > now;
}

bool hilt_lease_ours(const struct hilt_holder *h)
{
	const char *id = getenv("HILT_RESERVATION");

	return id && *id && *h->id && strcmp(id, h->id) == 0;
}

int hilt_lease_write(const char *path, const struct hilt_holder *h, int64_t now,
		     struct hilt_holder *other, char *err, size_t errlen)
{
	char text[2048];
	int fd = open_lease(path, true, err, errlen), n, rc = 0;

	if (fd < 0)
		return fd;
	read_all(fd, other);
	if (other->until > now && strcmp(other->id, h->id) != 0) {
		close(fd);
		return -EBUSY;
	}
	n = hilt_holder_format(h, text, sizeof(text));
	if (pwrite(fd, text, (size_t)n, 0) != n || ftruncate(fd, n) < 0 || fsync(fd) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	}
	close(fd);
	return rc;
}

int hilt_lease_remove(const char *path)
{
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}
