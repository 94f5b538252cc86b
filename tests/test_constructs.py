"""Each construct of the rule language that county notices need (issue 16), on both computation
paths: the reference engine (``engine.compute``, through ``audit(engine="reference")``) and the
vectorised path (``audit(engine="vector")``, which must do the rows itself: no fallback).

The rules are in tests/packs/constructs (one rule per construct, made-up documents); the
numbers echo real notices: 偏城乡 2025 (caps on units, 监测对象 only), 偏城乡 2023 户厕 (本次兑付
50%), 西平县 2023 (1200000 元 ÷ 6396.15 亩 → 187.61 元/亩, truncated), 汝州市 (amounts in 万元 with
five decimals), 重庆板桥镇 (per-household caps 脱贫户 8000 / 监测户 10000).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from xingxian_subsidy.audit.columns import map_columns
from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import roster_from_frame
from xingxian_subsidy.audit.vector import compute_vector
from xingxian_subsidy.core.errors import RuleDataError
from xingxian_subsidy.engine.calculate import calculate
from xingxian_subsidy.pack.loader import load_rules
from xingxian_subsidy.pack.semantics import pooled_rate
from xingxian_subsidy.render.award import to_markdown
from xingxian_subsidy.selfservice.screening import rate_text, rule_entry

ROOT = Path(__file__).resolve().parent.parent
PACK_DIR = ROOT / "tests" / "packs" / "constructs"
PACK = load_rules(PACK_DIR)
YR = PACK.for_year(2025)


def both(rows: list[dict], category: str | None = "边缘易致贫户", subject: str = "农户") -> list[tuple[str, int]]:
    """(engine status, 分) of each row, the same on both paths; the vectorised path does every row itself."""
    records = [{"姓名": "甲", "村": "一村", "主体类型": subject, "农户类型": category, "申报金额": "0", **r} for r in rows]
    columns = sorted({k for r in records for k in r})
    frame = pl.DataFrame([{c: r.get(c) for c in columns} for r in records], schema=dict.fromkeys(columns, pl.String))
    roster = roster_from_frame(frame)
    vec = compute_vector(roster, map_columns(roster.frame.columns, YR), YR)
    assert vec.get_column("line_status").null_count() == 0, "the vectorised path left rows to the reference engine"
    out = []
    for engine in ("vector", "reference"):
        rows_out = audit(roster, PACK, engine=engine).rows
        out.append(list(zip(rows_out.get_column("line_status").to_list(), rows_out.get_column("award_fen").fill_null(0).to_list())))
    assert out[0] == out[1]
    return out[0]


def calc(claims: list[dict], category: str | None = "边缘易致贫户", subject: str = "农户"):
    applicant = {"name": "甲", "subject": subject, **({"category": category} if category else {})}
    return calculate({"year": 2025, "applicant": applicant, "claims": claims}, PACK)


def steps(line) -> str:
    return "\n".join(s.text.zh for s in line.steps)


# ------------------------------------------------------------------ eligibility by category or group


@pytest.mark.parametrize(("category", "want"), [("边缘易致贫户", ("awarded", 200000)), ("脱贫户", ("awarded", 200000)),
                                                ("一般户", ("ineligible", 0)), (None, ("undecided", 0))])
def test_a_rule_for_some_categories_compares_with_the_category(category, want):
    assert both([{"项目": "t.cattle", "head": "2"}], category) == [want]
    line = calc([{"rule": "t.cattle", "inputs": {"head": 2}}], category).lines[0]
    check = next(c for c in line.checks if c.id == "monitored_only")
    assert check.threshold == "防止返贫监测对象、脱贫户"
    if category is None:
        assert [m.label.zh for m in line.missing] == ["农户类型"]


def test_a_subject_without_categories_is_in_no_group():
    assert both([{"项目": "t.cattle", "head": "2"}], None, "合作社") == [("ineligible", 0)]


# ------------------------------------------------------------------ caps on units


def test_a_cap_on_units_per_claim_counts_units_not_money():
    assert both([{"项目": "t.pigeon", "pigeons": p} for p in ("49", "50", "51", "60")]) == [
        ("awarded", 73500), ("awarded", 75000), ("awarded", 75000), ("awarded", 75000)]
    line = calc([{"rule": "t.pigeon", "inputs": {"pigeons": 60}}]).lines[0]
    assert "每次最多奖补 50 羽：60 羽，只计 50 羽" in steps(line)
    assert "元" not in steps(line).splitlines()[0]  # explained in 羽, not as an amount


def test_a_cap_on_units_per_household_adds_up_the_households_rows():
    # 2 head, then 2 more: only 1 of them counts (3 in all); then 1 more: none
    assert both([{"项目": "t.cattle", "head": h} for h in ("2", "2", "1")]) == [("awarded", 200000), ("awarded", 100000), ("awarded", 0)]
    award = calc([{"rule": "t.cattle", "inputs": {"head": h}} for h in (2, 2)])
    assert "每户最多奖补 3 头，已计 2 头：本项 2 头，只计 1 头" in steps(award.lines[1])


def test_a_pooled_cap_on_units_spans_rules():
    """鸡 + 鸭 ≤ 50 只 in all: 40 chickens, then 30 ducks of which 10 count; at 50 exactly, none is cut."""
    assert both([{"项目": "t.chicken", "birds": "40"}, {"项目": "t.duck", "birds": "30"}]) == [("awarded", 120000), ("awarded", 30000)]
    assert both([{"项目": "t.chicken", "birds": "40"}, {"项目": "t.duck", "birds": "10"}]) == [("awarded", 120000), ("awarded", 30000)]
    assert both([{"项目": "t.chicken", "birds": "50"}, {"项目": "t.duck", "birds": "1"}]) == [("awarded", 150000), ("awarded", 0)]


def test_a_cap_on_units_per_project_counts_the_rows_of_one_project():
    """5 箱 a project: two rows of project P1 share it; a row without a project label is a project of its own."""
    rows = [{"项目": "t.hive", "hives": "4", "项目标签": "P1"}, {"项目": "t.hive", "hives": "4", "项目标签": "P1"},
            {"项目": "t.hive", "hives": "4", "项目标签": "P2"}, {"项目": "t.hive", "hives": "4"}, {"项目": "t.hive", "hives": "4"}]
    assert both(rows) == [("awarded", 160000), ("awarded", 40000), ("awarded", 160000), ("awarded", 160000), ("awarded", 160000)]


def test_units_of_a_line_that_is_not_paid_do_not_count():
    """An undecided row (its quantity not given) uses none of the shared cap."""
    rows = [{"项目": "t.chicken", "birds": None}, {"项目": "t.duck", "birds": "50"}]
    assert both(rows) == [("undecided", 0), ("awarded", 150000)]


# ------------------------------------------------------------------ several shared caps, and caps by household class


def test_a_species_cap_and_the_household_cap_on_one_rule():
    """羊: 10 只 × 200 = 2000, cut to the species cap 1500; a second row of sheep gets nothing."""
    assert both([{"项目": "t.sheep", "sheep": "10"}, {"项目": "t.sheep", "sheep": "1"}]) == [("awarded", 150000), ("limited", 0)]


def test_a_cap_by_household_class_is_described_by_class():
    entry = rate_text(YR, YR.rules["t.garden"], "hh", None)
    assert "每户奖补上限 脱贫户：8000 元；监测对象：10000 元" in entry.zh
    assert "10000" not in rate_text(YR, YR.rules["t.garden"], "hh", "alleviated").zh  # the case for the class


def test_the_household_cap_binds_at_its_limit_for_each_class(tmp_path):
    """3000 + 1500 + 1500 + 500 = 6500 元 is under both caps; with a 2500 元 garden, 8500 元: a
    脱贫户 gets 8000 (its cap), a 监测对象 8500 (under its 10000)."""
    rows = [{"项目": "t.cattle", "head": "3"}, {"项目": "t.sheep", "sheep": "10"}, {"项目": "t.chicken", "birds": "50"},
            {"项目": "t.garden", "garden_area": "20"}]
    assert sum(f for _, f in both(rows, "脱贫户")) == 650000
    # a pack where the garden pays 2500: 8500 capped amounts
    copy = tmp_path / "pack"
    shutil.copytree(PACK_DIR, copy)
    path = copy / "2025" / "notice.yaml"
    text = path.read_text(encoding="utf-8").replace('garden_award: {value: "500"', 'garden_award: {value: "2500"')
    path.write_text(text.replace("微菜园每户奖补500元", "微菜园每户奖补2500元"), encoding="utf-8")  # a value is written in its quote
    pack = load_rules(copy)
    for category, want in (("脱贫户", 800000), ("脱贫不稳定户", 850000)):
        award = calculate({"year": 2025, "applicant": {"name": "甲", "subject": "农户", "category": category},
                           "claims": [{"rule": "t.cattle", "inputs": {"head": 3}}, {"rule": "t.sheep", "inputs": {"sheep": 10}},
                                      {"rule": "t.chicken", "inputs": {"birds": 50}}, {"rule": "t.garden", "inputs": {"garden_area": 20}}]}, pack)
        assert award.total * 100 == want, category
        frame = pl.DataFrame({"姓名": ["甲"] * 4, "主体类型": "农户", "农户类型": category, "申报金额": "0",
                              "项目": ["t.cattle", "t.sheep", "t.chicken", "t.garden"], "head": ["3", None, None, None],
                              "sheep": [None, "10", None, None], "birds": [None, None, "50", None], "garden_area": [None, None, None, "20"]})
        for engine in ("vector", "reference"):
            assert audit(roster_from_frame(frame), pack, engine=engine).rows.get_column("award_fen").sum() == want, (category, engine)


# ------------------------------------------------------------------ ratio conditions shown as ratios


@pytest.mark.parametrize(("logs", "want"), [("480", "awarded"), ("479", "ineligible"), ("500", "awarded")])
def test_a_ratio_in_a_unit_on_both_sides_of_its_threshold(logs, want):
    assert both([{"项目": "t.fungi", "fungi_area": "12", "logs": logs}]) == [(want, 100000 if want == "awarded" else 0)]


def test_a_ratio_is_shown_as_a_ratio_not_a_percentage():
    line = calc([{"rule": "t.fungi", "inputs": {"fungi_area": 12, "logs": 500}}]).lines[0]
    check = next(c for c in line.checks if c.id == "density")
    assert check.value == "500 棒 ÷ 12 m² = 41.66… 棒/m²" and check.threshold == "40 棒/m²"
    assert "%" not in check.value
    # a value just under the threshold never shows as the threshold (cut, not rounded)
    line = calc([{"rule": "t.fungi", "inputs": {"fungi_area": 12, "logs": 479}}]).lines[0]
    assert next(c for c in line.checks if c.id == "density").value == "479 棒 ÷ 12 m² = 39.91… 棒/m²"


# ------------------------------------------------------------------ tranches


def test_a_tranche_is_the_share_paid_this_time_rounded_as_stated():
    """3 座 × 33.33 = 99.99 元; 本次兑付 50% = 49.995: half-up 50.00, truncated 49.99."""
    assert both([{"项目": "t.toilet", "toilets": "3"}, {"项目": "t.well", "wells": "3"}]) == [("awarded", 5000), ("awarded", 4999)]
    award = calc([{"rule": "t.toilet", "inputs": {"toilets": 3}}, {"rule": "t.well", "inputs": {"wells": 3}}])
    assert "本次兑付 50%：99.99 元 × 50% = 49.995 元，四舍五入到分：50.00 元" in steps(award.lines[0])
    assert "截尾（舍去）到分：49.99 元" in steps(award.lines[1])
    assert "本次兑付 50%" in rate_text(YR, YR.rules["t.toilet"]).zh


# ------------------------------------------------------------------ accepted versus declared quantities


def test_the_accepted_quantity_pays_and_the_declared_one_is_shown():
    assert both([{"项目": "t.cattle", "head": "2", "head_declared": "5"}]) == [("awarded", 200000)]
    line = calc([{"rule": "t.cattle", "inputs": {"head": 2, "head_declared": 5}}]).lines[0]
    assert "申报 5 头，验收存栏数 2 头：按验收数量计" in steps(line)
    # the accepted quantity missing: undecided, whatever was declared
    assert both([{"项目": "t.cattle", "head": None, "head_declared": "5"}]) == [("undecided", 0)]


# ------------------------------------------------------------------ pool-divided rates


def test_a_pooled_rate_is_published_truncated_or_half_up():
    soy, corn = YR.rules["t.soy"].formula, YR.rules["t.corn"].formula
    P = lambda name: YR.param(YR.rules["t.soy"], name)
    assert pooled_rate(soy, P)[1] == Decimal("187.61")  # 1200000 ÷ 6396.15 = 187.6128…
    assert pooled_rate(corn, P)[1] == Decimal("66.67")  # 200 ÷ 3 = 66.666…, half up
    assert pooled_rate(corn.model_copy(update={"rate_rounding": "down"}), P)[1] == Decimal("66.66")
    # 6.5 亩 × 187.61 = 1219.465 → 1219.47 (the line's one rounding, half up); 1 亩 × 66.67
    assert both([{"项目": "t.soy", "soy_area": "6.5"}, {"项目": "t.corn", "corn_area": "1"}], None, "合作社") == [("awarded", 121947), ("awarded", 6667)]
    line = calc([{"rule": "t.soy", "inputs": {"soy_area": "6.5"}}], None, "合作社").lines[0]
    assert "1,200,000.00 元 ÷ 验收总面积 6396.15 亩 = 187.61… 元/亩，按 0.01 元/亩截尾（舍去）：187.61 元/亩" in steps(line)
    assert "截尾" in rule_entry(YR, YR.rules["t.soy"]).rate.zh


# ------------------------------------------------------------------ amounts in 万元


def test_an_amount_stated_in_wan_yuan_is_held_in_yuan_exactly():
    p = YR.param(YR.rules["t.grant"], "grant_wan")
    assert (p.value, p.unit, p.stated) == (Decimal("1234.5"), "元", "0.12345 万元")
    assert YR.param(YR.rules["t.soy"], "soy_pool").value == 1200000
    assert both([{"项目": "t.grant"}], None, "合作社") == [("awarded", 123450)]
    line = calc([{"rule": "t.grant"}], None, "合作社").lines[0]
    assert steps(line) == "一次性奖补：1234.5 元（0.12345 万元）"


# ------------------------------------------------------------------ sources of any kind


def test_a_web_notice_is_cited_by_its_address_never_a_gazette_page():
    award = calc([{"rule": "t.garden", "inputs": {"garden_area": 20}}])
    c = award.lines[0].citation
    assert (c.url, c.gazette_page, c.document_number, c.paraphrase) == ("https://example.invalid/notice.html", None, None, True)
    text = to_markdown(award)
    assert "网页公示 https://example.invalid/notice.html" in text and "公报第" not in text and "（大意，非原文）" in text
    assert "example.invalid" in award.sources[0] and "公报" not in award.sources[0]


# ------------------------------------------------------------------ a tier on the household's total


def test_a_tier_on_the_households_total_adds_the_rows_that_pass():
    """600 + 600 = 1200: 一档 300 on the first row, the second 0; 1500 + 600 = 2100: 二档 500; a row
    that fails its condition adds nothing (1500 alone: 一档); one row alone is tiered as it stands."""
    rows = [{"项目": "t.yard", "yard_gain": g, "yard_accepted": a} for g, a in (("600", "是"), ("600", "是"))]
    assert both(rows) == [("awarded", 30000), ("limited", 0)]
    rows = [{"项目": "t.yard", "yard_gain": g, "yard_accepted": "是"} for g in ("1500", "600")]
    assert both(rows) == [("awarded", 50000), ("limited", 0)]
    rows = [{"项目": "t.yard", "yard_gain": g, "yard_accepted": a} for g, a in (("600", "否"), ("1500", "是"))]
    assert both(rows) == [("excluded", 0), ("awarded", 30000)]
    assert both([{"项目": "t.yard", "yard_gain": "999.99", "yard_accepted": "是"}]) == [("ineligible", 0)]
    assert both([{"项目": "t.yard", "yard_gain": "2000", "yard_accepted": "是"}]) == [("awarded", 50000)]
    award = calc([{"rule": "t.yard", "inputs": {"yard_gain": g, "yard_accepted": True}} for g in ("1500", "600")])
    assert steps(award.lines[0]) == "按户合计定档：本户 2 项庭院增收按户定档（第 1、2 项申报）的庭院增收合计 1500 + 600 = 2100 元落在二档（2000 ≤ x）→ 500 元"
    assert steps(award.lines[1]) == "按户合计定档：本户庭院增收合计 2100 元，落在二档，奖补 500.00 元计在本户第 1 项申报上，本项计 0 元"
    assert all("I-002" in line.interpretations for line in award.lines)


def test_a_tier_on_the_households_total_waits_on_an_undecided_row():
    rows = [{"项目": "t.yard", "yard_gain": "1500", "yard_accepted": "是"}, {"项目": "t.yard", "yard_gain": None, "yard_accepted": "是"},
            {"项目": "t.yard", "yard_gain": "600", "yard_accepted": None}]
    assert both(rows) == [("undecided", 0), ("undecided", 0), ("undecided", 0)]
    # the household cap applies after the tier, as to any line (脱贫户: 8000 元, not reached here)
    rows = [{"项目": "t.cattle", "head": "3"}, {"项目": "t.yard", "yard_gain": "2500", "yard_accepted": "是"}]
    assert both(rows, "脱贫户") == [("awarded", 300000), ("awarded", 50000)]


def test_a_tier_on_the_households_total_is_described_as_such():
    assert "同一户（申请人）各项申报中符合条件的相加后定一个档次" in rate_text(YR, YR.rules["t.yard"], "hh", None).zh
    assert "one tier" in rate_text(YR, YR.rules["t.yard"], "hh", None).en
    assert "相加后" not in rate_text(YR, YR.rules["t.pigeon"], "hh", None).zh


# ------------------------------------------------------------------ the loader checks the constructs fit together


def _broken(tmp_path: Path, old: str, new: str, file: str = "notice.yaml") -> list[str]:
    copy = tmp_path / "pack"
    shutil.copytree(PACK_DIR, copy)
    path = copy / "2025" / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleDataError) as exc:
        load_rules(copy)
    return [p.text("zh") for p in exc.value.problems]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("cattle_rate: {value: \"1000\", unit: 元/头", "cattle_rate: {value: \"1000\", unit: 元/匹", "未声明的单位“元/匹”"),
    ("{param: pigeon_max, scope: claim, of: units}", "{param: pigeon_max, scope: claim}", "金额上限 pigeon_max 的单位应为“元”"),
    ("    formula: {kind: fixed, amount: fungi_award}", "    formula: {kind: fixed, amount: fungi_award}\n    caps: [{param: pigeon_max, scope: claim, of: units}]",
     "按数量（of: units），但计算方式“定额”不按数量计"),
    ("{param: cattle_max, scope: applicant, of: units, group: cattle}", "{param: poultry_max, scope: applicant, of: units, group: cattle}",
     "数量上限 poultry_max 的单位“只”与数量“head”的单位“头”不同"),
    ("{param: cattle_max, scope: applicant, of: units, group: cattle}", "{param: cattle_max, scope: applicant, of: units, group: cattle, when: {inputs: {head_declared: ['1']}}}",
     "不能取决于某项输入"),
    ("tranche: {share: toilet_tranche}", "tranche: {share: toilet_rate}", "本次兑付比例 toilet_rate 的单位应为“比例”"),
    ("fungi_density: {value: \"40\", unit: 棒/m²", "fungi_density: {value: \"40\", unit: \"%\"", "门槛写作比例"),
    ("soy_total: {value: \"6396.15\"", "soy_total: {value: \"0\"", "总量 soy_total 应大于 0"),
    ("values: [监测对象, alleviated]", "values: [监测对象, 三类户]", "未知农户类型或类别组 三类户"),
    ("  url: https://example.invalid/notice.html\n", "", "say where the document is published"),
    ("  quotes: paraphrase\n", "", "verbatim quotes need the source_file"),
    ("{name: garden_area, label: {zh: 微菜园面积, en: plot area}, type: decimal, unit: m²}",
     "{name: garden_area, label: {zh: 微菜园面积, en: plot area}, type: money, unit: m²}", "an amount of money is in 元"),
])
def test_the_loader_names_a_construct_that_does_not_fit(tmp_path, old, new, message):
    problems = _broken(tmp_path, old, new)
    assert any(message in p for p in problems), problems
    assert all("notice.yaml" in p or "vocabulary.yaml" in p for p in problems)


@pytest.mark.parametrize(("more", "message"), [
    ("    uplifts: [{when: {group: [监测对象]}, factor: toilet_tranche}]\n", "阶梯表按户合计定档（basis: applicant）时不能有上浮"),
    ("    exclusive_group: yard\n    caps: [*household_cap, {param: yard_award1, scope: claim}]\n", "不能有每项申报的上限（scope: claim）"),
])
def test_the_loader_refuses_a_claims_uplift_or_cap_on_a_tier_on_the_households_total(tmp_path, more, message):
    """Named at the line of the uplift or cap, in the file (t.yard is the file's last rule: a key
    written after it is the rule's)."""
    copy = tmp_path / "pack"
    shutil.copytree(PACK_DIR, copy)
    path = copy / "2025" / "notice.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("    caps:\n      - *household_cap\n")
    text = text.removesuffix("    caps:\n      - *household_cap\n")
    path.write_text(text + more, encoding="utf-8")
    with pytest.raises(RuleDataError) as exc:
        load_rules(copy)
    (hit,) = [p for p in exc.value.problems if message in p.text("zh")]
    assert hit.source.endswith("notice.yaml") and hit.line == text.count("\n") + more.count("\n")
    assert "t.yard" in hit.text("zh") and "basis: applicant" in hit.text("en")


def test_a_header_in_another_units_spelling_maps_and_a_wrong_unit_does_not():
    cmap = map_columns(["姓名", "主体类型", "项目", "申报金额", "微菜园面积（平方米）", "微菌园面积（亩）", "养殖只数（只）"], YR)
    assert cmap.inputs["t.garden"]["garden_area"] == ["微菜园面积（平方米）"]
    assert cmap.inputs["t.fungi"]["fungi_area"] == []
    assert cmap.inputs["t.chicken"]["birds"] == ["养殖只数（只）"]
    assert "微菌园面积（亩）" in cmap.unused


def test_a_document_may_be_in_a_gazette_on_the_web_or_in_a_file():
    from pydantic import ValidationError

    from xingxian_subsidy.pack.models import Document

    base = {"id": "d", "title": "某文件", "issuer": "某县人民政府", "date": "2025-01-01", "quotes": "paraphrase",
            "effective": {"start": "2025-01-01", "end": "2026-01-01"}}
    gazette = Document(**base, number="某政发〔2025〕1号", gazette="《某县人民政府公报》2025年第1期", gazette_page=3)
    assert gazette.place.zh == "公报第3页" and gazette.source_text == "某政发〔2025〕1号 某文件（《某县人民政府公报》2025年第1期 第3页）"
    assert Document(**base, file="某政发〔2025〕1号.pdf").place.zh == "文件 某政发〔2025〕1号.pdf"
    assert Document(**base, url="https://example.invalid/n").place.en == "web notice https://example.invalid/n"
    for bad in ({}, {"gazette": "《某县人民政府公报》"}):  # no source at all; a gazette without its page
        with pytest.raises(ValidationError):
            Document(**base, **bad)
