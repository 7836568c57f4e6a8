#define _GNU_SOURCE
#include "targets/usernet.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <arpa/inet.h>
#include <slirp/libslirp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/outfile.h"
#include "base/sha256.h"
#include "targets/served.h"

#define MAX_FRAME 65536
#define MAX_FORWARDS 16
/* TFTP transfers followed at once (one per client port). */
#define MAX_TFTP 8
#define TFTP_PORT 69

/* One TFTP read as seen on the wire: the request from the guest, then
 * libslirp's DATA blocks (or its ERROR) back to it. */
struct tftp_xfer {
	bool used;
	uint16_t client_port;
	uint16_t last_block;
	unsigned blksize;
	bool hashable;		/* every block seen whole, in order */
	unsigned long long bytes;
	struct hilt_sha256 sha;
	char name[256];
};

struct slirp_timer {
	struct hilt_usernet *u;
	SlirpTimerCb cb;
	void *cb_opaque;
	int64_t loop_timer;	/* 0: not armed */
};

struct hilt_usernet {
	struct hilt_loop *loop;
	Slirp *slirp;
	int fd;			/* ours */
	int emulator_fd;	/* the emulator's */
	int64_t source;
	FILE *pcap;
	char *pcap_path;
	void (*output_failed)(void *arg, const char *what);
	void *output_arg;
	unsigned long to_guest, from_guest;
	struct { int guest, host; } forwards[MAX_FORWARDS];
	size_t nforwards;
	char *tftp_root;
	struct hilt_served *served;
	struct tftp_xfer tftp[MAX_TFTP];
	unsigned char frame[MAX_FRAME];
};

/* Closes the capture; a capture that could not be written in full (now
 * or at an earlier write, with error e) is reported, once. */
static void pcap_close(struct hilt_usernet *u, int e)
{
	char what[4200];

	if (!u->pcap || !(e = hilt_fclose_checked(&u->pcap, e)))
		return;
	snprintf(what, sizeof(what), "cannot write the capture %s: %s", u->pcap_path,
		 strerror(e));
	if (u->output_failed)
		u->output_failed(u->output_arg, what);
}

static void pcap_write(struct hilt_usernet *u, const void *buf, size_t len)
{
	struct timeval tv;
	uint32_t rec[4];

	if (!u->pcap)
		return;
	gettimeofday(&tv, NULL);
	rec[0] = (uint32_t)tv.tv_sec;
	rec[1] = (uint32_t)tv.tv_usec;
	rec[2] = rec[3] = (uint32_t)len;
	if (fwrite(rec, sizeof(rec), 1, u->pcap) != 1 ||
	    fwrite(buf, 1, len, u->pcap) != len)
		pcap_close(u, errno ? errno : EIO);
}


/* ---- TFTP transfers, followed from the frames (libslirp's server
 * tells nothing of what it sends) ---- */

/* The UDP payload of an IPv4 frame and its ports, or NULL.  *whole is
 * false for a fragment (the payload is not all here). */
static const unsigned char *udp_payload(const unsigned char *f, size_t len, uint16_t *sport,
					uint16_t *dport, size_t *plen, bool *whole)
{
	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return NULL;
	const unsigned char *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	unsigned frag = ((unsigned)ip[6] << 8 | ip[7]);

	if ((ip[0] >> 4) != 4 || ip[9] != 17 || ihl < 20 || len < 14 + ihl + 8 ||
	    (frag & 0x1fff))
		return NULL;
	const unsigned char *udp = ip + ihl;
	size_t ulen = ((size_t)udp[4] << 8 | udp[5]);

	*sport = (uint16_t)(udp[0] << 8 | udp[1]);
	*dport = (uint16_t)(udp[2] << 8 | udp[3]);
	if (ulen < 8)
		return NULL;
	*plen = ulen - 8;
	*whole = !(frag & 0x2000) && 14 + ihl + ulen <= len;
	return udp + 8;
}

static void tftp_end(struct hilt_usernet *u, struct tftp_xfer *x, const char *result)
{
	char url[300], path[4096], hex[65] = "";
	unsigned char digest[32];
	struct stat st;
	long long size = -1;

	snprintf(url, sizeof(url), "tftp://10.0.2.2/%s", x->name);
	snprintf(path, sizeof(path), "%s/%s", u->tftp_root ? u->tftp_root : ".", x->name);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		size = (long long)st.st_size;
	if (hilt_sha256_final(&x->sha, digest) == 0 && x->hashable && !strcmp(result, "complete"))
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	hilt_served_add(u->served, url, x->bytes, size, hex, result);
	x->used = false;
}

static struct tftp_xfer *tftp_find(struct hilt_usernet *u, uint16_t port)
{
	for (size_t i = 0; i < MAX_TFTP; i++)
		if (u->tftp[i].used && u->tftp[i].client_port == port)
			return &u->tftp[i];
	return NULL;
}

/* A read request from the guest: "name\0mode\0" and options. */
static void tftp_request(struct hilt_usernet *u, uint16_t port, const unsigned char *p, size_t n)
{
	struct tftp_xfer *x = tftp_find(u, port);
	size_t len = strnlen((const char *)p + 2, n - 2);

	if (x && !(x->bytes == 0 && !strncmp(x->name, (const char *)p + 2, len)))
		tftp_end(u, x, "incomplete: the guest asked again");
	else if (x)
		return;	/* the request resent */
	for (size_t i = 0; i < MAX_TFTP && !x; i++)
		if (!u->tftp[i].used)
			x = &u->tftp[i];
	if (!x)
		return;
	*x = (struct tftp_xfer){ .used = true, .client_port = port, .blksize = 512,
				 .hashable = true };
	snprintf(x->name, sizeof(x->name), "%.*s", (int)len, (const char *)p + 2);
	hilt_sha256_init(&x->sha);
}

/* An option acknowledgement: the block size agreed. */
static void tftp_oack(struct tftp_xfer *x, const unsigned char *p, size_t n)
{
	size_t i = 2;

	while (i < n) {
		const char *name = (const char *)p + i;
		size_t nl = strnlen(name, n - i);

		if (i + nl + 1 >= n)
			break;
		const char *val = name + nl + 1;
		size_t vl = strnlen(val, n - i - nl - 1);

		if (nl == 7 && !strncasecmp(name, "blksize", 7))
			x->blksize = (unsigned)strtoul(val, NULL, 10);
		i += nl + 1 + vl + 1;
	}
}

static void tftp_from_guest(struct hilt_usernet *u, const unsigned char *f, size_t len)
{
	uint16_t sport, dport;
	size_t n;
	bool whole;
	const unsigned char *p = udp_payload(f, len, &sport, &dport, &n, &whole);

	if (p && whole && dport == TFTP_PORT && n >= 4 && p[0] == 0 && p[1] == 1)
		tftp_request(u, sport, p, n);
}

static void tftp_to_guest(struct hilt_usernet *u, const unsigned char *f, size_t len)
{
	uint16_t sport, dport;
	size_t n;
	bool whole;
	const unsigned char *p = udp_payload(f, len, &sport, &dport, &n, &whole);
	struct tftp_xfer *x;

	if (!p || sport != TFTP_PORT || n < 4 || p[0] != 0 || !(x = tftp_find(u, dport)))
		return;
	if (p[1] == 6 && whole) {
		tftp_oack(x, p, n);
	} else if (p[1] == 3) {
		uint16_t block = (uint16_t)(p[2] << 8 | p[3]);

		if (block != (uint16_t)(x->last_block + 1))
			return;	/* a block sent again */
		x->last_block = block;
		x->bytes += n - 4;
		if (whole)
			hilt_sha256_update(&x->sha, p + 4, n - 4);
		else
			x->hashable = false;
		if (n - 4 < x->blksize)
			tftp_end(u, x, "complete");
	} else if (p[1] == 5 && whole) {
		char result[300];

		snprintf(result, sizeof(result), "error %u: %.*s", (unsigned)(p[2] << 8 | p[3]),
			 (int)strnlen((const char *)p + 4, n - 4), (const char *)p + 4);
		tftp_end(u, x, result);
	}
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	struct hilt_usernet *u = opaque;

	pcap_write(u, buf, len);
	if (u->tftp_root)
		tftp_to_guest(u, buf, len);
	u->to_guest++;
	/* A full socket buffer drops the frame, as a real wire would; TCP
	 * in the guest and in slirp retransmits. */
	ssize_t n = send(u->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	return n < 0 ? (ssize_t)len : n;
}

static void guest_error(const char *msg, void *opaque)
{
	(void)msg;
	(void)opaque;
}

static int64_t clock_get_ns(void *opaque)
{
	(void)opaque;
	return hilt_now_ns();
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_timer *t = calloc(1, sizeof(*t));

	if (t) {
		t->u = opaque;
		t->cb = cb;
		t->cb_opaque = cb_opaque;
	}
	return t;
}

static void timer_free(void *timer, void *opaque)
{
	struct slirp_timer *t = timer;

	(void)opaque;
	if (!t)
		return;
	if (t->loop_timer)
		hilt_loop_cancel_timer(t->u->loop, t->loop_timer);
	free(t);
}

static void timer_fire(struct hilt_loop *loop, void *arg)
{
	struct slirp_timer *t = arg;

	(void)loop;
	t->loop_timer = 0;
	t->cb(t->cb_opaque);
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_timer *t = timer;

	(void)opaque;
	if (t->loop_timer)
		hilt_loop_cancel_timer(t->u->loop, t->loop_timer);
	t->loop_timer = hilt_loop_add_timer(t->u->loop, expire_ms * 1000000, timer_fire, t);
	if (t->loop_timer < 0)
		t->loop_timer = 0;
}

static void register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

/* libslirp is about to close fd: the loop must forget it first, or a new
 * socket that gets the same number could go unwatched. */
static void unregister_poll_fd(int fd, void *opaque)
{
	struct hilt_usernet *u = opaque;

	hilt_loop_source_fd_closing(u->loop, fd);
}

static void notify(void *opaque)
{
	(void)opaque;
}

static const SlirpCb callbacks = {
	.send_packet = send_packet,
	.guest_error = guest_error,
	.clock_get_ns = clock_get_ns,
	.timer_new = timer_new,
	.timer_free = timer_free,
	.timer_mod = timer_mod,
	.register_poll_fd = register_poll_fd,
	.unregister_poll_fd = unregister_poll_fd,
	.notify = notify,
};

static short to_poll(int events)
{
	return (short)(((events & SLIRP_POLL_IN) ? POLLIN : 0) |
		       ((events & SLIRP_POLL_OUT) ? POLLOUT : 0) |
		       ((events & SLIRP_POLL_PRI) ? POLLPRI : 0));
}

static int add_poll(int fd, int events, void *opaque)
{
	return hilt_pollset_add(opaque, fd, to_poll(events));
}

static int get_revents(int idx, void *opaque)
{
	short r = hilt_pollset_revents(opaque, idx);

	return ((r & POLLIN) ? SLIRP_POLL_IN : 0) | ((r & POLLOUT) ? SLIRP_POLL_OUT : 0) |
	       ((r & POLLPRI) ? SLIRP_POLL_PRI : 0) | ((r & POLLERR) ? SLIRP_POLL_ERR : 0) |
	       ((r & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

static void prepare(struct hilt_pollset *ps, int *timeout_ms, void *arg)
{
	struct hilt_usernet *u = arg;
	uint32_t t = UINT32_MAX;

	slirp_pollfds_fill(u->slirp, &t, add_poll, ps);
	*timeout_ms = t == UINT32_MAX ? -1 : (int)(t > 60000 ? 60000 : t);
}

static void check(const struct hilt_pollset *ps, void *arg)
{
	struct hilt_usernet *u = arg;

	slirp_pollfds_poll(u->slirp, 0, get_revents, (void *)ps);
}

/* Frames from the emulator. */
static void on_frames(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_usernet *u = arg;

	(void)loop;
	(void)revents;
	/* Bounded per wake-up so that a guest flooding the network cannot
	 * starve the consoles. */
	for (int i = 0; i < 256; i++) {
		ssize_t n = recv(fd, u->frame, sizeof(u->frame), MSG_DONTWAIT);

		if (n <= 0)
			return;
		pcap_write(u, u->frame, (size_t)n);
		u->from_guest++;
		if (u->tftp_root)
			tftp_from_guest(u, u->frame, (size_t)n);
		slirp_input(u->slirp, u->frame, (int)n);
	}
}

static int open_pcap(struct hilt_usernet *u, const char *path, char *err,
		     size_t errlen)
{
	/* pcap: magic, version 2.4, GMT offset, accuracy, snaplen, Ethernet. */
	uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, MAX_FRAME, 1 };

	u->pcap_path = strdup(path);
	if (!u->pcap_path)
		return -ENOMEM;
	u->pcap = hilt_fopen_out(path);
	if (!u->pcap || fwrite(hdr, sizeof(hdr), 1, u->pcap) != 1) {
		snprintf(err, errlen, "cannot write the capture %s: %s", path,
			 hilt_fopen_out_error(errno));
		return -EIO;
	}
	return 0;
}

int hilt_usernet_new(const struct hilt_target_env *env, const struct hilt_usernet_boot *boot,
		     struct hilt_usernet **out, int *emulator_fd, char *err,
		     size_t errlen)
{
	struct hilt_usernet *u = calloc(1, sizeof(*u));
	int sv[2];
	int rc;

	if (!u)
		return -ENOMEM;
	u->loop = env->loop;
	u->output_failed = env->output_failed;
	u->output_arg = env->arg;
	u->fd = u->emulator_fd = -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		goto err_free;
	}
	u->fd = sv[0];
	u->emulator_fd = sv[1];
	fcntl(u->fd, F_SETFL, fcntl(u->fd, F_GETFL) | O_NONBLOCK);
	if (env->pcap_path && (rc = open_pcap(u, env->pcap_path, err, errlen)) < 0)
		goto err_free;
	if (boot && boot->tftp_root && !(u->tftp_root = strdup(boot->tftp_root))) {
		rc = -ENOMEM;
		goto err_free;
	}
	u->served = boot ? boot->served : NULL;

	SlirpConfig cfg = {
		.version = 1,
		/* The guest reaches nothing outside: only the runner's
		 * forwards reach it. */
		.restricted = 1,
		.in_enabled = true,
		.vhostname = "hilt",
		/* No tftp_server_name (DHCP's option 66): the next server
		 * (10.0.2.2) says it, and libslirp 4.7 leaks its copy. */
		.tftp_path = boot ? boot->tftp_root : NULL,
		.bootfile = boot ? boot->bootfile : NULL,
	};

	/* Network firmware (iPXE) configures IPv6 beside DHCP and waits
	 * out a network without a router for many seconds: booting from
	 * the network, the guest gets QEMU's IPv6 network too. */
	if (boot && boot->bootfile) {
		cfg.in6_enabled = true;
		inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
		cfg.vprefix_len = 64;
		inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
		inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
	}
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
	u->slirp = slirp_new(&cfg, &callbacks, u);
	if (!u->slirp) {
		rc = -ENOMEM;
		snprintf(err, errlen, "libslirp did not start");
		goto err_free;
	}
	rc = hilt_loop_add_fd(u->loop, u->fd, POLLIN, on_frames, u);
	if (rc < 0) {
		snprintf(err, errlen, "event loop: %s", strerror(-rc));
		goto err_free;
	}
	u->source = hilt_loop_add_source(u->loop, prepare, check, u);
	if (u->source < 0) {
		rc = (int)u->source;
		u->source = 0;
		snprintf(err, errlen, "event loop: %s", strerror(-rc));
		goto err_free;
	}
	*emulator_fd = u->emulator_fd;
	*out = u;
	return 0;

err_free:
	hilt_usernet_free(u);
	return rc;
}

/* A free loopback port: bind to port 0 and let the kernel choose. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int hilt_usernet_forward(struct hilt_usernet *u, int guest_port,
			 int *host_port, char *err, size_t errlen)
{
	struct in_addr host, guest;

	for (size_t i = 0; i < u->nforwards; i++) {
		if (u->forwards[i].guest == guest_port) {
			*host_port = u->forwards[i].host;
			return 0;
		}
	}
	if (u->nforwards == MAX_FORWARDS) {
		snprintf(err, errlen, "too many forwarded ports");
		return -ENOSPC;
	}
	inet_pton(AF_INET, "127.0.0.1", &host);
	inet_pton(AF_INET, "10.0.2.15", &guest);
	/* Another process may take the port between our probe and slirp's
	 * bind: try a few. */
	for (int attempt = 0; attempt < 16; attempt++) {
		int port = free_port();

		if (port > 0 && slirp_add_hostfwd(u->slirp, 0, host, port, guest, guest_port) == 0) {
			u->forwards[u->nforwards].guest = guest_port;
			u->forwards[u->nforwards++].host = port;
			*host_port = port;
			return 0;
		}
	}
	snprintf(err, errlen, "cannot forward a loopback port to guest port %d", guest_port);
	return -EADDRINUSE;
}

int hilt_usernet_guest_service(struct hilt_usernet *u, const char *guest_addr, int guest_port,
			       const char *path, char *err, size_t errlen)
{
	struct in_addr a;

	if (inet_pton(AF_INET, guest_addr, &a) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address", guest_addr);
		return -EINVAL;
	}
	/* libslirp checks that the address is its network's and free. */
	if (slirp_add_unix(u->slirp, path, &a, guest_port) < 0) {
		snprintf(err, errlen, "the guest network cannot serve %s:%d (an address of "
			 "10.0.2.0/24 other than 10.0.2.2, .3 and the guest's)", guest_addr,
			 guest_port);
		return -EINVAL;
	}
	return 0;
}

void hilt_usernet_counts(const struct hilt_usernet *u, unsigned long *to_guest,
			 unsigned long *from_guest)
{
	*to_guest = u->to_guest;
	*from_guest = u->from_guest;
}

void hilt_usernet_free(struct hilt_usernet *u)
{
	if (!u)
		return;
	if (u->source > 0)
		hilt_loop_del_source(u->loop, u->source);
	if (u->fd >= 0) {
		hilt_loop_del_fd(u->loop, u->fd);
		close(u->fd);
	}
	if (u->emulator_fd >= 0)
		close(u->emulator_fd);
	if (u->slirp)
		slirp_cleanup(u->slirp);
	for (size_t i = 0; i < MAX_TFTP; i++)
		if (u->tftp[i].used)
			tftp_end(u, &u->tftp[i], "incomplete: the session ended during the transfer");
	free(u->tftp_root);
	pcap_close(u, 0);
	free(u->pcap_path);
	free(u);
}
