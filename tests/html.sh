#!/usr/bin/env bash
# hilt report html: one static page of a run's JUnit.
#   run      a real run (recorded boots replayed at their recorded pace: one
#            slowed by 1.5 s before init, one panicking) against a baseline
#            run, rendered by headless Chromium to a PNG and checked from
#            the rendered DOM: a timeline per session, the moved milestones
#            and their labels, the failing case and its console excerpt,
#            links that reach the logs, nothing fetched from outside
#   foreign  other tools' JUnit (twister, pytest, ctest, go-junit-report),
#            and bad input
#   hostile  names and paths from the file cannot make markup or links
#   findings kernel findings (finding.N.* properties, type="finding" cases):
#            counted at the top, listed with their sessions, each with its
#            kind, count and block; a hostile title or block stays text
#   results  a result stream's tests (hilt run on recorded KTAP): grouped by
#            their path, the passing groups collapsed when rendered and the
#            failing ones open, each group's counts, the failure's own
#            lines and excerpt, the crashed test's report, the stream's
#            counts in its session
. "$(dirname "$0")/lib.sh"
cd "$SRC"
BOOT=$SRC/fixtures/logs/linux-boot-x86.log
PANIC=$SRC/fixtures/logs/linux-panic-x86.log

need_chromium() {
	command -v chromium >/dev/null ||
		{ echo "SKIP: no chromium to render the page (./setup.sh installs it)"; exit 77; }
}

# Chromium's own traffic (component updates, accounts, spelling
# dictionaries) is switched off, so that the network log holds only what
# the page asked for.
CHROMIUM_QUIET="--headless --no-sandbox --disable-gpu --no-first-run --disable-sync
--disable-background-networking --disable-component-update --disable-default-apps
--disable-extensions --disable-client-side-phishing-detection --disable-breakpad
--disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck,AutofillServerCommunication"

# render HTML PNG DOM NETLOG: the page as Chromium shows it, headless: a
# screenshot, the DOM after rendering, and its network log.
render() {
	local url="file://$1"
	# shellcheck disable=SC2086 # the flags are words
	timeout 120 chromium $CHROMIUM_QUIET --hide-scrollbars --user-data-dir="$WORK/chrome" \
		--window-size=1200,2000 --screenshot="$2" "$url" >/dev/null 2>&1 ||
		fail "chromium could not take a screenshot of $1"
	# shellcheck disable=SC2086
	timeout 120 chromium $CHROMIUM_QUIET --user-data-dir="$WORK/chrome" --log-net-log="$4" \
		--dump-dom "$url" >"$3" 2>/dev/null || fail "chromium could not load $1"
}

# page_fetches NETLOG: the URLs the page itself asked for (the browser's
# own requests have no origin as their initiator), one a line.
page_fetches() {
	python3 - "$1" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
for e in log["events"]:
    p = e.get("params", {})
    if (names.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p
            and p.get("initiator") != "not an origin"):
        print(p.get("url"))
PY
}

case_run() {
	need_chromium
	# The new run's log has the baseline's name, so that its session
	# (linux-boot@replay:linux-boot-x86) is the baseline's; its timing
	# holds init back 1.5 s.
	mkdir -p "$WORK/slow" "$WORK/site"
	cp "$BOOT" "$WORK/slow/"
	python3 - "${BOOT%.log}.timing" "$BOOT" "$WORK/slow/linux-boot-x86.timing" <<'PY'
import sys
timing, log, out = sys.argv[1:]
at = open(log, "rb").read().index(b"hilt-guest: init started")
off, rows, done = 0, [], False
for line in open(timing):
    d, n = line.split()
    d, n = float(d), int(n)
    if not done and off + n > at:
        d, done = d + 1.5, True
    rows.append("%.6f %d\n" % (d, n))
    off += n
open(out, "w").writelines(rows)
PY
	"$HILT" run --no-progress --realtime --out "$WORK/base" --target "replay:$BOOT" \
		suites/linux-boot.xml >/dev/null 2>&1 &
	local base_pid=$!
	"$HILT" run --no-progress --realtime --jobs 2 --out "$WORK/now" \
		--target "replay:$WORK/slow/linux-boot-x86.log" --target "replay:$PANIC" \
		suites/linux-boot.xml >/dev/null 2>&1
	expect_exit 1 $? "the new run (a panic among its sessions)"
	wait "$base_pid"
	expect_exit 0 $? "the baseline run"

	# The page goes to a folder of its own: its links climb to the logs.
	"$HILT" report html --baseline "$WORK/base/junit.xml" -o "$WORK/site/report.html" \
		"$WORK/now/junit.xml" 2>"$WORK/err"
	expect_exit 0 $? "report html"
	cat "$WORK/err"
	# 14 cases; the panic is also a kernel finding, counted apart.
	assert_grep "2 sessions, 14 tests, 1 failed, 0 in error, 5 skipped, 1 kernel finding; [1-9] milestones slower" \
		"$WORK/err"

	render "$WORK/site/report.html" "$WORK/report.png" "$WORK/dom.html" "$WORK/net.json"
	python3 - "$WORK/report.png" <<'PY' || fail "the screenshot is not a rendered page"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert w >= 1000 and h >= 1000 and len(data) > 50000, (w, h, len(data))
print("screenshot %dx%d, %d bytes" % (w, h, len(data)))
PY
	cp "$WORK/report.png" "$WORK/site/" 2>/dev/null
	python3 - "$WORK/dom.html" "$WORK/site" "$WORK/net.json" "$WORK/site/report.html" <<'PY' ||
import json, os, re, sys
from html.parser import HTMLParser
dom_path, site, netlog, page = sys.argv[1:]

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.hrefs, self.svgs = [], [], [], []
        self.texts = []          # (text, classes of enclosing elements)
        self.pre = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "action", "data", "poster", "srcset"):
                self.hrefs.append((tag, k, v or ""))
        if tag == "svg":
            self.svgs.append(a.get("aria-label", ""))
        if tag not in ("br", "meta", "rect", "line", "img", "link"):
            self.stack.append((tag, a.get("class", "")))
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
    def handle_data(self, data):
        classes = " ".join(c for _, c in self.stack)
        self.texts.append((data, classes))
        if any(t == "pre" for t, _ in self.stack):
            self.pre.append(data)

p = Page()
p.feed(open(dom_path, encoding="utf-8").read())
problems = []
# Nothing to fetch: no script, stylesheet, image, frame or object; links
# relative, within the page or to files beside it.
for t in ("script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"):
    if t in p.tags:
        problems.append("a <%s> element" % t)
style = open(page, encoding="utf-8").read()
if re.search(r"url\(|@import", style):
    problems.append("a url() or @import in the page")
for tag, k, v in p.hrefs:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", v) or v.startswith("//"):
        problems.append("%s %s=%s is not relative" % (tag, k, v))
    elif not v.startswith("#") and not os.path.isfile(os.path.join(site, v)):
        problems.append("link %s does not reach a file" % v)
logs = [v for _, _, v in p.hrefs if v.endswith(".console.log")]
if len(set(logs)) != 2:
    problems.append("links to %d console logs, not 2: %s" % (len(set(logs)), logs))
# A timeline for each session.
names = ["linux-boot@replay:linux-boot-x86", "linux-boot@replay:linux-panic-x86"]
for n in names:
    if not any(n in s for s in p.svgs):
        problems.append("no timeline of " + n)
# The moved milestones are labelled slower, by about 1.5 s; the kernel
# banner, which came before init, is not.
slower = [(t, c) for t, c in p.texts if "delta slower" in c]
if not any(re.fullmatch(r"\+1\.[45]\d\d s \(\+\d+%\)", t) for t, _ in slower):
    problems.append("no '+1.5 s' delta labelled slower: %r" % slower)
labels = [t for t, c in p.texts if "label" in c.split()]
if "init-started" not in labels:
    problems.append("no init-started row in a timeline")
rows = re.findall(r'<g class="row([^"]*)"><title>([^<:]*)', open(dom_path).read())
moved = {name for cls, name in rows if "slower" in cls}
if not {"init-started", "shell-prompt"} <= moved or "kernel-banner" in moved:
    problems.append("rows marked slower: %s" % sorted(moved))
# The failing case, its message and its console excerpt.
text = "".join(t for t, _ in p.texts)
if "failure pattern 'kernel-panic' matched" not in text:
    problems.append("the failure's message is not shown")
if "Kernel panic - not syncing" not in "".join(p.pre) or "ret_from_fork" not in "".join(p.pre):
    problems.append("the console excerpt is not shown")
if problems:
    print("\n".join("FAIL: " + x for x in problems))
    sys.exit(1)
print("page checked from its DOM: %d timelines, %d slower labels, %d links"
      % (len(p.svgs), len(slower), len(p.hrefs)))
PY
		fail "the rendered page is not what it should be"
	# Nothing went to the network from the page.
	page_fetches "$WORK/net.json" >"$WORK/fetched"
	[ ! -s "$WORK/fetched" ] || fail "the page fetched: $(cat "$WORK/fetched")"
	echo "screenshot: $WORK/report.png"
}

case_foreign() {
	local f
	for f in twister pytest ctest go-junit-report no-totals; do
		"$HILT" report html -o "$WORK/$f.html" "tests/data/junit/$f.xml" 2>"$WORK/err"
		expect_exit 0 $? "$f"
		assert_no_grep "<svg" "$WORK/$f.html"
	done
	assert_grep "kernel.timer.timer_api.test_timer_period" "$WORK/twister.html"
	assert_grep "Target qemu_cortex_m3" "$WORK/twister.html"
	assert_grep "duration_expire: (interval not within tolerance" "$WORK/twister.html"
	assert_grep "test_loopback\[921600\]" "$WORK/pytest.html"

	# Bad input: one line naming the file (and line), exit 2, the page as
	# it was.
	echo "keep" >"$WORK/page.html"
	head -c 300 tests/data/junit/twister.xml >"$WORK/cut.xml"
	"$HILT" report html -o "$WORK/page.html" "$WORK/cut.xml" 2>"$WORK/err"
	expect_exit 2 $? "truncated JUnit"
	assert_grep "^hilt: $WORK/cut.xml:[0-9]*: " "$WORK/err"
	"$HILT" report html -o "$WORK/page.html" "$WORK/none.xml" 2>"$WORK/err"
	expect_exit 2 $? "missing JUnit"
	assert_grep "none.xml: No such file" "$WORK/err"
	"$HILT" report html --baseline "$SRC/suites/linux-boot.xml" -o "$WORK/page.html" \
		tests/data/junit/twister.xml 2>"$WORK/err"
	expect_exit 2 $? "a suite as the baseline"
	assert_grep "linux-boot.xml:[0-9]*: not a JUnit report" "$WORK/err"
	[ "$(cat "$WORK/page.html")" = keep ] || fail "a bad input changed the page"
	"$HILT" report html -o "$WORK/no/such/dir/page.html" tests/data/junit/twister.xml 2>"$WORK/err"
	expect_exit 3 $? "an output folder that is not there"
	"$HILT" report html "$WORK/x.xml" 2>"$WORK/err"
	expect_exit 2 $? "no -o"
}

case_hostile() {
	need_chromium
	cat >"$WORK/evil.xml" <<'XML'
<testsuites><testsuite name="&lt;script&gt;alert(1)&lt;/script&gt;@x&quot; onmouseover=&quot;alert(2)">
<properties>
<property name="target" value="&lt;img src=http://example.invalid/t.png&gt;"/>
<property name="console.log" value="javascript:alert(3)"/>
<property name="net.pcap" value="//example.invalid/x.pcap"/>
<property name="milestone.&lt;b&gt;m&lt;/b&gt;.time" value="1.5"/>
<property name="results.&lt;b&gt;m&lt;/b&gt;.passed" value="1"/>
<property name="results.&lt;b&gt;m&lt;/b&gt;.status" value="&lt;script&gt;alert(4)&lt;/script&gt;"/>
</properties>
<testcase name="c&lt;i&gt;"><failure message="&lt;iframe src=http://example.invalid&gt;">&#x9b;2J</failure></testcase>
<testcase name="&lt;b&gt;m/&lt;img src=x onerror=alert(6)&gt;/&lt;script&gt;x"><failure message="m">&lt;/pre&gt;&lt;script&gt;alert(5)&lt;/script&gt;</failure><system-out>&lt;i&gt;out</system-out></testcase>
</testsuite></testsuites>
XML
	"$HILT" report html -o "$WORK/evil.html" "$WORK/evil.xml"
	expect_exit 0 $? "hostile names"
	render "$WORK/evil.html" "$WORK/evil.png" "$WORK/evil-dom.html" "$WORK/evil-net.json"
	python3 - "$WORK/evil-dom.html" <<'PY' || fail "the file made markup or links"
import re, sys
dom = open(sys.argv[1]).read()
for bad in ("<script", "<img", "<iframe", "<b>m", "<i>"):
    if bad in dom:
        sys.exit("'%s' in the rendered DOM" % bad)
from html.parser import HTMLParser
class Attrs(HTMLParser):
    found = []
    def handle_starttag(self, tag, attrs):
        self.found += [k for k, _ in attrs if k.startswith("on")]
a = Attrs()
a.feed(dom)
if a.found:
    sys.exit("event handler attributes in the rendered DOM: %s" % a.found)
for href in re.findall(r'href="([^"]*)"', dom):
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href) or href.startswith("//"):
        sys.exit("a link that is not relative: " + href)
if "&lt;script&gt;alert(1)&lt;/script&gt;" not in dom:
    sys.exit("the name is not shown as text")
# A hostile path: its groups and its case, and a stream's name and status.
for text in ('<span class="gname">&lt;b&gt;m</span>',
             '<span class="gname">&lt;img src=x onerror=alert(6)&gt;</span>',
             "<td>&lt;script&gt;x</td>", "&lt;script&gt;alert(5)&lt;/script&gt;</pre>",
             "<b>&lt;b&gt;m&lt;/b&gt;</b>: 1 passed", "&lt;script&gt;alert(4)&lt;/script&gt;"):
    if text not in dom:
        sys.exit("not shown as text: " + text)
print("hostile names shown as text; links relative")
PY
	page_fetches "$WORK/evil-net.json" >"$WORK/fetched"
	[ ! -s "$WORK/fetched" ] || fail "the page fetched: $(cat "$WORK/fetched")"
	# The check of fetches can fail: a page with an image from a port of
	# this host is caught.
	printf '<!DOCTYPE html><img src="http://127.0.0.1:9/x.png">\n' >"$WORK/fetching.html"
	render "$WORK/fetching.html" "$WORK/f.png" "$WORK/f-dom.html" "$WORK/f-net.json"
	page_fetches "$WORK/f-net.json" >"$WORK/fetched"
	assert_grep "^http://127.0.0.1:9/x.png$" "$WORK/fetched"
}

case_findings() {
	need_chromium
	# Two sessions: one with a KASAN report (the properties and the case
	# hilt writes) and a warning seen 13 times; one whose finding's title
	# and block are hostile (markup, a C1 CSI, a quote that would end an
	# attribute) and that has no properties, only its case.
	cat >"$WORK/findings.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="hilt">
<testsuite name="kunit@qemu" tests="3" failures="2">
<properties>
<property name="target" value="qemu"/>
<property name="finding.1.title" value="KASAN: slab-out-of-bounds Write in kmalloc_oob_right"/>
<property name="finding.1.kind" value="kasan"/>
<property name="finding.1.count" value="1"/>
<property name="finding.1.line" value="[   12.345678] BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+0x1f0/0x2c0"/>
<property name="finding.2.title" value="WARNING in __list_add_valid"/>
<property name="finding.2.kind" value="warning"/>
<property name="finding.2.count" value="13"/>
<property name="finding.2.line" value="[   20.100000] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110"/>
<property name="findings.count" value="2"/>
<property name="findings.dropped" value="7"/>
</properties>
<testcase name="boot" classname="kunit@qemu"/>
<testcase name="KASAN: slab-out-of-bounds Write in kmalloc_oob_right" classname="kunit@qemu"><failure type="finding" message="KASAN: slab-out-of-bounds Write in kmalloc_oob_right (kasan)">[   12.345670] ==================================================================
[   12.345678] BUG: KASAN: slab-out-of-bounds in kmalloc_oob_right+0x1f0/0x2c0
[   12.345690] Write of size 1 at addr ffff888100a1c173 by task kunit_try_catch/1234
[   12.345720] ==================================================================
</failure></testcase>
<testcase name="WARNING in __list_add_valid" classname="kunit@qemu"><failure type="finding" message="WARNING in __list_add_valid (warning), 13 times">[   20.100000] WARNING: CPU: 1 PID: 282 at lib/list_debug.c:30 __list_add_valid+0xdc/0x110
[   20.100300] ---[ end trace 0000000000000000 ]---
</failure></testcase>
</testsuite>
<testsuite name="evil@board" tests="1" failures="1">
<testcase name="WARNING in &lt;script&gt;alert(1)&lt;/script&gt;&quot;x" classname="evil@board"><failure type="finding" message="m">&lt;/pre&gt;&lt;img src=http://example.invalid/k.png&gt;&#x9b;2J end of block
</failure></testcase>
</testsuite>
</testsuites>
XML
	"$HILT" report html -o "$WORK/findings.html" "$WORK/findings.xml" 2>"$WORK/err"
	expect_exit 0 $? "a run with kernel findings"
	cat "$WORK/err"
	assert_grep "2 sessions, 1 tests, 0 failed, 0 in error, 0 skipped, 3 kernel findings" "$WORK/err"
	render "$WORK/findings.html" "$WORK/findings.png" "$WORK/findings-dom.html" "$WORK/findings-net.json"
	python3 - "$WORK/findings-dom.html" <<'PY' || fail "the findings are not shown as they should be"
import re, sys
from html.parser import HTMLParser
dom = open(sys.argv[1], encoding="utf-8").read()
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.texts, self.tags = [], [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append((tag, dict(attrs).get("class", "")))
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass
    def handle_data(self, data):
        self.texts.append((data, [t for t, _ in self.stack], " ".join(c for _, c in self.stack)))
p = Page()
p.feed(dom)
problems = []
text = "".join(t for t, _, _ in p.texts)
pre = "".join(t for t, tags, c in p.texts if "finding-block" in c)
if not re.search(r"3\s*kernel findings", text):
    problems.append("no summary count of 3 kernel findings")
rows = re.findall(r"<tr><td><a[^>]*>([^<]*)</a></td><td>([^<]*)</td><td[^>]*><a[^>]*>([^<]*)</a></td>"
                  r"<td[^>]*>(\d+)</td>", dom)
want = [("kunit@qemu", "kasan", "KASAN: slab-out-of-bounds Write in kmalloc_oob_right", "1"),
        ("kunit@qemu", "warning", "WARNING in __list_add_valid", "13"),
        ("evil@board", "?", 'WARNING in &lt;script&gt;alert(1)&lt;/script&gt;"x', "1")]
if rows != want:
    problems.append("the findings table: %r" % rows)
if "Write of size 1 at addr ffff888100a1c173" not in pre or "end trace" not in pre:
    problems.append("the blocks are not shown in their <pre>: %r" % pre[:300])
if "<img src=http://example.invalid/k.png>" not in pre or "end of block" not in pre:
    problems.append("the hostile block is not shown as text")
if "\u009b" in dom:
    problems.append("a C1 control reached the page")
for tag, a in p.tags:
    if tag in ("script", "img", "iframe"):
        problems.append("a <%s> element" % tag)
    problems += ["event handler %s" % k for k in a if k.startswith("on")]
if "(13 times)" not in text:
    problems.append("the warning's count is not shown in its session")
if "7 more kernel reports" not in text:
    problems.append("the reports beyond the titles kept are not told")
# The finding cases are findings, not test cases of the session tables.
cases = re.findall(r"<tr><td>([^<]*)</td><td class=\"(?:pass|fail|error|skip)\">", dom)
if cases != ["boot"]:
    problems.append("test case rows: %r" % cases)
if problems:
    print("\n".join("FAIL: " + x for x in problems))
    sys.exit(1)
print("findings shown: %d rows, %d bytes of blocks" % (len(rows), len(pre)))
PY
	page_fetches "$WORK/findings-net.json" >"$WORK/fetched"
	[ ! -s "$WORK/fetched" ] || fail "the page fetched: $(cat "$WORK/fetched")"
}

case_results() {
	need_chromium
	# Two recorded consoles of KUnit: suite_a passes; suite_b has a
	# failure and a skip; suite_c a parameterised test (a group in a
	# group); the other crashes in the middle of suite_b.
	mkdir -p "$WORK/logs" "$WORK/site"
	cat >"$WORK/logs/kunit-fail.log" <<'LOG'
[    1.000000] KTAP version 1
[    1.000000] 1..3
[    1.000001]     KTAP version 1
[    1.000001]     # Subtest: suite_a
[    1.000001]     1..2
[    1.000002]     ok 1 a_first
[    1.000003]     ok 2 a_second
[    1.000004] ok 1 suite_a
[    1.000005]     KTAP version 1
[    1.000005]     # Subtest: suite_b
[    1.000005]     1..3
[    1.000006]     # b_broken: EXPECTATION FAILED at lib/list-test.c:12
[    1.000006]     Expected a == b, but
[    1.000006]         a == 1
[    1.000006]         b == 2
[    1.000007]     not ok 1 b_broken
[    1.000008]     ok 2 b_arch # SKIP not on this arch
[    1.000009]     ok 3 b_fine
[    1.000010] not ok 2 suite_b
[    1.000011]     KTAP version 1
[    1.000011]     # Subtest: suite_c
[    1.000011]     1..1
[    1.000012]         KTAP version 1
[    1.000012]         # Subtest: c_param
[    1.000012]         1..2
[    1.000012]         ok 1 c_one
[    1.000013]         ok 2 c_two
[    1.000014]     ok 1 c_param
[    1.000015] ok 3 suite_c
[    1.000016] random: crng init done
LOG
	cat >"$WORK/logs/kunit-crash.log" <<'LOG'
[    1.000000] KTAP version 1
[    1.000000] 1..2
[    1.000001]     KTAP version 1
[    1.000001]     # Subtest: suite_a
[    1.000001]     1..1
[    1.000002]     ok 1 a_first
[    1.000004] ok 1 suite_a
[    1.000005]     KTAP version 1
[    1.000005]     # Subtest: suite_b
[    1.000005]     1..2
[    1.000006]     ok 1 b_fine
[    1.000010] BUG: kernel NULL pointer dereference, address: 0000000000000000
[    1.000011] #PF: supervisor read access in kernel mode
[    1.000012] Oops: 0000 [#1] PREEMPT SMP NOPTI
[    1.000013] RIP: 0010:b_crash+0x10/0x20
[    1.000014] Kernel panic - not syncing: Fatal exception
LOG
	cat >"$WORK/kunit.xml" <<'XML'
<suite name="kunit">
  <results name="kunit" format="ktap" timeout="10"/>
</suite>
XML
	"$HILT" run --no-progress --out "$WORK/run" --target "replay:$WORK/logs/kunit-fail.log" \
		--target "replay:$WORK/logs/kunit-crash.log" "$WORK/kunit.xml" >"$WORK/stdout" 2>&1
	expect_exit 1 $? "the run (a failing test, a crash)"
	"$HILT" report html -o "$WORK/site/report.html" "$WORK/run/junit.xml" 2>"$WORK/err"
	expect_exit 0 $? "report html"
	cat "$WORK/err"
	render "$WORK/site/report.html" "$WORK/results.png" "$WORK/results-dom.html" \
		"$WORK/results-net.json"
	page_fetches "$WORK/results-net.json" >"$WORK/fetched"
	[ ! -s "$WORK/fetched" ] || fail "the page fetched: $(cat "$WORK/fetched")"
	# What Chromium shows of it: a copy of the page with a probe that
	# lists the sessions' case rows as rendered (a row in a closed
	# <details> is not), for this test only: the page has no script.
	sed 's|</body>|<script>document.body.append(Object.assign(document.createElement("pre"),{id:"probe",textContent:[...document.querySelectorAll("section tr")].filter(r=>r.querySelector("td")).map(r=>(r.checkVisibility()?"shown ":"hidden ")+r.querySelector("td").textContent).join("\\n")}))</script></body>|' \
		"$WORK/site/report.html" >"$WORK/site/probe.html"
	grep -q 'id:"probe"' "$WORK/site/probe.html" || fail "no probe in the copy"
	# shellcheck disable=SC2086
	timeout 120 chromium $CHROMIUM_QUIET --user-data-dir="$WORK/chrome" --dump-dom \
		"file://$WORK/site/probe.html" >"$WORK/probe-dom.html" 2>/dev/null ||
		fail "chromium could not load the probe"
	python3 - "$WORK/results-dom.html" "$WORK/probe-dom.html" "$WORK/run/junit.xml" <<'PY' ||
import re, sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
dom_path, probe_path, junit = sys.argv[1:]

class Page(HTMLParser):
    """The <details> groups (open, the text of their <summary>, their
    session, the group they are in, their own case rows), the <pre>s of
    each row, the stream lines."""
    def __init__(self):
        super().__init__()
        self.stack, self.groups, self.pre, self.streams = [], {}, [], []
        self.section = self.row = None
    def inner(self, tag):
        for t, a in reversed(self.stack):
            if t == tag:
                return a
        return None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details":
            parent = self.inner("details")
            self.groups[a["id"]] = {"open": "open" in a, "summary": "", "rows": [],
                                    "session": self.section,
                                    "parent": parent["id"] if parent else None}
        elif tag == "section":
            self.section = a.get("id")
        elif tag == "tr":
            self.row = []
        elif tag == "td" and self.row is not None:
            self.row.append("")
        elif tag == "pre":
            self.pre.append([a.get("class", ""), self.row[0] if self.row else None, ""])
        elif tag == "p" and a.get("class") == "stream":
            self.streams.append("")
        self.stack.append((tag, a))
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "tr" and self.row:
            g = self.inner("details")
            if g:
                self.groups[g["id"]]["rows"].append(self.row)
            self.row = None
    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        if "summary" in tags:
            self.groups[self.inner("details")["id"]]["summary"] += data
        elif "pre" in tags:
            self.pre[-1][2] += data
        elif self.row is not None and "td" in tags:
            self.row[-1] += data
        elif (self.inner("p") or {}).get("class") == "stream":
            self.streams[-1] += data

p = Page()
p.feed(open(dom_path, encoding="utf-8").read())
problems = []
def by_name(session, name):
    found = [g for g in p.groups.values()
             if g["session"] == session and g["summary"].split(" ")[0] == name]
    return found[0] if len(found) == 1 else None
want = {
    # (session, group): open, its counts, its own cases
    ("s0", "kunit"): (True, "5 passed, 1 failed, 1 skipped, 0 errors", []),
    ("s0", "suite_a"): (False, "2 passed, 0 failed, 0 skipped, 0 errors", ["a_first", "a_second"]),
    ("s0", "suite_b"): (True, "1 passed, 1 failed, 1 skipped, 0 errors",
                        ["b_broken", "b_arch", "b_fine"]),
    ("s0", "suite_c"): (False, "2 passed, 0 failed, 0 skipped, 0 errors", []),
    ("s0", "c_param"): (False, "2 passed, 0 failed, 0 skipped, 0 errors", ["c_one", "c_two"]),
    ("s1", "kunit"): (True, "2 passed, 1 failed (1 crashed), 0 skipped, 0 errors", []),
    ("s1", "suite_a"): (False, "1 passed, 0 failed, 0 skipped, 0 errors", ["a_first"]),
    ("s1", "suite_b"): (True, "1 passed, 1 failed (1 crashed), 0 skipped, 0 errors",
                        ["b_fine", "#2"]),
}
if len(p.groups) != len(want):
    problems.append("%d groups, not %d: %r" % (len(p.groups), len(want),
                                                [g["summary"] for g in p.groups.values()]))
for (session, name), (is_open, counts, rows) in want.items():
    g = by_name(session, name)
    if not g:
        problems.append("no group %s in %s" % (name, session))
        continue
    if g["open"] != is_open:
        problems.append("%s %s is %s" % (session, name, "open" if g["open"] else "collapsed"))
    got = " ".join(g["summary"].split()[1:])
    if got != counts:
        problems.append("%s %s counts: %r, not %r" % (session, name, got, counts))
    if [r[0] for r in g["rows"]] != rows:
        problems.append("%s %s rows: %r" % (session, name, [r[0] for r in g["rows"]]))
# A group in its group: c_param in suite_c in kunit.
cp, sc, k = by_name("s0", "c_param"), by_name("s0", "suite_c"), by_name("s0", "kunit")
if not (cp and sc and k and p.groups[cp["parent"]] is sc and p.groups[sc["parent"]] is k):
    problems.append("c_param is not in suite_c in kunit")
# The failure's own lines and its console excerpt; the crash's report.
def pre_of(row, cls):
    return "".join(t for c, n, t in p.pre if n == row and c == cls)
if "EXPECTATION FAILED at lib/list-test.c:12" not in pre_of("b_broken", "detail") or \
        "b == 2" not in pre_of("b_broken", "detail"):
    problems.append("b_broken's own lines are not shown: %r" % pre_of("b_broken", "detail"))
if "not ok 1 b_broken" not in pre_of("b_broken", "excerpt"):
    problems.append("b_broken's console excerpt is not shown")
if "Kernel panic - not syncing: Fatal exception" not in pre_of("#2", "detail"):
    problems.append("the crashed test's report is not shown: %r" % pre_of("#2", "detail"))
verdicts = {(g["session"], r[0]): r[1] for g in p.groups.values() for r in g["rows"]}
if (verdicts.get(("s0", "b_broken")), verdicts.get(("s0", "b_arch")),
        verdicts.get(("s1", "#2"))) != ("failed", "skipped", "crashed"):
    problems.append("verdicts: %r" % verdicts)
# The stream's counts in each session, as its properties say them.
props = [{e.get("name"): e.get("value") for e in s.iter("property")}
         for s in ET.parse(junit).getroot().iter("testsuite")]
for i, pr in enumerate(props):
    line = "kunit: %s passed, %s failed, %s skipped" % tuple(
        pr["results.kunit." + k] for k in ("passed", "failed", "skipped"))
    if i >= len(p.streams) or not p.streams[i].startswith(line) or \
            "(status %s)" % pr["results.kunit.status"] not in p.streams[i]:
        problems.append("session %d's stream: %r, not %r..." % (i, p.streams[i:i + 1], line))
if [x.get("results.kunit.status") for x in props] != ["failure", "crashed"]:
    problems.append("statuses: %r" % [x.get("results.kunit.status") for x in props])
# As rendered: the failing groups' cases shown, the passing groups' not.
probe = re.search(r'<pre id="probe">([^<]*)</pre>', open(probe_path, encoding="utf-8").read())
rows = [l.split(" ", 1) for l in (probe.group(1).splitlines() if probe else [])]
shown = {n for s, n in rows if s == "shown"}
hidden = {n for s, n in rows if s == "hidden"}
if not {"b_broken", "b_arch", "b_fine", "#2"} <= shown:
    problems.append("rendered, shown: %r" % sorted(shown))
if not {"a_first", "a_second", "c_one", "c_two"} <= hidden or hidden & {"b_broken", "#2"}:
    problems.append("rendered, hidden: %r" % sorted(hidden))
if problems:
    print("\n".join("FAIL: " + x for x in problems))
    sys.exit(1)
print("%d groups checked; rendered, %d cases shown and %d collapsed"
      % (len(p.groups), len(shown), len(hidden)))
PY
		fail "the grouped cases are not shown as they should be"
	# At the top, the failures with their full paths, each a link to its
	# group.
	assert_grep '<a href="#s0g[0-9]*">kunit/suite_b/b_broken</a>' "$WORK/results-dom.html"
	assert_grep '<a href="#s1g[0-9]*">kunit/suite_b/#2</a>' "$WORK/results-dom.html"
}

"case_${1:?which case}"
