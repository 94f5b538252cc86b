"""Issue 11: rosters laid out like the gazette's forms (附件8 of 兴政办发〔2024〕12号, a township's 户厕
list against 附件2 of 兴政办发〔2024〕8号) and filled the way staff fill Excel — a title, a 填报单位
row, a header over two rows, 小计 and 合计 rows, blank rows, a signature line — are audited as
they are, with every sheet row accounted for; several files make one county report; the report
workbook's figures reconcile on every sheet."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import openpyxl
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.cli import app
from xingxian_subsidy.pack.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from form_rosters import Habits, courtyard_roster, toilet_roster

runner = CliRunner()
PACK = load_rules()


def _span(text: str) -> range:
    a, _, b = str(text).partition("-")
    return range(int(a), int(b or a) + 1)


def _accounted(path: Path, report) -> None:
    """Every row of every sheet is a roster row audited or a row listed as skipped with why, once."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        audited = report.rows.filter(pl.col("sheet") == ws.title).get_column("row").to_list() if "sheet" in report.rows.columns \
            else report.rows.get_column("row").to_list()
        skipped = [r for k in report.stamp["skipped"] if k.get("sheet") == ws.title for r in _span(k["rows"])]
        assert all(k["reason"] for k in report.stamp["skipped"]), "each skipped row says why"
        assert sorted(audited + skipped) == list(range(1, ws.max_row + 1)), (ws.title, audited, skipped)


def test_a_courtyard_roster_laid_out_like_annex_8_is_audited_as_it_is(pack, tmp_path):
    path = tmp_path / "蔡家崖乡.xlsx"
    rows = courtyard_roster(path)
    report = audit(path, pack)
    assert report.rows.height == len(rows)
    assert set(report.rows.get_column("status").to_list()) == {"match"}, report.issues.to_dicts()
    assert report.issues.height == 0
    assert report.rows.get_column("award_fen").to_list() == [r.award * 100 for r in rows]
    assert report.rows.get_column("name").to_list() == [r.name for r in rows]
    _accounted(path, report)
    kinds = {k["kind"] for k in report.stamp["skipped"]}
    assert {"title", "header", "total", "blank", "notes"} <= kinds
    # each 小计 and the 合计 checked against the rows above it, and found right
    totals = report.stamp["totals"]
    assert [t["label"] for t in totals] == ["碾子小计", "南沟小计", "石岭则小计", "合计"] and all(t["agrees"] for t in totals)
    assert totals[-1]["stated"] == str(sum(r.award for r in rows)) and totals[-1]["rows"] == len(rows)
    # the subsidy from the form's title, the subject from the subsidy: said, not guessed silently
    assert any("附件8" in f and "庭院经济" in f for f in report.stamp["facts"]), report.stamp["facts"]
    (sheet,) = report.stamp["sheets"]
    assert sheet["header_rows"] == [3, 4] and sheet["status"] == "read" and sheet["rows"] == len(rows)
    # what "一致" rests on: computed from the roster; the conditions it does not carry named as not checked
    basis = report.rows.get_column("basis").unique().to_list()
    assert len(basis) == 1 and basis[0].startswith("按名册核算") and "未核验" in basis[0] and "验收合格" in basis[0]
    # the spellings read as their word, with a note
    assert any(r["written"] == "监测户" for r in report.stamp["read_as"])


HABIT_FLAGS = [f.name for f in dataclasses.fields(Habits) if f.type in ("bool", bool)]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.fixed_dictionaries({k: st.booleans() for k in HABIT_FLAGS}), st.integers(3, 25))
def test_any_mix_of_staff_habits_audits_with_no_flags(tmp_path_factory, flags, n):
    pack = PACK
    path = tmp_path_factory.mktemp("habits") / "r.xlsx"
    # without a title, the sheet's name says which roster it is (a habit too: the sheet named 庭院经济)
    rows = courtyard_roster(path, n=n, habits=Habits(**flags, sheet_name="Sheet1" if flags["title"] else "庭院经济"))
    report = audit(path, pack)
    assert report.rows.height == n
    assert set(report.rows.get_column("status").to_list()) == {"match"}, (flags, report.issues.to_dicts())
    assert report.rows.get_column("award_fen").sum() == 100 * sum(r.award for r in rows)
    _accounted(path, report)
    assert all(t["agrees"] for t in report.stamp["totals"])


def test_a_total_that_does_not_add_up_is_a_finding(pack, tmp_path):
    path = tmp_path / "r.xlsx"
    courtyard_roster(path, habits=Habits(wrong_total=100))
    report = audit(path, pack)
    assert set(report.rows.get_column("status").to_list()) == {"match"}, "the households are right; the 合计 is not"
    (bad,) = [t for t in report.stamp["totals"] if not t["agrees"]]
    assert bad["label"] == "合计" and int(bad["stated"]) - int(bad["sum_of_rows"]) == 100
    (issue,) = report.issues.filter(pl.col("kind") == "total").to_dicts()
    assert issue["row"] == bad["row"] and "100" in issue["message"]


def test_a_toilet_list_with_the_ways_people_write_the_model_is_audited_with_notes(pack, tmp_path):
    path = tmp_path / "魏家滩镇.xlsx"
    rows = toilet_roster(path)
    report = audit(path, pack)
    assert set(report.rows.get_column("status").to_list()) == {"match"}, report.issues.to_dicts()
    assert report.rows.get_column("award_fen").to_list() == [r.award * 100 for r in rows]
    _accounted(path, report)
    written = {r["written"]: r["read_as"] for r in report.stamp["read_as"]}
    for w in ("三格", "三隔", "3格", "双翁"):
        assert "三格式" in written[w], written
    assert "水冲" in written["水冲式"]
    assert [t["agrees"] for t in report.stamp["totals"]] == [True]


def test_a_near_miss_gets_did_you_mean(pack, tmp_path):
    path = tmp_path / "r.xlsx"
    toilet_roster(path)
    wb = openpyxl.load_workbook(path)
    wb.active.cell(5, 6, "三格试")
    wb.save(path)
    report = audit(path, pack)
    row5 = report.rows.filter(pl.col("row") == 5).row(0, named=True)
    assert row5["status"] == "bad_input"
    messages = report.issues.filter(pl.col("row") == 5).get_column("message").to_list()
    # the nearest spelling (三格) is said with the subsidy it is read as
    name = pack.for_year(pack.latest_year).rules["xzbf8.s5-4.three_cell_or_double_urn"].name.zh
    assert any("三格试" in m and f"是否应为“三格”（按“{name}”读）" in m for m in messages), messages
    # the list has no 主体类型 column: the subject follows from the subsidy, so the one message is the subsidy's
    assert messages == [m for m in messages if "主体类型" not in m] and len(messages) == 1, messages
    assert report.rows.filter(pl.col("row") != 5).get_column("status").unique().to_list() == ["match"]


def test_several_files_make_one_county_report(pack, tmp_path):
    folder = tmp_path / "rosters"
    folder.mkdir()
    a = courtyard_roster(folder / "蔡家崖乡.xlsx", township="蔡家崖乡", n=12)
    b = courtyard_roster(folder / "魏家滩镇.xlsx", township="魏家滩镇", villages=["店上", "王家畔"], n=9, seed=7)
    report = audit(folder, pack)
    assert report.rows.height == len(a) + len(b)
    assert set(report.rows.get_column("status").to_list()) == {"match"}
    files = [Path(i["file"]).name for i in report.stamp["inputs"]]
    assert sorted(files) == ["蔡家崖乡.xlsx", "魏家滩镇.xlsx"] and all(i["status"] == "read" for i in report.stamp["inputs"])
    assert {Path(s["file"]).name for s in report.stamp["sheets"]} == set(files)
    by_file = report.summaries["by_file"].to_dicts()
    assert {r["file"]: r["award_fen"] for r in by_file[:-1]} == {"蔡家崖乡.xlsx": 100 * sum(r.award for r in a),
                                                                  "魏家滩镇.xlsx": 100 * sum(r.award for r in b)}
    town = {r["township"]: r for r in report.summaries["by_township"].to_dicts()}
    assert town["合计"]["award_fen"] == town["蔡家崖乡"]["award_fen"] + town["魏家滩镇"]["award_fen"] == by_file[-1]["award_fen"]
    tiers = report.summaries["courtyard_tiers"].to_dicts()
    assert tiers[-1]["households"] == len(a) + len(b)


def test_one_household_in_two_townships_is_found_across_files(pack, tmp_path):
    courtyard_roster(tmp_path / "a.xlsx", township="蔡家崖乡", n=5)
    courtyard_roster(tmp_path / "b.xlsx", township="魏家滩镇", n=5)  # the same seed: the same households
    report = audit([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], pack)
    cross = report.issues.filter(pl.col("kind") == "cross")
    assert set(cross.get_column("file").to_list()) == {"a.xlsx", "b.xlsx"}
    townships = [m for m in cross.get_column("message").to_list() if "不同乡镇" in m]
    # the others: the tier the roster wrote per row against the household's tier of its total (I-040)
    assert townships and all("不同乡镇" in m or "按增收核定为" in m for m in cross.get_column("message").to_list())
    # a household's lines name its rows with their file: the same row number is in both
    assert any("a.xlsx[Sheet1] 第 5 行、b.xlsx[Sheet1] 第 5 行" in (r or "") for r in report.rows.get_column("reason").to_list())
    # the 700 元 a household may get in all, across both files (附件3): the second claim is over
    assert "over" in report.rows.get_column("status").to_list()


def _sheet_rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _table(ws, first: str) -> tuple[list, list[tuple]]:
    """The table whose header starts 序号, ``first``: its header and rows down to its 合计."""
    rows = _sheet_rows(ws)
    h = next(i for i, r in enumerate(rows) if r[0] == "序号" and r[1] == first)
    out = []
    for r in rows[h + 1:]:
        out.append(r)
        if r[1] == "合计" or r[1] is None:
            break
    return list(rows[h]), out


def test_the_report_workbook_reconciles_and_is_ready_to_print(pack, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    courtyard_roster(folder / "a.xlsx", township="蔡家崖乡", n=10)
    courtyard_roster(folder / "b.xlsx", township="魏家滩镇", villages=["店上"], n=7, seed=7, habits=Habits(wrong_total=-300))
    out = tmp_path / "report.xlsx"
    result = runner.invoke(app, ["audit", str(folder), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    wb = openpyxl.load_workbook(out)
    detail = wb["明细"]
    head, _ = _table(detail, "文件")
    data = [r for r in _sheet_rows(detail) if isinstance(r[0], int)]
    assert len(data) == 17 and [r[0] for r in data] == list(range(1, 18)), "序号 1…n"
    assert head.count("序号") == 1 and "序号（原表）" in head, head  # the form's own 序号 kept, marked as the input's
    col = {c: head.index(c) for c in ("申报金额（元）", "核定金额（元）", "差额（申报−核定，元）", "状态", "文件")}
    claimed = sum(r[col["申报金额（元）"]] for r in data)
    award = sum(r[col["核定金额（元）"]] for r in data)
    assert all(isinstance(r[col["核定金额（元）"]], (int, float)) for r in data), "numbers, not text"
    total_row = next(r for r in _sheet_rows(detail) if isinstance(r[1], str) and r[1].startswith("合计"))
    assert (total_row[col["申报金额（元）"]], total_row[col["核定金额（元）"]], total_row[col["差额（申报−核定，元）"]]) == (claimed, award, claimed - award)
    # 汇总: per file, per township and the county, each 合计 the sum of the rows above it and of 明细
    summary = wb["汇总"]
    for key in ("文件", "乡镇"):
        h, rows = _table(summary, key)
        j_claim, j_award, j_diff = h.index("申报金额合计（元）"), h.index("核定金额合计（元）"), h.index("差额合计（元）")
        *body, total = rows
        assert total[1] == "合计"
        assert total[j_award] == sum(r[j_award] for r in body) == award
        assert total[j_claim] == claimed and total[j_diff] == total[j_claim] - total[j_award]
    # 附件7: one tier per household, the county 合计
    h7, rows7 = _table(wb["附件7"], "乡镇")
    *towns, county = rows7
    assert county[1] == "合计" and county[2] == 17
    tier_cols = [j for j, c in enumerate(h7) if c.endswith("户数") and c != "申请户数"]
    for r in rows7:
        assert sum(r[j] for j in tier_cols) == r[2], "each household in one tier"
    assert abs(county[h7.index("共需奖补资金（万元）")] - award / 10000) < 1e-9
    # paper: landscape A4, fitted to the width, header repeated, page numbers, a title, a signature block
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == (8 if ws.title == "明细" else 9), ws.title  # A3 for the wide 明细
        assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1) and setup.fitToHeight == 0, ws.title  # 1 wide, any tall
        assert "&P" in ws.oddFooter.center.text
        text = [v for r in _sheet_rows(ws) for v in r if isinstance(v, str)]
        assert "北京时间" in text[1], ws.title
    assert detail.print_title_rows == "$3:$3"
    for name in ("明细", "问题清单", "汇总", "附件7", "附件2"):
        assert any(isinstance(v, str) and v.startswith("制表人") for r in _sheet_rows(wb[name]) for v in r), name
    assert detail.conditional_formatting, "statuses coloured by conditional formatting"
    assert summary._charts and wb["附件7"]._charts
    # the 合计 of b.xlsx that does not add up is a finding; the CLI's totals are the summary's
    assert "相差" in " ".join(str(v) for r in _sheet_rows(wb["问题清单"]) for v in r if v)
    about = " ".join(str(v) for r in _sheet_rows(wb["说明"]) for v in r if v)
    assert "a.xlsx" in about and "b.xlsx" in about and "Sheet1" in about


def test_the_cli_names_every_file_and_its_totals_are_the_summarys(pack, tmp_path):
    courtyard_roster(tmp_path / "a.xlsx", township="蔡家崖乡", n=6)
    toilet_roster(tmp_path / "b.xlsx", n=8)
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["audit", str(tmp_path / "a.xlsx"), str(tmp_path / "b.xlsx"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(out.read_text(encoding="utf-8"))
    county = data["summaries"]["按乡镇汇总"][-1]
    assert county["乡镇"] == "合计"
    shown = county["核定金额合计（元）"].split(".")[0]
    assert f"{int(shown):,}" in result.output, result.output


def test_a_missing_rule_where_the_title_does_not_name_one_is_a_clear_error(tmp_path):
    path = tmp_path / "r.xlsx"
    courtyard_roster(path, habits=Habits(title=False, sheet_name="名单"))
    # without a title the subsidy is not known … unless the command line names it
    bad = runner.invoke(app, ["audit", str(path), "-o", str(tmp_path / "x.json")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    good = runner.invoke(app, ["audit", str(path), "--rule", "庭院经济阶梯式奖补", "-o", str(tmp_path / "y.json")])
    assert good.exit_code == 0, good.output


def test_a_row_without_a_subject_its_subsidy_cannot_give_says_so(pack, tmp_path):
    """No 主体类型 column: a subsidy open to several subject types cannot give the row its subject,
    so the row is 输入有误 and says the subject is blank (an earlier change left it with no message).
    Every 输入有误 row names what to correct."""
    src = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"
    frame = pl.read_csv(src, infer_schema=False).drop("主体类型")
    path = tmp_path / "r.csv"
    frame.write_csv(path)
    report = audit(path, pack)
    bad = report.rows.filter(pl.col("status") == "bad_input").get_column("row").to_list()
    assert bad
    with_issue = set(report.issues.filter(pl.col("kind") == "bad_input").get_column("row").to_list())
    assert set(bad) <= with_issue, sorted(set(bad) - with_issue)
    several = {rid for rid, r in pack.for_year(pack.latest_year).rules.items() if len(r.subjects) > 1}
    rows = report.rows.filter(pl.col("rule").is_in(list(several)))
    messages = report.issues.filter(pl.col("row").is_in(rows.get_column("row").to_list())).get_column("message").to_list()
    assert any("主体类型为空" in m for m in messages), messages


_KINDS = {
    "data": lambda k: [str(k), "甲乡", "一村", f"户{k}", "户厕改造补助（室内水冲式）", "2000"],
    "blank": lambda k: [None] * 6,
    "total": lambda k: [None, None, None, "合计", None, "9999"],
    "subtotal": lambda k: [None, None, "一村小计", None, None, "100"],
    "notes": lambda k: ["制表人：张三", None, None, None, None, None],
}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(sorted(_KINDS)), max_size=120))
def test_every_row_under_the_header_is_data_or_skipped_once_and_a_total_adds_up_the_rows_above(kinds):
    """layout.locate walks only the rows worth a look and takes the runs between them whole: the
    rows still come out each once, in their place, and each 合计 / 小计 adds up the data rows it should."""
    from xingxian_subsidy.audit.columns import header_words
    from xingxian_subsidy.audit.layout import locate

    head = ["序号", "乡镇", "村", "姓名", "项目", "申报金额"]
    grid = pl.DataFrame([head] + [_KINDS[k](i) for i, k in enumerate(kinds)], schema=[f"c{j}" for j in range(6)], orient="row")
    rows = list(range(1, grid.height + 1))
    loc = locate(grid, rows, header_words(PACK.for_year(2024)))
    placed = [rows[i] for i in loc.data] + [r for s in loc.skipped for r in range(s.first, s.last + 1)]
    assert sorted(placed) == rows, "every row once"
    data = [i + 1 for i, k in enumerate(kinds) if k == "data"]
    assert list(loc.data) == data, "the data rows, in order"
    since = 0
    want = []
    count = 0
    for i, k in enumerate(kinds):
        if k == "data":
            count += 1
        elif k in ("total", "subtotal"):
            want.append((i + 2, list(range(count)) if k == "total" else list(range(since, count))))
            since = count
    assert [(t.row, t.scope) for t in loc.totals] == want
    if len(data) > 1 and data == list(range(data[0], data[-1] + 1)):
        assert isinstance(loc.data, range), "consecutive data rows stay a range: the table is sliced, not gathered"


def test_two_workbooks_audited_together_whose_tiers_differ_from_the_written_ones(tmp_path):
    """Two townships' workbooks audited together, one with its sheet copied to a second sheet: the
    tier each writes is compared with the tier recomputed; with the tables' columns in several
    chunks (now made one by read._concat) polars 2.1 panicked in checks.tier_differs (found in
    review; the panic then escaped the internal-error guard, being no Exception)."""
    import random

    rnd = random.Random(11)
    flags = [f.name for f in dataclasses.fields(Habits) if f.type in ("bool", bool)]
    made = []
    for k in range(3):  # the forms as the reviewer's script drew them
        habits = Habits(**{f: rnd.random() < 0.6 for f in flags}, wrong_total=rnd.choice([0, 0, 5]), sheet_name=rnd.choice(["Sheet1", "名册"]))
        n = rnd.choice([3, 12, 35, 45])
        path = tmp_path / f"f{k}.xlsx"
        (courtyard_roster if k % 2 == 0 else toilet_roster)(path, n=n, habits=habits, seed=k)
        made.append(path)
    wb = openpyxl.load_workbook(made[2])
    wb.copy_worksheet(wb.worksheets[0]).title = "第二"
    wb.save(made[2])
    result = CliRunner().invoke(app, ["audit", str(made[0]), str(made[2]), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.issues.csv").read_text(encoding="utf-8-sig").count("名册填写档次") > 0, "the written tiers were compared"
