#!/usr/bin/env python3
"""The scheduler's makespan: 16 boot sessions of the default QEMU guest
(suites/linux-boot.xml on the built-in target) with --jobs 2, in one hilt
process.  Run from anywhere after building (cmake --build build):

    python3 bench/sched-jobs.py [--build DIR] [--sessions N] [--jobs J]
                                [--guest-dir DIR] [--small]

Prints the makespan (hilt's wall time, start to exit) over the ideal one,
the sum of the session durations divided by the jobs.  A session's
duration is read from the JUnit: from session.began (before QEMU starts)
to session.ended (after QEMU's teardown), wall-clock times with ms.  Also
prints where the rest of the makespan goes (start-up, hand-overs between
sessions, slots idle at the end) and hilt's own CPU time (not QEMU's) per
session.  Everything goes to a temporary folder, removed at the end.

--small is 2 sessions at --jobs 2, one boot's time: the size ctest runs
(bench_sched-jobs) to keep the bench working; its figures mean little."""
import argparse
import os
import shutil
import sys
import tempfile

import hiltbench as hb

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "..", "suites", "linux-boot.xml")


def slots(sessions, jobs):
    """Puts sessions ((start, end) from their files) back on the job slots
    they ran in: each goes to the slot that freed last before it started.
    Returns the slots, each a list of (start, end) in order."""
    lanes = [[] for _ in range(jobs)]
    for start, end in sorted(sessions):
        free = [l for l in lanes if not l or l[-1][1] <= start + 0.01]
        lane = max(free, key=lambda l: l[-1][1] if l else -1) if free else \
            min(lanes, key=lambda l: l[-1][1])
        lane.append((start, end))
    return lanes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--sessions", type=int, default=16)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--guest-dir", help="HILT_GUEST_DIR for the run (default: as built)")
    ap.add_argument("--small", action="store_true",
                    help="2 sessions at --jobs 2: one boot's time, for ctest")
    args = ap.parse_args()
    if args.small:
        args.sessions, args.jobs = 2, 2
    if args.sessions < 1 or args.jobs < 1:
        sys.exit("--sessions and --jobs must be 1 or more")
    hilt, env = hb.hilt_of(args)

    tmp = tempfile.mkdtemp(prefix="hilt-bench-jobs-")
    try:
        out = os.path.join(tmp, "out")
        # The same suite file N times is N sessions (hilt list shows the
        # plan); their output names get -2, -3, ...
        argv = [hilt, "run", "--jobs", str(args.jobs), "--no-progress", "--out", out]
        argv += [SUITE] * args.sessions
        m = hb.run_hilt(argv, env=env)
        suites = hb.read_junit(os.path.join(out, "junit.xml"))
        if m.rc != 0 or len(suites) != args.sessions or not hb.all_passed(suites):
            for line in hb.problems(suites):
                print(line)
            sys.exit("hilt run failed: exit %s, %d sessions in the JUnit" % (m.rc, len(suites)))

        # A session's duration: from session.began (before QEMU starts) to
        # session.ended (QEMU is gone), wall clock with ms, in the JUnit.
        # session.start_time + the testsuite's time is the same span up to
        # the verdict, without the teardown.
        spans, to_verdict = [], []
        for s in suites:
            p = s["props"]
            if "session.began" not in p or "session.ended" not in p:
                sys.exit("this hilt's JUnit has no session.began/session.ended")
            spans.append((float(p["session.began"]), float(p["session.ended"])))
            to_verdict.append(float(p["session.start_time"]) + s["time"])
        durations = [e - b for b, e in spans]
        ideal = sum(durations) / args.jobs
        print("%d x linux-boot on the default QEMU guest, --jobs %d, %d cores" % (
            args.sessions, args.jobs, os.cpu_count()))
        print("makespan (hilt start to exit)        %8.2f s" % m.wall_s)
        print("session durations (JUnit session.began to session.ended): mean %.2f s, "
              "min %.2f, max %.2f" % (sum(durations) / len(durations), min(durations),
                                      max(durations)))
        print("sum of durations / %d                %8.2f s" % (args.jobs, ideal))
        print("ratio makespan / (sum / %d)          %8.3f" % (args.jobs, m.wall_s / ideal))
        print("  of each session, QEMU's teardown after the verdict: mean %.3f s "
              "(began..ended minus start_time + time)" % (
                  (sum(durations) - sum(to_verdict)) / len(durations)))

        # Where the makespan goes beyond the sessions: each slot's idle time
        # (slot-seconds, divided by the jobs: seconds of makespan).
        lanes = [l for l in slots(spans, args.jobs) if l]
        last = max(e for _, e in spans)
        startup = sum(l[0][0] - m.started_at for l in lanes)
        gaps = sum(l[i + 1][0] - l[i][1] for l in lanes for i in range(len(l) - 1))
        imbalance = sum(last - l[-1][1] for l in lanes)
        exit_ = len(lanes) * (m.ended_at - last)
        j = float(args.jobs)
        print("makespan - sum/%d = %.2f s: before a slot's first session %.3f, hand-overs "
              "%.3f (%.1f ms each), slots idle at the end %.3f, after the last session %.3f" % (
                  args.jobs, m.wall_s - ideal, startup / j, gaps / j,
                  1000 * gaps / max(1, args.sessions - len(lanes)), imbalance / j, exit_ / j))
        print("hilt's own CPU: %.2f s in all, %.3f s a session (%.2f %% of one core over "
              "the makespan); QEMU and the guard: %.1f s" % (
                  m.cpu_s, m.cpu_s / args.sessions, 100 * m.cpu_s / m.wall_s,
                  m.children_cpu_s))
        print("other load on the machine during the run: %.1f CPU-s (%.0f %% of one core)" % (
            m.others_cpu_s, 100 * m.others_cpu_s / m.wall_s))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
