/* The qemu kind's configuration: its farm <target> read into a struct
 * hilt_qemu_config (targets/qemu.h), the built-in target's, and what hilt
 * validate checks of one on the farm host.  The runtime is targets/qemu.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xmlfile.h"
#include "targets/qemu.h"
#include "targets/target.h"

const char *hilt_qemu_drive_file(const char *opts, char *buf, size_t len)
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

		if (strcmp(opt, "-drive") == 0 && hilt_qemu_drive_file(val, buf, sizeof(buf)))
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

void hilt_qemu_check(const struct hilt_target_config *cfg, struct hilt_check *chk)
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
		if (hilt_qemu_drive_file(q->drives[i], buf, sizeof(buf)))
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

void hilt_qemu_free_config(void *priv)
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

/* The built-in target: the default guest, tagged as the farm files tag
 * theirs. */
int hilt_qemu_builtin(const char *dir, struct hilt_target_config *cfg, char *err,
		      size_t errlen)
{
	struct hilt_qemu_config *q;
	int rc;

	if (hilt_config_push(&cfg->tags, &cfg->ntags, strdup("arch=x86_64")) ||
	    hilt_config_push(&cfg->tags, &cfg->ntags, strdup("kind=qemu"))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = hilt_qemu_config_default(dir, &q, err, errlen);
	if (rc == 0)
		cfg->priv = q;
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
	char *full = hilt_config_path(ld, p);

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
	full = *text ? hilt_config_path(ld, text) : NULL;
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

int hilt_qemu_parse(struct hilt_config_loader *ld, const xmlNode *node,
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
