"""A claim being evaluated: what it has given (Context) and the line taking shape (Draft)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from ..core.text import Text
from ..pack.loader import YearRules
from ..pack.models import Match, Parameter
from ..pack.rule import Rule
from ..pack.semantics import evaluate_match
from .models import ApplicantInfo, Check, InputUsed, Step
from .plans import year_plan

__all__ = ["UNLABELLED", "Context", "Draft", "project_key"]


UNLABELLED = ("unlabelled",)  # the project of claims without a label that their rule takes as one project


def project_key(rule: Rule, project: str | None, index: int) -> tuple:
    """The project a claim counts in: its label (``("label", text)``); without one, its own
    (``("claim", index)``) or, where its rule says so, the one project of all the applicant's
    unlabelled claims (:data:`UNLABELLED`, I-026). No label a user writes (``#unlabelled``
    included) is one of the projects made up for claims without one."""
    if project is not None:
        return ("label", project)
    return UNLABELLED if rule.unlabelled_claims == "same_project" else ("claim", index)


@dataclass
class Draft:
    """A line before it is frozen into a LineItem: status, amount in 元, and its explanation."""

    rule: Rule
    project: str | None
    status: str
    amount: Decimal
    inputs: list[InputUsed]
    checks: list[Check]
    steps: list[Step]
    missing: list[InputUsed]
    interps: list[str] = field(default_factory=list)
    # the units the line counts under caps shared with other claims, recorded once it is awarded
    units: list[tuple[tuple, Decimal]] = field(default_factory=list)
    # a tier table: the tier the line's award is placed in (its label)
    tier: Text | None = None
    # a tier table on the applicant's total: what this claim adds to it (compute places the total)
    applicant_value: Decimal | None = None

    def use(self, ids: Iterable[str]) -> None:
        """Record interpretations the line relies on (each once, in order of first use)."""
        for i in ids:
            if i not in self.interps:
                self.interps.append(i)


class Context:
    """One claim's rule, applicant and typed inputs; records the inputs found missing.

    ``index`` is the claim's place among the applicant's claims and ``units_used`` the units
    counted so far under each cap on units shared between claims (key → units), both given by
    ``compute`` (a claim evaluated alone shares nothing).
    """

    def __init__(self, yr: YearRules, rule: Rule, info: ApplicantInfo, values: dict[str, Any], index: int = 0,
                 units_used: dict[tuple, Decimal] | None = None, project: str | None = None):
        self.yr, self.rule, self.info, self.values = yr, rule, info, values
        year = year_plan(yr)
        self.plan = year.rule(rule)
        self.groups = year.groups_of(yr, info.category)
        self.missing: list[str] = []
        self.index, self.project = index, project
        self.units_used: dict[tuple, Decimal] = units_used if units_used is not None else {}

    def need(self, name: str) -> Any:
        """The input's value, or None (and the input is recorded as missing)."""
        if name in self.values:
            return self.values[name]
        if name not in self.missing:
            self.missing.append(name)
        return None

    def param(self, name: str) -> Parameter:
        return self.yr.param(self.rule, name)

    def matches(self, m: Match) -> bool | None:
        """True/False, or None when the answer depends on an input not given (then recorded missing)."""
        steps = self.plan.match_steps(m, self.yr.vocabulary)
        result, missing = evaluate_match(steps, self.info.subject, self.info.category, self.values.get)
        if missing is not None:
            self.need(missing)
        return result

    def cap_param(self, ref: Any) -> tuple[bool | None, Parameter | None]:
        """A cap's limit: (True, the parameter), (False, None) when no case of it applies to this
        applicant (no limit), or (None, None) when that depends on something not given."""
        if isinstance(ref, str):
            return True, self.param(ref)
        for case in ref:
            ok = self.matches(case.when)
            if ok is None:
                return None, None
            if ok:
                return True, self.param(case.param)
        return False, None

    def scope_key(self, cap: Any) -> tuple:
        """The key under which a cap shared between claims adds up: its scope, the project
        (``project_key``) or the applicant, and its group."""
        where = project_key(self.rule, self.project, self.index) if cap.scope == "project" else "applicant"
        return (cap.of, cap.scope, where, cap.group)

    def group_interpretations(self) -> list[str]:
        """The interpretations the applicant's category groups rest on (e.g. who the 三类户 are)."""
        out: list[str] = []
        for g in sorted(self.groups):
            out += self.yr.vocabulary.group_interpretations.get(g, [])
        return out
