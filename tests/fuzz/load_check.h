/* What the suite and farm loader fuzzers share: each input is written to
 * a file of a private folder (the loaders read paths), and a failed load's
 * messages are checked to be what the header promises, one
 * "file:line: what" (or "file: what") a line, each line number one of the
 * file's. */
#ifndef HILT_FUZZ_LOAD_CHECK_H
#define HILT_FUZZ_LOAD_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The input's file: made once per process, rewritten for each input. */
static const char *lc_write(const uint8_t *data, size_t size)
{
	static char path[256];

	if (!*path) {
		char tmpl[] = "/tmp/hilt-fuzz-XXXXXX";
		const char *dir = getenv("TMPDIR");

		if (dir && strlen(dir) < 200) {
			snprintf(path, sizeof(path), "%s/hilt-fuzz-XXXXXX", dir);
			if (!mkdtemp(path))
				abort();
		} else {
			if (!mkdtemp(tmpl))
				abort();
			snprintf(path, sizeof(path), "%s", tmpl);
		}
		strcat(path, "/input.xml");
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	close(fd);
	return path;
}

/* Lines of the input as a line counter sees them (a last line without
 * its newline counts). */
static long lc_lines(const uint8_t *data, size_t size)
{
	long n = 1;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void lc_fail(const char *what, const char *err, const uint8_t *data, size_t size)
{
	fprintf(stderr, "%s\n--- messages ---\n%s\n--- input (%zu bytes) ---\n%.*s\n", what,
		err, size, (int)(size < 2000 ? size : 2000), (const char *)data);
	abort();
}

/* rc and err of a load of path: an error has messages, each line of them
 * well-formed. */
static void lc_check(int rc, const char *path, const char *err, const uint8_t *data,
		     size_t size)
{
	size_t plen = strlen(path);
	long lines = lc_lines(data, size);

	if (rc == 0)
		return;
	if (rc > 0)
		lc_fail("the load returned a positive status", err, data, size);
	if (!*err)
		lc_fail("the load failed without a message", err, data, size);
	for (const char *l = err; *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		const char *p = l + plen;

		if (len < plen + 2 || memcmp(l, path, plen) != 0 || *p != ':')
			lc_fail("a message line does not start with the file's name", err, data,
				size);
		p++;
		if (*p >= '0' && *p <= '9') {
			char *after;
			long line = strtol(p, &after, 10);

			if (line < 1 || line > lines || *after != ':' || after[1] != ' ')
				lc_fail("a message line has a line number not of the file", err,
					data, size);
		} else if (*p != ' ') {
			lc_fail("a message line is not \"file:line: what\" nor \"file: what\"", err,
				data, size);
		}
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)l[i] < 0x20 && l[i] != '\t')
				lc_fail("a message holds a control character", err, data, size);
		l += len;
		if (*l == '\n')
			l++;
	}
}

#endif
