"""The second county: 宁夏西吉县偏城乡's 2025 courtyard-economy notice (公示 2025-09-04) as a pack,
and a roster made to fit its published aggregates (tools/make_xiji_roster.py says how).

The audit must reproduce the published totals on both computation paths — 832,325 元 for 295
households in 16 villages; 养殖业 207 户 712,325 元 and 种植业 234 户 120,000 元; each kind's
amount — and nothing of 兴县 (the bundled pack) may be needed to run it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import read_roster, roster_from_frame
from xingxian_subsidy.cli import app
from xingxian_subsidy.engine.calculate import calculate_file
from xingxian_subsidy.pack.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
PACK_DIR = ROOT / "examples" / "xiji-piancheng-2025"
ROSTER = PACK_DIR / "roster_偏城乡_2025.csv"
APPLICANT = PACK_DIR / "applicant_monitored_household.yaml"

# the 公示's published figures (元)
PUBLISHED = {
    "total": 832325, "households": 295, "villages": 16,
    "养殖业": (207, 712325), "种植业": (234, 120000),
    "pc25.livestock.cattle": 416000,  # 416 头
    "pc25.livestock.sheep": 220600,  # 1103 只
    "poultry": 31050,  # 鸡 947 + 鸭 55 + 鹅 33 只
    "pc25.livestock.pigeon": 1875,  # 125 羽
    "pc25.livestock.bee": 42800,  # 107 箱
    "pc25.planting.vegetables": (234, 117000),
    "pc25.planting.fruit": (6, 3000),
}
POULTRY = ["pc25.livestock.chicken", "pc25.livestock.duck", "pc25.livestock.goose"]


@pytest.fixture(scope="module")
def pack():
    return load_rules(PACK_DIR)


@pytest.fixture(scope="module", params=["vector", "reference"])
def report(request, pack):
    return audit(ROSTER, pack, engine=request.param)


def _by_rule(report) -> dict[str, int]:
    return {r["rule"]: r["award_fen"] for r in report.summaries["by_rule"].iter_rows(named=True)}


def test_the_audit_reproduces_the_published_total(report):
    rows = report.rows
    assert rows.get_column("award_fen").sum() == PUBLISHED["total"] * 100
    assert (rows.get_column("status") == "match").all()  # every row claims what the notice's rates give
    assert report.issues.height == 0
    assert rows.get_column("key").n_unique() == PUBLISHED["households"]
    assert rows.get_column("village").n_unique() == PUBLISHED["villages"]
    total = report.summaries["by_township"].filter(pl.col("township") == "合计").row(0, named=True)
    assert total["award_fen"] == total["claimed_fen"] == PUBLISHED["total"] * 100


def test_the_audit_reproduces_every_published_category_total(report):
    by_rule = _by_rule(report)
    for rid in ("pc25.livestock.cattle", "pc25.livestock.sheep", "pc25.livestock.pigeon", "pc25.livestock.bee"):
        assert by_rule[rid] == PUBLISHED[rid] * 100, rid
    assert sum(by_rule[r] for r in POULTRY) == PUBLISHED["poultry"] * 100
    groups = {r["item"].strip("\u3000 "): r for r in report.summaries["pc2025_totals"].iter_rows(named=True)}
    for name in ("养殖业", "种植业"):
        assert (groups[name]["households"], groups[name]["award_fen"]) == (PUBLISHED[name][0], PUBLISHED[name][1] * 100), name
    for rid, label in (("pc25.planting.vegetables", "微菜园奖补"), ("pc25.planting.fruit", "微果园奖补")):
        assert (groups[label]["households"], groups[label]["award_fen"]) == (PUBLISHED[rid][0], PUBLISHED[rid][1] * 100)
    assert (groups["合计"]["households"], groups["合计"]["award_fen"]) == (PUBLISHED["households"], PUBLISHED["total"] * 100)


def test_the_published_sentence_is_written_from_the_pack(report):
    text = report.texts[0]
    assert text.startswith("2025年监测对象发展庭院经济项目共涉及16个行政村，验收兑付监测对象295户，补贴资金832325元。")
    assert "其中养殖业207户，补贴资金712325元" in text and "其中种植业234户，补贴资金120000元" in text
    assert "肉牛养殖奖补139户，补贴资金416000元" in text and "微果园奖补6户，补贴资金3000元" in text


def test_the_roster_keeps_every_cap_of_the_notice():
    """The made-up roster stays within the notice's caps (or the published totals would not follow
    from count × rate): at most 3 head, 10 sheep, 50 birds in all, 50 pigeons, 5 hives, 5000 元."""
    df = read_roster(ROSTER).frame.with_columns(pl.col("补贴资金（元）").cast(pl.Int64))
    per = df.group_by("户主姓名", "行政村").agg(
        pl.col("肉牛存栏（头）").cast(pl.Int64).sum(), pl.col("肉羊存栏（只）").cast(pl.Int64).sum(),
        (pl.col("养鸡（只）").cast(pl.Int64).sum() + pl.col("养鸭（只）").cast(pl.Int64).sum() + pl.col("养鹅（只）").cast(pl.Int64).sum()).alias("birds"),
        pl.col("肉鸽（羽）").cast(pl.Int64).sum(), pl.col("中华蜜蜂（箱）").cast(pl.Int64).sum(), pl.col("补贴资金（元）").sum())
    assert per.height == 295
    assert per.get_column("肉牛存栏（头）").max() <= 3 and per.get_column("肉羊存栏（只）").max() <= 10
    assert per.get_column("birds").max() <= 50 and per.get_column("肉鸽（羽）").max() <= 50 and per.get_column("中华蜜蜂（箱）").max() <= 5
    assert per.get_column("补贴资金（元）").max() == 5000  # some households reach the cap exactly; none goes over
    counts = {c: df.get_column(c).cast(pl.Int64).sum() for c in ("肉牛存栏（头）", "肉羊存栏（只）", "养鸡（只）", "养鸭（只）", "养鹅（只）", "肉鸽（羽）", "中华蜜蜂（箱）")}
    assert counts == {"肉牛存栏（头）": 416, "肉羊存栏（只）": 1103, "养鸡（只）": 947, "养鸭（只）": 55, "养鹅（只）": 33, "肉鸽（羽）": 125, "中华蜜蜂（箱）": 107}


def test_headers_carrying_their_unit_are_read():
    """微菜园面积（m²）, 肉牛存栏（头）: the unit in brackets is the input's own, so the column is
    the input's; a bracket with another unit names no input (the rows are then 信息不全)."""
    pack = load_rules(PACK_DIR)
    df = read_roster(ROSTER).frame
    report = audit(roster_from_frame(df), pack)
    assert report.stamp["unused_columns"] == []
    wrong = df.rename({"微菜园面积（m²）": "微菜园面积（亩）"})
    bad = audit(roster_from_frame(wrong), pack)
    assert "微菜园面积（亩）" in bad.stamp["unused_columns"]
    veg = bad.rows.filter(pl.col("rule") == "pc25.planting.vegetables")
    assert (veg.get_column("status") == "incomplete").all()
    # another spelling the pack declares for m² reads the same
    spelled = audit(roster_from_frame(df.rename({"微菜园面积（m²）": "微菜园面积（平方米）"})), pack)
    assert spelled.rows.get_column("award_fen").sum() == PUBLISHED["total"] * 100


def test_an_ordinary_household_is_not_paid_on_either_path(pack):
    """监测对象 only: a row whose 农户类型 is 一般户 is 不符合条件, whatever it claims; a household
    without 农户类型 is 信息不全 (需补充 农户类型)."""
    df = read_roster(ROSTER).frame.head(12)
    df = df.with_columns(pl.when(pl.int_range(pl.len()) < 4).then(pl.lit("一般户")).when(pl.int_range(pl.len()) < 6).then(None)
                         .otherwise(pl.col("农户类型")).alias("农户类型"))
    for engine in ("vector", "reference"):
        rows = audit(roster_from_frame(df), pack, engine=engine).rows
        assert rows.get_column("line_status").to_list()[:6] == ["ineligible"] * 4 + ["undecided"] * 2, engine
        assert rows.get_column("status").to_list()[:6] == ["ineligible"] * 4 + ["incomplete"] * 2, engine


def test_the_example_applicant_shows_unit_caps_and_the_household_cap():
    award, _, _ = calculate_file(APPLICANT, PACK_DIR)
    assert [line.amount for line in award.lines] == [Decimal("3000.00"), Decimal("2000.00"), 0, 0, 0]
    assert award.total == Decimal("5000.00")
    cattle, _, _, ducks, _ = award.lines
    assert any("只计 3 头" in s.text.zh for s in cattle.steps)
    assert any("已计 40 只：本项 20 只，只计 10 只" in s.text.zh for s in ducks.steps)
    assert cattle.citation.url and cattle.citation.gazette_page is None and cattle.citation.paraphrase


def test_nothing_of_the_bundled_pack_is_needed(monkeypatch, tmp_path):
    """Run every command on the 偏城乡 pack with the bundled (兴县) pack out of reach: nothing may
    load it, and no output may name 兴县."""
    import xingxian_subsidy.pack.loader as loader

    monkeypatch.setattr(loader, "default_rules_dir", lambda: tmp_path / "no-bundled-pack")
    runner = CliRunner()
    out = tmp_path / "report.json"
    commands = [
        ["audit", str(ROSTER), "--rules", str(PACK_DIR), "--out", str(out)],
        ["calc", str(APPLICANT), "--rules", str(PACK_DIR)],
        ["calc", str(APPLICANT), "--rules", str(PACK_DIR), "--format", "markdown", "--lang", "en"],
        ["rules", "list", "--rules", str(PACK_DIR)],
        ["rules", "show", "pc25.livestock.bee", "--rules", str(PACK_DIR)],
        ["rules", "interpretations", "--rules", str(PACK_DIR)],
        ["rules", "validate", str(PACK_DIR)],
        ["screen", "--subject", "农户", "--category", "边缘易致贫户", "--rules", str(PACK_DIR)],
        ["template", "pc25.livestock.cattle", "--rules", str(PACK_DIR), "--out", str(tmp_path / "blank.xlsx")],
    ]
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "兴县" not in result.output and "公报第" not in result.output, (args, result.output)
    report = out.read_text(encoding="utf-8")
    assert "兴县" not in report and "832325" in report


def test_an_amount_column_in_wan_yuan_is_read_as_wan_yuan(pack):
    """补贴资金（万元）: 0.3 万元 is 3000 元; six decimals reach the 分; a seventh is refused on that
    cell (输入有误), never read as some other amount — on both paths."""
    df = read_roster(ROSTER).frame.head(3)
    df = df.with_columns(pl.Series("补贴资金（元）", ["0.3", "0.2000001", "0.300000"])).rename({"补贴资金（元）": "补贴资金（万元）"})
    for engine in ("vector", "reference"):
        rows = audit(roster_from_frame(df), pack, engine=engine).rows
        assert rows.get_column("claimed_fen").to_list() == [300000, None, 300000], engine
        assert rows.get_column("status").to_list() == ["match", "bad_input", "match"], engine
