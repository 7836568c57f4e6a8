#!/usr/bin/env bash
# cmake --install into a prefix of its own, then the installed hilt, run
# from another folder: it names no path of the build, finds its shipped
# suites by name or by their path in this repository, runs the default
# guest it was installed with, says how to make one when there is none,
# its man pages render (tests/man.sh on the installed ones) and its bash
# completion is where bash-completion looks and works (tests/completion.sh
# on the installed file).
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}"
# The build's hilt and guest, for the examples of the installed pages.
BUILD_HILT=$HILT
BUILD_GUEST_DIR=${HILT_GUEST_DIR:-}
prefix=$WORK/prefix
cmake --install "$BUILD_DIR" --prefix "$prefix" >"$WORK/install.log" 2>&1 ||
	{ cat "$WORK/install.log"; fail "cmake --install failed"; }
HILT=$prefix/bin/hilt
[ -x "$HILT" ] || fail "nothing installed at $HILT"
for f in share/hilt/suites/linux-boot.xml share/hilt/schemas/junit-hilt.xsd \
	share/man/man1/hilt.1 share/man/man1/hilt-run.1 share/man/man1/hilt-list.1 \
	share/man/man1/hilt-validate.1 share/man/man1/hilt-report.1 share/man/man1/hilt-image.1 \
	share/man/man1/hilt-ci.1 share/man/man1/hilt-bisect.1 share/man/man5/hilt-suite.5 \
	share/man/man5/hilt-farm.5 \
	share/bash-completion/completions/hilt \
	share/hilt/fixtures/guest/make-guest.sh share/hilt/fixtures/guest/init; do
	[ -r "$prefix/$f" ] || fail "cmake --install did not install $f"
done
# Nothing in the binary points into the trees it was built from.  (A
# sanitized build keeps its sources' names for its reports: there, only the
# build tree is checked.)
trees=("$BUILD_DIR")
[ "${SANITIZED:-OFF}" = ON ] || trees+=("$SRC")
for tree in "${trees[@]}"; do
	# The tree as a path of its own: not inside a longer one (a tree at
	# /src is not named by a format "%s/src").
	re=$(printf '%s' "$tree" | sed 's/[][\.*^$+?(){}|]/\\&/g')
	! strings "$HILT" | grep -qE "(^|[^[:alnum:]_%.-])$re(/|\$|[^[:alnum:]_.-])" ||
		fail "the installed hilt names $tree"
done

mkdir -p "$WORK/elsewhere"
cd "$WORK/elsewhere"
unset HILT_GUEST_DIR
"$HILT" validate linux-boot suites/http-hello.xml >"$WORK/stdout" 2>&1 ||
	{ cat "$WORK/stdout"; fail "the installed suites do not validate by name"; }
assert_grep "^$prefix/share/hilt/suites/linux-boot.xml: suite 'linux-boot'" "$WORK/stdout"
"$HILT" validate no-such-suite >"$WORK/stdout" 2>&1
expect_exit 2 $? "validate of a suite that is not shipped"
assert_grep "no-such-suite" "$WORK/stdout"

if [ -r "$prefix/share/hilt/guest/vmlinuz" ]; then
	OUT=$WORK/elsewhere/hilt-out
	"$HILT" run --no-progress suites/linux-boot.xml >"$WORK/stdout" 2>&1
	judge_run 0 $? "the installed hilt on its installed guest"
	assert_grep "name=\"kernel\" value=\"$prefix/share/hilt/guest/vmlinuz\"" "$OUT/junit.xml"
	mv "$prefix/share/hilt/guest" "$prefix/share/hilt/guest.away"
else
	echo "(this build made no guest: the installed hilt has none)"
fi
"$HILT" run --no-progress linux-boot >"$WORK/stdout" 2>&1
expect_exit 3 $? "the installed hilt without a guest"
assert_grep "make it with '$prefix/share/hilt/fixtures/guest/make-guest.sh $prefix/share/hilt/guest'" \
	"$WORK/stdout"

if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$prefix/share/man/man1/hilt.1" >"$WORK/man.txt" 2>"$WORK/man.err" ||
		{ cat "$WORK/man.err"; fail "man -l cannot render hilt.1"; }
	# (groff 1.23, Debian 13's, may justify the NAME line with more spaces)
	assert_grep "hilt  *- hardware-in-the-loop test runner" "$WORK/man.txt"
	assert_grep "EXIT STATUS" "$WORK/man.txt"
	[ ! -s "$WORK/man.err" ] || { cat "$WORK/man.err"; fail "man -l warned about hilt.1"; }
	# man finds the pages by name in the prefix.
	MANWIDTH=80 man -M "$prefix/share/man" 5 hilt-suite >"$WORK/man.txt" 2>"$WORK/man.err" ||
		{ cat "$WORK/man.err"; fail "man -M PREFIX/share/man 5 hilt-suite finds no page"; }
	assert_grep "hilt-suite  *- the suite file of hilt" "$WORK/man.txt"
	# Every installed page, rendered without warnings, its examples checked.
	WORK=$WORK/man-installed
	mkdir -p "$WORK"
	HILT=$BUILD_HILT HILT_GUEST_DIR=$BUILD_GUEST_DIR \
		bash "$SRC/tests/man.sh" "$prefix/share/man" >"$WORK.log" 2>&1 ||
		{ cat "$WORK.log"; fail "tests/man.sh on the installed pages"; }
	tail -1 "$WORK.log"
	WORK=${WORK%/man-installed}
else
	echo "(man is not installed: the pages were not rendered)"
fi
WORK=$WORK/completion-installed
mkdir -p "$WORK"
HILT=$BUILD_HILT bash "$SRC/tests/completion.sh" "$prefix/share/bash-completion/completions/hilt" \
	>"$WORK.log" 2>&1 || { cat "$WORK.log"; fail "tests/completion.sh on the installed completion"; }
tail -1 "$WORK.log"
WORK=${WORK%/completion-installed}
# bash-completion's own loader finds it under the prefix's share/, as it
# finds /usr/share's, the first time "hilt " is completed.
if [ -r /usr/share/bash-completion/bash_completion ]; then
	XDG_DATA_DIRS=$prefix/share bash -c '. /usr/share/bash-completion/bash_completion &&
		__load_completion hilt && complete -p hilt' >"$WORK/loaded" 2>&1
	assert_grep "^complete -F _hilt hilt$" "$WORK/loaded"
else
	echo "(bash-completion is not installed: its loader was not tried)"
fi
echo "PASS: install"
