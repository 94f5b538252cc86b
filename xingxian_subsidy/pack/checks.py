"""The loader's checks of a year's rule data beyond each model's own: what a rule refers to
exists, a value is written in its quote, constructs fit each other (a cap's unit, a tranche's
比例), every rule of a document says how to apply, and ``roster.yaml`` names only what the pack
knows. Each returns or collects :class:`Problem`s located by file and line; ``loader`` runs them
on every year and every variant."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ..core.errors import Problem
from ..core.money import PERCENT, SHARE, YUAN
from ..core.yamlio import line_for
from .citations import value_in_text
from .formulas import PooledRate, TierTable, value_parameters
from .models import Document, HowToApply, Interpretation, Parameter, RosterWords, Vocabulary
from .rule import Rule, walk_conditions

__all__ = ["check_guides", "construct_problems", "problem_at", "roster_problems", "rule_refs", "value_problems"]


def problem_at(path: Path, lines: dict[tuple, int], loc: tuple, zh: str, en: str) -> Problem:
    return Problem(source=str(path), line=line_for(lines, loc), field=".".join(map(str, loc)) or None,
                   message={"zh": zh, "en": en})


def rule_refs(rule: Rule, params: dict[str, Parameter], register: dict[str, Interpretation],
               vocabulary: Vocabulary | None) -> list[tuple[tuple, str, str]]:
    """What a rule refers to that does not exist: (where in the rule, zh, en) for each."""
    out: list[tuple[tuple, str, str]] = []
    for ref in rule.parameter_names():
        if ref not in params:
            out.append(((), f"规则 {rule.id} 引用了不存在的参数 {ref}", f"rule {rule.id} refers to unknown parameter {ref}"))
    declared = {s.name for s in rule.inputs}
    for ref in rule.input_names():
        if ref not in declared:
            out.append(((), f"规则 {rule.id} 使用了未声明的输入 {ref}", f"rule {rule.id} uses undeclared input {ref}"))
    for ref in rule.interpretation_ids():
        if ref not in register:
            out.append(((), f"规则 {rule.id} 引用了解释登记册中不存在的条目 {ref}", f"rule {rule.id} refers to unknown interpretation {ref}"))
    if vocabulary is not None:
        known_subjects = {s.id for s in vocabulary.subjects}
        for s in rule.subjects:
            if s not in known_subjects:
                out.append((("subjects",), f"未知主体类型 {s}", f"unknown subject type {s}"))
        for m in rule.matches():
            for s in (m.subject or []) + (m.not_subject or []):
                if s not in known_subjects:
                    out.append(((), f"未知主体类型 {s}", f"unknown subject type {s}"))
            for g in (m.group or []) + (m.not_group or []):
                if not vocabulary.members(g):
                    out.append(((), f"未知类别组 {g}", f"unknown category group {g}"))
        for c in walk_conditions(rule.conditions):
            for g in c.values or [] if c.category else []:
                if not vocabulary.members(g):
                    out.append(((), f"条件 {c.id}：未知农户类型或类别组 {g}", f"condition {c.id}: unknown household category or group {g}"))
    for where, zh, en in construct_problems(rule, params):
        out.append((where, f"规则 {rule.id}：{zh}", f"rule {rule.id}: {en}"))
    return out


def value_problems(p: Parameter, register: dict[str, Interpretation]) -> list[tuple[str, str]]:
    """A value that its own quote (or, for a value the text does not give, its register entry's reading) does not write."""
    if p.value_from is not None:
        entry = register.get(p.value_from)
        if entry is None:
            return [(f"value_from 指向不存在的解释 {p.value_from}", f"value_from names an unknown interpretation {p.value_from}")]
        if not value_in_text(p.value, p.unit, entry.reading.zh):
            return [(f"取值 {p.value} 未出现在解释 {p.value_from} 的读法中", f"the value {p.value} is not written in the reading of {p.value_from}")]
        return []
    if value_in_text(p.value, p.unit, p.quote):
        return []
    if p.stated is not None:  # stated in another unit (0.12345 万元 held as 1234.50 元): the quote writes it as stated
        number, _, unit = p.stated.partition(" ")
        if value_in_text(Decimal(number), unit, p.quote):
            return []
    return [(f"取值 {p.value} {p.unit} 未出现在其引文“{p.quote}”中", f"the value {p.value} {p.unit} is not written in its quote {p.quote!r}")]


def check_guides(path: Path, lines: dict[tuple, int], entries: list[HowToApply], own: list[str], guides: dict[str, HowToApply],
                 problems: list[Problem]) -> None:
    """``how_to_apply``: each entry names rules of this document, no rule twice, and once a document
    says how to apply, it says it for every one of its rules (a topic the text is silent on is an
    empty list, never left out)."""
    if not entries:
        return
    for i, entry in enumerate(entries):
        for ref in entry.rules:
            loc = ("how_to_apply", i, "rules")
            if ref not in own:
                problems.append(problem_at(path, lines, loc, f"办理指引引用了本文件中不存在的规则 {ref}",
                                         f"how_to_apply refers to rule {ref}, not in this document"))
            elif ref in guides:
                problems.append(problem_at(path, lines, loc, f"规则 {ref} 的办理指引重复", f"rule {ref} has two how_to_apply entries"))
            else:
                guides[ref] = entry
    for ref in own:
        if ref not in guides:
            problems.append(problem_at(path, lines, ("how_to_apply",), f"规则 {ref} 没有办理指引（文件未写明的项目写空列表）",
                                     f"rule {ref} has no how_to_apply entry (a topic the text is silent on is an empty list)"))


def construct_problems(rule: Rule, params: dict[str, Parameter]) -> list[tuple[tuple, str, str]]:
    """What the constructs of a rule require of each other: a cap on units bounds a formula that
    counts units, in their unit; a cap on an amount is in 元; a tranche is a 比例; a pool is in 元
    and divided by a total in the quantity's unit; a tier table on the applicant's total has no
    uplift and no cap of one claim. (where in the rule, zh, en) for each problem."""
    located: list[tuple[tuple, str, str]] = []
    out: list[tuple[str, str]] = []
    f = rule.formula
    units = f.units()
    unit_spec = rule.input_spec(units) if units else None

    def unit_of(name: str) -> str | None:
        p = params.get(name)
        return p.unit if p is not None else None  # an unknown parameter is reported elsewhere

    for k, cap in enumerate(rule.caps):
        whens = [cap.when] + ([case.when for case in cap.param] if not isinstance(cap.param, str) else [])
        if cap.scope != "claim" and any(w.inputs for w in whens):
            out.append((f"第 {k + 1} 个上限由多项申报共用：它是否适用只能取决于主体和农户类型，不能取决于某项输入",
                        f"cap {k + 1} is shared between claims: whether it applies may depend on the subject and category only, not on an input"))
        for name in value_parameters(cap.param):
            unit = unit_of(name)
            if unit is None:
                continue
            if cap.of == "units":
                if unit_spec is None:
                    out.append((f"第 {k + 1} 个上限按数量（of: units），但计算方式“{f.label.zh}”不按数量计",
                                f"cap {k + 1} is of units, but the formula {f.kind} counts none"))
                elif unit != unit_spec.unit:
                    out.append((f"数量上限 {name} 的单位“{unit}”与数量“{unit_spec.name}”的单位“{unit_spec.unit}”不同",
                                f"unit cap {name} is in {unit!r}, the quantity {unit_spec.name} in {unit_spec.unit!r}"))
            elif unit != YUAN:
                out.append((f"金额上限 {name} 的单位应为“{YUAN}”，而不是“{unit}”（按数量封顶请写 of: units）",
                            f"amount cap {name} must be in {YUAN}, not {unit!r} (a cap on units says of: units)"))
    if rule.tranche is not None and unit_of(rule.tranche.share) not in (None, SHARE):
        out.append((f"本次兑付比例 {rule.tranche.share} 的单位应为“{SHARE}”", f"tranche share {rule.tranche.share} must be a {SHARE}"))
    for c in walk_conditions(rule.conditions):
        if c.ratio_of is not None and c.threshold and unit_of(c.threshold) == PERCENT:
            out.append((f"条件 {c.id} 比较两数之比：门槛写作{SHARE}（0.6），或写比值的单位（棒/m²），不写“{PERCENT}”",
                        f"condition {c.id} compares a ratio: state its threshold as a {SHARE} (0.6) or in the ratio's unit, not {PERCENT}"))
    if isinstance(f, PooledRate):
        total = params.get(f.total)
        if total is not None and total.value <= 0:
            out.append((f"总量 {f.total} 应大于 0", f"total {f.total} must be above 0"))
        if unit_of(f.pool) not in (None, YUAN):
            out.append((f"资金池 {f.pool} 的单位应为“{YUAN}”", f"pool {f.pool} must be in {YUAN}"))
        if unit_spec is not None and unit_of(f.total) not in (None, unit_spec.unit):
            out.append((f"总量 {f.total} 的单位应与数量“{unit_spec.name}”相同（{unit_spec.unit}）",
                        f"total {f.total} must be in the quantity's unit ({unit_spec.unit})"))
    declared = f.declared_units()
    declared_spec = rule.input_spec(declared) if declared else None
    if declared_spec is not None and unit_spec is not None and declared_spec.unit != unit_spec.unit:
        out.append((f"申报数量“{declared}”与验收数量“{units}”的单位不同", f"declared {declared} and accepted {units} differ in unit"))
    if isinstance(f, TierTable) and f.per_applicant:
        # the applicant's award is placed on its total, paid on one of its claims: no claim's own
        # uplift or cap can bound it (caps shared between claims apply after it, as to any line)
        for k, _ in enumerate(rule.uplifts):
            located.append((("uplifts", k), "阶梯表按户合计定档（basis: applicant）时不能有上浮：按户定的奖补不属于某一项申报",
                            "a tier table on the applicant's total (basis: applicant) takes no uplift: its award is no one claim's"))
        for k, cap in enumerate(rule.caps):
            if cap.scope == "claim":
                located.append((("caps", k), "阶梯表按户合计定档（basis: applicant）时不能有每项申报的上限（scope: claim）；按户的上限写 scope: applicant",
                                "a tier table on the applicant's total (basis: applicant) takes no cap per claim (scope: claim); "
                                "a cap per applicant says scope: applicant"))
    return [((), zh, en) for zh, en in out] + located


def roster_problems(words: RosterWords, rules: dict[str, Rule], vocabulary: Vocabulary, documents: dict[str, Document], path: Path,
                     lines: dict[tuple, int]) -> list[Problem]:
    """``roster.yaml``: every rule, input, document and word it names exists, each spelling stands
    for a word the pack knows, and no header names two fields (one word, one thing)."""
    from .semantics import resolve_category, resolve_rule, resolve_subject
    from .semantics import spelling_key as _word_key

    out: list[Problem] = []

    def problem(loc: tuple, zh: str, en: str) -> None:
        out.append(problem_at(path, lines, loc, zh, en))

    owner: dict[str, str] = {}
    for fieldname, headers in words.columns.items():
        for k, h in enumerate(headers):
            if owner.setdefault(_word_key(h), fieldname) != fieldname:
                problem(("columns", fieldname, k), f"表头“{h}”同时指 {owner[_word_key(h)]} 和 {fieldname}：名册中无法判断",
                        f"header {h!r} names both {owner[_word_key(h)]} and {fieldname}: a roster could not tell them apart")
    for rid, per in words.inputs.items():
        rule = rules.get(rid)
        if rule is None:
            problem(("inputs", rid), f"不存在的规则 {rid}", f"unknown rule {rid}")
            continue
        for name, headers in per.items():
            if rule.input_spec(name) is None:
                problem(("inputs", rid, name), f"规则 {rid} 没有输入 {name}", f"rule {rid} has no input {name}")
            for k, h in enumerate(headers):
                if _word_key(h) in owner:
                    problem(("inputs", rid, name, k), f"表头“{h}”已指 {owner[_word_key(h)]}", f"header {h!r} already names {owner[_word_key(h)]}")
    tiers = {t.label.zh for r in rules.values() if r.formula.kind == "tier_table" for t in getattr(r.formula, "tiers", [])}
    choices: dict[str, set[str]] = {}
    for r in rules.values():
        for spec in r.inputs:
            if spec.type == "choice":
                choices.setdefault(spec.name, set()).update(c.value for c in spec.choices or [])
    for key, spellings in words.values.items():
        for spelt, word in spellings.items():
            loc = ("values", key, spelt)
            if key == "rule":
                known = resolve_rule(rules, word) is not None
            elif key == "subject":
                known = resolve_subject(vocabulary, word) is not None
            elif key == "category":
                known = resolve_category(vocabulary, word) is not None or word in vocabulary.groups
            elif key == "tier":
                known = word in tiers
            elif key in choices:
                known = word in choices[key]
            else:
                problem(loc, f"“{key}”不是名册的字段，也不是任何规则的选项输入", f"{key!r} is neither a roster field nor a choice input of any rule")
                continue
            if not known:
                problem(loc, f"写法“{spelt}”所指的“{word}”不是已知的{key}", f"spelling {spelt!r} stands for {word!r}, which is not a known {key}")
    for i, form in enumerate(words.forms):
        for k, rid in enumerate(form.rules):
            if rid not in rules:
                problem(("forms", i, "rules", k), f"表式 {form.id} 引用了不存在的规则 {rid}", f"form {form.id} refers to unknown rule {rid}")
        if form.document not in documents:
            problem(("forms", i, "document"), f"表式 {form.id} 引用了不存在的文件 {form.document}", f"form {form.id} refers to unknown document {form.document}")
    return out
