#!/usr/bin/env bash
# hilt on Debian 13 (trixie), from a Debian 12 machine: a newcomer's
# Debian 13 root made with mmdebstrap from Debian's archive and kept
# between runs, in which
#  1. the README's first Quick start command runs exactly as written
#     (setup.sh installs Debian 13's packages, the build makes the default
#     guest from Debian 13's kernel, QEMU 10 boots it under TCG, and
#     linux-boot and http-hello pass);
#  2. the tree is built again with -Werror (gcc 14, libgpiod 2's API: the
#     GPIO chip backend targets/gpio_gpiod2.c) and its C unit tests pass;
#  3. the GPIO check runs in that Debian 13 guest on a chip of the
#     kernel's GPIO simulator, through libgpiod 2 (e2e_guest-gpio there).
# The root keeps what setup.sh installed and the builds' guests, so a run
# after the first only builds hilt and boots; the first makes the root
# (minutes: every package setup.sh installs, and the guests' kernels).
# On a Debian 13 machine the whole test suite is that check: it skips.
# usage: debian13.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: a root for chroot needs root"; exit 77; }
if grep -qx 'VERSION_ID="13"' /etc/os-release 2>/dev/null; then
	echo "SKIP: this machine is Debian 13: the rest of the test suite checks hilt on it"
	exit 77
fi
command -v mmdebstrap >/dev/null || fail "mmdebstrap is not installed (./setup.sh installs it)"
command -v unshare >/dev/null || fail "unshare is not installed"

# The base a newcomer starts from: Debian 13 with apt, nothing of hilt's.
# It is made again only when what makes it changes (the recipe: variant,
# packages, release; or the generation, raised to force it); what setup.sh
# installs into it stays, as on a machine set up once.
recipe="--variant=apt --include=apt,ca-certificates trixie"
generation=1
key=$(echo "$recipe $generation" | sha256sum | cut -c1-16)
cache=${HILT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilt}/debian13
root=$cache/root-$key
start=$(date +%s)
if [ ! -f "$root/.complete" ]; then
	rm -rf "$cache"
	mkdir -p "$cache"
	echo "making a Debian 13 root in $root"
	# shellcheck disable=SC2086
	mmdebstrap --quiet $recipe "$root" http://deb.debian.org/debian >"$WORK/mmdebstrap.log" 2>&1 ||
		{ tail -20 "$WORK/mmdebstrap.log"; fail "mmdebstrap could not make the Debian 13 root"; }
	touch "$root/.complete"
	echo "made in $(($(date +%s) - start)) s"
fi

# The working tree as it is (what git would check out) into the root's
# /src: a file whose content changed is written anew, the others keep
# their times, so that build/ and /build-werror, kept there, rebuild
# exactly what changed.
command -v rsync >/dev/null || fail "rsync is not installed (./setup.sh installs it)"
mkdir -p "$WORK/tree" "$root/src"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -c --ignore-failed-read) |
	tar -x -C "$WORK/tree" || fail "cannot copy the tree"
rsync -rlpc --delete --exclude=/build "$WORK/tree/" "$root/src/" || fail "cannot copy the tree into the root"
rm -rf "$WORK/tree"

# What every machine of this host's network is given, as this one was:
# its local certificate authorities and npm's settings (the registry as
# it is reached from here), which setup.sh's npm installs need.
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp -R /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
[ ! -f /etc/npmrc ] || cp /etc/npmrc "$root/etc/npmrc"

# The README's first command, as written there.
quick=$(grep -m1 '^\./setup\.sh && cmake -S \. -B build' "$SRC/README.md") ||
	fail "no Quick start command in README.md"
# The C unit tests, by name, and the GPIO check in the guest.
units=$(grep -o '^hilt_c_test([a-z_0-9]*)' "$SRC/tests/CMakeLists.txt" | sed 's/hilt_c_test(\(.*\))/\1/' | paste -sd'|')
cat >"$root/run.sh" <<SH
set -e
update-ca-certificates >/dev/null 2>&1
cd /src
echo "== quick start: \$(cat /etc/debian_version)"
if ! ( $quick ) >/tmp/quick.log 2>&1; then
	grep -E "error|Error|FAIL|ERROR" /tmp/quick.log | head -40
	tail -20 /tmp/quick.log
	echo "the Quick start command failed on Debian 13"
	exit 1
fi
grep -E '^(PASS|FAIL|ERROR|SKIP) ' /tmp/quick.log || true
grep -E '^(hilt:|[0-9]+ passed)|passed,' /tmp/quick.log | tail -3
echo "== the guest: kernel \$(cat build/guest/kernel-version), \$(qemu-system-x86_64 --version | head -1)"
echo "== -Werror build"
cmake -S . -B /build-werror -DHILT_WERROR=ON -DHILT_BUILD_GUEST=OFF -DHILT_GUEST_DIR=/src/build/guest \
	>/tmp/cmake.log 2>&1 || { tail -20 /tmp/cmake.log; exit 1; }
if ! cmake --build /build-werror -j\$(nproc) >/tmp/build.log 2>&1; then
	grep -E "error|warning" /tmp/build.log | head -40
	exit 1
fi
echo "built with -Werror: \$(gcc --version | head -1)"
echo "== unit tests and the GPIO check in the guest (e2e_guest-gpio)"
ctest --test-dir /build-werror -j2 -R '^($units|e2e_guest-gpio)\$' --output-on-failure
echo "== what the GPIO check printed"
g=/build-werror/tests/work/e2e_guest-gpio
grep -ah -m1 'Linux version' \$g/out/*.console.log | cut -c1-100
grep -ah 'gpio-check: \(chip\|error-\|PASS\)' \$g/out/*.console.log
cat \$g/stdout
SH
# In a mount namespace of its own, so that nothing stays mounted.
unshare --mount --propagation private bash -c '
	mount --bind /proc "$1/proc" && mount --rbind /dev "$1/dev" && mount --rbind /sys "$1/sys" &&
		mount -t tmpfs tmpfs "$1/tmp" && cp /etc/resolv.conf "$1/etc/resolv.conf" &&
		chroot "$1" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 bash /run.sh
' -- "$root" >"$WORK/debian13.log" 2>&1
rc=$?
cat "$WORK/debian13.log"
echo "took $(($(date +%s) - start)) s"
[ "$rc" -eq 0 ] || fail "hilt did not set up, build, boot or pass its tests on Debian 13"
echo "Debian $(cat "$root/etc/debian_version"): $(chroot "$root" dpkg-query -W -f '${Package} ${Version}, ' \
	gcc-14 libgpiod-dev qemu-system-x86 linux-source-6.12 libmicrohttpd-dev libslirp-dev libpcre2-dev)"

# 1. The Quick start: every case of both suites passed, as on Debian 12.
pass=$(grep -c '^PASS ' "$WORK/debian13.log" || true)
[ "$pass" -ge 11 ] || fail "the Quick start printed $pass PASS lines on Debian 13, not 11"
! grep -Eq '^(FAIL|ERROR|SKIP) ' "$WORK/debian13.log" || fail "a Quick start case did not pass on Debian 13"
case $(cat "$root/src/build/guest/kernel-version") in
6.12.*) ;;
*) fail "the default guest made on Debian 13 does not run Debian 13's kernel 6.12" ;;
esac
# 2. The -Werror build picked the libgpiod 2 backend.
grep -q 'HILT_GPIOD_V2=1' "$root/build-werror/CMakeFiles/hiltcore.dir/flags.make" ||
	fail "the build on Debian 13 did not pick the libgpiod 2 backend"
# 3. The guest's GPIO check ran (not skipped) with libgpiod 2's API.
grep -q ' T gpiod_chip_request_lines$' <(nm "$root/build-werror/tests/gpio-check") ||
	fail "gpio-check on Debian 13 is not linked with libgpiod 2 (no gpiod_chip_request_lines)"
grep -Eq 'e2e_guest-gpio \.+ +Passed' "$WORK/debian13.log" ||
	fail "the GPIO check in the Debian 13 guest did not pass"
grep -q '^gpio-check: PASS [0-9]' "$WORK/debian13.log" || fail "no gpio-check: PASS line from the guest"
grep -q '100% tests passed' "$WORK/debian13.log" || fail "not every test passed on Debian 13"
echo "PASS: on Debian 13 the Quick start passes, hilt builds with -Werror, its unit tests pass and the GPIO check passes in a 6.12 guest through libgpiod 2"
