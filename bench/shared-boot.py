#!/usr/bin/env python3
"""Shared boots on a pre-merge-sized plan: the shipped suites the default
QEMU guest runs (linux-boot, http-hello, guest-selftests) plus 20 short
userspace suites, run twice with the same hilt, one way after the other on
the same machine:

  shared      the 20 with start="shell": the scheduler runs them one after
              the other on one boot of the target's boot suite (the shipped
              linux-boot, which is in the plan: that session is the boot);
  not shared  the same 20 as power-on suites: each boots the guest itself,
              with the milestones that reach its shell (the kernel banner,
              capturing ${kernel_version}, the network line when a step
              needs ${guest_ip}, and the shell prompt) before the same steps.

Run from anywhere after building (cmake --build build):

    python3 bench/shared-boot.py [--build DIR] [--guest-dir DIR] [--jobs 2]
                                 [--repeat 1] [--suites 20] [--keep DIR] [--small]

The 20 suites are written by this script into a temporary folder (with
--keep DIR, into DIR, kept with the runs' output).  Each has 4 or 5 steps:
an arithmetic echo, then by turns files in /tmp (write, size, remove),
processes (a shell that kills itself, an exit status, the shell's own
/proc entry), /proc (hostname, CPUs, meminfo, osrelease against
${kernel_version}) or the guest's own web server (busybox wget of
127.0.0.1 and of ${guest_ip}, an HTTP/1.0 request through nc); every other
suite also checks uname -r against ${kernel_version}.

For each way it prints the makespan: hilt's wall time (start to exit),
and the span in its JUnit from the first session.began to the last
session.ended; the sessions and how many passed (a skipped case is no
failure); the boots (sessions that powered the guest on: those without a
session.boot property) and their mean duration (session.began to
session.ended); the reboots a shared boot needed (session.boot.reason
"reboot: ..."); then the ratio not shared / shared of both makespans.  A
run in which any session did not pass, or hilt exited non-zero, fails the
bench.  With --repeat N the two ways alternate (shared first in odd
rounds) and the medians are compared.  The other load on the machine
during each run (CPU time neither hilt's nor its children's, from
/proc/stat, in % of one core) is printed with it.

--small is 2 generated suites beside linux-boot alone, one round: the size
ctest runs (bench_shared-boot) to keep the bench working; its figures mean
little."""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape

import hiltbench as hb

HERE = os.path.dirname(os.path.abspath(__file__))
SUITES = os.path.normpath(os.path.join(HERE, "..", "suites"))
# The shipped suites that the default target runs.  hilt list suites/*.xml
# also plans unity-replay and ztest-replay on it (they require no tag), but
# those read the output of a recorded ESP-IDF or Zephyr run, which the
# guest never prints: on it they only fail at their deadlines.
SHIPPED = ("linux-boot", "http-hello", "guest-selftests")
PROMPT = "^/ # "


def step(name, send, expect):
    return (name, send, expect)


def userspace_steps(i):
    """The steps of generated suite i (1-based): an arithmetic echo, three
    of one kind by turns, and every other suite uname -r."""
    steps = [step("arith", "echo user-%d $((%d * 7 + 1))" % (i, i),
                  "^user-%d %d$" % (i, i * 7 + 1))]
    kind = i % 4
    if kind == 1:  # files
        data = "data-%d" % i
        steps += [
            step("file-write", "mkdir -p /tmp/u%d && echo %s > /tmp/u%d/f && cat /tmp/u%d/f"
                 % (i, data, i, i), "^%s$" % data),
            step("file-size", "echo size-$(wc -c < /tmp/u%d/f)" % i,
                 "^size-%d$" % (len(data) + 1)),
            step("file-remove", "rm -r /tmp/u%d; test -e /tmp/u%d || echo removed-%d"
                 % (i, i, i), "^removed-%d$" % i),
        ]
    elif kind == 2:  # processes
        steps += [
            step("killed", "sh -c 'kill -TERM $$; sleep 5'; echo killed-%d-$?" % i,
                 "^killed-%d-143$" % i),
            step("exit-status", "(exit %d); echo exit-$?" % (i % 7 + 1),
                 "^exit-%d$" % (i % 7 + 1)),
            step("own-pid", "test -d /proc/$$ && echo self-%d-$(cat /proc/$$/comm)" % i,
                 "^self-%d-(a?sh|busybox)$" % i),
        ]
    elif kind == 3:  # /proc
        steps += [
            step("hostname", "cat /proc/sys/kernel/hostname", "^hilt-guest$"),
            step("cpus", "echo cpus-$(grep -c ^processor /proc/cpuinfo)", "^cpus-[1-9][0-9]*$"),
            step("meminfo", "head -n 1 /proc/meminfo", r"^MemTotal: +\d+ kB$"),
            step("osrelease", "cat /proc/sys/kernel/osrelease", "^${kernel_version}$"),
        ]
    else:  # the guest's own web server
        steps += [
            step("wget-local", "wget -q -O - http://127.0.0.1/hello", "^Hello World!$"),
            step("wget-own-ip", "echo ip-$(wget -q -O - http://${guest_ip}/hello)",
                 "^ip-Hello World!$"),
            step("nc-request", r"printf 'GET /hello HTTP/1.0\r\n\r\n' | nc 127.0.0.1 80 | head -n 1",
                 r"^HTTP/1\.[01] 200"),
        ]
    if i % 2 == 0:
        steps.append(step("kernel", "uname -r", "^${kernel_version}$"))
    return steps


def suite_xml(i, shared):
    """Generated suite i, starting at a shared shell or at power-on."""
    steps = userspace_steps(i)
    name = "user-%02d" % i
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    if shared:
        out.append('<suite name="%s" start="shell" timeout="60">' % name)
        out.append('  <shell prompt="%s"/>' % escape(PROMPT))
    else:
        # The milestones that reach the shell, as suites/linux-boot.xml's,
        # and the captures the steps use.
        uses_ip = any("${guest_ip}" in s[1] + s[2] for s in steps)
        out.append('<suite name="%s" timeout="120">' % name)
        out.append('  <shell prompt="%s"/>' % escape(PROMPT))
        out.append('  <milestone name="kernel-banner" timeout="30">'
                   "Linux version (?'kernel_version'\\S+)</milestone>")
        if uses_ip:
            out.append('  <milestone name="network-up" timeout="30">^hilt-guest: network up '
                       "(?'guest_ip'\\d+\\.\\d+\\.\\d+\\.\\d+)</milestone>")
        out.append('  <milestone name="shell-prompt" timeout="60">%s</milestone>'
                   % escape(PROMPT))
    for sname, send, expect in steps:
        out.append('  <step name="%s" timeout="10"><send>%s</send><expect>%s</expect></step>'
                   % (sname, escape(send), escape(expect)))
    out.append("</suite>")
    return "\n".join(out) + "\n"


def write_suites(folder, n, shared):
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i in range(1, n + 1):
        p = os.path.join(folder, "user-%02d.xml" % i)
        with open(p, "w") as f:
            f.write(suite_xml(i, shared))
        paths.append(p)
    return paths


def plan_of(hilt, suites, jobs, env):
    """hilt list's last lines (the sessions, the shared boots)."""
    p = subprocess.run([hilt, "list"] + suites, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if p.returncode != 0:
        sys.exit("hilt list failed (exit %d):\n%s" % (p.returncode, p.stdout))
    return [l for l in p.stdout.splitlines() if not re.match(r"^\S+ \(.*\) on ", l)]


class Way:
    def __init__(self, name, suites):
        self.name = name
        self.suites = suites
        self.runs = []


def run_way(hilt, way, jobs, out, env):
    argv = [hilt, "run", "--jobs", str(jobs), "--no-progress", "--out", out] + way.suites
    with open(os.path.join(os.path.dirname(out), os.path.basename(out) + ".stdout"), "w") as log:
        m = hb.run_hilt(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    junit = os.path.join(out, "junit.xml")
    if not os.path.exists(junit):
        sys.exit("%s: hilt exited %s and wrote no JUnit" % (way.name, m.rc))
    suites = hb.read_junit(junit)
    began = [float(s["props"]["session.began"]) for s in suites if "session.began" in s["props"]]
    ended = [float(s["props"]["session.ended"]) for s in suites if "session.ended" in s["props"]]
    if len(began) != len(suites) or len(ended) != len(suites):
        sys.exit("%s: a session without session.began/session.ended in %s" % (way.name, junit))
    # A case skipped (guest-selftests' gpio: the guest has no GPIO chip)
    # is not a failure.
    passed = sum(1 for s in suites if all(v in ("pass", "skipped") for _, v in s["cases"]))
    boots = sum(1 for s in suites if "session.boot" not in s["props"])
    reboots = sum(1 for s in suites
                  if s["props"].get("session.boot.reason", "").startswith("reboot"))
    def duration(s):
        return float(s["props"]["session.ended"]) - float(s["props"]["session.began"])

    # The suites run on each shared boot, by the boot's stem: how many,
    # their mean duration and the time from the first's start to the
    # last's end.
    on_boot = {}
    for s in suites:
        if "session.boot" in s["props"]:
            on_boot.setdefault(s["props"]["session.boot"], []).append(s)
    own = [duration(s) for s in suites if "session.boot" not in s["props"]]
    r = {"wall": m.wall_s, "span": max(ended) - min(began), "sessions": len(suites),
         "passed": passed, "boots": boots, "reboots": reboots, "rc": m.rc,
         "others": m.others_cpu_s / m.wall_s, "boot_mean": statistics.mean(own),
         "on_boot": {k: (len(v), statistics.mean(duration(s) for s in v),
                         max(float(s["props"]["session.ended"]) for s in v) -
                         min(float(s["props"]["session.began"]) for s in v))
                     for k, v in on_boot.items()}}
    way.runs.append(r)
    print("%-10s %5d %10.2f s %9.2f s %6d %6d %5d %7d %7.0f %%" % (
        way.name, len(way.runs), r["wall"], r["span"], r["sessions"], r["passed"],
        r["boots"], r["reboots"], 100 * r["others"]), flush=True)
    if m.rc != 0 or passed != len(suites):
        for line in [p for p in hb.problems(suites, 100) if ": skipped: " not in p][:10]:
            print("  " + line)
        sys.exit("%s: hilt exited %s, %d of %d sessions passed (output kept in %s)" % (
            way.name, m.rc, passed, len(suites), out))
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--guest-dir", help="HILT_GUEST_DIR for the runs (default: as built)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="rounds of both ways")
    ap.add_argument("--suites", type=int, default=20, help="generated userspace suites")
    ap.add_argument("--keep", metavar="DIR", help="write the suites and the runs here, and keep them")
    ap.add_argument("--small", action="store_true",
                    help="2 generated suites beside linux-boot, one round: for ctest")
    args = ap.parse_args()
    shipped = SHIPPED
    if args.small:
        args.suites, args.repeat, shipped = 2, 1, ("linux-boot",)
    if args.jobs < 1 or args.repeat < 1 or args.suites < 1:
        sys.exit("--jobs, --repeat and --suites must be 1 or more")
    hilt, env = hb.hilt_of(args)

    tmp = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="hilt-bench-shared-")
    try:
        os.makedirs(tmp, exist_ok=True)
        base = [os.path.join(SUITES, n + ".xml") for n in shipped]
        shared = Way("shared", base + write_suites(os.path.join(tmp, "shared"), args.suites, True))
        own = Way("not shared", base + write_suites(os.path.join(tmp, "own"), args.suites, False))
        nsteps = sum(len(userspace_steps(i)) for i in range(1, args.suites + 1))
        print("%d shipped suites (%s) + %d generated userspace suites (%d steps) on the default "
              "QEMU guest, --jobs %d, %d cores" % (len(shipped), ", ".join(shipped), args.suites,
                                                    nsteps, args.jobs, os.cpu_count()))
        for way in (shared, own):
            print("plan, %s: %s" % (way.name, "; ".join(plan_of(hilt, way.suites, args.jobs, env))))
        print("%-10s %5s %12s %11s %6s %6s %5s %7s %9s" % (
            "way", "round", "makespan", "JUnit span", "suites", "passed", "boots", "reboots",
            "other load"))
        for rnd in range(args.repeat):
            order = (shared, own) if rnd % 2 == 0 else (own, shared)
            for way in order:
                out = os.path.join(tmp, "%s-%d" % ("shared" if way is shared else "own", rnd + 1))
                run_way(hilt, way, args.jobs, out, env)

        def med(way, key):
            return statistics.median(r[key] for r in way.runs)

        what = "median of %d rounds" % args.repeat if args.repeat > 1 else "one round"
        for way in (shared, own):
            print("%-10s makespan %.2f s (hilt start to exit), JUnit span %.2f s, boots %d, "
                  "%.2f s each (%s)" % (way.name, med(way, "wall"), med(way, "span"),
                                        way.runs[-1]["boots"], med(way, "boot_mean"), what))
        last = shared.runs[-1]
        for stem, (n, mean, span) in sorted(last["on_boot"].items()):
            print("shared: %d suites ran on boot %s, %.2f s each (the shell check included), "
                  "%.2f s from the first's start to the last's end" % (n, stem, mean, span))
        print("ratio not shared / shared: makespan %.2f, JUnit span %.2f" % (
            med(own, "wall") / med(shared, "wall"), med(own, "span") / med(shared, "span")))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
