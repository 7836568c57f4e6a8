"""What the scheduler benchmarks (sched-jobs.py, sched-scale.py) share:
measuring the hilt process alone, reading its JUnit, and working out where
a suite's milestones sit in a recorded log and when they arrived."""
import math
import os
import sys
import re
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """(own CPU seconds, CPU seconds of its reaped children) of pid, from
    /proc/PID/stat: utime+stime and cutime+cstime, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    # The command name is in parentheses and may hold spaces.
    rest = stat[stat.rindex(")") + 2:].split()
    own = (int(rest[11]) + int(rest[12])) / CLK_TCK
    children = (int(rest[13]) + int(rest[14])) / CLK_TCK
    return own, children


def proc_hwm_kib(pid):
    """The resident set's high-water mark (VmHWM) of a live pid, in KiB."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_busy_s():
    """CPU seconds the whole machine has been busy (every core), from
    /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is in user)
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK


class Measured:
    """The figures of one measured run of hilt."""
    rc = None
    wall_s = 0.0
    started_at = ended_at = 0.0  # time.time() around the run, for file times
    started_mono = 0.0            # time.monotonic() at the start
    cpu_s = 0.0           # hilt's own user+sys, its children not counted
    children_cpu_s = 0.0  # what hilt's reaped children (QEMU, the guard) used
    maxrss_kib = 0        # wait4's ru_maxrss: hilt or a reaped child, the larger
    hwm_kib = 0           # hilt's own VmHWM, last sample before it exited
    samples = ()          # (seconds since start, hilt's own CPU seconds)
    others_cpu_s = 0.0    # the machine's busy time that was neither hilt's
                          # nor its reaped children's: other load


def hilt_of(args):
    """The hilt of args.build (exits when it is not built) and the
    environment to run it in (HILT_GUEST_DIR from args.guest_dir)."""
    hilt = os.path.join(args.build, "hilt")
    if not os.access(hilt, os.X_OK):
        sys.exit("%s not built: cmake -S . -B build && cmake --build build" % hilt)
    env = dict(os.environ)
    if args.guest_dir:
        env["HILT_GUEST_DIR"] = args.guest_dir
    return hilt, env


def run_hilt(argv, env=None, sample_every=0.1, stdout=subprocess.DEVNULL,
             stderr=subprocess.DEVNULL, cwd=None):
    """Runs hilt and measures the hilt process only.

    QEMU and the guard are hilt's children and hilt reaps them, so the
    rusage that wait4() returns for hilt, and GNU time's figures, include
    their CPU.  hilt's own CPU is read from /proc/PID/stat (utime+stime)
    once hilt has exited but before it is reaped: waitid(WNOWAIT) leaves
    it a zombie whose stat still holds its final counts, and its children's
    (cutime+cstime) apart."""
    m = Measured()
    samples = []
    busy0 = machine_busy_s()
    m.started_at = time.time()
    start = m.started_mono = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr, cwd=cwd)
    done = threading.Event()

    def sampler():
        while not done.wait(sample_every):
            try:
                own, _ = proc_cpu(p.pid)
            except (OSError, ValueError):
                return
            samples.append((time.monotonic() - start, own))
            hwm = proc_hwm_kib(p.pid)
            if hwm:
                m.hwm_kib = max(m.hwm_kib, hwm)

    t = threading.Thread(target=sampler, daemon=True)
    t.start()
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    m.wall_s = time.monotonic() - start
    m.ended_at = time.time()
    done.set()
    t.join()
    m.cpu_s, m.children_cpu_s = proc_cpu(p.pid)
    m.others_cpu_s = max(0.0, machine_busy_s() - busy0 - m.cpu_s - m.children_cpu_s)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    m.rc = p.returncode
    m.maxrss_kib = ru.ru_maxrss
    samples.append((m.wall_s, m.cpu_s))
    m.samples = samples
    return m


def cpu_at(samples, t):
    """hilt's own CPU seconds at t seconds into the run (the last sample
    at or before it)."""
    best = 0.0
    for at, cpu in samples:
        if at <= t:
            best = cpu
    return best


# ---- JUnit ----

def read_junit(path):
    """One dict per <testsuite>: name, time, properties, the verdict of
    each case (pass, failure, error, skipped), and the JUnit's folder
    (dir), which the file names in its properties are relative to."""
    out = []
    folder = os.path.dirname(os.path.abspath(path))
    for ts in ET.parse(path).getroot().iter("testsuite"):
        problems = []
        props = {p.get("name"): p.get("value") for p in ts.iter("property")}
        cases = []
        for tc in ts.findall("testcase"):
            verdict, message = "pass", ""
            for v in ("failure", "error", "skipped"):
                if tc.find(v) is not None:
                    verdict, message = v, tc.find(v).get("message", "")
            cases.append((tc.get("name"), verdict))
            if verdict != "pass":
                problems.append("%s %s: %s: %s" % (ts.get("name"), tc.get("name"), verdict,
                                                   message))
        out.append({"name": ts.get("name"), "time": float(ts.get("time")),
                    "props": props, "cases": cases, "problems": problems,
                    "dir": folder})
    return out


def all_passed(suites):
    return all(v == "pass" for s in suites for _, v in s["cases"])


def problems(suites, limit=10):
    """The first cases that did not pass, one line each."""
    return [p for s in suites for p in s["problems"]][:limit]


# ---- a recorded log, its timing and a suite's milestones ----

def load_timing(path):
    """The chunks of a timing file (one 'delay bytes' line each) as a list
    of (arrival in seconds since the start, offset of the chunk's end)."""
    chunks = []
    t, off = 0.0, 0
    with open(path) as f:
        for line in f:
            delay, size = line.split()
            t += float(delay)
            off += int(size)
            chunks.append((t, off))
    return chunks


def chunk_of(chunks, nbytes):
    """The index of the chunk holding byte nbytes-1."""
    for i, (_, end) in enumerate(chunks):
        if end >= nbytes:
            return i
    raise ValueError("the timing file covers fewer than %d bytes" % nbytes)


def arrival_of(chunks, nbytes):
    """When the first nbytes bytes had all arrived: the arrival of the
    chunk holding byte nbytes-1."""
    for at, end in chunks:
        if end >= nbytes:
            return at
    raise ValueError("the timing file covers fewer than %d bytes" % nbytes)


def _layout(text):
    # As hilt reads a pattern: white space running up to a line break is
    # layout; a trailing space on the pattern's own line is kept.
    if "\n" not in text:
        return text
    return re.sub(r"[ \t]*\n[ \t]*", "", text).strip()


def python_pattern(pcre):
    """A suite's PCRE2 pattern as Python re source, for the simple patterns
    of the shipped suites: named groups (?'name'...) and ^ at every line
    start, whether lines end with \\n, \\r\\n or \\r."""
    src = re.sub(r"\(\?'(\w+)'", r"(?P<\1>", pcre)
    return re.sub(r"(?<!\\)\^", r"(?:^|(?<=\\r))", src)


def decided_late(pcre):
    """True when a match of pcre ending at some byte is decided only by the
    byte after it: a greedy quantifier or $ at the pattern's end (hilt's
    partial matching waits for that byte, whatever the chunking)."""
    tail = pcre.rstrip(")")
    return tail.endswith(("+", "*", "?", "}", "$", "\\b"))


def suite_milestones(path):
    """[(name, PCRE2 source)] of a suite's milestones, in order."""
    root = ET.parse(path).getroot()
    return [(m.get("name"), _layout(m.text or "")) for m in root.findall("milestone")]


def milestone_offsets(log, milestones):
    """Applies the milestones to the log in order, each from where the
    previous match ended, as a session does.  Returns
    [(name, start, end, decided)], where decided is the number of bytes
    that must have arrived for hilt to report the match."""
    out = []
    pos = 0
    for name, pcre in milestones:
        rx = re.compile(python_pattern(pcre).encode(), re.MULTILINE)
        m = rx.search(log, pos)
        if not m:
            raise ValueError("milestone %s (/%s/) is not in the log" % (name, pcre))
        decided = m.end() + (1 if decided_late(pcre) else 0)
        out.append((name, m.start(), m.end(), min(decided, len(log))))
        pos = m.end()
    return out


def percentile(values, q):
    """The q-th percentile (0-100) of values, nearest rank."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, math.ceil(q / 100.0 * len(v)) - 1))
    return v[k]


def session_file(suite, name):
    """A file a session's JUnit names (console.log, ...): relative to the
    JUnit's folder, as hilt writes it; an absolute name as it is."""
    return os.path.join(suite["dir"], name)


def session_reads(suite):
    """A session's reads, from its own .console.timing (seconds since the
    previous read and its size), as [(seconds since the session began,
    bytes read so far)].  The file counts from power-on in a hilt whose
    JUnit has session.began, from the session's start before that."""
    p = suite["props"]
    reads = load_timing(session_file(suite, p["console.log"][:-len(".log")] + ".timing"))
    if "session.began" in p:
        start = float(p["session.start_time"])
        reads = [(at + start, total) for at, total in reads]
    return reads

