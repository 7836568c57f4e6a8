#!/usr/bin/env bash
# Builds hilt twice, as CI does, and runs the whole test suite on each:
# a -Werror build, then an AddressSanitizer + UBSan build.  Both use the
# default guest made once in build/guest.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
guest="$PWD/build/guest"

cmake -S . -B build -DHILT_WERROR=ON -DHILT_GUEST_DIR="$guest" >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

cmake -S . -B build-asan -DHILT_WERROR=ON -DHILT_SANITIZE=ON \
	-DHILT_BUILD_GUEST=OFF -DHILT_GUEST_DIR="$guest" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
# The guest was made by the first build: the sanitized e2e tests use it.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ctest --test-dir build-asan --output-on-failure
