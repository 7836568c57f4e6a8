#!/usr/bin/env bash
# Test results from the device (<results>, runner/cases/results.c): the
# tests a console reports become test cases of the session, through
# hilt run.
#   replay     real streams of every format (tests/data/results), each
#              replayed as fast as it reads, then at its pace with reads
#              of 1 byte and of 4 KiB: the same cases, verdicts and
#              results.NAME.* properties, the counts and status their own
#              tools assert (the .expect files)
#   crash      a KTAP stream whose kernel panics in the middle of a test
#              (a real x86 panic among KUnit's lines): that test is an
#              error "crashed" whose text is the kernel's report, the
#              tests the plan announced after it are "missing"
#   compare    a stream whose second night fails one test: hilt report
#              compare names it, by its path, as a regression
#   shipped    suites/ztest-replay.xml and unity-replay.xml on the recorded
#              runs they name: every test a case, the counts
#   selftests  the default guest's hilt-selftests typed at its shell
#              (suites/guest-selftests.xml): one case per test, live; and
#              with the test that fails on purpose, its failure and text
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
DATA=$SRC/tests/data/results

# expect_of FILE KEY: the value of KEY in an .expect file.
expect_of() {
	sed -n "s/^$2 //p" "$1" | head -n 1
}

# suite_for FILE FORMAT NAME [crash]: a suite reading one stream from
# power-on; with crash, the kernel's panic and a program's fatal signal
# end the session (the stream is cut off by a crash).
suite_for() {
	local patterns='<failure-patterns defaults="none"/>'
	[ "${4:-}" != crash ] || patterns='<failure-patterns defaults="linux">
    <pattern name="fatal-signal">Program received signal SIG</pattern>
  </failure-patterns>'
	cat >"$1" <<XML
<suite name="r" timeout="30">
  $patterns
  <results name="$3" format="$2" timeout="20" inactivity="10"/>
</suite>
XML
}

# summary JUNIT NAME: the results.* properties (sorted), then
# "name|verdict|type" of every case of the stream NAME, in order.
summary() {
	python3 - "$1" "$2" <<'PY'
import sys, xml.etree.ElementTree as ET
s = next(ET.parse(sys.argv[1]).getroot().iter("testsuite"))
for p in sorted((e.get("name"), e.get("value")) for e in s.iter("property")
                if e.get("name").startswith("results.")):
    print("%s=%s" % p)
for c in s.iter("testcase"):
    if not c.get("name").startswith(sys.argv[2] + "/"):
        continue
    v = next((e for e in c if e.tag in ("failure", "error", "skipped")), None)
    print("%s|%s|%s" % (c.get("name"), v.tag if v is not None else "pass",
                         v.get("type") if v is not None else ""))
PY
}

# timing LOG SIZE OUT: a timing file for LOG in chunks of SIZE bytes, each
# 0.1 ms after the last.
timing() {
	python3 - "$@" <<'PY'
import os, sys
n, size = os.path.getsize(sys.argv[1]), int(sys.argv[2])
with open(sys.argv[3], "w") as f:
    for at in range(0, n, size):
        f.write("0.000100 %d\n" % min(size, n - at))
PY
}

case_replay() {
	local n=0
	for e in "$DATA"/*.expect; do
		local base log format name
		base=$(basename "$e" .expect)
		log=$DATA/$base.log
		format=$(expect_of "$e" format)
		name=$(expect_of "$e" name)
		suite_for "$WORK/$base.xml" "$format" "$name" "$(expect_of "$e" end)"
		# As fast as it reads.
		"$HILT" run --no-progress --out "$OUT" --target "replay:$log" "$WORK/$base.xml" \
			>"$WORK/stdout" 2>&1
		local rc=$?
		[ "$rc" -le 1 ] || { cat "$WORK/stdout"; fail "$base: exit status $rc"; }
		validate "$OUT/junit.xml"
		summary "$OUT/junit.xml" "$name" >"$WORK/$base.fast"
		# The counts and status the format's own tools assert.
		for k in passed failed skipped errors crashed total status; do
			local want got
			want=$(expect_of "$e" "$k")
			got=$(sed -n "s/^results\.$name\.$k=//p" "$WORK/$base.fast")
			[ "$got" = "$want" ] || { cat "$WORK/$base.fast"; fail "$base: $k is '$got', not '$want'"; }
		done
		# The cases the .expect names, with their verdicts.
		while read -r _ rest; do
			local path=${rest% *} v=${rest##* } tag
			case $v in
			pass) tag=pass ;; fail) tag=failure ;; skip) tag=skipped ;; *) tag=error ;;
			esac
			awk -F'|' -v p="$path" -v t="$tag" '$1 == p && $2 == t { f = 1 } END { exit !f }' \
				"$WORK/$base.fast" || { cat "$WORK/$base.fast"; fail "$base: no case '$path' $v"; }
		done < <(grep '^case ' "$e")
		# At its pace, in reads of 1 byte and of 4 KiB.
		for size in 1 4096; do
			mkdir -p "$WORK/$size"
			cp "$log" "$WORK/$size/$base.log"
			timing "$log" "$size" "$WORK/$size/$base.timing"
			"$HILT" run --no-progress --realtime --out "$OUT" \
				--target "replay:$WORK/$size/$base.log" "$WORK/$base.xml" >"$WORK/stdout" 2>&1
			summary "$OUT/junit.xml" "$name" >"$WORK/$base.$size"
			diff "$WORK/$base.fast" "$WORK/$base.$size" ||
				fail "$base: other results in reads of $size bytes"
		done
		n=$((n + 1))
	done
	echo "$n streams, each the same 3 ways"
	[ "$n" -ge 30 ] || fail "only $n streams"
}

# ktap_night FILE FAIL: a KUnit run of two suites as the kernel prints it
# at boot (timestamps), test 2 of the second suite failing when FAIL is 1.
ktap_night() {
	python3 - "$@" <<'PY'
import sys
t = [3.0]
def ts(s):
    t[0] += 0.001234
    return "[%12.6f] %s" % (t[0], s)
lines = ["KTAP version 1", "1..2",
         "    KTAP version 1", "    # Subtest: list-kernel-test", "    1..3",
         "    ok 1 list_test_list_init", "    ok 2 list_test_list_add", "    ok 3 list_test_list_del",
         "ok 1 list-kernel-test",
         "    KTAP version 1", "    # Subtest: string-stream-test", "    1..3",
         "    ok 1 string_stream_test_empty_on_creation"]
if sys.argv[2] == "1":
    lines += ["    # string_stream_test_not_empty_after_add: EXPECTATION FAILED at lib/kunit/string-stream-test.c:37",
              "    Expected !string_stream_is_empty(stream) to be true, but is false",
              "    not ok 2 string_stream_test_not_empty_after_add"]
else:
    lines += ["    ok 2 string_stream_test_not_empty_after_add"]
lines += ["    ok 3 string_stream_test_get_string",
          "%s 2 string-stream-test" % ("not ok" if sys.argv[2] == "1" else "ok")]
out = ["[    0.000000] Linux version 6.1.0-57-amd64"] + [ts(l) for l in lines] + ["/ # "]
open(sys.argv[1], "w").write("\n".join(out))
PY
}

case_compare() {
	mkdir -p "$WORK/base" "$WORK/new"
	ktap_night "$WORK/base/kunit.log" 0
	ktap_night "$WORK/new/kunit.log" 1
	suite_for "$WORK/k.xml" ktap kunit
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/base/kunit.log" "$WORK/k.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 0 $? "the first night"
	cp "$OUT/junit.xml" "$WORK/base.xml"
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/new/kunit.log" "$WORK/k.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "the second night"
	assert_grep '^FAIL  r@replay:kunit kunit/string-stream-test/string_stream_test_not_empty_after_add' \
		"$WORK/stdout"
	# The test's own lines are its failure's text.
	assert_grep 'EXPECTATION FAILED at lib/kunit/string-stream-test.c:37' "$OUT/junit.xml"
	assert_grep '<property name="results.kunit.failed" value="1"/>' "$OUT/junit.xml"
	assert_grep '<property name="results.kunit.status" value="failure"/>' "$OUT/junit.xml"
	cp "$OUT/junit.xml" "$WORK/new.xml"
	"$HILT" report compare "$WORK/base.xml" "$WORK/new.xml" >"$WORK/compare.txt" 2>&1
	local rc=$?
	cat "$WORK/compare.txt"
	expect_exit 1 "$rc" "compare"
	sed -n '/^Regressions/,/^$/p' "$WORK/compare.txt" >"$WORK/regressions.txt"
	assert_grep 'kunit/string-stream-test/string_stream_test_not_empty_after_add' "$WORK/regressions.txt"
	[ "$(grep -c 'kunit/' "$WORK/regressions.txt")" -eq 1 ] || fail "not one regression"
}

case_crash() {
	# KUnit's lines, then a real kernel panic (an x86 oops that panics)
	# in the middle of the second suite's second test.
	local panic=tests/data/kernel-logs/x86-kasan-oob-read-panic.log
	ktap_night "$WORK/full.log" 0
	python3 - "$WORK/full.log" "$panic" "$WORK/crash.log" <<'PY'
import sys
k = open(sys.argv[1]).read().split("\n")
cut = next(i for i, l in enumerate(k) if "ok 1 string_stream_test_empty_on_creation" in l)
rep = open(sys.argv[2], newline="").read().split("\n")
open(sys.argv[3], "w").write("\n".join(k[:cut + 1] + rep))
PY
	cat >"$WORK/crash.xml" <<'XML'
<suite name="r" timeout="30">
  <results name="kunit" format="ktap" timeout="20"/>
  <milestone name="after" timeout="5">never printed</milestone>
</suite>
XML
	"$HILT" run --no-progress --out "$OUT" --target "replay:$WORK/crash.log" "$WORK/crash.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "the stream the kernel's panic cut"
	summary "$OUT/junit.xml" kunit >"$WORK/summary.txt"
	cat "$WORK/summary.txt"
	grep -qx 'results.kunit.status=crashed' "$WORK/summary.txt" || fail "the status is not crashed"
	grep -qx 'results.kunit.passed=4' "$WORK/summary.txt" || fail "not 4 passed"
	grep -qx 'kunit/string-stream-test/#3|error|missing' "$WORK/summary.txt" ||
		fail "the test after it is not missing"
	# Its name is in its result line, which never came: its number.
	grep -qx 'kunit/string-stream-test/#2|error|crashed' \
		"$WORK/summary.txt" || fail "the test under way is not crashed"
	python3 - "$OUT/junit.xml" <<'PY' || fail "the crashed test's text is not the kernel's report"
import sys, xml.etree.ElementTree as ET
c = next(c for c in ET.parse(sys.argv[1]).getroot().iter("testcase")
         if c.get("name") == "kunit/string-stream-test/#2")
e = c.find("error")
assert "KASAN: slab-out-of-bounds" in e.text or "Kernel panic" in e.text, e.text[:300]
PY
	# The stream's own case failed with the session's end.
	assert_grep '^FAIL  r@replay:crash kunit' "$WORK/stdout"
}

case_selftests() {
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		echo "SKIP: no default guest in $HILT_GUEST_DIR"
		exit 77
	fi
	in_session hilt "$HILT" run --out "$OUT" suites/guest-selftests.xml >"$WORK/stdout" 2>&1
	judge_run 0 $? "guest-selftests on the default guest"
	no_leftover hilt "a process hilt started (QEMU)"
	summary "$OUT/junit.xml" selftests >"$WORK/summary.txt"
	cat "$WORK/summary.txt"
	[ "$(grep -c '^selftests/selftests: guest: [a-z]*|pass|$' "$WORK/summary.txt")" -eq 5 ] ||
		fail "not 5 passing tests"
	grep -qx 'selftests/selftests: guest: gpio|skipped|skipped' "$WORK/summary.txt" ||
		fail "the GPIO test (no chip in the guest) is not skipped"
	grep -qx 'results.selftests.total=6' "$WORK/summary.txt" || fail "not 6 tests"
	grep -qx 'results.selftests.status=success' "$WORK/summary.txt" || fail "not a success"
	# The test that fails on purpose, among two others.
	sed 's|<send>hilt-selftests</send>|<send>hilt-selftests proc fail tmpfs</send>|' \
		suites/guest-selftests.xml >"$WORK/fail.xml"
	in_session hilt "$HILT" run --out "$OUT" "$WORK/fail.xml" >"$WORK/stdout" 2>&1
	judge_run 1 $? "hilt-selftests with its failing test"
	summary "$OUT/junit.xml" selftests >"$WORK/summary.txt"
	cat "$WORK/summary.txt"
	grep -qx 'selftests/selftests: guest: fail|failure|test' "$WORK/summary.txt" ||
		fail "the failing test is not a failure"
	grep -qx 'results.selftests.failed=1' "$WORK/summary.txt" || fail "not 1 failed"
	assert_grep 'this test fails on purpose' "$OUT/junit.xml"
	# The shell's step after the stream still passes.
	assert_grep '^PASS  guest-selftests@default uname' "$WORK/stdout"
}

case_shipped() {
	"$HILT" run --no-progress --out "$OUT" --target replay:tests/data/results/ztest-common.log \
		suites/ztest-replay.xml >"$WORK/stdout" 2>&1
	judge_run 0 $? "ztest-replay"
	summary "$OUT/junit.xml" ztest >"$WORK/summary.txt"
	[ "$(grep -c '^ztest/common/' "$WORK/summary.txt")" -eq 45 ] || fail "not 45 ztest cases"
	grep -qx 'results.ztest.skipped=3' "$WORK/summary.txt" || fail "not 3 skipped"
	grep -qx 'ztest/common/test_nop|skipped|skipped' "$WORK/summary.txt" || fail "test_nop not skipped"
	"$HILT" run --no-progress --out "$OUT" --target replay:tests/data/results/unity-idf-all.log \
		suites/unity-replay.xml >"$WORK/stdout" 2>&1
	judge_run 1 $? "unity-replay"
	assert_grep '^FAIL  unity-replay@replay:unity-idf-all unity/Another test case which fails: failed: Expected 2147483647 Was -1$' \
		"$WORK/stdout"
	summary "$OUT/junit.xml" unity >"$WORK/summary.txt"
	grep -qx 'results.unity.status=failure' "$WORK/summary.txt" || fail "not a failure"
	grep -qx 'unity/Mean of a test vector|pass|' "$WORK/summary.txt" || fail "no passing case"
}

"case_${1//-/_}"
