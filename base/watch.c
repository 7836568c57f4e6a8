/* A console's live copy for observers (base/watch.h): a unix stream
 * socket in the loop, a queue per observer, the newest bytes for those who
 * join late. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/loop.h"
#include "base/tail.h"
#include "base/watch.h"

struct observer {
	int fd;			/* -1: a free slot */
	unsigned number;	/* for the holder's notes: 1, 2, ... */
	/* Frames the socket did not take yet, as they go on it. */
	struct hilt_buf queue;
	bool dropping;		/* what is queued and the reason, nothing more */
	bool polling_out;
};

struct hilt_watch {
	struct hilt_loop *loop;
	int fd;
	char *path;
	char *header;
	struct hilt_tail *backlog;
	struct observer obs[HILT_WATCH_MAX];
	unsigned joined;
	hilt_watch_note_cb note;
	void *arg;
};

static void note(struct hilt_watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct hilt_watch *w, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	if (!w->note)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	w->note(w->arg, text);
}

static void forget(struct hilt_watch *w, struct observer *o)
{
	hilt_loop_del_fd(w->loop, o->fd);
	close(o->fd);
	o->fd = -1;
	hilt_buf_free(&o->queue);
}

/* o closed its end: the holder is told, unless o was being dropped (it
 * was told then). */
static void left(struct hilt_watch *w, struct observer *o)
{
	if (!o->dropping)
		note(w, "observer %u left", o->number);
	forget(w, o);
}

/* Sends what waits for o, as much as its socket takes now.  false when o
 * is gone (it closed its end, or its reason for being dropped went). */
static bool flush(struct hilt_watch *w, struct observer *o)
{
	while (hilt_buf_len(&o->queue)) {
		ssize_t r = send(o->fd, hilt_buf_str(&o->queue), hilt_buf_len(&o->queue),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (r <= 0) {
			left(w, o);
			return false;
		}
		hilt_buf_consume(&o->queue, (size_t)r);
	}
	if (o->dropping && !hilt_buf_len(&o->queue)) {
		forget(w, o);
		return false;
	}
	bool want = hilt_buf_len(&o->queue) > 0;

	if (want != o->polling_out) {
		hilt_loop_mod_fd(w->loop, o->fd, want ? POLLIN | POLLOUT : POLLIN);
		o->polling_out = want;
	}
	return true;
}

static void queue(struct observer *o, char type, const void *buf, size_t len)
{
	unsigned char head[5] = { (unsigned char)type, len & 0xff, (len >> 8) & 0xff,
				  (len >> 16) & 0xff, (len >> 24) & 0xff };

	hilt_buf_append(&o->queue, head, sizeof(head));
	hilt_buf_append(&o->queue, buf, len);
}

/* Console bytes, in frames no larger than an observer reads at once. */
static void queue_data(struct observer *o, const char *buf, size_t len)
{
	for (size_t at = 0; at < len; at += HILT_WATCH_PACKET)
		queue(o, 'D', buf + at, len - at < HILT_WATCH_PACKET ? len - at : HILT_WATCH_PACKET);
}

static void drop(struct hilt_watch *w, struct observer *o)
{
	char why[160];

	snprintf(why, sizeof(why), "dropped: this observer fell %u KiB behind the console",
		 HILT_WATCH_BEHIND / 1024);
	note(w, "observer %u dropped: it fell %u KiB behind", o->number, HILT_WATCH_BEHIND / 1024);
	/* After what it has been sent in part: frames stay whole. */
	queue(o, 'M', why, strlen(why));
	o->dropping = true;
	flush(w, o);
}

static void on_observer(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_watch *w = arg;
	struct observer *o = NULL;
	char buf[64];

	(void)loop;
	for (size_t i = 0; i < HILT_WATCH_MAX && !o; i++)
		if (w->obs[i].fd == fd)
			o = &w->obs[i];
	if (!o)
		return;
	if (revents & POLLOUT && !flush(w, o))
		return;
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	/* Observers send nothing: readable means their end closed. */
	if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == 0 || (revents & (POLLHUP | POLLERR)))
		left(w, o);
}

static void on_listen(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_watch *w = arg;
	struct observer *o = NULL;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)revents;
	if (c < 0)
		return;
	for (size_t i = 0; i < HILT_WATCH_MAX && !o; i++)
		if (w->obs[i].fd < 0)
			o = &w->obs[i];
	if (!o) {
		struct observer full = { .fd = c };
		static const char why[] = "this console has as many observers as it takes";

		queue(&full, 'E', why, sizeof(why) - 1);
		send(c, hilt_buf_str(&full.queue), hilt_buf_len(&full.queue),
		     MSG_DONTWAIT | MSG_NOSIGNAL);
		hilt_buf_free(&full.queue);
		close(c);
		return;
	}
	*o = (struct observer){ .fd = c, .number = ++w->joined };
	if (hilt_loop_add_fd(loop, c, POLLIN, on_observer, w) < 0) {
		close(c);
		o->fd = -1;
		return;
	}
	size_t n;
	const char *back = hilt_tail_data(w->backlog, &n);
	struct hilt_buf h = HILT_BUF_INIT;

	hilt_buf_printf(&h, "offset=%llu\n%s",
			(unsigned long long)(hilt_tail_total(w->backlog) - n), w->header);
	queue(o, 'H', hilt_buf_str(&h), hilt_buf_len(&h));
	hilt_buf_free(&h);
	queue_data(o, back, n);
	note(w, "observer %u joined", o->number);
	flush(w, o);
}

static int fail(char *err, size_t errlen, int e, const char *path, const char *what)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
	return -e;
}

/* Binds fd at path; a socket there that nobody listens on any more (its
 * holder died) is removed first. */
static int bind_at(int fd, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return fail(err, errlen, errno, sa->sun_path, "cannot listen at");
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (probe < 0)
		return fail(err, errlen, errno, sa->sun_path, "cannot listen at");
	int rc = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;

	close(probe);
	if (rc == 0) {
		snprintf(err, errlen, "another process shows this console's copy at %s", sa->sun_path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED)
		return fail(err, errlen, e, sa->sun_path, "cannot listen at");
	unlink(sa->sun_path);
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return fail(err, errlen, errno, sa->sun_path, "cannot listen at");
	return 0;
}

static int address(const char *path, struct sockaddr_un *sa)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int hilt_watch_open(struct hilt_loop *loop, const char *path, const char *header,
		    hilt_watch_note_cb note_cb, void *arg, struct hilt_watch **out, char *err,
		    size_t errlen)
{
	struct hilt_watch *w = calloc(1, sizeof(*w));
	struct sockaddr_un sa;
	int rc;

	*out = NULL;
	if (!w || !(w->path = strdup(path)) || !(w->header = strdup(header)) ||
	    hilt_tail_new(HILT_WATCH_BACKLOG, &w->backlog)) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	w->loop = loop;
	w->note = note_cb;
	w->arg = arg;
	for (size_t i = 0; i < HILT_WATCH_MAX; i++)
		w->obs[i].fd = -1;
	if ((rc = address(path, &sa))) {
		snprintf(err, errlen, "cannot listen at %s: the path is longer than a unix socket's %zu bytes",
			 path, sizeof(sa.sun_path) - 1);
		goto fail;
	}
	w->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0) {
		rc = fail(err, errlen, errno, path, "cannot listen at");
		goto fail;
	}
	if ((rc = bind_at(w->fd, &sa, err, errlen)))
		goto fail_fd;
	if (listen(w->fd, 8) < 0 || hilt_loop_add_fd(loop, w->fd, POLLIN, on_listen, w) < 0) {
		rc = fail(err, errlen, errno, path, "cannot listen at");
		unlink(path);
		goto fail_fd;
	}
	*out = w;
	return 0;
fail_fd:
	close(w->fd);
fail:
	if (w) {
		hilt_tail_free(w->backlog);
		free(w->header);
		free(w->path);
	}
	free(w);
	return rc;
}

void hilt_watch_feed(struct hilt_watch *w, const void *buf, size_t len)
{
	if (!w || !len)
		return;
	hilt_tail_append(w->backlog, buf, len);
	for (size_t i = 0; i < HILT_WATCH_MAX; i++) {
		struct observer *o = &w->obs[i];

		if (o->fd < 0 || o->dropping)
			continue;
		queue_data(o, buf, len);
		if (!flush(w, o))
			continue;
		if (hilt_buf_len(&o->queue) > HILT_WATCH_BEHIND)
			drop(w, o);
	}
}

void hilt_watch_say(struct hilt_watch *w, const char *msg)
{
	if (!w)
		return;
	for (size_t i = 0; i < HILT_WATCH_MAX; i++) {
		struct observer *o = &w->obs[i];

		if (o->fd >= 0 && !o->dropping) {
			queue(o, 'M', msg, strlen(msg));
			flush(w, o);
		}
	}
}

unsigned hilt_watch_count(const struct hilt_watch *w)
{
	unsigned n = 0;

	for (size_t i = 0; w && i < HILT_WATCH_MAX; i++)
		n += w->obs[i].fd >= 0 && !w->obs[i].dropping;
	return n;
}

void hilt_watch_close(struct hilt_watch *w, const char *why)
{
	if (!w)
		return;
	for (size_t i = 0; i < HILT_WATCH_MAX; i++) {
		struct observer *o = &w->obs[i];

		if (o->fd < 0)
			continue;
		if (!o->dropping) {
			why = why && *why ? why : "the holder let the console go";
			queue(o, 'E', why, strlen(why));
			flush(w, o);
		}
		if (o->fd >= 0)
			forget(w, o);
	}
	hilt_loop_del_fd(w->loop, w->fd);
	close(w->fd);
	unlink(w->path);
	hilt_tail_free(w->backlog);
	free(w->header);
	free(w->path);
	free(w);
}

int hilt_watch_connect(const char *path, int *out)
{
	struct sockaddr_un sa;
	int fd;

	if (address(path, &sa))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	*out = fd;
	return 0;
}

/* len bytes into buf (NULL: dropped): 1, 0 at the end, -errno. */
static int read_full(int fd, unsigned char *buf, size_t len)
{
	unsigned char skip[512];

	while (len) {
		ssize_t n = read(fd, buf ? buf : skip, buf || len < sizeof(skip) ? len : sizeof(skip));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		len -= (size_t)n;
		if (buf)
			buf += n;
	}
	return 1;
}

ssize_t hilt_watch_recv(int fd, char *type, void *buf, size_t len)
{
	unsigned char head[5];
	int rc = read_full(fd, head, sizeof(head));
	size_t n, keep;

	if (rc <= 0)
		return rc;
	*type = (char)head[0];
	n = head[1] | (size_t)head[2] << 8 | (size_t)head[3] << 16 | (size_t)head[4] << 24;
	keep = n < len ? n : len;
	if ((rc = read_full(fd, buf, keep)) <= 0 ||
	    (n > keep && (rc = read_full(fd, NULL, n - keep)) <= 0))
		return rc < 0 ? rc : -EPROTO;
	return (ssize_t)keep;
}
