"""What the rule data means, written once for every caller.

* **Matches** (who a case, uplift, cap or condition applies to) are three-valued: True, False,
  or None when the answer depends on something not given. :func:`match_steps` turns a
  ``Match`` into an ordered list of tests where the first that fires decides;
  :func:`evaluate_match` runs them in Python (reference engine, screening, questionnaire) and
  ``audit.vector`` compiles the very same steps into polars expressions.
* **Tiers**: :func:`tier_bounds` gives each tier of a tier table with its bounds from the rule
  data; :meth:`TierBound.contains` and :func:`place` say where a value falls. The engine, the
  vector path, the audit's tier summaries, the hints and the screening all use them.
* **Category conditions** ("监测对象 only") are matches too: :func:`category_match`.
* **Pooled rates**: :func:`pooled_rate` — a pool ÷ a total, rounded as the text publishes it.
* **Words**: the words that name a subject type, a category or a rule in a file or a roster,
  how a spelling is compared (:func:`spelling_key`), the nearest word to one not known
  (:func:`near_miss`), whether a rule pays the members of a group of categories alike
  (:func:`distinguishes`) and which forms a roster's title names (:func:`forms_named`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Callable, Iterable, Literal, Mapping

from ..core.inputforms import NEAR_MISSES_KEPT
from ..core.money import MONEY_CONTEXT, num_text, round_to
from ..core.text import Text
from .formulas import PooledRate, Tier, TierTable
from .models import Condition, Match, Parameter, RosterForm, Vocabulary
from .rule import Rule, walk_conditions

__all__ = [
    "CATEGORY",
    "MatchStep",
    "TierBound",
    "category_label",
    "category_match",
    "distinguishes",
    "evaluate_match",
    "forms_named",
    "match_steps",
    "near_miss",
    "place",
    "pooled_rate",
    "resolve_category",
    "resolve_rule",
    "resolve_subject",
    "rule_key",
    "spelling_key",
    "tier_bounds",
    "word_maps",
]

# The name under which a missing household category is reported (as a missing input would be).
CATEGORY = "category"

StepTest = Literal["subject_not_in", "subject_in", "category_unknown", "category_not_in", "category_in", "input_unknown", "input_not_in"]


@dataclass(frozen=True)
class MatchStep:
    """One test of a match. The steps run in order; the first whose test holds gives ``result``;
    when none holds the match is True.

    Tests: ``subject_not_in`` / ``subject_in`` (the subject type against ``values``);
    ``category_unknown`` (a subject of ``values`` — the household subjects — with no category);
    ``category_not_in`` / ``category_in`` (the category against ``values``, the members of the
    groups named; no category is in no group); ``input_unknown`` (input ``input`` not given);
    ``input_not_in`` (its value, as text, not among ``values``).
    """

    test: StepTest
    result: bool | None
    values: frozenset[str] = frozenset()
    input: str | None = None


def match_steps(m: Match, vocabulary: Vocabulary) -> list[MatchStep]:
    """The ordered tests of a match (see :class:`MatchStep`)."""
    steps: list[MatchStep] = []
    if m.subject is not None:
        steps.append(MatchStep("subject_not_in", False, frozenset(m.subject)))
    if m.not_subject is not None:
        steps.append(MatchStep("subject_in", False, frozenset(m.not_subject)))
    if m.group is not None or m.not_group is not None:
        steps.append(MatchStep("category_unknown", None, frozenset(vocabulary.household_subjects)))
        if m.group is not None:
            members = frozenset(c for g in m.group for c in vocabulary.members(g))
            steps.append(MatchStep("category_not_in", False, members))
        if m.not_group is not None:
            members = frozenset(c for g in m.not_group for c in vocabulary.members(g))
            steps.append(MatchStep("category_in", False, members))
    for name, allowed in (m.inputs or {}).items():
        steps.append(MatchStep("input_unknown", None, input=name))
        steps.append(MatchStep("input_not_in", False, frozenset(allowed), input=name))
    return steps


_UNKNOWN = object()


def category_match(cond: Condition) -> Match:
    """A category condition (``category: true``) as the match it is: ``in`` the groups or
    categories named is ``group``, ``not_in`` is ``not_group``. A household subject without a
    category is undecided; a subject that has none (not a household) is in no group."""
    return Match(group=cond.values) if cond.op == "in" else Match(not_group=cond.values)


def evaluate_match(
    steps: list[MatchStep],
    subject: str | None,
    category: str | None,
    value: Callable[[str], Any] | None = None,
) -> tuple[bool | None, str | None]:
    """Run a match's steps for one applicant.

    Args:
        steps: from :func:`match_steps`.
        subject: the subject type id, or None when not known yet (subject tests are then unknown).
        category: the household category id, or None.
        value: the value of an input (None when not given); None to leave inputs out of the
            question (screening: the input tests count as holding).

    Returns:
        (True/False/None, the name of what is missing when None: an input, or :data:`CATEGORY`).
    """
    for step in steps:
        t = step.test
        if t in ("subject_not_in", "subject_in"):
            if subject is None:
                return None, None
            hit = (subject not in step.values) if t == "subject_not_in" else (subject in step.values)
        elif t == "category_unknown":
            if subject is None and category is None:
                return None, CATEGORY
            hit = category is None and subject in step.values
            if hit:
                return None, CATEGORY
        elif t == "category_not_in":
            hit = category is None or category not in step.values
        elif t == "category_in":
            hit = category is not None and category in step.values
        else:
            if value is None:
                continue
            assert step.input is not None
            v = value(step.input)
            if t == "input_unknown":
                if v is None:
                    return None, step.input
                continue
            hit = str(v) not in step.values
        if hit:
            return step.result, None
    return True, None


@dataclass(frozen=True)
class TierBound:
    """A tier of a tier table with its bounds (None: open) and award, from the rule data."""

    tier: Tier
    lower: Decimal | None
    upper: Decimal | None
    award: Parameter

    def contains(self, value: Decimal) -> bool:
        t = self.tier
        if self.lower is not None and (value < self.lower or (value == self.lower and not t.lower_inclusive)):
            return False
        return not (self.upper is not None and (value > self.upper or (value == self.upper and not t.upper_inclusive)))

    def bounds_text(self, value_name: str = "x") -> str:
        """``1500 < x ≤ 2000``."""
        t = self.tier
        lo = f"{_num(self.lower)}{' ≤ ' if t.lower_inclusive else ' < '}" if self.lower is not None else ""
        hi = f"{' ≤ ' if t.upper_inclusive else ' < '}{_num(self.upper)}" if self.upper is not None else ""
        return lo + value_name + hi


def _num(value: Decimal | None) -> str:
    return num_text(value) if value is not None else "—"


def tier_bounds(formula: TierTable, param: Callable[[str], Parameter]) -> list[TierBound]:
    """Each tier of ``formula`` with its bounds and award (``param`` looks a parameter up by name)."""
    return [TierBound(t, param(t.lower).value if t.lower else None, param(t.upper).value if t.upper else None, param(t.award))
            for t in formula.tiers]


def place(bounds: list[TierBound], value: Decimal) -> int | None:
    """The index of the first tier that holds ``value``, or None."""
    for i, b in enumerate(bounds):
        if b.contains(value):
            return i
    return None


def pooled_rate(f: PooledRate, param: Callable[[str], Parameter]) -> tuple[Decimal, Decimal]:
    """(pool ÷ total exactly — to as many digits as MONEY_CONTEXT carries —, the rate as the text
    publishes it: rounded to ``rate_step`` by ``rate_rounding``). 1200000 ÷ 6396.15 → 187.61."""
    with localcontext(MONEY_CONTEXT):
        exact = param(f.pool).value / param(f.total).value
    return exact, round_to(exact, param(f.rate_step).value, f.rate_rounding)


# ------------------------------------------------------------------------------ words


def word_maps(vocabulary: Vocabulary, rules: Mapping[str, Rule]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Words a file or roster may use → id, for subject types, household categories and rules.

    A subject or category is named by its id, Chinese or English label or an alias; a rule by its
    id or its Chinese or English name (the loader refuses a word that names two things).
    """
    subjects = {a: s.id for s in vocabulary.subjects for a in s.names}
    categories = {a: c.id for c in vocabulary.categories for a in c.names}
    rule_words = {a: rid for rid, r in rules.items() for a in [rid, r.name.zh, r.name.en]}
    return subjects, categories, rule_words


def rule_key(text: str) -> str:
    """A rule id or name as compared: NFKC, no blanks or invisible characters, lower case —
    ``XZBF12.S5.COURTYARD_TIERED`` and ``庭院经济 阶梯式奖补`` name their rules."""
    return re.sub(r"[\s\u200b-\u200f\u2060\ufeff]+", "", unicodedata.normalize("NFKC", text)).lower()


def resolve_rule(rules: Mapping[str, Rule], raw: str) -> str | None:
    """The rule a word names — its id or its Chinese or English name, compared by :func:`rule_key`
    — or None. The one reading of a rule's name: calc, the web page and the audit (both paths,
    and its summaries) use it."""
    text = raw.strip()
    if text in rules:
        return text
    key = rule_key(text)
    for rid, rule in rules.items():
        if key in (rule_key(rid), rule_key(rule.name.zh), rule_key(rule.name.en)):
            return rid
    return None


def resolve_subject(vocabulary: Vocabulary, raw: str) -> str | None:
    """The subject type a word names (trimmed, exact), or None."""
    text = raw.strip()
    for s in vocabulary.subjects:
        if text in s.names:
            return s.id
    return None


def resolve_category(vocabulary: Vocabulary, raw: str) -> str | None:
    """The household category a word names (trimmed, exact), or None."""
    text = raw.strip()
    for c in vocabulary.categories:
        if text in c.names:
            return c.id
    return None


def category_label(vocabulary: Vocabulary, category: str) -> Text:
    """A category's label, followed by the label groups it belongs to: 边缘易致贫户（三类户）."""
    for c in vocabulary.categories:
        if c.id == category:
            shown = [g for g in vocabulary.label_groups if category in vocabulary.groups.get(g, [])]
            if not shown:
                return c.label
            return Text(zh=c.label.zh + "".join(f"（{g}）" for g in shown), en=c.label.en + "".join(f" ({g})" for g in shown))
    return Text(zh=category, en=category)


def spelling_key(text: str) -> str:
    """A word as a roster's spelling is compared: NFKC (full-width to half-width), no blanks or
    invisible characters, lower case — ``三 格`` and ``３格`` are looked up as ``三格`` and ``3格``."""
    return re.sub(r"[\s\u200b-\u200f\u2060\ufeff]+", "", unicodedata.normalize("NFKC", text)).lower()


def near_miss(raw: str, words: Iterable[str]) -> str | None:
    """The known word nearest to one that is not known (三各式 → 三格式), or None when none is
    near (difflib's own cutoff): for a "did you mean" in a message."""
    return _near_miss(raw, tuple(words))


@functools.lru_cache(maxsize=NEAR_MISSES_KEPT)
def _near_miss(raw: str, words: tuple[str, ...]) -> str | None:
    """:func:`near_miss`, once per distinct (cell, words): a roster repeats its bad cells, and each
    difflib search costs about a millisecond."""
    import difflib

    by_key: dict[str, str] = {}
    for w in words:
        by_key.setdefault(spelling_key(w), w)
    hit = difflib.get_close_matches(spelling_key(raw), list(by_key), n=1)
    return by_key[hit[0]] if hit else None


def distinguishes(rule: Rule, members: Iterable[str], vocabulary: Vocabulary) -> bool:
    """Whether a rule treats the members of a group of categories differently: some match of the
    rule (a category condition, the ``when`` of a case, uplift or cap) holds for some members and
    not for others. A roster may name the group (监测户) for a rule that does not."""
    ms = set(members)
    matches = list(rule.matches()) + [category_match(c) for c in walk_conditions(rule.conditions) if c.category]
    matches += [c.when for c in walk_conditions(rule.conditions) if c.when is not None]
    for m in matches:
        for step in match_steps(m, vocabulary):
            if step.test in ("category_in", "category_not_in") and 0 < len(ms & step.values) < len(ms):
                return True
    return False


def forms_named(forms: Iterable[RosterForm], text: str) -> list[RosterForm]:
    """The forms a title, sheet or file name names: one of a form's words is in it and none of its
    ``except_words`` (compared by :func:`spelling_key`)."""
    key = spelling_key(text)
    return [f for f in forms if any(spelling_key(w) in key for w in f.words) and not any(spelling_key(w) in key for w in f.except_words)]
