/* What one event costs in hilt's loop (base/loop.c) as idle fds and
 * pending timers pile up, against a plain poll() loop doing the same work
 * over the same fds; and how late timers fire and how fast a console's
 * bytes reach their callback with 256 sessions in one loop.
 * usage: loop-bench [EVENTS]   (EVENTS per measurement, default 20000; the
 * timer lateness takes EVENTS/10 samples, the 256 sessions EVENTS/4: a small
 * EVENTS is a run of a second, as ctest's bench_loop does)
 *
 * The event: one pipe among N idle ones is readable; its callback reads
 * the byte and writes the next one, so that the loop always has exactly
 * one event to serve.  Cost is CPU time (user + system) per event, best of
 * three runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/loop.h"

#define RUNS 3

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		die("pipe2");
}

static void put1(int fd)
{
	if (write(fd, "x", 1) != 1)
		die("write");
}

static void get1(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("read");
}

/* --- one active pipe among idle ones --- */

struct active {
	int rd, wr;
	uint64_t left;
	/* Timer churn per event (a session re-arms its case timer on every
	 * console read): cancel one pending timer, add one. */
	int64_t *timers;
	size_t ntimers, next;
};

static void idle_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	(void)loop;
	(void)arg;
	fprintf(stderr, "idle fd %d fired (%#x)\n", fd, revents);
	exit(2);
}

static void never_cb(struct hilt_loop *loop, void *arg)
{
	(void)loop;
	(void)arg;
	fprintf(stderr, "a far timer fired\n");
	exit(2);
}

static int64_t far_deadline(size_t i)
{
	/* An hour on, spread so that the heap has real work. */
	return hilt_now_ns() + 3600LL * 1000000000 + (int64_t)(i * 7919 % 100000) * 1000;
}

static void active_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct active *a = arg;

	(void)revents;
	get1(fd);
	if (a->ntimers) {
		size_t i = a->next++ % a->ntimers;

		hilt_loop_cancel_timer(loop, a->timers[i]);
		a->timers[i] = hilt_loop_add_timer(loop, far_deadline(i), never_cb, NULL);
	}
	if (--a->left == 0)
		hilt_loop_stop(loop);
	else
		put1(a->wr);
}

/* hilt: ns of CPU per event; *waits per event into waits. */
static double run_hilt(int (*idle)[2], size_t nidle, size_t ntimers, uint64_t events,
		       double *waits)
{
	struct hilt_loop *loop;
	struct active a = { .left = events, .ntimers = ntimers };
	int p[2];

	if (hilt_loop_new(&loop))
		die("hilt_loop_new");
	for (size_t i = 0; i < nidle; i++)
		if (hilt_loop_add_fd(loop, idle[i][0], POLLIN, idle_cb, NULL))
			die("hilt_loop_add_fd");
	a.timers = calloc(ntimers ? ntimers : 1, sizeof(*a.timers));
	for (size_t i = 0; i < ntimers; i++)
		a.timers[i] = hilt_loop_add_timer(loop, far_deadline(i), never_cb, NULL);
	make_pipe(p);
	a.rd = p[0];
	a.wr = p[1];
	hilt_loop_add_fd(loop, p[0], POLLIN, active_cb, &a);
	put1(p[1]);
	uint64_t it0 = hilt_loop_iterations(loop);
	int64_t t0 = cpu_ns();

	hilt_loop_run(loop);
	int64_t t1 = cpu_ns();

	*waits = (double)(hilt_loop_iterations(loop) - it0) / (double)events;
	hilt_loop_free(loop);
	free(a.timers);
	close(p[0]);
	close(p[1]);
	return (double)(t1 - t0) / (double)events;
}

/* The peer: poll() over the same fds, the array built once, every
 * entry's revents looked at after each wait. */
static double run_poll(int (*idle)[2], size_t nidle, uint64_t events)
{
	struct pollfd *pf = calloc(nidle + 1, sizeof(*pf));
	int p[2];

	if (!pf)
		die("calloc");
	for (size_t i = 0; i < nidle; i++)
		pf[i] = (struct pollfd){ .fd = idle[i][0], .events = POLLIN };
	make_pipe(p);
	pf[nidle] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	put1(p[1]);
	uint64_t left = events;
	int64_t t0 = cpu_ns();

	while (left) {
		int n = poll(pf, nidle + 1, -1);

		if (n < 0 && errno != EINTR)
			die("poll");
		for (size_t i = 0; i <= nidle && n > 0; i++) {
			if (!pf[i].revents)
				continue;
			n--;
			if (i != nidle) {
				fprintf(stderr, "idle fd %d fired\n", pf[i].fd);
				exit(2);
			}
			get1(p[0]);
			if (--left)
				put1(p[1]);
		}
	}
	int64_t t1 = cpu_ns();

	free(pf);
	close(p[0]);
	close(p[1]);
	return (double)(t1 - t0) / (double)events;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

/* --- timer lateness --- */

struct lateness {
	int64_t deadline;
	int64_t *late;
	size_t n, want;
	uint64_t rnd;
};

static void lateness_cb(struct hilt_loop *loop, void *arg)
{
	struct lateness *l = arg;
	int64_t now = hilt_now_ns();

	l->late[l->n++] = now - l->deadline;
	if (l->n == l->want)
		return;
	/* The next one 0-2 ms on, at any ns. */
	l->rnd = l->rnd * 6364136223846793005ULL + 1442695040888963407ULL;
	l->deadline = now + (int64_t)((l->rnd >> 33) % 2000000);
	hilt_loop_add_timer(loop, l->deadline, lateness_cb, l);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void print_dist(const char *what, int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	printf("%s: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%zu samples)\n", what,
	       (double)v[n / 2] / 1e6, (double)v[n * 99 / 100] / 1e6, (double)v[n - 1] / 1e6, n);
}

static void timer_lateness(size_t n)
{
	struct hilt_loop *loop;
	struct lateness l = { .want = n, .rnd = 42 };

	l.late = calloc(n, sizeof(*l.late));
	if (!l.late || hilt_loop_new(&loop))
		die("setup");
	l.deadline = hilt_now_ns() + 1000000;
	hilt_loop_add_timer(loop, l.deadline, lateness_cb, &l);
	hilt_loop_run(loop);
	int64_t early = 0;

	for (size_t i = 0; i < l.n; i++)
		if (l.late[i] < 0)
			early++;
	print_dist("timer lateness, deadlines 0-2 ms apart at ns precision", l.late, l.n);
	if (early)
		printf("  %lld timers fired EARLY\n", (long long)early);
	free(l.late);
	hilt_loop_free(loop);
}

/* --- 256 sessions: console bytes to callback --- */

#define SESSIONS 256

struct sessions;

struct session {
	struct sessions *all;
	int64_t timer;
};

struct sessions {
	int p[SESSIONS][2];
	struct session one[SESSIONS];
	int64_t *lat;
	size_t n, want;
	struct hilt_loop *loop;
};

static void session_cb(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct session *one = arg;
	struct sessions *s = one->all;
	int64_t sent[64];
	ssize_t got = read(fd, sent, sizeof(sent));
	int64_t now = hilt_now_ns();

	(void)revents;
	for (ssize_t i = 0; i + (ssize_t)sizeof(int64_t) <= got; i += sizeof(int64_t)) {
		if (s->n < s->want)
			s->lat[s->n++] = now - sent[i / (ssize_t)sizeof(int64_t)];
	}
	/* A session re-arms its deadline when its console speaks. */
	hilt_loop_cancel_timer(loop, one->timer);
	one->timer = hilt_loop_add_timer(loop, hilt_now_ns() + 60LL * 1000000000, never_cb,
					 NULL);
	if (s->n == s->want)
		hilt_loop_stop(loop);
}

/* Writes a timestamp into one session's console after another, 200 us
 * apart, from its own thread. */
static void *writer(void *arg)
{
	struct sessions *s = arg;
	struct timespec gap = { .tv_nsec = 200000 };

	for (size_t i = 0; i < s->want; i++) {
		int64_t now = hilt_now_ns();

		if (write(s->p[(i * 97) % SESSIONS][1], &now, sizeof(now)) != sizeof(now))
			die("write");
		nanosleep(&gap, NULL);
	}
	return NULL;
}

static void sessions_latency(size_t n)
{
	static struct sessions s;

	s.want = n;
	pthread_t th;

	s.lat = calloc(n, sizeof(*s.lat));
	if (!s.lat || hilt_loop_new(&s.loop))
		die("setup");
	for (int i = 0; i < SESSIONS; i++) {
		make_pipe(s.p[i]);
		s.one[i].all = &s;
		hilt_loop_add_fd(s.loop, s.p[i][0], POLLIN, session_cb, &s.one[i]);
		s.one[i].timer = hilt_loop_add_timer(s.loop, hilt_now_ns() + 60LL * 1000000000,
						     never_cb, NULL);
	}
	if (pthread_create(&th, NULL, writer, &s))
		die("pthread_create");
	hilt_loop_run(s.loop);
	pthread_join(th, NULL);
	print_dist("256 sessions, write to callback", s.lat, s.n);
	for (int i = 0; i < SESSIONS; i++) {
		close(s.p[i][0]);
		close(s.p[i][1]);
	}
	free(s.lat);
	hilt_loop_free(s.loop);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 16, 256, 1024 };
	uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000;
	struct rlimit rl;

	if (!events) {
		fprintf(stderr, "usage: loop-bench [EVENTS]\n");
		return 2;
	}
	/* 1024 idle pipes are 2048 fds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int (*idle)[2] = calloc(1024, sizeof(*idle));

	if (!idle)
		die("calloc");
	for (size_t i = 0; i < 1024; i++)
		make_pipe(idle[i]);
	printf("%llu events per run, CPU ns per event, best of %d runs\n",
	       (unsigned long long)events, RUNS);
	printf("%10s %12s %12s %10s %12s\n", "idle fds", "hilt", "poll()", "poll/hilt",
	       "hilt waits");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		double h = 1e18, p = 1e18, waits = 0;

		for (int r = 0; r < RUNS; r++) {
			h = min2(h, run_hilt(idle, sizes[s], 0, events, &waits));
			p = min2(p, run_poll(idle, sizes[s], events));
		}
		printf("%10zu %12.0f %12.0f %9.1fx %12.2f\n", sizes[s], h, p, p / h, waits);
	}
	printf("\n%10s %12s   (hilt, no idle fd; each event cancels and adds a timer)\n",
	       "timers", "hilt");
	static const size_t ntimers[] = { 0, 16, 256, 1024, 65536 };

	for (size_t s = 0; s < sizeof(ntimers) / sizeof(*ntimers); s++) {
		double h = 1e18, waits;

		for (int r = 0; r < RUNS; r++)
			h = min2(h, run_hilt(idle, 0, ntimers[s], events, &waits));
		printf("%10zu %12.0f\n", ntimers[s], h);
	}
	printf("\n");
	timer_lateness(events / 10 ? (size_t)(events / 10) : 1);
	sessions_latency(events / 4 ? (size_t)(events / 4) : 1);
	for (size_t i = 0; i < 1024; i++) {
		close(idle[i][0]);
		close(idle[i][1]);
	}
	free(idle);
	return 0;
}
