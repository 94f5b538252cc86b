"""The problem rows' reasons and problem list as columns, against the per-row loop they replace (issue 15, goal 2).

A million-row audit's status frame where about half the rows are problems (多报, 少报, 不符合条件,
信息不全 in the bundled example's proportions; no reference-engine line, as for every problem row
past the explanation limit), in memory: the time ``reasons.reason_texts`` and
``reasons.issue_frame`` take, against the same texts written one row at a time by
``reasons._short_reason`` (what the audit did before). Rounds are interleaved; medians, their
ratio and the load average are printed. The texts are checked equal first.

    .venv/bin/python benchmarks/bench_reasons.py [--rows 1000000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def frame(n: int, seed: int = 20240522):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    kinds = np.array(["match", "over", "under", "ineligible", "incomplete"])
    status = kinds[rng.choice(5, size=n, p=[0.52, 0.16, 0.12, 0.12, 0.08])]
    award = rng.integers(0, 7_000_00, n)
    claimed = np.where(status == "over", award + rng.integers(1, 50_000, n), np.where(status == "under", np.maximum(award - rng.integers(1, 50_000, n), 0), award))
    claimed_s = pl.Series("claimed_fen", claimed, dtype=pl.Int64)
    return pl.DataFrame({"status": status, "claimed_fen": claimed_s, "award_fen": pl.Series(award, dtype=pl.Int64),
                         "row": pl.int_range(2, n + 2, eager=True), "name": "户主", "id_number": "141123********1234"}).with_columns(
        pl.when(pl.col("status") == "incomplete").then(None).otherwise(pl.col("claimed_fen")).alias("claimed_fen"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    import polars as pl

    from xingxian_subsidy.audit.columns import ColumnMap
    from xingxian_subsidy.audit.compute import Computed
    from xingxian_subsidy.audit.reasons import Explanations, _short_reason, issue_frame, reason_texts

    st = frame(args.rows)
    want = st.select(pl.arg_where(pl.col("status") != "match")).to_series().to_list()
    plan = Explanations(want=want, unexplained=len(want) - 1000)
    computed = Computed(status=pl.Series(dtype=pl.String), fen=pl.Series(dtype=pl.Int64), tier=pl.Series(dtype=pl.String), fallback=[],
                        fallback_group=set(), lines={}, problems={}, problem_rows=0)
    cmap = ColumnMap(fixed={"claimed": "申报金额"}, inputs={}, unused=[])

    def columns():
        wanted, reasons = reason_texts(st, plan, computed, {}, "zh", 1000)
        return issue_frame(st, plan, wanted, reasons, computed, {}, [], cmap, "zh"), reasons

    def per_row():
        wanted = st.select("status", "claimed_fen", "award_fen").gather(want)
        return ["；".join(_short_reason(s, c, a, "zh", plan, 1000)) for s, c, a in wanted.iter_rows()]

    _, reasons = columns()
    assert reasons.to_list() == per_row(), "the reasons as columns differ from the per-row texts"
    times: dict[str, list[float]] = {"columns": [], "per_row": []}
    load = os.getloadavg()
    for _ in range(args.rounds):
        t = time.perf_counter(); columns(); times["columns"].append(time.perf_counter() - t)  # noqa: E702
        t = time.perf_counter(); per_row(); times["per_row"].append(time.perf_counter() - t)  # noqa: E702
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.rows:,} rows, {len(want):,} problem rows; medians of {args.rounds} interleaved rounds; "
          f"load average {' '.join(f'{x:.1f}' for x in load)} → {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"reasons + problem list as columns  {med['columns']:7.3f} s   rounds {', '.join(f'{x:.3f}' for x in times['columns'])}")
    print(f"reasons alone, one row at a time   {med['per_row']:7.3f} s   rounds {', '.join(f'{x:.3f}' for x in times['per_row'])}")
    print(f"per-row loop ÷ columns             {med['per_row'] / med['columns']:7.1f}×")


if __name__ == "__main__":
    main()
