"""Every contested reading, side by side: what each line of an award would be under each
alternative reading of a register entry it depends on (``按另一种理解：2,000,000.00 元``).

A register entry that can change money lists its alternatives as changes of the rule data
(``pack.overlay``); ``pack.loader.alternative_years`` gives the year's rules under each. A line
depends on an entry when it names it; the repository self-check (``tests/test_readings.py``)
proves that every rule whose amount an alternative can move names that entry.
"""

from __future__ import annotations

from pathlib import Path

from ..pack.loader import RulePack, YearRules, alternative_years, load_rules
from .applicant import read_applicant
from .compute import compute
from .models import AlternativeAmount, ApplicantFile, Award

__all__ = ["calculate_file_with_alternatives", "with_alternatives"]


def with_alternatives(applicant: ApplicantFile, award: Award, yr: YearRules, pack: RulePack | None = None, *, all_: bool = False) -> Award:
    """The award with, on each line, its status and amount under every alternative reading of the
    entries the line names (only those that differ from the line, unless ``all_``)."""
    named = {i for line in award.lines for i in line.interpretations}
    extra: dict[int, list[AlternativeAmount]] = {}
    for (entry, alt_id), other in alternative_years(yr, named).items():
        alt = next(a for a in yr.alternatives[entry] if a.id == alt_id)
        keep = [k for k, c in enumerate(applicant.claims) if c.rule in other.rules]
        alt_award = compute(applicant.model_copy(update={"claims": [applicant.claims[k] for k in keep]}), other, pack)
        by_claim = dict(zip(keep, alt_award.lines))
        for k, line in enumerate(award.lines):
            if entry not in line.interpretations:
                continue
            got = by_claim.get(k)
            status, amount = (got.status, got.amount) if got is not None else ("ineligible", line.amount * 0)
            if all_ or status != line.status or amount != line.amount:
                extra.setdefault(k, []).append(AlternativeAmount(interpretation=entry, alternative=alt_id, label=alt.label, status=status, amount=amount))
    if not extra:
        return award
    lines = [line.model_copy(update={"alternatives": extra.get(k, [])}) for k, line in enumerate(award.lines)]
    return award.model_copy(update={"lines": lines})


def calculate_file_with_alternatives(path: Path | str, pack: RulePack | None = None, year: int | None = None) -> tuple[Award, YearRules, RulePack]:
    """Read an applicant file, compute its award and each line under every alternative reading it depends on."""
    pack = pack or load_rules()
    applicant, yr = read_applicant(path, pack, year)
    return with_alternatives(applicant, compute(applicant, yr, pack), yr, pack), yr, pack
