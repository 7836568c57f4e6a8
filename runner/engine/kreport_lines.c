/* The kernel report reader's knowledge of console lines (see kreport.c
 * for the map):
 *   kr_prefix_len()  console prefixes: "[   12.345678] ", "<4>", caller ids
 *                    "[    T1] ", dmesg -x's "kern  :warn  : ", dmesg -T,
 *                    journalctl -k
 *   kr_caller()      a line's caller id
 *   kr_classify()    the header lines of every report kind, the rulers
 *                    and end markers that bound a block, the follow-on
 *                    lines (an oops, a panic) that belong to a report; the
 *                    two-byte table and the report-start marks the
 *                    streaming's quick passes take
 *   kr_shaped()      whether a line looks like part of a report
 *   kr_body()        where a line's body begins, a kernel line cut into
 *                    another program's included */
#define _GNU_SOURCE
#include "runner/engine/kreport_int.h"

#include <string.h>

/* "[   12.345678]" or "[  T123]" / "[    C0]" at s[i]: the bytes after
 * it (and one space), or i when it is neither. */
static size_t bracket(const char *s, size_t len, size_t i)
{
	size_t j = i + 1, d;

	while (j < len && s[j] == ' ')
		j++;
	bool caller = j < len && (s[j] == 'T' || s[j] == 'C'), frac = false;
	if (caller)
		j++;
	for (d = j; j < len && is_digit(s[j]); j++)
		;
	if (j > d && j < len && s[j] == '.' && !caller) {
		frac = true;
		for (j++; j < len && is_digit(s[j]); j++)
			;
	}
	if (j == d || j >= len || s[j] != ']' || !(caller || frac))
		return i;
	j++;
	return j < len && s[j] == ' ' ? j + 1 : j;
}

size_t kr_prefix_len(const char *s, size_t len)
{
	size_t i = 0, j, d;

	/* most lines: "[   12.345678] " and no caller id */
	if (len > 16 && s[0] == '[' && s[6] == '.' && s[13] == ']' && s[14] == ' ' && s[15] != '[' &&
	    is_digit(s[5]) && is_digit(s[12]))
		return 15;

	if (len && s[0] == '<') {
		/* a log level: "<4>" */
		for (j = 1; j < len && is_digit(s[j]); j++)
			;
		if (j > 1 && j < len && s[j] == '>')
			i = j + 1;
	} else if (len && is_lower(s[0])) {
		/* dmesg -x: "kern  :warn  : " */
		for (j = 0; j < len && is_lower(s[j]); j++)
			;
		if (j <= 6) {
			while (j < len && s[j] == ' ')
				j++;
			if (j < len && s[j] == ':') {
				for (d = ++j; j < len && is_lower(s[j]); j++)
					;
				if (j > d) {
					while (j < len && s[j] == ' ')
						j++;
					if (j < len && s[j] == ':') {
						j++;
						i = j < len && s[j] == ' ' ? j + 1 : j;
					}
				}
			}
		}
	}
	/* journalctl -k: "Dec 07 12:00:00 host kernel: " */
	if (i == 0 && len > 24 && s[0] >= 'A' && s[0] <= 'Z' && is_lower(s[1]) && s[3] == ' ' && s[6] == ' ' &&
	    is_digit(s[5]) && s[9] == ':') {
		const char *k = find(s, len < 64 ? len : 64, " kernel: ");
		if (k)
			return (size_t)(k - s) + 9;
	}
	/* dmesg -T: "[Mon Dec  7 12:00:00 2026] " */
	if (i < len && s[i] == '[' && len > i + 26 && s[i + 1] >= 'A' && s[i + 1] <= 'Z' && s[i + 4] == ' ') {
		const char *e = memchr(s + i, ']', 32);
		if (e && is_digit(e[-1]) && (size_t)(e - s) + 1 < len)
			i = (size_t)(e - s) + 1 + (e[1] == ' ');
	}
	/* a timestamp, then a caller id */
	for (int k = 0; k < 2 && i < len && s[i] == '['; k++) {
		j = bracket(s, len, i);
		if (j == i)
			break;
		i = j;
	}
	return i;
}

uint32_t kr_caller(const char *s, size_t len)
{
	/* "[   12.345678][ T1533] ": the bracket after the timestamp */
	const char *b = memchr(s, ']', len < 40 ? len : 40);
	size_t i = b ? (size_t)(b - s) + 1 : len;

	if (i >= len || s[i] != '[')
		return 0;
	for (i++; i < len && s[i] == ' '; i++)
		;
	if (i >= len || (s[i] != 'T' && s[i] != 'C'))
		return 0;
	uint32_t id = s[i] == 'T' ? 1u << 31 : 1u << 30;
	for (i++; i < len && is_digit(s[i]); i++)
		id = id * 10 + (uint32_t)(s[i] - '0');
	return i < len && s[i] == ']' ? id | 1 : 0;
}

static void set(struct kr_head *h, enum kr_class c, enum kr_type t, enum hilt_kreport_kind k)
{
	h->cls = c;
	h->type = t;
	h->kind = k;
}

/* A panic that follows from the report before it (Fatal exception,
 * panic_on_warn, hung_task_panic, ...) rather than one of its own. */
static bool panic_follows(const char *m, size_t len)
{
	static const char *const why[] = {
		"Fatal exception", "Oops", "panic_on_warn", "panic_on_oops", "hung_task",
		"softlockup", "LOCKUP", "Machine halted", "Aiee", "RCU Stall", "rcu_stall",
		"System is deadlocked on memory", "KFENCE", "KASAN", "UBSAN", "kfence",
		"Attempted to kill the idle task", "scheduling while atomic", "stack guard page",
		"double fault", "Fatal machine check", "softlockup: hung tasks", "Machine check",
	};
	for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++)
		if (find(m, len, why[i]))
			return true;
	return false;
}

static bool classify_bug(const char *b, size_t len, struct kr_head *h)
{
	const char *m = b + 5;
	size_t ml = len - 5;
	static const struct { const char *lit; enum kr_type t; enum hilt_kreport_kind k; } bugs[] = {
		{ "KASAN: ", KT_KASAN, HILT_KR_KASAN },
		{ "KFENCE: ", KT_KFENCE, HILT_KR_KFENCE },
		{ "KMSAN: ", KT_KMSAN, HILT_KR_KMSAN },
		{ "unable to handle kernel NULL pointer", KT_PF_NULL, HILT_KR_PAGE_FAULT },
		{ "kernel NULL pointer dereference", KT_PF_NULL, HILT_KR_PAGE_FAULT },
		{ "Kernel NULL pointer dereference", KT_PF_NULL, HILT_KR_PAGE_FAULT },
		{ "kernel NULL", KT_PF_NULL, HILT_KR_PAGE_FAULT },
		{ "unable to handle kernel paging request", KT_PF_PAGING, HILT_KR_PAGE_FAULT },
		{ "unable to handle page fault", KT_PF_PAGING, HILT_KR_PAGE_FAULT },
		{ "Unable to handle kernel data access", KT_PF_PAGING, HILT_KR_PAGE_FAULT },
		{ "unable to handle kernel", KT_PF_OTHER, HILT_KR_PAGE_FAULT },
		{ "Unable to handle kernel", KT_PF_OTHER, HILT_KR_PAGE_FAULT },
		{ "soft lockup", KT_SOFT_LOCKUP, HILT_KR_LOCKUP },
		{ "spinlock lockup", KT_SPINLOCK, HILT_KR_LOCKUP },
		{ "spinlock ", KT_SPINLOCK, HILT_KR_BUG },
		{ "rwlock ", KT_SPINLOCK, HILT_KR_BUG },
		{ "workqueue lockup", KT_BUG, HILT_KR_LOCKUP },
		{ "sleeping function called from invalid context", KT_ATOMIC_SLEEP, HILT_KR_ATOMIC_SLEEP },
		{ "scheduling while atomic", KT_SCHED_ATOMIC, HILT_KR_ATOMIC_SLEEP },
		{ "Bad page ", KT_BAD_PAGE, HILT_KR_BAD_PAGE },
		{ "memory leak", KT_LEAK, HILT_KR_LEAK },
		{ "stack guard page was hit", KT_STACK_GUARD, HILT_KR_BUG },
		{ "TASK stack guard page was hit", KT_STACK_GUARD, HILT_KR_BUG },
		{ "IRQ stack guard page was hit", KT_STACK_GUARD, HILT_KR_BUG },
		{ "no syscalls can create", KT_NONE, HILT_KR_BUG },
		{ "bad unlock balance", KT_LOCKBUG, HILT_KR_LOCKDEP },
		{ "held lock freed", KT_LOCKBUG, HILT_KR_LOCKDEP },
		{ "lock held when returning", KT_LOCKBUG, HILT_KR_LOCKDEP },
		{ "Invalid wait context", KT_LOCKBUG, HILT_KR_LOCKDEP },
		{ "using __this_cpu_", KT_PREEMPT, HILT_KR_BUG },
		{ "using smp_processor_id", KT_PREEMPT, HILT_KR_BUG },
	};
	for (size_t i = 0; i < sizeof(bugs) / sizeof(bugs[0]); i++) {
		size_t n = strlen(bugs[i].lit);

		if (ml >= n && memcmp(m, bugs[i].lit, n) == 0) {
			if (bugs[i].t == KT_NONE)
				return false;
			set(h, KC_HEADER, bugs[i].t, bugs[i].k);
			return true;
		}
	}
	if (ml > 0 && m[0] != ' ') {
		if (find(m, ml, " still has locks held"))
			set(h, KC_HEADER, KT_LOCKBUG, HILT_KR_LOCKDEP);
		else
			set(h, KC_HEADER, KT_BUG, HILT_KR_BUG);
		return true;
	}
	return false;
}

static void classify_warning(const char *m, size_t ml, struct kr_head *h, bool info)
{
	static const char *const deadlock[] = {
		"possible circular locking", "possible recursive locking",
		"possible irq lock inversion", "SOFTIRQ-safe -> SOFTIRQ-unsafe",
		"HARDIRQ-safe -> HARDIRQ-unsafe",
	};
	for (size_t i = 0; i < sizeof(deadlock) / sizeof(deadlock[0]); i++)
		if (ml >= strlen(deadlock[i]) && memcmp(m, deadlock[i], strlen(deadlock[i])) == 0) {
			set(h, KC_HEADER, KT_DEADLOCK, HILT_KR_LOCKDEP);
			return;
		}
	if (lit_starts(m, ml, "inconsistent lock state"))
		set(h, KC_HEADER, KT_INCONSISTENT, HILT_KR_LOCKDEP);
	else if (lit_starts(m, ml, "suspicious RCU usage"))
		set(h, KC_HEADER, KT_RCU_USAGE, HILT_KR_LOCKDEP);
	else if (lit_starts(m, ml, "trying to register non-static key"))
		set(h, KC_HEADER, KT_NONSTATIC_KEY, HILT_KR_LOCKDEP);
	else if (info)
		return;
	else if (lit_starts(m, ml, "bad unlock balance") || lit_starts(m, ml, "held lock freed") ||
		 lit_starts(m, ml, "lock held when returning") || find(m, ml, " still has locks held"))
		set(h, KC_HEADER, KT_LOCKBUG, HILT_KR_LOCKDEP);
	else if (lit_starts(m, ml, "nested lock was not taken") || lit_starts(m, ml, "Nested lock was not taken"))
		set(h, KC_HEADER, KT_LOCKBUG, HILT_KR_LOCKDEP);
	else if (lit_starts(m, ml, "lock held at task exit"))
		set(h, KC_HEADER, KT_BUG, HILT_KR_LOCKDEP);
	else if (lit_starts(m, ml, "kernel stack "))
		set(h, KC_HEADER, KT_BUG, HILT_KR_WARNING);
	else if (lit_starts(m, ml, "CPU: ") || lit_starts(m, ml, "at ") ||
		 (find(m, ml, " at ") && find(m, ml, ", CPU#")))
		set(h, KC_HEADER, KT_WARNING, HILT_KR_WARNING);
}

static bool all_of(const char *s, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != c)
			return false;
	return true;
}

#define BIT(c) [(c) >> 3] = (unsigned char)(1u << ((c) & 7))
const unsigned char kr_first_idx[256] = {
	['B'] = 1, ['W'] = 2, ['K'] = 3, ['g'] = 3, ['k'] = 3, ['M'] = 3, ['s'] = 3, ['I'] = 4,
	['U'] = 5, ['O'] = 6, ['d'] = 7, ['i'] = 8, ['u'] = 8, ['P'] = 9, ['p'] = 10, ['G'] = 11,
	['a'] = 12, ['='] = 13, ['-'] = 14, ['8'] = 15, ['['] = 16, ['w'] = 17, ['N'] = 18,
	['r'] = 19, ['C'] = 20, ['"'] = 21,
};
const unsigned char kr_second[22][32] = {
	[1] = { BIT('U') },			/* BUG */
	[2] = { BIT('A'), BIT('a') },		/* WARNING, Watchdog */
	[3] = { BIT('e') },			/* Kernel, general, kernel, Memory, segment */
	[4] = { BIT('N'), BIT('n') },		/* INFO, Internal */
	[5] = { BIT('B'), BIT('n') },		/* UBSAN, Unable, Unhandled */
	[6] = { BIT('o'), BIT('u') },		/* Oops, Out of memory */
	[7] = { BIT('i'), BIT('a') },		/* divide, data abort */
	[8] = { BIT('n') },			/* invalid, unreferenced, undefined */
	[9] = { BIT('A') },			/* PANIC */
	[10] = { BIT('r') },			/* prefetch abort */
	[11] = { BIT('u') },			/* Guru */
	[12] = { BIT('b') },			/* abort() */
	[13] = { BIT('=') },			/* rulers */
	[14] = { BIT('-') },			/* cut here, end trace */
	[15] = { BIT('<') },			/* 8<--- cut here */
	[16] = { BIT(' '), BIT('T'), BIT('C') },	/* [ INFO:, caller ids */
	[17] = { BIT('a') },			/* watchdog: */
	[18] = { BIT('M') },			/* NMI watchdog: */
	[19] = { BIT('c') },			/* rcu: */
	[20] = { BIT('P') },			/* CPU3: (hard lockup) */
	[21] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff },	/* "Synchronous Abort" */
};
#undef BIT

/* The quick pass's marks (kreport_int.h), one at least in every line
 * kr_classify() makes a header, a ruler, a "cut here", an oops line, a
 * panic or an OOM kill of, whatever its prefixes ("watchdog: ", "rcu: ",
 * "[ "), and in a kernel line cut into another program's.  Two bytes
 * ("[#") when the third may be anything.  Grouped in the 8 buckets of the
 * vector check so that the nibbles of a bucket's marks mix into few words
 * of ordinary console output (the bucket of "[#" takes no other: any
 * third byte passes in it).  A line kr_classify() learns to read must
 * bring its mark here: tests/test_kreport.c checks that every report
 * start of the real logs, and of every shape it lists behind every
 * console prefix, has one. */
static const char *const marks[8][6] = {
	/* "Oops: ... [#1]", "divide error: 0000 [#1]", "invalid opcode: 0000
	 * [#1]", "Internal error: Oops: ... [#1]": the oops count */
	{ "[#" },
	/* "BUG: ...", "BUG kmalloc-64 (...): ...", "kernel BUG at ...";
	 * "Watchdog detected hard LOCKUP"; "INFO: ...", "[ INFO: ..."; "...
	 * invoked oom-killer: ..." */
	{ "BUG", "KUP", "NFO", "m-k" },
	/* "WARNING: ..."; "Unhandled fault: "; "UBSAN: "; "Unable to handle
	 * kernel ..."; "Guru Meditation Error" */
	{ "WAR", "Unh", "UBS", "Una", "Gur" },
	/* "Kernel panic - not syncing: "; U-Boot's "\"Synchronous Abort\"
	 * handler, esr 0x..." */
	{ "c -", "esr" },
	/* "general protection fault", "segment-related general ..."; "[ cut
	 * here ]" */
	{ "l p", "e ]" },
	/* "PANIC: double fault"; "Out of memory: Kill", "Memory cgroup out of
	 * memory: Kill"; sanitizers' and lockdep's "=====" rulers */
	{ "PAN", "Kil", "===" },
	/* "data abort", "prefetch abort", "abort() was called" */
	{ "abo" },
	/* "unreferenced object 0x"; "undefined instruction"; "8<--- cut here" */
	{ "unr", "ins", "8<-" },
};

void kr_marks_init(struct kr_marks *m)
{
	memset(m, 0, sizeof(*m));
	for (int b = 0; b < 8; b++) {
		for (int i = 0; i < 6 && marks[b][i]; i++) {
			const unsigned char *k = (const unsigned char *)marks[b][i];
			unsigned char bit = (unsigned char)(1u << b);

			for (int j = 0; j < 3; j++) {
				/* a two-byte mark: any third byte */
				for (int c = k[j] ? k[j] : 0; c < (k[j] ? k[j] + 1 : 256); c++)
					m->byte[j][c] |= bit;
				if (!k[j])
					break;
			}
		}
	}
	for (int j = 0; j < 3; j++)
		for (int c = 0; c < 256; c++) {
			/* above 0x7f as the low 7 bits (the vector lookups') */
			m->byte[j][c] |= m->byte[j][c & 0x7f];
			m->lo[j][c & 15] |= m->byte[j][c];
			m->hi[j][c >> 4] |= m->byte[j][c];
		}
}

bool kr_marked(const struct kr_marks *m, const char *s, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++)
		if (kr_marks_at(m, (const unsigned char *)s + i))
			return true;
	/* the stream sees the line's end after it */
	unsigned char end[3] = { len >= 2 ? (unsigned char)s[len - 2] : 0,
				 len ? (unsigned char)s[len - 1] : 0, '\n' };
	return len >= 2 && kr_marks_at(m, end);
}


void kr_classify(const char *b, size_t len, struct kr_head *h)
{
	size_t e;

	set(h, KC_NONE, KT_NONE, HILT_KR_OTHER);
	if (len < 8)
		return;
	/* subsystems' prefixes before the report's own words */
	if (!kr_maybe(b))
		goto oom; /* the streaming's quick test says the same */
	if (lit_starts(b, len, "watchdog: ")) {
		b += 10, len -= 10;
	} else if (lit_starts(b, len, "NMI watchdog: ")) {
		b += 14, len -= 14;
	}
	if (lit_starts(b, len, "CPU") && len > 5 && is_digit(b[3])) {
		/* "watchdog: CPU3: Watchdog detected hard LOCKUP on cpu 3" */
		size_t i = 3;
		while (i < len && is_digit(b[i]))
			i++;
		if (lit_starts(b + i, len - i, ": "))
			b += i + 2, len -= i + 2;
	} else if (lit_starts(b, len, "rcu: ")) {
		b += 5, len -= 5;
	} else if (lit_starts(b, len, "[ INFO: ") || lit_starts(b, len, "[ BUG: ") ||
		   lit_starts(b, len, "[ WARNING: ")) {
		b += 2, len -= 2;
	}
	switch (b[0]) {
	case 'B':
		if (lit_starts(b, len, "BUG: "))
			classify_bug(b, len, h);
		else if (lit_starts(b, len, "BUG ") && find(b, len, "): ") && find(b, len, " (") &&
			 !find(b, len, "): kasan:"))
			set(h, KC_HEADER, KT_SLUB, HILT_KR_BUG);
		break;
	case 'W':
		if (lit_starts(b, len, "WARNING: "))
			classify_warning(b + 9, len - 9, h, false);
		else if (lit_starts(b, len, "Watchdog detected hard LOCKUP"))
			set(h, KC_HEADER, KT_HARD_LOCKUP, HILT_KR_LOCKUP);
		break;
	case 'K':
		if (lit_starts(b, len, "Kernel panic - not syncing: ")) {
			if (panic_follows(b + 28, len - 28))
				set(h, KC_PANIC_FOLD, KT_PANIC, HILT_KR_PANIC);
			else
				set(h, KC_HEADER, KT_PANIC, HILT_KR_PANIC);
		}
		break;
	case 'I':
		if (lit_starts(b, len, "INFO: task ") && find(b, len, " for more than "))
			set(h, KC_HEADER, KT_HUNG, HILT_KR_HUNG_TASK);
		else if (lit_starts(b, len, "INFO: rcu_") && find(b, len, "detected") && find(b, len, "stall"))
			set(h, KC_HEADER, KT_RCU_STALL, HILT_KR_RCU_STALL);
		else if (lit_starts(b, len, "INFO: "))
			classify_warning(b + 6, len - 6, h, true);
		else if (lit_starts(b, len, "Internal error: Oops - BUG") && find(b, len, "[#"))
			set(h, KC_OOPS, KT_KERNEL_BUG, HILT_KR_BUG);
		else if (lit_starts(b, len, "Internal error: ") && find(b, len, "[#"))
			set(h, KC_OOPS, KT_OOPS, HILT_KR_OOPS);
		break;
	case 'U':
		if (lit_starts(b, len, "Unhandled fault: "))
			set(h, KC_HEADER, KT_UNHANDLED, HILT_KR_OOPS);
		else if (lit_starts(b, len, "UBSAN: "))
			set(h, KC_HEADER, KT_UBSAN, HILT_KR_UBSAN);
		else if (lit_starts(b, len, "Unable to handle kernel NULL pointer"))
			set(h, KC_HEADER, KT_PF_NULL, HILT_KR_PAGE_FAULT);
		else if (lit_starts(b, len, "Unable to handle kernel paging request"))
			set(h, KC_HEADER, KT_PF_PAGING, HILT_KR_PAGE_FAULT);
		else if (lit_starts(b, len, "Unable to handle kernel "))
			set(h, KC_HEADER, KT_PF_OTHER, HILT_KR_PAGE_FAULT);
		break;
	case 'g':
		if (lit_starts(b, len, "general protection fault"))
			set(h, KC_HEADER, KT_GPF, HILT_KR_GPF);
		break;
	case 's':
		if (lit_starts(b, len, "segment-related general protection fault"))
			set(h, KC_HEADER, KT_GPF, HILT_KR_GPF);
		break;
	case 'k':
		if (lit_starts(b, len, "kernel BUG at "))
			set(h, KC_HEADER, KT_KERNEL_BUG, HILT_KR_BUG);
		break;
	case 'O':
		if (lit_starts(b, len, "Out of memory: Kill"))
			set(h, KC_OOM_KILLED, KT_OOM, HILT_KR_OOM);
		else if (!find(b, len, "[#"))
			; /* an oops counts itself ("[#1]"): any other "Oops: " is not one */
		else if (lit_starts(b, len, "Oops: general protection fault"))
			set(h, KC_HEADER, KT_GPF, HILT_KR_GPF);
		else if (lit_starts(b, len, "Oops: divide error"))
			set(h, KC_HEADER, KT_DIVIDE, HILT_KR_DIVIDE_ERROR);
		else if (lit_starts(b, len, "Oops: invalid opcode"))
			set(h, KC_OOPS, KT_INVALID_OP, HILT_KR_OOPS);
		else if (lit_starts(b, len, "Oops: "))
			set(h, KC_OOPS, KT_OOPS, HILT_KR_OOPS);
		break;
	case 'M':
		if (lit_starts(b, len, "Memory cgroup out of memory: Kill"))
			set(h, KC_OOM_KILLED, KT_OOM, HILT_KR_OOM);
		break;
	case 'd':
		if ((lit_starts(b, len, "divide error: ") || lit_starts(b, len, "divide_error: ")) && find(b, len, "[#"))
			set(h, KC_HEADER, KT_DIVIDE, HILT_KR_DIVIDE_ERROR);
		else if (len == 10 && memcmp(b, "data abort", 10) == 0)
			set(h, KC_HEADER, KT_UBOOT, HILT_KR_BOOTLOADER);
		break;
	case 'i':
		if (lit_starts(b, len, "invalid opcode: ") && find(b, len, "[#"))
			set(h, KC_OOPS, KT_INVALID_OP, HILT_KR_OOPS);
		break;
	case 'P':
		if (lit_starts(b, len, "PANIC: double fault"))
			set(h, KC_HEADER, KT_DOUBLE_FAULT, HILT_KR_PANIC);
		break;
	case 'u':
		if (lit_starts(b, len, "unreferenced object 0x"))
			set(h, KC_LEAK_OBJECT, KT_LEAK, HILT_KR_LEAK);
		else if (len == 21 && memcmp(b, "undefined instruction", 21) == 0)
			set(h, KC_HEADER, KT_UBOOT, HILT_KR_BOOTLOADER);
		break;
	case 'p':
		if (len == 14 && memcmp(b, "prefetch abort", 14) == 0)
			set(h, KC_HEADER, KT_UBOOT, HILT_KR_BOOTLOADER);
		break;
	case '"':
		if (find(b, len, "\" handler, esr "))
			set(h, KC_HEADER, KT_UBOOT, HILT_KR_BOOTLOADER);
		break;
	case 'G':
		if (lit_starts(b, len, "Guru Meditation Error"))
			set(h, KC_HEADER, KT_GURU, HILT_KR_FIRMWARE);
		break;
	case 'a':
		if (lit_starts(b, len, "abort() was called"))
			set(h, KC_HEADER, KT_ABORT, HILT_KR_FIRMWARE);
		break;
	case '8':
		if (lit_starts(b, len, "8<--- cut here ---"))
			set(h, KC_CUT, KT_NONE, HILT_KR_OTHER);
		break;
	case '=':
		if (len >= 20 && all_of(b, len, '='))
			set(h, KC_RULER, KT_NONE, HILT_KR_OTHER);
		break;
	case '-':
		if (find(b, len, "[ cut here ]"))
			set(h, KC_CUT, KT_NONE, HILT_KR_OTHER);
		else if (lit_starts(b, len, "---[ end Kernel panic"))
			set(h, KC_END_PANIC, KT_NONE, HILT_KR_OTHER);
		else if (lit_starts(b, len, "---[ end trace"))
			set(h, KC_END_TRACE, KT_NONE, HILT_KR_OTHER);
		break;
	}
oom:
	/* "stress invoked oom-killer: gfp_mask=..., oom_score_adj=0": its end
	 * first, as few lines end in "=<digits>" */
	e = len;
	while (e > 40 && (is_digit(b[e - 1]) || b[e - 1] == '-'))
		e--;
	if (h->cls == KC_NONE && e > 40 && e < len && lit_starts(b + e - 14, 14, "oom_score_adj=")) {
		/* "stress invoked oom-killer: ...": after the task's name, one
		 * word or two ("Web Content") */
		const char *sp = memchr(b, ' ', len < 48 ? len : 48);
		for (int words = 0; sp && words < 2; words++) {
			size_t at = (size_t)(sp - b);
			if (lit_starts(sp, len - at, " invoked oom-killer: ")) {
				set(h, KC_HEADER, KT_OOM, HILT_KR_OOM);
				break;
			}
			sp = at + 1 < len ? memchr(sp + 1, ' ', len - at - 1 < 48 ? len - at - 1 : 48) : NULL;
		}
	}
}

bool kr_type_ruled(enum kr_type t)
{
	return t == KT_KASAN || t == KT_KFENCE || t == KT_KMSAN || t == KT_UBSAN || t == KT_SLUB;
}

bool kr_shaped(const char *b, size_t len)
{
	static const char *const known[] = {
		"RIP:", "EIP:", "RSP:", "RAX:", "RBX:", "RDX:", "RBP:", "R08:", "R10:", "R13:",
		"FS:", "CS:", "CR2:", "DR0:", "DR3:", "DR6:", "Code:", "CPU:", "Hardware name:",
		"Call Trace:", "Call trace:", "Modules linked in:", "Workqueue:", "pc :", "lr :",
		"sp :", "pstate:", "Mem abort info:", "Data abort info:", "ESR ", "EC ", "SET ",
		"FAR ", "EA ", "ISV ", "CM ", "WnR ", "user pgtable", "swapper pgtable", "PGD",
		"Oops", "Internal error", "Kernel panic", "Kernel Offset", "Read of size",
		"Write of size", "Allocated by", "Freed by", "The buggy address", "Memory state",
		"Last potentially", "Second to last", "page:", "page dumped", "flags:", "raw:",
		"Disabling lock debugging", "INFO:", "task:", "Showing", "irq event stamp",
		"hardirqs ", "softirqs ", "other info", "Possible unsafe", "stack backtrace:",
		"the existing dependency", "but task is", "which lock already", "Chain exists",
		"rcu:", "NMI backtrace", "Sending NMI", "Uninit was", "Local variable", "Bytes ",
		"Memory access", "KASAN:", "KFENCE:", "Object ", "Redzone ", "Padding ",
		"Allocated in", "Freed in", "INFO: ", "index ", "shift exponent", "load of value",
		"PC is at", "LR is at", "psr:", "Process ", "Stack:", "Backtrace:", "Exception ",
		"backtrace", "comm ", "hex dump", "unreferenced", "epc :", "ra :", "status:",
		"Tainted:", "Not tainted", "\"echo 0", "BUG:", "WARNING:", "Mem-Info:", "Node ",
		"active_anon:", "Free swap", "Total swap", "oom-kill:", "Tasks state", "[  pid  ]",
		"elr:", "x0 ", "x2", "x4", "x6", "x8", "x1", "x3", "x5", "x7", "x9", "ESP", "PS ",
		"A0 ", "A2 ", "A4 ", "A6 ", "A8 ", "A10", "A12", "A14", "SAR", "EXCCAUSE", "LBEG",
	};
	if (len == 0)
		return false;
	char c = b[0];
	if (c == ' ' || c == '\t' || c == '>' || c == '#' || c == '*' || c == '-' || c == '[' ||
	    c == '(' || c == '<' || c == '=' || c == '?' || is_digit(c))
		return true;
	size_t hx = 0;
	while (hx < len && is_hex(b[hx]))
		hx++;
	if ((hx >= 8 && (hx == len || b[hx] == ':' || b[hx] == ' ')) || (hx >= 3 && hx < len && b[hx] == ':'))
		return true; /* addresses, hex dumps ("fc40: 00000000 ...") */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t n = strlen(known[i]);

		if (known[i][0] == c && len >= n && memcmp(b, known[i], n) == 0)
			return true;
	}
	return false;
}

size_t kr_body(const char *s, size_t len, struct kr_head *h)
{
	size_t p = kr_prefix_len(s, len);
	const char *b = s + p, *e = s + len;

	kr_classify(b, len - p, h);
	if (h->cls != KC_NONE || p > 0)
		return p; /* a kernel line from its start */
	/* a kernel line that cut into another program's: "TINFO: 2 huge[
	 * 54.396708] BUG: kernel NULL pointer dereference" */
	for (const char *q = b + 1; q < e && (q = memchr(q, '[', (size_t)(e - q))); q++) {
		size_t p2 = kr_prefix_len(q, (size_t)(e - q));
		struct kr_head h2;

		if (p2 == 0)
			continue;
		kr_classify(q + p2, (size_t)(e - q) - p2, &h2);
		if (h2.cls != KC_NONE) {
			*h = h2;
			return (size_t)(q - s) + p2;
		}
	}
	return p;
}
