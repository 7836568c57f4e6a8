/* Power through pdudaemon (pdu.h). */
#define _GNU_SOURCE
#include "targets/pdu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fetch.h"

struct hilt_pdu_request {
	const struct hilt_pdu_config *c;
	char command[16];
	void (*done)(void *arg, int rc, const char *err);
	void *arg;
	struct hilt_fetch *fetch;
	char *url;
	char body[256];		/* the start of the daemon's answer */
	size_t nbody;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hilt_pdu_request *r = arg;
	size_t n = size * nmemb, take = sizeof(r->body) - 1 - r->nbody;

	if (take > n)
		take = n;
	memcpy(r->body + r->nbody, data, take);
	r->nbody += take;
	r->body[r->nbody] = '\0';
	return n;
}

static void request_done(struct hilt_fetch *f, CURL *easy, CURLcode code, void *arg)
{
	struct hilt_pdu_request *r = arg;
	char err[1024] = "";
	long status = 0;
	int rc = 0;

	(void)f;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(easy);
	/* The answer on one line. */
	for (char *p = r->body; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = *(p + 1) ? ' ' : '\0';
	if (code != CURLE_OK) {
		snprintf(err, sizeof(err), "pdudaemon at %s did not take '%s' for PDU '%s' port %lu: %s",
			 r->c->url, r->command, r->c->pdu, r->c->port,
			 *r->errbuf ? r->errbuf : curl_easy_strerror(code));
		rc = code == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	} else if (status != 200) {
		snprintf(err, sizeof(err), "pdudaemon at %s refused '%s' for PDU '%s' port %lu: status %ld%s%s",
			 r->c->url, r->command, r->c->pdu, r->c->port, status,
			 *r->body ? ": " : "", r->body);
		rc = -EPROTO;
	}
	r->done(r->arg, rc, err);
}

int hilt_pdu_request(struct hilt_loop *loop, const struct hilt_pdu_config *c,
		     const char *command, void (*done)(void *arg, int rc, const char *err),
		     void *arg, struct hilt_pdu_request **out, char *err, size_t errlen)
{
	struct hilt_pdu_request *r = calloc(1, sizeof(*r));
	CURL *easy = NULL;
	char *pdu = NULL;
	int rc = -ENOMEM;

	snprintf(err, errlen, "out of memory");
	if (!r)
		return -ENOMEM;
	r->c = c;
	snprintf(r->command, sizeof(r->command), "%s", command);
	r->done = done;
	r->arg = arg;
	if ((rc = hilt_fetch_new(loop, request_done, r, &r->fetch, err, errlen)) < 0)
		goto fail;
	rc = -ENOMEM;
	if (!(easy = curl_easy_init()) || !(pdu = curl_easy_escape(easy, c->pdu, 0)))
		goto fail;
	char delay[48] = "";

	if (!strcmp(command, "reboot") && c->delay_s > 0)
		snprintf(delay, sizeof(delay), "&delay=%lu", c->delay_s);
	if (asprintf(&r->url, "%s/power/control/%s?hostname=%s&port=%lu%s", c->url, command, pdu,
		     c->port, delay) < 0) {
		r->url = NULL;
		goto fail;
	}
	curl_free(pdu);
	pdu = NULL;
	curl_easy_setopt(easy, CURLOPT_URL, r->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)(c->timeout_s * 1000));
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
	if ((rc = hilt_fetch_add(r->fetch, easy)) < 0) {
		snprintf(err, errlen, "libcurl refused the request to pdudaemon");
		goto fail;
	}
	*out = r;
	return 0;
fail:
	curl_free(pdu);
	if (easy)
		curl_easy_cleanup(easy);
	hilt_pdu_free(r);
	return rc;
}

void hilt_pdu_free(struct hilt_pdu_request *r)
{
	if (!r)
		return;
	hilt_fetch_free(r->fetch);
	free(r->url);
	free(r);
}

void hilt_pdu_config_free(struct hilt_pdu_config *c)
{
	free(c->url);
	free(c->pdu);
	memset(c, 0, sizeof(*c));
}
