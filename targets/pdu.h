/* Power through pdudaemon, the PDU daemon LAVA and labgrid farms share:
 * on, off and reboot of one port of one PDU as HTTP requests to its
 * listener (GET URL/power/control/COMMAND?hostname=PDU&port=N), made
 * from the event loop (base/fetch.h).  pdudaemon queues a request it
 * accepts (200) and refuses one it cannot take (500: an unknown PDU):
 * that and a daemon that does not answer are the board's infrastructure
 * errors, naming the PDU and the port. */
#ifndef HILT_PDU_H
#define HILT_PDU_H

#include <stdbool.h>
#include <stddef.h>

#include "base/loop.h"

struct hilt_pdu_config {
	char *url;		/* the daemon: http://HOST:PORT */
	char *pdu;		/* the PDU's name in pdudaemon's configuration */
	unsigned long port;	/* its outlet */
	/* A reboot's pause between off and on, whole seconds as pdudaemon
	 * takes it (0: its own, 5 s). */
	unsigned long delay_s;
	double timeout_s;	/* a request's deadline */
	bool reset;		/* the board's reset is a reboot through it */
	long line;		/* of <power>, 0: none */
};

struct hilt_pdu_request;

/* Asks for command ("on", "off", "reboot").  done(arg, rc, err) follows
 * from the loop: rc 0, or -errno with why in err.  0, or -errno with why
 * in err (done does not follow).  Freed with hilt_pdu_free() (a request
 * under way is dropped). */
int hilt_pdu_request(struct hilt_loop *loop, const struct hilt_pdu_config *c,
		     const char *command, void (*done)(void *arg, int rc, const char *err),
		     void *arg, struct hilt_pdu_request **out, char *err, size_t errlen);
void hilt_pdu_free(struct hilt_pdu_request *r);

void hilt_pdu_config_free(struct hilt_pdu_config *c);

#endif
