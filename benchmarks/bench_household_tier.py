"""What the courtyard tier on the household's total (I-040, ``basis: applicant``) costs the
vectorised audit, against the same roster tiered per project (I-040 B), and what it moves.

On bench_roster.py's synthetic roster (fixed seed; households of one to three rows, about 60% of
rows 庭院经济, so many households have two courtyard rows), the vectorised compute
(``vector.compute_vector``) is timed under each reading, alternately in one process so that both
see the same load; medians and their ratio are printed, with the rows and money that differ.

    .venv/bin/python benchmarks/bench_household_tier.py                  # 100k rows, 7 runs each
    .venv/bin/python benchmarks/bench_household_tier.py --rows 10000 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    from bench_roster import generate

    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.read import read_roster
    from xingxian_subsidy.audit.vector import compute_vector
    from xingxian_subsidy.pack.loader import load_rules, variant
    from xingxian_subsidy.pack.overlay import parse_reading

    pack = load_rules()
    years = {"household (default)": pack.for_year(2024), "per project (I-040=B)": variant(pack, year=2024, readings=[parse_reading("I-040=B")])[1]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"roster_{args.rows}.csv"
        generate(args.rows, path)
        roster = read_roster(path)
    cmap = map_columns(roster.frame.columns, years["household (default)"])
    times: dict[str, list[float]] = {k: [] for k in years}
    out = {}
    for k, yr in years.items():  # one warm-up each
        out[k] = compute_vector(roster, cmap, yr)
    for _ in range(args.runs):
        for k, yr in years.items():
            t0 = time.perf_counter()
            compute_vector(roster, cmap, yr)
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    (a, b) = years
    print(f"{args.rows} rows, {args.runs} runs each, vectorised compute, median seconds:")
    for k in years:
        print(f"  {k:24} {med[k]:.3f} s   (min {min(times[k]):.3f}, max {max(times[k]):.3f})")
    print(f"  ratio household / per project: {med[a] / med[b]:.2f}")
    fa, fb = out[a].get_column("award_fen"), out[b].get_column("award_fen")
    sa, sb = out[a].get_column("line_status"), out[b].get_column("line_status")
    moved = ((fa.ne_missing(fb)) | (sa.ne_missing(sb))).sum()
    print(f"  rows whose line differs: {moved}; total award {fa.sum() / 100:,.2f} vs {fb.sum() / 100:,.2f} 元 "
          f"(household − per project: {(fa.sum() - fb.sum()) / 100:+,.2f} 元)")


if __name__ == "__main__":
    main()
