"""Hints: next tier, gap to a failed threshold (with what the line would then pay), related rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xingxian_subsidy.engine.applicant import parse_applicant
from xingxian_subsidy.engine.compute import compute
from xingxian_subsidy.selfservice.hints import compute_hints, hint_data

COURTYARD = "xzbf12.s5.courtyard_tiered"
OK = {"project_kind": "特色种植", "passed_acceptance": "是", "land_use_compliant": "是", "survival_rate": "86",
      "within_courtyard": "是", "new_this_year": "是", "disorderly_or_polluting": "否", "raises_income": "是"}


def _hints(pack, claims, subject="household", category="一般户"):
    applicant = {"name": "测试", "subject": subject}
    if category:
        applicant["category"] = category
    parsed, yr = parse_applicant({"year": 2024, "applicant": applicant, "claims": claims}, pack)
    award = compute(parsed, yr)
    return award, compute_hints(parsed, yr, award)


def _param(yr, rule, name) -> Decimal:
    return yr.param(yr.rules[rule], name).value


@pytest.mark.parametrize("gain, tier_param, award_param, inclusive", [
    ("1300", "tier1_upper", "tier2_award", False),   # 一档 → 二档 starts above 1500
    ("1500", "tier1_upper", "tier2_award", False),   # exactly on the bound: any increase
    ("900", "tier1_lower", "tier1_award", True),     # below 一档: reach its lower bound (included)
    ("2999", "tier4_upper", "tier5_award", False),
])
def test_next_tier(pack, yr, gain, tier_param, award_param, inclusive):
    _, hints = _hints(pack, [{"rule": COURTYARD, "inputs": {**OK, "income_gain": gain}}])
    tier = [h for h in hints if h.kind == "next_tier"]
    assert len(tier) == 1
    bound = _param(yr, COURTYARD, tier_param)
    assert tier[0].gap == bound - Decimal(gain)
    assert tier[0].target == (bound if inclusive else bound + Decimal("0.01"))
    assert tier[0].amount_then == _param(yr, COURTYARD, award_param)
    assert "可达" in tier[0].text.zh and "reaches" in tier[0].text.en


def test_no_next_tier_at_the_top(pack):
    _, hints = _hints(pack, [{"rule": COURTYARD, "inputs": {**OK, "income_gain": "5000"}}])
    assert not [h for h in hints if h.kind == "next_tier"]


def test_the_next_tier_of_a_household_is_about_its_total(pack, yr):
    """I-040: 600 + 300 元 is the household's 900 元; 100 more (on the first line, which carries the
    award) reaches 一档. An excluded project adds nothing; an undecided one leaves no tier hint."""
    claims = [{"rule": COURTYARD, "inputs": {**OK, "income_gain": g}} for g in ("600", "300")]
    claims.append({"rule": COURTYARD, "inputs": {**OK, "income_gain": "5000", "new_this_year": "否"}})
    _, hints = _hints(pack, claims)
    (h,) = [h for h in hints if h.kind == "next_tier"]
    assert (h.claim, h.gap, h.target, h.amount_then) == (0, Decimal(100), Decimal(700), _param(yr, COURTYARD, "tier1_award"))
    assert h.text.zh.startswith("庭院经济阶梯式奖补：本户通过发展庭院经济当年户增收（2 项合计 900 元）再增加 100 元（达到 1000 元）可达一档")
    waiting = [{"rule": COURTYARD, "inputs": {**OK, "income_gain": "600"}}, {"rule": COURTYARD, "inputs": OK}]
    assert not [h for h in _hints(pack, waiting)[1] if h.kind == "next_tier"]


def test_cap_binding_gives_no_tier_hint(pack):
    """Two courtyard projects at the top (3500 + 1200 元: 五档 700, the household's most): a higher tier brings nothing."""
    claims = [{"rule": COURTYARD, "project": "a", "inputs": {**OK, "income_gain": "3500"}},
              {"rule": COURTYARD, "project": "b", "inputs": {**OK, "income_gain": "1200"}}]
    award, hints = _hints(pack, claims)
    assert award.total == Decimal("700.00")
    assert not [h for h in hints if h.kind == "next_tier"]


def test_livestock_head_count_gap(pack, yr):
    """存栏 90 头 against 100 头: 再增加 10 头, and then the shed award (三类户 +25%)."""
    rule = "xzf5.s3-3.cattle_shed"
    claims = [{"rule": rule, "inputs": {"cattle_on_hand": 90, "new_shed_area_m2": "650", "farm_compliant": "是"}}]
    award, hints = _hints(pack, claims, category="边缘易致贫户")
    assert award.lines[0].status == "ineligible"
    (h,) = [h for h in hints if h.kind == "threshold"]
    minimum = _param(yr, rule, "cattle_min")
    assert h.gap == minimum - 90 and h.target == minimum
    rate = _param(yr, rule, "cattle_shed_rate")
    uplift = _param(yr, rule, "livestock_sanlei_uplift")
    assert h.amount_then == (Decimal("650") * rate * (1 + uplift)).quantize(Decimal("0.01"))
    assert f"再增加 {minimum - 90} 头" in h.text.zh and f"{minimum} 头" in h.text.zh


def test_contiguous_area_gap(pack, yr):
    """连片面积还差 5 亩 (fungi base 5 亩 against 10 亩)."""
    rule = "xzf5.s3-5.morel"
    spec_names = [s.name for s in yr.rules[rule].inputs]
    inputs = {"contiguous_base_mu": "5"}
    area = next(n for n in spec_names if n != "contiguous_base_mu")
    inputs[area] = "3"
    _, hints = _hints(pack, [{"rule": rule, "inputs": inputs}])
    (h,) = [h for h in hints if h.kind == "threshold"]
    minimum = _param(yr, rule, "fungi_contiguous_min")
    assert h.gap == minimum - 5
    assert h.amount_then == Decimal("3") * _param(yr, rule, "morel_rate")


def test_threshold_met_but_other_conditions_fail(pack):
    rule = "xzf5.s3-3.cattle_shed"
    claims = [{"rule": rule, "inputs": {"cattle_on_hand": 90, "new_shed_area_m2": "100", "farm_compliant": "是"}}]
    _, hints = _hints(pack, claims)
    texts = [h.text.zh for h in hints if h.kind == "threshold"]
    assert len(texts) == 2  # head count and shed area
    assert all("仍有条件未满足" in t for t in texts)


def test_survival_rate_exclusion_gap(pack, yr):
    _, hints = _hints(pack, [{"rule": COURTYARD, "inputs": {**OK, "income_gain": "1800", "survival_rate": "76"}}])
    (h,) = [h for h in hints if h.kind == "threshold"]
    assert h.gap == _param(yr, COURTYARD, "min_planting_survival") - 76
    assert h.amount_then == _param(yr, COURTYARD, "tier2_award")


def test_related_rules_for_the_subject(pack, yr):
    _, hints = _hints(pack, [{"rule": "xzbf8.s5-4.indoor_flush", "inputs": {"township_self_inspection_passed": "是", "county_reinspection_passed": "是"}}])
    related = [h for h in hints if h.kind == "related"]
    ids = {h.rule_id for h in related}
    assert "xzbf8.s5-4.three_cell_or_double_urn" not in ids  # one toilet per household
    assert ids == {rid for rid, r in yr.rules.items() if "household" in r.subjects} - {"xzbf8.s5-4.indoor_flush", "xzbf8.s5-4.three_cell_or_double_urn"}
    nq = [h for h in related if h.not_quantified]
    assert nq and all(yr.rules[h.rule_id].formula.kind == "not_quantified" for h in nq)
    assert all("文件未量化" in h.text.zh for h in nq)


def test_hint_data_has_no_floats(pack):
    _, hints = _hints(pack, [{"rule": COURTYARD, "inputs": {**OK, "income_gain": "1300"}}])
    for h in hints:
        for v in hint_data(h).values():
            assert not isinstance(v, float)
