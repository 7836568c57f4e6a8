#!/usr/bin/env python3
"""One session of sched-scale.py's peer: a suite's milestones checked with
python3-pexpect (the engine labgrid and pytest-embedded build on) over a
console that arrives through a FIFO.  As hilt does, it waits for each
milestone in order with the suite's failure patterns watched alongside,
keeps the raw console in a file, and reads the console to its end.

usage: scale-peer.py SUITE.xml FIFO RAWLOG

pexpect runs as it comes (fdspawn's defaults: reads of 2000 bytes, no
search window).  Prints one JSON line: time.monotonic() of each
milestone's match, and the process's CPU seconds when it was ready
(Python, pexpect and the patterns loaded) and at the end."""
import importlib.util
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

import pexpect
import pexpect.fdpexpect

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hiltbench as hb  # noqa: E402


def linux_failures():
    # The list bench/pexpect-peer.py keeps of hilt's default patterns.
    spec = importlib.util.spec_from_file_location("pexpect_peer",
                                                  os.path.join(HERE, "pexpect-peer.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.LINUX_FAILURES


def main():
    suite, fifo, rawlog = sys.argv[1:4]
    root = ET.parse(suite).getroot()
    fp = root.find("failure-patterns")
    failures = [] if fp is not None and fp.get("defaults") == "none" else list(linux_failures())
    if fp is not None:
        failures += [p.text for p in fp.findall("pattern")]
    flags = re.MULTILINE
    fail_res = [re.compile(hb.python_pattern(f).encode(), flags) for f in failures]
    expects = [[re.compile(hb.python_pattern(pcre).encode(), flags)] + fail_res
               for _, pcre in hb.suite_milestones(suite)]
    cpu_ready = time.process_time()

    fd = os.open(fifo, os.O_RDONLY)  # waits for the feeder
    child = pexpect.fdpexpect.fdspawn(fd)
    child.logfile_read = open(rawlog, "wb")
    times = []
    for patterns in expects:
        try:
            idx = child.expect(patterns, timeout=120)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            print(json.dumps({"error": "milestone %d: %s" % (len(times), type(e).__name__)}))
            return 1
        times.append(time.monotonic())
        if idx != 0:
            print(json.dumps({"error": "failure pattern matched: %r" % child.after}))
            return 1
    child.expect(pexpect.EOF, timeout=120)
    child.logfile_read.close()
    print(json.dumps({"times": times, "cpu_ready": cpu_ready, "cpu_end": time.process_time()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
