"""Attack the command line as a careless user and as an attacker would (issue 10), and print the table:
surface × inputs tried × clean refusals × right results × tracebacks × rows lost.

Every case runs the real CLI in a fresh process (address space capped at 4 GB, 120 s timeout), in a
scratch folder. A case is a *clean refusal* when the tool exits 2 with a message and no traceback,
a *right result* when it exits 0 and its check of the output holds; anything else is a failure and
is listed. *Rows lost* counts input rows missing from a report that was written.

    .venv/bin/python tools/attack.py            # the table (Markdown) on stdout, failures on stderr
    .venv/bin/python tools/attack.py --keep DIR # keep the scratch files in DIR
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
EX_CSV = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"
EX_XLSX = ROOT / "examples" / "roster_蔡家崖乡_2024.xlsx"
CLI = [sys.executable, "-m", "xingxian_subsidy"]
with EX_CSV.open(encoding="utf-8-sig", newline="") as _fh:
    _ALL = list(csv.reader(_fh))
HEADER, ROWS = _ALL[0], _ALL[1:]
N = len(ROWS)
COURTYARD = "xzbf12.s5.courtyard_tiered"
IDS = [r[3] for r in ROWS if r[3]]


@dataclass
class Case:
    surface: str
    name: str
    args: Callable[[Path], list[str]]  # builds its inputs in the folder, returns the CLI arguments
    expect: str  # "refuse" or "ok"
    check: Callable[[Path, subprocess.CompletedProcess], bool] | None = None
    rows: int | None = None  # rows the report must hold (rows lost otherwise)
    report: str | None = None  # the report file (relative to the folder) whose rows are counted
    env: dict[str, str] | None = None
    limit_file: int | None = None  # RLIMIT_FSIZE for the process (a disk that fills up)
    stdin: str = ""


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _wb(path: Path, sheets: list[tuple[str, list[list[str]], bool]], tweak: Callable | None = None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, hidden in sheets:
        ws = wb.create_sheet(name)
        ws.append(HEADER)
        for r in rows:
            ws.append([c if c != "" else None for c in r])
        ws.sheet_state = "hidden" if hidden else "visible"
    if tweak:
        tweak(wb)
    wb.save(path)
    return path


def _percent(wb) -> None:
    from decimal import Decimal

    ws = wb.worksheets[0]
    j = HEADER.index("成活率/存活率") + 1
    for i in range(2, ws.max_row + 1):
        c = ws.cell(i, j)
        if c.value not in (None, ""):
            c.value = float(Decimal(str(c.value)) / 100)
            c.number_format = "0%"


def _merge(wb) -> None:
    ws = wb.worksheets[0]
    for i in range(3, 11):
        ws.cell(i, 1).value = None
    ws.merge_cells("A2:A10")


def _blank_rows(wb) -> None:
    wb.worksheets[0].insert_rows(1, 3)


def _far(value: str) -> Callable:
    def tweak(wb) -> None:
        wb.worksheets[0]["XFD1048576"] = value
    return tweak


def _formula(wb) -> None:
    wb.worksheets[0].cell(2, HEADER.index("申报金额") + 1).value = "=150*2"


def _json_report(d: Path, name: str = "rep.json") -> dict:
    return json.loads((d / name).read_text(encoding="utf-8"))


def _statuses_as_csv(d: Path, p: subprocess.CompletedProcess) -> bool:
    rows = _json_report(d)["rows"]
    base = _BASE.get("statuses")
    return [r["状态"] for r in rows][: len(base)] == base if base else True


def _no_ids(d: Path, p: subprocess.CompletedProcess) -> bool:
    text = p.stdout + p.stderr
    for f in d.iterdir():
        if f.name.startswith("rep"):
            text += _text(f)
    return not any(s in text for s in _SECRETS)


def _text(f: Path) -> str:
    if f.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(f, read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    return f.read_text(encoding="utf-8-sig", errors="replace")


_SECRETS = ["141123630214366", "14112319630214366", "1411231963021436644", "6222021234567890123", "13812345678", *IDS]
_BASE: dict = {}


def _yaml(d: Path, body: str, name: str = "a.yaml") -> list[str]:
    (d / name).write_text(body, encoding="utf-8")
    return ["calc", str(d / name), "-f", "json"]


_APPLICANT = """year: 2024
applicant: {{name: 王建国, subject: 农户, category: 一般户}}
claims:
  - rule: xzbf12.s5.courtyard_tiered
    inputs: {{income_gain: {income}, project_kind: 特色种植, passed_acceptance: 是, land_use_compliant: 是, survival_rate: 90,
              within_courtyard: 是, new_this_year: 是, disorderly_or_polluting: 否, raises_income: 是}}
"""


def _award(total: str) -> Callable:
    return lambda d, p: json.loads(p.stdout)["total"] == total


def _bomb(levels: int, width: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * width)}]" for k in range(1, levels)]
    return "\n".join(lines) + "\n"


def _copy(src: Path, d: Path, name: str) -> Path:
    shutil.copy(src, d / name)
    return d / name


def _unchanged(name: str, src: Path) -> Callable:
    return lambda d, p: (d / name).read_bytes() == src.read_bytes()


def cases() -> list[Case]:
    c: list[Case] = []
    R = "reader"
    # ---- reader: rosters as files arrive
    c += [
        Case(R, "CSV UTF-8", lambda d: ["audit", str(_copy(EX_CSV, d, "r.csv")), "--out", str(d / "rep.json")], "ok", rows=N, report="rep.json"),
        Case(R, "CSV GBK", lambda d: ["audit", str(_csv(d / "r.csv", ROWS, encoding="gb18030")), "--out", str(d / "rep.json")], "ok", rows=N, report="rep.json"),
        Case(R, "xlsx example", lambda d: ["audit", str(_copy(EX_XLSX, d, "r.xlsx")), "--out", str(d / "rep.json")], "ok", _statuses_as_csv, rows=N, report="rep.json"),
        Case(R, "xlsx two visible sheets", lambda d: ["audit", str(_wb(d / "r.xlsx", [("一", ROWS[:19], False), ("二", ROWS[19:], False)])), "--out", str(d / "rep.json")],
             "ok", _statuses_as_csv, rows=N, report="rep.json"),
        Case(R, "xlsx hidden old sheet first", lambda d: ["audit", str(_wb(d / "r.xlsx", [("旧", ROWS[:3], True), ("名册", ROWS, False)])), "--out", str(d / "rep.json")],
             "ok", lambda d, p: "隐藏的工作表" in p.stderr, rows=N + 3, report="rep.json"),
        Case(R, "xlsx --sheet picks one", lambda d: ["audit", str(_wb(d / "r.xlsx", [("旧", ROWS[:3], True), ("名册", ROWS, False)])), "--sheet", "名册",
                                                    "--out", str(d / "rep.json")], "ok", _statuses_as_csv, rows=N, report="rep.json"),
        Case(R, "xlsx --sheet missing", lambda d: ["audit", str(_copy(EX_XLSX, d, "r.xlsx")), "--sheet", "无"], "refuse"),
        Case(R, "xlsx percent format", lambda d: ["audit", str(_wb(d / "r.xlsx", [("名册", ROWS, False)], _percent)), "--out", str(d / "rep.json")],
             "ok", _statuses_as_csv, rows=N, report="rep.json"),
        Case(R, "xlsx merged 乡镇", lambda d: ["audit", str(_wb(d / "r.xlsx", [("名册", ROWS, False)], _merge)), "--out", str(d / "rep.json")],
             "ok", lambda d, p: "（未填）" not in json.dumps(_json_report(d)["summaries"], ensure_ascii=False), rows=N, report="rep.json"),
        Case(R, "xlsx 3 blank rows above", lambda d: ["audit", str(_wb(d / "r.xlsx", [("名册", ROWS, False)], _blank_rows)), "--out", str(d / "rep.json")],
             "ok", lambda d, p: _json_report(d)["rows"][0]["行号"] == 5, rows=N, report="rep.json"),
        Case(R, "xlsx space in XFD1048576", lambda d: ["audit", str(_wb(d / "r.xlsx", [("名册", ROWS, False)], _far(" "))), "--out", str(d / "rep.json")],
             "ok", _statuses_as_csv, rows=N, report="rep.json"),
        Case(R, "xlsx value in XFD1048576", lambda d: ["audit", str(_wb(d / "r.xlsx", [("名册", ROWS, False)], _far("x")))], "refuse",
             lambda d, p: "XFD1048576" in p.stderr),
        Case(R, "xlsx formula without value", lambda d: ["audit", str(_wb(d / "r.xlsx", [("名册", ROWS, False)], _formula)), "--out", str(d / "rep.json")],
             "ok", lambda d, p: _json_report(d)["rows"][0]["状态"] == "输入有误", rows=N, report="rep.json"),
        Case(R, "xlsx made by template, notes sheets", lambda d: ["audit", str(_template_filled(d)), "--out", str(d / "rep.json")], "ok",
             lambda d, p: "未读取工作表" in p.stderr, rows=5, report="rep.json"),
        Case(R, "not a zip, .xlsx", lambda d: ["audit", str(_bytes(d / "r.xlsx", b"not a workbook"))], "refuse"),
        Case(R, "empty .xlsx file", lambda d: ["audit", str(_bytes(d / "r.xlsx", b""))], "refuse"),
        Case(R, "old .xls", lambda d: ["audit", str(_bytes(d / "r.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 600))], "refuse"),
        Case(R, "empty CSV", lambda d: ["audit", str(_bytes(d / "r.csv", b""))], "refuse"),
        Case(R, "binary junk CSV", lambda d: ["audit", str(_bytes(d / "r.csv", bytes(range(256)) * 40))], "refuse"),
        Case(R, "header =1+1", lambda d: ["audit", str(_csv(d / "r.csv", [r + ["v"] for r in ROWS], HEADER + ["=1+1"])), "--out", str(d / "rep.csv")], "ok",
             lambda d, p: ",=1+1" not in (d / "rep.csv").read_text(encoding="utf-8-sig")),
        *[Case(R, f"column named {h} → {sfx}", lambda d, h=h, sfx=sfx: ["audit", str(_csv(d / "r.csv", [r + ["v"] for r in ROWS], HEADER + [h])), "--out", str(d / f"rep{sfx}")],
               "ok") for h in ("状态", "原因", "行号", "核定金额（元）", "规则编号") for sfx in (".xlsx", ".csv")],
        Case(R, "a report audited again", lambda d: ["audit", str(_report_again(d)), "--out", str(d / "rep2.xlsx")], "ok"),
        Case(R, "two headers for 姓名", lambda d: ["audit", str(_csv(d / "r.csv", [r + ["x"] for r in ROWS], HEADER + ["户主姓名"]))], "refuse"),
        Case(R, "a header twice", lambda d: ["audit", str(_csv(d / "r.csv", [r + [r[2]] for r in ROWS], HEADER + ["姓名"]))], "refuse"),
        Case(R, "parquet", lambda d: ["audit", str(_parquet(d, None)), "--out", str(d / "rep.json")], "ok", rows=N, report="rep.json"),
        Case(R, "parquet binary column", lambda d: ["audit", str(_parquet(d, "binary")), "--out", str(d / "rep.json")], "ok", rows=N, report="rep.json"),
        Case(R, "parquet list column", lambda d: ["audit", str(_parquet(d, "list"))], "refuse"),
        Case(R, "FIFO", lambda d: ["audit", str(_fifo(d / "r.csv"))], "refuse"),
        Case(R, "/dev/zero", lambda d: ["audit", str(_link(d / "r.csv", "/dev/zero"))], "refuse"),
        Case(R, "a folder", lambda d: ["audit", str(_dir(d / "r.csv"))], "refuse"),
        Case(R, "missing file", lambda d: ["audit", str(d / "missing.csv")], "refuse"),
    ]
    # ---- privacy
    P = "privacy"
    bad_ids = ["141123630214366", "14112319630214366", "1411231963021436644", "１４１１２３１９６３０２１４３６６４", "141123196313143664", ""]

    def priv(d: Path) -> Path:
        rows = []
        for i, idn in enumerate(bad_ids):
            r = ROWS[0][:]
            r[2], r[3] = f"户{i}", idn
            rows.append(r + ["6222021234567890123", "13812345678"])
        return _csv(d / "r.csv", rows, HEADER + ["一卡通账号", "联系电话"])

    for sfx in (".xlsx", ".csv", ".json"):
        c.append(Case(P, f"malformed IDs, card, phone → {sfx}", (lambda s: lambda d: ["audit", str(priv(d)), "--out", str(d / f"rep{s}")])(sfx), "ok", _no_ids,
                      rows=len(bad_ids), report=f"rep{sfx}" if sfx == ".json" else None))
    c.append(Case(P, "example, all formats, IDs masked", lambda d: ["audit", str(_copy(EX_CSV, d, "r.csv")), "--out", str(d / "rep.xlsx")], "ok", _no_ids))
    # ---- writer
    W = "writer"
    for sfx, src in ((".csv", EX_CSV), (".xlsx", EX_XLSX)):
        c += [
            Case(W, f"out = input {sfx}", (lambda s, sr: lambda d: ["audit", str(_copy(sr, d, f"r{s}")), "--out", str(d / f"r{s}")])(sfx, src), "refuse", _unchanged(f"r{sfx}", src)),
            Case(W, f"out = ./input {sfx}", (lambda s, sr: lambda d: ["audit", str(_copy(sr, d, f"r{s}")), "--out", f"./r{s}"])(sfx, src), "refuse", _unchanged(f"r{sfx}", src)),
            Case(W, f"out = symlink to input {sfx}", (lambda s, sr: lambda d: ["audit", str(_copy(sr, d, f"r{s}")), "--out", str(_link(d / f"l{s}", d / f"r{s}"))])(sfx, src),
                 "refuse", _unchanged(f"r{sfx}", src)),
            Case(W, f"out = hard link to input {sfx}", (lambda s, sr: lambda d: ["audit", str(_copy(sr, d, f"r{s}")), "--out", str(_hard(d / f"h{s}", d / f"r{s}"))])(sfx, src),
                 "refuse", _unchanged(f"r{sfx}", src)),
        ]
    c += [
        Case(W, "sidecar = input", lambda d: ["audit", str(_copy(EX_CSV, d, "rep.issues.csv")), "--out", str(d / "rep.csv")], "refuse", _unchanged("rep.issues.csv", EX_CSV)),
        *[Case(W, f"missing folder {s}", lambda d, s=s: ["audit", str(EX_CSV), "--out", str(d / "no" / f"r{s}")], "refuse") for s in (".xlsx", ".csv", ".json")],
        Case(W, "out is a folder", lambda d: ["audit", str(EX_CSV), "--out", str(_dir(d / "x.csv"))], "refuse"),
        Case(W, "unknown output type", lambda d: ["audit", str(EX_CSV), "--out", str(d / "r.txt")], "refuse"),
        *[Case(W, f"disk fills up mid-write {s}", lambda d, s=s: ["audit", str(EX_CSV), "--out", str(_previous(d, s))], "refuse",
               lambda d, p, s=s: _previous_intact(d, s), limit_file=2000) for s in (".xlsx", ".csv", ".json")],
        Case(W, "template t.csv", lambda d: ["template", COURTYARD, "--out", str(d / "t.csv")], "refuse", lambda d, p: not (d / "t.csv").exists()),
        Case(W, "template missing folder", lambda d: ["template", COURTYARD, "--out", str(d / "no" / "t.xlsx")], "refuse"),
        Case(W, "template over a filled roster", lambda d: ["template", COURTYARD, "--out", str(_copy(EX_XLSX, d, "r.xlsx"))], "refuse", _unchanged("r.xlsx", EX_XLSX)),
        Case(W, "template ok", lambda d: ["template", COURTYARD, "--out", str(d / "t.xlsx")], "ok", lambda d, p: (d / "t.xlsx").stat().st_size > 0),
        Case(W, "check --save missing folder", lambda d: ["check", "--save", str(d / "no" / "a.yaml")], "refuse", lambda d, p: "文件夹不存在" in p.stderr),
    ]
    # ---- YAML / JSON (calc)
    Y = "YAML/JSON"
    for income, total in (("02300", "500.00"), ("2300", "500.00"), ('"2,300"', "500.00"), ("２３００", "500.00"), ("2300.0", "500.00")):
        c.append(Case(Y, f"income {income}", (lambda i: lambda d: _yaml(d, _APPLICANT.format(income=i)))(income), "ok", _award(total)))
    for income in ("0x8FC", "0b100011111100", "0o4374", "38:20", "1_000", "!!float nan", "!!float .inf", ".inf", "9" * 5000, '"一千"'):
        c.append(Case(Y, f"income {income[:14]}", (lambda i: lambda d: _yaml(d, _APPLICANT.format(income=i)))(income), "refuse"))
    c += [
        Case(Y, "alias bomb 342 B", lambda d: _yaml(d, _bomb(9, 9)), "refuse", lambda d, p: "别名" in p.stderr),
        Case(Y, "alias bomb 400 KB", lambda d: _yaml(d, _bomb(10, 4000)), "refuse", lambda d, p: "别名" in p.stderr),
        Case(Y, "alias cycle", lambda d: _yaml(d, "a: &a [*a]\n"), "refuse"),
        Case(Y, "nesting 10,000 deep", lambda d: _yaml(d, "a: " + "[" * 10000 + "]" * 10000 + "\n"), "refuse"),
        Case(Y, "!!python/object tag", lambda d: _yaml(d, "a: !!python/object:os.system ls\n"), "refuse"),
        Case(Y, "!!binary tag", lambda d: _yaml(d, "a: !!binary aGk=\n"), "refuse"),
        Case(Y, "!!set tag", lambda d: _yaml(d, "a: !!set {x, y}\n"), "refuse"),
        Case(Y, "merge key <<", lambda d: _yaml(d, "x: &x {year: 2024}\n<<: *x\n"), "refuse"),
        Case(Y, "YAML lone surrogate", lambda d: _yaml(d, 'year: 2024\napplicant: {name: "\\ud800", subject: 农户}\n'), "refuse"),
        Case(Y, "YAML duplicate key", lambda d: _yaml(d, "year: 2024\nyear: 2025\n"), "refuse"),
        Case(Y, "JSON duplicate key", lambda d: _yaml(d, '{"year": 2024, "year": 2025}', "a.json"), "refuse"),
        Case(Y, "JSON NaN", lambda d: _yaml(d, '{"year": NaN}', "a.json"), "refuse"),
        Case(Y, "JSON 5000-digit int", lambda d: _yaml(d, '{"year": 1' + "0" * 5000 + "}", "a.json"), "refuse"),
        Case(Y, "JSON lone surrogate", lambda d: _yaml(d, '{"year": 2024, "applicant": {"name": "\\ud800", "subject": "农户"}}', "a.json"), "refuse"),
        Case(Y, "JSON float", lambda d: _yaml(d, '{"year": 2024, "applicant": {"name": "x", "subject": "农户", "category": "一般户"}, "claims": '
                                                '[{"rule": "xzbf12.s5.courtyard_tiered", "inputs": {"income_gain": 2300.0}}]}', "a.json"), "ok"),
        Case(Y, "escape codes in a name", lambda d: ["calc", str(_text_file(d / "a.yaml", _APPLICANT.format(income=2300).replace("王建国", '"王\\e[31m建国\\e]0;x\\a"'))),
                                                   "-f", "markdown"], "ok", lambda d, p: "\x1b" not in p.stdout),
        Case(Y, "zero-width space in a name", lambda d: _yaml(d, _APPLICANT.format(income=2300).replace("王建国", '"王\\u200b建国"')), "ok",
             lambda d, p: json.loads(p.stdout)["applicant"]["name"] == "王建国"),
        Case(Y, "/dev/zero applicant", lambda d: ["calc", str(_link(d / "a.yaml", "/dev/zero"))], "refuse"),
        Case(Y, "FIFO applicant", lambda d: ["calc", str(_fifo(d / "a.yaml"))], "refuse"),
        Case(Y, "6 MB applicant", lambda d: ["calc", str(_bytes(d / "a.yaml", b"# " + b"x" * 6_000_000 + b"\n"))], "refuse"),
        Case(Y, "NUL bytes", lambda d: ["calc", str(_bytes(d / "a.yaml", b"\0\0\0"))], "refuse"),
    ]
    # ---- roster households and totals
    H = "roster values"

    def zw(d: Path) -> Path:
        a, b = ROWS[0][:], ROWS[0][:]
        a[3] = b[3] = ""
        b[2] = b[2][0] + "\u200b" + b[2][1:]
        for r, tag in ((a, "一"), (b, "二")):
            r[HEADER.index("项目标签")] = tag
            r[HEADER.index("通过发展庭院经济当年户增收")] = "3500"
            r[HEADER.index("申报金额")] = "700"
        return _csv(d / "r.csv", [a, b])

    def caps(d: Path) -> Path:
        a = ROWS[0][:]
        a[HEADER.index("项目")] = COURTYARD.upper()
        return _csv(d / "r.csv", [a])

    def big(d: Path) -> Path:
        rows = []
        for i in range(93):
            r = ROWS[0][:]
            r[2], r[3], r[HEADER.index("申报金额")] = f"户{i}", "", "999999999999999"
            rows.append(r)
        return _csv(d / "r.csv", rows)

    c += [
        Case(H, "zero-width space: one household", lambda d: ["audit", str(zw(d)), "--out", str(d / "rep.json")], "ok",
             lambda d, p: _json_report(d)["summaries"]["按乡镇汇总"][-1]["核定金额合计（元）"] == "700.00", rows=2, report="rep.json"),
        Case(H, "rule id in capitals counted in 附件7", lambda d: ["audit", str(caps(d)), "--out", str(d / "rep.json")], "ok",
             lambda d, p: [t["申请户数"] for k, v in _json_report(d)["summaries"].items() if "附件7" in k for t in v] == [1], rows=1, report="rep.json"),
        Case(H, "93 × 999,999,999,999,999", lambda d: ["audit", str(big(d)), "--out", str(d / "rep.json")], "ok",
             lambda d, p: _json_report(d)["summaries"]["按乡镇汇总"][-1]["申报金额合计（元）"] == str(93 * 999_999_999_999_999) + ".00", rows=93, report="rep.json"),
    ]
    # ---- CLI options
    opt = "CLI options"
    c += [
        Case(opt, "--explain-limit -1", lambda d: ["audit", str(EX_CSV), "--explain-limit", "-1"], "refuse"),
        Case(opt, "template --rows -1", lambda d: ["template", COURTYARD, "--rows", "-1", "--out", str(d / "t.xlsx")], "refuse"),
        Case(opt, "template --rows 2000000", lambda d: ["template", COURTYARD, "--rows", "2000000", "--out", str(d / "t.xlsx")], "refuse"),
        Case(opt, "--year 1999", lambda d: ["audit", str(EX_CSV), "--year", "1999"], "refuse"),
        Case(opt, "--engine x", lambda d: ["audit", str(EX_CSV), "--engine", "x"], "refuse"),
    ]
    return c


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _text_file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _link(path: Path, target: Path | str) -> Path:
    path.symlink_to(target)
    return path


def _hard(path: Path, target: Path) -> Path:
    os.link(target, path)
    return path


def _dir(path: Path) -> Path:
    path.mkdir()
    return path


def _parquet(d: Path, kind: str | None) -> Path:
    import polars as pl

    df = pl.read_csv(EX_CSV, infer_schema=False)
    if kind == "binary":
        df = df.with_columns(pl.col("村").cast(pl.Binary))
    elif kind == "list":
        df = df.with_columns(pl.col("村").map_elements(lambda v: [v], return_dtype=pl.List(pl.String)))
    df.write_parquet(d / "r.parquet")
    return d / "r.parquet"


def _template_filled(d: Path) -> Path:
    import openpyxl

    subprocess.run([*CLI, "template", COURTYARD, "--out", str(d / "t.xlsx")], check=True, capture_output=True, cwd=ROOT)
    wb = openpyxl.load_workbook(d / "t.xlsx")
    ws = wb["名册"]
    for r in ROWS[:5]:
        ws.append([v or None for v in r[: ws.max_column]])
    wb.save(d / "t.xlsx")
    return d / "t.xlsx"


def _report_again(d: Path) -> Path:
    import openpyxl

    subprocess.run([*CLI, "audit", str(EX_CSV), "--out", str(d / "first.xlsx")], check=True, capture_output=True, cwd=ROOT)
    wb = openpyxl.load_workbook(d / "first.xlsx")
    for name in wb.sheetnames[1:]:
        del wb[name]
    wb.save(d / "again.xlsx")
    return d / "again.xlsx"


def _previous(d: Path, sfx: str) -> Path:
    """A previous report (written without a limit), whose bytes are kept to compare."""
    out = d / f"rep{sfx}"
    subprocess.run([*CLI, "audit", str(EX_CSV), "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
    (d / "before").mkdir()
    for f in d.glob("rep*"):
        shutil.copy(f, d / "before" / f.name)
    return out


def _previous_intact(d: Path, sfx: str) -> bool:
    before = {f.name: f.read_bytes() for f in (d / "before").iterdir()}
    now = {f.name: f.read_bytes() for f in d.glob("rep*")}
    return before == now and not list(d.glob(".*.tmp"))


def _limits(limit_file: int | None) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        if limit_file is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file, limit_file))
    return apply


@dataclass
class Outcome:
    case: Case
    kind: str  # refused, right, wrong, traceback
    rows_lost: int
    detail: str
    seconds: float


def run(case: Case, base: Path) -> Outcome:
    d = Path(tempfile.mkdtemp(dir=base))
    t0 = time.monotonic()
    try:
        args = case.args(d)
        p = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, cwd=d, preexec_fn=_limits(case.limit_file),
                           input=case.stdin, env={**os.environ, **(case.env or {})}, errors="replace")
    except subprocess.TimeoutExpired:
        return Outcome(case, "wrong", 0, "timeout (a hang)", time.monotonic() - t0)
    dt = time.monotonic() - t0
    out = p.stdout + p.stderr
    if "Traceback" in out or p.returncode not in (0, 1, 2):
        return Outcome(case, "traceback", 0, f"exit {p.returncode}: {out[-300:]}", dt)
    lost = 0
    if case.rows is not None and case.report and p.returncode == 0:
        try:
            lost = case.rows - len(_json_report(d, case.report)["rows"])
        except (OSError, ValueError, KeyError):
            lost = case.rows
    try:
        ok = case.check(d, p) if case.check else True
    except Exception as exc:  # a check that cannot read the output: the case failed
        ok, out = False, f"check failed: {exc!r} " + out
    if case.expect == "refuse":
        kind = "refused" if p.returncode == 2 and p.stderr.strip() and ok else "wrong"
    else:
        kind = "right" if p.returncode in (0, 1) and ok and lost == 0 else "wrong"
    return Outcome(case, kind, lost, f"exit {p.returncode}: {out[-300:]}" if kind == "wrong" else "", dt)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", type=Path, help="keep the scratch folders here")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="attack-"))
    base.mkdir(parents=True, exist_ok=True)
    p = subprocess.run([*CLI, "audit", str(EX_CSV), "--out", str(base / "base.json")], capture_output=True, text=True, cwd=ROOT)
    _BASE["statuses"] = [r["状态"] for r in json.loads((base / "base.json").read_text(encoding="utf-8"))["rows"]] if p.returncode == 0 else []
    all_cases = cases()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(lambda c: run(c, base), all_cases))
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for o in outcomes:
        t = table[o.case.surface]
        t["tried"] += 1
        t[o.kind] += 1
        t["lost"] += max(o.rows_lost, 0)
    lines = ["| surface | inputs tried | clean refusals | right results | wrong | tracebacks | rows lost |", "|---|---:|---:|---:|---:|---:|---:|"]
    for surface, t in table.items():
        lines.append(f"| {surface} | {t['tried']} | {t['refused']} | {t['right']} | {t['wrong']} | {t['traceback']} | {t['lost']} |")
    tot = {k: sum(t[k] for t in table.values()) for k in ("tried", "refused", "right", "wrong", "traceback", "lost")}
    lines.append(f"| **all** | {tot['tried']} | {tot['refused']} | {tot['right']} | {tot['wrong']} | {tot['traceback']} | {tot['lost']} |")
    print("\n".join(lines))
    for o in outcomes:
        if o.kind in ("wrong", "traceback") or o.rows_lost:
            print(f"FAILED [{o.case.surface}] {o.case.name}: {o.kind}, rows lost {o.rows_lost}; {o.detail}", file=sys.stderr)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if tot["wrong"] or tot["traceback"] or tot["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
