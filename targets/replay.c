/* Replay target: the console is a recorded log (the raw log hilt writes
 * for every session), as fast as it can be read or with the timing
 * recorded beside it.  Suites can be developed offline against logs
 * captured on the farm, and any run can be replayed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/loop.h"
#include "targets/replay.h"
#include "targets/timing.h"
#include "targets/target.h"

struct hilt_target {
	const struct hilt_target_config *cfg;
	const struct hilt_replay_config *rcfg;	/* cfg's */
	int log_fd;		/* the recording */
	int console_fd;		/* what the session reads */
	const struct hilt_target_env *env;
	int64_t start_timer;	/* tells the session it started */
	/* Realtime only: chunks go through a pipe at their recorded times,
	 * each written by a timer of the loop. */
	int pipe_w;
	int64_t chunk_timer;
	const struct timing *timing;	/* shared, parsed once */
	size_t next_i;		/* the timing's next chunk */
	FILE *log;		/* the recording, read a chunk at a time */
	int64_t due_ns;		/* when the pending chunk is due */
	bool have_next;		/* pending holds the next chunk */
	char *pending;		/* the next chunk, not yet due */
	size_t pending_len, pending_cap;
	struct hilt_buf out;	/* due, not yet taken by the pipe */
	unsigned long long size;
	char status[4200];	/* why the replay failed, or "" */
};

static int replay_new(const struct hilt_target_config *cfg,
		      struct hilt_target **out, char *err, size_t errlen)
{
	struct hilt_target *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->cfg = cfg;
	t->rcfg = cfg->priv;
	t->log_fd = t->console_fd = t->pipe_w = -1;
	*out = t;
	return 0;
}

/* A timing file, parsed once per process while it is unchanged: hundreds
 * of sessions replaying one recording share it. */
struct timing {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct hilt_timing t;
	struct timing *next;
};

static struct timing *timings;

/* The parsed timing file at path: shared, lives as long as the process.
 * 0, or -errno with what went wrong in err. */
static int load_timing(const char *path, const struct timing **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	struct timing *tm;
	int rc;

	if (!f || fstat(fileno(f), &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the timing file %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return rc;
	}
	for (tm = timings; tm; tm = tm->next) {
		if (tm->dev == st.st_dev && tm->ino == st.st_ino && tm->size == st.st_size &&
		    tm->mtime.tv_sec == st.st_mtim.tv_sec && tm->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			fclose(f);
			*out = tm;
			return 0;
		}
	}
	tm = calloc(1, sizeof(*tm));
	if (!tm) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	long line;
	char why[160];

	rc = hilt_timing_parse(f, &tm->t, &line, why, sizeof(why));
	fclose(f);
	if (rc) {
		if (rc == -EINVAL)
			snprintf(err, errlen, "%s:%ld: %s", path, line, why);
		else
			snprintf(err, errlen, "timing file %s: %s", path, strerror(-rc));
		hilt_timing_free(&tm->t);
		free(tm);
		return rc;
	}
	tm->dev = st.st_dev;
	tm->ino = st.st_ino;
	tm->size = st.st_size;
	tm->mtime = st.st_mtim;
	tm->next = timings;
	timings = tm;
	*out = tm;
	return 0;
}

/* Takes the timing's next chunk and that many bytes of the log (buffered:
 * a recording of one-byte chunks costs no system call each).  Returns 1
 * when a chunk is pending, 0 at the end, -errno on error. */
static int next_chunk(struct hilt_target *t)
{
	size_t len;

	t->have_next = false;
	if (t->next_i >= t->timing->t.n)
		return 0;
	len = t->timing->t.len[t->next_i];
	if (len > t->pending_cap) {
		char *p = realloc(t->pending, len);

		if (!p)
			return -ENOMEM;
		t->pending = p;
		t->pending_cap = len;
	}
	t->pending_len = fread(t->pending, 1, len, t->log);
	t->due_ns += t->timing->t.delay_ns[t->next_i++];
	t->have_next = t->pending_len > 0;
	return t->have_next;
}

/* How early a recorded chunk may be written to join the write of one due
 * now: a console prints in bursts of tiny writes microseconds apart (a
 * kernel's early log, a character at a time), which go out as one write,
 * not one wake-up of the loop each. */
#define CHUNK_SLACK_NS (1000 * 1000LL)
/* When the pipe is full (the session has not read yet), again after: */
#define PIPE_RETRY_NS (1000 * 1000LL)

static void write_due(struct hilt_loop *loop, void *arg);

static int arm(struct hilt_target *t, int64_t at)
{
	t->chunk_timer = hilt_loop_add_timer(t->env->loop, at, write_due, t);
	if (t->chunk_timer < 0) {
		int rc = (int)t->chunk_timer;

		t->chunk_timer = 0;
		return rc;
	}
	return 0;
}

/* The console ends: closing the pipe is the end of the log (the session
 * reads what is in it first). */
static void end_pipe(struct hilt_target *t)
{
	if (t->pipe_w >= 0)
		close(t->pipe_w);
	t->pipe_w = -1;
}

static int take_due(struct hilt_target *t)
{
	int rc = hilt_buf_append(&t->out, t->pending, t->pending_len);

	return rc < 0 ? rc : next_chunk(t);
}

/* Writes what is due in one write; arms the timer for the next chunk (or
 * for a full pipe).  A failure ends the console early: the session sees
 * the log cut short, and why. */
static void write_due(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;
	int64_t now = hilt_now_ns();
	int rc = 0;

	(void)loop;
	t->chunk_timer = 0;
	while (t->have_next && t->due_ns <= now + CHUNK_SLACK_NS && rc >= 0)
		rc = take_due(t);
	if (rc < 0) {
		snprintf(t->status, sizeof(t->status), "replay of %s: %s", t->rcfg->timing,
			 strerror(-rc));
		end_pipe(t);
		return;
	}
	while (hilt_buf_len(&t->out)) {
		ssize_t n = write(t->pipe_w, hilt_buf_str(&t->out), hilt_buf_len(&t->out));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			snprintf(t->status, sizeof(t->status), "replay pipe: %s", strerror(errno));
			end_pipe(t);
			return;
		}
		hilt_buf_consume(&t->out, (size_t)n);
	}
	if (!hilt_buf_len(&t->out) && !t->have_next) {
		end_pipe(t);
		return;
	}
	int64_t at = t->have_next ? t->due_ns : INT64_MAX;

	if (hilt_buf_len(&t->out) && now + PIPE_RETRY_NS < at)
		at = now + PIPE_RETRY_NS;
	if (arm(t, at) < 0) {
		snprintf(t->status, sizeof(t->status), "out of memory");
		end_pipe(t);
	}
}

static int start_realtime(struct hilt_target *t, char *err, size_t errlen)
{
	const char *timing = t->rcfg->timing;
	int fds[2];

	int rc = load_timing(timing, &t->timing, err, errlen);

	if (rc)
		return rc;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		goto err_errno;
	t->console_fd = fds[0];
	t->pipe_w = fds[1];
	t->log = fdopen(t->log_fd, "rb");
	if (!t->log)
		goto err_errno;
	t->log_fd = -1;		/* the FILE's now */
	/* The recorded times count from now, when the session is told the
	 * target started. */
	t->due_ns = hilt_now_ns();
	t->next_i = 0;
	rc = next_chunk(t);

	if (rc < 0) {
		snprintf(err, errlen, "replay of %s: %s", timing, strerror(-rc));
		return rc;
	}
	if (rc == 0) {
		/* An empty recording: the console ends at once. */
		end_pipe(t);
		return 0;
	}
	rc = arm(t, t->due_ns);
	if (rc < 0)
		snprintf(err, errlen, "replay set-up: %s", strerror(-rc));
	return rc;

err_errno:
	rc = -errno;
	snprintf(err, errlen, "replay set-up: %s", strerror(errno));
	return rc;
}

static void tell_started(struct hilt_loop *loop, void *arg)
{
	struct hilt_target *t = arg;
	struct hilt_target_started st = { 0 };

	(void)loop;
	t->start_timer = 0;
	t->env->started(t->env->arg, &st);
}

static int open_recording(struct hilt_target *t, char *err, size_t errlen)
{
	const char *log = t->rcfg->log;
	struct stat st;

	/* A FIFO (a live stream) must not block the loop before a writer
	 * comes, nor between writes. */
	t->log_fd = open(log, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (t->log_fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open the recorded log %s: %s", log, strerror(e));
		return -e;
	}
	if (fstat(t->log_fd, &st) == 0)
		t->size = (unsigned long long)st.st_size;
	if (!t->rcfg->realtime) {
		/* A regular file is always readable: the session reads it at
		 * the speed it can match. */
		t->console_fd = t->log_fd;
		return 0;
	}
	/* The realtime replay reads the recording whole chunks at a time. */
	fcntl(t->log_fd, F_SETFL, fcntl(t->log_fd, F_GETFL) & ~O_NONBLOCK);
	return start_realtime(t, err, errlen);
}

static int replay_start(struct hilt_target *t, const struct hilt_target_env *env,
			char *err, size_t errlen)
{
	int rc;

	t->env = env;
	rc = open_recording(t, err, errlen);
	if (rc < 0)
		return rc;
	t->start_timer = hilt_loop_add_timer(env->loop, hilt_now_ns(), tell_started, t);
	if (t->start_timer < 0) {
		t->start_timer = 0;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int replay_console_fd(struct hilt_target *t)
{
	return t->console_fd;
}

static ssize_t replay_console_write(struct hilt_target *t, const void *buf,
				    size_t len)
{
	/* A recording does not listen; its replies are already in it. */
	(void)t;
	(void)buf;
	return (ssize_t)len;
}

static enum hilt_target_state replay_console_eof(struct hilt_target *t,
						 char *why, size_t whylen)
{
	if (*t->status) {
		/* The replay itself failed: the log was cut short. */
		snprintf(why, whylen, "replaying %s failed: %s", t->rcfg->log, t->status);
		return HILT_TARGET_GONE_INFRA;
	}
	snprintf(why, whylen, "the recorded log %s ended (%llu bytes)",
		 t->rcfg->log, t->size);
	return HILT_TARGET_GONE_DEVICE;
}

static bool replay_stop(struct hilt_target *t, bool hurry)
{
	(void)hurry;
	if (t->env && t->start_timer > 0)
		hilt_loop_cancel_timer(t->env->loop, t->start_timer);
	if (t->env && t->chunk_timer > 0)
		hilt_loop_cancel_timer(t->env->loop, t->chunk_timer);
	t->start_timer = t->chunk_timer = 0;
	if (t->console_fd >= 0 && t->console_fd != t->log_fd)
		close(t->console_fd);
	if (t->log_fd >= 0)
		close(t->log_fd);
	if (t->pipe_w >= 0)
		close(t->pipe_w);
	if (t->log)
		fclose(t->log);
	t->console_fd = t->log_fd = t->pipe_w = -1;
	t->timing = NULL;
	t->log = NULL;
	return true;
}

static void replay_describe(struct hilt_target *t, hilt_property_cb cb,
			    void *arg)
{
	char size[32];

	cb(arg, "replay.log", t->rcfg->log);
	cb(arg, "replay.speed", t->rcfg->realtime ? "realtime" : "max");
	snprintf(size, sizeof(size), "%llu", t->size);
	cb(arg, "replay.bytes", size);
}

static void replay_free(struct hilt_target *t)
{
	if (!t)
		return;
	replay_stop(t, true);
	free(t->pending);
	hilt_buf_free(&t->out);
	free(t);
}

const struct hilt_target_ops hilt_replay_ops = {
	.kind = "replay",
	.parse = hilt_replay_parse,
	.free_config = hilt_replay_free_config,
	.spec_prefix = "replay:",
	.spec_arg = "LOG",
	.from_spec = hilt_replay_from_spec,
	.recorded = true,
	.new_target = replay_new,
	.start = replay_start,
	.console_fd = replay_console_fd,
	.console_write = replay_console_write,
	.console_eof = replay_console_eof,
	.stop = replay_stop,
	.describe = replay_describe,
	.free_target = replay_free,
	.check = hilt_replay_check,
};
