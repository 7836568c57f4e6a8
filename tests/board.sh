#!/usr/bin/env bash
# Board targets end to end against the board simulator (fixtures/boardsim):
# usage: board.sh boot|disconnect|panic|lock-wait|lock-busy|missing|flash-hang|tty|gpio
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
SIM=$SRC/fixtures/boardsim/boardsim.py
SUITE=tests/data/board-boot.xml

start_sim() {
	python3 "$SIM" serve --control "$WORK/ctl" --log fixtures/logs/linux-boot-x86.log \
		--speed 0.1 --stale >"$WORK/sim.port" &
	SIM_PID=$!
	for _ in $(seq 50); do [ -s "$WORK/sim.port" ] && break; sleep 0.1; done
	PORT=$(cat "$WORK/sim.port")
	[ -n "$PORT" ] || fail "the board simulator did not start"
}
stop_sim() { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }
trap stop_sim EXIT

# farm [LOCK_WAIT] [EXTRA...]: one board on the simulator's TCP console.
farm() {
	local wait=${1:-30}
	shift
	cat >"$WORK/farm.xml" <<XML
<farm>
  <target name="sim1" kind="board" tags="board=sim">
    <console type="tcp" host="127.0.0.1" port="$PORT"/>
    <var name="control">$WORK/ctl</var>
    <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
    <lock dir="$WORK" wait="$wait"/>
    $*
  </target>
</farm>
XML
}

run_board() { # WANT WHAT SUITE...
	local want=$1 what=$2 rc
	shift 2
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" "$@" >"$WORK/stdout"
	rc=$?
	cat "$WORK/stdout"
	expect_exit "$want" "$rc" "$what"
	validate "$OUT/junit.xml"
}

# Waits for a line in a file.
await() {
	for _ in $(seq 300); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done
	fail "'$1' never appeared in $2"
}

# run_ctl_after_banner WANT WHAT CMD SUITE...: hilt runs the suites; once the
# first banner has passed, the simulator is told CMD (disconnect, panic).
run_ctl_after_banner() {
	local want=$1 what=$2 cmd=$3 pid rc
	shift 3
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" "$@" >"$WORK/stdout" 2>&1 &
	pid=$!
	await '^PASS .*kernel-banner' "$WORK/stdout"
	python3 "$SIM" ctl "$WORK/ctl" "$cmd" || fail "ctl $cmd"
	wait $pid
	rc=$?
	cat "$WORK/stdout"
	expect_exit "$want" "$rc" "$what"
	validate "$OUT/junit.xml"
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
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -ge 6 ] || fail "the next session did not run"
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
	"$HILT" run --farm "$WORK/farm.xml" --out "$WORK/out1" $SUITE >"$WORK/stdout1" 2>&1 &
	first=$!
	await 'PASS .*kernel-banner' "$WORK/stdout1"
	"$HILT" run --farm "$WORK/farm.xml" --out "$WORK/out2" $SUITE >"$WORK/stdout2" 2>&1
	rc2=$?
	wait $first
	rc1=$?
	cat "$WORK/stdout1" "$WORK/stdout2"
	expect_exit 0 $rc1 "the first process"
	validate "$WORK/out1/junit.xml"
	validate "$WORK/out2/junit.xml"
	if [ "$1" = lock-wait ]; then
		expect_exit 0 $rc2 "the second process, after waiting"
		# It started only when the first had finished with the board.
		end1=$(stat -c %Y "$WORK/out1/junit.xml")
		[ "$(grep -c '^PASS ' "$WORK/stdout2")" -eq 5 ] || fail "the second did not pass"
		[ "$(stat -c %Y "$WORK/out2/junit.xml")" -ge "$end1" ] || fail "the second finished first"
	else
		expect_exit 3 $rc2 "the second process, board busy"
		grep -q "^ERROR .*board 'sim1' is busy: another session holds $WORK/hilt-board-sim1.lock, pid $first" "$WORK/stdout2" ||
			fail "no busy error naming the lock and its holder"
		assert_no_grep '<failure' "$WORK/out2/junit.xml"
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
	run_board 3 "missing serial device" $SUITE
	assert_grep "<error message=\"target .tty1. did not start: console $WORK/no-such-tty of board .tty1.: No such file or directory\"" "$OUT/junit.xml"
	assert_no_grep '<failure' "$OUT/junit.xml"
	;;
flash-hang)
	# A flasher that hangs is killed at its deadline, before anything runs.
	start_sim
	farm 30 '<flash timeout="1"><arg>sleep</arg><arg>30</arg></flash>'
	start=$(date +%s)
	run_board 3 "hanging flash command" $SUITE
	[ $(($(date +%s) - start)) -lt 10 ] || fail "the flash command was not killed at its deadline"
	assert_grep '<error message="target .sim1. did not start: flash command sleep did not finish within 1 s and was killed"' "$OUT/junit.xml"
	pgrep -f "^sleep 30$" >/dev/null && fail "the flash command outlived its deadline"
	;;
tty)
	# A console forwarded onto a pseudo-terminal (socat), set up with termios.
	command -v socat >/dev/null || fail "socat is not installed (./setup.sh installs it)"
	start_sim
	socat PTY,link="$WORK/tty",raw,echo=0 TCP:127.0.0.1:"$PORT" &
	socat_pid=$!
	for _ in $(seq 50); do [ -e "$WORK/tty" ] && break; sleep 0.1; done
	cat >"$WORK/farm.xml" <<XML
<farm><target name="pty1" kind="board">
  <console type="tty" path="$WORK/tty" baud="115200"/>
  <var name="control">$WORK/ctl</var>
  <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
  <lock dir="$WORK"/>
</target></farm>
XML
	run_board 0 "board on a pty" $SUITE
	kill $socat_pid 2>/dev/null
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
*)
	fail "unknown case $1"
	;;
esac
echo "board $1: all checks passed"
