#!/bin/sh
# Builds the image of docker/Dockerfile without a Docker engine and checks
# it for real: the pre-merge emulator suites (linux-boot, http-hello) run
# inside it, as its non-root user, and pass.  As root on Debian 12 or 13,
# from a Debian 12 base (bookworm, the default) or a Debian 13 one
# (HILT_RELEASE=trixie):
#
#   1. the base made here: mmdebstrap --variant=minbase RELEASE base.tar,
#      podman import base.tar localhost/debian:RELEASE (kept and used
#      again; HILT_FRESH_BASE=1 makes it again);
#   2. podman build --isolation=chroot --network=host
#      --build-arg BASE=localhost/debian:RELEASE -f docker/Dockerfile .
#      (the image's apt uses the same Debian archive as this host's);
#   3. buildah from IMAGE, then buildah run --isolation chroot CONTAINER --
#      hilt run ... with the output folder mounted from the host (plain
#      podman run needs a cgroup set-up that not every machine has), and
#      the JUnit read back on the host: exit status 0, every case passed.
#
# Installs mmdebstrap, podman and buildah from Debian when they are
# missing.  Exits 0 when the image passes, 1 when it does not, 77 (skip)
# when it cannot be tried here (not root, no way to install the tools).
# Slow (several minutes, mostly apt and the guest's kernel package), so it
# is not part of tests/run.sh.
#
# Environment:
#   HILT_RELEASE     bookworm (default) or trixie: the base's release
#   HILT_IMAGE       the image's name (default localhost/hilt:test, or
#                    localhost/hilt:test-trixie), kept afterwards (podman
#                    rmi to remove it)
#   HILT_FRESH_BASE  1: make the base image again even when it is there
#   HILT_SUITES      what to run inside (default "suites/linux-boot.xml
#                    suites/http-hello.xml")
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
release=${HILT_RELEASE:-bookworm}
case "$release" in
bookworm) image=${HILT_IMAGE:-localhost/hilt:test} ;;
trixie) image=${HILT_IMAGE:-localhost/hilt:test-trixie} ;;
*) echo "test-container: HILT_RELEASE must be bookworm or trixie, not '$release'" >&2; exit 2 ;;
esac
base=localhost/debian:$release
suites=${HILT_SUITES:-suites/linux-boot.xml suites/http-hello.xml}
start=$(date +%s)

say() { printf 'test-container: %s\n' "$*" >&2; }
skip() { say "SKIP: $*"; exit 77; }
fail() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "podman build --isolation=chroot and buildah run need root"

missing=""
for tool in mmdebstrap podman buildah; do
	command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	say "installing$missing from Debian"
	# shellcheck disable=SC2086
	{ apt-get update -qq &&
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
		skip "could not install$missing"
fi

work=$(mktemp -d "${TMPDIR:-/var/tmp}/hilt-container.XXXXXX")
container=""
cleanup() {
	[ -z "$container" ] || buildah rm "$container" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. The base image.
if [ "${HILT_FRESH_BASE:-0}" = 1 ] || ! podman image exists "$base"; then
	say "making $base with mmdebstrap (minbase, the host's Debian mirror)"
	mmdebstrap --quiet --variant=minbase "$release" "$work/base.tar" ||
		fail "mmdebstrap --variant=minbase $release failed"
	podman import --quiet "$work/base.tar" "$base" >/dev/null || fail "podman import failed"
	rm -f "$work/base.tar"
else
	say "using $base as it is (HILT_FRESH_BASE=1 makes it again)"
fi

# 2. The image, from the work tree as it is (.dockerignore keeps build
# folders out of the context).
say "building $image from docker/Dockerfile"
if ! podman build --quiet --force-rm --isolation=chroot --network=host --build-arg BASE="$base" \
	-t "$image" -f "$top/docker/Dockerfile" "$top" >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	fail "podman build failed (its last lines above)"
fi

# 3. The suites inside it, as the image's user, in its working folder,
# the output folder a volume (as docker/README.md's docker run has it).
container=$(buildah from --quiet "$image") || fail "buildah from $image failed"
run() { buildah run --isolation chroot "$container" -- "$@"; }
uid=$(run id -u) || fail "buildah run failed"
[ "$uid" != 0 ] || fail "the image runs as root"
say "the image runs as $(run id -un) (uid $uid, groups $(run id -Gn)) in $(run pwd)"
run hilt --version >/dev/null || fail "hilt --version fails inside the image"
for q in qemu-system-x86_64 qemu-system-arm qemu-system-aarch64 qemu-system-riscv64; do
	run sh -c "command -v $q" >/dev/null || fail "$q is not in the image"
done

out="$work/hilt-out"
mkdir "$out"
chown "$uid" "$out"
say "hilt run $suites (inside the image)"
status=0
# shellcheck disable=SC2086
buildah run --isolation chroot --volume "$out:/work/hilt-out" "$container" -- \
	hilt run --no-progress $suites || status=$?
[ "$status" -eq 0 ] || fail "hilt run exited $status inside the image"
[ -s "$out/junit.xml" ] || fail "no hilt-out/junit.xml on the host"

# The JUnit, as the host got it: every suite run, every case passed.
# shellcheck disable=SC2086
nsuites=$(set -- $suites; echo $#)
python3 - "$out/junit.xml" "$nsuites" <<'EOF' || fail "the JUnit shows what did not pass"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite") if root.tag == "testsuites" else [root]
cases = [c for s in suites for c in s.findall("testcase")]
bad = [(s.get("name"), c.get("name"), k.tag) for s in suites for c in s.findall("testcase")
       for k in c if k.tag in ("failure", "error", "skipped")]
for s, c, k in bad:
    print(f"test-container: {s} {c}: {k}", file=sys.stderr)
if len(suites) != int(sys.argv[2]) or not cases or bad:
    print(f"test-container: {len(suites)} suites, {len(cases)} cases, {len(bad)} not passed",
          file=sys.stderr)
    sys.exit(1)
print(f"test-container: JUnit: {len(suites)} suites, {len(cases)} cases, all passed",
      file=sys.stderr)
EOF

say "PASS: $image (on $(run cat /etc/debian_version), kernel of its guest $(run cat /usr/local/share/hilt/guest/kernel-version)) passes $suites ($(($(date +%s) - start)) s)"
