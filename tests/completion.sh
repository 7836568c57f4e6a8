#!/usr/bin/env bash
# The bash completion (completion/hilt.bash, or the file given, such as an
# installed share/bash-completion/completions/hilt): sourced, it registers
# _hilt for hilt (complete -p), and what it offers, asked the way bash asks
# (COMP_WORDS, COMP_CWORD, then the function), is hilt's: the commands, the
# subcommands of report, image and ci, the options of run as `hilt help run`
# lists them, suite files and folders, --format values, and the target names
# of the farm given earlier on the line.  All of it twice: on its own
# (plain compgen) and with bash-completion's helpers loaded, when they are
# installed (its _init_completion and _filedir).
. "$(dirname "$0")/lib.sh"
COMPLETION=${1:-$SRC/completion/hilt.bash}
[ -r "$COMPLETION" ] || fail "no completion at $COMPLETION"
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

checks() {
# shellcheck source=/dev/null
. "$COMPLETION"
complete -p hilt >"$WORK/complete" 2>&1 || fail "complete -p hilt: $(cat "$WORK/complete")"
assert_grep "^complete -F _hilt hilt$" "$WORK/complete"

# offers WORD...: what completing the last WORD of "hilt WORD..." offers,
# one a line, sorted.
offers() {
	COMP_WORDS=(hilt "$@")
	COMP_CWORD=$#
	COMP_LINE="hilt $*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_hilt hilt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
# expect WANT WORD...: the offers must be exactly WANT (words separated by
# spaces).
expect() {
	local want
	want=$(printf '%s\n' $1 | sort)
	shift
	local got
	got=$(offers "$@")
	[ "$got" = "$want" ] || fail "hilt $*<TAB> offers [$(echo $got)], expected [$(echo $want)]"
	echo "ok: hilt $*<TAB>: $(echo $got)"
}

expect "run list validate report image ci bisect reserve console help --help --version" ""
expect "report reserve" "re"
expect "merge compare html --help" report ""
expect "info parttable merge --help" image ""
expect "gitlab --help" ci ""
expect "text markdown json" report compare --format ""
expect "csv json" image parttable --format ""
expect "esp32s2 esp32s3" image info --chip esp32s
expect "--strict --help" validate -

# The options of run: every option `hilt help run` lists, and no other.
help_opts=$("$HILT" help run | grep -o -- '--[a-z-]*' | sort -u)
got=$(offers run --)
want=$(printf '%s\n' $help_opts --help | sort -u)
[ "$got" = "$want" ] || fail "hilt run --<TAB> offers [$(echo $got)], hilt help run lists [$(echo $want)]"
echo "ok: hilt run --<TAB>: the $(echo "$got" | wc -l) options of hilt help run"
expect "--rerun-failures --retries --realtime" run --re

# The options of bisect: every option `hilt help bisect` lists, and no other.
help_opts=$("$HILT" help bisect | grep -o -- '--[a-z-]*' | sort -u)
got=$(offers bisect --)
want=$(printf '%s\n' $help_opts --help | sort -u)
[ "$got" = "$want" ] || fail "hilt bisect --<TAB> offers [$(echo $got)], hilt help bisect lists [$(echo $want)]"
echo "ok: hilt bisect --<TAB>: the $(echo "$got" | wc -l) options of hilt help bisect"
expect "majority bad good skip" bisect --flaky ""

# Suite files: *.xml and folders, not other files.
rm -rf "$WORK/top" && mkdir -p "$WORK/top/suites" && cd "$WORK/top"
touch suites/a.xml suites/b.xml suites/notes.txt
expect "suites/a.xml suites/b.xml" run suites/
expect "suites" run su
expect "suites/a.xml suites/b.xml" list --farm farm.xml suites/

# Target names of the farm given earlier, read from its <target name=...>.
cat >farm.xml <<'XML'
<farm>
  <target name="x86-tcg" kind="qemu" tags="arch=x86_64">
    <kernel>k</kernel>
  </target>
  <target kind="board"
          name="esp32s3-1" tags="board=esp32s3">
    <console type="tcp" port="4001"/>
  </target>
  <target name="esp32s3-2" kind="board"><console type="tcp" port="4002"/></target>
</farm>
XML
expect "esp32s3-1 esp32s3-2" run --farm farm.xml --target esp
expect "x86-tcg" run --farm farm.xml --tags arch=x86_64 --target x
expect "replay:" run --farm farm.xml --target rep
expect "default replay:" run --target ""
expect "farm.xml suites" run --farm ""
}

echo "-- on its own"
(checks) || exit 1
if [ -r "$BASH_COMPLETION" ]; then
	echo "-- with bash-completion loaded"
	# shellcheck source=/dev/null
	(. "$BASH_COMPLETION" && declare -F _init_completion >/dev/null &&
		declare -F _filedir >/dev/null || fail "bash-completion did not load"
	 checks) || exit 1
else
	echo "(bash-completion is not installed: its helpers were not tried)"
fi
echo "PASS: completion"
