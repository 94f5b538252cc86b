"""Peak memory (max RSS of the child process) of ``audit`` in memory and ``audit --stream``.

    .venv/bin/python benchmarks/bench_stream.py --sizes 1000000 4000000 --stream-only 8000000

Rosters of N rows are the 1M-row bench roster (``bench_roster.generate``) and copies of it
with other households (their 身份证号 under another county code), written a copy at a time. Each audit runs as its own process (``xingxian-subsidy audit … --out X.csv``); its peak
RSS comes from ``os.wait4``. The stream path's peak should not grow with the rows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CLI = str(Path(sys.executable).with_name("xingxian-subsidy"))


def roster(n: int) -> Path:
    """The n-row roster (made once, a copy at a time): the 1M-row bench roster, then copies of it
    whose 身份证号 have another county code (digits 5–6, the check digit made again where the
    original is valid), so each copy is other households: the mix of problems stays the bench's."""
    import polars as pl

    from xingxian_subsidy.audit.identity import ids_ok

    base = DATA / "roster_1000000.csv"
    if n == 1_000_000 and base.exists():
        return base
    path = DATA / f"stream_{n}.csv"
    if path.exists():
        return path
    if not base.exists():
        sys.path.insert(0, str(HERE))
        from bench_roster import generate

        generate(1_000_000, base)
    df = pl.read_csv(base, infer_schema=False)
    col = df.columns[3]  # 身份证号
    ids = df.get_column(col)
    valid = ids_ok(ids.fill_null(""))
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for c in range(-(-n // df.height)):
            county = f"{(23 + c) % 100:02d}"
            body = ids.str.slice(0, 4) + county + ids.str.slice(6, 11)
            total = sum(body.str.slice(i, 1).cast(pl.Int64, strict=False).fill_null(0) * w for i, w in enumerate(weights))
            check = (total % 11).replace_strict({k: "10X98765432"[k] for k in range(11)}, return_dtype=pl.String)
            new = pl.select(pl.when(ids.is_null()).then(None).when(valid).then(body + check).otherwise(body + ids.str.slice(17))).to_series()
            part = df.with_columns(new.alias(col)).head(n - c * df.height)
            part.write_csv(out, include_header=c == 0)
    tmp.rename(path)
    return path


def run(path: Path, stream: bool) -> tuple[float, float]:
    """(seconds, peak RSS in GiB) of one audit in its own process."""
    out = path.with_suffix(".stream.csv" if stream else ".mem.csv")
    args = [CLI, "audit", str(path), "--out", str(out), "--no-progress"] + (["--stream"] if stream else [])
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"audit failed ({status}): {' '.join(args)}")
    return seconds, usage.ru_maxrss / 1024 / 1024  # KiB → GiB


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 4_000_000], help="both paths")
    ap.add_argument("--stream-only", type=int, nargs="*", default=[], help="the stream path only")
    ap.add_argument("--same", action="store_true", help="also check the two paths' detail CSVs are byte-identical")
    args = ap.parse_args()
    print("| rows | path | s | peak RSS GiB |\n|---:|---|---:|---:|", flush=True)
    for n in [*args.sizes, *args.stream_only]:
        path = roster(n)
        for stream in ([False, True] if n in args.sizes else [True]):
            s, gib = run(path, stream)
            print(f"| {n:,} | {'stream' if stream else 'in memory'} | {s:.1f} | {gib:.2f} |", flush=True)
        if args.same and n in args.sizes:
            same = path.with_suffix(".mem.csv").read_bytes() == path.with_suffix(".stream.csv").read_bytes()
            print(f"detail identical at {n:,} rows: {same}", flush=True)


if __name__ == "__main__":
    main()
