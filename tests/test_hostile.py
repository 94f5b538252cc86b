"""Never destroy, lose or leak (issue 10): the boundaries where hostile and ordinary files broke the
promises — writers, workbook structure, YAML/JSON features, identifiers, the CLI's limits.

Each test named ``test_issue10_*`` reproduces one failure the issue confirmed (it failed before the
fix); the hypothesis tests fuzz the same surfaces and assert: every input row accounted for, no
traceback, no identifier in full in any output.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import read_roster
from xingxian_subsidy.audit.writers import write_report
from xingxian_subsidy.cli import app
from xingxian_subsidy.core.errors import InputError, OutputError
from xingxian_subsidy.core.yamlio import LoadFailure, load_with_lines
from xingxian_subsidy.engine.calculate import calculate_file
from xingxian_subsidy.pack.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
EX_CSV = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"
EX_XLSX = ROOT / "examples" / "roster_蔡家崖乡_2024.xlsx"
CLI = [sys.executable, "-m", "xingxian_subsidy"]
runner = CliRunner()
PACK = load_rules()
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=max(EXAMPLES // 10, 8), deadline=None, suppress_health_check=list(HealthCheck))

with EX_CSV.open(encoding="utf-8-sig", newline="") as _fh:
    _ALL = list(csv.reader(_fh))
HEADER, ROWS = _ALL[0], _ALL[1:]
COURTYARD = "xzbf12.s5.courtyard_tiered"
# a household row of 庭院经济 that is 一致 on its own: 3,500 元 of income gain pays 700 元 (五档)
COURTYARD_ROW = {"乡镇": "蔡家崖乡", "村": "碾子", "姓名": "王建国", "身份证号": "141123196302143664", "主体类型": "农户", "农户类型": "一般户",
                 "项目": COURTYARD, "申报金额": "700", "通过发展庭院经济当年户增收": "3500", "庭院经济类型": "特色种植", "验收合格（含县级抽验）": "是",
                 "符合用地要求": "是", "成活率/存活率": "90", "在庭院范围内发展": "是", "当年新实施项目": "是", "乱搭乱建影响村容村貌或造成环境污染": "否",
                 "能带动农户增收（非自产自销自赏）": "是"}


def _row(**cells: str) -> list[str]:
    d = {**COURTYARD_ROW, **cells}
    return [d.get(h, "") for h in HEADER]


def _write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _cells(rows: list[list[str]]) -> list[list[object]]:
    return [[c if c != "" else None for c in r] for r in rows]


def _no_traceback(result) -> None:
    text = (result.stdout or "") + (result.stderr or "")
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def _outputs_text(paths: list[Path]) -> str:
    out = []
    for p in paths:
        if p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p, read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    out.append(" ".join("" if v is None else str(v) for v in row))
        else:
            out.append(p.read_text(encoding="utf-8-sig"))
    return "\n".join(out)


# ------------------------------------------------------------------------------------------- writers


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_issue10_the_report_is_never_written_over_its_roster(tmp_path: Path, suffix: str) -> None:
    src = tmp_path / f"r{suffix}"
    src.write_bytes((EX_CSV if suffix == ".csv" else EX_XLSX).read_bytes())
    before = src.read_bytes()
    os.link(src, tmp_path / f"hard{suffix}")
    (tmp_path / f"soft{suffix}").symlink_to(src)
    for out in (str(src), f"./{src.name}", str(tmp_path / f"hard{suffix}"), str(tmp_path / f"soft{suffix}"), str(tmp_path / "x" / ".." / src.name)):
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            result = runner.invoke(app, ["audit", str(src), "--out", out])
        finally:
            os.chdir(cwd)
        _no_traceback(result)
        assert result.exit_code == 2, (out, result.output)
        assert "输出文件就是输入文件" in result.stderr
    assert src.read_bytes() == before


def test_issue10_a_sidecar_is_never_written_over_the_roster(tmp_path: Path) -> None:
    src = tmp_path / "r.issues.csv"
    src.write_bytes(EX_CSV.read_bytes())
    result = runner.invoke(app, ["audit", str(src), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2 and "输出文件就是输入文件" in result.stderr
    assert src.read_bytes() == EX_CSV.read_bytes()
    assert not (tmp_path / "r.csv").exists(), "all or nothing: no file of the set was written"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".json"])
def test_issue10_a_report_into_a_missing_folder_is_a_message(tmp_path: Path, suffix: str) -> None:
    result = runner.invoke(app, ["audit", str(EX_CSV), "--out", str(tmp_path / "no" / f"r{suffix}")])
    _no_traceback(result)
    assert result.exit_code == 2 and "文件夹不存在" in result.stderr and f"r{suffix}" in result.stderr


def test_issue10_template_refuses_csv_a_missing_folder_negative_rows_and_a_filled_roster(tmp_path: Path) -> None:
    for args, words in (
        (["--out", str(tmp_path / "t.csv")], ".xlsx"),
        (["--out", str(tmp_path / "no" / "t.xlsx")], "文件夹不存在"),
        (["--out", str(tmp_path / "t.xlsx"), "--rows", "-1"], "--rows"),
    ):
        result = runner.invoke(app, ["template", COURTYARD, *args])
        _no_traceback(result)
        assert result.exit_code == 2 and words in result.output, result.output
    assert not (tmp_path / "t.csv").exists()
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(EX_XLSX.read_bytes())
    result = runner.invoke(app, ["template", COURTYARD, "--out", str(filled)])
    assert result.exit_code == 2 and filled.read_bytes() == EX_XLSX.read_bytes()
    assert runner.invoke(app, ["template", COURTYARD, "--out", str(filled), "--force"]).exit_code == 0
    assert openpyxl.load_workbook(filled).sheetnames[0] == "名册"


def test_issue10_explain_limit_below_zero_is_refused() -> None:
    result = runner.invoke(app, ["audit", str(EX_CSV), "--explain-limit", "-1"])
    assert result.exit_code == 2


def test_issue10_check_save_into_a_missing_folder_is_refused_before_any_question(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--save", str(tmp_path / "no" / "a.yaml")], input="")
    _no_traceback(result)
    assert result.exit_code == 2 and "文件夹不存在" in result.stderr
    assert "输入未完成" not in result.stderr, "refused before the questionnaire began"


def test_a_save_that_fails_at_the_end_keeps_the_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xingxian_subsidy.cli import selfcheck

    def full(*_a, **_k):
        raise OutputError([selfcheck_problem()])

    def selfcheck_problem():
        from xingxian_subsidy.core.files import output_problem

        return output_problem(tmp_path / "a.yaml", OSError(28, "No space left on device"))

    monkeypatch.setattr("xingxian_subsidy.core.files.write_all", full)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    saved = selfcheck._save_answers(tmp_path / "a.yaml", "year: 2024\n", "zh")
    assert saved != tmp_path / "a.yaml" and saved.read_text() == "year: 2024\n"


def _report_set(tmp_path: Path, name: str = "rep.csv") -> list[Path]:
    out = tmp_path / name
    return [out, out.with_name(out.stem + ".issues.csv"), out.with_name(out.stem + ".summary.csv"), out.with_name(out.stem + ".stamp.json")]


def test_issue10_a_full_disk_mid_set_leaves_the_previous_report_set_whole(tmp_path: Path, pack, monkeypatch: pytest.MonkeyPatch) -> None:
    rep = audit(EX_CSV, pack)
    files = write_report(rep, tmp_path / "rep.csv")
    before = {p: p.read_bytes() for p in files}
    import xingxian_subsidy.audit.writers as writers

    real = writers._write_csv

    def fails_second(df, path, clean=()):  # the problem list, written beside the detail
        if ".issues.csv." in path.name:
            raise OSError(28, "No space left on device", str(path))
        real(df, path, clean)

    monkeypatch.setattr(writers, "_write_csv", fails_second)
    with pytest.raises(OutputError) as err:
        write_report(rep, tmp_path / "rep.csv")
    assert "磁盘已满" in err.value.text("zh") and "rep.issues.csv" in err.value.text("zh")
    assert {p: p.read_bytes() for p in files} == before, "the previous set untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files), "no temporary file left"


def test_write_all_side_by_side_a_failure_leaves_nothing_and_names_its_file(tmp_path: Path) -> None:
    """Writers run at once: one fails while the other is still writing; the other ends, every
    temporary file is removed, the previous files stay, and the message names the one that failed."""
    import threading

    from xingxian_subsidy.core.files import write_all

    a, b, stamp = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "s.json"
    for p in (a, b, stamp):
        p.write_text("old")
    started = threading.Barrier(2, timeout=10)

    def slow(tmp: Path) -> None:
        started.wait()
        tmp.write_text("new a")

    def full(tmp: Path) -> None:
        started.wait()  # both are writing at once: with one at a time this would time out
        raise OSError(28, "No space left on device", str(tmp))

    then_ran = []
    with pytest.raises(OutputError) as err:
        write_all({a: slow, b: full}, at_once=2, then={stamp: lambda tmp: then_ran.append(tmp)})
    assert "b.csv" in err.value.text("zh") and "磁盘已满" in err.value.text("zh") and "a.csv" not in err.value.text("zh")
    assert not then_ran, "the stamp is not written after a failure"
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a.csv": "old", "b.csv": "old", "s.json": "old"}


def test_write_all_then_sees_every_file_whole(tmp_path: Path) -> None:
    """The writers of ``then`` run once the others have ended: a stamp hashes whole files."""
    import time

    from xingxian_subsidy.core.files import write_all

    seen = {}

    def late(tmp: Path) -> None:
        time.sleep(0.2)
        tmp.write_text("x" * 1000)

    def stamp(tmp: Path) -> None:
        seen.update({p.name: p.stat().st_size for p in tmp_path.iterdir() if p.name.startswith(".a.csv.")})
        tmp.write_text("stamp")

    out = write_all({tmp_path / "a.csv": late, tmp_path / "b.csv": lambda tmp: tmp.write_text("b")}, at_once=2,
                    then={tmp_path / "s.json": stamp})
    assert [p.name for p in out] == ["a.csv", "b.csv", "s.json"]
    assert list(seen.values()) == [1000]
    assert (tmp_path / "a.csv").read_text() == "x" * 1000 and (tmp_path / "s.json").read_text() == "stamp"


_CTRL_C_SCRIPT = """
import sys, time
from pathlib import Path
from xingxian_subsidy.core.files import write_all
out = Path(sys.argv[1])
def late(tmp):
    print("STARTED", flush=True)
    time.sleep(1.5)
    tmp.write_text("late")  # after Ctrl-C and before the clean-up: must not outlive it
def queued(tmp):
    time.sleep(0.5)
    tmp.write_text("queued")
try:
    write_all({out / "a.csv": late, out / "b.csv": queued, out / "c.csv": queued}, at_once=2)
except KeyboardInterrupt:
    print("INTERRUPTED", flush=True)
    sys.exit(130)
"""


def test_ctrl_c_while_writers_run_side_by_side_leaves_no_temporary_file(tmp_path: Path) -> None:
    """Ctrl-C stops the writers not yet started and waits for those running before the temporary
    files are removed: a writer still on its way to its file does not make it anew afterwards
    (found in review)."""
    proc = subprocess.Popen([sys.executable, "-c", _CTRL_C_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"STARTED"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert proc.stdout.read().strip() == b"INTERRUPTED"
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no file, temporary or not"


def test_one_output_named_twice_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    from xingxian_subsidy.core.files import write_all

    a = tmp_path / "a.csv"
    with pytest.raises(OutputError) as err:
        write_all({a: lambda tmp: tmp.write_text("1")}, then={tmp_path / "." / "a.csv": lambda tmp: tmp.write_text("2")})
    assert "同一个输出文件给了两次" in err.value.text("zh")
    assert list(tmp_path.iterdir()) == []


def test_a_library_error_that_gives_its_code_only_in_words_is_named_by_it(tmp_path: Path) -> None:
    """polars raises OSError("File too large (os error 27)") with no errno: the reason is still told."""
    from xingxian_subsidy.core.files import output_problem

    said = output_problem(tmp_path / "a.csv", OSError("File too large (os error 27)"))
    assert "文件超出允许的大小" in said.message["zh"] and "a.csv" in said.source
    assert "磁盘已满" in output_problem(tmp_path / "a.csv", OSError("No space left on device (os error 28)")).message["zh"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_folder_named_tilde_is_that_folder_not_the_home(tmp_path: Path, pack, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """polars reads a path that starts with ~ as the home folder: the report (and the roster) go
    to the folder the user named (found in review)."""
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "~").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    shutil.copy(EX_CSV, tmp_path / "~" / "roster.csv")
    rep = audit(Path("~/roster.csv"), pack)
    files = write_report(rep, Path(f"~/rep{suffix}"))
    assert all((tmp_path / "~" / f.name).stat().st_size > 0 for f in files)
    assert list(home.iterdir()) == []
    if suffix == ".csv":  # and the stream path
        res = CliRunner().invoke(app, ["audit", "~/roster.csv", "--stream", "--out", "~/streamed.csv", "--no-progress"])
        assert res.exit_code in (0, 1), res.output
        assert (tmp_path / "~" / "streamed.csv").read_bytes() == (tmp_path / "~" / "rep.csv").read_bytes()
        assert list(home.iterdir()) == []


def test_issue10_sidecars_of_two_runs_do_not_mix(tmp_path: Path, pack) -> None:
    """The stamp names the SHA-256 of its run's report and sidecars."""
    import hashlib

    files = write_report(audit(EX_CSV, pack), tmp_path / "rep.csv")
    stamp = json.loads(files[-1].read_text(encoding="utf-8"))
    assert stamp["files"] == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files[:-1]}


_KILL_SCRIPT = """
import sys, time
from pathlib import Path
import xingxian_subsidy.audit.writers as w
from xingxian_subsidy.audit.pipeline import audit
real = w._write_csv
def slow(df, path, clean=()):
    real(df, path, clean)
    with open(path, "ab") as fh:
        fh.write(b"partial")
        fh.flush()
        sys.stdout.write("WRITING\\n")  # one write: the detail and the problem list are written side by side
        sys.stdout.flush()
        time.sleep(60)
w._write_csv = slow
w.write_report(audit(sys.argv[1]), sys.argv[2])
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_issue10_a_process_killed_mid_write_leaves_the_previous_report(tmp_path: Path, pack, sig: int) -> None:
    files = write_report(audit(EX_CSV, pack), tmp_path / "rep.csv")
    before = {p: p.read_bytes() for p in files}
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(EX_CSV), str(tmp_path / "rep.csv")], stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"WRITING"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert {p: p.read_bytes() for p in files} == before, "the previous report is whole"


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(fail_at=st.integers(min_value=1, max_value=12), suffix=st.sampled_from([".csv", ".xlsx", ".json"]))
def test_writer_failures_anywhere_leave_old_or_new_never_a_mix(tmp_path_factory, fail_at: int, suffix: str) -> None:
    """A write that fails at any of its file operations leaves the previous output whole."""
    pack = PACK
    tmp = tmp_path_factory.mktemp("w")
    rep = audit(EX_CSV, pack)
    files = write_report(rep, tmp / f"rep{suffix}")
    before = {p: p.read_bytes() for p in files}
    import builtins

    real_open, count = builtins.open, [0]

    def flaky_open(file, mode="r", *a, **k):
        if any(m in mode for m in "wa+") and str(file).endswith(".tmp"):
            count[0] += 1
            if count[0] == fail_at:
                raise OSError(28, "No space left on device", str(file))
        return real_open(file, mode, *a, **k)

    builtins.open = flaky_open
    try:
        try:
            write_report(rep, tmp / f"rep{suffix}")
            failed = False
        except OutputError:
            failed = True
    finally:
        builtins.open = real_open
    after = {p: p.read_bytes() for p in files}
    if failed:
        assert after == before
    leftovers = [p.name for p in tmp.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


# ------------------------------------------------------------------------------------------- readers


def _workbook(path: Path, sheets: list[tuple[str, list[list[object]], bool]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, hidden in sheets:
        ws = wb.create_sheet(name)
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
        if hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def test_issue10_every_sheet_is_read_hidden_too_and_named(tmp_path: Path, pack) -> None:
    rows = _cells(ROWS)
    path = _workbook(tmp_path / "w.xlsx", [("旧表", rows[:3], True), ("一村", rows[:19], False), ("二村", rows[19:], False)])
    rep = audit(path, pack)
    assert rep.rows.height == 3 + 39, "every row of every sheet"
    assert rep.rows.get_column("sheet").to_list() == ["旧表"] * 3 + ["一村"] * 19 + ["二村"] * 20
    assert [(s["name"], s["hidden"], s["status"], s["rows"]) for s in rep.stamp["sheets"]] == [
        ("旧表", True, "read", 3), ("一村", False, "read", 19), ("二村", False, "read", 20)]
    result = runner.invoke(app, ["audit", str(path)])
    assert result.exit_code == 0 and "隐藏的工作表“旧表”也已读取" in result.stderr
    only = audit(read_roster(path, ["一村", "二村"]), pack)
    base = audit(EX_CSV, pack)
    assert only.rows.get_column("status").to_list() == base.rows.get_column("status").to_list()
    assert only.rows.get_column("award_fen").to_list() == base.rows.get_column("award_fen").to_list()


def test_sheets_that_are_not_rosters_are_listed_not_read(tmp_path: Path, pack) -> None:
    blank = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["template", COURTYARD, "--out", str(blank)]).exit_code == 0
    wb = openpyxl.load_workbook(blank)
    for r in _cells(ROWS[:5]):
        wb["名册"].append(r[: wb["名册"].max_column])
    wb.save(blank)
    rep = audit(blank, pack)
    assert rep.rows.height == 5
    assert {s["name"]: s["status"] for s in rep.stamp["sheets"]} == {"名册": "read", "选项": "not_roster", "填表说明": "not_roster"}


def test_a_named_sheet_that_does_not_exist_is_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", str(EX_XLSX), "--sheet", "不存在"])
    assert result.exit_code == 2 and "没有工作表“不存在”" in result.stderr and "名册" in result.stderr


def _far_cell_workbook(path: Path, value: str) -> Path:
    wb = openpyxl.load_workbook(EX_XLSX)
    wb.active["XFD1048576"] = value
    wb.save(path)
    return path


def _limited(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """A CLI run with its address space capped at 4 GB: an attempt at a dense grid of the whole
    sheet fails there (exit 134) instead of taking the machine."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, preexec_fn=cap, cwd=ROOT, **kw)


def test_issue10_a_space_typed_in_the_last_cell_of_the_sheet_is_ignored(tmp_path: Path) -> None:
    path = _far_cell_workbook(tmp_path / "far.xlsx", " ")
    run = _limited([*CLI, "audit", str(path), "--out", str(tmp_path / "far.json")])
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert json.loads((tmp_path / "far.json").read_text(encoding="utf-8"))["stamp"]["rows"] == 39


def test_a_value_in_the_last_cell_of_the_sheet_is_refused_by_its_address(tmp_path: Path) -> None:
    path = _far_cell_workbook(tmp_path / "far.xlsx", "x")
    run = _limited([*CLI, "audit", str(path)])
    assert run.returncode == 2 and "XFD1048576" in run.stderr and "Traceback" not in run.stderr


def _styled_workbook(path: Path, *, blank_rows: int = 0, percent: bool = False, merge_town: bool = False, formula: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    for _ in range(blank_rows):
        ws.append([])
    ws.append(HEADER)
    rate = HEADER.index("成活率/存活率")
    for r in _cells(ROWS):
        if percent and r[rate] is not None:
            r[rate] = float(Decimal(r[rate]) / 100)
        ws.append(r)
    first = blank_rows + 2
    if percent:
        for i in range(first, first + len(ROWS)):
            ws.cell(i, rate + 1).number_format = "0%"
    if merge_town:
        for i in range(first + 1, first + 10):
            ws.cell(i, 1).value = None
        ws.merge_cells(start_row=first, start_column=1, end_row=first + 9, end_column=1)
    if formula:
        ws.cell(first, HEADER.index("申报金额") + 1).value = "=150*2"  # no saved value: openpyxl does not calculate
    wb.save(path)
    return path


def test_issue10_a_percent_cell_is_read_as_shown(tmp_path: Path, pack) -> None:
    rep = audit(_styled_workbook(tmp_path / "p.xlsx", percent=True), pack)
    base = audit(EX_CSV, pack)
    assert rep.rows.get_column("status").to_list() == base.rows.get_column("status").to_list(), "90% is 90, not 0.9"


def test_issue10_merged_township_cells_fill_their_rows_and_the_summary(tmp_path: Path, pack) -> None:
    rep = audit(_styled_workbook(tmp_path / "m.xlsx", merge_town=True), pack)
    assert rep.rows.get_column("township").head(10).to_list() == ["蔡家崖乡"] * 10
    assert "（未填）" not in rep.summaries["by_township"].get_column("township").to_list()


def test_issue10_row_numbers_are_the_sheets_when_it_starts_with_blank_rows(tmp_path: Path, pack) -> None:
    rep = audit(_styled_workbook(tmp_path / "b.xlsx", blank_rows=3), pack)
    assert rep.rows.get_column("row").to_list() == list(range(5, 5 + 39))
    bad = rep.issues.filter(pl.col("kind") == "bad_input").get_column("row").to_list()
    base = audit(EX_CSV, pack).issues.filter(pl.col("kind") == "bad_input").get_column("row").to_list()
    assert bad == [r + 3 for r in base]


def test_a_formula_without_a_saved_value_is_not_a_blank(tmp_path: Path, pack) -> None:
    rep = audit(_styled_workbook(tmp_path / "f.xlsx", formula=True), pack)
    assert rep.rows.height == 39
    assert rep.rows.row(0, named=True)["status"] == "bad_input", "the formula is named, not read as no amount"


@pytest.mark.parametrize("header", ["状态", "原因", "行号", "核定金额（元）", "规则编号", "差额（申报−核定，元）", "=1+1"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".json"])
def test_issue10_a_column_named_like_a_report_column_is_kept(tmp_path: Path, pack, header: str, suffix: str) -> None:
    path = _write_csv(tmp_path / "r.csv", [r + ["原表的值"] for r in ROWS], HEADER + [header])
    files = write_report(audit(path, pack), tmp_path / f"rep{suffix}")
    text = _outputs_text(files)
    assert "原表的值" in text
    if header.startswith("=") and suffix != ".json":
        assert "'=1+1" in text
        if suffix == ".csv":
            assert ",=1+1" not in files[0].read_text(encoding="utf-8-sig")


def test_issue10_a_report_audited_again_is_read(tmp_path: Path, pack) -> None:
    first = write_report(audit(EX_CSV, pack), tmp_path / "rep.xlsx")[0]
    wb = openpyxl.load_workbook(first)
    for name in wb.sheetnames[1:]:
        del wb[name]
    wb.save(tmp_path / "again.xlsx")
    result = runner.invoke(app, ["audit", str(tmp_path / "again.xlsx"), "--out", str(tmp_path / "rep2.xlsx")])
    _no_traceback(result)
    assert result.exit_code in (0, 2), result.output


def test_issue10_two_headers_for_one_field_are_refused(tmp_path: Path, pack) -> None:
    path = _write_csv(tmp_path / "r.csv", [r + ["x"] for r in ROWS], HEADER + ["户主姓名"])
    with pytest.raises(InputError) as err:
        audit(path, pack)
    assert "“姓名”、“户主姓名”" in err.value.text("zh")


def test_issue10_parquet_list_and_binary_columns(tmp_path: Path, pack) -> None:
    df = pl.read_csv(EX_CSV, infer_schema=False)
    df.with_columns(pl.col("村").cast(pl.Binary)).write_parquet(tmp_path / "b.parquet")
    assert audit(tmp_path / "b.parquet", pack).rows.get_column("village").to_list() == df.get_column("村").to_list()
    df.with_columns(pl.col("村").map_elements(lambda v: [v], return_dtype=pl.List(pl.String))).write_parquet(tmp_path / "l.parquet")
    with pytest.raises(InputError) as err:
        read_roster(tmp_path / "l.parquet")
    assert "“村”" in err.value.text("zh")


@pytest.mark.parametrize("kind", ["fifo", "dir", "devzero"])
def test_issue10_non_regular_files_are_refused_without_reading(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / "r.csv"
        os.mkfifo(path)
    elif kind == "dir":
        path = tmp_path / "r.csv"
        path.mkdir()
    else:
        path = tmp_path / "r.csv"
        path.symlink_to("/dev/zero")
    run = subprocess.run([*CLI, "audit", str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    # a folder is a folder of rosters (issue 11): this one holds none
    assert run.returncode == 2 and ("没有名册文件" if kind == "dir" else "不是普通文件") in run.stderr, run.stderr
    yaml_path = tmp_path / "a.yaml"
    if kind == "fifo":
        os.mkfifo(yaml_path)
    else:
        yaml_path.symlink_to("/dev/zero" if kind == "devzero" else tmp_path)
    run = subprocess.run([*CLI, "calc", str(yaml_path)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 2 and "不是普通文件" in run.stderr, run.stderr


# ------------------------------------------------------------------------------------- privacy


MALFORMED_IDS = ["141123630214366", "14112319630214366", "1411231963021436644", "１４１１２３１９６３０２１４３６６４", "141123196313143664"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".json"])
def test_issue10_no_identifier_in_full_in_any_output(tmp_path: Path, pack, suffix: str) -> None:
    card, phone = "6222021234567890123", "13812345678"
    rows = [_row(姓名=f"户{i}", 身份证号=idn, 村=f"村{i}") + [card, phone] for i, idn in enumerate(MALFORMED_IDS)]
    rows.append(_row(姓名="无证", 身份证号="", 村="x") + ["", ""])
    path = _write_csv(tmp_path / "r.csv", rows, HEADER + ["一卡通账号", "联系电话"])
    files = write_report(audit(path, pack), tmp_path / f"rep{suffix}")
    text = _outputs_text(files)
    for secret in [*MALFORMED_IDS, "141123630214366"[:12], card, phone, "19631314", "1963-13-14"]:
        assert secret not in text, secret
    assert "*" * 20 not in text, "a blank ID is blank, not a row of stars"
    assert "出生日期不存在" in text or "birth date" in text
    shown = write_report(audit(path, pack), tmp_path / f"shown{suffix}", show_id=True)
    assert card in _outputs_text(shown)


# --------------------------------------------------------------------------------- typed numbers


def _applicant(tmp_path: Path, body: str, name: str = "a.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


_COURTYARD_YAML = """year: 2024
applicant: {{name: 王建国, subject: 农户, category: 一般户}}
claims:
  - rule: {rule}
    inputs:
      income_gain: {income}
      project_kind: 特色种植
      passed_acceptance: 是
      land_use_compliant: 是
      survival_rate: 90
      within_courtyard: 是
      new_this_year: 是
      disorderly_or_polluting: 否
      raises_income: 是
"""


def test_issue10_a_leading_zero_is_decimal_not_octal(tmp_path: Path, pack) -> None:
    award, _, _ = calculate_file(_applicant(tmp_path, _COURTYARD_YAML.format(rule=COURTYARD, income="02300")))
    assert award.total == Decimal(500)


@pytest.mark.parametrize("income", ["0x8FC", "0b100011111100", "0o4374", "38:20", "1_000", "2_300"])
def test_issue10_yaml_1_1_number_forms_are_refused_on_their_field(tmp_path: Path, income: str) -> None:
    result = runner.invoke(app, ["calc", str(_applicant(tmp_path, _COURTYARD_YAML.format(rule=COURTYARD, income=income)))])
    _no_traceback(result)
    assert result.exit_code == 2 and "income_gain" in result.stderr and "不是数字" in result.stderr, result.stderr


@pytest.mark.parametrize("text, words", [
    ("x: !!float nan", "不是有限的数"), ("x: !!float .inf", "不是有限的数"), ('x: "\\ud800"', "Unicode"), ("x: " + "9" * 5000, "数字过长"),
    ("x: !!binary aGk=", "标签"),
])
def test_issue10_yaml_values_no_output_can_hold_are_refused(tmp_path: Path, text: str, words: str) -> None:
    result = runner.invoke(app, ["calc", str(_applicant(tmp_path, text))])
    _no_traceback(result)
    assert result.exit_code == 2 and words in result.stderr, result.stderr


@pytest.mark.parametrize("text, words", [
    ('{"year": 2024, "year": 2025}', "重复的键"), ('{"year": NaN}', "不是有限的数"), ('{"year": 1' + "0" * 5000 + "}", "数字过长"),
    ('{"year": "\\ud800"}', "代理码位"),
])
def test_issue10_json_duplicate_keys_non_finite_long_and_surrogates_are_refused(tmp_path: Path, text: str, words: str) -> None:
    result = runner.invoke(app, ["calc", str(_applicant(tmp_path, text, "a.json"))])
    _no_traceback(result)
    assert result.exit_code == 2 and words in result.stderr, result.stderr


def _bomb(levels: int, width: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels, width, size", [(9, 9, 342), (10, 4000, 400_000)])
def test_issue10_an_alias_bomb_fails_fast_with_a_message(tmp_path: Path, levels: int, width: int, size: int) -> None:
    text = _bomb(levels, width)
    assert abs(len(text) - size) < size, len(text)
    path = _applicant(tmp_path, text)
    start = time.monotonic()
    run = _limited([*CLI, "calc", str(path)])
    assert run.returncode == 2 and "别名炸弹" in run.stderr, run.stderr[-500:]
    assert time.monotonic() - start < 30


def test_yaml_only_true_and_false_are_yes_no_and_no_merge_keys(tmp_path: Path) -> None:
    data, _ = load_with_lines(_applicant(tmp_path, "a: on\nb: no\nc: true\nd: 2024-01-01\n"))
    assert data == {"a": "on", "b": "no", "c": True, "d": "2024-01-01"}
    data, _ = load_with_lines(_applicant(tmp_path, "a: &x {b: 1}\nc:\n  <<: *x\n"))
    assert data["c"] == {"<<": {"b": 1}}, "no merge: << is a key like any other (and an unknown field to the applicant file)"


# --------------------------------------------------------------------------- households and totals


def test_issue10_a_zero_width_space_does_not_make_a_second_household(tmp_path: Path, pack) -> None:
    rows = [_row(身份证号="", 项目标签="一"), _row(姓名="王\u200b建国", 身份证号="", 项目标签="二")]
    rep = audit(_write_csv(tmp_path / "r.csv", rows), pack)
    assert sum(rep.rows.get_column("award_fen").to_list()) == 700_00, "one household: the 700 元 cap holds"
    rows = [_row(项目标签="一"), _row(身份证号="１４１１２３１９６３０２１４３６６４", 项目标签="二")]
    rep = audit(_write_csv(tmp_path / "r.csv", rows), pack)
    assert sum(rep.rows.get_column("award_fen").to_list()) == 700_00, "a full-width ID is the same ID"


def test_issue10_a_rule_id_in_capitals_counts_in_the_report_tables(tmp_path: Path, pack) -> None:
    rows = [_row(), _row(项目=COURTYARD.upper(), 姓名="李秀英", 身份证号="141123197610160065", 村="蔡家崖")]
    rep = audit(_write_csv(tmp_path / "r.csv", rows), pack)
    assert rep.rows.get_column("status").to_list() == ["match", "match"]
    tiers = rep.summaries["courtyard_tiers"]
    assert tiers.get_column("households")[0] == 2 and tiers.get_column("total_wan")[0] == "0.1400"


def test_issue10_totals_do_not_wrap(tmp_path: Path, pack) -> None:
    rows = [_row(姓名=f"户{i}", 身份证号="", 申报金额="999999999999999") for i in range(93)]
    rep = audit(_write_csv(tmp_path / "r.csv", rows), pack)
    total = rep.summaries["by_township"].filter(pl.col("township") == "合计").row(0, named=True)
    assert total["claimed_fen"] == 93 * 999_999_999_999_999_00
    assert total["diff_fen"] == 93 * (999_999_999_999_999_00 - 700_00)
    result = runner.invoke(app, ["audit", str(tmp_path / "r.csv"), "--out", str(tmp_path / "rep.csv")])
    assert result.exit_code == 0 and "-" not in result.stdout.split("申报合计")[1].split("元")[0]


def test_issue10_terminal_escapes_in_a_name_never_reach_the_terminal(tmp_path: Path) -> None:
    body = 'year: 2024\napplicant: {name: "王\\e[31m建国\\e]0;x\\a", subject: 农户, category: 一般户}\nclaims: []\n'
    for fmt in ("table", "markdown"):
        run = subprocess.run([*CLI, "calc", str(_applicant(tmp_path, body)), "-f", fmt], capture_output=True, timeout=60, cwd=ROOT)
        assert run.returncode == 0 and b"\x1b" not in run.stdout and "王建国".encode() in run.stdout


# ----------------------------------------------------------------------------------------- fuzzers


@st.composite
def workbook_layouts(draw):
    """A roster split over sheets, some hidden, with blank rows above, far blank cells, percent
    formats, merged 乡镇 runs and formulas saved without values."""
    n = len(ROWS)
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=2)))
    parts = [ROWS[a:b] for a, b in zip([0, *cuts], [*cuts, n])]
    hidden = [draw(st.booleans()) for _ in parts]
    hidden[draw(st.integers(0, len(parts) - 1))] = False  # a workbook shows at least one sheet
    return {
        "parts": parts,
        "hidden": hidden,
        "blank_rows": [draw(st.integers(0, 3)) for _ in parts],
        "far": draw(st.sampled_from([None, "XFD1048576", "AZ5000", "B1048576"])),
        "percent": draw(st.booleans()),
        "merge": draw(st.booleans()),
        "formula_row": draw(st.none() | st.integers(0, n - 1)),
        "extra_sheet": draw(st.sampled_from([None, "empty", "notes"])),
    }


def _build(path: Path, layout) -> tuple[Path, int]:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    rate = HEADER.index("成活率/存活率")
    k = 0
    for j, (part, hidden, blank) in enumerate(zip(layout["parts"], layout["hidden"], layout["blank_rows"])):
        ws = wb.create_sheet(f"表{j}")
        for _ in range(blank):
            ws.append([])
        ws.append(HEADER)
        for r in _cells(part):
            if layout["percent"] and r[rate] is not None:
                r[rate] = float(Decimal(r[rate]) / 100)
            if layout["formula_row"] == k:
                r[HEADER.index("申报金额")] = "=1+1"
            ws.append(r)
            if layout["percent"]:
                ws.cell(ws.max_row, rate + 1).number_format = "0%"
            k += 1
        if layout["merge"] and len(part) >= 3 and len({r[0] for r in part[:3]}) == 1:
            top = blank + 2
            ws.cell(top + 1, 1).value = ws.cell(top + 2, 1).value = None
            ws.merge_cells(start_row=top, start_column=1, end_row=top + 2, end_column=1)
        if hidden:
            ws.sheet_state = "hidden"
        if layout["far"] and j == 0:
            ws[layout["far"]] = " "
    if layout["extra_sheet"] == "empty":
        wb.create_sheet("空白")
    elif layout["extra_sheet"] == "notes":
        wb.create_sheet("说明").append(["本表说明", "无"])
    wb.save(path)
    return path, len(ROWS)


_BASE_STATUS: list[str] = []


@FUZZ
@given(layout=workbook_layouts())
def test_workbook_structure_never_loses_a_row_or_leaks_an_id(tmp_path_factory, layout) -> None:
    pack = PACK
    tmp = tmp_path_factory.mktemp("wb")
    path, n = _build(tmp / "w.xlsx", layout)
    if not _BASE_STATUS:
        _BASE_STATUS.extend(audit(EX_CSV, pack).rows.get_column("status").to_list())
    rep = audit(path, pack)
    assert rep.rows.height == n, "rows in = rows accounted for"
    assert sum(s["rows"] for s in rep.stamp["sheets"] if s["status"] == "read") == n
    statuses = rep.rows.get_column("status").to_list()
    # the row holding a formula is 输入有误, and takes no part in its household's limits
    k = layout["formula_row"]
    household = set() if k is None else {i for i, r in enumerate(ROWS) if (r[3] or r[2] + r[1]) == (ROWS[k][3] or ROWS[k][2] + ROWS[k][1])}
    for i, (got, want) in enumerate(zip(statuses, _BASE_STATUS)):
        if i not in household:
            assert got == want, (i, got, want)
    files = write_report(rep, tmp / "rep.json")
    text = _outputs_text(files)
    for r in ROWS:
        if r[3]:
            assert r[3] not in text


_NUMBER_FORMS = st.one_of(
    st.integers(0, 10**6).map(str), st.integers(0, 10**6).map(lambda i: f"0{i}"), st.integers(0, 10**6).map(hex),
    st.integers(0, 10**6).map(bin), st.integers(0, 10**6).map(oct), st.integers(0, 99).map(lambda i: f"{i}:{i:02d}"),
    st.integers(0, 10**6).map(lambda i: f"{i:_}"), st.decimals(0, 10**6, places=2).map(str), st.sampled_from([".inf", ".nan", "-.inf", "~", "null", "''"]),
    st.text(alphabet="0123456789._:,+-eExob", min_size=1, max_size=12),
)


@FUZZ
@given(income=_NUMBER_FORMS, tag=st.sampled_from(["", "!!str ", "!!int ", "!!float "]))
def test_yaml_number_forms_reach_the_one_number_reader(tmp_path_factory, income: str, tag: str) -> None:
    tmp = tmp_path_factory.mktemp("y")
    result = runner.invoke(app, ["calc", str(_applicant(tmp, _COURTYARD_YAML.format(rule=COURTYARD, income=tag + income))), "-f", "json"])
    _no_traceback(result)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stderr.strip(), "a refusal says why"
        return
    award = json.loads(result.stdout)
    from xingxian_subsidy.core.inputforms import number_text

    plain = number_text(income.strip("'"), None)
    try:
        value = Decimal(plain) if plain is not None and tag != "!!str " else None
    except ArithmeticError:
        value = None  # not a number: the input is missing (~, null, '') and the award says so
    if value is not None and value.is_finite():
        expected = 0 if value < 1000 else 300 if value <= 1500 else 400 if value <= 2000 else 500 if value <= 2500 else 600 if value <= 3000 else 700
        assert Decimal(award["total"]) == expected, (income, award["total"])


@FUZZ
@given(shape=st.sampled_from(["alias_reuse", "deep", "cycle", "bomb"]), n=st.integers(2, 30))
def test_yaml_aliases_are_bounded(tmp_path_factory, shape: str, n: int) -> None:
    tmp = tmp_path_factory.mktemp("a")
    if shape == "alias_reuse":
        text = "x: &v 5\n" + "".join(f"k{i}: *v\n" for i in range(n))
    elif shape == "deep":
        text = "a: " + "[" * (n * 4) + "]" * (n * 4) + "\n"
    elif shape == "cycle":
        text = "a: &a [*a]\n"
    else:
        text = _bomb(min(n, 12), 9)
    start = time.monotonic()
    try:
        load_with_lines(_applicant(tmp, text))
    except LoadFailure as exc:
        assert exc.message
    assert time.monotonic() - start < 10


def test_row_numbers_of_several_sheets_are_each_sheets_own(tmp_path: Path) -> None:
    """Sheet 一 has row 2; sheet 二 rows 2 and 4 (row 3 blank): 2, 2, 4 — not renumbered 2, 3, 4."""
    rows = _cells(ROWS)
    path = _workbook(tmp_path / "w.xlsx", [("一", rows[:1], False), ("二", [rows[1], [None] * len(HEADER), rows[2]], False)])
    rep = audit(path, PACK)
    assert rep.rows.get_column("row").to_list() == [2, 2, 4]
    assert rep.rows.get_column("sheet").to_list() == ["一", "二", "二"]


def test_a_rule_id_in_capitals_is_that_rule_in_calc_too(tmp_path: Path) -> None:
    award, _, _ = calculate_file(_applicant(tmp_path, _COURTYARD_YAML.format(rule=COURTYARD.upper(), income="2300")))
    assert award.total == Decimal(500) and award.lines[0].rule_id == COURTYARD


def test_a_merge_within_one_row_is_read_like_the_cell_by_cell_path(tmp_path: Path) -> None:
    """A merged cell within one row (a grouped header) keeps its value in its first cell, whichever
    way the sheet is read (fastexcel for a plain sheet, cell by cell otherwise)."""
    from xingxian_subsidy.audit import sheets

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in _cells(ROWS[:5]):
        ws.append(r)
    ws.append(["合并", None, None])
    ws.merge_cells(start_row=7, start_column=1, end_row=7, end_column=3)
    wb.save(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    wb.active.merge_cells("V2:V3")  # a merge over two rows: read cell by cell
    wb.active["V2"] = "x"
    wb.save(tmp_path / "b.xlsx")
    a = sheets.read_workbook((tmp_path / "a.xlsx").read_bytes(), "a")[0]
    b = sheets.read_workbook((tmp_path / "b.xlsx").read_bytes(), "b")[0]
    assert a.frame.drop("c21").equals(b.frame.drop("c21"))
    assert a.frame.row(5)[:3] == ("合并", None, None)
    assert b.frame.get_column("c21").to_list()[:2] == ["x", "x"]


_CELL = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=64),
                  st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8), st.sampled_from(["是", "否", " ", "=1+1", "１２０"]))


@FUZZ
@given(grid=st.lists(st.lists(_CELL, min_size=4, max_size=4), min_size=1, max_size=12))
def test_fastexcel_and_cell_by_cell_read_a_plain_sheet_alike(tmp_path_factory, grid) -> None:
    """The two ways of reading a sheet give the same text for every cell (numbers compared as the
    double the cell stores: 1e-07 and 0.0000001 are one reading, and so are 4.416028671568859e+16
    as written and 44160286715688592, the double's exact value, as fastexcel gives it)."""
    from xingxian_subsidy.audit import sheets

    tmp = tmp_path_factory.mktemp("x")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["h1", "h2", "h3", "h4"])
    for r in grid:
        ws.append([c.strip() or None if isinstance(c, str) and c.startswith("=") is False else c for c in r])
    wb.save(tmp / "a.xlsx")
    raw = (tmp / "a.xlsx").read_bytes()
    import io
    import zipfile

    book = sheets._Book(zipfile.ZipFile(io.BytesIO(raw)))
    name, hidden, part = book.sheets[0]
    xml = book.zf.read(part)
    fast = sheets._fast(raw, name, hidden, "a") if sheets._plain(xml, book.percent_styles | book.date_styles) else None
    slow = book._cell_by_cell(xml, name, hidden, "a")
    if fast is None:
        return
    assert fast.header == slow.header

    def norm(v):
        if v is None or not v.strip():
            return None
        try:
            return float(Decimal(v))
        except ArithmeticError:
            return v.strip()

    fr = {(r, j): norm(v) for j, c in enumerate(fast.frame.columns) for r, v in zip(fast.rows, fast.frame.get_column(c).to_list())}
    sr = {(r, j): norm(v) for j, c in enumerate(slow.frame.columns) for r, v in zip(slow.rows, slow.frame.get_column(c).to_list())}
    assert {k: v for k, v in fr.items() if v is not None} == {k: v for k, v in sr.items() if v is not None}


def test_a_csv_the_parser_cannot_read_names_no_id_in_full(tmp_path: Path) -> None:
    """polars quotes the row it could not parse; the message says where, with the ID masked."""
    lines = ["姓名,身份证号,主体类型,项目,申报金额"] + [f"户主{i},14112319500101{i:03d}X,农户,庭院经济阶梯式奖补,300" for i in range(800)]
    lines[701] = '户主700,"14112319500101700X,农户,庭院经济阶梯式奖补,300'
    src = tmp_path / "r.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["audit", str(src), "--out", str(tmp_path / "out.csv")])
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "无法读取表格" in result.output
    assert "14112319500101" not in result.output and "141*" in result.output, result.output
