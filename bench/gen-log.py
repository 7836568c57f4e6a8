#!/usr/bin/env python3
"""Writes a kernel-style console log of about SIZE_MB megabytes, with the
benchmark suite's milestones only at its very end.  Deterministic (seeded).
usage: gen-log.py SIZE_MB OUT.log [--body-only]
--body-only leaves the milestones out (for streams made of many copies)."""
import random
import sys

MESSAGES = [
    "usb {a}-{b}: new high-speed USB device number {n} using xhci_hcd",
    "ata{a}: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
    "e1000e 0000:00:{a:02x}.0 eth{b}: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "systemd[1]: Started Journal Service (pid {n}).",
    "audit: type=1400 audit({t}:{n}): apparmor=\"STATUS\" operation=\"profile_load\" name=\"/usr/bin/app{a}\" pid={n}",
    "EXT4-fs (vda{a}): mounted filesystem with ordered data mode. Quota mode: none.",
    "pci 0000:00:{a:02x}.{b}: [8086:{n:04x}] type 00 class 0x060000",
    "ACPI: \\_SB_.PCI0.S{a:02x}: Device [S{b:02x}] enabled at IRQ {n}",
    "random: crng init done after {n} bits",
    "clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x{h:x}, max_idle_ns: {n} ns",
    "virtio_net virtio{a} enp0s{b}: renamed from eth{a}",
    "NET: Registered PF_INET{a} protocol family",
    "sd {a}:0:0:0: [sd{c}] {n} 512-byte logical blocks: ({b}.{a} GB/{b}.{a} GiB)",
    "thermal LNXTHERM:{a:02x}: registered as thermal_zone{b}",
    "input: AT Translated Set 2 keyboard as /devices/platform/i8042/serio{a}/input/input{b}",
    "rtc_cmos 00:{a:02x}: setting system clock to 2026-11-22T10:{b:02d}:{a:02d} UTC ({t})",
    "memory: {n}K/{t}K available ({a}K kernel code, {b}K rwdata, {n}K rodata)",
    "hub {a}-0:1.0: {b} ports detected",
    "wlan{a}: associated with {h:012x} (capab=0x{n:x} status=0 aid={b})",
    "kworker/u{a}:{b} used greatest stack depth: {n} bytes left",
]

MILESTONES = [
    "Run /init as init process",
    "hilt-bench: network up 10.0.2.15",
    "hilt-bench login: ",
]


def tail(t=0.0):
    """The milestones, in order; the last one without a line end, like a
    login prompt."""
    lines = ["[%5d.%06d] %s\r\n" % (int(t), 0, m) for m in MILESTONES[:-1]]
    return "".join(lines) + MILESTONES[-1]


def main():
    if sys.argv[1] == "--tail":
        sys.stdout.write(tail())
        return
    size = int(float(sys.argv[1]) * 1024 * 1024)
    rng = random.Random(42)
    written = 0
    t = 0.0
    with open(sys.argv[2], "w", newline="") as f:
        while written < size:
            t += rng.random() * 0.002
            msg = rng.choice(MESSAGES).format(
                a=rng.randrange(16), b=rng.randrange(64), c=chr(97 + rng.randrange(4)),
                n=rng.randrange(1 << 16), t=rng.randrange(1 << 24), h=rng.getrandbits(48))
            line = "[%5d.%06d] %s\r\n" % (int(t), int(t * 1e6) % 1000000, msg)
            f.write(line)
            written += len(line)
        if "--body-only" in sys.argv:
            return
        f.write(tail(t))


if __name__ == "__main__":
    main()
