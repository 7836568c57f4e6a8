/* The HTTP boot server of a session: files of one folder served to the
 * device over its guest network only (iPXE's kernel and initramfs), by
 * libmicrohttpd inside the runner's event loop.  The guest network hands
 * each connection to it through a Unix socket (hilt_usernet_guest_service);
 * no host port is opened.  Every request is recorded with the bytes sent
 * and their SHA-256 (targets/served.h). */
#ifndef HILT_HTTPBOOT_H
#define HILT_HTTPBOOT_H

#include <stddef.h>

struct hilt_loop;
struct hilt_served;
struct hilt_httpboot;

/* Serves the regular files under root (GET and HEAD; nothing outside
 * root, no directory listings) in loop.  url_base ("http://10.0.2.5")
 * names the requests in the record served.  Returns 0, or -errno with why
 * in err.  Freed with hilt_httpboot_free(), after whatever connects to it
 * has gone (the guest network). */
int hilt_httpboot_new(struct hilt_loop *loop, const char *root, const char *url_base,
		      struct hilt_served *served, struct hilt_httpboot **out, char *err,
		      size_t errlen);

/* The Unix socket it listens on, valid until hilt_httpboot_free(). */
const char *hilt_httpboot_socket(const struct hilt_httpboot *h);

/* Ends every connection (a transfer under way is recorded as incomplete)
 * and removes the socket. */
void hilt_httpboot_free(struct hilt_httpboot *h);

#endif
