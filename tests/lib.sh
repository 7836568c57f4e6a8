# Shared helpers of the shell tests.  Set by CMake: HILT, VALIDATE_JUNIT,
# SCHEMA, SRC, WORK (a scratch folder for this test).
set -u

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# validate FILE: the JUnit must satisfy tests/junit-hilt.xsd.
validate() {
	"$VALIDATE_JUNIT" "$SCHEMA" "$1" || fail "$1 does not validate"
}

# expect_exit WANT GOT WHAT
expect_exit() {
	[ "$2" -eq "$1" ] || fail "$3: exit status $2, expected $1"
}

assert_grep() {
	grep -q -- "$1" "$2" || fail "'$1' not found in $2"
}

assert_no_grep() {
	! grep -q -- "$1" "$2" || fail "'$1' unexpectedly found in $2"
}

# judge_run WANT RC WHAT: shows what the run printed ($WORK/stdout, and
# $WORK/stderr if the run kept it apart), checks its exit status and
# validates its JUnit ($OUT/junit.xml).
judge_run() {
	cat "$WORK/stdout"
	[ ! -e "$WORK/stderr" ] || cat "$WORK/stderr"
	expect_exit "$1" "$2" "$3"
	validate "$OUT/junit.xml"
}

# poll_until SECONDS CMD...: runs CMD every 0.05 s until it succeeds;
# fails (status 1) once SECONDS have passed.
poll_until() {
	local tries=$(($1 * 20))
	shift
	for _ in $(seq "$tries"); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# await PATTERN FILE: waits up to 15 s for a line of FILE to match.
await() {
	poll_until 15 grep -q "$1" "$2" 2>/dev/null || fail "'$1' never appeared in $2"
}

SIM=$SRC/fixtures/boardsim/boardsim.py

# start_sim [SPEED [FLAGS...]]: the board simulator (fixtures/boardsim),
# replaying the recorded boot at SPEED (0.1: ten times faster) with --stale
# unless FLAGS are given.  Sets SIM_PID and PORT (its console port).
start_sim() {
	local speed=${1:-0.1}
	shift
	[ $# -gt 0 ] || set -- --stale
	python3 "$SIM" serve --control "$WORK/ctl" --log "$SRC/fixtures/logs/linux-boot-x86.log" \
		--speed "$speed" "$@" >"$WORK/sim.port" &
	SIM_PID=$!
	poll_until 5 test -s "$WORK/sim.port" || fail "the board simulator did not start"
	PORT=$(cat "$WORK/sim.port")
}
