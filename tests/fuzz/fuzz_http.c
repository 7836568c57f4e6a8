/* libFuzzer harness: the HTTP probe's response path (runner/engine/http.c on
 * libcurl, in hilt's loop) against any bytes a device might answer.  A
 * server in the same loop, on loopback, reads the probe's request and
 * answers with the input, then closes.  The verdict keeps its promises:
 * a pass has the expected status and a body that holds the pattern, a
 * failure says why, no response is counted beyond the size limit, and
 * nothing crashes, reads out of bounds or leaks.  The first byte picks
 * GET or HEAD.  Built and run by tests/fuzz/run.sh. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runner/engine/http.h"
#include "base/loop.h"
#include "runner/engine/matcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY 2048

static struct hilt_loop *loop;
static int listen_fd = -1, client_fd = -1;
static int port;
static const uint8_t *answer;
static size_t answer_len;
static bool answered, probe_done;
static char request[8192];
static size_t request_len;
static struct hilt_http_result result;

static void close_client(void)
{
	if (client_fd >= 0) {
		hilt_loop_del_fd(loop, client_fd);
		close(client_fd);
	}
	client_fd = -1;
}

/* The probe's request, then the answer, then the end of the stream. */
static void on_client(struct hilt_loop *l, int fd, short revents, void *arg)
{
	(void)l;
	(void)arg;
	(void)revents;
	ssize_t n = read(fd, request + request_len, sizeof(request) - 1 - request_len);

	if (n <= 0) {
		close_client();
		return;
	}
	request_len += (size_t)n;
	request[request_len] = '\0';
	if (!answered && strstr(request, "\r\n\r\n")) {
		answered = true;
		for (size_t off = 0; off < answer_len;) {
			ssize_t w = write(fd, answer + off, answer_len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;	/* the probe gave up: fine */
			off += (size_t)w;
		}
		shutdown(fd, SHUT_WR);
	}
}

static void on_accept(struct hilt_loop *l, int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		return;
	if (client_fd >= 0) {
		close(c);	/* one connection an input */
		return;
	}
	client_fd = c;
	if (hilt_loop_add_fd(l, c, POLLIN, on_client, NULL) < 0)
		abort();
}

static void on_done(const struct hilt_http_result *r, void *arg)
{
	(void)arg;
	result = *r;
	probe_done = true;
	hilt_loop_stop(loop);
}

static void setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	if (hilt_loop_new(&loop) < 0)
		abort();
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(listen_fd, 16) < 0 || getsockname(listen_fd, (struct sockaddr *)&a, &alen) < 0)
		abort();
	port = ntohs(a.sin_port);
	if (hilt_loop_add_fd(loop, listen_fd, POLLIN, on_accept, NULL) < 0)
		abort();
}

static void fail(const char *what)
{
	fprintf(stderr, "%s: status %ld, attempts %u, %zu body bytes, reason '%s'\n", what,
		result.status, result.attempts, result.body_bytes, result.reason);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hilt_pattern *body, *type;
	static struct hilt_http_header_check header;
	char err[256], url[64];
	struct hilt_http *h;

	if (!loop) {
		setup();
		if (hilt_pattern_compile("ok", &body, err, sizeof(err)) < 0 ||
		    hilt_pattern_compile("^text/", &type, err, sizeof(err)) < 0)
			abort();
		header.name = "Content-Type";
		header.value = type;
	}
	if (!size)
		return 0;
	bool head = data[0] & 1;

	answer = data + 1;
	answer_len = size - 1;
	answered = probe_done = false;
	request_len = 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/probe", port);
	struct hilt_http_spec spec = {
		.method = head ? "HEAD" : "GET",
		.url = url,
		.status = 200,
		.body = head ? NULL : body,
		.headers = &header,
		.nheaders = data[0] & 2 ? 1 : 0,
		.deadline_ns = hilt_now_ns() + 3000000000LL,
		.retry_ns = 10000000000LL,	/* one attempt */
		.max_body = MAX_BODY,
	};

	if (hilt_http_start(loop, &spec, on_done, NULL, &h, err, sizeof(err)) < 0)
		abort();
	while (!probe_done)
		if (hilt_loop_run(loop) < 0)
			abort();
	hilt_http_free(h);
	close_client();

	if (result.attempts != 1)
		fail("not one attempt");
	if (memchr(result.excerpt, '\0', sizeof(result.excerpt)) == NULL ||
	    memchr(result.reason, '\0', sizeof(result.reason)) == NULL)
		fail("a text without its end");
	if (result.passed) {
		if (result.status != 200 || result.reason[0])
			fail("passed with another status or a reason");
		if (result.body_bytes > MAX_BODY)
			fail("passed with a body over the limit");
		if (!head && result.body_bytes < sizeof(result.excerpt) &&
		    !memmem(result.excerpt, result.body_bytes, "ok", 2))
			fail("passed with a body that does not hold the pattern");
	} else if (!result.reason[0]) {
		fail("failed without a reason");
	}
	if (result.body_bytes > MAX_BODY + CURL_MAX_WRITE_SIZE)
		fail("counted a body far beyond the limit");
	return 0;
}
