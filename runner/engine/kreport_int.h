/* What the kernel report reader's files share: kreport.c streams lines
 * and keeps findings, kreport_lines.c knows the lines' shapes (console
 * prefixes, report headers), kreport_frames.c call trace frames, ktitle.c
 * makes titles. */
#ifndef HILT_KREPORT_INT_H
#define HILT_KREPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runner/engine/kreport.h"

/* What one line (its body, console prefixes stripped) is to the reader. */
enum kr_class {
	KC_NONE,	/* anything else */
	KC_CUT,		/* "------------[ cut here ]------------" */
	KC_RULER,	/* a sanitizer's or lockdep's "=====" ruler */
	KC_END_TRACE,	/* "---[ end trace ... ]---" */
	KC_END_PANIC,	/* "---[ end Kernel panic ..." */
	KC_HEADER,	/* the first line of a report */
	KC_OOPS,	/* "Oops: ...", "Internal error: Oops": part of an open
			 * report, else a report of its own */
	KC_PANIC_FOLD,	/* a panic caused by an earlier report */
	KC_OOM_KILLED,	/* "Out of memory: Killed process": ends an OOM report,
			 * else one of its own */
	KC_LEAK_OBJECT,	/* kmemleak's "unreferenced object": part of an open
			 * "BUG: memory leak", else a report of its own */
};

/* The report's shape, which picks how its title is made. */
enum kr_type {
	KT_NONE,
	KT_KASAN, KT_KFENCE, KT_KMSAN, KT_UBSAN, KT_SLUB,
	KT_WARNING, KT_DEADLOCK, KT_INCONSISTENT, KT_RCU_USAGE, KT_NONSTATIC_KEY,
	KT_HUNG, KT_RCU_STALL, KT_SOFT_LOCKUP, KT_HARD_LOCKUP, KT_SPINLOCK,
	KT_GPF, KT_PF_NULL, KT_PF_PAGING, KT_PF_OTHER, KT_DIVIDE, KT_INVALID_OP,
	KT_OOPS, KT_KERNEL_BUG, KT_BUG, KT_STACK_GUARD, KT_DOUBLE_FAULT,
	KT_BAD_PAGE, KT_LEAK, KT_ATOMIC_SLEEP, KT_SCHED_ATOMIC,
	KT_OOM, KT_PANIC, KT_UBOOT, KT_GURU, KT_ABORT, KT_LOCKBUG, KT_PREEMPT, KT_UNHANDLED,
};

struct kr_head {
	enum kr_class cls;
	enum kr_type type;		/* for KC_HEADER, KC_OOPS, ... */
	enum hilt_kreport_kind kind;
};

/* Bytes of console prefixes (timestamp, log level, caller id, syslog
 * facility) in front of the line's body. */
size_t kr_prefix_len(const char *s, size_t len);

/* Where the line's body begins (after its prefixes, or after a kernel
 * line's timestamp in the middle of another program's line), and what
 * it is. */
size_t kr_body(const char *s, size_t len, struct kr_head *h);

/* Who printed the line, by its caller id ("[ T1533]", "[  C0]"); 0
 * when it has none. */
uint32_t kr_caller(const char *s, size_t len);

/* Whether a line's body (two bytes at least) may begin a report or a
 * ruler, by its first two bytes: the streaming's quick test, without a
 * branch (tables in ktitle.c). */
extern const unsigned char kr_first_idx[256];
extern const unsigned char kr_second[22][32];

static inline bool kr_maybe(const char *b)
{
	unsigned char c = (unsigned char)b[1];

	return kr_second[kr_first_idx[(unsigned char)b[0]]][c >> 3] >> (c & 7) & 1;
}

/* The streaming's quick pass.  Every line kr_body() gives a class that
 * matters when no report is under way (a header, a ruler, a "cut here",
 * an oops, a panic, an OOM kill, a leaked object: all but KC_NONE and the
 * end markers) holds one of a few three-byte marks ("BUG", "WAR", "[#",
 * "===", ...; the list is in kreport_lines.c, beside kr_classify(), which
 * it must follow), wherever in the line.  A line with none is no report's
 * and is passed over unread.  Teddy-style: each mark in one of 8 buckets;
 * a position passes when each of its three bytes has a bit of one bucket
 * in its table, by byte (exact but for bytes above 0x7f, which pass as
 * their low 7 bits) or, for the 16-byte lookups of AVX-512BW and AVX2, by
 * low and by high nibble (which passes more: such a pass is checked by
 * byte).  A false pass costs one line read in full, never a report. */
struct kr_marks {
	unsigned char byte[3][256];		/* bucket bits by byte */
	unsigned char lo[3][16], hi[3][16];	/* by nibble */
};

void kr_marks_init(struct kr_marks *m);

/* Whether the three bytes at s pass (by byte). */
static inline bool kr_marks_at(const struct kr_marks *m, const unsigned char *s)
{
	return (m->byte[0][s[0]] & m->byte[1][s[1]] & m->byte[2][s[2]]) != 0;
}

/* Whether a line holds a mark (the quick pass's verdict on it). */
bool kr_marked(const struct kr_marks *m, const char *s, size_t len);

/* How the reader passes over lines when no report is under way: the
 * best the CPU has (the default: the marks' vector pass with AVX-512
 * VBMI, else by nibble with AVX-512BW, else with AVX2, else a look at
 * each line's first bytes, as kr_maybe() does), the marks by nibble with
 * AVX-512BW (else as AVX2), with AVX2 (else each line's first bytes), the
 * marks a byte at a time, each line's first bytes, or not at all (every
 * line read).  For tests, which check that all find the same, and the
 * benchmark. */
enum kr_skim { KR_SKIM_BEST, KR_SKIM_AVX2, KR_SKIM_MARKS, KR_SKIM_LINES, KR_SKIM_NONE, KR_SKIM_BW };
void kr_set_skim(struct hilt_kreport *kr, enum kr_skim how);

/* What the body (prefixes stripped) is. */
void kr_classify(const char *body, size_t len, struct kr_head *h);

/* Whether a body looks like part of a report (indented, a frame, a
 * register dump, a known report line) rather than other output. */
bool kr_shaped(const char *body, size_t len);

/* A report whose end is its sanitizer's closing ruler. */
bool kr_type_ruled(enum kr_type t);

/* The title of the report whose header is lines[0] (bodies, prefixes
 * stripped), from its n lines. */
void kr_make_title(enum kr_type type, const char *const *lines, const size_t *lens, size_t n,
		   char *title, size_t titlelen);

/* ---- small helpers both halves use ---- */

#define lit_starts(s, len, lit) \
	((len) >= sizeof(lit) - 1 && memcmp((s), (lit), sizeof(lit) - 1) == 0)

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static inline bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline bool is_ident(char c)
{
	return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '$';
}
static inline const char *find(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return n > len ? NULL : (const char *)memmem(s, len, lit, n);
}

/* ---- frames (kreport_frames.c) ---- */

enum { FR_TRACE, FR_RIP, FR_LR };

struct kr_frame {
	char name[96];		/* suffixes (".cold", ".isra.0") dropped */
	unsigned char where;	/* FR_*: a trace line, RIP:/pc :, lr : */
	bool unreliable;	/* "? func+0x..": a stale word on the stack */
	bool in_irq;		/* between <IRQ> and </IRQ> */
};

#define KR_MAX_FRAMES 128

/* Which functions, beyond the general machinery, a title skips. */
enum kr_skip {
	SK_NONE, SK_GENERAL, SK_FREE, SK_LEAK, SK_HUNG, SK_ATOMIC, SK_RCU_USAGE, SK_STALL,
	SK_SPIN, SK_LIST, SK_USERCOPY, SK_FIRMWARE, SK_ODEBUG, SK_REFCOUNT, SK_LOCKING,
	SK_PREEMPT, SK_KOBJECT, SK_PROC, SK_KMALLOC, SK_UBSAN, SK_BADPAGE, SK_SCHEDULE, SK_LOCKPRIM, SK_USB,
	SK_PAGE_OWNER, SK_WQ, SK_KMSAN,
};
enum kr_pick_mode { PICK_TRACE, PICK_RIP_FIRST };

size_t kr_skip_spaces(const char *s, size_t len, size_t i);
size_t kr_skip_addrs(const char *s, size_t len, size_t i);
/* The function named at s into out; its length, 0 if none; *used the
 * bytes of s it took. */
size_t kr_func_name(const char *s, size_t len, char *out, size_t outlen, size_t *used);
/* The frames of the report whose header is lines[0], up to the end of
 * its first trace (whole: of all its traces, every RIP:); at most
 * KR_MAX_FRAMES. */
size_t kr_collect_frames(const char *const *lines, const size_t *lens, size_t n,
			 struct kr_frame *fr, bool whole);
bool kr_skipped(const char *name, enum kr_skip which);
/* The first frame not skipped (RIP:/pc : first in PICK_RIP_FIRST), or
 * NULL; the hung task's and the stall's own rules (after_irq: the frames
 * after the timer interrupt's entry, an RCU stall's). */
const char *kr_pick(struct kr_frame *fr, size_t nf, enum kr_pick_mode mode, enum kr_skip extra);
const char *kr_pick_hung(struct kr_frame *fr, size_t nf);
const char *kr_pick_stall(struct kr_frame *fr, size_t nf, enum kr_skip extra, bool after_irq);

#endif
