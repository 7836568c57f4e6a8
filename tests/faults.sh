#!/usr/bin/env bash
# Faults hilt must survive without leaving harm behind: killed with SIGKILL
# while QEMU or a board's flash command runs (no child may outlive it), and
# a board lock file planted as a symlink (never followed, never written).
# After every way a run ends, it leaves no file open and no child (left-nothing).
# A device that floods its console, flashers that ignore SIGTERM or print
# without end (flood, term-ignored).
# usage: faults.sh left-nothing|campaign|oom-several|flood|term-ignored|sigkill-several|sigkill-qemu|sigkill-board|sigkill-wrapper|lock-symlink
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out

HILT_PID=
CHILD_PID=
SIM_PID=
# Whatever this script started ends with it, by pid: hilt, the child it was
# caught with (should the check fail, it must not keep running), the simulator.
cleanup() {
	local p
	for p in $HILT_PID $CHILD_PID $SIM_PID; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
trap cleanup EXIT

# start_time PID: the process's start time (field 22 of /proc/PID/stat), so
# that a pid reused by another process is not taken for the one we saw.
start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# The command name (field 2) may hold spaces: count from after it.
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}

# gone PID START: the process PID that started at START has ended: no such
# pid, a zombie (dead, waiting for whoever adopted it to reap it), or the
# pid now names another process.
gone() {
	local state now
	[ -e "/proc/$1" ] || return 0
	state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$state" != Z ] && [ "$state" != X ] || return 0
	now=$(start_time "$1") || return 0
	[ "$now" != "$2" ]
}

# child_running PARENT ARGV0: prints the pid of PARENT's child whose argv[0]
# is ARGV0 (after exec: before it, the child is still a copy of hilt).
child_running() {
	local p argv0
	for p in $(pgrep -P "$1"); do
		argv0=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | head -n1)
		if [ "$argv0" = "$2" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# sigkill_hilt WHAT ARGV0 SECONDS: hilt runs in the background (HILT_PID);
# once its child ARGV0 runs (within SECONDS), hilt is killed with SIGKILL
# and that very child must end within 5 s.
sigkill_hilt() {
	local what=$1 argv0=$2 secs=$3 start
	if ! poll_until "$secs" child_running "$HILT_PID" "$argv0" >/dev/null; then
		cat "$WORK/stdout" >&2
		fail "hilt started no $argv0 within $secs s"
	fi
	CHILD_PID=$(child_running "$HILT_PID" "$argv0")
	start=$(start_time "$CHILD_PID") || fail "$argv0 ($CHILD_PID) ended before hilt was killed"
	echo "hilt $HILT_PID runs $what: $argv0, pid $CHILD_PID; kill -9 $HILT_PID"
	kill -9 "$HILT_PID"
	wait "$HILT_PID" 2>/dev/null
	HILT_PID=
	if ! poll_until 5 gone "$CHILD_PID" "$start"; then
		ps -o pid,ppid,pgid,stat,args -p "$CHILD_PID" >&2
		fail "$what (pid $CHILD_PID) outlived hilt by 5 s"
	fi
	echo "$argv0 (pid $CHILD_PID) ended with hilt"
	CHILD_PID=
}

# flash_in_background ARGS: hilt runs (HILT_PID) a session on a simulated
# board whose flash command is ARGS (<arg> elements), 600 s long at most.
flash_in_background() {
	start_sim
	cat >"$WORK/farm.xml" <<XML
<farm><target name="sim1" kind="board">
  <console type="tcp" host="127.0.0.1" port="$PORT"/>
  <flash timeout="600">$1</flash>
  <lock dir="$WORK"/>
</target></farm>
XML
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml \
		>"$WORK/stdout" 2>&1 &
	HILT_PID=$!
}

# left_nothing WHAT: the run (its stderr in $WORK/stdout) reported, once it
# had freed everything, no file it opened still open and no child unreaped.
left_nothing() {
	grep -q "^hilt: at exit: 0 open files, 0 children$" "$WORK/stdout" || {
		cat "$WORK/stdout" >&2
		fail "$1: $(grep '^hilt: at exit:' "$WORK/stdout" || echo 'no count of what was left')"
	}
	echo "$1: no file left open, no child left"
}

need_guest() {
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no guest in $HILT_GUEST_DIR (its build failed?)"
		echo "SKIP: no default guest in $HILT_GUEST_DIR and this build does not make one"
		exit 77
	fi
}

# qemu_children PID: the pids of PID's children that are QEMU.
qemu_children() {
	local p
	for p in $(pgrep -P "$1"); do
		[ "$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | head -n1)" = qemu-system-x86_64 ] &&
			echo "$p"
	done
}

two_qemus() {
	[ "$(qemu_children "$1" | wc -l)" -ge 2 ]
}

# note_qemus PID: PID's QEMUs now, in $qemus, with their start times in
# $starts (pid:start), for qemus_gone.
note_qemus() {
	local q
	qemus=$(qemu_children "$1")
	starts=()
	for q in $qemus; do starts+=("$q:$(start_time "$q")"); done
}

# qemus_gone WHAT: every QEMU note_qemus saw ends within 5 s.
qemus_gone() {
	local qs
	for qs in "${starts[@]}"; do
		poll_until 5 gone "${qs%%:*}" "${qs#*:}" || fail "QEMU ${qs%%:*} outlived hilt by 5 s"
	done
	echo "$1: both QEMUs (${qemus//$'\n'/ }) ended with it"
}

# next_run_whole WHAT: the two guests' suites again into the same
# folder: the run passes all 11 cases and leaves nothing.  Two boots on a
# machine other tests load too: their deadlines are tripled, as slow boots
# are not what these cases are about.
next_run_whole() {
	export HILT_CHECK_LEFT=1
	"$HILT" run --no-progress --jobs 2 --timeout-multiplier 3 --out "$OUT" \
		suites/linux-boot.xml suites/http-hello.xml >"$WORK/stdout" 2>&1
	local rc=$?
	[ "$rc" -eq 0 ] || cat "$WORK/stdout" >&2
	expect_exit 0 "$rc" "$1"
	validate "$OUT/junit.xml"
	[ "$(grep -c '<testcase' "$OUT/junit.xml")" -eq 11 ] || fail "not the 11 cases of this run"
	left_nothing "$1"
}

# The memory cgroup oom-several aims the OOM killer with, on cgroup v2
# (one hierarchy: memory.max, cgroup.freeze) or v1 (the memory and the
# freezer hierarchies apart).  memcg_make makes it, or skips the test when
# it cannot, and sets MEMCG, FREEZER (the same folder on v2), CGV and the
# names of its files.  Swap is off in it: the limit must bring the OOM
# killer, not swapping.
memcg_make() {
	local name=hilt-test-$$
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		CGV=2 MEMCG=/sys/fs/cgroup/$name MEM_USAGE=memory.current MEM_LIMIT=memory.max
		MEM_OOM=memory.events FREEZER=/sys/fs/cgroup/$name
	else
		CGV=1 MEMCG=/sys/fs/cgroup/memory/$name MEM_USAGE=memory.usage_in_bytes
		MEM_LIMIT=memory.limit_in_bytes MEM_OOM=memory.oom_control
		FREEZER=/sys/fs/cgroup/freezer/$name
	fi
	if ! mkdir "$MEMCG" 2>/dev/null || [ ! -w "$MEMCG/$MEM_LIMIT" ]; then
		rmdir "$MEMCG" 2>/dev/null
		echo "SKIP: cannot make a memory cgroup here ($MEMCG, cgroup v$CGV): the OOM killer cannot be aimed"
		exit 77
	fi
	if [ "$CGV" = 1 ]; then
		if ! mkdir "$FREEZER" 2>/dev/null || [ ! -w "$FREEZER/freezer.state" ]; then
			rmdir "$MEMCG" "$FREEZER" 2>/dev/null
			echo "SKIP: cannot make a freezer cgroup here ($FREEZER): the limit cannot be set on a still usage"
			exit 77
		fi
		echo 0 >"$MEMCG/memory.swappiness" || fail "cannot turn swap off in $MEMCG"
	else
		[ -w "$MEMCG/cgroup.freeze" ] || {
			rmdir "$MEMCG"
			echo "SKIP: $MEMCG cannot be frozen: the limit cannot be set on a still usage"
			exit 77
		}
		[ ! -e "$MEMCG/memory.swap.max" ] || echo 0 >"$MEMCG/memory.swap.max" ||
			fail "cannot turn swap off in $MEMCG"
	fi
}

cg_frozen() {
	if [ "$CGV" = 1 ]; then
		# Written again at each look: v1 tries again the tasks it could
		# not freeze yet.
		echo FROZEN >"$FREEZER/freezer.state"
		[ "$(cat "$FREEZER/freezer.state")" = FROZEN ]
	else
		grep -qx 'frozen 1' "$FREEZER/cgroup.events"
	fi
}

# memcg_freeze: every task of the cgroup stopped, so its usage stands still.
memcg_freeze() {
	[ "$CGV" = 1 ] || echo 1 >"$FREEZER/cgroup.freeze"
	poll_until 30 cg_frozen || fail "the cgroup's tasks did not freeze: $(cat "$FREEZER/freezer.state" "$FREEZER/cgroup.events" 2>/dev/null | paste -sd ' ')"
}

memcg_thaw() {
	[ -n "${FREEZER:-}" ] && [ -d "$FREEZER" ] || return 0
	if [ "$CGV" = 1 ]; then
		echo THAWED >"$FREEZER/freezer.state"
	else
		echo 0 >"$FREEZER/cgroup.freeze"
	fi
}

memcg_remove() {
	[ -n "${MEMCG:-}" ] || return 0
	[ ! -d "$MEMCG" ] || rmdir "$MEMCG" 2>/dev/null || return 1
	[ ! -d "$FREEZER" ] || rmdir "$FREEZER" 2>/dev/null
}

case "$1" in
left-nothing)
	# After each way a run can end, hilt counts what it still has open
	# (files, sockets, pipes, pidfds) and its children (HILT_CHECK_LEFT):
	# none of them, whatever the verdicts.
	need_guest
	export HILT_CHECK_LEFT=1
	# Two guests at once, their networks captured and probed over HTTP
	# (deadlines tripled: a slow boot on a loaded machine is not what this
	# case is about).
	"$HILT" run --no-progress --jobs 2 --timeout-multiplier 3 --pcap --out "$OUT" \
		suites/linux-boot.xml suites/http-hello.xml >"$WORK/stdout" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || cat "$WORK/stdout" >&2
	expect_exit 0 "$rc" "two guests at once"
	left_nothing "two guests at once"
	# A board on the simulator, its flash command, and one that hangs.
	start_sim
	for flash in '<arg>true</arg>' '<arg>sleep</arg><arg>30</arg>'; do
		cat >"$WORK/farm.xml" <<XML
<farm><target name="sim1" kind="board">
  <console type="tcp" host="127.0.0.1" port="$PORT"/>
  <flash timeout="1">$flash</flash>
  <lock dir="$WORK"/>
</target></farm>
XML
		"$HILT" run --no-progress --retries 0 --farm "$WORK/farm.xml" --out "$OUT" \
			tests/data/board-boot.xml >"$WORK/stdout" 2>&1
		left_nothing "a board flashed with $flash"
	done
	kill "$SIM_PID"
	wait "$SIM_PID" 2>/dev/null
	SIM_PID=
	# QEMU killed mid-boot: an infrastructure error, and nothing left.
	"$HILT" run --no-progress --retries 0 --out "$OUT" suites/linux-boot.xml >"$WORK/stdout" 2>&1 &
	HILT_PID=$!
	poll_until 30 child_running "$HILT_PID" qemu-system-x86_64 >/dev/null || fail "no QEMU started"
	kill -9 "$(child_running "$HILT_PID" qemu-system-x86_64)"
	wait "$HILT_PID"
	rc=$?
	HILT_PID=
	expect_exit 3 "$rc" "QEMU killed mid-boot"
	left_nothing "QEMU killed mid-boot"
	# A run interrupted mid-boot (SIGTERM): the JUnit of what finished,
	# and nothing left.
	"$HILT" run --no-progress --jobs 2 --out "$OUT" suites/linux-boot.xml suites/http-hello.xml \
		>"$WORK/stdout" 2>&1 &
	HILT_PID=$!
	poll_until 30 child_running "$HILT_PID" qemu-system-x86_64 >/dev/null || fail "no QEMU started"
	sleep 1
	kill -TERM "$HILT_PID"
	wait "$HILT_PID"
	HILT_PID=
	validate "$OUT/junit.xml"
	left_nothing "a run interrupted by SIGTERM"
	;;
flood)
	# Three sessions at once, each fed 1 GiB of console text through a
	# FIFO (a device that never stops talking): every byte reaches each
	# log, the milestone after the flood is still found, memory stays
	# bounded, nothing is left.
	export HILT_CHECK_LEFT=1
	gib=$((1024 * 1024 * 1024))
	farm="<farm>"
	for i in 1 2 3; do
		mkfifo "$WORK/flood$i.fifo"
		farm="$farm<target name=\"flood$i\" kind=\"replay\" tags=\"flood=yes\"><log>$WORK/flood$i.fifo</log></target>"
	done
	echo "$farm</farm>" >"$WORK/farm.xml"
	cat >"$WORK/flood.xml" <<XML
<suite name="flood" timeout="300">
  <requires tags="flood=yes"/>
  <milestone name="after-the-flood" timeout="300">^the flood is over\$</milestone>
</suite>
XML
	# The writers must hold the FIFOs open before hilt opens them.
	writers=()
	for i in 1 2 3; do
		( { yes "[  123.456789] usb 1-1: a line the device prints again and again $i" |
			head -c "$gib"; echo; echo "the flood is over"; } >"$WORK/flood$i.fifo" ) &
		writers+=($!)
	done
	sleep 0.5
	/usr/bin/time -f "%M" -o "$WORK/rss" "$HILT" run --no-progress --jobs 3 --farm "$WORK/farm.xml" \
		--target flood1 --target flood2 --target flood3 \
		--out "$OUT" "$WORK/flood.xml" >"$WORK/stdout" 2>&1
	rc=$?
	# A writer whose FIFO was never read would wait for ever.
	kill -9 "${writers[@]}" 2>/dev/null
	wait 2>/dev/null
	cat "$WORK/stdout"
	expect_exit 0 "$rc" "three floods of 1 GiB"
	validate "$OUT/junit.xml"
	for i in 1 2 3; do
		size=$(stat -c %s "$OUT/flood@flood$i.console.log")
		[ "$size" -eq $((gib + 1 + 18)) ] || fail "flood$i's log holds $size bytes, not $((gib + 19))"
	done
	rss=$(tail -n 1 "$WORK/rss")
	echo "peak RSS with three floods of 1 GiB: $rss KiB"
	if [ "${SANITIZED:-OFF}" != ON ]; then
		[ "$rss" -lt 65536 ] || fail "hilt's peak RSS was $rss KiB, more than 64 MiB"
	fi
	left_nothing "three floods of 1 GiB"
	rm -f "$OUT"/flood@*.console.log
	;;
term-ignored)
	# A flasher that ignores SIGTERM and one that prints without end: each
	# is stopped at its deadline (SIGKILL after the grace), the session is
	# an infrastructure error, hilt's memory stays bounded, nothing is left.
	export HILT_CHECK_LEFT=1
	start_sim
	for flash in "<arg>sh</arg><arg>-c</arg><arg>trap '' TERM; sleep 60</arg>" '<arg>yes</arg><arg>flashing</arg>'; do
		cat >"$WORK/farm.xml" <<XML
<farm><target name="sim1" kind="board">
  <console type="tcp" host="127.0.0.1" port="$PORT"/>
  <flash timeout="2">$flash</flash>
  <lock dir="$WORK"/>
</target></farm>
XML
		t0=$SECONDS
		/usr/bin/time -f "%M" -o "$WORK/rss" "$HILT" run --no-progress --retries 0 \
			--farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml >"$WORK/stdout" 2>&1
		rc=$?
		cat "$WORK/stdout"
		expect_exit 3 "$rc" "a flasher ($flash) past its deadline"
		[ $((SECONDS - t0)) -lt 20 ] || fail "the flasher was stopped after $((SECONDS - t0)) s"
		assert_grep "<error" "$OUT/junit.xml"
		rss=$(tail -n 1 "$WORK/rss")
		echo "peak RSS: $rss KiB"
		if [ "${SANITIZED:-OFF}" != ON ]; then
			[ "$rss" -lt 65536 ] || fail "hilt's peak RSS was $rss KiB, more than 64 MiB"
		fi
		left_nothing "a flasher ($flash) past its deadline"
	done
	;;
campaign)
	# One run, six sessions at once under the scheduler, each meeting a
	# fault of its own while the others go on: a guest whose QEMU is
	# killed mid-boot (an error), a board whose console the other end
	# closes (an error), a USB console that vanishes and comes back (a
	# pass, the gap reported), a recording that matches nothing until its
	# deadline (a failure at that deadline, not later), 256 MiB of console
	# text (every byte logged, then a pass) and a guest that boots as
	# usual (a pass).  Memory stays bounded and nothing is left.
	need_guest
	export HILT_CHECK_LEFT=1
	sims=()
	SOCAT_PID=
	trap 'kill "${sims[@]}" $SOCAT_PID 2>/dev/null; cleanup' EXIT
	start_sim_at "$WORK/ctl-gone" 0.3
	sims+=("$SIM_PID")
	gone_port=$PORT
	start_sim_at "$WORK/ctl-usb" 1.0 --booted
	sims+=("$SIM_PID")
	by_id=$WORK/by-id/usb-FTDI_FT232R_sim-if00-port0
	mkdir -p "$WORK/by-id"
	start_pty "$by_id"
	mkfifo "$WORK/silent.fifo" "$WORK/flood.fifo"
	exec 3<>"$WORK/silent.fifo"
	board() { # NAME ROLE CONSOLE CTL
		cat <<XML
  <target name="$1" kind="board" tags="role=$2">
    $3
    <var name="control">$4</var>
    <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
    <lock dir="$WORK"/>
  </target>
XML
	}
	guest() { # NAME ROLE
		cat <<XML
  <target name="$1" kind="qemu" tags="role=$2" timeout-multiplier="3">
    <kernel>$HILT_GUEST_DIR/vmlinuz</kernel><initrd>$HILT_GUEST_DIR/initrd.img</initrd>
    <arg>-name</arg><arg>$1</arg>
  </target>
XML
	}
	{
		echo "<farm>"
		guest q-ok guest-ok
		guest q-killed guest-killed
		board b-gone gone "<console type=\"tcp\" host=\"127.0.0.1\" port=\"$gone_port\"/>" "$WORK/ctl-gone"
		board b-usb usb "<console type=\"tty\" path=\"$by_id\" baud=\"115200\" reappear=\"10\"/>" "$WORK/ctl-usb"
		echo "  <target name=\"r-silent\" kind=\"replay\" tags=\"role=silent\"><log>$WORK/silent.fifo</log></target>"
		echo "  <target name=\"r-flood\" kind=\"replay\" tags=\"role=flood\"><log>$WORK/flood.fifo</log></target>"
		echo "</farm>"
	} >"$WORK/farm.xml"
	for role in guest-ok:suites/linux-boot.xml guest-killed:suites/linux-boot.xml \
		gone:tests/data/board-boot.xml usb:tests/data/board-boot.xml; do
		sed -e "s|<suite name=\"[^\"]*\"|<suite name=\"${role%%:*}\"|" \
			-e "s|^\(<suite .*>\)\$|\1<requires tags=\"role=${role%%:*}\"/>|" \
			"${role#*:}" >"$WORK/${role%%:*}.xml"
		grep -q "<requires tags=\"role=${role%%:*}\"/>" "$WORK/${role%%:*}.xml" ||
			fail "no <requires> made for ${role%%:*}"
	done
	cat >"$WORK/silent.xml" <<XML
<suite name="silent" timeout="60"><requires tags="role=silent"/>
  <milestone name="never" timeout="6">^never printed\$</milestone>
</suite>
XML
	cat >"$WORK/flood.xml" <<XML
<suite name="flood" timeout="300"><requires tags="role=flood"/>
  <milestone name="after-the-flood" timeout="300">^the flood is over\$</milestone>
</suite>
XML
	flood=$((256 * 1024 * 1024))
	( { yes "[  123.456789] usb 1-1: a line the device prints again and again" | head -c "$flood"
		echo; echo "the flood is over"; } >"$WORK/flood.fifo" ) &
	writer=$!
	suites=()
	for n in guest-ok guest-killed gone usb silent flood; do suites+=("$WORK/$n.xml"); done
	t0=$(date +%s.%N)
	"$HILT" run --no-progress --retries 0 --jobs 6 \
		--farm "$WORK/farm.xml" --out "$OUT" "${suites[@]}" >"$WORK/stdout" 2>&1 &
	HILT_PID=$!
	# hilt's own peak RSS (VmHWM, not its QEMUs'), sampled while it runs.
	( while sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$HILT_PID/status" >"$WORK/rss.new" 2>/dev/null &&
		[ -s "$WORK/rss.new" ]; do mv "$WORK/rss.new" "$WORK/rss"; sleep 0.2; done ) &
	# The faults, each once its session is under way.
	await '^PASS  gone@b-gone kernel-banner' "$WORK/stdout"
	python3 "$SIM" ctl "$WORK/ctl-gone" disconnect || fail "ctl disconnect"
	await '^PASS  usb@b-usb kernel-banner' "$WORK/stdout"
	kill "$SOCAT_PID"; wait "$SOCAT_PID" 2>/dev/null
	sleep 0.3
	start_pty "$by_id"
	killed=$(poll_until 30 pgrep -f -- '-name q-killed' | head -n 1)
	[ -n "$killed" ] || fail "no QEMU of q-killed started"
	sleep 2
	kill -9 "$killed"
	wait "$HILT_PID"
	rc=$?
	HILT_PID=
	t1=$(date +%s.%N)
	kill -9 "$writer" 2>/dev/null
	cat "$WORK/stdout"
	expect_exit 3 "$rc" "six sessions, four of them faulted"
	validate "$OUT/junit.xml"
	# Each session's verdict, and the others untouched by it.
	[ "$(grep -c '^PASS  guest-ok@q-ok ' "$WORK/stdout")" -eq 7 ] || fail "the guest that booted as usual did not pass whole"
	grep -q '^ERROR guest-killed@q-killed ' "$WORK/stdout" || fail "QEMU killed mid-boot is not an infrastructure error"
	grep -q '^ERROR gone@b-gone .*the console 127.0.0.1:[0-9]* of board .b-gone. closed' "$WORK/stdout" ||
		fail "the console closed by the other end is not an infrastructure error"
	[ "$(grep -c '^PASS  usb@b-usb ' "$WORK/stdout")" -eq 5 ] || fail "the console that came back did not pass"
	grep -q 'name="console.gap.1" value="the console [^"]*by-id/usb-FTDI_FT232R_sim-if00-port0 was gone' "$OUT/junit.xml" ||
		fail "the console's gap is not reported"
	grep -q '^FAIL  silent@r-silent never: milestone /^never printed\$/ not seen within 6 s' "$WORK/stdout" ||
		fail "the silent session did not fail at its deadline"
	grep -q '^PASS  flood@r-flood after-the-flood' "$WORK/stdout" || fail "the flood's milestone was not found"
	size=$(stat -c %s "$OUT/flood@r-flood.console.log")
	[ "$size" -eq $((flood + 1 + 18)) ] || fail "the flood's log holds $size bytes, not $((flood + 19))"
	[ "$(grep -c '<failure' "$OUT/junit.xml")" -eq 1 ] || fail "a failure beside the silent session's"
	rss=$(tail -n 1 "$WORK/rss")
	echo "six sessions, four faulted: $(echo "$t1 - $t0" | bc) s, hilt's peak RSS $rss KiB"
	if [ "${SANITIZED:-OFF}" != ON ]; then
		[ "$rss" -lt 65536 ] || fail "hilt's peak RSS was $rss KiB, more than 64 MiB"
	fi
	left_nothing "six sessions, four faulted"
	rm -f "$OUT"/flood@*.console.log
	;;
sigkill-several)
	# hilt killed with SIGKILL while two guests boot: both QEMUs end with
	# it, and the next run into the same folder is not disturbed by what
	# the killed one left there (half-written logs, a JUnit of no session).
	need_guest
	"$HILT" run --no-progress --jobs 2 --out "$OUT" suites/linux-boot.xml suites/http-hello.xml \
		>"$WORK/stdout" 2>&1 &
	HILT_PID=$!
	poll_until 30 two_qemus "$HILT_PID" || fail "hilt did not start two QEMUs"
	note_qemus "$HILT_PID"
	sleep 2
	kill -9 "$HILT_PID"
	wait "$HILT_PID" 2>/dev/null
	HILT_PID=
	qemus_gone "hilt killed with two guests booting"
	next_run_whole "the run after a killed one"
	;;
oom-several)
	# The OOM killer takes hilt while two guests boot (a memory cgroup
	# whose limit the boots outgrow, hilt the task it picks): both QEMUs
	# end with it, and the next run into the same folder passes whole,
	# leaving nothing.
	need_guest
	memcg_make
	trap 'memcg_thaw; cleanup; memcg_remove' EXIT
	bash -c 'for d in "$0" "$1"; do echo $$ >"$d/cgroup.procs" || exit 1; done; shift; exec "$@"' \
		"$MEMCG" "$FREEZER" "$HILT" run --no-progress --jobs 2 \
		--out "$OUT" suites/linux-boot.xml suites/http-hello.xml >"$WORK/stdout" 2>&1 &
	HILT_PID=$!
	poll_until 30 two_qemus "$HILT_PID" || fail "hilt did not start two QEMUs"
	note_qemus "$HILT_PID"
	# Its QEMUs were forked before: they keep their own score.
	echo 1000 >"/proc/$HILT_PID/oom_score_adj"
	# The limit goes 4 MiB above the usage while nothing in the cgroup
	# runs: read while the guests grow, a usage is old by the time the
	# limit is written, and cgroup v1 refuses a limit below the usage.
	memcg_freeze
	usage=$(cat "$MEMCG/$MEM_USAGE")
	echo $((usage + 4 * 1024 * 1024)) >"$MEMCG/$MEM_LIMIT" ||
		fail "cannot set the cgroup's limit with its tasks frozen ($(cat "$MEMCG/$MEM_USAGE") bytes used)"
	memcg_thaw
	echo "two guests booting in $((usage / 1048576)) MiB (cgroup v$CGV); the limit set 4 MiB above"
	wait "$HILT_PID"
	rc=$?
	pid=$HILT_PID
	HILT_PID=
	[ "$rc" -eq 137 ] || { cat "$WORK/stdout"; fail "hilt was not killed by the OOM killer (exit $rc)"; }
	grep -q '^oom_kill [1-9]' "$MEMCG/$MEM_OOM" || fail "the cgroup's OOM killer killed nothing"
	if dmesg >/dev/null 2>&1; then
		dmesg | grep -q "Killed process $pid (hilt)" || fail "the OOM killer took another process than hilt"
	fi
	qemus_gone "hilt killed by the OOM killer with two guests booting"
	poll_until 5 memcg_remove || fail "the cgroup still holds a process: $(cat "$MEMCG/cgroup.procs")"
	next_run_whole "the run after one the OOM killer took"
	;;
sigkill-qemu)
	# With panic=-1 and -no-reboot a guest may never stop by itself: a QEMU
	# left behind would run forever.
	need_guest
	command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed"
	"$HILT" run --out "$OUT" suites/linux-boot.xml >"$WORK/stdout" 2>&1 &
	HILT_PID=$!
	sigkill_hilt "the default guest" qemu-system-x86_64 30
	;;
sigkill-board)
	# A board whose flash command is still running when hilt is killed.
	flash_in_background '<arg>sleep</arg><arg>600</arg>'
	sigkill_hilt "the board's flash command" sleep 15
	;;
sigkill-wrapper)
	# A flash command that is a script: its own child (here the sleep a
	# shell runs) must end too, though PR_SET_PDEATHSIG reaches only the
	# shell; hilt's guard kills the command's whole process group.
	flash_in_background '<arg>sh</arg><arg>-c</arg><arg>sleep 600; echo flashed</arg>'
	poll_until 15 child_running "$HILT_PID" sh >/dev/null || fail "hilt started no flash script"
	shell=$(child_running "$HILT_PID" sh)
	poll_until 15 child_running "$shell" sleep >/dev/null || fail "the flash script started no sleep"
	GRANDCHILD=$(child_running "$shell" sleep)
	grandchild_start=$(start_time "$GRANDCHILD")
	sigkill_hilt "the board's flash script" sh 5
	if ! poll_until 5 gone "$GRANDCHILD" "$grandchild_start"; then
		ps -o pid,ppid,pgid,stat,args -p "$GRANDCHILD" >&2
		kill -9 "$GRANDCHILD"
		fail "the flash script's sleep (pid $GRANDCHILD) outlived hilt by 5 s"
	fi
	echo "the flash script's sleep (pid $GRANDCHILD) ended with hilt"
	;;
lock-symlink)
	# A shared lock directory (/run/lock is world-writable) where someone
	# planted the board's lock file as a symlink to a file of the user
	# running hilt (root, often): hilt must neither follow nor write it.
	mkdir -p "$WORK/locks"
	printf 'precious data\n' >"$WORK/victim"
	ln -s "$WORK/victim" "$WORK/locks/hilt-board-sim1.lock"
	# Nothing listens on port 1: had the lock been taken, the console
	# would fail next, with another message.
	cat >"$WORK/farm.xml" <<XML
<farm><target name="sim1" kind="board">
  <console type="tcp" host="127.0.0.1" port="1"/>
  <lock dir="$WORK/locks" wait="0"/>
</target></farm>
XML
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml >"$WORK/stdout" 2>&1
	rc=$?
	judge_run 3 $rc "lock file planted as a symlink"
	grep -q "^ERROR .*board 'sim1': refusing its lock $WORK/locks/hilt-board-sim1.lock: it is a symbolic link" \
		"$WORK/stdout" || fail "no infrastructure error naming the lock and the symlink"
	assert_no_grep 'Connection refused' "$WORK/stdout"
	assert_no_grep '<failure' "$OUT/junit.xml"
	[ "$(cat "$WORK/victim")" = "precious data" ] || fail "the symlink's target was written: $(cat "$WORK/victim")"
	[ -L "$WORK/locks/hilt-board-sim1.lock" ] || fail "the planted symlink was replaced"

	# Anything else that is not a regular file is refused too (a FIFO
	# would otherwise be opened, locked and written to).
	rm "$WORK/locks/hilt-board-sim1.lock"
	mkfifo "$WORK/locks/hilt-board-sim1.lock"
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml >"$WORK/stdout" 2>&1
	rc=$?
	judge_run 3 $rc "lock file planted as a FIFO"
	grep -q "^ERROR .*board 'sim1': refusing its lock $WORK/locks/hilt-board-sim1.lock: it is not a regular file (a FIFO)" \
		"$WORK/stdout" || fail "no infrastructure error naming the lock and the FIFO"

	# A hard link to the victim (where the kernel lets one be made) is a
	# regular file, but another name of the victim's: refused as well.
	rm "$WORK/locks/hilt-board-sim1.lock"
	ln "$WORK/victim" "$WORK/locks/hilt-board-sim1.lock"
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml >"$WORK/stdout" 2>&1
	rc=$?
	judge_run 3 $rc "lock file planted as a hard link"
	grep -q "^ERROR .*board 'sim1': refusing its lock $WORK/locks/hilt-board-sim1.lock: it is a regular file with more than one name" \
		"$WORK/stdout" || fail "no infrastructure error naming the lock and the hard link"
	[ "$(cat "$WORK/victim")" = "precious data" ] || fail "the hard link's file was written: $(cat "$WORK/victim")"

	# A plain lock file left by an earlier run (an older hilt's, its pid
	# alone) is taken as before and holds the new holder, whole: its pid
	# first, then who and what (then the console fails, as nothing
	# listens).
	rm "$WORK/locks/hilt-board-sim1.lock"
	echo 1234567890 >"$WORK/locks/hilt-board-sim1.lock"
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml >"$WORK/stdout" 2>&1 &
	pid=$!
	wait $pid
	rc=$?
	judge_run 3 $rc "an old lock file"
	assert_grep 'Connection refused' "$WORK/stdout"
	[ "$(head -n 1 "$WORK/locks/hilt-board-sim1.lock")" = "pid=$pid" ] &&
		grep -q "^user=$(id -un)\$" "$WORK/locks/hilt-board-sim1.lock" &&
		grep -q "^why=hilt run --farm $WORK/farm.xml" "$WORK/locks/hilt-board-sim1.lock" &&
		! grep -q 1234567890 "$WORK/locks/hilt-board-sim1.lock" ||
		fail "the lock holds '$(cat "$WORK/locks/hilt-board-sim1.lock")', not the holder pid $pid"

	# A lock folder anyone may write to, without the sticky bit: anyone
	# could remove the lock and make another, so it is refused before any
	# lock is taken.  Sticky (as /run/lock and /tmp are), it is used.
	chmod 0777 "$WORK/locks"
	rm -f "$WORK/locks/hilt-board-sim1.lock"
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml >"$WORK/stdout" 2>&1
	rc=$?
	judge_run 3 $rc "a lock folder anyone may write to"
	grep -q "^ERROR .*board 'sim1': refusing its lock folder $WORK/locks: anyone may write to it and it is not sticky" \
		"$WORK/stdout" || fail "no infrastructure error naming the lock folder"
	[ ! -e "$WORK/locks/hilt-board-sim1.lock" ] || fail "a lock was made in the folder anyone may write to"
	chmod 1777 "$WORK/locks"
	"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" tests/data/board-boot.xml >"$WORK/stdout" 2>&1
	rc=$?
	judge_run 3 $rc "a sticky lock folder anyone may write to"
	assert_grep 'Connection refused' "$WORK/stdout"
	[ -f "$WORK/locks/hilt-board-sim1.lock" ] || fail "no lock in the sticky folder"
	;;
*)
	fail "unknown case $1"
	;;
esac
echo "faults $1: all checks passed"
