"""Benchmark reading a workbook (issue 10): what checking a sheet before reading it costs, and how fast
the cell-by-cell path is for sheets that are not plain.

For a synthetic roster of N rows (the generator of ``bench_roster.py``, fixed seed) written as
.xlsx, each in a fresh process, medians of ``--runs``:

* ``fastexcel``  the bare read the roster reader used before issue 10 (first sheet only, no checks),
* ``plain``      ``read_roster`` on the same workbook (the sheet's XML checked, then fastexcel),
* ``cells``      ``read_roster`` on the workbook with one merged cell (so read cell by cell).

    .venv/bin/python benchmarks/bench_read_xlsx.py --rows 10000 100000 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / "data"


def _child(task: str, path: str) -> None:
    # the modules are imported before the clock starts (the audit command imports the rule pack's
    # loader anyway, beside the read); the import of openpyxl's parsers, which the old read did
    # not need, is timed on its own as "imports"
    import fastexcel
    import polars  # noqa: F401

    import xingxian_subsidy.audit.columns  # noqa: F401
    from xingxian_subsidy.audit.read import read_roster

    t0 = time.perf_counter()
    if task == "fastexcel":
        fastexcel.read_excel(path).load_sheet(0, dtypes="string").to_polars()
    elif task == "imports":
        import openpyxl.reader.workbook
        import openpyxl.styles.stylesheet
        import openpyxl.worksheet._reader  # noqa: F401
    else:
        read_roster(path)
    print(f"{time.perf_counter() - t0:.6f}")


def _measure(task: str, path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--child", task, str(path)], capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def _workbooks(n: int) -> tuple[Path, Path]:
    import openpyxl
    import polars as pl

    from benchmarks.bench_roster import generate

    DATA.mkdir(exist_ok=True)
    src = DATA / f"roster_{n}.csv"
    if not src.exists():
        generate(n, src)
    plain = DATA / f"roster_{n}.xlsx"
    if not plain.exists():
        pl.read_csv(src, infer_schema=False).write_excel(plain)
    merged = DATA / f"roster_{n}_merged.xlsx"
    if not merged.exists():
        wb = openpyxl.load_workbook(plain)
        ws = wb.active
        ws.cell(3, 1).value = None
        ws.merge_cells("A2:A3")
        wb.save(merged)
    return plain, merged


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    imports = _measure("imports", Path(__file__), args.runs)
    print(f"openpyxl's parsers imported in {imports:.2f} s (once per process; included in the read_roster figures)", file=sys.stderr)
    lines = [f"openpyxl's parsers (imported by every workbook read): {imports:.2f} s, included below", "",
             "| rows | fastexcel bare s | read_roster, plain sheet s | ratio | read_roster, cell by cell s | ratio |", "|---:|---:|---:|---:|---:|---:|"]
    for n in args.rows:
        plain, merged = _workbooks(n)
        bare = _measure("fastexcel", plain, args.runs)
        fast = _measure("read", plain, args.runs)
        cells = _measure("read", merged, args.runs)
        lines.append(f"| {n:,} | {bare:.2f} | {fast:.2f} | {fast / bare:.1f}× | {cells:.2f} | {cells / bare:.1f}× |")
        print(lines[-1], file=sys.stderr)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
