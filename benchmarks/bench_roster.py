"""Benchmark the roster audit: synthetic rosters of 10k, 100k and 1M rows (fixed seed).

Reports medians over several runs of wall time and peak memory (max RSS of a fresh
process per run, so each figure includes the interpreter and polars, ~100 MB) for:

* ``read``      polars' bare read of the CSV (all columns as text),
* ``vector``    the vectorised compute (``vector.compute_vector``) on the read roster,
* ``audit``     the full ``xingxian-subsidy audit roster.csv --out report.csv`` as a user runs it,
* ``reference`` the per-row reference engine (``engine.compute`` per applicant) on a sample,
                extrapolated to rows/s,

plus a 100k-row .xlsx audit. Prints a table and writes ``benchmarks/results.md``.

    .venv/bin/python benchmarks/bench_roster.py                # 10k, 100k, 1M
    .venv/bin/python benchmarks/bench_roster.py --sizes 10000 --runs 3

The synthetic roster: about 60% 庭院经济 rows, 30% 户厕 rows and 10% industry rows, households
with one to three rows (so the cross-row limits work), incomes and quantities around every
tier bound, and about 1-2% of rows that are not 一致 (over-claimed, a bad cell, a failed
inspection, income just under the lowest tier, a second toilet in one household). The claimed amounts are the recomputed ones (from one vector pass), then
perturbed on the mistaken rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / "data"
PY = sys.executable
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
CHECK = "10X98765432"

TOWNS = ["蔡家崖乡", "赵家坪乡", "康宁镇", "孟家坪乡", "东会乡", "高家村镇", "蔚汾镇", "固贤乡", "交楼申乡", "奥家湾乡",
         "蔡家会镇", "魏家滩镇", "罗峪口镇", "瓦塘镇", "圪塔上乡"]


def _id(h: int) -> str:
    """A valid 身份证号, distinct for each household number h (birth date and sequence from h)."""
    import datetime as dt

    born = dt.date(1950, 1, 1) + dt.timedelta(days=h // 1000)
    body = f"141123{born:%Y%m%d}{h % 1000:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def generate(n: int, path: Path, seed: int = 20240522) -> None:
    """Write an n-row synthetic roster CSV (UTF-8) at ``path``."""
    import polars as pl

    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.read import roster_from_frame
    from xingxian_subsidy.audit.vector import compute_vector
    from xingxian_subsidy.pack.loader import load_rules

    rng = random.Random(seed)
    yr = load_rules().for_year(2024)
    cy = yr.rules["xzbf12.s5.courtyard_tiered"]
    tiers = [yr.param(cy, t.lower).value for t in cy.formula.tiers if t.lower] + [yr.param(cy, t.upper).value for t in cy.formula.tiers if t.upper]
    lowest = min(tiers)
    incomes = sorted({str(x) for v in tiers for x in (v, v + 1, v - 1, v + Decimal("0.01")) if x >= lowest})
    cats = ["一般户"] * 6 + ["脱贫户"] * 3 + ["边缘易致贫户", "脱贫不稳定户"]
    cols = ["乡镇", "村", "姓名", "身份证号", "主体类型", "农户类型", "项目", "项目标签", "申报金额",
            "通过发展庭院经济当年户增收", "庭院经济类型", "验收合格（含县级抽验）", "符合用地要求", "成活率/存活率", "在庭院范围内发展",
            "当年新实施项目", "乱搭乱建影响村容村貌或造成环境污染", "能带动农户增收（非自产自销自赏）", "乡镇自验合格", "县农业农村局复验通过",
            "大豆种植面积（不含复合种植）", "建设成本", "新建养殖场手续合规合法", "基础母羊存栏", "新建圈舍面积"]
    data: dict[str, list] = {c: [] for c in cols}
    households = max(1, int(n * 0.7))
    hh_cache: dict[int, tuple] = {}
    for _ in range(n):
        h = rng.randrange(households)
        if h not in hh_cache:
            town = TOWNS[h % len(TOWNS)]
            hh_cache[h] = (town, f"{town[:2]}{h % 40}村", f"户主{h}", _id(h), rng.choice(cats))
        town, village, name, idn, cat = hh_cache[h]
        row = dict.fromkeys(cols)
        row.update({"乡镇": town, "村": village, "姓名": name, "身份证号": idn, "主体类型": "农户", "农户类型": cat})
        r = rng.random()
        if r < 0.6:
            row.update({"项目": "庭院经济阶梯式奖补", "通过发展庭院经济当年户增收": rng.choice(incomes) if rng.random() < 0.3 else str(rng.randint(1000, 6000)),
                        "庭院经济类型": rng.choice(["特色种植", "特色养殖", "特色加工"]), "验收合格（含县级抽验）": "是", "符合用地要求": "是",
                        "成活率/存活率": str(rng.randint(80, 100) if rng.random() < 0.995 else 79), "在庭院范围内发展": "是", "当年新实施项目": "是",
                        "乱搭乱建影响村容村貌或造成环境污染": "否", "能带动农户增收（非自产自销自赏）": "是"})
        elif r < 0.9:
            row.update({"项目": rng.choice(["户厕改造补助（室内水冲式）", "户厕改造补助（三格式、双瓮式）"]), "乡镇自验合格": "是",
                        "县农业农村局复验通过": "是" if rng.random() < 0.995 else "否"})
        elif r < 0.95:
            row.update({"项目": "设施蔬菜项目建设补贴", "建设成本": f"{rng.randint(1000, 90000)}.{rng.randint(0, 99):02d}"})
        else:
            row.update({"项目": "标准化肉羊养殖场圈舍奖补", "新建养殖场手续合规合法": "是", "基础母羊存栏": str(rng.randint(90, 300)),
                        "新建圈舍面积": f"{rng.randint(250, 900)}.{rng.randint(0, 9)}"})
        for c in cols:
            data[c].append(row[c])
    frame = pl.DataFrame(data, schema={c: pl.String for c in cols})
    roster = roster_from_frame(frame)
    vec = compute_vector(roster, map_columns(roster.frame.columns, yr), yr)
    award = vec.get_column("award_fen").to_list()
    claimed = []
    for a in award:
        x = rng.random()
        if a is None:
            claimed.append("0")
        elif x < 0.006:
            claimed.append(f"{(a + 10000) // 100}")  # over-claimed by 100 元
        elif x < 0.008:
            claimed.append("一千")  # a bad cell
        else:
            claimed.append(f"{a // 100}.{a % 100:02d}")
    frame = frame.with_columns(pl.Series("申报金额", claimed))
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)


# ------------------------------------------------------------------ one measurement (child process)

def _child(task: str, path: str) -> None:
    t0 = time.perf_counter()
    if task == "read":
        import polars as pl

        t0 = time.perf_counter()
        pl.read_csv(path, infer_schema=False)
    elif task == "vector":
        from xingxian_subsidy.audit.columns import map_columns
        from xingxian_subsidy.audit.read import read_roster
        from xingxian_subsidy.audit.vector import compute_vector
        from xingxian_subsidy.pack.loader import load_rules

        yr = load_rules().for_year(2024)
        roster = read_roster(path)
        cmap = map_columns(roster.frame.columns, yr)
        t0 = time.perf_counter()
        compute_vector(roster, cmap, yr)
    elif task.startswith("reference"):
        from xingxian_subsidy.audit.columns import map_columns
        from xingxian_subsidy.audit.parse import parse_rows
        from xingxian_subsidy.audit.read import read_roster
        from xingxian_subsidy.audit.reference import reference_results
        from xingxian_subsidy.pack.loader import load_rules

        pack = load_rules()
        yr = pack.for_year(2024)
        roster = read_roster(path)
        sample = int(task.split(":")[1])
        roster.frame = roster.frame.head(sample)
        roster.rows = roster.rows[:sample]
        cmap = map_columns(roster.frame.columns, yr)
        t0 = time.perf_counter()
        reference_results(parse_rows(roster, cmap, yr), yr, pack)
    elif task == "audit":
        out = str(Path(path).with_suffix(".report.csv"))
        if path.endswith(".xlsx"):
            out = str(Path(path).with_suffix(".report.xlsx"))
        t0 = time.perf_counter()
        subprocess.run([str(Path(PY).with_name("xingxian-subsidy")), "audit", path, "--out", out, "--no-progress"],
                       check=True, stdout=subprocess.DEVNULL)
    print(f"{time.perf_counter() - t0:.6f}")


KEEP_FROM = "## Issue 15"  # results.md from this heading on is written by hand from the other benchmarks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sample", type=int, default=5_000, help="rows for the per-row reference engine")
    ap.add_argument("--xlsx", type=int, default=100_000, help="rows of the .xlsx audit (0 to skip)")
    ap.add_argument("--no-save", action="store_true", help="print the table only; leave benchmarks/results.md as it is "
                    "(for a partial run such as --sizes 1000000 --xlsx 0)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    rows = []
    for n in args.sizes:
        path = DATA / f"roster_{n}.csv"
        if not path.exists():
            t = time.perf_counter()
            generate(n, path)
            print(f"generated {path.name} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        size_mb = path.stat().st_size / 1e6
        res = {}
        for task in ("read", "vector", "audit"):
            res[task] = measure_fresh(task, path, args.runs)
            print(f"{n:>9} {task:<9} {res[task][0]:8.3f}s {res[task][1]:8.0f} MB", file=sys.stderr)
        sample = min(args.sample, n)
        t, m = measure_fresh(f"reference:{sample}", path, args.runs)
        res["reference"] = (t * n / sample, m, sample / t)
        print(f"{n:>9} reference {sample / t:8.0f} rows/s", file=sys.stderr)
        rows.append((n, size_mb, res))
    xrow = None
    if args.xlsx:
        import polars as pl

        src = DATA / f"roster_{args.xlsx}.csv"
        if not src.exists():
            generate(args.xlsx, src)
        xpath = DATA / f"roster_{args.xlsx}.xlsx"
        if not xpath.exists():
            pl.read_csv(src, infer_schema=False).write_excel(xpath)
        xrow = (args.xlsx, xpath.stat().st_size / 1e6, measure_fresh("audit", xpath, max(1, args.runs - 1)))
        print(f"{args.xlsx:>9} xlsx audit {xrow[2][0]:8.3f}s {xrow[2][1]:8.0f} MB", file=sys.stderr)
    text = render(rows, xrow, args)
    print(text)
    if not args.no_save:
        out = ROOT / "benchmarks" / "results.md"
        # the other benchmarks' sections (from KEEP_FROM on) stay as they are
        old = out.read_text(encoding="utf-8") if out.exists() else ""
        kept = old[old.index(KEEP_FROM):] if KEEP_FROM in old else ""
        out.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")


def measure_fresh(task: str, path: Path, runs: int, python: str = PY) -> tuple[float, float]:
    """Like measure, but each run's peak memory is read from a wrapper that reports its own child.
    ``python``: the interpreter to run it with (another checkout's, to compare: ``audit`` runs the
    ``xingxian-subsidy`` beside it)."""
    times, mems = [], []
    for _ in range(runs):
        code = (
            "import resource, subprocess, sys\n"
            f"p = subprocess.run([{python!r}, {__file__!r}, '--child', {task!r}, {str(path)!r}], capture_output=True, text=True)\n"
            "if p.returncode: sys.stderr.write(p.stderr); sys.exit(1)\n"
            "print(p.stdout.strip().splitlines()[-1], resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
        )
        out = subprocess.run([python, "-c", code], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"{task} failed on {path}:\n{out.stderr}")
        t, m = out.stdout.split()
        times.append(float(t))
        mems.append(float(m))
    return statistics.median(times), statistics.median(mems)


def render(rows, xrow, args) -> str:
    lines = [
        "# Roster audit benchmark",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"polars {__import__('polars').__version__}. Medians of {args.runs} runs; memory is the peak RSS of the measured "
        "process (interpreter and polars included, about 100 MB). `audit` is the CLI end to end "
        "(`xingxian-subsidy audit roster.csv --out report.csv`), start-up included. The reference engine ran on "
        f"the first {args.sample:,} rows and is extrapolated.",
        "",
        "| rows | CSV MB | bare read s | vector compute s | audit end to end s | audit ÷ read | reference engine rows/s | vector rows/s | vector ÷ reference | peak MB read / vector / audit |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, mb, r in rows:
        read, vec, aud, ref = r["read"], r["vector"], r["audit"], r["reference"]
        lines.append(
            f"| {n:,} | {mb:.1f} | {read[0]:.3f} | {vec[0]:.3f} | {aud[0]:.3f} | {aud[0] / read[0]:.1f}× | {ref[2]:,.0f} | "
            f"{n / vec[0]:,.0f} | {(n / vec[0]) / ref[2]:.0f}× | {read[1]:.0f} / {vec[1]:.0f} / {aud[1]:.0f} |")
    if xrow:
        n, mb, (t, m) = xrow
        lines += ["", f"`.xlsx` audit of {n:,} rows ({mb:.1f} MB workbook), end to end: **{t:.1f} s**, peak {m:.0f} MB."]
    lines += ["", "Rerun: `.venv/bin/python benchmarks/bench_roster.py` (data in `benchmarks/data/`, generated with a fixed seed).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
