"""Reading an applicant: plain data (from YAML, JSON or a form) → a validated ApplicantFile with
typed inputs, every problem located by file, line and field."""

from __future__ import annotations

import difflib
from decimal import ROUND_DOWN, Decimal
from functools import cache
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from ..core.errors import InputError, Problem
from ..core.inputforms import MAX_APPLICANT_BYTES, MB, has_lone_surrogate, normalise_key, number_text, printable, surely_no_lone_surrogate, yes_no
from ..core.money import FEN, MAX_INPUT, MAX_PERCENT, MAX_PLACES, D, num_text
from ..core.text import Text
from ..core.yamlio import LoadFailure, line_for, load_with_lines
from ..pack.loader import RulePack, YearRules
from ..pack.models import InputSpec
from ..pack.semantics import near_miss, resolve_category, resolve_rule, resolve_subject
from .models import ApplicantFile, ApplicantInfo, Claim

__all__ = ["category_not_for", "parse_applicant", "parse_value", "read_applicant", "suggest"]


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


@cache  # units come from the rule pack: a handful
def _expected_number(unit: str | None) -> Text:
    """What a number input expects (made once per unit: a frozen Text, shared)."""
    return _t(f"应为不小于 0 的数（单位：{unit}）", f"expected a number ≥ 0 (unit: {unit})")


def parse_value(spec: InputSpec, raw: Any) -> tuple[Any, Text | None]:
    """Turn one raw input into its typed value.

    Returns:
        (value, None) on success or (None, message) saying what was expected.
    """
    if spec.type in ("decimal", "money", "integer"):
        expected_num = _expected_number(spec.unit)
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
        answer = yes_no(raw)
        if answer is not None:
            return answer, None
        return None, _t(f"应为“是”或“否”，而不是“{raw}”", f"expected yes or no (是/否), got {raw!r}")
    # choice
    if isinstance(raw, str):
        text = raw.strip()
        for choice in spec.choices:
            if text in (choice.value, choice.label.zh, choice.label.en):
                return choice.value, None
    options = "、".join(c.value for c in spec.choices)
    hint = near_miss(raw, [w for c in spec.choices for w in (c.value, c.label.zh)]) if isinstance(raw, str) else None
    return None, _t(f"应为以下之一：{options}；而不是“{raw}”" + (f"（是否应为“{hint}”？）" if hint else ""),
                    f"expected one of: {options}; got {raw!r}" + (f" (did you mean {hint!r}?)" if hint else ""))


def category_not_for(yr: YearRules, subject: str) -> tuple[str, str]:
    """(zh, en): a household category (农户类型) given for a subject type that is not a household."""
    names = {s.id: s.label for s in yr.vocabulary.subjects}
    households = "、".join(names[s].zh for s in yr.vocabulary.household_subjects if s in names)
    label = names.get(subject)
    return (f"农户类型只适用于{households}，{label.zh if label else subject}不应填写农户类型（“三类户”等比例和提高标准只对农户适用）",
            f"a household category belongs to {', '.join(names[s].en for s in yr.vocabulary.household_subjects if s in names)} only; "
            f"a {label.en if label else subject} takes none (the 三类户 shares and uplifts are for households)")


def suggest(word: str, options: Iterable[str]) -> str:
    """The closest of ``options`` to ``word`` (difflib), or an empty string."""
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
    for loc in () if surely_no_lone_surrogate(data) else _bad_text(data, ()):
        problem(loc, "含有无效字符（单独的代理码位 \\ud800–\\udfff）", "holds an invalid character (a lone surrogate \\ud800–\\udfff)")
    if problems:
        raise InputError(problems)
    if year is not None:
        data = {**data, "year": year}
    def schema_problems(exc: ValidationError, prefix: tuple = ()) -> None:
        for err in exc.errors():
            loc = prefix + tuple(err["loc"])
            if err["type"] == "extra_forbidden":
                key = str(loc[-1])
                hint = suggest(key, _allowed_keys(loc[:-1]))
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
        subject = resolve_subject(yr.vocabulary, info.subject)
        if subject is None:
            names = "、".join(f"{s.id}（{s.label.zh}）" for s in yr.vocabulary.subjects)
            problem(("applicant", "subject"), f"未知主体类型“{info.subject}”；可选：{names}",
                    f"unknown subject type {info.subject!r}; expected one of: {', '.join(s.id for s in yr.vocabulary.subjects)}")
        if info.category is not None:
            category = resolve_category(yr.vocabulary, info.category)
            if category is None:
                names = "、".join(c.label.zh for c in yr.vocabulary.categories)
                problem(("applicant", "category"), f"未知农户类型“{info.category}”；可选：{names}",
                        f"unknown household category {info.category!r}; expected one of: {', '.join(c.id for c in yr.vocabulary.categories)}")

        if category is not None and subject is not None and subject not in yr.vocabulary.household_subjects:
            problem(("applicant", "category"), *category_not_for(yr, subject))

    claims: list[Claim] = []
    for i, claim in indexed:
        rid = resolve_rule(yr.rules, claim.rule)  # the one reading of a rule's id or name (capitals too)
        if rid is not None and rid != claim.rule:
            claim = claim.model_copy(update={"rule": rid})
        rule = yr.rules.get(claim.rule)
        if rule is None:
            hint = suggest(claim.rule, yr.rules)
            problem(("claims", i, "rule"), f"未知奖补规则“{claim.rule}”" + (f"，是否应为“{hint}”？" if hint else "；用 `xingxian-subsidy rules list` 查看"),
                    f"unknown rule {claim.rule!r}" + (f"; did you mean {hint!r}?" if hint else "; see `xingxian-subsidy rules list`"))
            continue
        typed: dict[str, Any] = {}
        for key, raw in claim.inputs.items():
            spec = rule.input_spec(key)
            if spec is None:
                hint = suggest(key, [s.name for s in rule.inputs])
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
    # the words shown back to the user: no terminal escape or control character, no invisible one
    shown = {k: _shown(getattr(info, k)) for k in ("name", "township", "village", "id_number")}
    new_info = info.model_copy(update={"subject": subject, "category": category, **shown})
    claims = [c.model_copy(update={"project": _shown(c.project)}) for c in claims]
    return ApplicantFile(year=head.year, applicant=new_info, claims=claims), yr


def _shown(text: str | None) -> str | None:
    """A name or label as it is kept and printed: control characters and escape sequences
    removed (``inputforms.printable``), then NFKC with invisible characters removed
    (``inputforms.normalise_key``) — 王\u200b建国 is 王建国."""
    if text is None:
        return None
    return normalise_key(printable(text)) or printable(text).strip()


def _bad_text(value: Any, loc: tuple) -> Iterable[tuple]:
    """Where ``value`` (keys included) holds a lone surrogate, which no output can write."""
    if isinstance(value, str):
        if has_lone_surrogate(value):
            yield loc
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str) and has_lone_surrogate(k):
                yield loc + ("?",)
            else:
                yield from _bad_text(v, loc + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _bad_text(v, loc + (i,))


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


def read_applicant(path: Path | str, pack: RulePack, year: int | None = None) -> tuple[ApplicantFile, YearRules]:
    """Read and validate an applicant YAML/JSON file.

    Raises:
        InputError: unreadable file, syntax error, or invalid content — each problem with file, line and field.
        YearNotCovered: no rule covers the year.
    """
    path = Path(path)
    try:
        data, lines = load_with_lines(path, MAX_APPLICANT_BYTES)
    except LoadFailure as exc:
        if exc.message.startswith("file too large"):
            raise InputError([Problem(source=str(path), message={
                "zh": f"申请文件过大（上限 {MAX_APPLICANT_BYTES // MB} MB）：一个申请人的文件通常只有几 KB；名册请用 audit",
                "en": f"applicant file too large (limit {MAX_APPLICANT_BYTES // MB} MB): one applicant's file is a few KB; use audit for rosters"})]) from None
        raise InputError([Problem(source=str(path), line=exc.line, message={"zh": f"无法读取申请文件：{_zh(exc.message)}", "en": f"cannot read the applicant file: {exc.message}"})]) from None
    return parse_applicant(data, pack, source=str(path), lines=lines, year=year)


def _zh(message: str) -> str:
    return (message.replace("cannot read file", "无法读取文件").replace("not UTF-8 or GBK text", "不是 UTF-8 或 GBK 文本")
            .replace("YAML syntax error", "YAML 语法错误").replace("JSON syntax error", "JSON 语法错误").replace("duplicate key", "重复的键")
            .replace("not a regular file: a directory", "不是普通文件：是文件夹").replace("not a regular file: a pipe (FIFO)", "不是普通文件：是管道（FIFO）")
            .replace("not a regular file: a device or socket", "不是普通文件：是设备或套接字")
            .replace("not a finite number", "不是有限的数").replace("a number of over", "数字过长：超过").replace(" characters", " 个字符")
            .replace("a lone surrogate (\\ud800–\\udfff) is not a character", "含有无效字符（单独的代理码位 \\ud800–\\udfff）")
            .replace("more than", "展开别名后超过").replace(" values once aliases are expanded (an alias bomb?)", " 个值（别名炸弹？）")
            .replace("nested deeper than", "嵌套超过").replace(" levels", " 层")
            .replace("the tag", "标签").replace(" is not accepted here", " 不被接受").replace("not a whole number", "不是整数"))


