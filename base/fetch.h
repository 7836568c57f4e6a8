/* HTTP transfers driven from the event loop: libcurl's multi interface,
 * its sockets watched and its timers run by the loop, so nothing waits.
 * The caller sets an easy handle up (URL, method, callbacks) and adds it;
 * done tells how each transfer ended.  Used by the HTTP probes of suites
 * (runner/engine/http.c) and by a board's power through pdudaemon. */
#ifndef HILT_FETCH_H
#define HILT_FETCH_H

#include <curl/curl.h>

#include "base/loop.h"

struct hilt_fetch;

/* A transfer ended: code is libcurl's; easy is no longer in the fetch
 * (the caller cleans it up, here or later).  From the loop, never inside
 * hilt_fetch_add(); the fetch may be freed in it. */
typedef void (*hilt_fetch_done)(struct hilt_fetch *f, CURL *easy, CURLcode code, void *arg);

/* 0, or -errno with why in err (libcurl that does not initialise). */
int hilt_fetch_new(struct hilt_loop *loop, hilt_fetch_done done, void *arg,
		   struct hilt_fetch **out, char *err, size_t errlen);

/* Starts the transfer of easy (no proxy from the environment, no
 * signals: set here); the fetch owns it until done.  0, -EBUSY when 8
 * are under way, or -EIO when libcurl refused it. */
int hilt_fetch_add(struct hilt_fetch *f, CURL *easy);

/* Frees the fetch; a transfer still under way is dropped (its easy
 * cleaned up).  Safe inside done. */
void hilt_fetch_free(struct hilt_fetch *f);

#endif
