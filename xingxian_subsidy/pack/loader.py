"""Load rule packs: ``rules/<year>/*.yaml`` → validated, cross-checked Rule objects.

A pack directory holds ``pack.yaml`` (name, version) and one folder per year.
Each year folder holds ``vocabulary.yaml`` (subject types, household categories,
named groups), ``interpretations.yaml`` (the register of arguable readings) and
one file per source document (its ``document``, ``parameters`` and ``rules``).
Every problem found is collected and raised together as RuleDataError, each
located by file and line.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.errors import Problem, RuleDataError, YearNotCovered
from ..core.text import Text
from ..core.yamlio import LoadFailure, line_for, load_with_lines
from .models import Document, Interpretation, Parameter, Report, TaskReport, TaskTable, Vocabulary
from .rule import Rule

__all__ = ["RulePack", "YearRules", "default_rules_dir", "load_rules"]


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
    model_config = ConfigDict(extra="forbid")
    document: Document
    parameters: dict[str, Parameter]
    rules: list[Rule]
    tasks: dict[str, TaskTable] = {}
    reports: dict[str, Report] = {}


class _RegisterFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    interpretations: list[Interpretation]


class _PackFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
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

    @property
    def label(self) -> str:
        return f"{self.name} {self.version} (sha256:{self.digest[:12]})"

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


def _problem(path: Path, lines: dict[tuple, int], loc: tuple, zh: str, en: str) -> Problem:
    return Problem(source=str(path), line=line_for(lines, loc), field=".".join(map(str, loc)) or None,
                   message={"zh": zh, "en": en})


def _load_year(year: int, folder: Path, problems: list[Problem]) -> YearRules | None:
    vocab_path = folder / "vocabulary.yaml"
    reg_path = folder / "interpretations.yaml"
    vocabulary: Vocabulary | None = None
    register: dict[str, Interpretation] = {}
    for path in (vocab_path, reg_path):
        if not path.exists():
            problems.append(Problem(source=str(path), message={"zh": "缺少此文件", "en": "file is missing"}))
    if vocab_path.exists():
        loaded = _load_yaml(vocab_path, problems)
        if loaded:
            data, lines = loaded
            try:
                vocabulary = Vocabulary.model_validate(data)
            except ValidationError as exc:
                problems += _pydantic_problems(exc, vocab_path, lines)
    if reg_path.exists():
        loaded = _load_yaml(reg_path, problems)
        if loaded:
            data, lines = loaded
            try:
                reg = _RegisterFile.model_validate(data)
                for i, entry in enumerate(reg.interpretations):
                    if entry.id in register:
                        problems.append(_problem(reg_path, lines, ("interpretations", i), f"重复的解释编号 {entry.id}",
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
    used_interps: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        if path.name in ("vocabulary.yaml", "interpretations.yaml"):
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
            problems.append(_problem(path, lines, ("document", "id"), f"重复的文件编号 {doc.document.id}",
                                     f"duplicate document id {doc.document.id}"))
        period = doc.document.effective
        if not period.covers_year(year):
            problems.append(_problem(path, lines, ("document", "effective"),
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
                problems.append(_problem(path, lines, loc + ("id",), f"重复的规则编号 {rule.id}", f"duplicate rule id {rule.id}"))
            for ref in rule.parameter_names():
                used_params.add(ref)
                if ref not in doc.parameters:
                    problems.append(_problem(path, lines, loc, f"规则 {rule.id} 引用了不存在的参数 {ref}",
                                             f"rule {rule.id} refers to unknown parameter {ref}"))
            declared = {s.name for s in rule.inputs}
            for ref in rule.input_names():
                if ref not in declared:
                    problems.append(_problem(path, lines, loc, f"规则 {rule.id} 使用了未声明的输入 {ref}",
                                             f"rule {rule.id} uses undeclared input {ref}"))
            for ref in rule.interpretation_ids():
                used_interps.add(ref)
                if ref not in register:
                    problems.append(_problem(path, lines, loc, f"规则 {rule.id} 引用了解释登记册中不存在的条目 {ref}",
                                             f"rule {rule.id} refers to unknown interpretation {ref}"))
            if vocabulary is not None:
                known_subjects = {s.id for s in vocabulary.subjects}
                for s in rule.subjects:
                    if s not in known_subjects:
                        problems.append(_problem(path, lines, loc + ("subjects",), f"未知主体类型 {s}", f"unknown subject type {s}"))
                for m in rule.matches():
                    for s in (m.subject or []) + (m.not_subject or []):
                        if s not in known_subjects:
                            problems.append(_problem(path, lines, loc, f"未知主体类型 {s}", f"unknown subject type {s}"))
                    for g in (m.group or []) + (m.not_group or []):
                        if g not in vocabulary.groups:
                            problems.append(_problem(path, lines, loc, f"未知类别组 {g}", f"unknown category group {g}"))
            rules[rule.id] = rule.model_copy(update={"document": doc.document})
            files[rule.id] = path
        for tname, table in doc.tasks.items():
            for ref in table.rules:
                if ref not in {r.id for r in doc.rules}:
                    problems.append(_problem(path, lines, ("tasks", tname, "rules"), f"任务表 {tname} 引用了本文件中不存在的规则 {ref}",
                                             f"task table {tname} refers to rule {ref}, not in this document"))
        for rid_, report in doc.reports.items():
            loc = ("reports", rid_)
            if rid_ in reports:
                problems.append(_problem(path, lines, loc, f"重复的报表编号 {rid_}", f"duplicate report id {rid_}"))
            if isinstance(report, TaskReport):
                if report.task not in doc.tasks:
                    problems.append(_problem(path, lines, loc + ("task",), f"报表 {rid_} 引用了本文件中不存在的任务表 {report.task}",
                                             f"report {rid_} refers to task table {report.task}, not in this document"))
            else:
                for ref in report.rules:
                    rule = next((r for r in doc.rules if r.id == ref), None)
                    if rule is None or rule.formula.kind != "tier_table":
                        problems.append(_problem(path, lines, loc + ("rules",), f"报表 {rid_} 引用的 {ref} 不是本文件中的阶梯表规则",
                                                 f"report {rid_} refers to {ref}, not a tier-table rule of this document"))
            reports[rid_] = (doc.document, report)
        for name in doc.parameters:
            if name not in used_params:
                problems.append(_problem(path, lines, ("parameters", name), f"参数 {name} 未被任何规则使用",
                                         f"parameter {name} is not used by any rule"))
    if vocabulary is not None:
        for interps in vocabulary.group_interpretations.values():
            used_interps.update(interps)
        # a roster names a subject type, a category or a rule by any of these words: one word, one thing
        for kind, named in (("主体类型", [(s.id, s.names) for s in vocabulary.subjects]),
                            ("农户类型", [(c.id, c.names) for c in vocabulary.categories]),
                            ("规则", [(rid, [rid, r.name.zh, r.name.en]) for rid, r in rules.items()])):
            owner: dict[str, str] = {}
            for ident, words in named:
                for word in words:
                    if owner.setdefault(word, ident) != ident:
                        problems.append(Problem(source=str(vocab_path if kind != "规则" else folder), message={
                            "zh": f"“{word}”同时指{kind} {owner[word]} 和 {ident}：名册中无法判断",
                            "en": f"{word!r} names both {owner[word]} and {ident}: a roster could not tell them apart"}))
    files_failed = any(p.source.startswith(str(folder)) for p in problems)
    for entry in register:
        if entry not in used_interps and not files_failed:  # a file that failed to load uses none
            problems.append(Problem(source=str(reg_path), message={
                "zh": f"解释 {entry} 未被任何规则引用", "en": f"interpretation {entry} is not referred to by any rule"}))
    if vocabulary is None:
        return None
    return YearRules(year=year, documents=documents, parameters=parameters, rules=rules,
                     vocabulary=vocabulary, interpretations=register, files=files, tasks=tasks, reports=reports)


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
    problems: list[Problem] = []
    pack_path = directory / "pack.yaml"
    if not directory.is_dir():
        raise RuleDataError([Problem(source=str(directory), message={"zh": "规则目录不存在", "en": "rules directory does not exist"})])
    name, version, title = directory.name, "unversioned", _PackFile.model_fields["title"].default
    if pack_path.exists():
        loaded = _load_yaml(pack_path, problems)
        if loaded:
            data, lines = loaded
            try:
                pack = _PackFile.model_validate(data)
                name, version, title = pack.name, pack.version, pack.title
            except ValidationError as exc:
                problems += _pydantic_problems(exc, pack_path, lines)
    else:
        problems.append(Problem(source=str(pack_path), message={"zh": "缺少 pack.yaml", "en": "pack.yaml is missing"}))
    years: dict[int, YearRules] = {}
    for folder in sorted(p for p in directory.iterdir() if p.is_dir() and p.name.isdigit()):
        yr = _load_year(int(folder.name), folder, problems)
        if yr is not None:
            years[yr.year] = yr
    if not years and not problems:
        problems.append(Problem(source=str(directory), message={"zh": "规则目录中没有年份文件夹", "en": "no year folders in the rules directory"}))
    if problems:
        raise RuleDataError(problems)
    return RulePack(name=name, version=version, directory=directory, years=years, digest=_digest(directory), title=title)
