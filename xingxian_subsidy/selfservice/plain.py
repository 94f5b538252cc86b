"""A line of an award in the words of the person who applied: 可以领 · 还差什么 · 不符合，因为… ·
待确认，通过后 5,000.00 元. No I/O.

The engine's statuses (予以奖补, 待补充信息 …) are right for staff; a farmer wants to know
whether the money comes and, if not yet, what is missing. A line waiting for a yes/no fact
(a toilet waiting for the county's re-inspection) is never shown as 0.00: the award is
computed again with each missing yes/no set to the answer its condition wants, and the
line says how much it pays once that is so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..core.money import fmt_yuan
from ..core.text import Text
from ..engine.compute import Evaluation
from ..engine.models import ApplicantFile, Award, LineItem
from ..engine.summary import check_text
from ..pack.loader import YearRules
from .hints import rerun
from .screening import passing_answer

__all__ = ["Plain", "plain_data", "plain_lines"]

PlainKind = Literal["yes", "pending", "missing", "no", "no_figure", "none"]


@dataclass(frozen=True)
class Plain:
    """A line in plain words.

    Attributes:
        kind: yes (it pays), pending (waits for a yes/no fact; ``amount_then`` once it is so),
            missing (an answer is needed), no (not eligible or excluded), no_figure (the text
            names the support without a figure), none (not paid again: a limit applies).
        status: the short status (可以领, 待确认, 还差信息, 不符合, 文件未写金额, 不另计).
        text: one sentence that says why, or what is still needed.
        amount: what it pays now (None where showing a number would mislead: pending, missing, no figure).
        amount_then: for pending, what it pays once the missing facts are as the rule wants.
    """

    kind: PlainKind
    status: Text
    text: Text
    amount: Decimal | None
    amount_then: Decimal | None = None


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


def _labels(items: list[Any]) -> Text:
    return _t("、".join(i.label.zh for i in items), ", ".join(i.label.en for i in items))


def _failed(line: LineItem) -> Text | None:
    """Why a line is not paid: its failed checks; with none (a value below every tier of a table),
    the step that says so; None if the line says nothing."""
    failed = [c for c in line.checks if c.passed is False]
    if not failed:
        return line.steps[-1].text if line.steps else None
    return _t("；".join(check_text(c, "zh").lstrip("✗ ") for c in failed), "; ".join(check_text(c, "en").lstrip("✗ ") for c in failed))


def _pending(applicant: ApplicantFile, yr: YearRules, index: int, line: LineItem, ev: Evaluation | None) -> Decimal | None:
    """What the line pays once every missing yes/no is the answer its rule wants (None if a
    missing input is not a yes/no, or it would still pay nothing)."""
    rule = yr.rules.get(line.rule_id)
    if rule is None or not line.missing:
        return None
    values: dict[str, bool] = {}
    for m in line.missing:
        spec = rule.input_spec(m.name)
        wanted = passing_answer(rule, m.name) if spec is not None and spec.type == "boolean" else None
        if wanted is None:
            return None
        values[m.name] = wanted
    then = rerun(applicant, yr, index, values, ev).lines[index]
    return then.amount if then.status == "awarded" and then.amount > 0 else None


def plain_lines(applicant: ApplicantFile, yr: YearRules, award: Award, evaluation: Evaluation | None = None) -> list[Plain]:
    """Each line of ``award`` (computed for ``applicant``; ``evaluation``: its evaluation, if
    kept, for “once passed” figures that evaluate only the claim again) in plain words, in line order."""
    out: list[Plain] = []
    for i, line in enumerate(award.lines):
        s = line.status
        if s == "awarded":
            out.append(Plain("yes", _t("可以领", "You can get it"), _t(f"可以领 {fmt_yuan(line.amount)} 元", f"you can get {fmt_yuan(line.amount)} yuan"), line.amount))
        elif s == "undecided":
            missing = _labels(line.missing) if line.missing else _t("其他信息", "more information")
            then = _pending(applicant, yr, i, line, evaluation)
            if then is not None:
                out.append(Plain("pending", _t("待确认", "Waiting"),
                                 _t(f"待确认：{missing.zh}；通过后可领 {fmt_yuan(then)} 元", f"waiting for: {missing.en}; once passed, {fmt_yuan(then)} yuan"),
                                 None, then))
            elif not line.missing and line.steps:  # it waits on another claim (a tier on the household's total)
                why = line.steps[-1].text
                out.append(Plain("missing", _t("还差信息", "Needs answers"), _t(f"还差信息：{why.zh}", f"needs answers: {why.en}"), None))
            else:
                out.append(Plain("missing", _t("还差信息", "Needs answers"), _t(f"还差：{missing.zh}", f"still needed: {missing.en}"), None))
        elif s in ("ineligible", "excluded"):
            why = _failed(line)
            out.append(Plain("no", _t("不符合", "Not eligible"),
                             _t(f"不符合，因为：{why.zh}" if why else "不符合", f"not eligible: {why.en}" if why else "not eligible"), Decimal(0)))
        elif s == "not_quantified":
            out.append(Plain("no_figure", _t("文件未写金额", "No figure"),
                             _t("文件写了这项扶持，但没有写具体金额", "the document names this support but gives no figure"), None))
        else:  # limited
            reason = line.steps[-1].text if line.steps else _t("", "")
            out.append(Plain("none", _t("不另计", "Not paid again"), _t(f"不另计：{reason.zh}", f"not paid again: {reason.en}"), Decimal(0)))
    return out


def plain_data(p: Plain) -> dict[str, Any]:
    """JSON-ready form; amounts as strings."""
    return {"kind": p.kind, "status": p.status.model_dump(), "text": p.text.model_dump(),
            "amount": None if p.amount is None else format(p.amount, "f"),
            "amount_then": None if p.amount_then is None else format(p.amount_then, "f")}
