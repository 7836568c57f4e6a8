/* MD5 (RFC 1321), for the checksum row of ESP partition tables: not for
 * anything that needs a secure hash.  Computed by libcrypto. */
#ifndef HILT_MD5_H
#define HILT_MD5_H

#include <stddef.h>
#include <stdint.h>

/* The digest of one buffer.  Should libcrypto fail (out of memory, or a
 * provider without MD5) the digest is all zeroes, which no table's MD5
 * row holds in practice: the row is then reported as not matching. */
void hilt_md5(const void *data, size_t len, uint8_t digest[16]);

#endif
