"""Which rules a subject may apply for, with conditions, rates and citations as data.

Used by the ``screen`` command, the questionnaire, the hints and the web API
(``GET /api/rules``). Every number shown comes from the rule data; this module
only knows how to describe each kind of formula. No I/O, no rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..core.money import SHARE, fmt_yuan, num_text, pct_text
from ..core.text import Text
from ..pack.formulas import (
    DecidedWithinRange,
    FirstPlusAdditional,
    Fixed,
    FormulaBase,
    InterestAtRate,
    NotQuantified,
    PerUnit,
    PooledRate,
    ShareOfCost,
    TierTable,
    registrar,
)
from ..pack.loader import YearRules
from ..pack.models import ROUNDINGS, Condition, Match, Parameter, ValueRef
from ..pack.rule import Rule, walk_conditions
from ..pack.semantics import category_label, evaluate_match, match_steps, pooled_rate, tier_bounds

__all__ = ["DESCRIBE", "RuleEntry", "basis_text", "category_choices", "condition_texts", "entry_data", "open_rules", "param_text", "passing_answer", "rate_text", "rule_entry"]

OPS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def param_text(p: Parameter) -> str:
    """A parameter's value with its unit, as the documents write it (比例 as a percentage)."""
    if p.unit == SHARE:
        return num_text(p.value * 100) + "%"
    return f"{num_text(p.value)} {p.unit}" + (f"（{p.stated}）" if p.stated else "")


@dataclass(frozen=True)
class RuleEntry:
    """One rule as offered to an applicant: what it is, who, on what conditions, how much, where it is written."""

    id: str
    name: Text
    not_quantified: bool
    formula: str
    conditions: list[Text]
    rate: Text
    citation: Text
    rule: Rule = field(repr=False, compare=False)


def _match_applies(yr: YearRules, m: Match, subject: str | None, category: str | None) -> bool | None:
    """Does a Match (its input tests left out) apply to this subject and category? None if unknown."""
    return evaluate_match(match_steps(m, yr.vocabulary), subject, category)[0]


def _match_label(yr: YearRules, m: Match) -> Text | None:
    subjects = {s.id: s.label for s in yr.vocabulary.subjects}
    zh: list[str] = []
    en: list[str] = []
    if m.subject:
        zh.append("、".join(subjects[s].zh for s in m.subject if s in subjects))
        en.append(", ".join(subjects[s].en for s in m.subject if s in subjects))
    if m.not_subject:
        zh.append("非" + "、".join(subjects[s].zh for s in m.not_subject if s in subjects))
        en.append("not " + ", ".join(subjects[s].en for s in m.not_subject if s in subjects))
    def name(g: str) -> str:  # a group by its name, a category by its label
        return g if g in yr.vocabulary.groups else yr.vocabulary.group_label(g).zh

    if m.group:
        zh.append("、".join(name(g) for g in m.group))
        en.append(", ".join(yr.vocabulary.group_label(g).en for g in m.group))
    if m.not_group:
        zh.append("非" + "、".join(name(g) for g in m.not_group))
        en.append("not " + ", ".join(yr.vocabulary.group_label(g).en for g in m.not_group))
    for values in (m.inputs or {}).values():
        zh.append("/".join(values))
        en.append("/".join(values))
    if not zh:
        return None
    return Text(zh="，".join(zh), en="; ".join(en))


def _ref_text(yr: YearRules, rule: Rule, ref: ValueRef, subject: str | None, category: str | None, fmt) -> Text:
    """A rate reference: one parameter, or the case that applies (or all cases, labelled)."""
    if isinstance(ref, str):
        p = yr.param(rule, ref)
        return fmt(p)
    applicable = []
    for case in ref:
        ok = _match_applies(yr, case.when, subject, category)
        if ok is False:
            continue
        applicable.append(case)
        if ok is True and not case.when.inputs:
            break  # later cases never apply: the first match wins, as in the engine
    cases = applicable or ref
    if len(cases) == 1:
        return fmt(yr.param(rule, cases[0].param))
    zh, en = [], []
    others_zh, others_en = "其他", "others"
    for case in cases:
        t = fmt(yr.param(rule, case.param))
        label = _match_label(yr, case.when)
        zh.append(f"{label.zh if label else others_zh}：{t.zh}")
        en.append(f"{label.en if label else others_en}: {t.en}")
    return Text(zh="；".join(zh), en="; ".join(en))


def _plain(p: Parameter) -> Text:
    return Text(zh=param_text(p), en=param_text(p))


Describer = Callable[[YearRules, Rule, FormulaBase, "str | None", "str | None"], Text]
DESCRIBE: dict[str, Describer] = {}  # formula kind → how it is described to an applicant

describes = registrar(DESCRIBE)  # @describes(Kind) files a function under its formula kind


def _input_label(rule: Rule, name: str) -> Text:
    spec = rule.input_spec(name)
    return spec.label if spec else Text(zh=name, en=name)


@describes(NotQuantified)
def _not_quantified(yr: YearRules, rule: Rule, f: NotQuantified, subject: str | None, category: str | None) -> Text:
    return Text(zh="文件未量化（列出以供申请，不计算金额）", en="not quantified by the document (listed, not computed)")


@describes(PerUnit)
def _per_unit(yr: YearRules, rule: Rule, f: PerUnit, subject: str | None, category: str | None) -> Text:
    q = _input_label(rule, f.quantity)
    r = _ref_text(yr, rule, f.rate, subject, category, _plain)
    return Text(zh=f"{r.zh}（按{q.zh}）", en=f"{r.en} (by {q.en})")


@describes(PooledRate)
def _pooled_rate(yr: YearRules, rule: Rule, f: PooledRate, subject: str | None, category: str | None) -> Text:
    P = lambda name: yr.param(rule, name)
    pool, total, step = P(f.pool), P(f.total), P(f.rate_step)
    _, rate = pooled_rate(f, P)
    q = _input_label(rule, f.quantity)
    unit = total.unit
    how = ROUNDINGS[f.rate_rounding]
    return Text(zh=f"{num_text(rate)} 元/{unit}（{pool.label.zh} {fmt_yuan(pool.value)} 元 ÷ {total.label.zh} {num_text(total.value)} {unit}，"
                   f"按 {num_text(step.value)} {step.unit}{how.zh}）（按{q.zh}）",
                en=f"{num_text(rate)} yuan/{unit} ({pool.label.en} {fmt_yuan(pool.value)} ÷ {total.label.en} {num_text(total.value)} {unit}, "
                   f"{how.en} to {num_text(step.value)} {step.unit}) (by {q.en})")


@describes(Fixed)
def _fixed(yr: YearRules, rule: Rule, f: Fixed, subject: str | None, category: str | None) -> Text:
    return _ref_text(yr, rule, f.amount, subject, category, _plain)


@describes(ShareOfCost)
def _share_of_cost(yr: YearRules, rule: Rule, f: ShareOfCost, subject: str | None, category: str | None) -> Text:
    c = _input_label(rule, f.cost)
    r = _ref_text(yr, rule, f.share, subject, category, _plain)
    return Text(zh=f"{c.zh}的 {r.zh}", en=f"{r.en} of {c.en}")


@describes(TierTable)
def _tier_table(yr: YearRules, rule: Rule, f: TierTable, subject: str | None, category: str | None) -> Text:
    zh, en = [], []
    for b in tier_bounds(f, lambda name: yr.param(rule, name)):
        tier = b.tier
        bz = (f"{'≥' if tier.lower_inclusive else '>'}{num_text(b.lower)}" if b.lower is not None else "") + (
            ("，" if b.lower is not None else "") + f"{'≤' if tier.upper_inclusive else '<'}{num_text(b.upper)}" if b.upper is not None else "")
        be = bz.replace("，", ", ")
        bound = tier.lower or tier.upper
        unit = yr.param(rule, bound).unit if bound else ""
        zh.append(f"{tier.label.zh}（{bz} {unit}）{param_text(b.award)}")
        en.append(f"{tier.label.en} ({be} {unit}) {param_text(b.award)}")
    spec = rule.input_spec(f.input)
    basis = basis_text(f)
    head_zh = (f"按{spec.label.zh}" if spec else "") + (f"（{basis.zh}）" if basis else "")
    head_en = (f"by {spec.label.en}" if spec else "") + (f" ({basis.en})" if basis else "")
    return Text(zh=(f"{head_zh}：" if head_zh else "") + "；".join(zh), en=(f"{head_en}: " if head_en else "") + "; ".join(en))


def basis_text(f: TierTable) -> Text | None:
    """What a tier table places, when it is not each claim's own value: “本户各项合计后定一个档次”."""
    if not f.per_applicant:
        return None
    return Text(zh="同一户（申请人）各项申报中符合条件的相加后定一个档次，奖补计在第一项上",
                en="the household's (applicant's) qualifying claims added up and placed in one tier, paid on the first")


@describes(FirstPlusAdditional)
def _first_plus_additional(yr: YearRules, rule: Rule, f: FirstPlusAdditional, subject: str | None, category: str | None) -> Text:
    a, b = yr.param(rule, f.first), yr.param(rule, f.additional)
    return Text(zh=f"{a.label.zh} {param_text(a)}；{b.label.zh} {param_text(b)}", en=f"{a.label.en} {param_text(a)}; {b.label.en} {param_text(b)}")


@describes(DecidedWithinRange)
def _decided_within_range(yr: YearRules, rule: Rule, f: DecidedWithinRange, subject: str | None, category: str | None) -> Text:
    lo, hi = yr.param(rule, f.min), yr.param(rule, f.max)
    return Text(zh=f"{num_text(lo.value)}–{num_text(hi.value)} {hi.unit}（县级确定）",
                en=f"{num_text(lo.value)}–{num_text(hi.value)} {hi.unit} (decided by the county)")


@describes(InterestAtRate)
def _interest_at_rate(yr: YearRules, rule: Rule, f: InterestAtRate, subject: str | None, category: str | None) -> Text:
    basis = yr.param(rule, f.day_basis)
    return Text(zh=f"按基准利率贴息（年利率÷{param_text(basis)}×天数，不超过实付利息）",
                en=f"interest at the benchmark rate (annual rate ÷ {param_text(basis)} × days, at most the interest paid)")


def rate_text(yr: YearRules, rule: Rule, subject: str | None = None, category: str | None = None) -> Text:
    """How much a rule pays, in words, from its parameters (the case for subject/category if given)."""
    P = lambda name: yr.param(rule, name)
    t = DESCRIBE[rule.formula.kind](yr, rule, rule.formula, subject, category)
    extra_zh, extra_en = [], []
    for up in rule.uplifts:
        ok = _match_applies(yr, up.when, subject, category)
        if ok is False:
            continue
        p = P(up.factor)
        label = _match_label(yr, up.when)
        extra_zh.append(f"{label.zh if label else ''}上浮 {param_text(p)}")
        extra_en.append(f"{label.en if label else ''} +{param_text(p)}")
    for cap in rule.caps:
        if _match_applies(yr, cap.when, subject, category) is False:
            continue
        first = P(cap.param if isinstance(cap.param, str) else cap.param[0].param)
        limit = _ref_text(yr, rule, cap.param, subject, category, _plain)
        extra_zh.append(f"{first.label.zh} {limit.zh}")
        extra_en.append(f"{first.label.en} {limit.en}")
    if rule.tranche is not None:
        p = P(rule.tranche.share)
        extra_zh.append(f"{p.label.zh} {pct_text(p.value)}")
        extra_en.append(f"{p.label.en} {pct_text(p.value)}")
    if extra_zh:
        t = Text(zh=t.zh + "（" + "；".join(extra_zh) + "）", en=t.en + " (" + "; ".join(extra_en) + ")")
    return t


def _condition_text(yr: YearRules, rule: Rule, c: Condition) -> Text:
    if c.any_of:
        parts = [_condition_text(yr, rule, s) for s in c.any_of]
        return Text(zh=f"{c.label.zh}：" + " 或 ".join(p.zh for p in parts), en=f"{c.label.en}: " + " or ".join(p.en for p in parts))
    thr = thr_en = ""
    if c.threshold:
        thr = thr_en = f"{OPS.get(c.op or '', '')} {param_text(yr.param(rule, c.threshold))}"
    if c.category:  # the household category: in (or not in) the groups named
        names = [yr.vocabulary.group_label(g) for g in c.values or []]
        sign = "∈ " if c.op == "in" else "∉ "
        thr, thr_en = sign + "、".join(t.zh for t in names), sign + ", ".join(t.en for t in names)
    suffix_zh = "（否则不予补贴）" if c.kind == "exclusion" else ""
    suffix_en = " (otherwise excluded)" if c.kind == "exclusion" else ""
    when = _match_label(yr, c.when) if c.when else None
    wz = f"（适用于 {when.zh}）" if when else ""
    we = f" (applies to {when.en})" if when else ""
    return Text(zh=f"{c.label.zh}" + (f"［{thr}］" if thr else "") + wz + suffix_zh,
                en=f"{c.label.en}" + (f" [{thr_en}]" if thr_en else "") + we + suffix_en)


def passing_answer(rule: Rule, name: str) -> bool | None:
    """The yes/no answer to input ``name`` that the rule's conditions want (``is_true`` → yes,
    ``is_false`` → no), so the other answer can be marked as the one that loses the award.
    None when no condition tests it, or when two conditions want opposite answers."""
    wanted = {c.op == "is_true" for c in walk_conditions(rule.conditions) if c.input == name and c.op in ("is_true", "is_false")}
    return wanted.pop() if len(wanted) == 1 else None


def condition_texts(yr: YearRules, rule: Rule) -> list[Text]:
    """Each condition of a rule with its threshold from the rule data (exclusions marked)."""
    return [_condition_text(yr, rule, c) for c in rule.conditions]


def citation_text(rule: Rule) -> Text:
    doc = rule.document
    assert doc is not None
    return Text(zh=f"{doc.name} {rule.section}（{doc.place.zh}）", en=f"{doc.name} {rule.section} ({doc.place.en})")


def rule_entry(yr: YearRules, rule: Rule, subject: str | None = None, category: str | None = None) -> RuleEntry:
    return RuleEntry(
        id=rule.id,
        name=rule.name,
        not_quantified=rule.formula.kind == "not_quantified",
        formula=rule.formula.kind,
        conditions=condition_texts(yr, rule),
        rate=rate_text(yr, rule, subject, category),
        citation=citation_text(rule),
        rule=rule,
    )


def open_rules(yr: YearRules, subject: str, category: str | None = None) -> list[RuleEntry]:
    """Every rule a subject type may apply for, in document order.

    Args:
        yr: the rules in force.
        subject: a subject id (see vocabulary).
        category: a household category id, used to pick the rate that applies (e.g. 三类户).
    """
    return [rule_entry(yr, r, subject, category) for r in yr.rules.values() if subject in r.subjects]


def category_choices(yr: YearRules) -> list[tuple[str, Text]]:
    """Each household category with its label as shown (边缘易致贫户（三类户）)."""
    return [(c.id, category_label(yr.vocabulary, c.id)) for c in yr.vocabulary.categories]


def entry_data(e: RuleEntry) -> dict[str, Any]:
    """JSON-ready form of an entry (for the web API)."""
    return {
        "id": e.id, "name": e.name.model_dump(), "not_quantified": e.not_quantified, "formula": e.formula,
        "conditions": [c.model_dump() for c in e.conditions], "rate": e.rate.model_dump(), "citation": e.citation.model_dump(),
    }
