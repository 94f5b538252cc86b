"""The reference engine: one applicant's claims → an Award with every step explained.

Pure: no I/O. Every number of policy comes from the rule data (YearRules); the formulas are
evaluated by kind (``formulas.EVALUATE``). Amounts are in 元 (Decimal). The order, per claim in
claim order: conditions; the units a formula counts, under caps on units (per claim, or shared
with the applicant's earlier awarded claims); the formula; uplifts; caps on the amount per
claim; the one rounding to 0.01 元 (``money.to_fen``). Then across claims: first a tier table on
the applicant's total (``basis: applicant``) places the total of the claims that passed their
conditions and pays it on the first of them; then, on the rounded amounts (whole 分): once per
household, exclusive groups, and caps on the amount shared between
claims — a line pays the least of its amount and the room left under each cap that applies to
it, and that payment counts under every one of them. Last, a tranche (本次兑付 50%) is the
share of the line's amount paid this time, rounded to the 分 as the pack states.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any, Callable, NamedTuple

from ..core.money import FEN, MONEY_CONTEXT, PERCENT, ROUNDING_STATEMENT, SHARE, ZERO, exact_yuan, fmt_yuan, num_text, pct_text, quotient_text, round_to, to_fen
from ..core.text import Text
from ..pack.formulas import TierTable
from ..pack.loader import RulePack, YearRules
from ..pack.models import ROUNDINGS, Cap, Condition, Parameter
from ..pack.rule import Rule
from ..pack.semantics import CATEGORY, category_label
from .context import UNLABELLED, Context, Draft, project_key
from .formulas import EVALUATE, place_tier
from .models import ApplicantFile, ApplicantInfo, Award, Check, Citation, Claim, InputUsed, LineItem, Step
from .plans import NO, YES, input_text, year_plan

__all__ = ["ClaimRefs", "Evaluation", "LineOutcome", "Outcome", "claim_numbers", "compute", "evaluate_claim"]


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
        known = len(ctx.missing)
        for sub in cond.any_of:
            results.append(_check_condition(ctx, sub, sub_draft))
        passed: bool | None = True if any(r is True for r in results) else (None if any(r is None for r in results) else False)
        if passed is not None:  # an alternative that held (or every one failing) decides: the others' missing inputs are not needed
            del ctx.missing[known:]
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
    if cond.category:
        return _check_category(ctx, cond, draft)
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
            if plan.threshold_unit in (SHARE, PERCENT):  # a share, shown as a percentage
                value_text = f"{num_text(num)}/{num_text(den)} = {pct_text(value.quantize(Decimal('0.0001')))}"
            else:  # a ratio in the threshold's unit: 500 棒 ÷ 12 m² = 41.66… 棒/m²
                nu, du = (plan.unit_of(n) for n in cond.ratio_of)
                value_text = f"{num_text(num)}{nu} ÷ {num_text(den)}{du} = {quotient_text(value)} {plan.threshold_unit}"
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


def _check_category(ctx: Context, cond: Condition, draft: Draft) -> bool | None:
    """A category condition ("监测对象 only"): the applicant's household category against the
    groups or categories named; a household without one is undecided (需补充：农户类型)."""
    plan = ctx.plan.cond(ctx.yr, cond)
    assert plan.match is not None
    passed = ctx.matches(plan.match)
    category = ctx.info.category
    shown = category_label(ctx.yr.vocabulary, category) if category is not None else None
    key = (category, passed, None)
    check = plan.checks.get(key)
    if check is None:
        check = plan.checks[key] = Check(
            id=cond.id, label=cond.label, value=shown.zh if shown else None, threshold=plan.threshold_text, op=cond.op,
            boundary_word=cond.boundary_word, passed=passed, kind=cond.kind, citation=plan.citation, interpretations=cond.interpretations,
            value_i18n=shown, threshold_i18n=plan.threshold_i18n)
    draft.checks.append(check)
    draft.use(cond.interpretations)
    if passed is not None:
        draft.use(ctx.group_interpretations())
    return passed


def evaluate_claim(yr: YearRules, info: ApplicantInfo, claim: Claim, index: int = 0, units_used: dict[tuple, Decimal] | None = None) -> Draft:
    """Evaluate one claim on its own (before cross-claim limits on the amount).

    Args:
        index: the claim's place among the applicant's claims (a claim without a project label
            is a project of its own).
        units_used: units counted so far under each cap on units shared between claims; the
            claim reads it and ``compute`` adds the claim's units once it is awarded.
    """
    rule = yr.rules[claim.rule]
    inputs = claim.inputs
    ctx = Context(yr, rule, info, dict(inputs), index, units_used, claim.project)
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
    if rule.paid_in_kind is not None:
        draft.use(rule.paid_in_kind.interpretations)

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
                _round(draft, amount)
    if ctx.missing:
        draft.missing = [_missing_used(rule, name) for name in ctx.missing]
    return draft


def _round(draft: Draft, amount: Decimal) -> None:
    """The line's one rounding, to the 分 (with a step when it changes the amount)."""
    draft.amount = to_fen(amount)
    if draft.amount != amount:
        draft.steps.append(Step(text=_t(f"四舍五入到分：{fmt_yuan(draft.amount)} 元", f"rounded to the fen: {fmt_yuan(draft.amount)} yuan"), amount=draft.amount))


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
            if cap.scope != "claim" or cap.of != "amount":
                continue
            capped = ctx.matches(cap.when)
            found, p = ctx.cap_param(cap.param) if capped else (capped, None)
            if found is None:
                return None
            if not found or p is None:
                draft.use(cap.interpretations)  # the reading that leaves this applicant uncapped
                continue
            if amount > p.value:
                draft.steps.append(Step(
                    text=_t(f"{p.label.zh} {fmt_yuan(p.value)} 元：{exact_yuan(amount)} 元调减为 {fmt_yuan(p.value)} 元",
                            f"{p.label.en} {fmt_yuan(p.value)}: {exact_yuan(amount)} reduced to {fmt_yuan(p.value)} yuan"),
                    amount=p.value, interpretations=cap.interpretations))
                draft.use(cap.interpretations)
                amount = p.value
    return amount


ClaimRefs = Callable[[list[int]], Text]  # claim indices → how a line names them


def claim_numbers(idx: list[int]) -> Text:
    """Claims named by their number in the applicant's file: “第 1、2 项申报”, "claims 1, 2"."""
    nums = [str(i + 1) for i in idx]
    return _t(f"第 {'、'.join(nums)} 项申报", f"claim{'s' if len(nums) > 1 else ''} {', '.join(nums)}")


def _applicant_tiers(yr: YearRules, info: ApplicantInfo, drafts: list[Draft], refs: ClaimRefs) -> None:
    """Tier tables on the applicant's total (``basis: applicant``): per rule, the inputs of the
    claims that passed their own conditions (``Draft.applicant_value``) are added up and the total
    placed once; the award is paid on the first of those claims in claim order, the others are 0
    and say where it is. While a claim of the rule is undecided, so is every claim it would count with."""
    by_rule: dict[str, list[int]] = {}
    for i, d in enumerate(drafts):
        f = d.rule.formula
        if isinstance(f, TierTable) and f.per_applicant and d.status in ("awarded", "undecided"):
            by_rule.setdefault(d.rule.id, []).append(i)
    household = info.subject in yr.vocabulary.household_subjects
    who = _t("本户", "the household") if household else _t("本申请人", "the applicant")
    basis = _t("按户合计定档", "tiered on the household's total") if household else _t("按申请人合计定档", "tiered on the applicant's total")
    for idx in by_rule.values():
        counted = [i for i in idx if drafts[i].status == "awarded"]
        waiting = [i for i in idx if drafts[i].status == "undecided"]
        if not counted:
            continue
        rule = drafts[counted[0]].rule
        f = rule.formula
        assert isinstance(f, TierTable)
        spec = rule.input_spec(f.input)
        label = spec.label if spec is not None else _t(f.input, f.input)
        unit = f" {spec.unit}" if spec is not None and spec.unit else ""
        unit_en = " yuan" if unit == " 元" else unit
        interps = list(f.interpretations)
        if waiting:
            ref = refs(waiting)
            step = Step(text=_t(f"{basis.zh}：{who.zh}{ref.zh}尚待补充信息，{label.zh}合计未定，本项待定",
                                f"{basis.en}: {who.en}'s {ref.en} needs information, so its total {label.en} is not known; this line waits"),
                        interpretations=interps)
            for i in counted:
                d = drafts[i]
                d.status, d.amount = "undecided", ZERO
                d.steps.append(step)
            continue
        values = [drafts[i].applicant_value for i in counted]
        assert all(v is not None for v in values)
        with localcontext(MONEY_CONTEXT):
            total = sum(values, ZERO)  # type: ignore[arg-type]
        first = drafts[counted[0]]
        ctx = Context(yr, rule, info, {}, counted[0], project=first.project)
        prefix = None  # one claim counted: its own value is the total, placed as any claim's
        if len(counted) > 1:
            ref = refs(counted)
            terms = " + ".join(num_text(v) for v in values)  # type: ignore[arg-type]
            prefix = _t(f"{basis.zh}：{who.zh} {len(counted)} 项{rule.name.zh}（{ref.zh}）的{label.zh}合计 {terms} = ",
                        f"{basis.en}: {label.en} of its {len(counted)} claims of {rule.name.en} ({ref.en}): {terms} = ")
        _round(first, place_tier(ctx, first, f, total, prefix, interps))
        paid = refs(counted[:1])
        paid_on = f"{who.zh}{paid.zh}" + (f"（项目 {first.project}）" if first.project else "")
        paid_on_en = f"{who.en}'s {paid.en}" + (f" (project {first.project})" if first.project else "")
        for i in counted[1:]:
            d = drafts[i]
            if first.status == "ineligible":
                d.status = "ineligible"
                text = _t(f"{basis.zh}：{who.zh}{label.zh}合计 {num_text(total)}{unit}，未达到最低档，不予奖补（合计见{paid_on}）",
                          f"{basis.en}: its total {label.en}, {num_text(total)}{unit_en}, is below the lowest tier; no award (the total is on {paid_on_en})")
            else:
                d.status = "limited"
                assert first.tier is not None
                text = _t(f"{basis.zh}：{who.zh}{label.zh}合计 {num_text(total)}{unit}，落在{first.tier.zh}，奖补 {fmt_yuan(first.amount)} 元"
                          f"计在{paid_on}上，本项计 0 元",
                          f"{basis.en}: its total {label.en}, {num_text(total)}{unit_en}, falls in {first.tier.en}; the award {fmt_yuan(first.amount)} yuan "
                          f"is paid on {paid_on_en}; this line is 0")
            d.amount = ZERO
            d.steps.append(Step(text=text, amount=ZERO, interpretations=interps))


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


def _project_key(d: Draft, i: int) -> tuple:
    return project_key(d.rule, d.project, i)


def _project_name(project: tuple) -> Text:
    """A project (``context.project_key``) as a line names it: its label, or what the unlabelled claims are."""
    if project == UNLABELLED:
        return _t("未填项目标签的各项，按同一项目处理；确属不同项目的请填写项目标签", "the claims without a project label, taken as one project; label separate projects")
    return _t(str(project[-1]), str(project[-1]))


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
            exclusive.setdefault((_project_key(d, i), d.rule.exclusive_group), []).append(d)
    for group in once.values():
        _keep_highest(group, lambda best: _t(
            f"每户限享受一次：按 {best.rule.name.zh} {fmt_yuan(best.amount)} 元支付（取最高），本项计 0 元",
            f"once per household: {best.rule.name.en} {fmt_yuan(best.amount)} is paid (the highest); this line is 0"), None)
    for (project, _), group in exclusive.items():
        name = _project_name(project)
        _keep_highest(group, lambda best, name=name: _t(
            f"同一项目（{name.zh}）择高支付：已按 {best.rule.name.zh} {fmt_yuan(best.amount)} 元支付，本项计 0 元",
            f"one award per project ({name.en}): {best.rule.name.en} {fmt_yuan(best.amount)} is paid instead; this line is 0"),
            _t(f"同一项目（{name.zh}）的建设类奖补择高支付：本项最高，予以支付",
               f"one construction award per project ({name.en}), the highest: this one is paid"))

    used: dict[tuple, Decimal] = {}
    for i, d in enumerate(drafts):
        if d.status != "awarded":
            continue
        shared = [cap for cap in d.rule.caps if cap.scope != "claim" and cap.of == "amount"]
        if not shared:
            continue
        ctx = Context(yr, d.rule, info, {}, i, project=d.project)
        binding: list[_Room] = []  # each cap that applies to this line
        undecided = False
        for cap in shared:
            applies = ctx.matches(cap.when)
            found, p = ctx.cap_param(cap.param) if applies else (applies, None)
            if found is None:  # whether the cap binds depends on an input not given (the category)
                undecided = True
                break
            if not found or p is None:
                d.use(cap.interpretations)  # the reading that leaves this applicant uncapped
                continue
            key = ctx.scope_key(cap)
            already = used.get(key, ZERO)
            binding.append(_Room(cap, p, already, max(p.value - already, ZERO), key))
        if undecided:
            d.status, d.amount = "undecided", ZERO
            d.missing += [_missing_used(d.rule, n) for n in ctx.missing if n not in {m.name for m in d.missing}]
            continue
        if not binding:
            continue
        cap, p, already, room, _ = min(binding, key=lambda b: b.room)  # the tightest (the first of equals)
        if d.amount > room:
            d.steps.append(Step(
                text=_t(f"{p.label.zh} {fmt_yuan(p.value)} 元，已享受 {fmt_yuan(already)} 元：本项由 {fmt_yuan(d.amount)} 元调减为 {fmt_yuan(room)} 元",
                        f"{p.label.en} {fmt_yuan(p.value)}, already {fmt_yuan(already)}: this line reduced from {fmt_yuan(d.amount)} to {fmt_yuan(room)} yuan"),
                amount=room, interpretations=cap.interpretations))
            d.amount = room
            d.use(cap.interpretations)
            if room == 0:
                d.status = "limited"
        for b in binding:
            used[b.key] = b.already + d.amount


class _Room(NamedTuple):
    """A shared cap that applies to a line: its limit, what its group has used, the room left."""

    cap: Cap
    param: Parameter
    already: Decimal
    room: Decimal
    key: tuple


def _tranche(yr: YearRules, d: Draft) -> None:
    """The part paid this time (本次兑付 50%): the line's amount × the share, rounded to the 分 as stated."""
    t = d.rule.tranche
    if t is None or d.status != "awarded":
        return
    p = yr.param(d.rule, t.share)
    with localcontext(MONEY_CONTEXT):
        share = d.amount * p.value
    paid = round_to(share, FEN, t.rounding)
    how = ROUNDINGS[t.rounding]
    d.steps.append(Step(
        text=_t(f"{p.label.zh} {pct_text(p.value)}：{fmt_yuan(d.amount)} 元 × {pct_text(p.value)} = {exact_yuan(share)} 元，{how.zh}到分：{fmt_yuan(paid)} 元",
                f"{p.label.en} {pct_text(p.value)}: {fmt_yuan(d.amount)} × {pct_text(p.value)} = {exact_yuan(share)}, {how.en} to the fen: {fmt_yuan(paid)} yuan"),
        amount=paid, interpretations=t.interpretations))
    d.use(t.interpretations)
    d.amount = paid


def compute(applicant: ApplicantFile, yr: YearRules, pack: RulePack | None = None, claim_refs: ClaimRefs | None = None) -> Award:
    """Compute an applicant's award with its full explanation.

    Args:
        applicant: a parsed applicant (see parse_applicant): subject and category
            resolved to ids, inputs typed.
        yr: the rules in force for ``applicant.year``.
        pack: the rule pack, for the version stamp.
        claim_refs: how a line names other claims of the applicant, by index (default
            :func:`claim_numbers`: “第 1、2 项申报”; the audit names roster rows).

    Returns:
        The Award: one LineItem per claim, in claim order; total in 元 = sum of lines.
    """
    return _settle(applicant, yr, _evaluate_all(applicant, yr), pack, claim_refs)


class Evaluation:
    """An applicant's claims evaluated each on its own, before the limits across claims: the
    award (:meth:`award`, the same as :func:`compute`'s), and the award again with one claim's
    inputs changed (:meth:`with_inputs`, for “what would it pay if…”) that evaluates only that
    claim again — and the claims after it only when it changes the units they count under a cap
    shared with it. Every other claim's evaluation is reused as it is."""

    __slots__ = ("applicant", "drafts", "yr")

    def __init__(self, applicant: ApplicantFile, yr: YearRules, drafts: list[Draft] | None = None):
        self.applicant, self.yr = applicant, yr
        self.drafts = _evaluate_all(applicant, yr) if drafts is None else drafts  # never changed: award() settles copies

    def award(self, pack: RulePack | None = None, claim_refs: ClaimRefs | None = None) -> Award:
        return _settle(self.applicant, self.yr, [_fresh(d) for d in self.drafts], pack, claim_refs)

    def outcome(self) -> Outcome:
        """The award's figures only (each line's status, amount and checks; the total): what a
        “what would it then pay” reads, without building the award's explanation."""
        drafts = [_fresh(d) for d in self.drafts]
        _limits(self.yr, self.applicant.applicant, drafts, claim_numbers)
        lines = [LineOutcome(d.status, to_fen(d.amount), d.checks) for d in drafts]
        return Outcome(lines, to_fen(sum((line.amount for line in lines), ZERO)))

    def with_inputs(self, index: int, values: dict[str, Any]) -> Evaluation:
        """The evaluation with claim ``index``'s inputs updated by ``values``."""
        claims = list(self.applicant.claims)
        c = claims[index]
        claims[index] = Claim(rule=c.rule, project=c.project, inputs={**c.inputs, **values})
        info = self.applicant.applicant
        units: dict[tuple, Decimal] = {}
        for d in self.drafts[:index]:
            _count_units(units, d)
        drafts = list(self.drafts)
        drafts[index] = evaluate_claim(self.yr, info, claims[index], index, dict(units))
        if _units_counted(drafts[index]) != _units_counted(self.drafts[index]):  # the later claims count differently
            _count_units(units, drafts[index])
            for j in range(index + 1, len(claims)):
                drafts[j] = evaluate_claim(self.yr, info, claims[j], j, dict(units))
                _count_units(units, drafts[j])
        return Evaluation(self.applicant.model_copy(update={"claims": claims}), self.yr, drafts)


def _units_counted(d: Draft) -> list[tuple[tuple, Decimal]]:
    """The units a claim adds under caps shared with the claims after it (once it is awarded)."""
    return d.units if d.status == "awarded" else []


def _count_units(units_used: dict[tuple, Decimal], d: Draft) -> None:
    for key, n in _units_counted(d):
        units_used[key] = units_used.get(key, ZERO) + n


def _evaluate_all(applicant: ApplicantFile, yr: YearRules) -> list[Draft]:
    """Each claim evaluated in claim order, with the units counted so far under shared caps."""
    info = applicant.applicant
    drafts = []
    units_used: dict[tuple, Decimal] = {}  # units counted under caps on units shared between claims
    for i, c in enumerate(applicant.claims):
        d = evaluate_claim(yr, info, c, i, units_used)
        _count_units(units_used, d)
        drafts.append(d)
    return drafts


def _fresh(d: Draft) -> Draft:
    """A copy of a draft that settling can change without touching the original."""
    return Draft(d.rule, d.project, d.status, d.amount, list(d.inputs), list(d.checks), list(d.steps), list(d.missing),
                 list(d.interps), list(d.units), d.tier, d.applicant_value)


class LineOutcome(NamedTuple):
    status: str
    amount: Decimal  # 元, to the 分, as the line's LineItem
    checks: list[Check]


class Outcome(NamedTuple):
    """An award's figures: its lines (as :class:`LineOutcome`) and its total, as the Award has them."""

    lines: list[LineOutcome]
    total: Decimal


def _limits(yr: YearRules, info: ApplicantInfo, drafts: list[Draft], refs: ClaimRefs) -> None:
    """The limits across claims and the tranche (``drafts`` are changed in place)."""
    _applicant_tiers(yr, info, drafts, refs)
    _cross_claim(yr, info, drafts)
    for d in drafts:
        _tranche(yr, d)


def _settle(applicant: ApplicantFile, yr: YearRules, drafts: list[Draft], pack: RulePack | None, claim_refs: ClaimRefs | None) -> Award:
    """The limits across claims, the tranche, and the Award (``drafts`` are changed in place)."""
    info = applicant.applicant
    _limits(yr, info, drafts, claim_refs or claim_numbers)
    year = year_plan(yr)
    lines = [
        LineItem(rule_id=d.rule.id, name=d.rule.name, project=d.project, status=d.status, amount=to_fen(d.amount), inputs=d.inputs,
                 checks=d.checks, steps=d.steps, missing=d.missing, citation=year.rule(d.rule).citation, interpretations=d.interps,
                 paid_in_kind=d.rule.paid_in_kind.text if d.rule.paid_in_kind is not None else None, tier=d.tier)
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
