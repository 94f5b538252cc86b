"""Load rule packs: ``rules/<year>/*.yaml`` → validated, cross-checked Rule objects.

A pack directory holds ``pack.yaml`` (name, version) and one folder per year.
Each year folder holds ``vocabulary.yaml`` (subject types, household categories,
named groups), ``interpretations.yaml`` (the register of arguable readings) and
one file per source document (its ``document``, ``parameters`` and ``rules``).
A year folder may instead hold only ``overlay.yaml``: the year is then the year before it
(``base_year``) with the overlay's changes (``pack.overlay``). Every parameter's value must
appear in its own quote (``pack.citations``). Every problem found is collected and raised
together as RuleDataError, each located by file and line.

:func:`variant` gives a pack whose year has an overlay, ``--set`` values or alternative
readings applied, checked as the loader checks a year.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.errors import Problem, RuleDataError, YearNotCovered
from ..core.memo import per_object
from ..core.text import Text
from ..core.yamlio import LoadFailure, line_for, load_with_lines
from .checks import check_guides, problem_at, roster_problems, rule_refs, value_problems
from .models import Document, HowToApply, Interpretation, Parameter, Report, RosterWords, RuleGroupReport, TaskReport, TaskTable, Vocabulary
from .overlay import Alternative, OverlayDocument, OverlayFile, Provenance, Reading, SetParam, apply_changes, located, read_overlay
from .rule import Rule
from .semantics import rule_key

__all__ = ["OVERLAY_FILE", "RulePack", "YearRules", "alternative_years", "default_rules_dir", "load_rules", "variant", "with_readings"]

_M = TypeVar("_M", bound=BaseModel)

OVERLAY_FILE = "overlay.yaml"  # a year folder holding only this file is the year before it, changed
ROSTER_FILE = "roster.yaml"  # how the year's rosters are written (models.RosterWords), beside vocabulary.yaml


def default_rules_dir() -> Path:
    """The pack used when none is named: the folder in the environment variable ``XINGXIAN_RULES``
    if set (a county's own pack on its server), else the pack shipped with the package:
    ``rules/`` at the repository root (a checkout or an editable install), or the copy a wheel
    carries inside the package (``_rules``)."""
    chosen = os.environ.get("XINGXIAN_RULES")
    if chosen:
        return Path(chosen)
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "rules", package / "_rules"):
        if (candidate / "pack.yaml").exists():
            return candidate
    return package.parent / "rules"


class _DocFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    document: Document
    parameters: dict[str, Parameter]
    rules: list[Rule]
    tasks: dict[str, TaskTable] = {}
    reports: dict[str, Report] = {}
    how_to_apply: list[HowToApply] = []  # issue 13: how to apply, per rule (see checks.check_guides)


class _RegisterFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    interpretations: list[Interpretation]


class _Alternatives(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    alternatives: list[Alternative] = []


class _PackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str
    version: str
    description: str | None = None
    title: Text = Text(zh="奖补", en="subsidy")


@dataclass
class YearRules:
    """Everything in force for one year."""

    year: int
    documents: dict[str, Document]
    parameters: dict[str, dict[str, Parameter]]  # document id -> name -> Parameter
    rules: dict[str, Rule]  # in document order
    vocabulary: Vocabulary
    interpretations: dict[str, Interpretation]
    files: dict[str, Path] = field(default_factory=dict)  # rule id -> file
    tasks: dict[str, dict[str, TaskTable]] = field(default_factory=dict)  # document id -> name -> table
    reports: dict[str, tuple[Document, Report]] = field(default_factory=dict)  # report id -> (its document, report)
    # register entry -> its alternative readings (each a list of changes); readings taken instead
    # of the register's (entry -> alternative id), by --reading or an overlay
    alternatives: dict[str, list[Alternative]] = field(default_factory=dict)
    readings: dict[str, str] = field(default_factory=dict)
    # (document id, parameter) -> where a value changed by an overlay now comes from
    provenance: dict[tuple[str, str], Provenance] = field(default_factory=dict)
    # the documents overlays cite (their texts sit beside the overlay file): id -> (it, folder)
    overlay_documents: dict[str, tuple[OverlayDocument, Path | None]] = field(default_factory=dict)
    variant: tuple[str, ...] = ()  # the overlays, --set values and readings applied, in order
    guides: dict[str, HowToApply] = field(default_factory=dict)  # rule id -> how to apply for it

    def param(self, rule: Rule, name: str) -> Parameter:
        assert rule.document is not None
        return self.parameters[rule.document.id][name]

    def groups_of(self, category: str | None) -> frozenset[str]:
        return self.vocabulary.groups_of(category)

    def task(self, document: Document, name: str) -> TaskTable:
        return self.tasks[document.id][name]


@dataclass
class RulePack:
    name: str
    version: str
    directory: Path
    years: dict[int, YearRules]
    digest: str
    title: Text = field(default_factory=lambda: Text(zh="奖补", en="subsidy"))  # how the tool names itself to this pack's users
    variant: tuple[str, ...] = ()  # what was applied to the pack's rules (overlays, --set, readings)

    @property
    def label(self) -> str:
        base = f"{self.name} {self.version} (sha256:{self.digest[:12]})"
        return base + "".join(f" + {v}" for v in self.variant)

    @property
    def latest_year(self) -> int:
        """The pack's latest year with rules: the default wherever a year is not given."""
        years = [y for y, yr in self.years.items() if yr.rules]
        if not years:
            raise YearNotCovered([Problem(source=str(self.directory), field="year", message={
                "zh": "规则包中没有任何年度的规则", "en": "the pack has no year with rules"})])
        return max(years)

    def for_year(self, year: int) -> YearRules:
        """The rules in force in ``year``; a year no rule covers is an error, never zero."""
        yr = self.years.get(year)
        if yr is None or not yr.rules:
            known = ", ".join(str(y) for y in sorted(self.years)) or "—"
            raise YearNotCovered(
                [
                    Problem(
                        source=str(self.directory),
                        field="year",
                        message={
                            "zh": f"没有规则覆盖 {year} 年（本规则包覆盖：{known}）",
                            "en": f"no rule covers the year {year} (this pack covers: {known})",
                        },
                    )
                ]
            )
        return yr


def _pydantic_problems(exc: ValidationError, source: Path, lines: dict[tuple, int], prefix: tuple = ()) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        # discriminated unions add their tag to loc: follow only the parts that are in the file
        path: tuple = ()
        for part in loc:
            if path + (part,) in lines:
                path = path + (part,)
        problems.append(
            Problem(
                source=str(source),
                line=line_for(lines, path),
                field=".".join(str(x) for x in loc),
                message={"zh": f"规则数据有误：{err['msg']}", "en": f"invalid rule data: {err['msg']}"},
            )
        )
    return problems


def _load_yaml(path: Path, problems: list[Problem]) -> tuple[Any, dict[tuple, int]] | None:
    try:
        return load_with_lines(path)
    except LoadFailure as exc:
        problems.append(
            Problem(source=str(path), line=exc.line, message={"zh": f"无法读取：{exc.message}", "en": exc.message})
        )
        return None


def _load_model(path: Path, model: type[_M], problems: list[Problem]) -> tuple[_M, dict[tuple, int]] | None:
    """A YAML file read and validated as ``model``, with its line map; None (problems located) if not."""
    loaded = _load_yaml(path, problems)
    if not loaded:
        return None
    data, lines = loaded
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        problems += _pydantic_problems(exc, path, lines)
        return None


def _load_year(year: int, folder: Path, problems: list[Problem]) -> YearRules | None:
    vocab_path = folder / "vocabulary.yaml"
    reg_path = folder / "interpretations.yaml"
    vocabulary: Vocabulary | None = None
    register: dict[str, Interpretation] = {}
    alternatives: dict[str, list[Alternative]] = {}
    for path in (vocab_path, reg_path):
        if not path.exists():
            problems.append(Problem(source=str(path), message={"zh": "缺少此文件", "en": "file is missing"}))
    if vocab_path.exists() and (got := _load_model(vocab_path, Vocabulary, problems)):
        vocabulary = got[0]
    if reg_path.exists():
        loaded = _load_yaml(reg_path, problems)
        if loaded:
            data, lines = loaded
            # an entry's alternative readings are changes of the rule data (pack.overlay)
            entries = data.get("interpretations") if isinstance(data, dict) else None
            if isinstance(entries, list):
                for i, raw in enumerate(entries):
                    if isinstance(raw, dict) and "alternatives" in raw:
                        raw = dict(raw)
                        try:
                            alts = _Alternatives.model_validate({"alternatives": raw.pop("alternatives")}).alternatives
                            alternatives[str(raw.get("id"))] = alts
                        except ValidationError as exc:
                            problems += located(exc, str(reg_path), lines, "规则数据有误", "invalid rule data", ("interpretations", i))
                        entries[i] = raw
            try:
                reg = _RegisterFile.model_validate(data)
                for i, entry in enumerate(reg.interpretations):
                    if entry.id in register:
                        problems.append(problem_at(reg_path, lines, ("interpretations", i), f"重复的解释编号 {entry.id}",
                                                 f"duplicate interpretation id {entry.id}"))
                    register[entry.id] = entry
            except ValidationError as exc:
                problems += _pydantic_problems(exc, reg_path, lines)

    documents: dict[str, Document] = {}
    parameters: dict[str, dict[str, Parameter]] = {}
    rules: dict[str, Rule] = {}
    files: dict[str, Path] = {}
    tasks: dict[str, dict[str, TaskTable]] = {}
    reports: dict[str, tuple[Document, Report]] = {}
    guides: dict[str, HowToApply] = {}
    used_interps: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        if path.name in ("vocabulary.yaml", "interpretations.yaml", ROSTER_FILE):
            continue
        loaded = _load_yaml(path, problems)
        if not loaded:
            continue
        data, lines = loaded
        if isinstance(data, dict):
            # top-level keys starting with "x-" only hold YAML anchors for reuse
            data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
        try:
            doc = _DocFile.model_validate(data)
        except ValidationError as exc:
            problems += _pydantic_problems(exc, path, lines)
            continue
        if doc.document.id in documents:
            problems.append(problem_at(path, lines, ("document", "id"), f"重复的文件编号 {doc.document.id}",
                                     f"duplicate document id {doc.document.id}"))
        period = doc.document.effective
        if not period.covers_year(year):
            problems.append(problem_at(path, lines, ("document", "effective"),
                                     f"文件有效期 [{period.start}, {period.end}) 不覆盖 {year} 年，却放在 {year} 年的文件夹中",
                                     f"the document's effective period [{period.start}, {period.end}) does not cover {year}, "
                                     f"yet it is in the folder of {year}"))
        documents[doc.document.id] = doc.document
        parameters[doc.document.id] = doc.parameters
        if doc.tasks:
            tasks[doc.document.id] = doc.tasks
        used_params: set[str] = set()
        for i, rule in enumerate(doc.rules):
            loc = ("rules", i)
            if rule.id in rules:
                problems.append(problem_at(path, lines, loc + ("id",), f"重复的规则编号 {rule.id}", f"duplicate rule id {rule.id}"))
            used_params.update(rule.parameter_names())
            used_interps.update(rule.interpretation_ids())
            for where, zh, en in rule_refs(rule, doc.parameters, register, vocabulary):
                problems.append(problem_at(path, lines, loc + where, zh, en))
            rules[rule.id] = rule.model_copy(update={"document": doc.document})
            files[rule.id] = path
        for tname, table in doc.tasks.items():
            for ref in table.rules:
                if ref not in {r.id for r in doc.rules}:
                    problems.append(problem_at(path, lines, ("tasks", tname, "rules"), f"任务表 {tname} 引用了本文件中不存在的规则 {ref}",
                                             f"task table {tname} refers to rule {ref}, not in this document"))
        for rid_, report in doc.reports.items():
            loc = ("reports", rid_)
            if rid_ in reports:
                problems.append(problem_at(path, lines, loc, f"重复的报表编号 {rid_}", f"duplicate report id {rid_}"))
            if isinstance(report, TaskReport):
                if report.task not in doc.tasks:
                    problems.append(problem_at(path, lines, loc + ("task",), f"报表 {rid_} 引用了本文件中不存在的任务表 {report.task}",
                                             f"report {rid_} refers to task table {report.task}, not in this document"))
            elif isinstance(report, RuleGroupReport):
                for ref in (r for g in report.groups for r in g.rules):
                    if ref not in {r.id for r in doc.rules}:
                        problems.append(problem_at(path, lines, loc + ("groups",), f"报表 {rid_} 引用了本文件中不存在的规则 {ref}",
                                                 f"report {rid_} refers to rule {ref}, not in this document"))
            else:
                for ref in report.rules:
                    rule = next((r for r in doc.rules if r.id == ref), None)
                    if rule is None or rule.formula.kind != "tier_table":
                        problems.append(problem_at(path, lines, loc + ("rules",), f"报表 {rid_} 引用的 {ref} 不是本文件中的阶梯表规则",
                                                 f"report {rid_} refers to {ref}, not a tier-table rule of this document"))
            reports[rid_] = (doc.document, report)
        if vocabulary is not None:
            declared_units = vocabulary.unit_spellings()
            unit_places = [(("parameters", name, "unit"), p.unit) for name, p in doc.parameters.items()]
            unit_places += [(("rules", i, "inputs", k, "unit"), spec.unit) for i, r in enumerate(doc.rules)
                            for k, spec in enumerate(r.inputs) if spec.unit is not None]
            unit_places += [(("tasks", tname, "unit"), t.unit) for tname, t in doc.tasks.items()]
            for uloc, unit in unit_places:
                if unit not in declared_units:
                    problems.append(problem_at(path, lines, uloc, f"未声明的单位“{unit}”：请在 vocabulary.yaml 的 units 中声明",
                                             f"undeclared unit {unit!r}: declare it under units: in vocabulary.yaml"))
        check_guides(path, lines, doc.how_to_apply, [r.id for r in doc.rules], guides, problems)
        for name, param in doc.parameters.items():
            for zh, en in value_problems(param, register):
                problems.append(problem_at(path, lines, ("parameters", name), f"参数 {name}：{zh}", f"parameter {name}: {en}"))
            if name not in used_params:
                problems.append(problem_at(path, lines, ("parameters", name), f"参数 {name} 未被任何规则使用",
                                         f"parameter {name} is not used by any rule"))
    if vocabulary is not None:
        for interps in vocabulary.group_interpretations.values():
            used_interps.update(interps)
        # a roster names a subject type, a category or a rule by any of these words: one word, one thing
        # (a rule's words as a roster's cell is compared with them, semantics.rule_key: 甲 乙 is 甲乙)
        for kind, named, same in (("主体类型", [(s.id, s.names) for s in vocabulary.subjects], str),
                                  ("农户类型", [(c.id, c.names) for c in vocabulary.categories], str),
                                  ("规则", [(rid, [rid, r.name.zh, r.name.en]) for rid, r in rules.items()], rule_key)):
            owner: dict[str, str] = {}
            for ident, words in named:
                for word in words:
                    if owner.setdefault(same(word), ident) != ident:
                        problems.append(Problem(source=str(vocab_path if kind != "规则" else folder), message={
                            "zh": f"“{word}”同时指{kind} {owner[same(word)]} 和 {ident}：名册中无法判断",
                            "en": f"{word!r} names both {owner[same(word)]} and {ident}: a roster could not tell them apart"}))
    for params in parameters.values():
        used_interps.update(p.value_from for p in params.values() if p.value_from)
    files_failed = any(p.source.startswith(str(folder)) for p in problems)
    for entry in register:
        if entry not in used_interps and not files_failed:  # a file that failed to load uses none
            problems.append(Problem(source=str(reg_path), message={
                "zh": f"解释 {entry} 未被任何规则引用", "en": f"interpretation {entry} is not referred to by any rule"}))
    if vocabulary is None:
        return None
    roster_path = folder / ROSTER_FILE
    if roster_path.exists() and (got := _load_model(roster_path, RosterWords, problems)):
        words, lines = got
        if not files_failed:  # a document that failed to load has been reported; its rules are not missing
            problems += roster_problems(words, rules, vocabulary, documents, roster_path, lines)
        vocabulary = vocabulary.model_copy(update={"roster": words})
    for entry in alternatives:
        if entry not in register and register:  # (a register that failed to load has been reported)
            problems.append(Problem(source=str(reg_path), message={"zh": f"读法属于不存在的条目 {entry}", "en": f"alternatives of an unknown entry {entry}"}))
    yr = YearRules(year=year, documents=documents, parameters=parameters, rules=rules,
                   vocabulary=vocabulary, interpretations=register, files=files, tasks=tasks, reports=reports,
                   alternatives={k: v for k, v in alternatives.items() if k in register}, guides=guides)
    if not problems:
        # every alternative reading applies cleanly: its rules are as valid as the register's
        for entry, alts in yr.alternatives.items():
            for alt in alts:
                _, more = _changed(yr, [Reading(reading=entry, alternative=alt.id)], label=f"{entry}={alt.id}", source=str(reg_path))
                problems += more
    return yr


def _changed(yr: YearRules, changes: list[Any], *, label: str, source: str, lines: dict[tuple, int] | None = None,
             document: str | None = None) -> tuple[YearRules, list[Problem]]:
    """``yr`` with ``changes`` applied, and every problem of the result (references, values in quotes)."""
    new, problems, touched = apply_changes(yr, changes, label=label, source=source, lines=lines, document=document)
    where = source or label
    for rid in sorted(touched):
        rule = new.rules.get(rid)
        if rule is None or rule.document is None:
            continue
        for _, zh, en in rule_refs(rule, new.parameters.get(rule.document.id, {}), new.interpretations, new.vocabulary):
            problems.append(Problem(source=where, field=rid, message={"zh": zh, "en": en}))
    for (doc, name), prov in new.provenance.items():
        if prov.overlay != label:
            continue
        p = new.parameters[doc][name]
        for zh, en in value_problems(p, new.interpretations):
            problems.append(Problem(source=where, field=f"{doc}.{name}", message={"zh": zh, "en": en}))
    return dataclasses.replace(new, variant=(*yr.variant, label)), problems


def _load_overlay_year(year: int, folder: Path, years: dict[int, YearRules], problems: list[Problem]) -> YearRules | None:
    """A year folder holding ``overlay.yaml``: the year before it with the overlay's changes."""
    path = folder / OVERLAY_FILE
    others = sorted(p.name for p in folder.glob("*.yaml") if p.name != OVERLAY_FILE)
    if others:
        problems.append(Problem(source=str(folder), message={
            "zh": f"年度文件夹要么是完整的一年，要么只含 {OVERLAY_FILE}；多出：{'、'.join(others)}",
            "en": f"a year folder is either a whole year or holds only {OVERLAY_FILE}; also found: {', '.join(others)}"}))
        return None
    try:
        ovf = read_overlay(path)
    except RuleDataError as exc:
        problems += exc.problems
        return None
    head = ovf.overlay.overlay
    if (head.year or year) != year:
        problems.append(Problem(source=str(path), line=line_for(ovf.lines, ("overlay", "year")), field="overlay.year", message={
            "zh": f"变体的年度 {head.year} 与文件夹 {year} 不符", "en": f"the overlay's year {head.year} is not its folder's {year}"}))
        return None
    base = years.get(head.base_year or year - 1)
    if base is None:
        problems.append(Problem(source=str(path), field="overlay.base_year", message={
            "zh": f"没有作为基础的 {head.base_year or year - 1} 年规则", "en": f"no rules of {head.base_year or year - 1} to build on"}))
        return None
    yr, more = _apply_overlay(base, ovf, year)
    problems += more
    return yr


def _apply_overlay(base: YearRules, ovf: OverlayFile, year: int | None = None) -> tuple[YearRules, list[Problem]]:
    """The base year's rules with an overlay applied (and moved to the overlay's year), and the problems."""
    head = ovf.overlay.overlay
    source = str(ovf.path) if ovf.path else head.id
    year = year or head.year or base.year
    problems: list[Problem] = []
    docs = dict(base.overlay_documents)
    if head.document is not None:
        docs[head.document.id] = (head.document, ovf.folder)
        if not head.document.effective.covers_year(year):
            p = head.document.effective
            problems.append(Problem(source=source, line=line_for(ovf.lines, ("overlay", "document", "effective")), field="overlay.document.effective", message={
                "zh": f"变体所依据文件的有效期 [{p.start}, {p.end}) 不覆盖 {year} 年", "en": f"the overlay document's period [{p.start}, {p.end}) does not cover {year}"}))
    for i, change in enumerate(ovf.overlay.changes):
        since = getattr(change, "since", None)
        if since is not None and since.year != year:
            problems.append(Problem(source=source, line=line_for(ovf.lines, ("changes", i, "since")), field=f"changes.{i}.since", message={
                "zh": f"取值的起始日期 {since} 不在 {year} 年内（本工具按年度计算）", "en": f"the value's date {since} is not in {year} (the tool computes by year)"}))
    yr, more = _changed(dataclasses.replace(base, year=year, overlay_documents=docs), list(ovf.overlay.changes), label=head.id, source=source,
                        lines=ovf.lines, document=head.document.id if head.document else None)
    return yr, problems + more


def variant(pack: RulePack, *, year: int | None = None, overlay: OverlayFile | Path | str | None = None,
            sets: list[SetParam] | None = None, readings: list[Reading] | None = None) -> tuple[RulePack, YearRules]:
    """A pack whose year has an overlay, ``--set`` values and alternative readings applied.

    Args:
        pack: the base pack.
        year: the base year (default: the overlay's ``base_year``, else the pack's latest).
        overlay: an overlay (or its file); a new-year overlay gives a year of its own.
        sets: hypothetical values (``--set DOC.PARAM=VALUE``), applied after the overlay.
        readings: alternative readings (``--reading I-004=B``), applied last.

    Returns:
        (the pack with the changed year in it, the changed year's rules).

    Raises:
        RuleDataError: a change that does not apply or leaves the rules invalid, each problem located.
        YearNotCovered: the base year has no rules.
    """
    ovf = read_overlay(overlay) if isinstance(overlay, (Path, str)) else overlay
    base_year = year if year is not None else (ovf.overlay.overlay.base_year if ovf and ovf.overlay.overlay.base_year else pack.latest_year)
    yr = pack.for_year(base_year)
    problems: list[Problem] = []
    if ovf is not None:
        yr, more = _apply_overlay(yr, ovf)
        problems += more
    if sets:
        yr, more = _changed(yr, list(sets), label="--set " + ", ".join(f"{s.set}={s.value}" for s in sets), source="--set")
        problems += more
    if readings:
        yr, more = _changed(yr, list(readings), label=", ".join(f"{r.reading}={r.alternative}" for r in readings), source="--reading")
        problems += more
    if problems:
        raise RuleDataError(problems)
    return dataclasses.replace(pack, years={**pack.years, yr.year: yr}, variant=yr.variant), yr


def with_readings(pack: RulePack, readings: list[Reading], year: int | None = None) -> RulePack:
    """The pack under alternative readings (``--reading I-040=B``): in ``year`` when given, else in
    every year whose register holds all the entries — an applicant's file names its own year, which
    need not be the latest, and a reading left on another year would be silently ignored.

    Raises:
        RuleDataError: a reading no year holds (or one that does not apply), located.
    """
    if not readings:
        return pack
    entries = {r.reading for r in readings}
    years = [year] if year is not None else [y for y in sorted(pack.years) if entries <= set(pack.for_year(y).alternatives)]
    for y in years or [None]:  # no year holds them: variant names the problem
        pack, _ = variant(pack, year=y, readings=readings)
    return pack


_ALTERNATIVES: dict[int, tuple[Any, dict[str, dict[tuple[str, str], YearRules]]]] = {}


def alternative_years(yr: YearRules, entries: Collection[str] | None = None) -> dict[tuple[str, str], YearRules]:
    """The year's rules under each alternative reading of its register: (entry, alternative) → rules.

    Only the register ``entries`` given (default: all): an award works out only the readings its
    lines name. An entry the year already reads otherwise (``yr.readings``) is left out. Each
    entry's alternatives are worked out once per YearRules (the loader has checked that every
    alternative applies cleanly).
    """

    done = per_object(_ALTERNATIVES, yr, dict)
    out: dict[tuple[str, str], YearRules] = {}
    for entry in yr.alternatives:
        if entry in yr.readings or (entries is not None and entry not in entries):
            continue
        if entry not in done:
            done[entry] = _entry_alternatives(yr, entry)
        out.update(done[entry])
    return out


def _entry_alternatives(yr: YearRules, entry: str) -> dict[tuple[str, str], YearRules]:
    out: dict[tuple[str, str], YearRules] = {}
    for alt in yr.alternatives[entry]:
        other, problems = _changed(yr, [Reading(reading=entry, alternative=alt.id)], label=f"{entry}={alt.id}", source="--reading")
        if problems:
            raise RuleDataError(problems)
        out[(entry, alt.id)] = other
    return out


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(directory.rglob("*.yaml")):
        h.update(path.relative_to(directory).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def load_rules(directory: Path | str | None = None) -> RulePack:
    """Load and validate a rule pack.

    Args:
        directory: the pack folder (holding ``pack.yaml``); default: the bundled pack.

    Returns:
        The pack, with every year folder loaded.

    Raises:
        RuleDataError: with every problem found, each located by file and line.
    """
    return _load_rules_cached(Path(directory or default_rules_dir()).resolve())


@lru_cache(maxsize=8)
def _load_rules_cached(directory: Path) -> RulePack:
    """The pack kept on disk for exactly these files (``cache``), else loaded, checked and kept."""
    from . import cache

    try:
        print_ = cache.fingerprint(directory) if directory.is_dir() else None
    except OSError:
        print_ = None
    if print_ is not None:
        kept = cache.load_cached(directory, print_)
        if isinstance(kept, RulePack) and kept.directory == directory:
            return kept
    pack = _load_fresh(directory)
    if print_ is not None:
        cache.store(directory, print_, pack)
    return pack


def _load_fresh(directory: Path) -> RulePack:
    problems: list[Problem] = []
    pack_path = directory / "pack.yaml"
    if not directory.is_dir():
        raise RuleDataError([Problem(source=str(directory), message={"zh": "规则目录不存在", "en": "rules directory does not exist"})])
    name, version, title = directory.name, "unversioned", _PackFile.model_fields["title"].default
    if pack_path.exists():
        if got := _load_model(pack_path, _PackFile, problems):
            name, version, title = got[0].name, got[0].version, got[0].title
    else:
        problems.append(Problem(source=str(pack_path), message={"zh": "缺少 pack.yaml", "en": "pack.yaml is missing"}))
    years: dict[int, YearRules] = {}
    for folder in sorted((p for p in directory.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name)):
        if (folder / OVERLAY_FILE).exists():
            yr = _load_overlay_year(int(folder.name), folder, years, problems)
        else:
            yr = _load_year(int(folder.name), folder, problems)
        if yr is not None:
            years[yr.year] = yr
    if not years and not problems:
        problems.append(Problem(source=str(directory), message={"zh": "规则目录中没有年份文件夹", "en": "no year folders in the rules directory"}))
    if problems:
        raise RuleDataError(problems)
    return RulePack(name=name, version=version, directory=directory, years=years, digest=_digest(directory), title=title)
