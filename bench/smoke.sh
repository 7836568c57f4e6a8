#!/usr/bin/env bash
# One benchmark at its small size, as ctest runs it (bench_NAME): it must
# run to its end and print its figures, so that a change that breaks a
# bench fails CI.  Nothing here judges a figure: on a shared CI machine
# timings say nothing, and the full-size runs are for people.
#   bench/smoke.sh run|matcher|loop|sched-scale|sched-jobs|shared-boot|report|soak|kreport
# Set by CMake: HILT, BUILD_DIR (where hilt and bench/* were built),
# HILT_GUEST_DIR (the default guest), GUEST_BUILT (ON when this build makes
# the guest), WORK (a scratch folder of this test's own).
set -u
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: smoke.sh NAME}
out=$WORK/output

fail() {
	echo "FAIL: bench $name: $*" >&2
	exit 1
}

# need_guest: the benches that boot the default QEMU guest skip without it
# (unless this build makes one: then its absence is a failure).
need_guest() {
	[ -r "$HILT_GUEST_DIR/vmlinuz" ] && return 0
	[ "${GUEST_BUILT:-ON}" != ON ] || fail "no guest in $HILT_GUEST_DIR (its build failed?)"
	echo "SKIP: bench $name boots the default guest, and there is none in $HILT_GUEST_DIR"
	exit 77
}

# bench CMD...: runs the bench, its output shown and kept in $out; a bench
# that fails fails the test.
bench() {
	echo "+ $*"
	"$@" >"$out" 2>&1
	local rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || fail "exit status $rc"
}

# expect_line REGEX WHAT: a line of the output (an extended regular
# expression, whole line) shows WHAT.
expect_line() {
	grep -Eqx -- "$1" "$out" || fail "no line with $2 (/$1/)"
}

N='[0-9]+(\.[0-9]+)?'	# a figure, whatever its value
cd "$WORK" || fail "no WORK folder $WORK"
case "$name" in
run)
	# run.py drives gen-log.py, hilt end to end, matcher-bench and
	# pexpect-peer.py (with and without a window).
	bench python3 "$here/run.py" --build "$BUILD_DIR" --small
	expect_line "1 MB +$N +$N +$N +$N +${N}x +${N}x( \(stopped .*\))?" \
		"the 1 MB row: hilt, the matcher, both pexpect peers and the ratios"
	expect_line " +hilt peak RSS $N MB" "hilt's peak RSS"
	expect_line "$N GB stream: $N GB through one session in $N s, hilt peak RSS $N MB" "the stream"
	expect_line "detection latency \(FIFO write to PASS line\), 30 milestones: p50 $N ms, p99 $N ms, max $N ms" \
		"the detection latency of all 30 milestones"
	;;
matcher)
	# matcher-bench alone, with and without its prefilter: every milestone
	# found either way, no failure pattern matched.
	bench python3 "$here/gen-log.py" 2 "$WORK/2MB.log"
	for how in "" --no-prefilter; do
		bench "$BUILD_DIR/bench/matcher-bench" "$here/suite.xml" "$WORK/2MB.log" $how
		expect_line "3 of 3 milestones, [0-9]+ patterns, $N MB in $N s: $N MB/s" \
			"all 3 milestones matched ${how:-with the prefilter}"
	done
	;;
kreport)
	# kreport-bench: the matcher alone and with the kernel report reader
	# on a 2 MB log without a report (none found); then the reader alone
	# on a 2 MB log of 1,000 warnings: every report counted, kept or
	# dropped, and the peak RSS at each tenth.
	bench python3 "$here/gen-log.py" 2 "$WORK/2MB.log"
	bench "$BUILD_DIR/bench/kreport-bench" "$here/suite.xml" "$WORK/2MB.log" --reps 2
	expect_line "matcher alone: +$N s: $N MB/s" "the matcher's figure"
	expect_line "matcher \+ kernel reader: +$N s: $N MB/s" "the matcher and the reader's figure"
	expect_line "the reader's cost: [+-]$N % of the matcher's time \(ratio $N\)" "the ratio"
	expect_line "in CPU time: $N s alone, $N s with the reader: [+-]$N % \(ratio $N\)" "the ratio in CPU time"
	expect_line "findings: 0 \(0 reports\)" "no finding on a log without a report"
	bench python3 "$here/gen-log.py" 2 "$WORK/warnings.log" --warnings 1000
	bench "$BUILD_DIR/bench/kreport-bench" --memory "$WORK/warnings.log"
	expect_line "findings kept: [1-9][0-9]*; reports: 1000, of which [0-9]+ beyond the findings kept" \
		"all 1000 warnings counted"
	expect_line "peak RSS, KiB, at each tenth of the log:( [0-9]+){11}" "the peak RSS at each tenth"
	# A KUnit run of 10,000 tests in the body: the ktap reader beside the
	# matcher, then alone: every test read, as generated.
	bench python3 "$here/gen-log.py" 2 "$WORK/ktap.log" --ktap 10000
	bench "$BUILD_DIR/bench/kreport-bench" "$here/suite.xml" "$WORK/ktap.log" --reps 2 --results ktap
	expect_line "matcher \+ ktap reader: +$N s: $N MB/s" "the matcher and the ktap reader's figure"
	expect_line "the reader's cost: [+-]$N % of the matcher's time \(ratio $N\)" "the ktap reader's ratio"
	bench "$BUILD_DIR/bench/kreport-bench" --memory "$WORK/ktap.log" --results ktap
	expect_line "tests: 10000 handed over \(9790 passed, 10 failed, 200 skipped, 0 errors, 0 crashed\); counts: 9790 of 10000 passed, status failure" \
		"the 10,000 tests read"
	expect_line "peak RSS, KiB, at each tenth of the log:( [0-9]+){11}" "the ktap reader's peak RSS"
	;;
loop)
	bench "$BUILD_DIR/bench/loop-bench" 1000
	for fds in 16 256 1024; do
		expect_line " +$fds +$N +$N +${N}x +$N" "the event cost with $fds idle fds"
	done
	for timers in 0 16 256 1024 65536; do
		expect_line " +$timers +$N" "the event cost with $timers timers"
	done
	expect_line "timer lateness, .*: p50 -?$N ms, p99 -?$N ms, max -?$N ms \(100 samples\)" \
		"the timer lateness of 100 timers"
	expect_line "256 sessions, write to callback: p50 $N ms, p99 $N ms, max $N ms \(250 samples\)" \
		"the 256 sessions' latency"
	;;
sched-scale)
	# sched-scale.py with hiltbench.py, fifo-feeder.py and scale-peer.py.
	bench python3 "$here/sched-scale.py" --build "$BUILD_DIR" --small
	expect_line "  exit status 0, 4 of 4 sessions passed, wall $N s" "4 realtime sessions passed"
	expect_line "  hilt CPU $N s: .*" "hilt's CPU"
	expect_line "  detection latency: p50 -?$N ms, p99 -?$N ms, max -?$N ms \(20 matches\)" \
		"the 20 milestones' latency in the realtime run"
	expect_line "  hilt, 1 process: +CPU $N s in all; .*" "hilt's CPU on the FIFOs"
	expect_line "  hilt detection latency .*\(20 matches\)" "hilt's latency on the FIFOs"
	expect_line "  pexpect, 4 processes: CPU $N s in all; .*; 0 failed; .*" "4 pexpect peers that all passed"
	expect_line "  CPU ratio pexpect / hilt: $N during the feed .*, $N in all" "the ratio"
	;;
sched-jobs)
	need_guest
	bench python3 "$here/sched-jobs.py" --build "$BUILD_DIR" --small --guest-dir "$HILT_GUEST_DIR"
	expect_line "makespan \(hilt start to exit\) +$N s" "the makespan"
	expect_line "ratio makespan / \(sum / 2\) +$N" "the makespan's ratio to the ideal"
	expect_line "hilt's own CPU: $N s in all, $N s a session .*" "hilt's CPU a session"
	;;
shared-boot)
	# linux-boot and 2 generated suites, on one shared boot and then each
	# on a boot of its own: every session passed, and the boots counted.
	need_guest
	bench python3 "$here/shared-boot.py" --build "$BUILD_DIR" --small --guest-dir "$HILT_GUEST_DIR"
	expect_line "shared +1 +$N s +$N s +3 +3 +1 +0 +$N %" "the shared run: 3 sessions passed on 1 boot"
	expect_line "not shared +1 +$N s +$N s +3 +3 +3 +0 +$N %" "the run without: 3 sessions passed, 3 boots"
	expect_line "shared: 2 suites ran on boot linux-boot@default, $N s each .*" "the 2 suites on the boot"
	expect_line "ratio not shared / shared: makespan $N, JUnit span $N" "the ratios"
	;;
report)
	bench python3 "$here/report-bench.py" --build "$BUILD_DIR" --small
	expect_line "40 sessions in 2 shards, $N MB a night" "the nights written"
	for cmd in merge html compare; do
		expect_line "$cmd +hilt +$N s +$N MB" "hilt report $cmd's figures"
	done
	;;
soak)
	# One run of the soak (its length 1 s: the first run always happens).
	need_guest
	export HILT_GUEST_DIR
	SOAK_DIR=$WORK/soak bench bash "$here/soak.sh" 1 "$HILT"
	expect_line "1 +[0-9]+s +[1-9][0-9]* +[1-9][0-9]* +0\+0 +exit 0" \
		"the run's line: its time, hilt's RSS and fds, nothing left, exit 0"
	expect_line "soak: 1 runs; nothing lost, changed or left" "the verdict"
	;;
*)
	fail "no such bench (run, matcher, loop, sched-scale, sched-jobs, shared-boot, report, soak, kreport)"
	;;
esac
echo "bench $name: ran at its small size and printed its figures"
