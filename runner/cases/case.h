/* Case kinds: what a test case of a suite does, one kind a file in
 * runner/cases/ behind one row of struct hilt_case_ops.
 *
 *   case.h       this interface: the ops row, what the suite loader lends
 *                a kind's parser (struct hilt_loader), and what the
 *                session lends the case under way (struct hilt_case_run)
 *   registry.c   the kinds, in the order the suite file's messages name
 *                them: a new kind is its file and one line there
 *   milestone.c  <milestone>: a console pattern, in order
 *   interrupt.c  <interrupt>: a countdown stopped by a key
 *   step.c       <step>: a command at the prompt, its reply checked
 *   python.c     <python>: a script through MicroPython's raw REPL
 *   probe.c      <http>: an HTTP request to the device
 *   results.c    <results>: the device's own test results (KTAP, TAP,
 *                ztest, Unity), each test a case of the session
 *
 * A kind never sees the suite loader's or the session's structures: it
 * parses with the hilt_loader_* calls (implemented by the suite loader,
 * runner/engine/suite.c) and runs with the hilt_run_* calls (implemented
 * by the session, runner/engine/session_case.c and typing.c). */
#ifndef HILT_CASE_H
#define HILT_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/xmlfile.h"
#include "reports/result.h"
#include "runner/engine/http.h"
#include "runner/engine/matcher.h"
#include "runner/engine/suite.h"

struct hilt_loader;
struct hilt_case_run;

struct hilt_case_ops {
	const char *element;		/* its element in the suite file */
	/* The element's attributes, NULL-terminated (name and timeout are
	 * read for every kind before parse). */
	const char *const *attrs;
	/* Reads the kind's own parts of node into c (c->data, and
	 * c->expect_src/expect when it has one pattern): every mistake goes
	 * to the loader's diagnostics; running out of memory is told with
	 * hilt_loader_note(ld, -ENOMEM). */
	void (*parse)(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c);
	/* Frees c->data (which may be NULL or half built); NULL: the kind
	 * keeps none. */
	void (*free)(struct hilt_case *c);

	/* Bytes of the state a run of the case keeps (hilt_run_state()),
	 * zeroed before begin, freed after end. */
	size_t run_size;
	/* The case begins: it watches the console, types, probes. */
	void (*begin)(struct hilt_case_run *run);
	/* A match of one of its watches; NULL: it watches nothing (and no
	 * output that came before it is looked at again for it). */
	void (*matched)(struct hilt_case_run *run, const struct hilt_match *m);
	/* Its deadline ran out (its verdict is to be set now; the next case
	 * follows); NULL: the kind keeps its own deadline. */
	void (*timeout)(struct hilt_case_run *run);
	/* The timer it armed with hilt_run_timer() came due; may be NULL
	 * when it arms none. */
	void (*timer)(struct hilt_case_run *run);
	/* The console's bytes as they come, from offset off of the output
	 * (what the matcher sees), while the case runs; buf NULL (len 0):
	 * the console ended, no more will come.  It may end the case
	 * (hilt_run_done()).  NULL: the kind reads no bytes itself. */
	void (*output)(struct hilt_case_run *run, const char *buf, size_t len, uint64_t off);
	/* The run is over: releases what its state holds (may be NULL).
	 * Its watches, timer and typing are ended by the session. */
	void (*end)(struct hilt_case_run *run);
};

/* The kind whose element is name, or NULL. */
const struct hilt_case_ops *hilt_case_kind_find(const char *element);

/* "<milestone>, <interrupt>, ... or <http>": every kind's element, for
 * messages, into buf (truncated to len). */
void hilt_case_kind_list(char *buf, size_t len);

/* What a case is called in messages: its name, or its element's. */
const char *hilt_case_label(const struct hilt_case *c, const xmlNode *node);

/* ---- What the suite loader lends a kind's parse ---- */

struct hilt_diags *hilt_loader_diags(struct hilt_loader *ld);
/* rc of a check, returned: -ENOMEM is remembered and ends the load. */
int hilt_loader_note(struct hilt_loader *ld, int rc);
bool hilt_loader_out_of_memory(const struct hilt_loader *ld);
/* Whether a <shell>, even a bad one, came before the case. */
bool hilt_loader_shell_seen(const struct hilt_loader *ld);
/* Compiles re into *out (NULL on error), reporting a bad or empty one at
 * node as what's mistake; 0, or the error (told). */
int hilt_loader_compile(struct hilt_loader *ld, const xmlNode *node, const char *what,
			const char *re, struct hilt_pattern **out);
/* Records the named groups of p: a later ${name} may use them. */
int hilt_loader_names(struct hilt_loader *ld, const struct hilt_pattern *p);
/* Checks every ${name} in s is captured by an earlier pattern. */
int hilt_loader_vars(struct hilt_loader *ld, const xmlNode *node, const char *s);
/* Compiles c->expect_src, which may hold ${name}, into c->expect (left
 * NULL when it has them: the session compiles it with their values; only
 * a trial compile checks it now), and records its names. */
int hilt_loader_expect(struct hilt_loader *ld, const xmlNode *node, struct hilt_case *c,
		       const char *what);

/* ---- What the session lends the case under way ---- */

/* Watch ids a case may use, 1 to HILT_RUN_WATCH_MAX. */
#define HILT_RUN_WATCH_MAX 31

const struct hilt_case *hilt_run_case(const struct hilt_case_run *run);
/* The run's state: run_size zeroed bytes (NULL when run_size is 0). */
void *hilt_run_state(struct hilt_case_run *run);
/* The <shell> in force for the case, or NULL. */
const struct hilt_shell *hilt_run_shell(const struct hilt_case_run *run);
/* The console is a recording: nothing typed reaches it. */
bool hilt_run_recorded(const struct hilt_case_run *run);

/* Records the case's verdict; detail may be NULL.  A failure or an error
 * quotes the console's last lines. */
void hilt_run_verdict(struct hilt_case_run *run, enum hilt_verdict v, const char *type,
		      const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The case is over (its verdict recorded): the next one begins, or the
 * session ends.  The run and its state are gone: the hook returns. */
void hilt_run_done(struct hilt_case_run *run);
/* Every case after this one is skipped, "not run: " and why; the session
 * ends with this one. */
void hilt_run_end_session(struct hilt_case_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* When the verdict was recorded, in seconds since power-on. */
double hilt_run_at_s(const struct hilt_case_run *run);
/* Now, in seconds since power-on. */
double hilt_run_now_s(const struct hilt_case_run *run);
/* A test the device reported (a result stream's): a case of the session
 * after the suite's own, c's strings copied; a failure's excerpt is the
 * console's last lines now.  Told to the reporters as any case is. */
void hilt_run_add_test(struct hilt_case_run *run, const struct hilt_case_result *c);
/* When the session ends because the device failed (a failure pattern
 * matched, a fatal kernel report): the evidence, the block of the first
 * kernel finding at or after offset since (the whole report that cut a
 * test off), else the failure pattern's trace; *len its length.  NULL
 * when the session ends otherwise (interrupted, an infrastructure error,
 * every case done). */
const char *hilt_run_crash(const struct hilt_case_run *run, uint64_t since, size_t *len);
/* A JUnit property of the session. */
void hilt_run_property(struct hilt_case_run *run, const char *name, const char *value);
/* What the case's output was (a reply, what a script printed): taken
 * over (freed by the result), NULL for none. */
void hilt_run_output(struct hilt_case_run *run, char *output);
/* The case's deadline in seconds (scaled for the target), when it ends
 * on the loop's clock, and the time since it began. */
double hilt_run_timeout_s(const struct hilt_case_run *run);
int64_t hilt_run_deadline_ns(const struct hilt_case_run *run);
double hilt_run_elapsed_s(const struct hilt_case_run *run);

/* Watches p in the console output from offset from, as id (1 to
 * HILT_RUN_WATCH_MAX); matches come to the matched hook. */
void hilt_run_watch(struct hilt_case_run *run, int id, const struct hilt_pattern *p,
		    uint64_t from);
void hilt_run_unwatch(struct hilt_case_run *run, int id);
/* Output consumed by the cases before, and where the last match of one
 * of them began (a prompt may be the very text it matched). */
uint64_t hilt_run_cursor(const struct hilt_case_run *run);
uint64_t hilt_run_last_match(const struct hilt_case_run *run);
/* The case consumed the output up to cursor; its last match began at
 * match_start. */
void hilt_run_consume(struct hilt_case_run *run, uint64_t cursor, uint64_t match_start);
/* Total output so far. */
uint64_t hilt_run_offset(const struct hilt_case_run *run);
/* Copies what the matcher's window holds of [from, to) into buf (NUL
 * terminated); returns its length. */
size_t hilt_run_copy(const struct hilt_case_run *run, uint64_t from, uint64_t to,
		     char *buf, size_t len);
/* The lines of the output around offset from up to now, as much as the
 * console tail holds (from its first whole line when it no longer holds
 * from), into buf (NUL terminated, without the last line end). */
void hilt_run_lines(const struct hilt_case_run *run, uint64_t from, char *buf, size_t len);
/* Stores the named groups of a match of p in the output (text: in text,
 * at the match's offsets) as variables and properties. */
void hilt_run_capture(struct hilt_case_run *run, const struct hilt_pattern *p,
		      const struct hilt_match *m);
void hilt_run_capture_text(struct hilt_case_run *run, const struct hilt_pattern *p,
			   const struct hilt_match *m, const char *text);
/* tmpl with each ${name} replaced by its captured value (regex-quoted
 * when quote): malloc'd (caller frees), or NULL with why in err. */
char *hilt_run_expand(const struct hilt_case_run *run, const char *tmpl, bool quote,
		      char *err, size_t errlen);

/* Types text on the console now.  -EIO when a failed write ended the
 * case (the hook returns). */
int hilt_run_type(struct hilt_case_run *run, const char *text);
/* Types text then after at the case's shell: at once, or paced by its
 * pace= with each chunk's echo looked for from echo_from (echo), else
 * by time.  -EIO when the case has ended (the hook returns). */
int hilt_run_type_paced(struct hilt_case_run *run, const char *text, const char *after,
			bool echo, uint64_t echo_from);
/* Queues text for when the console is writable (a courtesy as a case
 * ends: a failed write does not end it again); nothing on a recording. */
void hilt_run_queue(struct hilt_case_run *run, const char *text);

/* Paced typing under way, waiting for each chunk's echo. */
struct hilt_paced {
	const char *text;	/* all of it */
	size_t typed, len;	/* bytes typed so far, of len */
	unsigned pace;		/* bytes a chunk */
};
/* Whether the case's typing is paced by echo and not done: *p says how
 * far it got. */
bool hilt_run_paced(const struct hilt_case_run *run, struct hilt_paced *p);

/* Arms the case's one timer (again): its timer hook runs in delay_s. */
void hilt_run_timer(struct hilt_case_run *run, double delay_s);

/* Where the device's TCP port is reached from here: 0, -ENOTSUP (the
 * target has no network), or -errno; why in err. */
int hilt_run_http_endpoint(struct hilt_case_run *run, int port, char *host, size_t hostlen,
			   int *out_port, char *err, size_t errlen);
/* Starts an HTTP probe the session owns (spec must live as long as the
 * run's state); done runs once, from the loop.  Ended with the case. */
int hilt_run_http_start(struct hilt_case_run *run, const struct hilt_http_spec *spec,
			void (*done)(struct hilt_case_run *run, const struct hilt_http_result *r),
			char *err, size_t errlen);

#endif
