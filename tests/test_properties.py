"""Properties auditors rely on, checked on generated applicants (hypothesis).

Quantities are generated as Decimals with two places (never floats). The policy figures written here
(tiers, 700, 200万, 1.25) are taken from the published text, independently of the rule files.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xingxian_subsidy.engine.applicant import parse_applicant
from xingxian_subsidy.engine.compute import compute
from xingxian_subsidy.pack.formulas import TierTable
from xingxian_subsidy.pack.loader import load_rules, variant
from xingxian_subsidy.pack.overlay import parse_reading
from xingxian_subsidy.render.award import to_json

PACK = load_rules()
YR = PACK.for_year(2024)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CAP_200W = Decimal("2000000")
COURTYARD_CAP = Decimal("700")
ONE_FEN = Decimal("0.01")

SUBJECTS = {
    "一般户": {"name": "张二虎", "subject": "农户", "category": "一般户", "township": "康宁镇", "village": "新庄"},
    "脱贫户": {"name": "白桂兰", "subject": "农户", "category": "脱贫户", "township": "赵家坪乡", "village": "吴儿申"},
    "三类户": {"name": "高拴柱", "subject": "农户", "category": "边缘易致贫户", "township": "蔡家崖乡", "village": "南沟"},
    "家庭农场": {"name": "碧村刘氏家庭农场", "subject": "家庭农场"},
    "合作社": {"name": "固贤村食用菌专业合作社", "subject": "合作社"},
    "村集体": {"name": "南沟村股份经济联合社", "subject": "村集体"},
    "企业": {"name": "兴县清泉醋业有限公司", "subject": "企业"},
    "龙头企业": {"name": "山西山花烂漫食品有限公司", "subject": "龙头企业"},
}


def award(who: str | dict, claims: list[dict[str, Any]], reading: str | None = None):
    """The award, under the register's readings or under one alternative (``I-040=B``)."""
    applicant = SUBJECTS[who] if isinstance(who, str) else who
    parsed, yr = parse_applicant({"year": 2024, "applicant": applicant, "claims": claims}, PACK)
    if reading is not None:
        yr = variant(PACK, readings=[parse_reading(reading)])[1]
    return compute(parsed, yr, PACK)


def money(max_value: str = "100000000", min_value: str = "0") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(min_value), max_value=Decimal(max_value), places=2,
                       allow_nan=False, allow_infinity=False)


def places(d: Decimal) -> int:
    return max(0, -d.as_tuple().exponent)


YES = "是"
COURTYARD_OK = {"project_kind": "特色种植", "passed_acceptance": YES, "land_use_compliant": YES, "survival_rate": "90",
                "within_courtyard": YES, "new_this_year": YES, "disorderly_or_polluting": "否", "raises_income": YES}


def courtyard_tier(gain: Decimal) -> Decimal:
    """附件3, by hand: 1000-1500 → 300 (incl. 1500), … 2500-3000 → 600 (incl. 3000), above 3000 → 700."""
    for upper, amount in (("1500", 300), ("2000", 400), ("2500", 500), ("3000", 600)):
        if gain < Decimal("1000"):
            return Decimal(0)
        if gain <= Decimal(upper):
            return Decimal(amount)
    return Decimal(700)


# ---------------------------------------------------------------- one quantity varies: (who, rule, fixed inputs, varied input, strategy)

MONOTONE = [
    ("家庭农场", "xzf5.s3-1.soybean", {}, "area_mu", money("100000")),
    ("合作社", "xzf5.s3-1.soy_corn_strip", {}, "area_mu", money("100000")),
    ("合作社", "xzf5.s3-2.seedlings", {"green_base": YES}, "seedlings", st.integers(0, 10_000_000)),
    ("一般户", "xzf5.s3-2.vegetable_facility", {}, "construction_cost", money()),
    ("三类户", "xzf5.s3-2.vegetable_facility", {}, "construction_cost", money()),
    ("企业", "xzf5.s3-2.vegetable_facility", {}, "construction_cost", money()),
    ("家庭农场", "xzf5.s3-3.pig_fattening_shed", {"farm_compliant": YES, "pigs_on_hand": 2500}, "new_shed_area_m2", money("100000")),
    ("三类户", "xzf5.s3-3.sheep_shed", {"farm_compliant": YES, "ewes_on_hand": 150}, "new_shed_area_m2", money("100000")),
    ("企业", "xzf5.s3-3.pig_breeding_shed", {"farm_compliant": YES, "new_shed_area_m2": "2000"}, "sows_on_hand", st.integers(0, 5000)),
    ("三类户", "xzf5.s3-3.musk_deer_shed", {"farm_compliant": YES}, "new_shed_area_m2", money("100000")),
    ("一般户", "xzf5.s3-3.cattle_shed", {"farm_compliant": YES, "new_shed_area_m2": "800"}, "cattle_on_hand", st.integers(0, 5000)),
    ("企业", "xzf5.s3-3.enterprise_livestock_investment", {}, "total_investment", money()),
    ("合作社", "xzf5.s3-4.land_transfer", {}, "transferred_area_mu", money("100000")),
    ("三类户", "xzf5.s3-5.shiitake", {"contiguous_base_mu": "12"}, "logs", st.integers(0, 10_000_000)),
    ("合作社", "xzf5.s3-5.morel", {"area_mu": "3"}, "contiguous_base_mu", money("1000")),
    ("三类户", "xzf5.s3-5.fungi_facility", {}, "construction_cost", money()),
    ("企业", "xzf5.s3-5.fungi_facility", {}, "construction_cost", money()),
    ("一般户", "xzf5.s3-5.fungi_insurance", {}, "premium", money("1000000")),
    ("合作社", "xzf5.s3-6.herb_planting", {"land_type": "林地套种", "lifecycle": "多年生", "basic_farmland": "否", "land_use_compliant": YES}, "plot_area_mu", money("100000")),
    ("企业", "xzf5.s3-6.herb_processing", {}, "new_fixed_investment", money()),
    ("企业", "xzf5.s3-8.processing_investment", {}, "new_fixed_assets", money()),
    ("企业", "xzf5.s3-9.waste_recycling", {"process_compliant": YES}, "fixed_assets", money()),
    ("合作社", "xzf5.s3-10.expo_booth", {}, "booth_cost", money("10000000")),
    ("龙头企业", "xzf5.s3-10.direct_store", {"city_tier": "一线城市"}, "stores", st.integers(0, 1000)),
    ("一般户", "xzbf12.s5.courtyard_tiered", COURTYARD_OK, "income_gain", money("100000")),
    ("龙头企业", "xzf5.s3-8.loan_interest", {"provincial_leading": YES, "benefit_linkage": YES, "benchmark_rate_percent": "3.45",
                                             "loan_days": 365, "interest_paid": "1000000"}, "loan_principal", money("100000000")),
]


def test_monotone_table_covers_every_per_unit_and_share_rule():
    kinds = {rid for rid, r in YR.rules.items() if r.formula.kind in ("per_unit", "share_of_cost")}
    covered = {rule for _, rule, *_ in MONOTONE}
    # the collective full-subsidy rules are identities (share 1): checked in test_collective_full_subsidy_is_the_cost
    missing = kinds - covered - {"xzf5.s3-3.collective_livestock", "xzf5.s3-4.collective_orchard",
                                 "xzf5.s3-1.oilseed", "xzf5.s3-6.geographical_indication", "xzf5.s3-8.shenpin",
                                 "xzf5.s3-8.gongshen_base", "xzbf5.s5-6.service_point", "xzf5.s3-5.stropharia"}
    assert missing == set()


@pytest.mark.parametrize("who,rule,fixed,name,strategy", MONOTONE, ids=[f"{r.split('.')[-1]}-{w}" for w, r, *_ in MONOTONE])
def test_award_is_non_decreasing_in_quantity(who, rule, fixed, name, strategy):
    @SETTINGS
    @given(a=strategy, b=strategy)
    def check(a, b):
        lo, hi = sorted((a, b))
        got_lo = award(who, [{"rule": rule, "inputs": {**fixed, name: str(lo)}}]).total
        got_hi = award(who, [{"rule": rule, "inputs": {**fixed, name: str(hi)}}]).total
        assert got_lo <= got_hi, (lo, got_lo, hi, got_hi)

    check()


@SETTINGS
@given(cost=money())
def test_collective_full_subsidy_is_the_cost(cost):
    assert award("村集体", [{"rule": "xzf5.s3-3.collective_livestock", "inputs": {"investment": str(cost)}}]).total == cost
    assert award("村集体", [{"rule": "xzf5.s3-4.collective_orchard", "inputs": {"project_cost": str(cost)}}]).total == cost
    assert award("村集体", [{"rule": "xzf5.s3-2.vegetable_facility", "inputs": {"construction_cost": str(cost)}}]).total == cost


# ---------------------------------------------------------------- caps

CAPPED_200W = [
    ("企业", "xzf5.s3-2.vegetable_facility", {}, "construction_cost"),
    ("一般户", "xzf5.s3-2.vegetable_facility", {}, "construction_cost"),
    ("合作社", "xzf5.s3-5.fungi_facility", {}, "construction_cost"),
    ("企业", "xzf5.s3-3.enterprise_livestock_investment", {}, "total_investment"),
    ("龙头企业", "xzf5.s3-6.herb_processing", {}, "new_fixed_investment"),
    ("企业", "xzf5.s3-8.processing_investment", {}, "new_fixed_assets"),
    ("企业", "xzf5.s3-9.waste_recycling", {"process_compliant": YES}, "fixed_assets"),
]


@pytest.mark.parametrize("who,rule,fixed,name", CAPPED_200W, ids=[f"{r.split('.')[-1]}-{w}" for w, r, *_ in CAPPED_200W])
def test_200w_rules_never_exceed_the_cap_and_reach_it(who, rule, fixed, name):
    share = Decimal("0.20") if "investment" in name or "assets" in name else Decimal("0.40")

    @SETTINGS
    @given(cost=money("1000000000"))
    def check(cost):
        got = award(who, [{"rule": rule, "inputs": {**fixed, name: str(cost)}}]).total
        assert Decimal(0) <= got <= CAP_200W
        if cost * share >= CAP_200W:  # above the cap the award is exactly the cap
            assert got == CAP_200W

    check()


@SETTINGS
@given(costs=st.lists(money("3000000"), min_size=1, max_size=5), seedlings=st.integers(0, 2_000_000))
def test_one_vegetable_project_of_a_social_subject_never_exceeds_200w(costs, seedlings):
    claims = [{"rule": "xzf5.s3-2.vegetable_facility", "project": "魏家滩蔬菜园", "inputs": {"construction_cost": str(c)}} for c in costs]
    claims.append({"rule": "xzf5.s3-2.seedlings", "project": "魏家滩蔬菜园", "inputs": {"green_base": YES, "seedlings": seedlings}})
    got = award("企业", claims)
    uncapped = sum((c * Decimal("0.4") for c in costs), Decimal(0)) + seedlings * Decimal("0.6")
    assert got.total <= CAP_200W
    assert abs(got.total - min(uncapped, CAP_200W)) <= ONE_FEN * len(claims)  # each line rounded once to the fen


@SETTINGS
@given(gains=st.lists(money("10000"), min_size=1, max_size=6), excluded=st.lists(st.booleans(), min_size=6, max_size=6))
def test_a_courtyard_household_is_tiered_once_on_its_total(gains, excluded):
    """I-040: the gains of the projects that pass their conditions add up to one tier, paid on the
    first such line; every other line is 0; an excluded project adds nothing; never above 700."""
    claims = [{"rule": "xzbf12.s5.courtyard_tiered", "project": f"庭院项目{i}",
               "inputs": {**COURTYARD_OK, "income_gain": str(g), "new_this_year": "否" if out else YES}}
              for i, (g, out) in enumerate(zip(gains, excluded))]
    got = award("三类户", claims)
    counted = [i for i, out in enumerate(excluded[:len(gains)]) if not out]
    total = sum((gains[i] for i in counted), Decimal(0))
    assert got.total == courtyard_tier(total) <= COURTYARD_CAP
    for i, line in enumerate(got.lines):
        if i not in counted:
            assert (line.status, line.amount) == ("excluded", 0)
        elif i == counted[0]:
            assert line.amount == courtyard_tier(total) and line.status == ("awarded" if total >= 1000 else "ineligible")
        else:
            assert line.amount == 0 and line.status == ("limited" if total >= 1000 else "ineligible")
    # the household reading never pays less than the largest project's own tier (adding gains only climbs the table)
    assert got.total >= max((courtyard_tier(gains[i]) for i in counted), default=Decimal(0))


@SETTINGS
@given(data=st.data())
def test_the_order_of_a_households_courtyard_lines_moves_only_where_the_award_is(data):
    """I-040: shuffled, the household gets the same award, on its first line that passes."""
    gains = data.draw(st.lists(money("3000"), min_size=2, max_size=5))
    claims = [{"rule": "xzbf12.s5.courtyard_tiered", "inputs": {**COURTYARD_OK, "income_gain": str(g)}} for g in gains]
    order = data.draw(st.permutations(range(len(claims))))
    straight, shuffled = award("一般户", claims), award("一般户", [claims[i] for i in order])
    assert shuffled.total == straight.total == courtyard_tier(sum(gains, Decimal(0)))
    assert shuffled.lines[0].amount == straight.lines[0].amount == straight.total


@SETTINGS
@given(gains=st.lists(money("10000"), min_size=1, max_size=6))
def test_courtyard_household_never_gets_more_than_700_per_project(gains):
    """I-040 B: each project tiered on its own gain, the household's lines in file order under the 700 cap (I-012)."""
    claims = [{"rule": "xzbf12.s5.courtyard_tiered", "project": f"庭院项目{i}", "inputs": {**COURTYARD_OK, "income_gain": str(g)}}
              for i, g in enumerate(gains)]
    got = award("三类户", claims, reading="I-040=B")
    assert got.total <= COURTYARD_CAP
    assert all(Decimal(0) <= line.amount <= COURTYARD_CAP for line in got.lines)
    assert got.total == min(COURTYARD_CAP, sum((courtyard_tier(g) for g in gains), Decimal(0)))
    # in file order: each line is its tier, reduced only by what earlier lines already took
    taken = Decimal(0)
    for g, line in zip(gains, got.lines):
        assert line.amount == min(courtyard_tier(g), COURTYARD_CAP - taken)
        taken += line.amount


# ---------------------------------------------------------------- 三类户 ≥ 一般户 for the same project

SAME_PROJECT = [
    ("xzf5.s3-3.pig_fattening_shed", {"farm_compliant": YES, "pigs_on_hand": 2000}, "new_shed_area_m2", Decimal("1.25")),
    ("xzf5.s3-3.pig_breeding_shed", {"farm_compliant": YES, "sows_on_hand": 500}, "new_shed_area_m2", Decimal("1.25")),
    ("xzf5.s3-3.sheep_shed", {"farm_compliant": YES, "ewes_on_hand": 100}, "new_shed_area_m2", Decimal("1.25")),
    ("xzf5.s3-3.cattle_shed", {"farm_compliant": YES, "cattle_on_hand": 100}, "new_shed_area_m2", Decimal("1.25")),
    ("xzf5.s3-3.musk_deer_shed", {"farm_compliant": YES}, "new_shed_area_m2", Decimal("1.25")),
    ("xzf5.s3-2.vegetable_facility", {}, "construction_cost", Decimal("0.65") / Decimal("0.40")),
    ("xzf5.s3-5.fungi_facility", {}, "construction_cost", Decimal("0.65") / Decimal("0.40")),
]


@pytest.mark.parametrize("rule,fixed,name,ratio", SAME_PROJECT, ids=[r.split(".")[-1] for r, *_ in SAME_PROJECT])
def test_sanlei_household_gets_at_least_an_ordinary_household(rule, fixed, name, ratio):
    @SETTINGS
    @given(q=money("20000000"))
    def check(q):
        claim = [{"rule": rule, "inputs": {**fixed, name: str(q)}}]
        sanlei, ordinary, tuopin = (award(w, claim).total for w in ("三类户", "一般户", "脱贫户"))
        assert sanlei >= ordinary
        assert tuopin == ordinary  # 稳定脱贫户 is not a 三类户 (I-001)
        if ordinary > 0 and ordinary < CAP_200W:  # uncapped: the 三类户 line is the ordinary line × the ratio, to the fen
            assert abs(sanlei - ordinary * ratio) <= ONE_FEN * 2

    check()


# ---------------------------------------------------------------- any applicant: sum, places, JSON, rerun

project = st.sampled_from([None, "甲项目", "乙项目"])
CLAIM_MAKERS = {
    "一般户": [
        lambda: st.builds(lambda g, p: {"rule": "xzbf12.s5.courtyard_tiered", "project": p, "inputs": {**COURTYARD_OK, "income_gain": str(g)}}, money("5000"), project),
        lambda: st.builds(lambda c, p: {"rule": "xzf5.s3-2.vegetable_facility", "project": p, "inputs": {"construction_cost": str(c)}}, money("9000000"), project),
        lambda: st.builds(lambda a, p: {"rule": "xzf5.s3-3.cattle_shed", "project": p, "inputs": {"farm_compliant": YES, "cattle_on_hand": 120, "new_shed_area_m2": str(a)}}, money("20000"), project),
        lambda: st.builds(lambda a, p: {"rule": "xzf5.s3-3.sheep_shed", "project": p, "inputs": {"farm_compliant": YES, "ewes_on_hand": 120, "new_shed_area_m2": str(a)}}, money("20000"), project),
        lambda: st.builds(lambda c: {"rule": "xzf5.s3-5.fungi_insurance", "inputs": {"premium": str(c)}}, money("100000")),
        lambda: st.builds(lambda n, p: {"rule": "xzf5.s3-5.shiitake", "project": p, "inputs": {"logs": n, "contiguous_base_mu": "10"}}, st.integers(0, 2_000_000), project),
        lambda: st.just({"rule": "xzbf8.s5-4.indoor_flush", "inputs": {"township_self_inspection_passed": YES, "county_reinspection_passed": YES}}),
        lambda: st.just({"rule": "xzbf8.s5-4.three_cell_or_double_urn", "inputs": {"township_self_inspection_passed": YES, "county_reinspection_passed": YES}}),
        lambda: st.just({"rule": "xzf5.s3-4.orchard_upgrading"}),
        lambda: st.builds(lambda c: {"rule": "xzf5.s3-5.fungi_facility", "inputs": {"construction_cost": str(c)}}, money("9000000")),
    ],
    "合作社": [
        lambda: st.builds(lambda a: {"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": str(a)}}, money("10000")),
        lambda: st.builds(lambda a: {"rule": "xzf5.s3-1.oilseed", "inputs": {"area_mu": str(a)}}, money("10000")),
        lambda: st.builds(lambda a: {"rule": "xzf5.s3-1.soy_corn_strip", "inputs": {"area_mu": str(a)}}, money("10000")),
        lambda: st.builds(lambda n: {"rule": "xzf5.s3-1.sanpin_yibiao", "inputs": {"products_certified": n}}, st.integers(0, 20)),
        lambda: st.builds(lambda n: {"rule": "xzf5.s3-6.geographical_indication", "inputs": {"products": n}}, st.integers(0, 20)),
        lambda: st.builds(lambda a: {"rule": "xzf5.s3-4.land_transfer", "inputs": {"transferred_area_mu": str(a)}}, money("5000")),
        lambda: st.builds(lambda c: {"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": str(c)}}, money("1000000")),
        lambda: st.builds(lambda c: {"rule": "xzf5.s3-8.processing_investment", "inputs": {"new_fixed_assets": str(c)}}, money("30000000")),
        lambda: st.builds(lambda c: {"rule": "xzf5.s3-6.herb_processing", "inputs": {"new_fixed_investment": str(c)}}, money("30000000")),
        lambda: st.builds(lambda t, n: {"rule": "xzf5.s3-10.direct_store", "inputs": {"city_tier": t, "stores": n}},
                          st.sampled_from(["县级城市", "市级城市", "省会城市", "一线城市"]), st.integers(0, 10)),
        lambda: st.builds(lambda c: {"rule": "xzf5.s3-5.fungi_insurance", "inputs": {"premium": str(c)}}, money("100000")),
        lambda: st.builds(lambda a, life: {"rule": "xzf5.s3-6.herb_planting", "inputs": {"land_type": "一般耕地", "lifecycle": life, "plot_area_mu": str(a),
                                                                                       "basic_farmland": "否", "land_use_compliant": YES}},
                          money("500"), st.sampled_from(["一年生", "多年生"])),
        lambda: st.just({"rule": "xzf5.s3-7.performance_commendation"}),
    ],
}


@st.composite
def applicant_claims(draw, who: str | None = None):
    who = who or draw(st.sampled_from(sorted(CLAIM_MAKERS)))
    makers = CLAIM_MAKERS[who]
    claims = draw(st.lists(st.sampled_from(range(len(makers))).flatmap(lambda i: makers[i]()), min_size=1, max_size=7))
    return who, [{k: v for k, v in c.items() if v is not None} for c in claims]


@SETTINGS
@given(applicant_claims())
def test_total_is_the_sum_of_lines_and_amounts_are_fen(case):
    who, claims = case
    got = award(who, claims)
    assert len(got.lines) == len(claims)
    assert got.total == sum((line.amount for line in got.lines), Decimal(0))
    for line in [*got.lines]:
        assert places(line.amount) <= 2, line.amount
        assert line.amount >= 0
        if line.status in ("ineligible", "excluded", "undecided", "not_quantified", "limited"):
            assert line.amount == 0, (line.rule_id, line.status, line.amount)
    assert places(got.total) <= 2


@SETTINGS
@given(applicant_claims())
def test_json_round_trips_every_decimal(case):
    who, claims = case
    got = award(who, claims)
    data = json.loads(to_json(got))
    assert Decimal(data["total"]) == got.total and data["total"] == str(got.total)
    for jline, line in zip(data["lines"], got.lines, strict=True):
        assert jline["amount"] == str(line.amount) and Decimal(jline["amount"]) == line.amount
        assert jline["rule_id"] == line.rule_id and jline["status"] == line.status
        for jstep, step in zip(jline["steps"], line.steps, strict=True):
            assert (jstep["amount"] is None) == (step.amount is None)
            if step.amount is not None:
                assert isinstance(jstep["amount"], str) and Decimal(jstep["amount"]) == step.amount


@SETTINGS
@given(applicant_claims())
def test_result_is_identical_on_rerun(case):
    who, claims = case
    first, second = award(who, claims), award(who, claims)
    assert to_json(first) == to_json(second)


def _has_cross_claim_effect(rule_id: str) -> bool:
    rule = YR.rules[rule_id]
    on_total = isinstance(rule.formula, TierTable) and rule.formula.per_applicant
    return bool(on_total or rule.exclusive_group or rule.once_per_applicant or any(c.scope != "claim" for c in rule.caps))


def test_cross_claim_detection():
    assert _has_cross_claim_effect("xzbf12.s5.courtyard_tiered")  # tiered on the household's total; applicant-wide 700 cap
    assert _has_cross_claim_effect("xzf5.s3-3.cattle_shed")  # 择高 group
    assert _has_cross_claim_effect("xzbf8.s5-4.indoor_flush")  # once per household
    assert not _has_cross_claim_effect("xzf5.s3-8.processing_investment")  # its cap is per claim


@SETTINGS
@given(data=st.data())
def test_claim_order_does_not_matter_without_cross_claim_effects(data):
    who, claims = data.draw(applicant_claims("合作社"))
    assert not any(_has_cross_claim_effect(c["rule"]) for c in claims)
    order = data.draw(st.permutations(range(len(claims))))
    straight = award(who, claims)
    shuffled = award(who, [claims[i] for i in order])
    assert shuffled.total == straight.total
    for pos, i in enumerate(order):
        assert shuffled.lines[pos].amount == straight.lines[i].amount
        assert shuffled.lines[pos].status == straight.lines[i].status


@SETTINGS
@given(principal=money("100000000"), rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("10"), places=2),
       days=st.integers(0, 366), paid=money("10000000"))
def test_loan_interest_is_the_360_day_interest_bounded_by_interest_paid(principal, rate, days, paid):
    got = award("龙头企业", [{"rule": "xzf5.s3-8.loan_interest", "inputs": {
        "provincial_leading": YES, "benefit_linkage": YES, "loan_principal": str(principal),
        "benchmark_rate_percent": str(rate), "loan_days": days, "interest_paid": str(paid)}}]).total
    interest = principal * rate / 100 * days / 360  # I-010: annual rate ÷ 360 per day
    assert got <= paid
    assert abs(got - min(interest, paid)) <= Decimal("0.005")
