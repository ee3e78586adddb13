#!/usr/bin/env python3
"""Reads a collapsed-stack profile (bench/scripts/profile-node.sh) of an Outpost node.

    bench/scripts/profile-summary.py FILE [--top 25] [--match dev/outpost]

Prints where the samples are: in the kernel, in Java code, or in the JVM's native code; how
many belong to the JIT compilers and the GC rather than the event loops; the hottest frames by
self time (the deepest frame outside the kernel, so a send() counts once with its kernel work);
and, with --match, each matching frame's inclusive share (a frame counted once per stack).
"""
import argparse
import collections


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--match", default=None, help="substring of frames to show inclusively")
    a = ap.parse_args()

    total = 0
    where = collections.Counter()
    owner = collections.Counter()
    self_time = collections.Counter()
    inclusive = collections.Counter()
    with open(a.file) as f:
        for line in f:
            line = line.rstrip()
            if not line:
                continue
            stack, n = line.rsplit(" ", 1)
            n = int(n)
            total += n
            frames = stack.split(";")
            leaf = frames[-1]
            if leaf.endswith("_[k]"):
                where["kernel"] += n
            elif "/" in leaf and "." in leaf and not leaf.startswith("/"):  # java/lang/String.equals, not /lib/x.so
                where["Java"] += n
            else:
                where["JVM and libraries (native)"] += n
            if any("CompileBroker::" in x for x in frames):
                owner["JIT compilers"] += n
            elif any(x.startswith(("G1", "GangWorker", "ConcurrentGCThread", "WorkerThread")) for x in frames):
                owner["GC"] += n
            elif frames[0] == "java/lang/Thread.run":
                owner["Java threads (event loops and the rest)"] += n
            else:
                owner["other JVM threads"] += n
            outside_kernel = [x for x in frames if not x.endswith("_[k]")]
            self_time[outside_kernel[-1] if outside_kernel else "(kernel only)"] += n
            if a.match:
                for x in set(frames):
                    if a.match in x:
                        inclusive[x] += n

    if total == 0:
        print("no samples")
        return

    def pct(v):
        return f"{100.0 * v / total:5.1f} %"

    print(f"{total} samples")
    print("where:")
    for k, v in where.most_common():
        print(f"  {pct(v)}  {k}")
    print("whose:")
    for k, v in owner.most_common():
        print(f"  {pct(v)}  {k}")
    print(f"hottest frames by self time (deepest frame outside the kernel), top {a.top}:")
    for k, v in self_time.most_common(a.top):
        print(f"  {pct(v)}  {k[:140]}")
    if a.match:
        print(f"inclusive, frames containing {a.match!r}, top {a.top}:")
        for k, v in inclusive.most_common(a.top):
            print(f"  {pct(v)}  {k[:140]}")


if __name__ == "__main__":
    main()
