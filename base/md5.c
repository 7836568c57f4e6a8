/* MD5 through libcrypto's EVP interface, as base/sha256.c takes SHA-256:
 * the library is linked already, so the digest is not written again. */
#include "base/md5.h"

#include <openssl/evp.h>
#include <string.h>

void hilt_md5(const void *data, size_t len, uint8_t digest[16])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, digest, &n, EVP_md5(), NULL) != 1 || n != 16)
		memset(digest, 0, 16);
}
