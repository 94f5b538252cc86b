"""The library's front door for one applicant: load an applicant file and compute its award,
and the labels a renderer shows beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..pack.loader import RulePack, YearRules, load_rules
from ..pack.semantics import category_label as _category_text
from .applicant import parse_applicant, read_applicant
from .compute import compute
from .models import Award

__all__ = ["calculate", "calculate_file", "category_label", "rule_names", "subject_label"]


def calculate(data: Any, pack: RulePack | None = None, *, source: str = "<applicant>", year: int | None = None) -> Award:
    """Compute the award for applicant data already in memory (a dict as in the YAML file)."""
    pack = pack or load_rules()
    applicant, yr = parse_applicant(data, pack, source=source, year=year)
    return compute(applicant, yr, pack)


def calculate_file(path: Path | str, rules_dir: Path | str | None = None, year: int | None = None) -> tuple[Award, YearRules, RulePack]:
    """Load the rules and an applicant file, and compute the award."""
    pack = load_rules(rules_dir)
    applicant, yr = read_applicant(path, pack, year)
    return compute(applicant, yr, pack), yr, pack


def subject_label(yr: YearRules, subject: str, lang: str = "zh") -> str:
    for s in yr.vocabulary.subjects:
        if s.id == subject:
            return s.label.get(lang)
    return subject


def category_label(yr: YearRules, category: str | None, lang: str = "zh") -> str | None:
    if category is None:
        return None
    return _category_text(yr.vocabulary, category).get(lang)


def rule_names(yr: YearRules, lang: str = "zh") -> dict[str, str]:
    return {rid: r.name.get(lang) for rid, r in yr.rules.items()}
