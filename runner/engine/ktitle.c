/* The kernel report reader's titles (see kreport.c for the map): the
 * title of one report, from its lines, in the community's (syzkaller's)
 * form, kind by kind; and hilt_kreport_title() for a caller's lines.
 * Frames and the machinery skipped are kreport_frames.c's. */
#define _GNU_SOURCE
#include "runner/engine/kreport_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- titles ---- */

/* The function named right after the text at (in s), as "in func+0x..". */
static bool func_after(const char *s, size_t len, const char *at, char *out, size_t outlen)
{
	const char *p = find(s, len, at);
	size_t used = 0;

	if (!p)
		return false;
	size_t i = kr_skip_addrs(s, len, (size_t)(p - s) + strlen(at));
	if (!kr_func_name(s + i, len - i, out, outlen, &used))
		return false;
	i += used;
	return i == len || s[i] == '+' || s[i] == ' ' || s[i] == '(' || s[i] == ',';
}

/* A message made stable: cut at its details (":", ",", " - ", "(") and
 * words with numbers or addresses dropped. */
static void tidy(const char *m, size_t ml, char *out, size_t outlen)
{
	size_t o = 0, i = 0;

	out[0] = '\0';
	while (i < ml) {
		size_t e = i;
		while (e < ml && m[e] != ' ')
			e++;
		size_t w = e - i, cut = w;
		bool digits = false, stop = false;
		for (size_t k = i; k < e; k++) {
			char c = m[k];
			if (c == ':' || c == ',' || c == ';' || c == '(' || c == '[' || c == ']' || c == '=') {
				cut = k - i;
				stop = true;
				if ((c == ':' && k > i && e > k + 1) || c == '=')
					digits = true; /* "mm:0000", "exitcode=0x9" */
				break;
			}
			if (is_digit(c))
				digits = true;
		}
		if (w == 1 && m[i] == '-')
			break;
		if (!digits && cut > 0 && o + cut + 2 < outlen) {
			if (o)
				out[o++] = ' ';
			memcpy(out + o, m + i, cut);
			o += cut;
			out[o] = '\0';
		}
		if (stop)
			break;
		i = e + 1;
	}
	while (o && (out[o - 1] == '.' || out[o - 1] == ' '))
		out[--o] = '\0';
}

static const char *or_corrupted(const char *f)
{
	return f ? f : "corrupted";
}

/* KASAN, KFENCE, KMSAN: "BUG: KASAN: <what> in <func>" */
static void title_sanitizer(enum kr_type type, const char *const *lines, const size_t *lens,
			    size_t n, struct kr_frame *fr, size_t nf, char *title, size_t tl)
{
	const char *s = lines[0], *name = type == KT_KASAN ? "KASAN" : type == KT_KFENCE ? "KFENCE" : "KMSAN";
	size_t len = lens[0], i = 5 + strlen(name) + 2;
	char what[64], fn[96];
	const char *in = find(s, len, " in "), *on = find(s, len, " on address");
	const char *end = in ? in : on ? on : s + len;

	if (i >= len || end < s + i)
		end = s + i;
	snprintf(what, sizeof(what), "%.*s", (int)(end - (s + i)), s + i);
	const char *func = NULL;
	bool freeing = false;
	if (type == KT_KASAN) {
		if (strstr(what, "invalid-free")) {
			snprintf(what, sizeof(what), "invalid-free");
			freeing = true;
		} else if (!strcmp(what, "double-free")) {
			snprintf(what, sizeof(what), "invalid-free"); /* as syzkaller names both */
			freeing = true;
		}
	}
	if (in && func_after(s, len, " in ", fn, sizeof(fn)) && !freeing && !kr_skipped(fn, SK_GENERAL) &&
	    (type != KT_KMSAN || !kr_skipped(fn, SK_KMSAN)))
		func = fn;
	if (!func)
		func = kr_pick(fr, nf, PICK_TRACE, freeing ? SK_FREE : type == KT_KMSAN ? SK_KMSAN : SK_NONE);
	const char *access = "";
	if (type == KT_KASAN && !freeing)
		for (size_t k = 1; k < n && k < 12; k++) {
			size_t j = kr_skip_spaces(lines[k], lens[k], 0);
			if (lit_starts(lines[k] + j, lens[k] - j, "Read of size") ||
			    lit_starts(lines[k] + j, lens[k] - j, "Read at addr")) {
				access = " Read";
				break;
			}
			if (lit_starts(lines[k] + j, lens[k] - j, "Write of size") ||
			    lit_starts(lines[k] + j, lens[k] - j, "Write at addr")) {
				access = " Write";
				break;
			}
		}
	snprintf(title, tl, "%s: %s%s in %s", name, what, access, or_corrupted(func));
}

/* WARNINGs of a few sources are titled by the source, as syzkaller does. */
static const struct {
	const char *file, *func, *title;
	enum kr_skip skip;
} warn_kinds[] = {
	{ "lib/debugobjects.c", "", "WARNING: ODEBUG bug", SK_ODEBUG },
	{ "lib/refcount.c", "", "WARNING: refcount bug", SK_REFCOUNT },
	{ "kernel/locking/lockdep.c", "", "WARNING: locking bug", SK_LOCKING },
	{ "mm/usercopy.c", "", "WARNING: bad usercopy", SK_USERCOPY },
	{ "lib/kobject.c", " kobject_", "WARNING: kobject bug", SK_KOBJECT },
	{ "fs/proc/generic.c", " proc_register", "WARNING: proc registration bug", SK_PROC },
	{ "mm/vmalloc.c", "", "WARNING: zero-size vmalloc", SK_KMALLOC },
	{ "mm/", "malloc", "WARNING: kmalloc bug", SK_KMALLOC },
};

/* syzkaller's " k?.?malloc": a word beginning "malloc", "vmalloc",
 * "kmalloc", "kvmalloc" (not "free_large_kmalloc") */
static bool allocator_named(const char *s, size_t len)
{
	for (const char *p = s; (p = find(p, len - (size_t)(p - s), "malloc")); p++) {
		size_t before = (size_t)(p - s);
		if ((before >= 1 && p[-1] == ' ') || (before >= 2 && p[-2] == ' ') ||
		    (before >= 3 && p[-3] == ' ' && p[-2] == 'k'))
			return true;
		if ((size_t)(p - s) + 6 >= len)
			break;
	}
	return false;
}

static void title_warning(const char *s, size_t len, struct kr_frame *fr, size_t nf, char *title,
			  size_t tl)
{
	char fn[96];
	const char *at = find(s, len, " at ");
	const char *func = NULL;

	for (size_t k = 0; k < sizeof(warn_kinds) / sizeof(warn_kinds[0]); k++)
		if (find(s, len, warn_kinds[k].file) && find(s, len, warn_kinds[k].func) &&
		    (strcmp(warn_kinds[k].func, "malloc") || allocator_named(s, len))) {
			func = kr_pick(fr, nf, PICK_RIP_FIRST, warn_kinds[k].skip);
			snprintf(title, tl, "%s in %s", warn_kinds[k].title, or_corrupted(func));
			return;
		}
	if (find(s, len, " usb_submit_urb")) {
		/* syzkaller's: the driver that submitted the URB */
		func = kr_pick(fr, nf, PICK_RIP_FIRST, SK_USB);
		snprintf(title, tl, "WARNING in %s/usb_submit_urb", or_corrupted(func));
		return;
	}
	/* "at lib/x.c:30 func+0x..", or (v6.16) "x.c:30 at func+0x.., CPU#0" */
	for (int tries = 0; at && tries < 2 && !func; tries++) {
		size_t i = kr_skip_addrs(s, len, (size_t)(at - s) + 4), used = 0;
		if (tries == 1) {
			while (i < len && s[i] != ' ')
				i++;
			i = kr_skip_addrs(s, len, i);
		}
		if (kr_func_name(s + i, len - i, fn, sizeof(fn), &used) &&
		    (lit_starts(s + i + used, len - i - used, "+0x") || lit_starts(s + i + used, len - i - used, "()")) &&
		    (!kr_skipped(fn, SK_GENERAL) || !strncmp(fn, "__list_", 7)))
			func = fn; /* the list checks name the WARNING: "WARNING in __list_add_valid" */
		else if (tries == 0 && (lit_starts(s + i, len - i, "0x") || find(s + i, len - i, "+0x") == s + i + used))
			break;
	}
	if (!func)
		func = kr_pick(fr, nf, PICK_RIP_FIRST, SK_NONE);
	snprintf(title, tl, "WARNING in %s", or_corrupted(func));
}

/* lockdep: the function on the "at:" line after the one that says what
 * the task tried (possible deadlock) or took (inconsistent state). */
static const char *lock_site(const char *const *lines, const size_t *lens, size_t n,
			     const char *what, char *fn, size_t fl)
{
	for (size_t k = 1; k < n; k++) {
		if (!find(lines[k], lens[k], what))
			continue;
		const char *at = strstr(what, "function: ") ? "function: " : "at: ";
		for (size_t j = k; j < n && j < k + 4; j++)
			if (func_after(lines[j], lens[j], at, fn, fl))
				return fn;
		return NULL;
	}
	return NULL;
}

/* The first line at or after lines[from] that has what in it; n if none. */
static size_t line_with(const char *const *lines, const size_t *lens, size_t n, size_t from,
			const char *what)
{
	while (from < n && !find(lines[from], lens[from], what))
		from++;
	return from;
}

/* The frames of lines[from..to) (lines[from] itself not read). */
static size_t frames_of(const char *const *lines, const size_t *lens, size_t from, size_t to,
			struct kr_frame *fr)
{
	return from < to ? kr_collect_frames(lines + from, lens + from, to - from, fr, true) : 0;
}

/* lockdep's reports, as syzkaller reads them:
 * - a circular dependency: the lock the task tried to take, the one it
 *   holds, then the dependency chain's frames (work queues' own locks
 *   skipped: a work item's deadlock is its subsystem's);
 * - "X-safe -> X-unsafe lock order": where the lock became X-safe;
 * - recursive locking, irq lock inversion: where the task took the lock;
 * - an inconsistent lock state: the function the task's trace is in. */
static void title_lockdep(enum kr_type type, const char *s, size_t len, const char *const *lines,
			  const size_t *lens, size_t n, struct kr_frame *fr, char *title, size_t tl)
{
	char fn[96], fn2[96];
	const char *f = NULL;
	size_t nf, k;

	if (type == KT_INCONSISTENT) {
		k = line_with(lines, lens, n, 1, "Call Trace:");
		if (k == n)
			k = line_with(lines, lens, n, 1, "Call trace:");
		nf = frames_of(lines, lens, k, n, fr);
		f = kr_pick(fr, nf, PICK_TRACE, SK_NONE);
		if (!f)
			f = lock_site(lines, lens, n, " takes:", fn, sizeof(fn));
		snprintf(title, tl, "inconsistent lock state in %s", or_corrupted(f));
		return;
	}
	if (find(s, len, "circular locking")) {
		/* the two "at:" lines, then the chain up to the task's trace */
		size_t at1 = line_with(lines, lens, n, 1, "at: ");
		size_t at2 = at1 < n ? line_with(lines, lens, n, at1 + 1, "at: ") : n;
		size_t end = line_with(lines, lens, n, at2, "Call Trace:");
		if (end == n)
			end = line_with(lines, lens, n, at2, "Call trace:");
		if (at1 < n && func_after(lines[at1], lens[at1], "at: ", fn, sizeof(fn)) &&
		    !kr_skipped(fn, SK_GENERAL) && !kr_skipped(fn, SK_WQ))
			f = fn;
		else if (at2 < n && func_after(lines[at2], lens[at2], "at: ", fn2, sizeof(fn2)) &&
			 !kr_skipped(fn2, SK_GENERAL) && !kr_skipped(fn2, SK_WQ))
			f = fn2;
		else if (at2 < n) {
			nf = frames_of(lines, lens, at2, end, fr);
			f = kr_pick(fr, nf, PICK_TRACE, SK_WQ);
		}
	} else if (find(s, len, "-safe -> ")) {
		k = line_with(lines, lens, n, 1, "which became ");
		size_t end = line_with(lines, lens, n, k + 1 < n ? k + 1 : n, "to a ");
		nf = frames_of(lines, lens, k, end, fr);
		f = kr_pick(fr, nf, PICK_TRACE, SK_NONE);
	} else {
		f = lock_site(lines, lens, n, "is trying to acquire", fn, sizeof(fn));
		if (!f)
			f = lock_site(lines, lens, n, "just changed the state of lock", fn, sizeof(fn));
	}
	snprintf(title, tl, "possible deadlock in %s", or_corrupted(f));
}

/* "Guru Meditation Error: Core  0 panic'ed (LoadProhibited)" and its
 * decoded backtrace ("0x400d1234: app_main at main.c:12"). */
static void title_firmware(enum kr_type type, const char *const *lines, const size_t *lens,
			   size_t n, char *title, size_t tl)
{
	char what[64] = "abort() was called", fn[96];
	const char *func = NULL;

	if (type == KT_GURU) {
		const char *o = memchr(lines[0], '(', lens[0]);
		const char *c = o ? memchr(o, ')', lens[0] - (size_t)(o - lines[0])) : NULL;
		if (o && c)
			snprintf(what, sizeof(what), "Guru Meditation Error: %.*s", (int)(c - o - 1), o + 1);
		else
			snprintf(what, sizeof(what), "Guru Meditation Error");
	}
	for (size_t k = 1; k < n && !func; k++) {
		const char *s = lines[k];
		size_t len = lens[k], i = kr_skip_spaces(s, len, 0), used = 0;
		if (lit_starts(s + i, len - i, "--- "))
			i += 4;
		if (!lit_starts(s + i, len - i, "0x"))
			continue;
		while (i < len && s[i] != ':' && s[i] != ' ')
			i++;
		if (!lit_starts(s + i, len - i, ": "))
			continue;
		i += 2;
		if (kr_func_name(s + i, len - i, fn, sizeof(fn), &used) && lit_starts(s + i + used, len - i - used, " at ") &&
		    !kr_skipped(fn, SK_FIRMWARE))
			func = fn;
	}
	if (func)
		snprintf(title, tl, "%s in %s", what, func);
	else
		snprintf(title, tl, "%s", what);
}

/* An address printed where a name is wanted ("corrupted in: ffffffff8343632e"). */
static bool all_hex(const char *f)
{
	size_t i = 0;

	while (is_hex(f[i]))
		i++;
	return i >= 8 && !f[i];
}

static void title_panic(const char *s, size_t len, const char *stack_end, const char *first,
			char *title, size_t tl)
{
	const char *m = s + 28;
	size_t ml = len - 28;
	char fn[96], t[160];

	if (lit_starts(m, ml, "stack-protector:")) {
		/* older kernels print the address: the trace's first frame
		 * past __stack_chk_fail names it then */
		bool named = func_after(m, ml, "corrupted in: ", fn, sizeof(fn)) && !all_hex(fn);
		snprintf(title, tl, "kernel panic: stack is corrupted in %s", named ? fn : or_corrupted(first));
	} else if (lit_starts(m, ml, "corrupted stack end")) {
		snprintf(title, tl, "kernel panic: corrupted stack end in %s", or_corrupted(stack_end));
	} else if (lit_starts(m, ml, "kernel stack overflow")) {
		/* the stack's owner, found as a stall's (the frame before the
		 * syscall or work entry) */
		snprintf(title, tl, "kernel stack overflow in %s", or_corrupted(stack_end));
	} else if (lit_starts(m, ml, "VFS: Unable to mount root fs")) {
		snprintf(title, tl, "kernel panic: VFS: Unable to mount root fs");
	} else {
		const char *colon = find(m, ml, ": ");
		size_t lead = 0;
		/* keep a subsystem's "name: " ("VFS: ", "sysrq: ") */
		if (colon && colon - m < 16 && !memchr(m, ' ', (size_t)(colon - m)))
			lead = (size_t)(colon - m) + 2;
		tidy(m + lead, ml - lead, t, sizeof(t));
		if (!lead && !t[0])
			snprintf(title, tl, "kernel panic");
		else
			snprintf(title, tl, "kernel panic: %.*s%s", (int)lead, m, t);
	}
}

void kr_make_title(enum kr_type type, const char *const *lines, const size_t *lens, size_t n,
		   char *title, size_t tl)
{
	struct kr_frame fr[KR_MAX_FRAMES];
	char fn[96], t[160];
	const char *s = lines[0];
	size_t len = lens[0];
	size_t nf;
	const char *f;

	/* watchdog:, rcu: and the like before the report's words */
	struct kr_head h;
	kr_classify(s, len, &h);
	if (lit_starts(s, len, "watchdog: "))
		s += 10, len -= 10;
	else if (lit_starts(s, len, "NMI watchdog: "))
		s += 14, len -= 14;
	else if (lit_starts(s, len, "rcu: "))
		s += 5, len -= 5;
	else if (lit_starts(s, len, "[ INFO: ") || lit_starts(s, len, "[ BUG: ") || lit_starts(s, len, "[ WARNING: "))
		s += 2, len -= 2;
	nf = kr_collect_frames(lines, lens, n, fr, type == KT_RCU_STALL);
	switch (type) {
	case KT_KASAN: case KT_KFENCE: case KT_KMSAN: {
		const char *l2[12];
		size_t n2 = n < 12 ? n : 12, len2[12];
		for (size_t k = 0; k < n2; k++)
			l2[k] = lines[k], len2[k] = lens[k];
		l2[0] = s, len2[0] = len;
		title_sanitizer(type, l2, len2, n2, fr, nf, title, tl);
		return;
	}
	case KT_UBSAN: {
		const char *m = s + 7, *in = find(m, len - 7, " in ");
		size_t wl = in ? (size_t)(in - m) : len - 7;
		f = kr_pick(fr, nf, PICK_TRACE, SK_UBSAN);
		if (lit_starts(m, wl, "Undefined behaviour"))
			snprintf(title, tl, "UBSAN: undefined-behaviour in %s", or_corrupted(f));
		else
			snprintf(title, tl, "UBSAN: %.*s in %s", (int)wl, m, or_corrupted(f));
		return;
	}
	case KT_SLUB: {
		const char *c = find(s, len, "): ");
		tidy(c + 3, len - (size_t)(c + 3 - s), t, sizeof(t));
		snprintf(title, tl, "BUG: %s", t);
		return;
	}
	case KT_WARNING:
		title_warning(s, len, fr, nf, title, tl);
		return;
	case KT_DEADLOCK: case KT_INCONSISTENT:
		title_lockdep(type, s, len, lines, lens, n, fr, title, tl);
		return;
	case KT_RCU_USAGE:
		f = kr_pick(fr, nf, PICK_TRACE, SK_RCU_USAGE);
		snprintf(title, tl, "%.*s: suspicious RCU usage in %s", s[0] == 'I' ? 4 : 7,
			 s[0] == 'I' ? "INFO" : "WARNING", or_corrupted(f));
		return;
	case KT_NONSTATIC_KEY:
		f = kr_pick(fr, nf, PICK_TRACE, SK_LOCKPRIM);
		snprintf(title, tl, "INFO: trying to register non-static key in %s", or_corrupted(f));
		return;
	case KT_HUNG:
		snprintf(title, tl, "INFO: task %s in %s", find(s, len, " can't die ") ? "can't die" : "hung",
			 or_corrupted(kr_pick_hung(fr, nf)));
		return;
	case KT_RCU_STALL:
		snprintf(title, tl, "INFO: rcu detected stall in %s", or_corrupted(kr_pick_stall(fr, nf, SK_NONE, true)));
		return;
	case KT_SOFT_LOCKUP:
		snprintf(title, tl, "BUG: soft lockup in %s", or_corrupted(kr_pick_stall(fr, nf, SK_NONE, false)));
		return;
	case KT_HARD_LOCKUP:
		f = kr_pick(fr, nf, PICK_RIP_FIRST, SK_STALL);
		snprintf(title, tl, "hard LOCKUP in %s", or_corrupted(f));
		return;
	case KT_SPINLOCK:
		if (lit_starts(s, len, "BUG: spinlock lockup suspected")) {
			snprintf(title, tl, "BUG: spinlock lockup suspected");
		} else {
			const char *on = find(s, len, " on ");
			f = kr_pick(fr, nf, PICK_TRACE, SK_SPIN);
			snprintf(title, tl, "%.*s in %s", on ? (int)(on - s) : (int)len, s, or_corrupted(f));
		}
		return;
	case KT_STACK_GUARD:
		/* a recursion: the frame before the syscall's or work's entry
		 * names it, as for a stall */
		f = kr_pick_stall(fr, nf, SK_NONE, false);
		snprintf(title, tl, "BUG: stack guard page was hit in %s", or_corrupted(f));
		return;
	case KT_GPF: case KT_DIVIDE: case KT_INVALID_OP: case KT_OOPS:
	case KT_DOUBLE_FAULT: case KT_UNHANDLED: {
		static const char *const what[] = {
			[KT_GPF] = "general protection fault", [KT_DIVIDE] = "divide error",
			[KT_INVALID_OP] = "invalid opcode", [KT_OOPS] = "Oops",
			[KT_STACK_GUARD] = "BUG: stack guard page was hit",
			[KT_DOUBLE_FAULT] = "PANIC: double fault", [KT_UNHANDLED] = "Unhandled fault",
		};
		const char *w = what[type];
		if (type == KT_OOPS && lit_starts(s, len, "Internal error"))
			w = "Internal error";
		/* x86 names the trap: "Oops: int3: 0000 [#1]", "Oops: stack
		 * segment: 0000 [#1]" */
		if (type == KT_OOPS && lit_starts(s, len, "Oops: int3:"))
			w = "int3";
		else if (type == KT_OOPS && lit_starts(s, len, "Oops: stack segment:"))
			w = "stack segment fault";
		snprintf(title, tl, "%s in %s", w, or_corrupted(kr_pick(fr, nf, PICK_RIP_FIRST, SK_NONE)));
		return;
	}
	case KT_PF_NULL: case KT_PF_PAGING: case KT_PF_OTHER: {
		f = or_corrupted(kr_pick(fr, nf, PICK_RIP_FIRST, SK_NONE));
		if (type == KT_PF_NULL) {
			snprintf(title, tl, "BUG: unable to handle kernel NULL pointer dereference in %s", f);
		} else if (type == KT_PF_PAGING) {
			snprintf(title, tl, "BUG: unable to handle kernel paging request in %s", f);
		} else {
			const char *k = find(s, len, "handle kernel ");
			const char *m = k ? k + 14 : s + len;
			size_t ml = (size_t)(s + len - m);
			const char *at = find(m, ml, " at ");
			tidy(m, at ? (size_t)(at - m) : ml, t, sizeof(t));
			if (!strncmp(t, "access to user memory", 21))
				t[21] = '\0';
			snprintf(title, tl, "BUG: unable to handle kernel %s in %s", t, f);
		}
		return;
	}
	case KT_KERNEL_BUG:
		if (find(s, len, "lib/list_debug.c")) {
			f = kr_pick(fr, nf, PICK_TRACE, SK_LIST);
			snprintf(title, tl, "BUG: corrupted list in %s", or_corrupted(f));
		} else if (find(s, len, "mm/usercopy.c")) {
			f = kr_pick(fr, nf, PICK_TRACE, SK_USERCOPY);
			snprintf(title, tl, "BUG: bad usercopy in %s", or_corrupted(f));
		} else {
			f = kr_pick(fr, nf, PICK_RIP_FIRST, SK_NONE);
			snprintf(title, tl, "kernel BUG in %s", or_corrupted(f));
		}
		return;
	case KT_ATOMIC_SLEEP: case KT_SCHED_ATOMIC:
		f = kr_pick(fr, nf, PICK_TRACE, SK_ATOMIC);
		snprintf(title, tl, "BUG: %s in %s", type == KT_ATOMIC_SLEEP ?
			 "sleeping function called from invalid context" : "scheduling while atomic",
			 or_corrupted(f));
		return;
	case KT_BAD_PAGE: {
		/* with page_owner, the code that allocated the page (its
		 * "page last allocated" trace, the page allocator's and the
		 * page cache's functions skipped): the page's owner, whose
		 * misuse the freeing only finds */
		for (size_t a = 1; a < n; a++) {
			if (!lit_starts(lines[a], lens[a], "page last allocated"))
				continue;
			size_t e = a + 1;
			while (e < n && !lit_starts(lines[e], lens[e], "page last free") &&
			       !find(lines[e], lens[e], "Call Trace:") && !find(lines[e], lens[e], "Call trace:"))
				e++;
			nf = kr_collect_frames(lines + a, lens + a, e - a, fr, false);
			f = kr_pick(fr, nf, PICK_TRACE, SK_PAGE_OWNER);
			if (f) {
				snprintf(title, tl, "BUG: Bad page state in %s", f);
				return;
			}
			break;
		}
		/* else the function freeing (or mapping) the page: the last trace's */
		size_t k = n;
		while (k > 1 && !find(lines[k - 1], lens[k - 1], "Call Trace:") && !find(lines[k - 1], lens[k - 1], "Call trace:"))
			k--;
		nf = k > 1 ? kr_collect_frames(lines + k - 1, lens + k - 1, n - k + 1, fr, false) : 0;
		f = kr_pick(fr, nf, PICK_TRACE, SK_BADPAGE);
		snprintf(title, tl, "BUG: Bad page %s in %s", find(s, len, "Bad page map") ? "map" : "state", or_corrupted(f));
		return;
	}
	case KT_LEAK:
		f = kr_pick(fr, nf, PICK_TRACE, SK_LEAK);
		snprintf(title, tl, "memory leak in %s", or_corrupted(f));
		return;
	case KT_OOM:
		snprintf(title, tl, "out of memory");
		return;
	case KT_PANIC:
		title_panic(s, len, kr_pick_stall(fr, nf, SK_SCHEDULE, false), kr_pick(fr, nf, PICK_TRACE, SK_NONE),
			    title, tl);
		return;
	case KT_UBOOT: {
		const char *q = memchr(s + 1, '"', len - 1);
		if (s[0] == '"' && q)
			snprintf(title, tl, "%.*s", (int)(q - s - 1), s + 1);
		else
			snprintf(title, tl, "%.*s", (int)len, s);
		return;
	}
	case KT_GURU: case KT_ABORT:
		title_firmware(type, lines, lens, n, title, tl);
		return;
	case KT_LOCKBUG: {
		static const char *const what[] = {
			"bad unlock balance", "held lock freed", "lock held when returning to user space",
			"still has locks held", "ested lock was not taken", "Invalid wait context",
		};
		static const char *const site[] = {
			"is trying to release lock", "at: ", "leaving the kernel with locks still held", "at: ",
			NULL, NULL,
		};
		const char *w = NULL;
		size_t k = 0;
		for (; k < 6 && !w; k++)
			if (find(s, len, what[k]))
				w = what[k];
		f = w && site[k - 1] ? lock_site(lines, lens, n, site[k - 1], fn, sizeof(fn)) : NULL;
		if (!f && w && k - 1 == 0) {
			/* "is trying to release lock (&mm->mmap_lock) at:" and the
			 * site on the next line as a frame */
			size_t a = line_with(lines, lens, n, 1, site[0]);
			struct kr_frame one[2];
			if (a + 1 < n && kr_collect_frames(lines + a, lens + a, 2, one, true) == 1)
				snprintf(fn, sizeof(fn), "%s", one[0].name), f = fn;
		}
		if (f && k - 1 == 0 && kr_skipped(f, SK_GENERAL))
			f = NULL; /* a helper unlocked it: its caller, in the trace */
		if (!f && w) {
			/* the task's trace (after the RIP:, pc : of a WARNING) */
			size_t c = line_with(lines, lens, n, 1, "RIP: ");
			if (c == n)
				c = line_with(lines, lens, n, 1, "pc : ");
			if (c == n)
				c = line_with(lines, lens, n, 1, "Call Trace:");
			if (c == n)
				c = line_with(lines, lens, n, 1, "Call trace:");
			if (c == n)
				c = line_with(lines, lens, n, 1, "Backtrace:");
			nf = c < n ? kr_collect_frames(lines + c - 1, lens + c - 1, n - c + 1, fr, false) : 0;
			f = kr_pick(fr, nf, PICK_RIP_FIRST, k - 1 == 0 ? SK_NONE : SK_LOCKPRIM);
		}
		if (w && k - 1 == 4)
			snprintf(title, tl, "WARNING: nested lock was not taken in %s", or_corrupted(f));
		else if (w && k - 1 == 5) /* syzkaller's name for it */
			snprintf(title, tl, "WARNING: locking bug in %s", or_corrupted(f));
		else
			snprintf(title, tl, "%.*s: %s in %s", s[0] == 'W' ? 7 : 3, s, w ? w : "lock bug", or_corrupted(f));
		return;
	}
	case KT_PREEMPT: {
		const char *par = find(s, len, "()");
		f = kr_pick(fr, nf, PICK_TRACE, SK_PREEMPT);
		snprintf(title, tl, "%.*s in preemptible code in %s", par ? (int)(par + 2 - s) : (int)len, s,
			 or_corrupted(f));
		return;
	}
	case KT_BUG: case KT_NONE:
		if (lit_starts(s, len, "BUG: workqueue leaked lock or atomic")) {
			f = lock_site(lines, lens, n, "last function: ", fn, sizeof(fn));
			snprintf(title, tl, "BUG: workqueue leaked lock or atomic%s%s", f ? " in " : "", f ? f : "");
			return;
		}
		const char *q = find(s, len, " has bad '");
		if (lit_starts(s, len, "WARNING: kernel stack regs at ") && is_hex(s[30]) && q) {
			/* the register named, when the address is printed */
			const char *r = q + 10, *e = memchr(r, '\'', len - (size_t)(r - s));
			if (e && e - r < 8) {
				snprintf(title, tl, "WARNING: kernel stack regs has bad '%.*s' value", (int)(e - r), r);
				return;
			}
		}
		if (lit_starts(s, len, "BUG: Dentry ") && find(s, len, " still in use")) {
			/* "BUG: Dentry ffff..{i=0,n=x}  still in use (1) [unmount of ramfs ramfs]" */
			const char *o = find(s, len, " [");
			size_t w = 0;
			while (o && o + 2 + w < s + len && is_lower(o[2 + w]))
				w++;
			if (w)
				snprintf(title, tl, "BUG: Dentry still in use in %.*s", (int)w, o + 2);
			else
				snprintf(title, tl, "BUG: Dentry still in use");
			return;
		}
		if (lit_starts(s, len, "WARNING: kernel stack regs") || lit_starts(s, len, "WARNING: kernel stack frame")) {
			snprintf(title, tl, "WARNING: kernel stack %s has bad value",
				 lit_starts(s, len, "WARNING: kernel stack regs") ? "regs" : "frame pointer");
			return;
		}
		break;
	}
	/* BUG: and WARNING: reports of no known shape */
	const char *colon = find(s, len, ": ");
	size_t lead = colon ? (size_t)(colon - s) + 2 : 0;
	if (lit_starts(s + lead, len - lead, "KCSAN: ")) {
		/* "data-race in f+0x1/0x2 / g+0x3/0x4": offsets dropped */
		size_t o = 0;
		for (size_t i = lead; i < len && o + 1 < sizeof(t); i++) {
			if (s[i] == '+' && i + 2 < len && s[i + 1] == '0' && s[i + 2] == 'x') {
				while (i < len && s[i] != ' ')
					i++;
				if (i >= len)
					break;
			}
			t[o++] = s[i];
		}
		t[o] = '\0';
		snprintf(title, tl, "%s", t);
	}
	else {
		tidy(s + lead, len - lead, t, sizeof(t));
		snprintf(title, tl, "%.*s%s", (int)lead, s, t);
	}
}

int hilt_kreport_title(const char *const *lines, size_t n, enum hilt_kreport_kind *kind,
		       char *title, size_t titlelen)
{
	const char *body[256];
	size_t lens[256];

	if (n > 256)
		n = 256;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);
		while (len && (lines[i][len - 1] == '\n' || lines[i][len - 1] == '\r'))
			len--;
		struct kr_head h;
		size_t p = kr_body(lines[i], len, &h);
		body[i] = lines[i] + p;
		lens[i] = len - p;
	}
	for (size_t i = 0; i < n; i++) {
		struct kr_head h;
		kr_classify(body[i], lens[i], &h);
		if (h.cls == KC_NONE || h.cls == KC_CUT || h.cls == KC_RULER || h.cls == KC_END_TRACE ||
		    h.cls == KC_END_PANIC)
			continue;
		if (kind)
			*kind = h.kind;
		kr_make_title(h.type, body + i, lens + i, n - i, title, titlelen);
		return 0;
	}
	return -ENOENT;
}
