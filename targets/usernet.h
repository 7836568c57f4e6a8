/* The guest network of an emulator instance, hosted by the runner with
 * libslirp inside its own event loop: DHCP, DNS and gateway 10.0.2.2 as
 * with QEMU's user networking, but one isolated instance per session, no
 * fixed host port, and every frame can be captured to a pcap file. */
#ifndef HILT_USERNET_H
#define HILT_USERNET_H

#include <stddef.h>

#include "base/loop.h"
#include "targets/target.h"

struct hilt_usernet;
struct hilt_served;

/* What the network serves a booting device, besides DHCP and DNS. */
struct hilt_usernet_boot {
	/* libslirp's TFTP server at the gateway (10.0.2.2) serves this
	 * folder (read-only), or NULL: no TFTP. */
	const char *tftp_root;
	/* The boot file DHCP names (a path on the TFTP server, or a URL such
	 * as http://10.0.2.5/boot.ipxe), or NULL. */
	const char *bootfile;
	/* Each TFTP transfer is recorded here (may be NULL). */
	struct hilt_served *served;
};

/* Creates the network in env->loop.  *emulator_fd is a datagram socket
 * (one Ethernet frame per datagram) for the emulator (QEMU: -netdev dgram
 * with local.type=fd); it is owned by the network.  Frames are captured to
 * env->pcap_path unless it is NULL; a write error there is reported
 * through env->output_failed.  Freed with hilt_usernet_free(). */
int hilt_usernet_new(const struct hilt_target_env *env, const struct hilt_usernet_boot *boot,
		     struct hilt_usernet **out, int *emulator_fd, char *err,
		     size_t errlen);

/* Each TCP connection the guest opens to guest_addr:guest_port (an
 * address of the virtual network that no one else has, such as
 * 10.0.2.5) becomes a connection to the Unix socket at path, which a
 * server in this process listens on: a service of the runner reached from
 * the guest network only, with no host port. */
int hilt_usernet_guest_service(struct hilt_usernet *u, const char *guest_addr, int guest_port,
			       const char *path, char *err, size_t errlen);

/* Forwards a loopback port the runner picks to guest_port of the guest
 * (10.0.2.15); the port is returned in *host_port.  The same guest port
 * gets the same host port again. */
int hilt_usernet_forward(struct hilt_usernet *u, int guest_port,
			 int *host_port, char *err, size_t errlen);

/* Frames seen in each direction (for the report). */
void hilt_usernet_counts(const struct hilt_usernet *u, unsigned long *to_guest,
			 unsigned long *from_guest);

/* Closes the emulator's end too: call after the emulator has exited. */
void hilt_usernet_free(struct hilt_usernet *u);

#endif
