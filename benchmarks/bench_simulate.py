"""Benchmark ``simulate`` against ``audit`` on the same synthetic roster (issue 14: at most 2×).

Each figure is the median wall time of fresh processes running the command as a user runs it:

* ``audit``          ``xingxian-subsidy audit roster.csv --out report.csv`` (with the sheet of contested readings)
* ``audit-no-readings`` the same with ``--no-readings`` (the audit as it was before that sheet)
* ``simulate``       ``xingxian-subsidy simulate roster.csv --set xzbf12.tier1_award=350 --out sim.json``
                     (the variant recomputes only the rows it can move: here most of them, as 60% of
                     the rows are courtyard rows and households have one to three rows)
* ``simulate-full``  the same with ``--full``: every row under both sets of rules through the
                     vectorised path

The roster is ``benchmarks/bench_roster.py``'s (generated into ``benchmarks/data/`` if missing).

    .venv/bin/python benchmarks/bench_simulate.py                      # 1M rows, 3 runs each
    .venv/bin/python benchmarks/bench_simulate.py --rows 100000 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
DATA = ROOT / "benchmarks" / "data"
CLI = str(Path(sys.executable).with_name("xingxian-subsidy"))


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--set", default="xzbf12.tier1_award=350")
    args = ap.parse_args()
    path = DATA / f"roster_{args.rows}.csv"
    if not path.exists():
        from bench_roster import generate

        t = time.perf_counter()
        generate(args.rows, path)
        print(f"generated {path.name} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    tasks = {
        "audit": [CLI, "audit", str(path), "--out", str(path.with_suffix(".report.csv")), "--no-progress"],
        "audit-no-readings": [CLI, "audit", str(path), "--out", str(path.with_suffix(".report-nr.csv")), "--no-progress", "--no-readings"],
        "simulate": [CLI, "simulate", str(path), "--set", args.set, "--out", str(path.with_suffix(".sim.json"))],
        "simulate-full": [CLI, "simulate", str(path), "--set", args.set, "--full", "--out", str(path.with_suffix(".sim-full.json"))],
    }
    times: dict[str, list[float]] = {k: [] for k in tasks}
    for _ in range(args.runs):  # interleaved, so that a busy moment of the shared machine hits all three alike
        for k, cmd in tasks.items():
            times[k].append(timed(cmd))
            print(f"{k:<18} {times[k][-1]:7.2f} s", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{args.rows:,} rows, median of {args.runs} fresh processes ({args.set}):")
    for k in tasks:
        print(f"  {k:<18} {med[k]:7.2f} s   {med[k] / med['audit']:.2f}× audit   {med[k] / med['audit-no-readings']:.2f}× audit --no-readings"
              f"   (runs: {', '.join(f'{t:.2f}' for t in times[k])})")


if __name__ == "__main__":
    main()
