#!/usr/bin/env python3
"""The peer of the benchmark: the same suite checked with python3-pexpect,
the engine labgrid and pytest-embedded build on.  It waits for each
milestone in order, with every failure pattern watched alongside, over a
recorded log read through pexpect's fdspawn.

usage: pexpect-peer.py SUITE.xml LOG [--window N] [--max-seconds S]
Prints one line: bytes consumed, seconds, MB/s and whether it finished
(a run stopped at --max-seconds has consumed only part of the log)."""
import argparse
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

import pexpect
import pexpect.fdpexpect

# hilt's default Linux failure patterns (runner/engine/suite.c), which the suite
# gets unless it switches them off.
LINUX_FAILURES = [
    r"Kernel panic - not syncing",
    r"\bOops(: |\b)",
    r"\bBUG: ",
    r"Unable to handle kernel ",
    r"(?s)\bWARNING: .{0,16384}?---\[ end trace",
    r"invalid opcode: ",
    r"\bInternal error: ",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("suite")
    ap.add_argument("log")
    ap.add_argument("--window", type=int, default=None,
                    help="pexpect searchwindowsize (default: none, as pexpect)")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    args = ap.parse_args()

    root = ET.parse(args.suite).getroot()
    fp = root.find("failure-patterns")
    failures = [] if fp is not None and fp.get("defaults") == "none" else list(LINUX_FAILURES)
    if fp is not None:
        failures += [p.text for p in fp.findall("pattern")]
    milestones = [m.text for m in root.findall("milestone")]
    flags = re.MULTILINE
    fail_res = [re.compile(f.encode(), flags) for f in failures]

    fd = os.open(args.log, os.O_RDONLY)
    size = os.fstat(fd).st_size
    # With a search window, each read must be at most half of it or
    # pexpect would never search the start of a read; without one, it
    # searches its whole buffer at every read (its default).
    maxread = 65536 if args.window is None else max(args.window // 2, 1)
    child = pexpect.fdpexpect.fdspawn(fd, maxread=maxread,
                                      searchwindowsize=args.window)
    start = time.monotonic()
    deadline = start + args.max_seconds
    finished = True
    for m in milestones:
        patterns = [re.compile(m.encode(), flags)] + fail_res
        remaining = deadline - time.monotonic()
        try:
            idx = child.expect(patterns, timeout=max(remaining, 0.001))
        except pexpect.TIMEOUT:
            finished = False
            break
        except pexpect.EOF:
            print("pexpect: log ended before milestone /%s/" % m, file=sys.stderr)
            return 1
        if idx != 0:
            print("pexpect: failure pattern matched: %r" % child.after, file=sys.stderr)
            return 1
    elapsed = time.monotonic() - start
    consumed = os.lseek(fd, 0, os.SEEK_CUR) if not finished else size
    print("%d %.3f %.2f %s" % (consumed, elapsed, consumed / 1e6 / elapsed,
                               "finished" if finished else "stopped"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
