"""The reference engine: one applicant's claims → an Award with every step explained.

Pure: no I/O. Every number of policy comes from the rule data (YearRules); this
module holds only the vocabulary of formulas. Amounts are in 元 (Decimal);
each line is rounded once to 0.01 元 (money.to_fen) after its own formula,
uplift and per-claim cap, then cross-claim limits (once per household,
exclusive groups, shared caps) work on the rounded amounts, which are whole 分.
"""

from __future__ import annotations

import difflib
import weakref
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any, Callable, Iterable
from weakref import WeakValueDictionary

from pydantic import ValidationError

from .errors import InputError, Problem
from .inputforms import normalise_text, number_text
from .models import (
    ApplicantFile,
    ApplicantInfo,
    Award,
    Check,
    Citation,
    Claim,
    Condition,
    DecidedWithinRange,
    FirstPlusAdditional,
    Fixed,
    InputSpec,
    InputUsed,
    InterestAtRate,
    LineItem,
    Match,
    NotQuantified,
    Parameter,
    PerUnit,
    RateCase,
    Rule,
    ShareOfCost,
    Step,
    Text,
    Tier,
    TierTable,
)
from .money import FEN, MAX_INPUT, MAX_PERCENT, MAX_PLACES, MONEY_CONTEXT, ROUNDING_STATEMENT, ZERO, D, exact_yuan, fmt_yuan, num_text, pct_text, to_fen
from .rules import RulePack, YearRules
from .yamlio import line_for

__all__ = ["compute", "parse_applicant", "parse_value", "evaluate_claim", "resolve_subject", "resolve_category"]

OPS_TEXT = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "is_true": "=", "is_false": "=", "in": "∈", "not_in": "∉"}
TRUE_WORDS = {"是", "有", "true", "yes", "y", "1", "对", "通过", "合格", "√"}
FALSE_WORDS = {"否", "无", "false", "no", "n", "0", "不", "未通过", "不合格", "×"}


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


_YES, _NO = Text(zh="是", en="yes"), Text(zh="否", en="no")
_SUBJECT_TYPE = Text(zh="申请主体类型", en="subject type")
_ROUNDING = Text(**ROUNDING_STATEMENT)

# Shared output parts. Citations, checks and inputs used are frozen models wholly determined by
# their field values, and a roster repeats the same few hundred of them across thousands of
# lines (the same rule, condition and yes/no answer). Building each once and sharing it
# keeps every line equal field for field, while sparing pydantic's validation and, above
# all, the cyclic GC: an audit keeps all its lines alive, and rescanning ~30 fresh models
# per line was two thirds of the reference engine's time. The keys hold the exact field
# values (strings, bools, None and other frozen models), never object ids, so a key can
# only ever find an equal object. The caches hold their objects weakly: an entry lasts as
# long as some result still uses it, so a long-running process does not accumulate them.
# (Sharing is what saves the time: model_construct is no faster than validating these
# small models.) The models are frozen; like the rule data's labels they already share,
# their lists are not to be changed in place. Most of these caches now live in the rule
# plans (see _RulePlan), one per rule or condition, keyed by just the few field values that
# vary within it; the caches here serve the rest.
_CITATIONS: WeakValueDictionary[tuple, Citation] = WeakValueDictionary()
_CHECKS: WeakValueDictionary[tuple, Check] = WeakValueDictionary()


def _shared(cache: WeakValueDictionary[tuple, Any], key: tuple, make: Callable[[], Any]) -> Any:
    """The object cached under ``key``, built (validated) by ``make()`` when there is none alive."""
    obj = cache.get(key)
    if obj is None:
        obj = cache[key] = make()
    return obj


def _check(**fields: Any) -> Check:
    """A Check, shared between lines with the same field values (see _shared).

    Takes exactly the keywords a direct ``Check(...)`` call would, so the fields set are the same.
    """
    interps = fields.pop("interpretations", None)  # a list: keyed as a tuple
    key = (tuple(fields.items()), None if interps is None else tuple(interps))
    if interps is None:
        return _shared(_CHECKS, key, lambda: Check(**fields))
    return _shared(_CHECKS, key, lambda: Check(**fields, interpretations=interps))


# ---------------------------------------------------------------- parsing input


def parse_value(spec: InputSpec, raw: Any) -> tuple[Any, Text | None]:
    """Turn one raw input into its typed value.

    Returns:
        (value, None) on success or (None, message) saying what was expected.
    """
    expected_num = _t(
        f"应为不小于 0 的数（单位：{spec.unit}）",
        f"expected a number ≥ 0 (unit: {spec.unit})",
    )
    if spec.type in ("decimal", "money", "integer"):
        if isinstance(raw, bool) or raw is None:
            return None, expected_num
        if isinstance(raw, float):
            return None, _t("不接受二进制浮点数，请写成文本形式的十进制数", "binary floats are not accepted; write the number as decimal text")
        if isinstance(raw, (int, Decimal)):
            value = D(raw)
        elif isinstance(raw, str):
            text = number_text(raw, spec.unit)
            try:
                if text is None:
                    raise ValueError(raw)
                value = D(text)
            except (ValueError, TypeError):
                return None, _t(f"“{raw}”不是数字；{expected_num.zh}", f"{raw!r} is not a number; {expected_num.en}")
        else:
            return None, expected_num
        if not value.is_finite():
            return None, expected_num
        if value < 0:
            return None, _t(f"不能为负数（{num_text(value)}）", f"must not be negative ({num_text(value)})")
        value = value.copy_abs()  # -0 is zero, and must never print as -0.00
        if value > MAX_INPUT:
            return None, _t("数值过大（超过 10^15）", "number too large (over 10^15)")
        if spec.unit == "%" and value > MAX_PERCENT:
            return None, _t(f"百分数不能超过 {num_text(MAX_PERCENT)}（得到 {num_text(value)}）", f"a percentage cannot exceed {num_text(MAX_PERCENT)} (got {num_text(value)})")
        if -value.as_tuple().exponent > MAX_PLACES:  # type: ignore[operator]
            trimmed = value.quantize(Decimal(1).scaleb(-MAX_PLACES), rounding=ROUND_DOWN)
            if trimmed != value:
                return None, _t(f"小数位数过多（最多 {MAX_PLACES} 位）", f"too many decimal places (at most {MAX_PLACES})")
            value = trimmed  # same number, written with fewer zeros (0E-99 → 0.000000)
        if spec.type == "integer" and value != value.to_integral_value():
            return None, _t(f"应为整数（{spec.unit}），而不是 {num_text(value)}", f"expected a whole number ({spec.unit}), got {num_text(value)}")
        if spec.type == "money" and value != value.quantize(FEN, rounding=ROUND_DOWN):
            return None, _t("金额最多两位小数（分）", "an amount has at most two decimals (fen)")
        return value, None
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, (int, str)) and not isinstance(raw, bool):
            word = normalise_text(str(raw)).lower()
            if word in TRUE_WORDS:
                return True, None
            if word in FALSE_WORDS:
                return False, None
        return None, _t(f"应为“是”或“否”，而不是“{raw}”", f"expected yes or no (是/否), got {raw!r}")
    # choice
    if isinstance(raw, str):
        text = raw.strip()
        for choice in spec.choices:
            if text in (choice.value, choice.label.zh, choice.label.en):
                return choice.value, None
    options = "、".join(c.value for c in spec.choices)
    return None, _t(f"应为以下之一：{options}；而不是“{raw}”", f"expected one of: {options}; got {raw!r}")


def resolve_subject(yr: YearRules, raw: str) -> str | None:
    text = raw.strip()
    for s in yr.vocabulary.subjects:
        if text in s.names:
            return s.id
    return None


def resolve_category(yr: YearRules, raw: str) -> str | None:
    text = raw.strip()
    for c in yr.vocabulary.categories:
        if text in c.names:
            return c.id
    return None


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)  # difflib's default cutoff
    return close[0] if close else ""


def parse_applicant(
    data: Any,
    pack: RulePack,
    *,
    source: str = "<applicant>",
    lines: dict[tuple, int] | None = None,
    year: int | None = None,
) -> tuple[ApplicantFile, YearRules]:
    """Validate plain data (from YAML/JSON) into an ApplicantFile with typed inputs.

    Every problem is collected; all are raised together, each located by file,
    line and field path.

    Raises:
        InputError: the file is wrong (unknown subject, rule or input; bad value ...).
        YearNotCovered: no rule covers the year.
    """
    lines = lines or {}
    problems: list[Problem] = []

    def problem(loc: tuple, zh: str, en: str) -> None:
        problems.append(
            Problem(source=source, line=line_for(lines, loc), field=".".join(map(str, loc)) or None, message={"zh": zh, "en": en})
        )

    if not isinstance(data, dict):
        problem((), "文件内容应为一个映射（含 year、applicant、claims）", "the file must hold a mapping with year, applicant and claims")
        raise InputError(problems)
    if year is not None:
        data = {**data, "year": year}
    def schema_problems(exc: ValidationError, prefix: tuple = ()) -> None:
        for err in exc.errors():
            loc = prefix + tuple(err["loc"])
            if err["type"] == "extra_forbidden":
                key = str(loc[-1])
                hint = _suggest(key, _allowed_keys(loc[:-1]))
                problem(loc, f"未知字段“{key}”" + (f"，是否应为“{hint}”？" if hint else ""),
                        f"unknown field {key!r}" + (f"; did you mean {hint!r}?" if hint else ""))
            elif err["type"] == "missing":
                problem(loc, "缺少必填字段", "required field is missing")
            else:
                problem(loc, f"取值有误：{err['msg']}（得到 {err.get('input')!r}）", f"invalid value: {err['msg']} (got {err.get('input')!r})")

    def part(model: Any, raw: Any, prefix: tuple) -> Any:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            schema_problems(exc, prefix)
            return None

    # Validate the parts one by one, so that one run lists every problem in the file.
    top = {k: v for k, v in data.items() if k not in ("applicant", "claims")}
    head = part(_Top, top, ())
    info = part(ApplicantInfo, data.get("applicant"), ("applicant",)) if "applicant" in data else None
    if info is None and isinstance(data.get("applicant"), dict):
        # already reported; check the rest of the applicant without its unknown keys
        known = {k: v for k, v in data["applicant"].items() if k in ApplicantInfo.model_fields}
        try:
            info = ApplicantInfo.model_validate(known)
        except ValidationError:
            info = None
    if "applicant" not in data:
        problem(("applicant",), "缺少必填字段", "required field is missing")
    raw_claims = data.get("claims", [])
    indexed: list[tuple[int, Claim]] = []
    if not isinstance(raw_claims, list):
        problem(("claims",), "claims 应为列表", "claims must be a list")
    else:
        for i, raw in enumerate(raw_claims):
            c = part(Claim, raw, ("claims", i))
            if c is not None:
                indexed.append((i, c))
    if head is None:
        raise InputError(problems)

    yr = pack.for_year(head.year)
    subject = category = None
    if info is not None:
        subject = resolve_subject(yr, info.subject)
        if subject is None:
            names = "、".join(f"{s.id}（{s.label.zh}）" for s in yr.vocabulary.subjects)
            problem(("applicant", "subject"), f"未知主体类型“{info.subject}”；可选：{names}",
                    f"unknown subject type {info.subject!r}; expected one of: {', '.join(s.id for s in yr.vocabulary.subjects)}")
        if info.category is not None:
            category = resolve_category(yr, info.category)
            if category is None:
                names = "、".join(c.label.zh for c in yr.vocabulary.categories)
                problem(("applicant", "category"), f"未知农户类型“{info.category}”；可选：{names}",
                        f"unknown household category {info.category!r}; expected one of: {', '.join(c.id for c in yr.vocabulary.categories)}")

    claims: list[Claim] = []
    for i, claim in indexed:
        rule = yr.rules.get(claim.rule)
        if rule is None:
            hint = _suggest(claim.rule, yr.rules)
            problem(("claims", i, "rule"), f"未知奖补规则“{claim.rule}”" + (f"，是否应为“{hint}”？" if hint else "；用 `xingxian-subsidy rules list` 查看"),
                    f"unknown rule {claim.rule!r}" + (f"; did you mean {hint!r}?" if hint else "; see `xingxian-subsidy rules list`"))
            continue
        typed: dict[str, Any] = {}
        for key, raw in claim.inputs.items():
            spec = rule.input_spec(key)
            if spec is None:
                hint = _suggest(key, [s.name for s in rule.inputs])
                problem(("claims", i, "inputs", key), f"规则 {rule.id} 没有输入项“{key}”" + (f"，是否应为“{hint}”？" if hint else f"；可用：{', '.join(s.name for s in rule.inputs) or '无'}"),
                        f"rule {rule.id} has no input {key!r}" + (f"; did you mean {hint!r}?" if hint else f"; it takes: {', '.join(s.name for s in rule.inputs) or 'none'}"))
                continue
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue  # blank: treated as missing, never as 0
            value, message = parse_value(spec, raw)
            if message is not None:
                problem(("claims", i, "inputs", key), f"{spec.label.zh}：{message.zh}", f"{spec.label.en}: {message.en}")
                continue
            typed[key] = value
        claims.append(claim.model_copy(update={"inputs": typed}))
    if problems or info is None:
        raise InputError(problems)
    new_info = info.model_copy(update={"subject": subject, "category": category})
    return ApplicantFile(year=head.year, applicant=new_info, claims=claims), yr


class _Top(ApplicantFile):
    """The file's top level without its applicant and claims (validated part by part)."""

    applicant: ApplicantInfo | None = None  # type: ignore[assignment]


def _allowed_keys(loc: tuple) -> list[str]:
    if not loc:
        return list(ApplicantFile.model_fields)
    if loc[0] == "applicant":
        return list(ApplicantInfo.model_fields)
    if loc[0] == "claims":
        return list(Claim.model_fields)
    return []


# ---------------------------------------------------------------- evaluation


@dataclass
class _Draft:
    rule: Rule
    project: str | None
    status: str
    amount: Decimal
    inputs: list[InputUsed]
    checks: list[Check]
    steps: list[Step]
    missing: list[InputUsed]
    interps: list[str] = field(default_factory=list)

    def use(self, ids: Iterable[str]) -> None:
        for i in ids:
            if i not in self.interps:
                self.interps.append(i)


class _Ctx:
    def __init__(self, yr: YearRules, rule: Rule, info: ApplicantInfo, values: dict[str, Any]):
        self.yr, self.rule, self.info, self.values = yr, rule, info, values
        year = _year_plan(yr)
        self.plan = year.rule(rule)
        self.groups = year.groups_of(yr, info.category)
        self.missing: list[str] = []

    def need(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name not in self.missing:
            self.missing.append(name)
        return None

    def param(self, name: str) -> Parameter:
        return self.yr.param(self.rule, name)

    def matches(self, m: Match) -> bool | None:
        """True/False, or None when the answer depends on an input not given."""
        if m.subject is not None and self.info.subject not in m.subject:
            return False
        if m.not_subject is not None and self.info.subject in m.not_subject:
            return False
        if m.group is not None or m.not_group is not None:
            if self.info.subject == "household" and self.info.category is None:
                self.need("category")
                return None
            if m.group is not None and not (self.groups & set(m.group)):
                return False
            if m.not_group is not None and (self.groups & set(m.not_group)):
                return False
        for name, allowed in (m.inputs or {}).items():
            value = self.need(name)
            if value is None:
                return None
            if str(value) not in allowed:
                return False
        return True


# ---------------------------------------------------------------- plans: what depends on the rule data alone
#
# Much of a claim's explanation depends on the rule data alone: the rule's citation, the
# subject check's threshold, each condition's citation, threshold parameter and its text, the
# input specs, the list of a year's sources. A roster evaluates the same few dozen rules
# thousands of times, so these are worked out once per rule (and year) and kept in a plan.
# A plan also holds the caches of shared output parts (see _shared) for its rule, with cheap
# keys: within one condition, a Check is wholly determined by the value's text, passed and
# whether the value is a yes/no, so those are its key, instead of every field value of the
# Check (which hashes its label Text and Citation through pydantic at every lookup).
#
# Rule data are not changed once loaded (the models are frozen; nothing alters a YearRules
# after load_rules). A year's plans live as long as its YearRules object: they are found by
# id(yr), checked against a weak reference to it, and dropped by a finalizer when it is
# collected (a plan never refers to its YearRules, which would keep it alive). A rule's plan
# holds the Rule itself, so the id(rule) it is found by cannot pass to another object while
# the plan exists.


class _CondPlan:
    """What one condition's Check takes from the rule data: its citation, threshold and texts."""

    __slots__ = ("checks", "citation", "threshold", "threshold_i18n", "threshold_text", "unit_suffix")

    def __init__(self, ctx: _Ctx, cond: Condition):
        self.citation = _citation(ctx.rule, cond.section, cond.quote)
        self.threshold: Decimal | None = None
        self.threshold_text: str | None = None
        self.threshold_i18n: Text | None = None
        if cond.threshold:
            p = ctx.param(cond.threshold)
            self.threshold = p.value
            self.threshold_text = f"{num_text(p.value)} {p.unit}" if p.unit != "比例" else pct_text(p.value)
        if cond.op in ("is_true", "is_false"):
            self.threshold_text = "是" if cond.op == "is_true" else "否"
            self.threshold_i18n = _YES if cond.op == "is_true" else _NO
        # the input's unit, written after a value that is not a yes/no
        spec = ctx.plan.specs.get(cond.input) if cond.input is not None else None
        self.unit_suffix = f" {spec.unit}" if spec and spec.unit else ""
        # (value text, passed, None or whether the yes/no value is yes) → Check; for any_of, (passed,)
        self.checks: WeakValueDictionary[tuple, Check] = WeakValueDictionary()


class _RulePlan:
    """What a rule's lines take from the rule data alone (see the comment above _CondPlan)."""

    __slots__ = ("citation", "conds", "fixed_steps", "inputs", "rule", "specs", "subject_checks", "tier_steps", "tiers")

    def __init__(self, rule: Rule):
        self.rule = rule  # held, so that id(rule) keeps naming this rule (see above)
        self.citation = _citation(rule)
        self.specs = {s.name: s for s in reversed(rule.inputs)}  # the first spec of a name, as Rule.input_spec
        # (name, label, unit, InputUsed by value text) per input spec, in the rule's order
        self.inputs: list[tuple[str, Text, str | None, WeakValueDictionary[str, InputUsed]]] = [
            (s.name, s.label, s.unit, WeakValueDictionary()) for s in rule.inputs]
        self.conds: dict[int, _CondPlan] = {}  # id(condition) → plan; the conditions belong to self.rule
        self.subject_checks: WeakValueDictionary[str, Check] = WeakValueDictionary()  # applicant's subject → Check
        # Steps of the formulas whose text depends on the rule data and at most one value:
        self.fixed_steps: dict[int, tuple[Parameter, Step]] = {}  # Fixed: id(amount parameter) → (it, its Step)
        self.tiers: list[tuple[Tier, Decimal | None, Decimal | None, Parameter, str]] | None = None  # TierTable: see tier_bounds
        self.tier_steps: WeakValueDictionary[tuple[int, str], Step] = WeakValueDictionary()  # (tier index, value text) → Step

    def fixed_step(self, p: Parameter) -> Step:
        """The step of a Fixed formula paying ``p``."""
        entry = self.fixed_steps.get(id(p))
        if entry is None or entry[0] is not p:  # the entry holds p, so its id names p while it exists
            step = Step(text=_t(f"{p.label.zh}：{num_text(p.value)} {p.unit}", f"{p.label.en}: {num_text(p.value)} {p.unit}"), amount=p.value)
            entry = self.fixed_steps[id(p)] = (p, step)
        return entry[1]

    def tier_bounds(self, ctx: _Ctx, f: TierTable) -> list[tuple[Tier, Decimal | None, Decimal | None, Parameter, str]]:
        """Each tier of the rule's TierTable with its lower and upper bound, award and bounds text."""
        if self.tiers is None:
            tiers = []
            for tier in f.tiers:
                lo = ctx.param(tier.lower).value if tier.lower else None
                hi = ctx.param(tier.upper).value if tier.upper else None
                bounds = (f"{num_text(lo)}{' ≤ ' if tier.lower_inclusive else ' < '}" if lo is not None else "") + "x" + (
                    f"{' ≤ ' if tier.upper_inclusive else ' < '}{num_text(hi)}" if hi is not None else "")
                tiers.append((tier, lo, hi, ctx.param(tier.award), bounds))
            self.tiers = tiers
        return self.tiers

    def cond(self, ctx: _Ctx, cond: Condition) -> _CondPlan:
        """The condition's plan, worked out at its first use (as the engine used to, per claim)."""
        plan = self.conds.get(id(cond))
        if plan is None:
            plan = self.conds[id(cond)] = _CondPlan(ctx, cond)
        return plan


class _YearPlan:
    """A YearRules's rule plans, and what every award of the year repeats."""

    def __init__(self, yr: YearRules):
        self.yr = weakref.ref(yr)
        self.rules: dict[int, _RulePlan] = {}  # id(rule) → plan
        self.subject_labels = {s.id: s.label for s in yr.vocabulary.subjects}
        self.sources = [f"{doc.number} {doc.title}（{doc.gazette} 第{doc.gazette_page}页）" for doc in yr.documents.values()]
        # the year's rules open to each subject type, in document order
        self.open_to = {sid: [rid for rid, r in yr.rules.items() if sid in r.subjects] for sid in self.subject_labels}
        self.groups = {c.id: frozenset(yr.groups_of(c.id)) for c in yr.vocabulary.categories}

    def rule(self, rule: Rule) -> _RulePlan:
        plan = self.rules.get(id(rule))
        if plan is None or plan.rule is not rule:
            plan = self.rules[id(rule)] = _RulePlan(rule)
        return plan

    def groups_of(self, yr: YearRules, category: str | None) -> frozenset[str] | set[str]:
        """yr.groups_of(category), kept for the vocabulary's categories."""
        groups = self.groups.get(category) if category is not None else None
        return groups if groups is not None else yr.groups_of(category)

    def open_rules(self, yr: YearRules, subject: str) -> list[str]:
        """The ids of the year's rules open to ``subject``, in document order."""
        rids = self.open_to.get(subject)
        return rids if rids is not None else [rid for rid, r in yr.rules.items() if subject in r.subjects]


_YEAR_PLANS: dict[int, _YearPlan] = {}  # id(yr) → plan, while that YearRules lives


def _year_plan(yr: YearRules) -> _YearPlan:
    plan = _YEAR_PLANS.get(id(yr))
    if plan is None or plan.yr() is not yr:
        plan = _YEAR_PLANS[id(yr)] = _YearPlan(yr)
        weakref.finalize(yr, _YEAR_PLANS.pop, id(yr), None).atexit = False
    return plan


def _citation(rule: Rule, section: str | None = None, quote: str | None = None) -> Citation:
    """The rule's source (or a given section and quote of its document), shared (see _shared)."""
    doc = rule.document
    assert doc is not None
    section, quote = section or rule.section, quote or rule.quote
    key = (doc.number, doc.title, section, doc.gazette, doc.gazette_page, quote)
    return _shared(_CITATIONS, key, lambda: Citation(
        document_number=doc.number,
        document_title=doc.title,
        section=section,
        gazette=doc.gazette,
        gazette_page=doc.gazette_page,
        quote=quote,
    ))


def _value_text(spec: InputSpec | None, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return num_text(value)
    return str(value)


def _check_condition(ctx: _Ctx, cond: Condition, draft: _Draft) -> bool | None:
    """Evaluate one condition, record a Check, and return passed (None if undecidable)."""
    if cond.when is not None:
        applies = ctx.matches(cond.when)
        if applies is False:
            return True  # not applicable to this claim
        if applies is None:
            return None
    plan = ctx.plan.cond(ctx, cond)
    check: Check | None
    if cond.any_of is not None:
        results = []
        sub_draft = _Draft(draft.rule, draft.project, "", ZERO, [], [], [], [])
        for sub in cond.any_of:
            results.append(_check_condition(ctx, sub, sub_draft))
        passed: bool | None = True if any(r is True for r in results) else (None if any(r is None for r in results) else False)
        draft.checks.extend(sub_draft.checks)
        draft.use(sub_draft.interps)
        check = plan.checks.get((passed,))
        if check is None:
            check = plan.checks[(passed,)] = Check(
                id=cond.id, label=cond.label, value=None, threshold=None, op="any_of", boundary_word=None, passed=passed,
                kind=cond.kind, citation=plan.citation, interpretations=cond.interpretations)
        draft.checks.append(check)
        draft.use(cond.interpretations)
        return passed
    threshold = plan.threshold
    value: Any
    value_text: str | None
    if cond.ratio_of is not None:
        num, den = (ctx.need(n) for n in cond.ratio_of)
        if num is None or den is None:
            value, value_text = None, None
        elif den == 0:
            value, value_text = ZERO, "—"
        else:
            with localcontext(MONEY_CONTEXT):
                value = num / den
            value_text = f"{num_text(num)}/{num_text(den)} = {pct_text(value.quantize(Decimal('0.0001')))}"
    else:
        assert cond.input is not None
        value = ctx.need(cond.input)
        if value is None:
            value_text = None
        elif isinstance(value, bool):
            value_text = "是" if value else "否"
        else:
            value_text = _value_text(None, value) + plan.unit_suffix
    passed2: bool | None
    if value is None:
        passed2 = None
    elif cond.op == "is_true":
        passed2 = value is True
    elif cond.op == "is_false":
        passed2 = value is False
    elif cond.op == "in":
        passed2 = str(value) in (cond.values or [])
    elif cond.op == "not_in":
        passed2 = str(value) not in (cond.values or [])
    else:
        assert threshold is not None
        if cond.ratio_of is not None and value_text == "—":
            passed2 = False
        else:
            passed2 = {"ge": value >= threshold, "gt": value > threshold, "le": value <= threshold, "lt": value < threshold}[cond.op]  # type: ignore[index]
    yes_no = value if cond.op in ("is_true", "is_false") and isinstance(value, bool) else None  # shown as 是/否 in both languages
    key = (value_text, passed2, yes_no)
    check = plan.checks.get(key)
    if check is None:
        check = plan.checks[key] = Check(
            id=cond.id, label=cond.label, value=value_text, threshold=plan.threshold_text, op=cond.op, boundary_word=cond.boundary_word,
            passed=passed2, kind=cond.kind, citation=plan.citation, interpretations=cond.interpretations,
            value_i18n=None if yes_no is None else (_YES if yes_no else _NO), threshold_i18n=plan.threshold_i18n)
    draft.checks.append(check)
    draft.use(cond.interpretations)
    return passed2


def _pick(ctx: _Ctx, ref: str | list[RateCase], draft: _Draft) -> Parameter | None:
    if isinstance(ref, str):
        return ctx.param(ref)
    for case in ref:
        ok = ctx.matches(case.when)
        if ok is None:
            return None
        if ok:
            draft.use(case.interpretations)
            if case.when.group or case.when.not_group:
                draft.use(_group_interps(ctx))
            return ctx.param(case.param)
    return None


def _group_interps(ctx: _Ctx) -> list[str]:
    out: list[str] = []
    for g in sorted(ctx.groups):
        out += ctx.yr.vocabulary.group_interpretations.get(g, [])
    return out


def _unit_of(ctx: _Ctx, name: str) -> str:
    spec = ctx.plan.specs.get(name)
    return spec.unit or "" if spec else ""


def _formula(ctx: _Ctx, draft: _Draft) -> Decimal | None:
    f = ctx.rule.formula
    with localcontext(MONEY_CONTEXT):
        if isinstance(f, PerUnit):
            qty = ctx.need(f.quantity)
            p = _pick(ctx, f.rate, draft)
            if qty is None or p is None:
                return None
            amount = qty * p.value
            draft.steps.append(Step(
                text=_t(f"{p.label.zh}：{num_text(qty)} {_unit_of(ctx, f.quantity)} × {num_text(p.value)} {p.unit} = {exact_yuan(amount)} 元",
                        f"{p.label.en}: {num_text(qty)} {_unit_of(ctx, f.quantity)} × {num_text(p.value)} {p.unit} = {exact_yuan(amount)} yuan"),
                amount=amount))
            return amount
        if isinstance(f, Fixed):
            p = _pick(ctx, f.amount, draft)
            if p is None:
                return None
            draft.steps.append(ctx.plan.fixed_step(p))
            return p.value
        if isinstance(f, ShareOfCost):
            cost = ctx.need(f.cost)
            p = _pick(ctx, f.share, draft)
            if cost is None or p is None:
                return None
            amount = cost * p.value
            label = ctx.plan.specs.get(f.cost)
            draft.steps.append(Step(
                text=_t(f"{p.label.zh}：{label.label.zh if label else f.cost} {fmt_yuan(cost)} 元 × {pct_text(p.value)} = {exact_yuan(amount)} 元",
                        f"{p.label.en}: {label.label.en if label else f.cost} {fmt_yuan(cost)} yuan × {pct_text(p.value)} = {exact_yuan(amount)} yuan"),
                amount=amount))
            return amount
        if isinstance(f, TierTable):
            value = ctx.need(f.input)
            if value is None:
                return None
            for i, (tier, lo, hi, award, bounds) in enumerate(ctx.plan.tier_bounds(ctx, f)):
                if lo is not None and (value < lo or (value == lo and not tier.lower_inclusive)):
                    continue
                if hi is not None and (value > hi or (value == hi and not tier.upper_inclusive)):
                    continue
                value_text = num_text(value)
                step = ctx.plan.tier_steps.get((i, value_text))
                if step is None:  # the step is shared between lines (see _shared)
                    step = ctx.plan.tier_steps[(i, value_text)] = Step(
                        text=_t(f"{value_text} 元落在{tier.label.zh}（{bounds}）→ {num_text(award.value)} 元",
                                f"{value_text} yuan falls in {tier.label.en} ({bounds}) → {num_text(award.value)} yuan"),
                        amount=award.value)
                draft.steps.append(step)
                return award.value
            first = f.tiers[0]
            lo = ctx.param(first.lower).value if first.lower else None
            draft.steps.append(Step(
                text=_t(f"{num_text(value)} 元未达到最低档（{first.label.zh}起点 {num_text(lo) if lo is not None else '—'} 元），不予奖补",
                        f"{num_text(value)} yuan is below the lowest tier ({first.label.en} starts at {num_text(lo) if lo is not None else '—'}); no award"),
                amount=ZERO))
            draft.status = "ineligible"
            return ZERO
        if isinstance(f, FirstPlusAdditional):
            n = ctx.need(f.count)
            if n is None:
                return None
            first, more = ctx.param(f.first), ctx.param(f.additional)
            if n == 0:
                amount = ZERO
                draft.steps.append(Step(text=_t("产品数为 0，不予奖补", "no products; no award"), amount=ZERO))
            else:
                amount = first.value + more.value * (n - 1)
                draft.steps.append(Step(
                    text=_t(f"{first.label.zh} {num_text(first.value)} 元 + {more.label.zh} {num_text(more.value)} 元 × ({num_text(n)} − 1) = {fmt_yuan(amount)} 元",
                            f"{first.label.en} {num_text(first.value)} + {more.label.en} {num_text(more.value)} × ({num_text(n)} − 1) = {fmt_yuan(amount)} yuan"),
                    amount=amount))
            return amount
        if isinstance(f, DecidedWithinRange):
            amount = ctx.need(f.amount)
            lo, hi = ctx.param(f.min), ctx.param(f.max)
            if amount is None:
                return None
            ok = lo.value <= amount <= hi.value
            draft.checks.append(_check(
                id="amount_in_range", label=_t(f"金额在 {num_text(lo.value)}–{num_text(hi.value)} 元之间", f"amount within {num_text(lo.value)}–{num_text(hi.value)} yuan"),
                value=f"{num_text(amount)} 元", threshold=f"{num_text(lo.value)}–{num_text(hi.value)} 元", op="between", boundary_word=None,
                passed=ok, kind="eligibility", citation=_citation(ctx.rule, lo.section, lo.quote)))
            if not ok:
                draft.status = "ineligible"
                return ZERO
            draft.steps.append(Step(text=_t(f"县级确定金额 {fmt_yuan(amount)} 元（区间 {num_text(lo.value)}–{num_text(hi.value)} 元内）",
                                            f"amount fixed by the county {fmt_yuan(amount)} yuan (within {num_text(lo.value)}–{num_text(hi.value)})"), amount=amount))
            return amount
        if isinstance(f, InterestAtRate):
            vals = [ctx.need(n) for n in (f.principal, f.annual_rate_percent, f.days, f.interest_paid)]
            if any(v is None for v in vals):
                return None
            principal, rate, days, paid = vals
            basis = ctx.param(f.day_basis)
            interest = principal * rate / 100 * days / basis.value
            amount = min(interest, paid)
            draft.steps.append(Step(
                text=_t(f"{fmt_yuan(principal)} 元 × {num_text(rate)}% × {num_text(days)} 天 ÷ {num_text(basis.value)} = {exact_yuan(interest)} 元；不超过实付利息 {fmt_yuan(paid)} 元 → {exact_yuan(amount)} 元",
                        f"{fmt_yuan(principal)} × {num_text(rate)}% × {num_text(days)} days ÷ {num_text(basis.value)} = {exact_yuan(interest)}; at most the interest paid {fmt_yuan(paid)} → {exact_yuan(amount)} yuan"),
                amount=amount))
            return amount
        if isinstance(f, NotQuantified):
            return ZERO
    raise AssertionError(f"unknown formula {f!r}")  # pragma: no cover


def evaluate_claim(yr: YearRules, info: ApplicantInfo, claim: Claim) -> _Draft:
    """Evaluate one claim on its own (before cross-claim limits)."""
    rule = yr.rules[claim.rule]
    inputs = claim.inputs
    ctx = _Ctx(yr, rule, info, dict(inputs))
    plan = ctx.plan
    inputs_used = []
    for name, label, unit, shared in plan.inputs:  # an InputUsed is shared between lines (see _shared)
        if name in inputs:
            text = _value_text(None, inputs[name])
            used = shared.get(text)
            if used is None:
                used = shared[text] = InputUsed(name=name, label=label, value=text, unit=unit)
            inputs_used.append(used)
    draft = _Draft(rule=rule, project=claim.project, status="awarded", amount=ZERO, inputs=inputs_used, checks=[], steps=[], missing=[])
    draft.use(rule.interpretations)

    subject_ok = info.subject in rule.subjects
    check = plan.subject_checks.get(info.subject)
    if check is None:
        check = plan.subject_checks[info.subject] = _subject_check(_year_plan(yr).subject_labels, rule, plan.citation, info.subject)
    draft.checks.append(check)

    results = [_check_condition(ctx, c, draft) for c in rule.conditions]
    failed = [c for c, r in zip(rule.conditions, results) if r is False]
    if not subject_ok or failed:
        draft.status = "excluded" if failed and all(c.kind == "exclusion" for c in failed) and subject_ok else "ineligible"
    elif isinstance(rule.formula, NotQuantified):
        draft.status = "not_quantified" if None not in results else "undecided"
        draft.steps.append(Step(text=_t("文件未规定具体金额或比例：列出以供申请，不计算金额", "the document names this support without a figure: listed, not computed")))
    elif None in results:
        draft.status = "undecided"
    else:
        amount = _formula(ctx, draft)
        if amount is None:
            draft.status = "undecided"
        elif draft.status == "awarded":
            amount = _modifiers(ctx, draft, amount)
            if amount is None:  # an uplift or cap depends on an input not given
                draft.status = "undecided"
            else:
                draft.amount = to_fen(amount)
                if draft.amount != amount:
                    draft.steps.append(Step(text=_t(f"四舍五入到分：{fmt_yuan(draft.amount)} 元", f"rounded to the fen: {fmt_yuan(draft.amount)} yuan"), amount=draft.amount))
    if ctx.missing:
        draft.missing = [_missing_used(yr, rule, name) for name in ctx.missing]
    return draft


def _subject_check(subject_labels: dict[str, Text], rule: Rule, citation: Citation, subject: str) -> Check:
    """The check that the applicant's subject type is one the rule is open to."""
    allowed = "、".join(subject_labels[s].zh for s in rule.subjects)
    return Check(
        id="subject", label=_SUBJECT_TYPE,
        value=subject_labels[subject].zh if subject in subject_labels else subject, threshold=allowed, op="in", boundary_word="属于",
        passed=subject in rule.subjects, kind="eligibility", citation=citation,
        value_i18n=subject_labels.get(subject),
        threshold_i18n=_t(allowed, "; ".join(subject_labels[s].en for s in rule.subjects)))


def _missing_used(yr: YearRules, rule: Rule, name: str) -> InputUsed:
    if name == "category":
        return InputUsed(name="category", label=_t("农户类型", "household category"), value="", unit=None)
    spec = rule.input_spec(name)
    assert spec is not None
    return InputUsed(name=name, label=spec.label, value="", unit=spec.unit)


def _modifiers(ctx: _Ctx, draft: _Draft, amount: Decimal) -> Decimal | None:
    """Apply uplifts and per-claim caps; None when one of them depends on an input not given."""
    with localcontext(MONEY_CONTEXT):
        for up in ctx.rule.uplifts:
            applies = ctx.matches(up.when)
            if applies is None:
                return None
            if applies:
                factor = ctx.param(up.factor)
                new = amount * (1 + factor.value)
                draft.steps.append(Step(
                    text=_t(f"{factor.label.zh}：{exact_yuan(amount)} 元 ×（1 + {pct_text(factor.value)}）= {exact_yuan(new)} 元",
                            f"{factor.label.en}: {exact_yuan(amount)} × (1 + {pct_text(factor.value)}) = {exact_yuan(new)} yuan"),
                    amount=new, interpretations=up.interpretations))
                draft.use(up.interpretations)
                draft.use(_group_interps(ctx))
                amount = new
        for cap in ctx.rule.caps:
            if cap.scope != "claim":
                continue
            capped = ctx.matches(cap.when)
            if capped is None:
                return None
            if not capped:
                draft.use(cap.interpretations)  # the reading that leaves this applicant uncapped
                continue
            p = ctx.param(cap.param)
            if amount > p.value:
                draft.steps.append(Step(
                    text=_t(f"{p.label.zh} {fmt_yuan(p.value)} 元：{exact_yuan(amount)} 元调减为 {fmt_yuan(p.value)} 元",
                            f"{p.label.en} {fmt_yuan(p.value)}: {exact_yuan(amount)} reduced to {fmt_yuan(p.value)} yuan"),
                    amount=p.value, interpretations=cap.interpretations))
                draft.use(cap.interpretations)
                amount = p.value
    return amount


def _keep_highest(group: list[_Draft], loser_text: Any, winner_text: Text | None) -> None:
    """Of drafts that exclude each other, pay the highest (the first of equals); the rest become 0."""
    if len(group) <= 1:
        return
    best = max(group, key=lambda x: x.amount)
    for d in group:
        if d is best:
            if winner_text is not None:
                d.steps.append(Step(text=winner_text, amount=d.amount))
        else:
            d.steps.append(Step(text=loser_text(best), amount=ZERO))
            d.amount, d.status = ZERO, "limited"
        d.use(d.rule.interpretations)


def _cross_claim(yr: YearRules, info: ApplicantInfo, drafts: list[_Draft]) -> None:
    """Once-per-household limits, exclusive groups and shared caps, in claim order."""
    once: dict[tuple, list[_Draft]] = {}
    exclusive: dict[tuple, list[_Draft]] = {}
    for i, d in enumerate(drafts):
        if d.status != "awarded":
            continue
        if d.rule.once_per_applicant:
            once.setdefault((d.rule.once_per_applicant,), []).append(d)
        if d.rule.exclusive_group:
            project = d.project if d.project is not None else f"#claim{i}"
            exclusive.setdefault((project, d.rule.exclusive_group), []).append(d)
    for group in once.values():
        _keep_highest(group, lambda best: _t(
            f"每户限享受一次：按 {best.rule.name.zh} {fmt_yuan(best.amount)} 元支付（取最高），本项计 0 元",
            f"once per household: {best.rule.name.en} {fmt_yuan(best.amount)} is paid (the highest); this line is 0"), None)
    for (project, _), group in exclusive.items():
        _keep_highest(group, lambda best, project=project: _t(
            f"同一项目（{project}）择高支付：已按 {best.rule.name.zh} {fmt_yuan(best.amount)} 元支付，本项计 0 元",
            f"one award per project ({project}): {best.rule.name.en} {fmt_yuan(best.amount)} is paid instead; this line is 0"),
            _t(f"同一项目（{project}）的建设类奖补择高支付：本项最高，予以支付",
               f"one construction award per project ({project}), the highest: this one is paid"))

    used: dict[tuple, Decimal] = {}
    for i, d in enumerate(drafts):
        if d.status != "awarded":
            continue
        ctx: _Ctx | None = None  # made at the first cap across claims (most lines have none)
        for cap in d.rule.caps:
            if cap.scope == "claim":
                continue
            if ctx is None:
                ctx = _Ctx(yr, d.rule, info, {})
            applies = ctx.matches(cap.when)
            if applies is None:  # whether the cap binds depends on an input not given (the category)
                d.status, d.amount = "undecided", ZERO
                d.missing += [_missing_used(yr, d.rule, n) for n in ctx.missing if n not in {m.name for m in d.missing}]
                break
            if not applies:
                d.use(cap.interpretations)  # the reading that leaves this applicant uncapped
                continue
            scope_key = d.project if cap.scope == "project" and d.project is not None else (f"#claim{i}" if cap.scope == "project" else "applicant")
            key = (cap.scope, scope_key, cap.group)
            p = yr.param(d.rule, cap.param)
            already = used.get(key, ZERO)
            room = max(p.value - already, ZERO)
            if d.amount > room:
                d.steps.append(Step(
                    text=_t(f"{p.label.zh} {fmt_yuan(p.value)} 元，已享受 {fmt_yuan(already)} 元：本项由 {fmt_yuan(d.amount)} 元调减为 {fmt_yuan(room)} 元",
                            f"{p.label.en} {fmt_yuan(p.value)}, already {fmt_yuan(already)}: this line reduced from {fmt_yuan(d.amount)} to {fmt_yuan(room)} yuan"),
                    amount=room, interpretations=cap.interpretations))
                d.amount = room
                d.use(cap.interpretations)
                if room == 0:
                    d.status = "limited"
            used[key] = already + d.amount


def compute(applicant: ApplicantFile, yr: YearRules, pack: RulePack | None = None) -> Award:
    """Compute an applicant's award with its full explanation.

    Args:
        applicant: a parsed applicant (see parse_applicant): subject and category
            resolved to ids, inputs typed.
        yr: the rules in force for ``applicant.year``.
        pack: the rule pack, for the version stamp.

    Returns:
        The Award: one LineItem per claim, in claim order; total in 元 = sum of lines.
    """
    info = applicant.applicant
    drafts = [evaluate_claim(yr, info, c) for c in applicant.claims]
    _cross_claim(yr, info, drafts)
    year = _year_plan(yr)
    lines = [
        LineItem(rule_id=d.rule.id, name=d.rule.name, project=d.project, status=d.status, amount=to_fen(d.amount), inputs=d.inputs,
                 checks=d.checks, steps=d.steps, missing=d.missing, citation=year.rule(d.rule).citation, interpretations=d.interps)
        for d in drafts
    ]
    total = to_fen(sum((line.amount for line in lines), ZERO))  # exact: a sum of whole 分
    claimed = {c.rule for c in applicant.claims}
    also = [rid for rid in year.open_rules(yr, info.subject) if rid not in claimed]
    used = sorted({i for line in lines for i in line.interpretations})
    return Award(
        applicant=info, year=applicant.year, lines=lines, total=total, also_eligible=also,
        interpretations=[yr.interpretations[i] for i in used],
        rule_pack=pack.label if pack else "unknown", sources=year.sources, rounding=_ROUNDING,
    )
