#!/usr/bin/env python3
"""hilt's report commands on a night's JUnit, side by side with the npm
tools CI pipelines use for the same jobs.  Run after building:

    python3 bench/report-bench.py [--build DIR] [--sessions 1000] [--shards 10]
                                  [--shard-mb 10] [--no-peers] [--small]

It writes a night of hilt JUnit: SESSIONS sessions of the linux-boot suite
(7 cases, its properties and milestone times; one in twenty failing, with
a console excerpt) split into SHARDS files, padded with console output in
<system-out> to about 10 MB a shard (100 MB in all); and a second night,
the same with other times and verdicts.  Then, each best of 3 runs, wall
time and peak RSS (GNU time):

- merge: `hilt report merge -o OUT SHARDS...` against junit-report-merger
  9.0.4 (`jrm OUT SHARDS...`);
- html: `hilt report html -o OUT MERGED` against xunit-viewer 10.6.1
  (`xunit-viewer -r MERGED -o OUT`);
- compare: `hilt report compare NIGHT1 NIGHT2` (no peer: no tool we know
  compares boot milestones; its figures stand alone).

The npm tools are installed into ${HILT_CACHE:-~/.cache/hilt}/bench-peers
on first use (--no-peers: hilt's figures alone, nothing installed).
Everything else goes to a temporary folder, removed at the end.  It exits 1
when a hilt command failed.

--small is 40 sessions in 2 shards of 1 MB, each command run once, without
the peers: a second or two, the size ctest runs (bench_report) to keep the
bench working; its figures mean little."""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(os.environ.get("HILT_CACHE", os.path.expanduser("~/.cache/hilt")),
                     "bench-peers")
CASES = ["kernel-banner", "init-started", "network-up", "httpd-started", "shell-prompt",
         "uname-r", "guest-address"]
LINE = "[    1.234567] virtio_net virtio0 enp0s2: renamed from eth0\n"


def write_night(folder, sessions, shards, seed, slow=0.0, shard_mb=10):
    """Writes SHARDS JUnit files of SESSIONS sessions, padded to about
    shard_mb MiB each, into folder; returns their paths."""
    rnd = random.Random(seed)
    os.makedirs(folder, exist_ok=True)
    paths = []
    per = (sessions + shards - 1) // shards
    pad = LINE * (int(shard_mb * 1024 * 1024) // per // len(LINE))
    for k in range(shards):
        path = os.path.join(folder, "shard%02d.xml" % k)
        paths.append(path)
        with open(path, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hilt">\n')
            for s in range(k * per, min(sessions, (k + 1) * per)):
                name = "linux-boot@board%03d" % s
                failing = rnd.random() < 0.05
                times = [0.1 + rnd.gauss(0, 0.01), 2.0 + rnd.gauss(0, 0.05),
                         3.5 + rnd.gauss(0, 0.05), 3.6 + rnd.gauss(0, 0.05),
                         3.7 + rnd.gauss(0, 0.05)]
                times = [t + (slow if i else 0) for i, t in enumerate(times)]
                f.write('  <testsuite name="%s" tests="7" failures="%d" errors="0" skipped="%d" '
                        'time="9.000" timestamp="2026-11-24T01:00:00" hostname="farm">\n'
                        '    <properties>\n' % (name, int(failing), 5 if failing else 0))
                props = [("target", "board%03d" % s), ("target.kind", "board"),
                         ("capture.kernel_version", "6.1.0-56-amd64"),
                         ("console.log", name.replace(":", "_") + ".console.log")]
                props += [("milestone.%s.time" % c, "%.3f" % t)
                          for c, t in zip(CASES, times) if not failing or c == "kernel-banner"]
                for p, v in props:
                    f.write('      <property name="%s" value="%s"/>\n' % (p, v))
                f.write('    </properties>\n')
                for i, c in enumerate(CASES):
                    f.write('    <testcase name="%s" classname="%s" time="0.500"' % (c, name))
                    if failing and i == 1:
                        f.write('>\n      <failure message="failure pattern \'kernel-panic\' '
                                'matched at 2.1 s" type="failure-pattern">Kernel panic - not '
                                'syncing</failure>\n      <system-out>%s[[ATTACHMENT|%s.console'
                                '.log]]\n</system-out>\n    </testcase>\n'
                                % (LINE * 40, name))
                    elif failing and i > 1:
                        f.write('>\n      <skipped message="not run" type="not-run"/>\n'
                                '    </testcase>\n')
                    else:
                        f.write('/>\n')
                f.write('    <system-out>%s</system-out>\n  </testsuite>\n' % pad)
            f.write('</testsuites>\n')
    return paths


def measure(argv, runs=3):
    """Best wall time and its peak RSS (KiB) of runs of argv; None when it
    fails."""
    best = None
    for _ in range(runs):
        fd, rss = tempfile.mkstemp()
        os.close(fd)
        start = time.monotonic()
        rc = subprocess.call(["/usr/bin/time", "-q", "-f", "%M", "-o", rss] + argv,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - start
        with open(rss) as f:
            kib = int(f.read().split()[-1])
        os.unlink(rss)
        if rc not in (0, 1):
            return None
        if best is None or wall < best[0]:
            best = (wall, kib)
    return best


def peers():
    bins = os.path.join(PEERS, "node_modules", ".bin")
    if not os.path.exists(os.path.join(bins, "jrm")):
        os.makedirs(PEERS, exist_ok=True)
        subprocess.check_call(["npm", "install", "--no-audit", "--no-fund", "--prefix", PEERS,
                               "junit-report-merger@9.0.4", "xunit-viewer@10.6.1"],
                              stdout=subprocess.DEVNULL)
    return os.path.join(bins, "jrm"), os.path.join(bins, "xunit-viewer")


def row(what, mine, peer):
    """Prints a command's figures beside its peer's (None: the peer failed;
    False: no peer).  False when hilt's command failed."""
    if mine is None:
        print("%-8s hilt failed" % what)
        return False
    line = "%-8s hilt %7.2f s %8.1f MB" % (what, mine[0], mine[1] / 1024)
    if peer:
        line += "   peer %7.2f s %8.1f MB   time x%.1f  RSS x%.1f" % (
            peer[0], peer[1] / 1024, peer[0] / mine[0], peer[1] / mine[1])
    elif peer is None:
        line += "   peer failed"
    print(line, flush=True)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--shards", type=int, default=10)
    ap.add_argument("--shard-mb", type=float, default=10.0,
                    help="each shard padded with console output to about this size")
    ap.add_argument("--no-peers", action="store_true", help="hilt's figures alone")
    ap.add_argument("--small", action="store_true",
                    help="40 sessions, 2 shards of 1 MB, once, no peers: for ctest")
    a = ap.parse_args()
    runs = 3
    if a.small:
        a.sessions, a.shards, a.shard_mb, a.no_peers, runs = 40, 2, 1.0, True, 1
    hilt = os.path.join(a.build, "hilt")
    if not os.access(hilt, os.X_OK):
        sys.exit("%s not built: cmake -S . -B build && cmake --build build" % hilt)
    jrm, xv = (None, None) if a.no_peers else peers()
    tmp = tempfile.mkdtemp(prefix="hilt-report-bench-")
    ok = True
    try:
        night1 = write_night(os.path.join(tmp, "n1"), a.sessions, a.shards, 1,
                             shard_mb=a.shard_mb)
        night2 = write_night(os.path.join(tmp, "n2"), a.sessions, a.shards, 2, slow=0.5,
                             shard_mb=a.shard_mb)
        size = sum(os.path.getsize(p) for p in night1)
        print("%d sessions in %d shards, %.1f MB a night" % (a.sessions, a.shards, size / 1e6))
        m1, m2 = os.path.join(tmp, "m1.xml"), os.path.join(tmp, "m2.xml")
        subprocess.check_call([hilt, "report", "merge", "-o", m1] + night1,
                              stderr=subprocess.DEVNULL)
        subprocess.check_call([hilt, "report", "merge", "-o", m2] + night2,
                              stderr=subprocess.DEVNULL)
        ok &= row("merge", measure([hilt, "report", "merge", "-o", os.path.join(tmp, "o.xml")]
                                   + night1, runs),
                  measure([jrm, os.path.join(tmp, "jrm.xml")] + night1, runs) if jrm else False)
        ok &= row("html", measure([hilt, "report", "html", "-o", os.path.join(tmp, "o.html"),
                                   m1], runs),
                  measure([xv, "-r", m1, "-o", os.path.join(tmp, "xv.html")], runs=1) if xv else False)
        ok &= row("compare", measure([hilt, "report", "compare", m1, m2], runs), False)
    finally:
        shutil.rmtree(tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
