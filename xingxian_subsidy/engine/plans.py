"""What a claim's explanation takes from the rule data alone, worked out once per rule (plans),
and the output parts shared between lines.

Much of a claim's explanation depends on the rule data alone: the rule's citation, the
subject check's threshold, each condition's citation, threshold parameter and its text, the
input specs, the list of a year's sources, the tests of each match, the bounds of each tier.
A roster evaluates the same few dozen rules thousands of times, so these are worked out once
per rule (and year) and kept in a plan. A plan also holds the caches of shared output parts for
its rule, with cheap keys: within one condition, a Check is wholly determined by the value's
text, passed and whether the value is a yes/no, so those are its key, instead of every field
value of the Check (which hashes its label Text and Citation through pydantic at every lookup).

Shared output parts. Citations, checks and inputs used are frozen models wholly determined by
their field values, and a roster repeats the same few hundred of them across thousands of
lines (the same rule, condition and yes/no answer). Building each once and sharing it keeps
every line equal field for field, while sparing pydantic's validation and, above all, the
cyclic GC: an audit keeps all its lines alive, and rescanning ~30 fresh models per line was two
thirds of the reference engine's time. The keys hold the exact field values (strings, bools,
None and other frozen models), never object ids, so a key can only ever find an equal object.
The caches hold their objects weakly: an entry lasts as long as some result still uses it, so a
long-running process does not accumulate them. The models are frozen; like the rule data's
labels they already share, their lists are not to be changed in place.

Rule data are not changed once loaded (the models are frozen; nothing alters a YearRules after
load_rules). A year's plans live as long as its YearRules object: they are found by id(yr),
checked against a weak reference to it, and dropped by a finalizer when it is collected (a plan
never refers to its YearRules, which would keep it alive). A rule's plan holds the Rule itself,
so the id(rule) it is found by cannot pass to another object while the plan exists.
"""

from __future__ import annotations

import weakref
from decimal import Decimal
from typing import Any, Callable
from weakref import WeakValueDictionary

from ..core.memo import per_object
from ..core.money import SHARE, num_text, pct_text
from ..core.text import Text
from ..pack.formulas import TierTable
from ..pack.loader import YearRules
from ..pack.models import Condition, InputSpec, Match, Parameter, Vocabulary
from ..pack.rule import Rule
from ..pack.semantics import MatchStep, TierBound, category_match, match_steps, tier_bounds
from .models import Check, Citation, InputUsed, Step

__all__ = ["NO", "YES", "CondPlan", "RulePlan", "YearPlan", "citation", "input_text", "shared", "shared_check", "year_plan"]

YES, NO = Text(zh="是", en="yes"), Text(zh="否", en="no")

_CITATIONS: WeakValueDictionary[tuple, Citation] = WeakValueDictionary()
_CHECKS: WeakValueDictionary[tuple, Check] = WeakValueDictionary()


def shared(cache: WeakValueDictionary[tuple, Any], key: tuple, make: Callable[[], Any]) -> Any:
    """The object cached under ``key``, built (validated) by ``make()`` when there is none alive."""
    obj = cache.get(key)
    if obj is None:
        obj = cache[key] = make()
    return obj


def shared_check(**fields: Any) -> Check:
    """A Check, shared between lines with the same field values.

    Takes exactly the keywords a direct ``Check(...)`` call would, so the fields set are the same.
    """
    interps = fields.pop("interpretations", None)  # a list: keyed as a tuple
    key = (tuple(fields.items()), None if interps is None else tuple(interps))
    if interps is None:
        return shared(_CHECKS, key, lambda: Check(**fields))
    return shared(_CHECKS, key, lambda: Check(**fields, interpretations=interps))


def citation(rule: Rule, section: str | None = None, quote: str | None = None) -> Citation:
    """The rule's source (or a given section and quote of its document), shared."""
    doc = rule.document
    assert doc is not None
    section, quote = section or rule.section, quote or rule.quote
    key = (doc.number, doc.title, section, doc.gazette, doc.gazette_page, quote, doc.url, doc.file, doc.quotes)
    return shared(_CITATIONS, key, lambda: Citation(
        document_number=doc.number,
        document_title=doc.title,
        section=section,
        gazette=doc.gazette,
        gazette_page=doc.gazette_page,
        quote=quote,
        url=doc.url,
        file=doc.file,
        paraphrase=doc.quotes == "paraphrase",
    ))


def input_text(value: Any) -> str:
    """An input's value as shown: 是/否, a number without exponent or trailing zeros, or the text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return num_text(value)
    return str(value)


class CondPlan:
    """What one condition's Check takes from the rule data: its citation, threshold and texts."""

    __slots__ = ("checks", "citation", "match", "specs", "threshold", "threshold_i18n", "threshold_text", "threshold_unit", "unit_suffix")

    def __init__(self, yr: YearRules, plan: RulePlan, cond: Condition):
        rule = plan.rule
        self.citation = citation(rule, cond.section, cond.quote)
        self.specs = plan.specs
        self.threshold: Decimal | None = None
        self.threshold_text: str | None = None
        self.threshold_i18n: Text | None = None
        self.threshold_unit: str | None = None
        # a category condition is a match (semantics.category_match), held here so that its id names it
        self.match: Match | None = category_match(cond) if cond.category else None
        if cond.threshold:
            p = yr.param(rule, cond.threshold)
            self.threshold = p.value
            self.threshold_unit = p.unit
            self.threshold_text = f"{num_text(p.value)} {p.unit}" if p.unit != SHARE else pct_text(p.value)
        if cond.category:
            names = [yr.vocabulary.group_label(g) for g in cond.values or []]
            self.threshold_i18n = Text(zh="、".join(t.zh for t in names), en=", ".join(t.en for t in names))
            self.threshold_text = self.threshold_i18n.zh
        if cond.op in ("is_true", "is_false"):
            self.threshold_text = "是" if cond.op == "is_true" else "否"
            self.threshold_i18n = YES if cond.op == "is_true" else NO
        # the input's unit, written after a value that is not a yes/no
        spec = plan.specs.get(cond.input) if cond.input is not None else None
        self.unit_suffix = f" {spec.unit}" if spec and spec.unit else ""
        # (value text, passed, None or whether the yes/no value is yes) → Check; for any_of, (passed,);
        # for a category condition, (the category, passed, None)
        self.checks: WeakValueDictionary[tuple, Check] = WeakValueDictionary()

    def unit_of(self, name: str) -> str:
        """An input's unit as written after its value (`` 棒``), or nothing."""
        spec = self.specs.get(name)
        return f" {spec.unit}" if spec and spec.unit else ""


class RulePlan:
    """What a rule's lines take from the rule data alone (see the module docstring)."""

    __slots__ = ("citation", "conds", "fixed_steps", "inputs", "rule", "specs", "steps", "subject_checks", "tier_steps", "tiers")

    def __init__(self, rule: Rule):
        self.rule = rule  # held, so that id(rule) keeps naming this rule (see above)
        self.citation = citation(rule)
        self.specs: dict[str, InputSpec] = {s.name: s for s in reversed(rule.inputs)}  # the first spec of a name, as Rule.input_spec
        # (name, label, unit, InputUsed by value text) per input spec, in the rule's order
        self.inputs: list[tuple[str, Text, str | None, WeakValueDictionary[str, InputUsed]]] = [
            (s.name, s.label, s.unit, WeakValueDictionary()) for s in rule.inputs]
        self.conds: dict[int, CondPlan] = {}  # id(condition) → plan; the conditions belong to self.rule
        self.steps: dict[int, tuple[Match, list[MatchStep]]] = {}  # id(match) → (it, its tests)
        self.subject_checks: WeakValueDictionary[str, Check] = WeakValueDictionary()  # applicant's subject → Check
        # Steps of the formulas whose text depends on the rule data and at most one value:
        self.fixed_steps: dict[int, tuple[Parameter, Step]] = {}  # Fixed: id(amount parameter) → (it, its Step)
        self.tiers: list[TierBound] | None = None  # TierTable: see tier_bounds
        self.tier_steps: WeakValueDictionary[tuple[int, str], Step] = WeakValueDictionary()  # (tier index, value text) → Step

    def fixed_step(self, p: Parameter) -> Step:
        """The step of a Fixed formula paying ``p``."""
        entry = self.fixed_steps.get(id(p))
        if entry is None or entry[0] is not p:  # the entry holds p, so its id names p while it exists
            stated = f"（{p.stated}）" if p.stated else ""  # as the text states it: 0.12345 万元
            step = Step(text=Text(zh=f"{p.label.zh}：{num_text(p.value)} {p.unit}{stated}", en=f"{p.label.en}: {num_text(p.value)} {p.unit}{stated}"),
                        amount=p.value)
            entry = self.fixed_steps[id(p)] = (p, step)
        return entry[1]

    def tier_bounds(self, yr: YearRules, f: TierTable) -> list[TierBound]:
        """Each tier of the rule's TierTable with its bounds and award."""
        if self.tiers is None:
            self.tiers = tier_bounds(f, lambda name: yr.param(self.rule, name))
        return self.tiers

    def cond(self, yr: YearRules, cond: Condition) -> CondPlan:
        """The condition's plan, worked out at its first use."""
        plan = self.conds.get(id(cond))
        if plan is None:
            plan = self.conds[id(cond)] = CondPlan(yr, self, cond)
        return plan

    def match_steps(self, m: Match, vocabulary: Vocabulary) -> list[MatchStep]:
        """The tests of one of the rule's matches (``semantics.match_steps``)."""
        entry = self.steps.get(id(m))
        if entry is None or entry[0] is not m:  # the entry holds m, so its id names m while it exists
            entry = self.steps[id(m)] = (m, match_steps(m, vocabulary))
        return entry[1]


class YearPlan:
    """A YearRules's rule plans, and what every award of the year repeats."""

    def __init__(self, yr: YearRules):
        self.yr = weakref.ref(yr)
        self.rules: dict[int, RulePlan] = {}  # id(rule) → plan
        self.subject_labels = {s.id: s.label for s in yr.vocabulary.subjects}
        self.sources = [doc.source_text for doc in yr.documents.values()]
        # the year's rules open to each subject type, in document order
        self.open_to = {sid: [rid for rid, r in yr.rules.items() if sid in r.subjects] for sid in self.subject_labels}
        self.groups = {c.id: yr.groups_of(c.id) for c in yr.vocabulary.categories}

    def rule(self, rule: Rule) -> RulePlan:
        plan = self.rules.get(id(rule))
        if plan is None or plan.rule is not rule:
            plan = self.rules[id(rule)] = RulePlan(rule)
        return plan

    def groups_of(self, yr: YearRules, category: str | None) -> frozenset[str]:
        """yr.groups_of(category), kept for the vocabulary's categories."""
        groups = self.groups.get(category) if category is not None else None
        return groups if groups is not None else yr.groups_of(category)

    def open_rules(self, yr: YearRules, subject: str) -> list[str]:
        """The ids of the year's rules open to ``subject``, in document order."""
        rids = self.open_to.get(subject)
        return rids if rids is not None else [rid for rid, r in yr.rules.items() if subject in r.subjects]


_YEAR_PLANS: dict[int, tuple[weakref.ref, YearPlan]] = {}  # id(yr) → plan, while that YearRules lives


def year_plan(yr: YearRules) -> YearPlan:
    """The plans of a year's rules (made at first use, dropped with the YearRules)."""
    return per_object(_YEAR_PLANS, yr, lambda: YearPlan(yr))
