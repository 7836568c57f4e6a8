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
