"""CPU time of one web answer, in process, without HTTP: parsing the body, computing the award,
the hints (and, now, the plain words and how to apply) and writing the JSON — median ms per
request over the 64 applicants of ``bench_web.py``. CPU time (``time.process_time``) is far less
disturbed by a shared machine than requests per second.

Run:  .venv/bin/python benchmarks/bench_web_cpu.py [--baseline DIR] [--rounds 5]

``--baseline DIR``: an older checkout (``git archive main | tar -x -C DIR``), measured the way its
handler worked (``json.loads`` → parse → compute → hints → ``model_dump`` + ``json.dumps``);
the two are run alternately, each in its own process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, statistics, sys, time
from decimal import Decimal
sys.path.insert(0, {bench!r})
from bench_web import bodies
from xingxian_subsidy.pack.loader import load_rules
p = load_rules()
bs = bodies()
try:
    from xingxian_subsidy.web import _bounds, _calc, _strict_json
    def one(b):
        d = _strict_json(b); _bounds(d); _calc(p, d)
except ImportError:  # the handler before issue 13, step by step
    from xingxian_subsidy.engine.applicant import parse_applicant
    from xingxian_subsidy.engine.compute import compute
    from xingxian_subsidy.selfservice.hints import compute_hints, hint_data
    from xingxian_subsidy.web import _bounds
    def one(b):
        d = json.loads(b.decode(), parse_float=Decimal); _bounds(d)
        a, yr = parse_applicant(d, p, source="r"); aw = compute(a, yr, p)
        h = [hint_data(x) for x in compute_hints(a, yr, aw)]
        json.dumps({{"award": aw.model_dump(mode="json"), "hints": h}}, ensure_ascii=False).encode()
for b in bs: one(b)
runs = []
for _ in range(5):
    t = time.process_time()
    for b in bs: one(b)
    runs.append((time.process_time() - t) / len(bs) * 1000)
print(statistics.median(runs))
"""


def measure(source: Path) -> float:
    code = CHILD.format(bench=str(ROOT / "benchmarks"))
    env = {**os.environ, "PYTHONPATH": str(source)}
    out = subprocess.run([sys.executable, "-c", code], cwd=source, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    now: list[float] = []
    base: list[float] = []
    for _ in range(args.rounds):
        now.append(measure(ROOT))
        if args.baseline:
            base.append(measure(args.baseline))
    print(f"CPU per POST /api/calc answer (no HTTP), median of {args.rounds} processes: {statistics.median(now):.3f} ms "
          f"(min {min(now):.3f}, max {max(now):.3f})")
    if base:
        print(f"baseline: {statistics.median(base):.3f} ms (min {min(base):.3f}, max {max(base):.3f}); "
              f"ratio {statistics.median(base) / statistics.median(now):.2f}× less CPU now")


if __name__ == "__main__":
    main()
