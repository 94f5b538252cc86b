"""The stream path (``audit.stream``, ``audit --stream``): partition by partition, the same report
as the in-memory path byte for byte (but for the stamp's time), cross-row cases included; a failure
mid-way leaves no output and no spilled file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xingxian_subsidy.audit import pipeline, stream
from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.writers import write_report
from xingxian_subsidy.cli.app import app

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SUFFIXES = (".csv", ".issues.csv", ".summary.csv", ".readings.csv")


@pytest.fixture(scope="module")
def roster_lines(tmp_path_factory) -> list[str]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_roster", BENCH / "bench_roster.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    path = tmp_path_factory.mktemp("gen") / "r.csv"
    mod.generate(1200, path)
    return path.read_text(encoding="utf-8-sig").splitlines()


def _cross_row(lines: list[str]) -> list[str]:
    """The roster with cross-row cases spread through it: one household's rows far apart (and its
    ID under a second name, in a second township), rows without an ID, a blank line."""
    header, body = lines[0], lines[1:]
    first = body[0].split(",")
    out = [header]
    for k, line in enumerate(body):
        out.append(line)
        if k % 97 == 50:  # the first row's household again, further down
            cells = list(first)
            if k % 3 == 0:
                cells[2] = cells[2] + "乙"  # one ID under two names
            if k % 5 == 0:
                cells[0] = "蔡家崖乡"  # one household in two townships
            out.append(",".join(cells))
        if k % 211 == 7:
            cells = line.split(",")
            cells[3] = ""  # no ID: the household is 姓名 + 村
            out.append(",".join(cells))
        if k == 400:
            out.append("")
    return out


def _both(tmp_path: Path, lines: list[str], **options) -> tuple[Path, Path]:
    src = tmp_path / "roster.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_report(audit(src, **options), tmp_path / "mem.csv")
    stream.audit_stream(src, tmp_path / "str.csv", batch_rows=150, partitions=5, **options)
    return tmp_path / "mem", tmp_path / "str"


def _assert_same(mem: Path, st: Path) -> None:
    for suffix in SUFFIXES:
        a, b = Path(str(mem) + suffix), Path(str(st) + suffix)
        assert a.exists() == b.exists(), suffix
        if a.exists():
            assert a.read_bytes() == b.read_bytes(), suffix
    sa, sb = (json.loads(Path(str(p) + ".stamp.json").read_text(encoding="utf-8")) for p in (mem, st))
    for s in (sa, sb):
        s.pop("generated_at")
        s["files"] = sorted(s["files"].values())  # the hashes: the names differ (mem.csv, str.csv)
    assert sa == sb


@pytest.mark.parametrize("limit", [1000, 7])
def test_bench_roster_same_as_in_memory(tmp_path: Path, roster_lines: list[str], limit: int) -> None:
    """The explanation limit counts the whole roster's problem rows, as in memory: above and
    below the number of problem rows (the roster has a few hundred)."""
    mem, st = _both(tmp_path, roster_lines, explain_limit=limit)
    _assert_same(mem, st)
    assert not list(tmp_path.glob(".*stream*"))  # the spilled files are gone
    stamp = json.loads(Path(str(st) + ".stamp.json").read_text(encoding="utf-8"))
    assert (stamp["problem_rows_without_itemised_reason"] > 0) == (limit == 7)


def test_cross_row_cases_same_as_in_memory(tmp_path: Path, roster_lines: list[str]) -> None:
    lines = _cross_row(roster_lines)
    mem, st = _both(tmp_path, lines, explain_limit=3)
    _assert_same(mem, st)
    issues = Path(str(st) + ".issues.csv").read_text(encoding="utf-8-sig")
    assert "对应不同姓名" in issues and "不同乡镇" in issues


def test_failure_mid_way_leaves_nothing(tmp_path: Path, roster_lines: list[str], monkeypatch) -> None:
    src = tmp_path / "roster.csv"
    src.write_text("\n".join(roster_lines) + "\n", encoding="utf-8")
    calls = []
    real = pipeline.audit_parts

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "audit_parts", failing)
    with pytest.raises(KeyboardInterrupt):
        stream.audit_stream(src, tmp_path / "out.csv", batch_rows=200, partitions=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


@pytest.mark.parametrize("args, words", [
    (["--out", "{d}/r.xlsx"], "只输出 .csv"),
    ([], "需要一个 .csv 名册文件和 --out"),
])
def test_cli_refuses_what_it_does_not_stream(tmp_path: Path, roster_lines: list[str], args: list[str], words: str) -> None:
    src = tmp_path / "roster.csv"
    src.write_text("\n".join(roster_lines[:50]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(src), "--stream", *[a.format(d=tmp_path) for a in args]])
    assert res.exit_code == 2, res.output
    assert words in res.output


def test_cli_refuses_a_title_line(tmp_path: Path, roster_lines: list[str]) -> None:
    src = tmp_path / "roster.csv"
    src.write_text("\n".join(["兴县2024年奖补名册", *roster_lines[:50]]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(src), "--stream", "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 2 and "第一行就是表头" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_cli_stream_prints_as_in_memory(tmp_path: Path, roster_lines: list[str]) -> None:
    src = tmp_path / "roster.csv"
    src.write_text("\n".join(roster_lines[:300]) + "\n", encoding="utf-8")
    runner = CliRunner()
    a = runner.invoke(app, ["audit", str(src), "--out", str(tmp_path / "a.csv")])
    b = runner.invoke(app, ["audit", str(src), "--stream", "--out", str(tmp_path / "b.csv")])
    assert a.exit_code == b.exit_code == 0, b.output
    assert a.output.replace("a.", "b.") == b.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_an_output_it_cannot_write_is_refused_before_any_work(tmp_path: Path, roster_lines: list[str]) -> None:
    from xingxian_subsidy.core.errors import OutputError

    src = tmp_path / "roster.csv"
    src.write_text("\n".join(roster_lines[:20]) + "\n", encoding="utf-8")
    for out in (tmp_path / "no such folder" / "r.csv", src):
        with pytest.raises(OutputError):
            stream.audit_stream(src, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def _without(lines: list[str], *names: str) -> list[str]:
    """The roster without the named columns (the generator writes no quoted cell)."""
    drop = [lines[0].split(",").index(n) for n in names]
    return [",".join(c for j, c in enumerate(line.split(",")) if j not in drop) if line else line for line in lines]


def test_no_limit_suffix_below_the_limit(tmp_path: Path, roster_lines: list[str]) -> None:
    """Fewer problem rows than the limit: no row says its reason was cut short (input-error rows
    included), as in memory; the subject filled in from each row's subsidy is counted over the
    whole roster, not one partition."""
    mem, st = _both(tmp_path, _without(roster_lines, "主体类型"), explain_limit=1000)
    _assert_same(mem, st)
    assert "逐条原因只列出" not in Path(str(st) + ".csv").read_text(encoding="utf-8-sig")


def test_facts_added_up_over_partitions_with_rule_option(tmp_path: Path, roster_lines: list[str]) -> None:
    from xingxian_subsidy.audit.facts import Defaults

    rule = roster_lines[1].split(",")[6]
    lines = [roster_lines[0], *(x for x in roster_lines[1:] if x.split(",")[6] == rule)]
    mem, st = _both(tmp_path, _without(lines, "项目", "主体类型"), defaults=Defaults(rule=rule))
    _assert_same(mem, st)


def test_explained_rows_capped_as_in_memory(tmp_path: Path, roster_lines: list[str]) -> None:
    """An applicant of many rows is not explained past ``reasons.EXPLAIN_ROWS`` × the limit."""
    lines = _cross_row(roster_lines)
    lines += [lines[1]] * 25  # the first household again, many times
    mem, st = _both(tmp_path, lines, explain_limit=1)
    _assert_same(mem, st)


@pytest.mark.parametrize("bad", ["gbk", "quote"])
def test_a_bad_line_past_the_first_block_is_located(tmp_path: Path, roster_lines: list[str], bad: str) -> None:
    """A line polars cannot read after the first 64 KB: a located message (no cell of it quoted:
    it holds an ID number) and exit 2, not an internal error."""
    src = tmp_path / "roster.csv"
    body = "\n".join(roster_lines) + "\n"
    if bad == "gbk":
        src.write_bytes(body.encode("utf-8") + roster_lines[-1].encode("gbk") + b"\n")
    else:
        lines = list(roster_lines)
        lines[700] = lines[700].replace(",", ',"', 1)
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(src), "--stream", "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 2, res.output
    assert "roster.csv" in res.output and "内部错误" not in res.output
    ids = [line.split(",")[3] for line in roster_lines[1:]]
    assert not any(i and i in res.output for i in ids)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_a_spill_folder_a_killed_run_left_is_swept_by_the_next(tmp_path: Path, roster_lines: list[str]) -> None:
    """SIGKILL runs no clean-up: the next run towards the same report removes the spill folder of
    a process that is gone, and leaves one of a process still running."""
    import subprocess
    import sys

    src = tmp_path / "roster.csv"
    src.write_text("\n".join(roster_lines[:300]) + "\n", encoding="utf-8")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True).stdout.strip()
    dead = tmp_path / f".out.csv.stream.{gone}.abc123"
    alive = tmp_path / f".out.csv.stream.{os.getppid()}.def456"
    for folder in (dead, alive):
        folder.mkdir()
        (folder / "in00000_000000.parquet").write_bytes(b"left over")
    stream.audit_stream(src, tmp_path / "out.csv", batch_rows=200, partitions=2)
    assert not dead.exists() and alive.exists()
    assert (tmp_path / "out.csv").exists()
