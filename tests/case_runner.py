"""Run caseworker cases (tests/cases/*.yaml) outside pytest's parametrisation.

``tests/test_cases.py`` asserts each case on the shipped rule pack; this module
holds the same comparison as a function that *returns* the differences, so the
rule-data mutation test (tests/test_rule_mutation.py) can run every case against
hundreds of mutated packs in one process and name the cases that notice a
mutant. The comparison must stay the same as test_cases.py's: a field compared
there is compared here, exactly (Decimal, never float).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from paths import CASES_DIRS

from xingxian_subsidy.core.errors import SubsidyError
from xingxian_subsidy.core.yamlio import load_with_lines
from xingxian_subsidy.engine.applicant import parse_applicant
from xingxian_subsidy.engine.compute import compute
from xingxian_subsidy.engine.models import ApplicantFile, Award
from xingxian_subsidy.pack.loader import RulePack

__all__ = ["CASES_DIRS", "Case", "load_cases", "mismatches", "run_case"]


@dataclass(frozen=True)
class Case:
    """One case of a case file: its id (``<file stem>[<index>]``), sentence name and raw data."""

    id: str
    name: str
    data: dict[str, Any]

    @property
    def claimed_rules(self) -> frozenset[str]:
        claims = (self.data.get("applicant") or {}).get("claims") or []
        return frozenset(str(c.get("rule")) for c in claims if isinstance(c, dict))


def load_cases(directories: list[Path] | None = None) -> list[Case]:
    """Every case of ``<directory>/*.yaml`` (default: ``paths.CASES_DIRS``), in folder, file then list order."""
    out = []
    for path in (p for d in (directories or CASES_DIRS) for p in sorted(d.glob("*.yaml"))):
        data, _ = load_with_lines(path)
        for i, case in enumerate((data or {}).get("cases") or []):
            out.append(Case(id=f"{path.stem}[{i}]", name=str(case.get("name")), data=case))
    return out


def _amount(text: Any) -> Decimal:
    return Decimal(str(text))


def mismatches(case: Case, award: Award) -> list[str]:
    """What differs between a computed award and the case's expectation (empty: the case passes).

    Compares what test_cases.py compares: number of lines; per line the rule,
    status, amount (exactly, and as written when written with a point), and
    when given the missing inputs, the interpretations (a subset) and the failed
    condition ids; the total, and that the total is the sum of the lines.
    """
    expect = case.data["expect"]
    out: list[str] = []
    want_lines = expect["lines"]
    if len(award.lines) != len(want_lines):
        return [f"{len(award.lines)} lines, expected {len(want_lines)}"]
    for i, (got, want) in enumerate(zip(award.lines, want_lines)):
        where = f"line {i + 1} ({want['rule']})"
        if got.rule_id != want["rule"]:
            out.append(f"{where}: rule {got.rule_id}")
        if got.status != want["status"]:
            out.append(f"{where}: status {got.status}, expected {want['status']}")
        if got.amount != _amount(want["amount"]):
            out.append(f"{where}: amount {got.amount}, expected {want['amount']}")
        elif "." in str(want["amount"]) and str(got.amount) != str(want["amount"]):
            out.append(f"{where}: amount written {got.amount}, expected {want['amount']}")
        if "missing" in want and [m.name for m in got.missing] != want["missing"]:
            out.append(f"{where}: missing {[m.name for m in got.missing]}, expected {want['missing']}")
        if "interpretations" in want and not set(want["interpretations"]) <= set(got.interpretations):
            out.append(f"{where}: interpretations {got.interpretations}, expected at least {want['interpretations']}")
        if "failed" in want:
            failed = sorted(c.id for c in got.checks if c.passed is False and c.op != "any_of")
            if failed != sorted(want["failed"]):
                out.append(f"{where}: failed conditions {failed}, expected {sorted(want['failed'])}")
    if award.total != _amount(expect["total"]):
        out.append(f"total {award.total}, expected {expect['total']}")
    if award.total != sum((line.amount for line in award.lines), Decimal(0)):
        out.append("total is not the sum of the lines")
    return out


def parse(case: Case, pack: RulePack) -> ApplicantFile:
    """The case's applicant, validated against ``pack`` (raises InputError/YearNotCovered)."""
    applicant, _ = parse_applicant(case.data["applicant"], pack, source=case.name)
    return applicant


def run_case(case: Case, pack: RulePack, applicant: ApplicantFile | None = None) -> list[str]:
    """Compute ``case`` on ``pack`` and return its mismatches.

    Args:
        case: the case.
        pack: the rule pack to compute with.
        applicant: the case's applicant already parsed (against a pack with the
            same inputs and vocabulary); parsed from the case data if None.

    Returns:
        The differences from the expectation; an error raised by the library
        counts as a difference, any other exception propagates.
    """
    try:
        if applicant is None:
            applicant = parse(case, pack)
        award = compute(applicant, pack.for_year(applicant.year), pack)
    except SubsidyError as exc:
        return [f"{type(exc).__name__}: {exc}"]
    return mismatches(case, award)
