#!/bin/sh
# Installs what hilt needs to build, make its default guest and run its
# tests on Debian 12, skipping what is already there.  Safe to run again.
set -eu

packages="gcc make cmake pkg-config libpcre2-dev libxml2-dev
qemu-system-x86 cpio gzip procps python3 python3-pexpect time tshark
libslirp-dev libglib2.0-dev libcurl4-openssl-dev libgpiod-dev libserialport-dev socat
clang libclang-rt-14-dev util-linux"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# The default guest is made from Debian packages (apt-get download), which
# needs the package lists.
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n 1)
if [ -z "$missing" ] && [ -n "$lists" ]; then
	exit 0
fi
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
