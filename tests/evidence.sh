#!/usr/bin/env bash
# What CI's test views show of a failure: a failing case's <system-out>
# holds the console's last lines when it ended and [[ATTACHMENT|...]]
# lines (GitLab's unit test report, Jenkins' junit-attachments) naming the
# console log relative to the JUnit; passing cases and sessions carry no
# console text; a night of 1000 failing sessions stays well under GitLab's
# 30 MB a JUnit file.
#   excerpt  the recorded panic: the panic and its trace, the attachment
#   missed   a milestone that never comes: the last lines before its deadline
#   gitlab   in a GitLab job, attachments relative to the project's folder;
#            a merge elsewhere renames the paths; its page links hold
#   size     1000 failing sessions: bytes per session, the whole file
#   quote    a failure pattern's match early in a long log (a WARNING at
#            line 669 of 12,600, kselftest output after it): the message
#            quotes the line where the match begins, the failure's text is
#            its trace, the excerpt holds it; not lines read long after
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
PANIC=$SRC/fixtures/logs/linux-panic-x86.log
BOOT=$SRC/fixtures/logs/linux-boot-x86.log

# case_part JUNIT SUITE CASE PART: of that case, PART out the text of its
# <system-out> ("" when it has none), message its <failure>'s message,
# text its <failure>'s text; by Python's parser.
case_part() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
for suite in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    if suite.get("name") != sys.argv[2]:
        continue
    for case in suite.iter("testcase"):
        if case.get("name") != sys.argv[3]:
            continue
        if sys.argv[4] == "out":
            out = case.find("system-out")
            sys.stdout.write(out.text or "" if out is not None else "")
            sys.exit(0)
        f = case.find("failure")
        if f is None:
            sys.exit("case %s did not fail" % sys.argv[3])
        sys.stdout.write((f.get("message") if sys.argv[4] == "message" else f.text) or "")
        sys.exit(0)
sys.exit("no case %s in %s" % (sys.argv[3], sys.argv[2]))
PY
}

# case_out JUNIT SUITE CASE: the text of that case's <system-out>.
case_out() {
	case_part "$@" out
}

# attachments_exist JUNIT: every [[ATTACHMENT|path]] names a file that
# exists relative to the JUnit's folder; prints how many.
attachments_exist() {
	python3 - "$1" <<'PY'
import os, re, sys
path = sys.argv[1]
found = re.findall(r"\[\[ATTACHMENT\|([^\]]+)\]\]", open(path).read())
if not found:
    sys.exit("no attachment in %s" % path)
for f in found:
    if os.path.isabs(f) or not os.path.isfile(os.path.join(os.path.dirname(path), f)):
        sys.exit("attachment %s is not a file beside %s" % (f, path))
print("%d attachments, each a file beside the JUnit" % len(found))
PY
}

case_excerpt() {
	"$HILT" run --no-progress --out "$OUT" --target "replay:$PANIC" suites/linux-boot.xml \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "panic replay"
	local s=linux-boot@replay:linux-panic-x86
	case_out "$OUT/junit.xml" "$s" init-started >"$WORK/fail.txt" || fail "no init-started"
	cat "$WORK/fail.txt"
	assert_grep "^--- the console's last lines when the case ended, at [0-9.]* s ---$" "$WORK/fail.txt"
	assert_grep "Kernel panic - not syncing: VFS: Unable to mount root fs" "$WORK/fail.txt"
	assert_grep "ret_from_fork" "$WORK/fail.txt"
	assert_grep "^\[\[ATTACHMENT|linux-boot@replay_linux-panic-x86.console.log\]\]$" "$WORK/fail.txt"
	[ "$(wc -l <"$WORK/fail.txt")" -le 44 ] || fail "the excerpt is longer than 40 lines"
	attachments_exist "$OUT/junit.xml" || fail "an attachment does not hold"
	# The property names the log as the attachment does.
	assert_grep 'name="console.log" value="linux-boot@replay_linux-panic-x86.console.log"' \
		"$OUT/junit.xml"
	# A passing case and the skipped ones carry no console text.
	[ -z "$(case_out "$OUT/junit.xml" "$s" kernel-banner)" ] || fail "a passing case has output"
	[ -z "$(case_out "$OUT/junit.xml" "$s" network-up)" ] || fail "a skipped case has output"
	# The attachment still holds when the folder is moved (CI artifacts
	# unpacked elsewhere).
	mv "$OUT" "$WORK/moved"
	attachments_exist "$WORK/moved/junit.xml" || fail "an attachment broke when moved"
	# A passing session keeps no console tail in its testsuite.
	"$HILT" run --no-progress --out "$OUT" --target "replay:$BOOT" suites/linux-boot.xml \
		>"$WORK/stdout" 2>&1
	judge_run 0 $? "boot replay"
	assert_no_grep "<system-out>" "$OUT/junit.xml"
}

case_missed() {
	cat >"$WORK/missed.xml" <<'XML'
<suite name="missed" timeout="60">
  <milestone name="kernel-banner" timeout="5">Linux version</milestone>
  <milestone name="never" timeout="2">^this line never comes$</milestone>
</suite>
XML
	"$HILT" run --no-progress --out "$OUT" --target "replay:$BOOT" "$WORK/missed.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "missed milestone"
	case_out "$OUT/junit.xml" missed@replay:linux-boot-x86 never >"$WORK/fail.txt" ||
		fail "no case 'never'"
	cat "$WORK/fail.txt"
	# The recording ends at the shell prompt (which asks for the cursor
	# position: ESC, shown as a control picture): the last lines before
	# the case ended are its last lines.
	[ "$(grep -B1 -x -- '---' "$WORK/fail.txt" | tail -n 2 | head -n 1)" = '/ # ␛[6n' ] ||
		fail "the excerpt does not end at the recording's last line"
	assert_grep "valid_lft forever" "$WORK/fail.txt"
	# The shell's escape sequence (ESC [6n) shown as a control picture.
	assert_grep '␛\[6n' "$OUT/junit.xml"
	! grep -q $'\e' "$OUT/junit.xml" || fail "an ESC byte reached the JUnit"
	assert_grep "hilt-guest: httpd started" "$WORK/fail.txt"
	assert_grep "^\[\[ATTACHMENT|missed@replay_linux-boot-x86.console.log\]\]$" "$WORK/fail.txt"
	attachments_exist "$OUT/junit.xml" || fail "an attachment does not hold"
}

# In a GitLab CI job, attachment lines are relative to the project's
# folder (the root of the job's artifacts, where GitLab's test report
# looks); a merge in another folder renames the paths that are relative
# to the JUnit, and the page of the merge reaches the files.
case_gitlab() {
	mkdir -p "$WORK/project"
	(cd "$WORK/project" && GITLAB_CI=true CI_PROJECT_DIR="$WORK/project" \
		"$HILT" run --no-progress --out hilt-out/emulators-1 --target "replay:$PANIC" \
		"$SRC/suites/linux-boot.xml" >"$WORK/stdout" 2>&1)
	expect_exit 1 $? "panic replay in a GitLab job"
	local shard=$WORK/project/hilt-out/emulators-1/junit.xml
	validate "$shard"
	assert_grep "^\[\[ATTACHMENT|hilt-out/emulators-1/linux-boot@replay_linux-panic-x86.console.log\]\]$" \
		"$shard"
	assert_grep 'name="attachments.root" value="../.."' "$shard"
	[ -f "$WORK/project/hilt-out/emulators-1/linux-boot@replay_linux-panic-x86.console.log" ] ||
		fail "the attachment is not where GitLab looks"
	# --attachments-root is the same by hand, and wins.
	(cd "$WORK/project" && GITLAB_CI=true CI_PROJECT_DIR="$WORK/project" \
		"$HILT" run --no-progress --attachments-root "$WORK" --out hilt-out/emulators-2 \
		--target "replay:$PANIC" "$SRC/suites/linux-boot.xml" >"$WORK/stdout" 2>&1)
	assert_grep "^\[\[ATTACHMENT|project/hilt-out/emulators-2/linux-boot@replay_linux-panic-x86.console.log\]\]$" \
		"$WORK/project/hilt-out/emulators-2/junit.xml"

	# The merge one folder up names the log from there.
	"$HILT" report merge -o "$WORK/project/hilt-out/junit.xml" "$shard" 2>/dev/null
	expect_exit 0 $? "merge"
	assert_grep 'name="console.log" value="emulators-1/linux-boot@replay_linux-panic-x86.console.log"' \
		"$WORK/project/hilt-out/junit.xml"
	assert_grep 'name="attachments.root" value=".."' "$WORK/project/hilt-out/junit.xml"
	validate "$WORK/project/hilt-out/junit.xml"
	# A merge of a run outside GitLab says where its attachments are.
	"$HILT" run --no-progress --out "$WORK/elsewhere/shard" --target "replay:$PANIC" \
		"$SRC/suites/linux-boot.xml" >/dev/null 2>&1
	"$HILT" report merge -o "$WORK/elsewhere/junit.xml" "$WORK/elsewhere/shard/junit.xml" 2>/dev/null
	assert_grep 'name="attachments.root" value="shard"' "$WORK/elsewhere/junit.xml"
	# The page of the merge, written elsewhere again, links to the logs.
	mkdir -p "$WORK/site"
	"$HILT" report html -o "$WORK/site/report.html" "$WORK/project/hilt-out/junit.xml" 2>/dev/null
	expect_exit 0 $? "report html of the merge"
	python3 - "$WORK/site/report.html" <<'PY' || fail "a link of the page does not reach its file"
import os, re, sys
page = sys.argv[1]
links = [l for l in re.findall(r'href="([^"#][^"]*)"', open(page).read())]
assert links, "no links"
for l in links:
    f = os.path.join(os.path.dirname(page), l.replace("%40", "@"))
    assert os.path.isfile(f), "%s does not reach a file" % l
print("%d links, each reaching its file" % len(links))
PY
}

case_size() {
	local n=1000 args=() i bytes per
	for i in $(seq "$n"); do args+=(suites/linux-boot.xml); done
	"$HILT" run --no-progress --jobs 2 --out "$OUT" --target "replay:$PANIC" "${args[@]}" \
		>"$WORK/stdout" 2>&1
	expect_exit 1 $? "$n failing sessions"
	[ "$(grep -c '<testsuite ' "$OUT/junit.xml")" -eq "$n" ] || fail "not $n testsuites"
	# The failing case's, and the panic's as a kernel finding.
	[ "$(grep -c '\[\[ATTACHMENT|' "$OUT/junit.xml")" -eq $((2 * n)) ] ||
		fail "not $((2 * n)) attachments"
	validate "$OUT/junit.xml"
	bytes=$(stat -c %s "$OUT/junit.xml")
	per=$((bytes / n))
	echo "$n failing sessions: JUnit of $bytes bytes, $per bytes a session"
	[ "$bytes" -lt $((10 * 1024 * 1024)) ] ||
		fail "$bytes bytes for $n failing sessions: not well under GitLab's 30 MB"
}

# make_long_log FILE [END]: a 12,600-line kselftest run whose first
# WARNING (with its cut here ruler, trace and, unless END is "none", its
# end trace) is at line 669, then 11,900 lines of "# ok N ..." output.
make_long_log() {
	python3 - "$1" "${2:-end}" <<'PY'
import sys
out, end = sys.argv[1], sys.argv[2]
lines = ["[    0.000000] Linux version 6.1.0-hilt (builder@hilt) #1 SMP PREEMPT_DYNAMIC"]
t = 0.0
while len(lines) < 667:
    t += 0.000731
    lines.append("[%12.6f] pci 0000:00:%02x.0: [8086:7010] type 00 class 0x010180" % (t, len(lines) % 32))
lines.append("[   12.345601] ------------[ cut here ]------------")
lines.append("[   12.345678] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110")
assert len(lines) == 669
lines += [
    "[   12.345690] Modules linked in: gup_test",
    "[   12.345701] CPU: 1 PID: 282 Comm: gup_longterm Not tainted 6.1.0-hilt #1",
    "[   12.345712] RIP: 0010:__list_add_valid+0xdc/0x110",
    "[   12.345723] Call Trace:",
    "[   12.345734]  <TASK>",
    "[   12.345745]  pin_user_pages_remote+0x5c/0x90",
    "[   12.345756]  gup_test_ioctl+0x2a1/0x6f0",
    "[   12.345767]  __x64_sys_ioctl+0x8e/0xd0",
    "[   12.345778]  do_syscall_64+0x3b/0x90",
    "[   12.345789]  entry_SYSCALL_64_after_hwframe+0x63/0xcd",
    "[   12.345790]  </TASK>",
]
if end != "none":
    lines.append("[   12.345801] ---[ end trace 0000000000000000 ]---")
n = 0
while len(lines) < 12600:
    n += 1
    lines.append("# ok %d Longterm R/O pin is reliable" % n if n % 97 == 77
                 else "# ok %d gup_longterm: pin of page %d of a memfd" % (n, n))
open(out, "w").write("\n".join(lines) + "\n")
PY
}

# failure_of JUNIT SUITE CASE ATTR: the case's <failure> message (ATTR
# message) or its text (ATTR text).
failure_of() {
	case_part "$@"
}

case_quote() {
	local warn='[   12.345678] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110'
	make_long_log "$WORK/gup.log"
	[ "$(sed -n 669p "$WORK/gup.log")" = "$warn" ] || fail "the log's line 669 is not the WARNING"
	# The linux defaults' multi-line pattern, as a suite of its own has it.
	cat >"$WORK/gup.xml" <<'XML'
<suite name="gup" timeout="60">
  <failure-patterns defaults="none">
    <pattern name="warning">(?s)\bWARNING: .{0,16384}?---\[ end trace</pattern>
  </failure-patterns>
  <milestone name="kernel-banner" timeout="5">Linux version</milestone>
  <milestone name="selftests-done" timeout="30">^# Totals: </milestone>
</suite>
XML
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/gup.log" "$WORK/gup.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "a WARNING early in a long log"
	local s=gup@replay:gup
	failure_of "$OUT/junit.xml" "$s" selftests-done message >"$WORK/message.txt" ||
		fail "selftests-done did not fail"
	echo "message: $(cat "$WORK/message.txt")"
	# The line where the match begins, exactly as printed, and nothing else.
	[[ "$(cat "$WORK/message.txt")" == "failure pattern 'warning' matched at "*" s: $warn" ]] ||
		fail "the message does not quote the WARNING line"
	assert_no_grep "# ok" "$WORK/message.txt"
	# The failure's text is the trace from that line on.
	failure_of "$OUT/junit.xml" "$s" selftests-done text >"$WORK/trace.txt"
	[ "$(head -n 1 "$WORK/trace.txt")" = "$warn" ] || fail "the trace does not begin at the WARNING"
	assert_grep "entry_SYSCALL_64_after_hwframe" "$WORK/trace.txt"
	assert_grep "end trace 0000000000000000" "$WORK/trace.txt"
	# The excerpt of the case shows the lines up to the match's trace,
	# not those the replay read during the grace period.
	case_out "$OUT/junit.xml" "$s" selftests-done >"$WORK/fail.txt"
	assert_grep "__list_add_valid+0xdc/0x110" "$WORK/fail.txt"
	assert_no_grep "Longterm R/O pin" "$WORK/fail.txt"
	grep -q "Longterm R/O pin" "$WORK/gup.log" || fail "the log lacks the line once quoted"
	# The linux defaults' own 'warning' pattern, the kernel report reader
	# off: the same line.
	cat >"$WORK/gup-linux.xml" <<'XML'
<suite name="gup-linux" timeout="60">
  <kernel-reports enabled="false"/>
  <milestone name="kernel-banner" timeout="5">Linux version</milestone>
  <milestone name="selftests-done" timeout="30">^# Totals: </milestone>
</suite>
XML
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/gup.log" "$WORK/gup-linux.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "the linux defaults on a WARNING early in a long log"
	failure_of "$OUT/junit.xml" gup-linux@replay:gup selftests-done message >"$WORK/message.txt"
	[[ "$(cat "$WORK/message.txt")" == "failure pattern 'warning' matched at "*" s: $warn" ]] ||
		fail "the linux defaults' message does not quote the WARNING line"
	# The reader on (the default): a finding whose line is that line.
	sed '/kernel-reports/d' "$WORK/gup-linux.xml" >"$WORK/gup-reader.xml"
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/gup.log" "$WORK/gup-reader.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "the reader on a WARNING early in a long log"
	grep -qF "<property name=\"finding.1.line\" value=\"$warn\"/>" "$OUT/junit.xml" ||
		fail "finding.1.line is not the WARNING line"
	# The same log without its end trace: the multi-line pattern finds
	# nothing to quote (it needs the end within 16 KiB).
	make_long_log "$WORK/gup-noend.log" none
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/gup-noend.log" "$WORK/gup.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "a WARNING without its end trace"
	failure_of "$OUT/junit.xml" gup@replay:gup-noend selftests-done message >"$WORK/message.txt"
	assert_grep "^the recorded log .*gup-noend.log ended" "$WORK/message.txt"
}

"case_${1:?which case}"
