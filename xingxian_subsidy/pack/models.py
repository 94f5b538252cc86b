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

from ..core.money import YUAN, D, in_yuan, num_text
from ..core.text import Model as _Model
from ..core.text import Text

__all__ = [
    "BOUNDARY_WORDS",
    "GUIDE_TOPICS",
    "ROSTER_FIELDS",
    "ROUNDINGS",
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
    "ReportLetter",
    "RosterForm",
    "RosterWords",
    "Rounding",
    "RuleGroup",
    "RuleGroupReport",
    "SubjectType",
    "TaskReport",
    "TaskTable",
    "TierReport",
    "Tranche",
    "Uplift",
    "ValueRef",
    "Vocabulary",
    "place_text",
]


def _dec(value: Any) -> Decimal:
    return D(value)


Dec = Annotated[Decimal, BeforeValidator(_dec), PlainSerializer(lambda d: str(d), return_type=str)]


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


def place_text(gazette: str | None, gazette_page: int | None, url: str | None, file: str | None) -> Text:
    """Where a document can be read, as a line cites it: the gazette page it begins on, the address
    of a notice published on the web, or a file the office holds (the first of these it has)."""
    if gazette_page is not None:
        return Text(zh=f"公报第{gazette_page}页", en=f"gazette p. {gazette_page}")
    if url is not None:
        return Text(zh=f"网页公示 {url}", en=f"web notice {url}")
    if file is not None:
        return Text(zh=f"文件 {file}", en=f"file {file}")
    return Text(zh="出处未载", en="no source given")


class Document(_Model):
    """The published source a rule file encodes: a gazette (``gazette`` and the page the document
    begins on), a notice published on the web (``url``), or a file the office holds (``file``) —
    at least one of them. ``number`` is the 文号 (a web notice may have none).

    ``quotes`` says how the file's quotes stand to the text: ``verbatim`` (checked word for word
    against ``source_file`` by ``rules validate --sources``) or ``paraphrase`` (the text was not at
    hand: every quote is a paraphrase, and every line that shows one says so).
    """

    id: str
    number: str | None = None
    title: str
    issuer: str
    date: dt.date
    gazette: str | None = None
    gazette_page: int | None = Field(None, ge=1, description="page of the gazette where the document begins (目录)")
    url: str | None = None
    file: str | None = None
    source_file: str | None = None
    quotes: Literal["verbatim", "paraphrase"] = "verbatim"
    effective: Period

    @model_validator(mode="after")
    def _has_a_source(self) -> Document:
        if (self.gazette is None) != (self.gazette_page is None):
            raise ValueError("a gazette source needs both gazette and gazette_page")
        if self.gazette is None and self.url is None and self.file is None:
            raise ValueError("say where the document is published: gazette and gazette_page, url (a web notice) or file")
        if self.quotes == "verbatim" and not self.source_file:
            raise ValueError("verbatim quotes need the source_file they are checked against (or quotes: paraphrase)")
        return self

    @property
    def name(self) -> str:
        """How a line names the document: its 文号, else its title."""
        return self.number or self.title

    @property
    def place(self) -> Text:
        """Where the document can be read (see :func:`place_text`)."""
        return place_text(self.gazette, self.gazette_page, self.url, self.file)

    @property
    def source_text(self) -> str:
        """The document as the list of sources names it: 文号, title and where it is published."""
        if self.gazette is not None:
            return f"{self.name} {self.title}（{self.gazette} 第{self.gazette_page}页）" if self.number else f"{self.title}（{self.gazette} 第{self.gazette_page}页）"
        where = "，".join(x for x in (self.issuer, str(self.date), self.url or self.file) if x)
        return f"{self.number} {self.title}（{where}）" if self.number else f"{self.title}（{where}）"


class Parameter(_Model):
    """One number of policy, with the sentence it comes from.

    A parameter the text states in 万元 (``value: "187.63239"``, ``unit: 万元``) is held in 元
    (``1876323.9`` 元), exactly; ``stated`` keeps it as written (``187.63239 万元``). The unit
    must be one the pack declares (``units:`` of the vocabulary; the loader checks).
    """

    value: Dec
    unit: str = Field(min_length=1)
    label: Text
    section: str = Field(min_length=1)
    quote: str = Field(min_length=4)
    # a value the text does not give (the day-count of a loan-interest reading): the register entry
    # that sets it; the value must then be written in that entry's reading, not in the quote
    value_from: str | None = None
    stated: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _in_yuan(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("unit"), str) and "value" in data and "stated" not in data:
            try:
                value = D(data["value"])
            except (TypeError, ValueError):
                return data  # the field's own validation names the problem
            yuan, unit = in_yuan(value, data["unit"])
            if unit != data["unit"]:
                return {**data, "value": yuan, "unit": unit, "stated": f"{num_text(value)} {data['unit']}"}
        return data


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
            if self.type == "money" and self.unit != YUAN:
                raise ValueError(f"input {self.name!r}: an amount of money is in {YUAN}, not {self.unit!r}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"input {self.name!r} of type choice needs choices")
        if self.type != "choice" and self.choices:
            raise ValueError(f"input {self.name!r}: choices only go with type choice")
        return self


class Match(_Model):
    """Who or what a case, cap or modifier applies to. Empty matches everyone.

    ``group`` and ``not_group`` name groups of household categories, or categories themselves
    (``Vocabulary.members``).
    """

    subject: list[str] | None = None
    not_subject: list[str] | None = None
    group: list[str] | None = None
    not_group: list[str] | None = None
    inputs: dict[str, list[str]] | None = None


class Condition(_Model):
    """A threshold or requirement of the text, checked against the applicant's value.

    The value is one input (``input``), the ratio of two (``ratio_of``: numerator, denominator;
    shown as a ratio in the threshold's unit, or as a percentage when that unit is 比例 or %), or
    the applicant's household category (``category: true``, op ``in``/``not_in``, ``values``
    naming groups or categories of the vocabulary: "监测对象 only" is compared with the 农户类型
    a roster gives, and a household without one is undecided).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    input: str | None = None
    ratio_of: tuple[str, str] | None = None
    category: bool = False
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
        if (self.input is not None) + (self.ratio_of is not None) + self.category != 1:
            raise ValueError(f"condition {self.id}: give exactly one of input, ratio_of or category")
        if self.category and self.op not in ("in", "not_in"):
            raise ValueError(f"condition {self.id}: a category condition tests op in or not_in")
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

    when: Match = Field(default_factory=Match)
    param: str
    interpretations: list[str] = []


ValueRef = Union[str, list[RateCase]]


class Uplift(_Model):
    """amount × (1 + factor) for the matched applicants (三类户 +25%)."""

    when: Match
    factor: str
    interpretations: list[str] = []


Rounding = Literal["half_up", "down"]
# how a stated rounding rounds: half_up (四舍五入, ROUND_HALF_UP) or down (truncation, 截尾)
ROUNDINGS: dict[str, Text] = {
    "half_up": Text(zh="四舍五入", en="rounded half up"),
    "down": Text(zh="截尾（舍去）", en="truncated"),
}


class Cap(_Model):
    """An upper bound: per claim, per project (same project label) or per applicant, over a group of rules.

    ``of: amount`` (the default) bounds the amount in 元; ``of: units`` bounds the units a
    per-unit formula counts ("at most 3 头"), in the unit of its quantity, before the rate is
    applied — per claim, or shared by the rules of a group (鸡+鸭+鹅 ≤ 50 只). ``param`` may
    depend on who applies (cases, as a rate: 脱贫户 8000 元, 监测户 10000 元).
    """

    param: ValueRef
    scope: Literal["claim", "project", "applicant"]
    of: Literal["amount", "units"] = "amount"
    group: str | None = None
    when: Match = Field(default_factory=Match)
    interpretations: list[str] = []

    @model_validator(mode="after")
    def _group_for_shared(self) -> Cap:
        if self.scope != "claim" and not self.group:
            raise ValueError("a project or applicant cap needs a group name")
        return self


class Tranche(_Model):
    """The part of the award paid this time (本次兑付 50%): the line's amount after every limit,
    times ``share``, rounded to the 分 as the pack states (``rounding``: half_up or down)."""

    share: str
    rounding: Rounding = "half_up"
    interpretations: list[str] = []


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
        if sum(self.values.values()) != self.total:
            raise ValueError(f"rows sum to {sum(self.values.values())}, but the 合计 is {self.total}")
        return self


class ReportLetter(_Model):
    """The form a township files, laid out as the document prints it (附件7: a request letter per
    township): its ``title``, the ``addressee``, the ``body`` (with the fields of the report's
    ``text``), the ``closing`` paragraph and the ``signed`` line (with ``{township}``). ``section``
    and ``quote`` (the form's title as published) say where it comes from."""

    title: Text
    addressee: Text | None = None
    body: Text
    closing: Text | None = None
    signed: Text | None = None
    section: str = Field(min_length=1)
    quote: str = Field(min_length=4)


class TierReport(_Model):
    """A table of the report (e.g. 附件7): per township, households and money by tier of tier-table rules.

    ``text`` is the sentence each township files, with the fields ``{township}``, ``{year}``,
    ``{households}``, ``{tiers}`` (the ``tier_text`` of each tier, joined) and ``{total_wan}``;
    ``tier_text`` has ``{tier}``, ``{households}`` and ``{wan}``. ``letter`` lays the sentence
    out as the form the township files; ``sheet`` names the report's own sheet in a workbook.
    """

    kind: Literal["tier_summary"]
    title: Text
    rules: list[str] = Field(min_length=1)
    text: Text | None = None
    tier_text: Text | None = None
    text_title: Text | None = None
    letter: ReportLetter | None = None
    sheet: str | None = Field(default=None, min_length=1, max_length=31, pattern=r"^[^\[\]:*?/\\]+$")


class TaskReport(_Model):
    """A table of the report (e.g. 附件2): per township, the claims paid by rule against a task table."""

    kind: Literal["task_progress"]
    title: Text
    task: str
    task_column: Text
    sheet: str | None = Field(default=None, min_length=1, max_length=31, pattern=r"^[^\[\]:*?/\\]+$")


class RuleGroup(_Model):
    """A group of rules a report adds up (养殖业: the livestock rules)."""

    label: Text
    rules: list[str] = Field(min_length=1)


class RuleGroupReport(_Model):
    """A table of the report (e.g. a 公示's 汇总): per group of rules and per rule, the households
    paid (applicants with an amount above 0) and the amount in 元; a household counts once in a
    group, however many of its rules it is paid for.

    ``text`` is the sentence the table is published as, with ``{households}``, ``{yuan}`` (the
    total), ``{villages}`` (villages with a household paid) and ``{groups}`` (the ``group_text``
    of each group, joined); ``group_text`` has ``{group}``, ``{households}``, ``{yuan}`` and
    ``{rules}`` (the ``rule_text`` of each of its rules, joined); ``rule_text`` has ``{rule}``,
    ``{households}`` and ``{yuan}``.
    """

    kind: Literal["rule_groups"]
    title: Text
    groups: list[RuleGroup] = Field(min_length=1)
    text: Text | None = None
    group_text: Text | None = None
    rule_text: Text | None = None
    text_title: Text | None = None
    sheet: str | None = Field(default=None, min_length=1, max_length=31, pattern=r"^[^\[\]:*?/\\]+$")


Report = Annotated[Union[TierReport, TaskReport, RuleGroupReport], Field(discriminator="kind")]


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


# The fields a roster column may hold (audit.columns reads them): the fixed columns, and three
# the audit reads without computing from them — 序号 (``serial``), the roster's own tier
# (``tier``, compared with the tier recomputed) and columns it knows and passes through
# (``known``: 一卡通账号, 联系电话, 备注 …, never listed as unrecognised).
ROSTER_FIELDS = ("township", "village", "name", "id_number", "subject", "category", "rule", "project", "claimed", "serial", "tier", "known")


class RosterForm(_Model):
    """A form a roster is laid out as: the words of a title, sheet or file name that name it, and
    the subsidies it is a roster of (one: the rule of every row that names none). ``except_words``
    in the same title mean another form (庭院经济示范村 is not the household roster). ``document``,
    ``section`` and ``quote`` (the form's title as published) say where it comes from."""

    id: str = Field(min_length=1)
    words: list[str] = Field(min_length=1)
    except_words: list[str] = []
    rules: list[str] = Field(min_length=1)
    document: str
    section: str = Field(min_length=1)
    quote: str = Field(min_length=4)


class RosterWords(_Model):
    """How real rosters are written (``roster.yaml`` of a year folder): what the audit reads
    besides the template's own words, each a word of data, never of code.

    * ``columns``: per field (:data:`ROSTER_FIELDS`), the headers that name it (农户姓名, 奖补金额);
    * ``inputs``: per rule and input, more headers that name the input (年度实现家庭增收);
    * ``values``: per field (``rule``, ``subject``, ``category``, ``tier``) or choice input, the
      spellings staff write and the word each stands for (三隔 → 三格式): read with a note;
    * ``totals``: the words of a 合计 row (合计, 小计, 总计), checked against the rows above;
    * ``notes``: the words a signature or notes row starts with (制表人, 审核人, 填报日期, 注);
    * ``forms``: the forms a title may name (:class:`RosterForm`).
    """

    columns: dict[str, list[str]] = {}
    inputs: dict[str, dict[str, list[str]]] = {}
    values: dict[str, dict[str, str]] = {}
    totals: list[str] = []
    notes: list[str] = []
    forms: list[RosterForm] = []

    @model_validator(mode="after")
    def _fields(self) -> RosterWords:
        for f in self.columns:
            if f not in ROSTER_FIELDS:
                raise ValueError(f"columns: unknown field {f!r}; expected one of {', '.join(ROSTER_FIELDS)}")
        return self


class Vocabulary(_Model):
    """Subject types, household categories and named groups of categories.

    ``household_subjects`` are the subject types a household category (农户类型) belongs to; a
    rule that depends on the category cannot be decided for them without it. ``label_groups``
    are the groups whose name is shown after a member category's label (边缘易致贫户（三类户）).

    ``units`` are every unit a parameter, an input or a task table of the pack may carry: a word
    (``元/头``), or a word with the other spellings a roster's header may write it in
    (``{m²: [平方米, ㎡]}``). The code gives a meaning only to 元, % and 比例 (``core.money``);
    a parameter stated in 万元 is held in 元.
    """

    subjects: list[SubjectType]
    categories: list[Category]
    groups: dict[str, list[str]]
    group_labels: dict[str, Text]
    group_interpretations: dict[str, list[str]] = {}
    household_subjects: list[str] = Field(min_length=1)
    label_groups: list[str] = []
    units: list[Union[str, dict[str, list[str]]]] = []
    # how this pack's rosters are written (roster.yaml beside vocabulary.yaml)
    roster: RosterWords = Field(default_factory=RosterWords)

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

    def unit_spellings(self) -> dict[str, list[str]]:
        """Each declared unit → the words that write it (itself first)."""
        out: dict[str, list[str]] = {}
        for entry in self.units:
            if isinstance(entry, str):
                out.setdefault(entry, [entry])
            else:
                for unit, others in entry.items():
                    out.setdefault(unit, [unit]).extend(others)
        return out

    def members(self, name: str) -> list[str]:
        """The categories a name stands for: a group's members, or a category itself."""
        if name in self.groups:
            return self.groups[name]
        return [name] if any(c.id == name for c in self.categories) else []

    def group_label(self, name: str) -> Text:
        """How a group (or a category) named in the rule data is shown."""
        if name in self.group_labels:
            return self.group_labels[name]
        for c in self.categories:
            if c.id == name:
                return c.label
        return Text(zh=name, en=name)

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
