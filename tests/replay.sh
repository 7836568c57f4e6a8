#!/usr/bin/env bash
# The replay target, and console input that is hostile to matchers and to
# XML: NUL bytes, invalid UTF-8, a 10 MB line, a log cut mid-pattern.
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out

run_replay() { # WANT WHAT LOG SUITE [ARGS...]
	local want=$1 what=$2 log=$3 suite=$4 rc
	shift 4
	"$HILT" run --target "replay:$log" --out "$OUT" "$@" "$suite" >"$WORK/stdout" 2>"$WORK/stderr"
	rc=$?
	judge_run "$want" "$rc" "$what"
}

# A recorded boot passes as it did live, steps included (their replies
# are in the recording).
run_replay 0 "recorded boot" fixtures/logs/linux-boot-x86.log suites/linux-boot.xml
[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 7 ] || fail "not 7 PASS lines"
assert_grep "name=\"replay.bytes\" value=\"$(stat -c %s fixtures/logs/linux-boot-x86.log)\"" "$OUT/junit.xml"
assert_grep 'name="capture.kernel_version" value="6.1.0-56-amd64"' "$OUT/junit.xml"

# A recorded panic fails the same way.
run_replay 1 "recorded panic" fixtures/logs/linux-panic-x86.log suites/linux-boot.xml
assert_grep "failure pattern 'kernel-panic' matched at [0-9.]* s: \[    2.082150\] Kernel panic - not syncing: VFS" "$OUT/junit.xml"

# A missing recording is an infrastructure error naming its path.
run_replay 3 "missing log" "$WORK/no-such.log" suites/linux-boot.xml
assert_grep "cannot open the recorded log $WORK/no-such.log: No such file or directory" "$OUT/junit.xml"
assert_no_grep '<failure' "$OUT/junit.xml"

# Realtime: the times of the recording come back, the banner's and the
# panic's (3.5 s and 5.4 s into it, by its timing file).
cat >"$WORK/farm.xml" <<XML
<farm><target name="rt" kind="replay">
  <log>$SRC/fixtures/logs/linux-panic-x86.log</log><speed>realtime</speed>
</target></farm>
XML
"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" suites/linux-boot.xml >"$WORK/stdout"
expect_exit 1 $? "realtime replay"
validate "$OUT/junit.xml"
rec=$(arrival fixtures/logs/linux-panic-x86.log 'Linux version \S+') || exit 1
at=$(property milestone.kernel-banner.time "$OUT/junit.xml")
echo "realtime banner at $at s, recorded at $rec s"
holds "a >= r - 0.01 && a < r + 0.5" a="$at" r="$rec" || fail "realtime banner at $at s, recorded at $rec s"
rec=$(arrival fixtures/logs/linux-panic-x86.log 'Kernel panic - not syncing[^\n]*\n') || exit 1
at=$(sed -n 's/.*failure pattern .kernel-panic. matched at \([0-9.]*\) s.*/\1/p' "$OUT/junit.xml" | head -n 1)
echo "realtime panic at $at s, recorded at $rec s"
holds "a >= r - 0.01 && a < r + 0.5" a="$at" r="$rec" || fail "realtime panic at $at s, recorded at $rec s"

# Hostile bytes.  The suite looks for a milestone after all of them.
cat >"$WORK/hostile.xml" <<'XML'
<suite name="hostile" timeout="60">
  <milestone name="after-nul" timeout="30">^after NUL (?'word'\w+)$</milestone>
  <milestone name="after-long-line" timeout="30">^after the long line$</milestone>
  <milestone name="cut" timeout="30">^the end of the log is mid-patt</milestone>
</suite>
XML
python3 - "$WORK/hostile.log" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"\x00\x00binary\x00junk\xff\xfe\xc3(\xed\xa0\x80 \x1b[31mred\x1b[0m\r\n")
    f.write(b"after NUL ok\r\n")
    f.write(b"x" * (10 * 1024 * 1024))
    f.write(b"\nafter the long line\n")
    f.write(b"the end of the log is mid-pat")
PY
run_replay 1 "hostile bytes" "$WORK/hostile.log" "$WORK/hostile.xml"
grep -q '^PASS .*after-nul' "$WORK/stdout" || fail "milestone after NUL bytes missed"
assert_grep 'name="capture.word" value="ok"' "$OUT/junit.xml"
grep -q '^PASS .*after-long-line' "$WORK/stdout" || fail "milestone after a 10 MB line missed"
grep -q "^FAIL .*cut: the recorded log .* ended" "$WORK/stdout" || fail "a log cut mid-pattern must fail the milestone"
# The console tail is bounded and its bytes are XML-safe.
[ "$(stat -c %s "$OUT/junit.xml")" -lt 400000 ] || fail "JUnit grew with the console"
# Escape sequences: a coloured prompt matches only when the suite strips
# them, and the raw log keeps them.
printf 'boot\r\n\033[1;32mroot@dev\033[0m:~# \033]0;dev\007' >"$WORK/ansi.log"
for strip in true false; do
	cat >"$WORK/ansi.xml" <<XML
<suite name="ansi" strip-ansi="$strip">
  <milestone name="prompt" timeout="10">^root@dev:~# </milestone>
</suite>
XML
	want=0
	[ $strip = true ] || want=1
	run_replay $want "coloured prompt, strip-ansi=$strip" "$WORK/ansi.log" "$WORK/ansi.xml"
done
cmp -s "$WORK/ansi.log" "$(ls "$OUT"/ansi@*.console.log)" || fail "the raw log lost its escape sequences"
# Line ends decide the same however the log is read: "ok\r\nnext\r\n"
# holds no blank line, read at once or with a read ending between \r and
# \n (realtime, from its timing file); a last line without a newline ends
# where the log ends ($ matches there, once the log is known to end).
printf 'ok\r\nnext\r\n' >"$WORK/crlf.console.log"
printf '0.010 3\n0.010 8\n' >"$WORK/crlf.console.timing"
cat >"$WORK/blank.xml" <<XML
<suite name="blank"><milestone name="blank-line" timeout="5">^$</milestone></suite>
XML
run_replay 1 "no blank line, one read" "$WORK/crlf.console.log" "$WORK/blank.xml"
run_replay 1 "no blank line, split after \\r" "$WORK/crlf.console.log" "$WORK/blank.xml" --realtime
grep -q '^FAIL .*blank-line' "$WORK/stdout" || fail "a blank line was found where there is none"
# A damaged timing file is said to be damaged, by line, before anything
# is replayed: the session is an infrastructure error (exit 3), not a
# replay of the part before the damage.
for bad in '0.1 5 junk|more after the byte count' '0.1|no space after the delay' \
	'x 5|the delay is not a number' '0.1 -5|the byte count is not a whole number' \
	'90000 1|a delay of more than a day' '0.1 99999999999|a chunk of more than 64 MiB'; do
	printf 'ok\r\nnext\r\n' >"$WORK/damaged.console.log"
	printf '0.010 3\n%s\n0.010 5\n' "${bad%%|*}" >"$WORK/damaged.console.timing"
	run_replay 3 "timing line '${bad%%|*}'" "$WORK/damaged.console.log" "$WORK/blank.xml" --realtime
	assert_grep "damaged.console.timing:2: .*${bad#*|}" "$OUT/junit.xml"
done
printf '0.010 3\n\n0.010 8\n' >"$WORK/damaged.console.timing"
run_replay 3 "a blank line inside a timing file" "$WORK/damaged.console.log" "$WORK/blank.xml" --realtime
assert_grep "damaged.console.timing:2: a blank line before the end" "$OUT/junit.xml"
printf '0.010 3\n0.010 8\n\n\n' >"$WORK/damaged.console.timing"
run_replay 1 "blank lines at the end of a timing file" "$WORK/damaged.console.log" "$WORK/blank.xml" --realtime
# A pattern that backtracks without end on this output cannot be
# searched: the session is the suite's error at once (type "pattern"),
# not a failure of the device at the milestone's deadline.
{ echo boot; head -c 5000 /dev/zero | tr '\0' a; echo; } >"$WORK/backtrack.log"
cat >"$WORK/backtrack.xml" <<XML
<suite name="backtrack"><milestone name="runaway" timeout="30">^(a+)+[bc]</milestone>
<milestone name="after">boot</milestone></suite>
XML
t0=$SECONDS
run_replay 3 "a pattern that backtracks without end" "$WORK/backtrack.log" "$WORK/backtrack.xml" --retries 0
[ $((SECONDS - t0)) -lt 10 ] || fail "the runaway pattern was judged after $((SECONDS - t0)) s, not at once"
assert_grep "type=\"pattern\"" "$OUT/junit.xml"
assert_grep "a pattern could not be searched in the console output: it hit pcre2's backtracking limit" "$OUT/junit.xml"
printf 'booting\nready' >"$WORK/last.log"
cat >"$WORK/last.xml" <<XML
<suite name="last"><milestone name="ready" timeout="5">^ready$</milestone></suite>
XML
run_replay 0 "a last line without a newline" "$WORK/last.log" "$WORK/last.xml"
# What the farm says of every target reaches the scheduler.  Its
# timeout-multiplier scales the sessions' deadlines, the command line's
# --timeout-multiplier times it: the failure names the deadline waited.
# The log is a FIFO this shell holds open and never writes, so only a
# deadline ends the session.
mkfifo "$WORK/silent.fifo"
exec 3<>"$WORK/silent.fifo"
cat >"$WORK/farm.xml" <<XML
<farm><target name="slow" kind="replay" timeout-multiplier="3">
  <log>$WORK/silent.fifo</log>
</target></farm>
XML
cat >"$WORK/silent.xml" <<XML
<suite name="silent"><milestone name="never" timeout="0.1">^never printed$</milestone></suite>
XML
"$HILT" run --farm "$WORK/farm.xml" --out "$OUT" "$WORK/silent.xml" >"$WORK/stdout" 2>&1
judge_run 1 $? "a target with timeout-multiplier 3"
assert_grep "milestone /^never printed\$/ not seen within 0.3 s" "$OUT/junit.xml"
"$HILT" run --farm "$WORK/farm.xml" --timeout-multiplier 2 --out "$OUT" "$WORK/silent.xml" \
	>"$WORK/stdout" 2>&1
judge_run 1 $? "timeout-multiplier 3 on the target, 2 on the command line"
assert_grep "milestone /^never printed\$/ not seen within 0.6 s" "$OUT/junit.xml"
exec 3>&-
# Its health check (relative to the farm file) runs on it before the
# first session.
mkdir -p "$WORK/farm"
cat >"$WORK/farm/health.xml" <<XML
<suite name="health"><milestone name="banner" timeout="10">Linux version</milestone></suite>
XML
cat >"$WORK/farm/farm.xml" <<XML
<farm><target name="checked" kind="replay">
  <log>$SRC/fixtures/logs/linux-boot-x86.log</log>
  <health-check suite="health.xml"/>
</target></farm>
XML
"$HILT" run --farm "$WORK/farm/farm.xml" --out "$OUT" suites/linux-boot.xml >"$WORK/stdout" 2>&1
judge_run 0 $? "a target with a health check"
[ "$(grep -o '<testsuite name="[^"]*"' "$OUT/junit.xml" | tr '\n' ' ')" = \
  '<testsuite name="health@checked" <testsuite name="linux-boot@checked" ' ] ||
	fail "not the health check, then the suite: $(grep -o '<testsuite name="[^"]*"' "$OUT/junit.xml")"
echo "replay: all checks passed"
