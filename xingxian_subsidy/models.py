"""Typed models: the rule data (documents, parameters, rules), the applicant file,
and the explanation the engine returns (Award, LineItem).

All models are frozen and forbid unknown keys, so a misspelt key fails loudly.
Amounts and quantities are Decimal; floats are rejected by a before-validator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from .money import D

__all__ = [
    "Text",
    "Dec",
    "Period",
    "Document",
    "Parameter",
    "Choice",
    "InputSpec",
    "Match",
    "Condition",
    "RateCase",
    "ValueRef",
    "PerUnit",
    "ShareOfCost",
    "Fixed",
    "Tier",
    "TierTable",
    "FirstPlusAdditional",
    "DecidedWithinRange",
    "InterestAtRate",
    "NotQuantified",
    "Formula",
    "Uplift",
    "Cap",
    "Rule",
    "Interpretation",
    "SubjectType",
    "Category",
    "Vocabulary",
    "Claim",
    "ApplicantInfo",
    "ApplicantFile",
    "Check",
    "Step",
    "InputUsed",
    "Citation",
    "LineItem",
    "Award",
    "TaskTable",
    "UNITS",
    "BOUNDARY_WORDS",
]


def _dec(value: Any) -> Decimal:
    return D(value)


Dec = Annotated[Decimal, BeforeValidator(_dec), PlainSerializer(lambda d: str(d), return_type=str)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Model):
    """A text in both languages the tool speaks."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


# The closed set of units a quantity, rate or parameter may carry.
UNITS = {
    "元", "元/亩", "元/株", "元/棒", "元/m²", "元/座", "元/户", "元/个", "元/年", "元/家",
    "亩", "m²", "株", "棒", "头", "只", "个", "座", "户", "家", "天", "%", "比例", "年",
}

# Boundary words of the text and the comparison each one means (民法典 第1259条:
# 以上/以下/以内 include the number; 不满/低于/超过 exclude it).
BOUNDARY_WORDS: dict[str, set[str]] = {
    "以上": {"ge"},
    "及以上": {"ge"},
    "达到": {"ge"},
    "不低于": {"ge"},
    "以下": {"le"},
    "以内": {"le"},
    "不超过": {"le"},
    "不超": {"le"},
    "超过": {"gt"},
    "低于": {"lt"},
    "不满": {"lt"},
    "不足": {"lt"},
    "是": {"is_true"},
    "否": {"is_false"},
    "属于": {"in"},
    "不属于": {"not_in"},
}


class Period(_Model):
    """A half-open validity interval [start, end)."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def covers_year(self, year: int) -> bool:
        return self.start <= dt.date(year, 12, 31) and self.end > dt.date(year, 1, 1)


class Document(_Model):
    """The published source a rule file encodes."""

    id: str
    number: str
    title: str
    issuer: str
    date: dt.date
    gazette: str
    gazette_page: int = Field(ge=1, description="page of the gazette where the document begins (目录)")
    source_file: str
    effective: Period


class Parameter(_Model):
    """One number of policy, with the sentence it comes from."""

    value: Dec
    unit: str
    label: Text
    section: str = Field(min_length=1)
    quote: str = Field(min_length=4)

    @model_validator(mode="after")
    def _unit_known(self) -> "Parameter":
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}; known: {sorted(UNITS)}")
        return self


class Choice(_Model):
    value: str
    label: Text


class InputSpec(_Model):
    """An input a rule needs from the applicant."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    type: Literal["decimal", "integer", "money", "boolean", "choice"]
    unit: str | None = None
    choices: list[Choice] = []
    help: Text | None = None

    @model_validator(mode="after")
    def _unit_matches_type(self) -> "InputSpec":
        if self.type in ("decimal", "integer", "money"):
            if self.unit is None:
                raise ValueError(f"input {self.name!r} of type {self.type} needs a unit")
            if self.unit not in UNITS:
                raise ValueError(f"input {self.name!r}: unknown unit {self.unit!r}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"input {self.name!r} of type choice needs choices")
        if self.type != "choice" and self.choices:
            raise ValueError(f"input {self.name!r}: choices only go with type choice")
        return self


class Match(_Model):
    """Who or what a case, cap or modifier applies to. Empty matches everyone."""

    subject: list[str] | None = None
    not_subject: list[str] | None = None
    group: list[str] | None = None
    not_group: list[str] | None = None
    inputs: dict[str, list[str]] | None = None


class Condition(_Model):
    """A threshold or requirement of the text, checked against the applicant's value."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    input: str | None = None
    ratio_of: tuple[str, str] | None = None
    op: Literal["ge", "gt", "le", "lt", "is_true", "is_false", "in", "not_in"] | None = None
    threshold: str | None = None
    values: list[str] | None = None
    boundary_word: str | None = None
    any_of: list["Condition"] | None = None
    when: Match | None = None
    kind: Literal["eligibility", "exclusion"] = "eligibility"
    section: str
    quote: str = Field(min_length=4)
    interpretations: list[str] = []

    @model_validator(mode="after")
    def _well_formed(self) -> "Condition":
        if self.any_of is not None:
            if self.op or self.input or self.ratio_of:
                raise ValueError(f"condition {self.id}: any_of stands alone")
            return self
        if self.op is None:
            raise ValueError(f"condition {self.id}: op is required")
        if (self.input is None) == (self.ratio_of is None):
            raise ValueError(f"condition {self.id}: give exactly one of input or ratio_of")
        if self.op in ("ge", "gt", "le", "lt") and not self.threshold:
            raise ValueError(f"condition {self.id}: op {self.op} needs a threshold parameter")
        if self.op in ("in", "not_in") and not self.values:
            raise ValueError(f"condition {self.id}: op {self.op} needs values")
        if self.boundary_word is None:
            raise ValueError(f"condition {self.id}: state the boundary word of the text (以上, 低于, 是 ...)")
        allowed = BOUNDARY_WORDS.get(self.boundary_word)
        if allowed is None:
            raise ValueError(f"condition {self.id}: unknown boundary word {self.boundary_word!r}")
        if self.op not in allowed:
            raise ValueError(
                f"condition {self.id}: boundary word {self.boundary_word!r} means {sorted(allowed)}, not {self.op!r}"
                " (民法典 第1259条)"
            )
        return self


class RateCase(_Model):
    when: Match = Match()
    param: str
    interpretations: list[str] = []


ValueRef = Union[str, list[RateCase]]


class PerUnit(_Model):
    """rate × quantity (per mu, per m², per plant, per log, per item)."""

    kind: Literal["per_unit"]
    rate: ValueRef
    quantity: str


class Fixed(_Model):
    """A fixed amount per claim (one toilet, one product, one store)."""

    kind: Literal["fixed"]
    amount: ValueRef


class ShareOfCost(_Model):
    """share × cost (cost shares by subject; 全额 is a share of 1)."""

    kind: Literal["share_of_cost"]
    share: ValueRef
    cost: str


class Tier(_Model):
    label: Text
    lower: str | None = None
    lower_inclusive: bool = True
    upper: str | None = None
    upper_inclusive: bool = True
    award: str


class TierTable(_Model):
    """A stepped table: the tier whose bounds hold the input's value gives the award."""

    kind: Literal["tier_table"]
    input: str
    tiers: list[Tier] = Field(min_length=1)


class FirstPlusAdditional(_Model):
    """first item's amount, plus an amount for each additional item."""

    kind: Literal["first_plus_additional"]
    count: str
    first: str
    additional: str


class DecidedWithinRange(_Model):
    """An amount the county decides inside a range the text gives (e.g. 3-5万)."""

    kind: Literal["decided_within_range"]
    amount: str
    min: str
    max: str


class InterestAtRate(_Model):
    """Interest on a loan at a benchmark rate for the days held, bounded by interest actually paid."""

    kind: Literal["interest_at_rate"]
    principal: str
    annual_rate_percent: str
    days: str
    day_basis: str
    interest_paid: str


class NotQuantified(_Model):
    """Support the text names without a figure: listed, not computed."""

    kind: Literal["not_quantified"]


Formula = Annotated[
    Union[PerUnit, Fixed, ShareOfCost, TierTable, FirstPlusAdditional, DecidedWithinRange, InterestAtRate, NotQuantified],
    Field(discriminator="kind"),
]


class Uplift(_Model):
    """amount × (1 + factor) for the matched applicants (三类户 +25%)."""

    when: Match
    factor: str
    interpretations: list[str] = []


class Cap(_Model):
    """An upper bound: per claim, per project (same project label) or per applicant, over a group of rules."""

    param: str
    scope: Literal["claim", "project", "applicant"]
    group: str | None = None
    when: Match = Match()
    interpretations: list[str] = []

    @model_validator(mode="after")
    def _group_for_shared(self) -> "Cap":
        if self.scope != "claim" and not self.group:
            raise ValueError("a project or applicant cap needs a group name")
        return self


class TaskTable(_Model):
    """A table of targets the document assigns (e.g. each township's 2024 toilet task).

    ``values`` maps a row name (a township) to its count; ``lists`` optionally names
    items per row (the whole-village villages); ``total`` is the source's 合计 row,
    checked against the sum of ``values``.
    """

    label: Text
    unit: str
    section: str = Field(min_length=1)
    quote: str = Field(min_length=4)
    values: dict[str, int]
    total: int
    lists: dict[str, list[str]] = {}
    rules: list[str] = []

    @model_validator(mode="after")
    def _sums(self) -> "TaskTable":
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}")
        if sum(self.values.values()) != self.total:
            raise ValueError(f"rows sum to {sum(self.values.values())}, but the 合计 is {self.total}")
        return self


class Rule(_Model):
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
    exclusive_group: str | None = None
    once_per_applicant: str | None = None
    interpretations: list[str] = []
    note: Text | None = None
    # filled in by the loader
    document: Document | None = None

    def input_spec(self, name: str) -> InputSpec | None:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        return None


class Interpretation(_Model):
    id: str = Field(pattern=r"^I-\d{3}$")
    title: Text
    question: Text
    reading: Text
    reason: Text
    document: str
    section: str


class SubjectType(_Model):
    id: str
    label: Text
    aliases: list[str] = []

    @property
    def names(self) -> list[str]:
        """Every word that names this subject type in an applicant file or a roster."""
        return [self.id, self.label.zh, self.label.en, *self.aliases]


class Category(_Model):
    id: str
    label: Text
    aliases: list[str] = []

    @property
    def names(self) -> list[str]:
        """Every word that names this category in an applicant file or a roster."""
        return [self.id, self.label.zh, self.label.en, *self.aliases]


class Vocabulary(_Model):
    """Subject types, household categories and named groups of categories."""

    subjects: list[SubjectType]
    categories: list[Category]
    groups: dict[str, list[str]]
    group_labels: dict[str, Text]
    group_interpretations: dict[str, list[str]] = {}


# ---------------------------------------------------------------- applicant file


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
    year: int = Field(ge=2000, le=2100)
    applicant: ApplicantInfo
    claims: list[Claim] = []


# ---------------------------------------------------------------- explanation


class Citation(_Model):
    document_number: str
    document_title: str
    section: str
    gazette: str
    gazette_page: int
    quote: str


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
