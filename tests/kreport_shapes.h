/* The report shapes of tests/test_kreport.c: consoles of real kernels and
 * firmware (trimmed), one report kind or shape each, and a clean boot
 * whose lines only look like reports.  Data for that one test, included
 * by it alone. */
#ifndef HILT_TESTS_KREPORT_SHAPES_H
#define HILT_TESTS_KREPORT_SHAPES_H

/* x86-64, v6.1: a list_debug WARNING (cut here ... end trace) with a
 * test's output interleaved, then the test goes on. */
static const char warn_list[] =
	"[  669.093001] # ok 76 Longterm R/W pin is reliable\n"
	"[  669.093512] ------------[ cut here ]------------\n"
	"[  669.093520] list_add corruption. prev->next should be next (ffff888100c3a2d8), but was 0000000000000000. (prev=ffff888100c3a2d8).\n"
	"[  669.093604] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110\n"
	"[  669.093628] Modules linked in: test_hmm\n"
	"[  669.093650] CPU: 1 PID: 282 Comm: hmm-tests Not tainted 6.1.0-rc4 #1\n"
	"[  669.093660] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.0-1 04/01/2014\n"
	"[  669.093667] RIP: 0010:__list_add_valid+0xdc/0x110\n"
	"[  669.093680] Code: 0f 0b 48 c7 c7 b8 4d 3f 82 e8 5e 7a 85 ff 0f 0b 48 89 f2 4c 89 e6 48 c7 c7\n"
	"# ok 77 Longterm R/O pin is reliable\n"
	"[  669.093690] RSP: 0018:ffffc900004c7c28 EFLAGS: 00010286\n"
	"[  669.093702] RAX: 0000000000000000 RBX: ffff888100c3a2d8 RCX: 0000000000000000\n"
	"[  669.093731] Call Trace:\n"
	"[  669.093736]  <TASK>\n"
	"[  669.093741]  dmirror_fops_release+0x5c/0x80 [test_hmm]\n"
	"[  669.093760]  __fput+0xfa/0x2a0\n"
	"[  669.093771]  task_work_run+0x59/0x90\n"
	"[  669.093782]  do_exit+0x33b/0xaf0\n"
	"[  669.093833]  </TASK>\n"
	"[  669.093838] ---[ end trace 0000000000000000 ]---\n"
	"# ok 78 Longterm R/W pin is reliable\n";

/* KUnit's kasan test, x86-64 v6.6. */
static const char kasan_oob[] =
	"[   21.350126]     # Subtest: kasan\n"
	"[   21.352111] ==================================================================\n"
	"[   21.353048] BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+0x6c/0x170 [kasan_test]\n"
	"[   21.354021] Write of size 1 at addr ffff888103a4b773 by task kunit_try_catch/144\n"
	"[   21.354021] \n"
	"[   21.354021] CPU: 0 PID: 144 Comm: kunit_try_catch Tainted: G    B            N 6.6.0 #1\n"
	"[   21.354021] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)\n"
	"[   21.354021] Call Trace:\n"
	"[   21.354021]  <TASK>\n"
	"[   21.354021]  dump_stack_lvl+0x48/0x70\n"
	"[   21.354021]  print_report+0xcf/0x630\n"
	"[   21.354021]  ? kmalloc_oob_right+0x6c/0x170 [kasan_test]\n"
	"[   21.354021]  kasan_report+0xb8/0xf0\n"
	"[   21.354021]  kmalloc_oob_right+0x6c/0x170 [kasan_test]\n"
	"[   21.354021]  kunit_try_run_case+0x8c/0x130\n"
	"[   21.354021]  kthread+0x11c/0x150\n"
	"[   21.354021]  ret_from_fork+0x34/0x50\n"
	"[   21.354021]  </TASK>\n"
	"[   21.354021] \n"
	"[   21.354021] Allocated by task 144:\n"
	"[   21.354021]  kasan_save_stack+0x33/0x60\n"
	"[   21.354021]  __kasan_kmalloc+0x8f/0xa0\n"
	"[   21.354021]  kmalloc_oob_right+0xb1/0x170 [kasan_test]\n"
	"[   21.354021] \n"
	"[   21.354021] The buggy address belongs to the object at ffff888103a4b700\n"
	"[   21.354021]  which belongs to the cache kmalloc-128 of size 128\n"
	"[   21.354021] Memory state around the buggy address:\n"
	"[   21.354021]  ffff888103a4b700: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 fc\n"
	"[   21.354021] >ffff888103a4b770: 00 00 00 03 fc fc fc fc fc fc fc fc fc fc fc fc\n"
	"[   21.354021]                                      ^\n"
	"[   21.354021] ==================================================================\n"
	"[   21.372431] Disabling lock debugging due to kernel taint\n"
	"[   21.373001]     ok 1 kmalloc_oob_right\n";

/* x86-64 v6.1: a NULL dereference, its oops and the panic it causes:
 * one report, fatal. */
static const char null_deref[] =
	"[    3.470413] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
	"[    3.471012] #PF: supervisor read access in kernel mode\n"
	"[    3.471502] #PF: error_code(0x0000) - not-present page\n"
	"[    3.471990] PGD 0 P4D 0 \n"
	"[    3.472220] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
	"[    3.472640] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1\n"
	"[    3.473210] RIP: 0010:virtnet_probe.cold+0x12/0x1d6\n"
	"[    3.473700] Code: 48 8b 45 00 48 8b 40 08 ...\n"
	"[    3.474100] RSP: 0000:ffffc90000013cf0 EFLAGS: 00010246\n"
	"[    3.475000] Call Trace:\n"
	"[    3.475200]  <TASK>\n"
	"[    3.475300]  ? __die+0x20/0x70\n"
	"[    3.475400]  ? page_fault_oops+0x15a/0x460\n"
	"[    3.475500]  ? exc_page_fault+0x64/0x140\n"
	"[    3.475600]  ? asm_exc_page_fault+0x22/0x30\n"
	"[    3.475700]  virtio_dev_probe+0x19d/0x2f0\n"
	"[    3.475800]  really_probe+0xdb/0x380\n"
	"[    3.476100]  </TASK>\n"
	"[    3.476200] Modules linked in:\n"
	"[    3.476300] CR2: 0000000000000008\n"
	"[    3.476400] ---[ end trace 0000000000000000 ]---\n"
	"[    3.476500] RIP: 0010:virtnet_probe.cold+0x12/0x1d6\n"
	"[    3.477000] Kernel panic - not syncing: Fatal exception\n"
	"[    3.477500] Kernel Offset: disabled\n"
	"[    3.478000] ---[ end Kernel panic - not syncing: Fatal exception ]---\n";

/* arm64 v6.6 on a board: the same, arm64's words. */
static const char arm64_null[] =
	"[   12.114350] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000010\n"
	"[   12.114420] Mem abort info:\n"
	"[   12.114440]   ESR = 0x0000000096000004\n"
	"[   12.114470]   EC = 0x25: DABT (current EL), IL = 32 bits\n"
	"[   12.114600] Data abort info:\n"
	"[   12.114700] user pgtable: 4k pages, 48-bit VAs, pgdp=0000000041b6d000\n"
	"[   12.114800] [0000000000000010] pgd=0000000000000000, p4d=0000000000000000\n"
	"[   12.114900] Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP\n"
	"[   12.115000] Modules linked in: dwc3 ulpi udc_core\n"
	"[   12.115100] CPU: 2 PID: 87 Comm: kworker/2:1 Not tainted 6.6.0 #1\n"
	"[   12.115200] Hardware name: Raspberry Pi 4 Model B Rev 1.4 (DT)\n"
	"[   12.115300] Workqueue: events deferred_probe_work_func\n"
	"[   12.115400] pstate: 60000005 (nZCv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)\n"
	"[   12.115500] pc : dwc3_gadget_init+0x2c/0x2a0 [dwc3]\n"
	"[   12.115600] lr : dwc3_core_init_mode+0x90/0x140 [dwc3]\n"
	"[   12.115700] sp : ffff80008393bb20\n"
	"[   12.115800] x29: ffff80008393bb20 x28: 0000000000000000 x27: ffff0000c3a10000\n"
	"[   12.116000] Call trace:\n"
	"[   12.116100]  dwc3_gadget_init+0x2c/0x2a0 [dwc3]\n"
	"[   12.116200]  dwc3_core_init_mode+0x90/0x140 [dwc3]\n"
	"[   12.116300]  dwc3_probe+0x8b4/0xc10 [dwc3]\n"
	"[   12.116400]  platform_probe+0x70/0xd0\n"
	"[   12.117000] Code: f9400e61 b4000d21 f9402a60 f9400800 (f9400813) \n"
	"[   12.117100] ---[ end trace 0000000000000000 ]---\n";

/* x86-64: kernel BUG at, after cut here, with its invalid opcode oops. */
static const char kernel_bug[] =
	"[  102.561240] ------------[ cut here ]------------\n"
	"[  102.561248] kernel BUG at fs/ext4/inode.c:3624!\n"
	"[  102.561290] invalid opcode: 0000 [#1] PREEMPT SMP KASAN\n"
	"[  102.561301] CPU: 1 PID: 5171 Comm: syz-executor Not tainted 6.2.0 #1\n"
	"[  102.561320] RIP: 0010:ext4_set_page_dirty+0x1c5/0x1f0\n"
	"[  102.561330] Code: 48 89 df e8 ...\n"
	"[  102.561400] Call Trace:\n"
	"[  102.561405]  <TASK>\n"
	"[  102.561410]  folio_mark_dirty+0xc3/0x150\n"
	"[  102.561420]  do_shared_fault+0x2d4/0x520\n"
	"[  102.561430]  </TASK>\n"
	"[  102.561440] ---[ end trace 0000000000000000 ]---\n";

/* syzbot's tun GPF with KASAN's range line; the panic follows. */
static const char gpf_tun[] =
	"general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN\n"
	"KASAN: null-ptr-deref in range [0x0000000000000000-0x0000000000000007]\n"
	"CPU: 0 PID: 5062 Comm: syz-executor255 Not tainted 6.4.0-rc1-syzkaller #0\n"
	"Hardware name: Google Google Compute Engine/Google Compute Engine, BIOS Google 04/28/2023\n"
	"RIP: 0010:tun_queue_purge+0x60/0x150 drivers/net/tun.c:533\n"
	"Code: 00 00 00 00 00 fc ff df 48 89 fa 48 c1 ea 03 80 3c 02 00 0f 85 e1 00 00 00\n"
	"RSP: 0018:ffffc90003ebf938 EFLAGS: 00010246\n"
	"Call Trace:\n"
	" <TASK>\n"
	" __tun_detach+0x9a2/0x13c0 drivers/net/tun.c:695\n"
	" tun_detach drivers/net/tun.c:711 [inline]\n"
	" tun_chr_close+0xc8/0x230 drivers/net/tun.c:3414\n"
	" </TASK>\n"
	"Modules linked in:\n"
	"---[ end trace 0000000000000000 ]---\n"
	"RIP: 0010:tun_queue_purge+0x60/0x150 drivers/net/tun.c:533\n"
	"Kernel panic - not syncing: Fatal exception\n"
	"Kernel Offset: disabled\n"
	"Rebooting in 86400 seconds..\n";

static const char hung_task[] =
	"[  246.754130] INFO: task systemd-udevd:2401 blocked for more than 120 seconds.\n"
	"[  246.754300]       Not tainted 4.16.0-rc1+ #1\n"
	"[  246.754400] \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n"
	"[  246.754500] systemd-udevd   D    0  2401    329 0x80000104\n"
	"[  246.754600] Call Trace:\n"
	"[  246.754700]  ? __schedule+0x2a5/0x8c0\n"
	"[  246.754800]  schedule+0x32/0x80\n"
	"[  246.754900]  schedule_preempt_disabled+0xa/0x10\n"
	"[  246.755000]  __mutex_lock.isra.1+0x28a/0x4d0\n"
	"[  246.755100]  ? blkdev_reread_part+0x19/0x40\n"
	"[  246.755200]  blkdev_reread_part+0x19/0x40\n"
	"[  246.755300]  loop_reread_partitions+0x1e/0x60 [loop]\n"
	"[  246.755400]  loop_set_status+0x3f2/0x4b0 [loop]\n"
	"[  246.755500]  lo_ioctl+0x29d/0x700 [loop]\n"
	"[  246.755600]  blkdev_ioctl+0x3d1/0x9e0\n";

/* lockdep, v6.1, with another CPU's message in the middle. */
static const char lockdep_circular[] =
	"[   35.101010] ======================================================\n"
	"[   35.101020] WARNING: possible circular locking dependency detected\n"
	"[   35.101030] 6.1.0-rc1 #1 Not tainted\n"
	"[   35.101040] ------------------------------------------------------\n"
	"[   35.101050] kworker/u4:1/35 is trying to acquire lock:\n"
	"[   35.101060] ffff888003b6a538 ((wq_completion)loop0){+.+.}-{0:0}, at: flush_workqueue+0x8b/0x5a0\n"
	"[   35.101070] \n"
	"[   35.101080] but task is already holding lock:\n"
	"[   35.101090] ffff888003a19468 (&lo->lo_mutex){+.+.}-{3:3}, at: __loop_clr_fd+0x3d/0x300\n"
	"[   35.101100] \n"
	"[   35.101110] which lock already depends on the new lock.\n"
	"[   35.101115] random: crng init done\n"
	"[   35.101120] \n"
	"[   35.101130] the existing dependency chain (in reverse order) is:\n"
	"[   35.101140] \n"
	"[   35.101150] -> #1 (&lo->lo_mutex){+.+.}-{3:3}:\n"
	"[   35.101160]        lock_acquire+0xc8/0x2f0\n"
	"[   35.101170]        __mutex_lock+0x8b/0x8f0\n"
	"[   35.101180]        lo_open+0x19/0x60\n"
	"[   35.101190] \n"
	"[   35.101200] stack backtrace:\n"
	"[   35.101210] CPU: 0 PID: 35 Comm: kworker/u4:1 Not tainted 6.1.0-rc1 #1\n"
	"[   35.101220] Call Trace:\n"
	"[   35.101230]  <TASK>\n"
	"[   35.101240]  dump_stack_lvl+0x56/0x73\n"
	"[   35.101250]  check_noncircular+0xfe/0x110\n"
	"[   35.101260]  __lock_acquire+0x1237/0x1f70\n"
	"[   35.101270]  lock_acquire+0xc8/0x2f0\n"
	"[   35.101280]  flush_workqueue+0xab/0x5a0\n"
	"[   35.101290]  </TASK>\n";

static const char rcu_stall[] =
	"[  321.117740] rcu: INFO: rcu_preempt self-detected stall on CPU\n"
	"[  321.117750] rcu: \t0-....: (21000 ticks this GP) idle=a9c/1/0x4000000000000000 softirq=1/1 fqs=5249\n"
	"[  321.117760] \t(t=21002 jiffies g=3309 q=2 ncpus=2)\n"
	"[  321.117770] NMI backtrace for cpu 0\n"
	"[  321.117780] CPU: 0 PID: 112 Comm: stress Not tainted 6.1.0 #1\n"
	"[  321.117790] Call Trace:\n"
	"[  321.117800]  <IRQ>\n"
	"[  321.117810]  dump_stack_lvl+0x34/0x48\n"
	"[  321.117820]  nmi_cpu_backtrace.cold+0x30/0x70\n"
	"[  321.117830]  rcu_dump_cpu_stacks+0xfc/0x140\n"
	"[  321.117840]  rcu_sched_clock_irq.cold+0x56/0x1fc\n"
	"[  321.117850]  update_process_times+0x8c/0xb0\n"
	"[  321.117860]  __sysvec_apic_timer_interrupt+0x4e/0x100\n"
	"[  321.117870]  sysvec_apic_timer_interrupt+0x69/0x90\n"
	"[  321.117880]  </IRQ>\n"
	"[  321.117890]  <TASK>\n"
	"[  321.117900]  asm_sysvec_apic_timer_interrupt+0x16/0x20\n"
	"[  321.117910] RIP: 0010:spin_forever+0x5/0x10 [stall_mod]\n"
	"[  321.117920] RSP: 0018:ffffc90000337e58 EFLAGS: 00000202\n"
	"[  321.117930]  stall_write+0x30/0x50 [stall_mod]\n"
	"[  321.117940]  vfs_write+0xc5/0x3a0\n"
	"[  321.117950]  ksys_write+0x5f/0xe0\n"
	"[  321.117960]  do_syscall_64+0x3b/0x90\n"
	"[  321.117970]  entry_SYSCALL_64_after_hwframe+0x63/0xcd\n"
	"[  321.117980]  </TASK>\n";

static const char soft_lockup[] =
	"[   52.432011] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:1:45]\n"
	"[   52.432100] Modules linked in: busyloop\n"
	"[   52.432200] CPU: 1 PID: 45 Comm: kworker/1:1 Tainted: G             L     6.1.0 #1\n"
	"[   52.432300] Workqueue: events busy_work_fn [busyloop]\n"
	"[   52.432400] RIP: 0010:busy_work_fn+0x15/0x30 [busyloop]\n"
	"[   52.432500] Code: cc cc cc ...\n"
	"[   52.432600] Call Trace:\n"
	"[   52.432700]  <TASK>\n"
	"[   52.432800]  process_one_work+0x1c4/0x380\n"
	"[   52.432900]  worker_thread+0x4d/0x380\n"
	"[   52.433000]  kthread+0xe9/0x110\n"
	"[   52.433100]  ret_from_fork+0x22/0x30\n"
	"[   52.433200]  </TASK>\n";

static const char ubsan_shift[] =
	"[    8.120001] ================================================================================\n"
	"[    8.120010] UBSAN: shift-out-of-bounds in drivers/gpu/drm/display/drm_dp_mst_topology.c:4416:36\n"
	"[    8.120020] shift exponent -1 is negative\n"
	"[    8.120030] CPU: 3 PID: 212 Comm: kworker/3:2 Not tainted 6.2.0 #1\n"
	"[    8.120040] Call Trace:\n"
	"[    8.120050]  <TASK>\n"
	"[    8.120060]  dump_stack_lvl+0x48/0x60\n"
	"[    8.120070]  __ubsan_handle_shift_out_of_bounds+0x11e/0x170\n"
	"[    8.120080]  drm_dp_mst_atomic_check.cold+0x44/0x99 [drm_display_helper]\n"
	"[    8.120090]  intel_atomic_check+0x9f2/0x1800 [i915]\n"
	"[    8.120100]  </TASK>\n"
	"[    8.120110] ================================================================================\n";

static const char kmsan_uninit[] =
	"=====================================================\n"
	"BUG: KMSAN: uninit-value in __dev_queue_xmit+0x1d2b/0x3b40 net/core/dev.c:4176\n"
	" __dev_queue_xmit+0x1d2b/0x3b40 net/core/dev.c:4176\n"
	" dev_queue_xmit include/linux/netdevice.h:3088 [inline]\n"
	"\n"
	"Uninit was created at:\n"
	" slab_post_alloc_hook mm/slab.h:767 [inline]\n"
	"\n"
	"CPU: 0 PID: 5039 Comm: syz-executor Not tainted 6.4.0-syzkaller #0\n"
	"=====================================================\n";

static const char kfence_corrupt[] =
	"[   18.200000] ==================================================================\n"
	"[   18.200010] BUG: KFENCE: memory corruption in kfree+0x8c/0x174\n"
	"[   18.200020] \n"
	"[   18.200030] Corrupted memory at 0x00000000d5d8d9d8 [ ! . . . . . . . . . . . . . . . ] (in kfence-#77):\n"
	"[   18.200040]  kfree+0x8c/0x174\n"
	"[   18.200050]  test_kmalloc_aligned_oob_write+0x1b4/0x2b0\n"
	"[   18.200060] \n"
	"[   18.200070] kfence-#77: 0x00000000a8d02b0a-0x00000000b3ba05d2, size=73, cache=kmalloc-96\n"
	"[   18.200080] ==================================================================\n";

static const char kmemleak[] =
	"[  120.401000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n"
	"unreferenced object 0xffff888106f7e000 (size 2048):\n"
	"  comm \"modprobe\", pid 221, jiffies 4294907041 (age 62.404s)\n"
	"  hex dump (first 32 bytes):\n"
	"    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n"
	"  backtrace:\n"
	"    [<000000004d2e9e3e>] kmalloc_trace+0x26/0x60\n"
	"    [<00000000d0e4f1c8>] mlx5_cmd_init+0x3b/0x2e0 [mlx5_core]\n"
	"    [<000000006f6d55c5>] mlx5_load_one+0x4c/0x90 [mlx5_core]\n"
	"unreferenced object 0xffff888106f7f000 (size 2048):\n"
	"  comm \"modprobe\", pid 221, jiffies 4294907041 (age 62.404s)\n"
	"  backtrace:\n"
	"    [<000000004d2e9e3e>] kmalloc_trace+0x26/0x60\n"
	"    [<00000000d0e4f1c8>] mlx5_cmd_init+0x3b/0x2e0 [mlx5_core]\n";

static const char atomic_sleep[] =
	"[    5.123456] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580\n"
	"[    5.123460] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: swapper/0\n"
	"[    5.123470] preempt_count: 1, expected: 0\n"
	"[    5.123480] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1\n"
	"[    5.123490] Call Trace:\n"
	"[    5.123500]  <TASK>\n"
	"[    5.123510]  dump_stack_lvl+0x45/0x5e\n"
	"[    5.123520]  __might_resched.cold+0xcc/0xdd\n"
	"[    5.123530]  __mutex_lock+0x49/0x8d0\n"
	"[    5.123540]  sdhci_request+0x2c/0xe0\n"
	"[    5.123550]  mmc_start_request+0x87/0xb0\n"
	"[    5.123560]  </TASK>\n";

static const char divide_error[] =
	"[   77.000100] divide error: 0000 [#1] PREEMPT SMP NOPTI\n"
	"[   77.000200] CPU: 0 PID: 310 Comm: fbset Not tainted 6.1.0 #1\n"
	"[   77.000300] RIP: 0010:fb_var_to_videomode+0x4e/0x120\n"
	"[   77.000400] Call Trace:\n"
	"[   77.000500]  <TASK>\n"
	"[   77.000600]  fb_set_var+0x2e0/0x3c0\n"
	"[   77.000700]  </TASK>\n"
	"[   77.000800] ---[ end trace 0000000000000000 ]---\n";

static const char oom[] =
	"[  900.100000] stress invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0\n"
	"[  900.100010] CPU: 1 PID: 5531 Comm: stress Not tainted 6.1.0 #1\n"
	"[  900.100020] Call Trace:\n"
	"[  900.100030]  dump_stack_lvl+0x45/0x5e\n"
	"[  900.100040]  dump_header+0x4a/0x1f4\n"
	"[  900.100050]  oom_kill_process.cold+0xb/0x10\n"
	"[  900.100060] Mem-Info:\n"
	"[  900.100070] active_anon:12 inactive_anon:240012 isolated_anon:0\n"
	"[  900.100080] lowmem_reserve[]: 0 0 0 0\n"
	"[  900.100090] Tasks state (memory values in pages):\n"
	"[  900.100100] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n"
	"[  900.100110] [   5531]     0  5531   262173   240015  1994752        0             0 stress\n"
	"[  900.100120] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=stress,pid=5531,uid=0\n"
	"[  900.100130] Out of memory: Killed process 5531 (stress) total-vm:1048692kB, anon-rss:960060kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1948kB oom_score_adj:0\n";

static const char vfs_panic[] =
	"[    1.960000] VFS: Cannot open root device \"vda2\" or unknown-block(0,0): error -6\n"
	"[    1.960100] Please append a correct \"root=\" boot option; here are the available partitions:\n"
	"[    1.960200] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
	"[    1.960300] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1\n"
	"[    1.960400] Call Trace:\n"
	"[    1.960500]  <TASK>\n"
	"[    1.960600]  dump_stack_lvl+0x34/0x48\n"
	"[    1.960700]  panic+0x102/0x2b6\n"
	"[    1.960800]  mount_block_root+0x178/0x200\n"
	"[    1.960900]  </TASK>\n"
	"[    1.961000] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---\n";

static const char uboot_abort[] =
	"U-Boot 2023.01 (Jan 09 2023 - 10:00:00 +0000)\r\n"
	"\r\n"
	"Model: Raspberry Pi 4 Model B\r\n"
	"\"Synchronous Abort\" handler, esr 0x96000004\r\n"
	"elr: 000000000008a4f8 lr : 000000000008a4e0 (reloc)\r\n"
	"elr: 0000000039f704f8 lr : 0000000039f704e0\r\n"
	"x0 : 0000000000000000 x1 : 0000000039b3dd10\r\n"
	"Code: f9400021 b4000061 (f9400420) 52800000 \r\n"
	"Resetting CPU ...\r\n"
	"\r\n"
	"resetting ...\r\n";

static const char esp_guru[] =
	"I (321) cpu_start: Starting scheduler on PRO CPU.\r\n"
	"Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\r\n"
	"\r\n"
	"Core  0 register dump:\r\n"
	"PC      : 0x400d2e5b  PS      : 0x00060130  A0      : 0x800d0d4c  A1      : 0x3ffb5600  \r\n"
	"0x400d2e5b: app_main at /home/user/blink/main/blink.c:42\r\n"
	"\r\n"
	"Backtrace: 0x400d2e58:0x3ffb5600 0x400d0d49:0x3ffb5620 0x40085d75:0x3ffb5640\r\n"
	"0x400d2e58: app_main at /home/user/blink/main/blink.c:42\r\n"
	"0x400d0d49: main_task at /esp-idf/components/freertos/app_startup.c:208\r\n"
	"\r\n"
	"ELF file SHA256: 2a5b5a5c6e5f0c1a\r\n"
	"\r\n"
	"Rebooting...\r\n"
	"abort() was called at PC 0x400d3a1f on core 0\r\n"
	"\r\n"
	"Backtrace: 0x40081e7e:0x3ffb5580 0x40086a71:0x3ffb55a0 0x400d3a1f:0x3ffb5600\r\n"
	"0x40081e7e: panic_abort at /esp-idf/components/esp_system/panic.c:408\r\n"
	"0x40086a71: esp_system_abort at /esp-idf/components/esp_system/esp_system.c:137\r\n"
	"0x400d3a1f: sensor_read at /home/user/app/main/sensor.c:77\r\n"
	"\r\n"
	"ELF file SHA256: 2a5b5a5c6e5f0c1a\r\n";

/* A kernel line cut into a test's output, and panic_on_warn: the WARNING's
 * trace comes after the panic it causes. */
static const char cut_in[] =
	"tst_hugepage.c:83: TINFO: 2 huge[   54.396708] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
	"[   54.397000] #PF: supervisor write access in kernel mode\n"
	"[   54.421721] Oops: 0002 [#1] PREEMPT SMP PTI\n"
	"[   54.422000] RIP: 0010:hugetlbfs_fallocate+0x2d1/0x5f0\n"
	"[   54.423000] Call Trace:\n"
	"[   54.423100]  vfs_fallocate+0x146/0x2f0\n"
	"[   54.424000] ---[ end trace 0000000000000000 ]---\n";
static const char panic_on_warn[] =
	"[   44.471332] WARNING: CPU: 1 PID: 2992 at lib/refcount.c:186 refcount_sub_and_test+0x167/0x1b0\n"
	"[   44.479978] Kernel panic - not syncing: panic_on_warn set ...\n"
	"[   44.487309] CPU: 1 PID: 2992 Comm: syzkaller263121 Not tainted 4.14.0-rc5+ #91\n"
	"[   44.503948] Call Trace:\n"
	"[   44.506504]  dump_stack+0x194/0x257\n"
	"[   44.514735]  panic+0x1e4/0x417\n"
	"[   44.530498]  __warn+0x1c4/0x1d9\n"
	"[   44.538466]  report_bug+0x211/0x2d0\n"
	"[   44.580618] RIP: 0010:refcount_sub_and_test+0x167/0x1b0\n"
	"[   44.600000]  refcount_dec_and_test+0x1a/0x20\n"
	"[   44.600100]  sctp_wfree+0x12c/0x6e0\n"
	"[   44.600200]  skb_release_head_state+0x124/0x260\n"
	"[   44.700000] Kernel Offset: disabled\n"
	"[   44.700100] Rebooting in 86400 seconds..\n";

/* A clean x86-64 boot: no report, words that look like one. */
static const char clean_boot[] =
	"[    0.000000] Linux version 6.1.0 (builder@host) (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC\n"
	"[    0.000000] Command line: console=ttyS0 root=/dev/vda2 panic=-1\n"
	"[    0.012000] ACPI: RSDP 0x00000000000F5A40 000014 (v00 BOCHS )\n"
	"[    0.210000] Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible via Spectre v2 BHB attacks!\n"
	"[    0.300000] rcu: Hierarchical RCU implementation.\n"
	"[    0.300100] rcu: RCU calculated value of scheduler-enlistment delay is 100 jiffies.\n"
	"[    0.400000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15706)\n"
	"[    0.500000] Kernel panic - is not syncing here, just a message mentioning the words\n"
	"[    1.100000] EXT4-fs (vda2): mounted filesystem with ordered data mode. Quota mode: none.\n"
	"[    1.200000] BUG: no syscalls can create resource\n"
	"Oops: the test program could not open its file\n"
	"divide error: expected when dividing by zero (test 3)\n"
	"[    1.300000] systemd[1]: Started Journal Service.\n"
	"WARNING: /etc/ssh/moduli does not exist, using fixed modulus\n"
	"Welcome to Debian GNU/Linux 12 (bookworm)!\n"
	"debian login: \n";

#endif
