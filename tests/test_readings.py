"""The policy, second reading (issue 12): every contested reading computable side by side.

Each point decided in the register is tested on both sides under the register's reading and under
each alternative (an overlay named in the register, ``--reading I-0xx=B``); the repository checks
that no line depends silently on a reading; calc shows a line under each alternative; audit adds
the sheet 争议口径影响.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import roster_from_frame
from xingxian_subsidy.audit.writers import write_report
from xingxian_subsidy.cli import app
from xingxian_subsidy.core.errors import InputError
from xingxian_subsidy.engine.calculate import calculate
from xingxian_subsidy.engine.readings import with_alternatives
from xingxian_subsidy.pack.diff import rules_moved, unnamed_dependencies
from xingxian_subsidy.pack.loader import alternative_years, load_rules, variant
from xingxian_subsidy.pack.overlay import parse_reading

ROOT = Path(__file__).resolve().parent.parent
PACK = load_rules(ROOT / "rules")
YR = PACK.for_year(2024)


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def award(subject: str, claims: list[dict], category: str | None = None, reading: str | None = None):
    pack = variant(PACK, readings=[parse_reading(reading)])[0] if reading else PACK
    info = {"name": "甲", "subject": subject, **({"category": category} if category else {})}
    return calculate({"year": 2024, "applicant": info, "claims": claims}, pack)


def amounts(a) -> list[tuple[str, str]]:
    return [(line.status, str(line.amount)) for line in a.lines]


# ------------------------------------------------------------------------------ the repository checks itself


def test_every_contested_entry_has_alternatives_that_apply():
    alts = alternative_years(YR)
    entries = {e for e, _ in alts}
    assert {"I-003", "I-004", "I-010", "I-013", "I-026", "I-027", "I-028", "I-029", "I-030", "I-032", "I-033", "I-038", "I-039"} <= entries
    for (entry, alt), other in alts.items():
        assert other.readings == {entry: alt}
        assert rules_moved(YR, other), f"{entry} {alt} changes no rule"


def test_the_readings_of_some_entries_are_those_of_all_restricted_to_them():
    """An award works out only the entries its lines name (a fresh year, so nothing is kept yet)."""
    fresh = dataclasses.replace(YR)
    some = alternative_years(fresh, {"I-013", "I-040", "I-999"})
    assert {e for e, _ in some} == {"I-013", "I-040"}
    every = alternative_years(fresh)
    assert some == {k: v for k, v in every.items() if k[0] in {"I-013", "I-040"}}
    assert all(every[k] is v for k, v in some.items())  # worked out once
    assert list(every) == list(alternative_years(YR))


def test_no_rule_depends_silently_on_a_reading():
    """Any rule whose amount an alternative can move (the rule, a value it uses, or a limit across
    claims it shares with one) names the register entry."""
    assert unnamed_dependencies(YR, alternative_years(YR)) == []


def test_the_self_check_catches_a_rule_that_does_not_name_its_reading(tmp_path):
    import shutil

    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    path = copy / "2024" / "xzf-2024-5_rural-industry-action-plan.yaml"
    text = path.read_text(encoding="utf-8")
    # the collective's full-investment rule shares the exclusive group of the musk-deer sheds (I-038 moves them)
    old = "    subjects: [village_collective]\n    exclusive_group: livestock_construction\n    unlabelled_claims: same_project\n    interpretations: [I-005, I-004, I-026, I-028, I-038]"
    assert old in text
    path.write_text(text.replace(old, old.replace(", I-038]", "]")), encoding="utf-8")
    yr = load_rules(copy).for_year(2024)
    assert unnamed_dependencies(yr, alternative_years(yr)) == [("I-038", "B", "xzf5.s3-3.collective_livestock")]


def _example_applicants():
    from xingxian_subsidy.core.yamlio import load_with_lines

    for path in sorted((ROOT / "examples").glob("*.yaml")):
        yield path.name, load_with_lines(path)[0]


@pytest.mark.parametrize("name, data", list(_example_applicants()), ids=[n for n, _ in _example_applicants()])
def test_a_line_that_changes_under_an_alternative_names_its_entry(name, data):
    base = calculate(data, PACK)
    for (entry, alt), other in alternative_years(YR).items():
        vpack = PACK.__class__(**{**PACK.__dict__, "years": {2024: other}})
        got = calculate(data, vpack)
        for line, alt_line in zip(base.lines, got.lines):
            if (line.status, line.amount) != (alt_line.status, alt_line.amount):
                assert entry in line.interpretations, (name, entry, alt, line.rule_id)


# ------------------------------------------------------------------------------ the points, both sides

CATTLE_12000 = {"rule": "xzf5.s3-3.cattle_shed", "inputs": {"farm_compliant": "是", "cattle_on_hand": 2000, "new_shed_area_m2": "12000"}}


def test_point_1_the_200万_cap_binds_a_social_enterprise_on_any_route():
    assert amounts(award("企业", [CATTLE_12000])) == [("awarded", "2000000.00")]
    assert amounts(award("企业", [CATTLE_12000], reading="I-004=B")) == [("awarded", "2400000.00")]
    assert amounts(award("家庭农场", [CATTLE_12000])) == [("awarded", "2400000.00")], "a family farm is not a social enterprise"


def test_point_2_unlabelled_claims_of_one_project_kind_are_one_project():
    cattle = {"rule": "xzf5.s3-3.cattle_shed", "inputs": {"farm_compliant": "是", "cattle_on_hand": 100, "new_shed_area_m2": "600"}}
    invest = {"rule": "xzf5.s3-3.enterprise_livestock_investment", "inputs": {"total_investment": 5000000}}
    a = award("企业", [cattle, invest])
    assert amounts(a) == [("limited", "0.00"), ("awarded", "1000000.00")]
    assert any("未填项目标签" in s.text.zh for s in a.lines[0].steps)
    assert amounts(award("企业", [cattle, invest], reading="I-026=B")) == [("awarded", "120000.00"), ("awarded", "1000000.00")]
    labelled = [{**cattle, "project": "牛场"}, {**invest, "project": "另一项目"}]
    assert amounts(award("企业", labelled)) == [("awarded", "120000.00"), ("awarded", "1000000.00")]


def test_point_4_a_category_on_a_non_household_is_an_input_error():
    soy = {"rule": "xzf5.s3-2.vegetable_facility", "inputs": {"construction_cost": 10000}}
    with pytest.raises(InputError) as err:
        award("家庭农场", [soy], category="边缘易致贫户")
    assert "农户类型只适用于农户" in err.value.text("zh") and "applicant.category" in err.value.text("en")
    assert amounts(award("农户", [soy], category="边缘易致贫户")) == [("awarded", "6500.00")]
    frame = pl.DataFrame({"乡镇": ["甲乡"] * 2, "村": ["一村"] * 2, "姓名": ["某家庭农场", "某户"], "主体类型": ["家庭农场", "农户"],
                          "农户类型": ["边缘易致贫户"] * 2, "项目": ["设施蔬菜项目建设补贴"] * 2, "申报金额": ["6500", "6500"], "建设成本": ["10000"] * 2})
    for engine in ("vector", "reference"):
        rep = audit(roster_from_frame(frame), PACK, engine=engine)
        assert rep.rows.get_column("status").to_list() == ["bad_input", "match"], engine


def test_point_5_a_toilet_not_sampled_is_paid():
    claim = {"rule": "xzbf8.s5-4.indoor_flush", "inputs": {"township_self_inspection_passed": "是", "county_reinspection_sampled": "否"}}
    assert amounts(award("农户", [claim], category="一般户")) == [("awarded", "2000.00")]
    assert amounts(award("农户", [claim], category="一般户", reading="I-013=B"))[0][0] == "undecided"
    failed = {"rule": "xzbf8.s5-4.indoor_flush", "inputs": {"township_self_inspection_passed": "是", "county_reinspection_sampled": "是",
                                                             "county_reinspection_passed": "否"}}
    assert amounts(award("农户", [failed], category="一般户")) == [("ineligible", "0.00")]


def test_point_6_the_waste_cap_is_per_enterprise_and_year():
    two = [{"rule": "xzf5.s3-9.waste_recycling", "project": p, "inputs": {"fixed_assets": 12000000, "process_compliant": "是"}} for p in ("甲", "乙")]
    assert amounts(award("企业", two)) == [("awarded", "2000000.00"), ("limited", "0.00")]
    assert amounts(award("企业", two, reading="I-039=B")) == [("awarded", "2000000.00"), ("awarded", "2000000.00")]
    one = [{"rule": "xzf5.s3-9.waste_recycling", "inputs": {"fixed_assets": 9999995, "process_compliant": "是"}}]
    assert amounts(award("企业", one)) == [("awarded", "1999999.00")]


def test_point_7_collectives_and_the_vegetable_cap():
    big = [{"rule": "xzf5.s3-2.vegetable_facility", "inputs": {"construction_cost": 5100000}}]
    assert amounts(award("村集体", big)) == [("awarded", "5100000.00")]
    assert amounts(award("村集体", big, reading="I-003=B")) == [("awarded", "2000000.00")]
    assert amounts(award("农户", big, category="边缘易致贫户", reading="I-003=B")) == [("awarded", "3315000.00")]
    assert amounts(award("农户", big, category="边缘易致贫户", reading="I-003=C")) == [("awarded", "2000000.00")]


def test_point_8_a_demonstration_village_is_paid_once():
    claim = {"rule": "xzbf12.s5.demo_village", "inputs": {"recognised": "是", "courtyard_households": 48, "courtyard_monitored_households": 48,
                                                         "monitored_and_alleviated_households": 70, "all_households": 210, "decided_amount": 45000}}
    assert amounts(award("行政村", [claim])) == [("awarded", "45000.00")]
    assert amounts(award("行政村", [claim, claim])) == [("awarded", "45000.00"), ("limited", "0.00")]


def test_point_9_a_large_grower_grows_shiitake_as_a_farming_household():
    logs = [{"rule": "xzf5.s3-5.shiitake", "inputs": {"logs": 10000, "contiguous_base_mu": 12}}]
    assert amounts(award("种植大户", logs)) == [("awarded", "20000.00")]
    assert amounts(award("种植大户", logs, reading="I-027=B")) == [("ineligible", "0.00")]
    assert amounts(award("家庭农场", logs)) == [("ineligible", "0.00")]


def test_point_10_a_collective_is_paid_its_investment_not_more():
    claims = [{"rule": "xzf5.s3-3.collective_livestock", "project": "牛场", "inputs": {"investment": 1850000}},
              {**CATTLE_12000, "project": "牛场"}]
    assert amounts(award("村集体", claims)) == [("awarded", "1850000.00"), ("ineligible", "0.00")]
    assert amounts(award("村集体", claims, reading="I-028=B")) == [("limited", "0.00"), ("awarded", "2400000.00")]


def test_point_11_one_product_is_not_paid_twice():
    gi = {"rule": "xzf5.s3-6.geographical_indication", "inputs": {"products": 1, "also_sanpin_awarded": "是"}}
    assert amounts(award("合作社", [gi])) == [("excluded", "0.00")]
    assert amounts(award("合作社", [gi], reading="I-029=B")) == [("awarded", "40000.00")]
    gi_new = {"rule": "xzf5.s3-6.geographical_indication", "inputs": {"products": 1, "also_sanpin_awarded": "否"}}
    assert amounts(award("合作社", [gi_new])) == [("awarded", "40000.00")]


def test_point_12_the_60_percent_numerator_is_within_the_denominator():
    demo = {"rule": "xzbf12.s5.demo_village", "inputs": {"recognised": "是", "courtyard_households": 30, "courtyard_monitored_households": 29,
                                                        "monitored_and_alleviated_households": 50, "all_households": 200, "decided_amount": 30000}}
    assert amounts(award("行政村", [demo])) == [("ineligible", "0.00")]
    assert amounts(award("行政村", [demo], reading="I-030=B")) == [("awarded", "30000.00")]
    at = {**demo, "inputs": {**demo["inputs"], "courtyard_monitored_households": 30}}
    assert amounts(award("行政村", [at])) == [("awarded", "30000.00")]


def test_point_12_loan_interest_linkage_and_level():
    base = {"provincial_leading": "是", "benefit_linkage": "否", "loan_principal": 10000000, "benchmark_rate_percent": "3.45", "loan_days": 360,
            "interest_paid": 400000}
    claim = [{"rule": "xzf5.s3-8.loan_interest", "inputs": base}]
    assert amounts(award("龙头企业", claim)) == [("ineligible", "0.00")]
    assert amounts(award("龙头企业", claim, reading="I-032=B")) == [("awarded", "345000.00")]
    national = {**base, "provincial_leading": "否", "benefit_linkage": "是"}
    assert amounts(award("龙头企业", [{"rule": "xzf5.s3-8.loan_interest", "inputs": national}])) == [("ineligible", "0.00")]
    under_b = [{"rule": "xzf5.s3-8.loan_interest", "inputs": {**national, "national_leading": "是"}}]
    assert amounts(award("龙头企业", under_b, reading="I-033=B")) == [("awarded", "345000.00")]
    linked = [{"rule": "xzf5.s3-8.loan_interest", "inputs": {**base, "benefit_linkage": "是", "loan_days": 365}}]
    assert amounts(award("龙头企业", linked)) == [("awarded", "349791.67")]
    assert amounts(award("龙头企业", linked, reading="I-010=B")) == [("awarded", "345000.00")]


def test_point_12_musk_deer_must_be_new_and_awards_in_kind_are_named():
    old = [{"rule": "xzf5.s3-3.musk_deer_shed", "inputs": {"farm_compliant": "是", "new_shed_area_m2": "100", "musk_deer_new": "否"}}]
    assert amounts(award("家庭农场", old)) == [("ineligible", "0.00")]
    assert amounts(award("家庭农场", old, reading="I-038=B")) == [("awarded", "20000.00")]
    seed = award("合作社", [{"rule": "xzf5.s3-2.seedlings", "inputs": {"green_base": "是", "seedlings": 1000}}])
    assert seed.lines[0].paid_in_kind is not None and "不以现金" in seed.lines[0].paid_in_kind.zh
    assert "I-031" in seed.lines[0].interpretations
    soy = award("合作社", [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": 10}}])
    assert soy.lines[0].paid_in_kind is None


def test_point_13_the_boundary_words_cite_the_civil_code_only_for_what_it_lists():
    from xingxian_subsidy.pack.models import BOUNDARY_WORDS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "不满/超过/以外" in readme and "低于" in readme and "通常含义" in readme
    assert BOUNDARY_WORDS["低于"] == {"lt"} and BOUNDARY_WORDS["不超过"] == {"le"}
    assert "民法典 第1259条。" not in (ROOT / "rules" / "2024" / "interpretations.yaml").read_text(encoding="utf-8")
    assert YR.parameters["xzf5"]["interest_day_basis"].value_from == "I-010"


# ------------------------------------------------------------------------------ calc, --reading, audit


def test_calc_shows_a_line_under_each_alternative(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(json.dumps({"year": 2024, "applicant": {"name": "某牧业公司", "subject": "企业"}, "claims": [CATTLE_12000]}, ensure_ascii=False),
                    encoding="utf-8")
    result = run("calc", path, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "2,000,000.00 元" in result.output and "按另一种理解**：I-004 B（上限只约束第七项 20% 投资奖补）：2,400,000.00 元" in result.output
    data = json.loads(run("calc", path, "--format", "json").output)
    assert {(a["interpretation"], a["alternative"], a["amount"]) for a in data["lines"][0]["alternatives"]} >= {("I-004", "B", "2400000.00")}
    under_b = run("calc", path, "--reading", "I-004=B", "--format", "json")
    assert under_b.exit_code == 0 and json.loads(under_b.output)["total"] == "2400000.00"
    assert "I-004=B" in json.loads(under_b.output)["rule_pack"]
    en = run("calc", path, "--lang", "en", "--format", "markdown")
    assert "Under another reading**: I-004 B (the cap bounds the 20% route only): 2,400,000.00 yuan" in en.output
    for bad, words in (("I-004=Q", "has no alternative Q"), ("I-001=B", "I-001 has no alternative B"), ("I-4=B", "ENTRY=ALTERNATIVE")):
        r = run("calc", path, "--reading", bad, "--lang", "en")
        assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output


def test_with_alternatives_lists_every_alternative_when_asked():
    data = {"year": 2024, "applicant": {"name": "甲", "subject": "企业"}, "claims": [CATTLE_12000]}
    from xingxian_subsidy.engine.applicant import parse_applicant
    from xingxian_subsidy.engine.compute import compute

    applicant, yr = parse_applicant(data, PACK)
    a = with_alternatives(applicant, compute(applicant, yr, PACK), yr, PACK, all_=True)
    got = {(x.interpretation, x.alternative): str(x.amount) for x in a.lines[0].alternatives}
    assert got[("I-004", "B")] == "2400000.00" and got[("I-026", "B")] == "2000000.00"


ROSTER = pl.DataFrame({
    "乡镇": ["甲乡", "甲乡", "乙乡"], "村": ["一村", "一村", "二村"], "姓名": ["某牧业公司", "某牧业公司", "某户"], "主体类型": ["企业", "企业", "农户"],
    "农户类型": [None, None, "一般户"], "项目": ["标准化肉牛养殖场圈舍奖补", "社会企业养殖项目投资奖补", "户厕改造补助（室内水冲式）"],
    "项目标签": ["牛场", "牛场", None], "申报金额": ["2000000", "0", "2000"], "新建养殖场手续合规合法": ["是", None, None], "肉牛存栏": ["2000", None, None],
    "新建圈舍面积": ["12000", None, None], "项目总投资": [None, "8000000", None], "乡镇自验合格": [None, None, "是"],
    "被抽中复验": [None, None, "否"]})


def test_audit_adds_the_sheet_of_contested_readings(tmp_path):
    rep = audit(roster_from_frame(ROSTER), PACK)
    t = {(r["entry"], r["alternative"]): r for r in rep.readings.to_dicts()}
    assert t[("I-004", "B")]["rows_changed"] == 1 and t[("I-004", "B")]["change_fen"] == 40000000
    assert t[("I-013", "B")]["rows_changed"] == 1 and t[("I-013", "B")]["change_fen"] == -200000
    assert t[("I-029", "B")]["rows"] == 0 and t[("I-029", "B")]["change_fen"] == 0
    write_report(rep, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert "争议口径影响" in wb.sheetnames
    rows = list(wb["争议口径影响"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[1] == "解释编号")  # under the title; 序号 first
    assert rows[head][0] == "序号" and any(r[1] == "I-004" and r[3] == "B" and r[9] == 400000 for r in rows[head + 1:]), rows
    write_report(rep, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert any(r["解释编号"] == "I-004" and r["变化（元）"] == "400000.00" for r in data["reading_impacts"])
    assert audit(roster_from_frame(ROSTER), PACK, readings=False).readings is None


def test_audit_under_an_alternative_reading(tmp_path):
    path = tmp_path / "roster.csv"
    ROSTER.write_csv(path)
    out = tmp_path / "r.json"
    result = run("audit", path, "--reading", "I-004=B", "--out", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "I-004=B" in data["stamp"]["rule_pack"]
    assert [r["核定金额（元）"] for r in data["rows"]][:2] == ["2400000.00", "0.00"]
    assert not any(r["解释编号"] == "I-004" for r in data["reading_impacts"]), "the entry it already reads otherwise is left out"


def _two_years(tmp_path: Path) -> Path:
    """The bundled pack plus a 2025 overlay year (``tools/two_year_pack``): its rules folder."""
    import shutil
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    from two_year_pack import OVERLAY, QUOTE

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("__pycache__"))
    (rules / "2025").mkdir()
    (rules / "2025" / "overlay.yaml").write_text(OVERLAY, encoding="utf-8")
    (rules / "2025" / "notice_2025_test.txt").write_text(f"测试用（虚构）\n一、{QUOTE}。\n", encoding="utf-8")
    return rules


def test_a_reading_applies_to_the_year_the_applicant_names_in_a_pack_of_two_years(tmp_path):
    """`calc --reading` without --year: the applicant's file names 2024 while the pack's latest year
    is 2025 (an overlay); the reading must reach 2024, not be left on 2025 and silently ignored."""
    rules = _two_years(tmp_path)
    example = ROOT / "examples" / "courtyard_cap_two_projects.yaml"
    assert "year: 2024" in example.read_text(encoding="utf-8")
    plain = json.loads(run("calc", example, "-f", "json", "--rules", rules).stdout)
    under_b = json.loads(run("calc", example, "-f", "json", "--rules", rules, "--reading", "I-040=B").stdout)
    assert plain["year"] == under_b["year"] == 2024
    assert [line["amount"] for line in plain["lines"]] == ["700.00", "0.00"]
    assert [line["amount"] for line in under_b["lines"]] == ["500.00", "200.00"]


def test_with_readings_applies_in_every_year_that_holds_the_entry_unless_one_is_named(tmp_path):
    """The library, not only the CLI, chooses the years: no year → each year whose register holds
    the entry; a named year → that year only; an entry no year holds → a located RuleDataError."""
    from xingxian_subsidy.core.errors import RuleDataError
    from xingxian_subsidy.pack.loader import load_rules, with_readings
    from xingxian_subsidy.pack.overlay import parse_reading

    pack = load_rules(_two_years(tmp_path))
    b = [parse_reading("I-040=B")]
    both = with_readings(pack, b)
    assert {y: "I-040=B" in both.for_year(y).variant for y in (2024, 2025)} == {2024: True, 2025: True}
    only = with_readings(pack, b, 2024)
    assert {y: "I-040=B" in only.for_year(y).variant for y in (2024, 2025)} == {2024: True, 2025: False}
    with pytest.raises(RuleDataError):
        with_readings(pack, [parse_reading("I-999=B")])


def _sheet_the_slow_way(roster, yr) -> dict[tuple[str, str], dict]:
    """The 争议口径影响 figures with the whole roster recomputed under each alternative
    (``simulate(..., full=True)``) and every row of an applicant with a rule it can move counted."""
    from unittest import mock

    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.frame import base_frame
    from xingxian_subsidy.audit.parse import ParseMemo
    from xingxian_subsidy.audit.simulate import simulate

    fixed = base_frame(roster, map_columns(roster.frame.columns, yr, roster.source), yr)
    present = set(fixed.get_column("rule").drop_nulls())
    out = {}
    for key, other in alternative_years(yr).items():
        moved = rules_moved(yr, other)
        touched = fixed.get_column("rule").is_in(list(moved if moved is not None else present)).fill_null(False)
        rows = int(fixed.get_column("aid").is_in(fixed.get_column("aid").filter(touched).unique().implode()).sum())
        with mock.patch.object(ParseMemo, "view", lambda self, yr, cmap, at=None: None):  # every row parsed afresh, as the reading reads it
            changed = simulate(roster, PACK, yr, other, full=True).changed
        out[key] = {"rows": rows if moved is None or moved & present else 0, "rows_changed": changed.height,
                    "base_fen": int(changed.get_column("base_fen").fill_null(0).sum()),
                    "variant_fen": int(changed.get_column("variant_fen").fill_null(0).sum()),
                    "change_fen": int(changed.get_column("change_fen").sum())}
    return out


@pytest.mark.parametrize("which", ["example", "bench", "bundled"])
def test_the_readings_sheet_equals_the_whole_roster_recomputed_under_each_alternative(which, tmp_path):
    """The sheet recomputes only the rows of the rules a reading can move (their applicants' other
    rows cannot change: every rule sharing a limit with one that moves moves too), its rows parsed
    once for all readings; the slow way parses every row afresh under each. The bundled example has
    rows of every kind the vector path cannot read."""
    import sys

    from xingxian_subsidy.audit.read import read_roster

    if which == "example":
        roster = roster_from_frame(ROSTER)
    elif which == "bundled":
        roster = read_roster(EXAMPLE)
    else:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_roster import generate

        generate(3000, tmp_path / "r.csv", seed=15)
        roster = read_roster(tmp_path / "r.csv")
    sheet = {(r["entry"], r["alternative"]): {k: r[k] for k in ("rows", "rows_changed", "base_fen", "variant_fen", "change_fen")}
             for r in audit(roster, PACK).readings.to_dicts()}
    slow = _sheet_the_slow_way(roster, YR)
    figures = ("rows_changed", "base_fen", "variant_fen", "change_fen")
    assert {k: [v[f] for f in figures] for k, v in sheet.items()} == {k: [v[f] for f in figures] for k, v in slow.items()}
    # the rows counted: every row of the applicants it can move (0 where the audit, which narrows the
    # rules to the conditions the roster carries, finds that it moves no rule present)
    assert all(v["rows"] in (0, slow[k]["rows"]) and v["rows"] >= v["rows_changed"] for k, v in sheet.items())
    assert any(v["rows_changed"] for v in sheet.values()), "some reading changes some row, or the test proves little"


def test_a_reading_that_moves_one_rule_of_a_shared_limit_recomputes_the_other_rule_too():
    """Under “once per household, the higher paid”, raising the indoor-flush grant above the
    three-cell one pays a household's indoor toilet instead of its three-cell one: that row must be
    recomputed though its own rule did not change (``rules_moved`` takes in the rules sharing the
    limit)."""
    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.compute import compute_rows
    from xingxian_subsidy.audit.frame import base_frame
    from xingxian_subsidy.audit.simulate import reading_impacts, simulate
    from xingxian_subsidy.pack.overlay import SetParam

    flush, urn = "户厕改造补助（室内水冲式）", "户厕改造补助（三格式、双瓮式）"
    roster = roster_from_frame(pl.DataFrame({
        "乡镇": ["甲乡"] * 4, "村": ["一村"] * 4, "姓名": ["张三", "张三", "李四", "王五"], "主体类型": ["农户"] * 4,
        "农户类型": ["一般户"] * 4, "项目": [flush, urn, flush, urn], "申报金额": [None] * 4,
        "乡镇自验合格": ["是"] * 4, "被抽中复验": ["否"] * 4}))
    _, other = variant(PACK, sets=[SetParam(set="xzbf8.indoor_flush_rate", value=6000)])
    assert rules_moved(YR, other) == {"xzbf8.s5-4.indoor_flush", "xzbf8.s5-4.three_cell_or_double_urn"}
    cmap = map_columns(roster.frame.columns, YR, roster.source)
    fixed = base_frame(roster, cmap, YR)
    c = compute_rows(roster, cmap, YR, PACK, fixed, "vector", lambda *a: None)
    [row] = reading_impacts(roster, PACK, YR, fixed, c.status, c.fen, alternatives={("I-013", "B"): other}).to_dicts()
    changed = simulate(roster, PACK, YR, other, full=True).changed
    assert changed.get_column("name").to_list() == ["张三", "张三", "李四"], "张三 is paid the indoor toilet, not the three-cell one"
    assert changed.filter(pl.col("name") == "张三").get_column("change_fen").to_list() == [600000, -500000]
    assert [row["rows"], row["rows_changed"], row["change_fen"]] == [4, 3, int(changed.get_column("change_fen").sum())]


def test_a_reading_that_adds_a_rule_sharing_a_limit_counts_the_rows_that_name_it():
    """A reading may add a rule (or name one otherwise): the rows that name it — unknown under the
    rules in force — and the rows it shares a limit with are recomputed under it (found in review)."""
    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.compute import compute_rows
    from xingxian_subsidy.audit.frame import base_frame
    from xingxian_subsidy.audit.simulate import reading_impacts, simulate
    from xingxian_subsidy.pack.overlay import Overlay, OverlayFile

    urn = YR.rules["xzbf8.s5-4.three_cell_or_double_urn"]
    added = urn.model_dump(mode="json", exclude_defaults=True) | {"id": "xzbf8.s5-4.new_kind", "name": {"zh": "户厕改造补助（新式）", "en": "new kind"}}
    overlay = Overlay.model_validate({"overlay": {"id": "new-kind", "title": {"zh": "新式户厕", "en": "a new kind of toilet"}, "base_year": 2024},
                                      "changes": [{"add_rule": added, "document": "xzbf8"}]})
    _, other = variant(PACK, overlay=OverlayFile(overlay, None, {}))
    assert "xzbf8.s5-4.indoor_flush" in rules_moved(YR, other)
    flush, new = "户厕改造补助（室内水冲式）", "户厕改造补助（新式）"
    roster = roster_from_frame(pl.DataFrame({
        "乡镇": ["甲乡"] * 3, "村": ["一村"] * 3, "姓名": ["张三", "张三", "李四"], "主体类型": ["农户"] * 3,
        "农户类型": ["一般户"] * 3, "项目": [flush, new, new], "申报金额": [None] * 3, "乡镇自验合格": ["是"] * 3, "被抽中复验": ["否"] * 3}))
    cmap = map_columns(roster.frame.columns, YR, roster.source)
    fixed = base_frame(roster, cmap, YR)
    c = compute_rows(roster, cmap, YR, PACK, fixed, "vector", lambda *a: None)
    [row] = reading_impacts(roster, PACK, YR, fixed, c.status, c.fen, alternatives={("I-013", "B"): other}).to_dicts()
    changed = simulate(roster, PACK, YR, other, full=True).changed
    assert changed.get_column("change_fen").to_list() == [-200000, 500000, 500000], "张三 is paid the new kind instead; 李四 is paid it"
    assert [row["rows"], row["rows_changed"], row["change_fen"]] == [3, changed.height, int(changed.get_column("change_fen").sum())]


def test_the_sheet_holds_when_a_row_the_reading_does_not_move_sends_its_applicant_to_the_reference_engine():
    """An unmoved row the vector path cannot read (1,000) sends its whole applicant to the reference
    engine in the whole roster, not in the reading's rows: both paths agree row by row, a project
    labelled like the engine's own keys included (found in review)."""
    roster = roster_from_frame(pl.DataFrame({
        "乡镇": ["甲乡"] * 3, "村": ["一村"] * 3, "姓名": ["甲社"] * 3, "主体类型": ["合作社"] * 3,
        "项目": ["设施蔬菜项目建设补贴", "绿色蔬菜基地种苗补贴", "食用菌保险保费补贴"], "项目标签": ["#unlabelled", None, None],
        "申报金额": ["1", "1", "1,000"], "建设成本": ["3000000", None, None], "属于绿色蔬菜基地": [None, "是", None],
        "种苗株数": [None, "5000000", None], "食用菌保险保费": [None, None, "20000"]}))
    sheet = {(r["entry"], r["alternative"]): [r["rows_changed"], r["change_fen"]] for r in audit(roster, PACK, year=2024).readings.to_dicts()}
    slow = _sheet_the_slow_way(roster, YR)
    assert {k: v for k, v in sheet.items()} == {k: [slow[k]["rows_changed"], slow[k]["change_fen"]] for k in sheet}


# ------------------------------------------------------------------------------ rows parsed once for every reading

EXAMPLE = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"


def test_a_reading_said_to_read_rows_alike_parses_every_row_as_the_rules_in_force():
    """``ParseMemo`` hands a reading the rows parsed under the rules in force when
    ``reads_rows_alike`` holds: on the bundled example (rows of every kind, some unreadable), a fresh parse under
    each such reading is the same, row for row, field for field."""
    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.parse import parse_rows, reads_rows_alike
    from xingxian_subsidy.audit.read import read_roster

    roster = read_roster(EXAMPLE)
    cmap = map_columns(roster.frame.columns, YR, roster.source)
    ours = [vars(p) for p in parse_rows(roster, cmap, YR)]
    assert sum(1 for p in ours if p["problems"]) >= 3, "the example has rows the parser finds wrong"
    alike = 0
    for key, other in alternative_years(YR).items():
        if reads_rows_alike(YR, other) and map_columns(roster.frame.columns, other, roster.source) == cmap:
            alike += 1
            assert [vars(p) for p in parse_rows(roster, cmap, other)] == ours, key
    assert alike >= 5, "most readings change a rate or a formula, not a word"


def test_a_reading_that_reads_an_input_otherwise_parses_its_own_rows():
    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.parse import ParseMemo, reads_rows_alike

    rid = "xzbf8.s5-4.indoor_flush"
    rule = YR.rules[rid]
    spec = rule.inputs[0]
    relabelled = rule.model_copy(update={"inputs": [spec.model_copy(update={"label": spec.label.model_copy(update={"zh": "另一说法"})}),
                                                   *rule.inputs[1:]]})
    other = dataclasses.replace(YR, rules={**YR.rules, rid: relabelled})
    renamed = dataclasses.replace(YR, rules={**YR.rules, rid: rule.model_copy(update={"name": rule.name.model_copy(update={"zh": "新名"})})})
    [(_, rate_only)] = [(k, v) for k, v in alternative_years(YR).items() if k == ("I-013", "B")]
    cmap = map_columns(list(ROSTER.columns), YR, "r.csv")
    memo = ParseMemo(YR, cmap)
    assert not reads_rows_alike(YR, other) and memo.view(other, cmap) is None
    assert not reads_rows_alike(YR, renamed) and memo.view(renamed, cmap) is None
    assert reads_rows_alike(YR, rate_only) and memo.view(rate_only, cmap) is not None
    assert memo.view(YR, map_columns([*ROSTER.columns, "多余的列"], YR, "r.csv")) is None, "columns read otherwise"
    # the same rules in another order: a cell is the first rule whose words it matches (found in review)
    first, second, *rest = YR.rules
    reordered = dataclasses.replace(YR, rules={second: YR.rules[second], first: YR.rules[first], **{r: YR.rules[r] for r in rest}})
    assert not reads_rows_alike(YR, reordered) and memo.view(reordered, cmap) is None


def test_simulate_parses_the_rows_once_when_the_variant_reads_them_alike(monkeypatch):
    """The variant takes the rows parsed under the base (``ParseMemo``): the reference parser reads
    each unreadable row of the example once, not once per computation; the figures are those of a
    fresh parse."""
    import xingxian_subsidy.audit.parse as parse
    from xingxian_subsidy.audit.read import read_roster
    from xingxian_subsidy.audit.simulate import simulate

    roster = read_roster(EXAMPLE)
    other = alternative_years(YR)[("I-013", "B")]
    fresh = simulate(roster, PACK, YR, other, full=True)
    real, read = parse._parse_rows, []

    def counting(roster, cmap, yr, idx, every):
        read.append(len(idx))
        return real(roster, cmap, yr, idx, every)

    monkeypatch.setattr(parse, "_parse_rows", counting)
    shared = simulate(roster, PACK, YR, other, full=True)
    assert read[0] > 0 and sum(read[1:]) == 0, read
    assert shared.changed.equals(fresh.changed) and shared.rows.equals(fresh.rows)


def test_a_problem_one_computation_adds_to_a_shared_row_stays_its_own():
    """An award beyond what a report holds is that computation's input error: the row kept for the
    others (``ParseMemo``) does not carry it."""
    from xingxian_subsidy.audit.columns import map_columns
    from xingxian_subsidy.audit.compute import compute_rows
    from xingxian_subsidy.audit.frame import base_frame
    from xingxian_subsidy.audit.parse import ParseMemo
    from xingxian_subsidy.audit.read import read_roster

    cells = read_roster(EXAMPLE).frame.to_dict(as_series=False)
    k = cells["项目"].index("中药材种植补贴")
    cells["本片种植面积"][k] = "1000000000000000"  # 10^15 亩, the largest quantity a user may type
    roster = roster_from_frame(pl.DataFrame(cells, schema={c: pl.String for c in cells}), source="r.csv")
    cmap = map_columns(roster.frame.columns, YR, roster.source)
    memo = ParseMemo(YR, cmap)
    c = compute_rows(roster, cmap, YR, PACK, base_frame(roster, cmap, YR), "vector", lambda *a: None, memo)
    assert any("超出可处理的范围" in p.message["zh"] for p in c.problems[k])
    [kept] = memo.view(YR, cmap).known([k]).values()
    assert not any("超出可处理的范围" in p.message["zh"] for p in kept.problems)
