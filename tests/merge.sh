#!/usr/bin/env bash
# hilt report merge: the JUnit files of a run's shards, of reruns and of
# other tools (pytest, Zephyr's twister, ctest, go-junit-report, a CI
# script's) become one document whose testsuites are the inputs' own,
# copied whole in the order given, and whose totals are counted again.
# A bad input is one line naming it, exit 2, and the output left as it was.
. "$(dirname "$0")/lib.sh"
cd "$SRC"
BOOT=$SRC/fixtures/logs/linux-boot-x86.log
PANIC=$SRC/fixtures/logs/linux-panic-x86.log
DATA=tests/data/junit
FOREIGN="$DATA/pytest.xml $DATA/twister.xml $DATA/ctest.xml $DATA/go-junit-report.xml $DATA/no-totals.xml"

# cases FILE...: what the testsuites of the files hold, counted from their
# test cases by Python's own parser: "TESTS FAILURES ERRORS SKIPPED
# SUITES TIME", TIME from each top-level suite's time (or, without one,
# its cases').
cases() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
t = f = e = s = n = 0
secs = 0.0
def case_time(suite):
    total = 0.0
    for child in suite:
        if child.tag == "testcase":
            total += float(child.get("time", "0").replace(",", "") or 0)
        elif child.tag == "testsuite":
            total += float(child.get("time").replace(",", "")) if child.get("time") else case_time(child)
    return total
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    n += len(suites)
    for suite in suites:
        secs += float(suite.get("time").replace(",", "")) if suite.get("time") else case_time(suite)
        for case in suite.iter("testcase"):
            t += 1
            f += len(case.findall("failure"))
            e += len(case.findall("error"))
            s += len(case.findall("skipped"))
print(t, f, e, s, n, "%.3f" % secs)
PY
}

# totals FILE: what the root of a merged file says: "TESTS FAILURES
# ERRORS SKIPPED SUITES TIME", SKIPPED and SUITES counted (the root has no
# 'skipped': Jenkins' schema does not allow it there).
totals() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
skipped = sum(len(c.findall("skipped")) for c in root.iter("testcase"))
print(root.get("tests"), root.get("failures"), root.get("errors"), skipped,
      len(root.findall("testsuite")), root.get("time"))
PY
}

# suites FILE...: each top-level testsuite of the files in canonical XML
# (C14N), one a line: copies must come out the same.
# hilt's properties that name a file or folder relative to the JUnit are
# compared as the absolute paths they name (a merge elsewhere renames
# them); a suite of hilt's without attachments.root has its attachments
# in its JUnit's folder, which a merge elsewhere writes down.
suites() {
	python3 - "$@" <<'PY'
import os, sys, json, xml.etree.ElementTree as ET
PATHS = ("console.log", "net.pcap", "attachments.root")
for path in sys.argv[1:]:
    here = os.path.dirname(os.path.abspath(path))
    root = ET.parse(path).getroot()
    for suite in [root] if root.tag == "testsuite" else root.findall("testsuite"):
        suite.tail = None
        props = suite.find("properties")
        names = [p.get("name") for p in props] if props is not None else []
        if "console.log" in names and "attachments.root" not in names:
            p = ET.SubElement(props, "property", name="attachments.root", value=".")
            p.tail = None
        for p in props if props is not None else []:
            p.tail = None
            if p.get("name") in PATHS and not p.get("value", "").startswith("/"):
                p.set("value", os.path.normpath(os.path.join(here, p.get("value"))))
        if props is not None:
            props.text = None
        print(json.dumps(ET.canonicalize(ET.tostring(suite, encoding="unicode"))))
PY
}

# merge WANT WHAT ARGS...: hilt report merge ARGS; its stderr in $WORK/err.
merge() {
	local want=$1 what=$2 rc
	shift 2
	"$HILT" report merge "$@" 2>"$WORK/err"
	rc=$?
	cat "$WORK/err" >&2
	expect_exit "$want" "$rc" "$what"
}

# same_cases MERGED INPUT...: the merged totals are those of the inputs'
# cases, and its testsuites are the inputs', in their order, unchanged.
same_cases() {
	local merged=$1
	shift
	local want got
	want=$(cases "$@") || fail "cannot count the cases of $*"
	got=$(totals "$merged") || fail "cannot read $merged"
	[ "$got" = "$want" ] || fail "$merged totals '$got', the inputs' cases '$want'"
	suites "$@" >"$WORK/want.suites" || fail "cannot read $*"
	suites "$merged" >"$WORK/got.suites" || fail "cannot read $merged"
	cmp -s "$WORK/want.suites" "$WORK/got.suites" ||
		fail "the testsuites of $merged are not those of $* in order: $(diff "$WORK/want.suites" "$WORK/got.suites" | head -c 600)"
}

# ---- hilt's own files, from real runs ----

# Two shards of four sessions (two suites on two recordings): what a CI
# job runs on two hosts.
for k in 1 2; do
	"$HILT" run --target "replay:$BOOT" --target "replay:$PANIC" --shard "$k/2" \
		--out "$WORK/shard$k" suites/linux-boot.xml suites/http-hello.xml >"$WORK/stdout" 2>&1
	rc=$?
	cat "$WORK/stdout"
	[ "$rc" -le 1 ] || fail "shard $k: exit status $rc"
	validate "$WORK/shard$k/junit.xml"
done
# A flaky session: a pool of two recordings, the panic first; rerun once,
# the session passes on the other.
cat >"$WORK/flaky-farm.xml" <<XML
<farm>
  <target name="panic-1" kind="replay" tags="pool=x86"><log>$PANIC</log></target>
  <target name="boot-1" kind="replay" tags="pool=x86"><log>$BOOT</log></target>
</farm>
XML
OUT=$WORK/flaky
"$HILT" run --farm "$WORK/flaky-farm.xml" --jobs 1 --rerun-failures 1 --out "$OUT" \
	suites/linux-boot.xml >"$WORK/stdout" 2>&1
judge_run 0 $? "flaky session"
assert_grep '<flakyFailure message="failure pattern .kernel-panic. matched' "$OUT/junit.xml"
# A session that fails again when rerun.
cat >"$WORK/panic-farm.xml" <<XML
<farm>
  <target name="panic-1" kind="replay" tags="pool=x86"><log>$PANIC</log></target>
  <target name="panic-2" kind="replay" tags="pool=x86"><log>$PANIC</log></target>
</farm>
XML
OUT=$WORK/rerun
"$HILT" run --farm "$WORK/panic-farm.xml" --jobs 1 --rerun-failures 1 --out "$OUT" \
	suites/linux-boot.xml >"$WORK/stdout" 2>&1
judge_run 1 $? "session failing twice"
assert_grep '<rerunFailure message="failure pattern .kernel-panic. matched' "$OUT/junit.xml"

HILT_FILES="$WORK/shard1/junit.xml $WORK/shard2/junit.xml $WORK/flaky/junit.xml $WORK/rerun/junit.xml"
# shellcheck disable=SC2086
merge 0 "merge of hilt files" -o "$WORK/hilt.xml" $HILT_FILES
validate "$WORK/hilt.xml"
# shellcheck disable=SC2086
same_cases "$WORK/hilt.xml" $HILT_FILES
# The totals are also the sums of the inputs' own totals.
want=$(python3 - $HILT_FILES <<'PY'
import sys, xml.etree.ElementTree as ET
sums = [0, 0, 0]
for p in sys.argv[1:]:
    r = ET.parse(p).getroot()
    for i, a in enumerate(("tests", "failures", "errors")):
        sums[i] += int(r.get(a))
print(*sums)
PY
)
got=$(totals "$WORK/hilt.xml" | cut -d' ' -f1-3)
[ "$got" = "$want" ] || fail "merged totals $got, the inputs' $want"
[ "$(grep -c '<testsuite ' "$WORK/hilt.xml")" -eq 6 ] || fail "not 6 testsuites"
# The rerun elements and properties came along.
assert_grep '<flakyFailure ' "$WORK/hilt.xml"
assert_grep '<rerunFailure ' "$WORK/hilt.xml"
assert_grep '<property name="attempt" value="2"/>' "$WORK/hilt.xml"
assert_grep 'name="replay.bytes"' "$WORK/hilt.xml"
grep -q "^hilt: $WORK/hilt.xml written: 6 testsuites from 4 files: " "$WORK/err" ||
	fail "no summary line"

# The same session in two files (a shard given twice, or the same suite
# and target in two runs): two testsuites of the same name, both kept.
merge 0 "the same file twice" -o "$WORK/twice.xml" "$WORK/shard1/junit.xml" "$WORK/shard1/junit.xml"
validate "$WORK/twice.xml"
same_cases "$WORK/twice.xml" "$WORK/shard1/junit.xml" "$WORK/shard1/junit.xml"

# ---- other tools' files ----

for f in $FOREIGN; do
	merge 0 "$f alone" -o "$WORK/one.xml" "$f"
	xmllint --noout "$WORK/one.xml" || fail "merge of $f is not well-formed"
	same_cases "$WORK/one.xml" "$f"
done
# No totals anywhere: counted from the cases, times 0.
merge 0 "no totals" -o "$WORK/one.xml" "$DATA/no-totals.xml"
[ "$(totals "$WORK/one.xml")" = "3 1 1 0 1 0.000" ] || fail "no-totals: $(totals "$WORK/one.xml")"
# A bare <testsuite> root (ctest's) is one testsuite.
merge 0 "bare testsuite" -o "$WORK/one.xml" "$DATA/ctest.xml"
[ "$(totals "$WORK/one.xml")" = "3 1 0 0 1 2.000" ] || fail "ctest: $(totals "$WORK/one.xml")"
# pytest's suite on one line stays on one line (nothing reformatted).
merge 0 "pytest" -o "$WORK/one.xml" "$DATA/pytest.xml"
grep -q '<testsuite name="pytest" [^>]*><testcase ' "$WORK/one.xml" || fail "pytest's testsuite was reformatted"

# Mixed: hilt's and the others', in the order given.
# shellcheck disable=SC2086
merge 0 "mixed merge" -o "$WORK/mixed.xml" "$WORK/shard1/junit.xml" $FOREIGN "$WORK/flaky/junit.xml"
xmllint --noout "$WORK/mixed.xml" || fail "mixed merge is not well-formed"
# shellcheck disable=SC2086
same_cases "$WORK/mixed.xml" "$WORK/shard1/junit.xml" $FOREIGN "$WORK/flaky/junit.xml"

# A merged file merges again: its testsuites are taken as they are.
merge 0 "merge of a merge" -o "$WORK/again.xml" "$WORK/mixed.xml" "$WORK/hilt.xml"
xmllint --noout "$WORK/again.xml" || fail "merge of a merge is not well-formed"
# shellcheck disable=SC2086
same_cases "$WORK/again.xml" "$WORK/shard1/junit.xml" $FOREIGN "$WORK/flaky/junit.xml" $HILT_FILES
merge 0 "merge of a hilt merge" -o "$WORK/hilt-again.xml" "$WORK/hilt.xml" "$WORK/twice.xml"
validate "$WORK/hilt-again.xml"
same_cases "$WORK/hilt-again.xml" "$WORK/hilt.xml" "$WORK/twice.xml"

# -o - writes the same document to standard output, and nothing else;
# paths are then named from the current folder (here, that of -o FILE).
foreign_abs=""
for f in $FOREIGN; do foreign_abs="$foreign_abs $SRC/$f"; done
# shellcheck disable=SC2086
(cd "$WORK" && "$HILT" report merge "$WORK/shard1/junit.xml" $foreign_abs "$WORK/flaky/junit.xml" \
	-o - >"$WORK/stdout.xml" 2>"$WORK/err")
expect_exit 0 $? "merge to stdout"
cmp "$WORK/stdout.xml" "$WORK/mixed.xml" || fail "-o - wrote another document than -o FILE"
grep -q "^hilt: standard output written: " "$WORK/err" || fail "no summary on stderr"

# A namespace declared on another tool's root (Surefire-like) goes with
# each suite copied without its root, so the merge stays well-formed.
cat >"$WORK/ns.xml" <<'XML'
<testsuites xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <testsuite name="ns" xsi:type="x" tests="1"><testcase name="a &amp; b" time="1"><![CDATA[<raw>]]></testcase></testsuite>
</testsuites>
XML
merge 0 "namespaced root" -o "$WORK/ns-merged.xml" "$WORK/ns.xml" "$WORK/shard1/junit.xml"
xmllint --noout "$WORK/ns-merged.xml" || fail "a namespace prefix lost its declaration"
assert_grep '<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="ns" xsi:type="x"' \
	"$WORK/ns-merged.xml"
assert_grep 'name="a &amp; b"' "$WORK/ns-merged.xml"

# ---- 100 MB: streamed, bounded memory ----
# Ten shards of a night (600 sessions, an 80 KB console tail each) and one
# file whose single <system-out> is 50 MB: about 100 MB in all.
python3 - "$WORK/big" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
tail = "[    1.234567] virtio_net virtio0 enp0s2: renamed from eth0 &amp; more\n" * 1100
for k in range(10):
    with open(os.path.join(d, "shard%d.xml" % k), "w") as f:
        f.write('<?xml version="1.0"?>\n<testsuites>\n')
        for s in range(60):
            f.write('<testsuite name="night@b%d-%d" time="1.5"><properties><property '
                    'name="target" value="b%d"/></properties>' % (k, s, k))
            for c in range(7):
                f.write('<testcase name="c%d" time="0.2">%s</testcase>'
                        % (c, "<failure message=\"m\"/>" if c == 3 and s % 10 == 0 else ""))
            f.write("<system-out>%s</system-out></testsuite>\n" % tail)
        f.write("</testsuites>\n")
with open(os.path.join(d, "huge.xml"), "w") as f:
    f.write('<testsuite name="huge"><testcase name="one"/><system-out>')
    for _ in range(50):
        f.write("y" * (1 << 20))
    f.write("</system-out></testsuite>\n")
PY
big_size=$(cat "$WORK"/big/*.xml | wc -c)
/usr/bin/time -f '%M %e' -o "$WORK/time" "$HILT" report merge -o "$WORK/big.xml" "$WORK"/big/*.xml \
	2>"$WORK/err"
expect_exit 0 $? "100 MB merge"
cat "$WORK/err"
assert_grep "601 testsuites from 11 files: 4201 tests, 60 failed, 0 in error, 0 skipped" "$WORK/err"
read -r kib secs < <(tail -n 1 "$WORK/time")
echo "merged $big_size bytes into $(stat -c %s "$WORK/big.xml"): peak RSS $kib KiB, $secs s"
[ "$big_size" -gt 95000000 ] || fail "the inputs are only $big_size bytes"
python3 -c "
import sys, xml.etree.ElementTree as ET
n = sum(1 for _, e in ET.iterparse(sys.argv[1]) if e.tag == 'testsuite')
assert n == 601, n" "$WORK/big.xml" || fail "the big merge does not parse into 601 testsuites"
if [ "${SANITIZED:-OFF}" = ON ]; then
	echo "(ASan build: its shadow memory inflates RSS; the bound is checked in the plain build)"
else
	[ "$kib" -lt 32768 ] || fail "peak RSS $kib KiB merging $big_size bytes"
fi

# ---- bad inputs: one line naming the file, exit 2, the output untouched ----

printf 'shard results\n' >"$WORK/notes.txt"
: >"$WORK/empty.xml"
head -c 1500 "$WORK/shard1/junit.xml" >"$WORK/cut.xml"
cat >"$WORK/cases-at-root.xml" <<'XML'
<testsuites>
  <testsuite name="a"><testcase name="x"/></testsuite>
  <testcase name="stray"/>
</testsuites>
XML
mkdir -p "$WORK/a-folder"
check_bad() { # FILE PATTERN: merging FILE after a good one fails with PATTERN
	local bad=$1 pattern=$2
	printf 'the previous merge\n' >"$WORK/out.xml"
	merge 2 "bad input $bad" "$WORK/shard1/junit.xml" "$bad" -o "$WORK/out.xml"
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$bad: not one line: $(cat "$WORK/err")"
	grep -Eq -- "$pattern" "$WORK/err" || fail "$bad: '$(cat "$WORK/err")' does not match '$pattern'"
	[ "$(cat "$WORK/out.xml")" = "the previous merge" ] || fail "$bad: the output was touched"
	[ ! -e "$WORK/out.xml.tmp" ] || fail "$bad: a temporary file is left"
	# Nothing on standard output either.
	"$HILT" report merge "$WORK/shard1/junit.xml" "$bad" -o - >"$WORK/bad-stdout" 2>/dev/null
	expect_exit 2 $? "bad input $bad to stdout"
	[ ! -s "$WORK/bad-stdout" ] || fail "$bad: something was written to stdout"
}
check_bad "$WORK/missing.xml" "^hilt: $WORK/missing.xml: No such file or directory$"
check_bad "$WORK/a-folder" "^hilt: $WORK/a-folder: not a regular file$"
check_bad "$WORK/notes.txt" "^hilt: $WORK/notes.txt:1: malformed XML: "
check_bad "$WORK/empty.xml" "^hilt: $WORK/empty.xml: empty: not JUnit XML$"
check_bad "$WORK/cut.xml" "^hilt: $WORK/cut.xml:(2[0-9]|1[0-9]|[0-9]): malformed XML: "
check_bad suites/linux-boot.xml \
	"^hilt: suites/linux-boot.xml:[0-9]+: not a JUnit report: its root is <suite>, not <testsuites> or <testsuite>$"
check_bad "$WORK/cases-at-root.xml" \
	"^hilt: $WORK/cases-at-root.xml:3: not a JUnit report: <testsuites> holds a <testcase>, where only <testsuite> elements go$"
# Every bad file is named, one line each.
printf 'the previous merge\n' >"$WORK/out.xml"
merge 2 "two bad inputs" "$WORK/missing.xml" "$WORK/shard1/junit.xml" "$WORK/notes.txt" -o "$WORK/out.xml"
[ "$(wc -l <"$WORK/err")" -eq 2 ] || fail "two bad files, not two lines"
[ "$(cat "$WORK/out.xml")" = "the previous merge" ] || fail "the output was touched"

# ---- usage ----
merge 2 "no -o" "$WORK/shard1/junit.xml"
assert_grep "-o FILE is required" "$WORK/err"
merge 2 "no file" -o "$WORK/x.xml"
assert_grep "no JUnit file to merge" "$WORK/err"
merge 2 "unknown option" --bogus -o "$WORK/x.xml" "$WORK/shard1/junit.xml"
assert_grep "unknown option --bogus" "$WORK/err"
merge 2 "-o without a value" "$WORK/shard1/junit.xml" -o
[ ! -e "$WORK/x.xml" ] || fail "written after a usage error"
"$HILT" report bogus 2>"$WORK/err"; expect_exit 2 $? "hilt report bogus"
assert_grep "no subcommand 'bogus'" "$WORK/err"
"$HILT" report >/dev/null 2>&1; expect_exit 2 $? "hilt report alone"
"$HILT" report --help | grep -q 'usage: hilt report merge' || fail "hilt report --help"
"$HILT" help report | grep -q 'usage: hilt report merge' || fail "hilt help report"
"$HILT" report merge --help | grep -q -- '--output' || fail "hilt report merge --help"

# An output that cannot be written: exit 3, said where.
merge 3 "unwritable output" -o "$WORK/no-such-dir/all.xml" "$WORK/shard1/junit.xml"
assert_grep "^hilt: cannot write $WORK/no-such-dir/all.xml.tmp: No such file or directory$" "$WORK/err"

echo "merge: all checks passed"
