/* The images a board's flash step writes, verified before the flash
 * command runs: a truncated download, an image built for another chip, a
 * bad checksum or hash, a partition table that breaks ESP-IDF's rules or
 * an image outside its partition is refused before the board is touched,
 * and the night's result says so instead of blaming the firmware's boot. */
#ifndef HILT_FLASHIMG_H
#define HILT_FLASHIMG_H

#include <stddef.h>
#include <stdint.h>

struct hilt_flash_image {
	char *path;		/* relative ones taken from the farm's folder */
	uint32_t offset;
	long line;		/* in the farm file */
};

/* What a board's <flash> lists: its images, and the chip they are for
 * (HILT_ESP_UNKNOWN: not checked). */
struct hilt_flash_set {
	struct hilt_flash_image *img;
	size_t n;
	int chip;
};

/* What verification found of each image. */
struct hilt_flash_found {
	char name[256];		/* the file's name */
	char sha256[65];
	const char *kind;	/* "app", "bootloader", "partition-table", "data" */
	const char *chip;	/* of an app or bootloader image, else NULL */
	char version[33], project[33];
	uint32_t offset;
};

/* Reads and checks every image of set; found (set->n entries) is filled
 * as far as it got.  0; or -EBADMSG with the image, and what is wrong with
 * it, in err (a missing or unreadable file too: the build's fault, not the
 * board's). */
int hilt_flash_verify(const struct hilt_flash_set *set, struct hilt_flash_found *found,
		      char *err, size_t errlen);

void hilt_flash_set_free(struct hilt_flash_set *set);

#endif
