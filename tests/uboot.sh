#!/usr/bin/env bash
# Talking to U-Boot: Debian's u-boot-qemu (qemu_arm64) as the firmware of
# qemu-system-aarch64's virt machine, under TCG.
#   boot       its sign-on; autoboot stopped by a key resent until "=> "
#              shows; version, bdinfo and an exit status judged at the prompt
#   bad-image  booti of memory that holds no ARM64 Image: U-Boot's "Bad
#              Linux ARM64 Image magic" fails the step at once (a failure
#              pattern), not at its deadline
#   no-prompt  a prompt that never shows: the interrupt fails at its own
#              deadline saying what was sent and how often
#   linux      U-Boot → Linux from a disk: the ARM64 guest's kernel and
#              initramfs loaded from its virtio boot disk, booti, the
#              guest's shell; every milestone's time in the JUnit
#   load-missing  a load of a file the disk lacks fails at once with
#              U-Boot's message, and nothing is booted
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
UBOOT=/usr/lib/u-boot/qemu_arm64/u-boot.bin
FARM=$SRC/examples/farms/qemu-arm64.xml

need_uboot() {
	[ -r "$UBOOT" ] || { echo "SKIP: no $UBOOT (Debian's u-boot-qemu; ./setup.sh installs it)"; exit 77; }
	command -v qemu-system-aarch64 >/dev/null ||
		{ echo "SKIP: no qemu-system-aarch64 (qemu-system-arm; ./setup.sh installs it)"; exit 77; }
}

run_uboot() { # WANT WHAT SUITE
	"$HILT" run --no-progress --retries 0 --farm "$FARM" --out "$OUT" "$3" >"$WORK/stdout" 2>&1
	judge_run "$1" $? "$2"
}

case_boot() {
	need_uboot
	run_uboot 0 "U-Boot at its prompt" suites/uboot-arm64.xml
	assert_grep 'name="capture.uboot_version" value="20[0-9][0-9]\.[0-9][0-9]' "$OUT/junit.xml"
	assert_grep 'name="milestone.stop-autoboot.time" value="[0-9.]*"' "$OUT/junit.xml"
	grep -q 'name="interrupt.stop-autoboot.keys" value="[1-9][0-9]*"' "$OUT/junit.xml" ||
		fail "no key was sent to stop autoboot"
	assert_grep "name=\"bios.sha256\" value=\"$(sha256sum "$UBOOT" | cut -d' ' -f1)\"" "$OUT/junit.xml"
	# Autoboot was stopped: after its prompt U-Boot never went on to boot
	# anything (2023.01 starts USB for its distro boot there; 2025.01 has
	# started USB before the prompt and scans for bootflows after it).
	sed -n '/Hit any key to stop autoboot/,$p' "$OUT"/uboot-arm64@arm64-uboot.console.log >"$WORK/after"
	[ -s "$WORK/after" ] || fail "no autoboot prompt in the console log"
	! grep -Eq "starting USB|Scanning for bootflows|scanning bus|BOOTP|Bootflow|Booting from" "$WORK/after" ||
		fail "U-Boot went on to boot after its autoboot prompt"
}

case_bad_image() {
	need_uboot
	sed -e 's|<step name="exit-status" timeout="10">|<step name="booti" timeout="30"><send>mw.l 0x40400000 0 0x100; booti 0x40400000</send><expect>^Starting kernel</expect></step>\n  <step name="exit-status" timeout="10">|' \
		suites/uboot-arm64.xml >"$WORK/booti.xml"
	run_uboot 1 "booti of no image" "$WORK/booti.xml"
	assert_grep "FAIL  uboot-arm64@arm64-uboot booti: failure pattern 'uboot-bad-image-magic' matched at [0-9.]* s: Bad Linux ARM64 Image magic" \
		"$WORK/stdout"
	assert_grep "SKIP  uboot-arm64@arm64-uboot exit-status: not run: the session ended at failure pattern 'uboot-bad-image-magic'" \
		"$WORK/stdout"
}

case_no_prompt() {
	need_uboot
	sed -e 's|<shell prompt="^=> "|<shell prompt="^U-Boot> "|' \
		-e 's|<interrupt name="stop-autoboot" timeout="10"|<interrupt name="stop-autoboot" timeout="3" every="0.5"|' \
		suites/uboot-arm64.xml >"$WORK/noprompt.xml"
	run_uboot 1 "a prompt that never shows" "$WORK/noprompt.xml"
	grep -q "FAIL  uboot-arm64@arm64-uboot stop-autoboot: interrupt 'stop-autoboot': the prompt /^U-Boot> / did not show within 3 s; \" \" was sent [2-9] times after /Hit any key to stop autoboot/" \
		"$WORK/stdout" || fail "the interrupt's failure does not say what it sent"
	# Nothing more can be typed at that prompt: the rest is skipped at once.
	assert_grep "SKIP  uboot-arm64@arm64-uboot version: not run: interrupt 'stop-autoboot' failed" \
		"$WORK/stdout"
}

case_second_sign_on() {
	need_uboot
	run_uboot 0 "U-Boot at its prompt" suites/uboot-arm64.xml
	python3 - "$OUT/uboot-arm64@arm64-uboot.console.log" "$WORK/twice.log" <<'PY'
import sys
log = open(sys.argv[1], "rb").read()
at = log.index(b"Hit any key")
sign_on = log[:at]
open(sys.argv[2], "wb").write(sign_on + b"Hit any key to stop autoboot:  0 \r\n" + sign_on + log[at:])
PY
	"$HILT" run --no-progress --out "$WORK/twice" --target "replay:$WORK/twice.log" \
		suites/uboot-arm64.xml >"$WORK/stdout" 2>&1
	OUT=$WORK/twice judge_run 1 $? "a second sign-on"
	assert_grep "FAIL  uboot-arm64@replay:twice stop-autoboot: failure pattern 'uboot-second-sign-on'" \
		"$WORK/stdout"
	# The version command prints the same banner line: no sign-on.
	assert_no_grep "second-sign-on" "$OUT/junit.xml"
}

# A farm booting the ARM64 guest's disk.
disk_farm() {
	need_uboot
	need_arm64_guest
	sed "s|file=build/guest-arm64/boot.img|file=$ARM64_GUEST/boot.img|" \
		examples/farms/qemu-arm64-disk.xml >"$WORK/disk-farm.xml"
}

case_linux() {
	disk_farm
	"$HILT" run --no-progress --retries 0 --farm "$WORK/disk-farm.xml" --out "$OUT" \
		suites/uboot-linux-arm64.xml >"$WORK/stdout" 2>&1
	judge_run 0 $? "U-Boot → Linux from its disk"
	[ "$(grep -c '^PASS ' "$WORK/stdout")" -eq 14 ] || fail "not 14 PASS lines"
	milestone_times uboot-banner dram stop-autoboot kernel-banner init-started shell-prompt
	# What U-Boot read is the guest's kernel, and the kernel that ran.
	assert_grep "name=\"capture.image_bytes\" value=\"$(stat -c %s "$ARM64_GUEST/Image")\"" \
		"$OUT/junit.xml"
	assert_grep "name=\"capture.initrd_bytes\" value=\"$(stat -c %s "$ARM64_GUEST/initrd.img")\"" \
		"$OUT/junit.xml"
	assert_grep "name=\"capture.kernel_version\" value=\"$(cat "$ARM64_GUEST/kernel-version")\"" \
		"$OUT/junit.xml"
	# The kernel's milestones come after U-Boot's, on one clock.
	local booti kernel
	booti=$(sed -n 's/.*name="milestone.stop-autoboot.time" value="\([0-9.]*\)".*/\1/p' "$OUT/junit.xml")
	kernel=$(sed -n 's/.*name="milestone.kernel-banner.time" value="\([0-9.]*\)".*/\1/p' "$OUT/junit.xml")
	holds 'k > b' k="$kernel" b="$booti" || fail "the kernel's banner ($kernel s) before autoboot was stopped ($booti s)"
}

case_load_missing() {
	disk_farm
	sed 's|<send>load virtio 0 $ramdisk_addr_r initrd.img</send>|<send>load virtio 0 $ramdisk_addr_r initrd-missing.img</send>|' \
		suites/uboot-linux-arm64.xml >"$WORK/missing.xml"
	local t0=$SECONDS
	"$HILT" run --no-progress --retries 0 --farm "$WORK/disk-farm.xml" --out "$OUT" \
		"$WORK/missing.xml" >"$WORK/stdout" 2>&1
	judge_run 1 $? "a load of a file the disk lacks"
	assert_grep "^FAIL  uboot-linux-arm64@arm64-disk load-initrd: failure pattern 'uboot-load-failed' matched at [0-9.]* s: Failed to load 'initrd-missing.img'" \
		"$WORK/stdout"
	assert_grep "^SKIP  uboot-linux-arm64@arm64-disk booti: not run: the session ended at failure pattern 'uboot-load-failed'" \
		"$WORK/stdout"
	[ $((SECONDS - t0)) -lt 20 ] || fail "the failure took $((SECONDS - t0)) s: not at once"
	assert_no_grep "Starting kernel" "$OUT"/uboot-linux-arm64@arm64-disk.console.log
}

"case_${1//-/_}"
