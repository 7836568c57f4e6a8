#!/bin/bash
# Builds a libFuzzer harness with Debian's clang (ASan and UBSan on), runs
# its regression inputs and seed corpus once each, then fuzzes for SECONDS
# (default 60).
#   tests/fuzz/run.sh [SECONDS] [NAME]
# NAME is the harness, tests/fuzz/fuzz_NAME.c (default matcher; `all`
# runs each in turn, SECONDS each):
#   matcher   the streaming matcher in arbitrary chunkings, against feeding
#             all at once (fuzz_matcher_chunks.c)
#   suite     the suite loader          farm      the farm loader
#   jread     the JUnit reader of report compare/html/merge
#   timing    the timing-file reader of realtime replay
#   telnet    the telnet state machine  ansi      the escape-sequence stripper
#   espimage  the ESP image and partition table readers
#   http      the HTTP probe's response path (libcurl in hilt's loop)
#   kreport   the kernel report reader in arbitrary chunkings, against
#             feeding all at once, and its memory bound
#   tstream   the test result stream readers (KTAP, TAP, ztest, Unity) in
#             arbitrary chunkings, against feeding all at once, and their
#             bounds
# Seeds: tests/fuzz/corpus/NAME and the test data named below; regression
# inputs, each run on every call: tests/fuzz/regress/NAME.  The harness is
# built in $FUZZ_DIR, else $BUILD_DIR/fuzz-NAME, else
# $TMPDIR/hilt-fuzz-NAME, against the engine's sources compiled once into
# an archive beside it.  FUZZ_SEED fixes libFuzzer's seed (CI does).
# Exits 0 when nothing was found, 1 on a finding (the input is kept and
# printed), 77 when clang's libFuzzer is missing, 2 on a usage or build
# error.
set -u

seconds=${1:-60}
name=${2:-matcher}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
all="matcher suite farm jread timing telnet ansi espimage http kreport tstream"

case $seconds in
'' | *[!0-9]*)
	echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2
	exit 2
	;;
esac
if [ "$name" = all ]; then
	status=0
	for n in $all; do
		FUZZ_DIR="" "$0" "$seconds" "$n"
		rc=$?
		[ $rc -eq 77 ] && exit 77
		[ $rc -ne 0 ] && status=$rc
	done
	exit $status
fi

# What each harness is seeded with beside its own corpus, and the
# longest input it is given.
max_len=4096
seeds=()
case $name in
matcher)
	harness=$here/fuzz_matcher_chunks.c
	;;
suite)
	seeds=("$src/suites" "$src/bench" "$src/tests/data/good-suites" "$src/tests/data/bad-suites")
	max_len=16384
	;;
farm)
	seeds=("$src/examples/farms" "$src/tests/data/good-farms" "$src/tests/data/bad-farms"
		"$src/tests/data/host-farms")
	max_len=16384
	;;
jread)
	seeds=("$src/tests/data/junit" "$src/tests/data/bad-junit" "$src/tests/data/compare")
	max_len=16384
	;;
timing | ansi)
	seeds=("$src/fixtures/logs")
	;;
telnet) ;;
espimage)
	# The real images of ../shared/testdata when there, and ours.
	seeds=("$src/fixtures/esp8266")
	[ -d "$src/../shared/testdata" ] && seeds+=("$src/../shared/testdata")
	max_len=262144
	;;
http)
	max_len=8192
	;;
kreport)
	# Real consoles with reports in them, and clean ones.
	seeds=("$src/tests/data/kernel-logs" "$src/fixtures/logs")
	max_len=65536
	;;
tstream)
	# Real result streams of every format.
	seeds=("$src/tests/data/results")
	max_len=65536
	;;
*)
	echo "run.sh: no harness called '$name' (there is: $all)" >&2
	exit 2
	;;
esac
harness=${harness:-$here/fuzz_$name.c}
[ -d "$here/corpus/$name" ] && seeds=("$here/corpus/$name" "${seeds[@]}")

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
libs="libpcre2-8 libxml-2.0 slirp libcurl libgpiod libserialport libmicrohttpd libcrypto"
# shellcheck disable=SC2086 # $libs is a list of names
if ! flags=$(pkg-config --cflags --libs $libs 2>&1); then
	echo "run.sh: pkg-config $libs: $flags" >&2
	exit 2
fi
# shellcheck disable=SC2054 # the commas are -fsanitize's
cflags=(-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Werror -I"$src")
# libgpiod 2's API, as CMakeLists.txt picks the GPIO chip backend.
case $(pkg-config --modversion libgpiod) in
[2-9].* | [1-9][0-9]*.*) cflags+=(-DHILT_GPIOD_V2=1) ;;
esac

# The engine (hiltcore's sources: every .c of the layers below the command
# line, as CMakeLists.txt takes them), compiled once into an archive shared
# by the harnesses, again when a source or header changed; a lock keeps two
# harnesses built at once from both writing it.
engine=$(dirname "$dir")/fuzz-engine
mkdir -p "$engine" || exit 2
mapfile -t sources < <(cd "$src" && find base targets reports runner/engine runner/cases -name '*.c' 2>/dev/null | sort)
[ ${#sources[@]} -gt 10 ] || { echo "run.sh: no engine sources under $src" >&2; exit 2; }
stamp=$( (cd "$src" && cat "${sources[@]}" $(find base runner targets reports -name "*.h" | sort); echo "$cc ${cflags[*]}") |
	sha256sum | cut -c1-16)
(
	flock 9
	[ -f "$engine/libengine.a" ] && [ "$(cat "$engine/stamp" 2>/dev/null)" = "$stamp" ] && exit 0
	rm -f "$engine"/*.o "$engine/libengine.a"
	# shellcheck disable=SC2016,SC2046,SC2086 # the script is sh's; the flags are a list
	printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
		'o="$1/$(echo "$2" | tr / _).o"; shift 2; exec "$@" -c "$0" -o "$o"' \
		"$src/{}" "$engine" {} "$cc" "${cflags[@]}" $(pkg-config --cflags $libs) || exit 2
	ar rcs "$engine/libengine.a" "$engine"/*.o || exit 2
	echo "$stamp" >"$engine/stamp"
) 9>"$engine/lock" || { echo "run.sh: cannot build the engine for the fuzzers" >&2; exit 2; }

bin=$dir/fuzz_$name
# shellcheck disable=SC2086 # $flags is a list of flags
if ! "$cc" "${cflags[@]}" -fsanitize=fuzzer "$harness" "$engine/libengine.a" $flags -lm \
	-o "$bin"; then
	echo "run.sh: cannot build $bin" >&2
	exit 2
fi

opts=(-max_len="$max_len" -timeout=25 -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$dir/")
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
# Then the seeds: each once, so that the test data itself never trips
# a harness.
if [ ${#seeds[@]} -gt 0 ]; then
	if ! "$bin" "${opts[@]}" -runs=0 "$dir/corpus" "${seeds[@]}" >"$dir/seeds.log" 2>&1; then
		grep -av '^#[0-9]\|^INFO:' "$dir/seeds.log" | head -n 40
		echo "FAIL: a seed of $name fails (log: $dir/seeds.log)"
		exit 1
	fi
fi
echo "$name: ${#regress[@]} regression inputs and the seeds pass"

[ "$seconds" -gt 0 ] || exit 0
log=$dir/fuzz.log
findings() { find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l; }
before=$(findings)
[ -n "${FUZZ_SEED:-}" ] && opts+=(-seed="$FUZZ_SEED")
"$bin" "${opts[@]}" -max_total_time="$seconds" -print_final_stats=1 \
	"$dir/corpus" "${seeds[@]}" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
after=$(findings)
if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
	grep -av '^#[0-9]\|^INFO:' "$log" | head -n 60
	echo "FAIL: the $name fuzzer found an input (exit $rc) after ${execs:-?} executions;"
	echo "      it is in $dir (crash-*, timeout-*...); once fixed, copy it into"
	echo "      tests/fuzz/regress/$name/ under a name that says what it checks"
	exit 1
fi
cov=$(grep -a '^#[0-9]' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 edges, \2 features, \3 inputs in the corpus/p')
echo "$name: ${execs:-?} executions in $seconds s, ${cov:-coverage unknown}; no finding (corpus $dir/corpus)"
exit 0
