"""Cold start of `xingxian-subsidy calc` on one applicant: median of N fresh processes.

Run:  .venv/bin/python benchmarks/bench_startup.py [--runs 21] [--example examples/courtyard_sanlei_household.yaml]

Machines here are noisy: the script reports the median (and min/max) of many runs,
and the ratio of `calc` to a bare `python -c pass`, which is steadier than seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append(time.perf_counter() - t0)
    return out


def in_process() -> dict[str, float]:
    code = (
        "import time;t0=time.perf_counter();"
        "from xingxian_subsidy.pack.loader import load_rules;t1=time.perf_counter();"
        "p=load_rules();t2=time.perf_counter();"
        "from xingxian_subsidy.engine.applicant import read_applicant;from xingxian_subsidy.engine.compute import compute;t3=time.perf_counter();"
        f"a,yr=read_applicant({str(ROOT / 'examples/courtyard_sanlei_household.yaml')!r},p);aw=compute(a,yr,p);t4=time.perf_counter();"
        "print(t1-t0,t2-t1,t3-t2,t4-t3)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    a, b, c, d = map(float, res.stdout.split())
    return {"import rules module": a, "load + validate rule pack": b, "import engine": c, "read + compute one applicant": d}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--example", default="examples/courtyard_sanlei_household.yaml")
    args = ap.parse_args()
    cli = [sys.executable, "-m", "xingxian_subsidy"]
    cases = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "xingxian-subsidy --help": cli + ["--help"],
        "calc --format json": cli + ["calc", args.example, "--format", "json"],
        "calc (rich table)": cli + ["calc", args.example],
    }
    print(f"{'command':32} {'median s':>9} {'min s':>7} {'max s':>7} {'× floor':>8}")
    floor = None
    for name, cmd in cases.items():
        t = timed(cmd, args.runs)
        med = statistics.median(t)
        floor = floor or med
        print(f"{name:32} {med:9.3f} {min(t):7.3f} {max(t):7.3f} {med / floor:8.1f}")
    print()
    print("in one process (seconds, single run):")
    for k, v in in_process().items():
        print(f"  {k:32} {v:.3f}")


if __name__ == "__main__":
    main()
