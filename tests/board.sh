#!/usr/bin/env bash
# Board targets end to end against the board simulator (fixtures/boardsim):
# usage: board.sh boot|disconnect|panic|lock-wait|lock-busy|missing|flash-hang|tty|gpio|
#        reenumerate|reenumerate-gone|telnet|power|flash-refused|images|pace|shared-boot|
#        reserve-cli|reserve-expiry|reserve-pool|pdudaemon|pdudaemon-faults|power-check|
#        power-check-gpio
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
SUITE=tests/data/board-boot.xml

SOCAT_PID=
stop_sim() {
	[ -z "$SOCAT_PID" ] || kill "$SOCAT_PID" 2>/dev/null
	[ -z "${PDUD_PID:-}" ] || { kill "$PDUD_PID" 2>/dev/null; wait "$PDUD_PID" 2>/dev/null; }
	[ -z "${SIM_PID:-}" ] || { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }
	end_sessions
}
trap stop_sim EXIT

# pty_farm LINK [CONSOLE_ATTRS]: board 'usb1' on a pty console, and board
# 'net1' on the same simulator over TCP.
pty_farm() {
	cat >"$WORK/farm.xml" <<XML
<farm>
  <target name="usb1" kind="board">
    <console type="tty" path="$1" baud="115200" $2/>
    <var name="control">$WORK/ctl</var>
    <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
    <lock dir="$WORK"/>
  </target>
  <target name="net1" kind="board">
    <console type="tcp" port="$PORT"/>
    <var name="control">$WORK/ctl</var>
    <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
    <lock dir="$WORK"/>
  </target>
</farm>
XML
}

# board_xml NAME LOCK_WAIT [EXTRA...]: the <target> of a board of the pool
# board=sim on the simulator's TCP console.
board_xml() {
	local name=$1 wait=$2
	shift 2
	cat <<XML
  <target name="$name" kind="board" tags="board=sim">
    <console type="tcp" host="127.0.0.1" port="$PORT"/>
    <var name="control">$WORK/ctl</var>
    <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
    <lock dir="$WORK" wait="$wait"/>
    $*
  </target>
XML
}

# farm [LOCK_WAIT] [EXTRA...]: one board on the simulator's TCP console.
farm() {
	local wait=${1:-30}
	shift
	{ echo "<farm>"; board_xml sim1 "$wait" "$@"; echo "</farm>"; } >"$WORK/farm.xml"
}

# run_board WANT WHAT ARGS...: hilt run ARGS on the farm in a session of its
# own; judges the run, and no command hilt started (reset, flash, power)
# may outlive it.  These cases judge one session on a board as it ends:
# no retry (tests/sched.sh tests those).
run_board() {
	local want=$1 what=$2 rc
	shift 2
	in_session hilt "$HILT" run --retries 0 --farm "$WORK/farm.xml" --out "$OUT" "$@" \
		>"$WORK/stdout"
	rc=$?
	judge_run "$want" "$rc" "$what"
	no_leftover hilt "a command hilt started"
}

# run_ctl_after_banner WANT WHAT CMD SUITE...: hilt runs the suites; once the
# first banner has passed, the simulator is told CMD (disconnect, panic).
run_ctl_after_banner() {
	local want=$1 what=$2 cmd=$3 waiter rc
	shift 3
	in_session hilt "$HILT" run --retries 0 --farm "$WORK/farm.xml" --out "$OUT" "$@" \
		>"$WORK/stdout" 2>&1 &
	waiter=$!
	await '^PASS .*kernel-banner' "$WORK/stdout"
	python3 "$SIM" ctl "$WORK/ctl" "$cmd" || fail "ctl $cmd"
	wait $waiter
	rc=$?
	judge_run "$want" "$rc" "$what"
	no_leftover hilt "a command hilt started"
}

# start_pdud: pdudaemon (Debian's), on a free loopback port, with a PDU
# 'lab' whose local-command driver records each request in
# $WORK/pdu.log ("PORT on", "PORT off") and, on "on", tells the board
# simulator to boot.  Sets PDUD_URL and PDUD_PID.
start_pdud() {
	command -v pdudaemon >/dev/null || [ -x /usr/sbin/pdudaemon ] ||
		fail "pdudaemon is not installed (./setup.sh installs it)"
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$WORK/pdud.json" <<JSON
{"daemon": {"hostname": "127.0.0.1", "port": $port, "logging_level": "DEBUG", "listener": "http"},
 "pdus": {"lab": {"driver": "localcmdline",
                  "cmd_on": "echo '%s on' >>$WORK/pdu.log; python3 $SIM ctl $WORK/ctl reset",
                  "cmd_off": "echo '%s off' >>$WORK/pdu.log"}}}
JSON
	/usr/sbin/pdudaemon --conf "$WORK/pdud.json" --listener http --loglevel DEBUG \
		--logfile "$WORK/pdud.log" &
	PDUD_PID=$!
	PDUD_URL=http://127.0.0.1:$port
	poll_until 20 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
		fail "pdudaemon did not listen on $PDUD_URL"
}

# pdu_farm PDU [TIMEOUT]: one board powered, and reset, through pdudaemon.
pdu_farm() {
	cat >"$WORK/farm.xml" <<XML
<farm>
  <target name="sim1" kind="board">
    <console type="tcp" host="127.0.0.1" port="$PORT"/>
    <power pdudaemon="$PDUD_URL" pdu="$1" port="3" reset="true" delay="1" timeout="${2:-10}"/>
    <lock dir="$WORK" wait="0"/>
  </target>
  ${3:-}
</farm>
XML
}

case "$1" in
boot)
	# Milestones, shell steps, and two suites in a row with a reset each:
	# the simulator sends a stale boot (9.9.9-stale) on every connection,
	# which must never satisfy a milestone.
	start_sim
	farm
	cp $SUITE "$WORK/second.xml"
	sed -i 's/name="board-boot"/name="board-boot-2"/' "$WORK/second.xml"
	run_board 0 "boot on the simulator" $SUITE "$WORK/second.xml"
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 10 ] || fail "not 10 PASS lines"
	[ "$(grep -c 'name="capture.kernel_version" value="6.1.0-56-amd64"' "$OUT/junit.xml")" -eq 2 ] ||
		fail "a stale banner was matched"
	assert_no_grep '9.9.9-stale' "$OUT/junit.xml"
	grep -q 'name="board.stale_bytes_drained" value="[1-9][0-9]*"' "$OUT/junit.xml" ||
		fail "nothing stale was drained"
	assert_grep 'name="board.reset" value="exit code 0"' "$OUT/junit.xml"
	;;
disconnect)
	# The console drops mid-boot: an infrastructure error, and the next
	# session (which connects afresh) still runs and passes.
	start_sim
	farm
	sed 's/name="board-boot"/name="board-boot-2"/' $SUITE >"$WORK/second.xml"
	run_ctl_after_banner 3 "console lost mid-boot" disconnect $SUITE "$WORK/second.xml"
	grep -q '^ERROR .*: the console 127.0.0.1:[0-9]* of board .sim1. closed' "$WORK/stdout" ||
		fail "the lost console is not an infrastructure error"
	assert_no_grep '<failure' "$OUT/junit.xml"
	[ "$(grep -c '^PASS .*board-boot-2@sim1 ' "$WORK/stdout")" -eq 5 ] || fail "the next session did not pass"
	;;
panic)
	start_sim
	farm
	run_ctl_after_banner 1 "board panics" panic $SUITE
	assert_grep "failure pattern 'kernel-panic' matched" "$OUT/junit.xml"
	;;
lock-wait|lock-busy)
	# Two hilt processes on one board: the second waits for it (or, with
	# wait="0", reports it busy); they never share it.
	start_sim
	if [ "$1" = lock-wait ]; then farm 60; else farm 0; fi
	# The first hilt's exit status and the time it had exited (by then it
	# had released the board) are written as soon as it exits.
	{
		in_session hilt1 "$HILT" run --farm "$WORK/farm.xml" --out "$WORK/out1" $SUITE \
			>"$WORK/stdout1" 2>&1
		echo $? >"$WORK/rc1"
		date +%s.%N >"$WORK/end1"
	} &
	waiter1=$!
	first=$(session_pid hilt1) || exit 1
	await 'PASS .*kernel-banner' "$WORK/stdout1"
	start2=$(date +%s.%N)
	in_session hilt2 "$HILT" run --farm "$WORK/farm.xml" --out "$WORK/out2" $SUITE >"$WORK/stdout2" 2>&1
	rc2=$?
	wait $waiter1
	rc1=$(cat "$WORK/rc1")
	cat "$WORK/stdout1" "$WORK/stdout2"
	expect_exit 0 "$rc1" "the first process"
	validate "$WORK/out1/junit.xml"
	validate "$WORK/out2/junit.xml"
	no_leftover hilt1 "a command the first hilt started"
	no_leftover hilt2 "a command the second hilt started"
	log2="$WORK/out2/board-boot@sim1.console.log"
	if [ "$1" = lock-wait ]; then
		expect_exit 0 $rc2 "the second process, after waiting"
		[ "$(grep -c '^PASS ' "$WORK/stdout2")" -eq 5 ] || fail "the second did not pass"
		# Its console began only after the first had finished with the
		# board: its first byte came at its power-on (its wall-clock
		# start, session.began, plus the time its start took, lock wait
		# included) plus that byte's time in its timing file, which must
		# be after the first hilt had exited.
		first_byte=$(arrival "$log2" '(?s).') || exit 1
		end1=$(cat "$WORK/end1")
		began2=$(property session.began "$WORK/out2/junit.xml")
		start_time2=$(property session.start_time "$WORK/out2/junit.xml")
		gap=$(awk -v b="$began2" -v s="$start_time2" -v t="$first_byte" -v e="$end1" \
			'BEGIN { printf "%.3f\n", b + s + t - e }')
		echo "the second session (started $(awk -v b="$began2" -v s="$start2" 'BEGIN { printf "%.3f", b - s }') s after start2) waited $start_time2 s for the board; its console began $gap s after the first hilt exited"
		holds "g > 0" g="$gap" || fail "the second session's console began $gap s after the first hilt exited: it did not wait"
	else
		expect_exit 3 $rc2 "the second process, board busy"
		grep -q "^ERROR .*board 'sim1' is busy: another session holds $WORK/hilt-board-sim1.lock, pid $first" "$WORK/stdout2" ||
			fail "no busy error naming the lock and its holder"
		assert_no_grep '<failure' "$WORK/out2/junit.xml"
		[ ! -s "$log2" ] || fail "the second session read the console of a board it did not hold"
	fi
	;;
missing)
	# No board behind the console: infrastructure errors naming the device.
	PORT=1
	farm 0
	run_board 3 "console port refused" $SUITE
	assert_grep '<error message="target .sim1. did not start: console 127.0.0.1:1 of board .sim1.: Connection refused"' "$OUT/junit.xml"
	cat >"$WORK/farm.xml" <<XML
<farm><target name="tty1" kind="board"><console type="tty" path="$WORK/no-such-tty" baud="115200"/><lock dir="$WORK"/></target></farm>
XML
	sed -i "s|<lock|<flash><arg>touch</arg><arg>$WORK/flashed</arg></flash><lock|" "$WORK/farm.xml"
	run_board 3 "missing serial device" $SUITE
	assert_grep "<error message=\"target .tty1. did not start: console $WORK/no-such-tty of board .tty1.: No such file or directory\"" "$OUT/junit.xml"
	[ ! -e "$WORK/flashed" ] || fail "flashed a board whose console is missing"
	assert_no_grep '<failure' "$OUT/junit.xml"
	# libserialport cannot drive a pseudo-terminal: the error says what to use.
	start_sim
	start_pty "$WORK/pty"
	cat >"$WORK/farm.xml" <<XML
<farm><target name="ser1" kind="board"><console type="serial" path="$WORK/pty" baud="115200"/><lock dir="$WORK"/></target></farm>
XML
	run_board 3 "serial type on a pty" $SUITE
	assert_grep "did not start: console $WORK/pty of board .ser1.: is a pseudo-terminal, which libserialport cannot drive: use type=.quot;tty.quot; for it" "$OUT/junit.xml"
	;;
flash-hang)
	# A flasher that hangs is killed at its deadline, before anything runs
	# (and run_board finds no process of it left).
	start_sim
	farm 30 '<flash timeout="1"><arg>sleep</arg><arg>30</arg></flash>'
	run_board 3 "hanging flash command" $SUITE
	assert_grep '<error message="target .sim1. did not start: flash command sleep did not finish within 1 s and was killed"' "$OUT/junit.xml"
	# The session began with the flash command: its first case ended when
	# the command's 1 s were over, not when the command would have (30 s).
	took=$(case_time kernel-banner "$OUT/junit.xml")
	holds "t >= 1 && t < 2" t="$took" || fail "the session ended $took s after the 1 s flash command began"
	;;
reenumerate)
	# The USB adapter vanishes after the banner and comes back at the same
	# path 0.3 s later: the console is reopened, the boot goes on, and the
	# gap is reported with what it lost.
	start_sim 1.0 --booted
	by_id=$WORK/by-id/usb-FTDI_FT232R_sim-if00-port0
	mkdir -p "$WORK/by-id"
	start_pty "$by_id"
	pty_farm "$by_id" 'reappear="5"'
	in_session hilt "$HILT" run --farm "$WORK/farm.xml" --target usb1 --out "$OUT" $SUITE \
		>"$WORK/stdout" 2>&1 &
	waiter=$!
	await '^PASS .*kernel-banner' "$WORK/stdout"
	kill "$SOCAT_PID"; wait "$SOCAT_PID" 2>/dev/null
	sleep 0.3
	start_pty "$by_id"
	wait $waiter
	rc=$?
	judge_run 0 $rc "console reopened after re-enumeration"
	no_leftover hilt "a command hilt started"
	grep -q 'name="console.gap.1" value="the console [^"]*by-id/usb-FTDI_FT232R_sim-if00-port0 was gone from [0-9.]* s to [0-9.]* s after reset; what the board printed then is lost"' "$OUT/junit.xml" ||
		fail "the gap is not reported"
	assert_grep 'name="board.console.reopened" value="1"' "$OUT/junit.xml"
	# The simulator sent its boot (the fixture up to its first prompt, as
	# boardsim.py cuts it) and then the replies: the log holds the boot with
	# one stretch missing, the gap, and then the replies.
	PYTHONDONTWRITEBYTECODE=1 python3 - "$SIM" "$SRC/fixtures/logs/linux-boot-x86.log" \
		"$OUT/board-boot@usb1.console.log" <<'PY' || fail "the console log is not the boot with a gap"
import os, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import boardsim
chunks, _ = boardsim.load_boot(sys.argv[2], 1.0)
boot = b"".join(c for _, c in chunks)
log = open(sys.argv[3], "rb").read()
got = log[:log.find(b"/ # ") + 4]    # the boot's one prompt ends it
head = 0
while head < len(got) and got[head] == boot[head]:
    head += 1
lost = len(boot) - len(got)
print("console log: %d bytes of the %d-byte boot, %d lost after the first %d"
      % (len(got), len(boot), lost, head))
assert got.endswith(b"/ # "), "no prompt"
assert lost > 0, "nothing was lost in the gap"
assert got == boot[:head] + boot[len(boot) - (len(got) - head):], "not the boot less one stretch"
assert log[len(got):].startswith(b"uname -r\r\n"), "the replies do not follow the boot"
PY
	;;
reenumerate-gone)
	# The adapter never comes back: an infrastructure error at the
	# deadline, and the next board's session runs as usual.
	start_sim 1.0 --booted
	by_id=$WORK/by-id/usb-FTDI_FT232R_sim-if00-port0
	mkdir -p "$WORK/by-id"
	start_pty "$by_id"
	pty_farm "$by_id" 'reappear="2"'
	in_session hilt "$HILT" run --farm "$WORK/farm.xml" --target usb1 --target net1 --out "$OUT" $SUITE \
		>"$WORK/stdout" 2>&1 &
	waiter=$!
	await '^PASS .*kernel-banner' "$WORK/stdout"
	kill "$SOCAT_PID"; wait "$SOCAT_PID" 2>/dev/null
	SOCAT_PID=
	wait $waiter
	rc=$?
	judge_run 3 $rc "console gone for good"
	no_leftover hilt "a command hilt started"
	grep -q "^ERROR .*usb1.*the console $by_id of board 'usb1' went away at [0-9.]* s after reset and did not come back within 2 s: No such file or directory" "$WORK/stdout" ||
		fail "no infrastructure error naming the vanished console"
	assert_no_grep '<failure' "$OUT/junit.xml"
	[ "$(grep -c '^PASS .*@net1' "$WORK/stdout")" -eq 5 ] || fail "the other board's session did not pass"
	;;
telnet)
	# ser2net's telnet mode: options negotiated once each, commands never
	# reach the matcher, 0xFF data arrives whole.
	start_sim 0.1 --telnet
	farm
	sed -i 's/type="tcp"/type="telnet"/' "$WORK/farm.xml"
	cat >"$WORK/telnet.xml" <<'XML'
<suite name="telnet" timeout="60">
  <shell prompt="^/ # "/>
  <milestone name="kernel-banner" timeout="20">Linux version (?'kernel_version'\S+)</milestone>
  <milestone name="shell-prompt" timeout="20">^/ # </milestone>
  <step name="uname-r" timeout="10"><send>uname -r</send><expect>^${kernel_version}$</expect></step>
  <step name="options" timeout="10"><send>telnet-opts</send><expect>^opts: (?'opts'.*)$</expect></step>
  <step name="binary" timeout="10"><send>bytes</send><expect>^ff:\xff\xff:end$</expect></step>
</suite>
XML
	run_board 0 "board behind telnet" "$WORK/telnet.xml"
	opts=$(sed -n 's/.*name="capture.opts" value="\([^"]*\)".*/\1/p' "$OUT/junit.xml")
	echo "options the board received: $opts"
	# hilt offers binary and SGA, accepts the server's ECHO and SGA
	# without answering twice, and refuses terminal type.
	[ "$opts" = "WILL 0,DO 0,WILL 3,DO 3,DO 1,WONT 24" ] || fail "negotiation: '$opts'"
	python3 - "$OUT"/telnet@sim1.console.log <<'PY' || fail "telnet commands reached the console log"
import sys
log = open(sys.argv[1], "rb").read()
assert b"\xff\xf1" not in log and b"\xff\xfb" not in log, "telnet commands in the log"
assert b"ff:\xff\xff:end" in log, "0xFF data not delivered whole"
PY
	;;
power)
	# Power through commands (a relay, a PDU, uhubctl): off, then on once
	# the console is open (power-on is what boots the simulator here), and
	# off at the end.  HTTP probes reach the board at its <address>.
	start_sim
	rec=$WORK/power.log
	# The peer serves until its stdin closes: this shell holds it open.
	mkfifo "$WORK/http.in"
	python3 tests/http-peer.py <"$WORK/http.in" >"$WORK/http.port" &
	exec 7>"$WORK/http.in"
	poll_until 5 test -s "$WORK/http.port" || fail "the HTTP peer did not start"
	http_port=$(cat "$WORK/http.port")
	cat >"$WORK/farm.xml" <<XML
<farm><target name="pdu1" kind="board">
  <console type="tcp" port="$PORT"/>
  <var name="control">$WORK/ctl</var>
  <var name="record">$rec</var>
  <power-off timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo off &gt;&gt; "\$0"</arg><arg>{record}</arg></power-off>
  <power-on timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo on &gt;&gt; "\$0" &amp;&amp; python3 "\$1" ctl "\$2" reset</arg><arg>{record}</arg><arg>$SIM</arg><arg>{control}</arg></power-on>
  <address>127.0.0.1</address>
  <lock dir="$WORK"/>
</target></farm>
XML
	sed "s|</suite>|<http name=\"hello\" port=\"$http_port\" path=\"/hello\" status=\"200\" timeout=\"5\"><body>Hello World</body></http></suite>|" \
		$SUITE >"$WORK/power.xml"
	run_board 0 "board powered by commands" "$WORK/power.xml"
	exec 7>&-
	[ "$(tr '\n' , <"$rec")" = "off,on,off," ] || fail "power order: $(tr '\n' , <"$rec")"
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 6 ] || fail "not 6 PASS lines"
	assert_grep "name=\"http.hello.status\" value=\"200\"" "$OUT/junit.xml"
	assert_no_grep '9.9.9-stale' "$OUT/junit.xml"
	;;
flash-refused)
	# A flasher that runs and says no: an infrastructure error by default,
	# a failure of the image when the suite says flash-failure="failure".
	start_sim
	farm 30 '<flash timeout="10"><arg>sh</arg><arg>-c</arg><arg>echo "A fatal error occurred: Invalid head of packet" &gt;&amp;2; exit 2</arg></flash>'
	run_board 3 "flash refused, default" $SUITE
	assert_grep '<error message="target .sim1. did not start: flash command sh failed: exit code 2"' "$OUT/junit.xml"
	sed 's/<suite name="board-boot"/<suite name="board-boot" flash-failure="failure"/' $SUITE >"$WORK/strict.xml"
	run_board 1 "flash refused, the suite's failure" "$WORK/strict.xml"
	assert_grep '<failure message="target .sim1. was not flashed: flash command sh failed: exit code 2" type="flash"' "$OUT/junit.xml"
	assert_grep 'Invalid head of packet' "$OUT/junit.xml"
	assert_no_grep '<error' "$OUT/junit.xml"
	;;
images)
	# The images a flash step lists are verified before the flasher runs:
	# sound ones are flashed ({images}: their offsets and paths, as
	# esptool takes them) and recorded in the JUnit; a flipped byte, an
	# image for another chip or one outside the partition table fail the
	# session as the image's fault, and the flasher never starts.
	ESP=$SRC/../shared/testdata/esp32s3-linux
	[ -r "$ESP/bootloader.bin" ] ||
		{ echo "SKIP: no ESP-IDF images in $ESP (../shared/testdata is absent)"; exit 77; }
	start_sim
	flasher='<arg>sh</arg><arg>-c</arg><arg>echo "$@" &gt;'"$WORK"'/flashed</arg><arg>sh</arg><arg>{images}</arg>'
	farm 30 '<flash timeout="10" chip="esp32s3">'"$flasher"'<image offset="0x0">'"$ESP"'/bootloader.bin</image><image offset="0x8000">'"$ESP"'/partition-table.bin</image></flash>'
	run_board 0 "sound images" $SUITE
	[ "$(cat "$WORK/flashed")" = "0x0 $ESP/bootloader.bin 0x8000 $ESP/partition-table.bin" ] ||
		fail "the flasher got: $(cat "$WORK/flashed")"
	assert_grep 'name="image.bootloader.bin.sha256" value="[0-9a-f]\{64\}"' "$OUT/junit.xml"
	assert_grep 'name="image.bootloader.bin.chip" value="esp32s3"' "$OUT/junit.xml"
	assert_grep 'name="image.partition-table.bin.kind" value="partition-table"' "$OUT/junit.xml"

	python3 - "$ESP/bootloader.bin" "$WORK/flipped.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[0x1000] ^= 0x04          # inside the first segment
open(sys.argv[2], "wb").write(b)
PY
	for bad in "flipped.bin:0x0:bad checksum" \
		"$ESP/firmware.bin:0x10000:built for esp32, and the board is esp32s3" \
		"$ESP/input_partitions.csv:0x9000:is not inside a partition of"; do
		img=${bad%%:*}
		[ "${img#/}" = "$img" ] && img=$WORK/$img
		rest=${bad#*:}
		rm -f "$WORK/flashed"
		farm 30 '<flash timeout="10" chip="esp32s3">'"$flasher"'<image offset="0x0">'"$ESP"'/bootloader.bin</image><image offset="0x8000">'"$ESP"'/partition-table.bin</image><image offset="'"${rest%%:*}"'">'"$img"'</image></flash>'
		run_board 1 "a bad image: ${rest#*:}" $SUITE
		assert_grep "<failure message=\"target .sim1. was not flashed: image .*${rest#*:}.*\" type=\"image\"" \
			"$OUT/junit.xml"
		[ ! -e "$WORK/flashed" ] || fail "the flasher ran with a bad image"
		assert_no_grep '<error' "$OUT/junit.xml"
	done
	;;
pace)
	# A UART with a 16-byte receive FIFO (--rx-fifo 16): a long command
	# typed at once overruns it and never arrives whole (its Enter is lost
	# with the rest); typed 16 bytes at a time, each chunk after the last
	# one's echo (pace="16"), it arrives whole and is answered.
	start_sim 0.1 --stale --rx-fifo 16
	farm
	long="the quick brown fox jumps over the lazy dog, 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	cat >"$WORK/pace.xml" <<XML
<suite name="pace" timeout="60">
  <shell prompt="^/ # "/>
  <milestone name="shell-prompt" timeout="20">^/ # </milestone>
  <step name="long" timeout="3"><send>echo $long</send><expect>^$long\r?\$</expect></step>
</suite>
XML
	run_board 1 "a long command, not paced" "$WORK/pace.xml"
	assert_grep "^FAIL  pace@sim1 long: step 'echo $long': the command was not echoed within 3 s" "$WORK/stdout"
	# What arrived is what the FIFO held: the start of the command.
	python3 - "$OUT/pace@sim1.console.log" "echo $long" <<'PY' || fail "the command was not cut short"
import sys
log, cmd = open(sys.argv[1], "rb").read(), sys.argv[2].encode()
echo = log[log.rindex(b"/ # ") + 4:]
print("echoed: %r" % echo)
assert echo == cmd[:16], echo
PY
	# Chunks larger than the FIFO overrun it too: the failure says which
	# chunk's echo never came.
	sed 's|<shell prompt="^/ # "/>|<shell prompt="^/ # " pace="32"/>|' "$WORK/pace.xml" >"$WORK/pace32.xml"
	run_board 1 "a long command, paced too coarsely" "$WORK/pace32.xml"
	assert_grep "^FAIL  pace@sim1 long: step 'echo $long': typed 32 of $((${#long} + 5)) bytes 32 at a time (pace=\"32\"); the echo of \"echo the quick brown fox jumps o\" did not come within 3 s" \
		"$WORK/stdout"
	sed -i 's|<shell prompt="^/ # "/>|<shell prompt="^/ # " pace="16"/>|' "$WORK/pace.xml"
	echo '  <step name="dropped" timeout="5"><send>rx-dropped</send><expect>^dropped (?'"'dropped'"'\d+)</expect></step>' >"$WORK/extra"
	sed -i "/<\/suite>/e cat $WORK/extra" "$WORK/pace.xml"
	run_board 0 "a long command, paced" "$WORK/pace.xml"
	assert_grep '^PASS  pace@sim1 long' "$WORK/stdout"
	# Nothing of the command paced for the FIFO was dropped: only what the
	# first runs lost.
	dropped=$(property capture.dropped "$OUT/junit.xml")
	[ "$dropped" -eq $((${#long} + 6 - 16 + 32 - 16)) ] ||
		fail "$dropped bytes dropped, not the $((${#long} + 6 - 16 + 32 - 16)) the runs that were not paced for the FIFO lost"
	;;
shared-boot)
	# Suites with start="shell" share one boot of the board, made by its
	# <boot> suite (a path relative to the farm's folder): one power-off
	# before it, one power-on, one flash, one reset, one power-off after
	# the group; the board's lock is held from the boot to the end of the
	# last suite.
	# A suite that fails leaves the board unfit, and the next suite runs
	# on a second boot that says why it happened.
	# The simulator records each boot it plays (--sent-log); the farm's
	# commands record what hilt did to the board.
	start_sim 0.1 --stale --sent-log "$WORK/sent.log"
	lock=$WORK/hilt-board-sim1.lock
	mkdir -p "$WORK/boot" "$WORK/suites"
	cp $SUITE "$WORK/boot/board-boot.xml"
	rec=$WORK/actions.log
	cat >"$WORK/farm.xml" <<XML
<farm>
  <target name="sim1" kind="board">
    <console type="tcp" host="127.0.0.1" port="$PORT"/>
    <boot suite="boot/board-boot.xml"/>
    <var name="control">$WORK/ctl</var>
    <var name="record">$rec</var>
    <power-off timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo off &gt;&gt; "\$0"</arg><arg>{record}</arg></power-off>
    <power-on timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo on &gt;&gt; "\$0"</arg><arg>{record}</arg></power-on>
    <flash timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo flash &gt;&gt; "\$0"</arg><arg>{record}</arg></flash>
    <reset timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo reset &gt;&gt; "\$0" &amp;&amp; python3 "\$1" ctl "\$2" reset</arg><arg>{record}</arg><arg>$SIM</arg><arg>{control}</arg></reset>
    <lock dir="$WORK" wait="0"/>
  </target>
</farm>
XML
	# shell_suite NAME STEP...: a suite that starts at the board's shell,
	# each STEP "SEND|EXPECT".
	shell_suite() {
		local name=$1 st
		shift
		{
			echo "<suite name=\"$name\" start=\"shell\" timeout=\"30\">"
			echo '  <shell prompt="^/ # "/>'
			for st in "$@"; do
				echo "  <step name=\"s$((++n))\" timeout=\"10\"><send>${st%%|*}</send><expect>${st#*|}</expect></step>"
			done
			echo '</suite>'
		} >"$WORK/suites/$name.xml"
	}
	n=0
	# ${kernel_version}: captured by the boot suite, used by the suites on it.
	shell_suite shell-1 'uname -r|^${kernel_version}$' 'echo one|^one$'
	# Two seconds at the shell: the second hilt below tries the board then.
	shell_suite shell-2 'echo two|^two$' 'sleep 2; echo slept|^slept$'
	shell_suite shell-3 'echo three|^three$' 'uname -r|^6\.1\.0-56-amd64$'
	shell_suite broken 'echo wrong|^right$'
	group="$WORK/suites/shell-1.xml $WORK/suites/shell-2.xml $WORK/suites/shell-3.xml"

	# boots: how many boots the simulator began (its sent log counts the
	# bytes of a boot from 0 again at each).
	boots() {
		awk 'NR == 1 || $2 <= last { n++ } { last = $2 } END { print n + 0 }' "$WORK/sent.log"
	}

	"$HILT" list --farm "$WORK/farm.xml" $group >"$WORK/list" || fail "hilt list"
	cat "$WORK/list"
	assert_grep "^group 1 on sim1: boot board-boot ($WORK/boot/board-boot.xml), then 3 suites on its shell; 1 boot planned$" \
		"$WORK/list"

	# The group, and while it runs: the lock's holder is polled from the
	# boot's banner until the last suite has passed, and a second hilt on
	# the same board, during shell-2, must find it busy.
	{
		in_session hilt1 "$HILT" run --retries 0 --farm "$WORK/farm.xml" --out "$OUT" $group \
			>"$WORK/stdout" 2>&1
		echo $? >"$WORK/rc1"
	} &
	waiter1=$!
	first=$(session_pid hilt1) || exit 1
	await '^PASS .*board-boot@sim1 kernel-banner' "$WORK/stdout"
	# Who holds the lock, as the kernel lists it (/proc/locks: looked at,
	# never taken, so the poll cannot get in hilt's way).
	inode=$(stat -c %i "$lock")
	# hilt writes its pid into the lock file each time it takes the lock:
	# written last by the boot, it was not let go and taken again.
	taken=$(stat -c %y "$lock")
	(
		polls=0
		while :; do
			polls=$((polls + 1))
			if ! awk -v pid="$first" -v ino="$inode" '$2 == "FLOCK" && $4 == "WRITE" &&
				$5 == pid && $6 ~ ":" ino "$" { found = 1 } END { exit !found }' /proc/locks; then
				# Let go: right once the last case has passed (it
				# is reported before the board is let go), so only
				# if its PASS is there after the look at the lock.
				grep -q '^PASS .*shell-3@sim1 s6' "$WORK/stdout" ||
					echo "the first hilt did not hold the lock at poll $polls, before shell-3 had passed" >"$WORK/lock-free"
				break
			fi
			[ -e "$WORK/rc1" ] && break
			sleep 0.01
		done
		echo $polls >"$WORK/polls"
	) &
	poller=$!
	await '^PASS .*shell-1@sim1 s2' "$WORK/stdout"
	in_session hilt2 "$HILT" run --retries 0 --farm "$WORK/farm.xml" --out "$WORK/out2" \
		"$WORK/suites/shell-3.xml" >"$WORK/stdout2" 2>&1
	rc2=$?
	cp "$WORK/stdout" "$WORK/stdout-at-hilt2"
	wait $waiter1
	wait $poller
	cat "$WORK/stdout2"
	judge_run 0 "$(cat "$WORK/rc1")" "three suites on one shared boot"
	no_leftover hilt1 "a command the first hilt started"
	no_leftover hilt2 "a command the second hilt started"

	# One boot for the group: as the board saw it and as hilt did it.
	[ "$(boots)" -eq 1 ] || fail "the simulator booted $(boots) times, not once"
	[ "$(tr '\n' , <"$rec")" = "off,on,flash,reset,off," ] ||
		fail "the board's commands: $(tr '\n' , <"$rec") (not off,on,flash,reset,off)"
	# Every suite passed: the boot's 5 cases and the suites' 6.
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 11 ] || fail "not 11 PASS lines"
	assert_no_grep '<failure' "$OUT/junit.xml"
	[ "$(grep -c '<testsuite ' "$OUT/junit.xml")" -eq 4 ] || fail "not 4 sessions in the JUnit"
	# Each suite names the one boot; the boot itself names none.
	[ "$(grep -c '<property name="session.boot" value="board-boot@sim1"/>' "$OUT/junit.xml")" -eq 3 ] ||
		fail "not 3 suites on boot board-boot@sim1"
	[ "$(grep -c '<property name="session.boot" ' "$OUT/junit.xml")" -eq 3 ] ||
		fail "a session.boot other than board-boot@sim1"
	assert_grep '<property name="console.log" value="board-boot@sim1.console.log"/>' "$OUT/junit.xml"
	assert_no_grep 'session.boot.reason' "$OUT/junit.xml"
	# Before each suite, its shell check: the Nth marker of the boot
	# echoed back (the quotes typed keep the echo of the line from
	# passing for it).
	for k in 1 2 3; do
		grep -q "^hilt-ready-$k.\$" "$OUT/shell-$k@sim1.console.log" ||
			fail "no marker hilt-ready-$k in the console log of shell-$k"
	done
	[ "$(grep -c 'name="session.shell_check" value="[0-9.]*"' "$OUT/junit.xml")" -eq 3 ] ||
		fail "not 3 shell checks in the JUnit"
	# The lock, throughout.
	[ ! -e "$WORK/lock-free" ] || fail "$(cat "$WORK/lock-free")"
	polls=$(cat "$WORK/polls")
	echo "the lock was held at each of $polls polls"
	[ "$polls" -ge 50 ] || fail "only $polls polls of the lock: the group was not watched"
	[ "$(stat -c %y "$lock")" = "$taken" ] ||
		fail "the lock was taken again at $(stat -c %y "$lock") (the boot took it at $taken)"
	expect_exit 3 "$rc2" "the second hilt, board busy"
	grep -q "^ERROR .*board 'sim1' is busy: another session holds $lock, pid $first" "$WORK/stdout2" ||
		fail "the second hilt did not find the board held by the first"
	# ...while the group ran: shell-2 had not ended when it was told so.
	! grep -q '^PASS .*shell-2@sim1 s4' "$WORK/stdout-at-hilt2" ||
		fail "the second hilt ended after shell-2 had: it did not try the board during the group"
	assert_no_grep '^PASS ' "$WORK/stdout2"

	# A suite that fails in the middle: the next runs on a second boot,
	# whose JUnit says why it came.  The board stays the group's between
	# the two boots: another user waiting for its lock from the failure on
	# gets it only once the group is done (the pid in the lock file is
	# the boot's: the lock was not let go and taken again).
	: >"$rec"
	: >"$WORK/sent.log"
	rm -rf "$OUT"
	in_session hilt "$HILT" run --retries 0 --farm "$WORK/farm.xml" --out "$OUT" \
		"$WORK/suites/shell-1.xml" "$WORK/suites/broken.xml" "$WORK/suites/shell-3.xml" \
		>"$WORK/stdout" 2>&1 &
	waiter1=$!
	await '^PASS .*board-boot@sim1 kernel-banner' "$WORK/stdout"
	taken=$(stat -c %y "$lock")
	await '^FAIL  broken@sim1 s7' "$WORK/stdout"
	flock -w 60 "$lock" sh -c 'tr "\n" , <"$0" >"$1"' "$rec" "$WORK/rec-at-other" &
	other=$!
	wait $waiter1
	judge_run 1 $? "a failing suite among shared ones"
	no_leftover hilt "a command hilt started"
	wait $other || fail "the other user never got the board's lock"
	[ "$(cat "$WORK/rec-at-other")" = "off,on,flash,reset,off,off,on,flash,reset,off," ] ||
		fail "another user got the board between the group's boots (its commands then: $(cat "$WORK/rec-at-other"))"
	[ "$(stat -c %y "$lock")" = "$taken" ] || fail "the lock was let go and taken again at the reboot"
	[ "$(boots)" -eq 2 ] || fail "the simulator booted $(boots) times, not twice"
	[ "$(tr '\n' , <"$rec")" = "off,on,flash,reset,off,off,on,flash,reset,off," ] ||
		fail "the board's commands: $(tr '\n' , <"$rec")"
	assert_grep '^FAIL  broken@sim1 s7' "$WORK/stdout"
	assert_grep '^PASS  shell-3@sim1 s6' "$WORK/stdout"
	[ "$(grep -c '^FAIL ' "$WORK/stdout")" -eq 1 ] || fail "not one FAIL line"
	# The boots are two sessions of their own; each suite names the one it
	# ran on, and the second boot says why it came.
	python3 - "$OUT/junit.xml" <<'PY' || fail "the JUnit does not show the two boots"
import sys
import xml.etree.ElementTree as ET
sessions = []
for ts in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    p = {e.get("name"): e.get("value") for e in ts.iter("property")}
    stem = p["console.log"][:-len(".console.log")]
    sessions.append((stem, p.get("session.boot"), p.get("session.boot.reason")))
    print("%-22s session.boot=%s session.boot.reason=%s" % sessions[-1])
boots = [s for s in sessions if s[0].startswith("board-boot@")]
assert [s[0] for s in boots] == ["board-boot@sim1", "board-boot@sim1-2"], "not two boot sessions"
assert all(s[1] is None for s in boots), "a boot names a boot"
on = {s[0]: s[1] for s in sessions if s not in boots}
assert on == {"shell-1@sim1": "board-boot@sim1", "broken@sim1": "board-boot@sim1",
              "shell-3@sim1": "board-boot@sim1-2"}, "suites on the wrong boots: %r" % on
assert boots[0][2] is None, "the first boot has a reason"
assert (boots[1][2] or "").startswith("reboot: suite 'broken' failed in case 's7'"), \
    "the second boot's reason: %r" % boots[1][2]
PY
	;;
tty)
	# A console forwarded onto a pseudo-terminal (socat), set up with termios.
	start_sim
	start_pty "$WORK/tty"
	cat >"$WORK/farm.xml" <<XML
<farm><target name="pty1" kind="board">
  <console type="tty" path="$WORK/tty" baud="115200"/>
  <var name="control">$WORK/ctl</var>
  <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
  <lock dir="$WORK"/>
</target></farm>
XML
	run_board 0 "board on a pty" $SUITE
	assert_grep 'name="capture.kernel_version" value="6.1.0-56-amd64"' "$OUT/junit.xml"
	;;
gpio)
	# EN and GPIO0 on a recording GPIO chip: download mode around the
	# flash command, then a reset pulse (with the console drained while
	# EN is held), then the boot.
	start_sim
	farm 30 '<var name="record">'"$WORK/gpio.log"'</var>
    <gpio chip="fake:'"$WORK/gpio.log"'">
      <line name="en" offset="17" active-low="true"/>
      <line name="boot" offset="27" active-low="true"/>
    </gpio>
    <download-sequence>
      <set line="boot" value="1"/><set line="en" value="1"/><wait ms="100"/>
      <set line="en" value="0"/><wait ms="50"/><set line="boot" value="0"/>
    </download-sequence>
    <reset-sequence><set line="en" value="1"/><wait ms="50"/><drain/><set line="en" value="0"/></reset-sequence>
    <flash timeout="10"><arg>sh</arg><arg>-c</arg><arg>echo "0 flash {port}" &gt;&gt; "$0"</arg><arg>{record}</arg></flash>'
	run_board 0 "board with GPIO lines and a flash step" $SUITE
	cut -d' ' -f2- "$WORK/gpio.log" | tr '\n' ',' >"$WORK/order"
	cat "$WORK/order"; echo
	grep -qx "en 1,boot 1,boot 0,en 0,en 1,boot 1,flash 127.0.0.1:$PORT,en 0,en 1," "$WORK/order" ||
		fail "GPIO lines and flash out of order"
	assert_grep 'name="board.flash" value="exit code 0"' "$OUT/junit.xml"
	assert_grep 'name="capture.kernel_version" value="6.1.0-56-amd64"' "$OUT/junit.xml"
	;;
reserve-cli)
	# hilt reserve: a lease beside the board's lock; --list, --release,
	# a second reservation refused naming the first, your own moved on.
	start_sim
	farm 30
	"$HILT" reserve --farm "$WORK/farm.xml" --list >"$WORK/list" || fail "reserve --list"
	cat "$WORK/list"
	[ "$(cat "$WORK/list")" = "sim1: free" ] || fail "sim1 not free"
	"$HILT" reserve --farm "$WORK/farm.xml" sim1 --for 2h --why "bring-up of rev B" >"$WORK/r1" ||
		fail "reserve sim1"
	cat "$WORK/r1"
	id=$(sed -n 's/.*(id \([0-9a-f]*\))$/\1/p' "$WORK/r1")
	[ ${#id} -eq 16 ] || fail "no id in: $(cat "$WORK/r1")"
	assert_grep "^hilt: reserved 'sim1' until .* UTC (id $id)$" "$WORK/r1"
	assert_grep "HILT_RESERVATION=$id" "$WORK/r1"
	grep -q "^until=$(( $(date +%s) + 7200 ))\$\|^until=$(( $(date +%s) + 7199 ))\$" \
		"$WORK/hilt-board-sim1.lease" || fail "the lease does not end in 2 h: $(cat "$WORK/hilt-board-sim1.lease")"
	"$HILT" reserve --farm "$WORK/farm.xml" --list >"$WORK/list"
	cat "$WORK/list"
	assert_grep "^sim1: reserved by $(id -un)@$(hostname), pid $$, since .* UTC, until .* UTC: bring-up of rev B$" "$WORK/list"
	# Another reservation is refused, naming the holder.
	"$HILT" reserve --farm "$WORK/farm.xml" sim1 --for 10m --why other >"$WORK/r2" 2>&1
	expect_exit 3 $? "a second reservation"
	cat "$WORK/r2"
	assert_grep "^hilt reserve: 'sim1' is reserved already, by .*: bring-up of rev B$" "$WORK/r2"
	# Your own (HILT_RESERVATION) is moved to its new end.
	HILT_RESERVATION=$id "$HILT" reserve --farm "$WORK/farm.xml" sim1 --for 30m --why "rev B, shorter" \
		>"$WORK/r3" || fail "moving one's own reservation"
	assert_grep "(id $id)$" "$WORK/r3"
	assert_grep "^why=rev B, shorter$" "$WORK/hilt-board-sim1.lease"
	# Usage errors.
	"$HILT" reserve --farm "$WORK/farm.xml" sim1 --why x >"$WORK/e" 2>&1
	expect_exit 2 $? "no --for"
	assert_grep "^hilt reserve: --for DURATION is needed$" "$WORK/e"
	"$HILT" reserve --farm "$WORK/farm.xml" sim1 --for 5x --why x >"$WORK/e" 2>&1
	expect_exit 2 $? "--for 5x"
	assert_grep "^hilt reserve: --for 5x: not a duration" "$WORK/e"
	"$HILT" reserve --farm "$WORK/farm.xml" sim1 --for 5m >"$WORK/e" 2>&1
	expect_exit 2 $? "no --why"
	"$HILT" reserve --farm "$WORK/farm.xml" nope --for 5m --why x >"$WORK/e" 2>&1
	expect_exit 2 $? "an unknown target"
	assert_grep "^hilt reserve: no target named 'nope' in $WORK/farm.xml$" "$WORK/e"
	"$HILT" reserve --target-less >"$WORK/e" 2>&1
	expect_exit 2 $? "an unknown option"
	# The lease ends early with --release.
	"$HILT" reserve --farm "$WORK/farm.xml" --release sim1 >"$WORK/rel" || fail "--release"
	assert_grep "^hilt: the reservation of 'sim1' has ended" "$WORK/rel"
	[ "$("$HILT" reserve --farm "$WORK/farm.xml" --list)" = "sim1: free" ] || fail "not free after --release"
	# A session shows in the list as it runs.
	in_session hilt "$HILT" run --retries 0 --farm "$WORK/farm.xml" --out "$OUT" $SUITE >"$WORK/stdout" 2>&1 &
	waiter=$!
	await '^PASS .*kernel-banner' "$WORK/stdout"
	"$HILT" reserve --farm "$WORK/farm.xml" --list >"$WORK/list"
	wait $waiter || fail "the run failed"
	cat "$WORK/list"
	grep -q "^sim1: in use by $(id -un)@$(hostname), pid $(session_pid hilt), since .* UTC: hilt run --retries 0 --farm $WORK/farm.xml" \
		"$WORK/list" || fail "the session is not in the list"
	;;
reserve-expiry)
	# A reservation whose holder (a session run with its id) is
	# SIGKILLed: the board stays reserved until the lease's end, and a
	# scheduled run waits for it (the lock wait is longer) and starts
	# only then.  The same for a lease on a board whose lock file
	# survived a reboot (its holder's pid gone, no flock held).
	start_sim
	farm 30
	"$HILT" reserve --farm "$WORK/farm.xml" sim1 --for 6 --why "holder to be killed" >"$WORK/r1" ||
		fail "reserve"
	id=$(sed -n 's/.*(id \([0-9a-f]*\))$/\1/p' "$WORK/r1")
	until1=$(sed -n 's/^until=//p' "$WORK/hilt-board-sim1.lease")
	HILT_RESERVATION=$id in_session holder "$HILT" run --retries 0 --farm "$WORK/farm.xml" \
		--out "$WORK/out-holder" $SUITE >"$WORK/holder" 2>&1 &
	await '^PASS .*kernel-banner' "$WORK/holder"
	kill -KILL "$(session_pid holder)"
	end_sessions
	in_session hilt "$HILT" run --retries 0 --farm "$WORK/farm.xml" --out "$OUT" $SUITE \
		>"$WORK/stdout" 2>&1
	judge_run 0 $? "a run after the killed holder's reservation"
	began=$(property session.began "$OUT/junit.xml")
	waited=$(property session.wait_time "$OUT/junit.xml")
	echo "lease until $until1, session began $began, waited $waited s"
	holds 'b + w >= u' b="$began" w="$waited" u="$until1" ||
		fail "the board was taken before the reservation ended"
	holds 'w >= 1' w="$waited" || fail "the run did not wait for the reservation"

	# A reboot: the lock file keeps a holder whose pid is gone, nobody
	# holds its flock, and the lease is still in force for 3 s.
	printf 'pid=999999\nuser=ghost\nhost=before-reboot\nsince=1\nuntil=0\nwhy=x\nid=\n' \
		>"$WORK/hilt-board-sim1.lock"
	until2=$(( $(date +%s) + 3 ))
	printf 'pid=999999\nuser=ghost\nhost=before-reboot\nsince=1\nuntil=%s\nwhy=kept over a reboot\nid=abc\n' \
		"$until2" >"$WORK/hilt-board-sim1.lease"
	"$HILT" reserve --farm "$WORK/farm.xml" --list >"$WORK/list"
	cat "$WORK/list"
	[ "$(cat "$WORK/list")" = "sim1: reserved by ghost@before-reboot, pid 999999, since 1970-01-01 00:00:01 UTC, until $(date -u -d @"$until2" '+%Y-%m-%d %H:%M:%S') UTC: kept over a reboot" ] ||
		fail "not the lease alone (a lock file nobody holds is no session)"
	rm -rf "$OUT"
	run_board 0 "a run after a reservation kept over a reboot" $SUITE
	began=$(property session.began "$OUT/junit.xml")
	waited=$(property session.wait_time "$OUT/junit.xml")
	echo "lease until $until2, session began $began, waited $waited s"
	holds 'b + w >= u' b="$began" w="$waited" u="$until2" ||
		fail "the board was taken before the reservation ended"
	;;
reserve-pool)
	# A pool of two boards, one reserved for an hour: a scheduled run takes
	# the other at once.  Named alone (--target), the reserved one is an
	# infrastructure error naming the holder once its lock wait is shorter
	# than the reservation.
	start_sim
	{ echo "<farm>"; board_xml sim1 2; board_xml sim2 2; echo "</farm>"; } >"$WORK/farm.xml"
	"$HILT" reserve --farm "$WORK/farm.xml" sim1 --for 1h --why "soldering" >/dev/null || fail "reserve"
	run_board 0 "the pool with a reserved board" $SUITE
	assert_grep "^PASS  board-boot@board=sim echo\|^PASS  board-boot@sim2 echo" "$WORK/stdout"
	[ "$(property target "$OUT/junit.xml")" = sim2 ] || fail "not run on sim2"
	assert_no_grep "attempt 2" "$WORK/stdout"
	rm -rf "$OUT"
	run_board 3 "the reserved board named alone" --target sim1 $SUITE
	assert_grep "^ERROR board-boot@sim1 uname-r\|^ERROR board-boot@sim1 kernel-banner: target 'sim1' did not start: board 'sim1' is reserved by $(id -un)@$(hostname), pid $$, since .* UTC, until .* UTC: soldering ($WORK/hilt-board-sim1.lease; the lock wait of 2 s ends before)$" \
		"$WORK/stdout"
	;;
pdudaemon)
	# Power through Debian's pdudaemon: the session's power-off, power-on,
	# reset (a reboot: off, then on) and power-off at its end reach the
	# PDU's driver, in that order.
	start_sim
	start_pdud
	pdu_farm lab
	run_board 0 "a board powered through pdudaemon" $SUITE
	# pdudaemon accepts at once and drives the PDU from its queue.
	poll_until 30 test "$(tr '\n' , <"$WORK/pdu.log" 2>/dev/null)" = "3 off,3 on,3 off,3 on,3 off," ||
		fail "the PDU's driver saw: $(tr '\n' , <"$WORK/pdu.log")"
	[ "$(property board.power "$OUT/junit.xml")" = "accepted by pdudaemon" ] || fail "board.power"
	[ "$(property board.reset "$OUT/junit.xml")" = "accepted by pdudaemon" ] || fail "board.reset"
	for what in on off reboot; do
		grep -q "Handling HTTP request from 127.0.0.1: /power/control/$what?hostname=lab&port=3" \
			"$WORK/pdud.log" || fail "pdudaemon was not asked '$what'"
	done
	grep -q "/power/control/reboot?hostname=lab&port=3&delay=1" "$WORK/pdud.log" ||
		fail "the reboot's delay was not asked"
	;;
pdudaemon-faults)
	# A request pdudaemon refuses (a PDU it does not know), a daemon that
	# is not there, and one that never answers: infrastructure errors
	# naming the PDU and the port; while a request hangs, another session
	# of the run goes on.
	start_sim
	start_pdud
	pdu_farm nosuch
	run_board 3 "a PDU pdudaemon does not know" $SUITE
	assert_grep "^ERROR board-boot@sim1 kernel-banner: target 'sim1' did not start: pdudaemon at $PDUD_URL refused 'off' for PDU 'nosuch' port 3: status 500: Invalid request$" \
		"$WORK/stdout"
	kill "$PDUD_PID"
	wait "$PDUD_PID" 2>/dev/null
	PDUD_PID=
	pdu_farm lab
	rm -rf "$OUT"
	run_board 3 "pdudaemon stopped" $SUITE
	assert_grep "^ERROR board-boot@sim1 kernel-banner: target 'sim1' did not start: pdudaemon at $PDUD_URL did not take 'off' for PDU 'lab' port 3: .*onnect" \
		"$WORK/stdout"
	# A listener that takes the connection and never answers; a replay
	# of a recorded boot at its recorded pace in the same run.
	python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' >"$WORK/hang.port" &
	hang=$!
	poll_until 5 test -s "$WORK/hang.port" || fail "no hanging listener"
	PDUD_URL=http://127.0.0.1:$(cat "$WORK/hang.port")
	pdu_farm lab 8 "<target name=\"rec\" kind=\"replay\"><log>$SRC/fixtures/logs/linux-boot-x86.log</log><speed>realtime</speed></target>"
	rm -rf "$OUT"
	in_session hilt "$HILT" run --retries 0 --jobs 2 --farm "$WORK/farm.xml" --out "$OUT" \
		suites/linux-boot.xml >"$WORK/stdout" 2>&1
	rc=$?
	kill "$hang"
	judge_run 3 $rc "a pdudaemon that never answers, beside a replay"
	no_leftover hilt "a command hilt started"
	assert_grep "^ERROR linux-boot@sim1 kernel-banner: target 'sim1' did not start: pdudaemon at $PDUD_URL did not take 'off' for PDU 'lab' port 3: .*timed out after 8[0-9]* milliseconds" \
		"$WORK/stdout"
	# The replay's milestones came while the request hung (8 s), at their
	# recorded times: the loop never waited for pdudaemon.
	grep -n '' "$WORK/stdout" | grep -m1 'linux-boot@sim1 kernel-banner' | cut -d: -f1 >"$WORK/err-line"
	grep -n '' "$WORK/stdout" | grep -m1 '^[0-9]*:PASS  linux-boot@rec kernel-banner' | cut -d: -f1 >"$WORK/rec-line"
	[ -s "$WORK/rec-line" ] && [ "$(cat "$WORK/rec-line")" -lt "$(cat "$WORK/err-line")" ] ||
		fail "the replay's first milestone did not come before the board's error"
	at=$(sed -n 's/^PASS  linux-boot@rec kernel-banner (.* s, at \([0-9.]*\) s)$/\1/p' "$WORK/stdout")
	rec=$(arrival "$SRC/fixtures/logs/linux-boot-x86.log" 'Linux version \S+')
	echo "the replay's kernel banner at $at s (recorded at $rec s), while the request to pdudaemon hung for 8 s"
	holds 'a < r + 1' a="$at" r="$rec" || fail "the replay's banner came late ($at s): the loop waited"
	;;
power-check)
	# A power-off confirmed before the board is touched again: its console
	# silent (after what it had buffered), or a device that goes away with
	# the power.  Unconfirmed (the board goes on printing; the device stays),
	# the session is an infrastructure error and nothing more is done to
	# the board.
	start_sim
	rec=$WORK/actions.log
	recorded_farm "python3 $SIM ctl $WORK/ctl hang" '<power-check silent="1" timeout="10"/>'
	run_board 0 "a power-off confirmed by the console's silence" $SUITE
	grep -q '<property name="board.power_off_check" value="confirmed in [1-9][0-9.]* s"/>' "$OUT/junit.xml" ||
		fail "no confirmation in the JUnit"
	[ "$(tr '\n' , <"$rec")" = "off,on,reset,off," ] || fail "the board's commands: $(tr '\n' , <"$rec")"

	: >"$rec"
	rm -rf "$OUT"
	recorded_farm "python3 $SIM ctl $WORK/ctl chatter" '<power-check silent="1" timeout="3"/>'
	run_board 3 "a power-off after which the board goes on printing" $SUITE
	assert_grep "^ERROR board-boot@sim1 kernel-banner: target 'sim1' did not start: board 'sim1': the power-off was not confirmed: its console did not go silent for 1 s within 3 s (it printed [1-9][0-9]* bytes meanwhile)$" \
		"$WORK/stdout"
	assert_grep '<property name="board.power_off_check" value="not confirmed"/>' "$OUT/junit.xml"
	# Nothing after the power-off: no power-on, no flash, no reset.
	[ "$(tr '\n' , <"$rec")" = "off," ] || fail "the board's commands: $(tr '\n' , <"$rec")"
	python3 "$SIM" ctl "$WORK/ctl" hang

	# A USB serial adapter that goes away with the power.
	: >"$rec"
	rm -rf "$OUT"
	touch "$WORK/ttyUSB-sim"
	recorded_farm "rm -f $WORK/ttyUSB-sim" "<power-check gone=\"$WORK/ttyUSB-sim\" timeout=\"3\"/>"
	run_board 0 "a power-off confirmed by the adapter going away" $SUITE
	touch "$WORK/ttyUSB-sim"
	rm -rf "$OUT"
	recorded_farm "true" "<power-check gone=\"$WORK/ttyUSB-sim\" timeout=\"2\"/>"
	run_board 3 "a power-off after which the adapter stays" $SUITE
	assert_grep "^ERROR board-boot@sim1 kernel-banner: target 'sim1' did not start: board 'sim1': the power-off was not confirmed: $WORK/ttyUSB-sim is still there 2 s after it$" \
		"$WORK/stdout"
	;;
power-check-gpio)
	# A sense line of the recording GPIO chip, an input whose level the
	# test writes beside the record: 1 after the power-off (the board still
	# has power) is an infrastructure error naming the line, and nothing
	# more is done to the board; the power-off dropping it to 0 confirms it.
	start_sim
	rec=$WORK/actions.log
	sense=$WORK/gpio.log.sense
	lines="<gpio chip=\"fake:$WORK/gpio.log\"><line name=\"en\" offset=\"17\" active-low=\"true\"/>
      <line name=\"sense\" offset=\"3\" input=\"true\"/></gpio>"
	echo 1 >"$sense"
	recorded_farm "true" "$lines <power-check gpio=\"sense\" timeout=\"2\"/>"
	run_board 3 "a power-off after which the sense line reads 1" $SUITE
	assert_grep "^ERROR board-boot@sim1 kernel-banner: target 'sim1' did not start: board 'sim1': the power-off was not confirmed: GPIO line 'sense' (fake:$WORK/gpio.log line 3) still reads 1 2 s after it$" \
		"$WORK/stdout"
	assert_grep '<property name="board.power_off_check" value="not confirmed"/>' "$OUT/junit.xml"
	[ "$(tr '\n' , <"$rec")" = "off," ] || fail "the board's commands: $(tr '\n' , <"$rec")"
	# Only the output line is recorded: the sense line is never driven.
	[ "$(cut -d' ' -f2- "$WORK/gpio.log" | tr '\n' ,)" = "en 1," ] ||
		fail "the GPIO record: $(cat "$WORK/gpio.log")"

	: >"$rec"
	rm -rf "$OUT"
	recorded_farm "echo 0 &gt;$sense" "$lines <power-check gpio=\"sense\" timeout=\"2\"/>"
	run_board 0 "a power-off confirmed by the sense line" $SUITE
	assert_grep '<property name="board.power_off_check" value="confirmed in [0-9.]* s"/>' "$OUT/junit.xml"
	[ "$(tr '\n' , <"$rec")" = "off,on,reset,off," ] || fail "the board's commands: $(tr '\n' , <"$rec")"
	;;
*)
	fail "unknown case $1"
	;;
esac
echo "board $1: all checks passed"
