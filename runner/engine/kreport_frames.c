/* The kernel report reader's call trace frames (see kreport.c for the
 * map): one line read as a frame (x86 " func+0x1a/0x20", "RIP: 0010:..",
 * arm64 "pc : ..", arm "(func) from ..", kmemleak "[<..>] func+..",
 * symbolized "func mm/x.c:12"), a report's frames collected up to the
 * end of its first trace, and the first frame that is not the reporting
 * machinery (dump_stack, the sanitizers' own functions, __warn, panic,
 * lockdep, the string and copy helpers the sanitizers intercept, ...),
 * with the hung task's and the stall's rules learned from syzkaller. */
#define _GNU_SOURCE
#include "runner/engine/kreport_int.h"

#include <string.h>

/* The function named at s: letters, digits, '_' and '.', its suffixes
 * (".cold", ".isra.0", ".constprop.0") dropped.  Its length, 0 if none. */
size_t kr_func_name(const char *s, size_t len, char *out, size_t outlen, size_t *used)
{
	size_t i = 0, n = 0;

	while (i < len && is_ident(s[i]))
		i++;
	if (i == 0 || is_digit(s[0]) || s[0] == '.')
		return 0;
	while (n < i && s[n] != '.')
		n++;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	*used = i;
	return n;
}

size_t kr_skip_spaces(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* "[<ffffffff81234567>] " and "[ffff...] " address tokens. */
size_t kr_skip_addrs(const char *s, size_t len, size_t i)
{
	for (;;) {
		i = kr_skip_spaces(s, len, i);
		if (i < len && s[i] == '[' && i + 1 < len && (s[i + 1] == '<' || is_hex(s[i + 1]))) {
			const char *e = memchr(s + i, ']', len - i);

			if (!e)
				return i;
			i = (size_t)(e - s) + 1;
			continue;
		}
		return i;
	}
}

/* One line as a frame of a call trace, a register line naming the
 * function (RIP:, pc :, PC is at), or none. */
static bool parse_frame(const char *s, size_t len, struct kr_frame *f)
{
	size_t i = kr_skip_spaces(s, len, 0), used = 0;

	f->where = FR_TRACE;
	f->unreliable = false;
	if (lit_starts(s + i, len - i, "RIP: ") || lit_starts(s + i, len - i, "EIP: ") ||
	    lit_starts(s + i, len - i, "NIP: ")) {
		f->where = FR_RIP;
		i += 5;
		size_t j = i;
		while (j < len && is_hex(s[j]))
			j++;
		if (j < len && s[j] == ':' && j > i)
			i = j + 1;
	} else if (lit_starts(s + i, len - i, "pc : ") || lit_starts(s + i, len - i, "epc : ")) {
		f->where = FR_RIP;
		i += s[i] == 'e' ? 6 : 5;
	} else if (lit_starts(s + i, len - i, "PC is at ") || lit_starts(s + i, len - i, "EIP is at ")) {
		f->where = FR_RIP;
		i += s[i] == 'E' ? 10 : 9;
	} else if (lit_starts(s + i, len - i, "lr : ") || lit_starts(s + i, len - i, "ra : ") ||
		   lit_starts(s + i, len - i, "LR is at ")) {
		f->where = FR_LR;
		i += s[i] == 'L' ? 9 : 5;
	}
	i = kr_skip_addrs(s, len, i);
	if (lit_starts(s + i, len - i, "? ")) {
		f->unreliable = true;
		i += 2;
	}
	bool paren = i < len && s[i] == '(';
	if (paren)
		i++;
	if (!kr_func_name(s + i, len - i, f->name, sizeof(f->name), &used))
		return false;
	i += used;
	if (lit_starts(s + i, len - i, "+0x"))
		return true;
	if (paren && i < len && s[i] == ')')
		return find(s + i, len - i, " from ") != NULL;
	if (lit_starts(s + i, len - i, " from "))
		return true;
	if (i < len && s[i] == ' ') {
		/* symbolized: "func mm/slub.c:123 [inline]" */
		size_t j = i + 1, e = j;
		while (e < len && s[e] != ' ')
			e++;
		const char *colon = memchr(s + j, ':', e - j);
		return colon && colon > s + j + 2 && colon[-2] == '.' && colon + 1 < s + e && is_digit(colon[1]);
	}
	return false;
}

static bool starts_any(const char *s, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list[i]);

		if (len >= l && memcmp(s, list[i], l) == 0)
			return true;
	}
	return false;
}

/* Lines that begin another part of the report (KASAN's allocation stack,
 * another task, the panic's own dump) once a trace was read. */
static bool ends_trace(const char *s, size_t len)
{
	static const char *const stop[] = {
		"Allocated by", "Freed by", "Last potentially", "Second to last",
		"The buggy address", "Memory state", "Uninit was", "Local variable",
		"Showing all locks", "Showing busy", "NMI backtrace for cpu", "other info that",
		"Sending NMI", "task:", "INFO: task", "Kernel panic", "---[ end trace",
		"Kernel Offset", "Modules linked in", "rcu: rcu_", "irq event stamp", "CPU: ",
		"Bytes ", "Object ", "Redzone ", "Disabling lock debugging",
	};
	return starts_any(s, len, stop, sizeof(stop) / sizeof(stop[0]));
}

size_t kr_collect_frames(const char *const *lines, const size_t *lens, size_t n,
			     struct kr_frame *fr)
{
	size_t nf = 0;
	bool in_irq = false, rip_seen = false;

	for (size_t k = 1; k < n && nf < KR_MAX_FRAMES; k++) {
		const char *s = lines[k];
		size_t len = lens[k], i = kr_skip_spaces(s, len, 0);

		if (nf && ends_trace(s + i, len - i))
			break;
		if (lit_starts(s + i, len - i, "<IRQ>") || lit_starts(s + i, len - i, "<NMI>")) {
			in_irq = true;
			continue;
		}
		if (lit_starts(s + i, len - i, "</IRQ>") || lit_starts(s + i, len - i, "</NMI>") ||
		    lit_starts(s + i, len - i, "<EOI>")) {
			in_irq = false;
			continue;
		}
		if (!parse_frame(s, len, &fr[nf]))
			continue;
		if (fr[nf].where == FR_RIP) {
			if (rip_seen)
				continue;
			rip_seen = true;
		}
		fr[nf].in_irq = in_irq;
		nf++;
	}
	return nf;
}

/* ---- the reporting machinery ---- */

/* A list entry matches a name that begins with it, or contains it when
 * it begins with '*'. */
static bool listed(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = list[i];

		if (e[0] == '*' ? strstr(name, e + 1) != NULL : strncmp(name, e, strlen(e)) == 0)
			return true;
	}
	return false;
}

#define LISTED(name, list) listed((name), (list), sizeof(list) / sizeof((list)[0]))

static const char *const skip_general[] = {
	"dump_stack", "__dump_stack", "show_stack", "show_trace", "dump_backtrace", "unwind_backtrace",
	"show_regs", "print_report", "print_address_description", "*kasan", "__asan", "asan_",
	"*kmsan", "__msan", "*ubsan", "__sanitizer", "check_memory_region", "kfence_", "__kfence",
	"panic", "nmi_panic", "vpanic", "__warn", "warn_slowpath", "warn_alloc", "report_bug",
	"handle_bug", "fixup_bug", "exc_invalid_op", "asm_exc_", "exc_page_fault", "do_error_trap",
	"do_trap", "do_invalid_op", "invalid_op", "die", "__die", "oops_", "page_fault_oops",
	"kernelmode_fixup_or_oops", "__bad_area", "bad_area", "do_user_addr_fault",
	"handle_page_fault", "do_page_fault", "do_mem_abort", "do_translation_fault",
	"do_bad_area", "__do_kernel_fault", "die_kernel_fault", "el1_", "el1h_", "el0_", "el0t_",
	"bug_handler", "call_break_hook", "brk_handler", "do_debug_exception", "arm64_notify_die",
	"printk", "_printk", "vprintk", "*lockdep", "lock_acquire", "lock_release",
	"__lock_acquire", "check_noncircular", "check_prev_add", "validate_chain",
	"print_circular_bug", "*might_sleep", "__might_resched", "*might_fault", "memcpy",
	"memset", "memmove", "memcmp", "memchr", "__memcpy", "__memset", "__memmove", "strlen",
	"strnlen", "strcpy", "strncpy", "strscpy", "strcmp", "strncmp", "strchr", "strlcpy",
	"_copy_to_user", "_copy_from_user", "copy_to_user", "copy_from_user", "__copy_to_user",
	"__copy_from_user", "raw_copy_", "instrument_", "check_object_size",
	"__check_object_size", "should_fail", "_raw_spin", "*spin_lock", "*spin_unlock",
	"*spin_trylock", "_raw_read_", "_raw_write_", "mutex_lock", "__mutex_lock",
	"mutex_unlock", "mutex_trylock", "down_read", "down_write", "up_read", "up_write",
	"__wake_up", "lockdep_rcu_suspicious", "trace_hardirqs", "__sanitizer_cov", "kcov",
	"__stack_chk_fail", "nmi_cpu_backtrace", "nmi_trigger_cpumask_backtrace",
	"arch_trigger_cpumask_backtrace", "handle_exception", "do_trap_", "__show_regs",
	"refcount_warn_saturate", "__list_add_valid_or_report", "__list_del_entry_valid_or_report",
};

static const char *const skip_free[] = {
	"kmem_", "slab_", "kfree", "vunmap", "vfree", "__kmem", "__slab", "do_slab_free", "__free_",
	"free_", "kvfree", "__kasan",
};
static const char *const skip_leak[] = {
	"*kmemleak", "*kmalloc", "*kcalloc", "*kzalloc", "*vmalloc", "*mmap", "*kmem", "*slab",
	"*alloc", "create_object", "idr_get", "list_lru_init", "*kasprintf", "*kvasprintf",
	"pcpu_create", "*strdup", "*strndup", "*memdup",
};
static const char *const skip_hung[] = {
	"*sched", "*_lock", "*_slowlock", "*down", "*completion", "*kthread", "*wait",
	"*synchronize", "*context_switch", "*__switch_to", "*cancel_delayed_work", "*_sleep",
	"*rwsem", "*mutex", "*folio_wait", "*io_schedule",
};
static const char *const skip_atomic[] = {
	"schedule", "__schedule", "preempt_schedule", "__cond_resched", "_cond_resched",
	"cond_resched", "__mutex_lock", "down", "__down", "slab_pre_alloc_hook",
	"kmem_cache_alloc", "__kmalloc", "kmalloc", "kzalloc", "__kmem_cache_alloc", "__alloc_pages",
	"alloc_pages", "might_alloc", "__flush_work", "flush_work", "wait_for_", "msleep",
	"usleep_range", "rt_spin_lock", "rt_mutex", "__rt_mutex",
};
static const char *const skip_rcu_usage[] = {
	"rcu", "*_rcu", "kmem", "slab", "kmalloc", "vmalloc", "kcalloc", "kzalloc",
};
static const char *const skip_stall[] = {
	"*apic_timer_interrupt", "*rcu", "irq_exit", "__irq_exit", "sysvec_", "__sysvec",
	"hrtimer_", "__hrtimer", "tick_", "update_process_times", "watchdog_timer_fn",
	"handle_irq", "gic_handle_irq", "call_on_irq_stack", "do_interrupt_handler",
	"generic_handle", "handle_percpu", "arch_timer_handler", "__do_softirq", "irq_",
};
static const char *const skip_spin[] = { "*spin_", "do_raw_spin" };
static const char *const skip_list[] = { "*list_" };
static const char *const skip_usercopy[] = { "*usercopy", "__check" };
static const char *const skip_firmware[] = {
	"panic_abort", "esp_system_abort", "abort", "__assert_func", "esp_panic_handler",
	"panic_handler", "xt_unhandled_exception", "_xt_", "lock_acquire_generic", "invoke_abort",
	"panic_", "esp_restart", "__ubsan", "esp_vApplication", "vApplication",
};
/* Where an interrupt was taken: a stall's own trace follows. */
static const char *const irq_entry[] = {
	"asm_sysvec_apic_timer_interrupt", "apic_timer_interrupt", "el1h_64_irq", "el1_irq",
	"__irq_svc", "asm_common_interrupt",
};
/* syzkaller's anchors for stalls: the frame before one of these says
 * what the stalled code was doing. */
static const char *const stall_anchor[] = {
	"process_one_work", "do_syscall_", "do_fast_syscall_", "netif_receive_skb", "do_softirq",
	"call_timer_fn", "*_run_timers", "run_timer_softirq", "run_ksoftirqd",
	"smpboot_thread_fn", "kthread", "start_secondary", "cpu_startup_entry", "ret_from_fork",
	"vfs_write", "vfs_read", "vfs_ioctl", "do_mmap", "vfs_open", "handle_mm_fault", "__fput",
	"task_work_run", "exit_to_user", "invoke_syscall", "el0_svc", "secondary_start_kernel",
	"do_idle",
};


bool kr_skipped(const char *name, enum kr_skip which)
{
	static const struct { const char *const *list; size_t n; } lists[] = {
		[SK_NONE] = { NULL, 0 },
		[SK_GENERAL] = { skip_general, sizeof(skip_general) / sizeof(skip_general[0]) },
#define L(e, a) [e] = { a, sizeof(a) / sizeof(a[0]) }
		L(SK_FREE, skip_free), L(SK_LEAK, skip_leak), L(SK_HUNG, skip_hung),
		L(SK_ATOMIC, skip_atomic), L(SK_RCU_USAGE, skip_rcu_usage), L(SK_STALL, skip_stall),
		L(SK_SPIN, skip_spin), L(SK_LIST, skip_list), L(SK_USERCOPY, skip_usercopy),
		L(SK_FIRMWARE, skip_firmware),
#undef L
	};
	return listed(name, lists[which].list, lists[which].n);
}

/* The first frame not in the reporting machinery (nor in extra). */
const char *kr_pick(struct kr_frame *fr, size_t nf, enum kr_pick_mode mode, enum kr_skip extra)
{
	if (mode == PICK_RIP_FIRST)
		for (size_t i = 0; i < nf; i++)
			if (fr[i].where == FR_RIP) {
				if (!LISTED(fr[i].name, skip_general) && !kr_skipped(fr[i].name, extra))
					return fr[i].name;
				break;
			}
	for (size_t i = 0; i < nf; i++) {
		if (fr[i].where != FR_TRACE || fr[i].unreliable)
			continue;
		if (LISTED(fr[i].name, skip_general) || kr_skipped(fr[i].name, extra))
			continue;
		return fr[i].name;
	}
	return NULL;
}

const char *kr_pick_hung(struct kr_frame *fr, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		if (fr[i].where != FR_TRACE || fr[i].unreliable)
			continue;
		if (!strncmp(fr[i].name, "rtnl_lock", 9))
			return "rtnl_lock";
		if (!strncmp(fr[i].name, "synchronize_rcu", 15) || !strncmp(fr[i].name, "synchronize_srcu", 16) ||
		    !strncmp(fr[i].name, "synchronize_net", 15) || !strncmp(fr[i].name, "synchronize_sched", 17))
			return "synchronize_rcu";
	}
	return kr_pick(fr, nf, PICK_TRACE, SK_HUNG);
}

/* A stall or lockup: the interrupted code's frames (after the timer
 * interrupt's entry, or outside <IRQ>), then the frame before the first
 * anchor, else the first one not skipped. */
const char *kr_pick_stall(struct kr_frame *fr, size_t nf)
{
	size_t from = 0, m = 0;
	struct kr_frame *keep[KR_MAX_FRAMES];

	for (size_t i = 0; i < nf; i++)
		if (LISTED(fr[i].name, irq_entry))
			from = i + 1;
	for (size_t i = from; i < nf; i++) {
		if (fr[i].where == FR_LR || fr[i].unreliable || (from == 0 && fr[i].in_irq))
			continue;
		if (LISTED(fr[i].name, skip_general) || LISTED(fr[i].name, skip_stall))
			continue;
		keep[m++] = &fr[i];
	}
	if (m == 0)
		return NULL;
	const char *prev = keep[0]->name;
	for (size_t i = 0; i < m; i++) {
		if (LISTED(keep[i]->name, stall_anchor)) {
			static const char *const arch[] = { "__x64_", "__ia32_", "__arm64_", "__riscv_" };
			for (size_t a = 0; a < 4; a++)
				if (!strncmp(prev, arch[a], strlen(arch[a])))
					return prev + strlen(arch[a]);
			return prev;
		}
		prev = keep[i]->name;
	}
	return keep[0]->name;
}

