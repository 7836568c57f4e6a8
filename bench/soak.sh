#!/usr/bin/env bash
# Soak: the default guest's suites run again and again under --jobs 2 for
# SECONDS (default 3600), each run into a folder of its own, and a line a
# run says what it lost or changed:
#   - a lost byte: each session's payload (bench/soak-suite.xml: 30000
#     lines the guest prints, with the MD5 the guest computes of them) is
#     cut out of the console log and hashed; a mismatch is a lost byte;
#   - a verdict that changed from the first run's;
#   - hilt's own peak RSS and most open fds (sampled from /proc twice a
#     second), and what it left open at exit
#     (HILT_CHECK_LEFT: open files and children).
# Exits 1 when anything was lost, changed or left, else 0.
#   bench/soak.sh [SECONDS] [HILT]
set -u
seconds=${1:-3600}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
hilt=${2:-$src/build/hilt}
work=${SOAK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hilt-soak.XXXXXX")}
suites=("$here/soak-suite.xml" "$src/suites/linux-boot.xml")
[ -x "$hilt" ] || { echo "soak: no hilt at $hilt (cmake --build build first)" >&2; exit 2; }
mkdir -p "$work" || exit 2
export HILT_CHECK_LEFT=1

verdicts() { # JUNIT: one "suite case verdict" line a case, sorted
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for ts in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    for tc in ts.iter("testcase"):
        v = "pass"
        for k in ("failure", "error", "skipped"):
            if tc.find(k) is not None:
                v = k
        print(ts.get("name").split("@")[0], tc.get("name"), v)
PY
}

payload_ok() { # LOG: the payload's MD5, as the log holds it, is the guest's
	python3 - "$1" <<'PY'
import hashlib, re, sys
log = open(sys.argv[1], "rb").read().replace(b"\r", b"")
m = re.search(rb"\nSOAK-BEGIN\n(.*?\n)SOAK-END\n([0-9a-f]{32})  -", log, re.S)
if not m:
    print("no payload in the log"); sys.exit(1)
got = hashlib.md5(m.group(1)).hexdigest()
if got != m.group(2).decode():
    print("payload MD5 %s, the guest's %s: %d bytes seen" % (got, m.group(2).decode(), len(m.group(1))))
    sys.exit(1)
PY
}

end=$((SECONDS + seconds))
run=0 bad=0
echo "soak: $hilt, --jobs 2, for $seconds s, in $work"
printf '%-5s %-8s %-10s %-8s %-8s %s\n' run time rss_kib max_fds left what
while [ $SECONDS -lt "$end" ]; do
	run=$((run + 1))
	out=$work/run-$run
	t0=$SECONDS
	"$hilt" run --no-progress --jobs 2 --out "$out" "${suites[@]}" >"$out.stdout" 2>"$out.stderr" &
	pid=$!
	# hilt's own peak RSS (VmHWM: not its QEMUs') and most fds, sampled.
	hwm=0 fds=0
	while kill -0 "$pid" 2>/dev/null; do
		h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		f=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
		[ "${h:-0}" -le "$hwm" ] || hwm=$h
		[ "$f" -le "$fds" ] || fds=$f
		sleep 0.5
	done
	wait "$pid"
	rc=$?
	what="exit $rc"
	left=$(sed -n 's/^hilt: at exit: \([0-9]*\) open files.*, \([0-9]*\) children.*/\1+\2/p' "$out.stderr")
	[ "$left" = "0+0" ] || { what="$what; left: $(grep '^hilt: at exit' "$out.stderr")"; bad=1; }
	verdicts "$out/junit.xml" >"$out.verdicts" 2>/dev/null || { what="$what; no JUnit"; bad=1; }
	if [ "$run" -eq 1 ]; then
		cp "$out.verdicts" "$work/first.verdicts"
	elif ! cmp -s "$out.verdicts" "$work/first.verdicts"; then
		what="$what; verdicts changed: $(diff "$work/first.verdicts" "$out.verdicts" | grep '^>' | tr '\n' ' ')"
		bad=1
	fi
	if ! why=$(payload_ok "$out/soak@default.console.log"); then
		what="$what; lost bytes: $why"
		bad=1
	fi
	printf '%-5s %-8s %-10s %-8s %-8s %s\n' "$run" "$((SECONDS - t0))s" "$hwm" "$fds" \
		"${left:-?}" "$what"
	# Keep the first run and any that lost or changed something.
	[ "$run" -eq 1 ] || [ "$bad" -ne 0 ] || rm -rf "$out"
done
echo "soak: $run runs; $([ $bad -eq 0 ] && echo "nothing lost, changed or left" || echo "see above")"
exit "$bad"
