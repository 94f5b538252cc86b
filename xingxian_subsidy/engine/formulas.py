"""The reference engine's evaluation of each formula kind, registered by kind.

Each function takes the claim's Context, its Draft and the formula, appends the steps that
explain the arithmetic, and returns the amount in 元 before uplifts and caps (unrounded), or None
when an input it needs is not given. The caller runs it inside ``MONEY_CONTEXT``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

from ..core.money import ZERO, exact_yuan, fmt_yuan, num_text, pct_text, quotient_text
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
from ..pack.models import ROUNDINGS, Parameter, ValueRef
from ..pack.semantics import place, pooled_rate
from .context import Context, Draft
from .models import Step
from .plans import citation, shared_check

__all__ = ["EVALUATE", "below_tiers", "counted_units", "evaluates", "pick", "place_tier"]

Evaluator = Callable[[Context, Draft, FormulaBase], "Decimal | None"]
EVALUATE: dict[str, Evaluator] = {}  # formula kind → its evaluation

evaluates = registrar(EVALUATE)  # @evaluates(Kind) files a function under its formula kind


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


def pick(ctx: Context, ref: ValueRef, draft: Draft) -> Parameter | None:
    """The parameter a value refers to: itself, or the first case that applies (None if undecided)."""
    if isinstance(ref, str):
        return ctx.param(ref)
    for case in ref:
        ok = ctx.matches(case.when)
        if ok is None:
            return None
        if ok:
            draft.use(case.interpretations)
            if case.when.group or case.when.not_group:
                draft.use(ctx.group_interpretations())
            return ctx.param(case.param)
    return None


def _unit_of(ctx: Context, name: str) -> str:
    spec = ctx.plan.specs.get(name)
    return spec.unit or "" if spec else ""


def counted_units(ctx: Context, draft: Draft, f: FormulaBase) -> Decimal | None:
    """The units a formula that counts units pays for, with the steps that explain them: the
    quantity accepted (shown beside the one declared, when the formula names it), then each cap
    on units in the rule's order — per claim, or shared with the applicant's earlier claims
    (``ctx.units_used``) — "只计 3 头". None when the quantity, or whether a cap applies, is not given.

    A shared cap's units are recorded in ``draft.units``; ``compute`` adds them to the applicant's
    count once the line is awarded.
    """
    name = f.units()
    assert name is not None
    qty = ctx.need(name)
    if qty is None:
        return None
    unit = _unit_of(ctx, name)
    declared = f.declared_units()
    if declared is not None and declared in ctx.values:
        d, spec = ctx.values[declared], ctx.plan.specs[name]
        draft.steps.append(Step(text=_t(f"申报 {num_text(d)} {unit}，{spec.label.zh} {num_text(qty)} {unit}：按验收数量计",
                                        f"declared {num_text(d)} {unit}, {spec.label.en} {num_text(qty)} {unit}: the accepted quantity counts")))
    for cap in ctx.rule.caps:
        if cap.of != "units":
            continue
        applies = ctx.matches(cap.when)
        found, p = ctx.cap_param(cap.param) if applies else (applies, None)
        if found is None:
            return None
        if not found or p is None:
            draft.use(cap.interpretations)  # the reading that leaves this applicant uncapped
            continue
        if cap.scope == "claim":
            if qty > p.value:
                draft.steps.append(Step(text=_t(f"{p.label.zh} {num_text(p.value)} {p.unit}：{num_text(qty)} {unit}，只计 {num_text(p.value)} {unit}",
                                                f"{p.label.en} {num_text(p.value)} {p.unit}: of {num_text(qty)} {unit} only {num_text(p.value)} count"),
                                        interpretations=cap.interpretations))
                draft.use(cap.interpretations)
                qty = p.value
            continue
        key = ctx.scope_key(cap)
        already = ctx.units_used.get(key, ZERO) + sum((n for k, n in draft.units if k == key), ZERO)
        room = max(p.value - already, ZERO)
        if qty > room:
            before_zh = f"，已计 {num_text(already)} {unit}" if already else ""
            before_en = f", {num_text(already)} already counted" if already else ""
            draft.steps.append(Step(text=_t(
                f"{p.label.zh} {num_text(p.value)} {p.unit}{before_zh}：本项 {num_text(qty)} {unit}，只计 {num_text(room)} {unit}",
                f"{p.label.en} {num_text(p.value)} {p.unit}{before_en}: of {num_text(qty)} {unit} only {num_text(room)} count"),
                interpretations=cap.interpretations))
            draft.use(cap.interpretations)
            qty = room
        draft.units.append((key, qty))
    # what the shared caps counted is what the line pays for: every key gets the final count
    draft.units = [(k, qty) for k, _ in draft.units]
    return qty


@evaluates(PerUnit)
def _per_unit(ctx: Context, draft: Draft, f: PerUnit) -> Decimal | None:
    qty = counted_units(ctx, draft, f)
    p = pick(ctx, f.rate, draft)
    if qty is None or p is None:
        return None
    amount = qty * p.value
    draft.steps.append(Step(
        text=_t(f"{p.label.zh}：{num_text(qty)} {_unit_of(ctx, f.quantity)} × {num_text(p.value)} {p.unit} = {exact_yuan(amount)} 元",
                f"{p.label.en}: {num_text(qty)} {_unit_of(ctx, f.quantity)} × {num_text(p.value)} {p.unit} = {exact_yuan(amount)} yuan"),
        amount=amount))
    return amount


@evaluates(PooledRate)
def _pooled_rate(ctx: Context, draft: Draft, f: PooledRate) -> Decimal | None:
    qty = counted_units(ctx, draft, f)
    if qty is None:
        return None
    pool, total, step = ctx.param(f.pool), ctx.param(f.total), ctx.param(f.rate_step)
    exact, rate = pooled_rate(f, ctx.param)
    unit = _unit_of(ctx, f.quantity)
    how = ROUNDINGS[f.rate_rounding]
    draft.steps.append(Step(text=_t(
        f"{pool.label.zh} {fmt_yuan(pool.value)} 元 ÷ {total.label.zh} {num_text(total.value)} {total.unit} = {quotient_text(exact)} 元/{unit}，"
        f"按 {num_text(step.value)} {step.unit}{how.zh}：{num_text(rate)} 元/{unit}",
        f"{pool.label.en} {fmt_yuan(pool.value)} ÷ {total.label.en} {num_text(total.value)} {total.unit} = {quotient_text(exact)} yuan/{unit}, "
        f"{how.en} to {num_text(step.value)} {step.unit}: {num_text(rate)} yuan/{unit}"), amount=rate))
    amount = qty * rate
    draft.steps.append(Step(text=_t(f"{num_text(qty)} {unit} × {num_text(rate)} 元/{unit} = {exact_yuan(amount)} 元",
                                    f"{num_text(qty)} {unit} × {num_text(rate)} yuan/{unit} = {exact_yuan(amount)} yuan"), amount=amount))
    return amount


@evaluates(Fixed)
def _fixed(ctx: Context, draft: Draft, f: Fixed) -> Decimal | None:
    p = pick(ctx, f.amount, draft)
    if p is None:
        return None
    draft.steps.append(ctx.plan.fixed_step(p))
    return p.value


@evaluates(ShareOfCost)
def _share_of_cost(ctx: Context, draft: Draft, f: ShareOfCost) -> Decimal | None:
    cost = ctx.need(f.cost)
    p = pick(ctx, f.share, draft)
    if cost is None or p is None:
        return None
    amount = cost * p.value
    label = ctx.plan.specs.get(f.cost)
    draft.steps.append(Step(
        text=_t(f"{p.label.zh}：{label.label.zh if label else f.cost} {fmt_yuan(cost)} 元 × {pct_text(p.value)} = {exact_yuan(amount)} 元",
                f"{p.label.en}: {label.label.en if label else f.cost} {fmt_yuan(cost)} yuan × {pct_text(p.value)} = {exact_yuan(amount)} yuan"),
        amount=amount))
    return amount


@evaluates(TierTable)
def _tier_table(ctx: Context, draft: Draft, f: TierTable) -> Decimal | None:
    value = ctx.need(f.input)
    if value is None:
        return None
    draft.use(f.interpretations)
    if f.per_applicant:  # the applicant's total is placed once all its claims are in (compute)
        draft.applicant_value = value
        return ZERO
    return place_tier(ctx, draft, f, value)


def place_tier(ctx: Context, draft: Draft, f: TierTable, value: Decimal, prefix: Text | None = None,
               interpretations: list[str] | None = None) -> Decimal:
    """Place ``value`` in the tiers of ``f``: the step that says where (after ``prefix``, when the
    value needs saying how it was made), the tier on the draft, and the award — or, below every
    tier, the step that says so, the draft ineligible and 0."""
    bounds = ctx.plan.tier_bounds(ctx.yr, f)
    i = place(bounds, value)
    if i is None:
        step = Step(text=below_tiers(ctx, f, value), amount=ZERO)
        draft.status = "ineligible"
    else:
        tier, award, where = bounds[i].tier, bounds[i].award, bounds[i].bounds_text()
        value_text = num_text(value)
        step = ctx.plan.tier_steps.get((i, value_text))
        if step is None:  # the step is shared between lines (see plans)
            step = ctx.plan.tier_steps[(i, value_text)] = Step(
                text=_t(f"{value_text} 元落在{tier.label.zh}（{where}）→ {num_text(award.value)} 元",
                        f"{value_text} yuan falls in {tier.label.en} ({where}) → {num_text(award.value)} yuan"),
                amount=award.value)
        draft.tier = tier.label
    if prefix is not None:
        step = Step(text=_t(prefix.zh + step.text.zh, prefix.en + step.text.en), amount=step.amount, interpretations=interpretations or [])
    draft.steps.append(step)
    return ZERO if i is None else bounds[i].award.value


def below_tiers(ctx: Context, f: TierTable, value: Decimal) -> Text:
    """“999 元未达到最低档（一档起点 1000 元），不予奖补”."""
    first = f.tiers[0]
    lo = num_text(ctx.param(first.lower).value) if first.lower else "—"
    return _t(f"{num_text(value)} 元未达到最低档（{first.label.zh}起点 {lo} 元），不予奖补",
              f"{num_text(value)} yuan is below the lowest tier ({first.label.en} starts at {lo}); no award")


@evaluates(FirstPlusAdditional)
def _first_plus_additional(ctx: Context, draft: Draft, f: FirstPlusAdditional) -> Decimal | None:
    n = ctx.need(f.count)
    if n is None:
        return None
    first, more = ctx.param(f.first), ctx.param(f.additional)
    if n == 0:
        amount = ZERO
        draft.steps.append(Step(text=_t("产品数为 0，不予奖补", "no products; no award"), amount=ZERO))
    else:
        amount = first.value + more.value * (n - 1)
        draft.steps.append(Step(
            text=_t(f"{first.label.zh} {num_text(first.value)} 元 + {more.label.zh} {num_text(more.value)} 元 × ({num_text(n)} − 1) = {fmt_yuan(amount)} 元",
                    f"{first.label.en} {num_text(first.value)} + {more.label.en} {num_text(more.value)} × ({num_text(n)} − 1) = {fmt_yuan(amount)} yuan"),
            amount=amount))
    return amount


@evaluates(DecidedWithinRange)
def _decided_within_range(ctx: Context, draft: Draft, f: DecidedWithinRange) -> Decimal | None:
    amount = ctx.need(f.amount)
    lo, hi = ctx.param(f.min), ctx.param(f.max)
    if amount is None:
        return None
    ok = lo.value <= amount <= hi.value
    draft.checks.append(shared_check(
        id="amount_in_range", label=_t(f"金额在 {num_text(lo.value)}–{num_text(hi.value)} 元之间", f"amount within {num_text(lo.value)}–{num_text(hi.value)} yuan"),
        value=f"{num_text(amount)} 元", threshold=f"{num_text(lo.value)}–{num_text(hi.value)} 元", op="between", boundary_word=None,
        passed=ok, kind="eligibility", citation=citation(ctx.rule, lo.section, lo.quote)))
    if not ok:
        draft.status = "ineligible"
        return ZERO
    draft.steps.append(Step(text=_t(f"县级确定金额 {fmt_yuan(amount)} 元（区间 {num_text(lo.value)}–{num_text(hi.value)} 元内）",
                                    f"amount fixed by the county {fmt_yuan(amount)} yuan (within {num_text(lo.value)}–{num_text(hi.value)})"), amount=amount))
    return amount


@evaluates(InterestAtRate)
def _interest_at_rate(ctx: Context, draft: Draft, f: InterestAtRate) -> Decimal | None:
    vals = [ctx.need(n) for n in (f.principal, f.annual_rate_percent, f.days, f.interest_paid)]
    if any(v is None for v in vals):
        return None
    principal, rate, days, paid = vals
    basis = ctx.param(f.day_basis)
    interest = principal * rate / 100 * days / basis.value
    amount = min(interest, paid)
    draft.steps.append(Step(
        text=_t(f"{fmt_yuan(principal)} 元 × {num_text(rate)}% × {num_text(days)} 天 ÷ {num_text(basis.value)} = {exact_yuan(interest)} 元；不超过实付利息 {fmt_yuan(paid)} 元 → {exact_yuan(amount)} 元",
                f"{fmt_yuan(principal)} × {num_text(rate)}% × {num_text(days)} days ÷ {num_text(basis.value)} = {exact_yuan(interest)}; at most the interest paid {fmt_yuan(paid)} → {exact_yuan(amount)} yuan"),
        amount=amount))
    return amount


@evaluates(NotQuantified)
def _not_quantified(ctx: Context, draft: Draft, f: NotQuantified) -> Decimal | None:
    return ZERO
