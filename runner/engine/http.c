#define _GNU_SOURCE
#include "runner/engine/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/fetch.h"

#define BODY_WINDOW (64 * 1024)
#define MAX_HEADERS 64

struct hilt_http {
	struct hilt_loop *loop;
	const struct hilt_http_spec *spec;
	void (*done)(const struct hilt_http_result *r, void *arg);
	void *arg;
	struct hilt_fetch *fetch;
	CURL *easy;		/* the attempt under way, in fetch */
	int64_t retry_timer;
	struct hilt_http_result result;
	/* The attempt under way. */
	struct hilt_matcher *body;
	bool body_matched, too_large;
	int search_failed;	/* a pattern could not be searched: -errno */
	bool header_seen[MAX_HEADERS];
	char errbuf[CURL_ERROR_SIZE];
	int64_t attempt_start;
	bool finished;
};

static void start_attempt(struct hilt_http *h);

/* The shortest time an attempt may go without a byte before it is made
 * again. */
#define STALL_MIN_S 5

static void finish(struct hilt_http *h)
{
	h->finished = true;
	if (h->retry_timer > 0)
		hilt_loop_cancel_timer(h->loop, h->retry_timer);
	h->retry_timer = 0;
	h->done(&h->result, h->arg);
}

/* Feeds n bytes to m, looking for a match after each feed as the matcher
 * asks; true once its one watch matched.  A search that fails (pcre2's
 * backtracking limit) sets *failed and matches nothing. */
static bool feed_matches(struct hilt_matcher *m, const char *data, size_t n, int *failed)
{
	struct hilt_match mt;

	while (n) {
		size_t took = hilt_matcher_feed(m, data, n);
		int rc;

		data += took;
		n -= took;
		rc = hilt_matcher_next(m, &mt);
		if (rc == 1)
			return true;
		if (rc < 0) {
			*failed = rc;
			return false;
		}
	}
	return false;
}

/* The text is whole: true if its watch matches at its end ($, a greedy
 * pattern). */
static bool end_matches(struct hilt_matcher *m, int *failed)
{
	struct hilt_match mt;
	int rc;

	hilt_matcher_finish(m);
	rc = hilt_matcher_next(m, &mt);
	if (rc < 0)
		*failed = rc;
	return rc == 1;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hilt_http *h = arg;
	size_t n = size * nmemb, have = h->result.body_bytes;

	if (have < sizeof(h->result.excerpt) - 1) {
		size_t take = sizeof(h->result.excerpt) - 1 - have;

		if (take > n)
			take = n;
		memcpy(h->result.excerpt + have, data, take);
		h->result.excerpt[have + take] = '\0';
	}
	h->result.body_bytes += n;
	if (h->result.body_bytes > h->spec->max_body) {
		h->too_large = true;
		return 0;	/* aborts the transfer */
	}
	/* The body is matched as it streams, in bounded memory. */
	if (h->body && !h->body_matched)
		h->body_matched = feed_matches(h->body, data, n, &h->search_failed);
	return size * nmemb;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hilt_http *h = arg;
	size_t n = size * nmemb;
	const char *colon = memchr(data, ':', n);

	if (!colon)
		return n;
	size_t namelen = (size_t)(colon - data);
	const char *v = colon + 1;
	size_t vlen = n - namelen - 1;

	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
		vlen--;
	for (size_t i = 0; i < h->spec->nheaders && i < MAX_HEADERS; i++) {
		const struct hilt_http_header_check *c = &h->spec->headers[i];

		if (strlen(c->name) != namelen || strncasecmp(c->name, data, namelen) != 0)
			continue;
		struct hilt_matcher *m;

		if (hilt_matcher_new(vlen + 64, &m) < 0)
			continue;
		hilt_matcher_watch(m, c->value, 0, 0);
		if (feed_matches(m, v, vlen, &h->search_failed) || end_matches(m, &h->search_failed))
			h->header_seen[i] = true;
		hilt_matcher_free(m);
	}
	return n;
}

static void retry(struct hilt_loop *loop, void *arg)
{
	struct hilt_http *h = arg;

	(void)loop;
	h->retry_timer = 0;
	start_attempt(h);
}

/* Judges a finished attempt; retries while the deadline allows. */
static void attempt_over(struct hilt_fetch *f, CURL *easy, CURLcode code, void *arg)
{
	struct hilt_http *h = arg;
	struct hilt_http_result *r = &h->result;
	const struct hilt_http_spec *spec = h->spec;
	bool pass = false;
	long status = 0;

	r->time_s = (double)(hilt_now_ns() - h->attempt_start) / 1e9;
	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
	/* Announced too large (Content-Length), or found so while reading. */
	if (code == CURLE_FILESIZE_EXCEEDED)
		h->too_large = true;
	/* The body is whole: its pattern may match at its end. */
	if (h->body && !h->body_matched)
		h->body_matched = end_matches(h->body, &h->search_failed);
	if (h->too_large) {
		snprintf(r->reason, sizeof(r->reason),
			 "response body larger than %zu bytes", spec->max_body);
	} else if (code != CURLE_OK) {
		snprintf(r->reason, sizeof(r->reason), "%s",
			 *h->errbuf ? h->errbuf : curl_easy_strerror(code));
	} else if (status != spec->status) {
		snprintf(r->reason, sizeof(r->reason), "status %ld, expected %ld",
			 status, spec->status);
	} else if (h->search_failed) {
		snprintf(r->reason, sizeof(r->reason), "a pattern could not be searched in the response: %s",
			 h->search_failed == -ERANGE ? "it hit pcre2's backtracking limit"
						     : strerror(-h->search_failed));
	} else if (spec->body && !h->body_matched) {
		snprintf(r->reason, sizeof(r->reason), "body did not match /%s/",
			 hilt_pattern_source(spec->body));
	} else {
		pass = true;
		for (size_t i = 0; i < spec->nheaders && i < MAX_HEADERS && pass; i++) {
			if (!h->header_seen[i]) {
				snprintf(r->reason, sizeof(r->reason),
					 "header %s missing or not matching /%s/",
					 spec->headers[i].name,
					 hilt_pattern_source(spec->headers[i].value));
				pass = false;
			}
		}
	}
	(void)f;
	curl_easy_cleanup(easy);
	h->easy = NULL;
	hilt_matcher_free(h->body);
	h->body = NULL;
	r->passed = pass;
	if (pass) {
		r->reason[0] = '\0';
		finish(h);
		return;
	}
	int64_t next = hilt_now_ns() + spec->retry_ns;

	/* A response too large is not going to shrink: no retry. */
	if (h->too_large || next >= spec->deadline_ns) {
		finish(h);
		return;
	}
	h->retry_timer = hilt_loop_add_timer(h->loop, next, retry, h);
}

static void start_attempt(struct hilt_http *h)
{
	const struct hilt_http_spec *spec = h->spec;
	int64_t left_ms = (spec->deadline_ns - hilt_now_ns()) / 1000000;

	h->result.attempts++;
	h->result.body_bytes = 0;
	h->result.excerpt[0] = '\0';
	h->body_matched = h->too_large = false;
	h->search_failed = 0;
	memset(h->header_seen, 0, sizeof(h->header_seen));
	h->errbuf[0] = '\0';
	h->attempt_start = hilt_now_ns();
	if (left_ms < 1)
		left_ms = 1;
	if (spec->body && hilt_matcher_new(BODY_WINDOW, &h->body) == 0)
		hilt_matcher_watch(h->body, spec->body, 0, 0);
	h->easy = curl_easy_init();
	if (!h->easy) {
		snprintf(h->result.reason, sizeof(h->result.reason), "curl_easy_init failed");
		finish(h);
		return;
	}
	curl_easy_setopt(h->easy, CURLOPT_URL, spec->url);
	curl_easy_setopt(h->easy, CURLOPT_CUSTOMREQUEST, spec->method);
	if (strcmp(spec->method, "HEAD") == 0)
		curl_easy_setopt(h->easy, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(h->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, (long)left_ms);
	/* An attempt that gets nothing for a third of what is left (at
	 * least STALL_MIN_S) is given up and made again: a connection an
	 * emulator's network lost under load, a server that hung on it,
	 * would otherwise take the probe's whole time. */
	long stall_s = (long)(left_ms / 3000);

	if (stall_s < STALL_MIN_S)
		stall_s = STALL_MIN_S;
	curl_easy_setopt(h->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->easy, CURLOPT_LOW_SPEED_TIME, stall_s);
	curl_easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT, stall_s);
	curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->easy, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)spec->max_body);
	if (hilt_fetch_add(h->fetch, h->easy) < 0) {
		curl_easy_cleanup(h->easy);
		h->easy = NULL;
		snprintf(h->result.reason, sizeof(h->result.reason), "libcurl refused the request");
		finish(h);
	}
}

int hilt_http_start(struct hilt_loop *loop, const struct hilt_http_spec *spec,
		    void (*done)(const struct hilt_http_result *r, void *arg),
		    void *arg, struct hilt_http **out, char *err, size_t errlen)
{
	struct hilt_http *h = calloc(1, sizeof(*h));
	int rc;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((rc = hilt_fetch_new(loop, attempt_over, h, &h->fetch, err, errlen)) < 0) {
		free(h);
		return rc;
	}
	h->loop = loop;
	h->spec = spec;
	h->done = done;
	h->arg = arg;
	/* The first attempt starts from the loop too: done never runs
	 * inside this call, even when the connection is refused at once. */
	h->retry_timer = hilt_loop_add_timer(loop, hilt_now_ns(), retry, h);
	if (h->retry_timer < 0) {
		h->retry_timer = 0;
		hilt_fetch_free(h->fetch);
		free(h);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

void hilt_http_free(struct hilt_http *h)
{
	if (!h)
		return;
	h->finished = true;
	if (h->retry_timer > 0)
		hilt_loop_cancel_timer(h->loop, h->retry_timer);
	/* An attempt under way is dropped with it. */
	hilt_fetch_free(h->fetch);
	hilt_matcher_free(h->body);
	free(h);
}
