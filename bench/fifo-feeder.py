#!/usr/bin/env python3
"""Feeds one recorded console log into many FIFOs at once, at the pace of
its timing file: the common input of sched-scale.py's side-by-side runs
(hilt reading the FIFOs as replay:FIFO targets, or one pexpect process on
each).

usage: fifo-feeder.py LOG TIMING [--settle S] FIFO...

Opens every FIFO for writing (each open waits for its reader), waits S
seconds for the readers to settle, then writes each chunk to every FIFO
when it is due, all the chunks due at once in one write.  At the end it
closes the FIFOs and prints one JSON line: t0 (time.monotonic() of the
recording's start, and t0_real, time.time() then), the number of write
rounds, how late they began (p50, p99, max, in ms), its own CPU seconds,
and for each round its chunks and when each FIFO's write of it ended
(rounds_done: [first chunk, chunk after the last, [ms after t0, ...]])."""
import argparse
import json
import os
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("timing")
    ap.add_argument("fifos", nargs="+")
    ap.add_argument("--settle", type=float, default=1.0)
    args = ap.parse_args()

    with open(args.log, "rb") as f:
        data = f.read()
    chunks = []  # (due in seconds since t0, start, end)
    t, off = 0.0, 0
    with open(args.timing) as f:
        for line in f:
            delay, size = line.split()
            t += float(delay)
            chunks.append((t, off, off + int(size)))
            off += int(size)

    fds = [os.open(p, os.O_WRONLY) for p in args.fifos]
    time.sleep(args.settle)
    t0 = time.monotonic()
    t0_real = time.time()
    late = []
    rounds = []  # (first chunk, chunk after the last, ms after t0 each write ended)
    i = 0
    while i < len(chunks):
        now = time.monotonic() - t0
        due = chunks[i][0]
        if due > now:
            time.sleep(due - now)
            continue
        first = i
        while i < len(chunks) and chunks[i][0] <= now:
            i += 1
        piece = data[chunks[first][1]:chunks[i - 1][2]]
        done = []
        for fd in fds:
            os.write(fd, piece)
            done.append(round((time.monotonic() - t0) * 1e3, 3))
        rounds.append((first, i, done))
        late.append((now - due) * 1e3)
    for fd in fds:
        os.close(fd)
    late.sort()
    print(json.dumps({
        "t0": t0, "t0_real": t0_real, "rounds": len(late),
        "late_p50_ms": late[len(late) // 2], "late_p99_ms": late[int(len(late) * 0.99)],
        "late_max_ms": late[-1], "cpu_s": time.process_time(), "rounds_done": rounds,
    }))


if __name__ == "__main__":
    main()
