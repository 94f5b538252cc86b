"""The reference engine: one applicant's claims → an Award with every step explained.

Pure: no I/O. Every number of policy comes from the rule data (YearRules); the formulas are
evaluated by kind (``formulas.EVALUATE``). Amounts are in 元 (Decimal); each line is rounded
once to 0.01 元 (``money.to_fen``) after its own formula, uplift and per-claim cap, then
cross-claim limits (once per household, exclusive groups, shared caps) work on the rounded
amounts, which are whole 分.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from ..core.money import MONEY_CONTEXT, ROUNDING_STATEMENT, ZERO, exact_yuan, fmt_yuan, num_text, pct_text, to_fen
from ..core.text import Text
from ..pack.loader import RulePack, YearRules
from ..pack.models import Condition
from ..pack.rule import Rule
from ..pack.semantics import CATEGORY
from .context import Context, Draft
from .formulas import EVALUATE
from .models import ApplicantFile, ApplicantInfo, Award, Check, Citation, Claim, InputUsed, LineItem, Step
from .plans import NO, YES, input_text, year_plan

__all__ = ["compute", "evaluate_claim"]


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


_SUBJECT_TYPE = Text(zh="申请主体类型", en="subject type")
_CATEGORY = Text(zh="农户类型", en="household category")
_ROUNDING = Text(**ROUNDING_STATEMENT)


def _check_condition(ctx: Context, cond: Condition, draft: Draft) -> bool | None:
    """Evaluate one condition, record a Check, and return passed (None if undecidable)."""
    if cond.when is not None:
        applies = ctx.matches(cond.when)
        if applies is False:
            return True  # not applicable to this claim
        if applies is None:
            return None
    plan = ctx.plan.cond(ctx.yr, cond)
    check: Check | None
    if cond.any_of is not None:
        results = []
        sub_draft = Draft(draft.rule, draft.project, "", ZERO, [], [], [], [])
        for sub in cond.any_of:
            results.append(_check_condition(ctx, sub, sub_draft))
        passed: bool | None = True if any(r is True for r in results) else (None if any(r is None for r in results) else False)
        draft.checks.extend(sub_draft.checks)
        draft.use(sub_draft.interps)
        check = plan.checks.get((passed,))
        if check is None:
            check = plan.checks[(passed,)] = Check(
                id=cond.id, label=cond.label, value=None, threshold=None, op="any_of", boundary_word=None, passed=passed,
                kind=cond.kind, citation=plan.citation, interpretations=cond.interpretations)
        draft.checks.append(check)
        draft.use(cond.interpretations)
        return passed
    threshold = plan.threshold
    value: Any
    value_text: str | None
    if cond.ratio_of is not None:
        num, den = (ctx.need(n) for n in cond.ratio_of)
        if num is None or den is None:
            value, value_text = None, None
        elif den == 0:
            value, value_text = ZERO, "—"
        else:
            with localcontext(MONEY_CONTEXT):
                value = num / den
            value_text = f"{num_text(num)}/{num_text(den)} = {pct_text(value.quantize(Decimal('0.0001')))}"
    else:
        assert cond.input is not None
        value = ctx.need(cond.input)
        if value is None:
            value_text = None
        elif isinstance(value, bool):
            value_text = "是" if value else "否"
        else:
            value_text = input_text(value) + plan.unit_suffix
    passed2: bool | None
    if value is None:
        passed2 = None
    elif cond.op == "is_true":
        passed2 = value is True
    elif cond.op == "is_false":
        passed2 = value is False
    elif cond.op == "in":
        passed2 = str(value) in (cond.values or [])
    elif cond.op == "not_in":
        passed2 = str(value) not in (cond.values or [])
    else:
        assert threshold is not None
        if cond.ratio_of is not None and value_text == "—":
            passed2 = False
        else:
            passed2 = {"ge": value >= threshold, "gt": value > threshold, "le": value <= threshold, "lt": value < threshold}[cond.op]  # type: ignore[index]
    yes_no = value if cond.op in ("is_true", "is_false") and isinstance(value, bool) else None  # shown as 是/否 in both languages
    key = (value_text, passed2, yes_no)
    check = plan.checks.get(key)
    if check is None:
        check = plan.checks[key] = Check(
            id=cond.id, label=cond.label, value=value_text, threshold=plan.threshold_text, op=cond.op, boundary_word=cond.boundary_word,
            passed=passed2, kind=cond.kind, citation=plan.citation, interpretations=cond.interpretations,
            value_i18n=None if yes_no is None else (YES if yes_no else NO), threshold_i18n=plan.threshold_i18n)
    draft.checks.append(check)
    draft.use(cond.interpretations)
    return passed2


def evaluate_claim(yr: YearRules, info: ApplicantInfo, claim: Claim) -> Draft:
    """Evaluate one claim on its own (before cross-claim limits)."""
    rule = yr.rules[claim.rule]
    inputs = claim.inputs
    ctx = Context(yr, rule, info, dict(inputs))
    plan = ctx.plan
    inputs_used = []
    for name, label, unit, shared in plan.inputs:  # an InputUsed is shared between lines (see _shared)
        if name in inputs:
            text = input_text(inputs[name])
            used = shared.get(text)
            if used is None:
                used = shared[text] = InputUsed(name=name, label=label, value=text, unit=unit)
            inputs_used.append(used)
    draft = Draft(rule=rule, project=claim.project, status="awarded", amount=ZERO, inputs=inputs_used, checks=[], steps=[], missing=[])
    draft.use(rule.interpretations)

    subject_ok = info.subject in rule.subjects
    check = plan.subject_checks.get(info.subject)
    if check is None:
        check = plan.subject_checks[info.subject] = _subject_check(year_plan(yr).subject_labels, rule, plan.citation, info.subject)
    draft.checks.append(check)

    results = [_check_condition(ctx, c, draft) for c in rule.conditions]
    failed = [c for c, r in zip(rule.conditions, results) if r is False]
    if not subject_ok or failed:
        draft.status = "excluded" if failed and all(c.kind == "exclusion" for c in failed) and subject_ok else "ineligible"
    elif rule.formula.kind == "not_quantified":
        draft.status = "not_quantified" if None not in results else "undecided"
        draft.steps.append(Step(text=_t("文件未规定具体金额或比例：列出以供申请，不计算金额", "the document names this support without a figure: listed, not computed")))
    elif None in results:
        draft.status = "undecided"
    else:
        with localcontext(MONEY_CONTEXT):
            amount = EVALUATE[rule.formula.kind](ctx, draft, rule.formula)
        if amount is None:
            draft.status = "undecided"
        elif draft.status == "awarded":
            amount = _modifiers(ctx, draft, amount)
            if amount is None:  # an uplift or cap depends on an input not given
                draft.status = "undecided"
            else:
                draft.amount = to_fen(amount)
                if draft.amount != amount:
                    draft.steps.append(Step(text=_t(f"四舍五入到分：{fmt_yuan(draft.amount)} 元", f"rounded to the fen: {fmt_yuan(draft.amount)} yuan"), amount=draft.amount))
    if ctx.missing:
        draft.missing = [_missing_used(rule, name) for name in ctx.missing]
    return draft


def _subject_check(subject_labels: dict[str, Text], rule: Rule, citation: Citation, subject: str) -> Check:
    """The check that the applicant's subject type is one the rule is open to."""
    allowed = "、".join(subject_labels[s].zh for s in rule.subjects)
    return Check(
        id="subject", label=_SUBJECT_TYPE,
        value=subject_labels[subject].zh if subject in subject_labels else subject, threshold=allowed, op="in", boundary_word="属于",
        passed=subject in rule.subjects, kind="eligibility", citation=citation,
        value_i18n=subject_labels.get(subject),
        threshold_i18n=_t(allowed, "; ".join(subject_labels[s].en for s in rule.subjects)))


def _missing_used(rule: Rule, name: str) -> InputUsed:
    if name == CATEGORY:
        return InputUsed(name=CATEGORY, label=_CATEGORY, value="", unit=None)
    spec = rule.input_spec(name)
    assert spec is not None
    return InputUsed(name=name, label=spec.label, value="", unit=spec.unit)


def _modifiers(ctx: Context, draft: Draft, amount: Decimal) -> Decimal | None:
    """Apply uplifts and per-claim caps; None when one of them depends on an input not given."""
    with localcontext(MONEY_CONTEXT):
        for up in ctx.rule.uplifts:
            applies = ctx.matches(up.when)
            if applies is None:
                return None
            if applies:
                factor = ctx.param(up.factor)
                new = amount * (1 + factor.value)
                draft.steps.append(Step(
                    text=_t(f"{factor.label.zh}：{exact_yuan(amount)} 元 ×（1 + {pct_text(factor.value)}）= {exact_yuan(new)} 元",
                            f"{factor.label.en}: {exact_yuan(amount)} × (1 + {pct_text(factor.value)}) = {exact_yuan(new)} yuan"),
                    amount=new, interpretations=up.interpretations))
                draft.use(up.interpretations)
                draft.use(ctx.group_interpretations())
                amount = new
        for cap in ctx.rule.caps:
            if cap.scope != "claim":
                continue
            capped = ctx.matches(cap.when)
            if capped is None:
                return None
            if not capped:
                draft.use(cap.interpretations)  # the reading that leaves this applicant uncapped
                continue
            p = ctx.param(cap.param)
            if amount > p.value:
                draft.steps.append(Step(
                    text=_t(f"{p.label.zh} {fmt_yuan(p.value)} 元：{exact_yuan(amount)} 元调减为 {fmt_yuan(p.value)} 元",
                            f"{p.label.en} {fmt_yuan(p.value)}: {exact_yuan(amount)} reduced to {fmt_yuan(p.value)} yuan"),
                    amount=p.value, interpretations=cap.interpretations))
                draft.use(cap.interpretations)
                amount = p.value
    return amount


def _keep_highest(group: list[Draft], loser_text: Any, winner_text: Text | None) -> None:
    """Of drafts that exclude each other, pay the highest (the first of equals); the rest become 0."""
    if len(group) <= 1:
        return
    best = max(group, key=lambda x: x.amount)
    for d in group:
        if d is best:
            if winner_text is not None:
                d.steps.append(Step(text=winner_text, amount=d.amount))
        else:
            d.steps.append(Step(text=loser_text(best), amount=ZERO))
            d.amount, d.status = ZERO, "limited"
        d.use(d.rule.interpretations)


def _cross_claim(yr: YearRules, info: ApplicantInfo, drafts: list[Draft]) -> None:
    """Once-per-household limits, exclusive groups and shared caps, in claim order."""
    once: dict[tuple, list[Draft]] = {}
    exclusive: dict[tuple, list[Draft]] = {}
    for i, d in enumerate(drafts):
        if d.status != "awarded":
            continue
        if d.rule.once_per_applicant:
            once.setdefault((d.rule.once_per_applicant,), []).append(d)
        if d.rule.exclusive_group:
            project = d.project if d.project is not None else f"#claim{i}"
            exclusive.setdefault((project, d.rule.exclusive_group), []).append(d)
    for group in once.values():
        _keep_highest(group, lambda best: _t(
            f"每户限享受一次：按 {best.rule.name.zh} {fmt_yuan(best.amount)} 元支付（取最高），本项计 0 元",
            f"once per household: {best.rule.name.en} {fmt_yuan(best.amount)} is paid (the highest); this line is 0"), None)
    for (project, _), group in exclusive.items():
        _keep_highest(group, lambda best, project=project: _t(
            f"同一项目（{project}）择高支付：已按 {best.rule.name.zh} {fmt_yuan(best.amount)} 元支付，本项计 0 元",
            f"one award per project ({project}): {best.rule.name.en} {fmt_yuan(best.amount)} is paid instead; this line is 0"),
            _t(f"同一项目（{project}）的建设类奖补择高支付：本项最高，予以支付",
               f"one construction award per project ({project}), the highest: this one is paid"))

    used: dict[tuple, Decimal] = {}
    for i, d in enumerate(drafts):
        if d.status != "awarded":
            continue
        ctx: Context | None = None  # made at the first cap across claims (most lines have none)
        for cap in d.rule.caps:
            if cap.scope == "claim":
                continue
            if ctx is None:
                ctx = Context(yr, d.rule, info, {})
            applies = ctx.matches(cap.when)
            if applies is None:  # whether the cap binds depends on an input not given (the category)
                d.status, d.amount = "undecided", ZERO
                d.missing += [_missing_used(d.rule, n) for n in ctx.missing if n not in {m.name for m in d.missing}]
                break
            if not applies:
                d.use(cap.interpretations)  # the reading that leaves this applicant uncapped
                continue
            scope_key = d.project if cap.scope == "project" and d.project is not None else (f"#claim{i}" if cap.scope == "project" else "applicant")
            key = (cap.scope, scope_key, cap.group)
            p = yr.param(d.rule, cap.param)
            already = used.get(key, ZERO)
            room = max(p.value - already, ZERO)
            if d.amount > room:
                d.steps.append(Step(
                    text=_t(f"{p.label.zh} {fmt_yuan(p.value)} 元，已享受 {fmt_yuan(already)} 元：本项由 {fmt_yuan(d.amount)} 元调减为 {fmt_yuan(room)} 元",
                            f"{p.label.en} {fmt_yuan(p.value)}, already {fmt_yuan(already)}: this line reduced from {fmt_yuan(d.amount)} to {fmt_yuan(room)} yuan"),
                    amount=room, interpretations=cap.interpretations))
                d.amount = room
                d.use(cap.interpretations)
                if room == 0:
                    d.status = "limited"
            used[key] = already + d.amount


def compute(applicant: ApplicantFile, yr: YearRules, pack: RulePack | None = None) -> Award:
    """Compute an applicant's award with its full explanation.

    Args:
        applicant: a parsed applicant (see parse_applicant): subject and category
            resolved to ids, inputs typed.
        yr: the rules in force for ``applicant.year``.
        pack: the rule pack, for the version stamp.

    Returns:
        The Award: one LineItem per claim, in claim order; total in 元 = sum of lines.
    """
    info = applicant.applicant
    drafts = [evaluate_claim(yr, info, c) for c in applicant.claims]
    _cross_claim(yr, info, drafts)
    year = year_plan(yr)
    lines = [
        LineItem(rule_id=d.rule.id, name=d.rule.name, project=d.project, status=d.status, amount=to_fen(d.amount), inputs=d.inputs,
                 checks=d.checks, steps=d.steps, missing=d.missing, citation=year.rule(d.rule).citation, interpretations=d.interps)
        for d in drafts
    ]
    total = to_fen(sum((line.amount for line in lines), ZERO))  # exact: a sum of whole 分
    claimed = {c.rule for c in applicant.claims}
    also = [rid for rid in year.open_rules(yr, info.subject) if rid not in claimed]
    used = sorted({i for line in lines for i in line.interpretations})
    return Award(
        applicant=info, year=applicant.year, lines=lines, total=total, also_eligible=also,
        interpretations=[yr.interpretations[i] for i in used],
        rule_pack=pack.label if pack else "unknown", sources=year.sources, rounding=_ROUNDING,
    )
