/* ESP32-family firmware as the boards boot it, read without esptool: the
 * application and bootloader image format (ESP32, S2, S3, C2, C3, C6, H2,
 * P4, and the ESP8266's first layout), and the binary or CSV partition
 * table.  The parsers face files from anywhere: every length is checked
 * against the file before it is used, and every mistake is a message that
 * says what and where. */
#ifndef HILT_ESPIMAGE_H
#define HILT_ESPIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HILT_ESP_SEGMENTS_MAX 16

enum hilt_esp_chip {
	HILT_ESP_UNKNOWN = -1,
	HILT_ESP32 = 0,
	HILT_ESP32S2 = 2,
	HILT_ESP32C3 = 5,
	HILT_ESP32S3 = 9,
	HILT_ESP32C2 = 12,
	HILT_ESP32C6 = 13,
	HILT_ESP32H2 = 16,
	HILT_ESP32P4 = 18,
	HILT_ESP8266 = 0x8266,	/* no chip id in its images: ours */
};

/* "esp32s3" for HILT_ESP32S3...; NULL for an unknown id. */
const char *hilt_esp_chip_name(int chip);
/* The chip of a name ("esp32s3", "ESP32-S3"); HILT_ESP_UNKNOWN if none. */
int hilt_esp_chip_parse(const char *name);

struct hilt_esp_segment {
	uint32_t addr, len;
	size_t offset;		/* of its data in the file */
	const char *region;	/* "IROM", "DRAM"...; "?" where the chip has none */
};

/* The application's description (esp_app_desc_t), when the first segment
 * holds one. */
struct hilt_esp_app_desc {
	char version[33], project[33], time[17], date[17], idf_ver[33];
	uint8_t elf_sha256[32];
	uint32_t secure_version;
};

/* A second-stage bootloader's description (esp_bootloader_desc_t). */
struct hilt_esp_boot_desc {
	uint32_t version;
	char idf_ver[33], date_time[25];
};

struct hilt_esp_image {
	int chip;		/* from the extended header; HILT_ESP8266 for v1 */
	uint8_t nsegments, flash_mode, flash_size_code, flash_freq_code;
	uint32_t entry;
	/* The extended header (not in ESP8266 images). */
	uint8_t wp_pin;
	uint16_t min_rev_full, max_rev_full;
	bool hash_appended;
	struct hilt_esp_segment seg[HILT_ESP_SEGMENTS_MAX];
	uint8_t checksum, checksum_computed;
	size_t checksum_offset;
	uint8_t sha256[32], sha256_computed[32];
	size_t image_len;	/* header to checksum, and the hash when appended */
	size_t trailing;	/* bytes after the image */
	bool has_app_desc, has_boot_desc;
	struct hilt_esp_app_desc app;
	struct hilt_esp_boot_desc boot;
};

/* The names of the header's codes, as esptool prints them. */
const char *hilt_esp_flash_mode(uint8_t code);
const char *hilt_esp_flash_size(int chip, uint8_t code);
const char *hilt_esp_flash_freq(int chip, uint8_t code);

/* Reads the image in buf (len bytes).  chip: what the caller knows it is
 * for (HILT_ESP8266 for the first layout), or HILT_ESP_UNKNOWN to tell by
 * its header.  0 when it is an image whose layout holds: its checksum and
 * hash are then in img, to be judged by hilt_esp_image_verify(); -EINVAL
 * with what is wrong and where in err otherwise. */
int hilt_esp_image_parse(const uint8_t *buf, size_t len, int chip, struct hilt_esp_image *img,
			 char *err, size_t errlen);

/* 0 when the checksum and (when appended) the SHA-256 are the image's;
 * -EBADMSG with which is wrong in err. */
int hilt_esp_image_verify(const struct hilt_esp_image *img, char *err, size_t errlen);

/* ---- partition tables ---- */

#define HILT_ESP_PT_MAX_LEN 0xC00	/* what the bootloader reads */
#define HILT_ESP_PT_ENTRIES_MAX 95

struct hilt_esp_partition {
	char name[17];
	uint8_t type, subtype;
	uint32_t offset, size, flags;
	long line;		/* of the CSV; 0 from a binary table */
};

struct hilt_esp_ptable {
	struct hilt_esp_partition p[HILT_ESP_PT_ENTRIES_MAX];
	size_t n;
	bool has_md5, md5_ok;
	size_t trailing;	/* bytes after the table's 0xC00 */
};

/* A binary table (buf, len).  0, or -EINVAL with what and where (its entry
 * or byte) in err. */
int hilt_esp_ptable_parse_bin(const uint8_t *buf, size_t len, struct hilt_esp_ptable *t,
			      char *err, size_t errlen);

/* A CSV table (text, NUL-terminated) as ESP-IDF's generator reads it:
 * offsets left out are placed after the one before (the table itself at
 * 0x8000 takes 0x1000), sizes with K and M suffixes.  0, or -EINVAL with
 * "line N: what" in err. */
int hilt_esp_ptable_parse_csv(const char *text, struct hilt_esp_ptable *t, char *err,
			      size_t errlen);

/* The checks of ESP-IDF's generator: no overlaps, app partitions aligned
 * to 0x10000 and data to 0x1000, none past flash_size (0: not checked),
 * no duplicate names.  Every problem, one a line, into err; returns how
 * many. */
size_t hilt_esp_ptable_check(const struct hilt_esp_ptable *t, uint32_t flash_size, char *err,
			     size_t errlen);

/* Writes the table as ESP-IDF's generator prints it (a CSV). */
void hilt_esp_ptable_csv(const struct hilt_esp_ptable *t, FILE *f);

/* A size or an offset as ESP-IDF writes them: decimal or 0x hex, with K
 * or M.  false when not one, or past 32 bits. */
bool hilt_esp_parse_size(const char *s, uint32_t *out);

/* "nvs", "factory"...; NULL when the type/subtype has no name. */
const char *hilt_esp_ptype_name(uint8_t type);
const char *hilt_esp_psubtype_name(uint8_t type, uint8_t subtype);

#endif
