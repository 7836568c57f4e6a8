/* The kernel report reader (runner/engine/kreport.h): report shapes from
 * real consoles (embedded below, trimmed), each fed whole, a byte at a
 * time and in random chunks with the same findings expected; blocks,
 * folding (an oops and its panic are one report), interleaved output,
 * CR/LF/NUL, ignore patterns, bounds; then every real log of
 * tests/data/kernel-logs against its NAME.expect.  Each text is read too
 * with every way of passing over lines between reports (the vector
 * passes, the byte-at-a-time one, none: every line read), with the same
 * findings expected, and every line of a report's start, in the real
 * logs and in every shape the reader knows, must hold a mark of the quick
 * pass (kreport_int.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/engine/kreport.h"
#include "runner/engine/kreport_int.h"
#include "tests/check.h"

/* ---- a reader run over a text, three ways ---- */

struct run {
	struct hilt_kreport *kr;
	unsigned told_first, told_again;
};

static void told(void *arg, const struct hilt_finding *f, bool first)
{
	struct run *r = arg;

	(void)f;
	if (first)
		r->told_first++;
	else
		r->told_again++;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* How the readers feed() makes pass over lines between reports. */
static enum kr_skim skim = KR_SKIM_BEST;

/* mode 0: whole; 1: a byte at a time; 2: random chunks */
static int feed(struct run *r, const char *text, size_t len, int mode,
		const struct hilt_kreport_opts *base)
{
	struct hilt_kreport_opts o = base ? *base : (struct hilt_kreport_opts){ 0 };
	char err[256];

	memset(r, 0, sizeof(*r));
	o.cb = told;
	o.arg = r;
	if (hilt_kreport_new(&o, &r->kr, err, sizeof(err)) != 0)
		return -1;
	kr_set_skim(r->kr, skim);
	size_t at = 0;
	while (at < len) {
		size_t n = mode == 0 ? len - at : mode == 1 ? 1 : 1 + next_rand() % 97;
		if (n > len - at)
			n = len - at;
		if (hilt_kreport_feed(r->kr, text + at, n) != 0)
			return -1;
		at += n;
	}
	return hilt_kreport_finish(r->kr);
}

/* The same findings, whatever the chunks. */
static void same_findings(const char *name, struct hilt_kreport *a, struct hilt_kreport *b)
{
	CHECK(hilt_kreport_count(a) == hilt_kreport_count(b), "%s: %zu vs %zu findings", name,
	      hilt_kreport_count(a), hilt_kreport_count(b));
	for (size_t i = 0; i < hilt_kreport_count(a) && i < hilt_kreport_count(b); i++) {
		const struct hilt_finding *x = hilt_kreport_get(a, i), *y = hilt_kreport_get(b, i);
		CHECK(!strcmp(x->title, y->title) && x->count == y->count && x->kind == y->kind &&
		      x->offset == y->offset && x->fatal == y->fatal && !strcmp(x->line, y->line) &&
		      x->block_len == y->block_len && !memcmp(x->block, y->block, x->block_len),
		      "%s: finding %zu differs by chunking: '%s' x%lu vs '%s' x%lu", name, i, x->title,
		      x->count, y->title, y->count);
	}
}

/* The same findings as kr's, with each other way of passing over lines
 * between reports: text fed whole, and in random chunks every line read. */
static void same_by_skim(const char *name, const char *text, size_t len, const struct hilt_kreport_opts *o,
			 struct hilt_kreport *kr)
{
	static const enum kr_skim others[] = { KR_SKIM_BW, KR_SKIM_AVX2, KR_SKIM_MARKS, KR_SKIM_LINES,
					       KR_SKIM_NONE };
	static const char *const names[] = { "avx512bw", "avx2", "marks", "lines", "none" };
	char what[300];
	struct run b;

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		skim = others[i];
		snprintf(what, sizeof(what), "%s (skim %s)", name, names[i]);
		CHECK(feed(&b, text, len, 0, o) == 0, "%s: feed", what);
		same_findings(what, kr, b.kr);
		hilt_kreport_free(b.kr);
	}
	skim = KR_SKIM_NONE;
	snprintf(what, sizeof(what), "%s (skim none, chunks)", name);
	CHECK(feed(&b, text, len, 2, o) == 0, "%s: feed", what);
	same_findings(what, kr, b.kr);
	hilt_kreport_free(b.kr);
	skim = KR_SKIM_BEST;
}

/* Runs text three ways, checks they agree; the whole run is kept in *r. */
static void run3(const char *name, const char *text, const struct hilt_kreport_opts *o, struct run *r)
{
	struct run b, c;
	size_t len = strlen(text);

	CHECK(feed(r, text, len, 0, o) == 0, "%s: feed", name);
	CHECK(feed(&b, text, len, 1, o) == 0, "%s: feed bytes", name);
	CHECK(feed(&c, text, len, 2, o) == 0, "%s: feed chunks", name);
	same_findings(name, r->kr, b.kr);
	same_findings(name, r->kr, c.kr);
	same_by_skim(name, text, len, o, r->kr);
	hilt_kreport_free(b.kr);
	hilt_kreport_free(c.kr);
}

struct want {
	const char *title;
	enum hilt_kreport_kind kind;
	unsigned long count;
	const char *line;	/* a part of the finding's first line, or NULL */
	bool fatal;
};

static void expect(const char *name, const char *text, const struct want *w, size_t nw)
{
	struct run r;

	run3(name, text, NULL, &r);
	size_t n = hilt_kreport_count(r.kr);
	CHECK(n == nw, "%s: %zu findings, want %zu", name, n, nw);
	for (size_t i = 0; i < n; i++) {
		const struct hilt_finding *f = hilt_kreport_get(r.kr, i);
		if (i >= nw) {
			fprintf(stderr, "%s: extra finding '%s'\n", name, f->title);
			continue;
		}
		CHECK(!strcmp(f->title, w[i].title), "%s: title '%s', want '%s'", name, f->title, w[i].title);
		CHECK(f->kind == w[i].kind, "%s: %s: kind %s, want %s", name, f->title,
		      hilt_kreport_kind_name(f->kind), hilt_kreport_kind_name(w[i].kind));
		CHECK(f->count == w[i].count, "%s: %s: count %lu, want %lu", name, f->title, f->count, w[i].count);
		CHECK(f->fatal == w[i].fatal, "%s: %s: fatal %d", name, f->title, f->fatal);
		CHECK(!w[i].line || strstr(f->line, w[i].line), "%s: line '%s', want '%s'", name, f->line, w[i].line);
		CHECK(f->block_len > 0 && f->block[f->block_len - 1] == '\n' && strstr(f->block, f->line),
		      "%s: block does not hold the line", name);
		CHECK(!memcmp(text + f->offset, f->line, strlen(f->line)), "%s: offset %llu is not the line's",
		      name, (unsigned long long)f->offset);
	}
	CHECK(r.told_first == n, "%s: told %u new", name, r.told_first);
	hilt_kreport_free(r.kr);
}

#define EXPECT(name, text, ...)                                                   \
	do {                                                                      \
		static const struct want w_[] = { __VA_ARGS__ };                  \
		expect(name, text, w_, sizeof(w_) / sizeof(w_[0]));               \
	} while (0)

/* ---- report shapes ---- */

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

/* ---- the cases ---- */

static int test_shapes(void)
{
	EXPECT("warn_list", warn_list,
	       { "WARNING in __list_add_valid", HILT_KR_WARNING, 1,
		 "[  669.093604] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110", false });
	EXPECT("kasan_oob", kasan_oob,
	       { "KASAN: slab-out-of-bounds Write in kmalloc_oob_right", HILT_KR_KASAN, 1,
		 "BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right", false });
	EXPECT("null_deref", null_deref,
	       { "BUG: unable to handle kernel NULL pointer dereference in virtnet_probe",
		 HILT_KR_PAGE_FAULT, 1, "BUG: kernel NULL pointer dereference", true });
	EXPECT("arm64_null", arm64_null,
	       { "BUG: unable to handle kernel NULL pointer dereference in dwc3_gadget_init",
		 HILT_KR_PAGE_FAULT, 1, "Unable to handle kernel NULL pointer", false });
	EXPECT("kernel_bug", kernel_bug,
	       { "kernel BUG in ext4_set_page_dirty", HILT_KR_BUG, 1, "kernel BUG at fs/ext4/inode.c:3624!", false });
	EXPECT("gpf_tun", gpf_tun,
	       { "general protection fault in tun_queue_purge", HILT_KR_GPF, 1, "general protection fault", true });
	EXPECT("hung_task", hung_task,
	       { "INFO: task hung in blkdev_reread_part", HILT_KR_HUNG_TASK, 1, "INFO: task systemd-udevd:2401", false });
	/* the work queue's own lock is skipped (a work item's deadlock is
	 * its subsystem's): the lock held names it */
	EXPECT("lockdep_circular", lockdep_circular,
	       { "possible deadlock in __loop_clr_fd", HILT_KR_LOCKDEP, 1,
		 "WARNING: possible circular locking dependency detected", false });
	EXPECT("rcu_stall", rcu_stall,
	       { "INFO: rcu detected stall in stall_write", HILT_KR_RCU_STALL, 1, "self-detected stall", false });
	EXPECT("soft_lockup", soft_lockup,
	       { "BUG: soft lockup in busy_work_fn", HILT_KR_LOCKUP, 1, "soft lockup - CPU#1", false });
	EXPECT("ubsan_shift", ubsan_shift,
	       { "UBSAN: shift-out-of-bounds in drm_dp_mst_atomic_check", HILT_KR_UBSAN, 1, "UBSAN:", false });
	EXPECT("kmsan_uninit", kmsan_uninit,
	       { "KMSAN: uninit-value in __dev_queue_xmit", HILT_KR_KMSAN, 1, "BUG: KMSAN", false });
	EXPECT("kfence_corrupt", kfence_corrupt,
	       { "KFENCE: memory corruption in test_kmalloc_aligned_oob_write", HILT_KR_KFENCE, 1, "BUG: KFENCE", false });
	EXPECT("kmemleak", kmemleak,
	       { "memory leak in mlx5_cmd_init", HILT_KR_LEAK, 2, "unreferenced object 0xffff888106f7e000", false });
	EXPECT("atomic_sleep", atomic_sleep,
	       { "BUG: sleeping function called from invalid context in sdhci_request", HILT_KR_ATOMIC_SLEEP, 1,
		 "BUG: sleeping function", false });
	EXPECT("divide_error", divide_error,
	       { "divide error in fb_var_to_videomode", HILT_KR_DIVIDE_ERROR, 1, "divide error: 0000", false });
	EXPECT("oom", oom,
	       { "out of memory", HILT_KR_OOM, 1, "stress invoked oom-killer", false });
	EXPECT("vfs_panic", vfs_panic,
	       { "kernel panic: VFS: Unable to mount root fs", HILT_KR_PANIC, 1, "Kernel panic - not syncing", true });
	EXPECT("uboot_abort", uboot_abort,
	       { "Synchronous Abort", HILT_KR_BOOTLOADER, 1, "\"Synchronous Abort\" handler, esr", false });
	EXPECT("esp_guru", esp_guru,
	       { "Guru Meditation Error: LoadProhibited in app_main", HILT_KR_FIRMWARE, 1, "Guru Meditation", false },
	       { "abort() was called in sensor_read", HILT_KR_FIRMWARE, 1, "abort() was called at PC", false });
	EXPECT("cut_in", cut_in,
	       { "BUG: unable to handle kernel NULL pointer dereference in hugetlbfs_fallocate", HILT_KR_PAGE_FAULT,
		 1, "tst_hugepage.c:83: TINFO: 2 huge[   54.396708] BUG: kernel NULL", false });
	EXPECT("panic_on_warn", panic_on_warn,
	       { "WARNING: refcount bug in sctp_wfree", HILT_KR_WARNING, 1, "WARNING: CPU: 1", true });
	return 0;
}

static int test_clean(void)
{
	struct run r;

	run3("clean_boot", clean_boot, NULL, &r);
	CHECK(hilt_kreport_count(r.kr) == 0, "clean boot: %zu findings, first '%s'", hilt_kreport_count(r.kr),
	      hilt_kreport_count(r.kr) ? hilt_kreport_get(r.kr, 0)->title : "");
	hilt_kreport_free(r.kr);
	return 0;
}

/* Where blocks begin and end. */
static int test_blocks(void)
{
	struct run r;

	run3("warn_list", warn_list, NULL, &r);
	const struct hilt_finding *f = hilt_kreport_get(r.kr, 0);
	CHECK(f && !strncmp(f->block, "[  669.093512] ------------[ cut here ]", 39), "block opens at cut here: %.60s",
	      f ? f->block : "");
	CHECK(f && strstr(f->block, "---[ end trace") && !strstr(f->block, "ok 78"), "block ends at end trace");
	CHECK(f && strstr(f->block, "ok 77"), "interleaved line kept in the block");
	hilt_kreport_free(r.kr);

	run3("kasan_oob", kasan_oob, NULL, &r);
	f = hilt_kreport_get(r.kr, 0);
	CHECK(f && !strncmp(f->block, "[   21.352111] =====", 20), "KASAN block opens at its ruler");
	CHECK(f && !strstr(f->block, "Disabling lock") && !strstr(f->block, "Subtest"), "KASAN block ends at its ruler");
	hilt_kreport_free(r.kr);

	/* the panic is in the null_deref block, it is one report, fatal */
	run3("null_deref", null_deref, NULL, &r);
	f = hilt_kreport_get(r.kr, 0);
	CHECK(hilt_kreport_count(r.kr) == 1 && f && strstr(f->block, "Kernel panic - not syncing: Fatal exception"),
	      "the panic folds into the report");
	CHECK(r.told_first == 1 && r.told_again == 0, "told once");
	hilt_kreport_free(r.kr);

	/* a panic with no end printed after it: told when the owner flushes */
	{
		static const char quiet[] =
			"[    1.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b\n";
		struct hilt_kreport *k2;
		char err[64];
		CHECK(hilt_kreport_new(NULL, &k2, err, sizeof(err)) == 0, "new");
		hilt_kreport_feed(k2, quiet, sizeof(quiet) - 1);
		CHECK(hilt_kreport_count(k2) == 0 && hilt_kreport_panicking(k2), "panic under way");
		CHECK(hilt_kreport_flush(k2) == 0 && hilt_kreport_count(k2) == 1 && !hilt_kreport_panicking(k2) &&
		      hilt_kreport_get(k2, 0)->fatal &&
		      !strcmp(hilt_kreport_get(k2, 0)->title, "kernel panic: Attempted to kill init!"), "flushed");
		hilt_kreport_feed(k2, null_deref, sizeof(null_deref) - 1);
		hilt_kreport_finish(k2);
		CHECK(hilt_kreport_count(k2) == 2, "reads on after a flush: %zu", hilt_kreport_count(k2));
		hilt_kreport_free(k2);
	}

	/* no panic fatal: the same report, not fatal */
	struct hilt_kreport_opts o = { .fatal = HILT_KREPORT_NONE_FATAL };
	run3("null_deref none fatal", null_deref, &o, &r);
	CHECK(hilt_kreport_count(r.kr) == 1 && !hilt_kreport_get(r.kr, 0)->fatal, "none fatal");
	hilt_kreport_free(r.kr);
	/* KASAN made fatal */
	o.fatal = 1u << HILT_KR_KASAN;
	run3("kasan fatal", kasan_oob, &o, &r);
	CHECK(hilt_kreport_count(r.kr) == 1 && hilt_kreport_get(r.kr, 0)->fatal, "kasan fatal");
	hilt_kreport_free(r.kr);

	/* a WARNING with no end trace ends at the next report, or after the
	 * console went on with other things long enough */
	static const char two[] =
		"WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:519 really_probe+0x3e4/0x3f0\n"
		"Call Trace:\n"
		" driver_probe_device+0x4a/0x110\n"
		"user says hello\n"
		"WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:519 really_probe+0x3e4/0x3f0\n"
		"Call Trace:\n"
		" driver_probe_device+0x4a/0x110\n"
		"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\n"
		"BUG: Bad rss-counter state mm:00000000b5a9b4d4 type:MM_ANONPAGES val:1\n"
		"x\n";
	/* caller ids: another task's lines (its frames, its end marker) are
	 * not this report's */
	static const char callers[] =
		"[   10.000001][  T100] INFO: task kworker/0:1:100 blocked for more than 143 seconds.\n"
		"[   10.000002][  T100] Call Trace:\n"
		"[   10.000003][  T200]  other_task_fn+0x1/0x2\n"
		"[   10.000004][  T200] ---[ end trace 0000000000000000 ]---\n"
		"[   10.000005][  T100]  schedule+0x1/0x2\n"
		"[   10.000006][  T100]  blk_mq_freeze_queue_wait+0x1/0x2\n"
		"[   10.000007][  T100]  loop_set_status+0x1/0x2\n";
	run3("callers", callers, NULL, &r);
	f = hilt_kreport_get(r.kr, 0);
	CHECK(hilt_kreport_count(r.kr) == 1 && f && !strcmp(f->title, "INFO: task hung in loop_set_status") &&
	      !strstr(f->block, "T200"), "caller ids: '%s'", f ? f->title : "");
	hilt_kreport_free(r.kr);

	run3("two warnings", two, NULL, &r);
	CHECK(hilt_kreport_count(r.kr) == 2, "two titles: %zu", hilt_kreport_count(r.kr));
	f = hilt_kreport_get(r.kr, 0);
	CHECK(f && !strcmp(f->title, "WARNING in really_probe") && f->count == 2, "counted twice");
	CHECK(f && !strcmp(f->block, "WARNING: CPU: 0 PID: 1 at drivers/base/dd.c:519 really_probe+0x3e4/0x3f0\n"
			       "Call Trace:\n driver_probe_device+0x4a/0x110\n"),
	      "first block ends at its last line of a report's shape: '%s'", f ? f->block : "");
	f = hilt_kreport_get(r.kr, 1);
	CHECK(f && !strcmp(f->title, "BUG: Bad rss-counter state"), "generic BUG: '%s'", f ? f->title : "");
	CHECK(r.told_first == 2 && r.told_again == 1, "told %u+%u", r.told_first, r.told_again);
	hilt_kreport_free(r.kr);
	return 0;
}

/* CR, CRLF, NUL, invalid UTF-8 and over-long lines break nothing. */
static int test_bytes(void)
{
	static const char mess[] =
		"\xff\xfe garbage \x80\x81\r\r\n"
		"[    1.000000] \x00\x01 nul here\r\n"
		"[    2.000000] ------------[ cut here ]------------\r\n"
		"[    2.000001] WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 foo_bar.isra.0+0x1/0x2 [foo]\r\n"
		"[    2.000002] Call Trace:\r\n"
		"[    2.000003]  foo_caller+0x1/0x2\xc3\x28\r\n"
		"[    2.000004] ---[ end trace 0000000000000000 ]---\r\n";
	struct hilt_kreport *kr;
	char err[64];

	CHECK(hilt_kreport_new(NULL, &kr, err, sizeof(err)) == 0, "new");
	CHECK(hilt_kreport_feed(kr, mess, sizeof(mess) - 1) == 0, "feed");
	CHECK(hilt_kreport_finish(kr) == 0, "finish");
	const struct hilt_finding *f = hilt_kreport_get(kr, 0);
	CHECK(hilt_kreport_count(kr) == 1 && f && !strcmp(f->title, "WARNING in foo_bar"), "title '%s'",
	      f ? f->title : "");
	CHECK(f && !strchr(f->line, '\r') && !strchr(f->line, '\n'), "no CR or LF in line");
	hilt_kreport_free(kr);

	/* a 100 KiB line holding a header is read cut, memory untouched */
	size_t big = 100 * 1024;
	char *s = malloc(big + 200);
	strcpy(s, "BUG: KASAN: use-after-free in foo_free+0x1/0x2\n");
	size_t at = strlen(s);
	memset(s + at, 'A', big);
	at += big;
	strcpy(s + at, "\nRead of size 8 at addr x\n");
	CHECK(hilt_kreport_new(NULL, &kr, err, sizeof(err)) == 0, "new");
	for (size_t i = 0; i < strlen(s); i += 4096)
		hilt_kreport_feed(kr, s + i, strlen(s) - i < 4096 ? strlen(s) - i : 4096);
	hilt_kreport_finish(kr);
	f = hilt_kreport_get(kr, 0);
	CHECK(f && !strcmp(f->title, "KASAN: use-after-free Read in foo_free"), "title '%s'", f ? f->title : "");
	CHECK(hilt_kreport_bytes(kr) < 64 * 1024, "bytes %zu", hilt_kreport_bytes(kr));
	hilt_kreport_free(kr);
	free(s);
	return 0;
}

static int test_ignore(void)
{
	static const char *const ign[] = { "^WARNING in __list_add", NULL };
	static const char *const bad[] = { "(unclosed", NULL };
	struct hilt_kreport_opts o = { .ignore = ign };
	struct hilt_kreport *kr;
	char err[256] = "";
	struct run r;

	run3("ignored", warn_list, &o, &r);
	CHECK(hilt_kreport_count(r.kr) == 0 && r.told_first == 0, "ignored title not counted");
	hilt_kreport_free(r.kr);
	run3("not ignored", kasan_oob, &o, &r);
	CHECK(hilt_kreport_count(r.kr) == 1, "other titles kept");
	hilt_kreport_free(r.kr);
	o.ignore = bad;
	CHECK(hilt_kreport_new(&o, &kr, err, sizeof(err)) == -EINVAL && strstr(err, "(unclosed"), "bad pattern: %s", err);
	return 0;
}

/* 10,000 warnings, 5,000 of them distinct: max_findings titles kept,
 * the rest dropped or counted, memory bounded. */
static int test_bounds(void)
{
	struct hilt_kreport_opts o = { .max_findings = 100, .block_cap = 1024 };
	struct hilt_kreport *kr;
	char err[64], buf[512];

	CHECK(hilt_kreport_new(&o, &kr, err, sizeof(err)) == 0, "new");
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(buf, sizeof(buf),
				 "[%5d.000000] ------------[ cut here ]------------\n"
				 "[%5d.000001] WARNING: CPU: 0 PID: 1 at lib/x.c:%d fn_%d+0x1/0x2\n"
				 "[%5d.000002] Call Trace:\n"
				 "[%5d.000003]  caller+0x1/0x2\n"
				 "[%5d.000004] ---[ end trace 0000000000000000 ]---\n",
				 i, i, i, i % 2 ? i : 0, i, i, i);
		CHECK(hilt_kreport_feed(kr, buf, (size_t)n) == 0, "feed");
	}
	hilt_kreport_finish(kr);
	CHECK(hilt_kreport_count(kr) == 100, "%zu titles", hilt_kreport_count(kr));
	const struct hilt_finding *f = hilt_kreport_get(kr, 0);
	CHECK(f && !strcmp(f->title, "WARNING in fn_0") && f->count == 5000, "fn_0 x%lu", f ? f->count : 0);
	CHECK(hilt_kreport_dropped(kr) == 5000 - 99, "dropped %lu", hilt_kreport_dropped(kr));
	/* bound: 40 KiB of buffers + per finding its block, line, title */
	size_t bound = 40 * 1024 + 100 * (1024 + 1024 + 256 + 128);
	CHECK(hilt_kreport_bytes(kr) < bound, "held %zu bytes, bound %zu", hilt_kreport_bytes(kr), bound);
	hilt_kreport_free(kr);
	return 0;
}

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

/* ---- the real logs ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *d = NULL;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0) {
		long n = ftell(fp);
		rewind(fp);
		d = n >= 0 ? malloc((size_t)n + 1) : NULL;
		if (d && fread(d, 1, (size_t)n, fp) == (size_t)n) {
			d[n] = '\0';
			*len = (size_t)n;
		} else {
			free(d);
			d = NULL;
		}
	}
	fclose(fp);
	return d;
}

/* One log against its .expect: 0 all right; else what is wrong, printed.
 * *titles_ok says whether the first finding's title is the first expected. */
static int one_log(const char *dir, const char *name, bool *clean, bool *detected, bool *first_ok)
{
	char path[4096 + 300];
	size_t elen = 0, llen = 0;
	snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
	char *exp = slurp(path, &elen);
	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	char *log = slurp(path, &llen);
	int wrong = 0;

	if (!exp || !log) {
		fprintf(stderr, "%s: cannot read .log or .expect\n", name);
		free(exp);
		free(log);
		return 1;
	}
	struct run r, c;
	CHECK(feed(&r, log, llen, 0, NULL) == 0, "%s: feed", name);
	CHECK(feed(&c, log, llen, 2, NULL) == 0, "%s: feed chunks", name);
	same_findings(name, r.kr, c.kr);
	same_by_skim(name, log, llen, NULL, r.kr);
	hilt_kreport_free(c.kr);
	size_t i = 0, nexp = 0;
	for (char *save = NULL, *ln = strtok_r(exp, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (ln[0] == '#' || ln[0] == '\0')
			continue;
		char *t1 = strchr(ln, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2) {
			fprintf(stderr, "%s.expect: bad line '%s'\n", name, ln);
			wrong = 1;
			continue;
		}
		*t1 = *t2 = '\0';
		unsigned long count = strtoul(t2 + 1, NULL, 10);
		const struct hilt_finding *f = hilt_kreport_get(r.kr, i);
		if (nexp == 0)
			*first_ok = f && !strcmp(f->title, ln);
		nexp++;
		if (!f || strcmp(f->title, ln) || strcmp(hilt_kreport_kind_name(f->kind), t1 + 1) || f->count != count) {
			fprintf(stderr, "  %s: #%zu want '%s' %s x%lu, got '%s' %s x%lu\n", name, i + 1, ln, t1 + 1, count,
				f ? f->title : "-", f ? hilt_kreport_kind_name(f->kind) : "-", f ? f->count : 0);
			wrong = 1;
		}
		i++;
	}
	for (; i < hilt_kreport_count(r.kr); i++) {
		const struct hilt_finding *f = hilt_kreport_get(r.kr, i);
		fprintf(stderr, "  %s: extra '%s' %s x%lu\n", name, f->title, hilt_kreport_kind_name(f->kind), f->count);
		wrong = 1;
	}
	*clean = nexp == 0;
	*detected = nexp == 0 ? hilt_kreport_count(r.kr) == 0 : hilt_kreport_count(r.kr) > 0;
	if (nexp == 0)
		*first_ok = hilt_kreport_count(r.kr) == 0;
	hilt_kreport_free(r.kr);
	free(exp);
	free(log);
	return wrong;
}

/* Every clean log clean, every report log with a finding, the first
 * title right on 9 in 10 at least; all the rest is printed as a score. */
struct log_tally {
	unsigned logs, right, firsts, clean_bad, missed;
};

static void tally_log(void *arg, const char *dir, const char *name)
{
	struct log_tally *t = arg;
	bool clean = false, detected = false, first_ok = false;
	int wrong = one_log(dir, name, &clean, &detected, &first_ok);

	t->logs++;
	t->right += !wrong;
	t->firsts += first_ok;
	t->clean_bad += clean && !detected;
	t->missed += !clean && !detected;
}

static int test_real_logs(void)
{
	struct log_tally t = { 0 };

	if (check_each_expect("kernel-logs", tally_log, &t) < 0)
		return 77;
	printf("real logs: %u, all right %u, first title right %u, clean logs with findings %u, "
	       "report logs with none %u\n", t.logs, t.right, t.firsts, t.clean_bad, t.missed);
	CHECK(t.clean_bad == 0, "false findings on %u clean logs", t.clean_bad);
	CHECK(t.missed == 0, "%u logs' reports not seen", t.missed);
	/* the first finding's title as a kernel developer writes it on 9
	 * logs in 10 at least (the score is printed above) */
	CHECK(t.logs == 0 || t.firsts * 10 >= t.logs * 9, "first title right on %u of %u",
	      t.firsts, t.logs);
	return 0;
}

/* ---- the quick pass's marks ---- */

/* Whether a console line (prefixes and all, no LF) is one the reader
 * reads when no report is under way, as line_done() takes it. */
static bool starts_something(const char *s, size_t len)
{
	struct kr_head h;

	if (len > 1024)
		len = 1024;
	while (len && s[len - 1] == '\r')
		len--;
	kr_body(s, len, &h);
	return h.cls != KC_NONE && h.cls != KC_END_TRACE && h.cls != KC_END_PANIC;
}

/* Every start of a report (header, ruler, "cut here", oops, panic, OOM
 * kill, leaked object) in every shape the reader knows, behind every
 * kind of console prefix, holds a mark. */
static int test_marks_shapes(void)
{
	static const char *const bodies[] = {
		"BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2",
		"BUG: unable to handle page fault for address: ffff",
		"BUG kmalloc-64 (Not tainted): Poison overwritten",
		"kernel BUG at mm/slub.c:123!",
		"WARNING: CPU: 0 PID: 1 at kernel/x.c:1 foo+0x1/0x2",
		"WARNING: possible circular locking dependency detected",
		"WARNING: bad unlock balance detected!",
		"WARNING: kworker/0:1/12 still has locks held!",
		"Watchdog detected hard LOCKUP on cpu 3",
		"watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [a:1]",
		"NMI watchdog: Watchdog detected hard LOCKUP on cpu 1",
		"watchdog: CPU3: Watchdog detected hard LOCKUP on cpu 3",
		"Kernel panic - not syncing: Fatal exception",
		"Kernel panic - not syncing: VFS: Unable to mount root fs",
		"INFO: task kworker:1 blocked for more than 120 seconds.",
		"INFO: rcu_sched detected stalls on CPUs/tasks:",
		"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
		"INFO: possible recursive locking detected",
		"[ INFO: possible circular locking dependency detected ]",
		"[ BUG: bad unlock balance detected! ]",
		"Internal error: Oops - BUG: 0 [#1] SMP ARM",
		"Internal error: Oops: 96000004 [#1] PREEMPT SMP",
		"Unhandled fault: imprecise external abort (0x1406) at 0x0",
		"UBSAN: shift-out-of-bounds in lib/x.c:1:2",
		"Unable to handle kernel NULL pointer dereference at virtual address 0",
		"Unable to handle kernel paging request at virtual address dead",
		"Unable to handle kernel access to user memory outside uaccess",
		"general protection fault, probably for non-canonical address 0xdead: 0000 [#1]",
		"general protection fault",
		"segment-related general protection fault: 0000",
		"Out of memory: Killed process 123 (stress)",
		"Memory cgroup out of memory: Killed process 1 (a)",
		"Oops: 0000 [#1] SMP",
		"Oops: general protection fault, probably for non-canonical address 0x0: 0000 [#1]",
		"Oops: divide error: 0000 [#1] PREEMPT SMP",
		"Oops: invalid opcode: 0000 [#1] SMP",
		"divide error: 0000 [#1] SMP",
		"divide_error: 0000 [#1] SMP",
		"invalid opcode: 0000 [#1] SMP",
		"data abort",
		"prefetch abort",
		"undefined instruction",
		"PANIC: double fault, error_code: 0x0",
		"unreferenced object 0xffff888003a1c000 (size 32):",
		"\"Synchronous Abort\" handler, esr 0x96000004",
		"Guru Meditation Error: Core  0 panic'ed (LoadProhibited).",
		"abort() was called at PC 0x40081234 on core 0",
		"8<--- cut here ---",
		"==================================================================",
		"------------[ cut here ]------------",
		"--[ cut here ]",
		"stress invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0",
		"Web Content invoked oom-killer: gfp_mask=0x140dca, order=0, oom_score_adj=-1000",
		"Oops: 0000 [#",
	};
	static const char *const prefixes[] = {
		"", "[   12.345678] ", "<4>[   12.345678][ T1533] ", "[  123.456789][    C1] ",
		"kern  :warn  : [   12.345678] ", "Dec 07 12:00:00 host kernel: ", "<3>",
		"[Mon Dec  7 12:00:00 2026] ", "TINFO: 2 huge[   54.396708] ",
	};
	struct kr_marks m;
	char line[1200];

	kr_marks_init(&m);
	for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++)
		for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
			int n = snprintf(line, sizeof(line), "%s%s", prefixes[p], bodies[b]);

			CHECK(starts_something(line, (size_t)n), "'%s' is no report's start", line);
			CHECK(kr_marked(&m, line, (size_t)n), "'%s' holds no mark", line);
		}
	return 0;
}

/* The marks on the real logs: every report's start holds one, and few
 * other lines do. */
static int test_marks_logs(void)
{
	const char *src = getenv("HILT_SOURCE_DIR");
	static const char *const dirs[] = { "tests/data/kernel-logs", "fixtures/logs" };
	unsigned long lines = 0, starts = 0, marked = 0;
	struct kr_marks m;

	kr_marks_init(&m);
	for (size_t k = 0; k < 2; k++) {
		char dir[4096], path[4400];
		snprintf(dir, sizeof(dir), "%s/%s", src ? src : ".", dirs[k]);
		DIR *d = opendir(dir);

		if (!d) {
			printf("no %s\n", dir);
			return 77;
		}
		for (struct dirent *e; (e = readdir(d));) {
			size_t n = strlen(e->d_name), len;
			if (n < 5 || strcmp(e->d_name + n - 4, ".log"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			char *log = slurp(path, &len);
			CHECK(log, "%s: cannot read it", path);
			for (size_t at = 0; log && at < len;) {
				const char *nl = memchr(log + at, '\n', len - at);
				size_t l = nl ? (size_t)(nl - log) - at : len - at;
				bool start = starts_something(log + at, l), mark = kr_marked(&m, log + at, l);

				lines++;
				starts += start;
				marked += mark;
				CHECK(!start || mark, "%s: '%.*s' holds no mark", e->d_name, (int)l, log + at);
				at += l + 1;
			}
			free(log);
		}
		closedir(d);
	}
	printf("marks: %lu lines, %lu start a report or a ruler, %lu hold a mark\n", lines, starts, marked);
	CHECK(starts > 100, "only %lu report starts in the logs", starts);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "shapes", test_shapes },	   { "clean", test_clean },
		{ "blocks", test_blocks },	   { "bytes", test_bytes },
		{ "ignore", test_ignore },	   { "bounds", test_bounds },
		{ "title_api", test_title_api },  { "title_rules", test_title_rules },
		{ "real_logs", test_real_logs },
		{ "marks_shapes", test_marks_shapes }, { "marks_logs", test_marks_logs },
	};
	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
