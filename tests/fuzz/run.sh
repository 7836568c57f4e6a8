#!/bin/bash
# Builds a libFuzzer harness with Debian's clang (ASan and UBSan on), runs
# its regression inputs, then fuzzes for SECONDS (default 60).
#   tests/fuzz/run.sh [SECONDS] [NAME]
# NAME is the harness (default matcher: fuzz_matcher_chunks.c, whose seeds
# are in corpus/matcher and regression inputs in regress/matcher).  It is
# built in $FUZZ_DIR, else $BUILD_DIR/fuzz-NAME, else $TMPDIR/hilt-fuzz-NAME.
# Exits 0 when nothing was found, 1 on a finding (the input is kept and
# printed), 77 when clang's libFuzzer is missing, 2 on a usage or build
# error.
set -u

seconds=${1:-60}
name=${2:-matcher}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

case $name in
matcher)
	harness=$here/fuzz_matcher_chunks.c
	sources=("$src/runner/matcher.c")
	libs=libpcre2-8
	;;
*)
	echo "run.sh: no harness called '$name' (there is: matcher)" >&2
	exit 2
	;;
esac
case $seconds in
'' | *[!0-9]*)
	echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2
	exit 2
	;;
esac

dir=${FUZZ_DIR:-}
if [ -z "$dir" ]; then
	if [ -n "${BUILD_DIR:-}" ]; then
		dir=$BUILD_DIR/fuzz-$name
	else
		dir=${TMPDIR:-/tmp}/hilt-fuzz-$name
	fi
fi
mkdir -p "$dir/corpus" || exit 2

cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "SKIP: $cc is not installed (apt-get install clang): cannot build the $name fuzzer"
	exit 77
fi
probe=$dir/probe
if ! printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' |
	"$cc" -x c -fsanitize=fuzzer,address,undefined - -o "$probe" >"$dir/probe.log" 2>&1; then
	echo "SKIP: $cc cannot link libFuzzer (-fsanitize=fuzzer): $(head -n 3 "$dir/probe.log")"
	exit 77
fi
if ! flags=$(pkg-config --cflags --libs $libs 2>&1); then
	echo "run.sh: pkg-config $libs: $flags" >&2
	exit 2
fi

bin=$dir/fuzz_$name
# shellcheck disable=SC2086 # $flags is a list of flags
if ! "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -I"$src" "$harness" "${sources[@]}" $flags -o "$bin"; then
	echo "run.sh: cannot build $bin" >&2
	exit 2
fi

opts=(-max_len=4096 -timeout=25 -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$dir/")
[ -f "$here/$name.dict" ] && opts+=(-dict="$here/$name.dict")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The regression inputs first: each once.
shopt -s nullglob
regress=("$here/regress/$name"/*)
if [ ${#regress[@]} -gt 0 ]; then
	if ! "$bin" "${opts[@]}" "${regress[@]}" >"$dir/regress.log" 2>&1; then
		grep -v '^INFO:\|^Running:\|^Executed' "$dir/regress.log" | head -n 40
		echo "FAIL: a regression input of $name fails again (log: $dir/regress.log)"
		exit 1
	fi
fi
echo "$name: ${#regress[@]} regression inputs pass"

[ "$seconds" -gt 0 ] || exit 0
log=$dir/fuzz.log
before=$(ls "$dir" | grep -c '^\(crash\|timeout\|oom\|leak\)-')
"$bin" "${opts[@]}" -max_total_time="$seconds" -print_final_stats=1 \
	"$dir/corpus" "$here/corpus/$name" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
after=$(ls "$dir" | grep -c '^\(crash\|timeout\|oom\|leak\)-')
if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
	grep -av '^#[0-9]\|^INFO:' "$log" | head -n 60
	echo "FAIL: the $name fuzzer found an input (exit $rc) after ${execs:-?} executions;"
	echo "      it is in $dir (crash-*, timeout-*...); once fixed, copy it into"
	echo "      tests/fuzz/regress/$name/ under a name that says what it checks"
	exit 1
fi
echo "$name: ${execs:-?} executions in $seconds s, no finding (corpus $dir/corpus)"
exit 0
