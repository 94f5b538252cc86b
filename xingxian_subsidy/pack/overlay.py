"""Variants of a year's rules: the base rules plus a small list of changes (an overlay).

An overlay is a YAML file::

    overlay:
      id: example-2025                    # how the variant is named in every output
      title: {zh: …, en: …}
      base_year: 2024                     # the year of the pack it changes
      year: 2025                          # the year it gives (default: base_year)
      illustration: true                  # not a published document (say so in every output)
      document: {id, number, title, issuer, date, source_file, effective}   # where its quotes come from
    changes:
      - {set: xzbf12.tier1_award, value: "350", quote: "…350元…", section: 二, since: 2025-01-01}
      - {add_parameter: xzf5.new_rate, parameter: {…}}
      - {add_rule: {…}, document: xzf5}
      - {remove_rule: xzf5.s3-1.soybean}
      - {patch_rule: xzf5.s3-3.cattle_shed, set: {subjects: [...], caps: [...]}}
      - {add_condition: xzf5.s3-3.musk_deer_shed, condition: {…}}
      - {remove_condition: xzf5.s3-3.musk_deer_shed, condition: musk_deer_new}
      - {patch_condition: xzbf12.s5.demo_village, condition: demo_share_monitored, set: {ratio_of: [...]}}
      - {reading: I-004, alternative: B}  # switch an interpretation to one of its alternatives

A new year is an overlay on the year before it (``rules/<year>/overlay.yaml``): a one-rate
change is one ``set`` entry with its new quote and date. The interpretations register lists,
for every contested reading, its alternatives as changes of this same vocabulary, so that each
reading is computable (``--reading I-004=B``).

This module reads overlays and applies their changes to a year's rules; it knows the year's
rules only as a dataclass it copies (``pack.loader`` builds, checks and names the result).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Callable, Union

from pydantic import Discriminator, Field, Tag, ValidationError

from ..core.errors import Problem, RuleDataError
from ..core.money import D, num_text
from ..core.text import Model, Text
from ..core.yamlio import LoadFailure, line_for, load_with_lines
from .models import Condition, Dec, Parameter, Period
from .rule import Rule, walk_conditions

__all__ = [
    "Alternative",
    "Change",
    "Overlay",
    "OverlayDocument",
    "OverlayHeader",
    "Provenance",
    "apply_changes",
    "located",
    "parse_reading",
    "parse_set",
    "read_overlay",
]


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


class Provenance(Model):
    """Where a changed value now comes from: its document, section, quote and date.

    ``hypothetical`` values (``--set``) cite nothing: they are a question, not a rule.
    """

    document: str | None = None
    section: str
    quote: str
    since: dt.date | None = None
    hypothetical: bool = False
    overlay: str = ""


class OverlayDocument(Model):
    """The document an overlay's quotes come from (its text is ``source_file``, beside the overlay)."""

    id: str
    number: str
    title: str
    issuer: str
    date: dt.date
    source_file: str
    effective: Period
    illustration: bool = False


# ------------------------------------------------------------------------------ the changes


class SetParam(Model):
    """A parameter's new value, with its new quote and the date it applies from."""

    set: str = Field(pattern=r"^[A-Za-z0-9_\-]+\.[a-z][a-z0-9_]*$")
    value: Dec
    quote: str | None = Field(default=None, min_length=4)
    section: str | None = None
    since: dt.date | None = None
    document: str | None = None
    label: Text | None = None


class AddParameter(Model):
    add_parameter: str = Field(pattern=r"^[A-Za-z0-9_\-]+\.[a-z][a-z0-9_]*$")
    parameter: Parameter
    since: dt.date | None = None
    document: str | None = None


class AddRule(Model):
    add_rule: Rule
    document: str


class RemoveRule(Model):
    remove_rule: str


class PatchRule(Model):
    """Replace whole fields of one rule or several (subjects, caps, formula, conditions …)."""

    patch_rule: str | list[str]
    set: dict[str, Any]


class AddCondition(Model):
    add_condition: str
    condition: Condition


class RemoveCondition(Model):
    remove_condition: str
    condition: str


class PatchCondition(Model):
    patch_condition: str
    condition: str
    set: dict[str, Any]


class Reading(Model):
    """Take one of an interpretation's alternatives instead of the register's reading."""

    reading: str = Field(pattern=r"^I-\d{3}$")
    alternative: str


# the key that names each change (the patches also have a "set" key: they are tried first)
_OPS = ("patch_rule", "patch_condition", "add_parameter", "add_rule", "remove_rule", "add_condition", "remove_condition", "reading", "set")


def _op(value: Any) -> str | None:
    if isinstance(value, dict):
        for op in _OPS:
            if op in value:
                return op
    elif isinstance(value, Model):
        for op in _OPS:
            if op in type(value).model_fields:
                return op
    return None


Change = Annotated[
    Union[
        Annotated[SetParam, Tag("set")],
        Annotated[AddParameter, Tag("add_parameter")],
        Annotated[AddRule, Tag("add_rule")],
        Annotated[RemoveRule, Tag("remove_rule")],
        Annotated[PatchRule, Tag("patch_rule")],
        Annotated[AddCondition, Tag("add_condition")],
        Annotated[RemoveCondition, Tag("remove_condition")],
        Annotated[PatchCondition, Tag("patch_condition")],
        Annotated[Reading, Tag("reading")],
    ],
    Discriminator(_op, custom_error_type="change", custom_error_message=f"a change must be one of: {', '.join(_OPS)}"),
]


class Alternative(Model):
    """Another reading of a register entry, computable: the changes that make the rule data read it."""

    id: str = Field(pattern=r"^[B-Z]$")
    label: Text
    reading: Text
    changes: list[Change] = Field(min_length=1)


class OverlayHeader(Model):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    title: Text
    base_year: int | None = None
    year: int | None = None
    illustration: bool = False
    note: Text | None = None
    document: OverlayDocument | None = None


class Overlay(Model):
    overlay: OverlayHeader
    changes: list[Change] = []


@dataclasses.dataclass
class OverlayFile:
    """An overlay as read: the model, its file and the line of each part."""

    overlay: Overlay
    path: Path | None
    lines: dict[tuple, int]

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None


def read_overlay(path: Path | str) -> OverlayFile:
    """Read and validate an overlay file.

    Raises:
        RuleDataError: the file cannot be read or is not a valid overlay (every problem, by line).
    """
    path = Path(path)
    try:
        data, lines = load_with_lines(path)
    except LoadFailure as exc:
        raise RuleDataError([Problem(source=str(path), line=exc.line, message=_t(f"无法读取变体文件：{exc.message}", f"cannot read the overlay: {exc.message}"))]) from None
    try:
        return OverlayFile(Overlay.model_validate(data), path, lines)
    except ValidationError as exc:
        raise RuleDataError(located(exc, str(path), lines, "变体文件有误", "invalid overlay")) from None


def located(exc: ValidationError, source: str, lines: dict[tuple, int], zh: str, en: str, prefix: tuple = ()) -> list[Problem]:
    """A pydantic error's problems, each at the line of the deepest part of its path found in the file."""
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        at: tuple = ()
        for part in loc:
            if at + (part,) in lines:
                at = at + (part,)
        problems.append(Problem(source=source, line=line_for(lines, at), field=".".join(map(str, loc)),
                                message=_t(f"{zh}：{err['msg']}", f"{en}: {err['msg']}")))
    return problems


def parse_set(spec: str) -> SetParam:
    """``DOC.PARAM=VALUE`` (``--set xzbf12.tier1_award=350``) → a hypothetical change of one value.

    Raises:
        RuleDataError: the text is not of that form or the value is not a decimal number.
    """
    name, sep, value = spec.partition("=")
    try:
        if not sep:
            raise ValueError(spec)
        return SetParam(set=name.strip(), value=D(value.strip()))
    except (ValueError, TypeError, ValidationError):
        raise RuleDataError([Problem(source="--set", field=spec, message=_t(
            f"应写作 文件编号.参数名=数值（如 xzbf12.tier1_award=350），而不是“{spec}”",
            f"expected DOC.PARAM=VALUE (e.g. xzbf12.tier1_award=350), got {spec!r}"))]) from None


def parse_reading(spec: str) -> Reading:
    """``I-004=B`` → the change that takes alternative B of register entry I-004."""
    name, sep, alt = spec.partition("=")
    try:
        if not sep:
            raise ValueError(spec)
        return Reading(reading=name.strip(), alternative=alt.strip())
    except (ValueError, ValidationError):
        raise RuleDataError([Problem(source="--reading", field=spec, message=_t(
            f"应写作 解释编号=读法（如 I-004=B），而不是“{spec}”", f"expected ENTRY=ALTERNATIVE (e.g. I-004=B), got {spec!r}"))]) from None


# ------------------------------------------------------------------------------ applying


@dataclasses.dataclass
class _Where:
    """Where a change was written, for its problems."""

    source: str
    lines: dict[tuple, int]
    loc: tuple

    def problem(self, zh: str, en: str, *more: Any) -> Problem:
        return Problem(source=self.source, line=line_for(self.lines, self.loc + tuple(more)) if self.lines else None,
                       field=".".join(map(str, self.loc)) or None, message=_t(zh, en))


def apply_changes(yr: Any, changes: list[Any], *, label: str, source: str, lines: dict[tuple, int] | None = None,
                  loc: tuple = ("changes",), document: str | None = None) -> tuple[Any, list[Problem], set[str]]:
    """Apply ``changes`` to a copy of ``yr`` (a ``loader.YearRules``; the original is not changed).

    Args:
        yr: the year's rules.
        changes: the changes, in order.
        label: the overlay's id (recorded with each changed value).
        source, lines, loc: where the changes were written (for the problems).
        document: the document the overlay's quotes come from (default: each parameter's own).

    Returns:
        (the new year's rules, problems, the ids of the rules the changes touched).
    """
    work = _Overlaying(yr, label=label, source=source, document=document)
    for i, change in enumerate(changes):
        work.run(change, _Where(source, lines or {}, loc + (i,)))
    return work.result()


class _Overlaying:
    """A year's rules being changed: a copy of its tables, what was touched, the problems found.
    Each kind of change has its method (``HANDLERS``)."""

    def __init__(self, yr: Any, *, label: str, source: str, document: str | None):
        self.yr, self.label, self.source, self.document = yr, label, source, document
        self.parameters = {d: dict(ps) for d, ps in yr.parameters.items()}
        self.rules = dict(yr.rules)
        self.files = dict(yr.files)
        self.interpretations = dict(yr.interpretations)
        self.provenance = dict(yr.provenance)
        self.readings = dict(yr.readings)
        self.problems: list[Problem] = []
        self.touched: set[str] = set()
        self.removed_params: set[tuple[str, str]] = set()

    def run(self, change: Any, where: _Where) -> None:
        HANDLERS[type(change)](self, change, where)

    def result(self) -> tuple[Any, list[Problem], set[str]]:
        # a parameter that only removed or changed rules used is no longer in the year's rules
        used = {(r.document.id, p) for r in self.rules.values() if r.document is not None for p in r.parameter_names()}
        for doc, name in self.removed_params - used:
            self.parameters[doc].pop(name, None)
            self.provenance.pop((doc, name), None)
        new = dataclasses.replace(self.yr, parameters=self.parameters, rules=self.rules, files=self.files, interpretations=self.interpretations,
                                  provenance=self.provenance, readings=self.readings)
        return new, self.problems, self.touched

    # -- helpers
    def rule_of(self, rid: str, where: _Where) -> Rule | None:
        rule = self.rules.get(rid)
        if rule is None:
            self.problems.append(where.problem(f"没有规则 {rid}", f"no rule {rid}"))
        return rule

    def split(self, ref: str, where: _Where) -> tuple[str, str] | None:
        doc, _, name = ref.partition(".")
        if doc not in self.parameters:
            known = self.parameters
            self.problems.append(where.problem(f"没有文件 {doc}（可用：{'、'.join(known)}）", f"no document {doc} (known: {', '.join(known)})"))
            return None
        return doc, name

    def replace_rule(self, old: Rule, new: Rule) -> None:
        """``new`` in place of ``old``; the parameters ``old`` used may go (see ``result``)."""
        assert old.document is not None
        self.removed_params.update((old.document.id, p) for p in old.parameter_names())
        self.rules[new.id] = new
        self.touched.add(new.id)

    def patched(self, rule: Rule, fields: dict[str, Any], where: _Where) -> Rule | None:
        unknown = [k for k in fields if k not in Rule.model_fields or k in ("id", "document")]
        if unknown:
            self.problems.append(where.problem(f"规则没有可改的字段 {', '.join(unknown)}", f"a rule has no field to change named {', '.join(unknown)}"))
            return None
        try:
            data = {**rule.model_dump(exclude={"document"}, exclude_defaults=True), **fields}
            return Rule.model_validate(data).model_copy(update={"document": rule.document})
        except ValidationError as exc:
            self.problems.append(where.problem(f"修改后的规则 {rule.id} 有误：{exc.errors()[0]['msg']}",
                                               f"the changed rule {rule.id} is invalid: {exc.errors()[0]['msg']}"))
            return None

    # -- one method per kind of change
    def set_param(self, change: SetParam, where: _Where) -> None:
        ref = self.split(change.set, where)
        if ref is None:
            return
        doc, name = ref
        old = self.parameters[doc].get(name)
        if old is None:
            self.problems.append(where.problem(f"文件 {doc} 没有参数 {name}", f"document {doc} has no parameter {name}"))
            return
        hypothetical = change.quote is None
        quote = change.quote or f"假设 {doc}.{name} = {num_text(change.value)}（测算用，未引用文件）"
        self.parameters[doc][name] = old.model_copy(update={
            "value": change.value, "quote": quote, "section": change.section or old.section,
            **({"label": change.label} if change.label else {})})
        self.provenance[(doc, name)] = Provenance(document=None if hypothetical else (change.document or self.document or doc),
                                                  section=change.section or old.section, quote=quote, since=change.since,
                                                  hypothetical=hypothetical, overlay=self.label)
        self.touched.update(rid for rid, r in self.rules.items() if r.document is not None and r.document.id == doc and name in r.parameter_names())

    def add_parameter(self, change: AddParameter, where: _Where) -> None:
        ref = self.split(change.add_parameter, where)
        if ref is None:
            return
        doc, name = ref
        if name in self.parameters[doc]:
            self.problems.append(where.problem(f"文件 {doc} 已有参数 {name}（改值请用 set）", f"document {doc} already has parameter {name} (use set)"))
            return
        self.parameters[doc][name] = change.parameter
        self.provenance[(doc, name)] = Provenance(document=change.document or self.document or doc, section=change.parameter.section,
                                                  quote=change.parameter.quote, since=change.since, overlay=self.label)

    def add_rule(self, change: AddRule, where: _Where) -> None:
        rule = change.add_rule
        if rule.id in self.rules:
            self.problems.append(where.problem(f"已有规则 {rule.id}", f"rule {rule.id} already exists"))
            return
        docs = {r.document.id: r.document for r in self.rules.values() if r.document is not None}
        if change.document not in docs:
            self.problems.append(where.problem(f"没有文件 {change.document}", f"no document {change.document}"))
            return
        self.rules[rule.id] = rule.model_copy(update={"document": docs[change.document]})
        self.touched.add(rule.id)
        if self.source:
            self.files[rule.id] = Path(self.source)

    def remove_rule(self, change: RemoveRule, where: _Where) -> None:
        rule = self.rule_of(change.remove_rule, where)
        if rule is None:
            return
        del self.rules[rule.id]
        self.files.pop(rule.id, None)
        self.touched.add(rule.id)
        assert rule.document is not None
        self.removed_params.update((rule.document.id, p) for p in rule.parameter_names())

    def patch_rule(self, change: PatchRule, where: _Where) -> None:
        for rid in [change.patch_rule] if isinstance(change.patch_rule, str) else change.patch_rule:
            rule = self.rule_of(rid, where)
            if rule is not None:
                new = self.patched(rule, change.set, where)
                if new is not None:
                    self.replace_rule(rule, new)

    def add_condition(self, change: AddCondition, where: _Where) -> None:
        rule = self.rule_of(change.add_condition, where)
        if rule is None:
            return
        if any(c.id == change.condition.id for c in walk_conditions(rule.conditions)):
            self.problems.append(where.problem(f"规则 {rule.id} 已有条件 {change.condition.id}", f"rule {rule.id} already has condition {change.condition.id}"))
            return
        self.rules[rule.id] = rule.model_copy(update={"conditions": [*rule.conditions, change.condition]})
        self.touched.add(rule.id)

    def remove_condition(self, change: RemoveCondition, where: _Where) -> None:
        rule = self.rule_of(change.remove_condition, where)
        if rule is None:
            return
        conds, found = _conditions_with(rule.conditions, change.condition, None)
        if not found:
            self.problems.append(where.problem(f"规则 {rule.id} 没有条件 {change.condition}", f"rule {rule.id} has no condition {change.condition}"))
            return
        self.replace_rule(rule, rule.model_copy(update={"conditions": conds}))

    def patch_condition(self, change: PatchCondition, where: _Where) -> None:
        rule = self.rule_of(change.patch_condition, where)
        if rule is None:
            return
        old = next((c for c in walk_conditions(rule.conditions) if c.id == change.condition), None)
        if old is None:
            self.problems.append(where.problem(f"规则 {rule.id} 没有条件 {change.condition}", f"rule {rule.id} has no condition {change.condition}"))
            return
        try:
            new = Condition.model_validate({**old.model_dump(exclude_defaults=True), **change.set})
        except ValidationError as exc:
            self.problems.append(where.problem(f"修改后的条件有误：{exc.errors()[0]['msg']}", f"the changed condition is invalid: {exc.errors()[0]['msg']}"))
            return
        conds, _ = _conditions_with(rule.conditions, change.condition, new)
        self.replace_rule(rule, rule.model_copy(update={"conditions": conds}))

    def reading(self, change: Reading, where: _Where) -> None:
        entry = self.interpretations.get(change.reading)
        alts = {a.id: a for a in self.yr.alternatives.get(change.reading, [])}
        if entry is None:
            self.problems.append(where.problem(f"解释登记册中没有 {change.reading}", f"the register has no entry {change.reading}"))
            return
        alt = alts.get(change.alternative)
        if alt is None:
            known = "、".join(alts) or "无"
            self.problems.append(where.problem(f"{change.reading} 没有读法 {change.alternative}（可选：{known}）",
                                               f"{change.reading} has no alternative {change.alternative} (known: {known or 'none'})"))
            return
        if change.reading in self.readings:
            self.problems.append(where.problem(f"{change.reading} 的读法已改为 {self.readings[change.reading]}",
                                               f"{change.reading} already reads {self.readings[change.reading]}"))
            return
        for j, sub in enumerate(alt.changes):
            if isinstance(sub, Reading):
                self.problems.append(where.problem("读法的改动中不能再切换读法", "an alternative's changes cannot switch readings", j))
                continue
            self.run(sub, _Where(self.source, {}, (change.reading, alt.id, "changes", j)))
        self.readings[change.reading] = alt.id
        self.interpretations[change.reading] = entry.model_copy(update={
            "title": Text(zh=f"{entry.title.zh}（按读法 {alt.id}：{alt.label.zh}）", en=f"{entry.title.en} (reading {alt.id}: {alt.label.en})"),
            "reading": alt.reading})


HANDLERS: dict[type, Callable[[_Overlaying, Any, _Where], None]] = {
    SetParam: _Overlaying.set_param, AddParameter: _Overlaying.add_parameter, AddRule: _Overlaying.add_rule,
    RemoveRule: _Overlaying.remove_rule, PatchRule: _Overlaying.patch_rule, AddCondition: _Overlaying.add_condition,
    RemoveCondition: _Overlaying.remove_condition, PatchCondition: _Overlaying.patch_condition, Reading: _Overlaying.reading,
}


def _conditions_with(conds: list[Condition], cid: str, new: Condition | None) -> tuple[list[Condition], bool]:
    """The conditions with condition ``cid`` (at any depth) replaced by ``new`` (or dropped when None)."""
    out, found = [], False
    for c in conds:
        if c.id == cid:
            found = True
            if new is not None:
                out.append(new)
            continue
        if c.any_of:
            inner, hit = _conditions_with(c.any_of, cid, new)
            if hit:
                found = True
                c = c.model_copy(update={"any_of": inner})
        out.append(c)
    return out, found
