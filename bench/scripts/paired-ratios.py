#!/usr/bin/env python3
"""Paired per-round throughput ratios from the raw output of pgbench-compare.sh --rounds N.

    bench/scripts/paired-ratios.py DIR [--part pooling] [--a outpost-nocache] [--b pgbouncer]

For every mode, each round's A tps is divided by B's tps from the same round (the rounds are
interleaved, so a pair saw the same machine), and the script prints the ratios, their median,
in how many rounds A reached B, and a 90 % percentile-bootstrap interval of the median ratio
(5,000 resamples of the rounds, fixed seed, so a rerun prints the same). On a machine whose speed
drifts between rounds, the interval says whether a median above or below 1.0 is more than noise.
"""
import argparse
import glob
import random
import re
import statistics
import sys


def tps(path):
    with open(path) as f:
        m = re.search(r"^tps = ([0-9.]+)", f.read(), re.M)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--part", default="pooling")
    ap.add_argument("--a", default="outpost-nocache")
    ap.add_argument("--b", default="pgbouncer")
    args = ap.parse_args()
    rng = random.Random(7)
    printed = False
    for mode in ("simple", "extended", "prepared"):
        ratios = []
        for fa in glob.glob(f"{args.dir}/{args.part}-{args.a}-{mode}-r*.txt"):
            rnd = int(re.search(r"-r(\d+)\.txt$", fa).group(1))
            fb = f"{args.dir}/{args.part}-{args.b}-{mode}-r{rnd}.txt"
            try:
                ta, tb = tps(fa), tps(fb)
            except FileNotFoundError:
                continue
            if ta and tb:
                ratios.append((rnd, ta / tb))
        if not ratios:
            continue
        ratios.sort()
        rs = [r for _, r in ratios]
        medians = sorted(statistics.median(rng.choices(rs, k=len(rs))) for _ in range(5000))
        reached = sum(r >= 1.0 for r in rs)
        print(f"{mode:9} rounds {len(rs)}: {' '.join(f'{r:.2f}' for r in rs)} | median {statistics.median(rs):.2f}"
              f" | {args.a} >= {args.b} in {reached} of {len(rs)}"
              f" | 90% bootstrap interval of the median {medians[250]:.2f}-{medians[4749]:.2f}")
        printed = True
    if not printed:
        sys.exit(f"no paired rounds of {args.a} and {args.b} in {args.dir} (part {args.part})")


if __name__ == "__main__":
    main()
