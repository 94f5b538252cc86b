"""Differential tests: the vectorised path (polars over integer 分) equals the reference engine.

Rosters are generated from the rule data itself: every rule, subjects valid and not,
categories, a small pool of applicants (so cross-row limits bite), project labels, and
input values drawn around every threshold, tier bound and cap in the rules (at, just
below, just above), plus text the vector path must hand back to the reference engine
("1,500", full-width digits, "1e3", negative numbers, unknown words).
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xingxian_subsidy.audit.columns import map_columns
from xingxian_subsidy.audit.parse import parse_rows
from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import roster_from_frame
from xingxian_subsidy.audit.reference import reference_results
from xingxian_subsidy.audit.vector import compute_vector
from xingxian_subsidy.core.money import MAX_PERCENT
from xingxian_subsidy.pack.formulas import TierTable
from xingxian_subsidy.pack.loader import load_rules
from xingxian_subsidy.pack.models import InputSpec
from xingxian_subsidy.pack.rule import Rule
from xingxian_subsidy.pack.semantics import place, tier_bounds


def tier_of(yr, rule, value):
    """The label of the tier ``value`` falls in (pack.semantics), or None."""
    bounds = tier_bounds(rule.formula, lambda name: yr.param(rule, name))
    k = place(bounds, value)
    return None if k is None else bounds[k].tier.label.zh

PACK = load_rules()
YR = PACK.for_year(2024)
RULES = list(YR.rules.values())
INPUT_NAMES = sorted({s.name for r in RULES for s in r.inputs})
FIXED = ["乡镇", "村", "姓名", "身份证号", "主体类型", "农户类型", "项目", "项目标签", "申报金额"]


def _boundaries(rule: Rule) -> list[Decimal]:
    vals = [YR.param(rule, p).value for p in rule.parameter_names()]
    out: set[Decimal] = {Decimal(0), Decimal(1)}
    for v in vals:
        for d in (Decimal(0), Decimal("0.01"), Decimal("-0.01"), Decimal(1), Decimal(-1)):
            if v + d >= 0:
                out.add(v + d)
        if v <= 1:  # a share or ratio: as a percent, too
            out.add(v * 100)
    return sorted(out)


def _fmt(d: Decimal, places: int) -> str:
    q = d.quantize(Decimal(1).scaleb(-places)) if places else d.to_integral_value()
    return format(q, "f")


ODD = ["1,500", "１５００", "1e3", "-1", "+5", "5.", " ", "abc", "2000元", "0.125", "5.0", "3.14159265"]


@st.composite
def value_for(draw, spec: InputSpec, bounds: list[Decimal]) -> str | None:
    if draw(st.integers(0, 9)) == 0:
        return None  # not given
    if spec.type in ("decimal", "integer", "money"):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            return draw(st.sampled_from(ODD))
        if kind <= 5:
            d = draw(st.sampled_from(bounds))
        else:
            d = Decimal(draw(st.integers(0, 10**7))) / Decimal(10 ** draw(st.integers(0, 3)))
        places = {"integer": 0, "money": 2, "decimal": draw(st.integers(0, 4))}[spec.type]
        if spec.type == "integer" and d != d.to_integral_value():
            d = d.to_integral_value()
        if spec.type == "money" and draw(st.booleans()):
            places = 0 if d == d.to_integral_value() else 2
        return _fmt(d, places)
    if spec.type == "boolean":
        return draw(st.sampled_from(["是", "否", "是", "否", "有", "无", "yes", "No", "1", "0", "√", "×", "maybe"]))
    return draw(st.sampled_from([c.value for c in spec.choices] + [spec.choices[0].label.en, "其他"]))


SUBJECT_TEXT = [t for s in YR.vocabulary.subjects for t in (s.label.zh, *s.aliases[:2])] + ["个体户"]
CATEGORY_TEXT = [c.label.zh for c in YR.vocabulary.categories] + ["脱贫户", "边缘户", "贫困户"]
PEOPLE = [("甲", "11010519491231002X", "碾子"), ("乙", None, "南沟"), ("丙", None, "南沟"), ("丁", "141123199001010011", "碾子")]


@st.composite
def roster_rows(draw, max_rows: int = 25) -> pl.DataFrame:
    n = draw(st.integers(1, max_rows))
    records = []
    for _ in range(n):
        rule = draw(st.sampled_from(RULES))
        name, idn, village = draw(st.sampled_from(PEOPLE))
        rec: dict[str, str | None] = {c: None for c in FIXED + INPUT_NAMES}
        subject = draw(st.one_of(
            st.sampled_from([s for s in YR.vocabulary.subjects if s.id in rule.subjects]).map(lambda s: s.label.zh),
            st.sampled_from(SUBJECT_TEXT)))
        rec.update({"乡镇": "蔡家崖乡", "村": village, "姓名": name, "身份证号": idn, "主体类型": subject,
                    "农户类型": draw(st.one_of(st.none(), st.sampled_from(CATEGORY_TEXT))),
                    "项目": draw(st.sampled_from([rule.id, rule.name.zh])),
                    "项目标签": draw(st.sampled_from([None, None, "P1", "P2"])),
                    "申报金额": draw(st.sampled_from(["0", "300", "700", "2000", "5000", None, "12.5"]))})
        bounds = _boundaries(rule)
        for spec in rule.inputs:
            rec[spec.name] = draw(value_for(spec, bounds))
        records.append(rec)
    return pl.DataFrame(records, schema={c: pl.String for c in FIXED + INPUT_NAMES})


def _reference(roster):
    cmap = map_columns(roster.frame.columns, YR)
    res = reference_results(parse_rows(roster, cmap, YR), YR, PACK)
    return [(r.line_status, None if r.amount is None else int(r.amount * 100)) for _, r in sorted(res.items())]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(roster_rows())
def test_vector_rows_equal_reference(frame):
    roster = roster_from_frame(frame)
    cmap = map_columns(roster.frame.columns, YR)
    vec = compute_vector(roster, cmap, YR)
    ref = _reference(roster)
    for i, (status, fen) in enumerate(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list())):
        if status is None:
            continue  # left to the reference engine
        assert (status, fen) == ref[i], f"row {i + 2}: vector {(status, fen)} != reference {ref[i]}\n{frame.row(i, named=True)}"
    # the tier the vector path places equals the reference placement of the same cell
    for p, status, tier in zip(parse_rows(roster, cmap, YR), vec.get_column("line_status").to_list(), vec.get_column("tier").to_list()):
        rule = YR.rules.get(p.rule_id or "")
        if status is None or rule is None or not isinstance(rule.formula, TierTable):
            assert status is None or tier is None
            continue
        value = p.inputs.get(rule.formula.input)
        assert tier == (tier_of(YR, rule, value) if value is not None else None), (p.row, value, tier)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(roster_rows(max_rows=15))
def test_audit_same_on_both_paths(frame):
    roster = roster_from_frame(frame)
    a = audit(roster, PACK, engine="vector")
    b = audit(roster, PACK, engine="reference")
    cols = ["row", "status", "claimed_fen", "award_fen", "diff_fen", "reason", "tier"]
    for c in cols:
        x, y = a.rows.get_column(c).to_list(), b.rows.get_column(c).to_list()
        assert x == y, (c, [(i + 2, p, q, str({k: v for k, v in frame.row(i, named=True).items() if v is not None})) for i, (p, q) in enumerate(zip(x, y)) if p != q])
    assert a.issues.equals(b.issues)
    for key in a.summaries:
        assert a.summaries[key].equals(b.summaries[key]), key


def _plain_frame(seed: int, n: int) -> pl.DataFrame:
    """Clean rows only (plain numbers, known words): the vector path must do every one."""
    import random

    rng = random.Random(seed)
    records = []
    quantified = [r for r in RULES if r.formula.kind != "not_quantified"]
    for i in range(n):
        rule = rng.choice(quantified)
        rec: dict[str, str | None] = {c: None for c in FIXED + INPUT_NAMES}
        sid = rng.choice(rule.subjects)
        subject = next(s for s in YR.vocabulary.subjects if s.id == sid)
        rec.update({"姓名": f"户{i % 25}", "村": "碾子", "主体类型": subject.label.zh, "农户类型": CATEGORY_TEXT[(i % 25) % 5] if sid in YR.vocabulary.household_subjects else None,
                    "项目": rule.id, "申报金额": str(rng.randint(0, 9000)), "项目标签": rng.choice([None, "P1"])})
        bounds = _boundaries(rule)
        for spec in rule.inputs:
            if spec.type == "boolean":
                rec[spec.name] = rng.choice(["是", "否", "是"])
            elif spec.type == "choice":
                rec[spec.name] = rng.choice(spec.choices).value
            else:
                usable = [b for b in bounds if spec.unit != "%" or b <= MAX_PERCENT] or [MAX_PERCENT]  # above 100% is an input error
                d = rng.choice(usable)
                rec[spec.name] = _fmt(d.to_integral_value() if spec.type == "integer" else d, 0 if spec.type == "integer" else 2)
        records.append(rec)
    return pl.DataFrame(records, schema={c: pl.String for c in FIXED + INPUT_NAMES})


def test_vector_does_clean_rows_itself_and_agrees():
    frame = _plain_frame(7, 400)
    roster = roster_from_frame(frame)
    cmap = map_columns(roster.frame.columns, YR)
    vec = compute_vector(roster, cmap, YR)
    assert vec.get_column("line_status").null_count() == 0
    ref = _reference(roster)
    got = list(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list()))
    assert got == ref


def test_every_rule_compiles():
    """No rule in the pack needs the fallback for clean input (so the fast path is the normal path)."""
    frame = _plain_frame(11, 2000)
    roster = roster_from_frame(frame)
    cmap = map_columns(roster.frame.columns, YR)
    vec = compute_vector(roster, cmap, YR)
    done = frame.with_columns(vec.get_column("line_status")).filter(pl.col("line_status").is_not_null())
    assert set(done.get_column("项目").unique()) == {r.id for r in RULES if r.formula.kind != "not_quantified"} & set(frame.get_column("项目"))


def test_vector_tier_equals_reference_placement_at_every_bound():
    """Each tier_table rule's input at, just below and just above every bound: the vector path's
    tier label is the reference placement (``roster.tier_of``) of the same value."""
    for rule in (r for r in RULES if isinstance(r.formula, TierTable)):
        values = [v for v in _boundaries(rule) if v >= 0]
        spec = rule.input_spec(rule.formula.input)
        places = 0 if spec.type == "integer" else 2
        texts = [_fmt(v, places) for v in values]
        frame = pl.DataFrame({"姓名": [f"户{i}" for i in range(len(texts))], "村": "碾子", "主体类型": YR.vocabulary.subjects[0].label.zh,
                              "项目": rule.id, "申报金额": "0", spec.name: texts})
        roster = roster_from_frame(frame)
        vec = compute_vector(roster, map_columns(roster.frame.columns, YR), YR)
        got = vec.get_column("tier").to_list()
        want = [tier_of(YR, rule, Decimal(t)) for t in texts]
        assert got == want
        assert len({w for w in want if w}) == len(rule.formula.tiers)  # every tier was reached


def test_cross_row_limits_are_exact_when_applicant_hashes_collide(monkeypatch):
    """Applicants are numbered by sorting a hash of their key; applicants sharing one hash must
    still be kept apart (here every hash collides), in the limits and in the audit's checks."""
    import xingxian_subsidy.audit.frame as roster_mod

    frame = _plain_frame(5, 600)
    roster = roster_from_frame(frame)
    cmap = map_columns(roster.frame.columns, YR)
    ref = _reference(roster)
    normal, normal_report = compute_vector(roster, cmap, YR), audit(roster, PACK)
    monkeypatch.setattr(roster_mod, "_key_hash", lambda key: pl.repeat(0, len(key), dtype=pl.UInt64, eager=True))
    collided, collided_report = compute_vector(roster, cmap, YR), audit(roster, PACK)
    assert collided.equals(normal)
    assert list(zip(collided.get_column("line_status").to_list(), collided.get_column("award_fen").to_list())) == ref
    assert collided_report.issues.equals(normal_report.issues)
    for key in normal_report.summaries:
        assert collided_report.summaries[key].equals(normal_report.summaries[key]), key
    # the roster has applicants whose lines limit each other (else this would prove nothing)
    assert "limited" in collided.get_column("line_status").to_list()


def test_yes_no_columns_read_the_same_by_comparison_and_by_lookup():
    """A yes/no column written only with 是/否 is read by comparing with 是; any other word sends
    the column to the lookup. Both readings of the same answers must agree row for row."""
    frame = _plain_frame(3, 400)
    bools = sorted({s.name for r in RULES for s in r.inputs if s.type == "boolean"})
    spelled = frame.with_columns([pl.col(c).replace({"是": "有", "否": "无"}) for c in bools])
    results = []
    for f in (frame, spelled):
        roster = roster_from_frame(f)
        results.append(compute_vector(roster, map_columns(roster.frame.columns, YR), YR))
    assert results[0].equals(results[1])
    assert results[0].get_column("line_status").null_count() == 0
