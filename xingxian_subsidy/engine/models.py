"""The engine's models: the applicant file it reads (ApplicantFile, Claim) and the explanation it
returns (Award, LineItem, Check, Step, Citation). Frozen; amounts are Decimal 元."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, computed_field

from ..core.inputforms import FIRST_YEAR, LAST_YEAR
from ..core.text import Model as _Model
from ..core.text import Text
from ..pack.models import Dec, Interpretation, place_text

__all__ = ["AlternativeAmount", "ApplicantFile", "ApplicantInfo", "Award", "Check", "Citation", "Claim", "InputUsed", "LineItem", "Status", "Step"]



class Claim(_Model):
    """One subsidy claimed: the rule, an optional project label, and the inputs."""

    rule: str
    project: str | None = None
    inputs: dict[str, Any] = {}


class ApplicantInfo(_Model):
    name: str = Field(min_length=1)
    subject: str
    category: str | None = None
    township: str | None = None
    village: str | None = None
    id_number: str | None = None


class ApplicantFile(_Model):
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    applicant: ApplicantInfo
    claims: list[Claim] = []


# ---------------------------------------------------------------- explanation


class Citation(_Model):
    """Where a line's figure is written: the document (文号, which a web notice may lack, and
    title), the section, where the document is published (a gazette page, a web address or a
    file) and the sentence; ``paraphrase`` when the pack could only paraphrase the text."""

    document_number: str | None
    document_title: str
    section: str
    gazette: str | None
    gazette_page: int | None
    quote: str
    url: str | None = None
    file: str | None = None
    paraphrase: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def place(self) -> Text:
        """Where the document can be read, as a line shows it (公报第95页, 网页公示 <address>)."""
        return place_text(self.gazette, self.gazette_page, self.url, self.file)


class Check(_Model):
    id: str
    label: Text
    value: str | None
    threshold: str | None
    op: str | None
    boundary_word: str | None
    passed: bool | None
    kind: str
    citation: Citation
    interpretations: list[str] = []
    value_i18n: Text | None = None  # value and threshold in both languages, where they are words
    threshold_i18n: Text | None = None


class Step(_Model):
    text: Text
    amount: Dec | None = None
    interpretations: list[str] = []


class InputUsed(_Model):
    name: str
    label: Text
    value: str
    unit: str | None


Status = Literal["awarded", "ineligible", "excluded", "undecided", "not_quantified", "limited"]


class AlternativeAmount(_Model):
    """What a line would be under another reading of a register entry it depends on (I-004 B …)."""

    interpretation: str
    alternative: str
    label: Text
    status: Status
    amount: Dec


class LineItem(_Model):
    rule_id: str
    name: Text
    project: str | None
    status: Status
    amount: Dec
    inputs: list[InputUsed]
    checks: list[Check]
    steps: list[Step]
    missing: list[InputUsed] = []
    citation: Citation
    interpretations: list[str]
    paid_in_kind: Text | None = None  # paid in kind (goods bought centrally), not as cash to the applicant
    alternatives: list[AlternativeAmount] = []  # the line under each alternative reading it depends on (when asked)
    # a tier table: the tier the line's award was placed in, for the audit's tier tables (附件7). Not
    # written out: the line's steps say it in words ("1800 元落在二档…").
    tier: Text | None = Field(default=None, exclude=True)


class Award(_Model):
    applicant: ApplicantInfo
    year: int
    lines: list[LineItem]
    total: Dec
    also_eligible: list[str]
    interpretations: list[Interpretation]
    rule_pack: str
    sources: list[str]
    rounding: Text
