#!/usr/bin/env bash
# hilt bisect.
#   builds  nine build folders of recorded consoles (replay, at their
#           recorded pace: a boot of a tenth of a second), ${build} and
#           ${run} in the farm's log path: a boot-time regression from b8
#           on, b6 flaky (its second run's recording panics, the other two
#           boot: a run's outcome is chosen by ${run}, which is how the
#           replay gives a candidate runs that disagree), b5 missing; the
#           same with --jobs 3 (a step's runs at once)
#   resume  the same bisect interrupted with SIGINT during its fourth step,
#           then run again: the runs that had finished are not run again
#           (their JUnit untouched, said "(recorded)"), the answer the same
#   ends    a good end that is bad and a bad end that is good stop with
#           exit 4 and say which; a missing end stops with exit 3
#   git     a repository of the default guest's init script under TCG:
#           --git GOOD..BAD --build COMMAND --repeat 3 finds the commit that
#           holds init back 2 s and the one that panics, skips a commit
#           whose build fails and one whose build exits 125, and leaves
#           the repository's own tree as it was (an uncommitted edit kept)
. "$(dirname "$0")/lib.sh"

# recording DIR RUN KIND: the console of one run of a build: good (init
# 0.05 s after the banner), slow (1.2 s) or panic.
recording() {
	local dir=$1 run=$2 kind=$3 banner="Linux version 6.1.0-bisect (fixture)" line t=0.05
	case $kind in
	good) line="hilt-guest: init started" ;;
	slow) line="hilt-guest: init started" t=1.2 ;;
	panic) line="Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)" ;;
	esac
	mkdir -p "$dir"
	printf '%s\n%s\n' "$banner" "$line" >"$dir/console-$run.log"
	printf '0.01 %d\n%s %d\n' $((${#banner} + 1)) "$t" $((${#line} + 1)) >"$dir/console-$run.timing"
}

# builds: b1..b9 in $WORK/builds, b5 missing, slow from $1 on, b$2's
# second run a panic; the farm and the suite beside them.
make_builds() {
	local from=${1:-8} flaky=${2:-6} b k kind
	rm -rf "$WORK/builds"
	for b in 1 2 3 4 6 7 8 9; do
		for k in 1 2 3; do
			kind=good
			[ "$b" -ge "$from" ] && kind=slow
			[ "$b" = "$flaky" ] && [ "$k" = 2 ] && kind=panic
			recording "$WORK/builds/b$b" "$k" "$kind"
		done
	done
	cat >"$WORK/farm.xml" <<'XML'
<farm><target name="rec" kind="replay">
  <log>${build}/console-${run}.log</log><speed>realtime</speed>
</target></farm>
XML
	cat >"$WORK/suite.xml" <<'XML'
<suite name="boot" timeout="30">
  <milestone name="kernel-banner" timeout="10">Linux version (?'kernel_version'\S+)</milestone>
  <milestone name="init-started" timeout="10">^hilt-guest: init started</milestone>
</suite>
XML
}

# A replay at its recorded pace is late by what the machine's load makes
# it: a floor of 0.6 s (the slower builds are 1.15 s late).
LIMITS=(--time-floor 0.6s)
BUILDS=()
for b in 1 2 3 4 5 6 7 8 9; do BUILDS+=("$WORK/builds/b$b"); done

# json_get FILE EXPR: a value of the JSON answer (python3's reading).
json_get() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" ||
		fail "$1: cannot read $2"
}

# check_answer OUT: the answer of the builds' bisect, its steps and
# every run's JUnit.
check_answer() {
	local out=$1 j=$1/bisect.json f
	[ "$(json_get "$j" 'd["status"]')" = found ] || fail "status not found"
	[ "$(json_get "$j" 'd["first_bad"]')" = "$WORK/builds/b8" ] || fail "first bad is not b8"
	[ "$(json_get "$j" 'd["last_good"]')" = "$WORK/builds/b7" ] || fail "last good is not b7"
	# The ends, b5 (missing: skipped, so b6 is tried), b6 (flaky, its
	# majority good), then b7 and b8.
	[ "$(json_get "$j" '" ".join(s["build"].split("/")[-1] + "=" + s["verdict"] + "/" + s["decided"] for s in d["steps"])')" = \
		"b1=good/good b9=bad/bad b5=skip/skip b6=flaky/good b7=good/good b8=bad/bad" ] ||
		fail "steps: $(json_get "$j" '[(s["build"], s["verdict"]) for s in d["steps"]]')"
	[ "$(json_get "$j" 'd["steps_taken"]')" = 6 ] || fail "not 6 steps"
	[ "$(json_get "$j" 'len(d["steps"][2]["runs"])')" = 0 ] || fail "the missing build has runs"
	[ "$(json_get "$j" '[r["verdict"] for r in d["steps"][3]["runs"]]')" = "['good', 'bad', 'good']" ] ||
		fail "b6's runs are not good, bad, good"
	[ "$(json_get "$j" 'd["confidence"] < 1')" = True ] || fail "a flaky step left the confidence whole"
	# A JUnit per run and per step, each valid.
	[ "$(find "$out" -path '*/run-[0-9]/junit.xml' | wc -l)" -eq 15 ] || fail "not 15 runs' JUnit"
	for f in "$out"/step-*/junit.xml "$out"/step-*/run-*/junit.xml; do
		validate "$f"
	done
	[ ! -e "$out"/step-003-b5/junit.xml ] || fail "the skipped step has a JUnit"
	grep -q 'init-started' "$out/evidence.txt" || fail "the evidence does not name the slower milestone"
}

case_builds() {
	local rc
	make_builds
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --repeat 3 --out "$WORK/out" --format json \
		--builds "${BUILDS[@]}" "$WORK/suite.xml" >"$WORK/stdout" 2>"$WORK/stderr"
	rc=$?
	cat "$WORK/stderr"
	expect_exit 0 "$rc" "bisect of the builds"
	# --format json: the answer on stdout is the file's.
	cmp -s "$WORK/stdout" "$WORK/out/bisect.json" || fail "stdout is not bisect.json"
	python3 -m json.tool "$WORK/stdout" >/dev/null || fail "stdout is not JSON"
	check_answer "$WORK/out"
	assert_grep "skipped: $WORK/builds/b5: No such file or directory" "$WORK/stderr"
	assert_grep "=> flaky, good (2 good, 1 bad runs; --flaky majority)" "$WORK/stderr"
	assert_grep "9 candidates, log2(9) = 3.2: 6 steps (the 2 ends, 1 skipped) of 3 runs each" "$WORK/stderr"
	assert_grep "slower: boot@rec > init-started" "$WORK/stderr"

	# The same with the three runs of each step at once.
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --repeat 3 --jobs 3 --out "$WORK/out-jobs" \
		--builds "${BUILDS[@]}" "$WORK/suite.xml" >"$WORK/stdout" 2>&1
	expect_exit 0 $? "bisect of the builds, --jobs 3"
	check_answer "$WORK/out-jobs"

	# --flaky bad: b6 is bad then; b3 and b4 good; b5, skipped, lies
	# between: the first bad is one of b5 and b6.
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --repeat 3 --flaky bad --out "$WORK/out-bad" \
		--builds "${BUILDS[@]}" "$WORK/suite.xml" >"$WORK/stdout" 2>&1
	expect_exit 0 $? "bisect with --flaky bad"
	assert_grep "^First bad: one of these (the ones before b6 could not be tested):$" "$WORK/stdout"
	assert_grep "^Last good: $WORK/builds/b4$" "$WORK/stdout"
	[ "$(json_get "$WORK/out-bad/bisect.json" 'd["status"] + " " + " ".join(b.split("/")[-1] for b in d["maybe_first_bad"])')" = \
		"ambiguous b5 b6" ] || fail "not ambiguous between b5 and b6"
	assert_grep "^Confidence: 33%" "$WORK/stdout"

	# --only cases: the slower boots are no regression then: the bad end
	# is good.
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --only cases --out "$WORK/out-cases" \
		--builds "${BUILDS[@]}" "$WORK/suite.xml" >"$WORK/stdout" 2>&1
	rc=$?
	cat "$WORK/stdout"
	expect_exit 4 "$rc" "bisect of boot times with --only cases"
	assert_grep "The bad end $WORK/builds/b9 is good" "$WORK/stdout"
}

case_resume() {
	local pid rc n
	make_builds
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --repeat 3 --out "$WORK/out" \
		--builds "${BUILDS[@]}" "$WORK/suite.xml" >"$WORK/first" 2>&1 &
	pid=$!
	# Interrupted in b6's step, after its first run.
	poll_until 60 test -e "$WORK/out/step-004-b6/run-2" || fail "step 4 never began its second run"
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	cat "$WORK/first"
	expect_exit 130 "$rc" "the interrupted bisect"
	assert_grep "interrupted: what finished is in $WORK/out/bisect.state" "$WORK/first"
	assert_no_grep "^First bad" "$WORK/first"
	n=$(grep -c '^run' "$WORK/out/bisect.state")
	[ "$n" -ge 7 ] && [ "$n" -le 8 ] || fail "$n runs recorded, not 7 or 8"
	# The finished runs' JUnit made old: going on must not write them.
	find "$WORK/out" -name junit.xml -exec touch -d '2001-01-01 00:00' {} +
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --repeat 3 --out "$WORK/out" \
		--builds "${BUILDS[@]}" "$WORK/suite.xml" >"$WORK/second" 2>&1
	rc=$?
	cat "$WORK/second"
	expect_exit 0 "$rc" "the bisect gone on with"
	assert_grep "(going on from the recorded state)" "$WORK/second"
	[ "$(grep -c '(recorded)' "$WORK/second")" -eq "$n" ] || fail "not $n runs said recorded"
	for f in "$WORK"/out/step-00[12]-*/run-*/junit.xml "$WORK"/out/step-004-b6/run-1/junit.xml; do
		[ "$(stat -c %Y "$f")" -lt 1000000000 ] || fail "$f was written again"
	done
	check_answer "$WORK/out"
	# Another bisect's state is not gone on with.
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --repeat 2 --out "$WORK/out" \
		--builds "${BUILDS[@]}" "$WORK/suite.xml" >"$WORK/other" 2>&1
	expect_exit 2 $? "another bisect in the same --out"
	assert_grep "state of another bisect" "$WORK/other"
}

# ends_bisect OUT WANT WHAT BUILD...: hilt bisect of the suite over the
# builds given into OUT, its output shown and in $WORK/stdout, its exit
# status WANT.
ends_bisect() {
	local out=$1 want=$2 what=$3 rc
	shift 3
	"$HILT" bisect "${LIMITS[@]}" --farm "$WORK/farm.xml" --out "$out" --builds "$@" \
		"$WORK/suite.xml" >"$WORK/stdout" 2>&1
	rc=$?
	cat "$WORK/stdout"
	expect_exit "$want" "$rc" "$what"
}

case_ends() {
	make_builds
	# A good end that is bad: its boot panics (every run).
	for k in 1 2 3; do recording "$WORK/builds/b1" "$k" panic; done
	ends_bisect "$WORK/o1" 4 "a good end that is bad" "${BUILDS[@]}"
	assert_grep "^The good end $WORK/builds/b1 is bad: a test failed" "$WORK/stdout"
	[ "$(ls -d "$WORK"/o1/step-* | wc -l)" -eq 1 ] || fail "steps after the good end was bad"
	[ "$(json_get "$WORK/o1/bisect.json" 'd["status"]')" = "good end is bad" ] || fail "json status"

	# A bad end that is good: no build is slower.
	make_builds 99
	ends_bisect "$WORK/o2" 4 "a bad end that is good" "${BUILDS[@]}"
	assert_grep "^The bad end $WORK/builds/b9 is good" "$WORK/stdout"
	[ "$(ls -d "$WORK"/o2/step-* | wc -l)" -eq 2 ] || fail "steps after the bad end was good"

	# An end that cannot be tested.
	ends_bisect "$WORK/o3" 3 "a bad end that is missing" "${BUILDS[@]:0:8}" "$WORK/builds/b10"
	assert_grep "^The bad end $WORK/builds/b10 cannot be tested" "$WORK/stdout"

	# Usage: one build, no suite.
	"$HILT" bisect --builds "$WORK/builds/b1" "$WORK/suite.xml" >/dev/null 2>&1
	expect_exit 2 $? "one build"
	"$HILT" bisect --builds "${BUILDS[@]}" >/dev/null 2>&1
	expect_exit 2 $? "no suite"
}

# Commits whose build makes a recorded console (fast, no guest): a panic
# from c4 on; the bisect interrupted while it builds its third step, then
# gone on with.
case_gitreplay() {
	local repo=$WORK/repo rc pid c
	git init -q "$repo" || fail "git init"
	git -C "$repo" config user.email hilt@example.invalid
	git -C "$repo" config user.name hilt
	printf '%s\n' "Linux version 6.1.0-bisect (fixture)" "hilt-guest: init started" >"$repo/console"
	printf '%s\n' "set -e" "mkdir -p out" "sleep 1" "cp console out/console.log" >"$repo/build.sh"
	for c in 0 1 2 3 4 5 6; do
		[ "$c" = 4 ] &&
			sed -i 's/^hilt-guest: init started$/Kernel panic - not syncing: Attempted to kill init!/' "$repo/console"
		echo "$c" >"$repo/n"
		git -C "$repo" add -A && git -C "$repo" commit -qm "c$c" || fail "commit c$c"
		eval "C$c=\$(git -C \"\$repo\" rev-parse HEAD)"
	done
	echo "mine" >>"$repo/n"
	echo '<farm><target name="rec" kind="replay"><log>${build}/out/console.log</log></target></farm>' \
		>"$WORK/farm.xml"
	echo '<suite name="boot" timeout="30"><milestone name="init-started" timeout="10">^hilt-guest: init started</milestone></suite>' \
		>"$WORK/suite.xml"
	(cd "$repo" && exec "$HILT" bisect --git "$C0..$C6" --build 'sh build.sh' --repeat 2 \
		--farm "$WORK/farm.xml" --out "$WORK/out" "$WORK/suite.xml") >"$WORK/first" 2>&1 &
	pid=$!
	poll_until 60 eval 'ls "$WORK"/out/step-003-*/build.log >/dev/null 2>&1' || fail "step 3 never built"
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	cat "$WORK/first"
	expect_exit 130 "$rc" "the bisect interrupted in a build"
	[ "$(git -C "$repo" worktree list | wc -l)" -eq 1 ] || fail "a worktree is left: $(git -C "$repo" worktree list)"
	[ "$(grep -c '^run' "$WORK/out/bisect.state")" -eq 4 ] || fail "not the 4 runs of the ends recorded"
	(cd "$repo" && "$HILT" bisect --git "$C0..$C6" --build 'sh build.sh' --repeat 2 \
		--farm "$WORK/farm.xml" --out "$WORK/out" "$WORK/suite.xml") >"$WORK/second" 2>&1
	rc=$?
	cat "$WORK/second"
	expect_exit 0 "$rc" "the bisect gone on with"
	[ "$(grep -c '(recorded)' "$WORK/second")" -eq 4 ] || fail "not 4 runs said recorded"
	[ "$(grep -c 'building:' "$WORK/second")" -eq 2 ] || fail "the ends were built again"
	assert_grep "^First bad: $C4$" "$WORK/second"
	assert_grep "^Last good: $C3$" "$WORK/second"
	[ "$(git -C "$repo" status --porcelain)" = " M n" ] ||
		fail "the repository's tree changed: $(git -C "$repo" status --porcelain)"
	[ "$(git -C "$repo" worktree list | wc -l)" -eq 1 ] || fail "a worktree is left"
}

# git_bisect NAME RANGE: hilt bisect of RANGE in $repo, built by build.sh,
# boot times from /init with a floor of 1 s, into $WORK/NAME; its JSON
# in $WORK/NAME.json, its messages shown and in $WORK/NAME.log; it must
# find something (exit 0).
git_bisect() {
	(cd "$repo" && "$HILT" bisect --git "$2" --build 'sh build.sh' --repeat 3 --jobs 3 \
		--time-from run-init --time-floor 1s --farm "$WORK/farm.xml" --out "$WORK/$1" --format json \
		"$WORK/suite.xml") >"$WORK/$1.json" 2>"$WORK/$1.log"
	local rc=$?
	cat "$WORK/$1.log"
	expect_exit 0 "$rc" "bisect of the $1"
}

case_git() {
	[ "${GUEST_BUILT:-ON}" = ON ] && [ -r "$HILT_GUEST_DIR/vmlinuz" ] ||
		{ echo "SKIP: the default guest is not built (HILT_GUEST_DIR=$HILT_GUEST_DIR)"; exit 77; }
	command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no qemu-system-x86_64"; exit 77; }
	command -v cpio >/dev/null || { echo "SKIP: no cpio"; exit 77; }
	local repo=$WORK/repo rc c
	git init -q "$repo" || fail "git init"
	git -C "$repo" config user.email hilt@example.invalid
	git -C "$repo" config user.name hilt
	commit() { git -C "$repo" add -A && git -C "$repo" commit -qm "$1" || fail "commit $1"; }
	cp "$SRC/fixtures/guest/init" "$repo/init"
	chmod 755 "$repo/init"
	# The build: the guest's initramfs with this commit's init appended
	# (the kernel unpacks concatenated archives in order: the later
	# /init wins).
	cat >"$repo/build.sh" <<'EOF'
set -e
[ ! -e BROKEN ] || { echo "this commit does not build" >&2; exit 1; }
[ ! -e UNTESTABLE ] || exit 125
mkdir -p out
echo init | cpio --quiet -o -H newc | gzip >out/init.cpio.gz
cat "$HILT_GUEST_DIR/initrd.img" out/init.cpio.gz >out/initrd.img
EOF
	echo "the guest's init" >"$repo/README"
	commit "c0 the guest"
	echo "more words" >>"$repo/README"
	commit "c1 words"
	sed -i 's/^echo "hilt-guest: init started"$/sleep 2\n&/' "$repo/init"
	grep -q '^sleep 2$' "$repo/init" || fail "the delay was not added"
	commit "c2 init waits 2 s"
	touch "$repo/BROKEN"
	commit "c3 broken"
	rm "$repo/BROKEN"
	commit "c4 fixed"
	touch "$repo/UNTESTABLE"
	commit "c5 cannot be tested"
	rm "$repo/UNTESTABLE"
	commit "c6 can"
	sed -i 's/^echo "hilt-guest: init started"$/echo c >\/proc\/sysrq-trigger\n&/' "$repo/init"
	commit "c7 init panics"
	echo "last words" >>"$repo/README"
	commit "c8 words"
	for c in 0 1 2 3 4 5 6 7 8; do
		eval "C$c=\$(git -C \"\$repo\" log --format=%H --grep='^c$c ')"
	done
	# The user's own tree: an uncommitted edit, an untracked file.
	echo "an edit of mine" >>"$repo/init"
	echo "mine" >"$repo/notes"
	local before
	before=$(cd "$repo" && git status --porcelain && git rev-parse HEAD && sha256sum init README notes)

	cat >"$WORK/farm.xml" <<XML
<farm><target name="guest" kind="qemu">
  <kernel>$HILT_GUEST_DIR/vmlinuz</kernel>
  <initrd>\${build}/out/initrd.img</initrd>
  <append>console=ttyS0 panic=-1</append>
</target></farm>
XML
	cat >"$WORK/suite.xml" <<'XML'
<suite name="boot" timeout="90">
  <milestone name="kernel-banner" timeout="60">Linux version (?'kernel_version'\S+)</milestone>
  <milestone name="run-init" timeout="60">Run /init as init process</milestone>
  <milestone name="init-started" timeout="30">^hilt-guest: init started</milestone>
</suite>
XML
	# The delay, between the first commit and the one before the panic.
	# Under TCG on a busy machine the kernel's own boot was seen to move
	# by more than a second between runs (it reached /init at 4.8 s in
	# one, 5.9 s in the next): boot times are counted from the kernel's
	# handing over to /init, with a floor of 1 s (the delay is 2 s).
	git_bisect delay "$C0..$C6"
	[ "$(json_get "$WORK/delay.json" 'd["first_bad"]')" = "$C2" ] || fail "the delay is not found at c2"
	[ "$(json_get "$WORK/delay.json" 'd["last_good"]')" = "$C1" ] || fail "the last good is not c1"
	[ "$(json_get "$WORK/delay.json" '[s["verdict"] for s in d["steps"] if s["commit"] == "'"$C3"'"]')" = "['skip']" ] ||
		fail "the broken build is not skipped"
	assert_grep "this commit does not build" "$WORK"/delay/step-*-"${C3:0:12}"/build.log
	assert_grep "slower: boot@guest > init-started" "$WORK/delay.log"
	for f in "$WORK"/delay/step-*/junit.xml; do validate "$f"; done

	# The panic, from the delay on (the delay is no regression then).
	git_bisect panic "$C2..$C8"
	[ "$(json_get "$WORK/panic.json" 'd["first_bad"]')" = "$C7" ] || fail "the panic is not found at c7"
	[ "$(json_get "$WORK/panic.json" '[s["verdict"] for s in d["steps"] if s["commit"] == "'"$C5"'"]')" = "['skip']" ] ||
		fail "the commit whose build exits 125 is not skipped"
	assert_grep "cannot be tested (exit 125)" "$WORK/panic.log"
	assert_grep "kernel-panic" "$WORK/panic/evidence.txt"

	# The repository as it was: its tree, its HEAD, no worktree left.
	[ "$(cd "$repo" && git status --porcelain && git rev-parse HEAD && sha256sum init README notes)" = "$before" ] ||
		fail "the repository's own tree changed"
	[ "$(git -C "$repo" worktree list | wc -l)" -eq 1 ] || fail "a worktree is left: $(git -C "$repo" worktree list)"
	echo "steps: delay $(json_get "$WORK/delay.json" 'd["steps_taken"]'), panic $(json_get "$WORK/panic.json" 'd["steps_taken"]')"
}

"case_${1:?which case}"
