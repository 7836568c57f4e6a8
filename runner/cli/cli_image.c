/* hilt image: ESP32-family firmware images and partition tables, read and
 * checked without esptool (info, parttable), and one flash image made of
 * several (merge). */
#define _GNU_SOURCE
#include "runner/cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "base/atomic.h"
#include "targets/espimage.h"
#include "base/text.h"

/* Files larger than this are not firmware of these chips' flash. */
#define FILE_MAX (256u << 20)

const char hilt_image_usage[] =
	"usage: hilt image info [--chip CHIP] [--format text|json] FILE\n"
	"       hilt image parttable [--flash-size SIZE] [--format csv|json] FILE\n"
	"       hilt image merge --chip CHIP [--pad-to-size SIZE] -o FLASH.bin\n"
	"                        OFFSET FILE [OFFSET FILE]...\n"
	"\n"
	"info       an ESP application or bootloader image: chip, flash settings,\n"
	"           entry, segments (where each lands), the checksum and the\n"
	"           appended SHA-256, both verified, and the application's or\n"
	"           bootloader's description.  ESP8266 images (the first layout)\n"
	"           are told by their entry point, or --chip esp8266.\n"
	"parttable  a partition table, binary (its MD5 row verified) or CSV, printed\n"
	"           as ESP-IDF's CSV and checked as ESP-IDF's generator does\n"
	"           (overlaps, alignment, duplicate names, past --flash-size).\n"
	"merge      one flash image of images at their offsets, for QEMU's\n"
	"           -drive if=mtd: gaps 0xff, padded to --pad-to-size; refuses\n"
	"           overlaps and application images built for another chip.\n"
	"\n"
	"CHIP: esp32, esp32s2, esp32s3, esp32c2, esp32c3, esp32c6, esp32h2, esp32p4,\n"
	"esp8266.  SIZE: bytes, or with K or M (4M, 0x400000).\n"
	"\n"
	"exit status: 0 valid (written), 1 an image or table that is not (bad\n"
	"checksum, SHA-256 or MD5; a table that breaks ESP-IDF's rules), 2 usage\n"
	"error, or a file that cannot be read as what was asked, 3 the output\n"
	"could not be written.\n";

/* The whole file, at most FILE_MAX bytes.  0, or -errno with the reason
 * printed. */
static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	struct stat st;
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (!f || fstat(fileno(f), &st)) {
		rc = -errno;
		fprintf(stderr, "hilt: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > FILE_MAX) {
		fprintf(stderr, "hilt: %s: %s\n", path,
			S_ISREG(st.st_mode) ? "larger than 256 MiB: not a firmware image"
					    : "not a regular file");
		rc = -EINVAL;
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		rc = -ENOMEM;
		fprintf(stderr, "hilt: %s: out of memory\n", path);
		goto out;
	}
	*len = fread(*buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		rc = -EIO;
		fprintf(stderr, "hilt: %s: cannot read it\n", path);
	}
	(*buf)[*len] = 0;
out:
	if (f)
		fclose(f);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* A size: decimal or 0x hex, with K or M (and "4MB" as the sizes are
 * printed).  false when not. */
static bool parse_size(const char *s, uint32_t *out)
{
	char plain[32];
	size_t n = strlen(s);

	if (n >= sizeof(plain))
		return false;
	memcpy(plain, s, n + 1);
	if (n > 2 && (plain[n - 1] == 'B' || plain[n - 1] == 'b') &&
	    strchr("KkMm", plain[n - 2]))
		plain[n - 1] = '\0';
	return hilt_esp_parse_size(plain, out);
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* A string from the file, inert on a terminal. */
static void text(FILE *f, const char *s)
{
	char *clean = hilt_text_inert(s, strlen(s), HILT_TEXT_TERMINAL);

	fputs(clean ? clean : "?", f);
	free(clean);
}

static void revisions(FILE *f, const struct hilt_esp_image *img)
{
	fprintf(f, "v%u.%u", img->min_rev_full / 100, img->min_rev_full % 100);
	if (img->max_rev_full && img->max_rev_full != 0xFFFF)
		fprintf(f, " to v%u.%u", img->max_rev_full / 100, img->max_rev_full % 100);
	else
		fputs(" and later", f);
}

static void info_text(FILE *f, const char *path, size_t len, const struct hilt_esp_image *img,
		      const char *problem)
{
	const char *chip = hilt_esp_chip_name(img->chip);

	fprintf(f, "%s: %s image for %s, %zu bytes\n", path,
		img->has_app_desc ? "application" : img->has_boot_desc ? "bootloader" : "firmware",
		chip, len);
	if (img->chip != HILT_ESP8266) {
		fprintf(f, "  chip          %s (chip id %d), revision ", chip, img->chip);
		revisions(f, img);
		fputc('\n', f);
	}
	fprintf(f, "  entry         0x%08x\n", img->entry);
	fprintf(f, "  flash         %s, %s, %s\n", hilt_esp_flash_mode(img->flash_mode),
		hilt_esp_flash_size(img->chip, img->flash_size_code),
		hilt_esp_flash_freq(img->chip, img->flash_freq_code));
	if (img->chip != HILT_ESP8266)
		fprintf(f, "  wp pin        %s\n", img->wp_pin == 0xEE ? "disabled" : "set");
	fprintf(f, "  segments      %u\n", img->nsegments);
	for (unsigned i = 0; i < img->nsegments; i++)
		fprintf(f, "    %2u  load 0x%08x  %7u bytes  at file offset 0x%06zx  %s\n", i,
			img->seg[i].addr, img->seg[i].len, img->seg[i].offset, img->seg[i].region);
	fprintf(f, "  checksum      0x%02x at 0x%zx: %s\n", img->checksum, img->checksum_offset,
		img->checksum == img->checksum_computed ? "valid" : "INVALID");
	if (img->hash_appended) {
		fputs("  sha256        ", f);
		hex(f, img->sha256, 32);
		fprintf(f, ": %s\n", memcmp(img->sha256, img->sha256_computed, 32) ? "INVALID"
										    : "valid");
	} else {
		fputs("  sha256        none appended\n", f);
	}
	if (img->has_app_desc) {
		fputs("  project       ", f);
		text(f, img->app.project);
		fputs("\n  version       ", f);
		text(f, img->app.version);
		fputs("\n  idf           ", f);
		text(f, img->app.idf_ver);
		fputs("\n  built         ", f);
		text(f, img->app.date);
		fputc(' ', f);
		text(f, img->app.time);
		fputs("\n  elf sha256    ", f);
		hex(f, img->app.elf_sha256, 32);
		fprintf(f, "\n  secure ver    %u\n", img->app.secure_version);
	} else if (img->has_boot_desc) {
		fprintf(f, "  bootloader    version %u, idf ", img->boot.version);
		text(f, img->boot.idf_ver);
		fputs(", built ", f);
		text(f, img->boot.date_time);
		fputc('\n', f);
	}
	if (img->trailing)
		fprintf(f, "  trailing      %zu bytes after the image (not part of it)\n",
			img->trailing);
	if (problem)
		fprintf(f, "  problem       %s\n", problem);
}

static void info_json(FILE *f, const char *path, size_t len, const struct hilt_esp_image *img,
		      const char *problem)
{
	fputs("{\"file\": ", f);
	hilt_json_str(f, path);
	fprintf(f, ", \"bytes\": %zu, \"chip\": \"%s\", \"chip_id\": %d, \"entry\": %u, "
		"\"flash_mode\": \"%s\", \"flash_size\": \"%s\", \"flash_freq\": \"%s\"", len,
		hilt_esp_chip_name(img->chip), img->chip == HILT_ESP8266 ? -1 : img->chip,
		img->entry, hilt_esp_flash_mode(img->flash_mode),
		hilt_esp_flash_size(img->chip, img->flash_size_code),
		hilt_esp_flash_freq(img->chip, img->flash_freq_code));
	if (img->chip != HILT_ESP8266)
		fprintf(f, ", \"min_rev_full\": %u, \"max_rev_full\": %u, \"wp_pin\": %u",
			img->min_rev_full, img->max_rev_full, img->wp_pin);
	fputs(", \"segments\": [", f);
	for (unsigned i = 0; i < img->nsegments; i++)
		fprintf(f, "%s{\"load\": %u, \"length\": %u, \"offset\": %zu, \"region\": \"%s\"}",
			i ? ", " : "", img->seg[i].addr, img->seg[i].len, img->seg[i].offset,
			img->seg[i].region);
	fprintf(f, "], \"checksum\": %u, \"checksum_valid\": %s", img->checksum,
		img->checksum == img->checksum_computed ? "true" : "false");
	if (img->hash_appended) {
		fputs(", \"sha256\": \"", f);
		hex(f, img->sha256, 32);
		fprintf(f, "\", \"sha256_valid\": %s",
			memcmp(img->sha256, img->sha256_computed, 32) ? "false" : "true");
	}
	if (img->has_app_desc) {
		fputs(", \"app\": {\"project\": ", f);
		hilt_json_str(f, img->app.project);
		fputs(", \"version\": ", f);
		hilt_json_str(f, img->app.version);
		fputs(", \"idf\": ", f);
		hilt_json_str(f, img->app.idf_ver);
		fputs(", \"date\": ", f);
		hilt_json_str(f, img->app.date);
		fputs(", \"time\": ", f);
		hilt_json_str(f, img->app.time);
		fputs(", \"elf_sha256\": \"", f);
		hex(f, img->app.elf_sha256, 32);
		fprintf(f, "\", \"secure_version\": %u}", img->app.secure_version);
	}
	if (img->has_boot_desc) {
		fprintf(f, ", \"bootloader\": {\"version\": %u, \"idf\": ", img->boot.version);
		hilt_json_str(f, img->boot.idf_ver);
		fputs(", \"date_time\": ", f);
		hilt_json_str(f, img->boot.date_time);
		fputc('}', f);
	}
	fprintf(f, ", \"trailing\": %zu, \"valid\": %s", img->trailing, problem ? "false" : "true");
	if (problem) {
		fputs(", \"problem\": ", f);
		hilt_json_str(f, problem);
	}
	fputs("}\n", f);
}

/* What every subcommand does with --help and a bad option; the exit
 * status it ends with. */
static int common_option(int c, const char *cmd, char **argv)
{
	if (c == 'h') {
		fputs(hilt_image_usage, stdout);
		return EXIT_PASS;
	}
	fprintf(stderr, "hilt image %s: unknown option or missing value: %s\n", cmd,
		argv[optind - 1]);
	return EXIT_USAGE;
}

static int format_arg(const char *cmd, const char *arg, const char *a, const char *b)
{
	if (!strcmp(arg, a))
		return 0;
	if (!strcmp(arg, b))
		return 1;
	fprintf(stderr, "hilt image %s: --format %s or %s, not '%s'\n", cmd, a, b, arg);
	return -1;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chip", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int chip = HILT_ESP_UNKNOWN, json = 0, c, rc;
	struct hilt_esp_image img;
	char err[512], problem[512];
	uint8_t *buf;
	size_t len;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			chip = hilt_esp_chip_parse(optarg);
			if (chip == HILT_ESP_UNKNOWN) {
				fprintf(stderr, "hilt image info: no chip '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'F':
			json = format_arg("info", optarg, "text", "json");
			if (json < 0)
				return EXIT_USAGE;
			break;
		default:
			return common_option(c, "info", argv);
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "hilt image info: give one image file\n");
		return EXIT_USAGE;
	}
	if (read_file(argv[optind], &buf, &len))
		return EXIT_USAGE;
	rc = hilt_esp_image_parse(buf, len, chip, &img, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt: %s: %s\n", argv[optind], err);
		free(buf);
		return EXIT_USAGE;
	}
	rc = hilt_esp_image_verify(&img, problem, sizeof(problem));
	if (json)
		info_json(stdout, argv[optind], len, &img, rc ? problem : NULL);
	else
		info_text(stdout, argv[optind], len, &img, rc ? problem : NULL);
	if (rc)
		fprintf(stderr, "hilt: %s: %s\n", argv[optind], problem);
	free(buf);
	return rc ? EXIT_FAILED : EXIT_PASS;
}

static void table_json(FILE *f, const char *path, const struct hilt_esp_ptable *t,
		       const char *problems)
{
	fputs("{\"file\": ", f);
	hilt_json_str(f, path);
	fputs(", \"partitions\": [", f);
	for (size_t i = 0; i < t->n; i++) {
		const struct hilt_esp_partition *p = &t->p[i];

		fputs(i ? ", {\"name\": " : "{\"name\": ", f);
		hilt_json_str(f, p->name);
		fprintf(f, ", \"type\": %u, \"subtype\": %u, \"offset\": %u, \"size\": %u, "
			"\"flags\": %u}", p->type, p->subtype, p->offset, p->size, p->flags);
	}
	fprintf(f, "], \"md5\": %s, \"trailing\": %zu, \"problems\": ",
		t->has_md5 ? (t->md5_ok ? "\"valid\"" : "\"invalid\"") : "null", t->trailing);
	hilt_json_str(f, problems);
	fputs("}\n", f);
}

static int cmd_parttable(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flash-size", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct hilt_esp_ptable *t = NULL;
	uint32_t flash_size = 0;
	char err[4096];
	int json = 0, c, rc, status = EXIT_PASS;
	uint8_t *buf;
	size_t len, problems;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_size(optarg, &flash_size) || !flash_size) {
				fprintf(stderr, "hilt image parttable: --flash-size '%s' is not a size "
					"(4M, 0x400000)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'F':
			json = format_arg("parttable", optarg, "csv", "json");
			if (json < 0)
				return EXIT_USAGE;
			break;
		default:
			return common_option(c, "parttable", argv);
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "hilt image parttable: give one partition table file\n");
		return EXIT_USAGE;
	}
	if (read_file(argv[optind], &buf, &len))
		return EXIT_USAGE;
	t = malloc(sizeof(*t));
	if (!t) {
		free(buf);
		return EXIT_INFRA;
	}
	/* A binary table starts with a partition's magic; anything else is
	 * read as the CSV. */
	if (len >= 2 && buf[0] == 0xAA && buf[1] == 0x50)
		rc = hilt_esp_ptable_parse_bin(buf, len, t, err, sizeof(err));
	else if (memchr(buf, 0, len))
		rc = -EINVAL, snprintf(err, sizeof(err), "neither a binary table (it does not "
				       "start with aa 50) nor a CSV (it holds NUL bytes)");
	else
		rc = hilt_esp_ptable_parse_csv((const char *)buf, t, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "hilt: %s: %s\n", argv[optind], err);
		free(buf);
		free(t);
		return rc == -EINVAL && strstr(err, "MD5") ? EXIT_FAILED : EXIT_USAGE;
	}
	problems = hilt_esp_ptable_check(t, flash_size, err, sizeof(err));
	if (json) {
		table_json(stdout, argv[optind], t, problems ? err : "");
	} else {
		hilt_esp_ptable_csv(t, stdout);
		if (t->has_md5)
			fprintf(stdout, "# MD5 row verified\n");
		if (t->trailing)
			fprintf(stdout, "# %zu bytes after the table's 0x%x (not part of it)\n",
				t->trailing, HILT_ESP_PT_MAX_LEN);
	}
	if (problems) {
		/* One line a problem, each naming the file. */
		for (char *line = err, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			fprintf(stderr, "hilt: %s: %s\n", argv[optind], line);
		}
		status = EXIT_FAILED;
	}
	free(buf);
	free(t);
	return status;
}

struct piece {
	uint32_t offset;
	const char *path;
	uint8_t *buf;
	size_t len;
};

static int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chip", required_argument, NULL, 'c' },
		{ "pad-to-size", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int chip = HILT_ESP_UNKNOWN, c, status = EXIT_PASS;
	uint32_t pad = 0;
	const char *out = NULL;
	struct piece *pieces = NULL;
	size_t n = 0, end = 0;
	uint8_t *flash = NULL;
	char err[512];

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			chip = hilt_esp_chip_parse(optarg);
			if (chip == HILT_ESP_UNKNOWN) {
				fprintf(stderr, "hilt image merge: no chip '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (!parse_size(optarg, &pad)) {
				fprintf(stderr, "hilt image merge: --pad-to-size '%s' is not a size "
					"(4M, 0x400000)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return common_option(c, "merge", argv);
		}
	}
	if (chip == HILT_ESP_UNKNOWN || !out || argc - optind < 2 || (argc - optind) % 2) {
		fprintf(stderr, "hilt image merge: give --chip CHIP, -o FILE and OFFSET FILE pairs\n");
		return EXIT_USAGE;
	}
	pieces = calloc((size_t)(argc - optind) / 2, sizeof(*pieces));
	if (!pieces)
		return EXIT_INFRA;
	for (int i = optind; i < argc; i += 2, n++) {
		struct piece *p = &pieces[n];
		struct hilt_esp_image img;

		p->path = argv[i + 1];
		if (!parse_size(argv[i], &p->offset)) {
			fprintf(stderr, "hilt image merge: offset '%s' of %s is not a number\n",
				argv[i], p->path);
			status = EXIT_USAGE;
			goto out;
		}
		if (read_file(p->path, &p->buf, &p->len)) {
			status = EXIT_USAGE;
			goto out;
		}
		if ((uint64_t)p->offset + p->len > 0xFFFFFFFFu) {
			fprintf(stderr, "hilt: %s at 0x%x: past 4 GiB\n", p->path, p->offset);
			status = EXIT_USAGE;
			goto out;
		}
		/* An application or bootloader image must be for this chip. */
		if (p->len && p->buf[0] == 0xE9 &&
		    !hilt_esp_image_parse(p->buf, p->len, chip == HILT_ESP8266 ? chip : HILT_ESP_UNKNOWN,
					  &img, err, sizeof(err)) &&
		    img.chip != chip) {
			fprintf(stderr, "hilt: %s: an image for %s, not %s\n", p->path,
				hilt_esp_chip_name(img.chip), hilt_esp_chip_name(chip));
			status = EXIT_FAILED;
			goto out;
		}
		for (size_t k = 0; k < n; k++) {
			struct piece *q = &pieces[k];

			if (p->offset < q->offset + q->len && q->offset < p->offset + p->len) {
				fprintf(stderr, "hilt: %s (0x%x-0x%zx) overlaps %s (0x%x-0x%zx)\n",
					p->path, p->offset, p->offset + p->len, q->path, q->offset,
					q->offset + q->len);
				status = EXIT_USAGE;
				goto out;
			}
		}
		if (p->offset + p->len > end)
			end = p->offset + p->len;
	}
	if (pad && pad < end) {
		fprintf(stderr, "hilt: the images end at 0x%zx, past --pad-to-size 0x%x\n", end, pad);
		status = EXIT_USAGE;
		goto out;
	}
	if (pad)
		end = pad;
	flash = malloc(end ? end : 1);
	if (!flash) {
		fprintf(stderr, "hilt: %zu bytes: out of memory\n", end);
		status = EXIT_INFRA;
		goto out;
	}
	memset(flash, 0xFF, end);
	for (size_t k = 0; k < n; k++)
		memcpy(flash + pieces[k].offset, pieces[k].buf, pieces[k].len);
	struct iovec iov = { .iov_base = flash, .iov_len = end };

	if (hilt_atomic_write(out, &iov, 1, err, sizeof(err))) {
		fprintf(stderr, "hilt: %s\n", err);
		status = EXIT_INFRA;
	} else {
		fprintf(stderr, "hilt: %s written: %zu images in 0x%zx bytes for %s\n", out, n, end,
			hilt_esp_chip_name(chip));
	}
out:
	for (size_t k = 0; k < n + 1 && pieces && k < (size_t)(argc - optind) / 2; k++)
		free(pieces[k].buf);
	free(pieces);
	free(flash);
	return status;
}

static const struct hilt_subcmd subcmds[] = {
	{ "info", cmd_info, hilt_image_usage },
	{ "parttable", cmd_parttable, hilt_image_usage },
	{ "merge", cmd_merge, hilt_image_usage },
};

int hilt_cmd_image(int argc, char **argv)
{
	static const struct hilt_subcmds image = {
		.prog = "hilt image", .noun = "subcommand", .usage = hilt_image_usage,
		.cmds = subcmds, .n = sizeof(subcmds) / sizeof(subcmds[0]),
	};

	return hilt_subcmd_run(&image, argc, argv);
}
