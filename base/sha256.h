/* SHA-256 of files, for recording exactly which images a session used. */
#ifndef HILT_SHA256_H
#define HILT_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* A digest under way (libcrypto's); init it, update it, final it. */
struct hilt_sha256 {
	void *ctx;		/* EVP_MD_CTX: freed by final */
};

/* 0, or -ENOMEM (then update does nothing and final fails). */
int hilt_sha256_init(struct hilt_sha256 *s);
void hilt_sha256_update(struct hilt_sha256 *s, const void *data, size_t len);
/* The digest, and what init took is freed: call it once for each init,
 * even for a digest given up.  0, or -ENOMEM (digest zeroed). */
int hilt_sha256_final(struct hilt_sha256 *s, unsigned char digest[32]);
/* The digest of one buffer: 0, or -ENOMEM (digest zeroed). */
int hilt_sha256_buf(const void *data, size_t len, unsigned char digest[32]);
/* Hex digest of a whole file into hex[65]; 0 or -errno.  Remembered for
 * the process while the file stays the same (device, inode, size, times). */
int hilt_sha256_file(const char *path, char hex[65]);

#endif
