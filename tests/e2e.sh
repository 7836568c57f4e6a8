#!/usr/bin/env bash
# End-to-end sessions on the default guest under QEMU (TCG).
# usage: e2e.sh boot|panic|no-qemu|qemu-dies|interrupt
. "$(dirname "$0")/lib.sh"

if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
	# A build that makes the guest must have it; one configured without
	# (-DHILT_BUILD_GUEST=OFF, no guest at HILT_GUEST_DIR) skips.
	[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no guest in $HILT_GUEST_DIR (its build failed?)"
	echo "SKIP: no default guest in $HILT_GUEST_DIR and this build does not make one"
	exit 77
fi
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed"
cd "$SRC"
OUT=$WORK/out

# farm NAME [ELEMENTS...]: a one-target farm booting the default guest.
farm() {
	local name=$1
	shift
	{
		echo "<farm><target name=\"$name\" kind=\"qemu\">"
		echo "<kernel>$HILT_GUEST_DIR/vmlinuz</kernel>"
		echo "<initrd>$HILT_GUEST_DIR/initrd.img</initrd>"
		printf '%s\n' "$@"
		echo "</target></farm>"
	} >"$WORK/farm.xml"
}

# run_hilt WANT WHAT ARGS...: hilt run ARGS with --out $OUT in a session of
# its own (in_session hilt); checks the exit status, that the JUnit
# validates and that no process hilt started (QEMU) outlived it.
run_hilt() {
	local want=$1 what=$2 rc
	shift 2
	in_session hilt "$HILT" run --out "$OUT" "$@" >"$WORK/stdout"
	rc=$?
	judge_run "$want" "$rc" "$what"
	no_leftover hilt "a process hilt started (QEMU)"
}

# guest_initrd NAME: the default guest's initrd with what $WORK/extra
# holds added, as $WORK/initrd-NAME.img (the kernel unpacks concatenated
# initramfs archives in order).
guest_initrd() {
	(cd "$WORK/extra" && find . | cpio -o -H newc --quiet | gzip) >"$WORK/extra.cpio.gz"
	cat "$HILT_GUEST_DIR/initrd.img" "$WORK/extra.cpio.gz" >"$WORK/initrd-$1.img"
}

# guest_check PROGRAM TARGET SUITE MIN: runs SUITE on the farm's TARGET,
# where it runs PROGRAM in the guest; the run passes, leaves nothing, and
# PROGRAM reported at least MIN checks "PROGRAM: ok ...", their count
# captured as capture.checks.
guest_check() {
	local prog=$1 target=$2 suite=$3 min=$4 rc checks
	in_session hilt "$HILT" run --farm "$WORK/farm.xml" --target "$target" --out "$OUT" "$suite" \
		>"$WORK/stdout"
	rc=$?
	grep -a "$prog: " "$OUT"/*.console.log
	judge_run 0 $rc "$prog in the guest"
	no_leftover hilt "a process hilt started (QEMU)"
	checks=$(grep -ac "$prog: ok " "$OUT"/*.console.log)
	[ "$checks" -ge "$min" ] || fail "only $checks checks reported ok"
	assert_grep 'name="capture.checks" value="'"$checks"'"' "$OUT/junit.xml"
}

# sum A B: A + B, to the millisecond.
sum() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a + b }'
}

case "$1" in
boot)
	run_hilt 0 "linux-boot on the default guest" suites/linux-boot.xml
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 7 ] || fail "not 7 PASS lines"
	assert_no_grep '<failure' "$OUT/junit.xml"
	assert_no_grep '<error' "$OUT/junit.xml"
	# The version the banner gave, the uname step echoed it, and it is
	# the kernel the guest was made from.
	kver=$(cat "$HILT_GUEST_DIR/kernel-version")
	assert_grep "name=\"capture.kernel_version\" value=\"$kver\"" "$OUT/junit.xml"
	assert_grep 'name="qemu.accel" value="tcg"' "$OUT/junit.xml"
	ksha=$(sha256sum "$HILT_GUEST_DIR/vmlinuz" | cut -d' ' -f1)
	isha=$(sha256sum "$HILT_GUEST_DIR/initrd.img" | cut -d' ' -f1)
	assert_grep "name=\"kernel.sha256\" value=\"$ksha\"" "$OUT/junit.xml"
	assert_grep "name=\"initrd.sha256\" value=\"$isha\"" "$OUT/junit.xml"
	for m in kernel-banner init-started network-up httpd-started shell-prompt; do
		grep -q "name=\"milestone.$m.time\" value=\"[0-9]*\.[0-9]\{3\}\"" "$OUT/junit.xml" ||
			fail "no time recorded for milestone $m"
	done
	# The full raw log and its timing are kept beside the JUnit.
	log="$OUT/linux-boot@default.console.log"
	assert_grep "hilt-guest: init started" "$log"
	grep -q "^$kver" "$log" || fail "uname -r reply missing from the raw log"
	[ "$(awk '{n += $2} END {print n}' "$OUT/linux-boot@default.console.timing")" -eq \
		"$(stat -c %s "$log")" ] || fail "timing file does not account for every byte"
	# The shell's escape sequences are in the raw log (busybox's ash before
	# 1.37, Debian 12's 1.35, asks for the cursor position at each prompt;
	# Debian 13's 1.37 does not); a session that passed keeps no console
	# text in the JUnit (tests/evidence.sh shows a failing one's, with ESC
	# as a control picture), so none reaches it.
	if grep -q '^busybox-package: busybox-static 1:1\.3[0-6]\.' "$HILT_GUEST_DIR/guest.stamp"; then
		grep -q $'\e\\[6n' "$log" || fail "the raw log lacks the shell's escape sequence"
	fi
	! grep -q $'\e' "$OUT/junit.xml" || fail "an ESC byte reached the JUnit"
	assert_no_grep "<system-out>" "$OUT/junit.xml"
	;;
panic)
	farm panic "<append>console=ttyS0 panic=-1 rdinit=/bin/does-not-exist</append>"
	# Deadlines far away: the run must end at the panic, not at them.
	sed 's/timeout="[0-9]*"/timeout="600"/g' suites/linux-boot.xml >"$WORK/slow.xml"
	run_hilt 1 "panicking guest" --farm "$WORK/farm.xml" "$WORK/slow.xml"
	grep -q '^FAIL .*init-started: failure pattern .kernel-panic. matched' "$WORK/stdout" ||
		fail "no failing case naming the kernel panic"
	assert_grep '<failure message="failure pattern .kernel-panic. matched at [0-9.]* s: .*Kernel panic - not syncing' "$OUT/junit.xml"
	assert_grep 'type="failure-pattern"' "$OUT/junit.xml"
	assert_no_grep '<error' "$OUT/junit.xml"
	[ "$(grep -c '<skipped' "$OUT/junit.xml")" -eq 5 ] || fail "the cases after the panic are not skipped"
	# The verdict came with the panic line, by the console's timing file,
	# and the session ended with it (its deadlines were 600 s away).
	panic_at=$(arrival "$OUT/linux-boot@panic.console.log" 'Kernel panic - not syncing[^\n]*\n') || exit 1
	matched=$(sed -n 's/.*failure pattern .kernel-panic. matched at \([0-9.]*\) s.*/\1/p' "$OUT/junit.xml" | head -n 1)
	ended=$(sed -n 's/.*<testsuite [^>]* time="\([0-9.]*\)".*/\1/p' "$OUT/junit.xml")
	echo "panic line in at $panic_at s, verdict at $matched s, session over at $ended s"
	holds "m >= p - 0.01 && m <= p + 1" m="$matched" p="$panic_at" ||
		fail "the verdict ($matched s) did not come with the panic line ($panic_at s)"
	holds "e <= m + 2" e="$ended" m="$matched" ||
		fail "the session went on for $ended s after the panic at $matched s"
	;;
no-qemu)
	farm noqemu "<binary>$WORK/no-such-qemu</binary>"
	run_hilt 3 "missing QEMU binary" --farm "$WORK/farm.xml" suites/linux-boot.xml
	assert_grep '<error message="target .noqemu. did not start: cannot execute .*no-such-qemu: No such file or directory" type="infrastructure"' "$OUT/junit.xml"
	assert_no_grep '<failure' "$OUT/junit.xml"
	;;
qemu-dies)
	# A real QEMU that refuses its arguments and exits at once.
	farm dies "<arg>-no-such-option</arg>"
	run_hilt 3 "QEMU exiting at once" --farm "$WORK/farm.xml" suites/linux-boot.xml
	assert_grep '<error message="QEMU (qemu-system-x86_64) ended with exit code 1: .*no-such-option' "$OUT/junit.xml"
	assert_grep '<system-err>.*no-such-option' "$OUT/junit.xml"
	assert_no_grep '<failure' "$OUT/junit.xml"
	;;
interrupt)
	# SIGINT in the middle of a boot: the JUnit of what finished is
	# written, the rest is an error, and QEMU is gone.
	in_session hilt "$HILT" run --out "$OUT" suites/linux-boot.xml >"$WORK/stdout" 2>"$WORK/stderr" &
	waiter=$!
	pid=$(session_pid hilt) || exit 1
	poll_until 60 grep -q '^PASS .*kernel-banner' "$WORK/stdout" || { kill $pid; fail "no banner"; }
	kill -INT $pid
	wait $waiter
	rc=$?
	judge_run 3 $rc "interrupted run"
	no_leftover hilt "a process hilt started (QEMU)"
	assert_grep '<testcase name="kernel-banner"' "$OUT/junit.xml"
	assert_grep '<error message="interrupted: hilt received a signal" type="interrupted"' "$OUT/junit.xml"
	assert_no_grep '<failure' "$OUT/junit.xml"
	;;
misses)
	# A wrong reply fails its step at the next prompt (not at the
	# deadline); a milestone that never comes fails at its own deadline.
	cat >"$WORK/misses.xml" <<'XML'
<suite name="misses" timeout="90">
  <shell prompt="^/ # "/>
  <milestone name="shell-prompt" timeout="60">^/ # </milestone>
  <step name="wrong-reply" timeout="60">
    <send>echo hel''lo</send>
    <expect>^goodbye</expect>
  </step>
  <step name="right-reply" timeout="20">
    <send>echo $((6 * 7))</send>
    <expect>^42$</expect>
  </step>
  <milestone name="never" timeout="3">this text is never printed</milestone>
</suite>
XML
	run_hilt 1 "suite with misses" "$WORK/misses.xml"
	grep -q '^PASS .*shell-prompt' "$WORK/stdout" || fail "no prompt"
	grep -q "^FAIL .*wrong-reply: step 'echo hel''lo': reply did not match /^goodbye/" "$WORK/stdout" ||
		fail "wrong reply not reported as a mismatch"
	assert_grep '<failure message="step .echo hel..lo.: reply did not match /^goodbye/[^"]*" type="step-mismatch">hello</failure>' "$OUT/junit.xml"
	grep -q '^PASS .*right-reply' "$WORK/stdout" || fail "the step after a mismatch did not run"
	assert_grep '<failure message="milestone /this text is never printed/ not seen within 3 s" type="milestone-timeout"' "$OUT/junit.xml"
	assert_no_grep '<error' "$OUT/junit.xml"
	# The mismatch is judged when the prompt after the reply comes (by the
	# console's timing file), not at the step's deadline 60 s later: the
	# step began when the prompt milestone passed and lasted its own time.
	log="$OUT/misses@default.console.log"
	reply=$(arrival "$log" '\nhello\r\n') || exit 1
	prompt=$(arrival "$log" '\nhello\r\n/ # ') || exit 1
	judged=$(sum "$(property milestone.shell-prompt.time "$OUT/junit.xml")" \
		"$(case_time wrong-reply "$OUT/junit.xml")")
	echo "reply in at $reply s, the prompt after it at $prompt s, the step judged at $judged s"
	holds "j >= r - 0.01 && j <= p + 1" j="$judged" r="$reply" p="$prompt" ||
		fail "the mismatch was judged at $judged s, the prompt after the reply came at $prompt s"
	never=$(case_time never "$OUT/junit.xml")
	holds "t >= 3 && t < 4" t="$never" || fail "the 3 s milestone failed after $never s"
	;;
http)
	# The guest's web server through the runner's own network; the
	# capture shows the exchange.
	run_hilt 0 "http-hello on the default guest" --pcap suites/http-hello.xml
	assert_grep '<system-out>GET http://127.0.0.1:[0-9]*/hello -&gt; 200 in [0-9.]* s (attempt [0-9]*), 13 body bytes' "$OUT/junit.xml"
	assert_grep 'Hello World!' "$OUT/junit.xml"
	assert_grep 'name="http.hello.status" value="200"' "$OUT/junit.xml"
	pcap="$OUT/http-hello@default.pcap"
	# Named relative to the JUnit, beside which it is.
	assert_grep 'name="net.pcap" value="http-hello@default.pcap"' "$OUT/junit.xml"
	command -v tshark >/dev/null || fail "tshark is not installed (./setup.sh installs it)"
	tshark -r "$pcap" >"$WORK/tshark.txt" 2>/dev/null || fail "tshark cannot read $pcap"
	assert_grep 'DHCP ACK' "$WORK/tshark.txt"
	assert_grep 'HTTP .*GET /hello HTTP/1.1' "$WORK/tshark.txt"
	assert_grep 'HTTP .*HTTP/1.1 200 OK' "$WORK/tshark.txt"
	assert_grep 'HTTP .*HTTP/1.1 404 Not Found' "$WORK/tshark.txt"
	;;
http-parallel)
	# Four instances at once: each has its own network and forwards, so
	# nothing collides.
	pids=""
	for i in 1 2 3 4; do
		in_session "hilt$i" "$HILT" run --out "$WORK/out$i" suites/http-hello.xml \
			>"$WORK/stdout$i" 2>&1 &
		pids="$pids $!"
	done
	i=0
	for pid in $pids; do
		i=$((i + 1))
		wait "$pid"
		rc=$?
		cat "$WORK/stdout$i"
		expect_exit 0 $rc "instance $i of 4"
		validate "$WORK/out$i/junit.xml"
		no_leftover "hilt$i" "a process instance $i started (QEMU)"
	done
	ports=$(grep -ho 'http://127.0.0.1:[0-9]*/hello' "$WORK"/out*/junit.xml | sort -u | wc -l)
	[ "$ports" -eq 4 ] || fail "the 4 instances did not use 4 different forwards ($ports)"
	;;
http-absent)
	# Nothing listens on the probed port: a failure naming the probe and
	# the error, within its deadline.
	cat >"$WORK/absent.xml" <<'XML'
<suite name="absent" timeout="120">
  <milestone name="httpd-started" timeout="60">^hilt-guest: httpd started</milestone>
  <http name="no-server" port="8080" path="/" timeout="3"/>
  <milestone name="after" timeout="10">^/ # </milestone>
</suite>
XML
	run_hilt 1 "probe of a port where nothing listens" "$WORK/absent.xml"
	grep -q "^FAIL .*no-server: GET http://127.0.0.1:[0-9]*/: .* ([0-9]* attempts in [0-9.]* s)" "$WORK/stdout" ||
		fail "no failure naming the probe"
	# It kept trying for most of its 3 s, and gave up by their end (the
	# case began when the milestone before it passed).
	secs=$(sed -n 's/.*no-server: .* attempts in \([0-9.]*\) s).*/\1/p' "$WORK/stdout")
	took=$(case_time no-server "$OUT/junit.xml")
	holds "s >= 2.5 && t >= s - 0.05 && t < 3.5" s="$secs" t="$took" ||
		fail "the probe tried for $secs s and failed after $took s; its deadline was 3 s"
	assert_grep '<failure message="GET http://127.0.0.1:[0-9]*/: .*" type="http"' "$OUT/junit.xml"
	grep -q '^PASS .*after' "$WORK/stdout" || fail "the session did not go on after the failed probe"
	;;
net-flood)
	# The guest floods the network while a probe runs: the probe still
	# passes and hilt's own memory does not grow with the flood.
	cat >"$WORK/flood.xml" <<'XML'
<suite name="flood" timeout="120">
  <shell prompt="^/ # "/>
  <milestone name="shell" timeout="60">^/ # </milestone>
  <step name="settled" timeout="10">
    <send>sleep 1; echo settled</send>
    <expect>^settled</expect>
  </step>
  <step name="start-flood" timeout="10">
    <send>end=$(($(date +%s) + 4)); for i in 1 2 3; do (while [ $(date +%s) -lt $end ]; do ping -q -s 60000 -i 0.001 -c 300 10.0.2.2; done >/dev/null 2>&amp;1 &amp;); done; echo flooding</send>
    <expect>^flooding</expect>
  </step>
  <step name="flood-running" timeout="10">
    <send>sleep 1; echo slept</send>
    <expect>^slept</expect>
  </step>
  <http name="hello-under-flood" port="80" path="/hello" status="200" timeout="30">
    <body>^Hello World!$</body>
  </http>
  <step name="flood-over" timeout="60">
    <send>sleep 4; echo flood-over</send>
    <expect>^flood-over</expect>
  </step>
</suite>
XML
	in_session hilt "$HILT" run --out "$OUT" "$WORK/flood.xml" >"$WORK/stdout" &
	waiter=$!
	pid=$(session_pid hilt) || exit 1
	# hilt's current resident size (VmRSS: a high-water mark would hide
	# growth below an earlier peak), sampled every 50 ms to its last moment,
	# each sample with the part of the run it was taken in: "settled" once
	# the shell is up and before the flood (a second of quiet), "flood"
	# from then on.  The output is read after the sample, so a sample is
	# never put in a later part than its own.
	: >"$WORK/rss"
	while rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [ -n "$rss" ]; do
		if grep -q '^PASS .*@default settled ' "$WORK/stdout"; then
			echo "flood $rss"
		elif grep -q '^PASS .*@default shell ' "$WORK/stdout"; then
			echo "settled $rss"
		else
			echo "boot $rss"
		fi >>"$WORK/rss"
		sleep 0.05
	done
	wait $waiter
	rc=$?
	judge_run 0 $rc "probe under a network flood"
	no_leftover hilt "a process hilt started (QEMU)"
	frames=$(property net.frames_from_guest "$OUT/junit.xml")
	# Growth over the last quiet sample: at most, and at the end.
	read -r base before most last < <(awk '
		$1 == "settled" { base = $2; n++ }
		$1 == "flood" { if ($2 > most) most = $2; last = $2; m++ }
		END { print base + 0, n + 0, most + 0, last + 0 }' "$WORK/rss")
	flood_samples=$(grep -c '^flood ' "$WORK/rss")
	echo "frames from the guest: $frames; hilt's RSS $base KiB before the flood ($before samples)," \
		"at most $most KiB and $last KiB at the end ($flood_samples samples)"
	[ "$frames" -gt 5000 ] || fail "the guest did not flood ($frames frames)"
	[ "$before" -gt 0 ] || fail "no sample of hilt's RSS between the boot and the flood"
	[ "$flood_samples" -ge 10 ] || fail "only $flood_samples samples of hilt's RSS during the flood"
	if [ "${SANITIZED:-OFF}" = ON ]; then
		echo "RSS not judged: AddressSanitizer's quarantine and shadow memory inflate it"
	else
		# About 3 MiB here (buffers of fixed size); keeping one frame in seven
		# of the flood (40000 and more, 1.5 KB each) would pass 8 MiB.
		[ $((most - base)) -lt 8192 ] || fail "hilt's RSS grew by $((most - base)) KiB under the flood"
	fi
	;;
guest-serial)
	# hilt's libserialport console code inside the guest, on the real 8250
	# driver of /dev/ttyS1, which QEMU connects to the board simulator.
	[ -x "${SERIAL_CHECK:-}" ] || fail "no serial-check program (SERIAL_CHECK)"
	mkdir -p "$WORK/extra/bin"
	cp "$SERIAL_CHECK" "$WORK/extra/bin/serial-check"
	guest_initrd serial
	start_sim 0.1 --booted
	trap 'kill $SIM_PID 2>/dev/null; end_sessions' EXIT
	cat >"$WORK/farm.xml" <<XML
<farm><target name="uart" kind="qemu">
  <kernel>$HILT_GUEST_DIR/vmlinuz</kernel>
  <initrd>$WORK/initrd-serial.img</initrd>
  <arg>-chardev</arg><arg>socket,id=sim,host=127.0.0.1,port=$PORT</arg>
  <arg>-device</arg><arg>isa-serial,chardev=sim</arg>
</target></farm>
XML
	cat >"$WORK/serial.xml" <<'XML'
<suite name="guest-serial" timeout="240">
  <shell prompt="/ # "/>
  <milestone name="shell" timeout="120">/ # </milestone>
  <step name="serial-check" timeout="90">
    <send>serial-check /dev/ttyS1 /dev/ttyS3</send>
    <expect>serial-check: PASS (?'checks'\d+)</expect>
  </step>
  <failure-patterns>
    <pattern name="check-failed">serial-check: FAIL \S+</pattern>
  </failure-patterns>
</suite>
XML
	guest_check serial-check uart "$WORK/serial.xml" 14
	;;
guest-gpio)
	# hilt's libgpiod code inside the guest, on a chip of the kernel's
	# GPIO simulator (gpio-sim.ko, built by fixtures/gpio-sim/build.sh
	# for the guest's kernel), made through configfs by the check.
	sim=$HILT_GUEST_DIR-gpio-sim
	if [ ! -s "$sim/gpio-sim.ko" ]; then
		if [ -s "$sim/unavailable" ]; then
			echo "SKIP: gpio-sim.ko could not be built for the guest: $(cat "$sim/unavailable")"
			exit 77
		fi
		[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no gpio-sim.ko in $sim (its build failed?)"
		echo "SKIP: no gpio-sim.ko in $sim and this build does not make one"
		exit 77
	fi
	[ -x "${GPIO_CHECK:-}" ] || fail "no gpio-check program (GPIO_CHECK)"
	mkdir -p "$WORK/extra/bin" "$WORK/extra/lib/gpio-sim"
	cp "$GPIO_CHECK" "$WORK/extra/bin/gpio-check"
	cp "$sim/configfs.ko" "$sim/gpio-sim.ko" "$WORK/extra/lib/gpio-sim/"
	guest_initrd gpio
	cat >"$WORK/farm.xml" <<XML
<farm><target name="gpio" kind="qemu">
  <kernel>$HILT_GUEST_DIR/vmlinuz</kernel>
  <initrd>$WORK/initrd-gpio.img</initrd>
</target></farm>
XML
	# The reply each step waits for is not in the command it types, so
	# the echo cannot satisfy it.
	cat >"$WORK/gpio.xml" <<'XML'
<suite name="guest-gpio" timeout="240">
  <shell prompt="/ # "/>
  <milestone name="shell" timeout="120">/ # </milestone>
  <step name="load-gpio-sim" timeout="30">
    <send>insmod /lib/gpio-sim/configfs.ko &amp;&amp; insmod /lib/gpio-sim/gpio-sim.ko &amp;&amp; mount -t configfs none /sys/kernel/config &amp;&amp; echo "gpio-sim-$(cat /sys/module/gpio_sim/initstate)"</send>
    <expect>gpio-sim-live</expect>
  </step>
  <step name="gpio-check" timeout="90">
    <send>gpio-check</send>
    <expect>gpio-check: PASS (?'checks'\d+)</expect>
  </step>
  <failure-patterns>
    <pattern name="check-failed">gpio-check: FAIL \S+</pattern>
  </failure-patterns>
</suite>
XML
	guest_check gpio-check gpio "$WORK/gpio.xml" 36
	# Every wait of the sequences was measured on the chip.
	[ "$(grep -ac "ms wait measured" "$OUT"/*.console.log)" -eq 5 ] ||
		fail "not every wait of the sequences was measured"
	# The inputs were read at both pulls (a power sense line).
	[ "$(grep -Eac "gpio-check: ok input-pull-(up|down)" "$OUT"/*.console.log)" -eq 2 ] ||
		fail "the input lines were not read at both pulls"
	;;
*)
	fail "unknown case $1"
	;;
esac
echo "e2e $1: all checks passed"
