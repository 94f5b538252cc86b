"""The formula vocabulary: every kind of formula a rule may use, declared once.

Each kind is a model (its fields are the rule data's ``formula:`` mapping) that also says, for
every other part of the package, what it is:

* ``label`` — its name in both languages (``rules list``, ``docs/rules.md``);
* ``parameters()`` — the parameter names it reads (the loader checks each exists and is used);
* ``inputs()`` — the applicant inputs it reads (the loader checks each is declared);
* ``value_refs()`` — the values that may depend on who applies (lists of ``RateCase``);
* ``units()`` — the input whose units the formula counts, if it counts units (a cap ``on: units``
  bounds it).

What a kind *does* is registered by kind elsewhere, one registry per layer: the reference
engine's evaluation (``engine.formulas.EVALUATE``), the vectorised compilation
(``audit.compiler.COMPILE``, or ``audit.compiler.FALLS_BACK``) and the description offered to
applicants (``selfservice.screening.DESCRIBE``). ``tests/test_architecture.py`` asserts that
every kind in :data:`FORMULA_KINDS` is in each of them. Adding a kind: see docs/architecture.md.
"""

from __future__ import annotations

from typing import Annotated, Callable, ClassVar, Literal, TypeVar, Union

from pydantic import Field

from ..core.text import Model, Text
from .models import RateCase, Rounding, ValueRef

__all__ = [
    "FORMULA_KINDS",
    "DecidedWithinRange",
    "FirstPlusAdditional",
    "Fixed",
    "Formula",
    "FormulaBase",
    "InterestAtRate",
    "NotQuantified",
    "PerUnit",
    "PooledRate",
    "ShareOfCost",
    "Tier",
    "TierTable",
    "kind_of",
    "registrar",
    "value_parameters",
]


def value_parameters(ref: ValueRef) -> list[str]:
    """The parameter names a value refers to: one name, or one per case."""
    return [ref] if isinstance(ref, str) else [case.param for case in ref]


class FormulaBase(Model):
    """What every formula kind declares (see the module docstring)."""

    label: ClassVar[Text]

    def parameters(self) -> list[str]:
        """The parameter names the formula reads, in the order they are shown."""
        return []

    def inputs(self) -> list[str]:
        """The applicant inputs the formula reads."""
        return []

    def value_refs(self) -> list[ValueRef]:
        """The formula's values that may depend on who applies (a parameter name or cases)."""
        return []

    def units(self) -> str | None:
        """The input whose units the formula counts (None: it counts none)."""
        return None

    def declared_units(self) -> str | None:
        """The input holding the units declared (申报), when the formula pays on units accepted (验收)."""
        return None

    def cases(self) -> list[RateCase]:
        """Every case of the formula's values."""
        return [case for ref in self.value_refs() if not isinstance(ref, str) for case in ref]

    def interpretation_ids(self) -> list[str]:
        """The register entries the formula itself rests on (beyond its cases')."""
        return []


class PerUnit(FormulaBase):
    """rate × quantity (per mu, per m², per plant, per log, per item).

    With ``declared``, ``quantity`` is the quantity accepted (验收) and ``declared`` the one
    applied for (申报): the line pays on the accepted quantity and shows both.
    """

    label: ClassVar[Text] = Text(zh="按数量×标准", en="rate × quantity")
    kind: Literal["per_unit"]
    rate: ValueRef
    quantity: str
    declared: str | None = None

    def parameters(self) -> list[str]:
        return value_parameters(self.rate)

    def inputs(self) -> list[str]:
        return [self.quantity] + ([self.declared] if self.declared else [])

    def value_refs(self) -> list[ValueRef]:
        return [self.rate]

    def units(self) -> str | None:
        return self.quantity

    def declared_units(self) -> str | None:
        return self.declared


class PooledRate(FormulaBase):
    """A rate set as a pool divided by a total (1200000 元 ÷ 6396.15 亩), rounded to ``rate_step``
    as the text publishes it (``rate_rounding``: half_up, or down — truncated: 187.6130… → 187.61
    元/亩), times the quantity; the line is then rounded to the 分 once, as every line.
    """

    label: ClassVar[Text] = Text(zh="资金池÷总量定标准", en="pool ÷ total as the rate")
    kind: Literal["pooled_rate"]
    pool: str
    total: str
    rate_step: str
    rate_rounding: Rounding
    quantity: str

    def parameters(self) -> list[str]:
        return [self.pool, self.total, self.rate_step]

    def inputs(self) -> list[str]:
        return [self.quantity]

    def units(self) -> str | None:
        return self.quantity


class Fixed(FormulaBase):
    """A fixed amount per claim (one toilet, one product, one store)."""

    label: ClassVar[Text] = Text(zh="定额", en="fixed amount")
    kind: Literal["fixed"]
    amount: ValueRef

    def parameters(self) -> list[str]:
        return value_parameters(self.amount)

    def value_refs(self) -> list[ValueRef]:
        return [self.amount]


class ShareOfCost(FormulaBase):
    """share × cost (cost shares by subject; 全额 is a share of 1)."""

    label: ClassVar[Text] = Text(zh="按成本比例", en="share of cost")
    kind: Literal["share_of_cost"]
    share: ValueRef
    cost: str

    def parameters(self) -> list[str]:
        return value_parameters(self.share)

    def inputs(self) -> list[str]:
        return [self.cost]

    def value_refs(self) -> list[ValueRef]:
        return [self.share]


class Tier(Model):
    label: Text
    lower: str | None = None
    lower_inclusive: bool = True
    upper: str | None = None
    upper_inclusive: bool = True
    award: str


class TierTable(FormulaBase):
    """A stepped table: the tier whose bounds hold the value placed gives the award.

    ``basis`` says what is placed:

    * ``claim`` (the default): each claim's own input;
    * ``applicant``: the applicant's total of the input over its claims of this rule that pass
      their own conditions (subject and conditions; a claim that fails one adds nothing), placed
      once. The applicant's award is paid on the first of those claims in claim order; its other
      claims of the rule are 0 ("limited"), each saying where the award is. While any claim of the
      rule is undecided (a condition or its input not given) the total is not known, and every
      counted claim is undecided too. A claim's uplifts or caps cannot bound an award that is no
      one claim's: the loader refuses them (caps shared between claims apply afterwards).

    ``interpretations``: the register entries the basis rests on, named on every step it gives.
    """

    label: ClassVar[Text] = Text(zh="阶梯表", en="tier table")
    kind: Literal["tier_table"]
    input: str
    basis: Literal["claim", "applicant"] = "claim"
    tiers: list[Tier] = Field(min_length=1)
    interpretations: list[str] = []

    @property
    def per_applicant(self) -> bool:
        """The applicant's total is placed, not each claim's own value."""
        return self.basis == "applicant"

    def parameters(self) -> list[str]:
        return [x for t in self.tiers for x in (t.lower, t.upper, t.award) if x]

    def inputs(self) -> list[str]:
        return [self.input]

    def interpretation_ids(self) -> list[str]:
        return list(self.interpretations)


class FirstPlusAdditional(FormulaBase):
    """first item's amount, plus an amount for each additional item."""

    label: ClassVar[Text] = Text(zh="首个+每增加", en="first + each additional")
    kind: Literal["first_plus_additional"]
    count: str
    first: str
    additional: str

    def parameters(self) -> list[str]:
        return [self.first, self.additional]

    def inputs(self) -> list[str]:
        return [self.count]


class DecidedWithinRange(FormulaBase):
    """An amount the county decides inside a range the text gives (e.g. 3-5万)."""

    label: ClassVar[Text] = Text(zh="区间内确定", en="decided within a range")
    kind: Literal["decided_within_range"]
    amount: str
    min: str
    max: str

    def parameters(self) -> list[str]:
        return [self.min, self.max]

    def inputs(self) -> list[str]:
        return [self.amount]


class InterestAtRate(FormulaBase):
    """Interest on a loan at a benchmark rate for the days held, bounded by interest actually paid."""

    label: ClassVar[Text] = Text(zh="按基准利率贴息", en="interest at benchmark rate")
    kind: Literal["interest_at_rate"]
    principal: str
    annual_rate_percent: str
    days: str
    day_basis: str
    interest_paid: str

    def parameters(self) -> list[str]:
        return [self.day_basis]

    def inputs(self) -> list[str]:
        return [self.principal, self.annual_rate_percent, self.days, self.interest_paid]


class NotQuantified(FormulaBase):
    """Support the text names without a figure: listed, not computed."""

    label: ClassVar[Text] = Text(zh="文件未量化", en="not quantified")
    kind: Literal["not_quantified"]


def kind_of(cls: type[FormulaBase]) -> str:
    """The ``kind`` word of a formula model (``per_unit`` for PerUnit)."""
    return cls.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]


_Handler = TypeVar("_Handler", bound=Callable)


def registrar(table: dict[str, _Handler]) -> Callable[[type[FormulaBase]], Callable[[_Handler], _Handler]]:
    """The decorator that files a handler under its formula kind in ``table`` — one per consumer
    of the formula vocabulary (the engine's ``EVALUATE``, the audit's ``COMPILE``, screening's
    ``DESCRIBE``), each written ``@evaluates(PerUnit)``; ``tests/test_architecture.py`` checks
    that every kind is in every table."""
    def for_kind(kind: type[FormulaBase]) -> Callable[[_Handler], _Handler]:
        def register(fn: _Handler) -> _Handler:
            table[kind_of(kind)] = fn
            return fn
        return register
    return for_kind


_KINDS = (PerUnit, Fixed, ShareOfCost, TierTable, FirstPlusAdditional, DecidedWithinRange, InterestAtRate, NotQuantified, PooledRate)

Formula = Annotated[Union[_KINDS], Field(discriminator="kind")]  # type: ignore[valid-type]

# kind name → its model, in the order of the vocabulary
FORMULA_KINDS: dict[str, type[FormulaBase]] = {kind_of(k): k for k in _KINDS}
