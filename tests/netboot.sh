#!/usr/bin/env bash
# Network boots from the run's own network (a QEMU target's <tftp>,
# <bootfile> and <http-boot>), under TCG.
#   ipxe          Debian's iPXE ROM in the e1000 NIC: DHCP from hilt's
#                 network names the script on hilt's HTTP boot server; the
#                 kernel and initramfs come over HTTP to the guest's shell;
#                 the pcap shows the requests, the JUnit what was served
#   ipxe-missing  a script naming a kernel that is not there: iPXE's error
#                 fails the session at once, naming it
#   http-guest    the default guest fetches from the boot server itself:
#                 a file whole and hashed, a 404, a path out of the folder
#                 refused, nothing reachable from the host
#   uboot-tftp    U-Boot → Linux on ARM64 over the network: DHCP names the
#                 kernel, tftpboot fetches the device tree and initramfs,
#                 booti, the guest's shell; every file's hash in the JUnit
#   uboot-tftp-missing  U-Boot's tftpboot of a file the folder lacks fails
#                 at once with U-Boot's message
. "$(dirname "$0")/lib.sh"
cd "$SRC"
OUT=$WORK/out
UBOOT=/usr/lib/u-boot/qemu_arm64/u-boot.bin
# The boot server's socket folder is made here: what it leaves is seen.
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"

need_guest() {
	if [ ! -r "$HILT_GUEST_DIR/vmlinuz" ]; then
		[ "${GUEST_BUILT:-ON}" != "ON" ] || fail "no guest in $HILT_GUEST_DIR (its build failed?)"
		echo "SKIP: no default guest in $HILT_GUEST_DIR and this build does not make one"
		exit 77
	fi
}

need_uboot() {
	[ -r "$UBOOT" ] || { echo "SKIP: no $UBOOT (Debian's u-boot-qemu; ./setup.sh installs it)"; exit 77; }
	command -v qemu-system-aarch64 >/dev/null ||
		{ echo "SKIP: no qemu-system-aarch64 (qemu-system-arm; ./setup.sh installs it)"; exit 77; }
}

need_ipxe() {
	# Where Debian's QEMU looks for it: ipxe-qemu installs it in
	# /usr/lib/ipxe/qemu on Debian 12, in /usr/share/qemu on Debian 13.
	[ -r /usr/lib/ipxe/qemu/efi-e1000.rom ] || [ -r /usr/share/qemu/efi-e1000.rom ] ||
		{ echo "SKIP: no iPXE ROM for QEMU's e1000 (Debian's ipxe-qemu; ./setup.sh installs it)"; exit 77; }
}

# run_hilt WANT WHAT FARM SUITE: one run, judged; no process outlives it
# and the boot server leaves nothing behind.
run_hilt() {
	local rc
	in_session hilt "$HILT" run --no-progress --retries 0 --pcap --farm "$3" --out "$OUT" "$4" \
		>"$WORK/stdout" 2>&1
	rc=$?
	judge_run "$1" "$rc" "$2"
	no_leftover hilt "a process hilt started (QEMU)"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "the boot server left $(ls -A "$TMPDIR") in $TMPDIR"
}

# served URL RESULT [FILE]: the JUnit records a transfer of URL that ended
# with RESULT, with FILE's size and SHA-256 when given.
served() {
	local n found=""
	for n in $(grep -o "name=\"served\.[0-9]*\" value=\"$1\"" "$OUT/junit.xml" |
		sed 's/name="served\.\([0-9]*\)".*/\1/'); do
		grep -q "name=\"served.$n.result\" value=\"$2\"" "$OUT/junit.xml" && found=$n && break
	done
	[ -n "$found" ] || fail "no transfer of $1 that ended \"$2\" is recorded"
	if [ $# -ge 3 ]; then
		assert_grep "name=\"served.$found.sha256\" value=\"$(sha256sum "$3" | cut -d' ' -f1)\"" \
			"$OUT/junit.xml"
		assert_grep "name=\"served.$found.bytes\" value=\"$(stat -L -c %s "$3")\"" "$OUT/junit.xml"
	fi
}

# The default guest's kernel and initramfs with the iPXE script, in DIR.
netboot_folder() {
	mkdir -p "$1"
	cp examples/farms/netboot/boot.ipxe "$1/"
	ln -sf "$HILT_GUEST_DIR/vmlinuz" "$HILT_GUEST_DIR/initrd.img" "$1/"
}

ipxe_farm() {
	sed "s|>netboot<|>$1<|" examples/farms/ipxe-x86.xml >"$WORK/farm.xml"
}

case_ipxe() {
	need_guest
	need_ipxe
	netboot_folder "$WORK/netboot"
	ipxe_farm "$WORK/netboot"
	run_hilt 0 "an iPXE boot over HTTP" "$WORK/farm.xml" suites/ipxe-http-boot.xml
	assert_grep 'name="capture.bootfile" value="http://10.0.2.5/boot.ipxe"' "$OUT/junit.xml"
	assert_grep 'name="capture.ipxe_version" value="1\.' "$OUT/junit.xml"
	assert_grep "name=\"capture.kernel_version\" value=\"$(cat "$HILT_GUEST_DIR/kernel-version")\"" \
		"$OUT/junit.xml"
	served http://10.0.2.5/boot.ipxe complete examples/farms/netboot/boot.ipxe
	served http://10.0.2.5/vmlinuz complete "$HILT_GUEST_DIR/vmlinuz"
	served http://10.0.2.5/initrd.img complete "$HILT_GUEST_DIR/initrd.img"
	assert_grep 'name="served.count" value="3"' "$OUT/junit.xml"
	# The capture holds the guest's requests and the server's answers.
	local pcap="$OUT/ipxe-http-boot@x86-ipxe.pcap"
	tshark -r "$pcap" -Y http.request -T fields -e ip.src -e ip.dst -e http.request.method \
		-e http.request.uri >"$WORK/requests" 2>/dev/null || fail "tshark cannot read $pcap"
	cat "$WORK/requests"
	for uri in /boot.ipxe /vmlinuz /initrd.img; do
		grep -q "^10.0.2.15	10.0.2.5	GET	$uri\$" "$WORK/requests" ||
			fail "the capture shows no GET $uri from the guest to 10.0.2.5"
	done
	tshark -r "$pcap" -Y http.response -T fields -e http.response.code -e http.content_length \
		>"$WORK/responses" 2>/dev/null
	grep -q "^200	$(stat -L -c %s "$HILT_GUEST_DIR/vmlinuz")\$" "$WORK/responses" ||
		fail "the capture shows no 200 with the kernel's length"
}

case_ipxe_missing() {
	need_guest
	need_ipxe
	netboot_folder "$WORK/netboot"
	sed -i 's|http://10.0.2.5/vmlinuz|http://10.0.2.5/vmlinuz-missing|' "$WORK/netboot/boot.ipxe"
	ipxe_farm "$WORK/netboot"
	local t0=$SECONDS
	run_hilt 1 "an iPXE script naming a kernel that is not there" "$WORK/farm.xml" \
		suites/ipxe-http-boot.xml
	# iPXE's words for it: "No such file or directory (http://ipxe.org/..."
	# in Debian 12's build, "Not found (https://ipxe.org/..." in 13's.
	grep -Eq "^FAIL  ipxe-http-boot@x86-ipxe kernel-fetched: failure pattern 'ipxe-step-failed' matched at [0-9.]* s: http://10.0.2.5/vmlinuz-missing\.\.\. (No such file or directory|Not found) \(https?://ipxe.org/" \
		"$WORK/stdout" || fail "the failure does not name iPXE's error"
	assert_grep "^SKIP  ipxe-http-boot@x86-ipxe uname-r: not run: the session ended at failure pattern 'ipxe-step-failed'" \
		"$WORK/stdout"
	[ $((SECONDS - t0)) -lt 40 ] || fail "the failure took $((SECONDS - t0)) s: not at once"
	served http://10.0.2.5/vmlinuz-missing "404 Not Found"
}

case_http_guest() {
	need_guest
	mkdir -p "$WORK/www/sub"
	echo "hello from the boot server" >"$WORK/www/hello.txt"
	head -c 3000000 /dev/urandom >"$WORK/www/sub/big.bin"
	echo "secret" >"$WORK/outside.txt"
	local big_sha
	big_sha=$(sha256sum "$WORK/www/sub/big.bin" | cut -d' ' -f1)
	cat >"$WORK/farm.xml" <<EOF
<farm><target name="guest" kind="qemu">
  <kernel>$HILT_GUEST_DIR/vmlinuz</kernel>
  <initrd>$HILT_GUEST_DIR/initrd.img</initrd>
  <http-boot address="10.0.2.7" port="8080">$WORK/www</http-boot>
</target></farm>
EOF
	cat >"$WORK/suite.xml" <<EOF
<suite name="http-guest" timeout="120">
  <shell prompt="^/ # "/>
  <milestone name="network-up" timeout="60">^hilt-guest: network up</milestone>
  <milestone name="shell-prompt" timeout="30">^/ # </milestone>
  <step name="hello" timeout="20">
    <send>wget -q -O - http://10.0.2.7:8080/hello.txt</send>
    <expect>^hello from the boot server</expect>
  </step>
  <step name="big" timeout="60">
    <send>wget -q -O /tmp/big http://10.0.2.7:8080/sub/big.bin; sha256sum /tmp/big</send>
    <expect>^$big_sha  /tmp/big</expect>
  </step>
  <step name="not-found" timeout="20">
    <send>wget -S -O /dev/null http://10.0.2.7:8080/nothere 2&gt;&amp;1 | grep HTTP/</send>
    <expect>HTTP/1.1 404 Not Found</expect>
  </step>
  <step name="climb-out" timeout="20">
    <send>printf 'GET /../outside.txt HTTP/1.0\r\n\r\n' | nc 10.0.2.7 8080 | head -n 1</send>
    <expect>^HTTP/1.[01] 404</expect>
  </step>
  <step name="post" timeout="20">
    <send>printf 'POST /hello.txt HTTP/1.0\r\nContent-Length: 0\r\n\r\n' | nc 10.0.2.7 8080 | head -n 1</send>
    <expect>^HTTP/1.[01] 405</expect>
  </step>
</suite>
EOF
	# While the guest runs, the host has no port of hilt's that answers
	# HTTP: the server is on the guest network only.
	(
		for _ in $(seq 200); do
			pid=$(cat "$WORK/hilt.sid" 2>/dev/null)
			[ -n "$pid" ] && ss -ltnpH 2>/dev/null | grep "pid=$pid," >>"$WORK/listening"
			sleep 0.1
		done
	) &
	local watcher=$!
	rm -f "$WORK/hilt.sid"
	run_hilt 0 "the guest fetching from the boot server" "$WORK/farm.xml" "$WORK/suite.xml"
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	[ ! -s "$WORK/listening" ] || { cat "$WORK/listening"; fail "hilt listened on a host TCP port"; }
	served http://10.0.2.7:8080/hello.txt complete "$WORK/www/hello.txt"
	served http://10.0.2.7:8080/sub/big.bin complete "$WORK/www/sub/big.bin"
	served http://10.0.2.7:8080/nothere "404 Not Found"
	served http://10.0.2.7:8080/../outside.txt "404 Not Found"
	served http://10.0.2.7:8080/hello.txt "405 Method Not Allowed"
}

case_uboot_tftp_missing() {
	need_uboot
	mkdir -p "$WORK/tftp"
	head -c 100000 /dev/urandom >"$WORK/tftp/present.bin"
	cat >"$WORK/farm.xml" <<EOF
<farm><target name="arm64-net" kind="qemu" tags="arch=arm64 kind=qemu">
  <binary>qemu-system-aarch64</binary>
  <machine>virt</machine>
  <bios>$UBOOT</bios>
  <nic>virtio-net-pci</nic>
  <tftp>$WORK/tftp</tftp>
  <arg>-cpu</arg><arg>max</arg>
</target></farm>
EOF
	sed -e 's|<step name="exit-status" timeout="10">|<step name="dhcp" timeout="20"><send>setenv autoload no; dhcp</send><expect>DHCP client bound to address 10.0.2.15</expect></step>\n  <step name="tftp" timeout="20"><send>tftpboot $kernel_addr_r present.bin</send><expect>Bytes transferred = 100000</expect></step>\n  <step name="tftp-missing" timeout="60"><send>tftpboot $kernel_addr_r absent.bin</send><expect>Bytes transferred</expect></step>\n  <step name="exit-status" timeout="10">|' \
		suites/uboot-arm64.xml >"$WORK/suite.xml"
	local t0=$SECONDS
	run_hilt 1 "tftpboot of a file that is not there" "$WORK/farm.xml" "$WORK/suite.xml"
	assert_grep "^PASS  uboot-arm64@arm64-net tftp " "$WORK/stdout"
	assert_grep "^FAIL  uboot-arm64@arm64-net tftp-missing: failure pattern 'uboot-tftp-not-found' matched at [0-9.]* s: TFTP error: 'File not found'" \
		"$WORK/stdout"
	[ $((SECONDS - t0)) -lt 30 ] || fail "the failure took $((SECONDS - t0)) s: not at once"
	served tftp://10.0.2.2/present.bin complete "$WORK/tftp/present.bin"
	served tftp://10.0.2.2/absent.bin "error 1: File not found"
}

case_uboot_tftp() {
	need_uboot
	need_arm64_guest
	local tftp=$WORK/farm/arm64-tftp
	mkdir -p "$tftp"
	ln -s "$ARM64_GUEST/Image" "$ARM64_GUEST/initrd.img" "$tftp/"
	# The machine's own device tree, as the farm's machine makes it.
	qemu-system-aarch64 -machine "virt,dumpdtb=$tftp/virt.dtb" -cpu max -m 512 \
		-bios "$UBOOT" -nographic >/dev/null 2>&1 || fail "QEMU did not dump the device tree"
	cp examples/farms/qemu-arm64-netboot.xml "$WORK/farm/farm.xml"
	run_hilt 0 "U-Boot → Linux over TFTP" "$WORK/farm/farm.xml" suites/uboot-netboot-arm64.xml
	milestone_times uboot-banner dram stop-autoboot kernel-banner init-started shell-prompt
	assert_grep "name=\"capture.kernel_bytes\" value=\"$(stat -L -c %s "$ARM64_GUEST/Image")\"" \
		"$OUT/junit.xml"
	served tftp://10.0.2.2/Image complete "$ARM64_GUEST/Image"
	served tftp://10.0.2.2/virt.dtb complete "$tftp/virt.dtb"
	served tftp://10.0.2.2/initrd.img complete "$ARM64_GUEST/initrd.img"
	assert_grep 'name="net.bootfile" value="Image"' "$OUT/junit.xml"
}

case "${1:-}" in
uboot-tftp) case_uboot_tftp ;;
ipxe) case_ipxe ;;
ipxe-missing) case_ipxe_missing ;;
http-guest) case_http_guest ;;
uboot-tftp-missing) case_uboot_tftp_missing ;;
*) fail "unknown case '${1:-}'" ;;
esac
echo "PASS: netboot ${1}"
