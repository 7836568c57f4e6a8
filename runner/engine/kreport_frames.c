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

#include <stdio.h>
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
	} else if (lit_starts(s + i, len - i, "NIP [")) {
		f->where = FR_RIP; /* powerpc: "NIP [c000..] func+0x1ac/0x5f0" */
		i += 4;
	} else if (lit_starts(s + i, len - i, "LR [")) {
		f->where = FR_LR;
		i += 3;
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
	if (lit_starts(s + i, len - i, "+0x")) {
		/* powerpc's first frame: "[sp] [pc] func+0x../0x.. (unreliable)" */
		if (find(s + i, len - i, " (unreliable)"))
			f->unreliable = true;
		return true;
	}
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
		/* an inlined function names no frame of its own for a title */
		if (find(s + e, len - e, "[inline]"))
			f->unreliable = true;
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
			     struct kr_frame *fr, bool whole)
{
	size_t nf = 0;
	bool in_irq = false, rip_seen = false;

	for (size_t k = 1; k < n && nf < KR_MAX_FRAMES; k++) {
		const char *s = lines[k];
		size_t len = lens[k], i = kr_skip_spaces(s, len, 0);

		if (nf && !whole && ends_trace(s + i, len - i))
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
		if (k > 1 && find(lines[k - 1], lens[k - 1], "Preemption disabled at:"))
			continue; /* where preemption was disabled: not the trace */
		if (!parse_frame(s, len, &fr[nf]))
			continue;
		if (fr[nf].where == FR_RIP) {
			if (rip_seen && !whole)
				continue;
			rip_seen = true;
		}
		fr[nf].in_irq = in_irq;
		nf++;
		/* arm: "[<..>] (callee) from [<..>] (caller+0x6c/0x120)" */
		const char *from = find(s, len, " from ");
		if (from && nf < KR_MAX_FRAMES &&
		    parse_frame(from + 6, len - (size_t)(from + 6 - s), &fr[nf]) && fr[nf].where == FR_TRACE) {
			fr[nf].in_irq = in_irq;
			nf++;
		}
	}
	return nf;
}

/* ---- the reporting machinery ---- */

/* A list entry matches a name that begins with it, contains it when it
 * begins with '*' (ends with it: "*x$"), is it when it begins with '='. */
static bool listed(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = list[i];

		size_t el = strlen(e), nl = strlen(name);
		if (e[0] == '*' && e[el - 1] == '$') {
			if (nl >= el - 2 && !memcmp(name + nl - (el - 2), e + 1, el - 2))
				return true;
		} else if (e[0] == '=' ? strcmp(name, e + 1) == 0 :
			   e[0] == '*' ? strstr(name, e + 1) != NULL : strncmp(name, e, el) == 0)
			return true;
	}
	return false;
}

#define LISTED(name, list) listed((name), (list), sizeof(list) / sizeof((list)[0]))
#define GENERAL(name) (LISTED(name, skip_general) || allocator_api(name))

static const char *const skip_general[] = {
	/* syzkaller's list: names that contain these */
	"*__sanitizer", "*__asan", "*kasan", "*__msan", "*kmsan", "*check_memory_region",
	"*read_word_at_a_time", "*print_address_description", "*panic", "*invalid_op",
	"*report_bug", "*fixup_bug", "*do_error", "*_trap", "*dump_stack", "*warn_slowpath",
	"*warn_alloc", "*__warn", "*debug_object", "*timer_is_static_object",
	"*work_is_static_object", "*lockdep", "*perf_trace", "*lock_acquire", "*lock_release",
	"*lock_class", "*reacquire_held_locks", "*spin_lock", "*spin_trylock", "*spin_unlock",
	"*raw_read_lock", "*raw_read_trylock", "*raw_write_lock", "*raw_write_trylock", "=down",
	"*down_read", "*down_write", "*down_trylock",
	"*up_read", "*up_write", "*mutex_lock", "*mutex_trylock", "*mutex_unlock",
	"*mutex_remove_waiter", "*osq_lock", "*osq_unlock", "*__wake_up", "*refcount_add",
	"*refcount_sub", "*refcount_inc", "*refcount_dec", "*refcount_set", "*refcount_read",
	"*memcpy", "*memcmp", "*memset", "*memchr", "*memmove", "*strcmp", "*strncmp", "*strcpy",
	"*strlcpy", "*strncpy", "*strscpy", "*strlen", "*strnstr", "*strnlen", "*strchr",
	"*copy_to_user", "*copy_from_user", "*put_user", "*get_user", "*might_fault",
	"*might_sleep", "*list_add", "*list_del", "*list_replace", "*list_move", "*list_splice",
	"*_indirect_thunk_", "*string", "*pointer", "*snprintf", "*scnprintf", "*kasprintf",
	"*kvasprintf", "*printk", "*dev_info", "*dev_notice", "*dev_warn", "*dev_err",
	"*dev_alert", "*dev_crit", "*dev_emerg", "*program_check_exception",
	"*program_check_common", "*del_timer", "*flush_work", "*__cancel_work_timer",
	"*cancel_work_sync", "*try_to_grab_pending", "*flush_workqueue", "*drain_workqueue",
	"*destroy_workqueue", "*finish_wait", "*kthread_stop", "*kobject_del", "*kobject_put",
	"*kobject_uevent_env", "*add_uevent_var", "*get_device_parent", "*device_add",
	"*device_del", "*device_unregister", "*device_destroy", "*hwrng_unregister",
	"*i2c_del_adapter", "*__unregister_client", "*device_for_each_child",
	"*rollback_registered", "*unregister_netdev", "*sysfs_remove", "*device_remove_file",
	"*tty_unregister_device", "*dummy_urb_enqueue", "*usb_kill_urb",
	"*usb_kill_anchored_urbs", "*usb_control_msg", "*usb_hcd_submit_urb", "*usb_submit_urb",
	/* and more of the machinery: stack dumps, traps, faults (x86, arm64,
	 * arm, riscv), ubsan, kfence */
	"show_stack", "show_trace", "dump_backtrace", "unwind_backtrace", "show_regs", "__show_regs",
	"print_report", "*ubsan", "kfence_", "__kfence", "handle_bug", "exc_invalid_op",
	"asm_exc_", "exc_page_fault", "die", "__die", "oops_", "page_fault_oops",
	"kernelmode_fixup_or_oops", "=__bad_area", "=bad_area", "do_user_addr_fault",
	"handle_page_fault", "do_page_fault", "do_mem_abort", "do_translation_fault",
	"do_bad_area", "__do_kernel_fault", "die_kernel_fault", "el1_", "el1h_",
	"bug_handler", "call_break_hook", "brk_handler", "do_debug_exception",
	"arm64_notify_die", "check_noncircular", "check_prev_add", "validate_chain",
	"print_circular_bug", "__might_resched", "instrument_", "check_object_size",
	"__check_object_size", "should_fail", "trace_hardirqs", "__sanitizer_cov", "kcov",
	"__stack_chk_fail", "nmi_cpu_backtrace", "nmi_trigger_cpumask_backtrace",
	"arch_trigger_cpumask_backtrace", "handle_exception", "do_trap_", "__list_add_valid",
	"wait_for_completion", "kfree", "kvfree", "kmem_cache_free", "skb_put", "skb_pull", "skb_push",
	"krealloc", "kvrealloc", "*dec_and_lock", "crc16", "crc32", "crc_itu_t", "crc_t10dif", "crc32c",
	"aes_encrypt", "aes_decrypt", "hex_dump_to_buffer", "print_hex_dump", "rhashtable_lookup", "rht_",
	"xas_", "xa_load", "test_and_clear_bit", "test_and_set_bit", "set_bit", "clear_bit", "atomic_",
	"arch_atomic", "raw_atomic", "copy_page_to_iter", "copy_page_from_iter", "stack_trace_", "strstr",
	"bitmap_", "__alloc_pages", "__alloc_frozen_pages", "alloc_pages", "ref_tracker_", "ida_free",
	"print_tainted", "cleanup_srcu_struct", "__seqprop_assert", "warn_bogus_irq_restore",
	"__local_bh_enable_ip", "__virt_to_phys", "kcsan_", "__hwasan", "__read_once_word_nocheck",
	"klist_", "*mutex_", "__queue_work", "queue_work", "__mod_timer", "mod_timer", "__timer_delete",
	"lock_timer_base", "devres_release_all", "drop_nlink", "mark_buffer_dirty", "fast_dput",
	"assertfail", "__check_heap_object", "check_heap_object", "__phys_addr",
	"folio_unlock", "rust_helper_BUG", "kmalloc_order", "kmalloc_large", "__kmalloc", "___kmalloc",
	"free_large_kmalloc",
	"kmalloc_trace", "alloc_page_interleave",
	"walk_stackframe", "arch_stack_walk", "device_release", "console_unlock", "check_zeroed_user",
	"kthread_should_park", "kthread_should_stop", "format_decode", "iput", "dput", "do_DataAbort",
	"do_PrefetchAbort", "unlock_page", "*_compound_head", "kobject_cleanup",
	"kobject_release", "mark_lock", "mark_usage", "print_usage_bug",
	"valid_state", "__lock_", "lock_acquire", "lock_release", "lock_class", "lock_downgrade",
	"lock_contended", "lock_acquired", "lock_sync", "lock_pin_lock", "lock_repin_lock",
	"lock_unpin_lock", "lock_timer_base", "skb_over_panic", "skb_under_panic", "rb_", "__rb_", "va_format", "__raw_read", "__raw_write",
	"__fortify_report", "__fortify_panic", "fortify_", "*_copy_to_iter", "*_copy_from_iter",
	"*copy_mc_", "logic_in", "logic_out",
	"do_tag_check_fault", "do_tag_recovery", "report_tag_fault", "el1_abort", "el1_da",
	"__list_del_entry",
	/* the allocators and the page cache's lookups (an allocator's API by
	 * name is allocator_api()'s), the other lock and bh primitives, the
	 * small helpers around work queues, timers and devices */
	"*alloc_page", "*kmem_cache", "*allocate_slab", "*slab_", "*folio_alloc", "*folio_unlock",
	"*filemap_alloc_folio", "*__filemap_get_folio", "*find_or_create_page", "*do_read_cache_folio",
	"*read_cache_page", "*pagecache_get_page", "*grab_cache_page_write_begin", "*find_lock_entries",
	"*truncate_inode_pages_range", "*bh_enable", "*bh_disable", "*raw_spin_rq", "*read_lock",
	"*read_trylock", "*write_lock", "*write_trylock", "*read_unlock", "*write_unlock", "kref_",
	"rt_mutex_", "__mutex_", "*owner_on_cpu", "*print_unlock", "*imbalance_bug", "*memdup",
	"*strdup", "*strndup", "*copy_folio_to_iter", "=complete", "*kfree_skb", "=iput_final",
	"=ihold", "*insert_work", "*__queue_delayed_work", "*queue_delayed_work_on", "*el1h_64_sync",
	"=get_taint", "=put_device", "*sk_stop_timer_sync",
	"*kobject_", "*walk_stack", "*check_object", "*hwasan", "*kcsan_setup_watchpoint",
	"*_nocheck", "*mark_held_locks", "*bad_stack", "handle_stack_overflow",
};

/* An allocator's API by its name: kmalloc, __kvmalloc_node_noprof,
 * vzalloc, kcalloc, krealloc_array ... (not a function named after one,
 * as a test's kmalloc_oob_right). */
static bool allocator_api(const char *name)
{
	static const char *const base[] = {
		"kmalloc", "kzalloc", "kcalloc", "kvmalloc", "kvzalloc", "kvcalloc", "vmalloc", "vzalloc",
		"vcalloc", "krealloc", "kvrealloc", "malloc",
	};
	static const char *const tail[] = {
		"_node", "_array", "_noprof", "_track_caller", "_trace", "_large", "_order", "_user",
		"_caller", "_buckets", "_slab", "_nolock", "_flags", "_32bit", "_range", "_common",
	};
	while (*name == '_')
		name++;
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		size_t n = strlen(base[i]);
		if (strncmp(name, base[i], n))
			continue;
		const char *r = name + n;
		while (*r) {
			size_t k = 0;
			while (k < sizeof(tail) / sizeof(tail[0]) && strncmp(r, tail[k], strlen(tail[k])))
				k++;
			if (k == sizeof(tail) / sizeof(tail[0]))
				break;
			r += strlen(tail[k]);
		}
		if (!*r)
			return true;
	}
	return false;
}

static const char *const skip_free[] = {
	"kmem_", "slab_", "kfree", "vunmap", "vfree", "__kmem", "__slab", "do_slab_free", "__free_",
	"free_", "kvfree", "__kasan",
};
static const char *const skip_leak[] = {
	"*kmemleak", "*kmalloc", "*kcalloc", "*kzalloc", "*vmalloc", "*mmap", "*kmem", "*slab",
	"*alloc", "*create_object", "*idr_get", "*list_lru_init", "*kasprintf", "*kvasprintf",
	"pcpu_create", "*strdup", "*strndup", "*memdup", "inode_init_always",
};
static const char *const skip_hung[] = {
	"*sched", "*_lock", "*_slowlock", "*down", "*completion", "*kthread", "*wait",
	"*synchronize", "*context_switch", "*__switch_to", "*cancel_delayed_work", "*_sleep",
	"*rwsem", "*mutex", "*folio_wait", "*io_schedule", "*rcu_barrier",
};
static const char *const skip_atomic[] = {
	"schedule", "__schedule", "preempt_schedule", "__cond_resched", "_cond_resched",
	"cond_resched", "__mutex_lock", "down", "__down", "slab_pre_alloc_hook",
	"kmem_cache_alloc", "__kmalloc", "kmalloc", "kzalloc", "__kmem_cache_alloc", "__alloc_pages",
	"alloc_pages", "might_alloc", "__flush_work", "flush_work", "wait_for_", "msleep",
	"usleep_range", "rt_spin_lock", "rt_mutex", "__rt_mutex", "kernel_fpu_begin",
};
static const char *const skip_rcu_usage[] = {
	"rcu", "*_rcu", "kmem", "slab", "kmalloc", "vmalloc", "kcalloc", "kzalloc",
};
static const char *const skip_stall[] = {
	"*apic_timer_interrupt", "*rcu", "*sysvec_", "__irq_svc", "__irq_usr", "*call_on_stack",
	"asm_call_irq_on_stack", "irq_exit", "__irq_exit", "sysvec_", "__sysvec",
	"hrtimer_", "__hrtimer", "tick_", "update_process_times", "watchdog_timer_fn",
	"handle_irq", "gic_handle_irq", "call_on_irq_stack", "do_interrupt_handler",
	"generic_handle", "handle_percpu", "arch_timer_handler", "__do_softirq", "irq_",
};
static const char *const skip_odebug[] = {
	"*debug_", "*rcu", "*hrtimer_", "*timer_", "*work_", "*percpu_", "*kmem_", "*slab_", "*kfree",
	"*vunmap", "*vfree", "*__free_", "*debug_check", "*kobject_",
};
static const char *const skip_refcount[] = { "*refcount", "*kobject_" };
static const char *const skip_locking[] = { "*lock_sock", "*release_sock" };
static const char *const skip_preempt[] = { "*dump_stack", "*preempt", "*smp_processor_id", "*this_cpu" };
static const char *const skip_kobject[] = { "*kobject_" };
static const char *const skip_proc[] = { "*proc_" };
static const char *const skip_kmalloc[] = {
	"*kmalloc", "*kcalloc", "*kzalloc", "*krealloc", "*vmalloc", "*slab", "*kmem", "*kvmalloc",
};
static const char *const skip_ubsan[] = { "*ubsan", "*overflow" };
static const char *const skip_badpage[] = {
	"*bad_page", "*free_", "*folio", "*lru", "*put_page", "*release_pages", "*pagevec",
	"*__page_cache_release", "*page_frag", "*skb_release", "*page_pool",
};
static const char *const skip_page_owner[] = {
	"*free_page", "*put_page", "*get_page", "*update_page", "*release_page", "*free_unref",
	"folio", "_folio", "__folio", "*truncate_inode_pages", "*page_frag_free", "*alloc", "*vmap",
	"*page_owner",
};
static const char *const skip_wq[] = {
	"*process_one_work", "*flush_workqueue", "*drain_workqueue", "*destroy_workqueue",
};
/* KMSAN: where the uninit value is used; the crypto library's generic
 * code (the cipher hit it) and the skb and netlink helpers skipped */
static const char *const skip_kmsan[] = {
	"*alloc_skb", "*netlink_ack", "*netlink_rcv_skb", "*_encrypt$", "crypto_", "cipher_", "drbg_",
	"rng_",
};
static const char *const skip_schedule[] = { "*schedule", "retint_kernel" };
static const char *const skip_lockprim[] = {
	"*lock", "*down", "*mutex", "*rwsem", "*usage", "complete", "*stack", "*_irq",
};
static const char *const skip_usb[] = {
	"usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg", "usb_interrupt_msg", "usb_control_msg",
};
static const char *const skip_spin[] = { "*spin_", "do_raw_spin", "*_lock", "*_unlock" };
static const char *const skip_list[] = { "*list_" };
static const char *const skip_usercopy[] = { "*usercopy", "__check" };
static const char *const skip_firmware[] = {
	"panic_abort", "esp_system_abort", "abort", "__assert_func", "esp_panic_handler",
	"panic_handler", "xt_unhandled_exception", "_xt_", "lock_acquire_generic", "invoke_abort",
	"panic_", "esp_restart", "__ubsan", "esp_vApplication", "vApplication",
};
/* Where an interrupt was taken: a stall's own trace follows. */
static const char *const irq_entry[] = {
	"*apic_timer_interrupt", "el1h_64_irq", "el1_irq",
	"__irq_svc", "asm_common_interrupt",
};
/* syzkaller's anchors for stalls, matched on a frame's bare name (see
 * bare()): the frame before one of these says what the stalled code was
 * doing (the syscall, the work item, the file's or socket's operation). */
static const char *const stall_anchor[] = {
	/* what dispatches work: syscall and interrupt entries, work queues,
	 * timers, softirqs, kernel threads, the first task of a CPU */
	"*process_one_work", "*do_syscall_", "*do_fast_syscall_", "*sysenter_dispatch",
	"*tracesys_phase2", "*el0_svc_handler", "*invoke_syscall", "*ret_fast_syscall",
	"*netif_receive_skb", "*do_softirq", "*call_timer_fn", "*_run_timers", "*run_timer_softirq",
	"*hrtimer_run", "*run_ksoftirqd", "*smpboot_thread_fn", "=kthread", "*start_secondary",
	"*cpu_startup_entry", "*ret_from_fork",
	/* discriminated syscalls: the file's, the device's, the socket's
	 * own operation is the frame before */
	"*vfs_write", "*vfs_read", "*vfs_iter_read", "*vfs_iter_write", "*do_iter_read",
	"*do_iter_write", "*call_read_iter", "*call_write_iter", "*new_sync_read", "*new_sync_write",
	"*vfs_ioctl", "*ksys_ioctl", "*compat_ioctl", "*compat_sys_ioctl", "*blkdev_driver_ioctl",
	"*blkdev_ioctl", "*do_iter_readv_writev", "call_mmap", "*mmap_region", "*do_mmap",
	"*do_dentry_open", "*vfs_open", "sock_sendmsg", "sock_recvmsg", "sock_release",
	"__sock_release", "=setsockopt", "*kernel_setsockopt", "*sock_common_setsockopt", "=listen",
	"*kernel_listen", "*sk_common_release", "sock_mmap", "=accept", "*kernel_accept",
	"sock_do_ioctl", "sock_ioctl", "compat_sock_ioctl", "nfnetlink_rcv_msg", "rtnetlink_rcv_msg",
	"netlink_dump", "socketpair", "connect", "ioctl", "sys_socketpair", "sys_connect", "sys_ioctl",
	/* page faults, the return to user space's callbacks, IPIs, tasklets */
	"*__do_fault", "*do_page_fault", "=page_fault", "*__fput", "*task_work_run",
	"*exit_to_usermode", "*smp_call_function", "*tasklet_action", "*tasklet_hi_action",
};

bool kr_skipped(const char *name, enum kr_skip which)
{
	static const struct { const char *const *list; size_t n; } lists[] = {
		[SK_NONE] = { NULL, 0 },
		[SK_GENERAL] = { NULL, 0 },
#define L(e, a) [e] = { a, sizeof(a) / sizeof(a[0]) }
		L(SK_FREE, skip_free), L(SK_LEAK, skip_leak), L(SK_HUNG, skip_hung),
		L(SK_ATOMIC, skip_atomic), L(SK_RCU_USAGE, skip_rcu_usage), L(SK_STALL, skip_stall),
		L(SK_SPIN, skip_spin), L(SK_LIST, skip_list), L(SK_USERCOPY, skip_usercopy),
		L(SK_FIRMWARE, skip_firmware), L(SK_ODEBUG, skip_odebug), L(SK_REFCOUNT, skip_refcount),
		L(SK_LOCKING, skip_locking), L(SK_PREEMPT, skip_preempt), L(SK_KOBJECT, skip_kobject),
		L(SK_PROC, skip_proc), L(SK_KMALLOC, skip_kmalloc), L(SK_UBSAN, skip_ubsan),
		L(SK_BADPAGE, skip_badpage), L(SK_SCHEDULE, skip_schedule), L(SK_LOCKPRIM, skip_lockprim),
		L(SK_USB, skip_usb), L(SK_PAGE_OWNER, skip_page_owner),
		L(SK_WQ, skip_wq), L(SK_KMSAN, skip_kmsan),
#undef L
	};
	if (which == SK_GENERAL)
		return GENERAL(name);
	return listed(name, lists[which].list, lists[which].n);
}

/* A syscall's entry as syzkaller names it: of the names left by taking
 * one entry prefix off, the shortest ("__x64_sys_futex" is "sys_futex",
 * "__se_sys_mremap", "SyS_pause", "ksys_read", "__sys_sendmsg" are
 * "mremap", "pause", "read", "sendmsg"). */
static const char *bare(const char *name)
{
	static const char *const pre[] = {
		"SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "__riscv_", "____sys_", "___sys_",
		"__sys_", "__se_", "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_",
	};
	const char *best = name;

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t n = strlen(pre[i]);
		if (!strncmp(name, pre[i], n) && name[n] && name + n > best)
			best = name + n;
	}
	return best;
}

/* The first frame not in the reporting machinery (nor in extra). */
const char *kr_pick(struct kr_frame *fr, size_t nf, enum kr_pick_mode mode, enum kr_skip extra)
{
	if (mode == PICK_RIP_FIRST)
		for (size_t i = 0; i < nf; i++)
			if (fr[i].where == FR_RIP) {
				if (!fr[i].unreliable && !GENERAL(fr[i].name) && !kr_skipped(fr[i].name, extra))
					return bare(fr[i].name);
				break;
			}
	for (size_t i = 0; i < nf; i++) {
		if (fr[i].where != FR_TRACE || fr[i].unreliable)
			continue;
		if (GENERAL(fr[i].name) || kr_skipped(fr[i].name, extra))
			continue;
		return bare(fr[i].name);
	}
	return NULL;
}

const char *kr_pick_hung(struct kr_frame *fr, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		if (fr[i].where != FR_TRACE || fr[i].unreliable)
			continue;
		/* any frame that has it in its name: __synchronize_srcu too */
		if (strstr(fr[i].name, "rtnl_lock"))
			return bare(fr[i].name);
		if (strstr(fr[i].name, "synchronize_rcu") || strstr(fr[i].name, "synchronize_srcu") ||
		    strstr(fr[i].name, "synchronize_net") || strstr(fr[i].name, "synchronize_sched"))
			return "synchronize_rcu";
	}
	return kr_pick(fr, nf, PICK_TRACE, SK_HUNG);
}

/* A stall or lockup: the interrupted code's frames (after the timer
 * interrupt's entry, or outside <IRQ>), then the frame before the first
 * anchor, else the first one not skipped. */
const char *kr_pick_stall(struct kr_frame *fr, size_t nf, enum kr_skip extra, bool after_irq)
{
	size_t from = 0, m = 0;
	struct kr_frame *keep[KR_MAX_FRAMES];

	for (size_t i = 0; i < nf && !from && after_irq; i++)
		if (LISTED(fr[i].name, irq_entry))
			from = i + 1;
	for (size_t i = from; i < nf; i++) {
		if (fr[i].where == FR_LR || fr[i].unreliable || (after_irq && from == 0 && fr[i].in_irq))
			continue;
		if (GENERAL(fr[i].name) || LISTED(fr[i].name, skip_stall) || kr_skipped(fr[i].name, extra))
			continue;
		keep[m++] = &fr[i];
	}
	if (m == 0)
		return NULL;
	const char *prev = keep[0]->name;
	for (size_t i = 0; i < m; i++) {
		if (LISTED(bare(keep[i]->name), stall_anchor)) {
			/* a CPU waiting for the others' answer to an IPI: that one */
			if (strstr(keep[i]->name, "smp_call_function"))
				return "smp_call_function";
			return bare(prev);
		}
		prev = keep[i]->name;
	}
	return bare(keep[0]->name);
}

