/* The kernel report titles (hilt_kreport_title(), runner/engine/ktitle.c)
 * on their own: the API on a few lines of a report, the console prefixes
 * it strips (dmesg -T, journalctl -k), and the title rules learned from
 * syzkaller's reading of real reports, one small report each.  The reader
 * that finds the reports is tests/test_kreport.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runner/engine/kreport.h"
#include "tests/check.h"

static int test_title_api(void)
{
	static const char *const l[] = {
		"[ 1.0] random noise",
		"[ 12.345678] WARNING: CPU: 3 PID: 9 at net/core/dev.c:1 dev_fn.constprop.0+0x1/0x2\r\n",
	};
	char t[128];
	enum hilt_kreport_kind k;

	CHECK(hilt_kreport_title(l, 2, &k, t, sizeof(t)) == 0 && !strcmp(t, "WARNING in dev_fn") &&
	      k == HILT_KR_WARNING, "title api '%s'", t);
	CHECK(hilt_kreport_title(l, 1, &k, t, sizeof(t)) == -ENOENT, "no report");
	static const char *const nt[] = { "WARNING: CPU: 0 PID: 1 at kernel/x.c:1 0xffffffff81000000" };
	CHECK(hilt_kreport_title(nt, 1, &k, t, sizeof(t)) == 0 && !strcmp(t, "WARNING in corrupted"), "corrupted: '%s'", t);
	/* dmesg -T and journalctl -k prefixes */
	static const char *const human[] = { "[Mon Dec  7 12:00:00 2026] WARNING: CPU: 0 PID: 1 at kernel/x.c:1 foo+0x1/0x2" };
	CHECK(hilt_kreport_title(human, 1, &k, t, sizeof(t)) == 0 && !strcmp(t, "WARNING in foo"), "dmesg -T: '%s'", t);
	static const char *const journal[] = {
		"Dec 07 12:00:00 myhost kernel: BUG: kernel NULL pointer dereference, address: 0000000000000000",
		"Dec 07 12:00:00 myhost kernel: RIP: 0010:bar+0x1/0x2",
	};
	CHECK(hilt_kreport_title(journal, 2, &k, t, sizeof(t)) == 0 &&
	      !strcmp(t, "BUG: unable to handle kernel NULL pointer dereference in bar"), "journal: '%s'", t);
	enum hilt_kreport_kind kk;
	CHECK(hilt_kreport_kind_parse("hung-task", &kk) == 0 && kk == HILT_KR_HUNG_TASK, "kind parse");
	CHECK(hilt_kreport_kind_parse("nope", &kk) == -EINVAL, "kind parse bad");
	CHECK(!strcmp(hilt_kreport_kind_name(HILT_KR_FIRMWARE), "firmware"), "kind name");
	return 0;
}

/* The title rules learned from syzkaller's reading of real reports, one
 * small report each. */
static int test_title_rules(void)
{
	static const struct {
		const char *name, *want, *lines[14];
	} c[] = {
		/* the allocators' API is machinery, not a function named after it */
		{ "allocator api", "general protection fault in my_alloc_table",
		  { "general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] SMP KASAN",
		    "RIP: 0010:__kmalloc_node_noprof+0x1a/0x200", "Call Trace:", " <TASK>",
		    " kvmalloc_node_noprof+0x82/0xd0", " my_alloc_table+0x21/0x30", " do_syscall_64+0x1/0x2" } },
		{ "named after an allocator", "KASAN: slab-out-of-bounds Write in kmalloc_oob_right",
		  { "BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+0x1/0x2",
		    "Write of size 1 at addr ffff888003e1e473 by task kunit/1", "Call Trace:",
		    " dump_stack_lvl+0x1/0x2", " kasan_report+0x1/0x2", " kmalloc_oob_right+0x1/0x2" } },
		/* a stall: the frame before the syscall's entry, named bare */
		{ "stall anchored", "BUG: soft lockup in pause",
		  { "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [a:1]", "RIP: 0010:spin_here+0x1/0x2",
		    "Call Trace:", " <TASK>", " spin_here+0x1/0x2", " __do_sys_pause+0x1/0x2",
		    " do_syscall_64+0x1/0x2", " entry_SYSCALL_64_after_hwframe+0x1/0x2" } },
		{ "stall in a file operation", "INFO: rcu detected stall in my_read_iter",
		  { "rcu: INFO: rcu_preempt self-detected stall on CPU", "Call Trace:", " <IRQ>",
		    " rcu_sched_clock_irq+0x1/0x2", " sysvec_apic_timer_interrupt+0x1/0x2", " </IRQ>",
		    " asm_sysvec_apic_timer_interrupt+0x1/0x2", "RIP: 0010:inner_loop+0x1/0x2",
		    " inner_loop+0x1/0x2", " my_read_iter+0x1/0x2", " vfs_read+0x1/0x2",
		    " ksys_read+0x1/0x2", " do_syscall_64+0x1/0x2" } },
		/* lockdep: where the lock became irq-safe */
		{ "safe unsafe order", "possible deadlock in input_event",
		  { "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected",
		    "a/1 [HC0[0]:SC0[0]:HE0:SE1] is trying to acquire:",
		    "ffff8880120b9168 (&new->fa_lock){.?.+}-{2:2}, at: kill_fasync+0x14b/0x460",
		    "... which became HARDIRQ-irq-safe at:", "  lock_acquire+0x29d/0x740",
		    "  _raw_spin_lock_irqsave+0x39/0x50", "  input_event+0x7b/0xb0",
		    "to a HARDIRQ-irq-unsafe lock:", "  kill_fasync+0x1/0x2" } },
		{ "inconsistent by the trace", "inconsistent lock state in my_timer_fn",
		  { "WARNING: inconsistent lock state", "{SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.",
		    "a/1 [HC0[0]:SC1[1]:HE1:SE0] takes:",
		    "ffff88801 (&x->lock){+.?.}-{2:2}, at: other_fn+0x1/0x2", "{SOFTIRQ-ON-W} state was registered at:",
		    "  lock_acquire+0x1/0x2", "  registering_fn+0x1/0x2", "stack backtrace:", "Call Trace:",
		    " <IRQ>", " mark_lock+0x1/0x2", " _raw_spin_lock+0x1/0x2", " my_timer_fn+0x1/0x2" } },
		/* page_owner's trace: the page's owner */
		{ "bad page owner", "BUG: Bad page state in my_fs_read_meta",
		  { "BUG: Bad page state in process a  pfn:7deea",
		    "page last allocated via order 0, migratetype Unmovable, gfp_mask 0x40c40(GFP_NOFS), pid 1",
		    " post_alloc_hook+0x1/0x2", " __alloc_pages_noprof+0x1/0x2", " folio_alloc_noprof+0x1/0x2",
		    " pagecache_get_page+0x1/0x2", " my_fs_read_meta+0x1/0x2",
		    "page last free pid 5083 tgid 5083 stack trace:", " free_unref_page+0x1/0x2", "Call Trace:",
		    " bad_page+0x1/0x2", " free_unref_folios+0x1/0x2", " shmem_write_begin+0x1/0x2" } },
		{ "hung in srcu", "INFO: task hung in synchronize_rcu",
		  { "INFO: task kworker/u4:0:437 blocked for more than 140 seconds.", "Call Trace:",
		    " __schedule+0x1/0x2", " schedule+0x1/0x2", " wait_for_completion+0x1/0x2",
		    " __synchronize_srcu+0x1/0x2", " fsnotify_mark_destroy_workfn+0x1/0x2" } },
		/* powerpc: NIP [..] and the (unreliable) first frame */
		{ "powerpc nip", "BUG: unable to handle kernel paging request in part_fn",
		  { "BUG: Unable to handle kernel data access at 0x8000000041a25f20",
		    "Oops: Kernel access of bad area, sig: 11 [#1]",
		    "NIP [c00000000022d79c] part_fn+0x1ac/0x5f0", "LR [c00000000022d784] part_fn+0x194/0x5f0",
		    "Call Trace:", "[c00000007a3efa20] [c00000000030a060] caller_fn+0x7b0/0x13a0" } },
		{ "powerpc unreliable", "INFO: task hung in exit_aio",
		  { "INFO: task a:6660 blocked for more than 120 seconds.", "Call Trace:",
		    "[c000000001bb3530] [c000000001bb35a0] __rela_dyn_start+0x308828/0x345288 (unreliable)",
		    "[c000000001bb3710] [c0000000000286fc] __switch_to+0x43c/0x6d0",
		    "[c000000001bb3780] [c00000000138678c] __schedule+0x3cc/0xed0",
		    "[c000000001bb39a0] [c00000000138832c] wait_for_common+0xfc/0x220",
		    "[c000000001bb3a10] [c0000000005f8868] exit_aio+0x188/0x2a0" } },
		{ "int3", "int3 in __pmd_alloc",
		  { "Oops: int3: 0000 [#1] SMP KASAN NOPTI", "RIP: 0010:__pmd_alloc+0x1/0x2" } },
		{ "stack protector address", "kernel panic: stack is corrupted in ip6_xmit",
		  { "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ffffffff8343632e",
		    "Call Trace:", " [<ffffffff81e162ed>] dump_stack+0xc1/0x124",
		    " [<ffffffff8140d474>] panic+0x19e/0x38d", " [<ffffffff81132bc2>] __stack_chk_fail+0x22/0x30",
		    " [<ffffffff8343632e>] ip6_xmit+0x18ae/0x1a00" } },
		{ "kmsan past crypto", "KMSAN: uninit-value in my_setkey",
		  { "BUG: KMSAN: uninit-value in aesti_encrypt+0x1/0x2", " aesti_encrypt+0x1/0x2",
		    " crypto_cipher_encrypt_one+0x1/0x2", " my_setkey+0x1/0x2" } },
		{ "dentry", "BUG: Dentry still in use in unmount",
		  { "BUG: Dentry ffff888119d8a000{i=0,n=.index}  still in use (1) [unmount of ramfs ramfs]" } },
		{ "stack regs", "WARNING: kernel stack regs has bad 'bp' value",
		  { "WARNING: kernel stack regs at ffff8801d100fea8 in a:16059 has bad 'bp' value ffff8801d100ff28" } },
		{ "spinlock recursion", "BUG: spinlock recursion in wake_up_new_task",
		  { "BUG: spinlock recursion on CPU#0, a/5032", "Call Trace:", " dump_stack+0x1/0x2",
		    " do_raw_spin_lock+0x1/0x2", " _raw_spin_lock+0x1/0x2", " __task_rq_lock+0x1/0x2",
		    " wake_up_new_task+0x1/0x2" } },
		{ "unlock balance site", "WARNING: bad unlock balance in restore_fpsimd_context",
		  { "WARNING: bad unlock balance detected!",
		    "a/4405 is trying to release lock (&mm->mmap_lock) at:",
		    "[<ffffa00010726344>] __might_fault+0x154/0x1b0", "but there are no more locks to release!",
		    "stack backtrace:", "Call trace:", " dump_backtrace+0x0/0x4d0",
		    " print_unlock_imbalance_bug+0x170/0x188", " lock_release+0x69c/0xa68",
		    " __might_fault+0x170/0x1b0", " restore_fpsimd_context+0x418/0x798" } },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t n = 0;
		char t[160] = "";
		while (n < 14 && c[i].lines[n])
			n++;
		int rc = hilt_kreport_title(c[i].lines, n, NULL, t, sizeof(t));
		CHECK(rc == 0 && !strcmp(t, c[i].want), "%s: '%s', want '%s'", c[i].name, t, c[i].want);
	}
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "title_api", test_title_api },
		{ "title_rules", test_title_rules },
	};
	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
