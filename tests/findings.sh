#!/usr/bin/env bash
# Kernel findings in sessions (the kernel report reader beside the
# matcher, <kernel-reports> in the suite), on replays of real-looking
# consoles: the recorded boot of the default guest with reports put into
# its kernel's output, as real consoles print them (timestamps, a ruler
# before, other output interleaved).
#   many      13 WARNINGs of 3 titles and a BUG: all four findings with
#             their counts, properties, test cases, plain lines; every
#             milestone and step of the session still passes
#   panic     the recorded panic ends the session at once, as it always
#             did, and is a finding of kind panic
#   fatal     fatal="warning": the session ends at the first warning
#   ignore    an <ignore>d title is not reported, the others are
#   disabled  enabled="false": the old failure patterns, no findings
#   guest     the default guest's boot (QEMU): findings.count 0
#   guest-crash  the default guest's real kernel made to kill a memory
#             hog (an OOM report) and then to panic (sysrq): both found,
#             titled and counted, the session ended at the panic
#   compare   two nights through hilt run: the second's console has a
#             real KASAN report more; hilt report compare names it as a
#             new finding and exits 1 (0 with --findings-notice)
#   firmware  real ESP32-C3 and U-Boot consoles: abort(), the Guru
#             Meditation and U-Boot's exception are findings of kinds
#             firmware and bootloader, titled by the exception
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
BOOT=$SRC/fixtures/logs/linux-boot-x86.log
PANIC=$SRC/fixtures/logs/linux-panic-x86.log

# make_log FILE: the recorded boot with, after its line 312 (the kernel
# still booting), 6 WARNINGs in __list_add_valid, 4 in dev_watchdog, 3 in
# drm_atomic_helper_wait_for_vblanks and a BUG (spinlock lockup: the
# kernel's lockup detector), interleaved, other kernel lines among them.
# FIRST_WARN is the first WARNING line it has.
make_log() {
	python3 - "$BOOT" "$1" <<'PY'
import sys
boot = open(sys.argv[1], newline="").read().split("\n")
t = [1.7001]
def ts():
    t[0] += 0.0000013
    return "[%12.6f] " % t[0]

def warning(cpu, pid, comm, where, func, off, trace, interleave=None):
    out = [ts() + "------------[ cut here ]------------",
           ts() + "WARNING: CPU: %d PID: %d at %s %s+%s" % (cpu, pid, where, func, off),
           ts() + "Modules linked in: e1000 ata_piix",
           ts() + "CPU: %d PID: %d Comm: %s Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2" % (cpu, pid, comm),
           ts() + "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
           ts() + "RIP: 0010:%s+%s" % (func, off),
           ts() + "Code: 48 c7 c7 e8 5b 2d a3 e8 4f 3c 73 ff 0f 0b 31 c0 c3 cc cc cc cc 48 89 c1 48 c7 c7 10 5c 2d a3 e8 <0f> 0b",
           ts() + "RSP: 0018:ffffb1c0c0413d48 EFLAGS: 00010282",
           ts() + "RAX: 0000000000000075 RBX: ffff9d4e41e2c6c0 RCX: 0000000000000000",
           ts() + "Call Trace:",
           ts() + " <TASK>"]
    for i, fr in enumerate(trace):
        out.append(ts() + " " + fr)
        if interleave and i == 1:
            out.append(ts() + interleave)
    out += [ts() + " </TASK>", ts() + "---[ end trace 0000000000000000 ]---"]
    return out

list_add = ["insert_work+0x4a/0xc0", "__queue_work+0x1d9/0x420", "queue_work_on+0x20/0x30",
            "process_one_work+0x1c4/0x380", "worker_thread+0x4d/0x380", "kthread+0xd7/0x100",
            "ret_from_fork+0x22/0x30"]
watchdog = ["call_timer_fn+0x27/0x130", "__run_timers+0x221/0x2b0", "run_timer_softirq+0x3b/0x80",
            "__do_softirq+0xf0/0x2fe", "irq_exit_rcu+0xaa/0xe0", "sysvec_apic_timer_interrupt+0x9e/0xc0"]
drm = ["drm_atomic_helper_commit_tail+0x5a/0x70 [drm_kms_helper]",
       "commit_tail+0xc4/0x180 [drm_kms_helper]", "process_one_work+0x1c4/0x380",
       "worker_thread+0x4d/0x380", "kthread+0xd7/0x100", "ret_from_fork+0x22/0x30"]
spin = lambda: [ts() + "BUG: spinlock lockup suspected on CPU#0, swapper/0/1",
        ts() + " lock: 0xffff888003a1c000, .magic: dead4ead, .owner: kworker/0:1/33, .owner_cpu: 0",
        ts() + "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2",
        ts() + "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
        ts() + "Call Trace:", ts() + " <TASK>", ts() + " dump_stack_lvl+0x44/0x5c",
        ts() + " do_raw_spin_lock+0xa7/0xc0", ts() + " _raw_spin_lock_irqsave+0x3d/0x50",
        ts() + " serial8250_console_write+0x8c/0x2f0", ts() + " console_emit_next_record+0x1a2/0x2f0",
        ts() + " </TASK>"]

ins = []
for i in range(13):
    if i in (0, 1, 3, 5, 8, 12):
        ins += warning(1, 282 + i, "kworker/1:2", "lib/list_debug.c:30", "__list_add_valid",
                       "0xdc/0x110", list_add,
                       "ata2: SATA link down (SStatus 0 SControl 300)" if i == 3 else None)
    elif i in (2, 4, 7, 10):
        ins.append(ts() + "NETDEV WATCHDOG: eth0 (e1000): transmit queue 0 timed out")
        ins += warning(0, 0, "swapper/0", "net/sched/sch_generic.c:525", "dev_watchdog",
                       "0x21f/0x230", watchdog)
    else:
        ins += warning(2, 91, "kworker/2:1", "drivers/gpu/drm/drm_atomic_helper.c:1666",
                       "drm_atomic_helper_wait_for_vblanks", "0x1f5/0x260 [drm_kms_helper]", drm)
    if i == 6:
        ins += spin()
    ins.append(ts() + "random: crng init done")
assert all(l < "[    1.845563]" for l in ins)
open(sys.argv[2], "w", newline="").write("\n".join(boot[:312] + ins + boot[312:]))
PY
	FIRST_WARN=$(grep -m 1 'WARNING: CPU' "$1")
}

# findings_of JUNIT SUITE: the session's findings.count, then a line
# "title|kind|count|line" per finding.N, by Python's parser.
findings_of() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
for s in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    if s.get("name") != sys.argv[2]:
        continue
    p = {e.get("name"): e.get("value") for e in s.iter("property")}
    print(p.get("findings.count", "none"))
    n = 1
    while "finding.%d.title" % n in p:
        print("|".join(p["finding.%d.%s" % (n, k)] for k in ("title", "kind", "count", "line")))
        n += 1
    sys.exit(0)
sys.exit("no testsuite " + sys.argv[2])
PY
}

# verdicts JUNIT SUITE: "name verdict type" for each test case.
verdicts() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
for s in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    if s.get("name") != sys.argv[2]:
        continue
    for c in s.iter("testcase"):
        v = next((e for e in c if e.tag in ("failure", "error", "skipped")), None)
        print("%s|%s|%s" % (c.get("name"), v.tag if v is not None else "pass",
                             v.get("type") if v is not None else ""))
PY
}

# run_replay WANT LOG SUITE: hilt run of SUITE on a replay of LOG.
run_replay() {
	"$HILT" run --no-progress --out "$OUT" --target "replay:$2" "$3" >"$WORK/stdout" 2>&1
	judge_run "$1" $? "$3 on $2"
}

# with_policy FILE ELEMENT: suites/linux-boot.xml with ELEMENT in it.
with_policy() {
	sed "s|^  <shell prompt|  $2\n  <shell prompt|" suites/linux-boot.xml >"$1"
	grep -q "kernel-reports" "$1" || fail "no policy in $1"
}

case_many() {
	make_log "$WORK/many.log"
	[ "$(grep -c 'WARNING: CPU' "$WORK/many.log")" -eq 13 ] || fail "not 13 WARNINGs"
	run_replay 1 "$WORK/many.log" suites/linux-boot.xml
	local s=linux-boot@replay:many
	findings_of "$OUT/junit.xml" "$s" >"$WORK/findings.txt"
	cat "$WORK/findings.txt"
	[ "$(head -n 1 "$WORK/findings.txt")" = 4 ] || fail "findings.count is not 4"
	[ "$(tail -n +2 "$WORK/findings.txt" | cut -d'|' -f1-3)" = "WARNING in __list_add_valid|warning|6
WARNING in dev_watchdog|warning|4
WARNING in drm_atomic_helper_wait_for_vblanks|warning|3
BUG: spinlock lockup suspected|lockup|1" ] || fail "not the findings of the log"
	# Each line is a line of the log, exactly (the first report's first).
	tail -n +2 "$WORK/findings.txt" | cut -d'|' -f4- | while IFS= read -r l; do
		grep -qxF -- "$l" "$WORK/many.log" || fail "'$l' is not a line of the log"
	done || exit 1
	local first
	first=$(sed -n 2p "$WORK/findings.txt" | cut -d'|' -f4-)
	# The WARNING line itself, not the ruler before it.
	[ "$first" = "$FIRST_WARN" ] || fail "finding.1.line is not the first WARNING's line"
	# The session's own cases pass, each finding is a failing case.
	verdicts "$OUT/junit.xml" "$s" >"$WORK/verdicts.txt"
	cat "$WORK/verdicts.txt"
	[ "$(grep -c '|pass|$' "$WORK/verdicts.txt")" -eq 7 ] || fail "not 7 passing cases"
	[ "$(grep -c '|failure|finding$' "$WORK/verdicts.txt")" -eq 4 ] || fail "not 4 finding cases"
	grep -q '^WARNING in dev_watchdog|failure|finding$' "$WORK/verdicts.txt" || fail "no case dev_watchdog"
	assert_grep '<testsuite name="linux-boot@replay:many" tests="11" failures="4"' "$OUT/junit.xml"
	# The block of a finding is its text, the console log attached.
	python3 - "$OUT/junit.xml" <<'PY' || fail "the finding's case lacks its block or attachment"
import sys, xml.etree.ElementTree as ET
c = next(c for c in ET.parse(sys.argv[1]).getroot().iter("testcase")
         if c.get("name") == "WARNING in __list_add_valid")
f = c.find("failure")
assert "__list_add_valid+0xdc/0x110" in f.text and "insert_work" in f.text, f.text
assert f.get("message").startswith("finding (warning) x6"), f.get("message")
assert "[[ATTACHMENT|linux-boot@replay_many.console.log]]" in c.find("system-out").text
PY
	# The plain lines.
	assert_grep '^FAIL  linux-boot@replay:many WARNING in __list_add_valid: finding (warning) x6$' \
		"$WORK/stdout"
	assert_grep '^FAIL  linux-boot@replay:many BUG: spinlock lockup suspected: finding (lockup) x1$' \
		"$WORK/stdout"
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 7 ] || fail "not 7 PASS lines"
}

case_panic() {
	run_replay 1 "$PANIC" suites/linux-boot.xml
	local s=linux-boot@replay:linux-panic-x86
	verdicts "$OUT/junit.xml" "$s" >"$WORK/verdicts.txt"
	cat "$WORK/verdicts.txt"
	grep -q '^init-started|failure|failure-pattern$' "$WORK/verdicts.txt" || fail "init-started"
	[ "$(grep -c '|skipped|not-run$' "$WORK/verdicts.txt")" -eq 5 ] || fail "not 5 skipped"
	assert_grep '<failure message="failure pattern .kernel-panic. matched at [0-9.]* s: \[    2.082150\] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"' \
		"$OUT/junit.xml"
	findings_of "$OUT/junit.xml" "$s" >"$WORK/findings.txt"
	cat "$WORK/findings.txt"
	[ "$(head -n 1 "$WORK/findings.txt")" = 1 ] || fail "findings.count is not 1"
	sed -n 2p "$WORK/findings.txt" | grep -q '^[^|]*|panic|1|' || fail "the finding is not the panic"
}

case_fatal() {
	make_log "$WORK/fatal.log"
	with_policy "$WORK/fatal.xml" '<kernel-reports fatal="panic warning"/>'
	run_replay 1 "$WORK/fatal.log" "$WORK/fatal.xml"
	local s=linux-boot@replay:fatal
	verdicts "$OUT/junit.xml" "$s" >"$WORK/verdicts.txt"
	cat "$WORK/verdicts.txt"
	grep -q '^kernel-banner|pass|$' "$WORK/verdicts.txt" || fail "kernel-banner"
	grep -q '^init-started|failure|finding$' "$WORK/verdicts.txt" || fail "init-started did not fail"
	[ "$(grep -c '|skipped|not-run$' "$WORK/verdicts.txt")" -eq 5 ] || fail "not 5 skipped"
	# The message quotes the first line of the warning's report.
	python3 - "$OUT/junit.xml" "$FIRST_WARN" <<'PY' || fail "the fatal finding's message"
import sys, xml.etree.ElementTree as ET
c = next(c for c in ET.parse(sys.argv[1]).getroot().iter("testcase") if c.get("name") == "init-started")
m = c.find("failure").get("message")
print(m)
assert m.startswith("kernel report 'WARNING in __list_add_valid' (warning, fatal) at "), m
assert m.endswith(": " + sys.argv[2]), m
PY
	assert_grep 'not run: the session ended at kernel report .WARNING in __list_add_valid.' "$OUT/junit.xml"
	findings_of "$OUT/junit.xml" "$s" >"$WORK/findings.txt"
	[ "$(head -n 1 "$WORK/findings.txt")" = 1 ] || fail "more than the first warning read"
}

case_ignore() {
	make_log "$WORK/ignore.log"
	with_policy "$WORK/ignore.xml" \
		'<kernel-reports><ignore>^WARNING in dev_watchdog$</ignore><ignore>spinlock lockup</ignore></kernel-reports>'
	run_replay 1 "$WORK/ignore.log" "$WORK/ignore.xml"
	findings_of "$OUT/junit.xml" linux-boot@replay:ignore >"$WORK/findings.txt"
	cat "$WORK/findings.txt"
	[ "$(tail -n +1 "$WORK/findings.txt" | cut -d'|' -f1-3)" = "2
WARNING in __list_add_valid|warning|6
WARNING in drm_atomic_helper_wait_for_vblanks|warning|3" ] || fail "ignored titles reported"
	assert_no_grep 'dev_watchdog: finding' "$WORK/stdout"
}

case_disabled() {
	make_log "$WORK/off.log"
	with_policy "$WORK/off.xml" '<kernel-reports enabled="false"/>'
	run_replay 1 "$WORK/off.log" "$WORK/off.xml"
	assert_grep "init-started: failure pattern 'warning' matched at [0-9.]* s: " "$WORK/stdout"
	assert_no_grep 'findings.count' "$OUT/junit.xml"
	assert_no_grep 'type="finding"' "$OUT/junit.xml"
	# The same suite and log, the reader on: the session goes on.
	run_replay 1 "$WORK/off.log" suites/linux-boot.xml
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 7 ] || fail "not 7 PASS lines with the reader"
}

case_guest() {
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		echo "SKIP: no default guest in $HILT_GUEST_DIR"
		exit 77
	fi
	in_session hilt "$HILT" run --out "$OUT" suites/linux-boot.xml >"$WORK/stdout" 2>&1
	judge_run 0 $? "linux-boot on the default guest"
	no_leftover hilt "a process hilt started (QEMU)"
	assert_grep '<property name="findings.count" value="0"/>' "$OUT/junit.xml"
	assert_no_grep 'type="finding"' "$OUT/junit.xml"
	# And the recorded boot of that guest.
	run_replay 0 "$BOOT" suites/linux-boot.xml
	assert_grep '<property name="findings.count" value="0"/>' "$OUT/junit.xml"
}

case_guest_crash() {
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		echo "SKIP: no default guest in $HILT_GUEST_DIR"
		exit 77
	fi
	cat >"$WORK/crash.xml" <<'XML'
<suite name="oom-crash" timeout="180">
  <shell prompt="^/ # "/>
  <milestone name="kernel-banner" timeout="30">Linux version (?'kernel_version'\S+)</milestone>
  <milestone name="shell-prompt" timeout="60">^/ # </milestone>
  <step name="oom" timeout="90">
    <send>tail /dev/zero; echo tail-done</send>
    <expect>^tail-done</expect>
  </step>
  <step name="crash" timeout="30" wait-prompt="false">
    <send>echo c > /proc/sysrq-trigger</send>
    <expect>never printed</expect>
  </step>
</suite>
XML
	in_session hilt "$HILT" run --out "$OUT" "$WORK/crash.xml" >"$WORK/stdout" 2>&1
	judge_run 1 $? "the crashing suite on the default guest"
	no_leftover hilt "a process hilt started (QEMU)"
	cat "$WORK/stdout"
	local s=oom-crash@default
	verdicts "$OUT/junit.xml" "$s" >"$WORK/verdicts.txt"
	cat "$WORK/verdicts.txt"
	grep -q '^oom|pass|$' "$WORK/verdicts.txt" || fail "the step after the OOM kill did not pass"
	grep -q '^crash|failure|failure-pattern$' "$WORK/verdicts.txt" || fail "the panic did not end the session"
	findings_of "$OUT/junit.xml" "$s" >"$WORK/findings.txt"
	cat "$WORK/findings.txt"
	[ "$(cut -d'|' -f1-3 "$WORK/findings.txt")" = "2
out of memory|oom|1
kernel panic: sysrq triggered crash|panic|1" ] || fail "not the OOM kill and the panic, once each"
	"$VALIDATE_JUNIT" "$SCHEMA" "$OUT/junit.xml" || fail "the JUnit does not validate"
}

case_compare() {
	local kasan=tests/data/kernel-logs/x86-kasan-test-oob-right.log
	mkdir -p "$WORK/base" "$WORK/new"
	make_log "$WORK/base/night.log"
	# The same console with a real KASAN report (its block, ruler to
	# ruler) among the kernel's lines of the second night.
	python3 - "$WORK/base/night.log" "$kasan" "$WORK/new/night.log" <<'PY'
import sys
log = open(sys.argv[1], newline="").read().split("\n")
rep = open(sys.argv[2], newline="").read().split("\n")
end = next(i for i in range(1, len(rep)) if rep[i].endswith("=" * 66))
open(sys.argv[3], "w", newline="").write("\n".join(log[:600] + rep[:end + 1] + log[600:]))
PY
	run_replay 1 "$WORK/base/night.log" suites/linux-boot.xml
	cp "$OUT/junit.xml" "$WORK/base.xml"
	run_replay 1 "$WORK/new/night.log" suites/linux-boot.xml
	cp "$OUT/junit.xml" "$WORK/new.xml"
	"$HILT" report compare "$WORK/base.xml" "$WORK/new.xml" >"$WORK/compare.txt" 2>&1
	local rc=$?
	cat "$WORK/compare.txt"
	[ "$rc" -eq 1 ] || fail "compare exited $rc, not 1, on a new KASAN report"
	local new
	new=$(sed -n '/^New kernel findings/,/^$/p' "$WORK/compare.txt")
	printf '%s\n' "$new" | grep -q 'KASAN: slab-out-of-bounds Write in kmalloc_oob_right' ||
		fail "the KASAN report is not a new finding"
	# Only it: the warnings of both nights are in both.
	[ "$(printf '%s\n' "$new" | grep -c ' > ')" -eq 1 ] ||
		fail "a finding of both nights is called new"
	assert_grep '^Kernel findings: 1 new, 0 counted differently, 0 gone$' "$WORK/compare.txt"
	assert_no_grep '^Regressions' "$WORK/compare.txt"
	"$HILT" report compare --findings-notice "$WORK/base.xml" "$WORK/new.xml" >"$WORK/compare.txt" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || fail "compare --findings-notice exited $rc, not 0"
	assert_grep 'KASAN: slab-out-of-bounds Write in kmalloc_oob_right' "$WORK/compare.txt"
}

case_firmware() {
	# An ESP-IDF app's console: the suite's own failure patterns off,
	# the reader on (<kernel-reports/>), as suites/esp-idf-http.xml has it.
	cat >"$WORK/esp.xml" <<'XML'
<suite name="esp" timeout="10">
  <failure-patterns defaults="none"/>
  <kernel-reports/>
  <milestone name="third-boot" timeout="5">(?s)(rst:0x\w+.*?){3}</milestone>
</suite>
XML
	run_replay 1 tests/data/kernel-logs/esp32c3-abort-and-illegal-instruction.log "$WORK/esp.xml"
	local s=esp@replay:esp32c3-abort-and-illegal-instruction
	findings_of "$OUT/junit.xml" "$s" >"$WORK/findings.txt"
	cat "$WORK/findings.txt"
	[ "$(cut -d'|' -f1-3 "$WORK/findings.txt")" = "2
abort() was called|firmware|1
Guru Meditation Error: Illegal instruction|firmware|1" ] || fail "not the abort and the panic"
	verdicts "$OUT/junit.xml" "$s" >"$WORK/verdicts.txt"
	grep -q '^third-boot|pass|$' "$WORK/verdicts.txt" || fail "the milestone after both did not pass"
	# U-Boot's exception on an ARM64 machine, with the uboot defaults.
	sed 's|<failure-patterns defaults="none"/>|<failure-patterns defaults="linux uboot"/>|; /<kernel-reports/d; s|<milestone.*|<milestone name="never" timeout="5">never printed</milestone>|' \
		"$WORK/esp.xml" >"$WORK/uboot.xml"
	run_replay 1 tests/data/kernel-logs/arm64-uboot-qemu-exception-undefined.log "$WORK/uboot.xml"
	findings_of "$OUT/junit.xml" esp@replay:arm64-uboot-qemu-exception-undefined >"$WORK/findings.txt"
	cat "$WORK/findings.txt"
	[ "$(head -n 1 "$WORK/findings.txt")" = 1 ] || fail "not one finding in U-Boot's console"
	sed -n 2p "$WORK/findings.txt" | grep -q '|bootloader|1|' || fail "U-Boot's exception is not a bootloader finding"
	"$VALIDATE_JUNIT" "$SCHEMA" "$OUT/junit.xml" || fail "the JUnit does not validate"
}

"case_${1//-/_}"
