/* SHA-256 of files, for recording exactly which images a session used. */
#ifndef HILT_SHA256_H
#define HILT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct hilt_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void hilt_sha256_init(struct hilt_sha256 *s);
void hilt_sha256_update(struct hilt_sha256 *s, const void *data, size_t len);
void hilt_sha256_final(struct hilt_sha256 *s, unsigned char digest[32]);
/* Hex digest of a whole file into hex[65]; 0 or -errno.  Remembered for
 * the process while the file stays the same (device, inode, size, times). */
int hilt_sha256_file(const char *path, char hex[65]);

#endif
