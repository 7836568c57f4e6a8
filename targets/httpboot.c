#define _GNU_SOURCE
#include "targets/httpboot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/loop.h"
#include "base/sha256.h"
#include "targets/served.h"

#define READ_BLOCK (64 * 1024)
/* A guest that opens connections and sends nothing is not waited for. */
#define CONNECTION_TIMEOUT_S 30
#define MAX_CONNECTIONS 32

struct hilt_httpboot {
	struct hilt_loop *loop;
	struct MHD_Daemon *mhd;
	int listen_fd, epoll_fd;
	int64_t timer;
	char *root;		/* real path */
	char *url_base;
	struct hilt_served *served;
	char dir[64];		/* the socket's private folder */
	char path[108];
};

/* One response under way: the file, and what of it was sent. */
struct sending {
	struct hilt_httpboot *h;
	int fd;
	long long size;
	uint64_t next;		/* the offset the next read should be at */
	unsigned long long sent;
	bool in_order;		/* read front to back: the hash is the file's */
	struct hilt_sha256 sha;
	char url[PATH_MAX + 64];
};

static void run_mhd(struct hilt_httpboot *h);

static void on_timer(struct hilt_loop *loop, void *arg)
{
	struct hilt_httpboot *h = arg;

	(void)loop;
	h->timer = 0;
	run_mhd(h);
}

/* Lets libmicrohttpd do what is ready, then wakes it when its next
 * timeout (an idle connection's) falls due. */
static void run_mhd(struct hilt_httpboot *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(h->mhd);
	if (h->timer > 0)
		hilt_loop_cancel_timer(h->loop, h->timer);
	h->timer = 0;
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
		h->timer = hilt_loop_add_timer(h->loop, hilt_now_ns() + (int64_t)ms * 1000000,
					       on_timer, h);
		if (h->timer < 0)
			h->timer = 0;
	}
}

static void on_epoll(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	(void)loop;
	(void)fd;
	(void)revents;
	run_mhd(arg);
}

/* A connection the guest opened, handed over by the guest network. */
static void on_accept(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_httpboot *h = arg;
	/* The peer is the guest; its address is that of the network's
	 * only guest. */
	struct sockaddr_in guest = { .sin_family = AF_INET,
				     .sin_addr.s_addr = htonl(0x0a00020f) };

	(void)loop;
	(void)revents;
	for (int i = 0; i < 16; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c < 0)
			break;
		/* It closes the socket when it cannot take it. */
		MHD_add_connection(h->mhd, c, (struct sockaddr *)&guest, sizeof(guest));
	}
	run_mhd(h);
}

static ssize_t read_file(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sending *s = cls;
	ssize_t n;

	do
		n = pread(s->fd, buf, max, (off_t)pos);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (pos != s->next)
		s->in_order = false;
	hilt_sha256_update(&s->sha, buf, (size_t)n);
	s->next = pos + (uint64_t)n;
	s->sent += (unsigned long long)n;
	return n;
}

/* The response is done with (sent, or its connection ended): what went
 * out is recorded. */
static void sent_file(void *cls)
{
	struct sending *s = cls;
	unsigned char digest[32];
	char hex[65] = "", result[128];
	bool hashed = hilt_sha256_final(&s->sha, digest) == 0;
	bool whole = s->in_order && (long long)s->sent == s->size;

	if (whole) {
		for (int i = 0; hashed && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
		snprintf(result, sizeof(result), "complete");
	} else {
		snprintf(result, sizeof(result), "incomplete: %llu of %lld bytes sent", s->sent,
			 s->size);
	}
	hilt_served_add(s->h->served, s->url, s->sent, s->size, hex, result);
	close(s->fd);
	free(s);
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* The file under root that url names, opened; -errno when there is none,
 * it is not a regular file, or the path climbs out of root (a ".."
 * segment: libmicrohttpd has decoded %2e already).  Links in the folder
 * are followed, as the farm that made it meant. */
static int open_under_root(const struct hilt_httpboot *h, const char *url, struct stat *st)
{
	char path[PATH_MAX];
	int fd;

	if (url[0] != '/')
		return -ENOENT;
	for (const char *p = url; (p = strstr(p, "..")); p += 2)
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return -ENOENT;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", h->root, url) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **req)
{
	struct hilt_httpboot *h = cls;
	struct stat st;
	char where[PATH_MAX + 64];
	bool head = !strcmp(method, MHD_HTTP_METHOD_HEAD);

	(void)version;
	(void)upload_data;
	/* A body is not read: nothing here takes one. */
	*upload_size = 0;
	*req = h;
	snprintf(where, sizeof(where), "%s%s", h->url_base, url);
	if (!head && strcmp(method, MHD_HTTP_METHOD_GET)) {
		hilt_served_add(h->served, where, 0, -1, "", "405 Method Not Allowed");
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	}
	int fd = open_under_root(h, url, &st);

	if (fd < 0) {
		hilt_served_add(h->served, where, 0, -1, "", "404 Not Found");
		return respond_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	struct sending *s = calloc(1, sizeof(*s));
	struct MHD_Response *r;

	if (!s) {
		close(fd);
		return MHD_NO;
	}
	*s = (struct sending){ .h = h, .fd = fd, .size = (long long)st.st_size, .in_order = true };
	hilt_sha256_init(&s->sha);
	snprintf(s->url, sizeof(s->url), "%s", where);
	r = MHD_create_response_from_callback((uint64_t)st.st_size, READ_BLOCK, read_file, s,
					      sent_file);
	if (!r) {
		close(fd);
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);

	MHD_destroy_response(r);
	return rc;
}

static int listen_unix(struct hilt_httpboot *h, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");

	/* A Unix socket's path is short: a long TMPDIR falls back to /tmp. */
	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(h->dir, sizeof(h->dir), "%s/hilt-boot-XXXXXX", tmp);
	/* Private (0700): no one else connects to it or plants a link. */
	if (!mkdtemp(h->dir)) {
		snprintf(err, errlen, "cannot make a folder in %s: %s", tmp, strerror(errno));
		h->dir[0] = '\0';
		return -errno;
	}
	snprintf(h->path, sizeof(h->path), "%s/http", h->dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", h->path);
	h->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0 || bind(h->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(h->listen_fd, 64) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on %s: %s", h->path, strerror(e));
		return -e;
	}
	return 0;
}

int hilt_httpboot_new(struct hilt_loop *loop, const char *root, const char *url_base,
		      struct hilt_served *served, struct hilt_httpboot **out, char *err,
		      size_t errlen)
{
	struct hilt_httpboot *h = calloc(1, sizeof(*h));
	const union MHD_DaemonInfo *info;
	int rc;

	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->listen_fd = h->epoll_fd = -1;
	h->served = served;
	h->root = realpath(root, NULL);
	if (!h->root) {
		rc = -errno;
		snprintf(err, errlen, "the HTTP boot folder %s: %s", root, strerror(errno));
		goto err_free;
	}
	if (!(h->url_base = strdup(url_base))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto err_free;
	}
	if ((rc = listen_unix(h, err, errlen)) < 0)
		goto err_free;
	/* No thread of its own, no listening socket: connections come from
	 * the guest network, and its epoll fd is one more fd of our loop. */
	h->mhd = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL, 0, NULL, NULL,
				  on_request, h, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)MAX_CONNECTIONS, MHD_OPTION_END);
	if (!h->mhd) {
		rc = -EIO;
		snprintf(err, errlen, "libmicrohttpd did not start");
		goto err_free;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		rc = -EIO;
		snprintf(err, errlen, "libmicrohttpd has no epoll fd");
		goto err_free;
	}
	h->epoll_fd = info->epoll_fd;
	if ((rc = hilt_loop_add_fd(loop, h->epoll_fd, POLLIN, on_epoll, h)) < 0 ||
	    (rc = hilt_loop_add_fd(loop, h->listen_fd, POLLIN, on_accept, h)) < 0) {
		snprintf(err, errlen, "event loop: %s", strerror(-rc));
		goto err_free;
	}
	*out = h;
	return 0;

err_free:
	hilt_httpboot_free(h);
	return rc;
}

const char *hilt_httpboot_socket(const struct hilt_httpboot *h)
{
	return h->path;
}

void hilt_httpboot_free(struct hilt_httpboot *h)
{
	if (!h)
		return;
	if (h->timer > 0)
		hilt_loop_cancel_timer(h->loop, h->timer);
	if (h->epoll_fd >= 0)
		hilt_loop_del_fd(h->loop, h->epoll_fd);
	/* Responses under way are freed, and recorded, here. */
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	if (h->listen_fd >= 0) {
		hilt_loop_del_fd(h->loop, h->listen_fd);
		close(h->listen_fd);
	}
	if (h->path[0])
		unlink(h->path);
	if (h->dir[0])
		rmdir(h->dir);
	free(h->root);
	free(h->url_base);
	free(h);
}
