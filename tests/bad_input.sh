#!/usr/bin/env bash
# Data-driven: every file in tests/data/bad-suites and bad-farms starts
# with <!-- expect: LINE: message -->.  hilt must exit 2 and say
# "file:LINE: message", both from validate and from run.
. "$(dirname "$0")/lib.sh"

cd "$SRC"
n=0
for f in tests/data/bad-suites/*.xml tests/data/bad-farms/*.xml; do
	want=$(sed -n '1s/^<!-- expect: \(.*\) -->$/\1/p' "$f")
	[ -n "$want" ] || fail "$f has no expect comment"
	out=$("$HILT" validate "$f" 2>&1)
	rc=$?
	expect_exit 2 "$rc" "hilt validate $f"
	case "$out" in
	*"$f:$want"*) ;;
	*) fail "hilt validate $f said: $out; expected $f:$want" ;;
	esac
	case "$f" in
	*/bad-suites/*) out=$("$HILT" run --out "$WORK/out" "$f" 2>&1) ;;
	*) out=$("$HILT" run --farm "$f" --out "$WORK/out" suites/linux-boot.xml 2>&1) ;;
	esac
	rc=$?
	expect_exit 2 "$rc" "hilt run with $f"
	case "$out" in
	*"$f:$want"*) ;;
	*) fail "hilt run with $f said: $out" ;;
	esac
	n=$((n + 1))
done
echo "$n bad files rejected with file:line"

# The shipped suites are valid.
for f in suites/*.xml; do
	"$HILT" validate "$f" >/dev/null || fail "shipped suite $f does not validate"
done

# Usage errors.
"$HILT" >/dev/null 2>&1; expect_exit 2 $? "hilt without arguments"
"$HILT" frobnicate >/dev/null 2>&1; expect_exit 2 $? "unknown command"
"$HILT" run >/dev/null 2>&1; expect_exit 2 $? "run without a suite"
"$HILT" run --bogus suites/linux-boot.xml >/dev/null 2>&1; expect_exit 2 $? "unknown option"
"$HILT" run --out "$WORK/o" nonexistent.xml 2>"$WORK/err"; expect_exit 2 $? "missing suite file"
assert_grep "nonexistent.xml: No such file or directory" "$WORK/err"
"$HILT" --version | grep -q '^hilt [0-9]' || fail "--version"
"$HILT" --help | grep -q 'usage: hilt run' || fail "--help"

# The schema itself rejects what Jenkins or GitLab would not read.
for f in tests/data/bad-junit/*.xml; do
	if "$VALIDATE_JUNIT" "$SCHEMA" "$f" >/dev/null 2>&1; then
		fail "schema accepted $f"
	fi
done
echo "bad input: all checks passed"
