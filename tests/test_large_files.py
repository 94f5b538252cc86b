"""A 50 MB file: an applicant file that large is refused with a message; a roster that large is
audited with every row accounted for, in order (issue 5)."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "xingxian_subsidy"]
FIFTY_MB = 50 * 1024 * 1024


def _bench():
    spec = importlib.util.spec_from_file_location("bench_roster", ROOT / "benchmarks" / "bench_roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_50_mb_applicant_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("w", encoding="utf-8") as f:
        f.write("year: 2024\napplicant: {name: 张三, subject: household}\n")
        line = "# " + "填" * 200 + "\n"
        while f.tell() < FIFTY_MB:
            f.write(line * 1000)
    res = subprocess.run(CLI + ["calc", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2
    assert "huge.yaml" in res.stderr and "申请文件过大" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_a_50_mb_roster_is_audited_row_for_row(tmp_path):
    source = tmp_path / "roster.csv"
    rows = 340_000  # about 155 bytes a row in the benchmark's generator: just over 50 MB
    _bench().generate(rows, source)
    assert source.stat().st_size >= FIFTY_MB
    with source.open(encoding="utf-8") as f:
        names_in = [r["姓名"] for r in csv.DictReader(f)]
    out = tmp_path / "report.csv"
    res = subprocess.run(CLI + ["audit", str(source), "--out", str(out), "--no-progress"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    with out.open(encoding="utf-8-sig") as f:
        rows_out = list(csv.DictReader(f))
    assert len(rows_out) == len(names_in)
    assert [r["姓名"] for r in rows_out] == names_in
