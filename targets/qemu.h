/* The qemu kind's configuration: what its <target> says
 * (targets/qemu_config.c reads it), or the built-in target's.  Held by a
 * target's config as cfg->priv; runner/ never looks inside. */
#ifndef HILT_QEMU_H
#define HILT_QEMU_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

struct hilt_check;
struct hilt_config_loader;
struct hilt_target_config;

struct hilt_qemu_config {
	char *binary;		/* qemu-system-x86_64 */
	char *machine;		/* -machine */
	char *accel;		/* tcg | kvm */
	unsigned memory_mib;
	unsigned cpus;
	bool memory_set, cpus_set;	/* given in the farm, not defaults */
	/* Absolute paths, checked to exist; kernel NULL: the machine boots
	 * from its firmware or a drive (an ESP32's flash). */
	char *kernel, *initrd;
	char *bios;		/* -bios firmware (U-Boot for the virt machine), or NULL */
	char *append;
	char *nic;		/* NIC model ("open_eth": the ESP32 machine's own), or "none" */
	/* Network boot: the folder libslirp's TFTP server serves, the boot
	 * file its DHCP names, and the folder hilt's own HTTP server serves
	 * at http_addr:http_port of the guest network; each NULL when not
	 * given. */
	char *tftp_root, *bootfile, *http_root;
	char *http_addr;
	int http_port;
	char **drives;		/* -drive values */
	size_t ndrives;
	char **args;		/* extra arguments, appended as they are */
	size_t nargs;
	/* Where each was given in the farm file (0: a default), for the
	 * checks of hilt validate. */
	long binary_line, accel_line;
	long *drive_lines, *arg_lines;	/* ndrives, nargs of them */
};

/* The built-in target's: the defaults, booting the guest that
 * fixtures/guest makes in guest_dir (vmlinuz, initrd.img) with
 * "console=ttyS0 panic=-1".  Errors: -ENOENT when it was not built (err
 * says which file), -ENOMEM.  Freed with hilt_qemu_config_free(). */
int hilt_qemu_config_default(const char *guest_dir, struct hilt_qemu_config **out,
			     char *err, size_t errlen);

void hilt_qemu_config_free(struct hilt_qemu_config *q);

/* The kind (targets/target.h), for the registry. */
struct hilt_target_ops;
extern const struct hilt_target_ops hilt_qemu_ops;

/* Between the kind's own files: targets/qemu_config.c for targets/qemu.c. */

/* The ops parse, free_config, builtin and check (targets/target.h). */
int hilt_qemu_parse(struct hilt_config_loader *ld, const xmlNode *node,
		    struct hilt_target_config *cfg);
void hilt_qemu_free_config(void *priv);
int hilt_qemu_builtin(const char *dir, struct hilt_target_config *cfg, char *err,
		      size_t errlen);
void hilt_qemu_check(const struct hilt_target_config *cfg, struct hilt_check *chk);

/* The file= of a QEMU option string ("file=a,,b.img,format=raw": ",,"
 * is a comma), into buf; NULL when there is none or it names a protocol
 * (nbd:, http://...) rather than a file. */
const char *hilt_qemu_drive_file(const char *opts, char *buf, size_t len);

#endif
