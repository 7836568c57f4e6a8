#!/usr/bin/env bash
# MicroPython's REPL on a board console: the real interpreter (its
# WebAssembly port, fixtures/micropython/board.mjs) served on a TCP port as
# an ESP32-S3's UART, a board target of hilt on it.
#   banner      suites/micropython-esp32s3.xml passes: the banner's version
#               (the interpreter's own) and board captured, 1+1 at >>>, a
#               raw-REPL script's flash size and free memory
#   expression  expressions at the friendly prompt: a reply that matches
#               passes, one that does not fails with what came back
#   script      a multi-line script (indented in the suite) through the raw
#               REPL, also paced, its output matched and captured; back at
#               the friendly prompt, its globals are there (as on a board);
#               a script in CDATA using a captured value
#   exception   a script that raises fails with the exception's type and
#               message, its traceback the detail; the next case still runs
#   timeout     a script still running at its deadline fails saying so; the
#               next case runs at the friendly prompt
#   mismatch    a script whose output does not match fails with what it
#               printed
#   replay      the console log of a run, replayed: the banner and the
#               expression are judged again, the script is skipped (the raw
#               REPL does not echo: the log cannot show which script ran)
#   recorded    the same on a log kept in the tree (fixtures/logs), without
#               the interpreter
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
SUITE=suites/micropython-esp32s3.xml
MPY_DIR=${HILT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilt}/micropython
MPY_PKG=$MPY_DIR/node_modules/@micropython/micropython-webassembly-pyscript

need_micropython() {
	command -v node >/dev/null || { echo "SKIP: no node (./setup.sh installs Node.js)"; exit 77; }
	[ -r "$MPY_PKG/micropython.mjs" ] ||
		{ echo "SKIP: MicroPython's WebAssembly port is not in $MPY_DIR (./setup.sh installs it)"; exit 77; }
}

BOARD_PID=
stop_board() {
	[ -z "$BOARD_PID" ] || { kill "$BOARD_PID" 2>/dev/null; wait "$BOARD_PID" 2>/dev/null; }
	end_sessions
}
trap stop_board EXIT

# start_board: the board, reset through its control socket; sets PORT and
# writes the farm (one board target on its TCP console).
start_board() {
	need_micropython
	node fixtures/micropython/board.mjs --control "$WORK/ctl" >"$WORK/board.port" 2>"$WORK/board.err" &
	BOARD_PID=$!
	poll_until 10 test -s "$WORK/board.port" || { cat "$WORK/board.err"; fail "the MicroPython board did not start"; }
	PORT=$(cat "$WORK/board.port")
	cat >"$WORK/farm.xml" <<XML
<farm>
  <target name="mpy1" kind="board" tags="firmware=micropython chip=esp32s3">
    <console type="tcp" host="127.0.0.1" port="$PORT"/>
    <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>$WORK/ctl</arg><arg>reset</arg></reset>
    <lock dir="$WORK"/>
  </target>
</farm>
XML
}

# run_mpy WANT WHAT SUITE: runs SUITE on the board and judges the run.
run_mpy() {
	in_session hilt "$HILT" run --no-progress --retries 0 --farm "$WORK/farm.xml" --out "$OUT" "$3" \
		>"$WORK/stdout" 2>&1
	judge_run "$1" $? "$2"
	no_leftover hilt "a command hilt started"
}

# suite NAME BODY: a suite at the board's friendly prompt, after its banner.
suite() {
	cat >"$WORK/$1.xml" <<XML
<suite name="$1" timeout="60">
  <failure-patterns defaults="none"/>
  <shell prompt="^>>> " line-end="cr"/>
  <milestone name="banner" timeout="20">^MicroPython v\S+ on </milestone>
  $2
</suite>
XML
}

case_banner() {
	start_board
	run_mpy 0 "the shipped suite" $SUITE
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 4 ] || fail "not 4 PASS lines"
	version=$(node -p "require('$MPY_PKG/package.json').version")
	# The version is the interpreter's (its banner), not the fixture's.
	assert_grep "name=\"capture.mpy_version\" value=\"v$version\"" "$OUT/junit.xml"
	assert_grep 'name="capture.mpy_date" value="20[0-9][0-9]-[01][0-9]-[0-3][0-9]"' "$OUT/junit.xml"
	assert_grep 'name="capture.board" value="Generic ESP32S3 module"' "$OUT/junit.xml"
	assert_grep 'name="capture.chip" value="ESP32S3"' "$OUT/junit.xml"
	grep -q 'name="capture.mem_free" value="[1-9][0-9]*"' "$OUT/junit.xml" || fail "gc.mem_free() was not captured"
	# The script's output is the case's system-out.
	python3 - "$OUT/junit.xml" <<'PY' || fail "the script's output is not the case's system-out"
import sys, xml.etree.ElementTree as ET
case = ET.parse(sys.argv[1]).find(".//testcase[@name='flash-and-heap']")
out = case.find("system-out").text
print("system-out of flash-and-heap: %r" % out)
assert out.startswith("flash 16777216\r\nfree "), out
PY
	# What the script was typed as: the raw REPL, entered and left.
	log="$OUT/micropython-esp32s3@mpy1.console.log"
	assert_grep 'raw REPL; CTRL-B to exit' "$log"
	[ "$(grep -c '^MicroPython v' "$log")" -eq 2 ] || fail "not back at the friendly REPL (Ctrl-B) after the script"
}

case_expression() {
	start_board
	suite expr '<step name="power" timeout="5"><send>2**10</send><expect>^1024\r?$</expect></step>
  <step name="wrong" timeout="5"><send>1+1</send><expect>^3\r?$</expect></step>
  <step name="after" timeout="5"><send>"a" * 3</send><expect>^'"'aaa'"'\r?$</expect></step>'
	run_mpy 1 "expressions, one answered wrong" "$WORK/expr.xml"
	assert_grep '^PASS  expr@mpy1 power' "$WORK/stdout"
	assert_grep "^FAIL  expr@mpy1 wrong: step '1+1': reply did not match /^3\\\\r?\$/: got \"2\"" "$WORK/stdout"
	assert_grep '^PASS  expr@mpy1 after' "$WORK/stdout"
}

SCRIPT_CASE='<python name="loop" timeout="10">
      total = 0
      for i in range(5):
          if i &lt; 4:
              total += i
      print("total", total)
      print("chip", __import__("esp").flash_size() // 1024 // 1024, "MB")
      <expect>^total (?'"'total'"'\d+)\r?$</expect>
      <expect>^chip 16 MB\r?$</expect>
    </python>'

case_script() {
	start_board
	suite script "$SCRIPT_CASE"'
  <step name="friendly" timeout="5"><send>total</send><expect>^6\r?$</expect></step>
  <python name="cdata" timeout="10"><![CDATA[
      if 1 < 2 and "${total}" == "6":
          print("twice", int("${total}") * 2)
  ]]><expect>^twice 12\r?$</expect></python>'
	run_mpy 0 "a script through the raw REPL" "$WORK/script.xml"
	assert_grep 'name="capture.total" value="6"' "$OUT/junit.xml"
	# Paced for a small FIFO: by time (the raw REPL does not echo).
	sed 's|<shell prompt="^>>> " line-end="cr"/>|<shell prompt="^>>> " line-end="cr" pace="16"/>|' \
		"$WORK/script.xml" >"$WORK/paced.xml"
	run_mpy 0 "a paced script" "$WORK/paced.xml"
	assert_grep 'name="capture.total" value="6"' "$OUT/junit.xml"
}

case_exception() {
	start_board
	suite boom '<python name="boom" timeout="10">
      def check(v):
          raise ValueError("bad value")
      print("before")
      check(1)
    </python>
  <step name="after" timeout="5"><send>6*7</send><expect>^42\r?$</expect></step>'
	run_mpy 1 "a script that raises" "$WORK/boom.xml"
	assert_grep "^FAIL  boom@mpy1 boom: python 'boom': ValueError: bad value" "$WORK/stdout"
	assert_grep '^PASS  boom@mpy1 after' "$WORK/stdout"
	python3 - "$OUT/junit.xml" <<'PY' || fail "the failure does not hold the traceback"
import sys, xml.etree.ElementTree as ET
case = ET.parse(sys.argv[1]).find(".//testcase[@name='boom']")
f = case.find("failure")
print("failure: %s (%s)\n%s" % (f.get("message"), f.get("type"), f.text))
assert f.get("type") == "python-exception"
assert f.get("message") == "python 'boom': ValueError: bad value"
assert "Traceback (most recent call last):" in f.text and ', line 2, in check' in f.text, f.text
assert case.find("system-out").text.startswith("before"), "what it printed first"
PY
}

case_timeout() {
	start_board
	suite slow '<python name="slow" timeout="1">
      import time
      print("sleeping")
      time.sleep(3)
    </python>
  <step name="after" timeout="10"><send>6*7</send><expect>^42\r?$</expect></step>'
	run_mpy 1 "a script that runs too long" "$WORK/slow.xml"
	assert_grep "^FAIL  slow@mpy1 slow: python 'slow': the script did not finish within 1 s" "$WORK/stdout"
	# Stopped and out of the raw REPL: the friendly prompt takes the next.
	assert_grep '^PASS  slow@mpy1 after' "$WORK/stdout"
}

case_mismatch() {
	start_board
	suite mismatch '<python name="answer" timeout="10">
      print("hello", 41)
      print("more")
      <expect>^hello 42\r?$</expect>
    </python>'
	run_mpy 1 "a script printing the wrong answer" "$WORK/mismatch.xml"
	assert_grep "^FAIL  mismatch@mpy1 answer: python 'answer': the output did not match /^hello 42\\\\r?\$/: got \"hello 41\" \\.\\.\\." \
		"$WORK/stdout"
	assert_grep 'type="python-mismatch"' "$OUT/junit.xml"
}

case_replay() {
	start_board
	run_mpy 0 "the shipped suite" $SUITE
	cp "$OUT/micropython-esp32s3@mpy1.console.log" "$WORK/mpy.log"
	"$HILT" run --no-progress --out "$WORK/replayed" --target "replay:$WORK/mpy.log" $SUITE \
		>"$WORK/stdout" 2>&1
	OUT=$WORK/replayed judge_run 0 $? "the run replayed"
	assert_grep '^PASS  micropython-esp32s3@replay:mpy banner' "$WORK/stdout"
	assert_grep '^PASS  micropython-esp32s3@replay:mpy expression' "$WORK/stdout"
	assert_grep "^SKIP  micropython-esp32s3@replay:mpy flash-and-heap: replayed, not verified: python 'flash-and-heap' ran in the raw REPL" \
		"$WORK/stdout"
	assert_grep "name=\"capture.board\" value=\"Generic ESP32S3 module\"" "$WORK/replayed/junit.xml"
	# A replayed expression is still checked against its echo.
	sed 's|<send>1+1</send>|<send>2+2</send>|' $SUITE >"$WORK/other.xml"
	"$HILT" run --no-progress --out "$WORK/replayed2" --target "replay:$WORK/mpy.log" "$WORK/other.xml" \
		>"$WORK/stdout" 2>&1
	OUT=$WORK/replayed2 judge_run 1 $? "another expression replayed"
	assert_grep 'the recording shows "1+1" typed at this prompt, not "2+2"' "$WORK/stdout"
}

case_recorded() {
	# A console log recorded from this suite on the fixture, kept in the
	# tree: judged without the interpreter.
	"$HILT" run --no-progress --out "$OUT" --target "replay:fixtures/logs/micropython-esp32s3.log" $SUITE \
		>"$WORK/stdout" 2>&1
	judge_run 0 $? "the recorded MicroPython console"
	assert_grep 'name="capture.mpy_version" value="v1.27.0"' "$OUT/junit.xml"
	assert_grep '^PASS  micropython-esp32s3@replay:micropython-esp32s3 expression' "$WORK/stdout"
	assert_grep "^SKIP  micropython-esp32s3@replay:micropython-esp32s3 flash-and-heap: replayed, not verified" "$WORK/stdout"
	# The script's exchange was followed, not skipped over: a step after
	# it takes the prompt after Ctrl-B (an earlier one, printed at the
	# Ctrl-Cs, shows no "2+2" typed there).
	{ cat fixtures/logs/micropython-esp32s3.log; printf '2+2\r\n4\r\n>>> '; } >"$WORK/more.log"
	sed 's|</suite>|  <step name="after" timeout="5"><send>2+2</send><expect>^4\r?$</expect></step>\n</suite>|' \
		$SUITE >"$WORK/after.xml"
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/more.log" "$WORK/after.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 0 $? "a step after the recorded script"
	assert_grep '^PASS  micropython-esp32s3@replay:more after' "$WORK/stdout"
}

"case_${1//-/_}"
echo "micropython $1: all checks passed"
