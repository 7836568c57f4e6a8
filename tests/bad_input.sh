#!/usr/bin/env bash
# Data-driven checks of the suite and farm loaders and of hilt validate.
#
# Each file under tests/data says what hilt must print about it, in comment
# lines of its own, in the order hilt prints them (line order):
#   <!-- expect: LINE: message -->   an error:  FILE:LINE: message
#   <!-- warn: LINE: message -->     a warning: FILE:LINE: warning: message
#   <!-- expect-file: message -->    of the whole file: FILE: message
# A printed line matches when it begins with what is expected.
#
# bad-suites/, bad-farms/: hilt validate, and hilt run with the file as its
#   suite or farm, each exit 2 and print those lines and nothing else.
# host-farms/: what a farm needs of this host, which only hilt validate
#   checks (a run would go on to start the targets): those lines and
#   nothing else; exit 2 with an error, else 0 with "OK, with N warnings",
#   and 2 with --strict.
# good-farms/, good-suites/: hilt validate --strict exits 0 and prints only
#   "FILE: ...: OK"; hilt run loads each good farm.
. "$(dirname "$0")/lib.sh"

cd "$SRC"

# wanted FILE: the lines hilt must print about FILE, in order.
wanted() {
	sed -n -e "s|^<!-- expect: \([0-9][0-9]*\): \(.*\) -->\$|$1:\1: \2|p" \
		-e "s|^<!-- warn: \([0-9][0-9]*\): \(.*\) -->\$|$1:\1: warning: \2|p" \
		-e "s|^<!-- expect-file: \(.*\) -->\$|$1: \1|p" "$1"
}

# same_lines WHAT GOT WANT: GOT has as many lines as WANT, each beginning
# with the line of WANT at its place.
same_lines() {
	local what=$1 i got want
	mapfile -t got <"$2"
	mapfile -t want <"$3"
	for i in "${!want[@]}"; do
		[ "$i" -lt "${#got[@]}" ] && [[ "${got[i]}" == "${want[i]}"* ]] && continue
		printf '%s\n' "--- printed:" "${got[@]}" "--- wanted:" "${want[@]}" >&2
		fail "$what: line $((i + 1)) is '${got[i]:-}', wanted '${want[i]}...'"
	done
	if [ "${#got[@]}" -ne "${#want[@]}" ]; then
		printf '%s\n' "--- printed:" "${got[@]}" "--- wanted:" "${want[@]}" >&2
		fail "$what printed ${#got[@]} lines, wanted ${#want[@]}"
	fi
}

# run_lines FILE: what hilt run printed about FILE, without the "hilt: "
# that may lead its messages.
run_lines() {
	sed 's/^hilt: //' "$1"
}

n=0
for f in tests/data/bad-suites/*.xml tests/data/bad-farms/*.xml; do
	wanted "$f" >"$WORK/want"
	[ -s "$WORK/want" ] || fail "$f says nothing it expects"
	grep -q -v ": warning: " "$WORK/want" || fail "$f expects no error"
	"$HILT" validate "$f" >"$WORK/stdout" 2>"$WORK/stderr"
	expect_exit 2 $? "hilt validate $f"
	[ ! -s "$WORK/stdout" ] || fail "hilt validate $f printed on stdout: $(cat "$WORK/stdout")"
	same_lines "hilt validate $f" "$WORK/stderr" "$WORK/want"
	case "$f" in
	*/bad-suites/*) "$HILT" run --out "$WORK/out" "$f" >"$WORK/run" 2>&1 ;;
	*) "$HILT" run --farm "$f" --out "$WORK/out" suites/linux-boot.xml >"$WORK/run" 2>&1 ;;
	esac
	expect_exit 2 $? "hilt run with $f"
	run_lines "$WORK/run" >"$WORK/run.lines"
	same_lines "hilt run with $f" "$WORK/run.lines" "$WORK/want"
	n=$((n + 1))
done
echo "$n bad files: every message, in line order, from validate and run"

# Three mistakes on lines 3, 4 and 5 give three lines, in that order.
f=tests/data/bad-suites/three-mistakes.xml
"$HILT" validate "$f" 2>"$WORK/stderr"
[ "$(wc -l <"$WORK/stderr")" -eq 3 ] || fail "$f: not three lines: $(cat "$WORK/stderr")"
[ "$(cut -d: -f2 "$WORK/stderr" | tr '\n' ' ')" = "3 4 5 " ] ||
	fail "$f: not lines 3, 4, 5: $(cat "$WORK/stderr")"

# What a farm needs of this host: hilt validate only.
for f in tests/data/host-farms/*.xml; do
	wanted "$f" >"$WORK/want"
	[ -s "$WORK/want" ] || fail "$f says nothing it expects"
	errors=$(grep -c -v ": warning: " "$WORK/want")
	warnings=$(grep -c ": warning: " "$WORK/want")
	"$HILT" validate "$f" >"$WORK/stdout" 2>"$WORK/stderr"
	rc=$?
	same_lines "hilt validate $f" "$WORK/stderr" "$WORK/want"
	if [ "$errors" -gt 0 ]; then
		expect_exit 2 "$rc" "hilt validate $f (errors)"
		[ ! -s "$WORK/stdout" ] || fail "hilt validate $f printed on stdout: $(cat "$WORK/stdout")"
		continue
	fi
	expect_exit 0 "$rc" "hilt validate $f (warnings only)"
	grep -qx "$f: farm with [0-9]* target(s): OK, with $warnings warnings" "$WORK/stdout" ||
		fail "hilt validate $f said: $(cat "$WORK/stdout")"
	# --strict: the same warnings, and they fail the file.
	"$HILT" validate --strict "$f" >"$WORK/stdout" 2>"$WORK/stderr"
	expect_exit 2 $? "hilt validate --strict $f"
	[ ! -s "$WORK/stdout" ] || fail "hilt validate --strict $f printed on stdout: $(cat "$WORK/stdout")"
	head -n "$warnings" "$WORK/stderr" >"$WORK/strict"
	same_lines "hilt validate --strict $f" "$WORK/strict" "$WORK/want"
	[ "$(wc -l <"$WORK/stderr")" -eq $((warnings + 1)) ] ||
		fail "hilt validate --strict $f said: $(cat "$WORK/stderr")"
	tail -n 1 "$WORK/stderr" |
		grep -qx "$f: farm with [0-9]* target(s): $warnings warnings, which --strict makes errors" ||
		fail "hilt validate --strict $f ended with: $(tail -n 1 "$WORK/stderr")"
done
echo "host checks: warnings, errors and --strict as expected"

# Files that must load.  The programs the good farms name are stand-ins
# in PATH, so that the result does not depend on what this host has.
mkdir -p "$WORK/bin"
for p in qemu-system-x86_64 esptool.py uhubctl pdu; do
	printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/$p"
	chmod +x "$WORK/bin/$p"
done
for f in tests/data/good-farms/*.xml tests/data/good-suites/*.xml; do
	PATH="$WORK/bin:$PATH" "$HILT" validate --strict "$f" >"$WORK/stdout" 2>"$WORK/stderr"
	expect_exit 0 $? "hilt validate --strict $f: $(cat "$WORK/stderr")"
	[ ! -s "$WORK/stderr" ] || fail "hilt validate $f warned: $(cat "$WORK/stderr")"
	case "$f" in
	*/good-farms/*)
		names=$(sed -n 's/.*<target name="\([^"]*\)".*/\1/p' "$f")
		grep -qx "$f: farm with $(echo "$names" | wc -l) target(s): OK" "$WORK/stdout" ||
			fail "hilt validate $f said: $(cat "$WORK/stdout")"
		# The run loads it too: an unknown target lists all of its own.
		"$HILT" run --farm "$f" --target nope --out "$WORK/out" suites/linux-boot.xml \
			>"$WORK/run" 2>&1
		expect_exit 2 $? "hilt run --farm $f --target nope"
		grep -q "^$f:" "$WORK/run" && fail "hilt run --farm $f: $(cat "$WORK/run")"
		for t in $names; do
			grep -q "no target named 'nope'.* $t" "$WORK/run" ||
				fail "hilt run --farm $f does not list target $t: $(cat "$WORK/run")"
		done
		;;
	*)
		grep -qx "$f: suite '.*' with [0-9]* test case(s): OK" "$WORK/stdout" ||
			fail "hilt validate $f said: $(cat "$WORK/stdout")"
		;;
	esac
done
echo "good files load"

# Several files: each is reported; one bad file makes the status 2.
"$HILT" validate suites/linux-boot.xml tests/data/bad-suites/bad-regex.xml \
	>"$WORK/stdout" 2>"$WORK/stderr"
expect_exit 2 $? "hilt validate with a good and a bad file"
assert_grep "^suites/linux-boot.xml: suite 'linux-boot' with .*: OK$" "$WORK/stdout"
assert_grep "^tests/data/bad-suites/bad-regex.xml:3: " "$WORK/stderr"

# The shipped suites are valid.
for f in suites/*.xml; do
	"$HILT" validate --strict "$f" >/dev/null || fail "shipped suite $f does not validate"
done

# Usage errors.
"$HILT" >/dev/null 2>&1; expect_exit 2 $? "hilt without arguments"
"$HILT" frobnicate >/dev/null 2>&1; expect_exit 2 $? "unknown command"
"$HILT" run >/dev/null 2>&1; expect_exit 2 $? "run without a suite"
"$HILT" run --bogus suites/linux-boot.xml >/dev/null 2>&1; expect_exit 2 $? "unknown option"
"$HILT" validate >/dev/null 2>&1; expect_exit 2 $? "validate without a file"
"$HILT" validate --bogus suites/linux-boot.xml >/dev/null 2>&1
expect_exit 2 $? "validate with an unknown option"
# Numbers on the command line are as strict as a farm's: plain decimal.
for v in 1e2 0x10 inf " 2" 2x .5 1. 0 1001; do
	"$HILT" run --timeout-multiplier "$v" --out "$WORK/o" suites/linux-boot.xml 2>"$WORK/err"
	expect_exit 2 $? "--timeout-multiplier '$v'"
	assert_grep "^hilt: --timeout-multiplier wants a number above 0 and at most 1000 in plain decimal (such as 2 or 1.5), not '$v'$" "$WORK/err"
done
for opt in --jobs --retries --rerun-failures --max-target-errors; do
	"$HILT" run "$opt" 1e2 --out "$WORK/o" suites/linux-boot.xml 2>"$WORK/err"
	expect_exit 2 $? "$opt 1e2"
	assert_grep "^hilt: $opt wants a whole number from 0 to 100000 in plain decimal, not '1e2'$" "$WORK/err"
done
"$HILT" run --shard 0x1/2 --out "$WORK/o" suites/linux-boot.xml 2>"$WORK/err"
expect_exit 2 $? "--shard 0x1/2"
"$HILT" ci gitlab --parallel 1e1 suites/linux-boot.xml 2>"$WORK/err"
expect_exit 2 $? "ci --parallel 1e1"
assert_grep "^hilt ci: --parallel wants a whole number from 1 to 200, not '1e1'$" "$WORK/err"
"$HILT" report compare --time-floor 1e-1s a.xml b.xml 2>"$WORK/err"
expect_exit 2 $? "report compare --time-floor 1e-1s"
assert_grep "time-floor '1e-1s' is not a time" "$WORK/err"
"$HILT" run --out "$WORK/o" nonexistent.xml 2>"$WORK/err"; expect_exit 2 $? "missing suite file"
assert_grep "nonexistent.xml: No such file or directory" "$WORK/err"
"$HILT" validate nonexistent.xml 2>"$WORK/err"; expect_exit 2 $? "validate a missing file"
assert_grep "^nonexistent.xml: No such file or directory$" "$WORK/err"
"$HILT" --version | grep -q '^hilt [0-9]' || fail "--version"
"$HILT" --help | grep -q 'usage: hilt run' || fail "--help"
"$HILT" help validate | grep -q -- '--strict' || fail "hilt help validate says nothing of --strict"

# The schema itself rejects what Jenkins or GitLab would not read.
for f in tests/data/bad-junit/*.xml; do
	if "$VALIDATE_JUNIT" "$SCHEMA" "$f" >/dev/null 2>&1; then
		fail "schema accepted $f"
	fi
done
echo "bad input: all checks passed"
