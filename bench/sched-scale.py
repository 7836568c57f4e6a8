#!/usr/bin/env python3
"""The scheduler at scale: 256 sessions at once in one hilt process
(--jobs 256), each replaying the recorded boot fixtures/logs/linux-boot-x86.log
at its recorded pace (--target replay:LOG --realtime) against
suites/linux-boot.xml.  Run from anywhere after building:

    python3 bench/sched-scale.py [--build DIR] [--sessions N[,N...]] [--no-peer]
                                 [--speed X] [--small]

For each N, prints hilt's CPU time for the whole run (and as a share of one
core over the wall time, and split at the end of the recording), its peak
RSS, and the milestone detection latency, p50 and p99: from the recorded
arrival of the chunk that decides the match (the timing file's delays
summed up to it) to the match, as the JUnit reports it
(session.start_time + milestone.NAME.time: the replay's clock starts with
the session, milestone times with power-on).  The match offsets come from
applying the suite's milestone patterns to the log in order here, each from
where the previous one ended, as a session does.  Every session must pass.

Then, unless --no-peer, the same input side by side: one feeder process
writes the log into N FIFOs at its recorded pace, read once by hilt (N
replay:FIFO targets, so hilt keeps no timers of its own) and once by N
python3-pexpect processes (bench/scale-peer.py); prints the CPU of each
reader and the ratio.  Everything goes to a temporary folder, removed at
the end.

--speed X plays the recording X times faster (its delays divided by X, in
a copy of its timing file).  --small is 4 sessions at --speed 5, a few
seconds in all: the size ctest runs (bench_sched-scale) to keep the bench
working; its figures mean little."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import hiltbench as hb

HERE = os.path.dirname(os.path.abspath(__file__))
LOG = os.path.normpath(os.path.join(HERE, "..", "fixtures", "logs", "linux-boot-x86.log"))
SUITE = os.path.normpath(os.path.join(HERE, "..", "suites", "linux-boot.xml"))


class Recording:
    """The log, its chunks, and where and when each milestone is decided."""

    def __init__(self, log, suite, speed=1.0, tmp=None):
        self.log = log
        self.timing = log[:-len(".log")] + ".timing"
        with open(log, "rb") as f:
            self.data = f.read()
        if speed != 1.0:
            # A copy of the log beside a timing file whose delays are
            # divided by speed, as replay:LOG --realtime reads it.
            self.log = os.path.join(tmp, os.path.basename(log))
            with open(self.log, "wb") as f:
                f.write(self.data)
            timing = self.log[:-len(".log")] + ".timing"
            with open(self.timing) as f, open(timing, "w") as out:
                for line in f:
                    delay, size = line.split()
                    out.write("%.6f %s\n" % (float(delay) / speed, size))
            self.timing = timing
        self.chunks = hb.load_timing(self.timing)
        self.length_s = self.chunks[-1][0]
        # (name, bytes that decide it, the chunk holding the last of them,
        # its arrival in seconds)
        self.milestones = []
        for name, _, _, decided in hb.milestone_offsets(self.data, hb.suite_milestones(suite)):
            self.milestones.append((name, decided, hb.chunk_of(self.chunks, decided),
                                    hb.arrival_of(self.chunks, decided)))


def written(fed, fifo, chunk):
    """Seconds after the feed's t0 when the feeder's write of chunk into
    FIFO number fifo ended."""
    for first, end, done in fed["rounds_done"]:
        if first <= chunk < end:
            return done[fifo] / 1e3
    raise ValueError("chunk %d was never written" % chunk)


def latency_line(what, lat_ms):
    return "%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d matches)" % (
        what, hb.percentile(lat_ms, 50), hb.percentile(lat_ms, 99), max(lat_ms), len(lat_ms))


def by_milestone_line(names, lat_ms):
    """p50/p99 of each milestone, lat_ms holding them in turn, session after
    session."""
    k = len(names)
    return "by milestone (p50/p99 ms): " + ", ".join(
        "%s %.1f/%.1f" % (name, hb.percentile(lat_ms[i::k], 50), hb.percentile(lat_ms[i::k], 99))
        for i, name in enumerate(names))


def realtime_run(hilt, rec, n, tmp):
    out = os.path.join(tmp, "rt-%d" % n)
    argv = [hilt, "run", "--realtime", "--jobs", str(n), "--no-progress",
            "--target", "replay:" + rec.log, "--out", out] + [SUITE] * n
    m = hb.run_hilt(argv)
    suites = hb.read_junit(os.path.join(out, "junit.xml"))
    print("%d sessions at once (--jobs %d), each replaying %s (%.2f s, %d chunks) at its "
          "recorded pace" % (n, n, os.path.basename(rec.log), rec.length_s, len(rec.chunks)))
    ok = m.rc == 0 and len(suites) == n and hb.all_passed(suites)
    print("  exit status %s, %d of %d sessions passed, wall %.2f s" % (
        m.rc, sum(all(v == "pass" for _, v in s["cases"]) for s in suites), n, m.wall_s))
    for line in hb.problems(suites, 5):
        print("  " + line)
    during = hb.cpu_at(m.samples, rec.length_s + 0.1)
    print("  hilt CPU %.2f s: %.1f %% of one core over the wall time; %.2f s (%.1f %%) in "
          "the recording's first %.2f s, %.2f s after" % (
              m.cpu_s, 100 * m.cpu_s / m.wall_s, during,
              100 * during / (rec.length_s + 0.1), rec.length_s + 0.1, m.cpu_s - during))
    print("  peak RSS %.1f MB (wait4; hilt's own VmHWM sampled: %.1f MB)" % (
        m.maxrss_kib / 1024, m.hwm_kib / 1024))
    print("  other load on the machine meanwhile: %.1f CPU-s (%.0f %% of one core)" % (
        m.others_cpu_s, 100 * m.others_cpu_s / m.wall_s))
    lat, by_name = [], {}
    for s in suites:
        p = s["props"]
        start = float(p["session.start_time"])
        for name, _, _, arrived in rec.milestones:
            t = p.get("milestone.%s.time" % name)
            if t is None:
                continue
            ms = (start + float(t) - arrived) * 1e3
            lat.append(ms)
            by_name.setdefault(name, []).append(ms)
    if lat:
        print("  " + latency_line("detection latency", lat))
        print("  by milestone (p50/p99 ms): " + ", ".join(
            "%s %.1f/%.1f" % (k, hb.percentile(v, 50), hb.percentile(v, 99))
            for k, v in by_name.items()))
    shutil.rmtree(out, ignore_errors=True)
    return ok


def start_feeder(rec, fifos):
    return subprocess.Popen([sys.executable, os.path.join(HERE, "fifo-feeder.py"),
                             rec.log, rec.timing] + fifos,
                            stdout=subprocess.PIPE, text=True)


def feeder_result(feeder):
    out, _ = feeder.communicate()
    if feeder.returncode != 0:
        sys.exit("the feeder failed")
    return json.loads(out)


def make_fifos(tmp, n, tag):
    d = os.path.join(tmp, "fifos-%s-%d" % (tag, n))
    shutil.rmtree(d, ignore_errors=True)
    os.mkdir(d)
    fifos = []
    for i in range(n):
        p = os.path.join(d, "console-%03d" % i)
        os.mkfifo(p)
        fifos.append(p)
    return fifos


def peer_runs(hilt, rec, n, tmp, pexpect_too=True):
    """The side-by-side runs; False when hilt or a pexpect peer failed."""
    print("side by side: one feeder process writes the log into %d FIFOs at its recorded "
          "pace" % n)
    window = rec.length_s + 0.1  # the feed, from its first chunk's delay to its last

    # hilt: one session per FIFO target, read as fast as they come.
    fifos = make_fifos(tmp, n, "hilt")
    feeder = start_feeder(rec, fifos)
    out = os.path.join(tmp, "fifo-out")
    argv = [hilt, "run", "--jobs", str(n), "--no-progress", "--out", out]
    for f in fifos:
        argv += ["--target", "replay:" + f]
    m = hb.run_hilt(argv + [SUITE])
    fed = feeder_result(feeder)
    suites = hb.read_junit(os.path.join(out, "junit.xml"))
    if m.rc != 0 or len(suites) != n or not hb.all_passed(suites):
        print("  hilt on the FIFOs FAILED: exit %s, %d sessions" % (m.rc, len(suites)))
        for line in hb.problems(suites, 5):
            print("  " + line)
        shutil.rmtree(out, ignore_errors=True)
        return False
    # When hilt read each milestone's deciding chunk, from when the feeder
    # had written it into that session's FIFO.  The session's reads (its
    # .console.timing) count from when it began, a wall-clock time with ms
    # in its JUnit (session.began); the feeder's t0_real is wall clock too.
    hilt_lat = []
    for s in suites:
        if "session.began" not in s["props"]:
            break
        fifo = int(s["props"]["target"].rsplit("-", 1)[1])
        began = float(s["props"]["session.began"])
        reads = hb.session_reads(s)
        for _, decided, chunk, _ in rec.milestones:
            for at, total in reads:
                if total >= decided:
                    hilt_lat.append((began + at - fed["t0_real"] - written(fed, fifo, chunk)) * 1e3)
                    break
    shutil.rmtree(out, ignore_errors=True)
    t_feed = fed["t0"] - m.started_mono
    before = hb.cpu_at(m.samples, t_feed)
    feeding = hb.cpu_at(m.samples, t_feed + window) - before
    print("  hilt, 1 process:      CPU %.2f s in all; %.2f s during the feed (%.1f %% of one "
          "core), %.2f s before it, %.2f s after it; peak RSS %.1f MB; feeder late p99 %.1f ms" % (
              m.cpu_s, feeding, 100 * feeding / window, before, m.cpu_s - before - feeding,
              m.maxrss_kib / 1024, fed["late_p99_ms"]))
    print("  (other load meanwhile, the feeder's %.1f CPU-s included: %.1f CPU-s)" % (
        fed["cpu_s"], m.others_cpu_s))
    if hilt_lat:
        print("  hilt " + latency_line("detection latency (write into the FIFO to hilt's "
                                       "read of it, +-1 ms)", hilt_lat))
        print("    " + by_milestone_line([m[0] for m in rec.milestones], hilt_lat))

    if not pexpect_too:
        return True
    # pexpect: one process per FIFO.
    fifos = make_fifos(tmp, n, "pexpect")
    busy0 = hb.machine_busy_s()
    feeder = start_feeder(rec, fifos)
    peers = []
    for i, f in enumerate(fifos):
        raw = os.path.join(tmp, "pexpect-%03d.log" % i)
        peers.append(subprocess.Popen([sys.executable, os.path.join(HERE, "scale-peer.py"),
                                       SUITE, f, raw], stdout=subprocess.PIPE, text=True))
    total, ready_to_end, rss, times, failed = 0.0, 0.0, [], [], 0
    for p in peers:
        out = p.stdout.read()
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        total += ru.ru_utime + ru.ru_stime
        rss.append(ru.ru_maxrss)
        res = json.loads(out) if out.strip() else {"error": "no output"}
        if p.returncode != 0 or "error" in res:
            failed += 1
            continue
        ready_to_end += res["cpu_end"] - res["cpu_ready"]
        times.append((len(rss) - 1, res["times"]))
    fed = feeder_result(feeder)
    others = hb.machine_busy_s() - busy0 - total - fed["cpu_s"]
    lat = [(t[k] - fed["t0"] - written(fed, i, rec.milestones[k][2])) * 1e3
           for i, t in times for k in range(len(rec.milestones))]
    print("  pexpect, %d processes: CPU %.2f s in all; %.2f s from ready to the end (%.1f %% "
          "of one core over the feed), %.2f s starting Python and pexpect; peak RSS %.1f MB a "
          "process, %.0f MB summed; %d failed; feeder late p99 %.1f ms" % (
              n, total, ready_to_end, 100 * ready_to_end / window, total - ready_to_end,
              max(rss) / 1024, sum(rss) / 1024, failed, fed["late_p99_ms"]))
    print("  (other load meanwhile, neither pexpect nor the feeder's %.1f CPU-s: %.1f CPU-s)" % (
        fed["cpu_s"], max(0.0, others)))
    if lat:
        print("  pexpect " + latency_line("detection latency (write into the FIFO to the "
                                          "match)", lat))
        print("    " + by_milestone_line([m[0] for m in rec.milestones], lat))
    print("  CPU ratio pexpect / hilt: %.1f during the feed (ready to end / feed), %.1f in all" % (
        ready_to_end / max(feeding, 0.01), total / max(m.cpu_s, 0.01)))
    return failed == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--sessions", default="256",
                    help="sessions at once; a comma-separated list runs each in turn")
    ap.add_argument("--no-peer", action="store_true", help="hilt --realtime only")
    ap.add_argument("--no-realtime", action="store_true",
                    help="the side-by-side runs only")
    ap.add_argument("--no-pexpect", action="store_true",
                    help="of the side-by-side runs, hilt's only")
    ap.add_argument("--speed", type=float, default=1.0,
                    help="the recording played this many times faster")
    ap.add_argument("--small", action="store_true",
                    help="4 sessions at --speed 5: seconds, for ctest")
    args = ap.parse_args()
    if args.small:
        args.sessions, args.speed = "4", 5.0
    if args.speed <= 0:
        sys.exit("--speed must be above 0")
    hilt = os.path.join(args.build, "hilt")
    if not os.access(hilt, os.X_OK):
        sys.exit("%s not built: cmake -S . -B build && cmake --build build" % hilt)
    tmp = tempfile.mkdtemp(prefix="hilt-bench-scale-")
    ok = True
    try:
        rec = Recording(LOG, SUITE, args.speed, tmp)
        if args.speed != 1.0:
            print("the recording played %g times faster" % args.speed)
        for n in [int(x) for x in args.sessions.split(",")]:
            if not args.no_realtime:
                ok &= realtime_run(hilt, rec, n, tmp)
            if not args.no_peer:
                ok &= peer_runs(hilt, rec, n, tmp, not args.no_pexpect)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
