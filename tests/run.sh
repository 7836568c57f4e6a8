#!/usr/bin/env bash
# Builds hilt twice, as CI does, and runs the whole test suite on each with
# ctest -j2: a -Werror build in build-test/, then an AddressSanitizer +
# UBSan build in build-asan/.  The user's build/ is left as it is.  The
# default guest is made once, by the first build, in build-test/guest, and
# the sanitized build's e2e tests use it.  Both suites run even when the
# first fails; the exit status is 1 when either did.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
guest="$PWD/build-test/guest"

# The packages the guests are made from (the default one and the ARM64
# one beside it), when build/ has them already (the Quick start made them
# there): copied, not downloaded again.  make-guest.sh
# checks each against the package lists before it uses it.
for arch in "" -arm64; do
	if [ -d "build/guest$arch/debs" ] && ! ls "$guest$arch"/debs/*.deb >/dev/null 2>&1; then
		mkdir -p "$guest$arch/debs"
		cp "build/guest$arch"/debs/*.deb "$guest$arch/debs/" 2>/dev/null || true
	fi
done

status=0
cmake -S . -B build-test -DHILT_WERROR=ON -DHILT_SANITIZE=OFF \
	-DHILT_BUILD_GUEST=ON -DHILT_GUEST_DIR="$guest" >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test -j2 --output-on-failure || status=1

cmake -S . -B build-asan -DHILT_WERROR=ON -DHILT_SANITIZE=ON \
	-DHILT_BUILD_GUEST=OFF -DHILT_GUEST_DIR="$guest" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ctest --test-dir build-asan -j2 --output-on-failure || status=1
exit $status
