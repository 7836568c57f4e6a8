/* QEMU target: the console is a socket pair whose far end QEMU gets as a
 * chardev fd, so the runner owns the console and QEMU's own messages
 * (stdout/stderr) stay apart, kept for the report.  For a person at the
 * console (hilt console) a second pair is QEMU's monitor (QMP): a guest
 * that reboots is reset rather than ended, and a reset can be asked for. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/child.h"
#include "base/loop.h"
#include "base/grow.h"
#include "base/proc.h"
#include "base/sha256.h"
#include "base/tail.h"
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
	/* QMP, for a person's console: the fd, what it printed that is not
	 * a whole line yet, and the commands sent whose answer has not come
	 * (oldest first: 'i' the set-up, 'r' a reset). */
	int qmp_fd;
	char qmp_line[4096];
	size_t qmp_len;
	char qmp_wait[8];
	size_t qmp_nwait;
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
	t->console_fd = t->qmp_fd = -1;
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
		      int net_fd, int qmp_fd, struct argv_builder *b)
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
	if (qmp_fd >= 0) {
		add(b, "-chardev");
		add(b, "socket,id=hiltqmp,fd=%d", qmp_fd);
		add(b, "-mon");
		add(b, "chardev=hiltqmp,mode=control");
	}
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
	if (!q->kernel && q->ndrives && hilt_qemu_drive_file(q->drives[0], path, sizeof(path))) {
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

/* Sends QMP commands text (a line each), all at once: a few hundred
 * bytes into an empty socket. */
static void qmp_send(struct hilt_target *t, const char *text)
{
	static const char unwritable[] = "hilt: QMP unwritable\n";

	if (send(t->qmp_fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		hilt_tail_append(t->diag, unwritable, sizeof(unwritable) - 1);
}

static int qemu_start(struct hilt_target *t, const struct hilt_target_env *env,
		      char *err, size_t errlen)
{
	struct argv_builder b = { 0 };
	int sv[2], qmp[2] = { -1, -1 }, net_fd = -1;
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
	/* A person's console (a bring-up asked for): the monitor too. */
	if (env->bring_up && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) < 0) {
		rc = -errno;
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		goto err_close;
	}
	rc = build_argv(t->qcfg, sv[1], net_fd, qmp[1], &b);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		goto err_close;
	}
	int keep[3] = { sv[1] }, nkeep = 1;

	if (net_fd >= 0)
		keep[nkeep++] = net_fd;
	if (qmp[1] >= 0)
		keep[nkeep++] = qmp[1];
	rc = hilt_proc_start(b.v, keep, (size_t)nkeep, &t->proc, err, errlen);
	if (rc)
		goto err_close;
	close(sv[1]);
	if (qmp[1] >= 0) {
		close(qmp[1]);
		t->qmp_fd = qmp[0];
		fcntl(t->qmp_fd, F_SETFL, fcntl(t->qmp_fd, F_GETFL) | O_NONBLOCK);
		/* The guest's own reboot resets it, as a board's would (QEMU
		 * runs with -no-reboot for sessions). */
		qmp_send(t, "{\"execute\":\"qmp_capabilities\"}\n"
			 "{\"execute\":\"set-action\",\"arguments\":{\"reboot\":\"reset\"}}\n");
		t->qmp_wait[t->qmp_nwait++] = 'i';
		t->qmp_wait[t->qmp_nwait++] = 'i';
	}
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
	if (qmp[0] >= 0) {
		close(qmp[0]);
		close(qmp[1]);
	}
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
	if (n < max && t->qmp_fd >= 0)
		fds[n++] = t->qmp_fd;
	return n;
}

/* One line QEMU's monitor printed: an answer to the oldest command sent
 * ("return" or "error"), or an event. */
static void qmp_line(struct hilt_target *t, const char *line)
{
	bool ok = strstr(line, "\"return\"") != NULL;

	if ((!ok && !strstr(line, "\"error\"")) || !t->qmp_nwait)
		return;
	char kind = t->qmp_wait[0];

	memmove(t->qmp_wait, t->qmp_wait + 1, --t->qmp_nwait);
	if (!ok) {
		hilt_tail_append(t->diag, "QMP: ", 5);
		hilt_tail_append(t->diag, line, strlen(line));
		hilt_tail_append(t->diag, "\n", 1);
	}
	if (kind == 'r' && t->env->acted)
		t->env->acted(t->env->arg, HILT_ACT_RESET, ok ? 0 : -EIO, ok ? NULL : line);
}

static void qmp_read(struct hilt_target *t)
{
	for (;;) {
		ssize_t n = read(t->qmp_fd, t->qmp_line + t->qmp_len,
				 sizeof(t->qmp_line) - 1 - t->qmp_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* QEMU is ending: its pidfd says how. */
			if (n == 0 || errno != EAGAIN) {
				close(t->qmp_fd);
				t->qmp_fd = -1;
			}
			return;
		}
		t->qmp_len += (size_t)n;
		t->qmp_line[t->qmp_len] = '\0';
		char *nl;

		while ((nl = strchr(t->qmp_line, '\n'))) {
			*nl = '\0';
			qmp_line(t, t->qmp_line);
			t->qmp_len -= (size_t)(nl + 1 - t->qmp_line);
			memmove(t->qmp_line, nl + 1, t->qmp_len + 1);
		}
		/* A line longer than the buffer (a long event): dropped. */
		if (t->qmp_len == sizeof(t->qmp_line) - 1)
			t->qmp_len = 0;
	}
}

static int qemu_act(struct hilt_target *t, enum hilt_target_action a, char *err, size_t errlen)
{
	if (a != HILT_ACT_RESET) {
		snprintf(err, errlen, "a QEMU guest ('%s') has no %s: ~r resets it, ~p boots it again",
			 t->cfg->name, a == HILT_ACT_BREAK ? "serial BREAK from hilt" : "boot-mode sequence");
		return -ENOTSUP;
	}
	if (t->qmp_fd < 0 || t->qmp_nwait >= sizeof(t->qmp_wait)) {
		snprintf(err, errlen, "QEMU's monitor of '%s' %s", t->cfg->name,
			 t->qmp_fd < 0 ? "is not there" : "has not answered yet");
		return t->qmp_fd < 0 ? -ENOTSUP : -EBUSY;
	}
	qmp_send(t, "{\"execute\":\"system_reset\"}\n");
	t->qmp_wait[t->qmp_nwait++] = 'r';
	return 0;
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
	if (fd == t->qmp_fd) {
		qmp_read(t);
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
	if (t->qmp_fd >= 0) {
		close(t->qmp_fd);
		t->qmp_fd = -1;
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

		if (hilt_qemu_drive_file(q->drives[0], path, sizeof(path)))
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
		unsigned long to = t->frames_to_guest, from = t->frames_from_guest;

		/* A guest that runs on (a shared boot): its frames so far. */
		if (t->net)
			hilt_usernet_counts(t->net, &to, &from);
		cb(arg, "net.nic", q->nic);
		snprintf(buf, sizeof(buf), "%lu", from);
		cb(arg, "net.frames_from_guest", buf);
		snprintf(buf, sizeof(buf), "%lu", to);
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

const struct hilt_target_ops hilt_qemu_ops = {
	.kind = "qemu",
	.parse = hilt_qemu_parse,
	.free_config = hilt_qemu_free_config,
	.builtin = hilt_qemu_builtin,
	.new_target = qemu_new,
	.start = qemu_start,
	.console_fd = qemu_console_fd,
	.console_write = qemu_console_write,
	.console_eof = qemu_console_eof,
	.http_endpoint = qemu_http_endpoint,
	.aux_fds = qemu_aux_fds,
	.handle_aux = qemu_handle_aux,
	.act = qemu_act,
	.stop = qemu_stop,
	.describe = qemu_describe,
	.diagnostics = qemu_diagnostics,
	.free_target = qemu_free,
	.check = hilt_qemu_check,
};
