"""A rule: one subsidy of one document — who may claim it, what it needs, what it checks, how
much it pays (a formula of ``formulas``), and what may raise or bound it."""

from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field

from ..core.text import Model, Text
from .formulas import Formula, value_parameters
from .models import Cap, Condition, Document, InputSpec, Match, Tranche, Uplift

__all__ = ["InKind", "Rule", "walk_conditions"]


def walk_conditions(conditions: list[Condition]) -> Iterator[Condition]:
    """Every condition, and inside each ``any_of`` its alternatives, depth first in order."""
    for c in conditions:
        yield c
        yield from walk_conditions(c.any_of or [])


class InKind(Model):
    """An award the document pays in kind (goods bought centrally), not as cash to the applicant."""

    text: Text
    section: str
    quote: str = Field(min_length=4)
    interpretations: list[str] = []


class Rule(Model):
    id: str = Field(pattern=r"^[a-z0-9]+(\.[a-z0-9_\-]+)+$")
    name: Text
    section: str
    quote: str = Field(min_length=4)
    subjects: list[str] = Field(min_length=1)
    inputs: list[InputSpec] = []
    conditions: list[Condition] = []
    formula: Formula
    uplifts: list[Uplift] = []
    caps: list[Cap] = []
    tranche: Tranche | None = None
    exclusive_group: str | None = None
    once_per_applicant: str | None = None
    # claims of one applicant in this rule's exclusive group or project cap that carry no project
    # label: one project (the highest paid, one cap shared) or each its own project
    unlabelled_claims: Literal["same_project", "separate_projects"] = "separate_projects"
    paid_in_kind: InKind | None = None
    interpretations: list[str] = []
    note: Text | None = None
    # filled in by the loader
    document: Document | None = None

    def input_spec(self, name: str) -> InputSpec | None:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        return None

    def matches(self) -> list[Match]:
        """Every ``when`` that decides a value, an uplift or a cap (not the conditions' own)."""
        return ([case.when for case in self.formula.cases()] + [u.when for u in self.uplifts] + [c.when for c in self.caps]
                + [case.when for c in self.caps if not isinstance(c.param, str) for case in c.param])

    def parameter_names(self) -> list[str]:
        """Every parameter name the rule refers to: formula, conditions, uplifts, caps, tranche (in that order)."""
        refs = self.formula.parameters()
        refs += [c.threshold for c in walk_conditions(self.conditions) if c.threshold]
        refs += [u.factor for u in self.uplifts]
        refs += [p for c in self.caps for p in value_parameters(c.param)]
        refs += [self.tranche.share] if self.tranche else []
        return refs

    def input_names(self) -> list[str]:
        """Every input name the rule reads: formula, conditions, then the inputs its matches test."""
        refs = self.formula.inputs()
        for c in walk_conditions(self.conditions):
            if c.input:
                refs.append(c.input)
            if c.ratio_of:
                refs.extend(c.ratio_of)
            if c.when and c.when.inputs:
                refs.extend(c.when.inputs)
        for m in self.matches():
            refs.extend(m.inputs or {})
        return refs

    def interpretation_ids(self) -> list[str]:
        """Every interpretation the rule, its conditions, uplifts, caps, cases and formula name."""
        refs = list(self.interpretations)
        for c in walk_conditions(self.conditions):
            refs.extend(c.interpretations)
        refs += [i for u in self.uplifts for i in u.interpretations]
        refs += [i for c in self.caps for i in c.interpretations]
        refs += [i for c in self.caps if not isinstance(c.param, str) for case in c.param for i in case.interpretations]
        refs += [i for case in self.formula.cases() for i in case.interpretations]
        refs += self.formula.interpretation_ids()
        if self.paid_in_kind is not None:
            refs += self.paid_in_kind.interpretations
        refs += self.tranche.interpretations if self.tranche else []
        return refs
