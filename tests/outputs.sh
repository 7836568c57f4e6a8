#!/usr/bin/env bash
# The files a run writes, and what it shows of the device, never lie:
# write errors end the run with exit 3 and leave no JUnit that passes for
# this run's, sessions never share files, device text is inert on the
# terminal, replayed steps are checked against their echo.
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
BOOT=$SRC/fixtures/logs/linux-boot-x86.log
BOOT_BYTES=$(stat -c %s "$BOOT")

# hilt_replay ARGS...: hilt run on the recorded boot; stdout and stderr
# kept apart in $WORK; sets RC.
hilt_replay() {
	"$HILT" run --target "replay:$BOOT" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
	RC=$?
	cat "$WORK/stdout" "$WORK/stderr"
}

# An old JUnit is replaced at once, so it can never pass for this run's.
stale_junit() {
	mkdir -p "$OUT"
	echo '<testsuites name="stale"/>' >"$OUT/junit.xml"
}

case "$1" in
junit-unwritable)
	# The JUnit cannot be written: said so, exit 3, and the old one gone.
	stale_junit
	mkdir "$OUT/junit.xml.tmp"
	hilt_replay --out "$OUT" suites/linux-boot.xml
	expect_exit 3 "$RC" "unwritable JUnit"
	assert_grep "cannot write $OUT/junit.xml.tmp: Is a directory" "$WORK/stderr"
	assert_grep "cannot use the output directory $OUT" "$WORK/stderr"
	assert_no_grep "written; exit status" "$WORK/stdout"
	[ ! -e "$OUT/junit.xml" ] || fail "the old junit.xml is still there"
	# Nothing ran: the directory was checked before any session.
	assert_no_grep "^PASS" "$WORK/stdout"
	;;
file-size-limit)
	# A file size limit below the log's size (but above the JUnit's,
	# whose console tail is 64 KiB at most): the cut log is reported
	# (EFBIG), not passed over, and the run ends with exit 3.
	stale_junit
	{ seq 1 40000; cat "$BOOT"; } >"$WORK/long.log"
	(ulimit -f 128 && "$HILT" run --target "replay:$WORK/long.log" --out "$OUT" \
		suites/linux-boot.xml >"$WORK/stdout" 2>"$WORK/stderr")
	RC=$?
	cat "$WORK/stdout" "$WORK/stderr"
	expect_exit 3 "$RC" "log over the file size limit"
	assert_grep "cannot write $OUT/linux-boot@replay_long.console.log: File too large" "$WORK/stderr"
	[ "$(grep -c '^PASS' "$WORK/stdout")" -eq 7 ] || fail "the cases themselves should pass"
	validate "$OUT/junit.xml"
	assert_grep 'name="output.error" value="cannot write .*File too large"' "$OUT/junit.xml"
	assert_no_grep 'name="stale"' "$OUT/junit.xml"
	;;
disk-full)
	# A 64 KiB tmpfs fills up while four sessions write at once: every
	# write error is reported, the JUnit is not left behind, exit 3, and
	# nothing is left open.
	mkdir -p "$OUT"
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP: cannot make a mount namespace here (unshare -m) for a small tmpfs"
		exit 77
	fi
	export HILT BOOT OUT WORK
	unshare -m bash -c '
		mount -t tmpfs -o size=64k tmpfs "$OUT" || exit 77
		echo "<testsuites name=\"stale\"/>" >"$OUT/junit.xml"
		HILT_CHECK_LEFT=1 "$HILT" run --jobs 4 --target "replay:$BOOT" --out "$OUT" suites/linux-boot.xml \
			suites/linux-boot.xml suites/linux-boot.xml suites/linux-boot.xml \
			>"$WORK/stdout" 2>"$WORK/stderr"
		rc=$?
		ls -la "$OUT" >"$WORK/listing"
		exit $rc'
	RC=$?
	[ "$RC" -ne 77 ] || { echo "SKIP: mounting a tmpfs is not allowed here"; exit 77; }
	cat "$WORK/stdout" "$WORK/stderr" "$WORK/listing"
	expect_exit 3 "$RC" "disk full"
	assert_grep "No space left on device" "$WORK/stderr"
	assert_grep "NOT written; exit status 3" "$WORK/stdout"
	assert_no_grep "junit.xml$" "$WORK/listing"
	assert_grep "^hilt: at exit: 0 open files, 0 children$" "$WORK/stderr"
	;;
pcap-full)
	# The capture of the guest network cannot be written (it is
	# /dev/full): the run says so and ends with exit 3, though every case
	# passes.
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no guest in $HILT_GUEST_DIR (its build failed?)"
		echo "SKIP: no default guest in $HILT_GUEST_DIR and this build does not make one"
		exit 77
	fi
	# /dev/full is bound over the capture's path in a mount namespace of
	# the run's own (a symbolic link would be refused, never followed).
	mkdir -p "$OUT"
	touch "$OUT/http-hello@default.pcap"
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP: cannot make a mount namespace here (unshare -m) to bind /dev/full"
		exit 77
	fi
	export HILT OUT
	unshare -m bash -c 'mount --bind /dev/full "$OUT/http-hello@default.pcap" || exit 77
		exec "$HILT" run --pcap --out "$OUT" suites/http-hello.xml' >"$WORK/stdout" 2>"$WORK/stderr"
	RC=$?
	[ "$RC" -ne 77 ] || { echo "SKIP: binding /dev/full is not allowed here"; exit 77; }
	cat "$WORK/stdout" "$WORK/stderr"
	expect_exit 3 "$RC" "capture on a full device"
	assert_grep "cannot write the capture $OUT/http-hello@default.pcap: No space left on device" "$WORK/stderr"
	assert_no_grep "^FAIL\|^ERROR" "$WORK/stdout"
	validate "$OUT/junit.xml"
	assert_grep 'name="output.error" value="cannot write the capture' "$OUT/junit.xml"
	;;
out-dir)
	# An output directory that cannot be made: one message, exit 3,
	# before any session (a file stands where a directory must be).
	touch "$WORK/file"
	hilt_replay --out "$WORK/file/sub" suites/linux-boot.xml
	expect_exit 3 "$RC" "output directory under a file"
	assert_grep "cannot use the output directory $WORK/file/sub: Not a directory" "$WORK/stderr"
	[ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "more than one message"
	assert_no_grep "^PASS" "$WORK/stdout"
	;;
same-name)
	# Two suites of one name, and names that clean up alike (a/b, a_b),
	# get files of their own: every session's log is whole.
	for n in same same 'a/b' 'a_b'; do
		printf '<suite name="%s"><milestone name="banner">Linux version</milestone></suite>\n' "$n" \
			>"$WORK/$(echo "$n" | tr / -)-$RANDOM.xml"
	done
	hilt_replay --out "$OUT" "$WORK"/*.xml
	expect_exit 0 "$RC" "same-name suites"
	validate "$OUT/junit.xml"
	logs=$(ls "$OUT"/*.console.log | wc -l)
	[ "$logs" -eq 4 ] || fail "$logs console logs for 4 sessions"
	for f in "$OUT"/*.console.log; do
		[ "$(stat -c %s "$f")" -eq "$BOOT_BYTES" ] || fail "$f is not the whole boot"
	done
	# Each <testsuite> names a log of its own.
	[ "$(grep -o 'name="console.log" value="[^"]*"' "$OUT/junit.xml" | sort -u | wc -l)" -eq 4 ] ||
		fail "two testsuites share a console log"
	;;
climb-out)
	# A suite and a target named to climb out of the output folder
	# (../../x): their files stay inside it, named inertly.
	mkdir -p "$WORK/deep/er"
	printf '<suite name="../../x-suite"><milestone name="banner">Linux version</milestone></suite>\n' \
		>"$WORK/climb.xml"
	printf '<farm><target name="../../x-target" kind="replay"><log>%s</log></target></farm>\n' \
		"$BOOT" >"$WORK/climb-farm.xml"
	"$HILT" run --farm "$WORK/climb-farm.xml" --out "$WORK/deep/er/out" "$WORK/climb.xml" \
		>"$WORK/stdout" 2>&1
	RC=$?
	cat "$WORK/stdout"
	expect_exit 0 "$RC" "a suite and a target named ../../x"
	OUT=$WORK/deep/er/out validate "$WORK/deep/er/out/junit.xml"
	# Nothing was written anywhere but the output folder.
	left=$(find "$WORK" -newer "$WORK/climb.xml" -type f ! -path "$WORK/deep/er/out/*" \
		! -name stdout ! -name climb-farm.xml)
	[ -z "$left" ] || fail "files outside the output folder: $left"
	# Each / of a name is a _ in its file's name.
	log="$WORK/deep/er/out/.._.._x-suite@.._.._x-target.console.log"
	[ -f "$log" ] || fail "the session's log is not $log"
	[ "$(stat -c %s "$log")" -eq "$BOOT_BYTES" ] || fail "the session's log is not the whole boot"
	;;
planted-link)
	# Symbolic links planted in a shared output folder at a session's
	# file names (its console log, its timing, its capture) are never
	# followed: the session is an infrastructure error naming the link,
	# the file they point at is untouched, the other sessions run.
	mkdir -p "$OUT"
	printf 'precious data\n' >"$WORK/victim"
	printf '<suite name="planted"><milestone name="banner">Linux version</milestone></suite>\n' \
		>"$WORK/planted.xml"
	for file in console.log console.timing; do
		rm -f "$OUT"/planted@*
		ln -s "$WORK/victim" "$OUT/planted@replay_linux-boot-x86.$file"
		hilt_replay --retries 0 --out "$OUT" "$WORK/planted.xml" suites/linux-boot.xml
		expect_exit 3 "$RC" "a symlink planted at the $file"
		validate "$OUT/junit.xml"
		assert_grep "cannot write $OUT/planted@replay_linux-boot-x86.$file: it is a symbolic link, which is never followed" \
			"$OUT/junit.xml"
		[ "$(cat "$WORK/victim")" = "precious data" ] || fail "the $file link's target was written"
		[ -L "$OUT/planted@replay_linux-boot-x86.$file" ] || fail "the planted $file link was replaced"
		[ "$(grep -c '^PASS .*linux-boot@' "$WORK/stdout")" -eq 7 ] || fail "the other session did not pass"
	done
	# The capture of a guest's network.
	if [ -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		ln -s "$WORK/victim" "$OUT/linux-boot@default.pcap"
		"$HILT" run --pcap --retries 0 --out "$OUT" suites/linux-boot.xml >"$WORK/stdout" 2>&1
		RC=$?
		cat "$WORK/stdout"
		expect_exit 3 "$RC" "a symlink planted at the capture"
		assert_grep "cannot write the capture $OUT/linux-boot@default.pcap: it is a symbolic link, which is never followed" \
			"$OUT/junit.xml"
		[ "$(cat "$WORK/victim")" = "precious data" ] || fail "the capture link's target was written"
	else
		echo "no default guest in $HILT_GUEST_DIR: the capture's link is not tried"
	fi
	;;
fd-limit)
	# Files are opened as each session starts and closed as it ends:
	# thirty sessions run under a limit of twenty open files.
	suites=()
	for _ in $(seq 30); do suites+=(suites/linux-boot.xml); done
	(ulimit -n 20 && hilt_replay --out "$OUT" "${suites[@]}"; exit "$RC")
	expect_exit 0 $? "thirty sessions, twenty fds"
	[ "$(ls "$OUT"/*.console.log | wc -l)" -eq 30 ] || fail "not thirty console logs"
	for f in "$OUT"/*.console.log; do
		[ "$(stat -c %s "$f")" -eq "$BOOT_BYTES" ] || fail "$f is not the whole boot"
	done
	;;
escapes)
	# Device output that would act on a terminal (a title, clearing the
	# screen, colours, C1 CSI, invalid UTF-8) is printed inert.
	printf 'Linux version 6.1\r\n[ 1.0] Kernel panic - not syncing: \033]0;pwned\007\033[2J\033[31mred\xff\xc2\x9b\r\n' >"$WORK/evil.log"
	"$HILT" run --target "replay:$WORK/evil.log" --out "$OUT" suites/linux-boot.xml >"$WORK/stdout"
	expect_exit 1 $? "panic with escapes"
	cat "$WORK/stdout"
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/stdout"; then
		fail "a control byte reached the terminal"
	fi
	LC_ALL=C grep -q $'\xc2\x9b' "$WORK/stdout" && fail "a C1 control reached the terminal"
	assert_grep "FAIL .*Kernel panic - not syncing: ␛]0;pwned␇␛\[2J␛\[31mred��" "$WORK/stdout"
	validate "$OUT/junit.xml"
	;;
replay-echo)
	# What a replayed step types is checked against the echo in the log.
	cat >"$WORK/right.xml" <<XML
<suite name="right"><shell prompt="^/ # "/>
  <milestone name="prompt">^/ # </milestone>
  <step name="uname"><send>uname -r</send><expect>^6\.1</expect></step>
</suite>
XML
	sed 's/name="right"/name="wrong"/; s/uname -r/uname -a/' "$WORK/right.xml" >"$WORK/wrong.xml"
	sed 's/name="right"/name="noecho"/; s|<shell prompt="^/ # "/>|<shell prompt="^/ # " echo="false"/>|' \
		"$WORK/right.xml" >"$WORK/noecho.xml"
	hilt_replay --out "$OUT" "$WORK/right.xml"
	expect_exit 0 "$RC" "the step the recording shows"
	hilt_replay --out "$OUT" "$WORK/wrong.xml"
	expect_exit 1 "$RC" "a step the recording does not show"
	assert_grep "FAIL .*step 'uname -a': the recording shows \"uname -r\" typed at this prompt, not \"uname -a\"" "$WORK/stdout"
	validate "$OUT/junit.xml"
	assert_grep '<failure message="step .uname -a.: the recording shows' "$OUT/junit.xml"
	hilt_replay --out "$OUT" "$WORK/noecho.xml"
	expect_exit 0 "$RC" "a step without echo"
	assert_grep "SKIP .*replayed, not verified" "$WORK/stdout"
	assert_grep 'type="replay-unverified"' "$OUT/junit.xml"
	;;
cli)
	# Replay by file name, realtime on the command line, unknown targets,
	# help for each command.
	hilt_replay --out "$OUT" suites/linux-boot.xml
	expect_exit 0 "$RC" "replay"
	[ -s "$OUT/linux-boot@replay_linux-boot-x86.console.log" ] || fail "replay not named by its file name"
	assert_grep "PASS  linux-boot@replay:linux-boot-x86 kernel-banner" "$WORK/stdout"
	cp "$SRC/fixtures/logs/linux-panic-x86.log" "$WORK/p.console.log"
	cp "$SRC/fixtures/logs/linux-panic-x86.timing" "$WORK/p.console.timing"
	"$HILT" run --realtime --target "replay:$WORK/p.console.log" --out "$OUT" suites/linux-boot.xml >"$WORK/stdout"
	expect_exit 1 $? "realtime replay"
	cat "$WORK/stdout"
	# The recorded banner came 3.5 s after power-on: realtime keeps it.
	assert_grep 'PASS  linux-boot@replay:p kernel-banner (3\.[4-9]' "$WORK/stdout"
	"$HILT" run --target nope suites/linux-boot.xml 2>"$WORK/stderr"
	expect_exit 2 $? "unknown target"
	assert_grep "no target named 'nope' in the built-in farm; its targets: default (or replay:LOG)" "$WORK/stderr"
	# A guest folder that holds no guest says so, and what helps.
	mkdir -p "$WORK/empty"
	HILT_GUEST_DIR=$WORK/empty "$HILT" run --out "$OUT" suites/linux-boot.xml 2>"$WORK/stderr"
	expect_exit 3 $? "HILT_GUEST_DIR without a guest"
	assert_grep "HILT_GUEST_DIR=$WORK/empty: $WORK/empty holds no default guest ($WORK/empty/vmlinuz: No such file or directory); point it at a folder that fixtures/guest/make-guest.sh made, or unset it" "$WORK/stderr"
	for c in run validate; do
		"$HILT" help "$c" >"$WORK/help" || fail "hilt help $c"
		assert_grep "^usage: hilt $c" "$WORK/help"
	done
	"$HILT" help nope 2>/dev/null
	expect_exit 2 $? "help for no command"
	;;
*)
	fail "unknown case $1"
	;;
esac
echo "ok: $1"
