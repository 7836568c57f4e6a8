/* HTTP transfers driven from the event loop (fetch.h). */
#define _GNU_SOURCE
#include "base/fetch.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct hilt_fetch {
	struct hilt_loop *loop;
	hilt_fetch_done done;
	void *arg;
	CURLM *multi;
	int64_t curl_timer;
	/* fds curl asked us to watch. */
	int fds[16];
	size_t nfds;
	CURL *easy[8];		/* the transfers under way */
	size_t neasy;
	unsigned depth;		/* inside a callback of the loop */
	bool freed;		/* freed meanwhile: freed once it returns */
};

static void destroy(struct hilt_fetch *f)
{
	if (f->curl_timer > 0)
		hilt_loop_cancel_timer(f->loop, f->curl_timer);
	for (size_t i = 0; i < f->nfds; i++)
		hilt_loop_del_fd(f->loop, f->fds[i]);
	/* Transfers still under way are dropped. */
	for (size_t i = 0; i < f->neasy; i++) {
		curl_multi_remove_handle(f->multi, f->easy[i]);
		curl_easy_cleanup(f->easy[i]);
	}
	curl_multi_cleanup(f->multi);
	free(f);
}

/* Tells of every transfer that ended; false when the fetch was freed. */
static bool check_done(struct hilt_fetch *f)
{
	CURLMsg *msg;
	int left;

	f->depth++;
	while (!f->freed && (msg = curl_multi_info_read(f->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode code = msg->data.result;

		curl_multi_remove_handle(f->multi, easy);
		for (size_t i = 0; i < f->neasy; i++)
			if (f->easy[i] == easy)
				f->easy[i] = f->easy[--f->neasy];
		f->done(f, easy, code, f->arg);
	}
	f->depth--;
	if (f->freed && !f->depth) {
		destroy(f);
		return false;
	}
	return true;
}

static void on_fd(struct hilt_loop *loop, int fd, short revents, void *arg)
{
	struct hilt_fetch *f = arg;
	int running;
	int ev = ((revents & POLLIN) ? CURL_CSELECT_IN : 0) |
		 ((revents & POLLOUT) ? CURL_CSELECT_OUT : 0) |
		 ((revents & (POLLERR | POLLHUP)) ? CURL_CSELECT_ERR : 0);

	(void)loop;
	curl_multi_socket_action(f->multi, fd, ev, &running);
	check_done(f);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct hilt_fetch *f = arg;
	short events = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
			       ((what & CURL_POLL_OUT) ? POLLOUT : 0));
	size_t i;

	(void)easy;
	(void)sockp;
	for (i = 0; i < f->nfds && f->fds[i] != s; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < f->nfds) {
			hilt_loop_del_fd(f->loop, s);
			f->fds[i] = f->fds[--f->nfds];
		}
		return 0;
	}
	if (i < f->nfds)
		return hilt_loop_mod_fd(f->loop, s, events) < 0 ? -1 : 0;
	if (f->nfds == sizeof(f->fds) / sizeof(*f->fds))
		return -1;
	if (hilt_loop_add_fd(f->loop, s, events, on_fd, f) < 0)
		return -1;
	f->fds[f->nfds++] = s;
	return 0;
}

static void on_curl_timer(struct hilt_loop *loop, void *arg)
{
	struct hilt_fetch *f = arg;
	int running;

	(void)loop;
	f->curl_timer = 0;
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int on_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct hilt_fetch *f = arg;

	(void)multi;
	if (f->curl_timer > 0)
		hilt_loop_cancel_timer(f->loop, f->curl_timer);
	f->curl_timer = 0;
	if (timeout_ms >= 0) {
		/* Run from the loop even when due now: done never runs
		 * inside hilt_fetch_add(). */
		f->curl_timer = hilt_loop_add_timer(f->loop, hilt_now_ns() + timeout_ms * 1000000,
						    on_curl_timer, f);
		if (f->curl_timer < 0)
			f->curl_timer = 0;
	}
	return 0;
}

int hilt_fetch_new(struct hilt_loop *loop, hilt_fetch_done done, void *arg,
		   struct hilt_fetch **out, char *err, size_t errlen)
{
	static bool curl_ready;
	struct hilt_fetch *f;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "libcurl did not initialise");
			return -EIO;
		}
		curl_ready = true;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->multi = curl_multi_init())) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->loop = loop;
	f->done = done;
	f->arg = arg;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	*out = f;
	return 0;
}

int hilt_fetch_add(struct hilt_fetch *f, CURL *easy)
{
	if (f->neasy == sizeof(f->easy) / sizeof(*f->easy))
		return -EBUSY;
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROXY, "");	/* never the environment's */
	/* libcurl asks for a timer at once (on_timer): the transfer starts
	 * from the loop. */
	if (curl_multi_add_handle(f->multi, easy) != CURLM_OK)
		return -EIO;
	f->easy[f->neasy++] = easy;
	return 0;
}

void hilt_fetch_free(struct hilt_fetch *f)
{
	if (!f)
		return;
	if (f->depth) {
		f->freed = true;
		return;
	}
	destroy(f);
}
