/* The kernel report reader (runner/engine/kreport.h): report shapes from
 * real consoles (tests/kreport_shapes.h, trimmed), each fed whole, a byte
 * at a time and in random chunks with the same findings expected; blocks,
 * folding (an oops and its panic are one report), interleaved output,
 * CR/LF/NUL, ignore patterns, bounds (the titles alone: test_ktitle.c);
 * then every real log of tests/data/kernel-logs against its NAME.expect.  Each text is read too
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
#include "tests/kreport_shapes.h"

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
		{ "real_logs", test_real_logs },
		{ "marks_shapes", test_marks_shapes }, { "marks_logs", test_marks_logs },
	};
	return check_run_all(tests, sizeof(tests) / sizeof(tests[0]));
}
