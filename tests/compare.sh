#!/usr/bin/env bash
# hilt report compare: what a run does differently from earlier runs.
#   data     every set in tests/data/compare/ (base runs, a new run, the
#            arguments, the expected report and exit status)
#   formats  the same comparisons as markdown and json agree with the text
#   big      a 100 MB JUnit is compared in bounded memory
#   guest    real runs of the default guest: two alike give exit 0; a kernel
#            command line that holds init back gives boot-time regressions
#            on the milestones after the kernel banner only, names the
#            command line as what changed, and report html draws the same
. "$(dirname "$0")/lib.sh"
DATA=$SRC/tests/data/compare

# Each set: args (the command line after "hilt report compare"), exit, and
# expected (stdout) or expected.err (stderr), run from within the set.
case_data() {
	local n=0 d rc
	for d in "$DATA"/*/; do
		d=${d%/}
		n=$((n + 1))
		(
			cd "$d" || exit 1
			# shellcheck disable=SC2046 # args are words
			"$HILT" report compare $(cat args) >"$WORK/out" 2>"$WORK/err"
			echo $? >"$WORK/rc"
		)
		rc=$(cat "$WORK/rc")
		echo "--- ${d##*/}: exit $rc"
		cat "$WORK/out" "$WORK/err"
		expect_exit "$(cat "$d/exit")" "$rc" "${d##*/}"
		if [ -e "$d/expected" ]; then
			diff -u "$d/expected" "$WORK/out" || fail "${d##*/}: the report differs"
		else
			[ ! -s "$WORK/out" ] || fail "${d##*/}: a report where none was expected"
		fi
		if [ -e "$d/expected.err" ]; then
			diff -u "$d/expected.err" "$WORK/err" || fail "${d##*/}: the error differs"
		else
			[ ! -s "$WORK/err" ] || fail "${d##*/}: unexpected messages"
		fi
	done
	[ "$n" -ge 10 ] || fail "only $n comparison sets in $DATA"
}

# The json of each set counts what its text lists; the markdown has a
# section for each category of the text and escapes table cells.
case_formats() {
	local d
	for d in "$DATA"/*/; do
		d=${d%/}
		[ -e "$d/expected" ] || continue
		(
			cd "$d" || exit 1
			# shellcheck disable=SC2046
			"$HILT" report compare --format json $(cat args) >"$WORK/json"
			echo $? >"$WORK/rc.json"
			# shellcheck disable=SC2046
			"$HILT" report compare --format markdown $(cat args) >"$WORK/md"
			echo $? >"$WORK/rc.md"
			# shellcheck disable=SC2046
			"$HILT" report compare -o "$WORK/written.txt" $(cat args) 2>"$WORK/o.err"
			echo $? >"$WORK/rc.o"
		)
		expect_exit "$(cat "$d/exit")" "$(cat "$WORK/rc.json")" "${d##*/} json"
		expect_exit "$(cat "$d/exit")" "$(cat "$WORK/rc.md")" "${d##*/} markdown"
		expect_exit "$(cat "$d/exit")" "$(cat "$WORK/rc.o")" "${d##*/} -o"
		cmp -s "$d/expected" "$WORK/written.txt" || fail "${d##*/}: -o wrote another report"
		python3 - "$d/expected" "$WORK/json" "$WORK/md" "${d##*/}" <<'PY' || fail "${d##*/}: formats disagree"
import json, re, sys
text = open(sys.argv[1]).read()
j = json.load(open(sys.argv[2]))
md = open(sys.argv[3]).read()
titles = {
    "regressions": "Regressions", "time_regressions": "Boot-time regressions",
    "fixes": "Fixes", "still_failing": "Still failing",
    "failing_untested": "Failing, not tested in the base",
    "errors": "Infrastructure errors", "flaky": "Flaky", "new_cases": "New cases",
    "removed_cases": "Removed cases", "faster": "Faster milestones",
    "new_findings": "New kernel findings", "changed_findings": "Kernel findings counted differently",
    "gone_findings": "Kernel findings gone",
}
for key, title in titles.items():
    m = re.search(r"^%s[^\n]*: (\d+)$" % re.escape(title), text, re.M)
    want = int(m.group(1)) if m else 0
    if len(j[key]) != want:
        sys.exit("%s: json lists %d %s, the text %d" % (sys.argv[4], len(j[key]), key, want))
    if want and not re.search(r"^#### %s[^\n]*: %d$" % (re.escape(title), want), md, re.M):
        sys.exit("%s: no markdown section '%s: %d'" % (sys.argv[4], title, want))
    if key in ("regressions", "time_regressions", "new_findings") and j["counts"][key] != want:
        sys.exit("%s: json counts %d %s" % (sys.argv[4], j["counts"][key], key))
bad = j["counts"]["regressions"] + j["counts"]["time_regressions"]
if not j["findings_notice"]:
    bad += j["counts"]["new_findings"]
for key in ("new_findings", "changed_findings", "gone_findings"):
    for t in j[key]:
        if not t["title"] or not isinstance(t["base"], int) or not isinstance(t["new"], int):
            sys.exit("%s: a finding without its title or counts: %r" % (sys.argv[4], t))
        if (key == "new_findings" and t["base"]) or (key == "gone_findings") != (t["new"] == 0):
            sys.exit("%s: a finding's counts do not say %s: %r" % (sys.argv[4], key, t))
if ("regressions found" in md) != (bad > 0):
    sys.exit("%s: markdown headline wrong" % sys.argv[4])
for t in j["time_regressions"]:
    if not t["new_s"] > t["limit_s"] or "set by the" not in t["rule"]:
        sys.exit("%s: a time regression within its limit: %r" % (sys.argv[4], t))
# Table rows have exactly five cells: nothing unescaped splits them.
for line in md.splitlines():
    if line.startswith("| ") and not line.startswith("| Property"):
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        if len(cells) not in (4, 5):
            sys.exit("%s: a markdown row of %d cells: %s" % (sys.argv[4], len(cells), line))
print("%s: json and markdown agree with the text" % sys.argv[4])
PY
	done
	# Bad values of the options are usage errors, named.
	"$HILT" report compare --time-threshold 'ten' a.xml b.xml 2>"$WORK/err"
	expect_exit 2 $? "bad threshold"
	assert_grep "time-threshold 'ten'" "$WORK/err"
	"$HILT" report compare --format yaml a.xml b.xml 2>"$WORK/err"
	expect_exit 2 $? "bad format"
	"$HILT" report compare a.xml 2>"$WORK/err"
	expect_exit 2 $? "one file"
	assert_grep "BASE.xml NEW.xml" "$WORK/err"
	# What a message holds reaches neither the terminal as a control
	# sequence (a C1 CSI: clear the screen) nor the markdown as markup.
	printf '<testsuite name="s"><testcase name="c"/></testsuite>\n' >"$WORK/b.xml"
	printf '<testsuite name="s"><testcase name="c"><failure message="x&#155;2J | &lt;b&gt;y"/></testcase></testsuite>\n' >"$WORK/n.xml"
	"$HILT" report compare "$WORK/b.xml" "$WORK/n.xml" >"$WORK/out"
	expect_exit 1 $? "control sequence"
	! grep -q $'\xc2\x9b' "$WORK/out" || fail "a C1 control reached the terminal report"
	assert_grep "x�2J | <b>y" "$WORK/out"
	"$HILT" report compare --format markdown "$WORK/b.xml" "$WORK/n.xml" >"$WORK/md"
	assert_grep 'x�2J \\| \\<b>y' "$WORK/md"
	# A finding that only its case tells of (no finding.N.* properties):
	# still a finding, not a test case, its first line from its block; a
	# pipe in its title does not split a markdown row.
	printf '<testsuite name="s"><testcase name="c"/><testcase name="BUG: x | y"><failure type="finding">[ 1.0] BUG: x | y\nline 2</failure></testcase></testsuite>\n' >"$WORK/nf.xml"
	"$HILT" report compare "$WORK/b.xml" "$WORK/nf.xml" >"$WORK/out"
	expect_exit 1 $? "a finding of a case alone"
	assert_grep "^  s > BUG: x | y: - -> 1: \[ 1.0\] BUG: x | y$" "$WORK/out"
	assert_grep "^1 case compared in 1 session: 0 regressions, .* 0 new, 0 removed$" "$WORK/out"
	"$HILT" report compare --format markdown "$WORK/b.xml" "$WORK/nf.xml" >"$WORK/md"
	assert_grep '^| s | BUG: x \\| y | - | 1 | \[ 1.0\] BUG: x \\| y |$' "$WORK/md"
	# A session with as many findings as hilt keeps (256: 1,024
	# properties beside its own) against one with none: every one new, in
	# order, none a test case, none a change of the runs.
	python3 - "$WORK/b256.xml" "$WORK/n256.xml" <<'PY'
import sys
def write(path, n):
    with open(path, "w") as f:
        f.write('<testsuites><testsuite name="s@b"><properties>'
                '<property name="target" value="b"/>')
        for i in range(1, n + 1):
            f.write('<property name="finding.%d.title" value="WARNING in f%d"/>'
                    '<property name="finding.%d.kind" value="warning"/>'
                    '<property name="finding.%d.count" value="%d"/>'
                    '<property name="finding.%d.line" value="WARNING: at f%d+0x1/0x2"/>'
                    % (i, i, i, i, i, i, i))
        if n:
            f.write('<property name="findings.count" value="%d"/>'
                    '<property name="findings.dropped" value="9"/>' % n)
        f.write('</properties><testcase name="boot"/>')
        for i in range(1, n + 1):
            f.write('<testcase name="WARNING in f%d"><failure type="finding" message="m">'
                    'WARNING: at f%d+0x1/0x2</failure></testcase>' % (i, i))
        f.write('</testsuite></testsuites>\n')
write(sys.argv[1], 0)
write(sys.argv[2], 256)
PY
	"$HILT" report compare "$WORK/b256.xml" "$WORK/n256.xml" >"$WORK/out"
	expect_exit 1 $? "256 new findings"
	assert_grep "^New kernel findings (a title in no base run; a regression): 256$" "$WORK/out"
	assert_grep "^  s@b > WARNING in f256 \[warning\]: - -> 256: WARNING: at f256+0x1/0x2$" "$WORK/out"
	assert_grep "^1 case compared in 1 session: 0 regressions, .* 0 new, 0 removed$" "$WORK/out"
	assert_grep "^Changed between the runs: nothing hilt records$" "$WORK/out"
	[ "$(grep -c '^  s@b > WARNING in f' "$WORK/out")" -eq 256 ] || fail "not 256 findings listed"
	"$HILT" report compare "$WORK/n256.xml" "$WORK/b256.xml" >"$WORK/out"
	expect_exit 0 $? "256 findings gone"
	assert_grep "^Kernel findings: 0 new, 0 counted differently, 256 gone$" "$WORK/out"
}

# A new run of 100 MB (20 000 sessions' worth of cases, system-out of
# 4 KiB each, and one text node of 20 MB) against a base of the same
# cases: bounded memory, one regression found.
case_big() {
	python3 - "$WORK/base.xml" "$WORK/new.xml" <<'PY'
import sys
out_text = ("[    1.000000] console line of a long boot log\n" * 128)[:4096]
def write(path, fail_at):
    with open(path, "w") as f:
        f.write('<?xml version="1.0"?>\n<testsuites>\n')
        for s in range(1000):
            f.write('<testsuite name="soak@board%d" tests="20">\n<properties>'
                    '<property name="milestone.boot.time" value="%.3f"/></properties>\n'
                    % (s, 5.0))
            for c in range(20):
                verdict = '<failure message="regressed"/>' if (s, c) == fail_at else ""
                f.write('<testcase name="case%d" time="0.1">%s<system-out>%s</system-out>'
                        '</testcase>\n' % (c, verdict, out_text if path.endswith("new.xml") else "x"))
            if s == 999 and path.endswith("new.xml"):
                f.write("<system-out>" + "y" * (20 << 20) + "</system-out>\n")
            f.write("</testsuite>\n")
        f.write("</testsuites>\n")
write(sys.argv[1], None)
write(sys.argv[2], (500, 7))
PY
	local size
	size=$(stat -c %s "$WORK/new.xml")
	[ "$size" -gt 100000000 ] || fail "the new run is only $size bytes"
	/usr/bin/time -f '%M %e' -o "$WORK/time" "$HILT" report compare "$WORK/base.xml" \
		"$WORK/new.xml" >"$WORK/out"
	expect_exit 1 $? "100 MB comparison"
	assert_grep "soak@board500 > case7: passed -> failed: regressed" "$WORK/out"
	assert_grep "^20000 cases compared in 1000 sessions: 1 regression" "$WORK/out"
	read -r kib secs < <(tail -n 1 "$WORK/time")
	echo "compared $size bytes: peak RSS $kib KiB, $secs s"
	if [ "${SANITIZED:-OFF}" = ON ]; then
		echo "(ASan build: its shadow memory inflates RSS; the bound is checked in the plain build)"
	else
		[ "$kib" -lt 65536 ] || fail "peak RSS $kib KiB for a $size-byte file"
	fi
}

case_guest() {
	[ "${GUEST_BUILT:-ON}" = ON ] && [ -r "$HILT_GUEST_DIR/vmlinuz" ] ||
		{ echo "SKIP: the default guest is not built (HILT_GUEST_DIR=$HILT_GUEST_DIR)"; exit 77; }
	command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no qemu-system-x86_64"; exit 77; }
	local n
	for n in plain slow; do
		{
			echo "<farm><target name=\"guest\" kind=\"qemu\">"
			echo "<kernel>$HILT_GUEST_DIR/vmlinuz</kernel>"
			echo "<initrd>$HILT_GUEST_DIR/initrd.img</initrd>"
			# Unknown NAME=value parameters are init's environment: the
			# guest's init sleeps HILT_INIT_DELAY seconds before it says
			# it started.
			echo "<append>console=ttyS0 panic=-1$([ $n = slow ] && echo ' HILT_INIT_DELAY=4')</append>"
			echo "</target></farm>"
		} >"$WORK/farm-$n.xml"
	done
	for n in base1 base2; do
		"$HILT" run --no-progress --farm "$WORK/farm-plain.xml" --out "$WORK/$n" \
			"$SRC/suites/linux-boot.xml" >/dev/null 2>&1
		expect_exit 0 $? "guest run $n"
	done
	"$HILT" run --no-progress --farm "$WORK/farm-slow.xml" --out "$WORK/slow" \
		"$SRC/suites/linux-boot.xml" >/dev/null 2>&1
	expect_exit 0 $? "slowed guest run"
	grep -h 'milestone\.' "$WORK"/base1/junit.xml "$WORK"/base2/junit.xml "$WORK"/slow/junit.xml

	# Two runs alike.  Under TCG, on an idle machine, the kernel banner
	# (firmware, the kernel's decompression) was seen to move by 0.7 s
	# between runs and init by 1.1 s: these comparisons allow 20 % and
	# 1.5 s, and the slowed run is held back 4 s.  Two base runs that far
	# apart make a spread (3 x 1.4826 x MAD) of 2.5 s, so the slowed run
	# is compared with one.
	"$HILT" report compare --time-threshold 20% --time-floor 1.5s "$WORK/base1/junit.xml" \
		"$WORK/base2/junit.xml" >"$WORK/same"
	local rc=$?
	cat "$WORK/same"
	expect_exit 0 "$rc" "two runs alike"
	assert_grep "0 regressions, 0 boot-time regressions" "$WORK/same"

	# The faster of the two base runs: a base slowed by a busy machine
	# (other tests booting guests beside it) would hide the 4 s.
	local base=base1 t1 t2
	t1=$(sed -n 's/.*name="milestone.network-up.time" value="\([0-9.]*\)".*/\1/p' "$WORK/base1/junit.xml")
	t2=$(sed -n 's/.*name="milestone.network-up.time" value="\([0-9.]*\)".*/\1/p' "$WORK/base2/junit.xml")
	awk -v a="$t1" -v b="$t2" 'BEGIN { exit !(b < a) }' && base=base2
	echo "the slowed run is compared with $base (network up at $t1 s and $t2 s)"
	"$HILT" report compare --time-floor 1.5s "$WORK/$base/junit.xml" "$WORK/slow/junit.xml" \
		>"$WORK/slow.txt"
	rc=$?
	cat "$WORK/slow.txt"
	expect_exit 1 "$rc" "a slower boot"
	assert_grep "kernel.cmdline: console=ttyS0 panic=-1 -> console=ttyS0 panic=-1 HILT_INIT_DELAY=4" \
		"$WORK/slow.txt"
	assert_grep "0 regressions, [1-9] boot-time regressions" "$WORK/slow.txt"
	assert_no_grep "> kernel-banner:" "$WORK/slow.txt"
	for n in init-started network-up shell-prompt; do
		grep -Eq "linux-boot@guest > $n: .*: \+[2-5]\.[0-9]{3} s" "$WORK/slow.txt" ||
			fail "$n is not listed about 4 s slower"
	done
	# The page of the same runs draws the same: the rows after the kernel
	# banner slower, the banner not.
	"$HILT" report html --time-floor 1.5s --baseline "$WORK/base1/junit.xml" \
		-o "$WORK/slow.html" "$WORK/slow/junit.xml"
	expect_exit 0 $? "report html of the guest runs"
	[ "$(grep -c '<g class="row slower"><title>' "$WORK/slow.html")" -eq 4 ] ||
		fail "not 4 milestones drawn slower"
	assert_grep '<g class="row"><title>kernel-banner' "$WORK/slow.html"
}

"case_${1:?which case}"
