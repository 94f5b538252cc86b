"""The reference engine over roster rows: one ``engine.compute`` per applicant group."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from ..core.text import Text
from ..engine.compute import ClaimRefs, compute
from ..engine.models import ApplicantFile, Claim, LineItem
from ..pack.formulas import TierTable
from ..pack.loader import RulePack, YearRules
from .parse import ParsedRow

__all__ = ["RowResult", "reference_in_chunks", "reference_results"]


@dataclass
class RowResult:
    """A row's recomputed line (before the roster statuses): engine status and amount in 元."""

    line_status: str | None  # awarded / ineligible / excluded / undecided / not_quantified / limited; None on bad input
    amount: Decimal | None
    line: LineItem | None = None


def reference_results(parsed: list[ParsedRow], yr: YearRules, pack: RulePack | None = None) -> dict[int, RowResult]:
    """Compute rows with the reference engine: one ``engine.compute`` per applicant group, claims in row order.

    Returns:
        frame index → RowResult (rows with input problems get ``line_status=None``).
    """
    groups: dict[tuple, list[ParsedRow]] = {}
    out: dict[int, RowResult] = {}
    unread: list[ParsedRow] = []  # input errors of a rule tiered on the applicant's total
    for pr in parsed:
        if pr.problems or pr.who is None or pr.rule_id is None:
            out[pr.index] = RowResult(None, None)
            if pr.rule_id is not None and _on_total(yr, pr.rule_id):
                unread.append(pr)
            continue
        groups.setdefault(pr.group, []).append(pr)
    # a row that could not be read leaves its group's total of its rule unknown: it takes part as a
    # claim with no inputs (undecided), so the group's claims of that rule wait; its own line is not kept
    stand_ins: set[int] = set()
    for pr in unread:
        members = groups.get(pr.group)
        if members is not None and any(m.rule_id == pr.rule_id for m in members):
            members.append(ParsedRow(index=pr.index, row=pr.row, rule_id=pr.rule_id, project=pr.project, group=pr.group, who=members[0].who,
                                     where=pr.where))
            stand_ins.add(pr.index)
    if stand_ins:
        for members in groups.values():
            members.sort(key=lambda m: m.index)
    # an applicant with a single row depends on nothing else: identical single rows share one
    # computation (the engine is pure); the line's text never names the applicant
    single: dict[tuple, LineItem] = {}
    for members in groups.values():
        key = None
        if len(members) == 1:
            m = members[0]
            key = (m.rule_id, m.subject, m.category, m.project, tuple(sorted((k, repr(v)) for k, v in m.inputs.items())))
            if key in single:
                line = single[key]
                out[m.index] = RowResult(line.status, line.amount, line)
                continue
        info = members[0].info
        assert info is not None
        claims = [Claim.model_construct(rule=m.rule_id, project=m.project, inputs=m.inputs) for m in members]
        app = ApplicantFile.model_construct(year=yr.year, applicant=info, claims=claims)
        award = compute(app, yr, pack, _row_refs([m.row for m in members], [m.index in stand_ins for m in members], [m.where for m in members]))
        for m, line in zip(members, award.lines):
            if m.index not in stand_ins:
                out[m.index] = RowResult(line.status, line.amount, line)
        if key is not None:
            single[key] = award.lines[0]
    return out


def _row_refs(rows: list[int], unread: list[bool], where: list[str]) -> ClaimRefs:
    """A line names the applicant's other claims by their roster rows: “第 17、18 行” — with their
    file or sheet when the applicant's rows are in several (“a.xlsx 第 5 行、b.xlsx 第 5 行”) —, a
    row that could not be read as such: “第 3 行（输入有误）”."""
    apart = len(set(where)) > 1

    def refs(idx: list[int]) -> Text:
        bad = "（输入有误）" if any(unread[i] for i in idx) else ""
        bad_en = " (an input error)" if bad else ""
        if apart:
            return Text(zh="、".join(f"{where[i]} 第 {rows[i]} 行" for i in idx) + bad,
                        en=", ".join(f"{where[i]} row {rows[i]}" for i in idx) + bad_en)
        nums = [str(rows[i]) for i in idx]
        return Text(zh=f"第 {'、'.join(nums)} 行" + bad, en=f"row{'s' if len(nums) > 1 else ''} {', '.join(nums)}" + bad_en)
    return refs


def _on_total(yr: YearRules, rule_id: str) -> bool:
    """The rule is a tier table on the applicant's total (``basis: applicant``)."""
    f = yr.rules[rule_id].formula
    return isinstance(f, TierTable) and f.per_applicant


def reference_in_chunks(parsed: list[ParsedRow], yr: YearRules, pack: RulePack, tick: Callable, stage: str = "compute") -> dict[int, RowResult]:
    """reference_results, chunked by applicant group so that progress can be shown."""
    by_group: dict[tuple, list[ParsedRow]] = {}
    for p in parsed:
        by_group.setdefault(p.group, []).append(p)
    groups = list(by_group.values())
    out: dict[int, RowResult] = {}
    total = len(parsed)
    done = 0
    step = 2000
    for start in range(0, len(groups), step):
        chunk = [p for g in groups[start:start + step] for p in g]
        out.update(reference_results(chunk, yr, pack))
        done += len(chunk)
        tick(stage, done, total)
    return out
