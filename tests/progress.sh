#!/bin/bash
# What a person sees of a run: on a terminal (tmux), the live status block
# below the finished cases, redrawn and gone at the end, coloured unless
# NO_COLOR is set; not on a terminal, plain lines only.
# Usage: progress.sh tty|plain
. "$SRC/tests/lib.sh"
cd "$SRC"
OUT=$WORK/out
LOG=$SRC/fixtures/logs/linux-boot-x86.log

# Four suites of the recorded boot (9.4 s at its recorded pace), two at
# a time.
for i in 1 2 3 4; do
	sed "s/<suite name=\"linux-boot\"/<suite name=\"boot-$i\"/" suites/linux-boot.xml >"$WORK/boot-$i.xml"
done
RUN=("$HILT" run --jobs 2 --realtime --target "replay:$LOG" --out "$OUT" "$WORK"/boot-{1,2,3,4}.xml)
# Two of them: one round.
RUN2=("$HILT" run --jobs 2 --realtime --target "replay:$LOG" --out "$OUT" "$WORK"/boot-{1,2}.xml)

case "$1" in
tty)
	command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
	export TMUX_TMPDIR=$WORK
	tmux_kill() { tmux kill-server 2>/dev/null; end_sessions; }
	trap tmux_kill EXIT
	# A shell in a 100x30 terminal runs hilt; the pane is read as a
	# person would see it.
	tmux new-session -d -s hilt -x 100 -y 30 "bash --norc --noprofile"
	tmux set-option -t hilt remain-on-exit on
	tmux send-keys -t hilt "cd '$SRC' && ${RUN[*]}; echo \"exit=\$?\"" Enter
	# Mid-run: two sessions running, two queued, their cases shown.  The
	# pane is looked at until it shows them (for the 9.4 s of the first
	# two sessions), not once at a guessed moment.
	mid_run() {
		tmux capture-pane -p -t hilt >"$WORK/mid"
		grep -q '^  [0-9]* passed, 0 failed, 0 errors, 0 skipped | 2 running, 2 queued, 0 done$' "$WORK/mid"
	}
	poll_until 20 mid_run || fail "no status block of two running and two queued: $(cat "$WORK/mid")"
	cat "$WORK/mid"
	[ "$(grep -c '^  RUN   boot-[1-4]@replay:linux-boot-x86  [a-z-]*  [0-9]* s$' "$WORK/mid")" -eq 2 ] ||
		fail "not two running sessions with their case and elapsed time"
	# The block is coloured (escape sequences kept by -e).
	tmux capture-pane -p -e -t hilt | grep -q $'\033\\[[0-9;]*m  RUN' || fail "the status block has no colour"
	# At the end: every case's line, no status block left.
	poll_until 60 sh -c "tmux capture-pane -p -t hilt | grep -q '^exit='" || fail "the run did not end"
	tmux capture-pane -p -S - -t hilt >"$WORK/end"
	cat "$WORK/end"
	assert_grep '^exit=0$' "$WORK/end"
	[ "$(grep -c '^PASS  boot-[1-4]@replay:linux-boot-x86 ' "$WORK/end")" -eq 28 ] || fail "not 28 PASS lines"
	assert_no_grep '^  RUN ' "$WORK/end"
	assert_no_grep ' running, .* queued' "$WORK/end"
	# NO_COLOR: the same block without colour (then ^C, as a person
	# would: the run ends at once with what finished).
	tmux send-keys -t hilt "clear; NO_COLOR=1 ${RUN2[*]}; echo \"exit=\$?\"" Enter
	poll_until 20 sh -c "tmux capture-pane -p -t hilt | grep -q '^  RUN   boot-'" || fail "no status block"
	tmux capture-pane -p -e -t hilt >"$WORK/nocolor"
	grep -q $'\033\\[[0-9;]*m' "$WORK/nocolor" && fail "colour despite NO_COLOR: $(cat -v "$WORK/nocolor")"
	tmux send-keys -t hilt C-c
	poll_until 10 sh -c "tmux capture-pane -p -t hilt | grep -q '^exit=3'" || fail "^C did not end the run"
	tmux capture-pane -p -t hilt >"$WORK/interrupted"
	assert_no_grep '^  RUN ' "$WORK/interrupted"
	;;
plain)
	# Not a terminal: one line per finished case, nothing else on stdout.
	"${RUN2[@]}" >"$WORK/stdout" 2>"$WORK/stderr"
	judge_run 0 $? "two replays, stdout a file"
	grep -q $'\033' "$WORK/stdout" && fail "escape sequences in plain output"
	[ "$(grep -c '^PASS  boot-[12]@replay:linux-boot-x86 ' "$WORK/stdout")" -eq 14 ] || fail "not 14 PASS lines"
	[ "$(grep -vc '^PASS  ' "$WORK/stdout")" -eq 1 ] || fail "more than the PASS lines and the summary"
	# --no-progress on a terminal is the same: checked with script(1),
	# which gives the run a pty.
	if command -v script >/dev/null; then
		script -qec "${RUN2[*]} --no-progress" /dev/null >"$WORK/pty" 2>&1
		expect_exit 0 $? "--no-progress on a pty"
		grep -q 'RUN   boot' "$WORK/pty" && fail "a status block despite --no-progress"
		[ "$(grep -c '^PASS  boot-' "$WORK/pty")" -eq 14 ] || fail "not 14 PASS lines on the pty"
	fi
	;;
*)
	fail "unknown case $1"
	;;
esac
