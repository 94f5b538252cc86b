"""Fuzzing roster audits: every row accounted for exactly once, never a traceback.

A township's roster (奖补名册) arrives from Excel with broken cells, #N/A,
formulas ("=1+1"), blank and full-width cells, columns renamed, missing or
doubled. Auditors must be able to say of every row what happened to it, so:

* ``audit`` returns one result row per roster row, in order, with the sheet's
  row number; no row is dropped or repeated, whatever the cells hold;
* each result has a known status, integer 分 amounts or none, and a row in
  ``bad_input`` has a problem naming it;
* the vector and the reference engine agree on every row's status and award;
* a missing required column is an InputError naming it; any other file
  problem is an InputError with a source and zh/en text — never another
  exception;
* written reports neutralise formula-looking text.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xingxian_subsidy.audit.columns import FIXED_COLUMNS, REQUIRED
from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import Roster, read_roster, roster_from_frame
from xingxian_subsidy.audit.report import STATUSES, AuditReport
from xingxian_subsidy.audit.writers import write_report
from xingxian_subsidy.core.errors import InputError
from xingxian_subsidy.pack.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"
PACK = load_rules()
BASE = read_roster(EXAMPLE).frame
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
ROSTER_FUZZ = settings(max_examples=max(EXAMPLES // 5, 10), deadline=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BAD_CELLS = ["#N/A", "#VALUE!", "#DIV/0!", "#REF!", "=1+1", "=SUM(A1:A3)", "+1", "-5", "@SUM(1)", "", " ", "\u3000",
             "１２０", "1,200", "1,5", "120亩", "2000m²", "abc", "是", "否", "√", "9" * 30, "NaN", "1e400", "0.0000001",
             "null", "None", "'123", "1/2", "\t", "一百", "👍", "<script>alert(1)</script>", '=HYPERLINK("http://x")',
             "0", "-0", "3000", "3000.005", "1000000000000000", "农户", "合作社", "边缘户", "xzf5.s3-1.soybean", "大豆种植奖补"]


def _check_report(roster: Roster, report: AuditReport) -> None:
    rows = report.rows
    assert rows.height == roster.frame.height, "every roster row once"
    assert rows.get_column("row").to_list() == list(roster.rows), "in input order, with the sheet's row numbers"
    assert set(rows.get_column("status").to_list()) <= set(STATUSES)
    for col in ("claimed_fen", "award_fen", "diff_fen"):
        assert rows.schema[col] in (pl.Int64, pl.Int32, pl.Null), (col, rows.schema[col])
    issue_rows = [r for r in report.issues.get_column("row").to_list() if r is not None]
    assert set(issue_rows) <= set(roster.rows), "a problem names a row of the roster"
    for row, status in zip(rows.get_column("row").to_list(), rows.get_column("status").to_list()):
        if status == "bad_input":
            assert row in issue_rows, f"row {row} is bad_input but no problem names it"


def _both(roster: Roster) -> None:
    vector = audit(roster, PACK, engine="vector")
    reference = audit(roster, PACK, engine="reference")
    _check_report(roster, vector)
    _check_report(roster, reference)
    for col in ("status", "award_fen", "claimed_fen"):
        v, r = vector.rows.get_column(col).to_list(), reference.rows.get_column(col).to_list()
        diff = [(row, a, b) for row, a, b in zip(roster.rows, v, r) if a != b]
        assert not diff, f"vector and reference disagree on {col} (row, vector, reference): {diff[:5]}"


def test_the_example_roster_is_audited_row_for_row() -> None:
    roster = read_roster(EXAMPLE)
    assert roster.frame.height >= 30
    _both(roster)


@ROSTER_FUZZ
@given(st.lists(st.tuples(st.integers(0, BASE.height - 1), st.integers(0, BASE.width - 1), st.sampled_from(BAD_CELLS)), min_size=1, max_size=25))
def test_broken_cells_never_lose_a_row(edits: list[tuple[int, int, str]]) -> None:
    cells = BASE.to_dict(as_series=False)
    cols = BASE.columns
    for r, c, value in edits:
        cells[cols[c]][r] = value
    _both(roster_from_frame(pl.DataFrame(cells, schema={c: pl.String for c in cols}), source="fuzz.csv"))


OPTIONAL = [c for c in BASE.columns if c not in {FIXED_COLUMNS[f][0] for f in REQUIRED}]


@ROSTER_FUZZ
@given(st.sets(st.sampled_from(OPTIONAL), max_size=8), st.permutations(range(BASE.height)))
def test_missing_optional_columns_and_any_row_order_still_account_for_every_row(drop: set[str], order: list[int]) -> None:
    frame = BASE.drop(sorted(drop))[order]
    _both(roster_from_frame(frame, source="fuzz.csv"))


@pytest.mark.parametrize("field", [f for f in REQUIRED if f != "subject"])
def test_a_missing_required_column_is_named(field: str) -> None:
    header = FIXED_COLUMNS[field][0]
    with pytest.raises(InputError) as info:
        audit(roster_from_frame(BASE.drop(header), source="r.csv"), PACK)
    (p,) = info.value.problems
    assert p.field == header and p.source == "r.csv"
    assert header in p.message["zh"] and header in p.message["en"]


def test_a_missing_subject_column_is_the_one_subject_type_of_each_rows_subsidy() -> None:
    """Issue 11: a roster of households needs no 主体类型 column when each row's subsidy is for one
    subject type only; the report says so (a roster-level fact), and the rows audit as before."""
    header = FIXED_COLUMNS["subject"][0]
    with_col = audit(roster_from_frame(BASE, source="r.csv"), PACK)
    without = audit(roster_from_frame(BASE.drop(header), source="r.csv"), PACK)
    assert any(header in f and "农户" in f for f in without.stamp["facts"]), without.stamp["facts"]
    differ = [(r, b) for r, a, b in zip(with_col.rows.get_column("row"), with_col.rows.get_column("status"),
                                        without.rows.get_column("status")) if a != b]
    # a subsidy for several subject types cannot be told apart without the column: those rows are input errors naming it
    assert differ and all(b == "bad_input" for _, b in differ), differ
    named = without.issues.filter(pl.col("column") == header).get_column("row").to_list()
    assert {r for r, _ in differ} <= set(named)
    assert len(differ) < BASE.height // 4, "most rows are of a subsidy for households only and audit as before"


def _csv_bytes(header: list[str], rows: list[list[Any]], encoding: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


@ROSTER_FUZZ
@given(st.integers(0, BASE.width - 1), st.integers(0, BASE.width - 1), st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
       st.integers(0, 3))
def test_doubled_headers_blank_rows_and_encodings_from_a_file(tmp_path_factory: pytest.TempPathFactory, copy_from: int, copy_to: int,
                                                               encoding: str, blank_rows: int) -> None:
    header = list(BASE.columns)
    header[copy_to] = header[copy_from]  # one header written twice
    rows = [[v if v is not None else "" for v in row] for row in BASE.rows()]
    for i in range(blank_rows):
        rows.insert(3 * i + 1, [""] * len(header))
    path = tmp_path_factory.mktemp("roster") / "r.csv"
    path.write_bytes(_csv_bytes(header, rows, encoding))
    try:
        roster = read_roster(path)
        report = audit(roster, PACK)
    except InputError as exc:
        assert exc.problems and all(p.source and p.message["zh"] and p.message["en"] for p in exc.problems)
        return
    _check_report(roster, report)
    assert roster.frame.height == BASE.height, "blank rows are skipped, every other row is kept"
    assert len(set(roster.rows)) == roster.frame.height


@pytest.mark.parametrize(
    "name, raw",
    [
        ("bad.csv", b"\x80\xff\xfe\x00" * 10),
        ("empty.csv", b""),
        ("header-only.csv", "姓名,主体类型,项目,申报金额\n".encode()),
        ("ragged.csv", "姓名,主体类型,项目,申报金额\n王,农户\n李,农户,xzf5.s3-1.soybean,1,2,3\n".encode()),
        ("not-excel.xlsx", b"PK\x03\x04 not really a zip"),
        ("roster.pdf", b"%PDF-1.4"),
    ],
)
def test_unreadable_or_odd_files_are_an_input_error_or_a_full_report(tmp_path: Path, name: str, raw: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    try:
        roster = read_roster(path)
        report = audit(roster, PACK)
    except InputError as exc:
        assert exc.problems and all(p.source == str(path) and p.message["zh"] and p.message["en"] for p in exc.problems)
        return
    _check_report(roster, report)


def test_reports_neutralise_formula_text(tmp_path: Path) -> None:
    cells = BASE.to_dict(as_series=False)
    name = FIXED_COLUMNS["name"][0]
    cells[name] = ["=1+1", "+SUM(1)", "-2", "@x", '=HYPERLINK("http://x")'] + cells[name][5:]
    report = audit(roster_from_frame(pl.DataFrame(cells, schema={c: pl.String for c in BASE.columns})), PACK)
    (out, *_) = write_report(report, tmp_path / "report.csv")
    text = out.read_text("utf-8-sig")
    for line in csv.reader(io.StringIO(text)):
        for cell in line:
            assert not cell or cell[0] not in "=+-@\t\r" or cell.lstrip("-").replace(".", "", 1).isdigit(), cell
    assert "'=1+1" in text


CELL_STARTS = ["=", "+", "-", "@", "\t", "\r", ".", "/", "0", "9", ":", "<", ">", "?", "A", "a", "是", "\u3000", " ", "'", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.tuples(st.sampled_from(CELL_STARTS), st.sampled_from(["", "1", "x", "元"])).map("".join)),
                         min_size=1, max_size=6), min_size=1, max_size=4))
def testformula_columns_are_found_exactly(columns):
    """The writers' shortcut (a column's least and greatest cells) never misses a cell to neutralise."""
    from xingxian_subsidy.audit.cells import formula_columns, neutralise

    n = min(len(c) for c in columns)
    frame = pl.DataFrame({f"c{k}": col[:n] for k, col in enumerate(columns)}, schema={f"c{k}": pl.String for k in range(len(columns))})
    expected = {c for c in frame.columns if any(v is not None and neutralise(v) != v for v in frame.get_column(c).to_list())}
    assert formula_columns(frame) == expected


PADDED_CELLS = ["x", " x", "x ", "\u3000是", "否\u3000", "\xa012", "12\t", "=1", " =1", "+5", "-5", "@a", "a@", "1-2", "", " ", None]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(PADDED_CELLS), min_size=3, max_size=3), min_size=1, max_size=8))
def test_read_trims_padded_cells_and_findsformula_columns(tmp_path_factory, rows):
    """Reading picks the columns to trim and to neutralise with one search per column: the result
    is what trimming every cell and looking at every cell gives."""
    path = tmp_path_factory.mktemp("pad") / "r.csv"
    frame = pl.DataFrame({"id": [str(k) for k in range(len(rows))], **{f"c{j}": [r[j] for r in rows] for j in range(3)}},
                         schema={"id": pl.String, "c0": pl.String, "c1": pl.String, "c2": pl.String})
    frame.write_csv(path)
    roster = read_roster(path)
    written = pl.read_csv(path, infer_schema=False)  # what the file holds (a written None reads back as blank)
    for c in ["c0", "c1", "c2"]:
        want = [None if v is None or not v.strip(" \t\u3000\xa0") else v.strip(" \t\u3000\xa0") for v in written.get_column(c).to_list()]
        assert roster.frame.get_column(c).to_list() == want, c
    expected = {c for c in ["id", "c0", "c1", "c2"] if any(v is not None and v[0] in "=+-@\t\r" for v in roster.frame.get_column(c).to_list())}
    assert roster.formula_columns == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["甲", "乙", None])), max_size=30))
def test_rows_of_applicants_whose_values_differ(pairs):
    """The two-names and subject/category checks: every row of an applicant whose values are not all
    the same (a missing value is a value), and no other row."""
    from xingxian_subsidy.audit.frame import rows_of_applicants_where_differs

    aid = pl.Series([a for a, _ in pairs], dtype=pl.UInt32)
    values = pl.Series([v for _, v in pairs], dtype=pl.String)
    by_aid: dict[int, set] = {}
    for a, v in pairs:
        by_aid.setdefault(a, set()).add(v)
    expected = [i for i, (a, _) in enumerate(pairs) if len(by_aid[a]) > 1]
    assert rows_of_applicants_where_differs(aid, values).to_list() == expected


def test_a_quantity_whose_award_no_report_can_hold_is_that_rows_input_error() -> None:
    """10^15 亩 (the largest quantity a user may type) times a rate is more 分 than a report's column
    holds: the row is 输入有误, naming the cell to check, on both paths — not an overflow (found by
    the fuzz test above)."""
    cells = BASE.to_dict(as_series=False)
    k = cells["项目"].index("中药材种植补贴")
    cells["本片种植面积"][k] = "1000000000000000"
    roster = roster_from_frame(pl.DataFrame(cells, schema={c: pl.String for c in BASE.columns}), source="fuzz.csv")
    _both(roster)
    rep = audit(roster, PACK)
    row = roster.rows[k]
    assert rep.rows.filter(pl.col("row") == row).get_column("status").to_list() == ["bad_input"]
    said = rep.issues.filter(pl.col("row") == row)
    assert said.get_column("column").to_list() == ["本片种植面积"] and "超出可处理的范围" in said.get_column("message")[0]
