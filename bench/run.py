#!/usr/bin/env python3
"""hilt's console-matching benchmark, side by side with python3-pexpect on
the same input.  Run from anywhere after building (cmake --build build):

    python3 bench/run.py [--build DIR] [--quick | --small]

Prints, for a 10 MB and a 100 MB kernel-style log with 51 active patterns:
hilt end to end (hilt run --target replay:LOG, raw log written to disk;
best of 3 runs),
hilt's matcher alone (in memory), pexpect as it comes (no search window)
and pexpect with a search window; the ratios; hilt's peak RSS while 1 GB
streams through one session; and milestone detection latency through a
FIFO.  Everything it writes goes to a temporary folder, removed at the
end.

--small runs every part once at a small size (a 1 MB log, pexpect stopped
after 3 s, 20 MB streamed, 30 milestones for the latency), in seconds: the
size ctest runs (bench_run) to keep the bench working; its figures mean
little."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "suite.xml")
PEXPECT_CAP = 20.0  # seconds pexpect (no window) may run on one log


def run_measured(argv, **kw):
    """Runs argv; returns (exit status, wall seconds, peak RSS in KiB).
    The RSS comes from GNU time: a child's own rusage would also count the
    Python process it was forked from."""
    fd, rss_file = tempfile.mkstemp()
    os.close(fd)
    start = time.monotonic()
    rc = subprocess.call(["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file] + argv,
                         stdout=subprocess.DEVNULL, **kw)
    elapsed = time.monotonic() - start
    with open(rss_file) as f:
        rss = int(f.read().split()[-1])
    os.unlink(rss_file)
    return rc, elapsed, rss


RUNS = 3  # hilt's figures are the best of this many runs


def hilt_e2e(hilt, log, out):
    """hilt end to end on log: best MB/s of RUNS runs, and the peak RSS."""
    best, peak = 0.0, 0
    for _ in range(RUNS):
        rc, s, rss = run_measured([hilt, "run", "--target", "replay:" + log,
                                   "--out", out, SUITE])
        if rc != 0:
            sys.exit("hilt run failed on %s (exit %d)" % (log, rc))
        best = max(best, os.path.getsize(log) / 1e6 / s)
        peak = max(peak, rss)
    return best, peak


def matcher_alone(mbench, log):
    best = 0.0
    for _ in range(RUNS):
        out = subprocess.run([mbench, SUITE, log], capture_output=True, text=True, check=True)
        best = max(best, float(out.stdout.split()[-2]))
    return best


def pexpect_peer(log, window, cap):
    argv = [sys.executable, os.path.join(HERE, "pexpect-peer.py"), SUITE, log,
            "--max-seconds", str(cap)]
    if window:
        argv += ["--window", str(window)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    return float(out[2]), out[3] == "finished", int(out[0])


def stream_rss(hilt, body, tmp, gigabytes=1.0):
    """Peak RSS of one session while about 1 GB streams through a FIFO."""
    fifo = os.path.join(tmp, "stream.fifo")
    os.mkfifo(fifo)
    copies = max(1, int(gigabytes * 1e9 / os.path.getsize(body)))
    tail = subprocess.run([sys.executable, os.path.join(HERE, "gen-log.py"), "--tail"],
                          capture_output=True, check=True).stdout

    def feed():
        with open(fifo, "wb") as f:
            with open(body, "rb") as b:
                data = b.read()
            for _ in range(copies):
                f.write(data)
            f.write(tail)

    t = threading.Thread(target=feed)
    t.start()
    rc, s, rss = run_measured([hilt, "run", "--target", "replay:" + fifo,
                               "--out", os.path.join(tmp, "stream-out"), SUITE])
    t.join()
    shutil.rmtree(os.path.join(tmp, "stream-out"), ignore_errors=True)
    if rc != 0:
        sys.exit("hilt failed on the 1 GB stream (exit %d)" % rc)
    return copies * os.path.getsize(body) / 1e9, s, rss


LATENCY_SUITE = """<suite name="latency" timeout="120">
  <failure-patterns defaults="none"/>
%s</suite>
"""


def latency(hilt, tmp, ticks=300, gap=0.005):
    """Writes 'tick N' lines into a FIFO that hilt replays, and times when
    hilt prints the PASS line of each: write to verdict on stdout."""
    suite = os.path.join(tmp, "latency.xml")
    with open(suite, "w") as f:
        f.write(LATENCY_SUITE % "".join(
            '  <milestone name="tick-%d" timeout="60">^tick %d$</milestone>\n' % (i, i)
            for i in range(ticks)))
    fifo = os.path.join(tmp, "latency.fifo")
    os.mkfifo(fifo)
    p = subprocess.Popen([hilt, "run", "--target", "replay:" + fifo, "--out",
                          os.path.join(tmp, "latency-out"), suite],
                         stdout=subprocess.PIPE, text=True, bufsize=1)
    sent = {}
    seen = {}

    def reader():
        for line in p.stdout:
            now = time.monotonic()
            if line.startswith("PASS"):
                seen[int(line.split()[2].split("-")[1])] = now

    t = threading.Thread(target=reader)
    t.start()
    with open(fifo, "wb", buffering=0) as f:
        for i in range(ticks):
            sent[i] = time.monotonic()
            f.write(b"tick %d\n" % i)
            time.sleep(gap)
    t.join()
    p.wait()
    lat = sorted((seen[i] - sent[i]) * 1e3 for i in range(ticks) if i in seen)
    if len(lat) != ticks:
        sys.exit("latency: %d of %d ticks seen" % (len(lat), ticks))
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1], lat[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--quick", action="store_true", help="10 MB only, no 1 GB stream")
    ap.add_argument("--small", action="store_true",
                    help="each part once at a small size: seconds, for ctest")
    args = ap.parse_args()
    global RUNS
    if args.small:
        RUNS = 1
        sizes, cap, stream_gb, ticks = [1], 3.0, 0.02, 30
    elif args.quick:
        sizes, cap, stream_gb, ticks = [10], PEXPECT_CAP, 0, 300
    else:
        sizes, cap, stream_gb, ticks = [10, 100], PEXPECT_CAP, 1.0, 300
    hilt = os.path.join(args.build, "hilt")
    mbench = os.path.join(args.build, "bench", "matcher-bench")
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("GNU time is needed for the RSS figures: apt-get install time")
    for exe in (hilt, mbench):
        if not os.access(exe, os.X_OK):
            sys.exit("%s not built: cmake -S . -B build && cmake --build build" % exe)

    tmp = tempfile.mkdtemp(prefix="hilt-bench-")
    try:
        print("51 active patterns (bench/suite.xml): 3 milestones in turn, 7 default + 43 failure patterns")
        print("%-8s %14s %14s %16s %18s %10s %10s" % (
            "log", "hilt e2e MB/s", "matcher MB/s", "pexpect MB/s", "pexpect+win MB/s",
            "ratio", "ratio+win"))
        for mb in sizes:
            log = os.path.join(tmp, "%dMB.log" % mb)
            subprocess.run([sys.executable, os.path.join(HERE, "gen-log.py"), str(mb), log], check=True)
            e2e, rss = hilt_e2e(hilt, log, os.path.join(tmp, "out"))
            alone = matcher_alone(mbench, log)
            px, px_done, px_bytes = pexpect_peer(log, None, cap)
            pw, pw_done, _ = pexpect_peer(log, 16384, 120)
            note = "" if px_done else " (stopped after %.0f s at %.1f MB: an upper bound)" % (
                cap, px_bytes / 1e6)
            print("%-8s %14.0f %14.0f %16.2f %18.2f %9.0fx %9.0fx%s" % (
                "%d MB" % mb, e2e, alone, px, pw, e2e / px, e2e / pw, note))
            print("         hilt peak RSS %.1f MB" % (rss / 1024))
            if mb == sizes[0]:
                body = os.path.join(tmp, "body.log")
                subprocess.run([sys.executable, os.path.join(HERE, "gen-log.py"),
                                str(mb), body, "--body-only"], check=True)
            os.unlink(log)
            shutil.rmtree(os.path.join(tmp, "out"), ignore_errors=True)
        if stream_gb:
            gb, s, rss = stream_rss(hilt, body, tmp, stream_gb)
            print("%g GB stream: %.2f GB through one session in %.1f s, hilt peak RSS %.1f MB" % (
                stream_gb, gb, s, rss / 1024))
        p50, p99, worst = latency(hilt, tmp, ticks)
        print("detection latency (FIFO write to PASS line), %d milestones: "
              "p50 %.3f ms, p99 %.3f ms, max %.3f ms" % (ticks, p50, p99, worst))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
