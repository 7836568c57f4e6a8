#!/usr/bin/env python3
"""Writes a kernel-style console log of about SIZE_MB megabytes, with the
benchmark suite's milestones only at its very end.  Deterministic (seeded).
usage: gen-log.py SIZE_MB OUT.log [--body-only] [--warnings N] [--ktap N]
--body-only leaves the milestones out (for streams made of many copies).
--warnings N spreads N kernel WARNING reports evenly over the body (x86
form, "cut here" to "end trace", every other one with a line of another
task inside its call trace), their functions drawn from 1000 names, so
that the reports have up to 1000 distinct titles ("WARNING in
drv123_poll").
--ktap N puts a KUnit run of N tests in the body, as the kernel prints it
at boot: "KTAP version 1" and the plan first, then suites of 100 tests
(every 50th skipped, every 997th failed with its diagnostic lines), each
suite's header, plan and result nested, the other lines of the body
between them; the body is at least as long as the stream needs."""
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


def warning(rng, t, i):
    """One WARNING report, its lines at time t (a line of another task
    interleaved in its call trace when i is odd)."""
    k = rng.randrange(1000)
    fn = "drv%d_poll" % k
    pid = rng.randrange(2, 4000)
    lines = [
        "------------[ cut here ]------------",
        "WARNING: CPU: %d PID: %d at drivers/misc/drv%d.c:%d %s+0x%x/0x%x"
        % (i % 4, pid, k, 100 + k % 400, fn, 0x10 + k % 0x60, 0x80 + k % 0x80),
        "Modules linked in: e1000e virtio_net",
        "CPU: %d PID: %d Comm: kworker/%d:1 Not tainted 6.6.0 #1" % (i % 4, pid, i % 4),
        "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
        "RIP: 0010:%s+0x%x/0x%x" % (fn, 0x10 + k % 0x60, 0x80 + k % 0x80),
        "Call Trace:",
        " <TASK>",
        " ? __warn+0x7d/0x130",
        " ? report_bug+0x16d/0x1a0",
        " %s+0x%x/0x%x" % (fn, 0x10 + k % 0x60, 0x80 + k % 0x80),
        " process_one_work+0x1e2/0x3f0",
        " worker_thread+0x50/0x3a0",
        " kthread+0xe8/0x120",
        " ret_from_fork+0x34/0x50",
        " </TASK>",
        "---[ end trace 0000000000000000 ]---",
    ]
    if i % 2:
        lines.insert(11, "systemd[1]: Started Journal Service (pid %d)." % pid)
    return "".join("[%5d.%06d] %s\r\n" % (int(t), int(t * 1e6) % 1000000, l) for l in lines)


def ktap_lines(n):
    """The KTAP of a KUnit run of n tests, line by line (no timestamps)."""
    suites = (n + 99) // 100
    yield "KTAP version 1"
    yield "1..%d" % suites
    for s in range(suites):
        k = min(100, n - s * 100)
        yield "    KTAP version 1"
        yield "    # Subtest: suite%05d" % s
        yield "    1..%d" % k
        failed = False
        for i in range(k):
            g = s * 100 + i
            if g % 997 == 996:
                failed = True
                yield "    # test_%05d: EXPECTATION FAILED at lib/suite%05d.c:%d" % (g, s, 10 + i)
                yield "    Expected x == y, but"
                yield "        x == %d" % g
                yield "        y == %d" % (g + 1)
                yield "    not ok %d test_%05d" % (i + 1, g)
            elif g % 50 == 49:
                yield "    ok %d test_%05d # SKIP not on this machine" % (i + 1, g)
            else:
                yield "    ok %d test_%05d" % (i + 1, g)
        yield "%s %d suite%05d" % ("not ok" if failed else "ok", s + 1, s)


def main():
    if sys.argv[1] == "--tail":
        sys.stdout.write(tail())
        return
    size = int(float(sys.argv[1]) * 1024 * 1024)
    rng = random.Random(42)
    written = 0
    t = 0.0
    warnings = int(sys.argv[sys.argv.index("--warnings") + 1]) if "--warnings" in sys.argv else 0
    ktests = int(sys.argv[sys.argv.index("--ktap") + 1]) if "--ktap" in sys.argv else 0
    ktap = list(ktap_lines(ktests)) if ktests else []
    done = kdone = 0
    with open(sys.argv[2], "w", newline="") as f:
        while written < size or done < warnings or kdone < len(ktap):
            if kdone < len(ktap) and written * len(ktap) >= size * kdone:
                t += rng.random() * 0.0002
                line = "[%5d.%06d] %s\r\n" % (int(t), int(t * 1e6) % 1000000, ktap[kdone])
                f.write(line)
                written += len(line)
                kdone += 1
                continue
            if done < warnings and written * warnings >= size * done:
                w = warning(rng, t, done)
                f.write(w)
                written += len(w)
                done += 1
                continue
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
