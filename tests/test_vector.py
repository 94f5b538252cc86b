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
from xingxian_subsidy.pack.models import InputSpec, TierReport
from xingxian_subsidy.pack.rule import Rule
from xingxian_subsidy.pack.semantics import place, tier_bounds
from xingxian_subsidy.selfservice.screening import passing_answer


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


def _boundaries(rule: Rule, yr=None) -> list[Decimal]:
    vals = [(yr or YR).param(rule, p).value for p in rule.parameter_names()]
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


def _reference_lines(roster):
    """The reference engine's line of every row (None on an input error), by row index."""
    cmap = map_columns(roster.frame.columns, YR)
    return {i: r.line for i, r in reference_results(parse_rows(roster, cmap, YR), YR, PACK).items()}


def _passing(rule: Rule) -> dict[str, str]:
    """Inputs that pass every condition of ``rule`` (its yes/no answers as wanted, the first choice,
    100 for any other number), so that its tier depends on the tier input alone."""
    out = {}
    for spec in rule.inputs:
        if spec.type == "boolean":
            out[spec.name] = "是" if passing_answer(rule, spec.name) is not False else "否"
        elif spec.type == "choice":
            out[spec.name] = spec.choices[0].value
        else:
            out[spec.name] = "100"
    return out


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
    # the tier the vector path places equals the reference placement of the same cell — or, for a
    # tier table on the household's total, the tier the reference engine gives the household's line
    lines = _reference_lines(roster)
    for p, status, tier in zip(parse_rows(roster, cmap, YR), vec.get_column("line_status").to_list(), vec.get_column("tier").to_list()):
        rule = YR.rules.get(p.rule_id or "")
        if status is None or rule is None or not isinstance(rule.formula, TierTable):
            assert status is None or tier is None
            continue
        if rule.formula.per_applicant:
            line = lines[p.index]
            assert tier == (line.tier.zh if line.tier else None), (p.row, tier, line.tier)
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
        # each row its own household, its conditions met (a household's tier waits on an undecided line)
        frame = pl.DataFrame({"姓名": [f"户{i}" for i in range(len(texts))], "村": "碾子", "主体类型": YR.vocabulary.subjects[0].label.zh,
                              "项目": rule.id, "申报金额": "0", **{k: v for k, v in _passing(rule).items() if k != spec.name}, spec.name: texts})
        roster = roster_from_frame(frame)
        vec = compute_vector(roster, map_columns(roster.frame.columns, YR), YR)
        got = vec.get_column("tier").to_list()
        want = [tier_of(YR, rule, Decimal(t)) for t in texts]
        assert got == want
        assert len({w for w in want if w}) == len(rule.formula.tiers)  # every tier was reached


def test_a_household_total_at_every_bound_is_placed_alike_on_both_paths():
    """A tier table on the household's total (I-040): two rows per household whose gains add up to
    each bound, a cent below and a cent above (and a third household row that fails a condition,
    whose gain must not count): both paths give the same statuses, 分 and tiers; the tier is the
    placement of the total, on the household's first row only, and the 附件7 table counts each
    household once."""
    for rule in (r for r in RULES if isinstance(r.formula, TierTable) and r.formula.per_applicant):
        spec = rule.input_spec(rule.formula.input)
        passing = {k: v for k, v in _passing(rule).items() if k != spec.name}
        records, totals = [], []
        for i, total in enumerate(v for v in _boundaries(rule) if v >= 0):
            half = (total / 2).quantize(Decimal("0.01"))
            for gain in (half, total - half):
                records.append({"姓名": f"户{i}", "村": "碾子", "主体类型": YR.vocabulary.subjects[0].label.zh, "项目": rule.id, "申报金额": "0",
                                **passing, spec.name: _fmt(gain, 2)})
            failing = next(n for n, v in passing.items() if rule.input_spec(n).type == "boolean")
            records.append({**records[-1], failing: "否" if passing[failing] == "是" else "是", spec.name: "5000"})
            totals.append(total)
        frame = pl.DataFrame(records)
        roster = roster_from_frame(frame)
        cmap = map_columns(roster.frame.columns, YR)
        vec = compute_vector(roster, cmap, YR)
        assert vec.get_column("line_status").null_count() == 0
        got = list(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list()))
        assert got == _reference(roster)
        lines = _reference_lines(roster)
        tiers = vec.get_column("tier").to_list()
        assert tiers == [lines[i].tier.zh if lines[i].tier else None for i in range(len(tiers))]
        want = [tier_of(YR, rule, t) for t in totals]
        assert tiers[0::3] == want and set(tiers[1::3]) == set(tiers[2::3]) == {None}
        assert len({w for w in want if w}) == len(rule.formula.tiers)  # every tier was reached
        for engine in ("vector", "reference"):
            report = audit(roster, PACK, engine=engine)
            assert report.rows.get_column("tier").to_list() == [t if s in ("awarded", "limited") else None
                                                               for t, s in zip(tiers, vec.get_column("line_status").to_list())]
            tables = [report.summaries[rid] for rid, (_, r) in YR.reports.items() if isinstance(r, TierReport) and rule.id in r.rules]
            assert tables  # the 附件7 table: each household once, in its tier
            for table in tables:  # (its last row is the 合计 of the others)
                table = table.head(table.height - 1)
                assert sum(table.get_column(f"{t.label.zh}_households").sum() for t in rule.formula.tiers) == len([w for w in want if w])


def test_a_household_row_that_cannot_be_read_leaves_its_total_undecided_on_both_paths():
    """I-040: a courtyard row of the household whose cell cannot be read (“二千”, or a claimed
    amount that is not a number) leaves the household's total, and so its other courtyard rows,
    undecided (信息不全) until it is put right; the row itself is 输入有误. Another household, or
    another rule of the same household, is not held up; a household with no readable courtyard row
    has nothing to wait."""
    rule = YR.rules["xzbf12.s5.courtyard_tiered"]
    spec = rule.input_spec(rule.formula.input)
    passing = {k: v for k, v in _passing(rule).items() if k != spec.name}
    who = {"村": "碾子", "主体类型": "农户", "申报金额": "0", **passing}
    records = [
        {**who, "姓名": "甲", "项目": rule.id, spec.name: "1200"},
        {**who, "姓名": "甲", "项目": rule.id, spec.name: "二千"},  # cannot be read
        {**who, **_passing(YR.rules["xzbf8.s5-4.indoor_flush"]), "姓名": "甲", "项目": "xzbf8.s5-4.indoor_flush"},  # another rule: not held up
        {**who, "姓名": "乙", "项目": rule.id, spec.name: "1200", "申报金额": "三百"},  # the claimed amount cannot be read
        {**who, "姓名": "乙", "项目": rule.id, spec.name: "900"},
        {**who, "姓名": "丙", "项目": rule.id, spec.name: "1600"},  # another household: 二档
        {**who, "姓名": "丁", "项目": rule.id, spec.name: "x"},  # alone: nothing waits
    ]
    frame = pl.DataFrame(records, schema={c: pl.String for r in records for c in r})
    roster = roster_from_frame(frame)
    vec = compute_vector(roster, map_columns(roster.frame.columns, YR), YR)
    got = list(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list()))
    ref = _reference(roster)
    assert [g for g, _ in got] == ["undecided", None, "awarded", None, "undecided", "awarded", None]
    assert got[5] == ("awarded", 40000)
    assert [g for g in got if g[0] is not None] == [r for g, r in zip(got, ref) if g[0] is not None]
    assert [r[0] for r in ref] == ["undecided", None, "awarded", None, "undecided", "awarded", None]
    for engine in ("vector", "reference"):
        report = audit(roster, PACK, engine=engine)
        statuses = report.rows.get_column("status").to_list()
        assert statuses[:2] == ["incomplete", "bad_input"] and statuses[3:] == ["bad_input", "incomplete", "under", "bad_input"], engine
        assert report.rows.get_column("tier").to_list()[:2] == [None, None]
        reason = report.rows.get_column("reason").to_list()[0]
        assert "本户第 3 行（输入有误）尚待补充信息" in reason and "合计未定" in reason, reason  # the row it waits on, by its row


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


# ------------------------------------------------------------------ the constructs of other counties' notices
# (issue 16): category conditions, caps on units per claim and shared (pooled across rules),
# several shared caps on one rule, caps by household class, ratios in a unit, tranches, declared
# versus accepted quantities, pooled rates (half-up and truncated), amounts in 万元 — in the test
# pack tests/packs/constructs (one rule per construct) and in the 偏城乡 example pack.

from pathlib import Path

from xingxian_subsidy.audit.crossrow import unsupported_rules

ROOT = Path(__file__).resolve().parent.parent
OTHER = {name: load_rules(ROOT / path) for name, path in (("constructs", "tests/packs/constructs"), ("xiji", "examples/xiji-piancheng-2025"))}
OTHER_PEOPLE = [("甲", "一村"), ("乙", "一村"), ("丙", "二村")]


def _other_headers(yr) -> dict[str, str]:
    """A header for each input name: for the 偏城乡 pack its label with its unit in brackets, as
    real rosters write it (微菜园面积（m²）); for the test pack the name."""
    out: dict[str, str] = {}
    for r in yr.rules.values():
        for spec in r.inputs:
            if yr.year == 2025 and "pc25" in r.id and spec.unit:
                out.setdefault(spec.name, f"{spec.label.zh}（{spec.unit}）")
            else:
                out.setdefault(spec.name, spec.name)
    return out


@st.composite
def other_roster(draw, name: str, max_rows: int = 20) -> pl.DataFrame:
    pack = OTHER[name]
    yr = pack.for_year(pack.latest_year)
    rules = list(yr.rules.values())
    headers = _other_headers(yr)
    subjects = [t for s in yr.vocabulary.subjects for t in (s.label.zh, *s.aliases[:1])] + ["个体户"]
    categories = [c.label.zh for c in yr.vocabulary.categories] + ["贫困户"]
    fixed = ["乡镇", "村", "姓名", "主体类型", "农户类型", "项目", "项目标签", "申报金额"]
    columns = fixed + sorted(set(headers.values()))
    records = []
    for _ in range(draw(st.integers(1, max_rows))):
        rule = draw(st.sampled_from(rules))
        who, village = draw(st.sampled_from(OTHER_PEOPLE))
        rec: dict[str, str | None] = dict.fromkeys(columns)
        rec.update({"乡镇": "某乡", "村": village, "姓名": who,
                    "主体类型": draw(st.one_of(st.sampled_from([s.label.zh for s in yr.vocabulary.subjects if s.id in rule.subjects]), st.sampled_from(subjects))),
                    "农户类型": draw(st.one_of(st.none(), st.sampled_from(categories))),
                    "项目": draw(st.sampled_from([rule.id, rule.name.zh])), "项目标签": draw(st.sampled_from([None, None, "P1"])),
                    "申报金额": draw(st.sampled_from(["0", "500", "1000", "3000", None]))})
        bounds = _boundaries(rule, yr)
        for spec in rule.inputs:
            rec[headers[spec.name]] = draw(value_for(spec, bounds))
        records.append(rec)
    return pl.DataFrame(records, schema={c: pl.String for c in columns})


def _other_check(name: str, frame: pl.DataFrame) -> None:
    pack = OTHER[name]
    yr = pack.for_year(pack.latest_year)
    roster = roster_from_frame(frame)
    cmap = map_columns(roster.frame.columns, yr)
    vec = compute_vector(roster, cmap, yr)
    res = reference_results(parse_rows(roster, cmap, yr), yr, pack)
    ref = [(r.line_status, None if r.amount is None else int(r.amount * 100)) for _, r in sorted(res.items())]
    for i, (status, fen) in enumerate(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list())):
        if status is not None:
            assert (status, fen) == ref[i], f"{name} row {i + 2}: vector {(status, fen)} != reference {ref[i]}\n{frame.row(i, named=True)}"
    a, b = audit(roster, pack, engine="vector"), audit(roster, pack, engine="reference")
    for c in ["row", "status", "claimed_fen", "award_fen", "diff_fen", "reason"]:
        assert a.rows.get_column(c).to_list() == b.rows.get_column(c).to_list(), (name, c)
    assert a.issues.equals(b.issues)
    for key in a.summaries:
        assert a.summaries[key].equals(b.summaries[key]), (name, key)
    assert a.texts == b.texts


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(other_roster("constructs"))
def test_the_constructs_are_the_same_on_both_paths(frame):
    _other_check("constructs", frame)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(other_roster("xiji"))
def test_the_xiji_pack_is_the_same_on_both_paths(frame):
    _other_check("xiji", frame)


def _clean_other(name: str, seed: int, n: int) -> pl.DataFrame:
    """Clean rows of every quantified rule of a pack: plain numbers at and around every parameter,
    是/否, categories of every kind (so caps by class and category conditions bite), few people."""
    import random

    rng = random.Random(seed)
    pack = OTHER[name]
    yr = pack.for_year(pack.latest_year)
    headers = _other_headers(yr)
    columns = ["村", "姓名", "主体类型", "农户类型", "项目", "申报金额", *sorted(set(headers.values()))]
    records = []
    for _ in range(n):
        rule = rng.choice([r for r in yr.rules.values() if r.formula.kind != "not_quantified"])
        who, village = rng.choice(OTHER_PEOPLE)
        sid = rng.choice(rule.subjects)
        rec: dict[str, str | None] = dict.fromkeys(columns)
        rec.update({"村": village, "姓名": who, "主体类型": next(s.label.zh for s in yr.vocabulary.subjects if s.id == sid),
                    "农户类型": yr.vocabulary.categories[[p for p, _ in OTHER_PEOPLE].index(who) % len(yr.vocabulary.categories)].label.zh if sid in yr.vocabulary.household_subjects else None,
                    "项目": rule.id, "申报金额": str(rng.randint(0, 5000))})
        for spec in rule.inputs:
            if spec.type == "boolean":
                rec[headers[spec.name]] = rng.choice(["是", "否", "否"])
            elif spec.type == "choice":
                rec[headers[spec.name]] = rng.choice(spec.choices).value
            else:
                d = rng.choice(_boundaries(rule, yr))
                rec[headers[spec.name]] = _fmt(d.to_integral_value() if spec.type == "integer" else d, 0 if spec.type == "integer" else 2)
        records.append(rec)
    return pl.DataFrame(records, schema={c: pl.String for c in columns})


def test_the_vector_path_does_every_construct_itself():
    """No rule of either pack needs the reference engine for clean rows: every construct is
    compiled, caps on units shared across rules and several shared caps on one rule included —
    and the lines it computes equal the reference engine's, with caps biting (limited lines)."""
    for name, seed in (("constructs", 3), ("xiji", 5)):
        pack = OTHER[name]
        yr = pack.for_year(pack.latest_year)
        assert unsupported_rules(yr) == frozenset(), name
        frame = _clean_other(name, seed, 600)
        roster = roster_from_frame(frame)
        cmap = map_columns(roster.frame.columns, yr)
        vec = compute_vector(roster, cmap, yr)
        assert vec.get_column("line_status").null_count() == 0, name
        res = reference_results(parse_rows(roster, cmap, yr), yr, pack)
        ref = [(r.line_status, None if r.amount is None else int(r.amount * 100)) for _, r in sorted(res.items())]
        assert list(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list())) == ref, name
        statuses = {s for s, _ in ref}
        assert {"awarded", "limited", "ineligible"} <= statuses, (name, statuses)


def test_caps_that_are_not_nested_are_the_declared_fallback(tmp_path):
    """Two shared caps whose groups overlap without one holding the other (鸡 in groups poultry and
    other_birds, 鸭 only in poultry, 羊 only in other_birds) cannot be applied as running sums:
    their rules — and those of any group they share — are left to the reference engine
    (crossrow.unsupported_rules), and the audit is still the engine's."""
    import shutil

    copy = tmp_path / "pack"
    shutil.copytree(ROOT / "tests" / "packs" / "constructs", copy)
    path = copy / "2025" / "notice.yaml"
    text = path.read_text(encoding="utf-8")
    chicken = """    formula: {kind: per_unit, rate: poultry_rate, quantity: birds}
    caps:
      - {param: poultry_max, scope: applicant, of: units, group: poultry}
      - *household_cap

  - id: t.duck"""
    assert chicken in text
    text = text.replace(chicken, chicken.replace("group: poultry}", "group: poultry}\n      - {param: poultry_max, scope: applicant, of: units, group: other_birds}"))
    sheep = "      - {param: sheep_money, scope: applicant, group: sheep}"
    text = text.replace(sheep, sheep + "\n      - {param: poultry_max, scope: applicant, of: units, group: other_birds}")
    path.write_text(text, encoding="utf-8")
    pack = load_rules(copy)
    yr = pack.for_year(2025)
    assert {"t.chicken", "t.duck", "t.sheep"} <= unsupported_rules(yr)
    assert "t.pigeon" not in unsupported_rules(yr)  # in no shared group: still compiled
    frame = pl.DataFrame({"姓名": ["甲"] * 3, "村": "一村", "主体类型": "农户", "农户类型": "边缘易致贫户",
                          "项目": ["t.chicken", "t.duck", "t.sheep"], "申报金额": "0",
                          "birds": ["40", "30", None], "sheep": [None, None, "3"]})
    roster = roster_from_frame(frame)
    vec = compute_vector(roster, map_columns(roster.frame.columns, yr), yr)
    assert vec.get_column("line_status").null_count() == 3  # the whole applicant goes to the reference engine
    a = audit(roster, pack)
    # 40 birds; of 30 ducks 10 (50 in poultry); of 3 sheep all 3 (40 of 50 used in other_birds)
    assert a.rows.get_column("award_fen").to_list() == [120000, 30000, 60000]
    assert a.rows.get_column("award_fen").to_list() == audit(roster, pack, engine="reference").rows.get_column("award_fen").to_list()


def test_a_yes_no_column_with_both_words_is_read_as_plain_yes_no():
    """是/否 columns take the direct path. 否 was once compared with the polars literal False,
    because a later module-level name shadowed the word, so any column holding a 否 took the
    slower one."""
    from xingxian_subsidy.audit.compiler import plain_bool_columns

    df = pl.DataFrame({"both": ["是", "否", None], "yes": ["是", "是", None], "other": ["是", "对", None]})
    assert plain_bool_columns(df, ["both", "yes", "other"]) == {"both", "yes"}


def test_a_project_label_written_like_the_engines_own_keys_is_a_project_of_its_own():
    """The reference engine keys the unlabelled claims of a rule that takes them as one project,
    and each other unlabelled claim, by keys of its own: a label a user writes — even
    ``#unlabelled`` or ``#claim1`` — never falls into them, on either path."""
    frame = pl.DataFrame({
        "乡镇": ["甲乡"] * 3, "村": ["一村"] * 3, "姓名": ["某牧业公司"] * 3, "主体类型": ["企业"] * 3,
        "项目": ["标准化肉羊养殖场圈舍奖补", "标准化肉牛养殖场圈舍奖补", "标准化肉牛养殖场圈舍奖补"],
        "项目标签": [None, "#unlabelled", "#claim0"], "申报金额": [None] * 3, "新建养殖场手续合规合法": ["是"] * 3,
        "基础母羊存栏": ["300", None, None], "肉牛存栏": [None, "200", "200"], "新建圈舍面积": ["1000", "1500", "1500"]})
    roster = roster_from_frame(frame)
    vec = compute_vector(roster, map_columns(roster.frame.columns, YR), YR)
    ref = _reference(roster)
    assert [s for s, _ in ref] == ["awarded"] * 3, "three projects: none excludes another"
    assert list(zip(vec.get_column("line_status").to_list(), vec.get_column("award_fen").to_list())) == ref
