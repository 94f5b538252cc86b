"""The audit end to end ÷ the bare read, on rosters with problems (issue 15, goal 2).

Three rosters of N rows, generated with fixed seeds into ``benchmarks/data/`` (git-ignored):

* ``clean`` the bench roster (``bench_roster.generate``: 1–2% of rows not 一致);
* ``half``  the bundled example (``examples/roster_蔡家崖乡_2024.csv``: its mix of 多报, 少报,
            不符合条件, 信息不全 and 输入有误, about half its rows) repeated to N rows, each copy
            with fresh names and fresh valid 身份证号 (rows sharing a number in the example
            share one in each copy);
* ``all``   the clean roster with every row under one 身份证号 (one ID written under many
            names: every row is a problem).

Each round reads and audits every roster, each in a fresh process, rosters interleaved; every
round's ratio is printed (the goal is ≤ 4× in every round), then the medians and ``all`` ÷
``clean``. The bare read is polars reading the same CSV, every column as text; the audit is
``xingxian-subsidy audit roster.csv --out report.csv`` as a user runs it, start-up included.

    .venv/bin/python benchmarks/bench_audit.py                     # 1,000,000 rows, 3 rounds
    .venv/bin/python benchmarks/bench_audit.py --rows 200000 --rounds 2 --rosters half all
    .venv/bin/python benchmarks/bench_audit.py --rows 200000 --profile all   # time per stage, in process
    .venv/bin/python benchmarks/bench_audit.py --against /path/to/before/.venv/bin/python  # before and after, in turns
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import bench_roster  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
EXAMPLE = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"
ROSTERS = ("clean", "half", "all")
GIVEN = "明丽华建秀英志国海春玉金文德新永淑红"  # given-name characters of the fresh names


def roster_path(kind: str, n: int) -> Path:
    return DATA / (f"roster_{n}.csv" if kind == "clean" else f"roster_{kind}_{n}.csv")


def _fresh(k: int) -> str:
    """A short text distinct for each copy number k (base-len(GIVEN) digits as characters)."""
    out = ""
    while True:
        out += GIVEN[k % len(GIVEN)]
        k //= len(GIVEN)
        if not k:
            return out


def generate_half(n: int, path: Path) -> None:
    """The bundled example repeated to n rows, each copy with fresh names and valid IDs."""
    with EXAMPLE.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    name, idn = header.index("姓名"), header.index("身份证号")
    ids = sorted({r[idn] for r in rows if r[idn]})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(n):
            k, r = divmod(i, len(rows))
            row = list(rows[r])
            row[name] = row[name][:1] + _fresh(k) + row[name][1:] if len(row[name]) <= 3 else row[name] + _fresh(k)
            if row[idn]:
                row[idn] = bench_roster._id(k * len(ids) + ids.index(row[idn]))
            w.writerow(row)


def generate_all(n: int, path: Path) -> None:
    """The clean roster with one 身份证号 on every row (every row a problem)."""
    import polars as pl

    clean = ensure("clean", n)
    frame = pl.read_csv(clean, infer_schema=False)
    frame.with_columns(pl.lit(bench_roster._id(0)).alias("身份证号")).write_csv(path)


def ensure(kind: str, n: int) -> Path:
    path = roster_path(kind, n)
    if not path.exists():
        t = time.perf_counter()
        {"clean": bench_roster.generate, "half": generate_half, "all": generate_all}[kind](n, path)
        print(f"generated {path.name} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    return path


def profile(path: Path) -> None:
    """Time the audit's stages in this process (wrapping the pipeline's functions) and the write."""
    import functools

    from xingxian_subsidy.audit import pipeline, writers
    from xingxian_subsidy.pack.loader import load_rules

    spent: dict[str, float] = {}

    def timed(mod, name):
        fn = getattr(mod, name)

        @functools.wraps(fn)
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
        setattr(mod, name, wrapper)

    for name in ("read_roster", "prepare", "base_frame", "compute_rows", "input_errors", "notes", "statuses", "plan_explanations",
                 "run_explanations", "tier_labels", "summary_parts", "summaries_from_parts", "reason_texts", "issue_frame",
                 "recompute_readings", "compare_readings", "formula_columns"):
        timed(pipeline, name)
    pack = load_rules()
    t0 = time.perf_counter()
    report = pipeline.audit(path, pack)
    t1 = time.perf_counter()
    out = path.with_suffix(".profile.csv")
    writers.write_report(report, out)
    t2 = time.perf_counter()
    print(f"{path.name}: audit {t1 - t0:.3f}s, write {t2 - t1:.3f}s; by function (threads overlap):")
    for name, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<18} {s:8.3f}s")


def compare(paths: dict[str, Path], other: str, rounds: int, rows: int) -> None:
    """Each round: the bare read, then the audit by ``other``'s checkout and by this one, on every roster."""
    this: dict[str, list[float]] = {k: [] for k in paths}
    that: dict[str, list[float]] = {k: [] for k in paths}
    reads: dict[str, list[float]] = {k: [] for k in paths}
    for rnd in range(1, rounds + 1):
        for kind, path in paths.items():
            reads[kind].append(bench_roster.measure_fresh("read", path, 1)[0])
            that[kind].append(bench_roster.measure_fresh("audit", path, 1, python=other)[0])
            this[kind].append(bench_roster.measure_fresh("audit", path, 1)[0])
            print(f"round {rnd} {kind:<5} read {reads[kind][-1]:7.3f}s  audit A {that[kind][-1]:7.3f}s  B {this[kind][-1]:7.3f}s", flush=True)
    print(f"\n{rows:,} rows, {rounds} interleaved rounds; A = {other}, B = {sys.executable}")
    print("| roster | bare read s | A audit s | A ÷ read | B audit s | B ÷ read | B ÷ A |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in paths:
        r, a, b = (statistics.median(x[kind]) for x in (reads, that, this))
        print(f"| {kind} | {r:.3f} | {a:.3f} | {a / r:.1f}× | {b:.3f} | {b / r:.1f}× | {b / a:.2f}× |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rosters", nargs="*", default=list(ROSTERS), choices=ROSTERS)
    ap.add_argument("--profile", choices=ROSTERS, help="time one roster's stages in process instead")
    ap.add_argument("--against", metavar="PYTHON", help="another checkout's interpreter (the code before a change): its audit runs "
                    "in turns with this one's on the same rosters, and the table gives both and their ratio")
    args = ap.parse_args()
    if args.profile:
        profile(ensure(args.profile, args.rows))
        return
    paths = {k: ensure(k, args.rows) for k in args.rosters}
    if args.against:
        compare(paths, args.against, args.rounds, args.rows)
        return
    ratios: dict[str, list[float]] = {k: [] for k in paths}
    reads: dict[str, list[float]] = {k: [] for k in paths}
    audits: dict[str, list[float]] = {k: [] for k in paths}
    for rnd in range(1, args.rounds + 1):
        for kind, path in paths.items():
            read = bench_roster.measure_fresh("read", path, 1)[0]
            aud = bench_roster.measure_fresh("audit", path, 1)[0]
            reads[kind].append(read)
            audits[kind].append(aud)
            ratios[kind].append(aud / read)
            print(f"round {rnd} {kind:<5} read {read:7.3f}s  audit {aud:7.3f}s  audit ÷ read {aud / read:5.1f}×", flush=True)
    print(f"\n{args.rows:,} rows, {args.rounds} interleaved rounds")
    print("| roster | bare read s (median) | audit s (median) | audit ÷ read, median | every round | worst |")
    print("|---|---:|---:|---:|---|---:|")
    for kind in paths:
        every = " / ".join(f"{r:.1f}" for r in ratios[kind])
        print(f"| {kind} | {statistics.median(reads[kind]):.3f} | {statistics.median(audits[kind]):.3f} | "
              f"{statistics.median(ratios[kind]):.1f}× | {every} | {max(ratios[kind]):.1f}× |")
    if "clean" in paths:
        for kind in paths:
            if kind != "clean":
                print(f"{kind} ÷ clean (audit time, median): {statistics.median(audits[kind]) / statistics.median(audits['clean']):.2f}×")


if __name__ == "__main__":
    main()
