/* HTTP probes against a real server on loopback (tests/http-peer.py) that
 * answers well or badly on request, and against a port where nothing
 * listens. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "runner/engine/http.h"
#include "base/loop.h"

static int peer_port;
static FILE *peer_stdin;

static int start_peer(void)
{
	int in[2], out[2];
	const char *src = getenv("HILT_SOURCE_DIR");
	char script[1024];

	snprintf(script, sizeof(script), "%s/tests/http-peer.py", src ? src : ".");
	if (pipe(in) || pipe(out))
		return -1;
	pid_t pid = fork();

	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	peer_stdin = fdopen(in[1], "w");
	FILE *f = fdopen(out[0], "r");

	if (!f || fscanf(f, "%d", &peer_port) != 1)
		return -1;
	return 0;
}

struct probe_run {
	struct hilt_http_result r;
	bool done;
};

static void on_done(const struct hilt_http_result *r, void *arg)
{
	struct probe_run *pr = arg;

	pr->r = *r;
	pr->done = true;
}

static void stop_loop(struct hilt_loop *loop, void *arg)
{
	(void)arg;
	hilt_loop_stop(loop);
}

/* The largest resident size seen while the last probe ran, sampled every
 * time slice of the loop. */
static long rss_peak;

static void sample_and_stop(struct hilt_loop *loop, void *arg)
{
	long now = rss_kb();

	(void)arg;
	if (now > rss_peak)
		rss_peak = now;
	hilt_loop_stop(loop);
}

/* Runs one probe to its end; returns its wall time in seconds. */
static double probe(const char *path, int port, long status,
		    const char *body_re, const struct hilt_http_header_check *hc,
		    size_t nh, double timeout_s, size_t max_body,
		    struct probe_run *pr)
{
	struct hilt_loop *loop;
	struct hilt_http *h = NULL;
	struct hilt_pattern *body = NULL;
	char url[256], err[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	if (body_re && hilt_pattern_compile(body_re, &body, err, sizeof(err)))
		abort();
	int64_t start = hilt_now_ns();
	struct hilt_http_spec spec = {
		.method = "GET", .url = url, .status = status, .body = body,
		.headers = hc, .nheaders = nh,
		.deadline_ns = start + (int64_t)(timeout_s * 1e9),
		.retry_ns = 100 * 1000000LL, .max_body = max_body,
	};

	memset(pr, 0, sizeof(*pr));
	rss_peak = rss_kb();
	if (hilt_loop_new(&loop))
		abort();
	/* A safety net: the probe must end by itself well before this. */
	hilt_loop_add_timer(loop, start + (int64_t)((timeout_s + 10) * 1e9), stop_loop, NULL);
	int rc = hilt_http_start(loop, &spec, on_done, pr, &h, err, sizeof(err));

	CHECK(rc == 0, "%s", err);
	/* In slices of 10 ms, measuring memory between them. */
	while (rc == 0 && !pr->done) {
		hilt_loop_add_timer(loop, hilt_now_ns() + 10 * 1000000LL, sample_and_stop, NULL);
		hilt_loop_run(loop);
		if (hilt_now_ns() - start > (int64_t)((timeout_s + 10) * 1e9))
			break;
	}
	sample_and_stop(loop, NULL);
	double took = (double)(hilt_now_ns() - start) / 1e9;

	hilt_http_free(h);
	hilt_loop_free(loop);
	hilt_pattern_free(body);
	return took;
}

/* A body pattern that hits pcre2's backtracking limit is said to be
 * unsearchable, not taken for a body that did not match. */
static int runaway_pattern(void)
{
	struct probe_run pr;

	probe("/runaway", peer_port, 200, "^(a+)+[bc]", NULL, 0, 5, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed, "the probe passed or never ended");
	CHECK(strstr(pr.r.reason, "a pattern could not be searched in the response: it hit pcre2's backtracking limit"),
	      "reason: %s", pr.r.reason);
	return 0;
}

static int hello(void)
{
	struct probe_run pr;
	struct hilt_pattern *ct;
	char err[128];

	hilt_pattern_compile("^text/plain$", &ct, err, sizeof(err));
	struct hilt_http_header_check hc = { .name = "content-type", .value = ct };

	probe("/hello", peer_port, 200, "^Hello World!$", &hc, 1, 5, 1 << 20, &pr);
	CHECK(pr.done && pr.r.passed, "reason: %s", pr.r.reason);
	CHECK(pr.r.status == 200 && pr.r.body_bytes == 13, "status %ld, %zu bytes",
	      pr.r.status, pr.r.body_bytes);
	CHECK(strcmp(pr.r.excerpt, "Hello World!\n") == 0, "excerpt [%s]", pr.r.excerpt);
	/* A body that ends without a newline ends its last line: $ matches
	 * at the end of the body, once the body is known to be whole. */
	probe("/nonewline", peer_port, 200, "^Hello World!$", NULL, 0, 5, 1 << 20, &pr);
	CHECK(pr.done && pr.r.passed, "no final newline: %s", pr.r.reason);
	probe("/nonewline", peer_port, 200, "World!\\n", NULL, 0, 0.5, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed, "a newline that is not there matched");
	hilt_pattern_free(ct);
	return 0;
}

static int wrong_header_and_body(void)
{
	struct probe_run pr;
	struct hilt_pattern *ct;
	char err[128];

	hilt_pattern_compile("^text/html", &ct, err, sizeof(err));
	struct hilt_http_header_check hc = { .name = "Content-Type", .value = ct };

	probe("/hello", peer_port, 200, NULL, &hc, 1, 0.5, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed && strstr(pr.r.reason, "header Content-Type"),
	      "reason: %s", pr.r.reason);
	probe("/hello", peer_port, 200, "^Goodbye", NULL, 0, 0.5, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed && strstr(pr.r.reason, "body did not match /^Goodbye/"),
	      "reason: %s", pr.r.reason);
	probe("/nothing-here", peer_port, 200, NULL, NULL, 0, 0.5, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed && strstr(pr.r.reason, "status 404, expected 200"),
	      "reason: %s", pr.r.reason);
	hilt_pattern_free(ct);
	return 0;
}

static int nothing_listens(void)
{
	/* A port that was just free. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct probe_run pr;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	double took = probe("/", ntohs(a.sin_port), 200, NULL, NULL, 0, 1.0, 1 << 20, &pr);

	CHECK(pr.done && !pr.r.passed && strstr(pr.r.reason, "onnect"), "reason: %s", pr.r.reason);
	CHECK(pr.r.attempts > 1, "%u attempts: it must retry until its deadline", pr.r.attempts);
	CHECK(took < 2.0, "took %.2f s for a 1 s deadline", took);
	return 0;
}

/* The probe's memory: the growth of the resident size from before it to
 * its largest while it ran. */
static int huge_response(void)
{
	struct probe_run pr;
	long before = rss_kb();

	CHECK(before > 0, "cannot read /proc/self/statm");
	probe("/big", peer_port, 200, "never", NULL, 0, 20, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed && strstr(pr.r.reason, "larger than 1048576 bytes"),
	      "reason: %s", pr.r.reason);
	CHECK(pr.r.attempts == 1, "%u attempts: a body too large is not retried", pr.r.attempts);
	printf("     1 MiB cap: resident size grew by at most %ld KiB\n", rss_peak - before);
	CHECK(rss_peak - before < 8 * 1024, "RSS grew by %ld KiB", rss_peak - before);
	/* With room for it, 100 MB streams through in bounded memory. */
	before = rss_kb();
	probe("/big", peer_port, 200, "x{1000}", NULL, 0, 60, 200 << 20, &pr);
	CHECK(pr.done && pr.r.passed && pr.r.body_bytes == 100u << 20, "reason: %s, %zu bytes",
	      pr.r.reason, pr.r.body_bytes);
	printf("     100 MiB body: resident size grew by at most %ld KiB\n", rss_peak - before);
	CHECK(rss_peak - before < 8 * 1024, "RSS grew by %ld KiB", rss_peak - before);
	return 0;
}

static int broken_responses(void)
{
	struct probe_run pr;
	double took;

	probe("/noheaders", peer_port, 200, NULL, NULL, 0, 0.5, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed && pr.r.status == 0 && *pr.r.reason, "no headers: %s",
	      pr.r.reason);
	probe("/badstatus", peer_port, 200, NULL, NULL, 0, 0.5, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed && *pr.r.reason, "bad status line: %s", pr.r.reason);
	took = probe("/slow", peer_port, 200, NULL, NULL, 0, 1.0, 1 << 20, &pr);
	CHECK(pr.done && !pr.r.passed && strstr(pr.r.reason, "imed out"), "slow: %s", pr.r.reason);
	CHECK(took < 2.0, "a silent server held the probe %.2f s past a 1 s deadline", took);
	return 0;
}

/* An attempt that gets nothing is given up after a third of the time
 * left (at least 5 s) and made again, rather than taking the probe's
 * whole time: the server's second answer passes it. */
static int stalled_attempt(void)
{
	struct probe_run pr;
	double took = probe("/slow-once", peer_port, 200, "^Hello World!$", NULL, 0, 15.0,
			    1 << 20, &pr);

	CHECK(pr.done && pr.r.passed, "slow-once: %s", pr.r.reason);
	CHECK(pr.r.attempts == 2, "%u attempts", pr.r.attempts);
	CHECK(took >= 5.0, "the first attempt given up after %.2f s, before 5 s", took);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "200 with body and header checks", hello },
		{ "wrong header, body and status", wrong_header_and_body },
		{ "nothing listens: retried until the deadline", nothing_listens },
		{ "100 MB response: bounded memory", huge_response },
		{ "no headers, bad status line, silent server", broken_responses },
		{ "a body pattern that cannot be searched", runaway_pattern },
		{ "an attempt that gets nothing is made again", stalled_attempt },
	};

	signal(SIGPIPE, SIG_IGN);
	if (start_peer() < 0) {
		fprintf(stderr, "cannot start tests/http-peer.py\n");
		return 1;
	}
	int rc = check_run_all(tests, sizeof(tests) / sizeof(*tests));

	fclose(peer_stdin);
	wait(NULL);
	return rc;
}
