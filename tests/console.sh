#!/usr/bin/env bash
# hilt console as a person uses it, in a terminal (tmux): against the board
# simulator and the default guest.
# usage: console.sh board|signal|gone|guest
#   board   typed input reaches the device and its output is on screen;
#           ~m marks, ~p power-cycles (the board's commands run again, its
#           lock kept), ~. detaches (powered off, the lock let go); the
#           terminal is sane after; the recording replays
#   signal  SIGTERM: the board is powered off, the terminal is sane
#   gone    the console connection drops: hilt says so, the terminal is sane
#   guest   the default guest boots; uname -r; ~p boots it again
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
SESSION=hilt-console-$$
command -v tmux >/dev/null || fail "tmux is not installed (./setup.sh installs it)"

stop_all() {
	tmux kill-session -t "$SESSION" 2>/dev/null
	[ -z "${SIM_PID:-}" ] || { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }
	end_sessions
}
trap stop_all EXIT

# term CMD: a terminal running bash, where CMD is typed; what the terminal
# shows is read with screen.  After CMD, the terminal's settings go to
# $WORK/stty and hilt's exit status to $WORK/status.
term() {
	tmux new-session -d -s "$SESSION" -x 150 -y 50 "bash --norc --noprofile"
	tmux send-keys -t "$SESSION" "cd $SRC; $1; echo \$? >$WORK/status; stty -a >$WORK/stty" Enter
}

screen() {
	tmux capture-pane -p -S -3000 -t "$SESSION"
}

# shows REGEX [SECONDS]: waits until the terminal shows a line matching
# REGEX.
shows() {
	poll_until "${2:-30}" sh -c 'tmux capture-pane -p -S -3000 -t "$1" | grep -Eq -- "$2"' sh "$SESSION" "$1" ||
		{ screen; fail "the terminal never showed /$1/"; }
}

keys() {
	tmux send-keys -t "$SESSION" "$@"
}

# sane: the terminal hilt ran in is back in its line mode (echo, canonical
# input, signals from ^C), hilt having ended with status WANT.
sane() {
	poll_until 30 test -s "$WORK/stty" || { screen; fail "hilt did not end"; }
	[ "$(cat "$WORK/status")" = "$1" ] || { screen; fail "hilt ended with $(cat "$WORK/status"), not $1"; }
	grep -Eq '(^| )icanon( |$)' "$WORK/stty" && grep -Eq '(^| )echo( |$)' "$WORK/stty" &&
		grep -Eq '(^| )isig( |$)' "$WORK/stty" || { cat "$WORK/stty"; fail "the terminal is left raw"; }
}

rec=$WORK/actions.log
lock=$WORK/hilt-board-sim1.lock

console_cmd="$HILT console --farm $WORK/farm.xml --out $OUT sim1"

# holder: the pid that holds the board's lock, as the kernel lists it.
holder() {
	local ino
	ino=$(stat -c %i "$lock") || return 1
	awk -v ino="$ino" '$2 == "FLOCK" && $4 == "WRITE" && $6 ~ ":" ino "$" { print $5 }' /proc/locks
}

case "$1" in
board)
	start_sim
	recorded_farm
	term "$console_cmd"
	shows "\\[hilt: console of 'sim1' \\(board\\); ~\\? for help\\]"
	shows '^/ # ?$'
	word=typed-$$
	keys "echo $word" Enter
	shows "^$word\$"
	[ "$(tr '\n' , <"$rec")" = "off,on,reset," ] || fail "the board's commands: $(tr '\n' , <"$rec")"
	first=$(holder)
	[ -n "$first" ] || fail "nobody holds the board's lock"
	taken=$(stat -c %y "$lock")
	keys Enter "~m"
	shows '\[hilt: mark 1 at [0-9.]+ s\]'
	keys "~p"
	shows "\\[hilt: power cycle of 'sim1'\\]"
	# Off at the end of the first start, then the start's own off (a clean
	# state), on and reset.
	poll_until 20 sh -c 'test "$(tr "\n" , <"$1")" = "$2"' sh "$rec" "off,on,reset,off,off,on,reset," ||
		fail "no power cycle: $(tr '\n' , <"$rec")"
	# The cycle kept the lock: the same holder, the file not taken again.
	[ "$(holder)" = "$first" ] || fail "the lock changed hands in the power cycle"
	[ "$(stat -c %y "$lock")" = "$taken" ] || fail "the lock was let go and taken again"
	poll_until 30 sh -c "[ \$(grep -c 'Linux version' '$OUT/console@sim1.console.log') -ge 2 ]" ||
		fail "no second boot in the recording"
	keys Enter "~?"
	shows '\[hilt: ~\. detach \(power off, let go\)  ~p power cycle  ~m mark  ~\? help  ~~ send ~\]'
	keys "~."
	shows "\\[hilt: detached: powering 'sim1' off\\]"
	sane 0
	[ "$(tr '\n' , <"$rec")" = "off,on,reset,off,off,on,reset,off," ] ||
		fail "not powered off: $(tr '\n' , <"$rec")"
	[ -z "$(holder)" ] || fail "the lock is still held"
	cut -d' ' -f3- "$OUT/console@sim1.marks" >"$WORK/marks"
	cat "$WORK/marks"
	[ "$(tr '\n' , <"$WORK/marks")" = "mark 1,power-cycle,detach," ] || fail "not the marks of the hotkeys"
	# The recording replays: its boots and what was typed.
	cat >"$WORK/replay.xml" <<XML
<suite name="console-replay" timeout="30">
  <milestone name="banner" timeout="10">Linux version (?'kernel_version'\\S+)</milestone>
  <milestone name="prompt" timeout="10">^/ # </milestone>
  <milestone name="typed" timeout="10">^$word\$</milestone>
  <milestone name="second-banner" timeout="10">Linux version 6\\.</milestone>
</suite>
XML
	"$HILT" run --no-progress --out "$WORK/replay" --target "replay:$OUT/console@sim1.console.log" \
		"$WORK/replay.xml" >"$WORK/replay.out" 2>&1
	expect_exit 0 $? "the replay of the console's recording"
	cat "$WORK/replay.out"
	;;
signal)
	start_sim
	recorded_farm
	term "$console_cmd"
	shows '^/ # ?$'
	pid=$(pgrep -f "^$HILT console --farm $WORK/farm.xml") || fail "no hilt console"
	kill -TERM "$pid"
	shows "\\[hilt: signal 15: powering 'sim1' off\\]"
	sane 3
	[ "$(tr '\n' , <"$rec")" = "off,on,reset,off," ] || fail "not powered off: $(tr '\n' , <"$rec")"
	[ -z "$(holder)" ] || fail "the lock is still held"
	;;
gone)
	start_sim
	recorded_farm
	term "$console_cmd"
	shows '^/ # ?$'
	python3 "$SIM" ctl "$WORK/ctl" disconnect
	shows '\[hilt: the target is gone \((infrastructure|device)\): .*\]'
	sane 3
	grep -q ' gone$' "$OUT/console@sim1.marks" || fail "the loss is not marked"
	;;
guest)
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		echo "SKIP: no default guest in $HILT_GUEST_DIR"
		exit 77
	fi
	term "$HILT console --out $OUT default"
	shows "\\[hilt: console of 'default' \\(qemu\\); ~\\? for help\\]"
	shows '^/ # ?$' 60
	keys "uname -r" Enter
	shows '^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64$'
	keys Enter "~p"
	shows "\\[hilt: power cycle of 'default'\\]"
	poll_until 60 sh -c "[ \$(grep -c 'Linux version' '$OUT/console@default.console.log') -ge 2 ]" ||
		{ screen; fail "no second boot"; }
	poll_until 60 sh -c "[ \$(grep -c '^hilt-guest: init started' '$OUT/console@default.console.log') -ge 2 ]" ||
		{ screen; fail "the second boot did not reach init"; }
	keys Enter "~."
	sane 0
	;;
*)
	fail "unknown case $1"
	;;
esac
