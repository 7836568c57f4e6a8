/* A board's lock (targets/board.h, struct hilt_board_lock): one lock file
 * per board in its <lock dir>, an flock the kernel releases however its
 * holder ends, holding who holds it; a reservation beside it
 * (targets/lease.h) that every taker checks; the lock handed from one
 * instance of the target to the next (a shared boot's reboot, a console's
 * power cycle) without being let go. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/loop.h"
#include "targets/board.h"
#include "targets/config.h"
#include "targets/lease.h"

/* Why the open lock file fd must not be used as one, or NULL when it is a
 * plain file with no other name (a hard link would make its writes land
 * in another file too). */
static const char *lock_file_refused(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return strerror(errno);
	if (S_ISDIR(st.st_mode))
		return "it is not a regular file (a directory)";
	if (S_ISFIFO(st.st_mode))
		return "it is not a regular file (a FIFO)";
	if (S_ISSOCK(st.st_mode))
		return "it is not a regular file (a socket)";
	if (S_ISCHR(st.st_mode))
		return "it is not a regular file (a character device)";
	if (S_ISBLK(st.st_mode))
		return "it is not a regular file (a block device)";
	if (!S_ISREG(st.st_mode))
		return "it is not a regular file";
	if (st.st_nlink != 1)
		return "it is a regular file with more than one name (a hard link)";
	return NULL;
}

/* One lock file per board: flock is released by the kernel however the
 * holder ends, crash included.  Opens it (once per session). */
int hilt_board_lock_open(struct hilt_board_lock *l, const struct hilt_target_config *cfg,
			 char *err, size_t errlen)
{
	const struct hilt_board_config *b = cfg->priv;

	hilt_lease_paths(b->lock_dir, cfg->name, l->path, l->lease_path,
			 sizeof(l->path));
	/* A folder anyone may write to without the sticky bit lets anyone
	 * remove the lock file and make another: two runs would then each
	 * hold a lock on the one board.  /run/lock and /tmp are sticky. */
	struct stat dst;

	if (stat(b->lock_dir, &dst) == 0 && S_ISDIR(dst.st_mode) && (dst.st_mode & S_IWOTH) &&
	    !(dst.st_mode & S_ISVTX)) {
		snprintf(err, errlen,
			 "board '%s': refusing its lock folder %s: anyone may write to it and it "
			 "is not sticky, so anyone could remove the lock and take the board "
			 "(chmod +t it, or use a folder of the farm's own)",
			 cfg->name, b->lock_dir);
		return -EPERM;
	}
	/* The lock directory may be shared and world-writable (/run/lock):
	 * a symlink or anything but a plain file planted at the lock's path
	 * is refused, never followed, opened for I/O or written to. */
	l->fd = open(l->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
			  0666);
	if (l->fd < 0) {
		int e = errno;
		struct stat st;

		if (e == ELOOP && lstat(l->path, &st) == 0 && S_ISLNK(st.st_mode))
			snprintf(err, errlen,
				 "board '%s': refusing its lock %s: it is a symbolic link",
				 cfg->name, l->path);
		else
			snprintf(err, errlen, "board '%s': cannot open its lock %s: %s",
				 cfg->name, l->path, strerror(e));
		return -e;
	}
	const char *refused = lock_file_refused(l->fd);

	if (refused) {
		snprintf(err, errlen, "board '%s': refusing its lock %s: %s", cfg->name,
			 l->path, refused);
		close(l->fd);
		l->fd = -1;
		return -EPERM;
	}
	return 0;
}

/* What this process is doing, for the lock file: its command line. */
static void command_line(char *buf, size_t len)
{
	char raw[1024];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(buf, len, "hilt");
		return;
	}
	raw[n] = '\0';
	for (ssize_t i = 0; i < n - 1; i++)
		if (!raw[i])
			raw[i] = ' ';
	/* The program by its name, not its path. */
	char *prog_end = strchr(raw, ' ');
	char *start = raw;

	for (char *p = raw; *p && (!prog_end || p < prog_end); p++)
		if (*p == '/')
			start = p + 1;
	snprintf(buf, len, "%.*s", (int)(len - 1), start);
}

/* One try at the lock: 0 held, -EWOULDBLOCK busy (try again later, until
 * the board's lock wait runs out: then -EBUSY), or -errno.  err says why.
 * A reservation of someone else (its lease in force) keeps the board as
 * the lock does: waited for when it ends within the lock wait, else
 * -EBUSY at once, naming its holder. */
int hilt_board_lock_try(struct hilt_board_lock *l, const struct hilt_target_config *cfg,
			char *err, size_t errlen)
{
	struct hilt_holder h;
	char who[600];

	if (l->held)
		return 0;
	double waited = (double)(hilt_now_ns() - l->since_ns) / 1e9;

	if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			snprintf(err, errlen, "board '%s': lock %s: %s", cfg->name,
				 l->path, strerror(e));
			return -e;
		}
		if (waited < l->wait_s)
			return -EWOULDBLOCK;
		char text[2048];
		ssize_t n = pread(l->fd, text, sizeof(text) - 1, 0);

		text[n > 0 ? n : 0] = '\0';
		hilt_holder_parse(text, &h);
		long pid = h.pid;

		h.pid = 0;	/* said first */
		hilt_holder_describe(&h, who, sizeof(who));
		if (pid)
			snprintf(err, errlen,
				 "board '%s' is busy: another session holds %.2000s, pid %ld%s%.600s%s (waited %g s)",
				 cfg->name, l->path, pid, *who ? " (" : "", who,
				 *who ? ")" : "", l->wait_s);
		else
			snprintf(err, errlen, "board '%s' is busy: another session holds %s (waited %g s)",
				 cfg->name, l->path, l->wait_s);
		return -EBUSY;
	}
	int64_t now = (int64_t)time(NULL);

	if (hilt_lease_read(l->lease_path, now, &h) == 1 && !hilt_lease_ours(&h)) {
		/* Not ours to take: the person who reserved it may come. */
		flock(l->fd, LOCK_UN);
		if ((double)(h.until - now) <= l->wait_s - waited)
			return -EWOULDBLOCK;
		hilt_holder_describe(&h, who, sizeof(who));
		snprintf(err, errlen, "board '%s' is reserved by %.600s (%.2000s; the lock wait of %g s ends before)",
			 cfg->name, who, l->lease_path, l->wait_s);
		return -EBUSY;
	}
	/* Held: only now is the file ours to write.  Who holds it goes in
	 * before the old content is cut, so a waiting hilt never reads it
	 * empty. */
	char text[2048], cmd[256];
	int n;

	command_line(cmd, sizeof(cmd));
	hilt_holder_self(&h, cmd);
	n = hilt_holder_format(&h, text, sizeof(text));
	if (pwrite(l->fd, text, (size_t)n, 0) == n && ftruncate(l->fd, n) < 0)
		text[0] = '\0';
	return 0;
}

void hilt_board_hold_paths(const struct hilt_target_config *cfg, char *lock, char *lease,
			   size_t len)
{
	const struct hilt_board_config *b = cfg->priv;

	hilt_lease_paths(b->lock_dir, cfg->name, lock, lease, len);
}

double hilt_board_reserved(const struct hilt_target_config *cfg, char *why, size_t whylen)
{
	int64_t now = (int64_t)time(NULL);
	struct hilt_holder h;
	char lease[4096];

	hilt_board_hold_paths(cfg, NULL, lease, sizeof(lease));
	if (hilt_lease_read(lease, now, &h) != 1 || hilt_lease_ours(&h))
		return 0;
	hilt_holder_describe(&h, why, whylen);
	return (double)(h.until - now);
}

int hilt_board_lock_keep(struct hilt_board_lock *l)
{
	int fd = l->fd;

	l->fd = -1;
	l->held = false;
	return fd;
}

void hilt_board_lock_use(struct hilt_board_lock *l, int fd)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = fd;
	l->held = fd >= 0;
}

void hilt_board_lock_close(struct hilt_board_lock *l)
{
	/* Closing the lock file releases the board. */
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->held = false;
}
