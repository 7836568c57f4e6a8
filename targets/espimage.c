#define _GNU_SOURCE
#include "targets/espimage.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/md5.h"
#include "base/sha256.h"

static const struct {
	int id;
	const char *name;
} chips[] = {
	{ HILT_ESP32, "esp32" },     { HILT_ESP32S2, "esp32s2" }, { HILT_ESP32C3, "esp32c3" },
	{ HILT_ESP32S3, "esp32s3" }, { HILT_ESP32C2, "esp32c2" }, { HILT_ESP32C6, "esp32c6" },
	{ HILT_ESP32H2, "esp32h2" }, { HILT_ESP32P4, "esp32p4" }, { HILT_ESP8266, "esp8266" },
};

const char *hilt_esp_chip_name(int chip)
{
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (chips[i].id == chip)
			return chips[i].name;
	return NULL;
}

int hilt_esp_chip_parse(const char *name)
{
	char plain[16];
	size_t n = 0;

	/* "ESP32-S3", "esp32_s3" and "esp32s3" are one chip. */
	for (const char *p = name; *p && n + 1 < sizeof(plain); p++)
		if (isalnum((unsigned char)*p))
			plain[n++] = (char)tolower((unsigned char)*p);
	plain[n] = '\0';
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (!strcmp(chips[i].name, plain))
			return chips[i].id;
	return HILT_ESP_UNKNOWN;
}

const char *hilt_esp_flash_mode(uint8_t code)
{
	static const char *const m[] = { "QIO", "QOUT", "DIO", "DOUT", "FAST_READ", "SLOW_READ" };

	return code < sizeof(m) / sizeof(m[0]) ? m[code] : "?";
}

const char *hilt_esp_flash_size(int chip, uint8_t code)
{
	static const char *const s[] = { "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB",
					 "128MB" };
	/* The ESP8266 counts its own way, with the two 1024+1024 maps. */
	static const char *const s8266[] = { "512KB", "256KB", "1MB", "2MB", "4MB",
					     "2MB-c1", "4MB-c1", "?", "8MB", "16MB" };

	if (chip == HILT_ESP8266)
		return code < sizeof(s8266) / sizeof(s8266[0]) ? s8266[code] : "?";
	return code < sizeof(s) / sizeof(s[0]) ? s[code] : "?";
}

const char *hilt_esp_flash_freq(int chip, uint8_t code)
{
	if (chip == HILT_ESP8266 || chip == HILT_ESP32 || chip == HILT_ESP32S2 ||
	    chip == HILT_ESP32S3 || chip == HILT_ESP32C3) {
		switch (code) {
		case 0x0: return "40m";
		case 0x1: return "26m";
		case 0x2: return "20m";
		case 0xf: return "80m";
		}
	}
	switch (code) {		/* the later chips' own codes */
	case 0x0: return chip == HILT_ESP32C2 ? "30m" : chip == HILT_ESP32H2 ? "24m" : "40m";
	case 0x1: return chip == HILT_ESP32C2 ? "20m" : "26m";
	case 0x2: return chip == HILT_ESP32C2 ? "15m" : "20m";
	case 0xf: return chip == HILT_ESP32C2 ? "60m" : chip == HILT_ESP32H2 ? "48m" : "80m";
	}
	return "?";
}

/* ---- images ---- */

struct region {
	uint32_t lo, hi;
	const char *name;
};

/* Where a segment lands, by chip (each chip's technical reference
 * manual's address map); a segment anywhere else is "?". */
static const char *region_of(int chip, uint32_t addr)
{
	static const struct region esp32[] = {
		{ 0x3F400000, 0x3F800000, "DROM" }, { 0x3F800000, 0x3FC00000, "EXTRAM_DATA" },
		{ 0x3FF80000, 0x3FF82000, "RTC_DRAM" }, { 0x3FFAE000, 0x40000000, "DRAM" },
		{ 0x40070000, 0x400A0000, "IRAM" }, { 0x400C0000, 0x400C2000, "RTC_IRAM" },
		{ 0x400D0000, 0x40400000, "IROM" }, { 0x50000000, 0x50002000, "RTC_DATA" },
		{ 0 },
	};
	static const struct region esp32s2[] = {
		{ 0x3F000000, 0x3FF80000, "DROM" }, { 0x3FFB0000, 0x40000000, "DRAM" },
		{ 0x40020000, 0x40070000, "IRAM" }, { 0x40070000, 0x40080000, "RTC_IRAM" },
		{ 0x40080000, 0x40800000, "IROM" }, { 0x50000000, 0x50002000, "RTC_DATA" },
		{ 0 },
	};
	static const struct region esp32s3[] = {
		{ 0x3C000000, 0x3E000000, "DROM" }, { 0x3FC88000, 0x3FD00000, "DRAM" },
		{ 0x40370000, 0x403E0000, "IRAM" }, { 0x42000000, 0x44000000, "IROM" },
		{ 0x50000000, 0x50002000, "RTC_DATA" }, { 0x600FE000, 0x60100000, "RTC_IRAM" },
		{ 0 },
	};
	static const struct region riscv[] = {	/* C2, C3, C6, H2: alike */
		{ 0x3C000000, 0x3C800000, "DROM" }, { 0x3FC80000, 0x3FD00000, "DRAM" },
		{ 0x40370000, 0x403E0000, "IRAM" }, { 0x40800000, 0x40880000, "HP_SRAM" },
		{ 0x42000000, 0x43000000, "IROM" }, { 0x50000000, 0x50004000, "RTC_DATA" },
		{ 0 },
	};
	static const struct region esp8266[] = {
		{ 0x3FFE8000, 0x40000000, "DRAM" }, { 0x40100000, 0x40108000, "IRAM" },
		{ 0x40200000, 0x40300000, "IROM" }, { 0x60001200, 0x60001400, "RTC_DATA" },
		{ 0 },
	};
	const struct region *r = chip == HILT_ESP32	 ? esp32
				 : chip == HILT_ESP32S2	 ? esp32s2
				 : chip == HILT_ESP32S3	 ? esp32s3
				 : chip == HILT_ESP8266	 ? esp8266
				 : chip == HILT_ESP32P4 ? NULL
							 : riscv;

	for (; r && r->name; r++)
		if (addr >= r->lo && addr < r->hi)
			return r->name;
	return "?";
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A fixed-size C string field: up to its NUL, bytes shown as they are
 * (the caller makes them inert). */
static void field(char *out, size_t outlen, const uint8_t *p, size_t n)
{
	size_t k = 0;

	while (k < n && k + 1 < outlen && p[k])
		k++;
	memcpy(out, p, k);
	out[k] = '\0';
}

#define APP_DESC_MAGIC 0xABCD5432u
#define BOOT_DESC_MAGIC 0x50

static void descriptions(const uint8_t *buf, struct hilt_esp_image *img)
{
	const struct hilt_esp_segment *s = &img->seg[0];
	const uint8_t *d = buf + s->offset;

	if (!img->nsegments)
		return;
	if (s->len >= 256 && le32(d) == APP_DESC_MAGIC) {
		img->has_app_desc = true;
		img->app.secure_version = le32(d + 4);
		field(img->app.version, sizeof(img->app.version), d + 16, 32);
		field(img->app.project, sizeof(img->app.project), d + 48, 32);
		field(img->app.time, sizeof(img->app.time), d + 80, 16);
		field(img->app.date, sizeof(img->app.date), d + 96, 16);
		field(img->app.idf_ver, sizeof(img->app.idf_ver), d + 112, 32);
		memcpy(img->app.elf_sha256, d + 144, 32);
	} else if (s->len >= 80 && d[0] == BOOT_DESC_MAGIC) {
		img->has_boot_desc = true;
		img->boot.version = le32(d + 4);
		field(img->boot.idf_ver, sizeof(img->boot.idf_ver), d + 8, 32);
		field(img->boot.date_time, sizeof(img->boot.date_time), d + 40, 24);
	}
}

int hilt_esp_image_parse(const uint8_t *buf, size_t len, int chip, struct hilt_esp_image *img,
			 char *err, size_t errlen)
{
	size_t off;

	memset(img, 0, sizeof(*img));
	if (len < 8)
		return bad(err, errlen, "%zu bytes: shorter than an image's 8-byte header", len);
	if (buf[0] != 0xE9)
		return bad(err, errlen, "byte 0 is 0x%02x, not the image magic 0xe9 (not an ESP "
			   "application or bootloader image)", buf[0]);
	img->nsegments = buf[1];
	img->flash_mode = buf[2];
	img->flash_size_code = buf[3] >> 4;
	img->flash_freq_code = buf[3] & 0xF;
	img->entry = le32(buf + 4);
	if (img->nsegments == 0 || img->nsegments > HILT_ESP_SEGMENTS_MAX)
		return bad(err, errlen, "byte 1: %u segments (an image has 1 to %d)",
			   img->nsegments, HILT_ESP_SEGMENTS_MAX);
	/* The ESP8266's first layout has no extended header; its entry point
	 * is in its IRAM. */
	if (chip == HILT_ESP_UNKNOWN)
		chip = img->entry >= 0x40100000 && img->entry < 0x40108000 ? HILT_ESP8266 : chip;
	if (chip == HILT_ESP8266) {
		img->chip = HILT_ESP8266;
		off = 8;
	} else {
		if (len < 24)
			return bad(err, errlen, "%zu bytes: shorter than the 24-byte header of an "
				   "ESP32-family image", len);
		img->wp_pin = buf[8];
		img->chip = le16(buf + 12);
		img->min_rev_full = le16(buf + 15);
		img->max_rev_full = le16(buf + 17);
		img->hash_appended = buf[23] == 1;
		if (!hilt_esp_chip_name(img->chip))
			return bad(err, errlen, "bytes 12-13: chip id %u is no ESP32-family chip",
				   img->chip);
		if (buf[23] > 1)
			return bad(err, errlen, "byte 23: hash-appended flag %u (0 or 1)", buf[23]);
		off = 24;
	}
	for (unsigned i = 0; i < img->nsegments; i++) {
		struct hilt_esp_segment *s = &img->seg[i];

		if (len - off < 8)
			return bad(err, errlen, "segment %u: its header at byte %zu is past the end "
				   "of the file (%zu bytes): truncated", i, off, len);
		s->addr = le32(buf + off);
		s->len = le32(buf + off + 4);
		s->offset = off + 8;
		s->region = region_of(img->chip, s->addr);
		if (s->len > len - s->offset)
			return bad(err, errlen, "segment %u: %u bytes from byte %zu run past the end "
				   "of the file (%zu bytes): truncated", i, s->len, s->offset, len);
		off = s->offset + s->len;
	}
	/* Zeros up to one byte before a multiple of 16, then the checksum. */
	img->checksum_offset = (off | 15);
	if (img->checksum_offset >= len)
		return bad(err, errlen, "the checksum byte at %zu is past the end of the file (%zu "
			   "bytes): truncated", img->checksum_offset, len);
	img->checksum = buf[img->checksum_offset];
	img->checksum_computed = 0xEF;
	for (unsigned i = 0; i < img->nsegments; i++)
		for (uint32_t k = 0; k < img->seg[i].len; k++)
			img->checksum_computed ^= buf[img->seg[i].offset + k];
	img->image_len = img->checksum_offset + 1;
	if (img->hash_appended) {
		if (len - img->image_len < 32)
			return bad(err, errlen, "the appended SHA-256 at byte %zu is past the end of "
				   "the file (%zu bytes): truncated", img->image_len, len);
		memcpy(img->sha256, buf + img->image_len, 32);
		if (hilt_sha256_buf(buf, img->image_len, img->sha256_computed) < 0)
			return bad(err, errlen, "out of memory hashing the image");
		img->image_len += 32;
	}
	img->trailing = len - img->image_len;
	descriptions(buf, img);
	return 0;
}

int hilt_esp_image_verify(const struct hilt_esp_image *img, char *err, size_t errlen)
{
	if (img->checksum != img->checksum_computed) {
		snprintf(err, errlen, "bad checksum: byte 0x%zx is 0x%02x, the segments' XOR is "
			 "0x%02x (a segment's bytes changed)", img->checksum_offset, img->checksum,
			 img->checksum_computed);
		return -EBADMSG;
	}
	if (img->hash_appended && memcmp(img->sha256, img->sha256_computed, 32)) {
		snprintf(err, errlen, "bad SHA-256: the hash appended at byte 0x%zx is not that of "
			 "the image's first %zu bytes", img->checksum_offset + 1,
			 img->checksum_offset + 1);
		return -EBADMSG;
	}
	return 0;
}

/* ---- partition tables ---- */

static const struct {
	uint8_t type, subtype;
	const char *name;
} subtypes[] = {
	{ 0x00, 0x00, "factory" }, { 0x00, 0x20, "test" },
	{ 0x01, 0x00, "ota" },	   { 0x01, 0x01, "phy" },      { 0x01, 0x02, "nvs" },
	{ 0x01, 0x03, "coredump" }, { 0x01, 0x04, "nvs_keys" }, { 0x01, 0x05, "efuse" },
	{ 0x01, 0x06, "undefined" }, { 0x01, 0x80, "esphttpd" }, { 0x01, 0x81, "fat" },
	{ 0x01, 0x82, "spiffs" },  { 0x01, 0x83, "littlefs" },
};

const char *hilt_esp_ptype_name(uint8_t type)
{
	return type == 0 ? "app" : type == 1 ? "data" : NULL;
}

const char *hilt_esp_psubtype_name(uint8_t type, uint8_t subtype)
{
	static char ota[16][8];

	if (type == 0 && subtype >= 0x10 && subtype < 0x20) {
		snprintf(ota[subtype - 0x10], sizeof(ota[0]), "ota_%u", subtype - 0x10);
		return ota[subtype - 0x10];
	}
	for (size_t i = 0; i < sizeof(subtypes) / sizeof(subtypes[0]); i++)
		if (subtypes[i].type == type && subtypes[i].subtype == subtype)
			return subtypes[i].name;
	return NULL;
}

int hilt_esp_ptable_parse_bin(const uint8_t *buf, size_t len, struct hilt_esp_ptable *t,
			      char *err, size_t errlen)
{
	size_t off;

	memset(t, 0, sizeof(*t));
	if (len > HILT_ESP_PT_MAX_LEN)
		t->trailing = len - HILT_ESP_PT_MAX_LEN;
	for (off = 0; off + 32 <= len && off < HILT_ESP_PT_MAX_LEN; off += 32) {
		const uint8_t *e = buf + off;
		bool blank = true;

		for (int k = 0; k < 32 && blank; k++)
			blank = e[k] == 0xFF;
		if (blank)
			return t->n ? 0 : bad(err, errlen, "entry 0 (byte 0) is blank: no partition");
		if (e[0] == 0xEB && e[1] == 0xEB) {
			uint8_t md5[16];

			hilt_md5(buf, off, md5);
			t->has_md5 = true;
			t->md5_ok = !memcmp(md5, e + 16, 16);
			if (!t->md5_ok)
				return bad(err, errlen, "entry %zu (byte %zu): the MD5 row does not match "
					   "the %zu entries before it (the table changed)", off / 32,
					   off, off / 32);
			continue;
		}
		if (e[0] != 0xAA || e[1] != 0x50)
			return bad(err, errlen, "entry %zu (byte %zu): magic %02x %02x, not aa 50 (a "
				   "partition), eb eb (the MD5 row) or an end of table", off / 32, off,
				   e[0], e[1]);
		if (t->n == HILT_ESP_PT_ENTRIES_MAX)
			return bad(err, errlen, "entry %zu: more partitions than fit in 0x%x bytes",
				   off / 32, HILT_ESP_PT_MAX_LEN);
		struct hilt_esp_partition *p = &t->p[t->n++];

		p->type = e[2];
		p->subtype = e[3];
		p->offset = le32(e + 4);
		p->size = le32(e + 8);
		field(p->name, sizeof(p->name), e + 12, 16);
		p->flags = le32(e + 28);
	}
	if (off >= HILT_ESP_PT_MAX_LEN)
		return bad(err, errlen, "no end of table within 0x%x bytes", HILT_ESP_PT_MAX_LEN);
	return bad(err, errlen, "%zu bytes: the table ends inside entry %zu, with no end marker "
		   "(truncated)", len, off / 32);
}

bool hilt_esp_parse_size(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end || v > 0xFFFFFFFFull)
		return false;
	*out = (uint32_t)v;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool csv_type(const char *s, uint8_t *out)
{
	uint32_t v;

	if (!strcmp(s, "app"))
		*out = 0;
	else if (!strcmp(s, "data"))
		*out = 1;
	else if (hilt_esp_parse_size(s, &v) && v <= 0xFE)
		*out = (uint8_t)v;
	else
		return false;
	return true;
}

static bool csv_subtype(uint8_t type, const char *s, uint8_t *out)
{
	uint32_t v;

	if (type == 0 && !strncmp(s, "ota_", 4) && hilt_esp_parse_size(s + 4, &v) && v < 16) {
		*out = (uint8_t)(0x10 + v);
		return true;
	}
	for (size_t i = 0; i < sizeof(subtypes) / sizeof(subtypes[0]); i++)
		if (subtypes[i].type == type && !strcmp(subtypes[i].name, s)) {
			*out = subtypes[i].subtype;
			return true;
		}
	if (hilt_esp_parse_size(s, &v) && v <= 0xFE) {
		*out = (uint8_t)v;
		return true;
	}
	return false;
}

int hilt_esp_ptable_parse_csv(const char *text, struct hilt_esp_ptable *t, char *err,
			      size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *line;
	uint32_t next = 0x9000;	/* after the table at 0x8000 */
	long lineno = 0;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!copy)
		return bad(err, errlen, "out of memory");
	for (char *p = copy; !rc && (line = strsep(&p, "\n"));) {
		char *f[6] = { 0 };
		int nf = 0;

		(void)save;
		lineno++;
		line[strcspn(line, "#\r")] = '\0';
		if (!*trim(line))
			continue;
		for (char *q = line; nf < 6 && q;)
			f[nf++] = trim(strsep(&q, ","));
		if (nf < 5) {
			rc = bad(err, errlen, "line %ld: %d fields, not Name, Type, SubType, Offset, "
				 "Size[, Flags]", lineno, nf);
			break;
		}
		if (t->n == HILT_ESP_PT_ENTRIES_MAX) {
			rc = bad(err, errlen, "line %ld: more partitions than a table holds", lineno);
			break;
		}
		struct hilt_esp_partition *e = &t->p[t->n];

		e->line = lineno;
		if (!*f[0] || strlen(f[0]) > 16) {
			rc = bad(err, errlen, "line %ld: name '%s': 1 to 16 characters", lineno, f[0]);
		} else if (!csv_type(f[1], &e->type)) {
			rc = bad(err, errlen, "line %ld: type '%s': app, data or a number below 0xff",
				 lineno, f[1]);
		} else if (!csv_subtype(e->type, f[2], &e->subtype)) {
			rc = bad(err, errlen, "line %ld: subtype '%s' of type %s", lineno, f[2], f[1]);
		} else if (*f[3] && !hilt_esp_parse_size(f[3], &e->offset)) {
			rc = bad(err, errlen, "line %ld: offset '%s': a number (0x9000, 36K)", lineno,
				 f[3]);
		} else if (!hilt_esp_parse_size(f[4], &e->size) || !e->size) {
			rc = bad(err, errlen, "line %ld: size '%s': a number, with K or M (20K, 1M)",
				 lineno, f[4]);
		}
		if (rc)
			break;
		snprintf(e->name, sizeof(e->name), "%s", f[0]);
		if (!*f[3]) {
			uint32_t align = e->type == 0 ? 0x10000 : 0x1000;

			e->offset = (next + align - 1) / align * align;
		}
		for (char *fl = nf > 5 ? f[5] : NULL, *w; fl && (w = strsep(&fl, ":"));) {
			w = trim(w);
			if (!strcmp(w, "encrypted"))
				e->flags |= 1;
			else if (!strcmp(w, "readonly"))
				e->flags |= 2;
			else if (*w)
				rc = bad(err, errlen, "line %ld: flag '%s': encrypted or readonly",
					 lineno, w);
		}
		next = e->offset + e->size;
		t->n++;
	}
	free(copy);
	if (!rc && !t->n)
		rc = bad(err, errlen, "no partition in it");
	return rc;
}

static int line_of(const struct hilt_esp_partition *p, char *buf, size_t len)
{
	return p->line ? snprintf(buf, len, "line %ld: ", p->line) : snprintf(buf, len, "%s", "");
}

size_t hilt_esp_ptable_check(const struct hilt_esp_ptable *t, uint32_t flash_size, char *err,
			     size_t errlen)
{
	size_t problems = 0, used = 0;
	char where[32];

	err[0] = '\0';
#define PROBLEM(...)                                                                   \
	do {                                                                           \
		problems++;                                                            \
		if (used < errlen) {                                                   \
			int w = snprintf(err + used, errlen - used, "%s", used ? "\n" : ""); \
			used += w > 0 ? (size_t)w : 0;                                 \
		}                                                                      \
		if (used < errlen) {                                                   \
			int w = snprintf(err + used, errlen - used, __VA_ARGS__);       \
			used += w > 0 ? (size_t)w : 0;                                 \
		}                                                                      \
	} while (0)
	for (size_t i = 0; i < t->n; i++) {
		const struct hilt_esp_partition *p = &t->p[i];
		uint32_t align = p->type == 0 ? 0x10000 : 0x1000;

		line_of(p, where, sizeof(where));
		if (p->offset % align)
			PROBLEM("%spartition '%s' at 0x%x: %s partitions are aligned to 0x%x", where,
				p->name, p->offset, p->type == 0 ? "app" : "data", align);
		if (p->offset < 0x9000 && p->offset + (uint64_t)p->size > 0x8000)
			PROBLEM("%spartition '%s' (0x%x-0x%llx) overlaps the partition table at "
				"0x8000", where, p->name, p->offset,
				(unsigned long long)p->offset + p->size);
		if (flash_size && (uint64_t)p->offset + p->size > flash_size)
			PROBLEM("%spartition '%s' ends at 0x%llx, past the flash's 0x%x bytes", where,
				p->name, (unsigned long long)p->offset + p->size, flash_size);
		for (size_t k = 0; k < i; k++) {
			const struct hilt_esp_partition *q = &t->p[k];

			if (!strcmp(p->name, q->name))
				PROBLEM("%spartition name '%s' is used twice", where, p->name);
			if (p->offset < (uint64_t)q->offset + q->size &&
			    q->offset < (uint64_t)p->offset + p->size)
				PROBLEM("%spartition '%s' (0x%x-0x%llx) overlaps '%s' (0x%x-0x%llx)",
					where, p->name, p->offset,
					(unsigned long long)p->offset + p->size, q->name, q->offset,
					(unsigned long long)q->offset + q->size);
		}
	}
	if ((t->n + t->has_md5) * 32 > HILT_ESP_PT_MAX_LEN - 32)
		PROBLEM("%zu entries: more than the 0x%x bytes of a table hold", t->n,
			HILT_ESP_PT_MAX_LEN);
#undef PROBLEM
	return problems;
}

/* As ESP-IDF's generator prints a size: in M or K when whole, else hex. */
static void size_text(FILE *f, uint32_t v)
{
	if (v && v % 0x100000 == 0)
		fprintf(f, "%uM", v / 0x100000);
	else if (v && v % 0x400 == 0)
		fprintf(f, "%uK", v / 0x400);
	else
		fprintf(f, "0x%x", v);
}

void hilt_esp_ptable_csv(const struct hilt_esp_ptable *t, FILE *f)
{
	fputs("# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const struct hilt_esp_partition *p = &t->p[i];
		const char *type = hilt_esp_ptype_name(p->type);
		const char *sub = hilt_esp_psubtype_name(p->type, p->subtype);

		/* The name: printable characters only. */
		for (const char *c = p->name; *c; c++)
			fputc(isprint((unsigned char)*c) && *c != ',' ? *c : '?', f);
		if (type)
			fprintf(f, ",%s", type);
		else
			fprintf(f, ",%u", p->type);
		if (sub)
			fprintf(f, ",%s", sub);
		else
			fprintf(f, ",%u", p->subtype);
		fprintf(f, ",0x%x,", p->offset);
		size_text(f, p->size);
		fputc(',', f);
		if (p->flags & 1)
			fputs(p->flags & 2 ? "encrypted:readonly" : "encrypted", f);
		else if (p->flags & 2)
			fputs("readonly", f);
		fputc('\n', f);
	}
}
