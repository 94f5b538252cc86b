"""The self-check questionnaire as data and a small state machine. No I/O.

A front end (the ``check`` command, a test) loops::

    q = Questionnaire(yr)
    while (question := q.next()) is not None:
        error = q.answer(raw_text_from_the_user)   # None, or a zh/en reason to re-ask
        # or q.back(): the previous question again
    q.review()                                     # every answer, to confirm; q.change(key) re-asks one
    data = q.applicant_data()                      # the applicant file, as calc reads it

The state is the answers as typed, keyed by question: going back or changing an answer replays
them, so a question that no longer applies (another subject, a rule no longer ticked) drops out
and a new one is asked, while every answer that still applies is kept.

Who they are (name, subject type, household category when a household), which
rules open to that subject they did this year (offered by name), then only the
inputs those rules need — an input that only a condition for another kind of
project refers to (e.g. a livestock survival rate for a planting project) is
skipped. Every answer is checked at once with :func:`engine.parse_value`.
Numbers are kept as the Decimal the engine parsed and written out as strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ..core.text import Text
from ..engine.applicant import parse_value
from ..pack.loader import YearRules
from ..pack.models import Condition, InputSpec, Match
from ..pack.rule import Rule
from ..pack.semantics import evaluate_match, match_steps, resolve_category, resolve_subject
from .screening import category_choices, passing_answer, rate_text

__all__ = ["BACK_WORDS", "Option", "Question", "Questionnaire", "ReviewItem", "needed_inputs"]

Kind = Literal["text", "choice", "multi", "value"]


@dataclass(frozen=True)
class Option:
    value: str
    label: Text
    note: Text | None = None
    badge: Text | None = None


@dataclass(frozen=True)
class Question:
    """One question.

    Attributes:
        key: what it fills: ``name``, ``subject``, ``category``, ``rules``, ``project:<rule id>`` or
            ``input:<rule id>:<name>``.
        kind: text, choice (one of options), multi (several options) or value (a rule input, see ``spec``).
        prompt: the question.
        options: for choice and multi, numbered from 1 when shown.
        spec: the rule input being asked (kind value).
        section: the rule the question belongs to, for a heading.
        optional: a blank answer is accepted (the input stays missing and the line says what is needed).
        loses: for a yes/no input, the answer that loses the award (True: 是 loses, as for
            乱搭乱建…), None when no condition decides it; front ends mark it.
    """

    key: str
    kind: Kind
    prompt: Text
    options: list[Option] = field(default_factory=list)
    spec: InputSpec | None = None
    section: Text | None = None
    optional: bool = False
    loses: bool | None = None


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


# ------------------------------------------------------------ which inputs a rule needs


def _cond_refs(c: Condition) -> list[tuple[str, Match | None]]:
    out: list[tuple[str, Match | None]] = []
    if c.any_of:
        for sub in c.any_of:
            out += [(n, sub.when or c.when) for n, _ in _cond_refs(sub)]
        return out
    names = [c.input] if c.input else list(c.ratio_of or ())
    out += [(n, c.when) for n in names if n]
    for n in (c.when.inputs or {}) if c.when else {}:
        out.append((n, None))
    return out


def _refs(rule: Rule) -> list[tuple[str, Match | None]]:
    """(input name, the Match that must hold for it to matter; None = always)."""
    out: list[tuple[str, Match | None]] = []
    for c in rule.conditions:
        out += _cond_refs(c)
    out += [(v, None) for v in rule.formula.inputs() if rule.input_spec(v) is not None]
    out += [(n, None) for m in rule.matches() for n in (m.inputs or {})]
    return out


def _match_possible(m: Match, yr: YearRules, subject: str, category: str | None, answers: dict[str, Any]) -> bool:
    """False only when the Match surely does not hold given what is known (pack.semantics)."""
    return evaluate_match(match_steps(m, yr.vocabulary), subject, category, answers.get)[0] is not False


def needed_inputs(rule: Rule, yr: YearRules, subject: str, category: str | None, answers: dict[str, Any]) -> list[InputSpec]:
    """The rule's inputs still worth asking, given the answers so far (in the rule's order)."""
    refs = _refs(rule)
    out = []
    for spec in rule.inputs:
        uses = [m for n, m in refs if n == spec.name]
        if not uses or any(m is None or _match_possible(m, yr, subject, category, answers) for m in uses):
            out.append(spec)
    return out


# ------------------------------------------------------------ the questionnaire


_SPLIT = re.compile(r"[\s,，、;；]+")

# What a person types to go back one question (compared after trimming, in lower case).
BACK_WORDS = frozenset({"返回", "上一步", "上一题", "back"})


@dataclass(frozen=True)
class ReviewItem:
    """One answer on the review page: the question, the answer as understood, and its key."""

    key: str
    prompt: Text
    answer: Text
    section: Text | None = None


class Questionnaire:
    """State of one self-check: the answers so far and the next question."""

    def __init__(self, yr: YearRules, year: int | None = None):
        self.yr = yr
        self.year = year or yr.year
        self._answers: dict[str, str] = {}  # question key -> the answer as typed, in the order given
        self._reset()

    def _reset(self) -> None:
        self.name: str | None = None
        self.subject: str | None = None
        self.category: str | None = None
        self.category_asked = False
        self.rules: list[str] | None = None
        self.projects: dict[str, str | None] = {}
        self.inputs: dict[str, dict[str, Any]] = {}
        self.asked: set[str] = set()
        self._shown: dict[str, tuple[Question, Text]] = {}  # key -> (question, answer as understood), in order
        self._current: Question | None = None

    def _replay(self) -> None:
        """Rebuild the state from the stored answers; stop at the first question without one."""
        answers = self._answers
        self._answers = {}
        self._reset()
        while (q := self._next()) is not None and q.key in answers:
            self._current = q
            if self._apply(q, answers[q.key]) is not None:
                break
            self._answers[q.key] = answers[q.key]
        # answers to questions that come later are kept, to be replayed once this one is answered
        for key, raw in answers.items():
            self._answers.setdefault(key, raw)
        self._current = None

    # -- what to ask
    def _subject_question(self) -> Question:
        opts = [Option(s.id, s.label) for s in self.yr.vocabulary.subjects]
        return Question("subject", "choice", _t("您是哪类申请主体？", "What kind of applicant are you?"), opts)

    def _category_question(self) -> Question:
        opts = [Option(cid, label) for cid, label in category_choices(self.yr)]
        return Question("category", "choice", _t("您家属于哪类农户？", "Which household category are you?"), opts)

    def _rules_question(self) -> Question:
        assert self.subject is not None
        opts = []
        for r in self.yr.rules.values():
            if self.subject not in r.subjects:
                continue
            nq = r.formula.kind == "not_quantified"
            opts.append(Option(r.id, r.name, note=None if nq else rate_text(self.yr, r, self.subject, self.category),
                               badge=_t("文件未量化", "no figure") if nq else None))
        return Question("rules", "multi", _t("今年做了以下哪些事？可多选，用空格或逗号分隔编号",
                                             "Which of these did you do this year? Several numbers, separated by spaces or commas"), opts)

    def next(self) -> Question | None:
        """The next question, or None when everything needed has been asked."""
        q = self._next()
        self._current = q
        return q

    def _next(self) -> Question | None:
        if self.name is None:
            return Question("name", "text", _t("姓名或单位名称", "Your name or your organisation's"))
        if self.subject is None:
            return self._subject_question()
        if self.subject in self.yr.vocabulary.household_subjects and not self.category_asked:
            return self._category_question()
        if self.rules is None:
            return self._rules_question()
        for rid in self.rules:
            rule = self.yr.rules[rid]
            if rule.exclusive_group and f"project:{rid}" not in self.asked:
                return Question(f"project:{rid}", "text", _t("项目名称（同一项目的建设类奖补择高支付；可不填）",
                                                             "Project name (one construction award per project; optional)"),
                                section=rule.name, optional=True)
            answers = self.inputs.setdefault(rid, {})
            for spec in needed_inputs(rule, self.yr, self.subject, self.category, answers):
                key = f"input:{rid}:{spec.name}"
                if key not in self.asked:
                    passing = passing_answer(rule, spec.name) if spec.type == "boolean" else None
                    return Question(key, "value", spec.label, spec=spec, section=rule.name, optional=True,
                                    loses=None if passing is None else not passing)
        return None

    # -- answering
    def answer(self, raw: str) -> Text | None:
        """Record an answer to the current question. Returns None, or why it was refused (re-ask)."""
        q = self._current
        if q is None:
            q = self.next()
            if q is None:
                return None
        error = self._apply(q, raw)
        if error is not None:
            return error
        self._answers.pop(q.key, None)
        self._answers[q.key] = raw or ""
        self._replay()  # later answers that still apply are taken up again
        return None

    def back(self) -> bool:
        """Go back one question: the last answer given is forgotten and asked again.
        False when there is nothing to go back to."""
        current = self._next()
        keys = [k for k in self._shown if current is None or k != current.key]
        if not keys:
            return False
        self._answers.pop(keys[-1], None)
        self._replay()
        return True

    def change(self, key: str) -> bool:
        """Ask the question ``key`` again (from the review page); the other answers are kept."""
        if key not in self._answers:
            return False
        self._answers.pop(key)
        self._replay()
        return True

    def review(self) -> list[ReviewItem]:
        """Every question answered, with the answer as understood, in the order asked."""
        return [ReviewItem(key=k, prompt=q.prompt, answer=a, section=q.section) for k, (q, a) in self._shown.items()]

    def _apply(self, q: Question, raw: str) -> Text | None:
        text = (raw or "").strip()
        if q.kind == "text":
            if not text and not q.optional:
                return _t("不能为空", "must not be empty")
            if len(text) > 100:
                return _t("太长了（最多 100 字）", "too long (at most 100 characters)")
            if q.key == "name":
                self.name = text
            else:
                self.projects[q.key.split(":", 1)[1]] = text or None
            self.asked.add(q.key)
            self._shown[q.key] = (q, _t(text, text) if text else _t("（不填）", "(none)"))
            return None
        if q.kind == "choice":
            value = self._pick_one(q, text)
            if value is None:
                return _t(f"请输入 1–{len(q.options)} 的编号或名称", f"enter a number 1–{len(q.options)} or a name")
            if q.key == "subject":
                self.subject = value
            elif q.key == "category":
                self.category, self.category_asked = value, True
            self._shown[q.key] = (q, next(o.label for o in q.options if o.value == value))
            return None
        if q.kind == "multi":
            if not text:
                return _t("请至少选一项", "choose at least one")
            chosen: list[str] = []
            for part in _SPLIT.split(text):
                if not part:
                    continue
                value = self._pick_one(q, part)
                if value is None:
                    return _t(f"“{part}”不是 1–{len(q.options)} 的编号", f"{part!r} is not a number 1–{len(q.options)}")
                if value not in chosen:
                    chosen.append(value)
            picked = [o for o in q.options if o.value in chosen]  # in document order
            self.rules = [o.value for o in picked]
            self._shown[q.key] = (q, _t("、".join(o.label.zh for o in picked), "; ".join(o.label.en for o in picked)))
            return None
        # a rule input
        assert q.spec is not None
        rid = q.key.split(":")[1]
        if not text:
            self.asked.add(q.key)  # skipped: the line will say it is needed
            self._shown[q.key] = (q, _t("（不清楚，未填）", "(not sure, left blank)"))
            return None
        raw_value: Any = text
        if q.spec.type == "choice" and text.isdigit() and 1 <= int(text) <= len(q.spec.choices):
            raw_value = q.spec.choices[int(text) - 1].value
        value, message = parse_value(q.spec, raw_value)
        if message is not None:
            return message
        self.inputs.setdefault(rid, {})[q.spec.name] = value
        self.asked.add(q.key)
        self._shown[q.key] = (q, _value_text(q.spec, value))
        return None

    def _pick_one(self, q: Question, text: str) -> str | None:
        if text.isdigit():
            i = int(text)
            return q.options[i - 1].value if 1 <= i <= len(q.options) else None
        if q.key == "subject":
            return resolve_subject(self.yr.vocabulary, text)
        if q.key == "category":
            return resolve_category(self.yr.vocabulary, text)
        for o in q.options:
            if text in (o.value, o.label.zh, o.label.en):
                return o.value
        return None

    # -- result
    def applicant_data(self) -> dict[str, Any]:
        """The answers as an applicant file (the YAML ``calc`` reads). Numbers as strings, never floats."""
        applicant: dict[str, Any] = {"name": self.name or "", "subject": self.subject or ""}
        if self.category:
            applicant["category"] = self.category
        claims = []
        for rid in self.rules or []:
            claim: dict[str, Any] = {"rule": rid}
            if self.projects.get(rid):
                claim["project"] = self.projects[rid]
            claim["inputs"] = {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in self.inputs.get(rid, {}).items()}
            claims.append(claim)
        return {"year": self.year, "applicant": applicant, "claims": claims}


def _value_text(spec: InputSpec, value: Any) -> Text:
    """An answer as understood, to be read back on the review page."""
    if isinstance(value, bool):
        return _t("是" if value else "否", "yes" if value else "no")
    if spec.type == "choice":
        label = next((c.label for c in spec.choices if c.value == value), None)
        if label is not None:
            return label
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    unit = f" {spec.unit}" if spec.unit else ""
    return _t(text + unit, text + unit)
