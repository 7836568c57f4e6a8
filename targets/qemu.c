/* QEMU target: the console is a socket pair whose far end QEMU gets as a
 * chardev fd, so the runner owns the console and QEMU's own messages
 * (stdout/stderr) stay apart, kept for the report. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/child.h"
#include "base/loop.h"
#include "base/grow.h"
#include "base/proc.h"
#include "base/sha256.h"
#include "base/tail.h"
#include "base/xmlfile.h"
#include "targets/httpboot.h"
#include "targets/qemu.h"
#include "targets/served.h"
#include "targets/target.h"
#include "targets/usernet.h"

#define QEMU_DIAG_CAP 8192

/* QEMU's grace between SIGTERM and SIGKILL at the end of a session, and
 * when the run is interrupted. */
#define QEMU_GRACE_MS 2000
#define QEMU_HURRY_MS 500

struct hilt_target {
	const struct hilt_target_config *cfg;
	const struct hilt_qemu_config *qcfg;	/* cfg's */
	const struct hilt_target_env *env;
	int64_t start_timer;
	struct hilt_proc *proc;
	struct hilt_child *ending;	/* QEMU being stopped, from the loop */
	int console_fd;
	struct hilt_tail *diag;
	struct hilt_usernet *net;	/* NULL with <nic>none</nic> */
	struct hilt_httpboot *httpboot;	/* with <http-boot> */
	struct hilt_served *served;	/* what the boot servers sent */
	char pcap_path[4096];
	unsigned long frames_to_guest, frames_from_guest;
	char *diag_text;
	char kernel_sha[65], initrd_sha[65], drive_sha[65], bios_sha[65];
	char status[96];
};

static int qemu_new(const struct hilt_target_config *cfg,
		    struct hilt_target **out, char *err, size_t errlen)
{
	struct hilt_target *t = calloc(1, sizeof(*t));

	if (!t || hilt_tail_new(QEMU_DIAG_CAP, &t->diag)) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->cfg = cfg;
	t->qcfg = cfg->priv;
	t->console_fd = -1;
	*out = t;
	return 0;
}

struct argv_builder {
	char **v;
	size_t n, cap;
	int failed;
};

static void add(struct argv_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct argv_builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->failed)
		return;
	char **v = hilt_grow(b->v, b->n + 2, &b->cap, sizeof(*v), 32);

	if (!v) {
		b->failed = 1;
		return;
	}
	b->v = v;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		b->failed = 1;
		s = NULL;
	}
	va_end(ap);
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

static void free_argv(struct argv_builder *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i]);
	free(b->v);
}

/* Whole arguments only: nothing from the farm file is ever parsed by a
 * shell. */
static int build_argv(const struct hilt_qemu_config *q, int console_fd,
		      int net_fd, struct argv_builder *b)
{
	add(b, "%s", q->binary);
	add(b, "-nodefaults");
	add(b, "-no-user-config");
	add(b, "-display");
	add(b, "none");
	add(b, "-no-reboot");
	add(b, "-machine");
	add(b, "%s", q->machine);
	add(b, "-accel");
	add(b, "%s", q->accel);
	/* An ESP32-family SoC has the memory and cores it has: given only
	 * when the farm says. */
	bool soc = strncmp(q->machine, "esp32", 5) == 0;

	if (!soc || q->memory_set) {
		add(b, "-m");
		add(b, "%u", q->memory_mib);
	}
	if (!soc || q->cpus_set) {
		add(b, "-smp");
		add(b, "%u", q->cpus);
	}
	if (q->bios) {
		add(b, "-bios");
		add(b, "%s", q->bios);
	}
	if (q->kernel) {
		add(b, "-kernel");
		add(b, "%s", q->kernel);
		if (q->initrd) {
			add(b, "-initrd");
			add(b, "%s", q->initrd);
		}
		if (q->append) {
			add(b, "-append");
			add(b, "%s", q->append);
		}
	}
	add(b, "-chardev");
	add(b, "socket,id=hiltcon,fd=%d", console_fd);
	add(b, "-serial");
	add(b, "chardev:hiltcon");
	if (net_fd >= 0) {
		/* The runner is the network: one Ethernet frame per datagram
		 * over a socket it made, served by its own libslirp. */
		if (!strcmp(q->nic, "open_eth")) {
			/* The ESP32 machine makes its Ethernet MAC itself,
			 * from the NIC table. */
			add(b, "-nic");
			add(b, "dgram,local.type=fd,local.str=%d,model=open_eth", net_fd);
		} else {
			add(b, "-netdev");
			add(b, "dgram,id=hiltnet,local.type=fd,local.str=%d", net_fd);
			add(b, "-device");
			add(b, "%s,netdev=hiltnet", q->nic);
		}
	}
	for (size_t i = 0; i < q->ndrives; i++) {
		add(b, "-drive");
		add(b, "%s", q->drives[i]);
	}
	for (size_t i = 0; i < q->nargs; i++)
		add(b, "%s", q->args[i]);
	return b->failed ? -ENOMEM : 0;
}

static const char *drive_file(const char *opts, char *buf, size_t len);

static int hash_images(struct hilt_target *t, char *err, size_t errlen)
{
	const struct hilt_qemu_config *q = t->qcfg;
	char path[PATH_MAX];
	int rc = q->kernel ? hilt_sha256_file(q->kernel, t->kernel_sha) : 0;

	if (rc) {
		snprintf(err, errlen, "kernel %s: %s", q->kernel, strerror(-rc));
		return rc;
	}
	if (q->bios && (rc = hilt_sha256_file(q->bios, t->bios_sha))) {
		snprintf(err, errlen, "bios %s: %s", q->bios, strerror(-rc));
		return rc;
	}
	/* What a machine without a kernel boots: its first drive's file (an
	 * ESP32's flash image). */
	if (!q->kernel && q->ndrives && drive_file(q->drives[0], path, sizeof(path))) {
		rc = hilt_sha256_file(path, t->drive_sha);
		if (rc) {
			snprintf(err, errlen, "drive %s: %s", path, strerror(-rc));
			return rc;
		}
	}
	if (q->initrd && (rc = hilt_sha256_file(q->initrd, t->initrd_sha))) {
		snprintf(err, errlen, "initrd %s: %s", q->initrd, strerror(-rc));
		return rc;
	}
	return 0;
}

static void tell_started(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;
	struct hilt_target_started st = { 0 };

	(void)loop;
	t->start_timer = 0;
	t->env->started(t->env->arg, &st);
}

/* The guest network, with the boot servers the farm asked for. */
static int start_network(struct hilt_target *t, const struct hilt_target_env *env, int *net_fd,
			 char *err, size_t errlen)
{
	const struct hilt_qemu_config *q = t->qcfg;
	char base[64];
	int rc;

	if (!t->served && !(t->served = hilt_served_new())) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	struct hilt_usernet_boot boot = { .tftp_root = q->tftp_root, .bootfile = q->bootfile,
					  .served = t->served };

	rc = hilt_usernet_new(env, &boot, &t->net, net_fd, err, errlen);
	if (rc || !q->http_root)
		return rc;
	if (q->http_port == 80)
		snprintf(base, sizeof(base), "http://%s", q->http_addr);
	else
		snprintf(base, sizeof(base), "http://%s:%d", q->http_addr, q->http_port);
	rc = hilt_httpboot_new(env->loop, q->http_root, base, t->served, &t->httpboot, err, errlen);
	if (rc)
		return rc;
	return hilt_usernet_guest_service(t->net, q->http_addr, q->http_port,
					  hilt_httpboot_socket(t->httpboot), err, errlen);
}

static int qemu_start(struct hilt_target *t, const struct hilt_target_env *env,
		      char *err, size_t errlen)
{
	struct argv_builder b = { 0 };
	int sv[2], net_fd = -1;
	int rc = hash_images(t, err, errlen);

	t->env = env;
	if (rc)
		return rc;
	if (strcmp(t->qcfg->nic, "none") != 0) {
		if (env->pcap_path)
			snprintf(t->pcap_path, sizeof(t->pcap_path), "%s", env->pcap_path);
		rc = start_network(t, env, &net_fd, err, errlen);
		if (rc)
			return rc;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return rc;
	}
	rc = build_argv(t->qcfg, sv[1], net_fd, &b);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		goto err_close;
	}
	int keep[2] = { sv[1], net_fd };

	rc = hilt_proc_start(b.v, keep, net_fd >= 0 ? 2 : 1, &t->proc, err, errlen);
	if (rc)
		goto err_close;
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	t->console_fd = sv[0];
	free_argv(&b);
	/* QEMU runs: the guest is powered on.  Told from the loop. */
	t->start_timer = hilt_loop_add_timer(env->loop, hilt_now_ns(), tell_started, t);
	if (t->start_timer < 0) {
		t->start_timer = 0;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;

err_close:
	close(sv[0]);
	close(sv[1]);
	free_argv(&b);
	return rc;
}

static int qemu_http_endpoint(struct hilt_target *t, int guest_port, char *host,
			      size_t hostlen, int *port, char *err, size_t errlen)
{
	if (!t->net) {
		snprintf(err, errlen, "target '%s' has no network (<nic>none</nic>)", t->cfg->name);
		return -ENOTSUP;
	}
	snprintf(host, hostlen, "127.0.0.1");
	return hilt_usernet_forward(t->net, guest_port, port, err, errlen);
}

static int qemu_console_fd(struct hilt_target *t)
{
	return t->console_fd;
}

static ssize_t qemu_console_write(struct hilt_target *t, const void *buf,
				  size_t len)
{
	ssize_t n = send(t->console_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	return n < 0 ? -errno : n;
}

static enum hilt_target_state qemu_console_eof(struct hilt_target *t,
					       char *why, size_t whylen)
{
	/* QEMU closed its end: the pidfd tells how it ended. */
	(void)t;
	(void)why;
	(void)whylen;
	return HILT_TARGET_RUNNING;
}

static size_t qemu_aux_fds(struct hilt_target *t, int *fds, size_t max)
{
	size_t n = 0;

	if (!t->proc)
		return 0;
	if (n < max && hilt_proc_output_fd(t->proc) >= 0)
		fds[n++] = hilt_proc_output_fd(t->proc);
	if (n < max)
		fds[n++] = hilt_proc_pidfd(t->proc);
	return n;
}

static void drain_output(struct hilt_target *t)
{
	char buf[4096];
	int fd = hilt_proc_output_fd(t->proc);

	while (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			hilt_tail_append(t->diag, buf, (size_t)n);
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			hilt_proc_close_output(t->proc);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
}

/* The last non-empty line QEMU printed, for a one-line reason. */
static void last_diag_line(struct hilt_target *t, char *buf, size_t len)
{
	size_t n;
	const char *d = hilt_tail_data(t->diag, &n);

	while (n && (d[n - 1] == '\n' || d[n - 1] == '\r'))
		n--;
	size_t s = n;

	while (s && d[s - 1] != '\n')
		s--;
	snprintf(buf, len, "%.*s", (int)(n - s), d + s);
}

static enum hilt_target_state qemu_handle_aux(struct hilt_target *t, int fd,
					      char *why, size_t whylen)
{
	struct hilt_proc_status st;

	if (!t->proc)
		return HILT_TARGET_GONE_INFRA;
	if (fd == hilt_proc_output_fd(t->proc)) {
		drain_output(t);
		return HILT_TARGET_RUNNING;
	}
	if (hilt_proc_reap(t->proc, &st) != 1)
		return HILT_TARGET_RUNNING;
	drain_output(t);
	hilt_proc_status_str(&st, t->status, sizeof(t->status));
	char line[512];

	last_diag_line(t, line, sizeof(line));
	if (st.exited && st.exit_code == 0) {
		/* With -no-reboot, a guest reset or power-off ends QEMU
		 * cleanly: that is the device's doing. */
		snprintf(why, whylen,
			 "the guest powered off or reset (QEMU exited with exit code 0)");
		return HILT_TARGET_GONE_DEVICE;
	}
	snprintf(why, whylen, "QEMU (%s) ended with %s%s%s",
		 t->qcfg->binary, t->status, *line ? ": " : "", line);
	return HILT_TARGET_GONE_INFRA;
}

/* QEMU is gone (or never ran): its console and network go too. */
static void release(struct hilt_target *t)
{
	if (t->console_fd >= 0) {
		close(t->console_fd);
		t->console_fd = -1;
	}
	/* After QEMU is gone: nothing writes frames any more. */
	if (t->net) {
		hilt_usernet_counts(t->net, &t->frames_to_guest, &t->frames_from_guest);
		hilt_usernet_free(t->net);
		t->net = NULL;
	}
	/* After the network: no connection can reach it any more. */
	hilt_httpboot_free(t->httpboot);
	t->httpboot = NULL;
}

static void ended(struct hilt_child *c, const struct hilt_child_end *end, void *arg)
{
	struct hilt_target *t = arg;

	drain_output(t);
	if (!*t->status)
		hilt_proc_status_str(&end->status, t->status, sizeof(t->status));
	hilt_child_free(c);	/* frees the proc */
	t->ending = NULL;
	t->proc = NULL;
	release(t);
	t->env->stopped(t->env->arg);
}

/* SIGTERM to QEMU's group, SIGKILL after the grace, watched by the loop:
 * one slow QEMU never holds up another session. */
static bool qemu_stop(struct hilt_target *t, bool hurry)
{
	struct hilt_proc_status st;

	if (t->start_timer > 0)
		hilt_loop_cancel_timer(t->env->loop, t->start_timer);
	t->start_timer = 0;
	if (t->ending) {
		hilt_child_stop(t->ending, hurry ? QEMU_HURRY_MS : -1);
		return false;
	}
	if (t->proc && hilt_proc_reap(t->proc, &st) == 1) {
		/* Ended already (the guest powered off). */
		drain_output(t);
		if (!*t->status)
			hilt_proc_status_str(&st, t->status, sizeof(t->status));
		hilt_proc_free(t->proc);
		t->proc = NULL;
	}
	if (t->proc && hilt_child_adopt(t->env->loop, t->proc, hurry ? QEMU_HURRY_MS : QEMU_GRACE_MS,
					ended, t, &t->ending) == 0) {
		hilt_child_stop(t->ending, -1);
		return false;
	}
	if (t->proc) {
		/* Cannot be watched (out of memory): ended the old way. */
		hilt_proc_kill_wait(t->proc, QEMU_HURRY_MS, &st);
		drain_output(t);
		if (!*t->status)
			hilt_proc_status_str(&st, t->status, sizeof(t->status));
		hilt_proc_free(t->proc);
		t->proc = NULL;
	}
	release(t);
	return true;
}

static void qemu_describe(struct hilt_target *t, hilt_property_cb cb,
			  void *arg)
{
	const struct hilt_qemu_config *q = t->qcfg;
	char buf[64];

	cb(arg, "qemu.binary", q->binary);
	cb(arg, "qemu.machine", q->machine);
	cb(arg, "qemu.accel", q->accel);
	snprintf(buf, sizeof(buf), "%u", q->memory_mib);
	cb(arg, "qemu.memory_mib", buf);
	if (q->bios) {
		cb(arg, "bios", q->bios);
		if (*t->bios_sha)
			cb(arg, "bios.sha256", t->bios_sha);
	}
	if (q->kernel) {
		cb(arg, "kernel", q->kernel);
		if (*t->kernel_sha)
			cb(arg, "kernel.sha256", t->kernel_sha);
		if (q->initrd) {
			cb(arg, "initrd", q->initrd);
			if (*t->initrd_sha)
				cb(arg, "initrd.sha256", t->initrd_sha);
		}
		if (q->append)
			cb(arg, "kernel.cmdline", q->append);
	} else if (*t->drive_sha) {
		char path[PATH_MAX];

		if (drive_file(q->drives[0], path, sizeof(path)))
			cb(arg, "drive", path);
		cb(arg, "drive.sha256", t->drive_sha);
	}
	if (*t->status)
		cb(arg, "qemu.exit", t->status);
	if (q->tftp_root)
		cb(arg, "net.tftp_root", q->tftp_root);
	if (q->bootfile)
		cb(arg, "net.bootfile", q->bootfile);
	if (q->http_root)
		cb(arg, "net.http_root", q->http_root);
	hilt_served_describe(t->served, cb, arg);
	if (strcmp(q->nic, "none") != 0) {
		cb(arg, "net.nic", q->nic);
		snprintf(buf, sizeof(buf), "%lu", t->frames_from_guest);
		cb(arg, "net.frames_from_guest", buf);
		snprintf(buf, sizeof(buf), "%lu", t->frames_to_guest);
		cb(arg, "net.frames_to_guest", buf);
		/* Beside the JUnit, named relative to it as the console log is. */
		if (*t->pcap_path) {
			const char *slash = strrchr(t->pcap_path, '/');

			cb(arg, "net.pcap", slash ? slash + 1 : t->pcap_path);
		}
	}
}

static const char *qemu_diagnostics(struct hilt_target *t)
{
	size_t n;
	const char *d = hilt_tail_data(t->diag, &n);

	free(t->diag_text);
	t->diag_text = strndup(d, n);
	return t->diag_text ? t->diag_text : "";
}

static void qemu_free(struct hilt_target *t)
{
	if (!t)
		return;
	if (t->start_timer > 0)
		hilt_loop_cancel_timer(t->env->loop, t->start_timer);
	/* Whatever runs still is killed now (hilt_child_free, hilt_proc_free). */
	if (t->ending)
		hilt_child_free(t->ending);
	else
		hilt_proc_free(t->proc);
	t->proc = NULL;
	release(t);
	hilt_served_free(t->served);
	hilt_tail_free(t->diag);
	free(t->diag_text);
	free(t);
}

static void qemu_check(const struct hilt_target_config *cfg, struct hilt_check *chk);
static int qemu_parse(struct hilt_config_loader *ld, const xmlNode *node,
		      struct hilt_target_config *cfg);
static void qemu_free_config(void *priv);

const struct hilt_target_ops hilt_qemu_ops = {
	.kind = "qemu",
	.parse = qemu_parse,
	.free_config = qemu_free_config,
	.new_target = qemu_new,
	.start = qemu_start,
	.console_fd = qemu_console_fd,
	.console_write = qemu_console_write,
	.console_eof = qemu_console_eof,
	.http_endpoint = qemu_http_endpoint,
	.aux_fds = qemu_aux_fds,
	.handle_aux = qemu_handle_aux,
	.stop = qemu_stop,
	.describe = qemu_describe,
	.diagnostics = qemu_diagnostics,
	.free_target = qemu_free,
	.check = qemu_check,
};

/* The file= of a QEMU option string ("file=a,,b.img,format=raw": ",,"
 * is a comma), into buf; NULL when there is none or it names a protocol
 * (nbd:, http://...) rather than a file. */
static const char *drive_file(const char *opts, char *buf, size_t len)
{
	const char *p = opts;

	while (*p) {
		bool file = strncmp(p, "file=", 5) == 0;
		size_t n = 0;

		p += file ? 5 : 0;
		for (; *p && !(p[0] == ',' && p[1] != ','); p++) {
			if (p[0] == ',')
				p++;
			if (file && n + 1 < len)
				buf[n++] = *p;
		}
		if (file) {
			buf[n] = '\0';
			size_t proto = strcspn(buf, ":/");

			return n && buf[proto] != ':' ? buf : NULL;
		}
		p += *p == ',';
	}
	return NULL;
}

static void check_file(struct hilt_check *chk, long line, const char *what, const char *path)
{
	if (access(path, R_OK) < 0)
		chk->report(chk, HILT_CHECK_WARNING, line,
			    "%s '%s' cannot be read on this host: %s%s", what, path,
			    strerror(errno),
			    path[0] == '/' ? "" : " (it is taken from the folder hilt runs in)");
}

/* Firmware and drives given as extra arguments. */
static void check_args(const struct hilt_qemu_config *q, struct hilt_check *chk)
{
	char buf[4096];

	for (size_t i = 0; i + 1 < q->nargs; i++) {
		const char *opt = q->args[i] + (strncmp(q->args[i], "--", 2) == 0);
		const char *val = q->args[i + 1];
		long line = q->arg_lines[i + 1];

		if (strcmp(opt, "-drive") == 0 && drive_file(val, buf, sizeof(buf)))
			check_file(chk, line, "drive file", buf);
		else if (strcmp(opt, "-pflash") == 0 || strcmp(opt, "-dtb") == 0)
			check_file(chk, line, opt + 1, val);
		/* A bare firmware name is looked up in QEMU's own folders. */
		else if (strcmp(opt, "-bios") == 0 && strchr(val, '/'))
			check_file(chk, line, "firmware", val);
	}
}

/* The boot file DHCP names, where the farm serves it: on its TFTP folder
 * (a bare name) or on its HTTP boot server (a URL of its address). */
static void check_bootfile(const struct hilt_qemu_config *q, struct hilt_check *chk)
{
	char prefix[64], path[PATH_MAX];
	const char *in = NULL, *rel = q->bootfile;

	if (!q->bootfile)
		return;
	if (q->http_root) {
		snprintf(prefix, sizeof(prefix), q->http_port == 80 ? "http://%s/" : "http://%s:%d/",
			 q->http_addr, q->http_port);
		if (!strncmp(q->bootfile, prefix, strlen(prefix)))
			in = q->http_root, rel = q->bootfile + strlen(prefix);
	}
	if (!in && q->tftp_root && !strstr(q->bootfile, "://"))
		in = q->tftp_root;
	if (!in)
		return;
	snprintf(path, sizeof(path), "%s/%s", in, rel);
	if (access(path, R_OK) < 0)
		chk->report(chk, HILT_CHECK_WARNING, 0, "the boot file '%s' is not in %s on this host: %s",
			    q->bootfile, in, strerror(errno));
}

static void qemu_check(const struct hilt_target_config *cfg, struct hilt_check *chk)
{
	const struct hilt_qemu_config *q = cfg->priv;
	char why[256], buf[4096];

	/* QEMU may be installed on the farm host only. */
	if (chk->find_program(q->binary, why, sizeof(why)) < 0)
		chk->report(chk, HILT_CHECK_WARNING, q->binary_line, "QEMU binary '%s' %s on this host",
			    q->binary, why);
	if (strcmp(q->accel, "kvm") == 0 && access("/dev/kvm", R_OK | W_OK) < 0)
		chk->report(chk, HILT_CHECK_WARNING, q->accel_line,
			    "<accel>kvm</accel>: /dev/kvm cannot be used on this host: %s",
			    strerror(errno));
	for (size_t i = 0; i < q->ndrives; i++)
		if (drive_file(q->drives[i], buf, sizeof(buf)))
			check_file(chk, q->drive_lines[i], "drive file", buf);
	check_args(q, chk);
	check_bootfile(q, chk);
}

/* ---- The configuration: the farm's qemu <target>, the built-in one ---- */

static int set_qemu_defaults(struct hilt_qemu_config *q)
{
	q->binary = strdup("qemu-system-x86_64");
	q->machine = strdup("q35");
	q->accel = strdup("tcg");
	q->nic = strdup("e1000");
	q->append = strdup("console=ttyS0");
	q->memory_mib = 256;
	q->cpus = 1;
	return q->binary && q->machine && q->accel && q->nic && q->append ? 0
									 : -ENOMEM;
}

void hilt_qemu_config_free(struct hilt_qemu_config *q)
{
	if (!q)
		return;
	free(q->binary);
	free(q->machine);
	free(q->accel);
	free(q->kernel);
	free(q->bios);
	free(q->initrd);
	free(q->append);
	free(q->nic);
	free(q->tftp_root);
	free(q->bootfile);
	free(q->http_root);
	free(q->http_addr);
	hilt_config_strv_free(q->drives, q->ndrives);
	hilt_config_strv_free(q->args, q->nargs);
	free(q->drive_lines);
	free(q->arg_lines);
	free(q);
}

static void qemu_free_config(void *priv)
{
	hilt_qemu_config_free(priv);
}

int hilt_qemu_config_default(const char *guest_dir, struct hilt_qemu_config **out,
			     char *err, size_t errlen)
{
	struct hilt_qemu_config *q = calloc(1, sizeof(*q));
	int rc = -ENOMEM;

	if (!q || set_qemu_defaults(q))
		goto err_free;
	free(q->append);
	q->append = NULL;
	/* asprintf leaves its pointer undefined when it fails. */
	if (asprintf(&q->kernel, "%s/vmlinuz", guest_dir) < 0) {
		q->kernel = NULL;
		goto err_free;
	}
	if (asprintf(&q->initrd, "%s/initrd.img", guest_dir) < 0) {
		q->initrd = NULL;
		goto err_free;
	}
	if (!(q->append = strdup("console=ttyS0 panic=-1")))
		goto err_free;
	if (access(q->kernel, R_OK) < 0 || access(q->initrd, R_OK) < 0) {
		snprintf(err, errlen, "%s holds no default guest (%s: %s)", guest_dir,
			 access(q->kernel, R_OK) < 0 ? q->kernel : q->initrd,
			 strerror(errno));
		rc = -ENOENT;
		goto err_free;
	}
	*out = q;
	return 0;

err_free:
	hilt_qemu_config_free(q);
	return rc;
}

/* Appends s and the line it was given at; n counts both. */
static int push_str_line(char ***v, long **lines, size_t *n, char *s, long line)
{
	long *grown = realloc(*lines, (*n + 1) * sizeof(**lines));

	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	*lines = grown;
	grown[*n] = line;
	return hilt_config_push(v, n, s);
}

/* Resolves p against the farm's folder and checks it names a readable
 * file: a run could not boot without it. */
static void image_path(struct hilt_config_loader *ld, const xmlNode *node, const char *p,
		       char **out)
{
	char *full = hilt_config_path(ld->dir, p);

	if (!full) {
		ld->oom = true;
		return;
	}
	if (access(full, R_OK) < 0) {
		hilt_xml_error(ld->d, node, "<%s> file '%s' cannot be read: %s",
			       (const char *)node->name, full, strerror(errno));
		free(full);
		return;
	}
	free(*out);
	*out = full;
}

/* <tftp>DIR</tftp>, <http-boot address="10.0.2.5" port="80">DIR</http-boot>:
 * folders the guest network serves, resolved against the farm's folder. */
static void boot_folder(struct hilt_config_loader *ld, const xmlNode *c,
			struct hilt_qemu_config *q)
{
	static const char *const http_attrs[] = { "address", "port", NULL };
	bool http = hilt_xml_is(c, "http-boot");
	char *text = NULL, *full = NULL;
	struct stat st;

	hilt_xml_check_attrs(ld->d, c, http ? http_attrs : (const char *const[]){ NULL });
	if (hilt_config_note(ld, hilt_xml_text(ld->d, c, true, &text)) < 0 || !text)
		return;
	full = *text ? hilt_config_path(ld->dir, text) : NULL;
	free(text);
	if (full == NULL && ld->oom)
		return;
	if (!full || stat(full, &st) < 0 || !S_ISDIR(st.st_mode) || access(full, R_OK | X_OK) < 0) {
		hilt_xml_error(ld->d, c, "<%s> must name a folder this host can read%s%s%s",
			       (const char *)c->name, full ? ": '" : "", full ? full : "",
			       full ? "' is not one" : "");
		free(full);
		return;
	}
	if (!http) {
		free(q->tftp_root);
		q->tftp_root = full;
		return;
	}
	char *addr = hilt_xml_attr(c, "address"), *port = hilt_xml_attr(c, "port");
	struct in_addr a;
	unsigned long n = 80;

	if (port && hilt_xml_parse_count(ld->d, c, "port", port, 1, 65535, &n) < 0)
		n = 80;
	/* Inside the guest network, and none of slirp's own addresses. */
	if (addr && (inet_pton(AF_INET, addr, &a) != 1 ||
		     (ntohl(a.s_addr) & 0xffffff00) != 0x0a000200 ||
		     (ntohl(a.s_addr) & 0xff) < 4 || (ntohl(a.s_addr) & 0xff) == 15 ||
		     (ntohl(a.s_addr) & 0xff) == 255))
		hilt_xml_error(ld->d, c, "<http-boot address='%s'>: an address of 10.0.2.0/24 other "
			       "than the gateway (.2), DNS (.3), the guest (.15) and .0, .1 and .255",
			       addr);
	free(q->http_root);
	free(q->http_addr);
	q->http_root = full;
	q->http_addr = addr ? addr : strdup("10.0.2.5");
	q->http_port = (int)n;
	if (!q->http_addr)
		ld->oom = true;
	addr = NULL;
	free(port);
}

static void parse_qemu_child(struct hilt_config_loader *ld, const xmlNode *c,
			     struct hilt_qemu_config *q)
{
	if (hilt_xml_is(c, "tftp") || hilt_xml_is(c, "http-boot")) {
		boot_folder(ld, c, q);
		return;
	}
	char *text = hilt_config_text(ld, c);
	char **slot = NULL;
	unsigned long n;

	if (!text)
		return;
	if (hilt_xml_is(c, "binary")) slot = &q->binary;
	else if (hilt_xml_is(c, "machine")) slot = &q->machine;
	else if (hilt_xml_is(c, "append")) slot = &q->append;
	else if (hilt_xml_is(c, "nic")) slot = &q->nic;

	if (slot) {
		if (!*text && !hilt_xml_is(c, "append")) {
			hilt_xml_error(ld->d, c, "<%s> is empty", (const char *)c->name);
		} else {
			free(*slot);
			*slot = text;
			text = NULL;
			if (hilt_xml_is(c, "binary"))
				q->binary_line = xmlGetLineNo(c);
		}
	} else if (hilt_xml_is(c, "accel")) {
		if (strcmp(text, "tcg") && strcmp(text, "kvm")) {
			hilt_xml_error(ld->d, c, "<accel> must be tcg or kvm, not '%s'", text);
		} else {
			free(q->accel);
			q->accel = text;
			text = NULL;
			q->accel_line = xmlGetLineNo(c);
		}
	} else if (hilt_xml_is(c, "memory")) {
		if (hilt_xml_parse_count(ld->d, c, "<memory>", text, 1, 1u << 20, &n) == 0)
			q->memory_mib = (unsigned)n, q->memory_set = true;
	} else if (hilt_xml_is(c, "cpus")) {
		if (hilt_xml_parse_count(ld->d, c, "<cpus>", text, 1, 256, &n) == 0)
			q->cpus = (unsigned)n, q->cpus_set = true;
	} else if (hilt_xml_is(c, "kernel") || hilt_xml_is(c, "initrd") || hilt_xml_is(c, "bios")) {
		image_path(ld, c, text, hilt_xml_is(c, "kernel")   ? &q->kernel
					: hilt_xml_is(c, "initrd") ? &q->initrd
								   : &q->bios);
	} else if (hilt_xml_is(c, "bootfile")) {
		if (!*text || strlen(text) > 127) {
			hilt_xml_error(ld->d, c, "<bootfile> must hold 1 to 127 bytes");
		} else {
			free(q->bootfile);
			q->bootfile = text;
			text = NULL;
		}
	} else if (hilt_xml_is(c, "drive") || hilt_xml_is(c, "arg")) {
		bool drive = hilt_xml_is(c, "drive");

		if (!*text) {
			hilt_xml_error(ld->d, c, "<%s> is empty", (const char *)c->name);
		} else {
			/* Taken, or freed when it cannot be. */
			hilt_config_note(ld, push_str_line(drive ? &q->drives : &q->args,
							   drive ? &q->drive_lines : &q->arg_lines,
							   drive ? &q->ndrives : &q->nargs, text,
							   xmlGetLineNo(c)));
			text = NULL;
		}
	} else {
		hilt_xml_error(ld->d, c,
			       "unknown element <%s> in a qemu <target> (expected binary, machine, accel, memory, cpus, bios, kernel, initrd, append, nic, tftp, bootfile, http-boot, drive or arg)",
			       (const char *)c->name);
	}
	free(text);
}

static int qemu_parse(struct hilt_config_loader *ld, const xmlNode *node,
		      struct hilt_target_config *cfg)
{
	struct hilt_qemu_config *q = calloc(1, sizeof(*q));
	char label[HILT_TARGET_NAME_MAX + 32];

	cfg->priv = q;
	if (!q || hilt_config_note(ld, set_qemu_defaults(q)) < 0)
		return hilt_config_note(ld, -ENOMEM);
	for (const xmlNode *c = node->children; c && !ld->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || hilt_config_generic(c))
			continue;
		parse_qemu_child(ld, c, q);
	}
	hilt_config_label(cfg, label, sizeof(label));
	/* A missing part is reported only when no element was there at all:
	 * one that was there but wrong has had its message. */
	if (!hilt_config_has_child(node, "kernel") && !hilt_config_has_child(node, "drive") &&
	    !hilt_config_has_child(node, "bios") && !hilt_config_has_child(node, "bootfile"))
		hilt_xml_error(ld->d, node, "qemu target%s needs a <kernel>, a <bios>, a <drive> "
			       "or a <bootfile> (a network boot) its machine boots from", label);
	else if (!strcmp(q->nic, "none") && (q->tftp_root || q->bootfile || q->http_root))
		hilt_xml_error(ld->d, node, "qemu target%s boots from the network "
			       "(<tftp>, <bootfile>, <http-boot>) but has <nic>none</nic>", label);
	else if (!hilt_config_has_child(node, "kernel") && hilt_config_has_child(node, "initrd"))
		hilt_xml_error(ld->d, node, "qemu target%s has an <initrd> but no <kernel>", label);
	return ld->oom ? -ENOMEM : 0;
}
