#!/usr/bin/env bash
# hilt console as a person uses it, in a terminal (tmux): against the board
# simulator and the default guest.
# usage: console.sh board|attach|hotkeys|wait|watch|watch-run|signal|gone|guest
#   board   typed input reaches the device and its output is on screen;
#           ~m marks, ~p power-cycles (the board's commands run again, its
#           lock kept), ~. detaches (powered off, the lock let go); the
#           terminal is sane after; the recording replays
#   attach  without --power-on/--reset the board is taken as it is: no
#           command runs, at the start or at the detach
#   hotkeys on a telnet console: ~b sends a BREAK, ~r resets, ~d runs the
#           boot-mode sequence, ~s sends a file paced, ~0 powers off (the
#           lock kept, typing refused), ~1 powers on; each marked; replays
#   wait    a held board: refused at once naming its holder; with --wait
#           hilt says who holds it and takes it once it is let go; ~.
#           gives a wait up
#   watch   two observers and a holder: the same bytes in order; a stopped
#           observer is dropped and never holds the holder up
#   watch-run  an observer of a scheduled run's session sees its console
#   signal  SIGTERM: the board is powered off, the terminal is sane
#   gone    the console connection drops: hilt says so, the terminal is sane
#   guest   the default guest boots; uname -r; ~r resets it, so does its
#           own reboot; ~b is refused saying why; ~p boots it again; an
#           observer sees it all
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

console_cmd="$HILT console --farm $WORK/farm.xml --out $OUT --power-on --reset sim1"

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
	shows '\[hilt: ~\. detach  ~0 power off  ~1 power on  ~p power cycle  ~r reset  ~d boot-mode  ~b BREAK  ~s send a file  ~m mark  ~\? help  ~~ send ~\]'
	keys "~."
	shows "\\[hilt: detached from 'sim1'\\]"
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
attach)
	start_sim 0.1 --booted
	recorded_farm
	term "$HILT console --farm $WORK/farm.xml --out $OUT sim1"
	shows "\\[hilt: console of 'sim1' \\(board\\); ~\\? for help\\]"
	keys "uname -r" Enter
	shows '^6\.1\.0-56-amd64$'
	[ -n "$(holder)" ] || fail "nobody holds the board's lock"
	[ ! -s "$rec" ] || fail "attaching ran the board's commands: $(tr '\n' , <"$rec")"
	keys Enter "~."
	sane 0
	[ ! -s "$rec" ] || fail "detaching ran the board's commands: $(tr '\n' , <"$rec")"
	[ -z "$(holder)" ] || fail "the lock is still held"
	;;
hotkeys)
	start_sim 0.1 --stale --telnet --events "$rec"
	recorded_farm true '<gpio chip="fake:'"$WORK/gpio.log"'">
      <line name="en" offset="17" active-low="true"/><line name="boot" offset="27" active-low="true"/>
    </gpio>
    <download-sequence>
      <set line="boot" value="1"/><set line="en" value="1"/><wait ms="50"/>
      <set line="en" value="0"/><wait ms="50"/><set line="boot" value="0"/>
    </download-sequence>'
	sed -i 's/type="tcp"/type="telnet"/' "$WORK/farm.xml"
	term "$console_cmd"
	shows '^/ # ?$'
	# commands: what the board was asked, in order (the simulator adds
	# "break" for each telnet BREAK it received).
	commands() {
		poll_until 20 sh -c 'test "$(tr "\n" , <"$1")" = "$2"' sh "$rec" "$1" ||
			{ screen; fail "the board's commands: $(tr '\n' , <"$rec"), not $1"; }
	}
	commands "off,on,reset,"
	keys Enter "~b"
	shows '\[hilt: BREAK done\]'
	commands "off,on,reset,break,"
	keys Enter "~r"
	shows '\[hilt: reset done\]'
	commands "off,on,reset,break,reset,"
	# The second boot's prompt (the first boot's stale copy and the
	# first boot came before it).
	poll_until 30 sh -c "[ \$(grep -c 'Linux version 6' '$OUT/console@sim1.console.log') -ge 2 ] &&
		tail -c 4 '$OUT/console@sim1.console.log' | grep -q '^/ # '" ||
		{ screen; fail "no boot after the reset"; }
	keys Enter "~d"
	shows '\[hilt: boot-mode sequence done\]'
	[ "$(cut -d' ' -f2- "$WORK/gpio.log" | tr '\n' ,)" = "en 1,boot 1,boot 0,en 0,en 1,boot 1," ] ||
		fail "not the boot-mode sequence: $(cut -d' ' -f2- "$WORK/gpio.log" | tr '\n' ,)"
	# A file, 16 bytes at a time, each once echoed.
	printf 'echo sent-one\necho sent-two\n' >"$WORK/script.txt"
	keys Enter "~s"
	shows '\[hilt: send file:'
	keys "$WORK/script.txt" Enter
	shows '\[hilt: sent 28 bytes\]'
	shows '^sent-two$'
	holding=$(holder)
	keys Enter "~0"
	shows "\\[hilt: 'sim1' is off; ~1 powers it on, ~\\. lets it go\\]"
	commands "off,on,reset,break,reset,off,"
	[ "$(holder)" = "$holding" ] || fail "the lock was let go at the power-off"
	keys "x"
	shows "\\[hilt: 'sim1' is off: ~1 powers it on\\]"
	keys "~1"
	shows "\\[hilt: power on of 'sim1'\\]"
	commands "off,on,reset,break,reset,off,off,on,reset,"
	poll_until 30 sh -c '[ "$(tmux capture-pane -p -S -3000 -t "$1" | grep -c "console of .sim1. (board)")" -ge 2 ]' \
		sh "$SESSION" || { screen; fail "the board did not come back"; }
	keys Enter "~."
	sane 0
	commands "off,on,reset,break,reset,off,off,on,reset,off,"
	cut -d' ' -f3- "$OUT/console@sim1.marks" | tr '\n' , >"$WORK/marks"
	cat "$WORK/marks"; echo
	[ "$(cat "$WORK/marks")" = "BREAK,BREAK done,reset,reset done,boot-mode sequence,boot-mode sequence done,send $WORK/script.txt (28 bytes, 16 at a time),sent 28 bytes,power-off,power-on,detach," ] ||
		fail "not the marks of the hotkeys"
	cat >"$WORK/replay.xml" <<XML
<suite name="console-replay" timeout="30">
  <milestone name="banner" timeout="10">Linux version 6\\.</milestone>
  <milestone name="after-reset" timeout="10">Linux version 6\\.</milestone>
  <milestone name="sent" timeout="10">^sent-two</milestone>
</suite>
XML
	"$HILT" run --no-progress --out "$WORK/replay" --target "replay:$OUT/console@sim1.console.log" \
		"$WORK/replay.xml" >"$WORK/replay.out" 2>&1
	expect_exit 0 $? "the replay of the console's recording"
	;;
wait)
	start_sim 0.1 --booted
	recorded_farm
	term "$HILT console --farm $WORK/farm.xml --out $OUT/first sim1"
	shows "\\[hilt: console of 'sim1' \\(board\\); ~\\? for help\\]"
	first=$(holder)
	[ -n "$first" ] || fail "nobody holds the board's lock"
	sleep 5 | "$HILT" console --farm "$WORK/farm.xml" --out "$OUT/second" sim1 >"$WORK/second.out" 2>&1
	expect_exit 3 $? "a console on a board someone holds"
	cat "$WORK/second.out"
	grep -q "board 'sim1' is busy: another session holds .*, pid $first (.*hilt console" "$WORK/second.out" ||
		fail "the refusal does not name the holder"
	mkfifo "$WORK/in"
	"$HILT" console --farm "$WORK/farm.xml" --out "$OUT/third" --wait=1m sim1 \
		<"$WORK/in" >"$WORK/third.out" 2>&1 &
	third=$!
	exec 7>"$WORK/in"
	await "waiting for 'sim1': in use by .*, pid $first, since .*: .*hilt console" "$WORK/third.out"
	# A fourth gives up its wait with ~. (typed while the board is not
	# up yet), never having had the board.
	mkfifo "$WORK/in4"
	"$HILT" console --farm "$WORK/farm.xml" --out "$OUT/fourth" --wait sim1 \
		<"$WORK/in4" >"$WORK/fourth.out" 2>&1 &
	fourth=$!
	exec 8>"$WORK/in4"
	await "waiting for 'sim1': in use by .*, pid $first" "$WORK/fourth.out"
	printf 'x~.' >&8
	wait "$fourth"
	expect_exit 0 $? "a console that gave up its wait"
	grep -q "is not up yet: what is typed goes nowhere; ~\\. gives up" "$WORK/fourth.out" &&
		grep -q "detached from 'sim1'" "$WORK/fourth.out" || { cat "$WORK/fourth.out"; fail "no detach while waiting"; }
	exec 8>&-
	[ "$(holder)" = "$first" ] || fail "the board changed hands"
	keys Enter "~."
	sane 0
	await "console of 'sim1' (board)" "$WORK/third.out"
	[ "$(holder)" = "$third" ] || fail "the waiting console does not hold the board"
	exec 7>&-
	wait "$third"
	expect_exit 0 $? "the console that waited, its input closed"
	;;
watch)
	start_sim 0.1 --booted
	recorded_farm
	mkfifo "$WORK/in"
	"$HILT" console --farm "$WORK/farm.xml" --out "$OUT" sim1 <"$WORK/in" >"$WORK/holder.out" 2>"$WORK/holder.err" &
	holder_pid=$!
	exec 7>"$WORK/in"
	await "console of 'sim1'" "$WORK/holder.err"
	for o in a b c; do
		"$HILT" console --watch --farm "$WORK/farm.xml" sim1 >"$WORK/$o.out" 2>"$WORK/$o.err" &
		eval "obs_$o=\$!"
		await "watching 'sim1' (read-only), held by .*, pid $holder_pid, .*: hilt console; from console byte" "$WORK/$o.err"
	done
	kill -STOP "$obs_b"
	printf 'flood 64000\r' >&7
	poll_until 60 grep -q '^flood done' "$OUT/console@sim1.console.log" || fail "the flood did not end"
	# The holder went on while b was stopped, and dropped it.
	[ "$(ps -o stat= -p "$obs_b" | cut -c1)" = T ] || fail "observer b is not stopped"
	await 'observer [0-9] dropped: it fell 1024 KiB behind' "$WORK/holder.err"
	printf '~.' >&7
	exec 7>&-
	wait "$holder_pid"
	expect_exit 0 $? "the holder"
	kill -CONT "$obs_b"
	wait "$obs_b"
	expect_exit 3 $? "the dropped observer"
	cat "$WORK/b.err"
	grep -Eq 'dropped: this observer fell 1024 KiB behind|ended without the holder.s goodbye' "$WORK/b.err" ||
		fail "the dropped observer does not say so"
	log=$OUT/console@sim1.console.log
	for o in a c; do
		eval "wait \$obs_$o"
		expect_exit 0 $? "observer $o"
		grep -q "the holder let the console go: hilt console of 'sim1' ended" "$WORK/$o.err" ||
			fail "observer $o was not told the end"
		from=$(sed -n "s/.*from console byte \([0-9]*\)\].*/\1/p" "$WORK/$o.err")
		tail -c +$((from + 1)) "$log" | cmp - "$WORK/$o.out" ||
			fail "observer $o did not see the console's bytes from $from in order"
		echo "observer $o: $(wc -c <"$WORK/$o.out") bytes from byte $from, as the recording"
	done
	[ "$(wc -c <"$log")" -gt 4000000 ] || fail "the flood was not 4 MB"
	;;
watch-run)
	start_sim 0.1
	recorded_farm
	"$HILT" console --watch --farm "$WORK/farm.xml" sim1 >"$WORK/obs.out" 2>"$WORK/obs.err" &
	obs=$!
	await "nobody holds the console of 'sim1' now: waiting for a holder" "$WORK/obs.err"
	"$HILT" run --no-progress --farm "$WORK/farm.xml" --target sim1 --out "$WORK/run" \
		tests/data/board-boot.xml >"$WORK/run.out" 2>&1
	expect_exit 0 $? "the run"
	wait "$obs"
	expect_exit 0 $? "the observer of the run"
	cat "$WORK/obs.err"
	grep -q "held by .*: hilt run: suite 'board-boot'" "$WORK/obs.err" || fail "the holder is not the run"
	grep -q "the session of suite 'board-boot' on 'sim1' ended" "$WORK/obs.err" || fail "no goodbye from the run"
	from=$(sed -n "s/.*from console byte \([0-9]*\)\].*/\1/p" "$WORK/obs.err")
	tail -c +$((from + 1)) "$WORK/run/board-boot@sim1.console.log" | cmp - "$WORK/obs.out" ||
		fail "the observer did not see the session's console"
	echo "the observer saw $(wc -c <"$WORK/obs.out") bytes from byte $from, as the session's log"
	;;
signal)
	start_sim
	recorded_farm
	term "$console_cmd"
	shows '^/ # ?$'
	pid=$(pgrep -f "^$HILT console --farm $WORK/farm.xml") || fail "no hilt console"
	kill -TERM "$pid"
	shows "\\[hilt: signal 15: letting 'sim1' go\\]"
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
	# An observer, waiting for the guest's console before it is up.  The
	# place they meet is this test's own: another test's session on the
	# default guest must not be the holder it finds.
	export XDG_RUNTIME_DIR=$WORK/run
	mkdir -p "$XDG_RUNTIME_DIR"
	"$HILT" console --watch default >"$WORK/obs.out" 2>"$WORK/obs.err" &
	obs=$!
	await "nobody holds the console of 'default' now: waiting for a holder" "$WORK/obs.err"
	term "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR $HILT console --out $OUT default"
	shows "\\[hilt: console of 'default' \\(qemu\\); ~\\? for help\\]"
	shows '^/ # ?$' 60
	keys "uname -r" Enter
	shows '^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64$'
	version=$(screen | grep -E '^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64$' | head -1)
	poll_until 10 grep -q "^$version" "$WORK/obs.out" || fail "the observer did not see uname's answer"
	grep -q "held by .*: hilt console; from console byte" "$WORK/obs.err" || fail "the observer does not say who holds it"
	# A reset through QEMU's monitor, then the guest's own reboot (reset
	# too, at a person's console), then a power cycle: four boots.
	boots() {
		poll_until 60 sh -c "[ \$(grep -c '^hilt-guest: init started' '$OUT/console@default.console.log') -ge $1 ]" ||
			{ screen; fail "boot $1 did not reach init"; }
	}
	keys Enter "~r"
	shows '\[hilt: reset done\]'
	boots 2
	shows '^/ # ?$' 60
	keys "reboot -f" Enter
	boots 3
	shows '^/ # ?$' 60
	keys Enter "~b"
	shows "\\[hilt: BREAK failed: a QEMU guest \\('default'\\) has no serial BREAK from hilt: ~r resets it, ~p boots it again\\]"
	keys Enter "~p"
	shows "\\[hilt: power cycle of 'default'\\]"
	boots 4
	keys Enter "~."
	sane 0
	wait "$obs"
	expect_exit 0 $? "the observer of the guest's console"
	[ "$(grep -c 'Linux version' "$WORK/obs.out")" -ge 4 ] || fail "the observer did not see the four boots"
	;;
*)
	fail "unknown case $1"
	;;
esac
