#!/usr/bin/env bash
# What CI's test views show of a failure: a failing case's <system-out>
# holds the console's last lines when it ended and [[ATTACHMENT|...]]
# lines (GitLab's unit test report, Jenkins' junit-attachments) naming the
# console log relative to the JUnit; passing cases and sessions carry no
# console text; a night of 1000 failing sessions stays well under GitLab's
# 30 MB a JUnit file.
#   excerpt  the recorded panic: the panic and its trace, the attachment
#   missed   a milestone that never comes: the last lines before its deadline
#   gitlab   in a GitLab job, attachments relative to the project's folder;
#            a merge elsewhere renames the paths; its page links hold
#   size     1000 failing sessions: bytes per session, the whole file
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
PANIC=$SRC/fixtures/logs/linux-panic-x86.log
BOOT=$SRC/fixtures/logs/linux-boot-x86.log

# case_out JUNIT SUITE CASE: the text of that case's <system-out> ("" when
# it has none), by Python's parser.
case_out() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
for suite in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    if suite.get("name") != sys.argv[2]:
        continue
    for case in suite.iter("testcase"):
        if case.get("name") == sys.argv[3]:
            out = case.find("system-out")
            sys.stdout.write(out.text or "" if out is not None else "")
            sys.exit(0)
sys.exit("no case %s in %s" % (sys.argv[3], sys.argv[2]))
PY
}

# attachments_exist JUNIT: every [[ATTACHMENT|path]] names a file that
# exists relative to the JUnit's folder; prints how many.
attachments_exist() {
	python3 - "$1" <<'PY'
import os, re, sys
path = sys.argv[1]
found = re.findall(r"\[\[ATTACHMENT\|([^\]]+)\]\]", open(path).read())
if not found:
    sys.exit("no attachment in %s" % path)
for f in found:
    if os.path.isabs(f) or not os.path.isfile(os.path.join(os.path.dirname(path), f)):
        sys.exit("attachment %s is not a file beside %s" % (f, path))
print("%d attachments, each a file beside the JUnit" % len(found))
PY
}

case_excerpt() {
	"$HILT" run --no-progress --out "$OUT" --target "replay:$PANIC" suites/linux-boot.xml \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "panic replay"
	local s=linux-boot@replay:linux-panic-x86
	case_out "$OUT/junit.xml" "$s" init-started >"$WORK/fail.txt" || fail "no init-started"
	cat "$WORK/fail.txt"
	assert_grep "^--- the console's last lines when the case ended, at [0-9.]* s ---$" "$WORK/fail.txt"
	assert_grep "Kernel panic - not syncing: VFS: Unable to mount root fs" "$WORK/fail.txt"
	assert_grep "ret_from_fork" "$WORK/fail.txt"
	assert_grep "^\[\[ATTACHMENT|linux-boot@replay_linux-panic-x86.console.log\]\]$" "$WORK/fail.txt"
	[ "$(wc -l <"$WORK/fail.txt")" -le 44 ] || fail "the excerpt is longer than 40 lines"
	attachments_exist "$OUT/junit.xml" || fail "an attachment does not hold"
	# The property names the log as the attachment does.
	assert_grep 'name="console.log" value="linux-boot@replay_linux-panic-x86.console.log"' \
		"$OUT/junit.xml"
	# A passing case and the skipped ones carry no console text.
	[ -z "$(case_out "$OUT/junit.xml" "$s" kernel-banner)" ] || fail "a passing case has output"
	[ -z "$(case_out "$OUT/junit.xml" "$s" network-up)" ] || fail "a skipped case has output"
	# The attachment still holds when the folder is moved (CI artifacts
	# unpacked elsewhere).
	mv "$OUT" "$WORK/moved"
	attachments_exist "$WORK/moved/junit.xml" || fail "an attachment broke when moved"
	# A passing session keeps no console tail in its testsuite.
	"$HILT" run --no-progress --out "$OUT" --target "replay:$BOOT" suites/linux-boot.xml \
		>"$WORK/stdout" 2>&1
	judge_run 0 $? "boot replay"
	assert_no_grep "<system-out>" "$OUT/junit.xml"
}

case_missed() {
	cat >"$WORK/missed.xml" <<'XML'
<suite name="missed" timeout="60">
  <milestone name="kernel-banner" timeout="5">Linux version</milestone>
  <milestone name="never" timeout="2">^this line never comes$</milestone>
</suite>
XML
	"$HILT" run --no-progress --out "$OUT" --target "replay:$BOOT" "$WORK/missed.xml" \
		>"$WORK/stdout" 2>&1
	judge_run 1 $? "missed milestone"
	case_out "$OUT/junit.xml" missed@replay:linux-boot-x86 never >"$WORK/fail.txt" ||
		fail "no case 'never'"
	cat "$WORK/fail.txt"
	# The recording ends at the shell prompt (which asks for the cursor
	# position: ESC, shown as a control picture): the last lines before
	# the case ended are its last lines.
	[ "$(grep -B1 -x -- '---' "$WORK/fail.txt" | tail -n 2 | head -n 1)" = '/ # ␛[6n' ] ||
		fail "the excerpt does not end at the recording's last line"
	assert_grep "valid_lft forever" "$WORK/fail.txt"
	# The shell's escape sequence (ESC [6n) shown as a control picture.
	assert_grep '␛\[6n' "$OUT/junit.xml"
	! grep -q $'\e' "$OUT/junit.xml" || fail "an ESC byte reached the JUnit"
	assert_grep "hilt-guest: httpd started" "$WORK/fail.txt"
	assert_grep "^\[\[ATTACHMENT|missed@replay_linux-boot-x86.console.log\]\]$" "$WORK/fail.txt"
	attachments_exist "$OUT/junit.xml" || fail "an attachment does not hold"
}

# In a GitLab CI job, attachment lines are relative to the project's
# folder (the root of the job's artifacts, where GitLab's test report
# looks); a merge in another folder renames the paths that are relative
# to the JUnit, and the page of the merge reaches the files.
case_gitlab() {
	mkdir -p "$WORK/project"
	(cd "$WORK/project" && GITLAB_CI=true CI_PROJECT_DIR="$WORK/project" \
		"$HILT" run --no-progress --out hilt-out/emulators-1 --target "replay:$PANIC" \
		"$SRC/suites/linux-boot.xml" >"$WORK/stdout" 2>&1)
	expect_exit 1 $? "panic replay in a GitLab job"
	local shard=$WORK/project/hilt-out/emulators-1/junit.xml
	validate "$shard"
	assert_grep "^\[\[ATTACHMENT|hilt-out/emulators-1/linux-boot@replay_linux-panic-x86.console.log\]\]$" \
		"$shard"
	assert_grep 'name="attachments.root" value="../.."' "$shard"
	[ -f "$WORK/project/hilt-out/emulators-1/linux-boot@replay_linux-panic-x86.console.log" ] ||
		fail "the attachment is not where GitLab looks"
	# --attachments-root is the same by hand, and wins.
	(cd "$WORK/project" && GITLAB_CI=true CI_PROJECT_DIR="$WORK/project" \
		"$HILT" run --no-progress --attachments-root "$WORK" --out hilt-out/emulators-2 \
		--target "replay:$PANIC" "$SRC/suites/linux-boot.xml" >"$WORK/stdout" 2>&1)
	assert_grep "^\[\[ATTACHMENT|project/hilt-out/emulators-2/linux-boot@replay_linux-panic-x86.console.log\]\]$" \
		"$WORK/project/hilt-out/emulators-2/junit.xml"

	# The merge one folder up names the log from there.
	"$HILT" report merge -o "$WORK/project/hilt-out/junit.xml" "$shard" 2>/dev/null
	expect_exit 0 $? "merge"
	assert_grep 'name="console.log" value="emulators-1/linux-boot@replay_linux-panic-x86.console.log"' \
		"$WORK/project/hilt-out/junit.xml"
	assert_grep 'name="attachments.root" value=".."' "$WORK/project/hilt-out/junit.xml"
	validate "$WORK/project/hilt-out/junit.xml"
	# A merge of a run outside GitLab says where its attachments are.
	"$HILT" run --no-progress --out "$WORK/elsewhere/shard" --target "replay:$PANIC" \
		"$SRC/suites/linux-boot.xml" >/dev/null 2>&1
	"$HILT" report merge -o "$WORK/elsewhere/junit.xml" "$WORK/elsewhere/shard/junit.xml" 2>/dev/null
	assert_grep 'name="attachments.root" value="shard"' "$WORK/elsewhere/junit.xml"
	# The page of the merge, written elsewhere again, links to the logs.
	mkdir -p "$WORK/site"
	"$HILT" report html -o "$WORK/site/report.html" "$WORK/project/hilt-out/junit.xml" 2>/dev/null
	expect_exit 0 $? "report html of the merge"
	python3 - "$WORK/site/report.html" <<'PY' || fail "a link of the page does not reach its file"
import os, re, sys
page = sys.argv[1]
links = [l for l in re.findall(r'href="([^"#][^"]*)"', open(page).read())]
assert links, "no links"
for l in links:
    f = os.path.join(os.path.dirname(page), l.replace("%40", "@"))
    assert os.path.isfile(f), "%s does not reach a file" % l
print("%d links, each reaching its file" % len(links))
PY
}

case_size() {
	local n=1000 args=() i bytes per
	for i in $(seq "$n"); do args+=(suites/linux-boot.xml); done
	"$HILT" run --no-progress --jobs 2 --out "$OUT" --target "replay:$PANIC" "${args[@]}" \
		>"$WORK/stdout" 2>&1
	expect_exit 1 $? "$n failing sessions"
	[ "$(grep -c '<testsuite ' "$OUT/junit.xml")" -eq "$n" ] || fail "not $n testsuites"
	[ "$(grep -c '\[\[ATTACHMENT|' "$OUT/junit.xml")" -eq "$n" ] || fail "not $n attachments"
	validate "$OUT/junit.xml"
	bytes=$(stat -c %s "$OUT/junit.xml")
	per=$((bytes / n))
	echo "$n failing sessions: JUnit of $bytes bytes, $per bytes a session"
	[ "$bytes" -lt $((10 * 1024 * 1024)) ] ||
		fail "$bytes bytes for $n failing sessions: not well under GitLab's 30 MB"
}

"case_${1:?which case}"
