/* MD5 (RFC 1321), for the checksum row of ESP partition tables: not for
 * anything that needs a secure hash. */
#ifndef HILT_MD5_H
#define HILT_MD5_H

#include <stddef.h>
#include <stdint.h>

void hilt_md5(const void *data, size_t len, uint8_t digest[16]);

#endif
