#define _GNU_SOURCE
#include "targets/flashimg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/sha256.h"
#include "targets/espimage.h"

/* The flash of these chips is 128 MiB at most. */
#define IMAGE_MAX (128u << 20)

void hilt_flash_set_free(struct hilt_flash_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->img[i].path);
	free(set->img);
	set->img = NULL;
	set->n = 0;
}

static int read_image(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	struct stat st;

	*buf = NULL;
	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > IMAGE_MAX) {
		snprintf(err, errlen, "%s", !f || errno ? strerror(errno ? errno : ENOENT)
			 : "not a regular file of at most 128 MiB");
		if (f)
			fclose(f);
		return -EBADMSG;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		snprintf(err, errlen, "out of memory");
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(*buf, 1, (size_t)st.st_size, f);
	if (ferror(f) || *len != (size_t)st.st_size) {
		snprintf(err, errlen, "cannot read it");
		fclose(f);
		free(*buf);
		*buf = NULL;
		return -EBADMSG;
	}
	fclose(f);
	return 0;
}

static void sha256_hex(const uint8_t *buf, size_t len, char hex[65])
{
	uint8_t d[32];

	/* A digest that could not be made is all zeros: it matches nothing. */
	hilt_sha256_buf(buf, len, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int hilt_flash_verify(const struct hilt_flash_set *set, struct hilt_flash_found *found,
		      char *err, size_t errlen)
{
	struct hilt_esp_ptable *table = NULL;
	const struct hilt_flash_image *table_img = NULL;
	char why[4096];
	int rc = 0;

	table = calloc(1, sizeof(*table));
	if (!table) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->n && !rc; i++) {
		const struct hilt_flash_image *im = &set->img[i];
		struct hilt_flash_found *fo = &found[i];
		struct hilt_esp_image img;
		uint8_t *buf;
		size_t len = 0;

		memset(fo, 0, sizeof(*fo));
		snprintf(fo->name, sizeof(fo->name), "%s", base_name(im->path));
		fo->offset = im->offset;
		fo->kind = "data";
		rc = read_image(im->path, &buf, &len, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "image %s at 0x%x: %s", im->path, im->offset, why);
			break;
		}
		sha256_hex(buf, len, fo->sha256);
		if (len && buf[0] == 0xE9) {
			rc = hilt_esp_image_parse(buf, len, set->chip == HILT_ESP8266 ? set->chip
										 : HILT_ESP_UNKNOWN,
						  &img, why, sizeof(why));
			if (!rc)
				rc = hilt_esp_image_verify(&img, why, sizeof(why));
			if (!rc && set->chip != HILT_ESP_UNKNOWN && img.chip != set->chip) {
				snprintf(why, sizeof(why), "built for %s, and the board is %s",
					 hilt_esp_chip_name(img.chip), hilt_esp_chip_name(set->chip));
				rc = -EBADMSG;
			}
			if (rc) {
				snprintf(err, errlen, "image %s at 0x%x: %s", im->path, im->offset, why);
				rc = -EBADMSG;
			} else {
				fo->chip = hilt_esp_chip_name(img.chip);
				fo->kind = img.has_app_desc ? "app" : "bootloader";
				if (img.has_app_desc) {
					snprintf(fo->version, sizeof(fo->version), "%s", img.app.version);
					snprintf(fo->project, sizeof(fo->project), "%s", img.app.project);
				}
			}
		} else if (len >= 2 && buf[0] == 0xAA && buf[1] == 0x50) {
			fo->kind = "partition-table";
			rc = hilt_esp_ptable_parse_bin(buf, len, table, why, sizeof(why));
			if (!rc && hilt_esp_ptable_check(table, 0, why, sizeof(why)))
				rc = -EINVAL;
			if (rc) {
				why[strcspn(why, "\n")] = '\0';
				snprintf(err, errlen, "partition table %s at 0x%x: %s", im->path,
					 im->offset, why);
				rc = -EBADMSG;
			} else {
				table_img = im;
			}
		}
		free(buf);
	}
	/* Each image past the bootloader and the table lies inside a
	 * partition of the table flashed with it. */
	for (size_t i = 0; i < set->n && !rc && table_img; i++) {
		const struct hilt_flash_image *im = &set->img[i];
		bool inside = false;
		struct stat st;

		if (im == table_img || im->offset < 0x9000 || stat(im->path, &st))
			continue;
		for (size_t k = 0; k < table->n && !inside; k++) {
			const struct hilt_esp_partition *p = &table->p[k];

			inside = im->offset >= p->offset &&
				 im->offset + (uint64_t)st.st_size <= (uint64_t)p->offset + p->size;
		}
		if (!inside) {
			snprintf(err, errlen, "image %s at 0x%x (%lld bytes) is not inside a partition of "
				 "%s", im->path, im->offset, (long long)st.st_size, table_img->path);
			rc = -EBADMSG;
		}
	}
	free(table);
	return rc;
}
