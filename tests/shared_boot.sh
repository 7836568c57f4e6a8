#!/usr/bin/env bash
# Shared boots: suites with start="shell" run one after the other on one
# boot of their target's boot suite.
# usage: shared_boot.sh plan|boot-fails|guest|network|reboot|unready|lanes|interrupt
#   plan       hilt list shows the groups and the boots planned; what a
#              farm or a suite gets wrong about them is a clear error
#   boot-fails a boot that fails (a recorded panic): the suites that wait
#              for it are reported as not run, saying why
#   guest      8 shell suites on the default guest, --jobs 1: one boot,
#              all pass, every session names it (session.boot), the run
#              takes at most 1.5 times the boot suite alone (a ratio of
#              the same run); the logs of the run, one after the other,
#              replay to the same verdicts on one boot
#   network    the shipped guest-shell at the shell of linux-boot's boot,
#              with --pcap: its HTTP probe fetches a page made at that
#              shell (the boot's id in it) over the network hilt hosts;
#              its frames count on from the boot's, in the boot's capture
#   reboot     a failing suite and one that meets a kernel finding (the
#              OOM killer) in the middle: the suites after each run on a
#              fresh boot, whose session.boot.reason says why; a
#              fresh-shell suite gets a boot of its own
#   unready    a suite that passes but leaves no shell (it execs a
#              sleep): the next suite's shell check gets no answer, and
#              that suite runs on a fresh boot, which says why
#   lanes      --jobs 2 and earlier durations saying the suites run far
#              longer than a boot: two boots at once share the suites
#   interrupt  SIGINT while the group runs: the JUnit holds what finished,
#              the rest not run, and no QEMU is left
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out

need_guest() {
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		echo "SKIP: no default guest in $HILT_GUEST_DIR"
		exit 77
	fi
}

# shell_suite FILE NAME STEP...: a suite that starts at the default
# guest's shell, each STEP a line of XML (a <step>).
shell_suite() {
	local file=$1 name=$2 st
	shift 2
	{
		echo "<suite name=\"$name\" start=\"shell\" timeout=\"120\">"
		echo '  <shell prompt="^/ # "/>'
		for st in "$@"; do echo "  $st"; done
		echo '</suite>'
	} >"$file"
}

# shell_suites DIR N: N small suites that start at the default guest's
# shell; each uses the kernel version its boot captured.
shell_suites() {
	mkdir -p "$1"
	local i
	for i in $(seq 1 "$2"); do
		shell_suite "$1/user-$i.xml" "user-$i" \
			"<step name=\"arith\" timeout=\"10\"><send>echo user-$i \$(($i * 7))</send><expect>^user-$i $((i * 7))\$</expect></step>" \
			'<step name="kernel" timeout="10"><send>uname -r</send><expect>^${kernel_version}$</expect></step>' \
			"<step name=\"files\" timeout=\"10\"><send>echo $i >/tmp/u$i; cat /tmp/u$i</send><expect>^$i\$</expect></step>"
	done
}

# sessions JUNIT: one line per session, in the order they began:
# STEM|session.boot|verdicts (p f e s)|time|session.boot.reason, where
# STEM names the session's files (its console.log), as session.boot does.
sessions() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
rows = []
for s in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    props = {p.get("name"): p.get("value") for p in s.iter("property")}
    v = {"pass": 0, "failure": 0, "error": 0, "skipped": 0}
    for c in s.iter("testcase"):
        e = next((e.tag for e in c if e.tag in ("failure", "error", "skipped")), "pass")
        v[e] += 1
    rows.append((float(props.get("session.began", "0")), "%s|%s|%d %d %d %d|%s|%s" % (
        props.get("console.log", s.get("name")).replace(".console.log", ""),
        props.get("session.boot", ""), v["pass"], v["failure"], v["error"],
        v["skipped"], s.get("time"), props.get("session.boot.reason", ""))))
for _, r in sorted(rows):
    print(r)
PY
}

# run_group WANT WHAT ARGS...: hilt run ARGS in a session of its own,
# judged (exit status WANT, its JUnit valid, nothing left running); its
# sessions in $WORK/sessions.
run_group() {
	local want=$1 what=$2
	shift 2
	in_session hilt "$HILT" run --no-progress --out "$OUT" "$@" >"$WORK/stdout" 2>&1
	judge_run "$want" $? "$what"
	no_leftover hilt "a process hilt started (QEMU)"
	sessions "$OUT/junit.xml" | tee "$WORK/sessions"
}

# same_sessions WANT: the sessions, their times left out, are WANT.
same_sessions() {
	[ "$(cut -d'|' -f1-3,5 "$WORK/sessions")" = "$1" ] ||
		fail "not the boots, verdicts and reasons expected"
}

# replay_farm BOOT: a farm of one recorded target with BOOT in it.
replay_farm() {
	cat >"$WORK/farm.xml" <<XML
<farm>
  <target name="rec" kind="replay" tags="board=x">
    <log>$SRC/fixtures/logs/linux-boot-x86.log</log>
    $1
  </target>
</farm>
XML
}

case_plan() {
	shell_suites "$WORK/s" 3
	"$HILT" list "$WORK"/s/user-*.xml suites/http-hello.xml >"$WORK/list" 2>&1 ||
		{ cat "$WORK/list"; fail "hilt list failed"; }
	cat "$WORK/list"
	assert_grep '^user-2 (.*) on .*: default  \[start=shell, group 1\]$' "$WORK/list"
	assert_grep '^linux-boot (.*/suites/linux-boot.xml) on .*: default  \[boot of group 1, added\]$' "$WORK/list"
	assert_grep '^group 1 on .*: boot linux-boot (.*), then 3 suites on its shell; 1 boot planned$' "$WORK/list"
	assert_grep '^http-hello (suites/http-hello.xml) on [^[]*$' "$WORK/list"
	assert_grep '^5 sessions$' "$WORK/list"
	# The boot suite asked for is the group's boot: not planned twice.
	"$HILT" list suites/linux-boot.xml "$WORK"/s/user-1.xml >"$WORK/list2" 2>&1 || fail "hilt list failed"
	cat "$WORK/list2"
	assert_grep '^linux-boot (suites/linux-boot.xml) on .*  \[boot of group 1\]$' "$WORK/list2"
	assert_grep '^2 sessions$' "$WORK/list2"
	# A fresh-shell suite gets a boot of its own.
	sed 's/start="shell"/start="fresh-shell"/' "$WORK/s/user-3.xml" >"$WORK/fresh.xml"
	"$HILT" list "$WORK"/s/user-1.xml "$WORK/fresh.xml" >"$WORK/list3" 2>&1 || fail "hilt list failed"
	cat "$WORK/list3"
	assert_grep 'then 1 suite on its shell, and 1 on a boot each (fresh-shell); 2 boots planned$' "$WORK/list3"

	# A farm target without a <boot>: the shell suite cannot run there.
	replay_farm ""
	list_error user-1.xml "a shell suite on a target without a <boot>" \
		"user-1.xml: suite 'user-1' starts at a shell (start=\"shell\"), and target 'rec' (.*farm.xml:2) has no <boot suite=\"...\"/> that brings it there"
	# The boot suite must capture what the shell suites take from it.
	replay_farm "<boot suite=\"$SRC/suites/http-hello.xml\"/>"
	list_error user-1.xml "a variable the boot suite does not capture" \
		"suite 'user-1' uses \${kernel_version}, which neither it nor its boot suite 'http-hello' (.*) captures"
	# A boot suite that starts at a shell itself.
	replay_farm "<boot suite=\"s/user-2.xml\"/>"
	list_error ../fresh.xml "a boot suite with start=shell" \
		"suite 'user-2' is a boot suite (<boot> of target 'rec'), so it must start at power-on, not start=\"shell\""
	# <boot> naming a missing file: the farm's line.
	replay_farm "<boot suite=\"no-such-boot.xml\"/>"
	list_error ../fresh.xml "a missing boot suite" \
		"farm.xml:4: <boot> suite '.*/no-such-boot.xml' cannot be read: No such file or directory"
	# A bad start="".
	sed 's/start="shell"/start="later"/' "$WORK/s/user-1.xml" >"$WORK/bad.xml"
	list_error ../bad.xml "start=later" "bad.xml:1: 'start' must be power-on, shell or fresh-shell, not 'later'"
}

# list_error SUITE WHAT MESSAGE: hilt list of $WORK/s/SUITE on the farm
# exits 2 saying MESSAGE (a grep pattern).
list_error() {
	"$HILT" list --farm "$WORK/farm.xml" "$WORK/s/$1" >"$WORK/err" 2>&1
	expect_exit 2 $? "$2"
	cat "$WORK/err"
	assert_grep "$3" "$WORK/err"
}

case_boot_fails() {
	shell_suites "$WORK/s" 2
	"$HILT" run --no-progress --out "$OUT" --target "replay:$SRC/fixtures/logs/linux-panic-x86.log" \
		--boot linux-boot "$WORK"/s/user-*.xml >"$WORK/stdout" 2>&1
	judge_run 1 $? "shell suites on a boot that panics"
	assert_grep "^hilt: the suites that start at the shell of 'linux-boot' on pool replay:linux-panic-x86 are not run: the boot failed$" "$WORK/stdout"
	sessions "$OUT/junit.xml" | tee "$WORK/sessions"
	grep -q "^linux-boot@replay_linux-panic-x86||1 2 0 5|" "$WORK/sessions" || fail "not the boot's verdicts"
	[ "$(grep -c "^user-[12]@[^|]*||0 0 0 3|" "$WORK/sessions")" -eq 2 ] || fail "the suites are not skipped"
	python3 - "$OUT/junit.xml" <<'PY' || fail "the skipped suites do not say why"
import sys, xml.etree.ElementTree as ET
n = 0
for c in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    sk = c.find("skipped")
    if c.get("name") == "arith" and sk is not None:
        assert sk.get("message") == "not run: its boot 'linux-boot' on 'replay:linux-panic-x86' failed", sk.get("message")
        n += 1
sys.exit(n != 2)
PY
}

case_guest() {
	need_guest
	shell_suites "$WORK/s" 8
	local t0 t1
	t0=$(date +%s.%N)
	run_group 0 "8 shell suites on one boot" --jobs 1 "$WORK"/s/user-*.xml
	t1=$(date +%s.%N)
	[ "$(wc -l <"$WORK/sessions")" -eq 9 ] || fail "not 9 sessions (a boot and 8 suites)"
	[ "$(grep -c '^linux-boot@' "$WORK/sessions")" -eq 1 ] || fail "not one boot"
	local boot
	boot=$(head -n 1 "$WORK/sessions" | cut -d'|' -f1)
	[ "$boot" = "linux-boot@default" ] || fail "the first session is not the boot: $boot"
	[ "$(grep -c "^user-[1-8]@default|$boot|3 0 0 0|" "$WORK/sessions")" -eq 8 ] ||
		fail "not every suite passed on boot $boot"
	# Each suite's check found the shell (its time in the JUnit).
	[ "$(grep -c 'name="session.shell_check" value="[0-9.]*"' "$OUT/junit.xml")" -eq 8 ] ||
		fail "not 8 shell checks"
	assert_grep "^hilt: 1 boot for 8 suites that start at a shell (0 after a suite left one unfit)$" "$WORK/stdout"
	local boot_s whole ratio
	boot_s=$(head -n 1 "$WORK/sessions" | cut -d'|' -f4)
	whole=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	ratio=$(awk -v w="$whole" -v b="$boot_s" 'BEGIN { printf "%.3f", w / b }')
	echo "boot session ${boot_s} s, whole run ${whole} s: ratio ${ratio}"
	holds 'r <= 1.5' r="$ratio" || fail "the run took ${ratio} times the boot alone (at most 1.5)"

	# The run's logs one after the other are a recording of one boot and
	# its suites: replayed, the same verdicts on one boot.
	local f logs=()
	for f in $(cut -d'|' -f1 "$WORK/sessions"); do logs+=("$OUT/$f.console.log"); done
	cat "${logs[@]}" >"$WORK/group.log"
	"$HILT" run --no-progress --out "$WORK/replay" --target "replay:$WORK/group.log" \
		--boot linux-boot "$WORK"/s/user-*.xml >"$WORK/replay.out" 2>&1
	expect_exit 0 $? "the replay of the group's logs"
	validate "$WORK/replay/junit.xml"
	sessions "$WORK/replay/junit.xml" | tee "$WORK/rsessions"
	[ "$(grep -c '^linux-boot@' "$WORK/rsessions")" -eq 1 ] || fail "not one boot in the replay"
	[ "$(grep -c '^user-[1-8]@replay_group|linux-boot@replay_group|3 0 0 0|' "$WORK/rsessions")" -eq 8 ] ||
		fail "the replay's verdicts differ"

	# A kernel warning in the boot's part is the boot's finding: it
	# counts there, and the suites still share that boot (booting again
	# would meet it again).
	python3 - "$WORK/group.log" "$WORK/warn.log" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
warn = b"".join(b"[    1.23456%d] %s\r\n" % (i, l) for i, l in enumerate([
    b"------------[ cut here ]------------",
    b"WARNING: CPU: 0 PID: 1 at drivers/base/core.c:100 device_add+0x10/0x20",
    b"Modules linked in:",
    b"CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1",
    b"RIP: 0010:device_add+0x10/0x20",
    b"Call Trace:",
    b" <TASK>",
    b" really_probe+0x1/0x2",
    b" </TASK>",
    b"---[ end trace 0000000000000000 ]---"]))
i = data.index(b"hilt-guest: init started")
i = data.rindex(b"\n", 0, i) + 1
open(sys.argv[2], "wb").write(data[:i] + warn + data[i:])
PY
	"$HILT" run --no-progress --out "$WORK/warn" --target "replay:$WORK/warn.log" \
		--boot linux-boot "$WORK"/s/user-*.xml >"$WORK/warn.out" 2>&1
	expect_exit 1 $? "the replay with a warning in the boot"
	validate "$WORK/warn/junit.xml"
	sessions "$WORK/warn/junit.xml" | tee "$WORK/wsessions"
	grep -q '^linux-boot@replay_warn||7 1 0 0|' "$WORK/wsessions" || fail "the boot's finding is not its own"
	assert_grep "^FAIL  linux-boot@replay:warn WARNING in [a-z_]*: finding (warning) x1$" "$WORK/warn.out"
	[ "$(grep -c '^user-[1-8]@replay_warn|linux-boot@replay_warn|3 0 0 0|' "$WORK/wsessions")" -eq 8 ] ||
		fail "the suites did not share the boot that had a warning"
}

case_network() {
	need_guest
	run_group 0 "guest-shell on linux-boot's boot" --jobs 1 --pcap suites/linux-boot.xml \
		suites/guest-shell.xml
	same_sessions "linux-boot@default||7 0 0 0|
guest-shell@default|linux-boot@default|4 0 0 0|"
	python3 - "$OUT/junit.xml" <<'PY' || fail "the frames or the capture of the shared boot"
import sys, xml.etree.ElementTree as ET
p = {}
for s in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    p[s.get("name").split("@")[0]] = {e.get("name"): e.get("value") for e in s.iter("property")}
boot, shell = p["linux-boot"], p["guest-shell"]
for k in ("net.frames_from_guest", "net.frames_to_guest"):
    print(k, boot[k], shell[k])
    assert int(shell[k]) > int(boot[k]) > 0, k
assert boot["net.pcap"] == shell["net.pcap"] == "linux-boot@default.pcap", (boot["net.pcap"], shell["net.pcap"])
PY
	[ -s "$OUT/linux-boot@default.pcap" ] || fail "no capture"
	[ ! -e "$OUT/guest-shell@default.pcap" ] || fail "a capture of the shell suite's own"
}

case_reboot() {
	need_guest
	shell_suites "$WORK/s" 6
	shell_suite "$WORK/s/user-3.xml" user-3 \
		'<step name="false" timeout="10"><send>false; echo rc=$?</send><expect>^rc=0$</expect></step>' \
		'<step name="after" timeout="10"><send>echo after</send><expect>^after$</expect></step>'
	shell_suite "$WORK/s/user-5.xml" user-5 \
		'<step name="oom" timeout="90"><send>tail /dev/zero; echo tail-done</send><expect>^tail-done</expect></step>'
	sed -e 's/start="shell"/start="fresh-shell"/' -e 's/user-6/user-7/g' "$WORK/s/user-6.xml" >"$WORK/s/user-7.xml"
	run_group 1 "a failing suite and a kernel finding among 6" --jobs 1 "$WORK"/s/user-*.xml
	# Boot 1: user-1..3 (3 fails); the fresh-shell suite's own boot was
	# asked for first (--jobs 1: it waited for the first to end); then
	# boot 3: user-4, 5 (a finding); boot 4: user-6.
	local want="linux-boot@default||7 0 0 0|
user-1@default|linux-boot@default|3 0 0 0|
user-2@default|linux-boot@default|3 0 0 0|
user-3@default|linux-boot@default|1 1 0 0|
linux-boot@default-2||7 0 0 0|suite 'user-7' starts at a shell of its own (start=\"fresh-shell\")
user-7@default|linux-boot@default-2|3 0 0 0|
linux-boot@default-3||7 0 0 0|reboot: suite 'user-3' failed in case 'false': step 'false; echo rc=\$?': reply did not match /^rc=0\$/: got \"rc=1\"
user-4@default|linux-boot@default-3|3 0 0 0|
user-5@default|linux-boot@default-3|1 1 0 0|
linux-boot@default-4||7 0 0 0|reboot: suite 'user-5' met a kernel finding: out of memory
user-6@default|linux-boot@default-4|3 0 0 0|"
	same_sessions "$want"
	# user-3 goes on after its failed step (as any suite does); the
	# reboot comes after it.
	assert_grep "hilt: pool .* boots 'linux-boot' again: suite 'user-3' failed in case 'false'" "$WORK/stdout"
	assert_grep "hilt: pool .* boots 'linux-boot' again: suite 'user-5' met a kernel finding: out of memory" "$WORK/stdout"
	assert_grep "^hilt: 4 boots for 7 suites that start at a shell (2 after a suite left one unfit)$" "$WORK/stdout"
}

case_unready() {
	need_guest
	shell_suites "$WORK/s" 3
	shell_suite "$WORK/s/user-2.xml" user-2 \
		'<step name="leave" timeout="10" wait-prompt="false"><send>echo leaving; exec sleep 1000</send><expect>^leaving$</expect></step>'
	run_group 0 "a suite that leaves no shell behind" --jobs 1 "$WORK"/s/user-*.xml
	local want="linux-boot@default||7 0 0 0|
user-1@default|linux-boot@default|3 0 0 0|
user-2@default|linux-boot@default|1 0 0 0|
linux-boot@default-2||7 0 0 0|reboot: the shell did not answer hilt's check after suite 'user-2'
user-3@default-2|linux-boot@default-2|3 0 0 0|"
	same_sessions "$want"
	# user-3's first attempt, whose check got no answer, is beside its
	# cases, and its console log is kept.
	assert_grep "^ERROR user-3@default arith: the shell of boot 'linux-boot@default' did not answer hilt's check before the suite (after suite 'user-2'): its marker did not come back within 10 s$" "$WORK/stdout"
	assert_grep "^PASS  user-3@default arith \[attempt 2\]" "$WORK/stdout"
	[ "$(property attempts "$OUT/junit.xml")" = 2 ] || fail "user-3 does not say it ran twice"
	assert_grep "echo hilt-ready-''3" "$OUT/user-3@default.console.log"
	assert_grep "did not answer hilt's check before the suite (after suite 'user-2')" "$OUT/junit.xml"
	assert_grep "^hilt: pool .* boots 'linux-boot' again: the shell did not answer hilt's check after suite 'user-2'$" "$WORK/stdout"
}

case_lanes() {
	need_guest
	local i
	mkdir -p "$WORK/s"
	for i in 1 2 3 4 5 6; do
		shell_suite "$WORK/s/slow-$i.xml" "slow-$i" \
			"<step name=\"work\" timeout=\"20\"><send>sleep 3; echo done-$i</send><expect>^done-$i\$</expect></step>"
	done
	# An earlier run said: 6 s a suite, 9 s the boot: 36 s of suites
	# hold 4 boots' worth; --jobs 2 allows two.
	{
		echo '<testsuites>'
		echo '  <testsuite name="linux-boot" tests="7" time="9"/>'
		for i in 1 2 3 4 5 6; do echo "  <testsuite name=\"slow-$i\" tests=\"1\" time=\"6\"/>"; done
		echo '</testsuites>'
	} >"$WORK/previous.xml"
	run_group 0 "6 slow shell suites on two boots" --jobs 2 --durations "$WORK/previous.xml" \
		"$WORK"/s/slow-*.xml
	[ "$(grep -c '^linux-boot@' "$WORK/sessions")" -eq 2 ] || fail "not two boots"
	grep -q "^linux-boot@default-2||7 0 0 0|[0-9.]*|one more boot for the group's suites (2 at once)$" \
		"$WORK/sessions" || fail "the second boot does not say why"
	[ "$(grep -c '^slow-[1-6]@default|linux-boot@default|1 0 0 0|' "$WORK/sessions")" -ge 1 ] ||
		fail "no suite ran on the first boot"
	[ "$(grep -c '^slow-[1-6]@default|linux-boot@default-2|1 0 0 0|' "$WORK/sessions")" -ge 1 ] ||
		fail "no suite ran on the second boot"
	[ "$(grep -c '^slow-[1-6]@default|linux-boot@default\(-2\)\?|1 0 0 0|' "$WORK/sessions")" -eq 6 ] ||
		fail "not every suite passed"
}

case_interrupt() {
	need_guest
	shell_suites "$WORK/s" 4
	shell_suite "$WORK/s/user-2.xml" user-2 \
		'<step name="sleep" timeout="100"><send>sleep 60; echo slept</send><expect>^slept$</expect></step>'
	in_session hilt "$HILT" run --no-progress --jobs 1 --out "$OUT" "$WORK"/s/user-*.xml >"$WORK/stdout" 2>&1 &
	local bg=$!
	poll_until 90 grep -q '^PASS  user-1@default files' "$WORK/stdout" || { cat "$WORK/stdout"; fail "user-1 never passed"; }
	sleep 1
	kill -INT "$(session_pid hilt)"
	wait "$bg"
	judge_run 3 $? "SIGINT in the second suite of a shared boot"
	no_leftover hilt "a process hilt started (QEMU)"
	sessions "$OUT/junit.xml" | tee "$WORK/sessions"
	grep -q '^user-1@default|linux-boot@default|3 0 0 0|' "$WORK/sessions" || fail "user-1's passes are lost"
	grep -q '^user-2@default|linux-boot@default|0 0 1 0|' "$WORK/sessions" || fail "user-2 not interrupted"
	grep -q '^user-3@[^|]*||0 0 0 3|' "$WORK/sessions" || fail "user-3 not reported as not run"
	grep -q '^user-4@[^|]*||0 0 0 3|' "$WORK/sessions" || fail "user-4 not reported as not run"
	[ "$(grep -c '^linux-boot@' "$WORK/sessions")" -eq 1 ] || fail "a boot after the interrupt"
}

"case_${1//-/_}"
