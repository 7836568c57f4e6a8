#define _GNU_SOURCE
#include "reports/relpath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *hilt_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	char *real = d ? realpath(d, NULL) : NULL;

	free(d);
	return real;
}

/* An absolute path with "." and ".." components and doubled slashes
 * resolved, by their text, into out (as large as p). */
static void normalize(const char *p, char *out)
{
	char *o = out;

	*o++ = '/';
	for (const char *in = p + 1; *in;) {
		const char *end = strchr(in, '/');
		size_t n = end ? (size_t)(end - in) : strlen(in);

		if (n == 2 && in[0] == '.' && in[1] == '.') {
			/* back over the last component and its slash */
			while (o > out + 1 && o[-1] == '/')
				o--;
			while (o > out + 1 && o[-1] != '/')
				o--;
		} else if (n && !(n == 1 && in[0] == '.')) {
			memcpy(o, in, n);
			o += n;
			*o++ = '/';
		}
		in += n + (end != NULL);
	}
	if (o > out + 1)
		o--;	/* no slash at the end */
	*o = '\0';
}

char *hilt_relpath(const char *from, const char *base, const char *path)
{
	char *abs = NULL, *out = NULL, *to = NULL;
	size_t common = 0, i, len;
	FILE *f;

	char *raw = NULL;

	if (path[0] == '/' ? !(raw = strdup(path)) : asprintf(&raw, "%s/%s", base, path) < 0)
		return NULL;
	abs = malloc(strlen(raw) + 2);
	to = malloc(strlen(from) + 2);
	if (!abs || !to) {
		free(raw);
		free(abs);
		free(to);
		return NULL;
	}
	normalize(raw, abs);
	normalize(from, to);
	free(raw);
	/* The longest common prefix of whole components. */
	for (i = 0; abs[i] && to[i] && abs[i] == to[i]; i++)
		if (abs[i] == '/')
			common = i;
	if (!to[i] && (abs[i] == '/' || !abs[i]))
		common = i;
	else if (!abs[i] && to[i] == '/')
		common = i;
	f = open_memstream(&out, &len);
	if (f) {
		size_t ups = 0;

		/* A component of from left after the common part: one "..";
		 * from "/" has none. */
		for (const char *p = to + common; to[1] && *p; p++)
			ups += *p == '/';
		for (size_t k = 0; k < ups; k++)
			fputs(k ? "/.." : "..", f);
		const char *rest = abs + common + (abs[common] == '/');

		if (*rest)
			fprintf(f, "%s%s", ups ? "/" : "", rest);
		else if (!ups)
			fputc('.', f);
		fclose(f);
	}
	free(abs);
	free(to);
	return out;
}
