"""The rule data's models: documents, parameters, inputs, conditions, caps, the vocabulary of
subjects and categories, task tables and report tables. The formula kinds are in ``formulas``
and the rule that ties them together in ``rule``.

All models are frozen and forbid unknown keys, so a misspelt key fails loudly.
Amounts and quantities are Decimal; floats are rejected by a before-validator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, PlainSerializer, model_validator

from ..core.money import D
from ..core.text import Model as _Model
from ..core.text import Text

__all__ = [
    "BOUNDARY_WORDS",
    "GUIDE_TOPICS",
    "UNITS",
    "Cap",
    "Category",
    "Choice",
    "Condition",
    "Dec",
    "Document",
    "GuideItem",
    "HowToApply",
    "InputSpec",
    "Interpretation",
    "Match",
    "Parameter",
    "Period",
    "RateCase",
    "Report",
    "SubjectType",
    "TaskReport",
    "TaskTable",
    "TierReport",
    "Uplift",
    "ValueRef",
    "Vocabulary",
]


def _dec(value: Any) -> Decimal:
    return D(value)


Dec = Annotated[Decimal, BeforeValidator(_dec), PlainSerializer(lambda d: str(d), return_type=str)]


# The closed set of units a quantity, rate or parameter may carry.
UNITS = {
    "元", "元/亩", "元/株", "元/棒", "元/m²", "元/座", "元/户", "元/个", "元/年", "元/家",
    "亩", "m²", "株", "棒", "头", "只", "个", "座", "户", "家", "天", "%", "比例", "年",
}

# Boundary words of the text and the comparison each one means. 民法典 第1259条 makes 以上/以下/以内
# (and 届满) include the number and 不满/超过 (and 以外) exclude it; the others (达到, 不低于, 不超过,
# 低于, 不足) are not in that article and take their plain meaning.
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
    def _ordered(self) -> Period:
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
    # a value the text does not give (the day-count of a loan-interest reading): the register entry
    # that sets it; the value must then be written in that entry's reading, not in the quote
    value_from: str | None = None

    @model_validator(mode="after")
    def _unit_known(self) -> Parameter:
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
    def _unit_matches_type(self) -> InputSpec:
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
    any_of: list[Condition] | None = None
    when: Match | None = None
    kind: Literal["eligibility", "exclusion"] = "eligibility"
    section: str
    quote: str = Field(min_length=4)
    interpretations: list[str] = []

    @model_validator(mode="after")
    def _well_formed(self) -> Condition:
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
                " (民法典 第1259条, or the word's plain meaning)"
            )
        return self


class RateCase(_Model):
    """One case of a value that depends on who applies: the first case whose ``when`` holds gives it."""

    when: Match = Match()
    param: str
    interpretations: list[str] = []


ValueRef = Union[str, list[RateCase]]


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
    def _group_for_shared(self) -> Cap:
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
    def _sums(self) -> TaskTable:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}")
        if sum(self.values.values()) != self.total:
            raise ValueError(f"rows sum to {sum(self.values.values())}, but the 合计 is {self.total}")
        return self


class TierReport(_Model):
    """A table of the report (e.g. 附件7): per township, households and money by tier of tier-table rules.

    ``text`` is the sentence each township files, with the fields ``{township}``, ``{year}``,
    ``{households}``, ``{tiers}`` (the ``tier_text`` of each tier, joined) and ``{total_wan}``;
    ``tier_text`` has ``{tier}``, ``{households}`` and ``{wan}``.
    """

    kind: Literal["tier_summary"]
    title: Text
    rules: list[str] = Field(min_length=1)
    text: Text | None = None
    tier_text: Text | None = None
    text_title: Text | None = None


class TaskReport(_Model):
    """A table of the report (e.g. 附件2): per township, the claims paid by rule against a task table."""

    kind: Literal["task_progress"]
    title: Text
    task: str
    task_column: Text


Report = Annotated[Union[TierReport, TaskReport], Field(discriminator="kind")]


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
    """Subject types, household categories and named groups of categories.

    ``household_subjects`` are the subject types a household category (农户类型) belongs to; a
    rule that depends on the category cannot be decided for them without it. ``label_groups``
    are the groups whose name is shown after a member category's label (边缘易致贫户（三类户）).
    """

    subjects: list[SubjectType]
    categories: list[Category]
    groups: dict[str, list[str]]
    group_labels: dict[str, Text]
    group_interpretations: dict[str, list[str]] = {}
    household_subjects: list[str] = Field(min_length=1)
    label_groups: list[str] = []

    @model_validator(mode="after")
    def _known(self) -> Vocabulary:
        subjects = {s.id for s in self.subjects}
        categories = {c.id for c in self.categories}
        for s in self.household_subjects:
            if s not in subjects:
                raise ValueError(f"household_subjects: unknown subject type {s!r}")
        for g, members in self.groups.items():
            for c in members:
                if c not in categories:
                    raise ValueError(f"group {g!r}: unknown category {c!r}")
        for g in self.label_groups:
            if g not in self.groups:
                raise ValueError(f"label_groups: unknown group {g!r}")
        return self

    def groups_of(self, category: str | None) -> frozenset[str]:
        """The named groups a category belongs to (none for no category)."""
        if category is None:
            return frozenset()
        return frozenset(g for g, members in self.groups.items() if category in members)




# ---------------------------------------------------------------- how to apply (issue 13)


class GuideItem(_Model):
    """One thing a document says about applying or being paid, in plain words, with its sentence."""

    text: Text
    section: str = Field(min_length=1)
    quote: str = Field(min_length=4)


class HowToApply(_Model):
    """How to apply for some rules of a document: what to bring (``materials``), where to go and
    who is responsible (``where``), the steps (``steps``), the 公示 (``publicity``) and when and how
    it is paid (``payment``). Every topic must be written out; an empty list says the text is
    silent on it (shown as “文件未写明”), so no step is ever invented."""

    rules: list[str] = Field(min_length=1)
    materials: list[GuideItem]
    where: list[GuideItem]
    steps: list[GuideItem]
    publicity: list[GuideItem]
    payment: list[GuideItem]


# The topics of a HowToApply, in the order they are shown.
GUIDE_TOPICS = ("materials", "where", "steps", "publicity", "payment")
