/* The kernel report reader: every crash, warning and sanitizer report a
 * console prints, found, titled in the kernel community's form
 * ("KASAN: slab-out-of-bounds Write in kmalloc_oob_right", "WARNING in
 * __list_add_valid"), counted by title.  It reads beside the matcher the
 * same bytes the matcher sees: streamed, in chunks cut anywhere (the same
 * findings whatever the reads), with memory bounded however long the
 * console runs and however many reports it prints.
 *
 * A report is a block of lines: its first line (a "cut here" ruler, a
 * sanitizer's "====" ruler, "BUG: ...", "WARNING: ...", "Unable to handle
 * kernel ...", "INFO: task ... blocked", ...) up to its end ("end trace",
 * the closing ruler, the end of its call trace, or a line count), with
 * console timestamps ("[   12.345678] "), log levels ("<4>") and caller
 * ids ("[    T1] ") in front of every line, and lines of other tasks
 * interleaved.  Titles are made from the report's kind and the first
 * function of its trace that is not reporting machinery (man 5
 * hilt-suite, KERNEL REPORTS, has the rules). */
#ifndef HILT_KREPORT_H
#define HILT_KREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a finding is, as the JUnit's finding.N.kind names it. */
enum hilt_kreport_kind {
	HILT_KR_PANIC,		/* panic */
	HILT_KR_OOPS,		/* oops */
	HILT_KR_BUG,		/* bug */
	HILT_KR_WARNING,	/* warning */
	HILT_KR_KASAN,		/* kasan */
	HILT_KR_KFENCE,		/* kfence */
	HILT_KR_KMSAN,		/* kmsan */
	HILT_KR_UBSAN,		/* ubsan */
	HILT_KR_LOCKDEP,	/* lockdep */
	HILT_KR_HUNG_TASK,	/* hung-task */
	HILT_KR_RCU_STALL,	/* rcu-stall */
	HILT_KR_LOCKUP,		/* lockup */
	HILT_KR_GPF,		/* gpf */
	HILT_KR_PAGE_FAULT,	/* page-fault */
	HILT_KR_DIVIDE_ERROR,	/* divide-error */
	HILT_KR_BAD_PAGE,	/* bad-page */
	HILT_KR_LEAK,		/* leak */
	HILT_KR_ATOMIC_SLEEP,	/* atomic-sleep */
	HILT_KR_OOM,		/* oom */
	HILT_KR_OTHER,		/* other: what a suite adds */
	HILT_KR_BOOTLOADER,	/* bootloader: U-Boot's aborts */
	HILT_KR_FIRMWARE,	/* firmware: ESP-IDF's panics */
	HILT_KR_NKINDS
};

/* The kind's name ("kasan", "hung-task"); never NULL for a valid kind. */
const char *hilt_kreport_kind_name(enum hilt_kreport_kind kind);
/* The kind named name: 0, or -EINVAL when there is none of that name. */
int hilt_kreport_kind_parse(const char *name, enum hilt_kreport_kind *out);

/* One distinct title.  Everything is owned by the reader and lives until
 * hilt_kreport_free(); count and fatal change as the stream goes on. */
struct hilt_finding {
	const char *title;	/* "WARNING in __list_add_valid" */
	enum hilt_kreport_kind kind;
	unsigned long count;	/* reports with this title so far */
	/* The first line of its first report exactly as the console printed
	 * it (timestamp and all; no CR or LF; a NUL byte made a space), raw
	 * bytes: make it inert before showing it.  It is the line that names
	 * the report ("WARNING: CPU: 1 PID: 282 at ...", "BUG: KASAN: ..."),
	 * not a "cut here" or "====" ruler before it, which the block holds. */
	const char *line;
	/* The first report's block: its lines as printed, '\n' after each,
	 * at most the opts' block_cap bytes (cut at a line when it can be). */
	const char *block;
	size_t block_len;
	uint64_t offset;	/* of line in the stream the reader was fed */
	bool fatal;		/* it ends the session (opts.fatal) */
};

/* Tells the owner a report was completed: f is new (its first report),
 * or an existing finding counted again (f->count > 1).  Called from
 * hilt_kreport_feed() or hilt_kreport_finish(); f lives as the reader.
 * A report is completed at its end: its end marker, the next report, a
 * run of lines of no report's shape, or, for a panic and a report a
 * panic follows, the end of the panic's dump ("Kernel Offset:", "---[ end
 * Kernel panic", "Rebooting in") or hilt_kreport_finish(). */
typedef void hilt_kreport_cb(void *arg, const struct hilt_finding *f, bool first);

struct hilt_kreport_opts {
	/* Kinds that end the session: a bit (1u << kind) each.  0 means the
	 * default, a panic only; HILT_KREPORT_NONE_FATAL for none. */
	uint32_t fatal;
	/* Titles to ignore (a known warning of a board): PCRE2 patterns
	 * searched in the title; a report whose title matches is neither
	 * counted nor told.  NULL-terminated, borrowed for the reader's life;
	 * NULL for none. */
	const char *const *ignore;
	/* Bytes kept of a finding's block: 0 for the default (4096). */
	size_t block_cap;
	/* Distinct titles kept: 0 for the default (256).  Reports with a
	 * title beyond them are counted in hilt_kreport_dropped() only. */
	size_t max_findings;
	hilt_kreport_cb *cb;	/* may be NULL */
	void *arg;
};

#define HILT_KREPORT_NONE_FATAL (1u << 31)

struct hilt_kreport;

/* A reader for one console stream: 0, -EINVAL with why in err (an ignore
 * pattern that does not compile), or -ENOMEM.  Freed with
 * hilt_kreport_free(). */
int hilt_kreport_new(const struct hilt_kreport_opts *opts, struct hilt_kreport **out,
		     char *err, size_t errlen);
void hilt_kreport_free(struct hilt_kreport *kr);

/* Reads len more bytes of the console.  0, or -ENOMEM (what was found
 * before stays). */
int hilt_kreport_feed(struct hilt_kreport *kr, const char *data, size_t len);
/* The console ended: a report still open (no end seen) is completed as
 * it is, its last line too. */
int hilt_kreport_finish(struct hilt_kreport *kr);

/* The console went quiet: the report under way (its dump not ended, or
 * waiting for a panic it may cause) is completed as it stands; the reader
 * reads on afterwards.  For an owner that waits a moment of silence after
 * hilt_kreport_panicking() rather than for the console to end.  0, or
 * -ENOMEM. */
int hilt_kreport_flush(struct hilt_kreport *kr);
/* Whether the report under way has a panic in it (its dump still being
 * printed): it will be told fatal if panics are. */
bool hilt_kreport_panicking(const struct hilt_kreport *kr);

/* The findings so far, in order of first appearance. */
size_t hilt_kreport_count(const struct hilt_kreport *kr);
const struct hilt_finding *hilt_kreport_get(const struct hilt_kreport *kr, size_t i);
/* Reports not kept because max_findings distinct titles were reached. */
unsigned long hilt_kreport_dropped(const struct hilt_kreport *kr);
/* Bytes the reader holds (its buffers and its findings): bounded by
 * about 40 KiB + max_findings * (block_cap + 1.3 KiB) however long the
 * console runs. */
size_t hilt_kreport_bytes(const struct hilt_kreport *kr);

/* The title of one report, from its lines alone (console prefixes
 * allowed): what the reader gives it.  For tools and tests.  0, or
 * -ENOENT when the lines hold no report. */
int hilt_kreport_title(const char *const *lines, size_t n, enum hilt_kreport_kind *kind,
		       char *title, size_t titlelen);

#endif
