"""“How close am I?” hints, computed from the rule data and the engine.

Three kinds of hint, each with zh and en text:

* ``next_tier``: a tier_table line that could reach a higher tier — how much
  more of the input reaches it and what the line would then pay (a tier on the
  household's total: one hint, on the line the household is paid on, about the total);
* ``threshold``: a failed numeric condition (``ge``/``gt``) — how far the value
  is from the threshold, and what the line would pay once it is met;
* ``related``: rules open to the applicant's subject type that were not claimed
  (not-quantified ones marked).

Every threshold, bound and amount is read from the rules; “what it would then
pay” comes from re-running :func:`engine.compute` with the one value raised,
so caps, uplifts and once-per-household limits all apply (given the applicant's
``Evaluation``, only the claim whose value is raised is evaluated again). Amounts in 元, Decimal.
No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..core.money import fmt_yuan, num_text
from ..core.text import Text
from ..engine.compute import Evaluation, Outcome, compute
from ..engine.models import ApplicantFile, Award, Claim
from ..pack.formulas import TierTable
from ..pack.loader import YearRules
from ..pack.models import InputSpec
from .screening import param_text, rate_text

__all__ = ["Hint", "compute_hints", "hint_data", "rerun"]

HintKind = Literal["next_tier", "threshold", "related"]


@dataclass(frozen=True)
class Hint:
    """One hint.

    Attributes:
        kind: next_tier, threshold or related.
        rule_id: the rule it is about.
        claim: index of the claim it is about (None for related rules).
        text: zh and en sentence.
        input: the input to raise (None for related).
        gap: how much more of that input is needed, in the input's unit.
        target: the value the input would need (the smallest that qualifies).
        amount_then: the line's amount (元) once the target is reached.
        total_then: the applicant's total (元) once the target is reached.
        not_quantified: for related rules the document names without a figure.
    """

    kind: HintKind
    rule_id: str
    text: Text
    claim: int | None = None
    input: str | None = None
    gap: Decimal | None = None
    target: Decimal | None = None
    amount_then: Decimal | None = None
    total_then: Decimal | None = None
    not_quantified: bool = False


def _step(spec: InputSpec) -> Decimal:
    """The smallest increase the input can express: 1 for whole numbers, 1 分 / 0.01 otherwise."""
    return Decimal(1) if spec.type == "integer" else Decimal("0.01")


def rerun(applicant: ApplicantFile, yr: YearRules, index: int, values: dict[str, Any], evaluation: Evaluation | None = None) -> Award | Outcome:
    """The award again (its figures: lines with status, amount and checks, and the total), with
    claim ``index``'s inputs updated by ``values`` (caps and limits apply). Given ``applicant``'s
    evaluation, only what the change touches is evaluated again, and only the figures are made."""
    if evaluation is not None:
        return evaluation.with_inputs(index, values).outcome()
    claims = list(applicant.claims)
    c = claims[index]
    claims[index] = Claim(rule=c.rule, project=c.project, inputs={**c.inputs, **values})
    return compute(applicant.model_copy(update={"claims": claims}), yr)


def _then(award: Award | Outcome, index: int) -> tuple[Text, Decimal, Decimal]:
    line = award.lines[index]
    if line.status == "awarded":
        t = Text(zh=f"本项奖补 {fmt_yuan(line.amount)} 元", en=f"this line would pay {fmt_yuan(line.amount)} yuan")
    else:
        failed = [c.label for c in line.checks if c.passed is False]
        if failed:
            t = Text(zh="但仍有条件未满足：" + "、".join(f.zh for f in failed), en="but other conditions are still not met: " + "; ".join(f.en for f in failed))
        elif line.status == "undecided":
            t = Text(zh="还需补充其他信息", en="further information is still needed")
        else:
            t = Text(zh=f"本项计 {fmt_yuan(line.amount)} 元", en=f"this line would be {fmt_yuan(line.amount)} yuan")
    return t, line.amount, award.total


def _tier_hint(applicant: ApplicantFile, yr: YearRules, award: Award, i: int, ev: Evaluation | None) -> Hint | None:
    claim = applicant.claims[i]
    rule = yr.rules[claim.rule]
    f = rule.formula
    line = award.lines[i]
    if not isinstance(f, TierTable) or any(c.passed is False for c in line.checks):
        return None
    value = claim.inputs.get(f.input)
    spec = rule.input_spec(f.input)
    if not isinstance(value, Decimal) or spec is None:
        return None
    unit = spec.unit or ""
    placed, name = value, spec.label  # the value the tiers place, and what it is called
    if f.per_applicant:  # the household's total is placed: one hint, on the claim that carries it
        counted = _counted(award, rule.id)
        if not counted or counted[0] != i:
            return None
        values = [applicant.claims[k].inputs.get(f.input) for k in counted]
        if not all(isinstance(v, Decimal) for v in values):
            return None
        placed = sum(values, Decimal(0))  # type: ignore[arg-type]
        if len(counted) > 1:
            name = Text(zh=f"本户{spec.label.zh}（{len(counted)} 项合计 {num_text(placed)} {unit}）",
                        en=f"the household's {spec.label.en} ({len(counted)} claims, {num_text(placed)} {unit} in all)")
    for tier in f.tiers:  # the first tier that starts above the value (pack.semantics.TierBound: the bounds)
        if not tier.lower:
            continue
        lo = yr.param(rule, tier.lower)
        if lo.value < placed or (lo.value == placed and tier.lower_inclusive):
            continue
        # the first tier that starts above the value: the next one up (this claim's input raised by the gap)
        gap = lo.value - placed
        target = value + gap + (Decimal(0) if tier.lower_inclusive else _step(spec))
        after = rerun(applicant, yr, i, {f.input: target}, ev)
        then, amount, total = _then(after, i)
        if after.total <= award.total:
            return None  # a cap already binds: reaching the next tier would bring nothing more
        if tier.lower_inclusive:
            zh = f"{rule.name.zh}：{name.zh}再增加 {num_text(gap)} {unit}（达到 {num_text(lo.value)} {unit}）可达{tier.label.zh}，{then.zh}"
            en = f"{rule.name.en}: {num_text(gap)} {unit} more {name.en} (reaching {num_text(lo.value)} {unit}) reaches {tier.label.en}; {then.en}"
        elif gap > 0:
            zh = f"{rule.name.zh}：{name.zh}再增加超过 {num_text(gap)} {unit}（即超过 {num_text(lo.value)} {unit}）可达{tier.label.zh}，{then.zh}"
            en = f"{rule.name.en}: more than {num_text(gap)} {unit} more {name.en} (over {num_text(lo.value)} {unit}) reaches {tier.label.en}; {then.en}"
        else:
            zh = f"{rule.name.zh}：{name.zh}正好 {num_text(placed)} {unit}，再有任何增加（超过 {num_text(lo.value)} {unit}）即可达{tier.label.zh}，{then.zh}"
            en = f"{rule.name.en}: {name.en} is exactly {num_text(placed)} {unit}; anything more (over {num_text(lo.value)} {unit}) reaches {tier.label.en}; {then.en}"
        return Hint(kind="next_tier", rule_id=rule.id, claim=i, text=Text(zh=zh, en=en), input=f.input, gap=gap, target=target,
                    amount_then=amount, total_then=total)
    return None


def _counted(award: Award, rule_id: str) -> list[int] | None:
    """The claims a tier table on the household's total counts, in claim order (those that passed
    their conditions: paid, 0 beside the one paid, or below every tier); None while it is undecided."""
    out = []
    for k, line in enumerate(award.lines):
        if line.rule_id != rule_id:
            continue
        if line.status == "undecided":
            return None
        if line.status in ("awarded", "limited") or (line.status == "ineligible" and not any(c.passed is False for c in line.checks)):
            out.append(k)
    return out


def _threshold_hints(applicant: ApplicantFile, yr: YearRules, award: Award, i: int, ev: Evaluation | None) -> list[Hint]:
    claim = applicant.claims[i]
    rule = yr.rules[claim.rule]
    line = award.lines[i]
    failed = {c.id for c in line.checks if c.passed is False}
    out: list[Hint] = []
    for cond in rule.conditions:
        if cond.id not in failed or cond.op not in ("ge", "gt") or not cond.input or not cond.threshold:
            continue
        spec = rule.input_spec(cond.input)
        value = claim.inputs.get(cond.input)
        if spec is None or not isinstance(value, Decimal):
            continue
        thr = yr.param(rule, cond.threshold)
        target = thr.value if cond.op == "ge" else thr.value + _step(spec)
        gap = thr.value - value
        after = rerun(applicant, yr, i, {cond.input: target}, ev)
        then, amount, total = _then(after, i)
        unit = spec.unit or ""
        more_zh = "" if cond.op == "ge" else "超过 "
        more_en = "" if cond.op == "ge" else "more than "
        zh = (f"{rule.name.zh}：{spec.label.zh}再增加 {more_zh}{num_text(gap)} {unit} 可达 {param_text(thr)} 标准"
              f"（{cond.label.zh}），{then.zh}")
        en = (f"{rule.name.en}: {more_en}{num_text(gap)} {unit} more {spec.label.en} reaches the {param_text(thr)} standard"
              f" ({cond.label.en}); {then.en}")
        out.append(Hint(kind="threshold", rule_id=rule.id, claim=i, text=Text(zh=zh, en=en), input=cond.input, gap=gap, target=target,
                        amount_then=amount, total_then=total))
    return out


def _open_to(yr: YearRules, subject: str, category: str | None) -> list[tuple[str, Hint]]:
    """Every rule open to a subject (and category), as a related hint: the same for everyone of
    that subject and category, so made once per rule pack and kept with it."""
    cache: dict[tuple[str, str | None], list[tuple[str, Hint]]] = yr.__dict__.setdefault("_related_hints", {})
    key = (subject, category)
    found = cache.get(key)
    if found is None:
        found = []
        for rid, rule in yr.rules.items():
            if subject not in rule.subjects:
                continue
            nq = rule.formula.kind == "not_quantified"
            if nq:
                text = Text(zh=f"{rule.name.zh}（文件未量化金额）", en=f"{rule.name.en} (no figure in the document)")
            else:
                rate = rate_text(yr, rule, subject, category)
                text = Text(zh=f"{rule.name.zh}：{rate.zh}", en=f"{rule.name.en}: {rate.en}")
            found.append((rid, Hint(kind="related", rule_id=rid, text=text, not_quantified=nq)))
        if len(cache) < 1024:  # subjects and categories are a vocabulary: a handful of keys
            cache[key] = found
    return found


def _related(applicant: ApplicantFile, yr: YearRules) -> list[Hint]:
    info = applicant.applicant
    claimed = {c.rule for c in applicant.claims}
    once = {yr.rules[r].once_per_applicant for r in claimed if r in yr.rules} - {None}
    out: list[Hint] = []
    for rid, hint in _open_to(yr, info.subject, info.category):
        if rid in claimed:
            continue
        once_group = yr.rules[rid].once_per_applicant
        if once_group and once_group in once:
            continue  # e.g. a second household toilet: once per household
        out.append(hint)
    return out


def compute_hints(applicant: ApplicantFile, yr: YearRules, award: Award | None = None, evaluation: Evaluation | None = None) -> list[Hint]:
    """All hints for a parsed applicant (see engine.parse_applicant).

    Args:
        applicant: subject/category resolved, inputs typed.
        yr: the rules in force.
        award: the award already computed for ``applicant`` (computed here if None).
        evaluation: ``applicant``'s evaluation (``award`` is its award): “what it would then
            pay” reuses it, evaluating again only the claim a hint raises a value of.

    Returns:
        next_tier and threshold hints in claim order, then related rules in document order.
    """
    award = award or compute(applicant, yr)
    out: list[Hint] = []
    for i in range(len(applicant.claims)):
        tier = _tier_hint(applicant, yr, award, i, evaluation)
        if tier:
            out.append(tier)
        out.extend(_threshold_hints(applicant, yr, award, i, evaluation))
    out.extend(_related(applicant, yr))
    return out


def hint_data(h: Hint) -> dict[str, Any]:
    """JSON-ready form; Decimals as strings."""
    def s(d: Decimal | None) -> str | None:
        return None if d is None else format(d, "f")

    return {
        "kind": h.kind, "rule_id": h.rule_id, "claim": h.claim, "text": h.text.model_dump(), "input": h.input,
        "gap": s(h.gap), "target": s(h.target), "amount_then": s(h.amount_then), "total_then": s(h.total_then),
        "not_quantified": h.not_quantified,
    }
