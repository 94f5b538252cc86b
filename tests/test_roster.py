"""The roster audit: statuses, row numbers, encodings, cross-row checks, masking, neutralisation,
nothing lost, totals that reconcile, and the CLI's exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from xingxian_subsidy.audit.cells import neutralise
from xingxian_subsidy.audit.identity import id_check, mask_id
from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import read_roster
from xingxian_subsidy.audit.writers import write_report
from xingxian_subsidy.cli import app
from xingxian_subsidy.pack.loader import variant
from xingxian_subsidy.pack.overlay import parse_reading

ROOT = Path(__file__).resolve().parent.parent
EX_XLSX = ROOT / "examples" / "roster_蔡家崖乡_2024.xlsx"
EX_CSV = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"
runner = CliRunner()

# expected status of each example row (spreadsheet row number → status), see tools/make_example_roster.py
EXPECTED = {
    2: "match", 3: "match", 4: "match", 5: "over", 6: "match", 7: "match", 8: "match", 9: "match", 10: "match",
    11: "ineligible", 12: "ineligible", 13: "ineligible", 14: "incomplete", 15: "match", 16: "bad_input", 17: "under",
    18: "over", 19: "incomplete", 20: "bad_input", 21: "under", 22: "match", 23: "match", 24: "match", 25: "match",
    26: "match", 27: "match", 28: "match", 29: "over", 30: "ineligible", 31: "match", 32: "over", 33: "bad_input",
    34: "bad_input", 35: "bad_input", 36: "match", 37: "match", 38: "match", 39: "ineligible", 40: "bad_input",
}


@pytest.fixture(scope="module")
def report(pack):
    return audit(EX_XLSX, pack)


def _statuses(rep) -> dict[int, str]:
    return dict(zip(rep.rows.get_column("row").to_list(), rep.rows.get_column("status").to_list()))


def test_every_status_on_the_example(report):
    assert _statuses(report) == EXPECTED
    assert set(EXPECTED.values()) == {"match", "over", "under", "ineligible", "incomplete", "bad_input"}


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_both_engines_and_both_files_agree(pack, report, engine):
    for path in (EX_XLSX, EX_CSV):
        other = audit(path, pack, engine=engine)
        assert other.rows.select("row", "status", "award_fen", "claimed_fen", "reason").equals(
            report.rows.select("row", "status", "award_fen", "claimed_fen", "reason"))


def test_reasons_name_the_row_column_and_cause(report):
    by_row = dict(zip(report.rows.get_column("row").to_list(), report.rows.get_column("reason").to_list()))
    assert "“二千”不是数字" in by_row[16]
    assert "多报 100.00 元" in by_row[5] and "二档" in by_row[5]
    # I-040: 林丽娟's 1200 + 2600 = 3800 元 is 五档 700 on her first line (row 17, claimed 300); row 18 (claimed 600) is 0
    assert "少报 400.00 元" in by_row[17] and "1200 + 2600 = 3800 元落在五档" in by_row[17]
    assert "多报 600.00 元" in by_row[18] and "奖补 700.00 元计在本户第 17 行上" in by_row[18]
    assert "需补充：验收合格" in by_row[14]
    assert "每户限享受一次" in by_row[32]
    assert by_row[2] is None  # 一致 rows carry no reason unless --explain
    issues = report.issues
    bad = issues.filter(pl.col("row") == 16)
    assert bad.get_column("column").to_list() == ["通过发展庭院经济当年户增收"]


def test_english_reasons(pack):
    rep = audit(EX_CSV, pack, lang="en")
    by_row = dict(zip(rep.rows.get_column("row").to_list(), rep.rows.get_column("reason").to_list()))
    assert "over by 100.00" in by_row[5]
    assert "not a number" in by_row[16]


def test_cross_row_checks(report):
    msgs = report.issues.get_column("message").to_list()
    assert any("同一户重复申报“每户限一次”的项目" in m and "首次见第31行" in m for m in msgs)
    assert any("同一身份证号" in m and "程国华（第34行）" in m and "曹金花（第35行）" in m for m in msgs)
    assert any("校验位有误" in m for m in msgs)
    by_row = dict(zip(report.rows.get_column("row").to_list(), report.rows.get_column("award_fen").to_list()))
    assert by_row[17] + by_row[18] == 70000  # the 700 元 household cap across rows


def test_id_check_digit():
    assert id_check("11010519491231002X") == (True, None)
    assert id_check("11010519491231002x")[0] is True
    ok, msg = id_check("110105194912310021")
    assert not ok and "末位应为 X" in msg["zh"]
    assert not id_check("1101051949123100")[0]  # too short
    assert not id_check("110105194902300021")[0]  # 30 February does not exist


def test_masking_and_show_id(report, tmp_path):
    full = report.rows.filter(pl.col("row") == 22).get_column("id_number")[0]
    assert mask_id(full) == full[:6] + "********" + full[-4:]
    out = tmp_path / "r.csv"
    write_report(report, out)
    text = out.read_text(encoding="utf-8-sig") + (tmp_path / "r.issues.csv").read_text(encoding="utf-8-sig")
    assert full not in text and mask_id(full) in text
    write_report(report, tmp_path / "s.csv", show_id=True)
    assert full in (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    write_report(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert full not in "".join(cells)


def test_formula_text_is_neutralised(report, tmp_path):
    assert neutralise("=1+1") == "'=1+1" and neutralise("-x") == "'-x" and neutralise("@a") == "'@a" and neutralise("abc") == "abc"
    write_report(report, tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    labels = [r["项目标签"] for r in rows if r["项目标签"]]
    assert labels == ["'=HYPERLINK(\"http://example.com\")"]
    write_report(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    ws = wb["明细"]
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://example.com\")" in values
    assert not any(v.startswith("=") for v in values)
    assert ws.freeze_panes == "A4", "the header (row 3, under the title and the line saying what was audited) stays in view"
    assert wb.sheetnames == ["明细", "问题清单", "汇总", "附件7", "附件2", "争议口径影响", "说明"]


def test_nothing_lost_rows_in_order(pack, report):
    src = pl.read_csv(EX_CSV, infer_schema=False)
    assert report.rows.height == src.height
    assert report.rows.get_column("row").to_list() == list(range(2, src.height + 2))
    assert report.rows.get_column("name").to_list() == src.get_column("姓名").to_list()


def test_row_numbers_survive_blank_rows(pack, tmp_path):
    import xlsxwriter

    path = tmp_path / "gaps.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    head = ["姓名", "主体类型", "项目", "申报金额", "乡镇自验合格", "县农业农村局复验通过"]
    ws.write_row(0, 0, head)
    ws.write_row(1, 0, ["甲", "农户", "xzbf8.s5-4.indoor_flush", 2000, "是", "是"])
    ws.write_row(4, 0, ["乙", "农户", "xzbf8.s5-4.indoor_flush", "两千", "是", "是"])  # rows 3-4 blank
    wb.close()
    rep = audit(path, pack)
    assert rep.rows.get_column("row").to_list() == [2, 5]
    assert _statuses(rep) == {2: "match", 5: "bad_input"}
    assert rep.issues.filter(pl.col("row") == 5).get_column("column").to_list() == ["申报金额"]


def test_gbk_csv(pack, report, tmp_path):
    text = EX_CSV.read_text(encoding="utf-8-sig")
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    rep = audit(path, pack)
    assert rep.rows.select("row", "name", "status", "award_fen").equals(report.rows.select("row", "name", "status", "award_fen"))


def test_a_file_name_with_wildcards_is_read_as_named(pack, report, tmp_path):
    """The CSV reader is handed the path: ``*`` and ``[...]`` in a name are not patterns."""
    import hashlib

    folder = tmp_path / "乡镇[1]"
    folder.mkdir()
    path = folder / "名册*.csv"
    path.write_bytes(EX_CSV.read_bytes())
    (folder / "名册2.csv").write_text("姓名\n别的\n", encoding="utf-8")  # what the pattern would also match
    rep = audit(path, pack)
    assert rep.rows.select("row", "name", "status", "award_fen").equals(report.rows.select("row", "name", "status", "award_fen"))
    assert rep.stamp["input_sha256"] == hashlib.sha256(EX_CSV.read_bytes()).hexdigest()


def test_parquet(pack, report, tmp_path):
    path = tmp_path / "r.parquet"
    pl.read_csv(EX_CSV, infer_schema=False).write_parquet(path)
    rep = audit(path, pack)
    assert rep.rows.select("row", "status", "award_fen").equals(report.rows.select("row", "status", "award_fen"))



def test_parquet_report_for_machines(report, tmp_path):
    """--out x.parquet: the detail with typed columns (money as exact Decimal 元, the same figures
    as the CSV's text), IDs masked, the stamp in the file's metadata; the example workbook left as it is."""
    import json
    from decimal import Decimal

    out = tmp_path / "r.parquet"
    before = EX_XLSX.read_bytes()
    assert [p.name for p in write_report(report, out)] == ["r.parquet"]
    assert EX_XLSX.read_bytes() == before
    got = pl.read_parquet(out)
    assert got.height == report.rows.height
    money = [c for c, t in got.schema.items() if isinstance(t, pl.Decimal)]
    assert len(money) == 3 and all(got.schema[c] == pl.Decimal(38, 2) for c in money)
    write_report(report, tmp_path / "r.csv")
    csv = pl.read_csv(tmp_path / "r.csv", infer_schema=False)
    for c in money:  # the same amounts as the CSV writes them, to the 分
        assert [None if v is None else Decimal(v) for v in csv.get_column(c).to_list()] == got.get_column(c).to_list()
    award = got.get_column(money[1]).drop_nulls()
    assert award.len() > 0 and award.sum() == Decimal(sum(f for f in report.rows.get_column("award_fen").drop_nulls().to_list())) / 100
    ids = [v for v in got.get_column(next(c for c in got.columns if "身份证" in c)).to_list() if v]
    assert ids and all("*" in v for v in ids)  # masked
    stamp = json.loads(pl.read_parquet_metadata(out)["xingxian_subsidy.stamp"])
    assert stamp["rows"] == report.rows.height and stamp["input_sha256"] == report.stamp["input_sha256"]

def test_summary_totals_reconcile(report):
    rows = report.rows
    total_award = rows.get_column("award_fen").sum()
    total_claimed = rows.get_column("claimed_fen").sum()
    town = report.summaries["by_township"]
    # 申报, 核定 and 差额 over the rows that have both; the rows lacking either counted apart (issue 11)
    both = rows.filter(pl.col("diff_fen").is_not_null())
    total = town.tail(1).row(0, named=True)
    assert (total["claimed_fen"], total["award_fen"], total["diff_fen"]) == (both.get_column("claimed_fen").sum(), both.get_column("award_fen").sum(),
                                                                           both.get_column("diff_fen").sum())
    assert total["diff_fen"] == total["claimed_fen"] - total["award_fen"]
    assert total["claimed_fen"] + total["uncompared_claimed_fen"] == total_claimed
    assert total["award_fen"] + total["uncompared_award_fen"] == total_award
    assert total["uncompared_rows"] == rows.height - both.height > 0
    assert town.head(town.height - 1).get_column("award_fen").sum() == total["award_fen"]
    for key in ("by_village", "by_rule"):  # every table has the same 合计
        t = report.summaries[key]
        figures = ["rows", "match_rows", "problem_rows", "claimed_fen", "award_fen", "diff_fen", "uncompared_rows", "uncompared_claimed_fen", "uncompared_award_fen"]
        last = t.tail(1).row(0, named=True)
        assert [last[c] for c in figures] == [total[c] for c in figures], key
        assert t.head(t.height - 1).get_column("award_fen").sum() == total["award_fen"]
    assert report.summaries["by_rule"].head(report.summaries["by_rule"].height - 1).get_column("rows").sum() == rows.height
    toilets = report.summaries["toilet_tasks"]
    cj = toilets.filter(pl.col("township") == "蔡家崖乡")
    assert cj.get_column("task")[0] == 310  # from the rule data (附件2)
    toilet_rows = rows.filter(pl.col("rule").str.starts_with("xzbf8"))
    assert cj.get_column("award_fen")[0] == toilet_rows.get_column("award_fen").sum()
    tiers = report.summaries["courtyard_tiers"]
    assert tiers.get_column("total_wan")[0] == "0.6900"  # 6,900 元 of courtyard awards
    assert any("共需庭院经济奖补资金0.6900万元" in t for t in report.texts)


def test_the_tier_table_counts_each_household_once_in_its_tier(pack, report):
    """附件7 counts households per tier. Under I-040 林丽娟 (1200 + 2600 元) is one household in 五档,
    the tier of her total; tiered per project (I-040 B) her lines are 一档 300 and 四档 400, and the
    table counts her once, in the tier of her higher-paid line (四档), with her 700 元."""
    def by_tier(rep) -> dict[str, tuple[int, str]]:
        table = rep.summaries["courtyard_tiers"].row(0, named=True)
        return {t: (table[f"{t}_households"], table[f"{t}_wan"]) for t in ("一档", "二档", "三档", "四档", "五档")}

    assert by_tier(report) == {"一档": (2, "0.0600"), "二档": (3, "0.1200"), "三档": (1, "0.0500"), "四档": (3, "0.1800"), "五档": (4, "0.2800")}
    assert sum(h for h, _ in by_tier(report).values()) == report.rows.filter(
        (pl.col("rule") == "xzbf12.s5.courtyard_tiered") & (pl.col("award_fen") > 0)).get_column("key").n_unique()
    per_project = audit(EX_XLSX, variant(pack, readings=[parse_reading("I-040=B")])[0])
    assert by_tier(per_project) == {"一档": (2, "0.0600"), "二档": (3, "0.1200"), "三档": (1, "0.0500"), "四档": (4, "0.2500"), "五档": (3, "0.2100")}
    by_row = dict(zip(per_project.rows.get_column("row").to_list(), per_project.rows.get_column("reason").to_list()))
    assert by_row[17] is None and "每户奖补上限" in by_row[18] and "调减为 400.00 元" in by_row[18]
    # the sheet of contested readings: I-040 B moves two rows, and no money, on this roster
    (row,) = report.readings.filter(pl.col("entry") == "I-040").to_dicts()
    assert (row["alternative"], row["rows_changed"], row["change_fen"]) == ("B", 2, 0)


def test_json_report_is_exact_text(report, tmp_path):
    write_report(report, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["stamp"]["input_sha256"] == read_roster(EX_XLSX).sha256
    assert data["stamp"]["rule_pack"].startswith("xingxian-2024")
    row = next(r for r in data["rows"] if r["行号"] == 5)
    assert (row["申报金额（元）"], row["核定金额（元）"], row["差额（申报−核定，元）"]) == ("500.00", "400.00", "100.00")


def test_cli_exit_codes(tmp_path):
    out = tmp_path / "rep.xlsx"
    res = runner.invoke(app, ["audit", str(EX_XLSX), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and "输入有误 6" in res.output
    res = runner.invoke(app, ["audit", str(EX_XLSX), "--fail-on-mismatch"])
    assert res.exit_code == 1
    good = tmp_path / "good.csv"
    good.write_text("姓名,主体类型,项目,申报金额,乡镇自验合格,县农业农村局复验通过\n甲,农户,xzbf8.s5-4.indoor_flush,2000,是,是\n", encoding="utf-8")
    res = runner.invoke(app, ["audit", str(good), "--fail-on-mismatch"])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,主体类型,项目\n甲,农户,x\n", encoding="utf-8")
    res = runner.invoke(app, ["audit", str(bad)])
    assert res.exit_code == 2
    assert "缺少必填列“申报金额”" in res.output and "bad.csv" in res.output
    res = runner.invoke(app, ["audit", str(bad), "--lang", "en"])
    assert res.exit_code == 2 and "required column" in res.output
    res = runner.invoke(app, ["audit", str(tmp_path / "missing.xlsx")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    res = runner.invoke(app, ["audit", str(junk)])
    assert res.exit_code == 2 and "无法读取表格" in res.output


def test_template_round_trip(pack, tmp_path):
    out = tmp_path / "blank.xlsx"
    rules = ["xzbf12.s5.courtyard_tiered", "xzbf8.s5-4.indoor_flush", "xzbf8.s5-4.three_cell_or_double_urn"]
    res = runner.invoke(app, ["template", *rules, "--out", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["名册", "选项", "填表说明"]
    ws = wb["名册"]
    header = [c.value for c in ws[1]]
    assert header[:9] == ["乡镇", "村", "姓名", "身份证号", "主体类型", "农户类型", "项目", "项目标签", "申报金额"]
    assert "通过发展庭院经济当年户增收" in header
    assert "单位：元" in ws.cell(1, header.index("通过发展庭院经济当年户增收") + 1).comment.text
    kinds = {str(dv.sqref).split(":")[0][:-1]: dv.type for dv in ws.data_validations.dataValidation}
    assert kinds["E"] == "list" and kinds["G"] == "list"  # 主体类型, 项目
    # fill one row as staff would and audit it
    values = {"姓名": "甲", "主体类型": "农户", "项目": "户厕改造补助（室内水冲式）", "申报金额": "2000", "乡镇自验合格": "是", "县农业农村局复验通过": "是"}
    for j, h in enumerate(header, start=1):
        if h in values:
            ws.cell(2, j, values[h])
    wb.save(out)
    rep = audit(out, pack)
    assert _statuses(rep) == {2: "match"}
    res = runner.invoke(app, ["template", "no.such.rule", "--out", str(out)])
    assert res.exit_code == 2


def test_a_header_written_twice_is_refused_naming_it(tmp_path):
    """polars would rename the second 建设成本 and its values would go unread: refuse instead."""
    import xlsxwriter

    from xingxian_subsidy.audit.read import read_roster
    from xingxian_subsidy.core.errors import InputError

    csv_path = tmp_path / "dup.csv"
    csv_path.write_text("姓名,主体类型,项目,建设成本,建设成本,申报金额\n甲,合作社,xzf5.s3-2.vegetable_facility,100,200,40\n", encoding="utf-8")
    xlsx_path = tmp_path / "dup.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx_path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["姓名", "建设成本", "建设成本"])
    ws.write_row(1, 0, ["甲", "100", "200"])
    wb.close()
    for path in (csv_path, xlsx_path):
        with pytest.raises(InputError) as err:
            read_roster(path)
        text = err.value.text("zh")
        assert str(path) in text and "建设成本" in text and "不止一次" in text


def test_applicant_ids_number_distinct_keys_exactly(monkeypatch):
    import xingxian_subsidy.audit.frame as roster_mod
    from xingxian_subsidy.audit.frame import applicant_ids

    keys = pl.Series(["id:1", "nv:甲|村", "id:2", "id:1", None, "nv:甲|村", None, "id:3"])
    for hashed in (None, lambda key: pl.repeat(7, len(key), dtype=pl.UInt64, eager=True)):  # real hash, then all colliding
        if hashed is not None:
            monkeypatch.setattr(roster_mod, "_key_hash", hashed)
        ids = applicant_ids(keys).to_list()
        assert len(set(ids)) == 5
        assert all((ids[a] == ids[b]) == (keys[a] == keys[b]) for a in range(len(keys)) for b in range(len(keys)))
    assert applicant_ids(pl.Series([], dtype=pl.String)).to_list() == []



def test_applicants_alone_is_exactly_an_applicant_with_one_entry():
    """The cross-row limits skip an applicant's only line: applicants_alone must find exactly those
    (random applicant numbers, a few repeated, against a count per number)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xingxian_subsidy.audit.frame import applicants_alone

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.integers(0, 12), max_size=30))
    def check(aids):
        got = applicants_alone(pl.Series(aids, dtype=pl.UInt32)).to_list()
        assert got == [aids.count(a) == 1 for a in aids]

    check()


def test_short_reasons_as_columns_are_the_per_row_texts():
    """The problem rows without a line of the reference engine get their reason as columns: it
    must be the per-row text exactly (amounts with thousands separators and signs, every status,
    both languages, with and without the limit's note)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xingxian_subsidy.audit.reasons import Explanations, _short_reason, short_reasons, yuan_expr
    from xingxian_subsidy.audit.report import yuan_text

    fen = st.one_of(st.none(), st.integers(-(10**12), 10**12), st.integers(-(2**63) + 1, 2**63 - 1), st.sampled_from([0, 99, 100, 99999, 100000, 10**9]))
    row = st.tuples(st.sampled_from(["over", "under", "ineligible", "incomplete", "bad_input", "match"]), fen, fen)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(row, max_size=20), st.sampled_from(["zh", "en"]), st.sampled_from([0, 7]))
    def check(rows, lang, unexplained):
        rows = [(s, c, a) if s not in ("over", "under") or (c is not None and a is not None and abs(c - a) < 2**62) else ("incomplete", c, a)
                for s, c, a in rows]
        plan = Explanations(want=list(range(len(rows))), unexplained=unexplained)
        frame = pl.DataFrame(rows, schema={"status": pl.String, "claimed_fen": pl.Int64, "award_fen": pl.Int64}, orient="row")
        got = short_reasons(frame, lang, plan, 1000).to_list()
        sep = "；" if lang == "zh" else "; "
        assert got == [sep.join(_short_reason(s, c, a, lang, plan, 1000)) for s, c, a in rows]
        assert frame.select(yuan_expr(pl.col("claimed_fen"))).to_series().to_list() == [yuan_text(c) for _, c, _ in rows]

    check()

# ---------------------------------------------------------------- key texts: the plain-cell shortcut


from hypothesis import given as _given
from hypothesis import settings as _settings
from hypothesis import strategies as _st

_KEY_PIECE = _st.one_of(
    _st.characters(min_codepoint=0x20, max_codepoint=0x7E),   # ASCII, the space too
    _st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF), _st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    _st.sampled_from(["\u200b", "\ufeff", "\u3000", "\u00a0", "\t", "\n", "\uff11", "\uff21", "\uf900", "\u2f00", "\u3164", "\u00ad",
                      "\u0301", "e\u0301", "\u1100\u1161", "\u4e00\u0301"]),   # invisible, blanks, full-width, compatibility, combining
    _st.characters(),
)


@_settings(max_examples=300, deadline=None)
@_given(_st.lists(_st.one_of(_st.none(), _st.lists(_KEY_PIECE, max_size=8).map("".join)), max_size=30))
def test_key_texts_are_parse_key_text_of_every_cell(cells):
    """The polars key text of a column (plain cells passed through, the others normalised) is
    ``parse.key_text`` of each cell: plain cells are exactly those the normalisation leaves alone."""
    from xingxian_subsidy.audit.frame import key_texts
    from xingxian_subsidy.audit.parse import key_text

    cells = [c for c in cells if c is None or "\x00" not in c]
    got = key_texts(pl.Series(cells, dtype=pl.String)).to_list()
    assert got == [key_text(c) for c in cells]


@_settings(max_examples=500, deadline=None)
@_given(_st.lists(_KEY_PIECE, max_size=8).map("".join))
def test_a_plain_key_is_left_as_it_is_by_the_whole_normalisation(cell):
    """``normalise_key`` returns a plain text (``PLAIN_KEY``) at once: the whole normalisation (NFKC,
    invisible characters removed, blanks made one) would have given the same text."""
    import re
    import unicodedata

    from xingxian_subsidy.core.inputforms import INVISIBLE, PLAIN_KEY, normalise_key

    whole = " ".join(re.sub(INVISIBLE, "", unicodedata.normalize("NFKC", cell)).split()) or None
    assert normalise_key(cell) == whole
    if re.fullmatch(PLAIN_KEY, cell):
        assert whole == cell
