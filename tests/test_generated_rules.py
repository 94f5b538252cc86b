"""The vectorised path equals the reference engine on generated rules, not only on the shipped pack.

Hypothesis builds a whole year of rules — every formula kind (tier tables on each claim's value or
on the applicant's total), with or without cases by group and
by input, conditions (simple, ``when``, ``any_of``, ratios, exclusions), uplifts, caps per claim,
per project and per applicant (shared by several rules, sometimes with different limits),
exclusive groups and once-per-applicant limits — and a roster over them, and compares the two
paths row by row (status and 分), then the whole audit. Constructs the vectorised path does not
compile fall back to the reference engine; ``test_fallback_path_is_driven_and_agrees`` makes sure
that path runs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xingxian_subsidy.audit.columns import map_columns
from xingxian_subsidy.audit.parse import parse_rows
from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import roster_from_frame
from xingxian_subsidy.audit.reference import reference_results
from xingxian_subsidy.audit.vector import compute_vector
from xingxian_subsidy.pack.loader import RulePack, YearRules
from xingxian_subsidy.pack.models import Document, Parameter, Vocabulary
from xingxian_subsidy.pack.rule import Rule

DOC = Document(id="gen", number="测试〔2024〕1号", title="生成的规则", issuer="测试", date=dt.date(2024, 1, 1), gazette="测试公报",
               gazette_page=1, source_file="gen.txt", effective={"start": dt.date(2024, 1, 1), "end": dt.date(2025, 1, 1)})
VOCAB = Vocabulary.model_validate({
    "subjects": [{"id": "household", "label": {"zh": "农户", "en": "household"}},
                 {"id": "coop", "label": {"zh": "合作社", "en": "cooperative"}}],
    "categories": [{"id": "a", "label": {"zh": "甲类", "en": "A"}}, {"id": "b", "label": {"zh": "乙类", "en": "B"}},
                   {"id": "c", "label": {"zh": "丙类", "en": "C"}}],
    "groups": {"G": ["b", "c"]},
    "group_labels": {"G": {"zh": "G组", "en": "group G"}},
    "household_subjects": ["household"],
})
INPUTS = {
    "q": {"name": "q", "label": {"zh": "面积", "en": "area"}, "type": "decimal", "unit": "亩"},
    "n": {"name": "n", "label": {"zh": "个数", "en": "count"}, "type": "integer", "unit": "个"},
    "m": {"name": "m", "label": {"zh": "金额", "en": "amount"}, "type": "money", "unit": "元"},
    "r": {"name": "r", "label": {"zh": "利率", "en": "rate"}, "type": "decimal", "unit": "%"},
    "d": {"name": "d", "label": {"zh": "天数", "en": "days"}, "type": "integer", "unit": "天"},
    "flag": {"name": "flag", "label": {"zh": "合格", "en": "passed"}, "type": "boolean"},
    "kind": {"name": "kind", "label": {"zh": "类型", "en": "kind"}, "type": "choice",
             "choices": [{"value": "X", "label": {"zh": "X", "en": "X"}}, {"value": "Y", "label": {"zh": "Y", "en": "Y"}}]},
}
WORD = {"ge": "以上", "le": "以下", "gt": "超过", "lt": "低于", "is_true": "是", "is_false": "否", "in": "属于"}
amounts = st.integers(0, 200_000).map(lambda c: Decimal(c) / 100)


class Builder:
    """One generated year: parameters (each used) and rules, built in the rule data's own models."""

    def __init__(self, draw, basis: str | None = None):
        self.draw = draw
        self.basis = basis  # the basis of every tier table (None: drawn for each)
        self.params: dict[str, Parameter] = {}

    def param(self, value: Decimal, unit: str = "元") -> str:
        name = f"p{len(self.params)}"
        self.params[name] = Parameter(value=value, unit=unit, label={"zh": f"参数{name}", "en": f"parameter {name}"},
                                      section="一", quote=f"参数 {name} 的原文")
        return name

    def value(self, make) -> str | list:
        """A parameter, or cases by group or by input (the first that holds gives the value)."""
        choice = self.draw(st.integers(0, 3))
        if choice == 0:
            return [{"when": {"group": ["G"]}, "param": self.param(make())}, {"param": self.param(make())}]
        if choice == 1:
            return [{"when": {"inputs": {"kind": ["X"]}}, "param": self.param(make())},
                    {"when": {"subject": ["coop"]}, "param": self.param(make())}]
        return self.param(make())

    def formula(self, kind: str) -> tuple[dict, list[str]]:
        d = self.draw
        money = lambda: d(amounts)
        if kind == "per_unit":
            return {"kind": kind, "rate": self.value(money), "quantity": "q"}, ["q"]
        if kind == "fixed":
            return {"kind": kind, "amount": self.value(money)}, []
        if kind == "share_of_cost":
            return {"kind": kind, "share": self.value(lambda: Decimal(d(st.integers(1, 100))) / 100), "cost": "m"}, ["m"]
        if kind == "tier_table":
            bounds = sorted(set(d(st.lists(st.integers(0, 5000), min_size=1, max_size=3))))
            tiers = []
            for i, b in enumerate(bounds):
                upper = bounds[i + 1] if i + 1 < len(bounds) else None
                tier = {"label": {"zh": f"{i + 1}档", "en": f"tier {i + 1}"}, "lower": self.param(Decimal(b)),
                        "lower_inclusive": d(st.booleans()), "award": self.param(money())}
                if upper is not None:
                    tier |= {"upper": self.param(Decimal(upper)), "upper_inclusive": d(st.booleans())}
                tiers.append(tier)
            # placed on each claim's own value, or on the applicant's total over its claims of the rule
            return {"kind": kind, "input": "m", "basis": self.basis or d(st.sampled_from(["claim", "applicant"])), "tiers": tiers}, ["m"]
        if kind == "first_plus_additional":
            return {"kind": kind, "count": "n", "first": self.param(money()), "additional": self.param(money())}, ["n"]
        if kind == "decided_within_range":
            lo = money()
            return {"kind": kind, "amount": "m", "min": self.param(lo), "max": self.param(lo + money())}, ["m"]
        if kind == "interest_at_rate":
            return {"kind": kind, "principal": "m", "annual_rate_percent": "r", "days": "d", "day_basis": self.param(Decimal(360), "天"),
                    "interest_paid": "m"}, ["m", "r", "d"]
        return {"kind": "not_quantified"}, []

    def condition(self, i: int) -> tuple[dict, set[str]]:
        d = self.draw
        form = d(st.integers(0, 5))
        base = {"id": f"c{i}", "label": {"zh": f"条件{i}", "en": f"condition {i}"}, "section": "一", "quote": f"条件 {i} 的原文",
                "kind": d(st.sampled_from(["eligibility", "exclusion"]))}
        if form == 0:
            op = d(st.sampled_from(["ge", "le", "gt", "lt"]))
            cond = base | {"input": "q", "op": op, "threshold": self.param(Decimal(d(st.integers(0, 500))), "亩"), "boundary_word": WORD[op]}
            used = {"q"}
        elif form == 1:
            op = d(st.sampled_from(["is_true", "is_false"]))
            cond, used = base | {"input": "flag", "op": op, "boundary_word": WORD[op]}, {"flag"}
        elif form == 2:
            cond, used = base | {"input": "kind", "op": "in", "values": ["X"], "boundary_word": "属于"}, {"kind"}
        elif form == 3:
            cond = base | {"ratio_of": ["n", "q"], "op": "ge", "threshold": self.param(Decimal(d(st.integers(0, 100))) / 100, "比例"),
                           "boundary_word": "以上"}
            used = {"n", "q"}
        elif form == 4:
            subs = [self.condition(i * 10 + k) for k in range(2)]
            cond = base | {"any_of": [s for s, _ in subs]}
            used = set().union(*(u for _, u in subs))
        else:
            cond, used = base | {"input": "flag", "op": "is_true", "boundary_word": "是", "when": {"inputs": {"kind": ["Y"]}}}, {"flag", "kind"}
        if form != 5 and d(st.integers(0, 4)) == 0:
            cond["when"] = {"subject": ["household"]}
        return cond, used

    def rule(self, k: int, kind: str) -> Rule:
        d = self.draw
        formula, used = self.formula(kind)
        used = set(used)
        conditions = []
        for i in range(d(st.integers(0, 2))):
            c, u = self.condition(k * 100 + i)
            conditions.append(c)
            used |= u
        data = {"id": f"gen.r{k}", "name": {"zh": f"规则{k}", "en": f"rule {k}"}, "section": "一", "quote": f"规则 {k} 的原文",
                "subjects": d(st.sampled_from([["household"], ["coop"], ["household", "coop"]])), "conditions": conditions, "formula": formula}
        if kind != "not_quantified":
            # a tier on the applicant's total takes no uplift or cap of one claim (the loader refuses them)
            per_claim = formula.get("basis") != "applicant"
            if per_claim and d(st.integers(0, 2)) == 0:
                data["uplifts"] = [{"when": {"group": ["G"]}, "factor": self.param(Decimal(d(st.integers(1, 50))) / 100, "比例")}]
            caps = []
            if per_claim and d(st.integers(0, 2)) == 0:
                caps.append({"param": self.param(d(amounts)), "scope": "claim",
                             "when": d(st.sampled_from([{}, {"subject": ["coop"]}, {"group": ["G"]}]))})
            for _ in range(d(st.integers(0, 2))):
                scope = d(st.sampled_from(["applicant", "project"]))
                group = d(st.sampled_from(["g1", "g2"]))
                # the limit of a cap group: usually one for all its rules (a different one is the fallback's case)
                limit = d(st.sampled_from([Decimal(700), Decimal(700), Decimal(5000), d(amounts)]))
                caps.append({"param": self.param(limit), "scope": scope, "group": group,
                             "when": d(st.sampled_from([{}, {}, {"group": ["G"]}]))})
            data["caps"] = caps
            data["exclusive_group"] = d(st.sampled_from([None, None, "E"]))
            data["once_per_applicant"] = d(st.sampled_from([None, None, "O"]))
        for c in data.get("caps", []) + data.get("uplifts", []):
            used |= set((c.get("when") or {}).get("inputs") or {})
        for case in [c for ref in (formula.get("rate"), formula.get("amount"), formula.get("share")) if isinstance(ref, list) for c in ref]:
            used |= set(case.get("when", {}).get("inputs") or {})
        data["inputs"] = [INPUTS[name] for name in sorted(used)]
        return Rule.model_validate(data).model_copy(update={"document": DOC})


KINDS = ["per_unit", "fixed", "share_of_cost", "tier_table", "first_plus_additional", "decided_within_range", "interest_at_rate", "not_quantified"]


@st.composite
def years(draw, basis: str | None = None) -> YearRules:
    """A year of 1–4 generated rules; with ``basis``, the first is a tier table of that basis."""
    b = Builder(draw, basis)
    kinds = (["tier_table"] if basis else []) + draw(st.lists(st.sampled_from(KINDS), min_size=0 if basis else 1, max_size=3 if basis else 4))
    rules = {r.id: r for r in (b.rule(k, kind) for k, kind in enumerate(kinds))}
    return YearRules(year=2024, documents={"gen": DOC}, parameters={"gen": b.params}, rules=rules, vocabulary=VOCAB, interpretations={})


PEOPLE = [("甲", "11010519491231002X"), ("乙", None), ("丙", None)]


@st.composite
def rosters(draw, yr: YearRules) -> pl.DataFrame:
    columns = ["姓名", "村", "身份证号", "主体类型", "农户类型", "项目", "项目标签", "申报金额"] + [v["label"]["zh"] for v in INPUTS.values()]
    records = []
    # most rows of a person keep one subject type and category, so that an applicant has several rows
    # (the limits across rows, and tiers on the applicant's total, need them); some do not
    subject_of = {name: draw(st.sampled_from(["农户", "合作社"])) for name, _ in PEOPLE}
    category_of = {name: draw(st.sampled_from([None, "甲类", "乙类", "丙类"])) if subject_of[name] == "农户" else None for name, _ in PEOPLE}
    for _ in range(draw(st.integers(1, 12))):
        rule = draw(st.sampled_from(list(yr.rules.values())))
        name, idn = draw(st.sampled_from(PEOPLE))
        own = draw(st.integers(0, 3)) > 0
        rec: dict[str, str | None] = dict.fromkeys(columns)
        rec |= {"姓名": name, "村": "一村", "身份证号": idn,
                "主体类型": subject_of[name] if own else draw(st.sampled_from(["农户", "合作社"])),
                "农户类型": category_of[name] if own else draw(st.sampled_from([None, "甲类", "乙类", "丙类"])), "项目": rule.id,
                "项目标签": draw(st.sampled_from([None, None, "P1", "P2"])), "申报金额": draw(st.sampled_from([None, "0", "300", "700.50"]))}
        for spec in rule.inputs:
            label = spec.label.zh
            if draw(st.integers(0, 7)) == 0:
                continue  # not given
            if spec.type == "boolean":
                rec[label] = draw(st.sampled_from(["是", "否", "有"]))
            elif spec.type == "choice":
                rec[label] = draw(st.sampled_from(["X", "Y"]))
            elif spec.type == "integer":
                rec[label] = str(draw(st.integers(0, 600)))
            elif spec.unit == "%":
                rec[label] = str(Decimal(draw(st.integers(0, 1000))) / 100)
            else:
                rec[label] = str(Decimal(draw(st.integers(0, 600_000))) / 100)
        records.append(rec)
    return pl.DataFrame(records, schema={c: pl.String for c in columns})


@st.composite
def cases(draw, basis: str | None = None) -> tuple[YearRules, pl.DataFrame]:
    yr = draw(years(basis))
    return yr, draw(rosters(yr))


def _both(yr: YearRules, frame: pl.DataFrame):
    roster = roster_from_frame(frame)
    cmap = map_columns(roster.frame.columns, yr)
    vec = compute_vector(roster, cmap, yr)
    ref = reference_results(parse_rows(roster, cmap, yr), yr)
    want = [(r.line_status, None if r.amount is None else int(r.amount * 100)) for _, r in sorted(ref.items())]
    got = list(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list()))
    return roster, got, want


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_vector_equals_reference_on_generated_rules(case):
    yr, frame = case
    _, got, want = _both(yr, frame)
    for i, (g, w) in enumerate(zip(got, want)):
        if g[0] is None:
            continue  # left to the reference engine
        assert g == w, f"row {i + 2}: vector {g} != reference {w}\n{frame.row(i, named=True)}\n{[r.model_dump(exclude={'document'}) for r in yr.rules.values()]}"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases("applicant"))
def test_a_tier_on_the_applicants_total_is_the_same_on_both_paths(case):
    """Every year holds a tier table on the applicant's total, beside other generated rules (which
    may share its caps, its once-per-applicant limit or its exclusive group)."""
    yr, frame = case
    _, got, want = _both(yr, frame)
    for i, (g, w) in enumerate(zip(got, want)):
        if g[0] is not None:
            assert g == w, f"row {i + 2}: vector {g} != reference {w}\n{frame.row(i, named=True)}\n{[r.model_dump(exclude={'document'}) for r in yr.rules.values()]}"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_audit_equals_on_both_paths_on_generated_rules(case):
    yr, frame = case
    pack = RulePack(name="gen", version="0", directory=Path("."), years={2024: yr}, digest="0" * 64)
    roster = roster_from_frame(frame)
    a = audit(roster, pack, engine="vector")
    b = audit(roster, pack, engine="reference")
    for c in ["row", "status", "claimed_fen", "award_fen", "diff_fen", "reason"]:
        assert a.rows.get_column(c).to_list() == b.rows.get_column(c).to_list(), c
    assert a.issues.equals(b.issues)


def _year(rules: list[dict], params: dict[str, str]) -> YearRules:
    """A year of the given rules (dicts as in a rule file) and parameters (name → value in 元)."""
    built = {r["id"]: Rule.model_validate(r).model_copy(update={"document": DOC}) for r in rules}
    ps = {name: Parameter(value=Decimal(v), unit="元", label={"zh": name, "en": name}, section="一", quote=f"{name} 的原文")
          for name, v in params.items()}
    return YearRules(year=2024, documents={"gen": DOC}, parameters={"gen": ps}, rules=built, vocabulary=VOCAB, interpretations={})


def _rule(rid: str, formula: dict, inputs: list[str], **more) -> dict:
    return {"id": rid, "name": {"zh": rid, "en": rid}, "section": "一", "quote": f"{rid} 的原文", "subjects": ["household"],
            "inputs": [INPUTS[i] for i in inputs], "formula": formula, **more}


def test_fallback_path_is_driven_and_agrees():
    """Rules the vectorised path leaves to the reference engine — an interest formula with an
    uplift, a cap group whose rules give different limits — and a cell it does not read: their
    applicants' rows go to the reference engine, never an exception, and the audit is the same on
    both paths; the other applicants' rows stay on the vectorised path."""
    yr = _year([
        _rule("gen.interest", {"kind": "interest_at_rate", "principal": "m", "annual_rate_percent": "r", "days": "d", "day_basis": "basis",
                               "interest_paid": "m"}, ["m", "r", "d"], uplifts=[{"when": {"subject": ["household"]}, "factor": "up"}]),
        _rule("gen.area", {"kind": "per_unit", "rate": "rate", "quantity": "q"}, ["q"]),
        _rule("gen.capped_a", {"kind": "fixed", "amount": "fixed_a"}, [], caps=[{"param": "limit_a", "scope": "applicant", "group": "g"}]),
        _rule("gen.capped_b", {"kind": "fixed", "amount": "fixed_b"}, [], caps=[{"param": "limit_b", "scope": "applicant", "group": "g"}]),
    ], {"basis": "360", "up": "0.25", "rate": "100", "fixed_a": "400", "fixed_b": "400", "limit_a": "700", "limit_b": "500"})
    frame = pl.DataFrame({
        "姓名": ["甲", "甲", "乙", "丙", "丙", "丁"],
        "主体类型": ["农户"] * 6,
        "项目": ["gen.interest", "gen.area", "gen.area", "gen.capped_a", "gen.capped_b", "gen.area"],
        "申报金额": ["0", "300", "250", "400", "300", "150"],
        "金额": ["36000", None, None, None, None, None],
        "利率": ["5", None, None, None, None, None],
        "天数": ["360", None, None, None, None, None],
        "面积": [None, "3", "2.5", None, None, "1,5"],
    })
    roster, got, want = _both(yr, frame)
    on_vector = [g[0] is not None for g in got]
    assert on_vector == [False, False, True, False, False, False], got
    # 1,800 × 1.25; 3 亩; 2.5 亩; 400, then what the second rule's own 500 limit leaves; "1,5" is refused
    assert [w[1] for w in want] == [225000, 30000, 25000, 40000, 10000, None]
    pack = RulePack(name="gen", version="0", directory=Path("."), years={2024: yr}, digest="0" * 64)
    a, b = audit(roster, pack, engine="vector"), audit(roster, pack, engine="reference")
    for c in ["status", "award_fen", "reason"]:
        assert a.rows.get_column(c).to_list() == b.rows.get_column(c).to_list(), c
    assert a.rows.get_column("award_fen").to_list() == [225000, 30000, 25000, 40000, 10000, None]


def test_a_rule_with_two_caps_across_claims_is_audited_without_a_traceback():
    """Once the default audit died in the cross-row step on such a rule (exit 1, a traceback)."""
    yr = _year([_rule("gen.two_caps", {"kind": "per_unit", "rate": "rate", "quantity": "q"}, ["q"],
                      caps=[{"param": "species", "scope": "applicant", "group": "species"},
                            {"param": "household", "scope": "applicant", "group": "all"}])],
               {"rate": "100", "species": "300", "household": "500"})
    rule = yr.rules["gen.two_caps"]
    pack = RulePack(name="gen", version="0", directory=Path("."), years={2024: yr}, digest="0" * 64)
    frame = pl.DataFrame({"姓名": ["甲", "甲", "乙"], "主体类型": ["农户"] * 3, "项目": [rule.id] * 3, "申报金额": ["200", "200", "300"],
                          "面积": ["2", "2", "9"]})
    a = audit(roster_from_frame(frame), pack)
    b = audit(roster_from_frame(frame), pack, engine="reference")
    assert a.rows.get_column("award_fen").to_list() == b.rows.get_column("award_fen").to_list() == [20000, 10000, 30000]
