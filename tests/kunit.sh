#!/usr/bin/env bash
# KUnit live in the default guest: the guest's own kernel runs the kernel's
# KUnit test suites at boot (built by fixtures/kunit/build.sh, loaded by
# the guest's init from the initrd), and hilt run waits for their KTAP on
# the console with suites/kunit-boot.xml (<results format="ktap">).
# Checks that real KTAP came out: each suite's header, plan and result,
# every test of each plan with its result, no failure; prints the counts;
# and that hilt's test cases are the KTAP's tests, read here on their own,
# name by name, verdict by verdict (and at boot, that hilt counts what
# kunit.py's own parser counts).
# usage: kunit.sh modules|boot
#   modules  KUnit and each suite as a module of its own (initrd-kunit.img):
#            the suites as test modules print them, with no top-level
#            header or plan
#   boot     KUnit and the suites in one module running KUnit's executor
#            (initrd-kunit-boot.img): the KTAP of a boot, its top-level
#            "KTAP version 1" and plan first; kunit.py's own parser
#            (kunit_parser.py of the same source) reads the console too and
#            must count what this test counts
. "$(dirname "$0")/lib.sh"

form=${1:-}
case "$form" in
modules) image=initrd-kunit.img ;;
boot) image=initrd-kunit-boot.img ;;
*) fail "usage: kunit.sh modules|boot" ;;
esac

if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
	[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no guest in $HILT_GUEST_DIR (its build failed?)"
	echo "SKIP: no default guest in $HILT_GUEST_DIR and this build does not make one"
	exit 77
fi
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed"
cd "$SRC" || fail "no source tree at $SRC"
OUT=$WORK/out

# The modules, beside the guest where the build makes them; a build that
# does not make the guest (-DHILT_BUILD_GUEST=OFF) makes them here, for
# the guest it was given.
kunit=${KUNIT_DIR:-$HILT_GUEST_DIR-kunit}
if [ ! -s "$kunit/$image" ] && [ ! -s "$kunit/unavailable" ]; then
	[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no $image in $kunit (its build failed?)"
	kunit=$WORK/kunit
	"$SRC/fixtures/kunit/build.sh" "$HILT_GUEST_DIR" "$kunit" || fail "fixtures/kunit/build.sh failed"
fi
if [ ! -s "$kunit/$image" ]; then
	[ -s "$kunit/unavailable" ] || fail "neither $image nor unavailable in $kunit"
	echo "SKIP: the KUnit modules could not be built for the guest: $(cat "$kunit/unavailable")"
	exit 77
fi
[ -s "$kunit/suites" ] || fail "no suites list in $kunit"
mapfile -t suites <"$kunit/suites"

# KUnit prints at KERN_INFO: HILT_LOGLEVEL=7 keeps the guest's init from
# lowering the console loglevel below it.
cat >"$WORK/farm.xml" <<XML
<farm><target name="kunit" kind="qemu" tags="tests=kunit">
  <kernel>$HILT_GUEST_DIR/vmlinuz</kernel>
  <initrd>$kunit/$image</initrd>
  <append>console=ttyS0 HILT_LOGLEVEL=7</append>
</target></farm>
XML
# suites/kunit-boot.xml, as shipped: KUnit's KTAP read as it comes, each
# test a case of the session; a stream of test modules (no top-level plan)
# ends where init says the network is.
in_session hilt "$HILT" run --farm "$WORK/farm.xml" --target kunit --out "$OUT" suites/kunit-boot.xml \
	>"$WORK/stdout"
rc=$?
judge_run 0 $rc "KUnit at boot of the default guest ($form)"
no_leftover hilt "a process hilt started (QEMU)"
log=$(find "$OUT" -maxdepth 1 -name "*.console.log" | head -n 1)
[ -s "$log" ] || fail "no console log in $OUT"

# The KTAP lines, without the kernel's timestamps.
sed -n 's/^\[ *[0-9]*\.[0-9]*\] //p' "$log" | tr -d '\r' >"$WORK/ktap"
# Every suite: its header, its plan, as many results as its plan says at
# its level, and its own result; no test failed.  The leaves (the tests
# without subtests, and the parameters of a parameterised test) counted
# as kunit.py counts them.
python3 - "$form" "$WORK/ktap" "${suites[@]}" <<'PY' >"$WORK/counts" || fail "the KTAP on the console is not what KUnit prints"
import re, sys
form = sys.argv[1]
lines = open(sys.argv[2], errors="replace").read().split("\n")
want = sys.argv[3:]
bad = []
i = 0
if form == "boot":
    while i < len(lines) and lines[i] != "KTAP version 1":
        i += 1
    if i + 1 >= len(lines) or lines[i + 1] != "1..%d" % len(want):
        bad.append("no 'KTAP version 1' and '1..%d' at the top level" % len(want))
counts = {"passed": 0, "skipped": 0, "failed": 0}
for number, name in enumerate(want, 1):
    while i < len(lines) and lines[i] != "    # Subtest: " + name:
        i += 1
    if i == len(lines):
        bad.append("no '# Subtest: %s'" % name)
        break
    if lines[i - 1] != "    KTAP version 1":
        bad.append("%s: no 'KTAP version 1' before its header" % name)
    m = re.fullmatch(r"    1\.\.(\d+)", lines[i + 1])
    if not m:
        bad.append("%s: no plan after its header" % name)
        break
    plan, seen, misnumbered, nested = int(m.group(1)), 0, False, 0
    i += 2
    while i < len(lines):
        line = lines[i]
        r = re.fullmatch(r"(    |        )(not ok|ok) (\d+) (.*?)(?: # SKIP(?: (.*))?)?", line)
        if r:
            kind = "skipped" if " # SKIP" in line else "failed" if r.group(2) == "not ok" else "passed"
            if kind == "failed":
                bad.append("%s: %s" % (name, line.strip()))
        if r and r.group(1) == "    ":
            seen += 1
            if int(r.group(3)) != seen and not misnumbered:
                bad.append("%s: test %s where %d was due" % (name, r.group(3), seen))
                misnumbered = True
            if not nested:
                counts[kind] += 1
            nested = 0
        elif r:
            nested += 1
            counts[kind] += 1
        top = re.fullmatch(r"(not ok|ok) (\d+) (\S+)(?: # SKIP.*)?", line)
        if top:
            if top.group(3) != name or int(top.group(2)) != number:
                bad.append("%s: ended by '%s'" % (name, line))
            if top.group(1) != "ok":
                bad.append("%s: %s" % (name, line))
            break
        i += 1
    if seen != plan:
        bad.append("%s: %d results for a plan of %d" % (name, seen, plan))
print("suites=%d passed=%d skipped=%d failed=%d total=%d"
      % (len(want), counts["passed"], counts["skipped"], counts["failed"], sum(counts.values())))
for b in bad:
    print("kunit: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "kunit: $(cat "$WORK/counts")"

# kunit.py's parser on the same console log: at boot it must find the
# same tests, all passed but the skipped.
if [ "$form" = boot ]; then
	python3 - "$kunit/kunit-parser" "$log" <<'PY' >"$WORK/kunit.py.counts" ||
import sys
sys.path.insert(0, sys.argv[1])
import contextlib, io
# It prints its report as it parses, to the stdout it finds when imported.
with contextlib.redirect_stdout(io.StringIO()):
    import kunit_parser
    with open(sys.argv[2], errors="replace") as f:
        test = kunit_parser.parse_run_tests(f)
c = test.counts
print("status=%s passed=%d skipped=%d failed=%d crashed=%d errors=%d total=%d"
      % (test.status.name, c.passed, c.skipped, c.failed, c.crashed, c.errors, c.total()))
PY
		fail "kunit.py's parser could not read the console log"
	echo "kunit.py: $(cat "$WORK/kunit.py.counts")"
	mine=$(sed 's/^suites=[0-9]* //' "$WORK/counts")
	[ "$(cat "$WORK/kunit.py.counts")" = "status=SUCCESS ${mine/ total=/ crashed=0 errors=0 total=}" ] ||
		fail "kunit.py's parser does not count what this test counts"
fi

# The counts, by a plain grep too.
echo "KTAP headers: $(grep -c 'KTAP version 1$' "$WORK/ktap")," \
	"suite headers: $(grep -c '^ *# Subtest: ' "$WORK/ktap")," \
	"plans: $(grep -Ec '^ *1\.\.[0-9]+$' "$WORK/ktap")," \
	"ok: $(grep -Ec '^ *ok [0-9]+ ' "$WORK/ktap")," \
	"not ok: $(grep -Ec '^ *not ok [0-9]+ ' "$WORK/ktap")," \
	"skip: $(grep -Ec '^ *(not )?ok [0-9]+ .* # SKIP' "$WORK/ktap")," \
	"totals: $(grep -c '^ *# Totals: ' "$WORK/ktap")"
assert_grep '^    KTAP version 1$' "$WORK/ktap"
assert_grep '^    # Subtest: list-kunit-test$' "$WORK/ktap"
assert_grep '^    ok [0-9]* example_skip_test # SKIP ' "$WORK/ktap"
[ "$(grep -Ec '^ok [0-9]+ ' "$WORK/ktap")" -eq "${#suites[@]}" ] ||
	fail "not ${#suites[@]} suite results at the top level"
if grep -q '^ *not ok ' "$WORK/ktap"; then
	grep '^ *not ok ' "$WORK/ktap" >&2
	fail "a KUnit test failed in the guest"
fi
# hilt's cases against the KTAP read here on its own: each leaf (a result
# not closing deeper results) is a case "kunit/SUITE/.../TEST" of the same
# verdict, in the same order, and the counts are the properties.
python3 - "$WORK/ktap" "$OUT/junit.xml" <<'PY' || fail "hilt's cases are not the KTAP's tests"
import re, sys, xml.etree.ElementTree as ET
want, names, prev = [], {}, 0
for line in open(sys.argv[1], errors="replace").read().split("\n"):
    m = re.fullmatch(r"( *)# Subtest: (.*)", line)
    if m:
        names[len(m.group(1)) // 4] = m.group(2)
        continue
    r = re.fullmatch(r"( *)(not ok|ok) \d+ (.*?)( # SKIP.*)?", line)
    if not r:
        continue
    depth = len(r.group(1)) // 4
    if depth >= prev and depth > 0:
        # A '/' in a name is '_' in its path (the path's parts stay apart).
        parts = [names[d] for d in range(1, depth + 1)] + [r.group(3)]
        path = "/".join(["kunit"] + [p.replace("/", "_") for p in parts])
        want.append((path, "skipped" if r.group(4) else "pass" if r.group(2) == "ok" else "failure"))
    prev = depth
s = next(ET.parse(sys.argv[2]).getroot().iter("testsuite"))
got = []
for c in s.iter("testcase"):
    if c.get("name").startswith("kunit/"):
        v = next((e.tag for e in c if e.tag in ("failure", "error", "skipped")), "pass")
        got.append((c.get("name"), v))
props = {p.get("name"): p.get("value") for p in s.iter("property")}
print("hilt: %d cases of kunit, results.kunit: passed %s, skipped %s, total %s, status %s"
      % (len(got), props.get("results.kunit.passed"), props.get("results.kunit.skipped"),
         props.get("results.kunit.total"), props.get("results.kunit.status")))
if got != want:
    for a, b in zip(got, want):
        if a != b:
            print("first difference: hilt %r, KTAP %r" % (a, b), file=sys.stderr)
            break
    sys.exit("hilt has %d cases, the KTAP %d leaves" % (len(got), len(want)))
assert props["results.kunit.total"] == str(len(want)), props
assert props["results.kunit.skipped"] == str(sum(v == "skipped" for _, v in want)), props
assert props["results.kunit.status"] == "success", props
PY
# At boot, hilt's counts are kunit.py's.
if [ "$form" = boot ]; then
	hilt_counts="status=$(property results.kunit.status "$OUT/junit.xml" | tr a-z A-Z)"
	for k in passed skipped failed crashed errors total; do
		hilt_counts="$hilt_counts $k=$(property "results.kunit.$k" "$OUT/junit.xml")"
	done
	echo "hilt: $hilt_counts"
	[ "$hilt_counts" = "$(cat "$WORK/kunit.py.counts")" ] || fail "hilt does not count what kunit.py counts"
fi
[ -z "${KUNIT_KEEP_LOG:-}" ] || cp "$log" "$KUNIT_KEEP_LOG"
echo "PASS: KUnit in the guest's kernel ($form): ${#suites[@]} suites, their KTAP on the console"
