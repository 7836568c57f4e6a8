#!/usr/bin/env bash
# hilt image: ESP firmware read and checked without esptool.
#   real     the images ESP-IDF made (../shared/testdata/esp32s3-linux):
#            chip, segments, checksum and SHA-256 valid, the application's
#            description; the binary partition table (MD5 row verified) and
#            its CSV give the same six partitions
#   corrupt  a flipped byte in any segment is a bad checksum; in the
#            padding, a bad SHA-256; a changed table, a bad MD5
#   bad      truncated files, impossible segment counts, a CSV with a bad
#            size: one message saying what and where, never a crash
#   merge    one flash image: each input's bytes at its offset, 0xff
#            elsewhere; an image for another chip and overlaps refused
#   suite    every shipped suite and farm example validates; the ESP32-S3
#            Linux suite passes a recorded boot of that shape replayed,
#            whatever the padding of its timestamps, its bootloader entry is
#            the shared bootloader's; a panic or a missing partition fails
#   qemu-esp32  what hilt asks of Espressif's QEMU for an ESP32 booted from a
#            merged flash image: no kernel, the SoC's own memory, open_eth on
#            hilt's network, the flash as an MTD drive whose SHA-256 goes into
#            the JUnit (a stand-in binary records the arguments)
#   qemu-esp32-http  with the real binary (not in Debian) and a flash image
#            of ESP-IDF's http_server example, its suite and /hello probe
#   esp8266  a tiny program built with gcc-xtensa-lx106, its image made by
#            fixtures/esp8266/mkimage.py as the layout is documented: read
#            as an ESP8266 image; a byte flipped in any segment is a bad
#            checksum
. "$(dirname "$0")/lib.sh"
ESP=$SRC/../shared/testdata/esp32s3-linux

need_shared() {
	[ -r "$ESP/bootloader.bin" ] ||
		{ echo "SKIP: no ESP-IDF images in $ESP (../shared/testdata is absent)"; exit 77; }
}

# image_info FILE WANT-EXIT: hilt image info FILE, text in $WORK/info and
# json in $WORK/info.json.
image_info() {
	"$HILT" image info "$1" >"$WORK/info" 2>"$WORK/err"
	local rc=$?
	cat "$WORK/info" "$WORK/err"
	expect_exit "$2" "$rc" "image info $1"
	"$HILT" image info --format json "$1" >"$WORK/info.json" 2>/dev/null
	expect_exit "$2" $? "image info --format json $1"
}

case_real() {
	need_shared
	image_info "$ESP/bootloader.bin" 0
	assert_grep "chip          esp32s3 (chip id 9)" "$WORK/info"
	assert_grep "segments      3" "$WORK/info"
	assert_grep "checksum      0x72 at 0x439f: valid" "$WORK/info"
	assert_grep "sha256        [0-9a-f]\{64\}: valid" "$WORK/info"
	python3 - "$WORK/info.json" "$ESP/bootloader.bin" <<'PY' || fail "the bootloader's json"
import hashlib, json, struct, sys
j = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
assert j["chip"] == "esp32s3" and j["chip_id"] == 9, j
assert j["checksum_valid"] and j["sha256_valid"] and j["valid"], j
# Each segment as the file has it: its 8-byte header before its data.
for s in j["segments"]:
    load, length = struct.unpack("<II", data[s["offset"] - 8:s["offset"]])
    assert (load, length) == (s["load"], s["length"]), s
# The appended hash is the SHA-256 of what comes before it.
end = max(s["offset"] + s["length"] for s in j["segments"]) | 15
assert hashlib.sha256(data[:end + 1]).hexdigest() == j["sha256"], "sha256"
print("bootloader: %d segments checked against the file" % len(j["segments"]))
PY
	image_info "$ESP/firmware.bin" 0
	assert_grep "application image for esp32" "$WORK/info"
	assert_grep "segments      5" "$WORK/info"
	assert_grep "project       firmware" "$WORK/info"
	assert_grep "version       8282084-dirty" "$WORK/info"
	assert_grep "idf           v5.3-dev-1157-g341a8f2d65" "$WORK/info"
	assert_grep "3  load 0x400d0020 .*IROM" "$WORK/info"
	python3 - "$WORK/info.json" <<'PY' || fail "the application's json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["chip"] == "esp32" and j["app"]["project"] == "firmware", j
assert [s["region"] for s in j["segments"]] == ["DROM", "DRAM", "IRAM", "IROM", "IRAM"], j
PY

	"$HILT" image parttable "$ESP/partition-table.bin" >"$WORK/bin.csv" 2>"$WORK/err"
	expect_exit 0 $? "parttable of the binary table"
	cat "$WORK/bin.csv"
	assert_grep "^# MD5 row verified$" "$WORK/bin.csv"
	assert_grep "^# 1 bytes after the table's 0xc00" "$WORK/bin.csv"
	"$HILT" image parttable "$ESP/input_partitions.csv" >"$WORK/csv.csv" 2>"$WORK/err"
	expect_exit 0 $? "parttable of the CSV"
	diff <(grep -v '^# [M0-9]' "$WORK/bin.csv") "$WORK/csv.csv" ||
		fail "the binary table and its CSV differ"
	[ "$(grep -vc '^#' "$WORK/csv.csv")" -eq 6 ] || fail "not six partitions"
	assert_grep "^nvs,data,nvs,0xa000,20K,$" "$WORK/csv.csv"
	assert_grep "^rootfs,64,1,0x480000,3584K,$" "$WORK/csv.csv"
	# The table fits 8 MB of flash, not 4.
	"$HILT" image parttable --flash-size 8M "$ESP/partition-table.bin" >/dev/null
	expect_exit 0 $? "an 8 MB flash"
	"$HILT" image parttable --flash-size 4M "$ESP/partition-table.bin" >/dev/null 2>"$WORK/err"
	expect_exit 1 $? "a 4 MB flash"
	assert_grep "partition 'linux' ends at 0x480000, past the flash's 0x400000 bytes" "$WORK/err"
	assert_grep "partition 'rootfs' ends at 0x800000" "$WORK/err"
}

case_corrupt() {
	need_shared
	local f n=0
	for f in bootloader firmware; do
		"$HILT" image info --format json "$ESP/$f.bin" >"$WORK/$f.json" || fail "$f is not valid"
		# A byte flipped in the middle of each segment, one at a time.
		python3 - "$WORK/$f.json" "$ESP/$f.bin" "$WORK/$f" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
for i, s in enumerate(j["segments"]):
    b = bytearray(data)
    b[s["offset"] + s["length"] // 2] ^= 0x01
    open("%s-seg%d.bin" % (sys.argv[3], i), "wb").write(b)
# A byte of the padding before the checksum: the checksum holds, the
# appended SHA-256 does not.
end = max(s["offset"] + s["length"] for s in j["segments"])
if end | 15 != end:
    b = bytearray(data)
    b[end] ^= 0x01
    open("%s-pad.bin" % sys.argv[3], "wb").write(b)
PY
		for bad in "$WORK/$f"-seg*.bin; do
			image_info "$bad" 1
			assert_grep "bad checksum: byte 0x[0-9a-f]* is 0x[0-9a-f]*, the segments' XOR is" \
				"$WORK/err"
			n=$((n + 1))
		done
		if [ -e "$WORK/$f-pad.bin" ]; then
			image_info "$WORK/$f-pad.bin" 1
			assert_grep "bad SHA-256" "$WORK/err"
		fi
	done
	[ "$n" -eq 8 ] || fail "$n corrupted segments, not 8"
	# A partition's offset changed: the MD5 row no longer matches.
	python3 - "$ESP/partition-table.bin" "$WORK/table.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[0x64] ^= 0x01
open(sys.argv[2], "wb").write(b)
PY
	"$HILT" image parttable "$WORK/table.bin" >/dev/null 2>"$WORK/err"
	expect_exit 1 $? "a table with a bad MD5"
	assert_grep "entry 6 (byte 192): the MD5 row does not match the 6 entries before it" "$WORK/err"
}

case_bad() {
	need_shared
	local f=$ESP/firmware.bin
	head -c 5 "$f" >"$WORK/t5.bin"
	head -c 100 "$f" >"$WORK/t100.bin"
	head -c 90000 "$f" >"$WORK/t90k.bin"
	python3 - "$f" "$WORK" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
w = sys.argv[2]
for n, name in ((0, "zero"), (17, "many")):
    b = bytearray(data); b[1] = n
    open(w + "/%s.bin" % name, "wb").write(b)
b = bytearray(data); b[0] = 0xE8
open(w + "/magic.bin", "wb").write(b)
b = bytearray(data); b[0x1c:0x20] = (10**9).to_bytes(4, "little")
open(w + "/seglen.bin", "wb").write(b)
open(w + "/bad.csv", "w").write("# Name, Type, SubType, Offset, Size\nnvs,data,nvs,0x9000,20Q,\n")
open(w + "/overlap.csv", "w").write("a,data,nvs,0x9000,0x6000,\nb,data,phy,0xe000,4K,\n"
                                    "c,app,factory,0x10000,1M,\nd,app,ota_0,0x20000,1M,\n"
                                    "a,data,fat,0x300000,0x1001,\n")
PY
	local want
	for want in "t5.bin:shorter than an image's 8-byte header" \
		"t100.bin:segment 0: 38368 bytes from byte 32 run past the end of the file (100 bytes): truncated" \
		"t90k.bin:segment 3: 79296 bytes from byte 65568 run past the end of the file (90000 bytes): truncated" \
		"zero.bin:byte 1: 0 segments (an image has 1 to 16)" \
		"many.bin:byte 1: 17 segments (an image has 1 to 16)" \
		"magic.bin:not the image magic 0xe9" \
		"seglen.bin:segment 0: 1000000000 bytes from byte 32 run past the end of the file"; do
		"$HILT" image info "$WORK/${want%%:*}" >"$WORK/out" 2>"$WORK/err"
		expect_exit 2 $? "${want%%:*}"
		assert_grep "^hilt: $WORK/${want%%:*}: .*${want#*:}" "$WORK/err"
		[ ! -s "$WORK/out" ] || fail "${want%%:*}: something printed"
	done
	"$HILT" image parttable "$WORK/bad.csv" 2>"$WORK/err"
	expect_exit 2 $? "a bad size suffix"
	assert_grep "bad.csv: line 2: size '20Q': a number, with K or M" "$WORK/err"
	"$HILT" image parttable "$WORK/overlap.csv" >/dev/null 2>"$WORK/err"
	expect_exit 1 $? "a table that breaks the rules"
	cat "$WORK/err"
	assert_grep "line 2: partition 'b' (0xe000-0xf000) overlaps 'a' (0x9000-0xf000)" "$WORK/err"
	assert_grep "line 4: partition 'd' (0x20000-0x120000) overlaps 'c' (0x10000-0x110000)" "$WORK/err"
	assert_grep "line 5: partition name 'a' is used twice" "$WORK/err"
	head -c 40 "$ESP/partition-table.bin" >"$WORK/cut-table.bin"
	"$HILT" image parttable "$WORK/cut-table.bin" 2>"$WORK/err"
	expect_exit 2 $? "a truncated table"
	assert_grep "ends inside entry 1, with no end marker (truncated)" "$WORK/err"
	"$HILT" image info "$WORK/none.bin" 2>"$WORK/err"
	expect_exit 2 $? "a missing file"
	assert_grep "none.bin: No such file" "$WORK/err"
}

case_merge() {
	need_shared
	"$HILT" image merge --chip esp32s3 --pad-to-size 4M -o "$WORK/flash.bin" \
		0x0 "$ESP/bootloader.bin" 0x8000 "$ESP/partition-table.bin" \
		0x10000 "$ESP/input_partitions.csv" 2>"$WORK/err"
	expect_exit 0 $? "merge"
	cat "$WORK/err"
	python3 - "$WORK/flash.bin" 0 "$ESP/bootloader.bin" 0x8000 "$ESP/partition-table.bin" \
		0x10000 "$ESP/input_partitions.csv" <<'PY' || fail "the flash image is not its inputs"
import sys
flash = open(sys.argv[1], "rb").read()
assert len(flash) == 4 << 20, len(flash)
covered = bytearray(len(flash))
args = sys.argv[2:]
for off, path in zip(args[::2], args[1::2]):
    off = int(off, 0)
    data = open(path, "rb").read()
    assert flash[off:off + len(data)] == data, path
    covered[off:off + len(data)] = b"\x01" * len(data)
gaps = [i for i in range(len(flash)) if not covered[i] and flash[i] != 0xFF]
assert not gaps, "bytes not 0xff outside the inputs: %d, first at 0x%x" % (len(gaps), gaps[0])
print("flash image: each input at its offset, 0xff elsewhere")
PY
	# The application of the shared set is an ESP32 image: refused for an
	# ESP32-S3 flash, taken for an ESP32 one.
	"$HILT" image merge --chip esp32s3 -o "$WORK/no.bin" 0x0 "$ESP/bootloader.bin" \
		0x10000 "$ESP/firmware.bin" 2>"$WORK/err"
	expect_exit 1 $? "an image for another chip"
	assert_grep "firmware.bin: an image for esp32, not esp32s3" "$WORK/err"
	[ ! -e "$WORK/no.bin" ] || fail "written after a refusal"
	"$HILT" image merge --chip esp32 -o "$WORK/esp32.bin" 0x8000 "$ESP/partition-table.bin" \
		0x10000 "$ESP/firmware.bin" 2>/dev/null
	expect_exit 0 $? "the application on an ESP32 flash"
	[ "$(stat -c %s "$WORK/esp32.bin")" -eq $((0x10000 + $(stat -c %s "$ESP/firmware.bin"))) ] ||
		fail "the flash image is not as long as its last input's end"
	"$HILT" image merge --chip esp32 -o "$WORK/no.bin" 0x8000 "$ESP/partition-table.bin" \
		0x8800 "$ESP/input_partitions.csv" 2>"$WORK/err"
	expect_exit 2 $? "overlapping inputs"
	assert_grep "input_partitions.csv (0x8800-0x88eb) overlaps .*partition-table.bin (0x8000-0x8c01)" \
		"$WORK/err"
	"$HILT" image merge --chip esp32 --pad-to-size 64K -o "$WORK/no.bin" \
		0x10000 "$ESP/firmware.bin" 2>"$WORK/err"
	expect_exit 2 $? "an image past the padded size"
}

case_suite() {
	local f log=$SRC/fixtures/logs/esp32s3-linux.log
	for f in "$SRC"/suites/*.xml "$SRC"/examples/farms/*.xml; do
		"$HILT" validate "$f" >"$WORK/validate.txt" 2>&1
		expect_exit 0 $? "hilt validate $f"
	done
	cd "$WORK" || exit 1
	"$HILT" run --no-progress --out "$WORK/out" --target "replay:$log" \
		"$SRC/suites/esp32s3-linux.xml" >"$WORK/stdout" 2>&1
	OUT=$WORK/out judge_run 0 $? "the recorded ESP32-S3 Linux boot"
	assert_grep 'name="capture.mtd_partitions" value="6"' "$WORK/out/junit.xml"
	assert_grep 'name="capture.init" value="/sbin/init"' "$WORK/out/junit.xml"
	if [ -r "$ESP/bootloader.bin" ]; then
		entry=$("$HILT" image info "$ESP/bootloader.bin" | sed -n 's/^  entry *0x//p')
		assert_grep "name=\"capture.bootloader_entry\" value=\"$entry\"" "$WORK/out/junit.xml"
	fi
	# Timestamps padded or not: the same verdicts.
	sed -E 's/^\[ +([0-9])/[\1/' "$log" >"$WORK/tight.log"
	sed -E 's/^\[ ([0-9]\.)/[    \1/' "$log" >"$WORK/padded.log"
	! grep -aq '^\[ ' "$WORK/tight.log" || fail "the tight log still pads"
	for f in tight padded; do
		"$HILT" run --no-progress --out "$WORK/$f" --target "replay:$WORK/$f.log" \
			"$SRC/suites/esp32s3-linux.xml" >"$WORK/stdout" 2>&1
		OUT=$WORK/$f judge_run 0 $? "timestamps $f"
	done
	# A panic after the root is mounted fails init; a missing partition
	# fails its case.
	python3 - "$log" "$WORK" <<'PY'
import sys
log = open(sys.argv[1], "rb").read()
w = sys.argv[2]
at = log.index(b"Freeing unused kernel image")
panic = b"[    4.200000] Kernel panic - not syncing: No working init found.\r\n"
open(w + "/panic.log", "wb").write(log[:at] + panic + log[at:])
lines = log.split(b"\r\n")
open(w + "/norootfs.log", "wb").write(b"\r\n".join(l for l in lines if b': "rootfs"' not in l))
PY
	"$HILT" run --no-progress --out "$WORK/panic" --target "replay:$WORK/panic.log" \
		"$SRC/suites/esp32s3-linux.xml" >"$WORK/stdout" 2>&1
	OUT=$WORK/panic judge_run 1 $? "a panic"
	assert_grep 'FAIL  esp32s3-linux@replay:panic init: failure pattern .kernel-panic.' "$WORK/stdout"
	"$HILT" run --no-progress --out "$WORK/norootfs" --target "replay:$WORK/norootfs.log" \
		"$SRC/suites/esp32s3-linux.xml" >"$WORK/stdout" 2>&1
	OUT=$WORK/norootfs judge_run 1 $? "no rootfs partition"
	assert_grep 'FAIL  esp32s3-linux@replay:norootfs partition-rootfs' "$WORK/stdout"
}

case_qemu_esp32() {
	need_shared
	"$HILT" image merge --chip esp32 --pad-to-size 4M -o "$WORK/flash.bin" \
		0x8000 "$ESP/partition-table.bin" 0x10000 "$ESP/firmware.bin" 2>/dev/null
	expect_exit 0 $? "merge for the ESP32"
	# A stand-in for qemu-system-xtensa: records what it is asked, then
	# exits as a QEMU that cannot start would.
	cat >"$WORK/qemu-rec" <<SH
#!/bin/sh
printf '%s\n' "\$@" >"$WORK/argv"
exit 1
SH
	chmod +x "$WORK/qemu-rec"
	sed -e "s|<binary>qemu-system-xtensa</binary>|<binary>$WORK/qemu-rec</binary>|" \
		-e "s|file=flash.bin|file=$WORK/flash.bin|" "$SRC/examples/farms/esp32-qemu.xml" \
		>"$WORK/farm.xml"
	"$HILT" run --no-progress --retries 0 --farm "$WORK/farm.xml" --out "$WORK/out" \
		"$SRC/suites/esp-idf-http.xml" >"$WORK/stdout" 2>&1
	OUT=$WORK/out judge_run 3 $? "a QEMU that exits"
	cat "$WORK/argv"
	grep -qx -- "-machine" "$WORK/argv" && grep -qx -- "esp32" "$WORK/argv" || fail "no -machine esp32"
	grep -qx -- "dgram,local.type=fd,local.str=[0-9]*,model=open_eth" "$WORK/argv" ||
		fail "open_eth is not on hilt's network"
	grep -qx -- "file=$WORK/flash.bin,if=mtd,format=raw" "$WORK/argv" || fail "no flash drive"
	for no in -kernel -append -initrd -m -smp -device; do
		! grep -qx -- "$no" "$WORK/argv" || fail "$no given to an ESP32 machine"
	done
	assert_grep "name=\"drive.sha256\" value=\"$(sha256sum "$WORK/flash.bin" | cut -d' ' -f1)\"" \
		"$WORK/out/junit.xml"
}

# The real one, where it is installed, with the example's flash image.
case_qemu_esp32_http() {
	command -v qemu-system-xtensa >/dev/null &&
		qemu-system-xtensa -machine help 2>/dev/null | grep -q '^esp32 ' ||
		{ echo "SKIP: no qemu-system-xtensa with the esp32 machine (Espressif's QEMU, not in Debian): the HTTP server suite was not run"; exit 77; }
	[ -r "${HILT_ESP_IDF_HTTP_FLASH:-}" ] ||
		{ echo "SKIP: HILT_ESP_IDF_HTTP_FLASH names no flash image of ESP-IDF's http_server example"; exit 77; }
	sed "s|file=flash.bin|file=$HILT_ESP_IDF_HTTP_FLASH|" "$SRC/examples/farms/esp32-qemu.xml" \
		>"$WORK/real.xml"
	"$HILT" run --no-progress --farm "$WORK/real.xml" --out "$WORK/real" \
		"$SRC/suites/esp-idf-http.xml" >"$WORK/stdout" 2>&1
	OUT=$WORK/real judge_run 0 $? "ESP-IDF's HTTP server under Espressif's QEMU"
}

case_esp8266() {
	command -v xtensa-lx106-elf-gcc >/dev/null ||
		{ echo "SKIP: no xtensa-lx106-elf-gcc (Debian's gcc-xtensa-lx106; ./setup.sh installs it)"; exit 77; }
	local fx=$SRC/fixtures/esp8266 i
	xtensa-lx106-elf-gcc -Os -nostdlib -mlongcalls -T "$fx/hello.ld" -o "$WORK/hello.elf" \
		"$fx/hello.c" || fail "the ESP8266 program does not build"
	python3 "$fx/mkimage.py" "$WORK/hello.elf" "$WORK/hello.bin" || fail "mkimage"
	image_info "$WORK/hello.bin" 0
	assert_grep "firmware image for esp8266" "$WORK/info"
	assert_grep "flash         DIO, 4MB, 40m" "$WORK/info"
	assert_grep "load 0x40100000 .*IRAM" "$WORK/info"
	assert_grep "load 0x3ffe8000 .*DRAM" "$WORK/info"
	assert_grep "checksum      0x[0-9a-f]* at 0x[0-9a-f]*f: valid" "$WORK/info"
	assert_no_grep "chip id" "$WORK/info"
	# The entry point is the program's.
	entry=$(xtensa-lx106-elf-readelf -h "$WORK/hello.elf" | sed -n 's/.*Entry point address: *//p')
	assert_grep "entry         $(printf '0x%08x' "$entry")" "$WORK/info"
	# The DRAM segment holds the greeting, as the ELF's data.
	python3 - "$WORK/info.json" "$WORK/hello.bin" <<'PY' || fail "the segments are not the program's"
import json, sys
j = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
assert j["chip"] == "esp8266" and j["chip_id"] == -1, j
dram = [s for s in j["segments"] if s["region"] == "DRAM"][0]
assert b"hello from a hand-made image" in data[dram["offset"]:dram["offset"] + dram["length"]]
PY
	# A flipped byte in any segment, one at a time.
	n=$(python3 - "$WORK/info.json" "$WORK/hello.bin" "$WORK/bad" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
for i, s in enumerate(j["segments"]):
    for k in (0, s["length"] - 1):
        b = bytearray(data)
        b[s["offset"] + k] ^= 0x80
        open("%s-%d-%d.bin" % (sys.argv[3], i, k), "wb").write(b)
print(2 * len(j["segments"]))
PY
)
	for i in "$WORK"/bad-*.bin; do
		"$HILT" image info "$i" >/dev/null 2>"$WORK/err"
		expect_exit 1 $? "$i"
		assert_grep "bad checksum" "$WORK/err"
	done
	[ "$(ls "$WORK"/bad-*.bin | wc -l)" -eq "$n" ] && [ "$n" -ge 4 ] || fail "not every segment was corrupted"
}

"case_${1:?which case}"
