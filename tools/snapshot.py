"""Snapshot every user-visible output, to prove a refactor changed none of them.

Runs the CLI (as a user would, in fresh processes) on every bundled example and the example
rosters, in every output format and language, plus the rule listings and a blank template, and
writes the results as text under OUT: workbooks are dumped cell by cell (sheet, cell, value,
number format), and the one value that must differ between runs (the report's generation time)
is replaced by a placeholder. Compare two snapshots with ``diff -r``.

    .venv/bin/python tools/snapshot.py /tmp/snap-before [--bench benchmarks/data/roster_100000.csv]
    ... change the code ...
    .venv/bin/python tools/snapshot.py /tmp/snap-after  [--bench ...]
    diff -r /tmp/snap-before /tmp/snap-after && echo identical
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).with_name("xingxian-subsidy"))
TIME = re.compile(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
MINUTE = re.compile(r"(生成时间：|generated )20\d\d-\d\d-\d\d \d\d:\d\d")  # the report workbook's subtitle line
WORK = "<WORK>"
PACK = re.compile(r"sha256:[0-9a-f]{12}\)")  # the rule pack's digest (with --mask-pack: a change of rule data's layout only)
MASK_PACK = False
WORK_DIR: Path | None = None  # this run's own work folder, printed as <WORK> (two snapshots may run at once)


def run(args: list[str], out: Path, name: str) -> None:
    p = subprocess.run([EXE, *args], cwd=ROOT, capture_output=True, text=True, env={"COLUMNS": "100", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    text = f"$ xingxian-subsidy {' '.join(args)}\nexit {p.returncode}\n--- stdout\n{p.stdout}--- stderr\n{p.stderr}"
    (out / f"{name}.txt").write_text(_masked(text), encoding="utf-8")


def _masked(text: str) -> str:
    text = TIME.sub("<TIME>", text)
    text = MINUTE.sub(lambda m: m.group(1) + "<MINUTE>", text)
    if WORK_DIR is not None:
        text = text.replace(str(WORK_DIR), WORK)
    return PACK.sub("sha256:<PACK>)", text) if MASK_PACK else text


def dump_xlsx(path: Path, dest: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    lines = []
    for ws in wb.worksheets:
        lines.append(f"== sheet {ws.title} state={ws.sheet_state} freeze={ws.freeze_panes}")
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                lines.append(f"{c.coordinate}\t{type(c.value).__name__}\t{c.value!r}\t{c.number_format}")
    dest.write_text(_masked("\n".join(lines) + "\n"), encoding="utf-8")


def keep(path: Path, dest: Path) -> None:
    if path.suffix == ".xlsx":
        dump_xlsx(path, dest.with_suffix(".xlsx.txt"))
    else:
        dest.write_text(_masked(path.read_text(encoding="utf-8-sig")), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--bench", type=Path, action="append", default=[], help="a larger roster to audit too (its CSV report is hashed)")
    ap.add_argument("--mask-pack", action="store_true", help="replace the rule pack's digest (when only the rule data's layout changed)")
    args = ap.parse_args()
    global MASK_PACK, WORK_DIR
    MASK_PACK = args.mask_pack
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    work = WORK_DIR = Path(tempfile.mkdtemp(prefix="xingxian-snapshot-"))
    for ex in sorted((ROOT / "examples").glob("*.yaml")):
        for fmt in ("table", "json", "markdown"):
            for lang in ("zh", "en"):
                run(["calc", str(ex.relative_to(ROOT)), "--format", fmt, "--lang", lang], out, f"calc-{ex.stem}-{fmt}-{lang}")
    for lang in ("zh", "en"):
        run(["rules", "list", "--lang", lang], out, f"rules-list-{lang}")
        run(["rules", "list", "--markdown", "--lang", lang], out, f"rules-list-md-{lang}")
        run(["rules", "interpretations", "--lang", lang], out, f"rules-interp-{lang}")
        run(["rules", "show", "xzf5.s3-3.cattle_shed", "--lang", lang], out, f"rules-show-{lang}")
        run(["screen", "--subject", "household", "--category", "边缘易致贫户", "--lang", lang], out, f"screen-{lang}")
        run(["template", "xzbf12.s5.courtyard_tiered", "xzbf8.s5-4.indoor_flush", "--out", str(work / f"t-{lang}.xlsx"), "--lang", lang],
            out, f"template-{lang}")
        dump_xlsx(work / f"t-{lang}.xlsx", out / f"template-{lang}.xlsx.txt")
    run(["schema"], out, "schema")
    rosters = sorted((ROOT / "examples").glob("roster_*"))
    for r in rosters:
        for lang in ("zh", "en"):
            for extra, tag in (([], "v"), (["--engine", "reference"], "ref"), (["--explain"], "explain"), (["--show-id"], "showid")):
                for suffix in (".xlsx", ".csv", ".json"):
                    stem = f"audit-{r.suffix[1:]}-{lang}-{tag}"
                    target = work / f"{stem}{suffix}"
                    run(["audit", str(r.relative_to(ROOT)), "--out", str(target), "--lang", lang, "--no-progress", *extra], out,
                        f"{stem}{suffix}.cli")
                    for produced in sorted(work.glob(f"{stem}*")):
                        keep(produced, out / produced.name)
    for b in args.bench:
        target = work / "bench.csv"
        run(["audit", str(b), "--out", str(target), "--no-progress"], out, f"bench-{b.stem}.cli")
        for produced in sorted(work.glob("bench*")):
            if produced.suffix == ".csv":
                digest = hashlib.sha256(produced.read_bytes()).hexdigest()
                (out / f"{b.stem}-{produced.name}.sha256").write_text(digest + "\n")
            else:
                keep(produced, out / f"{b.stem}-{produced.name}")
    shutil.rmtree(work)
    print(f"snapshot written to {out} ({sum(1 for _ in out.iterdir())} files)")


if __name__ == "__main__":
    main()
