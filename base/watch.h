/* A console's live copy for read-only observers (hilt console --watch).
 *
 * The process that holds a console listens on a unix stream socket and
 * copies what the console prints to every observer connected, in frames:
 * a type byte, the payload's length (4 bytes, little-endian), the
 * payload:
 *   'H'  the header, first: "offset=N" (the byte of the console stream the
 *        first data packet starts at) then lines of the holder's own text
 *   'D'  console bytes, in order, none left out before the observer is
 *        dropped
 *   'M'  a message of the holder's (a mark, "dropped: ...")
 *   'E'  the holder's goodbye, last: why it let the console go.  An
 *        observer whose connection ends without it was dropped (its
 *        message may not have fitted) or its holder died.
 * An observer joining gets the header, then the last bytes seen (up to
 * HILT_WATCH_BACKLOG), then what follows.
 *
 * Nothing here ever makes the holder wait: sends are non-blocking, what an
 * observer's socket does not take waits in a queue of its own, and an
 * observer whose queue passes HILT_WATCH_BEHIND bytes is dropped: it gets
 * what was queued and the reason (if it ever reads them), then nothing. */
#ifndef HILT_WATCH_H
#define HILT_WATCH_H

#include <stddef.h>
#include <sys/types.h>

#define HILT_WATCH_BACKLOG (16 * 1024)
#define HILT_WATCH_BEHIND (1024 * 1024)
#define HILT_WATCH_MAX 16		/* observers at once */
#define HILT_WATCH_PACKET 4096		/* the largest data payload */

struct hilt_loop;
struct hilt_watch;

/* What the holder is told of its observers ("observer 2 joined"). */
typedef void (*hilt_watch_note_cb)(void *arg, const char *what);

/* Listens at path (a socket left there by a holder that died is replaced;
 * a live one is not: -EADDRINUSE).  header: the holder's lines for the
 * 'H' packet.  note (may be NULL) hears of observers joining, leaving and
 * being dropped.  0, or -errno with why in err. */
int hilt_watch_open(struct hilt_loop *loop, const char *path, const char *header,
		    hilt_watch_note_cb note, void *arg, struct hilt_watch **out, char *err,
		    size_t errlen);
/* The console printed buf: to every observer, never blocking. */
void hilt_watch_feed(struct hilt_watch *w, const void *buf, size_t len);
/* An 'M' packet to every observer. */
void hilt_watch_say(struct hilt_watch *w, const char *msg);
/* How many observers are connected (the dropped ones still being told
 * why not counted). */
unsigned hilt_watch_count(const struct hilt_watch *w);
/* Says goodbye to every observer ('E' with why; best effort: one that
 * does not take it now sees its connection end without it), closes them,
 * removes the socket.  NULL does nothing. */
void hilt_watch_close(struct hilt_watch *w, const char *why);

/* The observer's side.  Connects to the holder at path: 0 with a
 * blocking fd, or -errno (-ENOENT, -ECONNREFUSED: nobody holds it now). */
int hilt_watch_connect(const char *path, int *fd);
/* One frame, blocking: its type in *type, its payload in buf (what
 * passes len bytes dropped); the length kept, 0 when the holder closed the
 * connection, -errno (-EPROTO: it closed in mid-frame). */
ssize_t hilt_watch_recv(int fd, char *type, void *buf, size_t len);

#endif
