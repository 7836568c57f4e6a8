# Shared helpers of the shell tests.  Set by CMake: HILT, VALIDATE_JUNIT,
# SCHEMA, SRC, WORK (a scratch folder for this test).
set -u

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# validate FILE: the JUnit must satisfy tests/junit-hilt.xsd.
validate() {
	"$VALIDATE_JUNIT" "$SCHEMA" "$1" || fail "$1 does not validate"
}

# expect_exit WANT GOT WHAT
expect_exit() {
	[ "$2" -eq "$1" ] || fail "$3: exit status $2, expected $1"
}

assert_grep() {
	grep -q -- "$1" "$2" || fail "'$1' not found in $2"
}

assert_no_grep() {
	! grep -q -- "$1" "$2" || fail "'$1' unexpectedly found in $2"
}

# judge_run WANT RC WHAT: shows what the run printed ($WORK/stdout, and
# $WORK/stderr if the run kept it apart), checks its exit status and
# validates its JUnit ($OUT/junit.xml).
judge_run() {
	cat "$WORK/stdout"
	[ ! -e "$WORK/stderr" ] || cat "$WORK/stderr"
	expect_exit "$1" "$2" "$3"
	validate "$OUT/junit.xml"
}

# poll_until SECONDS CMD...: runs CMD every 0.05 s until it succeeds;
# fails (status 1) once SECONDS have passed.
poll_until() {
	local tries=$(($1 * 20))
	shift
	for _ in $(seq "$tries"); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# await PATTERN FILE: waits up to 15 s for a line of FILE to match.
await() {
	poll_until 15 grep -q "$1" "$2" 2>/dev/null || fail "'$1' never appeared in $2"
}

SIM=$SRC/fixtures/boardsim/boardsim.py

# start_sim [SPEED [FLAGS...]]: the board simulator (fixtures/boardsim),
# replaying the recorded boot at SPEED (0.1: ten times faster) with --stale
# unless FLAGS are given, told what to do at $WORK/ctl.  Sets SIM_PID and
# PORT (its console port).
start_sim() {
	local speed=${1:-0.1}
	shift
	[ $# -gt 0 ] || set -- --stale
	start_sim_at "$WORK/ctl" "$speed" "$@"
}

# start_sim_at CTL SPEED [FLAGS...]: a board simulator told what to do at
# CTL (python3 $SIM ctl CTL ...), with FLAGS as they are; one of several.
# Sets SIM_PID and PORT.
start_sim_at() {
	local ctl=$1 speed=$2
	shift 2
	python3 "$SIM" serve --control "$ctl" --log "$SRC/fixtures/logs/linux-boot-x86.log" \
		--speed "$speed" "$@" >"$ctl.port" &
	SIM_PID=$!
	poll_until 5 test -s "$ctl.port" || fail "the board simulator did not start"
	PORT=$(cat "$ctl.port")
}

# recorded_farm [POWER-OFF-SHELL [ELEMENTS]]: $WORK/farm.xml, one board
# 'sim1' on the simulator at $PORT whose power-off, power-on and reset
# each add a line (off, on, reset) to $WORK/actions.log; the reset boots
# the simulator, the power-off also runs the shell command given; ELEMENTS
# go in the target too.  No lock wait.
recorded_farm() {
	local rec=$WORK/actions.log
	cat >"$WORK/farm.xml" <<XML
<farm>
  <target name="sim1" kind="board">
    <console type="tcp" host="127.0.0.1" port="$PORT"/>
    <power-off timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo off &gt;&gt;$rec; ${1:-true}</arg></power-off>
    <power-on timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo on &gt;&gt;$rec</arg></power-on>
    <reset timeout="5"><arg>sh</arg><arg>-c</arg><arg>echo reset &gt;&gt;$rec; python3 $SIM ctl $WORK/ctl reset</arg></reset>
    ${2:-}
    <lock dir="$WORK" wait="0"/>
  </target>
</farm>
XML
}

# start_pty LINK: the console of the simulator at $PORT on a
# pseudo-terminal at LINK, as a USB adapter appears at
# /dev/serial/by-id/...  Sets SOCAT_PID.
start_pty() {
	command -v socat >/dev/null || fail "socat is not installed (./setup.sh installs it)"
	rm -f "$1"
	socat PTY,link="$1",raw,echo=0 TCP:127.0.0.1:"$PORT" &
	SOCAT_PID=$!
	poll_until 5 test -e "$1" || fail "socat made no pty at $1"
}

# in_session NAME CMD...: runs CMD as the leader of a session of its own
# (setsid), its pid (which is the session's id) written to $WORK/NAME.sid,
# and returns its exit status.  A child of CMD may put itself in a process
# group of its own, but it stays in the session: no_leftover finds it there,
# and a process of another test, in another session, is never taken for it.
# In the background (in_session NAME CMD... &), $! is a shell waiting for
# CMD: signal CMD itself at $(session_pid NAME).
in_session() {
	local sidfile=$WORK/$1.sid
	shift
	rm -f "$sidfile"
	# -w: should setsid have to fork, it still waits and passes the status on.
	setsid -w bash -c 'echo $$ >"$0" && exec "$@"' "$sidfile" "$@"
}

# end_sessions: kills (by pid) every process still alive in the sessions
# in_session started, so that a test failing midway leaves no hilt or QEMU
# running.  Run on exit; a test with its own EXIT trap calls it from there.
end_sessions() {
	local f
	for f in "$WORK"/*.sid; do
		[ -s "$f" ] || continue
		ps -s "$(cat "$f")" -o pid= | xargs -r kill -KILL 2>/dev/null
	done
	return 0
}
trap end_sessions EXIT

# session_pid NAME: the pid of the command in_session NAME started.
session_pid() {
	poll_until 10 test -s "$WORK/$1.sid" || fail "session $1 never started"
	cat "$WORK/$1.sid"
}

# no_leftover NAME WHAT: once the command of in_session NAME has exited, no
# process it started may be alive (zombies aside: they have ended and wait
# to be reaped).  Leftovers are killed (by pid) before the test fails, so
# that they do not outlive it.
no_leftover() {
	local sid left
	sid=$(session_pid "$1") || exit 1
	left=$(ps -s "$sid" -o pid=,stat=,args= | awk '$2 !~ /^Z/')
	[ -n "$left" ] || return 0
	echo "$left" >&2
	echo "$left" | awk '{ print $1 }' | xargs -r kill -KILL 2>/dev/null
	fail "$2 outlived the run: $(echo "$left" | awk '{ $1 = $2 = ""; sub(/^ +/, ""); print }' | paste -sd ';')"
}

# holds EXPR NAME=VALUE...: true when the awk expression EXPR holds for the
# values given (numbers with fractions, which the shell cannot compare).  A
# value that is not a number fails the test: awk would take it for 0.
holds() {
	local expr=$1 args=() a
	shift
	for a in "$@"; do
		[[ ${a#*=} =~ ^-?[0-9]+(\.[0-9]+)?$ ]] || fail "not a number: $a (in $expr)"
		args+=(-v "$a")
	done
	awk "${args[@]}" "BEGIN { exit !($expr) }"
}

# arrival LOG REGEX: when the end of the first match of REGEX (a Python
# regular expression over bytes) in the console log LOG had arrived, in
# seconds since the session's power-on, by LOG's timing file (LOG with .log
# replaced by .timing: one "DELAY BYTES" line a read, DELAY since the read
# before).  Fails when nothing matches.
arrival() {
	python3 - "$1" "${1%.log}.timing" "$2" <<'PY' || fail "'$2' is not in $1, or its timing is short"
import re, sys
data = open(sys.argv[1], "rb").read()
m = re.search(sys.argv[3].encode(), data)
if not m or m.end() == 0:
    sys.exit(1)
t, got = 0.0, 0
for line in open(sys.argv[2]):
    delay, n = line.split()
    t += float(delay)
    got += int(n)
    if got >= m.end():
        print("%.6f" % t)
        sys.exit(0)
sys.exit(1)
PY
}

# property NAME FILE: the value of the JUnit property NAME in FILE.
property() {
	sed -n 's/.*<property name="'"$1"'" value="\([^"]*\)".*/\1/p' "$2" | head -n 1
}

# case_time NAME FILE: the time attribute of the JUnit testcase NAME.
case_time() {
	sed -n 's/.*<testcase name="'"$1"'" [^>]*time="\([0-9.]*\)".*/\1/p' "$2" | head -n 1
}

# milestone_times NAME...: the JUnit ($OUT/junit.xml) holds a time for
# each milestone named.
milestone_times() {
	local m
	for m in "$@"; do
		grep -q "name=\"milestone.$m.time\" value=\"[0-9.]*\"" "$OUT/junit.xml" ||
			fail "no time for milestone $m in the JUnit"
	done
}

# The ARM64 guest, made beside the default one (make-guest.sh --arch arm64).
ARM64_GUEST=${ARM64_GUEST_DIR:-${HILT_GUEST_DIR:-}-arm64}

# need_arm64_guest: skips (exit 77) when the ARM64 guest was not made and
# this build does not make one; fails when it should have been.
need_arm64_guest() {
	[ -r "$ARM64_GUEST/boot.img" ] && [ -r "$ARM64_GUEST/Image" ] && return 0
	[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no ARM64 guest in $ARM64_GUEST (its build failed?)"
	echo "SKIP: no ARM64 guest in $ARM64_GUEST and this build does not make one"
	exit 77
}
