#!/usr/bin/env bash
# hilt on Debian 13 (trixie), from this Debian 12 machine: a Debian 13 root
# made with mmdebstrap from Debian's archive, kept between runs (by its
# package list and this script; the versions it got are printed), the
# tree built inside it with -Werror (gcc 14, libgpiod 2's API: the GPIO
# chip backend targets/gpio_gpiod2.c) and its C unit tests run there.
# usage: debian13.sh build
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: a root for chroot needs root"; exit 77; }
command -v mmdebstrap >/dev/null || fail "mmdebstrap is not installed (./setup.sh installs it)"
command -v unshare >/dev/null || fail "unshare is not installed"

packages="gcc make cmake pkg-config libpcre2-dev libxml2-dev libslirp-dev libglib2.0-dev
libcurl4-openssl-dev libgpiod-dev libserialport-dev libmicrohttpd-dev libssl-dev python3 procps"
key=$( (echo "$packages"; cat "$0") | sha256sum | cut -c1-16)
cache=${HILT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilt}/debian13
root=$cache/root-$key

if [ ! -f "$root/.complete" ]; then
	rm -rf "$cache"
	mkdir -p "$cache"
	echo "making a Debian 13 root in $root"
	start=$(date +%s)
	mmdebstrap --quiet --variant=apt --include="$(echo $packages | tr ' ' ,)" \
		trixie "$root" http://deb.debian.org/debian >"$WORK/mmdebstrap.log" 2>&1 ||
		{ tail -20 "$WORK/mmdebstrap.log"; fail "mmdebstrap could not make the Debian 13 root"; }
	touch "$root/.complete"
	echo "made in $(($(date +%s) - start)) s"
fi
echo "Debian $(cat "$root/etc/debian_version"): $(chroot "$root" dpkg-query -W -f '${Package} ${Version}, ' \
	gcc-14 cmake libgpiod-dev libpcre2-dev libslirp-dev libmicrohttpd-dev)"

# The working tree as it is, into the root (a fresh copy each run).
rm -rf "$root/src" "$root/build"
mkdir -p "$root/src"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -c --ignore-failed-read) |
	tar -x -C "$root/src" || fail "cannot copy the tree into the root"

# The C unit tests, by name.
units=$(grep -o '^hilt_c_test([a-z_0-9]*)' "$SRC/tests/CMakeLists.txt" | sed 's/hilt_c_test(\(.*\))/\1/' | paste -sd'|')
cat >"$root/run.sh" <<SH
set -e
cd /src
cmake -S . -B /build -DHILT_WERROR=ON -DHILT_BUILD_GUEST=OFF -DHILT_GUEST_DIR=/nonexistent >/tmp/cmake.log 2>&1 ||
	{ tail -20 /tmp/cmake.log; exit 1; }
if ! cmake --build /build -j\$(nproc) >/tmp/build.log 2>&1; then
	grep -E "error|warning" /tmp/build.log | head -40
	exit 1
fi
echo "built: \$(grep -c 'Building C' /tmp/build.log) files, with -Werror"
ctest --test-dir /build -j2 -R '^($units)\$' --output-on-failure
SH
# In a mount namespace of its own, so that nothing stays mounted.
unshare --mount --propagation private bash -c '
	mount --bind /proc "$1/proc" && mount --bind /dev "$1/dev" && mount -t tmpfs tmpfs "$1/tmp" &&
		chroot "$1" bash /run.sh
' -- "$root" >"$WORK/build.log" 2>&1
rc=$?
cat "$WORK/build.log"
[ "$rc" -eq 0 ] || fail "hilt did not build or pass its unit tests on Debian 13"
grep -q '100% tests passed' "$WORK/build.log" || fail "not every unit test passed on Debian 13"
grep -q 'HILT_GPIOD_V2=1' "$root/build/CMakeFiles/hiltcore.dir/flags.make" ||
	fail "the build on Debian 13 did not pick the libgpiod 2 backend"
echo "PASS: hilt builds with -Werror and passes its unit tests on Debian 13"
