/* HTTP probes driven from the event loop (libcurl's multi interface):
 * one request, retried until its deadline, judged on status, headers and
 * body, with bounded memory however large the response. */
#ifndef HILT_HTTP_H
#define HILT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/loop.h"
#include "runner/engine/matcher.h"

struct hilt_http_header_check {
	const char *name;			/* case-insensitive */
	const struct hilt_pattern *value;	/* matched against the value */
};

struct hilt_http_spec {
	const char *method;		/* GET, HEAD, POST... */
	const char *url;
	long status;			/* expected */
	const struct hilt_pattern *body;	/* NULL: any body */
	const struct hilt_http_header_check *headers;
	size_t nheaders;
	int64_t deadline_ns;		/* hilt_now_ns() clock */
	int64_t retry_ns;		/* pause between attempts */
	size_t max_body;		/* larger responses fail */
};

struct hilt_http_result {
	bool passed;
	long status;			/* 0: no response */
	double time_s;			/* of the last attempt */
	unsigned attempts;
	size_t body_bytes;
	char excerpt[1024];		/* start of the body */
	char reason[512];		/* why it did not pass */
};

struct hilt_http;

/* Starts the probe; done runs once, from the loop, with the verdict of the
 * last attempt.  spec and everything it points to must outlive the probe.
 * Freed with hilt_http_free() (which cancels it). */
int hilt_http_start(struct hilt_loop *loop, const struct hilt_http_spec *spec,
		    void (*done)(const struct hilt_http_result *r, void *arg),
		    void *arg, struct hilt_http **out, char *err, size_t errlen);
void hilt_http_free(struct hilt_http *h);

#endif
