#!/bin/sh
# Installs what hilt needs to build, make its default guest and run its
# tests on Debian 12 (bookworm) or Debian 13 (trixie), skipping what is
# already there.  Safe to run again.  On anything else it says what it
# would install and stops: the package names are Debian's.
#   ./setup.sh             install what is missing
#   ./setup.sh --packages  print the Debian packages it wants here, one a line
set -eu

# chromium renders hilt report html's pages headless in tests/html.sh;
# gcc-xtensa-lx106 builds the ESP8266 program of tests/espimage.sh;
# u-boot-qemu is the firmware of the ARM64 machine of tests/uboot.sh,
# whose guest's module list kmod's depmod makes and e2fsprogs' mke2fs its
# boot disk;
# libmicrohttpd is the HTTP boot server of a QEMU target's network, and
# ipxe-qemu the NIC firmware that boots from it (tests/netboot.sh);
# linux-headers-amd64 (the headers of the kernel the default guest is made
# from, linux-image-amd64's) and linux-source-X.Y build the kernel's GPIO
# simulator for it (fixtures/gpio-sim/build.sh, tests/e2e.sh guest-gpio);
# man-db renders the man pages (tests/man.sh) and bash-completion loads
# hilt's completion as a shell would (tests/completion.sh, tests/install.sh);
# mmdebstrap makes the Debian 13 root hilt is built in (tests/debian13.sh);
# libxml2-utils' xmllint checks JUnit against a schema as CI tools do
# (tests/merge.sh; Debian 12's images tend to have it, 13's do not);
# tmux is the terminal of tests/progress.sh's live display, iproute2's ss
# finds what a test's hilt listens on (tests/netboot.sh), bc does sums;
# pdudaemon is the PDU daemon a board's power may go through, started by
# tests/board.sh on loopback (its service is not used).
#
# The two releases differ in two names: clang's runtime (sanitizers and
# libFuzzer for tests/fuzz) is versioned like clang (14 on 12, 19 on 13),
# and the kernel source is the series of linux-image-amd64 (6.1, 6.12).
# Every other name is the same on both; libgpiod-dev is libgpiod 1.6 on
# 12 and 2.2 on 13, and the build picks the matching backend.
release=""
if [ -r /etc/os-release ]; then
	# shellcheck disable=SC1091
	. /etc/os-release
	case "${ID:-}:${VERSION_ID:-}" in
	debian:12) release=12 clang_rt=libclang-rt-14-dev kernel_series=6.1 ;;
	debian:13) release=13 clang_rt=libclang-rt-19-dev kernel_series=6.12 ;;
	esac
fi
packages="gcc make cmake pkg-config libpcre2-dev libxml2-dev
qemu-system-x86 cpio gzip procps python3 python3-pexpect time tshark
libslirp-dev libglib2.0-dev libcurl4-openssl-dev libgpiod-dev libserialport-dev socat
clang ${clang_rt:-libclang-rt-dev} util-linux git rsync g++ chromium
gcc-xtensa-lx106 binutils-xtensa-lx106 qemu-system-arm u-boot-qemu kmod e2fsprogs
libmicrohttpd-dev ipxe-qemu libssl-dev man-db bash-completion libxml2-utils tmux iproute2 bc
pdudaemon linux-headers-amd64 linux-source-${kernel_series:-X.Y} xz-utils mmdebstrap"

if [ "${1:-}" = --packages ]; then
	printf '%s\n' $packages
	exit 0
fi
if [ -z "$release" ]; then
	{
		echo "setup.sh: this is ${PRETTY_NAME:-a system without /etc/os-release}, not Debian 12 or 13:"
		echo "setup.sh: it knows the package names of those two only, and installs nothing here."
		echo "setup.sh: what hilt needs, by Debian's names (find your system's own):"
		printf '  %s\n' $packages
		echo "setup.sh: plus Node.js 20 and npm for the fixtures of tests/ci.sh and tests/micropython.sh."
	} >&2
	exit 1
fi

# gitlab-ci-local runs the pipeline of hilt ci gitlab in tests/ci.sh: its
# shell executor copies each job's files with rsync, and its regular
# expression module (re2) is built with g++ when it installs.  It is kept
# in this folder (tests/ci.sh looks there too), outside the work tree, so
# that it is installed once per machine.
ci_local_version=4.60.0
ci_local_dir=${HILT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilt}/gitlab-ci-local
# MicroPython's WebAssembly port is the interpreter of the board that
# fixtures/micropython/board.mjs serves for tests/micropython.sh; kept
# beside gitlab-ci-local, installed once per machine.
micropython_version=1.27.0
micropython_pkg=@micropython/micropython-webassembly-pyscript
micropython_dir=${HILT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilt}/micropython

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# Node.js and npm from Debian, unless a node and npm are there already
# (from another source, whose packages Debian's npm would clash with).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	for p in nodejs npm; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
fi
# The default guest is made from Debian packages (apt-get download), which
# needs the package lists.
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n 1)
# The ARM64 guest is made from Debian's arm64 packages (downloaded, never
# installed): dpkg must know the architecture, and the lists must have it.
arm64_lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*binary-arm64_Packages*' 2>/dev/null | head -n 1)
if ! dpkg --print-foreign-architectures | grep -qx arm64 || [ -z "$arm64_lists" ]; then
	if [ "$(id -u)" -eq 0 ]; then dpkg --add-architecture arm64; else sudo dpkg --add-architecture arm64; fi
	lists=""
fi
if [ -n "$missing" ] || [ -z "$lists" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		sudo="sudo"
		command -v sudo >/dev/null || { echo "setup.sh: run as root (or install sudo)" >&2; exit 1; }
	else
		sudo=""
	fi
	echo "setup.sh: installing:${missing:- (package lists only)}"
	$sudo apt-get update -qq
	if [ -n "$missing" ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
	# The tests start their own pdudaemon on loopback: the service the
	# package just enabled (on all addresses) is not wanted.
	case " $(echo $missing) " in
	*" pdudaemon "*)
		if [ -d /run/systemd/system ]; then
			$sudo systemctl disable --now pdudaemon >/dev/null 2>&1 || true
		fi ;;
	esac
fi

if [ "$("$ci_local_dir/node_modules/.bin/gitlab-ci-local" --version 2>/dev/null)" != "$ci_local_version" ]; then
	echo "setup.sh: installing gitlab-ci-local $ci_local_version in $ci_local_dir (building re2 takes minutes)"
	mkdir -p "$ci_local_dir"
	# node-gyp builds re2 against the installed Node's own headers where
	# they are, rather than fetching them.
	if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then
		npm_config_nodedir=/usr
		export npm_config_nodedir
	fi
	# Only tests/ci.sh needs it: without it (no registry, no compiler for
	# re2), those tests skip and say why, and everything else still runs.
	# JOBS: node-gyp builds re2 on every core (a minute on two, not five).
	if ! JOBS=max npm install --prefix "$ci_local_dir" --no-audit --no-fund --no-save --loglevel=error \
		"gitlab-ci-local@$ci_local_version" >/dev/null ||
	   ! "$ci_local_dir/node_modules/.bin/gitlab-ci-local" --version >/dev/null; then
		echo "setup.sh: warning: gitlab-ci-local $ci_local_version could not be installed;" \
			"the tests of hilt ci gitlab (tests/ci.sh) will be skipped" >&2
	fi
fi

if [ "$(node -p "require('$micropython_dir/node_modules/$micropython_pkg/package.json').version" 2>/dev/null)" != "$micropython_version" ]; then
	echo "setup.sh: installing $micropython_pkg $micropython_version in $micropython_dir"
	mkdir -p "$micropython_dir"
	# Only tests/micropython.sh needs it: without it, those tests skip.
	if ! npm install --prefix "$micropython_dir" --no-audit --no-fund --no-save --loglevel=error \
		"$micropython_pkg@$micropython_version" >/dev/null; then
		echo "setup.sh: warning: $micropython_pkg $micropython_version could not be installed;" \
			"the tests of MicroPython's REPL (tests/micropython.sh) will be skipped" >&2
	fi
fi
