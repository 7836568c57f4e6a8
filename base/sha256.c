/* SHA-256 through OpenSSL's libcrypto (its EVP interface, as curl and
 * most of Debian use it); the remembering of files already hashed is
 * ours. */
#define _GNU_SOURCE
#include "base/sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int hilt_sha256_init(struct hilt_sha256 *s)
{
	s->ctx = EVP_MD_CTX_new();
	if (s->ctx && EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) == 1)
		return 0;
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
	return -ENOMEM;
}

void hilt_sha256_update(struct hilt_sha256 *s, const void *data, size_t len)
{
	if (s->ctx && EVP_DigestUpdate(s->ctx, data, len) != 1) {
		EVP_MD_CTX_free(s->ctx);
		s->ctx = NULL;
	}
}

int hilt_sha256_final(struct hilt_sha256 *s, unsigned char digest[32])
{
	unsigned int n = 0;
	int ok = s->ctx && EVP_DigestFinal_ex(s->ctx, digest, &n) == 1 && n == 32;

	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
	if (!ok)
		memset(digest, 0, 32);
	return ok ? 0 : -ENOMEM;
}

int hilt_sha256_buf(const void *data, size_t len, unsigned char digest[32])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) == 1 && n == 32)
		return 0;
	memset(digest, 0, 32);
	return -ENOMEM;
}

/* Files already hashed in this process, known by what stat says of
 * them: a run of hundreds of sessions of one image hashes it once, and an
 * image rewritten between sessions (another size, time or inode) is
 * hashed again. */
struct hashed {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	char hex[65];
};

static struct hashed *hashed;
static size_t nhashed;

static bool same_file(const struct hashed *h, const struct stat *st)
{
	return h->dev == st->st_dev && h->ino == st->st_ino && h->size == st->st_size &&
	       h->mtime.tv_sec == st->st_mtim.tv_sec && h->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       h->ctime.tv_sec == st->st_ctim.tv_sec && h->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

int hilt_sha256_file(const char *path, char hex[65])
{
	FILE *f = fopen(path, "rbe");
	struct hilt_sha256 s;
	unsigned char buf[65536], digest[32];
	struct stat st;
	size_t n;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) == 0) {
		for (size_t i = 0; i < nhashed; i++) {
			if (same_file(&hashed[i], &st)) {
				memcpy(hex, hashed[i].hex, 65);
				fclose(f);
				return 0;
			}
		}
	}
	if (hilt_sha256_init(&s) < 0) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		hilt_sha256_update(&s, buf, n);
	int failed = ferror(f);
	struct stat after;

	/* Written meanwhile: hashed, but not remembered. */
	bool steady = fstat(fileno(f), &after) == 0 && after.st_size == st.st_size &&
		      after.st_mtim.tv_sec == st.st_mtim.tv_sec &&
		      after.st_mtim.tv_nsec == st.st_mtim.tv_nsec;

	fclose(f);
	if (hilt_sha256_final(&s, digest) < 0)
		return -ENOMEM;
	if (failed)
		return -EIO;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	struct hashed *h = steady ? realloc(hashed, (nhashed + 1) * sizeof(*h)) : NULL;

	if (h) {
		hashed = h;
		h[nhashed] = (struct hashed){
			.dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
			.mtime = st.st_mtim, .ctime = st.st_ctim,
		};
		memcpy(h[nhashed++].hex, hex, 65);
	}
	return 0;
}
