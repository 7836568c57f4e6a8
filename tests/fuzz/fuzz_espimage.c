/* libFuzzer harness: the ESP image and partition table readers take any
 * bytes: an image is parsed for every kind of chip (and verified when its
 * layout holds), a binary and a CSV table are read and checked; nothing
 * crashes, reads out of bounds or leaks.  Built and run by
 * tests/fuzz/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/espimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hilt_esp_image img;
	static struct hilt_esp_ptable t;
	static const char *const chips[] = { NULL, "esp8266", "esp32", "esp32s3", "esp32c3" };
	char err[1024];

	/* A copy of its own: a read past the input is caught by ASan. */
	uint8_t *copy = malloc(size ? size : 1);
	const uint8_t *buf = data;
	size_t len = size;

	if (!copy)
		return 0;
	memcpy(copy, buf, len);
	/* As an image of each kind of chip (and of one unknown). */
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
		int chip = chips[i] ? hilt_esp_chip_parse(chips[i]) : HILT_ESP_UNKNOWN;

		if (hilt_esp_image_parse(copy, len, chip, &img, err, sizeof(err)) == 0)
			hilt_esp_image_verify(&img, err, sizeof(err));
	}
	if (hilt_esp_ptable_parse_bin(copy, len, &t, err, sizeof(err)) == 0)
		hilt_esp_ptable_check(&t, 4u << 20, err, sizeof(err));
	char *text = malloc(len + 1);

	if (text) {
		memcpy(text, copy, len);
		text[len] = '\0';
		if (hilt_esp_ptable_parse_csv(text, &t, err, sizeof(err)) == 0) {
			hilt_esp_ptable_check(&t, 0, err, sizeof(err));
			FILE *f = fopen("/dev/null", "w");

			if (f) {
				hilt_esp_ptable_csv(&t, f);
				fclose(f);
			}
		}
		free(text);
	}
	free(copy);
	return 0;
}
