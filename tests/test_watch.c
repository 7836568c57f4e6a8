/* A console's live copy for observers (base/watch.c) on real unix
 * sockets: observers in child processes, the holder's loop here.  Every
 * byte in order with the backlog first, a stopped observer dropped while
 * the holder goes on, a dead holder's socket replaced, a live one not. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/loop.h"
#include "base/watch.h"
#include "check.h"

static char dir[64];
static char path[96];

/* The console stream the holder feeds: byte i is a function of i. */
static unsigned char stream_byte(size_t i)
{
	return (unsigned char)('a' + (i * 7 + i / 251) % 26);
}

static void feed_stream(struct hilt_watch *w, size_t *at, size_t n)
{
	unsigned char buf[3000];

	while (n) {
		/* Chunks of varying size, as a console reads them. */
		size_t k = 1 + (*at * 13) % sizeof(buf);

		if (k > n)
			k = n;
		for (size_t j = 0; j < k; j++)
			buf[j] = stream_byte(*at + j);
		hilt_watch_feed(w, buf, k);
		*at += k;
		n -= k;
	}
}

/* exit status of an observer: its bytes all matched the stream from the
 * header's offset (else 1), and how it ended: 0 the goodbye, 10 told it
 * was dropped, 20 cut off without a word. */
static int observe(bool stop_self)
{
	char buf[HILT_WATCH_PACKET + 1], type;
	unsigned long long at = 0;
	bool dropped = false;
	ssize_t n;
	int fd = -1;

	for (int tries = 0; tries < 200 && hilt_watch_connect(path, &fd) < 0; tries++)
		usleep(10000);
	if (fd < 0)
		return 2;
	while ((n = hilt_watch_recv(fd, &type, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (type == 'H') {
			if (strncmp(buf, "offset=", 7) || !strstr(buf, "\nwho=test\n"))
				return 3;
			at = strtoull(buf + 7, NULL, 10);
			if (stop_self)
				raise(SIGSTOP);
		} else if (type == 'D') {
			for (ssize_t i = 0; i < n; i++)
				if ((unsigned char)buf[i] != stream_byte(at++))
					return 1;
		} else if (type == 'M') {
			dropped |= !strncmp(buf, "dropped:", 8);
		} else if (type == 'E') {
			return strcmp(buf, "bye") ? 4 : 0;
		}
	}
	return dropped ? 10 : 20;
}

static pid_t start_observer(bool stop_self)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(observe(stop_self));
	return pid;
}

static int exit_of(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

struct notes {
	unsigned joined, dropped, left;
};

static void note_cb(void *arg, const char *what)
{
	struct notes *n = arg;

	n->joined += strstr(what, " joined") != NULL;
	n->dropped += strstr(what, " dropped: it fell 1024 KiB behind") != NULL;
	n->left += strstr(what, " left") != NULL;
}

static void stop_cb(struct hilt_loop *loop, void *arg)
{
	(void)arg;
	hilt_loop_stop(loop);
}

/* Runs the holder's loop for ms. */
static void spin(struct hilt_loop *loop, int ms)
{
	hilt_loop_add_timer(loop, hilt_now_ns() + ms * 1000000LL, stop_cb, NULL);
	hilt_loop_run(loop);
}

/* A holder at path on a new loop, its notes counted in notes. */
static struct hilt_watch *holder(struct hilt_loop **loop, struct notes *notes)
{
	struct hilt_watch *w = NULL;
	char err[512];

	CHECK(hilt_loop_new(loop) == 0, "loop");
	CHECK(hilt_watch_open(*loop, path, "who=test\n", note_cb, notes, &w, err, sizeof(err)) == 0,
	      "open: %s", err);
	return w;
}

/* The holder's loop runs until n observers joined (at most 1 s). */
static void joined(struct hilt_loop *loop, const struct notes *notes, unsigned n)
{
	for (int i = 0; i < 100 && notes->joined < n; i++)
		spin(loop, 10);
	CHECK(notes->joined == n, "%u joined, not %u", notes->joined, n);
}

static int order_and_backlog(void)
{
	struct hilt_loop *loop;
	struct notes notes = { 0 };
	struct hilt_watch *w = holder(&loop, &notes);
	size_t at = 0;

	/* Before anyone watches: only the last 16 KiB are kept for them. */
	feed_stream(w, &at, 100000);
	pid_t a = start_observer(false), b = start_observer(false);

	joined(loop, &notes, 2);
	CHECK(hilt_watch_count(w) == 2, "%u watching", hilt_watch_count(w));
	for (int i = 0; i < 50; i++) {
		feed_stream(w, &at, 20000);
		spin(loop, 2);
	}
	spin(loop, 100);
	hilt_watch_close(w, "bye");
	CHECK(exit_of(a) == 0, "observer a: every byte in order, then the goodbye");
	CHECK(exit_of(b) == 0, "observer b: every byte in order, then the goodbye");
	CHECK(notes.dropped == 0, "nobody dropped");
	CHECK(access(path, F_OK) < 0, "the socket removed at the close");
	hilt_loop_free(loop);
	return 0;
}

static int stopped_observer_dropped(void)
{
	struct hilt_loop *loop;
	struct notes notes = { 0 };
	struct hilt_watch *w = holder(&loop, &notes);
	size_t at = 0;
	int st;
	pid_t slow = start_observer(true), fine = start_observer(false);

	joined(loop, &notes, 2);
	CHECK(waitpid(slow, &st, WUNTRACED) == slow && WIFSTOPPED(st), "the slow one stopped itself");
	/* Megabytes while it is stopped, at a fast console's rate: the
	 * holder never waits for it. */
	int64_t t0 = hilt_now_ns();

	for (int i = 0; i < 256 && notes.dropped == 0; i++) {
		feed_stream(w, &at, 32 * 1024);
		spin(loop, 5);
	}
	for (int i = 0; i < 64; i++) {
		feed_stream(w, &at, 32 * 1024);
		spin(loop, 5);
	}
	double secs = (double)(hilt_now_ns() - t0) / 1e9;

	CHECK(notes.dropped == 1, "%u dropped (fed %zu bytes in %.3f s)", notes.dropped, at, secs);
	CHECK(hilt_watch_count(w) == 1, "%u still watching", hilt_watch_count(w));
	/* Not dropped: it would wait for the holder's end, which waits for
	 * it. */
	if (!notes.dropped)
		kill(slow, SIGKILL);
	kill(slow, SIGCONT);
	/* The dropped one gets what was queued and why. */
	spin(loop, 500);
	CHECK(exit_of(slow) == 10, "the slow one was told it was dropped, its bytes in order");
	hilt_watch_close(w, "bye");
	CHECK(exit_of(fine) == 0, "the other saw every byte in order");
	hilt_loop_free(loop);
	return 0;
}

static int sockets_left_behind(void)
{
	struct hilt_loop *loop;
	struct hilt_watch *w, *w2;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[512], longpath[200];
	int fd;

	CHECK(hilt_loop_new(&loop) == 0, "loop");
	/* A holder that died: its socket file is there, nobody listens. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "a stale socket");
	close(fd);
	CHECK(hilt_watch_open(loop, path, "who=test\n", NULL, NULL, &w, err, sizeof(err)) == 0,
	      "a dead holder's socket is replaced: %s", err);
	/* A live one is not. */
	CHECK(hilt_watch_open(loop, path, "who=test\n", NULL, NULL, &w2, err, sizeof(err)) == -EADDRINUSE,
	      "a live holder's socket kept");
	CHECK(strstr(err, "another process shows this console's copy at") != NULL, "%s", err);
	hilt_watch_close(w, NULL);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK(hilt_watch_open(loop, longpath, "", NULL, NULL, &w2, err, sizeof(err)) == -ENAMETOOLONG,
	      "a path too long for a socket");
	CHECK(strstr(err, "longer than a unix socket's") != NULL, "%s", err);
	CHECK(hilt_watch_connect(path, &fd) == -ENOENT, "nobody to watch");
	hilt_loop_free(loop);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "order_and_backlog", order_and_backlog },
		{ "stopped_observer_dropped", stopped_observer_dropped },
		{ "sockets_left_behind", sockets_left_behind },
	};

	snprintf(dir, sizeof(dir), "/tmp/hilt-test-watch.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/w.sock", dir);
	int rc = check_run_all(tests, sizeof(tests) / sizeof(tests[0]));

	unlink(path);
	rmdir(dir);
	return rc;
}
